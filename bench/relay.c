/* bench/relay — `mostro-relay serve` under load, next to the load
 * generator's own ceiling and, when installed, a peer relay (bench/peer:
 * nostr-relay on node), all measured in the same run with the same client.
 *
 *   ingest        events/s acknowledged OK true (after commit), 1 and 4
 *                 connections, a fresh SQLite file each
 *   ceilings      the same generator against a null sink (answers OK true
 *                 without parsing, verifying or storing), and the pure
 *                 verify rate (id + BIP-340 signature) of the same events
 *   fan-out       latency from publish to delivery at 100 subscribers
 *                 (p50/p99, one event at a time), and a burst's deliveries/s
 *   REQ           500 stored events, time to EOSE (median of 20)
 *
 * The corpus is signed before anything is timed. The client is a small
 * raw-socket WebSocket client (masking key 0), so the generator costs little.
 * Environment: BUILD (default build), BENCH_EVENTS (default 20000),
 * BENCH_VERIFY_THREADS (the relay's --verify-threads; default its own),
 * BENCH_PEER=0 (leave the peer out), BENCH_PEER_DIR (default bench/peer).
 */
#define _GNU_SOURCE 1   /* memmem */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <openssl/sha.h>

#include "buf.h"
#include "event.h"
#include "hex.h"
#include "keys.h"

