# tests/lib/mostrod.bash — drive scripts/mostrod and its users from bats, so
# flows read like DAEMON.md §1.7 / PROTOCOL.md §11. Clients are built from our
# tools only: mostro-key (NIP-06 keys), mostro-order msg (requests),
# mostro-wrap (envelopes), mostro-relay pub/sub/req (the relay), mostro-unwrap
# (replies), mostro-ln sim or the LND double's control API (the wallets).
#
# Node (one per test, in $T/node):
#   node_set SECTION.KEY TOML-VALUE   a setting of the next node_start (see NODE_DEFAULTS)
#   node_unset SECTION.KEY            leave a key out of the file
#   node_write                        write $NODE/settings.toml (0600) from the table
#   node_start [MOSTROD-ARG...]       write, start mostrod (--embedded-relay unless
#                                     NODE_EMBEDDED is empty) in the background (log:
#                                     $NODE/mostrod.log), wait until its relay answers
#                                     and its engine takes ctl
#   node_stop [SIGNAL]                SIGTERM (or SIGNAL) to mostrod, wait (bounded); status
#                                     in $NODE_STATUS; fails when a stage it started is left
#   node_log, stage_pid NAME          the daemon's log; a stage's PID from it
#   relay_start NAME [PORT], relay_stop NAME   a relay of the test's own
#   sim CMD [ARG...], ctl CMD [KEY=VALUE...]   mostro-ln sim, mostrod ctl on the node
#   book ORDER-ID, book_status ORDER-ID S      the order's latest 38383
#   price FIAT RATE                   a price record into DIR/price.fifo
#   lnd_double_start                  backend lnd on tests/lnd-double (else the sim)
#   pay_hold, buyer_invoice, invoice_state, pay_script   the Lightning side
#
# Users (in $T/u/NAME): identity = NIP-06 index 0 of a mnemonic, trade keys 1, 2, ...
#   user NAME MNEMONIC [v1|v2]        create a user speaking that transport, on $RELAY
#                                     (files relay and read-relay: where NAME publishes
#                                     and reads)
#   trade_key NAME                    a fresh trade index for NAME, in $TRADE
#   send NAME INDEX ACTION [OPTION...]  mostro-order msg ACTION with the user's
#                                     transport, the node's PoW (SEND_POW overrides),
#                                     a new request id ($RID), signed with trade key
#                                     INDEX (identity key 0), published
#   inbox NAME INDEX                  every message Mostro sent to trade key INDEX, one
#                                     inner message per line ({"action":...}), from a
#                                     subscription started at the first call (watch)
#   expect NAME INDEX JQ-CONDITION [SECONDS]  waits until one of them satisfies
#                                     the condition (jq, on the inner message;
#                                     $id = $ORDER): prints it; fails naming it
#   expect_none NAME INDEX JQ-CONDITION SECONDS  ... and that none does
#
# Flow steps (new_order, sell_to_active, buy_to_active, take_sell, seller_pays,
# fiat_sent, release, paid) and whole flows (flow_*), run by `on v2|v1|both FLOW`.
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

