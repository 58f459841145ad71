/* order_act_admin.c — a solver (or Mostro's own key) closes a dispute:
 * admin-settle (the buyer gets the sats) and admin-cancel (the seller gets
 * them back), and Mostro registers solvers (admin-add-solver). DAEMON.md §6.
 *
 * The escrow moves first: the handler records a settle_hold_invoice or
 * cancel_hold_invoice intent and the rest runs in its continuation once the
 * node confirms, in mostrod's order (a refused settlement or cancel aborts
 * silently, as in mostrod; an answer of unknown outcome is asked again until
 * the node says). Until then the order is busy (the escrow lock,
 * lib/order_engine.h): a second admin action, a release or a cancel about
 * it waits for the outcome and is then decided as mostrod, which settles
 * and cancels synchronously, decides it after the first (admin-cancel after
 * a settlement: not_allowed_by_status). admin-settle then pays the buyer with the
 * release's payout (payout_start, lib/order_act_payout.c): one claim per
 * order, so a buyer is never paid twice.
 *
 * Deviation: mostrod's admin-settle stops with an internal error after the
 * order is settled when the order's dispute flags are both or neither set,
 * so the buyer is never told nor paid (mostro#806's class of bug); here the
 * dispute's 38386 says initiator "unknown" (as the auto-close does) and the
 * settlement goes on. admin-cancel keeps mostrod's silent abort [quirk]:
 * the hold invoice is already canceled then, nobody is paid. */
#include <string.h>

#include "json.h"
#include "order_table.h"

/* The request's trade_index, echoed by these replies (ti echo). */
static opt_i64 request_ti(const order_ctx *c)
{
	return c->m->has_trade_index ? OPT_SOME(c->m->trade_index) : OPT_NONE;
}

static opt_i64 ctx_ti(jv ctx)
{
	jv t = json_get(ctx, "ti");
	int64_t v;
	opt_i64 r = json_get_i64(t, &v) ? OPT_SOME(v) : OPT_NONE;
	jv_free(t);
	return r;
}

/* What the continuation needs of the request: who asked (trade key and
 * identity), request_id and trade_index, the order's status and hash. */
static jv admin_ctx(order_ctx *c, const char *origin)
{
	jv ctx = jv_object_set(jv_object(), jv_string("origin"), jv_string(origin));
	ctx = jv_object_set(ctx, jv_string("identity"), jv_string(c->in->identity));
	if (c->m->has_trade_index)
		ctx = jv_object_set(ctx, jv_string("ti"), json_from_i64(c->m->trade_index));
	return ctx_with_request(c, ctx);
}

/* Common check #4: an order the parties canceled cooperatively is answered
 * cooperative-cancel-accepted on the caller's IDENTITY key, and nothing else. */
static outcome coop_already(order_ctx *c)
{
	fx_order_msg(c, c->in->identity, MA_COOPERATIVE_CANCEL_ACCEPTED, c->order.id, RID, request_ti(c), MP_NONE,
		     jv_null());
	fx_log(c, "order %s: %s on a cooperatively canceled order: cooperative-cancel-accepted",
	       c->order.id, mostro_action_names[c->m->action]);
	return out_done();
}

/* ------------------------------------------------------------- admin-settle */

outcome act_admin_settle(order_ctx *c)
{
	order_row *o = &c->order;
	if (o->status == OS_COOPERATIVELY_CANCELED)
		return coop_already(c);
	outcome r = guards_run(c, admin_settle_late_guards, admin_settle_late_count);
	if (r.kind != OUT_DONE)
		return r;
	if (!fx_ln(c, "settle_hold_invoice", jv_object_set(jv_object(), jv_string("preimage"), jv_string(o->preimage)),
		   o->id, o->hash, "admin_settled", admin_ctx(c, "admin-settle")))
		return out_internal("intent");
	fx_log(c, "order %s: settlement of the hold invoice requested (admin-settle by %s)", o->id, c->in->identity);
	return out_done();
}

static outcome on_admin_settled(order_ctx *c, const ln_intent *i, jv ctx, bool ok, jv res)
{
	ctx_restore_request(c, ctx);
	if (!ok) {
		fx_log(c, "order %s: settlement failed (%s): admin-settle not done", i->order_id ? i->order_id : "-",
		       json_get_str(res, "kind", NULL) ? json_get_str(res, "kind", NULL) : "error");
		return out_done();
	}
	if (!i->order_id || !ctx_load_order(c, i->order_id))
		return out_silent("settled order vanished");
	order_row *o = &c->order;
	if (o->status != OS_DISPUTE) {
		fx_log(c, "order %s not transitioned to settled-hold-invoice: status is %s", o->id,
		       order_status_name(o->status));
		return out_done();
	}
	static const order_status from[] = {OS_DISPUTE};
	fx_publish_order(c, o, OS_SETTLED_HOLD_INVOICE);
	order_db_err e = order_save_if(c->db, o, from, 1);
	if (e == ODB_CONFLICT) {
		fx_log(c, "order %s not transitioned to settled-hold-invoice: status changed", o->id);
		return out_done();
	}
	if (e != ODB_OK)
		return out_internal(order_db_errmsg(c->db));
	fx_log(c, "order %s: dispute -> settled-hold-invoice (admin-settle)", o->id);
	order_close_dispute(c, o, DS_SETTLED);
	opt_i64 ti = ctx_ti(ctx);
	fx_order_msg(c, json_get_str(ctx, "sender", NULL), MA_ADMIN_SETTLED, o->id, RID, ti, MP_NONE, jv_null());
	if (o->seller_pubkey)
		fx_order_msg(c, o->seller_pubkey, MA_ADMIN_SETTLED, o->id, NO_RID, ti, MP_NONE, jv_null());
	if (o->buyer_pubkey)
		fx_order_msg(c, o->buyer_pubkey, MA_ADMIN_SETTLED, o->id, NO_RID, ti, MP_NONE, jv_null());
	/* do_payment, as the release does; its purchase-completed and rate
	 * carry this request's id */
	return payout_start(c, o);
}

