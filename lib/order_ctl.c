/* order_ctl.c — the engine's control records (local admin, docs/ENGINE.md
 * §2): {"type":"ctl","id":ID,"cmd":NAME, args...} answered with
 * {"type":"ctl_result","id":ID,"ok":true,"result":...} or ok false with an
 * "error". A command is a row of ctl_commands[]. The admin actions (cancel,
 * settle, take-dispute, add-solver: DAEMON.md §10.4, mostrod's admin gRPC)
 * run the Nostr action's guards and handler with identity = sender =
 * Mostro's pubkey, so the DMs mostrod sends "to the sender" go to Mostro's
 * own key; a refusal is the ctl error (the CantDo reason, or "refused: ..."
 * where mostrod is silent), not a DM. Runs inside the input's transaction
 * like any input; an internal error rolls back what the command wrote. */
#include <string.h>

#include "json.h"
#include "order_ctl.h"
#include "order_db_extra.h"
#include "order_table.h"
#include "order_tick.h"

typedef struct ctl_command {
	const char *name;
	const char *help;
	jv        (*run)(order_ctx *c, jv rec, const char **err);   /* owned result */
} ctl_command;

static bool count_status(const order_row *o, void *arg)
{
	int64_t *counts = arg;
	counts[o->status]++;
	return true;
}

static jv ctl_status(order_ctx *c, jv rec, const char **err)
{
	int64_t counts[OS_COUNT] = {0};
	if (order_each(c->db, NULL, 0, count_status, counts) != ODB_OK) {
		*err = "database error";
		return jv_invalid();
	}
	jv by = jv_object();
	for (int s = 0; s < OS_COUNT; s++)
		if (counts[s])
			by = jv_object_set(by, jv_string(order_status_name(s)), json_from_i64(counts[s]));
	jv r = jv_object_set(jv_object(), jv_string("clock"), json_from_i64(c->now));
	r = jv_object_set(r, jv_string("network"), c->networks ? jv_string(c->networks) : jv_null());
	r = jv_object_set(r, jv_string("orders"), by);
	return r;
}

static jv ctl_order(order_ctx *c, jv rec, const char **err)
{
	const char *id = json_get_str(rec, "order_id", NULL);
	char canon[37];
	if (!id || !mostro_uuid_canonical(id, strlen(id), canon)) {
		*err = "order_id: a UUID is required";
		return jv_invalid();
	}
	if (!ctx_load_order(c, canon)) {
		*err = "not found";
		return jv_invalid();
	}
	jv row = order_row_to_jv(&c->order);
	/* the preimage is the escrow's secret: never on the control socket */
	return jv_object_set(row, jv_string("preimage"), c->order.preimage ? jv_string("(set)") : jv_null());
}

/* ---------------------------------------------- admin actions (§10.4) */

/* The error text of a refused admin action (the engine is single-threaded). */
static char ctl_err[256];

/* The dispute/order row after an admin action, for the operator. */
static jv ctl_state(order_ctx *c, const char *order_id, const char *dispute_id)
{
	jv r = jv_object();
	order_row o;
	dispute_row d;
	order_row_init(&o);
	dispute_row_init(&d);
	bool have_d = dispute_id ? dispute_load(c->db, dispute_id, &d) == ODB_OK
		: order_id && dispute_load_by_order(c->db, order_id, &d) == ODB_OK;
	if (!order_id && have_d)
		order_id = d.order_id;
	if (order_id && order_load(c->db, order_id, &o) == ODB_OK) {
		jv oj = jv_object_set(jv_object(), jv_string("id"), jv_string(o.id));
		r = jv_object_set(r, jv_string("order"), jv_object_set(oj, jv_string("status"),
								   jv_string(order_status_name(o.status))));
	}
	if (have_d) {
		jv dj = jv_object_set(jv_object(), jv_string("id"), jv_string(d.id));
		dj = jv_object_set(dj, jv_string("status"), jv_string(dispute_status_name(d.status)));
		r = jv_object_set(r, jv_string("dispute"), jv_object_set(dj, jv_string("solver_pubkey"),
			d.solver_pubkey ? jv_string(d.solver_pubkey) : jv_null()));
	}
	order_row_free(&o);
	dispute_row_free(&d);
	return r;
}

/* Runs a Nostr admin action the way mostrod's admin gRPC does (DAEMON.md
 * §10.4): the same guards and handler, with identity = sender = Mostro's
 * pubkey; a CantDo or a silent refusal is the ctl error instead of a DM. */
