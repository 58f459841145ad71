#!/usr/bin/env bats
# scripts/mostro: the client's contract (man mostro, issue 13) — its
# interface, and its exit codes against our relay and a scripted fake node
# (tests/fake-node): 0 acknowledged, 1 cant-do (each reason), 2 usage,
# 3 no relay, 4 invalid argument before any state or network, 5 bad
# configuration, 124 no reply with each silent-drop diagnosis.
# Trades against the real daemon: tests/mostro-e2e.bats; chat:
# tests/mostro-chat.bats; the session store: tests/store-session.bats.

bats_require_minimum_version 1.5.0

load helpers
load lib/mostro

setup_file() {
	export MOSTRO_TOP=${MOSTRO_TOP:-$(cd "$BATS_TEST_DIRNAME/.." && pwd)}
	export PATH=$MOSTRO_TOP/scripts:$PATH
	need jq ss flock mostro mostro-order mostro-relay mostro-wrap mostro-unwrap mostro-key mostro-store
}

setup() {
	T=$BATS_TEST_TMPDIR
	unset MOSTRO_PUBKEY RELAYS POW TRANSPORT SECRET MOSTRO_TIMEOUT MOSTRO_SESSION MOSTRO_MNEMONIC ADMIN_NSEC
	export XDG_DATA_HOME=$T/xdg
	RELAY_PID="" FAKE_PID=""
}

teardown() {
	fake_node_stop
	relay_down
}

ORDER=308e1272-d5f4-47e6-bd97-3504baea9c23

# ------------------------------------------------------------------ interface

@test "--help: usage on stdout, exit 0; an unknown command or option: usage on stderr, exit 2" {
	run -0 --separate-stderr mostro --help
	[[ $output == "Usage: mostro [GLOBAL OPTIONS] COMMAND [OPTIONS]"* ]]
	[ -z "$stderr" ]
	run -0 --separate-stderr mostro help
	[[ $output == "Usage: mostro"* ]]
	run -2 --separate-stderr mostro frobnicate
	[ -z "$output" ]
	[[ $stderr == *"Usage: mostro"*"unknown command 'frobnicate'"* ]]
	run -2 --separate-stderr mostro --frobnicate orders
	[[ $stderr == *"unknown option '--frobnicate'"* ]]
	run -2 --separate-stderr mostro
	[[ $stderr == "Usage: mostro"* ]]
	run -2 --separate-stderr mostro orders --frobnicate
	[[ $stderr == *"orders: unknown option '--frobnicate'"* ]]
	run -0 --separate-stderr mostro take --help
	[[ $output == "Usage: mostro take ORDER [--invoice BOLT11|ADDRESS] [--amount FIAT] [--kind buy|sell]"* ]]
	run -0 --separate-stderr mostro admin settle --help
	[[ $output == "Usage: mostro admin settle ORDER"* ]]
	run -2 --separate-stderr mostro admin frobnicate
	[[ $stderr == *"admin cancel ORDER"* ]]
}

@test "the script is pass-style: shellcheck -x clean, no eval, set -euo pipefail, umask 077, main \"\$@\" last" {
	need shellcheck
	run -0 shellcheck -x "$MOSTRO_TOP/scripts/mostro"
	[ -z "$output" ]
	! grep -nw eval "$MOSTRO_TOP/scripts/mostro"
	grep -qx 'set -euo pipefail' "$MOSTRO_TOP/scripts/mostro"
	grep -qx 'umask 077' "$MOSTRO_TOP/scripts/mostro"
	[ "$(tail -1 "$MOSTRO_TOP/scripts/mostro")" = 'main "$@"' ]
}

# commands: every cmd_NAME of the script, as typed ("fiat-sent", "admin take-dispute")
commands() {
	sed -n 's/^cmd_\([a-z_]*\)() {.*/\1/p' "$MOSTRO_TOP/scripts/mostro" |
		sed -e 's/^admin_\(.*\)/admin \1/' -e 's/_/-/g'
}

