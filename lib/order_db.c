/* order_db.c — schema, statement cache and row I/O of lib/order_db.h.
 *
 * Rows are read and written by one walker over a column table per mostrod
 * table (name, type, offset in the C row), in the tables' column order, so
 * the SELECT/INSERT/UPDATE texts are generated and cannot drift from the
 * struct. */
#include "order_db.h"

#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "buf.h"
#include "json.h"
#include "safefile.h"

/* ------------------------------------------------------------ migrations */

/* mostrod 0.18.5's tables, column for column (its migrations/ folded), then
 * ours. Version 1 of component "order". */
static const char schema_v1[] =
	"CREATE TABLE IF NOT EXISTS orders (\n"
	"  id char(36) primary key not null,\n"
	"  kind varchar(4) not null,\n"
	"  event_id char(64) not null,\n"
	"  hash char(64),\n"
	"  preimage char(64),\n"
	"  creator_pubkey char(64),\n"
	"  cancel_initiator_pubkey char(64),\n"
	"  dispute_initiator_pubkey char(64),\n"
	"  buyer_pubkey char(64),\n"
	"  master_buyer_pubkey char(64),\n"
	"  seller_pubkey char(64),\n"
	"  master_seller_pubkey char(64),\n"
	"  status varchar(10) not null,\n"
	"  price_from_api integer not null default 0,\n"
	"  premium integer not null,\n"
	"  payment_method varchar(500) not null,\n"
	"  amount integer not null,\n"
	"  min_amount integer default 0,\n"
	"  max_amount integer default 0,\n"
	"  buyer_dispute integer not null default 0,\n"
	"  seller_dispute integer not null default 0,\n"
	"  buyer_cooperativecancel integer not null default 0,\n"
	"  seller_cooperativecancel integer not null default 0,\n"
	"  fee integer not null default 0,\n"
	"  routing_fee integer not null default 0,\n"
	"  fiat_code varchar(5) not null,\n"
	"  fiat_amount integer not null,\n"
	"  buyer_invoice text,\n"
	"  range_parent_id char(36),\n"
	"  invoice_held_at integer default 0,\n"
	"  taken_at integer default 0,\n"
	"  created_at integer not null,\n"
	"  buyer_sent_rate integer default 0,\n"
	"  seller_sent_rate integer default 0,\n"
	"  payment_attempts integer default 0,\n"
	"  failed_payment integer default 0,\n"
	"  expires_at integer not null,\n"
	"  trade_index_seller integer default 0,\n"
	"  trade_index_buyer integer default 0,\n"
	"  next_trade_pubkey char(64),\n"
	"  next_trade_index integer default 0,\n"
	"  dev_fee INTEGER DEFAULT 0,\n"
	"  dev_fee_paid INTEGER NOT NULL DEFAULT 0,\n"
	"  dev_fee_payment_hash CHAR(64),\n"
	"  cashu_mint_url text,\n"
	"  cashu_escrow_token text,\n"
	"  cashu_escrow_locked_at integer,\n"
	"  payout_payment_hash char(64),\n"
	"  payout_claimed_at integer\n"
	");\n"
	"CREATE UNIQUE INDEX IF NOT EXISTS idx_orders_cashu_escrow_token\n"
	"  ON orders (cashu_escrow_token) WHERE cashu_escrow_token IS NOT NULL;\n"
	"CREATE TABLE IF NOT EXISTS disputes (\n"
	"  id char(36) primary key not null,\n"
	"  order_id char(36) unique not null,\n"
	"  status varchar(10) not null,\n"
	"  order_previous_status varchar(10) not null,\n"
	"  solver_pubkey char(64),\n"
	"  created_at integer not null,\n"
	"  taken_at integer default 0\n"
	");\n"
	"CREATE TABLE IF NOT EXISTS users (\n"
	"  pubkey char(64) primary key not null,\n"
	"  is_admin integer not null default 0,\n"
	"  admin_password char(64),\n"
	"  is_solver integer not null default 0,\n"
	"  is_banned integer not null default 0,\n"
	"  category integer not null default 0,\n"
	"  last_trade_index integer not null default 0,\n"
	"  total_reviews integer not null default 0,\n"
	"  total_rating real not null default 0.0,\n"
	"  last_rating integer not null default 0,\n"
	"  max_rating integer not null default 0,\n"
	"  min_rating integer not null default 0,\n"
	"  created_at integer not null\n"
	");\n"
	/* Indexes of ours on mostrod's tables (lookups the engine makes per message). */
	"CREATE INDEX IF NOT EXISTS mu_orders_hash ON orders(hash);\n"
	"CREATE INDEX IF NOT EXISTS mu_orders_status ON orders(status);\n"
	"CREATE INDEX IF NOT EXISTS mu_orders_master_buyer ON orders(master_buyer_pubkey, status);\n"
	"CREATE INDEX IF NOT EXISTS mu_orders_master_seller ON orders(master_seller_pubkey, status);\n"
	"CREATE INDEX IF NOT EXISTS mu_orders_buyer ON orders(buyer_pubkey);\n"
	"CREATE INDEX IF NOT EXISTS mu_orders_seller ON orders(seller_pubkey);\n"
	"CREATE INDEX IF NOT EXISTS mu_orders_creator ON orders(creator_pubkey);\n"
	/* The engine's own tables. */
	"CREATE TABLE engine_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID;\n"
	"CREATE TABLE processed (event_id TEXT PRIMARY KEY, at INTEGER NOT NULL) WITHOUT ROWID;\n"
	"CREATE TABLE ln_intents (\n"
	"  seq INTEGER PRIMARY KEY AUTOINCREMENT,\n"
	"  op TEXT NOT NULL,\n"
	"  order_id TEXT,\n"
	"  hash TEXT,\n"
	"  state TEXT NOT NULL DEFAULT 'open',\n"
	"  next_step TEXT,\n"
	"  ctx TEXT,\n"
	"  request TEXT,\n"
	"  created_at INTEGER NOT NULL\n"
	");\n"
	"CREATE INDEX ln_intents_open ON ln_intents(state) WHERE state = 'open';\n"
	"CREATE TABLE outbox (seq INTEGER PRIMARY KEY AUTOINCREMENT, stream TEXT NOT NULL, line TEXT NOT NULL);\n"
	"CREATE TABLE prices (fiat_code TEXT PRIMARY KEY, price REAL NOT NULL, at INTEGER NOT NULL, source TEXT) WITHOUT ROWID;\n"
	"CREATE TABLE pub_clock (kind INTEGER NOT NULL, d TEXT NOT NULL, last_created_at INTEGER NOT NULL,\n"
	"  PRIMARY KEY (kind, d)) WITHOUT ROWID;\n"
	"CREATE TABLE key_transport (pubkey TEXT PRIMARY KEY, transport TEXT NOT NULL, at INTEGER NOT NULL) WITHOUT ROWID;\n"
	"CREATE TABLE jobs (name TEXT PRIMARY KEY, next_at INTEGER NOT NULL) WITHOUT ROWID;\n"
	"CREATE TABLE rating_queue (seq INTEGER PRIMARY KEY AUTOINCREMENT, template TEXT NOT NULL, created_at INTEGER NOT NULL);\n"
	"CREATE TABLE parked (seq INTEGER PRIMARY KEY AUTOINCREMENT, intent_seq INTEGER NOT NULL, record TEXT NOT NULL,\n"
	"  created_at INTEGER NOT NULL);\n"
	"CREATE INDEX parked_intent ON parked(intent_seq);\n";

/* Version 2: the escrow lock and what waits on it (lib/order_db.h "the
 * escrow lock"): intents by order (the lock and the payout attempts are
 * asked by order), intents waiting to be asked again (due_at), and the
 * inputs deferred while an order's escrow is being settled or canceled. */
static const char schema_v2[] =
	"ALTER TABLE ln_intents ADD COLUMN due_at INTEGER;\n"
	"CREATE INDEX ln_intents_order ON ln_intents(order_id, op);\n"
	"CREATE INDEX ln_intents_waiting ON ln_intents(due_at) WHERE state = 'wait';\n"
	"CREATE TABLE deferred (seq INTEGER PRIMARY KEY AUTOINCREMENT, order_id TEXT NOT NULL,\n"
	"  kind TEXT NOT NULL, record TEXT NOT NULL, probe INTEGER NOT NULL DEFAULT 0, created_at INTEGER NOT NULL);\n"
	"CREATE INDEX deferred_order ON deferred(order_id, seq);\n";

/* Version 3: the escrow lock asked on every input finds its (usually no)
 * open settle or cancel by one probe of a partial index kept in seq order,
 * instead of two probes of ln_intents_order and a sort. */
static const char schema_v3[] =
	"CREATE INDEX ln_intents_escrow ON ln_intents(order_id, seq)\n"
	"  WHERE op IN ('settle_hold_invoice', 'cancel_hold_invoice') AND state <> 'done';\n";

const db_migration order_db_migrations[] = {
	{1, schema_v1},
	{2, schema_v2},
	{3, schema_v3},
};
const size_t order_db_migration_count = sizeof order_db_migrations / sizeof *order_db_migrations;

const char *order_db_strerror(order_db_err e)
{
	switch (e) {
	case ODB_OK: return "ok";
	case ODB_NOT_FOUND: return "not found";
	case ODB_CONFLICT: return "conflict";
	case ODB_CORRUPT: return "unreadable stored value";
	case ODB_SQL: return "database error";
	}
	return "unknown error";
}

