#include "relay_server.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <libwebsockets.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "detail.h"
#include "hex.h"
#include "keys.h"
#include "lineio.h"
#include "relay_nip42.h"
#include "relay_nip11.h"
#include "relay_ingest.h"
#include "relay_log.h"
#include "relay_store.h"
#include "relaymsg.h"
#include "workpool.h"

#define OUTQ_MAX_BYTES   (64u << 20)   /* one reader this far behind is dropped */
#define WRITES_PER_TURN  512           /* frames per writeable callback */
#define DRAIN_MS         1000          /* answers flushed for this long at stop */
#define ACCEPTS_PER_TURN 64            /* connections taken per readable listener */
#define SWEEP_MS         250           /* idle, stall and log windows checked this often */
#define BACKOFF_MIN_MS   50            /* accept(2) out of descriptors: pause, doubling */
#define BACKOFF_MAX_MS   2000
#define LOG_WINDOW_S     10.0          /* a repeated status line at most once in this */
#define STALLED_S        1.0           /* no progress this long: first to go over budget */

/* ------------------------------------------------------------ structures */

typedef struct oframe {
	struct oframe *next;
	size_t         len;               /* payload bytes after LWS_PRE */
	char          *p;                 /* LWS_PRE + len bytes, owned */
} oframe;

typedef struct sub {
	char         *id;
	size_t        id_len;
	nostr_filter *filters;
	size_t        n;
} sub;

typedef struct conn {
	struct conn  *prev, *next;        /* the server's list of live connections */
	struct lws   *wsi;                /* NULL once closed */
	relay_server *srv;
	unsigned      refs;               /* list + batch items holding it */
	buf           rx;                 /* message being reassembled */
	bool          rx_overflow;
	oframe       *head, *tail;
	size_t        queued;             /* bytes in the out queue */
	double        last_rx;            /* monotonic s: last frame or pong received */
	double        last_tx;            /* monotonic s: the queue last shrank, or filled */
	bool          ping_due;           /* write a ping at the next writeable turn */
	bool          pinged;             /* pinged during the current silence */
	bool          kill;               /* dropped: nothing more is queued or sent */
	sub          *subs;
	size_t        n_subs;
	char          challenge[RELAY_CHALLENGE_LEN + 1];
	uint8_t     (*authed)[32];
	size_t        n_authed;
} conn;

/* per-session data lws keeps for us */
typedef struct pss {
	conn       *c;
	const buf  *http_body;            /* NIP-11 or plain text, for HTTP */
	const char *http_type;
} pss;

typedef struct batch_item {
	conn         *c;
	char         *frame;
	size_t        len;
	ingest_result res;
	store_put     put;
} batch_item;

typedef struct batch {
	batch_item *v;
	size_t      n, cap;
	uint64_t    now;
} batch;

struct relay_server {
	relay_config          cfg;
	struct lws_context   *ctx;
	struct lws_vhost     *vh;
	int                   listen_fd;          /* ours: accept(2) is ours too */
	struct lws           *listen_wsi;         /* it, adopted as a raw descriptor */
	unsigned              n_wsi, wsi_base;    /* lws connections alive (create - destroy) */
	size_t                queued;             /* bytes in every out queue */
	size_t                conn_queue_max;     /* one connection's share */
	unsigned              backoff_ms;         /* accept pause after EMFILE, 0 = none */
	relay_log             log;
	relay_store          *store;
	workpool             *pool;
	conn                 *conns;
	char                  url[300];
	int                   port;
	volatile sig_atomic_t stop;
	bool                  draining;
	batch                 collect;            /* EVENT frames read this turn */
	batch                 inflight;           /* being verified by the pool */
	bool                  inflight_busy;
	batch                 ready;              /* verified, to be stored */
	buf                   info;               /* NIP-11 document */
	buf                   plain;              /* answer to a plain HTTP GET */
	lws_sorted_usec_list_t sul_purge, sul_tick, sul_sweep, sul_accept;
	relay_stats           st;
};

const char *relay_strerror(relay_err e)
{
	switch (e) {
	case RELAY_OK: return "ok";
	case RELAY_ERR_REMOTE: return "refusing a non-loopback address without --allow-remote";
	case RELAY_ERR_DB: return "cannot open the database";
	case RELAY_ERR_LISTEN: return "cannot listen on the address";
	case RELAY_ERR_LIMIT: return "the descriptor limit is too low for --max-connections";
	}
	return "unknown error";
}

static uint64_t now_s(void)
{
	return (uint64_t)time(NULL);
}

