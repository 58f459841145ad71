#!/usr/bin/env bats
# mostro-ln run — the behaviour suite. Every scenario_* below is written once
# against the backend-neutral helpers of ln_helpers.bash and runs for each
# backend (the "lnd:" tests talk to the LND REST double over HTTPS).

load ln_helpers

setup_file() { lnd_double_start; }
teardown_file() { lnd_double_stop; }
teardown() { ln_kill; [ -z "${FIXTURE_PID:-}" ] || kill "$FIXTURE_PID" 2>/dev/null; true; }

# ---------- scenarios ----------

scenario_get_info() {
	ln_start
	ln_send '{"id":"i","op":"get_info"}'
	r=$(ln_result i)
	jqt "$r" '.ok and .op=="get_info"'
	jqt "$r" '.result.identity_pubkey|test("^0[23][0-9a-f]{64}$")'
	jqt "$r" '.result.network=="regtest" and .result.chain=="bitcoin"'
	jqt "$r" '.result.block_height|type=="number" and .>0'
	jqt "$r" ".result.backend==\"$LN_BACKEND\""
	jqt "$r" ".result.simulated==$([ "$LN_BACKEND" = sim ] && echo true || echo false)"
	ln_stop
	[ "$LN_RC" -eq 0 ]
}

# create -> watch OPEN -> payer HTLC -> ACCEPTED -> lookup -> settle -> SETTLED
scenario_hold_settle() {
	local pre hash
	pre=$(rand_hex32)
	hash=$(sha256_hex "$pre")
	ln_start
	ln_send "{\"id\":\"c\",\"op\":\"create_hold_invoice\",\"amount_sat\":5000,\"memo\":\"Escrow\",\"cltv_expiry\":144,\"preimage\":\"$pre\"}"
	r=$(ln_result c)
	jqt "$r" ".ok and .result.hash==\"$hash\" and .result.preimage==\"$pre\""
	jqt "$r" '.result.payment_request|startswith("lnbcrt50u1")'
	ln_send "{\"id\":\"w\",\"op\":\"watch_invoice\",\"hash\":\"$hash\"}"
	ev=$(ln_events w 1)
	jqt "$ev" ".hash==\"$hash\" and .state==\"OPEN\" and .amt_paid_msat==0"
	h0=$(node_height)
	node_pay_hold "$hash"
	ev=$(ln_events w 2 | tail -1)
	jqt "$ev" '.state=="ACCEPTED" and .amt_paid_msat==5000000'
	ln_send "{\"id\":\"l\",\"op\":\"lookup_invoice\",\"hash\":\"$hash\"}"
	r=$(ln_result l)
	jqt "$r" '.ok and .result.state=="ACCEPTED" and .result.value_msat==5000000 and .result.memo=="Escrow"'
	jqt "$r" ".result.cltv_expiry==144 and .result.accepted_expiry_height==($h0+144+3)"
	jqt "$r" '.result.htlcs|length==1 and .[0].state=="ACCEPTED"'
	ln_send "{\"id\":\"s\",\"op\":\"settle_hold_invoice\",\"preimage\":\"$pre\"}"
	r=$(ln_result s)
	jqt "$r" ".ok and .result.hash==\"$hash\""
	r=$(ln_result w)
	jqt "$r" '.ok and .result.end=="terminal" and .result.state=="SETTLED"'
	jqt "$(ln_events w 3 | tail -1)" '.state=="SETTLED"'
	# settling again is fine (LND answers success); cancelling now is refused
	ln_send "{\"id\":\"s2\",\"op\":\"settle_hold_invoice\",\"preimage\":\"$pre\"}"
	jqt "$(ln_result s2)" '.ok'
	ln_send "{\"id\":\"x\",\"op\":\"cancel_hold_invoice\",\"hash\":\"$hash\"}"
	jqt "$(ln_result x)" '.ok==false and .error.kind=="already_settled"'
	# a watch on a settled invoice: the state, then the end
	ln_send "{\"id\":\"w2\",\"op\":\"watch_invoice\",\"hash\":\"$hash\"}"
	jqt "$(ln_result w2)" '.result.end=="terminal" and .result.state=="SETTLED"'
	ln_stop
	[ "$LN_RC" -eq 0 ]
}

