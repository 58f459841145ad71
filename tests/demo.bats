#!/usr/bin/env bats
# scripts/demo (make demo): the story runs once in JSON mode (setup_file) and
# its facts are checked against what the exchange left behind, read with the
# tools themselves: the node's order database (mostro-store), the simulated
# Lightning node (mostro-ln sim state), the sessions (mostro key). So the
# demo cannot rot: a step that stops working fails here, and so does a story
# that says something the files contradict.
#
# The money is checked from DAEMON.md §2.1 (fee = round(fee x amount / 2) per
# party; the seller pays amount + fee into escrow, the buyer is paid amount -
# fee, Mostro keeps both fees less the routing fees and the dev fee it paid).

bats_require_minimum_version 1.5.0

load helpers

setup_file() {
	export MOSTRO_TOP=${MOSTRO_TOP:-$(cd "$BATS_TEST_DIRNAME/.." && pwd)}
	export PATH=$MOSTRO_TOP/scripts:$PATH
	need jq mostrod mostro mostro-order mostro-relay mostro-ln mostro-store mostro-key
	D=$BATS_FILE_TMPDIR/demo
	export D
	# DEMO_WAIT bounds every wait of the demo; timeout bounds the whole run
	local rc=0
	DEMO_WAIT=40 timeout -k 10 300 "$MOSTRO_TOP/scripts/demo" --json --dir "$D" \
		>"$BATS_FILE_TMPDIR/demo.jsonl" 2>"$BATS_FILE_TMPDIR/demo.err" || rc=$?
	echo "$rc" >"$BATS_FILE_TMPDIR/demo.rc"
}

setup() {
	J=$BATS_FILE_TMPDIR/demo.jsonl
	D=$BATS_FILE_TMPDIR/demo
	T=$BATS_TEST_TMPDIR
}

# an exchange a failing test left running (--no-story) is stopped
teardown() {
	[[ ! -f $T/x/demo.pids ]] || "$MOSTRO_TOP/scripts/demo" stop --dir "$T/x" >/dev/null 2>&1 || true
}

# rec JQ: the demo's records satisfying JQ, one compact line each
rec() { jq -c "select($1)" "$J"; }

# one SELECT [JQ-ARG...] CONDITION: exactly one record satisfies SELECT, and
# it satisfies CONDITION (jq 1.6's -e looks at the last input only: slurp)
one() {
	local sel=$1
	shift
	rec "$sel" | jq -s -e "${@:1:$#-1}" "length == 1 and (.[0] | ${!#})" >/dev/null ||
		{ echo "one: $sel: $(rec "$sel")" >&2; return 1; }
}

# any_row [JQ-ARG...] CONDITION: some line of standard input satisfies CONDITION
any_row() { jq -s -e "${@:1:$#-1}" "any(.[]; ${!#})" >/dev/null; }

# ran: the demo finished (else show why and fail)
ran() {
	local rc
	rc=$(cat "$BATS_FILE_TMPDIR/demo.rc")
	if [[ $rc != 0 ]]; then
		echo "scripts/demo --json exited $rc:" >&2
		tail -n 20 "$BATS_FILE_TMPDIR/demo.err" "$J" >&2
		tail -n 30 "$D/mostrod.log" >&2 || true
		return 1
	fi
}

# statuses ORDER: the node's statuses of ORDER as the story recorded them
statuses() { jq -r --arg o "$1" 'select(.type == "status" and .order == $o) | .status' "$J" | paste -sd' '; }

order_of() { jq -r "select(.type == \"see\" and .who == \"$1\" and .action == \"$2\") | .order" "$J" | head -n 1; }

@test "the demo ran to its end: exit 0, JSON lines only, every record typed, five steps, an end record" {
	ran
	[ -s "$J" ]
	jq -s -e 'all(.[]; has("type"))' "$J" >/dev/null
	[ "$(jq -r 'select(.type == "step") | .step' "$J" | paste -sd' ')" = "1 2 3 4 5" ]
	one '.type == "end"' '.dir != null and (.seconds | type == "number") and .kept == false'
	# the start record names the exchange it built
	one '.type == "start"' --arg d "$D" '.dir == $d and (.relay | startswith("ws://127.0.0.1:")) and .fee == 0.006
		and (.mostro | test("^[0-9a-f]{64}$")) and .node == ($d + "/node")'
}

