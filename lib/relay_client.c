#include "relay_client.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <openssl/ssl.h>
#include <libwebsockets.h>

#include "buf.h"

typedef enum conn_state {
	CONN_IDLE,        /* not started, or waiting for retry_at */
	CONN_CONNECTING,
	CONN_UP,
	CONN_CLOSED,      /* closed for good */
} conn_state;

typedef struct frame {
	struct frame *next;
	size_t len;
	unsigned char data[];   /* LWS_PRE bytes of headroom, then the text */
} frame;

struct relay_conn {
	relay_pool *pool;
	size_t      index;
	char       *url;
	relay_url   parts;
	struct lws *wsi;
	conn_state  state;
	bool        ever_up;
	bool        final_close;     /* no reconnection after this close */
	bool        closing;         /* we asked lws to close it */
	relay_down  close_why;       /* what to report for a close we asked for */
	const char *close_reason;
	double      deadline;        /* connect attempt deadline */
	double      retry_at;        /* CONN_IDLE: when to connect */
	double      backoff;         /* next delay */
	double      last_rx;         /* CONN_UP: when the relay last sent anything */
	bool        ping_due;        /* a PING waits for the writeable callback */
	bool        ping_sent;       /* since the last data from the relay */
	frame      *out_head, *out_tail;
	buf         rx;              /* message being assembled */
	bool        rx_skip;         /* discarding an oversize/binary message */
};

struct relay_pool {
	struct lws_context *ctx;
	struct lws_vhost   *vh;
	relay_conn         *conns;
	size_t              n;
	relay_pool_config   cfg;
	relay_pool_ops      ops;
	void               *ud;
	struct lws         *input_wsi;
	bool                input_paused;
	bool                input_failed;    /* adoption failed: EOF at the first tick */
	bool                input_ended;     /* EOF was delivered */
	bool                stop;
	bool                freeing;
	bool                started;
	lws_sorted_usec_list_t tick;
};

static volatile sig_atomic_t got_signal;

static void on_signal(int sig)
{
	got_signal = sig;
}