# node_init: a fresh node directory with the defaults, a key and a relay port
# (a previous one of the test is removed: its database keeps the jobs' due
# times, so a second node on it would publish its 38385 only 300 s later).
node_init() {
	NODE=$T/node
	rm -rf -- "$NODE"
	mkdir -m 700 "$NODE"
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

# free_port: a TCP port no socket uses, below the kernel's ephemeral range
# (ip_local_port_range): the suite's own clients leave their ports in
# TIME_WAIT there, and a listener cannot bind one of those even with
# SO_REUSEADDR (an embedded relay on it exited at start now and then).
# Random, checked with ss in every state.
free_port() {
	local p i lo=32768
	read -r lo _ </proc/sys/net/ipv4/ip_local_port_range 2>/dev/null || true
	((lo > 11000)) || lo=32768
	for i in $(seq 50); do
		p=$((10000 + RANDOM % (lo - 10000)))
		[[ -z $(ss -Htan "sport = :$p" 2>/dev/null) ]] && { echo "$p"; return; }
	done
	return 1
}

# NODE_EMBEDDED: empty for a node on relays of the test's own (relay_start)
node_start() {
	node_write
	local -a args=()
	[[ -z ${NODE_EMBEDDED-1} ]] || args=(--embedded-relay)
	NODE_RUNS=$(node_runs)
	# as from a terminal: SIGINT is not ignored (a background job of a script ignores it)
	MOSTRO_LOG=${MOSTRO_LOG:-debug} env --default-signal=INT mostrod -d "$NODE" "${args[@]}" "$@" \
		</dev/null >>"$NODE/mostrod.out" 2>>"$NODE/mostrod.log" 3>&- &
	NODE_PID=$!
	wait_for 20 node_up || { node_log; return 1; }
}

# node_runs: how many times mostrod logged that all its stages run
node_runs() {
	local n
	n=$(grep -c '^mostrod: running (pid' "$NODE/mostrod.log" 2>/dev/null) || true
	echo "${n:-0}"
}

# every stage started (mostrod logged "running" once more than before this
# start: the engine answers ctl before the stages after it are started), the
# relay answers and the engine answers ctl status
node_up() {
	kill -0 "$NODE_PID" 2>/dev/null || { echo "mostrod exited" >&2; return 1; }
	(($(node_runs) > ${NODE_RUNS:-0})) &&
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

# relay_start NAME [PORT]: a relay of the test's own (mostro-relay serve, as
# the embedded one: NIP-42 for kinds 1059 and 14), its database in
# $T/NAME.db, kept across relay_stop/relay_start. Sets RELAY_URL[NAME].
declare -gA RELAY_PID=() RELAY_URL=()
relay_start() {
	local name=$1 port=${2:-}
	[[ -n $port ]] || port=$(free_port)
	mostro-relay serve --listen "127.0.0.1:$port" --db "$T/$name.db" --auth-read-kinds 1059,14 \
		</dev/null >/dev/null 2>>"$T/$name.log" 3>&- &
	RELAY_PID[$name]=$!
	RELAY_URL[$name]=ws://127.0.0.1:$port
	wait_for 10 mostro-relay info --wait-timeout 1 "${RELAY_URL[$name]}" >/dev/null
}

relay_stop() {
	local pid=${RELAY_PID[$1]:-}
	[[ -n $pid ]] || return 0
	kill -TERM "$pid" 2>/dev/null || true
	wait "$pid" || true
	RELAY_PID[$1]=""
}

relay_port() { echo "${RELAY_URL[$1]##*:}"; }

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
	echo "$RELAY" >"$dir/relay"       # where NAME publishes
	echo "$RELAY" >"$dir/read-relay"  # where NAME reads Mostro's replies
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
	pow=${SEND_POW:-$(node_pow)}
	local -a wrap=(--key-file "$dir/key.$idx" --identity-key-file "$dir/key.0")
	((pow == 0)) || wrap+=(--pow "$pow")
	mostro-order "${msg[@]}" "$@" >"$dir/last.req"
	mostro-wrap "${wrap[@]}" <"$dir/last.req" >"$dir/last.ev"
	mostro-relay pub -q "$(<"$dir/relay")" <"$dir/last.ev" | jq -e '.accepted' >/dev/null
}

# node_pow: the PoW of a message: pow, or on a node that reads v2,
# pow_first_contact when it is higher (a v2 key is "known" only while it
# trades; more bits than asked never hurt).
node_pow() {
	local pow=${NODE_CFG[mostro.pow]} first=${NODE_CFG[mostro.pow_first_contact]:-0}
	if [[ ${NODE_CFG[mostro.transport]} != '"gift-wrap"' ]] && ((first > pow)); then
		echo "$first"
	else
		echo "$pow"
	fi
}

# watch NAME INDEX: a subscription (NIP-42 as trade key INDEX) to the events
# addressed to it on NAME's read relay, appended to a file, started once per
# key and relay; its file in $WATCH_FILE. Polling reads the file: no
# connection per poll.
# The PIDs go to a file: watch runs in subshells too (inbox on the left of
# a pipe in matches), where an array would be a copy that unwatch_all never
# sees, and the watcher would outlive the test.
watch() {
	local dir=$T/u/$1 pk relay tag
	pk=$(key_of "$1" "$2")
	relay=$(<"$dir/read-relay")
	tag=$(printf '%s' "$relay" | cksum | cut -d' ' -f1)
	WATCH_FILE=$dir/events.$2.$tag
	[[ ! -e $WATCH_FILE ]] || return 0
	: >"$WATCH_FILE"
	mostro-relay sub --auth-key-file "$dir/key.$2" \
		--filter "$(jq -nc --arg p "$pk" '{kinds:[14,1059],"#p":[$p]}')" "$relay" \
		</dev/null >>"$WATCH_FILE" 2>>"$WATCH_FILE.log" 3>&- &
	echo "$!" >>"$T/watch.pids"
	# the stored events are in once the relay said EOSE
	wait_for 20 grep -qs ': eose' "$WATCH_FILE.log"
}

unwatch_all() {
	local p
	[[ -s $T/watch.pids ]] || return 0
	while read -r p; do kill "$p" 2>/dev/null || true; done <"$T/watch.pids"
	# not our children when a subshell started them: wait by polling
	while read -r p; do wait_for 10 eval "! kill -0 $p 2>/dev/null" || kill -KILL "$p" 2>/dev/null || true; done <"$T/watch.pids"
	rm -f -- "$T/watch.pids"
}

# inbox NAME INDEX: every message Mostro sent to trade key INDEX so far
inbox() {
	local dir=$T/u/$1
	watch "$1" "$2"
	mostro-unwrap --key-file "$dir/key.$2" <"$WATCH_FILE" 2>/dev/null |
		jq -c 'select(.type == "message") | .message[]' >"$dir/inbox.$2" || true
	cat "$dir/inbox.$2"
}

# matches NAME INDEX COND: the messages satisfying COND, in $T/u/NAME/match
matches() {
	inbox "$1" "$2" | jq -c --arg id "${ORDER:-}" "select($3)" >"$T/u/$1/match" 2>"$T/u/$1/match.err"
	[[ -s $T/u/$1/match ]]
}

expect() {
	local end=$((SECONDS + ${4:-20}))
	until matches "$1" "$2" "$3"; do
		if ((SECONDS >= end)); then
			echo "expect: $1 (trade key $2) got no message with: $3 (in ${4:-20} s)" >&2
			echo "--- $1's inbox on trade key $2:" >&2
			cat "$T/u/$1/inbox.$2" "$T/u/$1/match.err" >&2
			node_log >&2
			return 1
		fi
		sleep 0.05
	done
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

# ---------------------------------------------------------------- the Lightning side
# The node's Lightning backend: the simulated node (default) or LND's REST API
# played by tests/lnd-double/server.mjs (lnd_double_start). The wallets of the
# flows: the seller pays the hold invoice (pay_hold), the buyer issues the
# payout invoice (buyer_invoice), payments can be scripted to fail (pay_script).
LN_BACKEND=sim

# lnd_double_start: the double with a fresh certificate (localhost,
# 127.0.0.1) and macaroon in $T/lnd, and the node's settings pointing at it.
lnd_double_start() {
	local d=$T/lnd hex
	mkdir -p -m 700 "$d"
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes \
		-keyout "$d/key.pem" -out "$d/cert.pem" -days 2 -subj /CN=localhost \
		-addext "subjectAltName=DNS:localhost,IP:127.0.0.1" 2>/dev/null
	head -c 96 /dev/urandom >"$d/admin.macaroon"
	hex=$(od -An -v -tx1 "$d/admin.macaroon" | tr -d ' \n')
	node "$MOSTRO_TOP/tests/lnd-double/server.mjs" --cert "$d/cert.pem" --key "$d/key.pem" \
		--macaroon-hex "$hex" >"$d/ports" 2>"$d/log" 3>&- &
	LND_PID=$!
	wait_for 10 test -s "$d/ports"
	LN_BACKEND=lnd
	node_set lightning.backend '"lnd"'
	node_set lightning.lnd_rest_host "\"https://127.0.0.1:$(jq -r .https "$d/ports")\""
	node_set lightning.lnd_cert_file "\"$d/cert.pem\""
	node_set lightning.lnd_macaroon_file "\"$d/admin.macaroon\""
	node_unset lightning.sim_db
}

lnd_double_stop() { [[ -z ${LND_PID:-} ]] || kill "$LND_PID" 2>/dev/null || true; }

# dctl METHOD PATH [JSON]: the double's control API
dctl() {
	curl -sS --max-time 20 -X "$1" -H 'Content-Type: application/json' --data "${3:-}" \
		"http://127.0.0.1:$(jq -r .control "$T/lnd/ports")$2"
}

# hash_of BOLT11
hash_of() { mostro-ln decode -- "$1" | jq -r .payment_hash; }

# pay_hold BOLT11: the seller's wallet pays the node's hold invoice
pay_hold() {
	case $LN_BACKEND in
	sim) sim pay-hold "$(hash_of "$1")" >/dev/null ;;
	lnd) dctl POST /pay_hold "$(jq -nc --arg h "$(hash_of "$1")" '{hash: $h}')" | jq -e '.state == "ACCEPTED"' >/dev/null ;;
	esac
}