static double mono_now(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static void emit_line(void *ctx, const char *line)
{
	(void)ctx;
	report("%s", line);
}

/* A status line on stderr, unless --quiet; a line that repeats is printed at
 * most once per LOG_WINDOW_S (relay_log.h). */
static void status(relay_server *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void status(relay_server *s, const char *fmt, ...)
{
	if (s->cfg.quiet)
		return;
	char msg[512];
	va_list ap;
	va_start(ap, fmt);
	detail_vset(msg, sizeof msg, NULL, fmt, ap);
	va_end(ap);
	relay_log_line(&s->log, mono_now(), msg);
}

/* Connections open now (HTTP or WebSocket, the listener not counted). */
static unsigned open_connections(const relay_server *s)
{
	return s->n_wsi > s->wsi_base ? s->n_wsi - s->wsi_base : 0;
}

/* ----------------------------------------------------------- out queue */

/* Frames are built in a buf that starts with LWS_PRE bytes of headroom. */
static void frame_begin(buf *b)
{
	buf_reset(b);
	buf_reserve(b, LWS_PRE + 256);
	memset(b->p, 0, LWS_PRE);
	b->len = LWS_PRE;
}

static void conn_want_write(conn *c)
{
	if (c->wsi)
		lws_callback_on_writable(c->wsi);
}

static void free_frames(conn *c);

/* Drops a connection: its queue is freed at once, nothing more is queued,
 * and libwebsockets closes it at the next service turn (it may never become
 * writeable again, so a writeable callback cannot be waited for). */
static void conn_drop(conn *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void conn_drop(conn *c, const char *fmt, ...)
{
	if (c->kill || !c->wsi)
		return;
	relay_server *s = c->srv;
	char why[200];
	va_list ap;
	va_start(ap, fmt);
	detail_vset(why, sizeof why, NULL, fmt, ap);
	va_end(ap);
	status(s, "dropping a connection: %s", why);
	c->kill = true;
	free_frames(c);
	s->st.dropped++;
	lws_set_timeout(c->wsi, PENDING_TIMEOUT_USER_OK, LWS_TO_KILL_ASYNC);
}

/* Over the output budget: drops connections until it is met, first those
 * that took nothing for STALLED_S, each time the one with most queued. */
static void shed_output(relay_server *s, double now)
{
	while (s->queued > s->cfg.max_output) {
		conn *worst = NULL;
		bool worst_stalled = false;
		for (conn *c = s->conns; c; c = c->next) {
			if (c->kill || !c->wsi || !c->queued)
				continue;
			bool stalled = now - c->last_tx >= STALLED_S;
			if (!worst || (stalled && !worst_stalled) ||
			    (stalled == worst_stalled && c->queued > worst->queued)) {
				worst = c;
				worst_stalled = stalled;
			}
		}
		if (!worst)
			break;
		conn_drop(worst, "%zu bytes queued, and all connections together are over --max-output (%zu)",
			  worst->queued, s->cfg.max_output);
	}
}

/* Queues the frame built in b (consumed: b is left empty). */
static void conn_send(conn *c, buf *b)
{
	if (!c->wsi || c->kill) {
		buf_free(b);
		return;
	}
	relay_server *s = c->srv;
	oframe *f = mu_xmalloc(sizeof *f);
	f->len = b->len - LWS_PRE;
	f->p = buf_steal(b);
	f->next = NULL;
	double now = mono_now();
	if (c->tail) {
		c->tail->next = f;
	} else {
		c->head = f;
		c->last_tx = now;          /* the stall clock starts with a non-empty queue */
	}
	c->tail = f;
	c->queued += f->len;
	s->queued += f->len;
	if (c->queued > s->conn_queue_max)
		conn_drop(c, "does not read (%zu bytes queued)", c->queued);
	else if (s->queued > s->cfg.max_output)
		shed_output(s, now);
	conn_want_write(c);
}

static void send_notice(conn *c, const char *msg)
{
	buf b = BUF_INIT;
	frame_begin(&b);
	rmsg_write_notice(&b, msg);
	conn_send(c, &b);
}

static void send_closed(conn *c, const char *subid, size_t n, const char *msg)
{
	buf b = BUF_INIT;
	frame_begin(&b);
	rmsg_write_closed(&b, subid, n, msg);
	conn_send(c, &b);
}

static void send_ok(conn *c, const uint8_t id[32], bool accepted, const char *msg)
{
	buf b = BUF_INIT;
	frame_begin(&b);
	rmsg_write_ok(&b, id, accepted, msg);
	conn_send(c, &b);
}

static void free_frames(conn *c)
{
	for (oframe *f = c->head, *n; f; f = n) {
		n = f->next;
		free(f->p);
		free(f);
	}
	c->head = c->tail = NULL;
	c->srv->queued -= c->queued;
	c->queued = 0;
}

/* Writes queued frames while the socket takes them. -1 closes the connection. */
static int conn_write_some(conn *c)
{
	if (c->kill)
		return -1;
	int budget = WRITES_PER_TURN;
	/* several frames: one TCP segment train instead of one send per frame */
	int fd = c->head && c->head->next ? (int)lws_get_socket_fd(c->wsi) : -1, on = 1, off = 0;
	if (c->ping_due) {
		/* with a payload: libwebsockets does not report an empty pong */
		unsigned char ping[LWS_PRE + 4];
		memcpy(ping + LWS_PRE, "idle", 4);
		c->ping_due = false;
		if (lws_write(c->wsi, ping + LWS_PRE, 4, LWS_WRITE_PING) < 4)
			return -1;
	}
	if (fd >= 0)
		setsockopt(fd, IPPROTO_TCP, TCP_CORK, &on, sizeof on);
	while (c->head && budget-- > 0) {
		if (lws_send_pipe_choked(c->wsi))
			break;
		oframe *f = c->head;
		int m = lws_write(c->wsi, (unsigned char *)f->p + LWS_PRE, f->len, LWS_WRITE_TEXT);
		if (m < (int)f->len)
			return -1;
		c->head = f->next;
		if (!c->head)
			c->tail = NULL;
		c->queued -= f->len;
		c->srv->queued -= f->len;
		c->last_tx = mono_now();
		free(f->p);
		free(f);
	}
	if (fd >= 0)
		setsockopt(fd, IPPROTO_TCP, TCP_CORK, &off, sizeof off);
	if (c->head)
		lws_callback_on_writable(c->wsi);
	return 0;
}

/* --------------------------------------------------------- connections */

static void sub_free(sub *s)
{
	free(s->id);
	filters_free(s->filters, s->n);
	memset(s, 0, sizeof *s);
}

static void conn_unref(conn *c)
{
	if (--c->refs > 0)
		return;
	free_frames(c);
	buf_free(&c->rx);
	for (size_t i = 0; i < c->n_subs; i++)
		sub_free(&c->subs[i]);
	free(c->subs);
	free(c->authed);
	free(c);
}

static conn *conn_open(relay_server *s, struct lws *wsi)
{
	conn *c = calloc(1, sizeof *c);
	if (!c)
		abort();
	c->wsi = wsi;
	c->srv = s;
	c->refs = 1;
	c->last_rx = c->last_tx = mono_now();
	c->next = s->conns;
	if (s->conns)
		s->conns->prev = c;
	s->conns = c;
	s->st.connections++;
	nip42_challenge(c->challenge);
	buf b = BUF_INIT;
	frame_begin(&b);
	rmsg_write_challenge(&b, c->challenge);
	conn_send(c, &b);
	return c;
}

static void conn_close(relay_server *s, conn *c)
{
	if (c->prev)
		c->prev->next = c->next;
	else
		s->conns = c->next;
	if (c->next)
		c->next->prev = c->prev;
	c->prev = c->next = NULL;
	c->wsi = NULL;
	free_frames(c);
	conn_unref(c);
}

static bool conn_authed_as(const conn *c, const uint8_t pk[32])
{
	for (size_t i = 0; i < c->n_authed; i++)
		if (memcmp(c->authed[i], pk, 32) == 0)
			return true;
	return false;
}

static store_reader reader_for(const relay_server *s, const conn *c)
{
	return (store_reader){
		.restricted = s->cfg.auth_read_kinds,
		.n_restricted = s->cfg.n_auth_read_kinds,
		.authed = (const uint8_t (*)[32])c->authed,
		.n_authed = c->n_authed,
	};
}

/* May this connection read ev? Restricted kinds only when authenticated as
 * a pubkey in one of the event's p tags. */
static bool conn_may_read(const relay_server *s, const conn *c, const nostr_event *ev)
{
	if (!relay_config_kind_restricted(&s->cfg, ev->kind))
		return true;
	if (c->n_authed == 0)
		return false;
	bool ok = false;
	int n = jv_array_length(jv_copy(ev->tags));
	for (int i = 0; i < n && !ok; i++) {
		jv t = jv_array_get(jv_copy(ev->tags), i);
		const char *v;
		size_t vn;
		uint8_t pk[32];
		/* the same tags the store indexes for its "p" read check */
		if (filter_tag_indexed(t, &v, &vn) == 'p' && hex_decode(pk, 32, v, vn, true))
			ok = conn_authed_as(c, pk);
		jv_free(t);
	}
	return ok;
}

/* ------------------------------------------------------------ delivery */

static void deliver(relay_server *s, const relay_event *re)
{
	buf b = BUF_INIT;
	for (conn *c = s->conns; c; c = c->next) {
		if (!c->n_subs || c->kill || !conn_may_read(s, c, &re->ev))
			continue;
		for (size_t i = 0; i < c->n_subs; i++) {
			sub *sb = &c->subs[i];
			if (!filters_match(sb->filters, sb->n, &re->ev))
				continue;
			frame_begin(&b);
			rmsg_write_sub_event_json(&b, sb->id, sb->id_len, re->json, re->json_len);
			conn_send(c, &b);
			s->st.delivered++;
		}
	}
	buf_free(&b);
}

/* --------------------------------------------------------------- batch */

static void prepare_one(void *ctx, size_t i)
{
	relay_server *s = ctx;
	batch_item *it = &s->inflight.v[i];
	relay_ingest_frame(&s->cfg, it->frame, it->len, s->inflight.now, &it->res);
	free(it->frame);
	it->frame = NULL;
}

static void batch_push(relay_server *s, conn *c, buf *frame)
{
	batch *b = &s->collect;
	if (b->n == b->cap) {
		b->cap = b->cap ? b->cap * 2 : 256;
		b->v = mu_xrealloc(b->v, b->cap * sizeof *b->v);
	}
	batch_item *it = &b->v[b->n++];
	memset(it, 0, sizeof *it);
	it->c = c;
	c->refs++;
	it->len = frame->len;
	it->frame = buf_steal(frame);
}

/* Stores the batch's valid events in one transaction. On any database error
 * the whole transaction is rolled back and every stored item fails. */
static void batch_store(relay_server *s, batch *b)
{
	bool tx = false, failed = false;
	for (size_t i = 0; i < b->n && !failed; i++) {
		batch_item *it = &b->v[i];
		if (it->res.status != INGEST_STORE)
			continue;
		if (!tx && !(tx = relay_store_begin(s->store))) {
			failed = true;
			break;
		}
		it->put = relay_store_put(s->store, &it->res.re, NULL);
		failed = it->put == STORE_PUT_ERROR;
	}
	if (tx && !failed && !relay_store_commit(s->store))
		failed = true;
	if (failed) {
		status(s, "database error: %s", relay_store_errmsg(s->store));
		relay_store_rollback(s->store);
		for (size_t i = 0; i < b->n; i++)
			if (b->v[i].res.status == INGEST_STORE)
				b->v[i].put = STORE_PUT_ERROR;
	}
	if (tx)
		s->st.batches++;
}

static void batch_answer(relay_server *s, batch_item *it)
{
	conn *c = it->c;
	ingest_result *r = &it->res;
	switch (r->status) {
	case INGEST_NOTICE:
		send_notice(c, r->message);
		break;
	case INGEST_REFUSED:
		s->st.events_refused++;
		send_ok(c, r->id, false, r->message);
		break;
	case INGEST_EPHEMERAL:
		s->st.events_ephemeral++;
		send_ok(c, r->id, true, "");
		deliver(s, &r->re);
		break;
	case INGEST_STORE:
		switch (it->put) {
		case STORE_PUT_ADDED:
			s->st.events_stored++;
			send_ok(c, r->id, true, "");
			deliver(s, &r->re);
			break;
		case STORE_PUT_DUPLICATE:
			s->st.events_duplicate++;
			send_ok(c, r->id, true, RMSG_DUPLICATE " already have this event");
			break;
		case STORE_PUT_SUPERSEDED:
			s->st.events_refused++;
			send_ok(c, r->id, false, RMSG_DUPLICATE " a newer version of this replaceable event is stored");
			break;
		case STORE_PUT_ERROR:
			s->st.events_refused++;
			send_ok(c, r->id, false, RMSG_ERROR " the database failed to store the event");
			break;
		}
		break;
	}
}

/* Stores (one transaction), then answers and delivers, in arrival order. */
static void batch_finish(relay_server *s, batch *b)
{
	batch_store(s, b);
	for (size_t i = 0; i < b->n; i++) {
		batch_item *it = &b->v[i];
		batch_answer(s, it);
		ingest_result_free(&it->res);
		conn_unref(it->c);
	}
	b->n = 0;
}

/* Waits for the batch the pool is verifying; it becomes the ready batch
 * (the previous ready batch was finished). */
static void inflight_wait(relay_server *s)
{
	if (!s->inflight_busy)
		return;
	workpool_wait(s->pool);
	s->inflight_busy = false;
	batch t = s->ready;
	s->ready = s->inflight;
	s->inflight = t;
}

static void ready_finish(relay_server *s)
{
	if (s->ready.n)
		batch_finish(s, &s->ready);
}

static void wake_loop(void *ctx)
{
	relay_server *s = ctx;
	lws_cancel_service(s->ctx);
}

/* Hands the collected frames to the pool and returns at once: the helpers
 * verify them while the service thread stores the previous batch and reads
 * the next frames. No batch may be in flight. */
static void batch_launch(relay_server *s)
{
	if (!s->collect.n)
		return;
	batch t = s->inflight;
	s->inflight = s->collect;
	s->collect = t;
	s->inflight.now = now_s();
	s->inflight_busy = true;
	workpool_start(s->pool, s->inflight.n, prepare_one, s, wake_loop);
}

/* Everything received so far verified, stored and answered, in order. */
static void batch_flush(relay_server *s)
{
	inflight_wait(s);
	ready_finish(s);
	batch_launch(s);
	inflight_wait(s);
	ready_finish(s);
}

/* End of a service turn. The verified batch is stored after the collected
 * one was handed to the pool, so both cores work; small batches
 * (interactive traffic) are done at once, for latency. Order is kept: a
 * batch is stored before any batch received after it. */
static void batch_turn(relay_server *s)
{
	if (s->collect.n < 4 || workpool_threads(s->pool) == 0) {
		batch_flush(s);
		return;
	}
	inflight_wait(s);
	batch_launch(s);
	ready_finish(s);
}

/* ------------------------------------------------------ client frames */

static size_t utf8_chars(const char *s, size_t n)
{
	size_t k = 0;
	for (size_t i = 0; i < n; i++)
		k += ((unsigned char)s[i] & 0xc0) != 0x80;
	return k;
}

static sub *find_sub(conn *c, const char *id, size_t n)
{
	for (size_t i = 0; i < c->n_subs; i++)
		if (c->subs[i].id_len == n && memcmp(c->subs[i].id, id, n) == 0)
			return &c->subs[i];
	return NULL;
}

static void remove_sub(conn *c, const char *id, size_t n)
{
	sub *sb = find_sub(c, id, n);
	if (!sb)
		return;
	sub_free(sb);
	*sb = c->subs[--c->n_subs];
}

/* Common checks of REQ and COUNT. False when a CLOSED was sent. */
static bool check_filters(relay_server *s, conn *c, rmsg *m)
{
	const relay_config *cfg = &s->cfg;
	size_t chars = utf8_chars(m->subid, m->subid_len);
	if (chars > cfg->max_subid_length) {
		buf b = BUF_INIT;
		frame_begin(&b);
		rmsg_write_closedf(&b, m->subid, m->subid_len, RMSG_INVALID " subscription id too long (%zu > %u characters)",
				   chars, cfg->max_subid_length);
		conn_send(c, &b);
		return false;
	}
	if (m->n_filters > cfg->max_filters) {
		buf b = BUF_INIT;
		frame_begin(&b);
		rmsg_write_closedf(&b, m->subid, m->subid_len, RMSG_INVALID " too many filters (%zu > %u)",
				   m->n_filters, cfg->max_filters);
		conn_send(c, &b);
		return false;
	}
	if (c->n_authed == 0) {
		for (size_t i = 0; i < m->n_filters; i++)
			for (size_t k = 0; k < cfg->n_auth_read_kinds; k++)
				if (filter_has_kind(&m->filters[i], cfg->auth_read_kinds[k])) {
					buf b = BUF_INIT;
					frame_begin(&b);
					rmsg_write_closedf(&b, m->subid, m->subid_len, RMSG_AUTH_REQUIRED
							   " kind %u is served only to its authenticated recipients (NIP-42)",
							   cfg->auth_read_kinds[k]);
					conn_send(c, &b);
					return false;
				}
	}
	return true;
}

typedef struct req_ctx {
	conn       *c;
	const rmsg *m;
	buf         b;
} req_ctx;

static bool req_row(void *ctx, const char *json, size_t len)
{
	req_ctx *r = ctx;
	frame_begin(&r->b);
	rmsg_write_sub_event_json(&r->b, r->m->subid, r->m->subid_len, json, len);
	conn_send(r->c, &r->b);
	return !r->c->kill;
}

static void handle_req(relay_server *s, conn *c, rmsg *m)
{
	if (!check_filters(s, c, m)) {
		remove_sub(c, m->subid, m->subid_len);
		return;
	}
	sub *old = find_sub(c, m->subid, m->subid_len);
	if (!old && c->n_subs >= s->cfg.max_subscriptions) {
		buf b = BUF_INIT;
		frame_begin(&b);
		rmsg_write_closedf(&b, m->subid, m->subid_len, RMSG_RATE_LIMITED " too many open subscriptions (max %u)",
				   s->cfg.max_subscriptions);
		conn_send(c, &b);
		return;
	}
	s->st.reqs++;
	store_reader rd = reader_for(s, c);
	req_ctx r = {.c = c, .m = m};
	if (!relay_store_query(s->store, m->filters, m->n_filters, now_s(), s->cfg.max_limit, &rd, req_row, &r)) {
		buf_free(&r.b);
		status(s, "query failed: %s", relay_store_errmsg(s->store));
		send_closed(c, m->subid, m->subid_len, RMSG_ERROR " the database query failed");
		remove_sub(c, m->subid, m->subid_len);
		return;
	}
	frame_begin(&r.b);
	rmsg_write_eose(&r.b, m->subid, m->subid_len);
	conn_send(c, &r.b);
	/* register (or replace) the live subscription; it takes the filters */
	if (old) {
		sub_free(old);
	} else {
		c->subs = mu_xrealloc(c->subs, (c->n_subs + 1) * sizeof *c->subs);
		old = &c->subs[c->n_subs++];
	}
	old->id = m->subid;
	old->id_len = m->subid_len;
	old->filters = m->filters;
	old->n = m->n_filters;
	m->subid = NULL;
	m->filters = NULL;
	m->n_filters = 0;
}

static void handle_count(relay_server *s, conn *c, rmsg *m)
{
	if (!check_filters(s, c, m))
		return;
	store_reader rd = reader_for(s, c);
	uint64_t n;
	if (!relay_store_count(s->store, m->filters, m->n_filters, now_s(), &rd, &n)) {
		send_closed(c, m->subid, m->subid_len, RMSG_ERROR " the database query failed");
		return;
	}
	buf b = BUF_INIT;
	frame_begin(&b);
	rmsg_write_count(&b, m->subid, m->subid_len, n);
	conn_send(c, &b);
}

static void handle_auth(relay_server *s, conn *c, rmsg *m)
{
	nip42_err e = nip42_check(&m->event, c->challenge, s->url, now_s(), s->cfg.auth_window);
	if (e != NIP42_OK) {
		char msg[200];
		snprintf(msg, sizeof msg, RMSG_INVALID " %s", nip42_strerror(e));
		send_ok(c, m->event.id, false, msg);
		return;
	}
	if (!conn_authed_as(c, m->event.pubkey)) {
		if (c->n_authed >= RELAY_MAX_AUTHED) {
			char msg[120];
			detail_set(msg, sizeof msg, RMSG_RATE_LIMITED " this connection has authenticated %d pubkeys "
				   "already", RELAY_MAX_AUTHED);
			send_ok(c, m->event.id, false, msg);
			return;
		}
		c->authed = mu_xrealloc(c->authed, (c->n_authed + 1) * sizeof *c->authed);
		memcpy(c->authed[c->n_authed++], m->event.pubkey, 32);
	}
	send_ok(c, m->event.id, true, "");
}

/* Answers a frame that failed to parse as precisely as it can. A refused
 * REQ ends the subscription of the same id (NIP-01: a REQ overwrites it),
 * so nothing arrives under an id the client was told is CLOSED. */
static void answer_parse_error(conn *c, const rmsg *m, rmsg_err e, const char *detail)
{
	char msg[300];
	const char *pfx = e == RMSG_ERR_FILTER && m->sub_err == FILTER_ERR_UNKNOWN_KEY ? RMSG_UNSUPPORTED : RMSG_INVALID;
	detail_set(msg, sizeof msg, "%s %s", pfx, detail);
	if ((m->type == RMSG_REQ || m->type == RMSG_COUNT) && m->subid && e != RMSG_ERR_SUBID) {
		send_closed(c, m->subid, m->subid_len, msg);
		if (m->type == RMSG_REQ)
			remove_sub(c, m->subid, m->subid_len);
	} else if (m->type == RMSG_AUTH && m->has_event_id)
		send_ok(c, m->event_id, false, msg);
	else
		send_notice(c, msg);
}

/* A complete text message from a client. Frames that look like EVENT wait
 * in the batch; anything else first flushes the batch, to keep order. */
static void handle_message(relay_server *s, conn *c)
{
	if (relay_frame_is_event(c->rx.p, c->rx.len)) {
		batch_push(s, c, &c->rx);
		return;
	}
	batch_flush(s);
	rmsg m;
	char detail[240] = "";
	rmsg_err e = rmsg_parse_client(&m, c->rx.p, c->rx.len, detail, sizeof detail);
	if (e != RMSG_OK_PARSED) {
		answer_parse_error(c, &m, e, detail);
	} else {
		switch (m.type) {
		case RMSG_REQ: handle_req(s, c, &m); break;
		case RMSG_COUNT: handle_count(s, c, &m); break;
		case RMSG_CLOSE: remove_sub(c, m.subid, m.subid_len); break;
		case RMSG_AUTH: handle_auth(s, c, &m); break;
		case RMSG_EVENT: {
			/* an EVENT the cheap prefix test missed ("\u0045VENT") */
			buf f = BUF_INIT;
			buf_put(&f, c->rx.p, c->rx.len);
			batch_push(s, c, &f);
			batch_flush(s);
			break;
		}
		default: break;
		}
	}
	rmsg_free(&m);
	buf_reset(&c->rx);
}

static void on_receive(relay_server *s, struct lws *wsi, conn *c, const void *in, size_t len)
{
	c->last_rx = mono_now();
	c->pinged = false;
	if (c->kill)
		return;
	if (lws_is_first_fragment(wsi)) {
		buf_reset(&c->rx);
		c->rx_overflow = false;
	}
	if (!c->rx_overflow) {
		if (c->rx.len + len > relay_config_max_message(&s->cfg)) {
			c->rx_overflow = true;
			buf_free(&c->rx);
		} else {
			buf_put(&c->rx, in, len);
		}
	}
	if (!lws_is_final_fragment(wsi) || lws_remaining_packet_payload(wsi) > 0)
		return;
	if (s->draining) {
		buf_reset(&c->rx);
		return;
	}
	if (c->rx_overflow) {
		char msg[120];
		snprintf(msg, sizeof msg, RMSG_INVALID " message too long (max_message_length is %zu bytes)",
			 relay_config_max_message(&s->cfg));
		send_notice(c, msg);
		c->rx_overflow = false;
		return;
	}
	if (lws_frame_is_binary(wsi)) {
		send_notice(c, RMSG_INVALID " binary frames are not part of the protocol");
		buf_reset(&c->rx);
		return;
	}
	if (c->rx.len == 0) {
		send_notice(c, RMSG_INVALID " empty message");
		return;
	}
	handle_message(s, c);
}

/* ------------------------------------------------------------- NIP-11 */

/* The whole value of a request header (every fragment), malloc'd; "" when
 * absent. */
static char *header_value(struct lws *wsi, enum lws_token_indexes h)
{
	int n = lws_hdr_total_length(wsi, h);
	char *v = mu_xmalloc((size_t)(n > 0 ? n : 0) + 1);
	v[0] = 0;
	if (n > 0 && lws_hdr_copy(wsi, v, n + 1, h) < 0)
		v[0] = 0;
	return v;
}

/* One media range "type/sub;param..." in [a, b): is it the NIP-11 type with
 * a non-zero weight? */
static bool range_is_nip11(const char *a, const char *b)
{
	static const char want[] = "application/nostr+json";
	const char *semi = memchr(a, ';', (size_t)(b - a));
	const char *te = semi ? semi : b;
	while (a < te && (*a == ' ' || *a == '\t'))
		a++;
	while (te > a && (te[-1] == ' ' || te[-1] == '\t'))
		te--;
	if ((size_t)(te - a) != sizeof want - 1 || strncasecmp(a, want, sizeof want - 1) != 0)
		return false;
	/* "q=0" (also 0.0, 0.00, 0.000) says "not acceptable" (RFC 9110 12.4.2) */
	for (const char *p = semi; p && p < b; p = memchr(p + 1, ';', (size_t)(b - p - 1))) {
		const char *q = p + 1;
		while (q < b && (*q == ' ' || *q == '\t'))
			q++;
		if (b - q >= 2 && (q[0] == 'q' || q[0] == 'Q') && q[1] == '=') {
			q += 2;
			bool zero = q < b && *q == '0';
			for (q += zero; zero && q < b && *q != ';' && *q != ' ' && *q != '\t'; q++)
				zero = *q == '.' || *q == '0';
			if (zero)
				return false;
		}
	}
	return true;
}

/* Does an Accept value name the NIP-11 media type? Each comma-separated
 * range is compared whole, case-insensitively (RFC 9110 8.3.1), whatever
 * the header's length. */
bool relay_accept_wants_nip11(const char *accept)
{
	for (const char *p = accept; *p;) {
		const char *end = p + strcspn(p, ",");
		if (range_is_nip11(p, end))
			return true;
		p = *end ? end + 1 : end;
	}
	return false;
}

static int http_request(relay_server *s, struct lws *wsi, pss *p)
{
	char *accept = header_value(wsi, WSI_TOKEN_HTTP_ACCEPT);
	bool nip11 = relay_accept_wants_nip11(accept);
	free(accept);
	/* HEAD: the headers GET would send, Content-Length included, no body */
	bool head = lws_hdr_total_length(wsi, WSI_TOKEN_HEAD_URI) > 0;
	p->http_body = nip11 ? &s->info : &s->plain;
	p->http_type = nip11 ? "application/nostr+json" : "text/plain";
	unsigned char hdr[LWS_PRE + 1024], *start = hdr + LWS_PRE, *q = start, *end = hdr + sizeof hdr - 1;
	if (lws_add_http_common_headers(wsi, HTTP_STATUS_OK, p->http_type, p->http_body->len, &q, end) ||
	    lws_add_http_header_by_name(wsi, (const unsigned char *)"access-control-allow-origin:",
					(const unsigned char *)"*", 1, &q, end) ||
	    lws_add_http_header_by_name(wsi, (const unsigned char *)"access-control-allow-headers:",
					(const unsigned char *)"*", 1, &q, end) ||
	    lws_add_http_header_by_name(wsi, (const unsigned char *)"access-control-allow-methods:",
					(const unsigned char *)"GET, HEAD", 9, &q, end) ||
	    lws_finalize_write_http_header(wsi, start, &q, end))
		return 1;
	if (head) {
		p->http_body = NULL;
		return lws_http_transaction_completed(wsi) ? -1 : 0;
	}
	lws_callback_on_writable(wsi);
	return 0;
}

/* RFC 6455 4.2.2: a handshake for a version other than 13 is answered 426
 * with the version this relay speaks (400 when the header is missing: no
 * valid handshake). Returns 0 to let a version-13 upgrade proceed, 1 when
 * the refusal was written, -1 to hang up. */
static int confirm_upgrade(struct lws *wsi, const char *to)
{
	if (!to || strcasecmp(to, "websocket") != 0)
		return 0;
	char *v = header_value(wsi, WSI_TOKEN_VERSION);
	bool missing = !v[0], ok = strcmp(v, "13") == 0;
	free(v);
	if (ok)
		return 0;
	unsigned char hdr[LWS_PRE + 512], *start = hdr + LWS_PRE, *q = start, *end = hdr + sizeof hdr - 1;
	/* the status line by hand: lws knows neither 426's reason phrase nor,
	 * this early, the request's HTTP version */
	q += lws_snprintf((char *)q, (size_t)(end - q), "HTTP/1.1 %s\r\n",
			  missing ? "400 Bad Request" : "426 Upgrade Required");
	if (lws_add_http_header_by_name(wsi, (const unsigned char *)"sec-websocket-version:",
					(const unsigned char *)"13", 2, &q, end) ||
	    lws_add_http_header_content_length(wsi, 0, &q, end) ||
	    lws_finalize_write_http_header(wsi, start, &q, end))
		return -1;
	return 1;
}

static int http_body(struct lws *wsi, pss *p)
{
	if (!p->http_body)
		return -1;
	size_t n = p->http_body->len;
	unsigned char *out = mu_xmalloc(LWS_PRE + n + 1);
	memcpy(out + LWS_PRE, p->http_body->p, n);
	int m = lws_write(wsi, out + LWS_PRE, n, LWS_WRITE_HTTP_FINAL);
	free(out);
	p->http_body = NULL;
	if (m < (int)n)
		return -1;
	return lws_http_transaction_completed(wsi) ? -1 : 0;
}

/* ------------------------------------------------------------ callback */

static int callback(struct lws *wsi, enum lws_callback_reasons reason, void *user, void *in, size_t len)
{
	relay_server *s = lws_context_user(lws_get_context(wsi));
	pss *p = user;
	switch (reason) {
	case LWS_CALLBACK_ESTABLISHED:
		p->c = conn_open(s, wsi);
		break;
	case LWS_CALLBACK_RECEIVE:
		if (p->c)
			on_receive(s, wsi, p->c, in, len);
		break;
	case LWS_CALLBACK_RECEIVE_PONG:
		if (p->c) {
			p->c->last_rx = mono_now();
			p->c->pinged = false;
		}
		break;
	case LWS_CALLBACK_SERVER_WRITEABLE:
		if (p->c)
			return conn_write_some(p->c);
		break;
	case LWS_CALLBACK_WSI_CREATE:
		s->n_wsi++;
		break;
	case LWS_CALLBACK_WSI_DESTROY:
		s->n_wsi--;
		break;
	case LWS_CALLBACK_CLOSED:
		if (p->c) {
			conn_close(s, p->c);
			p->c = NULL;
		}
		break;
	case LWS_CALLBACK_HTTP:
		return http_request(s, wsi, p);
	case LWS_CALLBACK_HTTP_CONFIRM_UPGRADE:
		return confirm_upgrade(wsi, in);
	case LWS_CALLBACK_HTTP_WRITEABLE:
		return http_body(wsi, p);
	default:
		break;
	}
	return 0;
}

/* ------------------------------------------------------------ listener */

static void accept_resume_cb(lws_sorted_usec_list_t *sul)
{
	relay_server *s = lws_container_of(sul, relay_server, sul_accept);
	if (s->listen_wsi)
		lws_rx_flow_control(s->listen_wsi, 1);
}

/* accept(2) failed for want of descriptors or memory: the listener is not
 * polled for a while (doubling up to BACKOFF_MAX_MS while it goes on)
 * instead of being found readable again at once, forever. */
static void accept_backoff(relay_server *s, int err)
{
	s->backoff_ms = s->backoff_ms ? s->backoff_ms * 2 : BACKOFF_MIN_MS;
	if (s->backoff_ms > BACKOFF_MAX_MS)
		s->backoff_ms = BACKOFF_MAX_MS;
	s->st.accept_errors++;
	status(s, "accept: %s; not accepting for %u ms (%u connections open)", strerror(err), s->backoff_ms,
	       open_connections(s));
	lws_rx_flow_control(s->listen_wsi, 0);
	lws_sul_schedule(s->ctx, 0, &s->sul_accept, accept_resume_cb, (lws_usec_t)s->backoff_ms * LWS_US_PER_MS);
}

/* At the cap a connection costs an accept and a close: no HTTP parsing, no
 * memory; SO_LINGER 0 resets it, leaving no TIME_WAIT behind. */
static void refuse_connection(relay_server *s, int fd)
{
	struct linger lg = {1, 0};
	setsockopt(fd, SOL_SOCKET, SO_LINGER, &lg, sizeof lg);
	close(fd);
	s->st.refused++;
	status(s, "refusing connections: %u open (--max-connections %u)", open_connections(s),
	       s->cfg.max_connections);
}

static int listener_readable(relay_server *s)
{
	for (int i = 0; i < ACCEPTS_PER_TURN && !s->stop; i++) {
		int fd = accept(s->listen_fd, NULL, NULL);   /* libwebsockets makes it non-blocking */
		if (fd < 0) {
			if (errno == EINTR || errno == ECONNABORTED)
				continue;
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				break;
			accept_backoff(s, errno);
			break;
		}
		fcntl(fd, F_SETFD, FD_CLOEXEC);
		/* what libwebsockets' own accept would set: without it an OK and
		 * the event that follows it on one connection meet Nagle and the
		 * client's delayed ACK, 40 ms a reply (bench/README.md) */
		int one = 1;
		setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
		s->backoff_ms = 0;
		if (open_connections(s) >= s->cfg.max_connections) {
			refuse_connection(s, fd);
			continue;
		}
		if (!lws_adopt_socket_vhost(s->vh, fd))   /* it closed fd */
			status(s, "cannot take a connection (%u open)", open_connections(s));
	}
	return 0;
}

static int listen_callback(struct lws *wsi, enum lws_callback_reasons reason, void *user, void *in, size_t len)
{
	relay_server *s = lws_context_user(lws_get_context(wsi));
	(void)user;
	(void)in;
	(void)len;
	switch (reason) {
	case LWS_CALLBACK_RAW_RX_FILE:
		return listener_readable(s);
	case LWS_CALLBACK_RAW_CLOSE_FILE:
		s->listen_wsi = NULL;
		break;
	default:
		break;
	}
	return 0;
}

static const struct lws_protocols protocols[] = {
	/* protocols[0] also gets every connection's create/destroy */
	{"nostr", callback, sizeof(pss), 16384, 0, NULL, 0},
	{"mostro-listen", listen_callback, 0, 0, 0, NULL, 0},
	{NULL, NULL, 0, 0, 0, NULL, 0}
};

/* ---------------------------------------------------------- lifecycle */

static void purge_cb(lws_sorted_usec_list_t *sul)
{
	relay_server *s = lws_container_of(sul, relay_server, sul_purge);
	long n = relay_store_purge_expired(s->store, now_s());
	if (n > 0) {
		s->st.purged += (uint64_t)n;
		status(s, "purged %ld expired event%s", n, n == 1 ? "" : "s");
	} else if (n < 0) {
		status(s, "purge failed: %s", relay_store_errmsg(s->store));
	}
	lws_sul_schedule(s->ctx, 0, &s->sul_purge, purge_cb, (lws_usec_t)s->cfg.purge_interval * LWS_US_PER_SEC);
}

/* Idle and stalled connections, and the status lines' windows. */
static void sweep_cb(lws_sorted_usec_list_t *sul)
{
	relay_server *s = lws_container_of(sul, relay_server, sul_sweep);
	double now = mono_now(), idle = s->cfg.idle_timeout;
	for (conn *c = s->conns; c; c = c->next) {
		if (c->kill || !c->wsi)
			continue;
		if (c->head && now - c->last_tx >= s->cfg.stall_timeout)
			conn_drop(c, "took none of its %zu queued bytes for %u s (--stall-timeout)", c->queued,
				  s->cfg.stall_timeout);
		else if (now - c->last_rx >= idle)
			conn_drop(c, "silent for %u s, even to a ping (--idle-timeout)", s->cfg.idle_timeout);
		else if (!c->pinged && now - c->last_rx >= idle / 2) {
			c->pinged = true;
			c->ping_due = true;
			lws_callback_on_writable(c->wsi);
		}
	}
	relay_log_tick(&s->log, now);
	lws_sul_schedule(s->ctx, 0, &s->sul_sweep, sweep_cb, SWEEP_MS * LWS_US_PER_MS);
}

static void tick_cb(lws_sorted_usec_list_t *sul)
{
	/* only wakes the loop (during the drain at stop) */
	relay_server *s = lws_container_of(sul, relay_server, sul_tick);
	lws_sul_schedule(s->ctx, 0, &s->sul_tick, tick_cb, 50 * LWS_US_PER_MS);
}

/* libwebsockets logs through a global callback: its lines go through the
 * rate limit of the server that set it (one server per process). They are
 * errors (and, without --quiet, warnings): printed even with --quiet. */
static relay_server *log_owner;

static void lws_log_to_stderr(int level, const char *line)
{
	(void)level;
	size_t n = strlen(line);
	while (n && (line[n - 1] == '\n' || line[n - 1] == '\r'))
		n--;
	char msg[512];
	detail_set(msg, sizeof msg, "libwebsockets: %.*s", (int)n, line);
	if (log_owner)
		relay_log_line(&log_owner->log, mono_now(), msg);
	else
		report("%s", msg);
}

/* The listening socket is ours (bound before libwebsockets starts, so a
 * refusal comes with its reason, and accept(2) is ours: the cap, the
 * refusal at the cap and the back-off on EMFILE need it). Returns the
 * non-blocking listening descriptor, or -1 with err filled. */
static int open_listener(const char *host, int port, char *err, size_t errlen)
{
	struct sockaddr_storage ss;
	memset(&ss, 0, sizeof ss);
	socklen_t len;
	struct sockaddr_in *a4 = (struct sockaddr_in *)&ss;
	struct sockaddr_in6 *a6 = (struct sockaddr_in6 *)&ss;
	if (inet_pton(AF_INET, host, &a4->sin_addr) == 1) {
		a4->sin_family = AF_INET;
		a4->sin_port = htons((uint16_t)port);
		len = sizeof *a4;
	} else if (inet_pton(AF_INET6, host, &a6->sin6_addr) == 1) {
		a6->sin6_family = AF_INET6;
		a6->sin6_port = htons((uint16_t)port);
		len = sizeof *a6;
	} else {
		snprintf(err, errlen, "%s is not an IP address", host);
		return -1;
	}
	int fd = socket(ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0), one = 1;
	if (fd < 0) {
		snprintf(err, errlen, "socket: %s", strerror(errno));
		return -1;
	}
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
	if (bind(fd, (struct sockaddr *)&ss, len) != 0 || listen(fd, 511) != 0) {
		snprintf(err, errlen, "cannot listen on %s:%d: %s", host, port, strerror(errno));
		close(fd);
		return -1;
	}
	return fd;
}

static int bound_port(int fd)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof ss;
	if (getsockname(fd, (struct sockaddr *)&ss, &len) != 0)
		return -1;
	if (ss.ss_family == AF_INET6)
		return ntohs(((struct sockaddr_in6 *)&ss)->sin6_port);
	return ntohs(((struct sockaddr_in *)&ss)->sin_port);
}

/* --max-connections against the descriptor limit: the default takes what
 * the limit leaves after RELAY_FD_RESERVE (at most the default cap); an
 * explicit number raises the soft limit when the hard one allows. */
static bool fit_connections(relay_config *c, char *err, size_t errlen)
{
	struct rlimit rl;
	if (getrlimit(RLIMIT_NOFILE, &rl) != 0) {
		snprintf(err, errlen, "getrlimit: %s", strerror(errno));
		return false;
	}
	rlim_t have = rl.rlim_cur;
	if (c->max_connections == 0) {
		rlim_t room = have > RELAY_FD_RESERVE ? have - RELAY_FD_RESERVE : 0;
		if (room < 1) {
			snprintf(err, errlen, "the descriptor limit (ulimit -n %llu) leaves no room for connections "
				 "(%d are kept for the database and the relay)", (unsigned long long)have, RELAY_FD_RESERVE);
			return false;
		}
		c->max_connections = room > RELAY_DEFAULT_MAX_CONNECTIONS ? RELAY_DEFAULT_MAX_CONNECTIONS : (unsigned)room;
		return true;
	}
	rlim_t need = (rlim_t)c->max_connections + RELAY_FD_RESERVE;
	if (need <= have)
		return true;
	if (rl.rlim_max == RLIM_INFINITY || need <= rl.rlim_max) {
		rl.rlim_cur = need;
		if (setrlimit(RLIMIT_NOFILE, &rl) == 0)
			return true;
	}
	snprintf(err, errlen, "--max-connections %u needs %llu descriptors (%d kept for the database and the "
		 "relay); the limit is %llu (ulimit -n, hard limit %llu)", c->max_connections,
		 (unsigned long long)need, RELAY_FD_RESERVE, (unsigned long long)have,
		 (unsigned long long)rl.rlim_max);
	return false;
}

relay_err relay_server_new(relay_server **out, const relay_config *c, char *err, size_t errlen)
{
	*out = NULL;
	if (!relay_host_is_loopback(c->host) && !c->allow_remote) {
		snprintf(err, errlen, "%s is not a loopback address (use --allow-remote to listen on it)", c->host);
		return RELAY_ERR_REMOTE;
	}
	relay_config cfg = *c;
	if (!fit_connections(&cfg, err, errlen))
		return RELAY_ERR_LIMIT;
	int lfd = open_listener(c->host, c->port, err, errlen);
	if (lfd < 0)
		return RELAY_ERR_LISTEN;
	relay_server *s = calloc(1, sizeof *s);
	if (!s)
		abort();
	s->cfg = cfg;
	s->listen_fd = lfd;
	s->conn_queue_max = cfg.max_output < OUTQ_MAX_BYTES ? cfg.max_output : OUTQ_MAX_BYTES;
	relay_log_init(&s->log, LOG_WINDOW_S, emit_line, NULL);
	(void)secp();            /* create the shared context before any thread uses it */
	if (relay_store_open(&s->store, c->db_path, c->sync_full, err, errlen) != DB_OK) {
		close(lfd);
		free(s);
		return RELAY_ERR_DB;
	}
	log_owner = s;
	lws_set_log_level(c->quiet ? LLL_ERR : LLL_ERR | LLL_WARN, lws_log_to_stderr);
	struct lws_context_creation_info info;
	memset(&info, 0, sizeof info);
	info.port = CONTEXT_PORT_NO_LISTEN_SERVER;   /* a server that adopts our sockets */
	info.protocols = protocols;
	info.user = s;
	info.pt_serv_buf_size = 256 * 1024;
	info.max_http_header_data = 8192;         /* request headers (a long Accept) */
	info.options = LWS_SERVER_OPTION_DISABLE_IPV6;
	s->ctx = lws_create_context(&info);
	s->vh = s->ctx ? lws_get_vhost_by_name(s->ctx, "default") : NULL;
	lws_sock_file_fd_type lf = {.filefd = lfd};
	if (s->vh)
		s->listen_wsi = lws_adopt_descriptor_vhost(s->vh, LWS_ADOPT_RAW_FILE_DESC, lf, "mostro-listen", NULL);
	if (!s->listen_wsi) {
		snprintf(err, errlen, "cannot listen on %s:%d (libwebsockets did not start)", c->host, c->port);
		if (s->ctx)
			lws_context_destroy(s->ctx);
		log_owner = NULL;
		close(lfd);
		relay_store_close(s->store);
		free(s);
		return RELAY_ERR_LISTEN;
	}
	s->wsi_base = s->n_wsi;                   /* the listener */
	s->port = bound_port(lfd);
	if (s->port <= 0)
		s->port = c->port;
	if (c->url[0])
		snprintf(s->url, sizeof s->url, "%s", c->url);
	else if (strchr(c->host, ':'))
		snprintf(s->url, sizeof s->url, "ws://[%s]:%d", c->host, s->port);
	else
		snprintf(s->url, sizeof s->url, "ws://%s:%d", c->host, s->port);
	nip11_write(&s->info, &s->cfg);
	buf_puts(&s->plain, "This is a Nostr relay (mostro-relay serve). Connect with a WebSocket client,\n"
			    "or send Accept: application/nostr+json for its NIP-11 document.\n");
	s->pool = workpool_new(c->verify_threads);
	lws_sul_schedule(s->ctx, 0, &s->sul_purge, purge_cb, (lws_usec_t)(c->purge_interval ? c->purge_interval : 60) * LWS_US_PER_SEC);
	lws_sul_schedule(s->ctx, 0, &s->sul_sweep, sweep_cb, SWEEP_MS * LWS_US_PER_MS);
	*out = s;
	return RELAY_OK;
}

int relay_server_port(const relay_server *s) { return s->port; }
const char *relay_server_url(const relay_server *s) { return s->url; }

void relay_server_stop(relay_server *s)
{
	s->stop = 1;
	if (s->ctx)
		lws_cancel_service(s->ctx);
}

static bool queues_empty(relay_server *s)
{
	for (conn *c = s->conns; c; c = c->next)
		if (c->head)
			return false;
	return true;
}

int relay_server_run(relay_server *s)
{
	int rc = 0;
	while (!s->stop) {
		if (lws_service(s->ctx, 0) < 0) {
			rc = -1;
			break;
		}
		batch_turn(s);
	}
	/* stop: nothing new is read; commit and answer what arrived */
	s->draining = true;
	batch_flush(s);
	struct timespec t0, t;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	lws_sul_schedule(s->ctx, 0, &s->sul_tick, tick_cb, 50 * LWS_US_PER_MS);
	while (rc == 0 && !queues_empty(s)) {
		clock_gettime(CLOCK_MONOTONIC, &t);
		if ((t.tv_sec - t0.tv_sec) * 1000 + (t.tv_nsec - t0.tv_nsec) / 1000000 > DRAIN_MS)
			break;
		if (lws_service(s->ctx, 0) < 0)
			break;
	}
	return rc;
}

void relay_server_stats(const relay_server *s, relay_stats *out)
{
	*out = s->st;
}

void relay_server_free(relay_server *s)
{
	if (!s)
		return;
	batch_flush(s);                        /* normally empty: run() flushed */
	if (s->ctx) {
		lws_sul_cancel(&s->sul_purge);
		lws_sul_cancel(&s->sul_tick);
		lws_sul_cancel(&s->sul_sweep);
		lws_sul_cancel(&s->sul_accept);
		lws_context_destroy(s->ctx);   /* closes every connection (CLOSED callbacks) */
	}
	relay_log_tick(&s->log, mono_now() + LOG_WINDOW_S);   /* counts still pending */
	if (log_owner == s)
		log_owner = NULL;
	free(s->collect.v);
	free(s->inflight.v);
	free(s->ready.v);
	workpool_free(s->pool);
	relay_store_close(s->store);
	buf_free(&s->info);
	buf_free(&s->plain);
	free(s);
}
