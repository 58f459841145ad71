#!/usr/bin/env bats
# mostro-unwrap: key sources, input forms, every gate and every reason code,
# the error line format and exit codes. Seal and rumor layers are built by hand
# with the tools themselves: a "tuple" record makes mostro-wrap NIP-44-encrypt
# any text to Mostro, and --plain signs the kind 13 / kind 1059 events around it
# (tests/unit/test_mostro_envelope.c and tests/interop tamper with them too).

bats_require_minimum_version 1.5.0

# keys (PROTOCOL.md §8.1, the nip59.jsonl Mostro node), NIP06_MNEMONIC, TAKE, secret_file, key_files
load helpers
# PROTOCOL §14.1-2: trade signature (key 1) and identity proof (key 0) of TAKE
TSIG=706172d6d1bb2bb2281b78cac2430179d2462c4745c140490fbfbebbca82f03c621a0b475037b37189d2dd3f584c3426c0979cbf3b1a426b042426affbf7785a
ISIG=8dfe86bcad4293ebd9dca5eb1f217dadcb4f7ec3d7a277f80aa44682f729bdb8487601e25a0d11b1c4fba167a53ce110625065be9bce7a504f967949a98634ff
V=${MOSTRO_VECTORS:-tests/vectors}

setup() {
	unset MOSTRO_SECRET_KEY NOSTR_SECRET_KEY MOSTRO_MNEMONIC MOSTRO_PASSPHRASE
	T=$BATS_TEST_TMPDIR
	key_files
	secret_file "$T/mnemonic" "$NIP06_MNEMONIC"
	export T PKM
	export -f crafted
}

wrap() { mostro-wrap --key-file "$T/trade" --to $PKM "$@"; }
# a v2 event from the trade key carrying a verbatim tuple
crafted() { echo "{\"to\":\"$PKM\",\"tuple\":$(jq -Rc . <<<"$1")}" | mostro-wrap --key-file "$T/trade"; }

@test "--help prints usage on stdout, exit 0" {
	run --separate-stderr mostro-unwrap --help
	[ "$status" -eq 0 ]
	[[ $output == Usage:\ mostro-unwrap* ]]
	[[ $output == *"--max-age"* ]]
}

@test "usage errors exit 2" {
	for args in "--bogus" "--min-pow 300" "--max-age x" "--index 5-1" "--index" "--peer zz" \
		"--key-file $T/mostro extra" "--mnemonic-file $T/mnemonic --mnemonic-fd 0"; do
		run --separate-stderr mostro-unwrap $args </dev/null
		[ "$status" -eq 2 ] || { echo "args: $args -> $status"; false; }
	done
	run --separate-stderr mostro-unwrap --key-file "$T/mostro" --index 1-3 </dev/null
	[ "$status" -eq 2 ]
	[[ $stderr == *"--index needs a mnemonic"* ]]
	# a key or mnemonic from stdin would swallow the events: usage error
	for args in "--key-file -" "--key-fd 0" "--key-file $T/mostro --key-file -" "--mnemonic-file -" "--mnemonic-fd 0"; do
		run --separate-stderr bash -c "printf '%s\n' $SKM | mostro-unwrap $args"
		[ "$status" -eq 2 ] || { echo "args: $args -> $status"; false; }
		[[ $stderr == *"cannot come from standard input, which carries the events"* ]]
	done
}

@test "keys: none, unreadable, bad mnemonic -> exit 5" {
	run --separate-stderr mostro-unwrap </dev/null
	[ "$status" -eq 5 ]
	run --separate-stderr mostro-unwrap --key-file "$T/nope" </dev/null
	[ "$status" -eq 5 ]
	secret_file "$T/badm" "leader monkey parrot"
	run --separate-stderr mostro-unwrap --mnemonic-file "$T/badm" </dev/null
	[ "$status" -eq 5 ]
	chmod 644 "$T/mostro"
	run --separate-stderr mostro-unwrap --key-file "$T/mostro" </dev/null
	[ "$status" -eq 5 ]
}

