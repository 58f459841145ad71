#!/usr/bin/env bats
# scripts/mostrod: the daemon as a supervised pipeline (man mostrod, issue 12).
#
# The contract of the script (usage, first run, bad settings, supervision,
# SIGTERM, ctl), then trades end to end through it: clients built from our
# tools (tests/lib/mostrod.bash) on the embedded relay and the simulated
# Lightning node, flow by flow as DAEMON.md §1.7 tells them.

bats_require_minimum_version 1.5.0

load helpers
load lib/mostrod

setup_file() {
	export MOSTRO_TOP=${MOSTRO_TOP:-$(cd "$BATS_TEST_DIRNAME/.." && pwd)}
	export PATH=$MOSTRO_TOP/scripts:$PATH
	need jq ss mostrod mostro-order mostro-relay mostro-wrap mostro-unwrap mostro-ln mostro-key
}

setup() {
	T=$BATS_TEST_TMPDIR
	unset MOSTRO_NSEC_PRIVKEY MOSTRO_LOG
	NODE_PID=""
	node_init
}

teardown() {
	if [[ -n ${NODE_PID:-} ]]; then
		node_stop TERM || node_stop KILL || true
	fi
	local r
	for r in "${!RELAY_PID[@]}"; do relay_stop "$r"; done
	unwatch_all
	lnd_double_stop
	lnurl_fixture_stop
}

# nothing_started: no database, cursor, relay database or socket in DIR.
nothing_started() {
	local f
	for f in mostro.db inbox.cursor "relay-$NODE_PORT.db" engine.sock ln-sim.db mostrod.pid; do
		[[ ! -e $NODE/$f ]] || { echo "$NODE/$f exists"; return 1; }
	done
}

# ------------------------------------------------------------------ harness

@test "harness: free_port picks below the ephemeral range and never a port a socket holds (a client's TIME_WAIT port cannot be listened on)" {
	local lo hi i p
	read -r lo hi </proc/sys/net/ipv4/ip_local_port_range
	for i in $(seq 20); do
		p=$(free_port)
		((p < lo)) || { echo "port $p is in the ephemeral range $lo-$hi"; return 1; }
		[ -z "$(ss -Htan "sport = :$p")" ]
	done
}

# ------------------------------------------------------------------ interface

@test "--help: usage on stdout, exit 0; an unknown command: usage on stderr, exit 2" {
	run -0 --separate-stderr mostrod --help
	[[ $output == *"Usage: mostrod [-d DIR] [--embedded-relay]"* ]]
	[[ $output == *"mostrod ctl [-d DIR]"* ]]
	run -2 --separate-stderr mostrod frobnicate
	[ -z "$output" ]
	[[ $stderr == *"Usage: mostrod"* ]]
	run -2 --separate-stderr mostrod --frobnicate
	[[ $stderr == *"unknown option '--frobnicate'"* ]]
}

@test "the script is pass-style: shellcheck -x clean, no eval, set -euo pipefail, umask 077" {
	need shellcheck
	run -0 shellcheck -x "$MOSTRO_TOP/scripts/mostrod"
	[ -z "$output" ]
	! grep -nw eval "$MOSTRO_TOP/scripts/mostrod" || false
	grep -qx 'set -euo pipefail' "$MOSTRO_TOP/scripts/mostrod"
	grep -qx 'umask 077' "$MOSTRO_TOP/scripts/mostrod"
}

@test "every command and option is in --help, man mostrod(1) and the bash, zsh and fish completions" {
	local help man w f
	help=$(mostrod --help)
	man=$(MANWIDTH=200 man -l "$MOSTRO_TOP/man/mostrod.1" 2>/dev/null)
	for w in run ctl stop --dir --dirsettings --embedded-relay --help --timeout; do
		[[ $help == *"$w"* ]] || { echo "not in --help: $w"; return 1; }
		[[ $man == *"$w"* ]] || { echo "not in the man page: $w"; return 1; }
		for f in bash/mostrod zsh/_mostrod fish/mostrod.fish; do
			grep -qE -- "(^|[^a-z-])(${w}|-l ${w#--})([^a-z-]|\$)" "$MOSTRO_TOP/completions/$f" || { echo "$f: $w"; return 1; }
		done
	done
	# the environment the script reads is documented
	for w in $(grep -oE '^(MOSTROD?_[A-Z_]+)=' "$MOSTRO_TOP/scripts/mostrod" | tr -d =); do
		[[ $man == *"$w"* && $help == *"$w"* ]] || { echo "undocumented: $w"; return 1; }
	done
}

