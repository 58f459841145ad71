/* The scheduler of mostro-order run (DAEMON.md §3, lib/order_tick.c) as rows:
 * the job table (every job of mostrod's scheduler a row, in the order mostrod
 * starts them, with its § and interval; the orderbook reconciler a named row
 * that is not run, with the reason), the timers' cell tables (every status,
 * and kind for §3.2, one cell; the cells that act are exactly DAEMON.md's
 * rows, every other one the explicit "nothing to do"), the §3.3 window, the
 * kind 0 URLs, and the schedule through an in-process engine on a file:
 * nothing but kind 0 before the node answers get_info, every periodic job at
 * the first tick after it and then on its interval, the schedule kept across
 * a restart, kind 0 again at every start, get_info asked again while the
 * node is unknown. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "json.h"
#include "order_config.h"
#include "order_run.h"
#include "order_tick.h"
#include "t.h"

#define T0 1700000000
#define MOSTRO "79be667ef9dcbbac55a06295ce870b07029bfcdb2dce28d959f2815b16f81798"

/* --------------------------------------------------------------- the table */

static const struct { const char *name; const char *ref; job_when when; int64_t every; bool node; } want_jobs[] = {
	{"metadata", "§3.0 kind 0", JOB_EACH_START, 0, false},
	{"expire_pending", "§3.1", JOB_PERIODIC, 60, true},
	{"rating_flush", "§5 38384", JOB_PERIODIC, 3600, true},
	{"waiting_timeout", "§3.2", JOB_PERIODIC, 60, true},
	{"escrow_guardian", "§3.3", JOB_PERIODIC, 300, true},
	{"retry_payouts", "§3.4", JOB_PERIODIC, 60, true},
	{"reconcile_payouts", "§3.5", JOB_PERIODIC, 60, true},
	{"dev_fee", "§3.6", JOB_PERIODIC, 60, true},
	{"orderbook_reconciler", "§1.2", JOB_NOT_RUN, 0, false},
	{"info_event", "§3.7 38385", JOB_PERIODIC, 300, true},
	{"relay_list", "§3.7 10002", JOB_PERIODIC, 60, true},
};
#define NWANT (sizeof want_jobs / sizeof *want_jobs)

static void job_rows(void)
{
	order_config cfg;
	order_config_defaults(&cfg);
	t_eq_int((long long)order_job_count, (long long)NWANT, "the job table has a row for each job of mostrod's scheduler");
	for (size_t i = 0; i < NWANT && i < order_job_count; i++) {
		const order_job *j = &order_jobs[i];
		t_eq_str(j->name, want_jobs[i].name, "row %zu is %s (mostrod's start order)", i, want_jobs[i].name);
		t_eq_str(j->ref, want_jobs[i].ref, "%s names DAEMON.md %s", j->name, want_jobs[i].ref);
		t_ok(j->when == want_jobs[i].when, "%s runs %s", j->name, job_when_name(want_jobs[i].when));
		t_ok(j->what && *j->what, "%s says what it does (or why not)", j->name);
		t_ok(j->needs_node == want_jobs[i].node, "%s %s the node's get_info", j->name,
		     want_jobs[i].node ? "waits for" : "does not wait for");
		if (j->when == JOB_NOT_RUN)
			t_ok(!j->run && !j->interval && strstr(j->what, "not run"), "%s is a named row that is not run", j->name);
		else
			t_ok(j->run != NULL, "%s has its function", j->name);
		if (j->when == JOB_PERIODIC)
			t_eq_int(j->interval(&cfg), want_jobs[i].every, "%s every %lld s by default", j->name,
				 (long long)want_jobs[i].every);
	}
	/* the intervals that are settings follow them */
	cfg.publish_mostro_info_interval = 77;
	cfg.publish_relays_interval = 13;
	cfg.user_rates_sent_interval_seconds = 120;
	cfg.payment_retries_interval = 45;
	for (size_t i = 0; i < order_job_count; i++) {
		const order_job *j = &order_jobs[i];
		int64_t want = strcmp(j->name, "info_event") == 0 ? 77 : strcmp(j->name, "relay_list") == 0 ? 13
			: strcmp(j->name, "rating_flush") == 0 ? 120 : strcmp(j->name, "retry_payouts") == 0 ? 45 : -1;
		if (want > 0)
			t_eq_int(j->interval(&cfg), want, "%s follows its setting", j->name);
	}
	t_ok(job_when_name(-1) == NULL && job_when_name(JOB_WHEN_COUNT) == NULL && job_when_name(JOB_PERIODIC),
	     "job_when names: none out of range");
	order_config_free(&cfg);
}

/* -------------------------------------------------------------- the cells */

