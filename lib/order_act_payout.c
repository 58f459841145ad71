/* order_act_payout.c — the buyer payout (DAEMON.md §4.2), its outcome
 * (§1.3 "Buyer payout outcome"), the failure bookkeeping (§3.4) and the
 * payout status checks (§3.5).
 *
 * Exactly once: the payout is claimed on the order (payout_payment_hash =
 * the invoice's payment hash, payout_claimed_at) in the same transaction that
 * records the pay_invoice intent; while the claim stands no second payment is
 * sent for the order. The claim is released only by a terminal answer for
 * that hash (SUCCEEDED: success; FAILED, or the node knows no payment: the
 * failure bookkeeping). Anything else (an error of unknown outcome, a
 * payment still in flight) keeps the claim and asks payment_status.
 *
 * Answers are matched to the attempt that asked, not only to the hash: a
 * retry pays the same invoice again. Each pay_invoice intent is an attempt;
 * any other payout intent (payment_status of an error, of the §3.5
 * reconciliation, of a restart) belongs to the newest attempt recorded
 * before it (pay_attempt, lib/order_db.h). A success is a fact about the
 * hash and always counts; a failure or "no payment" counts only for the
 * current attempt, and only once that attempt's own pay_invoice has
 * answered (before that, it decides: the node may not have the payment yet,
 * or a status may be about an earlier attempt). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "bolt11.h"
#include "hex.h"
#include "json.h"
#include "ln_fees.h"
#include "lnurl.h"
#include "order_money.h"
#include "order_table.h"

/* ------------------------------------------------------------ bookkeeping */

/* check_failure_retries on the pre-failure row `pre`: counts the failure,
 * tells the buyer on the first one and asks a new invoice once the attempts
 * reach the limit; writes failed_payment and payment_attempts only. */
static void failure_bookkeeping(order_ctx *c, const order_row *pre)
{
	int64_t limit = c->cfg->payment_attempts;
	bool first = pre->payment_attempts == 0;
	bool failed = pre->failed_payment;
	int64_t attempts = pre->payment_attempts;
	if (!failed) {
		failed = true;
		attempts = 1;
	} else if (attempts < limit) {
		attempts++;
	}
	if (!pre->buyer_pubkey) {
		fx_log(c, "order %s: payout failure bookkeeping: buyer key missing", pre->id);
		return;
	}
	if (first) {
		jv info = jv_object_set(jv_object(), jv_string("payment_attempts"),
					json_from_i64(limit > 0 ? limit - 1 : 0));
		info = jv_object_set(info, jv_string("payment_retries_interval"), json_from_i64(c->cfg->payment_retries_interval));
		fx_order_msg(c, pre->buyer_pubkey, MA_PAYMENT_FAILED, pre->id, RID, OPT_NONE, MP_PAYMENT_FAILED, info);
	} else if (attempts >= limit) {
		small_order so = so_from(pre);
		so.amount = money_buyer_amount(pre->amount, pre->fee);
		if (so.amount <= 0) {
			fx_log(c, "order %s: payout failed, nothing left to pay the buyer", pre->id);
			return;
		}
		fx_order_msg(c, pre->buyer_pubkey, MA_ADD_INVOICE, pre->id, RID, OPT_NONE, MP_ORDER, so_to_jv(&so));
	}
	order_row now;
	order_row_init(&now);
	if (order_load(c->db, pre->id, &now) == ODB_OK) {
		now.failed_payment = failed;
		now.payment_attempts = attempts;
		order_save(c->db, &now);
	}
	order_row_free(&now);
	fx_log(c, "order %s: payout failed (attempt %lld of %lld)", pre->id, (long long)attempts, (long long)limit);
}

