#!/usr/bin/env bats
# mostro-store — the order database for operators and scripts: every command
# (success, each error path, exit codes), the engine's lock, export/import
# byte for byte, online backup under a writer, and taking over mostrod
# databases built here from mostrod's own migrations
# (tests/vectors/mostrod-migrations/) with rows in flight.

bats_require_minimum_version 1.5.0

TOP=${MOSTRO_TOP:-$(cd "$(dirname "$BATS_TEST_FILENAME")/.." && pwd)}
V=${MOSTRO_VECTORS:-$TOP/tests/vectors}

# The fixtures every test copies, built once: mostrod databases from mostrod's
# migrations (0.18.5 with rows, 0.18.5 empty, 0.14.0 with rows), and ours
# after import-mostrod of the first (plain, and with corner-case values).
setup_file() {
	export PATH="$TOP/${BUILD:-build}/bin:$PATH"
	F=$BATS_FILE_TMPDIR
	mostrod_db "$F/mostrod.db" v0.18.5 "$V/store-mostrod-rows.sql"
	mostrod_db "$F/mostrod-empty.db" v0.18.5
	mostrod_db "$F/mostrod-0.14.db" v0.14.0 "$V/store-mostrod-rows-v0.14.0.sql"
	mostro-store -d "$F/ours" import-mostrod "$F/mostrod.db" >/dev/null
	mostro-store -d "$F/corner" import-mostrod "$F/mostrod.db" >/dev/null
	corner_sql "$F/corner/mostro.db"
}

setup() {
	F=$BATS_FILE_TMPDIR
	T=$BATS_TEST_TMPDIR
	export PATH="$TOP/${BUILD:-build}/bin:$PATH"
	S="mostro-store -d $T/m"
	DB=$T/m/mostro.db
}

