#!/usr/bin/env bats
# mostro-order run: the engine's contract (man mostro-order, RUN PROTOCOL).
#
# The golden transcripts in tests/vectors/order-golden/ are DAEMON.md's flows
# written step by step (make.py): every {"in":...} record goes to the engine
# on a fixed clock and the engine must print exactly the {"out":...} records,
# byte for byte, in order. The other tests pin the loop: replay, the ctl
# socket, the clock, the outbox across a crash, transports, usage.

load helpers

GOLD="$MOSTRO_TOP/tests/vectors/order-golden"
MOSTRO=79be667ef9dcbbac55a06295ce870b07029bfcdb2dce28d959f2815b16f81798
S_ID=c6047f9441ed7d6d3045406e95c07cd85c778e4b8cef3ca7abac09b95c709ee5
S_TRADE=f9308a019258c31049344f85f89d5229b531c845836f99b08601f113bce036f9
B_TRADE=2f8bde4d1a07209355b4a7250a5c5128e88b84bddc619ab7cba8d569b240efe4

setup() {
	T=$(mktemp -d)
	cp "$GOLD/seed" "$T/seed"
	chmod 600 "$T/seed"
}

teardown() {
	rm -rf "$T"
}

# The records of a transcript: ins FILE / outs FILE (the raw JSON text).
ins() { grep '^{"in":' "$1" | sed 's/^{"in":\(.*\)}$/\1/'; }
outs() { grep '^{"out":' "$1" | sed 's/^{"out":\(.*\)}$/\1/'; }

# --set options from the transcript's config line.
sets() {
	grep '^{"config":' "$1" | jq -r '.config | to_entries[] | "--set\n\(.key)=\(.value|tojson)"'
}

engine() {
	mostro-order run --db "$T/db" --seed-file "$T/seed" --mostro-pubkey "$MOSTRO" "$@"
}

# golden NAME: the engine prints exactly the transcript's outputs.
golden() {
	local f="$GOLD/$1.jsonl" args=()
	[ -f "$f" ]
	mapfile -t args < <(sets "$f")
	ins "$f" >"$T/in"
	outs "$f" >"$T/want"
	engine --batch 1 "${args[@]}" <"$T/in" >"$T/got" 2>"$T/err"
	if ! diff -u "$T/want" "$T/got" >"$T/diff"; then
		head -c 4000 "$T/diff"
		tail -20 "$T/err"
		return 1
	fi
}

@test "golden: §1.7 sell order, happy path (taken without an invoice)" { golden sell-happy; }
@test "golden: §1.7 buy order, happy path (seller takes, buyer adds the invoice after paying)" { golden buy-happy; }
@test "golden: §2.4 range order, the release leaves a pending child for the next trade key" { golden range-child; }
@test "golden: §2.2 market price with premium +5, then the taker cancels (amount back to 0)" { golden market-premium; }
@test "golden: §1.3 cancel table: maker, stranger, already canceled, not found, waiting, cooperative" { golden cancel; }
@test "golden: §3.4 payout failures, retries, new invoice, paid" { golden payment-retry; }
@test "golden: §9 intake: invalid_action, replay, stale, trade index, shape gate, ignored" { golden intake; }
@test "golden: §4.4/§4.5 Lightning Address: probed at creation (parked until then), resolved at payout" { golden ln-address; }
@test "golden: §6 buyer's dispute taken and settled by a read-write solver, the buyer paid" { golden dispute-settle; }
@test "golden: §6 seller's dispute after fiat-sent canceled by a solver (canceled-by-admin)" { golden dispute-cancel; }
@test "golden: §6 solver levels: read-only takes, read-write takes over, Mostro takes over and cancels" { golden dispute-takeover; }
@test "golden: §6 admin-add-solver: npub forms, suffixes, refusals in mostrod's order" { golden admin-add-solver; }
@test "golden: §5 ratings: both sides once, seller before payout, full privacy, the one-vote lag" { golden ratings; }
@test "golden: §7 restore-session: orders by side, open disputes, mostro#882's exclusions" { golden restore-session; }
@test "golden: §7 last-trade-index: the index, not_found, invalid_trade_index (quirk §11.10)" { golden last-trade-index; }
@test "golden: §7 orders: the caller's orders by id, limits and refusals" { golden orders; }
@test "golden: §7 trade-pubkey: the maker rotates its trade key (mostro#903)" { golden trade-pubkey; }