scenario_hold_cancel() {
	local pre hash
	pre=$(rand_hex32)
	hash=$(sha256_hex "$pre")
	ln_start
	ln_send "{\"id\":\"c\",\"op\":\"create_hold_invoice\",\"amount_sat\":1000,\"preimage\":\"$pre\"}"
	jqt "$(ln_result c)" '.ok'
	ln_send "{\"id\":\"s\",\"op\":\"settle_hold_invoice\",\"preimage\":\"$pre\"}"
	jqt "$(ln_result s)" '.ok==false and .error.kind=="still_open"'
	ln_send "{\"id\":\"w\",\"op\":\"watch_invoice\",\"hash\":\"$hash\"}"
	ln_events w 1 >/dev/null
	node_pay_hold "$hash"
	ln_events w 2 >/dev/null
	ln_send "{\"id\":\"x\",\"op\":\"cancel_hold_invoice\",\"hash\":\"$hash\"}"
	jqt "$(ln_result x)" ".ok and .result.hash==\"$hash\""
	jqt "$(ln_result w)" '.result.end=="terminal" and .result.state=="CANCELED"'
	ln_send "{\"id\":\"x2\",\"op\":\"cancel_hold_invoice\",\"hash\":\"$hash\"}"
	jqt "$(ln_result x2)" '.ok'
	ln_send "{\"id\":\"s2\",\"op\":\"settle_hold_invoice\",\"preimage\":\"$pre\"}"
	jqt "$(ln_result s2)" '.ok==false and .error.kind=="already_canceled"'
	ln_send "{\"id\":\"l\",\"op\":\"lookup_invoice\",\"hash\":\"$hash\"}"
	jqt "$(ln_result l)" '.result.state=="CANCELED" and .result.accepted_expiry_height==null and .result.htlcs[0].state=="CANCELED"'
	ln_stop
}

scenario_unknown_hash() {
	local h
	h=$(rand_hex32)
	ln_start
	ln_send "{\"id\":\"s\",\"op\":\"settle_hold_invoice\",\"preimage\":\"$h\"}"
	ln_send "{\"id\":\"x\",\"op\":\"cancel_hold_invoice\",\"hash\":\"$h\"}"
	ln_send "{\"id\":\"l\",\"op\":\"lookup_invoice\",\"hash\":\"$h\"}"
	ln_send "{\"id\":\"p\",\"op\":\"payment_status\",\"hash\":\"$h\"}"
	jqt "$(ln_result s)" '.ok==false and .error.kind=="not_found"'
	jqt "$(ln_result x)" '.ok==false and .error.kind=="not_found"'
	jqt "$(ln_result l)" '.ok==false and .error.kind=="not_found"'
	jqt "$(ln_result p)" ".ok and .result.status==null and .result.payment_hash==\"$h\""
	ln_stop
	[ "$LN_RC" -eq 0 ]
}

scenario_duplicate_hold() {
	local pre
	pre=$(rand_hex32)
	ln_start
	ln_send "{\"id\":\"a\",\"op\":\"create_hold_invoice\",\"amount_sat\":1000,\"preimage\":\"$pre\"}"
	jqt "$(ln_result a)" '.ok'
	ln_send "{\"id\":\"b\",\"op\":\"create_hold_invoice\",\"amount_sat\":1000,\"preimage\":\"$pre\"}"
	jqt "$(ln_result b)" '.ok==false and .error.kind=="already_exists"'
	ln_stop
}

# a watch on an unknown hash stays silent; it sees the invoice once created;
# cancel_request ends a stream with "cancelled"
scenario_watch_before_create() {
	local pre hash
	pre=$(rand_hex32)
	hash=$(sha256_hex "$pre")
	ln_start
	ln_send "{\"id\":\"w\",\"op\":\"watch_invoice\",\"hash\":\"$hash\"}"
	ln_send '{"id":"i","op":"get_info"}'
	ln_result i >/dev/null
	sleep 0.2
	[ -z "$(jq -c 'select(.id=="w")' "$LN_OUT")" ]
	ln_send "{\"id\":\"c\",\"op\":\"create_hold_invoice\",\"amount_sat\":2000,\"preimage\":\"$pre\"}"
	ln_result c >/dev/null
	jqt "$(ln_events w 1)" '.state=="OPEN"'
	ln_send '{"id":"k","op":"cancel_request","target":"w"}'
	jqt "$(ln_result k)" '.ok'
	jqt "$(ln_result w)" '.ok and .result.end=="cancelled"'
	ln_send '{"id":"k2","op":"cancel_request","target":"w"}'
	jqt "$(ln_result k2)" '.ok==false and .error.kind=="not_found"'
	ln_stop
}

# the node cancels an accepted hold invoice 12 blocks before its HTLC expires
scenario_expiry_by_blocks() {
	local pre hash
	pre=$(rand_hex32)
	hash=$(sha256_hex "$pre")
	ln_start
	ln_send "{\"id\":\"c\",\"op\":\"create_hold_invoice\",\"amount_sat\":1000,\"cltv_expiry\":24,\"preimage\":\"$pre\"}"
	ln_result c >/dev/null
	ln_send "{\"id\":\"w\",\"op\":\"watch_invoice\",\"hash\":\"$hash\"}"
	node_pay_hold "$hash"
	ln_events w 2 >/dev/null
	node_mine 14          # expiry_height = h+27; cancels at >= h+15
	sleep 0.2
	ln_no_result w
	node_mine 1
	jqt "$(ln_result w)" '.result.end=="terminal" and .result.state=="CANCELED"'
	ln_stop
}

# EOF on stdin: running unary ops finish, watches end with "shutdown"
scenario_eof_drain() {
	local h
	h=$(rand_hex32)
	ln_start
	ln_send "{\"id\":\"w\",\"op\":\"watch_invoice\",\"hash\":\"$h\"}"
	ln_send '{"id":"i","op":"get_info"}'
	ln_stop
	[ "$LN_RC" -eq 0 ]
	jqt "$(ln_result i)" '.ok'
	jqt "$(ln_result w)" '.ok and .result.end=="shutdown"'
	[ "$(jq -c 'select(.type=="ln_result")' "$LN_OUT" | wc -l)" -eq 2 ]
}

