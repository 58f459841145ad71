#!/usr/bin/env bats
# mostro-key: every command, flag and error path, with exact exit codes.
# Expected keys come from PROTOCOL.md §8.1 and tests/vectors (nip06, nip19).

bats_require_minimum_version 1.5.0

NIP06_MNEMONIC="leader monkey parrot ring guide accident before fence cannon height naive bean"
ABOUT="abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon about"
# PROTOCOL.md §8.1, m/44'/1237'/38383'/0/{0,1,2}
PK0=b4bf6548df043786641d4b63e748eda4b55fce21beae991512d23487c7bd8950
PK1=1c71f0a29c9d14198781f36897c6d6c08e2c4f905ba69fc5f8e67d375d705a8a
PK2=5011d0e7a57ae27627ab76962537072c6809ef3b9e24c2e3db4e672c61624eef
SK1=977b9da8056e6a83a991cb31ac507b0a618fbbee355e36e107e0e348686ab833
# NIP-06 text: m/44'/1237'/0'/0/0 of the mnemonic above
NIP06_SK=7f7ff03d123792d6ac594bfa67bf6d0c0ab55b6b1fdb6249303fe861f1ccba9a
NIP06_NSEC=nsec10allq0gjx7fddtzef0ax00mdps9t2kmtrldkyjfs8l5xruwvh2dq0lhhkp
NIP06_PK=17162c921dc4d2518f9a101db33695df1afb56ab82f5ff3e5da6eec3ca5cd917
NIP06_NPUB=npub1zutzeysacnf9rru6zqwmxd54mud0k44tst6l70ja5mhv8jjumytsd2x7nu
# NIP-19 text
NPUB_HEX=3bf0c63fcb93463407af97a5e5ee64fa883d107ef9e558472c4eb9aaaefa459d
NPUB=npub180cvv07tjdrrgpa0j7j7tmnyl2yr6yr7l8j4s3evf6u64th6gkwsyjh6w6
NPROFILE=nprofile1qqsrhuxx8l9ex335q7he0f09aej04zpazpl0ne2cgukyawd24mayt8gpp4mhxue69uhhytnc9e3k7mgpz4mhxue69uhkg6nzv9ejuumpv34kytnrdaksjlyr9p
NPROFILE_DATA='{"pubkey":"3bf0c63fcb93463407af97a5e5ee64fa883d107ef9e558472c4eb9aaaefa459d","relays":["wss://r.x.com","wss://djbas.sadkb.com"]}'

V=${MOSTRO_VECTORS:-tests/vectors}

setup() {
	unset MOSTRO_MNEMONIC MOSTRO_PASSPHRASE MOSTRO_SECRET_KEY NOSTR_SECRET_KEY
	T=$BATS_TEST_TMPDIR
	umask 022
}

load helpers   # secret_file PATH TEXT: a 0600 file

# ---------------------------------------------------------------- general

@test "--help and -h print usage on stdout, exit 0" {
	run --separate-stderr mostro-key --help
	[ "$status" -eq 0 ]
	[[ $output == Usage:\ mostro-key* ]]
	[[ $output == *"Exit: 0 ok"* ]]
	run --separate-stderr mostro-key -h
	[ "$status" -eq 0 ]
	[[ $output == Usage:* ]]
}

@test "COMMAND --help prints usage, exit 0" {
	for c in new derive pub encode decode; do
		run --separate-stderr mostro-key "$c" --help
		[ "$status" -eq 0 ]
		[[ $output == Usage:* ]]
	done
}

@test "COMMAND --help and -h print that command's usage alone" {
	for c in new derive pub encode decode; do
		for h in --help -h; do
			run --separate-stderr mostro-key "$c" $h
			[ "$status" -eq 0 ] || { echo "$c $h -> $status"; false; }
			[[ $output == "Usage: mostro-key $c "* ]] || { echo "$c $h: $output"; false; }
			[[ $output != *"Commands:"* ]]
			[[ $output == *"Exit: 0 ok"* ]]
			[ -z "$stderr" ]
		done
	done
	run mostro-key derive --help
	[[ $output == *"--mnemonic-file F"* && $output == *'$MOSTRO_PASSPHRASE'* && $output != *"--words"* ]]
	run mostro-key new --help
	[[ $output == *"--words N"*"12, 15, 18, 21 or 24 words"* && $output != *"--index"* ]]
	run mostro-key encode nsec --help
	[ "$status" -eq 0 ]
	[[ $output == "Usage: mostro-key encode "* ]]
	# the general usage points at them
	run mostro-key --help
	[[ $output == *"Commands:"* && $output == *"mostro-key COMMAND --help"* ]]
}

