/* mostro-order run / replay — options, wiring and exit code; the loop is
 * lib/order_run.c (man mostro-order, RUN PROTOCOL). */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "exitcode.h"
#include "hex.h"
#include "json.h"
#include "lineio.h"
#include "order_cmds.h"
#include "order_config.h"
#include "order_run.h"
#include "secret.h"
#include "settings.h"

static const char run_usage[] =
	"Usage: mostro-order run [OPTIONS]\n"
	"Mostro's order engine: the single writer of the order database.\n"
	"Reads records (mostro-unwrap messages, ticks, ln_result/ln_event, price, ctl) on\n"
	"standard input and --input; writes DM and event records for mostro-wrap --mixed\n"
	"on standard output and Lightning ops for mostro-ln run (standard output or --ln-out).\n\n"
	"  -d, --dir DIR          settings directory: DIR/settings.toml (mostrod's, read with its\n"
	"                         checks; the key is only used for its public half) and\n"
	"                         the database DIR/mostro.db\n"
	"      --settings FILE    the settings as 'mostro-order settings' prints them (JSON, no\n"
	"                         secret in it); '-' is not allowed (stdin carries records)\n"
	"      --db FILE          the order database (created 0600; default ./mostro.db)\n"
	"      --mostro-pubkey HEX  Mostro's public key (admin identity, 38383 source tag, event ids)\n"
	"      --set KEY=VALUE    a setting of the engine (repeatable; VALUE is JSON or a string):\n"
	"                         fee=0.006, transport=both, relays='[\"wss://r\"]', ...\n"
	"      --input PATH       another input (repeatable): a FIFO is kept open, a file read to its end\n"
	"      --no-stdin         do not read standard input\n"
	"      --ln-out PATH|FD   Lightning ops there instead of standard output\n"
	"      --log FILE         append every input record (and a start record) to FILE (0600)\n"
	"      --ctl-socket PATH  accept control records on a UNIX socket (0600)\n"
	"      --clock system|ticks  ticks: time comes from tick records (default); system: the\n"
	"                         engine writes a tick every second (and logs it)\n"
	"      --batch N          inputs per transaction at most (default 256)\n"
	"      --seed-file FILE   the secret seed of a NEW database (64 hex digits, file 0600):\n"
	"                         reproducible hold-invoice preimages for tests\n"
	"      --ack              each DM and event line carries \"ref\":\"o<n>\" and is kept until\n"
	"                         a {\"type\":\"published\",\"ref\":...} record says a relay accepted\n"
	"                         it; refused ones are sent again (5 tries), unsettled ones at start\n"
	"      --ack-wait SECS    with --ack, at the end wait up to SECS for the published records\n"
	"                         of the lines written (default 5; 0: do not wait)\n"
	"  -h, --help             this help\n";

static const char replay_usage[] =
	"Usage: mostro-order replay [OPTIONS] LOG\n"
	"Re-runs a log written by 'run --log' on a fresh database and prints the same outputs.\n\n"
	"      --db FILE          database to replay into (default: in memory)\n"
	"      --ln-out PATH|FD   Lightning ops there instead of standard output\n"
	"  -h, --help             this help\n";

enum { OPT_SETTINGS = 300, OPT_DB = 256, OPT_PUBKEY, OPT_SET, OPT_INPUT, OPT_NO_STDIN, OPT_LN_OUT, OPT_LOG, OPT_CTL,
       OPT_CLOCK, OPT_BATCH, OPT_SEED, OPT_ACK, OPT_ACK_WAIT };

/* --set KEY=VALUE into the config through its JSON form. */
static void set_option(order_config *cfg, const char *arg)
{
	const char *eq = strchr(arg, '=');
	if (!eq || eq == arg)
		cli_usage_error("--set: expected KEY=VALUE, not '%s'", arg);
	jv v = json_parse(eq + 1, strlen(eq + 1), 0, NULL);
	if (!jv_is_valid(v))
		v = jv_string(eq + 1);
	char key[128];
	snprintf(key, sizeof key, "%.*s", (int)(eq - arg), arg);
	jv o = jv_object_set(jv_object(), jv_string(key), v);
	char err[256];
	bool ok = order_config_from_jv(cfg, o, err, sizeof err);
	jv_free(o);
	if (!ok)
		cli_usage_error("--set %s", err + (strncmp(err, "config: ", 8) == 0 ? 8 : 0));
}

/* -d DIR: DIR/settings.toml with mostrod's checks (lib/settings.h); the key
 * it holds is wiped at once, only its public half is kept. */
