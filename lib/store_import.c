#include "store_import.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "db.h"
#include "detail.h"
#include "json.h"
#include "store_export.h"
#include "store_tables.h"

const char *store_import_strerror(store_import_err e)
{
	switch (e) {
	case STORE_IMPORT_OK: return "ok";
	case STORE_IMPORT_RECORD: return "not a valid export record";
	case STORE_IMPORT_FORMAT: return "not a mostro-store export";
	case STORE_IMPORT_SCHEMA: return "the export's schema version differs from the database's";
	case STORE_IMPORT_NOT_EMPTY: return "the database is not empty";
	case STORE_IMPORT_TABLE: return "no such table";
	case STORE_IMPORT_COLUMN: return "no such column";
	case STORE_IMPORT_ROW: return "row refused by the database";
	case STORE_IMPORT_ORDER: return "record out of place";
	case STORE_IMPORT_TRUNCATED: return "the export is incomplete";
	case STORE_IMPORT_FOREIGN_KEY: return "foreign key violation";
	case STORE_IMPORT_SQL: return "database error";
	}
	return "unknown error";
}

bool store_import_fatal(store_import_err e)
{
	return e == STORE_IMPORT_FORMAT || e == STORE_IMPORT_SCHEMA || e == STORE_IMPORT_NOT_EMPTY ||
	       e == STORE_IMPORT_SQL;
}

/* ------------------------------------------------------------ records */

void store_record_free(store_record *rec)
{
	for (size_t i = 0; i < rec->ncols; i++)
		store_value_clear(&rec->vals[i]);
	free(rec->vals);
	free(rec->names);
	free(rec->name_lens);
	jv_free(rec->json);
	jv_free(rec->schema);
	*rec = (store_record){.json = jv_null(), .schema = jv_null()};
}

#define FAIL(...) DETAIL_FAIL(STORE_IMPORT_RECORD, detail, cap, __VA_ARGS__)

/* Every key of o is one of keys[]; each of required[] is present. */
static store_import_err only_keys(jv o, const char *const *keys, size_t nkeys, size_t nrequired,
				  char *detail, size_t cap)
{
	store_import_err e = STORE_IMPORT_OK;
	jv_object_foreach(o, k, v) {
		bool known = false;
		for (size_t i = 0; i < nkeys; i++)
			known |= strcmp(jv_string_value(k), keys[i]) == 0;
		if (!known && e == STORE_IMPORT_OK)
			e = FAIL("unknown field '%s'", jv_string_value(k));
		jv_free(k);
		jv_free(v);
	}
	for (size_t i = 0; i < nrequired && e == STORE_IMPORT_OK; i++)
		if (!json_has(o, keys[i]))
			e = FAIL("missing field '%s'", keys[i]);
	return e;
}

static store_import_err parse_uint_field(jv o, const char *key, uint64_t *out, char *detail, size_t cap)
{
	jv v = json_get(o, key);
	bool ok = json_get_u64(v, out);
	jv_free(v);
	return ok ? STORE_IMPORT_OK : FAIL("%s: expected a non-negative integer", key);
}

static store_import_err parse_header(store_record *rec, char *detail, size_t cap)
{
	static const char *const keys[] = {"type", "format", "schema"};
	store_import_err e = only_keys(rec->json, keys, 3, 3, detail, cap);
	if (e)
		return e;
	uint64_t format;
	if ((e = parse_uint_field(rec->json, "format", &format, detail, cap)))
		return e;
	rec->format = format > INT64_MAX ? INT64_MAX : (int64_t)format;
	jv s = json_get(rec->json, "schema");
	if (jv_get_kind(s) != JV_KIND_OBJECT) {
		jv_free(s);
		return FAIL("schema: expected an object of component versions");
	}
	jv_object_foreach(s, k, v) {
		uint64_t ver;
		if (e == STORE_IMPORT_OK && (!json_get_u64(v, &ver) || ver > INT32_MAX))
			e = FAIL("schema.%s: expected a version number", jv_string_value(k));
		jv_free(k);
		jv_free(v);
	}
	if (e) {
		jv_free(s);
		return e;
	}
	rec->schema = s;
	rec->kind = STORE_REC_HEADER;
	return STORE_IMPORT_OK;
}