# many overlapping requests: every one answered exactly once, lines whole
scenario_overlap() {
	ln_start
	for i in $(seq 40); do
		ln_send "{\"id\":\"c$i\",\"op\":\"create_hold_invoice\",\"amount_sat\":$((1000 + i))}"
		ln_send "{\"id\":\"g$i\",\"op\":\"get_info\"}"
	done
	ln_stop
	[ "$LN_RC" -eq 0 ]
	[ "$(jq -c 'select(.type=="ln_result" and .ok)' "$LN_OUT" | wc -l)" -eq 80 ]
	[ "$(jq -r 'select(.type=="ln_result") | .id' "$LN_OUT" | sort -u | wc -l)" -eq 80 ]
}

# ---------- payments ----------

scenario_pay_success() {
	inv=$(node_invoice 1000)
	pr=$(jq -r .payment_request <<<"$inv")
	hash=$(jq -r .hash <<<"$inv")
	pre=$(jq -r .preimage <<<"$inv")
	ln_start
	ln_send "{\"id\":\"p\",\"op\":\"pay_invoice\",\"payment_request\":\"$pr\",\"amount_sat\":1000}"
	r=$(ln_result p)
	jqt "$r" ".ok and .result.end==\"terminal\" and .result.status==\"SUCCEEDED\" and .result.preimage==\"$pre\""
	jqt "$r" ".result.payment_hash==\"$hash\" and .result.value_msat==1000000"
	jqt "$(ln_events p 1 | head -1)" '.status=="IN_FLIGHT"'
	jqt "$(ln_events p 1 | tail -1)" '.status=="SUCCEEDED"'
	ln_send "{\"id\":\"s\",\"op\":\"payment_status\",\"hash\":\"$hash\"}"
	jqt "$(ln_result s)" ".ok and .result.status==\"SUCCEEDED\" and .result.preimage==\"$pre\""
	# the duplicate guard stops a second payment before the node sees it
	ln_send "{\"id\":\"p2\",\"op\":\"pay_invoice\",\"payment_request\":\"$pr\",\"amount_sat\":1000}"
	jqt "$(ln_result p2)" '.ok==false and .error.kind=="already_exists" and (.error.message|test("already dispatched"))'
	# mostrod's order: the guard (step 2) comes before the amount rule (step 4)
	ln_send "{\"id\":\"p4\",\"op\":\"pay_invoice\",\"payment_request\":\"$pr\",\"amount_sat\":999}"
	jqt "$(ln_result p4)" '.ok==false and .error.kind=="already_exists"'
	# without the guard the node itself refuses it
	ln_send "{\"id\":\"p3\",\"op\":\"pay_invoice\",\"payment_request\":\"$pr\",\"amount_sat\":1000,\"duplicate_guard\":false}"
	jqt "$(ln_result p3)" '.ok==false and .error.kind=="already_exists"'
	ln_stop
	[ "$LN_RC" -eq 0 ]
}

scenario_pay_refusals() {
	inv=$(node_invoice 1000)
	pr=$(jq -r .payment_request <<<"$inv")
	old=$(node_invoice 1000 60 1700000000)
	opr=$(jq -r .payment_request <<<"$old")
	ln_start
	ln_send "{\"id\":\"a\",\"op\":\"pay_invoice\",\"payment_request\":\"$pr\",\"amount_sat\":999}"
	jqt "$(ln_result a)" '.ok==false and .error.kind=="wrong_amount"'
	ln_send "{\"id\":\"a2\",\"op\":\"pay_invoice\",\"payment_request\":\"$pr\",\"amount_sat\":1001,\"duplicate_guard\":false}"
	jqt "$(ln_result a2)" '.ok==false and .error.kind=="wrong_amount"'
	ln_send "{\"id\":\"b\",\"op\":\"pay_invoice\",\"payment_request\":\"${pr}b\",\"amount_sat\":1000}"
	jqt "$(ln_result b)" '.ok==false and .error.kind=="invalid_invoice" and .error.reason=="bech32_bad_char"'
	ln_send "{\"id\":\"c\",\"op\":\"pay_invoice\",\"payment_request\":\"$opr\",\"amount_sat\":1000}"
	jqt "$(ln_result c)" '.ok==false and .error.kind=="invalid_invoice" and (.error.message|test("expired"))'
	ln_send "{\"id\":\"d\",\"op\":\"pay_invoice\",\"payment_request\":\"$pr\"}"
	jqt "$(ln_result d)" '.ok==false and .error.kind=="invalid_request"'
	# lnbc0 has an amount for LND (it refuses amt for it), and 0 msat is not
	# the amount owed: wrong_amount, nothing sent to the node
	zero=$(node_invoice 0)
	zpr=$(jq -r .payment_request <<<"$zero")
	[[ $zpr == lnbcrt01* ]]
	ln_send "{\"id\":\"z\",\"op\":\"pay_invoice\",\"payment_request\":\"$zpr\",\"amount_sat\":1000}"
	jqt "$(ln_result z)" '.ok==false and .error.kind=="wrong_amount" and (.error.message|test("explicit 0"))'
	ln_send "{\"id\":\"zs\",\"op\":\"payment_status\",\"hash\":\"$(jq -r .hash <<<"$zero")\"}"
	jqt "$(ln_result zs)" '.ok and .result.status==null'
	ln_stop
	[ "$LN_RC" -eq 123 ]        # d was a bad request line
}