/* ----------------------------------------------------------- column tables */

typedef enum col_type {
	C_UUID,       /* char[37] */
	C_KEY,        /* char[65] */
	C_TEXT,       /* char *, NOT NULL column ("" written for NULL) */
	C_OPT_TEXT,   /* char *, NULL allowed */
	C_I64,        /* int64_t (NULL reads as 0) */
	C_OPT_I64,    /* opt_i64 */
	C_BOOL,       /* bool as 0/1 */
	C_REAL,       /* double */
	C_STATUS,     /* order_status as its string */
	C_KIND,       /* order_kind as buy/sell */
	C_DSTATUS,    /* dispute_status as its string */
} col_type;

typedef struct col {
	const char *name;
	col_type    type;
	size_t      off;
} col;

#define OC(n, t) {#n, t, offsetof(order_row, n)}
static const col order_cols[] = {
	OC(id, C_UUID), OC(kind, C_KIND), OC(event_id, C_TEXT), OC(hash, C_OPT_TEXT),
	OC(preimage, C_OPT_TEXT), OC(creator_pubkey, C_OPT_TEXT),
	OC(cancel_initiator_pubkey, C_OPT_TEXT), OC(dispute_initiator_pubkey, C_OPT_TEXT),
	OC(buyer_pubkey, C_OPT_TEXT), OC(master_buyer_pubkey, C_OPT_TEXT),
	OC(seller_pubkey, C_OPT_TEXT), OC(master_seller_pubkey, C_OPT_TEXT),
	OC(status, C_STATUS), OC(price_from_api, C_BOOL), OC(premium, C_I64),
	OC(payment_method, C_TEXT), OC(amount, C_I64), OC(min_amount, C_OPT_I64),
	OC(max_amount, C_OPT_I64), OC(buyer_dispute, C_BOOL), OC(seller_dispute, C_BOOL),
	OC(buyer_cooperativecancel, C_BOOL), OC(seller_cooperativecancel, C_BOOL),
	OC(fee, C_I64), OC(routing_fee, C_I64), OC(fiat_code, C_TEXT), OC(fiat_amount, C_I64),
	OC(buyer_invoice, C_OPT_TEXT), OC(range_parent_id, C_OPT_TEXT),
	OC(invoice_held_at, C_I64), OC(taken_at, C_I64), OC(created_at, C_I64),
	OC(buyer_sent_rate, C_BOOL), OC(seller_sent_rate, C_BOOL),
	OC(payment_attempts, C_I64), OC(failed_payment, C_BOOL), OC(expires_at, C_I64),
	OC(trade_index_seller, C_OPT_I64), OC(trade_index_buyer, C_OPT_I64),
	OC(next_trade_pubkey, C_OPT_TEXT), OC(next_trade_index, C_OPT_I64),
	OC(dev_fee, C_I64), OC(dev_fee_paid, C_BOOL), OC(dev_fee_payment_hash, C_OPT_TEXT),
	OC(cashu_mint_url, C_OPT_TEXT), OC(cashu_escrow_token, C_OPT_TEXT),
	OC(cashu_escrow_locked_at, C_OPT_I64), OC(payout_payment_hash, C_OPT_TEXT),
	OC(payout_claimed_at, C_OPT_I64),
};
#undef OC

#define DC(n, t) {#n, t, offsetof(dispute_row, n)}
static const col dispute_cols[] = {
	DC(id, C_UUID), DC(order_id, C_UUID), DC(status, C_DSTATUS),
	DC(order_previous_status, C_TEXT), DC(solver_pubkey, C_OPT_TEXT),
	DC(created_at, C_I64), DC(taken_at, C_I64),
};
#undef DC

#define UC(n, t) {#n, t, offsetof(user_row, n)}
static const col user_cols[] = {
	UC(pubkey, C_KEY), UC(is_admin, C_BOOL), UC(admin_password, C_OPT_TEXT),
	UC(is_solver, C_BOOL), UC(is_banned, C_BOOL), UC(category, C_I64),
	UC(last_trade_index, C_I64), UC(total_reviews, C_I64), UC(total_rating, C_REAL),
	UC(last_rating, C_I64), UC(max_rating, C_I64), UC(min_rating, C_I64),
	UC(created_at, C_I64),
};
#undef UC

#define NCOLS(a) (sizeof a / sizeof *a)

typedef struct table {
	const char *name;
	const col  *cols;
	size_t      n;
} table;

static const table T_ORDERS = {"orders", order_cols, NCOLS(order_cols)};
static const table T_DISPUTES = {"disputes", dispute_cols, NCOLS(dispute_cols)};
static const table T_USERS = {"users", user_cols, NCOLS(user_cols)};

/* ------------------------------------------------------- statement cache */

typedef enum stmt_id {
	ST_ORDER_LOAD, ST_ORDER_LOAD_HASH, ST_ORDER_INSERT, ST_ORDER_SAVE,
	ST_ORDER_EXISTS_MB, ST_ORDER_EXISTS_MS, ST_KEY_KNOWN_ORDER, ST_KEY_KNOWN_SOLVER,
	ST_DISPUTE_LOAD, ST_DISPUTE_LOAD_ORDER, ST_DISPUTE_INSERT, ST_DISPUTE_SAVE,
	ST_USER_LOAD, ST_USER_INSERT, ST_USER_SAVE, ST_USER_SET_INDEX,
	ST_META_GET, ST_META_SET, ST_PROCESSED_ADD,
	ST_OUTBOX_ADD, ST_OUTBOX_DELETE, ST_OUTBOX_EACH,
	ST_OUTBOX_GET, ST_OUTBOX_DEL1, ST_OUTBOX_COUNT,
	ST_INTENT_ADD, ST_INTENT_SET_REQUEST, ST_INTENT_LOAD, ST_INTENT_CLOSE, ST_INTENT_OPEN,
	ST_PRICE_SET, ST_PRICE_GET, ST_PUB_GET, ST_PUB_SET,
	ST_KT_SET, ST_KT_GET, ST_JOB_GET, ST_JOB_SET, ST_RATING_ADD,
	ST_PARKED_ADD, ST_PARKED_GET, ST_PARKED_DEL,
	ST_ESCROW_BUSY, ST_PAY_ATTEMPT, ST_INTENT_WAIT, ST_INTENT_DUE, ST_INTENT_WAKE,
	ST_DEFER_ADD, ST_DEFER_GET, ST_DEFER_DEL, ST_DEFER_ORDERS,
	ST_SAVEPOINT, ST_RELEASE, ST_ROLLBACK_TO,
	ST_COUNT
} stmt_id;

/* order_save's UPDATEs naming only the changed columns, by column set
 * (bit i = order_cols[i]); a trade's transitions use a handful of sets. */
#define PARTIAL_SLOTS 32

/* Statements other files prepare by text (order_db_prepared): the program
 * has a few dozen such texts, so a full table means texts built at run
 * time; those are prepared each call and finalized when done. */
#define KEPT_SLOTS 64

struct order_db {
	sqlite3      *db;
	sqlite3_stmt *st[ST_COUNT];
	char         *sql[ST_COUNT];   /* generated texts (row statements) */
	struct { uint64_t mask; sqlite3_stmt *st; } partial[PARTIAL_SLOTS];
	unsigned      partial_next;    /* the slot to reuse next (round robin) */
	sqlite3_stmt *kept[KEPT_SLOTS];  /* order_db_prepared, in first-use order */
	size_t        nkept;
	int           wal_frames;      /* frames in the WAL after the last commit */
	char          err[256];
};

