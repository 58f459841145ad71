/* test_order_matrix.c — the authorization matrix of mostro-order run (issue
 * 11): every cell of tests/vectors/order-matrix/matrix.jsonl, action x
 * sender role x order status, against what DAEMON.md says (make.py wrote
 * the rows from DAEMON.md's guard tables and matrices, never from the
 * engine).
 *
 * One engine (a child running order_run() on an in-memory database, fixed
 * clock) per family of fixtures. For each cell, in file order: fresh keys for
 * its roles, the fixture's steps through real inputs (new-order, take,
 * add-invoice, the node's answers and the seller's payment, fiat-sent,
 * release, disputes, ...), a check that the order's row is the fixture's,
 * then the cell's action from the cell's role. Its outputs (the replies to
 * whom, with which request_id and reason; the 38383/38386 revisions; the
 * Lightning ops, with create/settle/cancel answered as mostro-ln would and
 * what follows them) and the order's row afterwards (ctl order, ctl
 * disputes) must be the cell's.
 *
 * A cell whose action the engine marks DISPATCH_NOT_BUILT, or whose fixture
 * needs a timer job the engine does not run yet, is reported as skipped
 * with the reason, never as passed. A row marked xfail (an engine
 * disagreement under report, see make.py XFAIL) is a skip while it still
 * fails and a failure once it passes. The last line gives the matrix size. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "json.h"
#include "mostro_msg.h"
#include "order_config.h"
#include "order_harness.h"
#include "order_table.h"
#include "order_tick.h"
#include "t.h"

#define MOSTRO "79be667ef9dcbbac55a06295ce870b07029bfcdb2dce28d959f2815b16f81798"
#define SEED "5eed5eed5eed5eed5eed5eed5eed5eed5eed5eed5eed5eed5eed5eed5eed5eed"
#define T0 1700000000
#define AMOUNT 100000
#define PAYOUT 99700             /* amount - fee (fee 0.006: 300 per party) */
#define RID_BASE 9223372036854775808ULL   /* 2^63: request ids echoed exactly */

/* ------------------------------------------------------------ roles */

enum role {
	R_MAKER, R_MAKER2, R_TAKER, R_STRANGER, R_SOLVER, R_RW, R_RO, R_RW2, R_RO2, R_ADMIN, R_NEWSOLVER, R_COUNT
};
static const char *const role_names[R_COUNT] = {
	"maker", "maker2", "taker", "stranger", "solver", "rw", "ro", "rw2", "ro2", "admin", "newsolver",
};

static int role_of(const char *name)
{
	for (int r = 0; r < R_COUNT; r++)
		if (strcmp(role_names[r], name) == 0)
			return r;
	return -1;
}

/* Trade key and identity of each role of one cell. */
typedef struct keyset {
	char trade[R_COUNT][65];
	char id[R_COUNT][65];
} keyset;

static void keys_for(keyset *k, int cell, bool admin_family)
{
	for (int r = 0; r < R_COUNT; r++) {
		char label[96];
		bool used = admin_family ? r != R_SOLVER && r != R_MAKER2 && r != R_NEWSOLVER
			: r != R_RW && r != R_RO && r != R_RW2 && r != R_RO2;
		if (!used) {
			snprintf(k->trade[r], 65, "%064d", r);    /* a role this family never uses */
			strcpy(k->id[r], k->trade[r]);
			continue;
		}
		if (r == R_ADMIN) {
			strcpy(k->trade[r], MOSTRO);
			strcpy(k->id[r], MOSTRO);
			continue;
		}
		snprintf(label, sizeof label, "matrix:%d:%s:trade", cell, role_names[r]);
		oh_key(label, k->trade[r], NULL);
		if (r == R_MAKER || r == R_TAKER || r == R_STRANGER) {
			snprintf(label, sizeof label, "matrix:%d:%s:id", cell, role_names[r]);
			oh_key(label, k->id[r], NULL);
		} else {
			strcpy(k->id[r], k->trade[r]);
		}
	}
	strcpy(k->id[R_MAKER2], k->id[R_MAKER]);     /* the maker's new trade key */
}

/* The role a key belongs to: trade keys first, then identities ("x.id"). */
static void role_name_of(const keyset *k, const char *hex, char *out, size_t cap)
{
	if (!hex) {
		snprintf(out, cap, "null");
		return;
	}
	for (int r = 0; r < R_COUNT; r++)
		if (strcmp(k->trade[r], hex) == 0) {
			snprintf(out, cap, "%s", role_names[r]);
			return;
		}
	for (int r = 0; r < R_COUNT; r++)
		if (strcmp(k->id[r], hex) == 0) {
			snprintf(out, cap, "%s.id", role_names[r]);
			return;
		}
	snprintf(out, cap, "?%.8s", hex);
}

/* ------------------------------------------------------------ the vector */

typedef struct fixture {
	char  name[64];
	char  family[16];
	char  kind[8];
	jv    steps;
	jv    state;        /* null: no order */
	char *needs_job;
	bool  checked;      /* its row was compared once (run_cell) */
} fixture;

typedef struct cell {
	int         n;
	const fixture *fx;
	char        fixture[64];
	char        action[32];
	char        as[16];
	char        ref[160];
	char        summary[96];
	jv          want_out;
	jv          want_state;
	char       *xfail;
} cell;

static fixture *fixtures;
static size_t nfix;
static cell *cells;
static size_t ncells;

static const fixture *fixture_named(const char *name)
{
	for (size_t i = 0; i < nfix; i++)
		if (strcmp(fixtures[i].name, name) == 0)
			return &fixtures[i];
	return NULL;
}

static void copy_str(char *dst, size_t cap, jv rec, const char *key)
{
	const char *s = json_get_str(rec, key, NULL);
	snprintf(dst, cap, "%s", s ? s : "");
}