@test "every command is in --help, man mostro(1) and the bash, zsh and fish completions; so is every global option" {
	local c name sub
	run -0 mostro --help
	local help=$output man
	man=$(sed 's/\\-/-/g' "$MOSTRO_TOP/man/mostro.1")
	for c in $(commands | tr ' ' '+'); do
		c=${c//+/ }
		name=${c%% *}
		sub=${c#* }
		[[ $help == *"  $c"* ]] || { echo "not in --help: $c"; return 1; }
		grep -qw -- "$name" "$MOSTRO_TOP/completions/bash/mostro" || { echo "not in bash completion: $name"; return 1; }
		grep -qw -- "$name" "$MOSTRO_TOP/completions/zsh/_mostro" || { echo "not in zsh completion: $name"; return 1; }
		grep -qw -- "$name" "$MOSTRO_TOP/completions/fish/mostro.fish" || { echo "not in fish completion: $name"; return 1; }
		if [[ $c == *" "* ]]; then
			grep -qw -- "$sub" "$MOSTRO_TOP/completions/bash/mostro" || { echo "not in bash completion: $c"; return 1; }
			grep -qw -- "$sub" "$MOSTRO_TOP/completions/zsh/_mostro" || { echo "not in zsh completion: $c"; return 1; }
			grep -qw -- "$sub" "$MOSTRO_TOP/completions/fish/mostro.fish" || { echo "not in fish completion: $c"; return 1; }
		fi
		grep -q "^\\.SS \"\\?$c\\b" <<<"$man" || { echo "no .SS for $c in mostro.1"; return 1; }
	done
	local o
	for o in --mostro --relays --pow --transport --full-privacy --timeout --session; do
		[[ $help == *"$o"* ]] || { echo "not in --help: $o"; return 1; }
		grep -q -- "^\\.B.* $o\\b" <<<"$man" || { echo "not in mostro.1: $o"; return 1; }
		grep -q -- "$o" "$MOSTRO_TOP/completions/bash/mostro" || { echo "not in bash completion: $o"; return 1; }
		grep -q -- "${o#--}" "$MOSTRO_TOP/completions/zsh/_mostro" || { echo "not in zsh completion: $o"; return 1; }
		grep -q -- "${o#--}" "$MOSTRO_TOP/completions/fish/mostro.fish" || { echo "not in fish completion: $o"; return 1; }
	done
}

@test "the help is made from the script's own '# Usage:'/'# Description:' lines: a broken pair fails (exit 5, line named)" {
	cp "$MOSTRO_TOP/scripts/mostro" "$T/mostro"
	sed -i '0,/^# Description: publish a sell order/{/^# Description: publish a sell order/d}' "$T/mostro"
	run -5 --separate-stderr bash "$T/mostro" --help
	[[ $stderr == *"'# Usage:' without '# Description:' after it"* ]]
	cp "$MOSTRO_TOP/scripts/mostro" "$T/mostro"
	sed -i 's/^cmd_rate() {/rate_cmd() {/' "$T/mostro"
	run -5 --separate-stderr bash "$T/mostro" --help
	[[ $stderr == *"not followed by a cmd_NAME() function"* ]]
}

# ------------------------------------------------------------------ 4: invalid arguments, before anything

# bad_arg EXPECTED ARG...: exit 4 naming EXPECTED, with no session, no node,
# no relay given: nothing was looked at or created.
bad_arg() {
	local want=$1
	shift
	run -4 --separate-stderr mostro --session "$T/none" "$@"
	[[ $stderr == *"$want"* ]] || { echo "stderr: $stderr"; return 1; }
	[ -z "$output" ]
	[ ! -e "$T/none" ]
}

@test "invalid arguments: exit 4 naming the value, before any session, node or relay is looked at (mostro-order msg's checks)" {
	bad_arg 'invalid_amount' sell --fiat-code USD --fiat-amount 0 --payment-method SEPA
	bad_arg 'invalid_amount' sell --fiat-code USD --fiat-amount 10-5 --payment-method SEPA
	bad_arg '--fiat-code' buy --fiat-code DOLLARS --fiat-amount 5 --payment-method SEPA
	bad_arg '--premium' sell --fiat-code USD --fiat-amount 5 --payment-method SEPA --premium 200
	bad_arg 'invalid_parameters' sell --fiat-code USD --fiat-amount 5 --payment-method SEPA --amount 1000 --premium 2
	bad_arg '--invoice' buy --fiat-code USD --fiat-amount 5 --payment-method SEPA --invoice lnbc1garbage
	bad_arg "order 'xyz'" take xyz
	bad_arg '--amount' take "$ORDER" --amount ten
	bad_arg "--kind 'bye'" take "$ORDER" --kind bye
	bad_arg 'invalid_rating' rate "$ORDER" 6
	bad_arg 'invalid_rating' rate "$ORDER" 0
	bad_arg "order 'nope'" fiat-sent nope
	bad_arg "order 'nope'" release nope
	bad_arg "order 'nope'" cancel nope
	bad_arg "order 'nope'" dispute nope
	bad_arg '--invoice' invoice "$ORDER" not-an-invoice
	bad_arg "order 'x'" order-info "$ORDER" x
	bad_arg "order 'x'" chat x hello
	bad_arg "--format 'html'" chat "$ORDER" --format html hello
	bad_arg "--status 'open'" orders --status open
	bad_arg "--kind 'both'" orders --kind both
	bad_arg "--currency 'EURO'" orders --currency EURO
	bad_arg "--since 'yesterday'" watch --since yesterday
	bad_arg "--words '13'" init --words 13
	bad_arg 'bad_solver' admin add-solver not-an-npub
	bad_arg "--level 'admin'" admin add-solver npub180cvv07tjdrrgpa0j7j7tmnyl2yr6yr7l8j4s3evf6u64th6gkwsyjh6w6 --level admin
	bad_arg "dispute 'x'" admin take-dispute x
	bad_arg "pow '99'" --pow 99 orders
	bad_arg "transport 'v3'" --transport v3 orders
	bad_arg "mostro pubkey 'abc'" --mostro abc orders
	bad_arg "timeout '0'" --timeout 0 orders
	bad_arg "relay 'not a url'" --relays 'not a url' orders
}

@test "usage errors: exit 2 (a missing order, an extra argument, a flag given a value)" {
	run -2 --separate-stderr mostro --session "$T/none" take
	[[ $stderr == *"take: which order?"* ]]
	run -2 --separate-stderr mostro --session "$T/none" rate "$ORDER"
	[[ $stderr == *"rate: ORDER and a rating"* ]]
	run -2 --separate-stderr mostro --session "$T/none" fiat-sent "$ORDER" "$ORDER"
	[[ $stderr == *"unexpected argument"* ]]
	run -2 --separate-stderr mostro --session "$T/none" sell --fiat-code USD --fiat-amount 5
	[[ $stderr == *"--payment-method"* ]]
	run -2 --separate-stderr mostro --session "$T/none" admin chat "$ORDER" hello
	[[ $stderr == *"--party buyer or --party seller"* ]]
	run -2 --separate-stderr mostro --session "$T/none" --timeout
	[[ $stderr == *"--timeout needs a value"* ]]
	[ ! -e "$T/none" ]
}

# ------------------------------------------------------------------ 5: configuration

@test "bad configuration: exit 5: no session, a session open to others, a bad \$MOSTRO_PUBKEY/\$TRANSPORT/\$POW, no node, no relays" {
	run -5 --separate-stderr mostro --session "$T/none" --mostro "$PK1" --relays ws://127.0.0.1:1 info
	[[ $stderr == *"no session in $T/none (mostro init or mostro import)"* ]]
	session alice
	chmod 644 "$T/alice/mnemonic"
	run -5 --separate-stderr mostro --session "$T/alice" --mostro "$PK1" --relays ws://127.0.0.1:1 info
	[[ $stderr == *"$T/alice/mnemonic: mode 644, open to group or others"* ]]
	chmod 600 "$T/alice/mnemonic"
	chmod 755 "$T/alice"
	run -5 --separate-stderr mostro --session "$T/alice" --mostro "$PK1" --relays ws://127.0.0.1:1 info
	[[ $stderr == *"$T/alice: mode 755"* ]]
	chmod 700 "$T/alice"
	MOSTRO_PUBKEY=abc run -5 --separate-stderr mostro --session "$T/alice" info
	[[ $stderr == *"mostro pubkey 'abc': 64 hex digits or an npub (\$MOSTRO_PUBKEY)"* ]]
	TRANSPORT=carrier-pigeon run -5 --separate-stderr mostro --session "$T/alice" info
	[[ $stderr == *"(\$TRANSPORT)"* ]]
	POW=lots run -5 --separate-stderr mostro --session "$T/alice" info
	[[ $stderr == *"(\$POW)"* ]]
	run -5 --separate-stderr mostro --session "$T/alice" --relays ws://127.0.0.1:1 info
	[[ $stderr == *"no Mostro node: give --mostro PUBKEY (or MOSTRO_PUBKEY)"* ]]
	run -5 --separate-stderr mostro --session "$T/alice" --mostro "$PK1" info
	[[ $stderr == *"no relays: give --relays"* ]]
}

@test "bad configuration: a tool missing from PATH is named (exit 5); the admin key: missing, or a file open to others (exit 5)" {
	session alice
	mkdir "$T/bin"
	local t
	for t in jq mostro-store mostro-key mostro-order mostro-wrap mostro-unwrap; do
		ln -s "$(command -v "$t")" "$T/bin/$t"
	done
	PATH=$T/bin:/usr/bin:/bin run -5 --separate-stderr "$MOSTRO_TOP/scripts/mostro" --session "$T/alice" \
		--mostro "$PK1" --relays ws://127.0.0.1:1 info
	[[ $stderr == *"mostro-relay is not installed"* ]]
	run -5 --separate-stderr mostro --session "$T/alice" --mostro "$PK1" --relays ws://127.0.0.1:1 admin cancel "$ORDER"
	[[ $stderr == *"admin key: give --admin-key-file F (0600), --admin-key-fd N or ADMIN_NSEC"* ]]
	printf '%s\n' "$SK2" >"$T/admin.key"
	chmod 644 "$T/admin.key"
	run -5 --separate-stderr mostro --session "$T/alice" --mostro "$PK1" --relays ws://127.0.0.1:1 \
		admin cancel "$ORDER" --admin-key-file "$T/admin.key"
	[[ $stderr == *"admin key:"*"group or others"* ]]
}

# ------------------------------------------------------------------ 3: no relay

@test "no relay reachable: exit 3 (orders, info, a request), the relay named" {
	session alice
	local port
	port=$(free_port)
	run -3 --separate-stderr mostro --session "$T/alice" --mostro "$PK1" --relays "ws://127.0.0.1:$port" --timeout 3 orders
	[[ $stderr == *"no relay reachable"* ]]
	run -3 --separate-stderr mostro --session "$T/alice" --mostro "$PK1" --relays "ws://127.0.0.1:$port" --timeout 3 info
	run -3 --separate-stderr mostro --session "$T/alice" --mostro "$PK1" --relays "ws://127.0.0.1:$port" --timeout 3 \
		sell --fiat-code USD --fiat-amount 5 --payment-method SEPA
	[[ $stderr == *"no relay reachable"* ]]
	# nothing was handed out: the relay was read (the node's 38385) before any key
	[ "$(mostro-store session --session "$T/alice" show | jq .last_index)" = 0 ]
}

# ------------------------------------------------------------------ 0 and 1: the node answers

NEW_ORDER_ACK='select(req.action == "new-order") | req as $q | reply("new-order";
	{order: ($q.payload.order + {id: "'$ORDER'", status: "pending", created_at: 1700000000, expires_at: 1700086400})})
	| .message.order.id = "'$ORDER'" | .message.order.trade_index = $q.trade_index'

@test "acknowledged: exit 0, the reply as one JSON line (action, request_id, the session's order); the order is bound to its trade key" {
	relay_up
	fake_node --info '{"pow":"0","protocol_version":"2","fiat_currencies_accepted":"USD,EUR"}' --rule "$NEW_ORDER_ACK"
	session alice
	run -0 --separate-stderr as alice sell --fiat-code usd --fiat-amount 5 --payment-method SEPA --amount 5000
	[ "${#lines[@]}" = 1 ]
	jq -e --arg o "$ORDER" '.type == "reply" and .action == "new-order" and .order_id == $o and .reason == null
		and (.request_id | type) == "number" and .request_id < 9007199254740992 and .trade_index == 1
		and .order.status == "pending" and .order.role == "maker" and .order.side == "seller"
		and .order.trade_index == 1 and .order.waiting_for == "taker"' <<<"$output"
	run -0 mostro --session "$T/alice" orders --mine
	jq -e --arg o "$ORDER" '.id == $o and .status == "pending" and .fiat_code == "USD" and .amount == 5000' <<<"$output"
	run -0 mostro --session "$T/alice" key "$ORDER"
	jq -e '.index == 1 and .role == "trade" and (.secret | not)' <<<"$output"
	[ "$(jq -r .pubkey <<<"$output")" = "$(mostro-key derive --index 1 --mnemonic-file "$T/alice/mnemonic" | jq -r .pubkey)" ]
}

@test "the node's 38385 is checked before a key is spent: a currency it does not take is exit 4, index untouched" {
	relay_up
	fake_node --info '{"pow":"0","protocol_version":"2","fiat_currencies_accepted":"USD,EUR"}' --rule "$NEW_ORDER_ACK"
	session alice
	run -4 --separate-stderr as alice sell --fiat-code ARS --fiat-amount 5 --payment-method SEPA
	[[ $stderr == *"invalid_fiat_currency"* ]]
	[ "$(mostro-store session --session "$T/alice" show | jq .last_index)" = 0 ]
}

@test "cant-do: every reason of mostro-core is exit 1, the reason on stderr and in the JSON" {
	relay_up
	# the reason is picked by the order id: order i gets reason i
	local -a ids=()
	local i map='{'
	for i in "${!CANT_DO_REASONS[@]}"; do
		ids+=("$(uuid)")
		map+="\"${ids[i]}\":\"${CANT_DO_REASONS[i]}\","
	done
	map="${map%,}}"
	fake_node --info '{"pow":"0","protocol_version":"2"}' --rule "($map) as \$m | cantdo(\$m[req.id])"
	session alice
	for i in "${!ids[@]}"; do bind_order alice "${ids[i]}"; done
	# five at a time: each run waits on its own reply (`wait PID`: a bare
	# wait would wait for the relay and the node too)
	local -a pids=()
	for i in "${!ids[@]}"; do
		{
			local rc=0
			TIMEOUT=20 as alice cancel "${ids[i]}" >"$T/out.$i" 2>"$T/err.$i" || rc=$?
			echo "$rc" >"$T/rc.$i"
		} &
		pids[i]=$!
		if (((i + 1) % 5 == 0)); then wait "${pids[@]:i-4:5}" || true; fi
	done
	wait "${pids[@]}" || true
	for i in "${!ids[@]}"; do
		[ "$(cat "$T/rc.$i")" = 1 ] || { echo "exit $(cat "$T/rc.$i") for ${CANT_DO_REASONS[i]}"; return 1; }
		jq -e --arg r "${CANT_DO_REASONS[i]}" --arg o "${ids[i]}" \
			'.action == "cant-do" and .reason == $r and .order_id == $o' "$T/out.$i" >/dev/null ||
			{ echo "reason ${CANT_DO_REASONS[i]}: $(cat "$T/out.$i" "$T/err.$i")"; return 1; }
		grep -q "mostro: cant-do: ${CANT_DO_REASONS[i]}" "$T/err.$i" ||
			{ echo "stderr for ${CANT_DO_REASONS[i]}: $(cat "$T/err.$i")"; return 1; }
	done
	# the session kept the reason
	run -0 mostro --session "$T/alice" orders --mine
	jq -s -e --arg o "${ids[0]}" 'map(select(.id == $o))[0].last_cant_do == "invalid_signature"' <<<"$output"
}

@test "correlation: replies to another request_id, about another order, or signed by another key are not the reply" {
	relay_up
	printf '%s\n' "$SK2" >"$T/forger.key"
	chmod 600 "$T/forger.key"
	local other
	other=$(uuid)
	# v1: a gift wrap names no author the relay could filter on, so the forgery reaches the client
	fake_node --kind 1059 --decoy-key-file "$T/forger.key" --info '{"pow":"0","protocol_version":"1"}' --rule '
		select(req.action == "fiat-sent")
		| (reply("fiat-sent-ok"; null) | .message.order.request_id = (req.request_id + 1)),
		  (reply("fiat-sent-ok"; null) | .message.order.id = "'"$other"'"),
		  (cantdo("not_found") | .decoy = true),
		  (reply("cancel"; null)),
		  reply("fiat-sent-ok"; {peer: {pubkey: "'"$PK2"'", reputation: null}})'
	session alice
	bind_order alice "$ORDER"
	run -0 --separate-stderr as alice fiat-sent "$ORDER"
	jq -e --arg o "$ORDER" --arg pk "$PK2" '.action == "fiat-sent-ok" and .order_id == $o
		and .payload.peer.pubkey == $pk and .event.transport == "v1"' <<<"$output"
	# the forged cant-do never reached the session either (not from the node)
	run -0 mostro --session "$T/alice" orders --mine --status fiat-sent
	jq -e '.last_cant_do == null and .counterparty_pubkey == "'"$PK2"'"' <<<"$output"
}

@test "an index once handed out is never used again: not after a cant-do, not after no reply; never 0" {
	relay_up
	fake_node --info '{"pow":"0","protocol_version":"2"}' --rule '
		select(req.action == "new-order") | req as $q | if $q.payload.order.fiat_amount == 1 then empty
		else cantdo("invalid_trade_index") | .message["cant-do"].trade_index = $q.trade_index end'
	session alice
	TIMEOUT=2 run -124 --separate-stderr as alice sell --fiat-code USD --fiat-amount 1 --payment-method SEPA
	[ "$(mostro-store session --session "$T/alice" show | jq .last_index)" = 1 ]
	run -1 --separate-stderr as alice sell --fiat-code USD --fiat-amount 2 --payment-method SEPA
	[ "$(jq .trade_index <<<"$output")" = 2 ]
	run -1 --separate-stderr as alice buy --fiat-code USD --fiat-amount 3 --payment-method SEPA
	[ "$(jq .trade_index <<<"$output")" = 3 ]
	[[ $stderr == *"cant-do: invalid_trade_index (the node has a higher trade index"* ]]
}

# ------------------------------------------------------------------ 124: no reply, diagnosed

# no_reply CODE: the last run timed out with diagnosis CODE (stderr and JSON)
no_reply() {
	jq -e --arg c "$1" '.type == "timeout" and any(.diagnosis[]; .code == $c)' <<<"$output" >/dev/null ||
		{ echo "output: $output"; echo "stderr: $stderr"; return 1; }
	[[ $stderr == *"mostro: no reply within 2 s: "* ]]
}

@test "no reply: exit 124 after --timeout, a {\"type\":\"timeout\"} line; nothing in the 38385 explains it: said so" {
	relay_up
	fake_node --info '{"pow":"0","protocol_version":"2"}' --rule 'empty'
	session alice
	bind_order alice "$ORDER"
	local t0=$SECONDS
	TIMEOUT=2 run -124 --separate-stderr as alice release "$ORDER"
	((SECONDS - t0 < 15))
	no_reply no-reply
	jq -e --arg o "$ORDER" '.action == "release" and .order_id == $o and (.event.id | length) == 64' <<<"$output"
}

@test "silent drop diagnosed: the node not seen on these relays (no 38385)" {
	relay_up
	fake_node --rule 'empty'
	session alice
	bind_order alice "$ORDER"
	TIMEOUT=2 run -124 --separate-stderr as alice release "$ORDER"
	no_reply node-not-seen
	[[ $stderr == *"no kind 38385 from $MOSTRO on these relays: speaking v2 (kind 14)"* ]]
}

@test "silent drop diagnosed: the wrong transport (--transport v2 to a node whose 38385 says protocol_version 1)" {
	relay_up
	fake_node --kind 1059 --info '{"pow":"0","protocol_version":"1"}' --rule 'reply("released"; null)'
	session alice
	bind_order alice "$ORDER"
	TIMEOUT=2 run -124 --separate-stderr mostro --session "$T/alice" --mostro "$MOSTRO" --relays "$RELAY" --timeout 2 \
		--transport v2 release "$ORDER"
	no_reply transport
	[[ $stderr == *"the request went as kind 14 but the node's 38385 says protocol_version 1"* ]]
	# auto reads the 38385 and speaks v1: answered
	run -0 --separate-stderr as alice release "$ORDER"
	jq -e '.action == "released" and .event.transport == "v1"' <<<"$output"
}

@test "silent drop diagnosed: PoW short of the node's pow (--pow below what its 38385 asks)" {
	relay_up
	# 16 bits: an event mined for fewer meets them by chance once in 2^16
	# (with 6, once in 64 runs: this test failed in a CI run that way)
	fake_node --min-pow 16 --info '{"pow":"16","pow_first_contact":"16","protocol_version":"2"}' --rule 'reply("released"; null)'
	session alice
	bind_order alice "$ORDER"
	TIMEOUT=2 run -124 --separate-stderr mostro --session "$T/alice" --mostro "$MOSTRO" --relays "$RELAY" --timeout 2 \
		--pow 0 release "$ORDER"
	no_reply pow
	[[ $stderr == *"the node asks pow=16"* ]]
	# by default the client mines what the node asks
	run -0 --separate-stderr as alice release "$ORDER"
	[ "$(jq -r .action <<<"$output")" = released ]
}

@test "silent drop diagnosed: PoW short of pow_first_contact for a trade key the node has not seen; mined by default" {
	relay_up
	# 2 bits mined meet 16 by chance once in 2^14 (with 7, once in 32 runs:
	# this test failed in a CI run that way)
	fake_node --min-pow 16 --info '{"pow":"2","pow_first_contact":"16","protocol_version":"2"}' --rule 'reply("released"; null)'
	session alice
	bind_order alice "$ORDER"
	TIMEOUT=2 run -124 --separate-stderr mostro --session "$T/alice" --mostro "$MOSTRO" --relays "$RELAY" --timeout 2 \
		--pow 2 release "$ORDER"
	no_reply pow-first-contact
	[[ $stderr == *"pow_first_contact=16"* ]]
	run -0 --separate-stderr as alice release "$ORDER"
	[ "$(jq -r .action <<<"$output")" = released ]
}

@test "silent drop diagnosed: clock skew (the node's 38385 dated ahead of this machine by more than mostrod's 10 s)" {
	relay_up
	fake_node --info '{"pow":"0","protocol_version":"2"}' --info-created-at $((EPOCHSECONDS + 120)) --rule 'empty'
	session alice
	bind_order alice "$ORDER"
	TIMEOUT=2 run -124 --separate-stderr as alice release "$ORDER"
	no_reply clock
	[[ $stderr == *"clock skew: the node's info event is dated 1"[12]?" s ahead"* ]]
}

@test "silent drop diagnosed: the node's 38385 is old (it republishes every 300 s): it may be down" {
	relay_up
	fake_node --info '{"pow":"0","protocol_version":"2"}' --info-created-at $((EPOCHSECONDS - 4000)) --rule 'empty'
	session alice
	bind_order alice "$ORDER"
	TIMEOUT=2 run -124 --separate-stderr as alice release "$ORDER"
	no_reply node-stale
}

@test "transport auto: a node without 38385 gets v2 with a note on stderr; --transport v1 is gift wrap (kind 1059)" {
	relay_up
	fake_node --rule 'reply("released"; null)'
	session alice
	bind_order alice "$ORDER"
	run -0 --separate-stderr as alice release "$ORDER"
	jq -e '.event.transport == "v2"' <<<"$output"
	[[ $stderr == *"no kind 38385 from $MOSTRO on these relays: speaking v2 (kind 14); --transport v1 for a gift-wrap node"* ]]
	# the session's record of the node says which transport was spoken (no 38385 to keep)
	run -0 mostro-store session --session "$T/alice" node
	jq -e --arg m "$MOSTRO" '.pubkey == $m and .transport == "v2" and .info == null' <<<"$output"
	fake_node_stop
	fake_node --kind 1059 --rule 'reply("released"; null)'
	run -0 --separate-stderr as alice --transport v1 release "$ORDER"
	jq -e '.event.transport == "v1"' <<<"$output"
	[[ $stderr != *"speaking v2"* ]]
	run -0 mostro-store session --session "$T/alice" node
	jq -e '.transport == "v1"' <<<"$output"
}

# ------------------------------------------------------------------ the book, info, keys

# order_event ID KIND STATUS CREATED_AT [FIAT] [KEYFILE]: a 38383 revision, signed by the node (or KEYFILE)
order_event() {
	jq -nc --arg d "$1" --arg k "$2" --arg s "$3" --argjson t "$4" --arg f "${5:-USD}" '{kind: 38383, created_at: $t,
		content: "", tags: [["d", $d], ["k", $k], ["f", $f], ["s", $s], ["amt", "5000"], ["fa", "10", "20"],
		["pm", "SEPA", " bank"], ["premium", "1"], ["network", "regtest"], ["layer", "lightning"],
		["expires_at", "1900000000"], ["expiration", "1900000000"], ["y", "mostro"], ["z", "order"]]}' |
		mostro-wrap --plain --key-file "${6:-$FAKE_KEY}"
}