static void check_cell(const job_cell *cell, bool acts, const char *what, const char *where)
{
	t_ok(cell->fn && cell->name && *cell->name && cell->ref && strncmp(cell->ref, "§3.", 3) == 0,
	     "%s: a cell with its handler, name and § (%s)", where, cell->ref ? cell->ref : "?");
	if (acts)
		t_ok(job_cell_acts(cell) && strstr(cell->name, what), "%s: %s", where, what);
	else
		t_ok(!job_cell_acts(cell) && cell->fn == job_nothing && strcmp(cell->name, "nothing to do") == 0,
		     "%s: nothing to do", where);
}

static void cells(void)
{
	char where[96];
	for (int s = 0; s < OS_COUNT; s++) {
		snprintf(where, sizeof where, "§3.1 %s", order_status_name(s));
		bool publish = s == OS_PENDING || s == OS_WAITING_TAKER_BOND;
		check_cell(&expire_cells[s], publish || s == OS_WAITING_MAKER_BOND,
			   publish ? "expire, publish s=canceled" : "expire, no publish", where);
		snprintf(where, sizeof where, "§3.3 %s", order_status_name(s));
		check_cell(&guardian_cells[s], s == OS_ACTIVE || s == OS_FIAT_SENT,
			   s == OS_ACTIVE ? "cancel the hold invoice" : "dispute", where);
		for (int k = 0; k < ORDER_KIND_COUNT; k++) {
			snprintf(where, sizeof where, "§3.2 %s x %s", order_status_name(s), order_kind_name(k));
			/* the late-party table: the taker late -> republish, the maker late -> cancel */
			bool republish = (s == OS_WAITING_BUYER_INVOICE && k == ORDER_SELL) ||
					 (s == OS_WAITING_PAYMENT && k == ORDER_BUY);
			bool cancel = (s == OS_WAITING_BUYER_INVOICE && k == ORDER_BUY) ||
				      (s == OS_WAITING_PAYMENT && k == ORDER_SELL);
			check_cell(&timeout_cells[s][k], republish || cancel,
				   republish ? "republish (the taker was late)" : "cancel (the maker was late)", where);
		}
	}
	t_ok(!job_cell_acts(NULL), "no cell acts on nothing");
}

/* -------------------------------------------------------- §3.3 W, kind 0 URLs */

static void window(void)
{
	static const struct { int64_t cltv, margin, w; const char *why; } rows[] = {
		{144, 24, 72000, "defaults: (144 - 24) x 600"},
		{144, 143, 600, "a margin just below the delta is kept"},
		{144, 144, 43200, "a margin equal to the delta is halved to 72"},
		{144, 500, 43200, "a margin above the delta too"},
		{40, 10, 18000, "(40 - 10) x 600"},
	};
	for (size_t i = 0; i < sizeof rows / sizeof *rows; i++) {
		order_config cfg;
		order_config_defaults(&cfg);
		cfg.hold_invoice_cltv_delta = rows[i].cltv;
		cfg.escrow_deadline_margin_blocks = rows[i].margin;
		t_eq_int(order_escrow_window(&cfg), rows[i].w, "§3.3 W: %s", rows[i].why);
		order_config_free(&cfg);
	}
}

static void urls(void)
{
	static const struct { const char *in, *out, *why; } rows[] = {
		{"https://example.com/a.png", "https://example.com/a.png", "kept"},
		{"HTTPS://Example.COM", "https://example.com/", "scheme and host lower-cased, the empty path /"},
		{"http://EX.com?q=A", "http://ex.com/?q=A", "a query right after the host gets its /"},
		{"https://user@Host.example:8080/P", "https://user@host.example:8080/P", "user and port kept, the path as written"},
		{"wss://relay.example", "wss://relay.example/", "ws(s) is special too"},
		{"mailto:admin@example.com", "mailto:admin@example.com", "other schemes as written"},
		{"example.com/home", NULL, "no scheme: does not parse (left out)"},
		{"https://", NULL, "no host"},
		{"https:example.com", NULL, "a special scheme without //"},
		{"https://exa mple.com", NULL, "a space in the host"},
		{"1http://x", NULL, "a scheme starts with a letter"},
		{"https://ex.com/a\nb", NULL, "a control character"},
	};
	for (size_t i = 0; i < sizeof rows / sizeof *rows; i++) {
		char *got = order_url_normalize(rows[i].in);
		char shown[64];
		snprintf(shown, sizeof shown, "%s", rows[i].in);
		for (char *q = shown; *q; q++)
			if ((unsigned char)*q < 0x20)
				*q = '?';
		if (rows[i].out)
			t_eq_str(got, rows[i].out, "url %s: %s", shown, rows[i].why);
		else
			t_ok(got == NULL, "url %s: %s", shown, rows[i].why);
		free(got);
	}
	t_ok(order_url_normalize(NULL) == NULL, "url NULL: none");
}

/* ------------------------------------------------------------ the schedule */

static char db_path[256];

