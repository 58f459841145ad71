# ln_helpers.bash — shared by the mostro-ln bats suites.
#
# The behaviour suite (tests/ln-run.bats) is written once against these
# backend-neutral helpers and run for every backend:
#   ln_use BACKEND          select sim or lnd for the current test
#   ln_start [ARGS...]      start `mostro-ln run` (stdin from a FIFO)
#   ln_send JSON            write one request line
#   ln_result ID            wait for (and print) the ln_result of ID
#   ln_events ID N          wait for N events of ID, print them (one per line)
#   ln_stop                 close stdin, wait for exit; sets LN_RC
#   node_pay_hold HASH      the payer's HTLC reaches the hold invoice
#   node_mine N             advance the chain N blocks
#   node_invoice SAT [EXPIRY [TIMESTAMP]]   a payee invoice; prints {payment_request,hash,preimage}
#   node_script HASH|default OUTCOME [TIMES [DELAY_MS]]   how payments to HASH behave
# The lnd backend talks to tests/lnd-double/server.mjs over HTTPS with a
# certificate made by openssl at test time.

LN_TIMEOUT=${LN_TIMEOUT:-10}

load helpers    # wait_for, need

# ---------- the LND double ----------

lnd_double_start() {            # in setup_file
	local d="$BATS_FILE_TMPDIR/lnd"
	mkdir -p "$d"
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes \
		-keyout "$d/key.pem" -out "$d/cert.pem" -days 2 -subj /CN=localhost \
		-addext "subjectAltName=DNS:localhost,IP:127.0.0.1" 2>/dev/null
	# a certificate for another name: hostname verification must refuse it
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes \
		-keyout "$d/other-key.pem" -out "$d/other-cert.pem" -days 2 -subj /CN=other.example \
		-addext "subjectAltName=DNS:other.example" 2>/dev/null
	head -c 96 /dev/urandom >"$d/admin.macaroon"
	head -c 96 /dev/urandom >"$d/wrong.macaroon"
	local hex
	hex=$(od -An -v -tx1 "$d/admin.macaroon" | tr -d ' \n')
	node "$MOSTRO_TOP/tests/lnd-double/server.mjs" --cert "$d/cert.pem" --key "$d/key.pem" \
		--macaroon-hex "$hex" >"$d/ports" 2>"$d/server.log" 3>&- &
	echo $! >"$d/pid"
	wait_for 10 test -s "$d/ports" || { cat "$d/server.log" >&2; return 1; }
}

lnd_double_stop() {             # in teardown_file
	local d="$BATS_FILE_TMPDIR/lnd"
	[ -f "$d/pid" ] && kill "$(cat "$d/pid")" 2>/dev/null
	true
}

lnd_dir() { echo "$BATS_FILE_TMPDIR/lnd"; }
lnd_port() { jq -r .https "$(lnd_dir)/ports"; }
lnd_url() { echo "https://127.0.0.1:$(lnd_port)"; }

# ctl METHOD PATH [JSON]: the double's control API
ctl() {
	local port
	port=$(jq -r .control "$(lnd_dir)/ports")
	need curl || return
	curl -sS --max-time 20 -X "$1" -H 'Content-Type: application/json' --data "${3:-}" "http://127.0.0.1:$port$2"
}

# ---------- mostro-ln run as a coprocess ----------

ln_use() {
	LN_BACKEND=$1
	LN_DIR="$BATS_TEST_TMPDIR/ln"
	mkdir -p "$LN_DIR"
	LN_OUT="$LN_DIR/out"
	LN_ERR="$LN_DIR/err"
	export MOSTRO_LN_SIM_DB="$LN_DIR/sim.db"
}

ln_backend_args() {
	case $LN_BACKEND in
	lnd) echo "--backend lnd --lnd-url $(lnd_url) --lnd-cert $(lnd_dir)/cert.pem --lnd-macaroon $(lnd_dir)/admin.macaroon" ;;
	sim) echo "--backend sim --sim-db $MOSTRO_LN_SIM_DB" ;;
	esac
}

ln_start() {
	rm -f "$LN_DIR/in"
	mkfifo "$LN_DIR/in"
	: >"$LN_OUT"
	# shellcheck disable=SC2046
	mostro-ln run $(ln_backend_args) "$@" <"$LN_DIR/in" >"$LN_OUT" 2>"$LN_ERR" 3>&- &
	LN_PID=$!
	exec 7>"$LN_DIR/in"
}

ln_send() { printf '%s\n' "$1" >&7; }

ln_stop() {
	exec 7>&-
	LN_RC=0
	wait "$LN_PID" || LN_RC=$?
	LN_PID=
}

ln_kill() { [ -n "${LN_PID:-}" ] && kill "$LN_PID" 2>/dev/null; exec 7>&- 2>/dev/null; true; }