static void load_line(jv rec, int lineno, void *ctx)
{
	(void)ctx;
	if (json_has(rec, "fixture") && !json_has(rec, "cell")) {
		fixtures = realloc(fixtures, (nfix + 1) * sizeof *fixtures);
		fixture *f = &fixtures[nfix++];
		memset(f, 0, sizeof *f);
		copy_str(f->name, sizeof f->name, rec, "fixture");
		copy_str(f->family, sizeof f->family, rec, "family");
		copy_str(f->kind, sizeof f->kind, rec, "kind");
		f->steps = json_get(rec, "steps");
		f->state = json_get(rec, "state");
		const char *job = json_get_str(rec, "needs_job", NULL);
		f->needs_job = job ? strdup(job) : NULL;
	} else if (json_has(rec, "cell")) {
		cells = realloc(cells, (ncells + 1) * sizeof *cells);
		cell *c = &cells[ncells++];
		memset(c, 0, sizeof *c);
		jv nv = json_get(rec, "cell");
		int64_t n = 0;
		json_get_i64(nv, &n);
		jv_free(nv);
		c->n = (int)n;
		copy_str(c->fixture, sizeof c->fixture, rec, "fixture");
		if (!fixture_named(c->fixture)) {
			t_ok(false, "matrix.jsonl line %d: cell %d names no fixture defined above it", lineno, c->n);
			ncells--;
			return;
		}
		copy_str(c->action, sizeof c->action, rec, "action");
		copy_str(c->as, sizeof c->as, rec, "as");
		copy_str(c->ref, sizeof c->ref, rec, "ref");
		copy_str(c->summary, sizeof c->summary, rec, "summary");
		jv ex = json_get(rec, "expect");
		c->want_out = json_get(ex, "out");
		c->want_state = json_get(ex, "state");
		jv_free(ex);
		const char *xf = json_get_str(rec, "xfail", NULL);
		c->xfail = xf ? strdup(xf) : NULL;
	}
}

/* ------------------------------------------------------------ one family's engine */

typedef struct ln_op {
	char id[24];
	char op[32];
	jv   req;
	bool open;
} ln_op;

typedef struct run {
	oh_engine e;
	int64_t   clock;
	uint64_t  events;
	bool      ok;
} run;

/* What one cell knows while it runs. */
typedef struct cctx {
	run         *r;
	const cell  *c;
	keyset       k;
	char         order_id[37];
	char         none_id[37];
	char         dispute_id[37];
	int64_t      ti[R_COUNT];
	char        *invoice[2];     /* payout invoices: the fixture's, the cell's own */
	char         inv_hash[2][65];
	char        *bad_invoice;    /* 99000 sat: not amount - fee */
	char         bad_hash[65];
	int64_t      hold_amount;
	ln_op       *ops;
	size_t       nops;
	uint64_t     step_rid;
	uint64_t     act_rid;
	char         err[512];
} cctx;

static void cctx_free(cctx *x)
{
	for (size_t i = 0; i < x->nops; i++)
		jv_free(x->ops[i].req);
	free(x->ops);
	free(x->invoice[0]);
	free(x->invoice[1]);
	free(x->bad_invoice);
}

/* Notes what a step's outputs tell: Lightning ops, the order's id (its
 * first 38383), the dispute's id (its first 38386). */
static void note_outputs(cctx *x, oh_lines *out)
{
	for (size_t i = 0; i < out->n; i++) {
		jv v = out->v[i];
		switch (oh_classify(v)) {
		case OH_LN: {
			x->ops = realloc(x->ops, (x->nops + 1) * sizeof *x->ops);
			ln_op *o = &x->ops[x->nops++];
			memset(o, 0, sizeof *o);
			snprintf(o->id, sizeof o->id, "%s", json_get_str(v, "id", NULL));
			snprintf(o->op, sizeof o->op, "%s", json_get_str(v, "op", NULL));
			o->req = jv_copy(v);
			o->open = strcmp(o->op, "get_info") != 0;
			if (strcmp(o->op, "create_hold_invoice") == 0) {
				jv a = json_get(v, "amount_sat");
				json_get_i64(a, &x->hold_amount);
				jv_free(a);
			}
			break;
		}
		case OH_EVENT: {
			jv kv = json_get(v, "kind");
			int64_t kind = 0;
			json_get_i64(kv, &kind);
			jv_free(kv);
			const char *d = oh_tag(v, "d");
			if (kind == 38383 && d && !x->order_id[0])
				snprintf(x->order_id, sizeof x->order_id, "%s", d);
			if (kind == 38386 && d && !x->dispute_id[0])
				snprintf(x->dispute_id, sizeof x->dispute_id, "%s", d);
			break;
		}
		default:
			break;
		}
	}
}

static ln_op *newest_open(cctx *x, const char *op)
{
	for (size_t i = x->nops; i-- > 0;)
		if (x->ops[i].open && strcmp(x->ops[i].op, op) == 0)
			return &x->ops[i];
	return NULL;
}

static bool step_io(cctx *x, jv rec, oh_lines *out)
{
	if (!oh_write_jv(&x->r->e, rec) || !oh_sync(&x->r->e, out)) {
		snprintf(x->err, sizeof x->err, "the engine stopped answering");
		x->r->ok = false;
		return false;
	}
	note_outputs(x, out);
	return true;
}

/* ------------------------------------------------------------ messages */

static const char *channel_of(const char *action)
{
	if (strncmp(action, "admin-", 6) == 0)
		return "dispute";
	if (strcmp(action, "restore-session") == 0 || strcmp(action, "last-trade-index") == 0)
		return "restore";
	if (strcmp(action, "send-dm") == 0)
		return "dm";
	return "order";
}

static jv payment_request(const char *invoice)
{
	jv a = jv_array_append(jv_array_append(jv_array_append(jv_array(), jv_null()), jv_string(invoice)), jv_null());
	return jv_object_set(jv_object(), jv_string("payment_request"), a);
}

static jv order_payload(cctx *x, const char *kind, bool expires_now)
{
	jv o = jv_object_set(jv_object(), jv_string("kind"), jv_string(kind));
	o = jv_object_set(o, jv_string("status"), jv_string("pending"));
	o = jv_object_set(o, jv_string("amount"), jv_number(AMOUNT));
	o = jv_object_set(o, jv_string("fiat_code"), jv_string("USD"));
	o = jv_object_set(o, jv_string("min_amount"), jv_null());
	o = jv_object_set(o, jv_string("max_amount"), jv_null());
	o = jv_object_set(o, jv_string("fiat_amount"), jv_number(100));
	o = jv_object_set(o, jv_string("payment_method"), jv_string("SEPA"));
	o = jv_object_set(o, jv_string("premium"), jv_number(0));
	o = jv_object_set(o, jv_string("created_at"), jv_number(0));
	o = jv_object_set(o, jv_string("expires_at"), expires_now ? json_from_i64(x->r->clock) : jv_null());
	return jv_object_set(jv_object(), jv_string("order"), o);
}

