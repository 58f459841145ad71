#!/usr/bin/env bats
# mostro-relay serve: the embedded relay's contract — flags and their errors,
# NIP-01 frames and answers, limits, replacement, NIP-11, NIP-40, NIP-42,
# restarts and signals. A scriptable WebSocket client (tests/lib/relay-client.mjs,
# pinned ws + nostr-tools) plays the clients.

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
