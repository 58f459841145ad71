/* order_job_devfee.c — the dev fee job (DAEMON.md §3.6; mostrod's
 * src/app/dev_fee.rs run_dev_fee_cycle), every 60 s on the engine clock.
 *
 * The order's dev_fee_paid / dev_fee_payment_hash columns are the state, as
 * in mostrod: NULL (unclaimed), "PENDING-<uuid>-<unix>" (claimed, the invoice
 * being resolved), a real payment hash (the invoice is being paid, or its
 * payment is unknown), then dev_fee_paid = 1 with the hash the node paid.
 * Every write is a compare-and-swap on the value the step saw (one
 * transaction per input makes load-compare-save one), so a late answer for a
 * claim that moved on changes nothing. The real hash is kept before the
 * payment is sent, so nothing ever pays a second invoice while the first may
 * be in flight: a hash is only cleared when the node says FAILED.
 *
 * A pass, in mostrod's phase order:
 *   timeouts  a resolution open 20 s is dropped and its claim released; a
 *             payment open 50 s stops being followed (cancel_request) and is
 *             asked about like any unknown payment (phase 3);
 *   phase 1   PENDING markers 300 s old (or without a time) are cleared;
 *   phase 2   (mostrod re-checks paid orders once per run and changes
 *             nothing whatever the answer: not done here);
 *   phase 3   unpaid orders with a real hash: payment_status; SUCCEEDED ->
 *             paid + the 8383 audit event, FAILED -> hash cleared (the next
 *             pass claims again), anything else (in flight, no payment
 *             known, no answer) -> left as it is;
 *   phase 4   settled-hold-invoice/success orders with dev_fee > 0, unpaid,
 *             no hash: claimed with a PENDING marker, an invoice for dev_fee
 *             sat resolved from the dev fee Lightning Address (resolve_lnurl,
 *             LUD-12 comment "mostro-dev-fee order=<id> node=<npub>", checked
 *             by mostro-ln as mostrod's validate_payout_invoice: network,
 *             final CLTV, not expired), its hash kept (CAS on the marker),
 *             paid with the §2.5 routing cap; SUCCEEDED -> dev_fee_paid, the
 *             node's hash, the 8383 event; FAILED -> the hash kept for phase 3
 *             (mostrod's handle_payment_failure).
 * Not mostrod: with mostro-ln's simulated node and no dev_fee_address set,
 * phase 4 claims nothing (real_address_from_sim). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bolt11.h"
#include "hex.h"
#include "json.h"
#include "ln_fees.h"
#include "nip19.h"
#include "order_table.h"
#include "order_tick.h"

enum {
	DEV_FEE_MARKER_TTL = 300,     /* cleanup_stale_pending_markers */
	DEV_FEE_RESOLVE_TIMEOUT = 20, /* the resolution's bound */
	DEV_FEE_PAY_TIMEOUT = 50,     /* send + result, overall */
};

static const char *const pay_steps[] = {"dev_fee_pay", "dev_fee_status"};

static bool is_marker(const char *h)
{
	return h && strncmp(h, "PENDING-", 8) == 0;
}

/* parse_pending_timestamp: PENDING-<36-char uuid>-<unix > 1e9>, else none (-1). */
static int64_t marker_time(const char *m)
{
	const char *s = m + 8;
	if (strlen(s) <= 37 || s[36] != '-')
		return -1;
	char *end = NULL;
	unsigned long long t = strtoull(s + 37, &end, 10);
	if (!end || *end || end == s + 37 || s[37] == '-' || s[37] == '+' || t <= 1000000000ULL || t > INT64_MAX)
		return -1;
	return (int64_t)t;
}

/* The orders a phase looks at, selected in SQL as mostrod's queries do (a
 * settled order stays in the table for good: the job must not load them
 * all every minute), ids collected before any of them is touched, then each
 * re-read and checked by `want` (the same rule in C). */