/* A new-order payload variant (make.py NEW_ORDER_VARIANTS). */
static jv order_variant(jv p, const char *variant)
{
	jv o = jv_object_get(p, jv_string("order"));
	if (strcmp(variant, "fiat-xyz") == 0 || strcmp(variant, "two-fails") == 0)
		o = jv_object_set(o, jv_string("fiat_code"), jv_string("XYZ"));
	if (strcmp(variant, "negative") == 0 || strcmp(variant, "two-fails") == 0)
		o = jv_object_set(o, jv_string("amount"), jv_number(-1));
	if (strcmp(variant, "fiat-zero") == 0)
		o = jv_object_set(o, jv_string("fiat_amount"), jv_number(0));
	if (strcmp(variant, "range-bad") == 0) {
		o = jv_object_set(o, jv_string("amount"), jv_number(0));
		o = jv_object_set(o, jv_string("min_amount"), jv_number(10));
		o = jv_object_set(o, jv_string("max_amount"), jv_number(5));
	}
	if (strcmp(variant, "amount-premium") == 0)
		o = jv_object_set(o, jv_string("premium"), jv_number(5));
	if (strcmp(variant, "too-big") == 0)
		o = jv_object_set(o, jv_string("amount"), jv_number(2000000));
	if (strcmp(variant, "no-kind") == 0)
		o = jv_object_set(o, jv_string("kind"), jv_null());
	return jv_object_set(jv_object(), jv_string("order"), o);
}

/* The message `spec` ("action" or "action:variant", make.py) from `role`:
 * id, trade index, payload as a client sends them (mostro-order msg's
 * forms). which_invoice 0: the fixture's payout invoice, 1: the cell's own. */
static jv action_message(cctx *x, const char *spec, int role, bool invoice, bool expires_now, uint64_t rid,
			 int which_invoice, const char *solver_text)
{
	char action[32];
	const char *colon = strchr(spec, ':');
	const char *variant = colon ? colon + 1 : "";
	snprintf(action, sizeof action, "%.*s", colon ? (int)(colon - spec) : (int)strlen(spec), spec);
	const char *id = NULL;
	jv payload = jv_null();
	int64_t ti, *tip = NULL;
	const char *oid = x->order_id[0] ? x->order_id : x->none_id;
	bool reputation = strcmp(x->k.trade[role], x->k.id[role]) != 0;
	if (strcmp(variant, "invoice") == 0)
		invoice = true;
	const char *inv = strcmp(variant, "bad-invoice") == 0 || strcmp(variant, "bad-amount") == 0
		? x->bad_invoice : x->invoice[which_invoice];
	if (strcmp(action, "new-order") == 0) {
		payload = order_variant(order_payload(x, x->c->fx->kind, expires_now), variant);
	} else if (strcmp(action, "orders") == 0) {
		jv ids = jv_array();
		if (strcmp(variant, "empty") != 0)
			ids = jv_array_append(ids, jv_string(oid));
		for (int i = 0; strcmp(variant, "eleven") == 0 && i < 10; i++) {
			char other[37];
			snprintf(other, sizeof other, "00000000-0000-4000-8000-%06d%06d", x->c->n, i);
			ids = jv_array_append(ids, jv_string(other));
		}
		payload = jv_object_set(jv_object(), jv_string("ids"), ids);
	} else if (strcmp(action, "restore-session") == 0 || strcmp(action, "last-trade-index") == 0) {
		;
	} else if (strcmp(action, "admin-take-dispute") == 0) {
		id = x->dispute_id[0] ? x->dispute_id : x->none_id;
	} else {
		id = oid;
		if ((strcmp(action, "take-sell") == 0 || strcmp(action, "take-buy") == 0) &&
		    (invoice || strcmp(variant, "bad-invoice") == 0))
			payload = payment_request(inv);
		else if (strcmp(action, "add-invoice") == 0 || strcmp(action, "pay-invoice") == 0 ||
			 strcmp(action, "add-bond-invoice") == 0)
			payload = payment_request(inv);
		else if (strcmp(action, "rate-user") == 0)
			payload = jv_object_set(jv_object(), jv_string("rating_user"),
						jv_number(strcmp(variant, "6") == 0 ? 6 : 5));
		else if (strcmp(action, "admin-add-solver") == 0)
			payload = jv_object_set(jv_object(), jv_string("text_message"), jv_string(solver_text));
		else if (strcmp(action, "send-dm") == 0 || strcmp(variant, "text") == 0)
			payload = jv_object_set(jv_object(), jv_string("text_message"), jv_string("hello"));
		else if (strcmp(variant, "slash") == 0) {
			jv br = jv_object_set(jv_object(), jv_string("slash_seller"), jv_true());
			br = jv_object_set(br, jv_string("slash_buyer"), jv_false());
			payload = jv_object_set(jv_object(), jv_string("bond_resolution"), br);
		}
	}
	if (strcmp(action, "new-order") == 0 || strcmp(action, "take-sell") == 0 || strcmp(action, "take-buy") == 0) {
		/* make.py sent_index(): the next index in reputation mode, none in
		 * full privacy; ti0: 0 from everyone; ti-repeat: the last again */
		int idr = role == R_MAKER2 ? R_MAKER : role;
		if (strcmp(variant, "ti0") == 0) {
			ti = 0;
			tip = &ti;
		} else if (reputation && strcmp(variant, "no-ti") != 0) {
			ti = strcmp(variant, "ti-repeat") == 0 ? x->ti[idr] : ++x->ti[idr];
			tip = &ti;
		}
	}
	jv m = oh_message(channel_of(action), &rid, tip, id, action, payload);
	char eid[65];
	snprintf(eid, sizeof eid, "%048x%016llx", 0, (unsigned long long)++x->r->events);
	return oh_message_record(eid, x->k.trade[role], x->k.id[role], x->r->clock, m);
}

/* ------------------------------------------------------------ the node */