@test "orders: the newest revision of each order, the node's own only (a forged revision ignored), --status/--currency/--kind; --mine offline" {
	relay_up
	fake_node --info '{"pow":"0","protocol_version":"2"}' --rule 'empty'
	session alice
	printf '%s\n' "$SK2" >"$T/forger.key"
	chmod 600 "$T/forger.key"
	local a b c t=$((EPOCHSECONDS - 100))
	a=$(uuid) b=$(uuid) c=$(uuid)
	{
		order_event "$a" sell pending "$t"
		order_event "$a" sell in-progress $((t + 10))
		order_event "$b" buy pending "$t" EUR
		order_event "$c" sell pending "$t"
		order_event "$c" sell canceled $((t + 20)) USD "$T/forger.key"
	} | mostro-relay pub -q "$RELAY" >/dev/null
	run -0 --separate-stderr as alice orders
	[ "$(jq -s -c 'map(.id) | sort' <<<"$output")" = "$(jq -nc --arg b "$b" --arg c "$c" '[$b, $c] | sort')" ]
	jq -s -e --arg c "$c" 'map(select(.id == $c))[0] | .status == "pending" and .kind == "sell" and .fiat_code == "USD"
		and .amount == 5000 and .min_amount == 10 and .max_amount == 20 and .fiat_amount == null
		and .payment_methods == ["SEPA", " bank"] and .premium == 1 and .expires_at == 1900000000' <<<"$output"
	run -0 --separate-stderr as alice orders --status in-progress
	[ "$(jq -r .id <<<"$output")" = "$a" ]
	run -0 --separate-stderr as alice orders --currency eur
	[ "$(jq -r .id <<<"$output")" = "$b" ]
	run -0 --separate-stderr as alice orders --kind sell
	[ "$(jq -r .id <<<"$output")" = "$c" ]
	# --mine reads the session: nothing there, and no relay needed
	run -0 --separate-stderr mostro --session "$T/alice" orders --mine
	[ -z "$output" ]
	# a table only on a terminal
	need script
	run -0 script -qec "mostro --session '$T/alice' --mostro $MOSTRO --relays $RELAY orders --kind sell" /dev/null
	[[ $output == *"ID"*"KIND"*"STATUS"*"$c"*"sell"*"pending"*"10-20"* ]]
}

