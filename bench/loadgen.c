/* bench/loadgen — many Mostro users trading at once against a running
 * mostrod (scripts/mostrod on its embedded relay and the simulated Lightning
 * node), for bench/daemon and tests/chaos.sh. See bench/README.md.
 *
 * Each trade is two users (NIP-06 keys from a mnemonic per user, a fresh
 * trade key per trade, each user in one trade at a time so trade indexes go
 * up in the order they are sent) walking a §1.7 flow from a table below:
 * sell (take-sell then add-invoice, or take-sell with the invoice) or buy.
 * Requests are built by the client's builder (lib/order_msg.h), wrapped with
 * lib/mostro_envelope.h (v2 or v1, reputation mode) and published; Mostro's
 * replies are opened with env_unwrap. Escrows are paid and payout invoices
 * issued on the simulated node in process (lib/ln_simdb.h: what `mostro-ln
 * sim pay-hold` and `sim invoice` do), one wallet per user.
 *
 * Relay connections ("lanes"): the daemon's relay serves kinds 14 and 1059
 * only to a connection authenticated (NIP-42) as their p-tagged recipient,
 * at most 64 keys a connection. A lane therefore carries a batch of up to
 * 32 trades: it authenticates their 64 trade keys, subscribes to them, runs
 * the trades, and when all of them ended it reconnects for a new batch. A
 * lost connection (the daemon restarting) is re-established, authenticated
 * and subscribed again; events arriving twice are counted once.
 *
 * Requests that get no reply are sent again after --retry-after seconds as a
 * new event with the same message (same request id and trade index): a
 * repeat of one the engine already decided is refused (invalid_trade_index
 * for take and new-order, a status refusal for the others) and counted, and
 * the client keeps waiting for the first answer.
 *
 * Output: one JSON summary line on standard output (figures, latencies,
 * what the messages cost in crypto operations), one JSON line per trade in
 * --ledger, progress on standard error (--progress). Exit 0 when the run
 * ended, 2 usage, 3 relay or simulated node unusable. */
#define _GNU_SOURCE
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>
#include <sodium.h>

#include "bip39.h"
#include "bolt11.h"
#include "buf.h"
#include "event.h"
#include "hex.h"
#include "idset.h"
#include "json.h"
#include "keys.h"
#include "ln_simdb.h"
#include "mostro_envelope.h"
#include "mostro_msg.h"
#include "nip06.h"
#include "order_money.h"
#include "order_msg.h"
#include "relay_auth_client.h"
#include "relay_client.h"
#include "relaymsg.h"
#include "sha256.h"

/* ------------------------------------------------------------------ options */

typedef struct config {
	const char *relay;
	uint8_t     mostro[32];
	char        mostro_hex[65];
	const char *sim_db;
	double      seconds;        /* load phase */
	int         concurrency;    /* closed loop: trades in flight */
	double      rate;           /* open loop: trades started per second (0: closed loop) */
	long        max_trades;     /* 0: no limit */
	double      drain;          /* seconds to let trades in flight end after the load phase */
	double      grace;          /* seconds a lane stays open after its last trade */
	double      idle_end;       /* drain ends when nothing arrived for this long */
	double      measure_after;  /* the steady rate counts trades ended after this */
	double      stall;          /* a trade with nothing new for this long is given up */
	const char *transport;      /* v2, v1, mix */
	unsigned    pow;
	double      fee;
	double      retry_after;
	int         max_sends;
	int         lanes;
	int         lane_trades;
	const char *ledger;
	const char *tag;            /* users' mnemonics derive from it */
	uint64_t    seed;
	double      progress;
	int         amount_min, amount_max;
	int         sell_pct, invoice_at_take_pct;
} config;

static config C = {
	.seconds = 10, .concurrency = 50, .drain = 30, .grace = 1.5, .idle_end = 20, .stall = 60, .transport = "v2",
	.fee = 0.006, .retry_after = 6, .max_sends = 8, .lane_trades = 32, .tag = "loadgen",
	.seed = 1, .amount_min = 1000, .amount_max = 50000, .sell_pct = 50, .invoice_at_take_pct = 50,
};

/* ------------------------------------------------------------------ flows
 * One row per step of a §1.7 flow (DAEMON.md): who acts and how, the reply
 * that answers the actor (its latency is measured; a request whose reply
 * never comes is unanswered) and the notice the peer gets. The next step
 * begins when the message its actor waits for has come: the reply when the
 * same party acts next, else the notice (gate), as a real client acts on
 * what it received. A reply or notice missing when the trade ended is
 * reported. */

enum { SELLER = 0, BUYER = 1 };
static const char *const party_name[2] = {"seller", "buyer"};

typedef enum step_how {
	DO_SEND,       /* the actor sends the action */
	DO_PAY_HOLD,   /* the actor's wallet pays the hold invoice (sim) */
	DO_WAIT,       /* nothing to do: the daemon acts (the payout) */
} step_how;

typedef enum match_kind {
	M_ANY,         /* any payload */
	M_ORDER,       /* payload.order (add-invoice's request, new-order's ack) */
	M_PAYREQ,      /* payload.payment_request (the seller's hold invoice) */
} match_kind;

typedef enum gate { G_REPLY, G_NOTICE } gate;

typedef struct expect {
	int         party;
	const char *action;        /* NULL: none */
	match_kind  match;
} expect;

typedef struct step {
	const char *name;
	step_how    how;
	int         actor;
	const char *action;        /* DO_SEND: the wire action */
	bool        opening;       /* carries the trade index (new-order, take-*) */
	bool        with_invoice;  /* take-sell with the payout invoice */
	expect      reply;
	expect      notice;
	gate        next;          /* what the next step waits for */
	const char *after;         /* the order's status once the engine decided the step */
} step;

#define NONE {0, NULL, M_ANY}

/* §1.7 sell: the buyer takes, then sends the invoice Mostro asks for. */
static const step flow_sell[] = {
	{"new-order", DO_SEND, SELLER, "new-order", true, false, {SELLER, "new-order", M_ORDER}, NONE, G_REPLY, "pending"},
	{"take-sell", DO_SEND, BUYER, "take-sell", true, false, {BUYER, "add-invoice", M_ORDER},
	 {SELLER, "waiting-buyer-invoice", M_ANY}, G_REPLY, "waiting-buyer-invoice"},
	{"add-invoice", DO_SEND, BUYER, "add-invoice", false, false, {BUYER, "waiting-seller-to-pay", M_ANY},
	 {SELLER, "pay-invoice", M_PAYREQ}, G_NOTICE, "waiting-payment"},
	{"pay-hold", DO_PAY_HOLD, SELLER, NULL, false, false, {SELLER, "buyer-took-order", M_ANY},
	 {BUYER, "hold-invoice-payment-accepted", M_ANY}, G_NOTICE, "active"},
	{"fiat-sent", DO_SEND, BUYER, "fiat-sent", false, false, {BUYER, "fiat-sent-ok", M_ANY},
	 {SELLER, "fiat-sent-ok", M_ANY}, G_NOTICE, "fiat-sent"},
	{"release", DO_SEND, SELLER, "release", false, false, {SELLER, "hold-invoice-payment-settled", M_ANY},
	 {BUYER, "released", M_ANY}, G_NOTICE, "settled-hold-invoice"},
	{"payout", DO_WAIT, BUYER, NULL, false, false, {BUYER, "purchase-completed", M_ANY}, NONE, G_REPLY, "success"},
};

/* §1.7 sell, the invoice given with the take (PROTOCOL §11.2). */
static const step flow_sell_inv[] = {
	{"new-order", DO_SEND, SELLER, "new-order", true, false, {SELLER, "new-order", M_ORDER}, NONE, G_REPLY, "pending"},
	{"take-sell", DO_SEND, BUYER, "take-sell", true, true, {BUYER, "waiting-seller-to-pay", M_ANY},
	 {SELLER, "pay-invoice", M_PAYREQ}, G_NOTICE, "waiting-payment"},
	{"pay-hold", DO_PAY_HOLD, SELLER, NULL, false, false, {SELLER, "buyer-took-order", M_ANY},
	 {BUYER, "hold-invoice-payment-accepted", M_ANY}, G_NOTICE, "active"},
	{"fiat-sent", DO_SEND, BUYER, "fiat-sent", false, false, {BUYER, "fiat-sent-ok", M_ANY},
	 {SELLER, "fiat-sent-ok", M_ANY}, G_NOTICE, "fiat-sent"},
	{"release", DO_SEND, SELLER, "release", false, false, {SELLER, "hold-invoice-payment-settled", M_ANY},
	 {BUYER, "released", M_ANY}, G_NOTICE, "settled-hold-invoice"},
	{"payout", DO_WAIT, BUYER, NULL, false, false, {BUYER, "purchase-completed", M_ANY}, NONE, G_REPLY, "success"},
};

