/* order_run.c — the engine loop (order_run.h).
 *
 * Inputs are line readers on non-blocking descriptors driven by one evloop
 * (standard input, --input files and FIFOs, ctl connections, the signal
 * pipe, the --clock system timer). After every wake-up the complete lines
 * ready on all inputs are handled in order, input by input, each in its own
 * SAVEPOINT inside one transaction (group commit, at most `batch` inputs);
 * then the transaction commits and only then are its outputs handed to the
 * output queues (lib/outq.h: a writer thread per descriptor, so a full pipe
 * never stops the loop from reading mostro-ln's answers). Wrap lines were
 * written to the outbox in the same transaction and are deleted once their
 * queue reports them written; whatever is left at start is written first.
 * Lightning ops are intents (lib/order_db.h): open ones are re-issued at
 * start (pay_invoice as a payment_status), so a crash between commit and
 * write loses nothing and never pays twice.
 *
 * Time: the clock is the newest tick (saved in engine_meta); inputs that
 * arrive before the first tick a database ever saw wait for it. */
#include "order_run.h"

#include <errno.h>
#include <fcntl.h>
#include <malloc.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include <sodium.h>

#include "evloop.h"
#include "exitcode.h"
#include "hex.h"
#include "json.h"
#include "lineio.h"
#include "order_ctl.h"
#include "order_db.h"
#include "order_engine.h"
#include "order_outbox.h"
#include "order_table.h"
#include "order_tick.h"
#include "outq.h"
#include "safefile.h"
#include "sha256.h"
#include "store_db.h"

/* ----------------------------------------------------------------- state */

typedef struct input {
	char        *name;        /* for diagnostics: "stdin", the path, "ctl" */
	int          fd;
	line_reader  r;
	bool         ends;        /* its EOF counts towards the end of the run */
	bool         eof;
	bool         ctl;         /* a ctl connection: answers go back on fd */
	bool         closed;
} input;

typedef struct pending_wrap {
	uint64_t upto;            /* the queue's line count once this line is written */
	int64_t  seq;             /* its outbox row */
} pending_wrap;

/* A ctl_result waiting for the commit of the input that asked it: it goes
 * out after the outputs decided before it (sink position `at`). */
typedef struct ctl_answer {
	size_t  at;
	input  *to;               /* NULL: standard output */
	char   *line;
} ctl_answer;

static evloop *g_engine_loop;

typedef struct engine {
	order_db     *db;
	store_lock    lock;          /* the single-writer lock (lib/store_lock.h) */
	order_config  cfg;
	uint8_t       seed[32];
	int64_t       clock;
	bool          have_clock;
	char         *network, *networks;
	order_sink    sink;
	ctl_answer   *ans;           /* ctl results of the open transaction */
	size_t        nans, capans;

	outq         *wrap, *ln;     /* ln == wrap when LN ops share standard output */
	uint64_t      wrap_lines;    /* lines pushed to `wrap` */
	pending_wrap *pend;          /* without --ack: rows deleted once written */
	size_t        npend, cappend;
	order_outbox  outbox;        /* --ack: refs, rows kept until a relay accepted them */

	input       **in;
	size_t        nin;
	char        **held;          /* lines waiting for the first tick */
	size_t        nheld;

	int           log_fd;
	int           listen_fd;
	evloop       *loop;
	int           sig[2];
	bool          stop;
	bool          out_failed;
	int           batch;
	unsigned long bad_lines;
	unsigned long commits;
	buf          *mem;           /* in-process use: outputs collect here */
	bool          quiet;         /* in-process use: no diagnostics */
	const char   *crash;         /* MOSTRO_ORDER_CRASH point */
	unsigned long crash_at;
	bool          replay;
	evtimer      *idle_ckpt;     /* a checkpoint once no commit came for CKPT_IDLE_MS */
} engine;

static engine *g_engine;

/* ------------------------------------------------------------ crash points */

/* MOSTRO_ORDER_CRASH=point:N (tests only): SIGKILL the process at the Nth
 * occurrence of `point`: before-commit, after-commit (committed, nothing
 * written), after-emit (outputs handed to the queues and flushed). */
static void crash_check(engine *e, const char *point, unsigned long n)
{
	if (!e->crash || e->replay)
		return;
	size_t pl = strlen(point);
	if (strncmp(e->crash, point, pl) == 0 && e->crash[pl] == ':' && e->crash_at == n) {
		fprintf(stderr, "mostro-order: crash point %s:%lu\n", point, n);
		fflush(stderr);
		raise(SIGKILL);
	}
}

/* ------------------------------------------------------------------ meta */

static void load_meta(engine *e)
{
	free(e->network);
	free(e->networks);
	e->network = e->networks = NULL;
	meta_get(e->db, "network", &e->network);
	meta_get(e->db, "networks", &e->networks);
	int64_t clock;
	bool found = false;
	if (meta_get_i64(e->db, "clock", &clock, &found) == ODB_OK && found) {
		e->clock = clock;
		e->have_clock = true;
	}
}

/* The secret the preimages derive from: created once per database. */
static bool load_seed(engine *e, const char *given_hex)
{
	char *hexs = NULL;
	if (meta_get(e->db, "seed", &hexs) != ODB_OK)
		return false;
	if (!hexs) {
		char h[65];
		if (given_hex && strlen(given_hex) == 64 && hex_decode(e->seed, 32, given_hex, 64, true))
			memcpy(h, given_hex, 65);
		else {
			randombytes_buf(e->seed, 32);
			hex_encode(h, e->seed, 32);
		}
		bool ok = order_db_begin(e->db) && meta_set(e->db, "seed", h) == ODB_OK && order_db_commit(e->db);
		sodium_memzero(h, sizeof h);
		if (!ok)
			order_db_rollback(e->db);
		return ok;
	}
	bool ok = strlen(hexs) == 64 && hex_decode(e->seed, 32, hexs, 64, true);
	sodium_memzero(hexs, strlen(hexs));
	free(hexs);
	return ok;
}

/* ------------------------------------------------------------ the context */

static void ctx_open(engine *e, order_ctx *c, const char *origin)
{
	order_ctx_init(c);
	c->db = e->db;
	c->cfg = &e->cfg;
	c->now = e->clock;
	c->seed = e->seed;
	c->network = e->network;
	c->networks = e->networks;
	c->sink = &e->sink;
	c->outbox = &e->outbox;
	snprintf(c->origin, sizeof c->origin, "%s", origin);
}

/* A stable origin for uuids drawn outside a message: hash of the input line. */
static void line_origin(const char *line, size_t len, char out[65])
{
	uint8_t h[32];
	sha256(h, line, len);      /* OpenSSL's: SHA-NI where the CPU has it */
	hex_encode(out, h, 32);
}

/* ---------------------------------------------------------------- outputs */

