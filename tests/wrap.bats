#!/usr/bin/env bats
# mostro-wrap: every flag, input form and error path, with exact exit codes.
# Envelopes are checked by opening them with mostro-unwrap and by their shape
# (kind, tags, timestamps) per PROTOCOL.md §4.1/§4.2.

bats_require_minimum_version 1.5.0

# keys (PROTOCOL.md §8.1, the nip59.jsonl Mostro node), TAKE, secret_file, key_files
load helpers
UUID=308e1272-d5f4-47e6-bd97-3504baea9c23

setup() {
	unset MOSTRO_SECRET_KEY NOSTR_SECRET_KEY MOSTRO_MNEMONIC
	T=$BATS_TEST_TMPDIR
	key_files
}

wrap() { mostro-wrap --key-file "$T/trade" --to $PKM "$@"; }
open_as_mostro() { mostro-unwrap --key-file "$T/mostro" "$@"; }
now() { date +%s; }

# ---------------------------------------------------------------- general

@test "--help and -h print usage on stdout, exit 0" {
	run --separate-stderr mostro-wrap --help
	[ "$status" -eq 0 ]
	[[ $output == Usage:\ mostro-wrap* ]]
	[[ $output == *"--identity-key-file"* ]]
	run --separate-stderr mostro-wrap -h
	[ "$status" -eq 0 ]
}

@test "usage errors exit 2" {
	for args in "--bogus" "--transport v3" "--transport" "--pow 257" "--pow -1" "--pow x" \
		"--expiration -5" "--chat=smoke" "--to nothex" "--to $PKM extra-arg" \
		"--chat --plain" "--plain --chat" "--key-fd 99999"; do
		run --separate-stderr mostro-wrap $args </dev/null
		[ "$status" -eq 2 ] || { echo "args: $args -> $status"; false; }
		[[ $stderr == mostro-wrap:* ]]
	done
	run --separate-stderr mostro-wrap --key-file "$T/trade" --key-fd 0 </dev/null
	[ "$status" -eq 2 ]
	run --separate-stderr mostro-wrap --identity-key-file "$T/id" --identity-key-fd 3 </dev/null
	[ "$status" -eq 2 ]
	# a key from stdin would swallow the input lines ("secret is neither 64 hex
	# digits nor an nsec" about a valid key followed by messages): usage error
	for args in "--key-file -" "--key-fd 0" "--key-file $T/trade --identity-key-file -" \
		"--key-file $T/trade --identity-key-fd 0"; do
		run --separate-stderr bash -c "printf '%s\n%s\n' $SK1 '$TAKE' | mostro-wrap --to $PKM $args"
		[ "$status" -eq 2 ] || { echo "args: $args -> $status"; false; }
		[[ $stderr == *"cannot come from standard input, which carries the input lines"* ]]
	done
	run --separate-stderr mostro-wrap --identity-key-file "$T/id" --chat </dev/null
	[ "$status" -eq 2 ]
	run --separate-stderr mostro-wrap --plain --to $PKM </dev/null
	[ "$status" -eq 2 ]
}

@test "keys: none, world-readable, missing, malformed -> exit 5" {
	run --separate-stderr mostro-wrap --to $PKM </dev/null
	[ "$status" -eq 5 ]
	[[ $stderr == *"no key given"* ]]
	printf '%s\n' $SK1 >"$T/open"; chmod 644 "$T/open"
	run --separate-stderr mostro-wrap --to $PKM --key-file "$T/open" </dev/null
	[ "$status" -eq 5 ]
	run --separate-stderr mostro-wrap --to $PKM --key-file "$T/missing" </dev/null
	[ "$status" -eq 5 ]
	secret_file "$T/junk" "not a key"
	run --separate-stderr mostro-wrap --to $PKM --key-file "$T/junk" </dev/null
	[ "$status" -eq 5 ]
	run --separate-stderr mostro-wrap --to $PKM --key-file "$T/trade" --identity-key-file "$T/missing" </dev/null
	[ "$status" -eq 5 ]
}

@test "keys from --key-fd, \$MOSTRO_SECRET_KEY and \$NOSTR_SECRET_KEY" {
	run --separate-stderr bash -c "echo '$TAKE' | mostro-wrap --to $PKM --key-fd 3 3<'$T/trade'"
	[ "$status" -eq 0 ]
	[ "$(jq -r .pubkey <<<"$output")" = $PK1 ]
	run --separate-stderr bash -c "echo '$TAKE' | MOSTRO_SECRET_KEY=$SK2 mostro-wrap --to $PKM"
	[ "$(jq -r .pubkey <<<"$output")" = $PK2 ]
	run --separate-stderr bash -c "echo '$TAKE' | NOSTR_SECRET_KEY=$SK1 mostro-wrap --to $PKM"
	[ "$(jq -r .pubkey <<<"$output")" = $PK1 ]
	run --separate-stderr bash -c "echo '$TAKE' | mostro-wrap --to $PKM --key-file $T/trade --identity-key-fd 4 4<'$T/id' | mostro-unwrap --key-file $T/mostro"
	[ "$(jq -r .identity <<<"$output")" = $PK0 ]
}

# ------------------------------------------------------------ transports