@test "opens a v2 reputation message: the record's fields" {
	run --separate-stderr bash -c "echo '$TAKE' | mostro-wrap --key-file $T/trade --identity-key-file $T/id --to $PKM"
	ev=$output
	run --separate-stderr mostro-unwrap --key-file "$T/mostro" <<<"$ev"
	[ "$status" -eq 0 ]
	[ "$(jq -r 'keys_unsorted | join(",")' <<<"$output")" = "type,transport,id,recipient,sender,identity,mode,created_at,message,trade_signature" ]
	[ "$(jq -r '.type,.transport,.recipient,.sender,.identity,.mode' <<<"$output" | tr '\n' ' ')" = "message v2 $PKM $PK1 $PK0 reputation " ]
	[ "$(jq -r .id <<<"$output")" = "$(jq -r .id <<<"$ev")" ]
	[ "$(jq -r .created_at <<<"$output")" = "$(jq -r .created_at <<<"$ev")" ]
	[ "$(jq -c .message <<<"$output")" = "$TAKE" ]
}

@test "[\"EVENT\",sub,event] frames are accepted; other arrays are bad-event" {
	ev=$(wrap <<<"$TAKE")
	run --separate-stderr mostro-unwrap --key-file "$T/mostro" <<<"[\"EVENT\",\"s1\",$ev]"
	[ "$status" -eq 0 ]
	[ "$(jq -r .type <<<"$output")" = message ]
	run --separate-stderr mostro-unwrap --key-file "$T/mostro" <<<"[\"EOSE\",\"s1\"]"
	[ "$status" -eq 123 ]
	[[ $stderr == "mostro-unwrap: line 1: bad-event: "* ]]
}

@test "several --key-file: each event opens with the key its p tag names" {
	a=$(wrap <<<"$TAKE")
	b=$(mostro-wrap --key-file "$T/trade" --to $PK2 <<<"$TAKE")
	run --separate-stderr mostro-unwrap --key-file "$T/mostro" --key-file "$T/other" <<<"$a"$'\n'"$b"
	[ "$status" -eq 0 ]
	[ "$(jq -r .recipient <<<"$output" | tr '\n' ' ')" = "$PKM $PK2 " ]
}

@test "--mnemonic-file with --index (default 1-50), --mnemonic-fd, \$MOSTRO_MNEMONIC" {
	# replies from Mostro to trade keys 1 and 2 of the NIP-06 mnemonic
	r1=$(mostro-wrap --key-file "$T/mostro" --to $PK1 <<<"$TAKE")
	r2=$(mostro-wrap --key-file "$T/mostro" --to $PK2 --transport v1 <<<"$TAKE")
	r0=$(mostro-wrap --key-file "$T/mostro" --to $PK0 <<<"$TAKE")
	run --separate-stderr mostro-unwrap --mnemonic-file "$T/mnemonic" <<<"$r1"$'\n'"$r2"$'\n'"$r0"
	[ "$status" -eq 123 ]
	[ "$(jq -r .recipient <<<"$output" | tr '\n' ' ')" = "$PK1 $PK2 " ]
	[[ $stderr == *": not-for-us: "* ]]
	run --separate-stderr mostro-unwrap --mnemonic-file "$T/mnemonic" --index 0-1 <<<"$r1"$'\n'"$r0"
	[ "$status" -eq 0 ]
	run --separate-stderr bash -c "mostro-unwrap --mnemonic-fd 3 --index 2 3<$T/mnemonic <<<'$r2'"
	[ "$status" -eq 0 ]
	run --separate-stderr bash -c "MOSTRO_MNEMONIC='$NIP06_MNEMONIC' mostro-unwrap --index 1 <<<'$r1'"
	[ "$status" -eq 0 ]
	[ "$(jq -r .sender <<<"$output")" = $PKM ]
}

