/* order_act_take.c — take-sell, take-buy, add-invoice (DAEMON.md §1.3),
 * "show hold invoice" (§1.4) and the hold invoice's states (§1.5, §4.3).
 *
 * §1.4 runs in two steps because the Lightning node answers asynchronously:
 * the handler records a create_hold_invoice intent (preimage derived from the
 * database seed, so its hash is known at once) carrying the order as mostrod
 * holds it in memory; the continuation, on the node's answer, does the rest
 * of show_hold_invoice exactly as mostrod does after AddHoldInvoice returns:
 * the row with preimage, hash, waiting-payment and taken_at, the publication,
 * the compare-and-swap write, the two messages, the invoice watch. Until
 * then the order is untouched, as in mostrod while AddHoldInvoice runs. */
#include <stdio.h>
#include <string.h>

#include "json.h"
#include "order_money.h"
#include "order_table.h"

static opt_i64 opt(opt_i64 v) { return v; }

/* ------------------------------------------------------------ §1.4 step 1 */

typedef enum hold_origin { ORIGIN_TAKE_SELL, ORIGIN_TAKE_BUY, ORIGIN_ADD_INVOICE } hold_origin;
static const char *const origin_names[] = {"take-sell", "take-buy", "add-invoice"};

/* messages::hold_invoice_description */
static void hold_memo(const order_row *o, char *out, size_t n)
{
	snprintf(out, n, "Escrow amount Order #%s: SELL BTC for %s %lld - It WILL FREEZE IN WALLET. "
		 "It will release once you release. It will return if buyer does not confirm the payment",
		 o->id, o->fiat_code ? o->fiat_code : "", (long long)o->fiat_amount);
}

static outcome show_hold_invoice(order_ctx *c, order_row *o, const char *buyer, const char *seller,
				 const char *payment_request, hold_origin origin)
{
	char preimage[65], hash[65], memo[512];
	if (!order_new_preimage(c, o->id, preimage, hash))
		return out_internal("preimage");
	if (payment_request)
		str_set(&o->buyer_invoice, payment_request);
	str_set(&o->preimage, preimage);
	str_set(&o->hash, hash);
	str_set(&o->buyer_pubkey, buyer);
	str_set(&o->seller_pubkey, seller);
	hold_memo(o, memo, sizeof memo);
	int64_t amount = money_seller_amount(o->amount, o->fee);
	jv params = jv_object();
	params = jv_object_set(params, jv_string("amount_sat"), json_from_i64(amount));
	params = jv_object_set(params, jv_string("memo"), jv_string(memo));
	params = jv_object_set(params, jv_string("cltv_expiry"), json_from_i64(c->cfg->hold_invoice_cltv_delta));
	params = jv_object_set(params, jv_string("preimage"), jv_string(preimage));
	jv ctx = jv_object_set(jv_object(), jv_string("origin"), jv_string(origin_names[origin]));
	ctx = jv_object_set(ctx, jv_string("row"), order_row_to_jv(o));
	ctx = jv_object_set(ctx, jv_string("params"), jv_copy(params));
	ctx = ctx_with_request(c, ctx);
	if (!fx_ln(c, "create_hold_invoice", params, o->id, hash, "hold_created", ctx))
		return out_internal("intent");
	fx_log(c, "order %s: hold invoice of %lld sat requested (%s)", o->id, (long long)amount,
	       origin_names[origin]);
	return out_done();
}

/* ----------------------------------------------------------- take-sell */

