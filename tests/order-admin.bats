#!/usr/bin/env bats
# mostro-order run: the local admin (ctl) commands and what the dispute,
# rating and session flows leave behind (DAEMON.md §5, §6, §10.4).
#
# `mostrod ctl` runs `mostro-order ctl --socket PATH CMD`; the engine runs
# cancel, settle, take-dispute and add-solver as mostrod's admin gRPC does:
# the Nostr action's guards and handler with identity = sender = Mostro's
# pubkey, a refusal coming back as the ctl error instead of a DM. The
# transcripts of tests/vectors/order-golden bring the orders to where the
# admin steps in; the engine's outputs are read as they come.

load helpers

GOLD="$MOSTRO_TOP/tests/vectors/order-golden"
MOSTRO=79be667ef9dcbbac55a06295ce870b07029bfcdb2dce28d959f2815b16f81798
S_TRADE=f9308a019258c31049344f85f89d5229b531c845836f99b08601f113bce036f9
B_TRADE=2f8bde4d1a07209355b4a7250a5c5128e88b84bddc619ab7cba8d569b240efe4
B2=774ae7f858a9411e5ef4246b70c65aac5649980be5c17891bbec17895da008cb
RO=2f01e5e15cca351daff3843fb70f3c2f0a1bdd05e5af888a67784ef3e10a2a01
RO_NPUB=npub19uq7tc2ueg63mtlnsslmwreu9u9phhg9ukhc3zn80p808cg29gqsc2jp7g

setup() {
	T=$(mktemp -d)
	cp "$GOLD/seed" "$T/seed"
	chmod 600 "$T/seed"
	EPID=
}

teardown() {
	exec 7>&- 2>/dev/null || true
	if [ -n "$EPID" ]; then
		kill "$EPID" 2>/dev/null || true
		wait "$EPID" 2>/dev/null || true
	fi
	rm -rf "$T"
}

ins() { grep '^{"in":' "$1" | sed 's/^{"in":\(.*\)}$/\1/'; }
outs() { grep '^{"out":' "$1" | sed 's/^{"out":\(.*\)}$/\1/'; }
sets() { grep '^{"config":' "$1" | jq -r '.config | to_entries[] | "--set\n\(.key)=\(.value|tojson)"'; }

engine() {
	mostro-order run --db "$T/db" --seed-file "$T/seed" --mostro-pubkey "$MOSTRO" --batch 1 "$@"
}

# start_engine ARGS...: the engine on a FIFO (fd 7 writes to it), outputs in $T/out.
start_engine() {
	mkfifo "$T/in"
	engine "$@" <"$T/in" >"$T/out" 2>"$T/err" &
	EPID=$!
	exec 7>"$T/in"
}

# The inputs of a transcript up to (not including) the first record matching RE.
ins_before() { ins "$1" | awk -v re="$2" '$0 ~ re {exit} {print}'; }

ctl() { mostro-order ctl --socket "$T/ctl" "$@"; }

# lines of $T/out matching a fixed string
count() { grep -cF -- "$1" "$T/out" || true; }

