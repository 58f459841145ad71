/* The order database (lib/order_db.h).
 *
 * schema:  mostrod 0.18.5's orders, disputes and users, column for column
 *          (name, declared type, NOT NULL, default) as its migrations/ leave
 *          them — the expectations below are written from those files.
 * rows:    every column round-trips (NULLs, 64-bit extremes, booleans);
 *          statuses are stored with mostrod's hyphenated strings; an
 *          unknown stored status is reported, not guessed.
 * CAS:     order_save_if writes only while the guard holds.
 * save:    order_save writes the changed columns only, and the row ends as a
 *          full-row write would leave it: changes made behind its back are
 *          overwritten, an unreadable row is written whole.
 * engine:  processed ids, pub_clock monotonicity, the first-contact known-key
 *          set (mostro#882: hyphenated terminal statuses), the 0600 file. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "buf.h"
#include "json.h"
#include "order_db.h"
#include "store_db.h"
#include "t.h"

/* "name|type|notnull|default" per column, from mostrod's migrations. */
static const char *const orders_cols[] = {
	"id|char(36)|1|", "kind|varchar(4)|1|", "event_id|char(64)|1|", "hash|char(64)|0|",
	"preimage|char(64)|0|", "creator_pubkey|char(64)|0|", "cancel_initiator_pubkey|char(64)|0|",
	"dispute_initiator_pubkey|char(64)|0|", "buyer_pubkey|char(64)|0|",
	"master_buyer_pubkey|char(64)|0|", "seller_pubkey|char(64)|0|",
	"master_seller_pubkey|char(64)|0|", "status|varchar(10)|1|", "price_from_api|integer|1|0",
	"premium|integer|1|", "payment_method|varchar(500)|1|", "amount|integer|1|",
	"min_amount|integer|0|0", "max_amount|integer|0|0", "buyer_dispute|integer|1|0",
	"seller_dispute|integer|1|0", "buyer_cooperativecancel|integer|1|0",
	"seller_cooperativecancel|integer|1|0", "fee|integer|1|0", "routing_fee|integer|1|0",
	"fiat_code|varchar(5)|1|", "fiat_amount|integer|1|", "buyer_invoice|text|0|",
	"range_parent_id|char(36)|0|", "invoice_held_at|integer|0|0", "taken_at|integer|0|0",
	"created_at|integer|1|", "buyer_sent_rate|integer|0|0", "seller_sent_rate|integer|0|0",
	"payment_attempts|integer|0|0", "failed_payment|integer|0|0", "expires_at|integer|1|",
	"trade_index_seller|integer|0|0", "trade_index_buyer|integer|0|0",
	"next_trade_pubkey|char(64)|0|", "next_trade_index|integer|0|0",
	/* 20251126120000_dev_fee */
	"dev_fee|INTEGER|0|0", "dev_fee_paid|INTEGER|1|0", "dev_fee_payment_hash|CHAR(64)|0|",
	/* 20260530120000_cashu_escrow_fields */
	"cashu_mint_url|text|0|", "cashu_escrow_token|text|0|", "cashu_escrow_locked_at|integer|0|",
	/* 20260815120000 / 20260815120100 */
	"payout_payment_hash|char(64)|0|", "payout_claimed_at|integer|0|",
};

static const char *const disputes_cols[] = {
	"id|char(36)|1|", "order_id|char(36)|1|", "status|varchar(10)|1|",
	"order_previous_status|varchar(10)|1|", "solver_pubkey|char(64)|0|",
	"created_at|integer|1|", "taken_at|integer|0|0",
};

static const char *const users_cols[] = {
	"pubkey|char(64)|1|", "is_admin|integer|1|0", "admin_password|char(64)|0|",
	"is_solver|integer|1|0", "is_banned|integer|1|0", "category|integer|1|0",
	"last_trade_index|integer|1|0", "total_reviews|integer|1|0", "total_rating|real|1|0.0",
	"last_rating|integer|1|0", "max_rating|integer|1|0", "min_rating|integer|1|0",
	"created_at|integer|1|",
};

