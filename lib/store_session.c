/* store_session.c — the client's session: files, keys, trade indexes, orders,
 * cursors, the node cache. See store_session.h. Ingest is in
 * store_session_ingest.c. */
#include "store_session.h"

#include <errno.h>
#include <fcntl.h>
#include <sodium.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "bip39.h"
#include "db.h"
#include "hex.h"
#include "json.h"
#include "keys.h"
#include "mostro_chat.h"
#include "safefile.h"
#include "secret.h"
#include "store_session_int.h"

static const char *const err_names[SS_ERR_COUNT] = {
	[SS_OK] = "ok",
	[SS_ERR_MISSING] = "no session",
	[SS_ERR_EXISTS] = "session exists",
	[SS_ERR_DIR] = "session directory",
	[SS_ERR_FILE] = "session file",
	[SS_ERR_MNEMONIC] = "invalid mnemonic",
	[SS_ERR_NOT_FOUND] = "not found",
	[SS_ERR_INVALID] = "invalid value",
	[SS_ERR_CONFLICT] = "conflict",
	[SS_ERR_DB] = "database error",
};

const char *store_session_strerror(store_session_err e)
{
	return (unsigned)e < SS_ERR_COUNT ? err_names[e] : "unknown";
}

store_session_err ss_fail(store_session_err e, char *err, size_t cap, const char *fmt, ...)
{
	if (err && cap) {
		va_list ap;
		va_start(ap, fmt);
		vsnprintf(err, cap, fmt, ap);
		va_end(ap);
	}
	return e;
}

store_session_err ss_db_fail(store_session *s, char *err, size_t cap)
{
	return ss_fail(SS_ERR_DB, err, cap, "session database: %s", sqlite3_errmsg(s->db));
}

/* ------------------------------------------------------------ schema */

static const db_migration migrations[] = {
	{1,
	 "CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);"
	 "CREATE TABLE counters (name TEXT PRIMARY KEY, value INTEGER NOT NULL);"
	 "INSERT INTO counters(name, value) VALUES ('last_index', 0);"
	 "CREATE TABLE trade_keys ("
	 " idx INTEGER PRIMARY KEY CHECK (idx >= 1 AND idx <= 2147483647),"
	 " pubkey TEXT NOT NULL UNIQUE,"
	 " purpose TEXT,"
	 " allocated_at INTEGER NOT NULL,"
	 " order_id TEXT UNIQUE,"
	 " first_reply_at INTEGER);"
	 "CREATE TABLE orders ("
	 " id TEXT PRIMARY KEY,"
	 " node TEXT,"
	 " trade_index INTEGER,"
	 " trade_pubkey TEXT,"
	 " role TEXT, kind TEXT, side TEXT,"
	 " status TEXT,"
	 " next TEXT, waiting_for TEXT,"
	 " amount INTEGER, fiat_code TEXT, fiat_amount INTEGER,"
	 " min_amount INTEGER, max_amount INTEGER,"
	 " payment_method TEXT, premium INTEGER,"
	 " counterparty_pubkey TEXT,"
	 " dispute_id TEXT, solver_pubkey TEXT,"
	 " invoice TEXT,"
	 " last_action TEXT, last_cant_do TEXT,"
	 " created_at INTEGER, expires_at INTEGER,"
	 " source TEXT NOT NULL,"
	 " added_at INTEGER NOT NULL,"
	 " updated_at INTEGER NOT NULL);"
	 "CREATE TABLE disputes ("
	 " id TEXT PRIMARY KEY,"
	 " order_id TEXT,"
	 " status TEXT,"
	 " initiator TEXT,"
	 " solver_pubkey TEXT,"
	 " trade_index INTEGER,"
	 " buyer_pubkey TEXT, seller_pubkey TEXT,"
	 " admin_pubkey TEXT,"
	 " updated_at INTEGER NOT NULL);"
	 "CREATE TABLE messages ("
	 " event_id TEXT PRIMARY KEY,"
	 " type TEXT NOT NULL,"
	 " recipient TEXT,"
	 " sender TEXT,"
	 " order_id TEXT,"
	 " action TEXT,"
	 " request_id TEXT,"
	 " created_at INTEGER,"
	 " received_at INTEGER NOT NULL,"
	 " record TEXT NOT NULL);"
	 "CREATE INDEX messages_order ON messages(order_id, received_at);"
	 "CREATE TABLE node ("
	 " pubkey TEXT PRIMARY KEY,"
	 " relays TEXT, transport TEXT,"
	 " info TEXT, info_created_at INTEGER, info_fetched_at INTEGER,"
	 " used_at INTEGER NOT NULL);"
	 "CREATE TABLE cursors (name TEXT PRIMARY KEY, value INTEGER NOT NULL);"},
	/* the messages an order's state (next, waiting for) and status came from:
	 * created_at and rank in the flow, so messages ingested out of order
	 * never move either back */
	{2,
	 "ALTER TABLE orders ADD COLUMN state_at INTEGER;"
	 "ALTER TABLE orders ADD COLUMN state_rank INTEGER;"
	 "ALTER TABLE orders ADD COLUMN status_at INTEGER;"
	 "ALTER TABLE orders ADD COLUMN status_rank INTEGER;"},
};

#define SS_COMPONENT "session"

/* ------------------------------------------------------------ small SQL helpers */

sqlite3_stmt *ss_prep(store_session *s, const char *sql)
{
	sqlite3_stmt *st = NULL;
	if (sqlite3_prepare_v2(s->db, sql, -1, &st, NULL) != SQLITE_OK) {
		sqlite3_finalize(st);
		return NULL;
	}
	return st;
}

void ss_bind_text(sqlite3_stmt *st, int i, const char *v)
{
	if (v)
		sqlite3_bind_text(st, i, v, -1, SQLITE_TRANSIENT);
	else
		sqlite3_bind_null(st, i);
}

/* Runs a statement with text parameters (NULL binds NULL). */
bool ss_exec_texts(store_session *s, const char *sql, int n, ...)
{
	sqlite3_stmt *st = ss_prep(s, sql);
	if (!st)
		return false;
	va_list ap;
	va_start(ap, n);
	for (int i = 1; i <= n; i++)
		ss_bind_text(st, i, va_arg(ap, const char *));
	va_end(ap);
	bool ok = sqlite3_step(st) == SQLITE_DONE;
	sqlite3_finalize(st);
	return ok;
}