scenario_pay_amountless() {
	inv=$(node_invoice any)
	pr=$(jq -r .payment_request <<<"$inv")
	ln_start
	ln_send "{\"id\":\"p\",\"op\":\"pay_invoice\",\"payment_request\":\"$pr\",\"amount_sat\":2500}"
	jqt "$(ln_result p)" '.ok and .result.status=="SUCCEEDED" and .result.value_msat==2500000'
	ln_stop
}

# a payment fails (scripted once), then a retry succeeds
scenario_pay_fail_then_retry() {
	inv=$(node_invoice 3000)
	pr=$(jq -r .payment_request <<<"$inv")
	hash=$(jq -r .hash <<<"$inv")
	node_script "$hash" fail:NO_ROUTE 1
	ln_start
	ln_send "{\"id\":\"p\",\"op\":\"pay_invoice\",\"payment_request\":\"$pr\",\"amount_sat\":3000}"
	r=$(ln_result p)
	jqt "$r" '.ok and .result.status=="FAILED" and .result.failure_reason=="FAILURE_REASON_NO_ROUTE"'
	jqt "$r" '.result|has("preimage")|not'
	ln_send "{\"id\":\"s\",\"op\":\"payment_status\",\"hash\":\"$hash\"}"
	jqt "$(ln_result s)" '.result.status=="FAILED"'
	ln_send "{\"id\":\"q\",\"op\":\"pay_invoice\",\"payment_request\":\"$pr\",\"amount_sat\":3000}"
	jqt "$(ln_result q)" '.ok and .result.status=="SUCCEEDED"'
	ln_stop
}

# a slow payment never blocks other ops; payment_status sees it in flight
scenario_pay_hang_does_not_block() {
	inv=$(node_invoice 4000)
	pr=$(jq -r .payment_request <<<"$inv")
	hash=$(jq -r .hash <<<"$inv")
	node_script "$hash" hang
	pre=$(rand_hex32)
	h2=$(sha256_hex "$pre")
	ln_start
	ln_send "{\"id\":\"p\",\"op\":\"pay_invoice\",\"payment_request\":\"$pr\",\"amount_sat\":4000}"
	jqt "$(ln_events p 1)" '.status=="IN_FLIGHT"'
	ln_send "{\"id\":\"c\",\"op\":\"create_hold_invoice\",\"amount_sat\":1000,\"preimage\":\"$pre\"}"
	ln_result c >/dev/null
	node_pay_hold "$h2"
	ln_send "{\"id\":\"s\",\"op\":\"settle_hold_invoice\",\"preimage\":\"$pre\"}"
	jqt "$(ln_result s)" '.ok'
	ln_send "{\"id\":\"t\",\"op\":\"payment_status\",\"hash\":\"$hash\"}"
	jqt "$(ln_result t)" '.ok and .result.status=="IN_FLIGHT"'
	ln_no_result p
	node_resolve "$hash" succeed
	jqt "$(ln_result p)" '.ok and .result.status=="SUCCEEDED"'
	ln_stop
}

scenario_pay_initiated() {
	inv=$(node_invoice 1500)
	pr=$(jq -r .payment_request <<<"$inv")
	hash=$(jq -r .hash <<<"$inv")
	node_script "$hash" initiated_then_succeed
	ln_start
	ln_send "{\"id\":\"p\",\"op\":\"pay_invoice\",\"payment_request\":\"$pr\",\"amount_sat\":1500}"
	jqt "$(ln_result p)" '.result.status=="SUCCEEDED"'
	[ "$(ln_events p 3 | jq -r .status | head -2 | tr '\n' ' ')" = "INITIATED IN_FLIGHT " ]
	ln_stop
}

