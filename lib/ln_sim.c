#include "ln_sim.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "buf.h"
#include "json.h"
#include "ln_simdb.h"

typedef struct sub {
	ln_call    *c;
	bool        payment;        /* a payment (send/track) rather than an invoice */
	uint8_t     hash[32];
	char       *last;           /* the last event sent, serialized */
	char        sent[12];       /* invoices: the last state sent ("" none yet) */
	bool        waited;         /* invoices: opened before the invoice existed */
	unsigned    round;
	struct sub *next;
} sub;

typedef struct ln_sim {
	ln_backend base;
	sim_db    *db;
	uint32_t   poll_ms;
	evtimer   *tick;
	sub       *subs;
	int64_t    data_version;     /* moves when another process commits */
	bool       dirty;            /* this process changed something */
	unsigned   round;
} ln_sim;

uint64_t ln_sim_wall_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

static void advance(ln_sim *s)
{
	if (simdb_advance(s->db, ln_sim_wall_ms()) != 0)
		s->dirty = true;
}

static jv hex32(const uint8_t b[32])
{
	static const char d[] = "0123456789abcdef";
	char h[65];
	for (int i = 0; i < 32; i++) {
		h[2 * i] = d[b[i] >> 4];
		h[2 * i + 1] = d[b[i] & 15];
	}
	h[64] = 0;
	return jv_string(h);
}

/* ---------- subscriptions ---------- */

static void tick(void *arg);

static void arm(ln_sim *s)
{
	if (!s->tick && s->subs)
		s->tick = evloop_timer(s->base.loop, s->poll_ms, tick, s);
}

static void unlink_sub(ln_sim *s, sub *x)
{
	for (sub **pp = &s->subs; *pp; pp = &(*pp)->next)
		if (*pp == x) {
			*pp = x->next;
			break;
		}
	free(x->last);
	free(x);
}

static bool current(ln_sim *s, sub *x, jv *ev)
{
	return x->payment ? simdb_payment_event(s->db, x->hash, ev) : simdb_invoice_event(s->db, x->hash, ev);
}

static void send_state(sub *x, const char *state, uint64_t amt_paid_msat)
{
	jv ev = jv_object_set(jv_object(), jv_string("hash"), hex32(x->hash));
	ev = jv_object_set(ev, jv_string("state"), jv_string(state));
	ev = jv_object_set(ev, jv_string("amt_paid_msat"), json_from_u64(amt_paid_msat));
	snprintf(x->sent, sizeof x->sent, "%s", state);
	ln_call_event(x->c, ev);
}

/* Streams poll, so an invoice can move more than one step between two looks
 * (the seller pays, then a settle or `sim mine` within poll_ms). LND would
 * have sent every step: send the ones this stream missed, as the invoice's
 * row still shows them (a payer's HTLC means it was ACCEPTED). Only after
 * what this stream already sent, or from OPEN for a stream opened before the
 * invoice existed; a stream opened later gets the current state only, as
 * from LND. */
static void send_missed_states(ln_sim *s, sub *x, const char *state)
{
	bool from_start = !x->sent[0] && x->waited;
	if (!from_start && strcmp(x->sent, "OPEN") != 0)
		return;
	if (from_start && strcmp(state, "OPEN") != 0)
		send_state(x, "OPEN", 0);
	uint64_t amt;
	if (ln_invoice_state_terminal(state) && simdb_invoice_was_accepted(s->db, x->hash, &amt))
		send_state(x, "ACCEPTED", amt);
}

/* Sends x's state if it changed. Returns false when x ended (and is gone). */
static bool check(ln_sim *s, sub *x)
{
	jv ev;
	if (!current(s, x, &ev)) {
		x->waited = true;
		return true;                   /* an invoice not created yet: stay silent */
	}
	char *text = json_dumps(ev);
	if (x->last && strcmp(x->last, text) == 0) {
		free(text);
		jv_free(ev);
		return true;
	}
	free(x->last);
	x->last = text;
	const char *st = json_get_str(ev, x->payment ? "status" : "state", NULL);
	bool terminal = x->payment ? ln_payment_status_terminal(st) : ln_invoice_state_terminal(st);
	ln_call *c = x->c;
	if (!x->payment && st) {
		send_missed_states(s, x, st);
		snprintf(x->sent, sizeof x->sent, "%s", st);
	}
	ln_call_event(c, ev);
	if (!terminal)
		return true;
	/* like LND, close the stream after a terminal state */
	c->bstate = NULL;
	unlink_sub(s, x);
	ln_call_done(c, jv_object_set(jv_object(), jv_string("end"), jv_string("closed")));
	return false;
}

static void tick(void *arg)
{
	ln_sim *s = arg;
	s->tick = NULL;
	advance(s);
	int64_t v = simdb_data_version(s->db);
	if (v == s->data_version && !s->dirty) {
		arm(s);                        /* nothing committed anywhere */
		return;
	}
	s->data_version = v;
	s->dirty = false;
	unsigned round = ++s->round;
	for (;;) {
		sub *x = s->subs;
		while (x && x->round == round)
			x = x->next;
		if (!x)
			break;
		x->round = round;
		check(s, x);                   /* may end x, start or abort others */
	}
	arm(s);
}

static void add_sub(ln_sim *s, ln_call *c, bool payment)
{
	sub *x = mu_xmalloc(sizeof *x);
	memset(x, 0, sizeof *x);
	x->c = c;
	x->payment = payment;
	memcpy(x->hash, c->hash, 32);
	x->round = s->round;
	x->next = s->subs;
	s->subs = x;
	c->bstate = x;
	if (check(s, x))
		arm(s);
}

