/* mostro-relay — the network tool: publish events (pub), read stored events
 * (req), follow a subscription (sub), fetch a relay's NIP-11 document (info),
 * run the embedded relay (serve). Options per subcommand are parsed here; the
 * work is in lib/relay_*.c. */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <curl/curl.h>

#include "exitcode.h"
#include "filter.h"
#include "keys.h"
#include "lineio.h"
#include "relay_config.h"
#include "relay_info_client.h"
#include "relay_pub.h"
#include "relay_nip42.h"
#include "relay_server.h"
#include "relay_sub.h"
#include "relay_url.h"
#include "secret.h"

#define DEFAULT_CONNECT_TIMEOUT 10.0
#define DEFAULT_OK_TIMEOUT      10.0
#define DEFAULT_REQ_WAIT        30.0
#define DEFAULT_PING_INTERVAL   30.0

static const char usage_text[] =
	"usage: mostro-relay pub  [options] [RELAY...]   < events\n"
	"       mostro-relay req  [options] [RELAY...] --filter JSON | < filters\n"
	"       mostro-relay sub  [options] [RELAY...] --filter JSON | < filters\n"
	"       mostro-relay info [options] RELAY...\n"
	"       mostro-relay serve [options]\n"
	"\n"
	"Relays: arguments and $RELAYS (comma-separated), normalised (bare host -> wss://,\n"
	"localhost -> ws://) and deduplicated. With no relay, pub/req/sub print the\n"
	"frames they would send.\n"
	"\n"
	"Common options:\n"
	"  --connect-timeout DUR   per connection attempt (default 10s; $MOSTRO_RELAY_CONNECT_TIMEOUT)\n"
	"  --ok-timeout DUR        pub: wait for each OK (default 10s; $MOSTRO_RELAY_OK_TIMEOUT)\n"
	"  --wait-timeout DUR      req: wait for EOSE (default 30s); sub: run at most this long\n"
	"                          (default: forever); $MOSTRO_RELAY_WAIT_TIMEOUT\n"
	"  --ping-interval DUR     ping a relay silent this long; drop and reconnect when\n"
	"                          it stays silent as long again (default 30s;\n"
	"                          $MOSTRO_RELAY_PING_INTERVAL)\n"
	"  --auth-key-file F       answer NIP-42 AUTH with this key (mode 0600; - = stdin)\n"
	"  --auth-key-fd N         the same from a file descriptor\n"
	"  --status                status as JSON records on stdout instead of stderr\n"
	"  -q, --quiet             no status lines on stderr\n"
	"  -h, --help              this help\n"
	"pub:   --min-ok N         relays that must accept each event (default 1)\n"
	"       --window N         events in flight per relay (default 64)\n"
	"       --trusted-input    check each event's id only, not its signature: only\n"
	"                          for events our own signer just made (mostro-wrap)\n"
	"req/sub: --filter JSON    a NIP-01 filter (repeatable; else one per stdin line)\n"
	"       --all              req: page back with until past relays' result caps\n"
	"       --lookback DUR     resume look-back (default 2d for kinds 1059/14, else 10m)\n"
	"       --state FILE       keep the resume cursor across restarts\n"
	"Durations: seconds, or a number with s, m, h or d (1.5, 500ms, 2d).\n"
	"\n"
	"serve: an embedded Nostr relay (NIP-01, 11, 40, 42, 45) backed by SQLite\n"
	"  --listen ADDR            HOST:PORT, [IPv6]:PORT or PORT (default 127.0.0.1:7000;\n"
	"                           port 0 picks a free port)\n"
	"  --allow-remote           allow a non-loopback listen address\n"
	"  --db FILE                SQLite database (default :memory:, nothing kept)\n"
	"  --sync-full              fsync every commit (survive power loss, slower)\n"
	"  --url URL                public URL clients use, for NIP-42 relay tags\n"
	"                           (default ws://HOST:PORT; required with\n"
	"                           --auth-read-kinds on 0.0.0.0 or [::])\n"
	"  --name NAME              NIP-11 name (default mostro-relay)\n"
	"  --max-event-size N       bytes of an event's JSON (default 65536)\n"
	"  --max-event-tags N       tags per event (default 2000)\n"
	"  --max-subscriptions N    open subscriptions per connection (default 20)\n"
	"  --max-filters N          filters per REQ (default 10)\n"
	"  --max-limit N            cap of each filter's limit (default 5000)\n"
	"  --max-subid-length N     characters of a subscription id (default 64)\n"
	"  --max-connections N      open connections; more are refused at once (default:\n"
	"                           the descriptor limit less 32, at most 4096)\n"
	"  --max-output BYTES       output queued for all connections together; over it\n"
	"                           the largest queues are dropped (default 256M; K, M, G)\n"
	"  --idle-timeout SECONDS   ping a connection silent for half of it, close it\n"
	"                           when silent for all of it (default 120)\n"
	"  --stall-timeout SECONDS  drop a connection that takes none of its waiting\n"
	"                           output for this long (default 30)\n"
	"  --auth-read-kinds LIST   kinds served only to a NIP-42 authenticated recipient\n"
	"                           (p tag), e.g. 1059,14 (default: none)\n"
	"  --auth-window SECONDS    AUTH event created_at tolerance (default 600)\n"
	"  --purge-interval SECONDS delete expired events this often (default 60)\n"
	"  --verify-threads N       extra threads verifying signatures (default: CPUs-1, max 3)\n"
	"  -q, --quiet              no status lines on stderr\n";

