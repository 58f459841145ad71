#include "ln_ops.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sodium.h>

#include "buf.h"
#include "hex.h"
#include "json.h"
#include "lineio.h"
#include "ln_fees.h"
#include "sha256.h"

void ln_ops_config_defaults(ln_ops_config *c)
{
	memset(c, 0, sizeof *c);
	c->max_routing_fee = LN_MAX_ROUTING_FEE_DEFAULT;
	c->min_payment_amount = 100;
	c->invoice_expiration_window = 3600;
	c->max_final_cltv_expiry_delta = 432;
	c->hold_cltv_delta = 144;
	c->hold_expiry_secs = 86400;
	c->guard_ms = 2000;
	c->status_timeout_ms = 10000;
	c->reconnect_min_ms = 250;
	c->reconnect_max_ms = 30000;
}

typedef struct req req;
typedef struct op_def op_def;

struct ln_ops {
	ln_backend   *b;
	evloop       *loop;
	ln_ops_config cfg;
	ln_emit_fn    emit;
	void         *ctx;
	req          *reqs;          /* active requests (doubly linked) */
	size_t        nreqs;
	unsigned long failed_lines;
	bool          shutting_down;
};

/* pay_invoice phases */
enum pay_phase { PAY_GUARD, PAY_SEND, PAY_FOLLOW };

struct req {
	ln_ops       *o;
	req          *next, *prev;
	const op_def *op;
	jv            id;
	char         *idkey;         /* serialized id, for cancel_request */
	ln_call      *call;          /* the backend call in progress, if any */
	evtimer      *timer;         /* bound, backoff or deferred finish */
	uint8_t       hash[32];
	/* streams */
	bool          reconnect;
	uint32_t      backoff_ms;
	unsigned      events;        /* events emitted */
	bool          terminal;      /* a terminal state/status was seen */
	jv            last;          /* last event (pay: the final result) */
	/* pay_invoice */
	enum pay_phase phase;
	ln_call      *send;          /* prepared SendPaymentV2 call, started after the guard */
	ln_error      first_err;     /* the send's transport error while following */
	bool          had_send_err;
};

struct op_def {
	const char *name;
	const char *const *params;     /* allowed parameter names besides id/op/type */
	bool stream;
	/* Starts the op. False with *err set when the params are refused. */
	bool (*start)(req *r, jv q, ln_error *err);
};

/* ---------- output ---------- */

static jv record(req *r, const char *type)
{
	jv o = jv_object();
	o = jv_object_set(o, jv_string("type"), jv_string(type));
	o = jv_object_set(o, jv_string("id"), r ? jv_copy(r->id) : jv_null());
	o = jv_object_set(o, jv_string("op"), jv_string(r && r->op ? r->op->name : ""));
	return o;
}

static void unlink_req(req *r)
{
	ln_ops *o = r->o;
	if (r->prev)
		r->prev->next = r->next;
	else if (o->reqs == r)
		o->reqs = r->next;
	if (r->next)
		r->next->prev = r->prev;
	r->next = r->prev = NULL;
	o->nreqs--;
}

static void req_free(req *r)
{
	ln_ops *o = r->o;
	evloop_timer_cancel(o->loop, r->timer);
	ln_call_abort(o->b, r->call);
	ln_call_abort(o->b, r->send);
	jv_free(r->id);
	jv_free(r->last);
	free(r->idkey);
	free(r);
}

/* Emits the request's one ln_result (ok) and frees it. */
static void finish_ok(req *r, jv result)
{
	ln_ops *o = r->o;
	jv rec = record(r, "ln_result");
	rec = jv_object_set(rec, jv_string("ok"), jv_true());
	rec = jv_object_set(rec, jv_string("result"), result);
	unlink_req(r);
	o->emit(o->ctx, rec);
	req_free(r);
}

