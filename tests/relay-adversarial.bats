#!/usr/bin/env bats
# mostro-relay serve against hostile clients, on loopback: connection floods
# to the cap, descriptors running out, idle and silent connections, slow
# readers, malformed and mutated frames, NIP-42 abuse, restricted kinds read
# with the wrong key. After each attack the relay still serves a normal
# client, its database passes PRAGMA integrity_check, and its peak RSS stays
# under the bound documented in man mostro-relay.
#
# Each case takes a few seconds; `make soak` (MOSTRO_SOAK=1) runs the same
# cases at full size (1030 connections against ulimit -n 1024 for a minute,
# 8 and 32 slow readers of 72 MB of stored events, ...) and prints figures
# (CPU %, peak RSS, MB of log) as "# figures:" lines.

bats_require_minimum_version 1.5.0

load lib/relay-serve
load lib/relay-adversarial

setup_file() {
	relay_serve_setup_file
}

setup() {
	TMP=$(mktemp -d)
	SK1=$(printf '%064x' 1)
	SK2=$(printf '%064x' 2)
	PK1=$(node "$CLIENT" --pubkey "$SK1")
	PK2=$(node "$CLIENT" --pubkey "$SK2")
}

teardown() {
	stop_relay
	rm -rf "$TMP"
}

@test "flood: connections past --max-connections are refused at once; the relay stays quiet and serves again" {
	if soak; then n=1100 cap=1000 hold=60; else n=60 cap=40 hold=2; fi
	start_relay --db "$TMP/r.db" --max-connections "$cap"
	[ "$(nip11_doc | jq .limitation.max_connections)" = "$cap" ]
	during_attack flood attack idle "$n" "$hold" --pending-ms 3000 >"$TMP/a"
	cat "$TMP/a"
	[ "$(jq .opened "$TMP/a")" = "$cap" ]
	[ "$(jq .refused "$TMP/a")" = $((n - cap)) ]     # reset at once, not left waiting
	[ "$(jq .pending "$TMP/a")" = 0 ]
	figure "$n connections against a cap of $cap for $hold s: CPU ${flood_cpu_f}%, log ${flood_log_b} bytes"
	[ "$flood_cpu" -lt 20 ]
	[ "$(grep -c 'refusing connections' "$RELAY_LOG")" -le 2 ]     # rate-limited
	relay_still_fine $((256 << 20)) "$cap"
}

@test "descriptors: the default cap stays under ulimit -n with room for the database" {
	if soak; then nofile=1024 n=1030 hold=60; else nofile=128 n=150 hold=2; fi
	cap=$((nofile - 32))
	RELAY_NOFILE=$nofile start_relay --db "$TMP/r.db"
	[ "$(nip11_doc | jq .limitation.max_connections)" = "$cap" ]
	during_attack fds attack idle "$n" "$hold" --no-pong --pending-ms 3000 >"$TMP/a"
	cat "$TMP/a"
	[ "$(jq .opened "$TMP/a")" = "$cap" ]
	[ "$(jq .refused "$TMP/a")" = $((n - cap)) ]
	figure "$n idle connections against ulimit -n $nofile for $hold s: CPU ${fds_cpu_f}%, log ${fds_log_b} bytes"
	[ "$fds_cpu" -lt 20 ]
	[ "$fds_log_kb" -lt 16 ]
	[ "$(grep -c 'errno 24\|Too many open files' "$RELAY_LOG")" = 0 ]
	relay_still_fine $((256 << 20)) "$cap"
	# asking for more than the limit holds is a configuration error
	run bash -c "ulimit -n $nofile && exec mostro-relay serve --listen 127.0.0.1:0 --max-connections $nofile"
	[ "$status" -eq 5 ]
	[[ "$output" == *"--max-connections $nofile needs $((nofile + 32)) descriptors"*"ulimit -n"* ]]
}

