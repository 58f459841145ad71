#!/usr/bin/env bats
# mostro-relay serve: the embedded relay's contract — flags and their errors,
# NIP-01 frames and answers, limits, replacement, NIP-11, NIP-40, NIP-42,
# restarts and signals. A scriptable WebSocket client (tests/lib/relay-client.mjs,
# pinned ws + nostr-tools) plays the clients.

bats_require_minimum_version 1.5.0

load lib/relay-serve

setup_file() {
	relay_serve_setup_file
}

setup() {
	TMP=$(mktemp -d)
	SK1=$(printf '%064x' 1)
	SK2=$(printf '%064x' 2)
	PK1=$(node "$CLIENT" --pubkey "$SK1")
	PK2=$(node "$CLIENT" --pubkey "$SK2")
}

teardown() {
	stop_relay
	rm -rf "$TMP"
}

@test "serve --help prints the options and exits 0" {
	run mostro-relay serve --help
	[ "$status" -eq 0 ]
	[[ "$output" == *"--listen ADDR"* ]]
	[[ "$output" == *"--auth-read-kinds"* ]]
}

@test "no subcommand and an unknown subcommand are usage errors (2)" {
	run mostro-relay
	[ "$status" -eq 2 ]
	run mostro-relay frobnicate
	[ "$status" -eq 2 ]
	[[ "$output" == *"unknown subcommand: frobnicate"* ]]
}

@test "serve: publish, then REQ returns the event and EOSE" {
	start_relay
	ev=$(sign "$SK1" '{"kind":1,"content":"hello"}')
	id=$(jq -r .id <<<"$ev")
	run relay_session 3 "[\"EVENT\",$ev]" '["REQ","s",{"kinds":[1]}]'
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = "[\"OK\",\"$id\",true,\"\"]" ]
	[ "$(jq -c '.[0:2]' <<<"${lines[1]}")" = '["EVENT","s"]' ]
	[ "$(jq -c '.[2]' <<<"${lines[1]}")" = "$(jq -c . <<<"$ev" | jq -c '{id,pubkey,created_at,kind,tags,content,sig}')" ]
	[ "${lines[2]}" = '["EOSE","s"]' ]
}

# ---------------------------------------------------------------- flags

@test "serve: a malformed --listen is invalid input (4)" {
	for a in 'nonsense' '127.0.0.1:99999' '127.0.0.1:' 'example.com:7000' '::1:7000' '[::1]7000'; do
		run mostro-relay serve --listen "$a"
		[ "$status" -eq 4 ] || { echo "$a -> $status"; false; }
		[[ "$output" == *"--listen"* ]]
	done
}

@test "serve: a non-loopback address is refused (1) unless --allow-remote" {
	run mostro-relay serve --listen 0.0.0.0:0
	[ "$status" -eq 1 ]
	[[ "$output" == *"not a loopback address"*"--allow-remote"* ]]
	run mostro-relay serve --listen 192.0.2.1:0
	[ "$status" -eq 1 ]
	# with the flag the same address is accepted (bind fails: 192.0.2.1 is not ours -> 5)
	run mostro-relay serve --listen 192.0.2.1:0 --allow-remote
	[ "$status" -eq 5 ]
	[[ "$output" == *"cannot listen on 192.0.2.1"* ]]
}

@test "serve: --auth-read-kinds on a wildcard address needs --url (2); --url must be a usable URL (4)" {
	# on every interface the relay has no name that NIP-42 relay tags could
	# match (the default ws://0.0.0.0:PORT matches none): nobody could read
	for a in 0.0.0.0:0 '[::]:0'; do
		run timeout 5 mostro-relay serve --listen "$a" --allow-remote --auth-read-kinds 1059
		[ "$status" -eq 2 ] || { echo "$a -> $status"; false; }
		[[ "$output" == *"--auth-read-kinds with --listen"*"needs --url"* ]]
	done
	for u in ftp://relay.example.com 'ws://relay.example.com:99999' 'ws://' 'wss://[::1'; do
		run timeout 5 mostro-relay serve --listen 127.0.0.1:0 --url "$u"
		[ "$status" -eq 4 ] || { echo "$u -> $status"; false; }
		[[ "$output" == *"--url $u: not a ws:// or wss:// URL"* ]]
	done
}

@test "serve: localhost and a bare port mean 127.0.0.1; [::1] works" {
	start_relay
	stop_relay
	mostro-relay serve --listen localhost:0 2>"$TMP/l1" & p=$!
	for i in $(seq 50); do grep -q listening "$TMP/l1" && break; sleep 0.05; done
	kill $p; wait $p || true
	grep -q 'listening on ws://127.0.0.1:' "$TMP/l1"
	mostro-relay serve --listen '[::1]:0' 2>"$TMP/l2" & p=$!
	for i in $(seq 50); do grep -q listening "$TMP/l2" && break; sleep 0.05; done
	kill $p; wait $p || true
	grep -q 'listening on ws://\[::1\]:' "$TMP/l2"
}

@test "serve: a port already in use is a configuration error (5)" {
	start_relay
	run mostro-relay serve --listen "127.0.0.1:$RELAY_PORT"
	[ "$status" -eq 5 ]
	[[ "$output" == *"cannot listen"* ]]
}

@test "serve: bad numeric flag values are invalid input (4)" {
	for f in --max-event-size --max-event-tags --max-subscriptions --max-filters --max-limit \
		 --max-subid-length --auth-window --purge-interval --verify-threads; do
		run mostro-relay serve "$f" abc
		[ "$status" -eq 4 ] || { echo "$f abc -> $status"; false; }
		run mostro-relay serve "$f" 99999999999
		[ "$status" -eq 4 ] || { echo "$f big -> $status"; false; }
	done
	run mostro-relay serve --max-filters 0
	[ "$status" -eq 4 ]
	run mostro-relay serve --auth-read-kinds 1059,x
	[ "$status" -eq 4 ]
	run mostro-relay serve --auth-read-kinds 70000
	[ "$status" -eq 4 ]
	run mostro-relay serve --auth-read-kinds 1059,
	[ "$status" -eq 4 ]
	run mostro-relay serve --url not-a-url
	[ "$status" -eq 4 ]
	run mostro-relay serve --db ''
	[ "$status" -eq 4 ]
}

