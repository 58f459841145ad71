#!/usr/bin/env bats
# mostro-order settings: the contract the daemon script relies on. A good
# settings.toml prints one JSON object (exit 0); every bad one exits 5 with
# "FILE:LINE: section.key: reason"; warnings go to stderr; --init writes the
# template 0600 and never overwrites; --secret prints the key and nothing else.

bats_require_minimum_version 1.5.0

# Secret keys 1, 2, 3 and their public keys.
KEY1=0000000000000000000000000000000000000000000000000000000000000001
KEY2=0000000000000000000000000000000000000000000000000000000000000002
KEY3=0000000000000000000000000000000000000000000000000000000000000003
PUB1=79be667ef9dcbbac55a06295ce870b07029bfcdb2dce28d959f2815b16f81798
PUB2=c6047f9441ed7d6d3045406e95c07cd85c778e4b8cef3ca7abac09b95c709ee5
PUB3=f9308a019258c31049344f85f89d5229b531c845836f99b08601f113bce036f9

setup() {
	unset MOSTRO_NSEC_PRIVKEY
	T=$BATS_TEST_TMPDIR
	D=$T/mostro
	mkdir -p "$D"
	umask 022
}

# A complete settings file (mostrod's keys, a real key) at mode 0600.
# Line numbers used below: 1 [lightning], 3 payment_attempts, 8 [nostr],
# 9 nsec_privkey, 10 relays, 12 [mostro], 13 fee.
good() {
	cat >"$D/settings.toml" <<EOF
[lightning]
invoice_expiration_window = 3600
payment_attempts = 3
hold_invoice_cltv_delta = 144
hold_invoice_expiration_window = 300
payment_retries_interval = 60

[nostr]
nsec_privkey = '$KEY1'
relays = ['ws://localhost:7000']

[mostro]
fee = 0.006
max_routing_fee = 0.002
max_order_amount = 1000000
min_payment_amount = 100
expiration_hours = 24
max_expiration_days = 15
expiration_seconds = 900
user_rates_sent_interval_seconds = 3600
publish_relays_interval = 60
pow = 0
publish_mostro_info_interval = 300
fiat_currencies_accepted = ['USD', 'EUR']
max_orders_per_response = 10
dev_fee_percentage = 0.30

[database]
url = "sqlite://mostro.db"

[rpc]
enabled = false
listen_address = "127.0.0.1"
port = 50051
EOF
	chmod 600 "$D/settings.toml"
}

# edit SED-EXPRESSION: changes the settings file in place (mode kept).
edit() { sed -i "$1" "$D/settings.toml"; }

@test "help" {
	run -0 mostro-order settings --help
	[[ $output == *"--init"* && $output == *"--secret"* && $output == *"--get"* && $output == *"--template"* ]]
}

@test "a good file: one JSON object with defaults, our additions, and the key only by source" {
	good
	run --separate-stderr -0 mostro-order settings -d "$D"
	[ -z "$stderr" ]
	[ "${#lines[@]}" -eq 1 ]
	real=$(cd "$D" && pwd -P)
	[ "$(jq -r .type <<<"$output")" = settings ]
	[ "$(jq -r .nostr.key_source <<<"$output")" = toml ]
	[ "$(jq -r .nostr.pubkey <<<"$output")" = "$PUB1" ]
	[ "$(jq -r .database.url <<<"$output")" = "sqlite://$real/mostro.db" ]
	[ "$(jq -r .lightning.backend <<<"$output")" = sim ]
	[ "$(jq -r .lightning.sim_db <<<"$output")" = "$real/ln-sim.db" ]
	[ "$(jq -c '[.lightning.max_final_cltv_expiry_delta, .lightning.escrow_deadline_margin_blocks, .mostro.transport, .mostro.pow_first_contact, .expiration.dm_days, .rpc.rate_limiter_stale_duration]' <<<"$output")" = '[432,24,"nip44",0,30,3600]' ]
	[ "$(jq -r .mostro.fee <<<"$output")" = 0.006 ]
	[[ $output != *"$KEY1"* ]]
	[[ $output != *nsec_privkey* ]]
}

@test "--file: the settings file's directory is DIR" {
	good
	mv "$D/settings.toml" "$D/other.toml"
	run -0 mostro-order settings --file "$D/other.toml"
	[ "$(jq -r .database.path <<<"$output")" = "$(cd "$D" && pwd -P)/mostro.db" ]
}

@test "--secret prints the key in hex and nothing else" {
	good
	run --separate-stderr -0 mostro-order settings -d "$D" --secret
	[ "$output" = "$KEY1" ]
	[ -z "$stderr" ]
	mostro-order settings -d "$D" --secret | od -An -c | tr -d ' \n' | grep -q '1\\n$'
}

