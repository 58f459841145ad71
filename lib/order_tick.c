/* order_tick.c — the scheduler (DAEMON.md §3) on the engine clock: the job
 * table (one row per job of mostrod's scheduler, in the order mostrod starts
 * them), the timers' cell tables, the §3.4/§3.5 payout jobs, and the loop
 * that runs what is due (order_tick.h). */
#include <stdlib.h>
#include <string.h>

#include "json.h"
#include "order_table.h"
#include "order_tick.h"

/* ------------------------------------------------------------ helpers */

/* ids of orders matching a filter, collected before any of them is touched */
typedef struct id_list {
	char (*v)[37];
	size_t n, cap;
	bool (*want)(const order_row *o, const order_ctx *c);
	const order_ctx *c;
} id_list;

static bool collect(const order_row *o, void *arg)
{
	id_list *l = arg;
	if (l->want && !l->want(o, l->c))
		return true;
	if (l->n == l->cap) {
		l->cap = l->cap ? l->cap * 2 : 16;
		l->v = mu_xrealloc(l->v, l->cap * sizeof *l->v);
	}
	memcpy(l->v[l->n++], o->id, 37);
	return true;
}

bool job_intent_open(order_ctx *c, const char *order_id, const char *const *steps, size_t n)
{
	sqlite3_stmt *st = order_db_prepared(c->db, "SELECT 1 FROM ln_intents WHERE state = 'open'"
					     " AND order_id = ?1 AND next_step = ?2");
	bool found = false;
	if (!st)
		return true;           /* unknown: leave the order alone this time */
	for (size_t i = 0; i < n && !found; i++) {
		sqlite3_bind_text(st, 1, order_id, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 2, steps[i], -1, SQLITE_STATIC);
		found = sqlite3_step(st) == SQLITE_ROW;
		sqlite3_reset(st);
	}
	order_db_done(c->db, st);
	return found;
}

jv order_node_info(order_ctx *c)
{
	char *text = NULL;
	if (meta_get(c->db, "node_info", &text) != ODB_OK || !text)
		return jv_invalid();
	jv v = json_parse(text, strlen(text), JSON_EXACT_NUMBERS, NULL);
	free(text);
	if (jv_is_valid(v) && jv_get_kind(v) != JV_KIND_OBJECT) {
		jv_free(v);
		return jv_invalid();
	}
	return v;
}

int64_t order_escrow_window(const order_config *cfg)
{
	int64_t delta = cfg->hold_invoice_cltv_delta, margin = cfg->escrow_deadline_margin_blocks;
	if (margin >= delta)
		margin = delta / 2;
	return (delta - margin) * 600;
}

/* ------------------------------------------------------- §3.4, §3.5 */

/* §3.4: a failed payout is tried again while attempts remain and none is in flight. */
static bool retry_wanted(const order_row *o, const order_ctx *c)
{
	return o->failed_payment && !o->payout_payment_hash && o->payment_attempts < c->cfg->payment_attempts;
}

static bool job_retry_payouts(order_ctx *c)
{
	static const order_status shi[] = {OS_SETTLED_HOLD_INVOICE};
	id_list l = {.want = retry_wanted, .c = c};
	order_each(c->db, shi, 1, collect, &l);
	for (size_t i = 0; i < l.n; i++) {
		if (!ctx_load_order(c, l.v[i]))
			continue;
		fx_log(c, "order %s: retrying the payout (attempt %lld)", c->order.id, (long long)c->order.payment_attempts + 1);
		c->has_rid = false;
		payout_start(c, &c->order);
	}
	free(l.v);
	return true;
}

/* §3.5: a claim older than max(payment_retries_interval, 30) s is checked
 * against the node by its hash. */
static bool reconcile_wanted(const order_row *o, const order_ctx *c)
{
	int64_t grace = c->cfg->payment_retries_interval > 30 ? c->cfg->payment_retries_interval : 30;
	return o->payout_payment_hash && o->payout_claimed_at.set && o->payout_claimed_at.v < c->now - grace;
}

