#!/usr/bin/env bats
# mostro-ln lnurl against tests/lnurl-fixture.mjs (loopback, random port):
# pay documents, invoices, every failure with its reason and exit code, and
# the SSRF policy with and without the test-only override.
# The fixture logs every request it receives (GET /_log), so tests can prove
# what was sent and that refused destinations were never contacted.

bats_require_minimum_version 1.5.0

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
	export MOSTRO_LNURL_ALLOW_PRIVATE=1
	H=127.0.0.1:$PORT
	curl -s "http://$H/_reset" >/dev/null
}

fixlog() { curl -s "http://$H/_log"; }
lnurl_of() { curl -s "http://$H/_lnurl/$1"; }

# ---------------------------------------------------------------- options

@test "lnurl --help: usage on stdout, exit 0; bad options exit 2" {
	run --separate-stderr mostro-ln lnurl --help
	[ "$status" -eq 0 ]
	[[ $output == "Usage: mostro-ln lnurl"* ]]
	for o in --amount=1.5 --amount=-3 --timeout=0 --timeout=x --timeout=601 --bogus; do
		run --separate-stderr mostro-ln lnurl "$o" "ok@$H"
		[ "$status" -eq 2 ] || { echo "$o -> $status"; false; }
	done
	[ "$(fixlog)" = "[]" ]
}

@test "bad targets: exit 4, nothing fetched" {
	for t in nobody "@$H" "a@b@c" "lnurl1qqqqqqqq" "user@exa mple.com"; do
		run --separate-stderr mostro-ln lnurl "$t"
		[ "$status" -eq 4 ] || { echo "$t -> $status"; false; }
		[[ $stderr == *bad_target* ]]
	done
	[ "$(fixlog)" = "[]" ]
}

# ---------------------------------------------------------------- pay document

@test "pay document of a Lightning Address: {\"type\":\"lnurl_pay\",...}" {
	run --separate-stderr mostro-ln lnurl "ok@$H"
	[ "$status" -eq 0 ]
	[ "$(jq -c '[.type,.target,.url,.callback,.min_sendable_msat,.max_sendable_msat,.comment_allowed,.description]' <<<"$output")" = \
	  "[\"lnurl_pay\",\"ok@$H\",\"http://$H/.well-known/lnurlp/ok\",\"http://$H/cb/ok?id=abc&amount=1\",1000,100000000000,32,\"mostro test payment\"]" ]
	[ "$(fixlog)" = '["/.well-known/lnurlp/ok"]' ]
}

@test "a bech32 LNURL, lower and upper case, reaches the same document" {
	l=$(lnurl_of ok)
	[[ $l == lnurl1* ]]
	run --separate-stderr mostro-ln lnurl "$l"
	[ "$status" -eq 0 ]
	[ "$(jq -r .url <<<"$output")" = "http://$H/.well-known/lnurlp/ok" ]
	run --separate-stderr mostro-ln lnurl "${l^^}"
	[ "$status" -eq 0 ]
	[ "$(jq -r .url <<<"$output")" = "http://$H/.well-known/lnurlp/ok" ]
}

@test "a hostname is resolved (localhost -> IPv4 pinned)" {
	run --separate-stderr mostro-ln lnurl "ok@localhost:$PORT"
	[ "$status" -eq 0 ]
	[ "$(jq -r .url <<<"$output")" = "http://localhost:$PORT/.well-known/lnurlp/ok" ]
}

# ---------------------------------------------------------------- invoices

@test "--amount: an invoice for exactly that amount, query kept, amount replaced, comment sent" {
	run --separate-stderr mostro-ln lnurl --amount 1234 --comment "order 7 ✓" "ok@$H"
	[ "$status" -eq 0 ]
	[ "$(jq -c '[.type,.amount_msat,.comment_sent,.description_hash_matches]' <<<"$output")" = '["lnurl_invoice",1234000,true,true]' ]
	pr=$(jq -r .payment_request <<<"$output")
	run --separate-stderr mostro-ln decode "$pr"
	[ "$status" -eq 0 ]
	[ "$(jq -c '[.network,.amount_msat,.min_final_cltv_expiry]' <<<"$output")" = '["regtest",1234000,40]' ]
	# the fixture signs with the sim key: the recovered payee is that key's
	[ "$(jq -r .payee_pubkey <<<"$output")" = "$(mostro-ln decode "$pr" | jq -r .payee_pubkey)" ]
	[ "$(fixlog | jq -r '.[1]')" = "/cb/ok?id=abc&amount=1234000&comment=order+7+%e2%9c%93" ]
}

