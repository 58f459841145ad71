# Helpers for tests/relay-adversarial.bats (loaded after lib/relay-serve).
# Loopback only; every wait bounded.
#
# attack MODE ARGS...       tests/lib/relay-attack.mjs against $RELAY_URL,
#                           its JSON summary on stdout (RELAY_ATTACK_LIMIT_S
#                           bounds it)
# cpu_ticks PID             user+system clock ticks the process used
# rss_peak_kb PID           its peak resident set (VmHWM)
# during_attack VAR CMD...  runs CMD; sets VAR_cpu (% of one core the relay
#                           used meanwhile; VAR_cpu_f with a decimal), VAR_log_kb
#                           and VAR_log_b (KiB, bytes its stderr grew)
# relay_still_fine OUTPUT CONNS
#                           after an attack: the relay runs, a normal client
#                           gets its EOSE, PRAGMA integrity_check is ok, and
#                           its peak RSS is under the documented bound for
#                           --max-output OUTPUT bytes and CONNS connections
#                           (not checked under ASan, whose shadow memory and
#                           quarantine are not the relay's)
# nip11_doc                 the relay's NIP-11 document
# soak                      true under `make soak` (MOSTRO_SOAK=1)
# figure TEXT               a "# figures: TEXT" line in the TAP output

attack() {
	local mode=$1
	shift
	RELAY_ATTACK_LIMIT_S=${RELAY_ATTACK_LIMIT_S:-300} node "$ATTACK" "$mode" "$RELAY_URL" "$@"
}

cpu_ticks() {
	awk '{print $14 + $15}' "/proc/$1/stat"
}

rss_peak_kb() {
	awk '/^VmHWM:/{print $2}' "/proc/$1/status"
}

during_attack() {
	local var=$1 c0 c1 t0 t1 l0 l1 tck
	shift
	tck=$(getconf CLK_TCK)
	c0=$(cpu_ticks "$RELAY_PID")
	l0=$(stat -c %s "$RELAY_LOG")
	t0=$(date +%s%N)
	"$@"
	c1=$(cpu_ticks "$RELAY_PID")
	l1=$(stat -c %s "$RELAY_LOG")
	t1=$(date +%s%N)
	local tenths=$(( (c1 - c0) * 1000000000000 / tck / (t1 - t0) ))
	printf -v "${var}_cpu" '%s' $((tenths / 10))
	printf -v "${var}_cpu_f" '%s.%s' $((tenths / 10)) $((tenths % 10))
	printf -v "${var}_log_kb" '%s' $(( (l1 - l0) / 1024 ))
	printf -v "${var}_log_b" '%s' $((l1 - l0))
}

# Documented in man mostro-relay (serve, MEMORY): a base of 128 MiB, the
# output budget, and about 100 KiB for each open connection.
rss_bound_kb() {
	echo $(( 131072 + $1 / 1024 + $2 * 100 ))
}

relay_still_fine() {
	local output=$1 conns=$2 got peak bound
	kill -0 "$RELAY_PID" || { echo "the relay is gone" >&2; return 1; }
	got=$(relay_session 1 '["REQ","fine",{"limit":0}]') || { echo "no answer to a normal client" >&2; return 1; }
	[ "$got" = '["EOSE","fine"]' ] || { echo "normal client got: $got" >&2; return 1; }
	got=$(sqlite3 "$TMP/r.db" 'PRAGMA integrity_check')
	[ "$got" = ok ] || { echo "integrity_check: $got" >&2; return 1; }
	peak=$(rss_peak_kb "$RELAY_PID")
	bound=$(rss_bound_kb "$output" "$conns")
	figure "peak RSS $((peak / 1024)) MiB (bound $((bound / 1024)) MiB)"
	[ "${MOSTRO_ASAN:-0}" = 1 ] && return 0
	[ "$peak" -lt "$bound" ] || { echo "peak RSS $peak KiB over the bound $bound KiB" >&2; return 1; }
}

nip11_doc() {
	http_raw 'GET / HTTP/1.1' 'Host: x' 'Accept: application/nostr+json' 'Connection: close' |
		node -e 'const b = require("fs").readFileSync(0); process.stdout.write(b.subarray(b.indexOf("\r\n\r\n") + 4))'
}

soak() {
	[ "${MOSTRO_SOAK:-0}" = 1 ]
}

figure() {
	echo "# figures: ${BATS_TEST_DESCRIPTION%%:*}: $*" >&3
}
