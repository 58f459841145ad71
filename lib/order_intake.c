/* order_intake.c — DAEMON.md §9: what the engine checks of an opened user
 * message before any handler runs, and the dispatch.
 *
 * mostro-unwrap already did steps 2, 3 and 5 (kind, outer signature,
 * decryption) and the trade-signature rules of step 7. The engine does what
 * needs its database and its clock, in mostrod's order:
 *   1  PoW of the outer event id (leading zero bits) >= [mostro].pow
 *   2  the transport is one this node speaks ([mostro].transport)
 *   4a replay: the event id was not processed before (kept for good: mostrod
 *      keeps 60 s and none at all on v1, a deliberate deviation)
 *   4b first-contact lane (v2): a trade key in no live order (mostro#882
 *      statuses) needs pow_first_contact bits
 *   6  freshness: created_at >= now - 10 (no upper bound)
 *   7  identity != sender needs a trade signature
 *   8  the trade-index rules (new-order, take-buy, take-sell)
 *   9  the payload shape gate (§0.4, mostro_msg_verify_structure)
 *   10 dispatch (lib/order_table.c); a message about an order whose hold
 *      invoice is being settled or canceled waits for that outcome
 *      (order_defer, lib/order_engine.h "the escrow lock")
 * Every drop is logged on standard error with its reason. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hex.h"
#include "json.h"
#include "nip13.h"
#include "order_table.h"

static outcome drop(order_ctx *c, const char *id, const char *why)
{
	fx_log(c, "%s: drop: %s", id, why);
	return out_silent(why);
}

static bool hex64(jv rec, const char *k, char out[65])
{
	size_t n;
	const char *s = json_get_str(rec, k, &n);
	if (!s || !hex_is_lower(s, n, 64))
		return false;
	memcpy(out, s, 65);
	return true;
}

/* The record as mostro-unwrap prints it (man mostro-unwrap, OUTPUT FORMAT). */
static bool parse_record(order_msg_in *in, jv rec, char *why, size_t whylen)
{
	size_t n;
	const char *t = json_get_str(rec, "transport", &n);
	if (!t || n != 2 || (strcmp(t, "v1") != 0 && strcmp(t, "v2") != 0)) {
		snprintf(why, whylen, "bad record: transport");
		return false;
	}
	memcpy(in->transport, t, 3);
	if (!hex64(rec, "id", in->event_id) || !hex64(rec, "sender", in->sender) ||
	    !hex64(rec, "identity", in->identity)) {
		snprintf(why, whylen, "bad record: id, sender or identity is not 64 lowercase hex digits");
		return false;
	}
	jv ca = json_get(rec, "created_at");
	uint64_t u;
	bool ok = json_get_u64(ca, &u);
	jv_free(ca);
	if (!ok) {
		snprintf(why, whylen, "bad record: created_at");
		return false;
	}
	in->created_at = u > INT64_MAX ? INT64_MAX : (int64_t)u;
	jv sig = json_get(rec, "trade_signature");
	in->has_trade_signature = json_str(sig, NULL) != NULL;
	jv_free(sig);
	jv m = json_get(rec, "message");
	mostro_msg_error err;
	ok = mostro_msg_from_jv(&in->msg, m, &err) == MOSTRO_MSG_OK;
	jv_free(m);
	if (!ok) {
		snprintf(why, whylen, "bad record: message: %s", err.msg);
		return false;
	}
	return true;
}

static bool transport_spoken(const order_config *cfg, const char *t)
{
	switch (cfg->transport) {
	case TRANSPORT_NIP44: return strcmp(t, "v2") == 0;
	case TRANSPORT_GIFT_WRAP: return strcmp(t, "v1") == 0;
	default: return true;
	}
}