static void push_line(engine *e, outq *q, const char *line, int64_t seq)
{
	buf refd = BUF_INIT;
	if (seq > 0 && e->outbox.ack) {
		/* {"ref":"o<seq>",...}: echoed by wrap and pub in its published record */
		order_outbox_write(&refd, seq, line);
		line = refd.p;
	}
	if (e->mem) {
		buf_puts(e->mem, line);
		buf_putc(e->mem, '\n');
		buf_free(&refd);
		return;
	}
	bool pushed = outq_push(q, line, strlen(line));
	buf_free(&refd);
	if (!pushed) {
		if (!e->out_failed)
			report("writing output: %s", strerror(EPIPE));
		e->out_failed = true;
		e->stop = true;
		return;
	}
	if (q == e->wrap) {
		e->wrap_lines++;
		if (seq > 0 && !e->outbox.ack) {
			if (e->npend == e->cappend) {
				e->cappend = e->cappend ? e->cappend * 2 : 64;
				e->pend = mu_xrealloc(e->pend, e->cappend * sizeof *e->pend);
			}
			e->pend[e->npend++] = (pending_wrap){e->wrap_lines, seq};
		}
	}
}

static void send_ctl_answer(engine *e, ctl_answer *a);
static void drop_ctl_answers(engine *e);

/* After a commit: the decided lines go to their queues, each ctl result
 * after the lines decided before it, the log to stderr. */
/* The writer threads wake once for a batch's lines, not once a line. */
static void cork_outputs(engine *e, bool on)
{
	if (e->mem)
		return;
	if (e->wrap)
		outq_cork(e->wrap, on);
	if (e->ln && e->ln != e->wrap)
		outq_cork(e->ln, on);
}

static void emit(engine *e)
{
	size_t k = 0;
	cork_outputs(e, true);
	for (size_t i = 0; i < e->sink.n; i++) {
		while (k < e->nans && e->ans[k].at <= i) {
			cork_outputs(e, false);   /* what came before the answer is on its way */
			send_ctl_answer(e, &e->ans[k++]);
			cork_outputs(e, true);
		}
		sink_line *l = &e->sink.v[i];
		push_line(e, l->stream == STREAM_LN ? e->ln : e->wrap, l->line, l->seq);
	}
	cork_outputs(e, false);
	while (k < e->nans)
		send_ctl_answer(e, &e->ans[k++]);
	drop_ctl_answers(e);
	if (e->sink.log.len && !e->quiet) {
		const char *p = e->sink.log.p;
		while (*p) {
			const char *nl = strchr(p, '\n');
			size_t n = nl ? (size_t)(nl - p) : strlen(p);
			fprintf(stderr, "mostro-order: %.*s\n", (int)n, p);
			p += n + (nl ? 1 : 0);
		}
		fflush(stderr);
	}
	sink_clear(&e->sink);
}

/* Deletes the outbox rows whose lines the writer has written (in the open
 * transaction). With --ack they stay until a published record settles them
 * (lib/order_outbox.c). */
static void outbox_gc(engine *e)
{
	if (e->outbox.ack)
		return;
	if (e->mem) {          /* in memory everything is written at once */
		if (e->sink.outbox_max > 0 && outbox_delete_through(e->db, e->sink.outbox_max) == ODB_OK)
			e->sink.outbox_max = 0;
		return;
	}
	if (!e->npend)
		return;
	uint64_t written = outq_written(e->wrap);
	size_t k = 0;
	int64_t seq = 0;
	while (k < e->npend && e->pend[k].upto <= written)
		seq = e->pend[k++].seq;
	if (!k)
		return;
	if (outbox_delete_through(e->db, seq) != ODB_OK)
		return;
	memmove(e->pend, e->pend + k, (e->npend - k) * sizeof *e->pend);
	e->npend -= k;
}

/* ------------------------------------------------------------ transactions */

static bool tx_begin(engine *e)
{
	if (!order_db_begin(e->db)) {
		report("database: %s", order_db_errmsg(e->db));
		return false;
	}
	outbox_gc(e);
	return true;
}

/* WAL checkpoints, out of the decisions' way: once the engine has been idle
 * for CKPT_IDLE_MS with at least CKPT_IDLE_FRAMES in the WAL, and inside
 * the commit path only past CKPT_HARD_FRAMES (about 32 MB of WAL: a load
 * that never pauses). SQLite's own would run inside the commit that crosses
 * 1000 frames: a copy and two fsyncs in some decision's latency. */
#define CKPT_IDLE_MS      5
#define CKPT_IDLE_FRAMES  256
#define CKPT_HARD_FRAMES  8000

static void checkpoint(engine *e)
{
	if (!order_db_checkpoint(e->db))
		report("database: %s", order_db_errmsg(e->db));
}

static void on_idle_checkpoint(void *arg)
{
	engine *e = arg;
	e->idle_ckpt = NULL;
	if (order_db_wal_frames(e->db) >= CKPT_IDLE_FRAMES)
		checkpoint(e);
}

static void schedule_checkpoint(engine *e)
{
	if (!e->loop)
		return;
	int frames = order_db_wal_frames(e->db);
	if (frames >= CKPT_HARD_FRAMES) {
		checkpoint(e);
		return;
	}
	if (e->idle_ckpt) {
		evloop_timer_cancel(e->loop, e->idle_ckpt);
		e->idle_ckpt = NULL;
	}
	if (frames >= CKPT_IDLE_FRAMES)
		e->idle_ckpt = evloop_timer(e->loop, CKPT_IDLE_MS, on_idle_checkpoint, e);
}

static bool tx_commit(engine *e)
{
	e->commits++;
	crash_check(e, "before-commit", e->commits);
	if (!order_db_commit(e->db)) {
		report("database commit: %s", order_db_errmsg(e->db));
		order_db_rollback(e->db);
		sink_clear(&e->sink);
		drop_ctl_answers(e);     /* nothing they answered was kept */
		return false;
	}
	crash_check(e, "after-commit", e->commits);
	emit(e);
	schedule_checkpoint(e);
	if (e->crash && strncmp(e->crash, "after-emit:", 11) == 0 && e->crash_at == e->commits) {
		outq_close(e->wrap);      /* flush, then die */
		e->wrap = NULL;
		crash_check(e, "after-emit", e->commits);
	}
	return true;
}

/* ------------------------------------------------------------ one input */

static void bad_line(engine *e, const char *src, const char *why)
{
	e->bad_lines++;
	if (!e->quiet)
		report("%s: %s", src, why);
}

/* The parameters of an intent's request line (without id and op). */
static jv request_params(const char *request)
{
	jv req = request ? json_parse(request, strlen(request), JSON_EXACT_NUMBERS, NULL) : jv_invalid();
	if (!jv_is_valid(req) || jv_get_kind(req) != JV_KIND_OBJECT) {
		jv_free(req);
		return jv_invalid();
	}
	jv params = jv_object();
	jv_object_foreach(req, k, v) {
		if (strcmp(jv_string_value(k), "id") != 0 && strcmp(jv_string_value(k), "op") != 0)
			params = jv_object_set(params, k, v);
		else {
			jv_free(k);
			jv_free(v);
		}
	}
	jv_free(req);
	return params;
}

/* mostro-ln errors that leave the outcome unknown (man mostro-ln: transport,
 * timeout; internal is mostro-ln's own failure, after which it may have
 * asked the node or not). */
