/* order_act_dispute.c — disputes (DAEMON.md §6): a party opens one
 * (dispute), a solver or Mostro takes it (admin-take-dispute), and the
 * §3.3 escrow guardian opens one for the buyer (order_guardian_open_dispute,
 * called by the timer). The guard tables of lib/order_table.c have decided
 * who may; these only change rows and append effects.
 *
 * The dispute's 38386 revisions go through fx_dispute_event (created_at
 * strictly increasing per dispute); the order's 38383 is not republished
 * when it enters `dispute` (§1.2). */
#include <string.h>

#include "json.h"
#include "order_table.h"

/* Payload::Dispute(id, info): [dispute id, SolverDisputeInfo or null]. */
static jv dispute_payload(const char *dispute_id, jv info)
{
	return jv_array_append(jv_array_append(jv_array(), jv_string(dispute_id)), info);
}

/* The 38386 initiator of a dispute from the order's flags, NULL when both or
 * neither are set. */
static const char *initiator_of(const order_row *o)
{
	if (o->seller_dispute && !o->buyer_dispute)
		return "seller";
	if (o->buyer_dispute && !o->seller_dispute)
		return "buyer";
	return NULL;
}

/* Dispute::new(order_id, order status): a new row, initiated, no solver. */
static order_db_err dispute_create(order_ctx *c, const order_row *o, order_status prior, dispute_row *d)
{
	order_new_uuid(c, d->id);
	memcpy(d->order_id, o->id, sizeof d->order_id);
	d->status = DS_INITIATED;
	str_set(&d->order_previous_status, order_status_name(prior));
	str_clear(&d->solver_pubkey);
	d->created_at = c->now;
	d->taken_at = 0;
	return dispute_insert(c->db, d);
}

/* ------------------------------------------------------------- dispute */

outcome act_dispute(order_ctx *c)
{
	order_row *o = &c->order;
	bool buyer = (c->roles & ROLE_BUYER) != 0;
	order_status prior = o->status;
	/* setup_dispute: the initiator's flag, status dispute (no 38383, §1.2) */
	if (buyer)
		o->buyer_dispute = true;
	else
		o->seller_dispute = true;
	o->status = OS_DISPUTE;
	if (order_save(c->db, o) != ODB_OK)
		return out_internal(order_db_errmsg(c->db));
	dispute_row d;
	dispute_row_init(&d);
	if (dispute_create(c, o, prior, &d) != ODB_OK) {
		dispute_row_free(&d);
		return out_internal(order_db_errmsg(c->db));
	}
	const char *initiator = buyer ? o->buyer_pubkey : o->seller_pubkey;
	const char *counterpart = buyer ? o->seller_pubkey : o->buyer_pubkey;
	fx_order_msg(c, counterpart, MA_DISPUTE_INITIATED_BY_PEER, o->id, RID, OPT_NONE, MP_DISPUTE,
		     dispute_payload(d.id, jv_null()));
	fx_order_msg(c, initiator, MA_DISPUTE_INITIATED_BY_YOU, o->id, RID, OPT_NONE, MP_DISPUTE,
		     dispute_payload(d.id, jv_null()));
	fx_dispute_event(c, &d, buyer ? "buyer" : "seller");
	fx_log(c, "order %s: %s -> dispute (dispute %s opened by the %s)", o->id, order_status_name(prior), d.id,
	       buyer ? "buyer" : "seller");
	dispute_row_free(&d);
	return out_done();
}

/* ------------------------------------------- the escrow guardian's dispute */

