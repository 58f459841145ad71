#!/usr/bin/env bats
# mostro-order run: the timers of DAEMON.md §3 across restarts and against a
# real mostro-ln. The transcripts in tests/vectors/order-golden (expire,
# timeout-*, guardian-*, dev-fee, info-*, relay-list, metadata, rating-flush;
# run by tests/order-run.bats) say what each job does; here:
#   - a job's Lightning step in flight when the engine dies (killed after the
#     commit that recorded it, before anything was written) is asked again at
#     the restart and the job finishes once: the §3.2 hold-invoice cancel, the
#     §3.3 chain-tip question, the §3.6 dev fee payment;
#   - the dev fee job against mostro-ln run --backend sim and the LNURL
#     fixture (tests/lnurl-fixture.mjs): the LUD-12 comment reaches the
#     server, the invoice is paid with the routing cap, a refused payment
#     keeps its hash;
#   - ctl jobs.

load helpers

GOLD="$MOSTRO_TOP/tests/vectors/order-golden"
MOSTRO=79be667ef9dcbbac55a06295ce870b07029bfcdb2dce28d959f2815b16f81798
S_TRADE=f9308a019258c31049344f85f89d5229b531c845836f99b08601f113bce036f9
B_TRADE=2f8bde4d1a07209355b4a7250a5c5128e88b84bddc619ab7cba8d569b240efe4

setup() {
	T=$(mktemp -d)
	cp "$GOLD/seed" "$T/seed"
	chmod 600 "$T/seed"
	FPID= LPID= EPID=
}

teardown() {
	exec 7>&- 2>/dev/null || true
	local p
	for p in $EPID $LPID $FPID; do
		kill "$p" 2>/dev/null || true
		wait "$p" 2>/dev/null || true
	done
	rm -rf "$T"
}

ins() { grep '^{"in":' "$1" | sed 's/^{"in":\(.*\)}$/\1/'; }
outs() { grep '^{"out":' "$1" | sed 's/^{"out":\(.*\)}$/\1/'; }
sets() { grep '^{"config":' "$1" | jq -r '.config | to_entries[] | "--set\n\(.key)=\(.value|tojson)"'; }

engine() {
	mostro-order run --db "$T/db" --seed-file "$T/seed" --mostro-pubkey "$MOSTRO" --batch 1 "$@"
}

# cut_at FILE PATTERN: the transcript's inputs up to and including the first
# matching one (in $T/in1), the rest (in $T/in2); N = its commit number with
# --batch 1 (commit 1 is the start).
cut_at() {
	ins "$1" >"$T/all"
	local k
	k=$(grep -n -m1 -- "$2" "$T/all" | cut -d: -f1)
	[ -n "$k" ]
	head -n "$k" "$T/all" >"$T/in1"
	tail -n +"$((k + 1))" "$T/all" >"$T/in2"
	N=$((k + 1))
}

# the id of the last LN op OP in FILE
op_id() { grep "\"op\":\"$2\"" "$1" | tail -1 | jq -r .id; }

# start_engine ARGS...: the engine on a FIFO (fd 7 writes to it), outputs in $T/out.
start_engine() {
	mkfifo "$T/in"
	engine "$@" <"$T/in" >"$T/out" 2>"$T/err" &
	EPID=$!
	exec 7>"$T/in"
}

stop_engine() {
	exec 7>&-
	wait "$EPID"
	EPID=
}

# count_is PATTERN N: lines of $T/out matching the fixed string, now
count_is() { [ "$(grep -cF -- "$1" "$T/out")" -eq "$2" ]; }

