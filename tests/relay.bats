#!/usr/bin/env bats
# mostro-relay client subcommands (pub, req, sub, info) against the scriptable
# fake relay (tests/fake-relay.mjs): every exit path, misbehaving relays,
# reconnection with resume, cursor files, pagination, NIP-42, NIP-11.
# Servers listen on 127.0.0.1, on free ports.

bats_require_minimum_version 1.5.0

TOP=${MOSTRO_TOP:-$(cd "$(dirname "$BATS_TEST_FILENAME")/.." && pwd)}
FAKE="$TOP/tests/fake-relay.mjs"
SK=0000000000000000000000000000000000000000000000000000000000000001
PK=79be667ef9dcbbac55a06295ce870b07029bfcdb2dce28d959f2815b16f81798
SK2=0000000000000000000000000000000000000000000000000000000000000002

setup_file() {
	if [ ! -d "$TOP/tests/interop/node_modules/ws" ] || [ ! -d "$TOP/tests/interop/node_modules/nostr-tools" ]; then
		(cd "$TOP/tests/interop" && npm ci --no-audit --no-fund --loglevel=error >&2)
	fi
}

setup() {
	T=$BATS_TEST_TMPDIR
	export PATH="$TOP/${BUILD:-build}/bin:$PATH"
	unset RELAYS MOSTRO_RELAY_CONNECT_TIMEOUT MOSTRO_RELAY_OK_TIMEOUT MOSTRO_RELAY_WAIT_TIMEOUT
}