static void load_settings_dir(order_config *cfg, const char *dir)
{
	settings_source src = { .dir = dir };
	mostro_settings s;
	settings_error err;
	memset(&s, 0, sizeof s);
	if (settings_load(&src, &s, &err) != SETTINGS_OK) {
		settings_free(&s);
		die(MU_EXIT_CONFIG, "%s", err.msg);
	}
	for (size_t i = 0; i < s.warning_count; i++)
		report("%s", s.warnings[i]);
	jv j = settings_to_jv(&s);
	settings_free(&s);
	char msg[256];
	bool ok = order_config_from_settings(cfg, j, msg, sizeof msg);
	jv_free(j);
	if (!ok)
		die(MU_EXIT_CONFIG, "%s/settings.toml: %s", dir, msg);
}

/* --settings FILE: the JSON `mostro-order settings` prints. */
static void load_settings_json(order_config *cfg, const char *path)
{
	if (strcmp(path, "-") == 0)
		cli_usage_error("--settings -: standard input carries the records");
	FILE *f = fopen(path, "r");
	if (!f)
		die(MU_EXIT_CONFIG, "--settings %s: %s", path, strerror(errno));
	buf b = BUF_INIT;
	char tmp[4096];
	size_t n;
	while ((n = fread(tmp, 1, sizeof tmp, f)) > 0)
		buf_put(&b, tmp, n);
	fclose(f);
	json_error je;
	jv j = json_parse(b.p ? b.p : "", b.len, 0, &je);
	buf_free(&b);
	if (!jv_is_valid(j))
		die(MU_EXIT_CONFIG, "--settings %s: %s", path, je.msg);
	char msg[256];
	bool ok = order_config_from_settings(cfg, j, msg, sizeof msg);
	jv_free(j);
	if (!ok)
		die(MU_EXIT_CONFIG, "--settings %s: %s", path, msg);
}

static void ln_out_option(order_run_opts *o, const char *arg)
{
	uint64_t fd;
	if (cli_parse_u64(arg, 65535, &fd))
		o->ln_out_fd = (int)fd;
	else
		o->ln_out_path = arg;
}

