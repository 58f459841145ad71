#include "relay_pub.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "buf.h"
#include "event.h"
#include "exitcode.h"
#include "hex.h"
#include "json.h"
#include "lineio.h"
#include "relay_auth_client.h"
#include "relay_client.h"
#include "relaymsg.h"

#define PUB_INPUT_HIGH 1024   /* unfinished events before input is paused */
#define PUB_SOLO_LOSSES 2     /* connections lost with the event alone in flight */
#define PUB_REF_MAX 256       /* bytes of an input line's ref */

typedef enum pair_state { PAIR_QUEUED, PAIR_SENT, PAIR_DONE } pair_state;

typedef enum fail_class { FAIL_NONE, FAIL_REFUSED, FAIL_TIMEOUT, FAIL_UNREACHABLE } fail_class;

typedef struct pair {
	pair_state state;
	bool       need_auth;     /* refused auth-required: resend once authenticated */
	bool       auth_retried;
	unsigned   solo_losses;   /* connections lost while it was alone in flight */
	double     deadline;
} pair;

typedef struct pub_event {
	uint8_t   id[32];
	char      idhex[65];
	char     *ref;            /* the input line's ref ({"ref":R,"event":ev}), or NULL */
	char     *last_error;     /* the message of the last pair that failed */
	char     *frame;          /* ["EVENT",ev]; freed once every pair is done */
	size_t    frame_len;
	pair     *pairs;          /* one per relay */
	size_t    pending;        /* pairs not done */
	unsigned  accepted;
	fail_class worst;
} pub_event;

typedef enum cauth_state { CAUTH_NONE, CAUTH_PENDING, CAUTH_OK, CAUTH_FAILED } cauth_state;

typedef struct pub_relay {
	size_t     inflight;
	bool       cautious;      /* a connection was lost with events in flight: one at a
	                           * time until an OK comes back */
	cauth_state auth;
	uint8_t    auth_id[32];
	bool       down;          /* the last connection attempt failed */
	bool       down_timeout;  /* ... by timing out */
	char       down_reason[256];
} pub_relay;

typedef struct pub {
	const relay_pub_config *cfg;
	relay_pool  *pool;
	pub_relay   *relays;
	size_t       nrelays;
	pub_event  **events;      /* live events, oldest first */
	size_t       nevents, cap;
	line_reader  in;
	bool         input_done;
	bool         input_paused;
	relay_pub_summary *sum;
	bool         stdout_gone;
} pub;

static void emit_ok(pub *P, pub_event *e, size_t r, bool accepted, const char *message)
{
	jv v = jv_object();
	v = jv_object_set(v, jv_string("type"), jv_string("ok"));
	if (e->ref)
		v = jv_object_set(v, jv_string("ref"), jv_string(e->ref));
	v = jv_object_set(v, jv_string("id"), jv_string(e->idhex));
	v = jv_object_set(v, jv_string("relay"), jv_string(relay_conn_url(relay_pool_conn(P->pool, r))));
	v = jv_object_set(v, jv_string("accepted"), jv_bool(accepted));
	v = jv_object_set(v, jv_string("message"), jv_string(message ? message : ""));
	if (!out_record(v))
		P->stdout_gone = true;
}

/* The event's outcome, once known, for an input line that carried a ref:
 * accepted as soon as cfg.min_ok relays took it, refused once every pair
 * ended short of that. */
static void emit_published(pub *P, pub_event *e, bool accepted)
{
	jv v = jv_object();
	v = jv_object_set(v, jv_string("type"), jv_string("published"));
	v = jv_object_set(v, jv_string("ref"), jv_string(e->ref));
	v = jv_object_set(v, jv_string("id"), jv_string(e->idhex));
	v = jv_object_set(v, jv_string("accepted"), jv_bool(accepted));
	v = jv_object_set(v, jv_string("accepted_by"), jv_number(e->accepted));
	v = jv_object_set(v, jv_string("relays"), jv_number((double)P->nrelays));
	v = jv_object_set(v, jv_string("message"),
			  jv_string(!accepted && e->last_error ? e->last_error : ""));
	if (!out_record(v))
		P->stdout_gone = true;
}

static void event_free_one(pub_event *e)
{
	free(e->frame);
	free(e->pairs);
	free(e->ref);
	free(e->last_error);
	free(e);
}

