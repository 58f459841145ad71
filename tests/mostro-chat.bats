#!/usr/bin/env bats
# mostro chat, mostro admin chat, mostro watch: peer chat of PROTOCOL.md §9
# through our relay (NIP-42 read rules of the daemon's embedded relay): the
# current format written, both read; the §9.1 vector; nostr-tools and
# rust-nostr on the other side (tests/lib/mostro-chat-peer.mjs over
# tests/interop/lib/mostro-chat.mjs), both directions.
#
# Alice (seller, trade key 1) and Bob (buyer, trade key 1) learn each other's
# trade keys as a node tells them (buyer-took-order, hold-invoice-payment-
# accepted: crafted records ingested into their sessions), a solver's key
# from admin-took-dispute.

bats_require_minimum_version 1.5.0

load helpers
load lib/mostro

setup_file() {
	export MOSTRO_TOP=${MOSTRO_TOP:-$(cd "$BATS_TEST_DIRNAME/.." && pwd)}
	export PATH=$MOSTRO_TOP/scripts:$PATH
	need jq ss flock mostro mostro-relay mostro-wrap mostro-unwrap mostro-key mostro-store
}

setup() {
	T=$BATS_TEST_TMPDIR
	unset MOSTRO_PUBKEY RELAYS POW TRANSPORT SECRET MOSTRO_TIMEOUT MOSTRO_SESSION ADMIN_NSEC
	export XDG_DATA_HOME=$T/xdg
	RELAY_PID="" FAKE_PID=""
	MOSTRO=$PKM
	relay_up
	session alice
	session bob
	mostro-store session --session "$T/alice" next-index >/dev/null
	mostro-store session --session "$T/alice" bind --index 1 --order "$ORDER" --role maker --kind sell >/dev/null
	bind_order bob "$ORDER" sell
	A_PK=$(mostro --session "$T/alice" key "$ORDER" | jq -r .pubkey)
	B_PK=$(mostro --session "$T/bob" key "$ORDER" | jq -r .pubkey)
}

teardown() {
	[[ -z ${FOLLOW_PID:-} ]] || { kill -TERM "$FOLLOW_PID" 2>/dev/null || true; wait "$FOLLOW_PID" 2>/dev/null || true; }
	relay_down
}

ORDER=308e1272-d5f4-47e6-bd97-3504baea9c23

# tell NAME MESSAGE [RECIPIENT]: a message from the node, as mostro-unwrap
# would have opened it, into NAME's session (to its trade key 1)
tell() {
	local to=${3:-$(mostro-store session --session "$T/$1" key --index 1 | jq -r .pubkey)} id
	id=$(printf '%s|%s' "$2" "$to" | sha256sum | cut -c1-64)
	jq -nc --argjson m "$2" --arg r "$to" --arg s "$MOSTRO" --arg id "$id" --argjson t "$EPOCHSECONDS" \
		'{type: "message", transport: "v2", id: $id, recipient: $r, sender: $s, identity: $s,
		  mode: "full-privacy", created_at: $t, message: $m, trade_signature: null}' |
		mostro-store session --session "$T/$1" ingest --mostro "$MOSTRO" >/dev/null
}

small_order() {
	jq -nc --arg id "$ORDER" --arg b "$B_PK" --arg s "$A_PK" '{id: $id, kind: "sell", status: "active", amount: 5000,
		fiat_code: "USD", min_amount: null, max_amount: null, fiat_amount: 3, payment_method: "SEPA", premium: 0,
		buyer_trade_pubkey: $b, seller_trade_pubkey: $s, created_at: 1, expires_at: 2}'
}

# counterparts: each learns the other's trade key, as §11.1 step 4 tells it
counterparts() {
	tell alice "{\"order\":{\"version\":2,\"request_id\":null,\"trade_index\":null,\"id\":\"$ORDER\",\"action\":\"buyer-took-order\",\"payload\":{\"order\":$(small_order)}}}"
	tell bob "{\"order\":{\"version\":2,\"request_id\":null,\"trade_index\":null,\"id\":\"$ORDER\",\"action\":\"hold-invoice-payment-accepted\",\"payload\":{\"order\":$(small_order)}}}"
}

secret_of() { mostro --session "$T/$1" key "$ORDER" --secret | jq -r .secret; }

@test "no counterparty known yet: exit 1, nothing sent; not in the session: exit 1" {
	run -1 --separate-stderr as alice chat "$ORDER" hello
	[[ $stderr == *"the counterparty of $ORDER is not known yet"* ]]
	run -1 --separate-stderr as alice chat efc75871-2568-40b9-a6ee-c382d4d6de01 hello
	[[ $stderr == *"is not in this session"* ]]
	run -1 --separate-stderr as alice chat "$ORDER" --solver hello
	[[ $stderr == *"no solver has taken a dispute on $ORDER yet"* ]]
}

