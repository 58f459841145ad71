/* store_session_ingest.c — what the session learns from the messages it
 * receives (mostro-unwrap records), so `mostro orders --mine` answers
 * offline. See store_session.h.
 *
 * The table ss_steps[] says, for each message Mostro sends a party
 * (PROTOCOL §11, DAEMON.md §1.7), the order's status after it, what the node
 * expects from us next (an action we send), whom we wait for, and which side
 * of the trade the message tells us we are on. A status carried by the
 * message's own SmallOrder wins over the table's. Informational messages
 * that share an action with a request (the taker-reputation notices,
 * pay-invoice/add-invoice with a `peer` payload, §6.4) change nothing. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db.h"
#include "hex.h"
#include "json.h"
#include "mostro_msg.h"
#include "store_session.h"
#include "store_session_int.h"

/* One row per (action, side); a side-specific row comes before the row for
 * any side. "" as next/waiting clears the field like NULL; both are written
 * whenever a row applies. */
const ss_step ss_steps[] = {
	/* §11.1/11.2 step 1, and the maker's order back to pending (§11.6), a range child (§11.3) */
	{MA_NEW_ORDER, NULL, NULL, "pending", NULL, "taker", 10},
	/* §11.11 bonds */
	{MA_PAY_BOND_INVOICE, NULL, NULL, NULL, "pay-bond-invoice", NULL, 15},
	{MA_ADD_BOND_INVOICE, NULL, NULL, NULL, "add-bond-invoice", NULL, 95},
	{MA_BOND_INVOICE_ACCEPTED, NULL, NULL, NULL, NULL, "bond-payout", 96},
	{MA_BOND_PAYOUT_COMPLETED, NULL, NULL, NULL, NULL, NULL, 97},
	{MA_BOND_SLASHED, NULL, NULL, NULL, NULL, NULL, 94},
	/* §11.1 step 2-3b, §11.2 step 2-3 */
	{MA_PAY_INVOICE, NULL, "seller", "waiting-payment", "pay-invoice", NULL, 30},
	{MA_WAITING_BUYER_INVOICE, NULL, "seller", "waiting-buyer-invoice", NULL, "buyer", 20},
	{MA_ADD_INVOICE, NULL, "buyer", NULL, "add-invoice", NULL, 20},
	{MA_WAITING_SELLER_TO_PAY, NULL, "buyer", "waiting-payment", NULL, "seller", 30},
	/* §11.1 step 4 */
	{MA_BUYER_TOOK_ORDER, NULL, "seller", "active", NULL, "buyer", 40},
	{MA_HOLD_INVOICE_PAYMENT_ACCEPTED, NULL, "buyer", "active", "fiat-sent", NULL, 40},
	/* step 5 */
	{MA_FIAT_SENT_OK, "buyer", NULL, "fiat-sent", NULL, "seller", 50},
	{MA_FIAT_SENT_OK, "seller", NULL, "fiat-sent", "release", NULL, 50},
	{MA_FIAT_SENT_OK, NULL, NULL, "fiat-sent", NULL, NULL, 50},
	/* step 6, §11.9 */
	{MA_RELEASED, NULL, "buyer", "settled-hold-invoice", NULL, "payout", 70},
	{MA_HOLD_INVOICE_PAYMENT_SETTLED, NULL, "seller", "settled-hold-invoice", NULL, NULL, 70},
	{MA_PURCHASE_COMPLETED, NULL, "buyer", "success", NULL, NULL, 80},
	{MA_PAYMENT_FAILED, NULL, "buyer", NULL, NULL, "payout", 72},
	{MA_INVOICE_UPDATED, NULL, "buyer", NULL, NULL, "payout", 74},
	/* §11.10 */
	{MA_RATE, NULL, NULL, NULL, "rate-user", NULL, 85},
	{MA_RATE_RECEIVED, NULL, NULL, NULL, NULL, NULL, 90},
	/* §11.5, §11.6, §11.7 */
	{MA_CANCELED, NULL, NULL, "canceled", NULL, NULL, 100},
	{MA_COOPERATIVE_CANCEL_INITIATED_BY_YOU, NULL, NULL, NULL, NULL, "counterparty", 55},
	{MA_COOPERATIVE_CANCEL_INITIATED_BY_PEER, NULL, NULL, NULL, "cancel", NULL, 55},
	{MA_COOPERATIVE_CANCEL_ACCEPTED, NULL, NULL, "cooperatively-canceled", NULL, NULL, 100},
	{MA_HOLD_INVOICE_PAYMENT_CANCELED, NULL, NULL, "canceled", NULL, NULL, 100},
	/* §11.8 */
	{MA_DISPUTE_INITIATED_BY_YOU, NULL, NULL, "dispute", NULL, "solver", 60},
	{MA_DISPUTE_INITIATED_BY_PEER, NULL, NULL, "dispute", NULL, "solver", 60},
	{MA_ADMIN_TOOK_DISPUTE, NULL, NULL, "dispute", NULL, "solver", 65},
	{MA_ADMIN_SETTLED, "buyer", NULL, "settled-hold-invoice", NULL, "payout", 70},
	{MA_ADMIN_SETTLED, NULL, NULL, "settled-hold-invoice", NULL, NULL, 70},
	{MA_ADMIN_CANCELED, NULL, NULL, "canceled-by-admin", NULL, NULL, 100},
	/* §11.12, §11.13 */
	{MA_TRADE_PUBKEY, NULL, NULL, NULL, NULL, "taker", 12},
	{MA_CASHU_ESCROW_LOCKED, NULL, NULL, "active", NULL, NULL, 40},
};
const size_t ss_steps_count = sizeof ss_steps / sizeof *ss_steps;