const ln_step step_admin_settled = {"admin_settled", NULL, on_admin_settled};

/* ------------------------------------------------------------- admin-cancel */

/* After the hold invoice is gone (or there was none). */
static outcome admin_cancel_finish(order_ctx *c, order_row *o, const char *sender, opt_i64 ti)
{
	if (!(o->seller_dispute ^ o->buyer_dispute))
		return out_silent("§6 admin-cancel: the order's dispute flags are both or neither set "
				  "(the hold invoice is already canceled) [quirk]");
	order_close_dispute(c, o, DS_SELLER_REFUNDED);
	order_status was = o->status;
	outcome r = fx_publish_order(c, o, OS_CANCELED_BY_ADMIN);
	if (r.kind == OUT_INTERNAL)
		return r;
	if (order_save(c->db, o) != ODB_OK)
		return out_internal(order_db_errmsg(c->db));
	fx_log(c, "order %s: %s -> canceled-by-admin", o->id, order_status_name(was));
	fx_order_msg(c, sender, MA_ADMIN_CANCELED, o->id, RID, ti, MP_NONE, jv_null());
	if (!o->seller_pubkey || !o->buyer_pubkey)
		return out_silent("§6 admin-cancel: a party's trade key is missing");
	fx_order_msg(c, o->seller_pubkey, MA_ADMIN_CANCELED, o->id, RID, ti, MP_NONE, jv_null());
	fx_order_msg(c, o->buyer_pubkey, MA_ADMIN_CANCELED, o->id, RID, ti, MP_NONE, jv_null());
	return out_done();
}

outcome act_admin_cancel(order_ctx *c)
{
	order_row *o = &c->order;
	if (o->status == OS_COOPERATIVELY_CANCELED)
		return coop_already(c);
	outcome r = guards_run(c, admin_cancel_late_guards, admin_cancel_late_count);
	if (r.kind != OUT_DONE)
		return r;
	if (!o->hash)
		return admin_cancel_finish(c, o, c->in->sender, request_ti(c));
	/* the funds go back to the seller first */
	if (!fx_ln(c, "cancel_hold_invoice", jv_object_set(jv_object(), jv_string("hash"), jv_string(o->hash)),
		   o->id, o->hash, "admin_canceled", admin_ctx(c, "admin-cancel")))
		return out_internal("intent");
	fx_log(c, "order %s: hold invoice cancel requested (admin-cancel by %s)", o->id, c->in->identity);
	return out_done();
}

static outcome on_admin_canceled(order_ctx *c, const ln_intent *i, jv ctx, bool ok, jv res)
{
	ctx_restore_request(c, ctx);
	if (!ok) {
		fx_log(c, "order %s: hold invoice cancel failed (%s): admin-cancel not done",
		       i->order_id ? i->order_id : "-",
		       json_get_str(res, "kind", NULL) ? json_get_str(res, "kind", NULL) : "error");
		return out_done();
	}
	if (!i->order_id || !ctx_load_order(c, i->order_id))
		return out_silent("canceled order vanished");
	order_row *o = &c->order;
	const char *sender = json_get_str(ctx, "sender", NULL);
	if (o->status != OS_DISPUTE || !str_eq(o->hash, i->hash) || !sender) {
		fx_log(c, "order %s: changed while its hold invoice was canceled (admin-cancel not finished)", o->id);
		return out_done();
	}
	return admin_cancel_finish(c, o, sender, ctx_ti(ctx));
}

const ln_step step_admin_canceled = {"admin_canceled", NULL, on_admin_canceled};

/* -------------------------------------------------------- admin-add-solver */

outcome act_admin_add_solver(order_ctx *c)
{
	char key[65];
	int64_t category = 2;
	const char *text = json_str(c->m->payload, NULL);
	if (solver_text_parse(text, key, &category) != SOLVER_TEXT_OK)
		return out_silent("§6 admin-add-solver: payload");
	/* User::new(pubkey, is_admin 0, is_solver 1, is_banned 0, category, trade_index) */
	user_row u;
	user_row_init(&u);
	memcpy(u.pubkey, key, sizeof u.pubkey);
	u.is_solver = true;
	u.category = category;
	u.last_trade_index = c->m->has_trade_index ? c->m->trade_index : 0;
	u.created_at = c->now;
	order_db_err e = user_insert(c->db, &u);
	user_row_free(&u);
	if (e == ODB_CONFLICT)
		return out_silent("§6 admin-add-solver: the key has a users row already");
	if (e != ODB_OK)
		return out_internal(order_db_errmsg(c->db));
	fx_msg(c, c->in->sender, MOSTRO_CH_DISPUTE, MA_ADMIN_ADD_SOLVER, NULL, RID, OPT_NONE, MP_NONE, jv_null());
	fx_log(c, "solver %s added (%s)", key, category == 1 ? "read" : "read-write");
	return out_done();
}