@test "Alice writes the current format (kind 14 by K_sign, p = K_conv of the pair); Bob reads it from the peer, Alice as her own" {
	counterparts
	run -0 --separate-stderr as alice chat "$ORDER" "hello bob, the fiat?"
	jq -e --arg o "$ORDER" --arg b "$B_PK" '.type == "chat" and .sent and .order == $o and .to == $b
		and .format == "current" and .text == "hello bob, the fiat?"' <<<"$output"
	local id keys
	id=$(jq -r .id <<<"$output")
	keys=$(mostro-store session --session "$T/alice" chat-keys --index 1 --peer "$B_PK")
	# on the relay: authored by K_sign, one p tag naming K_conv (read as K_conv, NIP-42)
	# (the filter names the kind: the relay then asks for NIP-42 before it answers)
	mostro-relay req -q --auth-key-fd 4 --filter "{\"kinds\":[14],\"ids\":[\"$id\"]}" "$RELAY" \
		4< <(mostro-store session --session "$T/alice" chat-keys --index 1 --peer "$B_PK" --secret conv) >"$T/ev"
	jq -e --argjson k "$keys" '.kind == 14 and .pubkey == $k.sign and .tags == [["p", $k.conv]]' "$T/ev"
	run -0 --separate-stderr as bob chat "$ORDER"
	jq -e --arg a "$A_PK" --arg id "$id" '.type == "chat" and .from == "peer" and .sender == $a
		and .text == "hello bob, the fiat?" and .format == "current" and .id == $id' <<<"$output"
	run -0 --separate-stderr as alice chat "$ORDER"
	[ "$(jq -r .from <<<"$output")" = you ]
	# Bob answers in the legacy format: both read both, oldest first
	run -0 --separate-stderr as bob chat "$ORDER" --format legacy "sent it"
	[ "$(jq -r .format <<<"$output")" = legacy ]
	sleep 1
	run -0 --separate-stderr as alice chat "$ORDER" "received"
	run -0 --separate-stderr as alice chat "$ORDER"
	[ "$(jq -sc 'map([.from, .format, .text])' <<<"$output")" = '[["you","current","hello bob, the fiat?"],["peer","legacy","sent it"],["you","current","received"]]' ]
}

@test "chat --follow prints each new line as it comes; SIGTERM ends it with exit 0" {
	counterparts
	# not through the function as(): $! must be mostro itself
	mostro --session "$T/bob" --mostro "$MOSTRO" --relays "$RELAY" chat "$ORDER" --follow >"$T/follow" 2>"$T/follow.err" &
	FOLLOW_PID=$!
	sleep 1.5
	as alice chat "$ORDER" "one" >/dev/null
	as alice chat "$ORDER" --format legacy "two" >/dev/null
	wait_for 15 grep -q '"text":"two"' "$T/follow" || { cat "$T/follow" "$T/follow.err"; return 1; }
	grep -q '"text":"one"' "$T/follow"
	kill -TERM "$FOLLOW_PID"
	local rc=0
	wait "$FOLLOW_PID" || rc=$?
	FOLLOW_PID=""
	[ "$rc" = 0 ]
}

@test "nostr-tools and rust-nostr on the other side: their current and legacy lines read by mostro; mostro's line opened by them" {
	need node
	[[ -d $MOSTRO_TOP/tests/interop/node_modules/nostr-tools ]] || (cd "$MOSTRO_TOP/tests/interop" && npm ci --no-audit --no-fund --loglevel=error >&2)
	counterparts
	local peer=$MOSTRO_TOP/tests/lib/mostro-chat-peer.mjs bsk
	bsk=$(secret_of bob)
	node "$peer" wrap --sk "$bsk" --peer "$A_PK" --text "from nostr-tools" | mostro-relay pub -q "$RELAY" >/dev/null
	node "$peer" wrap --sk "$bsk" --peer "$A_PK" --text "from rust-nostr" --format legacy | mostro-relay pub -q "$RELAY" >/dev/null
	run -0 --separate-stderr as alice chat "$ORDER"
	jq -s -e --arg b "$B_PK" 'map(select(.from == "peer" and .sender == $b) | [.format, .text]) | sort
		== [["current", "from nostr-tools"], ["legacy", "from rust-nostr"]]' <<<"$output"
	# mostro's lines, current and legacy, opened by the independent client as Bob
	as alice chat "$ORDER" "from mostro" | jq -r .id >"$T/id1"
	as alice chat "$ORDER" --format legacy "from mostro, legacy" | jq -r .id >"$T/id2"
	local keys
	keys=$(mostro-store session --session "$T/bob" chat-keys --index 1 --peer "$A_PK")
	{
		mostro-relay req -q --auth-key-fd 4 --filter "{\"kinds\":[14],\"ids\":[\"$(cat "$T/id1")\"]}" "$RELAY" \
			4< <(mostro-store session --session "$T/bob" chat-keys --index 1 --peer "$A_PK" --secret conv)
		mostro-relay req -q --auth-key-fd 4 --filter "{\"kinds\":[1059],\"ids\":[\"$(cat "$T/id2")\"]}" "$RELAY" \
			4< <(mostro-store session --session "$T/bob" chat-keys --index 1 --peer "$A_PK" --secret legacy)
	} >"$T/evs"
	run -0 node "$peer" open --sk "$bsk" --peer "$A_PK" <"$T/evs"
	jq -s -e --arg a "$A_PK" '. == [{format: "current", sender: $a, text: "from mostro"},
		{format: "legacy", sender: $a, text: "from mostro, legacy"}]' <<<"$output"
}