/* set_waiting_invoice_status + update_order_status (take-sell, no invoice). */
static outcome wait_for_buyer_invoice(order_ctx *c, order_row *o)
{
	small_order so = so_new_order(o);
	so.status = OS_WAITING_BUYER_INVOICE;
	so.amount = money_buyer_amount(o->amount, o->fee);
	so.buyer_invoice = NULL;
	so.expires_at = OPT_NONE;
	fx_order_msg(c, o->buyer_pubkey, MA_ADD_INVOICE, o->id, RID, opt(o->trade_index_buyer), MP_ORDER, so_to_jv(&so));
	fx_order_msg(c, o->seller_pubkey, MA_WAITING_BUYER_INVOICE, o->id, RID, opt(o->trade_index_seller),
		     MP_NONE, jv_null());
	outcome r = fx_publish_order(c, o, OS_WAITING_BUYER_INVOICE);
	if (r.kind != OUT_DONE)
		return out_silent("UpdateOrderStatusError");
	static const order_status pre[] = {OS_PENDING, OS_WAITING_TAKER_BOND};
	order_db_err e = order_save_if(c->db, o, pre, 2);
	if (e == ODB_CONFLICT) {
		/* a concurrent cancel won: republish what won, refuse */
		order_row cur;
		order_row_init(&cur);
		if (order_load(c->db, o->id, &cur) == ODB_OK) {
			fx_publish_order(c, &cur, cur.status);
			order_save(c->db, &cur);
		}
		order_row_free(&cur);
		return out_cant(CD_NOT_ALLOWED_BY_STATUS, "take-sell lost its compare-and-swap");
	}
	if (e != ODB_OK)
		return out_internal(order_db_errmsg(c->db));
	return out_done();
}

outcome act_take_sell(order_ctx *c)
{
	order_row *o = &c->order;
	str_set(&o->buyer_pubkey, c->in->sender);
	str_set(&o->master_buyer_pubkey, c->in->identity);
	o->trade_index_buyer = OPT_SOME(c->trade_index);
	o->taken_at = c->now;
	fx_log(c, "%s: order %s taken by buyer %s", c->in->event_id, o->id, c->in->sender);
	if (!c->payment_request)
		return wait_for_buyer_invoice(c, o);
	return show_hold_invoice(c, o, c->in->sender, o->seller_pubkey, c->payment_request, ORIGIN_TAKE_SELL);
}

/* ------------------------------------------------------------ take-buy */

outcome act_take_buy(order_ctx *c)
{
	order_row *o = &c->order;
	str_set(&o->master_seller_pubkey, c->in->identity);
	o->trade_index_seller = OPT_SOME(c->trade_index);
	o->taken_at = c->now;
	fx_log(c, "%s: order %s taken by seller %s", c->in->event_id, o->id, c->in->sender);
	/* a supplied invoice is ignored (§1.3 take-buy) */
	return show_hold_invoice(c, o, o->buyer_pubkey, c->in->sender, NULL, ORIGIN_TAKE_BUY);
}

/* --------------------------------------------------------- reputation */

/* notify_taker_reputation: the maker learns the taker's reputation, as an
 * action the maker is about to receive but with a `peer` payload (PROTOCOL
 * §6.4). False when mostrod's helper fails (it then aborts its caller). */
static bool notify_taker_reputation(order_ctx *c, const order_row *o)
{
	bool buy = o->kind == ORDER_BUY;
	const char *taker_identity = buy ? o->master_seller_pubkey : o->master_buyer_pubkey;
	if (!taker_identity)
		return false;
	mostro_action a;
	const char *to;
	if (o->status == OS_WAITING_BUYER_INVOICE) {
		if (buy)
			return true;          /* buy order, maker adding its invoice: nothing */
		a = MA_PAY_INVOICE;
		to = o->seller_pubkey;
	} else if (o->status == OS_WAITING_PAYMENT && buy) {
		a = MA_ADD_INVOICE;
		to = o->buyer_pubkey;
	} else {
		return false;
	}
	if (!to)
		return false;
	fx_order_msg(c, to, a, o->id, NO_RID, OPT_NONE, MP_PEER, peer_jv("", user_info_jv(c, taker_identity)));
	return true;
}

/* ---------------------------------------------------------- add-invoice */

