/* order_act_trade.c — fiat-sent and release (DAEMON.md §1.3), the range
 * child a release leaves (§2.4) and the dispute auto-close it implies (§6).
 *
 * release runs in two steps: the handler records a settle_hold_invoice
 * intent; only when the node confirms the settlement does the continuation
 * move the order to settled-hold-invoice and start the buyer payout, so a
 * buyer is never paid from an escrow that was not settled (mostrod: a failed
 * SettleInvoice aborts the release silently; the same holds here for the
 * node's refusals, while an error of unknown outcome is asked again until
 * the node says). Meanwhile the order is busy (the escrow lock): a
 * cooperative cancel or an admin action about it waits for the answer. */
#include <ctype.h>
#include <string.h>

#include "hex.h"
#include "json.h"
#include "keys.h"
#include "nip19.h"
#include "order_money.h"
#include "order_table.h"

/* ------------------------------------------------------------- fiat-sent */

outcome act_fiat_sent(order_ctx *c)
{
	order_row *o = &c->order;
	fx_publish_order(c, o, OS_FIAT_SENT);
	if (!o->seller_pubkey)
		return out_silent("seller key missing");
	fx_order_msg(c, o->seller_pubkey, MA_FIAT_SENT_OK, o->id, NO_RID, OPT_NONE, MP_PEER,
		     peer_jv(c->in->sender, jv_null()));
	fx_order_msg(c, c->in->sender, MA_FIAT_SENT_OK, o->id, RID, OPT_NONE, MP_PEER,
		     peer_jv(o->seller_pubkey, jv_null()));
	if (o->min_amount.set && o->max_amount.set && jv_is_valid(c->next_trade)) {
		/* the buyer-maker's next key for the range child (§2.4) */
		jv k = jv_array_get(jv_copy(c->next_trade), 0), i = jv_array_get(jv_copy(c->next_trade), 1);
		int64_t idx = 0;
		json_get_i64(i, &idx);
		str_set(&o->next_trade_pubkey, json_str(k, NULL));
		o->next_trade_index = OPT_SOME(idx);
		jv_free(k);
		jv_free(i);
	}
	if (order_save(c->db, o) != ODB_OK)
		return out_internal(order_db_errmsg(c->db));
	fx_log(c, "order %s: active -> fiat-sent", o->id);
	return out_done();
}

/* --------------------------------------------------------------- release */

outcome act_release(order_ctx *c)
{
	order_row *o = &c->order;
	jv ctx = jv_object_set(jv_object(), jv_string("origin"), jv_string("release"));
	if (jv_is_valid(c->next_trade))
		ctx = jv_object_set(ctx, jv_string("next_trade"), jv_copy(c->next_trade));
	ctx = ctx_with_request(c, ctx);
	if (!fx_ln(c, "settle_hold_invoice", jv_object_set(jv_object(), jv_string("preimage"), jv_string(o->preimage)),
		   o->id, o->hash, "release_settled", ctx))
		return out_internal("intent");
	fx_log(c, "order %s: settlement of the hold invoice requested (release)", o->id);
	return out_done();
}

/* PublicKey::from_str: 64 hex digits (any case) or an npub, a valid x-only key. */
static bool pubkey_normalize(const char *s, char out[65])
{
	uint8_t pk[32];
	size_t n = s ? strlen(s) : 0;
	if (n == 64 && hex_decode(pk, 32, s, n, false)) {
		if (!key_pubkey_valid(pk))
			return false;
		hex_encode(out, pk, 32);
		return true;
	}
	nip19 d;
	nip19_init(&d, NIP19_NPUB);
	bool ok = n && nip19_decode(s, n, &d, NULL, 0) == NIP19_OK && d.type == NIP19_NPUB &&
		  key_pubkey_valid(d.value);
	if (ok)
		hex_encode(out, d.value, 32);
	nip19_free(&d);
	return ok;
}

/* The §6 auto-close: any dispute row of the order takes `status` and its
 * 38386 is republished (close_dispute_after_user_resolution). */