/* ------------------------------------------------------------ paths */

char *store_session_dir(const char *given, char *err, size_t cap)
{
	if (given && *given)
		return mu_xstrdup(given);
	const char *env = getenv("MOSTRO_SESSION");
	if (env && *env)
		return mu_xstrdup(env);
	buf b = BUF_INIT;
	const char *xdg = getenv("XDG_DATA_HOME");
	const char *home = getenv("HOME");
	if (xdg && xdg[0] == '/')
		buf_printf(&b, "%s/mostro", xdg);
	else if (home && *home)
		buf_printf(&b, "%s/.local/share/mostro", home);
	else {
		ss_fail(SS_ERR_DIR, err, cap, "no session directory: give --session DIR or set MOSTRO_SESSION, "
			"XDG_DATA_HOME or HOME");
		return NULL;
	}
	return buf_steal(&b);
}

static char *join(const char *dir, const char *name)
{
	buf b = BUF_INIT;
	buf_printf(&b, "%s/%s", dir, name);
	return buf_steal(&b);
}

/* mkdir -p with 0700 for what is created; the last component must end up a
 * directory not open to group or others. */
static store_session_err make_dir(const char *dir, char *err, size_t cap)
{
	char *p = mu_xstrdup(dir);
	for (char *c = p + 1; *c; c++) {
		if (*c != '/')
			continue;
		*c = 0;
		if (mkdir(p, 0700) < 0 && errno != EEXIST) {
			store_session_err e = ss_fail(SS_ERR_DIR, err, cap, "%s: %s", p, strerror(errno));
			free(p);
			return e;
		}
		*c = '/';
	}
	free(p);
	if (mkdir(dir, 0700) < 0 && errno != EEXIST)
		return ss_fail(SS_ERR_DIR, err, cap, "%s: %s", dir, strerror(errno));
	return SS_OK;
}

static store_session_err check_dir(const char *dir, char *err, size_t cap)
{
	struct stat st;
	if (stat(dir, &st) < 0) {
		if (errno == ENOENT)
			return ss_fail(SS_ERR_MISSING, err, cap, "no session in %s (mostro init or mostro import)", dir);
		return ss_fail(SS_ERR_DIR, err, cap, "%s: %s", dir, strerror(errno));
	}
	if (!S_ISDIR(st.st_mode))
		return ss_fail(SS_ERR_DIR, err, cap, "%s: not a directory", dir);
	if (st.st_mode & 077)
		return ss_fail(SS_ERR_DIR, err, cap, "%s: mode %03o, open to group or others (chmod 700 it)", dir,
			       (unsigned)(st.st_mode & 0777));
	return SS_OK;
}

static store_session_err check_file(const char *path, char *err, size_t cap)
{
	struct stat st;
	if (lstat(path, &st) < 0) {
		if (errno == ENOENT)
			return ss_fail(SS_ERR_MISSING, err, cap, "%s: missing (mostro init or mostro import)", path);
		return ss_fail(SS_ERR_FILE, err, cap, "%s: %s", path, strerror(errno));
	}
	if (!S_ISREG(st.st_mode))
		return ss_fail(SS_ERR_FILE, err, cap, "%s: not a regular file", path);
	if (st.st_mode & 077)
		return ss_fail(SS_ERR_FILE, err, cap, "%s: mode %03o, open to group or others (chmod 600 it)", path,
			       (unsigned)(st.st_mode & 0777));
	return SS_OK;
}

/* ------------------------------------------------------------ open / create */

static store_session_err load_identity(store_session *s, char *err, size_t cap)
{
	sqlite3_stmt *st = ss_prep(s, "SELECT value FROM meta WHERE key = 'identity'");
	if (!st)
		return ss_db_fail(s, err, cap);
	store_session_err e = SS_OK;
	if (sqlite3_step(st) == SQLITE_ROW && sqlite3_column_bytes(st, 0) == 64)
		memcpy(s->identity, sqlite3_column_text(st, 0), 65);
	else
		e = ss_fail(SS_ERR_DB, err, cap, "session database: no identity recorded");
	sqlite3_finalize(st);
	return e;
}

static store_session_err open_db(store_session *s, const char *path, char *err, size_t cap)
{
	char tmp[512];
	db_err de = db_open(&s->db, path, SS_COMPONENT, migrations, sizeof migrations / sizeof *migrations, tmp,
			    sizeof tmp);
	if (de != DB_OK) {
		s->db = NULL;
		return ss_fail(SS_ERR_DB, err, cap, "%s", tmp);
	}
	return SS_OK;
}

/* The mnemonic text -> the NIP-06 account (Mostro's). */
static store_session_err account_from(store_session *s, const char *m, size_t n, char *err, size_t cap)
{
	bip39_error be;
	if (bip39_check(m, n, NULL, NULL, &be)) {
		char msg[160];
		bip39_describe(&be, msg, sizeof msg);
		return ss_fail(SS_ERR_MNEMONIC, err, cap, "mnemonic: %s", msg);
	}
	uint8_t seed[BIP39_SEED_LEN];
	const char *pass = s->passphrase;
	bip39_err pe = bip39_seed(m, n, pass, pass ? strlen(pass) : 0, seed);
	if (pe) {
		sodium_memzero(seed, sizeof seed);
		return ss_fail(SS_ERR_MNEMONIC, err, cap, "$MOSTRO_PASSPHRASE: %s", bip39_strerror(pe));
	}
	bool ok = nip06_account_init(&s->acc, seed, sizeof seed, NIP06_MOSTRO_ACCOUNT);
	sodium_memzero(seed, sizeof seed);
	if (!ok) {
		nip06_account_wipe(&s->acc);
		return ss_fail(SS_ERR_MNEMONIC, err, cap, "mnemonic: invalid derivation");
	}
	s->have_acc = true;
	return SS_OK;
}

static store_session_err ensure_account(store_session *s, char *err, size_t cap)
{
	if (s->have_acc)
		return SS_OK;
	if (!s->mnemonic_path)
		return ss_fail(SS_ERR_MISSING, err, cap, "no mnemonic in this session");
	buf m = BUF_INIT;
	store_session_err e = store_session_mnemonic(s, &m, err, cap);
	if (!e)
		e = account_from(s, m.p, m.len, err, cap);
	buf_wipe(&m);
	return e;
}