@test "ctl as Mostro over the socket: take-dispute, cancel once the hold invoice is canceled, disputes; refusals are errors" {
	f="$GOLD/dispute-cancel.jsonl"
	mapfile -t args < <(sets "$f")
	start_engine "${args[@]}" --ctl-socket "$T/ctl"
	ins_before "$f" '"action":"admin-cancel"' >&7
	wait_for 10 grep -q '"action":"dispute-initiated-by-you"' "$T/out"
	wait_for 10 test -S "$T/ctl"
	you=$(grep '"action":"dispute-initiated-by-you"' "$T/out")
	oid=$(jq -r '.message.order.id' <<<"$you")
	did=$(jq -r '.message.order.payload.dispute[0]' <<<"$you")

	# Mostro has not taken the dispute: is_not_your_dispute, and no DM for it
	run ctl cancel "order_id=$oid"
	[ "$status" -eq 1 ]
	jq -e '.ok == false and (.error | startswith("is_not_your_dispute"))' <<<"$output"

	run ctl take-dispute "dispute_id=$did" request_id=41
	[ "$status" -eq 0 ]
	jq -e --arg m "$MOSTRO" '.ok and .result.action == "admin-take-dispute" and .result.lightning == false
		and .result.state.dispute.status == "in-progress" and .result.state.dispute.solver_pubkey == $m
		and .result.state.order.status == "dispute"' <<<"$output"
	wait_for 10 grep -q '"action":"admin-took-dispute"' "$T/out"
	# SolverDisputeInfo (with the preimage) to Mostro's own key; the parties get Mostro's key as peer
	grep '"action":"admin-took-dispute"' "$T/out" | jq -se --arg m "$MOSTRO" --arg s "$S_TRADE" --arg b "$B_TRADE" '
		length == 3 and .[0].to == $m and .[0].message.dispute.request_id == 41
		and (.[0].message.dispute.payload.dispute[1].preimage | length) == 64
		and [.[1].to, .[2].to] == [$b, $s] and all(.[1:][]; .message.order.payload.peer.pubkey == $m)'
	wait_for 10 grep -q '"s","in-progress"' "$T/out"

	run ctl cancel "order_id=$oid" request_id=42
	[ "$status" -eq 0 ]
	jq -e '.ok and .result.lightning == true and .result.state.order.status == "dispute"' <<<"$output"
	wait_for 10 grep -q '"op":"cancel_hold_invoice"' "$T/out"
	op=$(grep '"op":"cancel_hold_invoice"' "$T/out" | tail -1)
	printf '{"type":"ln_result","id":"%s","op":"cancel_hold_invoice","ok":true,"result":{"hash":"%s"}}\n' \
		"$(jq -r .id <<<"$op")" "$(jq -r .hash <<<"$op")" >&7
	# (counted again on every try: a $(count) argument would be counted once)
	count_is() { [ "$(count "$1")" -eq "$2" ]; }
	wait_for 10 count_is '"action":"admin-canceled"' 3
	grep '"action":"admin-canceled"' "$T/out" | jq -se --arg m "$MOSTRO" --arg s "$S_TRADE" --arg b "$B_TRADE" \
		'[.[].to] == [$m, $s, $b] and all(.[]; .message.order.request_id == 42)'
	grep -q '"s","seller-refunded"' "$T/out"

	run ctl disputes
	[ "$status" -eq 0 ]
	jq -e --arg d "$did" --arg m "$MOSTRO" '.result | length == 1 and .[0].id == $d
		and .[0].status == "seller-refunded" and .[0].solver_pubkey == $m' <<<"$output"
	run ctl disputes status=initiated
	jq -e '.ok and .result == []' <<<"$output"
	run ctl disputes status=closed
	[ "$status" -eq 1 ]

	# refusals: the CantDo reason (§6 admin-settle #5), a bad id, no such order
	run ctl settle "order_id=$oid"
	[ "$status" -eq 1 ]
	jq -e '.error | startswith("invalid_order_status")' <<<"$output"
	run ctl cancel order_id=nope
	[ "$status" -eq 1 ]
	jq -e '.error == "order_id: a UUID is required"' <<<"$output"
	run ctl cancel order_id=6a2fd5d6-2c8a-4b1e-9d7e-000000000000
	[ "$status" -eq 1 ]
	jq -e '.error | startswith("not_found")' <<<"$output"
	exec 7>&-
	wait "$EPID"
	EPID=
	# nothing of the refused commands reached the wire, and no CantDo went to Mostro's key
	[ "$(count '"cant-do"')" -eq 0 ]
}

@test "ctl add-solver: read-only by suffix, default read-write; the ack to Mostro's key; refusals" {
	start_engine --ctl-socket "$T/ctl"
	echo '{"type":"tick","now":1700000000}' >&7
	wait_for 10 test -S "$T/ctl"
	run ctl add-solver "solver=$RO_NPUB:read" request_id=5
	[ "$status" -eq 0 ]
	jq -e '.ok and .result.action == "admin-add-solver"' <<<"$output"
	wait_for 10 grep -q '"action":"admin-add-solver"' "$T/out"
	grep '"action":"admin-add-solver"' "$T/out" | jq -e --arg m "$MOSTRO" \
		'.to == $m and .message.dispute.request_id == 5 and (.message.dispute | has("id") | not)'
	[ "$(sqlite3 "$T/db" "select is_solver, category, last_trade_index from users where pubkey = '$RO'")" = "1|1|0" ]
	# the same key again (an INSERT: mostrod is silent), a bad npub, a bad suffix, none at all
	run ctl add-solver "solver=$RO_NPUB"
	[ "$status" -eq 1 ]
	jq -e '.error | startswith("refused: ")' <<<"$output"
	run ctl add-solver solver=npub1nothing
	[ "$status" -eq 1 ]
	run ctl add-solver "solver=$RO_NPUB:admin"
	[ "$status" -eq 1 ]
	jq -e '.error | startswith("invalid_parameters")' <<<"$output"
	run ctl add-solver
	[ "$status" -eq 1 ]
	jq -e '.error | startswith("solver:")' <<<"$output"
	[ "$(count '"action":"admin-add-solver"')" -eq 1 ]
}