static void worsen(pub_event *e, fail_class c)
{
	/* refused > timeout > unreachable */
	static const int rank[] = {0, 3, 2, 1};
	if (rank[c] > rank[e->worst])
		e->worst = c;
}

static void event_finished(pub *P, pub_event *e)
{
	free(e->frame);
	e->frame = NULL;
	if (e->accepted >= P->cfg->min_ok) {
		P->sum->accepted++;
		return;
	}
	if (e->ref)
		emit_published(P, e, false);
	switch (e->worst) {
	case FAIL_REFUSED: P->sum->refused++; break;
	case FAIL_TIMEOUT: P->sum->timed_out++; break;
	default: P->sum->unreachable++; break;
	}
}

static void pair_done(pub *P, pub_event *e, size_t r, bool accepted, const char *message, fail_class c)
{
	pair *pr = &e->pairs[r];
	if (pr->state == PAIR_SENT && P->relays[r].inflight)
		P->relays[r].inflight--;
	pr->state = PAIR_DONE;
	if (accepted) {
		e->accepted++;
	} else {
		worsen(e, c);
		free(e->last_error);
		e->last_error = mu_xstrdup(message ? message : "");
	}
	emit_ok(P, e, r, accepted, message);
	if (accepted && e->ref && e->accepted == P->cfg->min_ok)
		emit_published(P, e, true);
	if (--e->pending == 0)
		event_finished(P, e);
}

/* Frees finished events at the front of the queue. */
static void drop_finished(pub *P)
{
	size_t k = 0;
	while (k < P->nevents && P->events[k]->pending == 0)
		event_free_one(P->events[k++]);
	if (k) {
		memmove(P->events, P->events + k, (P->nevents - k) * sizeof *P->events);
		P->nevents -= k;
	}
}

static void pump(pub *P, size_t r)
{
	relay_conn *c = relay_pool_conn(P->pool, r);
	if (!relay_conn_is_up(c))
		return;
	pub_relay *R = &P->relays[r];
	double now = mu_monotonic();
	size_t window = R->cautious ? 1 : P->cfg->window;
	for (size_t i = 0; i < P->nevents && R->inflight < window; i++) {
		pub_event *e = P->events[i];
		pair *pr = &e->pairs[r];
		if (pr->state != PAIR_QUEUED || (pr->need_auth && R->auth != CAUTH_OK))
			continue;
		if (!relay_conn_send(c, e->frame, e->frame_len))
			return;
		pr->state = PAIR_SENT;
		pr->need_auth = false;
		pr->deadline = now + P->cfg->ok_timeout;
		R->inflight++;
	}
}

static void pump_all(pub *P)
{
	for (size_t r = 0; r < P->nrelays; r++)
		pump(P, r);
}

static void maybe_finish(pub *P)
{
	drop_finished(P);
	if (P->stdout_gone || (P->input_done && P->nevents == 0))
		relay_pool_stop(P->pool);
	bool high = P->nevents >= PUB_INPUT_HIGH;
	if (!P->input_done && high != P->input_paused) {
		P->input_paused = high;
		relay_pool_pause_input(P->pool, high);
	}
}

/* ---- input ---- */

/* {"ref":R,"event":ev}: the event, and the ref (malloc'd) in *ref; only
 * those two fields, R a string of at most PUB_REF_MAX bytes. Consumes v. */
static jv unwrap_ref(jv v, char **ref, char *why, size_t wlen)
{
	bool ok = true;
	jv_object_foreach(v, k, val) {
		const char *name = jv_string_value(k);
		if (ok && strcmp(name, "ref") != 0 && strcmp(name, "event") != 0) {
			snprintf(why, wlen, "a {\"ref\",\"event\"} line has no field \"%.40s\"", name);
			ok = false;
		}
		jv_free(k);
		jv_free(val);
	}
	jv r = ok ? json_get(v, "ref") : jv_invalid();
	if (ok && jv_is_valid(r)) {
		size_t n;
		const char *s = json_str(r, &n);
		if (!s || n > PUB_REF_MAX || memchr(s, 0, n)) {
			snprintf(why, wlen, "ref: expected a string of at most %d bytes", PUB_REF_MAX);
			ok = false;
		} else {
			*ref = mu_xstrndup(s, n);
		}
	}
	jv_free(r);
	jv inner = ok ? json_get(v, "event") : jv_invalid();
	jv_free(v);
	return inner;
}

