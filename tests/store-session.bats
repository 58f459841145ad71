#!/usr/bin/env bats
# mostro-store session: the client's session store (man mostro-store,
# SESSION). Files and modes, trade indexes handed out once, orders bound to
# their keys, and what every message Mostro sends a party means for its
# order (tests/vectors/session-ingest.jsonl, written from PROTOCOL.md §11).

bats_require_minimum_version 1.5.0

load helpers

setup_file() {
	export MOSTRO_TOP=${MOSTRO_TOP:-$(cd "$BATS_TEST_DIRNAME/.." && pwd)}
	export MOSTRO_VECTORS=${MOSTRO_VECTORS:-$MOSTRO_TOP/tests/vectors}
	need jq mostro-store mostro-key sqlite3
}

setup() {
	T=$BATS_TEST_TMPDIR
	unset MOSTRO_SESSION MOSTRO_MNEMONIC MOSTRO_PASSPHRASE
	export XDG_DATA_HOME=$T/xdg
}

ss() { mostro-store session --session "$T/s" "$@"; }

# a session on the NIP-06 test mnemonic: trade key 1 is PK1, the node PKM
nip06_session() {
	secret_file "$T/m" "$NIP06_MNEMONIC"
	ss import --mnemonic-file "$T/m" >/dev/null
	ss node --mostro "$PKM" >/dev/null
}

# record MESSAGE CREATED_AT [SENDER] [RECIPIENT]: a mostro-unwrap record of a
# message from the node (or SENDER) to trade key 1 (or RECIPIENT)
record() {
	local id
	id=$(printf '%s|%s|%s' "$1" "$2" "${3:-}" | sha256sum | cut -c1-64)
	jq -nc --argjson m "$1" --argjson t "$2" --arg s "${3:-$PKM}" --arg r "${4:-$PK1}" --arg id "$id" \
		'{type: "message", transport: "v2", id: $id, recipient: $r, sender: $s, identity: $s,
		  mode: "full-privacy", created_at: $t, message: $m, trade_signature: null}'
}

ORDER=308e1272-d5f4-47e6-bd97-3504baea9c23

# ------------------------------------------------------------------ files

@test "init: DIR 0700, the mnemonic alone in a 0600 file, session.db 0600 with no word of it; a second init is refused (1)" {
	run -0 --separate-stderr ss init
	jq -e --arg d "$T/s" '.type == "session" and .dir == $d and .words == 12 and (.identity | length) == 64
		and .mnemonic_file == ($d + "/mnemonic")' <<<"$output"
	[ "$(stat -c %a "$T/s")" = 700 ]
	[ "$(stat -c %a "$T/s/mnemonic")" = 600 ]
	[ "$(stat -c %a "$T/s/session.db")" = 600 ]
	[ "$(wc -w <"$T/s/mnemonic")" = 12 ]
	# no word of it, but those any session's database has (its schema's:
	# payment, order, key ... are BIP-39 words too), and not the phrase
	mostro-store session --session "$T/ref" init >/dev/null 2>&1
	local w
	for w in $(cat "$T/s/mnemonic"); do
		grep -qa -- "$w" "$T/ref/session.db"* && ! grep -qa -- "$w" "$T/ref/mnemonic" && continue
		! grep -qa -- "$w" "$T/s/session.db"* || { echo "'$w' is in the database"; return 1; }
	done
	! grep -qaF -- "$(tr '\n' ' ' <"$T/s/mnemonic" | sed 's/ $//')" "$T/s/session.db"*
	# the identity is index 0 of that mnemonic
	[ "$(jq -r .identity <<<"$output")" = "$(mostro-key derive --index 0 --mnemonic-file "$T/s/mnemonic" | jq -r .pubkey)" ]
	run -1 --separate-stderr ss init
	[[ $stderr == *"a session exists in $T/s already"* ]]
	run -0 mostro-store session --session "$T/t" init --words 24
	[ "$(wc -w <"$T/t/mnemonic")" = 24 ]
	run -4 --separate-stderr mostro-store session --session "$T/u" init --words 13
	[ ! -e "$T/u" ]
}

