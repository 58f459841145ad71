/* test_order_property.c — properties of mostro-order run over random
 * sequences of valid and invalid inputs (issue 11): messages from several
 * users, the Lightning node's answers and events in random orders and with
 * failures, ticks, duplicate deliveries, clean restarts and crashes (kill -9
 * before a commit, after it, after its output), on a fixed seed.
 *
 * The engine is a child (tests/unit/order_harness.h) on a database file; the
 * node is a model here that answers the engine's ops as `mostro-ln run`
 * does (man mostro-ln, RUN PROTOCOL): hold invoices OPEN -> ACCEPTED (the
 * seller pays, a step of its own) -> SETTLED or CANCELED with the node's
 * refusals (still_open, already_settled, already_canceled, not_found,
 * already_exists), watch streams that send the current state first,
 * payments in flight until a step ends them, its duplicate guard,
 * payment_status, and injected failures (lnd, transport: the outcome
 * unknown to the engine). Its streams end when the engine restarts (as when
 * the pipeline restarts); what the node holds stays.
 *
 * After every step, the invariants (each named in a failure):
 *   escrow      a hold invoice is never both settled and canceled: the
 *               engine never asks to settle a canceled one nor to cancel a
 *               settled one; no order is paid out and refunded: a canceled,
 *               cooperatively canceled, canceled-by-admin or expired order
 *               has no settled hold invoice
 *   payout      the buyer is paid only from a settled escrow; at most one
 *               payment per order in flight, none after one succeeded; a
 *               success order has exactly one succeeded payment
 *   sats        hold invoice = amount + fee; the payment = amount - fee; what
 *               the node keeps of a paid order = 2 x fee; dev_fee =
 *               round(2 x fee x 0.30) once taken (§2.1, §2.3)
 *   status      statuses move only along DAEMON.md §1.6's transitions
 *   replies     a request's sender gets at most one reply of each action
 *               with its request_id, and a cant-do is the only reply (a
 *               repeat of the same line after a crash is allowed: the outbox
 *               writes at least once); a duplicate delivery is answered by
 *               nothing at all
 *   engine      it never dies but where a step kills it, ends with status
 *               0, prints only JSON lines
 * A failure prints the seed, the step, the invariant, then shrinks the
 * sequence (removing steps while it still fails, bounded in time) and
 * prints the shortest sequence found and the path of its input transcript.
 *
 * make test: a few fixed seeds. ORDER_PROPERTY_SOAK=SECONDS (make soak):
 * random seeds until the time is up. ORDER_PROPERTY_SEED=N
 * ORDER_PROPERTY_STEPS=M: one run; ORDER_PROPERTY_KEEP=1 keeps every run's
 * directory (its input transcript and the engine's log);
 * ORDER_PROPERTY_NOSHRINK=1 reports the failing sequence as it is. */
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <sqlite3.h>

#include "json.h"
#include "mostro_msg.h"
#include "order_config.h"
#include "order_harness.h"
#include "t.h"

#define MOSTRO "79be667ef9dcbbac55a06295ce870b07029bfcdb2dce28d959f2815b16f81798"
#define T0 1700000000
#define NUSERS 5            /* users 0-3 in reputation mode, 4 in full privacy */
#define FEE 0.006
#define DEV_PCT 0.30
#define ATTEMPTS 3

/* ------------------------------------------------------------ randomness */