static void check_table(sqlite3 *db, const char *table, const char *const *want, size_t n)
{
	char sql[128];
	snprintf(sql, sizeof sql, "PRAGMA table_info(%s)", table);
	sqlite3_stmt *st;
	sqlite3_prepare_v2(db, sql, -1, &st, NULL);
	size_t i = 0;
	bool all = true;
	while (sqlite3_step(st) == SQLITE_ROW) {
		char got[160];
		const char *dflt = (const char *)sqlite3_column_text(st, 4);
		snprintf(got, sizeof got, "%s|%s|%d|%s", sqlite3_column_text(st, 1), sqlite3_column_text(st, 2),
			 sqlite3_column_int(st, 3), dflt ? dflt : "");
		/* SQLite reports simple declared types upper-cased: compare ignoring case */
		if (i >= n || strcasecmp(got, want[i]) != 0) {
			t_diag("%s column %zu: got %s, want %s", table, i, got, i < n ? want[i] : "(none)");
			all = false;
		}
		i++;
	}
	sqlite3_finalize(st);
	t_ok(all && i == n, "%s has mostrod's %zu columns in order, with their types, NOT NULL and defaults", table, n);
}

static const char *query(sqlite3 *db, const char *sql)
{
	static char out[256];
	sqlite3_stmt *st;
	out[0] = 0;
	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
		return "error";
	if (sqlite3_step(st) == SQLITE_ROW && sqlite3_column_text(st, 0))
		snprintf(out, sizeof out, "%s", (const char *)sqlite3_column_text(st, 0));
	sqlite3_finalize(st);
	return out;
}

static void full_order(order_row *o)
{
	order_row_init(o);
	strcpy(o->id, "0b7e5a1c-9f4e-4c7a-8d2b-3e1f6a9c0d11");
	o->kind = ORDER_SELL;
	str_set(&o->event_id, "ee");
	str_set(&o->hash, "aa");
	str_set(&o->preimage, "bb");
	str_set(&o->creator_pubkey, "c1");
	str_set(&o->buyer_pubkey, "b1");
	str_set(&o->master_buyer_pubkey, "b0");
	str_set(&o->seller_pubkey, "c1");
	str_set(&o->master_seller_pubkey, "c0");
	o->status = OS_WAITING_BUYER_INVOICE;
	o->price_from_api = true;
	o->premium = -5;
	str_set(&o->payment_method, "SEPA,bank transfer");
	o->amount = INT64_MAX;
	o->min_amount = OPT_SOME(10);
	o->max_amount = OPT_NONE;
	o->buyer_cooperativecancel = true;
	o->fee = 300;
	str_set(&o->fiat_code, "EUR");
	o->fiat_amount = 100;
	str_set(&o->buyer_invoice, "lnbcrt1...");
	o->invoice_held_at = 0;
	o->taken_at = 1700000000;
	o->created_at = 1699990000;
	o->seller_sent_rate = true;
	o->payment_attempts = 2;
	o->expires_at = INT64_MIN;
	o->trade_index_seller = OPT_SOME(7);
	o->trade_index_buyer = OPT_SOME(0);
	o->next_trade_index = OPT_NONE;
	o->dev_fee = 180;
	o->payout_claimed_at = OPT_SOME(-1);
}

static bool orders_equal(const order_row *a, const order_row *b)
{
	return strcmp(a->id, b->id) == 0 && a->kind == b->kind && str_eq(a->event_id, b->event_id) &&
	       str_eq(a->hash, b->hash) && str_eq(a->preimage, b->preimage) &&
	       str_eq(a->creator_pubkey, b->creator_pubkey) && !b->cancel_initiator_pubkey &&
	       str_eq(a->master_buyer_pubkey, b->master_buyer_pubkey) && a->status == b->status &&
	       a->price_from_api == b->price_from_api && a->premium == b->premium &&
	       str_eq(a->payment_method, b->payment_method) && a->amount == b->amount &&
	       a->min_amount.set == b->min_amount.set && a->min_amount.v == b->min_amount.v &&
	       !b->max_amount.set && a->buyer_cooperativecancel == b->buyer_cooperativecancel &&
	       !b->seller_cooperativecancel && a->fee == b->fee && str_eq(a->fiat_code, b->fiat_code) &&
	       str_eq(a->buyer_invoice, b->buyer_invoice) && !b->range_parent_id &&
	       a->taken_at == b->taken_at && a->created_at == b->created_at &&
	       a->seller_sent_rate == b->seller_sent_rate && a->payment_attempts == b->payment_attempts &&
	       a->expires_at == b->expires_at && a->trade_index_seller.v == b->trade_index_seller.v &&
	       b->trade_index_buyer.set && b->trade_index_buyer.v == 0 && !b->next_trade_index.set &&
	       a->dev_fee == b->dev_fee && b->payout_claimed_at.set && b->payout_claimed_at.v == -1;
}