@test "the sell order goes through its statuses in order, as the node's database had them" {
	ran
	local o
	o=$(order_of alice new-order)
	[ -n "$o" ]
	[ "$(statuses "$o")" = "pending waiting-buyer-invoice waiting-payment active fiat-sent success" ]
	[ "$(mostro-store -d "$D/node" get "$o" | jq -r '[.kind, .status] | join(" ")')" = "sell success" ]
}

@test "the buy order goes to a dispute and a solver settles it: statuses in order, dispute settled by Carol" {
	ran
	local o did carol
	o=$(order_of bob new-order)
	[ -n "$o" ]
	[ "$(statuses "$o")" = "pending waiting-payment waiting-buyer-invoice active fiat-sent dispute success" ]
	[ "$(mostro-store -d "$D/node" get "$o" | jq -r '[.kind, .status] | join(" ")')" = "buy success" ]
	did=$(jq -r 'select(.type == "see" and .action == "dispute-initiated-by-you") | .dispute' "$J")
	carol=$(mostro --session "$D/carol" key 2>/dev/null | jq -r .pubkey)
	mostro-store -d "$D/node" disputes | any_row --arg d "$did" --arg o "$o" --arg c "$carol" \
		'.id == $d and .order_id == $o and .status == "settled" and .solver_pubkey == $c'
	mostro-store -d "$D/node" users | any_row --arg c "$carol" '.pubkey == $c and .is_solver == 1'
}