@test "serve: unknown options and extra arguments are usage errors (2)" {
	run mostro-relay serve --bogus
	[ "$status" -eq 2 ]
	run mostro-relay serve extra
	[ "$status" -eq 2 ]
	[[ "$output" == *"unexpected argument: extra"* ]]
}

@test "serve: a database that cannot be opened is a configuration error (5)" {
	run mostro-relay serve --listen 127.0.0.1:0 --db "$TMP/no/such/dir/relay.db"
	[ "$status" -eq 5 ]
	[[ "$output" == *"relay.db"* ]]
	echo "not a database, just text that is long enough to be looked at by sqlite" >"$TMP/junk.db"
	run mostro-relay serve --listen 127.0.0.1:0 --db "$TMP/junk.db"
	[ "$status" -eq 5 ]
}

@test "serve: a database from a newer release is refused, not modified (5)" {
	start_relay --db "$TMP/r.db"
	stop_relay
	sqlite3 "$TMP/r.db" "UPDATE schema_version SET version = 99 WHERE component = 'relay'"
	cp "$TMP/r.db" "$TMP/before.db"
	run mostro-relay serve --listen 127.0.0.1:0 --db "$TMP/r.db"
	[ "$status" -eq 5 ]
	[[ "$output" == *"newer"* ]]
	[ "$(sqlite3 "$TMP/r.db" "SELECT version FROM schema_version WHERE component='relay'")" = 99 ]
}

@test "serve --db: the database and its -wal/-shm are 0600 whatever the umask (restricted gift wraps); a planted symlink is never followed (5)" {
	umask 022
	start_relay --db "$TMP/r.db"
	for f in "$TMP/r.db" "$TMP/r.db-wal" "$TMP/r.db-shm"; do
		[ -f "$f" ]
		[ "$(stat -c %a "$f")" = 600 ] || { echo "$f: $(stat -c %a "$f")"; false; }
	done
	stop_relay
	# a dangling symlink: its target is not created
	ln -s "$TMP/nowhere.db" "$TMP/planted.db"
	run mostro-relay serve --listen 127.0.0.1:0 --db "$TMP/planted.db"
	[ "$status" -eq 5 ]
	[[ "$output" == *"planted.db: not a regular file nor a symlink to one"* ]]
	[ ! -e "$TMP/nowhere.db" ]
	# another user's symlink to an (empty) file of ours: not written through
	[ "$(id -u)" = 0 ] || skip "needs root to give a symlink to another user"
	: >"$TMP/victim"
	ln -s "$TMP/victim" "$TMP/foreign.db"
	chown -h 65534:65534 "$TMP/foreign.db"
	run mostro-relay serve --listen 127.0.0.1:0 --db "$TMP/foreign.db"
	[ "$status" -eq 5 ]
	[[ "$output" == *"foreign.db: a symbolic link another user made"* ]]
	[ ! -s "$TMP/victim" ]
}

@test "serve: --quiet prints nothing on a clean run" {
	mostro-relay serve --listen 127.0.0.1:0 --quiet 2>"$TMP/q" & p=$!
	sleep 0.2
	kill -TERM $p
	wait $p
	[ ! -s "$TMP/q" ]
}

@test "serve: SIGTERM and SIGINT stop it cleanly with exit 0 and a summary" {
	start_relay
	stop_relay TERM
	[ "$RELAY_STATUS" -eq 0 ]
	grep -q 'stopped: 0 events stored' "$RELAY_LOG"
	start_relay
	stop_relay INT
	[ "$RELAY_STATUS" -eq 0 ]
}

# ------------------------------------------------------------- NIP-01

@test "EVENT: duplicates are acknowledged with duplicate:, bad events refused with invalid:" {
	start_relay
	ev=$(sign "$SK1" '{"kind":1,"content":"x"}')
	id=$(jq -r .id <<<"$ev")
	badsig=$(jq -c '.sig = ("00" + .sig[2:])' <<<"$ev")
	badid=$(jq -c '.content = "changed"' <<<"$ev")
	nosig=$(jq -c 'del(.sig)' <<<"$ev")
	run relay_session 5 "[\"EVENT\",$ev]" "[\"EVENT\",$ev]" "[\"EVENT\",$badsig]" "[\"EVENT\",$badid]" "[\"EVENT\",$nosig]"
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = "[\"OK\",\"$id\",true,\"\"]" ]
	[ "${lines[1]}" = "[\"OK\",\"$id\",true,\"duplicate: already have this event\"]" ]
	[ "${lines[2]}" = "[\"OK\",\"$id\",false,\"invalid: signature does not verify\"]" ]
	[ "${lines[3]}" = "[\"OK\",\"$id\",false,\"invalid: event id does not match its content\"]" ]
	[ "${lines[4]}" = "[\"OK\",\"$id\",false,\"invalid: EVENT: sig: missing\"]" ]
}

@test "malformed frames get a NOTICE naming the problem; the connection goes on" {
	start_relay
	run relay_session 6 'not json' '{"a":1}' '["FOO"]' '["EVENT"]' '["REQ","s"]' '["CLOSE",""]'
	[ "$status" -eq 0 ]
	[[ "${lines[0]}" == '["NOTICE","invalid: at byte 0: '* ]]
	[ "${lines[1]}" = '["NOTICE","invalid: frame: not a non-empty JSON array"]' ]
	[ "${lines[2]}" = '["NOTICE","invalid: frame: unknown client message type \"FOO\""]' ]
	[ "${lines[3]}" = '["NOTICE","invalid: EVENT: expected 2 elements, got 1"]' ]
	[ "${lines[4]}" = '["CLOSED","s","invalid: REQ: no filter"]' ]
	[ "${lines[5]}" = '["NOTICE","invalid: CLOSE: subscription id is empty"]' ]
}