@test "the key: the environment over .env over the file (blank environment value: the file's)" {
	good
	run -0 mostro-order settings -d "$D" --get nostr.pubkey
	[ "$output" = "$PUB1" ]
	printf 'MOSTRO_NSEC_PRIVKEY=%s\n' "$KEY2" >"$D/.env"
	chmod 600 "$D/.env"
	run -0 mostro-order settings -d "$D" --get nostr.key_source
	[ "$output" = .env ]
	run -0 mostro-order settings -d "$D" --secret
	[ "$output" = "$KEY2" ]
	MOSTRO_NSEC_PRIVKEY=$KEY3 run -0 mostro-order settings -d "$D" --get nostr.pubkey
	[ "$output" = "$PUB3" ]
	MOSTRO_NSEC_PRIVKEY=$KEY3 run -0 mostro-order settings -d "$D" --get nostr.key_source
	[ "$output" = env ]
	# mostrod (dotenvy): a variable already set, even blank, is not replaced by .env
	MOSTRO_NSEC_PRIVKEY=' ' run -0 mostro-order settings -d "$D" --get nostr.pubkey
	[ "$output" = "$PUB1" ]
}

@test "--get prints one value, strings bare" {
	good
	run -0 mostro-order settings -d "$D" --get mostro.transport
	[ "$output" = nip44 ]
	run -0 mostro-order settings -d "$D" --get nostr.relays
	[ "$output" = '["ws://localhost:7000"]' ]
	run -0 mostro-order settings -d "$D" --get lightning.lnd_rest_host
	[ "$output" = null ]
	run -4 mostro-order settings -d "$D" --get mostro.nope
	[[ $output == *"no such setting 'mostro.nope'"* ]]
	run -4 mostro-order settings -d "$D" --get nostr.nsec_privkey
	[[ $output == *"--secret"* && $output != *"$KEY1"* ]]
}

@test "an unknown key is a warning on stderr, not a failure" {
	good
	edit '13a feee = 1'
	run --separate-stderr -0 mostro-order settings -d "$D"
	[[ $stderr == *"warning: "*"/settings.toml:14: mostro.feee: unknown key (ignored)"* ]]
	[ "$(jq -r .type <<<"$output")" = settings ]
}

# Each bad file: exit 5, nothing on stdout, the message names file, line and key.
bad() {
	run --separate-stderr -5 mostro-order settings -d "$D"
	[ -z "$output" ] || { echo "stdout: $output"; return 1; }
	[[ $stderr == *"$1"* ]] || { echo "stderr: $stderr"; echo "want: $1"; return 1; }
	[[ $stderr != *"$KEY1"* ]]
}

@test "bad: a required key missing names it and its section's line" {
	good
	edit '/^payment_attempts/d'
	bad "/settings.toml:1: lightning.payment_attempts: missing (required)"
}

@test "bad: a required section missing" {
	good
	edit '/^\[rpc\]/,$d'
	bad "/settings.toml: rpc: section [rpc] is missing (required)"
}

@test "bad: wrong types" {
	good
	edit 's/^fee = 0.006/fee = "0.006"/'
	bad "/settings.toml:13: mostro.fee: expected a number, not a string"
	good
	edit 's/^payment_attempts = 3/payment_attempts = 3.5/'
	bad "/settings.toml:3: lightning.payment_attempts: expected an integer, not a float"
	good
	edit "s|^relays = .*|relays = 'ws://localhost:7000'|"
	bad "/settings.toml:10: nostr.relays: expected an array of relay URLs, not a string"
}

@test "bad: unknown backend, unknown transport" {
	good
	edit '1a backend = "btcpay"'
	bad '/settings.toml:2: lightning.backend: unknown value "btcpay" ("sim" or "lnd")'
	good
	edit '13a transport = "nip17"'
	bad '/settings.toml:14: mostro.transport: unknown value "nip17"'
}

@test "bad: mostrod's file with only lnd_grpc_host is told to add lnd_rest_host" {
	good
	edit "1a lnd_cert_file = '/l/tls.cert'\nlnd_macaroon_file = '/l/admin.macaroon'\nlnd_grpc_host = 'https://127.0.0.1:10001'"
	bad "/settings.toml:4: lightning.lnd_rest_host: missing: backend lnd speaks LND's REST API"
	edit "4a lnd_rest_host = 'https://127.0.0.1:8080'"
	run -0 mostro-order settings -d "$D" --get lightning.backend
	[ "$output" = lnd ]
}

@test "bad: a settings file holding the key must be 0600" {
	good
	chmod 644 "$D/settings.toml"
	bad "/settings.toml: mode 0644 lets group or others read it and it holds a secret: chmod 600"
	chmod 640 "$D/settings.toml"
	bad "mode 0640"
	# no key in the file: its mode is free
	edit '/^nsec_privkey/d'
	MOSTRO_NSEC_PRIVKEY=$KEY3 run -0 mostro-order settings -d "$D" --get nostr.key_source
	[ "$output" = env ]
}