@test "golden: §3.1 expiration: expired with s=canceled and no message; the boundary; a taken order left alone" { golden expire; }
@test "golden: §3.2 timeout, waiting-buyer-invoice x sell: the taker was late: republished, new-order and canceled" { golden timeout-wbi-sell; }
@test "golden: §3.2 timeout, waiting-payment x buy: invoice canceled first (an error waits a tick), market amounts reset" { golden timeout-wp-buy; }
@test "golden: §3.2 timeout, waiting-buyer-invoice x buy: the maker was late: invoice canceled, order canceled" { golden timeout-wbi-buy; }
@test "golden: §3.2 timeout, waiting-payment x sell: the maker was late: invoice canceled, order canceled" { golden timeout-wp-sell; }
@test "golden: §3.3 guardian, active: not due with a live HTLC, then due: invoice canceled, order canceled" { golden guardian-active; }
@test "golden: §3.3 guardian, fiat-sent: a buyer-initiated dispute, the escrow kept" { golden guardian-fiat-sent; }
@test "golden: §3.3 guardian fallback: the nominal clock when the node cannot say; a failed cancel tried again" { golden guardian-fallback; }
@test "golden: §3.6 dev fee: resolution failed, payment failed, status failed, resolution timed out, then paid with its 8383" { golden dev-fee; }
@test "golden: §3.7 38385 on nip44: tags in mostrod's order, mostro#895's invoice_expiration_window, lnd_* from get_info" { golden info-nip44; }
@test "golden: §3.7 38385 on gift-wrap: protocol_version 1, pow_first_contact = pow" { golden info-gift-wrap; }
@test "golden: §3.7 38385 with transport both: protocol_version 2 and our protocol_versions 1,2" { golden info-both; }
@test "golden: §3.7 10002 relay list every publish_relays_interval: the configured relays" { golden relay-list; }
@test "golden: §3.0 kind 0 metadata at boot: field order, URLs normalized, an invalid one left out" { golden metadata; }
@test "golden: §5 rating flush every user_rates_sent_interval_seconds: the queued 38384 in order, then none" { golden rating-flush; }

