/* mostro-store export, import — the whole database as JSON lines and back. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "exitcode.h"
#include "json.h"
#include "lineio.h"
#include "store_cmds.h"
#include "store_export.h"
#include "store_import.h"
#include "store_out.h"

static const char export_usage[] =
	"Usage: mostro-store [-d DIR | --db FILE] export [-o FILE]\n"
	"Writes every table as JSON lines: a header with the schema version, one\n"
	"{\"table\":T,\"row\":{...}} record per row (\"rowid\" where the rowid is not a\n"
	"column), an end record with the counts. Values are exact (64-bit integers,\n"
	"reals, NULLs, blobs); import reads it back to the same bytes. Read-only: the\n"
	"engine may keep running. The export holds every secret of the database\n"
	"(preimages, the engine's seed): -o FILE writes a new 0600 file (through a\n"
	"temporary file, renamed when complete) and prints a summary record.\n";

static const char import_usage[] =
	"Usage: mostro-store [-d DIR | --db FILE] import [--replace] FILE|-\n"
	"Loads an export into an empty database (created when missing), all or\n"
	"nothing, in one transaction. The schema versions must match. --replace\n"
	"replaces whatever the database holds. Refused while the engine runs.\n"
	"Every bad line is reported (\"line N: ...\") and nothing is written (exit 4).\n";

int cmd_export(int argc, char **argv)
{
	static const struct option opts[] = {{"output", required_argument, NULL, 'o'}, STORE_COMMON_OPTS, {0}};
	const char *outfile = NULL;
	int c;
	while ((c = getopt_long(argc, argv, "+d:ho:", opts, NULL)) != -1) {
		if (c == 'o')
			outfile = optarg;
		else
			store_common_opt(c, export_usage);
	}
	store_operands(argc, argv, 0, 0, "");
	char *path = store_path();
	sqlite3 *db = store_open_read_or_die(path);
	char err[512];
	store_out out;
	if (outfile) {
		if (!store_out_file(&out, outfile, err, sizeof err))
			die(MU_EXIT_CONFIG, "%s", err);
	} else {
		store_out_fd(&out, STDOUT_FILENO);
	}
	store_export_stats st;
	store_export_err e = store_export(db, store_out_line, &out, &st, err, sizeof err);
	sqlite3_close(db);
	free(path);
	char cerr[512];
	bool closed = store_out_close(&out, e == STORE_EXPORT_OK, cerr, sizeof cerr);
	if (e == STORE_EXPORT_SQL)
		die(MU_EXIT_CONFIG, "%s", err);
	if (!closed)
		die(outfile ? MU_EXIT_CONFIG : MU_EXIT_PARTIAL, "%s", cerr);
	if (outfile) {
		buf line = BUF_INIT;
		buf_puts(&line, "{\"type\":\"export\",\"file\":");
		json_write_string(&line, outfile, strlen(outfile));
		buf_printf(&line, ",\"tables\":%zu,\"rows\":%llu}", st.tables, (unsigned long long)st.rows);
		store_print(line.p, line.len);
		buf_free(&line);
	}
	return MU_EXIT_OK;
}

static int import_exit(store_import_err e)
{
	switch (e) {
	case STORE_IMPORT_NOT_EMPTY:
	case STORE_IMPORT_SCHEMA: return MU_EXIT_REFUSED;
	case STORE_IMPORT_SQL: return MU_EXIT_CONFIG;
	default: return MU_EXIT_INVALID;
	}
}

#define MAX_REPORTED 50

int cmd_import(int argc, char **argv)
{
	static const struct option opts[] = {{"replace", no_argument, NULL, 'r'}, STORE_COMMON_OPTS, {0}};
	store_import_opts o = {0};
	int c;
	while ((c = getopt_long(argc, argv, STORE_COMMON_SHORT, opts, NULL)) != -1) {
		if (c == 'r')
			o.replace = true;
		else
			store_common_opt(c, import_usage);
	}
	store_operands(argc, argv, 1, 1, "FILE (or - for standard input)");
	const char *file = argv[optind];
	int fd = STDIN_FILENO;
	if (strcmp(file, "-") != 0 && (fd = open(file, O_RDONLY | O_CLOEXEC)) < 0)
		die(MU_EXIT_CONFIG, "%s: %s", file, strerror(errno));
	char *path = store_path();
	char err[1024];
	o.baseline = store_db_baseline(err, sizeof err);
	if (!o.baseline)
		die(MU_EXIT_CONFIG, "%s", err);
	store_writer w;
	store_db_err de = store_writer_open(&w, path, STORE_CREATE_OR_OPEN, "mostro-store import", err, sizeof err);
	if (de)
		die(store_db_exit(de), "%s", err);

	store_import *imp;
	store_import_err e = store_import_begin(&imp, w.db, &o, err, sizeof err);
	store_import_err first = e;
	unsigned long failed = 0;
	line_reader r;
	line_reader_init(&r, fd, 64 * 1024 * 1024);
	const char *line;
	size_t n;
	line_status ls;
	while (!store_import_fatal(first) && (ls = line_read(&r, &line, &n)) != LINE_EOF) {
		if (ls == LINE_IO) {
			e = first = STORE_IMPORT_SQL;
			snprintf(err, sizeof err, "%s: %s", file, strerror(errno));
			break;
		}
		e = ls == LINE_TOO_LONG ? STORE_IMPORT_RECORD : store_import_line(imp, line, n, err, sizeof err);
		if (ls == LINE_TOO_LONG)
			snprintf(err, sizeof err, "longer than 64 MiB");
		if (e == STORE_IMPORT_OK)
			continue;
		if (!first)
			first = e;
		if (++failed <= MAX_REPORTED && !store_import_fatal(e))
			report_line(r.lineno, "%s", err);
	}
	line_reader_free(&r);
	if (fd != STDIN_FILENO)
		close(fd);
	store_import_stats st = {0};
	if (!first)
		first = e = store_import_finish(imp, true, &st, err, sizeof err);
	else
		store_import_finish(imp, false, NULL, NULL, 0);
	store_import_free(imp);
	if (first)
		store_writer_discard(&w, path);   /* a database this import created holds nothing */
	else
		store_writer_close(&w);
	sqlite3_close(o.baseline);
	if (first) {
		if (failed == 0 || store_import_fatal(first))
			report("%s", err);
		if (failed > MAX_REPORTED)
			report("import: %lu more lines failed", failed - MAX_REPORTED);
		if (failed && !store_import_fatal(first))
			report("import: nothing imported (%lu line%s failed)", failed, failed == 1 ? "" : "s");
		else if (!store_import_fatal(first))
			report("import: nothing imported");
		free(path);
		return import_exit(first);
	}
	buf out = BUF_INIT;
	buf_puts(&out, "{\"type\":\"import\",\"db\":");
	json_write_string(&out, path, strlen(path));
	buf_printf(&out, ",\"tables\":%zu,\"rows\":%llu,\"replaced\":%llu}", st.tables,
		   (unsigned long long)st.rows, (unsigned long long)st.replaced);
	store_print(out.p, out.len);
	buf_free(&out);
	free(path);
	return MU_EXIT_OK;
}
