#!/usr/bin/env bats
# The recipes of man/mostroutils.7, run as the page prints them (taken from
# its source: tests/lib/demo-recipes.bash), against the exchange that
# `scripts/demo --no-story` leaves running (relay, mostrod on the simulated
# Lightning node, the sessions of Alice, Bob and Carol) or, where that
# exchange cannot show what a recipe does, against fixtures on loopback: a
# relay with events signed here (the dev-fee audit, the info check), a
# yadio-shaped JSON served over HTTP (the price feed), a mostrod 0.18.5
# settings directory and database with the LND REST test double (moving from
# mostrod). Each recipe has its test, and a recipe added to the page without
# one fails the first test. Nothing here reaches the network.

bats_require_minimum_version 1.5.0

load helpers
load lib/demo-recipes

# the recipes this file runs, in page order: a new recipe needs a test here
RUN=(session bot crontab mostro-dev-fee-audit mostro-info-check mostro-price-feed forge engine migrate start)

setup_file() {
	export MOSTRO_TOP=${MOSTRO_TOP:-$(cd "$BATS_TEST_DIRNAME/.." && pwd)}
	export PATH=$MOSTRO_TOP/scripts:$PATH
	need jq node openssl sqlite3 curl mostrod mostro mostro-relay mostro-order mostro-store mostro-ln mostro-key
	local x=$BATS_FILE_TMPDIR/ex rc=0
	DEMO_WAIT=40 timeout -k 10 180 "$MOSTRO_TOP/scripts/demo" --no-story --json --dir "$x" \
		>"$BATS_FILE_TMPDIR/demo.jsonl" 2>"$BATS_FILE_TMPDIR/demo.err" || rc=$?
	echo "$rc" >"$BATS_FILE_TMPDIR/demo.rc"
}

teardown_file() {
	"$MOSTRO_TOP/scripts/demo" stop --dir "$BATS_FILE_TMPDIR/ex" >/dev/null 2>&1 || true
}

setup() {
	T=$BATS_TEST_TMPDIR
	X=$BATS_FILE_TMPDIR/ex
	local rc
	rc=$(cat "$BATS_FILE_TMPDIR/demo.rc")
	if [[ $rc != 0 ]]; then
		echo "scripts/demo --no-story exited $rc:" >&2
		cat "$BATS_FILE_TMPDIR/demo.err" >&2
		tail -n 20 "$X/mostrod.log" >&2 || true
		return 1
	fi
	START=$(jq -c 'select(.type == "start")' "$BATS_FILE_TMPDIR/demo.jsonl")
	export MOSTRO_PUBKEY RELAYS
	MOSTRO_PUBKEY=$(jq -r .npub <<<"$START")
	RELAYS=$(jq -r .relay <<<"$START")
	MOSTRO_HEX=$(jq -r .mostro <<<"$START")
	# the operator's and the bot's home, shared by the tests of this file:
	# ~/.mostro is the exchange's mostrod directory
	export HOME=$BATS_FILE_TMPDIR/home
	if [[ ! -d $HOME ]]; then
		mkdir -m 700 "$HOME"
		ln -s "$X/node" "$HOME/.mostro"
	fi
	unset MOSTRO_SESSION XDG_DATA_HOME MOSTROD_DIR
	# a bound on a hang (a loaded machine may be slower than the client's default 15 s)
	export MOSTRO_TIMEOUT=30
}

# what a test started that a failing assertion would leave running
teardown() {
	[[ -z ${BOT_PID:-} ]] || { kill -TERM -- "-$BOT_PID" 2>/dev/null; wait "$BOT_PID" 2>/dev/null; }
	[[ -z ${OP_DIR:-} ]] || mostrod stop -d "$OP_DIR" -t 30 >/dev/null 2>&1 || true
	stop_fixtures
}

# as NAME ARG...: NAME of the demo runs mostro in their session
as() { local n=$1; shift; mostro --session "$X/$n" "$@" 2>>"$T/$n.log"; }