outcome order_guardian_open_dispute(order_ctx *c, order_row *o)
{
	/* a release settling the escrow decides first (the escrow lock) */
	if (order_escrow_busy(c, o->id, 0, NULL))
		return out_silent("the hold invoice is being settled or canceled");
	dispute_row d;
	dispute_row_init(&d);
	order_db_err e = dispute_load_by_order(c->db, o->id, &d);
	if (e == ODB_OK && d.status != DS_INITIATED && d.status != DS_IN_PROGRESS) {
		/* a dispute the users resolved earlier in the trade: reopened */
		d.status = DS_INITIATED;
		str_clear(&d.solver_pubkey);
		d.taken_at = 0;
		str_set(&d.order_previous_status, order_status_name(o->status));
		e = dispute_save(c->db, &d);
	} else if (e == ODB_NOT_FOUND) {
		e = dispute_create(c, o, o->status, &d);
	}
	/* (a live row is kept: a previous pass stopped between the two writes) */
	if (e != ODB_OK) {
		dispute_row_free(&d);
		return out_internal(order_db_errmsg(c->db));
	}
	order_status prior = o->status;
	o->buyer_dispute = true;
	o->status = OS_DISPUTE;
	if (order_save(c->db, o) != ODB_OK) {
		dispute_row_free(&d);
		return out_internal(order_db_errmsg(c->db));
	}
	/* a missing party key does not mute the other party */
	if (o->buyer_pubkey)
		fx_order_msg(c, o->buyer_pubkey, MA_DISPUTE_INITIATED_BY_YOU, o->id, NO_RID, OPT_NONE, MP_DISPUTE,
			     dispute_payload(d.id, jv_null()));
	if (o->seller_pubkey)
		fx_order_msg(c, o->seller_pubkey, MA_DISPUTE_INITIATED_BY_PEER, o->id, NO_RID, OPT_NONE, MP_DISPUTE,
			     dispute_payload(d.id, jv_null()));
	fx_dispute_event(c, &d, "buyer");
	fx_log(c, "order %s: %s -> dispute (escrow near its CLTV horizon; dispute %s for the buyer)", o->id,
	       order_status_name(prior), d.id);
	dispute_row_free(&d);
	return out_done();
}

/* -------------------------------------------------- admin-take-dispute */

/* UserInfo of a master identity's users row (is_user_present): false when
 * there is none. operating_days is u64 in mostrod; a created_at in the
 * future counts 0 here. */
static bool solver_user_info(order_ctx *c, const char *master, jv *out)
{
	user_row u;
	user_row_init(&u);
	bool ok = user_load(c->db, master, &u) == ODB_OK;
	if (ok) {
		uint64_t days = c->now > u.created_at ? (uint64_t)(c->now - u.created_at) / 86400 : 0;
		jv o = jv_object_set(jv_object(), jv_string("rating"), jv_number(u.total_rating));
		o = jv_object_set(o, jv_string("reviews"), json_from_i64(u.total_reviews));
		*out = jv_object_set(o, jv_string("operating_days"), json_from_u64(days));
	}
	user_row_free(&u);
	return ok;
}

static jv opt_str(const char *s)
{
	return s ? jv_string(s) : jv_null();
}

/* prepare_solver_info_message: SolverDisputeInfo (field order of
 * mostro-core's struct), with the preimage: the solver settles with it. The
 * UserInfo of each party in reputation mode; false (internal in mostrod)
 * when such a party has no users row. */