@test "restart: the §3.2 hold-invoice cancel in flight is asked again and the timeout finishes once" {
	f="$GOLD/timeout-wp-sell.jsonl"
	mapfile -t args < <(sets "$f")
	cut_at "$f" '"now":1700000962'
	# killed after the tick's commit: the cancel intent is recorded, not written
	run env MOSTRO_ORDER_CRASH="after-commit:$N" mostro-order run --db "$T/db" --seed-file "$T/seed" \
		--mostro-pubkey "$MOSTRO" --batch 1 "${args[@]}" <"$T/in1"
	[ "$status" -eq 137 ]
	! grep -q '"op":"cancel_hold_invoice"' <<<"$output"
	[ "$(sqlite3 "$T/db" "select count(*) from ln_intents where state = 'open' and next_step = 'timeout_cancel'")" = 1 ]
	old=$(sqlite3 "$T/db" "select 'ln' || seq from ln_intents where state = 'open' and next_step = 'timeout_cancel'")
	# the restart asks again (a new intent) before anything else
	start_engine "${args[@]}"
	wait_for 10 grep -q '"op":"cancel_hold_invoice"' "$T/out"
	new=$(op_id "$T/out" cancel_hold_invoice)
	[ "$new" != "$old" ]
	hash=$(grep '"op":"cancel_hold_invoice"' "$T/out" | jq -r .hash)
	# the old request's answer is ignored; a tick while the new one is open asks nothing more;
	# the new answer finishes the timeout: one revision, canceled to maker and taker, once
	printf '{"type":"ln_result","id":"%s","op":"cancel_hold_invoice","ok":true,"result":{"hash":"%s"}}\n' "$old" "$hash" >&7
	echo '{"type":"tick","now":1700001022}' >&7
	printf '{"type":"ln_result","id":"%s","op":"cancel_hold_invoice","ok":true,"result":{"hash":"%s"}}\n' "$new" "$hash" >&7
	echo '{"type":"tick","now":1700001082}' >&7
	stop_engine
	count_is '"op":"cancel_hold_invoice"' 1
	count_is '"s","canceled"' 1
	count_is '"action":"canceled"' 2
	grep '"action":"canceled"' "$T/out" | jq -se --arg s "$S_TRADE" --arg b "$B_TRADE" '[.[].to] == [$s, $b]'
	grep -q "after the intent was closed, ignored" "$T/err"
	oid=$(sqlite3 "$T/db" "select id from orders")
	grep '"s","canceled"' "$T/out" | jq -e --arg id "$oid" '.kind == 38383 and .tags[0] == ["d", $id]'
	[ "$(sqlite3 "$T/db" "select status from orders")" = canceled ]
}

@test "restart: the §3.3 guardian's chain-tip question in flight is asked again (not dropped like the start's get_info)" {
	f="$GOLD/guardian-active.jsonl"
	mapfile -t args < <(sets "$f")
	cut_at "$f" '"now":1700036003'
	run env MOSTRO_ORDER_CRASH="after-commit:$N" mostro-order run --db "$T/db" --seed-file "$T/seed" \
		--mostro-pubkey "$MOSTRO" --batch 1 "${args[@]}" <"$T/in1"
	[ "$status" -eq 137 ]
	start_engine "${args[@]}"
	# the guardian's get_info again, and the start's own
	wait_for 10 count_is '"op":"get_info"' 2
	tip=$(sqlite3 "$T/db" "select 'ln' || seq from ln_intents where state = 'open' and next_step = 'guardian_tip'")
	[ -n "$tip" ]
	printf '{"type":"ln_result","id":"%s","op":"get_info","ok":true,"result":{"block_height":800000,"network":"regtest","chains":[]}}\n' \
		"$tip" >&7
	wait_for 10 count_is '"op":"lookup_invoice"' 1
	stop_engine
}