teardown() {
	touch "$T/stop"      # ends a writer loop (backup test) even when the test failed
	for p in "$T"/*.pid; do
		[ -f "$p" ] && kill "$(cat "$p")" 2>/dev/null
	done
	true
}

# the order schema this program writes (lib/order_db.c's last migration) and
# the tables of a database at that version (sqlite_sequence included)
ORDER_SCHEMA=3 ORDER_TABLES=15

# jqt TEXT [JQ-OPTION...] FILTER: jq assertion on a JSON text (an empty text fails).
jqt() { local text=$1; shift; [ -n "$text" ] && jq -e "$@" <<<"$text" >/dev/null; }

# mostrod_db PATH VERSION [ROWS.sql]: a mostrod database as that release
# creates it (its migrations in file order, sqlx's bookkeeping table), then rows.
mostrod_db() {
	local f
	for f in "$V/mostrod-migrations/$2"/*.sql; do sqlite3 "$1" <"$f"; done
	sqlite3 "$1" <"$V/store-mostrod-sqlx.sql"
	[ -z "${3:-}" ] || sqlite3 "$1" <"$3"
	sqlite3 "$1" 'PRAGMA journal_mode=WAL' >/dev/null
}

# SQL for the canonical text of a UUID column held as a BLOB or as text.
canon() {
	local h="(CASE typeof($1) WHEN 'blob' THEN hex($1) ELSE upper(replace(replace(replace(replace($1,'urn:uuid:',''),'{',''),'}',''),'-','')) END)"
	echo "CASE WHEN $1 IS NULL THEN NULL ELSE lower(substr($h,1,8)||'-'||substr($h,9,4)||'-'||substr($h,13,4)||'-'||substr($h,17,4)||'-'||substr($h,21)) END"
}

# same_rows SRC DST TABLE [UUID_COLUMN...]: every row of mostrod's TABLE in SRC is in
# ours in DST with every value kept (same storage class too), UUIDs canonical, and
# nothing else is.
same_rows() {
	local src=$1 dst=$2 table=$3 c sel="" cols=""
	shift 3
	for c in $(sqlite3 "$src" "SELECT name FROM pragma_table_info('$table') WHERE name NOT IN ('buyer_token','seller_token')"); do
		cols+="${cols:+,}$c"
		if [[ " $* " == *" $c "* ]]; then sel+="${sel:+,}$(canon "$c")"; else sel+="${sel:+,}$c"; fi
	done
	run sqlite3 "$dst" "ATTACH '$src' AS m;
		SELECT (SELECT count(*) FROM m.$table) - (SELECT count(*) FROM main.$table),
		       (SELECT count(*) FROM (SELECT $sel FROM m.$table EXCEPT SELECT $cols FROM main.$table)),
		       (SELECT count(*) FROM (SELECT $cols FROM main.$table EXCEPT SELECT $sel FROM m.$table));"
	[ "$status" -eq 0 ]
	[ "$output" = "0|0|0" ]
}

# hold_lock OWNER: another process holds the engine's lock on $DB (as mostro-order
# run does), with the "PID OWNER" line the lock file carries.
hold_lock() {
	mkdir -p "$T/m"
	(exec 9>>"$DB.lock"; flock -n 9 || exit 1; echo "$BASHPID $1" >"$DB.lock"; exec sleep 30) &
	echo $! >"$T/lock.pid"
	for _ in $(seq 100); do [ -s "$DB.lock" ] && return 0; sleep 0.05; done
	return 1
}

# copies of the fixtures: $T/mostrod.db (mostrod 0.18.5 with rows), and
# $DB (ours, holding those rows; corner_db: with the corner-case values too)
mostrod_copy() { cp "$F/mostrod.db" "$T/mostrod.db"; }
imported() { mkdir -p "$T/m" && cp "$F/ours/mostro.db" "$DB"; }
corner_db() { mkdir -p "$T/m" && cp "$F/corner/mostro.db" "$DB"; }

# ------------------------------------------------------------------ usage

@test "usage: --help everywhere, no command / unknown command / bad option / extra operand exit 2" {
	run mostro-store --help
	[ "$status" -eq 0 ]
	top=$output
	for c in init migrate orders users disputes get export import backup import-mostrod; do
		[[ $top == *"  $c "* ]]
		run mostro-store "$c" --help
		[ "$status" -eq 0 ]
		[[ $output == "Usage: mostro-store [-d DIR | --db FILE] $c"* ]]
	done
	run mostro-store
	[ "$status" -eq 2 ]
	run mostro-store frobnicate
	[ "$status" -eq 2 ]
	[[ $output == *"unknown command: frobnicate"* ]]
	run mostro-store orders --frob
	[ "$status" -eq 2 ]
	run $S init extra
	[ "$status" -eq 2 ]
	run $S get
	[ "$status" -eq 2 ]
	run $S get a b
	[ "$status" -eq 2 ]
	run $S import
	[ "$status" -eq 2 ]
	run $S backup
	[ "$status" -eq 2 ]
	run $S import-mostrod
	[ "$status" -eq 2 ]
}

# ------------------------------------------------------------------ init, migrate

@test "init: creates DIR 0700 and DIR/mostro.db 0600 with the current schema; a second init is refused (1)" {
	run $S init
	[ "$status" -eq 0 ]
	jqt "$output" --argjson v "$ORDER_SCHEMA" '.type=="init" and (.db|endswith("/m/mostro.db")) and .schema=={"order":$v}'
	[ "$(stat -c %a "$T/m")" = 700 ]
	[ "$(stat -c %a "$DB")" = 600 ]
	run sqlite3 "$DB" "SELECT name FROM sqlite_schema WHERE type='table' AND name IN ('orders','users','disputes') ORDER BY name"
	[ "$output" = $'disputes\norders\nusers' ]
	run $S init
	[ "$status" -eq 1 ]
	[[ $output == *"exists already"* ]]
}

@test "init: --db FILE creates missing parents 0700; without -d/--db the database is \$HOME/.mostro/mostro.db" {
	run mostro-store --db "$T/a/b/x.db" init
	[ "$status" -eq 0 ]
	[ "$(stat -c %a "$T/a/b")" = 700 ]
	[ "$(stat -c %a "$T/a/b/x.db")" = 600 ]
	HOME=$T/home run mostro-store init
	[ "$status" -eq 0 ]
	[ -f "$T/home/.mostro/mostro.db" ]
	# options also come after the command, the last one wins
	run mostro-store orders --db "$T/a/b/x.db"
	[ "$status" -eq 0 ]
	HOME= run mostro-store orders
	[ "$status" -eq 5 ]
	[[ $output == *'$HOME is not set'* ]]
}

@test "init and migrate: a symlink planted at the database's name is never followed" {
	ln -s "$T/nowhere.db" "$T/planted.db"
	run mostro-store --db "$T/planted.db" init
	[ "$status" -eq 5 ]
	[[ $output == *"planted.db: a symlink to nothing: not followed"* ]]
	[ ! -e "$T/nowhere.db" ]
	# another user's symlink to an empty file (an empty file migrates from 0)
	[ "$(id -u)" = 0 ] || skip "needs root to give a symlink to another user"
	: >"$T/victim"
	ln -s "$T/victim" "$T/foreign.db"
	chown -h 65534:65534 "$T/foreign.db"
	for cmd in migrate init; do
		run mostro-store --db "$T/foreign.db" "$cmd"
		[ "$status" -eq 5 ]
		[[ $output == *"foreign.db: a symbolic link another user made"* ]]
		[ ! -s "$T/victim" ]
	done
}

@test "migrate: says from and to; an empty file migrates from 0; missing file 5" {
	run $S migrate
	[ "$status" -eq 5 ]
	[[ $output == *"no database here"* ]]
	mkdir -p "$T/m" && : >"$DB"
	run $S migrate
	[ "$status" -eq 0 ]
	jqt "$output" --argjson v "$ORDER_SCHEMA" '.type=="migrate" and .from==0 and .to==$v'
	run $S migrate
	jqt "$output" --argjson v "$ORDER_SCHEMA" '.from==$v and .to==$v'
}

@test "migrate: a file from a newer release is refused (1) and left byte for byte" {
	$S init >/dev/null
	sqlite3 "$DB" "UPDATE schema_version SET version = 99 WHERE component = 'order'"
	before=$(sha256sum <"$DB")
	run $S migrate
	[ "$status" -eq 1 ]
	[[ $output == *"schema version 99 is newer than this program's ($ORDER_SCHEMA)"* ]]
	[ "$(sha256sum <"$DB")" = "$before" ]
	run $S import /dev/null
	[ "$status" -eq 1 ]
}

@test "migrate, import: a mostrod database is not migrated in place (1: use import-mostrod)" {
	mkdir -p "$T/m"
	cp "$F/mostrod.db" "$DB"
	before=$(sha256sum <"$DB")
	run $S migrate
	[ "$status" -eq 1 ]
	[[ $output == *"not an order database of this program"*"import-mostrod"* ]]
	[ "$(sha256sum <"$DB")" = "$before" ]
}

# ------------------------------------------------------------------ the engine's lock

@test "lock: while the engine holds the lock, init/migrate/import/import-mostrod are refused (1) naming it; reads go on" {
	$S init >/dev/null
	$S export >"$T/e.jsonl"
	mostrod_copy
	hold_lock "mostro-order run"
	pid=$(cat "$T/lock.pid")
	for cmd in migrate "import --replace $T/e.jsonl" "import-mostrod $T/mostrod.db"; do
		run $S $cmd
		[ "$status" -eq 1 ]
		[[ $output == *"held by mostro-order run, pid $pid"* ]]
		[[ $output == *"mostro-order ctl"* ]]
	done
	run mostro-store --db "$T/m/mostro.db" init
	[ "$status" -eq 1 ]
	run $S orders
	[ "$status" -eq 0 ]
	run $S export
	[ "$status" -eq 0 ]
	run $S backup "$T/b.db"
	[ "$status" -eq 0 ]
	kill "$pid"; wait "$pid" 2>/dev/null || true
	run $S migrate
	[ "$status" -eq 0 ]
}

@test "lock: the lock file is 0600, left in place, and says nothing once released" {
	$S init >/dev/null
	[ "$(stat -c %a "$DB.lock")" = 600 ]
	[ ! -s "$DB.lock" ]
}

# ------------------------------------------------------------------ queries

@test "orders: one JSON object per order, keyed by mostrod's column names in its column order" {
	imported
	want=$(sqlite3 "$F/mostrod-empty.db" "SELECT name FROM pragma_table_info('orders')" | jq -R . | jq -sc .)
	run $S orders
	[ "$status" -eq 0 ]
	[ "${#lines[@]}" -eq 12 ]
	for l in "${lines[@]}"; do [ "$(jq -c keys_unsorted <<<"$l")" = "$want" ]; done
	# oldest first
	[ "$(printf '%s\n' "${lines[@]}" | jq -s 'map(.created_at) == (map(.created_at)|sort)')" = true ]
}

@test "orders: --status (repeatable), --kind, --since/--until, --fiat-code (any case), --limit" {
	imported
	n() { $S orders "$@" | wc -l; }
	[ "$(n --status active)" -eq 1 ]
	[ "$(n --status pending --status active)" -eq 3 ]
	[ "$(n --kind buy)" -eq 3 ]
	[ "$(n --kind sell --status pending)" -eq 2 ]
	[ "$(n --since 1760000000)" -eq 9 ]
	[ "$(n --since 1760000000 --until 1760000400)" -eq 4 ]
	[ "$(n --until 1760000000)" -eq 3 ]
	[ "$(n --fiat-code eur)" -eq 8 ]
	[ "$(n --fiat-code EUR --status success)" -eq 1 ]
	[ "$(n --limit 2)" -eq 2 ]
	run $S orders --limit 1
	jqt "$output" '.id=="7150b108-fe67-5aea-0a8b-1c61b5b43307"'
	[ "$(n --status expired)" -eq 0 ]
}

@test "orders: bad filters: unknown status or kind 4, bad numbers 2" {
	imported
	run $S orders --status activ
	[ "$status" -eq 4 ]
	[[ $output == *"unknown order status 'activ'"*"waiting-payment"* ]]
	run $S orders --kind both
	[ "$status" -eq 4 ]
	run $S orders --fiat-code ''
	[ "$status" -eq 4 ]
	run $S orders --since yesterday
	[ "$status" -eq 2 ]
	run $S orders --until -5
	[ "$status" -eq 2 ]
	run $S orders --limit 0
	[ "$status" -eq 2 ]
}

@test "orders, users, disputes, get: no database is 5; a file that is not a database is 5; not ours is 5" {
	for c in orders users disputes export "get 308e1272-d5f4-47e6-bd97-3504baea9c23" "backup $T/b.db"; do
		run $S $c
		[ "$status" -eq 5 ]
		[[ $output == *"no database here"* ]]
	done
	mkdir -p "$T/m" && echo "not sqlite" >"$DB"
	run $S orders
	[ "$status" -eq 5 ]
	[[ $output == *"file is not a database"* ]]
	sqlite3 "$T/other.db" 'CREATE TABLE x(a)'
	run mostro-store --db "$T/other.db" orders
	[ "$status" -eq 5 ]
	[[ $output == *"no such table: orders"* ]]
}

@test "users: every user by created_at; --solvers only is_solver = 1" {
	imported
	run $S users
	[ "$status" -eq 0 ]
	[ "${#lines[@]}" -eq 5 ]
	jqt "${lines[3]}" '.pubkey=="f2f2f2f2f2f2f2f2f2f2f2f2f2f2f2f2f2f2f2f2f2f2f2f2f2f2f2f2f2f2f2f2" and .total_rating==4.666666666666667 and .total_reviews==3'
	run $S users --solvers
	[ "${#lines[@]}" -eq 2 ]
	jqt "${lines[0]}" '.is_solver==1 and .category==2'
	jqt "${lines[1]}" '.is_solver==1 and .category==1'
}

@test "disputes: --status filters (repeatable); an unknown dispute status is 4" {
	imported
	run $S disputes
	[ "${#lines[@]}" -eq 2 ]
	run $S disputes --status in-progress
	[ "${#lines[@]}" -eq 1 ]
	jqt "$output" '.id=="c6a5065d-e3bc-4adf-9fd0-61b60a09880c" and .order_id=="604fa0f7-fd56-49d9-917a-0b50a4a32206" and .solver_pubkey=="5050505050505050505050505050505050505050505050505050505050505050"'
	run $S disputes --status initiated --status seller-refunded
	[ "${#lines[@]}" -eq 1 ]
	run $S disputes --status active
	[ "$status" -eq 4 ]
	[[ $output == *"unknown dispute status 'active'"* ]]
}

@test "get: an order or a dispute by id, in any spelling of the UUID; not found 1; not a UUID 4" {
	imported
	run $S get 3d1c79c4-ca23-46a6-ae4d-8c2d71709f03
	[ "$status" -eq 0 ]
	jqt "$output" '.id=="3d1c79c4-ca23-46a6-ae4d-8c2d71709f03" and .status=="active" and .kind=="sell"'
	run $S get 3D1C79C4CA2346A6AE4D8C2D71709F03
	jqt "$output" '.status=="active"'
	run $S get '{c6a5065d-e3bc-4adf-9fd0-61b60a09880c}'
	[ "$status" -eq 0 ]
	jqt "$output" '.order_previous_status=="fiat-sent" and .status=="in-progress"'
	run $S get 00000000-0000-4000-8000-000000000000
	[ "$status" -eq 1 ]
	[[ $output == *"no order and no dispute has id 00000000-0000-4000-8000-000000000000"* ]]
	run $S get 3d1c79c4-ca23-46a6-ae4d-8c2d71709f0
	[ "$status" -eq 4 ]
	[[ $output == *"is not a UUID"* ]]
}

@test "queries: a full standard output is exit 123 with the reason" {
	imported
	run bash -c "$S orders >/dev/full"
	[ "$status" -eq 123 ]
	[[ $output == *"writing standard output: No space left on device"* ]]
	run bash -c "$S export >/dev/full"
	[ "$status" -eq 123 ]
}

@test "readers never wait for the writer: orders and export during an open write transaction" {
	imported
	mkfifo "$T/fifo"
	{ sqlite3 "$DB" <"$T/fifo" & echo $! >"$T/writer.pid"; }
	exec 5>"$T/fifo"
	echo "BEGIN IMMEDIATE; UPDATE orders SET status = 'canceled' WHERE status = 'active';" >&5
	sleep 0.3
	start=$SECONDS
	run timeout 5 $S orders --status active
	[ "$status" -eq 0 ]
	[ "${#lines[@]}" -eq 1 ]   # the uncommitted change is not seen
	run timeout 5 $S export
	[ "$status" -eq 0 ]
	[ $((SECONDS - start)) -lt 4 ]
	echo "COMMIT;" >&5
	exec 5>&-
	wait "$(cat "$T/writer.pid")"
	[ "$($S orders --status active | wc -l)" -eq 0 ]
}

# ------------------------------------------------------------------ export, import

# A database whose values test every corner of the encoding: 64-bit integer
# bounds (-2^63 is how a u64 request_id of 2^63 is held in a signed column),
# reals (thirds, tiny, huge, infinity, integral), NULLs, blobs, text that is not
# UTF-8 or holds a NUL, a u64 above 2^63 inside text, rowids with gaps and an
# AUTOINCREMENT counter ahead of its rows.
corner_sql() {
	sqlite3 "$1" <<-'EOF'
	UPDATE orders SET amount = 9223372036854775807, premium = -9223372036854775808,
	  buyer_invoice = X'00ff7f80' WHERE status = 'pending' AND range_parent_id IS NULL;
	UPDATE orders SET buyer_invoice = CAST(X'e28228' AS TEXT), payment_method = 'a' || char(0) || 'b'
	  WHERE status = 'canceled';
	UPDATE users SET total_rating = 1e-300 WHERE is_admin = 1;
	UPDATE users SET total_rating = 9e999 WHERE is_banned = 1;
	UPDATE users SET total_rating = 1.7976931348623157e308, created_at = -1 WHERE category = 1;
	INSERT INTO outbox(stream, line) VALUES ('wrap', '{"request_id":18446744073709551615}'), ('wrap', 'x'), ('ln', 'y');
	DELETE FROM outbox WHERE line = 'x';
	INSERT INTO prices VALUES ('USD', 97000.5, 1760000000, NULL), ('EUR', 0.1, 1760000000, 'yadio');
	INSERT INTO engine_meta VALUES ('seed', '00112233'), ('clock', '1760001234');
	INSERT INTO processed VALUES ('ab', 1), ('cd', 2);
	DELETE FROM orders WHERE status = 'expired';
	EOF
}

@test "export: a header, one record per row with exact values, an end record" {
	corner_db
	run $S export
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = '{"type":"mostro-store-export","format":1,"schema":{"order":'"$ORDER_SCHEMA"'}}' ]
	last=${lines[${#lines[@]}-1]}
	jqt "$last" ".type==\"end\" and .rows==$((${#lines[@]} - 2))"
	[[ $output == *'"amount":9223372036854775807,'* ]]
	[[ $output == *'"premium":-9223372036854775808,'* ]]
	[[ $output == *'"buyer_invoice":{"blob":"00ff7f80"}'* ]]
	[[ $output == *'"buyer_invoice":{"text_hex":"e28228"}'* ]]
	[[ $output == *'"payment_method":{"text_hex":"610062"}'* ]]
	[[ $output == *'"total_rating":1e-300,'* ]]
	[[ $output == *'"total_rating":{"real":"inf"},'* ]]
	[[ $output == *'"total_rating":1.7976931348623157e308,'* ]]
	[[ $output == *'"total_rating":4.666666666666667,'* ]]
	[[ $output == *'"total_rating":0.0,'* ]]
	[[ $output == *'"price":97000.5,'* ]]
	[[ $output == *'"source":null'* ]]
	[[ $output == *'"line":"{\"request_id\":18446744073709551615}"'* ]]
	[[ $output == *'{"table":"sqlite_sequence","rowid":1,"row":{"name":"outbox","seq":3}}'* ]]
	[[ $output == *'{"table":"outbox","row":{"seq":3,"stream":"ln","line":"y"}}'* ]]
	[[ $output == *'{"table":"orders","rowid":'* ]]
}

@test "export -> import -> export is byte-exact; import refuses a non-empty database (1) unless --replace" {
	corner_db
	$S export >"$T/e1.jsonl"
	run mostro-store -d "$T/n" import "$T/e1.jsonl"
	[ "$status" -eq 0 ]
	rows=$(($(wc -l <"$T/e1.jsonl") - 2))
	jqt "$output" ".type==\"import\" and .rows==$rows and .replaced==0"
	mostro-store -d "$T/n" export >"$T/e2.jsonl"
	cmp "$T/e1.jsonl" "$T/e2.jsonl"
	[ "$(sqlite3 "$T/n/mostro.db" "SELECT seq FROM sqlite_sequence WHERE name = 'outbox'")" = 3 ]
	run mostro-store -d "$T/n" import "$T/e1.jsonl"
	[ "$status" -eq 1 ]
	[[ $output == *"not empty (table "*"--replace"* ]]
	run mostro-store -d "$T/n" import --replace - <"$T/e1.jsonl"
	[ "$status" -eq 0 ]
	# every row was there before (the AUTOINCREMENT counters are bookkeeping, not rows)
	jqt "$output" ".rows==$rows and .replaced==$((rows - $(grep -c '"table":"sqlite_sequence"' "$T/e1.jsonl")))"
	mostro-store -d "$T/n" export | cmp - "$T/e1.jsonl"
	# the copy is still the engine's database: its schema and indexes are there
	[ "$(sqlite3 "$T/n/mostro.db" "SELECT count(*) FROM sqlite_schema WHERE name = 'mu_orders_hash'")" = 1 ]
}

@test "export -o FILE: a new 0600 file (through a temporary file) and a summary record" {
	corner_db
	umask 022
	run $S export -o "$T/out.jsonl"
	[ "$status" -eq 0 ]
	jqt "$output" --argjson n "$ORDER_TABLES" '.type=="export" and .tables==$n and .rows > 20'
	[ "$(stat -c %a "$T/out.jsonl")" = 600 ]
	$S export | cmp - "$T/out.jsonl"
	[ -z "$(ls "$T" | grep tmp-)" ]
	run $S export -o "$T/nodir/out.jsonl"
	[ "$status" -eq 5 ]
}

@test "import: the file's problems are named by line, nothing is imported (4), a created database is removed" {
	corner_db
	$S export >"$T/e.jsonl"
	bad() { # NAME LINE-NUMBER REPLACEMENT
		awk -v n="$2" -v r="$3" 'NR==n {print r; next} {print}' "$T/e.jsonl" >"$T/$1.jsonl"
	}
	bad syntax 3 '{"table":"orders","row":{'
	bad table 3 '{"table":"nope","row":{}}'
	bad column 3 '{"table":"users","rowid":9,"row":{"pubkey":"x","created_at":1,"shoe_size":42}}'
	bad value 3 '{"table":"users","rowid":9,"row":{"pubkey":"x","created_at":1,"total_rating":{"blob":"ABC"}}}'
	bad range 3 '{"table":"users","rowid":9,"row":{"pubkey":"x","created_at":9223372036854775808}}'
	bad notnull 3 '{"table":"users","rowid":9,"row":{"pubkey":"x"}}'
	bad rowid 3 '{"table":"outbox","rowid":4,"row":{"seq":4,"stream":"s","line":"l"}}'
	bad field 3 '{"table":"users","row":{"pubkey":"x","created_at":1},"extra":1}'
	bad second 3 '{"type":"mostro-store-export","format":1,"schema":{"order":'"$ORDER_SCHEMA"'}}'
	declare -A want=(
		[syntax]="line 3: at byte" [table]="line 3: table 'nope': no such table"
		[column]="line 3: table users: no column 'shoe_size'" [value]="line 3: row.total_rating: blob: not lowercase hex"
		[range]="line 3: row.created_at: integer outside the signed 64-bit range"
		[notnull]="line 3: table users: NOT NULL constraint failed: users.created_at"
		[rowid]="line 3: table outbox: rowid given" [field]="line 3: unknown field 'extra'"
		[second]="line 3: a second header record")
	for k in "${!want[@]}"; do
		run mostro-store -d "$T/n-$k" import "$T/$k.jsonl"
		[ "$status" -eq 4 ] || { echo "$k: $status $output"; false; }
		[[ $output == *"${want[$k]}"* ]] || { echo "$k: $output"; false; }
		[[ $output == *"nothing imported (1 line failed)"* ]]
		[ ! -e "$T/n-$k/mostro.db" ]
	done
	# a duplicate key: the second copy of a row fails, naming the constraint
	{ head -n -1 "$T/e.jsonl"; sed -n 3p "$T/e.jsonl"; tail -1 "$T/e.jsonl"; } >"$T/dup.jsonl"
	run mostro-store -d "$T/n-dup" import "$T/dup.jsonl"
	[ "$status" -eq 4 ]
	[[ $output == *"UNIQUE constraint failed"* ]]
	# into an existing empty database: it stays empty
	mostro-store -d "$T/e" init >/dev/null
	run mostro-store -d "$T/e" import "$T/column.jsonl"
	[ "$status" -eq 4 ]
	[ -z "$(mostro-store -d "$T/e" orders)" ]
}

@test "import: not an export, a truncated export, a wrong count, records after the end (4); another schema (1)" {
	corner_db
	$S export >"$T/e.jsonl"
	echo '{"hello":1}' >"$T/x.jsonl"
	run mostro-store -d "$T/n1" import "$T/x.jsonl"
	[ "$status" -eq 4 ]
	[[ $output == *"not a mostro-store export (the first line is not its header record)"* ]]
	run mostro-store -d "$T/n1" import /dev/null
	[ "$status" -eq 4 ]
	[[ $output == *"not a mostro-store export (empty input)"* ]]
	head -n -1 "$T/e.jsonl" >"$T/trunc.jsonl"
	run mostro-store -d "$T/n2" import "$T/trunc.jsonl"
	[ "$status" -eq 4 ]
	[[ $output == *"no end record: the export is truncated"* ]]
	{ head -n 2 "$T/e.jsonl"; tail -1 "$T/e.jsonl"; } >"$T/count.jsonl"
	run mostro-store -d "$T/n3" import "$T/count.jsonl"
	[ "$status" -eq 4 ]
	[[ $output == *"the end record counts"*"rows, the file has 1"* ]]
	{ cat "$T/e.jsonl"; sed -n 2p "$T/e.jsonl"; } >"$T/after.jsonl"
	run mostro-store -d "$T/n4" import "$T/after.jsonl"
	[ "$status" -eq 4 ]
	[[ $output == *"a record after the end record"* ]]
	sed "1s/\"order\":$ORDER_SCHEMA/\"order\":$((ORDER_SCHEMA + 1))/" "$T/e.jsonl" >"$T/schema.jsonl"
	run mostro-store -d "$T/n5" import "$T/schema.jsonl"
	[ "$status" -eq 1 ]
	[[ $output == *"the export has schema {\"order\":$((ORDER_SCHEMA + 1))}, the database {\"order\":$ORDER_SCHEMA}"* ]]
	sed '1s/"format":1/"format":7/' "$T/e.jsonl" >"$T/format.jsonl"
	run mostro-store -d "$T/n6" import "$T/format.jsonl"
	[ "$status" -eq 4 ]
	[[ $output == *"export format 7 is not known here"* ]]
	run mostro-store -d "$T/n7" import "$T/missing.jsonl"
	[ "$status" -eq 5 ]
	for d in n1 n2 n3 n4 n5 n6 n7; do [ ! -e "$T/$d/mostro.db" ]; done
}

@test "import: a row naming a missing parent is a foreign-key violation (4)" {
	mostro-store -d "$T/a" init >/dev/null
	sqlite3 "$T/a/mostro.db" "CREATE TABLE kid (id INTEGER PRIMARY KEY, o TEXT REFERENCES orders(id))"
	mostro-store -d "$T/b" init >/dev/null
	sqlite3 "$T/b/mostro.db" "CREATE TABLE kid (id INTEGER PRIMARY KEY, o TEXT REFERENCES orders(id))"
	sqlite3 "$T/a/mostro.db" "PRAGMA foreign_keys=OFF; INSERT INTO kid VALUES (1, 'no-such-order')"
	mostro-store -d "$T/a" export >"$T/e.jsonl"
	run mostro-store -d "$T/b" import "$T/e.jsonl"
	[ "$status" -eq 4 ]
	[[ $output == *"table kid rowid 1 names a missing row of orders"* ]]
}

@test "import: triggers of the target do not fire on loaded rows (and are still there after)" {
	for d in a b; do
		mostro-store -d "$T/$d" init >/dev/null
		sqlite3 "$T/$d/mostro.db" "CREATE TABLE log (what TEXT);
			CREATE TRIGGER t AFTER INSERT ON processed BEGIN INSERT INTO log VALUES (new.event_id); END"
	done
	sqlite3 "$T/a/mostro.db" "INSERT INTO processed VALUES ('e1', 1); DELETE FROM log"
	mostro-store -d "$T/a" export >"$T/e.jsonl"
	mostro-store -d "$T/b" import "$T/e.jsonl" >/dev/null
	mostro-store -d "$T/b" export | cmp - "$T/e.jsonl"
	sqlite3 "$T/b/mostro.db" "INSERT INTO processed VALUES ('e2', 2)"
	[ "$(sqlite3 "$T/b/mostro.db" 'SELECT group_concat(what) FROM log')" = e2 ]
}

# ------------------------------------------------------------------ backup

@test "backup: consistent copies (0600) while a writer keeps committing, never blocking it; integrity_check ok" {
	$S init >/dev/null
	# the writer: the engine's lock held, pairs of rows committed together, as fast as it can.
	# Its first statement may meet the poll below opening the file at the same
	# moment (the first connection to a WAL file rebuilds its index, briefly
	# exclusive), so it alone waits; every later commit fails on a lock at once.
	(
		exec flock -n "$DB.lock" bash -c '
			{
				echo ".timeout 10000"
				echo "SELECT count(*) FROM processed;"
				echo ".timeout 0"
				i=0
				while [ ! -e "$1/stop" ] && [ $i -lt 200000 ]; do
					i=$((i+1))
					echo "BEGIN; INSERT INTO processed VALUES ('"'"'e$i'"'"', $i); INSERT INTO outbox(stream, line) VALUES ('"'"'wrap'"'"', '"'"'l$i'"'"'); COMMIT;"
				done
			} | sqlite3 -bail "$2" >/dev/null' _ "$T" "$DB"
	) &
	writer=$!
	echo $writer >"$T/writer.pid"
	for _ in $(seq 200); do [ "$(sqlite3 "$DB" 'SELECT count(*) FROM processed')" -gt 100 ] && break; sleep 0.05; done
	umask 022
	prev=0
	for i in 1 2 3; do
		run $S backup "$T/b$i.db"
		[ "$status" -eq 0 ]
		jqt "$output" ".type==\"backup\" and .file==\"$T/b$i.db\" and .pages > 0"
		[ "$(stat -c %a "$T/b$i.db")" = 600 ]
		[ "$(sqlite3 "$T/b$i.db" 'PRAGMA integrity_check')" = ok ]
		read -r p o < <(sqlite3 -separator ' ' "$T/b$i.db" 'SELECT (SELECT count(*) FROM processed), (SELECT count(*) FROM outbox)')
		[ "$p" -eq "$o" ]          # one commit, never half of one
		[ "$p" -ge "$prev" ]
		prev=$p
		sleep 0.1
	done
	touch "$T/stop"
	wait "$writer"
	final=$(sqlite3 "$DB" 'SELECT count(*) FROM processed')
	[ "$final" -gt "$prev" ]       # the writer kept committing after the last copy
	[ -z "$(ls "$T" | grep tmp-)" ]
	# the copy is a database mostro-store reads
	mostro-store --db "$T/b3.db" export >/dev/null
}

@test "backup: over an older copy; onto the database itself 4; into a missing directory 5" {
	imported
	echo old >"$T/b.db"
	run $S backup "$T/b.db"
	[ "$status" -eq 0 ]
	[ "$(sqlite3 "$T/b.db" 'SELECT count(*) FROM orders')" -eq 12 ]
	run $S backup "$DB"
	[ "$status" -eq 4 ]
	[[ $output == *"is the database itself"* ]]
	ln -s "$DB" "$T/link.db"
	run $S backup "$T/link.db"
	[ "$status" -eq 4 ]
	run $S backup "$T/nodir/b.db"
	[ "$status" -eq 5 ]
	[ "$(sqlite3 "$DB" 'PRAGMA integrity_check')" = ok ]
}

# ------------------------------------------------------------------ import-mostrod

@test "import-mostrod: a 0.18.5 file with BLOB UUIDs and orders in flight; every value kept, UUIDs canonical" {
	mostrod_copy
	[ "$(sqlite3 "$T/mostrod.db" "SELECT typeof(id) FROM orders LIMIT 1")" = blob ]
	run $S import-mostrod "$T/mostrod.db"
	[ "$status" -eq 0 ]
	jqt "$output" '.type=="import-mostrod" and .orders==12 and .disputes==2 and .users==5
		and .uuids=={"blob":17,"text":0} and .dropped_columns==[] and .bonds_left==1
		and .statuses=={"active":1,"canceled":1,"cooperatively-canceled":1,"dispute":1,"fiat-sent":1,
		  "pending":2,"settled-hold-invoice":1,"success":2,"waiting-buyer-invoice":1,"waiting-payment":1}'
	same_rows "$T/mostrod.db" "$DB" orders id range_parent_id
	same_rows "$T/mostrod.db" "$DB" disputes id order_id
	same_rows "$T/mostrod.db" "$DB" users
	[ "$(sqlite3 "$DB" "SELECT count(*) FROM orders WHERE id GLOB '[0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f]-*' AND length(id) = 36 AND typeof(id) = 'text'")" -eq 12 ]
	# in flight: the escrow and payout state a running engine picks up
	run $S orders --status settled-hold-invoice
	jqt "$output" '.id=="5f3e9be6-ec45-48c8-806f-ae4f93921105" and .payout_payment_hash=="c4c4c4c4c4c4c4c4c4c4c4c4c4c4c4c4c4c4c4c4c4c4c4c4c4c4c4c4c4c4c4c4"
		and .payout_claimed_at==1760000700 and .failed_payment==1 and .payment_attempts==2 and .routing_fee==40'
	run $S orders --status waiting-payment
	jqt "$output" '.hash=="2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a" and .preimage=="3b3b3b3b3b3b3b3b3b3b3b3b3b3b3b3b3b3b3b3b3b3b3b3b3b3b3b3b3b3b3b3b" and .buyer_invoice=="lnbc1000u1pexample"'
	run $S get b594f54c-d2ab-49ce-8ecf-50a5f9f8770b
	jqt "$output" '.range_parent_id=="a483e43b-c19a-48bd-9dbe-4f94e8e7660a" and .status=="pending"'
	run $S get 604fa0f7-fd56-49d9-917a-0b50a4a32206
	jqt "$output" '.status=="dispute" and .buyer_dispute==1'
	# mostrod's bookkeeping and bonds stay behind
	[ "$(sqlite3 "$DB" "SELECT count(*) FROM sqlite_schema WHERE name IN ('_sqlx_migrations','bonds')")" -eq 0 ]
}

@test "import-mostrod: text UUIDs in every spelling give the same database as BLOB UUIDs" {
	cp "$F/mostrod.db" "$T/blob.db"
	cp "$F/mostrod.db" "$T/text.db"
	sqlite3 "$T/text.db" <"$V/store-mostrod-text-uuids.sql"
	[ "$(sqlite3 "$T/text.db" "SELECT count(*) FROM orders WHERE typeof(id) = 'text'")" -eq 12 ]
	mostro-store -d "$T/a" import-mostrod "$T/blob.db" >/dev/null
	run mostro-store -d "$T/b" import-mostrod "$T/text.db"
	[ "$status" -eq 0 ]
	jqt "$output" '.uuids=={"blob":0,"text":17}'
	same_rows "$T/text.db" "$T/b/mostro.db" orders id range_parent_id
	same_rows "$T/text.db" "$T/b/mostro.db" disputes id order_id
	cmp <(mostro-store -d "$T/a" export) <(mostro-store -d "$T/b" export)
}

@test "import-mostrod: a 0.14.0 file: missing columns get our defaults, columns we lack are named" {
	cp "$F/mostrod-0.14.db" "$T/old.db"
	run $S import-mostrod "$T/old.db"
	[ "$status" -eq 0 ]
	jqt "$output" '.orders==2 and .disputes==1 and .users==1 and .uuids.blob==4
		and .dropped_columns==["disputes.buyer_token","disputes.seller_token"] and .statuses=={"active":1,"dispute":1}'
	same_rows "$T/old.db" "$DB" orders id range_parent_id
	same_rows "$T/old.db" "$DB" disputes id order_id
	run $S get 0a1b2c3d-4e5f-4071-8293-a4b5c6d7e8f9
	jqt "$output" '.dev_fee==0 and .dev_fee_paid==0 and .dev_fee_payment_hash==null and .payout_payment_hash==null
		and .cashu_mint_url==null and .seller_dispute==1 and .status=="dispute"'
}

@test "import-mostrod: bonds in play are refused (1, nothing written) unless --ignore-bonds" {
	mostrod_copy
	sqlite3 "$T/mostrod.db" "INSERT INTO bonds (id, order_id, pubkey, role, amount_sats, state, created_at)
		VALUES (X'f9d8398016ef4d02a2a394e93d3dbb0f', X'3d1c79c4ca2346a6ae4d8c2d71709f03', 'b4b4', 'taker', 2000, 'locked', 1760000360)"
	run $S import-mostrod "$T/mostrod.db"
	[ "$status" -eq 1 ]
	[[ $output == *"the source holds 1 bonds still in play"*"--ignore-bonds"* ]]
	[ ! -e "$DB" ]
	[ ! -e "$DB-wal" ]
	run $S import-mostrod --ignore-bonds "$T/mostrod.db"
	[ "$status" -eq 0 ]
	jqt "$output" '.bonds_left==2 and .orders==12'
}

@test "import-mostrod: refused into a non-empty database (1); the database is left as it was" {
	mostrod_copy
	$S init >/dev/null
	sqlite3 "$DB" "INSERT INTO processed VALUES ('e', 1)"
	before=$($S export)
	run $S import-mostrod "$T/mostrod.db"
	[ "$status" -eq 1 ]
	[[ $output == *"the target database is not empty (table processed has rows)"* ]]
	[ "$($S export)" = "$before" ]
}

@test "import-mostrod: sources that are not mostrod's: ours 4, no orders table 4, not a database 5, missing 5" {
	imported
	run mostro-store -d "$T/x" import-mostrod "$DB"
	[ "$status" -eq 4 ]
	[[ $output == *"an order database of this program, not mostrod's"* ]]
	sqlite3 "$T/other.db" 'CREATE TABLE users (pubkey TEXT)'
	run mostro-store -d "$T/x" import-mostrod "$T/other.db"
	[ "$status" -eq 4 ]
	[[ $output == *"no orders table: not a mostrod database"* ]]
	echo junk >"$T/junk.db"
	run mostro-store -d "$T/x" import-mostrod "$T/junk.db"
	[ "$status" -eq 5 ]
	run mostro-store -d "$T/x" import-mostrod "$T/missing.db"
	[ "$status" -eq 5 ]
	[ ! -e "$T/x/mostro.db" ]
}

@test "import-mostrod: a UUID column holding something else is refused (4) naming table, row and column" {
	mostrod_copy
	sqlite3 "$T/mostrod.db" "UPDATE orders SET range_parent_id = X'a483e43bc19a48bd9dbe4f94e8e766' WHERE range_parent_id IS NOT NULL"
	run $S import-mostrod "$T/mostrod.db"
	[ "$status" -eq 4 ]
	[[ $output == *"orders rowid 12 (b594f54c-d2ab-49ce-8ecf-50a5f9f8770b): column range_parent_id: not a UUID"* ]]
	[ ! -e "$DB" ]
	sqlite3 "$T/mostrod.db" "UPDATE orders SET range_parent_id = NULL; UPDATE disputes SET order_id = 'not-a-uuid' WHERE status = 'in-progress'"
	run $S import-mostrod "$T/mostrod.db"
	[ "$status" -eq 4 ]
	[[ $output == *"disputes rowid 1 (c6a5065d-e3bc-4adf-9fd0-61b60a09880c): column order_id: not a UUID"* ]]
}

# ------------------------------------------------------------------ docs

@test "every command and option of --help is in the man page and the three completions" {
	man=$T/man.txt
	sed 's/\\//g' "$TOP/man/mostro-store.1" >"$man"    # troff's \- as -
	for c in init migrate orders users disputes get export import backup import-mostrod; do
		grep -q "^\.B mostro-store $c\b" "$man" || { echo "man: $c"; false; }
		grep -qE "(^|[^a-z-])$c([^a-z-]|$)" "$TOP/completions/bash/mostro-store" || { echo "bash: $c"; false; }
		grep -q "'$c:" "$TOP/completions/zsh/_mostro-store" || { echo "zsh: $c"; false; }
		grep -qE "^set -l cmds (.* )?$c( |\$)" "$TOP/completions/fish/mostro-store.fish" || { echo "fish: $c"; false; }
		for o in $(mostro-store "$c" --help | grep -oE -- '--[a-z][a-z-]*' | sort -u); do
			grep -qE -- "(^|[^a-z-])$o([^a-z-]|$)" "$man" || { echo "man: $c $o"; false; }
			for f in bash/mostro-store zsh/_mostro-store fish/mostro-store.fish; do
				grep -qE -- "(^|[^a-z-])(${o}|-l ${o#--})([^a-z-]|$)" "$TOP/completions/$f" || { echo "$f: $c $o"; false; }
			done
		done
	done
}