static bool outcome_unknown(jv err)
{
	const char *k = json_get_str(err, "kind", NULL);
	return k && (strcmp(k, "transport") == 0 || strcmp(k, "timeout") == 0 || strcmp(k, "internal") == 0);
}

/* A continuation that decides the same whatever the node did (the
 * guardian's cancel of an escrow past its CLTV expiry: LND refunded it
 * itself) takes an unknown outcome as it is. */
static bool outcome_moot(jv ctx)
{
	jv m = json_get(ctx, "outcome_moot");
	bool moot = jv_get_kind(m) == JV_KIND_TRUE;
	jv_free(m);
	return moot;
}

/* Tries asked at once after an unknown outcome; then 2, 4, 8 ... 300 s apart. */
#define ESCROW_RETRY_AT_ONCE 3
#define ESCROW_RETRY_MAX_WAIT 300

/* A settle or cancel whose outcome is unknown is asked again (both are
 * idempotent at the node) until the node says: the order stays busy, the
 * continuation sees only a known outcome. */
static void retry_escrow_op(order_ctx *c, const ln_intent *in, jv ctx, jv err)
{
	jv t = json_get(ctx, "escrow_tries");
	int64_t n = 0;
	json_get_i64(t, &n);
	jv_free(t);
	n++;
	int64_t wait = 0;
	if (n > ESCROW_RETRY_AT_ONCE) {
		int shift = (int)(n - ESCROW_RETRY_AT_ONCE < 9 ? n - ESCROW_RETRY_AT_ONCE : 9);
		wait = (int64_t)1 << shift;
		if (wait > ESCROW_RETRY_MAX_WAIT)
			wait = ESCROW_RETRY_MAX_WAIT;
	}
	jv params = request_params(in->request);
	if (!jv_is_valid(params)) {
		fx_log(c, "ln%lld (%s): request unreadable, not asked again", (long long)in->seq, in->op);
		return;
	}
	jv nctx = jv_object_set(jv_get_kind(ctx) == JV_KIND_OBJECT ? jv_copy(ctx) : jv_object(),
				jv_string("escrow_tries"), json_from_i64(n));
	int64_t seq = fx_ln_at(c, wait ? c->now + wait : 0, in->op, params, in->order_id, in->hash, in->then, nctx);
	const char *kind = json_get_str(err, "kind", NULL);
	if (!seq)
		fx_log(c, "order %s: %s outcome unknown (%s), and it cannot be asked again", in->order_id ? in->order_id : "-",
		       in->op, kind ? kind : "error");
	else if (wait)
		fx_log(c, "order %s: %s outcome unknown (%s): asked again as ln%lld in %lld s (try %lld)",
		       in->order_id ? in->order_id : "-", in->op, kind ? kind : "error", (long long)seq, (long long)wait,
		       (long long)n + 1);
	else
		fx_log(c, "order %s: %s outcome unknown (%s): asked again as ln%lld (try %lld)",
		       in->order_id ? in->order_id : "-", in->op, kind ? kind : "error", (long long)seq, (long long)n + 1);
}

static void resume_deferred(engine *e, const char *order_id);

/* ln_result / ln_event (`line` as read): the intent it answers and its
 * continuation. Answers about an order whose escrow is being decided wait
 * for that decision (but those of the settle or cancel itself). */
static void handle_ln(engine *e, order_ctx *c, jv rec, bool is_event, const char *src, const char *line, size_t len)
{
	const char *id = json_get_str(rec, "id", NULL);
	char *end = NULL;
	long long seq = id && strncmp(id, "ln", 2) == 0 ? strtoll(id + 2, &end, 10) : 0;
	if (!id || seq <= 0 || (end && *end)) {
		fx_log(c, "%s: %s for an id that is not ours (%s)", src, is_event ? "ln_event" : "ln_result", id ? id : "null");
		return;
	}
	ln_intent in;
	memset(&in, 0, sizeof in);
	if (intent_load(e->db, seq, &in) != ODB_OK) {
		fx_log(c, "%s: ln%lld: no such intent", src, seq);
		return;
	}
	if (strcmp(in.state, "open") != 0) {
		fx_log(c, "ln%lld (%s): %s after the intent was closed, ignored", seq, in.op,
		       is_event ? "event" : "result");
		ln_intent_free(&in);
		return;
	}
	bool escrow = order_escrow_op(in.op);
	if (in.order_id && !escrow && order_escrow_busy(c, in.order_id, 0, NULL)) {
		char what[96];
		snprintf(what, sizeof what, "%s: ln%lld (%s) %s", src, seq, in.op, is_event ? "event" : "result");
		char *text = mu_xstrndup(line, len);
		order_defer(c, in.order_id, "ln", text, 0, what);
		free(text);
		ln_intent_free(&in);
		return;
	}
	const ln_step *step = order_ln_step(in.then);
	jv ctx = in.ctx ? json_parse(in.ctx, strlen(in.ctx), JSON_EXACT_NUMBERS, NULL) : jv_object();
	if (!jv_is_valid(ctx))
		ctx = jv_object();
	if (is_event) {
		jv ev = json_get(rec, "event");
		if (step && step->on_event && jv_get_kind(ev) == JV_KIND_OBJECT)
			step->on_event(c, &in, ctx, ev);
		jv_free(ev);
	} else {
		jv okv = json_get(rec, "ok");
		bool ok = jv_get_kind(okv) == JV_KIND_TRUE;
		jv_free(okv);
		jv res = json_get(rec, ok ? "result" : "error");
		if (!jv_is_valid(res))
			res = jv_object();
		intent_close(e->db, seq);
		if (escrow && !ok && outcome_unknown(res) && !outcome_moot(ctx))
			retry_escrow_op(c, &in, ctx, res);
		else if (step && step->on_result)
			step->on_result(c, &in, ctx, ok, res);
		jv_free(res);
		if (strcmp(in.op, "get_info") == 0)
			load_meta(e);
		if (escrow && in.order_id)
			resume_deferred(e, in.order_id);
	}
	jv_free(ctx);
	ln_intent_free(&in);
}

static void handle_price(engine *e, order_ctx *c, jv rec, const char *src)
{
	jv rates = json_get(rec, "rates");
	jv atv = json_get(rec, "at");
	int64_t at = e->clock;
	if (jv_is_valid(atv) && !json_get_i64(atv, &at))
		at = e->clock;
	const char *source = json_get_str(rec, "source", NULL);
	if (jv_get_kind(rates) != JV_KIND_OBJECT) {
		bad_line(e, src, "price: rates must be an object");
	} else {
		jv_object_foreach(rates, k, v) {
			double p;
			char up[32];
			const char *code = jv_string_value(k);
			size_t n = strlen(code);
			if (n && n < sizeof up && json_get_f64(v, &p)) {
				for (size_t i = 0; i <= n; i++)
					up[i] = (char)(code[i] >= 'a' && code[i] <= 'z' ? code[i] - 32 : code[i]);
				price_set(e->db, up, p, at, source);
			}
			jv_free(k);
			jv_free(v);
		}
		fx_log(c, "prices updated (%s)", source ? source : "feed");
	}
	jv_free(rates);
	jv_free(atv);
}

