#!/usr/bin/env bash
# shellcheck disable=SC2317,SC2119 # functions run by trap and wait_for; node_start takes no argument here
# tests/chaos-lost-reply.sh — the lost reply tests/chaos.sh found, reduced to
# one request. Exit 1 while the reply is lost, 0 once it arrives.
#
# The engine keeps a DM in its outbox only until its line is written into the
# pipe to mostro-wrap (docs/ENGINE.md §4, lib/order_run.c outbox_gc); wrap and
# pub then hold the line (in the pipe buffers and in memory) until the relay
# acknowledges it. A SIGKILL to wrap or pub in that window loses it for good:
# the outbox row is gone, so the restarted engine has nothing to send again,
# and a repeat of the request is refused as already decided.
#
# Steps: mostrod on its embedded relay; its pub stage stopped (SIGSTOP) so
# the reply waits in the pipe; Alice sends new-order; the engine decides it
# (order created) and writes it out; pub is killed; mostrod is started
# again on the same directory. Before mostrod ran the engine with --ack, the
# outbox was empty by then, the reply to Alice never came, and her repeat of
# the same request (same trade index) got cant-do invalid_trade_index. With
# --ack the row stays until pub's published record says a relay took it, so
# the restarted engine writes it again and the reply arrives.
set -euo pipefail
umask 077

TOP=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${BUILD:-build}
export PATH="$TOP/$BUILD/bin:$TOP/scripts:$PATH"

T=$(mktemp -d "${TMPDIR:-/tmp}/lost-reply.XXXXXXXX")
cleanup() {
	local rc=$?
	[[ -z ${NODE_PID:-} ]] || node_stop TERM >/dev/null 2>&1 || true
	if ((rc == 0)); then rm -rf -- "$T"; else echo "kept: $T (log: $T/node/mostrod.log)"; fi
	exit "$rc"
}
trap cleanup EXIT

# shellcheck source=tests/helpers.bash
source "$TOP/tests/helpers.bash"
# shellcheck source=tests/lib/mostrod.bash
source "$TOP/tests/lib/mostrod.bash"
need jq sqlite3 ss mostrod mostro-order mostro-relay mostro-wrap mostro-unwrap mostro-ln mostro-key

engine_decided() { grep -q "^mostrod: engine: $1: order [0-9a-f-]* created" "$NODE/mostrod.log"; }

node_init
node_set mostro.transport '"nip44"'
node_set mostro.pow 0
node_start
user alice "$MNEMONIC_A" v2

pub=$(stage_pid pub)
kill -STOP "$pub"
echo "1. mostrod's pub stage (pid $pub) stopped: what wrap signs waits in its pipe"

trade_key alice
send alice "$TRADE" new-order --kind sell --fiat-code USD --payment-method XYZ --fiat-amount 3 --amount 5000
ev=$(jq -r .id "$T/u/alice/last.ev")
wait_for 20 engine_decided "$ev"
sleep 1
echo "2. Alice's new-order (event $ev, request $RID) decided: $(grep -o "order [0-9a-f-]* created" "$NODE/mostrod.log" | tail -1); outbox rows: $(sqlite3 -readonly "$NODE/mostro.db" 'SELECT count(*) FROM outbox')"

kill -KILL "$pub"
wait_for 40 node_gone
wait "$NODE_PID" || true
NODE_PID=""
echo "3. pub killed: mostrod stopped; started again on the same directory"
node_start

if expect alice "$TRADE" '.action == "new-order" and .request_id == '"$RID" 15 >/dev/null 2>&1; then
	echo "4. the reply arrived after the restart: not lost"
	exit 0
fi
echo "4. LOST: no reply to Alice's new-order 15 s after the restart (outbox rows: $(sqlite3 -readonly "$NODE/mostro.db" 'SELECT count(*) FROM outbox'))"
send alice "$TRADE" new-order --kind sell --fiat-code USD --payment-method XYZ --fiat-amount 3 --amount 5000
if r=$(expect alice "$TRADE" '.action == "cant-do" and .request_id == '"$RID" 15 2>/dev/null); then
	echo "5. her repeat of the request (same trade index) is refused: $(jq -c .payload <<<"$r")"
fi
exit 1