@test "no command: usage error 2" {
	run --separate-stderr mostro-key
	[ "$status" -eq 2 ]
	[ -z "$output" ]
	[[ $stderr == *"missing COMMAND"* ]]
}

@test "unknown command: usage error 2" {
	run --separate-stderr mostro-key frobnicate
	[ "$status" -eq 2 ]
	[[ $stderr == *"unknown command 'frobnicate'"* ]]
}

@test "unknown option and option without value: usage error 2" {
	run --separate-stderr mostro-key decode --bogus
	[ "$status" -eq 2 ]
	[[ $stderr == *"decode: unknown option '--bogus'"* ]]
	run --separate-stderr mostro-key derive --index
	[ "$status" -eq 2 ]
	[[ $stderr == *"option '--index' needs a value"* ]]
}

# ---------------------------------------------------------------- new

@test "new: 12 words by default, a valid mnemonic record" {
	run --separate-stderr mostro-key new
	[ "$status" -eq 0 ]
	[ "${#lines[@]}" -eq 1 ]
	[ "$(jq -r .type <<<"$output")" = mnemonic ]
	[ "$(jq -r .words <<<"$output")" = 12 ]
	m=$(jq -r .mnemonic <<<"$output")
	[ "$(wc -w <<<"$m")" -eq 12 ]
	MOSTRO_MNEMONIC=$m run --separate-stderr mostro-key derive
	[ "$status" -eq 0 ]
}

@test "new --words 12, 15, 18, 21, 24: that many words, a valid mnemonic" {
	for w in 12 15 18 21 24; do
		run --separate-stderr mostro-key new --words $w
		[ "$status" -eq 0 ]
		[ "$(jq -r .words <<<"$output")" = $w ]
		m=$(jq -r .mnemonic <<<"$output")
		[ "$(wc -w <<<"$m")" -eq $w ] || { echo "--words $w: $m"; false; }
		MOSTRO_MNEMONIC=$m run --separate-stderr mostro-key derive
		[ "$status" -eq 0 ] || { echo "--words $w: derive -> $status: $stderr"; false; }
	done
	run --separate-stderr mostro-key new --words 21 --out "$T/m21"
	[ "$status" -eq 0 ]
	[ "$(jq -r .words <<<"$output")" = 21 ]
	[ "$(wc -w <"$T/m21")" -eq 21 ]
}

@test "new --words 24 and --words 12" {
	run --separate-stderr mostro-key new --words 24
	[ "$status" -eq 0 ]
	[ "$(jq -r .mnemonic <<<"$output" | wc -w)" -eq 24 ]
	MOSTRO_MNEMONIC=$(jq -r .mnemonic <<<"$output") run mostro-key derive
	[ "$status" -eq 0 ]
	run --separate-stderr mostro-key new --words 12
	[ "$(jq -r .mnemonic <<<"$output" | wc -w)" -eq 12 ]
}

@test "new: two mnemonics differ" {
	a=$(mostro-key new)
	b=$(mostro-key new)
	[ "$a" != "$b" ]
}

@test "new --words other than 12/15/18/21/24: usage error 2" {
	for w in 13 11 16 27 0 -12 +12 012 "12 " "" abc; do
		run --separate-stderr mostro-key new --words "$w"
		[ "$status" -eq 2 ] || { echo "--words '$w' -> $status"; false; }
		[[ $stderr == *"--words must be 12, 15, 18, 21 or 24, not '$w'"* ]]
		[ -z "$output" ]
	done
}

@test "new: extra argument is a usage error 2" {
	run --separate-stderr mostro-key new extra
	[ "$status" -eq 2 ]
}

@test "new --out: file 0600 in a 0700 directory, record on stdout, derivable" {
	run --separate-stderr mostro-key new --out "$T/sub/dir/seed.txt"
	[ "$status" -eq 0 ]
	[ "$output" = "{\"type\":\"mnemonic-file\",\"path\":\"$T/sub/dir/seed.txt\",\"words\":12}" ]
	[ "$(stat -c %a "$T/sub/dir/seed.txt")" = 600 ]
	[ "$(stat -c %a "$T/sub")" = 700 ]
	[ "$(wc -w <"$T/sub/dir/seed.txt")" -eq 12 ]
	run --separate-stderr mostro-key derive --mnemonic-file "$T/sub/dir/seed.txt"
	[ "$status" -eq 0 ]
}

