#!/usr/bin/env bash
# shellcheck disable=SC2317 # cleanup runs from the EXIT trap
# tests/chaos-lookback-cap.sh — the second loss tests/chaos.sh found (its
# long form), reduced. Exit 1 while the subscription misses gift wraps, 0
# once it gets them all.
#
# After a restart, mostrod's `mostro-relay sub` asks its relays for the last
# two days of kinds 14 and 1059 addressed to Mostro (NIP-59 backdates a gift
# wrap's created_at by up to two days) in one REQ, and takes what comes before
# EOSE. A relay answers a filter with at most its result cap, newest
# created_at first (`mostro-relay serve --max-limit`, 5000 by default;
# strfry's default is 500). Once more wraps than that are stored in the
# window, a wrap published while the subscription was down sits at a random
# place in it and is left out whenever it falls past the cap: the engine
# never sees the request. `req --all` pages past the cap and gets them all.
#
# Steps: a relay with --max-limit 40; `mostro-relay sub` as mostrod runs it
# (same filter shape, --lookback 2d, a --state cursor) runs once and stops;
# 120 gift wraps to one key are published while it is down; it starts again
# on its cursor for 3 s (it asks since = cursor - 2 days), and `mostro-relay
# req --all` reads them for comparison. mostro-relay sub pages that stored
# window with until as req --all does (exit 0).
set -euo pipefail
[[ -z ${CHAOS_TRACE:-} ]] || set -x
umask 077

TOP=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${BUILD:-build}
export PATH="$TOP/$BUILD/bin:$PATH"
N=120 CAP=40

T=$(mktemp -d "${TMPDIR:-/tmp}/lookback-cap.XXXXXXXX")
relay_pid=""
cleanup() {
	local rc=$?
	[[ -z $relay_pid ]] || { kill "$relay_pid" 2>/dev/null; wait "$relay_pid" 2>/dev/null || true; }
	rm -rf -- "$T"
	exit "$rc"
}
trap cleanup EXIT

for t in jq mostro-key mostro-order mostro-wrap mostro-relay; do
	command -v "$t" >/dev/null || { echo "$t is not installed" >&2; exit 5; }
done

# the recipient (Mostro's key) and a sender
for k in mostro user; do
	(umask 077 && head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n' >"$T/$k")
done
M=$(mostro-key pub --key-file "$T/mostro" | jq -r .pubkey)

mostro-relay serve --listen 127.0.0.1:0 --max-limit "$CAP" --auth-read-kinds 1059,14 >"$T/serve.out" 2>&1 &
relay_pid=$!
for _ in $(seq 100); do
	URL=$(grep -o 'ws://127.0.0.1:[0-9]*' "$T/serve.out" | head -1) && [[ -n $URL ]] && break
	sleep 0.05
done
[[ -n ${URL:-} ]] || { echo "the relay did not start" >&2; cat "$T/serve.out" >&2; exit 3; }

# the subscription's first run: nothing stored yet, its cursor saved at exit
filter=$(jq -nc --arg m "$M" '{kinds: [14, 1059], "#p": [$m]}')
# (sub runs until --wait-timeout and then exits 124)
sub() { { mostro-relay sub -q --auth-key-file "$T/mostro" --state "$T/cursor" --lookback 2d --wait-timeout "$1" --filter "$filter" "$URL" || true; } | wc -l; }
[[ $(sub 1) == 0 && -s $T/cursor ]] || { echo "the first run of the subscription saved no cursor" >&2; exit 3; }

# N gift wraps to Mostro (each backdated at random by mostro-wrap, as NIP-59 says)
for i in $(seq "$N"); do
	mostro-order msg fiat-sent --id 308e1272-d5f4-47e6-bd97-3504baea9c23 --request-id "$i" --to "$M" --transport v1
done | mostro-wrap --key-file "$T/user" >"$T/wraps"
mostro-relay pub -q "$URL" <"$T/wraps" | jq -r 'select(.accepted | not)' | grep -q . && { echo "the relay refused a wrap" >&2; exit 3; }

# the restart
got_sub=$(sub 3)
got_all=$(mostro-relay req -q --all --wait-timeout 20 --auth-key-file "$T/mostro" --filter "$filter" "$URL" | wc -l)
echo "relay cap $CAP, $N gift wraps to Mostro stored: mostrod's subscription gets $got_sub, req --all gets $got_all"
((got_sub == N))
