#include "ln_simdb.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sodium.h>
#include <sqlite3.h>

#include "bolt11.h"
#include "buf.h"
#include "db.h"
#include "hex.h"
#include "json.h"
#include "keys.h"
#include "lnd_codec.h"
#include "safefile.h"
#include "sha256.h"

#define STMT_CACHE 64

struct sim_db {
	sqlite3 *db;
	struct { const char *sql; sqlite3_stmt *st; } cache[STMT_CACHE];  /* keyed by the literal's address */
	int      ncache;
	uint8_t  node_sk[32];
	char     node_pub[67];
	char     network[16];
};

static const db_migration migrations[] = {
	{1,
	 "CREATE TABLE sim_node ("
	 " id INTEGER PRIMARY KEY CHECK (id = 1),"
	 " secret TEXT NOT NULL, pubkey TEXT NOT NULL, alias TEXT NOT NULL, network TEXT NOT NULL,"
	 " height INTEGER NOT NULL, time_offset INTEGER NOT NULL DEFAULT 0, fixed_now INTEGER,"
	 " balance_msat INTEGER NOT NULL, add_index INTEGER NOT NULL DEFAULT 0,"
	 " settle_index INTEGER NOT NULL DEFAULT 0, payment_index INTEGER NOT NULL DEFAULT 0);"
	 "CREATE TABLE sim_wallets ("
	 " name TEXT PRIMARY KEY, secret TEXT NOT NULL, pubkey TEXT NOT NULL UNIQUE,"
	 " balance_msat INTEGER NOT NULL);"
	 "CREATE TABLE sim_invoices ("
	 " hash TEXT PRIMARY KEY,"
	 " owner TEXT NOT NULL,"                  /* '' = the node, else a wallet */
	 " hold INTEGER NOT NULL,"
	 " preimage TEXT,"                        /* node hold invoices: known at settle */
	 " payment_request TEXT NOT NULL, memo TEXT NOT NULL,"
	 " value_msat INTEGER NOT NULL,"          /* 0 = any amount */
	 " state TEXT NOT NULL,"
	 " created_at INTEGER NOT NULL, expiry INTEGER NOT NULL, cltv INTEGER NOT NULL,"
	 " add_index INTEGER NOT NULL, settle_index INTEGER NOT NULL DEFAULT 0,"
	 " settle_date INTEGER NOT NULL DEFAULT 0, payment_addr TEXT NOT NULL,"
	 " amt_paid_msat INTEGER NOT NULL DEFAULT 0,"
	 " payer TEXT,"                           /* the wallet whose HTLC is held */
	 " htlc_state TEXT, htlc_amt_msat INTEGER, accept_height INTEGER, expiry_height INTEGER);"
	 "CREATE TABLE sim_payments ("
	 " hash TEXT PRIMARY KEY, payment_request TEXT NOT NULL,"
	 " value_msat INTEGER NOT NULL, fee_msat INTEGER NOT NULL DEFAULT 0,"
	 " fee_limit_msat INTEGER NOT NULL, status TEXT NOT NULL,"
	 " failure_reason TEXT NOT NULL DEFAULT 'FAILURE_REASON_NONE', preimage TEXT,"
	 " created_at INTEGER NOT NULL, payment_index INTEGER NOT NULL,"
	 " outcome TEXT NOT NULL,"                /* succeed | fail:REASON | hang */
	 " due_ms INTEGER,"                       /* when it resolves; NULL: hangs */
	 " initiated_until_ms INTEGER);"          /* INITIATED until then */
	 "CREATE TABLE sim_scripts ("
	 " match TEXT PRIMARY KEY, outcome TEXT NOT NULL, times INTEGER, delay_ms INTEGER NOT NULL);"
	 "CREATE INDEX sim_payments_due ON sim_payments(due_ms) WHERE status IN ('INITIATED','IN_FLIGHT');"},
	{2,
	 /* the expiry sweep runs before every operation: keep it an index probe */
	 "CREATE INDEX sim_invoices_open_expiry ON sim_invoices(created_at + expiry) WHERE state = 'OPEN';"
	 "CREATE INDEX sim_invoices_accepted ON sim_invoices(expiry_height) WHERE state = 'ACCEPTED';"},
};

/* ---------- small SQL helpers ---------- */

/* Statements are prepared once per connection and kept: every SQL text
 * given to q()/x() must be a string literal (its address is the key). */
static sqlite3_stmt *prepared(sim_db *d, const char *sql)
{
	for (int i = 0; i < d->ncache; i++)
		if (d->cache[i].sql == sql)
			return d->cache[i].st;
	sqlite3_stmt *st = NULL;
	if (sqlite3_prepare_v3(d->db, sql, -1, SQLITE_PREPARE_PERSISTENT, &st, NULL) != SQLITE_OK)
		return NULL;
	if (d->ncache < STMT_CACHE) {
		d->cache[d->ncache].sql = sql;
		d->cache[d->ncache].st = st;
		d->ncache++;
	}
	return st;
}

/* Done with a statement from q(): ready for its next use. */
static void end(sim_db *d, sqlite3_stmt *st)
{
	if (!st)
		return;
	for (int i = 0; i < d->ncache; i++)
		if (d->cache[i].st == st) {
			sqlite3_reset(st);
			sqlite3_clear_bindings(st);
			return;
		}
	end(d, st);              /* the cache was full */
}

static void bind_args(sqlite3_stmt *st, const char *types, va_list ap)
{
	for (int i = 0; types && types[i]; i++) {
		switch (types[i]) {
		case 't': {
			const char *s = va_arg(ap, const char *);
			if (s)
				sqlite3_bind_text(st, i + 1, s, -1, SQLITE_TRANSIENT);
			else
				sqlite3_bind_null(st, i + 1);
			break;
		}
		case 'i': sqlite3_bind_int64(st, i + 1, va_arg(ap, int64_t)); break;
		case 'u': sqlite3_bind_int64(st, i + 1, (int64_t)va_arg(ap, uint64_t)); break;
		}
	}
}

/* Binds args by the letters of types: 't' text (NULL ok), 'i' int64,
 * 'u' uint64 (stored as int64). Release with end(). */
static sqlite3_stmt *q(sim_db *d, const char *sql, const char *types, ...)
{
	sqlite3_stmt *st = prepared(d, sql);
	if (!st)
		return NULL;
	va_list ap;
	va_start(ap, types);
	bind_args(st, types, ap);
	va_end(ap);
	return st;
}

/* Runs a statement without rows. */
static bool x(sim_db *d, const char *sql, const char *types, ...)
{
	sqlite3_stmt *st = prepared(d, sql);
	if (!st)
		return false;
	va_list ap;
	va_start(ap, types);
	bind_args(st, types, ap);
	va_end(ap);
	int rc = sqlite3_step(st);
	end(d, st);
	return rc == SQLITE_DONE || rc == SQLITE_ROW;
}

static const char *col_text(sqlite3_stmt *st, int i)
{
	const char *s = (const char *)sqlite3_column_text(st, i);
	return s ? s : "";
}

static bool db_fail(sim_db *d, ln_error *err)
{
	ln_error_set(err, LN_ERR_INTERNAL, "sim database: %s", sqlite3_errmsg(d->db));
	return false;
}

static bool begin(sim_db *d, ln_error *err)
{
	if (db_begin(d->db))
		return true;
	return db_fail(d, err);
}

static bool commit(sim_db *d, ln_error *err)
{
	if (db_commit(d->db))
		return true;
	db_fail(d, err);
	db_rollback(d->db);
	return false;
}

/* Rolls back and returns false: err was set by the caller. */
static bool abandon(sim_db *d)
{
	db_rollback(d->db);
	return false;
}

static void hex32(char out[65], const uint8_t b[32])
{
	hex_encode(out, b, 32);
}

static uint64_t wall_s(void)
{
	return (uint64_t)time(NULL);
}

/* ---------- node and wallets ---------- */