@test "new --out: an existing file is refused (exit 1) and left untouched" {
	echo keep >"$T/seed.txt"
	run --separate-stderr mostro-key new --out "$T/seed.txt"
	[ "$status" -eq 1 ]
	[ -z "$output" ]
	[[ $stderr == *"file already exists"* ]]
	[ "$(cat "$T/seed.txt")" = keep ]
}

@test "new --out: an impossible path is a configuration error 5" {
	echo x >"$T/plainfile"
	run --separate-stderr mostro-key new --out "$T/plainfile/seed.txt"
	[ "$status" -eq 5 ]
	[[ $stderr == *"cannot create"* ]]
}

# ---------------------------------------------------------------- derive

@test "derive: PROTOCOL.md §8.1 identity key (index 0, account 38383) from \$MOSTRO_MNEMONIC" {
	MOSTRO_MNEMONIC=$NIP06_MNEMONIC run --separate-stderr mostro-key derive
	[ "$status" -eq 0 ]
	[ "$output" = "{\"type\":\"key\",\"index\":0,\"path\":\"m/44'/1237'/38383'/0/0\",\"pubkey\":\"$PK0\",\"npub\":\"$(mostro-key encode npub $PK0 | jq -r .bech32)\"}" ]
}

@test "derive --index N and --index A-B (one line per index)" {
	export MOSTRO_MNEMONIC=$NIP06_MNEMONIC
	run --separate-stderr mostro-key derive --index 2
	[ "$(jq -r .pubkey <<<"$output")" = "$PK2" ]
	run --separate-stderr mostro-key derive --index 0-2
	[ "$status" -eq 0 ]
	[ "${#lines[@]}" -eq 3 ]
	[ "$(jq -r .pubkey <<<"${lines[0]}")" = "$PK0" ]
	[ "$(jq -r .pubkey <<<"${lines[1]}")" = "$PK1" ]
	[ "$(jq -r .pubkey <<<"${lines[2]}")" = "$PK2" ]
	[ "$(jq -r .path <<<"${lines[2]}")" = "m/44'/1237'/38383'/0/2" ]
	[ "$(jq -r .index <<<"${lines[2]}")" = 2 ]
}

@test "derive: no secret without --secret; --secret adds secret and nsec" {
	export MOSTRO_MNEMONIC=$NIP06_MNEMONIC
	run --separate-stderr mostro-key derive --index 1
	[ "$(jq -r 'has("secret") or has("nsec")' <<<"$output")" = false ]
	run --separate-stderr mostro-key derive --index 1 --secret
	[ "$status" -eq 0 ]
	[ "$(jq -r .secret <<<"$output")" = "$SK1" ]
	[ "$(jq -r .nsec <<<"$output")" = "$(echo $SK1 | mostro-key encode nsec | jq -r .bech32)" ]
}

@test "derive --account 0: the NIP-06 text's key" {
	MOSTRO_MNEMONIC=$NIP06_MNEMONIC run --separate-stderr mostro-key derive --account 0 --secret
	[ "$status" -eq 0 ]
	[ "$(jq -r .path <<<"$output")" = "m/44'/1237'/0'/0/0" ]
	[ "$(jq -r .secret <<<"$output")" = "$NIP06_SK" ]
	[ "$(jq -r .nsec <<<"$output")" = "$NIP06_NSEC" ]
	[ "$(jq -r .pubkey <<<"$output")" = "$NIP06_PK" ]
	[ "$(jq -r .npub <<<"$output")" = "$NIP06_NPUB" ]
}

@test "derive: all 72 nip06.jsonl records (passphrases from \$MOSTRO_PASSPHRASE, NFC and NFD)" {
	n=0
	# \x1f separates fields: read would merge the empty passphrase field of a tab run
	while IFS=$'\x1f' read -r mn pass acct idx sk pk nsec npub; do
		got=$(MOSTRO_MNEMONIC=$mn MOSTRO_PASSPHRASE=$pass mostro-key derive --account "$acct" --index "$idx" --secret)
		[ "$(jq -r '[.secret,.pubkey,.nsec,.npub]|@tsv' <<<"$got")" = "$sk	$pk	$nsec	$npub" ]
		n=$((n + 1))
	done < <(jq -r '[.mnemonic,.passphrase,.account,.index,.private_key_hex,.public_key_hex,.nsec,.npub]|map(tostring)|join("\u001f")' "$V/nip06.jsonl")
	[ "$n" -eq 72 ]
}

