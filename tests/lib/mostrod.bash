# tests/lib/mostrod.bash — drive scripts/mostrod and its users from bats, so
# flows read like DAEMON.md §1.7 / PROTOCOL.md §11. Clients are built from our
# tools only: mostro-key (NIP-06 keys), mostro-order msg (requests),
# mostro-wrap (envelopes), mostro-relay pub/req (the relay), mostro-unwrap
# (replies), mostro-ln sim (the wallets of the simulated node).
#
# Node (one per test, in $T/node):
#   node_set SECTION.KEY TOML-VALUE   a setting of the next node_start (see NODE_DEFAULTS)
#   node_unset SECTION.KEY            leave a key out of the file
#   node_write                        write $NODE/settings.toml (0600) from the table
#   node_start [MOSTROD-ARG...]       write, start mostrod --embedded-relay in the
#                                     background (log: $NODE/mostrod.log), wait until
#                                     its relay answers and its engine takes ctl
#   node_stop [SIGNAL]                SIGTERM (or SIGNAL) to mostrod, wait (bounded); status
#                                     in $NODE_STATUS; fails when a stage it started is left
#   node_log                          the daemon's log (for a failing test)
#   sim CMD [ARG...]                  mostro-ln sim on the node's simulated node
#   ctl CMD [KEY=VALUE...]            mostrod ctl on the node
#   book ORDER-ID                     the order's latest 38383 event as {tag: value}
#
# Users (in $T/u/NAME): identity = NIP-06 index 0 of a mnemonic, trade keys 1, 2, ...
#   user NAME MNEMONIC [v1|v2]        create a user speaking that transport
#   trade_key NAME                    a fresh trade index for NAME, in $TRADE
#   send NAME INDEX ACTION [OPTION...]  mostro-order msg ACTION with the user's
#                                     transport, the node's PoW, a new request id
#                                     ($RID), signed with trade key INDEX, published
#   inbox NAME INDEX                  every message Mostro sent to trade key INDEX,
#                                     one inner message per line ({"action":...})
#   expect NAME INDEX JQ-CONDITION [SECONDS]  waits until one of them satisfies
#                                     the condition (jq, on the inner message;
#                                     $id = $ORDER): prints it; fails naming it
#   expect_none NAME INDEX JQ-CONDITION SECONDS  ... and that none does
#
# Every wait is bounded (wait_for from helpers.bash).

NODE_DEFAULTS=(
	'lightning.backend="sim"'
	'lightning.sim_db="ln-sim.db"'
	'lightning.invoice_expiration_window=3600'
	'lightning.hold_invoice_cltv_delta=144'
	'lightning.hold_invoice_expiration_window=300'
	'lightning.payment_attempts=3'
	'lightning.payment_retries_interval=60'
	'nostr.relays=[]'
	'mostro.fee=0.006'
	'mostro.max_routing_fee=0.002'
	'mostro.max_order_amount=1000000'
	'mostro.min_payment_amount=100'
	'mostro.expiration_hours=24'
	'mostro.max_expiration_days=15'
	'mostro.expiration_seconds=900'
	'mostro.user_rates_sent_interval_seconds=3600'
	'mostro.publish_relays_interval=60'
	'mostro.pow=0'
	'mostro.publish_mostro_info_interval=300'
	'mostro.fiat_currencies_accepted=["USD","EUR"]'
	'mostro.max_orders_per_response=10'
	'mostro.dev_fee_percentage=0.30'
	'mostro.transport="nip44"'
	'database.url="sqlite://mostro.db"'
	'rpc.enabled=false'
	'rpc.listen_address="127.0.0.1"'
	'rpc.port=50051'
)
NODE_SECTIONS=(lightning nostr mostro database expiration rpc price)

declare -gA NODE_CFG=()
NODE_KEYS=()   # insertion order