static void handle_tick(engine *e, order_ctx *c, jv rec, const char *src)
{
	jv nv = json_get(rec, "now");
	int64_t now;
	bool ok = json_get_i64(nv, &now);
	jv_free(nv);
	if (!ok) {
		bad_line(e, src, "tick: now must be an integer");
		return;
	}
	if (e->have_clock && now <= e->clock)
		return;                       /* time goes forward only */
	e->clock = now;
	e->have_clock = true;
	meta_set_i64(e->db, "clock", now);
	c->now = now;
	fx_ln_due(c);                  /* settles and cancels asked again after a wait */
	order_outbox_due(c);           /* --ack: lines no relay accepted, at their next try */
	order_run_jobs(c);
}

/* Queues a ctl record's answer for after the commit (docs/ENGINE.md §4:
 * nothing is emitted before the commit that decided it), behind the outputs
 * of the inputs handled before it. */
static void answer_ctl(engine *e, input *from, jv result)
{
	char *line = json_dumps(result);
	jv_free(result);
	if (from && from->ctl && from->fd < 0) {
		free(line);                    /* replay of a socket request: the answer went there */
		return;
	}
	if (e->nans == e->capans) {
		e->capans = e->capans ? e->capans * 2 : 8;
		e->ans = mu_xrealloc(e->ans, e->capans * sizeof *e->ans);
	}
	e->ans[e->nans++] = (ctl_answer){e->sink.n, from && from->ctl ? from : NULL, line};
}

/* On its connection (or standard output). */
static void send_ctl_answer(engine *e, ctl_answer *a)
{
	if (!a->to) {
		push_line(e, e->wrap, a->line, 0);
	} else if (!a->to->closed) {
		size_t n = strlen(a->line);
		a->line[n] = '\n';
		ssize_t w = send(a->to->fd, a->line, n + 1, MSG_DONTWAIT | MSG_NOSIGNAL);
		(void)w;
		a->line[n] = 0;
		shutdown(a->to->fd, SHUT_WR);
	}
	free(a->line);
	a->line = NULL;
}

static void drop_ctl_answers(engine *e)
{
	for (size_t i = 0; i < e->nans; i++)
		free(e->ans[i].line);
	e->nans = 0;
}

/* One input line in its own savepoint. False: the line was refused. */
static void handle_line(engine *e, input *from, const char *line, size_t len, bool logged)
{
	const char *src = from ? from->name : "log";
	if (e->log_fd >= 0 && !logged) {
		/* a ctl record from the socket is logged wrapped: replay decides the
		 * same, and its answer went to the connection, not to the outputs */
		bool sock = from && from->ctl;
		if ((sock && write(e->log_fd, "{\"type\":\"ctl_socket\",\"record\":", 31) < 0) ||
		    write(e->log_fd, line, len) < 0 || (sock && write(e->log_fd, "}", 1) < 0) ||
		    write(e->log_fd, "\n", 1) < 0)
			report("--log: %s", strerror(errno));
	}
	json_error je;
	jv rec = json_parse(line, len, JSON_EXACT_NUMBERS, &je);
	if (!jv_is_valid(rec) || jv_get_kind(rec) != JV_KIND_OBJECT) {
		bad_line(e, src, jv_is_valid(rec) ? "not a JSON object" : je.msg);
		jv_free(rec);
		return;
	}
	const char *type = json_get_str(rec, "type", NULL);
	if (!type) {
		bad_line(e, src, "record without \"type\"");
		jv_free(rec);
		return;
	}
	if (strcmp(type, "tick") != 0 && strcmp(type, "chat") != 0 && strcmp(type, "error") != 0 && !e->have_clock) {
		/* no clock yet on this database: wait for the first tick */
		e->held = mu_xrealloc(e->held, (e->nheld + 1) * sizeof *e->held);
		e->held[e->nheld++] = mu_xstrndup(line, len);
		jv_free(rec);
		return;
	}
	order_ctx c;
	char origin[65];
	line_origin(line, len, origin);
	ctx_open(e, &c, origin);
	size_t mark = sink_mark(&e->sink), log_mark = e->sink.log.len;
	if (!order_db_savepoint(e->db)) {
		report("database: %s", order_db_errmsg(e->db));
		order_ctx_free(&c);
		jv_free(rec);
		return;
	}
	outcome r = out_done();
	jv ctl_result = jv_invalid();
	if (strcmp(type, "message") == 0)
		r = order_intake_message(&c, rec);
	else if (strcmp(type, "tick") == 0)
		handle_tick(e, &c, rec, src);
	else if (strcmp(type, "ln_result") == 0 || strcmp(type, "ln_event") == 0)
		handle_ln(e, &c, rec, type[3] == 'e', src, line, len);
	else if (strcmp(type, "price") == 0)
		handle_price(e, &c, rec, src);
	else if (strcmp(type, "ctl") == 0)
		ctl_result = order_ctl(&c, rec);
	else if (strcmp(type, "published") == 0) {
		/* mostro-relay pub's, through mostrod; without --ack no line carried
		 * a ref and no row waits for one: not for this engine */
		const char *why = e->outbox.ack ? order_published(&c, rec) : NULL;
		if (why)
			bad_line(e, src, why);
	}
	else if (strcmp(type, "chat") == 0 || strcmp(type, "error") == 0)
		;                           /* mostro-unwrap's other records: not for the engine */
	else
		bad_line(e, src, "unknown record type");
	if (r.kind == OUT_INTERNAL) {
		order_db_rollback_savepoint(e->db);
		sink_truncate(&e->sink, mark, log_mark);
		report("%s: internal error, input rolled back: %s", src, r.why ? r.why : "");
	} else if (!order_db_release(e->db)) {
		report("database: %s", order_db_errmsg(e->db));
	}
	order_ctx_free(&c);
	if (jv_is_valid(ctl_result))
		answer_ctl(e, from, ctl_result);
	bool was_tick = strcmp(type, "tick") == 0;
	jv_free(rec);                  /* (type points into it) */
	if (was_tick && e->nheld && e->have_clock) {
		/* the first clock: what waited for it goes now, in arrival order */
		char **held = e->held;
		size_t n = e->nheld;
		e->held = NULL;
		e->nheld = 0;
		for (size_t i = 0; i < n; i++) {
			handle_line(e, NULL, held[i], strlen(held[i]), true);
			free(held[i]);
		}
		free(held);
	}
}

/* ----------------------------------------------------------- deferred */

/* One deferred input, in its own savepoint and context, as it would have
 * run had it arrived now. */