# buyer_invoice SATS: a payout invoice of the buyer's wallet
buyer_invoice() {
	case $LN_BACKEND in
	sim) sim invoice --amount "$1" --wallet buyer | jq -r .payment_request ;;
	lnd) dctl POST /invoice "{\"amount_msat\":$(($1 * 1000))}" | jq -r .payment_request ;;
	esac
}

# invoice_state BOLT11: OPEN, ACCEPTED, SETTLED, CANCELED; a payout invoice
# the node paid is SETTLED
invoice_state() {
	local h
	h=$(hash_of "$1")
	case $LN_BACKEND in
	sim) sim state | jq -r --arg h "$h" '.invoices[] | select(.hash == $h) | .state' ;;
	lnd) dctl GET /state | jq -r --arg h "$h" '(.invoices[] | select(.hash == $h) | .state),
		(.payments[] | select(.hash == $h and .status == "SUCCEEDED") | "SETTLED")' ;;
	esac
}

# pay_script OUTCOME TIMES: the node's next payouts end so (fail:NO_ROUTE, ...)
pay_script() {
	case $LN_BACKEND in
	sim) sim script --outcome "$1" --times "$2" >/dev/null ;;
	lnd) dctl POST /script "$(jq -nc --arg o "$1" --argjson n "$2" '{match: "default", outcome: $o, times: $n}')" >/dev/null ;;
	esac
}