static void usage(FILE *f)
{
	fputs(usage_text, f);
}

/* "10", "1.5", "500ms", "2m", "2d" -> seconds; < 0 when malformed. */
static double parse_duration(const char *s)
{
	char *end;
	double v = strtod(s, &end);
	if (end == s || v < 0 || !isfinite(v))
		return -1;
	if (strcmp(end, "") == 0 || strcmp(end, "s") == 0)
		return v;
	if (strcmp(end, "ms") == 0)
		return v / 1000;
	if (strcmp(end, "m") == 0)
		return v * 60;
	if (strcmp(end, "h") == 0)
		return v * 3600;
	if (strcmp(end, "d") == 0)
		return v * 86400;
	return -1;
}

static double duration_opt(const char *name, const char *s)
{
	double v = parse_duration(s);
	if (v < 0)
		die(MU_EXIT_USAGE, "%s: not a duration: %s", name, s);
	return v;
}

static double duration_env(const char *var, double dflt)
{
	const char *s = getenv(var);
	if (!s || !*s)
		return dflt;
	double v = parse_duration(s);
	if (v < 0)
		die(MU_EXIT_CONFIG, "$%s: not a duration: %s", var, s);
	return v;
}

static unsigned long count_opt(const char *name, const char *s, unsigned long min)
{
	char *end;
	unsigned long v = strtoul(s, &end, 10);
	if (*s == '-' || end == s || *end || v < min)
		die(MU_EXIT_USAGE, "%s: not a number >= %lu: %s", name, min, s);
	return v;
}

/* Options shared by every client subcommand. */
typedef struct client_opts {
	relay_list     relays;
	double         connect_timeout, ok_timeout, wait_timeout, ping_interval;
	bool           wait_given;
	const char    *auth_key_file;
	int            auth_key_fd;
	bool           have_key;
	mu_key         key;
	relay_reporter report;
	/* pub */
	unsigned       min_ok;
	size_t         window;
	bool           trusted_input;
	/* req / sub */
	nostr_filter  *filters;
	size_t         n_filters;
	bool           all;
	int64_t        lookback;
	const char    *state;
	unsigned long  bad_filter_lines;
} client_opts;