static jv answer(cctx *x, ln_op *o)
{
	o->open = false;
	if (strcmp(o->op, "create_hold_invoice") == 0) {
		const char *pre = json_get_str(o->req, "preimage", NULL);
		char h[65];
		if (!oh_hash_of_preimage(pre, h))
			return oh_ln_result_err(o->id, o->op, "invalid_request", "preimage");
		char pr[96];
		snprintf(pr, sizeof pr, "lnbcrt1holdinvoice%.16s", h);
		jv r = jv_object_set(jv_object(), jv_string("payment_request"), jv_string(pr));
		r = jv_object_set(r, jv_string("hash"), jv_string(h));
		r = jv_object_set(r, jv_string("preimage"), jv_string(pre));
		r = jv_object_set(r, jv_string("add_index"), jv_number((double)x->r->events));
		r = jv_object_set(r, jv_string("payment_addr"), jv_string(h));
		return oh_ln_result_ok(o->id, o->op, r);
	}
	if (strcmp(o->op, "settle_hold_invoice") == 0) {
		char h[65];
		if (!oh_hash_of_preimage(json_get_str(o->req, "preimage", NULL), h))
			return oh_ln_result_err(o->id, o->op, "invalid_request", "preimage");
		return oh_ln_result_ok(o->id, o->op, jv_object_set(jv_object(), jv_string("hash"), jv_string(h)));
	}
	if (strcmp(o->op, "cancel_hold_invoice") == 0) {
		const char *h = json_get_str(o->req, "hash", NULL);
		return oh_ln_result_ok(o->id, o->op, jv_object_set(jv_object(), jv_string("hash"), jv_string(h ? h : "")));
	}
	return jv_invalid();
}

static bool auto_answers(const char *op)
{
	return strcmp(op, "create_hold_invoice") == 0 || strcmp(op, "settle_hold_invoice") == 0 ||
	       strcmp(op, "cancel_hold_invoice") == 0;
}

/* ------------------------------------------------------------ fixture steps */

static bool run_step(cctx *x, jv step)
{
	const char *what = json_get_str(step, "do", NULL);
	oh_lines out;
	oh_lines_init(&out);
	bool ok = true;
	if (!what) {
		ok = false;
	} else if (strcmp(what, "msg") == 0) {
		int role = role_of(json_get_str(step, "as", NULL));
		const char *action = json_get_str(step, "action", NULL);
		jv inv = json_get(step, "invoice"), exp = json_get(step, "expires");
		bool invoice = jv_get_kind(inv) == JV_KIND_TRUE, expires_now = jv_get_kind(exp) == JV_KIND_STRING;
		jv_free(inv);
		jv_free(exp);
		ok = role >= 0 && action &&
		     step_io(x, action_message(x, action, role, invoice, expires_now, ++x->step_rid, 0, NULL), &out);
	} else if (strcmp(what, "add-solver") == 0) {
		int who = role_of(json_get_str(step, "who", NULL));
		const char *level = json_get_str(step, "level", NULL);
		char text[160];
		char np[100];
		if (who < 0 || !level)
			ok = false;
		else {
			oh_npub(x->k.id[who], np, sizeof np);
			snprintf(text, sizeof text, "%s:%s", np, level);
			ok = step_io(x, action_message(x, "admin-add-solver", R_ADMIN, false, false, ++x->step_rid, 0, text),
				     &out);
		}
	} else if (strcmp(what, "ln") == 0) {
		ln_op *o = newest_open(x, oh_str(step, "op", ""));
		ok = o && step_io(x, answer(x, o), &out);
	} else if (strcmp(what, "accept") == 0) {
		ln_op *o = newest_open(x, "watch_invoice");
		if (o) {
			jv ev = jv_object_set(jv_object(), jv_string("hash"), jv_string(json_get_str(o->req, "hash", NULL)));
			ev = jv_object_set(ev, jv_string("state"), jv_string("ACCEPTED"));
			ev = jv_object_set(ev, jv_string("amt_paid_msat"), json_from_i64(x->hold_amount * 1000));
			ok = step_io(x, oh_ln_event(o->id, o->op, ev), &out);
		} else
			ok = false;
	} else if (strcmp(what, "pay") == 0) {
		ln_op *o = newest_open(x, "pay_invoice");
		const char *how = oh_str(step, "outcome", "");
		if (o) {
			const char *pr = json_get_str(o->req, "payment_request", NULL);
			const char *h = pr && x->invoice[1] && strcmp(pr, x->invoice[1]) == 0 ? x->inv_hash[1] : x->inv_hash[0];
			bool win = strcmp(how, "succeed") == 0;
			jv ev = jv_object_set(jv_object(), jv_string("payment_hash"), jv_string(h));
			ev = jv_object_set(ev, jv_string("status"), jv_string(win ? "SUCCEEDED" : "FAILED"));
			if (win)
				ev = jv_object_set(ev, jv_string("preimage"), jv_string(h));
			else
				ev = jv_object_set(ev, jv_string("failure_reason"), jv_string("FAILURE_REASON_NO_ROUTE"));
			ok = step_io(x, oh_ln_event(o->id, o->op, ev), &out);
			o->open = false;
			jv res = jv_object_set(jv_object(), jv_string("payment_hash"), jv_string(h));
			res = jv_object_set(res, jv_string("status"), jv_string(win ? "SUCCEEDED" : "FAILED"));
			ok = ok && step_io(x, oh_ln_result_ok(o->id, o->op, res), &out);
		} else
			ok = false;
	} else if (strcmp(what, "tick") == 0) {
		jv dt = json_get(step, "dt");
		int64_t d = 0;
		json_get_i64(dt, &d);
		jv_free(dt);
		x->r->clock += d;
		jv t = jv_object_set(jv_object(), jv_string("type"), jv_string("tick"));
		ok = step_io(x, jv_object_set(t, jv_string("now"), json_from_i64(x->r->clock)), &out);
	} else {
		ok = false;
	}
	if (!ok && !x->err[0]) {
		char *s = json_dumps(step);
		snprintf(x->err, sizeof x->err, "fixture step %s could not run", s);
		free(s);
	}
	oh_lines_free(&out);
	return ok;
}

/* ------------------------------------------------------------ observing */