# ---------------------------------------------------------------- flow steps
# The order of the flows: 5000 sat for 3 USD at fee 0.006 (each party 15).
# ORDER_OPTS and TAKE_OPTS change the order and the take (range, market
# price); AMOUNT and FEE are the sats and per-party fee the take gives.
AMOUNT=5000
FEE=15
ORDER_OPTS=()
TAKE_OPTS=()

# price FIAT RATE: a price record (fiat per BTC) into the engine's price FIFO.
price() {
	jq -nc --arg f "$1" --argjson r "$2" '{type: "price", rates: {($f): $r}, source: "test"}' |
		timeout 10 tee -a "$NODE/price.fifo" >/dev/null
}

# new_order NAME KIND [OPTION...]: NAME publishes an order (ORDER_OPTS,
# default 3 USD for AMOUNT sats; OPTIONs added); the ack is pending. Sets
# ORDER, MAKER_IDX, ACK.
new_order() {
	local name=$1 kind=$2
	shift 2
	local -a opts=("${ORDER_OPTS[@]}")
	((${#opts[@]})) || opts=(--fiat-amount 3 --amount "$AMOUNT")
	trade_key "$name"
	MAKER_IDX=$TRADE
	send "$name" "$TRADE" new-order --kind "$kind" --fiat-code USD --payment-method XYZ "${opts[@]}" "$@"
	ACK=$(expect "$name" "$MAKER_IDX" '.action == "new-order" and .request_id == '"$RID") || return 1
	ORDER=$(jq -r .id <<<"$ACK")
	[[ $(jq -r .payload.order.status <<<"$ACK") == pending ]]
}

# sell_to_active SELLER BUYER: §1.7 sell, steps 1-4: the order is active, the
# escrow held. Sets ORDER, S_IDX, B_IDX, HOLD, INV.
sell_to_active() {
	local s=$1 b=$2 r
	new_order "$s" sell || return 1
	S_IDX=$MAKER_IDX
	wait_for 20 book_status "$ORDER" pending
	take_sell "$b" || return 1
	expect "$s" "$S_IDX" '.action == "waiting-buyer-invoice" and .id == $id' >/dev/null || return 1
	INV=$(buyer_invoice $((AMOUNT - FEE)))
	send "$b" "$B_IDX" add-invoice --id "$ORDER" --invoice "$INV"
	expect "$b" "$B_IDX" '.action == "waiting-seller-to-pay" and .id == $id' >/dev/null || return 1
	seller_pays "$s"
	expect "$s" "$S_IDX" '.action == "buyer-took-order" and .id == $id and .payload.order.status == "active"' >/dev/null &&
		expect "$b" "$B_IDX" '.action == "hold-invoice-payment-accepted" and .id == $id' >/dev/null
}

# take_sell BUYER [SECONDS]: a new trade key takes $ORDER (TAKE_OPTS) and is
# asked for an invoice of AMOUNT - FEE. Sets B_IDX.
take_sell() {
	local r
	trade_key "$1"
	B_IDX=$TRADE
	send "$1" "$B_IDX" take-sell --id "$ORDER" "${TAKE_OPTS[@]}"
	r=$(expect "$1" "$B_IDX" '.action == "add-invoice" and .id == $id' "${2:-20}") || return 1
	[[ $(jq -r .payload.order.amount <<<"$r") == $((AMOUNT - FEE)) ]] || { echo "add-invoice amount: $r" >&2; return 1; }
}

# seller_pays SELLER: the seller is asked for AMOUNT + FEE and the sim's
# seller wallet pays the hold invoice. Sets HOLD.
seller_pays() {
	local r
	r=$(expect "$1" "$S_IDX" '.action == "pay-invoice" and .id == $id and .payload.payment_request != null') || return 1
	[[ $(jq -r '.payload.payment_request[0].amount' <<<"$r") == $((AMOUNT + FEE)) ]] || { echo "pay-invoice amount: $r" >&2; return 1; }
	HOLD=$(jq -r '.payload.payment_request[1]' <<<"$r")
	pay_hold "$HOLD"
}

# buy_to_active BUYER SELLER: §1.7 buy, steps 1-4. Sets ORDER, B_IDX, S_IDX, HOLD, INV.
buy_to_active() {
	local b=$1 s=$2 r
	new_order "$b" buy || return 1
	B_IDX=$MAKER_IDX
	trade_key "$s"
	S_IDX=$TRADE
	send "$s" "$S_IDX" take-buy --id "$ORDER" "${TAKE_OPTS[@]}"
	expect "$b" "$B_IDX" '.action == "waiting-seller-to-pay" and .id == $id' >/dev/null || return 1
	seller_pays "$s" || return 1
	r=$(expect "$b" "$B_IDX" '.action == "add-invoice" and .id == $id and .payload.order != null') || return 1
	[[ $(jq -r .payload.order.amount <<<"$r") == $((AMOUNT - FEE)) ]] || { echo "add-invoice amount: $r" >&2; return 1; }
	expect "$s" "$S_IDX" '.action == "waiting-buyer-invoice" and .id == $id' >/dev/null || return 1
	INV=$(buyer_invoice $((AMOUNT - FEE)))
	send "$b" "$B_IDX" add-invoice --id "$ORDER" --invoice "$INV"
	expect "$b" "$B_IDX" '.action == "hold-invoice-payment-accepted" and .id == $id' >/dev/null &&
		expect "$s" "$S_IDX" '.action == "buyer-took-order" and .id == $id' >/dev/null
}

# fiat_sent BUYER SELLER [OPTION...]: both are told fiat-sent-ok, each with
# the other as peer.
fiat_sent() {
	local b=$1 s=$2 r
	shift 2
	send "$b" "$B_IDX" fiat-sent --id "$ORDER" "$@"
	r=$(expect "$b" "$B_IDX" '.action == "fiat-sent-ok" and .id == $id') || return 1
	[[ $(jq -r .payload.peer.pubkey <<<"$r") == $(key_of "$s" "$S_IDX") ]] || { echo "buyer's peer: $r" >&2; return 1; }
	r=$(expect "$s" "$S_IDX" '.action == "fiat-sent-ok" and .id == $id') || return 1
	[[ $(jq -r .payload.peer.pubkey <<<"$r") == $(key_of "$b" "$B_IDX") ]] || { echo "seller's peer: $r" >&2; return 1; }
}

# release SELLER BUYER [OPTION...]: the hold invoice settled, the buyer told.
release() {
	local s=$1 b=$2
	shift 2
	send "$s" "$S_IDX" release --id "$ORDER" "$@"
	expect "$s" "$S_IDX" '.action == "hold-invoice-payment-settled" and .id == $id' >/dev/null &&
		expect "$b" "$B_IDX" '.action == "released" and .id == $id' >/dev/null &&
		expect "$s" "$S_IDX" '.action == "rate" and .id == $id' >/dev/null &&
		wait_for 20 invoice_is "$HOLD" SETTLED
}

# paid BUYER: the payout reached the buyer's invoice: purchase-completed,
# rate, 38383 success.
paid() {
	local b=$1
	expect "$b" "$B_IDX" '.action == "purchase-completed" and .id == $id' >/dev/null &&
		wait_for 20 invoice_is "$INV" SETTLED &&
		expect "$b" "$B_IDX" '.action == "rate" and .id == $id' >/dev/null &&
		wait_for 20 book_status "$ORDER" success
}

fiat_sent_and_release() {
	fiat_sent "$1" "$2" && release "$2" "$1" && paid "$1"
}

invoice_is() { [[ $(invoice_state "$1") == "$2" ]]; }

# ---------------------------------------------------------------- flows
# Each a sequence of DAEMON.md §1.7 / PROTOCOL.md §11 with its checks.

flow_sell_happy() { sell_to_active alice bob && fiat_sent_and_release bob alice; }
flow_buy_happy() { buy_to_active alice bob && fiat_sent_and_release alice bob; }

# §11.6: a stranger may not cancel a pending order, its maker may, once.
flow_maker_cancel() {
	new_order alice sell || return 1
	trade_key bob
	send bob "$TRADE" cancel --id "$ORDER"
	expect bob "$TRADE" '.action == "cant-do" and .payload.cant_do == "is_not_your_order" and .request_id == '"$RID" >/dev/null || return 1
	send alice "$MAKER_IDX" cancel --id "$ORDER"
	expect alice "$MAKER_IDX" '.action == "canceled" and .id == $id and .request_id == '"$RID" >/dev/null || return 1
	wait_for 20 book_status "$ORDER" canceled || return 1
	send alice "$MAKER_IDX" cancel --id "$ORDER"
	expect alice "$MAKER_IDX" '.action == "cant-do" and .payload.cant_do == "order_already_canceled" and .request_id == '"$RID" >/dev/null
}

# §11.6: the taker cancels in waiting-buyer-invoice: the order is pending again.
flow_taker_cancel() {
	new_order alice sell || return 1
	S_IDX=$MAKER_IDX
	take_sell bob || return 1
	wait_for 20 book_status "$ORDER" in-progress || return 1
	send bob "$B_IDX" cancel --id "$ORDER"
	expect bob "$B_IDX" '.action == "canceled" and .id == $id' >/dev/null || return 1
	expect alice "$S_IDX" '.action == "new-order" and .id == $id and .request_id == '"$RID" >/dev/null || return 1
	wait_for 20 book_status "$ORDER" pending
}

# §11.5: seller and buyer both cancel an active order: the escrow is returned.
flow_coop_cancel() {
	sell_to_active alice bob || return 1
	send alice "$S_IDX" cancel --id "$ORDER"
	expect alice "$S_IDX" '.action == "cooperative-cancel-initiated-by-you" and .id == $id' >/dev/null || return 1
	expect bob "$B_IDX" '.action == "cooperative-cancel-initiated-by-peer" and .id == $id' >/dev/null || return 1
	send bob "$B_IDX" cancel --id "$ORDER"
	expect bob "$B_IDX" '.action == "cooperative-cancel-accepted" and .id == $id' >/dev/null || return 1
	expect alice "$S_IDX" '.action == "cooperative-cancel-accepted" and .id == $id' >/dev/null || return 1
	wait_for 20 invoice_is "$HOLD" CANCELED || return 1
	wait_for 20 book_status "$ORDER" canceled
}

# §2.4 / §11.3: a sell range 2-10 USD at 100000 USD/BTC; the buyer takes 4 USD
# (4000 sat, fee 12); the release names the maker's next trade key, which
# gets the child order 2-6 USD.
flow_range_child() {
	price USD 100000
	ORDER_OPTS=(--fiat-amount 2-10) TAKE_OPTS=(--amount 4) AMOUNT=4000 FEE=12
	sell_to_active alice bob || return 1
	fiat_sent bob alice || return 1
	local parent=$ORDER next child r
	trade_key alice
	next=$TRADE
	release alice bob --next-trade "$(key_of alice "$next"):$next" || return 1
	paid bob || return 1
	r=$(expect alice "$next" '.action == "new-order" and .id != $id') || return 1
	child=$(jq -r .id <<<"$r")
	[[ $(jq -c '.payload.order | [.status, .min_amount, .max_amount, .amount]' <<<"$r") == '["pending",2,6,0]' ]] ||
		{ echo "child: $r" >&2; return 1; }
	[[ $child != "$parent" ]]
	wait_for 20 book_status "$child" pending
}

# §2.2: a market-priced order (amount 0): 3 USD at 100000 USD/BTC is 3000 sat
# at the take (fee 9).
flow_market_price() {
	price USD 100000
	ORDER_OPTS=(--fiat-amount 3 --amount 0) AMOUNT=3000 FEE=9
	sell_to_active alice bob && fiat_sent_and_release bob alice
}

# §11.9 / §3.4: the payout fails (payment_attempts = 2, retried every second),
# the buyer is asked for a new invoice, which is paid.
flow_payment_retry() {
	sell_to_active alice bob || return 1
	pay_script fail:NO_ROUTE 2
	fiat_sent bob alice && release alice bob || return 1
	local r
	r=$(expect bob "$B_IDX" '.action == "payment-failed" and .id == $id') || return 1
	[[ $(jq -c .payload.payment_failed <<<"$r") == '{"payment_attempts":1,"payment_retries_interval":1}' ]] ||
		{ echo "payment-failed: $r" >&2; return 1; }
	r=$(expect bob "$B_IDX" '.action == "add-invoice" and .id == $id and .payload.order.status == "settled-hold-invoice"' 30) || return 1
	[[ $(jq -r .payload.order.amount <<<"$r") == $((AMOUNT - FEE)) ]] || { echo "add-invoice: $r" >&2; return 1; }
	INV=$(buyer_invoice $((AMOUNT - FEE)))
	send bob "$B_IDX" add-invoice --id "$ORDER" --invoice "$INV"
	expect bob "$B_IDX" '.action == "invoice-updated" and .id == $id and .request_id == '"$RID" >/dev/null || return 1
	paid bob
}

# §6 / §11.8: the buyer opens a dispute, a solver (added with mostrod ctl)
# takes it and settles (the buyer is paid) or cancels (the seller refunded).
flow_dispute() {
	local how=$1 r did
	sell_to_active alice bob || return 1
	user sol "$MNEMONIC_C" "$(<"$T/u/bob/transport")"
	ctl add-solver "solver=$(npub_of sol)" >/dev/null || { echo "ctl add-solver failed" >&2; return 1; }
	send bob "$B_IDX" dispute --id "$ORDER"
	r=$(expect bob "$B_IDX" '.action == "dispute-initiated-by-you" and .id == $id') || return 1
	did=$(jq -r '.payload.dispute[0]' <<<"$r")
	expect alice "$S_IDX" '.action == "dispute-initiated-by-peer" and .id == $id' >/dev/null || return 1
	wait_for 20 dispute_status "$did" initiated || return 1
	send sol 0 admin-take-dispute --dispute-id "$did"
	r=$(expect sol 0 '.action == "admin-took-dispute"') || return 1
	[[ $(jq -r '.payload.dispute[0]' <<<"$r") == "$did" ]] || { echo "admin-took-dispute: $r" >&2; return 1; }
	expect alice "$S_IDX" '.action == "admin-took-dispute" and .id == $id' >/dev/null || return 1
	expect bob "$B_IDX" '.action == "admin-took-dispute" and .id == $id' >/dev/null || return 1
	wait_for 20 dispute_status "$did" in-progress || return 1
	case $how in
	settle)
		send sol 0 admin-settle --id "$ORDER"
		expect sol 0 '.action == "admin-settled"' >/dev/null &&
			expect alice "$S_IDX" '.action == "admin-settled" and .id == $id' >/dev/null &&
			expect bob "$B_IDX" '.action == "admin-settled" and .id == $id' >/dev/null &&
			wait_for 20 invoice_is "$HOLD" SETTLED &&
			wait_for 20 dispute_status "$did" settled &&
			paid bob
		;;
	cancel)
		send sol 0 admin-cancel --id "$ORDER"
		expect sol 0 '.action == "admin-canceled"' >/dev/null &&
			expect alice "$S_IDX" '.action == "admin-canceled" and .id == $id' >/dev/null &&
			expect bob "$B_IDX" '.action == "admin-canceled" and .id == $id' >/dev/null &&
			wait_for 20 invoice_is "$HOLD" CANCELED &&
			wait_for 20 dispute_status "$did" seller-refunded &&
			wait_for 20 book_status "$ORDER" canceled
		;;
	esac
}

# §5 / §11.10: each side rates once; a second rating is silent; the 38384
# events leave when the queue is flushed.
flow_rating() {
	flow_sell_happy || return 1
	send alice "$S_IDX" rate-user --id "$ORDER" --rating 5
	expect alice "$S_IDX" '.action == "rate-received" and .payload.rating_user == 5 and .request_id == '"$RID" >/dev/null || return 1
	send bob "$B_IDX" rate-user --id "$ORDER" --rating 4
	expect bob "$B_IDX" '.action == "rate-received" and .payload.rating_user == 4 and .request_id == '"$RID" >/dev/null || return 1
	send alice "$S_IDX" rate-user --id "$ORDER" --rating 3
	expect_none alice "$S_IDX" '.request_id == '"$RID" 2 || return 1
	ctl flush-ratings >/dev/null || return 1
	wait_for 20 rating_events 2
}

# §7: restore-session from the identity key lists the live order with its index.
flow_restore() {
	sell_to_active alice bob || return 1
	send alice 0 restore-session
	local r
	r=$(expect alice 0 '.action == "restore-session" and .payload.restore_data != null') || return 1
	jq -e --arg id "$ORDER" --argjson i "$S_IDX" '.payload.restore_data.orders | any(.order_id == $id and .trade_index == $i and .status == "active")' <<<"$r" >/dev/null ||
		{ echo "restore-session: $r" >&2; return 1; }
}

npub_of() { mostro-key encode npub "$(key_of "$1" 0)" | jq -r .bech32; }

# dispute_status DISPUTE-ID STATUS: the dispute's newest 38386 says STATUS
dispute_status() {
	[[ $(mostro-relay req -q --filter "$(jq -nc --arg a "$MOSTRO" --arg d "$1" '{kinds:[38386],authors:[$a],"#d":[$d]}')" "$RELAY" |
		jq -sr 'sort_by(.created_at) | last | .tags[] | select(.[0] == "s") | .[1]') == "$2" ]]
}

# rating_events N: at least N kind 38384 events of the node on the relay
rating_events() {
	(($(mostro-relay req -q --filter "$(jq -nc --arg a "$MOSTRO" '{kinds:[38384],authors:[$a]}')" "$RELAY" | wc -l) >= $1))
}

# on CONFIG FLOW [ARG...]: a node speaking CONFIG's transport, Alice and Bob
# on theirs (v2: nip44, PoW 1 and 4 for a first contact; v1: gift-wrap, PoW 2;
# both: Alice on v2, Bob on v1), then the flow.
on() {
	local config=$1 ta tb
	shift
	case $config in
	v2) node_set mostro.transport '"nip44"'; node_set mostro.pow 1; node_set mostro.pow_first_contact 4; ta=v2 tb=v2 ;;
	v1) node_set mostro.transport '"gift-wrap"'; node_set mostro.pow 2; ta=v1 tb=v1 ;;
	both) node_set mostro.transport '"both"'; ta=v2 tb=v1 ;;
	*) echo "on: unknown configuration $config" >&2; return 1 ;;
	esac
	node_start || return 1
	user alice "$MNEMONIC_A" "$ta"
	user bob "$MNEMONIC_B" "$tb"
	"$@"
}

