/* order_harness.h — a `mostro-order run` engine in a child process, driven
 * input by input from a test, for the tests that need the engine's answers
 * before they choose their next input: the authorization matrix
 * (test_order_matrix.c) and the property test (test_order_property.c).
 *
 * Why a child and not calls into lib/: the engine is its loop
 * (lib/order_run.c: one transaction per input, the outbox, intents
 * re-issued at a restart), and a restart is a process that dies. The child
 * runs order_run() on pipes, as cmd/mostro-order/run.c would; it is killed
 * or stopped like the real one.
 *
 * The barrier: after its inputs a test writes a ctl record with an id of its
 * own (a command the engine does not have, answered with an error at once); every output line before that record's ctl_result is an
 * output of the inputs before it (one input stream, outputs emitted in
 * commit order). Every read is bounded (OH_TIMEOUT_MS): a hung engine fails
 * the test instead of hanging the suite.
 *
 * Also here: the records a test feeds (unwrap `message` records, ln_result
 * and ln_event), keys and invoices derived from a label, and the summary of
 * an output line as a token ("dm maker cant-do rid cant_do not_found").
 *
 * Ownership: an oh_engine owns its pipes and child; oh_lines owns its
 * values (oh_lines_free). Functions that take a jv CONSUME it unless said.
 * Nothing here exits; failures come back as false with a message printed
 * as a TAP diagnostic ("# ...").
 */
#ifndef MU_ORDER_HARNESS_H
#define MU_ORDER_HARNESS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <jv.h>

#include "order_config.h"

#define OH_TIMEOUT_MS 20000

/* The output lines of one step, parsed (JSON_EXACT_NUMBERS), with their text. */
typedef struct oh_lines {
	jv     *v;
	char  **text;
	size_t  n, cap;
} oh_lines;

void oh_lines_init(oh_lines *l);
void oh_lines_free(oh_lines *l);
void oh_lines_clear(oh_lines *l);
/* Appends a line (copied, parsed). */
void oh_lines_add(oh_lines *l, const char *text, size_t len);

typedef struct oh_engine {
	pid_t    pid;
	int      in_fd, out_fd;
	char    *buf;          /* output read but not yet split */
	size_t   len, cap;
	uint64_t ctl_seq;      /* ids of the harness's ctl records */
	bool     dead;         /* the child is gone (read EOF / write EPIPE) */
} oh_engine;

typedef struct oh_opts {
	const char         *db_path;     /* ":memory:" or a file */
	const order_config *cfg;         /* borrowed until oh_start returns */
	const char         *seed_hex;    /* the seed of a new database (64 hex) */
	const char         *stderr_path; /* the engine's diagnostics; NULL: /dev/null */
	const char         *crash;       /* MOSTRO_ORDER_CRASH for this start (point:N), or NULL */
} oh_opts;

bool oh_start(oh_engine *e, const oh_opts *o);
/* Ends standard input and waits (bounded) for the child; outputs still
 * unread are appended to `rest` (may be NULL). Returns its exit status
 * (-1 when it had to be killed or died of a signal). */
int oh_stop(oh_engine *e, oh_lines *rest);
/* SIGKILL and reap (a crash). */
void oh_kill(oh_engine *e);

/* Writes one input line (a newline is added). */
bool oh_write(oh_engine *e, const char *line);
bool oh_write_jv(oh_engine *e, jv rec);
/* The barrier: outputs of everything written so far go to `out`. */
bool oh_sync(oh_engine *e, oh_lines *out);
/* A ctl record {"type":"ctl","id":<ours>,"cmd":cmd, args...} (args consumed,
 * an object or jv_null()); waits for its ctl_result and returns it (owned;
 * jv_invalid() when the engine did not answer: e->dead tells whether it
 * exited or timed out). Other outputs go to `out`. */
jv oh_ctl(oh_engine *e, const char *cmd, jv args, oh_lines *out);
/* The two halves, to have several ctl records in flight: send (id set),
 * then wait for each in the order sent. */
bool oh_ctl_send(oh_engine *e, const char *cmd, jv args, char id[32]);
jv oh_ctl_wait(oh_engine *e, const char *id, oh_lines *out);

/* ------------------------------------------------------------ records */

/* A `message` record as mostro-unwrap prints it. message = {"<channel>":
 * MessageKind} (consumed). A trade signature is claimed when identity !=
 * sender (the engine only checks that one is present). */
jv oh_message_record(const char *event_id, const char *sender, const char *identity, int64_t created_at,
		     jv message);
/* MessageKind {version 2, request_id, trade_index, id?, action, payload}
 * wrapped in its channel. rid/ti: NULL for null; id NULL: omitted;
 * payload consumed (jv_null() for null). rid is written exactly (u64). */
jv oh_message(const char *channel, const uint64_t *rid, const int64_t *ti, const char *id, const char *action,
	      jv payload);
jv oh_ln_result_ok(const char *id, const char *op, jv result);
jv oh_ln_result_err(const char *id, const char *op, const char *kind, const char *message);
jv oh_ln_event(const char *id, const char *op, jv event);

/* ------------------------------------------------------------ keys */

/* A key pair from a label (secret = SHA-256(label)): hex public key, and the
 * secret when sk is not NULL. */
void oh_key(const char *label, char pub_hex[65], uint8_t sk[32]);
/* npub of a hex public key. */
void oh_npub(const char *pub_hex, char *out, size_t cap);
/* A regtest BOLT11 invoice for amount_sat (0: amountless), valid from
 * `timestamp` for `expiry` seconds, its payment hash = SHA-256(label); signed
 * by one fixed payee key. malloc'd; hash_hex gets the hash. */
char *oh_invoice(const char *label, int64_t amount_sat, int64_t timestamp, int64_t expiry, char hash_hex[65]);
/* SHA-256 of 32 bytes given in hex, as hex (hash of a preimage). */
bool oh_hash_of_preimage(const char *preimage_hex, char hash_hex[65]);

/* ------------------------------------------------------------ outputs */

typedef enum oh_kind { OH_DM, OH_EVENT, OH_LN, OH_CTL, OH_OTHER } oh_kind;
oh_kind oh_classify(jv line);

/* A DM's parts: recipient, channel, MessageKind (borrowed views into line,
 * valid while it lives; kind returned owned). */
typedef struct oh_dm {
	const char *to;
	char        channel[24];
	const char *action;
	bool        has_rid;
	uint64_t    rid;
	jv          kind;       /* owned */
	jv          payload;    /* owned */
} oh_dm;
bool oh_dm_parse(jv line, oh_dm *d);
void oh_dm_free(oh_dm *d);
/* A string member (borrowed, pointing into v) or def. */
const char *oh_str(jv v, const char *key, const char *def);
/* A tag's first value of an event template (borrowed), NULL when absent. */
const char *oh_tag(jv ev, const char *name);

#endif
