/* order_act_new.c — new-order (DAEMON.md §1.3 new-order, after its guards):
 * the order row, the 38383 `pending` revision and the maker's ack. */
#include <string.h>

#include "json.h"
#include "order_money.h"
#include "order_table.h"

static const char *so_str(order_ctx *c, const char *k, jv *hold)
{
	*hold = json_get(c->m->payload, k);
	return json_str(*hold, NULL);
}

static opt_i64 so_opt(order_ctx *c, const char *k)
{
	jv v = json_get(c->m->payload, k);
	opt_i64 o = OPT_NONE;
	if (jv_is_valid(v) && json_get_i64(v, &o.v))
		o.set = true;
	jv_free(v);
	return o;
}

static int64_t so_i64(order_ctx *c, const char *k)
{
	opt_i64 o = so_opt(c, k);
	return o.v;
}

/* prepare_new_order: the row as mostrod inserts it (status, id, created_at
 * and client-supplied ids ignored; fee only for priced orders). */
static void build_order(order_ctx *c, order_row *o)
{
	jv h;
	order_new_uuid(c, o->id);
	const char *kind = so_str(c, "kind", &h);
	o->kind = strcmp(kind, "buy") == 0 ? ORDER_BUY : ORDER_SELL;
	jv_free(h);
	o->status = OS_PENDING;
	str_set(&o->event_id, "");
	str_set(&o->creator_pubkey, c->in->sender);
	str_set(&o->payment_method, so_str(c, "payment_method", &h));
	jv_free(h);
	o->amount = so_i64(c, "amount");
	o->fee = o->amount > 0 ? money_fee(c->cfg->fee, o->amount) : 0;
	o->dev_fee = 0;           /* computed at take */
	str_set(&o->fiat_code, so_str(c, "fiat_code", &h));
	jv_free(h);
	o->min_amount = so_opt(c, "min_amount");
	o->max_amount = so_opt(c, "max_amount");
	o->fiat_amount = so_i64(c, "fiat_amount");
	o->premium = so_i64(c, "premium");
	str_set(&o->buyer_invoice, so_str(c, "buyer_invoice", &h));
	jv_free(h);
	o->created_at = c->now;
	opt_i64 exp = so_opt(c, "expires_at");
	o->expires_at = order_expires_at(exp.set, exp.v, c->now, c->cfg->expiration_hours,
					 c->cfg->max_expiration_days);
	/* the message's own trade_index, null when absent (publish_order) */
	opt_i64 ti = c->m->has_trade_index ? OPT_SOME(c->m->trade_index) : OPT_NONE;
	if (o->kind == ORDER_BUY) {
		str_set(&o->buyer_pubkey, c->in->sender);
		str_set(&o->master_buyer_pubkey, c->in->identity);
		o->trade_index_buyer = ti;
	} else {
		str_set(&o->seller_pubkey, c->in->sender);
		str_set(&o->master_seller_pubkey, c->in->identity);
		o->trade_index_seller = ti;
	}
	o->price_from_api = o->amount == 0;
}

outcome act_new_order(order_ctx *c)
{
	order_row o;
	order_row_init(&o);
	build_order(c, &o);
	if (order_insert(c->db, &o) != ODB_OK) {
		order_row_free(&o);
		return out_internal(order_db_errmsg(c->db));
	}
	/* [quirk §1.3] the row is in before the tags: if they cannot be built
	 * the order stays pending with an empty event id and no ack. */
	outcome r = fx_publish_order(c, &o, OS_PENDING);
	if (r.kind != OUT_DONE) {
		order_row_free(&o);
		return r;
	}
	if (order_save(c->db, &o) != ODB_OK) {
		order_row_free(&o);
		return out_internal(order_db_errmsg(c->db));
	}
	small_order so = so_new_order(&o);
	fx_order_msg(c, c->in->sender, MA_NEW_ORDER, o.id, RID,
		     c->m->has_trade_index ? OPT_SOME(c->m->trade_index) : OPT_NONE, MP_ORDER, so_to_jv(&so));
	fx_log(c, "%s: order %s created (%s)", c->in->event_id, o.id, order_kind_name(o.kind));
	order_row_free(&o);
	return out_done();
}
