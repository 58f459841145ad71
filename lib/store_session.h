/* store_session.h — the client's session: what `mostro` (scripts/mostro)
 * keeps between runs, behind `mostro-store session ...`.
 *
 * Why it exists: a Mostro client must never reuse a trade key index (the node
 * refuses a reused one, PROTOCOL §8.2, and an index once sent is spent even
 * when the request failed or got no reply), must find the trade key of every
 * order it is in, and should know, without a network, where each of its
 * trades stands. mostro-cli keeps the mnemonic and every trade secret key in
 * its database and forgets what `restore` learns (mostro-cli#188). Here:
 *
 *   DIR/            0700 (default $MOSTRO_SESSION, $XDG_DATA_HOME/mostro,
 *                   ~/.local/share/mostro)
 *   DIR/mnemonic    0600, the BIP-39 mnemonic, alone (never in the database,
 *                   printed only by `session mnemonic`)
 *   DIR/session.db  0600, SQLite (WAL): no secret at all; keys are derived
 *                   from the mnemonic when asked (m/44'/1237'/38383'/0/N)
 *
 * Tables (component "session" in schema_version):
 *   meta        identity pubkey, creation time
 *   counters    last_index: every trade index ever handed out is <= it; it
 *               only grows (allocation, the node's last-trade-index, restore)
 *   trade_keys  idx (>= 1) -> pubkey, purpose, bound order, first reply time
 *   orders      one row per order this session is in: role, side, status,
 *               what the node expects next, counterparty, dispute, solver...
 *   disputes    disputes of our orders, and those an admin key took
 *   messages    every message ingested (by event id: a replay is a no-op)
 *   node        the node's pubkey, relays, transport, its 38385 info
 *   cursors     named resume points (watch, chat)
 *
 * Allocation is atomic (BEGIN IMMEDIATE): two clients at once get two
 * different indexes, and the index is recorded before the caller may use it.
 *
 * Ingest (store_session_ingest.c) reads mostro-unwrap records. Only messages
 * whose sender and identity are the node's key change an order; the state
 * each action leads to is a table (ss_steps[], STYLE.md §2), one row per
 * message Mostro sends (PROTOCOL §11). Messages may come in any order (a
 * relay returns stored events newest first): a message older than the one
 * an order's state came from (created_at, then its rank in the flow for the
 * same second) adds its facts (counterparty, dispute, solver) but moves no
 * status.
 *
 * Ownership: a store_session owns its handle, paths and the derived account
 * (a secret: store_session_close wipes it). Rows are handed to a
 * store_line_fn as borrowed text. Nothing here prints or exits; errors come
 * back as a store_session_err and a message in err.
 */
#ifndef MU_STORE_SESSION_H
#define MU_STORE_SESSION_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <jv.h>
#include <sqlite3.h>

#include "buf.h"
#include "nip06.h"
#include "store_export.h"   /* store_line_fn */

#define SS_MNEMONIC_FILE "mnemonic"
#define SS_DB_FILE "session.db"

typedef enum store_session_err {
	SS_OK = 0,
	SS_ERR_MISSING,     /* no session in the directory */
	SS_ERR_EXISTS,      /* create: a session (or its mnemonic) is there already */
	SS_ERR_DIR,         /* the directory cannot be made, or is open to others */
	SS_ERR_FILE,        /* the mnemonic or database file: mode, type, unreadable */
	SS_ERR_MNEMONIC,    /* not a valid BIP-39 mnemonic, or a passphrase that is not UTF-8 */
	SS_ERR_NOT_FOUND,   /* no such order, index or cursor */
	SS_ERR_INVALID,     /* a value out of range or of the wrong shape */
	SS_ERR_CONFLICT,    /* bind: the index is bound to another order, or the order to another index */
	SS_ERR_DB,          /* SQLite error, or a database of a newer release */
	SS_ERR_COUNT
} store_session_err;

const char *store_session_strerror(store_session_err e);

typedef struct store_session {
	sqlite3      *db;
	char         *dir;        /* NULL for an in-memory session (tests) */
	char         *mnemonic_path;
	char         *passphrase; /* $MOSTRO_PASSPHRASE given by the caller, or NULL */
	nip06_account acc;        /* derived on first use */
	bool          have_acc;
	char          identity[65];
} store_session;

