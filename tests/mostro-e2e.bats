#!/usr/bin/env bats
# Alice and Bob trade through `mostro` only, against scripts/mostrod on its
# embedded relay and the simulated Lightning node (tests/lib/mostrod.bash):
# the flows of PROTOCOL.md §11 as a user runs them. Their wallets are the
# simulated node's (mostro-ln sim: pay the hold invoice, make a payout
# invoice); everything said to Mostro goes through `mostro`, everything
# learned comes from its JSON lines and its session (`mostro watch --once`,
# `mostro orders --mine`).

bats_require_minimum_version 1.5.0

load helpers
load lib/mostrod
load lib/mostro

setup_file() {
	export MOSTRO_TOP=${MOSTRO_TOP:-$(cd "$BATS_TEST_DIRNAME/.." && pwd)}
	export PATH=$MOSTRO_TOP/scripts:$PATH
	need jq ss flock mostro mostrod mostro-order mostro-relay mostro-wrap mostro-unwrap mostro-ln mostro-key mostro-store
}

setup() {
	T=$BATS_TEST_TMPDIR
	unset MOSTRO_NSEC_PRIVKEY MOSTRO_LOG MOSTRO_PUBKEY RELAYS POW TRANSPORT SECRET MOSTRO_SESSION ADMIN_NSEC
	export XDG_DATA_HOME=$T/xdg
	NODE_PID=""
	node_init
}

teardown() {
	if [[ -n ${NODE_PID:-} ]]; then
		node_stop TERM || node_stop KILL || true
	fi
}

# m NAME ARG...: NAME runs mostro
m() {
	local name=$1
	shift
	mostro --session "$T/$name" --mostro "$MOSTRO" --relays "$RELAY" --timeout 20 "$@"
}

# person NAME MNEMONIC: a session for NAME
person() {
	secret_file "$T/$1.mnemonic" "$2"
	mostro --session "$T/$1" import --mnemonic-file "$T/$1.mnemonic" >/dev/null 2>&1
}

# row NAME: NAME's row of $ORDER in the session
row() { mostro --session "$T/$1" orders --mine | jq -c --arg o "$ORDER" 'select(.id == $o)'; }

# learned NAME JQ: NAME reads what the node sent (watch --once) until its row satisfies JQ
is_now() {
	m "$1" watch --once >/dev/null 2>>"$T/$1.watch.err" || return 1
	row "$1" | jq -e "$2" >/dev/null
}
learned() {
	wait_for "${3:-30}" is_now "$1" "$2" || { echo "$1 never saw: $2"; echo "row: $(row "$1")"; node_log; return 1; }
}

# paid_out BOLT11: the node paid the buyer's invoice
paid_out() { [[ $(invoice_state "$1") == SETTLED ]]; }

# reply_is JQ: the last run printed one reply satisfying JQ
reply_is() {
	jq -e "$1" <<<"$output" >/dev/null || { echo "reply: $output"; echo "stderr: $stderr"; node_log; return 1; }
}

# sell_to_active: Alice sells 5000 sat for 3 USD, Bob takes, gives his
# invoice, Alice pays the escrow: both see the order active. Sets ORDER, INV.
sell_to_active() {
	run -0 --separate-stderr m alice sell --fiat-code USD --fiat-amount 3 --payment-method SEPA --amount 5000
	reply_is '.action == "new-order" and .order.status == "pending" and .order.waiting_for == "taker"'
	ORDER=$(jq -r .order_id <<<"$output")
	wait_for 15 book_status "$ORDER" pending
	run -0 --separate-stderr m bob take "$ORDER"
	reply_is ".action == \"add-invoice\" and .order.next == \"add-invoice\" and .order.amount == $((AMOUNT - FEE))"
	INV=$(buyer_invoice $((AMOUNT - FEE)))
	run -0 --separate-stderr m bob invoice "$ORDER" "$INV"
	reply_is '.action == "waiting-seller-to-pay" and .order.waiting_for == "seller"'
	learned alice '.next == "pay-invoice" and .invoice != null and .status == "waiting-payment"'
	pay_hold "$(row alice | jq -r .invoice)"
	learned alice '.status == "active" and .waiting_for == "buyer"'
	learned bob '.status == "active" and .next == "fiat-sent"'
}

@test "§11.1 sell, happy path: sell, take, invoice, the escrow paid, fiat-sent, release, the buyer paid; both rate" {
	node_start
	person alice "$MNEMONIC_A"
	person bob "$MNEMONIC_B"
	sell_to_active
	run -0 --separate-stderr m bob fiat-sent "$ORDER"
	reply_is '.action == "fiat-sent-ok" and .order.waiting_for == "seller"'
	learned alice '.next == "release"'
	run -0 --separate-stderr m alice release "$ORDER"
	reply_is '.action == "hold-invoice-payment-settled"'
	wait_for 20 paid_out "$INV"
	learned bob '.status == "success" and .next == "rate-user"'
	learned alice '.next == "rate-user"'
	run -0 --separate-stderr m bob rate "$ORDER" 5
	reply_is '.action == "rate-received"'
	run -0 --separate-stderr m alice rate "$ORDER" 4
	reply_is '.action == "rate-received"'
	wait_for 15 book_status "$ORDER" success
	# the trade keys: one index each, never reused
	[ "$(row alice | jq .trade_index)" = 1 ]
	[ "$(row bob | jq .trade_index)" = 1 ]
}