# restore-session by Bob (the buyer), on his transport.
flow_restore_bob() {
	sell_to_active alice bob || return 1
	send bob 0 restore-session
	local r
	r=$(expect bob 0 '.action == "restore-session" and .payload.restore_data != null') || return 1
	jq -e --arg id "$ORDER" --argjson i "$B_IDX" '.payload.restore_data.orders | any(.order_id == $id and .trade_index == $i)' <<<"$r" >/dev/null ||
		{ echo "restore-session: $r" >&2; return 1; }
}

# lnurl_fixture_start: tests/lnurl-fixture.mjs on a free loopback port
# (LNURL_HOST=127.0.0.1:PORT); the node may use it (MOSTRO_LNURL_ALLOW_PRIVATE,
# test only). Its invoices are signed by a payee the simulated node cannot
# reach (NO_ROUTE).
lnurl_fixture_start() {
	node "$MOSTRO_TOP/tests/lnurl-fixture.mjs" >"$T/lnurl.out" 2>"$T/lnurl.err" 3>&- &
	LNURL_PID=$!
	wait_for 10 test -s "$T/lnurl.out"
	LNURL_HOST=127.0.0.1:$(jq -r .port "$T/lnurl.out")
	export MOSTRO_LNURL_ALLOW_PRIVATE=1
}