static void rows(void)
{
	char err[256] = "";
	order_db *d = order_db_open(":memory:", err, sizeof err);
	t_ok(d != NULL, "opens :memory: (%s)", err);
	sqlite3 *db = order_db_handle(d);
	check_table(db, "orders", orders_cols, sizeof orders_cols / sizeof *orders_cols);
	check_table(db, "disputes", disputes_cols, sizeof disputes_cols / sizeof *disputes_cols);
	check_table(db, "users", users_cols, sizeof users_cols / sizeof *users_cols);

	order_row o, back;
	full_order(&o);
	order_row_init(&back);
	t_eq_int(order_insert(d, &o), ODB_OK, "insert an order");
	t_eq_int(order_insert(d, &o), ODB_CONFLICT, "the same id again is a conflict");
	t_eq_int(order_load(d, o.id, &back), ODB_OK, "load it");
	t_ok(orders_equal(&o, &back), "every column round-trips (NULLs, INT64_MAX/MIN, booleans, 0 vs NULL)");
	t_eq_str(query(db, "SELECT status FROM orders"), "waiting-buyer-invoice", "status stored as mostrod's string");
	t_eq_str(query(db, "SELECT kind FROM orders"), "sell", "kind stored as buy/sell");
	t_eq_str(query(db, "SELECT quote(max_amount) || ',' || quote(min_amount) FROM orders"), "NULL,10",
		 "an absent range bound is NULL, as sqlx binds None");
	t_eq_int(order_load_by_hash(d, "aa", &back), ODB_OK, "load by hash");

	/* compare-and-swap */
	order_status pre[] = {OS_PENDING, OS_WAITING_TAKER_BOND};
	o.status = OS_CANCELED;
	t_eq_int(order_save_if(d, &o, pre, 2), ODB_CONFLICT, "CAS guarded by pending fails on waiting-buyer-invoice");
	t_eq_str(query(db, "SELECT status FROM orders"), "waiting-buyer-invoice", "... and wrote nothing");
	order_status wbi[] = {OS_WAITING_BUYER_INVOICE};
	t_eq_int(order_save_if(d, &o, wbi, 1), ODB_OK, "CAS with the right guard writes");
	t_eq_str(query(db, "SELECT status FROM orders"), "canceled", "... the new status");
	t_eq_int(order_load(d, "00000000-0000-4000-8000-000000000000", &back), ODB_NOT_FOUND, "unknown id: not found");

	sqlite3_exec(db, "UPDATE orders SET status = 'waitingpayment'", NULL, NULL, NULL);
	t_eq_int(order_load(d, o.id, &back), ODB_CORRUPT, "an unknown stored status is reported, not guessed");

	/* users and disputes */
	user_row u, ub;
	user_row_init(&u);
	user_row_init(&ub);
	strcpy(u.pubkey, "ab");
	u.is_solver = true;
	u.category = 2;
	u.total_rating = 3.75;
	u.created_at = 5;
	t_eq_int(user_insert(d, &u), ODB_OK, "insert a user");
	t_eq_int(user_insert(d, &u), ODB_CONFLICT, "a second insert of the same key conflicts");
	t_eq_int(user_set_last_trade_index(d, "ab", 9), ODB_OK, "set last_trade_index");
	t_eq_int(user_set_last_trade_index(d, "zz", 9), ODB_OK, "... on a missing user is a no-op");
	t_ok(user_load(d, "ab", &ub) == ODB_OK && ub.last_trade_index == 9 && ub.total_rating == 3.75 &&
	     ub.is_solver && ub.category == 2, "user round-trips");
	user_row_free(&u);
	user_row_free(&ub);

	dispute_row x, xb;
	dispute_row_init(&x);
	dispute_row_init(&xb);
	strcpy(x.id, "11111111-1111-4111-8111-111111111111");
	strcpy(x.order_id, o.id);
	x.status = DS_IN_PROGRESS;
	str_set(&x.order_previous_status, "fiat-sent");
	t_eq_int(dispute_insert(d, &x), ODB_OK, "insert a dispute");
	t_ok(dispute_load_by_order(d, o.id, &xb) == ODB_OK && xb.status == DS_IN_PROGRESS &&
	     str_eq(xb.order_previous_status, "fiat-sent") && !xb.solver_pubkey, "dispute round-trips");
	t_eq_str(query(db, "SELECT status FROM disputes"), "in-progress", "dispute status as mostrod's string");
	strcpy(x.id, "22222222-2222-4222-8222-222222222222");
	t_eq_int(dispute_insert(d, &x), ODB_CONFLICT, "one dispute per order (order_id UNIQUE)");
	dispute_row_free(&x);
	dispute_row_free(&xb);

	order_row_free(&o);
	order_row_free(&back);
	order_db_close(d);
}