@test "every golden transcript has its test above" {
	for f in "$GOLD"/*.jsonl; do
		n=$(basename "$f" .jsonl)
		grep -q "golden $n;" "$BATS_TEST_FILENAME" || { echo "no test for $n"; return 1; }
	done
}

@test "the outputs do not depend on the group commit size" {
	f="$GOLD/sell-happy.jsonl"
	mapfile -t args < <(sets "$f")
	ins "$f" >"$T/in"
	outs "$f" >"$T/want"
	engine --batch 1000 "${args[@]}" <"$T/in" >"$T/got" 2>/dev/null
	diff -u "$T/want" "$T/got"
}

@test "replay: a logged session replays on a fresh database to the same bytes" {
	f="$GOLD/cancel.jsonl"
	mapfile -t args < <(sets "$f")
	ins "$f" >"$T/in"
	engine "${args[@]}" --log "$T/log" <"$T/in" >"$T/run" 2>/dev/null
	[ "$(stat -c %a "$T/log")" = 600 ]      # it holds the seed
	head -1 "$T/log" | jq -e '.type == "start" and (.seed | length) == 64'
	mostro-order replay "$T/log" >"$T/replay" 2>/dev/null
	[ -s "$T/run" ]
	cmp "$T/run" "$T/replay"
}

@test "replay: a restart in the log (a second start record) is replayed as one" {
	f="$GOLD/sell-happy.jsonl"
	mapfile -t args < <(sets "$f")
	ins "$f" >"$T/in"
	head -12 "$T/in" >"$T/in1"
	tail -n +13 "$T/in" >"$T/in2"
	engine "${args[@]}" --log "$T/log" <"$T/in1" >"$T/run" 2>/dev/null
	engine "${args[@]}" --log "$T/log" <"$T/in2" >>"$T/run" 2>/dev/null
	[ "$(grep -c '"type":"start"' "$T/log")" = 2 ]
	mostro-order replay "$T/log" >"$T/replay" 2>/dev/null
	cmp "$T/run" "$T/replay"
}

@test "replay: a log without its start record is invalid input (4)" {
	echo '{"type":"tick","now":1}' >"$T/log"
	run mostro-order replay "$T/log"
	[ "$status" -eq 4 ]
	[[ "$output" == *"does not begin with a start record"* ]]
}

@test "clock: records before the first tick wait for it, then run in arrival order" {
	f="$GOLD/sell-happy.jsonl"
	mapfile -t args < <(sets "$f")
	# the first new-order arrives before any tick
	msg=$(ins "$f" | grep '"action":"new-order"' | head -1)
	{ echo "$msg"; echo '{"type":"tick","now":1700000001}'; } >"$T/in"
	engine "${args[@]}" <"$T/in" >"$T/got" 2>/dev/null
	grep -q '"action":"new-order"' "$T/got"
	# and with no tick at all it never runs
	rm -f "$T/db"*
	echo "$msg" | engine "${args[@]}" >"$T/got2" 2>/dev/null
	! grep -q '"action":"new-order"' "$T/got2"
}

@test "clock: a tick older than the clock is ignored (time only moves forward)" {
	printf '%s\n' '{"type":"tick","now":1700000100}' '{"type":"tick","now":1700000000}' \
		'{"type":"ctl","id":"c","cmd":"status"}' | engine >"$T/out" 2>/dev/null
	grep '"type":"ctl_result"' "$T/out" | jq -e '.ok and .result.clock == 1700000100'
}

@test "ctl socket: 0600, status and order answered on the connection, preimage withheld" {
	f="$GOLD/sell-happy.jsonl"
	mapfile -t args < <(sets "$f")
	mkfifo "$T/in"
	engine "${args[@]}" --ctl-socket "$T/ctl" <"$T/in" >"$T/out" 2>"$T/err" &
	pid=$!
	exec 7>"$T/in"           # (bats owns fd 3)
	ins "$f" >&7
	wait_for 10 test -S "$T/ctl"
	[ "$(stat -c %a "$T/ctl")" = 600 ]
	wait_for 10 grep -q '"action":"purchase-completed"' "$T/out"
	run mostro-order ctl --socket "$T/ctl" status
	[ "$status" -eq 0 ]
	echo "$output" | jq -e '.ok and .result.orders.success == 1 and .result.network == "regtest"'
	id=$(grep '"action":"new-order"' "$T/out" | head -1 | jq -r '.message.order.id')
	run mostro-order ctl --socket "$T/ctl" order "order_id=$id"
	[ "$status" -eq 0 ]
	echo "$output" | jq -e --arg id "$id" '.result.id == $id and .result.status == "success" and .result.preimage == "(set)"'
	run mostro-order ctl --socket "$T/ctl" nosuchcommand
	[ "$status" -eq 1 ]
	echo "$output" | jq -e '.ok == false and .error == "unknown command"'
	exec 7>&-
	wait "$pid"
	[ ! -e "$T/ctl" ]
	! grep -q ctl_result "$T/out"     # answers went to the connection, not to the outputs
}

@test "ctl: the result goes out after the commit, behind the outputs of the inputs before it" {
	f="$GOLD/sell-happy.jsonl"
	mapfile -t args < <(sets "$f")
	# S's new-order and a ctl record in one group commit (--batch 256)
	{ ins "$f" | head -4; echo '{"type":"ctl","id":"c","cmd":"status"}'; } >"$T/in"
	engine "${args[@]}" <"$T/in" >"$T/out" 2>/dev/null
	[ "$(tail -1 "$T/out" | jq -r .type)" = ctl_result ]
	grep -n . "$T/out" | grep -q '"action":"new-order"'
	# and the status it gives is the committed one, new order included
	tail -1 "$T/out" | jq -e '.ok and .result.orders.pending == 1'
}

@test "ctl socket: no answer for a decision that was never committed" {
	mkfifo "$T/in"
	# commit 1 is the start, 2 the tick, 3 the ctl record: killed before it commits
	env MOSTRO_ORDER_CRASH=before-commit:3 mostro-order run --db "$T/db" --mostro-pubkey "$MOSTRO" \
		--ctl-socket "$T/ctl" <"$T/in" >"$T/out" 2>"$T/err" &
	pid=$!
	exec 7>"$T/in"
	echo '{"type":"tick","now":1700000000}' >&7
	wait_for 10 test -S "$T/ctl"
	wait_for 10 sqlite3 "$T/db" 'select 1 from engine_meta where key = "clock"'
	run mostro-order ctl --socket "$T/ctl" --timeout 5 status
	exec 7>&-
	wait "$pid" || true
	grep -q 'crash point before-commit:3' "$T/err"
	[ "$status" -eq 3 ]
	[[ "$output" != *ctl_result* ]]
}

@test "transport both: an identity key (a solver's) is answered on the transport it wrote on" {
	f="$GOLD/dispute-settle.jsonl"
	mapfile -t args < <(sets "$f")
	# the solver (identity RW, trade key SOLVER_TRADE) writes on v1
	ins "$f" | sed '/"action":"admin-take-dispute"/s/"transport":"v2"/"transport":"v1"/' >"$T/in"
	grep -q '"transport":"v1"' "$T/in"
	engine "${args[@]}" --set transport=both <"$T/in" >"$T/out" 2>/dev/null
	rw=$(grep '"action":"admin-take-dispute"' "$T/in" | jq -r .identity)
	grep '"action":"admin-took-dispute"' "$T/out" | jq -se --arg rw "$rw" \
		'[.[] | select(.to == $rw)] | length == 1 and .[0].transport == "v1" and .[0].message.dispute.version == 1'
}

@test "outbox: killed between commit and write, the restart writes what was decided" {
	f="$GOLD/sell-happy.jsonl"
	mapfile -t args < <(sets "$f")
	ins "$f" >"$T/in"
	outs "$f" >"$T/want"
	# commit 1 is the start (get_info); commit 5 is S's new-order (tick, get_info, tick, new-order)
	run env MOSTRO_ORDER_CRASH=after-commit:5 mostro-order run --db "$T/db" --seed-file "$T/seed" \
		--mostro-pubkey "$MOSTRO" --batch 1 "${args[@]}" <"$T/in"
	[ "$status" -eq 137 ]
	! grep -q '"action":"new-order"' <<<"$output"
	sqlite3 "$T/db" 'select line from outbox' | grep -q '"action":"new-order"'
	# restart with no input: the outbox first, then the start's get_info (ln2)
	engine "${args[@]}" </dev/null >"$T/after" 2>/dev/null
	grep -q '"kind":38383' "$T/after"
	grep -q '"action":"new-order"' "$T/after"
	[ "$(sqlite3 "$T/db" 'select count(*) from outbox')" = 0 ]
	# the event and the ack are exactly the ones the transcript expects (lines of
	# earlier commits may come again: at least once)
	grep -E '"kind":38383|"action":"new-order"' "$T/after" | grep -F -x -f - "$T/want" | grep -c . | grep -qx 2
}

# --ack: the first six inputs of sell-happy (a new order taken) write seven
# DM and event lines, o1..o7; published records settle them.
ack_run() {
	f="$GOLD/sell-happy.jsonl"
	mapfile -t args < <(sets "$f")
	ins "$f" | head -6 >"$T/in"
	engine --ack --ack-wait 0 "${args[@]}" "$@" <"$T/in" >"$T/run" 2>"$T/err"
}
refs() { jq -r 'select(.ref) | .ref' "$1"; }
published() { printf '{"type":"published","ref":"%s","id":"%064d","accepted":%s%s}\n' "$1" 0 "$2" "${3:+,\"message\":\"$3\"}"; }
kept() { sqlite3 "$T/db" 'select group_concat(seq, " ") from (select seq from outbox order by seq)'; }

@test "--ack: every DM and event line carries its outbox ref; kept until accepted, each kept row written again at start" {
	ack_run
	# the same lines as without --ack, each with "ref":"o<outbox seq>" first
	[ "$(refs "$T/run" | tr '\n' ' ')" = "o1 o2 o3 o4 o5 o6 o7 " ]
	grep -v '^{"id":"ln' "$T/run" | sed 's/^{"ref":"o[0-9]*",/{/' >"$T/stripped"
	mv "$T/db" "$T/db.ack"
	engine "${args[@]}" <"$T/in" 2>/dev/null | grep -v '^{"id":"ln' >"$T/plain"
	cmp "$T/stripped" "$T/plain"
	mv "$T/db.ack" "$T/db"
	rm -f "$T/db-wal" "$T/db-shm"
	[ "$(kept)" = "1 2 3 4 5 6 7" ]
	# a restart writes every kept row again, same ref, same bytes, in order
	engine --ack --ack-wait 0 </dev/null >"$T/again" 2>/dev/null
	diff <(grep '^{"ref"' "$T/run") <(grep '^{"ref"' "$T/again")
	# accepted: the row goes (a ref settled before or not ours is only logged)
	{ for r in o1 o3 o4 o7; do published $r true; done; published o3 true; published x9 true; } >"$T/pub"
	engine --ack --ack-wait 0 <"$T/pub" >"$T/out" 2>"$T/err"
	[ "$(kept)" = "2 5 6" ]
	grep -q 'published o3: drop: not in the outbox (settled before)' "$T/err"
	grep -q 'published x9: drop: not a ref of this engine' "$T/err"
	engine --ack --ack-wait 0 </dev/null >"$T/again" 2>/dev/null
	[ "$(refs "$T/again" | tr '\n' ' ')" = "o2 o5 o6 " ]
	# malformed published records are bad lines (123), nothing settled
	printf '%s\n' '{"type":"published","ref":"o2"}' '{"type":"published","accepted":true}' >"$T/bad"
	run engine --ack --ack-wait 0 <"$T/bad"
	[ "$status" -eq 123 ]
	[[ "$output" == *'"accepted" must be true or false'* ]]
	[[ "$output" == *'"ref" must be a string'* ]]
	[ "$(kept)" = "2 5 6" ]
	# without --ack published records are not for the engine: ignored (no bad line)
	{ cat "$T/bad"; published o2 true; } >"$T/noack"
	run engine <"$T/noack"
	[ "$status" -eq 0 ]
	[[ "$output" != *published* ]]
}

@test "--ack: a refused line is sent again at its next try (10, 60, 300, 900 s), given up after 5; a 38383 revision superseded is dropped, the newest republished" {
	ack_run
	# the clock is T0+2; o4 is S's new-order DM, o3 and o7 the order's 38383 revisions
	now=1700000002
	{
		published o4 false "blocked: spam"; published o3 false; published o7 false
		for dt in 10 60 300 900; do
			now=$((now + dt)); echo "{\"type\":\"tick\",\"now\":$now}"
			published o4 false "blocked: spam"
		done
		now=$((now + 900)); echo "{\"type\":\"tick\",\"now\":$now}"
	} >"$T/pub"
	engine --ack --ack-wait 0 <"$T/pub" >"$T/out" 2>"$T/err"
	# o4: written at start, then again at each of its 4 tries, never after the 5th refusal
	[ "$(grep -c '^{"ref":"o4",' "$T/out")" = 5 ]
	grep '^{"ref":"o4",' "$T/out" | sort -u | cmp - <(grep '^{"ref":"o4",' "$T/run")
	grep -q 'o4 (DM new-order to f9308a019258c310): not accepted by any relay (blocked: spam): try 2 of 5 at 1700000012' "$T/err"
	grep -q 'o4 (DM new-order to f9308a019258c310): sent again (try 5 of 5)' "$T/err"
	grep -q 'o4 (DM new-order to f9308a019258c310): not accepted by any relay (blocked: spam): given up after 5 tries' "$T/err"
	! sqlite3 "$T/db" 'select seq from outbox' | grep -qx 4
	# o3 (pending) was superseded by o7 (in-progress): dropped, not sent again
	grep -q 'o3 (kind 38383 d [0-9a-f-]*): superseded by a newer revision: not sent again' "$T/err"
	[ "$(grep -c '^{"ref":"o3",' "$T/out")" = 1 ]
	! sqlite3 "$T/db" 'select seq from outbox' | grep -qx 3
	# o7: the order as it is now goes out as a new row, carrying o7's tries
	grep -q 'o7 (kind 38383 d [0-9a-f-]*): the order.s current state published again as o[0-9]* (try 2 of 5)' "$T/err"
	new=$(sed -n 's/.*the order.s current state published again as \(o[0-9]*\).*/\1/p' "$T/err")
	d=$(grep '^{"ref":"o7",' "$T/run" | jq -r '.tags[0][1]')
	grep "^{\"ref\":\"$new\"," "$T/out" | jq -e --arg d "$d" '.kind == 38383 and .tags[0][1] == $d'
	! sqlite3 "$T/db" 'select seq from outbox' | grep -qx 7
}