/* §9 trade-index rules. OUT_DONE: go on. */
static outcome trade_index_check(order_ctx *c)
{
	const mostro_msg *m = c->m;
	if (m->action != MA_NEW_ORDER && m->action != MA_TAKE_BUY && m->action != MA_TAKE_SELL)
		return out_done();
	if (c->have_user) {
		int64_t index = m->has_trade_index ? m->trade_index : 0;
		if (index >= 1) {
			if (!c->in->has_trade_signature)
				return drop(c, c->in->event_id, "trade index without a trade signature");
			if (index <= c->user.last_trade_index) {
				fx_log(c, "%s: cant-do invalid_trade_index (%lld <= %lld)", c->in->event_id,
				       (long long)index, (long long)c->user.last_trade_index);
				fx_cant_do(c, CD_INVALID_TRADE_INDEX);
				return out_silent("invalid trade index");
			}
		}
		return out_done();
	}
	if (!m->has_trade_index)
		return out_done();
	if (m->trade_index == 0)
		return drop(c, c->in->event_id, "trade index 0 from a new user");
	if (strcmp(c->in->identity, c->in->sender) != 0) {
		user_row u;
		user_row_init(&u);
		snprintf(u.pubkey, sizeof u.pubkey, "%s", c->in->identity);
		u.last_trade_index = m->trade_index;
		u.created_at = c->now;
		order_db_err e = user_insert(c->db, &u);
		user_row_free(&u);
		if (e != ODB_OK)
			return drop(c, c->in->event_id, "cannot create the users row");
		c->have_user = user_load(c->db, c->in->identity, &c->user) == ODB_OK;
	}
	return out_done();
}

/* Records the parked message and asks mostro-ln to probe the address. */
static outcome park(order_ctx *c, jv rec)
{
	char *record = json_dumps(rec);
	jv p = jv_object_set(jv_object(), jv_string("invoice"), jv_string(c->probe_target));
	p = jv_object_set(p, jv_string("mode"), jv_string("buyer"));
	int64_t seq = fx_ln(c, "validate_invoice", p, c->have_order ? c->order.id : NULL, NULL, "probe", jv_null());
	bool ok = seq && parked_add(c->db, seq, record, c->now) == ODB_OK;
	free(record);
	if (!ok)
		return out_internal("park");
	fx_log(c, "%s: parked until the address %s is probed", c->in->event_id, c->probe_target);
	return out_done();
}

/* §9 step 10 and the handler's outcome. */
static outcome dispatch(order_ctx *c, jv rec)
{
	const mostro_msg *m = c->m;
	const action_row *row = order_action_row((int)m->action);
	if (!row)
		return drop(c, c->in->event_id, "unknown action");
	switch (row->kind) {
	case DISPATCH_CANT_DO:
		fx_log(c, "%s: cant-do %s (%s)", c->in->event_id, cant_do_name(row->reason), row->ref);
		fx_cant_do(c, row->reason);
		return out_done();
	case DISPATCH_IGNORE:
		fx_log(c, "%s: ignored: %s", c->in->event_id, mostro_action_names[m->action]);
		return out_done();
	case DISPATCH_NOT_BUILT:
	case DISPATCH_HANDLE:
	case DISPATCH_KIND_COUNT:
		break;
	}
	if (row->lookup == LOOKUP_ORDER && m->has_id)
		ctx_load_order(c, m->id);
	else if (row->lookup == LOOKUP_DISPUTE && m->has_id)
		c->have_dispute = dispute_load(c->db, m->id, &c->dispute) == ODB_OK;
	if (c->have_order && !c->have_dispute)
		c->have_dispute = dispute_load_by_order(c->db, c->order.id, &c->dispute) == ODB_OK;
	c->roles = order_roles_of(c->have_order ? &c->order : NULL, c->have_dispute ? &c->dispute : NULL,
				  c->have_user ? &c->user : NULL, c->in->sender, c->in->identity,
				  c->cfg->mostro_pubkey);
	/* mostrod settles and cancels synchronously: a message about an order
	 * whose escrow is being decided runs once the node has answered */
	const char *oid = c->have_order ? c->order.id : c->have_dispute ? c->dispute.order_id : NULL;
	if (oid && order_escrow_busy(c, oid, 0, NULL)) {
		char *record = json_dumps(rec);
		outcome d = order_defer(c, oid, "message", record, c->probe, c->in->event_id);
		free(record);
		return d;
	}
	outcome r = guards_run(c, row->guards, row->nguards);
	if (r.kind == OUT_DONE)
		r = row->handler(c);
	switch (r.kind) {
	case OUT_CANT_DO:
		fx_log(c, "%s: cant-do %s (%s)", c->in->event_id, cant_do_name(r.reason), r.why ? r.why : row->ref);
		fx_cant_do(c, r.reason);
		return out_done();
	case OUT_SILENT:
		fx_log(c, "%s: silent: %s", c->in->event_id, r.why ? r.why : row->ref);
		return r;
	case OUT_PARK:
		return park(c, rec);
	case OUT_DONE:
	case OUT_INTERNAL:
		break;
	}
	return r;
}

