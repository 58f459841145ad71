/* mostro-store export and import (lib/store_export.h, lib/store_import.h,
 * lib/store_tables.h) on a schema of every table shape SQLite has, in memory.
 *
 * records:    one line -> header / row / end, or the reason it is no record.
 * shapes:     rowid tables (with and without an INTEGER PRIMARY KEY, a
 *             column named rowid), WITHOUT ROWID with a composite key,
 *             AUTOINCREMENT counters ahead of their rows, a generated column,
 *             a view and an index (not exported): export -> import -> export
 *             gives the same bytes, and the same rowids.
 * emptiness:  a table holding more rows than the baseline is "not empty";
 *             --replace clears what was there.
 * atomicity:  a bad line leaves the target as it was. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "db.h"
#include "store_export.h"
#include "store_import.h"
#include "store_tables.h"
#include "t.h"

typedef struct record_case {
	const char *line;
	store_import_err err;
	int kind;               /* store_rec_kind when err is OK */
	const char *detail;     /* substring of the reason / of the table name */
} record_case;

static const record_case records[] = {
	{"{\"type\":\"mostro-store-export\",\"format\":1,\"schema\":{\"order\":1}}", STORE_IMPORT_OK, STORE_REC_HEADER, ""},
	{"{\"type\":\"mostro-store-export\",\"format\":1,\"schema\":{}}", STORE_IMPORT_OK, STORE_REC_HEADER, ""},
	{"{\"type\":\"end\",\"tables\":3,\"rows\":0}", STORE_IMPORT_OK, STORE_REC_END, ""},
	{"{\"table\":\"t\",\"row\":{}}", STORE_IMPORT_OK, STORE_REC_ROW, "t"},
	{"{\"table\":\"t\",\"rowid\":-5,\"row\":{\"a\":null,\"b\":{\"blob\":\"\"}}}", STORE_IMPORT_OK, STORE_REC_ROW, "t"},
	{"[]", STORE_IMPORT_RECORD, 0, "expected a JSON object"},
	{"{\"table\":\"t\",\"row\":{}", STORE_IMPORT_RECORD, 0, "at byte"},
	{"{\"type\":\"header\"}", STORE_IMPORT_RECORD, 0, "type: expected"},
	{"{\"type\":\"mostro-store-export\",\"format\":1}", STORE_IMPORT_RECORD, 0, "missing field 'schema'"},
	{"{\"type\":\"mostro-store-export\",\"format\":-1,\"schema\":{}}", STORE_IMPORT_RECORD, 0, "format: expected"},
	{"{\"type\":\"mostro-store-export\",\"format\":1,\"schema\":{\"order\":\"1\"}}", STORE_IMPORT_RECORD, 0, "schema.order"},
	{"{\"type\":\"mostro-store-export\",\"format\":1,\"schema\":[]}", STORE_IMPORT_RECORD, 0, "schema: expected an object"},
	{"{\"type\":\"end\",\"tables\":1,\"rows\":1,\"x\":0}", STORE_IMPORT_RECORD, 0, "unknown field 'x'"},
	{"{\"type\":\"end\",\"tables\":1}", STORE_IMPORT_RECORD, 0, "missing field 'rows'"},
	{"{\"table\":\"\",\"row\":{}}", STORE_IMPORT_RECORD, 0, "table: expected a table name"},
	{"{\"table\":7,\"row\":{}}", STORE_IMPORT_RECORD, 0, "table: expected a table name"},
	{"{\"table\":\"t\"}", STORE_IMPORT_RECORD, 0, "missing field 'row'"},
	{"{\"table\":\"t\",\"row\":[]}", STORE_IMPORT_RECORD, 0, "row: expected an object"},
	{"{\"table\":\"t\",\"rowid\":1.0,\"row\":{}}", STORE_IMPORT_RECORD, 0, "rowid: expected a 64-bit integer"},
	{"{\"table\":\"t\",\"rowid\":9223372036854775808,\"row\":{}}", STORE_IMPORT_RECORD, 0, "rowid: expected"},
	{"{\"table\":\"t\",\"row\":{\"a\":true}}", STORE_IMPORT_RECORD, 0, "row.a: not a value"},
	{"{\"table\":\"t\",\"row\":{\"a\":1,\"a\":2}}", STORE_IMPORT_RECORD, 0, "duplicate"},
	{"{\"table\":\"t\",\"row\":{\"a\":\"\\u0000#1\"}}", STORE_IMPORT_RECORD, 0, "at byte"},
	{"{\"table\":\"t\",\"row\":{\"a\":1e400}}", STORE_IMPORT_RECORD, 0, "at byte"},
};