@test "--ack: a logged session with published records replays to the same bytes" {
	ack_run --log "$T/log"
	{
		published o1 true; published o4 false; published o7 false
		echo '{"type":"tick","now":1700000013}'; published o4 true
		echo '{"type":"tick","now":1700000073}'
	} >"$T/pub"
	engine --ack --ack-wait 0 --log "$T/log" <"$T/pub" >>"$T/run" 2>/dev/null
	grep -q '^{"ref":"o4",' "$T/run"
	head -1 "$T/log" | jq -e '.ack == true'
	mostro-order replay "$T/log" >"$T/replay" 2>/dev/null
	cmp "$T/run" "$T/replay"
}

@test "transport both: each key is answered on the transport it last wrote on" {
	f="$GOLD/sell-happy.jsonl"
	mapfile -t args < <(sets "$f")
	ins "$f" | head -6 | sed 's/"transport":"v2"/"transport":"v1"/' >"$T/in"
	engine "${args[@]}" --set transport=both <"$T/in" >"$T/out" 2>/dev/null
	# S wrote on v1: the ack goes on v1, version 1, no expiration
	grep '"action":"new-order"' "$T/out" | jq -e '.transport == "v1" and .message.order.version == 1 and .expiration == null'
	rm -f "$T/db"*
	ins "$f" | head -6 >"$T/in"
	engine "${args[@]}" --set transport=both <"$T/in" >"$T/out" 2>/dev/null
	grep '"action":"new-order"' "$T/out" | jq -e '.transport == "v2" and .message.order.version == 2'
	# gift-wrap only: a v2 message is not this node's transport (dropped)
	rm -f "$T/db"*
	engine "${args[@]}" --set transport=gift-wrap <"$T/in" >"$T/out" 2>"$T/err"
	! grep -q '"action":"new-order"' "$T/out"
	grep -q 'a transport this node does not speak' "$T/err"
}

