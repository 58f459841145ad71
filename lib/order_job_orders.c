/* order_job_orders.c — the order timers of DAEMON.md §3: §3.1 expiration,
 * §3.2 waiting-state timeout, §3.3 escrow CLTV guardian. Each is a cell
 * table (order_tick.h) and a pass that selects the candidates of the cells
 * that act; where mostrod calls LND on the way, the pass records an intent
 * and the continuation re-reads the order, checks it is still a candidate,
 * and runs the cell (mostrod's reconfirm_timeout_eligibility). */
#include <stdlib.h>
#include <string.h>

#include "json.h"
#include "order_table.h"
#include "order_tick.h"

/* ids of the orders in the statuses whose cells act, passing `want` */
typedef struct cand_list {
	char (*v)[37];
	size_t n, cap;
	bool (*want)(const order_row *o, order_ctx *c);
	order_ctx *c;
} cand_list;

static bool cand_collect(const order_row *o, void *arg)
{
	cand_list *l = arg;
	if (!l->want(o, l->c))
		return true;
	if (l->n == l->cap) {
		l->cap = l->cap ? l->cap * 2 : 16;
		l->v = mu_xrealloc(l->v, l->cap * sizeof *l->v);
	}
	memcpy(l->v[l->n++], o->id, 37);
	return true;
}

/* The statuses a table acts on (its rows with a cell that is not nothing). */
static size_t acting_statuses(const job_cell *cells, size_t per_status, order_status out[OS_COUNT])
{
	size_t n = 0;
	for (int s = 0; s < OS_COUNT; s++)
		for (size_t k = 0; k < per_status; k++)
			if (job_cell_acts(&cells[(size_t)s * per_status + k])) {
				out[n++] = (order_status)s;
				break;
			}
	return n;
}

static void candidates(order_ctx *c, const job_cell *cells, size_t per_status,
		       bool (*want)(const order_row *, order_ctx *), cand_list *l)
{
	order_status st[OS_COUNT];
	size_t n = acting_statuses(cells, per_status, st);
	memset(l, 0, sizeof *l);
	l->want = want;
	l->c = c;
	if (n)
		order_each(c->db, st, n, cand_collect, l);
}

/* The taker's trade key of an order as mostrod's notify_users_canceled_order
 * finds it: the seller of a buy order, the buyer of a sell order. */
static const char *taker_key(const order_row *o)
{
	return o->kind == ORDER_BUY ? o->seller_pubkey : o->buyer_pubkey;
}

/* notify_users_canceled_order: the maker `canceled` (or `new-order` with the
 * republished order), the taker `canceled`; no request_id. Nothing when a
 * key is missing (mostrod warns and returns). */
static void notify_closed(order_ctx *c, const order_row *pre, const order_row *now, bool republished)
{
	const char *maker = pre->creator_pubkey, *taker = taker_key(pre);
	if (!maker || !taker) {
		fx_log(c, "order %s: maker or taker key missing: nobody told", pre->id);
		return;
	}
	if (republished) {
		small_order so = so_from(now);
		fx_order_msg(c, maker, MA_NEW_ORDER, now->id, NO_RID, OPT_NONE, MP_ORDER, so_to_jv(&so));
	} else {
		fx_order_msg(c, maker, MA_CANCELED, now->id, NO_RID, OPT_NONE, MP_NONE, jv_null());
	}
	fx_order_msg(c, taker, MA_CANCELED, now->id, NO_RID, OPT_NONE, MP_NONE, jv_null());
}

/* ====================================================== §3.1 expiration */

/* update_order_event(Expired): the revision says s=canceled (§1.2 map). */
static void expire_published(order_ctx *c, order_row *o, const job_facts *f)
{
	(void)f;
	outcome r = fx_publish_order(c, o, OS_EXPIRED);
	if (r.kind != OUT_DONE) {
		fx_log(c, "order %s: expiry not published (%s): tried again next minute", o->id, r.why ? r.why : "");
		return;
	}
	if (order_save(c->db, o) != ODB_OK) {
		fx_log(c, "order %s: %s", o->id, order_db_errmsg(c->db));
		return;
	}
	fx_log(c, "order %s: expired (expires_at %lld)", o->id, (long long)o->expires_at);
}

/* A waiting-maker-bond order was never published: expired in the database only. */
static void expire_quietly(order_ctx *c, order_row *o, const job_facts *f)
{
	(void)f;
	o->status = OS_EXPIRED;
	if (order_save(c->db, o) == ODB_OK)
		fx_log(c, "order %s: expired (never published)", o->id);
}