store_session_err store_session_derive(store_session *s, uint32_t index, char pubkey[65], uint8_t sk[32],
				       char *err, size_t cap)
{
	store_session_err e = ensure_account(s, err, cap);
	if (e)
		return e;
	if (index > NIP06_INDEX_MAX)
		return ss_fail(SS_ERR_INVALID, err, cap, "index %u: above %u", index, NIP06_INDEX_MAX);
	mu_key k;
	if (!nip06_account_key(&s->acc, index, &k)) {
		key_wipe(&k);
		return ss_fail(SS_ERR_INVALID, err, cap, "index %u: no valid key", index);
	}
	if (pubkey)
		hex_encode(pubkey, k.pk, 32);
	if (sk)
		memcpy(sk, k.sk, 32);
	key_wipe(&k);
	return SS_OK;
}

static store_session_err init_schema_rows(store_session *s, int64_t now, char *err, size_t cap)
{
	char pub[65];
	store_session_err e = store_session_derive(s, 0, pub, NULL, err, cap);
	if (e)
		return e;
	char when[24];
	snprintf(when, sizeof when, "%lld", (long long)now);
	if (!ss_exec_texts(s, "INSERT OR REPLACE INTO meta(key, value) VALUES ('identity', ?1), ('created_at', ?2)",
			   2, pub, when))
		return ss_db_fail(s, err, cap);
	memcpy(s->identity, pub, 65);
	return SS_OK;
}

static void session_zero(store_session *s, const char *passphrase)
{
	memset(s, 0, sizeof *s);
	if (passphrase)
		s->passphrase = mu_xstrdup(passphrase);
}

store_session_err store_session_create(store_session *s, const char *dir, const char *mnemonic, size_t n,
				       const char *passphrase, char *err, size_t cap)
{
	session_zero(s, passphrase);
	/* the mnemonic is checked before anything is created */
	store_session_err e = account_from(s, mnemonic, n, err, cap);
	if (e)
		goto fail;
	if ((e = make_dir(dir, err, cap)) || (e = check_dir(dir, err, cap)))
		goto fail;
	s->dir = mu_xstrdup(dir);
	s->mnemonic_path = join(dir, SS_MNEMONIC_FILE);
	char *dbp = join(dir, SS_DB_FILE);
	struct stat st;
	if (lstat(dbp, &st) == 0 || lstat(s->mnemonic_path, &st) == 0) {
		e = ss_fail(SS_ERR_EXISTS, err, cap, "a session exists in %s already", dir);
		free(dbp);
		goto fail;
	}
	/* one line of single-spaced words */
	buf text = BUF_INIT;
	bool space = false;
	for (size_t i = 0; i < n; i++) {
		char c = mnemonic[i];
		if (c == ' ' || c == '\n' || c == '\r' || c == '\t') {
			space = true;
			continue;
		}
		if (space && text.len)
			buf_putc(&text, ' ');
		space = false;
		buf_putc(&text, c);
	}
	buf_putc(&text, '\n');
	secret_err se = secret_write_file(s->mnemonic_path, text.p, text.len);
	buf_wipe(&text);
	if (se) {
		e = se == SECRET_ERR_EXISTS ? ss_fail(SS_ERR_EXISTS, err, cap, "%s exists already", s->mnemonic_path)
					    : ss_fail(SS_ERR_FILE, err, cap, "%s: %s", s->mnemonic_path, strerror(errno));
		free(dbp);
		goto fail;
	}
	safefile_err fe = safefile_create_private(dbp, 0);
	if (fe) {
		e = ss_fail(fe == SAFEFILE_ERR_EXISTS ? SS_ERR_EXISTS : SS_ERR_FILE, err, cap, "%s: %s", dbp,
			    safefile_strerror(fe));
		free(dbp);
		goto fail;
	}
	e = open_db(s, dbp, err, cap);
	free(dbp);
	if (e || (e = init_schema_rows(s, (int64_t)time(NULL), err, cap)))
		goto fail;
	return SS_OK;
fail:
	store_session_close(s);
	return e;
}

store_session_err store_session_open(store_session *s, const char *dir, const char *passphrase, char *err,
				     size_t cap)
{
	session_zero(s, passphrase);
	store_session_err e = check_dir(dir, err, cap);
	if (e)
		goto fail;
	s->dir = mu_xstrdup(dir);
	s->mnemonic_path = join(dir, SS_MNEMONIC_FILE);
	char *dbp = join(dir, SS_DB_FILE);
	e = check_file(dbp, err, cap);
	if (!e)
		e = check_file(s->mnemonic_path, err, cap);
	if (!e)
		e = open_db(s, dbp, err, cap);
	free(dbp);
	if (e || (e = load_identity(s, err, cap)))
		goto fail;
	return SS_OK;
fail:
	store_session_close(s);
	return e;
}

store_session_err store_session_open_memory(store_session *s, const char *mnemonic, size_t n, char *err,
					    size_t cap)
{
	session_zero(s, NULL);
	store_session_err e = account_from(s, mnemonic, n, err, cap);
	if (!e)
		e = open_db(s, ":memory:", err, cap);
	if (!e)
		e = init_schema_rows(s, 0, err, cap);
	if (e)
		store_session_close(s);
	return e;
}

void store_session_close(store_session *s)
{
	if (s->db)
		db_close(s->db);
	if (s->have_acc)
		nip06_account_wipe(&s->acc);
	free(s->dir);
	free(s->mnemonic_path);
	if (s->passphrase) {
		sodium_memzero(s->passphrase, strlen(s->passphrase));
		free(s->passphrase);
	}
	memset(s, 0, sizeof *s);
}