static void finish_err(req *r, const ln_error *e)
{
	ln_ops *o = r->o;
	jv rec = record(r, "ln_result");
	rec = jv_object_set(rec, jv_string("ok"), jv_false());
	rec = jv_object_set(rec, jv_string("error"), ln_error_json(e));
	unlink_req(r);
	o->emit(o->ctx, rec);
	req_free(r);
}

static void emit_event(req *r, jv ev)
{
	jv rec = record(r, "ln_event");
	rec = jv_object_set(rec, jv_string("event"), ev);
	r->events++;
	r->o->emit(r->o->ctx, rec);
}

/* A refused line that never became a request. */
static void refuse_line(ln_ops *o, jv id, const char *opname, unsigned long lineno, const ln_error *e)
{
	report_line(lineno, "%s", e->message);
	o->failed_lines++;
	jv rec = jv_object();
	rec = jv_object_set(rec, jv_string("type"), jv_string("ln_result"));
	rec = jv_object_set(rec, jv_string("id"), id);
	rec = jv_object_set(rec, jv_string("op"), opname ? jv_string(opname) : jv_null());
	rec = jv_object_set(rec, jv_string("ok"), jv_false());
	rec = jv_object_set(rec, jv_string("error"), ln_error_json(e));
	o->emit(o->ctx, rec);
}

/* ---------- parameters ---------- */

static bool param_hash(jv q, const char *key, uint8_t out[32], ln_error *err)
{
	size_t n;
	jv v = json_get(q, key);
	if (!jv_is_valid(v)) {
		jv_free(v);
		ln_error_set(err, LN_ERR_INVALID_REQUEST, "missing \"%s\" (64 hex digits)", key);
		return false;
	}
	const char *s = json_str(v, &n);
	bool ok = s && hex_decode(out, 32, s, n, false);
	jv_free(v);
	if (!ok)
		ln_error_set(err, LN_ERR_INVALID_REQUEST, "\"%s\" must be 64 hex digits", key);
	return ok;
}

/* An optional integer in [min, max]; *present tells whether it was given. */
static bool param_u64(jv q, const char *key, uint64_t min, uint64_t max, uint64_t *out,
		      bool *present, ln_error *err)
{
	jv v = json_get(q, key);
	if (!jv_is_valid(v)) {
		jv_free(v);
		if (present)
			*present = false;
		return true;
	}
	uint64_t x;
	bool ok = json_get_u64(v, &x) && x >= min && x <= max;
	jv_free(v);
	if (!ok) {
		ln_error_set(err, LN_ERR_INVALID_REQUEST, "\"%s\" must be an integer in %llu..%llu", key,
			     (unsigned long long)min, (unsigned long long)max);
		return false;
	}
	*out = x;
	if (present)
		*present = true;
	return true;
}

static bool param_bool(jv q, const char *key, bool *out, ln_error *err)
{
	jv v = json_get(q, key);
	jv_kind k = jv_get_kind(v);
	jv_free(v);
	if (k == JV_KIND_INVALID)
		return true;
	if (k != JV_KIND_TRUE && k != JV_KIND_FALSE) {
		ln_error_set(err, LN_ERR_INVALID_REQUEST, "\"%s\" must be true or false", key);
		return false;
	}
	*out = k == JV_KIND_TRUE;
	return true;
}

/* An optional string of at most max bytes; *out points into q (borrowed). */
static bool param_str(jv q, const char *key, size_t max, const char **out, size_t *len, ln_error *err)
{
	jv v = json_get(q, key);
	if (!jv_is_valid(v)) {
		jv_free(v);
		*out = NULL;
		return true;
	}
	jv_free(v);
	size_t n;
	const char *s = json_get_str(q, key, &n);
	if (!s || n > max || memchr(s, 0, n)) {
		ln_error_set(err, LN_ERR_INVALID_REQUEST, "\"%s\" must be a string of at most %zu bytes", key, max);
		return false;
	}
	*out = s;
	if (len)
		*len = n;
	return true;
}