/* The order's row as the vector's STATE (roles for keys). */
static jv observe_state(cctx *x)
{
	if (!x->order_id[0])
		return jv_null();
	jv args = jv_object_set(jv_object(), jv_string("order_id"), jv_string(x->order_id));
	char qid[32], did[32];
	if (!oh_ctl_send(&x->r->e, "order", args, qid) || !oh_ctl_send(&x->r->e, "disputes", jv_null(), did))
		return jv_null();
	jv r = oh_ctl_wait(&x->r->e, qid, NULL);
	jv d = oh_ctl_wait(&x->r->e, did, NULL);
	jv ok = json_get(r, "ok");
	bool found = jv_get_kind(ok) == JV_KIND_TRUE;
	jv_free(ok);
	if (!found) {
		jv_free(r);
		jv_free(d);
		return jv_null();
	}
	jv row = json_get(r, "result");
	jv_free(r);
	jv s = jv_object();
	s = jv_object_set(s, jv_string("status"), json_get(row, "status"));
	static const char *const keyf[][2] = {{"creator", "creator_pubkey"}, {"buyer", "buyer_pubkey"},
		{"seller", "seller_pubkey"}, {"cancel_initiator", "cancel_initiator_pubkey"}};
	for (size_t i = 0; i < sizeof keyf / sizeof *keyf; i++) {
		const char *hex = json_get_str(row, keyf[i][1], NULL);
		char name[32];
		role_name_of(&x->k, hex, name, sizeof name);
		s = jv_object_set(s, jv_string(keyf[i][0]), hex ? jv_string(name) : jv_null());
	}
	static const char *const boolf[][2] = {{"buyer_dispute", "buyer_dispute"}, {"seller_dispute", "seller_dispute"},
		{"buyer_coop", "buyer_cooperativecancel"}, {"seller_coop", "seller_cooperativecancel"},
		{"buyer_rated", "buyer_sent_rate"}, {"seller_rated", "seller_sent_rate"},
		{"failed_payment", "failed_payment"}};
	for (size_t i = 0; i < sizeof boolf / sizeof *boolf; i++)
		s = jv_object_set(s, jv_string(boolf[i][0]), json_get(row, boolf[i][1]));
	static const char *const setf[][2] = {{"hash", "hash"}, {"invoice", "buyer_invoice"},
		{"payout", "payout_payment_hash"}};
	for (size_t i = 0; i < sizeof setf / sizeof *setf; i++) {
		jv v = json_get(row, setf[i][1]);
		s = jv_object_set(s, jv_string(setf[i][0]), jv_bool(jv_get_kind(v) == JV_KIND_STRING));
		jv_free(v);
	}
	s = jv_object_set(s, jv_string("attempts"), json_get(row, "payment_attempts"));
	jv_free(row);
	/* the order's dispute row */
	jv list = json_get(d, "result");
	jv_free(d);
	jv dj = jv_null();
	if (jv_get_kind(list) == JV_KIND_ARRAY) {
		jv_array_foreach(list, i, e) {
			const char *oid = json_get_str(e, "order_id", NULL);
			if (oid && strcmp(oid, x->order_id) == 0) {
				const char *solver = json_get_str(e, "solver_pubkey", NULL);
				char name[32];
				role_name_of(&x->k, solver, name, sizeof name);
				jv_free(dj);
				dj = jv_object_set(jv_object(), jv_string("status"), json_get(e, "status"));
				dj = jv_object_set(dj, jv_string("solver"), solver ? jv_string(name) : jv_null());
			}
			jv_free(e);
		}
	}
	jv_free(list);
	return jv_object_set(s, jv_string("dispute"), dj);
}

/* The fixture's state with the cell's changes over it. */
static jv merged_state(jv base, jv changes)
{
	if (jv_get_kind(base) != JV_KIND_OBJECT || jv_get_kind(changes) != JV_KIND_OBJECT)
		return jv_copy(changes);
	jv s = jv_copy(base);
	jv_object_foreach(changes, k, v) s = jv_object_set(s, k, v);
	return s;
}

/* "" when equal, else the differing fields. */
static void state_diff(jv want, jv got, char *out, size_t cap)
{
	out[0] = 0;
	if (jv_get_kind(want) != JV_KIND_OBJECT || jv_get_kind(got) != JV_KIND_OBJECT) {
		if (!jv_equal(jv_copy(want), jv_copy(got))) {
			char *a = json_dumps(want), *b = json_dumps(got);
			snprintf(out, cap, "want %s, got %s", a, b);
			free(a);
			free(b);
		}
		return;
	}
	size_t used = 0;
	jv_object_foreach(want, k, v) {
		jv g = jv_object_get(jv_copy(got), jv_copy(k));
		if (!jv_equal(jv_copy(v), jv_copy(g)) && used < cap) {
			char *a = json_dumps(v), *b = json_dumps(g);
			used += (size_t)snprintf(out + used, cap - used, "%s%s: want %s, got %s", used ? "; " : "",
						 jv_string_value(k), a, b);
			free(a);
			free(b);
		}
		jv_free(g);
		jv_free(k);
		jv_free(v);
	}
}