static const char *const fixed_sql[ST_COUNT] = {
	/* once per input: prepared once, not parsed each time by sqlite3_exec */
	[ST_SAVEPOINT] = "SAVEPOINT input",
	[ST_RELEASE] = "RELEASE input",
	[ST_ROLLBACK_TO] = "ROLLBACK TO input",
	[ST_ORDER_EXISTS_MB] = "SELECT 1 FROM orders WHERE master_buyer_pubkey = ?1 AND status = ?2 LIMIT 1",
	[ST_ORDER_EXISTS_MS] = "SELECT 1 FROM orders WHERE master_seller_pubkey = ?1 AND status = ?2 LIMIT 1",
	[ST_KEY_KNOWN_ORDER] =
		"SELECT 1 FROM orders WHERE (buyer_pubkey = ?1 OR seller_pubkey = ?1 OR creator_pubkey = ?1)"
		" AND status NOT IN ('expired','success','canceled','canceled-by-admin','completed-by-admin',"
		"'settled-by-admin','cooperatively-canceled') LIMIT 1",
	[ST_KEY_KNOWN_SOLVER] =
		"SELECT 1 FROM disputes WHERE solver_pubkey = ?1 AND status IN ('initiated','in-progress') LIMIT 1",
	[ST_USER_SET_INDEX] = "UPDATE users SET last_trade_index = ?2 WHERE pubkey = ?1",
	[ST_META_GET] = "SELECT value FROM engine_meta WHERE key = ?1",
	[ST_META_SET] = "INSERT INTO engine_meta(key, value) VALUES (?1, ?2)"
		" ON CONFLICT(key) DO UPDATE SET value = excluded.value",
	[ST_PROCESSED_ADD] = "INSERT OR IGNORE INTO processed(event_id, at) VALUES (?1, ?2)",
	[ST_OUTBOX_ADD] = "INSERT INTO outbox(stream, line) VALUES (?1, ?2)",
	[ST_OUTBOX_DELETE] = "DELETE FROM outbox WHERE seq <= ?1",
	[ST_OUTBOX_EACH] = "SELECT seq, stream, line FROM outbox ORDER BY seq",
	[ST_OUTBOX_GET] = "SELECT line FROM outbox WHERE seq = ?1",
	[ST_OUTBOX_DEL1] = "DELETE FROM outbox WHERE seq = ?1",
	[ST_OUTBOX_COUNT] = "SELECT count(*) FROM outbox",
	[ST_INTENT_ADD] = "INSERT INTO ln_intents(op, order_id, hash, next_step, ctx, created_at)"
		" VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
	[ST_INTENT_SET_REQUEST] = "UPDATE ln_intents SET request = ?2 WHERE seq = ?1",
	[ST_INTENT_LOAD] = "SELECT seq, op, order_id, hash, state, next_step, ctx, request, created_at"
		" FROM ln_intents WHERE seq = ?1",
	[ST_INTENT_CLOSE] = "UPDATE ln_intents SET state = 'done' WHERE seq = ?1",
	[ST_INTENT_OPEN] = "SELECT seq, op, order_id, hash, state, next_step, ctx, request, created_at"
		" FROM ln_intents WHERE state = 'open' ORDER BY seq",
	[ST_PRICE_SET] = "INSERT INTO prices(fiat_code, price, at, source) VALUES (?1, ?2, ?3, ?4)"
		" ON CONFLICT(fiat_code) DO UPDATE SET price = excluded.price, at = excluded.at,"
		" source = excluded.source",
	[ST_PRICE_GET] = "SELECT price, at FROM prices WHERE fiat_code = ?1",
	[ST_PUB_GET] = "SELECT last_created_at FROM pub_clock WHERE kind = ?1 AND d = ?2",
	[ST_PUB_SET] = "INSERT INTO pub_clock(kind, d, last_created_at) VALUES (?1, ?2, ?3)"
		" ON CONFLICT(kind, d) DO UPDATE SET last_created_at = excluded.last_created_at",
	[ST_KT_SET] = "INSERT INTO key_transport(pubkey, transport, at) VALUES (?1, ?2, ?3)"
		" ON CONFLICT(pubkey) DO UPDATE SET transport = excluded.transport, at = excluded.at",
	[ST_KT_GET] = "SELECT transport FROM key_transport WHERE pubkey = ?1",
	[ST_JOB_GET] = "SELECT next_at FROM jobs WHERE name = ?1",
	[ST_JOB_SET] = "INSERT INTO jobs(name, next_at) VALUES (?1, ?2)"
		" ON CONFLICT(name) DO UPDATE SET next_at = excluded.next_at",
	[ST_RATING_ADD] = "INSERT INTO rating_queue(template, created_at) VALUES (?1, ?2)",
	[ST_PARKED_ADD] = "INSERT INTO parked(intent_seq, record, created_at) VALUES (?1, ?2, ?3)",
	[ST_PARKED_GET] = "SELECT seq, record FROM parked WHERE intent_seq = ?1 ORDER BY seq LIMIT 1",
	[ST_PARKED_DEL] = "DELETE FROM parked WHERE seq = ?1",
	[ST_ESCROW_BUSY] = "SELECT i.op, i.seq FROM ln_intents i JOIN orders o ON o.id = i.order_id"
		" WHERE i.order_id = ?1 AND i.op IN ('settle_hold_invoice', 'cancel_hold_invoice')"
		" AND i.state <> 'done' AND i.hash = o.hash AND i.seq <> ?2 ORDER BY i.seq LIMIT 1",
	[ST_PAY_ATTEMPT] = "SELECT seq, state FROM ln_intents WHERE order_id = ?1 AND op = 'pay_invoice'"
		" AND seq <= ?2 ORDER BY seq DESC LIMIT 1",
	[ST_INTENT_WAIT] = "UPDATE ln_intents SET state = 'wait', due_at = ?2 WHERE seq = ?1",
	[ST_INTENT_DUE] = "SELECT seq, request FROM ln_intents WHERE state = 'wait' AND due_at <= ?1 ORDER BY seq",
	[ST_INTENT_WAKE] = "UPDATE ln_intents SET state = 'open', due_at = NULL WHERE seq = ?1 AND state = 'wait'",
	[ST_DEFER_ADD] = "INSERT INTO deferred(order_id, kind, record, probe, created_at) VALUES (?1, ?2, ?3, ?4, ?5)",
	[ST_DEFER_GET] = "SELECT seq, kind, record, probe FROM deferred WHERE order_id = ?1 ORDER BY seq LIMIT 1",
	[ST_DEFER_DEL] = "DELETE FROM deferred WHERE seq = ?1",
	[ST_DEFER_ORDERS] = "SELECT order_id FROM deferred GROUP BY order_id ORDER BY min(seq)",
};

static char *select_sql(const table *t, const char *where)
{
	buf b = BUF_INIT;
	buf_puts(&b, "SELECT ");
	for (size_t i = 0; i < t->n; i++)
		buf_printf(&b, "%s%s", i ? ", " : "", t->cols[i].name);
	buf_printf(&b, " FROM %s WHERE %s", t->name, where);
	return buf_steal(&b);
}

static char *insert_sql(const table *t)
{
	buf b = BUF_INIT;
	buf_printf(&b, "INSERT INTO %s (", t->name);
	for (size_t i = 0; i < t->n; i++)
		buf_printf(&b, "%s%s", i ? ", " : "", t->cols[i].name);
	buf_puts(&b, ") VALUES (");
	for (size_t i = 0; i < t->n; i++)
		buf_printf(&b, "%s?%zu", i ? ", " : "", i + 1);
	buf_puts(&b, ")");
	return buf_steal(&b);
}

/* UPDATE ... SET every column but the key (column 0, bound as ?1). */
static char *update_sql(const table *t)
{
	buf b = BUF_INIT;
	buf_printf(&b, "UPDATE %s SET ", t->name);
	for (size_t i = 1; i < t->n; i++)
		buf_printf(&b, "%s%s = ?%zu", i > 1 ? ", " : "", t->cols[i].name, i + 1);
	buf_printf(&b, " WHERE %s = ?1", t->cols[0].name);
	return buf_steal(&b);
}

_Static_assert(NCOLS(order_cols) <= 64, "order_save's column sets are 64-bit masks");

/* UPDATE orders SET (the columns of mask) WHERE id = ?1, parameters
 * numbered as update_sql numbers them (column i is ?i+1). */
static sqlite3_stmt *partial_update(order_db *d, uint64_t mask)
{
	for (unsigned i = 0; i < PARTIAL_SLOTS; i++)
		if (d->partial[i].st && d->partial[i].mask == mask) {
			sqlite3_reset(d->partial[i].st);
			sqlite3_clear_bindings(d->partial[i].st);
			return d->partial[i].st;
		}
	buf b = BUF_INIT;
	buf_puts(&b, "UPDATE orders SET ");
	bool first = true;
	for (size_t i = 1; i < T_ORDERS.n; i++)
		if (mask & (UINT64_C(1) << i)) {
			buf_printf(&b, "%s%s = ?%zu", first ? "" : ", ", T_ORDERS.cols[i].name, i + 1);
			first = false;
		}
	buf_puts(&b, " WHERE id = ?1");
	sqlite3_stmt *st;
	int rc = sqlite3_prepare_v3(d->db, b.p, -1, SQLITE_PREPARE_PERSISTENT, &st, NULL);
	buf_free(&b);
	if (rc != SQLITE_OK) {
		snprintf(d->err, sizeof d->err, "%s", sqlite3_errmsg(d->db));
		return NULL;
	}
	unsigned k = d->partial_next++ % PARTIAL_SLOTS;
	sqlite3_finalize(d->partial[k].st);
	d->partial[k].mask = mask;
	d->partial[k].st = st;
	return st;
}

static void build_sql(order_db *d)
{
	d->sql[ST_ORDER_LOAD] = select_sql(&T_ORDERS, "id = ?1");
	d->sql[ST_ORDER_LOAD_HASH] = select_sql(&T_ORDERS, "hash = ?1 ORDER BY created_at, id LIMIT 1");
	d->sql[ST_ORDER_INSERT] = insert_sql(&T_ORDERS);
	d->sql[ST_ORDER_SAVE] = update_sql(&T_ORDERS);
	d->sql[ST_DISPUTE_LOAD] = select_sql(&T_DISPUTES, "id = ?1");
	d->sql[ST_DISPUTE_LOAD_ORDER] = select_sql(&T_DISPUTES, "order_id = ?1");
	d->sql[ST_DISPUTE_INSERT] = insert_sql(&T_DISPUTES);
	d->sql[ST_DISPUTE_SAVE] = update_sql(&T_DISPUTES);
	d->sql[ST_USER_LOAD] = select_sql(&T_USERS, "pubkey = ?1");
	d->sql[ST_USER_INSERT] = insert_sql(&T_USERS);
	d->sql[ST_USER_SAVE] = update_sql(&T_USERS);
}

