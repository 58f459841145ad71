/* store_cmds.h — the subcommands of mostro-store, one file each in
 * cmd/mostro-store/ (options, wiring, exit code; the logic is in
 * lib/store_*.c), and the edge they share (common.c). */
#ifndef MU_STORE_CMDS_H
#define MU_STORE_CMDS_H

#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <sqlite3.h>

#include "store_db.h"

int cmd_init(int argc, char **argv);            /* init.c */
int cmd_migrate(int argc, char **argv);         /* init.c */
int cmd_orders(int argc, char **argv);          /* query.c */
int cmd_users(int argc, char **argv);           /* query.c */
int cmd_disputes(int argc, char **argv);        /* query.c */
int cmd_get(int argc, char **argv);             /* query.c */
int cmd_export(int argc, char **argv);          /* transfer.c */
int cmd_import(int argc, char **argv);          /* transfer.c */
int cmd_backup(int argc, char **argv);          /* backup.c */
int cmd_import_mostrod(int argc, char **argv);  /* mostrod.c */
int cmd_session(int argc, char **argv);         /* session.c: the client's session */

/* ---- common.c ---- */

/* -d DIR / --db FILE, given before the command or after it. */
extern const char *store_dir, *store_file;

/* The long options every command takes (-d, --db, --help); a command's own
 * table ends with STORE_COMMON_OPTS then {0}. */
#define STORE_COMMON_OPTS \
	{"dir", required_argument, NULL, 'd'}, \
	{"db", required_argument, NULL, 'D'}, \
	{"help", no_argument, NULL, 'h'}
#define STORE_COMMON_SHORT "+d:h"

/* Handles the common options of getopt_long's result c; false for others.
 * --help prints usage (the command's text) on stdout and exits 0; '?' is a
 * usage error. */
bool store_common_opt(int c, const char *usage);
/* No operands beyond `max` left (else a usage error). */
void store_operands(int argc, char **argv, int min, int max, const char *what);

/* The database path (-d/--db/~/.mostro), or exit 5. Freed by the caller. */
char *store_path(void);
/* Opens the database read-only, or exits (5 missing/unreadable). */
sqlite3 *store_open_read_or_die(const char *path);
/* The exit code for a store_db_err. */
int store_db_exit(store_db_err e);
/* Prints one record line on stdout; exits 123 when stdout is gone. */
void store_print(const char *line, size_t n);
/* A store_line_fn for stdout (out_line). */
bool store_stdout_line(void *ctx, const char *line, size_t n);
/* Exit 123 with "writing standard output: ..." when an out_line failed. */
void store_check_stdout(void);

#endif
