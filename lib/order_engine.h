/* order_engine.h — what the engine's parts share: the context a handler
 * decides in, its outcome, and the effect API (DMs, public events, Lightning
 * intents, log lines).
 *
 * Why: the loop (lib/order_run.c) owns inputs, transactions and output; the
 * tables (lib/order_table.c) say which handler and which guards apply; the
 * handlers (lib/order_act_*.c) decide. They meet here. A handler never writes
 * to stdout, never reads a clock and never draws randomness: `now` is
 * c->now (the engine clock, from tick records), identifiers come from
 * order_new_uuid()/order_new_preimage() (derived from the input and the
 * database's seed), and every output goes through an fx_* call that records
 * it (outbox row, intent row) in the input's transaction and queues it for
 * emission after the commit (SCTP's command sequence, STYLE.md §2).
 *
 * Ownership: an order_ctx is set up and torn down by the loop; the rows in it
 * (order, dispute, user) belong to it. fx_* functions CONSUME the jv values
 * they are given. Handlers may write rows through lib/order_db.h directly:
 * those writes are part of the input's transaction.
 */
#ifndef MU_ORDER_ENGINE_H
#define MU_ORDER_ENGINE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <jv.h>

#include "buf.h"
#include "mostro_msg.h"
#include "order.h"
#include "order_config.h"
#include "order_db.h"

/* ------------------------------------------------------------- outcomes */

typedef enum outcome_kind {
	OUT_DONE = 0,      /* decided; effects recorded */
	OUT_CANT_DO,       /* reply CantDo(reason) to the sender */
	OUT_SILENT,        /* mostrod logs and answers nothing */
	OUT_INTERNAL,      /* our own failure (database): the input's changes are rolled back */
	OUT_PARK,          /* wait for a Lightning result (an address probe), then run again */
} outcome_kind;

typedef struct outcome {
	outcome_kind kind;
	cant_do      reason;    /* OUT_CANT_DO */
	const char  *why;       /* for the log: "not your order", the guard's text */
} outcome;

static inline outcome out_done(void) { return (outcome){OUT_DONE, 0, NULL}; }
static inline outcome out_cant(cant_do r, const char *why) { return (outcome){OUT_CANT_DO, r, why}; }
static inline outcome out_silent(const char *why) { return (outcome){OUT_SILENT, 0, why}; }
static inline outcome out_internal(const char *why) { return (outcome){OUT_INTERNAL, 0, why}; }

/* -------------------------------------------------------------- inputs */

/* One `message` record from mostro-unwrap (man mostro-unwrap, OUTPUT FORMAT). */
typedef struct order_msg_in {
	char       transport[3];      /* "v1" | "v2" */
	char       event_id[65];      /* outer event id, lowercase hex */
	char       sender[65];        /* trade key */
	char       identity[65];      /* identity key (== sender in full privacy) */
	int64_t    created_at;        /* inner created_at (freshness) */
	bool       has_trade_signature;
	mostro_msg msg;               /* owned */
} order_msg_in;

/* What the loop hands to handlers and continuations. */
typedef struct order_sink order_sink;      /* the emission list (lib/order_fx.c) */

typedef struct order_ctx {
	order_db           *db;
	const order_config *cfg;
	int64_t             now;
	const uint8_t      *seed;          /* 32 bytes: derivations (preimages) */
	const char         *network;       /* the node's network from get_info, NULL = unknown */
	const char         *networks;      /* its chains' networks joined by ',' (38383 tag) */
	order_sink         *sink;
	struct order_outbox *outbox;       /* the retry schedule of --ack (lib/order_outbox.h), or NULL */
	char                origin[96];    /* what uuids derive from: event id or input hash */
	unsigned            uuid_n;        /* uuids drawn from this origin so far */

	/* message-driven (NULL/false otherwise) */
	const order_msg_in *in;
	const mostro_msg   *m;             /* &in->msg */
	bool                has_rid;       /* the request_id echoed by RID replies */
	uint64_t            rid;
	order_row           order;         /* the order named by the message id (lookup) */
	bool                have_order;
	dispute_row         dispute;
	bool                have_dispute;
	user_row            user;          /* the sender identity's users row */
	bool                have_user;
	order_roles         roles;

	/* scratch of the guards, read by the handler that follows them */
	bool                has_override;  /* a guard chose its own failure */
	outcome             override;
	int64_t             trade_index;   /* the index a take/new-order records (#8/#11) */
	const char         *payment_request; /* a validated buyer invoice / address, or NULL */
	int                 probe;         /* address probe result: 0 none, 1 ok, -1 failed */
	const char         *probe_target;  /* the address a guard wants probed (OUT_PARK) */
	jv                  next_trade;    /* [pubkey, index] from a next_trade payload, or invalid */
} order_ctx;

void order_ctx_init(order_ctx *c);
void order_ctx_free(order_ctx *c);

/* ------------------------------------------------------------ derivations */