int store_session_rank(const ss_step *r, int action, const char *kind, const char *payload_status)
{
	if (!r)
		return 0;
	if (action == MA_ADD_INVOICE && payload_status && strcmp(payload_status, "settled-hold-invoice") == 0)
		return 73;
	if ((action == MA_ADD_INVOICE || action == MA_WAITING_BUYER_INVOICE) && kind && strcmp(kind, "buy") == 0)
		return 35;
	return r->rank;
}

const ss_step *store_session_step(int action, const char *side)
{
	for (size_t i = 0; i < ss_steps_count; i++) {
		const ss_step *r = &ss_steps[i];
		if (r->action != action)
			continue;
		if (!r->side || (side && strcmp(r->side, side) == 0))
			return r;
	}
	return NULL;
}

/* ------------------------------------------------------------ jv helpers */

static jv get(jv o, const char *k)
{
	return jv_get_kind(o) == JV_KIND_OBJECT ? jv_object_get(jv_copy(o), jv_string(k)) : jv_invalid();
}

/* A string field, copied into out (cap bytes); false when absent or not a string. */
static bool get_str(jv o, const char *k, char *out, size_t cap)
{
	jv v = get(o, k);
	bool ok = jv_get_kind(v) == JV_KIND_STRING && strlen(jv_string_value(v)) < cap;
	if (ok)
		snprintf(out, cap, "%s", jv_string_value(v));
	jv_free(v);
	return ok;
}

static bool get_i64(jv o, const char *k, int64_t *out)
{
	jv v = get(o, k);
	bool ok = json_get_i64(v, out);
	jv_free(v);
	return ok;
}

static bool is_hex64(const char *s)
{
	return hex_is_lower(s, strlen(s), 64);
}

/* ------------------------------------------------------------ order updates */

typedef struct ingest_ctx {
	store_session *s;
	const char    *node;
	int64_t        now;
	char          *err;
	size_t         cap;
	uint32_t       index;       /* recipient's key index */
	bool           ours;        /* the recipient is a key of this session */
	char           recipient[65];
} ingest_ctx;

static bool order_exists(store_session *s, const char *id, uint32_t *index)
{
	sqlite3_stmt *st = ss_prep(s, "SELECT trade_index FROM orders WHERE id = ?1");
	if (!st)
		return false;
	ss_bind_text(st, 1, id);
	bool found = sqlite3_step(st) == SQLITE_ROW;
	if (found && index)
		*index = (uint32_t)sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return found;
}

static char *order_text(store_session *s, const char *id, const char *col)
{
	char sql[96];
	snprintf(sql, sizeof sql, "SELECT %s FROM orders WHERE id = ?1", col);
	sqlite3_stmt *st = ss_prep(s, sql);
	if (!st)
		return NULL;
	ss_bind_text(st, 1, id);
	char *v = NULL;
	if (sqlite3_step(st) == SQLITE_ROW && sqlite3_column_type(st, 0) != SQLITE_NULL)
		v = mu_xstrdup((const char *)sqlite3_column_text(st, 0));
	sqlite3_finalize(st);
	return v;
}

/* The key of the recipient bound to order id: when the key serves no order
 * yet, it is bound to this one (a new-order ack, a range child announced with
 * next_trade, a message about an order we took). */