@test "echoed client text cut to fit is cut on a UTF-8 character boundary (strict clients keep the connection)" {
	# node ws, like browsers, drops a text frame that is not UTF-8: each
	# answer below used to end inside a character, closing the connection
	start_relay
	e12=$(printf 'é%.0s' $(seq 12))
	k=$(jq -nr '("\\u0001" * 23) + "x" + ("é" * 8)')
	run relay_session 3 "[\"a$e12\"]" "[\"REQ\",\"k\",{\"$k\":1}]" '["REQ","z",{"limit":0}]'
	[ "$status" -eq 0 ]
	# the type is shown up to 24 bytes: 'a' and 11 characters of two bytes
	[ "$(jq -r '.[1]' <<<"${lines[0]}")" = "invalid: frame: unknown client message type \"a${e12%é}\"..." ]
	# a key of 23 control characters (6 bytes each, escaped), 'x' and 8
	# two-byte characters: the filter's 160-byte detail ends after 3 of them
	[ "$(jq -r '.[2]' <<<"${lines[1]}")" = "$(jq -nr '"unsupported: REQ: filter 1: unknown key \"" + ("\\u0001" * 23) + "xééé"')" ]
	[ "${lines[2]}" = '["EOSE","z"]' ]
}

@test "REQ: bad filters are CLOSED with invalid: or unsupported:" {
	start_relay
	run relay_session 3 '["REQ","a",{"ids":["abcd"]}]' '["REQ","b",{"search":"x"}]' '["REQ","c",{"kinds":[1]},{"#e":["zz"]}]'
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = '["CLOSED","a","invalid: REQ: filter 1: ids[0]: not 64 lowercase hex (prefixes are not accepted)"]' ]
	[ "${lines[1]}" = '["CLOSED","b","unsupported: REQ: filter 1: unknown key \"search\""]' ]
	[ "${lines[2]}" = '["CLOSED","c","invalid: REQ: filter 2: #e[0]: not 64 lowercase hex"]' ]
}

@test "REQ: a refused REQ ends the open subscription of the same id (nothing after its CLOSED)" {
	start_relay
	ev=$(sign "$SK1" '{"kind":1,"content":"after the CLOSED"}')
	id=$(jq -r .id <<<"$ev")
	# the event is delivered in the turn of its OK: a later EOSE proves none followed
	run relay_session 4 '["REQ","a",{"kinds":[1],"limit":0}]' 'await 1' '["REQ","a",{"kinds":[-1]}]' 'await 2' \
		"[\"EVENT\",$ev]" 'await 3' '["REQ","z",{"limit":0}]'
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = '["EOSE","a"]' ]
	[ "${lines[1]}" = '["CLOSED","a","invalid: REQ: filter 1: kinds[0]: not an integer in 0..65535"]' ]
	[ "${lines[2]}" = "[\"OK\",\"$id\",true,\"\"]" ]
	[ "${lines[3]}" = '["EOSE","z"]' ]
}