@test "orders --follow: each new revision as it comes (one leaving the status asked for too); SIGTERM: exit 0" {
	relay_up
	fake_node --info '{"pow":"0","protocol_version":"2"}' --rule 'empty'
	session alice
	local a t=$EPOCHSECONDS
	a=$(uuid)
	order_event "$a" sell pending $((t - 5)) | mostro-relay pub -q "$RELAY" >/dev/null
	mostro --session "$T/alice" --mostro "$MOSTRO" --relays "$RELAY" orders --follow >"$T/follow" 2>"$T/follow.err" &
	local pid=$!
	wait_for 10 grep -q "\"$a\"" "$T/follow"
	sleep 1
	order_event "$a" sell in-progress $((t + 5)) | mostro-relay pub -q "$RELAY" >/dev/null
	wait_for 10 grep -q '"in-progress"' "$T/follow" || { cat "$T/follow" "$T/follow.err"; kill "$pid"; return 1; }
	kill -TERM "$pid"
	local rc=0
	wait "$pid" || rc=$?
	[ "$rc" = 0 ]
	[ "$(jq -s -c 'map(.status)' "$T/follow")" = '["pending","in-progress"]' ]
}

@test "orders --follow: a revision the relay gets after the book was read, signed before it, is shown (it once was lost)" {
	relay_up
	fake_node --info '{"pow":"0","protocol_version":"2"}' --rule 'empty'
	session alice
	local a b t=$EPOCHSECONDS
	a=$(uuid) b=$(uuid)
	order_event "$a" sell pending $((t - 40)) | mostro-relay pub -q "$RELAY" >/dev/null
	mostro --session "$T/alice" --mostro "$MOSTRO" --relays "$RELAY" orders --follow >"$T/follow" 2>"$T/follow.err" &
	local pid=$!
	wait_for 10 grep -q "\"$a\"" "$T/follow"
	# the node signed b's revision 30 s ago; its publisher delivers it only now
	order_event "$b" sell pending $((t - 30)) | mostro-relay pub -q "$RELAY" >/dev/null
	wait_for 10 grep -q "\"$b\"" "$T/follow" || { cat "$T/follow" "$T/follow.err"; kill "$pid"; return 1; }
	# a's revision again (the subscription's look-back reaches it): not printed twice
	order_event "$a" sell in-progress $((t + 5)) | mostro-relay pub -q "$RELAY" >/dev/null
	wait_for 10 grep -q '"in-progress"' "$T/follow" || { cat "$T/follow" "$T/follow.err"; kill "$pid"; return 1; }
	kill -TERM "$pid"
	wait "$pid" || true
	[ "$(jq -s -c 'map([.id, .status])' "$T/follow")" = "$(jq -nc --arg a "$a" --arg b "$b" '[[$a, "pending"], [$b, "pending"], [$a, "in-progress"]]')" ]
}