enum { PHASE_STALE, PHASE_UNCONFIRMED, PHASE_NEW, PHASE_COUNT };
static const char *const phase_sql[PHASE_COUNT] = {
	/* phase 1 (cleanup_stale_pending_markers): any status */
	[PHASE_STALE] = "SELECT id FROM orders WHERE dev_fee_payment_hash LIKE 'PENDING-%' ORDER BY created_at, id",
	/* phase 3 (recover_partial_payments) */
	[PHASE_UNCONFIRMED] = ("SELECT id FROM orders WHERE status IN ('settled-hold-invoice', 'success')"
		" AND dev_fee > 0 AND dev_fee_paid = 0 AND dev_fee_payment_hash IS NOT NULL"
		" AND dev_fee_payment_hash != '' AND dev_fee_payment_hash NOT LIKE 'PENDING-%' ORDER BY created_at, id"),
	/* phase 4 (find_unpaid_dev_fees) */
	[PHASE_NEW] = ("SELECT id FROM orders WHERE status IN ('settled-hold-invoice', 'success')"
		" AND dev_fee > 0 AND dev_fee_paid = 0 AND (dev_fee_payment_hash IS NULL OR dev_fee_payment_hash = '')"
		" ORDER BY created_at, id"),
};

static void each_order(order_ctx *c, int phase, bool (*want)(const order_row *, order_ctx *),
		       void (*fn)(order_ctx *c, order_row *o))
{
	sqlite3_stmt *st;
	char (*ids)[37] = NULL;
	size_t n = 0, cap = 0;
	if (sqlite3_prepare_v2(order_db_handle(c->db), phase_sql[phase], -1, &st, NULL) != SQLITE_OK) {
		fx_log(c, "dev fee: %s", sqlite3_errmsg(order_db_handle(c->db)));
		return;
	}
	while (sqlite3_step(st) == SQLITE_ROW) {
		const char *id = (const char *)sqlite3_column_text(st, 0);
		if (!id || strlen(id) != 36)
			continue;
		if (n == cap) {
			cap = cap ? cap * 2 : 8;
			ids = mu_xrealloc(ids, cap * sizeof *ids);
		}
		memcpy(ids[n++], id, 37);
	}
	sqlite3_finalize(st);
	for (size_t i = 0; i < n; i++) {
		order_row o;
		order_row_init(&o);
		if (order_load(c->db, ids[i], &o) == ODB_OK && want(&o, c))
			fn(c, &o);
		order_row_free(&o);
	}
	free(ids);
}

/* The order's row if dev_fee_payment_hash is still `hash` and the fee unpaid. */
static bool load_if(order_ctx *c, const char *order_id, const char *hash, order_row *o)
{
	return order_id && hash && order_load(c->db, order_id, o) == ODB_OK && !o->dev_fee_paid &&
	       str_eq(o->dev_fee_payment_hash, hash);
}

/* release_pending_claim / the FAILED reset: the hash back to NULL. */
static void clear_hash(order_ctx *c, const char *order_id, const char *hash, const char *why)
{
	order_row o;
	order_row_init(&o);
	if (load_if(c, order_id, hash, &o)) {
		str_clear(&o.dev_fee_payment_hash);
		if (order_save(c->db, &o) == ODB_OK)
			fx_log(c, "order %s: dev fee %s: cleared, tried again", o.id, why);
	}
	order_row_free(&o);
}

/* Paid: dev_fee_paid = 1 with the node's hash, and the audit event, once. */
static void mark_paid(order_ctx *c, const char *order_id, const char *expect, const char *paid_hash)
{
	order_row o;
	order_row_init(&o);
	if (load_if(c, order_id, expect, &o)) {
		o.dev_fee_paid = true;
		str_set(&o.dev_fee_payment_hash, paid_hash);
		if (order_save(c->db, &o) == ODB_OK) {
			fx_dev_fee_audit(c, &o, paid_hash);
			fx_log(c, "order %s: dev fee of %lld sat paid (hash %s)", o.id, (long long)o.dev_fee, paid_hash);
		}
	}
	order_row_free(&o);
}

/* ------------------------------------------------------------ timeouts */

typedef struct open_intent {
	int64_t seq;
	char   *order_id, *hash, *ctx;
} open_intent;

typedef struct timeout_scan {
	open_intent *v;
	size_t       n, cap;
	const char  *step;
	int64_t      before;
} timeout_scan;

