/* order_harness.c — see order_harness.h. */
#include "order_harness.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <openssl/sha.h>

#include "bolt11.h"
#include "buf.h"
#include "hex.h"
#include "json.h"
#include "keys.h"
#include "nip19.h"
#include "order_run.h"
#include "t.h"

/* ------------------------------------------------------------ oh_lines */

void oh_lines_init(oh_lines *l)
{
	memset(l, 0, sizeof *l);
}

void oh_lines_clear(oh_lines *l)
{
	for (size_t i = 0; i < l->n; i++) {
		jv_free(l->v[i]);
		free(l->text[i]);
	}
	l->n = 0;
}

void oh_lines_free(oh_lines *l)
{
	oh_lines_clear(l);
	free(l->v);
	free(l->text);
	memset(l, 0, sizeof *l);
}

void oh_lines_add(oh_lines *l, const char *text, size_t len)
{
	if (l->n == l->cap) {
		l->cap = l->cap ? l->cap * 2 : 32;
		l->v = realloc(l->v, l->cap * sizeof *l->v);
		l->text = realloc(l->text, l->cap * sizeof *l->text);
		if (!l->v || !l->text)
			abort();
	}
	char *t = malloc(len + 1);
	if (!t)
		abort();
	memcpy(t, text, len);
	t[len] = 0;
	l->text[l->n] = t;
	l->v[l->n] = json_parse(t, len, JSON_EXACT_NUMBERS, NULL);
	l->n++;
}

/* ------------------------------------------------------------ the child */

static void close_from(int lo)
{
	long max = sysconf(_SC_OPEN_MAX);
	if (max < 0 || max > 65536)
		max = 65536;
	for (int fd = lo; fd < max; fd++)
		close(fd);
}

