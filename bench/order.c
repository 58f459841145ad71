/* order.c — mostro-order run (issue 11): user messages per second through
 * the engine with durable commits, next to bare SQLite write transactions on
 * the same file in the same run, and its decision latency.
 *
 * The engine is order_run() in a child on a database file (WAL,
 * synchronous=FULL, as the engine sets it), fed on its standard input by
 * this process, which also plays the Lightning node: it answers the
 * engine's create_hold_invoice, reports the seller's payment on the watch,
 * answers settle_hold_invoice and reports the payout as succeeded. The mix
 * is whole trades, generated in memory before the clock starts (keys,
 * payout invoices): new-order, take-sell, add-invoice, fiat-sent, release
 * and rate-user from both sides (7 user messages) and the node's 5 answers
 * to them, each trade advancing as soon as the engine's output it waits for
 * arrives, many trades in flight.
 *
 * Figures:
 *   user messages/s    with BENCH_ORDER_INFLIGHT trades in flight (default
 *                      256): user messages over wall time; the engine groups
 *                      ready inputs into one commit (up to 256)
 *   per engine CPU-s   the same messages over the engine process's CPU time
 *                      (all its threads: /proc/PID/stat), i.e. on one core
 *   latency            from the write of a user message to the first output
 *                      decided for it (its reply, or the Lightning op it
 *                      starts): under that load, and one message at a time
 *                      (BENCH_ORDER_SERIAL trades with nothing else in flight)
 *   floor              BEGIN IMMEDIATE; one INSERT; COMMIT on the same file
 *                      with the same pragmas, per second and its latency
 * BENCH_ORDER_TRADES (default 1500) trades in the loaded phase; BENCH_DIR
 * the directory of the database (default /tmp: a disk, not a tmpfs, for
 * the fsyncs to mean something). */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <openssl/sha.h>
#include <sqlite3.h>

#include "bench.h"
#include "bolt11.h"
#include "buf.h"
#include "hex.h"
#include "json.h"
#include "keys.h"
#include "order_config.h"
#include "order_run.h"

#define MOSTRO "79be667ef9dcbbac55a06295ce870b07029bfcdb2dce28d959f2815b16f81798"
#define SEED "5eed5eed5eed5eed5eed5eed5eed5eed5eed5eed5eed5eed5eed5eed5eed5eed"
#define NOW 1700000000
#define AMOUNT 100000
#define PAYOUT 99700
#define MSGS_PER_TRADE 7

/* ------------------------------------------------------------ a small map */

/* uint64 key (a prefix of a hex id, or a string hash) -> trade index + 1. */
typedef struct map {
	uint64_t *k;
	uint32_t *v;
	size_t    cap;
} map;

static void map_init(map *m, size_t n)
{
	m->cap = 1;
	while (m->cap < n * 4)
		m->cap <<= 1;
	m->k = calloc(m->cap, sizeof *m->k);
	m->v = calloc(m->cap, sizeof *m->v);
}

static void map_put(map *m, uint64_t k, uint32_t v)
{
	size_t i = (size_t)(k * 0x9e3779b97f4a7c15ULL) & (m->cap - 1);
	while (m->v[i] && m->k[i] != k)
		i = (i + 1) & (m->cap - 1);
	m->k[i] = k;
	m->v[i] = v + 1;
}

static int map_get(const map *m, uint64_t k)
{
	size_t i = (size_t)(k * 0x9e3779b97f4a7c15ULL) & (m->cap - 1);
	while (m->v[i]) {
		if (m->k[i] == k)
			return (int)m->v[i] - 1;
		i = (i + 1) & (m->cap - 1);
	}
	return -1;
}

static uint64_t hexkey(const char *hex)
{
	uint64_t k = 0;
	for (int i = 0, n = 0; hex && hex[i] && n < 16; i++) {
		char c = hex[i];
		int d = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
		if (d < 0)
			continue;        /* the dashes of a UUID */
		k = k << 4 | (uint64_t)d;
		n++;
	}
	return k;
}

static uint64_t strkey(const char *s)
{
	uint64_t h = 1469598103934665603ULL;
	for (; s && *s; s++)
		h = (h ^ (uint8_t)*s) * 1099511628211ULL;
	return h;
}

/* ------------------------------------------------------------ trades */

enum stage { T_NEW, T_TAKE, T_ADDINV, T_FIAT, T_RELEASE, T_RATE, T_DONE };