@test "the default directory: \$MOSTRO_SESSION, else \$XDG_DATA_HOME/mostro" {
	run -0 mostro-store session init
	[ "$(jq -r .dir <<<"$output")" = "$XDG_DATA_HOME/mostro" ]
	MOSTRO_SESSION=$T/env run -0 mostro-store session init
	[ "$(jq -r .dir <<<"$output")" = "$T/env" ]
}

@test "import: from a 0600 file, a descriptor or \$MOSTRO_MNEMONIC; an invalid mnemonic is exit 4 and nothing is created" {
	secret_file "$T/m" "$NIP06_MNEMONIC"
	run -0 mostro-store session --session "$T/a" import --mnemonic-file "$T/m"
	[ "$(jq -r .identity <<<"$output")" = "$PK0" ]
	run -0 mostro-store session --session "$T/b" import --mnemonic-fd 3 3<"$T/m"
	[ "$(jq -r .identity <<<"$output")" = "$PK0" ]
	MOSTRO_MNEMONIC=$NIP06_MNEMONIC run -0 mostro-store session --session "$T/c" import
	[ "$(jq -r .identity <<<"$output")" = "$PK0" ]
	cmp <(tr -s ' \n' ' ' <"$T/c/mnemonic") <(printf '%s ' "$NIP06_MNEMONIC")
	secret_file "$T/bad" "leader monkey parrot ring guide accident before fence cannon height naive naive"
	run -4 --separate-stderr mostro-store session --session "$T/d" import --mnemonic-file "$T/bad"
	[[ $stderr == *"checksum"* ]]
	[ ! -e "$T/d" ]
	run -1 --separate-stderr mostro-store session --session "$T/a" import --mnemonic-file "$T/m"
	[[ $stderr == *"a session exists in $T/a already"* ]]
	chmod 644 "$T/m"
	run -5 --separate-stderr mostro-store session --session "$T/e" import --mnemonic-file "$T/m"
	[[ $stderr == *"group or others"* ]]
	[ ! -e "$T/e" ]
}

@test "a session open to others or incomplete is refused (exit 5), naming the file" {
	nip06_session
	chmod 755 "$T/s"
	run -5 --separate-stderr ss show
	[[ $stderr == *"$T/s: mode 755, open to group or others"* ]]
	chmod 700 "$T/s"
	chmod 640 "$T/s/mnemonic"
	run -5 --separate-stderr ss show
	[[ $stderr == *"$T/s/mnemonic: mode 640"* ]]
	chmod 600 "$T/s/mnemonic"
	rm "$T/s/mnemonic"
	run -5 --separate-stderr ss show
	[[ $stderr == *"$T/s/mnemonic: missing"* ]]
	run -5 --separate-stderr mostro-store session --session "$T/none" show
	[[ $stderr == *"no session in $T/none"* ]]
}

@test "the mnemonic is printed by 'session mnemonic' only" {
	nip06_session
	run -0 ss mnemonic
	[ "$(jq -r .mnemonic <<<"$output")" = "$NIP06_MNEMONIC" ]
	local out
	out=$(ss show; ss next-index; ss key --identity; ss orders; ss listen; ss node)
	[[ $out != *monkey* ]]
}

# ------------------------------------------------------------------ trade indexes

@test "next-index: 1, 2, 3 ..., the pubkeys of m/44'/1237'/38383'/0/N; never 0; set-index raises, never lowers" {
	nip06_session
	run -0 ss next-index --purpose new-order
	jq -e --arg p "$PK1" '.index == 1 and .pubkey == $p' <<<"$output"
	run -0 ss next-index
	jq -e --arg p "$PK2" '.index == 2 and .pubkey == $p' <<<"$output"
	run -0 ss set-index 10
	[ "$(jq .last <<<"$output")" = 10 ]
	run -0 ss set-index 4
	[ "$(jq .last <<<"$output")" = 10 ]
	run -0 ss next-index
	[ "$(jq .index <<<"$output")" = 11 ]
	[ "$(jq -r .pubkey <<<"$output")" = "$(mostro-key derive --index 11 --mnemonic-file "$T/m" | jq -r .pubkey)" ]
	run -4 ss set-index abc
	run -4 ss set-index 2147483648
	# no row of index 0 can exist
	run ! sqlite3 "$T/s/session.db" "INSERT INTO trade_keys(idx, pubkey, allocated_at) VALUES (0, 'x', 0)"
}