static void engine_tables(void)
{
	char err[256] = "";
	order_db *d = order_db_open(":memory:", err, sizeof err);
	t_eq_int(processed_add(d, "e1", 10), ODB_OK, "a new event id is recorded");
	t_eq_int(processed_add(d, "e1", 11), ODB_CONFLICT, "the same id again is a replay");

	int64_t t = 0;
	pub_clock_next(d, 38383, "o1", 100, &t);
	t_eq_int(t, 100, "first revision at now");
	pub_clock_next(d, 38383, "o1", 100, &t);
	t_eq_int(t, 101, "second revision in the same second: last + 1");
	pub_clock_next(d, 38383, "o1", 50, &t);
	t_eq_int(t, 102, "a clock behind the last revision still increases");
	pub_clock_next(d, 38386, "o1", 50, &t);
	t_eq_int(t, 50, "another kind has its own clock");

	char tr[3];
	key_transport_get(d, "k", tr);
	t_eq_str(tr, "", "unknown key: no transport");
	key_transport_set(d, "k", "v1", 5);
	key_transport_get(d, "k", tr);
	t_eq_str(tr, "v1", "transport recorded per key");

	int64_t seq1, seq2;
	outbox_add(d, "wrap", "a", 1, &seq1);
	outbox_add(d, "wrap", "b", 1, &seq2);
	t_ok(seq2 == seq1 + 1, "outbox sequence increases");
	outbox_delete_through(d, seq1);
	t_eq_str(query(order_db_handle(d), "SELECT group_concat(line) FROM outbox"), "b", "delete through a seq keeps the later lines");

	/* the first-contact lane's known keys (§9 4b, mostro#882) */
	static const struct { order_status s; bool known; } lanes[] = {
		{OS_PENDING, true}, {OS_ACTIVE, true}, {OS_DISPUTE, true}, {OS_SETTLED_HOLD_INVOICE, true},
		{OS_SUCCESS, false}, {OS_CANCELED, false}, {OS_EXPIRED, false},
		{OS_CANCELED_BY_ADMIN, false}, {OS_COOPERATIVELY_CANCELED, false},
		{OS_COMPLETED_BY_ADMIN, false}, {OS_SETTLED_BY_ADMIN, false},
	};
	for (size_t i = 0; i < sizeof lanes / sizeof *lanes; i++) {
		order_row o;
		order_row_init(&o);
		snprintf(o.id, sizeof o.id, "00000000-0000-4000-8000-%012zu", i);
		str_set(&o.event_id, "");
		str_set(&o.payment_method, "x");
		str_set(&o.fiat_code, "USD");
		char key[16];
		snprintf(key, sizeof key, "key%zu", i);
		str_set(&o.creator_pubkey, key);
		o.status = lanes[i].s;
		order_insert(d, &o);
		bool known = !lanes[i].known;
		order_key_is_known(d, key, &known);
		t_ok(known == lanes[i].known, "a trade key in a %s order is %s", order_status_name(lanes[i].s),
		     lanes[i].known ? "known" : "not known (terminal)");
		order_row_free(&o);
	}
	order_db_close(d);
}

