#!/usr/bin/env bats
# mostro-ln (dispatcher) and mostro-ln decode: every flag and error path,
# with exact exit codes. Expected fields come from tests/vectors/bolt11.jsonl
# (the BOLT 11 spec vectors) and mostro-invoices.jsonl (mostrod's fixtures).

bats_require_minimum_version 1.5.0

V=${MOSTRO_VECTORS:-tests/vectors}
# Fields every decode record shares with the vector records.
FIELDS='{network,currency_prefix,amount_msat,timestamp,payment_hash,payment_secret,description,description_hash,expiry,expiry_explicit,min_final_cltv_expiry,min_final_cltv_expiry_explicit,payee_pubkey,payee_pubkey_field,features,fallbacks,route_hints,metadata,unknown_fields,skipped_fields,signature,recovery_id,high_s,signing_hash}'

# Signed with sha256("mostro-ln sim node"): x written as 0,1,28 (= 60, leading
# zero group), and an invoice without a 9 (features) field.
NONMINIMAL_X=lnbcrt10u1p5yacvqsp5zyg3zyg3zyg3zyg3zyg3zyg3zyg3zyg3zyg3zyg3zyg3zyg3zygspp54w46h2at4w46h2at4w46h2at4w46h2at4w46h2at4w46h2at4w4sdqsdehkumtfde5k6ctvxqrqpu9qrsgqcsrn8rjkk24r20hxsvv9maunm6e0ys7s6ccemannthdvaldw877s4rwg63dy6smjlyewuyjhc968emsjdlt2watcxk8pegczuupxw4qqwshrhp
NO_FEATURES=lnbcrt10u1p5yacvqsp5zyg3zyg3zyg3zyg3zyg3zyg3zyg3zyg3zyg3zyg3zyg3zyg3zygspp54w46h2at4w46h2at4w46h2at4w46h2at4w46h2at4w46h2at4w4sdqsdehkvetpw36hyetn357l3xzv97r87nfdm94hag76q5w55w5jcrtrqywmlcm6p7awudl3xj3e037axe86cw6e28r9zy6ck5yqqat7n65snrnd8vcp69a8scgqsyctf3

vec() { sed -n "${1}p" "$V/bolt11.jsonl" | jq -r .invoice; }   # invoice of line N

setup() {
	T=$BATS_TEST_TMPDIR
	COFFEE=$(vec 2)        # lnbc2500u, "1 cup coffee", x=60
	DONATE=$(vec 1)        # lnbc1, any amount
	UPPER=$(vec 13)        # all uppercase
	BADSUM=$(vec 18)       # bech32 checksum
}

# ---------------------------------------------------------------- dispatcher

@test "mostro-ln --help, -h and help print the commands on stdout, exit 0" {
	for h in --help -h help; do
		run --separate-stderr mostro-ln "$h"
		[ "$status" -eq 0 ]
		[[ $output == Usage:\ mostro-ln* ]]
		[[ $output == *decode* && $output == *validate* && $output == *lnurl* && $output == *encode* ]]
	done
}

@test "mostro-ln without a command: usage on stderr, exit 2" {
	run --separate-stderr mostro-ln
	[ "$status" -eq 2 ]
	[ -z "$output" ]
	[[ $stderr == *Usage:* ]]
}

@test "unknown command: exit 2" {
	run --separate-stderr mostro-ln frobnicate
	[ "$status" -eq 2 ]
	[[ $stderr == *"unknown command: frobnicate"* ]]
}

# ---------------------------------------------------------------- options

@test "decode --help and -h: usage on stdout, exit 0" {
	run --separate-stderr mostro-ln decode --help
	[ "$status" -eq 0 ]
	[[ $output == "Usage: mostro-ln decode"* ]]
	[[ $output == *--strict* && $output == *--spec-features* && $output == *--errors* ]]
	run --separate-stderr mostro-ln decode -h
	[ "$status" -eq 0 ]
}

@test "decode with an unknown option: usage on stderr, exit 2" {
	run --separate-stderr mostro-ln decode --bogus "$COFFEE"
	[ "$status" -eq 2 ]
	[ -z "$output" ]
	[[ $stderr == *"Usage: mostro-ln decode"* ]]
}

# ---------------------------------------------------------------- arguments