outcome act_add_invoice(order_ctx *c)
{
	order_row *o = &c->order;
	str_set(&o->buyer_invoice, c->payment_request);
	if (o->status == OS_SETTLED_HOLD_INVOICE) {
		/* pay_new_invoice: only while no payout is in flight */
		if (o->payout_payment_hash)
			return out_cant(CD_NOT_ALLOWED_BY_STATUS, "a payout is in flight");
		o->payment_attempts = 0;
		if (order_save(c->db, o) != ODB_OK)
			return out_internal(order_db_errmsg(c->db));
		fx_order_msg(c, o->buyer_pubkey, MA_INVOICE_UPDATED, o->id, RID, OPT_NONE, MP_NONE, jv_null());
		fx_log(c, "order %s: payout invoice replaced", o->id);
		return out_done();
	}
	if (!notify_taker_reputation(c, o))
		return out_silent("notify_taker_reputation failed");
	if (!o->seller_pubkey)
		return out_silent("seller key missing");
	if (o->preimage) {
		/* a buy order whose seller already paid: the trade is active */
		fx_publish_order(c, o, OS_ACTIVE);
		if (order_save(c->db, o) != ODB_OK)
			return out_internal(order_db_errmsg(c->db));
		small_order seller = so_from(o);
		seller.amount = money_seller_amount(o->amount, o->fee);
		seller.buyer_invoice = NULL;
		fx_order_msg(c, o->seller_pubkey, MA_BUYER_TOOK_ORDER, o->id, NO_RID, OPT_NONE, MP_ORDER, so_to_jv(&seller));
		small_order buyer = so_from(o);
		buyer.amount = money_buyer_amount(o->amount, o->fee);
		fx_order_msg(c, o->buyer_pubkey, MA_HOLD_INVOICE_PAYMENT_ACCEPTED, o->id, RID, OPT_NONE, MP_ORDER,
			     so_to_jv(&buyer));
		fx_log(c, "order %s: waiting-buyer-invoice -> active", o->id);
		return out_done();
	}
	/* any failure inside show_hold_invoice is silent from here */
	outcome r = show_hold_invoice(c, o, o->buyer_pubkey, o->seller_pubkey, NULL, ORIGIN_ADD_INVOICE);
	return r.kind == OUT_DONE || r.kind == OUT_INTERNAL ? r : out_silent(r.why);
}

/* ------------------------------------------------------------ §1.4 step 2 */

static hold_origin origin_of(jv ctx)
{
	const char *s = json_get_str(ctx, "origin", NULL);
	for (int i = 0; s && i < 3; i++)
		if (strcmp(s, origin_names[i]) == 0)
			return (hold_origin)i;
	return ORIGIN_TAKE_BUY;
}

/* A CantDo for the request that started an intent (the take-sell CAS loss). */
static void cant_do_to_requester(order_ctx *c, jv ctx, cant_do reason)
{
	const char *sender = json_get_str(ctx, "sender", NULL);
	const char *id = json_get_str(ctx, "msg_id", NULL);
	if (sender)
		fx_msg(c, sender, MOSTRO_CH_CANT_DO, MA_CANT_DO, id, RID, OPT_NONE, MP_CANT_DO,
		       jv_string(cant_do_name(reason)));
}