@test "first contact: a trade key in no live order needs pow_first_contact bits (v2)" {
	f="$GOLD/sell-happy.jsonl"
	mapfile -t args < <(sets "$f")
	# the new-order's event id with no leading zero bit
	ins "$f" | head -6 | sed 's/"id":"0000000000000000000000000000000000000000000000000000000000000001"/"id":"ff00000000000000000000000000000000000000000000000000000000000001"/' >"$T/in"
	engine "${args[@]}" --set pow_first_contact=8 <"$T/in" >"$T/out" 2>"$T/err"
	! grep -q '"action":"new-order"' "$T/out"
	grep -q 'first contact without pow_first_contact bits' "$T/err"
	# with 8 leading zero bits it passes
	rm -f "$T/db"*
	sed 's/"id":"ff00000000000000000000000000000000000000000000000000000000000001"/"id":"00aa000000000000000000000000000000000000000000000000000000000001"/' "$T/in" >"$T/in2"
	engine "${args[@]}" --set pow_first_contact=8 <"$T/in2" >"$T/out" 2>/dev/null
	grep -q '"action":"new-order"' "$T/out"
}

@test "bad lines are reported with their input, the stream goes on, exit 123" {
	printf '%s\n' '{"type":"tick","now":1700000000}' 'not json' '{"no":"type"}' '{"type":"bogus"}' \
		'{"type":"ctl","id":1,"cmd":"status"}' | engine >"$T/out" 2>"$T/err" && rc=0 || rc=$?
	[ "$rc" -eq 123 ]
	grep -q 'stdin: .*' "$T/err"
	grep -q 'record without "type"' "$T/err"
	grep -q 'unknown record type' "$T/err"
	grep -q '"type":"ctl_result"' "$T/out"
}