static bool check_params(const op_def *op, jv q, ln_error *err)
{
	bool ok = true;
	jv_object_foreach(q, k, v) {
		const char *name = jv_string_value(k);
		bool known = !strcmp(name, "id") || !strcmp(name, "op") || !strcmp(name, "type");
		for (const char *const *p = op->params; !known && p && *p; p++)
			known = strcmp(*p, name) == 0;
		if (!known && ok) {
			ln_error_set(err, LN_ERR_INVALID_REQUEST, "op %s: unknown parameter \"%s\"", op->name, name);
			ok = false;
		}
		jv_free(k);
		jv_free(v);
	}
	return ok;
}

/* ---------- calls ---------- */

static ln_call *new_call(req *r, ln_prim prim, ln_event_fn ev, ln_done_fn done)
{
	ln_call *c = ln_call_new(prim);
	c->owner = r;
	c->on_event = ev;
	c->on_done = done;
	return c;
}

/* Starts c as r's current call. The backend may complete it (and even finish
 * r) before this returns: callers must not touch r afterwards. */
static void start_call(req *r, ln_call *c)
{
	r->call = c;
	ln_backend_start(r->o->b, c);
}

/* Unary ops: the call's result is the op's result. */
static void unary_done(ln_call *c, jv result, const ln_error *err)
{
	req *r = c->owner;
	r->call = NULL;
	if (err)
		finish_err(r, err);
	else
		finish_ok(r, result);
}

static jv hex32(const uint8_t b[32])
{
	char h[65];
	hex_encode(h, b, 32);
	return jv_string(h);
}

/* ---------- get_info ---------- */

static bool start_get_info(req *r, jv q, ln_error *err)
{
	(void)q; (void)err;
	start_call(r, new_call(r, LN_PRIM_GET_INFO, NULL, unary_done));
	return true;
}

/* ---------- create_hold_invoice ---------- */

#define LND_MEMO_MAX 1024
#define LND_CLTV_MIN 24          /* LND refuses smaller cltv_expiry... */
#define LND_CLTV_MAX 65535       /* ... and larger */
#define LND_EXPIRY_MAX 31536000  /* one year */

static bool start_create_hold(req *r, jv q, ln_error *err)
{
	uint64_t sat = 0, msat = 0, cltv = r->o->cfg.hold_cltv_delta, expiry = r->o->cfg.hold_expiry_secs;
	bool has_sat = false, has_msat = false;
	const char *memo;
	size_t memolen = 0;
	if (!param_u64(q, "amount_sat", 1, UINT64_MAX / 1000, &sat, &has_sat, err) ||
	    !param_u64(q, "amount_msat", 1, UINT64_MAX, &msat, &has_msat, err) ||
	    !param_u64(q, "cltv_expiry", LND_CLTV_MIN, LND_CLTV_MAX, &cltv, NULL, err) ||
	    !param_u64(q, "expiry_secs", 1, LND_EXPIRY_MAX, &expiry, NULL, err) ||
	    !param_str(q, "memo", LND_MEMO_MAX, &memo, &memolen, err))
		return false;
	if (has_sat == has_msat) {
		ln_error_set(err, LN_ERR_INVALID_REQUEST, "give exactly one of \"amount_sat\" and \"amount_msat\"");
		return false;
	}
	uint8_t preimage[32];
	if (json_has(q, "preimage")) {
		if (!param_hash(q, "preimage", preimage, err))
			return false;
	} else {
		randombytes_buf(preimage, 32);
	}
	ln_call *c = new_call(r, LN_PRIM_ADD_HOLD, NULL, unary_done);
	memcpy(c->preimage, preimage, 32);
	sodium_memzero(preimage, sizeof preimage);
	sha256(c->hash, c->preimage, 32);
	c->value_msat = has_sat ? sat * 1000 : msat;
	c->cltv_expiry = (uint32_t)cltv;
	c->expiry_secs = expiry;
	c->memo = mu_xstrndup(memo ? memo : "", memolen);
	memcpy(r->hash, c->hash, 32);
	start_call(r, c);
	return true;
}