static void run_deferred(engine *e, const char *kind, const char *record, int probe)
{
	size_t len = strlen(record);
	char origin[65];
	line_origin(record, len, origin);
	order_ctx c;
	ctx_open(e, &c, origin);
	size_t mark = sink_mark(&e->sink), log_mark = e->sink.log.len;
	if (!order_db_savepoint(e->db)) {
		report("database: %s", order_db_errmsg(e->db));
		order_ctx_free(&c);
		return;
	}
	outcome r = out_done();
	if (strcmp(kind, "message") == 0) {
		r = order_resume_parked(&c, record, probe);
	} else {
		jv rec = json_parse(record, len, JSON_EXACT_NUMBERS, NULL);
		const char *type = jv_is_valid(rec) ? json_get_str(rec, "type", NULL) : NULL;
		if (type && (strcmp(type, "ln_result") == 0 || strcmp(type, "ln_event") == 0))
			handle_ln(e, &c, rec, type[3] == 'e', "deferred", record, len);
		else
			fx_log(&c, "deferred record unreadable: dropped");
		jv_free(rec);
	}
	if (r.kind == OUT_INTERNAL) {
		order_db_rollback_savepoint(e->db);
		sink_truncate(&e->sink, mark, log_mark);
		report("deferred %s: internal error, rolled back: %s", kind, r.why ? r.why : "");
	} else if (!order_db_release(e->db)) {
		report("database: %s", order_db_errmsg(e->db));
	}
	order_ctx_free(&c);
}

/* The inputs deferred on an order while its escrow was being decided, in
 * arrival order, until none is left or one of them makes it busy again. */
static void resume_deferred(engine *e, const char *order_id)
{
	static bool running;           /* a resumed input never resumes others */
	if (running)
		return;
	running = true;
	char id[37];
	snprintf(id, sizeof id, "%s", order_id);
	for (;;) {
		bool busy = false;
		if (escrow_busy(e->db, id, 0, &busy, NULL, NULL) != ODB_OK || busy)
			break;
		char *kind = NULL, *record = NULL;
		int probe = 0;
		if (deferred_take(e->db, id, &kind, &record, &probe) != ODB_OK || !record) {
			free(kind);
			free(record);
			break;
		}
		run_deferred(e, kind, record, probe);
		free(kind);
		free(record);
	}
	running = false;
}

/* At start: orders whose deferred inputs are free to run (a database
 * written by a release that stopped between the two). */
static void resume_all_deferred(engine *e)
{
	char (*ids)[37] = NULL;
	size_t n = 0;
	if (deferred_orders(e->db, &ids, &n) == ODB_OK)
		for (size_t i = 0; i < n; i++)
			resume_deferred(e, ids[i]);
	free(ids);
}

/* --------------------------------------------------------------- start */

/* What each open intent becomes at start: the same request again, except a
 * payment that may be in flight, which is only asked about. */
static bool reissue(const ln_intent *i, void *arg)
{
	engine *e = arg;
	order_ctx c;
	char origin[80];
	snprintf(origin, sizeof origin, "restart-ln%lld", (long long)i->seq);
	ctx_open(e, &c, origin);
	intent_close(e->db, i->seq);
	jv params = request_params(i->request);
	jv ctx = i->ctx ? json_parse(i->ctx, strlen(i->ctx), JSON_EXACT_NUMBERS, NULL) : jv_null();
	if (!jv_is_valid(ctx))
		ctx = jv_null();
	if ((strcmp(i->op, "get_info") == 0 && (!i->then || strcmp(i->then, "get_info") == 0)) || !jv_is_valid(params)) {
		jv_free(params);
		jv_free(ctx);
		order_ctx_free(&c);
		return true;       /* a fresh get_info follows (a timer's is asked again) */
	}
	const char *op = i->op, *step = i->then;
	if (strcmp(op, "pay_invoice") == 0) {
		/* never a second send while the first may be in flight: the buyer's
		 * payout and the dev fee (§3.6) each ask with their own continuation */
		jv_free(params);
		params = jv_object_set(jv_object(), jv_string("hash"), jv_string(i->hash ? i->hash : ""));
		op = "payment_status";
		step = step && strcmp(step, "dev_fee_pay") == 0 ? "dev_fee_status" : "payout_status";
	}
	int64_t seq = fx_ln(&c, op, params, i->order_id, i->hash, step, ctx);
	if (seq && strcmp(i->op, "validate_invoice") == 0) {
		char *record = NULL;
		if (parked_take(e->db, i->seq, &record) == ODB_OK && record)
			parked_add(e->db, seq, record, e->clock);
		free(record);
	}
	fx_log(&c, "restart: ln%lld (%s) reissued as ln%lld (%s)", (long long)i->seq, i->op, (long long)seq, op);
	order_ctx_free(&c);
	return true;
}

/* mostrod's boot (DAEMON.md §3.0, §4.1): a watch on every hold invoice
 * still in play that no open intent watches (a database taken over from
 * mostrod has no intents at all). */
typedef struct watch_scan {
	engine *e;
	char  (*ids)[37];
	size_t  n, cap;
} watch_scan;

static bool in_play(const order_row *o, void *arg)
{
	watch_scan *w = arg;
	bool escrow = (o->status == OS_ACTIVE || o->status == OS_FIAT_SENT || o->status == OS_DISPUTE) &&
		      o->invoice_held_at != 0;
	bool waiting = o->status == OS_WAITING_PAYMENT || o->status == OS_WAITING_BUYER_INVOICE;
	if (!o->hash || !(escrow || waiting))
		return true;
	if (w->n == w->cap) {
		w->cap = w->cap ? w->cap * 2 : 16;
		w->ids = mu_xrealloc(w->ids, w->cap * sizeof *w->ids);
	}
	memcpy(w->ids[w->n++], o->id, 37);
	return true;
}

static bool watch_open_for(order_db *db, const char *hash)
{
	sqlite3_stmt *st = order_db_prepared(db, "SELECT 1 FROM ln_intents WHERE state = 'open'"
					     " AND op = 'watch_invoice' AND hash = ?1");
	if (!st)
		return false;
	sqlite3_bind_text(st, 1, hash, -1, SQLITE_STATIC);
	bool found = sqlite3_step(st) == SQLITE_ROW;
	order_db_done(db, st);
	return found;
}

static void watch_in_play(engine *e)
{
	static const order_status st[] = {OS_ACTIVE, OS_FIAT_SENT, OS_DISPUTE, OS_WAITING_PAYMENT, OS_WAITING_BUYER_INVOICE};
	watch_scan w = {e, NULL, 0, 0};
	order_each(e->db, st, sizeof st / sizeof *st, in_play, &w);
	for (size_t i = 0; i < w.n; i++) {
		order_ctx c;
		ctx_open(e, &c, "boot-watch");
		if (ctx_load_order(&c, w.ids[i]) && c.order.hash &&
		    !watch_open_for(e->db, c.order.hash)) {
			fx_ln(&c, "watch_invoice", jv_object_set(jv_object(), jv_string("hash"), jv_string(c.order.hash)),
			      c.order.id, c.order.hash, "hold_watch", jv_null());
			fx_log(&c, "order %s: watching its hold invoice (in play at start)", c.order.id);
		}
		order_ctx_free(&c);
	}
	free(w.ids);
}

static bool replay_outbox(int64_t seq, const char *stream, const char *line, void *arg)
{
	engine *e = arg;
	push_line(e, e->wrap, line, seq);
	return true;
}

/* Unwritten outbox lines (with --ack: every line no relay accepted yet),
 * then the reconciliation of open intents and a get_info, in one
 * transaction. */
