/* mostro-store backup — an online copy (SQLite backup API), read-only. */
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "exitcode.h"
#include "json.h"
#include "lineio.h"
#include "store_backup.h"
#include "store_cmds.h"

static const char backup_usage[] =
	"Usage: mostro-store [-d DIR | --db FILE] backup FILE\n"
	"Copies the database into FILE while the engine keeps running: one\n"
	"consistent snapshot (SQLite's backup API in WAL mode never blocks the\n"
	"writer), written to a 0600 temporary file beside FILE and renamed over it\n"
	"when complete. Prints {\"type\":\"backup\",\"db\":PATH,\"file\":FILE,\"pages\":N,\"bytes\":N}.\n";

int cmd_backup(int argc, char **argv)
{
	static const struct option opts[] = {STORE_COMMON_OPTS, {0}};
	int c;
	while ((c = getopt_long(argc, argv, STORE_COMMON_SHORT, opts, NULL)) != -1)
		store_common_opt(c, backup_usage);
	store_operands(argc, argv, 1, 1, "FILE");
	const char *dest = argv[optind];
	char *path = store_path();
	sqlite3 *db = store_open_read_or_die(path);
	char err[1024];
	store_backup_stats st;
	store_backup_err e = store_backup(db, path, dest, &st, err, sizeof err);
	sqlite3_close(db);
	if (e) {
		free(path);
		die(e == STORE_BACKUP_SAME_FILE ? MU_EXIT_INVALID : MU_EXIT_CONFIG, "%s", err);
	}
	buf line = BUF_INIT;
	buf_puts(&line, "{\"type\":\"backup\",\"db\":");
	json_write_string(&line, path, strlen(path));
	buf_puts(&line, ",\"file\":");
	json_write_string(&line, dest, strlen(dest));
	buf_printf(&line, ",\"pages\":%lld,\"bytes\":%lld}", (long long)st.pages, (long long)st.bytes);
	store_print(line.p, line.len);
	buf_free(&line);
	free(path);
	return MU_EXIT_OK;
}