@test "ctl --help lists the engine's commands (mostro-order ctl's list)" {
	run -0 mostrod ctl --help
	[[ $output == *"Usage: mostrod ctl [-d DIR]"* ]]
	[[ $output == *"$(mostro-order ctl --help | sed -n '/^Commands:/,/^$/p' | head -1)"* ]]
}

@test "first run: settings.toml written from the template (0600, DIR 0700), exit 0 asking to fill it in, nothing started" {
	D=$T/fresh/mostro
	run -0 --separate-stderr mostrod -d "$D"
	[ "$(stat -c %a "$D/settings.toml")" = 600 ]
	[ "$(stat -c %a "$D")" = 700 ]
	[[ $stderr == *"wrote $D/settings.toml from the template"*"put Mostro's key in it"* ]]
	cmp "$D/settings.toml" <(mostro-order settings --template)
	[ "$(ls "$D")" = settings.toml ]
	# the template's placeholder key is refused: exit 5, still nothing started
	run -5 --separate-stderr mostrod -d "$D"
	[[ $stderr == *"settings.toml:"*"nostr.nsec_privkey: still the template's placeholder"* ]]
	[ "$(ls "$D")" = settings.toml ]
}

# bad_settings EDIT EXPECTED: the settings edited by sed EDIT make mostrod
# exit 5 with EXPECTED (a glob) on stderr, and nothing is started.
bad_settings() {
	local rc=0 stderr
	node_write
	sed -i "$1" "$NODE/settings.toml"
	mostrod -d "$NODE" --embedded-relay >"$T/out" 2>"$T/err" 3>&- || rc=$?
	stderr=$(<"$T/err")
	if [[ $rc != 5 || -s $T/out || $stderr != $2 ]]; then
		echo "exit $rc, stdout: $(<"$T/out")"
		echo "stderr: $stderr"
		echo "expected: $2"
		return 1
	fi
	[[ $stderr == *"nothing started"* ]]
	nothing_started
}

@test "bad settings: each required key missing: exit 5 naming section.key and the line, nothing started" {
	local k line
	for kv in "${NODE_DEFAULTS[@]}"; do
		k=${kv%%=*}
		case $k in lightning.backend | lightning.sim_db | mostro.transport) continue ;; esac
		node_write
		line=$(grep -n "^\[${k%%.*}\]" "$NODE/settings.toml" | cut -d: -f1)
		bad_settings "/^${k#*.} = /d" "*settings.toml:$line: $k: missing (required)*"
	done
	# the key itself (no environment, no .env)
	bad_settings '/^nsec_privkey = /d' "*nostr.nsec_privkey*"
}

@test "bad settings: wrong types, unknown backend, invalid relay URL, loose mode: exit 5 naming key and line" {
	bad_settings 's/^payment_attempts = 3/payment_attempts = 3.5/' "*settings.toml:[0-9]*: lightning.payment_attempts: expected an integer, not a float*"
	bad_settings 's/^fee = .*/fee = "0.006"/' "*settings.toml:[0-9]*: mostro.fee: *"
	bad_settings 's/^pow = 0/pow = 300/' "*settings.toml:[0-9]*: mostro.pow: *"
	bad_settings 's/^enabled = false/enabled = "no"/' "*settings.toml:[0-9]*: rpc.enabled: *"
	bad_settings 's/^backend = "sim"/backend = "cln"/' "*settings.toml:[0-9]*: lightning.backend: unknown value \"cln\"*"
	bad_settings 's/^transport = "nip44"/transport = "carrier-pigeon"/' "*settings.toml:[0-9]*: mostro.transport: *"
	bad_settings "s|^relays = .*|relays = ['ftp://relay.example']|" "*settings.toml:[0-9]*: nostr.relays: \"ftp://relay.example\": not a ws://*"
	bad_settings "s|^relays = .*|relays = ['ws://bad host']|" "*settings.toml:[0-9]*: nostr.relays: *"
	bad_settings 's/^\[mostro\]$/[mostro/' "*settings.toml:[0-9]*:*"
	# backend lnd: its keys, and a mostrod file that only has the gRPC host
	bad_settings 's/^backend = "sim"/backend = "lnd"/' "*settings.toml:[0-9]*: lightning.lnd_rest_host: missing (required with backend = \"lnd\")*"
	bad_settings 's|^backend = "sim"|backend = "lnd"\nlnd_rest_host = "https://127.0.0.1:8080"|' "*settings.toml:[0-9]*: lightning.lnd_cert_file: missing*"
	bad_settings 's|^backend = "sim"|lnd_grpc_host = "https://127.0.0.1:10009"\nlnd_cert_file = "/c"\nlnd_macaroon_file = "/m"|' "*settings.toml:[0-9]*: lightning.lnd_rest_host: missing: backend lnd speaks LND's REST API, not gRPC*"
	node_write
	chmod 644 "$NODE/settings.toml"
	run -5 --separate-stderr mostrod -d "$NODE" --embedded-relay
	[[ $stderr == *"settings.toml: mode 0644"*"chmod 600"* ]]
	nothing_started
}