/* The rest of show_hold_invoice once the node created the invoice. */
static outcome hold_created(order_ctx *c, const ln_intent *i, jv ctx, const char *bolt11)
{
	order_row o;
	order_row_init(&o);
	char err[160];
	jv row = json_get(ctx, "row");
	bool ok = order_row_from_jv(&o, row, err, sizeof err);
	jv_free(row);
	if (!ok) {
		order_row_free(&o);
		fx_log(c, "intent ln%lld: %s", (long long)i->seq, err);
		return out_internal("intent context");
	}
	hold_origin origin = origin_of(ctx);
	o.status = OS_WAITING_PAYMENT;
	o.taken_at = c->now;        /* the seller's duty starts now (§3.2) */
	fx_publish_order(c, &o, OS_WAITING_PAYMENT);
	order_status guard[3] = {OS_PENDING, OS_WAITING_TAKER_BOND, OS_WAITING_BUYER_INVOICE};
	order_db_err e = order_save_if(c->db, &o, guard, origin == ORIGIN_ADD_INVOICE ? 3 : 2);
	if (e == ODB_CONFLICT) {
		/* the order left the pre-trade window meanwhile: cancel the orphan,
		 * republish what won, refuse (take-buy and add-invoice: silent [quirk §11.9]) */
		fx_ln(c, "cancel_hold_invoice", jv_object_set(jv_object(), jv_string("hash"), jv_string(o.hash)),
		      o.id, o.hash, "cancel_invoice", jv_object_set(jv_object(), jv_string("then"), jv_string("orphan")));
		order_row cur;
		order_row_init(&cur);
		if (order_load(c->db, o.id, &cur) == ODB_OK) {
			fx_publish_order(c, &cur, cur.status);
			order_save(c->db, &cur);
		}
		order_row_free(&cur);
		if (origin == ORIGIN_TAKE_SELL)
			cant_do_to_requester(c, ctx, CD_NOT_ALLOWED_BY_STATUS);
		fx_log(c, "order %s: hold invoice created but the order moved on (CAS lost)", o.id);
		order_row_free(&o);
		return out_done();
	}
	if (e != ODB_OK) {
		order_row_free(&o);
		return out_internal(order_db_errmsg(c->db));
	}
	small_order so = so_new_order(&o);
	so.status = OS_WAITING_PAYMENT;
	so.amount = money_seller_amount(o.amount, o.fee);
	so.buyer_invoice = NULL;
	jv pr = jv_array_append(jv_array_append(jv_array_append(jv_array(), so_to_jv(&so)), jv_string(bolt11)), jv_null());
	fx_order_msg(c, o.seller_pubkey, MA_PAY_INVOICE, o.id, RID, o.trade_index_seller, MP_PAYMENT_REQUEST, pr);
	fx_order_msg(c, o.buyer_pubkey, MA_WAITING_SELLER_TO_PAY, o.id, RID, o.trade_index_buyer, MP_NONE, jv_null());
	jv wctx = jv_object();
	if (c->has_rid)
		wctx = jv_object_set(wctx, jv_string("rid"), json_from_u64(c->rid));
	fx_ln(c, "watch_invoice", jv_object_set(jv_object(), jv_string("hash"), jv_string(o.hash)), o.id, o.hash,
	      "hold_watch", wctx);
	fx_log(c, "order %s: %s -> waiting-payment", o.id, origin_names[origin]);
	order_row_free(&o);
	return out_done();
}

static outcome on_hold_created(order_ctx *c, const ln_intent *i, jv ctx, bool ok, jv res)
{
	ctx_restore_request(c, ctx);
	if (ok) {
		const char *bolt11 = json_get_str(res, "payment_request", NULL);
		if (!bolt11)
			return out_internal("create_hold_invoice result without payment_request");
		return hold_created(c, i, ctx, bolt11);
	}
	const char *kind = json_get_str(res, "kind", NULL);
	kind = kind ? kind : "";
	jv params = json_get(ctx, "params");
	if (strcmp(kind, "already_exists") == 0 && strcmp(i->op, "create_hold_invoice") == 0) {
		/* a retry after an unknown outcome: the node has it; fetch its bolt11 */
		jv_free(params);
		fx_ln(c, "lookup_invoice", jv_object_set(jv_object(), jv_string("hash"), jv_string(i->hash)),
		      i->order_id, i->hash, "hold_created", jv_copy(ctx));
		return out_done();
	}
	if ((strcmp(kind, "transport") == 0 || strcmp(kind, "timeout") == 0) && jv_is_valid(params)) {
		/* the node may or may not hold it: ask again with the same preimage */
		jv tries = json_get(ctx, "tries");
		int64_t n = 0;
		json_get_i64(tries, &n);
		jv_free(tries);
		if (n < 3) {
			jv nctx = jv_object_set(jv_copy(ctx), jv_string("tries"), json_from_i64(n + 1));
			fx_ln(c, "create_hold_invoice", params, i->order_id, i->hash, "hold_created", nctx);
			fx_log(c, "order %s: hold invoice outcome unknown (%s), asking again", i->order_id, kind);
			return out_done();
		}
		fx_ln(c, "cancel_hold_invoice", jv_object_set(jv_object(), jv_string("hash"), jv_string(i->hash)),
		      i->order_id, i->hash, "cancel_invoice", jv_object_set(jv_object(), jv_string("then"), jv_string("orphan")));
	}
	jv_free(params);
	/* mostrod: HoldInvoiceError, internal: the take fails silently, the order is untouched */
	fx_log(c, "order %s: hold invoice not created (%s): %s", i->order_id ? i->order_id : "-", kind,
	       json_get_str(res, "message", NULL) ? json_get_str(res, "message", NULL) : "");
	return out_done();
}

