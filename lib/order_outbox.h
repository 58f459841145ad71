/* order_outbox.h — end-to-end acknowledgement of the engine's wrap lines
 * (`mostro-order run --ack`, docs/ENGINE.md §4).
 *
 * Why: a DM or event template is decided in a transaction and kept in the
 * `outbox` table; without acknowledgement the row goes once its line is
 * written into the pipe to mostro-wrap, and whatever wrap and pub still
 * hold dies with them (tests/chaos-lost-reply.sh). With --ack every line
 * carries a ref, "o<outbox seq>", that mostro-wrap --mixed passes through
 * and mostro-relay pub echoes in a `published` record once the event's fate
 * is known; the row is kept until that record says a relay accepted it.
 *
 *   {"type":"published","ref":"o12","id":ID,"accepted":true|false,...}
 *
 * accepted true: the row goes. accepted false (no relay took it): logged;
 * the line is sent again at the first tick `retry_after` seconds later, up to
 * OUTBOX_TRIES tries, then given up (logged). A kind-38383 order revision is
 * not sent again as it was: the order's current state is published instead
 * (DAEMON.md §1.2's orderbook reconciler), or nothing when a newer revision
 * was decided since. A row that never got a result (the pipeline stopped or
 * was killed first) is written again at the next start, as every kept row
 * is: at least once, so a DM may arrive twice, never not at all.
 *
 * The retry schedule lives in memory (order_outbox): a start sends every
 * kept line again anyway, so it is reset there, and a replay rebuilds it from
 * the same published records and ticks. It never decides anything but when a
 * line is sent again: published records change no order, no reply, no
 * Lightning op.
 *
 * Ownership: the loop (lib/order_run.c) owns the order_outbox and hands it
 * to each order_ctx; the functions below run inside the input's transaction
 * and queue what they send in the sink like any fx_* effect.
 */
#ifndef MU_ORDER_OUTBOX_H
#define MU_ORDER_OUTBOX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <jv.h>

#include "buf.h"

#define OUTBOX_TRIES 5          /* tries of a line no relay accepts, then given up */

typedef struct order_ctx order_ctx;

/* A row no relay accepted yet, by its outbox seq. */
typedef struct outbox_try {
	int64_t seq;
	int     tries;          /* tries refused so far */
	int64_t due_at;         /* the next try, at the first tick at or after it; 0: sent, result awaited */
} outbox_try;

typedef struct order_outbox {
	bool        ack;        /* --ack: refs on wrap lines, rows kept until accepted */
	outbox_try *v;
	size_t      n, cap;
} order_outbox;

void order_outbox_init(order_outbox *o, bool ack);
void order_outbox_free(order_outbox *o);
/* At each start, when every kept line is written again: no try pending. */
void order_outbox_reset(order_outbox *o);
/* Rows waiting for a later try (not in flight). */
size_t order_outbox_waiting(const order_outbox *o);

/* The wrap line of outbox row `seq` with its ref: {"ref":"o<seq>",...}. */
void order_outbox_write(buf *b, int64_t seq, const char *line);
/* Parses "o<seq>"; false for anything else. */
bool order_outbox_ref(const char *ref, int64_t *seq);

/* A `published` record (borrowed). NULL, or why the record is malformed
 * (the loop reports it as a bad line). A ref that is not an outbox row any
 * more (acknowledged before) is dropped with a log line. */
const char *order_published(order_ctx *c, jv rec);
/* At a tick that moved the clock: the lines whose next try has come. */
void order_outbox_due(order_ctx *c);

#endif