store_session_err store_session_mnemonic(store_session *s, buf *out, char *err, size_t cap)
{
	if (!s->mnemonic_path)
		return ss_fail(SS_ERR_MISSING, err, cap, "no mnemonic file in this session");
	buf raw = BUF_INIT;
	secret_err se = secret_read_file(s->mnemonic_path, &raw);
	if (se) {
		int saved = errno;
		buf_wipe(&raw);
		return ss_fail(SS_ERR_FILE, err, cap, "%s: %s%s%s", s->mnemonic_path, secret_strerror(se),
			       se == SECRET_ERR_OPEN ? ": " : "", se == SECRET_ERR_OPEN ? strerror(saved) : "");
	}
	buf_reset(out);
	bool space = false;
	for (size_t i = 0; i < raw.len; i++) {
		char c = raw.p[i];
		if (c == ' ' || c == '\n' || c == '\r' || c == '\t') {
			space = true;
			continue;
		}
		if (space && out->len)
			buf_putc(out, ' ');
		space = false;
		buf_putc(out, c);
	}
	buf_wipe(&raw);
	return SS_OK;
}

/* ------------------------------------------------------------ trade indexes */

static bool get_counter(store_session *s, int64_t *v)
{
	sqlite3_stmt *st = ss_prep(s, "SELECT value FROM counters WHERE name = 'last_index'");
	if (!st)
		return false;
	bool ok = sqlite3_step(st) == SQLITE_ROW;
	if (ok)
		*v = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return ok;
}

static bool set_counter(store_session *s, int64_t v)
{
	sqlite3_stmt *st = ss_prep(s, "UPDATE counters SET value = ?1 WHERE name = 'last_index' AND value < ?1");
	if (!st)
		return false;
	sqlite3_bind_int64(st, 1, v);
	bool ok = sqlite3_step(st) == SQLITE_DONE;
	sqlite3_finalize(st);
	return ok;
}

store_session_err store_session_last_index(store_session *s, uint32_t *last, char *err, size_t cap)
{
	int64_t v;
	if (!get_counter(s, &v))
		return ss_db_fail(s, err, cap);
	*last = (uint32_t)v;
	return SS_OK;
}

store_session_err store_session_alloc(store_session *s, const char *purpose, int64_t now, uint32_t *index,
				      char pubkey[65], char *err, size_t cap)
{
	/* the account first: a session whose mnemonic cannot be read hands out nothing */
	store_session_err e = ensure_account(s, err, cap);
	if (e)
		return e;
	if (!db_begin(s->db))
		return ss_db_fail(s, err, cap);
	int64_t last = 0, top = 0;
	sqlite3_stmt *st = ss_prep(s, "SELECT coalesce(max(idx), 0) FROM trade_keys");
	bool ok = st && sqlite3_step(st) == SQLITE_ROW;
	if (ok)
		top = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	if (!ok || !get_counter(s, &last)) {
		e = ss_db_fail(s, err, cap);
		goto out;
	}
	int64_t next = (last > top ? last : top) + 1;
	if (next > NIP06_INDEX_MAX) {
		e = ss_fail(SS_ERR_INVALID, err, cap, "every trade index up to %u is spent", NIP06_INDEX_MAX);
		goto out;
	}
	char pub[65];
	if ((e = store_session_derive(s, (uint32_t)next, pub, NULL, err, cap)))
		goto out;
	st = ss_prep(s, "INSERT INTO trade_keys(idx, pubkey, purpose, allocated_at) VALUES (?1, ?2, ?3, ?4)");
	ok = st != NULL;
	if (ok) {
		sqlite3_bind_int64(st, 1, next);
		ss_bind_text(st, 2, pub);
		ss_bind_text(st, 3, purpose);
		sqlite3_bind_int64(st, 4, now);
		ok = sqlite3_step(st) == SQLITE_DONE;
	}
	sqlite3_finalize(st);
	if (!ok || !set_counter(s, next) || !db_commit(s->db)) {
		e = ss_db_fail(s, err, cap);
		goto out;
	}
	*index = (uint32_t)next;
	memcpy(pubkey, pub, 65);
	return SS_OK;
out:
	db_rollback(s->db);
	return e;
}

store_session_err store_session_raise(store_session *s, uint32_t last, uint32_t *now_last, char *err, size_t cap)
{
	if (last > NIP06_INDEX_MAX)
		return ss_fail(SS_ERR_INVALID, err, cap, "index %u: above %u", last, NIP06_INDEX_MAX);
	if (!set_counter(s, last))
		return ss_db_fail(s, err, cap);
	return now_last ? store_session_last_index(s, now_last, err, cap) : SS_OK;
}

/* The trade_keys row of index (created from the mnemonic when missing: a
 * restored or announced key), in pubkey. */
store_session_err ss_key_row(store_session *s, uint32_t index, const char *purpose, int64_t now, char pubkey[65],
			     char *err, size_t cap)
{
	if (index == 0 || index > NIP06_INDEX_MAX)
		return ss_fail(SS_ERR_INVALID, err, cap, "trade index %u: expected 1..%u", index, NIP06_INDEX_MAX);
	sqlite3_stmt *st = ss_prep(s, "SELECT pubkey FROM trade_keys WHERE idx = ?1");
	if (!st)
		return ss_db_fail(s, err, cap);
	sqlite3_bind_int64(st, 1, index);
	int rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		snprintf(pubkey, 65, "%s", (const char *)sqlite3_column_text(st, 0));
		sqlite3_finalize(st);
		return SS_OK;
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE)
		return ss_db_fail(s, err, cap);
	store_session_err e = store_session_derive(s, index, pubkey, NULL, err, cap);
	if (e)
		return e;
	st = ss_prep(s, "INSERT INTO trade_keys(idx, pubkey, purpose, allocated_at) VALUES (?1, ?2, ?3, ?4)");
	bool ok = st != NULL;
	if (ok) {
		sqlite3_bind_int64(st, 1, index);
		ss_bind_text(st, 2, pubkey);
		ss_bind_text(st, 3, purpose);
		sqlite3_bind_int64(st, 4, now);
		ok = sqlite3_step(st) == SQLITE_DONE;
	}
	sqlite3_finalize(st);
	if (!ok || !set_counter(s, index))
		return ss_db_fail(s, err, cap);
	return SS_OK;
}

static bool valid_choice(const char *v, const char *a, const char *b)
{
	return !v || strcmp(v, a) == 0 || strcmp(v, b) == 0;
}

/* Our side from the order's kind and our role. */
const char *ss_side_of(const char *kind, const char *role)
{
	if (!kind || !role)
		return NULL;
	bool sell = strcmp(kind, "sell") == 0, maker = strcmp(role, "maker") == 0;
	return sell == maker ? "seller" : "buyer";
}