static bool scan_open(const ln_intent *i, void *arg)
{
	timeout_scan *t = arg;
	if (!i->then || strcmp(i->then, t->step) != 0 || i->created_at > t->before || !i->order_id)
		return true;
	if (t->n == t->cap) {
		t->cap = t->cap ? t->cap * 2 : 4;
		t->v = mu_xrealloc(t->v, t->cap * sizeof *t->v);
	}
	t->v[t->n++] = (open_intent){i->seq, mu_xstrdup(i->order_id), i->hash ? mu_xstrdup(i->hash) : NULL,
				     i->ctx ? mu_xstrdup(i->ctx) : NULL};
	return true;
}

static void scan_free(timeout_scan *t)
{
	for (size_t i = 0; i < t->n; i++) {
		free(t->v[i].order_id);
		free(t->v[i].hash);
		free(t->v[i].ctx);
	}
	free(t->v);
}

static void timeouts(order_ctx *c)
{
	timeout_scan r = {.step = "dev_fee_resolved", .before = c->now - DEV_FEE_RESOLVE_TIMEOUT};
	intent_each_open(c->db, scan_open, &r);
	for (size_t i = 0; i < r.n; i++) {
		intent_close(c->db, r.v[i].seq);
		jv ctx = r.v[i].ctx ? json_parse(r.v[i].ctx, strlen(r.v[i].ctx), 0, NULL) : jv_invalid();
		const char *marker = jv_is_valid(ctx) ? json_get_str(ctx, "marker", NULL) : NULL;
		clear_hash(c, r.v[i].order_id, marker, "invoice resolution timed out (20 s)");
		jv_free(ctx);
	}
	scan_free(&r);
	timeout_scan p = {.step = "dev_fee_pay", .before = c->now - DEV_FEE_PAY_TIMEOUT};
	intent_each_open(c->db, scan_open, &p);
	for (size_t i = 0; i < p.n; i++) {
		/* stop following it; the status is asked below (phase 3), never assumed */
		intent_close(c->db, p.v[i].seq);
		char target[32];
		snprintf(target, sizeof target, "ln%lld", (long long)p.v[i].seq);
		fx_ln(c, "cancel_request", jv_object_set(jv_object(), jv_string("target"), jv_string(target)),
		      p.v[i].order_id, p.v[i].hash, NULL, jv_null());
		fx_log(c, "order %s: dev fee payment without a result after 50 s: asking its status", p.v[i].order_id);
	}
	scan_free(&p);
}

/* ------------------------------------------------- phase 1: stale markers */

static bool stale_marker(const order_row *o, order_ctx *c)
{
	if (!is_marker(o->dev_fee_payment_hash))
		return false;
	int64_t t = marker_time(o->dev_fee_payment_hash);
	return t < 0 || c->now - t >= DEV_FEE_MARKER_TTL;
}

static void reset_marker(order_ctx *c, order_row *o)
{
	char *m = mu_xstrdup(o->dev_fee_payment_hash);
	order_row cur;
	order_row_init(&cur);
	if (order_load(c->db, o->id, &cur) == ODB_OK && str_eq(cur.dev_fee_payment_hash, m)) {
		cur.dev_fee_paid = false;
		str_clear(&cur.dev_fee_payment_hash);
		if (order_save(c->db, &cur) == ODB_OK)
			fx_log(c, "order %s: stale dev fee claim %s reset", cur.id, m);
	}
	order_row_free(&cur);
	free(m);
}

/* ------------------------------------------- phase 3: hashes without result */

static bool payable(const order_row *o)
{
	return (o->status == OS_SETTLED_HOLD_INVOICE || o->status == OS_SUCCESS) && o->dev_fee > 0 && !o->dev_fee_paid;
}

static bool unconfirmed(const order_row *o, order_ctx *c)
{
	const char *h = o->dev_fee_payment_hash;
	return payable(o) && h && *h && !is_marker(h) && !job_intent_open(c, o->id, pay_steps, 2);
}

static void ask_status(order_ctx *c, order_row *o)
{
	const char *h = o->dev_fee_payment_hash;
	fx_ln(c, "payment_status", jv_object_set(jv_object(), jv_string("hash"), jv_string(h)), o->id, h,
	      "dev_fee_status", jv_object_set(jv_object(), jv_string("hash"), jv_string(h)));
}