typedef struct trade {
	char   s_trade[65], s_id[65], b_trade[65], b_id[65];
	char  *invoice;
	char   payhash[65];  /* the payout invoice's payment hash */
	char   order[37];
	char   hash[65];
	int    stage;
	int    waiting;     /* outputs the current stage still waits for */
	int    lat[MSGS_PER_TRADE];   /* latency slot of each message, -1: none yet */
	double sent[MSGS_PER_TRADE];
	int    nmsg;
} trade;

typedef struct gen {
	trade   *t;
	size_t   n, next, done, inflight_max, inflight;
	map      by_key, by_order, by_hash, by_invoice;
	pid_t    pid;
	int      in_fd, out_fd;
	buf      wbuf;           /* input not yet written */
	size_t   woff;
	char    *rbuf;
	size_t   rlen, rcap;
	uint64_t events;
	double  *lat;            /* latencies (seconds) */
	size_t   nlat;
	long     user_msgs, inputs;
	size_t   burst_acks;
} gen;

static void key_of(const char *label, char hex[65])
{
	uint8_t sk[32], pk[32];
	SHA256((const unsigned char *)label, strlen(label), sk);
	while (!key_pubkey(pk, sk))
		SHA256(sk, 32, sk);
	hex_encode(hex, pk, 32);
}

static char *mint_invoice(size_t i, char hash_hex[65])
{
	char label[64];
	uint8_t h[32], sk[32];
	snprintf(label, sizeof label, "bench-order:payout:%zu", i);
	SHA256((const unsigned char *)label, strlen(label), h);
	hex_encode(hash_hex, h, 32);
	SHA256((const unsigned char *)"bench-order:payee", 17, sk);
	jv f = jv_object_set(jv_object(), jv_string("network"), jv_string("regtest"));
	f = jv_object_set(f, jv_string("payment_hash"), jv_string(hash_hex));
	f = jv_object_set(f, jv_string("payment_secret"), jv_string(hash_hex));
	f = jv_object_set(f, jv_string("description"), jv_string("payout"));
	f = jv_object_set(f, jv_string("amount_msat"), json_from_i64((int64_t)PAYOUT * 1000));
	f = jv_object_set(f, jv_string("timestamp"), json_from_i64(NOW - 60));
	f = jv_object_set(f, jv_string("expiry"), json_from_i64(30 * 86400));
	f = jv_object_set(f, jv_string("min_final_cltv_expiry"), jv_number(40));
	f = jv_object_set(f, jv_string("features"),
			  jv_array_append(jv_array_append(jv_array_append(jv_array(), jv_number(9)), jv_number(14)), jv_number(17)));
	bolt11_invoice inv;
	char detail[128];
	char *out = NULL;
	if (bolt11_from_jv(&inv, f, NOW, detail, sizeof detail) == BOLT11_OK) {
		buf b = {0};
		if (bolt11_encode(&b, &inv, sk) == BOLT11_OK)
			out = buf_steal(&b);
		buf_free(&b);
	}
	bolt11_free(&inv);
	jv_free(f);
	if (!out) {
		fprintf(stderr, "order bench: cannot mint an invoice: %s\n", detail);
		exit(1);
	}
	return out;
}

static void make_trades(gen *g, size_t n, size_t base)
{
	g->t = calloc(n, sizeof *g->t);
	g->n = n;
	map_init(&g->by_key, n * 2);
	map_init(&g->by_order, n);
	map_init(&g->by_hash, n);
	map_init(&g->by_invoice, n);
	for (size_t i = 0; i < n; i++) {
		trade *t = &g->t[i];
		char label[64];
		snprintf(label, sizeof label, "bench-order:%zu:s", base + i);
		key_of(label, t->s_trade);
		snprintf(label, sizeof label, "bench-order:%zu:sid", base + i);
		key_of(label, t->s_id);
		snprintf(label, sizeof label, "bench-order:%zu:b", base + i);
		key_of(label, t->b_trade);
		snprintf(label, sizeof label, "bench-order:%zu:bid", base + i);
		key_of(label, t->b_id);
		t->invoice = mint_invoice(base + i, t->payhash);
		map_put(&g->by_key, hexkey(t->s_trade), (uint32_t)(2 * i));
		map_put(&g->by_key, hexkey(t->b_trade), (uint32_t)(2 * i + 1));
		map_put(&g->by_invoice, strkey(t->invoice), (uint32_t)i);
		for (int m = 0; m < MSGS_PER_TRADE; m++)
			t->lat[m] = -1;
	}
}

/* ------------------------------------------------------------ the engine */