teardown() {
	for p in "$T"/*.pid; do
		[ -f "$p" ] && kill "$(cat "$p")" 2>/dev/null
	done
	true
}

# sign [SK] < templates  -> signed events, one per line
sign() { node "$FAKE" sign "${1:-$SK}"; }

# node_relay NAME SCRIPT_JSON CMD...: start a node relay CMD SCRIPT PORTFILE;
# its URL is in $T/NAME.url
node_relay() {
	local name=$1 script=$2
	shift 2
	echo "$script" >"$T/$name.json"
	rm -f "$T/$name.port"
	node "$@" "$T/$name.json" "$T/$name.port" &
	echo $! >"$T/$name.pid"
	for _ in $(seq 400); do [ -s "$T/$name.port" ] && break; sleep 0.025; done
	[ -s "$T/$name.port" ] || { echo "relay $name ($*) did not start" >&2; return 1; }
	echo "ws://127.0.0.1:$(cat "$T/$name.port")" >"$T/$name.url"
}
# fake NAME SCRIPT_JSON: start a fake relay; its URL is in $T/NAME.url
fake() { node_relay "$1" "$2" "$FAKE" serve; }
# strfry NAME SCRIPT_JSON: start tests/strfry-relay.mjs, which answers as strfry
# does (NIP-42 on restricted reads, every CLOSED and NOTICE led by "ERROR: ")
strfry() { node_relay "$1" "$2" "$TOP/tests/strfry-relay.mjs"; }
url() { cat "$T/$1.url"; }
stop_fake() {
	kill "$(cat "$T/$1.pid")" 2>/dev/null
	wait "$(cat "$T/$1.pid")" 2>/dev/null || true
	rm -f "$T/$1.pid"
}
# A port nobody listens on.
free_port() { node -e 'const s=require("net").createServer().listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})'; }

three_notes() {
	printf '%s\n' '{"kind":1,"content":"one","created_at":1700000001}' \
		'{"kind":1,"content":"two","created_at":1700000002}' \
		'{"kind":1,"content":"three","created_at":1700000003}' | sign
}

# ---------------------------------------------------------------- usage

@test "--help prints usage on stdout and exits 0" {
	run mostro-relay --help
	[ "$status" -eq 0 ]
	[[ $output == *"mostro-relay pub"* ]]
	run mostro-relay pub --help
	[ "$status" -eq 0 ]
}

@test "unknown subcommand and unknown option are usage errors (2)" {
	run mostro-relay frobnicate
	[ "$status" -eq 2 ]
	run mostro-relay pub --frobnicate
	[ "$status" -eq 2 ]
	run mostro-relay pub --filter '{}'
	[ "$status" -eq 2 ]
	[[ $output == *"does not apply"* ]]
}

@test "a bad relay URL is invalid input (4); a bad \$RELAYS is configuration (5)" {
	run mostro-relay pub ftp://relay.example.com </dev/null
	[ "$status" -eq 4 ]
	[[ $output == *"not a ws://"* ]]
	run mostro-relay req 'wss://bad host' --filter '{}'
	[ "$status" -eq 4 ]
	RELAYS='relay.example.com,ws://:1' run mostro-relay pub </dev/null
	[ "$status" -eq 5 ]
	[[ $output == *'$RELAYS'* ]]
}

@test "a bad filter argument is invalid input (4)" {
	run mostro-relay req --filter '{"kinds":["x"]}'
	[ "$status" -eq 4 ]
	[[ $output == *"kinds"* ]]
}

# ---------------------------------------------------------------- dry run

@test "pub with no relay prints the EVENT frames it would send; bad lines are reported (123)" {
	three_notes >"$T/ev"
	{ head -1 "$T/ev"; echo 'not json'; sed -n 2p "$T/ev" | jq -c '.sig = ("00" + .sig[2:])'; \
	  sed -n 2p "$T/ev" | jq -c '["EVENT","s",.]'; tail -1 "$T/ev" | jq -c '["EVENT",.]'; } >"$T/in"
	run --separate-stderr mostro-relay pub <"$T/in"
	[ "$status" -eq 123 ]
	[ "$(echo "$output" | wc -l)" -eq 3 ]
	[ "$(echo "$output" | jq -r '.[0]' | sort -u)" = EVENT ]
	[ "$(echo "$output" | jq -r '.[1].content' | tr '\n' ' ')" = "one two three " ]
	[[ $stderr == *"mostro-relay: line 2: not JSON"* ]]
	[[ $stderr == *"mostro-relay: line 3: "*"signature"* ]]
}

@test "req and sub with no relay print the REQ frame they would send" {
	run mostro-relay req --filter '{"kinds":[1,1059],"authors":["'$PK'"]}'
	[ "$status" -eq 0 ]
	[ "$output" = '["REQ","mr1",{"authors":["'$PK'"],"kinds":[1,1059]}]' ]
	run bash -c 'echo "{\"kinds\":[4]}" | mostro-relay sub'
	[ "$status" -eq 0 ]
	[ "$output" = '["REQ","mr1",{"kinds":[4]}]' ]
}

@test "relays are normalised and deduplicated across arguments and \$RELAYS" {
	fake r '{"log":"'$T'/log"}'
	port=$(cat "$T/r.port")
	three_notes | head -1 >"$T/ev"
	RELAYS="localhost:$port/,ws://LOCALHOST:$port" run --separate-stderr mostro-relay pub "localhost:$port" <"$T/ev"
	[ "$status" -eq 0 ]
	[ "$(echo "$output" | wc -l)" -eq 1 ]
	[ "$(echo "$output" | jq -r .relay)" = "ws://localhost:$port" ]
}

# ---------------------------------------------------------------- pub

@test "pub: one ok record per (event, relay), exit 0" {
	fake a '{}'
	fake b '{}'
	three_notes >"$T/ev"
	run --separate-stderr mostro-relay pub "$(url a)" "$(url b)" <"$T/ev"
	[ "$status" -eq 0 ]
	[ "$(echo "$output" | wc -l)" -eq 6 ]
	[ "$(echo "$output" | jq -r '[.type,.accepted]|join(" ")' | sort -u)" = "ok true" ]
	for id in $(jq -r .id "$T/ev"); do
		[ "$(echo "$output" | jq -r "select(.id==\"$id\").relay" | sort | tr '\n' ' ')" = "$(printf '%s\n' "$(url a)" "$(url b)" | sort | tr '\n' ' ')" ]
	done
}

@test "pub: input from a pipe whose writer is slow ends at EOF" {
	fake r '{}'
	three_notes >"$T/ev"
	run --separate-stderr timeout 5 bash -c "(sleep 0.3; cat '$T/ev'; sleep 0.2) | mostro-relay pub $(url r)"
	[ "$status" -eq 0 ]
	[ "$(echo "$output" | wc -l)" -eq 3 ]
}

@test "pub: input beyond the in-memory high-water mark (1024 events) pauses and resumes without loss" {
	fake r '{}'
	for i in $(seq 1500); do echo "{\"kind\":1,\"content\":\"b$i\"}"; done | sign >"$T/ev"
	run --separate-stderr timeout 30 bash -c "cat '$T/ev' | mostro-relay pub -q $(url r)"
	[ "$status" -eq 0 ]
	[ "$(echo "$output" | jq -r .id | sort -u | wc -l)" -eq 1500 ]
	[ "$(echo "$output" | jq -r .id | sort)" = "$(jq -r .id "$T/ev" | sort)" ]
}

@test "pub: OK false is refused (1) and carries the relay's message" {
	fake r '{"accept":false,"okMessage":"blocked: not on the list"}'
	three_notes | head -1 >"$T/ev"
	run --separate-stderr mostro-relay pub "$(url r)" <"$T/ev"
	[ "$status" -eq 1 ]
	[ "$(echo "$output" | jq -c '[.accepted,.message]')" = '[false,"blocked: not on the list"]' ]
}

@test "pub: --min-ok counts accepting relays per event" {
	fake yes '{}'
	fake no '{"accept":false,"okMessage":"invalid: no"}'
	three_notes | head -1 >"$T/ev"
	run --separate-stderr mostro-relay pub --min-ok 1 "$(url yes)" "$(url no)" <"$T/ev"
	[ "$status" -eq 0 ]
	run --separate-stderr mostro-relay pub --min-ok 2 "$(url yes)" "$(url no)" <"$T/ev"
	[ "$status" -eq 1 ]
	run --separate-stderr mostro-relay pub --min-ok 3 "$(url yes)" "$(url no)" <"$T/ev"
	[ "$status" -eq 2 ]
}

# three_notes as {"ref":"n1".."n3","event":ev} lines (mostro-wrap --mixed with refs)
ref_notes() { three_notes | jq -c '{ref:("n" + (.content|{one:"1",two:"2",three:"3"}[.])),event:.}'; }

@test "pub: a {\"ref\",\"event\"} line gets its ref in every ok record and one published record (accepted once --min-ok relays took it)" {
	fake a '{}'
	fake b '{}'
	{ ref_notes | head -2; three_notes | tail -1; } >"$T/in"
	run --separate-stderr mostro-relay pub "$(url a)" "$(url b)" <"$T/in"
	[ "$status" -eq 0 ]
	# 6 ok records (the ref'd events' carry their ref) + 2 published (none for the bare event)
	[ "$(jq -r 'select(.type=="ok")|.ref // "-"' <<<"$output" | sort | tr '\n' ' ')" = "- - n1 n1 n2 n2 " ]
	[ "$(jq -r 'select(.type=="published")|.ref' <<<"$output" | sort | tr '\n' ' ')" = "n1 n2 " ]
	n1=$(jq -r 'select(.ref=="n1")|.event.id' "$T/in")
	[ "$(jq -c 'select(.type=="published" and .ref=="n1")|[.id,.accepted,.accepted_by,.relays,.message]' <<<"$output")" = "[\"$n1\",true,1,2,\"\"]" ]
	# the published record comes right after the ok that reached --min-ok, before the second relay's
	[ "$(jq -r 'select(.ref=="n1")|.type' <<<"$output" | tr '\n' ' ')" = "ok published ok " ]
	# --min-ok 2: published once both relays took it
	run --separate-stderr mostro-relay pub --min-ok 2 "$(url a)" "$(url b)" < <(ref_notes | head -1)
	[ "$status" -eq 0 ]
	[ "$(jq -r '.type' <<<"$output" | tr '\n' ' ')" = "ok ok published " ]
	[ "$(jq -c 'select(.type=="published")|[.accepted,.accepted_by,.relays]' <<<"$output")" = '[true,2,2]' ]
}

@test "pub: published refused when fewer than --min-ok relays take the event, with the last refusal's message" {
	fake yes '{}'
	fake no '{"accept":false,"okMessage":"blocked: not on the list"}'
	ref_notes | head -1 >"$T/in"
	run --separate-stderr mostro-relay pub --min-ok 1 "$(url yes)" "$(url no)" <"$T/in"
	[ "$status" -eq 0 ]
	[ "$(jq -c 'select(.type=="published")|[.ref,.accepted,.accepted_by,.relays]' <<<"$output")" = '["n1",true,1,2]' ]
	run --separate-stderr mostro-relay pub --min-ok 2 "$(url yes)" "$(url no)" <"$T/in"
	[ "$status" -eq 1 ]
	[ "$(jq -c 'select(.type=="published")|[.ref,.accepted,.accepted_by,.relays,.message]' <<<"$output")" = '["n1",false,1,2,"blocked: not on the list"]' ]
	[ "$(jq -r '.type' <<<"$output" | tail -1)" = published ]
	# every relay unreachable: refused too, one published record per event
	port=$(free_port)
	ref_notes >"$T/in3"
	run --separate-stderr mostro-relay pub "ws://127.0.0.1:$port" <"$T/in3"
	[ "$status" -eq 3 ]
	[ "$(jq -r 'select(.type=="published")|[.ref,.accepted,.accepted_by]|join(" ")' <<<"$output" | sort | tr '\n' '|')" = "n1 false 0|n2 false 0|n3 false 0|" ]
	[[ $(jq -r 'select(.type=="published")|.message' <<<"$output" | head -1) == "error: could not connect"* ]]
}

@test "pub: a bad ref line is refused naming the line and why; the others still go (123)" {
	fake r '{}'
	ev=$(three_notes | head -1)
	{
		ref_notes | tail -1
		jq -c '{ref:7,event:.}' <<<"$ev"
		jq -c '{ref:("x"*257),event:.}' <<<"$ev"
		jq -c '{ref:"a",event:.,extra:1}' <<<"$ev"
		echo '{"ref":"b","event":[1]}'
		jq -c '{ref:"c",event:(.sig = ("00" + .sig[2:]))}' <<<"$ev"
		jq -c '{ref:("x"*256),event:.}' <<<"$ev"
	} >"$T/in"
	run --separate-stderr mostro-relay pub "$(url r)" <"$T/in"
	[ "$status" -eq 123 ]
	[ "$(jq -r 'select(.type=="published")|(.ref|length)' <<<"$output" | sort -n | tr '\n' ' ')" = "2 256 " ]
	[[ $stderr == *"mostro-relay: line 2: ref: expected a string of at most 256 bytes"* ]]
	[[ $stderr == *"mostro-relay: line 3: ref: expected a string of at most 256 bytes"* ]]
	[[ $stderr == *"mostro-relay: line 4: "*'no field "extra"'* ]]
	[[ $stderr == *"mostro-relay: line 5: event: expected an event object"* ]]
	[[ $stderr == *"mostro-relay: line 6: "*"signature"* ]]
	[ "$(grep -c 'mostro-relay: line' <<<"$stderr")" -eq 5 ]
}

@test "pub --trusted-input checks each event's id, not its signature (input from our own signer only); req and sub refuse it (2)" {
	ev=$(three_notes | head -1)
	badsig=$(jq -c '.sig = ("00" + .sig[2:])' <<<"$ev")
	badid=$(jq -c '.content = "changed"' <<<"$ev")
	nosig=$(jq -c 'del(.sig)' <<<"$ev")
	printf '%s\n' "$ev" "$badsig" "$badid" "$nosig" "$(jq -c '{ref:"r",event:.}' <<<"$badsig")" >"$T/in"
	# verified: the bad signature is refused
	run --separate-stderr mostro-relay pub <"$T/in"
	[ "$status" -eq 123 ]
	[ "${#lines[@]}" -eq 1 ]
	[[ $stderr == *"line 2: "*"signature"* ]]
	# trusted: only the id (and a signature being there) is checked
	run --separate-stderr mostro-relay pub --trusted-input <"$T/in"
	[ "$status" -eq 123 ]
	[ "$(jq -r '.[1].sig[0:2]' <<<"$output" | tr '\n' ' ')" = "$(jq -r .sig[0:2] <<<"$ev") 00 00 " ]
	[[ $stderr != *"line 2:"* && $stderr != *"line 5:"* ]]
	[[ $stderr == *"line 3: "*"id"* ]]
	[[ $stderr == *"line 4: "* ]]
	# a relay still verifies what it is sent
	serve s --listen 127.0.0.1:0
	run --separate-stderr mostro-relay pub --trusted-input "$(url s)" <<<"$badsig"
	[ "$status" -eq 1 ]
	[ "$(jq -r .accepted <<<"$output")" = false ]
	run --separate-stderr mostro-relay req --trusted-input --filter '{}'
	[ "$status" -eq 2 ]
	[[ $stderr == *"--trusted-input does not apply"* ]]
}

@test "pub: refused connection is unreachable (3), with a record per event" {
	port=$(free_port)
	three_notes >"$T/ev"
	run --separate-stderr mostro-relay pub "ws://127.0.0.1:$port" <"$T/ev"
	[ "$status" -eq 3 ]
	[ "$(echo "$output" | wc -l)" -eq 3 ]
	[ "$(echo "$output" | jq -r .accepted | sort -u)" = false ]
	[[ $(echo "$output" | jq -r .message | head -1) == "error: could not connect"* ]]
}

@test "pub: one relay down, the other accepts: exit 0" {
	fake r '{}'
	port=$(free_port)
	three_notes | head -1 >"$T/ev"
	run --separate-stderr mostro-relay pub "$(url r)" "ws://127.0.0.1:$port" <"$T/ev"
	[ "$status" -eq 0 ]
	[ "$(echo "$output" | jq -r .accepted | sort | tr '\n' ' ')" = "false true " ]
}

@test "pub: no OK within --ok-timeout is a timeout (124)" {
	fake r '{"silentOk":true}'
	three_notes | head -1 >"$T/ev"
	run --separate-stderr mostro-relay pub --ok-timeout 0.3 "$(url r)" <"$T/ev"
	[ "$status" -eq 124 ]
	[ "$(echo "$output" | jq -r .message)" = "error: timed out waiting for OK" ]
}

@test "pub: a relay that drops the connection on one event (past its frame size limit) refuses that one (1); the others are sent again and accepted" {
	# ws closes with 1009 past maxPayload, like strfry and nostr-rs-relay
	fake r '{"maxPayload":1000}'
	big=$(printf '{"kind":1,"content":"%s"}' "$(head -c 2000 /dev/zero | tr '\0' a)" | sign)
	{ echo '{"kind":1,"content":"before"}' | sign; echo "$big"; echo '{"kind":1,"content":"after"}' | sign; } >"$T/ev"
	run --separate-stderr timeout -k 2 15 mostro-relay pub --ok-timeout 5 "$(url r)" <"$T/ev"
	[ "$status" -eq 1 ]
	[ "$(echo "$output" | wc -l)" -eq 3 ]
	[ "$(echo "$output" | jq -r .id | sort -u | wc -l)" -eq 3 ]
	[ "$(echo "$output" | jq -r 'select(.id == "'"$(echo "$big" | jq -r .id)"'") | "\(.accepted) \(.message)"')" = \
		"false error: the relay closed the connection each time this event was sent" ]
	[ "$(echo "$output" | jq -r 'select(.accepted) | .id' | wc -l)" -eq 2 ]
}

@test "pub: a relay that keeps dropping the connection mid-stream: every event sent again until accepted, one record each" {
	fake r '{"dropAfter":5}'
	for i in $(seq 30); do echo '{"kind":1,"content":"n'$i'"}'; done | sign >"$T/ev"
	run --separate-stderr timeout -k 2 20 mostro-relay pub --ok-timeout 5 "$(url r)" <"$T/ev"
	[ "$status" -eq 0 ]
	[ "$(echo "$output" | jq -r 'select(.accepted) | .id' | sort -u | wc -l)" -eq 30 ]
	[ "$(echo "$output" | wc -l)" -eq 30 ]
}

@test "pub: MOSTRO_RELAY_OK_TIMEOUT sets the OK timeout" {
	fake r '{"silentOk":true}'
	three_notes | head -1 >"$T/ev"
	MOSTRO_RELAY_OK_TIMEOUT=300ms run --separate-stderr timeout 5 mostro-relay pub "$(url r)" <"$T/ev"
	[ "$status" -eq 124 ]
}

@test "pub: a relay that never completes the handshake times out (--connect-timeout, 124)" {
	fake r '{"stall":true}'
	three_notes | head -1 >"$T/ev"
	run --separate-stderr timeout 5 mostro-relay pub --connect-timeout 0.3 "$(url r)" <"$T/ev"
	[ "$status" -eq 124 ]
	[[ $(echo "$output" | jq -r .message) == *"timed out connecting"* ]]
	MOSTRO_RELAY_CONNECT_TIMEOUT=0.3 run --separate-stderr timeout 5 mostro-relay pub "$(url r)" <"$T/ev"
	[ "$status" -eq 124 ]
}

@test "pub: many events are in flight at once (no waiting for each OK)" {
	fake r '{"silentOk":true,"log":"'$T'/log"}'
	for i in $(seq 20); do echo "{\"kind\":1,\"content\":\"n$i\"}"; done | sign >"$T/ev"
	start=$(date +%s%N)
	run --separate-stderr mostro-relay pub --ok-timeout 0.5 "$(url r)" <"$T/ev"
	elapsed=$(( ($(date +%s%N) - start) / 1000000 ))
	[ "$status" -eq 124 ]
	[ "$(grep -c '^\["EVENT"' "$T/log")" -eq 20 ]
	[ "$(echo "$output" | wc -l)" -eq 20 ]
	# one after the other would take 20 x 0.5 s
	[ "$elapsed" -lt 6000 ]
}

@test "pub: SIGTERM stops reading; the events already sent are still finished (a record each)" {
	fake r '{"silentOk":true,"log":"'$T'/log"}'
	three_notes >"$T/ev"
	mkfifo "$T/in"
	mostro-relay pub --ok-timeout 1 "$(url r)" <"$T/in" >"$T/pub.out" 2>"$T/pub.err" &
	pid=$!
	exec 7>"$T/in"            # the writer stays open: no EOF
	cat "$T/ev" >&7
	for _ in $(seq 400); do [ "$(grep -c '^\["EVENT"' "$T/log" 2>/dev/null)" -ge 3 ] && break; sleep 0.025; done
	[ ! -s "$T/pub.out" ]     # no OK yet
	kill -TERM "$pid"
	rc=0; wait "$pid" || rc=$?
	exec 7>&-
	[ "$rc" -eq 124 ]
	[ "$(jq -r .message "$T/pub.out" | sort -u)" = "error: timed out waiting for OK" ]
	[ "$(jq -r .id "$T/pub.out" | sort)" = "$(jq -r .id "$T/ev" | sort)" ]
}

@test "pub: a second SIGTERM stops at once; each unanswered (event, relay) still gets a record and the exit is 124, not 0" {
	fake r '{"silentOk":true,"log":"'$T'/log"}'
	three_notes >"$T/ev"
	mkfifo "$T/in"
	mostro-relay pub --ok-timeout 60 "$(url r)" <"$T/in" >"$T/pub.out" 2>"$T/pub.err" &
	pid=$!
	exec 7>"$T/in"
	cat "$T/ev" >&7
	for _ in $(seq 400); do [ "$(grep -c '^\["EVENT"' "$T/log" 2>/dev/null)" -ge 3 ] && break; sleep 0.025; done
	kill -TERM "$pid"
	sleep 0.3
	kill -TERM "$pid"
	rc=0; wait "$pid" || rc=$?
	exec 7>&-
	[ "$rc" -eq 124 ]
	[ "$(jq -r .message "$T/pub.out" | sort -u)" = "error: interrupted before the relay answered" ]
	[ "$(jq -r .id "$T/pub.out" | sort)" = "$(jq -r .id "$T/ev" | sort)" ]
}

@test "pub: standard output closed by its reader: pub stops and does not exit 0 for events never answered" {
	fake r '{}'
	for i in $(seq 2000); do echo '{"kind":1,"content":"n'$i'"}'; done | sign >"$T/ev"
	{ rc=0; mostro-relay pub "$(url r)" <"$T/ev" 2>"$T/pub.err" || rc=$?; echo $rc >"$T/rc"; } | head -1 >/dev/null
	[ "$(cat "$T/rc")" -eq 124 ]
}

@test "pub: bad input lines are reported, the others still go (123)" {
	fake r '{}'
	three_notes >"$T/ev"
	{ head -1 "$T/ev"; echo '{"kind":1}'; tail -1 "$T/ev"; } >"$T/in"
	run --separate-stderr mostro-relay pub "$(url r)" <"$T/in"
	[ "$status" -eq 123 ]
	[ "$(echo "$output" | jq -r .accepted | tr '\n' ' ')" = "true true " ]
	[[ $stderr == *"mostro-relay: line 2: "* ]]
}

@test "pub: refusal outranks bad lines (1 over 123)" {
	fake r '{"accept":false}'
	{ three_notes | head -1; echo garbage; } >"$T/in"
	run --separate-stderr mostro-relay pub "$(url r)" <"$T/in"
	[ "$status" -eq 1 ]
}

@test "pub: --status turns connection status into records" {
	fake r '{}'
	three_notes | head -1 >"$T/ev"
	run --separate-stderr mostro-relay pub --status "$(url r)" <"$T/ev"
	[ "$status" -eq 0 ]
	[ "$(echo "$output" | head -1 | jq -c .)" = "{\"type\":\"connected\",\"relay\":\"$(url r)\"}" ]
	[ -z "$stderr" ]
}

# ---------------------------------------------------------------- req

@test "req: stored events until EOSE, deduplicated across two relays" {
	three_notes >"$T/ev"
	store=$(jq -sc . "$T/ev")
	fake a '{"store":'"$store"'}'
	fake b '{"store":'"$store"'}'
	run --separate-stderr mostro-relay req "$(url a)" "$(url b)" --filter '{"kinds":[1]}'
	[ "$status" -eq 0 ]
	[ "$(echo "$output" | jq -r .content | sort | tr '\n' ' ')" = "one three two " ]
}

@test "req --state: saves the moment every relay finished; the next req asks since = that - look-back; a relay that did not finish keeps the old cursor" {
	three_notes >"$T/ev"
	fake a '{"store":'"$(jq -sc . "$T/ev")"',"log":"'$T'/loga"}'
	before=$(date +%s)
	run --separate-stderr mostro-relay req "$(url a)" --filter '{"kinds":[1]}' --state "$T/cursor" --lookback 60
	[ "$status" -eq 0 ]
	[ "$(echo "$output" | wc -l)" -eq 3 ]
	[ "$(grep '^\["REQ"' "$T/loga" | jq '.[2] | has("since")')" = false ]
	cursor=$(jq .created_at "$T/cursor")
	[ "$cursor" -ge "$before" ]
	[ "$cursor" -le "$(date +%s)" ]
	: >"$T/loga"
	run --separate-stderr mostro-relay req "$(url a)" --filter '{"kinds":[1]}' --state "$T/cursor" --lookback 60
	[ "$status" -eq 0 ]
	[ "$(grep '^\["REQ"' "$T/loga" | jq '.[2].since')" -eq $((cursor - 60)) ]
	# a relay that never sends EOSE: the run times out and the cursor stays
	echo '{"type":"cursor","created_at":1700000000}' >"$T/cursor"
	fake b '{"store":'"$(jq -sc . "$T/ev")"',"noEose":true}'
	run --separate-stderr timeout 5 mostro-relay req --wait-timeout 0.3 "$(url b)" --filter '{"kinds":[1]}' --state "$T/cursor"
	[ "$status" -eq 124 ]
	[ "$(jq .created_at "$T/cursor")" -eq 1700000000 ]
}

@test "req: filters can come from stdin, one per line; a bad line is 123" {
	three_notes >"$T/ev"
	fake r '{"store":'"$(jq -sc . "$T/ev")"'}'
	id=$(head -1 "$T/ev" | jq -r .id)
	run --separate-stderr bash -c "printf '%s\n' '{\"ids\":[\"$id\"]}' '{\"kinds\":\"x\"}' | mostro-relay req $(url r)"
	[ "$status" -eq 123 ]
	[ "$(echo "$output" | jq -r .content)" = one ]
	[[ $stderr == *"line 2"* ]]
}

@test "req: malformed frames from a relay are reported and dropped; the stream continues" {
	three_notes >"$T/ev"
	fake r '{"store":'"$(jq -sc . "$T/ev")"',"onReq":["not json","[\"EVENT\"]","[\"EVENT\",\"$SUB\",{\"id\":\"x\"}]","[\"WHAT\",1]"]}'
	run --separate-stderr mostro-relay req "$(url r)" --filter '{"kinds":[1]}'
	[ "$status" -eq 0 ]
	[ "$(echo "$output" | wc -l)" -eq 3 ]
	[ "$(echo "$stderr" | grep -c 'malformed')" -eq 4 ]
}

@test "req: an event with an invalid signature is dropped" {
	three_notes >"$T/ev"
	bad=$(head -1 "$T/ev" | jq -c '.content = "tampered"')
	badsig=$(sed -n 2p "$T/ev" | jq -c '.sig = ("11" + .sig[2:])')
	fake r '{"store":['"$(tail -1 "$T/ev")"'],"onReq":['"$(jq -cn --arg a "$bad" --arg b "$badsig" '[$a,$b] | map("[\"EVENT\",\"$SUB\"," + . + "]")' | jq -c '.[]' | paste -sd,)"']}'
	run --separate-stderr mostro-relay req --status "$(url r)" --filter '{"kinds":[1]}'
	[ "$status" -eq 0 ]
	[ "$(echo "$output" | jq -r 'select(.kind).content')" = three ]
	[ "$(echo "$output" | jq -r 'select(.type=="error").error' | tr '\n' ' ')" = "bad-sig bad-sig " ]
}

@test "req: events not matching the filter are dropped" {
	other=$(echo '{"kind":7,"content":"+"}' | sign)
	old=$(echo '{"kind":1,"content":"old","created_at":1000}' | sign)
	fake r '{"onReq":["[\"EVENT\",\"$SUB\",'"$(echo "$other" | sed 's/"/\\"/g')"']","[\"EVENT\",\"$SUB\",'"$(echo "$old" | sed 's/"/\\"/g')"']"]}'
	run --separate-stderr mostro-relay req "$(url r)" --filter '{"kinds":[1],"since":2000}'
	[ "$status" -eq 0 ]
	[ -z "$output" ]
	[ "$(echo "$stderr" | grep -c 'does not match the filter')" -eq 2 ]
}

@test "req: an expired event (NIP-40) is dropped, an unexpired one kept" {
	gone=$(echo '{"kind":1,"content":"gone","tags":[["expiration","1000"]]}' | sign)
	kept=$(echo '{"kind":1,"content":"kept","tags":[["expiration","'$(( $(date +%s) + 3600 ))'"]]}' | sign)
	fake r '{"store":['"$gone"','"$kept"']}'
	run --separate-stderr mostro-relay req "$(url r)" --filter '{"kinds":[1]}'
	[ "$status" -eq 0 ]
	[ "$output" = "$kept" ] || [ "$(echo "$output" | jq -r .content)" = kept ]
	[[ $stderr == *"expired (NIP-40)"* ]]
}

@test "req: no EOSE within --wait-timeout is a timeout (124), events so far are kept" {
	three_notes >"$T/ev"
	fake r '{"store":'"$(jq -sc . "$T/ev")"',"noEose":true}'
	run --separate-stderr timeout 5 mostro-relay req --wait-timeout 0.3 "$(url r)" --filter '{"kinds":[1]}'
	[ "$status" -eq 124 ]
	[ "$(echo "$output" | wc -l)" -eq 3 ]
	MOSTRO_RELAY_WAIT_TIMEOUT=0.3 run --separate-stderr timeout 5 mostro-relay req "$(url r)" --filter '{"kinds":[1]}'
	[ "$status" -eq 124 ]
}

@test "req: connection refused is unreachable (3); a stalled handshake is 124" {
	port=$(free_port)
	run --separate-stderr mostro-relay req "ws://127.0.0.1:$port" --filter '{"kinds":[1]}'
	[ "$status" -eq 3 ]
	fake s '{"stall":true}'
	run --separate-stderr timeout 5 mostro-relay req --connect-timeout 0.3 "$(url s)" --filter '{"kinds":[1]}'
	[ "$status" -eq 124 ]
}

@test "req: --all pages back with until past a relay that caps results" {
	for i in 1 2 3 4 5 6 7; do echo "{\"kind\":1,\"content\":\"n$i\",\"created_at\":170000000$i}"; done | sign >"$T/ev"
	fake r '{"store":'"$(jq -sc . "$T/ev")"',"cap":3,"log":"'$T'/log"}'
	run --separate-stderr mostro-relay req "$(url r)" --filter '{"kinds":[1]}'
	[ "$status" -eq 0 ]
	[ "$(echo "$output" | wc -l)" -eq 3 ]
	run --separate-stderr mostro-relay req --all "$(url r)" --filter '{"kinds":[1]}'
	[ "$status" -eq 0 ]
	[ "$(echo "$output" | jq -r .content | sort | tr '\n' ' ')" = "n1 n2 n3 n4 n5 n6 n7 " ]
	grep -q '"until":1700000005' "$T/log"
}

@test "req: --all goes past a second holding more events than the relay's page, and says so" {
	# five events of one second, three older ones, a relay sending three per REQ
	{ for i in 1 2 3 4 5; do echo "{\"kind\":1,\"content\":\"s$i\",\"created_at\":1700000009}"; done
	  for i in 1 2 3; do echo "{\"kind\":1,\"content\":\"n$i\",\"created_at\":170000000$i}"; done; } | sign >"$T/ev"
	fake r '{"store":'"$(jq -sc . "$T/ev")"',"cap":3,"log":"'$T'/log"}'
	run --separate-stderr mostro-relay req --all "$(url r)" --filter '{"kinds":[1]}'
	[ "$status" -eq 0 ]
	# the older events are not lost behind the wall; two of the second cannot be reached
	[ "$(echo "$output" | jq -r .content | grep -c '^s')" -eq 3 ]
	[ "$(echo "$output" | jq -r .content | grep '^n' | sort | tr '\n' ' ')" = "n1 n2 n3 " ]
	[[ $stderr == *"3 events dated 1700000009 filled a page of a relay that truncates its pages"* ]]
	grep -q '"until":1700000008' "$T/log"
	run --separate-stderr mostro-relay req --all --status -q "$(url r)" --filter '{"kinds":[1]}'
	[ "$(echo "$output" | jq -c 'select(.type=="error") | .error')" = '"incomplete"' ]
	# a second that did not fill a page is no alarm
	fake u '{"store":'"$(head -2 "$T/ev" | jq -sc .)"'}'
	run --separate-stderr mostro-relay req --all "$(url u)" --filter '{"kinds":[1]}'
	[ "$status" -eq 0 ]
	[ "$(echo "$output" | jq -r .content | sort | tr '\n' ' ')" = "s1 s2 " ]
	[[ $stderr != *incomplete* && $stderr != *"filled a page"* ]]
}

@test "req: --all keeps paging a relay whose page another relay already delivered" {
	for i in 1 2 3 4 5 6 7; do echo "{\"kind\":1,\"content\":\"n$i\",\"created_at\":170000000$i}"; done | sign >"$T/ev"
	# a holds the three newest; b holds all seven, caps at three and answers later
	fake a '{"store":'"$(tail -3 "$T/ev" | jq -sc .)"'}'
	fake b '{"store":'"$(jq -sc . "$T/ev")"',"cap":3,"reqDelay":300}'
	run --separate-stderr mostro-relay req --all "$(url a)" "$(url b)" --filter '{"kinds":[1]}'
	[ "$status" -eq 0 ]
	[ "$(echo "$output" | jq -r .content | sort | tr '\n' ' ')" = "n1 n2 n3 n4 n5 n6 n7 " ]
}

@test "req: a relay that CLOSEs the subscription is refused (1)" {
	fake r '{"closeReq":"restricted: members only"}'
	run --separate-stderr mostro-relay req --status "$(url r)" --filter '{"kinds":[1]}'
	[ "$status" -eq 1 ]
	[ "$(echo "$output" | jq -c 'select(.type=="closed") | [.sub,.message]')" = '["mr1","restricted: members only"]' ]
}

@test "req: NIP-42 AUTH with --auth-key-file; without a key the relay refuses" {
	gift=$(echo '{"kind":1059,"content":"sealed","tags":[["p","'$PK'"]]}' | sign "$SK2")
	fake r '{"auth":true,"store":['"$gift"'],"log":"'$T'/log"}'
	run --separate-stderr mostro-relay req "$(url r)" --filter '{"kinds":[1059],"#p":["'$PK'"]}'
	[ "$status" -eq 1 ]
	[[ $stderr == *"auth-required"* ]]
	echo "$SK" >"$T/key"; chmod 600 "$T/key"
	run --separate-stderr mostro-relay req --status --auth-key-file "$T/key" "$(url r)" --filter '{"kinds":[1059],"#p":["'$PK'"]}'
	[ "$status" -eq 0 ]
	[ "$(echo "$output" | jq -r 'select(.kind).content')" = sealed ]
	[ "$(echo "$output" | jq -c 'select(.type=="auth") | .accepted')" = true ]
	auth=$(grep '^\["AUTH"' "$T/log" | tail -1)
	[ "$(echo "$auth" | jq -r '.[1].kind')" = 22242 ]
	[ "$(echo "$auth" | jq -r '.[1].pubkey')" = "$PK" ]
	[ "$(echo "$auth" | jq -r '.[1].tags[] | select(.[0]=="relay") | .[1]')" = "$(url r)" ]
}

@test "pub: NIP-42 AUTH, then the refused event is sent again and accepted" {
	fake r '{"auth":true}'
	echo "$SK" >"$T/key"; chmod 600 "$T/key"
	three_notes >"$T/ev"
	run --separate-stderr mostro-relay pub "$(url r)" <"$T/ev"
	[ "$status" -eq 1 ]
	run --separate-stderr mostro-relay pub --auth-key-file "$T/key" "$(url r)" <"$T/ev"
	[ "$status" -eq 0 ]
	[ "$(echo "$output" | jq -r .accepted | sort -u)" = true ]
}

@test "the auth key cannot share standard input with the events or filters (2)" {
	echo "$SK" >"$T/key"; chmod 600 "$T/key"
	run --separate-stderr bash -c "cat '$T/key' | mostro-relay pub --auth-key-file - ws://127.0.0.1:1"
	[ "$status" -eq 2 ]
	[[ $stderr == *"standard input carries the events"* ]]
	run --separate-stderr bash -c "cat '$T/key' | mostro-relay req --auth-key-fd 0 ws://127.0.0.1:1"
	[ "$status" -eq 2 ]
	[[ $stderr == *"standard input carries the filters"* ]]
	# with --filter, standard input is free for the key
	run --separate-stderr bash -c "cat '$T/key' | mostro-relay req --auth-key-file - --filter '{\"kinds\":[1]}'"
	[ "$status" -eq 0 ]
	[ "$output" = '["REQ","mr1",{"kinds":[1]}]' ]
}

@test "an auth key file readable by others is a configuration error (5)" {
	echo "$SK" >"$T/key"; chmod 644 "$T/key"
	run mostro-relay req --auth-key-file "$T/key" ws://127.0.0.1:1 --filter '{}'
	[ "$status" -eq 5 ]
}

# ---------------------------------------------------------------- sub

# start_sub ARGS...: mostro-relay sub in the background; stdout in $T/sub.out
start_sub() {
	mostro-relay sub "$@" >"$T/sub.out" 2>"$T/sub.err" &
	echo $! >"$T/sub.pid"
}
# wait_lines N: until $T/sub.out has N lines (bounded)
wait_lines() {
	for _ in $(seq 400); do
		[ "$(grep -c . "$T/sub.out")" -ge "$1" ] && return 0
		sleep 0.025
	done
	echo "sub.out has $(grep -c . "$T/sub.out") lines, wanted $1" >&2
	cat "$T/sub.err" >&2
	return 1
}
# stop_sub: SIGTERM, wait; the exit status lands in $sub_status
stop_sub() {
	sub_status=0
	kill -TERM "$(cat "$T/sub.pid")"
	wait "$(cat "$T/sub.pid")" || sub_status=$?
	rm -f "$T/sub.pid"
}

@test "sub: streams until SIGTERM, exits 0 and saves the cursor (the last moment it was in sync)" {
	three_notes >"$T/ev"
	fake r '{"store":'"$(jq -sc . "$T/ev")"'}'
	before=$(date +%s)
	start_sub "$(url r)" --filter '{"kinds":[1]}' --state "$T/cursor"
	wait_lines 3
	stop_sub
	after=$(date +%s)
	[ "$sub_status" -eq 0 ]
	[ "$(jq -r .type "$T/cursor")" = cursor ]
	# live until SIGTERM: in sync up to then, not only up to its newest event
	[ "$(jq .created_at "$T/cursor")" -ge "$before" ]
	[ "$(jq .created_at "$T/cursor")" -le "$after" ]
}

# A stop asked before any relay came up is still a stop (mostrod sends TERM
# to a sub it has just started): 0, not 3 for "no relay reached".
@test "sub: SIGTERM before any relay is up (a stalled handshake) exits 0" {
	fake r '{"stall":true}'
	start_sub "$(url r)" --filter '{"kinds":[1]}' --state "$T/cursor"
	# its signal handlers are set once it runs (0.3 s was too short under
	# ASan: it died of the TERM itself); the stalled handshake outlasts this
	sleep 1.5
	stop_sub
	[ "$sub_status" -eq 0 ]
}

@test "sub: relay down mid-stream then back: resumes from the cursor minus the look-back, nothing lost" {
	now=$(date +%s)
	e1=$(echo '{"kind":1059,"content":"first","created_at":'$((now - 10))'}' | sign)
	fake r '{"store":['"$e1"'],"log":"'$T'/log1"}'
	port=$(cat "$T/r.port")
	start_sub "$(url r)" --filter '{"kinds":[1059]}' --status
	wait_lines 3   # connected, the event, eose
	down=$(date +%s)
	stop_fake r
	wait_lines 4   # disconnected
	# published while the client was away: one backdated (randomised gift-wrap
	# timestamp, older than the last seen event), one new
	e2=$(echo '{"kind":1059,"content":"backdated","created_at":'$((now - 86400))'}' | sign)
	e3=$(echo '{"kind":1059,"content":"new","created_at":'$now'}' | sign)
	fake r '{"port":'$port',"store":['"$e1"','"$e2"','"$e3"'],"log":"'$T'/log2"}'
	for _ in $(seq 400); do grep -q '"new"' "$T/sub.out" && break; sleep 0.025; done
	stop_sub
	[ "$sub_status" -eq 0 ]
	[ "$(jq -r 'select(.kind).content' "$T/sub.out" | tr '\n' ' ')" = "first new backdated " ] ||
	[ "$(jq -r 'select(.kind).content' "$T/sub.out" | tr '\n' ' ')" = "first backdated new " ]
	# the resumed REQ asks since = the moment the subscription stopped being live - 2 days
	since=$(grep '^\["REQ"' "$T/log2" | head -1 | jq '.[2].since')
	[ "$since" -ge $((down - 172800)) ]
	[ "$since" -le $(( $(date +%s) - 172800 )) ]
	jq -r 'select(.type).type' "$T/sub.out" | grep -qx disconnected
	[ "$(jq -r 'select(.type=="connected").type' "$T/sub.out" | wc -l)" -eq 2 ]
}

@test "sub: NIP-42 relay down and back: authenticates again on the new connection, the gift wrap sent in the gap arrives" {
	now=$(date +%s)
	echo "$SK" >"$T/key"; chmod 600 "$T/key"
	w1=$(echo '{"kind":1059,"content":"first","created_at":'$((now - 10))',"tags":[["p","'$PK'"]]}' | sign "$SK2")
	fake r '{"auth":true,"store":['"$w1"'],"log":"'$T'/log1"}'
	port=$(cat "$T/r.port")
	start_sub "$(url r)" --auth-key-file "$T/key" --filter '{"kinds":[1059],"#p":["'$PK'"]}' --status
	for _ in $(seq 400); do grep -q '"first"' "$T/sub.out" && break; sleep 0.025; done
	stop_fake r
	for _ in $(seq 400); do grep -q '"disconnected"' "$T/sub.out" && break; sleep 0.025; done
	w2=$(echo '{"kind":1059,"content":"in the gap","created_at":'$((now - 3600))',"tags":[["p","'$PK'"]]}' | sign "$SK2")
	fake r '{"port":'$port',"auth":true,"store":['"$w1"','"$w2"'],"log":"'$T'/log2"}'
	for _ in $(seq 400); do grep -q '"in the gap"' "$T/sub.out" && break; sleep 0.025; done
	stop_sub
	[ "$sub_status" -eq 0 ]
	[ "$(jq -r 'select(.kind).content' "$T/sub.out" | tr '\n' ' ')" = "first in the gap " ]
	[ "$(jq -c 'select(.type=="auth") | .accepted' "$T/sub.out" | tr '\n' ' ')" = "true true " ]
	grep -q '^\["AUTH"' "$T/log2"
}

@test "sub: a relay that hangs (no frame, no PONG) is pinged, dropped and reconnected; nothing sent meanwhile is lost" {
	e1=$(echo '{"kind":1,"content":"before"}' | sign)
	fake r '{"store":['"$e1"'],"freezeAfterEose":true,"log":"'$T'/log"}'
	start_sub "$(url r)" --filter '{"kinds":[1]}' --ping-interval 0.3 --status
	wait_lines 3   # connected, the event, eose; then the relay hangs
	# accepted by the relay while the first connection hangs
	echo '{"kind":1,"content":"while it hung"}' | sign | mostro-relay pub -q "$(url r)" >"$T/pub.out"
	[ "$(jq -r .accepted "$T/pub.out")" = true ]
	for _ in $(seq 400); do grep -q '"while it hung"' "$T/sub.out" && break; sleep 0.025; done
	stop_sub
	[ "$sub_status" -eq 0 ]
	[ "$(jq -r 'select(.kind).content' "$T/sub.out" | tr '\n' ' ')" = "before while it hung " ]
	[ "$(jq -r 'select(.type=="disconnected").reason' "$T/sub.out" | head -1)" = "no answer to a ping" ]
	[ "$(grep -c '^\["REQ"' "$T/log")" -ge 2 ]
}

@test "sub: a relay that answers pings keeps its connection (fake relay and serve)" {
	fake r '{}'
	serve s --listen 127.0.0.1:0
	run --separate-stderr mostro-relay sub "$(url r)" "$(url s)" --filter '{"kinds":[1]}' --ping-interval 0.2 --wait-timeout 1.5 --status
	[ "$status" -eq 124 ]
	[ "$(echo "$output" | jq -r 'select(.type=="connected").relay' | sort | tr '\n' ' ')" = "$(printf '%s\n' "$(url r)" "$(url s)" | sort | tr '\n' ' ')" ]
	[ "$(echo "$output" | grep -c '"disconnected"')" -eq 0 ]
}

@test "--ping-interval and MOSTRO_RELAY_PING_INTERVAL must be durations above zero (2, 5)" {
	run mostro-relay sub --ping-interval 0 --filter '{}'
	[ "$status" -eq 2 ]
	run mostro-relay sub --ping-interval soon --filter '{}'
	[ "$status" -eq 2 ]
	MOSTRO_RELAY_PING_INTERVAL=soon run mostro-relay sub --filter '{}'
	[ "$status" -eq 5 ]
	run mostro-relay info --ping-interval 1 ws://127.0.0.1:1
	[ "$status" -eq 2 ]
	[[ $output == *"--ping-interval does not apply"* ]]
}

@test "sub: an event dated in the future does not move the resume point past the gap" {
	now=$(date +%s)
	future=$(echo '{"kind":1,"content":"from next year","created_at":'$((now + 31536000))'}' | sign)
	fake r '{"store":['"$future"'],"log":"'$T'/log1"}'
	port=$(cat "$T/r.port")
	start_sub "$(url r)" --filter '{"kinds":[1]}' --lookback 60 --state "$T/cursor" --status
	wait_lines 3   # connected, the event, eose
	stop_fake r
	wait_lines 4   # disconnected
	# published while the client was away, with an honest timestamp
	gap=$(echo '{"kind":1,"content":"in the gap","created_at":'$((now + 1))'}' | sign)
	fake r '{"port":'$port',"store":['"$future"','"$gap"'],"log":"'$T'/log2"}'
	for _ in $(seq 400); do grep -q '"in the gap"' "$T/sub.out" && break; sleep 0.025; done
	stop_sub
	[ "$sub_status" -eq 0 ]
	grep -q '"in the gap"' "$T/sub.out"
	since=$(grep '^\["REQ"' "$T/log2" | head -1 | jq '.[2].since')
	[ "$since" -le $((now + 5 - 60)) ]
	[ "$since" -ge $((now - 60)) ]
	[ "$(jq .created_at "$T/cursor")" -le "$(date +%s)" ]
}

@test "sub: --state keeps the cursor across restarts (since = cursor - lookback)" {
	three_notes >"$T/ev"
	fake r '{"store":'"$(jq -sc . "$T/ev")"',"log":"'$T'/log"}'
	start_sub "$(url r)" --filter '{"kinds":[1]}' --state "$T/cursor" --lookback 60
	wait_lines 3
	stop_sub
	[ "$(grep '^\["REQ"' "$T/log" | jq '.[2] | has("since")')" = false ]
	cursor=$(jq .created_at "$T/cursor")
	: >"$T/log"
	start_sub "$(url r)" --filter '{"kinds":[1]}' --state "$T/cursor" --lookback 60
	for _ in $(seq 400); do grep -q REQ "$T/log" && break; sleep 0.025; done
	stop_sub
	[ "$(grep '^\["REQ"' "$T/log" | jq '.[2].since')" -eq $((cursor - 60)) ]
}

# ten kind 1 events dated NOW-1000, NOW-990, ... NOW-910 (ten seconds apart)
ten_stored() {
	for i in $(seq 0 9); do echo '{"kind":1,"content":"s'$i'","created_at":'$(($1 - 1000 + i * 10))'}'; done | sign
}

@test "sub: a stored window larger than the relay's result cap is paged with until on a REQ of its own; the live REQ stays open meanwhile; one eose once all came" {
	now=$(date +%s)
	ten_stored "$now" >"$T/ev"
	fake r '{"store":'"$(jq -sc . "$T/ev")"',"cap":4,"reqDelay":250,"log":"'$T'/log"}'
	start_sub "$(url r)" --status --filter '{"kinds":[1],"since":'$((now - 2000))'}'
	wait_lines 3     # connected, the first page's first event
	# published while the pages are still being read: the live REQ delivers it
	echo '{"kind":1,"content":"live"}' | sign | mostro-relay pub -q "$(url r)" >/dev/null
	for _ in $(seq 400); do grep -q '"type":"eose"' "$T/sub.out" && break; sleep 0.025; done
	stop_sub
	[ "$sub_status" -eq 0 ]
	[ "$(jq -r 'select(.kind).content' "$T/sub.out" | sort | tr '\n' ' ')" = "live s0 s1 s2 s3 s4 s5 s6 s7 s8 s9 " ]
	# one eose, after every stored event
	[ "$(grep -c '"type":"eose"' "$T/sub.out")" -eq 1 ]
	[ "$(grep -n '"content":"s0"' "$T/sub.out" | cut -d: -f1)" -lt "$(grep -n '"type":"eose"' "$T/sub.out" | cut -d: -f1)" ]
	[ "$(jq -r 'select(.type=="eose").sub' "$T/sub.out")" = mr1 ]
	# the frames: the live REQ without until, never closed; pages with until going back
	reqs=$(grep '^\["REQ"' "$T/log")
	[ "$(jq -r '.[1]' <<<"$reqs" | head -1)" = mr1 ]
	[ "$(jq -c '.[2]' <<<"$reqs" | head -1)" = '{"kinds":[1],"since":'$((now - 2000))'}' ]
	[ "$(jq -r '.[2] | has("until")' <<<"$reqs" | tr '\n' ' ')" = "false$(for _ in $(seq $(($(wc -l <<<"$reqs") - 1))); do printf ' true'; done) " ]
	[ "$(wc -l <<<"$reqs")" -ge 3 ]
	[ "$(jq -r '.[2].until // empty' <<<"$reqs" | sort -nr | tr '\n' ' ')" = "$(jq -r '.[2].until // empty' <<<"$reqs" | tr '\n' ' ')" ]
	! grep -q '^\["CLOSE","mr1"' "$T/log"
	# a filter with a limit, or without a since, is not paged (it asks for that many, or for what the relay gives)
	run --separate-stderr timeout 10 mostro-relay sub -q --wait-timeout 1 --filter '{"kinds":[1],"since":'$((now - 2000))',"limit":3}' "$(url r)"
	[ "$(grep -c . <<<"$output")" -eq 3 ]
	run --separate-stderr timeout 10 mostro-relay sub -q --wait-timeout 1 --filter '{"kinds":[1]}' "$(url r)"
	[ "$(grep -c . <<<"$output")" -eq 4 ]
}

@test "sub --state: the cursor moves only once the paged stored window is read; a restart in the middle reads it all again" {
	now=$(date +%s)
	ten_stored "$now" >"$T/ev"
	fake r '{"store":'"$(jq -sc . "$T/ev")"',"cap":2,"reqDelay":300}'
	c0=$((now - 1200))
	echo '{"type":"cursor","created_at":'$c0'}' >"$T/cursor"
	start_sub "$(url r)" --status --lookback 1000 --filter '{"kinds":[1]}' --state "$T/cursor"
	wait_lines 3     # the first page came: more pages to go
	stop_sub
	[ "$sub_status" -eq 0 ]
	! grep -q '"type":"eose"' "$T/sub.out"
	[ "$(jq .created_at "$T/cursor")" -eq $c0 ]
	# the restart resumes from the same point and gets every one
	start_sub "$(url r)" --status --lookback 1000 --filter '{"kinds":[1]}' --state "$T/cursor"
	for _ in $(seq 400); do grep -q '"type":"eose"' "$T/sub.out" && break; sleep 0.025; done
	stop_sub
	[ "$(jq -r 'select(.kind).content' "$T/sub.out" | sort | tr '\n' ' ')" = "s0 s1 s2 s3 s4 s5 s6 s7 s8 s9 " ]
	[ "$(jq .created_at "$T/cursor")" -ge "$now" ]
}

@test "sub --state: a symlink another user plants beside the cursor (at its old temporary name, or its own) is never written through; the cursor is 0600" {
	fake r '{"store":[]}'
	# one victim reads as a cursor, so the state file loads through its link
	echo '{"type":"cursor","created_at":1}' >"$T/victim1"
	ln -s "$T/victim1" "$T/cursor"
	echo "victim's data" >"$T/victim2"
	# the link at the old temporary name (FILE.tmp.<pid>) is in place before
	# sub starts: the shell plants it, then becomes sub (same pid)
	bash -c 'ln -s "$1/victim2" "$1/cursor.tmp.$$" && shift && exec mostro-relay sub "$@"' _ "$T" \
		"$(url r)" --filter '{"kinds":[1]}' --state "$T/cursor" --status >"$T/sub.out" 2>"$T/sub.err" &
	echo $! >"$T/sub.pid"
	for _ in $(seq 400); do grep -qs '"eose"' "$T/sub.out" && break; sleep 0.025; done
	stop_sub
	[ "$sub_status" -eq 0 ]
	[ "$(cat "$T/victim1")" = '{"type":"cursor","created_at":1}' ]
	[ "$(cat "$T/victim2")" = "victim's data" ]
	[ -f "$T/cursor" ] && [ ! -L "$T/cursor" ]
	[ "$(stat -c %a "$T/cursor")" = 600 ]
	[ "$(jq -r .type "$T/cursor")" = cursor ]
	# nothing is left beside it but the planted link
	[ "$(ls -A "$T" | grep -c '^\.\?cursor')" -eq 2 ]
}

@test "sub: a relay reachable only later gets the plain filter, not a since taken from the other relays' progress" {
	now=$(date +%s)
	e1=$(echo '{"kind":1,"content":"recent","created_at":'$((now - 5))'}' | sign)
	old=$(echo '{"kind":1,"content":"only on b, a day old","created_at":'$((now - 86400))'}' | sign)
	fake a '{"store":['"$e1"']}'
	port=$(free_port)
	start_sub "$(url a)" "ws://127.0.0.1:$port" --filter '{"kinds":[1]}' --lookback 60 --status
	for _ in $(seq 400); do grep -q '"eose"' "$T/sub.out" && break; sleep 0.025; done
	fake b '{"port":'$port',"store":['"$old"'],"log":"'$T'/logb"}'
	for _ in $(seq 400); do grep -q '"only on b' "$T/sub.out" && break; sleep 0.025; done
	stop_sub
	[ "$sub_status" -eq 0 ]
	[ "$(jq -r 'select(.kind).content' "$T/sub.out" | tr '\n' ' ')" = "recent only on b, a day old " ]
	[ "$(grep '^\["REQ"' "$T/logb" | head -1 | jq '.[2] | has("since")')" = false ]
}

@test "sub: each relay resumes from its own mark; events on another relay meanwhile do not move it past the gap" {
	fake a '{}'
	fake b '{"log":"'$T'/logb1"}'
	portb=$(cat "$T/b.port")
	start_sub "$(url a)" "$(url b)" --filter '{"kinds":[1]}' --lookback 2 --status
	for _ in $(seq 400); do [ "$(grep -c '"eose"' "$T/sub.out")" -ge 2 ] && break; sleep 0.025; done
	down=$(date +%s)
	stop_fake b
	for _ in $(seq 400); do grep -q '"disconnected"' "$T/sub.out" && break; sleep 0.025; done
	# published to b alone right when it went away
	gap=$(echo '{"kind":1,"content":"on b in the gap","created_at":'$down'}' | sign)
	# a keeps streaming: a live event three seconds later
	sleep 3
	echo '{"kind":1,"content":"on a, later"}' | sign | mostro-relay pub -q "$(url a)" >/dev/null
	for _ in $(seq 400); do grep -q '"on a, later"' "$T/sub.out" && break; sleep 0.025; done
	fake b '{"port":'$portb',"store":['"$gap"'],"log":"'$T'/logb2"}'
	for _ in $(seq 400); do grep -q '"on b in the gap"' "$T/sub.out" && break; sleep 0.025; done
	stop_sub
	[ "$sub_status" -eq 0 ]
	[ "$(jq -r 'select(.kind).content' "$T/sub.out" | tr '\n' ' ')" = "on a, later on b in the gap " ]
	since=$(grep '^\["REQ"' "$T/logb2" | head -1 | jq '.[2].since')
	[ "$since" -le "$down" ]
}

@test "sub: a relay that ends the subscription after EOSE (CLOSED) holds the cursor at that moment" {
	fake a '{}'
	fake b '{"closeAfterEose":"error: shutting down idle subscriptions"}'
	portb=$(cat "$T/b.port")
	start_sub "$(url a)" "$(url b)" --filter '{"kinds":[1]}' --lookback 1 --state "$T/cursor" --status
	for _ in $(seq 400); do grep -q '"closed"' "$T/sub.out" && break; sleep 0.025; done
	closed=$(date +%s)
	# a stays live for three more seconds; b sends nothing after its CLOSED
	sleep 3
	stop_sub
	[ "$sub_status" -eq 0 ]
	[ "$(jq .created_at "$T/cursor")" -le "$closed" ]
	# published to b after it ended our subscription: the next run must ask for it
	stop_fake b
	gap=$(echo '{"kind":1,"content":"on b after its CLOSED","created_at":'$((closed + 1))'}' | sign)
	fake b '{"port":'$portb',"store":['"$gap"']}'
	start_sub "$(url a)" "$(url b)" --filter '{"kinds":[1]}' --lookback 1 --state "$T/cursor"
	for _ in $(seq 200); do grep -q '"on b after its CLOSED"' "$T/sub.out" && break; sleep 0.025; done
	stop_sub
	grep -q '"on b after its CLOSED"' "$T/sub.out"
}

@test "sub: a state file whose cursor is in the future resumes from now minus the look-back" {
	fake r '{"log":"'$T'/log"}'
	echo '{"type":"cursor","created_at":'$(( $(date +%s) + 86400 * 365 ))'}' >"$T/cursor"
	start_sub "$(url r)" --filter '{"kinds":[1]}' --state "$T/cursor" --lookback 60
	for _ in $(seq 400); do grep -q REQ "$T/log" 2>/dev/null && break; sleep 0.025; done
	stop_sub
	since=$(grep '^\["REQ"' "$T/log" | head -1 | jq '.[2].since')
	[ "$since" -le $(( $(date +%s) - 60 )) ]
	[ "$since" -ge $(( $(date +%s) - 70 )) ]
}

@test "sub: a corrupt state file is a configuration error (5)" {
	echo garbage >"$T/cursor"
	run mostro-relay sub ws://127.0.0.1:1 --filter '{}' --state "$T/cursor"
	[ "$status" -eq 5 ]
}

@test "sub: deduplicates across relays" {
	three_notes >"$T/ev"
	store=$(jq -sc . "$T/ev")
	fake a '{"store":'"$store"'}'
	fake b '{"store":'"$store"'}'
	start_sub "$(url a)" "$(url b)" --filter '{"kinds":[1]}' --status
	for _ in $(seq 400); do [ "$(grep -c eose "$T/sub.out")" -ge 2 ] && break; sleep 0.025; done
	stop_sub
	[ "$(jq -r 'select(.kind).content' "$T/sub.out" | sort | tr '\n' ' ')" = "one three two " ]
}

@test "sub: seen ids stay bounded -- old ones are forgotten after EOSE, a duplicate inside the window is still dropped, an old live event is written" {
	now=$(date +%s)
	# 192 stored events (the set is then full): 150 from a day ago, 42 recent
	for i in $(seq 150); do echo '{"kind":1,"content":"old '$i'","created_at":'$((now - 100000 + i))'}'; done >"$T/tpl"
	for i in $(seq 42); do echo '{"kind":1,"content":"recent '$i'","created_at":'$((now - 50 + i))'}'; done >>"$T/tpl"
	sign <"$T/tpl" >"$T/hist"
	fake a '{"store":'"$(jq -sc . "$T/hist")"'}'
	fake b '{}'
	start_sub "$(url a)" "$(url b)" --filter '{"kinds":[1]}' --lookback 60 --status
	for _ in $(seq 400); do [ "$(grep -c '"eose"' "$T/sub.out")" -ge 2 ] && break; sleep 0.025; done
	[ "$(jq -r 'select(.kind).id' "$T/sub.out" | sort -u | wc -l)" -eq 192 ]
	# live on b: a new event (the set prunes before it grows), a copy of a
	# day-old event (its id was forgotten), a copy of a recent one, a new one
	{
		echo '{"kind":1,"content":"new 1","created_at":'$now'}' | sign
		sed -n 1p "$T/hist"
		sed -n 190p "$T/hist"
		echo '{"kind":1,"content":"new 2","created_at":'$now'}' | sign
	} >"$T/live"
	mostro-relay pub "$(url b)" <"$T/live" >/dev/null
	for _ in $(seq 400); do grep -q '"new 2"' "$T/sub.out" && break; sleep 0.025; done
	stop_sub
	[ "$sub_status" -eq 0 ]
	# 192 stored + 2 new + the day-old copy: its id was forgotten (outside the
	# window), so it is written again rather than risk dropping a genuine event;
	# the recent copy is still recognised and dropped silently
	jq -c 'select(.kind|not)' "$T/sub.out" | tail -8; jq -r 'select(.kind).content' "$T/sub.out" | tail -5; cat "$T/sub.err"
	[ "$(jq -r 'select(.kind).id' "$T/sub.out" | wc -l)" -eq 195 ]
	[ "$(jq -r 'select(.kind).id' "$T/sub.out" | sort -u | wc -l)" -eq 194 ]
	[ "$(jq -r 'select(.kind).content' "$T/sub.out" | tail -3 | tr '\n' ' ')" = "new 1 old 1 new 2 " ]
	old=$(sed -n 1p "$T/hist" | jq -r .id)
	[ "$(jq -r 'select(.kind).id' "$T/sub.out" | grep -c "$old")" -eq 2 ]
	recent=$(sed -n 190p "$T/hist" | jq -r .id)
	[ "$(jq -r 'select(.kind).id' "$T/sub.out" | grep -c "$recent")" -eq 1 ]
	! grep -q "$recent" "$T/sub.err"
}

@test "sub --status: connected, notice, eose, closed and disconnected records on stdout, nothing on stderr" {
	three_notes | head -1 >"$T/ev"
	fake a '{"store":'"$(jq -sc . "$T/ev")"',"onReq":["[\"NOTICE\",\"slow down\"]"]}'
	fake b '{"closeReq":"blocked: not here"}'
	start_sub "$(url a)" "$(url b)" --filter '{"kinds":[1]}' --status
	for _ in $(seq 400); do grep -q '"eose"' "$T/sub.out" && grep -q '"closed"' "$T/sub.out" && break; sleep 0.025; done
	stop_fake a
	for _ in $(seq 400); do grep -q '"disconnected"' "$T/sub.out" && break; sleep 0.025; done
	stop_sub
	[ "$sub_status" -eq 0 ]
	a=$(url a) b=$(url b)
	st() { jq -c "select(.type==\"$1\")" "$T/sub.out" | head -1; }
	[ "$(jq -c 'select(.type=="connected" and .relay=="'"$a"'")' "$T/sub.out" | head -1)" = '{"type":"connected","relay":"'"$a"'"}' ]
	[ "$(jq -c 'select(.type=="connected" and .relay=="'"$b"'")' "$T/sub.out" | head -1)" = '{"type":"connected","relay":"'"$b"'"}' ]
	[ "$(st notice)" = '{"type":"notice","relay":"'"$a"'","message":"slow down"}' ]
	[ "$(st eose)" = '{"type":"eose","relay":"'"$a"'","sub":"mr1"}' ]
	[ "$(st closed)" = '{"type":"closed","relay":"'"$b"'","sub":"mr1","message":"blocked: not here"}' ]
	[ "$(st disconnected | jq -c '[.type,.relay,(.reason|type)]')" = '["disconnected","'"$a"'","string"]' ]
	[ "$(jq -r 'select(.kind).id' "$T/sub.out")" = "$(jq -r .id "$T/ev")" ]
	[ ! -s "$T/sub.err" ]
}

@test "sub: no relay reachable is 3; --wait-timeout ends it with 124" {
	port=$(free_port)
	run --separate-stderr timeout 5 mostro-relay sub "ws://127.0.0.1:$port" --filter '{"kinds":[1]}'
	[ "$status" -eq 3 ]
	fake r '{}'
	run --separate-stderr timeout 5 mostro-relay sub --wait-timeout 0.3 "$(url r)" --filter '{"kinds":[1]}'
	[ "$status" -eq 124 ]
}

# ---------------------------------------------------------------- info

@test "info: prints the NIP-11 document" {
	fake r '{"info":{"name":"fake","supported_nips":[1,11,42]}}'
	run --separate-stderr mostro-relay info "$(url r)"
	[ "$status" -eq 0 ]
	[ "$output" = '{"name":"fake","supported_nips":[1,11,42]}' ]
}

@test "info: no document is refused (1); refused connection is 3; no relay is usage (2)" {
	fake r '{}'
	run --separate-stderr mostro-relay info "$(url r)"
	[ "$status" -eq 1 ]
	[[ $stderr == *"HTTP status 404"* ]]
	port=$(free_port)
	run --separate-stderr mostro-relay info "ws://127.0.0.1:$port"
	[ "$status" -eq 3 ]
	run mostro-relay info
	[ "$status" -eq 2 ]
}

# ---------------------------------------------------------------- TLS

@test "wss:// and https:// verify the relay against the CA store (\$SSL_CERT_FILE)" {
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 2 \
		-keyout "$T/key.pem" -out "$T/cert.pem" -subj /CN=localhost \
		-addext 'subjectAltName=DNS:localhost' 2>/dev/null
	three_notes >"$T/ev"
	fake r '{"tls":{"cert":"'$T'/cert.pem","key":"'$T'/key.pem"},"store":'"$(jq -sc . "$T/ev")"',"info":{"name":"tls"}}'
	port=$(cat "$T/r.port")
	# not trusted: the connection fails
	run --separate-stderr mostro-relay pub "wss://localhost:$port" <"$T/ev"
	[ "$status" -eq 3 ]
	[[ $(echo "$output" | jq -r .message | head -1) == *"TLS handshake failed"* ]]
	run --separate-stderr mostro-relay info "wss://localhost:$port"
	[ "$status" -eq 3 ]
	# trusted through the CA store
	export SSL_CERT_FILE=$T/cert.pem
	run --separate-stderr mostro-relay req "wss://localhost:$port" --filter '{"kinds":[1]}'
	[ "$status" -eq 0 ]
	[ "$(echo "$output" | wc -l)" -eq 3 ]
	run --separate-stderr mostro-relay info "wss://localhost:$port"
	[ "$status" -eq 0 ]
	[ "$output" = '{"name":"tls"}' ]
	# the certificate names localhost, not this host name
	run --separate-stderr mostro-relay req "wss://127.0.0.1:$port" --filter '{"kinds":[1]}'
	[ "$status" -ne 0 ]
}

# ---------------------------------------------------------------- against strfry's wording

@test "strfry: req --auth-key-file answers the challenge and sends again the REQ refused 'ERROR: auth-required:'; the gift wrap arrives (0)" {
	gift=$(echo '{"kind":1059,"content":"sealed","tags":[["p","'$PK'"]]}' | sign "$SK2")
	strfry r '{"store":['"$gift"'],"log":"'$T'/log"}'
	echo "$SK" >"$T/key"; chmod 600 "$T/key"
	run --separate-stderr mostro-relay req --status --auth-key-file "$T/key" "$(url r)" --filter '{"kinds":[1059],"#p":["'$PK'"]}'
	[ "$status" -eq 0 ]
	[ "$(echo "$output" | jq -r 'select(.kind).content')" = sealed ]
	[ "$(echo "$output" | jq -c 'select(.type=="closed") | .message')" = '"ERROR: auth-required: requested filter requires authentication"' ]
	[ "$(echo "$output" | jq -c 'select(.type=="auth") | [.accepted,.message]')" = '[true,"successfully authenticated"]' ]
	[ "$(grep -c '^\["REQ"' "$T/log")" -eq 2 ]
	[ "$(grep -c '^\["AUTH"' "$T/log")" -eq 1 ]
}

@test "strfry: req and sub without --auth-key-file are refused (1), the relay's words on stderr" {
	gift=$(echo '{"kind":1059,"content":"sealed","tags":[["p","'$PK'"]]}' | sign "$SK2")
	strfry r '{"store":['"$gift"']}'
	run --separate-stderr mostro-relay req "$(url r)" --filter '{"kinds":[1059],"#p":["'$PK'"]}'
	[ "$status" -eq 1 ]
	[ -z "$output" ]
	[[ $stderr == *"closed: ERROR: auth-required: requested filter requires authentication"* ]]
	[[ $stderr == *"no --auth-key-file given"* ]]
	run --separate-stderr timeout 20 mostro-relay sub "$(url r)" --filter '{"kinds":[1059],"#p":["'$PK'"]}'
	[ "$status" -eq 1 ]
	[ -z "$output" ]
	[[ $stderr == *"closed: ERROR: auth-required: requested filter requires authentication"* ]]
}

@test "strfry: sub --auth-key-file authenticates, then streams the stored gift wrap and a live one (0 on SIGTERM)" {
	now=$(date +%s)
	w1=$(echo '{"kind":1059,"content":"stored","created_at":'$((now - 60))',"tags":[["p","'$PK'"]]}' | sign "$SK2")
	strfry r '{"store":['"$w1"'],"log":"'$T'/log"}'
	echo "$SK" >"$T/key"; chmod 600 "$T/key"
	start_sub "$(url r)" --auth-key-file "$T/key" --filter '{"kinds":[1059],"#p":["'$PK'"]}' --status
	for _ in $(seq 400); do grep -q '"stored"' "$T/sub.out" && break; sleep 0.025; done
	w2=$(echo '{"kind":1059,"content":"live","tags":[["p","'$PK'"]]}' | sign "$SK2")
	echo "$w2" | mostro-relay pub -q "$(url r)" >"$T/pub.out"
	[ "$(jq -r .accepted "$T/pub.out")" = true ]
	for _ in $(seq 400); do grep -q '"live"' "$T/sub.out" && break; sleep 0.025; done
	stop_sub
	[ "$sub_status" -eq 0 ]
	[ "$(jq -r 'select(.kind).content' "$T/sub.out" | tr '\n' ' ')" = "stored live " ]
	[ "$(jq -c 'select(.type=="auth") | .accepted' "$T/sub.out")" = true ]
}

@test "strfry: a key the relay accepts but the gift wraps do not involve reads nothing of them (0, empty)" {
	gift=$(echo '{"kind":1059,"content":"sealed","tags":[["p","'$PK'"]]}' | sign 0000000000000000000000000000000000000000000000000000000000000003)
	strfry r '{"store":['"$gift"']}'
	echo "$SK2" >"$T/key2"; chmod 600 "$T/key2"
	run --separate-stderr mostro-relay req --auth-key-file "$T/key2" "$(url r)" --filter '{"kinds":[1059],"#p":["'$PK'"]}'
	[ "$status" -eq 0 ]
	[ -z "$output" ]
}

@test "strfry: an AUTH the relay refuses ('error: ...') ends the subscription it asked for (1); nothing is sent again" {
	strfry r '{"serviceUrl":"wss://relay.example.com","log":"'$T'/log"}'
	echo "$SK" >"$T/key"; chmod 600 "$T/key"
	run --separate-stderr mostro-relay req --status --auth-key-file "$T/key" "$(url r)" --filter '{"kinds":[1059],"#p":["'$PK'"]}'
	[ "$status" -eq 1 ]
	[ "$(echo "$output" | jq -c 'select(.type=="auth") | [.accepted,.message]')" = '[false,"error: incorrect or missing relay tag, expected: wss://relay.example.com"]' ]
	[ "$(grep -c '^\["REQ"' "$T/log")" -eq 1 ]
}

@test "strfry: a CLOSED that is not auth-required ('ERROR: bad req: ...') is a refusal even with a key (1), the REQ not sent again" {
	strfry r '{"maxReqFilterSize":2,"log":"'$T'/log"}'
	echo "$SK" >"$T/key"; chmod 600 "$T/key"
	printf '%s\n' '{"kinds":[1]}' '{"kinds":[2]}' '{"kinds":[3]}' >"$T/filters"
	run --separate-stderr mostro-relay req --status --auth-key-file "$T/key" "$(url r)" <"$T/filters"
	[ "$status" -eq 1 ]
	[ "$(echo "$output" | jq -c 'select(.type=="closed") | .message')" = '"ERROR: bad req: arr too big"' ]
	[ "$(grep -c '^\["REQ"' "$T/log")" -eq 1 ]
}

@test "strfry: pub of a protected event (NIP-70): without a key auth-required (1); the author's key accepted after AUTH (0); another key restricted (1)" {
	ev=$(echo '{"kind":1,"content":"mine","tags":[["-"]]}' | sign)
	strfry r '{}'
	run --separate-stderr mostro-relay pub "$(url r)" <<<"$ev"
	[ "$status" -eq 1 ]
	[ "$(echo "$output" | jq -c '[.accepted,.message]')" = '[false,"auth-required: event marked as protected"]' ]
	echo "$SK" >"$T/key"; chmod 600 "$T/key"
	run --separate-stderr mostro-relay pub --auth-key-file "$T/key" "$(url r)" <<<"$ev"
	[ "$status" -eq 0 ]
	[ "$(echo "$output" | jq -c '[.accepted,.message]')" = '[true,""]' ]
	run --separate-stderr mostro-relay pub --auth-key-file "$T/key" "$(url r)" <<<"$ev"
	[ "$status" -eq 0 ]
	[ "$(echo "$output" | jq -c '[.accepted,.message]')" = '[true,"duplicate: have this event"]' ]
	echo "$SK2" >"$T/key2"; chmod 600 "$T/key2"
	run --separate-stderr mostro-relay pub --auth-key-file "$T/key2" "$(url r)" <<<"$ev"
	[ "$status" -eq 1 ]
	[ "$(echo "$output" | jq -c '[.accepted,.message]')" = '[false,"restricted: must be published by the author"]' ]
}

@test "strfry: an event the relay finds invalid is refused with its 'invalid:' message (1)" {
	strfry r '{}'
	ev=$(echo '{"kind":1,"content":"old","created_at":1000}' | sign)
	run --separate-stderr mostro-relay pub "$(url r)" <<<"$ev"
	[ "$status" -eq 1 ]
	[ "$(echo "$output" | jq -c '[.accepted,.message]')" = '[false,"invalid: created_at too early"]' ]
}

@test "the strfry-like relay keeps strfry's wording: NOTICE and CLOSED begin with 'ERROR: ', OK does not" {
	strfry r '{}'
	printf '%s\n' '["HELLO","x"]' '["REQ","s",{"kinds":[1059]}]' 'await 3' '["CLOSE","a","b"]' >"$T/frames"
	run --separate-stderr node "$TOP/tests/lib/relay-client.mjs" "$(url r)" --keep-challenge --expect 4 <"$T/frames"
	[ "$status" -eq 0 ]
	[ "$(echo "$output" | sed -n 1p)" = '["NOTICE","ERROR: bad msg: unknown cmd"]' ]
	[ "$(echo "$output" | sed -n 2p | jq -r '.[0]')" = AUTH ]
	[ "$(echo "$output" | sed -n 3p)" = '["CLOSED","s","ERROR: auth-required: requested filter requires authentication"]' ]
	[ "$(echo "$output" | sed -n 4p)" = '["NOTICE","ERROR: bad close: arr too small/big"]' ]
}

# ---------------------------------------------------------------- against serve

# serve NAME [ARGS...]: start `mostro-relay serve` (database $T/NAME.db); URL in $T/NAME.url
serve() {
	local name=$1
	shift
	: >"$T/$name.log"
	mostro-relay serve --db "$T/$name.db" "$@" 2>"$T/$name.log" &
	echo $! >"$T/$name.pid"
	for _ in $(seq 400); do grep -q 'listening on' "$T/$name.log" && break; sleep 0.025; done
	grep -o 'ws://127\.0\.0\.1:[0-9]*' "$T/$name.log" | head -1 >"$T/$name.url"
	[ -s "$T/$name.url" ] || { cat "$T/$name.log" >&2; return 1; }
}

@test "serve: pub then req round trip; a second pub gets duplicate OKs" {
	serve s --listen 127.0.0.1:0
	three_notes >"$T/ev"
	run --separate-stderr mostro-relay pub "$(url s)" <"$T/ev"
	[ "$status" -eq 0 ]
	[ "$(echo "$output" | jq -r .accepted | sort -u)" = true ]
	run --separate-stderr mostro-relay req "$(url s)" --filter '{"kinds":[1],"authors":["'$PK'"]}'
	[ "$status" -eq 0 ]
	[ "$(echo "$output" | jq -r .id | sort)" = "$(jq -r .id "$T/ev" | sort)" ]
	run --separate-stderr mostro-relay pub "$(url s)" <"$T/ev"
	[ "$status" -eq 0 ]
	[[ $(echo "$output" | jq -r .message | sort -u) == duplicate:* ]]
}

@test "serve: relay down mid-stream then back; events stored while the client was away arrive" {
	now=$(date +%s)
	serve s --listen 127.0.0.1:0
	u=$(url s); port=${u##*:}
	echo '{"kind":1059,"content":"before","created_at":'$((now - 5))'}' | sign | mostro-relay pub -q "$(url s)" >/dev/null
	start_sub "$(url s)" --filter '{"kinds":[1059]}' --status
	wait_lines 3   # connected, the event, eose
	stop_fake s
	wait_lines 4   # disconnected
	# while the client is away: the same database, served on another port,
	# receives a gift wrap backdated by a day (randomised timestamp) and a new one
	serve tmp --listen 127.0.0.1:0 --db "$T/s.db"
	printf '%s\n' '{"kind":1059,"content":"backdated","created_at":'$((now - 86400))'}' \
		'{"kind":1059,"content":"during","created_at":'$now'}' | sign | mostro-relay pub -q "$(url tmp)" >"$T/pub.out"
	[ "$(jq -r .accepted "$T/pub.out" | sort -u)" = true ]
	stop_fake tmp
	serve s --listen "127.0.0.1:$port"
	for _ in $(seq 400); do [ "$(grep -c '"kind":1059' "$T/sub.out")" -ge 3 ] && break; sleep 0.025; done
	stop_sub
	[ "$sub_status" -eq 0 ]
	[ "$(jq -r 'select(.kind).content' "$T/sub.out" | sort | tr '\n' ' ')" = "backdated before during " ]
	[ "$(jq -r 'select(.type=="connected").type' "$T/sub.out" | wc -l)" -eq 2 ]
}

@test "serve: sub after a restart gets every gift wrap of its look-back though the relay caps results (--max-limit)" {
	now=$(date +%s)
	serve s --listen 127.0.0.1:0 --max-limit 5
	start_sub "$(url s)" --status --filter '{"kinds":[1059]}' --state "$T/cursor"
	for _ in $(seq 400); do grep -q '"type":"eose"' "$T/sub.out" && break; sleep 0.025; done
	stop_sub
	[ -s "$T/cursor" ]
	# while it is down: 12 gift wraps, backdated up to two days as NIP-59 does
	for i in $(seq 12); do echo '{"kind":1059,"content":"w'$i'","created_at":'$((now - i * 13000))'}'; done | sign |
		mostro-relay pub -q "$(url s)" >"$T/pub.out"
	[ "$(jq -r .accepted "$T/pub.out" | sort | uniq -c | tr -s ' ')" = " 12 true" ]
	start_sub "$(url s)" --status --filter '{"kinds":[1059]}' --state "$T/cursor"
	for _ in $(seq 400); do grep -q '"type":"eose"' "$T/sub.out" && break; sleep 0.025; done
	stop_sub
	[ "$(jq -r 'select(.kind).content' "$T/sub.out" | sort -V | tr '\n' ' ')" = "w1 w2 w3 w4 w5 w6 w7 w8 w9 w10 w11 w12 " ]
}

@test "serve: NIP-42 -- gift wraps only for the authenticated recipient" {
	serve s --listen 127.0.0.1:0 --auth-read-kinds 1059
	echo '{"kind":1059,"content":"sealed","tags":[["p","'$PK'"]]}' | sign "$SK2" >"$T/gift"
	mostro-relay pub -q "$(url s)" <"$T/gift" >/dev/null
	echo "$SK" >"$T/key"; chmod 600 "$T/key"
	run --separate-stderr mostro-relay req --auth-key-file "$T/key" "$(url s)" --filter '{"kinds":[1059],"#p":["'$PK'"]}'
	[ "$status" -eq 0 ]
	[ "$output" = "$(cat "$T/gift" | jq -c '{id,pubkey,created_at,kind,tags,content,sig}')" ]
	run --separate-stderr mostro-relay req "$(url s)" --filter '{"kinds":[1059],"#p":["'$PK'"]}'
	[ -z "$output" ]
	[ "$status" -ne 0 ]
}
