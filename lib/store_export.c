#include "store_export.h"

#include <string.h>

#include "db.h"
#include "detail.h"
#include "json.h"
#include "store_tables.h"
#include "store_value.h"

const char *store_export_strerror(store_export_err e)
{
	switch (e) {
	case STORE_EXPORT_OK: return "ok";
	case STORE_EXPORT_SQL: return "reading the database failed";
	case STORE_EXPORT_WRITE: return "writing the export failed";
	}
	return "unknown error";
}

bool store_schema_json(sqlite3 *db, buf *b, char *err, size_t cap)
{
	sqlite3_stmt *st;
	buf_putc(b, '{');
	int rc = sqlite3_prepare_v2(db, "SELECT 1 FROM pragma_table_list WHERE schema = 'main' AND name = 'schema_version'",
				    -1, &st, NULL);
	if (rc != SQLITE_OK)
		goto fail;
	rc = sqlite3_step(st);
	sqlite3_finalize(st);
	if (rc == SQLITE_DONE) {
		buf_putc(b, '}');
		return true;
	}
	if (rc != SQLITE_ROW)
		goto fail;
	if (sqlite3_prepare_v2(db, "SELECT component, version FROM schema_version ORDER BY component COLLATE BINARY",
			       -1, &st, NULL) != SQLITE_OK)
		goto fail;
	bool first = true;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		const char *c = (const char *)sqlite3_column_text(st, 0);
		if (!first)
			buf_putc(b, ',');
		first = false;
		json_write_string(b, c ? c : "", c ? (size_t)sqlite3_column_bytes(st, 0) : 0);
		buf_putc(b, ':');
		buf_put_i64(b, sqlite3_column_int64(st, 1));
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE)
		goto fail;
	buf_putc(b, '}');
	return true;
fail:
	detail_set(err, cap, "schema_version: %s", sqlite3_errmsg(db));
	return false;
}

static store_export_err put(store_line_fn out, void *ctx, buf *line)
{
	return out(ctx, line->p, line->len) ? STORE_EXPORT_OK : STORE_EXPORT_WRITE;
}

static store_export_err export_table(sqlite3 *db, const store_table *t, store_line_fn out, void *ctx,
				     buf *line, uint64_t *rows, char *err, size_t cap)
{
	buf q = BUF_INIT;
	store_table_select(&q, t);
	sqlite3_stmt *st;
	int rc = sqlite3_prepare_v2(db, q.p, -1, &st, NULL);
	buf_free(&q);
	if (rc != SQLITE_OK)
		return DETAIL_FAIL(STORE_EXPORT_SQL, err, cap, "%s: %s", t->name, sqlite3_errmsg(db));
	buf prefix = BUF_INIT;
	buf_puts(&prefix, "{\"table\":");
	json_write_string(&prefix, t->name, strlen(t->name));
	store_export_err e = STORE_EXPORT_OK;
	while (e == STORE_EXPORT_OK && (rc = sqlite3_step(st)) == SQLITE_ROW) {
		buf_reset(line);
		buf_put(line, prefix.p, prefix.len);
		if (t->rowid_name) {
			buf_puts(line, ",\"rowid\":");
			buf_put_i64(line, sqlite3_column_int64(st, 0));
		}
		buf_puts(line, ",\"row\":");
		store_row_write(line, st, t->rowid_name ? 1 : 0);
		buf_putc(line, '}');
		e = put(out, ctx, line);
		(*rows)++;
	}
	if (e == STORE_EXPORT_OK && rc != SQLITE_DONE)
		e = DETAIL_FAIL(STORE_EXPORT_SQL, err, cap, "%s: %s", t->name, sqlite3_errmsg(db));
	sqlite3_finalize(st);
	buf_free(&prefix);
	return e;
}

store_export_err store_export(sqlite3 *db, store_line_fn out, void *ctx,
			      store_export_stats *stats, char *err, size_t cap)
{
	store_export_stats s = {0};
	store_tables ts = {0};
	buf line = BUF_INIT;
	store_export_err e = STORE_EXPORT_OK;
	if (!db_exec(db, "BEGIN", err, cap))
		return STORE_EXPORT_SQL;
	buf_puts(&line, "{\"type\":\"" STORE_EXPORT_TYPE "\",\"format\":");
	buf_put_i64(&line, STORE_EXPORT_FORMAT);
	buf_puts(&line, ",\"schema\":");
	if (!store_schema_json(db, &line, err, cap) || !store_tables_load(db, &ts, err, cap)) {
		e = STORE_EXPORT_SQL;
		goto done;
	}
	buf_putc(&line, '}');
	if ((e = put(out, ctx, &line)) != STORE_EXPORT_OK)
		goto done;
	for (size_t i = 0; i < ts.n && e == STORE_EXPORT_OK; i++)
		e = export_table(db, &ts.t[i], out, ctx, &line, &s.rows, err, cap);
	if (e != STORE_EXPORT_OK)
		goto done;
	s.tables = ts.n;
	buf_reset(&line);
	buf_printf(&line, "{\"type\":\"end\",\"tables\":%zu,\"rows\":", s.tables);
	buf_put_u64(&line, s.rows);
	buf_putc(&line, '}');
	e = put(out, ctx, &line);
done:
	if (e == STORE_EXPORT_WRITE)
		detail_set(err, cap, "%s", store_export_strerror(e));
	db_exec(db, "COMMIT", NULL, 0);
	store_tables_free(&ts);
	buf_free(&line);
	if (stats)
		*stats = s;
	return e;
}