MNEMONIC_A="abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon about"
MNEMONIC_B="legal winner thank year wave sausage worth useful legal winner thank yellow"
MNEMONIC_C="letter advice cage absurd amount doctor acoustic avoid letter advice cage above"

# node_init: a fresh node directory with the defaults, a key and a relay port.
node_init() {
	NODE=$T/node
	mkdir -p -m 700 "$NODE"
	NODE_CFG=()
	NODE_KEYS=()
	local kv
	for kv in "${NODE_DEFAULTS[@]}"; do node_set "${kv%%=*}" "${kv#*=}"; done
	NODE_SECRET=$(head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n')
	node_set nostr.nsec_privkey "'$NODE_SECRET'"
	NODE_PORT=$(free_port)
	RELAY=ws://127.0.0.1:$NODE_PORT
	node_set nostr.relays "['$RELAY']"
	MOSTRO=$(printf '%s\n' "$NODE_SECRET" | mostro-key pub --key-file - | jq -r .pubkey)
	RID=0
}

node_set() {
	[[ -n ${NODE_CFG[$1]+x} ]] || NODE_KEYS+=("$1")
	NODE_CFG[$1]=$2
}

node_unset() { unset "NODE_CFG[$1]"; }

node_write() {
	local s k f=$NODE/settings.toml
	: >"$f"
	chmod 600 "$f"
	for s in "${NODE_SECTIONS[@]}"; do
		local head=""
		for k in "${NODE_KEYS[@]}"; do
			[[ $k == "$s".* && -n ${NODE_CFG[$k]+x} ]] || continue
			[[ -n $head ]] || { printf '[%s]\n' "$s" >>"$f"; head=1; }
			printf '%s = %s\n' "${k#"$s".}" "${NODE_CFG[$k]}" >>"$f"
		done
		[[ -z $head ]] || echo >>"$f"
	done
}

# free_port: a TCP port nothing listens on (random, checked with ss).
free_port() {
	local p i
	for i in $(seq 50); do
		p=$((20000 + RANDOM % 40000))
		[[ -z $(ss -Hltn "sport = :$p" 2>/dev/null) ]] && { echo "$p"; return; }
	done
	return 1
}

node_start() {
	node_write
	# as from a terminal: SIGINT is not ignored (a background job of a script ignores it)
	MOSTRO_LOG=${MOSTRO_LOG:-debug} env --default-signal=INT mostrod -d "$NODE" --embedded-relay "$@" \
		</dev/null >>"$NODE/mostrod.out" 2>>"$NODE/mostrod.log" 3>&- &
	NODE_PID=$!
	wait_for 20 node_up || { node_log; return 1; }
}

# the relay answers and the engine answers ctl status
node_up() {
	kill -0 "$NODE_PID" 2>/dev/null || { echo "mostrod exited" >&2; return 1; }
	mostro-relay info --wait-timeout 1 "$RELAY" >/dev/null 2>&1 &&
		mostrod ctl -d "$NODE" -t 2 status >/dev/null 2>&1
}

# stage_pids: the PIDs mostrod logged for its stages ("started NAME (pid N)").
stage_pids() {
	sed -n 's/^mostrod: started \([^ ]*\) (pid \([0-9]*\))$/\2/p' "$NODE/mostrod.log"
}

# stage_pid NAME: the PID of one stage (the latest start).
stage_pid() {
	sed -n "s/^mostrod: started $1 (pid \\([0-9]*\\))\$/\\1/p" "$NODE/mostrod.log" | tail -1
}

node_gone() { ! kill -0 "$NODE_PID" 2>/dev/null; }

node_stop() {
	local sig=${1:-TERM} p
	NODE_STATUS=""
	[[ -n ${NODE_PID:-} ]] || return 0
	kill "-$sig" "$NODE_PID" 2>/dev/null || true
	if ! wait_for 40 node_gone; then
		kill -KILL "$NODE_PID" 2>/dev/null || true
		echo "mostrod did not stop within 40 s" >&2
		return 1
	fi
	NODE_STATUS=0
	wait "$NODE_PID" || NODE_STATUS=$?
	NODE_PID=""
	for p in $(stage_pids); do
		if kill -0 "$p" 2>/dev/null; then
			echo "stage pid $p still running after mostrod exited" >&2
			return 1
		fi
	done
}

node_log() { echo "--- mostrod.log"; tail -n "${1:-60}" "$NODE/mostrod.log"; }

sim() { mostro-ln sim --sim-db "$NODE/ln-sim.db" "$@"; }

ctl() { mostrod ctl -d "$NODE" "$@"; }

# book ORDER-ID: the newest 38383 of the order, its tags as an object.
book() {
	mostro-relay req -q --filter "$(jq -nc --arg a "$MOSTRO" --arg d "$1" '{kinds:[38383],authors:[$a],"#d":[$d]}')" "$RELAY" |
		jq -sc 'sort_by(.created_at) | last | if . then (.tags | map({(.[0]): .[1]}) | add) else null end'
}

# book_status ORDER-ID STATUS: the order's 38383 says STATUS (s tag)
book_status() { [[ $(book "$1" | jq -r '.s // empty') == "$2" ]]; }

# ---------------------------------------------------------------- users

user() {
	local name=$1 dir=$T/u/$1
	mkdir -p -m 700 "$dir"
	printf '%s\n' "$2" >"$dir/mnemonic"
	chmod 600 "$dir/mnemonic"
	echo "${3:-v2}" >"$dir/transport"
	echo 0 >"$dir/index"
	key_of "$name" 0 >/dev/null
}

# key_of NAME INDEX: derives (once) trade key INDEX of NAME into
# $T/u/NAME/key.INDEX (0600) and prints its public key.
key_of() {
	local dir=$T/u/$1
	if [[ ! -f $dir/key.$2 ]]; then
		mostro-key derive --secret --index "$2" --mnemonic-file "$dir/mnemonic" >"$dir/derive.$2"
		jq -r .secret "$dir/derive.$2" >"$dir/key.$2"
		chmod 600 "$dir/key.$2"
		jq -r .pubkey "$dir/derive.$2" >"$dir/pub.$2"
		rm -f "$dir/derive.$2"
	fi
	cat "$dir/pub.$2"
}

trade_key() {
	local dir=$T/u/$1
	TRADE=$(($(<"$dir/index") + 1))
	echo "$TRADE" >"$dir/index"
	key_of "$1" "$TRADE" >/dev/null
}

# send NAME INDEX ACTION [OPTION...]
send() {
	local name=$1 idx=$2 action=$3 dir=$T/u/$1 pow
	shift 3
	RID=$((RID + 1))
	local -a msg=(msg "$action" --to "$MOSTRO" --transport "$(<"$dir/transport")" --request-id "$RID")
	case $action in new-order | take-sell | take-buy) msg+=(--trade-index "$idx") ;; esac
	pow=$(node_pow "$name" "$idx")
	local -a wrap=(--key-file "$dir/key.$idx" --identity-key-file "$dir/key.0")
	((pow == 0)) || wrap+=(--pow "$pow")
	mostro-order "${msg[@]}" "$@" >"$dir/last.req"
	mostro-wrap "${wrap[@]}" <"$dir/last.req" >"$dir/last.ev"
	mostro-relay pub -q "$RELAY" <"$dir/last.ev" | jq -e '.accepted' >/dev/null
}