/* The session directory: given, else $MOSTRO_SESSION, else
 * $XDG_DATA_HOME/mostro, else $HOME/.local/share/mostro. malloc'd; NULL with
 * err when none can be named. */
char *store_session_dir(const char *given, char *err, size_t cap);

/* A new session in dir from a mnemonic (checked; written 0600 as one line of
 * single-spaced words): the directory is made 0700 (an existing one must not
 * be open to group or others), the mnemonic file appears whole or not at all,
 * the database 0600. SS_ERR_EXISTS when either file is there. passphrase
 * (may be NULL) is kept for deriving keys. */
store_session_err store_session_create(store_session *s, const char *dir, const char *mnemonic, size_t n,
				       const char *passphrase, char *err, size_t cap);
/* Opens an existing session (the directory and both files checked). */
store_session_err store_session_open(store_session *s, const char *dir, const char *passphrase,
				     char *err, size_t cap);
/* A session over a database the caller opened (":memory:" in tests) and a
 * mnemonic given as text: the schema is created. */
store_session_err store_session_open_memory(store_session *s, const char *mnemonic, size_t n,
					    char *err, size_t cap);
void store_session_close(store_session *s);

/* The mnemonic, single-spaced, into out (wipe it). */
store_session_err store_session_mnemonic(store_session *s, buf *out, char *err, size_t cap);

/* Key index -> pubkey (64 hex + NUL), from the session's mnemonic; index 0
 * is the identity. With sk non-NULL also the secret (wipe it). */
store_session_err store_session_derive(store_session *s, uint32_t index, char pubkey[65], uint8_t sk[32],
				       char *err, size_t cap);

/* ---- trade indexes ---- */

/* Hands out the next trade index (last_index + 1, never 0), records it with
 * its pubkey and purpose before returning. */
store_session_err store_session_alloc(store_session *s, const char *purpose, int64_t now, uint32_t *index,
				      char pubkey[65], char *err, size_t cap);
/* Raises last_index to at least `last` (the node's last-trade-index, a
 * restore); never lowers it. *now_last receives the value after. */
store_session_err store_session_raise(store_session *s, uint32_t last, uint32_t *now_last, char *err, size_t cap);
store_session_err store_session_last_index(store_session *s, uint32_t *last, char *err, size_t cap);

/* Binds order `id` (canonical UUID) to trade index `index` (allocated here,
 * or recorded now when it is not: a restored order). role "maker"/"taker"
 * or NULL, kind "buy"/"sell" or NULL; node: the node's pubkey or NULL. */
store_session_err store_session_bind(store_session *s, uint32_t index, const char *id, const char *role,
				     const char *kind, const char *node, int64_t now, char *err, size_t cap);

/* The key index and pubkey of an order. */
store_session_err store_session_order_key(store_session *s, const char *id, uint32_t *index, char pubkey[65],
					  char *err, size_t cap);
/* The index of a pubkey (0 = identity); SS_ERR_NOT_FOUND when not ours. */
store_session_err store_session_index_of(store_session *s, const char *pubkey, uint32_t *index,
					 char *err, size_t cap);
/* The first time the node wrote to trade key `index` (0 when never). */
store_session_err store_session_first_reply(store_session *s, uint32_t index, int64_t *at, char *err, size_t cap);

/* ---- reading ---- */

typedef struct store_session_filter {
	const char *const *statuses;  /* any of these; n = 0: any */
	size_t      nstatuses;
	const char *id;               /* one order (canonical), or NULL */
	bool        live;             /* only orders not in a terminal status */
} store_session_filter;

/* Orders as {"type":"order",...} lines, oldest first. *rows (may be NULL)
 * counts them. */
store_session_err store_session_orders(store_session *s, const store_session_filter *f, store_line_fn out,
				       void *ctx, uint64_t *rows, char *err, size_t cap);