#define NOTHING(r) {job_nothing, "nothing to do", r}

const job_cell expire_cells[OS_COUNT] = {
	[OS_ACTIVE] = NOTHING("§3.1: a taken order does not expire"),
	[OS_CANCELED] = NOTHING("§3.1: terminal"),
	[OS_CANCELED_BY_ADMIN] = NOTHING("§3.1: terminal"),
	[OS_SETTLED_BY_ADMIN] = NOTHING("§3.1: terminal"),
	[OS_COMPLETED_BY_ADMIN] = NOTHING("§3.1: terminal"),
	[OS_DISPUTE] = NOTHING("§3.1: a taken order does not expire"),
	[OS_EXPIRED] = NOTHING("§3.1: already expired"),
	[OS_FIAT_SENT] = NOTHING("§3.1: a taken order does not expire"),
	[OS_SETTLED_HOLD_INVOICE] = NOTHING("§3.1: a taken order does not expire"),
	[OS_PENDING] = {expire_published, "expire, publish s=canceled", "§3.1 pending"},
	[OS_SUCCESS] = NOTHING("§3.1: terminal"),
	[OS_WAITING_BUYER_INVOICE] = NOTHING("§3.1: taken (the §3.2 timeout applies)"),
	[OS_WAITING_PAYMENT] = NOTHING("§3.1: taken (the §3.2 timeout applies)"),
	[OS_WAITING_TAKER_BOND] = {expire_published, "expire, publish s=canceled", "§3.1 waiting-taker-bond"},
	[OS_COOPERATIVELY_CANCELED] = NOTHING("§3.1: terminal"),
	[OS_IN_PROGRESS] = NOTHING("§3.1: legacy status, never written"),
	[OS_WAITING_MAKER_BOND] = {expire_quietly, "expire, no publish", "§3.1 waiting-maker-bond"},
};

/* find_order_by_date: expires_at < now, strictly. */
static bool expire_wanted(const order_row *o, order_ctx *c)
{
	return o->expires_at < c->now;
}

bool job_expire_pending(order_ctx *c)
{
	cand_list l;
	candidates(c, expire_cells, 1, expire_wanted, &l);
	for (size_t i = 0; i < l.n; i++) {
		order_row o;
		order_row_init(&o);
		if (order_load(c->db, l.v[i], &o) == ODB_OK)
			expire_cells[o.status].fn(c, &o, NULL);
		order_row_free(&o);
	}
	free(l.v);
	return true;
}

/* ============================================ §3.2 waiting-state timeout */

/* republish: the taker was late. update_order_to_initial_state with the
 * reset amounts, edit_pubkeys_order (the taker's keys), s=pending with the
 * maker's rating, new-order (the reset order) to the maker, canceled to the
 * taker, saved with the revision's event id. */
static void timeout_republish(order_ctx *c, order_row *o, const job_facts *f)
{
	(void)f;
	order_row pre;
	order_row_init(&pre);
	order_row_copy(&pre, o);
	o->dev_fee = 0;
	if (o->price_from_api) {
		o->amount = 0;
		o->fee = 0;
	}
	o->status = OS_PENDING;
	str_clear(&o->hash);
	str_clear(&o->preimage);
	str_clear(&o->buyer_invoice);
	o->taken_at = 0;
	o->invoice_held_at = 0;
	if (o->kind == ORDER_BUY) {
		str_clear(&o->seller_pubkey);
		str_clear(&o->master_seller_pubkey);
	} else {
		str_clear(&o->buyer_pubkey);
		str_clear(&o->master_buyer_pubkey);
	}
	/* mostrod writes the reset and the keys before it publishes */
	if (order_save(c->db, o) != ODB_OK) {
		fx_log(c, "order %s: %s", o->id, order_db_errmsg(c->db));
		order_row_free(&pre);
		return;
	}
	outcome r = fx_publish_order(c, o, OS_PENDING);
	if (r.kind != OUT_DONE) {
		fx_log(c, "order %s: back to pending, but not republished (%s): nobody told", o->id, r.why ? r.why : "");
		order_row_free(&pre);
		return;
	}
	notify_closed(c, &pre, o, true);
	order_save(c->db, o);
	fx_log(c, "order %s: %s -> pending (the taker did not %s in time)", o->id, order_status_name(pre.status),
	       pre.status == OS_WAITING_PAYMENT ? "pay the hold invoice" : "send an invoice");
	order_row_free(&pre);
}

