/* order_act_session.c — the session actions (DAEMON.md §7): the maker
 * rotates its trade key (trade-pubkey, a compare-and-swap since
 * mostro#903), a client fetches its orders by id (orders), its last trade
 * index (last-trade-index), or everything it has in play (restore-session).
 *
 * restore-session answers in the same transaction: mostrod runs the query
 * in a background task and, when it has no result within an hour, sends a
 * restore message with a null payload; a query here never outlives its
 * input, so that case does not arise. Its status filter is mostro#882's
 * (hyphenated: canceled-by-admin and cooperatively-canceled orders are
 * left out), not 0.18.5's [quirk §11.6, fixed upstream]. */
#include <string.h>

#include "json.h"
#include "order_db_extra.h"
#include "order_table.h"

/* ------------------------------------------------------------ trade-pubkey */

outcome act_trade_pubkey(order_ctx *c)
{
	order_row *o = &c->order;
	order_db_err e = order_rotate_maker_key(c->db, o->id, o->kind, c->in->sender);
	if (e == ODB_CONFLICT)
		return out_cant(CD_NOT_ALLOWED_BY_STATUS, "§7 trade-pubkey: the order left the pre-trade window");
	if (e != ODB_OK)
		return out_internal(order_db_extra_errmsg(c->db));
	/* confirmed once the rotation is written (mostro#811) */
	fx_order_msg(c, c->in->sender, MA_TRADE_PUBKEY, o->id, RID, OPT_NONE, MP_NONE, jv_null());
	fx_log(c, "order %s: maker trade key rotated", o->id);
	return out_done();
}

/* ------------------------------------------------------------------ orders */

/* get_user_orders_by_id: the orders among the ids whose master buyer or
 * seller is the caller's identity, in request order, each once; SmallOrder
 * without buyer_invoice (the buyer's payment details stay private). */
static jv orders_of_caller(order_ctx *c)
{
	jv list = jv_array();
	jv ids = jv_copy(c->m->payload);
	int n = jv_get_kind(ids) == JV_KIND_ARRAY ? jv_array_length(jv_copy(ids)) : 0;
	for (int i = 0; i < n; i++) {
		jv id = jv_array_get(jv_copy(ids), i);
		const char *s = json_str(id, NULL);
		bool dup = false;
		for (int k = 0; s && k < i && !dup; k++) {
			jv prev = jv_array_get(jv_copy(ids), k);
			dup = json_str(prev, NULL) && strcmp(json_str(prev, NULL), s) == 0;
			jv_free(prev);
		}
		order_row o;
		order_row_init(&o);
		if (s && !dup && order_load(c->db, s, &o) == ODB_OK &&
		    (str_eq(o.master_buyer_pubkey, c->in->identity) || str_eq(o.master_seller_pubkey, c->in->identity))) {
			small_order so = so_from(&o);
			so.buyer_invoice = NULL;
			list = jv_array_append(list, so_to_jv(&so));
		}
		order_row_free(&o);
		jv_free(id);
	}
	jv_free(ids);
	return list;
}

bool g_orders_found(order_ctx *c)
{
	jv l = orders_of_caller(c);
	bool any = jv_array_length(l) > 0;
	return any;
}

outcome act_orders(order_ctx *c)
{
	jv list = orders_of_caller(c);
	int n = jv_array_length(jv_copy(list));
	fx_order_msg(c, c->in->sender, MA_ORDERS, NULL, RID, OPT_NONE, MP_ORDERS, list);
	fx_log(c, "%s: orders: %d of the caller's", c->in->event_id, n);
	return out_done();
}

/* -------------------------------------------------------- last-trade-index */

outcome act_last_trade_index(order_ctx *c)
{
	fx_msg(c, c->in->sender, MOSTRO_CH_RESTORE, MA_LAST_TRADE_INDEX, NULL, RID, OPT_SOME(c->user.last_trade_index),
	       MP_NONE, jv_null());
	return out_done();
}

/* --------------------------------------------------------- restore-session */

static bool add_order(const restored_order *r, void *arg)
{
	jv *list = arg;
	jv o = jv_object_set(jv_object(), jv_string("order_id"), jv_string(r->order_id));
	o = jv_object_set(o, jv_string("trade_index"), json_from_i64(r->trade_index));
	o = jv_object_set(o, jv_string("status"), jv_string(r->status));
	*list = jv_array_append(*list, o);
	return true;
}

static bool add_dispute(const restored_dispute *r, void *arg)
{
	jv *list = arg;
	jv o = jv_object_set(jv_object(), jv_string("dispute_id"), jv_string(r->dispute_id));
	o = jv_object_set(o, jv_string("order_id"), jv_string(r->order_id));
	o = jv_object_set(o, jv_string("trade_index"), json_from_i64(r->trade_index));
	o = jv_object_set(o, jv_string("status"), jv_string(r->status));
	o = jv_object_set(o, jv_string("initiator"), r->initiator ? jv_string(r->initiator) : jv_null());
	o = jv_object_set(o, jv_string("solver_pubkey"), r->solver_pubkey ? jv_string(r->solver_pubkey) : jv_null());
	*list = jv_array_append(*list, o);
	return true;
}

outcome act_restore_session(order_ctx *c)
{
	jv orders = jv_array(), disputes = jv_array();
	if (restore_orders_each(c->db, c->in->identity, add_order, &orders) != ODB_OK ||
	    restore_disputes_each(c->db, c->in->identity, add_dispute, &disputes) != ODB_OK) {
		jv_free(orders);
		jv_free(disputes);
		return out_internal(order_db_extra_errmsg(c->db));
	}
	int no = jv_array_length(jv_copy(orders)), nd = jv_array_length(jv_copy(disputes));
	jv data = jv_object_set(jv_object(), jv_string("orders"), orders);
	data = jv_object_set(data, jv_string("disputes"), disputes);
	fx_msg(c, c->in->sender, MOSTRO_CH_RESTORE, MA_RESTORE_SESSION, NULL, NO_RID, OPT_NONE, MP_RESTORE_DATA, data);
	fx_log(c, "%s: restore-session: %d orders, %d disputes", c->in->event_id, no, nd);
	return out_done();
}