@test "descriptors: accept(2) out of descriptors (EMFILE) backs off instead of spinning, and recovers" {
	command -v prlimit >/dev/null || { echo "need prlimit (util-linux)" >&2; false; }
	if soak; then n=300 hold=60; else n=80 hold=3; fi
	start_relay --db "$TMP/r.db"
	# lower the running relay's limit under its cap: accept(2) meets EMFILE
	prlimit --pid "$RELAY_PID" --nofile=48:48
	during_attack emfile attack idle "$n" "$hold" --no-pong --pending-ms 1000 >"$TMP/a"
	cat "$TMP/a"
	[ "$(jq .opened "$TMP/a")" -lt "$n" ]
	figure "$n connections, descriptors exhausted for $hold s: CPU ${emfile_cpu_f}%, log ${emfile_log_b} bytes"
	[ "$emfile_cpu" -lt 20 ]
	[ "$emfile_log_kb" -lt 16 ]
	grep -q 'accept: Too many open files; not accepting for' "$RELAY_LOG"
	[ "$(grep -c 'accept: Too many open files' "$RELAY_LOG")" -le $((hold / 10 * 2 + 2)) ]
	# the attackers gone, new connections are taken again
	relay_still_fine $((256 << 20)) "$n"
}

@test "idle: a connection silent even to a ping is closed after --idle-timeout; one that answers stays" {
	if soak; then n=500 idle=10 hold=16; else n=20 idle=2 hold=3.5; fi
	start_relay --db "$TMP/r.db" --idle-timeout "$idle"
	attack idle "$n" "$hold" --no-pong >"$TMP/mute"
	cat "$TMP/mute"
	[ "$(jq .opened "$TMP/mute")" = "$n" ]
	[ "$(jq .pinged "$TMP/mute")" = "$n" ]
	[ "$(jq .closed "$TMP/mute")" = "$n" ]
	[ "$(jq '.first_close_s >= '"$idle"' * 0.7' "$TMP/mute")" = true ]
	attack idle "$n" "$hold" >"$TMP/alive"
	cat "$TMP/alive"
	[ "$(jq .pinged "$TMP/alive")" = "$n" ]
	[ "$(jq .closed "$TMP/alive")" = 0 ]
	[ "$(grep -c 'silent for' "$RELAY_LOG")" -le 2 ]
	relay_still_fine $((256 << 20)) "$n"
}

@test "idle: TCP connections that never finish an HTTP request are closed" {
	soak || skip "libwebsockets closes them after 10 s: make soak"
	start_relay --db "$TMP/r.db"
	attack silent 200 13 >"$TMP/a"
	cat "$TMP/a"
	[ "$(jq .closed "$TMP/a")" = 200 ]
	attack silent 200 13 --partial >"$TMP/a"
	[ "$(jq .closed "$TMP/a")" = 200 ]
	relay_still_fine $((256 << 20)) 200
}

@test "slow readers: over --max-output the largest queues go; --stall-timeout drops the rest; a reader is served" {
	# each REQ asks for $limit events of 60 KB (one connection's queue takes
	# at most 64 MiB); the kernel's socket buffers take about 1.5 MB of it
	# from a reader that reads nothing, the rest waits
	if soak; then events=1200 limit=1000 budget=256M budget_b=$((256 << 20)) stall=30 hold=40; else
		events=50 limit=50 budget=8M budget_b=$((8 << 20)) stall=2 hold=4; fi
	start_relay --db "$TMP/r.db" --max-output "$budget" --stall-timeout "$stall"
	node -e 'const c = "x".repeat(60000);
		for (let i = 0; i < '"$events"'; i++) console.log(JSON.stringify({kind: 1, created_at: 1700000000 + i, content: c + i}))' |
		sign_many "$SK1" >"$TMP/big"
	mostro-relay pub -q "$RELAY_URL" <"$TMP/big" >/dev/null
	for readers in $(soak && echo 8 32 || echo 8); do
		attack slow "$readers" "$hold" '["REQ","s",{"kinds":[1],"limit":'"$limit"'}]' --drain 2 >"$TMP/slow" &
		apid=$!
		if [ "$stall" -gt 2 ]; then sleep 3; else sleep 1.5; fi
		# meanwhile a client that reads gets every event and its EOSE
		relay_session $((limit + 1)) '["REQ","ok",{"kinds":[1],"limit":'"$limit"'}]' >"$TMP/ok"
		[ "$(grep -c '^\["EVENT","ok",' "$TMP/ok")" = "$limit" ]
		[ "$(tail -1 "$TMP/ok")" = '["EOSE","ok"]' ]
		during_attack slow wait "$apid"
		cat "$TMP/slow"
		[ "$(jq .opened "$TMP/slow")" = "$readers" ]
		[ "$(jq .closed "$TMP/slow")" = "$readers" ]     # none kept its queue
		figure "$readers slow readers of $limit events of 60 KB for $hold s: CPU ${slow_cpu_f}%, log ${slow_log_b} bytes"
		relay_still_fine "$budget_b" "$readers"
	done
	[ "$(grep -c 'dropping a connection' "$RELAY_LOG")" -le 8 ]     # rate-limited
}