@test "ctl settle as Mostro (records on standard input): settled, admin-settled to Mostro, seller, buyer; the buyer paid once" {
	f="$GOLD/dispute-settle.jsonl"
	mapfile -t args < <(sets "$f")
	start_engine "${args[@]}"
	ins_before "$f" '"action":"admin-take-dispute"' >&7
	wait_for 10 grep -q '"action":"dispute-initiated-by-you"' "$T/out"
	you=$(grep '"action":"dispute-initiated-by-you"' "$T/out")
	oid=$(jq -r '.message.order.id' <<<"$you")
	did=$(jq -r '.message.order.payload.dispute[0]' <<<"$you")
	printf '{"type":"ctl","id":"t","cmd":"take-dispute","dispute_id":"%s"}\n' "$did" >&7
	printf '{"type":"ctl","id":"s","cmd":"settle","order_id":"%s","request_id":43}\n' "$oid" >&7
	wait_for 10 grep -q '"op":"settle_hold_invoice"' "$T/out"
	grep '"type":"ctl_result"' "$T/out" | jq -se '[.[].id] == ["t", "s"] and all(.[]; .ok)
		and .[1].result.lightning == true'
	op=$(grep '"op":"settle_hold_invoice"' "$T/out")
	id=$(jq -r .id <<<"$op")
	printf '{"type":"ln_result","id":"%s","op":"settle_hold_invoice","ok":true,"result":{}}\n' "$id" >&7
	wait_for 10 grep -q '"op":"pay_invoice"' "$T/out"
	grep '"action":"admin-settled"' "$T/out" | jq -se --arg m "$MOSTRO" --arg s "$S_TRADE" --arg b "$B_TRADE" \
		'[.[].to] == [$m, $s, $b] and .[0].message.order.request_id == 43 and .[1].message.order.request_id == null'
	grep -q '"s","settled"' "$T/out"
	# the same settlement answered again: the intent is closed, nothing is paid twice
	printf '{"type":"ln_result","id":"%s","op":"settle_hold_invoice","ok":true,"result":{}}\n' "$id" >&7
	pay=$(grep '"op":"pay_invoice"' "$T/out")
	printf '{"type":"ln_event","id":"%s","op":"pay_invoice","event":{"payment_hash":"%s","status":"SUCCEEDED"}}\n' \
		"$(jq -r .id <<<"$pay")" "$(printf '22%.0s' {1..32})" >&7
	wait_for 10 grep -q '"action":"rate"' "$T/out"
	exec 7>&-
	wait "$EPID"
	EPID=
	[ "$(count '"op":"pay_invoice"')" -eq 1 ]
	[ "$(count '"action":"admin-settled"')" -eq 3 ]
	grep '"action":"rate"' "$T/out" | jq -e --arg b "$B_TRADE" '.to == $b and .message.order.request_id == 43'
	[ "$(sqlite3 "$T/db" "select status from orders where id = '$oid'")" = success ]
}