enum {
	OPT_CONNECT = 256, OPT_OK, OPT_WAIT, OPT_AUTH_FILE, OPT_AUTH_FD, OPT_STATUS, OPT_MIN_OK,
	OPT_WINDOW, OPT_FILTER, OPT_ALL, OPT_LOOKBACK, OPT_STATE, OPT_PING, OPT_TRUSTED,
};

static const struct option long_opts[] = {
	{"connect-timeout", required_argument, NULL, OPT_CONNECT},
	{"ok-timeout", required_argument, NULL, OPT_OK},
	{"wait-timeout", required_argument, NULL, OPT_WAIT},
	{"ping-interval", required_argument, NULL, OPT_PING},
	{"auth-key-file", required_argument, NULL, OPT_AUTH_FILE},
	{"auth-key-fd", required_argument, NULL, OPT_AUTH_FD},
	{"status", no_argument, NULL, OPT_STATUS},
	{"quiet", no_argument, NULL, 'q'},
	{"min-ok", required_argument, NULL, OPT_MIN_OK},
	{"window", required_argument, NULL, OPT_WINDOW},
	{"trusted-input", no_argument, NULL, OPT_TRUSTED},
	{"filter", required_argument, NULL, OPT_FILTER},
	{"all", no_argument, NULL, OPT_ALL},
	{"lookback", required_argument, NULL, OPT_LOOKBACK},
	{"state", required_argument, NULL, OPT_STATE},
	{"help", no_argument, NULL, 'h'},
	{NULL, 0, NULL, 0},
};

static void add_filter(client_opts *o, nostr_filter *f)
{
	o->filters = mu_xrealloc(o->filters, (o->n_filters + 1) * sizeof *o->filters);
	o->filters[o->n_filters++] = *f;
}

static void filter_arg(client_opts *o, const char *json)
{
	nostr_filter f;
	char detail[200] = "";
	filter_err e = filter_parse(&f, json, strlen(json), detail, sizeof detail);
	if (e)
		die(MU_EXIT_INVALID, "--filter: %s", *detail ? detail : filter_strerror(e));
	add_filter(o, &f);
}

/* Which options a subcommand takes (anything else is a usage error). */
enum { FOR_PUB = 1, FOR_REQ = 2, FOR_SUB = 4, FOR_INFO = 8 };

static int allowed(int opt)
{
	switch (opt) {
	case OPT_OK: case OPT_MIN_OK: case OPT_WINDOW: case OPT_TRUSTED: return FOR_PUB;
	case OPT_FILTER: case OPT_LOOKBACK: case OPT_STATE: return FOR_REQ | FOR_SUB;
	case OPT_ALL: return FOR_REQ;
	case OPT_AUTH_FILE: case OPT_AUTH_FD: case OPT_STATUS: case 'q': case OPT_PING:
		return FOR_PUB | FOR_REQ | FOR_SUB;
	default: return FOR_PUB | FOR_REQ | FOR_SUB | FOR_INFO;
	}
}