@test "§11.2 buy, happy path: buy, take (the seller pays), the buyer's invoice, fiat-sent, release" {
	node_start
	person alice "$MNEMONIC_A"
	person bob "$MNEMONIC_B"
	run -0 --separate-stderr m alice buy --fiat-code USD --fiat-amount 3 --payment-method SEPA --amount 5000
	reply_is '.action == "new-order" and .order.side == "buyer"'
	ORDER=$(jq -r .order_id <<<"$output")
	wait_for 15 book_status "$ORDER" pending
	run -0 --separate-stderr m bob take "$ORDER"
	reply_is ".action == \"pay-invoice\" and .order.next == \"pay-invoice\" and .order.side == \"seller\" and .order.amount == $((AMOUNT + FEE))"
	pay_hold "$(jq -r .order.invoice <<<"$output")"
	learned alice '.next == "add-invoice" and .status == "waiting-buyer-invoice"'
	INV=$(buyer_invoice $((AMOUNT - FEE)))
	run -0 --separate-stderr m alice invoice "$ORDER" "$INV"
	reply_is '.action == "hold-invoice-payment-accepted" and .order.next == "fiat-sent"'
	run -0 --separate-stderr m alice fiat-sent "$ORDER"
	reply_is '.action == "fiat-sent-ok"'
	learned bob '.next == "release"'
	run -0 --separate-stderr m bob release "$ORDER"
	reply_is '.action == "hold-invoice-payment-settled"'
	wait_for 20 paid_out "$INV"
	learned alice '.status == "success"'
}

@test "cancel: the maker's pending order; a taker leaving (the maker's order pending again); a cooperative cancel" {
	node_start
	person alice "$MNEMONIC_A"
	person bob "$MNEMONIC_B"
	run -0 --separate-stderr m alice sell --fiat-code USD --fiat-amount 3 --payment-method SEPA --amount 5000
	ORDER=$(jq -r .order_id <<<"$output")
	run -0 --separate-stderr m alice cancel "$ORDER"
	reply_is '.action == "canceled" and .order.status == "canceled"'
	wait_for 15 book_status "$ORDER" canceled
	run -1 --separate-stderr m alice cancel "$ORDER"
	[[ $stderr == *"cant-do: order_already_canceled"* ]]
	# a taker leaves: canceled for Bob, pending again for Alice
	run -0 --separate-stderr m alice sell --fiat-code USD --fiat-amount 3 --payment-method SEPA --amount 5000
	ORDER=$(jq -r .order_id <<<"$output")
	run -0 --separate-stderr m bob take "$ORDER"
	learned alice '.status == "waiting-buyer-invoice"'
	run -0 --separate-stderr m bob cancel "$ORDER"
	reply_is '.action == "canceled"'
	learned alice '.status == "pending" and .waiting_for == "taker"'
	run -0 --separate-stderr m alice cancel "$ORDER"
	# cooperative: Bob asks, Alice accepts, the escrow goes back to Alice
	sell_to_active
	run -0 --separate-stderr m bob cancel "$ORDER"
	reply_is '.action == "cooperative-cancel-initiated-by-you" and .order.waiting_for == "counterparty"'
	learned alice '.next == "cancel"'
	local hold
	hold=$(row alice | jq -r .invoice)
	run -0 --separate-stderr m alice cancel "$ORDER"
	reply_is '.action == "cooperative-cancel-accepted" and .order.status == "cooperatively-canceled"'
	learned bob '.status == "cooperatively-canceled"'
	[ "$(invoice_state "$hold")" = CANCELED ]
}