static bool job_reconcile_payouts(order_ctx *c)
{
	static const order_status shi[] = {OS_SETTLED_HOLD_INVOICE};
	id_list l = {.want = reconcile_wanted, .c = c};
	order_each(c->db, shi, 1, collect, &l);
	for (size_t i = 0; i < l.n; i++) {
		if (!ctx_load_order(c, l.v[i]))
			continue;
		order_row *o = &c->order;
		jv ctx = jv_object_set(jv_object(), jv_string("hash"), jv_string(o->payout_payment_hash));
		ctx = jv_object_set(ctx, jv_string("claimed_at"), json_from_i64(o->payout_claimed_at.v));
		fx_ln(c, "payment_status", jv_object_set(jv_object(), jv_string("hash"), jv_string(o->payout_payment_hash)),
		      o->id, o->payout_payment_hash, "payout_status", ctx);
	}
	free(l.v);
	return true;
}

/* ------------------------------------------------------------ the cells */

void job_nothing(order_ctx *c, order_row *o, const job_facts *f)
{
	(void)c;
	(void)o;
	(void)f;
}

bool job_cell_acts(const job_cell *cell)
{
	return cell && cell->fn && cell->fn != job_nothing;
}

/* ------------------------------------------------------------ the table */

static int64_t every_60(const order_config *cfg) { (void)cfg; return 60; }
static int64_t every_300(const order_config *cfg) { (void)cfg; return 300; }
static int64_t every_retry(const order_config *cfg) { return cfg->payment_retries_interval; }
static int64_t every_info(const order_config *cfg) { return cfg->publish_mostro_info_interval; }
static int64_t every_relays(const order_config *cfg) { return cfg->publish_relays_interval; }
static int64_t every_rates(const order_config *cfg) { return cfg->user_rates_sent_interval_seconds; }

/* mostrod's main.rs publishes kind 0 at boot, then start_scheduler spawns
 * its jobs in this order, each running at once: the order of the rows is the
 * order of their outputs within one tick. */
const order_job order_jobs[] = {
	{"metadata", "§3.0 kind 0", JOB_EACH_START, NULL, false, job_metadata,
	 "kind 0 with [mostro] name/about/picture/website, when any is set", false},
	{"expire_pending", "§3.1", JOB_PERIODIC, every_60, true, job_expire_pending,
	 "pending orders past expires_at: expired, s=canceled, no message", false},
	{"rating_flush", "§5 38384", JOB_PERIODIC, every_rates, true, job_rating_flush,
	 "publishes the queued rating events", false},
	{"waiting_timeout", "§3.2", JOB_PERIODIC, every_60, true, job_waiting_timeout,
	 "waiting-* orders whose party was late: the hold invoice canceled, then republished or canceled", false},
	{"escrow_guardian", "§3.3", JOB_PERIODIC, every_300, true, job_escrow_guardian,
	 "escrows near their CLTV expiry: active canceled, fiat-sent disputed", false},
	{"retry_payouts", "§3.4", JOB_PERIODIC, every_retry, true, job_retry_payouts,
	 "failed payouts paid again while attempts remain", false},
	{"reconcile_payouts", "§3.5", JOB_PERIODIC, every_60, true, job_reconcile_payouts,
	 "payouts claimed long ago asked about (payment_status)", false},
	{"dev_fee", "§3.6", JOB_PERIODIC, every_60, true, job_dev_fee,
	 "the dev fee of settled orders paid to the dev fee Lightning Address, with its 8383 audit event", false},
	{"orderbook_reconciler", "§1.2", JOB_NOT_RUN, NULL, false, NULL,
	 "not run: it republishes orders whose 38383 publish failed, and the engine never learns that "
	 "(mostro-wrap and mostro-relay pub after it do not report back)", false},
	{"info_event", "§3.7 38385", JOB_PERIODIC, every_info, true, job_info_event,
	 "the node's info event (at each start too, as mostrod publishes it at boot)", true},
	{"relay_list", "§3.7 10002", JOB_PERIODIC, every_relays, true, job_relay_list,
	 "the relay list (the configured relays; at each start too)", true},
};
const size_t order_job_count = sizeof order_jobs / sizeof *order_jobs;