static bool attach(ingest_ctx *c, const char *id, const char *source)
{
	if (order_exists(c->s, id, NULL))
		return true;
	if (!c->ours || c->index == 0)
		return false;
	char pub[65];
	if (ss_key_row(c->s, c->index, source, c->now, pub, c->err, c->cap))
		return false;
	/* a key serves one order: a message about another one changes nothing */
	sqlite3_stmt *q = ss_prep(c->s, "SELECT order_id FROM trade_keys WHERE idx = ?1");
	if (!q)
		return false;
	sqlite3_bind_int64(q, 1, c->index);
	bool bound = sqlite3_step(q) == SQLITE_ROW && sqlite3_column_type(q, 0) != SQLITE_NULL;
	sqlite3_finalize(q);
	if (bound)
		return false;
	sqlite3_stmt *st = ss_prep(c->s, "UPDATE trade_keys SET order_id = ?2 WHERE idx = ?1 AND order_id IS NULL");
	if (!st)
		return false;
	sqlite3_bind_int64(st, 1, c->index);
	ss_bind_text(st, 2, id);
	bool ok = sqlite3_step(st) == SQLITE_DONE;
	sqlite3_finalize(st);
	return ok && ss_order_upsert_key(c->s, id, c->index, pub, c->node, source, c->now);
}

static bool set_int(store_session *s, const char *id, const char *col, jv o, const char *key)
{
	int64_t v;
	if (!get_i64(o, key, &v))
		return true;
	char sql[96];
	snprintf(sql, sizeof sql, "UPDATE orders SET %s = ?2 WHERE id = ?1", col);
	sqlite3_stmt *st = ss_prep(s, sql);
	if (!st)
		return false;
	ss_bind_text(st, 1, id);
	sqlite3_bind_int64(st, 2, v);
	bool ok = sqlite3_step(st) == SQLITE_DONE;
	sqlite3_finalize(st);
	return ok;
}

static bool set_text(store_session *s, const char *id, const char *col, const char *v)
{
	char sql[96];
	snprintf(sql, sizeof sql, "UPDATE orders SET %s = ?2 WHERE id = ?1", col);
	return ss_exec_texts(s, sql, 2, id, v);
}

/* The trade pubkey the session has for order id (malloc'd or NULL). */
static char *our_key(store_session *s, const char *id)
{
	return order_text(s, id, "trade_pubkey");
}

/* A SmallOrder's details into the order row (and our side, the counterparty,
 * from the trade pubkeys when it carries them). The status and the amount
 * (which differs by message: amount + fee to the seller, - fee to the buyer)
 * only from a message newer than the one the state came from. */
static bool apply_small_order(store_session *s, const char *id, jv o, bool newer)
{
	char t[600];
	bool ok = true;
	if (get_str(o, "kind", t, sizeof t))
		ok = ok && ss_exec_texts(s, "UPDATE orders SET kind = coalesce(kind, ?2) WHERE id = ?1", 2, id, t);
	if (newer && get_str(o, "status", t, sizeof t))
		ok = ok && set_text(s, id, "status", t);
	if (get_str(o, "fiat_code", t, sizeof t))
		ok = ok && set_text(s, id, "fiat_code", t);
	if (get_str(o, "payment_method", t, sizeof t))
		ok = ok && set_text(s, id, "payment_method", t);
	char *amount = order_text(s, id, "amount");
	if (newer || !amount)
		ok = ok && set_int(s, id, "amount", o, "amount");
	free(amount);
	ok = ok && set_int(s, id, "fiat_amount", o, "fiat_amount") && set_int(s, id, "min_amount", o, "min_amount") &&
	     set_int(s, id, "max_amount", o, "max_amount") && set_int(s, id, "premium", o, "premium") &&
	     set_int(s, id, "created_at", o, "created_at") && set_int(s, id, "expires_at", o, "expires_at");
	char buyer[65], seller[65];
	bool hb = get_str(o, "buyer_trade_pubkey", buyer, sizeof buyer) && is_hex64(buyer);
	bool hs = get_str(o, "seller_trade_pubkey", seller, sizeof seller) && is_hex64(seller);
	char *mine = our_key(s, id);
	if (mine) {
		if (hb && strcmp(buyer, mine) == 0) {
			ok = ok && set_text(s, id, "side", "buyer");
			if (hs)
				ok = ok && set_text(s, id, "counterparty_pubkey", seller);
		} else if (hs && strcmp(seller, mine) == 0) {
			ok = ok && set_text(s, id, "side", "seller");
			if (hb)
				ok = ok && set_text(s, id, "counterparty_pubkey", buyer);
		}
		free(mine);
	}
	return ok;
}