@test "the sats are conserved: each seller paid amount + fee, each buyer got amount - fee, the node kept the fees less what it paid" {
	ran
	local state orders
	state=$(mostro-ln sim --sim-db "$D/node/ln-sim.db" state)
	orders=$(mostro-store -d "$D/node" orders | jq -s .)
	# the fee of each order is DAEMON.md §2.1's, from the settings' fee
	jq -e 'all(.[]; .fee == ((0.006 * .amount / 2) | round) and .fee > 0)' <<<"$orders" >/dev/null
	# Alice sold both times, Bob bought both times (the sessions' identities
	# are the orders' master keys)
	local a b
	a=$(mostro --session "$D/alice" key 2>/dev/null | jq -r .pubkey)
	b=$(mostro --session "$D/bob" key 2>/dev/null | jq -r .pubkey)
	jq -e --arg a "$a" --arg b "$b" 'length == 2 and all(.[]; .master_seller_pubkey == $a and .master_buyer_pubkey == $b)' <<<"$orders" >/dev/null
	# the balances the story printed are the node's
	one '.type == "balances" and .when == "end"' --argjson s "$state" \
		'.wallets == ($s.wallets | map({(.name): (.balance_msat / 1000)}) | add) and .node == ($s.balance_msat / 1000)'
	local start
	start=$(rec '.type == "balances" and .when == "start"')
	jq -n -e --argjson s "$state" --argjson o "$orders" --argjson start "$start" '
		($s.wallets | map({(.name): (.balance_msat / 1000)}) | add) as $after
		| ($after.alice - $start.wallets.alice) as $da
		| ($after.bob - $start.wallets.bob) as $db
		| ($s.balance_msat / 1000 - $start.node) as $dn
		| ($s.payments | map(.fee_msat) | add // 0) as $routing
		| ($o | map(select(.dev_fee_paid == 1) | .dev_fee) | add // 0) as $devpaid
		| $da == -($o | map(.amount + .fee) | add)
		and $db == ($o | map(.amount - .fee) | add)
		and $dn * 1000 == ($o | map(2 * .fee) | add) * 1000 - $devpaid * 1000 - $routing
		and $da + $db + $dn + $devpaid + $routing / 1000 == 0' >/dev/null
	# the fees record says the same
	one '.type == "fees"' --argjson o "$orders" '.fees == ($o | map(2 * .fee) | add)
		and .dev_fee == ($o | map(.dev_fee) | add) and .node_change == .fees - .dev_fee_paid - .routing'
}

@test "Alice's hold invoice was amount + fee and Bob's payout amount - fee, as each side saw it" {
	ran
	# both trades: 5000 sats at fee 0.006, 15 a side
	[ "$(rec '.type == "see" and .who == "alice" and .action == "pay-invoice"' | jq -r .amount | paste -sd' ')" = "5015 5015" ]
	one '.type == "see" and .who == "bob" and .action == "add-invoice" and .amount != null' '.amount == 4985'
	[ "$(rec '.type == "see" and .who == "bob" and .action == "purchase-completed"' | jq -r .received | paste -sd' ')" = "4985 4985" ]
}

@test "each side learned the other's trade key, and Bob read Alice's card number in the chat" {
	ran
	local o ka kb
	o=$(order_of alice new-order)
	ka=$(mostro --session "$D/alice" key "$o" 2>/dev/null | jq -r .pubkey)
	kb=$(mostro --session "$D/bob" key "$o" 2>/dev/null | jq -r .pubkey)
	[[ $ka =~ ^[0-9a-f]{64}$ && $kb =~ ^[0-9a-f]{64}$ && $ka != "$kb" ]]
	one '.type == "see" and .who == "alice" and .action == "buyer-took-order" and .peer != null' --arg k "$kb" '.peer == $k'
	one '.type == "see" and .who == "bob" and .action == "hold-invoice-payment-accepted" and .peer != null' --arg k "$ka" '.peer == $k'
	mostro-store -d "$D/node" get "$o" | jq -e --arg a "$ka" --arg b "$kb" '.seller_pubkey == $a and .buyer_pubkey == $b' >/dev/null
	one '.type == "see" and .who == "bob" and .from == "alice"' '.chat | test("XYZ card 4000 1234 5678 9010")'
}

@test "both rated 5: rate-received, the node's reputations, two 38384 events on the relay" {
	ran
	[ "$(rec '.type == "see" and .action == "rate-received"' | jq -r '"\(.who) \(.rating)"' | sort | paste -sd,)" = "alice 5,bob 5" ]
	local who pk
	for who in alice bob; do
		pk=$(mostro --session "$D/$who" key 2>/dev/null | jq -r .pubkey)
		mostro-store -d "$D/node" users | any_row --arg p "$pk" '.pubkey == $p and .total_reviews == 1 and .last_rating == 5'
	done
	o=$(order_of alice new-order)
	mostro-store -d "$D/node" get "$o" | jq -e '.buyer_sent_rate == 1 and .seller_sent_rate == 1' >/dev/null
	one '.type == "relay"' '.events["38384"] == 2 and .events["38386"] == 1 and .events["38383"] == 2
		and (.orders | map(.status) | unique) == ["success"]'
}

@test "nothing is left running, and the files are private: DIR 0700, the key files 0600" {
	ran
	local p
	for p in /proc/[0-9]*; do
		if tr '\0' ' ' <"$p/cmdline" 2>/dev/null | grep -qF -- "$D"; then
			echo "left running: ${p#/proc/}: $(tr '\0' ' ' <"$p/cmdline")" >&2
			return 1
		fi
	done
	[ ! -e "$D/demo.pids" ]
	[ "$(stat -c %a "$D")" = 700 ]
	[ "$(stat -c %a "$D/node/.env")" = 600 ]
	[ "$(stat -c %a "$D/carol/solver.key")" = 600 ]
	[ "$(stat -c %a "$D/alice/mnemonic")" = 600 ]
	grep -q '^MOSTRO_NSEC_PRIVKEY=[0-9a-f]\{64\}$' "$D/node/.env"
	# the settings are mostrod's file with the demo's fee, as the node read it
	mostro-order settings -d "$D/node" | jq -e '.mostro.fee == 0.006 and .lightning.backend == "sim"' >/dev/null
}

@test "--no-story (text): the exchange is left running with the commands to trade on it, which trade; stop ends it" {
	local out rc=0
	out=$(NO_COLOR=1 timeout -k 5 120 "$MOSTRO_TOP/scripts/demo" --no-story --dir "$T/x" 2>&1) || rc=$?
	[ "$rc" -eq 0 ] || { echo "$out" >&2; return 1; }
	[[ $out == *"The exchange is still running"* ]]
	[[ $out == *"export MOSTRO_PUBKEY=npub1"*" RELAYS=ws://127.0.0.1:"* ]]
	[[ $out == *"mostro --session $T/x/alice"* && $out == *"stop --dir $T/x"* ]]
	[[ $out != *$'\e['* ]]
	local relay mostrod
	read -r _ relay < <(grep '^relay ' "$T/x/demo.pids")
	read -r _ mostrod < <(grep '^mostrod ' "$T/x/demo.pids")
	kill -0 "$relay" && kill -0 "$mostrod"
	mostrod ctl -d "$T/x/node" status | jq -e '.ok' >/dev/null
	# the printed commands trade: run as printed, but for the order id (read
	# from the book, as a person would) and the waits a person makes without
	# thinking (for what the other side's step tells them)
	local line
	{
		cat <<-'EOF'
		set -em   # -m: jobs in groups of their own, as in a terminal (kill %1 reaches the watch)
		trap 'rc=$?; for j in $(jobs -p); do kill -- "-$j" 2>/dev/null || true; done; exit $rc' EXIT
		trap 'exit 143' TERM
		until_ok() { local end=$((SECONDS + 40)); until "$@" >/dev/null 2>&1; do ((SECONDS < end)) || { echo "no: $*" >&2; return 1; }; sleep 0.3; done; }
		in_book() { alice orders | jq -s -e 'length > 0'; }
		bob_asked_to_pay() { bob orders --mine | jq -s -e 'any(.[]; .next == "pay-invoice")'; }
		alice_may_say_sent() { alice orders --mine | jq -s -e 'any(.[]; .next == "fiat-sent")'; }
		EOF
		sed -n '/Trade on it by hand:/,/^Logs:/p' <<<"$out" | sed '1d;$d' | sed 's/^   //' | while IFS= read -r line; do
			case $line in
			"alice orders"*) echo 'until_ok in_book'; echo 'ORDER=$(alice orders | jq -r .id | head -n 1)' ;;
			"sim pay-hold"*) echo 'until_ok bob_asked_to_pay'; echo "$line" ;;
			"alice fiat-sent"*) echo 'until_ok alice_may_say_sent'; echo "${line//ORDER/\"\$ORDER\"}" ;;
			*) echo "${line//ORDER/\"\$ORDER\"}" ;;
			esac
		done
	} >"$T/by-hand.sh"
	# its output in a file: a watch it left would hold a pipe open
	rc=0
	timeout -k 5 180 bash "$T/by-hand.sh" >"$T/by-hand.out" 2>&1 || rc=$?
	[ "$rc" -eq 0 ] || { cat "$T/by-hand.sh" "$T/by-hand.out" >&2; return 1; }
	# Alice bought 10000 sats at fee 0.006 (30 a side): she got 9970, Bob paid 10030
	mostro-ln sim --sim-db "$T/x/node/ln-sim.db" state |
		jq -e '.wallets | map({(.name): (.balance_msat / 1000)}) | add | .alice == 100000 + 9970 and .bob == 100000 - 10030' >/dev/null
	run "$MOSTRO_TOP/scripts/demo" stop --dir "$T/x"
	[ "$status" -eq 0 ]
	! kill -0 "$relay" 2>/dev/null
	! kill -0 "$mostrod" 2>/dev/null
	[ ! -e "$T/x/demo.pids" ]
	run "$MOSTRO_TOP/scripts/demo" stop --dir "$T/x"
	[ "$status" -eq 0 ]
	[[ $output == *"nothing running"* ]]
}