@test "next-index is atomic: 20 clients at once get 20 different indexes, 1..20" {
	nip06_session
	local i
	local -a pids=()
	for i in $(seq 20); do
		ss next-index >"$T/idx.$i" &
		pids+=("$!")
	done
	wait "${pids[@]}"
	[ "$(cat "$T"/idx.* | jq -s 'map(.index) | sort')" = "$(seq 20 | jq -s .)" ]
	[ "$(ss show | jq .last_index)" = 20 ]
}

@test "bind and key: an order on its trade key; conflicts refused (1); unknown order (1); bad values (4)" {
	nip06_session
	ss next-index >/dev/null
	ss next-index >/dev/null
	run -0 ss bind --index 1 --order "${ORDER^^}" --role taker --kind buy --node "$PKM"
	jq -e --arg o "$ORDER" --arg p "$PK1" '.id == $o and .trade_index == 1 and .trade_pubkey == $p
		and .role == "taker" and .kind == "buy" and .side == "seller" and .source == "request"' <<<"$output"
	run -0 ss key "$ORDER"
	jq -e --arg p "$PK1" '.index == 1 and .pubkey == $p' <<<"$output"
	run -0 ss key --identity
	[ "$(jq -r .pubkey <<<"$output")" = "$PK0" ]
	run -1 --separate-stderr ss bind --index 1 --order efc75871-2568-40b9-a6ee-c382d4d6de01
	[[ $stderr == *"trade index 1 is bound to order $ORDER"* ]]
	run -1 --separate-stderr ss bind --index 2 --order "$ORDER"
	[[ $stderr == *"order $ORDER is bound to trade index 1"* ]]
	run -1 --separate-stderr ss key efc75871-2568-40b9-a6ee-c382d4d6de01
	[[ $stderr == *"is not in this session"* ]]
	run -4 ss key not-a-uuid
	run -4 ss bind --index 0 --order "$ORDER"
	run -4 ss bind --index 2 --order "$ORDER" --role boss
	run -2 ss bind --order "$ORDER"
	run -2 ss orders --frobnicate
	run -2 ss key --secret "$ORDER"
}

# ------------------------------------------------------------------ ingest

# flow NAME [ORDER-OF-LINES]: feeds a flow of the vector file, one message a
# second, checking each step's expectations; leaves the last row in $row
flow_steps() {
	jq -c --arg f "$1" 'select(.flow == $f)' "$MOSTRO_VECTORS/session-ingest.jsonl"
}

start_flow() {
	rm -rf "$T/s"
	nip06_session
	ss next-index >/dev/null
	local bind
	bind=$(flow_steps "$1" | head -1 | jq -c .bind)
	if [[ $bind != null ]]; then
		ss bind --index 1 --order "$ORDER" --role "$(jq -r .role <<<"$bind")" --kind "$(jq -r .kind <<<"$bind")" >/dev/null
	fi
}