const ln_step step_hold_created = {"hold_created", NULL, on_hold_created};

/* --------------------------------------------------------------- §1.5 */

/* flow::hold_invoice_paid: the seller's HTLC is held. */
static void hold_paid(order_ctx *c, const char *hash)
{
	order_row o;
	order_row_init(&o);
	if (order_load_by_hash(c->db, hash, &o) != ODB_OK) {
		fx_log(c, "hold invoice %s accepted: no order", hash);
		order_row_free(&o);
		return;
	}
	bool pre_payment = o.status == OS_WAITING_PAYMENT || o.status == OS_WAITING_BUYER_INVOICE;
	if (!pre_payment || o.invoice_held_at != 0) {
		fx_log(c, "order %s: ignoring hold-invoice payment (status %s, invoice_held_at %lld); "
		       "the invoice %s may still be locked", o.id, order_status_name(o.status),
		       (long long)o.invoice_held_at, hash);
		order_row_free(&o);
		return;
	}
	if (!o.buyer_pubkey || !o.seller_pubkey) {
		fx_log(c, "order %s: hold invoice accepted but a trade key is missing", o.id);
		order_row_free(&o);
		return;
	}
	small_order data = so_from(&o);
	data.status = -1;
	data.buyer_invoice = NULL;
	order_status next;
	if (o.buyer_invoice) {
		next = OS_ACTIVE;
		data.status = OS_ACTIVE;
		small_order seller = data;
		seller.amount = money_seller_amount(o.amount, o.fee);
		fx_order_msg(c, o.seller_pubkey, MA_BUYER_TOOK_ORDER, o.id, RID, OPT_NONE, MP_ORDER, so_to_jv(&seller));
		small_order buyer = data;
		buyer.amount = money_buyer_amount(o.amount, o.fee);
		fx_order_msg(c, o.buyer_pubkey, MA_HOLD_INVOICE_PAYMENT_ACCEPTED, o.id, RID, OPT_NONE, MP_ORDER,
			     so_to_jv(&buyer));
	} else {
		next = OS_WAITING_BUYER_INVOICE;
		data.amount = money_buyer_amount(o.amount, o.fee);
		data.status = OS_WAITING_BUYER_INVOICE;
		data.buyer_trade_pubkey = NULL;
		data.seller_trade_pubkey = NULL;
		o.taken_at = c->now;     /* the buyer's duty starts now (§3.2) */
		fx_order_msg(c, o.buyer_pubkey, MA_ADD_INVOICE, o.id, RID, OPT_NONE, MP_ORDER, so_to_jv(&data));
		fx_order_msg(c, o.seller_pubkey, MA_WAITING_BUYER_INVOICE, o.id, RID, OPT_NONE, MP_NONE, jv_null());
		if (!notify_taker_reputation(c, &o)) {
			fx_log(c, "order %s: taker reputation notice failed; order not advanced", o.id);
			order_row_free(&o);
			return;
		}
	}
	fx_publish_order(c, &o, next);
	o.invoice_held_at = c->now;
	if (order_save(c->db, &o) != ODB_OK)
		fx_log(c, "order %s: %s", o.id, order_db_errmsg(c->db));
	else
		fx_log(c, "order %s: hold invoice accepted -> %s", o.id, order_status_name(next));
	order_row_free(&o);
}