static outcome on_status(order_ctx *c, const ln_intent *i, jv ctx, bool ok, jv res)
{
	const char *h = json_get_str(ctx, "hash", NULL);
	if (!ok) {
		fx_log(c, "order %s: dev fee payment status unknown (%s): left as it is", i->order_id ? i->order_id : "-",
		       json_get_str(res, "kind", NULL) ? json_get_str(res, "kind", NULL) : "error");
		return out_done();
	}
	const char *st = json_get_str(res, "status", NULL);
	if (st && strcmp(st, "SUCCEEDED") == 0)
		mark_paid(c, i->order_id, h, h);
	else if (st && strcmp(st, "FAILED") == 0)
		clear_hash(c, i->order_id, h, "payment failed");
	else
		fx_log(c, "order %s: dev fee payment %s: left as it is", i->order_id ? i->order_id : "-",
		       st ? st : "not known to the node");
	return out_done();
}

const ln_step step_dev_fee_status = {"dev_fee_status", NULL, on_status};

/* ------------------------------------------------ phase 4: new payments */

static bool unclaimed(const order_row *o, order_ctx *c)
{
	(void)c;
	return payable(o) && (!o->dev_fee_payment_hash || !*o->dev_fee_payment_hash);
}

/* dev_fee_comment: "mostro-dev-fee order=<id> node=<npub>". */
static char *fee_comment(order_ctx *c, const char *order_id)
{
	buf b = BUF_INIT;
	buf_printf(&b, "mostro-dev-fee order=%s node=", order_id);
	uint8_t pk[32];
	if (strlen(c->cfg->mostro_pubkey) == 64 && hex_decode(pk, 32, c->cfg->mostro_pubkey, 64, true))
		nip19_encode_bytes32(&b, NIP19_NPUB, pk);
	else
		buf_puts(&b, c->cfg->mostro_pubkey);
	return buf_steal(&b);
}

static void claim(order_ctx *c, order_row *o)
{
	char uuid[37], marker[96];
	order_new_uuid(c, uuid);
	snprintf(marker, sizeof marker, "PENDING-%s-%lld", uuid, (long long)c->now);
	str_set(&o->dev_fee_payment_hash, marker);
	if (order_save(c->db, o) != ODB_OK) {
		fx_log(c, "order %s: %s", o->id, order_db_errmsg(c->db));
		return;
	}
	char *comment = fee_comment(c, o->id);
	jv p = jv_object_set(jv_object(), jv_string("address"), jv_string(order_dev_fee_address(c->cfg)));
	p = jv_object_set(p, jv_string("amount_sat"), json_from_i64(o->dev_fee));
	p = jv_object_set(p, jv_string("comment"), jv_string(comment));
	if (c->network)
		p = jv_object_set(p, jv_string("node_network"), jv_string(c->network));
	p = jv_object_set(p, jv_string("now"), json_from_i64(c->now));
	free(comment);
	fx_ln(c, "resolve_lnurl", p, o->id, NULL, "dev_fee_resolved",
	      jv_object_set(jv_object(), jv_string("marker"), jv_string(marker)));
	fx_log(c, "order %s: dev fee of %lld sat claimed (%s): resolving %s", o->id, (long long)o->dev_fee, marker,
	       order_dev_fee_address(c->cfg));
}