/* ---------- settle / cancel / lookup ---------- */

static void hash_result_done(ln_call *c, jv result, const ln_error *err)
{
	req *r = c->owner;
	r->call = NULL;
	if (err) {
		finish_err(r, err);
		return;
	}
	jv_free(result);
	finish_ok(r, jv_object_set(jv_object(), jv_string("hash"), hex32(r->hash)));
}

static bool start_settle(req *r, jv q, ln_error *err)
{
	uint8_t preimage[32];
	if (!param_hash(q, "preimage", preimage, err))
		return false;
	ln_call *c = new_call(r, LN_PRIM_SETTLE, NULL, hash_result_done);
	memcpy(c->preimage, preimage, 32);
	sodium_memzero(preimage, sizeof preimage);
	sha256(c->hash, c->preimage, 32);
	memcpy(r->hash, c->hash, 32);
	start_call(r, c);
	return true;
}

static bool start_cancel(req *r, jv q, ln_error *err)
{
	if (!param_hash(q, "hash", r->hash, err))
		return false;
	ln_call *c = new_call(r, LN_PRIM_CANCEL, NULL, hash_result_done);
	memcpy(c->hash, r->hash, 32);
	start_call(r, c);
	return true;
}

static bool start_lookup(req *r, jv q, ln_error *err)
{
	if (!param_hash(q, "hash", r->hash, err))
		return false;
	ln_call *c = new_call(r, LN_PRIM_LOOKUP, NULL, unary_done);
	memcpy(c->hash, r->hash, 32);
	start_call(r, c);
	return true;
}

/* ---------- streams: shared ---------- */

static jv end_result(const char *why, jv extra)
{
	jv o = jv_object_set(jv_object(), jv_string("end"), jv_string(why));
	if (jv_get_kind(extra) == JV_KIND_OBJECT) {
		jv_object_foreach(extra, k, v)
			o = jv_object_set(o, k, v);
	}
	jv_free(extra);
	return o;
}

/* Ends a stream op whose terminal event was seen (deferred from the event
 * callback: the backend is still inside its own code there). */
static void finish_terminal(void *arg)
{
	req *r = arg;
	r->timer = NULL;
	finish_ok(r, end_result("terminal", jv_copy(r->last)));
}

static void schedule_terminal(req *r)
{
	if (r->terminal)
		return;
	r->terminal = true;
	evloop_timer_cancel(r->o->loop, r->timer);
	r->timer = evloop_timer(r->o->loop, 0, finish_terminal, r);
}

static uint32_t next_backoff(req *r)
{
	const ln_ops_config *c = &r->o->cfg;
	uint32_t d = r->backoff_ms ? r->backoff_ms : c->reconnect_min_ms;
	r->backoff_ms = d >= c->reconnect_max_ms / 2 ? c->reconnect_max_ms : d * 2;
	return d;
}

/* Errors after which a stream is worth re-opening. */
static bool retryable(const ln_error *e)
{
	return e->kind == LN_ERR_TRANSPORT || e->kind == LN_ERR_TIMEOUT ||
	       e->kind == LN_ERR_LND || e->kind == LN_ERR_INTERNAL;
}

/* ---------- watch_invoice ---------- */

static void watch_subscribe(req *r);

static void watch_event(ln_call *c, jv ev)
{
	req *r = c->owner;
	if (r->terminal) {
		jv_free(ev);
		return;
	}
	r->backoff_ms = 0;                 /* the stream works: reset the backoff */
	const char *state = json_get_str(ev, "state", NULL);
	bool term = ln_invoice_state_terminal(state);
	if (term) {
		jv_free(r->last);
		r->last = jv_object_set(jv_object(), jv_string("state"), jv_string(state));
	}
	emit_event(r, ev);
	if (term)
		schedule_terminal(r);
}