scenario_decode_validate() {
	inv=$(node_invoice 5000)
	pr=$(jq -r .payment_request <<<"$inv")
	hash=$(jq -r .hash <<<"$inv")
	ln_start
	ln_send "{\"id\":\"d\",\"op\":\"decode_invoice\",\"invoice\":\"$pr\"}"
	jqt "$(ln_result d)" ".ok and .result.payment_hash==\"$hash\" and .result.amount_msat==5000000 and .result.network==\"regtest\""
	ln_send "{\"id\":\"v\",\"op\":\"validate_invoice\",\"invoice\":\"$pr\",\"amount_sat\":5100,\"fee_sat\":100,\"node_network\":\"regtest\"}"
	jqt "$(ln_result v)" '.ok and .result.kind=="bolt11" and .result.mode=="buyer"'
	ln_send "{\"id\":\"w\",\"op\":\"validate_invoice\",\"invoice\":\"$pr\",\"amount_sat\":5000,\"fee_sat\":100}"
	jqt "$(ln_result w)" '.ok==false and .error.kind=="invalid_invoice" and .error.reason=="wrong_amount"'
	ln_send "{\"id\":\"n\",\"op\":\"validate_invoice\",\"invoice\":\"$pr\",\"node_network\":\"mainnet\"}"
	jqt "$(ln_result n)" '.error.reason=="wrong_network"'
	# the network learnt from get_info is used when none is given
	ln_send '{"id":"g","op":"get_info"}'
	ln_result g >/dev/null
	ln_send "{\"id\":\"x\",\"op\":\"validate_invoice\",\"invoice\":\"$pr\",\"mode\":\"payout\"}"
	jqt "$(ln_result x)" '.ok and .result.mode=="payout" and .result.network=="regtest"'
	ln_send '{"id":"f","op":"decode_invoice","invoice":"lnbc1nope"}'
	jqt "$(ln_result f)" '.ok==false and .error.kind=="invalid_invoice" and (.error.reason|length>0)'
	ln_stop
	[ "$LN_RC" -eq 0 ]
}

# ---------- request validation (op layer, backend independent) ----------

@test "run: bad lines and bad params give invalid_request results, exit 123" {
	ln_use lnd
	ln_start
	ln_send 'not json'
	ln_send '[1,2]'
	ln_send '{"op":"get_info"}'
	ln_send '{"id":"u","op":"frobnicate"}'
	ln_send '{"id":"p","op":"get_info","extra":1}'
	ln_send '{"id":"h","op":"cancel_hold_invoice","hash":"abc"}'
	ln_send '{"id":"a","op":"create_hold_invoice"}'
	ln_send '{"id":"b","op":"create_hold_invoice","amount_sat":1,"amount_msat":1000}'
	ln_send '{"id":"c","op":"create_hold_invoice","amount_sat":1000,"cltv_expiry":23}'
	ln_send '{"id":"d","op":"create_hold_invoice","amount_sat":1000,"cltv_expiry":65536}'
	ln_send '{"id":"e","op":"create_hold_invoice","amount_sat":1000,"expiry_secs":31536001}'
	ln_send "{\"id\":\"f\",\"op\":\"create_hold_invoice\",\"amount_sat\":1000,\"memo\":\"$(head -c 1025 /dev/zero | tr '\0' m)\"}"
	ln_send '{"id":"g","op":"create_hold_invoice","amount_sat":"1000"}'
	ln_send '{"id":"k","op":"cancel_request"}'
	ln_send '{"id":"ok","op":"fee_cap","amount_sat":2001}'
	ln_stop
	[ "$LN_RC" -eq 123 ]
	[ "$(jq -c 'select(.ok==false and .error.kind=="invalid_request")' "$LN_OUT" | wc -l)" -eq 14 ]
	[ "$(jq -c 'select(.id==null)' "$LN_OUT" | wc -l)" -eq 3 ]
	jqt "$(ln_result u)" '.error.message|test("unknown op")'
	jqt "$(ln_result p)" '.error.message|test("unknown parameter \"extra\"")'
	jqt "$(ln_result ok)" '.ok and .result.fee_limit_sat==4'
	grep -q 'line 1:' "$LN_ERR"
}

@test "run: one rule for integers (no -0, no 1.0 or 1e3) in the id and every integer field; an amount no invoice can carry and a memo with NUL are invalid_request naming their reason" {
	ln_use sim
	ln_start
	# request ids: an integer or a string; -0 and float literals are neither
	ln_send '{"id":-0,"op":"get_info"}'
	ln_send '{"id":1.0,"op":"get_info"}'
	ln_send '{"id":7e0,"op":"get_info"}'
	ln_send '{"id":18446744073709551615,"op":"get_info"}'
	ln_send '{"id":0,"op":"get_info"}'
	ln_send '{"id":"s0","op":"create_hold_invoice","amount_sat":-0}'
	ln_send '{"id":"s1","op":"create_hold_invoice","amount_sat":1000.0}'
	ln_send '{"id":"s2","op":"create_hold_invoice","amount_sat":1e3}'
	ln_send '{"id":"s3","op":"create_hold_invoice","amount_sat":1000,"cltv_expiry":-0}'
	ln_send '{"id":"s4","op":"fee_cap","amount_sat":-0}'
	# amounts: at most what BOLT11 can write (pico-bitcoin in 64 bits)
	ln_send '{"id":"m1","op":"create_hold_invoice","amount_msat":18446744073709551615}'
	ln_send '{"id":"m2","op":"create_hold_invoice","amount_msat":1844674407370955162}'
	ln_send '{"id":"m3","op":"create_hold_invoice","amount_sat":1844674407370956}'
	ln_send '{"id":"m4","op":"create_hold_invoice","amount_msat":1844674407370955161}'
	ln_send '{"id":"n1","op":"create_hold_invoice","amount_sat":1000,"memo":"a\u0000b"}'
	ln_send '{"id":"n2","op":"create_hold_invoice","amount_sat":1000,"memo":5}'
	ln_stop
	[ "$LN_RC" -eq 123 ]
	# three ids refused (no id to answer with), the u64 one and 0 answered
	[ "$(jq -c 'select(.id==null) | .error.message' "$LN_OUT" | sort -u)" = '"\"id\" (a string or an integer) is required"' ]
	[ "$(jq -c 'select(.id==null)' "$LN_OUT" | wc -l)" -eq 3 ]
	jqt "$(ln_wait '.type=="ln_result" and .id==18446744073709551615')" '.ok'
	jqt "$(ln_wait '.type=="ln_result" and .id==0')" '.ok'
	for id in s0 s1 s2; do
		jqt "$(ln_result $id)" '.error == {"kind":"invalid_request","message":"\"amount_sat\" must be an integer in 1..1844674407370955"}'
	done
	jqt "$(ln_result s3)" '.error.message == "\"cltv_expiry\" must be an integer in 24..65535"'
	jqt "$(ln_result s4)" '.error.kind == "invalid_request"'
	for id in m1 m2; do
		jqt "$(ln_result $id)" '.error == {"kind":"invalid_request","message":"\"amount_msat\" must be an integer in 1..1844674407370955161"}'
	done
	jqt "$(ln_result m3)" '.error.kind == "invalid_request"'
	jqt "$(ln_result m4)" '.ok and (.result.payment_request|startswith("lnbcrt18446744073709551610p"))'
	jqt "$(ln_result n1)" '.error == {"kind":"invalid_request","message":"\"memo\" must not contain U+0000 (NUL)"}'
	jqt "$(ln_result n2)" '.error == {"kind":"invalid_request","message":"\"memo\" must be a string"}'
}