@test "restart: the §3.6 dev fee payment in flight is only asked about (payment_status), then paid once with its 8383" {
	f="$GOLD/dev-fee.jsonl"
	mapfile -t args < <(sets "$f")
	# the last claim's resolution answered: the commit that records the pay_invoice
	grep -n '"op":"resolve_lnurl"' <(ins "$f") >/dev/null
	ins "$f" >"$T/all"
	k=$(grep -n '"op":"resolve_lnurl"' "$T/all" | tail -1 | cut -d: -f1)
	head -n "$k" "$T/all" >"$T/in1"
	run env MOSTRO_ORDER_CRASH="after-commit:$((k + 1))" mostro-order run --db "$T/db" --seed-file "$T/seed" \
		--mostro-pubkey "$MOSTRO" --batch 1 "${args[@]}" <"$T/in1"
	[ "$status" -eq 137 ]
	hash=$(sqlite3 "$T/db" "select dev_fee_payment_hash from orders")
	[ "${#hash}" -eq 64 ]         # the real hash is kept before the payment
	start_engine "${args[@]}"
	wait_for 10 count_is '"op":"payment_status"' 1
	st=$(op_id "$T/out" payment_status)
	printf '{"type":"ln_result","id":"%s","op":"payment_status","ok":true,"result":{"payment_hash":"%s","status":"SUCCEEDED"}}\n' \
		"$st" "$hash" >&7
	echo '{"type":"tick","now":1700000400}' >&7
	stop_engine
	! grep -q '"op":"pay_invoice"' "$T/out"
	count_is '"kind":8383' 1
	grep '"kind":8383' "$T/out" | jq -e --arg h "$hash" '.tags | (map(select(.[0] == "hash"))[0][1] == $h)
		and (map(select(.[0] == "destination"))[0][1] == "devfee@example.com")'
	! grep -q '"op":"resolve_lnurl"' "$T/out"
	[ "$(sqlite3 "$T/db" "select dev_fee_paid from orders")" = 1 ]
}

@test "ctl jobs: each job, when it runs next, and the one not run with its reason" {
	f="$GOLD/relay-list.jsonl"
	mapfile -t args < <(sets "$f")
	{ ins "$f" | head -3; echo '{"type":"ctl","id":"j","cmd":"jobs"}'; } | engine "${args[@]}" >"$T/out" 2>/dev/null
	r=$(grep '"type":"ctl_result"' "$T/out")
	jq -e '.ok and (.result | length) == 11' <<<"$r"
	jq -e '.result[] | select(.name == "relay_list") | .next_at == 1700000031 and .ref == "§3.7 10002"' <<<"$r"
	jq -e '.result[] | select(.name == "orderbook_reconciler") | .next_at == null and .when == "not-run"
		and (.what | test("never learns"))' <<<"$r"
	jq -e '.result[] | select(.name == "metadata") | .when == "each-start"' <<<"$r"
}

# The LN ops the engine sent mostro-ln (--ln-out), as its intents recorded them.
lnops() { sqlite3 "$T/db" 'select request from ln_intents order by seq'; }
lnops_have() { lnops | grep -qF -- "$1"; }