static store_import_err parse_end(store_record *rec, char *detail, size_t cap)
{
	static const char *const keys[] = {"type", "tables", "rows"};
	store_import_err e = only_keys(rec->json, keys, 3, 3, detail, cap);
	if (!e)
		e = parse_uint_field(rec->json, "tables", &rec->end_tables, detail, cap);
	if (!e)
		e = parse_uint_field(rec->json, "rows", &rec->end_rows, detail, cap);
	if (!e)
		rec->kind = STORE_REC_END;
	return e;
}

static store_import_err parse_row(store_record *rec, char *detail, size_t cap)
{
	static const char *const keys[] = {"table", "row", "rowid"};
	store_import_err e = only_keys(rec->json, keys, 3, 2, detail, cap);
	if (e)
		return e;
	rec->table = json_get_str(rec->json, "table", &rec->table_len);
	if (!rec->table || rec->table_len == 0)
		return FAIL("table: expected a table name");
	if (json_has(rec->json, "rowid")) {
		jv r = json_get(rec->json, "rowid");
		bool ok = jv_get_kind(r) != JV_KIND_STRING || !json_is_float_literal(r);
		ok = ok && json_get_i64(r, &rec->rowid);
		jv_free(r);
		if (!ok)
			return FAIL("rowid: expected a 64-bit integer");
		rec->has_rowid = true;
	}
	jv row = json_get(rec->json, "row");
	if (jv_get_kind(row) != JV_KIND_OBJECT) {
		jv_free(row);
		return FAIL("row: expected an object of column values");
	}
	size_t n = (size_t)jv_object_length(jv_copy(row));
	rec->names = mu_xmalloc((n ? n : 1) * sizeof *rec->names);
	rec->name_lens = mu_xmalloc((n ? n : 1) * sizeof *rec->name_lens);
	rec->vals = mu_xmalloc((n ? n : 1) * sizeof *rec->vals);
	/* the strings stay valid: rec->json holds `row`, which holds them */
	jv_object_foreach(row, k, v) {
		if (e == STORE_IMPORT_OK) {
			char why[160];
			size_t i = rec->ncols;
			store_value_err ve = store_value_from_json(v, &rec->vals[i], why, sizeof why);
			if (ve != SV_OK) {
				e = FAIL("row.%s: %s", jv_string_value(k), why);
			} else {
				rec->names[i] = json_str(k, &rec->name_lens[i]);
				rec->ncols++;
			}
		}
		jv_free(k);
		jv_free(v);
	}
	jv_free(row);
	if (!e)
		rec->kind = STORE_REC_ROW;
	return e;
}

store_import_err store_record_parse(const char *line, size_t n, store_record *rec,
				    char *detail, size_t cap)
{
	*rec = (store_record){.json = jv_null(), .schema = jv_null()};
	json_error je;
	jv j = json_parse(line, n, JSON_EXACT_NUMBERS, &je);
	if (!jv_is_valid(j)) {
		jv_free(j);
		return FAIL("%s", je.msg);
	}
	rec->json = j;
	store_import_err e;
	if (jv_get_kind(j) != JV_KIND_OBJECT) {
		e = FAIL("expected a JSON object");
	} else if (json_has(j, "type")) {
		const char *t = json_get_str(j, "type", NULL);
		if (t && strcmp(t, STORE_EXPORT_TYPE) == 0)
			e = parse_header(rec, detail, cap);
		else if (t && strcmp(t, "end") == 0)
			e = parse_end(rec, detail, cap);
		else
			e = FAIL("type: expected \"" STORE_EXPORT_TYPE "\" or \"end\"");
	} else {
		e = parse_row(rec, detail, cap);
	}
	if (e)
		store_record_free(rec);
	return e;
}