/* The cached statement, reset and with its bindings cleared. */
static sqlite3_stmt *stmt(order_db *d, stmt_id id)
{
	if (!d->st[id]) {
		const char *sql = d->sql[id] ? d->sql[id] : fixed_sql[id];
		if (sqlite3_prepare_v3(d->db, sql, -1, SQLITE_PREPARE_PERSISTENT, &d->st[id], NULL) != SQLITE_OK) {
			snprintf(d->err, sizeof d->err, "%s", sqlite3_errmsg(d->db));
			d->st[id] = NULL;
			return NULL;
		}
	} else {
		sqlite3_reset(d->st[id]);
		sqlite3_clear_bindings(d->st[id]);
	}
	return d->st[id];
}

static order_db_err sql_fail(order_db *d, sqlite3_stmt *st)
{
	snprintf(d->err, sizeof d->err, "%s", sqlite3_errmsg(d->db));
	if (st)
		sqlite3_reset(st);
	return ODB_SQL;
}

/* Runs a statement that returns no row. */
static order_db_err step_done(order_db *d, sqlite3_stmt *st)
{
	int rc = sqlite3_step(st);
	if (rc != SQLITE_DONE)
		return sql_fail(d, st);
	sqlite3_reset(st);
	return ODB_OK;
}

static void bind_text(sqlite3_stmt *st, int i, const char *s)
{
	if (s)
		sqlite3_bind_text(st, i, s, -1, SQLITE_TRANSIENT);
	else
		sqlite3_bind_null(st, i);
}

/* ------------------------------------------------------------ row walker */

/* Binds column i of row to parameter k. */
static void bind_col(sqlite3_stmt *st, int k, const col *c, const void *row)
{
	const void *p = (const char *)row + c->off;
	switch (c->type) {
	case C_UUID:
	case C_KEY:
		sqlite3_bind_text(st, k, p, -1, SQLITE_TRANSIENT);
		break;
	case C_TEXT: {
		const char *s = *(char *const *)p;
		sqlite3_bind_text(st, k, s ? s : "", -1, SQLITE_TRANSIENT);
		break;
	}
	case C_OPT_TEXT:
		bind_text(st, k, *(char *const *)p);
		break;
	case C_I64:
		sqlite3_bind_int64(st, k, *(const int64_t *)p);
		break;
	case C_OPT_I64: {
		const opt_i64 *o = p;
		if (o->set)
			sqlite3_bind_int64(st, k, o->v);
		else
			sqlite3_bind_null(st, k);
		break;
	}
	case C_BOOL:
		sqlite3_bind_int(st, k, *(const bool *)p ? 1 : 0);
		break;
	case C_REAL:
		sqlite3_bind_double(st, k, *(const double *)p);
		break;
	case C_STATUS:
		sqlite3_bind_text(st, k, order_status_name(*(const order_status *)p), -1, SQLITE_STATIC);
		break;
	case C_KIND:
		sqlite3_bind_text(st, k, order_kind_name(*(const order_kind *)p), -1, SQLITE_STATIC);
		break;
	case C_DSTATUS:
		sqlite3_bind_text(st, k, dispute_status_name(*(const dispute_status *)p), -1, SQLITE_STATIC);
		break;
	}
}

static void bind_row(sqlite3_stmt *st, const table *t, const void *row)
{
	for (size_t i = 0; i < t->n; i++)
		bind_col(st, (int)i + 1, &t->cols[i], row);
}

/* Whether column c holds the same value in both rows, as it would be
 * stored (a C_TEXT NULL is written as ""). */
static bool col_equal(const col *c, const void *a, const void *b)
{
	const void *x = (const char *)a + c->off, *y = (const char *)b + c->off;
	switch (c->type) {
	case C_UUID:
	case C_KEY:
		return strcmp(x, y) == 0;
	case C_TEXT: {
		const char *s = *(char *const *)x, *t = *(char *const *)y;
		return strcmp(s ? s : "", t ? t : "") == 0;
	}
	case C_OPT_TEXT: {
		const char *s = *(char *const *)x, *t = *(char *const *)y;
		return (!s && !t) || (s && t && strcmp(s, t) == 0);
	}
	case C_I64: return *(const int64_t *)x == *(const int64_t *)y;
	case C_OPT_I64: {
		const opt_i64 *o = x, *q = y;
		return o->set == q->set && (!o->set || o->v == q->v);
	}
	case C_BOOL: return *(const bool *)x == *(const bool *)y;
	case C_REAL: return memcmp(x, y, sizeof(double)) == 0;
	case C_STATUS: return *(const order_status *)x == *(const order_status *)y;
	case C_KIND: return *(const order_kind *)x == *(const order_kind *)y;
	case C_DSTATUS: return *(const dispute_status *)x == *(const dispute_status *)y;
	}
	return false;
}

/* What snprintf(out, cap, "%s", s) leaves (NULL as ""), without the
 * format machinery: read_row runs for every order and user read. */
static void copy_bounded(char *out, size_t cap, const char *s)
{
	size_t n = s ? strnlen(s, cap - 1) : 0;
	memcpy(out, s ? s : "", n);
	out[n] = 0;
}

static bool read_row(sqlite3_stmt *st, const table *t, void *row)
{
	char *base = row;
	bool ok = true;
	for (size_t i = 0; i < t->n; i++) {
		void *p = base + t->cols[i].off;
		int k = (int)i;
		bool null = sqlite3_column_type(st, k) == SQLITE_NULL;
		col_type ty = t->cols[i].type;
		/* text only where the column is text: asking an integer for its
		 * text makes SQLite print it into a fresh allocation */
		bool numeric = ty == C_I64 || ty == C_OPT_I64 || ty == C_BOOL || ty == C_REAL;
		const char *txt = numeric ? NULL : (const char *)sqlite3_column_text(st, k);
		switch (ty) {
		case C_UUID:
			copy_bounded(p, 37, txt);
			break;
		case C_KEY:
			copy_bounded(p, 65, txt);
			break;
		case C_TEXT:
		case C_OPT_TEXT:
			str_set((char **)p, null ? NULL : (txt ? txt : ""));
			if (t->cols[i].type == C_TEXT && null)
				str_set((char **)p, "");
			break;
		case C_I64:
			*(int64_t *)p = sqlite3_column_int64(st, k);
			break;
		case C_OPT_I64:
			*(opt_i64 *)p = null ? OPT_NONE : OPT_SOME(sqlite3_column_int64(st, k));
			break;
		case C_BOOL:
			*(bool *)p = sqlite3_column_int64(st, k) != 0;
			break;
		case C_REAL:
			*(double *)p = sqlite3_column_double(st, k);
			break;
		case C_STATUS: {
			int s = order_status_from_name(txt);
			if (s < 0)
				ok = false;
			else
				*(order_status *)p = (order_status)s;
			break;
		}
		case C_KIND: {
			int s = order_kind_from_name(txt);
			if (s < 0)
				ok = false;
			else
				*(order_kind *)p = (order_kind)s;
			break;
		}
		case C_DSTATUS: {
			int s = dispute_status_from_name(txt);
			if (s < 0)
				ok = false;
			else
				*(dispute_status *)p = (dispute_status)s;
			break;
		}
		}
	}
	return ok;
}

/* Loads one row by a text key with statement id. */
static order_db_err load_one(order_db *d, stmt_id id, const table *t, const char *key, void *row)
{
	sqlite3_stmt *st = stmt(d, id);
	if (!st)
		return ODB_SQL;
	bind_text(st, 1, key);
	int rc = sqlite3_step(st);
	if (rc == SQLITE_DONE) {
		sqlite3_reset(st);
		return ODB_NOT_FOUND;
	}
	if (rc != SQLITE_ROW)
		return sql_fail(d, st);
	bool ok = read_row(st, t, row);
	sqlite3_reset(st);
	if (!ok) {
		snprintf(d->err, sizeof d->err, "%s %s: unknown status or kind", t->name, key ? key : "");
		return ODB_CORRUPT;
	}
	return ODB_OK;
}

/* Runs a write: ODB_CONFLICT on a constraint (the message in d->err). */
static order_db_err step_write(order_db *d, sqlite3_stmt *st)
{
	int rc = sqlite3_step(st);
	if (rc == SQLITE_CONSTRAINT) {
		snprintf(d->err, sizeof d->err, "%s", sqlite3_errmsg(d->db));
		sqlite3_reset(st);
		return ODB_CONFLICT;
	}
	if (rc != SQLITE_DONE)
		return sql_fail(d, st);
	sqlite3_reset(st);
	return ODB_OK;
}

static order_db_err write_row(order_db *d, stmt_id id, const table *t, const void *row, bool expect_change)
{
	sqlite3_stmt *st = stmt(d, id);
	if (!st)
		return ODB_SQL;
	bind_row(st, t, row);
	order_db_err e = step_write(d, st);
	if (e == ODB_OK && expect_change && sqlite3_changes(d->db) == 0)
		return ODB_NOT_FOUND;
	return e;
}

/* ------------------------------------------------------------- open/close */

order_db *order_db_wrap(sqlite3 *db)
{
	order_db *d = mu_xmalloc(sizeof *d);
	memset(d, 0, sizeof *d);
	d->db = db;
	/* the statement journal of each input's SAVEPOINT in memory, not in a
	 * temporary file: it only serves ROLLBACK TO within the transaction
	 * (durability is the WAL's). Here, not in order_db_open: the engine
	 * opens its file through store_writer_open and wraps the handle. */
	sqlite3_exec(db, "PRAGMA temp_store=MEMORY", NULL, NULL, NULL);
	build_sql(d);
	return d;
}