static outcome on_resolved(order_ctx *c, const ln_intent *i, jv ctx, bool ok, jv res)
{
	const char *marker = json_get_str(ctx, "marker", NULL);
	order_row o;
	order_row_init(&o);
	if (!load_if(c, i->order_id, marker, &o)) {
		fx_log(c, "order %s: dev fee invoice resolved, but the claim is gone", i->order_id ? i->order_id : "-");
		order_row_free(&o);
		return out_done();
	}
	const char *pr = ok ? json_get_str(res, "payment_request", NULL) : NULL;
	char hash[65] = "";
	if (pr && *pr) {
		bolt11_invoice inv;
		bolt11_invoice_init(&inv);
		if (bolt11_decode(&inv, pr, strlen(pr), 0, NULL, 0) == BOLT11_OK)
			hex_encode(hash, inv.payment_hash, 32);
		bolt11_free(&inv);
	}
	if (!hash[0]) {
		const char *why = !ok ? json_get_str(res, "kind", NULL) : pr && *pr ? "the invoice does not decode" :
			"no invoice";
		order_row_free(&o);
		clear_hash(c, i->order_id, marker, why ? why : "resolution failed");
		return out_done();
	}
	/* the real hash before the payment (CAS on the marker) */
	str_set(&o.dev_fee_payment_hash, hash);
	if (order_save(c->db, &o) != ODB_OK) {
		order_row_free(&o);
		return out_internal(order_db_errmsg(c->db));
	}
	uint64_t amount = (uint64_t)o.dev_fee;
	jv p = jv_object_set(jv_object(), jv_string("payment_request"), jv_string(pr));
	p = jv_object_set(p, jv_string("amount_sat"), json_from_u64(amount));
	p = jv_object_set(p, jv_string("fee_limit_sat"), json_from_u64(ln_fee_cap_sat(amount, c->cfg->max_routing_fee)));
	fx_ln(c, "pay_invoice", p, o.id, hash, "dev_fee_pay", jv_object_set(jv_object(), jv_string("hash"), jv_string(hash)));
	fx_log(c, "order %s: paying the dev fee (%lld sat, hash %s)", o.id, (long long)o.dev_fee, hash);
	order_row_free(&o);
	return out_done();
}

const ln_step step_dev_fee_resolved = {"dev_fee_resolved", NULL, on_resolved};

static void pay_status(order_ctx *c, const ln_intent *i, const char *expect, const char *status, const char *paid)
{
	if (!status)
		return;
	if (strcmp(status, "SUCCEEDED") == 0)
		mark_paid(c, i->order_id, expect, paid && strlen(paid) == 64 ? paid : expect);
	else if (strcmp(status, "FAILED") == 0)
		fx_log(c, "order %s: dev fee payment failed: its hash is kept until the node confirms (next pass)",
		       i->order_id ? i->order_id : "-");
}

static void on_pay_event(order_ctx *c, const ln_intent *i, jv ctx, jv ev)
{
	pay_status(c, i, json_get_str(ctx, "hash", NULL), json_get_str(ev, "status", NULL),
		   json_get_str(ev, "payment_hash", NULL));
}

static outcome on_pay_result(order_ctx *c, const ln_intent *i, jv ctx, bool ok, jv res)
{
	if (ok)
		pay_status(c, i, json_get_str(ctx, "hash", NULL), json_get_str(res, "status", NULL),
			   json_get_str(res, "payment_hash", NULL));
	else
		fx_log(c, "order %s: dev fee payment refused (%s): its hash is kept until the node confirms",
		       i->order_id ? i->order_id : "-",
		       json_get_str(res, "kind", NULL) ? json_get_str(res, "kind", NULL) : "error");
	return out_done();
}

const ln_step step_dev_fee_pay = {"dev_fee_pay", on_pay_event, on_pay_result};

/* ------------------------------------------------------------- the pass */

/* A simulated node (mostro-ln --backend sim) pays only its own wallets'
 * invoices: resolving mostrod's real address from it would only send the
 * order id to a real server. It is left alone unless dev_fee_address says
 * where to go (tests point it at a local LNURL server). */
static bool real_address_from_sim(order_ctx *c)
{
	if (c->cfg->dev_fee_address && *c->cfg->dev_fee_address)
		return false;
	jv node = order_node_info(c);
	jv sim = jv_is_valid(node) ? json_get(node, "simulated") : jv_invalid();
	bool simulated = jv_get_kind(sim) == JV_KIND_TRUE;
	jv_free(sim);
	jv_free(node);
	return simulated;
}

static void not_claimed(order_ctx *c, order_row *o)
{
	fx_log(c, "order %s: dev fee of %lld sat not paid: the node is simulated and %s is mostrod's own address "
	       "(set dev_fee_address)", o->id, (long long)o->dev_fee, ORDER_DEV_FEE_ADDRESS);
}

bool job_dev_fee(order_ctx *c)
{
	timeouts(c);
	each_order(c, PHASE_STALE, stale_marker, reset_marker);
	each_order(c, PHASE_UNCONFIRMED, unconfirmed, ask_status);
	each_order(c, PHASE_NEW, unclaimed, real_address_from_sim(c) ? not_claimed : claim);
	return true;
}