@test "derive --mnemonic-file (0600; any whitespace between words)" {
	printf '  leader monkey parrot ring\n guide accident\tbefore fence cannon height naive bean\n\n' >"$T/m"
	chmod 600 "$T/m"
	run --separate-stderr mostro-key derive --mnemonic-file "$T/m"
	[ "$status" -eq 0 ]
	[ "$(jq -r .pubkey <<<"$output")" = "$PK0" ]
}

@test "derive --mnemonic-file -: from stdin" {
	run --separate-stderr mostro-key derive --mnemonic-file - <<<"$NIP06_MNEMONIC"
	[ "$status" -eq 0 ]
	[ "$(jq -r .pubkey <<<"$output")" = "$PK0" ]
}

@test "derive --mnemonic-fd N" {
	secret_file "$T/m" "$NIP06_MNEMONIC"
	run --separate-stderr mostro-key derive --mnemonic-fd 3 3<"$T/m"
	[ "$status" -eq 0 ]
	[ "$(jq -r .pubkey <<<"$output")" = "$PK0" ]
}

@test "derive: a file source wins over \$MOSTRO_MNEMONIC" {
	secret_file "$T/m" "$NIP06_MNEMONIC"
	MOSTRO_MNEMONIC=$ABOUT run --separate-stderr mostro-key derive --mnemonic-file "$T/m"
	[ "$(jq -r .pubkey <<<"$output")" = "$PK0" ]
}

@test "derive: mnemonic file readable by others is a configuration error 5" {
	printf '%s\n' "$NIP06_MNEMONIC" >"$T/m"
	chmod 644 "$T/m"
	run --separate-stderr mostro-key derive --mnemonic-file "$T/m"
	[ "$status" -eq 5 ]
	[ -z "$output" ]
	[[ $stderr == *"mnemonic file $T/m"*"readable by group or others"* ]]
}

@test "derive: missing mnemonic file, bad descriptor, no source: exit 5" {
	run --separate-stderr mostro-key derive --mnemonic-file "$T/nope"
	[ "$status" -eq 5 ]
	[[ $stderr == *"No such file"* ]]
	run --separate-stderr mostro-key derive --mnemonic-fd 9
	[ "$status" -eq 5 ]
	run --separate-stderr mostro-key derive
	[ "$status" -eq 5 ]
	[[ $stderr == *"no mnemonic given"* ]]
}

@test "derive: --mnemonic-file with --mnemonic-fd, a bad fd, or a positional: usage error 2" {
	run --separate-stderr mostro-key derive --mnemonic-file x --mnemonic-fd 3
	[ "$status" -eq 2 ]
	run --separate-stderr mostro-key derive --mnemonic-fd abc
	[ "$status" -eq 2 ]
	run --separate-stderr mostro-key derive leader monkey
	[ "$status" -eq 2 ]
	[[ $stderr == *"never goes on the command line"* ]]
}

@test "derive: bad checksum, unknown word, wrong count: invalid input 4, named by position" {
	MOSTRO_MNEMONIC="abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon" \
		run --separate-stderr mostro-key derive
	[ "$status" -eq 4 ]
	[[ $stderr == *"checksum mismatch"* ]]
	MOSTRO_MNEMONIC="abandon abandon abandon abandon abandn abandon abandon abandon abandon abandon abandon about" \
		run --separate-stderr mostro-key derive
	[ "$status" -eq 4 ]
	[[ $stderr == *"word 5 is not in the BIP-39 English word list"* ]]
	[[ $stderr != *abandn* ]]
	MOSTRO_MNEMONIC="abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon about" \
		run --separate-stderr mostro-key derive
	[ "$status" -eq 4 ]
	[[ $stderr == *"11 words (need 12, 15, 18, 21 or 24)"* ]]
	[ -z "$output" ]
}

@test "derive: \$MOSTRO_PASSPHRASE changes the keys (TREZOR vector)" {
	MOSTRO_MNEMONIC=$ABOUT MOSTRO_PASSPHRASE=TREZOR run --separate-stderr mostro-key derive --account 0
	[ "$(jq -r .pubkey <<<"$output")" = f32ba651e972dc0a0db8d180690a76d394100ecab6b9594b0950e97a73beb7ae ]
	MOSTRO_MNEMONIC=$ABOUT run --separate-stderr mostro-key derive --account 0
	[ "$(jq -r .pubkey <<<"$output")" = e8bcf3823669444d0b49ad45d65088635d9fd8500a75b5f20b59abefa56a144f ]
}