static void watch_retry(void *arg)
{
	req *r = arg;
	r->timer = NULL;
	watch_subscribe(r);
}

static void watch_done(ln_call *c, jv result, const ln_error *err)
{
	req *r = c->owner;
	r->call = NULL;
	jv_free(result);
	if (r->terminal)
		return;                        /* finish_terminal is scheduled */
	if (err && (!r->reconnect || !retryable(err))) {
		finish_err(r, err);
		return;
	}
	/* the stream closed or broke before a terminal state: subscribe again;
	 * the node replays the current state first */
	uint32_t d = next_backoff(r);
	report("watch %s: stream %s; reconnecting in %u ms", r->idkey,
	       err ? err->message : "closed", d);
	r->timer = evloop_timer(r->o->loop, d, watch_retry, r);
}

static void watch_subscribe(req *r)
{
	ln_call *c = new_call(r, LN_PRIM_SUBSCRIBE, watch_event, watch_done);
	memcpy(c->hash, r->hash, 32);
	start_call(r, c);
}

static bool start_watch(req *r, jv q, ln_error *err)
{
	r->reconnect = true;
	if (!param_hash(q, "hash", r->hash, err) || !param_bool(q, "reconnect", &r->reconnect, err))
		return false;
	watch_subscribe(r);
	return true;
}

/* ---------- payment_status ---------- */

static void status_done(ln_call *c, jv result, const ln_error *err)
{
	req *r = c->owner;
	r->call = NULL;
	if (err && err->kind == LN_ERR_NOT_FOUND) {
		jv o = jv_object_set(jv_object(), jv_string("payment_hash"), hex32(r->hash));
		finish_ok(r, jv_object_set(o, jv_string("status"), jv_null()));
		return;
	}
	if (err) {
		finish_err(r, err);
		return;
	}
	if (jv_get_kind(r->last) == JV_KIND_OBJECT) {
		jv_free(result);
		finish_ok(r, jv_copy(r->last));
		return;
	}
	jv_free(result);
	ln_error e;
	ln_error_set(&e, LN_ERR_LND, "the payment stream ended without a status");
	finish_err(r, &e);
}

static void status_event(ln_call *c, jv ev)
{
	req *r = c->owner;
	if (jv_get_kind(r->last) != JV_KIND_OBJECT) {
		jv_free(r->last);
		r->last = ev;
	} else {
		jv_free(ev);
	}
}

static void status_timeout(void *arg)
{
	req *r = arg;
	r->timer = NULL;
	ln_error e;
	ln_error_set(&e, LN_ERR_TIMEOUT, "no payment status within %u ms", r->o->cfg.status_timeout_ms);
	finish_err(r, &e);               /* aborts the call */
}

static bool start_payment_status(req *r, jv q, ln_error *err)
{
	if (!param_hash(q, "hash", r->hash, err))
		return false;
	ln_call *c = new_call(r, LN_PRIM_TRACK, status_event, status_done);
	memcpy(c->hash, r->hash, 32);
	c->first_only = true;
	r->timer = evloop_timer(r->o->loop, r->o->cfg.status_timeout_ms, status_timeout, r);
	start_call(r, c);
	return true;
}

/* ---------- fee_cap ---------- */

static bool start_fee_cap(req *r, jv q, ln_error *err)
{
	uint64_t amount = 0;
	bool present = false;
	if (!param_u64(q, "amount_sat", 0, UINT64_MAX, &amount, &present, err))
		return false;
	if (!present) {
		ln_error_set(err, LN_ERR_INVALID_REQUEST, "missing \"amount_sat\"");
		return false;
	}
	jv o = jv_object_set(jv_object(), jv_string("amount_sat"), json_from_u64(amount));
	o = jv_object_set(o, jv_string("fee_limit_sat"),
			  json_from_u64(ln_fee_cap_sat(amount, r->o->cfg.max_routing_fee)));
	finish_ok(r, o);
	return true;
}

