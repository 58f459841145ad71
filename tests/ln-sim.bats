#!/usr/bin/env bats
# mostro-ln sim — the simulated node's control commands: every command, its
# records, balances moving the way money would, failure injection, the
# clock and the chain, exit codes, and several processes sharing the file.

load ln_helpers

setup() {
	ln_use sim
	S="mostro-ln sim --sim-db $MOSTRO_LN_SIM_DB"
}
teardown() { ln_kill; }

# a hold invoice of the node, made through `run`; prints {hash,preimage,payment_request}
hold_invoice() {
	local pre
	pre=$(rand_hex32)
	printf '{"id":"c","op":"create_hold_invoice","amount_sat":%s,"preimage":"%s"}\n' "$1" "$pre" |
		mostro-ln run --sim-db "$MOSTRO_LN_SIM_DB" | jq -c '.result | {hash,preimage,payment_request}'
}

one_op() { printf '%s\n' "$1" | mostro-ln run --sim-db "$MOSTRO_LN_SIM_DB"; }

@test "sim: --help, usage and bad input exit codes" {
	run mostro-ln sim --help
	[ "$status" -eq 0 ]
	[[ $output == *"pay-hold"* && $output == *"SIMULATED"* ]]
	run mostro-ln sim
	[ "$status" -eq 2 ]
	run $S frobnicate
	[ "$status" -eq 2 ]
	run $S pay-hold nothex
	[ "$status" -eq 4 ]
	run $S pay-hold "$(rand_hex32)"
	[ "$status" -eq 1 ]
	[[ $output == *"no hold invoice"* ]]
	run $S script --outcome explode
	[ "$status" -eq 4 ]
	run $S resolve "$(rand_hex32)" --outcome succeed
	[ "$status" -eq 1 ]
	run $S init --network moonnet
	[ "$status" -eq 4 ]
	run $S wallet 'bad name!'
	[ "$status" -eq 4 ]
	run mostro-ln sim --sim-db /nonexistent/dir/x.db state
	[ "$status" -eq 5 ]
}

@test "sim: the database and its -wal/-shm files are 0600 whatever the umask (node key, wallet keys, preimages); a dangling symlink is refused (5)" {
	umask 022
	ln_start
	ln_send '{"id":"i","op":"get_info"}'
	ln_result i >/dev/null
	# run holds the database open: its WAL files exist
	for f in "$MOSTRO_LN_SIM_DB" "$MOSTRO_LN_SIM_DB-wal" "$MOSTRO_LN_SIM_DB-shm"; do
		[ -f "$f" ]
		[ "$(stat -c %a "$f")" = 600 ]
	done
	ln_stop
	umask 000
	run mostro-ln sim --sim-db "$BATS_TEST_TMPDIR/other.db" state
	[ "$status" -eq 0 ]
	[ "$(stat -c %a "$BATS_TEST_TMPDIR/other.db")" = 600 ]
	ln -s "$BATS_TEST_TMPDIR/nowhere.db" "$BATS_TEST_TMPDIR/planted.db"
	run mostro-ln sim --sim-db "$BATS_TEST_TMPDIR/planted.db" state
	[ "$status" -eq 5 ]
	[[ $output == *"planted.db: not a regular file nor a symlink to one"* ]]
	[ ! -e "$BATS_TEST_TMPDIR/nowhere.db" ]
}

@test "sim: init, state and get_info say SIMULATED; the node key is fixed" {
	run $S init --network regtest --height 500 --alias demo
	[ "$status" -eq 0 ]
	jqt "$output" '.type=="sim_node" and .simulated==true and .backend=="sim" and .block_height==500 and .alias=="demo"'
	jqt "$output" '.version|test("SIMULATED")'
	jqt "$output" '.identity_pubkey=="039e1382c60a628639c50f2a90df8a80084fe0d41a71519e373e86c8ebedc10d27"'
	run $S state
	jqt "$output" '.type=="sim_state" and .simulated and .height==500 and .network=="regtest" and .balance_msat==1000000000000'
	run $S init --network testnet
	r=$(one_op '{"id":"i","op":"get_info"}')
	jqt "$r" '.result.network=="testnet" and .result.simulated'
}