/* §1.7 buy: the seller takes and pays, then the buyer sends the invoice. */
static const step flow_buy[] = {
	{"new-order", DO_SEND, BUYER, "new-order", true, false, {BUYER, "new-order", M_ORDER}, NONE, G_REPLY, "pending"},
	{"take-buy", DO_SEND, SELLER, "take-buy", true, false, {SELLER, "pay-invoice", M_PAYREQ},
	 {BUYER, "waiting-seller-to-pay", M_ANY}, G_REPLY, "waiting-payment"},
	{"pay-hold", DO_PAY_HOLD, SELLER, NULL, false, false, {BUYER, "add-invoice", M_ORDER},
	 {SELLER, "waiting-buyer-invoice", M_ANY}, G_REPLY, "waiting-buyer-invoice"},
	{"add-invoice", DO_SEND, BUYER, "add-invoice", false, false, {BUYER, "hold-invoice-payment-accepted", M_ANY},
	 {SELLER, "buyer-took-order", M_ANY}, G_REPLY, "active"},
	{"fiat-sent", DO_SEND, BUYER, "fiat-sent", false, false, {BUYER, "fiat-sent-ok", M_ANY},
	 {SELLER, "fiat-sent-ok", M_ANY}, G_NOTICE, "fiat-sent"},
	{"release", DO_SEND, SELLER, "release", false, false, {SELLER, "hold-invoice-payment-settled", M_ANY},
	 {BUYER, "released", M_ANY}, G_NOTICE, "settled-hold-invoice"},
	{"payout", DO_WAIT, BUYER, NULL, false, false, {BUYER, "purchase-completed", M_ANY}, NONE, G_REPLY, "success"},
};

typedef enum flow_id { FLOW_SELL, FLOW_SELL_INV, FLOW_BUY, FLOW_COUNT } flow_id;

static const struct flow {
	const char *name;
	const char *kind;
	int         maker;
	const step *steps;
	int         n;
} flows[FLOW_COUNT] = {
	[FLOW_SELL] = {"sell", "sell", SELLER, flow_sell, sizeof flow_sell / sizeof *flow_sell},
	[FLOW_SELL_INV] = {"sell-invoice-at-take", "sell", SELLER, flow_sell_inv, sizeof flow_sell_inv / sizeof *flow_sell_inv},
	[FLOW_BUY] = {"buy", "buy", BUYER, flow_buy, sizeof flow_buy / sizeof *flow_buy},
};

#define MAX_STEPS 8
#define MAX_SENDS 32

/* ------------------------------------------------------------------ state */

typedef struct user {
	int              n;             /* number in the tag's sequence */
	char             wallet[24];    /* its wallet on the simulated node */
	mostro_transport transport;
	nip06_account    acct;
	mu_key           identity;      /* NIP-06 index 0 */
	uint32_t         next_index;    /* next trade index */
	bool             busy;          /* in a trade (or reserved by a lane) */
	bool             retired;       /* its last trade did not end cleanly */
} user;

/* T_STALLED: still waiting for a message when nothing new came for --stall
 * seconds (a lost reply or notice): its lane may take a new batch. */
typedef enum trade_state { T_PLANNED, T_RUNNING, T_DONE, T_FAILED, T_STALLED } trade_state;
static const char *const trade_state_name[] = {"planned", "running", "done", "failed", "stalled"};

typedef struct step_rec {
	int      sends;
	double   first_send, last_send;
	uint64_t rid;
	uint8_t  ev[MAX_SENDS][32];
	bool     acked[MAX_SENDS];
	bool     unsent;                /* built, not yet on a connection */
	buf      frame;                 /* the last event frame */
	double   reply_at, notice_at;
	int      dup_refusals;          /* cant-do answering a repeat */
	char     cant_do[48];           /* the last cant-do reason */
	int      pay_attempts;
} step_rec;

typedef struct trade {
	int          n;
	int          lane;
	flow_id      flow;
	trade_state  state;
	const char  *why;               /* T_FAILED */
	int          user[2];
	uint32_t     index[2];
	mu_key       key[2];
	int64_t      amount, fee;
	char         order_id[37];
	char        *hold_invoice;
	char         hold_hash[65];
	char        *buyer_invoice;
	char         buyer_hash[65];
	int64_t      buyer_amount;
	int          step;
	step_rec     rec[MAX_STEPS];
	int          dms[2];            /* DMs received on each trade key */
	int          repeats;           /* a reply or notice that came again */
	int          others;            /* messages no step expects (rate, notices of Mostro's own) */
	double       started, ended, last_progress;
	bool         logged;
} trade;

typedef enum lane_state { L_DOWN, L_AUTH, L_SUB, L_READY, L_IDLE } lane_state;

typedef struct lane {
	relay_conn *conn;
	lane_state  state;
	int        *batch;              /* trade numbers */
	int         nbatch;
	int         auth_pending;
	uint8_t     (*auth_ids)[32];
	int         nauth;
	int         finished;           /* trades of the batch that ended */
	double      recycle_at;         /* > 0: reconnect for a new batch then */
	int         connects;
} lane;

typedef struct latencies {
	double *v;
	size_t  n, cap;
} latencies;

static struct {
	relay_pool   *pool;
	sim_db       *sim;
	env_keyring   ring;
	env_unwrapper unwrap;
	idset         keymap;           /* trade pubkey -> trade << 1 | party */
	idset         seen;             /* event ids received */
	user        **users;
	size_t        nusers, capusers;
	trade       **trades;
	size_t        ntrades, captrades;
	uint64_t     *rid_trade;        /* request id -> trade << 8 | step */
	size_t        nrid, caprid;
	lane         *lanes;
	int           nlanes;
	double        t0, load_end, drain_end, grace_end;
	int           phase;            /* 0 load, 1 drain, 2 grace */
	double        credit, last_tick, next_progress, last_rx;
	int           active;
	uint64_t      rng;
	bool          watch_up;
	/* figures */
	long started, done, failed, sends, resends, sent_v[3], recv_v[3], recv_sig, recv_nosig, recv_arity3;
	long replies, notices, repeats, others, cant_do, dup_refusals, unexpected, stale_events, ok_false;
	long pays, pay_errors, invoices, reconnects, lane_batches, starved, pub_events, dispute_events;
	long bad_events, cant_do_first, stalled;
	double bytes_sent, bytes_recv;  /* canonical message texts */
	double cpu0;                    /* CPU seconds spent before the clock started (users) */
	long steady_done;
	latencies lat_reply, lat_hold, lat_payout, lat_trade;
	latencies lat_step[FLOW_COUNT][MAX_STEPS];   /* the same, by flow and step */
	FILE *ledger;
} G;