/* cancel: the maker was late. edit_pubkeys_order re-reads the row (the
 * in-memory resets of step 2 do not reach it), s=canceled, canceled to both. */
static void timeout_cancel(order_ctx *c, order_row *o, const job_facts *f)
{
	(void)f;
	order_row pre;
	order_row_init(&pre);
	order_row_copy(&pre, o);
	order_status was = o->status;
	if (o->kind == ORDER_BUY) {
		str_clear(&o->seller_pubkey);
		str_clear(&o->master_seller_pubkey);
	} else {
		str_clear(&o->buyer_pubkey);
		str_clear(&o->master_buyer_pubkey);
	}
	outcome r = fx_publish_order(c, o, OS_CANCELED);
	if (r.kind != OUT_DONE) {
		o->status = was;
		order_save(c->db, o);         /* the keys were cleared before the publish */
		fx_log(c, "order %s: timeout cancel not published (%s)", o->id, r.why ? r.why : "");
		order_row_free(&pre);
		return;
	}
	notify_closed(c, &pre, o, false);
	if (order_save(c->db, o) != ODB_OK)
		fx_log(c, "order %s: %s", o->id, order_db_errmsg(c->db));
	else
		fx_log(c, "order %s: %s -> canceled (the maker did not %s in time)", o->id, order_status_name(was),
		       was == OS_WAITING_PAYMENT ? "pay the hold invoice" : "send an invoice");
	order_row_free(&pre);
}

#define REPUBLISH(r) {timeout_republish, "republish (the taker was late)", r}
#define CANCEL(r) {timeout_cancel, "cancel (the maker was late)", r}
#define NOTHING2(r) {NOTHING(r), NOTHING(r)}

const job_cell timeout_cells[OS_COUNT][ORDER_KIND_COUNT] = {
	[OS_ACTIVE] = NOTHING2("§3.2: not waiting"),
	[OS_CANCELED] = NOTHING2("§3.2: terminal"),
	[OS_CANCELED_BY_ADMIN] = NOTHING2("§3.2: terminal"),
	[OS_SETTLED_BY_ADMIN] = NOTHING2("§3.2: terminal"),
	[OS_COMPLETED_BY_ADMIN] = NOTHING2("§3.2: terminal"),
	[OS_DISPUTE] = NOTHING2("§3.2: not waiting"),
	[OS_EXPIRED] = NOTHING2("§3.2: terminal"),
	[OS_FIAT_SENT] = NOTHING2("§3.2: not waiting"),
	[OS_SETTLED_HOLD_INVOICE] = NOTHING2("§3.2: not waiting"),
	[OS_PENDING] = NOTHING2("§3.2: not taken (§3.1 applies)"),
	[OS_SUCCESS] = NOTHING2("§3.2: terminal"),
	[OS_WAITING_BUYER_INVOICE] = {
		[ORDER_SELL] = REPUBLISH("§3.2 waiting-buyer-invoice x sell: the taker (buyer)"),
		[ORDER_BUY] = CANCEL("§3.2 waiting-buyer-invoice x buy: the maker (buyer)"),
	},
	[OS_WAITING_PAYMENT] = {
		[ORDER_BUY] = REPUBLISH("§3.2 waiting-payment x buy: the taker (seller)"),
		[ORDER_SELL] = CANCEL("§3.2 waiting-payment x sell: the maker (seller)"),
	},
	[OS_WAITING_TAKER_BOND] = NOTHING2("§3.2: not taken (bond extension)"),
	[OS_COOPERATIVELY_CANCELED] = NOTHING2("§3.2: terminal"),
	[OS_IN_PROGRESS] = NOTHING2("§3.2: legacy status, never written"),
	[OS_WAITING_MAKER_BOND] = NOTHING2("§3.2: not taken (bond extension)"),
};

static const char *const timeout_steps[] = {"timeout_cancel"};

/* find_order_by_seconds: taken_at < now - expiration_seconds. */
static bool timeout_due(const order_row *o, order_ctx *c)
{
	return o->taken_at < c->now - c->cfg->expiration_seconds;
}

static bool timeout_wanted(const order_row *o, order_ctx *c)
{
	return timeout_due(o, c) && !job_intent_open(c, o->id, timeout_steps, 1);
}

/* Steps 2-4 (dev_fee and the api quotes are reset by the republish cell). */
static void timeout_apply(order_ctx *c, order_row *o)
{
	timeout_cells[o->status][o->kind].fn(c, o, NULL);
}