static jv ctl_admin_action(order_ctx *c, jv rec, mostro_channel ch, mostro_action a, const char *id_key,
			   mostro_payload_kind pk, jv payload, const char **err)
{
	if (!c->cfg->mostro_pubkey[0]) {
		jv_free(payload);
		*err = "Mostro's pubkey is unknown (--mostro-pubkey or the settings)";
		return jv_invalid();
	}
	order_msg_in in;
	memset(&in, 0, sizeof in);
	mostro_msg_init(&in.msg);
	memcpy(in.transport, "v2", 3);
	snprintf(in.event_id, sizeof in.event_id, "ctl");
	memcpy(in.sender, c->cfg->mostro_pubkey, 65);
	memcpy(in.identity, c->cfg->mostro_pubkey, 65);
	in.created_at = c->now;
	mostro_msg *m = &in.msg;
	m->channel = ch;
	m->action = a;
	m->version = 1;
	if (id_key) {
		const char *id = json_get_str(rec, id_key, NULL);
		if (!id || !mostro_uuid_canonical(id, strlen(id), m->id)) {
			jv_free(payload);
			snprintf(ctl_err, sizeof ctl_err, "%s: a UUID is required", id_key);
			*err = ctl_err;
			mostro_msg_free(m);
			return jv_invalid();
		}
		m->has_id = true;
	}
	jv rid = json_get(rec, "request_id");
	m->has_request_id = json_get_u64(rid, &m->request_id);
	jv_free(rid);
	m->payload_kind = pk;
	jv_free(m->payload);
	m->payload = payload;

	c->in = &in;
	c->m = m;
	c->has_rid = m->has_request_id;
	c->rid = m->request_id;
	c->have_user = user_load(c->db, in.identity, &c->user) == ODB_OK;
	const action_row *row = order_action_row((int)a);
	if (row->lookup == LOOKUP_ORDER && m->has_id)
		ctx_load_order(c, m->id);
	else if (row->lookup == LOOKUP_DISPUTE && m->has_id)
		c->have_dispute = dispute_load(c->db, m->id, &c->dispute) == ODB_OK;
	if (c->have_order && !c->have_dispute)
		c->have_dispute = dispute_load_by_order(c->db, c->order.id, &c->dispute) == ODB_OK;
	c->roles = order_roles_of(c->have_order ? &c->order : NULL, c->have_dispute ? &c->dispute : NULL,
				  c->have_user ? &c->user : NULL, in.sender, in.identity, c->cfg->mostro_pubkey);
	size_t mark = sink_mark(c->sink), log_mark = c->sink->log.len;
	bool sp = order_db_savepoint(c->db);
	/* the escrow lock: the operator asks again once the node has answered
	 * (a Nostr message would wait for it; a ctl answer cannot) */
	const char *oid = c->have_order ? c->order.id : c->have_dispute ? c->dispute.order_id : NULL;
	char busy_op[24];
	outcome r = oid && order_escrow_busy(c, oid, 0, busy_op)
		? out_cant(CD_NOT_ALLOWED_BY_STATUS, busy_op[0] == 's' ? "the hold invoice is being settled"
			   : "the hold invoice is being canceled")
		: guards_run(c, row->guards, row->nguards);
	if (r.kind == OUT_DONE)
		r = row->handler(c);
	bool ln = false;
	for (size_t i = mark; i < c->sink->n; i++)
		ln = ln || c->sink->v[i].stream == STREAM_LN;
	if (r.kind == OUT_INTERNAL) {
		if (sp)
			order_db_rollback_savepoint(c->db);
		sink_truncate(c->sink, mark, log_mark);
	} else if (sp) {
		order_db_release(c->db);
	}
	jv out = jv_invalid();
	switch (r.kind) {
	case OUT_DONE:
		fx_log(c, "ctl: %s %s", mostro_action_names[a], m->has_id ? m->id : "");
		out = jv_object_set(jv_object(), jv_string("action"), jv_string(mostro_action_names[a]));
		out = jv_object_set(out, jv_string("state"),
				    ctl_state(c, row->lookup == LOOKUP_ORDER && m->has_id ? m->id : NULL,
					      row->lookup == LOOKUP_DISPUTE && m->has_id ? m->id : NULL));
		/* a settlement or cancel waits for the node */
		out = jv_object_set(out, jv_string("lightning"), jv_bool(ln));
		break;
	case OUT_CANT_DO:
		snprintf(ctl_err, sizeof ctl_err, "%s (%s)", cant_do_name(r.reason), r.why ? r.why : row->ref);
		break;
	case OUT_SILENT:
		snprintf(ctl_err, sizeof ctl_err, "refused: %s", r.why ? r.why : row->ref);
		break;
	default:
		snprintf(ctl_err, sizeof ctl_err, "internal error: %s", r.why ? r.why : "");
		break;
	}
	if (!jv_is_valid(out)) {
		fx_log(c, "ctl: %s: %s", mostro_action_names[a], ctl_err);
		*err = ctl_err;
	}
	c->in = NULL;
	c->m = NULL;
	mostro_msg_free(m);
	return out;
}