/* One output line as a TOKEN (make.py's docstring). */
static char *token(cctx *x, jv v, const char *text)
{
	char t[512];
	switch (oh_classify(v)) {
	case OH_DM: {
		oh_dm d;
		if (!oh_dm_parse(v, &d)) {
			oh_dm_free(&d);
			snprintf(t, sizeof t, "? %.200s", text);
			break;
		}
		char to[32];
		role_name_of(&x->k, d.to, to, sizeof to);
		const char *rid = !d.has_rid ? "-" : d.rid == x->act_rid ? "rid" : "old";
		char payload[32] = "null", detail[96] = "";
		if (jv_get_kind(d.payload) == JV_KIND_OBJECT) {
			snprintf(payload, sizeof payload, "?");
			jv_object_foreach(d.payload, k, pv) {
				snprintf(payload, sizeof payload, "%s", jv_string_value(k));
				if (strcmp(d.action, "cant-do") == 0 && jv_get_kind(pv) == JV_KIND_STRING)
					snprintf(detail, sizeof detail, " %s", jv_string_value(pv));
				if (strcmp(jv_string_value(k), "restore_data") == 0) {
					jv o = json_get(pv, "orders"), ds = json_get(pv, "disputes");
					snprintf(detail, sizeof detail, " orders=%d disputes=%d",
						 jv_get_kind(o) == JV_KIND_ARRAY ? jv_array_length(jv_copy(o)) : -1,
						 jv_get_kind(ds) == JV_KIND_ARRAY ? jv_array_length(jv_copy(ds)) : -1);
					jv_free(o);
					jv_free(ds);
				}
				jv_free(k);
				jv_free(pv);
			}
		} else if (jv_get_kind(d.payload) != JV_KIND_NULL) {
			snprintf(payload, sizeof payload, "?");
		}
		if (strcmp(d.action, "last-trade-index") == 0) {
			jv ti = json_get(d.kind, "trade_index");
			int64_t n = -1;
			json_get_i64(ti, &n);
			jv_free(ti);
			snprintf(detail, sizeof detail, " ti=%lld", (long long)n);
		}
		char chan[40] = "";
		if (strcmp(d.channel, "order") != 0 && strcmp(d.action, "cant-do") != 0)
			snprintf(chan, sizeof chan, " @%s", d.channel);
		snprintf(t, sizeof t, "dm %s %s %s %s%s%s", to, d.action, rid, payload, chan, detail);
		oh_dm_free(&d);
		break;
	}
	case OH_EVENT: {
		jv kv = json_get(v, "kind");
		int64_t kind = 0;
		json_get_i64(kv, &kind);
		jv_free(kv);
		const char *s = oh_tag(v, "s"), *dtag = oh_tag(v, "d");
		bool other = kind == 38383 && (!dtag || strcmp(dtag, x->order_id) != 0);
		if (kind == 38383 || kind == 38386)
			snprintf(t, sizeof t, "ev %lld %s%s", (long long)kind, s ? s : "?", other ? " other" : "");
		else
			snprintf(t, sizeof t, "ev %lld", (long long)kind);
		break;
	}
	case OH_LN:
		snprintf(t, sizeof t, "ln %s", json_get_str(v, "op", NULL));
		break;
	default:
		snprintf(t, sizeof t, "? %.200s", text);
		break;
	}
	return strdup(t);
}

/* ------------------------------------------------------------ one cell */

typedef enum verdict { V_PASS, V_FAIL, V_SKIP } verdict;

static verdict run_cell(run *r, const cell *c, char *why, size_t whycap, char **got_tokens, jv *got_state,
			jv *want_state)
{
	cctx x;
	memset(&x, 0, sizeof x);
	x.r = r;
	x.c = c;
	keys_for(&x.k, c->n, strcmp(c->fx->family, "admin") == 0);
	snprintf(x.none_id, sizeof x.none_id, "00000000-0000-4000-8000-%012d", c->n);
	char label[64];
	for (int i = 0; i < 2; i++) {
		snprintf(label, sizeof label, "matrix:%d:payout:%d", c->n, i);
		x.invoice[i] = oh_invoice(label, PAYOUT, T0 - 60, 7 * 86400, x.inv_hash[i]);
	}
	snprintf(label, sizeof label, "matrix:%d:payout:bad", c->n);
	x.bad_invoice = oh_invoice(label, 99000, T0 - 60, 7 * 86400, x.bad_hash);
	x.step_rid = 100;
	x.act_rid = RID_BASE + (uint64_t)c->n;
	*got_tokens = NULL;
	*got_state = jv_null();
	*want_state = jv_null();

	/* the fixture, through real inputs */
	jv steps = c->fx->steps;
	int nsteps = jv_get_kind(steps) == JV_KIND_ARRAY ? jv_array_length(jv_copy(steps)) : 0;
	for (int i = 0; i < nsteps; i++) {
		jv s = jv_array_get(jv_copy(steps), i);
		bool ok = run_step(&x, s);
		jv_free(s);
		if (!ok) {
			snprintf(why, whycap, "%s", x.err);
			cctx_free(&x);
			return V_FAIL;
		}
	}
	/* the fixture's row, checked on its first cell (each later cell's row
	 * after its action is compared field by field with the fixture's
	 * under the cell's changes, which a wrong fixture also fails) */
	char diff[1024] = "";
	if (!c->fx->checked) {
		jv fst = observe_state(&x);
		state_diff(c->fx->state, fst, diff, sizeof diff);
		jv_free(fst);
		((fixture *)c->fx)->checked = true;
	}
	if (diff[0]) {
		snprintf(why, whycap, "fixture %s not reached: %s", c->fx->name, diff);
		cctx_free(&x);
		return V_FAIL;
	}

	/* the cell's action, and what the node's answers lead to */
	int role = role_of(c->as);
	if (strncmp(c->action, "trade-pubkey", 12) == 0 && role == R_MAKER)
		role = R_MAKER2;
	char np[100], text[160] = "";
	oh_npub(x.k.id[R_NEWSOLVER], np, sizeof np);
	snprintf(text, sizeof text, "%s", np);
	oh_lines out;
	oh_lines_init(&out);
	size_t first_op = x.nops;
	bool ok = step_io(&x, action_message(&x, c->action, role, false, false, x.act_rid, 1, text), &out);
	for (int rounds = 0; ok && rounds < 8; rounds++) {
		ln_op *o = NULL;
		for (size_t i = first_op; i < x.nops && !o; i++)
			if (x.ops[i].open && auto_answers(x.ops[i].op))
				o = &x.ops[i];
		if (!o)
			break;
		ok = step_io(&x, answer(&x, o), &out);
	}
	if (!ok) {
		snprintf(why, whycap, "%s", x.err);
		oh_lines_free(&out);
		cctx_free(&x);
		return V_FAIL;
	}
	/* tokens (after the outputs told the order id of a new order) */
	size_t cap = 256, used = 0;
	char *toks = malloc(cap);
	toks[0] = 0;
	for (size_t i = 0; i < out.n; i++) {
		if (oh_classify(out.v[i]) == OH_CTL)
			continue;
		char *t = token(&x, out.v[i], out.text[i]);
		size_t n = strlen(t);
		while (used + n + 2 >= cap)
			toks = realloc(toks, cap *= 2);
		used += (size_t)sprintf(toks + used, "%s%s", used ? "\n" : "", t);
		free(t);
	}
	oh_lines_free(&out);
	*got_tokens = toks;

	jv want = merged_state(c->fx->state, c->want_state);
	jv got = observe_state(&x);
	verdict v = V_PASS;
	/* compare the outputs */
	char *want_toks = NULL;
	{
		size_t wcap = 256, wused = 0;
		want_toks = malloc(wcap);
		want_toks[0] = 0;
		jv_array_foreach(c->want_out, i, tv) {
			const char *s = jv_string_value(tv);
			size_t n = strlen(s);
			while (wused + n + 2 >= wcap)
				want_toks = realloc(want_toks, wcap *= 2);
			wused += (size_t)sprintf(want_toks + wused, "%s%s", wused ? "\n" : "", s);
			jv_free(tv);
		}
	}
	why[0] = 0;
	if (strcmp(want_toks, toks) != 0) {
		v = V_FAIL;
		snprintf(why, whycap, "outputs differ");
	}
	state_diff(want, got, diff, sizeof diff);
	if (diff[0]) {
		v = V_FAIL;
		size_t l = strlen(why);
		snprintf(why + l, whycap - l, "%srow: %s", l ? "; " : "", diff);
	}
	free(want_toks);
	*got_state = got;
	*want_state = want;
	cctx_free(&x);
	return v;
}