/* fail_order_payout + bookkeeping, when `hash` still holds the claim. */
static void payout_failed(order_ctx *c, const char *order_id, const char *hash)
{
	order_row o, pre;
	order_row_init(&o);
	order_row_init(&pre);
	if (order_load(c->db, order_id, &o) == ODB_OK && str_eq(o.payout_payment_hash, hash)) {
		order_row_copy(&pre, &o);
		str_clear(&o.payout_payment_hash);
		o.payout_claimed_at = OPT_NONE;
		o.failed_payment = true;
		if (order_save(c->db, &o) == ODB_OK)
			failure_bookkeeping(c, &pre);
	} else {
		fx_log(c, "order %s: payout %s failed but no longer holds the claim", order_id, hash ? hash : "-");
	}
	order_row_free(&o);
	order_row_free(&pre);
}

/* A failure before anything was claimed (address resolution, an invoice we
 * cannot read): mostrod#908, the retry job must see it (failed_payment). */
static void payout_failed_unclaimed(order_ctx *c, const order_row *o, const char *why)
{
	fx_log(c, "order %s: payout not sent: %s", o->id, why);
	failure_bookkeeping(c, o);     /* writes failed_payment = 1 */
}

/* payment_success: settled-hold-invoice -> success, then the buyer hears. */
static void payout_succeeded(order_ctx *c, const char *order_id, const char *hash)
{
	order_row o;
	order_row_init(&o);
	if (order_load(c->db, order_id, &o) != ODB_OK) {
		order_row_free(&o);
		return;
	}
	bool ours = str_eq(o.payout_payment_hash, hash);
	if (o.status == OS_SETTLED_HOLD_INVOICE) {
		fx_publish_order(c, &o, OS_SUCCESS);
		if (ours) {
			str_clear(&o.payout_payment_hash);
			o.payout_claimed_at = OPT_NONE;
		}
		if (order_save(c->db, &o) != ODB_OK) {
			order_row_free(&o);
			return;
		}
		fx_order_msg(c, o.buyer_pubkey, MA_PURCHASE_COMPLETED, o.id, NO_RID, OPT_NONE, MP_NONE, jv_null());
		fx_order_msg(c, o.buyer_pubkey, MA_RATE, o.id, RID, OPT_NONE, MP_NONE, jv_null());
		fx_log(c, "order %s: paid -> success", o.id);
	} else if (ours) {
		/* already final: only release the claim */
		str_clear(&o.payout_payment_hash);
		o.payout_claimed_at = OPT_NONE;
		order_save(c->db, &o);
	}
	order_row_free(&o);
}

/* ------------------------------------------------------------- dispatch */

static jv payout_ctx(order_ctx *c, const char *hash, int64_t claimed_at)
{
	jv ctx = jv_object();
	if (c->has_rid)
		ctx = jv_object_set(ctx, jv_string("rid"), json_from_u64(c->rid));
	if (hash)
		ctx = jv_object_set(ctx, jv_string("hash"), jv_string(hash));
	return jv_object_set(ctx, jv_string("claimed_at"), json_from_i64(claimed_at));
}