@test "decode one invoice: one record with the vector's fields" {
	run --separate-stderr mostro-ln decode "$COFFEE"
	[ "$status" -eq 0 ]
	[ "${#lines[@]}" -eq 1 ]
	[ "$(jq -r .type <<<"$output")" = invoice ]
	[ "$(jq -r .invoice <<<"$output")" = "$COFFEE" ]
	[ "$(jq -r .amount_msat <<<"$output")" = 250000000 ]
	[ "$(jq -r .description <<<"$output")" = "1 cup coffee" ]
	[ "$(jq -r .payee_pubkey <<<"$output")" = 03e7156ae33b0a208d0744199163177e909e80176e55d97a2f221ede0f934dd9ad ]
	[ "$(jq -r '.expires_at - .timestamp' <<<"$output")" = 60 ]
}

@test "every valid spec vector decodes to exactly the recorded fields" {
	n=0
	while IFS= read -r rec; do
		[ "$(jq -r .valid <<<"$rec")" = true ] || continue
		inv=$(jq -r .invoice <<<"$rec")
		got=$(mostro-ln decode "$inv" | jq -cS "$FIELDS")
		want=$(jq -cS "$FIELDS" <<<"$rec")
		[ "$got" = "$want" ] || { echo "vector: $inv"; echo "got  $got"; echo "want $want"; false; }
		n=$((n + 1))
	done <"$V/bolt11.jsonl"
	[ "$n" -eq 16 ]
}

@test "every invalid spec vector: exit 4, its reason code on stderr, nothing on stdout" {
	n=0
	while IFS= read -r rec; do
		[ "$(jq -r .valid <<<"$rec")" = false ] || continue
		inv=$(jq -r .invoice <<<"$rec")
		reason=$(jq -r .error <<<"$rec")
		run --separate-stderr mostro-ln decode "$inv"
		[ "$status" -eq 4 ]
		[ -z "$output" ]
		[[ $stderr == "mostro-ln: argument 1: $reason: "* ]] || { echo "$reason / $stderr"; false; }
		n=$((n + 1))
	done <"$V/bolt11.jsonl"
	[ "$n" -eq 10 ]
}

@test "mostrod's fixtures decode (lnbc0 is an explicit amount of 0)" {
	run --separate-stderr mostro-ln decode $(jq -r .invoice "$V/mostro-invoices.jsonl")
	[ "$status" -eq 0 ]
	[ "${#lines[@]}" -eq 4 ]
	got=$(printf '%s\n' "$output" | jq -c '[.network,.amount_msat,.timestamp,.expiry,.min_final_cltv_expiry,.features]')
	want=$(jq -c '[.network,.amount_msat,.timestamp,.expiry,.min_final_cltv_expiry,.features]' "$V/mostro-invoices.jsonl")
	[ "$got" = "$want" ]
}

@test "an all-uppercase invoice decodes and is echoed as given" {
	run --separate-stderr mostro-ln decode "$UPPER"
	[ "$status" -eq 0 ]
	[ "$(jq -r .invoice <<<"$output")" = "$UPPER" ]
	[ "$(jq -c .features <<<"$output")" = "[8,14,99]" ]
}

@test "several arguments, one bad: the others are decoded, exit 4, the argument is named" {
	run --separate-stderr mostro-ln decode "$COFFEE" "$BADSUM" "$DONATE"
	[ "$status" -eq 4 ]
	[ "${#lines[@]}" -eq 2 ]
	[ "$(jq -r .amount_msat <<<"${lines[0]}")" = 250000000 ]
	[ "$(jq -r .amount_msat <<<"${lines[1]}")" = null ]
	[ "$stderr" = "mostro-ln: argument 2: bech32_bad_checksum: bech32 checksum mismatch" ]
}

@test "an argument over 7089 characters: too_long, exit 4" {
	long="lnbc1$(head -c 7085 /dev/zero | tr '\0' q)"
	[ "${#long}" -eq 7090 ]
	run --separate-stderr mostro-ln decode "$long"
	[ "$status" -eq 4 ]
	[[ $stderr == *"too_long: 7090 characters (limit 7089)"* ]]
}

@test "a lightning: URI is not an invoice (mostrod does not strip it either)" {
	run --separate-stderr mostro-ln decode "lightning:$COFFEE"
	[ "$status" -eq 4 ]
	[[ $stderr == *bech32_bad_checksum* ]]   # the HRP becomes "lightning:lnbc2500u"
}

# ---------------------------------------------------------------- stdin

@test "stdin: one invoice per line, blanks skipped, spaces and CR trimmed, exit 0" {
	printf '%s\n\n  %s  \r\n\t\n%s\n' "$COFFEE" "$DONATE" "$UPPER" >"$T/in"
	run --separate-stderr mostro-ln decode <"$T/in"
	[ "$status" -eq 0 ]
	[ "${#lines[@]}" -eq 3 ]
	[ "$(jq -r .invoice <<<"${lines[1]}")" = "$DONATE" ]
	[ -z "$stderr" ]
}