@test "bad environment: MOSTRO_LOG with an unknown level or stage: exit 5 before anything starts" {
	node_write
	MOSTRO_LOG=loud run -5 --separate-stderr mostrod -d "$NODE"
	[[ $stderr == *"MOSTRO_LOG: unknown level 'loud'"* ]]
	MOSTRO_LOG=info,engyne=debug run -5 --separate-stderr mostrod -d "$NODE"
	[[ $stderr == *"MOSTRO_LOG: unknown stage 'engyne'"* ]]
	nothing_started
}

# ------------------------------------------------------------------ supervision

@test "start: every stage runs, the embedded relay answers, the log says SIMULATED; SIGTERM drains: exit 0, no stage left, cursor saved" {
	node_start
	grep -q '^mostrod: lightning: SIMULATED node' "$NODE/mostrod.log"
	for s in relay-$NODE_PORT sub unwrap engine ln clock wrap pub; do
		[ -n "$(stage_pid "$s")" ] || { node_log; false; }
	done
	[ "$(stat -c %a "$NODE/engine.sock")" = 600 ]
	[ "$(cat "$NODE/mostrod.pid")" = "$NODE_PID" ]
	wait_for 20 log_count 1 "mostrod: sub: $RELAY: eose"
	# the key lives only in the private directory, 0600, never on a command line
	for p in $(stage_pids); do
		! tr '\0' ' ' <"/proc/$p/cmdline" | grep -q "$NODE_SECRET" || false
	done
	node_stop TERM
	[ "$NODE_STATUS" = 0 ] || { node_log; false; }
	grep -q '^mostrod: TERM: stopping' "$NODE/mostrod.log"
	grep -q '^mostrod: stopped (exit 0)' "$NODE/mostrod.log"
	jq -e '.type == "cursor" and .created_at > 0' "$NODE/inbox.cursor"
	[ ! -e "$NODE/engine.sock" ]
	[ ! -e "$NODE/mostrod.pid" ]
}

# garbage_to_mostro: a kind 14 to Mostro that unwrap cannot open; its id
garbage_to_mostro() {
	jq -nc --arg p "$MOSTRO" '{kind: 14, tags: [["p", $p]], content: "not a NIP-44 payload"}' |
		mostro-wrap --plain --key-file "$T/u/alice/key.0" >"$T/garbage.ev"
	mostro-relay pub -q "$RELAY" <"$T/garbage.ev" | jq -e .accepted >/dev/null
	jq -r .id "$T/garbage.ev"
}

@test "logging: at info, unwrap's per-event failures and pub's accepted records stay out, the engine's decisions are in (prefixed by stage); at debug every line is in" {
	local bad
	MOSTRO_LOG=info node_start
	user alice "$MNEMONIC_A" v2
	bad=$(garbage_to_mostro)
	new_order alice sell
	wait_for 10 log_count 1 "mostrod: engine: "
	grep -q "^mostrod: engine: [0-9a-f]\{64\}: order $ORDER created" "$NODE/mostrod.log"
	# (a bare "! cmd" does not fail a bats test unless it is the last command)
	! grep -F "$bad" "$NODE/mostrod.log" || false
	! grep '^mostrod: pub: {.*"accepted":true' "$NODE/mostrod.log" || false
	! grep '^mostro-' "$NODE/mostrod.log" || false
	node_stop
	MOSTRO_LOG=debug node_start
	bad=$(garbage_to_mostro)
	new_order alice sell
	wait_for 10 log_count 1 "mostrod: unwrap: $bad: "
	grep -q '^mostrod: pub: {"type":"published",.*"accepted":true' "$NODE/mostrod.log"
}