#undef FAIL

/* ------------------------------------------------------------ loading */

typedef struct trigger_def {
	char *name, *sql;
} trigger_def;

typedef struct insert_cache {
	buf           sql;       /* the statement's text, to tell column sets apart */
	sqlite3_stmt *st;
	bool          used;
	bool          loaded;    /* the table received a row */
} insert_cache;

struct store_import {
	sqlite3      *db;
	store_tables  ts;
	insert_cache *cache;     /* one per table */
	trigger_def  *triggers;
	size_t        ntriggers;
	bool          open;      /* transaction running */
	bool          header_seen, end_seen, sequence_cleared;
	uint64_t      rows, replaced, end_rows;
	buf           schema;    /* the database's schema_version as JSON */
};

static store_import_err sql_err(sqlite3 *db, char *err, size_t cap, const char *what)
{
	return DETAIL_FAIL(STORE_IMPORT_SQL, err, cap, "%s: %s", what, sqlite3_errmsg(db));
}

static bool exec(sqlite3 *db, const char *sql)
{
	return sqlite3_exec(db, sql, NULL, NULL, NULL) == SQLITE_OK;
}

static store_import_err drop_triggers(store_import *imp, char *err, size_t cap)
{
	sqlite3_stmt *st;
	if (sqlite3_prepare_v2(imp->db, "SELECT name, sql FROM sqlite_schema WHERE type = 'trigger' ORDER BY rowid",
			       -1, &st, NULL) != SQLITE_OK)
		return sql_err(imp->db, err, cap, "listing triggers");
	while (sqlite3_step(st) == SQLITE_ROW) {
		imp->triggers = mu_xrealloc(imp->triggers, (imp->ntriggers + 1) * sizeof *imp->triggers);
		imp->triggers[imp->ntriggers++] = (trigger_def){
			mu_xstrdup((const char *)sqlite3_column_text(st, 0)),
			mu_xstrdup((const char *)sqlite3_column_text(st, 1)),
		};
	}
	sqlite3_finalize(st);
	for (size_t i = 0; i < imp->ntriggers; i++) {
		buf q = BUF_INIT;
		buf_puts(&q, "DROP TRIGGER ");
		store_sql_ident(&q, imp->triggers[i].name);
		bool ok = exec(imp->db, q.p);
		buf_free(&q);
		if (!ok)
			return sql_err(imp->db, err, cap, imp->triggers[i].name);
	}
	return STORE_IMPORT_OK;
}

static store_import_err clear_tables(store_import *imp, char *err, size_t cap)
{
	for (size_t i = 0; i < imp->ts.n; i++) {
		buf q = BUF_INIT;
		buf_puts(&q, "DELETE FROM ");
		store_sql_ident(&q, imp->ts.t[i].name);
		bool ok = exec(imp->db, q.p);
		buf_free(&q);
		if (!ok)
			return sql_err(imp->db, err, cap, imp->ts.t[i].name);
		if (strcmp(imp->ts.t[i].name, "sqlite_sequence") != 0)
			imp->replaced += (uint64_t)sqlite3_changes64(imp->db);
	}
	return STORE_IMPORT_OK;
}