@test "sim: hold invoices are real BOLT11 signed by the node key" {
	h=$(hold_invoice 5000)
	pr=$(jq -r .payment_request <<<"$h")
	run mostro-ln decode "$pr"
	[ "$status" -eq 0 ]
	jqt "$output" '.network=="regtest" and .amount_msat==5000000 and .expiry==86400 and .min_final_cltv_expiry==144'
	jqt "$output" '.features==[9,14,17] and (.payment_secret|length==64) and .description==""'
	jqt "$output" ".payee_pubkey==\"039e1382c60a628639c50f2a90df8a80084fe0d41a71519e373e86c8ebedc10d27\" and .payment_hash==\"$(jq -r .hash <<<"$h")\""
}

@test "sim: the seller's money is held, then released to the node or refunded" {
	$S wallet seller --balance 100000 >/dev/null
	h=$(hold_invoice 5000)
	hash=$(jq -r .hash <<<"$h")
	run $S pay-hold "$hash"
	[ "$status" -eq 0 ]
	jqt "$output" '.type=="sim_paid" and .state=="ACCEPTED" and .wallet=="seller" and .amt_msat==5000000 and .expiry_height==1147'
	jqt "$($S state)" '.wallets[] | select(.name=="seller") | .balance_msat==95000000'
	# paying twice is refused
	run $S pay-hold "$hash"
	[ "$status" -eq 4 ]
	# settle: the node gets it
	jqt "$(one_op "{\"id\":\"s\",\"op\":\"settle_hold_invoice\",\"preimage\":\"$(jq -r .preimage <<<"$h")\"}")" .ok
	jqt "$($S state)" '.balance_msat==1000005000000'
	# another one, canceled: the seller gets it back
	h2=$(hold_invoice 7000)
	$S pay-hold "$(jq -r .hash <<<"$h2")" >/dev/null
	jqt "$($S state)" '.wallets[] | select(.name=="seller") | .balance_msat==88000000'
	jqt "$(one_op "{\"id\":\"x\",\"op\":\"cancel_hold_invoice\",\"hash\":\"$(jq -r .hash <<<"$h2")\"}")" .ok
	jqt "$($S state)" '.wallets[] | select(.name=="seller") | .balance_msat==95000000'
	# a wallet that cannot afford it
	$S wallet poor --balance 1 >/dev/null
	h3=$(hold_invoice 5000)
	run $S pay-hold "$(jq -r .hash <<<"$h3")" --wallet poor
	[ "$status" -eq 4 ]
	[[ $output == *"cannot pay"* ]]
}

@test "sim: pay INVOICE pays a hold invoice or another wallet's invoice" {
	h=$(hold_invoice 2000)
	run $S pay "$(jq -r .payment_request <<<"$h")" --wallet alice
	[ "$status" -eq 0 ]
	jqt "$output" '.state=="ACCEPTED" and .wallet=="alice"'
	inv=$($S invoice --amount 300 --wallet bob --memo coffee)
	jqt "$inv" '.type=="sim_invoice" and .wallet=="bob" and (.payee_pubkey|length==66)'
	run $S pay "$(jq -r .payment_request <<<"$inv")" --wallet alice
	[ "$status" -eq 0 ]
	jqt "$output" ".state==\"SETTLED\" and .preimage==\"$(jq -r .preimage <<<"$inv")\""
	jqt "$($S state)" '[.wallets[] | {(.name): .balance_msat}] | add | .alice==(100000000000-2000000-300000) and .bob==(100000000000+300000)'
	# an amountless invoice needs --amount
	any=$($S invoice --wallet bob)
	run $S pay "$(jq -r .payment_request <<<"$any")" --wallet alice
	[ "$status" -eq 4 ]
	[[ $output == *"amount must be specified"* ]]
	run $S pay "$(jq -r .payment_request <<<"$any")" --wallet alice --amount 10
	[ "$status" -eq 0 ]
	# not an invoice of this network of wallets
	run $S pay lnbc1nope
	[ "$status" -eq 4 ]
}

@test "sim: the node pays a wallet: balances move, fee 0, preimage returned" {
	inv=$($S invoice --amount 1500 --wallet carol)
	r=$(one_op "{\"id\":\"p\",\"op\":\"pay_invoice\",\"payment_request\":\"$(jq -r .payment_request <<<"$inv")\",\"amount_sat\":1500}")
	jqt "$r" ".ok and .result.status==\"SUCCEEDED\" and .result.fee_msat==0 and .result.preimage==\"$(jq -r .preimage <<<"$inv")\""
	st=$($S state)
	jqt "$st" '.balance_msat==(1000000000000-1500000)'
	jqt "$st" '.wallets[] | select(.name=="carol") | .balance_msat==(100000000000+1500000)'
	jqt "$st" ".invoices[] | select(.hash==\"$(jq -r .hash <<<"$inv")\") | .state==\"SETTLED\""
}