static void parse_client_opts(client_opts *o, int argc, char **argv, int which, const char *name)
{
	memset(o, 0, sizeof *o);
	o->auth_key_fd = -1;
	o->lookback = -1;
	o->min_ok = 1;
	o->connect_timeout = duration_env("MOSTRO_RELAY_CONNECT_TIMEOUT", DEFAULT_CONNECT_TIMEOUT);
	o->ok_timeout = duration_env("MOSTRO_RELAY_OK_TIMEOUT", DEFAULT_OK_TIMEOUT);
	o->ping_interval = duration_env("MOSTRO_RELAY_PING_INTERVAL", DEFAULT_PING_INTERVAL);
	const char *wenv = getenv("MOSTRO_RELAY_WAIT_TIMEOUT");
	if (wenv && *wenv) {
		o->wait_timeout = duration_env("MOSTRO_RELAY_WAIT_TIMEOUT", 0);
		o->wait_given = true;
	}
	int c, li;
	optind = 1;
	while ((li = -1, c = getopt_long(argc, argv, "qh", long_opts, &li)) != -1) {
		if (c == '?')
			die(MU_EXIT_USAGE, "%s: see mostro-relay --help", name);
		if (c != 'h' && !(allowed(c) & which)) {
			if (li >= 0)
				die(MU_EXIT_USAGE, "%s: option --%s does not apply", name, long_opts[li].name);
			die(MU_EXIT_USAGE, "%s: option -%c does not apply", name, c);
		}
		switch (c) {
		case 'h': usage(stdout); exit(MU_EXIT_OK);
		case 'q': o->report.quiet = true; break;
		case OPT_STATUS: o->report.records = true; break;
		case OPT_CONNECT: o->connect_timeout = duration_opt("--connect-timeout", optarg); break;
		case OPT_OK: o->ok_timeout = duration_opt("--ok-timeout", optarg); break;
		case OPT_PING: o->ping_interval = duration_opt("--ping-interval", optarg); break;
		case OPT_WAIT:
			o->wait_timeout = duration_opt("--wait-timeout", optarg);
			o->wait_given = true;
			break;
		case OPT_AUTH_FILE: o->auth_key_file = optarg; break;
		case OPT_AUTH_FD: o->auth_key_fd = (int)count_opt("--auth-key-fd", optarg, 0); break;
		case OPT_MIN_OK: o->min_ok = (unsigned)count_opt("--min-ok", optarg, 1); break;
		case OPT_WINDOW: o->window = count_opt("--window", optarg, 1); break;
		case OPT_TRUSTED: o->trusted_input = true; break;
		case OPT_FILTER: filter_arg(o, optarg); break;
		case OPT_ALL: o->all = true; break;
		case OPT_LOOKBACK: o->lookback = (int64_t)duration_opt("--lookback", optarg); break;
		case OPT_STATE: o->state = optarg; break;
		}
	}
	for (int i = optind; i < argc; i++) {
		relay_url_err e = relay_list_add(&o->relays, argv[i]);
		if (e)
			die(MU_EXIT_INVALID, "%s: %s", argv[i], relay_url_strerror(e));
	}
	const char *env = getenv("RELAYS");
	if (env && *env) {
		char bad[256];
		relay_url_err e = relay_list_add_csv(&o->relays, env, bad, sizeof bad);
		if (e)
			die(MU_EXIT_CONFIG, "$RELAYS: %s: %s", bad, relay_url_strerror(e));
	}
	if (o->connect_timeout <= 0 || o->ok_timeout <= 0 || o->ping_interval <= 0)
		die(MU_EXIT_USAGE, "%s: timeouts and the ping interval must be greater than zero", name);
}

static void load_auth_key(client_opts *o)
{
	if (!o->auth_key_file && o->auth_key_fd < 0)
		return;
	const char *from = NULL;
	secret_err e = secret_load_key(o->auth_key_file, o->auth_key_fd, &o->key, &from);
	if (e)
		die(MU_EXIT_CONFIG, "%s: %s", from ? from : "auth key", secret_strerror(e));
	o->have_key = true;
}

/* The auth key may come from standard input only when nothing else does. */
static void key_not_on_stdin(const client_opts *o, const char *name, const char *what)
{
	bool stdin_key = (o->auth_key_file && strcmp(o->auth_key_file, "-") == 0) || o->auth_key_fd == STDIN_FILENO;
	if (stdin_key)
		die(MU_EXIT_USAGE, "%s: standard input carries the %s; give the auth key with --auth-key-file FILE "
		    "or --auth-key-fd N (N > 0)", name, what);
}

static void free_client_opts(client_opts *o)
{
	if (o->have_key)
		key_wipe(&o->key);
	relay_list_free(&o->relays);
	filters_free(o->filters, o->n_filters);
}