static uint64_t splitmix(uint64_t *s)
{
	uint64_t z = (*s += 0x9e3779b97f4a7c15ULL);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

/* ------------------------------------------------------------ steps */

typedef enum skind {
	S_NEW,        /* a user makes an order */
	S_ADVANCE,    /* the natural next move of an order (a take, an invoice, fiat-sent, ...) */
	S_RANDOM,     /* anyone sends any action on any order, valid or not */
	S_LN,         /* the node answers one of the engine's open requests (or a stream speaks) */
	S_PAYHOLD,    /* a seller pays an open hold invoice */
	S_PAYEND,     /* a payment in flight ends (succeeded or failed) */
	S_TICK,
	S_PRICE,
	S_DUP,        /* a message delivered again */
	S_DUPLN,      /* a node answer delivered again */
	S_RESTART,    /* the engine stops cleanly and starts again */
	S_CRASH,      /* the engine is killed at a commit point during the next input */
	S_KINDS
} skind;

static const char *const skind_names[S_KINDS] = {
	"new", "advance", "random", "ln", "payhold", "payend", "tick", "price", "dup", "dupln", "restart", "crash",
};

typedef struct step {
	uint8_t  kind;
	uint32_t a, b, c, d;
} step;

static const int weights[S_KINDS] = {
	[S_NEW] = 6, [S_ADVANCE] = 34, [S_RANDOM] = 12, [S_LN] = 26, [S_PAYHOLD] = 4, [S_PAYEND] = 6,
	[S_TICK] = 6, [S_PRICE] = 1, [S_DUP] = 3, [S_DUPLN] = 2, [S_RESTART] = 2, [S_CRASH] = 2,
};

static step *gen_steps(uint64_t seed, size_t n)
{
	step *v = calloc(n, sizeof *v);
	uint64_t s = seed;
	int total = 0;
	for (int k = 0; k < S_KINDS; k++)
		total += weights[k];
	for (size_t i = 0; i < n; i++) {
		int r = (int)(splitmix(&s) % (uint64_t)total), k = 0;
		while (r >= weights[k])
			r -= weights[k++];
		v[i].kind = (uint8_t)k;
		v[i].a = (uint32_t)splitmix(&s);
		v[i].b = (uint32_t)splitmix(&s);
		v[i].c = (uint32_t)splitmix(&s);
		v[i].d = (uint32_t)splitmix(&s);
	}
	return v;
}

/* ------------------------------------------------------------ the world */

typedef enum inv_state { H_OPEN, H_ACCEPTED, H_SETTLED, H_CANCELED } inv_state;
static const char *const inv_names[] = {"OPEN", "ACCEPTED", "SETTLED", "CANCELED"};

typedef struct hold {
	char      hash[65], pre[65], order[37];
	int64_t   amount;
	inv_state st;
} hold;

typedef enum pay_state { P_INFLIGHT, P_SUCCEEDED, P_FAILED } pay_state;
static const char *const pay_names[] = {"IN_FLIGHT", "SUCCEEDED", "FAILED"};

typedef struct payment {
	char      hash[65], order[37];
	int64_t   amount;
	pay_state st;
} payment;

typedef struct payout_invoice {
	char   *bolt11;
	char    hash[65], order[37];
	int64_t amount;       /* 0: amountless */
} payout_invoice;

/* A request of the engine waiting for its answer, or an open stream. */
typedef struct lnreq {
	char id[24], op[32];
	jv   req;
	bool stream;          /* watch_invoice / pay_invoice once in flight */
	bool answered;        /* (unary) */
	char hash[65];        /* streams: what they follow */
} lnreq;

/* Stream records due, in order per stream. */
typedef struct due {
	char id[24];
	jv   rec;
} due;

typedef struct request {
	uint64_t rid;
	char     sender[65];
	uint64_t actions[4];  /* bit per mostro_action replied with this rid to the sender, per channel */
	char    *lines[8];    /* those replies (to tell a repeat from a second reply) */
	int      epoch[8];    /* the engine's life each was first seen in */
	int      nlines;
	bool     cantdo;
} request;

typedef struct ordersnap {
	char    id[37], status[32], kind[8];
	int64_t amount, fee, dev_fee, attempts;
	char    buyer[65], seller[65], creator[65], hash[65];
	bool    failed_payment, payout;
} ordersnap;

typedef struct user {
	char id[65];        /* identity (full privacy: none, the trade key is used) */
	bool privacy;
	int  next;          /* next trade key index (= trade index) */
} user;

typedef struct world {
	uint64_t   seed;
	oh_engine  e;
	char       dir[256], db[300], transcript[300];
	FILE      *tr;
	sqlite3   *rdb;
	int64_t    clock;
	uint64_t   events, rng;
	user       users[NUSERS];
	char       solver[65];
	hold      *holds;     size_t nholds;
	payment   *pays;      size_t npays;
	payout_invoice *invs; size_t ninvs;
	lnreq     *reqs;      size_t nreqs;
	due       *dues;      size_t ndues;
	request   *rq;        size_t nrq;
	ordersnap *orders;    size_t norders;
	char     **sent;      size_t nsent;      /* message records, for duplicates */
	char     **lnsent;    size_t nlnsent;    /* ln_result records delivered */
	int        epoch;                        /* crashes so far: a line seen before one may repeat */
	const char *crash_next;                  /* the crash point of the next start */
	bool       resend_after_crash;
	bool       expect_crash;                 /* a crash point is armed */
	bool       slow_pay;                     /* payments start when answered, not when asked */
	char      *last_msg;                     /* the last message record written */
	bool       failed;
	char       why[2048];
	size_t     step_no;
	/* what a run went through (printed for the fixed seeds) */
	int        n_restarts, n_crashes, n_injected, n_dups;
} world;

static void fail(world *w, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void fail(world *w, const char *fmt, ...)
{
	if (w->failed)
		return;
	w->failed = true;
	va_list ap;
	va_start(ap, fmt);
	int n = snprintf(w->why, sizeof w->why, "step %zu: ", w->step_no);
	vsnprintf(w->why + n, sizeof w->why - (size_t)n, fmt, ap);
	va_end(ap);
}

#define GROW(arr, n) ((arr) = realloc((arr), ((n) + 1) * sizeof *(arr)))

static uint64_t rnd(world *w)
{
	return splitmix(&w->rng);
}

/* ------------------------------------------------------------ keys */

static void user_trade_key(world *w, int u, int k, char out[65])
{
	char label[96];
	snprintf(label, sizeof label, "prop:%d:k%d", u, k);
	oh_key(label, out, NULL);
}

/* The user and index of a trade key handed out (-1 when none). */
static int user_of_trade(world *w, const char *hex, int *k)
{
	for (int u = 0; u < NUSERS; u++)
		for (int i = 1; i < w->users[u].next; i++) {
			char t[65];
			user_trade_key(w, u, i, t);
			if (strcmp(t, hex) == 0) {
				if (k)
					*k = i;
				return u;
			}
		}
	return -1;
}

/* ------------------------------------------------------------ the node */

static hold *hold_by_hash(world *w, const char *h)
{
	for (size_t i = 0; i < w->nholds; i++)
		if (strcmp(w->holds[i].hash, h) == 0)
			return &w->holds[i];
	return NULL;
}

static payment *pay_by_hash(world *w, const char *h)
{
	for (size_t i = 0; i < w->npays; i++)
		if (strcmp(w->pays[i].hash, h) == 0)
			return &w->pays[i];
	return NULL;
}

static payout_invoice *inv_by_bolt11(world *w, const char *b)
{
	for (size_t i = 0; i < w->ninvs; i++)
		if (strcmp(w->invs[i].bolt11, b) == 0)
			return &w->invs[i];
	return NULL;
}

static const ordersnap *order_snap(world *w, const char *id)
{
	for (size_t i = 0; i < w->norders; i++)
		if (strcmp(w->orders[i].id, id) == 0)
			return &w->orders[i];
	return NULL;
}

static void queue_due(world *w, const char *id, jv rec)
{
	GROW(w->dues, w->ndues);
	snprintf(w->dues[w->ndues].id, sizeof w->dues[0].id, "%s", id);
	w->dues[w->ndues++].rec = rec;
}

static lnreq *req_by_id(world *w, const char *id)
{
	for (size_t i = 0; i < w->nreqs; i++)
		if (strcmp(w->reqs[i].id, id) == 0)
			return &w->reqs[i];
	return NULL;
}

/* A watch hears the state of its invoice (and ends when it is final). */
static void watch_hears(world *w, lnreq *r, const hold *h)
{
	{
		jv ev = jv_object_set(jv_object(), jv_string("hash"), jv_string(h->hash));
		ev = jv_object_set(ev, jv_string("state"), jv_string(inv_names[h->st]));
		ev = jv_object_set(ev, jv_string("amt_paid_msat"),
				   json_from_i64(h->st == H_OPEN || h->st == H_CANCELED ? 0 : h->amount * 1000));
		jv rec = oh_ln_event(r->id, r->op, ev);
		if (h->st == H_SETTLED || h->st == H_CANCELED) {
			/* mostro-ln writes the final state and the stream's end together */
			jv res = jv_object_set(jv_object(), jv_string("end"), jv_string("terminal"));
			res = jv_object_set(res, jv_string("state"), jv_string(inv_names[h->st]));
			rec = jv_array_append(jv_array_append(jv_array(), rec), oh_ln_result_ok(r->id, r->op, res));
			r->stream = false;
			r->answered = true;
		}
		queue_due(w, r->id, rec);
	}
}

/* A hold invoice changed state: its open watches hear it. */
static void hold_changed(world *w, hold *h)
{
	for (size_t i = 0; i < w->nreqs; i++) {
		lnreq *r = &w->reqs[i];
		if (r->stream && strcmp(r->op, "watch_invoice") == 0 && strcmp(r->hash, h->hash) == 0)
			watch_hears(w, r, h);
	}
}

static void payment_changed(world *w, payment *p)
{
	for (size_t i = 0; i < w->nreqs; i++) {
		lnreq *r = &w->reqs[i];
		if (!r->stream || strcmp(r->op, "pay_invoice") != 0 || strcmp(r->hash, p->hash) != 0)
			continue;
		jv ev = jv_object_set(jv_object(), jv_string("payment_hash"), jv_string(p->hash));
		ev = jv_object_set(ev, jv_string("status"), jv_string(pay_names[p->st]));
		if (p->st == P_SUCCEEDED)
			ev = jv_object_set(ev, jv_string("preimage"), jv_string(p->hash));
		if (p->st == P_FAILED)
			ev = jv_object_set(ev, jv_string("failure_reason"), jv_string("FAILURE_REASON_NO_ROUTE"));
		if (p->st != P_INFLIGHT) {
			/* the final status and the stream's end, together */
			jv both = jv_array_append(jv_array(), oh_ln_event(r->id, r->op, jv_copy(ev)));
			queue_due(w, r->id, jv_array_append(both, oh_ln_result_ok(r->id, r->op, ev)));
			r->stream = false;
			r->answered = true;
		} else {
			queue_due(w, r->id, oh_ln_event(r->id, r->op, ev));
		}
	}
}

static jv err_result(const char *id, const char *op, const char *kind, const char *msg, jv extra)
{
	jv r = oh_ln_result_err(id, op, kind, msg);
	if (jv_get_kind(extra) == JV_KIND_OBJECT) {
		jv e = json_get(r, "error");
		jv_object_foreach(extra, k, v) e = jv_object_set(e, k, v);
		r = jv_object_set(r, jv_string("error"), e);
	}
	jv_free(extra);
	return r;
}

/* The hold invoice a request is about ("" when none). */
static void hash_of_req(const lnreq *r, char out[65])
{
	out[0] = 0;
	const char *pre = oh_str(r->req, "preimage", NULL);
	if (pre && oh_hash_of_preimage(pre, out))
		return;
	snprintf(out, 65, "%s", oh_str(r->req, "hash", ""));
}

/* An unanswered request of the engine about hold invoice h (op NULL: any). */
static const lnreq *outstanding(world *w, const char *h, const char *op, const lnreq *besides)
{
	for (size_t i = 0; i < w->nreqs; i++) {
		const lnreq *r = &w->reqs[i];
		if (r == besides || r->answered || r->stream || (op && strcmp(r->op, op) != 0))
			continue;
		char x[65];
		hash_of_req(r, x);
		if (strcmp(x, h) == 0)
			return r;
	}
	return NULL;
}

/* The engine asked for `r` (seen in its output): the checks that hold at
 * the moment of the request. */
static void request_checks(world *w, lnreq *r)
{
	if (strcmp(r->op, "settle_hold_invoice") == 0 || strcmp(r->op, "cancel_hold_invoice") == 0) {
		char h[65];
		hash_of_req(r, h);
		bool settle = r->op[0] == 's';
		const lnreq *other = outstanding(w, h, settle ? "cancel_hold_invoice" : "settle_hold_invoice", r);
		hold *x = hold_by_hash(w, h);
		if (other)
			fail(w, "escrow: %s (%s) of the hold invoice of order %s while %s (%s) is unanswered: the escrow is "
			     "both released and refunded", r->op, r->id, x ? x->order : "?", other->op, other->id);
	}
	if (strcmp(r->op, "settle_hold_invoice") == 0) {
		char h[65];
		if (oh_hash_of_preimage(oh_str(r->req, "preimage", NULL), h)) {
			hold *x = hold_by_hash(w, h);
			if (x && x->st == H_CANCELED)
				fail(w, "escrow: settle_hold_invoice (%s) for the canceled hold invoice of order %s", r->id, x->order);
		}
	} else if (strcmp(r->op, "cancel_hold_invoice") == 0) {
		hold *x = hold_by_hash(w, oh_str(r->req, "hash", ""));
		if (x && x->st == H_SETTLED)
			fail(w, "escrow: cancel_hold_invoice (%s) for the settled hold invoice of order %s", r->id, x->order);
	} else if (strcmp(r->op, "pay_invoice") == 0) {
		payout_invoice *pi = inv_by_bolt11(w, oh_str(r->req, "payment_request", ""));
		if (!pi) {
			fail(w, "payout: pay_invoice (%s) of an invoice no buyer gave", r->id);
			return;
		}
		/* the escrow first */
		bool settled = false;
		for (size_t i = 0; i < w->nholds; i++)
			settled = settled || (strcmp(w->holds[i].order, pi->order) == 0 && w->holds[i].st == H_SETTLED);
		if (!settled)
			fail(w, "payout: pay_invoice (%s) for order %s whose hold invoice is not settled", r->id, pi->order);
		for (size_t i = 0; i < w->npays; i++) {
			payment *p = &w->pays[i];
			if (strcmp(p->order, pi->order) != 0)
				continue;
			if (p->st == P_SUCCEEDED)
				fail(w, "payout: pay_invoice (%s) for order %s after its payment %.12s succeeded", r->id, pi->order,
				     p->hash);
			if (p->st == P_INFLIGHT)
				fail(w, "payout: pay_invoice (%s) for order %s while payment %.12s is in flight", r->id, pi->order,
				     p->hash);
		}
		/* the open pay streams of this order are requests too */
		for (size_t i = 0; i < w->nreqs; i++) {
			lnreq *o = &w->reqs[i];
			if (o != r && strcmp(o->op, "pay_invoice") == 0 && !o->answered) {
				payout_invoice *oi = inv_by_bolt11(w, oh_str(o->req, "payment_request", ""));
				if (oi && strcmp(oi->order, pi->order) == 0)
					fail(w, "payout: pay_invoice (%s) for order %s while %s is still unanswered", r->id, pi->order,
					     o->id);
			}
		}
		jv a = json_get(r->req, "amount_sat");
		int64_t amt = -1;
		json_get_i64(a, &amt);
		jv_free(a);
		const ordersnap *o = order_snap(w, pi->order);
		if (o && amt != o->amount - o->fee)
			fail(w, "sats: pay_invoice (%s) of %lld sat for order %s: amount - fee is %lld", r->id, (long long)amt,
			     pi->order, (long long)(o->amount - o->fee));
	}
}

/* The node's answer to a unary request (or the start of a payment). */
static jv node_answer(world *w, lnreq *r, uint32_t roll)
{
	const char *op = r->op;
	bool inject = roll % 100 < 8;          /* a failure the engine must live with */
	if (inject && strcmp(op, "get_info") != 0 && strcmp(op, "lookup_invoice") != 0)
		w->n_injected++;
	bool transport = inject && (roll / 100) % 2 == 0;
	bool applied = (roll / 200) % 2 == 0;  /* a transport failure: did the node do it? */
	jv q = r->req;
	if (strcmp(op, "get_info") == 0) {
		jv chain = jv_object_set(jv_object(), jv_string("chain"), jv_string("bitcoin"));
		chain = jv_object_set(chain, jv_string("network"), jv_string("regtest"));
		jv res = jv_object_set(jv_object(), jv_string("network"), jv_string("regtest"));
		res = jv_object_set(res, jv_string("chains"), jv_array_append(jv_array(), chain));
		res = jv_object_set(res, jv_string("block_height"), jv_number(1000));
		return oh_ln_result_ok(r->id, op, res);
	}
	if (strcmp(op, "create_hold_invoice") == 0) {
		const char *pre = oh_str(q, "preimage", NULL);
		char h[65];
		if (!oh_hash_of_preimage(pre, h))
			return err_result(r->id, op, "invalid_request", "preimage", jv_null());
		if (hold_by_hash(w, h))
			return err_result(r->id, op, "already_exists", "invoice with that hash already exists", jv_null());
		if (inject && !transport)
			return err_result(r->id, op, "lnd", "injected: the node refused", jv_null());
		GROW(w->holds, w->nholds);
		hold *x = &w->holds[w->nholds];
		memset(x, 0, sizeof *x);
		snprintf(x->hash, sizeof x->hash, "%s", h);
		snprintf(x->pre, sizeof x->pre, "%s", pre);
		jv a = json_get(q, "amount_sat");
		json_get_i64(a, &x->amount);
		jv_free(a);
		const char *memo = oh_str(q, "memo", "");
		const char *o = strstr(memo, "Order #");
		snprintf(x->order, sizeof x->order, "%.36s", o ? o + 7 : "?");
		if (transport) {
			if (applied)
				w->nholds++;
			jv extra = jv_object_set(jv_object(), jv_string("hash"), jv_string(h));
			extra = jv_object_set(extra, jv_string("preimage"), jv_string(pre));
			return err_result(r->id, op, "transport", "injected: connection reset", extra);
		}
		w->nholds++;
		char pr[96];
		snprintf(pr, sizeof pr, "lnbcrt1hold%.20s", h);
		jv res = jv_object_set(jv_object(), jv_string("payment_request"), jv_string(pr));
		res = jv_object_set(res, jv_string("hash"), jv_string(h));
		res = jv_object_set(res, jv_string("preimage"), jv_string(pre));
		res = jv_object_set(res, jv_string("add_index"), jv_number((double)w->nholds));
		res = jv_object_set(res, jv_string("payment_addr"), jv_string(h));
		return oh_ln_result_ok(r->id, op, res);
	}
	if (strcmp(op, "lookup_invoice") == 0) {
		hold *x = hold_by_hash(w, oh_str(q, "hash", ""));
		if (!x)
			return err_result(r->id, op, "not_found", "there are no existing invoices for the hash", jv_null());
		char pr[96];
		snprintf(pr, sizeof pr, "lnbcrt1hold%.20s", x->hash);
		jv res = jv_object_set(jv_object(), jv_string("hash"), jv_string(x->hash));
		res = jv_object_set(res, jv_string("state"), jv_string(inv_names[x->st]));
		res = jv_object_set(res, jv_string("payment_request"), jv_string(pr));
		res = jv_object_set(res, jv_string("value_msat"), json_from_i64(x->amount * 1000));
		res = jv_object_set(res, jv_string("amt_paid_msat"),
				    json_from_i64(x->st == H_ACCEPTED || x->st == H_SETTLED ? x->amount * 1000 : 0));
		res = jv_object_set(res, jv_string("htlcs"), jv_array());
		res = jv_object_set(res, jv_string("accepted_expiry_height"), x->st == H_ACCEPTED ? jv_number(1144) : jv_null());
		return oh_ln_result_ok(r->id, op, res);
	}
	if (strcmp(op, "settle_hold_invoice") == 0) {
		char h[65];
		if (!oh_hash_of_preimage(oh_str(q, "preimage", NULL), h))
			return err_result(r->id, op, "invalid_request", "preimage", jv_null());
		hold *x = hold_by_hash(w, h);
		if (!x)
			return err_result(r->id, op, "not_found", "invoice not found", jv_null());
		if (inject && !transport)
			return err_result(r->id, op, "lnd", "injected: the node refused", jv_null());
		if (x->st == H_OPEN)
			return err_result(r->id, op, "still_open", "invoice still open", jv_null());
		if (x->st == H_CANCELED)
			return err_result(r->id, op, "already_canceled", "invoice already canceled", jv_null());
		if (x->st == H_ACCEPTED && (!transport || applied)) {
			x->st = H_SETTLED;
			hold_changed(w, x);
		}
		if (transport)
			return err_result(r->id, op, "transport", "injected: connection reset", jv_null());
		return oh_ln_result_ok(r->id, op, jv_object_set(jv_object(), jv_string("hash"), jv_string(h)));
	}
	if (strcmp(op, "cancel_hold_invoice") == 0) {
		const char *h = oh_str(q, "hash", "");
		hold *x = hold_by_hash(w, h);
		if (!x)
			return err_result(r->id, op, "not_found", "invoice not found", jv_null());
		if (inject && !transport)
			return err_result(r->id, op, "lnd", "injected: the node refused", jv_null());
		if (x->st == H_SETTLED)
			return err_result(r->id, op, "already_settled", "invoice already settled", jv_null());
		if (x->st != H_CANCELED && (!transport || applied)) {
			x->st = H_CANCELED;
			hold_changed(w, x);
		}
		if (transport)
			return err_result(r->id, op, "transport", "injected: connection reset", jv_null());
		return oh_ln_result_ok(r->id, op, jv_object_set(jv_object(), jv_string("hash"), jv_string(h)));
	}
	if (strcmp(op, "pay_invoice") == 0) {
		payout_invoice *pi = inv_by_bolt11(w, oh_str(q, "payment_request", ""));
		if (!pi)
			return err_result(r->id, op, "invalid_invoice", "unknown invoice", jv_null());
		payment *p = pay_by_hash(w, pi->hash);
		if (p && (p->st == P_INFLIGHT || p->st == P_SUCCEEDED))
			return err_result(r->id, op, "already_exists", "payment is in transition", jv_null());
		jv a = json_get(q, "amount_sat");
		int64_t amt = 0;
		json_get_i64(a, &amt);
		jv_free(a);
		if (pi->amount && pi->amount != amt)
			return err_result(r->id, op, "wrong_amount", "the invoice's amount is not the expected one", jv_null());
		if (inject && !transport)
			return err_result(r->id, op, "lnd", "injected: the node refused the payment", jv_null());
		if (!p) {
			GROW(w->pays, w->npays);
			p = &w->pays[w->npays++];
			memset(p, 0, sizeof *p);
			snprintf(p->hash, sizeof p->hash, "%s", pi->hash);
			snprintf(p->order, sizeof p->order, "%s", pi->order);
		}
		p->amount = amt;
		p->st = P_INFLIGHT;
		/* a stream now: IN_FLIGHT, then whatever S_PAYEND decides */
		r->stream = true;
		snprintf(r->hash, sizeof r->hash, "%s", p->hash);
		jv ev = jv_object_set(jv_object(), jv_string("payment_hash"), jv_string(p->hash));
		ev = jv_object_set(ev, jv_string("status"), jv_string("IN_FLIGHT"));
		return oh_ln_event(r->id, op, ev);
	}
	if (strcmp(op, "payment_status") == 0) {
		const char *h = oh_str(q, "hash", "");
		payment *p = pay_by_hash(w, h);
		if (inject && transport)
			return err_result(r->id, op, "timeout", "injected: no answer in 10 s", jv_null());
		jv res = jv_object_set(jv_object(), jv_string("payment_hash"), jv_string(h));
		res = jv_object_set(res, jv_string("status"), p ? jv_string(pay_names[p->st]) : jv_null());
		return oh_ln_result_ok(r->id, op, res);
	}
	return err_result(r->id, op, "invalid_request", "unknown op for this model", jv_null());
}

/* ------------------------------------------------------------ engine I/O */

static bool db_snapshot(world *w);

static void note_line(world *w, const char *text)
{
	if (w->tr)
		fprintf(w->tr, "%s\n", text);
}

/* The outputs of a step: ops registered (watches answered with the current
 * state at once), replies counted, everything checked. */
static void take_outputs(world *w, oh_lines *out, bool dup_step)
{
	for (size_t i = 0; i < out->n; i++) {
		jv v = out->v[i];
		if (!jv_is_valid(v)) {
			fail(w, "engine: an output line is not JSON: %.200s", out->text[i]);
			continue;
		}
		oh_kind k = oh_classify(v);
		if (dup_step && k != OH_CTL) {
			fail(w, "replies: a duplicate delivery was answered: %.200s", out->text[i]);
			continue;
		}
		if (k == OH_LN) {
			const char *id = oh_str(v, "id", ""), *op = oh_str(v, "op", "");
			if (req_by_id(w, id)) {
				fail(w, "engine: Lightning request id %s used twice", id);
				continue;
			}
			GROW(w->reqs, w->nreqs);
			lnreq *r = &w->reqs[w->nreqs++];
			memset(r, 0, sizeof *r);
			snprintf(r->id, sizeof r->id, "%s", id);
			snprintf(r->op, sizeof r->op, "%s", op);
			r->req = jv_copy(v);
			request_checks(w, r);
			if (strcmp(op, "pay_invoice") == 0 && !w->slow_pay) {
				/* mostro-ln starts a payment at once (decode, duplicate
				 * guard, send): the node has it, or refuses, now; what it
				 * tells the engine comes later, in any order */
				jv first = node_answer(w, r, (uint32_t)rnd(w));
				queue_due(w, r->id, first);
				r->answered = !r->stream;   /* refused: that error is its answer */
			} else if (strcmp(op, "watch_invoice") == 0) {
				r->stream = true;
				snprintf(r->hash, sizeof r->hash, "%s", oh_str(v, "hash", ""));
				hold *h = hold_by_hash(w, r->hash);
				if (h)
					watch_hears(w, r, h);    /* the current state first */
			}
		} else if (k == OH_DM) {
			oh_dm d;
			if (!oh_dm_parse(v, &d)) {
				fail(w, "engine: a DM that does not parse: %.200s", out->text[i]);
				oh_dm_free(&d);
				continue;
			}
			if (d.has_rid) {
				for (size_t j = 0; j < w->nrq; j++) {
					request *q = &w->rq[j];
					if (q->rid != d.rid || strcmp(q->sender, d.to) != 0)
						continue;
					int a = -1;
					for (int x = 0; x < MA_COUNT; x++)
						if (strcmp(mostro_action_names[x], d.action) == 0)
							a = x;
					int repeat = -1;
					for (int l = 0; l < q->nlines; l++)
						if (strcmp(q->lines[l], out->text[i]) == 0)
							repeat = l;
					if (repeat >= 0) {
						if (q->epoch[repeat] >= w->epoch)
							fail(w, "replies: the same reply twice to request %llu without a crash between: "
							     "%.200s", (unsigned long long)q->rid, out->text[i]);
						q->epoch[repeat] = w->epoch;
						break;
					}
					/* by channel: a solver who is also a party gets admin-took-dispute
					 * on the dispute channel and on the order channel */
					int ch = strcmp(d.channel, "dispute") == 0 ? 1 : strcmp(d.channel, "restore") == 0 ? 2
						 : strcmp(d.channel, "order") == 0 ? 0 : 3;
					if (a >= 0 && (q->actions[ch] >> a) & 1)
						fail(w, "replies: request %llu got a second %s: %.200s", (unsigned long long)q->rid,
						     d.action, out->text[i]);
					bool cd = strcmp(d.action, "cant-do") == 0;
					bool any = q->actions[0] || q->actions[1] || q->actions[2] || q->actions[3];
					if ((cd && any) || (!cd && q->cantdo))
						fail(w, "replies: request %llu got a cant-do and another reply: %.200s",
						     (unsigned long long)q->rid, out->text[i]);
					if (a >= 0)
						q->actions[ch] |= 1ULL << a;
					q->cantdo = q->cantdo || cd;
					if (q->nlines < 8) {
						q->epoch[q->nlines] = w->epoch;
						q->lines[q->nlines++] = strdup(out->text[i]);
					}
					break;
				}
			}
			oh_dm_free(&d);
		} else if (k == OH_OTHER) {
			fail(w, "engine: an output that is no DM, event or op: %.200s", out->text[i]);
		}
	}
}

static bool engine_start(world *w)
{
	/* no SQLite connection may cross fork(): SQLite's per-process lock
	 * bookkeeping would be the child's too (the engine then fails to open
	 * its database with "locking protocol") */
	if (w->rdb) {
		sqlite3_close(w->rdb);
		w->rdb = NULL;
	}
	order_config cfg;
	order_config_defaults(&cfg);
	cfg.fee = FEE;
	cfg.payment_attempts = ATTEMPTS;
	cfg.payment_retries_interval = 60;
	order_config_add_relay(&cfg, "wss://relay.one");
	snprintf(cfg.mostro_pubkey, sizeof cfg.mostro_pubkey, "%s", MOSTRO);
	char err[320];
	snprintf(err, sizeof err, "%s/engine.err", w->dir);
	oh_opts o = {.db_path = w->db, .cfg = &cfg, .seed_hex = "5eed5eed5eed5eed5eed5eed5eed5eed5eed5eed5eed5eed5eed5eed5eed5eed",
		     .stderr_path = err, .crash = w->crash_next};
	bool ok = oh_start(&w->e, &o);
	order_config_free(&cfg);
	w->crash_next = NULL;
	/* the node's streams of the old process ended with it */
	for (size_t i = 0; i < w->nreqs; i++)
		if (!w->reqs[i].answered) {
			w->reqs[i].answered = true;
			w->reqs[i].stream = false;
		}
	for (size_t i = 0; i < w->ndues; i++)
		jv_free(w->dues[i].rec);
	w->ndues = 0;
	if (!ok)
		fail(w, "engine: cannot start");
	return ok;
}

/* Writes the records, then the barrier; outputs processed. A crash (EOF)
 * is what a crash step expects: the engine is started again. */
static void io(world *w, jv *recs, size_t n, bool dup_step)
{
	oh_lines out;
	oh_lines_init(&out);
	bool ok = true;
	for (size_t i = 0; i < n; i++) {
		char *s = json_dumps(recs[i]);
		note_line(w, s);
		const char *type = oh_str(recs[i], "type", "");
		if (strcmp(type, "message") == 0) {
			GROW(w->sent, w->nsent);
			w->sent[w->nsent++] = strdup(s);
			free(w->last_msg);
			w->last_msg = strdup(s);
		} else if (strcmp(type, "ln_result") == 0) {
			GROW(w->lnsent, w->nlnsent);
			w->lnsent[w->nlnsent++] = strdup(s);
		}
		jv_free(recs[i]);
		ok = ok && oh_write(&w->e, s);
		free(s);
	}
	ok = ok && oh_sync(&w->e, &out);
	take_outputs(w, &out, dup_step);
	oh_lines_free(&out);
	if (!ok) {
		int rc = oh_stop(&w->e, NULL);
		if (!w->expect_crash) {
			fail(w, "engine: it stopped (status %d) where nothing killed it; see %s/engine.err", rc, w->dir);
			return;
		}
		w->expect_crash = false;
		w->n_crashes++;
		note_line(w, "{\"note\":\"the engine was killed at its crash point; started again\"}");
		w->epoch++;
		if (!engine_start(w))
			return;
		oh_lines_init(&out);
		jv again = jv_invalid();
		if (w->resend_after_crash && w->last_msg)
			again = json_parse(w->last_msg, strlen(w->last_msg), JSON_EXACT_NUMBERS, NULL);
		w->resend_after_crash = false;
		bool ok2 = true;
		if (jv_is_valid(again)) {
			/* a message lost before its commit: the relay delivers it again */
			char *s = json_dumps(again);
			note_line(w, s);
			ok2 = oh_write(&w->e, s);
			free(s);
		}
		jv_free(again);
		if (!ok2 || !oh_sync(&w->e, &out))
			fail(w, "engine: no answer after the restart; see %s/engine.err", w->dir);
		take_outputs(w, &out, false);
		oh_lines_free(&out);
	}
}

static void io1(world *w, jv rec)
{
	io(w, &rec, 1, false);
}

/* A due record, or several written together (a JSON array of records). */
static void deliver(world *w, jv rec)
{
	if (jv_get_kind(rec) != JV_KIND_ARRAY) {
		io1(w, rec);
		return;
	}
	int n = jv_array_length(jv_copy(rec));
	jv *v = calloc((size_t)n, sizeof *v);
	for (int i = 0; i < n; i++)
		v[i] = jv_array_get(jv_copy(rec), i);
	jv_free(rec);
	io(w, v, (size_t)n, false);
	free(v);
}

/* ------------------------------------------------------------ messages */

static uint64_t new_rid(world *w, const char *sender, bool null_rid)
{
	if (null_rid)
		return 0;
	uint64_t rid;
	bool clash;
	do {
		rid = rnd(w) | 1;
		clash = false;
		for (size_t i = 0; i < w->nrq; i++)
			clash = clash || w->rq[i].rid == rid;
	} while (clash);
	GROW(w->rq, w->nrq);
	request *q = &w->rq[w->nrq++];
	memset(q, 0, sizeof *q);
	q->rid = rid;
	snprintf(q->sender, sizeof q->sender, "%s", sender);
	return rid;
}

/* A message record: sender (trade key), identity, action and so on. */
static jv message(world *w, const char *sender, const char *identity, const char *channel, const char *action,
		  const char *id, jv payload, const int64_t *ti, bool null_rid)
{
	uint64_t rid = new_rid(w, sender, null_rid);
	jv m = oh_message(channel, null_rid ? NULL : &rid, ti, id, action, payload);
	char eid[65];
	snprintf(eid, sizeof eid, "%016llx%048llx", (unsigned long long)w->seed, (unsigned long long)++w->events);
	return oh_message_record(eid, sender, identity, w->clock, m);
}

/* The identity and trade key of user u on its k-th key. */
static void keys_of(world *w, int u, int k, char trade[65], char identity[65])
{
	user_trade_key(w, u, k, trade);
	if (w->users[u].privacy)
		strcpy(identity, trade);
	else
		strcpy(identity, w->users[u].id);
}

/* A payout invoice for order o: for amount - fee, or amountless. */
static const char *mint_invoice(world *w, const char *order, int64_t amount)
{
	char label[128];
	snprintf(label, sizeof label, "prop:%llu:inv:%zu", (unsigned long long)w->seed, w->ninvs);
	GROW(w->invs, w->ninvs);
	payout_invoice *pi = &w->invs[w->ninvs++];
	memset(pi, 0, sizeof pi[0]);
	pi->bolt11 = oh_invoice(label, amount, w->clock - 30, 30 * 86400, pi->hash);
	pi->amount = amount;
	snprintf(pi->order, sizeof pi->order, "%s", order);
	return pi->bolt11;
}

static jv payment_request(const char *bolt11)
{
	jv a = jv_array_append(jv_array_append(jv_array_append(jv_array(), jv_null()), jv_string(bolt11)), jv_null());
	return jv_object_set(jv_object(), jv_string("payment_request"), a);
}

static jv order_payload(world *w, bool sell, uint32_t r)
{
	bool market = r % 3 == 0;
	jv o = jv_object_set(jv_object(), jv_string("kind"), jv_string(sell ? "sell" : "buy"));
	o = jv_object_set(o, jv_string("status"), jv_string("pending"));
	o = jv_object_set(o, jv_string("amount"), jv_number(market ? 0 : 10000 * (1 + (r / 3) % 20)));
	o = jv_object_set(o, jv_string("fiat_code"), jv_string("USD"));
	o = jv_object_set(o, jv_string("min_amount"), jv_null());
	o = jv_object_set(o, jv_string("max_amount"), jv_null());
	o = jv_object_set(o, jv_string("fiat_amount"), jv_number(10 + (r / 60) % 90));
	o = jv_object_set(o, jv_string("payment_method"), jv_string("SEPA"));
	o = jv_object_set(o, jv_string("premium"), jv_number(market ? (int)((r / 5400) % 11) - 5 : 0));
	o = jv_object_set(o, jv_string("created_at"), jv_number(0));
	o = jv_object_set(o, jv_string("expires_at"), jv_null());
	return jv_object_set(jv_object(), jv_string("order"), o);
}

/* ------------------------------------------------------------ steps */

static const char *const terminal[] = {"success", "canceled", "cooperatively-canceled", "canceled-by-admin", "expired"};

static bool is_terminal(const char *s)
{
	for (size_t i = 0; i < sizeof terminal / sizeof *terminal; i++)
		if (strcmp(terminal[i], s) == 0)
			return true;
	return false;
}

/* The user/key of a party of an order (-1 when the key is no user's). */
static int party(world *w, const char *trade, int *k)
{
	return trade[0] ? user_of_trade(w, trade, k) : -1;
}

/* Sends `action` on order o from the party with trade key `trade`. */
static void party_says(world *w, const ordersnap *o, const char *trade, const char *action, jv payload, bool null_rid)
{
	int k = 0, u = party(w, trade, &k);
	char t[65], id[65];
	if (u < 0) {
		/* Mostro's key or the solver */
		snprintf(t, sizeof t, "%s", trade);
		snprintf(id, sizeof id, "%s", trade);
	} else {
		keys_of(w, u, k, t, id);
	}
	io1(w, message(w, t, id, "order", action, o->id, payload, NULL, null_rid));
}

static void do_new(world *w, const step *s)
{
	int u = (int)(s->a % NUSERS);
	int k = w->users[u].next++;
	char t[65], id[65];
	keys_of(w, u, k, t, id);
	int64_t ti = k;
	io1(w, message(w, t, id, "order", "new-order", NULL, order_payload(w, s->b % 2 == 0, s->c),
		       w->users[u].privacy ? NULL : &ti, false));
}

/* A user other than the maker takes order o. */
static void do_take(world *w, const ordersnap *o, const step *s)
{
	int mk = -1, u;
	party(w, o->creator, &mk);
	int maker = party(w, o->creator, NULL);
	u = (int)(s->b % NUSERS);
	if (u == maker)
		u = (u + 1) % NUSERS;
	int k = w->users[u].next++;
	char t[65], id[65];
	keys_of(w, u, k, t, id);
	int64_t ti = k;
	bool sell = strcmp(o->kind, "sell") == 0;
	jv payload = jv_null();
	if (sell && s->c % 2 == 0)
		payload = payment_request(mint_invoice(w, o->id, o->amount > 0 && s->c % 4 == 0 ? o->amount - o->fee : 0));
	io1(w, message(w, t, id, "order", sell ? "take-sell" : "take-buy", o->id, payload,
		       w->users[u].privacy ? NULL : &ti, false));
}

static void add_invoice(world *w, const ordersnap *o, const step *s)
{
	int64_t amt = o->amount > 0 && s->d % 2 == 0 ? o->amount - o->fee : 0;
	party_says(w, o, o->buyer, "add-invoice", payment_request(mint_invoice(w, o->id, amt)), false);
}

static hold *open_hold_of(world *w, const char *order)
{
	for (size_t i = w->nholds; i-- > 0;)
		if (strcmp(w->holds[i].order, order) == 0 && w->holds[i].st == H_OPEN)
			return &w->holds[i];
	return NULL;
}

static void pay_hold(world *w, hold *h)
{
	h->st = H_ACCEPTED;
	hold_changed(w, h);
	note_line(w, "{\"note\":\"the seller pays the hold invoice\"}");
}

static const ordersnap *pick_live(world *w, uint32_t r)
{
	size_t live = 0;
	for (size_t i = 0; i < w->norders; i++)
		live += !is_terminal(w->orders[i].status);
	if (!live)
		return NULL;
	size_t n = r % live;
	for (size_t i = 0; i < w->norders; i++)
		if (!is_terminal(w->orders[i].status) && n-- == 0)
			return &w->orders[i];
	return NULL;
}

static void dispute_of(world *w, const char *order, char id[37], char status[32], char solver[65])
{
	id[0] = status[0] = solver[0] = 0;
	sqlite3_stmt *st;
	if (!w->rdb || sqlite3_prepare_v2(w->rdb, "SELECT id, status, solver_pubkey FROM disputes WHERE order_id = ?1", -1, &st,
			       NULL) != SQLITE_OK)
		return;
	sqlite3_bind_text(st, 1, order, -1, SQLITE_STATIC);
	if (sqlite3_step(st) == SQLITE_ROW) {
		snprintf(id, 37, "%s", (const char *)sqlite3_column_text(st, 0));
		snprintf(status, 32, "%s", (const char *)sqlite3_column_text(st, 1));
		const unsigned char *sv = sqlite3_column_text(st, 2);
		snprintf(solver, 65, "%s", sv ? (const char *)sv : "");
	}
	sqlite3_finalize(st);
}

/* The order a Lightning request or stream record is about ("" when none). */
static const char *order_of_ln(world *w, jv rec)
{
	if (jv_get_kind(rec) == JV_KIND_ARRAY) {
		jv first = jv_array_get(jv_copy(rec), 0);
		const char *o = order_of_ln(w, first);
		jv_free(first);      /* (o points into w's holds/payments, not into rec) */
		return o;
	}
	const char *memo = oh_str(rec, "memo", NULL);
	if (memo && strstr(memo, "Order #"))
		return strstr(memo, "Order #") + 7;
	const char *h = oh_str(rec, "hash", NULL);
	jv ev = json_get(rec, "event");
	if (!h && jv_is_valid(ev))
		h = oh_str(ev, "hash", NULL) ? oh_str(ev, "hash", NULL) : oh_str(ev, "payment_hash", NULL);
	jv_free(ev);
	char hh[65];
	if (!h && oh_hash_of_preimage(oh_str(rec, "preimage", NULL), hh))
		h = hh;
	if (h) {
		hold *x = hold_by_hash(w, h);
		if (x)
			return x->order;
		payment *p = pay_by_hash(w, h);
		if (p)
			return p->order;
	}
	payout_invoice *pi = inv_by_bolt11(w, oh_str(rec, "payment_request", ""));
	return pi ? pi->order : "";
}

/* Delivers the node's next answer about order o, if one is pending. */
static bool order_ln_work(world *w, const ordersnap *o, uint32_t roll)
{
	for (size_t i = 0; i < w->ndues; i++) {
		bool first = true;
		for (size_t j = 0; j < i && first; j++)
			first = strcmp(w->dues[j].id, w->dues[i].id) != 0;
		if (!first || strncmp(order_of_ln(w, w->dues[i].rec), o->id, 36) != 0)
			continue;
		jv rec = w->dues[i].rec;
		memmove(&w->dues[i], &w->dues[i + 1], (w->ndues - i - 1) * sizeof *w->dues);
		w->ndues--;
		deliver(w, rec);
		return true;
	}
	for (size_t i = 0; i < w->nreqs; i++) {
		lnreq *r = &w->reqs[i];
		if (r->answered || r->stream || strncmp(order_of_ln(w, r->req), o->id, 36) != 0)
			continue;
		jv ans = node_answer(w, r, roll);
		if (!r->stream)
			r->answered = true;
		io1(w, ans);
		return true;
	}
	return false;
}

static void do_advance(world *w, const step *s)
{
	const ordersnap *o = pick_live(w, s->a);
	if (!o) {
		do_new(w, s);
		return;
	}
	/* what the node owes about this order comes first (mostly) */
	if (s->d % 100 < 85 && order_ln_work(w, o, s->b))
		return;
	uint32_t r = s->c % 100;
	const char *st = o->status;
	if (strcmp(st, "pending") == 0) {
		if (r < 95)
			do_take(w, o, s);
		else
			party_says(w, o, o->creator, "cancel", jv_null(), false);
	} else if (strcmp(st, "waiting-buyer-invoice") == 0) {
		if (r < 92)
			add_invoice(w, o, s);
		else
			party_says(w, o, r < 96 ? o->buyer : o->seller, "cancel", jv_null(), false);
	} else if (strcmp(st, "waiting-payment") == 0) {
		hold *h = open_hold_of(w, o->id);
		if (h && r < 92)
			pay_hold(w, h);       /* the watch speaks at a later S_LN or advance */
		else if (r >= 92)
			party_says(w, o, r < 96 ? o->buyer : o->seller, "cancel", jv_null(), false);
	} else if (strcmp(st, "active") == 0) {
		if (r < 80)
			party_says(w, o, o->buyer, "fiat-sent", jv_null(), false);
		else if (r < 90)
			party_says(w, o, s->d % 2 ? o->buyer : o->seller, "dispute", jv_null(), false);
		else
			party_says(w, o, s->d % 2 ? o->buyer : o->seller, "cancel", jv_null(), false);
	} else if (strcmp(st, "fiat-sent") == 0) {
		if (r < 80)
			party_says(w, o, o->seller, "release", jv_null(), false);
		else if (r < 94)
			party_says(w, o, s->d % 2 ? o->buyer : o->seller, "dispute", jv_null(), false);
		else
			party_says(w, o, s->d % 2 ? o->buyer : o->seller, "cancel", jv_null(), false);
	} else if (strcmp(st, "dispute") == 0) {
		char did[37], dst[32], solver[65];
		dispute_of(w, o->id, did, dst, solver);
		const char *who = s->d % 3 == 0 ? MOSTRO : w->solver;
		if (!solver[0] || (r < 15 && did[0])) {
			io1(w, message(w, who, who, "dispute", "admin-take-dispute", did[0] ? did : o->id, jv_null(), NULL, false));
		} else if (r < 60) {
			io1(w, message(w, solver, solver, "dispute", "admin-settle", o->id, jv_null(), NULL, false));
		} else if (r < 85) {
			io1(w, message(w, solver, solver, "dispute", "admin-cancel", o->id, jv_null(), NULL, false));
		} else {
			party_says(w, o, o->seller, "release", jv_null(), false);
		}
	} else if (strcmp(st, "settled-hold-invoice") == 0) {
		if (o->failed_payment && !o->payout && r < 60)
			add_invoice(w, o, s);
		else if (o->seller[0] && r < 80)
			party_says(w, o, o->seller, "rate-user",
				   jv_object_set(jv_object(), jv_string("rating_user"), jv_number(1 + s->d % 5)), false);
		else {
			w->clock += 61;
			char tick[64];
			snprintf(tick, sizeof tick, "{\"type\":\"tick\",\"now\":%lld}", (long long)w->clock);
			io1(w, json_parse(tick, strlen(tick), 0, NULL));
		}
	}
}

static const char *const random_actions[] = {
	"new-order", "take-sell", "take-buy", "add-invoice", "fiat-sent", "release", "cancel", "dispute",
	"rate-user", "trade-pubkey", "orders", "restore-session", "last-trade-index", "admin-settle",
	"admin-cancel", "admin-take-dispute", "admin-add-solver", "pay-invoice", "send-dm", "fiat-sent-ok",
};

static void do_random(world *w, const step *s)
{
	size_t na = sizeof random_actions / sizeof *random_actions;
	const char *action = random_actions[s->a % na];
	/* who: a user with one of its keys, a stranger, the solver, Mostro */
	int who = (int)(s->b % (NUSERS + 3));
	/* the solver and Mostro's key never trade: a sender who is solver and
	 * party gets admin-took-dispute or admin-canceled twice, as DAEMON.md
	 * says, which the replies invariant would take for a second reply */
	if (who > NUSERS && (strcmp(action, "new-order") == 0 || strncmp(action, "take-", 5) == 0))
		who = (int)(s->b % NUSERS);
	char t[65], id[65];
	int64_t ti = 0, *tip = NULL;
	if (who < NUSERS) {
		int u = who;
		int k = w->users[u].next > 1 && s->b % 3 ? 1 + (int)((s->b / 7) % (uint32_t)(w->users[u].next - 1))
							 : w->users[u].next++;
		keys_of(w, u, k, t, id);
		if (!w->users[u].privacy) {
			uint32_t m = (s->d / 5) % 10;
			ti = m < 6 ? k : m < 7 ? 0 : m < 8 ? k - 1 : -1;
			if (ti >= 0)
				tip = &ti;
		}
	} else if (who == NUSERS) {
		char label[64];
		snprintf(label, sizeof label, "prop:stranger:%u", s->b);
		oh_key(label, t, NULL);
		snprintf(label, sizeof label, "prop:stranger-id:%u", s->b);
		oh_key(label, id, NULL);
		ti = 1;
		tip = &ti;
	} else {
		snprintf(t, sizeof t, "%s", who == NUSERS + 1 ? w->solver : MOSTRO);
		snprintf(id, sizeof id, "%s", t);
	}
	const char *oid = NULL;
	char none[37];
	snprintf(none, sizeof none, "00000000-0000-4000-8000-%012u", s->c % 1000000);
	if (w->norders && s->c % 5)
		oid = w->orders[s->c % w->norders].id;
	else
		oid = none;
	const char *channel = strncmp(action, "admin-", 6) == 0 ? "dispute"
		: strcmp(action, "restore-session") == 0 || strcmp(action, "last-trade-index") == 0 ? "restore" : "order";
	jv payload = jv_null();
	const char *id_field = oid;
	uint32_t variant = s->d % 4;
	const ordersnap *o = order_snap(w, oid);
	if (strcmp(action, "new-order") == 0) {
		payload = order_payload(w, s->c % 2, s->d);
		id_field = NULL;
	} else if (strcmp(action, "orders") == 0) {
		payload = jv_object_set(jv_object(), jv_string("ids"), jv_array_append(jv_array(), jv_string(oid)));
		id_field = NULL;
	} else if (strcmp(channel, "restore") == 0) {
		id_field = NULL;
	} else if (strcmp(action, "admin-take-dispute") == 0) {
		char did[37], dst[32], solver[65];
		dispute_of(w, oid, did, dst, solver);
		id_field = did[0] ? did : none;
	} else if (strcmp(action, "add-invoice") == 0 || strcmp(action, "pay-invoice") == 0 ||
		   (strcmp(action, "take-sell") == 0 && variant == 1)) {
		int64_t amt = o && o->amount > 0 && variant != 3 ? o->amount - o->fee : variant == 3 ? 4242 : 0;
		payload = payment_request(mint_invoice(w, oid, amt));
	} else if (strcmp(action, "rate-user") == 0) {
		payload = jv_object_set(jv_object(), jv_string("rating_user"), jv_number(s->d % 7));
	} else if (strcmp(action, "admin-add-solver") == 0) {
		char np[100];
		char label[64];
		char k2[65];
		snprintf(label, sizeof label, "prop:newsolver:%u", s->d);
		oh_key(label, k2, NULL);
		oh_npub(k2, np, sizeof np);
		payload = jv_object_set(jv_object(), jv_string("text_message"), jv_string(np));
	} else if (variant == 2) {
		payload = jv_object_set(jv_object(), jv_string("text_message"), jv_string("x"));
	}
	if (strcmp(action, "new-order") != 0 && strcmp(action, "take-sell") != 0 && strcmp(action, "take-buy") != 0)
		tip = NULL;
	io1(w, message(w, t, id, channel, action, id_field, payload, tip, s->a % 11 == 0));
}

/* One of the node's pending answers: a unary request's result or the next
 * record of a stream (streams keep their order). */
static void do_ln(world *w, const step *s)
{
	size_t nunary = 0;
	for (size_t i = 0; i < w->nreqs; i++)
		nunary += !w->reqs[i].answered && !w->reqs[i].stream;
	/* the first due record of each stream */
	size_t nfirst = 0;
	for (size_t i = 0; i < w->ndues; i++) {
		bool first = true;
		for (size_t j = 0; j < i && first; j++)
			first = strcmp(w->dues[j].id, w->dues[i].id) != 0;
		nfirst += first;
	}
	if (nunary + nfirst == 0)
		return;
	size_t pick = s->a % (nunary + nfirst);
	if (pick < nunary) {
		for (size_t i = 0; i < w->nreqs; i++) {
			lnreq *r = &w->reqs[i];
			if (r->answered || r->stream || pick-- != 0)
				continue;
			jv ans = node_answer(w, r, s->b);
			if (!r->stream)
				r->answered = true;
			io1(w, ans);
			return;
		}
	}
	pick -= nunary;
	for (size_t i = 0; i < w->ndues; i++) {
		bool first = true;
		for (size_t j = 0; j < i && first; j++)
			first = strcmp(w->dues[j].id, w->dues[i].id) != 0;
		if (!first || pick-- != 0)
			continue;
		jv rec = w->dues[i].rec;
		memmove(&w->dues[i], &w->dues[i + 1], (w->ndues - i - 1) * sizeof *w->dues);
		w->ndues--;
		deliver(w, rec);
		return;
	}
}

static void do_payhold(world *w, const step *s)
{
	size_t n = 0;
	for (size_t i = 0; i < w->nholds; i++)
		n += w->holds[i].st == H_OPEN;
	if (!n)
		return;
	size_t pick = s->a % n;
	for (size_t i = 0; i < w->nholds; i++)
		if (w->holds[i].st == H_OPEN && pick-- == 0) {
			pay_hold(w, &w->holds[i]);
			return;
		}
}

static void do_payend(world *w, const step *s)
{
	size_t n = 0;
	for (size_t i = 0; i < w->npays; i++)
		n += w->pays[i].st == P_INFLIGHT;
	if (!n)
		return;
	size_t pick = s->a % n;
	for (size_t i = 0; i < w->npays; i++)
		if (w->pays[i].st == P_INFLIGHT && pick-- == 0) {
			payment *p = &w->pays[i];
			p->st = s->b % 10 < 7 ? P_SUCCEEDED : P_FAILED;
			if (p->st == P_SUCCEEDED) {
				int won = 0;
				for (size_t j = 0; j < w->npays; j++)
					won += strcmp(w->pays[j].order, p->order) == 0 && w->pays[j].st == P_SUCCEEDED;
				if (won > 1)
					fail(w, "payout: a second payment succeeded for order %s", p->order);
			}
			note_line(w, p->st == P_SUCCEEDED ? "{\"note\":\"a payment succeeds at the node\"}"
							  : "{\"note\":\"a payment fails at the node\"}");
			payment_changed(w, p);
			return;
		}
}

static void do_tick(world *w, const step *s)
{
	w->clock += s->a % 10 == 0 ? 300 + s->b % 900 : 1 + s->b % 90;
	char tick[64];
	snprintf(tick, sizeof tick, "{\"type\":\"tick\",\"now\":%lld}", (long long)w->clock);
	io1(w, json_parse(tick, strlen(tick), 0, NULL));
}

static void do_price(world *w, const step *s)
{
	char rec[128];
	snprintf(rec, sizeof rec, "{\"type\":\"price\",\"rates\":{\"USD\":%u},\"source\":\"test\"}", 40000 + s->a % 20000);
	io1(w, json_parse(rec, strlen(rec), 0, NULL));
}

static void do_dup(world *w, const step *s, bool ln)
{
	char **v = ln ? w->lnsent : w->sent;
	size_t n = ln ? w->nlnsent : w->nsent;
	if (!n)
		return;
	const char *line = v[s->a % n];
	jv rec = json_parse(line, strlen(line), JSON_EXACT_NUMBERS, NULL);
	note_line(w, "{\"note\":\"delivered again\"}");
	w->n_dups++;
	io(w, &rec, 1, true);
}

static void do_restart(world *w, const step *s, bool crash)
{
	oh_lines rest;
	oh_lines_init(&rest);
	int rc = oh_stop(&w->e, &rest);
	take_outputs(w, &rest, false);
	oh_lines_free(&rest);
	if (rc != 0)
		fail(w, "engine: a clean stop ended with status %d; see %s/engine.err", rc, w->dir);
	/* commit 1 is the start's, 2 the barrier read below: the input after it dies */
	static const char *const points[] = {"before-commit:3", "after-commit:3", "after-emit:3"};
	if (crash) {
		w->crash_next = points[s->a % 3];
		w->resend_after_crash = s->a % 3 == 0;
		w->expect_crash = true;
		note_line(w, s->a % 3 == 0 ? "{\"note\":\"restart; the next input dies before its commit\"}"
			  : s->a % 3 == 1 ? "{\"note\":\"restart; the next input dies after its commit\"}"
					  : "{\"note\":\"restart; the next input dies after its output\"}");
	} else {
		w->n_restarts++;
		note_line(w, "{\"note\":\"clean restart\"}");
	}
	if (!engine_start(w))
		return;
	oh_lines out;
	oh_lines_init(&out);
	if (!oh_sync(&w->e, &out))
		fail(w, "engine: no answer after a restart");
	take_outputs(w, &out, false);
	oh_lines_free(&out);
	if (crash) {
		/* the input that dies: the next natural move (when it writes
		 * nothing, the crash waits for the next input) */
		step t = *s;
		t.c = s->b;
		do_advance(w, &t);
	}
}

/* ------------------------------------------------------------ invariants */

static bool allowed_transition(const char *from, const char *to)
{
	static const char *const edges[][2] = {
		{"pending", "waiting-buyer-invoice"}, {"pending", "waiting-payment"}, {"pending", "canceled"},
		{"pending", "expired"},
		{"waiting-buyer-invoice", "waiting-payment"}, {"waiting-buyer-invoice", "active"},
		{"waiting-buyer-invoice", "pending"}, {"waiting-buyer-invoice", "canceled"},
		{"waiting-payment", "active"}, {"waiting-payment", "waiting-buyer-invoice"}, {"waiting-payment", "pending"},
		{"waiting-payment", "canceled"},
		{"active", "fiat-sent"}, {"active", "dispute"}, {"active", "cooperatively-canceled"}, {"active", "canceled"},
		{"fiat-sent", "dispute"}, {"fiat-sent", "settled-hold-invoice"}, {"fiat-sent", "cooperatively-canceled"},
		{"dispute", "settled-hold-invoice"}, {"dispute", "canceled-by-admin"}, {"dispute", "cooperatively-canceled"},
		{"settled-hold-invoice", "success"},
	};
	for (size_t i = 0; i < sizeof edges / sizeof *edges; i++)
		if (strcmp(edges[i][0], from) == 0 && strcmp(edges[i][1], to) == 0)
			return true;
	return false;
}

static void copy_col(sqlite3_stmt *st, int i, char *out, size_t cap)
{
	const unsigned char *v = sqlite3_column_text(st, i);
	snprintf(out, cap, "%s", v ? (const char *)v : "");
}

/* Reads the orders (read-only connection) and checks status moves. */
static bool db_snapshot(world *w)
{
	if (!w->rdb) {
		if (sqlite3_open_v2(w->db, &w->rdb, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK) {
			fail(w, "cannot read the database: %s", w->rdb ? sqlite3_errmsg(w->rdb) : "?");
			return false;
		}
		sqlite3_busy_timeout(w->rdb, 5000);
	}
	sqlite3_stmt *st;
	if (sqlite3_prepare_v2(w->rdb,
			       "SELECT id, status, kind, amount, fee, dev_fee, payment_attempts, buyer_pubkey, seller_pubkey, "
			       "creator_pubkey, hash, failed_payment, payout_payment_hash FROM orders ORDER BY created_at, id",
			       -1, &st, NULL) != SQLITE_OK) {
		fail(w, "reading the database: %s", sqlite3_errmsg(w->rdb));
		return false;
	}
	ordersnap *now = NULL;
	size_t n = 0;
	while (sqlite3_step(st) == SQLITE_ROW) {
		GROW(now, n);
		ordersnap *o = &now[n++];
		memset(o, 0, sizeof *o);
		copy_col(st, 0, o->id, sizeof o->id);
		copy_col(st, 1, o->status, sizeof o->status);
		copy_col(st, 2, o->kind, sizeof o->kind);
		o->amount = sqlite3_column_int64(st, 3);
		o->fee = sqlite3_column_int64(st, 4);
		o->dev_fee = sqlite3_column_int64(st, 5);
		o->attempts = sqlite3_column_int64(st, 6);
		copy_col(st, 7, o->buyer, sizeof o->buyer);
		copy_col(st, 8, o->seller, sizeof o->seller);
		copy_col(st, 9, o->creator, sizeof o->creator);
		copy_col(st, 10, o->hash, sizeof o->hash);
		o->failed_payment = sqlite3_column_int(st, 11) != 0;
		o->payout = sqlite3_column_type(st, 12) != SQLITE_NULL;
	}
	sqlite3_finalize(st);
	for (size_t i = 0; i < n; i++) {
		const ordersnap *before = order_snap(w, now[i].id);
		if (!before) {
			if (strcmp(now[i].status, "pending") != 0)
				fail(w, "status: order %s appeared as %s (new orders are pending)", now[i].id, now[i].status);
		} else if (strcmp(before->status, now[i].status) != 0 && !allowed_transition(before->status, now[i].status)) {
			fail(w, "status: order %s moved %s -> %s (not a §1.6 transition)", now[i].id, before->status,
			     now[i].status);
		}
	}
	if (n < w->norders)
		fail(w, "status: %zu orders vanished", w->norders - n);
	free(w->orders);
	w->orders = now;
	w->norders = n;
	return true;
}

/* The escrow, the payout and the sats of every order, against the node. */
static void check_money(world *w)
{
	for (size_t i = 0; i < w->norders; i++) {
		const ordersnap *o = &w->orders[i];
		int settled = 0, succeeded = 0;
		int64_t settled_amt = 0, paid = 0;
		for (size_t j = 0; j < w->nholds; j++)
			if (strcmp(w->holds[j].order, o->id) == 0 && w->holds[j].st == H_SETTLED) {
				settled++;
				settled_amt += w->holds[j].amount;
			}
		for (size_t j = 0; j < w->npays; j++)
			if (strcmp(w->pays[j].order, o->id) == 0 && w->pays[j].st == P_SUCCEEDED) {
				succeeded++;
				paid += w->pays[j].amount;
			}
		bool refunded = strcmp(o->status, "canceled") == 0 || strcmp(o->status, "cooperatively-canceled") == 0 ||
				strcmp(o->status, "canceled-by-admin") == 0 || strcmp(o->status, "expired") == 0;
		if (refunded && settled)
			fail(w, "escrow: order %s is %s but its hold invoice was settled (paid out and refunded)", o->id,
			     o->status);
		if (settled > 1)
			fail(w, "escrow: order %s has %d settled hold invoices", o->id, settled);
		if (succeeded > 1)
			fail(w, "payout: order %s was paid %d times", o->id, succeeded);
		if (succeeded && !settled)
			fail(w, "payout: order %s was paid without a settled escrow", o->id);
		if (strcmp(o->status, "success") == 0 && (succeeded != 1 || settled != 1))
			fail(w, "payout: order %s is success with %d payments and %d settled escrows", o->id, succeeded, settled);
		if (succeeded == 1 && settled == 1 && settled_amt - paid != 2 * o->fee)
			fail(w, "sats: order %s: escrow %lld - paid %lld = %lld, not 2 x fee = %lld", o->id, (long long)settled_amt,
			     (long long)paid, (long long)(settled_amt - paid), (long long)(2 * o->fee));
		/* the escrow of a taken order is amount + fee */
		static const char *const held[] = {"waiting-payment", "active", "fiat-sent", "dispute",
						   "settled-hold-invoice", "success", "waiting-buyer-invoice"};
		bool in_play = false;
		for (size_t j = 0; j < sizeof held / sizeof *held; j++)
			in_play = in_play || strcmp(held[j], o->status) == 0;
		hold *h = o->hash[0] ? hold_by_hash(w, o->hash) : NULL;
		/* the row and the node agree on the escrow, but while a request
		 * about it is unanswered */
		bool trading = strcmp(o->status, "active") == 0 || strcmp(o->status, "fiat-sent") == 0 ||
			       strcmp(o->status, "dispute") == 0;
		bool released = strcmp(o->status, "settled-hold-invoice") == 0 || strcmp(o->status, "success") == 0;
		if (h && (trading || released) && !outstanding(w, h->hash, NULL, NULL)) {
			if (trading && h->st != H_ACCEPTED)
				fail(w, "escrow: order %s is %s but the node's hold invoice is %s (no request about it pending)",
				     o->id, o->status, inv_names[h->st]);
			if (released && h->st != H_SETTLED)
				fail(w, "escrow: order %s is %s but the node's hold invoice is %s", o->id, o->status,
				     inv_names[h->st]);
		}
		if (in_play && h && h->amount != o->amount + o->fee)
			fail(w, "sats: order %s (%s): hold invoice %lld sat, amount + fee = %lld", o->id, o->status,
			     (long long)h->amount, (long long)(o->amount + o->fee));
		if (in_play && o->hash[0] && o->fee != (int64_t)llround(FEE * (double)o->amount / 2))
			fail(w, "sats: order %s: fee %lld for %lld sat, round(%.3f x amount / 2) = %lld", o->id,
			     (long long)o->fee, (long long)o->amount, FEE, (long long)llround(FEE * (double)o->amount / 2));
		if (in_play && o->hash[0] && o->dev_fee != (int64_t)llround(2.0 * (double)o->fee * DEV_PCT))
			fail(w, "sats: order %s: dev_fee %lld, round(2 x fee x %.2f) = %lld", o->id, (long long)o->dev_fee,
			     DEV_PCT, (long long)llround(2.0 * (double)o->fee * DEV_PCT));
	}
}

/* ------------------------------------------------------------ a run */

static void world_free(world *w)
{
	for (size_t i = 0; i < w->ninvs; i++)
		free(w->invs[i].bolt11);
	for (size_t i = 0; i < w->nreqs; i++)
		jv_free(w->reqs[i].req);
	for (size_t i = 0; i < w->ndues; i++)
		jv_free(w->dues[i].rec);
	for (size_t i = 0; i < w->nrq; i++)
		for (int l = 0; l < w->rq[i].nlines; l++)
			free(w->rq[i].lines[l]);
	for (size_t i = 0; i < w->nsent; i++)
		free(w->sent[i]);
	for (size_t i = 0; i < w->nlnsent; i++)
		free(w->lnsent[i]);
	free(w->sent);
	free(w->lnsent);
	free(w->holds);
	free(w->pays);
	free(w->invs);
	free(w->reqs);
	free(w->dues);
	free(w->rq);
	free(w->orders);
	free(w->last_msg);
	if (w->rdb)
		sqlite3_close(w->rdb);
	if (w->tr)
		fclose(w->tr);
}

static void rm_dir(const char *dir)
{
	static const char *const files[] = {"db", "db-wal", "db-shm", "engine.err", "transcript.jsonl"};
	char p[400];
	for (size_t i = 0; i < sizeof files / sizeof *files; i++) {
		snprintf(p, sizeof p, "%s/%s", dir, files[i]);
		unlink(p);
	}
	rmdir(dir);
}

static const char *tmp_base(void)
{
	struct stat sb;
	if (stat("/dev/shm", &sb) == 0 && S_ISDIR(sb.st_mode) && access("/dev/shm", W_OK) == 0)
		return "/dev/shm";
	const char *t = getenv("TMPDIR");
	return t && *t ? t : "/tmp";
}

/* Runs the steps; returns true when every invariant held. On failure, why
 * and the failing step index are set; keep_dir leaves the directory (its
 * transcript) behind and returns its path. */
/* A world with its engine started, the clock, the node's network, a price
 * and the read-write solver; NULL (why set) when it cannot be made. */
static world *world_open(uint64_t seed, char *why, size_t whycap)
{
	world *w = calloc(1, sizeof *w);
	w->seed = seed;
	w->rng = seed ^ 0x5eedULL;
	w->clock = T0;
	snprintf(w->dir, sizeof w->dir, "%s/order-property-XXXXXX", tmp_base());
	if (!mkdtemp(w->dir)) {
		snprintf(why, whycap, "mkdtemp: %s", strerror(errno));
		free(w);
		return NULL;
	}
	snprintf(w->db, sizeof w->db, "%s/db", w->dir);
	snprintf(w->transcript, sizeof w->transcript, "%s/transcript.jsonl", w->dir);
	w->tr = fopen(w->transcript, "w");
	for (int u = 0; u < NUSERS; u++) {
		char label[32];
		snprintf(label, sizeof label, "prop:id:%d", u);
		oh_key(label, w->users[u].id, NULL);
		w->users[u].privacy = u == NUSERS - 1;
		w->users[u].next = 1;
	}
	oh_key("prop:solver", w->solver, NULL);
	if (engine_start(w)) {
		char tick[64];
		snprintf(tick, sizeof tick, "{\"type\":\"tick\",\"now\":%lld}", (long long)w->clock);
		io1(w, json_parse(tick, strlen(tick), 0, NULL));
		for (size_t i = 0; i < w->nreqs; i++)
			if (strcmp(w->reqs[i].op, "get_info") == 0 && !w->reqs[i].answered) {
				w->reqs[i].answered = true;
				io1(w, node_answer(w, &w->reqs[i], 99));
			}
		step p = {S_PRICE, 10000, 0, 0, 0};
		do_price(w, &p);
		char np[100], text[120];
		oh_npub(w->solver, np, sizeof np);
		snprintf(text, sizeof text, "%s:write", np);
		io1(w, message(w, MOSTRO, MOSTRO, "dispute", "admin-add-solver", "00000000-0000-4000-8000-000000000001",
			       jv_object_set(jv_object(), jv_string("text_message"), jv_string(text)), NULL, false));
		db_snapshot(w);
	}
	return w;
}

/* The invariants after a step. */
static void checkpoint(world *w)
{
	if (w->e.dead && !w->failed)
		fail(w, "engine: it died; see %s/engine.err", w->dir);
	if (!w->failed && db_snapshot(w))
		check_money(w);
}

/* Stops the engine (it must end cleanly when nothing failed), fills the
 * summary, frees the world; the directory stays when keep_dir is given and
 * the run failed (or ORDER_PROPERTY_KEEP is set). Returns whether every
 * invariant held. */
static bool world_close(world *w, size_t *fail_at, char *why, size_t whycap, char *keep_dir, size_t keepcap,
			char *summary, size_t summary_cap)
{
	if (!w->failed) {
		oh_lines rest;
		oh_lines_init(&rest);
		int rc = oh_stop(&w->e, &rest);
		take_outputs(w, &rest, false);
		oh_lines_free(&rest);
		if (rc != 0)
			fail(w, "engine: the last stop ended with status %d", rc);
	} else {
		oh_kill(&w->e);
	}
	bool passed = !w->failed;
	if (summary) {
		int by[16] = {0};
		static const char *const sts[] = {"pending", "waiting-buyer-invoice", "waiting-payment", "active", "fiat-sent",
						  "dispute", "settled-hold-invoice", "success", "canceled",
						  "cooperatively-canceled", "canceled-by-admin", "expired"};
		size_t ns = sizeof sts / sizeof *sts;
		for (size_t i = 0; i < w->norders; i++)
			for (size_t j = 0; j < ns; j++)
				by[j] += strcmp(w->orders[i].status, sts[j]) == 0;
		int settled = 0, canceled = 0, ok_pay = 0, bad_pay = 0;
		for (size_t i = 0; i < w->nholds; i++) {
			settled += w->holds[i].st == H_SETTLED;
			canceled += w->holds[i].st == H_CANCELED;
		}
		for (size_t i = 0; i < w->npays; i++) {
			ok_pay += w->pays[i].st == P_SUCCEEDED;
			bad_pay += w->pays[i].st == P_FAILED;
		}
		int len = snprintf(summary, summary_cap, "%zu orders (", w->norders);
		for (size_t j = 0; j < ns && len < (int)summary_cap; j++)
			if (by[j])
				len += snprintf(summary + len, summary_cap - (size_t)len, "%s%d %s", len > 12 ? ", " : "", by[j],
						sts[j]);
		if (len < (int)summary_cap)
			snprintf(summary + len, summary_cap - (size_t)len,
				 "); %zu hold invoices (%d settled, %d canceled); %zu payments (%d succeeded, %d failed); "
				 "%d node failures injected, %d restarts, %d crashes, %d deliveries repeated",
				 w->nholds, settled, canceled, w->npays, ok_pay, bad_pay, w->n_injected, w->n_restarts,
				 w->n_crashes, w->n_dups);
	}
	if (!passed) {
		snprintf(why, whycap, "%s", w->why);
		if (fail_at)
			*fail_at = w->step_no;
	}
	if (keep_dir)
		snprintf(keep_dir, keepcap, "%s", w->dir);
	world_free(w);
	if ((passed || !keep_dir) && !getenv("ORDER_PROPERTY_KEEP"))
		rm_dir(w->dir);
	free(w);
	return passed;
}

static void run_step_kind(world *w, const step *s)
{
	switch ((skind)s->kind) {
	case S_NEW: do_new(w, s); break;
	case S_ADVANCE: do_advance(w, s); break;
	case S_RANDOM: do_random(w, s); break;
	case S_LN: do_ln(w, s); break;
	case S_PAYHOLD: do_payhold(w, s); break;
	case S_PAYEND: do_payend(w, s); break;
	case S_TICK: do_tick(w, s); break;
	case S_PRICE: do_price(w, s); break;
	case S_DUP: do_dup(w, s, false); break;
	case S_DUPLN: do_dup(w, s, true); break;
	case S_RESTART: do_restart(w, s, false); break;
	case S_CRASH: do_restart(w, s, true); break;
	case S_KINDS: break;
	}
}

/* Runs the steps; returns true when every invariant held. On failure, why
 * and the failing step index are set; keep_dir gets the directory (its
 * transcript) left behind. */
static bool run(uint64_t seed, const step *steps, size_t n, size_t *fail_at, char *why, size_t whycap,
		char *keep_dir, size_t keepcap, char *summary, size_t summary_cap)
{
	world *w = world_open(seed, why, whycap);
	if (!w)
		return false;
	for (size_t i = 0; i < n && !w->failed; i++) {
		w->step_no = i;
		const step *s = &steps[i];
		char note[160];
		snprintf(note, sizeof note, "{\"note\":\"step %zu: %s %u %u %u %u\"}", i, skind_names[s->kind], s->a, s->b,
			 s->c, s->d);
		note_line(w, note);
		run_step_kind(w, s);
		checkpoint(w);
	}
	return world_close(w, fail_at, why, whycap, keep_dir, keepcap, summary, summary_cap);
}

/* ------------------------------------------------------------ shrinking */

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* The invariant's name: what a shrunk sequence must still break. */
static void invariant_of(const char *why, char *out, size_t cap)
{
	const char *p = strstr(why, ": ");
	p = p ? p + 2 : why;
	size_t n = strcspn(p, ":");
	snprintf(out, cap, "%.*s", (int)n, p);
}

static size_t shrink(uint64_t seed, step *steps, size_t n, const char *inv, double budget)
{
	double end = now_s() + budget;
	for (size_t chunk = n / 2; chunk >= 1 && now_s() < end; chunk /= 2) {
		for (size_t at = 0; at + chunk <= n && now_s() < end;) {
			step *t = malloc((n - chunk) * sizeof *t);
			memcpy(t, steps, at * sizeof *t);
			memcpy(t + at, steps + at + chunk, (n - at - chunk) * sizeof *t);
			size_t fa = 0;
			char why[2048], inv2[64];
			bool still = !run(seed, t, n - chunk, &fa, why, sizeof why, NULL, 0, NULL, 0);
			invariant_of(why, inv2, sizeof inv2);
			if (still && strcmp(inv, inv2) == 0) {
				memcpy(steps, t, (fa + 1 < n - chunk ? fa + 1 : n - chunk) * sizeof *t);
				n = fa + 1 < n - chunk ? fa + 1 : n - chunk;
			} else {
				at += chunk;
			}
			free(t);
		}
		if (chunk == 1)
			break;
	}
	return n;
}

/* The engine issues still open (a scenario below marked xfail), by the
 * invariant message a random run breaks when it meets one (reported, not
 * counted as new). None today: A-E are fixed and their scenarios must pass. */
static const struct {
	const char *breaks, *issues;
} known[] = {
	{NULL, NULL},
};

static const char *known_issue(const char *why)
{
	for (size_t i = 0; i < sizeof known / sizeof *known; i++)
		if (known[i].breaks && strstr(why, known[i].breaks))
			return known[i].issues;
	return NULL;
}

static int n_known;

/* One seed: run, and on failure shrink and print. A failure that is one of
 * the known engine issues (the scenarios) is reported as xfail. */
static bool check_seed(uint64_t seed, size_t nsteps, double shrink_budget)
{
	step *steps = gen_steps(seed, nsteps);
	size_t fa = 0;
	char why[2048];
	char summary[1024] = "";
	bool ok = run(seed, steps, nsteps, &fa, why, sizeof why, NULL, 0, summary, sizeof summary);
	const char *issue = ok ? NULL : known_issue(why);
	if (issue) {
		n_known++;
		t_ok(true, "seed %llu: %zu random steps # SKIP xfail: known engine issue %s (scenario below): %s",
		     (unsigned long long)seed, nsteps, issue, why);
		free(steps);
		return true;
	}
	t_ok(ok, "seed %llu: %zu random steps, every invariant holds", (unsigned long long)seed, nsteps);
	if (ok)
		t_diag("  %s", summary);
	if (!ok) {
		t_diag("seed %llu failed at step %zu: %s", (unsigned long long)seed, fa, why);
		char inv[64];
		invariant_of(why, inv, sizeof inv);
		size_t m = fa + 1 < nsteps ? fa + 1 : nsteps;
		if (!getenv("ORDER_PROPERTY_NOSHRINK"))
			m = shrink(seed, steps, m, inv, shrink_budget);
		char dir[256];
		run(seed, steps, m, &fa, why, sizeof why, dir, sizeof dir, NULL, 0);
		t_diag("shrunk to %zu steps (invariant %s): %s", m, inv, why);
		for (size_t i = 0; i < m; i++)
			t_diag("  step %zu: %s %u %u %u %u", i, skind_names[steps[i].kind], steps[i].a, steps[i].b, steps[i].c,
			       steps[i].d);
		t_diag("its inputs: %s/transcript.jsonl (engine log %s/engine.err); rerun: ORDER_PROPERTY_SEED=%llu "
		       "ORDER_PROPERTY_STEPS=%zu", dir, dir, (unsigned long long)seed, nsteps);
	}
	free(steps);
	return ok;
}


/* ------------------------------------------------------------ scenarios */

/* Engine disagreements the random runs found, each as a fixed sequence that
 * breaks one invariant while the engine has the issue. A scenario with an
 * `issue` (still open) that fails with its invariant is reported as xfail;
 * one that passes is a failure (XPASS: the issue is fixed, drop the mark);
 * one that fails otherwise is a failure. A scenario without one (fixed)
 * must pass: every invariant holds after each of its steps. */

static const ordersnap *snap_of(world *w, const char *id)
{
	return order_snap(w, id);
}

/* The newest order's id. */
static void newest_order(world *w, char id[37])
{
	id[0] = 0;
	if (w->norders)
		snprintf(id, 37, "%s", w->orders[w->norders - 1].id);
}

/* The newest unanswered unary request `op` (NULL when none). */
static lnreq *newest_req(world *w, const char *op)
{
	for (size_t i = w->nreqs; i-- > 0;)
		if (!w->reqs[i].answered && !w->reqs[i].stream && strcmp(w->reqs[i].op, op) == 0)
			return &w->reqs[i];
	return NULL;
}

static void answer_req(world *w, lnreq *r, uint32_t roll)
{
	if (!r) {
		fail(w, "scenario: no such request to answer");
		return;
	}
	jv a = node_answer(w, r, roll);
	if (!r->stream)
		r->answered = true;
	io1(w, a);
	checkpoint(w);
}

/* Delivers every stream record due about order id, in order. */
static void drain_dues(world *w, const char *id)
{
	for (size_t i = 0; i < w->ndues && !w->failed;) {
		if (strncmp(order_of_ln(w, w->dues[i].rec), id, 36) != 0) {
			i++;
			continue;
		}
		jv rec = w->dues[i].rec;
		memmove(&w->dues[i], &w->dues[i + 1], (w->ndues - i - 1) * sizeof *w->dues);
		w->ndues--;
		deliver(w, rec);
		checkpoint(w);
	}
}

static void tick_by(world *w, int64_t dt)
{
	w->clock += dt;
	char tick[64];
	snprintf(tick, sizeof tick, "{\"type\":\"tick\",\"now\":%lld}", (long long)w->clock);
	io1(w, json_parse(tick, strlen(tick), 0, NULL));
	checkpoint(w);
}

/* A fixed order of 10000 sat (fee 30) by user 0, taken by user 1 (a sell
 * order with the buyer's invoice for amount - fee), the seller's payment
 * accepted: active. */
static bool to_active(world *w, bool sell, char id[37])
{
	step s = {S_NEW, 0, sell ? 0 : 1, 1, 0};
	do_new(w, &s);
	checkpoint(w);
	newest_order(w, id);
	step t = {S_ADVANCE, 0, 1, 4, 0};
	do_take(w, snap_of(w, id), &t);
	checkpoint(w);
	answer_req(w, newest_req(w, "create_hold_invoice"), 99);
	order_ln_work(w, snap_of(w, id), 99);      /* the watch: OPEN */
	checkpoint(w);
	hold *h = open_hold_of(w, id);
	if (!h) {
		fail(w, "scenario: no hold invoice for %s", id);
		return false;
	}
	pay_hold(w, h);
	order_ln_work(w, snap_of(w, id), 99);      /* the watch: ACCEPTED */
	checkpoint(w);
	if (!sell) {
		step u = {S_ADVANCE, 0, 0, 0, 0};
		add_invoice(w, snap_of(w, id), &u);
		checkpoint(w);
	}
	const ordersnap *o = snap_of(w, id);
	if (!o || strcmp(o->status, "active") != 0) {
		fail(w, "scenario: order %s is %s, not active", id, o ? o->status : "gone");
		return false;
	}
	return !w->failed;
}

static bool to_settled(world *w, char id[37])
{
	if (!to_active(w, true, id))
		return false;
	party_says(w, snap_of(w, id), snap_of(w, id)->buyer, "fiat-sent", jv_null(), false);
	checkpoint(w);
	party_says(w, snap_of(w, id), snap_of(w, id)->seller, "release", jv_null(), false);
	checkpoint(w);
	answer_req(w, newest_req(w, "settle_hold_invoice"), 99);
	const ordersnap *o = snap_of(w, id);
	if (!o || strcmp(o->status, "settled-hold-invoice") != 0) {
		fail(w, "scenario: order %s is %s, not settled-hold-invoice", id, o ? o->status : "gone");
		return false;
	}
	return !w->failed;
}

/* A: the taker of a buy order cancels in waiting-payment; before the node
 * answers the cancel, the seller's payment is reported and the buyer adds
 * the invoice. The engine used to let them make the order active, and the
 * node's cancel then left it active with no escrow (the buyer might send
 * fiat for nothing); they must wait for the cancel's outcome. */
static void scenario_taker_cancel(world *w)
{
	char id[37];
	step s = {S_NEW, 0, 1, 1, 0};
	do_new(w, &s);
	checkpoint(w);
	newest_order(w, id);
	step t = {S_ADVANCE, 0, 1, 1, 0};
	do_take(w, snap_of(w, id), &t);
	checkpoint(w);
	answer_req(w, newest_req(w, "create_hold_invoice"), 99);
	order_ln_work(w, snap_of(w, id), 99);      /* OPEN */
	checkpoint(w);
	pay_hold(w, open_hold_of(w, id));          /* the seller pays; the node will say so */
	party_says(w, snap_of(w, id), snap_of(w, id)->seller, "cancel", jv_null(), false);
	checkpoint(w);
	order_ln_work(w, snap_of(w, id), 99);      /* ACCEPTED reaches the engine first */
	checkpoint(w);
	step u = {S_ADVANCE, 0, 0, 0, 0};
	add_invoice(w, snap_of(w, id), &u);
	checkpoint(w);
	answer_req(w, newest_req(w, "cancel_hold_invoice"), 99);
}

/* B: a solver's admin-settle, and before the node answers it, the same
 * solver's admin-cancel. Both used to pass the guards (the order is still
 * in dispute) and the engine asked the node to settle and to cancel the
 * same escrow; the second must wait for the first's outcome. */
static void scenario_settle_and_cancel(world *w)
{
	char id[37];
	if (!to_active(w, true, id))
		return;
	party_says(w, snap_of(w, id), snap_of(w, id)->buyer, "dispute", jv_null(), false);
	checkpoint(w);
	char did[37], dst[32], solver[65];
	dispute_of(w, id, did, dst, solver);
	io1(w, message(w, w->solver, w->solver, "dispute", "admin-take-dispute", did, jv_null(), NULL, false));
	checkpoint(w);
	io1(w, message(w, w->solver, w->solver, "dispute", "admin-settle", id, jv_null(), NULL, false));
	checkpoint(w);
	io1(w, message(w, w->solver, w->solver, "dispute", "admin-cancel", id, jv_null(), NULL, false));
	checkpoint(w);
	answer_req(w, newest_req(w, "settle_hold_invoice"), 99);   /* settled: the admin-cancel is refused now */
}

/* C: the release's settle_hold_invoice ends with a transport error (the
 * state unknown, man mostro-ln) while the node did settle. The engine used
 * to take it as not done, leaving the order fiat-sent over a settled
 * escrow; it must ask again until the node says. */
static void scenario_settle_unknown(world *w)
{
	char id[37];
	if (!to_active(w, true, id))
		return;
	party_says(w, snap_of(w, id), snap_of(w, id)->buyer, "fiat-sent", jv_null(), false);
	checkpoint(w);
	party_says(w, snap_of(w, id), snap_of(w, id)->seller, "release", jv_null(), false);
	checkpoint(w);
	answer_req(w, newest_req(w, "settle_hold_invoice"), 0);    /* roll 0: transport, applied */
}

/* D: the payout's pay_invoice is not answered yet (a slow node) when the
 * reconciliation asks payment_status (the claim is 60 s old) and hears "no
 * payment". The engine used to take the payout as failed and retry it, a
 * second pay_invoice while the first may still go out. */
static void scenario_reconcile_open_pay(world *w)
{
	w->slow_pay = true;
	char id[37];
	if (!to_settled(w, id))
		return;
	tick_by(w, 61);
	answer_req(w, newest_req(w, "payment_status"), 99);
	tick_by(w, 61);
}

/* E: a payment_status answered FAILED about the first attempt reaches the
 * engine after the retry of the same invoice started (inputs read in another
 * order than written). The engine used to take it as the retry's outcome,
 * ending the claim while the retry was in flight; the buyer replaced the
 * invoice and a third payment went out beside the second. */
static void scenario_stale_payout_answer(world *w)
{
	char id[37];
	if (!to_settled(w, id))
		return;
	drain_dues(w, id);                              /* the watch's SETTLED, the payment's IN_FLIGHT */
	tick_by(w, 61);                                 /* the reconciliation asks payment_status */
	lnreq *st = newest_req(w, "payment_status");
	step e = {S_PAYEND, 0, 9, 0, 0};                /* the node fails the payment */
	do_payend(w, &e);
	jv stale = jv_invalid();
	if (st) {
		stale = node_answer(w, st, 99);               /* FAILED, written by the node now... */
		st->answered = true;
	}
	drain_dues(w, id);                              /* the stream's FAILED: attempt 1 failed */
	tick_by(w, 61);                                 /* the retry: the same invoice, in flight again */
	if (jv_is_valid(stale))
		io1(w, stale);                              /* ...and read by the engine only now */
	checkpoint(w);
	step u = {S_ADVANCE, 0, 0, 0, 0};
	add_invoice(w, snap_of(w, id), &u);             /* the buyer's new invoice */
	checkpoint(w);
	tick_by(w, 61);
}

typedef struct scenario {
	const char *name;
	void      (*run)(world *w);
	const char *breaks;      /* the invariant message it failed with while the issue stood */
	const char *issue;       /* the issue while it is open (xfail); NULL once fixed */
	const char *fix;         /* what the engine does now (fixed) */
} scenario;

static const scenario scenarios[] = {
	{"A: taker cancel in waiting-payment vs the seller's payment", scenario_taker_cancel,
	 "is active but the node's hold invoice is CANCELED", NULL,
	 "the cancel holds the order (the escrow lock): the ACCEPTED event and the add-invoice wait for the node's "
	 "answer, then find the order pending (mostrod: CancelInvoice, then the reset, nothing between)"},
	{"B: admin-settle then admin-cancel before the node answers", scenario_settle_and_cancel,
	 "the escrow is both released and refunded", NULL,
	 "the settlement holds the order: the admin-cancel waits for its outcome (then not_allowed_by_status), "
	 "never a cancel beside a settle"},
	{"C: release's settlement with an unknown outcome", scenario_settle_unknown,
	 "is fiat-sent but the node's hold invoice is SETTLED", NULL,
	 "a transport or timeout error of settle_hold_invoice is asked again (idempotent at the node) until the node "
	 "says; the order stays held meanwhile"},
	{"D: reconciliation while the payout's pay_invoice is unanswered", scenario_reconcile_open_pay,
	 "is still unanswered", NULL,
	 "a payment_status asked beside an unanswered pay_invoice decides nothing: that attempt's own answer does"},
	{"E: a stale payment_status after a retry of the same invoice", scenario_stale_payout_answer,
	 "is in flight", NULL,
	 "payout answers are matched to the attempt (the pay_invoice) that asked: one about the first attempt leaves "
	 "the retry's claim alone"},
};

static void check_scenarios(void)
{
	for (size_t i = 0; i < sizeof scenarios / sizeof *scenarios; i++) {
		const scenario *sc = &scenarios[i];
		char why[2048] = "";
		world *w = world_open(1000 + i, why, sizeof why);
		if (!w) {
			t_ok(false, "scenario %s: %s", sc->name, why);
			continue;
		}
		note_line(w, "{\"note\":\"scenario\"}");
		sc->run(w);
		char dir[256];
		bool passed = world_close(w, NULL, why, sizeof why, dir, sizeof dir, NULL, 0);
		if (!sc->issue)
			t_ok(passed, "scenario %s: every invariant holds (%s)%s%s%s%s", sc->name, sc->fix, passed ? "" : ": ",
			     passed ? "" : why, passed ? "" : " inputs ", passed ? "" : dir);
		else if (passed)
			t_ok(false, "scenario %s: XPASS, the engine no longer shows this issue: drop its entry: %s", sc->name,
			     sc->issue);
		else if (strstr(why, sc->breaks))
			t_ok(true, "scenario %s # SKIP xfail (engine issue): %s [%s]", sc->name, sc->issue, why);
		else
			t_ok(false, "scenario %s: failed otherwise: %s (inputs %s/transcript.jsonl)", sc->name, why, dir);
		if (!passed && !getenv("ORDER_PROPERTY_KEEP"))
			rm_dir(dir);
	}
}

int main(void)
{
	const char *soak = getenv("ORDER_PROPERTY_SOAK");
	const char *one = getenv("ORDER_PROPERTY_SEED");
	const char *steps_env = getenv("ORDER_PROPERTY_STEPS");
	size_t nsteps = steps_env ? strtoul(steps_env, NULL, 10) : 0;
	if (one) {
		check_seed(strtoull(one, NULL, 10), nsteps ? nsteps : 400, 120);
	} else if (soak) {
		double until = now_s() + strtod(soak, NULL);
		uint64_t s = (uint64_t)time(NULL) ^ ((uint64_t)getpid() << 32);
		int runs = 0, bad = 0;
		while (now_s() < until) {
			uint64_t seed = splitmix(&s) % 1000000000ULL;
			bad += !check_seed(seed, nsteps ? nsteps : 2000, 300);
			runs++;
		}
		t_diag("soak: %d runs, %d failed, %d met a known engine issue", runs, bad, n_known);
	} else {
		check_scenarios();
		/* make test: fixed seeds */
		static const uint64_t seeds[] = {1, 2, 3, 4};
		for (size_t i = 0; i < sizeof seeds / sizeof *seeds; i++)
			check_seed(seeds[i], nsteps ? nsteps : 300, 60);
	}
	return t_done();
}