order_db *order_db_open(const char *path, char *err, size_t errlen)
{
	bool memory = strcmp(path, ":memory:") == 0 || path[0] == 0;
	if (!memory) {
		/* mostrod creates its file 0600; so do we, before SQLite opens it
		 * (its -wal and -shm follow), never through a planted symlink */
		safefile_err fe = safefile_create_private(path, 0);
		if (fe != SAFEFILE_OK) {
			snprintf(err, errlen, "%s: %s", path, fe == SAFEFILE_ERR_EXISTS ?
				 "not a regular file nor a symlink to one" : safefile_strerror(fe));
			return NULL;
		}
	}
	sqlite3 *db;
	if (db_open_one_thread(&db, path, ORDER_DB_COMPONENT, order_db_migrations, order_db_migration_count,
		    err, errlen) != DB_OK)
		return NULL;
	return order_db_wrap(db);
}

void order_db_close(order_db *d)
{
	if (!d)
		return;
	for (int i = 0; i < ST_COUNT; i++) {
		sqlite3_finalize(d->st[i]);
		free(d->sql[i]);
	}
	for (int i = 0; i < PARTIAL_SLOTS; i++)
		sqlite3_finalize(d->partial[i].st);
	for (size_t i = 0; i < d->nkept; i++)
		sqlite3_finalize(d->kept[i]);
	db_close(d->db);
	free(d);
}

sqlite3_stmt *order_db_prepared(order_db *d, const char *sql)
{
	for (size_t i = 0; i < d->nkept; i++)
		if (strcmp(sqlite3_sql(d->kept[i]), sql) == 0)
			return d->kept[i];
	sqlite3_stmt *st = NULL;
	if (sqlite3_prepare_v3(d->db, sql, -1, SQLITE_PREPARE_PERSISTENT, &st, NULL) != SQLITE_OK) {
		snprintf(d->err, sizeof d->err, "%s", sqlite3_errmsg(d->db));
		sqlite3_finalize(st);
		return NULL;
	}
	if (d->nkept < KEPT_SLOTS)
		d->kept[d->nkept++] = st;
	return st;
}

void order_db_done(order_db *d, sqlite3_stmt *st)
{
	if (!st)
		return;
	for (size_t i = 0; i < d->nkept; i++)
		if (d->kept[i] == st) {
			sqlite3_reset(st);
			sqlite3_clear_bindings(st);
			return;
		}
	sqlite3_finalize(st);
}

sqlite3 *order_db_handle(order_db *d) { return d->db; }
const char *order_db_errmsg(order_db *d) { return d->err; }

static int on_wal_commit(void *arg, sqlite3 *db, const char *name, int frames)
{
	(void)db;
	(void)name;
	((order_db *)arg)->wal_frames = frames;
	return SQLITE_OK;
}

void order_db_manual_checkpoints(order_db *d)
{
	sqlite3_wal_autocheckpoint(d->db, 0);
	sqlite3_wal_hook(d->db, on_wal_commit, d);
}

int order_db_wal_frames(const order_db *d) { return d->wal_frames; }

bool order_db_checkpoint(order_db *d)
{
	int log = 0, done = 0;
	int rc = sqlite3_wal_checkpoint_v2(d->db, NULL, SQLITE_CHECKPOINT_PASSIVE, &log, &done);
	if (rc != SQLITE_OK && rc != SQLITE_BUSY) {
		snprintf(d->err, sizeof d->err, "checkpoint: %s", sqlite3_errmsg(d->db));
		return false;
	}
	if (rc == SQLITE_OK && done >= log)
		d->wal_frames = 0;     /* all in the database: the next commit restarts the WAL */
	return true;
}

bool order_db_begin(order_db *d) { return db_exec(d->db, "BEGIN IMMEDIATE", d->err, sizeof d->err); }
bool order_db_commit(order_db *d) { return db_exec(d->db, "COMMIT", d->err, sizeof d->err); }
void order_db_rollback(order_db *d) { db_exec(d->db, "ROLLBACK", NULL, 0); }
static bool run_fixed(order_db *d, stmt_id id)
{
	sqlite3_stmt *st = stmt(d, id);
	return st && step_done(d, st) == ODB_OK;
}

bool order_db_savepoint(order_db *d) { return run_fixed(d, ST_SAVEPOINT); }
bool order_db_release(order_db *d) { return run_fixed(d, ST_RELEASE); }
void order_db_rollback_savepoint(order_db *d)
{
	run_fixed(d, ST_ROLLBACK_TO);
	run_fixed(d, ST_RELEASE);
}

/* ------------------------------------------------------------------ orders */

order_db_err order_load(order_db *d, const char *id, order_row *out)
{
	return load_one(d, ST_ORDER_LOAD, &T_ORDERS, id, out);
}

order_db_err order_load_by_hash(order_db *d, const char *hash, order_row *out)
{
	return load_one(d, ST_ORDER_LOAD_HASH, &T_ORDERS, hash, out);
}

order_db_err order_insert(order_db *d, const order_row *o)
{
	return write_row(d, ST_ORDER_INSERT, &T_ORDERS, o, false);
}

/* Writes only the columns whose stored value differs from o's: an UPDATE
 * naming every column rewrites the order's entry in each of the eight
 * indexes on orders, one naming the status rewrites one (bench/README.md,
 * bench/order). The row is read back first, inside the caller's
 * transaction on the engine's only writing connection, so the result is
 * exactly the full-row write's. guard (n > 0): the stored status must be
 * one of allowed, else ODB_CONFLICT and nothing written. */
static order_db_err save_changed(order_db *d, const order_row *o, const order_status *allowed, size_t n)
{
	order_row cur;
	order_row_init(&cur);
	order_db_err e = order_load(d, o->id, &cur);
	if (e == ODB_CORRUPT) {
		order_row_free(&cur);
		/* an unknown stored status holds no guard; unguarded, write it whole */
		return n ? ODB_CONFLICT : write_row(d, ST_ORDER_SAVE, &T_ORDERS, o, true);
	}
	if (e == ODB_NOT_FOUND && n)
		e = ODB_CONFLICT;
	bool guard = n == 0;
	for (size_t i = 0; e == ODB_OK && i < n; i++)
		guard |= cur.status == allowed[i];
	if (e == ODB_OK && !guard)
		e = ODB_CONFLICT;
	uint64_t mask = 0;
	if (e == ODB_OK)
		for (size_t i = 1; i < T_ORDERS.n; i++)
			if (!col_equal(&T_ORDERS.cols[i], &cur, o))
				mask |= UINT64_C(1) << i;
	order_row_free(&cur);
	if (e != ODB_OK || mask == 0)
		return e;                /* not found, conflict, SQL; or nothing to write */
	sqlite3_stmt *st = partial_update(d, mask);
	if (!st)
		return ODB_SQL;
	sqlite3_bind_text(st, 1, o->id, -1, SQLITE_TRANSIENT);
	for (size_t i = 1; i < T_ORDERS.n; i++)
		if (mask & (UINT64_C(1) << i))
			bind_col(st, (int)i + 1, &T_ORDERS.cols[i], o);
	return step_write(d, st);
}

order_db_err order_save(order_db *d, const order_row *o)
{
	return save_changed(d, o, NULL, 0);
}

order_db_err order_save_if(order_db *d, const order_row *o, const order_status *allowed, size_t n)
{
	if (n == 0)
		return ODB_CONFLICT;     /* an empty guard never holds (status IN ()) */
	return save_changed(d, o, allowed, n);
}

order_db_err order_each(order_db *d, const order_status *statuses, size_t n,
			bool (*fn)(const order_row *o, void *arg), void *arg)
{
	buf where = BUF_INIT;
	if (n) {
		buf_puts(&where, "status IN (");
		for (size_t i = 0; i < n; i++)
			buf_printf(&where, "%s'%s'", i ? "," : "", order_status_name(statuses[i]));
		buf_puts(&where, ")");
	} else {
		buf_puts(&where, "1");
	}
	buf_puts(&where, " ORDER BY created_at, id");
	char *sql = select_sql(&T_ORDERS, where.p);
	buf_free(&where);
	sqlite3_stmt *st;
	int rc = sqlite3_prepare_v2(d->db, sql, -1, &st, NULL);
	free(sql);
	if (rc != SQLITE_OK)
		return sql_fail(d, NULL);
	order_db_err e = ODB_OK;
	order_row o;
	order_row_init(&o);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (!read_row(st, &T_ORDERS, &o)) {
			e = ODB_CORRUPT;
			snprintf(d->err, sizeof d->err, "orders %s: unknown status or kind", o.id);
			break;
		}
		if (!fn(&o, arg))
			break;
	}
	if (e == ODB_OK && rc != SQLITE_ROW && rc != SQLITE_DONE)
		e = sql_fail(d, NULL);
	order_row_free(&o);
	sqlite3_finalize(st);
	return e;
}