# ln_wait JQ_CONDITION: waits for a line of stdout matching it, prints the first.
ln_wait() {
	local cond=$1 end=$((SECONDS + LN_TIMEOUT)) m
	while :; do
		m=$(jq -c "select($cond)" "$LN_OUT" 2>/dev/null | head -1)
		if [ -n "$m" ]; then
			printf '%s\n' "$m"
			return 0
		fi
		if [ "$SECONDS" -ge "$end" ]; then
			echo "timed out waiting for: $cond" >&2
			echo "--- stdout:" >&2; cat "$LN_OUT" >&2
			echo "--- stderr:" >&2; cat "$LN_ERR" >&2
			return 1
		fi
		sleep 0.02
	done
}

ln_result() { ln_wait ".type==\"ln_result\" and .id==\"$1\""; }

ln_events() {
	local id=$1 n=$2 end=$((SECONDS + LN_TIMEOUT))
	while :; do
		if [ "$(jq -c "select(.type==\"ln_event\" and .id==\"$id\")" "$LN_OUT" | wc -l)" -ge "$n" ]; then
			jq -c "select(.type==\"ln_event\" and .id==\"$id\") | .event" "$LN_OUT"
			return 0
		fi
		if [ "$SECONDS" -ge "$end" ]; then
			echo "timed out waiting for $n events of $id" >&2
			cat "$LN_OUT" "$LN_ERR" >&2
			return 1
		fi
		sleep 0.02
	done
}

# no ln_result for ID has appeared (yet)
ln_no_result() { ! jq -e "select(.type==\"ln_result\" and .id==\"$1\")" "$LN_OUT" >/dev/null; }

# jq assertion on a JSON text: jqt 'JSON' 'FILTER'. An empty text fails: jq
# 1.6 -e exits 0 on empty input, and "$(ln_result X)" is empty when X never
# came (the substitution's status is lost), so the assertion must not pass then.
jqt() {
	if [ -z "$1" ]; then
		echo "assertion on empty input (nothing came): $2" >&2
		return 1
	fi
	if ! printf '%s' "$1" | jq -e "$2" >/dev/null; then
		echo "assertion failed: $2" >&2
		echo "on: $1" >&2
		return 1
	fi
}

rand_hex32() { od -An -N32 -v -tx1 /dev/urandom | tr -d ' \n'; }
sha256_hex() {
	need xxd || return
	printf '%s' "$1" | xxd -r -p | sha256sum | cut -d' ' -f1
}

# ---------- the node behind the backend ----------

node_pay_hold() {
	case $LN_BACKEND in
	lnd) ctl POST /pay_hold "{\"hash\":\"$1\"}" >/dev/null ;;
	sim) mostro-ln sim --sim-db "$MOSTRO_LN_SIM_DB" pay-hold "$1" >/dev/null ;;
	esac
}

node_mine() {
	case $LN_BACKEND in
	lnd) ctl POST /mine "{\"blocks\":$1}" >/dev/null ;;
	sim) mostro-ln sim --sim-db "$MOSTRO_LN_SIM_DB" mine "$1" >/dev/null ;;
	esac
}

node_height() {
	case $LN_BACKEND in
	lnd) ctl GET /state | jq -r .height ;;
	sim) mostro-ln sim --sim-db "$MOSTRO_LN_SIM_DB" state | jq -r .height ;;
	esac
}

# node_invoice SAT|any [EXPIRY [TIMESTAMP]]
node_invoice() {
	local amt=$1 exp=${2:-86400} ts=${3:-}
	case $LN_BACKEND in
	lnd)
		local j="{\"expiry\":$exp"
		[ "$amt" != any ] && j="$j,\"amount_msat\":$((amt * 1000))"
		[ -n "$ts" ] && j="$j,\"timestamp\":$ts"
		ctl POST /invoice "$j}" ;;
	sim)
		local a=()
		[ "$amt" != any ] && a+=(--amount "$amt")
		[ -n "$ts" ] && a+=(--timestamp "$ts")
		mostro-ln sim --sim-db "$MOSTRO_LN_SIM_DB" invoice "${a[@]}" --expiry "$exp" ;;
	esac
}

# node_script MATCH OUTCOME [TIMES [DELAY_MS]]
node_script() {
	case $LN_BACKEND in
	lnd)
		local j="{\"match\":\"$1\",\"outcome\":\"$2\""
		[ -n "${3:-}" ] && j="$j,\"times\":$3"
		[ -n "${4:-}" ] && j="$j,\"delay_ms\":$4"
		ctl POST /script "$j}" >/dev/null ;;
	sim)
		local a=(--match "$1" --outcome "$2")
		[ -n "${3:-}" ] && a+=(--times "$3")
		[ -n "${4:-}" ] && a+=(--delay "$4")
		mostro-ln sim --sim-db "$MOSTRO_LN_SIM_DB" script "${a[@]}" >/dev/null ;;
	esac
}

node_resolve() {
	case $LN_BACKEND in
	lnd) ctl POST /resolve "{\"hash\":\"$1\",\"outcome\":\"$2\"}" >/dev/null ;;
	sim) mostro-ln sim --sim-db "$MOSTRO_LN_SIM_DB" resolve "$1" --outcome "$2" >/dev/null ;;
	esac
}