@test "every nip59.jsonl record and v2_event vector opens" {
	while IFS= read -r rec; do
		secret_file "$T/rx" "$(jq -r .recipient_secret_key <<<"$rec")"
		run --separate-stderr mostro-unwrap --key-file "$T/rx" <<<"$(jq -c .wrap <<<"$rec")"
		[ "$status" -eq 0 ] || { echo "$(jq -r .name <<<"$rec"): $stderr"; false; }
	done <"$V/nip59.jsonl"
	while IFS= read -r rec; do
		secret_file "$T/rx" "$(jq -r .receiver_secret_key <<<"$rec")"
		run --separate-stderr mostro-unwrap --key-file "$T/rx" <<<"$(jq -c .event <<<"$rec")"
		[ "$status" -eq 0 ]
		[ "$(jq -c .message <<<"$output")" = "$(jq -r .expected.message_json <<<"$rec")" ]
	done < <(jq -c 'select(.type=="v2_event")' "$V/mostro-sign.jsonl")
}

# --------------------------------------------------------- reason codes

@test "error line format, --errors records, the stream goes on, exit 123" {
	good=$(wrap <<<"$TAKE")
	bad=$(jq -c '.sig = ("00" + .sig[2:])' <<<"$good")
	id=$(jq -r .id <<<"$bad")
	run --separate-stderr mostro-unwrap --key-file "$T/mostro" <<<"$bad"$'\n'"$good"$'\n'"{oops"
	[ "$status" -eq 123 ]
	[ "${#lines[@]}" -eq 1 ]
	[[ $stderr == *"mostro-unwrap: $id: bad-signature: "* ]]
	[[ $stderr == *"mostro-unwrap: line 3: bad-json: "* ]]
	run --separate-stderr mostro-unwrap --key-file "$T/mostro" --errors <<<"$bad"$'\n'"$good"$'\n'"{oops"
	[ "$(jq -c 'select(.type=="error") | [.line,.id,.error]' <<<"$output" | tr '\n' ' ')" = "[1,\"$id\",\"bad-signature\"] [3,null,\"bad-json\"] " ]
	[ "$(jq -r 'select(.type=="error") | .message | length > 0' <<<"$output" | sort -u)" = true ]
}

@test "bad-event, bad-kind, not-for-us" {
	run --separate-stderr mostro-unwrap --key-file "$T/mostro" <<<'{"kind":14}'
	[[ $stderr == *"bad-event: "* ]]
	note=$(mostro-wrap --plain --key-file "$T/trade" <<<'{"kind":1,"content":"hi"}')
	run --separate-stderr mostro-unwrap --key-file "$T/mostro" <<<"$note"
	[[ $stderr == *": bad-kind: kind 1 is not a Mostro envelope"* ]]
	ev=$(wrap <<<"$TAKE")
	run --separate-stderr mostro-unwrap --key-file "$T/other" <<<"$ev"
	[ "$status" -eq 123 ]
	[[ $stderr == *": not-for-us: "* ]]
}

@test "bad-mac: the p tag names us, the ciphertext is for someone else" {
	ev=$(mostro-wrap --key-file "$T/trade" --to $PK2 <<<"$TAKE")
	# same content, p tag changed to Mostro, re-signed by the trade key
	tpl=$(jq -c --arg p $PKM '{kind,created_at,content,tags:[["p",$p]]}' <<<"$ev")
	forged=$(mostro-wrap --plain --key-file "$T/trade" <<<"$tpl")
	run --separate-stderr mostro-unwrap --key-file "$T/mostro" <<<"$forged"
	[ "$status" -eq 123 ]
	[[ $stderr == *": bad-mac: content does not decrypt: "* ]]
}

@test "bad-message: a 2-element payment_request, a v1 tuple on v2, an unknown action" {
	run --separate-stderr bash -c "{ crafted '[{\"order\":{\"version\":2,\"id\":\"308e1272-d5f4-47e6-bd97-3504baea9c23\",\"action\":\"add-invoice\",\"payload\":{\"payment_request\":[null,\"lnbc\"]}}},null,null]'; crafted '[$TAKE,null]'; crafted '[{\"order\":{\"version\":2,\"action\":\"take-order\"}},null,null]'; } | mostro-unwrap --key-file $T/mostro"
	[ "$status" -eq 123 ]
	[ "$(grep -c ': bad-message: ' <<<"$stderr")" = 3 ]
	[[ $stderr == *"payment_request must have 3 elements, found 2"* ]]
	[[ $stderr == *"content must be a 3-element tuple"* ]]
	[[ $stderr == *"unknown action \"take-order\""* ]]
}