@test "ingest: every step of every flow of PROTOCOL §11 leads where the vectors say (status, next, waiting for, facts)" {
	local flows f step t=1700000100 n=0
	flows=$(jq -r .flow "$MOSTRO_VECTORS/session-ingest.jsonl" | uniq)
	for f in $flows; do
		start_flow "$f"
		while IFS= read -r step; do
			t=$((t + 1))
			n=$((n + 1))
			record "$(jq -c .message <<<"$step")" "$t" | ss ingest --now "$t" >"$T/out"
			row=$(ss orders --id "$ORDER")
			jq -e --argjson e "$(jq -c .expect <<<"$step")" \
				'. as $r | $e | to_entries | all(.value == $r[.key])' <<<"$row" >/dev/null ||
				{ echo "$f step $(jq .step <<<"$step") ($(jq -r .note <<<"$step")):"; echo "expected $(jq -c .expect <<<"$step")"; echo "row      $row"; return 1; }
			# the line printed is the record with the row after it
			jq -e --argjson r "$row" '.order == $r' "$T/out" >/dev/null
		done < <(flow_steps "$f")
	done
	((n == $(wc -l <"$MOSTRO_VECTORS/session-ingest.jsonl")))
}

# final FLOW ORDER-CMD SAME-SECOND: the last row after ingesting the flow's
# messages in the order ORDER-CMD gives (cat or tac), each in its own second
# or all in one
final_after() {
	local f=$1 step t=1700000100 i=0
	start_flow "$f"
	: >"$T/recs"
	while IFS= read -r step; do
		i=$((i + 1))
		if [[ $3 == same ]]; then t=1700000100; else t=$((1700000100 + i)); fi
		record "$(jq -c .message <<<"$step")" "$t" >>"$T/recs"
	done < <(flow_steps "$f")
	"$2" "$T/recs" | ss ingest --now 1700009999 >/dev/null
	ss orders --id "$ORDER" | jq -c 'del(.added_at, .updated_at)'
}

@test "ingest: messages in any order (a relay gives stored events newest first) end where the flow ends; same second: the flow's order decides" {
	local f fwd
	for f in $(jq -r .flow "$MOSTRO_VECTORS/session-ingest.jsonl" | uniq); do
		fwd=$(final_after "$f" cat different)
		[ "$(final_after "$f" tac different)" = "$fwd" ] || { echo "$f reversed: $(final_after "$f" tac different) != $fwd"; return 1; }
		# a flow that goes back (the taker left: pending again) cannot be told
		# from a late message within one second
		[[ $f != taker-cancel-back-to-pending ]] || continue
		[ "$(final_after "$f" tac same | jq -c '{status, next, waiting_for}')" = "$(jq -c '{status, next, waiting_for}' <<<"$fwd")" ] ||
			{ echo "$f in one second, reversed: $(final_after "$f" tac same)"; return 1; }
	done
}

@test "ingest: a message seen again is no news; not from the node: skipped; not a record: line named, exit 123, the others kept" {
	start_flow sell-maker-seller
	local m1 m2
	m1=$(flow_steps sell-maker-seller | sed -n 1p | jq -c .message)
	m2=$(flow_steps sell-maker-seller | sed -n 2p | jq -c .message)
	run -0 ss ingest < <(record "$m1" 1700000001; record "$m1" 1700000001)
	[ "${#lines[@]}" = 1 ]
	# another key saying the order is canceled changes nothing
	run -0 ss ingest < <(record '{"order":{"version":2,"request_id":null,"trade_index":null,"id":"'$ORDER'","action":"canceled","payload":null}}' 1700000005 "$PK2")
	[ -z "$output" ]
	[ "$(ss orders --id "$ORDER" | jq -r .status)" = pending ]
	run -123 --separate-stderr ss ingest < <(echo 'not json'; echo '{"type":"error","line":1}'; echo '{"type":"message"}'; record "$m2" 1700000002)
	[[ $stderr == *"line 1: not JSON"* ]]
	[[ $stderr == *"line 3: id, recipient, sender"* ]]
	[[ $stderr != *"line 2"* ]]
	[ "${#lines[@]}" = 1 ]
	[ "$(ss orders --id "$ORDER" | jq -r .status)" = waiting-buyer-invoice ]
	[ "$(ss show | jq .messages)" = 2 ]
	# no node known and none given: refused before reading
	rm -rf "$T/s"
	secret_file "$T/m" "$NIP06_MNEMONIC"
	ss import --mnemonic-file "$T/m" >/dev/null
	run -5 --separate-stderr ss ingest </dev/null
	[[ $stderr == *"no node pubkey"* ]]
}