@test "info: the node's 38385 as one JSON object; none on the relays: exit 1" {
	relay_up
	fake_node --info '{"pow":"3","protocol_version":"2","fee":"0.006"}' --rule 'empty'
	session alice
	run -0 --separate-stderr as alice info
	jq -e --arg m "$MOSTRO" '.type == "info" and .mostro == $m and .info.pow == "3" and .info.fee == "0.006"
		and .info.protocol_version == "2" and .info.d == $m' <<<"$output"
	run -1 --separate-stderr as alice --mostro "$PK1" info
	[[ $stderr == *"no kind 38385 from $PK1"* ]]
}

@test "key: the identity, an order's trade key, --index; the secret only with --secret, the mnemonic only with --mnemonic" {
	secret_file "$T/m" "$NIP06_MNEMONIC"
	mostro --session "$T/alice" import --mnemonic-file "$T/m" >/dev/null 2>&1
	run -0 mostro --session "$T/alice" key
	jq -e --arg p "$PK0" '.index == 0 and .pubkey == $p and .role == "identity" and (.npub | startswith("npub1"))
		and (has("secret") | not)' <<<"$output"
	bind_order alice "$ORDER"
	run -0 mostro --session "$T/alice" key "$ORDER"
	jq -e --arg p "$PK1" --arg o "$ORDER" '.index == 1 and .pubkey == $p and .order == $o and (has("secret") | not)' <<<"$output"
	run -0 mostro --session "$T/alice" key --index 2 --secret
	jq -e --arg p "$PK2" --arg s "$SK2" '.pubkey == $p and .secret == $s and (.nsec | startswith("nsec1"))' <<<"$output"
	run -0 mostro --session "$T/alice" key --mnemonic
	[ "$(jq -r .mnemonic <<<"$output")" = "$NIP06_MNEMONIC" ]
	run -1 --separate-stderr mostro --session "$T/alice" key efc75871-2568-40b9-a6ee-c382d4d6de01
}