/* ------------------------------------------------------------ families */

static const order_job *job_named(const char *name)
{
	for (size_t i = 0; i < order_job_count; i++)
		if (strcmp(order_jobs[i].name, name) == 0)
			return &order_jobs[i];
	return NULL;
}

static const char *not_built(const cell *c, char *out, size_t cap)
{
	size_t base = strcspn(c->action, ":");
	for (int a = 0; a < MA_COUNT; a++)
		if (strlen(mostro_action_names[a]) == base && strncmp(mostro_action_names[a], c->action, base) == 0) {
			const action_row *row = order_action_row(a);
			if (row && row->kind == DISPATCH_NOT_BUILT) {
				snprintf(out, cap, "handler not built: %s", row->ref);
				return out;
			}
		}
	if (c->fx->needs_job) {
		const order_job *j = job_named(c->fx->needs_job);
		if (!j || !j->run) {
			snprintf(out, cap, "fixture needs the %s job (%s), not built", c->fx->needs_job, j ? j->ref : "?");
			return out;
		}
	}
	return NULL;
}

static int n_pass, n_fail, n_skip, n_xfail, n_xpass;

/* Families run in parallel child processes (one per CPU at most); each
 * writes its results as records, "ok|fail|diag\t<text>" lines and a last
 * "count\t..." line, into a temporary file the parent replays as TAP in
 * family order. */
static FILE *rec_out;

static void r_line(const char *kind, const char *fmt, va_list ap)
{
	fprintf(rec_out, "%s\t", kind);
	char text[4096];
	vsnprintf(text, sizeof text, fmt, ap);
	for (char *p = text; *p; p++)
		if (*p == '\n' || *p == '\t')
			*p = ' ';
	fprintf(rec_out, "%s\n", text);
}

