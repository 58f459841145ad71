/* order_act_cancel.c — cancel (DAEMON.md §1.3 cancel table): the matrix of
 * lib/order_table.c picks the cell, these are its handlers.
 *
 * Where mostrod cancels the hold invoice before going on (and gives up
 * silently when LND refuses), the handler records a cancel_hold_invoice
 * intent and the rest runs in its continuation once the node confirms, in
 * mostrod's order; where mostrod saves first (the maker's cancel of a taken
 * order) the handler saves first. While the cancel is in flight the order
 * is busy (the escrow lock, lib/order_engine.h): the seller's payment, an
 * add-invoice or a release about it wait for the node's answer, so the
 * continuation finds the order as the handler left it; an answer of unknown
 * outcome is asked again by the loop and never reaches the continuation. */
#include <string.h>

#include "json.h"
#include "order_table.h"

outcome act_cancel(order_ctx *c)
{
	cancel_role role = cancel_role_of(&c->order, c->in->sender);
	const cancel_cell *cell = &cancel_matrix[c->order.status][role];
	switch (cell->kind) {
	case OUT_DONE:
		return cell->fn(c);
	case OUT_CANT_DO:
		return out_cant(cell->reason, cell->ref);
	default:
		return out_silent(cell->ref);
	}
}

/* The taker's trade key: the side that is not the creator. */
static const char *taker_of(const order_row *o)
{
	return str_eq(o->creator_pubkey, o->seller_pubkey) ? o->buyer_pubkey : o->seller_pubkey;
}

/* Cancels the hold invoice, then runs the cancel `then` in the continuation. */
static outcome cancel_invoice_then(order_ctx *c, order_row *o, const char *then, jv extra)
{
	jv ctx = jv_object_set(jv_is_valid(extra) ? extra : jv_object(), jv_string("then"), jv_string(then));
	ctx = jv_object_set(ctx, jv_string("status"), jv_string(order_status_name(o->status)));
	ctx = ctx_with_request(c, ctx);
	if (!fx_ln(c, "cancel_hold_invoice", jv_object_set(jv_object(), jv_string("hash"), jv_string(o->hash)),
		   o->id, o->hash, "cancel_invoice", ctx))
		return out_internal("intent");
	fx_log(c, "order %s: hold invoice cancel requested (%s)", o->id, then);
	return out_done();
}

/* ------------------------------------------------------- pending x maker */

outcome cancel_pending_by_maker(order_ctx *c)
{
	order_row *o = &c->order;
	fx_publish_order(c, o, OS_CANCELED);
	static const order_status pre[] = {OS_PENDING, OS_WAITING_TAKER_BOND};
	order_db_err e = order_save_if(c->db, o, pre, 2);
	if (e == ODB_CONFLICT) {
		order_row cur;
		order_row_init(&cur);
		if (order_load(c->db, o->id, &cur) == ODB_OK)
			fx_publish_order(c, &cur, cur.status);
		order_row_free(&cur);
		return out_cant(CD_NOT_ALLOWED_BY_STATUS, "cancel lost its compare-and-swap");
	}
	if (e != ODB_OK)
		return out_internal(order_db_errmsg(c->db));
	fx_order_msg(c, c->in->sender, MA_CANCELED, o->id, RID, OPT_NONE, MP_NONE, jv_null());
	fx_log(c, "order %s: pending -> canceled (maker)", o->id);
	return out_done();
}

/* ---------------------------------------------------- waiting-* x maker */

static void maker_cancel_messages(order_ctx *c, const char *id, const char *maker, const char *taker)
{
	fx_order_msg(c, maker, MA_CANCELED, id, RID, OPT_NONE, MP_NONE, jv_null());
	fx_order_msg(c, taker, MA_CANCELED, id, NO_RID, OPT_NONE, MP_NONE, jv_null());
}