/* The idempotency claim and the send (do_payment's claim and dispatch). */
static outcome payout_send(order_ctx *c, order_row *o, const char *pr, uint64_t amount)
{
	bolt11_invoice inv;
	bolt11_invoice_init(&inv);
	/* only its hash is needed here: the invoice was checked in full, its
	 * signature included, when the buyer's add-invoice was accepted */
	if (bolt11_decode(&inv, pr, strlen(pr), BOLT11_TRUSTED, NULL, 0) != BOLT11_OK) {
		bolt11_free(&inv);
		payout_failed_unclaimed(c, o, "the payout invoice does not decode");
		return out_done();
	}
	char hash[65];
	hex_encode(hash, inv.payment_hash, 32);
	bolt11_free(&inv);
	order_row cur;
	order_row_init(&cur);
	if (order_load(c->db, o->id, &cur) != ODB_OK || cur.payout_payment_hash ||
	    cur.status != OS_SETTLED_HOLD_INVOICE) {
		fx_log(c, "order %s: a payout is already in flight (or status changed); no second send", o->id);
		order_row_free(&cur);
		return out_done();
	}
	str_set(&cur.payout_payment_hash, hash);
	cur.payout_claimed_at = OPT_SOME(c->now);
	if (order_save(c->db, &cur) != ODB_OK) {
		order_row_free(&cur);
		return out_internal(order_db_errmsg(c->db));
	}
	jv p = jv_object_set(jv_object(), jv_string("payment_request"), jv_string(pr));
	p = jv_object_set(p, jv_string("amount_sat"), json_from_u64(amount));
	p = jv_object_set(p, jv_string("fee_limit_sat"), json_from_u64(ln_fee_cap_sat(amount, c->cfg->max_routing_fee)));
	if (!fx_ln(c, "pay_invoice", p, cur.id, hash, "payout", payout_ctx(c, hash, c->now))) {
		order_row_free(&cur);
		return out_internal("intent");
	}
	fx_log(c, "order %s: paying the buyer %llu sat (hash %s)", cur.id, (unsigned long long)amount, hash);
	order_row_free(&cur);
	return out_done();
}

outcome payout_start(order_ctx *c, order_row *o)
{
	if (!o->buyer_invoice) {
		fx_log(c, "order %s: no buyer invoice to pay", o->id);
		return out_done();
	}
	uint64_t amount = money_payout_amount(o->amount, o->fee);
	if (amount == 0) {
		fx_log(c, "order %s: nothing to pay the buyer (amount - fee = 0)", o->id);
		return out_done();
	}
	if (lnurl_is_target(o->buyer_invoice)) {
		/* §4.5: an invoice for amount - fee from the buyer's address */
		jv p = jv_object_set(jv_object(), jv_string("address"), jv_string(o->buyer_invoice));
		p = jv_object_set(p, jv_string("amount_sat"), json_from_u64(amount));
		if (c->network)
			p = jv_object_set(p, jv_string("node_network"), jv_string(c->network));
		p = jv_object_set(p, jv_string("now"), json_from_i64(c->now));
		if (!fx_ln(c, "resolve_lnurl", p, o->id, NULL, "payout_resolved", payout_ctx(c, NULL, 0)))
			return out_internal("intent");
		fx_log(c, "order %s: resolving the buyer's address for %llu sat", o->id, (unsigned long long)amount);
		return out_done();
	}
	return payout_send(c, o, o->buyer_invoice, amount);
}

/* ------------------------------------------------------------ continuations */

static outcome on_resolved(order_ctx *c, const ln_intent *i, jv ctx, bool ok, jv res)
{
	ctx_restore_request(c, ctx);
	if (!i->order_id || !ctx_load_order(c, i->order_id))
		return out_done();
	if (c->order.status != OS_SETTLED_HOLD_INVOICE) {
		fx_log(c, "order %s: address resolved but the order is %s", c->order.id, order_status_name(c->order.status));
		return out_done();
	}
	const char *pr = ok ? json_get_str(res, "payment_request", NULL) : NULL;
	if (!pr || !*pr) {
		const char *k = ok ? "no invoice" : json_get_str(res, "kind", NULL);
		payout_failed_unclaimed(c, &c->order, k ? k : "address resolution failed");
		return out_done();
	}
	char *copy = mu_xstrdup(pr);
	outcome r = payout_send(c, &c->order, copy, money_payout_amount(c->order.amount, c->order.fee));
	free(copy);
	return r;
}

const ln_step step_payout_resolved = {"payout_resolved", NULL, on_resolved};

/* May a failure reported by intent i end the claim? Only when i is about
 * the current attempt, and (for a question asked beside it) that attempt's
 * pay_invoice has answered. */