@test "full privacy: no trade index, no identity proof (the node sees identity = trade key); reputation: both" {
	relay_up
	fake_node --info '{"pow":"0","protocol_version":"2"}' --rule '
		select(req.action == "new-order") | req as $q
		| if .mode == "full-privacy" and $q.trade_index == null and .identity == .sender then reply("new-order"; null)
		  elif .mode == "reputation" and $q.trade_index == 1 and .identity != .sender then reply("new-order"; null)
		  else cantdo("invalid_signature") end'
	session alice
	run -0 --separate-stderr as alice sell --fiat-code USD --fiat-amount 5 --payment-method SEPA
	[ "$(jq -r .action <<<"$output")" = new-order ]
	run -0 --separate-stderr as alice --full-privacy sell --fiat-code USD --fiat-amount 5 --payment-method SEPA
	[ "$(jq -r .action <<<"$output")" = new-order ]
	SECRET=true run -0 --separate-stderr as alice sell --fiat-code USD --fiat-amount 5 --payment-method SEPA
	[ "$(jq -r .action <<<"$output")" = new-order ]
}

@test "identity requests: last-trade-index raises the session's index, order-info, restore persists; all from the identity key" {
	relay_up
	local o2
	o2=$(uuid)
	fake_node --info '{"pow":"0","protocol_version":"2","max_orders_per_response":"10"}' --rule '
		req as $q | select(.sender == .identity) |
		if $q.action == "last-trade-index" then answer({restore: {version: 2, request_id: $q.request_id, trade_index: 41,
			action: "last-trade-index", payload: null}})
		elif $q.action == "restore-session" then answer({restore: {version: 2, request_id: null, trade_index: null,
			action: "restore-session", payload: {restore_data: {orders: [{order_id: "'"$o2"'", trade_index: 7,
			status: "active"}], disputes: []}}}})
		elif $q.action == "orders" then answer({order: {version: 2, request_id: $q.request_id, trade_index: null,
			action: "orders", payload: {orders: [$q.payload.ids[] | {id: ., kind: "buy", status: "active", amount: 5000,
			fiat_code: "EUR", fiat_amount: 7, payment_method: "SEPA", premium: 0}]}}})
		else empty end'
	session alice
	run -0 --separate-stderr as alice last-trade-index
	jq -e '.action == "last-trade-index" and .trade_index == 41' <<<"$output"
	[ "$(mostro-store session --session "$T/alice" show | jq .last_index)" = 41 ]
	run -0 --separate-stderr as alice order-info "$ORDER"
	jq -e --arg o "$ORDER" '.action == "orders" and .payload.orders[0].id == $o' <<<"$output"
	run -0 --separate-stderr as alice restore
	jq -e --arg o "$o2" '.type == "restore" and .orders[0].id == $o and .orders[0].trade_index == 7
		and .orders[0].status == "active" and .orders[0].fiat_code == "EUR" and .orders[0].kind == "buy" and .last_index == 41' <<<"$output"
	run -0 mostro --session "$T/alice" key "$o2"
	[ "$(jq .index <<<"$output")" = 7 ]
	[ "$(mostro-store session --session "$T/alice" next-index | jq .index)" = 42 ]
}

