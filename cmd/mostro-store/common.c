/* mostro-store: the edge the subcommands share (options, paths, exit codes). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "detail.h"
#include "exitcode.h"
#include "lineio.h"
#include "store_cmds.h"

const char *store_dir, *store_file;

bool store_common_opt(int c, const char *usage)
{
	switch (c) {
	case 'd':
		store_dir = optarg;
		store_file = NULL;
		return true;
	case 'D':
		store_file = optarg;
		store_dir = NULL;
		return true;
	case 'h':
		fputs(usage, stdout);
		exit(MU_EXIT_OK);
	case '?':
		cli_usage_error("bad option");
	}
	return false;
}

void store_operands(int argc, char **argv, int min, int max, const char *what)
{
	int n = argc - optind;
	if (n < min)
		cli_usage_error("missing %s", what);
	if (n > max)
		cli_usage_error("unexpected argument '%s'", argv[optind + max]);
}

char *store_path(void)
{
	char err[256];
	char *p = store_db_path(store_dir, store_file, err, sizeof err);
	if (!p)
		die(MU_EXIT_CONFIG, "%s", err);
	return p;
}

int store_db_exit(store_db_err e)
{
	switch (e) {
	case STORE_DB_OK: return MU_EXIT_OK;
	case STORE_DB_EXISTS:
	case STORE_DB_NEWER:
	case STORE_DB_FOREIGN:
	case STORE_DB_OWNED: return MU_EXIT_REFUSED;
	default: return MU_EXIT_CONFIG;
	}
}

sqlite3 *store_open_read_or_die(const char *path)
{
	sqlite3 *db;
	char err[512];
	store_db_err e = store_db_open_read(&db, path, err, sizeof err);
	if (e)
		die(store_db_exit(e), "%s", err);
	return db;
}

void store_check_stdout(void)
{
	if (out_line_errno())
		die(MU_EXIT_PARTIAL, "writing standard output: %s", strerror(out_line_errno()));
}

void store_print(const char *line, size_t n)
{
	if (!out_line(line, n))
		store_check_stdout();
}

bool store_stdout_line(void *ctx, const char *line, size_t n)
{
	return out_line(line, n);
}