lnurl_fixture_stop() { [[ -z ${LNURL_PID:-} ]] || kill "$LNURL_PID" 2>/dev/null || true; }

# lnurl_log: the request URLs the fixture received
lnurl_log() { curl -s --max-time 10 "http://$LNURL_HOST/_log"; }

# §11.4: the buyer takes a sell order with a Lightning Address: no add-invoice
# step; at the payout Mostro asks the address for amount - fee. The fixture's
# invoice cannot be paid by the simulated node (another payee): payment-failed,
# and after payment_attempts the buyer gives a new invoice, which is paid.
flow_ln_address() {
	new_order alice sell || return 1
	S_IDX=$MAKER_IDX
	trade_key bob
	B_IDX=$TRADE
	send bob "$B_IDX" take-sell --id "$ORDER" --invoice "ok@$LNURL_HOST"
	expect bob "$B_IDX" '.action == "waiting-seller-to-pay" and .id == $id' >/dev/null || return 1
	seller_pays alice || return 1
	expect alice "$S_IDX" '.action == "buyer-took-order" and .id == $id' >/dev/null || return 1
	expect bob "$B_IDX" '.action == "hold-invoice-payment-accepted" and .id == $id' >/dev/null || return 1
	fiat_sent bob alice && release alice bob || return 1
	wait_for 20 eval 'lnurl_log | jq -e --arg a "amount=$(((AMOUNT - FEE) * 1000))" "any(.[]; startswith(\"/cb/ok\") and contains(\$a))" >/dev/null' ||
		{ echo "the address was not asked for $((AMOUNT - FEE)) sat: $(lnurl_log)" >&2; return 1; }
	expect bob "$B_IDX" '.action == "payment-failed" and .id == $id' >/dev/null || return 1
	expect bob "$B_IDX" '.action == "add-invoice" and .id == $id and .payload.order.status == "settled-hold-invoice"' 30 >/dev/null || return 1
	INV=$(buyer_invoice $((AMOUNT - FEE)))
	send bob "$B_IDX" add-invoice --id "$ORDER" --invoice "$INV"
	expect bob "$B_IDX" '.action == "invoice-updated" and .id == $id' >/dev/null || return 1
	paid bob
}