/* The id, and that a signature is there: what a trusted line is checked for. */
static event_err check_id(const nostr_event *ev)
{
	uint8_t id[32];
	if (!ev->has_id)
		return EVENT_ERR_BAD_ID;
	event_compute_id(ev, id);
	if (memcmp(id, ev->id, 32) != 0)
		return EVENT_ERR_BAD_ID;
	return ev->has_sig ? EVENT_OK : EVENT_ERR_BAD_SIG;
}

static bool parse_line(const char *line, size_t len, bool trusted, nostr_event *ev, char **ref, char *why,
		       size_t wlen);

bool relay_pub_parse_line(const char *line, size_t len, nostr_event *ev, char **ref, char *why, size_t wlen)
{
	return parse_line(line, len, false, ev, ref, why, wlen);
}

bool relay_pub_parse_trusted_line(const char *line, size_t len, nostr_event *ev, char **ref, char *why,
				  size_t wlen)
{
	return parse_line(line, len, true, ev, ref, why, wlen);
}

static bool parse_line(const char *line, size_t len, bool trusted, nostr_event *ev, char **ref, char *why,
		       size_t wlen)
{
	*ref = NULL;
	if (wlen)
		why[0] = 0;
	json_error je;
	jv v = json_parse(line, len, JSON_INTEGERS_ONLY, &je);
	if (!jv_is_valid(v)) {
		snprintf(why, wlen, "not JSON: %s", je.msg);
		jv_free(v);
		return false;
	}
	if (jv_get_kind(v) == JV_KIND_OBJECT && json_has(v, "event")) {
		v = unwrap_ref(v, ref, why, wlen);
		if (!jv_is_valid(v) || jv_get_kind(v) != JV_KIND_OBJECT) {
			if (jv_is_valid(v) || !*why)
				snprintf(why, wlen, "event: expected an event object");
			jv_free(v);
			free(*ref);
			*ref = NULL;
			return false;
		}
	} else if (jv_get_kind(v) == JV_KIND_ARRAY) {
		int n = jv_array_length(jv_copy(v));
		jv t = jv_array_get(jv_copy(v), 0);
		bool ok = (n == 2 || n == 3) && jv_get_kind(t) == JV_KIND_STRING &&
			  strcmp(jv_string_value(t), "EVENT") == 0;
		jv_free(t);
		if (!ok) {
			snprintf(why, wlen, "not an event nor an [\"EVENT\",...] frame");
			jv_free(v);
			return false;
		}
		jv inner = jv_array_get(v, n - 1);
		v = inner;
	}
	char detail[160] = "";
	event_err e = event_from_jv(ev, v, 0, detail, sizeof detail);
	if (e == EVENT_OK)
		e = trusted ? check_id(ev) : event_verify(ev);
	if (e != EVENT_OK) {
		snprintf(why, wlen, "%s", *detail ? detail : event_strerror(e));
		event_free(ev);
		free(*ref);
		*ref = NULL;
		return false;
	}
	return true;
}

/* Takes ref (may be NULL). */
static void add_event(pub *P, nostr_event *ev, char *ref)
{
	pub_event *e = mu_xmalloc(sizeof *e);
	memset(e, 0, sizeof *e);
	e->ref = ref;
	memcpy(e->id, ev->id, 32);
	hex_encode(e->idhex, ev->id, 32);
	buf b = BUF_INIT;
	rmsg_write_event(&b, ev);
	e->frame_len = b.len;
	e->frame = buf_steal(&b);
	P->sum->events++;
	if (!P->pool) {  /* dry run */
		if (!out_line(e->frame, e->frame_len))
			P->stdout_gone = true;
		event_free_one(e);
		return;
	}
	e->pairs = mu_xmalloc(P->nrelays * sizeof *e->pairs);
	double now = mu_monotonic();
	for (size_t r = 0; r < P->nrelays; r++) {
		e->pairs[r].state = PAIR_QUEUED;
		e->pairs[r].need_auth = false;
		e->pairs[r].auth_retried = false;
		e->pairs[r].solo_losses = 0;
		e->pairs[r].deadline = now + P->cfg->connect_timeout + P->cfg->ok_timeout;
	}
	e->pending = P->nrelays;
	for (size_t r = 0; r < P->nrelays; r++)
		if (P->relays[r].down) {
			/* the relay is waiting to retry after a failed attempt */
			char msg[300];
			snprintf(msg, sizeof msg, "error: could not connect: %s", P->relays[r].down_reason);
			pair_done(P, e, r, false, msg, P->relays[r].down_timeout ? FAIL_TIMEOUT : FAIL_UNREACHABLE);
		}
	if (P->nevents == P->cap) {
		P->cap = P->cap ? P->cap * 2 : 64;
		P->events = mu_xrealloc(P->events, P->cap * sizeof *P->events);
	}
	P->events[P->nevents++] = e;
}