static order_engine *engine_open(void)
{
	order_config cfg;
	order_config_defaults(&cfg);
	snprintf(cfg.mostro_pubkey, sizeof cfg.mostro_pubkey, "%s", MOSTRO);
	order_config_add_relay(&cfg, "wss://relay.one");
	cfg.name = strdup("Tick Test");
	order_engine *e = order_engine_new(db_path, &cfg, NULL, true);
	order_config_free(&cfg);
	if (e)
		order_engine_start(e);
	return e;
}

static void input(order_engine *e, const char *fmt, long long v)
{
	char line[512];
	int n = snprintf(line, sizeof line, fmt, v);
	order_engine_input(e, line, (size_t)n);
}

/* The outputs since the last call, one kind/op token per line ("0 10002 38385
 * get_info ctl"), and clears them. */
static void tokens(order_engine *e, char *out, size_t cap)
{
	size_t len;
	const char *p = order_engine_output(e, &len);
	out[0] = 0;
	size_t used = 0;
	while (len && *p) {
		const char *nl = memchr(p, '\n', len);
		size_t n = nl ? (size_t)(nl - p) : len;
		jv v = json_parse(p, n, JSON_EXACT_NUMBERS, NULL);
		char tok[48] = "?";
		int64_t kind;
		jv k = json_get(v, "kind");
		if (json_get_i64(k, &kind))
			snprintf(tok, sizeof tok, "%lld", (long long)kind);
		else if (json_get_str(v, "op", NULL))
			snprintf(tok, sizeof tok, "%s", json_get_str(v, "op", NULL));
		else if (json_get_str(v, "type", NULL))
			snprintf(tok, sizeof tok, "%s", json_get_str(v, "type", NULL));
		jv_free(k);
		jv_free(v);
		used += (size_t)snprintf(out + used, cap - used, "%s%s", used ? " " : "", tok);
		if (used >= cap)
			break;
		p += n + (nl ? 1 : 0);
		len -= n + (nl ? 1 : 0);
	}
	order_engine_clear_output(e);
}

/* next_at of a job from `ctl jobs` (-1: null). */
static int64_t next_at(order_engine *e, const char *name)
{
	order_engine_clear_output(e);
	const char *q = "{\"type\":\"ctl\",\"id\":\"j\",\"cmd\":\"jobs\"}";
	order_engine_input(e, q, strlen(q));
	size_t len;
	const char *p = order_engine_output(e, &len);
	jv r = json_parse(p, len, JSON_EXACT_NUMBERS, NULL);
	jv l = json_get(r, "result");
	int64_t at = -2;
	jv_array_foreach(l, i, row) {
		if (strcmp(json_get_str(row, "name", NULL) ? json_get_str(row, "name", NULL) : "", name) == 0) {
			jv n = json_get(row, "next_at");
			if (!json_get_i64(n, &at))
				at = -1;
			jv_free(n);
		}
		jv_free(row);
	}
	jv_free(l);
	jv_free(r);
	order_engine_clear_output(e);
	return at;
}

static const char *GET_INFO =
	"{\"type\":\"ln_result\",\"id\":\"ln%lld\",\"op\":\"get_info\",\"ok\":true,\"result\":{\"network\":\"regtest\","
	"\"chains\":[{\"chain\":\"bitcoin\",\"network\":\"regtest\"}],\"version\":\"v\",\"identity_pubkey\":\"02aa\","
	"\"alias\":\"a\",\"commit_hash\":\"c\",\"block_height\":800000,\"uris\":[]}}";

