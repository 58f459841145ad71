/* mostro-store init, migrate — create or update the schema (under the lock). */
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "cli.h"
#include "exitcode.h"
#include "json.h"
#include "lineio.h"
#include "store_cmds.h"
#include "store_export.h"

static const char init_usage[] =
	"Usage: mostro-store [-d DIR | --db FILE] init\n"
	"Creates the order database with the current schema: the file 0600, a new\n"
	"directory 0700. Refused (exit 1) when the file exists or a writer holds its lock.\n"
	"Prints {\"type\":\"init\",\"db\":PATH,\"schema\":{...}}.\n";

static const char migrate_usage[] =
	"Usage: mostro-store [-d DIR | --db FILE] migrate\n"
	"Brings an existing order database up to the current schema and says from\n"
	"which version to which: {\"type\":\"migrate\",\"db\":PATH,\"from\":N,\"to\":M}.\n"
	"Refused (exit 1) for a file from a newer release (left untouched), a file\n"
	"that is not ours (a mostrod database: see import-mostrod), or while the\n"
	"engine runs (it migrates the file itself when it starts).\n";

static int open_writer(int argc, char **argv, const char *usage, store_open_mode mode, const char *owner,
		       store_writer *w, char **path)
{
	static const struct option opts[] = {STORE_COMMON_OPTS, {0}};
	int c;
	while ((c = getopt_long(argc, argv, STORE_COMMON_SHORT, opts, NULL)) != -1)
		store_common_opt(c, usage);
	store_operands(argc, argv, 0, 0, "");
	*path = store_path();
	char err[1024];
	store_db_err e = store_writer_open(w, *path, mode, owner, err, sizeof err);
	if (e)
		die(store_db_exit(e), "%s", err);
	return 0;
}

int cmd_init(int argc, char **argv)
{
	store_writer w;
	char *path;
	open_writer(argc, argv, init_usage, STORE_CREATE, "mostro-store init", &w, &path);
	buf line = BUF_INIT;
	char err[256];
	buf_puts(&line, "{\"type\":\"init\",\"db\":");
	json_write_string(&line, path, strlen(path));
	buf_puts(&line, ",\"schema\":");
	bool ok = store_schema_json(w.db, &line, err, sizeof err);
	buf_putc(&line, '}');
	store_writer_close(&w);
	free(path);
	if (!ok)
		die(MU_EXIT_CONFIG, "%s", err);
	store_print(line.p, line.len);
	buf_free(&line);
	return MU_EXIT_OK;
}

int cmd_migrate(int argc, char **argv)
{
	store_writer w;
	char *path;
	open_writer(argc, argv, migrate_usage, STORE_EXISTING, "mostro-store migrate", &w, &path);
	buf line = BUF_INIT;
	buf_puts(&line, "{\"type\":\"migrate\",\"db\":");
	json_write_string(&line, path, strlen(path));
	buf_printf(&line, ",\"from\":%d,\"to\":%d}", w.from, w.to);
	store_writer_close(&w);
	free(path);
	store_print(line.p, line.len);
	buf_free(&line);
	return MU_EXIT_OK;
}