/* One input line (LINE_OK or LINE_TOO_LONG): an event to publish, or a bad
 * line reported on stderr and counted. */
static void take_line(pub *P, line_status st, const char *line, size_t len)
{
	if (st == LINE_TOO_LONG) {
		report_line(P->in.lineno, "line longer than %zu bytes", P->in.max);
		P->sum->bad_lines++;
		return;
	}
	nostr_event ev;
	char why[200] = "";
	char *ref = NULL;
	if (!parse_line(line, len, P->cfg->trusted_input, &ev, &ref, why, sizeof why)) {
		report_line(P->in.lineno, "%s", why);
		P->sum->bad_lines++;
		return;
	}
	add_event(P, &ev, ref);
	event_free(&ev);
}

static void take_lines(pub *P)
{
	const char *line;
	size_t len;
	line_status st;
	while ((st = line_next(&P->in, &line, &len)) != LINE_AGAIN && st != LINE_EOF) {
		take_line(P, st, line, len);
	}
	if (st == LINE_EOF)
		P->input_done = true;
}

static void on_input(relay_pool *pool, const char *data, size_t n)
{
	pub *P = relay_pool_userdata(pool);
	if (P->input_done)
		return;
	line_feed(&P->in, data, n);
	take_lines(P);
	pump_all(P);
	maybe_finish(P);
}

/* ---- relay events ---- */

static void on_connected(relay_pool *pool, relay_conn *c)
{
	pub *P = relay_pool_userdata(pool);
	relay_status(&P->cfg->report, "connected", relay_conn_url(c), NULL, NULL);
	P->relays[relay_conn_index(c)].auth = CAUTH_NONE;
	P->relays[relay_conn_index(c)].down = false;
	pump(P, relay_conn_index(c));
}

static void on_disconnected(relay_pool *pool, relay_conn *c, relay_down why, const char *reason)
{
	pub *P = relay_pool_userdata(pool);
	size_t r = relay_conn_index(c);
	pub_relay *R = &P->relays[r];
	bool solo = R->cautious && R->inflight == 1;
	if (why == RELAY_DOWN_LOST && R->inflight)
		R->cautious = true;
	R->inflight = 0;
	R->auth = CAUTH_NONE;
	R->down = why != RELAY_DOWN_LOST;
	R->down_timeout = why == RELAY_DOWN_TIMEOUT;
	snprintf(R->down_reason, sizeof R->down_reason, "%s", reason);
	relay_status(&P->cfg->report, "disconnected", relay_conn_url(c), NULL, reason);
	char msg[300];
	snprintf(msg, sizeof msg, "error: could not connect: %s", reason);
	for (size_t i = 0; i < P->nevents; i++) {
		pub_event *e = P->events[i];
		pair *pr = &e->pairs[r];
		if (pr->state == PAIR_DONE)
			continue;
		if (why == RELAY_DOWN_LOST) {
			bool culprit = pr->state == PAIR_SENT && solo && ++pr->solo_losses >= PUB_SOLO_LOSSES;
			pr->state = PAIR_QUEUED;  /* sent again after reconnecting */
			if (culprit)
				pair_done(P, e, r, false, "error: the relay closed the connection each time this event was sent",
					  FAIL_REFUSED);
			continue;
		}
		pr->state = PAIR_QUEUED;
		pair_done(P, e, r, false, msg, why == RELAY_DOWN_TIMEOUT ? FAIL_TIMEOUT : FAIL_UNREACHABLE);
	}
	maybe_finish(P);
}