/* Did the engine ask the node to cancel this invoice (an intent still open)? */
static bool cancel_in_flight(order_ctx *c, const char *hash)
{
	sqlite3_stmt *st = order_db_prepared(c->db, "SELECT 1 FROM ln_intents WHERE state = 'open' AND "
					     "op = 'cancel_hold_invoice' AND hash = ?1");
	if (!st)
		return false;
	sqlite3_bind_text(st, 1, hash, -1, SQLITE_STATIC);
	bool open = sqlite3_step(st) == SQLITE_ROW;
	order_db_done(c->db, st);
	return open;
}

/* §4.3 / flow::hold_invoice_canceled: only past the guardian's deadline is a
 * cancel of an escrow-backed order an alarm; otherwise we canceled it (also
 * when our cancel_hold_invoice is still waiting for its answer). */
static void hold_canceled(order_ctx *c, const char *hash)
{
	order_row o;
	order_row_init(&o);
	if (order_load_by_hash(c->db, hash, &o) != ODB_OK) {
		order_row_free(&o);
		return;
	}
	int64_t delta = c->cfg->hold_invoice_cltv_delta, margin = c->cfg->escrow_deadline_margin_blocks;
	if (margin >= delta)
		margin = delta / 2;
	int64_t window = (delta - margin) * 600;
	bool escrow = o.status == OS_ACTIVE || o.status == OS_FIAT_SENT || o.status == OS_DISPUTE;
	bool past = o.invoice_held_at != 0 && c->now >= o.invoice_held_at + window;
	if (!escrow || !past || cancel_in_flight(c, hash)) {
		/* (our own cancel, its answer not in yet: the cancel's continuation
		 * finishes the order, §3.2/§3.3/admin-cancel) */
		fx_log(c, "order %s: hold invoice %s canceled", o.id, hash);
		order_row_free(&o);
		return;
	}
	fx_log(c, "order %s: hold invoice canceled while the order (%s) relies on its escrow: "
	       "refunded to the seller at the CLTV horizon, manual intervention required",
	       o.id, order_status_name(o.status));
	const char *parties[2] = {o.buyer_pubkey, o.seller_pubkey};
	for (int k = 0; k < 2; k++)
		if (parties[k])
			fx_order_msg(c, parties[k], MA_HOLD_INVOICE_PAYMENT_CANCELED, o.id, NO_RID, OPT_NONE, MP_NONE, jv_null());
	if (o.status == OS_ACTIVE) {
		const char *taker = o.kind == ORDER_BUY ? o.seller_pubkey : o.buyer_pubkey;
		fx_publish_order(c, &o, OS_CANCELED);
		order_save(c->db, &o);
		if (o.creator_pubkey && taker) {
			fx_order_msg(c, o.creator_pubkey, MA_CANCELED, o.id, NO_RID, OPT_NONE, MP_NONE, jv_null());
			fx_order_msg(c, taker, MA_CANCELED, o.id, NO_RID, OPT_NONE, MP_NONE, jv_null());
		}
	}
	order_row_free(&o);
}

static void on_watch_event(order_ctx *c, const ln_intent *i, jv ctx, jv ev)
{
	ctx_restore_request(c, ctx);
	const char *state = json_get_str(ev, "state", NULL);
	const char *hash = json_get_str(ev, "hash", NULL);
	if (!hash)
		hash = i->hash;
	if (!state || !hash)
		return;
	if (strcmp(state, "ACCEPTED") == 0)
		hold_paid(c, hash);
	else if (strcmp(state, "CANCELED") == 0)
		hold_canceled(c, hash);
	else
		fx_log(c, "hold invoice %s: %s", hash, state);
}

static outcome on_watch_result(order_ctx *c, const ln_intent *i, jv ctx, bool ok, jv res)
{
	if (!ok)
		fx_log(c, "watch of %s ended: %s", i->hash ? i->hash : "-", json_get_str(res, "kind", NULL) ?
		       json_get_str(res, "kind", NULL) : "error");
	return out_done();
}

const ln_step step_hold_watch = {"hold_watch", on_watch_event, on_watch_result};