store_session_err store_session_bind(store_session *s, uint32_t index, const char *id, const char *role,
				     const char *kind, const char *node, int64_t now, char *err, size_t cap)
{
	if (!valid_choice(role, "maker", "taker"))
		return ss_fail(SS_ERR_INVALID, err, cap, "role '%s': maker or taker", role);
	if (!valid_choice(kind, "buy", "sell"))
		return ss_fail(SS_ERR_INVALID, err, cap, "kind '%s': buy or sell", kind);
	if (!db_begin(s->db))
		return ss_db_fail(s, err, cap);
	char pub[65];
	store_session_err e = ss_key_row(s, index, "bind", now, pub, err, cap);
	if (e)
		goto out;
	/* the index and the order belong to each other, or to nothing yet */
	sqlite3_stmt *st = ss_prep(s, "SELECT order_id FROM trade_keys WHERE idx = ?1");
	if (!st) {
		e = ss_db_fail(s, err, cap);
		goto out;
	}
	sqlite3_bind_int64(st, 1, index);
	if (sqlite3_step(st) == SQLITE_ROW && sqlite3_column_type(st, 0) != SQLITE_NULL &&
	    strcmp((const char *)sqlite3_column_text(st, 0), id) != 0) {
		e = ss_fail(SS_ERR_CONFLICT, err, cap, "trade index %u is bound to order %s", index,
			    (const char *)sqlite3_column_text(st, 0));
		sqlite3_finalize(st);
		goto out;
	}
	sqlite3_finalize(st);
	st = ss_prep(s, "SELECT trade_index FROM orders WHERE id = ?1");
	if (!st) {
		e = ss_db_fail(s, err, cap);
		goto out;
	}
	ss_bind_text(st, 1, id);
	if (sqlite3_step(st) == SQLITE_ROW && sqlite3_column_type(st, 0) != SQLITE_NULL &&
	    sqlite3_column_int64(st, 0) != index) {
		e = ss_fail(SS_ERR_CONFLICT, err, cap, "order %s is bound to trade index %lld", id,
			    (long long)sqlite3_column_int64(st, 0));
		sqlite3_finalize(st);
		goto out;
	}
	sqlite3_finalize(st);
	st = ss_prep(s, "UPDATE trade_keys SET order_id = ?2 WHERE idx = ?1");
	bool ok = st != NULL;
	if (ok) {
		sqlite3_bind_int64(st, 1, index);
		ss_bind_text(st, 2, id);
		ok = sqlite3_step(st) == SQLITE_DONE;
	}
	sqlite3_finalize(st);
	if (!ok || !ss_order_upsert_key(s, id, index, pub, node, "request", now) ||
	    (role && !ss_exec_texts(s, "UPDATE orders SET role = ?2 WHERE id = ?1", 2, id, role)) ||
	    (kind && !ss_exec_texts(s, "UPDATE orders SET kind = ?2 WHERE id = ?1", 2, id, kind)) ||
	    !ss_exec_texts(s, "UPDATE orders SET side = coalesce(side, CASE"
			      " WHEN kind IS NULL OR role IS NULL THEN NULL"
			      " WHEN (kind = 'sell') = (role = 'maker') THEN 'seller' ELSE 'buyer' END) WHERE id = ?1",
			   1, id) ||
	    !db_commit(s->db)) {
		e = ss_db_fail(s, err, cap);
		goto out;
	}
	return SS_OK;
out:
	db_rollback(s->db);
	return e;
}

bool ss_order_upsert_key(store_session *s, const char *id, uint32_t index, const char *pubkey, const char *node,
			 const char *source, int64_t now)
{
	sqlite3_stmt *st = ss_prep(s,
		"INSERT INTO orders(id, node, trade_index, trade_pubkey, source, added_at, updated_at)"
		" VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?6)"
		" ON CONFLICT(id) DO UPDATE SET trade_index = ?3, trade_pubkey = ?4,"
		" node = coalesce(orders.node, ?2), updated_at = ?6");
	if (!st)
		return false;
	ss_bind_text(st, 1, id);
	ss_bind_text(st, 2, node);
	sqlite3_bind_int64(st, 3, index);
	ss_bind_text(st, 4, pubkey);
	ss_bind_text(st, 5, source);
	sqlite3_bind_int64(st, 6, now);
	bool ok = sqlite3_step(st) == SQLITE_DONE;
	sqlite3_finalize(st);
	return ok;
}

store_session_err store_session_order_key(store_session *s, const char *id, uint32_t *index, char pubkey[65],
					  char *err, size_t cap)
{
	sqlite3_stmt *st = ss_prep(s, "SELECT trade_index, trade_pubkey FROM orders WHERE id = ?1");
	if (!st)
		return ss_db_fail(s, err, cap);
	ss_bind_text(st, 1, id);
	store_session_err e = SS_OK;
	if (sqlite3_step(st) == SQLITE_ROW && sqlite3_column_type(st, 0) != SQLITE_NULL) {
		*index = (uint32_t)sqlite3_column_int64(st, 0);
		snprintf(pubkey, 65, "%s", (const char *)sqlite3_column_text(st, 1));
	} else {
		e = ss_fail(SS_ERR_NOT_FOUND, err, cap, "order %s is not in this session", id);
	}
	sqlite3_finalize(st);
	return e;
}

store_session_err store_session_index_of(store_session *s, const char *pubkey, uint32_t *index, char *err,
					 size_t cap)
{
	if (strcmp(pubkey, s->identity) == 0) {
		*index = 0;
		return SS_OK;
	}
	sqlite3_stmt *st = ss_prep(s, "SELECT idx FROM trade_keys WHERE pubkey = ?1");
	if (!st)
		return ss_db_fail(s, err, cap);
	ss_bind_text(st, 1, pubkey);
	store_session_err e = SS_OK;
	if (sqlite3_step(st) == SQLITE_ROW)
		*index = (uint32_t)sqlite3_column_int64(st, 0);
	else
		e = ss_fail(SS_ERR_NOT_FOUND, err, cap, "%s is not a key of this session", pubkey);
	sqlite3_finalize(st);
	return e;
}