@test "stdin: a JSON string line and a JSON object line with \"invoice\"" {
	printf '"%s"\n{"invoice":"%s","note":"x"}\n' "$COFFEE" "$DONATE" >"$T/in"
	run --separate-stderr mostro-ln decode <"$T/in"
	[ "$status" -eq 0 ]
	[ "$(jq -r .amount_msat <<<"${lines[0]}")" = 250000000 ]
	[ "$(jq -r .invoice <<<"${lines[1]}")" = "$DONATE" ]
}

@test "stdin: bad lines are reported with their number, the stream goes on, exit 123" {
	printf '%s\nnot-an-invoice\n{"invoice":\n{"x":1}\n%s\n' "$COFFEE" "$DONATE" >"$T/in"
	run --separate-stderr mostro-ln decode <"$T/in"
	[ "$status" -eq 123 ]
	[ "${#lines[@]}" -eq 2 ]
	[ "$(jq -r .invoice <<<"${lines[1]}")" = "$DONATE" ]
	[[ $stderr == *"mostro-ln: line 2: bech32_no_separator: "* ]]
	[[ $stderr == *"mostro-ln: line 3: bad_json: "* ]]
	[[ $stderr == *"mostro-ln: line 4: bad_input: object has no string field \"invoice\""* ]]
}

@test "--errors / -e: error records on stdout too, in input order" {
	printf '%s\n%s\n' "$BADSUM" "$COFFEE" >"$T/in"
	run --separate-stderr mostro-ln decode --errors <"$T/in"
	[ "$status" -eq 123 ]
	[ "$(jq -c . <<<"${lines[0]}")" = '{"type":"error","line":1,"error":"bech32_bad_checksum","message":"bech32 checksum mismatch"}' ]
	[ "$(jq -r .type <<<"${lines[1]}")" = invoice ]
	[[ $stderr == *"line 1: bech32_bad_checksum"* ]]
	run --separate-stderr mostro-ln decode -e "$BADSUM"
	[ "$status" -eq 4 ]
	[ "$(jq -c '[.type,.argument,.error]' <<<"$output")" = '["error",1,"bech32_bad_checksum"]' ]
}

@test "stdin: a line over 1 MiB is skipped and reported, the next line is decoded" {
	{ head -c 1100000 /dev/zero | tr '\0' q; echo; echo "$COFFEE"; } >"$T/in"
	run --separate-stderr mostro-ln decode <"$T/in"
	[ "$status" -eq 123 ]
	[ "${#lines[@]}" -eq 1 ]
	[[ $stderr == *"line 1: line_too_long"* ]]
}

@test "empty stdin: nothing out, exit 0" {
	run --separate-stderr mostro-ln decode </dev/null
	[ "$status" -eq 0 ]
	[ -z "$output" ]
}

# ---------------------------------------------------------------- flags

@test "--strict refuses a non-minimal x field that is read as 60 by default" {
	run --separate-stderr mostro-ln decode "$NONMINIMAL_X"
	[ "$status" -eq 0 ]
	[ "$(jq -r .expiry <<<"$output")" = 60 ]
	run --separate-stderr mostro-ln decode --strict "$NONMINIMAL_X"
	[ "$status" -eq 4 ]
	[[ $stderr == *"field_not_minimal: x field with leading zero groups"* ]]
	run --separate-stderr mostro-ln decode --strict "$COFFEE"
	[ "$status" -eq 0 ]
}

@test "--spec-features accepts an invoice without the payment_secret feature" {
	run --separate-stderr mostro-ln decode "$NO_FEATURES"
	[ "$status" -eq 4 ]
	[[ $stderr == *"missing_payment_secret_feature"* ]]
	run --separate-stderr mostro-ln decode --spec-features "$NO_FEATURES"
	[ "$status" -eq 0 ]
	[ "$(jq -c .features <<<"$output")" = "[]" ]
	[ "$(jq -r .description <<<"$output")" = nofeatures ]
}

@test "decode output is one compact JSON object per line" {
	run --separate-stderr mostro-ln decode "$COFFEE" "$DONATE"
	[ "${#lines[@]}" -eq 2 ]
	for l in "${lines[@]}"; do
		[ "$(jq -c . <<<"$l")" = "$l" ]
	done
}