static void file_mode(void)
{
	char dir[] = "/tmp/test_order_db.XXXXXX", path[128], err[256] = "";
	if (!mkdtemp(dir))
		return;
	snprintf(path, sizeof path, "%s/mostro.db", dir);
	mode_t old = umask(022);
	order_db *d = order_db_open(path, err, sizeof err);
	struct stat sb;
	t_ok(d && stat(path, &sb) == 0 && (sb.st_mode & 0777) == 0600, "the database file is created 0600 (%s)", err);
	static const char *const side[] = {"-wal", "-shm"};
	for (int i = 0; i < 2; i++) {
		char p2[140];
		snprintf(p2, sizeof p2, "%s%s", path, side[i]);
		t_ok(d && stat(p2, &sb) == 0 && (sb.st_mode & 0777) == 0600, "its %s file is 0600 under umask 022",
		     side[i]);
	}
	order_db_close(d);
	d = order_db_open(path, err, sizeof err);
	t_ok(d != NULL, "reopening migrates nothing twice");
	order_db_close(d);
	umask(old);
	/* a symlink planted at the name: its target is never created */
	char link[128], target[128];
	snprintf(link, sizeof link, "%s/planted.db", dir);
	snprintf(target, sizeof target, "%s/target.db", dir);
	t_ok(symlink(target, link) == 0, "a dangling symlink planted at the name");
	err[0] = 0;
	d = order_db_open(link, err, sizeof err);
	t_ok(d == NULL && strstr(err, "planted.db: not a regular file nor a symlink to one"), "it is refused (%s)", err);
	t_ok(access(target, F_OK) != 0, "and not followed: its target is not created");
	order_db_close(d);
	char cmd[200];
	snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
	if (system(cmd) != 0)
		t_diag("cleanup failed");
}

static int pragma_int(sqlite3 *db, const char *sql)
{
	sqlite3_stmt *st = NULL;
	int v = -1;
	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) == SQLITE_OK && sqlite3_step(st) == SQLITE_ROW)
		v = sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	return v;
}

/* The engine opens its file as the store's single writer and wraps that
 * handle (order_run): the wrap, not order_db_open, sets the connection up,
 * so both ways keep each input's SAVEPOINT journal in memory (temp_store 2).
 * On a file it once went to /var/tmp: three quarters of the engine's
 * pwrite(2) calls. */
static void engine_connection(void)
{
	char dir[] = "/tmp/test_order_db.XXXXXX", path[128], err[256] = "";
	if (!mkdtemp(dir))
		return;
	snprintf(path, sizeof path, "%s/mostro.db", dir);
	store_writer w = STORE_WRITER_INIT;
	store_db_err se = store_writer_open(&w, path, STORE_CREATE_OR_OPEN, "test_order_db", err, sizeof err);
	t_ok(se == STORE_DB_OK, "the store's writer opens a new file (%s)", err);
	if (se == STORE_DB_OK) {
		order_db *d = order_db_wrap(w.db);
		t_ok(pragma_int(order_db_handle(d), "PRAGMA temp_store") == 2,
		     "a wrapped writer handle keeps statement journals in memory");
		order_db_close(d);
		store_lock_release(&w.lock);
	}
	order_db *m = order_db_open(path, err, sizeof err);
	t_ok(m && pragma_int(order_db_handle(m), "PRAGMA temp_store") == 2, "so does order_db_open (%s)", err);
	order_db_close(m);
	char cmd[200];
	snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
	if (system(cmd) != 0)
		t_diag("cleanup failed");
}

/* order_db_prepared: one statement per text, handed back reset and unbound;
 * texts past the table are prepared and finalized each time (ASan sees a
 * leak if not). */