@test "ingest: restore-session binds each order to its trade index (keys derived), records the disputes, raises the last index (mostro-cli#188)" {
	nip06_session
	local d=efc75871-2568-40b9-a6ee-c382d4d6de01 o2=1bd5d2a2-7a42-4bb8-b74b-5a2d39a6cc2c
	local restore='{"restore":{"version":2,"request_id":null,"trade_index":null,"action":"restore-session","payload":{"restore_data":{"orders":[{"order_id":"'$ORDER'","trade_index":3,"status":"active"},{"order_id":"'$o2'","trade_index":7,"status":"pending"}],"disputes":[{"dispute_id":"'$d'","order_id":"'$ORDER'","trade_index":3,"status":"in-progress","initiator":"buyer","solver_pubkey":"'$PK0'"}]}}}}'
	run -0 ss ingest < <(record "$restore" 1700000001 "$PKM" "$PK0")
	run -0 ss key "$ORDER"
	[ "$(jq -r .pubkey <<<"$output")" = "$(mostro-key derive --index 3 --mnemonic-file "$T/m" | jq -r .pubkey)" ]
	run -0 ss key "$o2"
	[ "$(jq .index <<<"$output")" = 7 ]
	[ "$(ss show | jq .last_index)" = 7 ]
	[ "$(ss next-index | jq .index)" = 8 ]
	run -0 ss orders --id "$ORDER"
	jq -e --arg d "$d" --arg s "$PK0" '.status == "dispute" and .dispute_id == $d and .solver_pubkey == $s
		and .waiting_for == "solver" and .source == "restore"' <<<"$output"
	run -0 ss disputes
	jq -e --arg d "$d" '.id == $d and .status == "in-progress" and .initiator == "buyer" and .trade_index == 3' <<<"$output"
	# the orders reply fills the details, and tells our side by the trade keys
	local pk3
	pk3=$(mostro-key derive --index 7 --mnemonic-file "$T/m" | jq -r .pubkey)
	local orders='{"order":{"version":2,"request_id":5,"trade_index":null,"action":"orders","payload":{"orders":[{"id":"'$o2'","kind":"sell","status":"pending","amount":0,"fiat_code":"EUR","min_amount":10,"max_amount":20,"fiat_amount":0,"payment_method":"SEPA","premium":2,"seller_trade_pubkey":"'$pk3'","created_at":1,"expires_at":2}]}}}'
	run -0 ss ingest < <(record "$orders" 1700000002 "$PKM" "$PK0")
	run -0 ss orders --id "$o2"
	jq -e '.kind == "sell" and .side == "seller" and .fiat_code == "EUR" and .min_amount == 10 and .max_amount == 20
		and .premium == 2 and .status == "pending"' <<<"$output"
	# last-trade-index raises it further
	run -0 ss ingest < <(record '{"restore":{"version":2,"request_id":9,"trade_index":30,"action":"last-trade-index","payload":null}}' 1700000003 "$PKM" "$PK0")
	[ "$(ss show | jq .last_index)" = 30 ]
}

@test "ingest: a range child announced with next_trade arrives as new-order on its key and is bound to it, maker" {
	nip06_session
	ss next-index >/dev/null
	ss next-index >/dev/null
	ss bind --index 1 --order "$ORDER" --role maker --kind sell >/dev/null
	local child=6a1c2b9e-0a53-4e0c-8e0b-2a7a4b1f6c11
	run -0 ss ingest < <(record '{"order":{"version":2,"request_id":3,"trade_index":2,"id":"'$child'","action":"new-order","payload":{"order":{"id":"'$child'","kind":"sell","status":"pending","amount":0,"fiat_code":"USD","min_amount":10,"max_amount":15,"fiat_amount":0,"payment_method":"SEPA","premium":0,"created_at":1,"expires_at":2}}}}' 1700000001 "$PKM" "$PK2")
	run -0 ss key "$child"
	[ "$(jq .index <<<"$output")" = 2 ]
	run -0 ss orders --id "$child"
	jq -e '.role == "maker" and .side == "seller" and .status == "pending" and .min_amount == 10' <<<"$output"
	# a message about an order the key does not serve creates nothing
	run -0 ss ingest < <(record '{"order":{"version":2,"request_id":null,"trade_index":null,"id":"efc75871-2568-40b9-a6ee-c382d4d6de01","action":"canceled","payload":null}}' 1700000002)
	run -0 ss orders
	[ "${#lines[@]}" = 2 ]
}