/* Filters from stdin, one JSON object per line (when no --filter was given). */
static void read_filter_lines(client_opts *o)
{
	line_reader r;
	line_reader_init(&r, STDIN_FILENO, LINE_MAX_DEFAULT);
	const char *line;
	size_t len;
	line_status st;
	while ((st = line_read(&r, &line, &len)) != LINE_EOF) {
		if (st == LINE_IO)
			die(MU_EXIT_CONFIG, "reading filters: read error");
		if (st == LINE_TOO_LONG) {
			report_line(r.lineno, "line too long");
			o->bad_filter_lines++;
			continue;
		}
		nostr_filter f;
		char detail[200] = "";
		filter_err e = filter_parse(&f, line, len, detail, sizeof detail);
		if (e) {
			report_line(r.lineno, "%s", *detail ? detail : filter_strerror(e));
			o->bad_filter_lines++;
			continue;
		}
		add_filter(o, &f);
	}
	line_reader_free(&r);
}

static int cmd_pub(int argc, char **argv)
{
	client_opts o;
	parse_client_opts(&o, argc, argv, FOR_PUB, "pub");
	key_not_on_stdin(&o, "pub", "events");
	load_auth_key(&o);
	relay_pub_config cfg = {
		.relays = &o.relays, .connect_timeout = o.connect_timeout, .ok_timeout = o.ok_timeout,
		.ping_interval = o.ping_interval,
		.min_ok = o.min_ok, .window = o.window, .auth_key = o.have_key ? &o.key : NULL,
		.trusted_input = o.trusted_input, .report = o.report,
	};
	if (o.relays.n && o.min_ok > o.relays.n)
		die(MU_EXIT_USAGE, "pub: --min-ok %u but only %zu relay(s)", o.min_ok, o.relays.n);
	relay_pub_summary sum;
	int rc = relay_pub_run(&cfg, STDIN_FILENO, &sum);
	free_client_opts(&o);
	return rc;
}

static int run_sub(int argc, char **argv, relay_sub_mode mode, const char *name)
{
	client_opts o;
	parse_client_opts(&o, argc, argv, mode == REQ_ONCE ? FOR_REQ : FOR_SUB, name);
	if (o.n_filters == 0) {
		key_not_on_stdin(&o, name, "filters");
		read_filter_lines(&o);
	}
	if (o.n_filters == 0) {
		if (o.bad_filter_lines)
			return MU_EXIT_PARTIAL;
		die(MU_EXIT_USAGE, "%s: no filter (--filter JSON, or one per line on stdin)", name);
	}
	load_auth_key(&o);
	relay_sub_config cfg = {
		.relays = &o.relays, .filters = o.filters, .n_filters = o.n_filters, .mode = mode,
		.all = o.all, .lookback = o.lookback, .state_path = o.state,
		.connect_timeout = o.connect_timeout, .ping_interval = o.ping_interval,
		.wait_timeout = o.wait_given ? o.wait_timeout : (mode == REQ_ONCE ? DEFAULT_REQ_WAIT : 0),
		.auth_key = o.have_key ? &o.key : NULL, .report = o.report,
	};
	relay_sub_summary sum;
	int rc = relay_sub_run(&cfg, &sum);
	if (rc == MU_EXIT_OK && o.bad_filter_lines)
		rc = MU_EXIT_PARTIAL;
	free_client_opts(&o);
	return rc;
}

static int cmd_req(int argc, char **argv) { return run_sub(argc, argv, REQ_ONCE, "req"); }
static int cmd_sub(int argc, char **argv) { return run_sub(argc, argv, REQ_STREAM, "sub"); }