static bool upsert_dispute(store_session *s, const char *did, const char *order_id, const char *status,
			   const char *initiator, const char *solver, const int64_t *trade_index, const char *buyer,
			   const char *seller, const char *admin, int64_t now)
{
	sqlite3_stmt *st = ss_prep(s,
		"INSERT INTO disputes(id, order_id, status, initiator, solver_pubkey, trade_index, buyer_pubkey,"
		" seller_pubkey, admin_pubkey, updated_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)"
		" ON CONFLICT(id) DO UPDATE SET order_id = coalesce(?2, order_id), status = coalesce(?3, status),"
		" initiator = coalesce(?4, initiator), solver_pubkey = coalesce(?5, solver_pubkey),"
		" trade_index = coalesce(?6, trade_index), buyer_pubkey = coalesce(?7, buyer_pubkey),"
		" seller_pubkey = coalesce(?8, seller_pubkey), admin_pubkey = coalesce(?9, admin_pubkey),"
		" updated_at = ?10");
	if (!st)
		return false;
	ss_bind_text(st, 1, did);
	ss_bind_text(st, 2, order_id);
	ss_bind_text(st, 3, status);
	ss_bind_text(st, 4, initiator);
	ss_bind_text(st, 5, solver);
	if (trade_index)
		sqlite3_bind_int64(st, 6, *trade_index);
	else
		sqlite3_bind_null(st, 6);
	ss_bind_text(st, 7, buyer);
	ss_bind_text(st, 8, seller);
	ss_bind_text(st, 9, admin);
	sqlite3_bind_int64(st, 10, now);
	bool ok = sqlite3_step(st) == SQLITE_DONE;
	sqlite3_finalize(st);
	return ok;
}

/* Dispute statuses of the admin's disputes of an order, after an admin reply. */
static bool admin_dispute_status(store_session *s, const char *order_id, const char *status, int64_t now)
{
	sqlite3_stmt *st = ss_prep(s, "UPDATE disputes SET status = ?2, updated_at = ?3 WHERE order_id = ?1");
	if (!st)
		return false;
	ss_bind_text(st, 1, order_id);
	ss_bind_text(st, 2, status);
	sqlite3_bind_int64(st, 3, now);
	bool ok = sqlite3_step(st) == SQLITE_DONE;
	sqlite3_finalize(st);
	return ok;
}

/* restore-session: every live order bound to its trade index (keys derived
 * from the mnemonic), every open dispute recorded. mostro-cli#188: nothing is
 * lost once printed. */
static bool apply_restore(ingest_ctx *c, jv data)
{
	jv orders = get(data, "orders"), disputes = get(data, "disputes");
	bool ok = true;
	if (jv_get_kind(orders) == JV_KIND_ARRAY) {
		jv_array_foreach(orders, i, o) {
			char id[40], status[40];
			int64_t ti;
			if (ok && get_str(o, "order_id", id, sizeof id) && get_i64(o, "trade_index", &ti) && ti >= 1 &&
			    ti <= NIP06_INDEX_MAX) {
				char pub[65];
				ok = !ss_key_row(c->s, (uint32_t)ti, "restore", c->now, pub, c->err, c->cap);
				ok = ok && ss_exec_texts(c->s, "UPDATE trade_keys SET order_id = ?2 WHERE pubkey = ?1"
							       " AND (order_id IS NULL OR order_id = ?2)",
							 2, pub, id);
				ok = ok && ss_order_upsert_key(c->s, id, (uint32_t)ti, pub, c->node, "restore", c->now);
				if (ok && get_str(o, "status", status, sizeof status))
					ok = set_text(c->s, id, "status", status);
			}
			jv_free(o);
		}
	}
	if (jv_get_kind(disputes) == JV_KIND_ARRAY) {
		jv_array_foreach(disputes, i, d) {
			char did[40], oid[40], status[40], init[16], solver[65];
			int64_t ti;
			bool hti = get_i64(d, "trade_index", &ti);
			bool hs = get_str(d, "status", status, sizeof status);
			bool hi = get_str(d, "initiator", init, sizeof init);
			bool hsol = get_str(d, "solver_pubkey", solver, sizeof solver) && is_hex64(solver);
			if (ok && get_str(d, "dispute_id", did, sizeof did) && get_str(d, "order_id", oid, sizeof oid)) {
				ok = upsert_dispute(c->s, did, oid, hs ? status : NULL, hi ? init : NULL,
						    hsol ? solver : NULL, hti ? &ti : NULL, NULL, NULL, NULL, c->now);
				if (ok && order_exists(c->s, oid, NULL)) {
					ok = set_text(c->s, oid, "dispute_id", did) &&
					     set_text(c->s, oid, "status", "dispute") &&
					     set_text(c->s, oid, "waiting_for", "solver") &&
					     (!hsol || set_text(c->s, oid, "solver_pubkey", solver));
				}
			}
			jv_free(d);
		}
	}
	jv_free(orders);
	jv_free(disputes);
	return ok;
}