store_import_err store_import_begin(store_import **out, sqlite3 *db, const store_import_opts *o,
				    char *err, size_t cap)
{
	store_import *imp = mu_xmalloc(sizeof *imp);
	*imp = (store_import){.db = db};
	*out = imp;
	if (!db_begin(db))
		return sql_err(db, err, cap, "BEGIN");
	imp->open = true;
	if (!store_tables_load(db, &imp->ts, err, cap) || !store_schema_json(db, &imp->schema, err, cap))
		return STORE_IMPORT_SQL;
	imp->cache = mu_xmalloc((imp->ts.n ? imp->ts.n : 1) * sizeof *imp->cache);
	memset(imp->cache, 0, (imp->ts.n ? imp->ts.n : 1) * sizeof *imp->cache);
	if (!o->replace) {
		const char *which;
		if (!store_tables_first_nonempty(db, &imp->ts, o->baseline, &which, err, cap))
			return STORE_IMPORT_SQL;
		if (which)
			return DETAIL_FAIL(STORE_IMPORT_NOT_EMPTY, err, cap,
					   "the database is not empty (table %s has rows; --replace replaces everything)", which);
	}
	if (!exec(db, "PRAGMA defer_foreign_keys = ON"))
		return sql_err(db, err, cap, "defer_foreign_keys");
	store_import_err e = drop_triggers(imp, err, cap);
	if (!e)
		e = clear_tables(imp, err, cap);
	return e;
}

/* The header's schema map equals the database's. */
static bool same_schema(store_import *imp, jv schema)
{
	jv mine = json_parse(imp->schema.p, imp->schema.len, 0, NULL);
	bool same = jv_is_valid(mine) && jv_object_length(jv_copy(mine)) == jv_object_length(jv_copy(schema));
	if (same) {
		jv_object_foreach(schema, k, v) {
			jv m = jv_object_get(jv_copy(mine), jv_copy(k));
			uint64_t a, b;
			same = same && json_get_u64(v, &a) && json_get_u64(m, &b) && a == b;
			jv_free(m);
			jv_free(k);
			jv_free(v);
		}
	}
	jv_free(mine);
	return same;
}

/* INSERT for rec's column set into table t, prepared once per column set. */
static sqlite3_stmt *insert_stmt(store_import *imp, size_t ti, const store_record *rec, const int *cols)
{
	const store_table *t = &imp->ts.t[ti];
	buf q = BUF_INIT;
	buf_puts(&q, "INSERT INTO ");
	store_sql_ident(&q, t->name);
	buf_puts(&q, " (");
	size_t np = 0;
	if (rec->has_rowid) {
		buf_puts(&q, t->rowid_name);
		np++;
	}
	for (size_t i = 0; i < rec->ncols; i++, np++) {
		if (np)
			buf_puts(&q, ", ");
		store_sql_ident(&q, t->cols[cols[i]]);
	}
	if (np == 0) {
		buf_reset(&q);
		buf_puts(&q, "INSERT INTO ");
		store_sql_ident(&q, t->name);
		buf_puts(&q, " DEFAULT VALUES");
	} else {
		buf_puts(&q, ") VALUES (");
		for (size_t i = 0; i < np; i++)
			buf_puts(&q, i ? ", ?" : "?");
		buf_putc(&q, ')');
	}
	insert_cache *c = &imp->cache[ti];
	if (c->used && c->sql.len == q.len && memcmp(c->sql.p, q.p, q.len) == 0) {
		buf_free(&q);
		sqlite3_reset(c->st);
		sqlite3_clear_bindings(c->st);
		return c->st;
	}
	sqlite3_finalize(c->st);
	buf_free(&c->sql);
	c->st = NULL;
	c->used = false;
	if (sqlite3_prepare_v2(imp->db, q.p, -1, &c->st, NULL) != SQLITE_OK) {
		buf_free(&q);
		return NULL;
	}
	c->sql = q;
	c->used = true;
	return c->st;
}

