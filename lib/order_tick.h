/* order_tick.h — the engine's scheduler (DAEMON.md §3): mostrod's periodic
 * jobs on the engine clock, as tables.
 *
 * Why tables: DAEMON.md §3 is a list of jobs, and the order timers among them
 * (§3.1 expiration, §3.2 waiting-state timeout, §3.3 escrow guardian) are
 * each a rule "status (× kind) -> what happens", which STYLE.md §2 asks to
 * keep as SCTP keeps its timeout table: one row per job (order_jobs[]), and
 * per timer one cell per order status, the statuses the timer leaves alone
 * being explicit "nothing to do" cells (job_nothing), never a default.
 *
 * When: the loop calls order_run_jobs() after every tick that moved the
 * clock, inside that tick's transaction. A job whose time came runs once and
 * is due again `interval` seconds later; the due times are rows of the `jobs`
 * table, so a restart neither reruns a job early nor forgets one. As in
 * mostrod, where the scheduler starts after the node answered GetInfo, the
 * jobs that need the node wait until a get_info answer is kept (engine_meta
 * node_info; while it is unknown a tick asks again, once a minute); each job
 * runs at the first tick after that. A JOB_EACH_START job runs at the first
 * tick of every start (order_jobs_at_start, called by the loop's start).
 *
 * Lightning: a timer that needs the node records an intent (fx_ln) and goes
 * on in a continuation (the steps below, listed in order_ln_steps of
 * lib/order_table.c), re-reading the order and checking it is still as the
 * tick saw it; a restart re-issues the open intent (lib/order_run.c) and the
 * continuation finishes the work once. While a timer's intent for an order is
 * open the timer leaves that order alone.
 *
 * The jobs live in lib/order_job_orders.c (§3.1-§3.3), lib/order_job_devfee.c
 * (§3.6), lib/order_job_events.c (§3.7, §5 flush) and lib/order_tick.c (the
 * table, §3.4, §3.5); the event templates in lib/order_events.c.
 *
 * Ownership: everything here is static and read-only; jobs write through the
 * order_ctx they are given (lib/order_engine.h).
 */
#ifndef MU_ORDER_TICK_H
#define MU_ORDER_TICK_H

#include "order_engine.h"

/* ---------------------------------------------------------------- jobs */

typedef enum job_when {
	JOB_PERIODIC,      /* every interval(cfg) seconds, the first run as soon as it may */
	JOB_EACH_START,    /* once at the first tick of every start (mostrod: at boot) */
	JOB_NOT_RUN,       /* a job of mostrod's this engine does not run: `what` says why */
	JOB_WHEN_COUNT
} job_when;

/* A job's pass: false when it could not run yet (it stays due). */
typedef bool (*job_fn)(order_ctx *c);

typedef struct order_job {
	const char *name;                          /* jobs table key */
	const char *ref;                           /* DAEMON.md section */
	job_when    when;
	int64_t   (*interval)(const order_config *cfg);  /* seconds (JOB_PERIODIC) */
	bool        needs_node;                    /* waits for the node's get_info */
	job_fn      run;                           /* NULL for JOB_NOT_RUN */
	const char *what;                          /* what it does, or why it is not run */
	bool        due_at_start;                  /* JOB_PERIODIC: due at each start too (it
						      publishes what the settings say) */
} order_job;

extern const order_job order_jobs[];
extern const size_t order_job_count;
const char *job_when_name(int w);

/* Runs the due jobs at c->now (c is a tick's context). */
void order_run_jobs(order_ctx *c);
/* At every start: the JOB_EACH_START jobs are due again. */
void order_jobs_at_start(order_db *db);
/* The schedule for `ctl jobs`: [{name, ref, when, next_at|null, what}]. */
jv order_jobs_status(order_db *db);

/* ------------------------------------------------------- the timer cells */