static bool engine_start(engine *e)
{
	order_outbox_reset(&e->outbox);  /* every kept line goes now: no try pending */
	/* (a replay never crashed: a restart record follows a clean stop, which
	 * leaves no row behind but those --ack keeps until a relay accepts) */
	if (!e->replay || e->outbox.ack)
		outbox_each(e->db, replay_outbox, e);
	if (!tx_begin(e))
		return false;
	intent_each_open(e->db, reissue, e);
	watch_in_play(e);
	resume_all_deferred(e);
	order_jobs_at_start(e->db);      /* the jobs mostrod runs at every boot (kind 0) */
	order_ctx c;
	ctx_open(e, &c, "start");
	fx_ln(&c, "get_info", jv_object(), NULL, NULL, "get_info", jv_null());
	order_ctx_free(&c);
	return tx_commit(e);
}

/* ------------------------------------------------------------------ inputs */

static input *add_input(engine *e, const char *name, int fd, bool ends, bool ctl)
{
	input *in = mu_xmalloc(sizeof *in);
	memset(in, 0, sizeof *in);
	in->name = mu_xstrdup(name);
	in->fd = fd;
	in->ends = ends;
	in->ctl = ctl;
	line_reader_init(&in->r, fd, LINE_MAX_DEFAULT);
	int fl = fcntl(fd, F_GETFL);
	if (fl >= 0)
		fcntl(fd, F_SETFL, fl | O_NONBLOCK);
	e->in = mu_xrealloc(e->in, (e->nin + 1) * sizeof *e->in);
	e->in[e->nin++] = in;
	return in;
}

static void close_input(engine *e, input *in)
{
	if (in->closed)
		return;
	evloop_unwatch(e->loop, in->fd);
	if (in->fd > 2)
		close(in->fd);
	in->closed = true;
}

static void on_readable(int fd, short revents, void *arg)
{
	input *in = arg;
	long n = line_fill(&in->r);
	if (n == 0 || (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)) {
		in->eof = true;
		line_feed(&in->r, NULL, 0);
		evloop_unwatch(g_engine_loop, fd);   /* nothing more will come */
	}
}


static void on_ctl_accept(int fd, short revents, void *arg)
{
	engine *e = arg;
	int c = accept(fd, NULL, NULL);
	if (c < 0)
		return;
	fcntl(c, F_SETFD, FD_CLOEXEC);
	input *in = add_input(e, "ctl", c, false, true);
	evloop_watch(e->loop, c, POLLIN, on_readable, in);
}

static void on_signal(int sig)
{
	if (g_engine) {
		char b = (char)sig;
		ssize_t w = write(g_engine->sig[1], &b, 1);
		(void)w;
	}
}

static void on_signal_pipe(int fd, short revents, void *arg)
{
	engine *e = arg;
	char b[16];
	ssize_t n = read(fd, b, sizeof b);
	if (n > 0)
		e->stop = true;
}

static void on_clock(void *arg)
{
	engine *e = arg;
	char line[64];
	int n = snprintf(line, sizeof line, "{\"type\":\"tick\",\"now\":%lld}", (long long)time(NULL));
	if (tx_begin(e)) {
		handle_line(e, NULL, line, (size_t)n, false);
		tx_commit(e);
	}
	evloop_timer(e->loop, 1000, on_clock, e);
}

/* All complete lines ready on the inputs, in groups of at most e->batch. */
static void drain(engine *e)
{
	bool open = false;
	size_t done = 0;
	for (size_t i = 0; i < e->nin && !e->stop; i++) {
		input *in = e->in[i];
		if (in->closed)
			continue;
		for (;;) {
			const char *line;
			size_t len;
			line_status st = line_next(&in->r, &line, &len);
			if (st == LINE_TOO_LONG) {
				bad_line(e, in->name, "line too long");
				continue;
			}
			if (st != LINE_OK)
				break;
			if (!open) {
				if (!tx_begin(e))
					return;
				open = true;
			}
			handle_line(e, in, line, len, false);
			if (++done % (size_t)e->batch == 0) {
				tx_commit(e);
				open = false;
			}
		}
		if (in->eof && (in->ctl || !in->ends)) {
			if (open && in->ctl) {
				/* its answers go out on it: commit before it closes */
				tx_commit(e);
				open = false;
			}
			close_input(e, in);
		}
	}
	if (open)
		tx_commit(e);
}

static bool finished(engine *e)
{
	bool any = false;
	for (size_t i = 0; i < e->nin; i++) {
		input *in = e->in[i];
		if (!in->ends)
			continue;
		any = true;
		if (!in->eof)
			return false;
	}
	return any;
}

static int open_input_path(const char *path, bool *ends)
{
	struct stat sb;
	if (stat(path, &sb) != 0)
		return -1;
	/* a FIFO is held open for writing too, so its writers may come and go */
	bool fifo = S_ISFIFO(sb.st_mode);
	*ends = !fifo;
	return open(path, (fifo ? O_RDWR : O_RDONLY) | O_NONBLOCK | O_CLOEXEC);
}

static int listen_ctl(const char *path)
{
	struct sockaddr_un a;
	memset(&a, 0, sizeof a);
	a.sun_family = AF_UNIX;
	if (strlen(path) >= sizeof a.sun_path) {
		report("--ctl-socket: path too long");
		return -1;
	}
	strcpy(a.sun_path, path);
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	unlink(path);
	mode_t old = umask(0177);
	int rc = bind(fd, (struct sockaddr *)&a, sizeof a);
	umask(old);
	if (rc != 0 || chmod(path, 0600) != 0 || listen(fd, 16) != 0) {
		report("--ctl-socket %s: %s", path, strerror(errno));
		close(fd);
		return -1;
	}
	return fd;
}

/* --ack, at the end: the lines written and not settled yet (no published
 * record) keep coming back from pub for at most `secs` seconds, so a clean
 * stop does not send them again at the next start. Inputs that end the run
 * (standard input, files) are not read any more; the FIFOs (the published
 * records among them) and the ctl socket are, and what they bring is
 * decided as usual. A signal or a lost output ends the wait. */
static void await_acks(engine *e, double secs)
{
	if (!e->outbox.ack || e->out_failed || secs <= 0)
		return;
	for (size_t i = 0; i < e->nin; i++)
		if (e->in[i]->ends && !e->in[i]->eof && !e->in[i]->closed)
			evloop_unwatch(e->loop, e->in[i]->fd);
	struct timespec t0, t;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	e->stop = false;
	for (;;) {
		int64_t kept = 0;
		if (outbox_count(e->db, &kept) != ODB_OK || kept <= (int64_t)order_outbox_waiting(&e->outbox))
			break;
		clock_gettime(CLOCK_MONOTONIC, &t);
		double left = secs - ((double)(t.tv_sec - t0.tv_sec) + (double)(t.tv_nsec - t0.tv_nsec) / 1e9);
		if (left <= 0 || e->stop || e->out_failed)
			break;
		evloop_run_once(e->loop, left < 0.1 ? 1 : (int)(left * 1000 < 100 ? left * 1000 : 100));
		drain(e);
	}
}

/* ----------------------------------------------------------------- setup */

