/* order_db.h — the order database: mostrod 0.18.5's schema and our tables
 * beside it, row I/O and compare-and-swap writes.
 *
 * Why: mostro-order run is the single writer of this file; mostro-store
 * reads it (and writes through the engine's ctl input), and operators point
 * mostrod's SQL at it. So the three tables mostrod has (`orders`, `users`,
 * `disputes`; DAEMON.md §8) keep its column names, types, defaults and
 * status strings exactly (its migrations/ up to 20260815120100). UUIDs are
 * stored as their 36-character text (mostrod's sqlx binds them as 16-byte
 * blobs [uncertain]; mostro-store import-mostrod converts). The `bonds` table
 * (an extension, off by default) is not created.
 *
 * Our tables (component "order" in schema_version, lib/db.h):
 *   engine_meta    key/value: clock (the newest tick), seed (hex, the secret
 *                  the hold-invoice preimages are derived from), network
 *                  (from get_info), uuid counter
 *   processed      event ids of handled messages (replay protection, §9 4a,
 *                  kept across restarts)
 *   ln_intents     every Lightning op, written before it is emitted: op,
 *                  order, payment hash, state open|done, the continuation
 *                  to run on its result (`then`, `ctx` JSON), the request line
 *   outbox         wrap lines decided and committed but not yet written
 *                  (with --ack: not yet accepted by a relay, lib/order_outbox.h)
 *   prices         fiat per BTC by upper-case code, with the time it was seen
 *   pub_clock      per (kind, d) the last created_at published (§1.2)
 *   key_transport  per trade key the transport it last wrote on (v1|v2)
 *   jobs           next due time of each periodic job (§3)
 *   rating_queue   38384 templates waiting for the hourly flush (§5)
 *   parked         messages waiting for a Lightning result (address probes)
 *   deferred       inputs about an order whose escrow is being settled or
 *                  canceled, run in arrival order once that is decided
 *
 * Ownership: an order_db owns its sqlite3 handle and prepared statements;
 * order_db_close() releases both. Loaded rows are owned by the caller (free
 * with *_row_free). Nothing here prints or exits; errors come back as
 * order_db_err with the SQLite message in order_db_errmsg().
 */
#ifndef MU_ORDER_DB_H
#define MU_ORDER_DB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sqlite3.h>
#include <jv.h>

#include "db.h"
#include "order.h"

#define ORDER_DB_COMPONENT "order"

extern const db_migration order_db_migrations[];
extern const size_t order_db_migration_count;

typedef enum order_db_err {
	ODB_OK = 0,
	ODB_NOT_FOUND,     /* no such row */
	ODB_CONFLICT,      /* a compare-and-swap guard did not hold / the row exists */
	ODB_CORRUPT,       /* a stored value we cannot read (unknown status, kind) */
	ODB_SQL,           /* SQLite said no */
} order_db_err;

const char *order_db_strerror(order_db_err e);

typedef struct order_db order_db;

/* Opens (creating 0600 if needed) and migrates. NULL on failure with the
 * reason in err. path ":memory:" for tests. */
order_db *order_db_open(const char *path, char *err, size_t errlen);
/* Wraps a handle someone else opened (and migrated with order_db_migrations);
 * order_db_close() then closes it too. */
order_db *order_db_wrap(sqlite3 *db);
void order_db_close(order_db *d);
sqlite3 *order_db_handle(order_db *d);
/* A prepared statement for sql, kept by d and handed to every caller of the
 * same text (so sql is a fixed text, never one with values printed into it:
 * bind them). It comes reset with no bindings; the caller binds and steps
 * it, and gives it back with order_db_done, never sqlite3_finalize. NULL
 * when SQLite refuses the text (order_db_errmsg says why). Not reentrant:
 * one user of a text at a time. */
sqlite3_stmt *order_db_prepared(order_db *d, const char *sql);
/* Resets st and clears its bindings (finalizes one that was not kept). */
void order_db_done(order_db *d, sqlite3_stmt *st);
const char *order_db_errmsg(order_db *d);

/* Transactions: BEGIN IMMEDIATE / COMMIT / ROLLBACK, and savepoints inside. */
bool order_db_begin(order_db *d);
bool order_db_commit(order_db *d);
void order_db_rollback(order_db *d);
bool order_db_savepoint(order_db *d);
/* Checkpoints left to the caller: SQLite's automatic one (at 1000 WAL
 * frames, inside the commit that crosses it) is turned off, and
 * order_db_wal_frames() says how many frames the WAL holds since the last
 * checkpoint that emptied it. order_db_checkpoint() copies them into the
 * database (PASSIVE: it never waits for readers). Durability is the WAL's
 * either way; this only moves the copying out of the commits. */