outcome cancel_by_maker(order_ctx *c)
{
	order_row *o = &c->order;
	char taker[65];
	snprintf(taker, sizeof taker, "%s", taker_of(o));
	order_status was = o->status;
	fx_publish_order(c, o, OS_CANCELED);
	if (order_save(c->db, o) != ODB_OK)
		return out_internal(order_db_errmsg(c->db));
	fx_log(c, "order %s: %s -> canceled (maker)", o->id, order_status_name(was));
	if (o->hash)
		return cancel_invoice_then(c, o, "maker", jv_object_set(jv_object(), jv_string("taker"), jv_string(taker)));
	maker_cancel_messages(c, o->id, c->in->sender, taker);
	return out_done();
}

/* ------------------------------------------------------- * x taker */

/* cancel_order_by_taker_inner after the hold invoice is gone. */
static outcome taker_cancel_finish(order_ctx *c, order_row *o, const char *taker)
{
	fx_order_msg(c, taker, MA_CANCELED, o->id, RID, OPT_NONE, MP_NONE, jv_null());
	if (o->price_from_api) {          /* reset_api_quotes: reprice at the next take */
		o->amount = 0;
		o->fee = 0;
		o->dev_fee = 0;
	}
	/* update_order_to_initial_state [quirk §11.8: a range's taken fiat_amount
	 * and the taker's trade index stay] */
	o->status = OS_PENDING;
	str_clear(&o->hash);
	str_clear(&o->preimage);
	str_clear(&o->buyer_invoice);
	o->taken_at = 0;
	o->invoice_held_at = 0;
	/* edit_pubkeys_order */
	if (o->kind == ORDER_BUY) {
		str_clear(&o->seller_pubkey);
		str_clear(&o->master_seller_pubkey);
	} else {
		str_clear(&o->buyer_pubkey);
		str_clear(&o->master_buyer_pubkey);
	}
	if (order_save(c->db, o) != ODB_OK)
		return out_internal(order_db_errmsg(c->db));
	/* the republished revision's event id is not stored (mostrod neither) */
	order_row pub;
	order_row_init(&pub);
	order_row_copy(&pub, o);
	outcome r = fx_publish_order(c, &pub, OS_PENDING);
	if (r.kind == OUT_DONE) {
		small_order so = so_from(&pub);
		fx_order_msg(c, pub.creator_pubkey, MA_NEW_ORDER, pub.id, RID, OPT_NONE, MP_ORDER, so_to_jv(&so));
		fx_log(c, "order %s: back to pending (taker canceled)", pub.id);
	}
	order_row_free(&pub);
	return r;
}

outcome cancel_by_taker(order_ctx *c)
{
	order_row *o = &c->order;
	if (o->hash)
		return cancel_invoice_then(c, o, "taker", jv_invalid());
	return taker_cancel_finish(c, o, c->in->sender);
}

/* ------------------------------------------ active/fiat-sent/dispute x party */

static outcome coop_finish(order_ctx *c, order_row *o, const char *sender, const char *counterparty)
{
	o->status = OS_COOPERATIVELY_CANCELED;
	if (order_save(c->db, o) != ODB_OK)
		return out_internal(order_db_errmsg(c->db));
	order_row pub;
	order_row_init(&pub);
	order_row_copy(&pub, o);
	fx_publish_order(c, &pub, OS_COOPERATIVELY_CANCELED);   /* event id not stored (mostrod neither) */
	order_row_free(&pub);
	fx_order_msg(c, sender, MA_COOPERATIVE_CANCEL_ACCEPTED, o->id, RID, OPT_NONE, MP_NONE, jv_null());
	fx_order_msg(c, counterparty, MA_COOPERATIVE_CANCEL_ACCEPTED, o->id, NO_RID, OPT_NONE, MP_NONE, jv_null());
	fx_log(c, "order %s: canceled cooperatively", o->id);
	order_close_dispute(c, o, DS_SELLER_REFUNDED);
	return out_done();
}