@test "bad-trade-signature and bad-identity-proof (PROTOCOL §14 signatures)" {
	# control: §14.3's tuple from trade key 1 opens in reputation mode
	run --separate-stderr bash -c "crafted '[$TAKE,\"$TSIG\",[\"$PK0\",\"$ISIG\"]]' | mostro-unwrap --key-file $T/mostro"
	[ "$status" -eq 0 ]
	[ "$(jq -r .identity,.trade_signature <<<"$output" | tr '\n' ' ')" = "$PK0 $TSIG " ]
	# a signature over the docs' key order
	docs='{"order":{"version":2,"id":"308e1272-d5f4-47e6-bd97-3504baea9c23","request_id":1,"trade_index":1,"action":"take-sell","payload":null}}'
	run --separate-stderr bash -c "crafted '[$docs,\"${TSIG:0:100}$(printf 0%.0s {1..28})\",null]' | mostro-unwrap --key-file $T/mostro"
	[[ $stderr == *": bad-trade-signature: trade signature does not verify"* ]]
	run --separate-stderr bash -c "crafted '[$TAKE,\"xyz\",null]' | mostro-unwrap --key-file $T/mostro"
	[[ $stderr == *": bad-trade-signature: "* ]]
	# the proof with one character changed, and the proof without a trade signature
	bad=${ISIG:0:127}0; [ "$bad" != "$ISIG" ] || bad=${ISIG:0:127}1
	run --separate-stderr bash -c "crafted '[$TAKE,\"$TSIG\",[\"$PK0\",\"$bad\"]]' | mostro-unwrap --key-file $T/mostro"
	[[ $stderr == *": bad-identity-proof: identity proof does not verify"* ]]
	run --separate-stderr bash -c "crafted '[$TAKE,null,[\"$PK0\",\"$ISIG\"]]' | mostro-unwrap --key-file $T/mostro"
	[[ $stderr == *": bad-identity-proof: identity proof without a trade signature"* ]]
	# the same tuple sent by another trade key (a re-signed message)
	run --separate-stderr bash -c "echo '{\"to\":\"$PKM\",\"tuple\":$(jq -Rc . <<<"[$TAKE,\"$TSIG\",null]")}' | mostro-wrap --key-file $T/other | mostro-unwrap --key-file $T/mostro"
	[[ $stderr == *": bad-trade-signature: "* ]]
}

@test "v1: a seal from another key without trade signature is refused (mostrod drops it)" {
	echo "{\"to\":\"$PKM\",\"tuple\":$(jq -Rc . <<<"[$TAKE,null]"),\"transport\":\"v1\"}" >"$T/in"
	run --separate-stderr bash -c "mostro-wrap --key-file $T/trade --identity-key-file $T/id <$T/in | mostro-unwrap --key-file $T/mostro"
	[ "$status" -eq 123 ]
	[[ $stderr == *": bad-trade-signature: seal signed by $PK0, not the rumor author, and no trade signature"* ]]
}

# Hand-built v1 layers. nip44 KEY TEXT: TEXT NIP-44-encrypted from KEY to
# Mostro (the content of a v2 event whose tuple is TEXT verbatim).
nip44() { jq -nc --arg t "$2" --arg p $PKM '{to:$p,tuple:$t}' | mostro-wrap --key-file "$1" | jq -r .content; }
# signed KEY KIND CONTENT [P]: an event of KIND signed by KEY (tag p when P)
signed() {
	jq -nc --argjson k $2 --arg c "$3" --arg p "${4:-}" '{kind:$k,content:$c,tags:(if $p == "" then [] else [["p",$p]] end)}' |
		mostro-wrap --plain --key-file "$1"
}
# wrap_of KEY INNER: a gift wrap to Mostro by KEY around the text INNER
wrap_of() { signed "$1" 1059 "$(nip44 "$1" "$2")" $PKM; }
# rumor_of AUTHOR_PK CONTENT: an unsigned kind 1 rumor without id
rumor_of() { jq -nc --arg pk $1 --arg c "$2" --argjson t $(date +%s) '{pubkey:$pk,created_at:$t,kind:1,tags:[],content:$c}'; }