store_session_err store_session_first_reply(store_session *s, uint32_t index, int64_t *at, char *err, size_t cap)
{
	*at = 0;
	sqlite3_stmt *st = ss_prep(s, "SELECT first_reply_at FROM trade_keys WHERE idx = ?1");
	if (!st)
		return ss_db_fail(s, err, cap);
	sqlite3_bind_int64(st, 1, index);
	if (sqlite3_step(st) == SQLITE_ROW)
		*at = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return SS_OK;
}

/* ------------------------------------------------------------ reading */

static const char *const terminal[] = {
	"canceled", "canceled-by-admin", "cooperatively-canceled", "expired", "success",
	"completed-by-admin", "settled-by-admin",
};

bool store_session_status_terminal(const char *status)
{
	if (!status)
		return false;
	for (size_t i = 0; i < sizeof terminal / sizeof *terminal; i++)
		if (strcmp(status, terminal[i]) == 0)
			return true;
	return false;
}

/* Column i of a row as a jv: integers exact, text, NULL as null. */
static jv col_jv(sqlite3_stmt *st, int i)
{
	switch (sqlite3_column_type(st, i)) {
	case SQLITE_INTEGER: {
		int64_t v = sqlite3_column_int64(st, i);
		if (v > 9007199254740992LL || v < -9007199254740992LL) {
			char t[32];
			memcpy(t, JSON_BIGINT_PREFIX, JSON_BIGINT_PREFIX_LEN);
			int n = snprintf(t + JSON_BIGINT_PREFIX_LEN, sizeof t - JSON_BIGINT_PREFIX_LEN, "%lld", (long long)v);
			return jv_string_sized(t, JSON_BIGINT_PREFIX_LEN + n);
		}
		return jv_number((double)v);
	}
	case SQLITE_NULL:
		return jv_null();
	default:
		return jv_string_sized((const char *)sqlite3_column_text(st, i), sqlite3_column_bytes(st, i));
	}
}

/* The statement's row as {"type":TYPE, column: value, ...}. */
jv ss_row_jv(sqlite3_stmt *st, const char *type)
{
	jv o = jv_object_set(jv_object(), jv_string("type"), jv_string(type));
	int n = sqlite3_column_count(st);
	for (int i = 0; i < n; i++)
		o = jv_object_set(o, jv_string(sqlite3_column_name(st, i)), col_jv(st, i));
	return o;
}

#define ORDER_COLUMNS                                                                                       \
	"id, node, status, next, waiting_for, kind, role, side, trade_index, trade_pubkey,"                 \
	" counterparty_pubkey, amount, fiat_code, fiat_amount, min_amount, max_amount, payment_method,"     \
	" premium, invoice, dispute_id, solver_pubkey, last_action, last_cant_do, created_at, expires_at,"  \
	" source, added_at, updated_at"

/* The order row of id as a jv object (jv_null when there is none). */
jv ss_order_jv(store_session *s, const char *id)
{
	sqlite3_stmt *st = ss_prep(s, "SELECT " ORDER_COLUMNS " FROM orders WHERE id = ?1");
	if (!st)
		return jv_null();
	ss_bind_text(st, 1, id);
	jv o = sqlite3_step(st) == SQLITE_ROW ? ss_row_jv(st, "order") : jv_null();
	sqlite3_finalize(st);
	return o;
}

static bool emit(store_line_fn out, void *ctx, jv v)
{
	buf b = BUF_INIT;
	json_write(&b, v);
	jv_free(v);
	bool ok = out(ctx, b.p, b.len);
	buf_free(&b);
	return ok;
}

store_session_err store_session_orders(store_session *s, const store_session_filter *f, store_line_fn out,
				       void *ctx, uint64_t *rows, char *err, size_t cap)
{
	sqlite3_stmt *st = ss_prep(s, "SELECT " ORDER_COLUMNS " FROM orders ORDER BY added_at, id");
	if (!st)
		return ss_db_fail(s, err, cap);
	uint64_t count = 0;
	store_session_err e = SS_OK;
	int rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		const char *id = (const char *)sqlite3_column_text(st, 0);
		const char *status = (const char *)sqlite3_column_text(st, 2);
		if (f && f->id && strcmp(f->id, id) != 0)
			continue;
		if (f && f->live && store_session_status_terminal(status))
			continue;
		if (f && f->nstatuses) {
			bool any = false;
			for (size_t i = 0; i < f->nstatuses && !any; i++)
				any = status && strcmp(status, f->statuses[i]) == 0;
			if (!any)
				continue;
		}
		if (!emit(out, ctx, ss_row_jv(st, "order"))) {
			e = ss_fail(SS_ERR_INVALID, err, cap, "output refused");
			break;
		}
		count++;
	}
	if (!e && rc != SQLITE_DONE)
		e = ss_db_fail(s, err, cap);
	sqlite3_finalize(st);
	if (rows)
		*rows = count;
	return e;
}

store_session_err store_session_disputes(store_session *s, store_line_fn out, void *ctx, char *err, size_t cap)
{
	sqlite3_stmt *st = ss_prep(s, "SELECT id, order_id, status, initiator, solver_pubkey, trade_index,"
				      " buyer_pubkey, seller_pubkey, admin_pubkey, updated_at FROM disputes"
				      " ORDER BY updated_at, id");
	if (!st)
		return ss_db_fail(s, err, cap);
	store_session_err e = SS_OK;
	int rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW)
		if (!emit(out, ctx, ss_row_jv(st, "dispute"))) {
			e = ss_fail(SS_ERR_INVALID, err, cap, "output refused");
			break;
		}
	if (!e && rc != SQLITE_DONE)
		e = ss_db_fail(s, err, cap);
	sqlite3_finalize(st);
	return e;
}

static int64_t count_rows(store_session *s, const char *sql)
{
	sqlite3_stmt *st = ss_prep(s, sql);
	int64_t n = -1;
	if (st && sqlite3_step(st) == SQLITE_ROW)
		n = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return n;
}

