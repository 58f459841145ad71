# tests/lib/mostro.bash — drive scripts/mostro from bats against our relay
# and a scripted fake node (tests/fake-node), so the client's contract reads
# as tables: each cant-do reason, each silent drop, each exit code.
#
#   relay_up                      mostro-relay serve on a loopback port the kernel picks
#                                 (NIP-42 read rules of the daemon's embedded
#                                 relay: 1059 and 14); $RELAY, $RELAY_PID
#   fake_node [FAKE-NODE-OPTION...] --rule JQ
#                                 a fake node on $RELAY with a fresh key:
#                                 $MOSTRO (its pubkey), $FAKE_KEY; waits until
#                                 its subscription is live
#   fake_node_stop                TERM to it, by PID
#   session NAME                  a fresh session $T/NAME (mostro init)
#   as NAME ARG...                mostro --session $T/NAME --mostro $MOSTRO
#                                 --relays $RELAY --timeout ${TIMEOUT:-15} ARG...
#                                 (15 s: a bound on a hang; a no-reply test
#                                 sets TIMEOUT)
#   bind_order NAME ORDER [KIND]  ORDER in NAME's session on a new trade key,
#                                 as its taker (default kind sell)
#
# jq rules for the fake node (RULES_LIB is prepended to every rule):
#   req             the request's MessageKind
#   reply(A; P)     a message to the sender: action A, payload P, our
#                   request_id and id echoed
#   cantdo(R)       a cant-do with reason R
#   answer(M)       M (a whole message, e.g. {"order": {...}}) to the sender
#
# Every wait is bounded (wait_for from helpers.bash).

RULES_LIB='def req: (.message | to_entries[0].value);
def answer($m): {to: .sender, transport: (.transport // "v2"), message: $m};
def reply($a; $p): answer({order: {version: 2, request_id: req.request_id, trade_index: null,
	id: req.id, action: $a, payload: $p}});
def cantdo($r): answer({"cant-do": {version: 2, request_id: req.request_id, trade_index: null,
	id: req.id, action: "cant-do", payload: {cant_do: $r}}});'

# the 35 CantDoReason values of mostro-core (PROTOCOL §2.7.6), in order
CANT_DO_REASONS=(invalid_signature invalid_trade_index invalid_amount invalid_invoice
	invalid_payment_request invalid_peer invalid_rating invalid_text_message invalid_order_kind
	invalid_order_status invalid_pubkey invalid_parameters invalid_payload order_already_canceled
	cant_create_user is_not_your_order not_allowed_by_status out_of_range_fiat_amount
	out_of_range_sats_amount price_too_stale is_not_your_dispute dispute_taken_by_admin
	not_authorized dispute_creation_error not_found invalid_dispute_status invalid_action
	pending_order_exists invalid_fiat_currency too_many_requests invalid_cashu_token
	cashu_mint_unavailable invalid_mint_url cashu_escrow_not_locked cashu_signature_missing)

# free_port comes from lib/mostrod.bash when both are loaded; ours if not
if ! declare -F free_port >/dev/null; then
	free_port() {
		local p i
		for i in $(seq 50); do
			p=$((20000 + RANDOM % 40000))
			[[ -z $(ss -Hltn "sport = :$p" 2>/dev/null) ]] && { echo "$p"; return; }
		done
		return 1
	}
fi

relay_up() {
	# a port the kernel picks (a free port chosen here could be taken before
	# the relay listens): its first stderr line names it
	: >"$T/relay.log"
	mostro-relay serve --listen 127.0.0.1:0 --auth-read-kinds 1059,14 2>"$T/relay.log" 3>&- &
	RELAY_PID=$!
	wait_for 10 grep -q '^mostro-relay: listening on ws:' "$T/relay.log" || { cat "$T/relay.log" >&2; return 1; }
	RELAY=$(sed -n 's/^mostro-relay: listening on \(ws:[^ ]*\) .*/\1/p' "$T/relay.log" | head -n 1)
	wait_for 10 mostro-relay info --wait-timeout 1 "$RELAY" >/dev/null 2>&1
}

relay_down() {
	[[ -n ${RELAY_PID:-} ]] || return 0
	kill -TERM "$RELAY_PID" 2>/dev/null || true
	wait "$RELAY_PID" 2>/dev/null || true
	RELAY_PID=""
}

fake_node() {
	local -a args=()
	FAKE_KEY=$T/fake.key
	if [[ ! -f $FAKE_KEY ]]; then
		head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n' >"$FAKE_KEY"
		echo >>"$FAKE_KEY"
		chmod 600 "$FAKE_KEY"
	fi
	MOSTRO=$(mostro-key pub --key-file "$FAKE_KEY" | jq -r .pubkey)
	while (($#)); do
		if [[ $1 == --rule ]]; then
			args+=(--rule "$RULES_LIB $2")
			shift 2
		else
			args+=("$1")
			shift
		fi
	done
	: >"$T/fake.out"
	"$MOSTRO_TOP/tests/fake-node" --relay "$RELAY" --key-file "$FAKE_KEY" "${args[@]}" \
		>"$T/fake.out" 2>"$T/fake.err" 3>&- &
	FAKE_PID=$!
	wait_for 10 grep -q ready "$T/fake.out" || { cat "$T/fake.err" >&2; return 1; }
}

fake_node_stop() {
	[[ -n ${FAKE_PID:-} ]] || return 0
	kill -TERM "$FAKE_PID" 2>/dev/null || true
	wait "$FAKE_PID" 2>/dev/null || true
	FAKE_PID=""
}

session() {
	mostro --session "$T/$1" init >/dev/null 2>&1
}

as() {
	local name=$1
	shift
	mostro --session "$T/$name" --mostro "$MOSTRO" --relays "$RELAY" --timeout "${TIMEOUT:-15}" "$@"
}

# bind_order NAME ORDER [KIND]: the order on a fresh trade key of NAME
bind_order() {
	local idx
	idx=$(mostro-store session --session "$T/$1" next-index --purpose test | jq -r .index)
	mostro-store session --session "$T/$1" bind --index "$idx" --order "$2" --role taker --kind "${3:-sell}" >/dev/null
}

# uuid: a random v4 UUID
uuid() {
	local h
	h=$(head -c 16 /dev/urandom | od -An -tx1 | tr -d ' \n')
	printf '%s-%s-4%s-a%s-%s\n' "${h:0:8}" "${h:8:4}" "${h:13:3}" "${h:17:3}" "${h:20:12}"
}