/* The order id a message is about (empty when none). */
static void message_order(const mostro_msg *m, char id[40])
{
	id[0] = 0;
	if (m->action == MA_ADMIN_TOOK_DISPUTE && m->payload_kind == MP_DISPUTE) {
		jv info = jv_array_get(jv_copy(m->payload), 1);
		if (jv_get_kind(info) == JV_KIND_OBJECT && get_str(info, "id", id, 40)) {
			jv_free(info);
			return;
		}
		jv_free(info);
		if (m->channel == MOSTRO_CH_DISPUTE)
			return; /* the id is the dispute's */
	}
	if (m->has_id)
		snprintf(id, 40, "%s", m->id);
}

/* Informational messages sharing a request's action (§6.4). */
static bool notice_only(const mostro_msg *m)
{
	return (m->action == MA_PAY_INVOICE || m->action == MA_ADD_INVOICE) && m->payload_kind == MP_PEER;
}

/* admin-took-dispute to the solver: the dispute and both parties' keys. */
static bool apply_solver_info(ingest_ctx *c, const mostro_msg *m)
{
	jv did = jv_array_get(jv_copy(m->payload), 0), info = jv_array_get(jv_copy(m->payload), 1);
	bool ok = true;
	if (jv_get_kind(did) == JV_KIND_STRING && jv_get_kind(info) == JV_KIND_OBJECT) {
		char oid[40] = "", buyer[65], seller[65];
		get_str(info, "id", oid, sizeof oid);
		bool hb = get_str(info, "buyer_pubkey", buyer, sizeof buyer);
		bool hs = get_str(info, "seller_pubkey", seller, sizeof seller);
		ok = upsert_dispute(c->s, jv_string_value(did), oid[0] ? oid : NULL, "in-progress", NULL,
				    c->recipient, NULL, hb ? buyer : NULL, hs ? seller : NULL, c->recipient, c->now);
	}
	jv_free(did);
	jv_free(info);
	return ok;
}

/* The payload's SmallOrder status, if it has one (malloc'd or NULL). */
static char *payload_status(const mostro_msg *m)
{
	jv o = jv_null();
	if (m->payload_kind == MP_ORDER)
		o = jv_copy(m->payload);
	else if (m->payload_kind == MP_PAYMENT_REQUEST)
		o = jv_array_get(jv_copy(m->payload), 0);
	jv st = get(o, "status");
	char *r = jv_get_kind(st) == JV_KIND_STRING ? mu_xstrdup(jv_string_value(st)) : NULL;
	jv_free(st);
	jv_free(o);
	return r;
}

/* Is a message (created_at, rank) newer than what the order's state (which
 * = "state": next and waiting for; "status") came from? A later created_at,
 * or the same second and a rank not below. */
static bool is_newer(store_session *s, const char *id, const char *which, int64_t at, int rank)
{
	char sql[96];
	snprintf(sql, sizeof sql, "SELECT %s_at, %s_rank FROM orders WHERE id = ?1", which, which);
	sqlite3_stmt *st = ss_prep(s, sql);
	if (!st)
		return true;
	ss_bind_text(st, 1, id);
	bool newer = true;
	if (sqlite3_step(st) == SQLITE_ROW && sqlite3_column_type(st, 0) != SQLITE_NULL) {
		int64_t sat = sqlite3_column_int64(st, 0), srank = sqlite3_column_int64(st, 1);
		newer = at > sat || (at == sat && rank >= srank);
	}
	sqlite3_finalize(st);
	return newer;
}

/* Records that the order's state or status now comes from (at, rank). */
static bool mark(store_session *s, const char *id, const char *which, int64_t at, int rank)
{
	char sql[96];
	snprintf(sql, sizeof sql, "UPDATE orders SET %s_at = ?2, %s_rank = ?3 WHERE id = ?1", which, which);
	sqlite3_stmt *st = ss_prep(s, sql);
	if (!st)
		return false;
	ss_bind_text(st, 1, id);
	sqlite3_bind_int64(st, 2, at);
	sqlite3_bind_int64(st, 3, rank);
	bool ok = sqlite3_step(st) == SQLITE_DONE;
	sqlite3_finalize(st);
	return ok;
}