/* ---------- primitives ---------- */

/* Completes c with out (consumed) or err. */
static void done_or_fail(ln_call *c, bool ok, jv out, const ln_error *err)
{
	if (ok) {
		ln_call_done(c, out);
		return;
	}
	jv_free(out);
	ln_call_fail(c, err);
}

static void sim_get_info(ln_backend *b, ln_call *c)
{
	ln_sim *s = (ln_sim *)b;
	jv out = jv_invalid();
	ln_error err;
	bool ok = simdb_get_info(s->db, &out, &err);
	done_or_fail(c, ok, out, &err);
}

static void sim_add_hold(ln_backend *b, ln_call *c)
{
	ln_sim *s = (ln_sim *)b;
	jv out = jv_invalid();
	ln_error err;
	advance(s);
	bool ok = simdb_add_hold(s->db, c->hash, c->value_msat, c->memo, c->expiry_secs, c->cltv_expiry, &out, &err);
	s->dirty |= ok;
	if (ok) {
		jv r = jv_object();
		r = jv_object_set(r, jv_string("payment_request"), json_get(out, "payment_request"));
		r = jv_object_set(r, jv_string("hash"), hex32(c->hash));
		r = jv_object_set(r, jv_string("preimage"), hex32(c->preimage));
		r = jv_object_set(r, jv_string("add_index"), json_get(out, "add_index"));
		r = jv_object_set(r, jv_string("payment_addr"), json_get(out, "payment_addr"));
		jv_free(out);
		out = r;
	}
	done_or_fail(c, ok, out, &err);
}

static void sim_settle(ln_backend *b, ln_call *c)
{
	ln_sim *s = (ln_sim *)b;
	ln_error err;
	advance(s);
	bool ok = simdb_settle(s->db, c->preimage, &err);
	s->dirty |= ok;
	done_or_fail(c, ok, jv_object(), &err);
}

static void sim_cancel(ln_backend *b, ln_call *c)
{
	ln_sim *s = (ln_sim *)b;
	ln_error err;
	advance(s);
	bool ok = simdb_cancel(s->db, c->hash, &err);
	s->dirty |= ok;
	done_or_fail(c, ok, jv_object(), &err);
}

static void sim_lookup(ln_backend *b, ln_call *c)
{
	ln_sim *s = (ln_sim *)b;
	jv out = jv_invalid();
	ln_error err;
	advance(s);
	bool ok = simdb_lookup(s->db, c->hash, &out, &err);
	done_or_fail(c, ok, out, &err);
}

static void sim_subscribe(ln_backend *b, ln_call *c)
{
	ln_sim *s = (ln_sim *)b;
	advance(s);
	add_sub(s, c, false);
}

static void not_initiated(ln_call *c)
{
	ln_error err;
	ln_error_set(&err, LN_ERR_NOT_FOUND, "payment isn't initiated");
	ln_call_fail(c, &err);
}

static void sim_send(ln_backend *b, ln_call *c)
{
	ln_sim *s = (ln_sim *)b;
	ln_error err;
	advance(s);
	if (!simdb_send(s->db, c->payment_request, c->amt_sat, c->fee_limit_sat, ln_sim_wall_ms(), &err)) {
		ln_call_fail(c, &err);
		return;
	}
	s->dirty = true;
	add_sub(s, c, true);
}

static void sim_track(ln_backend *b, ln_call *c)
{
	ln_sim *s = (ln_sim *)b;
	advance(s);
	jv ev;
	if (!simdb_payment_event(s->db, c->hash, &ev)) {
		not_initiated(c);
		return;
	}
	if (c->first_only) {
		ln_call_done(c, ev);
		return;
	}
	jv_free(ev);
	add_sub(s, c, true);
}

static void sim_abort(ln_backend *b, ln_call *c)
{
	ln_sim *s = (ln_sim *)b;
	sub *x = c->bstate;
	if (!x)
		return;
	c->bstate = NULL;
	unlink_sub(s, x);
	if (!s->subs) {
		evloop_timer_cancel(s->base.loop, s->tick);
		s->tick = NULL;
	}
}

static void sim_destroy(ln_backend *b)
{
	ln_sim *s = (ln_sim *)b;
	evloop_timer_cancel(s->base.loop, s->tick);
	while (s->subs)
		unlink_sub(s, s->subs);
	simdb_close(s->db);
	free(s);
}

static const ln_backend_vt sim_vt = {
	.name = "sim",
	.get_info = sim_get_info,
	.add_hold = sim_add_hold,
	.settle = sim_settle,
	.cancel = sim_cancel,
	.lookup = sim_lookup,
	.subscribe = sim_subscribe,
	.send = sim_send,
	.track = sim_track,
	.abort = sim_abort,
	.destroy = sim_destroy,
};

ln_backend *ln_sim_new(evloop *loop, const ln_sim_config *cfg, char *err, size_t errlen)
{
	sim_db *db = simdb_open(cfg->db_path, err, errlen);
	if (!db)
		return NULL;
	ln_sim *s = mu_xmalloc(sizeof *s);
	memset(s, 0, sizeof *s);
	s->base.vt = &sim_vt;
	s->base.loop = loop;
	s->db = db;
	s->poll_ms = cfg->poll_ms ? cfg->poll_ms : LN_SIM_POLL_MS_DEFAULT;
	s->data_version = simdb_data_version(db);
	return &s->base;
}