/* A new UUIDv4 derived from c->origin and a counter: SHA-256 of
 * "mostro-order uuid:" origin ":" n, version and variant bits set. */
void order_new_uuid(order_ctx *c, char out[37]);
/* The next hold-invoice preimage: HMAC-SHA256(seed, "preimage:" order_id
 * ":" n) with n a counter in engine_meta; hex of preimage and its hash. */
bool order_new_preimage(order_ctx *c, const char *order_id, char preimage[65], char hash[65]);

/* ---------------------------------------------------------------- effects */

/* rid argument of fx_msg: echo the context's request_id, or send null. */
enum { NO_RID = 0, RID = 1 };

/* A DM to `to` (trade key): {"<channel>":{version, request_id, trade_index,
 * id, action, payload}}; version is set by the transport it goes on. The
 * transport is the setting's, or with `both` the one `to` last wrote on. */
void fx_msg(order_ctx *c, const char *to, mostro_channel ch, mostro_action a, const char *id,
	    int rid, opt_i64 ti, mostro_payload_kind pk, jv payload);
/* The shorthand for the order channel. */
void fx_order_msg(order_ctx *c, const char *to, mostro_action a, const char *id, int rid,
		  opt_i64 ti, mostro_payload_kind pk, jv payload);
/* CantDo(reason) to the sender of the current message (§0.2). */
void fx_cant_do(order_ctx *c, cant_do reason);

/* A public event template {kind, tags, content "", created_at}; created_at is
 * now, or with monotonic the next per (kind, d) (§1.2). Returns created_at,
 * -1 on a database error. */
int64_t fx_event(order_ctx *c, int kind, const char *dtag, bool monotonic, jv tags);
/* The same with a created_at the caller chose. */
int64_t fx_event_at(order_ctx *c, int kind, jv tags, int64_t created_at);
/* The same with a content (kind 0 metadata): written as a JSON string. */
int64_t fx_event_content(order_ctx *c, int kind, jv tags, const char *content, int64_t created_at);

/* Publishes order o as `status` if the §1.2 map says so: sets o->status, and
 * when an event goes out o->event_id (computed when Mostro's pubkey is known).
 * OUT_INTERNAL/OUT_SILENT when the tags cannot be built (maker without users
 * row in reputation mode). The caller saves o. */
outcome fx_publish_order(order_ctx *c, order_row *o, order_status status);

/* A kind-38386 revision of dispute d (§6): tags d, expiration (now +
 * dispute_days), s, initiator, created_at (the dispute's), y, z; created_at
 * strictly increasing per dispute. */
int64_t fx_dispute_event(order_ctx *c, const dispute_row *d, const char *initiator);
/* The §6 auto-close of a dispute by the users' own resolution (release:
 * settled; cooperative cancel: seller-refunded): status and 38386. */
void order_close_dispute(order_ctx *c, const order_row *o, dispute_status status);

/* ["y","mostro"(, trimmed [mostro].name)]: the platform tag of every event. */
jv order_platform_tag(const order_config *cfg);

/* The maker's reputation carried by a pending revision's rating tag. */
typedef struct order_rating {
	double  total_rating;
	int64_t total_reviews;
	int64_t created_at;     /* users.created_at; 0 = new user (days 0) */
} order_rating;

/* Publishes o as `status` with the given rating (NULL: no rating tag), as
 * fx_publish_order does once it has the rating; for callers that compute it
 * their own way (the range child of §2.4). */
outcome fx_publish_order_rated(order_ctx *c, order_row *o, order_status status, const order_rating *r);

/* A Lightning op for mostro-ln run, recorded as an intent first: request
 * {"id":"ln<seq>","op":op, params...}. next_step names the continuation
 * (lib/order_table.c ln_steps) that gets its events and result with `ctx`.
 * Returns the intent's seq, 0 on a database error. */
int64_t fx_ln(order_ctx *c, const char *op, jv params, const char *order_id, const char *hash,
	      const char *next_step, jv ctx);

/* The same, asked only at the first tick at or after due_at (due_at <= now:
 * at once): a retry with backoff. */
int64_t fx_ln_at(order_ctx *c, int64_t due_at, const char *op, jv params, const char *order_id, const char *hash,
		 const char *next_step, jv ctx);
/* Asks the waiting intents whose due_at has come (a tick's context). */
void fx_ln_due(order_ctx *c);

/* The escrow lock (lib/order_db.h): settle_hold_invoice and
 * cancel_hold_invoice decide an order's escrow. While one is in flight for
 * the order's hold invoice (open, or waiting to be asked again after an
 * unknown outcome) the order is busy: fx_ln refuses a second one (returns
 * 0), and the inputs about the order are deferred (order_defer) and run in
 * arrival order once the outcome is known, so each is decided as mostrod,
 * which settles and cancels synchronously, would decide it after the
 * operation. */