@test "hand-built v1 layers: the control opens (a rumor without id, as mostro-core allows)" {
	seal=$(signed "$T/id" 13 "$(nip44 "$T/id" "$(rumor_of $PK1 "[$TAKE,\"$TSIG\"]")")")
	run --separate-stderr mostro-unwrap --key-file "$T/mostro" <<<"$(wrap_of "$T/other" "$seal")"
	[ "$status" -eq 0 ]
	[ "$(jq -r '.transport,.sender,.identity,.mode,.trade_signature' <<<"$output" | tr '\n' ' ')" = "v1 $PK1 $PK0 reputation $TSIG " ]
}

@test "v1 rumors as other libraries write them: sig ignored whatever its value, id null" {
	# go-nostr (nak) writes "sig":"", dart_nostr (Mostro mobile) a real
	# signature; rust-nostr's UnsignedEvent (mostro-core) has no sig field and
	# takes "id":null as no id. Mostro messages and plain NIP-59 chat alike.
	r=$(rumor_of $PK1 "[$TAKE,\"$TSIG\"]")
	c=$(rumor_of $PK0 "hello")
	for x in '.sig = ""' '.sig = null' '.sig = 5' '.sig = "zz"' ".sig = \"$TSIG\"" '.id = null'; do
		seal=$(signed "$T/id" 13 "$(nip44 "$T/id" "$(jq -c "$x" <<<"$r")")")
		wrap_of "$T/other" "$seal"
		seal=$(signed "$T/id" 13 "$(nip44 "$T/id" "$(jq -c "$x" <<<"$c")")")
		wrap_of "$T/other" "$seal"
	done >"$T/in"
	run --separate-stderr mostro-unwrap --key-file "$T/mostro" <"$T/in"
	[ "$status" -eq 0 ]
	[ -z "$stderr" ]
	[ "$(jq -r .type <<<"$output" | sort | uniq -c | awk '{print $1 $2}' | paste -sd,)" = "6chat,6message" ]
	[ "$(jq -r 'select(.type == "message") | .sender + .identity + .trade_signature' <<<"$output" | sort -u)" = "$PK1$PK0$TSIG" ]
	# the chat rumor is reported unsigned, with its id
	[ "$(jq -c 'select(.type == "chat") | .rumor | [has("sig"), (.id | length)]' <<<"$output" | sort -u)" = "[false,64]" ]
	# an id that is there must still be an id
	seal=$(signed "$T/id" 13 "$(nip44 "$T/id" "$(jq -c '.id = ""' <<<"$r")")")
	run --separate-stderr mostro-unwrap --key-file "$T/mostro" <<<"$(wrap_of "$T/other" "$seal")"
	[ "$status" -eq 123 ]
	[[ $stderr == *": bad-rumor: rumor is not an event: id: "* ]]
}

@test "bad-seal: the wrap holds no event, a kind 1 note, a seal with a broken signature, a seal for another key" {
	note=$(signed "$T/id" 1 "hello")
	seal=$(signed "$T/id" 13 "$(nip44 "$T/id" "$(rumor_of $PK1 "[$TAKE,\"$TSIG\"]")")")
	broken=$(jq -c '.sig = (if .sig[0:1] == "0" then "1" else "0" end) + .sig[1:]' <<<"$seal")
	other=$(mostro-wrap --key-file "$T/id" --to $PK2 <<<"{\"to\":\"$PK2\",\"tuple\":\"x\"}" | jq -r .content)
	elsewhere=$(signed "$T/id" 13 "$other")
	{ wrap_of "$T/other" "[$TAKE,null,null]"; wrap_of "$T/other" "$note"; wrap_of "$T/other" "$broken"; wrap_of "$T/other" "$elsewhere"; } >"$T/in"
	run --separate-stderr mostro-unwrap --key-file "$T/mostro" <"$T/in"
	[ "$status" -eq 123 ]
	[ -z "$output" ]
	[ "$(grep -c ': bad-seal: ' <<<"$stderr")" = 4 ]
	[[ $stderr == *": bad-seal: seal is not a signed event"* ]]
	[[ $stderr == *": bad-seal: inner event is kind 1, not a seal (13)"* ]]
	[[ $stderr == *": bad-seal: seal: "* ]]
	[[ $stderr == *": bad-seal: seal content does not decrypt"* ]]
}

