#include "store_query.h"

#include <string.h>

#include "detail.h"
#include "store_value.h"

const char *store_query_strerror(store_query_err e)
{
	switch (e) {
	case STORE_QUERY_OK: return "ok";
	case STORE_QUERY_NOT_FOUND: return "not found";
	case STORE_QUERY_WRITE: return "writing the rows failed";
	case STORE_QUERY_SQL: return "database error";
	}
	return "unknown error";
}

static store_query_err sql_fail(sqlite3 *db, char *err, size_t cap)
{
	return DETAIL_FAIL(STORE_QUERY_SQL, err, cap, "%s", sqlite3_errmsg(db));
}

/* Steps st to the end, handing each row as JSON to out. */
static store_query_err emit_rows(sqlite3 *db, sqlite3_stmt *st, store_line_fn out, void *ctx,
				 uint64_t *rows, char *err, size_t cap)
{
	buf line = BUF_INIT;
	store_query_err e = STORE_QUERY_OK;
	uint64_t n = 0;
	int rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		buf_reset(&line);
		store_row_write(&line, st, 0);
		n++;
		if (!out(ctx, line.p, line.len)) {
			e = DETAIL_FAIL(STORE_QUERY_WRITE, err, cap, "%s", store_query_strerror(STORE_QUERY_WRITE));
			break;
		}
	}
	if (!e && rc != SQLITE_DONE)
		e = sql_fail(db, err, cap);
	sqlite3_finalize(st);
	buf_free(&line);
	if (rows)
		*rows = n;
	return e;
}

/* " AND col IN (?,?,...)" for n values, bound from *p on. */
static void in_list(buf *q, const char *col, size_t n)
{
	if (n == 0)
		return;
	buf_printf(q, " AND %s IN (", col);
	for (size_t i = 0; i < n; i++)
		buf_puts(q, i ? ",?" : "?");
	buf_putc(q, ')');
}

store_query_err store_orders(sqlite3 *db, const store_order_filter *f, store_line_fn out, void *ctx,
			     uint64_t *rows, char *err, size_t cap)
{
	buf q = BUF_INIT;
	buf_puts(&q, "SELECT * FROM orders WHERE 1");
	in_list(&q, "status", f->nstatuses);
	if (f->kind)
		buf_puts(&q, " AND kind = ?");
	if (f->has_since)
		buf_puts(&q, " AND created_at >= ?");
	if (f->has_until)
		buf_puts(&q, " AND created_at < ?");
	if (f->fiat_code)
		buf_puts(&q, " AND fiat_code = ? COLLATE NOCASE");
	buf_puts(&q, " ORDER BY created_at, id");
	if (f->limit)
		buf_puts(&q, " LIMIT ?");
	sqlite3_stmt *st;
	int rc = sqlite3_prepare_v2(db, q.p, -1, &st, NULL);
	buf_free(&q);
	if (rc != SQLITE_OK)
		return sql_fail(db, err, cap);
	int p = 1;
	for (size_t i = 0; i < f->nstatuses; i++)
		sqlite3_bind_text(st, p++, f->statuses[i], -1, SQLITE_STATIC);
	if (f->kind)
		sqlite3_bind_text(st, p++, f->kind, -1, SQLITE_STATIC);
	if (f->has_since)
		sqlite3_bind_int64(st, p++, f->since);
	if (f->has_until)
		sqlite3_bind_int64(st, p++, f->until);
	if (f->fiat_code)
		sqlite3_bind_text(st, p++, f->fiat_code, -1, SQLITE_STATIC);
	if (f->limit)
		sqlite3_bind_int64(st, p++, f->limit > INT64_MAX ? INT64_MAX : (int64_t)f->limit);
	return emit_rows(db, st, out, ctx, rows, err, cap);
}

store_query_err store_users(sqlite3 *db, bool solvers_only, store_line_fn out, void *ctx,
			    uint64_t *rows, char *err, size_t cap)
{
	sqlite3_stmt *st;
	const char *sql = solvers_only ? "SELECT * FROM users WHERE is_solver = 1 ORDER BY created_at, pubkey"
				       : "SELECT * FROM users ORDER BY created_at, pubkey";
	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
		return sql_fail(db, err, cap);
	return emit_rows(db, st, out, ctx, rows, err, cap);
}

store_query_err store_disputes(sqlite3 *db, const char *const *statuses, size_t n, store_line_fn out, void *ctx,
			       uint64_t *rows, char *err, size_t cap)
{
	buf q = BUF_INIT;
	buf_puts(&q, "SELECT * FROM disputes WHERE 1");
	in_list(&q, "status", n);
	buf_puts(&q, " ORDER BY created_at, id");
	sqlite3_stmt *st;
	int rc = sqlite3_prepare_v2(db, q.p, -1, &st, NULL);
	buf_free(&q);
	if (rc != SQLITE_OK)
		return sql_fail(db, err, cap);
	for (size_t i = 0; i < n; i++)
		sqlite3_bind_text(st, (int)i + 1, statuses[i], -1, SQLITE_STATIC);
	return emit_rows(db, st, out, ctx, rows, err, cap);
}

store_query_err store_get(sqlite3 *db, const char *id, buf *row, const char **table, char *err, size_t cap)
{
	static const char *const tables[] = {"orders", "disputes"};
	static const char *const sql[] = {"SELECT * FROM orders WHERE id = ?", "SELECT * FROM disputes WHERE id = ?"};
	for (size_t i = 0; i < 2; i++) {
		sqlite3_stmt *st;
		if (sqlite3_prepare_v2(db, sql[i], -1, &st, NULL) != SQLITE_OK)
			return sql_fail(db, err, cap);
		sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
		int rc = sqlite3_step(st);
		if (rc == SQLITE_ROW) {
			store_row_write(row, st, 0);
			*table = tables[i];
		}
		sqlite3_finalize(st);
		if (rc == SQLITE_ROW)
			return STORE_QUERY_OK;
		if (rc != SQLITE_DONE)
			return sql_fail(db, err, cap);
	}
	return DETAIL_FAIL(STORE_QUERY_NOT_FOUND, err, cap, "no order and no dispute has id %s", id);
}
