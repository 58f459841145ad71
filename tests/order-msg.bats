#!/usr/bin/env bats
# mostro-order msg: the client's message builder through the command line.
# Every row of tests/vectors/order-msg.jsonl (written from PROTOCOL.md and
# mostro-cli, not from this tool) as a command line: the record, or the exit
# code with the option and the reason named on stderr. The records wrapped by
# mostro-wrap and opened by mostro-unwrap back to the same message;
# request_id 2^64-1 byte for byte; --batch; usage errors; help, man page and
# completions list every action.

bats_require_minimum_version 1.5.0

# keys (PROTOCOL.md §8.1, the nip59.jsonl Mostro node), secret_file, key_files
load helpers
V=${MOSTRO_VECTORS:-tests/vectors}
TOP=${MOSTRO_TOP:-$BATS_TEST_DIRNAME/..}
UUID=308e1272-d5f4-47e6-bd97-3504baea9c23
U64MAX=18446744073709551615

setup() {
	T=$BATS_TEST_TMPDIR
	key_files
}

# Rows jq cannot carry exactly on a command line: integers above 2^53 (jq
# 1.6 rounds them) and values with a newline. The unit test runs them all.
jq_unsafe='[.options[]? | select((type == "number" and (. > 9007199254740992 or . < -9007199254740992)) or (type == "string" and test("\n")))] | length > 0'