static bool failure_counts(order_ctx *c, const ln_intent *i)
{
	int64_t mine = 0, current = 0;
	bool mine_open = false, current_open = false;
	if (pay_attempt(c->db, i->order_id, i->seq, &mine, &mine_open) != ODB_OK ||
	    pay_attempt(c->db, i->order_id, INT64_MAX, &current, &current_open) != ODB_OK) {
		fx_log(c, "order %s: payout attempt: %s", i->order_id, order_db_errmsg(c->db));
		return false;
	}
	if (mine != current) {
		fx_log(c, "order %s: ln%lld (%s) answers for payout attempt ln%lld, the current one is ln%lld: "
		       "the claim stays", i->order_id, (long long)i->seq, i->op, (long long)mine, (long long)current);
		return false;
	}
	if (mine != i->seq && mine_open) {
		fx_log(c, "order %s: ln%lld (%s) asked while attempt ln%lld is unanswered: that attempt decides, "
		       "the claim stays", i->order_id, (long long)i->seq, i->op, (long long)mine);
		return false;
	}
	return true;
}

/* A payment status (event, terminal result or payment_status answer). */
static void payout_status(order_ctx *c, const ln_intent *i, const char *status)
{
	if (!status || !i->order_id)
		return;
	if (strcmp(status, "SUCCEEDED") == 0)
		payout_succeeded(c, i->order_id, i->hash);
	else if (strcmp(status, "FAILED") == 0 && failure_counts(c, i))
		payout_failed(c, i->order_id, i->hash);
}

static void on_pay_event(order_ctx *c, const ln_intent *i, jv ctx, jv ev)
{
	ctx_restore_request(c, ctx);
	payout_status(c, i, json_get_str(ev, "status", NULL));
}

/* Any error of pay_invoice: ask the node what it has for the hash before
 * deciding (in flight or succeeded: keep the claim; failed or unknown: fail). */
static void ask_status(order_ctx *c, const ln_intent *i, jv ctx)
{
	fx_ln(c, "payment_status", jv_object_set(jv_object(), jv_string("hash"), jv_string(i->hash)),
	      i->order_id, i->hash, "payout_status", jv_copy(ctx));
}

static outcome on_pay_result(order_ctx *c, const ln_intent *i, jv ctx, bool ok, jv res)
{
	ctx_restore_request(c, ctx);
	if (ok) {
		payout_status(c, i, json_get_str(res, "status", NULL));
		return out_done();
	}
	fx_log(c, "order %s: pay_invoice refused (%s): asking the payment status", i->order_id ? i->order_id : "-",
	       json_get_str(res, "kind", NULL) ? json_get_str(res, "kind", NULL) : "error");
	ask_status(c, i, ctx);
	return out_done();
}

const ln_step step_payout = {"payout", on_pay_event, on_pay_result};

static outcome on_status_result(order_ctx *c, const ln_intent *i, jv ctx, bool ok, jv res)
{
	ctx_restore_request(c, ctx);
	if (!ok) {
		fx_log(c, "order %s: payment status unknown (%s): the claim stays", i->order_id ? i->order_id : "-",
		       json_get_str(res, "kind", NULL) ? json_get_str(res, "kind", NULL) : "error");
		return out_done();
	}
	jv st = json_get(res, "status");
	const char *s = json_str(st, NULL);
	if (jv_get_kind(st) == JV_KIND_NULL || (s && (strcmp(s, "FAILED") == 0 || strcmp(s, "UNKNOWN") == 0))) {
		if (i->order_id && failure_counts(c, i))
			payout_failed(c, i->order_id, i->hash);
	}
	else if (s && strcmp(s, "SUCCEEDED") == 0)
		payout_succeeded(c, i->order_id, i->hash);
	else
		fx_log(c, "order %s: payout %s still %s", i->order_id ? i->order_id : "-", i->hash ? i->hash : "-",
		       s ? s : "?");
	jv_free(st);
	return out_done();
}

const ln_step step_payout_status = {"payout_status", NULL, on_status_result};
