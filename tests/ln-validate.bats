#!/usr/bin/env bats
# mostro-ln validate: Mostro's payout invoice rules through the CLI, every
# flag and error path. Invoices: mostrod's fixtures (mostro-invoices.jsonl)
# and two signed with sha256("mostro-ln sim node") (timestamp 1750000000,
# x=86400, c=144, regtest): 1000500 msat and 100000000 msat.
# Lightning Addresses are probed against tests/lnurl-fixture.mjs.

bats_require_minimum_version 1.5.0

V=${MOSTRO_VECTORS:-tests/vectors}
SUBSAT=lnbcrt10005n1p5yacvqsp5yg3zyg3zyg3zyg3zyg3zyg3zyg3zyg3zyg3zyg3zyg3zyg3zyg3qpp5ehxumnwdehxumnwdehxumnwdehxumnwdehxumnwdehxumnwdehxsdq8vfshgucxqyz5vqcqzys9qyyssqdryecalugacnl43frwadnjfeq8szwea6l5y5xrkvxq59j5shpxhnfcswk4wkgxxw74amk297hhq4e6lz46jey9u8gtwmzk3vhmv60cgpg7emgs
SAT100K=lnbcrt1m1p5yacvqsp5yg3zyg3zyg3zyg3zyg3zyg3zyg3zyg3zyg3zyg3zyg3zyg3zyg3qpp5ehxumnwdehxumnwdehxumnwdehxumnwdehxumnwdehxumnwdehxsdq8vfshgucxqyz5vqcqzys9qyyssqmmfcvl560qs8l24avw2lyxtdvls9wuxkla6ggqvmklc2kuuhks5ssmzadanuqrsxm3slrsuhzw2y69ujwuexac8jr7sagg0fknxkekgp9rcjrz
TS=1750000000

fixture() { jq -r "select(.name==\"$1\") .invoice" "$V/mostro-invoices.jsonl"; }

setup_file() {
	node "$BATS_TEST_DIRNAME/lnurl-fixture.mjs" >"$BATS_FILE_TMPDIR/fixture.out" 2>&1 3>&- &
	echo $! >"$BATS_FILE_TMPDIR/fixture.pid"
	for _ in $(seq 200); do [ -s "$BATS_FILE_TMPDIR/fixture.out" ] && break; sleep 0.05; done
	PORT=$(jq -r .port "$BATS_FILE_TMPDIR/fixture.out")
	export PORT
}

teardown_file() {
	kill "$(cat "$BATS_FILE_TMPDIR/fixture.pid")" 2>/dev/null || true
}

setup() {
	T=$BATS_TEST_TMPDIR
	unset MOSTRO_LNURL_ALLOW_PRIVATE
	I500U=$(fixture INVOICE_500U)      # regtest 50000 sat, ts 1676753314, x 86400, c 40
	ZERO=$(fixture ZERO_AMOUNT)        # lnbc0, mainnet, ts 1758547902, x 604800, c 144
	MIN=$(fixture MIN_AMOUNT)          # regtest 1 sat, ts 1692431629
	T500=1676753314
}

@test "validate --help: usage on stdout, exit 0; bad options exit 2" {
	run --separate-stderr mostro-ln validate --help
	[ "$status" -eq 0 ]
	[[ $output == "Usage: mostro-ln validate"* ]]
	for o in --amount=x --fee=-1 --window=1.5 --max-cltv= --min-amount=abc --now=soon --timeout=0 --network=mainet --nope; do
		run --separate-stderr mostro-ln validate "$o" "$I500U"
		[ "$status" -eq 2 ] || { echo "$o -> $status"; false; }
		[ -z "$output" ]
	done
}

@test "a valid invoice: {\"type\":\"valid\",\"kind\":\"bolt11\",...}, exit 0" {
	run --separate-stderr mostro-ln validate --now $((T500 + 60)) --amount 50000 "$I500U"
	[ "$status" -eq 0 ]
	[ "$(jq -c '[.type,.kind,.mode,.network,.amount_msat,.expires_at,.min_final_cltv_expiry]' <<<"$output")" = \
	  "[\"valid\",\"bolt11\",\"buyer\",\"regtest\",50000000,$((T500 + 86400)),40]" ]
	[ "$(jq -r .invoice <<<"$output")" = "$I500U" ]
}

