#!/usr/bin/env bats
# mostro-ln encode: signing invoices from JSON fields, key sources, every
# error path. The key is sha256("mostro-ln sim node") (payee 039e1382...).

bats_require_minimum_version 1.5.0

V=${MOSTRO_VECTORS:-tests/vectors}
SK=$(printf 'mostro-ln sim node' | sha256sum | cut -c1-64)
PAYEE=039e1382c60a628639c50f2a90df8a80084fe0d41a71519e373e86c8ebedc10d27
H=$(printf '%064d' 7)
FIELDS='{"network":"regtest","amount_msat":5000000,"payment_hash":"'$H'","payment_secret":"'$H'","description":"bats","features":[9,14,17],"expiry":86400,"min_final_cltv_expiry":144}'

setup() {
	T=$BATS_TEST_TMPDIR
	unset MOSTRO_SECRET_KEY NOSTR_SECRET_KEY
	umask 077
	printf '%s\n' "$SK" >"$T/key"
}

@test "encode --help: usage on stdout, exit 0; bad options exit 2" {
	run --separate-stderr mostro-ln encode --help
	[ "$status" -eq 0 ]
	[[ $output == "Usage: mostro-ln encode"* ]]
	for o in --bogus --now=x --key-fd=-1; do
		run --separate-stderr mostro-ln encode "$o" "$FIELDS"
		[ "$status" -eq 2 ]
	done
}

@test "--key-file: a signed invoice that decodes to the fields, payee = the key" {
	run --separate-stderr mostro-ln encode --key-file "$T/key" --now 1750000000 "$FIELDS"
	[ "$status" -eq 0 ]
	[ "$(jq -c '[.type,.network,.amount_msat,.timestamp,.expiry,.min_final_cltv_expiry,.features,.payee_pubkey,.description]' <<<"$output")" = \
	  "[\"invoice\",\"regtest\",5000000,1750000000,86400,144,[9,14,17],\"$PAYEE\",\"bats\"]" ]
	inv=$(jq -r .invoice <<<"$output")
	[[ $inv == lnbcrt50u1* ]]
	run --separate-stderr mostro-ln decode "$inv"
	[ "$status" -eq 0 ]
	[ "$(jq -r .payee_pubkey <<<"$output")" = "$PAYEE" ]
}

@test "the key from --key-fd, \$MOSTRO_SECRET_KEY or \$NOSTR_SECRET_KEY gives the same invoice" {
	a=$(mostro-ln encode -k "$T/key" --now 1 "$FIELDS" | jq -r .invoice)
	b=$(mostro-ln encode --key-fd 3 --now 1 "$FIELDS" 3<"$T/key" | jq -r .invoice)
	c=$(MOSTRO_SECRET_KEY=$SK mostro-ln encode --now 1 "$FIELDS" | jq -r .invoice)
	d=$(NOSTR_SECRET_KEY=$SK mostro-ln encode --now 1 "$FIELDS" | jq -r .invoice)
	[ -n "$a" ] && [ "$a" = "$b" ] && [ "$a" = "$c" ] && [ "$a" = "$d" ]
}

@test "no key, a world-readable key file, a bad key: exit 5" {
	run --separate-stderr mostro-ln encode "$FIELDS"
	[ "$status" -eq 5 ]
	chmod 644 "$T/key"
	run --separate-stderr mostro-ln encode -k "$T/key" "$FIELDS"
	[ "$status" -eq 5 ]
	printf '%064d\n' 0 >"$T/zero"
	chmod 600 "$T/zero"
	run --separate-stderr mostro-ln encode -k "$T/zero" "$FIELDS"
	[ "$status" -eq 5 ]
	[ -z "$output" ]
}

@test "a spec vector's record re-signed with the spec key gives the spec string" {
	rec=$(sed -n 1p "$V/bolt11.jsonl")
	printf 'e126f68f7eafcc8b74f54d269fe206be715000f94dac067d1c04a8ca3b2db734\n' >"$T/spec"
	run --separate-stderr mostro-ln encode -k "$T/spec" "$rec"
	[ "$status" -eq 0 ]
	[ "$(jq -r .invoice <<<"$output")" = "$(jq -r .invoice <<<"$rec")" ]
}

@test "decode | encode re-signs an invoice with another key, same fields" {
	inv=$(sed -n 2p "$V/bolt11.jsonl" | jq -r .invoice)
	run --separate-stderr bash -c "mostro-ln decode '$inv' | MOSTRO_SECRET_KEY=$SK mostro-ln encode"
	[ "$status" -eq 0 ]
	[ "$(jq -r .payee_pubkey <<<"$output")" = "$PAYEE" ]
	[ "$(jq -c '[.amount_msat,.description,.expiry,.payment_hash]' <<<"$output")" = \
	  "$(mostro-ln decode "$inv" | jq -c '[.amount_msat,.description,.expiry,.payment_hash]')" ]
}

@test "bad fields: exit 4 naming the field; stdin goes on, exit 123, --errors records" {
	run --separate-stderr mostro-ln encode -k "$T/key" '{"network":"mainet"}'
	[ "$status" -eq 4 ]
	[[ $stderr == *"argument 1: bad_field: network: "* ]]
	run --separate-stderr mostro-ln encode -k "$T/key" 'not json'
	[ "$status" -eq 4 ]
	[[ $stderr == *"bad_field: fields: not a JSON object"* ]]
	printf '%s\n{"network":"regtest","payment_hash":"00"}\n%s\n' "$FIELDS" "$FIELDS" >"$T/in"
	run --separate-stderr mostro-ln encode -k "$T/key" --errors <"$T/in"
	[ "$status" -eq 123 ]
	[ "${#lines[@]}" -eq 3 ]
	[ "$(jq -c '[.type,.line,.error]' <<<"${lines[1]}")" = '["error",2,"bad_field"]' ]
	[[ $stderr == *"line 2: bad_field: payment_hash: 64 hex digits"* ]]
}

@test "a 640-byte description cannot be written: field_too_long, exit 4" {
	d=$(head -c 640 /dev/zero | tr '\0' a)
	run --separate-stderr mostro-ln encode -k "$T/key" '{"network":"regtest","payment_hash":"'$H'","description":"'$d'"}'
	[ "$status" -eq 4 ]
	[[ $stderr == *field_too_long* ]]
}