static jv node_jv(store_session *s, const char *pubkey)
{
	sqlite3_stmt *st = ss_prep(s, pubkey ? "SELECT pubkey, relays, transport, info, info_created_at,"
					       " info_fetched_at, used_at FROM node WHERE pubkey = ?1"
					     : "SELECT pubkey, relays, transport, info, info_created_at,"
					       " info_fetched_at, used_at FROM node ORDER BY used_at DESC LIMIT 1");
	if (!st)
		return jv_invalid();
	if (pubkey)
		ss_bind_text(st, 1, pubkey);
	jv o = jv_null();
	if (sqlite3_step(st) == SQLITE_ROW) {
		o = ss_row_jv(st, "node");
		jv info = jv_object_get(jv_copy(o), jv_string("info"));
		if (jv_get_kind(info) == JV_KIND_STRING) {
			const char *t = jv_string_value(info);
			jv parsed = json_parse(t, strlen(t), 0, NULL);
			o = jv_object_set(o, jv_string("info"), jv_is_valid(parsed) ? parsed : jv_null());
		}
		jv_free(info);
	}
	sqlite3_finalize(st);
	return o;
}

store_session_err store_session_show(store_session *s, buf *out, char *err, size_t cap)
{
	uint32_t last = 0;
	store_session_err e = store_session_last_index(s, &last, err, cap);
	if (e)
		return e;
	jv node = node_jv(s, NULL);
	if (!jv_is_valid(node))
		return ss_db_fail(s, err, cap);
	jv o = jv_object();
	o = jv_object_set(o, jv_string("type"), jv_string("session"));
	o = jv_object_set(o, jv_string("dir"), s->dir ? jv_string(s->dir) : jv_null());
	o = jv_object_set(o, jv_string("identity"), jv_string(s->identity));
	o = jv_object_set(o, jv_string("last_index"), jv_number(last));
	o = jv_object_set(o, jv_string("orders"), jv_number((double)count_rows(s, "SELECT count(*) FROM orders")));
	o = jv_object_set(o, jv_string("messages"),
			  jv_number((double)count_rows(s, "SELECT count(*) FROM messages")));
	o = jv_object_set(o, jv_string("node"), node);
	json_write(out, o);
	jv_free(o);
	return SS_OK;
}

store_session_err store_session_listen(store_session *s, int64_t now, int64_t recent, buf *out, char *err,
				       size_t cap)
{
	jv keys = jv_array(), peers = jv_array();
	keys = jv_array_append(keys, jv_object_set(jv_object_set(jv_object(), jv_string("index"), jv_number(0)),
						   jv_string("pubkey"), jv_string(s->identity)));
	sqlite3_stmt *st = ss_prep(s,
		"SELECT k.idx, k.pubkey, o.id, o.status, o.counterparty_pubkey, o.solver_pubkey"
		" FROM trade_keys k LEFT JOIN orders o ON o.trade_index = k.idx"
		" WHERE (o.id IS NULL AND k.allocated_at >= ?1) OR o.id IS NOT NULL ORDER BY k.idx");
	if (!st) {
		jv_free(keys);
		jv_free(peers);
		return ss_db_fail(s, err, cap);
	}
	sqlite3_bind_int64(st, 1, now - recent);
	int rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		const char *status = (const char *)sqlite3_column_text(st, 3);
		if (sqlite3_column_type(st, 2) != SQLITE_NULL && store_session_status_terminal(status))
			continue;
		jv k = jv_object();
		k = jv_object_set(k, jv_string("index"), jv_number((double)sqlite3_column_int64(st, 0)));
		k = jv_object_set(k, jv_string("pubkey"), col_jv(st, 1));
		k = jv_object_set(k, jv_string("order"), col_jv(st, 2));
		keys = jv_array_append(keys, k);
		for (int c = 4; c <= 5; c++)
			if (sqlite3_column_type(st, c) != SQLITE_NULL) {
				jv p = jv_object();
				p = jv_object_set(p, jv_string("index"), jv_number((double)sqlite3_column_int64(st, 0)));
				p = jv_object_set(p, jv_string("peer"), col_jv(st, c));
				p = jv_object_set(p, jv_string("role"), jv_string(c == 4 ? "counterparty" : "solver"));
				p = jv_object_set(p, jv_string("order"), col_jv(st, 2));
				peers = jv_array_append(peers, p);
			}
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE) {
		jv_free(keys);
		jv_free(peers);
		return ss_db_fail(s, err, cap);
	}
	jv o = jv_object_set(jv_object(), jv_string("type"), jv_string("keys"));
	o = jv_object_set(o, jv_string("keys"), keys);
	o = jv_object_set(o, jv_string("peers"), peers);
	json_write(out, o);
	jv_free(o);
	return SS_OK;
}

/* ------------------------------------------------------------ cursors, node */

store_session_err store_session_cursor_get(store_session *s, const char *name, bool *have, int64_t *value,
					   char *err, size_t cap)
{
	sqlite3_stmt *st = ss_prep(s, "SELECT value FROM cursors WHERE name = ?1");
	if (!st)
		return ss_db_fail(s, err, cap);
	ss_bind_text(st, 1, name);
	*have = sqlite3_step(st) == SQLITE_ROW;
	*value = *have ? sqlite3_column_int64(st, 0) : 0;
	sqlite3_finalize(st);
	return SS_OK;
}

store_session_err store_session_cursor_set(store_session *s, const char *name, int64_t value, char *err,
					   size_t cap)
{
	if (!*name)
		return ss_fail(SS_ERR_INVALID, err, cap, "a cursor needs a name");
	sqlite3_stmt *st = ss_prep(s, "INSERT INTO cursors(name, value) VALUES (?1, ?2)"
				      " ON CONFLICT(name) DO UPDATE SET value = ?2");
	if (!st)
		return ss_db_fail(s, err, cap);
	ss_bind_text(st, 1, name);
	sqlite3_bind_int64(st, 2, value);
	bool ok = sqlite3_step(st) == SQLITE_DONE;
	sqlite3_finalize(st);
	return ok ? SS_OK : ss_db_fail(s, err, cap);
}