@test "mostrod's INVOICE_500U for 23 sat: expired today, wrong_amount in its lifetime; exit 1" {
	run --separate-stderr mostro-ln validate --amount 23 "$I500U"
	[ "$status" -eq 1 ]
	[ -z "$output" ]
	[ "$stderr" = "mostro-ln: argument 1: expired: invoice has expired" ]
	run --separate-stderr mostro-ln validate --now $((T500 + 60)) --amount 23 "$I500U"
	[ "$status" -eq 1 ]
	[[ $stderr == *"wrong_amount: invoice amount is not amount - fee"* ]]
}

@test "--fee: the invoice must be amount - fee; fee > amount is its own reason" {
	run --separate-stderr mostro-ln validate --now $((T500 + 60)) --amount 50300 --fee 300 "$I500U"
	[ "$status" -eq 0 ]
	run --separate-stderr mostro-ln validate --now $((T500 + 60)) -a 50300 -f 299 "$I500U"
	[ "$status" -eq 1 ]
	[[ $stderr == *wrong_amount* ]]
	run --separate-stderr mostro-ln validate --now $((T500 + 60)) --amount 10 --fee 11 "$ZERO"
	[ "$status" -eq 1 ]
	[[ $stderr == *fee_exceeds_amount* ]]
}

@test "lnbc0: zero_amount (no payout could pay it) unless --mostrod-compat, where it passes any amount" {
	run --separate-stderr mostro-ln validate --now 1758547902 --amount 5000 --fee 100 "$ZERO"
	[ "$status" -eq 1 ]
	[[ $stderr == *zero_amount* ]]
	run --separate-stderr mostro-ln validate --now 1758547902 --amount 5000 --fee 100 --mostrod-compat "$ZERO"
	[ "$status" -eq 0 ]
	[ "$(jq -r .amount_msat <<<"$output")" = 0 ]
}

@test "--network: the node's network must match; testnet4 and unknown skip the check" {
	run --separate-stderr mostro-ln validate --now $((T500 + 60)) --network mainnet "$I500U"
	[ "$status" -eq 1 ]
	[[ $stderr == *wrong_network* ]]
	run --separate-stderr mostro-ln validate --now $((T500 + 60)) -n regtest "$I500U"
	[ "$status" -eq 0 ]
	for n in testnet4 unknown; do
		run --separate-stderr mostro-ln validate --now $((T500 + 60)) --network $n "$I500U"
		[ "$status" -eq 0 ]
	done
}

@test "--window: expiry exactly at now + window passes, one second less fails" {
	run --separate-stderr mostro-ln validate --now $((T500 + 86400 - 3600)) "$I500U"
	[ "$status" -eq 0 ]
	run --separate-stderr mostro-ln validate --now $((T500 + 86400 - 3599)) "$I500U"
	[ "$status" -eq 1 ]
	[[ $stderr == *expires_too_soon* ]]
	run --separate-stderr mostro-ln validate --now $((T500 + 86400 - 3599)) --window 3599 "$I500U"
	[ "$status" -eq 0 ]
	run --separate-stderr mostro-ln validate --now $((T500 + 86400 - 10)) -w 0 "$I500U"
	[ "$status" -eq 0 ]
}

@test "--max-cltv: c=144 passes at 144, fails at 143 (default 432)" {
	run --separate-stderr mostro-ln validate --now $TS "$SAT100K"
	[ "$status" -eq 0 ]
	run --separate-stderr mostro-ln validate --now $TS --max-cltv 144 "$SAT100K"
	[ "$status" -eq 0 ]
	run --separate-stderr mostro-ln validate --now $TS --max-cltv 143 "$SAT100K"
	[ "$status" -eq 1 ]
	[[ $stderr == *"final_cltv_too_large"* ]]
}

@test "--min-amount: mostrod's 1-sat fixture fails the default 100, passes with 1" {
	run --separate-stderr mostro-ln validate --now 1692431640 "$MIN"
	[ "$status" -eq 1 ]
	[[ $stderr == *amount_below_minimum* ]]
	run --separate-stderr mostro-ln validate --now 1692431640 --min-amount 1 "$MIN"
	[ "$status" -eq 0 ]
	run --separate-stderr mostro-ln validate "$MIN"
	[ "$status" -eq 1 ]
	[[ $stderr == *expired* ]]
}