@test "run: a running id cannot be reused; a unary op cannot be cancelled; drain is bounded" {
	ln_use lnd
	ctl POST /hang '{"path":"/v1/getinfo","times":1}' >/dev/null
	ln_start --drain-timeout 300
	h=$(rand_hex32)
	ln_send "{\"id\":\"w\",\"op\":\"watch_invoice\",\"hash\":\"$h\"}"
	ln_send "{\"id\":\"w\",\"op\":\"watch_invoice\",\"hash\":\"$h\"}"
	ln_send '{"id":7,"op":"fee_cap","amount_sat":1000}'
	ln_send '{"id":"g","op":"get_info"}'
	ln_send '{"id":"k","op":"cancel_request","target":"g"}'
	r=$(ln_wait '.id=="w" and .ok==false')
	jqt "$r" '.error.message|test("already in use")'
	jqt "$(ln_wait '.id==7')" '.ok and .result.fee_limit_sat==10'
	jqt "$(ln_result k)" '.ok==false and .error.kind=="invalid_request"'
	ln_stop
	[ "$LN_RC" -eq 123 ]
	jqt "$(ln_wait '.id=="w" and .ok')" '.result.end=="shutdown"'
	# the hung get_info was given up after the drain timeout: state unknown
	jqt "$(ln_result g)" '.ok==false and .error.kind=="timeout"'
}

@test "run: --help, usage errors, configuration errors" {
	run mostro-ln run --help
	[ "$status" -eq 0 ]
	[[ $output == *"--backend"* ]]
	run mostro-ln run stray-argument
	[ "$status" -eq 2 ]
	# no backend given: the simulated node, at $MOSTRO_LN_SIM_DB
	ln_use sim
	run mostro-ln run </dev/null
	[ "$status" -eq 0 ]
	[ -f "$MOSTRO_LN_SIM_DB" ]
	run mostro-ln run --backend nope
	[ "$status" -eq 2 ]
	run mostro-ln run --backend lnd --lnd-macaroon /nonexistent
	[ "$status" -eq 5 ]
	run mostro-ln run --backend lnd --lnd-macaroon "$(lnd_dir)/admin.macaroon" --lnd-url ftp://x
	[ "$status" -eq 5 ]
	run mostro-ln run --backend lnd --lnd-macaroon "$(lnd_dir)/admin.macaroon" --lnd-cert /nonexistent
	[ "$status" -eq 5 ]
	run mostro-ln run --backend lnd --max-routing-fee 2
	[ "$status" -eq 2 ]
	run mostro-ln frobnicate
	[ "$status" -eq 2 ]
	run mostro-ln --help
	[ "$status" -eq 0 ]
}

# ---------- the behaviour suite, per backend ----------

@test "lnd: get_info" { ln_use lnd; scenario_get_info; }
@test "lnd: hold invoice settle path" { ln_use lnd; scenario_hold_settle; }
@test "lnd: hold invoice cancel path" { ln_use lnd; scenario_hold_cancel; }
@test "lnd: unknown hashes" { ln_use lnd; scenario_unknown_hash; }
@test "lnd: duplicate hold invoice hash" { ln_use lnd; scenario_duplicate_hold; }
@test "lnd: watch before create, cancel_request" { ln_use lnd; scenario_watch_before_create; }
@test "lnd: accepted hold invoice expires by height" { ln_use lnd; scenario_expiry_by_blocks; }
@test "lnd: EOF drains running ops" { ln_use lnd; scenario_eof_drain; }
@test "lnd: overlapping requests" { ln_use lnd; scenario_overlap; }
@test "lnd: pay an invoice; status; duplicate guard" { ln_use lnd; scenario_pay_success; }
@test "lnd: pay refusals (wrong amount, bad invoice, expired)" { ln_use lnd; scenario_pay_refusals; }
@test "lnd: pay an amountless invoice" { ln_use lnd; scenario_pay_amountless; }
@test "lnd: a failed payment, then a retry" { ln_use lnd; scenario_pay_fail_then_retry; }
@test "lnd: a hanging payment does not block settle" { ln_use lnd; scenario_pay_hang_does_not_block; }
@test "lnd: INITIATED before IN_FLIGHT" { ln_use lnd; scenario_pay_initiated; }
@test "lnd: decode_invoice and validate_invoice" { ln_use lnd; scenario_decode_validate; }