/* One-row existence queries bound with a text (and a second text). */
static order_db_err exists(order_db *d, stmt_id id, const char *a, const char *b, bool *out)
{
	sqlite3_stmt *st = stmt(d, id);
	if (!st)
		return ODB_SQL;
	bind_text(st, 1, a);
	if (b)
		bind_text(st, 2, b);
	int rc = sqlite3_step(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return sql_fail(d, st);
	*out = rc == SQLITE_ROW;
	sqlite3_reset(st);
	return ODB_OK;
}

order_db_err order_exists_master(order_db *d, const char *identity, bool as_buyer,
				 order_status status, bool *found)
{
	return exists(d, as_buyer ? ST_ORDER_EXISTS_MB : ST_ORDER_EXISTS_MS, identity,
		      order_status_name(status), found);
}

order_db_err order_key_is_known(order_db *d, const char *pubkey, bool *known)
{
	order_db_err e = exists(d, ST_KEY_KNOWN_ORDER, pubkey, NULL, known);
	if (e || *known)
		return e;
	return exists(d, ST_KEY_KNOWN_SOLVER, pubkey, NULL, known);
}

/* ---------------------------------------------------------------- disputes */

order_db_err dispute_load(order_db *d, const char *id, dispute_row *out)
{
	return load_one(d, ST_DISPUTE_LOAD, &T_DISPUTES, id, out);
}

order_db_err dispute_load_by_order(order_db *d, const char *order_id, dispute_row *out)
{
	return load_one(d, ST_DISPUTE_LOAD_ORDER, &T_DISPUTES, order_id, out);
}

order_db_err dispute_insert(order_db *d, const dispute_row *x)
{
	return write_row(d, ST_DISPUTE_INSERT, &T_DISPUTES, x, false);
}

order_db_err dispute_save(order_db *d, const dispute_row *x)
{
	return write_row(d, ST_DISPUTE_SAVE, &T_DISPUTES, x, true);
}

/* ------------------------------------------------------------------- users */

order_db_err user_load(order_db *d, const char *pubkey, user_row *out)
{
	return load_one(d, ST_USER_LOAD, &T_USERS, pubkey, out);
}

order_db_err user_insert(order_db *d, const user_row *u)
{
	return write_row(d, ST_USER_INSERT, &T_USERS, u, false);
}

order_db_err user_save(order_db *d, const user_row *u)
{
	return write_row(d, ST_USER_SAVE, &T_USERS, u, true);
}

order_db_err user_set_last_trade_index(order_db *d, const char *pubkey, int64_t index)
{
	sqlite3_stmt *st = stmt(d, ST_USER_SET_INDEX);
	if (!st)
		return ODB_SQL;
	bind_text(st, 1, pubkey);
	sqlite3_bind_int64(st, 2, index);
	return step_done(d, st);
}

/* ------------------------------------------------------------ engine meta */

order_db_err meta_get(order_db *d, const char *key, char **out)
{
	*out = NULL;
	sqlite3_stmt *st = stmt(d, ST_META_GET);
	if (!st)
		return ODB_SQL;
	bind_text(st, 1, key);
	int rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		*out = mu_xstrdup((const char *)sqlite3_column_text(st, 0));
	else if (rc != SQLITE_DONE)
		return sql_fail(d, st);
	sqlite3_reset(st);
	return ODB_OK;
}

order_db_err meta_set(order_db *d, const char *key, const char *value)
{
	sqlite3_stmt *st = stmt(d, ST_META_SET);
	if (!st)
		return ODB_SQL;
	bind_text(st, 1, key);
	bind_text(st, 2, value);
	return step_done(d, st);
}

order_db_err meta_get_i64(order_db *d, const char *key, int64_t *out, bool *found)
{
	char *v;
	order_db_err e = meta_get(d, key, &v);
	*found = false;
	if (e || !v)
		return e;
	char *end;
	long long x = strtoll(v, &end, 10);
	if (*v && !*end) {
		*out = x;
		*found = true;
	}
	free(v);
	return ODB_OK;
}

order_db_err meta_set_i64(order_db *d, const char *key, int64_t v)
{
	char s[32];
	snprintf(s, sizeof s, "%lld", (long long)v);
	return meta_set(d, key, s);
}

order_db_err processed_add(order_db *d, const char *event_id, int64_t at)
{
	sqlite3_stmt *st = stmt(d, ST_PROCESSED_ADD);
	if (!st)
		return ODB_SQL;
	bind_text(st, 1, event_id);
	sqlite3_bind_int64(st, 2, at);
	order_db_err e = step_done(d, st);
	if (e == ODB_OK && sqlite3_changes(d->db) == 0)
		return ODB_CONFLICT;
	return e;
}

/* ------------------------------------------------------------------ outbox */

order_db_err outbox_add(order_db *d, const char *stream, const char *line, size_t len, int64_t *seq)
{
	sqlite3_stmt *st = stmt(d, ST_OUTBOX_ADD);
	if (!st)
		return ODB_SQL;
	bind_text(st, 1, stream);
	sqlite3_bind_text(st, 2, line, (int)len, SQLITE_TRANSIENT);
	order_db_err e = step_done(d, st);
	if (e == ODB_OK && seq)
		*seq = sqlite3_last_insert_rowid(d->db);
	return e;
}

order_db_err outbox_delete_through(order_db *d, int64_t seq)
{
	sqlite3_stmt *st = stmt(d, ST_OUTBOX_DELETE);
	if (!st)
		return ODB_SQL;
	sqlite3_bind_int64(st, 1, seq);
	return step_done(d, st);
}

order_db_err outbox_each(order_db *d, bool (*fn)(int64_t seq, const char *stream, const char *line, void *arg), void *arg)
{
	sqlite3_stmt *st = stmt(d, ST_OUTBOX_EACH);
	if (!st)
		return ODB_SQL;
	int rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW)
		if (!fn(sqlite3_column_int64(st, 0), (const char *)sqlite3_column_text(st, 1),
			(const char *)sqlite3_column_text(st, 2), arg))
			break;
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return sql_fail(d, st);
	sqlite3_reset(st);
	return ODB_OK;
}

order_db_err outbox_get(order_db *d, int64_t seq, char **line)
{
	*line = NULL;
	sqlite3_stmt *st = stmt(d, ST_OUTBOX_GET);
	if (!st)
		return ODB_SQL;
	sqlite3_bind_int64(st, 1, seq);
	int rc = sqlite3_step(st);
	if (rc == SQLITE_DONE) {
		sqlite3_reset(st);
		return ODB_NOT_FOUND;
	}
	if (rc != SQLITE_ROW)
		return sql_fail(d, st);
	const char *t = (const char *)sqlite3_column_text(st, 0);
	*line = mu_xstrdup(t ? t : "");
	sqlite3_reset(st);
	return ODB_OK;
}

order_db_err outbox_delete(order_db *d, int64_t seq)
{
	sqlite3_stmt *st = stmt(d, ST_OUTBOX_DEL1);
	if (!st)
		return ODB_SQL;
	sqlite3_bind_int64(st, 1, seq);
	order_db_err e = step_done(d, st);
	if (e == ODB_OK && sqlite3_changes(d->db) == 0)
		return ODB_NOT_FOUND;
	return e;
}

order_db_err outbox_count(order_db *d, int64_t *n)
{
	*n = 0;
	sqlite3_stmt *st = stmt(d, ST_OUTBOX_COUNT);
	if (!st)
		return ODB_SQL;
	if (sqlite3_step(st) != SQLITE_ROW)
		return sql_fail(d, st);
	*n = sqlite3_column_int64(st, 0);
	sqlite3_reset(st);
	return ODB_OK;
}

/* ------------------------------------------------------------- ln intents */

void ln_intent_free(ln_intent *i)
{
	free(i->op);
	free(i->order_id);
	free(i->hash);
	free(i->state);
	free(i->then);
	free(i->ctx);
	free(i->request);
	memset(i, 0, sizeof *i);
}

static void read_intent(sqlite3_stmt *st, ln_intent *i)
{
	memset(i, 0, sizeof *i);
	i->seq = sqlite3_column_int64(st, 0);
	char **f[] = {&i->op, &i->order_id, &i->hash, &i->state, &i->then, &i->ctx, &i->request};
	for (int k = 0; k < 7; k++) {
		const char *t = (const char *)sqlite3_column_text(st, k + 1);
		*f[k] = t ? mu_xstrdup(t) : NULL;
	}
	i->created_at = sqlite3_column_int64(st, 8);
}

order_db_err intent_add(order_db *d, const char *op, const char *order_id, const char *hash,
			const char *then, const char *ctx, int64_t now, int64_t *seq)
{
	sqlite3_stmt *st = stmt(d, ST_INTENT_ADD);
	if (!st)
		return ODB_SQL;
	bind_text(st, 1, op);
	bind_text(st, 2, order_id);
	bind_text(st, 3, hash);
	bind_text(st, 4, then);
	bind_text(st, 5, ctx);
	sqlite3_bind_int64(st, 6, now);
	order_db_err e = step_done(d, st);
	if (e == ODB_OK)
		*seq = sqlite3_last_insert_rowid(d->db);
	return e;
}

order_db_err intent_set_request(order_db *d, int64_t seq, const char *request)
{
	sqlite3_stmt *st = stmt(d, ST_INTENT_SET_REQUEST);
	if (!st)
		return ODB_SQL;
	sqlite3_bind_int64(st, 1, seq);
	bind_text(st, 2, request);
	return step_done(d, st);
}