double mu_monotonic(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static double jitter(double d)
{
	return d * (0.8 + 0.4 * ((double)rand() / RAND_MAX));
}

static void free_frames(relay_conn *c)
{
	while (c->out_head) {
		frame *f = c->out_head;
		c->out_head = f->next;
		free(f);
	}
	c->out_tail = NULL;
}

/* The connection went down (attempt failed or connection lost): report once,
 * then schedule a retry or stay closed. */
static void conn_down(relay_conn *c, relay_down why, const char *reason)
{
	relay_pool *p = c->pool;
	if (c->state != CONN_CONNECTING && c->state != CONN_UP)
		return;
	bool was_up = c->state == CONN_UP;
	if (c->closing && c->close_reason) {
		why = c->close_why;
		reason = c->close_reason;
	} else if (was_up) {
		why = RELAY_DOWN_LOST;
	}
	c->wsi = NULL;
	c->closing = false;
	c->close_reason = NULL;
	free_frames(c);
	buf_reset(&c->rx);
	c->rx_skip = false;
	if (c->final_close || !p->cfg.reconnect || p->stop) {
		c->state = CONN_CLOSED;
	} else {
		c->state = CONN_IDLE;
		c->retry_at = mu_monotonic() + jitter(c->backoff);
		c->backoff = c->backoff * 2 > p->cfg.backoff_max ? p->cfg.backoff_max : c->backoff * 2;
	}
	if (!p->freeing && p->ops.disconnected)
		p->ops.disconnected(p, c, why, reason ? reason : "connection closed");
}

static void conn_start(relay_conn *c)
{
	relay_pool *p = c->pool;
	struct lws_client_connect_info ci;
	memset(&ci, 0, sizeof ci);
	ci.context = p->ctx;
	ci.vhost = p->vh;
	ci.address = c->parts.host;
	ci.port = c->parts.port;
	ci.path = c->parts.path;
	ci.host = c->parts.hostport;
	ci.origin = c->parts.hostport;
	ci.ssl_connection = c->parts.tls ? LCCSCF_USE_SSL : 0;
	ci.local_protocol_name = "mostro-relay";
	ci.opaque_user_data = c;
	ci.pwsi = &c->wsi;
	c->state = CONN_CONNECTING;
	c->closing = false;
	c->close_reason = NULL;
	c->deadline = mu_monotonic() + p->cfg.connect_timeout;
	struct lws *w = lws_client_connect_via_info(&ci);
	if (!w && c->state == CONN_CONNECTING)
		conn_down(c, RELAY_DOWN_FAILED, "cannot start the connection");
}

static void conn_kill(relay_conn *c, relay_down why, const char *reason)
{
	if (!c->wsi) {
		conn_down(c, why, reason);
		return;
	}
	if (c->closing)
		return;
	c->closing = true;
	c->close_why = why;
	c->close_reason = reason;
	lws_set_timeout(c->wsi, PENDING_TIMEOUT_USER_OK, LWS_TO_KILL_ASYNC);
}

/* A connection that stays silent for ping_interval gets a PING; one that
 * stays silent for another ping_interval (no PONG, no frame) is dropped and
 * reconnected: a hung relay or a half-open TCP connection would otherwise
 * hold a subscription forever with nothing arriving. */
static void keepalive(relay_conn *c, double now)
{
	double silent = now - c->last_rx, every = c->pool->cfg.ping_interval;
	if (silent >= 2 * every) {
		conn_kill(c, RELAY_DOWN_LOST, "no answer to a ping");
	} else if (silent >= every && !c->ping_sent) {
		c->ping_sent = true;
		c->ping_due = true;
		lws_callback_on_writable(c->wsi);
	}
}

static void heard_from(relay_conn *c)
{
	c->last_rx = mu_monotonic();
	c->ping_sent = false;
}

static void tick_cb(lws_sorted_usec_list_t *sul)
{
	relay_pool *p = lws_container_of(sul, relay_pool, tick);
	double now = mu_monotonic();
	if (p->input_failed) {
		p->input_failed = false;
		if (p->ops.input)
			p->ops.input(p, NULL, 0);
	}
	for (size_t i = 0; i < p->n && !p->stop; i++) {
		relay_conn *c = &p->conns[i];
		if (c->state == CONN_IDLE && now >= c->retry_at)
			conn_start(c);
		else if (c->state == CONN_CONNECTING && now >= c->deadline)
			conn_kill(c, RELAY_DOWN_TIMEOUT, "timed out connecting");
		else if (c->state == CONN_UP && !c->closing)
			keepalive(c, now);
	}
	if (!p->stop && p->ops.tick)
		p->ops.tick(p);
	if (!p->stop && !got_signal)
		lws_sul_schedule(p->ctx, 0, &p->tick, tick_cb, RELAY_POOL_TICK_MS * LWS_US_PER_MS);
}

static void deliver(relay_conn *c, const char *in, size_t len, struct lws *wsi)
{
	relay_pool *p = c->pool;
	bool first = lws_is_first_fragment(wsi), last = lws_is_final_fragment(wsi) &&
		lws_remaining_packet_payload(wsi) == 0;
	if (first) {
		buf_reset(&c->rx);
		c->rx_skip = lws_frame_is_binary(wsi);
		if (c->rx_skip && p->ops.bad_message)
			p->ops.bad_message(p, c, "binary message");
	}
	if (!c->rx_skip) {
		if (c->rx.len + len > RELAY_MESSAGE_MAX) {
			c->rx_skip = true;
			buf_reset(&c->rx);
			if (p->ops.bad_message)
				p->ops.bad_message(p, c, "message larger than 4 MiB");
		} else {
			buf_put(&c->rx, in, len);
		}
	}
	if (last) {
		if (!c->rx_skip && p->ops.message)
			p->ops.message(p, c, c->rx.p ? c->rx.p : "", c->rx.len);
		buf_reset(&c->rx);
		c->rx_skip = false;
	}
}

static int on_input(relay_pool *p, struct lws *wsi)
{
	char chunk[65536];
	int fd = lws_get_socket_fd(wsi);
	ssize_t r;
	do
		r = read(fd, chunk, sizeof chunk);
	while (r < 0 && errno == EINTR);
	if (r < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
		return 0;
	if (r <= 0) {
		p->input_ended = true;
		if (p->ops.input)
			p->ops.input(p, NULL, 0);
		return -1;
	}
	if (p->ops.input)
		p->ops.input(p, chunk, (size_t)r);
	return 0;
}

static int on_writable(relay_conn *c, struct lws *wsi)
{
	if (c->ping_due) {
		unsigned char ping[LWS_PRE + 1];
		c->ping_due = false;
		if (lws_write(wsi, ping + LWS_PRE, 0, LWS_WRITE_PING) < 0) {
			conn_kill(c, RELAY_DOWN_LOST, "write failed");
			return -1;
		}
		if (c->out_head)
			lws_callback_on_writable(wsi);
		return 0;
	}
	frame *f = c->out_head;
	if (!f)
		return 0;
	int w = lws_write(wsi, f->data + LWS_PRE, f->len, LWS_WRITE_TEXT);
	if (w < (int)f->len) {
		conn_kill(c, RELAY_DOWN_LOST, "write failed");
		return -1;
	}
	c->out_head = f->next;
	if (!c->out_head)
		c->out_tail = NULL;
	free(f);
	if (c->out_head)
		lws_callback_on_writable(wsi);
	return 0;
}

static int callback(struct lws *wsi, enum lws_callback_reasons reason, void *user, void *in, size_t len)
{
	struct lws_context *ctx = lws_get_context(wsi);
	relay_pool *p = ctx ? lws_context_user(ctx) : NULL;
	relay_conn *c = wsi ? lws_get_opaque_user_data(wsi) : NULL;
	if (c && c->wsi != wsi && reason != LWS_CALLBACK_WSI_DESTROY)
		c = c->state == CONN_CONNECTING && !c->wsi ? c : NULL;

	switch (reason) {
	case LWS_CALLBACK_OPENSSL_LOAD_EXTRA_CLIENT_VERIFY_CERTS:
		SSL_CTX_set_default_verify_paths((SSL_CTX *)user);
		return 0;
	case LWS_CALLBACK_CLIENT_ESTABLISHED:
		if (!c || !p)
			return -1;
		c->wsi = wsi;
		c->state = CONN_UP;
		c->ever_up = true;
		c->ping_due = false;
		heard_from(c);
		c->backoff = p->cfg.backoff_min;
		if (p->ops.connected)
			p->ops.connected(p, c);
		return c->closing ? -1 : 0;
	case LWS_CALLBACK_CLIENT_RECEIVE:
		if (c && c->state == CONN_UP && !c->closing) {
			heard_from(c);
			deliver(c, in, len, wsi);
		}
		return c && c->closing ? -1 : 0;
	case LWS_CALLBACK_CLIENT_RECEIVE_PONG:
		if (c && c->state == CONN_UP)
			heard_from(c);
		return 0;
	case LWS_CALLBACK_CLIENT_WRITEABLE:
		if (!c || c->closing)
			return -1;
		return on_writable(c, wsi);
	case LWS_CALLBACK_CLIENT_CONNECTION_ERROR:
		if (c) {
			char why[300];
			const char *lws_why = in && len ? (const char *)in : "connection failed";
			if (strstr(lws_why, "SSL"))
				snprintf(why, sizeof why, "TLS handshake failed (certificate not trusted, or "
					 "not for this host name): %s", lws_why);
			else
				snprintf(why, sizeof why, "%s", lws_why);
			conn_down(c, RELAY_DOWN_FAILED, why);
		}
		return 0;
	case LWS_CALLBACK_CLIENT_CLOSED:
		if (c)
			conn_down(c, RELAY_DOWN_LOST, "connection closed");
		return 0;
	case LWS_CALLBACK_WSI_DESTROY:
		if (c && c->wsi == wsi)
			conn_down(c, c->state == CONN_UP ? RELAY_DOWN_LOST : RELAY_DOWN_FAILED, "connection closed");
		return 0;
	case LWS_CALLBACK_RAW_RX_FILE:
		if (p && p->input_paused)
			return -1;   /* closes the duplicate; see adopt_input() */
		return p ? on_input(p, wsi) : -1;
	case LWS_CALLBACK_RAW_CLOSE_FILE:
		/* a pipe whose writer left may come as POLLHUP alone, without a
		 * readable event: that is EOF too */
		if (p && p->input_wsi == wsi) {
			p->input_wsi = NULL;
			if (!p->input_ended && !p->freeing && !p->input_paused) {
				p->input_ended = true;
				if (p->ops.input)
					p->ops.input(p, NULL, 0);
			}
		}
		return 0;
	default:
		return 0;
	}
}

/* The loop watches a duplicate of the input descriptor: pausing closes the
 * duplicate (unread bytes stay in the pipe or file), resuming adopts a new
 * one. (lws_rx_flow_control on a raw file lost input in lws 4.1.) */
static bool adopt_input(relay_pool *p)
{
	int dup_fd = fcntl(p->cfg.input_fd, F_DUPFD_CLOEXEC, 3);
	if (dup_fd < 0)
		return false;
	lws_sock_file_fd_type fd;
	fd.filefd = dup_fd;
	p->input_wsi = lws_adopt_descriptor_vhost(p->vh, LWS_ADOPT_RAW_FILE_DESC, fd, "mostro-relay", NULL);
	return p->input_wsi != NULL;   /* on failure lws closed dup_fd */
}

static const struct lws_protocols protocols[] = {
	{"mostro-relay", callback, 0, 65536, 0, NULL, 0},
	{NULL, NULL, 0, 0, 0, NULL, 0},
};

static void lws_log_quiet(int level, const char *line)
{
	(void)level;
	fprintf(stderr, "libwebsockets: %s", line);
}

relay_pool *relay_pool_new(const relay_list *urls, const relay_pool_config *cfg,
			   const relay_pool_ops *ops, void *userdata)
{
	const char *dbg = getenv("MOSTRO_RELAY_DEBUG");
	lws_set_log_level(dbg && *dbg ? LLL_ERR | LLL_WARN | LLL_NOTICE | LLL_INFO : 0, lws_log_quiet);

	relay_pool *p = mu_xmalloc(sizeof *p);
	memset(p, 0, sizeof *p);
	p->cfg = *cfg;
	if (p->cfg.connect_timeout <= 0)
		p->cfg.connect_timeout = 10;
	if (p->cfg.ping_interval <= 0)
		p->cfg.ping_interval = 30;
	if (p->cfg.backoff_min <= 0)
		p->cfg.backoff_min = 0.25;
	if (p->cfg.backoff_max <= 0)
		p->cfg.backoff_max = 30;
	if (p->cfg.backoff_max < p->cfg.backoff_min)
		p->cfg.backoff_max = p->cfg.backoff_min;
	p->ops = *ops;
	p->ud = userdata;
	p->n = urls->n;
	p->conns = mu_xmalloc((p->n ? p->n : 1) * sizeof *p->conns);
	memset(p->conns, 0, (p->n ? p->n : 1) * sizeof *p->conns);
	for (size_t i = 0; i < p->n; i++) {
		relay_conn *c = &p->conns[i];
		c->pool = p;
		c->index = i;
		c->url = mu_xstrdup(urls->urls[i]);
		relay_url_parse(c->url, &c->parts);
		c->backoff = p->cfg.backoff_min;
		c->state = CONN_IDLE;
	}
	srand((unsigned)(getpid() ^ (unsigned)time(NULL)));

	struct lws_context_creation_info info;
	memset(&info, 0, sizeof info);
	info.port = CONTEXT_PORT_NO_LISTEN;
	info.protocols = protocols;
	info.options = LWS_SERVER_OPTION_DO_SSL_GLOBAL_INIT | LWS_SERVER_OPTION_EXPLICIT_VHOSTS;
	info.user = p;
	info.gid = -1;
	info.uid = -1;
	info.vhost_name = "mostro-relay-client";
	p->ctx = lws_create_context(&info);
	if (p->ctx)
		p->vh = lws_create_vhost(p->ctx, &info);
	if (!p->ctx || !p->vh) {
		fprintf(stderr, "%s: cannot create the libwebsockets context\n", "mostro-relay");
		relay_pool_free(p);
		return NULL;
	}
	if (cfg->input_fd >= 0 && !adopt_input(p))
		p->input_failed = true;
	return p;
}

void relay_pool_free(relay_pool *p)
{
	if (!p)
		return;
	p->freeing = true;
	p->stop = true;
	if (p->ctx) {
		lws_sul_cancel(&p->tick);
		lws_context_destroy(p->ctx);
	}
	for (size_t i = 0; i < p->n; i++) {
		free_frames(&p->conns[i]);
		buf_free(&p->conns[i].rx);
		free(p->conns[i].url);
	}
	free(p->conns);
	free(p);
}

int relay_pool_run(relay_pool *p)
{
	/* cleared before the handler is in place: a signal from then on counts */
	got_signal = 0;
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);

	if (!p->started) {
		double now = mu_monotonic();
		for (size_t i = 0; i < p->n; i++)
			if (p->conns[i].state == CONN_IDLE)
				p->conns[i].retry_at = now;
		p->started = true;
	}
	lws_sul_schedule(p->ctx, 0, &p->tick, tick_cb, 1);
	while (!p->stop && !got_signal)
		if (lws_service(p->ctx, 0) < 0)
			break;
	lws_sul_cancel(&p->tick);
	return got_signal;
}

void relay_pool_stop(relay_pool *p)
{
	p->stop = true;
	lws_cancel_service(p->ctx);
}

void *relay_pool_userdata(const relay_pool *p) { return p->ud; }
size_t relay_pool_size(const relay_pool *p) { return p->n; }
relay_conn *relay_pool_conn(relay_pool *p, size_t i) { return i < p->n ? &p->conns[i] : NULL; }

void relay_pool_pause_input(relay_pool *p, bool pause)
{
	if (p->cfg.input_fd < 0 || p->input_ended || pause == p->input_paused)
		return;
	p->input_paused = pause;
	if (!pause && !p->input_wsi && !adopt_input(p)) {
		p->input_ended = true;
		if (p->ops.input)
			p->ops.input(p, NULL, 0);
	}
}

void relay_pool_no_reconnect(relay_pool *p)
{
	p->cfg.reconnect = false;
	for (size_t i = 0; i < p->n; i++)
		if (p->conns[i].state == CONN_IDLE)
			p->conns[i].state = CONN_CLOSED;
}

const char *relay_conn_url(const relay_conn *c) { return c->url; }
size_t relay_conn_index(const relay_conn *c) { return c->index; }
bool relay_conn_is_up(const relay_conn *c) { return c->state == CONN_UP && !c->closing; }
bool relay_conn_was_up(const relay_conn *c) { return c->ever_up; }

bool relay_conn_send(relay_conn *c, const char *text, size_t n)
{
	if (!relay_conn_is_up(c) || !c->wsi)
		return false;
	frame *f = mu_xmalloc(sizeof *f + LWS_PRE + n);
	f->next = NULL;
	f->len = n;
	memcpy(f->data + LWS_PRE, text, n);
	if (c->out_tail)
		c->out_tail->next = f;
	else
		c->out_head = f;
	c->out_tail = f;
	lws_callback_on_writable(c->wsi);
	return true;
}

void relay_conn_close(relay_conn *c, bool final)
{
	if (final)
		c->final_close = true;
	if (c->state == CONN_IDLE) {
		if (final)
			c->state = CONN_CLOSED;
		return;
	}
	conn_kill(c, RELAY_DOWN_LOST, "closed by us");
}