@test "usage errors exit 2; --help exits 0" {
	run mostro-order run --bogus
	[ "$status" -eq 2 ]
	run mostro-order run --mostro-pubkey XYZ
	[ "$status" -eq 2 ]
	run mostro-order run --set nosuchsetting=1
	[ "$status" -eq 2 ]
	[[ "$output" == *"unknown key nosuchsetting"* ]]
	run mostro-order run --batch 0
	[ "$status" -eq 2 ]
	run mostro-order run --no-stdin
	[ "$status" -eq 2 ]
	run mostro-order run extra
	[ "$status" -eq 2 ]
	run mostro-order replay
	[ "$status" -eq 2 ]
	run mostro-order run --help
	[ "$status" -eq 0 ]
	[[ "$output" == *"--ln-out"* ]]
}

@test "the database is created 0600 and an unopenable one exits 5" {
	echo '{"type":"tick","now":1}' | engine >/dev/null 2>&1
	[ "$(stat -c %a "$T/db")" = 600 ]
	run mostro-order run --db "$T/seed/db" </dev/null     # (a file where its directory should be)
	[ "$status" -eq 5 ]
	# a missing directory is created 0700, as mostro-store does
	echo '{"type":"tick","now":1}' | mostro-order run --db "$T/new/dir/db" >/dev/null 2>&1
	[ "$(stat -c %a "$T/new/dir")" = 700 ]
}