@test "frames: malformed and mutated frames are answered or refused; nothing breaks" {
	if soak; then count=1000; else count=25; fi
	start_relay --db "$TMP/r.db"
	ev=$(sign "$SK1" '{"kind":1,"content":"kept"}')
	[ "$(relay_session 1 "[\"EVENT\",$ev]" | jq -c '.[2]')" = true ]
	for seed in 1 2; do
		attack frames "$seed" "$count" >"$TMP/a"
		cat "$TMP/a"
		[ "$(jq .connections "$TMP/a")" = "$count" ]
	done
	[ "$(relay_session 2 '["REQ","k",{"kinds":[1]}]' | jq -r '.[2].content' | head -1)" = kept ]
	relay_still_fine $((256 << 20)) 1
}

@test "NIP-42 abuse: bad AUTH events are refused; a connection authenticates at most 64 keys" {
	start_relay --db "$TMP/r.db" --auth-read-kinds 1059
	cat >"$TMP/abuse.mjs" <<'JS'
import { createRequire } from 'node:module';
const require = createRequire(process.env.INTEROP_PACKAGE);
const WebSocket = require('ws');
const { finalizeEvent, generateSecretKey } = require('nostr-tools/pure');
const [url, other] = process.argv.slice(2);
const now = () => Math.floor(Date.now() / 1000);
const auth = (sk, challenge, extra = {}) => finalizeEvent({ kind: 22242, created_at: now(),
  tags: [['relay', extra.relay ?? url], ['challenge', challenge], ...(extra.tags ?? [])], content: '' }, sk);
const ws = new WebSocket(url);
const oks = [];
let challenge;
ws.on('message', d => {
  const f = JSON.parse(d.toString());
  if (f[0] === 'AUTH') { challenge = f[1]; run(); return; }
  if (f[0] === 'OK') oks.push(f);
  if (oks.length === 70 + 5) { for (const o of oks) console.log(JSON.stringify([o[2], o[3]])); process.exit(0); }
});
function run() {
  const sk = generateSecretKey();
  ws.send(JSON.stringify(['AUTH', auth(sk, other)]));                       // another connection's challenge
  ws.send(JSON.stringify(['AUTH', auth(sk, challenge, { relay: 'ws://elsewhere.example:1' })]));
  const bad = auth(sk, challenge); bad.sig = bad.sig.replace(/^./, c => c === '0' ? '1' : '0');
  ws.send(JSON.stringify(['AUTH', bad]));
  ws.send(JSON.stringify(['AUTH', auth(sk, challenge, { tags: Array.from({ length: 1500 }, (_, i) => ['t', 'x' + i]) })]));
  ws.send(JSON.stringify(['AUTH', { ...auth(sk, challenge), kind: 1 }]));   // id no longer matches
  for (let i = 0; i < 70; i++) ws.send(JSON.stringify(['AUTH', auth(generateSecretKey(), challenge)]));
}
setTimeout(() => { console.error('timeout with', oks.length, 'answers'); process.exit(1); }, 20000);
JS
	other=$(echo | node "$CLIENT" "$RELAY_URL" --keep-challenge --expect 1 | jq -r '.[1]')
	INTEROP_PACKAGE="$BATS_TEST_DIRNAME/interop/package.json" run node "$TMP/abuse.mjs" "$RELAY_URL" "$other"
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = '[false,"invalid: challenge tag does not match the challenge sent"]' ]
	[ "${lines[1]}" = '[false,"invalid: relay tag does not name this relay"]' ]
	[ "${lines[2]}" = '[false,"invalid: id or signature does not verify"]' ]
	[ "${lines[3]}" = '[true,""]' ]                               # many tags: still a valid AUTH
	[ "${lines[4]}" = '[false,"invalid: not a kind 22242 event"]' ]
	[ "$(printf '%s\n' "${lines[@]:5}" | grep -c '^\[true,""\]$')" = 63 ]   # 64 keys with line 3
	[ "$(printf '%s\n' "${lines[@]:5}" | grep -c 'rate-limited: this connection has authenticated 64 pubkeys already')" = 7 ]
	relay_still_fine $((256 << 20)) 2
}