static void kept_statements(void)
{
	char err[256] = "";
	order_db *d = order_db_open(":memory:", err, sizeof err);
	if (!d)
		return;
	const char *sql = "SELECT ?1";
	sqlite3_stmt *a = order_db_prepared(d, sql);
	t_ok(a && sqlite3_bind_int64(a, 1, 42) == SQLITE_OK && sqlite3_step(a) == SQLITE_ROW &&
	     sqlite3_column_int64(a, 0) == 42, "kept: a statement to bind and step");
	order_db_done(d, a);
	char copy[16];
	snprintf(copy, sizeof copy, "%s", sql);
	sqlite3_stmt *b = order_db_prepared(d, copy);
	t_ok(b == a, "kept: the same text (another copy of it) gets the same statement");
	t_ok(b && sqlite3_step(b) == SQLITE_ROW && sqlite3_column_type(b, 0) == SQLITE_NULL,
	     "kept: handed back reset, its old binding cleared");
	order_db_done(d, b);
	t_ok(order_db_prepared(d, "SELEC nothing") == NULL && strstr(order_db_errmsg(d), "syntax error"),
	     "kept: a bad text is NULL and the reason is kept (%s)", order_db_errmsg(d));
	bool all = true;
	for (int i = 0; i < 80; i++) {
		char q[32];
		snprintf(q, sizeof q, "SELECT %d", i);
		sqlite3_stmt *st = order_db_prepared(d, q);
		all &= st && sqlite3_step(st) == SQLITE_ROW && sqlite3_column_int(st, 0) == i;
		order_db_done(d, st);
	}
	t_ok(all, "kept: 80 distinct texts all run (those past the table prepared each time)");
	order_db_close(d);
}

static char *row_json(const order_row *o)
{
	buf b = BUF_INIT;
	jv v = order_row_to_jv(o);
	json_write(&b, v);
	jv_free(v);
	return buf_steal(&b);
}

/* After order_save(o), the stored row is o, column for column. */
static bool stored_as(order_db *d, const order_row *o)
{
	order_row back;
	order_row_init(&back);
	bool ok = order_load(d, o->id, &back) == ODB_OK;
	char *a = row_json(o), *b = row_json(&back);
	ok = ok && strcmp(a, b) == 0;
	if (!ok)
		fprintf(stderr, "# want %s\n#  got %s\n", a, b);
	free(a);
	free(b);
	order_row_free(&back);
	return ok;
}

static void set_status(order_row *o) { o->status = OS_ACTIVE; }
static void set_text(order_row *o) { str_set(&o->payment_method, "cash"); }
static void null_opt_text(order_row *o) { str_set(&o->hash, NULL); }
static void set_opt_text(order_row *o) { str_set(&o->cancel_initiator_pubkey, "c1"); }
static void set_i64(order_row *o) { o->amount = -1; }
static void set_opt_i64(order_row *o) { o->max_amount = OPT_SOME(0); }
static void none_opt_i64(order_row *o) { o->min_amount = OPT_NONE; }
static void set_bool(order_row *o) { o->price_from_api = false; }
static void set_kind(order_row *o) { o->kind = ORDER_BUY; }
static void set_last(order_row *o) { o->payout_claimed_at = OPT_SOME(42); }
static void set_many(order_row *o)
{
	o->status = OS_SETTLED_HOLD_INVOICE;
	str_set(&o->preimage, "cc");
	o->fee = 0;
	o->buyer_dispute = true;
	o->next_trade_index = OPT_SOME(3);
}