@test "1000500 msat: sub_satoshi_amount unless --mostrod-compat" {
	run --separate-stderr mostro-ln validate --now $TS --amount 1000 "$SUBSAT"
	[ "$status" -eq 1 ]
	[[ $stderr == *"sub_satoshi_amount"* ]]
	run --separate-stderr mostro-ln validate --now $TS --amount 1000 --mostrod-compat "$SUBSAT"
	[ "$status" -eq 0 ]
}

@test "--payout: network, CLTV and expiry only (no amount, no window)" {
	run --separate-stderr mostro-ln validate --payout --now $((TS + 86400 - 60)) --amount 1 "$SAT100K"
	[ "$status" -eq 0 ]
	[ "$(jq -r .mode <<<"$output")" = payout ]
	run --separate-stderr mostro-ln validate --payout --now $((TS + 86401)) "$SAT100K"
	[ "$status" -eq 1 ]
	[[ $stderr == *expired* ]]
	run --separate-stderr mostro-ln validate --payout --now $TS --max-cltv 100 "$SAT100K"
	[ "$status" -eq 1 ]
	[[ $stderr == *final_cltv_too_large* ]]
}

@test "not an invoice: exit 4 with the decoder's reason (not 1)" {
	run --separate-stderr mostro-ln validate "lnbc1notaninvoice"
	[ "$status" -eq 4 ]
	[[ $stderr == *"argument 1: bech32_"* ]]
	run --separate-stderr mostro-ln validate --payout "someone@example.com"
	[ "$status" -eq 4 ]
}

@test "stdin: per-line amount_sat/fee_sat override the flags; failures -> 123, --errors records" {
	{
		printf '{"invoice":"%s","amount_sat":50000}\n' "$I500U"
		printf '{"invoice":"%s","amount_sat":50000,"fee_sat":1}\n' "$I500U"
		printf '{"invoice":"%s","amount_sat":"50000"}\n' "$I500U"
		printf '%s\n' "$I500U"
	} >"$T/in"
	run --separate-stderr mostro-ln validate --now $((T500 + 60)) --amount 1 --errors <"$T/in"
	[ "$status" -eq 123 ]
	[ "${#lines[@]}" -eq 4 ]
	[ "$(jq -r .type <<<"${lines[0]}")" = valid ]
	[ "$(jq -c '[.type,.line,.error]' <<<"${lines[1]}")" = '["error",2,"wrong_amount"]' ]
	[ "$(jq -c '[.type,.line,.error]' <<<"${lines[2]}")" = '["error",3,"bad_input"]' ]
	[ "$(jq -c '[.type,.line,.error]' <<<"${lines[3]}")" = '["error",4,"wrong_amount"]' ]
	[[ $stderr == *"line 2: wrong_amount"* && $stderr == *"line 4: wrong_amount"* ]]
}

@test "a Lightning Address is probed (pay document, tag payRequest) in buyer mode" {
	export MOSTRO_LNURL_ALLOW_PRIVATE=1
	run --separate-stderr mostro-ln validate "ok@127.0.0.1:$PORT"
	[ "$status" -eq 0 ]
	[ "$(jq -c '[.type,.kind,.min_sendable_msat,.max_sendable_msat]' <<<"$output")" = '["valid","lnurl",1000,100000000000]' ]
	run --separate-stderr mostro-ln validate "wrongtag@127.0.0.1:$PORT"
	[ "$status" -eq 1 ]
	[[ $stderr == *not_pay_request* ]]
	run --separate-stderr mostro-ln validate -t 0.3 "slow@127.0.0.1:$PORT"
	[ "$status" -eq 124 ]
	[[ $stderr == *timeout* ]]
}

@test "a Lightning Address on loopback is refused without the test override" {
	run --separate-stderr mostro-ln validate "ok@127.0.0.1:$PORT"
	[ "$status" -eq 1 ]
	[[ $stderr == *forbidden_address* ]]
}