static void schedule(void)
{
	char tok[512];
	snprintf(db_path, sizeof db_path, "/tmp/test_order_tick.%d.db", (int)getpid());
	order_engine *e = engine_open();
	t_ok(e != NULL, "an engine on %s", db_path);
	if (!e)
		return;
	tokens(e, tok, sizeof tok);
	t_eq_str(tok, "get_info", "start: get_info (ln1)");
	input(e, "{\"type\":\"tick\",\"now\":%lld}", T0);
	tokens(e, tok, sizeof tok);
	t_eq_str(tok, "0", "first tick, the node unknown: only kind 0 (mostrod publishes it before LND); the rest waits");
	t_ok(next_at(e, "relay_list") <= T0, "the relay list is due (each start), waiting for the node");
	t_eq_int(next_at(e, "metadata"), -1, "kind 0 is done for this run");
	input(e, GET_INFO, 1);
	tokens(e, tok, sizeof tok);
	t_eq_str(tok, "", "get_info's answer: nothing published yet (jobs run on ticks)");
	input(e, "{\"type\":\"tick\",\"now\":%lld}", T0 + 1);
	tokens(e, tok, sizeof tok);
	t_eq_str(tok, "38385 10002", "the tick after: every periodic job runs (info, relay list; the others had nothing to do)");
	static const struct { const char *name; int64_t at; } after[] = {
		{"expire_pending", T0 + 61}, {"rating_flush", T0 + 3601}, {"waiting_timeout", T0 + 61},
		{"escrow_guardian", T0 + 301}, {"retry_payouts", T0 + 61}, {"reconcile_payouts", T0 + 61},
		{"dev_fee", T0 + 61}, {"orderbook_reconciler", -1}, {"info_event", T0 + 301}, {"relay_list", T0 + 61},
	};
	for (size_t i = 0; i < sizeof after / sizeof *after; i++)
		t_eq_int(next_at(e, after[i].name), after[i].at, "%s next at %s", after[i].name,
			 after[i].at < 0 ? "never (not run)" : "now + its interval");
	input(e, "{\"type\":\"tick\",\"now\":%lld}", T0 + 30);
	tokens(e, tok, sizeof tok);
	t_eq_str(tok, "", "T0+30: nothing due");
	order_engine_free(e);

	e = engine_open();
	tokens(e, tok, sizeof tok);
	input(e, "{\"type\":\"tick\",\"now\":%lld}", T0 + 40);
	tokens(e, tok, sizeof tok);
	t_eq_str(tok, "0 38385 10002", "restart at T0+40: kind 0, the info event and the relay list again "
		 "(mostrod publishes them at boot: settings may have changed)");
	t_eq_int(next_at(e, "relay_list"), T0 + 100, "the relay list next at T0+100 (from this run)");
	input(e, "{\"type\":\"tick\",\"now\":%lld}", T0 + 61);
	tokens(e, tok, sizeof tok);
	t_eq_str(tok, "", "T0+61: nothing due");
	input(e, "{\"type\":\"tick\",\"now\":%lld}", T0 + 400);
	tokens(e, tok, sizeof tok);
	t_eq_str(tok, "38385 10002", "T0+400: the info event and the relay list (both overdue run once, not per missed slot)");
	t_eq_int(next_at(e, "info_event"), T0 + 700, "the info event next at T0+700 (from the run, not the missed slot)");
	order_engine_free(e);
	unlink(db_path);
	char side[300];
	snprintf(side, sizeof side, "%s-wal", db_path);
	unlink(side);
	snprintf(side, sizeof side, "%s-shm", db_path);
	unlink(side);
	snprintf(side, sizeof side, "%s.lock", db_path);
	unlink(side);
}

/* The node never answered: the jobs wait, get_info is asked again once a minute. */
static void node_unknown(void)
{
	char tok[512];
	snprintf(db_path, sizeof db_path, ":memory:");
	order_engine *e = engine_open();
	tokens(e, tok, sizeof tok);
	input(e, "{\"type\":\"tick\",\"now\":%lld}", T0);
	tokens(e, tok, sizeof tok);
	t_eq_str(tok, "0", "node unknown: kind 0 only; ln1 (get_info) still open: not asked again");
	const char *err = "{\"type\":\"ln_result\",\"id\":\"ln1\",\"op\":\"get_info\",\"ok\":false,"
			  "\"error\":{\"kind\":\"transport\",\"message\":\"down\"}}";
	order_engine_input(e, err, strlen(err));
	input(e, "{\"type\":\"tick\",\"now\":%lld}", T0 + 1);
	tokens(e, tok, sizeof tok);
	t_eq_str(tok, "get_info", "get_info failed: the next tick asks again, the jobs wait");
	input(e, GET_INFO, 2);
	input(e, "{\"type\":\"tick\",\"now\":%lld}", T0 + 2);
	tokens(e, tok, sizeof tok);
	t_eq_str(tok, "38385 10002", "answered: the jobs run at the next tick");
	order_engine_free(e);

	e = engine_open();
	tokens(e, tok, sizeof tok);
	input(e, "{\"type\":\"tick\",\"now\":%lld}", T0);
	order_engine_input(e, err, strlen(err));
	input(e, "{\"type\":\"tick\",\"now\":%lld}", T0 + 1);
	const char *err2 = "{\"type\":\"ln_result\",\"id\":\"ln2\",\"op\":\"get_info\",\"ok\":false,"
			   "\"error\":{\"kind\":\"transport\",\"message\":\"down\"}}";
	order_engine_input(e, err2, strlen(err2));
	tokens(e, tok, sizeof tok);
	input(e, "{\"type\":\"tick\",\"now\":%lld}", T0 + 30);
	tokens(e, tok, sizeof tok);
	t_eq_str(tok, "", "failed again: not asked again within the minute");
	input(e, "{\"type\":\"tick\",\"now\":%lld}", T0 + 61);
	tokens(e, tok, sizeof tok);
	t_eq_str(tok, "get_info", "a minute later: asked again");
	order_engine_free(e);
}

int main(void)
{
	job_rows();
	cells();
	window();
	urls();
	schedule();
	node_unknown();
	return t_done();
}