static void logf_(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void logf_(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	fputs("loadgen: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
}

static double now_s(void) { return mu_monotonic() - G.t0; }

static uint64_t rnd(void)
{
	uint64_t x = G.rng;
	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	return G.rng = x;
}

static double cpu_self(void)
{
	struct rusage ru;
	getrusage(RUSAGE_SELF, &ru);
	return (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec / 1e6 + (double)ru.ru_stime.tv_sec +
	       (double)ru.ru_stime.tv_usec / 1e6;
}

static void lat_add(latencies *l, double v)
{
	if (l->n == l->cap) {
		l->cap = l->cap ? l->cap * 2 : 256;
		l->v = mu_xrealloc(l->v, l->cap * sizeof *l->v);
	}
	l->v[l->n++] = v;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

/* {"n":..,"p50":..,"p90":..,"p99":..,"max":..} in milliseconds */
static void lat_write(buf *b, const char *name, latencies *l)
{
	buf_printf(b, "\"%s\":{\"n\":%zu", name, l->n);
	if (l->n) {
		qsort(l->v, l->n, sizeof *l->v, cmp_double);
		const double q[] = {0.5, 0.9, 0.99};
		const char *qn[] = {"p50", "p90", "p99"};
		for (int i = 0; i < 3; i++) {
			size_t k = (size_t)ceil(q[i] * (double)l->n);
			buf_printf(b, ",\"%s\":%.1f", qn[i], 1000 * l->v[k ? k - 1 : 0]);
		}
		buf_printf(b, ",\"max\":%.1f", 1000 * l->v[l->n - 1]);
	}
	buf_putc(b, '}');
}

/* ------------------------------------------------------------------ users */

/* User n: a 12-word mnemonic from sha256("mostro loadgen <tag> user <n>"),
 * its NIP-06 account, identity = index 0. */
static user *user_new(void)
{
	user *u = mu_xmalloc(sizeof *u);
	memset(u, 0, sizeof *u);
	u->n = (int)G.nusers;
	snprintf(u->wallet, sizeof u->wallet, "lg-%s-%d", C.tag, u->n);
	/* wallet names must stay short and printable: the tag is the caller's */
	u->wallet[sizeof u->wallet - 1] = 0;
	if (strcmp(C.transport, "v1") == 0)
		u->transport = MOSTRO_V1;
	else if (strcmp(C.transport, "mix") == 0)
		u->transport = (u->n % 2) ? MOSTRO_V1 : MOSTRO_V2;
	else
		u->transport = MOSTRO_V2;
	char text[160];
	uint8_t ent[32], seed[BIP39_SEED_LEN];
	snprintf(text, sizeof text, "mostro loadgen %s user %d", C.tag, u->n);
	sha256(ent, text, strlen(text));
	buf mn = BUF_INIT;
	if (bip39_from_entropy(ent, 16, &mn) != BIP39_OK ||
	    bip39_seed(mn.p, mn.len, NULL, 0, seed) != BIP39_OK ||
	    !nip06_account_init(&u->acct, seed, sizeof seed, NIP06_MOSTRO_ACCOUNT) ||
	    !nip06_account_key(&u->acct, 0, &u->identity)) {
		logf_("cannot derive the keys of user %d", u->n);
		exit(1);
	}
	buf_wipe(&mn);
	sodium_memzero(seed, sizeof seed);
	u->next_index = 1;
	if (G.nusers == G.capusers) {
		G.capusers = G.capusers ? G.capusers * 2 : 64;
		G.users = mu_xrealloc(G.users, G.capusers * sizeof *G.users);
	}
	G.users[G.nusers++] = u;
	return u;
}

/* A user in no trade (a new one when all are busy), reserved. */
static user *user_take(int not)
{
	for (size_t i = 0; i < G.nusers; i++) {
		user *u = G.users[i];
		if (!u->busy && !u->retired && (int)i != not) {
			u->busy = true;
			return u;
		}
	}
	user *u = user_new();
	u->busy = true;
	return u;
}

/* ------------------------------------------------------------------ trades */

static const struct flow *flow_of(const trade *t) { return &flows[t->flow]; }
static const step *step_of(const trade *t) { return &flow_of(t)->steps[t->step]; }

static void key_register(trade *t, int party)
{
	env_keyring_add(&G.ring, &t->key[party]);
	idset_add_at(&G.keymap, t->key[party].pk, ((uint64_t)t->n << 1) | (uint64_t)party);
}

/* A trade planned for a lane: kind, amount, its two users and their next
 * trade keys (authenticated by the lane before the trade starts). */
static trade *trade_plan(int lane_no)
{
	trade *t = mu_xmalloc(sizeof *t);
	memset(t, 0, sizeof *t);
	t->n = (int)G.ntrades;
	t->lane = lane_no;
	if ((int)(rnd() % 100) < C.sell_pct)
		t->flow = (int)(rnd() % 100) < C.invoice_at_take_pct ? FLOW_SELL_INV : FLOW_SELL;
	else
		t->flow = FLOW_BUY;
	int span = C.amount_max - C.amount_min;
	t->amount = C.amount_min + (span > 0 ? (int64_t)(rnd() % (uint64_t)(span + 1)) : 0);
	t->fee = money_fee(C.fee, t->amount);
	user *s = user_take(-1);
	user *b = user_take(s->n);
	t->user[SELLER] = s->n;
	t->user[BUYER] = b->n;
	for (int p = 0; p < 2; p++) {
		user *u = G.users[t->user[p]];
		t->index[p] = u->next_index++;
		if (!nip06_account_key(&u->acct, t->index[p], &t->key[p])) {
			logf_("cannot derive trade key %u of user %d", t->index[p], u->n);
			exit(1);
		}
		key_register(t, p);
	}
	for (int i = 0; i < MAX_STEPS; i++)
		t->rec[i].frame = (buf)BUF_INIT;
	if (G.ntrades == G.captrades) {
		G.captrades = G.captrades ? G.captrades * 2 : 256;
		G.trades = mu_xrealloc(G.trades, G.captrades * sizeof *G.trades);
	}
	G.trades[G.ntrades++] = t;
	return t;
}

static uint64_t rid_new(trade *t, int stepno)
{
	if (G.nrid == G.caprid) {
		G.caprid = G.caprid ? G.caprid * 2 : 1024;
		G.rid_trade = mu_xrealloc(G.rid_trade, G.caprid * sizeof *G.rid_trade);
	}
	G.rid_trade[G.nrid++] = ((uint64_t)t->n << 8) | (uint64_t)stepno;
	return G.nrid;   /* request ids start at 1 */
}

static void lane_trade_ended(trade *t);

static void ledger_line(trade *t)
{
	if (!G.ledger || t->logged || t->state == T_PLANNED)
		return;
	t->logged = true;
	const struct flow *f = flow_of(t);
	buf b = BUF_INIT;
	char pk[2][65];
	hex_encode(pk[0], t->key[SELLER].pk, 32);
	hex_encode(pk[1], t->key[BUYER].pk, 32);
	buf_printf(&b, "{\"trade\":%d,\"flow\":\"%s\",\"kind\":\"%s\",\"state\":\"%s\"", t->n, f->name, f->kind,
		   trade_state_name[t->state]);
	if (t->why)
		buf_printf(&b, ",\"why\":\"%s\"", t->why);
	buf_printf(&b, ",\"step\":\"%s\",\"order\":", t->step < f->n ? f->steps[t->step].name : "end");
	if (t->order_id[0])
		buf_printf(&b, "\"%s\"", t->order_id);
	else
		buf_puts(&b, "null");
	if (t->state == T_RUNNING || t->state == T_STALLED) {
		const step *cur = &f->steps[t->step];
		const expect *x = cur->next == G_REPLY || !cur->notice.action ? &cur->reply : &cur->notice;
		buf_printf(&b, ",\"waits_for\":\"%s %s\",\"decided_if\":[", party_name[x->party], x->action);
		for (int i = t->step; i < f->n; i++)
			buf_printf(&b, "%s\"%s\"", i > t->step ? "," : "", f->steps[i].after);
		buf_putc(&b, ']');
	}
	buf_printf(&b, ",\"amount\":%lld,\"fee\":%lld", (long long)t->amount, (long long)t->fee);
	for (int p = 0; p < 2; p++)
		buf_printf(&b, ",\"%s\":{\"user\":%d,\"wallet\":\"%s\",\"transport\":\"v%d\",\"trade_index\":%u,\"pubkey\":\"%s\",\"dms\":%d}",
			   party_name[p], t->user[p], G.users[t->user[p]]->wallet, (int)G.users[t->user[p]]->transport,
			   t->index[p], pk[p], t->dms[p]);
	buf_printf(&b, ",\"hold_hash\":%s%s%s,\"buyer_hash\":%s%s%s", t->hold_hash[0] ? "\"" : "",
		   t->hold_hash[0] ? t->hold_hash : "null", t->hold_hash[0] ? "\"" : "", t->buyer_hash[0] ? "\"" : "",
		   t->buyer_hash[0] ? t->buyer_hash : "null", t->buyer_hash[0] ? "\"" : "");
	buf_printf(&b, ",\"started\":%.3f,\"ended\":%.3f,\"repeats\":%d,\"others\":%d,\"steps\":[", t->started,
		   t->ended, t->repeats, t->others);
	for (int i = 0; i < f->n; i++) {
		const step *s = &f->steps[i];
		step_rec *r = &t->rec[i];
		buf_printf(&b, "%s{\"step\":\"%s\",\"sends\":%d", i ? "," : "", s->name, r->sends);
		if (r->rid)
			buf_printf(&b, ",\"request_id\":%llu", (unsigned long long)r->rid);
		if (r->sends && s->how == DO_SEND) {
			buf_puts(&b, ",\"events\":[");
			for (int k = 0; k < r->sends && k < MAX_SENDS; k++) {
				char id[65];
				hex_encode(id, r->ev[k], 32);
				buf_printf(&b, "%s\"%s\"", k ? "," : "", id);
			}
			buf_putc(&b, ']');
		}
		buf_printf(&b, ",\"reply\":%s,\"notice\":%s", r->reply_at > 0 ? "true" : "false",
			   s->notice.action == NULL ? "null" : r->notice_at > 0 ? "true" : "false");
		if (r->dup_refusals)
			buf_printf(&b, ",\"dup_refusals\":%d", r->dup_refusals);
		if (r->cant_do[0])
			buf_printf(&b, ",\"cant_do\":\"%s\"", r->cant_do);
		buf_putc(&b, '}');
	}
	buf_puts(&b, "]}\n");
	fwrite(b.p, 1, b.len, G.ledger);
	buf_free(&b);
}

static void trade_end(trade *t, trade_state st, const char *why)
{
	if (t->state != T_RUNNING)
		return;
	t->state = st;
	t->why = why;
	t->ended = now_s();
	G.active--;
	if (st == T_DONE) {
		G.done++;
		if (t->ended >= C.measure_after && t->ended <= C.seconds)
			G.steady_done++;
		lat_add(&G.lat_trade, t->ended - t->started);
		G.users[t->user[SELLER]]->busy = false;
		G.users[t->user[BUYER]]->busy = false;
	} else {
		if (st == T_STALLED)
			G.stalled++;
		else
			G.failed++;
		/* the engine may still hold an order of theirs: keep them out */
		G.users[t->user[SELLER]]->retired = true;
		G.users[t->user[BUYER]]->retired = true;
		logf_("trade %d (%s, order %s) %s at %s: %s", t->n, flow_of(t)->name,
		      t->order_id[0] ? t->order_id : "none", trade_state_name[st], step_of(t)->name, why);
	}
	lane_trade_ended(t);
}

/* ------------------------------------------------------------------ sending */

/* The request of the current step as a batch line for order_msg_line. */
static bool request_line(trade *t, buf *line)
{
	const step *s = step_of(t);
	step_rec *r = &t->rec[t->step];
	buf_printf(line, "{\"action\":\"%s\",\"request-id\":%llu", s->action, (unsigned long long)r->rid);
	if (s->opening)
		buf_printf(line, ",\"trade-index\":%u", t->index[s->actor]);
	if (strcmp(s->action, "new-order") == 0) {
		buf_printf(line, ",\"kind\":\"%s\",\"fiat-code\":\"USD\",\"fiat-amount\":\"%lld\",\"amount\":\"%lld\","
			   "\"payment-method\":\"loadgen\"", flow_of(t)->kind, (long long)(t->amount / 1000 + 1),
			   (long long)t->amount);
	} else {
		buf_printf(line, ",\"id\":\"%s\"", t->order_id);
	}
	if (strcmp(s->action, "add-invoice") == 0 || s->with_invoice)
		buf_printf(line, ",\"invoice\":\"%s\"", t->buyer_invoice);
	buf_putc(line, '}');
	return true;
}

/* A payout invoice of the buyer's wallet for the amount Mostro pays. */
static bool buyer_invoice(trade *t, int64_t sats)
{
	jv out = jv_invalid();
	ln_error e;
	memset(&e, 0, sizeof e);
	if (!simdb_wallet_invoice(G.sim, G.users[t->user[BUYER]]->wallet, true, (uint64_t)sats * 1000, "", 86400, 40, 0,
				  &out, &e)) {
		logf_("trade %d: sim invoice: %s", t->n, e.message);
		jv_free(out);
		return false;
	}
	G.invoices++;
	free(t->buyer_invoice);
	t->buyer_invoice = mu_xstrdup(json_get_str(out, "payment_request", NULL));
	snprintf(t->buyer_hash, sizeof t->buyer_hash, "%s", json_get_str(out, "hash", NULL));
	t->buyer_amount = sats;
	jv_free(out);
	return true;
}

static void lane_send_frame(trade *t, int stepno);

/* Builds the step's message, wraps it as a new event and publishes it. */
static bool send_request(trade *t)
{
	const step *s = step_of(t);
	step_rec *r = &t->rec[t->step];
	user *u = G.users[t->user[s->actor]];
	if (!r->rid)
		r->rid = rid_new(t, t->step);
	if ((strcmp(s->action, "add-invoice") == 0 || s->with_invoice) && !t->buyer_invoice) {
		int64_t sats = s->with_invoice ? money_buyer_amount(t->amount, t->fee) : t->buyer_amount;
		if (!buyer_invoice(t, sats))
			return false;
	}
	buf line = BUF_INIT, rec = BUF_INIT, canon = BUF_INIT;
	order_msg_req defaults;
	order_msg_req_init(&defaults);
	order_msg_error oe;
	request_line(t, &line);
	bool ok = order_msg_line(&defaults, line.p, line.len, (uint64_t)time(NULL), &rec, &oe) == OM_OK;
	order_msg_req_free(&defaults);
	if (!ok) {
		char m[400];
		order_msg_error_format(&oe, m, sizeof m);
		logf_("trade %d: %s: %s (%s)", t->n, s->action, m, line.p);
	}
	mostro_msg msg;
	mostro_msg_init(&msg);
	if (ok) {
		jv v = json_parse(rec.p, rec.len, JSON_EXACT_NUMBERS, NULL);
		jv m = json_get(v, "message");
		mostro_msg_error me;
		ok = mostro_msg_from_jv(&msg, m, &me) == MOSTRO_MSG_OK;
		jv_free(m);
		jv_free(v);
		if (ok)
			mostro_msg_write(&canon, &msg);
	}
	mostro_msg_free(&msg);
	nostr_event ev;
	bool have_ev = false;
	if (ok) {
		G.bytes_sent += (double)canon.len;
		mostro_wrap_opts o = {.transport = u->transport, .pow = C.pow};
		env_wrap_err we = mostro_wrap(&ev, canon.p, canon.len, &t->key[s->actor], &u->identity, C.mostro, &o);
		have_ev = true;   /* mostro_wrap initializes ev, on failure too */
		if (we != ENV_WRAP_OK) {
			logf_("trade %d: wrap: %s", t->n, env_wrap_strerror(we));
			ok = false;
		}
	}
	if (ok) {
		int k = r->sends < MAX_SENDS ? r->sends : MAX_SENDS - 1;
		memcpy(r->ev[k], ev.id, 32);
		r->acked[k] = false;
		buf_reset(&r->frame);
		rmsg_write_event(&r->frame, &ev);
		double now = now_s();
		if (!r->sends)
			r->first_send = now;
		else
			G.resends++;
		r->last_send = now;
		t->last_progress = now;
		r->sends++;
		G.sends++;
		G.sent_v[u->transport]++;
		r->unsent = true;
		lane_send_frame(t, t->step);
	}
	if (have_ev)
		event_free(&ev);
	buf_free(&line);
	buf_free(&rec);
	buf_wipe(&canon);
	return ok;
}

/* ------------------------------------------------------------------ sim */

static bool pay_hold(trade *t)
{
	step_rec *r = &t->rec[t->step];
	uint8_t h[32];
	if (!hex_decode(h, 32, t->hold_hash, 64, true))
		return false;
	jv out = jv_invalid();
	ln_error e;
	memset(&e, 0, sizeof e);
	double now = now_s();
	if (!r->pay_attempts)
		r->first_send = now;
	r->last_send = now;
	r->pay_attempts++;
	r->sends++;
	bool ok = simdb_pay_hold(G.sim, h, G.users[t->user[SELLER]]->wallet, 0, &out, &e);
	jv_free(out);
	if (ok) {
		G.pays++;
		return true;
	}
	G.pay_errors++;
	logf_("trade %d: sim pay-hold %s: %s", t->n, t->hold_hash, e.message);
	return false;
}

/* The node's view of the hold invoice: OPEN, ACCEPTED, SETTLED, CANCELED. */
static const char *hold_state(trade *t, char *out, size_t n)
{
	uint8_t h[32];
	snprintf(out, n, "?");
	if (!hex_decode(h, 32, t->hold_hash, 64, true))
		return out;
	jv ev = jv_invalid();
	if (simdb_invoice_event(G.sim, h, &ev)) {
		const char *s = json_get_str(ev, "state", NULL);
		if (s)
			snprintf(out, n, "%s", s);
	}
	jv_free(ev);
	return out;
}

/* ------------------------------------------------------------------ steps */

static void begin_step(trade *t)
{
	const step *s = step_of(t);
	switch (s->how) {
	case DO_SEND:
		if (!send_request(t))
			trade_end(t, T_FAILED, "the request could not be built");
		break;
	case DO_PAY_HOLD:
		if (!pay_hold(t)) {
			char st[16];
			hold_state(t, st, sizeof st);
			if (strcmp(st, "ACCEPTED") != 0)
				trade_end(t, T_FAILED, "the hold invoice could not be paid");
		}
		break;
	case DO_WAIT:
		t->rec[t->step].first_send = t->rec[t->step].last_send = now_s();
		break;
	}
}

static bool step_complete(const trade *t, int i)
{
	const step *s = &flow_of(t)->steps[i];
	const step_rec *r = &t->rec[i];
	return s->next == G_REPLY ? r->reply_at > 0 : r->notice_at > 0;
}

static void advance(trade *t)
{
	const struct flow *f = flow_of(t);
	while (t->state == T_RUNNING && step_complete(t, t->step)) {
		if (++t->step == f->n) {
			t->step = f->n - 1;
			trade_end(t, T_DONE, NULL);
			return;
		}
		begin_step(t);
	}
}

static void trade_start(trade *t)
{
	t->state = T_RUNNING;
	t->started = t->last_progress = now_s();
	G.active++;
	G.started++;
	begin_step(t);
}

/* ------------------------------------------------------------------ receiving */

/* What a message carries that the flow needs. */
static bool payload_match(match_kind m, jv payload)
{
	if (m == M_ANY)
		return true;
	jv v = json_get(payload, m == M_ORDER ? "order" : "payment_request");
	bool ok = jv_get_kind(v) == (m == M_ORDER ? JV_KIND_OBJECT : JV_KIND_ARRAY);
	jv_free(v);
	return ok;
}

static void take_data(trade *t, const expect *x, jv inner, jv payload)
{
	if (x->match == M_ORDER && strcmp(x->action, "new-order") == 0) {
		const char *id = json_get_str(inner, "id", NULL);
		if (!id) {
			jv o = json_get(payload, "order");
			id = json_get_str(o, "id", NULL);
			if (id)
				snprintf(t->order_id, sizeof t->order_id, "%s", id);
			jv_free(o);
		} else {
			snprintf(t->order_id, sizeof t->order_id, "%s", id);
		}
	} else if (x->match == M_ORDER && strcmp(x->action, "add-invoice") == 0) {
		jv o = json_get(payload, "order");
		jv a = json_get(o, "amount");
		int64_t v;
		if (json_get_i64(a, &v))
			t->buyer_amount = v;
		jv_free(a);
		jv_free(o);
	} else if (x->match == M_PAYREQ) {
		jv pr = json_get(payload, "payment_request");
		jv inv = jv_array_get(jv_copy(pr), 1);
		const char *s = json_str(inv, NULL);
		if (s && !t->hold_invoice) {
			t->hold_invoice = mu_xstrdup(s);
			bolt11_invoice bi;
			if (bolt11_decode(&bi, s, strlen(s), 0, NULL, 0) == BOLT11_OK)
				hex_encode(t->hold_hash, bi.payment_hash, 32);
			bolt11_free(&bi);
		}
		jv_free(inv);
		jv_free(pr);
	}
}

static void on_cant_do(jv inner, jv payload)
{
	G.cant_do++;
	jv rj = json_get(inner, "request_id");
	uint64_t rid = 0;
	bool has = json_get_u64(rj, &rid);
	jv_free(rj);
	const char *reason = json_get_str(payload, "cant_do", NULL);
	if (!has || rid == 0 || rid > G.nrid) {
		G.unexpected++;
		logf_("cant-do %s for no request of ours", reason ? reason : "?");
		return;
	}
	uint64_t tr = G.rid_trade[rid - 1];
	trade *t = G.trades[tr >> 8];
	int stepno = (int)(tr & 0xff);
	step_rec *r = &t->rec[stepno];
	snprintf(r->cant_do, sizeof r->cant_do, "%s", reason ? reason : "?");
	if (r->sends > 1 || stepno < t->step) {
		/* a repeat of a request the engine decided already */
		r->dup_refusals++;
		G.dup_refusals++;
		return;
	}
	G.cant_do_first++;
	trade_end(t, T_FAILED, "cant-do on the first request");
}

/* One opened message for trade key `party` of trade t. */
static void on_message(trade *t, int party, jv msg)
{
	jv inner = jv_invalid();
	jv_object_keys_foreach(msg, k)
	{
		jv_free(inner);
		inner = json_get(msg, jv_string_value(k));
		jv_free(k);
		break;
	}
	const char *action = json_get_str(inner, "action", NULL);
	jv payload = json_get(inner, "payload");
	if (!action) {
		G.unexpected++;
		goto out;
	}
	if (strcmp(action, "cant-do") == 0) {
		on_cant_do(inner, payload);
		goto out;
	}
	const char *id = json_get_str(inner, "id", NULL);
	if (t->order_id[0] && id && strcmp(id, t->order_id) != 0) {
		G.unexpected++;
		logf_("trade %d: %s for order %s, ours is %s", t->n, action, id, t->order_id);
		goto out;
	}
	const struct flow *f = flow_of(t);
	bool known = false;
	for (int i = 0; i < f->n; i++) {
		const step *s = &f->steps[i];
		const expect *xs[2] = {&s->reply, &s->notice};
		double *at[2] = {&t->rec[i].reply_at, &t->rec[i].notice_at};
		for (int j = 0; j < 2; j++) {
			const expect *x = xs[j];
			if (!x->action || x->party != party || strcmp(x->action, action) != 0 || !payload_match(x->match, payload))
				continue;
			known = true;
			if (*at[j] > 0)
				continue;
			*at[j] = t->last_progress = now_s();
			if (j == 0) {
				G.replies++;
				double lat = *at[j] - t->rec[i].last_send;
				lat_add(s->how == DO_SEND ? &G.lat_reply : s->how == DO_PAY_HOLD ? &G.lat_hold : &G.lat_payout, lat);
				lat_add(&G.lat_step[t->flow][i], lat);
			} else {
				G.notices++;
			}
			take_data(t, x, inner, payload);
			advance(t);
			goto out;
		}
	}
	if (known) {
		t->repeats++;
		G.repeats++;
	} else {
		t->others++;
		G.others++;
	}
out:
	jv_free(payload);
	jv_free(inner);
}

static void on_dm(const nostr_event *ev)
{
	if (!idset_add(&G.seen, ev->id))
		return;                                 /* seen on another lane or before a reconnect */
	env_opened o;
	char detail[200];
	env_reason why = env_unwrap(&G.unwrap, ev, &o, detail, sizeof detail);
	if (why != ENV_OK) {
		G.bad_events++;
		logf_("a DM that does not open: %s: %s", env_reason_code(why), detail);
		return;
	}
	G.recv_v[o.transport]++;
	if (o.type == ENV_MESSAGE) {
		G.bytes_recv += (double)o.tuple.canonical.len;
		if (o.tuple.has_trade_sig)
			G.recv_sig++;
		else
			G.recv_nosig++;
		if (o.tuple.arity == 3)
			G.recv_arity3++;
	}
	uint64_t tp;
	if (o.type != ENV_MESSAGE || !idset_get(&G.keymap, o.recipient, &tp)) {
		G.unexpected++;
		env_opened_free(&o);
		return;
	}
	jv msg = json_parse(o.tuple.canonical.p, o.tuple.canonical.len, JSON_EXACT_NUMBERS, NULL);
	trade *t = G.trades[tp >> 1];
	t->dms[tp & 1]++;
	G.last_rx = now_s();
	if (jv_get_kind(msg) == JV_KIND_OBJECT && t->state != T_PLANNED)
		on_message(t, (int)(tp & 1), msg);
	else
		G.unexpected++;
	jv_free(msg);
	env_opened_free(&o);
}

/* ------------------------------------------------------------------ lanes */

static lane *lane_of(relay_conn *c) { return &G.lanes[relay_conn_index(c) - 1]; }

static void lane_send_frame(trade *t, int stepno)
{
	lane *l = &G.lanes[t->lane];
	step_rec *r = &t->rec[stepno];
	if (l->state != L_READY || !r->unsent)
		return;
	if (relay_conn_send(l->conn, r->frame.p, r->frame.len))
		r->unsent = false;
}

static void lane_new_batch(lane *l, int lane_no)
{
	free(l->batch);
	l->batch = mu_xmalloc((size_t)C.lane_trades * sizeof *l->batch);
	l->nbatch = 0;
	l->finished = 0;
	for (int i = 0; i < C.lane_trades; i++)
		l->batch[l->nbatch++] = trade_plan(lane_no)->n;
	G.lane_batches++;
}

static bool lane_has_work(const lane *l)
{
	return l->nbatch > 0 && l->finished < l->nbatch;
}

static void lane_auth(lane *l, const char *challenge, size_t clen)
{
	free(l->auth_ids);
	l->nauth = 2 * l->nbatch;
	l->auth_ids = mu_xmalloc((size_t)l->nauth * sizeof *l->auth_ids);
	l->auth_pending = 0;
	buf b = BUF_INIT;
	for (int i = 0; i < l->nbatch; i++) {
		trade *t = G.trades[l->batch[i]];
		for (int p = 0; p < 2; p++) {
			buf_reset(&b);
			relay_auth_frame(&b, &t->key[p], relay_conn_url(l->conn), challenge, clen, (uint64_t)time(NULL),
					 l->auth_ids[2 * i + p]);
			if (relay_conn_send(l->conn, b.p, b.len))
				l->auth_pending++;
		}
	}
	buf_free(&b);
	l->state = L_AUTH;
}

static void lane_subscribe(lane *l)
{
	buf b = BUF_INIT;
	buf_puts(&b, "[\"REQ\",\"lg\",{\"kinds\":[14,1059],\"#p\":[");
	for (int i = 0; i < l->nbatch; i++) {
		trade *t = G.trades[l->batch[i]];
		for (int p = 0; p < 2; p++) {
			char pk[65];
			hex_encode(pk, t->key[p].pk, 32);
			buf_printf(&b, "%s\"%s\"", i || p ? "," : "", pk);
		}
	}
	buf_puts(&b, "]}]");
	relay_conn_send(l->conn, b.p, b.len);
	buf_free(&b);
	l->state = L_SUB;
}

/* The lane is subscribed: what its running trades could not send goes now,
 * and what went before the connection was lost goes again (the same event:
 * the relay and the engine count it once). */
static void lane_ready(lane *l)
{
	l->state = L_READY;
	for (int i = 0; i < l->nbatch; i++) {
		trade *t = G.trades[l->batch[i]];
		if (t->state != T_RUNNING || step_of(t)->how != DO_SEND)
			continue;
		step_rec *r = &t->rec[t->step];
		if (r->reply_at > 0 || !r->frame.len)
			continue;
		int k = r->sends - 1 < MAX_SENDS ? r->sends - 1 : MAX_SENDS - 1;
		if (k >= 0 && !r->acked[k])
			r->unsent = true;
		lane_send_frame(t, t->step);
	}
}

static void lane_trade_ended(trade *t)
{
	lane *l = &G.lanes[t->lane];
	if (++l->finished == l->nbatch)
		l->recycle_at = now_s() + C.grace;
}

static void on_connected(relay_pool *p, relay_conn *c)
{
	(void)p;
	if (relay_conn_index(c) == 0) {
		/* the watcher: Mostro's public trade events (38383, 38386) */
		buf b = BUF_INIT;
		buf_printf(&b, "[\"REQ\",\"w\",{\"kinds\":[38383,38386],\"authors\":[\"%s\"],\"since\":%lld}]", C.mostro_hex,
			   (long long)time(NULL) - 5);
		relay_conn_send(c, b.p, b.len);
		buf_free(&b);
		G.watch_up = true;
		return;
	}
	lane *l = lane_of(c);
	l->conn = c;
	l->state = L_DOWN;   /* until the challenge */
	if (l->connects++)
		G.reconnects++;
}

static void on_disconnected(relay_pool *p, relay_conn *c, relay_down why, const char *reason)
{
	(void)p;
	(void)why;
	(void)reason;
	if (relay_conn_index(c) == 0) {
		G.watch_up = false;
		return;
	}
	lane *l = lane_of(c);
	l->state = L_DOWN;
}

static void on_challenge(lane *l, int lane_no, const rmsg *m)
{
	if (!lane_has_work(l)) {
		if (G.phase != 0) {
			l->state = L_IDLE;
			return;
		}
		l->recycle_at = 0;
		lane_new_batch(l, lane_no);
	}
	lane_auth(l, m->message, m->message_len);
}

static void on_ok(lane *l, const rmsg *m)
{
	if (l->state == L_AUTH) {
		for (int i = 0; i < l->nauth; i++) {
			if (memcmp(l->auth_ids[i], m->event_id, 32) != 0)
				continue;
			if (!m->accepted)
				logf_("lane %d: AUTH refused: %s", (int)(l - G.lanes), m->message ? m->message : "");
			if (--l->auth_pending == 0)
				lane_subscribe(l);
			return;
		}
	}
	for (int i = 0; i < l->nbatch; i++) {
		trade *t = G.trades[l->batch[i]];
		for (int s = 0; s <= t->step && s < MAX_STEPS; s++) {
			step_rec *r = &t->rec[s];
			for (int k = 0; k < r->sends && k < MAX_SENDS; k++) {
				if (memcmp(r->ev[k], m->event_id, 32) != 0)
					continue;
				r->acked[k] = true;
				if (!m->accepted && rmsg_reason_of(m->message, m->message_len) != RMSG_REASON_DUPLICATE) {
					G.ok_false++;
					logf_("trade %d: relay refused the %s event: %s", t->n, flow_of(t)->steps[s].name,
					      m->message ? m->message : "");
				}
				return;
			}
		}
	}
}

static void on_frame(relay_pool *p, relay_conn *c, const char *text, size_t len)
{
	(void)p;
	rmsg m;
	char detail[200] = "";
	if (rmsg_parse_relay(&m, text, len, detail, sizeof detail) != RMSG_OK_PARSED) {
		G.bad_events++;
		rmsg_free(&m);
		return;
	}
	size_t ci = relay_conn_index(c);
	if (ci == 0) {
		if (m.type == RMSG_SUB_EVENT && idset_add(&G.seen, m.event.id)) {
			if (m.event.kind == 38383)
				G.pub_events++;
			else
				G.dispute_events++;
		}
		rmsg_free(&m);
		return;
	}
	lane *l = lane_of(c);
	int lane_no = (int)ci - 1;
	switch (m.type) {
	case RMSG_CHALLENGE: on_challenge(l, lane_no, &m); break;
	case RMSG_OK: on_ok(l, &m); break;
	case RMSG_EOSE: if (l->state == L_SUB) lane_ready(l); break;
	case RMSG_SUB_EVENT: on_dm(&m.event); break;
	case RMSG_CLOSED:
		logf_("lane %d: subscription closed: %s", lane_no, m.message ? m.message : "");
		relay_conn_close(c, false);
		break;
	case RMSG_NOTICE: logf_("lane %d: notice: %s", lane_no, m.message ? m.message : ""); break;
	default: break;
	}
	rmsg_free(&m);
}

static void on_bad(relay_pool *p, relay_conn *c, const char *reason)
{
	(void)p;
	(void)c;
	G.bad_events++;
	logf_("bad frame: %s", reason);
}

/* ------------------------------------------------------------------ schedule */

/* A planned trade on a ready lane (the lane with the fewest left first, so
 * lanes fill up and recycle). */
static trade *next_planned(void)
{
	trade *best = NULL;
	int best_left = 1 << 30;
	for (int i = 0; i < G.nlanes; i++) {
		lane *l = &G.lanes[i];
		if (l->state != L_READY || l->recycle_at > 0)
			continue;
		int left = 0;
		trade *first = NULL;
		for (int k = 0; k < l->nbatch; k++) {
			trade *t = G.trades[l->batch[k]];
			if (t->state == T_PLANNED) {
				left++;
				if (!first)
					first = t;
			}
		}
		if (first && left < best_left) {
			best = first;
			best_left = left;
		}
	}
	return best;
}

static bool may_start(void)
{
	return G.phase == 0 && (!C.max_trades || G.started < C.max_trades);
}

static void start_trades(double dt)
{
	if (!may_start())
		return;
	if (C.rate > 0) {
		G.credit += C.rate * dt;
		if (G.credit > C.rate)
			G.credit = C.rate;         /* at most a second of backlog */
		while (G.credit >= 1 && may_start()) {
			trade *t = next_planned();
			if (!t) {
				G.starved++;
				break;
			}
			G.credit -= 1;
			trade_start(t);
		}
		return;
	}
	while (G.active < C.concurrency && may_start()) {
		trade *t = next_planned();
		if (!t)
			break;
		trade_start(t);
	}
}

/* Requests with no reply for retry_after are sent again as new events;
 * an escrow the engine has not acknowledged is paid again if the node
 * shows it still open. */
static void retry_trades(double now)
{
	for (int i = 0; i < G.nlanes; i++) {
		lane *l = &G.lanes[i];
		if (l->state != L_READY)
			continue;
		for (int k = 0; k < l->nbatch; k++) {
			trade *t = G.trades[l->batch[k]];
			if (t->state != T_RUNNING)
				continue;
			const step *s = step_of(t);
			step_rec *r = &t->rec[t->step];
			if (r->reply_at > 0 || now - r->last_send < C.retry_after)
				continue;
			if (s->how == DO_SEND) {
				if (r->sends >= C.max_sends) {
					if (!r->dup_refusals)
						trade_end(t, T_FAILED, "no reply to any send");
					else
						r->last_send = now;   /* keep waiting for the first answer */
					continue;
				}
				if (r->dup_refusals) {
					r->last_send = now;        /* decided already: only the answer is missing */
					continue;
				}
				if (!send_request(t))
					trade_end(t, T_FAILED, "the request could not be built");
			} else if (s->how == DO_PAY_HOLD) {
				char st[16];
				hold_state(t, st, sizeof st);
				r->last_send = now;
				if (strcmp(st, "OPEN") == 0)
					pay_hold(t);
			}
		}
	}
}

/* A trade that got nothing new for --stall seconds waits for a message that
 * was lost: it is given up so that its lane can take a new batch. */
static void stall_trades(double now)
{
	for (int i = 0; i < G.nlanes; i++) {
		lane *l = &G.lanes[i];
		for (int k = 0; k < l->nbatch; k++) {
			trade *t = G.trades[l->batch[k]];
			if (t->state == T_RUNNING && now - t->last_progress >= C.stall)
				trade_end(t, T_STALLED, "nothing new for --stall seconds");
		}
	}
}

static void recycle_lanes(double now)
{
	for (int i = 0; i < G.nlanes; i++) {
		lane *l = &G.lanes[i];
		if (l->recycle_at <= 0 || now < l->recycle_at)
			continue;
		l->recycle_at = 0;
		l->nbatch = 0;
		l->finished = 0;
		if (G.phase == 0) {
			l->state = L_DOWN;
			relay_conn_close(l->conn, false);   /* a new batch on the new connection */
		} else {
			l->state = L_IDLE;
			relay_conn_close(l->conn, true);
		}
	}
}

static void progress(double now)
{
	int up = 0;
	for (int i = 0; i < G.nlanes; i++)
		up += G.lanes[i].state == L_READY;
	logf_("%6.1fs started %ld done %ld failed %ld active %d | sends %ld resends %ld replies %ld dup-refused %ld | "
	      "lanes ready %d/%d reconnects %ld",
	      now, G.started, G.done, G.failed, G.active, G.sends, G.resends, G.replies, G.dup_refusals, up, G.nlanes,
	      G.reconnects);
}

static void on_tick(relay_pool *p)
{
	double now = now_s(), dt = now - G.last_tick;
	G.last_tick = now;
	if (G.phase == 0 && now >= G.load_end) {
		G.phase = 1;
		G.drain_end = now + C.drain;
	}
	if (G.phase == 1 && (G.active == 0 || now >= G.drain_end || now - G.last_rx >= C.idle_end)) {
		if (G.active)
			logf_("%d trades still in flight: %s", G.active, now >= G.drain_end ? "drain time over" : "nothing arrives any more");
		G.phase = 2;
		G.grace_end = now + C.grace;
	}
	if (G.phase == 2 && now >= G.grace_end) {
		relay_pool_stop(p);
		return;
	}
	start_trades(dt);
	retry_trades(now);
	stall_trades(now);
	recycle_lanes(now);
	if (C.progress > 0 && now >= G.next_progress) {
		G.next_progress = now + C.progress;
		progress(now);
	}
}

/* ------------------------------------------------------------------ summary */

static void summary(double elapsed)
{
	long waiting = 0, unanswered = 0, lost_notices = 0, answered = 0;
	const char *at_name[16];
	long at_count[16];
	int nat = 0;
	for (size_t i = 0; i < G.ntrades; i++) {
		trade *t = G.trades[i];
		if (t->state == T_PLANNED)
			continue;
		const struct flow *f = flow_of(t);
		if (t->state == T_RUNNING || t->state == T_STALLED) {
			waiting++;
			const char *name = f->steps[t->step].name;
			int k = 0;
			while (k < nat && strcmp(at_name[k], name) != 0)
				k++;
			if (k == nat && nat < 16) {
				at_name[nat] = name;
				at_count[nat++] = 0;
			}
			if (k < nat)
				at_count[k]++;
		}
		for (int s = 0; s < f->n && s <= t->step; s++) {
			const step *st = &f->steps[s];
			step_rec *r = &t->rec[s];
			if (st->how == DO_SEND && r->sends) {
				if (r->reply_at > 0)
					answered++;
				else
					unanswered++;
			}
			if (st->notice.action && r->notice_at <= 0 && t->state == T_DONE)
				lost_notices++;
		}
	}
	double load = elapsed < C.seconds ? elapsed : C.seconds;
	buf b = BUF_INIT;
	buf_printf(&b, "{\"type\":\"loadgen_summary\",\"tag\":\"%s\",\"seconds\":%.3f,\"load_seconds\":%.3f", C.tag,
		   elapsed, load);
	buf_printf(&b, ",\"mode\":\"%s\",\"concurrency\":%d,\"rate\":%.2f,\"transport\":\"%s\",\"pow\":%u",
		   C.rate > 0 ? "open" : "closed", C.concurrency, C.rate, C.transport, C.pow);
	buf_printf(&b, ",\"trades\":{\"started\":%ld,\"done\":%ld,\"failed\":%ld,\"stalled\":%ld,\"waiting\":%ld,"
		   "\"waiting_at\":{", G.started, G.done, G.failed, G.stalled, waiting);
	for (int k = 0; k < nat; k++)
		buf_printf(&b, "%s\"%s\":%ld", k ? "," : "", at_name[k], at_count[k]);
	double window = load - C.measure_after;
	buf_printf(&b, "},\"done_per_s\":%.2f,\"steady_per_s\":%.2f,\"steady_window\":%.1f}",
		   elapsed > 0 ? (double)G.done / elapsed : 0, window > 0 ? (double)G.steady_done / window : 0,
		   window > 0 ? window : 0);
	buf_printf(&b, ",\"requests\":{\"sent\":%ld,\"events\":%ld,\"resent\":%ld,\"answered\":%ld,\"unanswered\":%ld,"
		   "\"dup_refused\":%ld,\"cant_do_first\":%ld,\"relay_refused\":%ld}",
		   answered + unanswered, G.sends, G.resends, answered, unanswered, G.dup_refusals, G.cant_do_first,
		   G.ok_false);
	buf_printf(&b, ",\"messages\":{\"replies\":%ld,\"notices\":%ld,\"repeats\":%ld,\"others\":%ld,\"cant_do\":%ld,"
		   "\"unexpected\":%ld,\"bad\":%ld,\"lost_notices\":%ld}",
		   G.replies, G.notices, G.repeats, G.others, G.cant_do, G.unexpected, G.bad_events, lost_notices);
	buf_printf(&b, ",\"sim\":{\"pay_hold\":%ld,\"pay_errors\":%ld,\"invoices\":%ld}", G.pays, G.pay_errors, G.invoices);
	buf_printf(&b, ",\"relay\":{\"lanes\":%d,\"batches\":%ld,\"reconnects\":%ld,\"starved\":%ld}", G.nlanes,
		   G.lane_batches, G.reconnects, G.starved);
	buf_printf(&b, ",\"cpu_s\":%.3f,\"cpu_setup_s\":%.3f", cpu_self() - G.cpu0, G.cpu0);
	buf_printf(&b, ",\"bytes\":{\"sent_avg\":%.0f,\"recv_avg\":%.0f}", G.sends ? G.bytes_sent / (double)G.sends : 0,
		   G.recv_v[1] + G.recv_v[2] ? G.bytes_recv / (double)(G.recv_v[1] + G.recv_v[2]) : 0);
	buf_printf(&b, ",\"crypto\":{\"sent_v1\":%ld,\"sent_v2\":%ld,\"recv_v1\":%ld,\"recv_v2\":%ld,\"recv_signed\":%ld,"
		   "\"recv_unsigned\":%ld,\"recv_proof\":%ld,\"orders_published\":%ld,\"disputes_published\":%ld}",
		   G.sent_v[1], G.sent_v[2], G.recv_v[1], G.recv_v[2], G.recv_sig, G.recv_nosig, G.recv_arity3,
		   G.pub_events, G.dispute_events);
	buf_puts(&b, ",\"latency_ms\":{");
	lat_write(&b, "reply", &G.lat_reply);
	buf_putc(&b, ',');
	lat_write(&b, "escrow_seen", &G.lat_hold);
	buf_putc(&b, ',');
	lat_write(&b, "payout", &G.lat_payout);
	buf_putc(&b, ',');
	lat_write(&b, "trade", &G.lat_trade);
	buf_puts(&b, "},\"latency_by_step_ms\":{");
	bool first = true;
	for (int f = 0; f < FLOW_COUNT; f++)
		for (int i = 0; i < flows[f].n; i++) {
			if (!G.lat_step[f][i].n)
				continue;
			char name[64];
			snprintf(name, sizeof name, "%s/%s", flows[f].name, flows[f].steps[i].name);
			if (!first)
				buf_putc(&b, ',');
			first = false;
			lat_write(&b, name, &G.lat_step[f][i]);
		}
	buf_puts(&b, "}}\n");
	fwrite(b.p, 1, b.len, stdout);
	fflush(stdout);
	buf_free(&b);
}

/* ------------------------------------------------------------------ main */

static void usage(FILE *f)
{
	fprintf(f,
		"usage: loadgen --relay URL --mostro PUBKEY --sim-db FILE [options]\n"
		"Trades between many users against a running mostrod (see bench/README.md).\n"
		"  --seconds S          load phase: trades are started for S seconds (default 10)\n"
		"  --concurrency N      closed loop: N trades in flight (default 50)\n"
		"  --rate R             open loop: R trades started per second instead\n"
		"  --trades N           start at most N trades\n"
		"  --drain S            then wait at most S s for the trades in flight (default 30)\n"
		"  --grace S            a lane stays open S s after its last trade (default 1.5)\n"
		"  --idle-end S         the drain ends when no message came for S s (default 20)\n"
		"  --measure-after S    steady_per_s counts trades ended from S s to the load's end\n"
		"  --stall S            give up a trade that got nothing new for S s (default 60)\n"
		"  --transport v2|v1|mix  the users' transport (mix: every other user on v1)\n"
		"  --pow N              proof of work bits on requests (default 0)\n"
		"  --fee F              the node's fee, for the invoice given with a take (0.006)\n"
		"  --retry-after S      send a request with no reply again after S s (default 6)\n"
		"  --max-sends N        give up a request after N sends (default 8)\n"
		"  --lanes N            relay connections for trades (default from the load)\n"
		"  --lane-trades N      trades per connection, 1..32 (default 32)\n"
		"  --amount MIN-MAX     order amounts in sats (default 1000-50000)\n"
		"  --sell-pct P         share of sell orders (default 50)\n"
		"  --ledger FILE        one JSON line per trade\n"
		"  --tag TEXT           users' mnemonics derive from it (default loadgen)\n"
		"  --seed N             kinds, variants and amounts (default 1)\n"
		"  --progress S         a progress line on stderr every S s\n");
}

static double num_arg(const char *opt, const char *v, double lo, double hi)
{
	char *end;
	errno = 0;
	double d = strtod(v, &end);
	if (errno || *end || end == v || !(d >= lo && d <= hi)) {
		fprintf(stderr, "loadgen: %s: a number in %g..%g, not '%s'\n", opt, lo, hi, v);
		exit(2);
	}
	return d;
}

static void parse_args(int argc, char **argv)
{
	enum { O_RELAY = 256, O_MOSTRO, O_SIM, O_SECONDS, O_CONC, O_RATE, O_TRADES, O_DRAIN, O_GRACE, O_IDLE, O_MEASURE, O_STALL, O_TRANSPORT,
	       O_POW, O_FEE, O_RETRY, O_MAXSENDS, O_LANES, O_LANE_TRADES, O_AMOUNT, O_SELL, O_LEDGER, O_TAG, O_SEED,
	       O_PROGRESS };
	static const struct option opts[] = {
		{"relay", required_argument, NULL, O_RELAY}, {"mostro", required_argument, NULL, O_MOSTRO},
		{"sim-db", required_argument, NULL, O_SIM}, {"seconds", required_argument, NULL, O_SECONDS},
		{"concurrency", required_argument, NULL, O_CONC}, {"rate", required_argument, NULL, O_RATE},
		{"trades", required_argument, NULL, O_TRADES}, {"drain", required_argument, NULL, O_DRAIN},
		{"grace", required_argument, NULL, O_GRACE}, {"idle-end", required_argument, NULL, O_IDLE},
		{"measure-after", required_argument, NULL, O_MEASURE}, {"stall", required_argument, NULL, O_STALL}, {"transport", required_argument, NULL, O_TRANSPORT},
		{"pow", required_argument, NULL, O_POW}, {"fee", required_argument, NULL, O_FEE},
		{"retry-after", required_argument, NULL, O_RETRY}, {"max-sends", required_argument, NULL, O_MAXSENDS},
		{"lanes", required_argument, NULL, O_LANES}, {"lane-trades", required_argument, NULL, O_LANE_TRADES},
		{"amount", required_argument, NULL, O_AMOUNT}, {"sell-pct", required_argument, NULL, O_SELL},
		{"ledger", required_argument, NULL, O_LEDGER}, {"tag", required_argument, NULL, O_TAG},
		{"seed", required_argument, NULL, O_SEED}, {"progress", required_argument, NULL, O_PROGRESS},
		{"help", no_argument, NULL, 'h'}, {NULL, 0, NULL, 0},
	};
	int c;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case O_RELAY: C.relay = optarg; break;
		case O_MOSTRO:
			if (!hex_decode(C.mostro, 32, optarg, strlen(optarg), true) || !key_pubkey_valid(C.mostro)) {
				fprintf(stderr, "loadgen: --mostro: 64 lowercase hex digits of a public key\n");
				exit(2);
			}
			hex_encode(C.mostro_hex, C.mostro, 32);
			break;
		case O_SIM: C.sim_db = optarg; break;
		case O_SECONDS: C.seconds = num_arg("--seconds", optarg, 0, 1e6); break;
		case O_CONC: C.concurrency = (int)num_arg("--concurrency", optarg, 1, 100000); break;
		case O_RATE: C.rate = num_arg("--rate", optarg, 0.01, 100000); break;
		case O_TRADES: C.max_trades = (long)num_arg("--trades", optarg, 1, 1e9); break;
		case O_DRAIN: C.drain = num_arg("--drain", optarg, 0, 1e6); break;
		case O_GRACE: C.grace = num_arg("--grace", optarg, 0, 3600); break;
		case O_IDLE: C.idle_end = num_arg("--idle-end", optarg, 0.1, 1e6); break;
		case O_MEASURE: C.measure_after = num_arg("--measure-after", optarg, 0, 1e6); break;
		case O_STALL: C.stall = num_arg("--stall", optarg, 1, 1e6); break;
		case O_TRANSPORT:
			if (strcmp(optarg, "v1") && strcmp(optarg, "v2") && strcmp(optarg, "mix")) {
				fprintf(stderr, "loadgen: --transport: v1, v2 or mix\n");
				exit(2);
			}
			C.transport = optarg;
			break;
		case O_POW: C.pow = (unsigned)num_arg("--pow", optarg, 0, MOSTRO_POW_MAX); break;
		case O_FEE: C.fee = num_arg("--fee", optarg, 0, 1); break;
		case O_RETRY: C.retry_after = num_arg("--retry-after", optarg, 0.1, 3600); break;
		case O_MAXSENDS: C.max_sends = (int)num_arg("--max-sends", optarg, 1, MAX_SENDS); break;
		case O_LANES: C.lanes = (int)num_arg("--lanes", optarg, 1, 1000); break;
		case O_LANE_TRADES: C.lane_trades = (int)num_arg("--lane-trades", optarg, 1, 32); break;
		case O_AMOUNT:
			if (sscanf(optarg, "%d-%d", &C.amount_min, &C.amount_max) != 2 || C.amount_min < 100 ||
			    C.amount_max < C.amount_min) {
				fprintf(stderr, "loadgen: --amount: MIN-MAX sats, MIN >= 100\n");
				exit(2);
			}
			break;
		case O_SELL: C.sell_pct = (int)num_arg("--sell-pct", optarg, 0, 100); break;
		case O_LEDGER: C.ledger = optarg; break;
		case O_TAG:
			if (!*optarg || strlen(optarg) > 12 || strspn(optarg, "abcdefghijklmnopqrstuvwxyz0123456789-") != strlen(optarg)) {
				fprintf(stderr, "loadgen: --tag: 1 to 12 of a-z 0-9 -\n");
				exit(2);
			}
			C.tag = optarg;
			break;
		case O_SEED: C.seed = (uint64_t)num_arg("--seed", optarg, 1, 1e15); break;
		case O_PROGRESS: C.progress = num_arg("--progress", optarg, 0, 3600); break;
		case 'h': usage(stdout); exit(0);
		default: usage(stderr); exit(2);
		}
	}
	if (optind < argc || !C.relay || !C.mostro_hex[0] || !C.sim_db) {
		usage(stderr);
		exit(2);
	}
	if (!C.lanes) {
		double inflight = C.rate > 0 ? C.rate * 4 : C.concurrency;
		C.lanes = 2 * (int)ceil(inflight / C.lane_trades) + 1;
	}
}

int main(int argc, char **argv)
{
	parse_args(argc, argv);
	signal(SIGPIPE, SIG_IGN);
	G.rng = C.seed * 0x9E3779B97F4A7C15ull + 1;
	char err[256];
	G.sim = simdb_open(C.sim_db, err, sizeof err);
	if (!G.sim) {
		fprintf(stderr, "loadgen: %s: %s\n", C.sim_db, err);
		return 3;
	}
	if (C.ledger && !(G.ledger = fopen(C.ledger, "w"))) {
		fprintf(stderr, "loadgen: %s: %s\n", C.ledger, strerror(errno));
		return 2;
	}
	env_keyring_init(&G.ring);
	env_opts eo = {0};
	env_unwrapper_init(&G.unwrap, &G.ring, &eo);
	G.nlanes = C.lanes;
	G.lanes = mu_xmalloc((size_t)G.nlanes * sizeof *G.lanes);
	memset(G.lanes, 0, (size_t)G.nlanes * sizeof *G.lanes);

	/* connection 0 watches Mostro's public events; 1..nlanes are lanes */
	relay_list urls = RELAY_LIST_INIT;
	urls.n = urls.cap = (size_t)G.nlanes + 1;
	urls.urls = mu_xmalloc(urls.n * sizeof *urls.urls);
	buf norm = BUF_INIT;
	if (relay_url_normalize(C.relay, &norm) != RELAY_URL_OK) {
		fprintf(stderr, "loadgen: --relay: not a relay URL\n");
		return 2;
	}
	for (size_t i = 0; i < urls.n; i++)
		urls.urls[i] = mu_xstrdup(norm.p);
	buf_free(&norm);
	relay_pool_config pc = {.connect_timeout = 5, .ping_interval = 10, .backoff_min = 0.05, .backoff_max = 0.5,
				.reconnect = true, .input_fd = -1};
	relay_pool_ops ops = {.connected = on_connected, .disconnected = on_disconnected, .message = on_frame,
			      .bad_message = on_bad, .tick = on_tick};
	G.pool = relay_pool_new(&urls, &pc, &ops, NULL);
	relay_list_free(&urls);
	if (!G.pool)
		return 3;
	/* every user a lane may hold, derived before the clock starts (BIP-39's
	 * PBKDF2 is milliseconds a user: it would stall the first batches) */
	double d0 = mu_monotonic();
	long want = (long)G.nlanes * C.lane_trades * 2;
	while ((long)G.nusers < want)
		user_new();
	if (C.progress > 0)
		logf_("%ld users derived in %.1f s", want, mu_monotonic() - d0);
	G.cpu0 = cpu_self();
	G.t0 = mu_monotonic();
	G.load_end = C.seconds;
	G.next_progress = C.progress;
	int sig = relay_pool_run(G.pool);
	double elapsed = now_s();
	if (sig)
		logf_("stopped by signal %d", sig);
	for (size_t i = 0; i < G.ntrades; i++)
		ledger_line(G.trades[i]);
	if (C.progress > 0)
		progress(elapsed);
	summary(elapsed);
	if (G.ledger)
		fclose(G.ledger);
	relay_pool_free(G.pool);
	env_unwrapper_free(&G.unwrap);
	env_keyring_free(&G.ring);
	simdb_close(G.sim);
	for (size_t i = 0; i < G.ntrades; i++) {
		trade *t = G.trades[i];
		key_wipe(&t->key[0]);
		key_wipe(&t->key[1]);
		for (int s = 0; s < MAX_STEPS; s++)
			buf_free(&t->rec[s].frame);
		free(t->hold_invoice);
		free(t->buyer_invoice);
		free(t);
	}
	for (size_t i = 0; i < G.nusers; i++) {
		key_wipe(&G.users[i]->identity);
		nip06_account_wipe(&G.users[i]->acct);
		free(G.users[i]);
	}
	free(G.users);
	free(G.trades);
	free(G.rid_trade);
	for (int i = 0; i < G.nlanes; i++) {
		free(G.lanes[i].batch);
		free(G.lanes[i].auth_ids);
	}
	free(G.lanes);
	idset_free(&G.keymap);
	idset_free(&G.seen);
	free(G.lat_reply.v);
	for (int f = 0; f < FLOW_COUNT; f++)
		for (int i = 0; i < MAX_STEPS; i++)
			free(G.lat_step[f][i].v);
	free(G.lat_hold.v);
	free(G.lat_payout.v);
	free(G.lat_trade.v);
	return 0;
}