@test "-a with a stdin JSON line: amount_sat and comment from the line" {
	printf '{"target":"ok@%s","amount_sat":7,"comment":"hi"}\n' "$H" >"$T/in"
	run --separate-stderr mostro-ln lnurl <"$T/in"
	[ "$status" -eq 0 ]
	[ "$(jq -c '[.amount_msat,.comment_sent]' <<<"$output")" = '[7000,true]' ]
	[ "$(fixlog | jq -r '.[1]')" = "/cb/ok?id=abc&amount=7000&comment=hi" ]
}

@test "a comment longer than commentAllowed is dropped, never cut" {
	long=$(printf 'x%.0s' $(seq 33))
	run --separate-stderr mostro-ln lnurl -a 10 -c "$long" "ok@$H"
	[ "$status" -eq 0 ]
	[ "$(jq -r .comment_sent <<<"$output")" = false ]
	[ "$(fixlog | jq -r '.[1]')" = "/cb/ok?id=abc&amount=10000" ]
}

@test "commentAllowed absent (0): no comment sent; a callback without a query gets ?amount=" {
	run --separate-stderr mostro-ln lnurl -a 10 -c hi "comment0@$H"
	[ "$status" -eq 0 ]
	[ "$(jq -r .comment_sent <<<"$output")" = false ]
	run --separate-stderr mostro-ln lnurl -a 10 "nocomma@$H"
	[ "$status" -eq 0 ]
	[ "$(fixlog | jq -r '.[3]')" = "/cb/ok?amount=10000" ]
}

@test "a large commentAllowed (1000) takes a 600-character comment whole" {
	long=$(printf 'y%.0s' $(seq 600))
	run --separate-stderr mostro-ln lnurl -a 10 -c "$long" "comment1000@$H"
	[ "$status" -eq 0 ]
	[ "$(jq -r .comment_sent <<<"$output")" = true ]
	[ "$(fixlog | jq -r '.[1]')" = "/cb/ok?id=abc&amount=10000&comment=$long" ]
}

@test "description hash: a mismatch is a warning, a d-field invoice gives null" {
	run --separate-stderr mostro-ln lnurl -a 10 "wronghash@$H"
	[ "$status" -eq 0 ]
	[ "$(jq -r .description_hash_matches <<<"$output")" = false ]
	[[ $stderr == *"warning: wronghash@$H: invoice description hash is not sha256(metadata) (LUD-06)"* ]]
	run --separate-stderr mostro-ln lnurl -a 10 "dfield@$H"
	[ "$status" -eq 0 ]
	[ "$(jq -r .description_hash_matches <<<"$output")" = null ]
	[ -z "$stderr" ]
}

# ---------------------------------------------------------------- refusals (exit 1)

refused() { # variant amount reason [calls]: exit 1, the reason, and how many requests reached the fixture
	local amount=()
	[ "$2" = - ] || amount=(--amount "$2")
	run --separate-stderr mostro-ln lnurl "${amount[@]}" "$1@$H"
	[ "$status" -eq 1 ] || { echo "$1: status $status: $stderr"; return 1; }
	[ -z "$output" ]
	[[ $stderr == "mostro-ln: argument 1: $3: "* ]] || { echo "$1: $stderr"; return 1; }
	if [ -n "${4:-}" ]; then
		[ "$(fixlog | jq length)" -eq "$4" ] || { echo "$1: $(fixlog)"; return 1; }
	fi
	curl -s "http://$H/_reset" >/dev/null
}

@test "amount out of range (msat units): below min, above max, missing or string maxSendable" {
	refused ok 0 amount_out_of_range 1
	refused ok 100000001 amount_out_of_range 1
	refused nomax 10 amount_out_of_range 1
	refused strmax 10 amount_out_of_range 1
	run --separate-stderr mostro-ln lnurl --amount 18446744073709552 "ok@$H"
	[ "$status" -eq 4 ]
	[[ $stderr == *bad_amount* ]]
}

@test "wrong invoice amount and amountless invoices are refused" {
	refused wrongamount 10 wrong_invoice_amount 2
	[[ $stderr == *"asked 10000 msat, the invoice is for 11000 msat"* ]]
	refused amountless 10 wrong_invoice_amount 2
}