static int cmd_info(int argc, char **argv)
{
	client_opts o;
	parse_client_opts(&o, argc, argv, FOR_INFO, "info");
	if (o.relays.n == 0)
		die(MU_EXIT_USAGE, "info: which relay? (mostro-relay info URL)");
	curl_global_init(CURL_GLOBAL_DEFAULT);
	int rc = MU_EXIT_OK;
	for (size_t i = 0; i < o.relays.n; i++) {
		jv doc;
		char err[512];
		info_fetch_err e = info_fetch(o.relays.urls[i], o.connect_timeout,
						    o.wait_given ? o.wait_timeout : DEFAULT_REQ_WAIT, &doc, err, sizeof err);
		if (e == INFO_FETCH_OK) {
			out_record(doc);
			continue;
		}
		report("%s", err);
		int code = e == INFO_FETCH_ERR_TIMEOUT ? MU_EXIT_TIMEOUT
			 : e == INFO_FETCH_ERR_CONNECT ? MU_EXIT_UNREACHABLE : MU_EXIT_REFUSED;
		if (rc == MU_EXIT_OK || code == MU_EXIT_REFUSED || (code == MU_EXIT_TIMEOUT && rc == MU_EXIT_UNREACHABLE))
			rc = code;
	}
	curl_global_cleanup();
	free_client_opts(&o);
	return rc;
}

/* ----------------------------------------------------------------- serve */

static relay_server *serving;

static void on_stop_signal(int sig)
{
	(void)sig;
	if (serving)
		relay_server_stop(serving);
}

static unsigned long number_opt(const char *name, const char *s, unsigned long min, unsigned long max)
{
	char *end;
	if (*s < '0' || *s > '9')
		die(MU_EXIT_INVALID, "--%s: not a number: %s", name, s);
	unsigned long v = strtoul(s, &end, 10);
	if (*end || v < min || v > max)
		die(MU_EXIT_INVALID, "--%s: %s is not in %lu..%lu", name, s, min, max);
	return v;
}

enum serve_opt {
	O_LISTEN = 256, O_ALLOW_REMOTE, O_DB, O_SYNC_FULL, O_URL, O_NAME, O_MAX_EVENT_SIZE,
	O_MAX_EVENT_TAGS, O_MAX_SUBS, O_MAX_FILTERS, O_MAX_LIMIT, O_MAX_SUBID, O_AUTH_KINDS,
	O_AUTH_WINDOW, O_PURGE, O_THREADS, O_MAX_CONNS, O_MAX_OUTPUT, O_IDLE, O_STALL,
};

/* BYTES: a number with an optional K, M or G (powers of 1024). */
static size_t bytes_opt(const char *name, const char *s, size_t min, size_t max)
{
	char *end;
	if (*s < '0' || *s > '9')
		die(MU_EXIT_INVALID, "--%s: not a number: %s", name, s);
	errno = 0;
	unsigned long long v = strtoull(s, &end, 10);
	unsigned shift = 0;
	if (*end == 'K' || *end == 'k')
		shift = 10, end++;
	else if (*end == 'M' || *end == 'm')
		shift = 20, end++;
	else if (*end == 'G' || *end == 'g')
		shift = 30, end++;
	if (*end || errno || v > (unsigned long long)max >> shift || (v << shift) < min)
		die(MU_EXIT_INVALID, "--%s: %s is not in %zu..%zu bytes", name, s, min, max);
	return (size_t)(v << shift);
}