static pub_event *find_event(pub *P, const uint8_t id[32])
{
	for (size_t i = 0; i < P->nevents; i++)
		if (memcmp(P->events[i]->id, id, 32) == 0)
			return P->events[i];
	return NULL;
}

static void on_auth_ok(pub *P, size_t r, const rmsg *m)
{
	pub_relay *R = &P->relays[r];
	const char *url = relay_conn_url(relay_pool_conn(P->pool, r));
	R->auth = m->accepted ? CAUTH_OK : CAUTH_FAILED;
	relay_status_auth(&P->cfg->report, url, m->accepted, m->message);
	if (m->accepted)
		return;
	for (size_t i = 0; i < P->nevents; i++) {
		pub_event *e = P->events[i];
		if (e->pairs[r].state == PAIR_QUEUED && e->pairs[r].need_auth)
			pair_done(P, e, r, false, m->message, FAIL_REFUSED);
	}
}

static void on_ok(pub *P, size_t r, const rmsg *m)
{
	pub_relay *R = &P->relays[r];
	if (R->auth == CAUTH_PENDING && memcmp(m->event_id, R->auth_id, 32) == 0) {
		on_auth_ok(P, r, m);
		return;
	}
	pub_event *e = find_event(P, m->event_id);
	if (!e || e->pairs[r].state != PAIR_SENT) {
		char idhex[65];
		hex_encode(idhex, m->event_id, 32);
		relay_error(&P->cfg->report, relay_conn_url(relay_pool_conn(P->pool, r)), "unexpected-ok",
			    "OK for an event not in flight: %s", idhex);
		return;
	}
	pair *pr = &e->pairs[r];
	R->cautious = false;
	if (!m->accepted && P->cfg->auth_key && !pr->auth_retried &&
	    rmsg_reason_of(m->message, m->message_len) == RMSG_REASON_AUTH_REQUIRED && R->auth != CAUTH_FAILED) {
		if (R->inflight)
			R->inflight--;
		pr->state = PAIR_QUEUED;
		pr->need_auth = true;
		pr->auth_retried = true;
		pr->deadline = mu_monotonic() + P->cfg->ok_timeout + P->cfg->connect_timeout;
		return;
	}
	pair_done(P, e, r, m->accepted, m->message, FAIL_REFUSED);
}

static void on_challenge(pub *P, relay_conn *c, const rmsg *m)
{
	size_t r = relay_conn_index(c);
	if (!P->cfg->auth_key) {
		relay_status(&P->cfg->report, "notice", relay_conn_url(c), NULL,
			     "relay asks for NIP-42 authentication (no --auth-key-file given)");
		return;
	}
	buf b = BUF_INIT;
	relay_auth_frame(&b, P->cfg->auth_key, relay_conn_url(c), m->message, m->message_len,
			 (uint64_t)time(NULL), P->relays[r].auth_id);
	if (relay_conn_send(c, b.p, b.len))
		P->relays[r].auth = CAUTH_PENDING;
	buf_free(&b);
}

static void on_message(relay_pool *pool, relay_conn *c, const char *text, size_t len)
{
	pub *P = relay_pool_userdata(pool);
	size_t r = relay_conn_index(c);
	rmsg m;
	char detail[200] = "";
	rmsg_err err = rmsg_parse_relay(&m, text, len, detail, sizeof detail);
	if (err) {
		relay_error(&P->cfg->report, relay_conn_url(c), "bad-frame", "malformed frame dropped: %s",
			    *detail ? detail : rmsg_strerror(err));
		rmsg_free(&m);
		return;
	}
	switch (m.type) {
	case RMSG_OK: on_ok(P, r, &m); break;
	case RMSG_NOTICE: relay_status(&P->cfg->report, "notice", relay_conn_url(c), NULL, m.message); break;
	case RMSG_CHALLENGE: on_challenge(P, c, &m); break;
	default:
		relay_error(&P->cfg->report, relay_conn_url(c), "unexpected-frame", "unexpected %s frame dropped",
			    rmsg_type_name(m.type));
		break;
	}
	rmsg_free(&m);
	pump(P, r);
	maybe_finish(P);
}