bool job_waiting_timeout(order_ctx *c)
{
	cand_list l;
	candidates(c, &timeout_cells[0][0], ORDER_KIND_COUNT, timeout_wanted, &l);
	for (size_t i = 0; i < l.n; i++) {
		order_row o;
		order_row_init(&o);
		if (order_load(c->db, l.v[i], &o) != ODB_OK) {
			order_row_free(&o);
			continue;
		}
		if (o.hash) {
			/* step 1: the hold invoice goes first; on error the order waits for the next tick */
			jv ctx = jv_object_set(jv_object(), jv_string("status"), jv_string(order_status_name(o.status)));
			ctx = jv_object_set(ctx, jv_string("taken_at"), json_from_i64(o.taken_at));
			fx_ln(c, "cancel_hold_invoice", jv_object_set(jv_object(), jv_string("hash"), jv_string(o.hash)),
			      o.id, o.hash, "timeout_cancel", ctx);
			fx_log(c, "order %s: %s for too long: canceling its hold invoice first", o.id,
			       order_status_name(o.status));
		} else {
			timeout_apply(c, &o);
		}
		order_row_free(&o);
	}
	free(l.v);
	return true;
}

static outcome on_timeout_canceled(order_ctx *c, const ln_intent *i, jv ctx, bool ok, jv res)
{
	if (!i->order_id)
		return out_done();
	if (!ok) {
		fx_log(c, "order %s: waiting-state timeout: cancel_hold_invoice failed (%s): tried again next tick",
		       i->order_id, json_get_str(res, "kind", NULL) ? json_get_str(res, "kind", NULL) : "error");
		return out_done();
	}
	order_row o;
	order_row_init(&o);
	if (order_load(c->db, i->order_id, &o) != ODB_OK) {
		order_row_free(&o);
		return out_done();
	}
	/* still the candidate the tick saw: same status, same duty, same invoice, still late */
	const char *seen = json_get_str(ctx, "status", NULL);
	jv tv = json_get(ctx, "taken_at");
	int64_t taken_at = 0;
	bool same = seen && strcmp(seen, order_status_name(o.status)) == 0 && json_get_i64(tv, &taken_at) &&
		    taken_at == o.taken_at && str_eq(o.hash, i->hash) && timeout_due(&o, c) &&
		    job_cell_acts(&timeout_cells[o.status][o.kind]);
	jv_free(tv);
	if (same)
		timeout_apply(c, &o);
	else
		fx_log(c, "order %s: moved on (%s) while its hold invoice was canceled by the timeout", o.id,
		       order_status_name(o.status));
	order_row_free(&o);
	return out_done();
}

const ln_step step_timeout_cancel = {"timeout_cancel", NULL, on_timeout_canceled};

/* ================================================= §3.3 escrow guardian */

/* active and due: the hold invoice is canceled (the seller refunded, observed),
 * then the order (guardian_cancel_finish). */
static void guardian_cancel(order_ctx *c, order_row *o, const job_facts *f)
{
	bool gone = f && f->gone;
	jv ctx = jv_object_set(jv_object(), jv_string("gone"), jv_bool(gone));
	/* past its CLTV expiry LND refunded the escrow whatever this cancel
	 * does: an unknown outcome is not asked again (order_run.c) */
	if (gone)
		ctx = jv_object_set(ctx, jv_string("outcome_moot"), jv_true());
	fx_ln(c, "cancel_hold_invoice", jv_object_set(jv_object(), jv_string("hash"), jv_string(o->hash)), o->id, o->hash,
	      "guardian_cancel", ctx);
	fx_log(c, "order %s: escrow near its CLTV expiry: canceling the hold invoice", o->id);
}

/* fiat-sent and due: a buyer-initiated dispute, the hold invoice kept (the
 * solver's only leverage). */
static void guardian_dispute(order_ctx *c, order_row *o, const job_facts *f)
{
	(void)f;
	outcome r = order_guardian_open_dispute(c, o);
	if (r.kind != OUT_DONE)
		fx_log(c, "order %s: the guardian's dispute failed (%s): tried again next pass", o->id, r.why ? r.why : "");
}

