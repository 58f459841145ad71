/* mostro-store orders, users, disputes, get — rows as JSON lines, read-only. */
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "exitcode.h"
#include "lineio.h"
#include "mostro_msg.h"
#include "store_cmds.h"
#include "store_query.h"
#include "store_uuid.h"

static const char orders_usage[] =
	"Usage: mostro-store [-d DIR | --db FILE] orders [OPTIONS]\n"
	"Prints the orders as JSON lines, one object per order keyed by mostrod's\n"
	"column names, oldest first (created_at, then id).\n\n"
	"  --status S       only orders in status S (repeatable: any of them)\n"
	"  --kind buy|sell  only that kind\n"
	"  --since T        created_at >= T (unix seconds)\n"
	"  --until T        created_at < T\n"
	"  --fiat-code C    only that currency (case does not matter)\n"
	"  --limit N        at most N orders\n";

static const char users_usage[] =
	"Usage: mostro-store [-d DIR | --db FILE] users [--solvers]\n"
	"Prints the users as JSON lines (created_at, then pubkey); --solvers: only\n"
	"rows with is_solver = 1.\n";

static const char disputes_usage[] =
	"Usage: mostro-store [-d DIR | --db FILE] disputes [--status S]...\n"
	"Prints the disputes as JSON lines (created_at, then id); --status S keeps\n"
	"disputes in status S (repeatable: any of them).\n";

static const char get_usage[] =
	"Usage: mostro-store [-d DIR | --db FILE] get ID\n"
	"Prints the order with this id, else the dispute with this id, as one JSON\n"
	"line. Exit 1 when neither exists, 4 when ID is not a UUID.\n";

#define MAX_STATUSES 32

/* --status values checked against a name table (exit 4 for an unknown one). */
static void add_status(const char **list, size_t *n, const char *s, const char *const *names, int count,
		       const char *what)
{
	if (mostro_name_index(names, count, s, strlen(s)) < 0) {
		buf all = BUF_INIT;
		for (int i = 0; i < count; i++)
			buf_printf(&all, "%s%s", i ? ", " : "", names[i]);
		die(MU_EXIT_INVALID, "--status: unknown %s status '%s' (one of %s)", what, s, all.p);
	}
	if (*n >= MAX_STATUSES)
		cli_usage_error("--status: at most %d", MAX_STATUSES);
	list[(*n)++] = s;
}

static int finish(store_query_err e, const char *err)
{
	store_check_stdout();
	if (e)
		die(MU_EXIT_CONFIG, "%s", err);
	return MU_EXIT_OK;
}

int cmd_orders(int argc, char **argv)
{
	enum { O_STATUS = 256, O_KIND, O_SINCE, O_UNTIL, O_FIAT, O_LIMIT };
	static const struct option opts[] = {
		{"status", required_argument, NULL, O_STATUS}, {"kind", required_argument, NULL, O_KIND},
		{"since", required_argument, NULL, O_SINCE}, {"until", required_argument, NULL, O_UNTIL},
		{"fiat-code", required_argument, NULL, O_FIAT}, {"limit", required_argument, NULL, O_LIMIT},
		STORE_COMMON_OPTS, {0},
	};
	const char *statuses[MAX_STATUSES];
	store_order_filter f = {.statuses = statuses};
	int c;
	while ((c = getopt_long(argc, argv, STORE_COMMON_SHORT, opts, NULL)) != -1) {
		switch (c) {
		case O_STATUS:
			add_status(statuses, &f.nstatuses, optarg, mostro_order_status_names, MOSTRO_ORDER_STATUS_COUNT, "order");
			break;
		case O_KIND:
			if (strcmp(optarg, "buy") != 0 && strcmp(optarg, "sell") != 0)
				die(MU_EXIT_INVALID, "--kind: expected buy or sell, not '%s'", optarg);
			f.kind = optarg;
			break;
		case O_SINCE:
			f.has_since = true;
			f.since = (int64_t)cli_uint("--since", optarg, INT64_MAX);
			break;
		case O_UNTIL:
			f.has_until = true;
			f.until = (int64_t)cli_uint("--until", optarg, INT64_MAX);
			break;
		case O_FIAT:
			if (!*optarg)
				die(MU_EXIT_INVALID, "--fiat-code: empty");
			f.fiat_code = optarg;
			break;
		case O_LIMIT:
			f.limit = cli_uint("--limit", optarg, INT64_MAX);
			if (f.limit == 0)
				cli_usage_error("--limit: expected at least 1");
			break;
		default:
			store_common_opt(c, orders_usage);
		}
	}
	store_operands(argc, argv, 0, 0, "");
	char *path = store_path();
	sqlite3 *db = store_open_read_or_die(path);
	char err[512];
	store_query_err e = store_orders(db, &f, store_stdout_line, NULL, NULL, err, sizeof err);
	sqlite3_close(db);
	free(path);
	return finish(e, err);
}