@test "sim: get_info" { ln_use sim; scenario_get_info; }
@test "sim: hold invoice settle path" { ln_use sim; scenario_hold_settle; }
@test "sim: hold invoice cancel path" { ln_use sim; scenario_hold_cancel; }
@test "sim: unknown hashes" { ln_use sim; scenario_unknown_hash; }
@test "sim: duplicate hold invoice hash" { ln_use sim; scenario_duplicate_hold; }
@test "sim: watch before create, cancel_request" { ln_use sim; scenario_watch_before_create; }
@test "sim: accepted hold invoice expires by height" { ln_use sim; scenario_expiry_by_blocks; }
@test "sim: EOF drains running ops" { ln_use sim; scenario_eof_drain; }
@test "sim: overlapping requests" { ln_use sim; scenario_overlap; }
@test "sim: pay an invoice; status; duplicate guard" { ln_use sim; scenario_pay_success; }
@test "sim: pay refusals (wrong amount, bad invoice, expired)" { ln_use sim; scenario_pay_refusals; }
@test "sim: pay an amountless invoice" { ln_use sim; scenario_pay_amountless; }
@test "sim: a failed payment, then a retry" { ln_use sim; scenario_pay_fail_then_retry; }
@test "sim: a hanging payment does not block settle" { ln_use sim; scenario_pay_hang_does_not_block; }
@test "sim: INITIATED before IN_FLIGHT" { ln_use sim; scenario_pay_initiated; }
@test "sim: decode_invoice and validate_invoice" { ln_use sim; scenario_decode_validate; }

@test "run: every option and op is in the man page and the completions" {
	opts=$(mostro-ln run --help | grep -oE -- '--[a-z][a-z-]+' | sort -u)
	[ -n "$opts" ]
	for o in $opts; do
		grep -qF -- "$(printf '%s' "$o" | sed 's/-/\\-/g')" "$MOSTRO_TOP/man/mostro-ln.1" || { echo "man: $o"; false; }
		for f in bash/mostro-ln zsh/_mostro-ln fish/mostro-ln.fish; do
			grep -qE -- "(^|[^a-z-])(${o}|-l ${o#--})([^a-z-]|$)" "$MOSTRO_TOP/completions/$f" || { echo "$f: $o"; false; }
		done
	done
	for op in $(mostro-ln run --help | sed -n 's/^ops: //p' | tr -d ','); do
		grep -q "^\.B $op\$" "$MOSTRO_TOP/man/mostro-ln.1" || { echo "man op: $op"; false; }
	done
}