static void parse_serve_opts(relay_config *c, int argc, char **argv)
{
	static const struct option opts[] = {
		{"listen", required_argument, NULL, O_LISTEN},
		{"allow-remote", no_argument, NULL, O_ALLOW_REMOTE},
		{"db", required_argument, NULL, O_DB},
		{"sync-full", no_argument, NULL, O_SYNC_FULL},
		{"url", required_argument, NULL, O_URL},
		{"name", required_argument, NULL, O_NAME},
		{"max-event-size", required_argument, NULL, O_MAX_EVENT_SIZE},
		{"max-event-tags", required_argument, NULL, O_MAX_EVENT_TAGS},
		{"max-subscriptions", required_argument, NULL, O_MAX_SUBS},
		{"max-filters", required_argument, NULL, O_MAX_FILTERS},
		{"max-limit", required_argument, NULL, O_MAX_LIMIT},
		{"max-subid-length", required_argument, NULL, O_MAX_SUBID},
		{"auth-read-kinds", required_argument, NULL, O_AUTH_KINDS},
		{"auth-window", required_argument, NULL, O_AUTH_WINDOW},
		{"purge-interval", required_argument, NULL, O_PURGE},
		{"verify-threads", required_argument, NULL, O_THREADS},
		{"max-connections", required_argument, NULL, O_MAX_CONNS},
		{"max-output", required_argument, NULL, O_MAX_OUTPUT},
		{"idle-timeout", required_argument, NULL, O_IDLE},
		{"stall-timeout", required_argument, NULL, O_STALL},
		{"quiet", no_argument, NULL, 'q'},
		{"help", no_argument, NULL, 'h'},
		{0, 0, 0, 0},
	};
	int o;
	listen_err le;
	optind = 1;
	while ((o = getopt_long(argc, argv, "qh", opts, NULL)) != -1) {
		switch (o) {
		case O_LISTEN:
			if ((le = relay_config_set_listen(c, optarg)) != LISTEN_OK)
				die(MU_EXIT_INVALID, "--listen %s: %s", optarg, listen_strerror(le));
			break;
		case O_ALLOW_REMOTE: c->allow_remote = true; break;
		case O_DB:
			if (!*optarg)
				die(MU_EXIT_INVALID, "--db: empty file name");
			c->db_path = optarg;
			break;
		case O_SYNC_FULL: c->sync_full = true; break;
		case O_URL:
			if (strlen(optarg) >= sizeof c->url || !nip42_url_usable(optarg))
				die(MU_EXIT_INVALID, "--url %s: not a ws:// or wss:// URL", optarg);
			snprintf(c->url, sizeof c->url, "%s", optarg);
			break;
		case O_NAME:
			if (strlen(optarg) >= sizeof c->name)
				die(MU_EXIT_INVALID, "--name: longer than %zu bytes", sizeof c->name - 1);
			snprintf(c->name, sizeof c->name, "%s", optarg);
			break;
		case O_MAX_EVENT_SIZE: c->max_event_size = number_opt("max-event-size", optarg, 512, 16ul << 20); break;
		case O_MAX_EVENT_TAGS: c->max_event_tags = (unsigned)number_opt("max-event-tags", optarg, 1, 1000000); break;
		case O_MAX_SUBS: c->max_subscriptions = (unsigned)number_opt("max-subscriptions", optarg, 1, 100000); break;
		case O_MAX_FILTERS: c->max_filters = (unsigned)number_opt("max-filters", optarg, 1, 1000); break;
		case O_MAX_LIMIT: c->max_limit = (unsigned)number_opt("max-limit", optarg, 1, 1000000); break;
		case O_MAX_SUBID: c->max_subid_length = (unsigned)number_opt("max-subid-length", optarg, 1, 1024); break;
		case O_AUTH_KINDS:
			if (!relay_config_set_auth_kinds(c, optarg))
				die(MU_EXIT_INVALID, "--auth-read-kinds %s: expected kinds 0..65535 separated by commas", optarg);
			break;
		case O_AUTH_WINDOW: c->auth_window = (unsigned)number_opt("auth-window", optarg, 1, 86400); break;
		case O_PURGE: c->purge_interval = (unsigned)number_opt("purge-interval", optarg, 1, 86400); break;
		case O_THREADS: c->verify_threads = (unsigned)number_opt("verify-threads", optarg, 0, 64); break;
		case O_MAX_CONNS: c->max_connections = (unsigned)number_opt("max-connections", optarg, 1, 1000000); break;
		case O_MAX_OUTPUT: c->max_output = bytes_opt("max-output", optarg, 65536, (size_t)1 << 40); break;
		case O_IDLE: c->idle_timeout = (unsigned)number_opt("idle-timeout", optarg, 1, 86400); break;
		case O_STALL: c->stall_timeout = (unsigned)number_opt("stall-timeout", optarg, 1, 86400); break;
		case 'q': c->quiet = true; break;
		case 'h': usage(stdout); exit(MU_EXIT_OK);
		default: usage(stderr); exit(MU_EXIT_USAGE);
		}
	}
	if (optind < argc)
		die(MU_EXIT_USAGE, "serve: unexpected argument: %s", argv[optind]);
	/* NIP-42 relay tags must name this relay: on every interface it has no
	 * one name to default to, and no AUTH (so no restricted read) could pass */
	if (c->n_auth_read_kinds && !c->url[0] && relay_host_is_unspecified(c->host))
		die(MU_EXIT_USAGE, "serve: --auth-read-kinds with --listen %s needs --url (the URL clients "
		    "use, which their NIP-42 relay tags must name)", c->host);
}