@test "sim: an unknown payee gets NO_ROUTE; another network is refused like LND" {
	# a real invoice from the node of another sim database
	other="$BATS_TEST_TMPDIR/other.db"
	mostro-ln sim --sim-db "$other" init --alias elsewhere >/dev/null
	foreign=$(mostro-ln sim --sim-db "$other" invoice --amount 100 --wallet zed)
	r=$(one_op "{\"id\":\"p\",\"op\":\"pay_invoice\",\"payment_request\":\"$(jq -r .payment_request <<<"$foreign")\",\"amount_sat\":100}")
	jqt "$r" '.ok and .result.status=="FAILED" and .result.failure_reason=="FAILURE_REASON_NO_ROUTE"'
	mostro-ln sim --sim-db "$other" init --network testnet >/dev/null
	tb=$(mostro-ln sim --sim-db "$other" invoice --amount 100)
	r=$(one_op "{\"id\":\"q\",\"op\":\"pay_invoice\",\"payment_request\":\"$(jq -r .payment_request <<<"$tb")\",\"amount_sat\":100}")
	jqt "$r" ".ok==false and .error.kind==\"invalid_invoice\" and .error.message==\"invoice not for current active network 'regtest'\""
	# its own hold invoice: no self-payment
	h=$(hold_invoice 1000)
	r=$(one_op "{\"id\":\"s\",\"op\":\"pay_invoice\",\"payment_request\":\"$(jq -r .payment_request <<<"$h")\",\"amount_sat\":1000}")
	jqt "$r" '.ok==false and .error.kind=="invalid_invoice" and (.error.message|test("self-payments"))'
}

@test "sim: failure injection: fail N times, route timeout, node error, insufficient balance" {
	inv=$($S invoice --amount 1000)
	pr=$(jq -r .payment_request <<<"$inv")
	hash=$(jq -r .hash <<<"$inv")
	run $S script --match "$hash" --outcome fail:TIMEOUT --times 2 --delay 30
	[ "$status" -eq 0 ]
	jqt "$output" '.type=="sim_script" and .times==2 and .delay_ms==30'
	pay() { one_op "{\"id\":\"p\",\"op\":\"pay_invoice\",\"payment_request\":\"$pr\",\"amount_sat\":1000}"; }
	jqt "$(pay)" '.result.status=="FAILED" and .result.failure_reason=="FAILURE_REASON_TIMEOUT"'
	jqt "$(pay)" '.result.status=="FAILED"'
	jqt "$(pay)" '.result.status=="SUCCEEDED"'
	jqt "$($S state)" '.scripts==[]'
	# the node refuses with an LND error before any update
	inv2=$($S invoice --amount 1000)
	$S script --match default --outcome 'error:2:insufficient local balance' --times 1 >/dev/null
	r=$(one_op "{\"id\":\"p\",\"op\":\"pay_invoice\",\"payment_request\":\"$(jq -r .payment_request <<<"$inv2")\",\"amount_sat\":1000}")
	jqt "$r" '.ok==false and .error.kind=="lnd" and .error.message=="insufficient local balance"'
	# a node without the money
	$S script --match default --outcome succeed >/dev/null
	big=$($S invoice --amount 20000000000)
	r=$(one_op "{\"id\":\"p\",\"op\":\"pay_invoice\",\"payment_request\":\"$(jq -r .payment_request <<<"$big")\",\"amount_sat\":20000000000}")
	jqt "$r" '.result.status=="FAILED" and .result.failure_reason=="FAILURE_REASON_INSUFFICIENT_BALANCE"'
}