@test "bad JSON, a JSON array, a non-payRequest tag, status ERROR" {
	refused badjson - bad_json 1
	refused array - bad_json 1
	refused wrongtag - not_pay_request 1
	refused error - server_error 1
	[[ $stderr == *"account disabled"* ]]
	refused nocallback 10 bad_callback 1
}

@test "HTTP errors: 404, a redirect (never followed), 500 from the callback" {
	refused http404 - http_status 1
	refused redirect - http_status 1
	[[ $stderr == *"HTTP 302"* ]]
	refused cb500 10 http_status 2
}

@test "callback answers: ERROR, empty or missing pr, an invalid invoice" {
	refused cberror 10 server_error 2
	refused nopr 10 no_invoice 2
	refused missingpr 10 no_invoice 2
	refused badpr 10 invalid_invoice 2
}

@test "an oversize body (1 MiB > 512 KiB) is refused" {
	refused big - body_too_large 1
}

@test "a slow server: timeout, exit 124, within the bound" {
	start=$(date +%s%N)
	run --separate-stderr mostro-ln lnurl --timeout 0.4 "slow@$H"
	elapsed=$((($(date +%s%N) - start) / 1000000))
	[ "$status" -eq 124 ]
	[[ $stderr == *"timeout: no complete answer within 400 ms"* ]]
	[ "$elapsed" -lt 2500 ]
}

@test "a server that drops the connection: transport, exit 3" {
	run --separate-stderr mostro-ln lnurl "drop@$H"
	[ "$status" -eq 3 ]
	[[ $stderr == *"transport: "* ]]
}

@test "connection refused: transport, exit 3" {
	port=$(node -e 'const s=require("net").createServer().listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})')
	run --separate-stderr mostro-ln lnurl "ok@127.0.0.1:$port"
	[ "$status" -eq 3 ]
	[[ $stderr == *"transport: "* ]]
}

# ---------------------------------------------------------------- SSRF

@test "callbacks to link-local, with userinfo or another scheme: refused, never contacted" {
	refused ssrfcb 10 forbidden_address 1
	[[ $stderr == *"169.254.169.254 is a forbidden address"* ]]
	refused userinfocb 10 userinfo_in_url 1
	refused ftpcb 10 scheme_not_allowed 1
}

@test "without the override: loopback by IP or by name is forbidden, http is not allowed" {
	unset MOSTRO_LNURL_ALLOW_PRIVATE
	run --separate-stderr mostro-ln lnurl "ok@127.0.0.1:$PORT"
	[ "$status" -eq 1 ]
	[[ $stderr == *"forbidden_address: 127.0.0.1 is a forbidden address"* ]]
	run --separate-stderr mostro-ln lnurl "ok@localhost:$PORT"
	[ "$status" -eq 1 ]
	[[ $stderr == *"forbidden_address: localhost resolves to a forbidden address"* ]]
	run --separate-stderr mostro-ln lnurl "$(lnurl_of ok)"
	[ "$status" -eq 1 ]
	[[ $stderr == *"scheme_not_allowed: scheme http is not allowed"* ]]
	MOSTRO_LNURL_ALLOW_PRIVATE=0 run --separate-stderr mostro-ln lnurl "ok@127.0.0.1:$PORT"
	[ "$status" -eq 1 ]
	[ "$(fixlog)" = "[]" ]
}

@test "link-local, CGNAT and documentation addresses stay forbidden with the override" {
	for ip in 169.254.169.254 100.64.0.1 192.0.2.1 0.0.0.0; do
		run --separate-stderr mostro-ln lnurl "ok@$ip"
		[ "$status" -eq 1 ]
		[[ $stderr == *forbidden_address* ]]
	done
}

# ---------------------------------------------------------------- stdin

@test "stdin: good and bad targets; the stream goes on, exit 123, --errors records" {
	printf 'ok@%s\nwrongtag@%s\n{"target":"ok@%s","amount_sat":0}\nnobody\n' "$H" "$H" "$H" >"$T/in"
	run --separate-stderr mostro-ln lnurl --errors <"$T/in"
	[ "$status" -eq 123 ]
	[ "${#lines[@]}" -eq 4 ]
	[ "$(jq -r .type <<<"${lines[0]}")" = lnurl_pay ]
	[ "$(jq -c '[.line,.error]' <<<"${lines[1]}")" = '[2,"not_pay_request"]' ]
	[ "$(jq -c '[.line,.error]' <<<"${lines[2]}")" = '[3,"amount_out_of_range"]' ]
	[ "$(jq -c '[.line,.error]' <<<"${lines[3]}")" = '[4,"bad_target"]' ]
}