const job_cell guardian_cells[OS_COUNT] = {
	[OS_ACTIVE] = {guardian_cancel, "cancel the hold invoice, then the order", "§3.3 active and due"},
	[OS_CANCELED] = NOTHING("§3.3: terminal"),
	[OS_CANCELED_BY_ADMIN] = NOTHING("§3.3: terminal"),
	[OS_SETTLED_BY_ADMIN] = NOTHING("§3.3: terminal"),
	[OS_COMPLETED_BY_ADMIN] = NOTHING("§3.3: terminal"),
	[OS_DISPUTE] = NOTHING("§3.3: a solver holds it"),
	[OS_EXPIRED] = NOTHING("§3.3: terminal"),
	[OS_FIAT_SENT] = {guardian_dispute, "open a buyer-initiated dispute", "§3.3 fiat-sent and due"},
	[OS_SETTLED_HOLD_INVOICE] = NOTHING("§3.3: the escrow is settled"),
	[OS_PENDING] = NOTHING("§3.3: no escrow"),
	[OS_SUCCESS] = NOTHING("§3.3: terminal"),
	[OS_WAITING_BUYER_INVOICE] = NOTHING("§3.3: §3.2 applies"),
	[OS_WAITING_PAYMENT] = NOTHING("§3.3: §3.2 applies"),
	[OS_WAITING_TAKER_BOND] = NOTHING("§3.3: no escrow"),
	[OS_COOPERATIVELY_CANCELED] = NOTHING("§3.3: terminal"),
	[OS_IN_PROGRESS] = NOTHING("§3.3: legacy status, never written"),
	[OS_WAITING_MAKER_BOND] = NOTHING("§3.3: no escrow"),
};

static const char *const guardian_steps[] = {"guardian_lookup", "guardian_cancel"};

/* find_escrow_deadline_orders: invoice held, for at least W/2, hash set. */
static bool guardian_candidate(const order_row *o, order_ctx *c)
{
	int64_t cutoff = c->now - order_escrow_window(c->cfg) / 2;
	return o->invoice_held_at != 0 && o->invoice_held_at <= cutoff && o->hash;
}

static bool guardian_wanted(const order_row *o, order_ctx *c)
{
	return guardian_candidate(o, c) && !job_intent_open(c, o->id, guardian_steps, 2);
}

/* due / gone decided: the cell of the order's status. */
static void guardian_decide(order_ctx *c, order_row *o, bool due, bool gone, const char *how)
{
	if (!due) {
		fx_log(c, "order %s: escrow not due yet (%s)", o->id, how);
		return;
	}
	job_facts f = {gone};
	guardian_cells[o->status].fn(c, o, &f);
}

/* The nominal clock when the chain cannot say (10-minute blocks): enough to
 * act, never proof the escrow is gone. */
static void guardian_fallback(order_ctx *c, order_row *o)
{
	guardian_decide(c, o, c->now >= o->invoice_held_at + order_escrow_window(c->cfg), false, "nominal clock");
}

bool job_escrow_guardian(order_ctx *c)
{
	cand_list l;
	candidates(c, guardian_cells, 1, guardian_wanted, &l);
	if (l.n) {
		/* the chain tip, once per pass */
		fx_ln(c, "get_info", jv_object(), NULL, NULL, "guardian_tip", jv_null());
		fx_log(c, "escrow guardian: %zu escrow(s) past half their window: asking the chain tip", l.n);
	}
	free(l.v);
	return true;
}

static outcome on_guardian_tip(order_ctx *c, const ln_intent *i, jv ctx, bool ok, jv res)
{
	(void)i;
	(void)ctx;
	int64_t tip = -1;
	if (ok) {
		order_node_info_store(c, res);
		jv h = json_get(res, "block_height");
		if (!json_get_i64(h, &tip) || tip < 0)
			tip = -1;
		jv_free(h);
	}
	if (tip < 0)
		fx_log(c, "escrow guardian: chain height unavailable: nominal block time");
	cand_list l;
	candidates(c, guardian_cells, 1, guardian_wanted, &l);
	for (size_t k = 0; k < l.n; k++) {
		order_row o;
		order_row_init(&o);
		if (order_load(c->db, l.v[k], &o) == ODB_OK) {
			if (tip >= 0)
				fx_ln(c, "lookup_invoice", jv_object_set(jv_object(), jv_string("hash"), jv_string(o.hash)),
				      o.id, o.hash, "guardian_lookup", jv_object_set(jv_object(), jv_string("tip"), json_from_i64(tip)));
			else
				guardian_fallback(c, &o);
		}
		order_row_free(&o);
	}
	free(l.v);
	return out_done();
}

const ln_step step_guardian_tip = {"guardian_tip", NULL, on_guardian_tip};