static bool apply_step(ingest_ctx *c, const mostro_msg *m, const char *id, int64_t created_at)
{
	store_session *s = c->s;
	bool ok = true;
	char *pstatus = payload_status(m);
	/* the order's kind first: with our role it tells our side */
	{
		jv o = m->payload_kind == MP_ORDER ? jv_copy(m->payload)
		       : m->payload_kind == MP_PAYMENT_REQUEST ? jv_array_get(jv_copy(m->payload), 0) : jv_null();
		char k[8];
		if (get_str(o, "kind", k, sizeof k))
			ok = ss_exec_texts(s, "UPDATE orders SET kind = coalesce(kind, ?2) WHERE id = ?1", 2, id, k);
		jv_free(o);
	}
	char *side = order_text(s, id, "side");
	if (!side) {
		char *kind = order_text(s, id, "kind"), *role = order_text(s, id, "role");
		const char *sd = ss_side_of(kind, role);
		side = sd ? mu_xstrdup(sd) : NULL;
		free(kind);
		free(role);
	}
	const ss_step *r = store_session_step(m->action, side);
	if (r && r->implies && !side)
		side = mu_xstrdup(r->implies);
	if (r && !r->side && side)
		r = store_session_step(m->action, side);
	char *kind = order_text(s, id, "kind");
	int rank = r ? store_session_rank(r, m->action, kind, pstatus) : 0;
	free(kind);
	bool newer = is_newer(s, id, "state", created_at, rank);
	/* a status, the message's own or the row's, moves only forward of the last one */
	bool has_status = pstatus || (r && r->status);
	bool status_newer = has_status && is_newer(s, id, "status", created_at, rank);
	/* payload facts: they may tell our side and the counterparty */
	switch (m->payload_kind) {
	case MP_ORDER:
		ok = apply_small_order(s, id, m->payload, status_newer && r);
		break;
	case MP_PAYMENT_REQUEST: {
		jv o = jv_array_get(jv_copy(m->payload), 0);
		if (jv_get_kind(o) == JV_KIND_OBJECT)
			ok = apply_small_order(s, id, o, status_newer && r);
		jv_free(o);
		/* the hold invoice to pay: the newest one, or the only one known */
		char *have = order_text(s, id, "invoice");
		bool take = newer || !have;
		free(have);
		if (ok && take && (m->action == MA_PAY_INVOICE || m->action == MA_PAY_BOND_INVOICE)) {
			jv inv = jv_array_get(jv_copy(m->payload), 1);
			if (jv_get_kind(inv) == JV_KIND_STRING)
				ok = set_text(s, id, "invoice", jv_string_value(inv));
			jv_free(inv);
		}
		break;
	}
	case MP_PEER: {
		char pk[65];
		if (get_str(m->payload, "pubkey", pk, sizeof pk) && is_hex64(pk))
			ok = set_text(s, id, m->action == MA_ADMIN_TOOK_DISPUTE ? "solver_pubkey" : "counterparty_pubkey",
				      pk);
		break;
	}
	case MP_DISPUTE: {
		jv did = jv_array_get(jv_copy(m->payload), 0);
		if (jv_get_kind(did) == JV_KIND_STRING && m->action != MA_ADMIN_TOOK_DISPUTE) {
			const char *init = m->action == MA_DISPUTE_INITIATED_BY_YOU ? "you"
					   : m->action == MA_DISPUTE_INITIATED_BY_PEER ? "peer"
										      : NULL;
			ok = set_text(s, id, "dispute_id", jv_string_value(did)) &&
			     upsert_dispute(s, jv_string_value(did), id, "initiated", init, NULL, NULL, NULL, NULL, NULL,
					    c->now);
		}
		jv_free(did);
		break;
	}
	case MP_CANT_DO: {
		const char *why = jv_get_kind(m->payload) == JV_KIND_STRING ? jv_string_value(m->payload) : "unknown";
		ok = set_text(s, id, "last_cant_do", why);
		break;
	}
	default:
		break;
	}
	if (ok && side)
		ok = ss_exec_texts(s, "UPDATE orders SET side = coalesce(side, ?2) WHERE id = ?1", 2, id, side);
	free(side);
	if (ok && r && status_newer) {
		/* the message's own status wins (pay-invoice says waiting-payment, add-invoice after
		 * failed payouts says settled-hold-invoice) */
		if (r->status && !pstatus)
			ok = set_text(s, id, "status", r->status);
		ok = ok && mark(s, id, "status", created_at, rank);
	}
	if (ok && r && newer)
		ok = set_text(s, id, "next", r->next) && set_text(s, id, "waiting_for", r->waiting) &&
		     set_text(s, id, "last_action", mostro_action_names[m->action]) &&
		     mark(s, id, "state", created_at, rank);
	free(pstatus);
	if (ok && (m->action == MA_COOPERATIVE_CANCEL_ACCEPTED || m->action == MA_ADMIN_CANCELED))
		ok = admin_dispute_status(s, id, "seller-refunded", c->now);
	if (ok && m->action == MA_ADMIN_SETTLED)
		ok = admin_dispute_status(s, id, "settled", c->now);
	if (ok && m->action == MA_ADMIN_TOOK_DISPUTE)
		ok = admin_dispute_status(s, id, "in-progress", c->now);
	if (ok) {
		sqlite3_stmt *st = ss_prep(s, "UPDATE orders SET updated_at = ?2 WHERE id = ?1");
		ok = st != NULL;
		if (ok) {
			ss_bind_text(st, 1, id);
			sqlite3_bind_int64(st, 2, c->now);
			ok = sqlite3_step(st) == SQLITE_DONE;
		}
		sqlite3_finalize(st);
	}
	return ok;
}