static void catch_stop_signals(void)
{
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_stop_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
}

static int exit_code_for(relay_err e)
{
	switch (e) {
	case RELAY_OK: return MU_EXIT_OK;
	case RELAY_ERR_REMOTE: return MU_EXIT_REFUSED;
	case RELAY_ERR_DB: return MU_EXIT_CONFIG;
	case RELAY_ERR_LISTEN: return MU_EXIT_CONFIG;
	case RELAY_ERR_LIMIT: return MU_EXIT_CONFIG;
	}
	return MU_EXIT_CONFIG;
}

/* ", 12 refused at the cap, 3 dropped" when there were any (static). */
static const char *connection_troubles(const relay_stats *st)
{
	static char t[160];
	t[0] = 0;
	if (st->refused)
		snprintf(t, sizeof t, ", %llu refused at the cap", (unsigned long long)st->refused);
	if (st->dropped)
		snprintf(t + strlen(t), sizeof t - strlen(t), ", %llu dropped", (unsigned long long)st->dropped);
	if (st->accept_errors)
		snprintf(t + strlen(t), sizeof t - strlen(t), ", %llu accept pauses (descriptors)",
			 (unsigned long long)st->accept_errors);
	return t;
}

static int cmd_serve(int argc, char **argv)
{
	relay_config c;
	relay_config_defaults(&c);
	parse_serve_opts(&c, argc, argv);
	char err[512] = "";
	relay_server *s;
	relay_err e = relay_server_new(&s, &c, err, sizeof err);
	if (e != RELAY_OK)
		die(exit_code_for(e), "serve: %s", err);
	catch_stop_signals();
	serving = s;
	if (!c.quiet)
		report("listening on %s (database %s)", relay_server_url(s), c.db_path);
	int rc = relay_server_run(s);
	serving = NULL;
	relay_stats st;
	relay_server_stats(s, &st);
	relay_server_free(s);
	if (!c.quiet)
		report("stopped: %llu events stored, %llu duplicate, %llu ephemeral, %llu refused; %llu connections%s",
		       (unsigned long long)st.events_stored, (unsigned long long)st.events_duplicate,
		       (unsigned long long)st.events_ephemeral, (unsigned long long)st.events_refused,
		       (unsigned long long)st.connections, connection_troubles(&st));
	return rc == 0 ? MU_EXIT_OK : MU_EXIT_CONFIG;
}

static const struct {
	const char *name;
	int (*fn)(int, char **);
} commands[] = {
	{"pub", cmd_pub},
	{"req", cmd_req},
	{"sub", cmd_sub},
	{"info", cmd_info},
	{"serve", cmd_serve},
};

int main(int argc, char **argv)
{
	mu_progname = "mostro-relay";
	if (argc < 2)
		die(MU_EXIT_USAGE, "which subcommand? (pub, req, sub, info, serve; --help)");
	if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "help") == 0) {
		usage(stdout);
		return MU_EXIT_OK;
	}
	for (size_t i = 0; i < sizeof commands / sizeof *commands; i++)
		if (strcmp(argv[1], commands[i].name) == 0)
			return commands[i].fn(argc - 1, argv + 1);
	report("unknown subcommand: %s", argv[1]);
	usage(stderr);
	return MU_EXIT_USAGE;
}