static outcome on_guardian_lookup(order_ctx *c, const ln_intent *i, jv ctx, bool ok, jv res)
{
	order_row o;
	order_row_init(&o);
	if (!i->order_id || order_load(c->db, i->order_id, &o) != ODB_OK || !str_eq(o.hash, i->hash) ||
	    !guardian_candidate(&o, c) || !job_cell_acts(&guardian_cells[o.status])) {
		order_row_free(&o);
		return out_done();
	}
	jv tv = json_get(ctx, "tip");
	int64_t tip = -1;
	json_get_i64(tv, &tip);
	jv_free(tv);
	if (!ok || tip < 0) {
		fx_log(c, "order %s: HTLC expiry lookup failed (%s): nominal block time", o.id,
		       !ok && json_get_str(res, "kind", NULL) ? json_get_str(res, "kind", NULL) : "error");
		guardian_fallback(c, &o);
		order_row_free(&o);
		return out_done();
	}
	/* the lowest expiry height of the ACCEPTED HTLCs; none: the escrow is gone */
	jv ev = json_get(res, "accepted_expiry_height");
	int64_t expiry;
	bool have = json_get_i64(ev, &expiry);
	jv_free(ev);
	if (!have) {
		guardian_decide(c, &o, true, true, "no accepted HTLC");
	} else {
		int64_t margin = c->cfg->escrow_deadline_margin_blocks;
		char how[96];
		snprintf(how, sizeof how, "tip %lld, HTLC expiry %lld", (long long)tip, (long long)expiry);
		guardian_decide(c, &o, tip + margin >= expiry, tip >= expiry, how);
	}
	order_row_free(&o);
	return out_done();
}

const ln_step step_guardian_lookup = {"guardian_lookup", NULL, on_guardian_lookup};

/* bond::flow::classify_cancel_error: the invoice was already canceled or the
 * node does not know it. */
static bool cancel_already_done(jv err)
{
	const char *kind = json_get_str(err, "kind", NULL);
	if (kind && (strcmp(kind, "not_found") == 0 || strcmp(kind, "already_canceled") == 0))
		return true;
	const char *m = json_get_str(err, "message", NULL);
	static const char *const done[] = {"already cancelled", "already canceled", "unable to locate invoice",
					   "invoice not found", "no such invoice"};
	if (m) {
		char low[512];
		size_t n = 0;
		for (; m[n] && n < sizeof low - 1; n++)
			low[n] = (char)(m[n] >= 'A' && m[n] <= 'Z' ? m[n] + 32 : m[n]);
		low[n] = 0;
		for (size_t k = 0; k < sizeof done / sizeof *done; k++)
			if (strstr(low, done[k]))
				return true;
	}
	return false;
}

static outcome on_guardian_canceled(order_ctx *c, const ln_intent *i, jv ctx, bool ok, jv res)
{
	if (!i->order_id)
		return out_done();
	jv gv = json_get(ctx, "gone");
	bool gone = jv_get_kind(gv) == JV_KIND_TRUE;
	jv_free(gv);
	if (!ok && !cancel_already_done(res)) {
		const char *k = json_get_str(res, "kind", NULL);
		if (!gone) {
			fx_log(c, "order %s: guardian: cancel_hold_invoice failed (%s): tried again next pass", i->order_id,
			       k ? k : "error");
			return out_done();
		}
		fx_log(c, "order %s: guardian: cancel_hold_invoice failed (%s) but the HTLC is past its expiry: "
		       "the escrow is refunded, fixing the order", i->order_id, k ? k : "error");
	}
	order_row o, pre;
	order_row_init(&o);
	order_row_init(&pre);
	if (order_load(c->db, i->order_id, &o) == ODB_OK && o.status == OS_ACTIVE && str_eq(o.hash, i->hash)) {
		order_row_copy(&pre, &o);
		outcome r = fx_publish_order(c, &o, OS_CANCELED);
		if (r.kind != OUT_DONE) {
			fx_log(c, "order %s: guardian cancel not published (%s): tried again next pass", o.id, r.why ? r.why : "");
		} else if (order_save(c->db, &o) != ODB_OK) {
			fx_log(c, "order %s: %s", o.id, order_db_errmsg(c->db));
		} else {
			fx_log(c, "order %s: active -> canceled (the escrow reached its CLTV lifetime)", o.id);
			notify_closed(c, &pre, &o, false);
		}
	} else {
		fx_log(c, "order %s: hold invoice canceled by the guardian; the order had moved on", i->order_id);
	}
	order_row_free(&o);
	order_row_free(&pre);
	return out_done();
}

const ln_step step_guardian_cancel = {"guardian_cancel", NULL, on_guardian_canceled};