/* ------------------------------------------------------------ the record */

static bool store_message(ingest_ctx *c, const char *type, const char *event_id, const char *sender,
			  const char *order_id, const char *action, const char *rid, int64_t created_at,
			  const char *line, size_t n, bool *dup)
{
	sqlite3_stmt *st = ss_prep(c->s,
		"INSERT INTO messages(event_id, type, recipient, sender, order_id, action, request_id, created_at,"
		" received_at, record) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)"
		" ON CONFLICT(event_id) DO NOTHING");
	if (!st)
		return false;
	ss_bind_text(st, 1, event_id);
	ss_bind_text(st, 2, type);
	ss_bind_text(st, 3, c->recipient);
	ss_bind_text(st, 4, sender);
	ss_bind_text(st, 5, order_id && *order_id ? order_id : NULL);
	ss_bind_text(st, 6, action);
	ss_bind_text(st, 7, rid);
	sqlite3_bind_int64(st, 8, created_at);
	sqlite3_bind_int64(st, 9, c->now);
	sqlite3_bind_text(st, 10, line, (int)n, SQLITE_TRANSIENT);
	bool ok = sqlite3_step(st) == SQLITE_DONE;
	*dup = ok && sqlite3_changes(c->s->db) == 0;
	sqlite3_finalize(st);
	return ok;
}

static jv with_order(store_session *s, jv rec, const char *id)
{
	jv o = id && *id ? ss_order_jv(s, id) : jv_null();
	return jv_object_set(rec, jv_string("order"), o);
}