bool oh_start(oh_engine *e, const oh_opts *o)
{
	memset(e, 0, sizeof *e);
	e->in_fd = e->out_fd = -1;
	int in[2], out[2];
	if (pipe(in) != 0)
		return false;
	if (pipe(out) != 0) {
		close(in[0]);
		close(in[1]);
		return false;
	}
	fflush(stdout);
	fflush(stderr);
	pid_t pid = fork();
	if (pid < 0) {
		close(in[0]);
		close(in[1]);
		close(out[0]);
		close(out[1]);
		return false;
	}
	if (pid == 0) {
		int err = open(o->stderr_path ? o->stderr_path : "/dev/null",
			       O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
		if (dup2(in[0], 0) < 0 || dup2(out[1], 1) < 0 || (err >= 0 && dup2(err, 2) < 0))
			_exit(127);
		close_from(3);
		signal(SIGPIPE, SIG_DFL);
		if (o->crash)
			setenv("MOSTRO_ORDER_CRASH", o->crash, 1);
		else
			unsetenv("MOSTRO_ORDER_CRASH");
		order_run_opts ro = {
			.db_path = o->db_path, .cfg = o->cfg, .use_stdin = true, .ln_out_fd = -1,
			.batch = 1, .seed_hex = o->seed_hex,
		};
		/* _exit: the child holds a copy of the test's heap; nothing of the
		 * parent's may run its exit handlers twice */
		_exit(order_run(&ro));
	}
	close(in[0]);
	close(out[1]);
	e->pid = pid;
	e->in_fd = in[1];
	e->out_fd = out[0];
	fcntl(e->in_fd, F_SETFD, FD_CLOEXEC);
	fcntl(e->out_fd, F_SETFD, FD_CLOEXEC);
	signal(SIGPIPE, SIG_IGN);
	return true;
}

static int reap(oh_engine *e, int timeout_ms)
{
	if (e->pid <= 0)
		return -1;
	int status = 0;
	for (int waited = 0;; waited += 10) {
		pid_t r = waitpid(e->pid, &status, WNOHANG);
		if (r == e->pid)
			break;
		if (r < 0) {
			e->pid = 0;
			return -1;
		}
		if (waited >= timeout_ms) {
			kill(e->pid, SIGKILL);
			waitpid(e->pid, &status, 0);
			e->pid = 0;
			return -1;
		}
		struct timespec ts = {0, 10 * 1000 * 1000};
		nanosleep(&ts, NULL);
	}
	e->pid = 0;
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

static void close_fds(oh_engine *e)
{
	if (e->in_fd >= 0)
		close(e->in_fd);
	if (e->out_fd >= 0)
		close(e->out_fd);
	e->in_fd = e->out_fd = -1;
	free(e->buf);
	e->buf = NULL;
	e->len = e->cap = 0;
}

/* Reads what is there (waiting at most timeout_ms for something); false at
 * EOF or timeout. */
static bool fill(oh_engine *e, int timeout_ms)
{
	struct pollfd p = {e->out_fd, POLLIN, 0};
	int r;
	do
		r = poll(&p, 1, timeout_ms);
	while (r < 0 && errno == EINTR);
	if (r <= 0)
		return false;
	if (e->cap - e->len < 65536) {
		e->cap = e->cap ? e->cap * 2 : 131072;
		while (e->cap - e->len < 65536)
			e->cap *= 2;
		e->buf = realloc(e->buf, e->cap);
		if (!e->buf)
			abort();
	}
	ssize_t n;
	do
		n = read(e->out_fd, e->buf + e->len, e->cap - e->len);
	while (n < 0 && errno == EINTR);
	if (n <= 0) {
		e->dead = true;
		return false;
	}
	e->len += (size_t)n;
	return true;
}

/* The next complete line into *line/len (pointing into e->buf, valid until
 * the next fill); false when none is complete yet. */
static bool next_line(oh_engine *e, size_t *start, const char **line, size_t *len)
{
	if (!e->buf)
		return false;
	char *nl = memchr(e->buf + *start, '\n', e->len - *start);
	if (!nl)
		return false;
	*line = e->buf + *start;
	*len = (size_t)(nl - (e->buf + *start));
	*start += *len + 1;
	return true;
}

static void consume(oh_engine *e, size_t upto)
{
	if (!upto)
		return;
	memmove(e->buf, e->buf + upto, e->len - upto);
	e->len -= upto;
}

int oh_stop(oh_engine *e, oh_lines *rest)
{
	if (e->in_fd >= 0) {
		close(e->in_fd);
		e->in_fd = -1;
	}
	/* read to EOF (bounded) so a full pipe never blocks the child's exit */
	for (int i = 0; i < OH_TIMEOUT_MS / 100 && !e->dead; i++)
		if (!fill(e, 100) && !e->dead) {
			int st;
			if (waitpid(e->pid, &st, WNOHANG) == e->pid) {
				/* it exited; drain what is left */
				while (fill(e, 0))
					;
				size_t s = 0;
				const char *line;
				size_t len;
				while (next_line(e, &s, &line, &len))
					if (rest && len)
						oh_lines_add(rest, line, len);
				close_fds(e);
				e->pid = 0;
				return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
			}
		}
	size_t s = 0;
	const char *line;
	size_t len;
	while (next_line(e, &s, &line, &len))
		if (rest && len)
			oh_lines_add(rest, line, len);
	int rc = reap(e, OH_TIMEOUT_MS);
	close_fds(e);
	return rc;
}

void oh_kill(oh_engine *e)
{
	if (e->pid > 0) {
		kill(e->pid, SIGKILL);
		reap(e, OH_TIMEOUT_MS);
	}
	close_fds(e);
}

bool oh_write(oh_engine *e, const char *line)
{
	size_t n = strlen(line);
	char *b = malloc(n + 1);
	if (!b)
		abort();
	memcpy(b, line, n);
	b[n] = '\n';
	size_t off = 0;
	bool ok = true;
	while (off <= n) {
		ssize_t w = write(e->in_fd, b + off, n + 1 - off);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0) {
			e->dead = true;
			ok = false;
			break;
		}
		off += (size_t)w;
	}
	free(b);
	return ok;
}

bool oh_write_jv(oh_engine *e, jv rec)
{
	char *s = json_dumps(rec);
	jv_free(rec);
	bool ok = oh_write(e, s);
	free(s);
	return ok;
}

/* Reads lines into out until a ctl_result with this id; returns it. */
static jv wait_ctl(oh_engine *e, const char *id, oh_lines *out)
{
	size_t start = 0;
	for (;;) {
		const char *line;
		size_t len;
		while (next_line(e, &start, &line, &len)) {
			if (!len)
				continue;
			jv v = json_parse(line, len, JSON_EXACT_NUMBERS, NULL);
			const char *type = jv_is_valid(v) ? json_get_str(v, "type", NULL) : NULL;
			const char *rid = jv_is_valid(v) ? json_get_str(v, "id", NULL) : NULL;
			if (type && strcmp(type, "ctl_result") == 0 && rid && strcmp(rid, id) == 0) {
				consume(e, start);
				return v;
			}
			jv_free(v);
			if (out)
				oh_lines_add(out, line, len);
		}
		consume(e, start);
		start = 0;
		if (!fill(e, OH_TIMEOUT_MS))
			return jv_invalid();      /* it exited (e->dead) or timed out */
	}
}

bool oh_ctl_send(oh_engine *e, const char *cmd, jv args, char id[32])
{
	snprintf(id, 32, "oh%llu", (unsigned long long)++e->ctl_seq);
	jv rec = jv_object_set(jv_object(), jv_string("type"), jv_string("ctl"));
	rec = jv_object_set(rec, jv_string("id"), jv_string(id));
	rec = jv_object_set(rec, jv_string("cmd"), jv_string(cmd));
	if (jv_get_kind(args) == JV_KIND_OBJECT) {
		jv_object_foreach(args, k, v) rec = jv_object_set(rec, k, v);
	}
	jv_free(args);
	return oh_write_jv(e, rec);
}

jv oh_ctl_wait(oh_engine *e, const char *id, oh_lines *out)
{
	return wait_ctl(e, id, out);
}

jv oh_ctl(oh_engine *e, const char *cmd, jv args, oh_lines *out)
{
	char id[32];
	if (!oh_ctl_send(e, cmd, args, id))
		return jv_invalid();
	return wait_ctl(e, id, out);
}

bool oh_sync(oh_engine *e, oh_lines *out)
{
	/* a command the engine does not have: answered (ok false) without
	 * touching the database, where `status` would count every order */
	jv r = oh_ctl(e, "barrier", jv_null(), out);
	bool ok = jv_is_valid(r);
	jv_free(r);
	return ok;
}

/* ------------------------------------------------------------ records */

jv oh_message_record(const char *event_id, const char *sender, const char *identity, int64_t created_at,
		     jv message)
{
	bool privacy = strcmp(sender, identity) == 0;
	jv r = jv_object_set(jv_object(), jv_string("type"), jv_string("message"));
	r = jv_object_set(r, jv_string("transport"), jv_string("v2"));
	r = jv_object_set(r, jv_string("id"), jv_string(event_id));
	r = jv_object_set(r, jv_string("recipient"), jv_string("79be667ef9dcbbac55a06295ce870b07029bfcdb2dce28d959f2815b16f81798"));
	r = jv_object_set(r, jv_string("sender"), jv_string(sender));
	r = jv_object_set(r, jv_string("identity"), jv_string(identity));
	r = jv_object_set(r, jv_string("mode"), jv_string(privacy ? "full-privacy" : "reputation"));
	r = jv_object_set(r, jv_string("created_at"), json_from_i64(created_at));
	r = jv_object_set(r, jv_string("message"), message);
	char sig[129];
	memset(sig, 'a', 128);
	sig[128] = 0;
	r = jv_object_set(r, jv_string("trade_signature"), privacy ? jv_null() : jv_string(sig));
	return r;
}

jv oh_message(const char *channel, const uint64_t *rid, const int64_t *ti, const char *id, const char *action,
	      jv payload)
{
	jv k = jv_object_set(jv_object(), jv_string("version"), jv_number(2));
	k = jv_object_set(k, jv_string("request_id"), rid ? json_from_u64(*rid) : jv_null());
	k = jv_object_set(k, jv_string("trade_index"), ti ? json_from_i64(*ti) : jv_null());
	if (id)
		k = jv_object_set(k, jv_string("id"), jv_string(id));
	k = jv_object_set(k, jv_string("action"), jv_string(action));
	k = jv_object_set(k, jv_string("payload"), payload);
	return jv_object_set(jv_object(), jv_string(channel), k);
}

jv oh_ln_result_ok(const char *id, const char *op, jv result)
{
	jv r = jv_object_set(jv_object(), jv_string("type"), jv_string("ln_result"));
	r = jv_object_set(r, jv_string("id"), jv_string(id));
	r = jv_object_set(r, jv_string("op"), jv_string(op));
	r = jv_object_set(r, jv_string("ok"), jv_true());
	return jv_object_set(r, jv_string("result"), result);
}

jv oh_ln_result_err(const char *id, const char *op, const char *kind, const char *message)
{
	jv r = jv_object_set(jv_object(), jv_string("type"), jv_string("ln_result"));
	r = jv_object_set(r, jv_string("id"), jv_string(id));
	r = jv_object_set(r, jv_string("op"), jv_string(op));
	r = jv_object_set(r, jv_string("ok"), jv_false());
	jv err = jv_object_set(jv_object(), jv_string("kind"), jv_string(kind));
	err = jv_object_set(err, jv_string("message"), jv_string(message));
	return jv_object_set(r, jv_string("error"), err);
}

jv oh_ln_event(const char *id, const char *op, jv event)
{
	jv r = jv_object_set(jv_object(), jv_string("type"), jv_string("ln_event"));
	r = jv_object_set(r, jv_string("id"), jv_string(id));
	r = jv_object_set(r, jv_string("op"), jv_string(op));
	return jv_object_set(r, jv_string("event"), event);
}

/* ------------------------------------------------------------ keys */

void oh_key(const char *label, char pub_hex[65], uint8_t sk_out[32])
{
	uint8_t sk[32], pk[32];
	SHA256((const unsigned char *)label, strlen(label), sk);
	while (!key_pubkey(pk, sk))     /* (never in practice) */
		SHA256(sk, 32, sk);
	hex_encode(pub_hex, pk, 32);
	if (sk_out)
		memcpy(sk_out, sk, 32);
}

void oh_npub(const char *pub_hex, char *out, size_t cap)
{
	uint8_t pk[32];
	hex_decode(pk, 32, pub_hex, 64, false);
	buf b = {0};
	nip19_encode_bytes32(&b, NIP19_NPUB, pk);
	snprintf(out, cap, "%.*s", (int)b.len, b.p);
	buf_free(&b);
}

char *oh_invoice(const char *label, int64_t amount_sat, int64_t timestamp, int64_t expiry, char hash_hex[65])
{
	uint8_t h[32], sk[32];
	SHA256((const unsigned char *)label, strlen(label), h);
	hex_encode(hash_hex, h, 32);
	/* one payee for every invoice: the encoder derives its key once */
	SHA256((const unsigned char *)"oh-invoice-payee", 16, sk);
	jv f = jv_object_set(jv_object(), jv_string("network"), jv_string("regtest"));
	f = jv_object_set(f, jv_string("payment_hash"), jv_string(hash_hex));
	f = jv_object_set(f, jv_string("payment_secret"), jv_string(hash_hex));
	f = jv_object_set(f, jv_string("description"), jv_string("payout"));
	if (amount_sat > 0)
		f = jv_object_set(f, jv_string("amount_msat"), json_from_i64(amount_sat * 1000));
	f = jv_object_set(f, jv_string("timestamp"), json_from_i64(timestamp));
	f = jv_object_set(f, jv_string("expiry"), json_from_i64(expiry));
	f = jv_object_set(f, jv_string("min_final_cltv_expiry"), jv_number(40));
	jv feats = jv_array_append(jv_array_append(jv_array_append(jv_array(), jv_number(9)), jv_number(14)),
				   jv_number(17));
	f = jv_object_set(f, jv_string("features"), feats);
	bolt11_invoice inv;
	char detail[128];
	bolt11_err err = bolt11_from_jv(&inv, f, (uint64_t)timestamp, detail, sizeof detail);
	jv_free(f);
	char *out = NULL;
	if (err == BOLT11_OK) {
		buf b = {0};
		if (bolt11_encode(&b, &inv, sk) == BOLT11_OK) {
			out = malloc(b.len + 1);
			memcpy(out, b.p, b.len);
			out[b.len] = 0;
		}
		buf_free(&b);
	}
	bolt11_free(&inv);
	if (!out) {
		t_diag("oh_invoice %s: %s", label, detail);
		abort();
	}
	return out;
}

bool oh_hash_of_preimage(const char *preimage_hex, char hash_hex[65])
{
	uint8_t p[32], h[32];
	if (!preimage_hex || strlen(preimage_hex) != 64 || !hex_decode(p, 32, preimage_hex, 64, false))
		return false;
	SHA256(p, 32, h);
	hex_encode(hash_hex, h, 32);
	return true;
}

/* ------------------------------------------------------------ outputs */

oh_kind oh_classify(jv line)
{
	if (!jv_is_valid(line) || jv_get_kind(line) != JV_KIND_OBJECT)
		return OH_OTHER;
	if (json_has(line, "to") && json_has(line, "message"))
		return OH_DM;
	if (json_has(line, "kind") && json_has(line, "tags"))
		return OH_EVENT;
	const char *type = json_get_str(line, "type", NULL);
	if (type && strcmp(type, "ctl_result") == 0)
		return OH_CTL;
	if (json_has(line, "op") && json_has(line, "id"))
		return OH_LN;
	return OH_OTHER;
}

bool oh_dm_parse(jv line, oh_dm *d)
{
	memset(d, 0, sizeof *d);
	d->kind = jv_invalid();
	d->payload = jv_invalid();
	d->to = json_get_str(line, "to", NULL);
	jv m = json_get(line, "message");
	if (!d->to || jv_get_kind(m) != JV_KIND_OBJECT || jv_object_length(jv_copy(m)) != 1) {
		jv_free(m);
		return false;
	}
	jv_object_foreach(m, k, v) {
		snprintf(d->channel, sizeof d->channel, "%s", jv_string_value(k));
		jv_free(d->kind);
		d->kind = v;
		jv_free(k);
	}
	jv_free(m);
	if (jv_get_kind(d->kind) != JV_KIND_OBJECT)
		return false;
	d->action = json_get_str(d->kind, "action", NULL);
	jv rid = json_get(d->kind, "request_id");
	d->has_rid = json_get_u64(rid, &d->rid);
	jv_free(rid);
	d->payload = json_get(d->kind, "payload");
	return d->action != NULL;
}

void oh_dm_free(oh_dm *d)
{
	jv_free(d->kind);
	jv_free(d->payload);
	d->kind = d->payload = jv_invalid();
}

const char *oh_str(jv v, const char *key, const char *def)
{
	const char *s = jv_get_kind(v) == JV_KIND_OBJECT ? json_get_str(v, key, NULL) : NULL;
	return s ? s : def;
}

const char *oh_tag(jv ev, const char *name)
{
	jv tags = json_get(ev, "tags");
	const char *val = NULL;
	if (jv_get_kind(tags) == JV_KIND_ARRAY) {
		int n = jv_array_length(jv_copy(tags));
		for (int i = 0; i < n && !val; i++) {
			jv t = jv_array_get(jv_copy(tags), i);
			if (jv_get_kind(t) == JV_KIND_ARRAY && jv_array_length(jv_copy(t)) >= 2) {
				jv k = jv_array_get(jv_copy(t), 0);
				if (jv_get_kind(k) == JV_KIND_STRING && strcmp(jv_string_value(k), name) == 0) {
					jv v = jv_array_get(jv_copy(t), 1);
					/* v's string lives in the line's tags array */
					if (jv_get_kind(v) == JV_KIND_STRING)
						val = jv_string_value(v);
					jv_free(v);
				}
				jv_free(k);
			}
			jv_free(t);
		}
	}
	jv_free(tags);
	return val;
}