@test "SIGINT stops like SIGTERM (exit 0)" {
	node_start
	node_stop INT
	[ "$NODE_STATUS" = 0 ] || { node_log; false; }
	grep -q '^mostrod: INT: stopping' "$NODE/mostrod.log"
}

# Before: a stop asked while the stages were starting left 138 (the clock
# died of the USR1 that stops it, sent before its handler was set: it was
# still opening its FIFOs) or 137 (a TERM that reached sub between its fork
# and its exec was lost: sub ran on and was killed 20 s later).
@test "a stop asked while the stages start is as clean: exit 0, no stage left" {
	local st
	node_write
	for st in relay pub engine clock unwrap sub; do
		: >"$NODE/mostrod.log"
		MOSTRO_LOG=debug env --default-signal=INT mostrod -d "$NODE" --embedded-relay \
			</dev/null >>"$NODE/mostrod.out" 2>>"$NODE/mostrod.log" 3>&- &
		NODE_PID=$!
		wait_for 20 grep -q "^mostrod: started $st" "$NODE/mostrod.log"
		node_stop INT
		[ "$NODE_STATUS" = 0 ] || { echo "INT after 'started $st': exit $NODE_STATUS"; node_log; false; }
		grep -q '^mostrod: INT: stopping' "$NODE/mostrod.log"
	done
}

# kill_stage NAME: SIGKILL to one stage: mostrod logs it, stops the others
# and exits with its status (137); no stage is left.
kill_stage() {
	node_start
	local pid
	pid=$(stage_pid "$1")
	[ -n "$pid" ]
	kill -KILL "$pid"
	wait_for 30 node_gone
	node_stop
	[ "$NODE_STATUS" = 137 ] || { node_log; false; }
	grep -q "^mostrod: $1 exited 137: stopping" "$NODE/mostrod.log" || { node_log; false; }
	grep -q '^mostrod: stopped (exit 137)' "$NODE/mostrod.log"
}

@test "supervision: the engine killed: mostrod says so, stops every stage, exits 137" { kill_stage engine; }
@test "supervision: the subscription killed: likewise" { kill_stage sub; }
@test "supervision: mostro-ln killed: likewise" { kill_stage ln; }
@test "supervision: the embedded relay killed: likewise" { kill_stage "relay-$NODE_PORT"; }
@test "supervision: the kind-14 subscription of transport both killed: likewise" { node_set mostro.transport '"both"'; kill_stage sub-14; }

@test "supervision: mostrod itself killed (SIGKILL): its stages get SIGTERM and end, none is left" {
	node_start
	local pids
	pids=$(stage_pids)
	kill -KILL "$NODE_PID"
	wait_for 10 node_gone
	NODE_PID=""
	for p in $pids; do
		wait_for 30 eval "! kill -0 $p 2>/dev/null"
	done
}

@test "one mostrod per directory: a second one waits for the lock, then exits 1 naming the first" {
	node_start
	MOSTROD_LOCK_WAIT=1 run -1 --separate-stderr mostrod -d "$NODE" 3>&-
	[[ $stderr == *"another mostrod runs on $NODE (pid $NODE_PID)"* ]]
	# the first one is undisturbed
	node_up
}

@test "mostrod stop: SIGTERM to the running daemon, returns once it drained; not running: exit 0" {
	node_start
	run -0 mostrod stop -d "$NODE"
	# it has exited: wait does not block
	timeout 1 tail --pid="$NODE_PID" -f /dev/null
	wait "$NODE_PID" || { echo "mostrod exited $?"; node_log; false; }
	NODE_PID=""
	run -0 mostrod stop -d "$NODE"
	[[ $output == *"not running"* ]]
}

# ------------------------------------------------------------------ ctl

@test "ctl: status through DIR/engine.sock; unknown command refused (1); no daemon (3); usage (2)" {
	node_start
	run -0 --separate-stderr mostrod ctl -d "$NODE" status
	jq -e '.type == "ctl_result" and .ok == true and (.result.clock | type) == "number"' <<<"$output"
	# the network is known once the node answered get_info
	wait_for 20 eval 'mostrod ctl -d "$NODE" status | jq -e ".result.network == \"regtest\"" >/dev/null'
	run -1 --separate-stderr mostrod ctl -d "$NODE" frobnicate
	jq -e '.ok == false and .error == "unknown command"' <<<"$output"
	run -0 mostrod ctl --help
	[[ $output == *"Commands:"*"status"* ]]
	run -2 --separate-stderr mostrod ctl -d "$NODE"
	node_stop
	run -3 --separate-stderr mostrod ctl -d "$NODE" status
}