# node_pow NAME INDEX: the PoW a message of that trade key needs: pow, or
# pow_first_contact on v2 from a key the node does not know yet (any index
# that has never received a message from Mostro).
node_pow() {
	local pow=${NODE_CFG[mostro.pow]} first=${NODE_CFG[mostro.pow_first_contact]:-${NODE_CFG[mostro.pow]}}
	if [[ $(<"$T/u/$1/transport") == v2 && ! -s $T/u/$1/seen.$2 ]] && ((first > pow)); then
		echo "$first"
	else
		echo "$pow"
	fi
}

inbox() {
	local dir=$T/u/$1 pk
	pk=$(key_of "$1" "$2")
	mostro-relay req -q --auth-key-file "$dir/key.$2" \
		--filter "$(jq -nc --arg p "$pk" '{kinds:[14,1059],"#p":[$p]}')" "$RELAY" |
		mostro-unwrap --key-file "$dir/key.$2" 2>/dev/null |
		jq -c 'select(.type == "message") | .message[]' >"$dir/inbox.$2" || true
	[[ ! -s $dir/inbox.$2 ]] || cp "$dir/inbox.$2" "$dir/seen.$2"
	cat "$dir/inbox.$2"
}

# matches NAME INDEX COND: the messages satisfying COND, in $T/u/NAME/match
matches() {
	inbox "$1" "$2" | jq -c --arg id "${ORDER:-}" "select($3)" >"$T/u/$1/match" 2>"$T/u/$1/match.err"
	[[ -s $T/u/$1/match ]]
}