# The dev fee job end to end: an order already settled (as an engine would
# have left it), mostro-ln run on its simulated node, the dev fee address on
# the loopback LNURL fixture. The fixture's invoices are signed with the sim
# node's own key, so the node refuses to pay them (no self-payment): the
# refusal keeps the hash, and the node knowing no payment for it leaves it
# (mostrod's phase 3: in flight or unknown is left alone).
@test "dev fee against mostro-ln (sim) and the LNURL fixture: comment sent, invoice paid with the cap, a refused payment keeps its hash" {
	need jq sqlite3 node
	node "$MOSTRO_TOP/tests/lnurl-fixture.mjs" >"$T/fixture.out" 2>&1 3>&- &
	FPID=$!
	wait_for 10 test -s "$T/fixture.out"
	H=127.0.0.1:$(jq -r .port "$T/fixture.out")
	mostro-ln sim --sim-db "$T/sim.db" init --network regtest >/dev/null
	now=$(date +%s)
	# the database, and a success order whose dev fee (180 sat) is unpaid
	echo "{\"type\":\"tick\",\"now\":$now}" | engine >/dev/null 2>&1
	id=44444444-4444-4444-8444-444444444444
	sqlite3 "$T/db" "insert into orders (id, kind, event_id, creator_pubkey, seller_pubkey, buyer_pubkey, status,
		premium, payment_method, amount, fee, dev_fee, fiat_code, fiat_amount, created_at, expires_at)
		values ('$id', 'sell', '', '$S_TRADE', '$S_TRADE', '$B_TRADE', 'success', 0, 'SEPA', 100000, 300, 180,
		'USD', 100, $now, $((now + 86400)))"
	mkfifo "$T/in" "$T/lnin" "$T/lnout"
	MOSTRO_LNURL_ALLOW_PRIVATE=1 mostro-ln run --backend sim --sim-db "$T/sim.db" --sim-poll-ms 20 \
		<"$T/lnin" >"$T/lnout" 2>"$T/ln.err" &
	LPID=$!
	engine --set fee=0.006 --set "dev_fee_address=comment1000@$H" --input "$T/lnout" --ln-out "$T/lnin" \
		<"$T/in" >"$T/out" 2>"$T/err" &
	EPID=$!
	exec 7>"$T/in"
	# the node answers get_info; the tick after runs the jobs: the claim and the resolution
	wait_for 10 grep -q 'node network' "$T/err"
	echo "{\"type\":\"tick\",\"now\":$((now + 1))}" >&7
	wait_for 15 lnops_have '"op":"pay_invoice"'
	lnops | grep '"op":"resolve_lnurl"' | jq -e --arg a "comment1000@$H" --arg id "$id" \
		'.address == $a and .amount_sat == 180 and (.comment | startswith("mostro-dev-fee order=" + $id + " node=npub1"))'
	# the LUD-12 comment reached the server (it allows 1000 characters)
	curl -s "http://$H/_log" | jq -e --arg id "$id" 'map(select(startswith("/cb/ok?"))) | length == 1
		and (.[0] | test("amount=180000&comment=mostro-dev-fee\\+order%3d" + $id))'
	pay=$(lnops | grep '"op":"pay_invoice"')
	jq -e '.amount_sat == 180 and .fee_limit_sat == 10' <<<"$pay"
	want=$(mostro-ln decode -- "$(jq -r .payment_request <<<"$pay")" | jq -r .payment_hash)
	# the node refuses (self-payment): the hash stays, unpaid
	wait_for 10 grep -q 'dev fee payment refused' "$T/err"
	[ "$(sqlite3 "$T/db" "select dev_fee_paid || ' ' || dev_fee_payment_hash from orders where id = '$id'")" = "0 $want" ]
	# the next pass asks about it; the node knows no payment: left as it is
	echo "{\"type\":\"tick\",\"now\":$((now + 61))}" >&7
	wait_for 10 lnops_have '"op":"payment_status"'
	wait_for 10 grep -q 'not known to the node: left as it is' "$T/err"
	[ "$(lnops | grep -c '"op":"pay_invoice"')" -eq 1 ]
	[ "$(lnops | grep -c '"op":"resolve_lnurl"')" -eq 1 ]
	! grep -q '"kind":8383' "$T/out"
	exec 7>&-
	wait "$EPID"
	EPID=
}

@test "dev fee with a simulated node: mostrod's real address is never contacted unless dev_fee_address is set" {
	echo '{"type":"tick","now":1700000000}' | engine >/dev/null 2>&1
	sqlite3 "$T/db" "insert into orders (id, kind, event_id, creator_pubkey, seller_pubkey, buyer_pubkey, status,
		premium, payment_method, amount, fee, dev_fee, fiat_code, fiat_amount, created_at, expires_at)
		values ('55555555-5555-4555-8555-555555555555', 'sell', '', '$S_TRADE', '$S_TRADE', '$B_TRADE', 'success',
		0, 'SEPA', 100000, 300, 180, 'USD', 100, 1700000000, 1700086400)"
	info='{"type":"ln_result","id":"ln2","op":"get_info","ok":true,"result":{"backend":"sim","simulated":true,"network":"regtest","chains":[{"chain":"bitcoin","network":"regtest"}]}}'
	printf '%s\n%s\n' "$info" '{"type":"tick","now":1700000001}' | engine >"$T/out" 2>"$T/err"
	! grep -q '"op":"resolve_lnurl"' "$T/out"
	grep -q 'not paid: the node is simulated and pivotaldeborah52@walletofsatoshi.com is mostrod' "$T/err"
	[ "$(sqlite3 "$T/db" 'select dev_fee_payment_hash is null from orders')" = 1 ]
	# with an address of the operator's (a test server), the job runs on the simulated node
	info=${info//ln2/ln3}
	printf '%s\n%s\n' "$info" '{"type":"tick","now":1700000061}' |
		engine --set dev_fee_address=devfee@127.0.0.1:9 >"$T/out" 2>/dev/null
	grep '"op":"resolve_lnurl"' "$T/out" | jq -e '.address == "devfee@127.0.0.1:9" and .amount_sat == 180'
}