@test "dispute chat: the party with the solver (chat --solver), the solver with a party (admin chat --party), both ways" {
	counterparts
	local d=efc75871-2568-40b9-a6ee-c382d4d6de01
	secret_file "$T/solver.key" "$SK2"
	session sol
	# Alice learns the solver's key (admin-took-dispute to the parties, a peer payload)
	tell alice "{\"order\":{\"version\":2,\"request_id\":null,\"trade_index\":null,\"id\":\"$ORDER\",\"action\":\"admin-took-dispute\",\"payload\":{\"peer\":{\"pubkey\":\"$PK2\",\"reputation\":null}}}}"
	# the solver learns both parties' keys (admin-took-dispute to the solver)
	local info
	info=$(jq -nc --arg o "$ORDER" --arg b "$B_PK" --arg s "$A_PK" '{id: $o, kind: "sell", status: "dispute", hash: null,
		preimage: null, order_previous_status: "active", initiator_pubkey: $b, buyer_pubkey: $b, seller_pubkey: $s,
		initiator_full_privacy: false, counterpart_full_privacy: false, initiator_info: null, counterpart_info: null,
		premium: 0, payment_method: "SEPA", amount: 5000, fiat_amount: 3, fee: 15, routing_fee: 0, buyer_invoice: null,
		invoice_held_at: 0, taken_at: 0, created_at: 0}')
	tell sol "{\"dispute\":{\"version\":2,\"request_id\":1,\"trade_index\":null,\"id\":\"$d\",\"action\":\"admin-took-dispute\",\"payload\":{\"dispute\":[\"$d\",$info]}}}" "$PK2"
	run -0 --separate-stderr as alice chat "$ORDER" --solver "the buyer never paid"
	jq -e --arg s "$PK2" '.to == $s and .role == "solver"' <<<"$output"
	run -0 --separate-stderr as sol admin chat "$ORDER" --party seller --admin-key-file "$T/solver.key"
	jq -e --arg a "$A_PK" '.from == "seller" and .sender == $a and .text == "the buyer never paid"' <<<"$output"
	run -0 --separate-stderr as sol admin chat "$ORDER" --party seller "send me proof" --admin-key-file "$T/solver.key"
	run -0 --separate-stderr as alice chat "$ORDER" --solver
	# both lines, whatever their order: sent within one second, chat lines sort
	# by created_at, and a second holds no order
	jq -s -e 'map([.from, .text]) | sort == [["solver", "send me proof"], ["you", "the buyer never paid"]]' <<<"$output" ||
		{ echo "$output" >&2; false; }
	# the buyer's conversation with the solver is another one
	run -0 --separate-stderr as sol admin chat "$ORDER" --party buyer --admin-key-file "$T/solver.key"
	[ -z "$output" ]
	# a dispute the solver did not take: no party key
	run -1 --separate-stderr as sol admin chat 1bd5d2a2-7a42-4bb8-b74b-5a2d39a6cc2c --party buyer hi --admin-key-fd 3 3<"$T/solver.key"
	[[ $stderr == *"take the dispute first"* ]]
}

@test "watch: the messages to the session's keys and its chat lines, as JSON lines, from a cursor; SIGTERM: exit 0" {
	counterparts
	mostro --session "$T/bob" --mostro "$MOSTRO" --relays "$RELAY" watch >"$T/watch" 2>"$T/watch.err" &
	FOLLOW_PID=$!
	sleep 2
	as alice chat "$ORDER" "watch this" >/dev/null
	wait_for 15 grep -q '"watch this"' "$T/watch" || { cat "$T/watch" "$T/watch.err"; return 1; }
	kill -TERM "$FOLLOW_PID"
	local rc=0
	wait "$FOLLOW_PID" || rc=$?
	FOLLOW_PID=""
	[ "$rc" = 0 ]
	jq -e -s --arg o "$ORDER" 'any(.[]; .type == "chat" and .rumor.content == "watch this")' "$T/watch"
	# the cursor moved: a second watch from it does not repeat the line
	[ "$(mostro-store session --session "$T/bob" cursor watch | jq .value)" != null ]
}