static void record_rows(void)
{
	for (size_t i = 0; i < sizeof records / sizeof *records; i++) {
		const record_case *c = &records[i];
		store_record rec;
		char why[200] = "";
		store_import_err e = store_record_parse(c->line, strlen(c->line), &rec, why, sizeof why);
		if (c->err == STORE_IMPORT_OK)
			t_ok(e == STORE_IMPORT_OK && (int)rec.kind == c->kind &&
			     (c->kind != STORE_REC_ROW || (rec.table_len == strlen(c->detail) && memcmp(rec.table, c->detail, rec.table_len) == 0)),
			     "record %s reads (%s)", c->line, why);
		else
			t_ok(e == c->err && strstr(why, c->detail), "record %s is refused: %s", c->line, why);
		if (e == STORE_IMPORT_OK)
			store_record_free(&rec);
	}
}

/* Every table shape, with lib/db.h's schema_version. */
static const db_migration shapes[] = {
	{1, "CREATE TABLE plain (name TEXT, n INTEGER);"                       /* hidden rowid */
	    "CREATE TABLE alias (id INTEGER PRIMARY KEY, v REAL);"             /* rowid = id */
	    "CREATE TABLE named (rowid TEXT, v BLOB);"                         /* rowid is a column: _rowid_ */
	    "CREATE TABLE keyed (a TEXT, b INTEGER, v, PRIMARY KEY (b, a)) WITHOUT ROWID;"
	    "CREATE TABLE counter (seq INTEGER PRIMARY KEY AUTOINCREMENT, x TEXT);"
	    "CREATE TABLE gen (a INTEGER, twice INTEGER GENERATED ALWAYS AS (a * 2) VIRTUAL);"
	    "CREATE TABLE \"odd \"\"name\" (\"col \"\"q\" TEXT);"
	    "CREATE INDEX plain_n ON plain(n);"
	    "CREATE VIEW v AS SELECT * FROM plain;"},
};

static const char fill[] =
	"INSERT INTO plain VALUES ('a', 1), ('b', 2), ('c', 3); DELETE FROM plain WHERE n = 2;"
	"INSERT INTO plain(rowid, name, n) VALUES (100, 'far', 9223372036854775807);"
	"INSERT INTO alias VALUES (-7, 0.1), (3, 1e300), (4, NULL);"
	"INSERT INTO named VALUES ('r1', X'00'), ('r2', X'');"
	"INSERT INTO keyed VALUES ('x', 2, 'two'), ('y', 1, 1.5), ('x', 1, NULL);"
	"INSERT INTO counter(x) VALUES ('1'), ('2'), ('3'); DELETE FROM counter WHERE seq > 1;"
	"INSERT INTO gen(a) VALUES (21);"
	"INSERT INTO \"odd \"\"name\" VALUES ('quoted');";

static bool collect(void *ctx, const char *line, size_t n)
{
	buf *b = ctx;
	buf_put(b, line, n);
	buf_putc(b, '\n');
	return true;
}

static sqlite3 *fresh(void)
{
	sqlite3 *db;
	char err[200];
	if (db_open(&db, ":memory:", "order", shapes, 1, err, sizeof err) != DB_OK) {
		t_diag("db_open: %s", err);
		exit(1);
	}
	return db;
}