void order_db_manual_checkpoints(order_db *d);
int order_db_wal_frames(const order_db *d);
bool order_db_checkpoint(order_db *d);
bool order_db_release(order_db *d);
void order_db_rollback_savepoint(order_db *d);

/* ---- orders ---- */
order_db_err order_load(order_db *d, const char *id, order_row *out);
/* The order whose hold invoice has this payment hash. */
order_db_err order_load_by_hash(order_db *d, const char *hash, order_row *out);
order_db_err order_insert(order_db *d, const order_row *o);
/* Full-row write by id (mostrod's Crud::update): the stored row becomes o.
 * Only the columns that differ are written (fewer index entries rewritten);
 * ODB_NOT_FOUND for an id not stored. */
order_db_err order_save(order_db *d, const order_row *o);
/* The same, guarded by `status IN (allowed)` on the stored row:
 * ODB_CONFLICT when the guard does not hold or the id is not stored
 * (nothing written). */
order_db_err order_save_if(order_db *d, const order_row *o, const order_status *allowed, size_t n);
/* Calls fn for every order whose status is one of `statuses` (n = 0: all),
 * ordered by created_at then id; fn returns false to stop. */
order_db_err order_each(order_db *d, const order_status *statuses, size_t n,
			bool (*fn)(const order_row *o, void *arg), void *arg);
/* Does `identity` hold an order as master buyer (or seller) in `status`?
 * (take-sell #2 / take-buy #2: pending_order_exists). */
order_db_err order_exists_master(order_db *d, const char *identity, bool as_buyer,
				 order_status status, bool *exists);
/* Is `pubkey` a buyer/seller/creator trade key of an order not in a terminal
 * status (mostro#882), or the solver of an initiated/in-progress dispute?
 * (the §9 4b first-contact lane). */
order_db_err order_key_is_known(order_db *d, const char *pubkey, bool *known);

/* ---- disputes ---- */
order_db_err dispute_load(order_db *d, const char *id, dispute_row *out);
order_db_err dispute_load_by_order(order_db *d, const char *order_id, dispute_row *out);
order_db_err dispute_insert(order_db *d, const dispute_row *x);
order_db_err dispute_save(order_db *d, const dispute_row *x);

/* ---- users ---- */
order_db_err user_load(order_db *d, const char *pubkey, user_row *out);
order_db_err user_insert(order_db *d, const user_row *u);   /* ODB_CONFLICT if present */
order_db_err user_save(order_db *d, const user_row *u);
/* UPDATE users SET last_trade_index = ? WHERE pubkey = ? (no row: no-op). */
order_db_err user_set_last_trade_index(order_db *d, const char *pubkey, int64_t index);

/* ---- rows as JSON ----
 * One member per column, named and ordered as the table's columns: text as
 * strings (NULL as null), integers exact, booleans as true/false, statuses
 * and kinds as mostrod's strings. from_jv fills an initialized row (missing
 * nullable members are NULL); false with a message naming the column. The
 * jv passed to *_from_jv is borrowed; *_to_jv returns an owned value. */
jv order_row_to_jv(const order_row *o);
jv dispute_row_to_jv(const dispute_row *d);
jv user_row_to_jv(const user_row *u);
bool order_row_from_jv(order_row *o, jv v, char *err, size_t errlen);
bool dispute_row_from_jv(dispute_row *d, jv v, char *err, size_t errlen);
bool user_row_from_jv(user_row *u, jv v, char *err, size_t errlen);

/* ---- engine tables ---- */
/* engine_meta: *out malloc'd (free it), NULL when absent. */
order_db_err meta_get(order_db *d, const char *key, char **out);
order_db_err meta_set(order_db *d, const char *key, const char *value);
order_db_err meta_get_i64(order_db *d, const char *key, int64_t *out, bool *found);
order_db_err meta_set_i64(order_db *d, const char *key, int64_t v);

/* processed: add returns ODB_CONFLICT when the id was already there. */
order_db_err processed_add(order_db *d, const char *event_id, int64_t at);

/* outbox: append returns the row's sequence number. */
order_db_err outbox_add(order_db *d, const char *stream, const char *line, size_t len, int64_t *seq);
order_db_err outbox_delete_through(order_db *d, int64_t seq);
order_db_err outbox_each(order_db *d, bool (*fn)(int64_t seq, const char *stream, const char *line, void *arg), void *arg);
/* One row's line (malloc'd; ODB_NOT_FOUND when gone); one row deleted
 * (ODB_NOT_FOUND when there was none); the rows kept (lib/order_outbox.h). */
order_db_err outbox_get(order_db *d, int64_t seq, char **line);
order_db_err outbox_delete(order_db *d, int64_t seq);
order_db_err outbox_count(order_db *d, int64_t *n);

/* ln_intents. state "open" (asked, no result yet), "wait" (to be asked
 * again at due_at: a retry after an unknown outcome), "done". */
