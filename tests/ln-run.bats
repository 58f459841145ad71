#!/usr/bin/env bats
# mostro-ln run — the behaviour suite. Every scenario_* below is written once
# against the backend-neutral helpers of ln_helpers.bash and runs for each
# backend (the "lnd:" tests talk to the LND REST double over HTTPS).

load ln_helpers

setup_file() { lnd_double_start; }
teardown_file() { lnd_double_stop; }
teardown() { ln_kill; }

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
	ln_events w 3 | tail -1 | jq -e '.state=="SETTLED"'
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
	! jq -e 'select(.id=="w")' "$LN_OUT"
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
	run mostro-ln run
	[ "$status" -eq 2 ]
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