static int engine_open(engine *e, const order_run_opts *o, const char *seed_hex)
{
	memset(e, 0, sizeof *e);
	e->log_fd = -1;
	e->listen_fd = -1;
	e->sig[0] = e->sig[1] = -1;
	e->batch = o->batch > 0 ? o->batch : 256;
	/* the engine is the whole process: keep freed heap instead of giving it
	 * back to the kernel after every batch (glibc trims at 128 KiB, and
	 * each trim was a brk(2) and fresh zeroed pages at the next batch) */
	mallopt(M_TRIM_THRESHOLD, 64 << 20);
	mallopt(M_TOP_PAD, 4 << 20);
	/* nobody reads SQLite's memory statistics here, and keeping them takes
	 * a global mutex on every allocation (effective only before SQLite's
	 * first use in the process, which is the case for mostro-order run) */
	sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
	if (sodium_init() < 0) {
		report("libsodium failed to initialize");
		return MU_EXIT_CONFIG;
	}
	char err[512];
	e->lock = (store_lock)STORE_LOCK_INIT;
	if (strcmp(o->db_path, ":memory:") == 0) {
		e->db = order_db_open(o->db_path, err, sizeof err);
		if (!e->db) {
			report("%s", err);
			return MU_EXIT_CONFIG;
		}
	} else {
		/* the single writer: the lock first, then the file (created 0600,
		 * a newer schema or a foreign database refused untouched) */
		store_writer w = STORE_WRITER_INIT;
		store_db_err se = store_writer_open(&w, o->db_path, STORE_CREATE_OR_OPEN, "mostro-order run", err, sizeof err);
		if (se != STORE_DB_OK) {
			report("%s", err);
			return se == STORE_DB_OWNED ? MU_EXIT_REFUSED : MU_EXIT_CONFIG;
		}
		e->lock = w.lock;
		e->db = order_db_wrap(w.db);
	}
	/* durable commits: a committed decision survives a power loss */
	db_exec(order_db_handle(e->db), "PRAGMA synchronous=FULL", NULL, 0);
	order_config_defaults(&e->cfg);
	jv cj = order_config_to_jv(o->cfg);
	order_config_from_jv(&e->cfg, cj, err, sizeof err);
	jv_free(cj);
	if (!load_seed(e, seed_hex)) {
		report("%s: cannot read or create the seed", o->db_path);
		return MU_EXIT_CONFIG;
	}
	load_meta(e);
	sink_init(&e->sink);
	order_outbox_init(&e->outbox, o->ack);
	e->crash = getenv("MOSTRO_ORDER_CRASH");
	if (e->crash) {
		const char *colon = strchr(e->crash, ':');
		e->crash_at = colon ? strtoul(colon + 1, NULL, 10) : 0;
	}
	return MU_EXIT_OK;
}

static void engine_close(engine *e)
{
	for (size_t i = 0; i < e->nin; i++) {
		close_input(e, e->in[i]);
		line_reader_free(&e->in[i]->r);
		free(e->in[i]->name);
		free(e->in[i]);
	}
	free(e->in);
	for (size_t i = 0; i < e->nheld; i++)
		free(e->held[i]);
	free(e->held);
	if (e->ln && e->ln != e->wrap)
		outq_close(e->ln);
	if (e->wrap && !outq_close(e->wrap))
		e->out_failed = true;
	e->wrap = e->ln = NULL;
	/* everything queued is written now: the outbox can go (with --ack it
	 * waits for the relays' word) */
	if (!e->out_failed && e->npend && !e->outbox.ack && order_db_begin(e->db)) {
		if (outbox_delete_through(e->db, e->pend[e->npend - 1].seq) == ODB_OK)
			order_db_commit(e->db);
		else
			order_db_rollback(e->db);
	}
	free(e->pend);
	order_outbox_free(&e->outbox);
	drop_ctl_answers(e);
	free(e->ans);
	sink_free(&e->sink);
	free(e->network);
	free(e->networks);
	order_config_free(&e->cfg);
	order_db_close(e->db);
	e->db = NULL;
	store_lock_release(&e->lock);
	if (e->log_fd >= 0)
		close(e->log_fd);
	if (e->listen_fd >= 0)
		close(e->listen_fd);
	if (e->sig[0] >= 0) {
		close(e->sig[0]);
		close(e->sig[1]);
	}
	evloop_free(e->loop);
	sodium_memzero(e->seed, sizeof e->seed);
}

/* The record that opens every run in a --log: what replay needs to decide
 * the same way (the settings and the database's seed: keep the log 0600). */
static void log_start(engine *e)
{
	if (e->log_fd < 0)
		return;
	char h[65];
	hex_encode(h, e->seed, 32);
	jv r = jv_object_set(jv_object(), jv_string("type"), jv_string("start"));
	r = jv_object_set(r, jv_string("config"), order_config_to_jv(&e->cfg));
	r = jv_object_set(r, jv_string("seed"), jv_string(h));
	if (e->outbox.ack)
		r = jv_object_set(r, jv_string("ack"), jv_true());  /* refs on the outputs */
	sodium_memzero(h, sizeof h);
	char *line = json_dumps(r);
	jv_free(r);
	size_t n = strlen(line);
	if (write(e->log_fd, line, n) < 0 || write(e->log_fd, "\n", 1) < 0)
		report("--log: %s", strerror(errno));
	sodium_memzero(line, n);
	free(line);
}

static int exit_code(engine *e)
{
	if (e->out_failed)
		return MU_EXIT_UNREACHABLE;
	return e->bad_lines ? MU_EXIT_PARTIAL : MU_EXIT_OK;
}