static void key_of(const char *seed, uint8_t sk[32], char pub[67])
{
	sha256(sk, seed, strlen(seed));
	secp256k1_pubkey pk;
	if (!secp256k1_ec_pubkey_create(secp(), &pk, sk))
		abort();                  /* a sha256 output is a valid key but for ~2^-128 */
	uint8_t ser[33];
	size_t n = 33;
	secp256k1_ec_pubkey_serialize(secp(), ser, &n, &pk, SECP256K1_EC_COMPRESSED);
	hex_encode(pub, ser, 33);
}

static bool load_node(sim_db *d, ln_error *err)
{
	sqlite3_stmt *st = q(d, "SELECT secret, pubkey, network FROM sim_node WHERE id = 1", NULL);
	if (!st || sqlite3_step(st) != SQLITE_ROW) {
		end(d, st);
		return db_fail(d, err);
	}
	bool ok = hex_decode(d->node_sk, 32, col_text(st, 0), strlen(col_text(st, 0)), false);
	snprintf(d->node_pub, sizeof d->node_pub, "%s", col_text(st, 1));
	snprintf(d->network, sizeof d->network, "%s", col_text(st, 2));
	end(d, st);
	if (!ok)
		ln_error_set(err, LN_ERR_INTERNAL, "sim database: bad node key");
	return ok;
}

sim_db *simdb_open(const char *path, char *err, size_t errlen)
{
	/* the file holds the node key, wallet keys and preimages: 0600 whatever
	 * the umask, before SQLite opens it (its -wal and -shm files follow) */
	if (strcmp(path, ":memory:") != 0 && *path) {
		safefile_err fe = safefile_create_private(path, 0);
		if (fe == SAFEFILE_ERR_EXISTS) {
			snprintf(err, errlen, "%s: not a regular file nor a symlink to one", path);
			return NULL;
		}
		if (fe != SAFEFILE_OK) {
			snprintf(err, errlen, "%s: %s: %s", path, safefile_strerror(fe), strerror(errno));
			return NULL;
		}
	}
	sqlite3 *db;
	if (db_open(&db, path, "ln-sim", migrations, sizeof migrations / sizeof *migrations, err, errlen) != DB_OK)
		return NULL;
	sim_db *d = mu_xmalloc(sizeof *d);
	memset(d, 0, sizeof *d);
	d->db = db;
	uint8_t sk[32];
	char pub[67], skhex[65];
	key_of(SIM_SEED_DEFAULT, sk, pub);
	hex32(skhex, sk);
	sodium_memzero(sk, sizeof sk);
	ln_error e;
	bool ok = begin(d, &e) &&
		  x(d, "INSERT OR IGNORE INTO sim_node(id, secret, pubkey, alias, network, height, balance_msat)"
		       " VALUES (1, ?, ?, 'mostro-ln-sim (SIMULATED)', 'regtest', ?, ?)",
		    "ttii", skhex, pub, (int64_t)SIM_HEIGHT_DEFAULT, (int64_t)SIM_NODE_BALANCE_MSAT) &&
		  commit(d, &e) && load_node(d, &e);
	sodium_memzero(skhex, sizeof skhex);
	if (!ok) {
		snprintf(err, errlen, "%s: %s", path, e.message);
		simdb_close(d);
		return NULL;
	}
	return d;
}

void simdb_close(sim_db *d)
{
	if (!d)
		return;
	for (int i = 0; i < d->ncache; i++)
		sqlite3_finalize(d->cache[i].st);
	db_close(d->db);
	sodium_memzero(d->node_sk, sizeof d->node_sk);
	free(d);
}

int64_t simdb_data_version(sim_db *d)
{
	sqlite3_stmt *st = q(d, "PRAGMA data_version", NULL);
	int64_t v = -1;
	if (st && sqlite3_step(st) == SQLITE_ROW)
		v = sqlite3_column_int64(st, 0);
	end(d, st);
	return v;
}

enum node_col { N_HEIGHT, N_BALANCE, N_FIXED, N_ADD_INDEX, N_SETTLE_INDEX, N_PAYMENT_INDEX };

static int64_t node_int(sim_db *d, enum node_col col)
{
	static const char *const sql[] = {
		[N_HEIGHT] = "SELECT height FROM sim_node WHERE id = 1",
		[N_BALANCE] = "SELECT balance_msat FROM sim_node WHERE id = 1",
		[N_FIXED] = "SELECT fixed_now IS NOT NULL FROM sim_node WHERE id = 1",
		[N_ADD_INDEX] = "SELECT add_index FROM sim_node WHERE id = 1",
		[N_SETTLE_INDEX] = "SELECT settle_index FROM sim_node WHERE id = 1",
		[N_PAYMENT_INDEX] = "SELECT payment_index FROM sim_node WHERE id = 1",
	};
	sqlite3_stmt *st = q(d, sql[col], NULL);
	int64_t v = 0;
	if (st && sqlite3_step(st) == SQLITE_ROW)
		v = sqlite3_column_int64(st, 0);
	end(d, st);
	return v;
}

uint64_t simdb_now(sim_db *d)
{
	sqlite3_stmt *st = q(d, "SELECT fixed_now, time_offset FROM sim_node WHERE id = 1", NULL);
	uint64_t now = wall_s();
	if (st && sqlite3_step(st) == SQLITE_ROW) {
		if (sqlite3_column_type(st, 0) != SQLITE_NULL)
			now = (uint64_t)sqlite3_column_int64(st, 0);
		else
			now = (uint64_t)((int64_t)now + sqlite3_column_int64(st, 1));
	}
	end(d, st);
	return now;
}

/* Next value of a node counter (add_index, settle_index, payment_index). */
static int64_t bump(sim_db *d, enum node_col col)
{
	bool ok = col == N_ADD_INDEX ? x(d, "UPDATE sim_node SET add_index = add_index + 1 WHERE id = 1", NULL)
		: col == N_SETTLE_INDEX ? x(d, "UPDATE sim_node SET settle_index = settle_index + 1 WHERE id = 1", NULL)
		: x(d, "UPDATE sim_node SET payment_index = payment_index + 1 WHERE id = 1", NULL);
	return ok ? node_int(d, col) : -1;
}

static bool valid_wallet_name(const char *name)
{
	size_t n = strlen(name);
	if (n == 0 || n > 64)
		return false;
	for (size_t i = 0; i < n; i++) {
		char c = name[i];
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		      c == '-' || c == '_' || c == '.'))
			return false;
	}
	return true;
}

static int64_t wallet_balance(sim_db *d, const char *name)
{
	sqlite3_stmt *st = q(d, "SELECT balance_msat FROM sim_wallets WHERE name = ?", "t", name);
	int64_t v = -1;
	if (st && sqlite3_step(st) == SQLITE_ROW)
		v = sqlite3_column_int64(st, 0);
	end(d, st);
	return v;
}

/* Makes sure the wallet exists (inside a transaction). */
static bool ensure_wallet(sim_db *d, const char *name, ln_error *err)
{
	if (!valid_wallet_name(name)) {
		ln_error_set(err, LN_ERR_INVALID_REQUEST, "wallet names are 1..64 of [A-Za-z0-9._-]");
		return false;
	}
	if (wallet_balance(d, name) >= 0)
		return true;
	char seed[128], pub[67], skhex[65];
	uint8_t sk[32];
	snprintf(seed, sizeof seed, "mostro-ln sim wallet:%s", name);
	key_of(seed, sk, pub);
	hex32(skhex, sk);
	sodium_memzero(sk, sizeof sk);
	bool ok = x(d, "INSERT OR IGNORE INTO sim_wallets(name, secret, pubkey, balance_msat) VALUES (?, ?, ?, ?)",
		    "ttti", name, skhex, pub, (int64_t)SIM_WALLET_BALANCE_MSAT);
	sodium_memzero(skhex, sizeof skhex);
	return ok || db_fail(d, err);
}

static bool credit(sim_db *d, const char *wallet, int64_t msat)
{
	if (!wallet || !*wallet)
		return x(d, "UPDATE sim_node SET balance_msat = balance_msat + ? WHERE id = 1", "i", msat);
	return x(d, "UPDATE sim_wallets SET balance_msat = balance_msat + ? WHERE name = ?", "it", msat, wallet);
}

/* ---------- invoices ---------- */

