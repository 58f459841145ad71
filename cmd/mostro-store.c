/* mostro-store — the order database, for operators and scripts.
 *
 * Subcommands; each one's options live in cmd/mostro-store/<file>.c (thin:
 * options, wiring, exit code), the logic in lib/store_*.c:
 *   init, migrate              create / update the schema (init.c)
 *   orders, users, disputes, get   read rows as JSON lines (query.c)
 *   export, import             the whole database as JSONL, round trip exact (transfer.c)
 *   backup                     online copy with SQLite's backup API (backup.c)
 *   import-mostrod             take over a mostrod 0.18.5 database (mostrod.c)
 *   session ...                the client's session, not the order database (session.c)
 * Readers never block the engine; writers refuse while it runs
 * (lib/store_lock.h). See man/mostro-store.1. */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "exitcode.h"
#include "lineio.h"
#include "mostro-store/store_cmds.h"

static const cli_subcommand commands[] = {
	{"init", cmd_init, "create the database with the current schema"},
	{"migrate", cmd_migrate, "bring an existing database up to the current schema"},
	{"orders", cmd_orders, "orders as JSON lines (--status, --kind, --since, --until, --fiat-code, --limit)"},
	{"users", cmd_users, "users as JSON lines (--solvers)"},
	{"disputes", cmd_disputes, "disputes as JSON lines (--status)"},
	{"get", cmd_get, "one order or dispute by id"},
	{"export", cmd_export, "every table as JSON lines (exact; import reads it back)"},
	{"import", cmd_import, "load an export into an empty database"},
	{"backup", cmd_backup, "online copy of the database into FILE"},
	{"import-mostrod", cmd_import_mostrod, "take over a mostrod 0.18.5 database"},
	{"session", cmd_session, "the client's session (mostro-store session --help)"},
};

static void usage(FILE *f)
{
	fputs("Usage: mostro-store [-d DIR | --db FILE] COMMAND [OPTIONS] [ARGS...]\n"
	      "The order database (DIR/mostro.db, DIR default ~/.mostro), for operators and scripts.\n\n"
	      "Commands:\n", f);
	cli_subcommand_list(f, commands, sizeof commands / sizeof *commands, 15);
	fputs("\nOptions (before or after the command):\n"
	      "  -d, --dir DIR   mostrod's settings directory; the database is DIR/mostro.db\n"
	      "      --db FILE   the database file itself\n"
	      "\nmostro-store COMMAND --help describes each command; man mostro-store has it all.\n", f);
}

int main(int argc, char **argv)
{
	mu_progname = "mostro-store";
	static const struct option opts[] = {STORE_COMMON_OPTS, {0}};
	int c;
	while ((c = getopt_long(argc, argv, STORE_COMMON_SHORT, opts, NULL)) != -1) {
		if (c == 'h') {
			usage(stdout);
			return MU_EXIT_OK;
		}
		if (c == '?') {
			usage(stderr);
			return MU_EXIT_USAGE;
		}
		store_common_opt(c, "");
	}
	return cli_subcommand_run(argc - optind, argv + optind, commands, sizeof commands / sizeof *commands, usage);
}