@test "usage: --help on stdout (exit 0); a bad option, a non-empty --dir, stop without --dir: exit 2" {
	run "$MOSTRO_TOP/scripts/demo" --help
	[ "$status" -eq 0 ]
	[[ $output == Usage:* && $output == *--json* && $output == *--keep* ]]
	run "$MOSTRO_TOP/scripts/demo" --bogus
	[ "$status" -eq 2 ]
	mkdir "$T/full" && touch "$T/full/x"
	run "$MOSTRO_TOP/scripts/demo" --dir "$T/full"
	[ "$status" -eq 2 ]
	[[ $output == *"not empty"* ]]
	run "$MOSTRO_TOP/scripts/demo" stop
	[ "$status" -eq 2 ]
	DEMO_WAIT=x run "$MOSTRO_TOP/scripts/demo"
	[ "$status" -eq 5 ]
}

@test "the script is pass-style: shellcheck -x clean, set -euo pipefail, umask 077, no eval, no pkill" {
	need shellcheck
	run shellcheck -x "$MOSTRO_TOP/scripts/demo"
	[ "$status" -eq 0 ] || { echo "$output" >&2; return 1; }
	grep -q '^set -euo pipefail$' "$MOSTRO_TOP/scripts/demo"
	grep -q '^umask 077$' "$MOSTRO_TOP/scripts/demo"
	! grep -nwE 'eval|pkill|killall' "$MOSTRO_TOP/scripts/demo"
}

@test "make demo runs the demo after building the tools (DEMO_JSON=1: --json)" {
	run make -C "$MOSTRO_TOP" -n demo DEMO_JSON=1 BUILD="${BUILD:-build}"
	[ "$status" -eq 0 ]
	[[ $output == *"scripts/demo --json"* ]]
	run make -C "$MOSTRO_TOP" -n demo BUILD="${BUILD:-build}"
	[[ $output == *"scripts/demo"* && $output != *"--json"* ]]
}