outcome cancel_cooperative(order_ctx *c)
{
	order_row *o = &c->order;
	const char *sender = c->in->sender;
	bool buyer = str_eq(sender, o->buyer_pubkey);
	const char *counterparty = buyer ? o->seller_pubkey : o->buyer_pubkey;
	if (buyer)
		o->buyer_cooperativecancel = true;
	else
		o->seller_cooperativecancel = true;
	if (o->cancel_initiator_pubkey) {
		/* the second party confirms; the initiator again (or a stale initiator) is refused */
		if (!str_eq(o->cancel_initiator_pubkey, counterparty))
			return out_cant(CD_INVALID_PUBKEY, "§1.3 cancel: the same initiator again");
		if (o->hash)
			return cancel_invoice_then(c, o, "coop", jv_object_set(jv_object(), jv_string("flag"),
				jv_string(buyer ? "buyer" : "seller")));
		char cp[65];
		snprintf(cp, sizeof cp, "%s", counterparty);
		return coop_finish(c, o, sender, cp);
	}
	str_set(&o->cancel_initiator_pubkey, sender);
	if (order_save(c->db, o) != ODB_OK)
		return out_internal(order_db_errmsg(c->db));
	fx_order_msg(c, sender, MA_COOPERATIVE_CANCEL_INITIATED_BY_YOU, o->id, RID, OPT_NONE, MP_NONE, jv_null());
	fx_order_msg(c, counterparty, MA_COOPERATIVE_CANCEL_INITIATED_BY_PEER, o->id, NO_RID, OPT_NONE, MP_NONE, jv_null());
	fx_log(c, "order %s: cooperative cancel initiated by the %s", o->id, buyer ? "buyer" : "seller");
	return out_done();
}

/* -------------------------------------------------- after CancelInvoice */

static outcome on_invoice_canceled(order_ctx *c, const ln_intent *i, jv ctx, bool ok, jv res)
{
	ctx_restore_request(c, ctx);
	const char *then = json_get_str(ctx, "then", NULL);
	then = then ? then : "";
	if (!ok) {
		/* mostrod: an LND error canceling aborts the cancel silently (a
		 * refusal: errors of unknown outcome were asked again) */
		fx_log(c, "order %s: hold invoice cancel failed (%s): %s not finished", i->order_id ? i->order_id : "-",
		       json_get_str(res, "kind", NULL) ? json_get_str(res, "kind", NULL) : "error", then);
		return out_done();
	}
	if (strcmp(then, "orphan") == 0 || !i->order_id)
		return out_done();
	if (!ctx_load_order(c, i->order_id))
		return out_done();
	order_row *o = &c->order;
	const char *sender = json_get_str(ctx, "sender", NULL);
	const char *seen = json_get_str(ctx, "status", NULL);
	if (strcmp(then, "maker") == 0) {
		const char *taker = json_get_str(ctx, "taker", NULL);
		if (sender && taker)
			maker_cancel_messages(c, o->id, sender, taker);
		return out_done();
	}
	/* the order must still be as the cancel saw it */
	if (!seen || strcmp(seen, order_status_name(o->status)) != 0 || !str_eq(o->hash, i->hash) || !sender) {
		fx_log(c, "order %s: changed while its hold invoice was canceled (%s not finished)", o->id, then);
		return out_done();
	}
	if (strcmp(then, "taker") == 0)
		return taker_cancel_finish(c, o, sender);
	if (strcmp(then, "coop") == 0) {
		const char *flag = json_get_str(ctx, "flag", NULL);
		bool buyer = flag && strcmp(flag, "buyer") == 0;
		const char *counterparty = buyer ? o->seller_pubkey : o->buyer_pubkey;
		if (!str_eq(o->cancel_initiator_pubkey, counterparty))
			return out_done();
		if (buyer)
			o->buyer_cooperativecancel = true;
		else
			o->seller_cooperativecancel = true;
		char cp[65];
		snprintf(cp, sizeof cp, "%s", counterparty);
		return coop_finish(c, o, sender, cp);
	}
	return out_done();
}

const ln_step step_cancel_invoice = {"cancel_invoice", NULL, on_invoice_canceled};