@test "flush-ratings: the queued 38384 events, the rater's own key as d [quirk 3], the one-vote lag [quirk 4]" {
	f="$GOLD/ratings.jsonl"
	mapfile -t args < <(sets "$f")
	ins "$f" >"$T/in"
	# the votes that count: S rates B 4, B rates S 5, B2 rates S 2 (the event ids of the
	# transcript); each 38384 is built when its vote counts
	mapfile -t at < <(ins "$f" | jq -r 'select(.id | test("0(0ae|0b1|0bb)$")) | .created_at')
	[ "${#at[@]}" -eq 3 ]
	echo '{"type":"ctl","id":"f","cmd":"flush-ratings"}' >>"$T/in"
	echo '{"type":"ctl","id":"g","cmd":"flush-ratings"}' >>"$T/in"
	engine "${args[@]}" <"$T/in" >"$T/out" 2>/dev/null
	grep '"type":"ctl_result"' "$T/out" | jq -se '[.[].result.published] == [3, 0]'
	ev() { # d created_at reviews total last max min
		jq -nc --arg d "$1" --argjson t "$2" --arg n "$3" --arg r "$4" --arg l "$5" --arg x "$6" --arg m "$7" \
			'{kind: 38384, tags: [["d", $d], ["expiration", ($t + 90 * 86400 | tostring)], ["total_reviews", $n],
			  ["total_rating", $r], ["last_rating", $l], ["max_rate", $x], ["min_rate", $m], ["z", "rating"],
			  ["days", "0"]], content: "", created_at: $t}'
	}
	{
		ev "$S_TRADE" "${at[0]}" 1 2 4 4 4       # B: first vote 4 counts half: 2
		ev "$B_TRADE" "${at[1]}" 1 2.5 5 5 5     # S: first vote 5: 2.5
		ev "$B2" "${at[2]}" 2 3.75 2 5 2         # S: 2.5 + (5 - 2.5) / 2: the 2 is not in yet
	} >"$T/want"
	grep '"kind":38384' "$T/out" >"$T/got"
	diff -u "$T/want" "$T/got"
	[ "$(sqlite3 "$T/db" 'select count(*) from rating_queue')" = 0 ]
}

@test "replay: the dispute, takeover and session transcripts replay on a fresh database to the same bytes" {
	for n in dispute-takeover ratings restore-session; do
		f="$GOLD/$n.jsonl"
		mapfile -t args < <(sets "$f")
		ins "$f" >"$T/in"
		rm -f "$T/db"* "$T/log"
		engine "${args[@]}" --log "$T/log" <"$T/in" >"$T/run" 2>/dev/null
		mostro-order replay "$T/log" >"$T/replay" 2>/dev/null
		[ -s "$T/run" ]
		cmp "$T/run" "$T/replay"
		outs "$f" | cmp - "$T/run"
	done
}

@test "restart while admin-settle waits for the node: the settlement is asked again, answered once, the buyer paid once" {
	f="$GOLD/dispute-settle.jsonl"
	mapfile -t args < <(sets "$f")
	# everything up to RW's admin-settle, then the engine stops with the settlement open
	ins "$f" | awk '{print} /"action":"admin-settle"/ && /"request_id":8/ {exit}' >"$T/in1"
	engine "${args[@]}" <"$T/in1" >"$T/out1" 2>/dev/null
	grep -q '"op":"settle_hold_invoice"' "$T/out1"
	old=$(grep '"op":"settle_hold_invoice"' "$T/out1" | jq -r .id)
	start_engine "${args[@]}"
	wait_for 10 grep -q '"op":"settle_hold_invoice"' "$T/out"
	new=$(grep '"op":"settle_hold_invoice"' "$T/out" | jq -r .id)
	[ "$new" != "$old" ]
	# the node answers the first request late, then the new one
	for id in "$old" "$new"; do
		printf '{"type":"ln_result","id":"%s","op":"settle_hold_invoice","ok":true,"result":{}}\n' "$id" >&7
	done
	wait_for 10 grep -q '"op":"pay_invoice"' "$T/out"
	exec 7>&-
	wait "$EPID"
	EPID=
	[ "$(count '"op":"pay_invoice"')" -eq 1 ]
	[ "$(count '"action":"admin-settled"')" -eq 3 ]
	[ "$(count '"s","settled"')" -eq 1 ]
}

@test "every ctl command is in ctl --help, the man page and the completions" {
	for c in status order disputes flush-ratings jobs cancel settle take-dispute add-solver; do
		mostro-order ctl --help | grep -qw -- "$c" || { echo "help: $c"; false; }
		grep -q -- "$c" "$MOSTRO_TOP/man/mostro-order.1" || { echo "man: $c"; false; }
		grep -q -- "$c" "$MOSTRO_TOP/completions/bash/mostro-order" || { echo "bash: $c"; false; }
		grep -q -- "$c" "$MOSTRO_TOP/completions/zsh/_mostro-order" || { echo "zsh: $c"; false; }
		grep -q -- "$c" "$MOSTRO_TOP/completions/fish/mostro-order.fish" || { echo "fish: $c"; false; }
	done
}