@test "REQ: ids, authors, kinds, #tags, since, until, limit and several filters" {
	start_relay
	a=$(sign "$SK1" '{"kind":1,"created_at":1000,"content":"a","tags":[["t","x"]]}')
	b=$(sign "$SK1" '{"kind":7,"created_at":2000,"content":"b","tags":[["t","y"],["e","'"$(printf '%064x' 5)"'"]]}')
	c=$(sign "$SK2" '{"kind":1,"created_at":3000,"content":"c","tags":[["T","x"]]}')
	ida=$(jq -r .id <<<"$a"); idb=$(jq -r .id <<<"$b"); idc=$(jq -r .id <<<"$c")
	run relay_session 3 "[\"EVENT\",$a]" "[\"EVENT\",$b]" "[\"EVENT\",$c]"
	[ "$status" -eq 0 ]
	q() { relay_session "$1" "[\"REQ\",\"q\",$2]" | jq -r 'select(.[0]=="EVENT") | .[2].content' | tr -d '\n'; }
	[ "$(q 4 '{}')" = cba ]                                   # newest first
	[ "$(q 2 "{\"ids\":[\"$idb\"]}")" = b ]
	[ "$(q 3 "{\"authors\":[\"$PK1\"]}")" = ba ]
	[ "$(q 3 '{"kinds":[1]}')" = ca ]
	[ "$(q 2 '{"#t":["x"]}')" = a ]                          # tag letters are case-sensitive
	[ "$(q 2 '{"#T":["x"]}')" = c ]
	[ "$(q 2 "{\"#e\":[\"$(printf '%064x' 5)\"]}")" = b ]
	[ "$(q 3 '{"since":2000}')" = cb ]
	[ "$(q 3 '{"until":2000}')" = ba ]
	[ "$(q 2 '{"since":1500,"until":2500}')" = b ]
	[ "$(q 3 '{"limit":2}')" = cb ]
	[ "$(q 1 '{"limit":0}')" = '' ]
	[ "$(q 1 '{"kinds":[1],"authors":["'"$PK2"'"],"#t":["x"]}')" = '' ]
	# two filters: the union, each event once
	[ "$(relay_session 4 '["REQ","u",{"kinds":[7]},{"authors":["'"$PK1"'"]}]' | jq -r 'select(.[0]=="EVENT") | .[2].content' | sort | tr -d '\n')" = ab ]
	# COUNT (NIP-45)
	[ "$(relay_session 1 '["COUNT","n",{"kinds":[1]},{"kinds":[7]}]')" = '["COUNT","n",{"count":3}]' ]
}

@test "live: subscribers get new matching events after EOSE; CLOSE stops them" {
	start_relay
	ev1=$(sign "$SK1" '{"kind":1,"content":"one","created_at":1000}')
	ev2=$(sign "$SK1" '{"kind":1,"content":"two","created_at":2000}')
	ev3=$(sign "$SK1" '{"kind":2,"content":"three","created_at":3000}')
	ev4=$(sign "$SK1" '{"kind":1,"content":"four","created_at":4000}')
	printf '%s\n' '["REQ","live",{"kinds":[1]}]' 'await 3' '["CLOSE","live"]' \
		'["REQ","after",{"kinds":[1]}]' | node "$CLIENT" "$RELAY_URL" --expect 7 >"$TMP/sub" &
	sub=$!
	wait_file "$TMP/sub" '"EOSE","live"'
	relay_session 3 "[\"EVENT\",$ev1]" "[\"EVENT\",$ev3]" "[\"EVENT\",$ev2]" >/dev/null
	wait_file "$TMP/sub" '"EOSE","after"'
	relay_session 1 "[\"EVENT\",$ev4]" >/dev/null
	wait $sub
	run jq -c '[.[0], .[1], (.[2].content // null)]' "$TMP/sub"
	[ "${lines[0]}" = '["EOSE","live",null]' ]
	[ "${lines[1]}" = '["EVENT","live","one"]' ]
	[ "${lines[2]}" = '["EVENT","live","two"]' ]
	[ "${lines[3]}" = '["EVENT","after","two"]' ]
	[ "${lines[4]}" = '["EVENT","after","one"]' ]
	[ "${lines[5]}" = '["EOSE","after",null]' ]
	[ "${lines[6]}" = '["EVENT","after","four"]' ]       # not to the closed "live"
	[ "${#lines[@]}" -eq 7 ]
}

@test "replaceable kinds keep the newest per (pubkey, kind); ties keep the lowest id" {
	start_relay
	old=$(sign "$SK1" '{"kind":10002,"created_at":1000,"content":"old"}')
	new=$(sign "$SK1" '{"kind":10002,"created_at":2000,"content":"new"}')
	other=$(sign "$SK2" '{"kind":10002,"created_at":500,"content":"other author"}')
	run relay_session 3 "[\"EVENT\",$old]" "[\"EVENT\",$new]" "[\"EVENT\",$other]"
	[ "$(jq -c '.[2]' <<<"${lines[1]}")" = true ]
	run relay_session 1 "[\"EVENT\",$old]"
	[ "$status" -eq 0 ]
	[ "$(jq -r '.[3]' <<<"${lines[0]}")" = "duplicate: a newer version of this replaceable event is stored" ]
	[ "$(jq -c '.[2]' <<<"${lines[0]}")" = false ]
	[ "$(relay_session 3 '["REQ","r",{"kinds":[10002]}]' | jq -r 'select(.[0]=="EVENT") | .[2].content' | tr '\n' ,)" = "new,other author," ]
	# ties on created_at: the lowest id stays, whatever the arrival order
	# (kind 0: lowest id first, so the second is refused; kind 3: highest id
	# first, so the second replaces it)
	for kind in 0 3; do
		t1=$(sign "$SK1" '{"kind":'$kind',"created_at":5000,"content":"t1"}')
		t2=$(sign "$SK1" '{"kind":'$kind',"created_at":5000,"content":"t2"}')
		if [[ $(jq -r .id <<<"$t1") < $(jq -r .id <<<"$t2") ]]; then lo=$t1 hi=$t2; else lo=$t2 hi=$t1; fi
		if [ "$kind" = 0 ]; then first=$lo second=$hi want=false; else first=$hi second=$lo want=true; fi
		run relay_session 2 "[\"EVENT\",$first]" "[\"EVENT\",$second]"
		[ "$status" -eq 0 ]
		[ "$(jq -c '.[2]' <<<"${lines[0]}")" = true ]
		[ "$(jq -c '.[2]' <<<"${lines[1]}")" = "$want" ]
		[ "$(relay_session 2 "[\"REQ\",\"k\",{\"kinds\":[$kind]}]" | jq -r 'select(.[0]=="EVENT") | .[2].id')" = "$(jq -r .id <<<"$lo")" ]
	done
}

@test "addressable kinds keep the newest per (pubkey, kind, d)" {
	start_relay
	a1=$(sign "$SK1" '{"kind":38383,"created_at":1000,"content":"order-a v1","tags":[["d","a"]]}')
	a2=$(sign "$SK1" '{"kind":38383,"created_at":1001,"content":"order-a v2","tags":[["d","a"]]}')
	b1=$(sign "$SK1" '{"kind":38383,"created_at":900,"content":"order-b","tags":[["d","b"]]}')
	n1=$(sign "$SK1" '{"kind":38383,"created_at":800,"content":"no d tag"}')
	run relay_session 4 "[\"EVENT\",$a1]" "[\"EVENT\",$b1]" "[\"EVENT\",$a2]" "[\"EVENT\",$n1]"
	[ "$status" -eq 0 ]
	[ "$(relay_session 4 '["REQ","o",{"kinds":[38383]}]' | jq -r 'select(.[0]=="EVENT") | .[2].content' | tr '\n' ,)" = "order-a v2,order-b,no d tag," ]
	[ "$(relay_session 2 '["REQ","o",{"kinds":[38383],"#d":["a"]}]' | jq -r 'select(.[0]=="EVENT") | .[2].content')" = "order-a v2" ]
}

@test "ephemeral events are delivered live but never stored" {
	start_relay
	eph=$(sign "$SK1" '{"kind":20001,"content":"now or never"}')
	id=$(jq -r .id <<<"$eph")
	printf '%s\n' '["REQ","e",{"kinds":[20001]}]' | node "$CLIENT" "$RELAY_URL" --expect 2 >"$TMP/sub" &
	sub=$!
	wait_file "$TMP/sub" '"EOSE","e"'
	run relay_session 1 "[\"EVENT\",$eph]"
	[ "${lines[0]}" = "[\"OK\",\"$id\",true,\"\"]" ]
	wait $sub
	[ "$(jq -r 'select(.[0]=="EVENT") | .[2].content' "$TMP/sub")" = "now or never" ]
	[ "$(relay_session 1 '["REQ","e",{"kinds":[20001]}]')" = '["EOSE","e"]' ]
}

@test "kind 22242 (AUTH) events are refused as EVENTs" {
	start_relay
	ev=$(sign "$SK1" '{"kind":22242,"tags":[["challenge","x"]]}')
	run relay_session 1 "[\"EVENT\",$ev]"
	[[ "${lines[0]}" == *'false,"invalid: kind 22242 is for AUTH only'* ]]
}

# ------------------------------------------------------------- limits

@test "limits: event size and tag count are refused with invalid:" {
	start_relay --max-event-size 1000 --max-event-tags 3
	big=$(sign "$SK1" "{\"kind\":1,\"content\":\"$(printf 'x%.0s' $(seq 900))\"}")
	tags=$(sign "$SK1" '{"kind":1,"tags":[["t","1"],["t","2"],["t","3"],["t","4"]]}')
	ok=$(sign "$SK1" '{"kind":1,"tags":[["t","1"],["t","2"],["t","3"]]}')
	run relay_session 3 "[\"EVENT\",$big]" "[\"EVENT\",$tags]" "[\"EVENT\",$ok]"
	[[ "$(jq -r '.[3]' <<<"${lines[0]}")" == "invalid: event too large ("*" > 1000 bytes)" ]]
	[ "$(jq -r '.[3]' <<<"${lines[1]}")" = "invalid: too many tags (4 > 3)" ]
	[ "$(jq -c '.[2]' <<<"${lines[2]}")" = true ]
}

@test "limits: a message above max_message_length gets a NOTICE" {
	start_relay --max-event-size 1000
	huge="[\"EVENT\",{\"content\":\"$(printf 'y%.0s' $(seq 6000))\"}]"
	run relay_session 1 "$huge"
	[ "${lines[0]}" = '["NOTICE","invalid: message too long (max_message_length is 5096 bytes)"]' ]
}

@test "limits: subscriptions, filters and subscription ids are refused with CLOSED" {
	start_relay --max-subscriptions 2 --max-filters 2 --max-subid-length 8
	run relay_session 6 '["REQ","s1",{}]' '["REQ","s2",{}]' '["REQ","s3",{}]' '["REQ","s1",{"kinds":[1]}]' \
		'["REQ","f",{},{},{}]' '["REQ","123456789",{}]'
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = '["EOSE","s1"]' ]
	[ "${lines[1]}" = '["EOSE","s2"]' ]
	[ "${lines[2]}" = '["CLOSED","s3","rate-limited: too many open subscriptions (max 2)"]' ]
	[ "${lines[3]}" = '["EOSE","s1"]' ]                  # same id replaces, no new slot
	[ "${lines[4]}" = '["CLOSED","f","invalid: too many filters (3 > 2)"]' ]
	[ "${lines[5]}" = '["CLOSED","123456789","invalid: subscription id too long (9 > 8 characters)"]' ]
}

@test "limits: each filter's limit is clamped to --max-limit" {
	start_relay --max-limit 3
	for i in 1 2 3 4 5; do echo "{\"kind\":1,\"content\":\"$i\",\"created_at\":$((1000 + i))}"; done |
		sign_many "$SK1" | jq -c '["EVENT", .]' | node "$CLIENT" "$RELAY_URL" --expect 5 >/dev/null
	[ "$(relay_session 4 '["REQ","l",{"limit":100}]' | jq -r 'select(.[0]=="EVENT") | .[2].content' | tr -d '\n')" = 543 ]
	[ "$(relay_session 4 '["REQ","l",{}]' | jq -r 'select(.[0]=="EVENT") | .[2].content' | tr -d '\n')" = 543 ]
}

@test "NIP-11: the document advertises the enforced limits; plain GET gets text" {
	start_relay --max-event-size 2000 --max-subscriptions 7 --max-filters 3 --max-limit 42 \
		--max-subid-length 16 --max-event-tags 9 --name test-relay --auth-read-kinds 1059,14
	run curl -sf -H 'Accept: application/nostr+json' "http://127.0.0.1:$RELAY_PORT/"
	[ "$status" -eq 0 ]
	[ "$(jq -c .supported_nips <<<"$output")" = '[1,11,40,42,45]' ]
	[ "$(jq -r .name <<<"$output")" = test-relay ]
	[ "$(jq -c '.limitation | [.max_message_length,.max_subscriptions,.max_filters,.max_limit,.max_subid_length,.max_event_tags]' <<<"$output")" = '[6096,7,3,42,16,9]' ]
	[ "$(jq -c .auth_read_kinds <<<"$output")" = '[1059,14]' ]
	run curl -si -H 'Accept: application/nostr+json' "http://127.0.0.1:$RELAY_PORT/"
	[[ "$output" == *"access-control-allow-origin: *"* ]]
	[[ "$output" == *"content-type: application/nostr+json"* ]]
	run curl -sf "http://127.0.0.1:$RELAY_PORT/"
	[[ "$output" == *"This is a Nostr relay"* ]]
}

@test "HTTP: HEAD has no body; the NIP-11 Accept match ignores case and length" {
	start_relay --name head-test
	doc_len=$(http_raw 'GET / HTTP/1.1' 'Host: x' 'Accept: application/nostr+json' 'Connection: close' |
		tr -d '\r' | sed '1,/^$/d' | wc -c)
	[ "$doc_len" -gt 100 ]
	# HEAD: the headers GET would send (content-length included), no body (RFC 9110 9.3.2)
	run http_raw 'HEAD / HTTP/1.1' 'Host: x' 'Accept: application/nostr+json' 'Connection: close'
	[ "$status" -eq 0 ]
	[[ "${lines[0]}" == "HTTP/1.1 200 OK"* ]]
	[[ "$output" == *"content-type: application/nostr+json"* ]]
	[[ "$output" == *"content-length: $doc_len"* ]]
	[ "$(http_raw 'HEAD / HTTP/1.1' 'Host: x' 'Accept: application/nostr+json' 'Connection: close' | body_bytes)" = 0 ]
	run http_raw 'HEAD / HTTP/1.1' 'Host: x' 'Connection: close'
	[[ "${lines[0]}" == "HTTP/1.1 200 OK"* ]]
	[[ "$output" == *"content-type: text/plain"* ]]
	[ "$(http_raw 'HEAD / HTTP/1.1' 'Host: x' 'Connection: close' | body_bytes)" = 0 ]
	# a GET still has its body
	[ "$(http_raw 'GET / HTTP/1.1' 'Host: x' 'Connection: close' | body_bytes)" -gt 50 ]
	# media types are case-insensitive (RFC 9110 8.3.1), and a long Accept still names it
	run http_raw 'GET / HTTP/1.1' 'Host: x' 'Accept: Application/Nostr+JSON' 'Connection: close'
	[[ "$output" == *"content-type: application/nostr+json"* ]]
	[[ "$output" == *'"name":"head-test"'* ]]
	long="text/html;q=0.9, $(printf 'application/x-%03d, ' $(seq 1 250))application/nostr+json;q=0.8"
	[ "${#long}" -gt 4096 ]
	run http_raw 'GET / HTTP/1.1' 'Host: x' "Accept: $long" 'Connection: close'
	[[ "$output" == *"content-type: application/nostr+json"* ]]
	[[ "$output" == *'"name":"head-test"'* ]]
	# a type that only contains the name is not it
	run http_raw 'GET / HTTP/1.1' 'Host: x' 'Accept: application/nostr+jsonx' 'Connection: close'
	[[ "$output" == *"content-type: text/plain"* ]]
}

@test "HTTP: a WebSocket upgrade other than version 13 gets 426 naming 13 (RFC 6455 4.2.2)" {
	start_relay
	key='Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ=='
	run http_raw 'GET / HTTP/1.1' 'Host: x' 'Upgrade: websocket' 'Connection: Upgrade' "$key" 'Sec-WebSocket-Version: 99'
	[ "$status" -eq 0 ]
	[[ "${lines[0]}" == "HTTP/1.1 426 "* ]]
	[[ "${output,,}" == *"sec-websocket-version: 13"* ]]
	run http_raw 'GET / HTTP/1.1' 'Host: x' 'Upgrade: websocket' 'Connection: Upgrade' "$key" 'Sec-WebSocket-Version: 8'
	[[ "${lines[0]}" == "HTTP/1.1 426 "* ]]
	# without the header the request is not a valid handshake
	run http_raw 'GET / HTTP/1.1' 'Host: x' 'Upgrade: websocket' 'Connection: Upgrade' "$key"
	[[ "${lines[0]}" == "HTTP/1.1 400 "* ]]
	[[ "${output,,}" == *"sec-websocket-version: 13"* ]]
	# version 13 is upgraded, and the relay's challenge follows
	run http_raw 'GET / HTTP/1.1' 'Host: x' 'Upgrade: websocket' 'Connection: Upgrade' "$key" 'Sec-WebSocket-Version: 13'
	[[ "${lines[0]}" == "HTTP/1.1 101 "* ]]
	[[ "$output" == *'["AUTH","'* ]]
}

# ------------------------------------------------------------- NIP-40

@test "NIP-40: expired events are refused, expiring ones stop being served, then purged" {
	start_relay --db "$TMP/r.db" --purge-interval 1
	now=$(date +%s)
	sign_many "$SK1" >"$TMP/evs" <<-EOT
		{"kind":1,"content":"past","tags":[["expiration","$((now - 1))"]]}
		{"kind":1,"content":"soon","tags":[["expiration","$((now + 5))"]]}
		{"kind":1,"content":"bad","tags":[["expiration","tomorrow"]]}
	EOT
	mapfile -t frames < <(jq -c '["EVENT", .]' "$TMP/evs")
	run relay_session 4 "${frames[@]}" '["REQ","x",{}]'
	[ "$(jq -r '.[3]' <<<"${lines[0]}")" = "invalid: event has expired" ]
	[ "$(jq -c '.[2]' <<<"${lines[1]}")" = true ]
	[ "$(jq -r '.[3]' <<<"${lines[2]}")" = "invalid: expiration tag is not a unix timestamp" ]
	[ "$(jq -r '.[2].content' <<<"${lines[3]}")" = soon ]
	[ "$(sqlite3 "$TMP/r.db" 'SELECT count(*) FROM events')" = 1 ]
	# wait (bounded) until it has expired and been purged
	for i in $(seq 120); do
		[ "$(sqlite3 "$TMP/r.db" 'SELECT count(*) FROM events')" = 0 ] && break
		sleep 0.1
	done
	[ "$(relay_session 1 '["REQ","x",{}]')" = '["EOSE","x"]' ]
	[ "$(sqlite3 "$TMP/r.db" 'SELECT count(*) FROM events')" = 0 ]
	grep -q 'purged 1 expired event' "$RELAY_LOG"
}

@test "NIP-40: an event past its expiration is not served even before the purge" {
	start_relay --purge-interval 3600
	# 5 s of life: two node starts on a loaded machine can take 2 s
	now=$(date +%s)
	ev=$(sign "$SK1" "{\"kind\":1,\"content\":\"brief\",\"tags\":[[\"expiration\",\"$((now + 5))\"]]}")
	run relay_session 2 "[\"EVENT\",$ev]" '["REQ","x",{}]'
	[ "$(jq -r '.[2].content' <<<"${lines[1]}")" = brief ]
	left=$(( now + 6 - $(date +%s) ))
	[ "$left" -le 0 ] || sleep "$left"
	[ "$(relay_session 1 '["REQ","x",{}]')" = '["EOSE","x"]' ]
	[ "$(relay_session 1 '["COUNT","c",{}]')" = '["COUNT","c",{"count":0}]' ]
}

# ------------------------------------------------------------- NIP-42

@test "NIP-42: a challenge on connect; restricted kinds need AUTH as a p-tagged recipient" {
	start_relay --auth-read-kinds 1059,14
	to2=$(sign "$SK1" "{\"kind\":1059,\"content\":\"for 2\",\"tags\":[[\"p\",\"$PK2\"]]}")
	to1=$(sign "$SK2" "{\"kind\":14,\"content\":\"for 1\",\"tags\":[[\"p\",\"$PK1\"]]}")
	note=$(sign "$SK1" '{"kind":1,"content":"public"}')
	run relay_session 3 "[\"EVENT\",$to2]" "[\"EVENT\",$to1]" "[\"EVENT\",$note]"
	[ "$status" -eq 0 ]
	# the challenge comes first
	run bash -c "echo | node '$CLIENT' '$RELAY_URL' --keep-challenge --expect 1"
	[[ "${lines[0]}" =~ ^\[\"AUTH\",\"[0-9a-f]{32}\"\]$ ]]
	# unauthenticated: asking for a restricted kind is auth-required; other filters skip them
	run relay_session 2 '["REQ","dm",{"kinds":[1059]}]' '["REQ","all",{}]'
	[ "${lines[0]}" = '["CLOSED","dm","auth-required: kind 1059 is served only to its authenticated recipients (NIP-42)"]' ]
	[ "$(jq -r '.[2].content' <<<"${lines[1]}")" = public ]
	# authenticated as PK2: the 1059 p-tagged to PK2, not the kind 14 for PK1
	RELAY_CLIENT_OPTS="--auth $SK2" run relay_session 3 '["REQ","dm",{"kinds":[1059,14]}]' '["REQ","all",{"kinds":[1,14,1059]}]'
	[ "$(jq -r '.[2].content' <<<"${lines[0]}")" = "for 2" ]
	[ "${lines[1]}" = '["EOSE","dm"]' ]
	# live delivery follows the same rule
	printf '%s\n' '["REQ","dm",{"kinds":[14,1059]}]' | node "$CLIENT" "$RELAY_URL" --auth "$SK1" --expect 3 >"$TMP/sub" &
	sub=$!
	wait_file "$TMP/sub" '"EOSE","dm"'
	late2=$(sign "$SK1" "{\"kind\":1059,\"content\":\"late for 2\",\"tags\":[[\"p\",\"$PK2\"]]}")
	late1=$(sign "$SK2" "{\"kind\":1059,\"content\":\"late for 1\",\"tags\":[[\"p\",\"$PK1\"]]}")
	relay_session 2 "[\"EVENT\",$late2]" "[\"EVENT\",$late1]" >/dev/null
	wait $sub
	[ "$(jq -r 'select(.[0]=="EVENT") | .[2].content' "$TMP/sub" | tr '\n' ,)" = "for 1,late for 1," ]
}

@test "NIP-42: AUTH events are checked (challenge, relay URL, time, kind, signature)" {
	start_relay --auth-read-kinds 1059
	cat >"$TMP/auth.mjs" <<'JS'
import { createRequire } from 'node:module';
const require = createRequire(process.env.INTEROP_PACKAGE);
const WebSocket = require('ws');
const { finalizeEvent } = require('nostr-tools/pure');
const [url, sk] = process.argv.slice(2);
const key = Uint8Array.from(Buffer.from(sk, 'hex'));
const now = Math.floor(Date.now() / 1000);
const ws = new WebSocket(url);
const cases = [];
let n = 0;
ws.on('message', d => {
  const f = JSON.parse(d);
  if (f[0] === 'AUTH') {
    const c = f[1], other = url.replace(/:(\d+)$/, (m, p) => ':' + (Number(p) + 1));
    const mk = (kind, tags, at = now) => finalizeEvent({ kind, created_at: at, tags, content: '' }, key);
    const good = mk(22242, [['relay', url], ['challenge', c]]);
    const forged = { ...mk(22242, [['relay', url], ['challenge', c]]), content: 'x' };
    for (const e of [mk(22242, [['relay', url], ['challenge', 'nope']]), mk(22242, [['relay', other], ['challenge', c]]),
                     mk(22242, [['relay', url], ['challenge', c]], now - 3600), mk(1, [['relay', url], ['challenge', c]]),
                     forged, mk(22242, [['relay', url.replace('127.0.0.1', 'localhost') + '/'], ['challenge', c]]), good])
      ws.send(JSON.stringify(['AUTH', e]));
    return;
  }
  console.log(JSON.stringify([f[2], f[3]]));
  if (++n === 7) ws.close();
});
JS
	INTEROP_PACKAGE="$BATS_TEST_DIRNAME/interop/package.json" run node "$TMP/auth.mjs" "$RELAY_URL" "$SK1"
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = '[false,"invalid: challenge tag does not match the challenge sent"]' ]
	[ "${lines[1]}" = '[false,"invalid: relay tag does not name this relay"]' ]
	[ "${lines[2]}" = '[false,"invalid: created_at is too far from the current time"]' ]
	[ "${lines[3]}" = '[false,"invalid: not a kind 22242 event"]' ]
	[ "${lines[4]}" = '[false,"invalid: id or signature does not verify"]' ]
	[ "${lines[5]}" = '[true,""]' ]
	[ "${lines[6]}" = '[true,""]' ]
}

@test "tag names are length-counted: a tag named \"p\\u0000x\" is no p tag, live or stored" {
	# Live delivery and stored queries decide the same: such an event is
	# neither delivered to the p-named key nor returned to it, and a #p
	# filter does not see it either (only a one-letter name is a p tag).
	start_relay --auth-read-kinds 1059
	odd=$(sign "$SK2" "{\"kind\":1059,\"content\":\"odd\",\"tags\":[[\"p\\u0000x\",\"$PK1\"]]}")
	pub=$(sign "$SK2" "{\"kind\":1,\"content\":\"odd public\",\"tags\":[[\"p\\u0000x\",\"$PK1\"]]}")
	[ "$(jq -r '.tags[0][0] | explode | length' <<<"$odd")" = 3 ]
	oid=$(jq -r .id <<<"$odd")
	pid=$(jq -r .id <<<"$pub")
	RELAY_CLIENT_OPTS="--auth $SK1" run relay_session 7 \
		'["REQ","live",{"kinds":[1059]}]' '["REQ","tag",{"#p":["'"$PK1"'"]}]' 'await 2' \
		"[\"EVENT\",$odd]" "[\"EVENT\",$pub]" 'await 4' 'sleep 200' \
		'["REQ","stored",{"kinds":[1059]}]' '["REQ","stag",{"#p":["'"$PK1"'"]}]' '["COUNT","n",{"kinds":[1059]}]'
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = '["EOSE","live"]' ]
	[ "${lines[1]}" = '["EOSE","tag"]' ]
	[ "${lines[2]}" = "[\"OK\",\"$oid\",true,\"\"]" ]
	[ "${lines[3]}" = "[\"OK\",\"$pid\",true,\"\"]" ]
	[ "${lines[4]}" = '["EOSE","stored"]' ]
	[ "${lines[5]}" = '["EOSE","stag"]' ]
	[ "${lines[6]}" = '["COUNT","n",{"count":0}]' ]
}

# ------------------------------------------------------- persistence

@test "restart: events acknowledged OK true survive kill -9 and a restart" {
	start_relay --db "$TMP/r.db"
	for i in $(seq 1 200); do echo "{\"kind\":1,\"content\":\"n$i\"}"; done | sign_many "$SK1" |
		jq -c '["EVENT", .]' >"$TMP/frames"
	node "$CLIENT" "$RELAY_URL" --expect 200 <"$TMP/frames" >"$TMP/oks"
	[ "$(jq -c 'select(.[2] == true)' "$TMP/oks" | wc -l)" -eq 200 ]
	stop_relay KILL
	[ "$RELAY_STATUS" -eq 137 ]
	start_relay --db "$TMP/r.db"
	relay_session 201 '["REQ","all",{"kinds":[1]}]' >"$TMP/after" || { cat "$RELAY_LOG" "$TMP/after" | cut -c1-100 | tail -5; false; }
	[ "$(jq -c 'select(.[0]=="EVENT")' "$TMP/after" | wc -l)" -eq 200 ]
	[ "$(relay_session 1 '["COUNT","c",{"kinds":[1]}]')" = '["COUNT","c",{"count":200}]' ]
	stop_relay TERM
	[ "$RELAY_STATUS" -eq 0 ]
	# and after a clean stop too
	start_relay --db "$TMP/r.db"
	[ "$(relay_session 1 '["COUNT","c",{}]')" = '["COUNT","c",{"count":200}]' ]
}

@test "SIGTERM mid-stream: exit 0, and every event acknowledged OK true is there after a restart" {
	start_relay --db "$TMP/r.db"
	for i in $(seq 1 2000); do echo "{\"kind\":1,\"content\":\"n$i\"}"; done | sign_many "$SK1" |
		jq -c '["EVENT", .]' | awk '{ print } NR % 50 == 0 { print "sleep 50" }' >"$TMP/frames"
	# a paced stream (50 events every 50 ms or so): the signal lands mid-stream
	node "$CLIENT" "$RELAY_URL" --expect 2000 <"$TMP/frames" >"$TMP/oks" 2>/dev/null &
	client=$!
	wait_file "$TMP/oks" '^\["OK"'
	stop_relay TERM
	[ "$RELAY_STATUS" -eq 0 ]
	wait "$client" || true
	grep -q 'stopped: ' "$RELAY_LOG"
	jq -r 'select(.[0]=="OK" and .[2]==true) | .[1]' "$TMP/oks" | sort >"$TMP/acked"
	[ -s "$TMP/acked" ]
	[ "$(wc -l <"$TMP/acked")" -lt 2000 ]
	echo "# $(wc -l <"$TMP/acked") of 2000 acknowledged before the relay stopped" >&3
	start_relay --db "$TMP/r.db"
	mostro-relay req -q "$RELAY_URL" --filter '{"kinds":[1]}' | jq -r .id | sort >"$TMP/stored"
	[ "$(comm -23 "$TMP/acked" "$TMP/stored" | wc -l)" -eq 0 ]
}

@test "restart: replaceable state and expiration survive a restart" {
	start_relay --db "$TMP/r.db"
	old=$(sign "$SK1" '{"kind":0,"created_at":1000,"content":"old"}')
	new=$(sign "$SK1" '{"kind":0,"created_at":2000,"content":"new"}')
	relay_session 2 "[\"EVENT\",$new]" "[\"EVENT\",$old]" >/dev/null
	stop_relay
	start_relay --db "$TMP/r.db"
	run relay_session 1 "[\"EVENT\",$old]"
	[ "$(jq -c '.[2]' <<<"${lines[0]}")" = false ]
	[ "$(relay_session 2 '["REQ","m",{"kinds":[0]}]' | jq -r 'select(.[0]=="EVENT") | .[2].content')" = new ]
}

# ------------------------------------------- end to end: the client subcommands

@test "end to end: mostro-relay pub gets serve's refusals (exit 1) and req reads the newest replaceable" {
	start_relay
	now=$(date +%s)
	sign_many "$SK1" >"$TMP/ev" <<-EOT
		{"kind":0,"created_at":1000,"content":"old profile"}
		{"kind":0,"created_at":2000,"content":"new profile"}
		{"kind":1,"content":"stale","tags":[["expiration","$((now - 5))"]]}
	EOT
	run --separate-stderr mostro-relay pub "$RELAY_URL" <"$TMP/ev"
	[ "$status" -eq 1 ]
	[ "$(jq -r 'select(.accepted == false).message' <<<"$output")" = "invalid: event has expired" ]
	[ "$(jq -r 'select(.accepted == true).id' <<<"$output" | wc -l)" -eq 2 ]
	run --separate-stderr mostro-relay req "$RELAY_URL" --filter '{"kinds":[0],"authors":["'"$PK1"'"]}'
	[ "$status" -eq 0 ]
	[ "$(jq -r .content <<<"$output")" = "new profile" ]
}

@test "end to end: req --all pages past serve's --max-limit" {
	start_relay --max-limit 3
	for i in $(seq 1 10); do echo "{\"kind\":1,\"created_at\":$((1000 + i)),\"content\":\"n$i\"}"; done |
		sign_many "$SK1" | mostro-relay pub -q "$RELAY_URL" >/dev/null
	run --separate-stderr mostro-relay req "$RELAY_URL" --filter '{"kinds":[1]}'
	[ "$status" -eq 0 ]
	[ "$(wc -l <<<"$output")" -eq 3 ]                    # clamped, as NIP-11 says
	run --separate-stderr mostro-relay req --all "$RELAY_URL" --filter '{"kinds":[1]}'
	[ "$status" -eq 0 ]
	[ "$(jq -r .content <<<"$output" | sort -V | tr '\n' ' ')" = "n1 n2 n3 n4 n5 n6 n7 n8 n9 n10 " ]
}