/* What a timer learned about an order before acting (§3.3: the escrow is
 * verifiably gone; §3.2: the hold invoice was canceled). */
typedef struct job_facts {
	bool gone;
} job_facts;

/* One cell of a timer's table: the handler for an order in that status
 * (× kind). `fn` is never NULL: job_nothing is the explicit "nothing to do". */
typedef struct job_cell {
	void       (*fn)(order_ctx *c, order_row *o, const job_facts *f);
	const char  *name;
	const char  *ref;
} job_cell;

void job_nothing(order_ctx *c, order_row *o, const job_facts *f);
bool job_cell_acts(const job_cell *cell);      /* not the nothing-to-do cell */

/* §3.1: pending and waiting-taker-bond expire with s=canceled, a
 * waiting-maker-bond order silently; every other status: nothing. */
extern const job_cell expire_cells[OS_COUNT];
/* §3.2 late-party table: waiting-buyer-invoice × sell and waiting-payment ×
 * buy republish (the taker was late), the other two cancel (the maker was
 * late); every other status: nothing. */
extern const job_cell timeout_cells[OS_COUNT][ORDER_KIND_COUNT];
/* §3.3: active -> cancel the hold invoice and the order; fiat-sent -> a
 * buyer-initiated dispute; every other status: nothing. */
extern const job_cell guardian_cells[OS_COUNT];

/* §3.3 W = (hold_invoice_cltv_delta - margin) × 600 s, the margin halved to
 * cltv_delta/2 when it is not below it (util::escrow_guard_window_secs). */
int64_t order_escrow_window(const order_config *cfg);

/* ------------------------------------------------------------- the jobs */

bool job_expire_pending(order_ctx *c);     /* §3.1 (lib/order_job_orders.c) */
bool job_waiting_timeout(order_ctx *c);    /* §3.2 */
bool job_escrow_guardian(order_ctx *c);    /* §3.3 */
bool job_dev_fee(order_ctx *c);            /* §3.6 (lib/order_job_devfee.c) */
bool job_info_event(order_ctx *c);         /* §3.7 38385 (lib/order_job_events.c) */
bool job_relay_list(order_ctx *c);         /* §3.7 10002 */
bool job_metadata(order_ctx *c);           /* §3.0/§3.7 kind 0 */
bool job_rating_flush(order_ctx *c);       /* §5 38384 */

/* The continuations of the timers' Lightning intents. */
extern const ln_step step_timeout_cancel, step_guardian_tip, step_guardian_lookup, step_guardian_cancel;
extern const ln_step step_dev_fee_resolved, step_dev_fee_pay, step_dev_fee_status;

/* Is an intent of `order_id` with one of these continuations open? */
bool job_intent_open(order_ctx *c, const char *order_id, const char *const *steps, size_t n);

/* The node's get_info as kept by order_node_info_store (owned; jv_invalid()
 * when the node never answered). */
jv order_node_info(order_ctx *c);

/* ------------------------------------------------ the periodic templates */

/* lib/order_events.c. Each returns false when the template could not be
 * recorded (database). */
/* kind 38385 (d = Mostro's pubkey, nip33::info_to_tags order; no expiration). */
bool fx_info_event(order_ctx *c, jv node);
/* kind 10002: an r tag per relay (the configured ones). */
bool fx_relay_list(order_ctx *c);
/* kind 0: {"name","about","website","picture"} of what is set (URLs that do
 * not parse left out); *published false when nothing was set. */
bool fx_metadata(order_ctx *c, bool *published);
/* kind 8383 dev-fee audit: order-id, amount, hash, destination, network, y,
 * z, expiration (now + fee_audit_days). */
bool fx_dev_fee_audit(order_ctx *c, const order_row *o, const char *hash);
/* A URL as mostrod's Url::parse + Display would keep it (kind 0 picture and
 * website): NULL when it does not parse, else a malloc'd normalized copy. */
char *order_url_normalize(const char *url);

#endif