static bool sign_invoice(sim_db *d, const uint8_t sk[32], const char *network, bool has_amount,
			 uint64_t amount_msat, uint64_t timestamp, const uint8_t hash[32],
			 const uint8_t secret[32], const char *memo, uint64_t expiry, uint32_t cltv,
			 buf *out, ln_error *err)
{
	(void)d;
	bolt11_invoice inv;
	bolt11_invoice_init(&inv);
	inv.network = bolt11_network_from_name(network);
	inv.has_amount = has_amount;
	inv.amount_msat = amount_msat;
	inv.timestamp = timestamp;
	memcpy(inv.payment_hash, hash, 32);
	inv.has_payment_secret = true;
	memcpy(inv.payment_secret, secret, 32);
	bolt11_set_description(&inv, memo, strlen(memo));
	inv.expiry = expiry;
	inv.expiry_explicit = true;
	inv.min_final_cltv_expiry = cltv;
	inv.min_final_cltv_expiry_explicit = true;
	static const uint16_t features[] = {9, 14, 17};
	bolt11_set_features(&inv, features, 3);
	bolt11_err e = bolt11_encode(out, &inv, sk);
	bolt11_free(&inv);
	if (e) {
		ln_error_set(err, LN_ERR_INTERNAL, "cannot write the invoice: %s", bolt11_strerror(e));
		return false;
	}
	return true;
}

bool simdb_add_hold(sim_db *d, const uint8_t hash[32], uint64_t value_msat, const char *memo,
		    uint64_t expiry, uint32_t cltv, jv *out, ln_error *err)
{
	char h[65], addr[65];
	uint8_t secret[32];
	hex32(h, hash);
	randombytes_buf(secret, 32);
	hex32(addr, secret);
	if (!begin(d, err))
		return false;
	sqlite3_stmt *st = q(d, "SELECT 1 FROM sim_invoices WHERE hash = ?", "t", h);
	bool exists = st && sqlite3_step(st) == SQLITE_ROW;
	end(d, st);
	if (exists) {
		ln_error_set(err, LN_ERR_ALREADY_EXISTS, "invoice with payment hash already exists");
		return abandon(d);
	}
	uint64_t now = simdb_now(d);
	buf pr = BUF_INIT;
	if (!sign_invoice(d, d->node_sk, d->network, value_msat > 0, value_msat, now, hash, secret,
			  memo ? memo : "", expiry, cltv, &pr, err))
		return abandon(d);
	int64_t idx = bump(d, N_ADD_INDEX);
	if (idx < 0 || !x(d, "INSERT INTO sim_invoices(hash, owner, hold, payment_request, memo, value_msat, state,"
			     " created_at, expiry, cltv, add_index, payment_addr)"
			     " VALUES (?, '', 1, ?, ?, ?, 'OPEN', ?, ?, ?, ?, ?)",
			  "tttuuuuit", h, pr.p, memo ? memo : "", value_msat, now, expiry, (uint64_t)cltv, idx, addr)) {
		buf_free(&pr);
		db_fail(d, err);
		return abandon(d);
	}
	if (!commit(d, err)) {
		buf_free(&pr);
		return false;
	}
	jv o = jv_object();
	o = jv_object_set(o, jv_string("payment_request"), jv_string(pr.p));
	o = jv_object_set(o, jv_string("add_index"), json_from_i64(idx));
	o = jv_object_set(o, jv_string("payment_addr"), jv_string(addr));
	*out = o;
	buf_free(&pr);
	return true;
}

/* The fields of one invoice row; fills a state name into state (16 bytes). */
typedef struct inv_row {
	bool     found;
	char     owner[72];
	bool     hold;
	char     state[16];
	uint64_t value_msat, amt_paid_msat, created_at, expiry;
	char     payer[72];
	bool     has_payer;
	char     preimage[65];
} inv_row;

static bool get_invoice(sim_db *d, const char *h, inv_row *r)
{
	memset(r, 0, sizeof *r);
	sqlite3_stmt *st = q(d, "SELECT owner, hold, state, value_msat, amt_paid_msat, created_at, expiry, payer, preimage"
			     " FROM sim_invoices WHERE hash = ?", "t", h);
	if (!st)
		return false;
	if (sqlite3_step(st) == SQLITE_ROW) {
		r->found = true;
		snprintf(r->owner, sizeof r->owner, "%s", col_text(st, 0));
		r->hold = sqlite3_column_int(st, 1) != 0;
		snprintf(r->state, sizeof r->state, "%s", col_text(st, 2));
		r->value_msat = (uint64_t)sqlite3_column_int64(st, 3);
		r->amt_paid_msat = (uint64_t)sqlite3_column_int64(st, 4);
		r->created_at = (uint64_t)sqlite3_column_int64(st, 5);
		r->expiry = (uint64_t)sqlite3_column_int64(st, 6);
		r->has_payer = sqlite3_column_type(st, 7) != SQLITE_NULL;
		snprintf(r->payer, sizeof r->payer, "%s", col_text(st, 7));
		snprintf(r->preimage, sizeof r->preimage, "%s", col_text(st, 8));
	}
	end(d, st);
	return true;
}

/* CANCELED, refunding a held HTLC to its payer. */
static bool cancel_row(sim_db *d, const char *h, const inv_row *r)
{
	if (strcmp(r->state, "ACCEPTED") == 0 && r->has_payer && !credit(d, r->payer, (int64_t)r->amt_paid_msat))
		return false;
	return x(d, "UPDATE sim_invoices SET state = 'CANCELED', amt_paid_msat = 0,"
		    " htlc_state = CASE WHEN htlc_state IS NULL THEN NULL ELSE 'CANCELED' END WHERE hash = ?", "t", h);
}

/* Opens a transaction and reads the node's own invoice h into r; false
 * (rolled back, err set) on a database error or when there is none
 * (LN_ERR_NOT_FOUND "unable to locate invoice", LND's words). */
static bool begin_node_invoice(sim_db *d, const char *h, inv_row *r, ln_error *err)
{
	if (!begin(d, err))
		return false;
	if (!get_invoice(d, h, r)) {
		db_fail(d, err);
		return abandon(d);
	}
	if (!r->found || r->owner[0]) {
		ln_error_set(err, LN_ERR_NOT_FOUND, "unable to locate invoice");
		return abandon(d);
	}
	return true;
}

bool simdb_settle(sim_db *d, const uint8_t preimage[32], ln_error *err)
{
	uint8_t hash[32];
	char h[65], p[65];
	sha256(hash, preimage, 32);
	hex32(h, hash);
	hex32(p, preimage);
	inv_row r;
	if (!begin_node_invoice(d, h, &r, err))
		return false;
	if (strcmp(r.state, "SETTLED") == 0) {
		db_rollback(d->db);
		return true;                      /* LND: settling twice is fine */
	}
	if (strcmp(r.state, "OPEN") == 0) {
		ln_error_set(err, LN_ERR_STILL_OPEN, "invoice still open");
		return abandon(d);
	}
	if (strcmp(r.state, "CANCELED") == 0) {
		ln_error_set(err, LN_ERR_ALREADY_CANCELED, "invoice already canceled");
		return abandon(d);
	}
	int64_t idx = bump(d, N_SETTLE_INDEX);
	if (idx < 0 || !credit(d, "", (int64_t)r.amt_paid_msat) ||
	    !x(d, "UPDATE sim_invoices SET state = 'SETTLED', preimage = ?, settle_index = ?, settle_date = ?,"
		  " htlc_state = 'SETTLED' WHERE hash = ?", "tiut", p, idx, simdb_now(d), h)) {
		db_fail(d, err);
		return abandon(d);
	}
	return commit(d, err);
}

bool simdb_cancel(sim_db *d, const uint8_t hash[32], ln_error *err)
{
	char h[65];
	hex32(h, hash);
	inv_row r;
	if (!begin_node_invoice(d, h, &r, err))
		return false;
	if (strcmp(r.state, "CANCELED") == 0) {
		db_rollback(d->db);
		return true;                      /* LND: canceling twice is fine */
	}
	if (strcmp(r.state, "SETTLED") == 0) {
		ln_error_set(err, LN_ERR_ALREADY_SETTLED, "invoice already settled");
		return abandon(d);
	}
	if (!cancel_row(d, h, &r)) {
		db_fail(d, err);
		return abandon(d);
	}
	return commit(d, err);
}