@test "v2 (default): kind 14 by the trade key, tags p then expiration (+30 days), real time" {
	run --separate-stderr wrap <<<"$TAKE"
	[ "$status" -eq 0 ]
	[ "$(jq -r .kind <<<"$output")" = 14 ]
	[ "$(jq -r .pubkey <<<"$output")" = $PK1 ]
	[ "$(jq -c '[.tags[][0]]' <<<"$output")" = '["p","expiration"]' ]
	[ "$(jq -r '.tags[0][1]' <<<"$output")" = $PKM ]
	[ $(( $(jq -r '.tags[1][1]' <<<"$output") - $(jq -r .created_at <<<"$output") )) -eq 2592000 ]
	[ $(( $(now) - $(jq -r .created_at <<<"$output") )) -le 2 ]
	run --separate-stderr open_as_mostro <<<"$output"
	[ "$status" -eq 0 ]
	[ "$(jq -c .message <<<"$output")" = "$TAKE" ]
	[ "$(jq -r .transport,.mode,.sender,.identity,.trade_signature <<<"$output" | tr '\n' ' ')" = "v2 full-privacy $PK1 $PK1 null " ]
}

@test "--transport v1 / gift-wrap: kind 1059 by a fresh key, [p] only, backdated up to 2 days" {
	for t in v1 gift-wrap 1; do
		run --separate-stderr wrap --transport $t <<<"$TAKE"
		[ "$status" -eq 0 ]
		[ "$(jq -r .kind <<<"$output")" = 1059 ]
		[ "$(jq -r .pubkey <<<"$output")" != $PK1 ]
		[ "$(jq -c .tags <<<"$output")" = "[[\"p\",\"$PKM\"]]" ]
		age=$(( $(now) - $(jq -r .created_at <<<"$output") ))
		[ $age -ge 0 ] && [ $age -lt 172800 ]
		run --separate-stderr open_as_mostro <<<"$output"
		[ "$(jq -r .transport,.sender <<<"$output" | tr '\n' ' ')" = "v1 $PK1 " ]
	done
	run --separate-stderr wrap --transport nip44 <<<"$TAKE"
	[ "$(jq -r .kind <<<"$output")" = 14 ]
}