/* ---------- cancel_request ---------- */

static req *find_req(ln_ops *o, const char *idkey, const req *except)
{
	for (req *r = o->reqs; r; r = r->next)
		if (r != except && strcmp(r->idkey, idkey) == 0)
			return r;
	return NULL;
}

static bool start_cancel_request(req *r, jv q, ln_error *err)
{
	jv target = json_get(q, "target");
	if (!jv_is_valid(target) || (jv_get_kind(target) != JV_KIND_STRING && !json_is_integer(target))) {
		jv_free(target);
		ln_error_set(err, LN_ERR_INVALID_REQUEST, "\"target\" must be the id (string or integer) of a stream");
		return false;
	}
	char *key = json_dumps(target);
	jv_free(target);
	req *t = find_req(r->o, key, r);
	free(key);
	if (!t) {
		ln_error e;
		ln_error_set(&e, LN_ERR_NOT_FOUND, "no request with that id is running");
		finish_err(r, &e);
		return true;
	}
	if (!t->op->stream) {
		ln_error_set(err, LN_ERR_INVALID_REQUEST, "only streams (watch_invoice, pay_invoice) can be cancelled");
		return false;
	}
	finish_ok(t, end_result("cancelled", jv_null()));
	finish_ok(r, jv_object());
	return true;
}

/* ---------- dispatch ---------- */

static const char *const p_none[] = {NULL};
static const char *const p_create[] = {"amount_sat", "amount_msat", "memo", "cltv_expiry", "expiry_secs", "preimage", NULL};
static const char *const p_settle[] = {"preimage", NULL};
static const char *const p_hash[] = {"hash", NULL};
static const char *const p_watch[] = {"hash", "reconnect", NULL};
static const char *const p_fee[] = {"amount_sat", NULL};
static const char *const p_cancel_req[] = {"target", NULL};

static const op_def ops[] = {
	{"get_info", p_none, false, start_get_info},
	{"create_hold_invoice", p_create, false, start_create_hold},
	{"settle_hold_invoice", p_settle, false, start_settle},
	{"cancel_hold_invoice", p_hash, false, start_cancel},
	{"lookup_invoice", p_hash, false, start_lookup},
	{"watch_invoice", p_watch, true, start_watch},
	{"payment_status", p_hash, false, start_payment_status},
	{"fee_cap", p_fee, false, start_fee_cap},
	{"cancel_request", p_cancel_req, false, start_cancel_request},
};

const char *const ln_op_names[] = {
	"get_info", "create_hold_invoice", "settle_hold_invoice", "cancel_hold_invoice",
	"lookup_invoice", "watch_invoice", "payment_status", "fee_cap", "cancel_request", NULL,
};

static const op_def *find_op(const char *name)
{
	for (size_t i = 0; i < sizeof ops / sizeof *ops; i++)
		if (strcmp(ops[i].name, name) == 0)
			return &ops[i];
	return NULL;
}

ln_ops *ln_ops_new(ln_backend *b, const ln_ops_config *cfg, ln_emit_fn emit, void *ctx)
{
	ln_ops *o = mu_xmalloc(sizeof *o);
	memset(o, 0, sizeof *o);
	o->b = b;
	o->loop = b->loop;
	o->cfg = *cfg;
	o->emit = emit;
	o->ctx = ctx;
	return o;
}

void ln_ops_free(ln_ops *o)
{
	if (!o)
		return;
	while (o->reqs) {
		req *r = o->reqs;
		unlink_req(r);
		req_free(r);
	}
	free(o);
}