# ------------------------------------------------------------------ flows
# DAEMON.md §1.7, PROTOCOL.md §11, through mostrod on the embedded relay and
# the simulated node. v2: kind 14 with PoW (first contact 4 bits); v1: gift
# wraps with PoW 2; both: Alice on v2, Bob on v1.

@test "v2: §1.7 sell happy path: new-order, take-sell, add-invoice, escrow paid, fiat-sent, release, buyer paid" { on v2 flow_sell_happy; }
@test "v2: §1.7 buy happy path: take-buy, escrow paid, add-invoice, fiat-sent, release, buyer paid" { on v2 flow_buy_happy; }
@test "v1: §1.7 sell happy path on gift wraps" { on v1 flow_sell_happy; }
@test "v1: §1.7 buy happy path on gift wraps" { on v1 flow_buy_happy; }
@test "both: §1.7 sell happy path, the seller on v2, the buyer on v1" { on both flow_sell_happy; }
@test "both: §1.7 buy happy path, the buyer on v2, the seller on v1" { on both flow_buy_happy; }
@test "v2: §11.6 maker cancel: a stranger is refused, the maker cancels, twice is order_already_canceled" { on v2 flow_maker_cancel; }
@test "v2: §11.6 taker cancel in waiting-buyer-invoice: the order is pending again, the maker told" { on v2 flow_taker_cancel; }
@test "v2: §11.5 cooperative cancel of an active order: the hold invoice canceled, 38383 canceled" { on v2 flow_coop_cancel; }
@test "both: §11.5 cooperative cancel across transports" { on both flow_coop_cancel; }
@test "v2: §2.4 range order: take 4 of 2-10 USD at the price record's rate, release with next_trade: child 2-6 pending" { on v2 flow_range_child; }
@test "v2: §2.2 market price: amount 0 priced at the take from a price record" { on v2 flow_market_price; }
@test "v2: §11.9 payout fails twice: payment-failed, add-invoice, a new invoice paid" {
	node_set lightning.payment_attempts 2
	node_set lightning.payment_retries_interval 1
	on v2 flow_payment_retry
}
@test "v2: §11.4 Lightning Address payout (tests/lnurl-fixture.mjs): asked for amount - fee at the payout; its invoice unpayable, a new one paid" {
	need node curl
	lnurl_fixture_start
	node_set lightning.payment_attempts 2
	node_set lightning.payment_retries_interval 1
	on v2 flow_ln_address
}
@test "v2: §3.1/§3.2 timers (the clock a minute ahead): a pending order expires; waiting states time out (taker at fault: pending again; maker at fault: canceled)" {
	node_set mostro.expiration_seconds 5
	on v2 flow_timeouts
}
@test "v2: §11.8 dispute: a solver added by mostrod ctl takes it and settles: the buyer is paid" { on v2 flow_dispute settle; }
@test "v1: §11.8 dispute settled by a solver on gift wraps" { on v1 flow_dispute settle; }
@test "v2: §11.8 dispute: the solver cancels: the seller is refunded" { on v2 flow_dispute cancel; }
@test "v2: §11.10 ratings: each side once, a second is silent, 38384 published at the flush" { on v2 flow_rating; }
@test "v2: §7 restore-session lists the live order with its trade index" { on v2 flow_restore; }
@test "both: §7 restore-session on v1" { on both flow_restore_bob; }
@test "lnd: §1.7 sell happy path against the LND REST test double (backend = lnd)" {
	need node openssl curl
	lnd_double_start
	on v2 flow_sell_happy
	grep -q "^mostrod: lightning: LND at https://127.0.0.1:" "$NODE/mostrod.log"
	! grep -q SIMULATED "$NODE/mostrod.log" || false
}
@test "lnd: §1.7 buy happy path against the LND double" { need node openssl curl; lnd_double_start; on v2 flow_buy_happy; }
@test "lnd: §11.5 cooperative cancel against the LND double: the hold invoice canceled" { need node openssl curl; lnd_double_start; on both flow_coop_cancel; }
@test "lnd: §11.9 payout failures and a new invoice against the LND double" {
	need node openssl curl
	lnd_double_start
	node_set lightning.payment_attempts 2
	node_set lightning.payment_retries_interval 1
	on v2 flow_payment_retry
}
@test "lnd: §11.8 dispute settled by a solver against the LND double" { need node openssl curl; lnd_double_start; on v1 flow_dispute settle; }