int cmd_users(int argc, char **argv)
{
	static const struct option opts[] = {{"solvers", no_argument, NULL, 's'}, STORE_COMMON_OPTS, {0}};
	bool solvers = false;
	int c;
	while ((c = getopt_long(argc, argv, STORE_COMMON_SHORT, opts, NULL)) != -1) {
		if (c == 's')
			solvers = true;
		else
			store_common_opt(c, users_usage);
	}
	store_operands(argc, argv, 0, 0, "");
	char *path = store_path();
	sqlite3 *db = store_open_read_or_die(path);
	char err[512];
	store_query_err e = store_users(db, solvers, store_stdout_line, NULL, NULL, err, sizeof err);
	sqlite3_close(db);
	free(path);
	return finish(e, err);
}

int cmd_disputes(int argc, char **argv)
{
	static const struct option opts[] = {{"status", required_argument, NULL, 's'}, STORE_COMMON_OPTS, {0}};
	const char *statuses[MAX_STATUSES];
	size_t n = 0;
	int c;
	while ((c = getopt_long(argc, argv, STORE_COMMON_SHORT, opts, NULL)) != -1) {
		if (c == 's')
			add_status(statuses, &n, optarg, mostro_dispute_status_names, MOSTRO_DISPUTE_STATUS_COUNT, "dispute");
		else
			store_common_opt(c, disputes_usage);
	}
	store_operands(argc, argv, 0, 0, "");
	char *path = store_path();
	sqlite3 *db = store_open_read_or_die(path);
	char err[512];
	store_query_err e = store_disputes(db, statuses, n, store_stdout_line, NULL, NULL, err, sizeof err);
	sqlite3_close(db);
	free(path);
	return finish(e, err);
}

int cmd_get(int argc, char **argv)
{
	static const struct option opts[] = {STORE_COMMON_OPTS, {0}};
	int c;
	while ((c = getopt_long(argc, argv, STORE_COMMON_SHORT, opts, NULL)) != -1)
		store_common_opt(c, get_usage);
	store_operands(argc, argv, 1, 1, "ID");
	const char *arg = argv[optind];
	char id[STORE_UUID_LEN + 1];
	if (!store_uuid_canonical(arg, strlen(arg), id))
		die(MU_EXIT_INVALID, "'%s' is not a UUID", arg);
	char *path = store_path();
	sqlite3 *db = store_open_read_or_die(path);
	char err[512];
	buf row = BUF_INIT;
	const char *table;
	store_query_err e = store_get(db, id, &row, &table, err, sizeof err);
	sqlite3_close(db);
	free(path);
	if (e == STORE_QUERY_NOT_FOUND)
		die(MU_EXIT_REFUSED, "%s", err);
	if (e)
		die(MU_EXIT_CONFIG, "%s", err);
	store_print(row.p, row.len);
	buf_free(&row);
	return MU_EXIT_OK;
}