@test "ingest, the solver's side: admin-took-dispute to the admin key keeps both parties' keys; admin-settled closes it" {
	nip06_session
	local d=efc75871-2568-40b9-a6ee-c382d4d6de01
	local took='{"dispute":{"version":2,"request_id":4,"trade_index":null,"id":"'$d'","action":"admin-took-dispute","payload":{"dispute":["'$d'",{"id":"'$ORDER'","kind":"sell","status":"dispute","hash":null,"preimage":null,"order_previous_status":"active","initiator_pubkey":"'$PK1'","buyer_pubkey":"'$PK1'","seller_pubkey":"'$PK2'","initiator_full_privacy":false,"counterpart_full_privacy":false,"initiator_info":null,"counterpart_info":null,"premium":0,"payment_method":"SEPA","amount":5000,"fiat_amount":3,"fee":15,"routing_fee":0,"buyer_invoice":null,"invoice_held_at":0,"taken_at":0,"created_at":0}]}}}'
	run -0 ss ingest < <(record "$took" 1700000001 "$PKM" "$ADMIN_PK")
	run -0 ss disputes
	jq -e --arg d "$d" --arg o "$ORDER" --arg b "$PK1" --arg s "$PK2" --arg a "$ADMIN_PK" '.id == $d and .order_id == $o
		and .buyer_pubkey == $b and .seller_pubkey == $s and .admin_pubkey == $a and .status == "in-progress"' <<<"$output"
	run -0 ss ingest < <(record '{"order":{"version":2,"request_id":5,"trade_index":null,"id":"'$ORDER'","action":"admin-settled","payload":null}}' 1700000002 "$PKM" "$ADMIN_PK")
	[ "$(ss disputes | jq -r .status)" = settled ]
}

ADMIN_PK=a5a2a78f2ae12a7adb2d8b47d50e5d9a7a0c9b2e1a11a1b6b8c1e3b7d8e0f1a2

# ------------------------------------------------------------------ keys of a chat, cursors, the node

@test "chat-keys: the PROTOCOL §9.1 vector, the same from both sides; the secrets only when asked" {
	local a_sk=548f68890c49fa42f104c60352395e60ff030b0b407e955f1eed1400d6c0347a
	local a_pk=000053c3b4773182e7c4c1b72b272d34be01bf4414a6a25c998977c516a46a01
	local b_sk=f258e73f07386d37133718b6127f873dd7c391b8f43b331ff8254034a13d2943
	local b_pk=000009ae5cff9f6ba9b05159ec5ed58c187f5882ea77c81ed5dd19163272a5d7
	secret_file "$T/a" "$a_sk"
	secret_file "$T/b" "$b_sk"
	run -0 mostro-store session chat-keys --key-file "$T/a" --peer "$b_pk"
	jq -e --arg p "$b_pk" '.type == "chat_keys" and .peer == $p
		and .conv == "bceb1cd2a8e98ee9729122a1693edcc39c3ace04582ff96a26705c5e4078a6f2"
		and .sign == "1dba04571059183f76b148119cfa6f8004dad30cb4e810180a6df17386a7f0b4"
		and .legacy == "27199d5878869ec3b4ae1ad5c2fed88840218a119f9ce892828b950fc96b4829"' <<<"$output"
	local mine=$output
	run -0 mostro-store session chat-keys --key-fd 3 --peer "$a_pk" 3<"$T/b"
	[ "$(jq -c 'del(.peer)' <<<"$output")" = "$(jq -c 'del(.peer)' <<<"$mine")" ]
	[[ $mine != *"$a_sk"* ]]
	run -0 mostro-store session chat-keys --key-file "$T/a" --peer "$b_pk" --secret conv
	[[ $output =~ ^[0-9a-f]{64}$ ]]
	[ "$(printf '%s\n' "$output" | mostro-key pub --key-file - | jq -r .pubkey)" = bceb1cd2a8e98ee9729122a1693edcc39c3ace04582ff96a26705c5e4078a6f2 ]
	run -0 mostro-store session chat-keys --key-file "$T/a" --peer "$b_pk" --secret legacy
	[ "$(printf '%s\n' "$output" | mostro-key pub --key-file - | jq -r .pubkey)" = 27199d5878869ec3b4ae1ad5c2fed88840218a119f9ce892828b950fc96b4829 ]
	run -4 mostro-store session chat-keys --key-file "$T/a" --peer nope
	run -4 mostro-store session chat-keys --key-file "$T/a" --peer "$b_pk" --secret sign
	run -2 mostro-store session chat-keys --peer "$b_pk"
}

