/* order_tick.c — the scheduler (DAEMON.md §3) on the engine clock: each job
 * is a row {name, §, interval, function}; on every tick a job whose time
 * came runs once and is scheduled `interval` seconds later (jobs table, so
 * a restart does not rerun them early). As in mostrod all jobs run once at
 * the first tick. Rows without a function are jobs this engine does not do
 * yet (named, so the table stays a copy of §3's). */
#include <stdlib.h>
#include <string.h>

#include "json.h"
#include "order_tick.h"
#include "order_table.h"

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

/* §3.4: a failed payout is tried again while attempts remain and none is in flight. */
static bool retry_wanted(const order_row *o, const order_ctx *c)
{
	return o->failed_payment && !o->payout_payment_hash && o->payment_attempts < c->cfg->payment_attempts;
}

static void job_retry_payouts(order_ctx *c)
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
}

/* §3.5: a claim older than max(payment_retries_interval, 30) s is checked
 * against the node by its hash. */
static bool reconcile_wanted(const order_row *o, const order_ctx *c)
{
	int64_t grace = c->cfg->payment_retries_interval > 30 ? c->cfg->payment_retries_interval : 30;
	return o->payout_payment_hash && o->payout_claimed_at.set && o->payout_claimed_at.v < c->now - grace;
}

static void job_reconcile_payouts(order_ctx *c)
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
}

static int64_t every_60(const order_config *cfg) { (void)cfg; return 60; }
static int64_t every_300(const order_config *cfg) { (void)cfg; return 300; }
static int64_t every_retry(const order_config *cfg) { return cfg->payment_retries_interval; }
static int64_t every_info(const order_config *cfg) { return cfg->publish_mostro_info_interval; }
static int64_t every_relays(const order_config *cfg) { return cfg->publish_relays_interval; }
static int64_t every_rates(const order_config *cfg) { return cfg->user_rates_sent_interval_seconds; }

const order_job order_jobs[] = {
	{"expire_pending", "§3.1", every_60, NULL},
	{"waiting_timeout", "§3.2", every_60, NULL},
	{"escrow_guardian", "§3.3", every_300, NULL},
	{"retry_payouts", "§3.4", every_retry, job_retry_payouts},
	{"reconcile_payouts", "§3.5", every_60, job_reconcile_payouts},
	{"dev_fee", "§3.6", every_60, NULL},
	{"info_event", "§3.7 38385", every_info, NULL},
	{"relay_list", "§3.7 10002", every_relays, NULL},
	{"rating_flush", "§5 38384", every_rates, NULL},
};
const size_t order_job_count = sizeof order_jobs / sizeof *order_jobs;

void order_run_jobs(order_ctx *c)
{
	for (size_t i = 0; i < order_job_count; i++) {
		const order_job *j = &order_jobs[i];
		if (!j->run)
			continue;
		int64_t next = 0;
		bool found = false;
		if (job_get(c->db, j->name, &next, &found) != ODB_OK || (found && next > c->now))
			continue;
		j->run(c);
		int64_t every = j->interval(c->cfg);
		job_set(c->db, j->name, c->now + (every > 0 ? every : 60));
	}
}