bool simdb_lookup(sim_db *d, const uint8_t hash[32], jv *out, ln_error *err)
{
	char h[65];
	hex32(h, hash);
	sqlite3_stmt *st = q(d, "SELECT state, memo, payment_request, value_msat, amt_paid_msat, created_at,"
			     " settle_date, expiry, cltv, add_index, htlc_state, htlc_amt_msat, accept_height,"
			     " expiry_height FROM sim_invoices WHERE hash = ? AND owner = ''", "t", h);
	if (!st)
		return db_fail(d, err);
	if (sqlite3_step(st) != SQLITE_ROW) {
		end(d, st);
		ln_error_set(err, LN_ERR_NOT_FOUND, "unable to locate invoice");
		return false;
	}
	jv o = jv_object();
	o = jv_object_set(o, jv_string("hash"), jv_string(h));
	o = jv_object_set(o, jv_string("state"), jv_string(col_text(st, 0)));
	o = jv_object_set(o, jv_string("memo"), jv_string(col_text(st, 1)));
	o = jv_object_set(o, jv_string("payment_request"), jv_string(col_text(st, 2)));
	static const char *const ints[] = {"value_msat", "amt_paid_msat", "creation_date", "settle_date",
					   "expiry", "cltv_expiry", "add_index"};
	for (int i = 0; i < 7; i++)
		o = jv_object_set(o, jv_string(ints[i]), json_from_i64(sqlite3_column_int64(st, 3 + i)));
	jv htlcs = jv_array();
	jv acc = jv_null();
	if (sqlite3_column_type(st, 10) != SQLITE_NULL) {
		jv e = jv_object();
		e = jv_object_set(e, jv_string("state"), jv_string(col_text(st, 10)));
		e = jv_object_set(e, jv_string("amt_msat"), json_from_i64(sqlite3_column_int64(st, 11)));
		e = jv_object_set(e, jv_string("accept_height"), json_from_i64(sqlite3_column_int64(st, 12)));
		e = jv_object_set(e, jv_string("expiry_height"), json_from_i64(sqlite3_column_int64(st, 13)));
		htlcs = jv_array_append(htlcs, e);
		if (strcmp(col_text(st, 10), "ACCEPTED") == 0)
			acc = json_from_i64(sqlite3_column_int64(st, 13));
	}
	end(d, st);
	o = jv_object_set(o, jv_string("htlcs"), htlcs);
	o = jv_object_set(o, jv_string("accepted_expiry_height"), acc);
	*out = o;
	return true;
}

bool simdb_invoice_event(sim_db *d, const uint8_t hash[32], jv *out)
{
	char h[65];
	hex32(h, hash);
	sqlite3_stmt *st = q(d, "SELECT state, amt_paid_msat FROM sim_invoices WHERE hash = ? AND owner = ''", "t", h);
	bool found = st && sqlite3_step(st) == SQLITE_ROW;
	if (found) {
		jv o = jv_object();
		o = jv_object_set(o, jv_string("hash"), jv_string(h));
		o = jv_object_set(o, jv_string("state"), jv_string(col_text(st, 0)));
		o = jv_object_set(o, jv_string("amt_paid_msat"), json_from_i64(sqlite3_column_int64(st, 1)));
		*out = o;
	}
	end(d, st);
	return found;
}

bool simdb_invoice_was_accepted(sim_db *d, const uint8_t hash[32], uint64_t *amt_msat)
{
	char h[65];
	hex32(h, hash);
	sqlite3_stmt *st = q(d, "SELECT htlc_amt_msat FROM sim_invoices"
			     " WHERE hash = ? AND owner = '' AND htlc_state IS NOT NULL", "t", h);
	bool held = st && sqlite3_step(st) == SQLITE_ROW;
	if (held)
		*amt_msat = (uint64_t)sqlite3_column_int64(st, 0);
	end(d, st);
	return held;
}

bool simdb_get_info(sim_db *d, jv *out, ln_error *err)
{
	sqlite3_stmt *st = q(d, "SELECT pubkey, alias, network, height FROM sim_node WHERE id = 1", NULL);
	if (!st || sqlite3_step(st) != SQLITE_ROW) {
		end(d, st);
		return db_fail(d, err);
	}
	int64_t height = sqlite3_column_int64(st, 3);
	char hb[24];
	uint8_t bh[32];
	char bhex[65];
	snprintf(hb, sizeof hb, "%lld", (long long)height);
	sha256(bh, hb, strlen(hb));
	hex32(bhex, bh);
	jv o = jv_object();
	o = jv_object_set(o, jv_string("backend"), jv_string("sim"));
	o = jv_object_set(o, jv_string("simulated"), jv_true());
	o = jv_object_set(o, jv_string("identity_pubkey"), jv_string(col_text(st, 0)));
	o = jv_object_set(o, jv_string("alias"), jv_string(col_text(st, 1)));
	o = jv_object_set(o, jv_string("version"), jv_string("mostro-ln-sim " MOSTRO_LN_VERSION " (SIMULATED, not LND)"));
	o = jv_object_set(o, jv_string("commit_hash"), jv_string(""));
	o = jv_object_set(o, jv_string("block_height"), json_from_i64(height));
	o = jv_object_set(o, jv_string("block_hash"), jv_string(bhex));
	o = jv_object_set(o, jv_string("synced_to_chain"), jv_true());
	o = jv_object_set(o, jv_string("chain"), jv_string("bitcoin"));
	o = jv_object_set(o, jv_string("network"), jv_string(col_text(st, 2)));
	jv c = jv_object_set(jv_object(), jv_string("chain"), jv_string("bitcoin"));
	c = jv_object_set(c, jv_string("network"), jv_string(col_text(st, 2)));
	o = jv_object_set(o, jv_string("chains"), jv_array_append(jv_array(), c));
	o = jv_object_set(o, jv_string("uris"), jv_array());
	end(d, st);
	*out = o;
	return true;
}

/* ---------- payments ---------- */

static bool valid_reason(const char *r)
{
	static const char *const reasons[] = {"TIMEOUT", "NO_ROUTE", "ERROR", "INCORRECT_PAYMENT_DETAILS",
					      "INSUFFICIENT_BALANCE", "CANCELED", NULL};
	for (const char *const *p = reasons; *p; p++)
		if (strcmp(r, *p) == 0)
			return true;
	return false;
}

bool simdb_outcome_valid(const char *o)
{
	if (!strcmp(o, "succeed") || !strcmp(o, "hang") || !strcmp(o, "initiated_then_succeed"))
		return true;
	if (!strncmp(o, "fail:", 5))
		return valid_reason(o + 5);
	if (!strncmp(o, "error:", 6)) {
		char *end;
		long code = strtol(o + 6, &end, 10);
		return end != o + 6 && *end == ':' && code >= 1 && code <= 16;
	}
	return false;
}

/* The script for a hash (then "default"), consumed once. */
static bool take_script(sim_db *d, const char *h, char *outcome, size_t cap, uint64_t *delay)
{
	const char *keys[2] = {h, "default"};
	for (int i = 0; i < 2; i++) {
		sqlite3_stmt *st = q(d, "SELECT outcome, times, delay_ms FROM sim_scripts WHERE match = ?", "t", keys[i]);
		if (!st)
			return false;
		if (sqlite3_step(st) == SQLITE_ROW) {
			snprintf(outcome, cap, "%s", col_text(st, 0));
			bool limited = sqlite3_column_type(st, 1) != SQLITE_NULL;
			int64_t times = sqlite3_column_int64(st, 1);
			*delay = (uint64_t)sqlite3_column_int64(st, 2);
			end(d, st);
			if (limited) {
				bool ok = times <= 1 ? x(d, "DELETE FROM sim_scripts WHERE match = ?", "t", keys[i])
						     : x(d, "UPDATE sim_scripts SET times = times - 1 WHERE match = ?", "t", keys[i]);
				if (!ok)
					return false;
			}
			return true;
		}
		end(d, st);
	}
	snprintf(outcome, cap, "succeed");
	*delay = 0;
	return true;
}