order_db_err intent_load(order_db *d, int64_t seq, ln_intent *out)
{
	sqlite3_stmt *st = stmt(d, ST_INTENT_LOAD);
	if (!st)
		return ODB_SQL;
	sqlite3_bind_int64(st, 1, seq);
	int rc = sqlite3_step(st);
	if (rc == SQLITE_DONE) {
		sqlite3_reset(st);
		return ODB_NOT_FOUND;
	}
	if (rc != SQLITE_ROW)
		return sql_fail(d, st);
	read_intent(st, out);
	sqlite3_reset(st);
	return ODB_OK;
}

order_db_err intent_close(order_db *d, int64_t seq)
{
	sqlite3_stmt *st = stmt(d, ST_INTENT_CLOSE);
	if (!st)
		return ODB_SQL;
	sqlite3_bind_int64(st, 1, seq);
	return step_done(d, st);
}

order_db_err intent_each_open(order_db *d, bool (*fn)(const ln_intent *i, void *arg), void *arg)
{
	/* Collected first: fn may write to the table. */
	sqlite3_stmt *st = stmt(d, ST_INTENT_OPEN);
	if (!st)
		return ODB_SQL;
	ln_intent *v = NULL;
	size_t n = 0, cap = 0;
	int rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (n == cap) {
			cap = cap ? cap * 2 : 16;
			v = mu_xrealloc(v, cap * sizeof *v);
		}
		read_intent(st, &v[n++]);
	}
	order_db_err e = ODB_OK;
	if (rc != SQLITE_DONE)
		e = sql_fail(d, st);
	else
		sqlite3_reset(st);
	bool go = e == ODB_OK;
	for (size_t i = 0; i < n; i++) {
		if (go && !fn(&v[i], arg))
			go = false;      /* stop calling, keep freeing */
		ln_intent_free(&v[i]);
	}
	free(v);
	return e;
}

/* ------------------------------------------------------------ escrow lock */

order_db_err escrow_busy(order_db *d, const char *order_id, int64_t besides, bool *busy, char op[24], int64_t *seq)
{
	*busy = false;
	if (op)
		op[0] = 0;
	if (seq)
		*seq = 0;
	if (!order_id)
		return ODB_OK;
	sqlite3_stmt *st = stmt(d, ST_ESCROW_BUSY);
	if (!st)
		return ODB_SQL;
	bind_text(st, 1, order_id);
	sqlite3_bind_int64(st, 2, besides);
	int rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		*busy = true;
		if (op)
			snprintf(op, 24, "%s", (const char *)sqlite3_column_text(st, 0));
		if (seq)
			*seq = sqlite3_column_int64(st, 1);
	} else if (rc != SQLITE_DONE) {
		return sql_fail(d, st);
	}
	sqlite3_reset(st);
	return ODB_OK;
}

order_db_err pay_attempt(order_db *d, const char *order_id, int64_t upto, int64_t *seq, bool *open)
{
	*seq = 0;
	*open = false;
	sqlite3_stmt *st = stmt(d, ST_PAY_ATTEMPT);
	if (!st)
		return ODB_SQL;
	bind_text(st, 1, order_id);
	sqlite3_bind_int64(st, 2, upto);
	int rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		*seq = sqlite3_column_int64(st, 0);
		const char *state = (const char *)sqlite3_column_text(st, 1);
		*open = state && strcmp(state, "done") != 0;
	} else if (rc != SQLITE_DONE) {
		return sql_fail(d, st);
	}
	sqlite3_reset(st);
	return ODB_OK;
}

order_db_err intent_wait(order_db *d, int64_t seq, int64_t due_at)
{
	sqlite3_stmt *st = stmt(d, ST_INTENT_WAIT);
	if (!st)
		return ODB_SQL;
	sqlite3_bind_int64(st, 1, seq);
	sqlite3_bind_int64(st, 2, due_at);
	return step_done(d, st);
}

order_db_err intent_wake(order_db *d, int64_t seq)
{
	sqlite3_stmt *st = stmt(d, ST_INTENT_WAKE);
	if (!st)
		return ODB_SQL;
	sqlite3_bind_int64(st, 1, seq);
	return step_done(d, st);
}

order_db_err intent_each_due(order_db *d, int64_t now, bool (*fn)(int64_t seq, const char *request, void *arg),
			     void *arg)
{
	/* Collected first: fn wakes them (writes to the table). */
	sqlite3_stmt *st = stmt(d, ST_INTENT_DUE);
	if (!st)
		return ODB_SQL;
	sqlite3_bind_int64(st, 1, now);
	int64_t *seqs = NULL;
	char **reqs = NULL;
	size_t n = 0, cap = 0;
	int rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (n == cap) {
			cap = cap ? cap * 2 : 8;
			seqs = mu_xrealloc(seqs, cap * sizeof *seqs);
			reqs = mu_xrealloc(reqs, cap * sizeof *reqs);
		}
		const char *r = (const char *)sqlite3_column_text(st, 1);
		seqs[n] = sqlite3_column_int64(st, 0);
		reqs[n++] = mu_xstrdup(r ? r : "");
	}
	order_db_err e = ODB_OK;
	if (rc != SQLITE_DONE)
		e = sql_fail(d, st);
	else
		sqlite3_reset(st);
	bool go = e == ODB_OK;
	for (size_t i = 0; i < n; i++) {
		if (go && !fn(seqs[i], reqs[i], arg))
			go = false;
		free(reqs[i]);
	}
	free(seqs);
	free(reqs);
	return e;
}

/* ---------------------------------------------------------------- deferred */

order_db_err deferred_add(order_db *d, const char *order_id, const char *kind, const char *record, int probe,
			  int64_t at)
{
	sqlite3_stmt *st = stmt(d, ST_DEFER_ADD);
	if (!st)
		return ODB_SQL;
	bind_text(st, 1, order_id);
	bind_text(st, 2, kind);
	bind_text(st, 3, record);
	sqlite3_bind_int(st, 4, probe);
	sqlite3_bind_int64(st, 5, at);
	return step_done(d, st);
}

order_db_err deferred_take(order_db *d, const char *order_id, char **kind, char **record, int *probe)
{
	*kind = *record = NULL;
	*probe = 0;
	sqlite3_stmt *st = stmt(d, ST_DEFER_GET);
	if (!st)
		return ODB_SQL;
	bind_text(st, 1, order_id);
	int rc = sqlite3_step(st);
	if (rc == SQLITE_DONE) {
		sqlite3_reset(st);
		return ODB_OK;
	}
	if (rc != SQLITE_ROW)
		return sql_fail(d, st);
	int64_t seq = sqlite3_column_int64(st, 0);
	*kind = mu_xstrdup((const char *)sqlite3_column_text(st, 1));
	*record = mu_xstrdup((const char *)sqlite3_column_text(st, 2));
	*probe = sqlite3_column_int(st, 3);
	sqlite3_reset(st);
	st = stmt(d, ST_DEFER_DEL);
	if (!st)
		return ODB_SQL;
	sqlite3_bind_int64(st, 1, seq);
	return step_done(d, st);
}

order_db_err deferred_orders(order_db *d, char (**ids)[37], size_t *n)
{
	*ids = NULL;
	*n = 0;
	sqlite3_stmt *st = stmt(d, ST_DEFER_ORDERS);
	if (!st)
		return ODB_SQL;
	size_t cap = 0;
	int rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (*n == cap) {
			cap = cap ? cap * 2 : 8;
			*ids = mu_xrealloc(*ids, cap * sizeof **ids);
		}
		const char *id = (const char *)sqlite3_column_text(st, 0);
		snprintf((*ids)[(*n)++], 37, "%s", id ? id : "");
	}
	if (rc != SQLITE_DONE)
		return sql_fail(d, st);
	sqlite3_reset(st);
	return ODB_OK;
}

/* ------------------------------------------------------------------ prices */

order_db_err price_set(order_db *d, const char *fiat_upper, double price, int64_t at, const char *source)
{
	sqlite3_stmt *st = stmt(d, ST_PRICE_SET);
	if (!st)
		return ODB_SQL;
	bind_text(st, 1, fiat_upper);
	sqlite3_bind_double(st, 2, price);
	sqlite3_bind_int64(st, 3, at);
	bind_text(st, 4, source);
	return step_done(d, st);
}

order_db_err price_get(order_db *d, const char *fiat_upper, double *price, int64_t *at, bool *found)
{
	sqlite3_stmt *st = stmt(d, ST_PRICE_GET);
	if (!st)
		return ODB_SQL;
	bind_text(st, 1, fiat_upper);
	int rc = sqlite3_step(st);
	*found = rc == SQLITE_ROW;
	if (rc == SQLITE_ROW) {
		*price = sqlite3_column_double(st, 0);
		*at = sqlite3_column_int64(st, 1);
	} else if (rc != SQLITE_DONE) {
		return sql_fail(d, st);
	}
	sqlite3_reset(st);
	return ODB_OK;
}

/* --------------------------------------------------------------- pub clock */

order_db_err pub_clock_next(order_db *d, int kind, const char *dtag, int64_t now, int64_t *created_at)
{
	sqlite3_stmt *st = stmt(d, ST_PUB_GET);
	if (!st)
		return ODB_SQL;
	sqlite3_bind_int(st, 1, kind);
	bind_text(st, 2, dtag);
	int rc = sqlite3_step(st);
	int64_t t = now;
	if (rc == SQLITE_ROW) {
		int64_t last = sqlite3_column_int64(st, 0);
		if (last >= t)
			t = last + 1;
	} else if (rc != SQLITE_DONE) {
		return sql_fail(d, st);
	}
	sqlite3_reset(st);
	st = stmt(d, ST_PUB_SET);
	if (!st)
		return ODB_SQL;
	sqlite3_bind_int(st, 1, kind);
	bind_text(st, 2, dtag);
	sqlite3_bind_int64(st, 3, t);
	order_db_err e = step_done(d, st);
	if (e == ODB_OK)
		*created_at = t;
	return e;
}

