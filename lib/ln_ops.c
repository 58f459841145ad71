#include "ln_ops.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sodium.h>

#include "bolt11.h"
#include "buf.h"
#include "hex.h"
#include "invoice_rules.h"
#include "json.h"
#include "keys.h"
#include "lineio.h"
#include "ln_fees.h"
#include "lnurl.h"
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
	char          network[24];   /* from the last get_info, for validate_invoice */
	/* blocking work (LNURL HTTP) runs in threads; results come back through a pipe */
	int           job_pipe[2];
	struct job   *jobs;          /* every job not yet joined */
	atomic_bool   stop_jobs;     /* set when abandoning: their GETs give up */
};

typedef struct job job;
typedef jv (*job_fn)(void *arg, ln_error *err);
struct job {
	ln_ops   *o;
	req      *r;                 /* NULL once the request went away */
	pthread_t thread;
	job_fn    fn;
	void     *arg;
	void    (*free_arg)(void *arg);
	jv        result;
	ln_error  err;
	job      *next;
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
	bool          refused;       /* step 4 refused the amount: reported after the guard */
	ln_error      refusal;
	job          *job;           /* blocking work in a thread */
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
	if (r->job)
		r->job->r = NULL;          /* the thread finishes; its result is dropped */
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

/* Emits the request's one ln_result (error object e, consumed) and frees it. */
static void finish_err_json(req *r, jv e)
{
	ln_ops *o = r->o;
	jv rec = record(r, "ln_result");
	rec = jv_object_set(rec, jv_string("ok"), jv_false());
	rec = jv_object_set(rec, jv_string("error"), e);
	unlink_req(r);
	o->emit(o->ctx, rec);
	req_free(r);
}

static void finish_err(req *r, const ln_error *e)
{
	finish_err_json(r, ln_error_json(e));
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

/* An optional string of at most max bytes without NUL; *out points into q
 * (borrowed). Each failure says which rule it broke. */
static bool param_str(jv q, const char *key, size_t max, const char **out, size_t *len, ln_error *err)
{
	jv v = json_get(q, key);
	if (!jv_is_valid(v)) {
		jv_free(v);
		*out = NULL;
		return true;
	}
	/* a number kept as text (a big integer, an exact literal) is no string */
	bool is_string = jv_get_kind(v) == JV_KIND_STRING && !json_is_bigint(v);
	jv_free(v);
	size_t n;
	const char *s = is_string ? json_get_str(q, key, &n) : NULL;
	if (!s) {
		ln_error_set(err, LN_ERR_INVALID_REQUEST, "\"%s\" must be a string", key);
		return false;
	}
	if (memchr(s, 0, n)) {
		ln_error_set(err, LN_ERR_INVALID_REQUEST, "\"%s\" must not contain U+0000 (NUL)", key);
		return false;
	}
	if (n > max) {
		ln_error_set(err, LN_ERR_INVALID_REQUEST, "\"%s\" must be at most %zu bytes, not %zu", key, max, n);
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

static void get_info_done(ln_call *c, jv result, const ln_error *err)
{
	req *r = c->owner;
	r->call = NULL;
	if (err) {
		finish_err(r, err);
		return;
	}
	const char *net = json_get_str(result, "network", NULL);
	if (net)
		snprintf(r->o->network, sizeof r->o->network, "%s", net);
	finish_ok(r, result);
}

static bool start_get_info(req *r, jv q, ln_error *err)
{
	(void)q; (void)err;
	start_call(r, new_call(r, LN_PRIM_GET_INFO, NULL, get_info_done));
	return true;
}

/* ---------- create_hold_invoice ---------- */

#define LND_MEMO_MAX 1024
#define LND_CLTV_MIN 24          /* LND refuses smaller cltv_expiry... */
#define LND_CLTV_MAX 65535       /* ... and larger */
#define LND_EXPIRY_MAX 31536000  /* one year */
/* The largest amount every BOLT11 form can write: an amount that is not a
 * multiple of 100 msat is written in pico-bitcoin (tenths of a msat), which
 * must fit 64 bits. Below LND's int64 value_msat. */
#define HOLD_MSAT_MAX (UINT64_MAX / 10)    /* 1844674407370955161 */

/* A failure whose outcome is unknown (transport, timeout) may have left an
 * OPEN invoice at the node: the error carries its hash and preimage, so the
 * caller can look it up, settle it or cancel it instead of orphaning it. */
static void create_hold_done(ln_call *c, jv result, const ln_error *err)
{
	req *r = c->owner;
	if (!err || (err->kind != LN_ERR_TRANSPORT && err->kind != LN_ERR_TIMEOUT)) {
		unary_done(c, result, err);
		return;
	}
	r->call = NULL;
	jv e = ln_error_json(err);
	e = jv_object_set(e, jv_string("hash"), hex32(c->hash));
	e = jv_object_set(e, jv_string("preimage"), hex32(c->preimage));
	finish_err_json(r, e);
}

static bool start_create_hold(req *r, jv q, ln_error *err)
{
	uint64_t sat = 0, msat = 0, cltv = r->o->cfg.hold_cltv_delta, expiry = r->o->cfg.hold_expiry_secs;
	bool has_sat = false, has_msat = false;
	const char *memo;
	size_t memolen = 0;
	if (!param_u64(q, "amount_sat", 1, HOLD_MSAT_MAX / 1000, &sat, &has_sat, err) ||
	    !param_u64(q, "amount_msat", 1, HOLD_MSAT_MAX, &msat, &has_msat, err) ||
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
	ln_call *c = new_call(r, LN_PRIM_ADD_HOLD, NULL, create_hold_done);
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
	if (!err && !r->reconnect) {
		/* the node closed the stream cleanly before a terminal state */
		finish_ok(r, end_result("closed", jv_null()));
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
	if (json_get_str(result, "status", NULL)) {
		finish_ok(r, result);        /* the first message: the current state */
		return;
	}
	jv_free(result);
	ln_error e;
	ln_error_set(&e, LN_ERR_LND, "the payment stream ended without a status");
	finish_err(r, &e);
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
	ln_call *c = new_call(r, LN_PRIM_TRACK, NULL, status_done);
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

/* ---------- pay_invoice (mostrod's send_payment steps) ---------- */

static void invoice_error(ln_error *err, bolt11_err e, const char *detail)
{
	ln_error_set(err, LN_ERR_INVALID_INVOICE, "%s", detail && *detail ? detail : bolt11_strerror(e));
	snprintf(err->reason, sizeof err->reason, "%s", bolt11_reason(e));
}

static void pay_follow(req *r);

static void pay_event(ln_call *c, jv ev)
{
	req *r = c->owner;
	if (r->terminal) {
		jv_free(ev);
		return;
	}
	r->backoff_ms = 0;
	const char *st = json_get_str(ev, "status", NULL);
	bool term = ln_payment_status_terminal(st);
	if (term) {
		jv_free(r->last);
		r->last = jv_copy(ev);
	}
	emit_event(r, ev);
	if (term)
		schedule_terminal(r);
}

static void pay_follow_retry(void *arg)
{
	req *r = arg;
	r->timer = NULL;
	pay_follow(r);
}

/* TrackPaymentV2 while following a payment whose send stream broke. */
static void pay_follow_done(ln_call *c, jv result, const ln_error *err)
{
	req *r = c->owner;
	r->call = NULL;
	jv_free(result);
	if (r->terminal)
		return;
	if (err && err->kind == LN_ERR_NOT_FOUND) {
		/* the node has no payment for this hash: the send never got there */
		ln_error e = r->first_err;
		size_t n = strlen(e.message);
		snprintf(e.message + n, sizeof e.message - n, "; the node has no payment for this hash");
		finish_err(r, &e);
		return;
	}
	if (err && !retryable(err)) {
		finish_err(r, err);
		return;
	}
	uint32_t d = next_backoff(r);
	report("pay %s: tracking %s; again in %u ms", r->idkey, err ? err->message : "closed early", d);
	r->timer = evloop_timer(r->o->loop, d, pay_follow_retry, r);
}

static void pay_follow(req *r)
{
	r->phase = PAY_FOLLOW;
	ln_call *c = new_call(r, LN_PRIM_TRACK, pay_event, pay_follow_done);
	memcpy(c->hash, r->hash, 32);
	start_call(r, c);
}

static void pay_send_done(ln_call *c, jv result, const ln_error *err)
{
	req *r = c->owner;
	r->call = NULL;
	jv_free(result);
	if (r->terminal)
		return;
	if (err && err->kind != LN_ERR_TRANSPORT && err->kind != LN_ERR_TIMEOUT && r->events == 0) {
		finish_err(r, err);          /* the node refused the payment */
		return;
	}
	/* A broken stream, an error trailer or a close before SUCCEEDED/FAILED:
	 * the HTLC may be in flight, and a timeout is not a failure. Follow the
	 * payment with TrackPaymentV2 until it ends. */
	if (err)
		r->first_err = *err;
	else
		ln_error_set(&r->first_err, LN_ERR_TRANSPORT, "payment stream closed before a final status");
	report("pay %s: %s; following the payment", r->idkey, r->first_err.message);
	pay_follow(r);
}

static void pay_send(req *r)
{
	if (r->refused) {              /* step 4, after the guard as in mostrod */
		ln_error e = r->refusal;
		finish_err(r, &e);         /* frees the unstarted send call */
		return;
	}
	ln_call *c = r->send;
	r->send = NULL;
	r->phase = PAY_SEND;
	start_call(r, c);
}

static bool status_in_flight(const char *st)
{
	return st && (!strcmp(st, "IN_FLIGHT") || !strcmp(st, "SUCCEEDED") || !strcmp(st, "INITIATED"));
}

/* mostrod's duplicate guard: IN_FLIGHT or SUCCEEDED (and INITIATED, which its
 * enum predates) aborts; anything else, errors and timeout included, proceeds
 * (LND itself refuses true duplicates). */
static void pay_guard_done(ln_call *c, jv result, const ln_error *err)
{
	req *r = c->owner;
	r->call = NULL;
	evloop_timer_cancel(r->o->loop, r->timer);
	r->timer = NULL;
	const char *st = err ? NULL : json_get_str(result, "status", NULL);
	if (status_in_flight(st)) {
		ln_error e;
		ln_error_set(&e, LN_ERR_ALREADY_EXISTS, "payment already dispatched for this hash (%s)", st);
		jv_free(result);
		finish_err(r, &e);
		return;
	}
	jv_free(result);
	pay_send(r);
}

static void pay_guard_timeout(void *arg)
{
	req *r = arg;
	r->timer = NULL;
	ln_call_abort(r->o->b, r->call);
	r->call = NULL;
	pay_send(r);
}

static bool start_pay(req *r, jv q, ln_error *err)
{
	const char *pr;
	size_t prlen = 0;
	uint64_t amount = 0, fee = 0, timeout = 60;
	bool has_amount = false, has_fee = false, guard = true;
	if (!param_str(q, "payment_request", BOLT11_MAX_LEN, &pr, &prlen, err) ||
	    !param_u64(q, "amount_sat", 1, UINT64_MAX / 1000, &amount, &has_amount, err) ||
	    !param_u64(q, "fee_limit_sat", 1, UINT64_MAX, &fee, &has_fee, err) ||
	    !param_u64(q, "timeout_secs", 1, 3600, &timeout, NULL, err) ||
	    !param_bool(q, "duplicate_guard", &guard, err))
		return false;
	if (!pr || !has_amount) {
		ln_error_set(err, LN_ERR_INVALID_REQUEST, "\"payment_request\" and \"amount_sat\" are required");
		return false;
	}
	/* step 1: decode locally */
	bolt11_invoice inv;
	char detail[200] = "";
	ln_error e;
	bolt11_err be = bolt11_decode(&inv, pr, prlen, 0, detail, sizeof detail);
	if (be) {
		bolt11_free(&inv);
		invoice_error(&e, be, detail);
		finish_err(r, &e);
		return true;
	}
	memcpy(r->hash, inv.payment_hash, 32);
	ln_call *send = new_call(r, LN_PRIM_SEND, pay_event, pay_send_done);
	send->payment_request = mu_xstrndup(pr, prlen);
	memcpy(send->hash, r->hash, 32);
	/* step 4 (checked now, reported after the guard, mostrod's order): an
	 * amount in the invoice must be exactly amount_sat (in msat); only an
	 * amountless invoice gets "amt". An explicit zero amount (lnbc0) HAS an
	 * amount for LND, which refuses "amt" for it, and 0 msat is never the
	 * amount owed: wrong_amount, as in mostrod. */
	if (inv.has_amount) {
		if (inv.amount_msat != amount * 1000) {
			r->refused = true;
			ln_error_set(&r->refusal, LN_ERR_WRONG_AMOUNT, "the invoice is for %llu msat%s, expected %llu msat",
				     (unsigned long long)inv.amount_msat,
				     inv.amount_msat ? "" : " (an explicit 0, which LND cannot pay)",
				     (unsigned long long)(amount * 1000));
		}
	} else {
		send->amt_sat = amount;
	}
	bolt11_free(&inv);
	/* step 3: the fee cap (never 0) */
	send->fee_limit_sat = has_fee ? fee : ln_fee_cap_sat(amount, r->o->cfg.max_routing_fee);
	send->timeout_secs = (uint32_t)timeout;
	r->send = send;
	if (!guard) {
		pay_send(r);
		return true;
	}
	/* step 2: the duplicate guard, bounded */
	r->phase = PAY_GUARD;
	ln_call *g = new_call(r, LN_PRIM_TRACK, NULL, pay_guard_done);
	memcpy(g->hash, r->hash, 32);
	g->first_only = true;
	r->timer = evloop_timer(r->o->loop, r->o->cfg.guard_ms, pay_guard_timeout, r);
	start_call(r, g);
	return true;
}

/* ---------- decode_invoice / validate_invoice ---------- */

static bool required_str(jv q, const char *key, size_t max, const char **out, size_t *len, ln_error *err)
{
	if (!param_str(q, key, max, out, len, err))
		return false;
	if (!*out) {
		ln_error_set(err, LN_ERR_INVALID_REQUEST, "missing \"%s\"", key);
		return false;
	}
	return true;
}

static bool start_decode(req *r, jv q, ln_error *err)
{
	const char *s;
	size_t n;
	if (!required_str(q, "invoice", 65536, &s, &n, err))
		return false;
	bolt11_invoice inv;
	char detail[200] = "";
	bolt11_err be = bolt11_decode(&inv, s, n, 0, detail, sizeof detail);
	if (be) {
		ln_error e;
		invoice_error(&e, be, detail);
		bolt11_free(&inv);
		finish_err(r, &e);
		return true;
	}
	jv out = bolt11_to_jv(&inv);
	out = jv_object_set(out, jv_string("expires_at"), json_from_u64(bolt11_expires_at(&inv)));
	bolt11_free(&inv);
	finish_ok(r, out);
	return true;
}

/* ---------- jobs: blocking work (LNURL) in a thread ---------- */

static void on_job_pipe(int fd, short revents, void *arg)
{
	ln_ops *o = arg;
	job *j;
	(void)revents;
	while (read(fd, &j, sizeof j) == (ssize_t)sizeof j) {
		pthread_join(j->thread, NULL);
		for (job **pp = &o->jobs; *pp; pp = &(*pp)->next)
			if (*pp == j) {
				*pp = j->next;
				break;
			}
		req *r = j->r;
		if (r) {
			r->job = NULL;
			if (jv_is_valid(j->result))
				finish_ok(r, j->result);
			else {
				jv_free(j->result);
				finish_err(r, &j->err);
			}
		} else {
			jv_free(j->result);
		}
		j->free_arg(j->arg);
		free(j);
	}
}

static void *job_main(void *arg)
{
	job *j = arg;
	j->result = j->fn(j->arg, &j->err);
	ssize_t w;
	do
		w = write(j->o->job_pipe[1], &j, sizeof j);
	while (w < 0 && errno == EINTR);
	return NULL;
}

static void start_job(req *r, job_fn fn, void *arg, void (*free_arg)(void *))
{
	ln_ops *o = r->o;
	if (o->job_pipe[0] < 0) {
		if (pipe(o->job_pipe) != 0)
			abort();
		fcntl(o->job_pipe[0], F_SETFL, O_NONBLOCK);
		evloop_watch(o->loop, o->job_pipe[0], POLLIN, on_job_pipe, o);
	}
	job *j = mu_xmalloc(sizeof *j);
	memset(j, 0, sizeof *j);
	j->o = o;
	j->r = r;
	j->fn = fn;
	j->arg = arg;
	j->free_arg = free_arg;
	j->result = jv_invalid();
	if (pthread_create(&j->thread, NULL, job_main, j) != 0) {
		ln_error e;
		ln_error_set(&e, LN_ERR_INTERNAL, "cannot start a thread");
		free_arg(arg);
		free(j);
		finish_err(r, &e);
		return;
	}
	j->next = o->jobs;
	o->jobs = j;
	r->job = j;
}

typedef struct lnurl_job {
	char    *target;
	char    *comment;
	uint64_t amount_sat;
	bool     probe;              /* pay document only */
	bolt11_network network;      /* for the payout check of the minted invoice */
	uint64_t max_cltv;
	uint64_t now;
	const atomic_bool *stop;     /* the ops' stop_jobs */
} lnurl_job;

static void lnurl_job_free(void *arg)
{
	lnurl_job *a = arg;
	free(a->target);
	free(a->comment);
	free(a);
}

static void lnurl_error(ln_error *err, lnurl_err e, const char *detail)
{
	ln_error_set(err, LN_ERR_LNURL, "%s", detail && *detail ? detail : lnurl_strerror(e));
	snprintf(err->reason, sizeof err->reason, "%s", lnurl_reason(e));
}

static jv lnurl_job_run(void *arg, ln_error *err)
{
	lnurl_job *a = arg;
	lnurl_opts opts;
	lnurl_opts_defaults(&opts);
	lnurl_opts_test_override(&opts);
	opts.stop = a->stop;
	lnurl_pay pay;
	char detail[256] = "";
	lnurl_err e = lnurl_fetch_pay(a->target, &opts, &pay, detail, sizeof detail);
	if (e) {
		lnurl_pay_free(&pay);
		lnurl_error(err, e, detail);
		return jv_invalid();
	}
	jv out = jv_object();
	if (a->probe) {
		out = jv_object_set(out, jv_string("kind"), jv_string("lnurl"));
		out = jv_object_set(out, jv_string("url"), jv_string(pay.url));
		out = jv_object_set(out, jv_string("min_sendable_msat"), json_from_u64(pay.min_sendable));
		out = jv_object_set(out, jv_string("max_sendable_msat"), json_from_u64(pay.max_sendable));
		out = jv_object_set(out, jv_string("comment_allowed"), json_from_u64(pay.comment_allowed));
		lnurl_pay_free(&pay);
		return out;
	}
	lnurl_invoice li;
	e = lnurl_fetch_invoice(&pay, a->amount_sat, a->comment, &opts, &li, detail, sizeof detail);
	lnurl_pay_free(&pay);
	if (e) {
		lnurl_invoice_free(&li);
		jv_free(out);
		lnurl_error(err, e, detail);
		return jv_invalid();
	}
	/* mostrod then runs validate_payout_invoice on the minted invoice:
	 * network, final CLTV, not expired (no window, no amount rule) */
	bolt11_invoice inv;
	bolt11_err be = bolt11_decode(&inv, li.pr, strlen(li.pr), 0, detail, sizeof detail);
	invoice_rules rules;
	invoice_rules_defaults(&rules);
	rules.node_network = a->network;
	rules.max_final_cltv_expiry_delta = a->max_cltv;
	invoice_rule rule = be ? INVOICE_OK : invoice_check(&rules, INVOICE_MODE_PAYOUT, &inv, NULL, a->now);
	bolt11_free(&inv);
	if (be || rule) {
		if (be)
			invoice_error(err, be, detail);
		else {
			ln_error_set(err, LN_ERR_INVALID_INVOICE, "the LNURL server's invoice: %s", invoice_rule_strerror(rule));
			snprintf(err->reason, sizeof err->reason, "%s", invoice_rule_reason(rule));
		}
		lnurl_invoice_free(&li);
		jv_free(out);
		return jv_invalid();
	}
	out = jv_object_set(out, jv_string("payment_request"), jv_string(li.pr));
	out = jv_object_set(out, jv_string("amount_msat"), json_from_u64(a->amount_sat * 1000));
	out = jv_object_set(out, jv_string("callback_url"), jv_string(li.callback_url));
	out = jv_object_set(out, jv_string("comment_sent"), jv_bool(li.comment_sent));
	out = jv_object_set(out, jv_string("description_hash_matches"),
			    li.description_hash < 0 ? jv_null() : jv_bool(li.description_hash == 1));
	lnurl_invoice_free(&li);
	return out;
}

static bolt11_network node_network(ln_ops *o, jv q, bool *ok, ln_error *err)
{
	const char *net = json_get_str(q, "node_network", NULL);
	*ok = true;
	if (json_has(q, "node_network") && !net) {
		ln_error_set(err, LN_ERR_INVALID_REQUEST, "\"node_network\" must be a string");
		*ok = false;
		return BOLT11_NET_UNKNOWN;
	}
	return bolt11_network_from_name(net ? net : o->network);
}

static bool start_lnurl(req *r, jv q, ln_error *err, bool probe, const char *key)
{
	const char *target, *comment = NULL;
	size_t n, cn = 0;
	uint64_t amount = 0, now = (uint64_t)time(NULL);
	bool has_amount = false, ok;
	if (!required_str(q, key, 4096, &target, &n, err) ||
	    !param_str(q, "comment", 2000, &comment, &cn, err) ||
	    !param_u64(q, "amount_sat", 1, UINT64_MAX / 1000, &amount, &has_amount, err) ||
	    !param_u64(q, "now", 0, UINT64_MAX, &now, NULL, err))
		return false;
	bolt11_network net = node_network(r->o, q, &ok, err);
	if (!ok)
		return false;
	if (!probe && !has_amount) {
		ln_error_set(err, LN_ERR_INVALID_REQUEST, "missing \"amount_sat\"");
		return false;
	}
	lnurl_job *a = mu_xmalloc(sizeof *a);
	memset(a, 0, sizeof *a);
	a->target = mu_xstrndup(target, n);
	a->comment = comment ? mu_xstrndup(comment, cn) : NULL;
	a->amount_sat = amount;
	a->probe = probe;
	a->network = net;
	a->max_cltv = r->o->cfg.max_final_cltv_expiry_delta;
	a->now = now;
	a->stop = &r->o->stop_jobs;
	start_job(r, lnurl_job_run, a, lnurl_job_free);
	return true;
}

static bool start_resolve(req *r, jv q, ln_error *err) { return start_lnurl(r, q, err, false, "address"); }
static bool start_probe(req *r, jv q, ln_error *err) { return start_lnurl(r, q, err, true, "address"); }

static bool start_validate(req *r, jv q, ln_error *err)
{
	const char *s, *mode = NULL;
	size_t n, mn = 0;
	invoice_expect ex = {false, 0, 0};
	uint64_t now = (uint64_t)time(NULL);
	bool compat = false, ok;
	if (!required_str(q, "invoice", 65536, &s, &n, err) ||
	    !param_u64(q, "amount_sat", 0, UINT64_MAX / 1000, &ex.amount_sat, &ex.has_amount, err) ||
	    !param_u64(q, "fee_sat", 0, UINT64_MAX, &ex.fee_sat, NULL, err) ||
	    !param_str(q, "mode", 16, &mode, &mn, err) ||
	    !param_u64(q, "now", 0, UINT64_MAX, &now, NULL, err) ||
	    !param_bool(q, "mostrod_compat", &compat, err))
		return false;
	invoice_mode m = INVOICE_MODE_BUYER;
	if (mode && strcmp(mode, "payout") == 0)
		m = INVOICE_MODE_PAYOUT;
	else if (mode && strcmp(mode, "buyer") != 0) {
		ln_error_set(err, LN_ERR_INVALID_REQUEST, "\"mode\" is \"buyer\" or \"payout\"");
		return false;
	}
	invoice_rules rules;
	invoice_rules_defaults(&rules);
	rules.node_network = node_network(r->o, q, &ok, err);
	if (!ok)
		return false;
	rules.max_final_cltv_expiry_delta = r->o->cfg.max_final_cltv_expiry_delta;
	rules.invoice_expiration_window = r->o->cfg.invoice_expiration_window;
	rules.min_payment_amount = r->o->cfg.min_payment_amount;
	rules.mostrod_compat = compat;
	if (m == INVOICE_MODE_BUYER && lnurl_is_target(s)) {
		/* mostrod only probes an address at validation: the pay document */
		lnurl_job *a = mu_xmalloc(sizeof *a);
		memset(a, 0, sizeof *a);
		a->target = mu_xstrndup(s, n);
		a->probe = true;
		a->stop = &r->o->stop_jobs;
		start_job(r, lnurl_job_run, a, lnurl_job_free);
		return true;
	}
	bolt11_invoice inv;
	char detail[200] = "";
	ln_error e;
	bolt11_err be = bolt11_decode(&inv, s, n, 0, detail, sizeof detail);
	if (be) {
		invoice_error(&e, be, detail);
		bolt11_free(&inv);
		finish_err(r, &e);
		return true;
	}
	invoice_rule rule = invoice_check(&rules, m, &inv, &ex, now);
	if (rule) {
		ln_error_set(&e, LN_ERR_INVALID_INVOICE, "%s", invoice_rule_strerror(rule));
		snprintf(e.reason, sizeof e.reason, "%s", invoice_rule_reason(rule));
		bolt11_free(&inv);
		finish_err(r, &e);
		return true;
	}
	jv v = jv_object();
	v = jv_object_set(v, jv_string("kind"), jv_string("bolt11"));
	v = jv_object_set(v, jv_string("mode"), jv_string(m == INVOICE_MODE_BUYER ? "buyer" : "payout"));
	v = jv_object_set(v, jv_string("network"), jv_string(bolt11_network_name(inv.network)));
	v = jv_object_set(v, jv_string("amount_msat"), inv.has_amount ? json_from_u64(inv.amount_msat) : jv_null());
	v = jv_object_set(v, jv_string("payment_hash"), hex32(inv.payment_hash));
	v = jv_object_set(v, jv_string("expires_at"), json_from_u64(bolt11_expires_at(&inv)));
	v = jv_object_set(v, jv_string("min_final_cltv_expiry"), json_from_u64(inv.min_final_cltv_expiry));
	bolt11_free(&inv);
	finish_ok(r, v);
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
static const char *const p_pay[] = {"payment_request", "amount_sat", "fee_limit_sat", "timeout_secs", "duplicate_guard", NULL};
static const char *const p_decode[] = {"invoice", NULL};
static const char *const p_validate[] = {"invoice", "amount_sat", "fee_sat", "mode", "node_network", "now", "mostrod_compat", NULL};
static const char *const p_resolve[] = {"address", "amount_sat", "comment", "node_network", "now", NULL};
static const char *const p_probe[] = {"address", NULL};

static const op_def ops[] = {
	{"get_info", p_none, false, start_get_info},
	{"create_hold_invoice", p_create, false, start_create_hold},
	{"settle_hold_invoice", p_settle, false, start_settle},
	{"cancel_hold_invoice", p_hash, false, start_cancel},
	{"lookup_invoice", p_hash, false, start_lookup},
	{"watch_invoice", p_watch, true, start_watch},
	{"pay_invoice", p_pay, true, start_pay},
	{"payment_status", p_hash, false, start_payment_status},
	{"decode_invoice", p_decode, false, start_decode},
	{"validate_invoice", p_validate, false, start_validate},
	{"resolve_lnurl", p_resolve, false, start_resolve},
	{"probe_lnurl", p_probe, false, start_probe},
	{"fee_cap", p_fee, false, start_fee_cap},
	{"cancel_request", p_cancel_req, false, start_cancel_request},
};

const char *const ln_op_names[] = {
	"get_info", "create_hold_invoice", "settle_hold_invoice", "cancel_hold_invoice",
	"lookup_invoice", "watch_invoice", "pay_invoice", "payment_status", "decode_invoice",
	"validate_invoice", "resolve_lnurl", "probe_lnurl", "fee_cap", "cancel_request", NULL,
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
	o->job_pipe[0] = o->job_pipe[1] = -1;
	atomic_init(&o->stop_jobs, false);
	(void)secp();                /* create the shared context before any thread */
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
	/* threads still resolving an LNURL give up within about a second */
	atomic_store(&o->stop_jobs, true);
	while (o->jobs) {
		job *j = o->jobs;
		o->jobs = j->next;
		pthread_join(j->thread, NULL);
		jv_free(j->result);
		j->free_arg(j->arg);
		free(j);
	}
	if (o->job_pipe[0] >= 0) {
		evloop_unwatch(o->loop, o->job_pipe[0]);
		close(o->job_pipe[0]);
		close(o->job_pipe[1]);
	}
	free(o);
}

void ln_ops_line(ln_ops *o, const char *line, size_t n, unsigned long lineno)
{
	ln_error err;
	json_error je;
	/* exact numbers: `1.0` and `1e3` stay float literals, which integer
	 * fields refuse (json_get_u64), as they refuse -0 */
	jv q = json_parse(line, n, JSON_EXACT_NUMBERS, &je);
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
	/* an integer (json_get_u64/i64's rule: not -0, not 1.0) or a string */
	if (!jv_is_valid(id) ||
	    !(json_is_integer(id) || (jv_get_kind(id) == JV_KIND_STRING && !json_is_bigint(id)))) {
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
	atomic_store(&o->stop_jobs, true);   /* their results would be dropped anyway */
	while (o->reqs) {
		ln_error e;
		ln_error_set(&e, LN_ERR_TIMEOUT, "mostro-ln is shutting down; state unknown");
		finish_err(o->reqs, &e);
	}
}