@test "sim: a hanging payment is resolved from another process" {
	inv=$($S invoice --amount 800)
	hash=$(jq -r .hash <<<"$inv")
	$S script --match "$hash" --outcome hang >/dev/null
	ln_start
	ln_send "{\"id\":\"p\",\"op\":\"pay_invoice\",\"payment_request\":\"$(jq -r .payment_request <<<"$inv")\",\"amount_sat\":800}"
	jqt "$(ln_events p 1)" '.status=="IN_FLIGHT"'
	jqt "$($S state)" ".payments[] | select(.hash==\"$hash\") | .status==\"IN_FLIGHT\" and .due_ms==null"
	run $S resolve "$hash" --outcome fail:NO_ROUTE
	[ "$status" -eq 0 ]
	jqt "$output" '.type=="sim_payment" and .status=="FAILED"'
	jqt "$(ln_result p)" '.result.failure_reason=="FAILURE_REASON_NO_ROUTE"'
	ln_stop
}

@test "sim: mine cancels held invoices 12 blocks before the HTLC expires, refunding" {
	$S wallet seller --balance 10000 >/dev/null
	pre=$(rand_hex32)
	printf '{"id":"c","op":"create_hold_invoice","amount_sat":1000,"cltv_expiry":30,"preimage":"%s"}\n' "$pre" |
		mostro-ln run --sim-db "$MOSTRO_LN_SIM_DB" >/dev/null
	hash=$(sha256_hex "$pre")
	$S pay-hold "$hash" >/dev/null                     # expiry_height 1000+30+3 = 1033
	r=$(one_op "{\"id\":\"l\",\"op\":\"lookup_invoice\",\"hash\":\"$hash\"}")
	jqt "$r" '.result.accepted_expiry_height==1033 and .result.htlcs[0].accept_height==1000'
	run $S mine 20
	jqt "$output" '.type=="sim_mined" and .height==1020 and .canceled==[]'
	run $S mine
	jqt "$output" ".height==1021 and .canceled==[\"$hash\"]"
	jqt "$($S state)" '.wallets[] | select(.name=="seller") | .balance_msat==10000000'
}

@test "sim: the clock: an OPEN invoice expires; fixed and advanced time" {
	run $S clock --fixed 1800000000
	jqt "$output" '.now==1800000000 and .fixed==true'
	r=$(one_op '{"id":"c","op":"create_hold_invoice","amount_sat":1000,"expiry_secs":600}')
	hash=$(jq -r .result.hash <<<"$r")
	run mostro-ln decode "$(jq -r .result.payment_request <<<"$r")"
	jqt "$output" '.timestamp==1800000000 and .expiry==600'
	$S clock --advance 601 >/dev/null
	r=$(one_op "{\"id\":\"l\",\"op\":\"lookup_invoice\",\"hash\":\"$hash\"}")
	jqt "$r" '.result.state=="CANCELED"'
	run $S clock --wall
	jqt "$output" '.fixed==false'
	# a wallet invoice dated in the past is expired for the node's payments
	old=$($S invoice --amount 100 --expiry 60 --timestamp 1700000000)
	r=$(one_op "{\"id\":\"p\",\"op\":\"pay_invoice\",\"payment_request\":\"$(jq -r .payment_request <<<"$old")\",\"amount_sat\":100}")
	jqt "$r" '.error.kind=="invalid_invoice" and (.error.message|startswith("invoice expired. Valid until 2023-11-14"))'
}

@test "sim: a watch in run sees another process's payment within the poll interval" {
	h=$(hold_invoice 3000)
	hash=$(jq -r .hash <<<"$h")
	ln_start --sim-poll-ms 20
	ln_send "{\"id\":\"w\",\"op\":\"watch_invoice\",\"hash\":\"$hash\"}"
	ln_events w 1 >/dev/null
	t0=$(date +%s%N)
	$S pay-hold "$hash" >/dev/null
	ln_events w 2 >/dev/null
	t1=$(date +%s%N)
	echo "# latency: $(( (t1 - t0) / 1000000 )) ms" >&3
	[ $(( (t1 - t0) / 1000000 )) -lt 2000 ]
	ln_stop
}