static bool start_engine(gen *g, const char *db)
{
	int in[2], out[2];
	if (pipe(in) || pipe(out))
		return false;
	fflush(stdout);
	g->pid = fork();
	if (g->pid < 0)
		return false;
	if (g->pid == 0) {
		int null = open("/dev/null", O_WRONLY);
		dup2(in[0], 0);
		dup2(out[1], 1);
		if (null >= 0)
			dup2(null, 2);
		for (int fd = 3; fd < 1024; fd++)
			close(fd);
		order_config cfg;
		order_config_defaults(&cfg);
		cfg.fee = 0.006;
		order_config_add_relay(&cfg, "wss://relay.one");
		snprintf(cfg.mostro_pubkey, sizeof cfg.mostro_pubkey, "%s", MOSTRO);
		order_run_opts o = {.db_path = db, .cfg = &cfg, .use_stdin = true, .ln_out_fd = -1, .seed_hex = SEED};
		_exit(order_run(&o));
	}
	close(in[0]);
	close(out[1]);
	g->in_fd = in[1];
	g->out_fd = out[0];
	fcntl(g->in_fd, F_SETFL, O_NONBLOCK);
	fcntl(g->out_fd, F_SETFL, O_NONBLOCK);
	signal(SIGPIPE, SIG_IGN);
	return true;
}