bool order_escrow_op(const char *op);
/* True when order_id is busy with an intent other than `besides` (0: any);
 * op (24 bytes, may be NULL) gets that intent's op. */
bool order_escrow_busy(order_ctx *c, const char *order_id, int64_t besides, char op[24]);
/* Keeps an input about a busy order (kind "message" with its probe result,
 * or "ln": the record's line) for when the order is free; `what` names it
 * in the log. */
outcome order_defer(order_ctx *c, const char *order_id, const char *kind, const char *record, int probe,
		    const char *what);

/* Outbox row `seq` written again (a retry of lib/order_outbox.c): its line
 * (borrowed) goes out after the commit like a new one. */
void fx_outbox_again(order_ctx *c, int64_t seq, const char *line);

/* A diagnostic line on standard error ("mostro-order: ..."), after the commit. */
void fx_log(order_ctx *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* ------------------------------------------------------- message payloads */

/* SmallOrder as mostro-core builds it; fields set to "absent" are omitted or
 * null as serde would write them (lib/mostro_msg.h canonical form). */
typedef struct small_order {
	const char *id;              /* NULL: omitted */
	int         kind;            /* -1: null */
	int         status;          /* -1: null */
	int64_t     amount;
	const char *fiat_code;
	opt_i64     min_amount, max_amount;
	int64_t     fiat_amount;
	const char *payment_method;
	int64_t     premium;
	const char *buyer_trade_pubkey;   /* NULL: omitted */
	const char *seller_trade_pubkey;  /* NULL: omitted */
	const char *buyer_invoice;        /* NULL: omitted */
	opt_i64     created_at, expires_at;
} small_order;

/* SmallOrder::from(order): everything, pubkeys and buyer_invoice included. */
small_order so_from(const order_row *o);
/* Order::as_new_order(): no trade pubkeys. */
small_order so_new_order(const order_row *o);
jv so_to_jv(const small_order *s);
/* UserInfo of an identity (rating, reviews, operating_days), zeros when there
 * is no users row. */
jv user_info_jv(order_ctx *c, const char *identity);
jv peer_jv(const char *pubkey, jv reputation);

/* --------------------------------------------------------------- guards */

/* One row of a DAEMON.md "# | check | failure" table: the check passes or
 * fails with the row's reply (or with c->override when the check sets it:
 * checks with several failure replies, such as new-order #7). */
typedef bool (*guard_fn)(order_ctx *c);
typedef struct order_guard {
	const char  *ref;       /* "§1.3 take-sell #4" */
	const char  *check;     /* "status is pending (or waiting-taker-bond)" */
	guard_fn     pass;
	outcome_kind fail;      /* OUT_CANT_DO or OUT_SILENT */
	cant_do      reason;    /* OUT_CANT_DO */
} order_guard;

typedef outcome (*handler_fn)(order_ctx *c);

/* Runs rows in order; the first failing row decides. */
outcome guards_run(order_ctx *c, const order_guard *rows, size_t n);

/* ---------------------------------------------------- Lightning results */

/* A continuation of an intent: its stream events and its final result.
 * ok=false: `res` is the error object {kind, message, ...}. */
typedef struct ln_step {
	const char *name;
	void      (*on_event)(order_ctx *c, const ln_intent *i, jv ctx, jv event);
	outcome   (*on_result)(order_ctx *c, const ln_intent *i, jv ctx, bool ok, jv res);
} ln_step;

/* Context helpers for intents: the request context saved with the intent. */
jv ctx_with_request(order_ctx *c, jv ctx);     /* adds sender, rid, msg id */
void ctx_restore_request(order_ctx *c, jv ctx);  /* sets c->has_rid/rid from it */

/* The §9 pipeline (lib/order_intake.c): one `message` record (borrowed,
 * parsed with JSON_EXACT_NUMBERS), or a parked one resumed with the result
 * of its address probe (1 reachable, -1 not). */
outcome order_intake_message(order_ctx *c, jv rec);
outcome order_resume_parked(order_ctx *c, const char *record, int probe);

/* Loads the order row with this id into c->order (have_order). */
bool ctx_load_order(order_ctx *c, const char *id);

/* ------------------------------------------------- the sink (for the loop) */

typedef enum out_stream { STREAM_WRAP, STREAM_LN } out_stream;

typedef struct sink_line {
	out_stream stream;
	int64_t    seq;        /* outbox seq (wrap lines), 0 for ln lines */
	char      *line;
} sink_line;

struct order_sink {
	sink_line *v;
	size_t     n, cap;
	buf        log;        /* '\n'-separated diagnostic lines */
	int64_t    outbox_max; /* highest outbox seq appended */
};

void sink_init(order_sink *s);
void sink_free(order_sink *s);
/* Forget everything after position `mark` (a rolled-back savepoint). */
size_t sink_mark(const order_sink *s);
void sink_truncate(order_sink *s, size_t mark, size_t log_mark);
/* Empties the sink after emission. */
void sink_clear(order_sink *s);

#endif