void ln_ops_line(ln_ops *o, const char *line, size_t n, unsigned long lineno)
{
	ln_error err;
	json_error je;
	jv q = json_parse(line, n, 0, &je);
	if (!jv_is_valid(q)) {
		jv_free(q);
		ln_error_set(&err, LN_ERR_INVALID_REQUEST, "invalid JSON: %s", je.msg);
		refuse_line(o, jv_null(), NULL, lineno, &err);
		return;
	}
	if (jv_get_kind(q) != JV_KIND_OBJECT) {
		jv_free(q);
		ln_error_set(&err, LN_ERR_INVALID_REQUEST, "a request must be a JSON object");
		refuse_line(o, jv_null(), NULL, lineno, &err);
		return;
	}
	jv id = json_get(q, "id");
	if (!jv_is_valid(id) || (jv_get_kind(id) != JV_KIND_STRING && !json_is_integer(id))) {
		jv_free(id);
		jv_free(q);
		ln_error_set(&err, LN_ERR_INVALID_REQUEST, "\"id\" (a string or an integer) is required");
		refuse_line(o, jv_null(), NULL, lineno, &err);
		return;
	}
	const char *opname = json_get_str(q, "op", NULL);
	const op_def *op = opname ? find_op(opname) : NULL;
	if (!op) {
		if (opname)
			ln_error_set(&err, LN_ERR_INVALID_REQUEST, "unknown op \"%s\"", opname);
		else
			ln_error_set(&err, LN_ERR_INVALID_REQUEST, "\"op\" (a string) is required");
		refuse_line(o, id, opname, lineno, &err);
		jv_free(q);
		return;
	}
	char *idkey = json_dumps(id);
	if (find_req(o, idkey, NULL)) {
		ln_error_set(&err, LN_ERR_INVALID_REQUEST, "id %s is already in use by a running request", idkey);
		free(idkey);
		refuse_line(o, id, op->name, lineno, &err);
		jv_free(q);
		return;
	}
	if (!check_params(op, q, &err)) {
		free(idkey);
		refuse_line(o, id, op->name, lineno, &err);
		jv_free(q);
		return;
	}
	if (o->shutting_down && op->stream) {
		free(idkey);
		ln_error_set(&err, LN_ERR_INVALID_REQUEST, "shutting down: no new streams");
		refuse_line(o, id, op->name, lineno, &err);
		jv_free(q);
		return;
	}
	req *r = mu_xmalloc(sizeof *r);
	memset(r, 0, sizeof *r);
	r->o = o;
	r->op = op;
	r->id = id;
	r->idkey = idkey;
	r->last = jv_null();
	r->next = o->reqs;
	if (o->reqs)
		o->reqs->prev = r;
	o->reqs = r;
	o->nreqs++;
	if (!op->start(r, q, &err)) {
		report_line(lineno, "%s", err.message);
		o->failed_lines++;
		finish_err(r, &err);
	}
	jv_free(q);
}

void ln_ops_bad_line(ln_ops *o, unsigned long lineno, const char *why)
{
	ln_error err;
	ln_error_set(&err, LN_ERR_INVALID_REQUEST, "%s", why);
	refuse_line(o, jv_null(), NULL, lineno, &err);
}

size_t ln_ops_active(const ln_ops *o) { return o->nreqs; }
unsigned long ln_ops_failed_lines(const ln_ops *o) { return o->failed_lines; }

void ln_ops_shutdown(ln_ops *o)
{
	o->shutting_down = true;
	req *r = o->reqs;
	while (r) {
		req *next = r->next;
		if (r->op->stream && strcmp(r->op->name, "watch_invoice") == 0)
			finish_ok(r, end_result("shutdown", jv_null()));
		r = next;
	}
}

void ln_ops_abandon(ln_ops *o)
{
	while (o->reqs) {
		ln_error e;
		ln_error_set(&e, LN_ERR_TIMEOUT, "mostro-ln is shutting down; state unknown");
		finish_err(o->reqs, &e);
	}
}