@test "bad-rumor: a seal holding something that is not an event" {
	for inner in '[1,2]' '{"kind":1}' "$TAKE"; do
		seal=$(signed "$T/id" 13 "$(nip44 "$T/id" "$inner")")
		run --separate-stderr mostro-unwrap --key-file "$T/mostro" <<<"$(wrap_of "$T/other" "$seal")"
		[ "$status" -eq 123 ]
		[[ $stderr == *": bad-rumor: rumor is not an event: "* ]] || { echo "$inner: $stderr"; false; }
	done
}

@test "bad-mac on v1: the p tag names us, the wrap is encrypted to another key" {
	seal=$(signed "$T/id" 13 "$(nip44 "$T/id" "$(rumor_of $PK1 "[$TAKE,null]")")")
	content=$(jq -nc --arg t "$seal" --arg p $PK2 '{to:$p,tuple:$t}' | mostro-wrap --key-file "$T/other" | jq -r .content)
	run --separate-stderr mostro-unwrap --key-file "$T/mostro" <<<"$(signed "$T/other" 1059 "$content" $PKM)"
	[ "$status" -eq 123 ]
	[[ $stderr == *": bad-mac: wrap does not decrypt: invalid MAC"* ]]
}

@test "an event whose p tags name several of our keys opens with the one that decrypts it" {
	# v2: the kind 14 re-signed with p tags [PK2, PKM]; v1: a gift wrap likewise
	v2=$(wrap <<<"$TAKE" | jq -c '{kind,content,tags:[["p","'$PK2'"],["p","'$PKM'"]]}' | mostro-wrap --plain --key-file "$T/trade")
	seal=$(signed "$T/id" 13 "$(nip44 "$T/id" "$(rumor_of $PK1 "[$TAKE,\"$TSIG\"]")")")
	v1=$(jq -nc --arg c "$(nip44 "$T/other" "$seal")" '{kind:1059,content:$c,tags:[["p","'$PK2'"],["p","'$PKM'"]]}' |
		mostro-wrap --plain --key-file "$T/other")
	run --separate-stderr mostro-unwrap --key-file "$T/other" --key-file "$T/mostro" <<<"$v2"$'\n'"$v1"
	[ "$status" -eq 0 ]
	[ "$(jq -r '.transport + " " + .recipient' <<<"$output" | tr '\n' ' ')" = "v2 $PKM v1 $PKM " ]
	# a key named again is not tried again (at most 8 distinct keys per event)
	rep=$(wrap <<<"$TAKE" | jq -c '{kind,content,tags:([range(50)] | map(["p","'$PK2'"])) + [["p","'$PKM'"]]}' | mostro-wrap --plain --key-file "$T/trade")
	run --separate-stderr mostro-unwrap --key-file "$T/other" --key-file "$T/mostro" <<<"$rep"
	[ "$status" -eq 0 ]
	# named but decrypting for none of them: bad-mac
	run --separate-stderr mostro-unwrap --key-file "$T/other" --key-file "$T/trade" <<<"$(jq -c '.tags[1][1] = "'$PK1'"' <<<"$v2" | jq -c '{kind,content,tags}' | mostro-wrap --plain --key-file "$T/trade")"
	[ "$status" -eq 123 ]
	[[ $stderr == *": bad-mac: "* ]]
}

# ------------------------------------------------------------------ gates

@test "--min-pow N: insufficient-pow unless the id has N bits" {
	ev=$(wrap --pow 8 <<<"$TAKE")
	run --separate-stderr mostro-unwrap --key-file "$T/mostro" --min-pow 8 <<<"$ev"
	[ "$status" -eq 0 ]
	run --separate-stderr mostro-unwrap --key-file "$T/mostro" --min-pow 24 <<<"$ev"
	[ "$status" -eq 123 ]
	[[ $stderr == *": insufficient-pow: "*"24 required"* ]]
}