@test "bad: a .env readable by others" {
	good
	printf 'MOSTRO_NSEC_PRIVKEY=%s\n' "$KEY2" >"$D/.env"
	chmod 644 "$D/.env"
	bad "/.env: mode 0644 lets group or others read it and it holds secrets: chmod 600"
}

@test "bad: an invalid relay URL" {
	good
	edit "s|^relays = .*|relays = ['ws://localhost:7000', 'ftp://relay.example.com']|"
	bad '/settings.toml:10: nostr.relays: "ftp://relay.example.com": not a ws://, wss://, http:// or https:// URL'
}

@test "bad: dev_fee_percentage outside mostrod's range" {
	good
	edit 's/^dev_fee_percentage = 0.30/dev_fee_percentage = 0.05/'
	bad "/settings.toml:26: mostro.dev_fee_percentage: 0.05 is outside [0.1, 1]"
}

@test "bad: not TOML (line and column)" {
	good
	edit '13s/.*/fee = /'
	bad "/settings.toml:13:7: expected a value after '='"
}

@test "bad: the key" {
	good
	edit "s/^nsec_privkey = .*/nsec_privkey = 'nsec1...'/"
	bad "/settings.toml:9: nostr.nsec_privkey: still the template's placeholder: the Mostro key is not configured yet"
	good
	edit "s/^nsec_privkey = .*/nsec_privkey = 'nsec1xyz'/"
	bad "/settings.toml:9: nostr.nsec_privkey: not a valid key"
	good
	edit '/^nsec_privkey/d'
	bad "/settings.toml:8: nostr.nsec_privkey: no Mostro key"
	MOSTRO_NSEC_PRIVKEY=nope run --separate-stderr -5 mostro-order settings -d "$D"
	[[ $stderr == *'$MOSTRO_NSEC_PRIVKEY: not a valid key'* ]]
}

@test "bad: no settings file says how to make one" {
	run --separate-stderr -5 mostro-order settings -d "$D"
	[[ $stderr == *"/settings.toml: No such file or directory"* ]]
	[[ $stderr == *"mostro-order settings --init -d $D"* ]]
}

@test "--init writes the template 0600 in a new 0700 directory, and never overwrites" {
	run --separate-stderr -0 mostro-order settings --init -d "$T/new/dir"
	[ "$(jq -r .path <<<"$output")" = "$T/new/dir/settings.toml" ]
	[[ $stderr == *"wrote $T/new/dir/settings.toml from the template (mode 0600)"* ]]
	[ "$(stat -c %a "$T/new/dir/settings.toml")" = 600 ]
	[ "$(stat -c %a "$T/new/dir")" = 700 ]
	[ "$(stat -c %a "$T/new")" = 700 ]
	mostro-order settings --template | cmp - "$T/new/dir/settings.toml"
	echo '# mine' >"$T/new/dir/settings.toml"
	run --separate-stderr -1 mostro-order settings --init -d "$T/new/dir"
	[[ $stderr == *"settings.toml already exists; not overwritten"* ]]
	[ "$(cat "$T/new/dir/settings.toml")" = '# mine' ]
	[ -z "$(find "$T/new/dir" -name '.settings.toml.*')" ]
}

@test "--template round trip: the template reads as mostrod's defaults once a key is given" {
	mostro-order settings --template >"$D/settings.toml"
	run --separate-stderr -5 mostro-order settings -d "$D"
	[[ $stderr == *"nostr.nsec_privkey: still the template's placeholder: the Mostro key is not configured yet"* ]]
	MOSTRO_NSEC_PRIVKEY=$KEY3 run --separate-stderr -0 mostro-order settings -d "$D"
	[ -z "$stderr" ]
	[ "$(jq -c '[.lightning.backend, .lightning.invoice_expiration_window, .lightning.payment_attempts, .mostro.fee, .mostro.max_routing_fee, .mostro.max_order_amount, .mostro.dev_fee_percentage, .mostro.transport, .mostro.fiat_currencies_accepted, .nostr.relays, .rpc.port, .expiration.fee_audit_days, .price.configured]' <<<"$output")" = \
	  '["sim",3600,3,0,0.002,1000000,0.3,"nip44",["USD","EUR","ARS","CUP"],["ws://localhost:7000"],50051,365,false]' ]
}

@test "usage errors exit 2" {
	run -2 mostro-order settings --secret --get mostro.fee
	run -2 mostro-order settings --bogus
	run -2 mostro-order settings extra
	run -2 mostro-order settings --template -d "$D"
	run -2 mostro-order settings --init --file "$D/x.toml"
}