order_db_err pub_clock_last(order_db *d, int kind, const char *dtag, int64_t *last, bool *found)
{
	*last = 0;
	*found = false;
	sqlite3_stmt *st = stmt(d, ST_PUB_GET);
	if (!st)
		return ODB_SQL;
	sqlite3_bind_int(st, 1, kind);
	bind_text(st, 2, dtag);
	int rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		*last = sqlite3_column_int64(st, 0);
		*found = true;
	} else if (rc != SQLITE_DONE) {
		return sql_fail(d, st);
	}
	sqlite3_reset(st);
	return ODB_OK;
}

/* ----------------------------------------------------------- key transport */

order_db_err key_transport_set(order_db *d, const char *pubkey, const char *transport, int64_t at)
{
	sqlite3_stmt *st = stmt(d, ST_KT_SET);
	if (!st)
		return ODB_SQL;
	bind_text(st, 1, pubkey);
	bind_text(st, 2, transport);
	sqlite3_bind_int64(st, 3, at);
	return step_done(d, st);
}

order_db_err key_transport_get(order_db *d, const char *pubkey, char out[3])
{
	out[0] = 0;
	sqlite3_stmt *st = stmt(d, ST_KT_GET);
	if (!st)
		return ODB_SQL;
	bind_text(st, 1, pubkey);
	int rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		const char *t = (const char *)sqlite3_column_text(st, 0);
		if (t && (strcmp(t, "v1") == 0 || strcmp(t, "v2") == 0))
			memcpy(out, t, 3);
	} else if (rc != SQLITE_DONE) {
		return sql_fail(d, st);
	}
	sqlite3_reset(st);
	return ODB_OK;
}

/* -------------------------------------------------------------------- jobs */

order_db_err job_get(order_db *d, const char *name, int64_t *next_at, bool *found)
{
	sqlite3_stmt *st = stmt(d, ST_JOB_GET);
	if (!st)
		return ODB_SQL;
	bind_text(st, 1, name);
	int rc = sqlite3_step(st);
	*found = rc == SQLITE_ROW;
	if (rc == SQLITE_ROW)
		*next_at = sqlite3_column_int64(st, 0);
	else if (rc != SQLITE_DONE)
		return sql_fail(d, st);
	sqlite3_reset(st);
	return ODB_OK;
}

order_db_err job_set(order_db *d, const char *name, int64_t next_at)
{
	sqlite3_stmt *st = stmt(d, ST_JOB_SET);
	if (!st)
		return ODB_SQL;
	bind_text(st, 1, name);
	sqlite3_bind_int64(st, 2, next_at);
	return step_done(d, st);
}

order_db_err rating_queue_add(order_db *d, const char *template_line, int64_t at)
{
	sqlite3_stmt *st = stmt(d, ST_RATING_ADD);
	if (!st)
		return ODB_SQL;
	bind_text(st, 1, template_line);
	sqlite3_bind_int64(st, 2, at);
	return step_done(d, st);
}

/* ------------------------------------------------------------------ parked */

order_db_err parked_add(order_db *d, int64_t intent_seq, const char *record, int64_t at)
{
	sqlite3_stmt *st = stmt(d, ST_PARKED_ADD);
	if (!st)
		return ODB_SQL;
	sqlite3_bind_int64(st, 1, intent_seq);
	bind_text(st, 2, record);
	sqlite3_bind_int64(st, 3, at);
	return step_done(d, st);
}

order_db_err parked_take(order_db *d, int64_t intent_seq, char **out)
{
	*out = NULL;
	sqlite3_stmt *st = stmt(d, ST_PARKED_GET);
	if (!st)
		return ODB_SQL;
	sqlite3_bind_int64(st, 1, intent_seq);
	int rc = sqlite3_step(st);
	if (rc == SQLITE_DONE) {
		sqlite3_reset(st);
		return ODB_OK;
	}
	if (rc != SQLITE_ROW)
		return sql_fail(d, st);
	int64_t seq = sqlite3_column_int64(st, 0);
	*out = mu_xstrdup((const char *)sqlite3_column_text(st, 1));
	sqlite3_reset(st);
	st = stmt(d, ST_PARKED_DEL);
	if (!st)
		return ODB_SQL;
	sqlite3_bind_int64(st, 1, seq);
	return step_done(d, st);
}

/* ------------------------------------------------------------ JSON rows */

static jv row_to_jv(const table *t, const void *row)
{
	const char *base = row;
	jv o = jv_object();
	for (size_t i = 0; i < t->n; i++) {
		const void *p = base + t->cols[i].off;
		jv v;
		switch (t->cols[i].type) {
		case C_UUID:
		case C_KEY: v = jv_string((const char *)p); break;
		case C_TEXT:
		case C_OPT_TEXT: {
			const char *s = *(char *const *)p;
			v = s ? jv_string(s) : t->cols[i].type == C_TEXT ? jv_string("") : jv_null();
			break;
		}
		case C_I64: v = json_from_i64(*(const int64_t *)p); break;
		case C_OPT_I64: {
			const opt_i64 *x = p;
			v = x->set ? json_from_i64(x->v) : jv_null();
			break;
		}
		case C_BOOL: v = jv_bool(*(const bool *)p); break;
		case C_REAL: v = jv_number(*(const double *)p); break;
		case C_STATUS: v = jv_string(order_status_name(*(const order_status *)p)); break;
		case C_KIND: v = jv_string(order_kind_name(*(const order_kind *)p)); break;
		case C_DSTATUS: v = jv_string(dispute_status_name(*(const dispute_status *)p)); break;
		default: v = jv_null();
		}
		o = jv_object_set(o, jv_string(t->cols[i].name), v);
	}
	return o;
}

static bool row_from_jv(const table *t, void *row, jv o, char *err, size_t errlen)
{
	char *base = row;
	if (jv_get_kind(o) != JV_KIND_OBJECT) {
		snprintf(err, errlen, "%s row: not an object", t->name);
		return false;
	}
	for (size_t i = 0; i < t->n; i++) {
		void *p = base + t->cols[i].off;
		jv v = json_get(o, t->cols[i].name);
		bool null = !jv_is_valid(v) || jv_get_kind(v) == JV_KIND_NULL;
		const char *s = json_str(v, NULL);
		bool ok = true;
		int64_t x = 0;
		switch (t->cols[i].type) {
		case C_UUID: ok = s && strlen(s) <= 36; if (ok) snprintf(p, 37, "%s", s); break;
		case C_KEY: ok = s && strlen(s) <= 64; if (ok) snprintf(p, 65, "%s", s); break;
		case C_TEXT: ok = s != NULL; str_set((char **)p, s ? s : ""); break;
		case C_OPT_TEXT: ok = null || s; str_set((char **)p, null ? NULL : s); break;
		case C_I64: ok = null || json_get_i64(v, &x); *(int64_t *)p = x; break;
		case C_OPT_I64:
			if (null)
				*(opt_i64 *)p = OPT_NONE;
			else if ((ok = json_get_i64(v, &x)))
				*(opt_i64 *)p = OPT_SOME(x);
			break;
		case C_BOOL:
			ok = null || jv_get_kind(v) == JV_KIND_TRUE || jv_get_kind(v) == JV_KIND_FALSE ||
			     json_get_i64(v, &x);
			*(bool *)p = jv_get_kind(v) == JV_KIND_TRUE || x != 0;
			break;
		case C_REAL: {
			double d = 0;
			ok = null || json_get_f64(v, &d);
			*(double *)p = d;
			break;
		}
		case C_STATUS: {
			int st = order_status_from_name(s);
			if ((ok = st >= 0))
				*(order_status *)p = (order_status)st;
			break;
		}
		case C_KIND: {
			int k = order_kind_from_name(s);
			if ((ok = k >= 0))
				*(order_kind *)p = (order_kind)k;
			break;
		}
		case C_DSTATUS: {
			int k = dispute_status_from_name(s);
			if ((ok = k >= 0))
				*(dispute_status *)p = (dispute_status)k;
			break;
		}
		}
		jv_free(v);
		if (!ok) {
			snprintf(err, errlen, "%s row: %s: wrong type or value", t->name, t->cols[i].name);
			return false;
		}
	}
	return true;
}

jv order_row_to_jv(const order_row *o) { return row_to_jv(&T_ORDERS, o); }
jv dispute_row_to_jv(const dispute_row *d) { return row_to_jv(&T_DISPUTES, d); }
jv user_row_to_jv(const user_row *u) { return row_to_jv(&T_USERS, u); }

bool order_row_from_jv(order_row *o, jv v, char *err, size_t errlen) { return row_from_jv(&T_ORDERS, o, v, err, errlen); }
bool dispute_row_from_jv(dispute_row *d, jv v, char *err, size_t errlen) { return row_from_jv(&T_DISPUTES, d, v, err, errlen); }
bool user_row_from_jv(user_row *u, jv v, char *err, size_t errlen) { return row_from_jv(&T_USERS, u, v, err, errlen); }