typedef struct ln_intent {
	int64_t seq;
	char   *op;
	char   *order_id;
	char   *hash;
	char   *state;       /* "open" | "done" */
	char   *then;        /* continuation name */
	char   *ctx;         /* JSON text */
	char   *request;     /* the request line as emitted */
	int64_t created_at;
} ln_intent;
void ln_intent_free(ln_intent *i);
/* Inserts with state "open"; the request line is set afterwards (it carries
 * the id, which is made from seq). */
order_db_err intent_add(order_db *d, const char *op, const char *order_id, const char *hash,
			const char *then, const char *ctx, int64_t now, int64_t *seq);
order_db_err intent_set_request(order_db *d, int64_t seq, const char *request);
order_db_err intent_load(order_db *d, int64_t seq, ln_intent *out);
order_db_err intent_close(order_db *d, int64_t seq);
order_db_err intent_each_open(order_db *d, bool (*fn)(const ln_intent *i, void *arg), void *arg);
/* An intent recorded but not asked yet: asked when a tick reaches due_at. */
order_db_err intent_wait(order_db *d, int64_t seq, int64_t due_at);
/* Calls fn with every waiting intent due at `now` (oldest first), its
 * request line; fn may write (it wakes them with intent_wake: state open). */
order_db_err intent_each_due(order_db *d, int64_t now, bool (*fn)(int64_t seq, const char *request, void *arg),
			     void *arg);
order_db_err intent_wake(order_db *d, int64_t seq);

/* ---- the escrow lock ----
 * An order's escrow is being decided while an intent settling or canceling
 * its hold invoice (settle_hold_invoice / cancel_hold_invoice of the order's
 * current hash) is open or waiting to be asked again. Until that intent's
 * outcome is known the order is busy: no second settle or cancel may start
 * and no input may move the order (they are deferred, below). *busy says
 * whether it is; op (24 bytes) and *seq name the intent (either may be NULL);
 * `besides` is an intent seq not to count (0: none). An intent for another
 * hash (an orphan invoice canceled) decides nothing of the order's escrow. */
order_db_err escrow_busy(order_db *d, const char *order_id, int64_t besides, bool *busy, char op[24], int64_t *seq);
/* The payout attempt an intent belongs to: the newest pay_invoice intent of
 * order_id with seq <= upto (INT64_MAX: the current attempt). *seq 0 when
 * there is none (a claim taken over from mostrod); *open whether that
 * pay_invoice is still unanswered. */
order_db_err pay_attempt(order_db *d, const char *order_id, int64_t upto, int64_t *seq, bool *open);

/* deferred: inputs that arrived while their order was busy. kind "message"
 * (a user message record, with the result of its address probe if it had
 * one: probe 1 / -1, else 0) or "ln" (an ln_result / ln_event line). take
 * loads and deletes the oldest of an order (*kind, *record malloc'd; NULL
 * when there is none). */
order_db_err deferred_add(order_db *d, const char *order_id, const char *kind, const char *record, int probe,
			  int64_t at);
order_db_err deferred_take(order_db *d, const char *order_id, char **kind, char **record, int *probe);
/* The orders with deferred inputs, oldest first (*ids malloc'd, free it). */
order_db_err deferred_orders(order_db *d, char (**ids)[37], size_t *n);

/* prices */
order_db_err price_set(order_db *d, const char *fiat_upper, double price, int64_t at, const char *source);
order_db_err price_get(order_db *d, const char *fiat_upper, double *price, int64_t *at, bool *found);

/* pub_clock: the created_at for a new revision of (kind, d) at `now`,
 * max(now, last + 1), stored. */
order_db_err pub_clock_next(order_db *d, int kind, const char *dtag, int64_t now, int64_t *created_at);
/* The last created_at given out for (kind, d), if any. */
order_db_err pub_clock_last(order_db *d, int kind, const char *dtag, int64_t *last, bool *found);

/* key_transport */
order_db_err key_transport_set(order_db *d, const char *pubkey, const char *transport, int64_t at);
/* *out "v1"/"v2" copied into out[3]; "" when unknown. */
order_db_err key_transport_get(order_db *d, const char *pubkey, char out[3]);

/* jobs */
order_db_err job_get(order_db *d, const char *name, int64_t *next_at, bool *found);
order_db_err job_set(order_db *d, const char *name, int64_t next_at);

/* rating_queue */
order_db_err rating_queue_add(order_db *d, const char *template_line, int64_t at);

/* parked */
order_db_err parked_add(order_db *d, int64_t intent_seq, const char *record, int64_t at);
/* Takes (loads and deletes) the record parked on intent_seq; *out malloc'd,
 * NULL when none. */
order_db_err parked_take(order_db *d, int64_t intent_seq, char **out);

#endif