/* Imports text into db; the first failing line's error, or OK. */
static store_import_err load(sqlite3 *db, const char *text, bool replace, sqlite3 *baseline, char *why, size_t cap)
{
	store_import *imp;
	store_import_opts o = {.replace = replace, .baseline = baseline};
	store_import_err e = store_import_begin(&imp, db, &o, why, cap);
	store_import_err first = e;
	for (const char *p = text; !first && *p;) {
		const char *nl = strchr(p, '\n');
		size_t n = nl ? (size_t)(nl - p) : strlen(p);
		first = store_import_line(imp, p, n, why, cap);
		p += n + (nl != NULL);
	}
	if (!first)
		first = store_import_finish(imp, true, NULL, why, cap);
	else
		store_import_finish(imp, false, NULL, NULL, 0);
	store_import_free(imp);
	return first;
}

static const char *scalar(sqlite3 *db, const char *sql)
{
	static char out[256];
	sqlite3_stmt *st;
	out[0] = 0;
	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) == SQLITE_OK && sqlite3_step(st) == SQLITE_ROW &&
	    sqlite3_column_text(st, 0))
		snprintf(out, sizeof out, "%s", (const char *)sqlite3_column_text(st, 0));
	sqlite3_finalize(st);
	return out;
}

static void shape_round_trip(void)
{
	sqlite3 *a = fresh(), *b = fresh();
	char why[300] = "";
	db_exec(a, fill, why, sizeof why);
	buf e1 = BUF_INIT, e2 = BUF_INIT;
	store_export_stats st;
	t_ok(store_export(a, collect, &e1, &st, why, sizeof why) == STORE_EXPORT_OK, "export (%s)", why);
	t_eq_int((long long)st.tables, 8, "eight tables exported (schema_version, the view and the index are not)");
	t_eq_int((long long)st.rows, 15, "fifteen rows (sqlite_sequence's included)");
	t_ok(strncmp(e1.p, "{\"type\":\"mostro-store-export\",\"format\":1,\"schema\":{\"order\":1}}\n", 62) == 0,
	     "the header names the schema version");
	t_ok(strstr(e1.p, "{\"table\":\"alias\",\"row\":{\"id\":-7,\"v\":0.1}}\n") != NULL, "an INTEGER PRIMARY KEY is the rowid: no \"rowid\"");
	t_ok(strstr(e1.p, "{\"table\":\"plain\",\"rowid\":100,\"row\":{\"name\":\"far\",\"n\":9223372036854775807}}\n") != NULL,
	     "a hidden rowid is kept (gaps included)");
	t_ok(strstr(e1.p, "{\"table\":\"named\",\"rowid\":1,\"row\":{\"rowid\":\"r1\",\"v\":{\"blob\":\"00\"}}}\n") != NULL,
	     "a column named rowid: the real rowid is still kept");
	t_ok(strstr(e1.p, "{\"table\":\"keyed\",\"row\":{\"a\":\"x\",\"b\":1,\"v\":null}}\n{\"table\":\"keyed\",\"row\":{\"a\":\"y\",\"b\":1,\"v\":1.5}}\n") != NULL,
	     "WITHOUT ROWID rows in primary key order (b, a)");
	t_ok(strstr(e1.p, "{\"table\":\"gen\",\"rowid\":1,\"row\":{\"a\":21}}\n") != NULL, "a generated column is left out");
	t_ok(strstr(e1.p, "{\"table\":\"odd \\\"name\",\"rowid\":1,\"row\":{\"col \\\"q\":\"quoted\"}}\n") != NULL,
	     "odd names are JSON-escaped");
	const char *seq = strstr(e1.p, "{\"table\":\"sqlite_sequence\"");
	t_ok(seq && strstr(seq, "\"seq\":3") && strstr(seq, "{\"type\":\"end\"") && !strstr(seq + 1, "\"table\":\"keyed\""),
	     "sqlite_sequence comes last, its counter ahead of the rows");

	t_ok(load(b, e1.p, false, NULL, why, sizeof why) == STORE_IMPORT_OK, "import into an empty database (%s)", why);
	t_ok(store_export(b, collect, &e2, NULL, why, sizeof why) == STORE_EXPORT_OK, "export again");
	t_ok(e1.len == e2.len && memcmp(e1.p, e2.p, e1.len) == 0, "export -> import -> export is byte-exact");
	t_eq_str(scalar(b, "SELECT group_concat(rowid) FROM plain"), "1,3,100", "hidden rowids restored");
	t_eq_str(scalar(b, "SELECT twice FROM gen"), "42", "the generated column is computed again");
	db_exec(b, "INSERT INTO counter(x) VALUES ('next')", NULL, 0);
	t_eq_str(scalar(b, "SELECT max(seq) FROM counter"), "4", "AUTOINCREMENT goes on after the exported counter, not after the rows");

	store_import_err e = load(b, e1.p, false, NULL, why, sizeof why);
	t_ok(e == STORE_IMPORT_NOT_EMPTY && strstr(why, "table alias has rows"), "a second import is refused: %s", why);
	sqlite3 *base = fresh();
	db_exec(base, "INSERT INTO alias VALUES (1, 1.0), (2, 2.0), (3, 3.0)", NULL, 0);
	e = load(b, e1.p, false, base, why, sizeof why);
	t_ok(e == STORE_IMPORT_NOT_EMPTY && strstr(why, "table alias") == NULL, "a table no fuller than the baseline's counts as empty (%s)", why);
	t_ok(load(b, e1.p, true, NULL, why, sizeof why) == STORE_IMPORT_OK, "--replace");
	buf_reset(&e2);
	store_export(b, collect, &e2, NULL, why, sizeof why);
	t_ok(e1.len == e2.len && memcmp(e1.p, e2.p, e1.len) == 0, "the replaced content is exactly the export's");

	/* atomicity: a bad last row leaves b as it was */
	buf bad = BUF_INIT;
	const char *end = strstr(e1.p, "{\"type\":\"end\"");
	buf_put(&bad, e1.p, (size_t)(end - e1.p));
	buf_puts(&bad, "{\"table\":\"alias\",\"row\":{\"id\":\"not an integer\"}}\n");
	buf_puts(&bad, end);
	e = load(b, bad.p, true, NULL, why, sizeof why);
	t_ok(e == STORE_IMPORT_ROW && strstr(why, "datatype mismatch"), "a row the table refuses: %s", why);
	buf_reset(&e2);
	store_export(b, collect, &e2, NULL, why, sizeof why);
	t_ok(e1.len == e2.len && memcmp(e1.p, e2.p, e1.len) == 0, "after the failed import the database is unchanged");

	buf_free(&bad);
	buf_free(&e1);
	buf_free(&e2);
	sqlite3_close(a);
	sqlite3_close(b);
	sqlite3_close(base);
}

static void tables_listing(void)
{
	sqlite3 *db = fresh();
	store_tables ts;
	char why[200];
	t_ok(store_tables_load(db, &ts, why, sizeof why), "tables load");
	buf names = BUF_INIT;
	for (size_t i = 0; i < ts.n; i++)
		buf_printf(&names, "%s%s:%s", i ? "," : "", ts.t[i].name, ts.t[i].rowid_name ? ts.t[i].rowid_name : "-");
	t_eq_str(names.p, "alias:-,counter:-,gen:rowid,keyed:-,named:_rowid_,odd \"name:rowid,plain:rowid,sqlite_sequence:rowid",
		 "tables by name, sqlite_sequence last, each with the name of its hidden rowid");
	buf_free(&names);
	store_tables_free(&ts);
	sqlite3_close(db);
}

int main(void)
{
	record_rows();
	tables_listing();
	shape_round_trip();
	return t_done();
}