static void on_bad_message(relay_pool *pool, relay_conn *c, const char *reason)
{
	pub *P = relay_pool_userdata(pool);
	relay_error(&P->cfg->report, relay_conn_url(c), "bad-frame", "%s dropped", reason);
}

static void on_tick(relay_pool *pool)
{
	pub *P = relay_pool_userdata(pool);
	double now = mu_monotonic();
	for (size_t i = 0; i < P->nevents; i++) {
		pub_event *e = P->events[i];
		for (size_t r = 0; r < P->nrelays; r++) {
			pair *pr = &e->pairs[r];
			if (pr->state == PAIR_DONE || now < pr->deadline)
				continue;
			pair_done(P, e, r, false, pr->state == PAIR_SENT ? "error: timed out waiting for OK"
					: "error: timed out waiting for the connection", FAIL_TIMEOUT);
		}
	}
	pump_all(P);
	maybe_finish(P);
}

static int exit_status(const relay_pub_summary *s)
{
	if (s->refused)
		return MU_EXIT_REFUSED;
	if (s->timed_out)
		return MU_EXIT_TIMEOUT;
	if (s->unreachable)
		return MU_EXIT_UNREACHABLE;
	if (s->bad_lines)
		return MU_EXIT_PARTIAL;
	return MU_EXIT_OK;
}

static int dry_run(pub *P, int fd)
{
	const char *line;
	size_t len;
	line_status st;
	while (!P->stdout_gone && (st = line_read(&P->in, &line, &len)) != LINE_EOF) {
		if (st == LINE_IO) {
			report("read error");
			break;
		}
		(void)fd;
		take_line(P, st, line, len);
	}
	return P->sum->bad_lines ? MU_EXIT_PARTIAL : MU_EXIT_OK;
}

int relay_pub_run(const relay_pub_config *cfg, int input_fd, relay_pub_summary *sum)
{
	relay_pub_config c = *cfg;
	if (!c.min_ok)
		c.min_ok = 1;
	if (!c.window)
		c.window = 64;
	pub P;
	memset(&P, 0, sizeof P);
	memset(sum, 0, sizeof *sum);
	P.cfg = &c;
	P.sum = sum;
	line_reader_init(&P.in, input_fd, LINE_MAX_DEFAULT);
	int rc;
	if (c.relays->n == 0) {
		rc = dry_run(&P, input_fd);
		line_reader_free(&P.in);
		return rc;
	}
	P.nrelays = c.relays->n;
	P.relays = mu_xmalloc(P.nrelays * sizeof *P.relays);
	memset(P.relays, 0, P.nrelays * sizeof *P.relays);
	relay_pool_config pc = {
		.connect_timeout = c.connect_timeout, .ping_interval = c.ping_interval, .reconnect = true,
		.input_fd = input_fd,
	};
	relay_pool_ops ops = {
		.connected = on_connected, .disconnected = on_disconnected, .message = on_message,
		.bad_message = on_bad_message, .input = on_input, .tick = on_tick,
	};
	P.pool = relay_pool_new(c.relays, &pc, &ops, &P);
	if (!P.pool) {
		free(P.relays);
		line_reader_free(&P.in);
		return MU_EXIT_CONFIG;
	}
	int sig = relay_pool_run(P.pool);
	if (sig && !P.stdout_gone && !(P.input_done && P.nevents == 0)) {
		/* first signal: stop reading, finish what was read */
		P.input_done = true;
		relay_pool_pause_input(P.pool, true);
		maybe_finish(&P);
		if (P.nevents)
			sig = relay_pool_run(P.pool);
	}
	/* anything still unfinished (second signal, stdout gone) ends unanswered:
	 * a record each, and counted, so the exit status cannot claim success */
	for (size_t i = 0; i < P.nevents; i++)
		for (size_t r = 0; r < P.nrelays; r++)
			if (P.events[i]->pairs[r].state != PAIR_DONE)
				pair_done(&P, P.events[i], r, false, "error: interrupted before the relay answered",
					  FAIL_TIMEOUT);
	for (size_t i = 0; i < P.nevents; i++)
		event_free_one(P.events[i]);
	free(P.events);
	relay_pool_free(P.pool);
	free(P.relays);
	line_reader_free(&P.in);
	rc = exit_status(sum);
	return rc;
}