/* Disputes as {"type":"dispute",...} lines. */
store_session_err store_session_disputes(store_session *s, store_line_fn out, void *ctx, char *err, size_t cap);
/* {"type":"session",...}: directory, identity, last index, node, counts. */
store_session_err store_session_show(store_session *s, buf *out, char *err, size_t cap);
/* {"type":"keys",...}: the indexes a watcher listens on (identity, every
 * trade key of an order not in a terminal status, keys handed out in the
 * last `recent` seconds and not bound yet) with their pubkeys, and the
 * counterparties and solvers of those orders. */
store_session_err store_session_listen(store_session *s, int64_t now, int64_t recent, buf *out,
				       char *err, size_t cap);

/* True for the statuses an order ends in. */
bool store_session_status_terminal(const char *status);

/* ---- cursors and the node cache ---- */

store_session_err store_session_cursor_get(store_session *s, const char *name, bool *have, int64_t *value,
					   char *err, size_t cap);
store_session_err store_session_cursor_set(store_session *s, const char *name, int64_t value, char *err, size_t cap);

/* Sets what is given (NULL: kept): relays (comma-separated), transport
 * ("v1"/"v2"), info (a kind 38385 event: its tags kept as an object, its
 * created_at). The node row is created on first use. */
store_session_err store_session_node_set(store_session *s, const char *pubkey, const char *relays,
					 const char *transport, jv info, int64_t now, char *err, size_t cap);
/* {"type":"node",...} of pubkey (NULL: the one used last); SS_ERR_NOT_FOUND
 * when none. */
store_session_err store_session_node_get(store_session *s, const char *pubkey, buf *out, char *err, size_t cap);

/* ---- ingest (store_session_ingest.c) ---- */

typedef enum ss_ingest_result {
	SS_INGESTED,     /* new: stored, orders updated; *out holds the line to print */
	SS_DUPLICATE,    /* this event id was ingested before */
	SS_SKIPPED,      /* not a message for this session (an error record, not from the node, ...): *why says */
	SS_BAD,          /* the line is not a mostro-unwrap record: *why says */
	SS_FAILED,       /* the database refused (err says): nothing of the line was kept */
} ss_ingest_result;

/* One mostro-unwrap output line. node: the node's pubkey (messages from any
 * other key are skipped). now: the receive time. On SS_INGESTED, out gets
 * the record with "order" (the order's row after, or null) and, for a
 * message, "next"/"status" of that order. A restore-session reply binds each
 * restored order to its trade index (keys derived here) and raises
 * last_index; an orders reply fills the orders' details. */
ss_ingest_result store_session_ingest(store_session *s, const char *line, size_t n, const char *node, int64_t now,
				      buf *out, const char **why, char *err, size_t cap);

/* What a message from the node means for the order, for tests and the man
 * page: the row for action (and our side, "buyer"/"seller"/NULL). NULL when
 * the action changes nothing. */
typedef struct ss_step {
	int         action;      /* mostro_action */
	const char *side;        /* the row applies to this side only ("buyer"/"seller"), or NULL */
	const char *implies;     /* the message tells our side, or NULL */
	const char *status;      /* the order's status after, or NULL: kept */
	const char *next;        /* what the node expects from us next (an action we send), or NULL */
	const char *waiting;     /* whom we wait for, or NULL */
	int         rank;        /* where the message comes in a trade (ties of created_at) */
} ss_step;
const ss_step *store_session_step(int action, const char *side);
/* The rank of a message: the row's, moved for the buy flow (the buyer's
 * add-invoice and the seller's waiting-buyer-invoice come after the escrow,
 * §11.2) and for an add-invoice after failed payouts (§11.9). */
int store_session_rank(const ss_step *r, int action, const char *kind, const char *payload_status);
/* Rows of the table (for the test that walks every action). */
extern const ss_step ss_steps[];
extern const size_t ss_steps_count;

/* ---- chat keys ---- */

/* The conversation keys between own secret and peer (PROTOCOL §9) as
 * {"type":"chat_keys","peer":...,"conv":...,"sign":...,"legacy":...} (the
 * public keys), or with which = "conv"/"legacy" the secret as 64 hex digits
 * (wipe out). */
store_session_err store_session_chat_keys(const uint8_t own_sk[32], const char *peer, const char *which, buf *out,
					  char *err, size_t cap);

#endif