@test "--max-age S: stale on the inner created_at (v1 rumor, v2 event)" {
	old=$(( $(date +%s) - 100 ))
	for t in v1 v2; do
		ev=$(echo "{\"message\":$TAKE,\"created_at\":$old,\"transport\":\"$t\"}" | wrap)
		run --separate-stderr mostro-unwrap --key-file "$T/mostro" --max-age 10 <<<"$ev"
		[ "$status" -eq 123 ]
		[[ $stderr == *": stale: created_at $old is "* ]]
		run --separate-stderr mostro-unwrap --key-file "$T/mostro" --max-age 1000 <<<"$ev"
		[ "$status" -eq 0 ]
		# 0 is the strictest bound (nothing older than now), not "off"
		run --separate-stderr mostro-unwrap --key-file "$T/mostro" --max-age 0 <<<"$ev"
		[ "$status" -eq 123 ]
		[[ $stderr == *": stale: created_at $old is "*"more than 0"* ]]
	done
	# the v1 wrap is backdated up to two days: only the rumor's time counts
	ev=$(wrap --transport v1 <<<"$TAKE")
	run --separate-stderr mostro-unwrap --key-file "$T/mostro" --max-age 10 <<<"$ev"
	[ "$status" -eq 0 ]
	# a date in the future is not stale (mostrod: stale only when created_at <
	# now - S), up to the largest u64 (created_at + S must not wrap around)
	for t in 18446744073709551615 18446744073709551000 $(( $(date +%s) + 3600 )); do
		ev=$(echo "{\"message\":$TAKE,\"created_at\":$t,\"expiration\":null}" | wrap)
		[ -n "$ev" ]
		run --separate-stderr mostro-unwrap --key-file "$T/mostro" --max-age 60 <<<"$ev"
		[ "$status" -eq 0 ]
		[[ $output == *'"created_at":'$t,* ]]
		[ -z "$stderr" ]
	done
}

@test "--dedupe: a second copy is a replay; without it both open" {
	ev=$(wrap <<<"$TAKE")
	run --separate-stderr mostro-unwrap --key-file "$T/mostro" --dedupe <<<"$ev"$'\n'"$ev"
	[ "$status" -eq 123 ]
	[ "${#lines[@]}" -eq 1 ]
	[[ $stderr == *": replay: "* ]]
	run --separate-stderr mostro-unwrap --key-file "$T/mostro" <<<"$ev"$'\n'"$ev"
	[ "$status" -eq 0 ]
	[ "${#lines[@]}" -eq 2 ]
	# a forged copy (bad signature) does not poison the set
	bad=$(jq -c '.sig = ("00" + .sig[2:])' <<<"$ev")
	run --separate-stderr mostro-unwrap --key-file "$T/mostro" --dedupe <<<"$bad"$'\n'"$ev"
	[ "${#lines[@]}" -eq 1 ]
}

@test "--dedupe records only events that opened: a copy of one that is not ours or does not decrypt fails again for its own reason" {
	# p-tagged to Mostro, signed, but the content is not NIP-44: bad-mac
	garbage=$(echo '{"kind":14,"tags":[["p","'$PKM'"]],"content":"not nip44"}' | mostro-wrap --plain --key-file "$T/trade")
	# a v2 event for another key: not-for-us
	other=$(mostro-wrap --key-file "$T/trade" --to $PK2 <<<"$TAKE")
	# opens, but is 100 s old under --max-age 10: stale
	old=$(echo '{"to":"'$PKM'","message":'"$TAKE"',"created_at":'$(( $(date +%s) - 100 ))'}' | mostro-wrap --key-file "$T/trade")
	run --separate-stderr mostro-unwrap --key-file "$T/mostro" --dedupe --max-age 10 \
		<<<"$garbage"$'\n'"$garbage"$'\n'"$other"$'\n'"$other"$'\n'"$old"$'\n'"$old"
	[ "$status" -eq 123 ]
	[ -z "$output" ]
	[ "$(grep -o ': [a-z-]*: ' <<<"$stderr" | tr -d ': ' | tr '\n' ' ')" = "bad-mac bad-mac not-for-us not-for-us stale stale " ]
}