static void r_ok(bool ok, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void r_ok(bool ok, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	r_line(ok ? "ok" : "fail", fmt, ap);
	va_end(ap);
}

static void r_diag(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void r_diag(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	r_line("diag", fmt, ap);
	va_end(ap);
}

static void print_tokens(const char *label, const char *toks)
{
	r_diag("  %s:", label);
	if (!toks || !*toks) {
		r_diag("    (nothing)");
		return;
	}
	const char *p = toks;
	while (*p) {
		const char *nl = strchr(p, '\n');
		size_t n = nl ? (size_t)(nl - p) : strlen(p);
		r_diag("    %.*s", (int)n, p);
		p += n + (nl ? 1 : 0);
	}
}

static void report_cell(const cell *c, verdict v, const char *why, const char *got_toks)
{
	char name[400];
	snprintf(name, sizeof name, "cell %d: %s x %s x %s: %s -> %s", c->n, c->action, c->fx->name, c->as, c->ref,
		 c->summary);
	if (c->xfail) {
		if (v == V_PASS) {
			n_xpass++;
			r_ok(false, "%s (XPASS: the engine agrees now; drop its XFAIL entry in make.py: %s)", name, c->xfail);
		} else {
			n_xfail++;
			r_ok(true, "%s # SKIP xfail: %s", name, c->xfail);
		}
		return;
	}
	if (v == V_PASS) {
		n_pass++;
		r_ok(true, "%s", name);
		if (getenv("MATRIX_VERBOSE"))
			print_tokens("got", got_toks);
		return;
	}
	n_fail++;
	r_ok(false, "%s", name);
	r_diag("  %s", why);
	size_t cap = 256, used = 0;
	char *w = malloc(cap);
	w[0] = 0;
	jv_array_foreach(c->want_out, i, tv) {
		const char *s = jv_string_value(tv);
		while (used + strlen(s) + 2 >= cap)
			w = realloc(w, cap *= 2);
		used += (size_t)sprintf(w + used, "%s%s", used ? "\n" : "", s);
		jv_free(tv);
	}
	print_tokens("want", w);
	print_tokens("got", got_toks);
	free(w);
}

static bool start_family(run *r, const char *family)
{
	memset(r, 0, sizeof *r);
	order_config cfg;
	order_config_defaults(&cfg);
	cfg.fee = 0.006;
	order_config_add_relay(&cfg, "wss://relay.one");
	order_config_add_fiat(&cfg, "USD");     /* (make.py: new-order:fiat-xyz) */
	order_config_add_fiat(&cfg, "EUR");
	snprintf(cfg.mostro_pubkey, sizeof cfg.mostro_pubkey, "%s", MOSTRO);
	const char *log = getenv("MATRIX_ENGINE_LOG");
	char path[512];
	if (log)
		snprintf(path, sizeof path, "%s.%s", log, family);
	oh_opts o = {.db_path = ":memory:", .cfg = &cfg, .seed_hex = SEED, .stderr_path = log ? path : NULL};
	bool ok = oh_start(&r->e, &o);
	order_config_free(&cfg);
	if (!ok)
		return false;
	r->ok = true;
	r->clock = T0;
	oh_lines out;
	oh_lines_init(&out);
	char tick[64];
	snprintf(tick, sizeof tick, "{\"type\":\"tick\",\"now\":%d}", T0);
	ok = oh_write(&r->e, tick) && oh_sync(&r->e, &out);
	/* the node's network (the get_info every start asks) */
	for (size_t i = 0; ok && i < out.n; i++)
		if (oh_classify(out.v[i]) == OH_LN && strcmp(oh_str(out.v[i], "op", ""), "get_info") == 0) {
			jv chain = jv_object_set(jv_object(), jv_string("chain"), jv_string("bitcoin"));
			chain = jv_object_set(chain, jv_string("network"), jv_string("regtest"));
			jv res = jv_object_set(jv_object(), jv_string("network"), jv_string("regtest"));
			res = jv_object_set(res, jv_string("chains"), jv_array_append(jv_array(), chain));
			res = jv_object_set(res, jv_string("block_height"), jv_number(1000));
			ok = oh_write_jv(&r->e, oh_ln_result_ok(oh_str(out.v[i], "id", ""), "get_info", res));
		}
	oh_lines_clear(&out);
	ok = ok && oh_sync(&r->e, &out);
	oh_lines_free(&out);
	return ok;
}

static void run_family(const char *family)
{
	run r;
	bool started = false;
	for (size_t i = 0; i < ncells; i++) {
		const cell *c = &cells[i];
		if (strcmp(c->fx->family, family) != 0)
			continue;
		char nb[256];
		const char *skip = not_built(c, nb, sizeof nb);
		if (skip && !c->xfail) {
			n_skip++;
			r_ok(true, "cell %d: %s x %s x %s: %s # SKIP %s", c->n, c->action, c->fx->name, c->as, c->ref, skip);
			continue;
		}
		if (!started) {
			started = start_family(&r, family);
			if (!started) {
				r_ok(false, "family %s: the engine starts", family);
				return;
			}
		}
		if (!r.ok) {
			n_fail++;
			r_ok(false, "cell %d: %s x %s x %s (the engine of family %s died earlier)", c->n, c->action,
			     c->fx->name, c->as, family);
			continue;
		}
		char why[2048];
		char *toks = NULL;
		jv got = jv_null(), want = jv_null();
		verdict v = run_cell(&r, c, why, sizeof why, &toks, &got, &want);
		report_cell(c, v, why, toks);
		free(toks);
		jv_free(got);
		jv_free(want);
	}
	if (started) {
		int rc = oh_stop(&r.e, NULL);
		r_ok(rc == 0, "family %s: the engine ends cleanly at the end of its input (status %d)", family, rc);
	}
}

int main(void)
{
	int n = t_jsonl("order-matrix/matrix.jsonl", load_line, NULL);
	t_ok(n > 0 && ncells > 0, "matrix.jsonl: %zu fixtures, %zu cells", nfix, ncells);
	for (size_t i = 0; i < ncells; i++)
		cells[i].fx = fixture_named(cells[i].fixture);   /* (fixtures[] is complete now) */
	/* families in the order they first appear */
	char fams[16][16];
	size_t nf = 0;
	for (size_t i = 0; i < nfix; i++) {
		bool seen = false;
		for (size_t j = 0; j < nf; j++)
			seen = seen || strcmp(fams[j], fixtures[i].family) == 0;
		if (!seen && nf < 16)
			snprintf(fams[nf++], sizeof fams[0], "%s", fixtures[i].family);
	}
	const char *only = getenv("MATRIX_FAMILY");
	long cpus = sysconf(_SC_NPROCESSORS_ONLN);
	size_t par = cpus > 1 ? (size_t)cpus : 1, running = 0, oldest = 0;
	FILE *outs[16] = {0};
	pid_t pids[16] = {0};
	int status[16] = {0};
	for (size_t j = 0; j < nf; j++) {
		if (only && strcmp(only, fams[j]) != 0)
			continue;
		for (; running >= par; oldest++)
			if (pids[oldest] > 0) {
				waitpid(pids[oldest], &status[oldest], 0);
				running--;
			}
		outs[j] = tmpfile();
		fflush(stdout);
		pids[j] = outs[j] ? fork() : -1;
		if (pids[j] == 0) {
			rec_out = outs[j];
			run_family(fams[j]);
			fprintf(rec_out, "count\t%d %d %d %d %d\n", n_pass, n_fail, n_skip, n_xfail, n_xpass);
			fflush(rec_out);
			_exit(0);
		}
		if (pids[j] > 0)
			running++;
	}
	for (size_t j = oldest; j < nf; j++)
		if (pids[j] > 0)
			waitpid(pids[j], &status[j], 0);
	/* replay each family's records as TAP, in family order */
	for (size_t j = 0; j < nf; j++) {
		if (only && strcmp(only, fams[j]) != 0)
			continue;
		t_ok(pids[j] > 0 && WIFEXITED(status[j]) && WEXITSTATUS(status[j]) == 0, "family %s ran to its end",
		     fams[j]);
		if (!outs[j])
			continue;
		rewind(outs[j]);
		char line[8192];
		while (fgets(line, sizeof line, outs[j])) {
			line[strcspn(line, "\n")] = 0;
			char *tab = strchr(line, '\t');
			if (!tab)
				continue;
			*tab++ = 0;
			if (strcmp(line, "ok") == 0 || strcmp(line, "fail") == 0) {
				t_ok(strcmp(line, "ok") == 0, "%s", tab);
			} else if (strcmp(line, "diag") == 0) {
				t_diag("%s", tab);
			} else if (strcmp(line, "count") == 0) {
				int a, b, c, d, e;
				if (sscanf(tab, "%d %d %d %d %d", &a, &b, &c, &d, &e) == 5) {
					n_pass += a;
					n_fail += b;
					n_skip += c;
					n_xfail += d;
					n_xpass += e;
				}
			}
		}
		fclose(outs[j]);
	}
	t_diag("matrix: %zu cells: %d checked (%d passed, %d failed), %d skipped (not built), %d xfail, %d xpass",
	       ncells, n_pass + n_fail, n_pass, n_fail, n_skip, n_xfail, n_xpass);
	for (size_t i = 0; i < ncells; i++) {
		jv_free(cells[i].want_out);
		jv_free(cells[i].want_state);
		free(cells[i].xfail);
	}
	for (size_t i = 0; i < nfix; i++) {
		jv_free(fixtures[i].steps);
		jv_free(fixtures[i].state);
		free(fixtures[i].needs_job);
	}
	free(cells);
	free(fixtures);
	return t_done();
}