static void fmt_utc(char *out, size_t cap, uint64_t t)
{
	time_t tt = (time_t)t;
	struct tm tm;
	gmtime_r(&tt, &tm);
	strftime(out, cap, "%Y-%m-%d %H:%M:%S +0000 UTC", &tm);
}

/* LND's pre-flight checks of SendPaymentV2 for an invoice (not expired, this
 * network, amt rules). value_msat receives what is paid. */
static bool check_payable(sim_db *d, const bolt11_invoice *inv, uint64_t amt_sat, uint64_t *value_msat, ln_error *err)
{
	if (strcmp(bolt11_network_name(inv->network), d->network) != 0) {
		ln_error_set(err, LN_ERR_INVALID_INVOICE, "invoice not for current active network '%s'", d->network);
		return false;
	}
	uint64_t now = simdb_now(d);
	if (bolt11_is_expired(inv, now)) {
		char t[64];
		fmt_utc(t, sizeof t, bolt11_expires_at(inv));
		ln_error_set(err, LN_ERR_INVALID_INVOICE, "invoice expired. Valid until %s", t);
		return false;
	}
	/* LND (routerrpc): an amount in the HRP, even "0" (lnbc0), makes an
	 * invoice with an amount, for which amt is refused */
	bool amountless = !inv->has_amount;
	if (!amountless && amt_sat) {
		ln_error_set(err, LN_ERR_WRONG_AMOUNT, "amount must not be specified when paying a non-zero amount invoice");
		return false;
	}
	if (amountless && !amt_sat) {
		ln_error_set(err, LN_ERR_WRONG_AMOUNT, "amount must be specified when paying a zero amount invoice");
		return false;
	}
	*value_msat = amountless ? amt_sat * 1000 : inv->amount_msat;
	return true;
}

bool simdb_send(sim_db *d, const char *pr, uint64_t amt_sat, uint64_t fee_limit_sat, uint64_t now_ms, ln_error *err)
{
	bolt11_invoice inv;
	char detail[200] = "";
	bolt11_err be = bolt11_decode(&inv, pr, strlen(pr), 0, detail, sizeof detail);
	if (be) {
		bolt11_free(&inv);
		ln_error_set(err, LN_ERR_INVALID_INVOICE, "invalid payment request: %s", detail[0] ? detail : bolt11_strerror(be));
		return false;
	}
	char h[65], payee[67];
	hex32(h, inv.payment_hash);
	hex_encode(payee, inv.payee_pubkey, 33);
	uint64_t value = 0;
	bool ok = check_payable(d, &inv, amt_sat, &value, err);
	bolt11_free(&inv);
	if (!ok)
		return false;
	if (strcmp(payee, d->node_pub) == 0) {
		ln_error_set(err, LN_ERR_INVALID_INVOICE, "no self-payments allowed");
		return false;
	}
	if (!begin(d, err))
		return false;
	sqlite3_stmt *st = q(d, "SELECT status FROM sim_payments WHERE hash = ?", "t", h);
	char status[16] = "";
	if (st && sqlite3_step(st) == SQLITE_ROW)
		snprintf(status, sizeof status, "%s", col_text(st, 0));
	end(d, st);
	if (!strcmp(status, "SUCCEEDED")) {
		ln_error_set(err, LN_ERR_ALREADY_EXISTS, "invoice is already paid");
		err->grpc_code = 6;
		return abandon(d);
	}
	if (!strcmp(status, "IN_FLIGHT") || !strcmp(status, "INITIATED")) {
		ln_error_set(err, LN_ERR_ALREADY_EXISTS, "payment is in transition");
		err->grpc_code = 6;
		return abandon(d);
	}
	char outcome[160];
	uint64_t delay = 0;
	if (!take_script(d, h, outcome, sizeof outcome, &delay)) {
		db_fail(d, err);
		return abandon(d);
	}
	if (!strncmp(outcome, "error:", 6)) {
		/* the node refuses the payment with this gRPC code and text */
		char *msg;
		long code = strtol(outcome + 6, &msg, 10);
		if (*msg == ':')
			msg++;
		if (!commit(d, err))           /* the script use counts */
			return false;
		if (lnd_classify(LN_PRIM_SEND, lnd_grpc_http_status((int)code), (int)code, msg, err))
			return false;
		ln_error_set(err, LN_ERR_LND, "%s", msg);
		return false;
	}
	bool initiated = strcmp(outcome, "initiated_then_succeed") == 0;
	bool hang = strcmp(outcome, "hang") == 0;
	const char *resolve = initiated ? "succeed" : outcome;
	int64_t idx = bump(d, N_PAYMENT_INDEX);
	bool w = idx >= 0 &&
		 x(d, "DELETE FROM sim_payments WHERE hash = ?", "t", h) &&
		 x(d, "INSERT INTO sim_payments(hash, payment_request, value_msat, fee_limit_msat, status, created_at,"
		      " payment_index, outcome, due_ms, initiated_until_ms) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
		   "ttuutuittt", h, pr, value, fee_limit_sat * 1000, initiated ? "INITIATED" : "IN_FLIGHT",
		   simdb_now(d), idx, resolve, NULL, NULL);
	if (w && !hang)
		w = x(d, "UPDATE sim_payments SET due_ms = ? WHERE hash = ?", "ut", now_ms + delay + (initiated ? 20 : 0), h);
	if (w && initiated)
		w = x(d, "UPDATE sim_payments SET initiated_until_ms = ? WHERE hash = ?", "ut", now_ms + 10, h);
	if (!w) {
		db_fail(d, err);
		return abandon(d);
	}
	return commit(d, err);
}

bool simdb_payment_event(sim_db *d, const uint8_t hash[32], jv *out)
{
	char h[65];
	hex32(h, hash);
	sqlite3_stmt *st = q(d, "SELECT status, value_msat, fee_msat, preimage, failure_reason FROM sim_payments"
			     " WHERE hash = ?", "t", h);
	bool found = st && sqlite3_step(st) == SQLITE_ROW;
	if (found) {
		const char *status = col_text(st, 0);
		jv o = jv_object();
		o = jv_object_set(o, jv_string("payment_hash"), jv_string(h));
		o = jv_object_set(o, jv_string("status"), jv_string(status));
		o = jv_object_set(o, jv_string("value_msat"), json_from_i64(sqlite3_column_int64(st, 1)));
		o = jv_object_set(o, jv_string("fee_msat"), json_from_i64(sqlite3_column_int64(st, 2)));
		if (!strcmp(status, "SUCCEEDED") && sqlite3_column_type(st, 3) != SQLITE_NULL)
			o = jv_object_set(o, jv_string("preimage"), jv_string(col_text(st, 3)));
		if (!strcmp(status, "FAILED"))
			o = jv_object_set(o, jv_string("failure_reason"), jv_string(col_text(st, 4)));
		*out = o;
	}
	end(d, st);
	return found;
}

static bool fail_payment(sim_db *d, const char *h, const char *reason)
{
	char full[64];
	snprintf(full, sizeof full, "FAILURE_REASON_%s", reason);
	return x(d, "UPDATE sim_payments SET status = 'FAILED', failure_reason = ?, due_ms = NULL WHERE hash = ?",
		 "tt", full, h);
}