static double now_s(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static void fatal(const char *what)
{
	fprintf(stderr, "bench/relay: %s: %s\n", what, strerror(errno));
	exit(1);
}

/* ------------------------------------------------------------- corpus */

typedef struct corpus {
	nostr_event *ev;
	char       **json;      /* event JSON */
	size_t      *len;
	size_t       n;
} corpus;

static void make_corpus(corpus *c, size_t n, uint32_t kind)
{
	mu_key keys[16];
	uint8_t sk[32];
	for (int k = 0; k < 16; k++) {
		memset(sk, 0, 32);
		sk[31] = (uint8_t)(k + 1);
		sk[0] = 0x42;
		key_from_secret(&keys[k], sk);
	}
	c->n = n;
	c->ev = calloc(n, sizeof *c->ev);
	c->json = calloc(n, sizeof *c->json);
	c->len = calloc(n, sizeof *c->len);
	srand(7);
	for (size_t i = 0; i < n; i++) {
		nostr_event *e = &c->ev[i];
		event_init(e);
		e->kind = kind;
		e->created_at = 1700000000 + i;
		char content[260];
		size_t cl = 80 + (size_t)(rand() % 160);
		for (size_t j = 0; j < cl; j++)
			content[j] = (char)('a' + rand() % 26);
		event_set_content(e, content, cl);
		char tv[16];
		snprintf(tv, sizeof tv, "t%d", rand() % 50);
		const char *t[] = {"t", tv};
		event_add_tag(e, 2, t);
		char pk[65];
		hex_encode(pk, keys[(i + 1) % 16].pk, 32);
		const char *p[] = {"p", pk};
		event_add_tag(e, 2, p);
		event_sign(e, &keys[i % 16], NULL);
		buf b = BUF_INIT;
		event_write(&b, e);
		c->len[i] = b.len;
		c->json[i] = buf_steal(&b);
	}
	for (int k = 0; k < 16; k++)
		key_wipe(&keys[k]);
}

/* ------------------------------------------------------ raw websocket */

typedef struct ws {
	int    fd;
	buf    in;          /* received bytes not yet parsed */
	size_t in_pos;
	buf    out;         /* bytes not yet sent */
	size_t out_pos;
} ws;

static void set_nonblock(int fd)
{
	fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
}

static const char b64chars[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

static void b64(const uint8_t *in, size_t n, char *out)
{
	size_t o = 0;
	for (size_t i = 0; i < n; i += 3) {
		uint32_t v = (uint32_t)in[i] << 16 | (i + 1 < n ? (uint32_t)in[i + 1] << 8 : 0) | (i + 2 < n ? in[i + 2] : 0);
		out[o++] = b64chars[v >> 18 & 63];
		out[o++] = b64chars[v >> 12 & 63];
		out[o++] = i + 1 < n ? b64chars[v >> 6 & 63] : '=';
		out[o++] = i + 2 < n ? b64chars[v & 63] : '=';
	}
	out[o] = 0;
}

static int tcp_connect(int port)
{
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (fd < 0 || connect(fd, (struct sockaddr *)&a, sizeof a) < 0)
		fatal("connect");
	int one = 1;
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
	return fd;
}

static void ws_open(ws *w, int port)
{
	memset(w, 0, sizeof *w);
	w->fd = tcp_connect(port);
	char req[256];
	int n = snprintf(req, sizeof req, "GET / HTTP/1.1\r\nHost: 127.0.0.1:%d\r\nUpgrade: websocket\r\n"
			 "Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
			 "Sec-WebSocket-Version: 13\r\n\r\n", port);
	if (write(w->fd, req, (size_t)n) != n)
		fatal("handshake write");
	char resp[1024];
	size_t got = 0;
	while (got < sizeof resp - 1) {
		ssize_t r = read(w->fd, resp + got, 1);
		if (r <= 0)
			fatal("handshake read");
		got++;
		if (got >= 4 && memcmp(resp + got - 4, "\r\n\r\n", 4) == 0)
			break;
	}
	resp[got] = 0;
	if (!strstr(resp, " 101 ")) {
		fprintf(stderr, "bench/relay: no upgrade: %s\n", resp);
		exit(1);
	}
	set_nonblock(w->fd);
}

/* Appends one client text frame (masked with key 0: payload unchanged). */
static void ws_frame(buf *b, const char *p, size_t n)
{
	unsigned char h[14];
	size_t hl = 0;
	h[hl++] = 0x81;
	if (n < 126) {
		h[hl++] = (unsigned char)(0x80 | n);
	} else if (n < 65536) {
		h[hl++] = 0x80 | 126;
		h[hl++] = (unsigned char)(n >> 8);
		h[hl++] = (unsigned char)n;
	} else {
		h[hl++] = 0x80 | 127;
		for (int i = 7; i >= 0; i--)
			h[hl++] = (unsigned char)((uint64_t)n >> (8 * i));
	}
	memset(h + hl, 0, 4);
	hl += 4;
	buf_put(b, h, hl);
	buf_put(b, p, n);
}

static void ws_queue(ws *w, const char *p, size_t n)
{
	ws_frame(&w->out, p, n);
}

/* Sends what the socket takes. False on error. */
static bool ws_flush(ws *w)
{
	while (w->out_pos < w->out.len) {
		ssize_t r = send(w->fd, w->out.p + w->out_pos, w->out.len - w->out_pos, MSG_NOSIGNAL);
		if (r < 0) {
			if (errno == EAGAIN)
				return true;
			return false;
		}
		w->out_pos += (size_t)r;
	}
	buf_reset(&w->out);
	w->out_pos = 0;
	return true;
}

/* Reads what is there (non-blocking). False on EOF/error. */
static bool ws_fill(ws *w)
{
	if (w->in_pos > 0 && w->in_pos == w->in.len) {
		buf_reset(&w->in);
		w->in_pos = 0;
	}
	for (;;) {
		buf_reserve(&w->in, 65536);
		ssize_t r = recv(w->fd, w->in.p + w->in.len, w->in.cap - w->in.len - 1, 0);
		if (r > 0) {
			w->in.len += (size_t)r;
			continue;
		}
		if (r < 0 && errno == EAGAIN)
			return true;
		return false;
	}
}

/* Next complete server frame (unmasked, unfragmented text), or NULL. */
static const char *ws_next(ws *w, size_t *n)
{
	const unsigned char *p = (const unsigned char *)w->in.p + w->in_pos;
	size_t avail = w->in.len - w->in_pos;
	if (avail < 2)
		return NULL;
	size_t hl = 2, len = p[1] & 127;
	if (len == 126) {
		if (avail < 4)
			return NULL;
		len = (size_t)p[2] << 8 | p[3];
		hl = 4;
	} else if (len == 127) {
		if (avail < 10)
			return NULL;
		len = 0;
		for (int i = 0; i < 8; i++)
			len = len << 8 | p[2 + i];
		hl = 10;
	}
	if (avail < hl + len)
		return NULL;
	w->in_pos += hl + len;
	*n = len;
	return (const char *)p + hl;
}

static void ws_close(ws *w)
{
	close(w->fd);
	buf_free(&w->in);
	buf_free(&w->out);
}

static bool is_ok_true(const char *f, size_t n)
{
	return n > 75 && memcmp(f, "[\"OK\",\"", 7) == 0 && memcmp(f + 71, "\",true", 6) == 0;
}

/* --------------------------------------------------------- the relays */

typedef struct server {
	pid_t pid;
	int   port;
} server;

static const char *relay_bin(void)
{
	static char path[512];
	const char *b = getenv("BUILD");
	snprintf(path, sizeof path, "%s/bin/mostro-relay", b && *b ? b : "build");
	return path;
}

/* Runs argv (execvp) and waits for "ws://127.0.0.1:PORT" on its stderr; the
 * rest of its stderr is drained by a child so it never blocks. Port 0 when it
 * did not start. */
static server start_server(char *const argv[])
{
	int p[2];
	if (pipe(p) < 0)
		fatal("pipe");
	server s = {0};
	s.pid = fork();
	if (s.pid == 0) {
		dup2(p[1], 2);
		close(p[0]);
		close(p[1]);
		execvp(argv[0], argv);
		_exit(127);
	}
	close(p[1]);
	char line[512];
	size_t got = 0;
	while (got < sizeof line - 1) {
		ssize_t r = read(p[0], line + got, 1);
		if (r <= 0)
			break;
		if (line[got++] == '\n') {
			line[got] = 0;
			const char *u = strstr(line, "ws://127.0.0.1:");
			if (u) {
				s.port = atoi(u + 15);
				break;
			}
			got = 0;
		}
	}
	if (!s.port) {
		kill(s.pid, SIGKILL);
		waitpid(s.pid, NULL, 0);
		close(p[0]);
		return s;
	}
	if (fork() == 0) {
		char junk[4096];
		while (read(p[0], junk, sizeof junk) > 0)
			;
		_exit(0);
	}
	close(p[0]);
	return s;
}

static server start_ours(const char *db)
{
	const char *vt = getenv("BENCH_VERIFY_THREADS");
	char *argv[] = {(char *)relay_bin(), "serve", "--listen", "127.0.0.1:0", "--db", (char *)db,
			"--max-limit", "100000", vt && *vt ? "--verify-threads" : NULL, (char *)vt, NULL};
	server s = start_server(argv);
	if (!s.port) {
		fprintf(stderr, "bench/relay: %s did not start\n", relay_bin());
		exit(1);
	}
	return s;
}

/* The peer relay (bench/peer, installed by bench/peer/install): optional. */
static const char *peer_dir(void)
{
	const char *d = getenv("BENCH_PEER_DIR");
	return d && *d ? d : "bench/peer";
}

/* The installed @nostr-relay/core version, or NULL when the peer is absent. */
static const char *peer_version(void)
{
	static char v[32];
	const char *off = getenv("BENCH_PEER");
	if (off && strcmp(off, "0") == 0)
		return NULL;
	char path[600];
	snprintf(path, sizeof path, "%s/node_modules/@nostr-relay/core/package.json", peer_dir());
	FILE *f = fopen(path, "r");
	if (!f)
		return NULL;
	char text[4096];
	size_t n = fread(text, 1, sizeof text - 1, f);
	fclose(f);
	text[n] = 0;
	const char *at = strstr(text, "\"version\": \"");
	if (!at || sscanf(at + 12, "%31[^\"]", v) != 1)
		return NULL;
	return v;
}

static server start_peer(const char *db)
{
	char script[600];
	snprintf(script, sizeof script, "%s/nostr-relay.mjs", peer_dir());
	char *argv[] = {"node", script, "--db", (char *)db, NULL};
	return start_server(argv);
}

static void stop_relay(server *s)
{
	kill(s->pid, SIGTERM);
	waitpid(s->pid, NULL, 0);
}

/* A null sink: answers every text frame with ["OK",<its "id">,true,""]
 * without parsing, verifying or storing. The generator's ceiling. */
static void null_sink_serve(int lfd)
{
	ws conns[64];
	int n = 0;
	struct pollfd pf[65];
	for (;;) {
		pf[0] = (struct pollfd){.fd = lfd, .events = POLLIN};
		for (int i = 0; i < n; i++)
			pf[i + 1] = (struct pollfd){.fd = conns[i].fd,
						    .events = POLLIN | (conns[i].out.len ? POLLOUT : 0)};
		if (poll(pf, (nfds_t)n + 1, -1) < 0)
			continue;
		if (pf[0].revents & POLLIN && n < 64) {
			int fd = accept(lfd, NULL, NULL);
			char req[2048];
			size_t got = 0;
			while (got < sizeof req - 1) {
				ssize_t r = read(fd, req + got, sizeof req - 1 - got);
				if (r <= 0)
					break;
				got += (size_t)r;
				req[got] = 0;
				if (strstr(req, "\r\n\r\n"))
					break;
			}
			char *k = strstr(req, "Sec-WebSocket-Key: ");
			char key[128] = "";
			if (k)
				sscanf(k + 19, "%60s", key);
			char cat[200];
			snprintf(cat, sizeof cat, "%s258EAFA5-E914-47DA-95CA-C5AB0DC85B11", key);
			uint8_t h[20];
			SHA1((const unsigned char *)cat, strlen(cat), h);
			char acc[40];
			b64(h, 20, acc);
			char resp[256];
			int rl = snprintf(resp, sizeof resp, "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n"
					  "Connection: Upgrade\r\nSec-WebSocket-Accept: %s\r\n\r\n", acc);
			if (write(fd, resp, (size_t)rl) != rl)
				_exit(1);
			int one = 1;
			setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
			set_nonblock(fd);
			memset(&conns[n], 0, sizeof conns[n]);
			conns[n++].fd = fd;
		}
		for (int i = 0; i < n; i++) {
			ws *w = &conns[i];
			if (!(pf[i + 1].revents & (POLLIN | POLLHUP | POLLERR | POLLOUT)))
				continue;
			if (!ws_fill(w)) {
				ws_close(w);
				conns[i--] = conns[--n];
				continue;
			}
			for (;;) {
				/* client frames are masked; our generator uses key 0 */
				const unsigned char *p = (const unsigned char *)w->in.p + w->in_pos;
				size_t avail = w->in.len - w->in_pos, hl = 2, len;
				if (avail < 2)
					break;
				len = p[1] & 127;
				if (len == 126) {
					if (avail < 4)
						break;
					len = (size_t)p[2] << 8 | p[3];
					hl = 4;
				} else if (len == 127) {
					break;
				}
				hl += 4;
				if (avail < hl + len)
					break;
				const char *f = (const char *)p + hl;
				w->in_pos += hl + len;
				const char *id = memmem(f, len, "\"id\":\"", 6);
				if (!id || id + 6 + 64 > f + len)
					continue;
				char ok[100];
				int ol = snprintf(ok, sizeof ok, "[\"OK\",\"%.64s\",true,\"\"]", id + 6);
				unsigned char hd[2] = {0x81, (unsigned char)ol};
				buf_put(&w->out, hd, 2);
				buf_put(&w->out, ok, (size_t)ol);
			}
			ws_flush(w);
		}
	}
}

static server start_null_sink(void)
{
	int lfd = socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in a = {.sin_family = AF_INET};
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	socklen_t al = sizeof a;
	if (bind(lfd, (struct sockaddr *)&a, sizeof a) < 0 || listen(lfd, 64) < 0 ||
	    getsockname(lfd, (struct sockaddr *)&a, &al) < 0)
		fatal("null sink listen");
	server s = {.port = ntohs(a.sin_port)};
	s.pid = fork();
	if (s.pid == 0) {
		null_sink_serve(lfd);
		_exit(0);
	}
	close(lfd);
	return s;
}

/* ---------------------------------------------------------- measures */

/* Publishes the corpus on `nconn` connections (event i on connection
 * i % nconn), all pipelined; returns events/s acknowledged OK true. */
static double ingest(int port, const corpus *c, int nconn, size_t *oks_out)
{
	ws w[8];
	buf frames[8];
	for (int k = 0; k < nconn; k++) {
		ws_open(&w[k], port);
		frames[k] = (buf)BUF_INIT;
	}
	buf tmp = BUF_INIT;
	for (size_t i = 0; i < c->n; i++) {
		buf_reset(&tmp);
		buf_puts(&tmp, "[\"EVENT\",");
		buf_put(&tmp, c->json[i], c->len[i]);
		buf_putc(&tmp, ']');
		ws_frame(&frames[i % (size_t)nconn], tmp.p, tmp.len);
	}
	buf_free(&tmp);
	size_t oks = 0, answers = 0;
	double t0 = now_s();
	for (int k = 0; k < nconn; k++) {
		w[k].out = frames[k];          /* the whole stream, sent as the socket takes it */
		frames[k] = (buf)BUF_INIT;
	}
	while (answers < c->n) {
		struct pollfd pf[8];
		for (int k = 0; k < nconn; k++)
			pf[k] = (struct pollfd){.fd = w[k].fd, .events = POLLIN | (w[k].out.len ? POLLOUT : 0)};
		if (poll(pf, (nfds_t)nconn, 10000) <= 0) {
			fprintf(stderr, "bench/relay: ingest stalled at %zu of %zu answers\n", answers, c->n);
			break;
		}
		for (int k = 0; k < nconn; k++) {
			if (pf[k].revents & POLLOUT && !ws_flush(&w[k]))
				fatal("send");
			if (pf[k].revents & (POLLIN | POLLHUP)) {
				if (!ws_fill(&w[k]))
					fatal("connection lost");
				const char *f;
				size_t n;
				while ((f = ws_next(&w[k], &n))) {
					if (n > 5 && memcmp(f, "[\"OK\"", 5) == 0) {
						answers++;
						oks += is_ok_true(f, n);
					}
				}
			}
		}
	}
	double dt = now_s() - t0;
	for (int k = 0; k < nconn; k++)
		ws_close(&w[k]);
	*oks_out = oks;
	return (double)oks / dt;
}

static double verify_rate(const corpus *c)
{
	double t0 = now_s();
	size_t ok = 0;
	for (size_t i = 0; i < c->n; i++)
		ok += event_verify(&c->ev[i]) == EVENT_OK;
	double dt = now_s() - t0;
	if (ok != c->n)
		fprintf(stderr, "bench/relay: %zu of %zu events verify\n", ok, c->n);
	return (double)c->n / dt;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

static size_t wait_frames(ws *w, const char *prefix, size_t want, double timeout)
{
	size_t got = 0;
	double end = now_s() + timeout;
	while (got < want && now_s() < end) {
		struct pollfd pf = {.fd = w->fd, .events = POLLIN};
		poll(&pf, 1, 100);
		if (!ws_fill(w))
			break;
		const char *f;
		size_t n;
		while ((f = ws_next(w, &n)))
			got += n >= strlen(prefix) && memcmp(f, prefix, strlen(prefix)) == 0;
	}
	return got;
}

#define SUBS 100

static void fanout(int port, const corpus *c, size_t n_seq, size_t n_burst,
		   double *p50, double *p99, double *burst_rate)
{
	ws subs[SUBS], pub;
	for (int i = 0; i < SUBS; i++) {
		ws_open(&subs[i], port);
		const char *req = "[\"REQ\",\"f\",{\"kinds\":[7]}]";
		ws_queue(&subs[i], req, strlen(req));
		ws_flush(&subs[i]);
	}
	for (int i = 0; i < SUBS; i++)
		if (wait_frames(&subs[i], "[\"EOSE\"", 1, 10) != 1)
			fatal("no EOSE");
	ws_open(&pub, port);
	double *lat = malloc(n_seq * SUBS * sizeof *lat);
	size_t nl = 0;
	buf f = BUF_INIT;
	struct pollfd pf[SUBS];
	size_t *ends = malloc((n_seq + n_burst) * sizeof *ends);
	for (size_t e = 0; e < n_seq + n_burst; e++) {
		buf_reset(&f);
		buf_puts(&f, "[\"EVENT\",");
		buf_put(&f, c->json[e], c->len[e]);
		buf_putc(&f, ']');
		ws_queue(&pub, f.p, f.len);
		ends[e] = pub.out.len;
	}
	/* one at a time: latency */
	size_t off = 0;
	for (size_t e = 0; e < n_seq; e++) {
		size_t fl = ends[e] - off;
		double t0 = now_s();
		if (send(pub.fd, pub.out.p + off, fl, MSG_NOSIGNAL) != (ssize_t)fl)
			fatal("publish");
		off = ends[e];
		int left = SUBS;
		bool got[SUBS] = {0};
		while (left > 0) {
			for (int i = 0; i < SUBS; i++)
				pf[i] = (struct pollfd){.fd = subs[i].fd, .events = POLLIN};
			if (poll(pf, SUBS, 5000) <= 0)
				fatal("fan-out stalled");
			double t = now_s();
			for (int i = 0; i < SUBS; i++) {
				if (!(pf[i].revents & POLLIN))
					continue;
				ws_fill(&subs[i]);
				const char *fr;
				size_t n;
				while ((fr = ws_next(&subs[i], &n)))
					if (!got[i] && n > 9 && memcmp(fr, "[\"EVENT\"", 8) == 0) {
						got[i] = true;
						lat[nl++] = (t - t0) * 1000.0;
						left--;
					}
			}
		}
		/* drain the publisher's OK */
		wait_frames(&pub, "[\"OK\"", 1, 5);
	}
	qsort(lat, nl, sizeof *lat, cmp_double);
	*p50 = lat[nl / 2];
	*p99 = lat[(size_t)((double)nl * 0.99)];
	/* a burst: all remaining events pipelined */
	double t0 = now_s();
	memmove(pub.out.p, pub.out.p + off, pub.out.len - off);
	pub.out.len -= off;
	size_t want = n_burst * SUBS, got = 0;
	while (got < want) {
		for (int i = 0; i < SUBS; i++)
			pf[i] = (struct pollfd){.fd = subs[i].fd, .events = POLLIN};
		ws_flush(&pub);
		{
			const char *fr;
			size_t n;
			ws_fill(&pub);
			while ((fr = ws_next(&pub, &n)))
				;
		}
		if (poll(pf, SUBS, 5000) <= 0)
			fatal("burst stalled");
		for (int i = 0; i < SUBS; i++) {
			if (!(pf[i].revents & POLLIN))
				continue;
			ws_fill(&subs[i]);
			const char *fr;
			size_t n;
			while ((fr = ws_next(&subs[i], &n)))
				got += n > 9 && memcmp(fr, "[\"EVENT\"", 8) == 0;
		}
	}
	*burst_rate = (double)want / (now_s() - t0);
	free(lat);
	free(ends);
	buf_free(&f);
	for (int i = 0; i < SUBS; i++)
		ws_close(&subs[i]);
	ws_close(&pub);
}

static double req500(int port, double *per_s)
{
	ws w;
	ws_open(&w, port);
	double t[20];
	for (int r = 0; r < 20; r++) {
		char req[80];
		snprintf(req, sizeof req, "[\"REQ\",\"q%d\",{\"kinds\":[1],\"limit\":500}]", r);
		double t0 = now_s();
		ws_queue(&w, req, strlen(req));
		ws_flush(&w);
		size_t events = 0;
		bool eose = false;
		while (!eose) {
			struct pollfd pf = {.fd = w.fd, .events = POLLIN};
			if (poll(&pf, 1, 5000) <= 0)
				fatal("REQ stalled");
			ws_fill(&w);
			const char *f;
			size_t n;
			while ((f = ws_next(&w, &n))) {
				events += n > 9 && memcmp(f, "[\"EVENT\"", 8) == 0;
				eose |= n > 7 && memcmp(f, "[\"EOSE\"", 7) == 0;
			}
		}
		t[r] = (now_s() - t0) * 1000.0;
		if (events != 500)
			fprintf(stderr, "bench/relay: REQ returned %zu events\n", events);
		char close_[40];
		snprintf(close_, sizeof close_, "[\"CLOSE\",\"q%d\"]", r);
		ws_queue(&w, close_, strlen(close_));
		ws_flush(&w);
	}
	ws_close(&w);
	qsort(t, 20, sizeof *t, cmp_double);
	*per_s = 500.0 / (t[10] / 1000.0);
	return t[10];
}

/* Every figure of one relay, each on a fresh database file. */
typedef struct figures {
	double in1, in4, p50, p99, burst, req_ms, req_per_s;
	size_t oks1, oks4;
} figures;

static void measure(server (*start)(const char *db), const char *dir, const char *tag,
		    const corpus *c, const corpus *fan, figures *f)
{
	char db[300];
	snprintf(db, sizeof db, "%s/%s-one.db", dir, tag);
	server r = start(db);
	f->in1 = ingest(r.port, c, 1, &f->oks1);
	f->req_ms = req500(r.port, &f->req_per_s);
	stop_relay(&r);

	snprintf(db, sizeof db, "%s/%s-four.db", dir, tag);
	r = start(db);
	f->in4 = ingest(r.port, c, 4, &f->oks4);
	stop_relay(&r);

	snprintf(db, sizeof db, "%s/%s-fan.db", dir, tag);
	r = start(db);
	fanout(r.port, fan, 200, 1000, &f->p50, &f->p99, &f->burst);
	stop_relay(&r);
}

/* One row: ours, the peer's (when measured) and how many times better ours
 * is (a rate: ours/peer; a time: peer/ours). */
static void row(const char *what, const char *unit, const char *fmt, double ours, const double *peer, bool is_time)
{
	char a[32], b[32] = "", r[32] = "";
	snprintf(a, sizeof a, fmt, ours);
	if (peer) {
		snprintf(b, sizeof b, fmt, *peer);
		snprintf(r, sizeof r, "%.2fx", is_time ? *peer / ours : ours / *peer);
	}
	printf("%-44s %-12s %12s %12s %8s\n", what, unit, a, b, r);
}

int main(void)
{
	signal(SIGPIPE, SIG_IGN);
	const char *ne = getenv("BENCH_EVENTS");
	size_t n = ne ? (size_t)atol(ne) : 20000;
	if (n < 1000)
		n = 1000;
	long cpus = sysconf(_SC_NPROCESSORS_ONLN);
	const char *peer_v = peer_version();
	printf("bench/relay: %zu kind-1 events (~%zu bytes each), %ld CPUs; peer: %s\n", n, (size_t)330, cpus,
	       peer_v ? "nostr-relay (bench/peer)" : "absent (bench/peer/install adds it; BENCH_PEER=0 skips it)");
	printf("signing the corpus (untimed)...\n");
	fflush(stdout);
	corpus c, fan;
	make_corpus(&c, n, 1);
	make_corpus(&fan, 1200, 7);

	double verify = verify_rate(&c);

	char dir[] = "/tmp/bench-relay-XXXXXX";
	if (!mkdtemp(dir))
		fatal("mkdtemp");

	size_t oks;
	server sink = start_null_sink();
	double ceil1 = ingest(sink.port, &c, 1, &oks);
	double ceil4 = ingest(sink.port, &c, 4, &oks);
	kill(sink.pid, SIGKILL);
	waitpid(sink.pid, NULL, 0);

	figures ours, peer;
	measure(start_ours, dir, "ours", &c, &fan, &ours);
	bool have_peer = false;
	if (peer_v) {
		char db[300];
		snprintf(db, sizeof db, "%s/probe.db", dir);
		server probe = start_peer(db);
		if (probe.port) {
			stop_relay(&probe);
			printf("measuring the peer (nostr-relay %s on node)...\n", peer_v);
			fflush(stdout);
			measure(start_peer, dir, "peer", &c, &fan, &peer);
			have_peer = true;
		} else {
			fprintf(stderr, "bench/relay: the peer in %s did not start; left out\n", peer_dir());
		}
	}
	const figures *pp = have_peer ? &peer : NULL;

	char peer_col[48];
	snprintf(peer_col, sizeof peer_col, "nostr-relay %s", peer_v ? peer_v : "");
	printf("\n%-44s %-12s %12s %12s %8s\n", "", "", "mostro-relay", have_peer ? peer_col : "(no peer)",
	       have_peer ? "ours/peer" : "");
	row("ingest, 1 connection (OK after commit)", "events/s", "%.0f", ours.in1, pp ? &pp->in1 : NULL, false);
	row("ingest, 4 connections", "events/s", "%.0f", ours.in4, pp ? &pp->in4 : NULL, false);
	row("fan-out to 100 subscribers, latency p50", "ms", "%.2f", ours.p50, pp ? &pp->p50 : NULL, true);
	row("fan-out to 100 subscribers, latency p99", "ms", "%.2f", ours.p99, pp ? &pp->p99 : NULL, true);
	row("fan-out burst (1000 events x 100 subs)", "deliveries/s", "%.0f", ours.burst, pp ? &pp->burst : NULL, false);
	row("REQ of 500 stored events to EOSE (median/20)", "ms", "%.2f", ours.req_ms, pp ? &pp->req_ms : NULL, true);
	printf("\n%-44s %-12s %12.0f\n", "generator ceiling: null sink, 1 connection", "events/s", ceil1);
	printf("%-44s %-12s %12.0f\n", "generator ceiling: null sink, 4 connections", "events/s", ceil4);
	printf("%-44s %-12s %12.0f\n", "verify ceiling: id + BIP-340, 1 core", "events/s", verify);
	printf("\nOK true: ours %zu + %zu of %zu", ours.oks1, ours.oks4, n);
	if (have_peer)
		printf("; peer %zu + %zu", peer.oks1, peer.oks4);
	printf("\nratios: ingest(1 conn) / null sink = %.3f; ingest(4 conn) / null sink = %.3f\n", ours.in1 / ceil1,
	       ours.in4 / ceil4);
	printf("        ingest(1 conn) / verify on 1 core = %.2f; / verify on %ld cores = %.2f\n",
	       ours.in1 / verify, cpus, ours.in1 / (verify * (double)cpus));
	printf("        ingest(4 conn) / verify on 1 core = %.2f; / verify on %ld cores = %.2f\n",
	       ours.in4 / verify, cpus, ours.in4 / (verify * (double)cpus));
	printf("        REQ of 500: %.0f events/s\n", ours.req_per_s);
	char cmd[400];
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
	if (system(cmd) != 0)
		fprintf(stderr, "bench/relay: could not remove %s\n", dir);
	bool all_ok = ours.oks1 == n && ours.oks4 == n && (!have_peer || (peer.oks1 == n && peer.oks4 == n));
	return all_ok ? 0 : 1;
}