# info_tag NAME: a tag of the node's 38385 (empty until it is published)
info_tag() {
	mostro-relay req -q --filter "$(jq -nc --arg a "$MOSTRO" '{kinds:[38385],authors:[$a]}')" "$RELAY" |
		jq -r --arg n "$1" '.tags[] | select(.[0] == $n) | .[1]' | head -1
}

@test "§3.7 the node publishes its 38385 info (protocol_version by transport, pow) and its 10002 relay list" {
	local t want
	for t in nip44:2 gift-wrap:1 both:2; do
		node_init
		node_set mostro.transport "\"${t%%:*}\""
		node_set mostro.pow 3
		node_start
		want=${t#*:}
		wait_for 30 eval '[[ $(info_tag protocol_version) == "$want" ]]' || { node_log; false; }
		[ "$(info_tag pow)" = 3 ]
		[ "$(info_tag d)" = "$MOSTRO" ]
		mostro-relay req -q --filter "$(jq -nc --arg a "$MOSTRO" '{kinds:[10002],authors:[$a]}')" "$RELAY" |
			jq -e --arg r "$RELAY" 'any(.tags[]; .[0] == "r" and .[1] == $r)' >/dev/null
		node_stop
		[ "$NODE_STATUS" = 0 ]
	done
}

@test "v2: §9 PoW lanes: a first contact with only pow bits is dropped (logged), with pow_first_contact bits answered" {
	node_set mostro.pow 1
	node_set mostro.pow_first_contact 8
	node_start
	user alice "$MNEMONIC_A" v2
	trade_key alice
	SEND_POW=1 send alice "$TRADE" new-order --kind sell --fiat-code USD --payment-method XYZ --fiat-amount 3 --amount 5000
	expect_none alice "$TRADE" ".request_id == $RID" 3
	wait_for 10 grep -q 'drop: first contact without pow_first_contact bits' "$NODE/mostrod.log"
	SEND_POW=8 send alice "$TRADE" new-order --kind sell --fiat-code USD --payment-method XYZ --fiat-amount 3 --amount 5000
	expect alice "$TRADE" ".action == \"new-order\" and .request_id == $RID" >/dev/null
}

# ------------------------------------------------------------------ restarts, relays

# on_relays NAME...: a node on relays of the test's own (started), Alice and
# Bob on v2 on the first one.
on_relays() {
	local r urls=""
	NODE_EMBEDDED=
	for r in "$@"; do
		relay_start "$r"
		urls+="${urls:+, }'${RELAY_URL[$r]}'"
	done
	RELAY=${RELAY_URL[$1]}
	node_set nostr.relays "[$urls]"
	node_start
	user alice "$MNEMONIC_A" v2
	user bob "$MNEMONIC_B" v2
}

# log_count N TEXT: the log has at least N lines holding TEXT
log_count() { (($(grep -cF -- "$2" "$NODE/mostrod.log") >= $1)); }

# count_in NAME INDEX JQ-CONDITION: how many messages of the trade key satisfy it
count_in() { inbox "$1" "$2" | jq -s --arg id "$ORDER" "map(select($3)) | length"; }

# engine_decided EVENT-ID: the engine logged the order that event created
engine_decided() { grep -q "^mostrod: engine: $1: order [0-9a-f-]* created" "$NODE/mostrod.log"; }

@test "acknowledgement: a reply decided while pub is stopped, then killed, is delivered after the restart (the outbox keeps it until pub says a relay took it)" {
	on v2 true
	local pub ev
	pub=$(stage_pid pub)
	kill -STOP "$pub"
	trade_key alice
	send alice "$TRADE" new-order --kind sell --fiat-code USD --payment-method XYZ --fiat-amount 3 --amount "$AMOUNT"
	ev=$(jq -r .id "$T/u/alice/last.ev")
	wait_for 20 engine_decided "$ev"
	kill -KILL "$pub"
	wait_for 40 node_gone
	node_stop
	[ "$NODE_STATUS" = 137 ]
	node_start
	expect alice "$TRADE" '.action == "new-order" and .request_id == '"$RID" 20 >/dev/null
}

@test "acknowledgement: a reply decided while the only relay is down is delivered once the relay is back" {
	on_relays r1
	local pub port ev
	port=$(relay_port r1)
	pub=$(stage_pid pub)
	kill -STOP "$pub"
	trade_key alice
	send alice "$TRADE" new-order --kind sell --fiat-code USD --payment-method XYZ --fiat-amount 3 --amount "$AMOUNT"
	ev=$(jq -r .id "$T/u/alice/last.ev")
	wait_for 20 engine_decided "$ev"
	relay_stop r1
	kill -CONT "$pub"
	# pub finds the relay gone (it keeps the event, or reports it refused
	# and the engine sends it again 10 s later: lib/order_outbox.c)
	wait_for 20 log_count 1 "mostrod: pub: ${RELAY_URL[r1]}: disconnected" || { node_log; false; }
	sleep 2
	relay_start r1 "$port"
	expect alice "$TRADE" '.action == "new-order" and .request_id == '"$RID" 40 >/dev/null
	log_count 1 '"type":"published","ref":'
}

@test "restart: a take sent while mostrod is stopped is answered after the restart (cursor with look-back); the order from before is not created twice" {
	on_relays r1
	new_order alice sell
	S_IDX=$MAKER_IDX
	node_stop
	[ "$NODE_STATUS" = 0 ]
	trade_key bob
	B_IDX=$TRADE
	send bob "$B_IDX" take-sell --id "$ORDER"
	node_start
	expect bob "$B_IDX" '.action == "add-invoice" and .id == $id' >/dev/null
	expect alice "$S_IDX" '.action == "waiting-buyer-invoice" and .id == $id' >/dev/null
	# the new-order was read again (look-back) and dropped as processed
	[ "$(count_in alice "$S_IDX" '.action == "new-order"')" = 1 ]
	[ "$(grep -c "order $ORDER created" "$NODE/mostrod.log")" = 1 ]
	INV=$(buyer_invoice $((AMOUNT - FEE)))
	send bob "$B_IDX" add-invoice --id "$ORDER" --invoice "$INV"
	seller_pays alice
	expect alice "$S_IDX" '.action == "buyer-took-order" and .id == $id' >/dev/null
	fiat_sent_and_release bob alice
}

@test "SIGTERM right after the engine accepted a burst of orders: the drain delivers every ack before mostrod exits 0" {
	on_relays r1
	local i rids=()
	for i in 1 2 3 4 5 6; do
		trade_key alice
		send alice "$TRADE" new-order --kind sell --fiat-code USD --payment-method XYZ --fiat-amount 3 --amount 5000
		rids+=("$TRADE:$RID")
	done
	wait_for 30 log_count 6 "created (sell)"
	node_stop TERM
	[ "$NODE_STATUS" = 0 ] || { node_log; false; }
	# the relay (still up) has every ack
	for i in "${rids[@]}"; do
		[ "$(count_in alice "${i%%:*}" ".action == \"new-order\" and .request_id == ${i#*:}")" = 1 ] || { echo "no ack for $i"; node_log; false; }
	done
}

@test "crash: the engine killed while the seller pays the escrow; after the restart the payment is found (intents reconciled) and the trade completes" {
	node_start
	user alice "$MNEMONIC_A" v2
	user bob "$MNEMONIC_B" v2
	new_order alice sell
	S_IDX=$MAKER_IDX
	take_sell bob
	INV=$(buyer_invoice $((AMOUNT - FEE)))
	send bob "$B_IDX" add-invoice --id "$ORDER" --invoice "$INV"
	local r
	r=$(expect alice "$S_IDX" '.action == "pay-invoice" and .id == $id and .payload.payment_request != null')
	HOLD=$(jq -r '.payload.payment_request[1]' <<<"$r")
	kill -KILL "$(stage_pid engine)"
	wait_for 30 node_gone
	node_stop
	[ "$NODE_STATUS" = 137 ]
	pay_hold "$HOLD"
	node_start
	expect alice "$S_IDX" '.action == "buyer-took-order" and .id == $id' >/dev/null
	expect bob "$B_IDX" '.action == "hold-invoice-payment-accepted" and .id == $id' >/dev/null
	fiat_sent_and_release bob alice
	[ "$(count_in alice "$S_IDX" '.action == "buyer-took-order"')" = 1 ]
}

@test "several relays: Alice only on one, Bob only on the other; mostrod reads and writes both" {
	on_relays r1 r2
	echo "${RELAY_URL[r2]}" >"$T/u/bob/relay"
	flow_sell_happy
	# the order events are on both relays
	RELAY=${RELAY_URL[r2]} book_status "$ORDER" success
	RELAY=${RELAY_URL[r1]} book_status "$ORDER" success
}

@test "a relay restarting mid-trade: the subscription and the publisher reconnect, the trade completes" {
	on_relays r1
	sell_to_active alice bob
	local port
	port=$(relay_port r1)
	relay_stop r1
	sleep 1
	relay_start r1 "$port"
	# the subscription is back (a second EOSE from that relay), and so is the
	# publisher (a reply decided while pub has the relay down would come with
	# the engine's next try, 10 s later: the test would only be slower)
	wait_for 40 log_count 2 "mostrod: sub: ${RELAY_URL[r1]}: eose"
	wait_for 40 log_count 2 "mostrod: pub: ${RELAY_URL[r1]}: connected"
	fiat_sent_and_release bob alice
}

@test "both: a restart reads kind 14 back a minute, not two days (older ones are stale: catching them up kept live requests waiting); gift wraps still work" {
	node_set mostro.transport '"both"'
	on_relays r1
	node_stop
	# while mostrod is down: Alice's kind-14 request of an hour ago
	trade_key alice
	mostro-order msg new-order --to "$MOSTRO" --transport v2 --request-id 99 --trade-index "$TRADE" \
		--kind sell --fiat-code USD --payment-method XYZ --fiat-amount 3 --amount "$AMOUNT" |
		jq -c --argjson t $((EPOCHSECONDS - 3600)) '.created_at = $t' |
		mostro-wrap --key-file "$T/u/alice/key.$TRADE" --identity-key-file "$T/u/alice/key.0" >"$T/old.ev"
	mostro-relay pub -q "$RELAY" <"$T/old.ev" | jq -e .accepted >/dev/null
	local old eoses
	old=$(jq -r .id "$T/old.ev")
	[ "$(jq -r .kind "$T/old.ev")" = 14 ]
	# (the first run may have stopped before its sub-14 had its EOSE)
	eoses=$(grep -cF "mostrod: sub-14: $RELAY: eose" "$NODE/mostrod.log" || true)
	node_start
	wait_for 30 log_count $((eoses + 1)) "mostrod: sub-14: $RELAY: eose" || { node_log 40; false; }
	# live requests on both transports are answered
	user carol "$MNEMONIC_C" v1
	new_order carol buy
	new_order bob sell
	# the old one never reached the engine (neither read nor dropped as stale)
	! grep -F "$old" "$NODE/mostrod.log" || false
}

@test "a relay down at start: mostrod runs on the other one, and takes the late one in when it comes up (subscription and publisher)" {
	local port
	port=$(free_port)
	on_relays r1
	node_stop
	# now with a second relay that is not there yet
	node_set nostr.relays "['${RELAY_URL[r1]}', 'ws://127.0.0.1:$port']"
	node_start
	new_order alice sell
	S_IDX=$MAKER_IDX
	relay_start r2 "$port"
	# Bob publishes on the late relay only: the subscription took it in
	echo "${RELAY_URL[r2]}" >"$T/u/bob/relay"
	take_sell bob 60
	# and the publisher did too: a reply decided once it connected is on r2
	wait_for 60 log_count 1 "mostrod: pub: ${RELAY_URL[r2]}: connected"
	echo "${RELAY_URL[r2]}" >"$T/u/bob/read-relay"
	INV=$(buyer_invoice $((AMOUNT - FEE)))
	send bob "$B_IDX" add-invoice --id "$ORDER" --invoice "$INV"
	expect bob "$B_IDX" '.action == "waiting-seller-to-pay" and .id == $id' >/dev/null
}

@test "no relay reachable at start: the subscription gives up, mostrod says so and exits 3" {
	NODE_EMBEDDED=
	node_set nostr.relays "['ws://127.0.0.1:$(free_port)']"
	node_write
	MOSTRO_LOG=debug run -3 --separate-stderr mostrod -d "$NODE" 3>&-
	[[ $stderr == *"mostrod: sub exited 3: stopping"* ]]
	[[ $stderr == *"mostrod: stopped (exit 3)"* ]]
}