@test "restricted kinds: the wrong key reads nothing, stored or live, whatever the filter" {
	start_relay --db "$TMP/r.db" --auth-read-kinds 1059
	# created_at apart: events of one second come back in id order (NIP-01), not in the order sent
	to2=$(sign "$SK1" "{\"kind\":1059,\"created_at\":$(($(date +%s) - 10)),\"content\":\"for 2\",\"tags\":[[\"p\",\"$PK2\"]]}")
	id=$(jq -r .id <<<"$to2")
	relay_session 1 "[\"EVENT\",$to2]" >/dev/null
	late=$(sign "$SK1" "{\"kind\":1059,\"content\":\"late for 2\",\"tags\":[[\"p\",\"$PK2\"]]}")
	mark=$(sign "$SK1" '{"kind":1,"content":"mark"}')
	# authenticated as PK1: no filter shape reaches PK2's event
	RELAY_CLIENT_OPTS="--auth $SK1" run relay_session 8 \
		'["REQ","k",{"kinds":[1059]}]' "[\"REQ\",\"i\",{\"ids\":[\"$id\"]}]" \
		"[\"REQ\",\"p\",{\"#p\":[\"$PK2\"]}]" "[\"REQ\",\"a\",{\"authors\":[\"$PK1\"]}]" \
		"[\"COUNT\",\"c\",{\"ids\":[\"$id\"]}]" 'await 5' \
		"[\"EVENT\",$late]" "[\"EVENT\",$mark]"
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = '["EOSE","k"]' ]
	[ "${lines[1]}" = '["EOSE","i"]' ]
	[ "${lines[2]}" = '["EOSE","p"]' ]
	[ "${lines[3]}" = '["EOSE","a"]' ]
	[ "${lines[4]}" = '["COUNT","c",{"count":0}]' ]
	# live: the late event for PK2 goes to none of these subscriptions, the mark to "a"
	[ "$(jq -c '.[0:2]' <<<"${lines[5]}")" = '["OK","'"$(jq -r .id <<<"$late")"'"]' ]
	[ "$(printf '%s\n' "${lines[@]:6}" | jq -r 'select(.[0]=="EVENT") | .[1] + ":" + .[2].content' | tr '\n' ,)" = "a:mark," ]
	# unauthenticated: an ids filter (no kinds, so no auth-required) finds nothing either
	[ "$(relay_session 1 "[\"REQ\",\"u\",{\"ids\":[\"$id\"]}]")" = '["EOSE","u"]' ]
	# the right key still reads it
	RELAY_CLIENT_OPTS="--auth $SK2" run relay_session 3 '["REQ","k",{"kinds":[1059]}]'
	[ "$(jq -r '.[2].content' <<<"${lines[0]}")" = "late for 2" ]
	[ "$(jq -r '.[2].content' <<<"${lines[1]}")" = "for 2" ]
	relay_still_fine $((256 << 20)) 2
}