# §3.1 / §3.2 / §11.7 through the daemon: a pending order past its expires_at
# expires (38383 canceled, no message); a sell order whose buyer sent no
# invoice (taker at fault) is pending again, the maker told new-order, the
# taker canceled; a sell order whose seller did not pay (maker at fault) is
# canceled for both. The jobs run at the first tick and every 60 s of engine
# time: once every order is where it should be, a tick 61 s ahead (the
# engine's clock is its newest tick) makes them due now instead of a minute
# of wall time (no user message may follow it: it would be 61 s stale).
# expiration_seconds must be small (the test sets 5).
flow_timeouts() {
	local expiring stale_wbi stale_wp s1 s2 b1 b2
	new_order alice sell --expires-at $((EPOCHSECONDS + 8)) || return 1
	expiring=$ORDER
	new_order alice sell || return 1
	stale_wbi=$ORDER s1=$MAKER_IDX
	take_sell bob || return 1
	b1=$B_IDX
	# a second taker (one identity may not hold two takes at once)
	user carol "$MNEMONIC_C" "$(<"$T/u/bob/transport")"
	new_order alice sell || return 1
	stale_wp=$ORDER s2=$MAKER_IDX
	take_sell carol || return 1
	b2=$B_IDX
	send carol "$b2" add-invoice --id "$stale_wp" --invoice "$(buyer_invoice $((AMOUNT - FEE)))"
	S_IDX=$s2 seller_pays_not alice || return 1
	clock_forward 61
	wait_for 20 book_status "$expiring" canceled || return 1
	ORDER=$stale_wbi expect bob "$b1" '.action == "canceled" and .id == $id' 20 >/dev/null || return 1
	ORDER=$stale_wbi expect alice "$s1" '.action == "new-order" and .id == $id and .request_id == null' 20 >/dev/null || return 1
	wait_for 20 book_status "$stale_wbi" pending || return 1
	ORDER=$stale_wp expect carol "$b2" '.action == "canceled" and .id == $id' 20 >/dev/null || return 1
	ORDER=$stale_wp expect alice "$s2" '.action == "canceled" and .id == $id' 20 >/dev/null || return 1
	wait_for 20 book_status "$stale_wp" canceled
}

# clock_forward SECS: a tick record SECS ahead of now into the engine's
# price FIFO (one of its inputs).
clock_forward() {
	printf '{"type":"tick","now":%d}\n' $((EPOCHSECONDS + $1)) | timeout 10 tee -a "$NODE/price.fifo" >/dev/null
}

# seller_pays_not SELLER: the seller is asked to pay (and does not)
seller_pays_not() {
	expect "$1" "$S_IDX" '.action == "pay-invoice" and .id == $id and .payload.payment_request != null' >/dev/null
}