static void partial_saves(void)
{
	static const struct {
		const char *what;
		void (*change)(order_row *);
	} cases[] = {
		{"the status alone", set_status},
		{"a text", set_text},
		{"an optional text to NULL", null_opt_text},
		{"an optional text from NULL", set_opt_text},
		{"an integer", set_i64},
		{"an optional integer from NULL (to 0)", set_opt_i64},
		{"an optional integer to NULL", none_opt_i64},
		{"a boolean", set_bool},
		{"the kind", set_kind},
		{"the last column", set_last},
		{"five columns at once", set_many},
	};
	char err[256] = "";
	order_db *d = order_db_open(":memory:", err, sizeof err);
	sqlite3 *db = order_db_handle(d);
	order_row o;
	full_order(&o);
	t_eq_int(order_insert(d, &o), ODB_OK, "save: an order to change");
	for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
		cases[i].change(&o);
		t_eq_int(order_save(d, &o), ODB_OK, "save: %s", cases[i].what);
		t_ok(stored_as(d, &o), "save: %s: the stored row is the saved one", cases[i].what);
	}
	t_eq_int(order_save(d, &o), ODB_OK, "save: nothing changed: ok, nothing to write");
	t_ok(stored_as(d, &o), "save: nothing changed: the row is as it was");

	sqlite3_exec(db, "UPDATE orders SET fee = 999, buyer_pubkey = NULL", NULL, NULL, NULL);
	o.status = OS_SUCCESS;
	t_eq_int(order_save(d, &o), ODB_OK, "save: after a change behind its back");
	t_ok(stored_as(d, &o), "save: the columns changed behind its back are written back, as a full-row write would");

	sqlite3_exec(db, "UPDATE orders SET status = 'waitingpayment'", NULL, NULL, NULL);
	t_eq_int(order_save(d, &o), ODB_OK, "save: over an unreadable stored status");
	t_ok(stored_as(d, &o), "save: ... the row is written whole");

	order_row x;
	full_order(&x);
	strcpy(x.id, "00000000-0000-4000-8000-000000000000");
	t_eq_int(order_save(d, &x), ODB_NOT_FOUND, "save: an id not stored is not found");
	order_status any[] = {OS_PENDING, OS_SUCCESS};
	t_eq_int(order_save_if(d, &x, any, 2), ODB_CONFLICT, "save_if: an id not stored is a conflict");
	o.status = OS_CANCELED;
	str_set(&o.payment_method, "guarded");
	t_eq_int(order_save_if(d, &o, any + 1, 1), ODB_OK, "save_if: the guard holds (success)");
	t_ok(stored_as(d, &o), "save_if: the stored row is the saved one");
	o.status = OS_ACTIVE;
	t_eq_int(order_save_if(d, &o, any + 1, 1), ODB_CONFLICT, "save_if: the guard no longer holds (canceled)");
	t_eq_str(query(db, "SELECT status || ',' || payment_method FROM orders"), "canceled,guarded", "save_if: nothing written");
	t_eq_int(order_save_if(d, &o, any, 0), ODB_CONFLICT, "save_if: an empty guard never holds");
	order_row_free(&x);
	order_row_free(&o);
	order_db_close(d);
}

/* Manual checkpoints: none inside the commits, the WAL's frames counted,
 * emptied on request, every row kept. */
static void checkpoints(void)
{
	char dir[] = "/tmp/test_order_db_ckpt.XXXXXX", path[128], err[256] = "";
	if (!mkdtemp(dir))
		return;
	snprintf(path, sizeof path, "%s/mostro.db", dir);
	order_db *d = order_db_open(path, err, sizeof err);
	t_ok(d != NULL, "checkpoints: a database file (%s)", err);
	order_db_manual_checkpoints(d);
	t_eq_int(order_db_wal_frames(d), 0, "checkpoints: no frame counted before a commit");
	sqlite3 *db = order_db_handle(d);
	char sql[160];
	for (int i = 0; i < 1500; i++) {
		order_db_begin(d);
		snprintf(sql, sizeof sql, "INSERT INTO processed VALUES ('%064d', %d)", i, i);
		sqlite3_exec(db, sql, NULL, NULL, NULL);
		order_db_commit(d);
	}
	t_ok(order_db_wal_frames(d) > 1000, "checkpoints: past SQLite's 1000 frames, none ran (%d frames)",
	     order_db_wal_frames(d));
	t_ok(order_db_checkpoint(d), "checkpoints: one on request");
	t_eq_int(order_db_wal_frames(d), 0, "checkpoints: the WAL is all in the database");
	order_db_begin(d);
	sqlite3_exec(db, "INSERT INTO processed VALUES ('x', 1)", NULL, NULL, NULL);
	order_db_commit(d);
	t_ok(order_db_wal_frames(d) > 0 && order_db_wal_frames(d) < 10, "checkpoints: the next commit starts the WAL over (%d)",
	     order_db_wal_frames(d));
	t_eq_str(query(db, "SELECT count(*) FROM processed"), "1501", "checkpoints: every row is there");
	order_db_close(d);
	char p2[160];
	const char *const files[] = {"", "-wal", "-shm", ".lock"};
	for (int i = 0; i < 4; i++) {
		snprintf(p2, sizeof p2, "%s%s", path, files[i]);
		unlink(p2);
	}
	rmdir(dir);
}

int main(void)
{
	rows();
	checkpoints();
	partial_saves();
	engine_tables();
	file_mode();
	engine_connection();
	kept_statements();
	for (int s = -1; s <= OS_COUNT; s++) {
		const char *n = order_status_name(s);
		if (s < 0 || s == OS_COUNT)
			t_ok(n == NULL, "order_status_name(%d) is NULL", s);
		else
			t_ok(n && order_status_from_name(n) == s, "status %d round-trips through its name", s);
	}
	return t_done();
}