void order_close_dispute(order_ctx *c, const order_row *o, dispute_status status)
{
	dispute_row d;
	dispute_row_init(&d);
	if (dispute_load_by_order(c->db, o->id, &d) == ODB_OK) {
		d.status = status;
		if (dispute_save(c->db, &d) == ODB_OK) {
			const char *initiator = o->seller_dispute && !o->buyer_dispute ? "seller"
				: o->buyer_dispute && !o->seller_dispute ? "buyer" : "unknown";
			fx_dispute_event(c, &d, initiator);
			fx_log(c, "dispute %s closed (%s) with order %s", d.id, dispute_status_name(status), o->id);
		}
	}
	dispute_row_free(&d);
}

/* §2.4: the remainder of a range order; false (logged) when there is none
 * or it cannot be made, which never stops the release. */
static void make_range_child(order_ctx *c, const order_row *parent, jv next_trade)
{
	range_child rc = money_range_child(parent->min_amount, parent->max_amount, parent->fiat_amount);
	if (!rc.make)
		return;
	/* the rating of the child's pending revision: the maker's identity row
	 * (the parent's master key), zeros without one */
	bool sell = parent->kind == ORDER_SELL;
	const char *maker_identity = sell ? parent->master_seller_pubkey : parent->master_buyer_pubkey;
	if (!maker_identity) {
		fx_log(c, "order %s: no range child (maker master key missing)", parent->id);
		return;
	}
	order_rating rating = {0};
	user_row u;
	user_row_init(&u);
	if (user_load(c->db, maker_identity, &u) == ODB_OK)
		rating = (order_rating){u.total_rating, u.total_reviews, u.created_at};
	user_row_free(&u);

	order_row ch;
	order_row_init(&ch);
	order_row_copy(&ch, parent);     /* everything copied, created_at and flags too [quirk §11.8] */
	order_new_uuid(c, ch.id);
	ch.status = OS_PENDING;
	ch.amount = 0;
	str_clear(&ch.hash);
	str_clear(&ch.preimage);
	str_clear(&ch.buyer_invoice);
	ch.taken_at = 0;
	ch.invoice_held_at = 0;
	str_set(&ch.range_parent_id, parent->id);
	str_clear(&ch.next_trade_pubkey);
	ch.next_trade_index = OPT_NONE;
	if (sell) {
		str_clear(&ch.buyer_pubkey);
		str_clear(&ch.master_buyer_pubkey);
		ch.trade_index_buyer = OPT_NONE;
	} else {
		str_clear(&ch.seller_pubkey);
		str_clear(&ch.master_seller_pubkey);
		ch.trade_index_seller = OPT_NONE;
	}
	ch.fiat_amount = rc.fiat_amount;
	ch.min_amount = rc.min_amount;
	ch.max_amount = rc.max_amount;

	/* handle_child_order: the maker side's next key */
	bool buyer_full_privacy = str_eq(parent->buyer_pubkey, parent->master_buyer_pubkey);
	bool seller_full_privacy = str_eq(parent->seller_pubkey, parent->master_seller_pubkey);
	char key[65];
	opt_i64 index;
	const char *why = NULL;
	if (!sell && str_eq(parent->buyer_pubkey, parent->creator_pubkey)) {
		if (!parent->next_trade_pubkey)
			why = "next trade buyer pubkey is missing (no next_trade at fiat-sent)";
		else if (!pubkey_normalize(parent->next_trade_pubkey, key))
			why = "next trade pubkey invalid";
		else {
			/* mostrod stores the key as the buyer sent it; the DM goes to its parse */
			str_set(&ch.buyer_pubkey, parent->next_trade_pubkey);
			ch.trade_index_buyer = parent->next_trade_index;
			str_set(&ch.creator_pubkey, parent->next_trade_pubkey);
			str_set(&ch.master_buyer_pubkey, buyer_full_privacy ? parent->next_trade_pubkey : parent->master_buyer_pubkey);
			index = parent->next_trade_index;
		}
	} else if (sell && str_eq(parent->seller_pubkey, parent->creator_pubkey)) {
		jv k = jv_is_valid(next_trade) ? jv_array_get(jv_copy(next_trade), 0) : jv_invalid();
		jv n = jv_is_valid(next_trade) ? jv_array_get(jv_copy(next_trade), 1) : jv_invalid();
		int64_t idx = 0;
		if (!jv_is_valid(k))
			why = "next trade seller pubkey is missing (release without next_trade)";
		else if (!pubkey_normalize(json_str(k, NULL), key))
			why = "next trade pubkey invalid";
		else {
			json_get_i64(n, &idx);
			str_set(&ch.seller_pubkey, key);
			ch.trade_index_seller = OPT_SOME(idx);
			str_set(&ch.creator_pubkey, key);
			str_set(&ch.master_seller_pubkey, seller_full_privacy ? key : parent->master_seller_pubkey);
			index = OPT_SOME(idx);
		}
		jv_free(k);
		jv_free(n);
	} else {
		why = "invalid order type or creator";
	}
	if (why) {
		fx_log(c, "order %s: no range child: %s", parent->id, why);
		order_row_free(&ch);
		return;
	}
	/* the child's event is built first (it stamps event_id), the row
	 * inserted, the maker told, then the event published */
	order_row pub;
	order_row_init(&pub);
	order_row_copy(&pub, &ch);
	if (order_insert(c->db, &ch) != ODB_OK) {
		fx_log(c, "order %s: no range child: %s", parent->id, order_db_errmsg(c->db));
		order_row_free(&ch);
		order_row_free(&pub);
		return;
	}
	small_order so = so_new_order(&ch);
	fx_order_msg(c, key, MA_NEW_ORDER, ch.id, RID, index, MP_ORDER, so_to_jv(&so));
	fx_publish_order_rated(c, &pub, OS_PENDING, &rating);
	str_set(&ch.event_id, pub.event_id);
	order_save(c->db, &ch);
	fx_log(c, "order %s: range child %s (%s %lld..%lld)", parent->id, ch.id, rc.fixed ? "fixed" : "range",
	       (long long)(rc.fixed ? rc.fiat_amount : rc.min_amount.v), (long long)(rc.fixed ? rc.fiat_amount : rc.max_amount.v));
	order_row_free(&ch);
	order_row_free(&pub);
}