ss_ingest_result store_session_ingest(store_session *s, const char *line, size_t n, const char *node, int64_t now,
				      buf *out, const char **why, char *err, size_t cap)
{
	*why = NULL;
	if (err && cap)
		err[0] = 0;
	json_error je;
	jv rec = json_parse(line, n, JSON_EXACT_NUMBERS, &je);
	if (!jv_is_valid(rec)) {
		*why = "not JSON";
		jv_free(rec);
		return SS_BAD;
	}
	char type[16], event_id[65], recipient[65], sender[65], identity[65];
	int64_t created_at = 0;
	if (jv_get_kind(rec) != JV_KIND_OBJECT || !get_str(rec, "type", type, sizeof type)) {
		*why = "not a mostro-unwrap record (no type)";
		jv_free(rec);
		return SS_BAD;
	}
	if (strcmp(type, "message") != 0 && strcmp(type, "chat") != 0) {
		*why = strcmp(type, "error") == 0 ? "an error record" : "not a message or chat record";
		jv_free(rec);
		return SS_SKIPPED;
	}
	if (!get_str(rec, "id", event_id, sizeof event_id) || !is_hex64(event_id) ||
	    !get_str(rec, "recipient", recipient, sizeof recipient) || !is_hex64(recipient) ||
	    !get_str(rec, "sender", sender, sizeof sender) || !is_hex64(sender) ||
	    !get_i64(rec, "created_at", &created_at)) {
		*why = "id, recipient, sender (64 hex digits) and created_at are required";
		jv_free(rec);
		return SS_BAD;
	}
	ingest_ctx c = {.s = s, .node = node, .now = now, .err = err, .cap = cap};
	memcpy(c.recipient, recipient, 65);
	c.ours = store_session_index_of(s, recipient, &c.index, NULL, 0) == SS_OK;
	mostro_msg m;
	mostro_msg_init(&m);
	ss_ingest_result res = SS_BAD;
	char order_id[40] = "";
	bool is_msg = strcmp(type, "message") == 0;
	if (is_msg) {
		jv mv = get(rec, "message");
		mostro_msg_error me;
		bool parsed = jv_get_kind(mv) == JV_KIND_OBJECT && mostro_msg_from_jv(&m, mv, &me) == MOSTRO_MSG_OK;
		jv_free(mv);
		if (!parsed) {
			*why = "message: not a Mostro message";
			goto done;
		}
		if (!get_str(rec, "identity", identity, sizeof identity) || !is_hex64(identity)) {
			*why = "identity (64 hex digits) is required";
			goto done;
		}
		if (!node || strcmp(sender, node) != 0 || strcmp(identity, node) != 0) {
			*why = "not from the node";
			res = SS_SKIPPED;
			goto done;
		}
		message_order(&m, order_id);
		bool admin = !c.ours && (m.channel == MOSTRO_CH_DISPUTE || m.action == MA_ADMIN_SETTLED ||
					 m.action == MA_ADMIN_CANCELED || m.action == MA_CANT_DO ||
					 m.action == MA_COOPERATIVE_CANCEL_ACCEPTED);
		if (!c.ours && !admin) {
			*why = "not to a key of this session";
			res = SS_SKIPPED;
			goto done;
		}
	} else {
		if (!c.ours) {
			*why = "chat not to a key of this session";
			res = SS_SKIPPED;
			goto done;
		}
		if (c.index) {
			sqlite3_stmt *st = ss_prep(s, "SELECT order_id FROM trade_keys WHERE idx = ?1");
			if (st) {
				sqlite3_bind_int64(st, 1, c.index);
				if (sqlite3_step(st) == SQLITE_ROW && sqlite3_column_type(st, 0) != SQLITE_NULL)
					snprintf(order_id, sizeof order_id, "%s", (const char *)sqlite3_column_text(st, 0));
				sqlite3_finalize(st);
			}
		}
	}
	if (!db_begin(s->db)) {
		ss_db_fail(s, err, cap);
		*why = err;
		res = SS_FAILED;
		goto done;
	}
	char rid[24] = "";
	if (is_msg && m.has_request_id)
		snprintf(rid, sizeof rid, "%llu", (unsigned long long)m.request_id);
	bool dup = false;
	bool ok = store_message(&c, type, event_id, sender, order_id, is_msg ? mostro_action_names[m.action] : "chat",
				rid[0] ? rid : NULL, created_at, line, n, &dup);
	if (ok && dup) {
		db_rollback(s->db);
		res = SS_DUPLICATE;
		goto done;
	}
	if (ok && is_msg && c.ours && c.index) {
		sqlite3_stmt *st = ss_prep(s, "UPDATE trade_keys SET first_reply_at = ?2 WHERE idx = ?1"
					      " AND first_reply_at IS NULL");
		ok = st != NULL;
		if (ok) {
			sqlite3_bind_int64(st, 1, c.index);
			sqlite3_bind_int64(st, 2, now);
			ok = sqlite3_step(st) == SQLITE_DONE;
		}
		sqlite3_finalize(st);
	}
	if (ok && is_msg) {
		if (m.action == MA_RESTORE_SESSION && m.payload_kind == MP_RESTORE_DATA)
			ok = apply_restore(&c, m.payload);
		else if (m.action == MA_ORDERS && m.payload_kind == MP_ORDERS) {
			jv_array_foreach(m.payload, i, o) {
				char oid[40];
				if (ok && get_str(o, "id", oid, sizeof oid) && order_exists(s, oid, NULL))
					ok = apply_small_order(s, oid, o, is_newer(s, oid, "status", created_at, 0));
				jv_free(o);
			}
		} else if (m.action == MA_LAST_TRADE_INDEX && m.has_trade_index && m.trade_index >= 0 &&
			   m.trade_index <= NIP06_INDEX_MAX) {
			ok = !store_session_raise(s, (uint32_t)m.trade_index, NULL, err, cap);
		} else if (m.action == MA_ADMIN_TOOK_DISPUTE && m.payload_kind == MP_DISPUTE && (!c.ours || !c.index)) {
			ok = apply_solver_info(&c, &m);
		} else if (!c.ours || !c.index) {
			/* the admin's side: its key is not a trade key (the identity, or another key) */
			if (order_id[0] && m.action == MA_ADMIN_SETTLED)
				ok = admin_dispute_status(s, order_id, "settled", now);
			else if (order_id[0] && (m.action == MA_ADMIN_CANCELED ||
						 m.action == MA_COOPERATIVE_CANCEL_ACCEPTED))
				ok = admin_dispute_status(s, order_id, "seller-refunded", now);
		} else if (order_id[0] && !notice_only(&m)) {
			if (m.action == MA_ADMIN_TOOK_DISPUTE && m.payload_kind == MP_DISPUTE)
				ok = apply_solver_info(&c, &m);
			else if (attach(&c, order_id, "message")) {
				if (m.action == MA_NEW_ORDER && m.payload_kind == MP_ORDER) {
					/* the key a new-order goes to is the maker's */
					char *role = order_text(s, order_id, "role");
					if (!role)
						ok = set_text(s, order_id, "role", "maker");
					free(role);
				}
				ok = ok && apply_step(&c, &m, order_id, created_at);
			}
		}
	}
	if (!ok || !db_commit(s->db)) {
		if (err && !err[0])
			ss_db_fail(s, err, cap);
		db_rollback(s->db);
		*why = err && err[0] ? err : "database error";
		res = SS_FAILED;
		goto done;
	}
	res = SS_INGESTED;
	jv outrec = with_order(s, jv_copy(rec), order_id);
	json_write(out, outrec);
	jv_free(outrec);
done:
	mostro_msg_free(&m);
	jv_free(rec);
	return res;
}