static bool solver_info(order_ctx *c, const order_row *o, const dispute_row *d, bool seller_initiated,
			jv *out)
{
	const char *normal_buyer = o->master_buyer_pubkey && !str_eq(o->master_buyer_pubkey, o->buyer_pubkey)
		? o->master_buyer_pubkey : NULL;
	const char *normal_seller = o->master_seller_pubkey && !str_eq(o->master_seller_pubkey, o->seller_pubkey)
		? o->master_seller_pubkey : NULL;
	jv buyer = jv_null(), seller = jv_null();
	if ((normal_buyer && !solver_user_info(c, normal_buyer, &buyer)) ||
	    (normal_seller && !solver_user_info(c, normal_seller, &seller))) {
		jv_free(buyer);
		jv_free(seller);
		return false;
	}
	jv initiator = seller_initiated ? seller : buyer, counterpart = seller_initiated ? buyer : seller;
	const char *initiator_key = seller_initiated ? o->seller_pubkey : o->buyer_pubkey;
	jv s = jv_object();
	s = jv_object_set(s, jv_string("id"), jv_string(o->id));
	s = jv_object_set(s, jv_string("kind"), jv_string(order_kind_name(o->kind)));
	s = jv_object_set(s, jv_string("status"), jv_string(order_status_name(o->status)));
	s = jv_object_set(s, jv_string("hash"), opt_str(o->hash));
	s = jv_object_set(s, jv_string("preimage"), opt_str(o->preimage));
	s = jv_object_set(s, jv_string("order_previous_status"),
			  jv_string(d->order_previous_status ? d->order_previous_status : ""));
	s = jv_object_set(s, jv_string("initiator_pubkey"), jv_string(initiator_key ? initiator_key : ""));
	s = jv_object_set(s, jv_string("buyer_pubkey"), opt_str(o->buyer_pubkey));
	s = jv_object_set(s, jv_string("seller_pubkey"), opt_str(o->seller_pubkey));
	s = jv_object_set(s, jv_string("initiator_full_privacy"), jv_bool(jv_get_kind(initiator) == JV_KIND_NULL));
	s = jv_object_set(s, jv_string("counterpart_full_privacy"), jv_bool(jv_get_kind(counterpart) == JV_KIND_NULL));
	s = jv_object_set(s, jv_string("initiator_info"), initiator);
	s = jv_object_set(s, jv_string("counterpart_info"), counterpart);
	s = jv_object_set(s, jv_string("premium"), json_from_i64(o->premium));
	s = jv_object_set(s, jv_string("payment_method"), jv_string(o->payment_method ? o->payment_method : ""));
	s = jv_object_set(s, jv_string("amount"), json_from_i64(o->amount));
	s = jv_object_set(s, jv_string("fiat_amount"), json_from_i64(o->fiat_amount));
	s = jv_object_set(s, jv_string("fee"), json_from_i64(o->fee));
	s = jv_object_set(s, jv_string("routing_fee"), json_from_i64(o->routing_fee));
	s = jv_object_set(s, jv_string("buyer_invoice"), opt_str(o->buyer_invoice));
	s = jv_object_set(s, jv_string("invoice_held_at"), json_from_i64(o->invoice_held_at));
	s = jv_object_set(s, jv_string("taken_at"), json_from_i64(o->taken_at));
	*out = jv_object_set(s, jv_string("created_at"), json_from_i64(o->created_at));
	return true;
}

outcome act_admin_take_dispute(order_ctx *c)
{
	dispute_row *d = &c->dispute;
	order_row *o = &c->order;
	const char *solver = c->in->identity;
	char was[64];
	snprintf(was, sizeof was, "%s%s%.16s", dispute_status_name(d->status), d->solver_pubkey ? " by " : "",
		 d->solver_pubkey ? d->solver_pubkey : "");
	d->status = DS_IN_PROGRESS;
	str_set(&d->solver_pubkey, solver);
	d->taken_at = c->now;
	if (dispute_save(c->db, d) != ODB_OK)
		return out_internal(order_db_errmsg(c->db));
	fx_log(c, "dispute %s (order %s): %s -> in-progress, solver %s", d->id, o->id, was, solver);
	/* mostrod fails here, after saving, when the flags do not name one side */
	const char *initiator = initiator_of(o);
	if (!initiator)
		return out_silent("§6 admin-take-dispute: the order's dispute flags are both or neither set");
	jv info;
	if (!solver_info(c, o, d, strcmp(initiator, "seller") == 0, &info))
		return out_silent("§6 admin-take-dispute: a party in reputation mode has no users row");
	fx_msg(c, solver, MOSTRO_CH_DISPUTE, MA_ADMIN_TOOK_DISPUTE, d->id, RID, OPT_NONE, MP_DISPUTE,
	       dispute_payload(d->id, info));
	if (!o->buyer_pubkey || !o->seller_pubkey)
		return out_silent("§6 admin-take-dispute: a party's trade key is missing");
	fx_order_msg(c, o->buyer_pubkey, MA_ADMIN_TOOK_DISPUTE, o->id, RID, OPT_NONE, MP_PEER, peer_jv(solver, jv_null()));
	fx_order_msg(c, o->seller_pubkey, MA_ADMIN_TOOK_DISPUTE, o->id, RID, OPT_NONE, MP_PEER, peer_jv(solver, jv_null()));
	fx_dispute_event(c, d, initiator);
	return out_done();
}