@test "derive: a passphrase that is not UTF-8 is invalid input 4" {
	MOSTRO_MNEMONIC=$ABOUT MOSTRO_PASSPHRASE=$'\xff' run --separate-stderr mostro-key derive
	[ "$status" -eq 4 ]
	[[ $stderr == *MOSTRO_PASSPHRASE* ]]
}

@test "derive: bad --index and --account values: usage error 2" {
	export MOSTRO_MNEMONIC=$NIP06_MNEMONIC
	for v in x 5-1 -1 2147483648 01 1-; do
		run --separate-stderr mostro-key derive --index "$v"
		[ "$status" -eq 2 ]
	done
	for v in x 1-2 2147483648; do
		run --separate-stderr mostro-key derive --account "$v"
		[ "$status" -eq 2 ]
	done
	run --separate-stderr mostro-key derive --index 2147483647 --account 2147483647
	[ "$status" -eq 0 ]
	[ "$(jq -r .path <<<"$output")" = "m/44'/1237'/2147483647'/0/2147483647" ]
}

# ---------------------------------------------------------------- pub

@test "pub --key-file: hex and nsec (0600)" {
	secret_file "$T/k" "$NIP06_SK"
	run --separate-stderr mostro-key pub --key-file "$T/k"
	[ "$status" -eq 0 ]
	[ "$output" = "{\"type\":\"key\",\"pubkey\":\"$NIP06_PK\",\"npub\":\"$NIP06_NPUB\"}" ]
	secret_file "$T/k2" "$NIP06_NSEC"
	run --separate-stderr mostro-key pub --key-file "$T/k2"
	[ "$(jq -r .pubkey <<<"$output")" = "$NIP06_PK" ]
}

@test "pub --key-file readable by others: configuration error 5" {
	printf '%s\n' "$NIP06_SK" >"$T/k"
	chmod 640 "$T/k"
	run --separate-stderr mostro-key pub --key-file "$T/k"
	[ "$status" -eq 5 ]
	[ -z "$output" ]
	[[ $stderr == *"readable by group or others (chmod 600)"* ]]
}

@test "pub --key-fd, --key-file - (stdin)" {
	secret_file "$T/k" "$NIP06_SK"
	run --separate-stderr mostro-key pub --key-fd 3 3<"$T/k"
	[ "$(jq -r .pubkey <<<"$output")" = "$NIP06_PK" ]
	run --separate-stderr mostro-key pub --key-file - <<<"$NIP06_NSEC"
	[ "$(jq -r .pubkey <<<"$output")" = "$NIP06_PK" ]
}

@test "pub: \$MOSTRO_SECRET_KEY, then \$NOSTR_SECRET_KEY" {
	NOSTR_SECRET_KEY=$NIP06_SK run --separate-stderr mostro-key pub
	[ "$(jq -r .pubkey <<<"$output")" = "$NIP06_PK" ]
	MOSTRO_SECRET_KEY=$SK1 NOSTR_SECRET_KEY=$NIP06_SK run --separate-stderr mostro-key pub
	[ "$(jq -r .pubkey <<<"$output")" = "$PK1" ]
}

@test "pub: no key is 5; a malformed or out-of-range key is 4" {
	run --separate-stderr mostro-key pub
	[ "$status" -eq 5 ]
	[[ $stderr == *"no key given"* ]]
	MOSTRO_SECRET_KEY=zz run --separate-stderr mostro-key pub
	[ "$status" -eq 4 ]
	[[ $stderr == *'$MOSTRO_SECRET_KEY'*"neither 64 hex digits nor an nsec"* ]]
	MOSTRO_SECRET_KEY=0000000000000000000000000000000000000000000000000000000000000000 run --separate-stderr mostro-key pub
	[ "$status" -eq 4 ]
	[[ $stderr == *"not a valid secp256k1 key"* ]]
	MOSTRO_SECRET_KEY=fffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141 run --separate-stderr mostro-key pub
	[ "$status" -eq 4 ]
}

@test "pub: a positional argument or two sources: usage error 2" {
	run --separate-stderr mostro-key pub "$NIP06_SK"
	[ "$status" -eq 2 ]
	[[ $stderr == *"never go on the command line"* ]]
	run --separate-stderr mostro-key pub --key-file a --key-fd 3
	[ "$status" -eq 2 ]
}