int order_run(const order_run_opts *o)
{
	engine e;
	int rc = engine_open(&e, o, o->seed_hex);
	if (rc != MU_EXIT_OK) {
		order_db_close(e.db);
		return rc;
	}
	signal(SIGPIPE, SIG_IGN);
	e.loop = evloop_new();
	g_engine_loop = e.loop;
	order_db_manual_checkpoints(e.db);   /* schedule_checkpoint() runs them */
	if (o->log_path) {
		/* created 0600 (it holds the seed), never through a planted symlink */
		safefile_err fe;
		e.log_fd = safefile_open_append(o->log_path, 0, &fe);
		if (e.log_fd < 0) {
			report("--log %s: %s", o->log_path, fe == SAFEFILE_ERR_CREATE ? strerror(errno) :
			       fe == SAFEFILE_ERR_EXISTS ? "a symlink to nothing: not followed" : safefile_strerror(fe));
			engine_close(&e);
			return MU_EXIT_CONFIG;
		}
	}
	if (o->use_stdin)
		evloop_watch(e.loop, STDIN_FILENO, POLLIN, on_readable, add_input(&e, "stdin", STDIN_FILENO, true, false));
	for (size_t i = 0; i < o->n_inputs; i++) {
		bool ends = true;
		int fd = open_input_path(o->inputs[i], &ends);
		if (fd < 0) {
			report("--input %s: %s", o->inputs[i], strerror(errno));
			engine_close(&e);
			return MU_EXIT_CONFIG;
		}
		evloop_watch(e.loop, fd, POLLIN, on_readable, add_input(&e, o->inputs[i], fd, ends, false));
	}
	/* outputs after the inputs: opening a FIFO to write waits for its
	 * reader, which may be waiting for our inputs to open */
	int ln_fd = o->ln_out_fd;
	if (o->ln_out_path) {
		ln_fd = open(o->ln_out_path, O_WRONLY | O_CLOEXEC);
		if (ln_fd < 0) {
			report("--ln-out %s: %s", o->ln_out_path, strerror(errno));
			engine_close(&e);
			return MU_EXIT_CONFIG;
		}
	}
	e.wrap = outq_open(STDOUT_FILENO);
	e.ln = ln_fd >= 0 ? outq_open(ln_fd) : e.wrap;
	if (!e.wrap || !e.ln) {
		report("cannot start the output writers");
		engine_close(&e);
		return MU_EXIT_CONFIG;
	}
	if (o->ctl_socket) {
		e.listen_fd = listen_ctl(o->ctl_socket);
		if (e.listen_fd < 0) {
			engine_close(&e);
			return MU_EXIT_CONFIG;
		}
		evloop_watch(e.loop, e.listen_fd, POLLIN, on_ctl_accept, &e);
	}
	if (pipe(e.sig) == 0) {
		fcntl(e.sig[0], F_SETFL, O_NONBLOCK);
		fcntl(e.sig[1], F_SETFL, O_NONBLOCK);
		g_engine = &e;
		struct sigaction sa;
		memset(&sa, 0, sizeof sa);
		sa.sa_handler = on_signal;
		sigaction(SIGTERM, &sa, NULL);
		sigaction(SIGINT, &sa, NULL);
		evloop_watch(e.loop, e.sig[0], POLLIN, on_signal_pipe, &e);
	}
	log_start(&e);
	if (!engine_start(&e)) {
		engine_close(&e);
		return MU_EXIT_CONFIG;
	}
	if (o->clock_system)
		on_clock(&e);
	while (!e.stop) {
		evloop_run_once(e.loop, 1000);
		drain(&e);
		if (finished(&e))
			break;
	}
	drain(&e);
	await_acks(&e, o->ack_wait);
	rc = exit_code(&e);
	engine_close(&e);
	if (o->ctl_socket)
		unlink(o->ctl_socket);
	g_engine = NULL;
	return rc;
}

/* ------------------------------------------------------------------ replay */

int order_replay(const char *log_path, const order_run_opts *o)
{
	int fd = open(log_path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		report("%s: %s", log_path, strerror(errno));
		return MU_EXIT_CONFIG;
	}
	line_reader r;
	line_reader_init(&r, fd, LINE_MAX_DEFAULT);
	engine e;
	bool opened = false;
	int rc = MU_EXIT_OK;
	const char *line;
	size_t len;
	line_status st;
	while ((st = line_read(&r, &line, &len)) != LINE_EOF) {
		if (st == LINE_TOO_LONG)
			continue;
		if (st != LINE_OK)
			break;
		jv rec = json_parse(line, len, JSON_EXACT_NUMBERS, NULL);
		const char *type = jv_is_valid(rec) ? json_get_str(rec, "type", NULL) : NULL;
		if (type && strcmp(type, "start") == 0) {
			/* a (re)start of the recorded run: its settings, its seed */
			order_config cfg;
			order_config_defaults(&cfg);
			char err[256];
			jv cj = json_get(rec, "config");
			if (!order_config_from_jv(&cfg, cj, err, sizeof err))
				report("%s: %s", log_path, err);
			jv_free(cj);
			const char *seed = json_get_str(rec, "seed", NULL);
			if (!opened) {
				order_run_opts ro = *o;
				ro.cfg = &cfg;
				if ((rc = engine_open(&e, &ro, seed)) != MU_EXIT_OK) {
					order_config_free(&cfg);
					jv_free(rec);
					order_db_close(e.db);
					break;
				}
				e.replay = true;
				e.loop = evloop_new();
				int ln_fd = o->ln_out_path ? open(o->ln_out_path, O_WRONLY | O_CLOEXEC) : o->ln_out_fd;
				if (o->ln_out_path && ln_fd < 0)
					report("--ln-out %s: %s", o->ln_out_path, strerror(errno));
				e.wrap = outq_open(STDOUT_FILENO);
				e.ln = ln_fd >= 0 ? outq_open(ln_fd) : e.wrap;
				opened = true;
			} else {
				order_config_free(&e.cfg);
				order_config_defaults(&e.cfg);
				jv c2 = order_config_to_jv(&cfg);
				order_config_from_jv(&e.cfg, c2, err, sizeof err);
				jv_free(c2);
			}
			order_config_free(&cfg);
			jv ack = json_get(rec, "ack");
			e.outbox.ack = jv_get_kind(ack) == JV_KIND_TRUE;
			jv_free(ack);
			load_meta(&e);
			engine_start(&e);
		} else if (opened && type && strcmp(type, "ctl_socket") == 0) {
			/* answered on its connection in the run: decide, print nothing */
			jv inner = json_get(rec, "record");
			char *text = json_dumps(inner);
			jv_free(inner);
			input sock = {.name = (char *)"ctl", .fd = -1, .ctl = true};
			if (tx_begin(&e)) {
				handle_line(&e, &sock, text, strlen(text), true);
				tx_commit(&e);
			}
			free(text);
		} else if (opened) {
			if (tx_begin(&e)) {
				handle_line(&e, NULL, line, len, true);
				tx_commit(&e);
			}
		} else {
			report("%s: the log does not begin with a start record", log_path);
			rc = MU_EXIT_INVALID;
			jv_free(rec);
			break;
		}
		jv_free(rec);
	}
	line_reader_free(&r);
	close(fd);
	if (opened) {
		if (rc == MU_EXIT_OK)
			rc = exit_code(&e);
		engine_close(&e);
	}
	return rc;
}

/* ----------------------------------------------------------- in-process */

order_engine *order_engine_new(const char *db_path, const order_config *cfg, const char *seed_hex, bool quiet)
{
	engine *e = mu_xmalloc(sizeof *e);
	order_run_opts o = { .db_path = db_path, .cfg = cfg, .batch = 1 };
	if (engine_open(e, &o, seed_hex) != MU_EXIT_OK) {
		order_db_close(e->db);
		free(e);
		return NULL;
	}
	e->mem = mu_xmalloc(sizeof *e->mem);
	*e->mem = (buf)BUF_INIT;
	e->quiet = quiet;
	e->loop = evloop_new();
	return e;
}

void order_engine_start(order_engine *e)
{
	engine_start(e);
}

void order_engine_input(order_engine *e, const char *line, size_t len)
{
	if (tx_begin(e)) {
		handle_line(e, NULL, line, len, false);
		tx_commit(e);
	}
}

const char *order_engine_output(order_engine *e, size_t *len)
{
	if (len)
		*len = e->mem->len;
	return e->mem->p ? e->mem->p : "";
}

void order_engine_clear_output(order_engine *e)
{
	buf_reset(e->mem);
}

void order_engine_free(order_engine *e)
{
	if (!e)
		return;
	buf_free(e->mem);
	free(e->mem);
	e->mem = NULL;
	engine_close(e);
	free(e);
}
