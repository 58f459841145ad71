# Helpers for tests/relay-serve.bats (loaded with `load lib/relay-serve`).
# start_relay [args...]   starts `mostro-relay serve --listen 127.0.0.1:0`,
#                         waits (bounded) for its "listening on" line, sets
#                         RELAY_URL, RELAY_PORT, RELAY_PID, RELAY_LOG
#                         ($RELAY_NOFILE set: under `ulimit -n` of that)
# stop_relay [SIGNAL]     stops it (default TERM), waits, sets RELAY_STATUS
# relay_session N FRAME.. sends the frames on one connection, prints the
#                         first N frames received (challenge excluded)
# sign SK TEMPLATE        prints the signed event (sign_many SK: stdin lines)
# http_raw LINE...        sends the lines as one HTTP request (CRLF, blank
#                         line added) on a raw connection, prints the answer
# body_bytes < ANSWER     bytes after the first blank line of an HTTP answer

CLIENT="$BATS_TEST_DIRNAME/lib/relay-client.mjs"
ATTACK="$BATS_TEST_DIRNAME/lib/relay-attack.mjs"

relay_serve_setup_file() {
	local top="$BATS_TEST_DIRNAME/.."
	if [ ! -d "$top/tests/interop/node_modules/ws" ] || [ ! -d "$top/tests/interop/node_modules/nostr-tools" ]; then
		(cd "$top/tests/interop" && npm ci --no-audit --no-fund --loglevel=error >&2)
	fi
}

start_relay() {
	RELAY_STARTS=$((${RELAY_STARTS:-0} + 1))
	RELAY_LOG="$TMP/relay.$RELAY_STARTS.log"     # a fresh file: never read an old URL
	RELAY_URL=
	if [ -n "${RELAY_NOFILE:-}" ]; then
		(ulimit -n "$RELAY_NOFILE" && exec mostro-relay serve --listen 127.0.0.1:0 "$@") 2>"$RELAY_LOG" &
	else
		mostro-relay serve --listen 127.0.0.1:0 "$@" 2>"$RELAY_LOG" &
	fi
	RELAY_PID=$!
	local i
	for i in $(seq 1 100); do
		RELAY_URL=$(grep -o 'listening on ws://[^ ]*' "$RELAY_LOG" 2>/dev/null | head -1 | cut -d' ' -f3)
		[ -n "$RELAY_URL" ] && break
		kill -0 "$RELAY_PID" 2>/dev/null || break
		sleep 0.05
	done
	[ -n "$RELAY_URL" ] || { cat "$RELAY_LOG" >&2; return 1; }
	RELAY_PORT=${RELAY_URL##*:}
}

stop_relay() {
	[ -n "${RELAY_PID:-}" ] || return 0
	kill -"${1:-TERM}" "$RELAY_PID" 2>/dev/null
	RELAY_STATUS=0
	wait "$RELAY_PID" || RELAY_STATUS=$?
	RELAY_PID=
}

relay_session() {
	local n=$1
	shift
	printf '%s\n' "$@" | node "$CLIENT" "${RELAY_CLIENT_URL:-$RELAY_URL}" --expect "$n" --timeout 20000 ${RELAY_CLIENT_OPTS:-}
}

http_raw() {
	{ printf '%s\r\n' "$@"; printf '\r\n'; } | node "$ATTACK" raw "$RELAY_URL" --wait 1500
}

body_bytes() {
	node -e 'const b = require("fs").readFileSync(0), i = b.indexOf("\r\n\r\n");
		console.log(i < 0 ? -1 : b.length - i - 4)'
}

sign() {
	node "$CLIENT" --sign "$1" <<<"$2"
}

# sign_many SK < templates: one signed event per template line
sign_many() {
	node "$CLIENT" --sign "$1"
}

# wait_file FILE REGEX: waits (at most 10 s) until a line of FILE matches
wait_file() {
	local i
	for i in $(seq 200); do
		grep -qE "$2" "$1" 2>/dev/null && return 0
		sleep 0.05
	done
	echo "wait_file: $2 never appeared in $1" >&2
	return 1
}