# ---------------------------------------------------------------- encode

@test "encode npub / note HEX (uppercase hex accepted)" {
	run --separate-stderr mostro-key encode npub "$NPUB_HEX"
	[ "$status" -eq 0 ]
	[ "$output" = "{\"type\":\"npub\",\"bech32\":\"$NPUB\"}" ]
	run --separate-stderr mostro-key encode npub "${NPUB_HEX^^}"
	[ "$(jq -r .bech32 <<<"$output")" = "$NPUB" ]
	id=$(jq -r 'select(.type=="note") | .data' "$V/nip19.jsonl" | head -1)
	want=$(jq -r 'select(.type=="note") | .bech32' "$V/nip19.jsonl" | head -1)
	run --separate-stderr mostro-key encode note "$id"
	[ "$(jq -r .bech32 <<<"$output")" = "$want" ]
}

@test "encode nprofile: the NIP-19 text's string (TLV order 0,1)" {
	run --separate-stderr mostro-key encode nprofile "$NPROFILE_DATA"
	[ "$status" -eq 0 ]
	[ "$output" = "{\"type\":\"nprofile\",\"bech32\":\"$NPROFILE\"}" ]
}

@test "encode: every nip19.jsonl roundtrip record gives rust-nostr's string" {
	n=0
	while IFS=$'\t' read -r type data want; do
		[ "$type" = nsec ] && got=$(mostro-key encode nsec <<<"$(jq -r . <<<"$data")") ||
			got=$(mostro-key encode "$type" "$data")
		[ "$(jq -r .bech32 <<<"$got")" = "$want" ]
		n=$((n + 1))
	done < <(jq -r 'select(.kind=="roundtrip") | [.type, (.data|tojson), .rust_nostr_encode] | @tsv' "$V/nip19.jsonl")
	[ "$n" -eq 34 ]
}

@test "encode: values from stdin, one per line; a decode record is accepted" {
	printf '%s\n%s\n' "$NPUB_HEX" "{\"type\":\"npub\",\"data\":\"$NIP06_PK\"}" >"$T/in"
	run --separate-stderr mostro-key encode npub <"$T/in"
	[ "$status" -eq 0 ]
	[ "${#lines[@]}" -eq 2 ]
	[ "$(jq -r .bech32 <<<"${lines[0]}")" = "$NPUB" ]
	[ "$(jq -r .bech32 <<<"${lines[1]}")" = "$NIP06_NPUB" ]
}

@test "encode: decode | encode roundtrips" {
	run --separate-stderr bash -c "mostro-key decode $NPROFILE | mostro-key encode nprofile"
	[ "$status" -eq 0 ]
	[ "$(jq -r .bech32 <<<"$output")" = "$NPROFILE" ]
}

@test "encode stream: a bad line is reported, the others go through, exit 123" {
	printf '%s\nnot-hex\n%s\n' "$NPUB_HEX" "$NIP06_PK" | {
		run --separate-stderr mostro-key encode npub
		[ "$status" -eq 123 ]
		[ "${#lines[@]}" -eq 2 ]
		[[ $stderr == *"line 2: encode: npub: expected 64 hex digits"* ]]
	}
}

@test "encode: a bad argument is invalid input 4; good ones are still printed" {
	run --separate-stderr mostro-key encode npub abc "$NPUB_HEX"
	[ "$status" -eq 4 ]
	[ "$output" = "{\"type\":\"npub\",\"bech32\":\"$NPUB\"}" ]
	[[ $stderr == *"argument 1: npub: expected 64 hex digits"* ]]
	run --separate-stderr mostro-key encode nprofile '{"pubkey":"zz"}'
	[ "$status" -eq 4 ]
	run --separate-stderr mostro-key encode naddr "{\"identifier\":\"x\",\"pubkey\":\"$NPUB_HEX\"}"
	[ "$status" -eq 4 ]
	[[ $stderr == *'"kind" missing'* ]]
	run --separate-stderr mostro-key encode nprofile "{\"pubkey\":\"$NPUB_HEX\",\"relay\":[]}"
	[ "$status" -eq 4 ]
	[[ $stderr == *'unknown field "relay"'* ]]
}

