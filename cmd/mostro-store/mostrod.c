/* mostro-store import-mostrod — take over a mostrod 0.18.5 database. */
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "exitcode.h"
#include "json.h"
#include "lineio.h"
#include "store_cmds.h"
#include "store_mostrod.h"

static const char mostrod_usage[] =
	"Usage: mostro-store [-d DIR | --db FILE] import-mostrod [--ignore-bonds] FILE\n"
	"Copies the orders (in flight included), disputes and users of mostrod's\n"
	"database FILE (read only, one snapshot: stop mostrod first) into our\n"
	"database, created when missing and otherwise required to be empty. UUIDs\n"
	"stored as 16-byte blobs or as text become canonical lowercase text;\n"
	"statuses and every other value are kept; columns an older mostrod lacked\n"
	"get our defaults. Bonds are not supported: a file with bonds in play is\n"
	"refused unless --ignore-bonds. Refused while the engine runs. Prints a\n"
	"summary record with the counts.\n";

static int mostrod_exit(store_mostrod_err e)
{
	switch (e) {
	case STORE_MOSTROD_NOT_EMPTY:
	case STORE_MOSTROD_BONDS: return MU_EXIT_REFUSED;
	case STORE_MOSTROD_SOURCE:
	case STORE_MOSTROD_UUID:
	case STORE_MOSTROD_ROW: return MU_EXIT_INVALID;
	default: return MU_EXIT_CONFIG;
	}
}

static void summary(const char *src, const char *path, const store_mostrod_stats *s)
{
	buf line = BUF_INIT;
	buf_puts(&line, "{\"type\":\"import-mostrod\",\"source\":");
	json_write_string(&line, src, strlen(src));
	buf_puts(&line, ",\"db\":");
	json_write_string(&line, path, strlen(path));
	buf_printf(&line, ",\"orders\":%llu,\"statuses\":%s,\"disputes\":%llu,\"users\":%llu,"
		   "\"uuids\":{\"blob\":%llu,\"text\":%llu},\"dropped_columns\":%s,\"bonds_left\":%llu}",
		   (unsigned long long)s->orders, s->statuses.p, (unsigned long long)s->disputes,
		   (unsigned long long)s->users, (unsigned long long)s->uuid_blob,
		   (unsigned long long)s->uuid_text, s->dropped.p, (unsigned long long)s->bonds_left);
	store_print(line.p, line.len);
	buf_free(&line);
}

int cmd_import_mostrod(int argc, char **argv)
{
	static const struct option opts[] = {{"ignore-bonds", no_argument, NULL, 'i'}, STORE_COMMON_OPTS, {0}};
	store_mostrod_opts o = {0};
	int c;
	while ((c = getopt_long(argc, argv, STORE_COMMON_SHORT, opts, NULL)) != -1) {
		if (c == 'i')
			o.ignore_bonds = true;
		else
			store_common_opt(c, mostrod_usage);
	}
	store_operands(argc, argv, 1, 1, "FILE (mostrod's database)");
	const char *src_path = argv[optind];
	char *path = store_path();
	char err[1024];
	sqlite3 *src;
	store_db_err de = store_db_open_read(&src, src_path, err, sizeof err);
	if (de)
		die(de == STORE_DB_MISSING ? MU_EXIT_CONFIG : store_db_exit(de), "%s", err);
	o.baseline = store_db_baseline(err, sizeof err);
	if (!o.baseline)
		die(MU_EXIT_CONFIG, "%s", err);
	store_writer w;
	de = store_writer_open(&w, path, STORE_CREATE_OR_OPEN, "mostro-store import-mostrod", err, sizeof err);
	if (de)
		die(store_db_exit(de), "%s", err);
	store_mostrod_stats st = {0};
	store_mostrod_err e = store_mostrod_import(src, w.db, &o, &st, err, sizeof err);
	if (e)
		store_writer_discard(&w, path);   /* a database this import created holds nothing */
	else
		store_writer_close(&w);
	sqlite3_close(src);
	sqlite3_close(o.baseline);
	if (e) {
		store_mostrod_stats_free(&st);
		free(path);
		die(mostrod_exit(e), "import-mostrod: %s", err);
	}
	summary(src_path, path, &st);
	store_mostrod_stats_free(&st);
	free(path);
	return MU_EXIT_OK;
}