/* Fills c from the record; false (logged) when it cannot be read. */
static bool load_message(order_ctx *c, order_msg_in *in, jv rec)
{
	char why[256];
	if (!parse_record(in, rec, why, sizeof why)) {
		const char *id = json_get_str(rec, "id", NULL);
		fx_log(c, "%.64s: drop: %s", id ? id : "message", why);
		return false;
	}
	c->in = in;
	c->m = &in->msg;
	c->has_rid = in->msg.has_request_id;
	c->rid = in->msg.request_id;
	snprintf(c->origin, sizeof c->origin, "%s", in->event_id);
	c->have_user = user_load(c->db, in->identity, &c->user) == ODB_OK;
	return true;
}

static outcome intake(order_ctx *c, order_msg_in *inp, jv rec)
{
	if (!load_message(c, inp, rec))
		return out_silent("bad record");
	const char *id = inp->event_id;
	uint8_t raw[32];
	hex_decode(raw, 32, id, 64, true);
	unsigned bits = nip13_difficulty(raw);
	if (bits < c->cfg->pow)
		return drop(c, id, "insufficient proof of work");
	if (!transport_spoken(c->cfg, inp->transport))
		return drop(c, id, "a transport this node does not speak");
	order_db_err e = processed_add(c->db, id, c->now);
	if (e == ODB_CONFLICT)
		return drop(c, id, "replay (event id already processed)");
	if (e != ODB_OK)
		return out_internal(order_db_errmsg(c->db));
	if (strcmp(inp->transport, "v2") == 0 && bits < c->cfg->pow_first_contact) {
		bool known = false;
		if (order_key_is_known(c->db, inp->sender, &known) != ODB_OK)
			return out_internal(order_db_errmsg(c->db));
		if (!known)
			return drop(c, id, "first contact without pow_first_contact bits");
	}
	if (inp->created_at < c->now - 10)
		return drop(c, id, "stale (created_at more than 10 s before the engine clock)");
	if (strcmp(inp->identity, inp->sender) != 0 && !inp->has_trade_signature)
		return drop(c, id, "identity differs from the trade key without a trade signature");
	if (c->cfg->transport == TRANSPORT_BOTH) {
		/* both keys the message came from: replies go to trade keys, and to
		 * identity keys (a solver's admin-took-dispute) */
		key_transport_set(c->db, inp->sender, inp->transport, c->now);
		if (strcmp(inp->identity, inp->sender) != 0)
			key_transport_set(c->db, inp->identity, inp->transport, c->now);
	}
	outcome r = trade_index_check(c);
	if (r.kind != OUT_DONE)
		return r;
	if (!mostro_msg_verify_structure(&inp->msg))
		return drop(c, id, "payload shape (§0.4)");
	return dispatch(c, rec);
}

/* c->in points at the record while its handler runs; the loop tears c
 * down before this returns to it. */
outcome order_intake_message(order_ctx *c, jv rec)
{
	order_msg_in in;
	memset(&in, 0, sizeof in);
	mostro_msg_init(&in.msg);
	outcome r = intake(c, &in, rec);
	mostro_msg_free(&in.msg);
	c->in = NULL;
	c->m = NULL;
	return r;
}

outcome order_resume_parked(order_ctx *c, const char *record, int probe)
{
	order_msg_in in;
	memset(&in, 0, sizeof in);
	mostro_msg_init(&in.msg);
	jv rec = json_parse(record, strlen(record), JSON_EXACT_NUMBERS, NULL);
	outcome r = out_silent("parked record unreadable");
	if (jv_is_valid(rec) && load_message(c, &in, rec)) {
		c->probe = probe;
		r = dispatch(c, rec);
	}
	jv_free(rec);
	mostro_msg_free(&in.msg);
	c->in = NULL;
	c->m = NULL;
	return r;
}