@test "admin: the key from a 0600 file, a descriptor or \$ADMIN_NSEC signs as itself (identity = sender); the reply is the node's" {
	relay_up
	fake_node --info '{"pow":"0","protocol_version":"2"}' --rule '
		select(.identity == .sender and .sender == "'"$PK2"'") | req as $q |
		if $q.action == "admin-settle" then reply("admin-settled"; null)
		elif $q.action == "admin-cancel" then reply("admin-canceled"; null)
		elif $q.action == "admin-add-solver" then answer({dispute: {version: 2, request_id: $q.request_id,
			trade_index: null, action: "admin-add-solver", payload: null}})
		elif $q.action == "admin-take-dispute" then answer({dispute: {version: 2, request_id: $q.request_id,
			trade_index: null, id: $q.id, action: "admin-took-dispute", payload: {dispute: [$q.id, null]}}})
		else empty end'
	session sol
	secret_file "$T/admin.key" "$SK2"
	run -0 --separate-stderr as sol admin settle "$ORDER" --admin-key-file "$T/admin.key"
	jq -e --arg o "$ORDER" '.action == "admin-settled" and .order_id == $o' <<<"$output"
	run -0 --separate-stderr as sol admin cancel "$ORDER" --admin-key-file "$T/admin.key"
	jq -e --arg o "$ORDER" '.action == "admin-canceled" and .order_id == $o' <<<"$output"
	run -0 --separate-stderr as sol admin add-solver npub180cvv07tjdrrgpa0j7j7tmnyl2yr6yr7l8j4s3evf6u64th6gkwsyjh6w6 --level read --admin-key-fd 3 3<"$T/admin.key"
	[ "$(jq -r .action <<<"$output")" = admin-add-solver ]
	local nsec
	nsec=$(mostro-key encode nsec --key-file "$T/admin.key" | jq -r .bech32)
	ADMIN_NSEC=$nsec run -0 --separate-stderr as sol admin take-dispute efc75871-2568-40b9-a6ee-c382d4d6de01
	jq -e '.action == "admin-took-dispute" and .order_id == "efc75871-2568-40b9-a6ee-c382d4d6de01"' <<<"$output"
}