static store_import_err load_row(store_import *imp, const store_record *rec, char *err, size_t cap)
{
	const store_table *t = NULL;
	size_t ti = 0;
	for (; ti < imp->ts.n; ti++)
		if (strlen(imp->ts.t[ti].name) == rec->table_len &&
		    memcmp(imp->ts.t[ti].name, rec->table, rec->table_len) == 0) {
			t = &imp->ts.t[ti];
			break;
		}
	if (!t)
		return DETAIL_FAIL(STORE_IMPORT_TABLE, err, cap, "table '%.*s': no such table in the database",
				   (int)rec->table_len, rec->table);
	if (rec->has_rowid && !t->rowid_name)
		return DETAIL_FAIL(STORE_IMPORT_COLUMN, err, cap, "table %s: rowid given, but its rowid is a column or absent", t->name);
	int *cols = mu_xmalloc((rec->ncols ? rec->ncols : 1) * sizeof *cols);
	for (size_t i = 0; i < rec->ncols; i++) {
		cols[i] = store_table_col(t, rec->names[i], rec->name_lens[i]);
		if (cols[i] < 0) {
			free(cols);
			return DETAIL_FAIL(STORE_IMPORT_COLUMN, err, cap, "table %s: no column '%.*s'", t->name,
					   (int)rec->name_lens[i], rec->names[i]);
		}
	}
	if (strcmp(t->name, "sqlite_sequence") == 0 && !imp->sequence_cleared) {
		/* the counters the loaded rows produced give way to the exported ones */
		if (!exec(imp->db, "DELETE FROM sqlite_sequence")) {
			free(cols);
			return sql_err(imp->db, err, cap, "sqlite_sequence");
		}
		imp->sequence_cleared = true;
	}
	sqlite3_stmt *st = insert_stmt(imp, ti, rec, cols);
	free(cols);
	if (!st)
		return sql_err(imp->db, err, cap, t->name);
	int p = 1;
	if (rec->has_rowid)
		sqlite3_bind_int64(st, p++, rec->rowid);
	for (size_t i = 0; i < rec->ncols; i++)
		store_value_bind(st, p++, &rec->vals[i]);
	int rc = sqlite3_step(st);
	if (rc != SQLITE_DONE) {
		store_import_err e = (rc & 0xff) == SQLITE_CONSTRAINT || (rc & 0xff) == SQLITE_MISMATCH ||
				     (rc & 0xff) == SQLITE_TOOBIG
			? STORE_IMPORT_ROW : STORE_IMPORT_SQL;
		detail_set(err, cap, "table %s: %s", t->name, sqlite3_errmsg(imp->db));
		sqlite3_reset(st);
		return e;
	}
	sqlite3_reset(st);
	imp->cache[ti].loaded = true;
	imp->rows++;
	return STORE_IMPORT_OK;
}

store_import_err store_import_line(store_import *imp, const char *line, size_t n, char *err, size_t cap)
{
	store_record rec;
	store_import_err e = store_record_parse(line, n, &rec, err, cap);
	if (e) {
		if (!imp->header_seen)
			return DETAIL_FAIL(STORE_IMPORT_FORMAT, err, cap,
					   "not a mostro-store export (the first line is not its header record)");
		return e;
	}
	if (imp->end_seen) {
		e = DETAIL_FAIL(STORE_IMPORT_ORDER, err, cap, "a record after the end record");
	} else if (!imp->header_seen) {
		if (rec.kind != STORE_REC_HEADER)
			e = DETAIL_FAIL(STORE_IMPORT_FORMAT, err, cap,
					"not a mostro-store export (the first line is not its header record)");
		else if (rec.format != STORE_EXPORT_FORMAT)
			e = DETAIL_FAIL(STORE_IMPORT_FORMAT, err, cap, "export format %lld is not known here (this program reads format %d)",
					(long long)rec.format, STORE_EXPORT_FORMAT);
		else if (!same_schema(imp, rec.schema)) {
			char *theirs = json_dumps(rec.schema);
			e = DETAIL_FAIL(STORE_IMPORT_SCHEMA, err, cap, "the export has schema %s, the database %s", theirs, imp->schema.p);
			free(theirs);
		}
		imp->header_seen = true;
	} else if (rec.kind == STORE_REC_HEADER) {
		e = DETAIL_FAIL(STORE_IMPORT_ORDER, err, cap, "a second header record");
	} else if (rec.kind == STORE_REC_END) {
		imp->end_seen = true;
		imp->end_rows = rec.end_rows;
	} else {
		e = load_row(imp, &rec, err, cap);
	}
	store_record_free(&rec);
	return e;
}