@test "encode: a relay URL over 255 bytes is refused (4), 255 bytes is fine" {
	long="wss://$(printf 'a%.0s' $(seq 250))"
	run --separate-stderr mostro-key encode nprofile "{\"pubkey\":\"$NPUB_HEX\",\"relays\":[\"${long}a\"]}"
	[ "$status" -eq 4 ]
	[[ $stderr == *"relay URL is 257 bytes, at most 255"* ]]
	run --separate-stderr mostro-key encode nprofile "{\"pubkey\":\"$NPUB_HEX\",\"relays\":[\"${long:0:255}\"]}"
	[ "$status" -eq 0 ]
	b=$(jq -r .bech32 <<<"$output")
	[ "$(mostro-key decode "$b" | jq -r '.data.relays[0]|length')" -eq 255 ]
}

@test "encode nsec: never from argv (usage error 2, nothing printed)" {
	run --separate-stderr mostro-key encode nsec "$NIP06_SK"
	[ "$status" -eq 2 ]
	[ -z "$output" ]
	[[ $stderr == *"never the command line"* ]]
}

@test "encode nsec: from stdin (hex or nsec), --key-file, --key-fd" {
	run --separate-stderr mostro-key encode nsec <<<"$NIP06_SK"
	[ "$status" -eq 0 ]
	[ "$output" = "{\"type\":\"nsec\",\"bech32\":\"$NIP06_NSEC\"}" ]
	secret_file "$T/k" "$NIP06_SK"
	run --separate-stderr mostro-key encode nsec --key-file "$T/k"
	[ "$(jq -r .bech32 <<<"$output")" = "$NIP06_NSEC" ]
	run --separate-stderr mostro-key encode --key-fd 3 nsec 3<"$T/k"
	[ "$(jq -r .bech32 <<<"$output")" = "$NIP06_NSEC" ]
}

@test "encode nsec: bad stdin line -> 123; loose key file -> 5; both sources -> 2" {
	printf '%s\n%s\n' zz "$NIP06_SK" | {
		run --separate-stderr mostro-key encode nsec
		[ "$status" -eq 123 ]
		[ "${#lines[@]}" -eq 1 ]
		[[ $stderr == *"line 1: encode nsec: secret is neither"* ]]
	}
	printf '%s\n' "$NIP06_SK" >"$T/k"
	chmod 604 "$T/k"
	run --separate-stderr mostro-key encode nsec --key-file "$T/k"
	[ "$status" -eq 5 ]
	run --separate-stderr mostro-key encode nsec --key-file "$T/k" --key-fd 0
	[ "$status" -eq 2 ]
}

@test "encode: missing or unknown TYPE, key options on a public type: usage error 2" {
	run --separate-stderr mostro-key encode
	[ "$status" -eq 2 ]
	[[ $stderr == *"missing TYPE"* ]]
	run --separate-stderr mostro-key encode nfoo x
	[ "$status" -eq 2 ]
	[[ $stderr == *"unknown TYPE 'nfoo'"* ]]
	run --separate-stderr mostro-key encode npub --key-file x "$NPUB_HEX"
	[ "$status" -eq 2 ]
}

# ---------------------------------------------------------------- decode

@test "decode npub and nprofile (nostr-tools data shapes)" {
	run --separate-stderr mostro-key decode "$NPUB" "$NPROFILE"
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = "{\"type\":\"npub\",\"data\":\"$NPUB_HEX\"}" ]
	[ "${lines[1]}" = "{\"type\":\"nprofile\",\"data\":$NPROFILE_DATA}" ]
}

@test "decode: every nip19.jsonl roundtrip record, both libraries' strings" {
	n=0
	while IFS=$'\t' read -r type data b nt rn; do
		for s in "$b" "$nt" "$rn"; do
			if [ "$type" = nsec ]; then   # a secret: from stdin only
				[ "$(mostro-key decode <<<"$s")" = "{\"type\":\"$type\",\"data\":$data}" ]
			else
				[ "$(mostro-key decode "$s")" = "{\"type\":\"$type\",\"data\":$data}" ]
			fi
		done
		n=$((n + 1))
	done < <(jq -r 'select(.kind=="roundtrip") | [.type, (.data|tojson), .bech32, .nostr_tools_encode, .rust_nostr_encode] | @tsv' "$V/nip19.jsonl")
	[ "$n" -eq 34 ]
}