/* Resolves one payment by its outcome (inside a transaction). */
static bool resolve_payment(sim_db *d, const char *h, const char *outcome)
{
	if (!strncmp(outcome, "fail:", 5))
		return fail_payment(d, h, outcome + 5);
	/* succeed: the payee must be a wallet invoice here, still open */
	sqlite3_stmt *st = q(d, "SELECT p.value_msat, i.owner, i.state, i.preimage, i.value_msat, i.created_at + i.expiry"
			     " FROM sim_payments p LEFT JOIN sim_invoices i ON i.hash = p.hash WHERE p.hash = ?", "t", h);
	if (!st || sqlite3_step(st) != SQLITE_ROW) {
		end(d, st);
		return false;
	}
	int64_t value = sqlite3_column_int64(st, 0);
	bool known = sqlite3_column_type(st, 1) != SQLITE_NULL && col_text(st, 1)[0];
	char owner[72], state[16], pre[65];
	snprintf(owner, sizeof owner, "%s", col_text(st, 1));
	snprintf(state, sizeof state, "%s", col_text(st, 2));
	snprintf(pre, sizeof pre, "%s", col_text(st, 3));
	int64_t inv_value = sqlite3_column_int64(st, 4);
	uint64_t expires = (uint64_t)sqlite3_column_int64(st, 5);
	end(d, st);
	if (!known)
		return fail_payment(d, h, "NO_ROUTE");            /* nobody we can reach */
	if (strcmp(state, "OPEN") != 0 || simdb_now(d) > expires || (inv_value && value < inv_value))
		return fail_payment(d, h, "INCORRECT_PAYMENT_DETAILS");
	if (node_int(d, N_BALANCE) < value)
		return fail_payment(d, h, "INSUFFICIENT_BALANCE");
	int64_t idx = bump(d, N_SETTLE_INDEX);
	return idx >= 0 && credit(d, "", -value) && credit(d, owner, value) &&
	       x(d, "UPDATE sim_invoices SET state = 'SETTLED', amt_paid_msat = ?, settle_index = ?, settle_date = ?"
		    " WHERE hash = ?", "iiut", value, idx, simdb_now(d), h) &&
	       x(d, "UPDATE sim_payments SET status = 'SUCCEEDED', preimage = ?, due_ms = NULL WHERE hash = ?", "tt", pre, h);
}

/* Anything for simdb_advance to do? Two index probes, no write lock. */
static bool advance_due(sim_db *d, uint64_t now_ms)
{
	sqlite3_stmt *st = q(d, "SELECT 1 FROM sim_payments WHERE status IN ('INITIATED','IN_FLIGHT')"
			     " AND (due_ms <= ? OR initiated_until_ms <= ?) LIMIT 1", "uu", now_ms, now_ms);
	bool due = st && sqlite3_step(st) == SQLITE_ROW;
	end(d, st);
	if (due)
		return true;
	st = q(d, "SELECT 1 FROM sim_invoices WHERE state = 'OPEN' AND created_at + expiry < ? LIMIT 1", "u", simdb_now(d));
	due = st && sqlite3_step(st) == SQLITE_ROW;
	end(d, st);
	return due;
}

int simdb_advance(sim_db *d, uint64_t now_ms)
{
	ln_error err;
	if (!advance_due(d, now_ms))
		return 0;
	if (!begin(d, &err))
		return -1;
	int changes = 0;
	bool ok = true;
	/* payments whose time came */
	sqlite3_stmt *st = ok ? q(d, "SELECT hash, outcome FROM sim_payments WHERE status = 'IN_FLIGHT'"
				     " AND due_ms IS NOT NULL AND due_ms <= ? ORDER BY payment_index", "u", now_ms) : NULL;
	char (*due)[2][160] = NULL;
	size_t n = 0;
	while (st && sqlite3_step(st) == SQLITE_ROW) {
		due = mu_xrealloc(due, (n + 1) * sizeof *due);
		snprintf(due[n][0], 160, "%s", col_text(st, 0));
		snprintf(due[n][1], 160, "%s", col_text(st, 1));
		n++;
	}
	end(d, st);
	for (size_t i = 0; ok && i < n; i++) {
		ok = resolve_payment(d, due[i][0], due[i][1]);
		changes++;
	}
	free(due);
	/* INITIATED -> IN_FLIGHT, after the resolutions: one advance never
	 * takes a payment from INITIATED straight to its end */
	ok = ok && x(d, "UPDATE sim_payments SET status = 'IN_FLIGHT', initiated_until_ms = NULL"
			" WHERE status = 'INITIATED' AND initiated_until_ms <= ?", "u", now_ms);
	changes += ok ? sqlite3_changes(d->db) : 0;
	/* OPEN invoices past their expiry: LND cancels them */
	uint64_t now = simdb_now(d);
	ok = ok && x(d, "UPDATE sim_invoices SET state = 'CANCELED' WHERE state = 'OPEN' AND created_at + expiry < ?",
		     "u", now);
	changes += ok ? sqlite3_changes(d->db) : 0;
	if (!ok) {
		db_rollback(d->db);
		return -1;
	}
	if (!changes) {
		db_rollback(d->db);           /* nothing written: leave data_version alone */
		return 0;
	}
	return commit(d, &err) ? changes : -1;
}

/* ---------- control ---------- */

bool simdb_configure(sim_db *d, const char *network, uint64_t height, const char *alias, ln_error *err)
{
	if (network && bolt11_network_from_name(network) == BOLT11_NET_UNKNOWN) {
		ln_error_set(err, LN_ERR_INVALID_REQUEST, "network: mainnet, testnet, signet, regtest or simnet");
		return false;
	}
	if (!begin(d, err))
		return false;
	bool ok = (!network || x(d, "UPDATE sim_node SET network = ? WHERE id = 1", "t", network)) &&
		  (!height || x(d, "UPDATE sim_node SET height = ? WHERE id = 1", "u", height)) &&
		  (!alias || x(d, "UPDATE sim_node SET alias = ? WHERE id = 1", "t", alias));
	if (!ok) {
		db_fail(d, err);
		return abandon(d);
	}
	return commit(d, err) && load_node(d, err);
}

bool simdb_pay_hold(sim_db *d, const uint8_t hash[32], const char *wallet, uint64_t amt_msat, jv *out, ln_error *err)
{
	char h[65];
	hex32(h, hash);
	if (!begin(d, err))
		return false;
	inv_row r;
	if (!ensure_wallet(d, wallet, err))
		return abandon(d);
	if (!get_invoice(d, h, &r)) {
		db_fail(d, err);
		return abandon(d);
	}
	if (!r.found || r.owner[0] || !r.hold) {
		ln_error_set(err, LN_ERR_NOT_FOUND, "no hold invoice of the node with this hash");
		return abandon(d);
	}
	if (strcmp(r.state, "OPEN") != 0) {
		ln_error_set(err, LN_ERR_INVALID_REQUEST, "the invoice is %s, not OPEN", r.state);
		return abandon(d);
	}
	if (simdb_now(d) > r.created_at + r.expiry) {
		ln_error_set(err, LN_ERR_INVALID_INVOICE, "the invoice expired");
		return abandon(d);
	}
	uint64_t amt = amt_msat ? amt_msat : r.value_msat;
	if (!amt || (r.value_msat && amt < r.value_msat)) {
		ln_error_set(err, LN_ERR_WRONG_AMOUNT, "the invoice needs %llu msat", (unsigned long long)r.value_msat);
		return abandon(d);
	}
	if (wallet_balance(d, wallet) < (int64_t)amt) {
		ln_error_set(err, LN_ERR_INVALID_REQUEST, "wallet %s cannot pay %llu msat", wallet, (unsigned long long)amt);
		return abandon(d);
	}
	sqlite3_stmt *st = q(d, "SELECT height, (SELECT cltv FROM sim_invoices WHERE hash = ?) FROM sim_node WHERE id = 1", "t", h);
	int64_t height = 0, cltv = 0;
	if (st && sqlite3_step(st) == SQLITE_ROW) {
		height = sqlite3_column_int64(st, 0);
		cltv = sqlite3_column_int64(st, 1);
	}
	end(d, st);
	int64_t expiry_height = height + cltv + SIM_HTLC_EXTRA_BLOCKS;
	if (!credit(d, wallet, -(int64_t)amt) ||
	    !x(d, "UPDATE sim_invoices SET state = 'ACCEPTED', amt_paid_msat = ?, payer = ?, htlc_state = 'ACCEPTED',"
		  " htlc_amt_msat = ?, accept_height = ?, expiry_height = ? WHERE hash = ?",
	       "utuiit", amt, wallet, amt, height, expiry_height, h)) {
		db_fail(d, err);
		return abandon(d);
	}
	if (!commit(d, err))
		return false;
	jv o = jv_object();
	o = jv_object_set(o, jv_string("type"), jv_string("sim_paid"));
	o = jv_object_set(o, jv_string("hash"), jv_string(h));
	o = jv_object_set(o, jv_string("state"), jv_string("ACCEPTED"));
	o = jv_object_set(o, jv_string("wallet"), jv_string(wallet));
	o = jv_object_set(o, jv_string("amt_msat"), json_from_u64(amt));
	o = jv_object_set(o, jv_string("expiry_height"), json_from_i64(expiry_height));
	*out = o;
	return true;
}