static store_import_err check_foreign_keys(store_import *imp, char *err, size_t cap)
{
	sqlite3_stmt *st;
	if (sqlite3_prepare_v2(imp->db, "SELECT \"table\", rowid, parent FROM pragma_foreign_key_check", -1, &st, NULL) != SQLITE_OK)
		return sql_err(imp->db, err, cap, "foreign_key_check");
	store_import_err e = STORE_IMPORT_OK;
	if (sqlite3_step(st) == SQLITE_ROW) {
		const char *tab = (const char *)sqlite3_column_text(st, 0);
		const char *parent = (const char *)sqlite3_column_text(st, 2);
		e = DETAIL_FAIL(STORE_IMPORT_FOREIGN_KEY, err, cap, "table %s rowid %lld names a missing row of %s",
				tab ? tab : "?", (long long)sqlite3_column_int64(st, 1), parent ? parent : "?");
	}
	sqlite3_finalize(st);
	return e;
}

static store_import_err restore_triggers(store_import *imp, char *err, size_t cap)
{
	for (size_t i = 0; i < imp->ntriggers; i++)
		if (!exec(imp->db, imp->triggers[i].sql))
			return sql_err(imp->db, err, cap, imp->triggers[i].name);
	return STORE_IMPORT_OK;
}

store_import_err store_import_finish(store_import *imp, bool commit, store_import_stats *stats,
				     char *err, size_t cap)
{
	store_import_err e = STORE_IMPORT_OK;
	if (!imp->open)
		return sql_err(imp->db, err, cap, "import");
	if (commit) {
		if (!imp->header_seen)
			e = DETAIL_FAIL(STORE_IMPORT_FORMAT, err, cap, "not a mostro-store export (empty input)");
		else if (!imp->end_seen)
			e = DETAIL_FAIL(STORE_IMPORT_TRUNCATED, err, cap, "no end record: the export is truncated");
		else if (imp->end_rows != imp->rows)
			e = DETAIL_FAIL(STORE_IMPORT_TRUNCATED, err, cap, "the end record counts %llu rows, the file has %llu",
					(unsigned long long)imp->end_rows, (unsigned long long)imp->rows);
		if (!e)
			e = check_foreign_keys(imp, err, cap);
		if (!e)
			e = restore_triggers(imp, err, cap);
		for (size_t i = 0; i < imp->ts.n; i++) {
			sqlite3_finalize(imp->cache[i].st);
			imp->cache[i].st = NULL;
		}
		if (!e && !db_commit(imp->db))
			e = sql_err(imp->db, err, cap, "COMMIT");
	}
	if (e || !commit)
		db_rollback(imp->db);
	imp->open = false;
	if (stats) {
		size_t used = 0;
		for (size_t i = 0; i < imp->ts.n; i++)
			used += imp->cache[i].loaded;
		*stats = (store_import_stats){.rows = imp->rows, .tables = used, .replaced = imp->replaced};
	}
	return e;
}

void store_import_free(store_import *imp)
{
	if (!imp)
		return;
	if (imp->cache)
		for (size_t i = 0; i < imp->ts.n; i++) {
			sqlite3_finalize(imp->cache[i].st);
			buf_free(&imp->cache[i].sql);
		}
	if (imp->open)
		db_rollback(imp->db);
	for (size_t i = 0; i < imp->ntriggers; i++) {
		free(imp->triggers[i].name);
		free(imp->triggers[i].sql);
	}
	free(imp->triggers);
	free(imp->cache);
	store_tables_free(&imp->ts);
	buf_free(&imp->schema);
	free(imp);
}