@test "--db and --log: created 0600 (the -wal and -shm too) whatever the umask; a planted symlink is never followed (5)" {
	umask 022
	# the database's companions exist while the engine runs
	mkfifo "$T/feed"
	engine --log "$T/log" <"$T/feed" >/dev/null 2>&1 &
	pid=$!
	exec 7>"$T/feed"
	echo '{"type":"tick","now":1}' >&7
	for _ in $(seq 1 100); do [ -e "$T/db-shm" ] && break; sleep 0.05; done
	for f in "$T/db" "$T/db-wal" "$T/db-shm" "$T/log"; do
		[ "$(stat -c %a "$f")" = 600 ] || { echo "$f: $(stat -c %a "$f" 2>&1)"; false; }
	done
	exec 7>&-
	wait "$pid"
	# a dangling symlink at --log or --db: refused, its target not created
	ln -s "$T/nowhere.log" "$T/planted.log"
	run engine --log "$T/planted.log" </dev/null
	[ "$status" -eq 5 ]
	[[ "$output" == *"planted.log: a symlink to nothing: not followed"* ]]
	[ ! -e "$T/nowhere.log" ]
	ln -s "$T/nowhere.db" "$T/planted.db"
	run mostro-order run --db "$T/planted.db" --seed-file "$T/seed" --mostro-pubkey "$MOSTRO" </dev/null
	[ "$status" -eq 5 ]
	[[ "$output" == *"planted.db: a symlink to nothing: not followed"* ]]
	[ ! -e "$T/nowhere.db" ]
	# our own symlink to the log: appended to (our choice)
	ln -s "$T/log" "$T/mine.log"
	before=$(wc -l <"$T/log")
	echo '{"type":"tick","now":2}' | engine --log "$T/mine.log" >/dev/null 2>&1
	[ "$(wc -l <"$T/log")" -gt "$before" ]
	# another user's symlink to a file of ours (the log, an empty file): not written through
	[ "$(id -u)" = 0 ] || skip "needs root to give a symlink to another user"
	cp "$T/log" "$T/log.before"
	ln -s "$T/log" "$T/foreign.log"
	chown -h 65534:65534 "$T/foreign.log"
	run engine --log "$T/foreign.log" <<<'{"type":"tick","now":3}'
	[ "$status" -eq 5 ]
	[[ "$output" == *"foreign.log: a symbolic link another user made"* ]]
	cmp "$T/log" "$T/log.before"
	: >"$T/victim"
	ln -s "$T/victim" "$T/foreign.db"
	chown -h 65534:65534 "$T/foreign.db"
	run mostro-order run --db "$T/foreign.db" --seed-file "$T/seed" --mostro-pubkey "$MOSTRO" <<<'{"type":"tick","now":3}'
	[ "$status" -eq 5 ]
	[[ "$output" == *"foreign.db: a symbolic link another user made"* ]]
	[ ! -s "$T/victim" ]
}

@test "--ln-out: LN ops on their own descriptor, DMs and events on standard output" {
	f="$GOLD/sell-happy.jsonl"
	mapfile -t args < <(sets "$f")
	ins "$f" >"$T/in"
	engine "${args[@]}" --ln-out 3 <"$T/in" >"$T/wrap" 3>"$T/ln" 2>/dev/null
	! grep -q '"op":' "$T/wrap"
	grep -q '"kind":38383' "$T/wrap"
	[ "$(jq -r .op "$T/ln" | tr '\n' ' ')" = "get_info create_hold_invoice watch_invoice settle_hold_invoice pay_invoice " ]
}