expect() {
	if ! wait_for "${4:-10}" matches "$1" "$2" "$3"; then
		echo "expect: $1 (trade key $2) got no message with: $3" >&2
		echo "--- $1's inbox on trade key $2:" >&2
		cat "$T/u/$1/inbox.$2" "$T/u/$1/match.err" >&2
		node_log >&2
		return 1
	fi
	tail -1 "$T/u/$1/match"
}

expect_none() {
	local end=$((SECONDS + $4))
	while ((SECONDS < end)); do
		if matches "$1" "$2" "$3"; then
			echo "expect_none: $1 (trade key $2) got: $(tail -1 "$T/u/$1/match")" >&2
			return 1
		fi
		sleep 0.2
	done
}

# hash_of BOLT11
hash_of() { mostro-ln decode -- "$1" | jq -r .payment_hash; }

# invoice_state BOLT11: OPEN, ACCEPTED, SETTLED, CANCELED on the simulated node
invoice_state() {
	local h
	h=$(hash_of "$1")
	sim state | jq -r --arg h "$h" '.invoices[] | select(.hash == $h) | .state'
}

# buyer_invoice SATS: a payout invoice of the sim's buyer wallet
buyer_invoice() { sim invoice --amount "$1" --wallet buyer | jq -r .payment_request; }

# ---------------------------------------------------------------- flow steps
# Amounts of the flows: 5000 sat for 3 USD at fee 0.006 (each party 15).
AMOUNT=5000
FEE=15

# new_sell NAME: NAME publishes a sell order; $ORDER, $MAKER_IDX
new_order() {
	local name=$1 kind=$2
	shift 2
	trade_key "$name"
	MAKER_IDX=$TRADE
	send "$name" "$TRADE" new-order --kind "$kind" --fiat-code USD --fiat-amount 3 \
		--payment-method XYZ --amount "$AMOUNT" "$@"
	local ack
	ack=$(expect "$name" "$MAKER_IDX" '.action == "new-order" and .request_id == '"$RID") || return 1
	ORDER=$(jq -r .id <<<"$ack")
	[[ $(jq -r .payload.order.status <<<"$ack") == pending ]]
}