/* The tags of a 38385 event as an object (first value of each tag name). */
static bool info_tags(jv ev, buf *tags, int64_t *created_at)
{
	jv kind = jv_object_get(jv_copy(ev), jv_string("kind"));
	jv ca = jv_object_get(jv_copy(ev), jv_string("created_at"));
	jv t = jv_object_get(jv_copy(ev), jv_string("tags"));
	bool ok = jv_get_kind(kind) == JV_KIND_NUMBER && jv_number_value(kind) == 38385 &&
		  jv_get_kind(ca) == JV_KIND_NUMBER && jv_get_kind(t) == JV_KIND_ARRAY;
	jv o = jv_object();
	if (ok) {
		*created_at = (int64_t)jv_number_value(ca);
		jv_array_foreach(t, i, tag) {
			if (jv_get_kind(tag) == JV_KIND_ARRAY && jv_array_length(jv_copy(tag)) >= 2) {
				jv k = jv_array_get(jv_copy(tag), 0), v = jv_array_get(jv_copy(tag), 1);
				if (jv_get_kind(k) == JV_KIND_STRING && jv_get_kind(v) == JV_KIND_STRING &&
				    !jv_object_has(jv_copy(o), jv_copy(k)))
					o = jv_object_set(o, k, v);
				else {
					jv_free(k);
					jv_free(v);
				}
			}
			jv_free(tag);
		}
		json_write(tags, o);
	}
	jv_free(o);
	jv_free(kind);
	jv_free(ca);
	jv_free(t);
	return ok;
}

store_session_err store_session_node_set(store_session *s, const char *pubkey, const char *relays,
					 const char *transport, jv info, int64_t now, char *err, size_t cap)
{
	if (!pubkey || !hex_is_lower(pubkey, strlen(pubkey), 64)) {
		jv_free(info);
		return ss_fail(SS_ERR_INVALID, err, cap, "node pubkey: 64 lowercase hex digits");
	}
	if (transport && strcmp(transport, "v1") != 0 && strcmp(transport, "v2") != 0) {
		jv_free(info);
		return ss_fail(SS_ERR_INVALID, err, cap, "transport '%s': v1 or v2", transport);
	}
	buf tags = BUF_INIT;
	int64_t created = 0;
	bool have_info = jv_is_valid(info) && jv_get_kind(info) != JV_KIND_NULL;
	if (have_info) {
		jv author = jv_object_get(jv_copy(info), jv_string("pubkey"));
		bool mine = jv_get_kind(author) == JV_KIND_STRING && strcmp(jv_string_value(author), pubkey) == 0;
		jv_free(author);
		if (!mine || !info_tags(info, &tags, &created)) {
			jv_free(info);
			buf_free(&tags);
			return ss_fail(SS_ERR_INVALID, err, cap, "info: not a kind 38385 event of %s", pubkey);
		}
	}
	jv_free(info);
	sqlite3_stmt *st = ss_prep(s,
		"INSERT INTO node(pubkey, relays, transport, info, info_created_at, info_fetched_at, used_at)"
		" VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7) ON CONFLICT(pubkey) DO UPDATE SET"
		" relays = coalesce(?2, relays), transport = coalesce(?3, transport),"
		" info = CASE WHEN ?4 IS NULL OR ?5 < coalesce(info_created_at, 0) THEN info ELSE ?4 END,"
		" info_fetched_at = coalesce(?6, info_fetched_at),"
		" info_created_at = CASE WHEN ?4 IS NULL OR ?5 < coalesce(info_created_at, 0) THEN info_created_at"
		" ELSE ?5 END, used_at = ?7");
	if (!st) {
		buf_free(&tags);
		return ss_db_fail(s, err, cap);
	}
	ss_bind_text(st, 1, pubkey);
	ss_bind_text(st, 2, relays);
	ss_bind_text(st, 3, transport);
	ss_bind_text(st, 4, have_info ? tags.p : NULL);
	if (have_info) {
		sqlite3_bind_int64(st, 5, created);
		sqlite3_bind_int64(st, 6, now);
	} else {
		sqlite3_bind_null(st, 5);
		sqlite3_bind_null(st, 6);
	}
	sqlite3_bind_int64(st, 7, now);
	bool ok = sqlite3_step(st) == SQLITE_DONE;
	sqlite3_finalize(st);
	buf_free(&tags);
	return ok ? SS_OK : ss_db_fail(s, err, cap);
}

store_session_err store_session_node_get(store_session *s, const char *pubkey, buf *out, char *err, size_t cap)
{
	jv o = node_jv(s, pubkey);
	if (!jv_is_valid(o))
		return ss_db_fail(s, err, cap);
	if (jv_get_kind(o) == JV_KIND_NULL)
		return ss_fail(SS_ERR_NOT_FOUND, err, cap, "no node recorded%s%s", pubkey ? " for " : "",
			       pubkey ? pubkey : "");
	json_write(out, o);
	jv_free(o);
	return SS_OK;
}

/* ------------------------------------------------------------ chat keys */

store_session_err store_session_chat_keys(const uint8_t own_sk[32], const char *peer, const char *which, buf *out,
					  char *err, size_t cap)
{
	uint8_t pk[32];
	if (!peer || !hex_decode(pk, 32, peer, strlen(peer), false) || !key_pubkey_valid(pk))
		return ss_fail(SS_ERR_INVALID, err, cap, "peer '%s': not a public key (64 hex digits)", peer ? peer : "");
	if (which && strcmp(which, "conv") != 0 && strcmp(which, "legacy") != 0)
		return ss_fail(SS_ERR_INVALID, err, cap, "secret '%s': conv or legacy", which);
	chat_keys k;
	if (!chat_keys_derive(&k, own_sk, pk)) {
		chat_keys_wipe(&k);
		return ss_fail(SS_ERR_INVALID, err, cap, "no conversation keys with %s", peer);
	}
	char hex[65];
	if (which) {
		hex_encode(hex, strcmp(which, "conv") == 0 ? k.conv.sk : k.legacy.sk, 32);
		buf_put(out, hex, 64);
		sodium_memzero(hex, sizeof hex);
	} else {
		char p[65];
		hex_encode(p, pk, 32);
		buf_printf(out, "{\"type\":\"chat_keys\",\"peer\":\"%s\"", p);
		hex_encode(hex, k.conv.pk, 32);
		buf_printf(out, ",\"conv\":\"%s\"", hex);
		hex_encode(hex, k.sign.pk, 32);
		buf_printf(out, ",\"sign\":\"%s\"", hex);
		hex_encode(hex, k.legacy.pk, 32);
		buf_printf(out, ",\"legacy\":\"%s\"}", hex);
	}
	chat_keys_wipe(&k);
	return SS_OK;
}