# session: the session recipe's session, made once
session() { [[ -d $HOME/.local/share/mostro ]] || (cd "$HOME" && bash -c "$(recipe session)") >/dev/null 2>&1; }

@test "every recipe of man/mostroutils.7 is run by a test here, and the page shows each as its source has it" {
	local -a page=()
	mapfile -t page < <(recipes | cut -d' ' -f2)
	echo "# ${#page[@]} recipes in man/mostroutils.7, each run by a test of tests/recipes.bats" >&3
	[ "${#page[@]}" -ge 10 ]
	[ "${page[*]}" = "${RUN[*]}" ] || { echo "page: ${page[*]}; tests: ${RUN[*]}" >&2; return 1; }
	# every .EX block of RECIPES is a recipe, but the one showing the environment
	[ "$(sed -n '/^\.SH RECIPES/,/^\.SH /p' "$MAN7" | grep -c '^\.EX$')" -eq $((${#page[@]} + 1)) ]
	# what man prints is what runs: every line of every recipe is on the rendered page
	local name line rendered
	rendered=$(MANWIDTH=250 LANG=C.UTF-8 man -l "$MAN7" 2>/dev/null | sed 's/^ *//')
	for name in "${page[@]}"; do
		[ -n "$(recipe "$name")" ]
		while IFS= read -r line; do
			line=${line#"${line%%[![:space:]]*}"}
			[[ -z $line ]] && continue
			grep -qxF -- "$line" <<<"$rendered" || { echo "$name: not on the rendered page: $line" >&2; return 1; }
		done < <(recipe "$name")
	done
	# shell recipes and scripts are valid bash
	for name in session bot forge engine migrate start mostro-dev-fee-audit mostro-info-check mostro-price-feed; do
		bash -n <(recipe "$name") || { echo "$name: bash -n failed" >&2; return 1; }
	done
}

@test "session: mostro init makes the session (directory 0700, mnemonic 0600)" {
	run bash -c "cd '$HOME' && $(recipe session)"
	[ "$status" -eq 0 ]
	[ "$(stat -c %a "$HOME/.local/share/mostro")" = 700 ]
	[ "$(stat -c %a "$HOME/.local/share/mostro/mnemonic")" = 600 ]
}

@test "bot: takes the sell orders priced under MAX, in the book and as they appear, with an invoice; leaves the dearer one" {
	session
	local dear cheap new o
	# 5000 sats for 4 USD = 80000 USD/BTC: above MAX (70000); for 3 USD, 60000: under it
	dear=$(as bob sell --fiat-code USD --fiat-amount 4 --amount 5000 --payment-method XYZ | jq -r .order_id)
	cheap=$(as bob sell --fiat-code USD --fiat-amount 3 --amount 5000 --payment-method XYZ | jq -r .order_id)
	[[ $dear =~ ^[0-9a-f-]{36}$ && $cheap =~ ^[0-9a-f-]{36}$ ]]
	(cd "$HOME" && exec setsid bash -c "$(recipe bot)" </dev/null >"$T/bot.out" 2>"$T/bot.err") &
	BOT_PID=$!
	taken() { [[ -f $HOME/taken.jsonl ]] && jq -s -e --arg o "$1" 'any(.[]; .order_id == $o)' "$HOME/taken.jsonl" >/dev/null; }
	# the bounds catch a hang: a take is one request and its reply
	wait_for 30 taken "$cheap" || { cat "$T/bot.err" >&2; return 1; }
	# 10000 sats for 5 USD (50000 USD/BTC), published while the bot follows the book
	new=$(as bob sell --fiat-code USD --fiat-amount 5 --amount 10000 --payment-method XYZ | jq -r .order_id)
	[[ $new =~ ^[0-9a-f-]{36}$ ]]
	wait_for 30 taken "$new" || { cat "$T/bot.err" >&2; return 1; }
	kill -TERM -- "-$BOT_PID"
	wait "$BOT_PID" || true
	BOT_PID=
	# both takes acknowledged with the bot's invoice: the seller is asked to pay; nothing else taken
	jq -s -e --arg c "$cheap" --arg n "$new" 'length == 2 and (map(.order_id) | sort) == ([$c, $n] | sort)
		and all(.[]; .action == "waiting-seller-to-pay")' "$HOME/taken.jsonl" >/dev/null ||
		{ echo "cheap $cheap new $new dear $dear" >&2; jq -c '{action, order_id, reason}' "$HOME/taken.jsonl" >&2; cat "$T/bot.err" >&2; return 1; }
	[ ! -s "$T/bot.err" ] || { cat "$T/bot.err" >&2; return 1; }
	mostro orders --mine | jq -s -e --arg c "$cheap" --arg n "$new" \
		'([.[] | select(.status == "waiting-payment" and .waiting_for == "seller") | .id] | sort) == ([$c, $n] | sort)' >/dev/null
	# the node holds the bot's invoices (amountless: it pays amount - fee)
	for o in "$cheap" "$new"; do
		mostro-store -d "$X/node" get "$o" | jq -e '.status == "waiting-payment" and (.buyer_invoice | startswith("lnbcrt1p"))' >/dev/null
	done
	# the dear order is still there for someone else (the book shows the two
	# taken ones as pending too, as the page says: mostrod does not republish
	# a sell order taken with an invoice)
	mostro orders | jq -s -e --arg d "$dear" 'any(.[]; .id == $d and .status == "pending")' >/dev/null
	mostro-store -d "$X/node" get "$dear" | jq -e '.status == "pending"' >/dev/null
}

@test "crontab: each line is five time fields and a command; the book snapshot and the online backup run as cron runs them" {
	session
	local n=0 line
	while IFS= read -r line; do
		[[ -z $line || $line == \#* || $line =~ ^[A-Za-z_]+= ]] && continue
		[[ $line =~ ^[0-9*/,-]+\ [0-9*/,-]+\ [0-9*/,-]+\ [0-9*/,-]+\ [0-9*/,-]+\ .+ ]] || { echo "not a cron line: $line" >&2; return 1; }
		# a bare % would be a newline to cron
		! grep -qE '(^|[^\\])%' <<<"$line" || { echo "unescaped %: $line" >&2; return 1; }
		n=$((n + 1))
	done < <(recipe crontab)
	[ "$n" -eq 5 ]
	cron_env | grep -q '^PATH=' && cron_env | grep -q '^MOSTRO_PUBKEY=' && cron_env | grep -q '^RELAYS='
	# the book: at least the demo's orders above, as the node has them
	run run_cron "$(cron_job 'mostro orders')"
	[ "$status" -eq 0 ] || { echo "$output" >&2; return 1; }
	local f
	f=$(ls "$HOME"/book/*.jsonl)
	[[ $(basename "$f") =~ ^[0-9]{8}T[0-9]{4}\.jsonl$ ]]
	jq -s -e --arg m "$MOSTRO_HEX" 'length >= 1 and all(.[]; .type == "order" and .kind != null)' "$f" >/dev/null
	# the backup, while the engine runs: a database with every order the live one has
	run run_cron "$(cron_job 'backup')"
	[ "$status" -eq 0 ] || { echo "$output" >&2; return 1; }
	f=$HOME/backup/mostro-$(date +%F).db
	[ -f "$f" ]
	[ "$(stat -c %a "$f")" = 600 ]
	[ "$(mostro-store --db "$f" orders | jq -r .id | sort)" = "$(mostro-store -d "$X/node" orders | jq -r .id | sort)" ]
	[ "$(mostro-store --db "$f" orders | wc -l)" -ge 2 ]
}

@test "mostro-dev-fee-audit: the node's 8383 events summed per day; others' and other kinds ignored (fixture relay)" {
	recipe_install mostro-dev-fee-audit
	fixture_relay audit
	local k other node now t1 t2 t3
	node=$(new_key "$T/node.key")
	other=$(new_key "$T/other.key")
	now=$(date +%s)
	t1=$((now - 3600)) t2=$((now - 7200)) t3=$((now - 30 * 3600))
	# dev_fee_event ORDER SATS T: the audit event of DAEMON.md §3.7 (kind 8383)
	ev() {
		jq -nc --arg o "$1" --arg a "$2" --argjson t "$3" '{kind: 8383, content: "", created_at: $t,
			tags: [["order-id", $o], ["amount", $a], ["hash", ("ab" * 32)],
			       ["destination", "pivotaldeborah52@walletofsatoshi.com"], ["network", "regtest"],
			       ["y", "mostro"], ["z", "dev-fee-payment"], ["expiration", ($t + 365 * 86400 | tostring)]]}'
	}
	{ ev 11111111-1111-4111-8111-111111111111 9 "$t1"
	  ev 22222222-2222-4222-8222-222222222222 12 "$t2"
	  ev 33333333-3333-4333-8333-333333333333 30 "$t3"
	  jq -nc --argjson t "$t1" '{kind: 38383, content: "", created_at: $t, tags: [["d", "x"], ["amount", "500"]]}'
	} | sign_pub "${RELAY_URL[audit]}" "$T/node.key"
	ev 44444444-4444-4444-8444-444444444444 1000 "$t1" | sign_pub "${RELAY_URL[audit]}" "$T/other.key"
	# what the events say, per UTC day, computed here
	want() {
		local since=$1 row
		for row in "9 $t1 11111111-1111-4111-8111-111111111111" "12 $t2 22222222-2222-4222-8222-222222222222" \
			"30 $t3 33333333-3333-4333-8333-333333333333"; do
			set -- $row
			(($2 >= since)) && printf '%s %s %s\n' "$(date -u -d "@$2" +%F)" "$1" "$3"
		done | sort -k1,1 -s | awk '{ if ($1 != d && d != "") { print d, n, s }; if ($1 != d) { n = 0; s = 0 }; d = $1; n++; s += $2 }
			END { if (d != "") print d, n, s }'
	}
	# the cron line as cron runs it (yesterday: one day back), with the node's npub
	local npub
	npub=$(mostro-key encode npub "$node" | jq -r .bech32)
	MOSTRO_PUBKEY=$npub RELAYS=${RELAY_URL[audit]} run run_cron "$(cron_job 'mostro-dev-fee-audit')"
	[ "$status" -eq 0 ] || { echo "$output" >&2; return 1; }
	[ "$(jq -r '"\(.day) \(.payments) \(.sats)"' "$HOME/dev-fee.jsonl")" = "$(want $((now - 86400)))" ]
	jq -s -e 'map(.orders[]) | sort == ["11111111-1111-4111-8111-111111111111", "22222222-2222-4222-8222-222222222222"]' \
		"$HOME/dev-fee.jsonl" >/dev/null
	# two days back, and the node given in hex
	MOSTRO_PUBKEY=$node RELAYS=${RELAY_URL[audit]} run "$HOME/bin/mostro-dev-fee-audit" 2
	[ "$status" -eq 0 ]
	[ "$(jq -r '"\(.day) \(.payments) \(.sats)"' <<<"$output")" = "$(want $((now - 2 * 86400)))" ]
	[ "$(jq -s 'map(.sats) | add' <<<"$output")" -eq 51 ]
}

@test "mostro-info-check: silent for a fresh 38385, exit 1 naming the problem when it is old or missing, 3 when no relay answers" {
	recipe_install mostro-info-check
	fixture_relay info
	local fresh old none now
	fresh=$(new_key "$T/fresh.key")
	old=$(new_key "$T/old.key")
	none=$(new_key "$T/none.key")
	now=$(date +%s)
	info() { jq -nc --arg d "$1" --argjson t "$2" '{kind: 38385, content: "", created_at: $t,
		tags: [["d", $d], ["mostro_version", "0.18.5"], ["fee", "0.006"], ["pow", "0"], ["protocol_version", "2"], ["z", "info"]]}'; }
	info "$fresh" $((now - 60)) | sign_pub "${RELAY_URL[info]}" "$T/fresh.key"
	info "$old" $((now - 3600)) | sign_pub "${RELAY_URL[info]}" "$T/old.key"
	# a 38385 that names another node in d is not this node's
	info "$fresh" $((now - 10)) | sign_pub "${RELAY_URL[info]}" "$T/none.key"
	export RELAYS=${RELAY_URL[info]}
	MOSTRO_PUBKEY=$(mostro-key encode npub "$fresh" | jq -r .bech32) run run_cron "$(cron_job 'mostro-info-check')"
	[ "$status" -eq 0 ] && [ -z "$output" ]
	MOSTRO_PUBKEY=$old run run_cron "$(cron_job 'mostro-info-check')"
	[ "$status" -eq 1 ]
	[[ $output == *"info event of $old is "*" s old"* ]]
	MOSTRO_PUBKEY=$old run "$HOME/bin/mostro-info-check" 7200
	[ "$status" -eq 0 ]
	MOSTRO_PUBKEY=$none run run_cron "$(cron_job 'mostro-info-check')"
	[ "$status" -eq 1 ]
	[[ $output == *"no info event of $none"* ]]
	MOSTRO_PUBKEY=$fresh RELAYS=ws://127.0.0.1:1 run "$HOME/bin/mostro-info-check"
	[ "$status" -eq 3 ]
	[[ $output == *"relays unreachable"* ]]
}

@test "mostro-price-feed: yadio-shaped rates reach the running mostrod; a market-priced order is priced with them at the take" {
	recipe_install mostro-price-feed
	http_fixture "$MOSTRO_TOP/tests/fixtures/recipes/yadio"
	run run_cron "$(cron_job 'mostro-price-feed')" "PRICE_API=$HTTP_URL"
	[ "$status" -eq 0 ] || { echo "$output" >&2; return 1; }
	grep -q 'GET /exrates/BTC' "$T/http.log"
	# Bob sells 3 USD of sats at the market price; Alice takes it: the sats
	# are 3 / the fixture's USD rate (DAEMON.md §2.2), less her half of the fee
	local rate sats fee order r
	rate=$(jq .BTC.USD "$MOSTRO_TOP/tests/fixtures/recipes/yadio/exrates/BTC")
	sats=$(jq -n --argjson r "$rate" '3 / $r * 100000000 | floor')
	fee=$(jq -n --argjson s "$sats" '0.006 * $s / 2 | round')
	r=$(as bob sell --fiat-code USD --fiat-amount 3 --payment-method XYZ)
	order=$(jq -r .order_id <<<"$r")
	[ "$(jq -r .payload.order.amount <<<"$r")" = 0 ]
	r=$(as alice take "$order")
	[ "$(jq -r .action <<<"$r")" = add-invoice ]
	[ "$(jq -r .payload.order.amount <<<"$r")" -eq $((sats - fee)) ]
	# the feed fails loudly when the source does (curl -f, pipefail)
	run run_cron "$(cron_job 'mostro-price-feed')" "PRICE_API=$HTTP_URL/nothing-here"
	[ "$status" -ne 0 ]
}

@test "forge: a new-order with a negative amount, which mostro-order msg refuses, sent anyway: the node answers cant-do invalid_amount" {
	run mostro-order msg new-order --kind sell --fiat-code USD --fiat-amount 3 --amount -5000 --payment-method XYZ --trade-index 1
	[ "$status" -eq 4 ]
	cd "$T"
	run bash -c "$(recipe forge)"
	[ "$status" -eq 0 ] || { echo "$output" >&2; return 1; }
	[ "$(tail -n 1 <<<"$output")" = '{"action":"cant-do","payload":{"cant_do":"invalid_amount"}}' ] ||
		{ echo "forge printed: $output" >&2; tail -n 20 "$X/mostrod.log" >&2; return 1; }
	[ "$(stat -c %a "$T/tester.mnemonic")" = 600 ]
	[ "$(stat -c %a "$T/tester.1.key")" = 600 ]
}

@test "engine: records straight into mostro-order run: the buyer asked for amount - fee, the seller told to wait (DAEMON.md §1.7 sell, step 2)" {
	cd "$T"
	run bash -c "$(recipe engine)"
	[ "$status" -eq 0 ] || { echo "$output" >&2; return 1; }
	[ "$output" = '{"to":"3","action":"add-invoice","amount":4985}
{"to":"2","action":"waiting-buyer-invoice","amount":null}' ]
	[ "$(mostro-store --db "$T/state.db" orders | jq -r .status)" = waiting-buyer-invoice ]
}

@test "migrate, start: a mostrod 0.18.5 directory taken over: orders imported, the old file untouched, LND's REST address added, mostrod runs on it" {
	local home=$T/op sum
	mkdir -m 700 "$home" "$home/.mostro"
	local dir=$home/.mostro
	# the old daemon's database, built from mostrod's own migrations
	for f in "$MOSTRO_TOP"/tests/vectors/mostrod-migrations/v0.18.5/*.sql; do sqlite3 "$dir/mostro.db" <"$f"; done
	sqlite3 "$dir/mostro.db" <"$MOSTRO_TOP/tests/vectors/store-mostrod-sqlx.sql"
	sqlite3 "$dir/mostro.db" <"$MOSTRO_TOP/tests/fixtures/recipes/mostrod-rows.sql"
	sum=$(sha256sum <"$dir/mostro.db")
	# its settings: gRPC to LND (played by the REST double), a relay of ours
	lnd_double "$T/lnd"
	fixture_relay old
	sed -e "s|@CERT@|$T/lnd/tls.cert|" -e "s|@MACAROON@|$T/lnd/admin.macaroon|" -e "s|@RELAY@|${RELAY_URL[old]}|" \
		-e "s|@NSEC@|$(head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n')|" \
		"$MOSTRO_TOP/tests/fixtures/recipes/mostrod-settings.toml" >"$dir/settings.toml"
	chmod 600 "$dir/settings.toml"
	# as it is, it is refused, naming what to add
	run mostro-order settings -d "$dir"
	[ "$status" -eq 5 ]
	[[ $output == *lnd_rest_host* ]]
	HOME=$home LND_REST=$LND_URL run bash -c "$(recipe migrate)"
	[ "$status" -eq 0 ] || { echo "$output" >&2; return 1; }
	[ "$(tail -n 1 <<<"$output")" = "settings: ok" ]
	head -n 1 <<<"$output" | jq -e '.type == "import-mostrod" and .orders == 3 and .users == 3 and .statuses == {"canceled":1,"success":2}' >/dev/null
	[ "$(sha256sum <"$dir/mostrod-mostro.db")" = "$sum" ]
	grep -qx "lnd_rest_host = '$LND_URL'" "$dir/settings.toml"
	# start: the daemon on the directory, on LND, with the orders
	(HOME=$home exec setsid bash -c "$(recipe start)" </dev/null >"$T/mostrod.out" 2>"$T/mostrod.log") &
	OP_DIR=$dir
	up() { mostrod ctl -d "$dir" -t 2 status >"$T/status.json" 2>/dev/null; }
	wait_for 30 up || { cat "$T/mostrod.log" >&2; return 1; }
	jq -e '.result.orders == {"canceled":1,"success":2}' "$T/status.json" >/dev/null
	grep -q "lightning: LND at $LND_URL" "$T/mostrod.log"
	run mostrod stop -d "$dir"
	[ "$status" -eq 0 ]
	OP_DIR=
	mostro-store -d "$dir" get 6f1d2b7e-0c8a-4d3e-9b5a-1c2d3e4f5a6b | jq -e '.status == "success" and .dev_fee_paid == 1' >/dev/null
}