static jv ctl_cancel(order_ctx *c, jv rec, const char **err)
{
	return ctl_admin_action(c, rec, MOSTRO_CH_ORDER, MA_ADMIN_CANCEL, "order_id", MP_NONE, jv_null(), err);
}

static jv ctl_settle(order_ctx *c, jv rec, const char **err)
{
	return ctl_admin_action(c, rec, MOSTRO_CH_ORDER, MA_ADMIN_SETTLE, "order_id", MP_NONE, jv_null(), err);
}

static jv ctl_take_dispute(order_ctx *c, jv rec, const char **err)
{
	return ctl_admin_action(c, rec, MOSTRO_CH_DISPUTE, MA_ADMIN_TAKE_DISPUTE, "dispute_id", MP_NONE, jv_null(), err);
}

static jv ctl_add_solver(order_ctx *c, jv rec, const char **err)
{
	const char *solver = json_get_str(rec, "solver", NULL);
	if (!solver) {
		*err = "solver: npub[:read|:write|:read-write] is required";
		return jv_invalid();
	}
	return ctl_admin_action(c, rec, MOSTRO_CH_DISPUTE, MA_ADMIN_ADD_SOLVER, NULL, MP_TEXT_MESSAGE,
				jv_string(solver), err);
}

/* The §5 rating flush now (the hourly job's work, on demand). */
static jv ctl_flush_ratings(order_ctx *c, jv rec, const char **err)
{
	int n = order_flush_ratings_n(c);
	if (n < 0) {
		*err = "database error";
		return jv_invalid();
	}
	return jv_object_set(jv_object(), jv_string("published"), json_from_i64(n));
}

static bool list_dispute(const dispute_row *d, void *arg)
{
	jv *l = arg;
	*l = jv_array_append(*l, dispute_row_to_jv(d));
	return true;
}

static jv ctl_disputes(order_ctx *c, jv rec, const char **err)
{
	const char *st = json_get_str(rec, "status", NULL);
	int status = st ? dispute_status_from_name(st) : -1;
	if (st && status < 0) {
		*err = "status: initiated, in-progress, seller-refunded, settled or released";
		return jv_invalid();
	}
	jv l = jv_array();
	if (dispute_each(c->db, status, list_dispute, &l) != ODB_OK) {
		jv_free(l);
		*err = "database error";
		return jv_invalid();
	}
	return l;
}

/* The §3 job schedule: each job, when it runs next (null: not scheduled yet,
 * or not run by this engine, with the reason). */
static jv ctl_jobs(order_ctx *c, jv rec, const char **err)
{
	(void)rec;
	(void)err;
	return order_jobs_status(c->db);
}

static const ctl_command ctl_commands[] = {
	{"status", "the engine clock, the node's network, orders by status", ctl_status},
	{"order", "one order row (order_id=UUID), preimage withheld", ctl_order},
	{"cancel", "admin-cancel of a disputed order (order_id=UUID) as Mostro", ctl_cancel},
	{"settle", "admin-settle of a disputed order (order_id=UUID) as Mostro", ctl_settle},
	{"take-dispute", "admin-take-dispute (dispute_id=UUID) as Mostro", ctl_take_dispute},
	{"add-solver", "admin-add-solver (solver=npub[:read|:write|:read-write]) as Mostro", ctl_add_solver},
	{"disputes", "the dispute rows (status=... to filter), oldest first", ctl_disputes},
	{"flush-ratings", "publish the queued 38384 rating events now", ctl_flush_ratings},
	{"jobs", "the periodic jobs (DAEMON.md §3) and when each runs next", ctl_jobs},
};

jv order_ctl(order_ctx *c, jv rec)
{
	jv id = json_get(rec, "id");
	if (!jv_is_valid(id))
		id = jv_null();
	const char *cmd = json_get_str(rec, "cmd", NULL);
	const ctl_command *k = NULL;
	for (size_t i = 0; cmd && i < sizeof ctl_commands / sizeof *ctl_commands; i++)
		if (strcmp(ctl_commands[i].name, cmd) == 0)
			k = &ctl_commands[i];
	jv out = jv_object_set(jv_object(), jv_string("type"), jv_string("ctl_result"));
	out = jv_object_set(out, jv_string("id"), id);
	const char *err = NULL;
	jv r = k ? k->run(c, rec, &err) : jv_invalid();
	if (!k)
		err = cmd ? "unknown command" : "cmd is required";
	if (jv_is_valid(r)) {
		out = jv_object_set(out, jv_string("ok"), jv_true());
		out = jv_object_set(out, jv_string("result"), r);
	} else {
		jv_free(r);
		out = jv_object_set(out, jv_string("ok"), jv_false());
		out = jv_object_set(out, jv_string("error"), jv_string(err ? err : "failed"));
	}
	return out;
}