@test "run: a consumer that stops reading never stops run from reading (no pipe deadlock)" {
	ln_use sim
	d=$LN_DIR
	pad=$(head -c 2000 /dev/zero | tr '\0' x)
	# 500 requests of 2 KB (1 MB in) whose results (1.2 MB) go into a pipe
	# nobody reads until all input is written: a run that blocked on stdout
	# would stop reading stdin and both sides would wait forever
	run timeout 30 bash -c "
		{ for i in \$(seq 500); do echo \"{\\\"id\\\":\\\"$pad\$i\\\",\\\"op\\\":\\\"get_info\\\"}\"; done; touch '$d/written'; } |
		mostro-ln run --sim-db '$MOSTRO_LN_SIM_DB' |
		{ while [ ! -f '$d/written' ]; do sleep 0.05; done; cat > '$d/out'; }"
	[ "$status" -eq 0 ]
	[ "$(jq -c 'select(.type=="ln_result" and .ok)' "$d/out" | wc -l)" -eq 500 ]
}

@test "run: SIGTERM ends watches at once and gives running payments the drain bound" {
	ln_use sim
	inv=$(node_invoice 1000)
	node_script "$(jq -r .hash <<<"$inv")" hang
	ln_start --drain-timeout 300
	ln_send "{\"id\":\"w\",\"op\":\"watch_invoice\",\"hash\":\"$(rand_hex32)\"}"
	ln_send "{\"id\":\"p\",\"op\":\"pay_invoice\",\"payment_request\":\"$(jq -r .payment_request <<<"$inv")\",\"amount_sat\":1000}"
	ln_events p 1 >/dev/null
	kill -TERM "$LN_PID"
	rc=0
	wait "$LN_PID" || rc=$?
	LN_PID=
	[ "$rc" -eq 0 ]
	jqt "$(ln_result w)" '.ok and .result.end=="shutdown"'
	jqt "$(ln_result p)" '.ok==false and .error.kind=="timeout" and (.error.message|test("state unknown"))'
}

@test "run: an LNURL request still fetching never holds up the exit (drain timeout, second signal)" {
	node "$MOSTRO_TOP/tests/lnurl-fixture.mjs" >"$BATS_TEST_TMPDIR/fixture.out" 2>&1 3>&- &
	fpid=$!
	FIXTURE_PID=$fpid
	for _ in $(seq 200); do [ -s "$BATS_TEST_TMPDIR/fixture.out" ] && break; sleep 0.05; done
	H=127.0.0.1:$(jq -r .port "$BATS_TEST_TMPDIR/fixture.out")
	export MOSTRO_LNURL_ALLOW_PRIVATE=1
	ln_use sim
	# end of input: the drain timeout (200 ms) bounds the exit, not the 4 s GET
	ln_start --drain-timeout 200
	ln_send "{\"id\":\"h\",\"op\":\"probe_lnurl\",\"address\":\"hang@$H\"}"
	ln_send '{"id":"g","op":"get_info"}'
	ln_result g >/dev/null
	t0=$(date +%s%N)
	ln_stop
	ms=$((($(date +%s%N) - t0) / 1000000))
	[ "$LN_RC" -eq 0 ]
	jqt "$(ln_result h)" '.ok==false and .error.kind=="timeout" and (.error.message|test("state unknown"))'
	echo "exit after end of input: $ms ms" >&3
	[ "$ms" -lt 2500 ]
	# a second signal stops at once, even with the GET under way
	ln_start
	ln_send "{\"id\":\"h2\",\"op\":\"resolve_lnurl\",\"address\":\"hang@$H\",\"amount_sat\":1000}"
	ln_send '{"id":"g2","op":"get_info"}'
	ln_result g2 >/dev/null
	t0=$(date +%s%N)
	kill -TERM "$LN_PID"
	sleep 0.1
	kill -TERM "$LN_PID"
	rc=0
	wait "$LN_PID" || rc=$?
	LN_PID=
	ms=$((($(date +%s%N) - t0) / 1000000))
	kill "$fpid" 2>/dev/null || true
	[ "$rc" -eq 0 ]
	jqt "$(ln_result h2)" '.ok==false and .error.kind=="timeout"'
	echo "exit after two signals: $ms ms" >&3
	[ "$ms" -lt 2500 ]
}

@test "run: resolve_lnurl / probe_lnurl / validate_invoice with an address, in threads that block nothing" {
	node "$MOSTRO_TOP/tests/lnurl-fixture.mjs" >"$BATS_TEST_TMPDIR/fixture.out" 2>&1 3>&- &
	fpid=$!
	FIXTURE_PID=$fpid
	for _ in $(seq 200); do [ -s "$BATS_TEST_TMPDIR/fixture.out" ] && break; sleep 0.05; done
	H=127.0.0.1:$(jq -r .port "$BATS_TEST_TMPDIR/fixture.out")
	export MOSTRO_LNURL_ALLOW_PRIVATE=1
	ln_use sim
	ln_start
	ln_send "{\"id\":\"slow\",\"op\":\"probe_lnurl\",\"address\":\"slow@$H\"}"
	ln_send '{"id":"g","op":"get_info"}'
	ln_send "{\"id\":\"r\",\"op\":\"resolve_lnurl\",\"address\":\"ok@$H\",\"amount_sat\":1500,\"comment\":\"order 42\"}"
	ln_send "{\"id\":\"p\",\"op\":\"probe_lnurl\",\"address\":\"ok@$H\"}"
	ln_send "{\"id\":\"v\",\"op\":\"validate_invoice\",\"invoice\":\"ok@$H\"}"
	ln_send "{\"id\":\"e\",\"op\":\"resolve_lnurl\",\"address\":\"error@$H\",\"amount_sat\":1500}"
	ln_send "{\"id\":\"o\",\"op\":\"resolve_lnurl\",\"address\":\"ok@$H\",\"amount_sat\":100000001}"
	r=$(ln_result r)
	jqt "$r" '.ok and .result.amount_msat==1500000 and .result.comment_sent==true and (.result.payment_request|startswith("ln"))'
	jqt "$r" '.result.callback_url|test("id=abc&amount=1500000&comment=order")'
	jqt "$(ln_result p)" '.ok and .result.kind=="lnurl" and .result.min_sendable_msat==1000 and .result.comment_allowed==32'
	jqt "$(ln_result v)" '.ok and .result.kind=="lnurl"'
	jqt "$(ln_result e)" '.ok==false and .error.kind=="lnurl" and .error.reason=="server_error"'
	jqt "$(ln_result o)" '.ok==false and .error.kind=="lnurl" and .error.reason=="amount_out_of_range"'
	jqt "$(ln_result g)" '.ok'
	# the 3 s pay document has not answered yet: nothing waited for it
	ln_no_result slow
	jqt "$(ln_result slow)" '.ok and .result.kind=="lnurl"'     # 3 s, inside the 4 s bound
	ln_stop
	kill "$fpid" 2>/dev/null || true
	[ "$LN_RC" -eq 0 ]
}