@test "settings: -d DIR reads DIR/settings.toml (mostrod's) and keeps DIR/mostro.db; --set and --mostro-pubkey override" {
	mkdir "$T/dir"
	mostro-order settings --template >"$T/dir/settings.toml"
	sed -i "s/^nsec_privkey = .*/nsec_privkey = '0000000000000000000000000000000000000000000000000000000000000001'/; s/^fee = .*/fee = 0.006/" "$T/dir/settings.toml"
	chmod 600 "$T/dir/settings.toml"
	echo '{"type":"tick","now":1}' | mostro-order run -d "$T/dir" --log "$T/log" >/dev/null 2>&1
	[ -f "$T/dir/mostro.db" ]
	head -1 "$T/log" | jq -e --arg m "$MOSTRO" '.config.fee == 0.006 and .config.mostro_pubkey == $m and .config.relays == ["ws://localhost:7000"]'
	rm "$T/log"
	echo '{"type":"tick","now":1}' | mostro-order run -d "$T/dir" --set fee=0.01 --mostro-pubkey "$S_ID" --log "$T/log" >/dev/null 2>&1
	head -1 "$T/log" | jq -e --arg s "$S_ID" '.config.fee == 0.01 and .config.mostro_pubkey == $s'
	# the same through the JSON of 'mostro-order settings' (no secret in it)
	mostro-order settings -d "$T/dir" >"$T/settings.json"
	rm "$T/log"
	echo '{"type":"tick","now":1}' | mostro-order run --settings "$T/settings.json" --db "$T/db2" --log "$T/log" >/dev/null 2>&1
	head -1 "$T/log" | jq -e '.config.fee == 0.006'
	# bad settings: exit 5, naming the file
	sed -i 's/^fee = .*/fee = "x"/' "$T/dir/settings.toml"
	run mostro-order run -d "$T/dir" </dev/null
	[ "$status" -eq 5 ]
	[[ "$output" == *settings.toml* ]]
}

@test "single writer: a second engine on the same database is refused (1) naming the holder" {
	mkfifo "$T/in"
	engine <"$T/in" >/dev/null 2>&1 &
	pid=$!
	exec 8>"$T/in"
	wait_for 10 test -e "$T/db.lock"
	wait_for 10 grep -q "mostro-order run" "$T/db.lock"
	run engine </dev/null
	[ "$status" -eq 1 ]
	[[ "$output" == *"mostro-order run"* ]]
	exec 8>&-
	wait "$pid"
	# the lock goes with the process: now it opens
	run engine </dev/null
	[ "$status" -eq 0 ]
}

@test "start: every hold invoice still in play gets a watch (a database taken over from mostrod has no intents)" {
	echo '{"type":"tick","now":1700000000}' | engine >/dev/null 2>&1
	h=$(printf 'ab%.0s' {1..32})
	sqlite3 "$T/db" "insert into orders (id, kind, event_id, hash, preimage, creator_pubkey, seller_pubkey, buyer_pubkey,
		status, premium, payment_method, amount, fiat_code, fiat_amount, created_at, expires_at, invoice_held_at)
		values ('11111111-1111-4111-8111-111111111111', 'sell', '', '$h', 'cd', '$S_TRADE', '$S_TRADE', '$B_TRADE',
		'active', 0, 'SEPA', 1000, 'USD', 10, 1700000000, 1700086400, 1700000000)"
	sqlite3 "$T/db" "insert into orders (id, kind, event_id, status, premium, payment_method, amount, fiat_code,
		fiat_amount, created_at, expires_at) values ('22222222-2222-4222-8222-222222222222', 'sell', '',
		'pending', 0, 'SEPA', 1000, 'USD', 10, 1700000000, 1700086400)"
	engine </dev/null >"$T/out" 2>/dev/null
	[ "$(grep -c '"op":"watch_invoice"' "$T/out")" -eq 1 ]
	grep '"op":"watch_invoice"' "$T/out" | jq -e --arg h "$h" '.hash == $h'
	# the next start finds the watch open (re-issued), not a second one
	engine </dev/null >"$T/out2" 2>/dev/null
	[ "$(grep -c '"op":"watch_invoice"' "$T/out2")" -eq 1 ]
}

@test "orders.event_id is the id of the event mostro-wrap --plain signs from the template" {
	f="$GOLD/sell-happy.jsonl"
	mapfile -t args < <(sets "$f")
	ins "$f" | head -4 >"$T/in"
	engine "${args[@]}" <"$T/in" 2>/dev/null | grep '"kind":38383' >"$T/tpl"
	[ "$(wc -l <"$T/tpl")" -eq 1 ]
	secret_file "$T/mostro.key" 0000000000000000000000000000000000000000000000000000000000000001   # $MOSTRO's key
	id=$(mostro-wrap --plain --key-file "$T/mostro.key" <"$T/tpl" | jq -r .id)
	[ "$id" = "$(sqlite3 "$T/db" 'select event_id from orders')" ]
}