@test "sim: a watch gets every state even when several happen between two polls" {
	pre=$(rand_hex32)
	hash=$(sha256_hex "$pre")
	ln_start --sim-poll-ms 1500
	# opened before the invoice exists: created, paid and settled within a poll
	ln_send "{\"id\":\"w\",\"op\":\"watch_invoice\",\"hash\":\"$hash\"}"
	ln_send "{\"id\":\"c\",\"op\":\"create_hold_invoice\",\"amount_sat\":2000,\"preimage\":\"$pre\"}"
	ln_result c >/dev/null
	$S pay-hold "$hash" >/dev/null
	ln_send "{\"id\":\"s\",\"op\":\"settle_hold_invoice\",\"preimage\":\"$pre\"}"
	ln_result s >/dev/null
	jqt "$(ln_result w)" '.result.state=="SETTLED"'
	[ "$(ln_events w 3 | jq -r .state | tr '\n' ' ')" = "OPEN ACCEPTED SETTLED " ]
	jqt "$(ln_events w 3 | sed -n 2p)" '.amt_paid_msat==2000000'
	# after OPEN: paid, then canceled by the chain, within a poll
	h=$(hold_invoice 1000)
	h2=$(jq -r .hash <<<"$h")
	ln_send "{\"id\":\"v\",\"op\":\"watch_invoice\",\"hash\":\"$h2\"}"
	jqt "$(ln_events v 1)" '.state=="OPEN"'
	$S pay-hold "$h2" >/dev/null
	$S mine 200 >/dev/null
	jqt "$(ln_result v)" '.result.state=="CANCELED"'
	[ "$(ln_events v 3 | jq -r .state | tr '\n' ' ')" = "OPEN ACCEPTED CANCELED " ]
	# a watch opened after all that gets the current state only, as from LND
	ln_send "{\"id\":\"z\",\"op\":\"watch_invoice\",\"hash\":\"$hash\"}"
	jqt "$(ln_result z)" '.result.state=="SETTLED"'
	[ "$(ln_events z 1 | jq -r .state | tr '\n' ' ')" = "SETTLED " ]
	ln_stop
}

@test "sim: many processes share the database (WAL, transactions, busy timeout)" {
	$S init >/dev/null
	ln_start
	pids=()
	for i in $(seq 8); do
		( for j in $(seq 5); do
			inv=$($S invoice --amount $((100 + i)) --wallet "w$i") || exit 1
			$S pay "$(jq -r .payment_request <<<"$inv")" --wallet "p$i" >/dev/null || exit 1
		  done ) 3>&- &
		pids+=($!)
	done
	for i in $(seq 20); do
		ln_send "{\"id\":\"c$i\",\"op\":\"create_hold_invoice\",\"amount_sat\":$((1000 + i))}"
	done
	for p in "${pids[@]}"; do wait "$p"; done
	ln_stop
	[ "$LN_RC" -eq 0 ]
	[ "$(jq -c 'select(.type=="ln_result" and .ok)' "$LN_OUT" | wc -l)" -eq 20 ]
	st=$($S state)
	[ "$(jq '[.invoices[] | select(.owner!="node" and .state=="SETTLED")] | length' <<<"$st")" -eq 40 ]
	[ "$(jq '[.invoices[] | select(.owner=="node")] | length' <<<"$st")" -eq 20 ]
	# money is conserved among wallets
	jqt "$st" '([.wallets[].balance_msat] | add) == (16 * 100000000000)'
}

@test "sim: every command and option is in the man page and the completions" {
	opts=$(mostro-ln sim --help | grep -oE -- '--[a-z][a-z-]+' | sort -u)
	for o in $opts; do
		grep -qF -- "$(printf '%s' "$o" | sed 's/-/\\-/g')" "$MOSTRO_TOP/man/mostro-ln.1" || { echo "man: $o"; false; }
		for f in bash/mostro-ln zsh/_mostro-ln fish/mostro-ln.fish; do
			grep -qE -- "(^|[^a-z-])(${o}|-l ${o#--})([^a-z-]|$)" "$MOSTRO_TOP/completions/$f" || { echo "$f: $o"; false; }
		done
	done
	for c in init state pay-hold pay invoice mine clock script resolve wallet; do
		mostro-ln sim --help | grep -qE "^  $c( |$)" || { echo "help: $c"; false; }
		grep -qE "(^|[^a-z-])$c([^a-z-]|$)" "$MOSTRO_TOP/completions/bash/mostro-ln" || { echo "bash: $c"; false; }
		grep -q "'$c:" "$MOSTRO_TOP/completions/zsh/_mostro-ln" || { echo "zsh: $c"; false; }
		grep -qE "simcmds .*$c" "$MOSTRO_TOP/completions/fish/mostro-ln.fish" || { echo "fish: $c"; false; }
	done
}