@test "--identity-key-file: reputation mode on both transports (signature + seal / proof)" {
	for t in v1 v2; do
		run --separate-stderr bash -c "echo '$TAKE' | mostro-wrap --key-file $T/trade --identity-key-file $T/id --to $PKM --transport $t | mostro-unwrap --key-file $T/mostro"
		[ "$status" -eq 0 ]
		[ "$(jq -r .mode,.sender,.identity <<<"$output" | tr '\n' ' ')" = "reputation $PK1 $PK0 " ]
		[ ${#output} -gt 0 ]
		[ "$(jq -r '.trade_signature | length' <<<"$output")" = 128 ]
	done
	# the identity key equal to the trade key is full privacy
	run --separate-stderr bash -c "echo '$TAKE' | mostro-wrap --key-file $T/trade --identity-key-file $T/trade --to $PKM | mostro-unwrap --key-file $T/mostro"
	[ "$(jq -r .mode <<<"$output")" = full-privacy ]
}

@test "--sign adds the trade signature in full privacy" {
	run --separate-stderr bash -c "echo '$TAKE' | mostro-wrap --key-file $T/trade --to $PKM --sign | mostro-unwrap --key-file $T/mostro"
	[ "$(jq -r .mode <<<"$output")" = full-privacy ]
	[ "$(jq -r '.trade_signature | length' <<<"$output")" = 128 ]
}

@test "--pow N: nonce tag last, id has N leading zero bits (v1 and v2)" {
	run --separate-stderr wrap --pow 10 <<<"$TAKE"
	[ "$(jq -c '[.tags[][0]]' <<<"$output")" = '["p","expiration","nonce"]' ]
	[[ $(jq -r .id <<<"$output") == 00[0-3]* ]]
	run --separate-stderr open_as_mostro --min-pow 10 <<<"$output"
	[ "$status" -eq 0 ]
	run --separate-stderr wrap --pow 8 --transport v1 --expiration 60 <<<"$TAKE"
	[ "$(jq -c '[.tags[][0]]' <<<"$output")" = '["expiration","p","nonce"]' ]
	[[ $(jq -r .id <<<"$output") == 00* ]]
}

@test "--pow and a record's pow: at most 32 bits (more would mine for days to millennia)" {
	for n in 33 64 256; do
		for t in v1 v2; do
			run --separate-stderr timeout 10 mostro-wrap --key-file "$T/trade" --to $PKM --transport $t --pow $n <<<"$TAKE"
			[ "$status" -eq 2 ] || { echo "--pow $n $t -> $status"; false; }
			[ -z "$output" ]
			[[ $stderr == *"--pow: expected an integer 0..32, not '$n'"* ]]
		done
		run --separate-stderr timeout 10 mostro-wrap --plain --key-file "$T/trade" --pow $n <<<'{"kind":1}'
		[ "$status" -eq 2 ]
	done
	run --separate-stderr wrap --pow 32 </dev/null
	[ "$status" -eq 0 ]
	# records: the line fails, the others go through
	printf '%s\n' "{\"message\":$TAKE,\"pow\":33,\"transport\":\"v1\"}" "{\"message\":$TAKE,\"pow\":4}" \
		"{\"message\":$TAKE,\"pow\":1000}" >"$T/in"
	run --separate-stderr timeout 10 mostro-wrap --key-file "$T/trade" --to $PKM --errors <"$T/in"
	[ "$status" -eq 123 ]
	[[ $stderr == *"line 1: pow: expected an integer 0..32"* ]]
	[[ $stderr == *"line 3: pow: expected an integer 0..32"* ]]
	[ "$(jq -c 'select(.kind == 14) | [.tags[][0]]' <<<"$output")" = '["p","expiration","nonce"]' ]
	[ "$(jq -c 'select(.type == "error") | .line' <<<"$output" | tr '\n' ' ')" = "1 3 " ]
}

@test "--expiration S: tag S seconds after created_at; 0 removes it; v1 has none by default" {
	run --separate-stderr wrap --expiration 60 <<<"$TAKE"
	[ $(( $(jq -r '.tags[1][1]' <<<"$output") - $(jq -r .created_at <<<"$output") )) -eq 60 ]
	run --separate-stderr wrap --expiration 0 <<<"$TAKE"
	[ "$(jq -c '[.tags[][0]]' <<<"$output")" = '["p"]' ]
	run --separate-stderr wrap --transport v1 <<<"$TAKE"
	[ "$(jq -c '[.tags[][0]]' <<<"$output")" = '["p"]' ]
	run --separate-stderr wrap --transport v1 --expiration 3600 <<<"$TAKE"
	[ "$(jq -r '.tags[0][0]' <<<"$output")" = expiration ]
	exp=$(jq -r '.tags[0][1]' <<<"$output")
	[ $(( exp - $(now) )) -ge 3598 ] && [ $(( exp - $(now) )) -le 3600 ]
}

# ----------------------------------------------------------------- records

@test "records: to (hex or npub), transport, pow, expiration (absolute or null), created_at" {
	npub=$(mostro-key encode npub $PKM | jq -r .bech32)
	{
		echo "{\"to\":\"$npub\",\"message\":$TAKE}"
		echo "{\"to\":\"$PK2\",\"message\":$TAKE,\"transport\":\"v1\"}"
		echo "{\"message\":$TAKE,\"pow\":4,\"expiration\":1900000000,\"created_at\":1800000000}"
		echo "{\"message\":$TAKE,\"expiration\":null}"
	} >"$T/in"
	run --separate-stderr mostro-wrap --key-file "$T/trade" --to $PK0 <"$T/in"
	[ "$status" -eq 0 ]
	mapfile -t ev <<<"$output"
	[ "$(jq -r '.tags[0][1]' <<<"${ev[0]}")" = $PKM ]
	[ "$(jq -r '.kind,.tags[0][1]' <<<"${ev[1]}" | tr '\n' ' ')" = "1059 $PK2 " ]
	[ "$(jq -r '.created_at,.tags[0][1],.tags[1][1],.tags[2][0]' <<<"${ev[2]}" | tr '\n' ' ')" = "1800000000 $PK0 1900000000 nonce " ]
	[ "$(jq -c '[.tags[][0]]' <<<"${ev[3]}")" = '["p"]' ]
}

@test "records: created_at 0 is the Unix epoch (the stalest envelope), not now" {
	for t in v1 v2; do
		run --separate-stderr bash -c "echo '{\"message\":$TAKE,\"created_at\":0,\"transport\":\"$t\"}' | mostro-wrap --key-file $T/trade --to $PKM | mostro-unwrap --key-file $T/mostro"
		[ "$status" -eq 0 ]
		[ "$(jq .created_at <<<"$output")" = 0 ]
	done
	# v2: the event itself, and the default expiration counted from it
	run --separate-stderr mostro-wrap --key-file "$T/trade" --to $PKM <<<"{\"message\":$TAKE,\"created_at\":0}"
	[ "$(jq -c '[.created_at,.tags[1][1]]' <<<"$output")" = '[0,"2592000"]' ]
	for f in current legacy nip59; do
		run --separate-stderr bash -c "echo '{\"to\":\"$PK2\",\"text\":\"t\",\"format\":\"$f\",\"created_at\":0}' | mostro-wrap --key-file $T/trade --chat | mostro-unwrap --key-file $T/other --peer $PK1"
		[ "$status" -eq 0 ]
		[ "$(jq .created_at <<<"$output")" = 0 ]
	done
}

@test "records: a created_at whose relative expiration would pass 2^64-1 fails the line instead of wrapping to 1970" {
	max=18446744073709551615
	{
		echo "{\"message\":$TAKE,\"created_at\":$max}"
		echo "{\"message\":$TAKE,\"created_at\":18446744073706959616}"
		echo "{\"message\":$TAKE,\"created_at\":18446744073706959615}"
		echo "{\"message\":$TAKE,\"created_at\":$max,\"expiration\":null}"
		echo "{\"message\":$TAKE,\"created_at\":$max,\"expiration\":$max}"
	} >"$T/in"
	run --separate-stderr wrap <"$T/in"
	[ "$status" -eq 123 ]
	mapfile -t ev <<<"$output"
	[ "${#ev[@]}" -eq 3 ]
	# 2^64-1 - 30 days is the last created_at the default expiration fits after
	[[ ${ev[0]} == *'"created_at":18446744073706959615,'*'["expiration","18446744073709551615"]'* ]]
	[ "$(jq -c '[.tags[][0]]' <<<"${ev[1]}")" = '["p"]' ]
	[[ ${ev[2]} == *'["expiration","18446744073709551615"]'* ]]
	[[ $stderr == *"line 1: expiration: created_at 18446744073709551615 + 2592000 s is past 2^64-1"* ]]
	[[ $stderr == *"line 2: expiration:"* ]]
	[[ $stderr != *"line 3"* ]]
	# the same with --expiration S, on v1 too
	run --separate-stderr wrap --transport v1 --expiration 5 <<<"{\"message\":$TAKE,\"created_at\":$max}"
	[ "$status" -eq 123 ]
	[ -z "$output" ]
	[[ $stderr == *"+ 5 s is past 2^64-1"* ]]
}

@test "a missing version is stamped with the transport's; an explicit one is kept" {
	m='{"order":{"id":"'$UUID'","action":"fiat-sent"}}'
	run --separate-stderr bash -c "echo '$m' | mostro-wrap --key-file $T/trade --to $PKM --transport v1 | mostro-unwrap --key-file $T/mostro"
	[ "$(jq -r .message.order.version <<<"$output")" = 1 ]
	run --separate-stderr bash -c "echo '$m' | mostro-wrap --key-file $T/trade --to $PKM | mostro-unwrap --key-file $T/mostro"
	[ "$(jq -r .message.order.version <<<"$output")" = 2 ]
	run --separate-stderr bash -c "echo '$TAKE' | mostro-wrap --key-file $T/trade --to $PKM --transport v1 | mostro-unwrap --key-file $T/mostro"
	[ "$(jq -r .message.order.version <<<"$output")" = 2 ]
}

@test "input is canonicalized before signing (docs key order, omitted nulls, uppercase UUID)" {
	m='{"order":{"version":2,"id":"308E1272-D5F4-47E6-BD97-3504BAEA9C23","trade_index":1,"action":"take-sell"}}'
	run --separate-stderr bash -c "echo '$m' | mostro-wrap --key-file $T/trade --identity-key-file $T/id --to $PKM | mostro-unwrap --key-file $T/mostro"
	[ "$status" -eq 0 ]
	[ "$(jq -c .message <<<"$output")" = '{"order":{"version":2,"request_id":null,"trade_index":1,"id":"'$UUID'","action":"take-sell","payload":null}}' ]
}

@test "record \"tuple\": the content tuple verbatim (crafted envelopes)" {
	echo '{"to":"'$PKM'","tuple":"[{\"order\":{\"version\":2,\"action\":\"take-sell\"}},null,null]"}' >"$T/in"
	run --separate-stderr bash -c "mostro-wrap --key-file $T/trade <$T/in | mostro-unwrap --key-file $T/mostro"
	[ "$status" -eq 0 ]
	[ "$(jq -r .message.order.action <<<"$output")" = take-sell ]
	echo '{"to":"'$PKM'","tuple":5}' >"$T/in"
	run --separate-stderr mostro-wrap --key-file "$T/trade" <"$T/in"
	[ "$status" -eq 123 ]
	[[ $stderr == *"tuple: expected a string"* ]]
}

# ------------------------------------------------------------ error lines

@test "no recipient anywhere: the line is reported, the others go through, exit 2" {
	printf '%s\n' "{\"to\":\"$PKM\",\"message\":$TAKE}" "$TAKE" "{\"to\":\"$PKM\",\"message\":$TAKE}" >"$T/in"
	run --separate-stderr mostro-wrap --key-file "$T/trade" <"$T/in"
	[ "$status" -eq 2 ]
	[ "${#lines[@]}" -eq 2 ]
	[[ $stderr == *"line 2: no recipient"* ]]
}

@test "an invalid message names the field; the stream goes on; exit 123; --errors records" {
	printf '%s\n' '{"order":{"version":2,"id":"'$UUID'","action":"add-invoice","payload":{"payment_request":[null,"lnbc"]}}}' \
		"$TAKE" '{"order":{"version":2,"action":"take-order"}}' 'not json' '{"order":{"version":2,"request_id":"7","action":"cancel"}}' \
		"{\"to\":\"zz\",\"message\":$TAKE}" "{\"message\":$TAKE,\"transport\":\"v9\"}" "{\"message\":$TAKE,\"pow\":\"8\"}" \
		"{\"message\":$TAKE,\"expiration\":-1}" >"$T/in"
	run --separate-stderr wrap <"$T/in"
	[ "$status" -eq 123 ]
	[ "${#lines[@]}" -eq 1 ]
	[[ $stderr == *"line 1: invalid message: order.payload.payment_request: payment_request must have 3 elements, found 2"* ]]
	[[ $stderr == *"line 3: invalid message: order.action: unknown action \"take-order\""* ]]
	[[ $stderr == *"line 4: invalid JSON"* ]]
	[[ $stderr == *"line 5: invalid message: order.request_id: expected u64, found string"* ]]
	[[ $stderr == *"line 6: to: not a public key"* ]]
	[[ $stderr == *"line 7: transport:"* ]]
	[[ $stderr == *"line 8: pow:"* ]]
	[[ $stderr == *"line 9: expiration:"* ]]
	run --separate-stderr wrap --errors <"$T/in"
	[ "$status" -eq 123 ]
	[ "$(jq -r 'select(.type=="error") | .line' <<<"$output" | tr '\n' ' ')" = "1 3 4 5 6 7 8 9 " ]
	[ "$(jq -r 'select(.type=="error" and .line==1) | .error' <<<"$output")" = invalid-input ]
}

@test "records: -0 and float literals are no integers, in record fields as in message fields (one rule)" {
	printf '%s\n' "{\"message\":$TAKE,\"created_at\":-0}" "{\"message\":$TAKE,\"pow\":-0}" \
		"{\"message\":$TAKE,\"expiration\":-0}" "{\"message\":$TAKE,\"created_at\":1.0}" \
		"{\"message\":$TAKE,\"pow\":1e0}" "{\"message\":$TAKE,\"created_at\":0}" \
		'{"message":{"order":{"version":2,"request_id":-0,"id":"'$UUID'","action":"release"}}}' >"$T/in"
	run --separate-stderr mostro-wrap --key-file "$T/trade" --to $PKM <"$T/in"
	[ "$status" -eq 123 ]
	[ "${#lines[@]}" -eq 1 ]
	[ "$(jq .created_at <<<"$output")" = 0 ]
	[[ $stderr == *"line 1: created_at: expected an integer 0..18446744073709551615"* ]]
	[[ $stderr == *"line 2: pow: expected an integer 0..32"* ]]
	[[ $stderr == *"line 3: expiration: expected an integer 0..18446744073709551615 or null"* ]]
	[[ $stderr == *"line 4: created_at: expected an integer"* ]]
	[[ $stderr == *"line 5: pow: expected an integer"* ]]
	[[ $stderr == *"line 7: invalid message: order.request_id: expected u64, found float -0"* ]]
	run --separate-stderr mostro-wrap --key-file "$T/trade" --chat <<<'{"to":"'$PK2'","text":"t","created_at":-0}'
	[ "$status" -eq 123 ]
	[[ $stderr == *"line 1: created_at: expected an integer"* ]]
	run --separate-stderr mostro-wrap --key-file "$T/trade" --plain <<<'{"kind":1,"created_at":-0}'
	[ "$status" -eq 123 ]
	[[ $stderr == *"line 1: template: created_at"* ]]
	run --separate-stderr mostro-wrap --key-file "$T/trade" --plain <<<'{"kind":-0}'
	[ "$status" -eq 123 ]
	[[ $stderr == *"line 1: template: kind"* ]]
}

@test "records: an unknown field or both message and tuple fail the line, naming it" {
	printf '%s\n' "{\"to\":\"$PKM\",\"message\":$TAKE,\"createdAt\":1700000000}" \
		"{\"to\":\"$PKM\",\"message\":$TAKE,\"tuple\":\"[]\"}" "{\"to\":\"$PKM\",\"message\":$TAKE}" >"$T/in"
	run --separate-stderr mostro-wrap --key-file "$T/trade" <"$T/in"
	[ "$status" -eq 123 ]
	[ "${#lines[@]}" -eq 1 ]
	[[ $stderr == *'line 1: unknown record field "createdAt"'* ]]
	[[ $stderr == *'line 2: a record has "message" or "tuple", not both'* ]]
	echo '{"to":"'$PK2'","txt":"hi"}' >"$T/in"
	run --separate-stderr mostro-wrap --key-file "$T/trade" --chat <"$T/in"
	[ "$status" -eq 123 ]
	[[ $stderr == *'line 1: unknown record field "txt"'* ]]
}

# ------------------------------------------------------------------- chat

@test "--chat (current): kind 14 by K_sign, p = K_conv; the peer opens it with --peer" {
	run --separate-stderr bash -c "echo '\"hola\"' | mostro-wrap --key-file $T/trade --to $PK2 --chat"
	[ "$status" -eq 0 ]
	ev=$output
	[ "$(jq -r .kind <<<"$ev")" = 14 ]
	[ "$(jq -r .pubkey <<<"$ev")" != $PK1 ]
	[ "$(jq -r '.tags | length' <<<"$ev")" = 1 ]
	run --separate-stderr mostro-unwrap --key-file "$T/other" --peer $PK1 <<<"$ev"
	[ "$status" -eq 0 ]
	[ "$(jq -r '.type,.format,.sender,.recipient,.rumor.content' <<<"$output" | tr '\n' ' ')" = "chat current $PK1 $PK2 hola " ]
	# without --peer nobody is addressed
	run --separate-stderr mostro-unwrap --key-file "$T/other" <<<"$ev"
	[ "$status" -eq 123 ]
	[[ $stderr == *"not-for-us"* ]]
}

@test "--chat=legacy and --chat=nip59; records with to, text, format, created_at" {
	for f in legacy nip59; do
		run --separate-stderr bash -c "echo '\"x\"' | mostro-wrap --key-file $T/trade --to $PK2 --chat=$f | mostro-unwrap --key-file $T/other --peer $PK1"
		[ "$status" -eq 0 ]
		[ "$(jq -r .format <<<"$output")" = $f ]
	done
	echo '{"to":"'$PK2'","text":"t","format":"nip59","created_at":1800000000}' >"$T/in"
	run --separate-stderr bash -c "mostro-wrap --key-file $T/trade --chat <$T/in | mostro-unwrap --key-file $T/other"
	[ "$(jq -r '.format,.created_at,.rumor.kind' <<<"$output" | tr '\n' ' ')" = "nip59 1800000000 14 " ]
	printf '%s\n' '{"to":"'$PK2'","text":"t","format":"x"}' '{"to":"'$PK2'"}' '5' >"$T/in"
	run --separate-stderr mostro-wrap --key-file "$T/trade" --chat <"$T/in"
	[ "$status" -eq 123 ]
	[[ $stderr == *"line 1: format:"* && $stderr == *"line 2: expected a chat line"* && $stderr == *"line 3: expected a chat line"* ]]
}

# ------------------------------------------------------------------ plain

@test "--plain signs templates as they are (kind, tags order, content, created_at)" {
	tpl='{"kind":38385,"created_at":1731701441,"tags":[["d","'$PKM'"],["pow","0"],["protocol_version","2"],["z","info"]]}'
	run --separate-stderr mostro-wrap --plain --key-file "$T/mostro" <<<"$tpl"
	[ "$status" -eq 0 ]
	[ "$(jq -r '.pubkey,.kind,.created_at,.content' <<<"$output" | tr '\n' ' ')" = "$PKM 38385 1731701441  " ]
	[ "$(jq -c .tags <<<"$output")" = "$(jq -c .tags <<<"$tpl")" ]
	# a template carrying an old id/pubkey/sig is re-signed; pow works too
	run --separate-stderr bash -c "echo '$output' | mostro-wrap --plain --key-file $T/trade --pow 8"
	[ "$(jq -r .pubkey <<<"$output")" = $PK1 ]
	[[ $(jq -r .id <<<"$output") == 00* ]]
	printf '%s\n' '{"tags":[]}' '{"kind":1,"tags":[[]]}' '[1]' >"$T/in"
	run --separate-stderr mostro-wrap --plain --key-file "$T/mostro" <"$T/in"
	[ "$status" -eq 123 ]
	[[ $stderr == *"line 1: template: kind"* && $stderr == *"line 2: template: tags"* && $stderr == *"line 3: expected an event template"* ]]
}

@test "--plain defaults: created_at now, tags [] and content empty" {
	run --separate-stderr mostro-wrap --plain --key-file "$T/mostro" <<<'{"kind":8383}'
	[ "$(jq -r '.tags|length' <<<"$output")" = 0 ]
	[ $(( $(now) - $(jq -r .created_at <<<"$output") )) -le 2 ]
}

# ------------------------------------------------------------------ mixed

# What the engine writes (docs/ENGINE.md §1): DM records to users' trade keys
# and public event templates, on one stream, signed with Mostro's key.
ORDER_TPL='{"kind":38383,"tags":[["d","'$UUID'"],["k","sell"],["s","pending"],["z","order"]],"content":"","created_at":1731701441}'
INFO_TPL='{"kind":38385,"tags":[["d","MOSTRO"],["z","info"]],"content":"","created_at":1731701442}'
REPLY='{"order":{"version":1,"request_id":1,"trade_index":1,"id":"'$UUID'","action":"pay-invoice","payload":null}}'

@test "--mixed: DM records and event templates interleaved, each signed the way its shape says, in input order" {
	printf '%s\n' "$ORDER_TPL" \
		"{\"to\":\"$PK1\",\"message\":$REPLY}" \
		"{\"to\":\"$PK2\",\"message\":$REPLY,\"transport\":\"v1\",\"expiration\":null}" \
		"$INFO_TPL" \
		"{\"to\":\"$PK1\",\"tuple\":\"[{\\\"order\\\":{}},null]\",\"created_at\":1800000000}" >"$T/in"
	run --separate-stderr mostro-wrap --mixed --key-file "$T/mostro" <"$T/in"
	[ "$status" -eq 0 ]
	[ -z "$stderr" ]
	[ "${#lines[@]}" -eq 5 ]
	ev=("${lines[@]}")
	# kinds in input order: template, v2 DM, v1 DM, template, v2 DM
	[ "$(for l in "${ev[@]}"; do jq -r .kind <<<"$l"; done | tr '\n' ' ')" = "38383 14 1059 38385 14 " ]
	# templates: signed by Mostro's key as they are
	for i in 0 3; do
		[ "$(jq -r .pubkey <<<"${ev[$i]}")" = $PKM ]
		mostro-relay pub <<<"${ev[$i]}" >/dev/null    # verifies id and signature (dry run)
	done
	[ "$(jq -c '[.created_at,.tags,.content]' <<<"${ev[0]}")" = "$(jq -c '[.created_at,.tags,.content]' <<<"$ORDER_TPL")" ]
	[ "$(jq -c '[.created_at,.tags]' <<<"${ev[3]}")" = "$(jq -c '[.created_at,.tags]' <<<"$INFO_TPL")" ]
	# DMs: each recipient opens its own, from Mostro's key
	run --separate-stderr mostro-unwrap --key-file "$T/trade" <<<"${ev[1]}"
	[ "$status" -eq 0 ]
	[ "$(jq -r '.transport,.sender,.recipient,.message.order.action' <<<"$output" | tr '\n' ' ')" = "v2 $PKM $PK1 pay-invoice " ]
	run --separate-stderr mostro-unwrap --key-file "$T/other" <<<"${ev[2]}"
	[ "$status" -eq 0 ]
	[ "$(jq -r '.transport,.sender,.recipient' <<<"$output" | tr '\n' ' ')" = "v1 $PKM $PK2 " ]
	[ "$(jq -c '[.tags[][0]]' <<<"${ev[2]}")" = '["p"]' ]
	[ "$(jq -r '.pubkey,.created_at' <<<"${ev[4]}" | tr '\n' ' ')" = "$PKM 1800000000 " ]
}

@test "--mixed: a bad line in the middle is reported naming its problem, the stream goes on, exit 123" {
	printf '%s\n' "$ORDER_TPL" \
		'{"order":{"version":2,"request_id":1,"id":"'$UUID'","action":"release"}}' \
		"{\"to\":\"$PK1\",\"message\":$REPLY,\"kind\":14}" \
		"{\"to\":\"$PK1\",\"message\":{\"order\":{\"action\":\"no-such-action\"}}}" \
		'{"kind":"38383","tags":[]}' \
		'[1,2]' \
		"{\"to\":\"$PK1\",\"message\":$REPLY,\"pow\":-0}" \
		"{\"to\":\"$PK1\",\"message\":$REPLY}" \
		"$INFO_TPL" >"$T/in"
	run --separate-stderr mostro-wrap --mixed --key-file "$T/mostro" --errors <"$T/in"
	[ "$status" -eq 123 ]
	# the good lines, in order, with an error record where each bad one was
	[ "$(for l in "${lines[@]}"; do jq -r '.kind // .type' <<<"$l"; done | tr '\n' ' ')" = "38383 error error error error error error 14 38385 " ]
	[ "$(for l in "${lines[@]}"; do jq -r 'select(.type=="error").line' <<<"$l"; done | tr '\n' ' ')" = "2 3 4 5 6 7 " ]
	[[ $stderr == *'line 2: neither a DM record (no "message" or "tuple") nor an event template (no "kind")'* ]]
	[[ $stderr == *'line 3: both "kind" (an event template) and "message" (a DM record): a line is one or the other'* ]]
	[[ $stderr == *"line 4: invalid message: "* ]]
	[[ $stderr == *"line 5: template: kind"* ]]
	[[ $stderr == *"line 6: expected a DM record"* ]]
	[[ $stderr == *"line 7: pow: expected an integer 0..32"* ]]
	# a DM record without recipient and no --to: the line fails, the others go, exit 2 as in the default mode
	printf '%s\n' "{\"message\":$REPLY}" "$INFO_TPL" >"$T/in"
	run --separate-stderr mostro-wrap --mixed --key-file "$T/mostro" <"$T/in"
	[ "$status" -eq 2 ]
	[ "$(jq -r .kind <<<"$output")" = 38385 ]
	[[ $stderr == *'line 1: no recipient: give --to or a record with "to"'* ]]
}

@test "--mixed: a line's \"ref\" comes out beside its event ({\"ref\",\"event\"}), signed into nothing; a bad ref fails its line, naming it" {
	printf '%s\n' \
		"{\"ref\":\"r-1\",\"to\":\"$PK1\",\"message\":$REPLY}" \
		"$INFO_TPL" \
		"$(jq -c '. + {ref:"tpl \"2\""}' <<<"$ORDER_TPL")" \
		"{\"ref\":7,\"to\":\"$PK1\",\"message\":$REPLY}" \
		"{\"ref\":\"$(printf 'x%.0s' $(seq 257))\",\"to\":\"$PK1\",\"message\":$REPLY}" \
		"{\"ref\":\"r-6\",\"to\":\"$PK1\",\"message\":{\"order\":{\"action\":\"no-such-action\"}}}" >"$T/in"
	run --separate-stderr mostro-wrap --mixed --key-file "$T/mostro" --errors <"$T/in"
	[ "$status" -eq 123 ]
	[ "${#lines[@]}" -eq 6 ]
	# the ref'd lines: {"ref","event"}, the ref as given; the plain one a bare event
	[ "$(jq -c 'keys' <<<"${lines[0]}")" = '["event","ref"]' ]
	[ "$(jq -r '.ref,.event.kind' <<<"${lines[0]}" | tr '\n' ' ')" = "r-1 14 " ]
	[ "$(jq -r '.kind' <<<"${lines[1]}")" = 38385 ]
	[ "$(jq -r '.ref' <<<"${lines[2]}")" = 'tpl "2"' ]
	# the template is signed without its ref, as it would be with none
	[ "$(jq -c '.event|[.kind,.created_at,.tags,.content]' <<<"${lines[2]}")" = "$(jq -c '[.kind,.created_at,.tags,.content]' <<<"$ORDER_TPL")" ]
	[[ ${lines[2]} != *'"ref"'*'"ref"'* ]]
	# both shapes verify (pub reads {"ref","event"} lines; dry run)
	mostro-relay pub <<<"${lines[0]}" >/dev/null
	mostro-relay pub <<<"${lines[2]}" >/dev/null
	# the DM's ref is nowhere in what its recipient opens
	run --separate-stderr mostro-unwrap --key-file "$T/trade" <<<"$(jq -c .event <<<"${lines[0]}")"
	[ "$status" -eq 0 ]
	[ "$(jq -r '.message.order.action' <<<"$output")" = pay-invoice ]
	[[ $output != *r-1* ]]
	# bad refs: a number, 257 bytes; a line failing for another reason keeps its ref in the error record
	run --separate-stderr mostro-wrap --mixed --key-file "$T/mostro" --errors <"$T/in"
	[ "$(for l in "${lines[@]:3}"; do jq -r '[.type,.line,.ref // "-"]|join(" ")' <<<"$l"; done | tr '\n' '|')" = "error 4 -|error 5 -|error 6 r-6|" ]
	[[ $stderr == *'line 4: ref: expected a string of at most 256 bytes'* ]]
	[[ $stderr == *'line 5: ref: expected a string of at most 256 bytes'* ]]
	[[ $stderr == *"line 6: invalid message: "* ]]
	# 256 bytes is fine
	run --separate-stderr mostro-wrap --mixed --key-file "$T/mostro" <<<"{\"ref\":\"$(printf 'x%.0s' $(seq 256))\",\"to\":\"$PK1\",\"message\":$REPLY}"
	[ "$status" -eq 0 ]
	[ "$(jq -r '.ref|length' <<<"$output")" = 256 ]
}

@test "--mixed excludes --chat and --plain; --to, --transport, --pow and --identity-key-file apply to its DM lines" {
	for m in --chat --plain --chat=legacy; do
		run --separate-stderr mostro-wrap --mixed "$m" --key-file "$T/mostro" </dev/null
		[ "$status" -eq 2 ]
		[[ $stderr == *"exclude each other"* ]]
	done
	printf '%s\n' "{\"message\":$REPLY}" '{"kind":1,"content":"x"}' >"$T/in"
	run --separate-stderr mostro-wrap --mixed --key-file "$T/mostro" --to $PK1 --transport v1 --pow 4 <"$T/in"
	[ "$status" -eq 0 ]
	[ "$(jq -r .kind <<<"${lines[0]}")" = 1059 ]
	[[ $(jq -r .id <<<"${lines[0]}") == 0* ]]
	[[ $(jq -r .id <<<"${lines[1]}") == 0* ]]
	run --separate-stderr mostro-wrap --mixed --key-file "$T/trade" --identity-key-file "$T/id" --to $PKM <<<"{\"message\":$TAKE}"
	[ "$status" -eq 0 ]
	run --separate-stderr mostro-unwrap --key-file "$T/mostro" <<<"$output"
	[ "$(jq -r .mode <<<"$output")" = reputation ]
}

@test "a write error on stdout (disk full, reader gone with SIGPIPE ignored) stops with exit 123, not 0" {
	for i in 1 2 3; do echo "$TAKE"; done >"$T/in"
	run --separate-stderr bash -c "mostro-wrap --key-file '$T/trade' --to $PKM <'$T/in' >/dev/full"
	[ "$status" -eq 123 ]
	[[ $stderr == *"mostro-wrap: writing standard output: "* ]]
	for i in $(seq 1 2000); do echo "$TAKE"; done >"$T/many"
	run --separate-stderr bash -c "trap '' PIPE; mostro-wrap --key-file '$T/trade' --to $PKM <'$T/many' | head -1 >/dev/null; exit \${PIPESTATUS[0]}"
	[ "$status" -eq 123 ]
	[[ $stderr == *"writing standard output: Broken pipe"* ]]
}

@test "a message too long for NIP-44 fails the line naming the layer: v1 seal (about 40 KB), v1 rumor or v2 tuple" {
	big() { printf '{"dm":{"version":2,"id":"%s","action":"send-dm","payload":{"text_message":"%s"}}}\n' $UUID "$(head -c "$1" /dev/zero | tr '\0' x)"; }
	big 45000 >"$T/45k"
	run --separate-stderr wrap --transport v1 <"$T/45k"
	[ "$status" -eq 123 ]
	[ -z "$output" ]
	[[ $stderr == *"line 1: message too long for v1: the seal "*"about 40 KB"* ]]
	run --separate-stderr wrap <"$T/45k"      # v2 carries it
	[ "$status" -eq 0 ]
	[ -n "$output" ]
	big 66000 >"$T/66k"
	for t in v1 v2; do
		run --separate-stderr wrap --transport $t <"$T/66k"
		[ "$status" -eq 123 ]
		[[ $stderr == *"line 1: message too long: the content tuple (v2) or the rumor (v1)"* ]]
	done
	# chat: nip59 seals and wraps (about 40 KB), current and legacy one layer
	text=$(head -c 45000 /dev/zero | tr '\0' x)
	for f in nip59 current legacy; do
		echo "{\"to\":\"$PK2\",\"text\":\"$text\",\"format\":\"$f\"}"
	done >"$T/chat"
	run --separate-stderr mostro-wrap --key-file "$T/trade" --chat <"$T/chat"
	[ "$status" -eq 123 ]
	[ "${#lines[@]}" -eq 2 ]
	[[ $stderr == *"line 1: chat: text too long for NIP-44 (65535 bytes of plaintext per layer): about 40 KB of text fits in the nip59 format"* ]]
}