# sell_to_active SELLER BUYER: §1.7 sell, steps 1-5: the order is active, the
# escrow held. Sets ORDER, S_IDX, B_IDX, HOLD, INV.
sell_to_active() {
	local s=$1 b=$2 r
	new_order "$s" sell || return 1
	S_IDX=$MAKER_IDX
	wait_for 10 book_status "$ORDER" pending
	trade_key "$b"
	B_IDX=$TRADE
	send "$b" "$B_IDX" take-sell --id "$ORDER"
	r=$(expect "$b" "$B_IDX" '.action == "add-invoice" and .id == $id') || return 1
	[[ $(jq -r .payload.order.amount <<<"$r") == $((AMOUNT - FEE)) ]]
	expect "$s" "$S_IDX" '.action == "waiting-buyer-invoice" and .id == $id' >/dev/null
	INV=$(buyer_invoice $((AMOUNT - FEE)))
	send "$b" "$B_IDX" add-invoice --id "$ORDER" --invoice "$INV"
	expect "$b" "$B_IDX" '.action == "waiting-seller-to-pay" and .id == $id' >/dev/null
	r=$(expect "$s" "$S_IDX" '.action == "pay-invoice" and .id == $id and .payload.payment_request != null') || return 1
	[[ $(jq -r '.payload.payment_request[0].amount' <<<"$r") == $((AMOUNT + FEE)) ]]
	HOLD=$(jq -r '.payload.payment_request[1]' <<<"$r")
	sim pay-hold "$(hash_of "$HOLD")" >/dev/null
	expect "$s" "$S_IDX" '.action == "buyer-took-order" and .id == $id and .payload.order.status == "active"' >/dev/null
	expect "$b" "$B_IDX" '.action == "hold-invoice-payment-accepted" and .id == $id' >/dev/null
}

# buy_to_active BUYER SELLER: §1.7 buy, to active. Sets ORDER, B_IDX, S_IDX, HOLD, INV.
buy_to_active() {
	local b=$1 s=$2 r
	new_order "$b" buy || return 1
	B_IDX=$MAKER_IDX
	trade_key "$s"
	S_IDX=$TRADE
	send "$s" "$S_IDX" take-buy --id "$ORDER"
	r=$(expect "$s" "$S_IDX" '.action == "pay-invoice" and .id == $id and .payload.payment_request != null') || return 1
	[[ $(jq -r '.payload.payment_request[0].amount' <<<"$r") == $((AMOUNT + FEE)) ]]
	expect "$b" "$B_IDX" '.action == "waiting-seller-to-pay" and .id == $id' >/dev/null
	HOLD=$(jq -r '.payload.payment_request[1]' <<<"$r")
	sim pay-hold "$(hash_of "$HOLD")" >/dev/null
	r=$(expect "$b" "$B_IDX" '.action == "add-invoice" and .id == $id and .payload.order != null') || return 1
	[[ $(jq -r .payload.order.amount <<<"$r") == $((AMOUNT - FEE)) ]]
	expect "$s" "$S_IDX" '.action == "waiting-buyer-invoice" and .id == $id' >/dev/null
	INV=$(buyer_invoice $((AMOUNT - FEE)))
	send "$b" "$B_IDX" add-invoice --id "$ORDER" --invoice "$INV"
	expect "$b" "$B_IDX" '.action == "hold-invoice-payment-accepted" and .id == $id' >/dev/null
	expect "$s" "$S_IDX" '.action == "buyer-took-order" and .id == $id' >/dev/null
}

# fiat_sent_and_release: from active to success; the buyer's invoice paid.
fiat_sent_and_release() {
	local b=$1 s=$2
	send "$b" "$B_IDX" fiat-sent --id "$ORDER"
	expect "$b" "$B_IDX" '.action == "fiat-sent-ok" and .id == $id' >/dev/null
	expect "$s" "$S_IDX" '.action == "fiat-sent-ok" and .id == $id' >/dev/null
	send "$s" "$S_IDX" release --id "$ORDER"
	expect "$s" "$S_IDX" '.action == "hold-invoice-payment-settled" and .id == $id' >/dev/null
	expect "$b" "$B_IDX" '.action == "released" and .id == $id' >/dev/null
	expect "$b" "$B_IDX" '.action == "purchase-completed" and .id == $id' >/dev/null
	wait_for 10 invoice_paid "$INV"
	[[ $(invoice_state "$HOLD") == SETTLED ]]
	wait_for 10 book_status "$ORDER" success
}

invoice_paid() { [[ $(invoice_state "$1") == SETTLED ]]; }