/* The engine's CPU time so far (user + system, all threads). */
static double engine_cpu(pid_t pid)
{
	char path[64], line[1024];
	snprintf(path, sizeof path, "/proc/%d/stat", (int)pid);
	FILE *f = fopen(path, "r");
	if (!f)
		return -1;
	size_t n = fread(line, 1, sizeof line - 1, f);
	fclose(f);
	line[n] = 0;
	char *p = strrchr(line, ')');
	if (!p)
		return -1;
	unsigned long ut = 0, st = 0;
	/* after ")": state ppid pgrp session tty tpgid flags minflt cminflt majflt cmajflt utime stime */
	if (sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %lu %lu", &ut, &st) != 2)
		return -1;
	return (double)(ut + st) / (double)sysconf(_SC_CLK_TCK);
}

/* ------------------------------------------------------------ inputs */

static void put(gen *g, jv rec)
{
	char *s = json_dumps(rec);
	jv_free(rec);
	buf_puts(&g->wbuf, s);
	buf_putc(&g->wbuf, '\n');
	free(s);
	g->inputs++;
}

static jv message(gen *g, const char *sender, const char *identity, const char *action, const char *id,
		  jv payload, int ti, uint64_t rid)
{
	jv k = jv_object_set(jv_object(), jv_string("version"), jv_number(2));
	k = jv_object_set(k, jv_string("request_id"), json_from_u64(rid));
	k = jv_object_set(k, jv_string("trade_index"), ti ? jv_number(ti) : jv_null());
	if (id)
		k = jv_object_set(k, jv_string("id"), jv_string(id));
	k = jv_object_set(k, jv_string("action"), jv_string(action));
	k = jv_object_set(k, jv_string("payload"), payload);
	char eid[65];
	snprintf(eid, sizeof eid, "%048x%016llx", 0, (unsigned long long)++g->events);
	jv r = jv_object_set(jv_object(), jv_string("type"), jv_string("message"));
	r = jv_object_set(r, jv_string("transport"), jv_string("v2"));
	r = jv_object_set(r, jv_string("id"), jv_string(eid));
	r = jv_object_set(r, jv_string("recipient"), jv_string(MOSTRO));
	r = jv_object_set(r, jv_string("sender"), jv_string(sender));
	r = jv_object_set(r, jv_string("identity"), jv_string(identity));
	r = jv_object_set(r, jv_string("mode"), jv_string("reputation"));
	r = jv_object_set(r, jv_string("created_at"), jv_number(NOW));
	r = jv_object_set(r, jv_string("message"), jv_object_set(jv_object(), jv_string("order"), k));
	char sig[129];
	memset(sig, 'a', 128);
	sig[128] = 0;
	return jv_object_set(r, jv_string("trade_signature"), jv_string(sig));
}

/* A user message of trade i, its latency clock started. */
static void user_msg(gen *g, size_t i, jv rec)
{
	trade *t = &g->t[i];
	t->sent[t->nmsg] = bench_now();
	t->lat[t->nmsg] = 1;      /* waiting */
	t->nmsg++;
	g->user_msgs++;
	put(g, rec);
}

/* The first output decided for the trade's newest message: its latency. */
static void decided(gen *g, size_t i)
{
	trade *t = &g->t[i];
	for (int m = t->nmsg - 1; m >= 0; m--)
		if (t->lat[m] == 1) {
			t->lat[m] = 0;
			g->lat[g->nlat++] = bench_now() - t->sent[m];
			return;
		}
}

static jv payment_request(const char *inv)
{
	return jv_object_set(jv_object(), jv_string("payment_request"),
			     jv_array_append(jv_array_append(jv_array_append(jv_array(), jv_null()), jv_string(inv)), jv_null()));
}

/* Sends what stage `stage` of trade i starts with. */
static void advance(gen *g, size_t i)
{
	trade *t = &g->t[i];
	uint64_t rid = ((uint64_t)i << 8) | (uint64_t)t->stage;
	switch (t->stage) {
	case T_NEW: {
		jv o = jv_object_set(jv_object(), jv_string("kind"), jv_string("sell"));
		o = jv_object_set(o, jv_string("status"), jv_string("pending"));
		o = jv_object_set(o, jv_string("amount"), jv_number(AMOUNT));
		o = jv_object_set(o, jv_string("fiat_code"), jv_string("USD"));
		o = jv_object_set(o, jv_string("min_amount"), jv_null());
		o = jv_object_set(o, jv_string("max_amount"), jv_null());
		o = jv_object_set(o, jv_string("fiat_amount"), jv_number(100));
		o = jv_object_set(o, jv_string("payment_method"), jv_string("SEPA"));
		o = jv_object_set(o, jv_string("premium"), jv_number(0));
		o = jv_object_set(o, jv_string("created_at"), jv_number(0));
		o = jv_object_set(o, jv_string("expires_at"), jv_null());
		user_msg(g, i, message(g, t->s_trade, t->s_id, "new-order", NULL,
				       jv_object_set(jv_object(), jv_string("order"), o), 1, rid));
		t->waiting = 1;
		break;
	}
	case T_TAKE:
		user_msg(g, i, message(g, t->b_trade, t->b_id, "take-sell", t->order, jv_null(), 1, rid));
		t->waiting = 1;
		break;
	case T_ADDINV:
		user_msg(g, i, message(g, t->b_trade, t->b_id, "add-invoice", t->order, payment_request(t->invoice), 0, rid));
		t->waiting = 1;     /* until buyer-took-order (the node's answers in between) */
		break;
	case T_FIAT:
		user_msg(g, i, message(g, t->b_trade, t->b_id, "fiat-sent", t->order, jv_null(), 0, rid));
		t->waiting = 1;
		break;
	case T_RELEASE:
		user_msg(g, i, message(g, t->s_trade, t->s_id, "release", t->order, jv_null(), 0, rid));
		t->waiting = 1;     /* until purchase-completed */
		break;
	case T_RATE:
		user_msg(g, i, message(g, t->s_trade, t->s_id, "rate-user", t->order,
				       jv_object_set(jv_object(), jv_string("rating_user"), jv_number(5)), 0, rid));
		user_msg(g, i, message(g, t->b_trade, t->b_id, "rate-user", t->order,
				       jv_object_set(jv_object(), jv_string("rating_user"), jv_number(5)), 0, rid | 0x80));
		t->waiting = 2;
		break;
	default:
		break;
	}
}

static void next_stage(gen *g, size_t i)
{
	trade *t = &g->t[i];
	t->stage++;
	if (t->stage == T_DONE) {
		g->done++;
		g->inflight--;
		return;
	}
	advance(g, i);
}

/* ------------------------------------------------------------ outputs */

static jv ln_result(const char *id, const char *op, jv result)
{
	jv r = jv_object_set(jv_object(), jv_string("type"), jv_string("ln_result"));
	r = jv_object_set(r, jv_string("id"), jv_string(id));
	r = jv_object_set(r, jv_string("op"), jv_string(op));
	r = jv_object_set(r, jv_string("ok"), jv_true());
	return jv_object_set(r, jv_string("result"), result);
}

static jv ln_event(const char *id, const char *op, jv ev)
{
	jv r = jv_object_set(jv_object(), jv_string("type"), jv_string("ln_event"));
	r = jv_object_set(r, jv_string("id"), jv_string(id));
	r = jv_object_set(r, jv_string("op"), jv_string(op));
	return jv_object_set(r, jv_string("event"), ev);
}

static void on_dm(gen *g, jv v)
{
	int who = map_get(&g->by_key, hexkey(json_get_str(v, "to", NULL)));
	if (who < 0)
		return;
	size_t i = (size_t)who / 2;
	bool seller = who % 2 == 0;
	trade *t = &g->t[i];
	jv m = json_get(v, "message");
	jv k = json_get(m, "order");
	const char *action = jv_is_valid(k) ? json_get_str(k, "action", NULL) : NULL;
	if (!action) {
		jv_free(k);
		jv_free(m);
		return;
	}
	if (t->stage == T_DONE && seller && strcmp(action, "new-order") == 0) {
		g->burst_acks++;       /* the burst of new orders (main) */
	} else if (t->stage == T_NEW && seller && strcmp(action, "new-order") == 0) {
		snprintf(t->order, sizeof t->order, "%s", json_get_str(k, "id", NULL));
		map_put(&g->by_order, hexkey(t->order), (uint32_t)i);
		decided(g, i);
		next_stage(g, i);
	} else if (t->stage == T_TAKE && !seller && strcmp(action, "add-invoice") == 0) {
		decided(g, i);
		next_stage(g, i);
	} else if (t->stage == T_ADDINV && seller && strcmp(action, "buyer-took-order") == 0) {
		next_stage(g, i);
	} else if (t->stage == T_FIAT && !seller && strcmp(action, "fiat-sent-ok") == 0) {
		decided(g, i);
		next_stage(g, i);
	} else if (t->stage == T_RELEASE && !seller && strcmp(action, "purchase-completed") == 0) {
		next_stage(g, i);
	} else if (t->stage == T_RATE && strcmp(action, "rate-received") == 0) {
		g->lat[g->nlat++] = bench_now() - t->sent[seller ? 5 : 6];
		if (--t->waiting == 0)
			next_stage(g, i);
	}
	jv_free(k);
	jv_free(m);
}

static void on_ln(gen *g, jv v)
{
	const char *id = json_get_str(v, "id", NULL), *op = json_get_str(v, "op", NULL);
	if (!id || !op)
		return;
	if (strcmp(op, "get_info") == 0) {
		jv chain = jv_object_set(jv_object(), jv_string("chain"), jv_string("bitcoin"));
		chain = jv_object_set(chain, jv_string("network"), jv_string("regtest"));
		jv res = jv_object_set(jv_object(), jv_string("network"), jv_string("regtest"));
		res = jv_object_set(res, jv_string("chains"), jv_array_append(jv_array(), chain));
		put(g, ln_result(id, op, res));
	} else if (strcmp(op, "create_hold_invoice") == 0) {
		const char *memo = json_get_str(v, "memo", NULL), *pre = json_get_str(v, "preimage", NULL);
		const char *o = memo ? strstr(memo, "Order #") : NULL;
		int i = o ? map_get(&g->by_order, hexkey(o + 7)) : -1;
		uint8_t p[32], h[32];
		if (i < 0 || !pre || !hex_decode(p, 32, pre, 64, false))
			return;
		decided(g, (size_t)i);            /* add-invoice's first decision: the hold invoice */
		SHA256(p, 32, h);
		char hh[65];
		hex_encode(hh, h, 32);
		snprintf(g->t[i].hash, sizeof g->t[i].hash, "%s", hh);
		map_put(&g->by_hash, hexkey(hh), (uint32_t)i);
		jv res = jv_object_set(jv_object(), jv_string("payment_request"), jv_string("lnbcrt1benchhold"));
		res = jv_object_set(res, jv_string("hash"), jv_string(hh));
		res = jv_object_set(res, jv_string("preimage"), jv_string(pre));
		res = jv_object_set(res, jv_string("add_index"), jv_number(i));
		res = jv_object_set(res, jv_string("payment_addr"), jv_string(hh));
		put(g, ln_result(id, op, res));
	} else if (strcmp(op, "watch_invoice") == 0) {
		const char *h = json_get_str(v, "hash", NULL);
		if (map_get(&g->by_hash, hexkey(h)) < 0)
			return;
		jv ev = jv_object_set(jv_object(), jv_string("hash"), jv_string(h));
		ev = jv_object_set(ev, jv_string("state"), jv_string("ACCEPTED"));
		ev = jv_object_set(ev, jv_string("amt_paid_msat"), json_from_i64((int64_t)(AMOUNT + 300) * 1000));
		put(g, ln_event(id, op, ev));       /* the seller pays at once */
	} else if (strcmp(op, "settle_hold_invoice") == 0) {
		const char *pre = json_get_str(v, "preimage", NULL);
		uint8_t p[32], h[32];
		if (!pre || !hex_decode(p, 32, pre, 64, false))
			return;
		SHA256(p, 32, h);
		char hh[65];
		hex_encode(hh, h, 32);
		int i = map_get(&g->by_hash, hexkey(hh));
		if (i >= 0)
			decided(g, (size_t)i);        /* release's first decision: the settlement */
		put(g, ln_result(id, op, jv_object_set(jv_object(), jv_string("hash"), jv_string(hh))));
	} else if (strcmp(op, "pay_invoice") == 0) {
		const char *pr = json_get_str(v, "payment_request", NULL);
		int i = map_get(&g->by_invoice, strkey(pr));
		if (i < 0)
			return;
		const char *ph = g->t[i].payhash;
		jv ev = jv_object_set(jv_object(), jv_string("payment_hash"), jv_string(ph));
		ev = jv_object_set(ev, jv_string("status"), jv_string("SUCCEEDED"));
		ev = jv_object_set(ev, jv_string("preimage"), jv_string(ph));
		put(g, ln_event(id, op, jv_copy(ev)));
		put(g, ln_result(id, op, ev));
	}
}

/* Reads what the engine wrote and reacts; false at EOF. */
static bool pump_out(gen *g)
{
	if (g->rcap - g->rlen < 65536) {
		g->rcap = g->rcap ? g->rcap * 2 : 1 << 20;
		g->rbuf = realloc(g->rbuf, g->rcap);
	}
	ssize_t n = read(g->out_fd, g->rbuf + g->rlen, g->rcap - g->rlen);
	if (n == 0)
		return false;
	if (n < 0)
		return errno == EAGAIN || errno == EINTR;
	g->rlen += (size_t)n;
	size_t start = 0;
	for (;;) {
		char *nl = memchr(g->rbuf + start, '\n', g->rlen - start);
		if (!nl)
			break;
		size_t len = (size_t)(nl - (g->rbuf + start));
		jv v = json_parse(g->rbuf + start, len, JSON_EXACT_NUMBERS, NULL);
		if (jv_is_valid(v) && jv_get_kind(v) == JV_KIND_OBJECT) {
			if (json_has(v, "to"))
				on_dm(g, v);
			else if (json_has(v, "op") && !json_has(v, "type"))
				on_ln(g, v);
		}
		jv_free(v);
		start += len + 1;
	}
	memmove(g->rbuf, g->rbuf + start, g->rlen - start);
	g->rlen -= start;
	return true;
}

static bool pump_in(gen *g)
{
	while (g->woff < g->wbuf.len) {
		ssize_t w = write(g->in_fd, g->wbuf.p + g->woff, g->wbuf.len - g->woff);
		if (w < 0)
			return errno == EAGAIN || errno == EINTR;
		g->woff += (size_t)w;
	}
	buf_reset(&g->wbuf);
	g->woff = 0;
	return true;
}

/* Runs trades [from, to) with at most `inflight` in flight; false on a stall. */
static bool run_trades(gen *g, size_t from, size_t to, size_t inflight, double limit_s)
{
	g->next = from;
	g->done = 0;
	g->inflight = 0;
	size_t want = to - from;
	double t0 = bench_now();
	while (g->done < want) {
		while (g->inflight < inflight && g->next < to) {
			g->inflight++;
			advance(g, g->next++);
		}
		struct pollfd p[2] = {{g->out_fd, POLLIN, 0}, {g->in_fd, (short)(g->wbuf.len > g->woff ? POLLOUT : 0), 0}};
		if (poll(p, 2, 1000) < 0 && errno != EINTR)
			return false;
		if ((p[0].revents & (POLLIN | POLLHUP)) && !pump_out(g))
			return false;
		if (!pump_in(g))
			return false;
		if (bench_now() - t0 > limit_s) {
			fprintf(stderr, "order bench: stalled (%zu of %zu trades done)\n", g->done, want);
			return false;
		}
	}
	return true;
}

/* ------------------------------------------------------------ the floor */

typedef struct floor_res {
	double rate, p50, p99;
} floor_res;

static int cmp_d(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

static double pct(double *v, size_t n, double p)
{
	if (!n)
		return 0;
	qsort(v, n, sizeof *v, cmp_d);
	size_t i = (size_t)(p * (double)(n - 1) + 0.5);
	return v[i];
}

/* BEGIN IMMEDIATE; INSERT; COMMIT on the engine's file (WAL,
 * synchronous=FULL) for `secs` seconds. */
static bool bare_floor(const char *db, double secs, floor_res *r)
{
	sqlite3 *h;
	if (sqlite3_open(db, &h) != SQLITE_OK)
		return false;
	sqlite3_busy_timeout(h, 5000);
	sqlite3_exec(h, "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL;"
		     "CREATE TABLE IF NOT EXISTS bench_floor(x INTEGER, y TEXT)", NULL, NULL, NULL);
	sqlite3_stmt *st;
	sqlite3_prepare_v2(h, "INSERT INTO bench_floor VALUES (?1, 'a short row like an outbox line')", -1, &st, NULL);
	size_t cap = 1 << 16, n = 0;
	double *lat = malloc(cap * sizeof *lat);
	double t0 = bench_now(), t;
	long i = 0;
	do {
		double a = bench_now();
		sqlite3_exec(h, "BEGIN IMMEDIATE", NULL, NULL, NULL);
		sqlite3_bind_int64(st, 1, i++);
		sqlite3_step(st);
		sqlite3_reset(st);
		sqlite3_exec(h, "COMMIT", NULL, NULL, NULL);
		t = bench_now();
		if (n == cap)
			lat = realloc(lat, (cap *= 2) * sizeof *lat);
		lat[n++] = t - a;
	} while (t - t0 < secs);
	r->rate = (double)i / (t - t0);
	r->p50 = pct(lat, n, 0.50);
	r->p99 = pct(lat, n, 0.99);
	free(lat);
	sqlite3_finalize(st);
	sqlite3_close(h);
	return true;
}

/* ------------------------------------------------------------ main */

static size_t env_size(const char *name, size_t def)
{
	const char *v = getenv(name);
	return v && atol(v) > 0 ? (size_t)atol(v) : def;
}

int main(void)
{
	size_t ntrades = env_size("BENCH_ORDER_TRADES", 1500), inflight = env_size("BENCH_ORDER_INFLIGHT", 256),
	       serial = env_size("BENCH_ORDER_SERIAL", 150);
	const char *base = getenv("BENCH_DIR") ? getenv("BENCH_DIR") : "/tmp";
	char dir[512], db[600];
	snprintf(dir, sizeof dir, "%s/bench-order-XXXXXX", base);
	if (!mkdtemp(dir)) {
		perror("mkdtemp");
		return 1;
	}
	snprintf(db, sizeof db, "%s/mostro.db", dir);
	gen g;
	memset(&g, 0, sizeof g);
	double tprep = bench_now();
	make_trades(&g, ntrades + serial, 0);
	g.lat = malloc((ntrades + serial) * MSGS_PER_TRADE * sizeof *g.lat);
	printf("order bench: mostro-order run on %s (WAL, synchronous=FULL), fee 0.006; a trade: new-order, take-sell,\n"
	       "add-invoice, fiat-sent, release, rate-user x 2 (7 user messages) and 5 answers of the node; %zu trades\n"
	       "prepared in %.1f s (keys, payout invoices)\n",
	       db, ntrades + serial, bench_now() - tprep);
	if (!start_engine(&g, db)) {
		perror("start");
		return 1;
	}
	char tick[64];
	snprintf(tick, sizeof tick, "{\"type\":\"tick\",\"now\":%d}", NOW);
	buf_puts(&g.wbuf, tick);
	buf_putc(&g.wbuf, '\n');
	/* warm-up: a few trades one at a time (the schema, the caches) */
	bool ok = run_trades(&g, 0, 5, 1, 60);
	g.nlat = 0;
	/* loaded */
	g.user_msgs = g.inputs = 0;
	double c0 = engine_cpu(g.pid), t0 = bench_now();
	ok = ok && run_trades(&g, 5, ntrades, inflight, 600);
	double wall = bench_now() - t0, cpu = engine_cpu(g.pid) - c0;
	long msgs = g.user_msgs, inputs = g.inputs;
	size_t nload = g.nlat;
	double *load_lat = malloc(nload * sizeof *load_lat);
	memcpy(load_lat, g.lat, nload * sizeof *load_lat);
	/* one at a time */
	g.nlat = 0;
	ok = ok && run_trades(&g, ntrades, ntrades + serial, 1, 600);
	size_t nser = g.nlat;
	/* a burst: a new order from each seller of the loaded phase, written at
	 * once (nothing waits for anything: the engine's group commit at its
	 * fullest) */
	double bc0 = engine_cpu(g.pid), bt0 = bench_now();
	size_t nburst = ntrades - 5;
	for (size_t i = 5; i < ntrades; i++) {
		trade *t = &g.t[i];
		jv o = jv_object_set(jv_object(), jv_string("kind"), jv_string("buy"));
		o = jv_object_set(o, jv_string("status"), jv_string("pending"));
		o = jv_object_set(o, jv_string("amount"), jv_number(AMOUNT));
		o = jv_object_set(o, jv_string("fiat_code"), jv_string("EUR"));
		o = jv_object_set(o, jv_string("min_amount"), jv_null());
		o = jv_object_set(o, jv_string("max_amount"), jv_null());
		o = jv_object_set(o, jv_string("fiat_amount"), jv_number(90));
		o = jv_object_set(o, jv_string("payment_method"), jv_string("SEPA"));
		o = jv_object_set(o, jv_string("premium"), jv_number(0));
		o = jv_object_set(o, jv_string("created_at"), jv_number(0));
		o = jv_object_set(o, jv_string("expires_at"), jv_null());
		put(&g, message(&g, t->s_trade, t->s_id, "new-order", NULL, jv_object_set(jv_object(), jv_string("order"), o),
				2, 1));
	}
	while (ok && g.burst_acks < nburst) {
		struct pollfd p[2] = {{g.out_fd, POLLIN, 0}, {g.in_fd, (short)(g.wbuf.len > g.woff ? POLLOUT : 0), 0}};
		if (poll(p, 2, 1000) <= 0 && bench_now() - bt0 > 120) {
			fprintf(stderr, "order bench: the burst stalled (%zu of %zu)\n", g.burst_acks, nburst);
			ok = false;
		}
		if ((p[0].revents & (POLLIN | POLLHUP)) && !pump_out(&g))
			ok = false;
		if (!pump_in(&g))
			ok = false;
	}
	double bwall = bench_now() - bt0, bcpu = engine_cpu(g.pid) - bc0;
	close(g.in_fd);
	int st = 0;
	while (pump_out(&g) && waitpid(g.pid, &st, WNOHANG) == 0)
		usleep(1000);
	waitpid(g.pid, &st, 0);
	if (!ok) {
		fprintf(stderr, "order bench: the run did not finish\n");
		return 1;
	}
	floor_res fl;
	if (!bare_floor(db, 2.0, &fl)) {
		fprintf(stderr, "order bench: no floor\n");
		return 1;
	}
	double rate = (double)msgs / wall, per_cpu = cpu > 0 ? (double)msgs / cpu : 0;
	printf("\n%-46s %12s   %-32s %12s   ratio\n", "ours", "", "floor (same run, same file)", "");
	bench_print_row(46, 32, "user messages/s, durable, 256 trades in flight", rate, "bare write transactions (FULL)",
			fl.rate);
	bench_print_row(46, 32, "user messages per engine CPU-second (1 core)", per_cpu, "bare write transactions (FULL)",
			fl.rate);
	bench_print_row(46, 32, "all inputs/s (with the node's answers)", (double)inputs / wall,
			"bare write transactions (FULL)", fl.rate);
	bench_print_row(46, 32, "new-order burst, written at once: messages/s", (double)nburst / bwall,
			"bare write transactions (FULL)", fl.rate);
	bench_print_row(46, 32, "the burst per engine CPU-second (1 core)", bcpu > 0 ? (double)nburst / bcpu : 0,
			"bare write transactions (FULL)", fl.rate);
	double lp50 = pct(load_lat, nload, 0.50), lp99 = pct(load_lat, nload, 0.99);
	double sp50 = pct(g.lat, nser, 0.50), sp99 = pct(g.lat, nser, 0.99);
	printf("%-46s %6.2f / %-6.2f ms  %-32s %6.2f / %-6.2f ms\n", "decision latency p50 / p99, under that load", lp50 * 1e3,
	       lp99 * 1e3, "one bare transaction p50 / p99", fl.p50 * 1e3, fl.p99 * 1e3);
	printf("%-46s %6.2f / %-6.2f ms  %-32s %6.2f / %-6.2f ms\n", "decision latency p50 / p99, one at a time", sp50 * 1e3,
	       sp99 * 1e3, "one bare transaction p50 / p99", fl.p50 * 1e3, fl.p99 * 1e3);
	printf("loaded phase: %ld user messages (%ld inputs) in %.2f s wall, %.2f s of engine CPU; burst: %zu new orders "
	       "in %.2f s wall, %.2f s of engine CPU; %zu + %zu latencies; target >= 5,000 messages/s on one core, "
	       "p99 < 2 ms\n",
	       msgs, inputs, wall, cpu, nburst, bwall, bcpu, nload, nser);
	char p[700];
	snprintf(p, sizeof p, "%s-wal", db);
	unlink(p);
	snprintf(p, sizeof p, "%s-shm", db);
	unlink(p);
	unlink(db);
	snprintf(p, sizeof p, "%s.lock", db);
	unlink(p);
	rmdir(dir);
	for (size_t i = 0; i < g.n; i++)
		free(g.t[i].invoice);
	free(g.t);
	free(g.lat);
	free(load_lat);
	free(g.rbuf);
	buf_free(&g.wbuf);
	map *maps[] = {&g.by_key, &g.by_order, &g.by_hash, &g.by_invoice};
	for (size_t i = 0; i < sizeof maps / sizeof *maps; i++) {
		free(maps[i]->k);
		free(maps[i]->v);
	}
	return 0;
}