bool simdb_wallet_pay(sim_db *d, const char *pr, const char *wallet, uint64_t amt_sat, jv *out, ln_error *err)
{
	bolt11_invoice inv;
	char detail[200] = "";
	bolt11_err be = bolt11_decode(&inv, pr, strlen(pr), 0, detail, sizeof detail);
	if (be) {
		bolt11_free(&inv);
		ln_error_set(err, LN_ERR_INVALID_INVOICE, "%s", detail[0] ? detail : bolt11_strerror(be));
		snprintf(err->reason, sizeof err->reason, "%s", bolt11_reason(be));
		return false;
	}
	uint8_t hash[32];
	memcpy(hash, inv.payment_hash, 32);
	uint64_t value = 0;
	bool ok = check_payable(d, &inv, amt_sat, &value, err);
	bolt11_free(&inv);
	if (!ok)
		return false;
	char h[65];
	hex32(h, hash);
	inv_row r;
	if (!get_invoice(d, h, &r))
		return db_fail(d, err);
	if (r.found && !r.owner[0] && r.hold)
		return simdb_pay_hold(d, hash, wallet, value, out, err);
	if (!r.found) {
		ln_error_set(err, LN_ERR_NOT_FOUND, "not an invoice of this simulated network");
		return false;
	}
	/* a wallet's (or the node's plain) invoice: an immediate transfer */
	if (!begin(d, err))
		return false;
	if (!ensure_wallet(d, wallet, err) || !get_invoice(d, h, &r))
		return abandon(d);
	if (strcmp(r.state, "OPEN") != 0) {
		ln_error_set(err, LN_ERR_INVALID_REQUEST, "the invoice is %s, not OPEN", r.state);
		return abandon(d);
	}
	if (!strcmp(r.owner, wallet)) {
		ln_error_set(err, LN_ERR_INVALID_INVOICE, "no self-payments allowed");
		return abandon(d);
	}
	if (wallet_balance(d, wallet) < (int64_t)value) {
		ln_error_set(err, LN_ERR_INVALID_REQUEST, "wallet %s cannot pay %llu msat", wallet, (unsigned long long)value);
		return abandon(d);
	}
	int64_t idx = bump(d, N_SETTLE_INDEX);
	if (idx < 0 || !credit(d, wallet, -(int64_t)value) || !credit(d, r.owner, (int64_t)value) ||
	    !x(d, "UPDATE sim_invoices SET state = 'SETTLED', amt_paid_msat = ?, settle_index = ?, settle_date = ?,"
		  " payer = ? WHERE hash = ?", "uiutt", value, idx, simdb_now(d), wallet, h)) {
		db_fail(d, err);
		return abandon(d);
	}
	if (!commit(d, err))
		return false;
	jv o = jv_object();
	o = jv_object_set(o, jv_string("type"), jv_string("sim_paid"));
	o = jv_object_set(o, jv_string("hash"), jv_string(h));
	o = jv_object_set(o, jv_string("state"), jv_string("SETTLED"));
	o = jv_object_set(o, jv_string("wallet"), jv_string(wallet));
	o = jv_object_set(o, jv_string("amt_msat"), json_from_u64(value));
	o = jv_object_set(o, jv_string("preimage"), jv_string(r.preimage));
	*out = o;
	return true;
}

bool simdb_wallet_invoice(sim_db *d, const char *wallet, bool has_amount, uint64_t amount_msat, const char *memo,
			  uint64_t expiry, uint32_t cltv, uint64_t timestamp, jv *out, ln_error *err)
{
	if (!begin(d, err))
		return false;
	if (!ensure_wallet(d, wallet, err))
		return abandon(d);
	sqlite3_stmt *st = q(d, "SELECT secret, pubkey FROM sim_wallets WHERE name = ?", "t", wallet);
	uint8_t sk[32];
	char pub[67] = "";
	bool ok = st && sqlite3_step(st) == SQLITE_ROW &&
		  hex_decode(sk, 32, col_text(st, 0), strlen(col_text(st, 0)), false);
	if (ok)
		snprintf(pub, sizeof pub, "%s", col_text(st, 1));
	end(d, st);
	if (!ok) {
		db_fail(d, err);
		return abandon(d);
	}
	uint8_t pre[32], hash[32], secret[32];
	char ph[65], hh[65], sh[65];
	randombytes_buf(pre, 32);
	randombytes_buf(secret, 32);
	sha256(hash, pre, 32);
	hex32(ph, pre);
	hex32(hh, hash);
	hex32(sh, secret);
	uint64_t ts = timestamp ? timestamp : simdb_now(d);
	buf pr = BUF_INIT;
	ok = sign_invoice(d, sk, d->network, has_amount, amount_msat, ts, hash, secret, memo ? memo : "",
			  expiry, cltv, &pr, err);
	sodium_memzero(sk, sizeof sk);
	if (!ok)
		return abandon(d);
	int64_t idx = bump(d, N_ADD_INDEX);
	if (idx < 0 || !x(d, "INSERT INTO sim_invoices(hash, owner, hold, preimage, payment_request, memo, value_msat,"
			     " state, created_at, expiry, cltv, add_index, payment_addr)"
			     " VALUES (?, ?, 0, ?, ?, ?, ?, 'OPEN', ?, ?, ?, ?, ?)",
			  "tttttuuuuit", hh, wallet, ph, pr.p, memo ? memo : "", has_amount ? amount_msat : 0,
			  ts, expiry, (uint64_t)cltv, idx, sh)) {
		buf_free(&pr);
		db_fail(d, err);
		return abandon(d);
	}
	if (!commit(d, err)) {
		buf_free(&pr);
		return false;
	}
	jv o = jv_object();
	o = jv_object_set(o, jv_string("type"), jv_string("sim_invoice"));
	o = jv_object_set(o, jv_string("payment_request"), jv_string(pr.p));
	o = jv_object_set(o, jv_string("hash"), jv_string(hh));
	o = jv_object_set(o, jv_string("preimage"), jv_string(ph));
	o = jv_object_set(o, jv_string("wallet"), jv_string(wallet));
	o = jv_object_set(o, jv_string("payee_pubkey"), jv_string(pub));
	*out = o;
	buf_free(&pr);
	return true;
}

bool simdb_mine(sim_db *d, uint32_t blocks, jv *out, ln_error *err)
{
	if (!begin(d, err))
		return false;
	if (!x(d, "UPDATE sim_node SET height = height + ? WHERE id = 1", "u", (uint64_t)blocks)) {
		db_fail(d, err);
		return abandon(d);
	}
	int64_t height = node_int(d, N_HEIGHT);
	/* LND cancels a held invoice holdexpirydelta blocks before the HTLC expires */
	sqlite3_stmt *st = q(d, "SELECT hash FROM sim_invoices WHERE state = 'ACCEPTED' AND expiry_height - ? <= ?",
			     "ii", (int64_t)SIM_HOLD_EXPIRY_DELTA, height);
	jv canceled = jv_array();
	char (*hashes)[65] = NULL;
	size_t n = 0;
	while (st && sqlite3_step(st) == SQLITE_ROW) {
		hashes = mu_xrealloc(hashes, (n + 1) * sizeof *hashes);
		snprintf(hashes[n++], 65, "%s", col_text(st, 0));
	}
	end(d, st);
	bool ok = true;
	for (size_t i = 0; ok && i < n; i++) {
		inv_row r;
		ok = get_invoice(d, hashes[i], &r) && cancel_row(d, hashes[i], &r);
		canceled = jv_array_append(canceled, jv_string(hashes[i]));
	}
	free(hashes);
	if (!ok) {
		jv_free(canceled);
		db_fail(d, err);
		return abandon(d);
	}
	if (!commit(d, err)) {
		jv_free(canceled);
		return false;
	}
	jv o = jv_object_set(jv_object(), jv_string("type"), jv_string("sim_mined"));
	o = jv_object_set(o, jv_string("height"), json_from_i64(height));
	o = jv_object_set(o, jv_string("canceled"), canceled);
	*out = o;
	return true;
}