/* After SettleInvoice: the rest of release_action. */
static outcome on_release_settled(order_ctx *c, const ln_intent *i, jv ctx, bool ok, jv res)
{
	ctx_restore_request(c, ctx);
	if (!ok) {
		/* mostrod: an LND error settling is silent; the order stays as it was
		 * (a refusal: errors of unknown outcome were asked again) */
		fx_log(c, "order %s: settlement failed (%s): release not done", i->order_id ? i->order_id : "-",
		       json_get_str(res, "kind", NULL) ? json_get_str(res, "kind", NULL) : "error");
		return out_done();
	}
	if (!i->order_id || !ctx_load_order(c, i->order_id))
		return out_silent("released order vanished");
	order_row *o = &c->order;
	static const order_status from[] = {OS_FIAT_SENT, OS_DISPUTE};
	if (o->status != OS_FIAT_SENT && o->status != OS_DISPUTE) {
		fx_log(c, "order %s not transitioned to settled-hold-invoice: status is %s", o->id,
		       order_status_name(o->status));
		return out_done();
	}
	fx_publish_order(c, o, OS_SETTLED_HOLD_INVOICE);
	if (order_save_if(c->db, o, from, 2) != ODB_OK)
		return out_internal(order_db_errmsg(c->db));
	fx_log(c, "order %s: %s -> settled-hold-invoice", o->id, "released");
	order_close_dispute(c, o, DS_SETTLED);
	fx_order_msg(c, o->buyer_pubkey, MA_RELEASED, o->id, NO_RID, OPT_NONE, MP_NONE, jv_null());
	jv next = json_get(ctx, "next_trade");
	make_range_child(c, o, next);
	jv_free(next);
	fx_order_msg(c, o->seller_pubkey, MA_HOLD_INVOICE_PAYMENT_SETTLED, o->id, RID, OPT_NONE, MP_NONE, jv_null());
	fx_order_msg(c, o->seller_pubkey, MA_RATE, o->id, NO_RID, OPT_NONE, MP_NONE, jv_null());
	return payout_start(c, o);
}

const ln_step step_release_settled = {"release_settled", NULL, on_release_settled};