@test "cursor and node: named resume points; the node's relays, transport and its 38385 (its own only)" {
	nip06_session
	run -0 ss cursor watch
	[ "$(jq .value <<<"$output")" = null ]
	run -0 ss cursor watch --set 1700000000
	[ "$(jq .value <<<"$output")" = 1700000000 ]
	run -0 ss node --mostro "$PKM" --relays ws://a,ws://b --transport v1
	jq -e --arg m "$PKM" '.pubkey == $m and .relays == "ws://a,ws://b" and .transport == "v1"' <<<"$output"
	secret_file "$T/mk" "$SKM"
	echo '{"kind":38385,"tags":[["d","'$PKM'"],["pow","8"],["protocol_version","2"]],"content":"","created_at":1700000000}' |
		mostro-wrap --plain --key-file "$T/mk" >"$T/info"
	run -0 ss node --mostro "$PKM" --info "$T/info"
	jq -e '.info.pow == "8" and .info.protocol_version == "2" and .info_created_at == 1700000000 and .relays == "ws://a,ws://b"' <<<"$output"
	# an older 38385 does not replace a newer one
	echo '{"kind":38385,"tags":[["d","'$PKM'"],["pow","1"]],"content":"","created_at":1600000000}' |
		mostro-wrap --plain --key-file "$T/mk" >"$T/old"
	run -0 ss node --mostro "$PKM" --info "$T/old"
	[ "$(jq -r .info.pow <<<"$output")" = 8 ]
	# another key's 38385 is refused
	run -4 --separate-stderr ss node --mostro "$PK1" --info "$T/info"
	[[ $stderr == *"not a kind 38385 event of $PK1"* ]]
	run -4 ss node --mostro "$PKM" --transport v3
}

@test "mostro-store session --help lists every subcommand; mostro-store(1), its completions and mostro-store --help name them" {
	run -0 mostro-store session --help
	local sub
	for sub in init import show mnemonic next-index set-index bind key orders disputes listen ingest cursor node chat-keys; do
		[[ $output == *"  $sub"* ]] || { echo "not in session --help: $sub"; return 1; }
		sed 's/\\-/-/g' "$MOSTRO_TOP/man/mostro-store.1" | grep -q "^\\.B.*session $sub\\b" || { echo "not in mostro-store.1: $sub"; return 1; }
		grep -qw -- "$sub" "$MOSTRO_TOP/completions/bash/mostro-store" || { echo "bash: $sub"; return 1; }
		grep -qw -- "$sub" "$MOSTRO_TOP/completions/zsh/_mostro-store" || { echo "zsh: $sub"; return 1; }
		grep -qw -- "$sub" "$MOSTRO_TOP/completions/fish/mostro-store.fish" || { echo "fish: $sub"; return 1; }
	done
	run -0 mostro-store --help
	[[ $output == *"session"* ]]
	run -2 mostro-store session frobnicate
}