bool simdb_clock(sim_db *d, bool set_fixed, int64_t fixed, int64_t advance, jv *out, ln_error *err)
{
	if (!begin(d, err))
		return false;
	bool ok = true;
	if (set_fixed)
		ok = fixed >= 0 ? x(d, "UPDATE sim_node SET fixed_now = ? WHERE id = 1", "i", fixed)
				: x(d, "UPDATE sim_node SET fixed_now = NULL WHERE id = 1", NULL);
	if (ok && advance)
		ok = x(d, "UPDATE sim_node SET fixed_now = fixed_now + ?, time_offset = CASE WHEN fixed_now IS NULL"
			  " THEN time_offset + ? ELSE time_offset END WHERE id = 1", "ii", advance, advance);
	if (!ok) {
		db_fail(d, err);
		return abandon(d);
	}
	if (!commit(d, err))
		return false;
	jv o = jv_object_set(jv_object(), jv_string("type"), jv_string("sim_clock"));
	o = jv_object_set(o, jv_string("now"), json_from_u64(simdb_now(d)));
	o = jv_object_set(o, jv_string("fixed"), node_int(d, N_FIXED) ? jv_true() : jv_false());
	*out = o;
	return true;
}

bool simdb_script(sim_db *d, const char *match, const char *outcome, int64_t times, uint64_t delay_ms, ln_error *err)
{
	uint8_t tmp[32];
	if (strcmp(match, "default") != 0 && !hex_decode(tmp, 32, match, strlen(match), false)) {
		ln_error_set(err, LN_ERR_INVALID_REQUEST, "match: a payment hash (64 hex digits) or \"default\"");
		return false;
	}
	if (!simdb_outcome_valid(outcome)) {
		ln_error_set(err, LN_ERR_INVALID_REQUEST, "outcome: succeed, fail:REASON, hang, initiated_then_succeed "
			     "or error:CODE:MESSAGE");
		return false;
	}
	char m[65];
	snprintf(m, sizeof m, "%s", match);
	for (char *p = m; *p; p++)
		if (*p >= 'A' && *p <= 'F')
			*p = (char)(*p + 32);
	if (!begin(d, err))
		return false;
	bool ok = times < 0 ? x(d, "INSERT OR REPLACE INTO sim_scripts(match, outcome, times, delay_ms) VALUES (?, ?, NULL, ?)",
				"ttu", m, outcome, delay_ms)
			    : x(d, "INSERT OR REPLACE INTO sim_scripts(match, outcome, times, delay_ms) VALUES (?, ?, ?, ?)",
				"ttiu", m, outcome, times, delay_ms);
	if (!ok) {
		db_fail(d, err);
		return abandon(d);
	}
	return commit(d, err);
}

bool simdb_resolve(sim_db *d, const uint8_t hash[32], const char *outcome, ln_error *err)
{
	if (strcmp(outcome, "succeed") != 0 && (strncmp(outcome, "fail:", 5) != 0 || !valid_reason(outcome + 5))) {
		ln_error_set(err, LN_ERR_INVALID_REQUEST, "outcome: succeed or fail:REASON");
		return false;
	}
	char h[65];
	hex32(h, hash);
	if (!begin(d, err))
		return false;
	sqlite3_stmt *st = q(d, "SELECT status FROM sim_payments WHERE hash = ?", "t", h);
	char status[16] = "";
	if (st && sqlite3_step(st) == SQLITE_ROW)
		snprintf(status, sizeof status, "%s", col_text(st, 0));
	end(d, st);
	if (strcmp(status, "IN_FLIGHT") != 0 && strcmp(status, "INITIATED") != 0) {
		ln_error_set(err, LN_ERR_NOT_FOUND, "no payment in flight with this hash");
		return abandon(d);
	}
	if (!x(d, "UPDATE sim_payments SET status = 'IN_FLIGHT' WHERE hash = ?", "t", h) ||
	    !resolve_payment(d, h, outcome)) {
		db_fail(d, err);
		return abandon(d);
	}
	return commit(d, err);
}

bool simdb_wallet(sim_db *d, const char *name, bool set_balance, uint64_t balance_msat, jv *out, ln_error *err)
{
	if (!begin(d, err))
		return false;
	if (!ensure_wallet(d, name, err))
		return abandon(d);
	if (set_balance && !x(d, "UPDATE sim_wallets SET balance_msat = ? WHERE name = ?", "ut", balance_msat, name)) {
		db_fail(d, err);
		return abandon(d);
	}
	if (!commit(d, err))
		return false;
	sqlite3_stmt *st = q(d, "SELECT pubkey, balance_msat FROM sim_wallets WHERE name = ?", "t", name);
	if (!st || sqlite3_step(st) != SQLITE_ROW) {
		end(d, st);
		return db_fail(d, err);
	}
	jv o = jv_object_set(jv_object(), jv_string("type"), jv_string("sim_wallet"));
	o = jv_object_set(o, jv_string("name"), jv_string(name));
	o = jv_object_set(o, jv_string("pubkey"), jv_string(col_text(st, 0)));
	o = jv_object_set(o, jv_string("balance_msat"), json_from_i64(sqlite3_column_int64(st, 1)));
	end(d, st);
	*out = o;
	return true;
}

/* Rows of a query as objects keyed by the column names (integers stay integers). */
static jv rows(sim_db *d, const char *sql)
{
	sqlite3_stmt *st = q(d, sql, NULL);
	jv a = jv_array();
	while (st && sqlite3_step(st) == SQLITE_ROW) {
		jv o = jv_object();
		for (int i = 0; i < sqlite3_column_count(st); i++) {
			jv v;
			switch (sqlite3_column_type(st, i)) {
			case SQLITE_INTEGER: v = json_from_i64(sqlite3_column_int64(st, i)); break;
			case SQLITE_NULL: v = jv_null(); break;
			default: v = jv_string(col_text(st, i)); break;
			}
			o = jv_object_set(o, jv_string(sqlite3_column_name(st, i)), v);
		}
		a = jv_array_append(a, o);
	}
	end(d, st);
	return a;
}

bool simdb_state(sim_db *d, jv *out, ln_error *err)
{
	jv info;
	if (!simdb_get_info(d, &info, err))
		return false;
	jv o = jv_object_set(jv_object(), jv_string("type"), jv_string("sim_state"));
	o = jv_object_set(o, jv_string("simulated"), jv_true());
	o = jv_object_set(o, jv_string("pubkey"), jv_string(d->node_pub));
	o = jv_object_set(o, jv_string("network"), jv_string(d->network));
	o = jv_object_set(o, jv_string("height"), json_from_i64(node_int(d, N_HEIGHT)));
	o = jv_object_set(o, jv_string("now"), json_from_u64(simdb_now(d)));
	o = jv_object_set(o, jv_string("balance_msat"), json_from_i64(node_int(d, N_BALANCE)));
	jv_free(info);
	o = jv_object_set(o, jv_string("wallets"), rows(d, "SELECT name, pubkey, balance_msat FROM sim_wallets ORDER BY name"));
	o = jv_object_set(o, jv_string("invoices"), rows(d,
		"SELECT hash, CASE owner WHEN '' THEN 'node' ELSE owner END AS owner, hold, state, value_msat,"
		" amt_paid_msat, created_at, expiry, cltv AS cltv_expiry, payer, htlc_state, accept_height, expiry_height"
		" FROM sim_invoices ORDER BY add_index"));
	o = jv_object_set(o, jv_string("payments"), rows(d,
		"SELECT hash, status, value_msat, fee_msat, fee_limit_msat, failure_reason, outcome, due_ms"
		" FROM sim_payments ORDER BY payment_index"));
	o = jv_object_set(o, jv_string("scripts"), rows(d, "SELECT match, outcome, times, delay_ms FROM sim_scripts ORDER BY match"));
	*out = o;
	return true;
}