@test "a dispute settled by a solver through mostro admin: add-solver (Mostro's key), take-dispute, chat, settle; the buyer paid" {
	node_start
	person alice "$MNEMONIC_A"
	person bob "$MNEMONIC_B"
	person carol "$MNEMONIC_C"
	secret_file "$T/mostro.key" "$NODE_SECRET"
	mostro --session "$T/carol" key --secret | jq -r .secret >"$T/carol.key"
	chmod 600 "$T/carol.key"
	local carol_npub
	carol_npub=$(mostro --session "$T/carol" key | jq -r .npub)
	run -0 --separate-stderr m carol admin add-solver "$carol_npub" --admin-key-file "$T/mostro.key"
	reply_is '.action == "admin-add-solver"'
	sell_to_active
	run -0 --separate-stderr m bob fiat-sent "$ORDER"
	run -0 --separate-stderr m bob dispute "$ORDER"
	reply_is '.action == "dispute-initiated-by-you" and .order.status == "dispute" and .order.waiting_for == "solver"'
	local did
	did=$(jq -r '.payload.dispute[0]' <<<"$output")
	run -0 --separate-stderr m carol admin disputes --status initiated
	jq -e --arg d "$did" 'select(.id == $d)' <<<"$output"
	run -0 --separate-stderr m carol admin take-dispute "$did" --admin-key-file "$T/carol.key"
	reply_is '.action == "admin-took-dispute"'
	learned bob '.solver_pubkey != null'
	learned alice '.solver_pubkey != null'
	# the parties and the solver talk
	run -0 --separate-stderr m bob chat "$ORDER" --solver "I paid, here is the receipt"
	run -0 --separate-stderr m carol admin chat "$ORDER" --party buyer --admin-key-file "$T/carol.key"
	reply_is '.from == "buyer" and .text == "I paid, here is the receipt"'
	run -0 --separate-stderr m carol admin settle "$ORDER" --admin-key-file "$T/carol.key"
	reply_is '.action == "admin-settled"'
	wait_for 20 paid_out "$INV"
	learned bob '.status == "success"'
	[ "$(mostro-store session --session "$T/carol" disputes | jq -r --arg d "$did" 'select(.id == $d) | .status')" = settled ]
}

@test "restore: Alice loses her session mid-trade, imports her mnemonic into an empty one, restores, and finishes the trade" {
	node_start
	person alice "$MNEMONIC_A"
	person bob "$MNEMONIC_B"
	sell_to_active
	rm -rf "$T/alice"
	person alice "$MNEMONIC_A"
	run -0 --separate-stderr m alice restore
	jq -e --arg o "$ORDER" '.type == "restore" and (.orders | map(select(.id == $o)) | length) == 1
		and .last_index >= 1' <<<"$output" || { echo "$output $stderr"; node_log; false; }
	[ "$(row alice | jq -r '[.status, .trade_index, .side, .counterparty_pubkey != null] | @tsv')" = "$(printf 'active\t1\tseller\ttrue')" ]
	run -0 --separate-stderr m bob fiat-sent "$ORDER"
	learned alice '.next == "release"'
	run -0 --separate-stderr m alice release "$ORDER"
	reply_is '.action == "hold-invoice-payment-settled"'
	wait_for 20 paid_out "$INV"
	# the restored session never hands out an index the node has seen
	run -0 --separate-stderr m alice sell --fiat-code USD --fiat-amount 3 --payment-method SEPA --amount 5000
	reply_is '.action == "new-order" and .trade_index == 2'
}

@test "§11.3 a range order: Bob takes 10 of 5-20 USD; at release the rest (5-10) is a new order on the key Alice named" {
	node_start
	person alice "$MNEMONIC_A"
	person bob "$MNEMONIC_B"
	# 100 000 USD a bitcoin: 1000 sat a dollar
	timeout 10 bash -c 'printf "%s\n" "{\"type\":\"price\",\"rates\":{\"USD\":100000}}" >"$1"' _ "$NODE/price.fifo"
	run -0 --separate-stderr m alice sell --fiat-code USD --fiat-amount 5-20 --payment-method SEPA
	reply_is '.action == "new-order" and .order.min_amount == 5 and .order.max_amount == 20'
	ORDER=$(jq -r .order_id <<<"$output")
	wait_for 15 book_status "$ORDER" pending
	run -4 --separate-stderr m bob take "$ORDER" --amount 30
	[[ $stderr == *"--amount"* ]]
	run -0 --separate-stderr m bob take "$ORDER" --amount 10
	reply_is '.action == "add-invoice"'
	local sats
	sats=$(jq -r .order.amount <<<"$output")
	INV=$(buyer_invoice "$sats")
	run -0 --separate-stderr m bob invoice "$ORDER" "$INV"
	learned alice '.next == "pay-invoice"'
	pay_hold "$(row alice | jq -r .invoice)"
	learned bob '.next == "fiat-sent"'
	run -0 --separate-stderr m bob fiat-sent "$ORDER"
	learned alice '.next == "release"'
	run -0 --separate-stderr m alice release "$ORDER"
	reply_is '.action == "hold-invoice-payment-settled"'
	# the child: on trade key 2, Alice its maker, 5-10 USD
	wait_for 30 is_child
}

is_child() {
	m alice watch --once >/dev/null 2>&1 || return 1
	mostro --session "$T/alice" orders --mine | jq -e --arg o "$ORDER" 'select(.id != $o) | select(.trade_index == 2
		and .role == "maker" and .min_amount == 5 and .max_amount == 10 and .status == "pending")' >/dev/null
}