@test "--dedupe-window N: the last N opened ids are remembered, an older one opens again; N is 1..10000000 (2)" {
	for i in $(seq 60); do jq -c ".order.request_id = $i" <<<"$TAKE"; done | wrap >"$T/evs"
	{ cat "$T/evs"; tail -3 "$T/evs"; head -1 "$T/evs"; } >"$T/in"
	run --separate-stderr mostro-unwrap --key-file "$T/mostro" --dedupe-window 3 <"$T/in"
	[ "$status" -eq 123 ]
	# 60 open, the last three again are replays, the first (forgotten) opens again
	[ "${#lines[@]}" -eq 61 ]
	[ "$(grep -c ': replay: ' <<<"$stderr")" -eq 3 ]
	[ "$(jq -r .message.order.request_id <<<"${lines[60]}")" = 1 ]
	for n in 0 10000001 x -1; do
		run --separate-stderr mostro-unwrap --key-file "$T/mostro" --dedupe-window "$n" </dev/null
		[ "$status" -eq 2 ]
		[[ $stderr == *"--dedupe-window: expected an integer 1..10000000"* ]]
	done
}

# ------------------------------------------------------------------ chat

@test "--peer: chat in all three formats, from both sides; bad-chat on tampering" {
	for f in current legacy nip59; do
		ev=$(echo '"hi"' | mostro-wrap --key-file "$T/trade" --to $PK2 --chat=$f)
		run --separate-stderr mostro-unwrap --key-file "$T/other" --peer $PK1 <<<"$ev"
		[ "$status" -eq 0 ]
		[ "$(jq -r '.type,.format,.sender,.rumor.content' <<<"$output" | tr '\n' ' ')" = "chat $f $PK1 hi " ]
	done
	# the sender reads its own current/legacy message too (the keys are shared)
	ev=$(echo '"mine"' | mostro-wrap --key-file "$T/trade" --to $PK2 --chat)
	run --separate-stderr mostro-unwrap --key-file "$T/trade" --peer $PK2 <<<"$ev"
	[ "$(jq -r .sender <<<"$output")" = $PK1 ]
	# a second p tag added and re-signed is not possible without K_sign: changing
	# the tags breaks the outer signature
	bad=$(jq -c '.tags += [["p","'$PK2'"]]' <<<"$ev")
	run --separate-stderr mostro-unwrap --key-file "$T/other" --peer $PK1 <<<"$bad"
	[[ $stderr == *": bad-signature: "* ]]
}

@test "--peer with both sides of a chat among our keys: the recipient is the side that did not write" {
	# two trade keys of one mnemonic chatting (taking one's own order): keys 1
	# and 2 from the mnemonic, both as peers, in either order
	for f in current legacy nip59; do
		ev=$(echo '"hi"' | mostro-wrap --key-file "$T/trade" --to $PK2 --chat=$f)
		for peers in "--peer $PK1 --peer $PK2" "--peer $PK2 --peer $PK1"; do
			run --separate-stderr mostro-unwrap --mnemonic-file "$T/mnemonic" --index 1-2 $peers <<<"$ev"
			[ "$status" -eq 0 ]
			[ "$(jq -r '.recipient,.sender' <<<"$output" | tr '\n' ' ')" = "$PK2 $PK1 " ] || { echo "$f $peers: $output"; false; }
		done
	done
}

@test "a write error on stdout (disk full, reader gone with SIGPIPE ignored) stops with exit 123, not 0" {
	for i in 1 2 3; do echo "$TAKE"; done | mostro-wrap --key-file "$T/trade" --to $PKM >"$T/ev"
	run --separate-stderr bash -c "mostro-unwrap --key-file '$T/mostro' <'$T/ev' >/dev/full"
	[ "$status" -eq 123 ]
	[[ $stderr == *"mostro-unwrap: writing standard output: "* ]]
	for i in $(seq 1 300); do cat "$T/ev"; done >"$T/many"
	run --separate-stderr bash -c "trap '' PIPE; mostro-unwrap --key-file '$T/mostro' <'$T/many' | head -1 >/dev/null; exit \${PIPESTATUS[0]}"
	[ "$status" -eq 123 ]
	[[ $stderr == *"writing standard output: Broken pipe"* ]]
}