# Each safe vector row as one line of fields separated by \x1f: name, exit,
# field, reason, the record (as jq -c writes it: the file's key order, which is
# the canonical order), ACTION, then --option value (flags alone, lists
# joined), and "." last (read drops an empty last field). One jq for the file.
vector_rows() {
	jq -r "select($jq_unsafe | not) | [.name, (.exit // 0 | tostring), (.field // \"\"), (.error // \"\"),
		(if has(\"record\") then .record | tojson else \"\" end), .action,
		(.options | to_entries[] | select(.value != false and .value != null) |
			if .value == true then \"--\\(.key)\"
			elif (.value | type) == \"array\" then \"--\\(.key)\", (.value | join(\",\"))
			else \"--\\(.key)\", (.value | tostring) end), \".\"] | join(\"\\u001f\")" "$V/order-msg.jsonl"
}

@test "every vector row on the command line: the record byte for byte, or exit code, option and reason on stderr" {
	local n=0 f name want_exit field reason record status output stderr
	vector_rows >"$T/rows"
	while IFS=$'\x1f' read -r -a f; do
		n=$((n + 1))
		name=${f[0]} want_exit=${f[1]} field=${f[2]} reason=${f[3]} record=${f[4]}
		status=0
		output=$(mostro-order msg "${f[@]:5:${#f[@]}-6}" 2>"$T/err") || status=$?
		stderr=$(<"$T/err")
		if [ -n "$record" ]; then
			[ "$status" -eq 0 ] || { echo "$name: exit $status: $stderr"; false; }
			[ -z "$stderr" ]
			[ "$output" = "$record" ] || { echo "$name: $output"; false; }
		else
			[ "$status" -eq "$want_exit" ] || { echo "$name: exit $status, want $want_exit: $stderr"; false; }
			[ -z "$output" ]
			if [ -n "$field" ]; then
				[[ $stderr == "mostro-order: msg: --$field: $reason: "* ]] || { echo "$name: $stderr"; false; }
			else
				[[ $stderr == "mostro-order: msg: "*"$reason: "* ]] || { echo "$name: $stderr"; false; }
			fi
		fi
	done <"$T/rows"
	[ "$n" -gt 100 ]
	# the two rows left out: request_id 2^64-1 (next test) and a newline in a payment method (unit test)
	[ "$(jq -s length "$V/order-msg.jsonl")" -eq $((n + 2)) ]
}

@test "request_id 2^64-1 is printed exactly (u64), also from a batch line" {
	run --separate-stderr mostro-order msg take-buy --id $UUID --trade-index 6 --request-id $U64MAX
	[ "$status" -eq 0 ]
	[ "$output" = '{"message":{"order":{"version":2,"request_id":18446744073709551615,"trade_index":6,"id":"308e1272-d5f4-47e6-bd97-3504baea9c23","action":"take-buy","payload":null}}}' ]
	run --separate-stderr mostro-order msg --batch <<<'{"action":"take-buy","id":"'$UUID'","trade-index":6,"request-id":18446744073709551615}'
	[ "$status" -eq 0 ]
	[[ $output == *'"request_id":18446744073709551615,'* ]]
	run --separate-stderr mostro-order msg cancel --id $UUID --request-id 18446744073709551616
	[ "$status" -eq 4 ]
	[[ $stderr == "mostro-order: msg: --request-id: bad_value: '18446744073709551616': expected an integer 0..18446744073709551615" ]]
}

@test "every success row: mostro-wrap accepts the record, mostro-unwrap opens the same message" {
	# each row sent to Mostro (a row's own "to" was checked above)
	jq -c "select(has(\"record\") and ($jq_unsafe | not)) | {action} + (.options | del(.to))" "$V/order-msg.jsonl" >"$T/lines"
	jq -c "select(has(\"record\") and ($jq_unsafe | not)) | .record.message" "$V/order-msg.jsonl" | jq -S -c . >"$T/want"
	[ "$(wc -l <"$T/lines")" -gt 35 ]
	mostro-order msg --batch --to $PKM <"$T/lines" >"$T/records"
	[ "$(wc -l <"$T/records")" -eq "$(wc -l <"$T/lines")" ]
	mostro-wrap --key-file "$T/trade" --identity-key-file "$T/id" <"$T/records" >"$T/events"
	mostro-unwrap --key-file "$T/mostro" <"$T/events" >"$T/opened"
	jq -S -c .message "$T/opened" >"$T/got"
	diff "$T/want" "$T/got"
	# the v1 record was wrapped as a gift wrap, the others as kind 14
	[ "$(jq -s '[.[] | select(.kind == 1059)] | length' "$T/events")" -eq 1 ]
	[ "$(jq -r 'select(.message.order.action == "cancel" and .message.order.version == 1) | .transport' "$T/opened")" = v1 ]
}

@test "request_id 2^64-1 survives mostro-wrap and mostro-unwrap byte for byte" {
	run --separate-stderr bash -c "mostro-order msg take-buy --id $UUID --trade-index 6 --request-id $U64MAX --to $PKM |
		mostro-wrap --key-file $T/trade --identity-key-file $T/id | mostro-unwrap --key-file $T/mostro"
	[ "$status" -eq 0 ]
	[[ $output == *'"message":{"order":{"version":2,"request_id":18446744073709551615,"trade_index":6,"id":"308e1272-d5f4-47e6-bd97-3504baea9c23","action":"take-buy","payload":null}}'* ]]
}

@test "--pow and --transport reach mostro-wrap: a mined v1 gift wrap" {
	run --separate-stderr bash -c "mostro-order msg cancel --id $UUID --to $PKM --transport v1 --pow 12 |
		mostro-wrap --key-file $T/trade --identity-key-file $T/id"
	[ "$status" -eq 0 ]
	[ "$(jq .kind <<<"$output")" -eq 1059 ]
	[ "$(jq -r '.tags[] | select(.[0] == "nonce") | .[2]' <<<"$output")" = 12 ]
	[[ $(jq -r .id <<<"$output") == 000* ]]
}

# ------------------------------------------------------------------- batch

@test "--batch: one record per line, bad lines named by number, the stream goes on, exit 123" {
	printf '%s\n' \
		'{"action":"cancel","id":"'$UUID'"}' \
		'{"action":"new-order","kind":"sell","fiat-code":"VES","fiat-amount":0,"payment-method":"x","trade-index":2}' \
		'not json' \
		'' \
		'{"action":"rate-user","id":"'$UUID'","rating":4}' >"$T/in"
	run --separate-stderr mostro-order msg --batch <"$T/in"
	[ "$status" -eq 123 ]
	[ "${#lines[@]}" -eq 2 ]
	[ "$(jq -r '.message.order.action' <<<"${lines[0]}")" = cancel ]
	[ "$(jq -c '.message.order.payload' <<<"${lines[1]}")" = '{"rating_user":4}' ]
	[ "${stderr_lines[0]}" = "mostro-order: msg: line 2: --fiat-amount: invalid_amount: 0: a fiat amount is 1 or more" ]
	[[ ${stderr_lines[1]} == "mostro-order: msg: line 3: bad_line: invalid JSON"* ]]
	[ "${#stderr_lines[@]}" -eq 2 ]
}

@test "--batch --errors: an error record in the place of each bad line" {
	printf '%s\n' '{"action":"cancel","id":"'$UUID'"}' '{"action":"cancel","id":"x"}' '{"action":"cancel","rating":3,"id":"'$UUID'"}' >"$T/in"
	run --separate-stderr mostro-order msg --batch --errors <"$T/in"
	[ "$status" -eq 123 ]
	[ "${#lines[@]}" -eq 3 ]
	[ "$(jq -c 'del(.message)' <<<"${lines[1]}")" = '{"type":"error","line":2,"error":"bad_uuid","field":"id"}' ]
	[ "$(jq -c 'del(.message)' <<<"${lines[2]}")" = '{"type":"error","line":3,"error":"not_for_action","field":"rating"}' ]
	[ "$(jq -r .message <<<"${lines[1]}")" = "'x' is not a UUID" ]
}

@test "--batch: options on the command line are defaults for the lines whose action takes them" {
	printf '%s\n' '{"action":"cancel","id":"'$UUID'"}' '{"action":"take-buy","id":"'$UUID'"}' \
		'{"action":"take-buy","id":"'$UUID'","trade-index":8,"to":"'$PK2'"}' >"$T/in"
	run --separate-stderr mostro-order msg --batch --to $PKM --trade-index 3 --pow 4 <"$T/in"
	[ "$status" -eq 0 ]
	[ "$(jq -c '[.to, .message.order.trade_index, .pow]' <<<"${lines[0]}")" = "[\"$PKM\",null,4]" ]
	[ "$(jq -c '[.to, .message.order.trade_index, .pow]' <<<"${lines[1]}")" = "[\"$PKM\",3,4]" ]
	[ "$(jq -c '[.to, .message.order.trade_index, .pow]' <<<"${lines[2]}")" = "[\"$PK2\",8,4]" ]
}

@test "--batch: a bad default fails before any line is read (exit 4)" {
	run --separate-stderr mostro-order msg --batch --pow 40 <<<'{"action":"cancel","id":"'$UUID'"}'
	[ "$status" -eq 4 ]
	[ -z "$output" ]
	[ "$stderr" = "mostro-order: msg: --pow: bad_value: '40': expected an integer 0..32" ]
}

@test "standard output failing: 'writing standard output', exit 123" {
	run --separate-stderr bash -c "mostro-order msg cancel --id $UUID >/dev/full"
	[ "$status" -eq 123 ]
	[[ $stderr == "mostro-order: msg: writing standard output: "* ]]
	run --separate-stderr bash -c "yes '{\"action\":\"cancel\",\"id\":\"$UUID\"}' | head -3 | mostro-order msg --batch >/dev/full"
	[ "$status" -eq 123 ]
	[[ $stderr == "mostro-order: msg: writing standard output: "* ]]
}

# ------------------------------------------------------------------- usage

@test "usage errors exit 2 and name the problem" {
	run --separate-stderr mostro-order msg
	[ "$status" -eq 2 ]
	[ -z "$output" ]
	[[ $stderr == "Usage: mostro-order msg ACTION"* ]]
	run --separate-stderr mostro-order msg cancel --id $UUID --colour red
	[ "$status" -eq 2 ]
	[ "$stderr" = "mostro-order: msg: --colour: unknown_option: no such option (mostro-order msg --help)" ]
	run --separate-stderr mostro-order msg cancel --id
	[ "$status" -eq 2 ]
	[ "$stderr" = "mostro-order: msg: --id: bad_value: needs a value" ]
	run --separate-stderr mostro-order msg take-buy --id $UUID --full-privacy=yes
	[ "$status" -eq 2 ]
	[ "$stderr" = "mostro-order: msg: --full-privacy: bad_value: takes no value" ]
	run --separate-stderr mostro-order msg --batch --errors=1 </dev/null
	[ "$status" -eq 2 ]
	[ "$stderr" = "mostro-order: msg: --errors: bad_value: takes no value" ]
	run --separate-stderr mostro-order msg cancel --id $UUID --id $UUID
	[ "$status" -eq 2 ]
	[ "$stderr" = "mostro-order: msg: --id: repeated: given twice" ]
	run --separate-stderr mostro-order msg cancel dispute --id $UUID
	[ "$status" -eq 2 ]
	run --separate-stderr mostro-order msg --batch cancel </dev/null
	[ "$status" -eq 2 ]
	run --separate-stderr mostro-order msg cancel --id $UUID --errors
	[ "$status" -eq 2 ]
	run --separate-stderr mostro-order msg pay-invoice --id $UUID
	[ "$status" -eq 2 ]
	[ "$stderr" = "mostro-order: msg: unknown_action: 'pay-invoice' (mostro-order msg --help lists the actions)" ]
	[ -z "$output" ]
}

@test "--help: the overview on stdout; ACTION --help: that action's options" {
	run --separate-stderr mostro-order msg --help
	[ "$status" -eq 0 ]
	[[ $output == "Usage: mostro-order msg ACTION [OPTIONS]"* ]]
	for a in $(jq -r .action "$V/order-msg.jsonl" | sort -u | grep -v pay-invoice); do
		[[ $output == *"
  $a "* ]] || { echo "overview lacks $a"; false; }
		run --separate-stderr mostro-order msg "$a" --help
		[ "$status" -eq 0 ] || { echo "$a --help: $status"; false; }
		[[ $output == "Usage: mostro-order msg $a "* ]]
		run --separate-stderr mostro-order msg --help
	done
	run --separate-stderr mostro-order msg take-sell --help
	[[ $output == *"--invoice-amount SATS"* && $output == *"One of: --trade-index, --full-privacy"* ]]
}

@test "the man page and the completions name every action and option" {
	local actions opts man
	actions=$(mostro-order msg --help | sed -n '/^Actions:/,/^$/p' | awk 'NF > 1 {print $1}')
	[ "$(wc -w <<<"$actions")" -eq 20 ]
	opts=$({ mostro-order msg --help; for a in $actions; do mostro-order msg "$a" --help; done; } |
		grep -o -- '^  --[a-z-]*' | sort -u)
	[ "$(wc -w <<<"$opts")" -eq 44 ]   # the 42 options, --batch, --errors
	man=$(sed 's/\\-/-/g' "$TOP/man/mostro-order.1")
	for a in $actions; do
		grep -q -- "^\\.B $a\$" <<<"$man" || { echo "man: $a"; false; }
		grep -q -- "$a" "$TOP/completions/bash/mostro-order" || { echo "bash: $a"; false; }
		grep -q -- "$a" "$TOP/completions/zsh/_mostro-order" || { echo "zsh: $a"; false; }
		grep -q -- "$a" "$TOP/completions/fish/mostro-order.fish" || { echo "fish: $a"; false; }
	done
	for o in $opts; do
		o=${o#--}
		grep -q -- "--$o\\b" <<<"$man" || { echo "man: --$o"; false; }
		grep -q -- "--$o\\b" "$TOP/completions/bash/mostro-order" || { echo "bash: --$o"; false; }
		grep -q -- "--$o\\b" "$TOP/completions/zsh/_mostro-order" || { echo "zsh: --$o"; false; }
		grep -q -- "-l $o\\b" "$TOP/completions/fish/mostro-order.fish" || { echo "fish: --$o"; false; }
	done
}