int cmd_run(int argc, char **argv)
{
	static const struct option opts[] = {
		{"dir", required_argument, NULL, 'd'},
		{"settings", required_argument, NULL, OPT_SETTINGS},
		{"db", required_argument, NULL, OPT_DB},
		{"mostro-pubkey", required_argument, NULL, OPT_PUBKEY},
		{"set", required_argument, NULL, OPT_SET},
		{"input", required_argument, NULL, OPT_INPUT},
		{"no-stdin", no_argument, NULL, OPT_NO_STDIN},
		{"ln-out", required_argument, NULL, OPT_LN_OUT},
		{"log", required_argument, NULL, OPT_LOG},
		{"ctl-socket", required_argument, NULL, OPT_CTL},
		{"clock", required_argument, NULL, OPT_CLOCK},
		{"batch", required_argument, NULL, OPT_BATCH},
		{"seed-file", required_argument, NULL, OPT_SEED},
		{"ack", no_argument, NULL, OPT_ACK},
		{"ack-wait", required_argument, NULL, OPT_ACK_WAIT},
		{"help", no_argument, NULL, 'h'},
		{0, 0, 0, 0}};
	order_config cfg;
	order_config_defaults(&cfg);
	buf seed = BUF_INIT;
	order_run_opts o = { .db_path = "mostro.db", .cfg = &cfg, .use_stdin = true, .ln_out_fd = -1, .ack_wait = 5 };
	const char **inputs = NULL, **set_args = NULL, *dir = NULL, *settings_file = NULL, *pubkey = NULL;
	const char *db_opt = NULL;
	size_t n_sets = 0;
	char *dbpath = NULL;
	int c;
	opterr = 0;
	optind = 1;
	while ((c = getopt_long(argc, argv, ":hd:", opts, NULL)) != -1) {
		switch (c) {
		case 'h':
			fputs(run_usage, stdout);
			order_config_free(&cfg);
			free(inputs);
			return MU_EXIT_OK;
		case 'd': dir = optarg; break;
		case OPT_SETTINGS: settings_file = optarg; break;
		case OPT_DB: db_opt = optarg; break;
		case OPT_PUBKEY:
			if (!hex_is_lower(optarg, strlen(optarg), 64))
				cli_usage_error("--mostro-pubkey: expected 64 lowercase hex digits, not '%s'", optarg);
			pubkey = optarg;
			break;
		case OPT_SET:
			set_args = mu_xrealloc(set_args, (n_sets + 1) * sizeof *set_args);
			set_args[n_sets++] = optarg;
			break;
		case OPT_INPUT:
			inputs = mu_xrealloc(inputs, (o.n_inputs + 1) * sizeof *inputs);
			inputs[o.n_inputs++] = optarg;
			break;
		case OPT_NO_STDIN: o.use_stdin = false; break;
		case OPT_LN_OUT: ln_out_option(&o, optarg); break;
		case OPT_LOG: o.log_path = optarg; break;
		case OPT_CTL: o.ctl_socket = optarg; break;
		case OPT_CLOCK:
			if (strcmp(optarg, "system") == 0)
				o.clock_system = true;
			else if (strcmp(optarg, "ticks") != 0)
				cli_usage_error("--clock: expected system or ticks, not '%s'", optarg);
			break;
		case OPT_BATCH:
			o.batch = (int)cli_uint("--batch", optarg, 100000);
			if (o.batch == 0)
				cli_usage_error("--batch: at least 1");
			break;
		case OPT_SEED: {
			secret_err se = secret_read_file(optarg, &seed);
			if (se != SECRET_OK)
				die(MU_EXIT_CONFIG, "--seed-file %s: %s", optarg, secret_strerror(se));
			if (!hex_is_lower(seed.p, seed.len, 64))
				die(MU_EXIT_CONFIG, "--seed-file %s: expected 64 lowercase hex digits", optarg);
			o.seed_hex = seed.p;
			break;
		}
		case OPT_ACK: o.ack = true; break;
		case OPT_ACK_WAIT: o.ack_wait = (double)cli_uint("--ack-wait", optarg, 3600); break;
		case ':': cli_usage_error("option '%s' needs a value", argv[optind - 1]);
		default: cli_usage_error("unknown option '%s'", argv[optind - 1]);
		}
	}
	if (optind < argc)
		cli_usage_error("unexpected argument '%s' (records come on standard input and --input)", argv[optind]);
	if (!o.use_stdin && !o.n_inputs && !o.ctl_socket && !o.clock_system)
		cli_usage_error("--no-stdin without --input, --ctl-socket or --clock system leaves nothing to read");
	if (dir && settings_file)
		cli_usage_error("give -d DIR or --settings FILE, not both");
	/* settings first, then --set, then --mostro-pubkey */
	if (dir)
		load_settings_dir(&cfg, dir);
	if (settings_file)
		load_settings_json(&cfg, settings_file);
	for (size_t i = 0; i < n_sets; i++)
		set_option(&cfg, set_args[i]);
	if (pubkey)
		snprintf(cfg.mostro_pubkey, sizeof cfg.mostro_pubkey, "%s", pubkey);
	if (db_opt) {
		o.db_path = db_opt;
	} else if (dir) {
		size_t n = strlen(dir) + sizeof "/mostro.db";
		dbpath = mu_xmalloc(n);
		snprintf(dbpath, n, "%s/mostro.db", dir);
		o.db_path = dbpath;
	}
	o.inputs = inputs;
	int rc = order_run(&o);
	order_config_free(&cfg);
	buf_wipe(&seed);
	free(inputs);
	free(set_args);
	free(dbpath);
	return rc;
}

int cmd_replay(int argc, char **argv)
{
	static const struct option opts[] = {
		{"db", required_argument, NULL, OPT_DB},
		{"ln-out", required_argument, NULL, OPT_LN_OUT},
		{"help", no_argument, NULL, 'h'},
		{0, 0, 0, 0}};
	order_config cfg;
	order_config_defaults(&cfg);
	order_run_opts o = { .db_path = ":memory:", .cfg = &cfg, .ln_out_fd = -1 };
	int c;
	opterr = 0;
	optind = 1;
	while ((c = getopt_long(argc, argv, ":h", opts, NULL)) != -1) {
		switch (c) {
		case 'h': fputs(replay_usage, stdout); return MU_EXIT_OK;
		case OPT_DB: o.db_path = optarg; break;
		case OPT_LN_OUT: ln_out_option(&o, optarg); break;
		case ':': cli_usage_error("option '%s' needs a value", argv[optind - 1]);
		default: cli_usage_error("unknown option '%s'", argv[optind - 1]);
		}
	}
	if (optind != argc - 1)
		cli_usage_error("replay needs exactly one LOG");
	int rc = order_replay(argv[optind], &o);
	order_config_free(&cfg);
	return rc;
}