@test "decode: nip19.jsonl decode records: accepted ones give the data, rejected ones exit 4" {
	n=0
	while IFS=$'\t' read -r expect b data; do
		if [[ ${b,,} == nsec1* ]]; then   # a secret: from stdin only (a bad line: 123)
			run --separate-stderr mostro-key decode <<<"$b"
		else
			run --separate-stderr mostro-key decode "$b"
		fi
		if [ "$expect" = reject ]; then
			[ "$status" -eq 4 ] || { [[ ${b,,} == nsec1* ]] && [ "$status" -eq 123 ]; }
			[ -z "$output" ]
		else
			[ "$status" -eq 0 ]
			[ "$(jq -c .data <<<"$output")" = "$data" ]
		fi
		n=$((n + 1))
	done < <(jq -r 'select(.kind=="decode") | [.expect, .bech32, (.expected_data|tojson)] | @tsv' "$V/nip19.jsonl")
	[ "$n" -eq 14 ]
}

@test "decode: nostr: prefix and all-uppercase accepted; mixed case refused" {
	run --separate-stderr mostro-key decode "nostr:$NPUB" "${NPUB^^}"
	[ "$status" -eq 0 ]
	[ "$(jq -r .data <<<"${lines[0]}")" = "$NPUB_HEX" ]
	[ "$(jq -r .data <<<"${lines[1]}")" = "$NPUB_HEX" ]
	run --separate-stderr mostro-key decode "Npub${NPUB:4}"
	[ "$status" -eq 4 ]
	[[ $stderr == *"mixed upper and lower case"* ]]
}

@test "decode nsec from stdin prints the secret (the user asked for it)" {
	run --separate-stderr mostro-key decode <<<"$NIP06_NSEC"
	[ "$status" -eq 0 ]
	[ "$output" = "{\"type\":\"nsec\",\"data\":\"$NIP06_SK\"}" ]
}

@test "decode refuses an nsec on the command line (2), in any case or behind nostr:, before printing anything" {
	for v in "$NIP06_NSEC" "${NIP06_NSEC^^}" "nostr:$NIP06_NSEC" " $NIP06_NSEC" "nsec1notevenvalid"; do
		run --separate-stderr mostro-key decode "$NPUB" "$v"
		[ "$status" -eq 2 ]
		[ -z "$output" ]
		[[ $stderr == *"decode: argument 2 is an nsec: a secret is read from stdin, never the command line"* ]]
		[[ $stderr != *"$NIP06_SK"* ]]
	done
}

@test "decode: errors name the problem: checksum, bech32m, length, prefix, naddr kind" {
	run --separate-stderr mostro-key decode "${NPUB%?}7"
	[ "$status" -eq 4 ]
	[[ $stderr == *"argument 1: bad bech32 checksum"* ]]
	m=$(jq -r 'select(.name|test("bech32m")) | .bech32' "$V/nip19.jsonl")
	run --separate-stderr mostro-key decode "$m"
	[[ $stderr == *"bad bech32 checksum"* ]]
	m=$(jq -r 'select(.name=="npub carrying 33 bytes (compressed key)") | .bech32' "$V/nip19.jsonl")
	run --separate-stderr mostro-key decode "$m"
	[[ $stderr == *"npub carries 33 bytes, not 32"* ]]
	m=$(jq -r 'select(.name=="unknown prefix nfoo") | .bech32' "$V/nip19.jsonl")
	run --separate-stderr mostro-key decode "$m"
	[[ $stderr == *'unknown prefix "nfoo"'* ]]
	m=$(jq -r 'select(.name=="naddr without kind TLV 3") | .bech32' "$V/nip19.jsonl")
	run --separate-stderr mostro-key decode "$m"
	[ "$status" -eq 4 ]
	[[ $stderr == *"naddr: TLV 3 (kind) missing"* ]]
}

@test "decode stream: bad lines reported with their number, others decoded, exit 123" {
	printf '%s\n\nnotbech32\n%s\n' "$NPUB" "$NPROFILE" | {
		run --separate-stderr mostro-key decode
		[ "$status" -eq 123 ]
		[ "${#lines[@]}" -eq 2 ]
		[ "$(jq -r .type <<<"${lines[1]}")" = nprofile ]
		[[ $stderr == *"line 3: decode: not bech32"* ]]
	}
}

@test "decode: a string over 5000 characters is refused" {
	long="npub1$(printf 'q%.0s' $(seq 4996))"
	run --separate-stderr mostro-key decode "$long"
	[ "$status" -eq 4 ]
	[[ $stderr == *"5001 characters, at most 5000"* ]]
}