static const char *const job_when_names[JOB_WHEN_COUNT] = {
	[JOB_PERIODIC] = "periodic", [JOB_EACH_START] = "each-start", [JOB_NOT_RUN] = "not-run",
};

const char *job_when_name(int w)
{
	return w >= 0 && w < JOB_WHEN_COUNT ? job_when_names[w] : NULL;
}

/* "Never again in this run" (a JOB_EACH_START job that ran). */
#define JOB_DONE_FOR_RUN INT64_MAX

void order_jobs_at_start(order_db *db)
{
	for (size_t i = 0; i < order_job_count; i++)
		if (order_jobs[i].when == JOB_EACH_START || order_jobs[i].due_at_start)
			job_set(db, order_jobs[i].name, INT64_MIN);
}

/* The node's info is needed first (mostrod's boot: GetInfo, then the
 * scheduler); while unknown, ask again at most once a minute. */
static bool node_known(order_ctx *c)
{
	jv n = order_node_info(c);
	bool known = jv_is_valid(n);
	jv_free(n);
	if (known)
		return true;
	bool asking = true;
	sqlite3_stmt *st = order_db_prepared(c->db, "SELECT 1 FROM ln_intents WHERE state = 'open' AND op = 'get_info'");
	if (st) {
		asking = sqlite3_step(st) == SQLITE_ROW;
		order_db_done(c->db, st);
	}
	int64_t last = 0;
	bool found = false;
	meta_get_i64(c->db, "get_info_asked_at", &last, &found);
	if (!asking && (!found || last <= c->now - 60)) {
		meta_set_i64(c->db, "get_info_asked_at", c->now);
		fx_ln(c, "get_info", jv_object(), NULL, NULL, "get_info", jv_null());
		fx_log(c, "the node's info is unknown: get_info asked again (the jobs wait for it)");
	}
	return false;
}

void order_run_jobs(order_ctx *c)
{
	int node = -1;               /* asked once per tick, when a job needs it */
	for (size_t i = 0; i < order_job_count; i++) {
		const order_job *j = &order_jobs[i];
		if (j->when == JOB_NOT_RUN || !j->run)
			continue;
		int64_t next = 0;
		bool found = false;
		if (job_get(c->db, j->name, &next, &found) != ODB_OK || (found && next > c->now))
			continue;
		if (j->needs_node) {
			if (node < 0)
				node = node_known(c);
			if (!node)
				continue;    /* stays due */
		}
		if (!j->run(c))
			continue;        /* not ready: stays due */
		int64_t at = JOB_DONE_FOR_RUN;
		if (j->when == JOB_PERIODIC) {
			int64_t every = j->interval(c->cfg);
			at = c->now + (every > 0 ? every : 60);
		}
		job_set(c->db, j->name, at);
	}
}

jv order_jobs_status(order_db *db)
{
	jv l = jv_array();
	for (size_t i = 0; i < order_job_count; i++) {
		const order_job *j = &order_jobs[i];
		int64_t next = 0;
		bool found = false;
		jv r = jv_object_set(jv_object(), jv_string("name"), jv_string(j->name));
		r = jv_object_set(r, jv_string("ref"), jv_string(j->ref));
		r = jv_object_set(r, jv_string("when"), jv_string(job_when_name(j->when)));
		bool have = j->when != JOB_NOT_RUN && job_get(db, j->name, &next, &found) == ODB_OK && found &&
			    next != JOB_DONE_FOR_RUN;
		r = jv_object_set(r, jv_string("next_at"), have ? json_from_i64(next == INT64_MIN ? 0 : next) : jv_null());
		l = jv_array_append(l, jv_object_set(r, jv_string("what"), jv_string(j->what)));
	}
	return l;
}
