#include "store_mostrod.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db.h"
#include "detail.h"
#include "json.h"
#include "store_tables.h"
#include "store_uuid.h"
#include "store_value.h"

const char *store_mostrod_strerror(store_mostrod_err e)
{
	switch (e) {
	case STORE_MOSTROD_OK: return "ok";
	case STORE_MOSTROD_SOURCE: return "not a mostrod database";
	case STORE_MOSTROD_NOT_EMPTY: return "the target database is not empty";
	case STORE_MOSTROD_UUID: return "a UUID column holds something else";
	case STORE_MOSTROD_BONDS: return "bonds still in play";
	case STORE_MOSTROD_ROW: return "a row was refused";
	case STORE_MOSTROD_SQL: return "database error";
	}
	return "unknown error";
}

void store_mostrod_stats_free(store_mostrod_stats *s)
{
	buf_free(&s->statuses);
	buf_free(&s->dropped);
}

/* The tables taken over, with their UUID columns (DAEMON.md §8). */
typedef struct taken_table {
	const char *name;
	const char *uuid_cols[3];
	bool        required;     /* the source must have it */
} taken_table;

static const taken_table taken[] = {
	{"orders", {"id", "range_parent_id", NULL}, true},
	{"disputes", {"id", "order_id", NULL}, false},
	{"users", {NULL}, false},
};

/* Bond states that hold or owe money (mostrod's BondState). */
static const char live_bonds_sql[] =
	"SELECT count(*), coalesce(sum(state IN ('requested','locked','pending-payout')), 0) FROM bonds";

static store_mostrod_err sql_fail(sqlite3 *db, char *err, size_t cap, const char *what)
{
	return DETAIL_FAIL(STORE_MOSTROD_SQL, err, cap, "%s: %s", what, sqlite3_errmsg(db));
}

static bool table_exists(sqlite3 *db, const char *name)
{
	sqlite3_stmt *st;
	if (sqlite3_prepare_v2(db, "SELECT 1 FROM pragma_table_list WHERE schema = 'main' AND type = 'table' AND name = ?",
			       -1, &st, NULL) != SQLITE_OK)
		return false;
	sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
	bool yes = sqlite3_step(st) == SQLITE_ROW;
	sqlite3_finalize(st);
	return yes;
}

static store_mostrod_err check_source(sqlite3 *src, char *err, size_t cap)
{
	if (table_exists(src, "schema_version")) {
		sqlite3_stmt *st;
		bool ours = false;
		if (sqlite3_prepare_v2(src, "SELECT 1 FROM schema_version WHERE component = 'order'", -1, &st, NULL) == SQLITE_OK) {
			ours = sqlite3_step(st) == SQLITE_ROW;
			sqlite3_finalize(st);
		}
		if (ours)
			return DETAIL_FAIL(STORE_MOSTROD_SOURCE, err, cap,
					   "the source is an order database of this program, not mostrod's "
					   "(copy it with backup, or export and import)");
	}
	for (size_t i = 0; i < sizeof taken / sizeof *taken; i++)
		if (taken[i].required && !table_exists(src, taken[i].name))
			return DETAIL_FAIL(STORE_MOSTROD_SOURCE, err, cap, "the source has no %s table: not a mostrod database",
					   taken[i].name);
	return STORE_MOSTROD_OK;
}

static bool is_uuid_col(const taken_table *t, const char *col)
{
	for (size_t i = 0; i < 3 && t->uuid_cols[i]; i++)
		if (strcmp(t->uuid_cols[i], col) == 0)
			return true;
	return false;
}

/* The source's columns of a table (hidden ones aside). */
static bool source_columns(sqlite3 *src, const char *table, char ***cols, size_t *n)
{
	sqlite3_stmt *st;
	*cols = NULL;
	*n = 0;
	if (sqlite3_prepare_v2(src, "SELECT name FROM pragma_table_xinfo(?) WHERE hidden = 0 ORDER BY cid",
			       -1, &st, NULL) != SQLITE_OK)
		return false;
	sqlite3_bind_text(st, 1, table, -1, SQLITE_STATIC);
	int rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		*cols = mu_xrealloc(*cols, (*n + 1) * sizeof **cols);
		(*cols)[(*n)++] = mu_xstrdup((const char *)sqlite3_column_text(st, 0));
	}
	sqlite3_finalize(st);
	return rc == SQLITE_DONE;
}

static void free_cols(char **cols, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(cols[i]);
	free(cols);
}

static void add_dropped(store_mostrod_stats *s, const char *table, const char *col)
{
	buf name = BUF_INIT;
	buf_printf(&name, "%s.%s", table, col);
	buf_putc(&s->dropped, s->dropped.len ? ',' : '[');
	json_write_string(&s->dropped, name.p, name.len);
	buf_free(&name);
}

/* A UUID value (BLOB of 16 or text) to its canonical text in out; false when
 * it is neither. NULL stays NULL (*is_null). */
static bool uuid_value(const store_value *v, char out[STORE_UUID_LEN + 1], bool *is_null, store_mostrod_stats *s)
{
	*is_null = v->type == SV_NULL;
	if (*is_null)
		return true;
	if (v->type == SV_BLOB && v->n == 16) {
		store_uuid_format((const uint8_t *)v->p, out);
		s->uuid_blob++;
		return true;
	}
	if (v->type == SV_TEXT && store_uuid_canonical(v->p, v->n, out)) {
		s->uuid_text++;
		return true;
	}
	return false;
}

/* What to call a source row in messages: its id or pubkey, else its rowid. */
static void row_name(sqlite3_stmt *st, int key_col, int64_t rowid, char *out, size_t cap)
{
	store_value k = key_col >= 0 ? store_value_column(st, key_col) : (store_value){0};
	char u[STORE_UUID_LEN + 1];
	if (k.type == SV_BLOB && k.n == 16) {
		store_uuid_format((const uint8_t *)k.p, u);
		snprintf(out, cap, "rowid %lld (%s)", (long long)rowid, u);
	} else if (k.type == SV_TEXT && k.n <= 80 && store_utf8_valid(k.p, k.n)) {
		snprintf(out, cap, "rowid %lld (%.*s)", (long long)rowid, (int)k.n, k.p);
	} else {
		snprintf(out, cap, "rowid %lld", (long long)rowid);
	}
}

static store_mostrod_err copy_table(sqlite3 *src, sqlite3 *dst, const taken_table *t, const store_table *target,
				    store_mostrod_stats *s, uint64_t *count, char *err, size_t cap)
{
	char **scols;
	size_t ns;
	if (!source_columns(src, t->name, &scols, &ns))
		return sql_fail(src, err, cap, t->name);
	/* common columns, in the source's order */
	char **common = mu_xmalloc((ns ? ns : 1) * sizeof *common);
	size_t nc = 0;
	for (size_t i = 0; i < ns; i++) {
		if (store_table_col(target, scols[i], strlen(scols[i])) >= 0)
			common[nc++] = scols[i];
		else
			add_dropped(s, t->name, scols[i]);
	}
	buf sel = BUF_INIT, ins = BUF_INIT;
	buf_puts(&sel, "SELECT rowid");
	buf_puts(&ins, "INSERT INTO ");
	store_sql_ident(&ins, t->name);
	buf_puts(&ins, " (");
	int key_col = -1;
	for (size_t i = 0; i < nc; i++) {
		buf_puts(&sel, ", ");
		store_sql_ident(&sel, common[i]);
		if (i)
			buf_puts(&ins, ", ");
		store_sql_ident(&ins, common[i]);
		if (strcmp(common[i], "id") == 0 || strcmp(common[i], "pubkey") == 0)
			key_col = (int)i + 1;
	}
	buf_puts(&sel, " FROM ");
	store_sql_ident(&sel, t->name);
	buf_puts(&sel, " ORDER BY rowid");
	buf_puts(&ins, ") VALUES (");
	for (size_t i = 0; i < nc; i++)
		buf_puts(&ins, i ? ", ?" : "?");
	buf_putc(&ins, ')');

	store_mostrod_err e = STORE_MOSTROD_OK;
	sqlite3_stmt *rd = NULL, *wr = NULL;
	if (sqlite3_prepare_v2(src, sel.p, -1, &rd, NULL) != SQLITE_OK) {
		e = sql_fail(src, err, cap, t->name);
		goto done;
	}
	if (nc == 0 || sqlite3_prepare_v2(dst, ins.p, -1, &wr, NULL) != SQLITE_OK) {
		e = nc ? sql_fail(dst, err, cap, t->name)
		       : DETAIL_FAIL(STORE_MOSTROD_SOURCE, err, cap, "%s: no column in common with ours", t->name);
		goto done;
	}
	int rc;
	while (e == STORE_MOSTROD_OK && (rc = sqlite3_step(rd)) == SQLITE_ROW) {
		sqlite3_reset(wr);
		for (size_t i = 0; i < nc; i++) {
			store_value v = store_value_column(rd, (int)i + 1);
			if (!is_uuid_col(t, common[i])) {
				store_value_bind(wr, (int)i + 1, &v);
				continue;
			}
			char u[STORE_UUID_LEN + 1];
			bool is_null;
			if (!uuid_value(&v, u, &is_null, s)) {
				char who[160];
				row_name(rd, key_col, sqlite3_column_int64(rd, 0), who, sizeof who);
				e = DETAIL_FAIL(STORE_MOSTROD_UUID, err, cap, "%s %s: column %s: not a UUID (a 16-byte blob or its text)",
						t->name, who, common[i]);
				break;
			}
			if (is_null)
				sqlite3_bind_null(wr, (int)i + 1);
			else
				sqlite3_bind_text(wr, (int)i + 1, u, STORE_UUID_LEN, SQLITE_TRANSIENT);
		}
		if (e)
			break;
		if (sqlite3_step(wr) != SQLITE_DONE) {
			char who[160];
			row_name(rd, key_col, sqlite3_column_int64(rd, 0), who, sizeof who);
			int code = sqlite3_errcode(dst);
			e = DETAIL_FAIL(code == SQLITE_CONSTRAINT ? STORE_MOSTROD_ROW : STORE_MOSTROD_SQL, err, cap,
					"%s %s: %s", t->name, who, sqlite3_errmsg(dst));
			break;
		}
		(*count)++;
	}
	if (e == STORE_MOSTROD_OK && rc != SQLITE_DONE)
		e = sql_fail(src, err, cap, t->name);
done:
	sqlite3_finalize(rd);
	sqlite3_finalize(wr);
	buf_free(&sel);
	buf_free(&ins);
	free(common);
	free_cols(scols, ns);
	return e;
}

static store_mostrod_err count_bonds(sqlite3 *src, store_mostrod_stats *s, char *err, size_t cap)
{
	if (!table_exists(src, "bonds"))
		return STORE_MOSTROD_OK;
	sqlite3_stmt *st;
	if (sqlite3_prepare_v2(src, live_bonds_sql, -1, &st, NULL) != SQLITE_OK)
		return sql_fail(src, err, cap, "bonds");
	if (sqlite3_step(st) == SQLITE_ROW) {
		s->bonds_left = (uint64_t)sqlite3_column_int64(st, 0);
		s->bonds_live = (uint64_t)sqlite3_column_int64(st, 1);
	}
	sqlite3_finalize(st);
	return STORE_MOSTROD_OK;
}

static store_mostrod_err status_counts(sqlite3 *dst, store_mostrod_stats *s, char *err, size_t cap)
{
	sqlite3_stmt *st;
	if (sqlite3_prepare_v2(dst, "SELECT status, count(*) FROM orders GROUP BY status ORDER BY status COLLATE BINARY",
			       -1, &st, NULL) != SQLITE_OK)
		return sql_fail(dst, err, cap, "orders");
	buf_putc(&s->statuses, '{');
	bool first = true;
	while (sqlite3_step(st) == SQLITE_ROW) {
		store_value v = store_value_column(st, 0);
		if (!first)
			buf_putc(&s->statuses, ',');
		first = false;
		if (v.type == SV_TEXT && store_utf8_valid(v.p, v.n))
			json_write_string(&s->statuses, v.p, v.n);
		else
			buf_puts(&s->statuses, "\"?\"");
		buf_putc(&s->statuses, ':');
		buf_put_i64(&s->statuses, sqlite3_column_int64(st, 1));
	}
	sqlite3_finalize(st);
	buf_putc(&s->statuses, '}');
	return STORE_MOSTROD_OK;
}

store_mostrod_err store_mostrod_import(sqlite3 *src, sqlite3 *dst, const store_mostrod_opts *o,
				       store_mostrod_stats *s, char *err, size_t cap)
{
	store_mostrod_err e;
	store_tables ts = {0};
	bool src_open = false, dst_open = false;
	if (!db_exec(src, "BEGIN", err, cap))
		return STORE_MOSTROD_SQL;
	src_open = true;
	if ((e = check_source(src, err, cap)) || (e = count_bonds(src, s, err, cap)))
		goto done;
	if (s->bonds_live && !o->ignore_bonds) {
		e = DETAIL_FAIL(STORE_MOSTROD_BONDS, err, cap,
				"the source holds %llu bonds still in play (requested, locked or pending-payout): "
				"bonds are not supported here; settle them with mostrod first, or --ignore-bonds",
				(unsigned long long)s->bonds_live);
		goto done;
	}
	if (!db_begin(dst)) {
		e = sql_fail(dst, err, cap, "BEGIN");
		goto done;
	}
	dst_open = true;
	if (!store_tables_load(dst, &ts, err, cap)) {
		e = STORE_MOSTROD_SQL;
		goto done;
	}
	const char *which;
	if (!store_tables_first_nonempty(dst, &ts, o->baseline, &which, err, cap)) {
		e = STORE_MOSTROD_SQL;
		goto done;
	}
	if (which) {
		e = DETAIL_FAIL(STORE_MOSTROD_NOT_EMPTY, err, cap, "the target database is not empty (table %s has rows)", which);
		goto done;
	}
	uint64_t *counts[] = {&s->orders, &s->disputes, &s->users};
	for (size_t i = 0; i < sizeof taken / sizeof *taken && !e; i++) {
		const store_table *target = store_tables_find(&ts, taken[i].name, strlen(taken[i].name));
		if (!target) {
			e = DETAIL_FAIL(STORE_MOSTROD_SQL, err, cap, "the target has no %s table", taken[i].name);
			break;
		}
		if (table_exists(src, taken[i].name))
			e = copy_table(src, dst, &taken[i], target, s, counts[i], err, cap);
	}
	if (!s->dropped.len)
		buf_putc(&s->dropped, '[');
	buf_putc(&s->dropped, ']');
	if (!e)
		e = status_counts(dst, s, err, cap);
	if (!e && !db_commit(dst))
		e = sql_fail(dst, err, cap, "COMMIT");
	dst_open = e != STORE_MOSTROD_OK;
done:
	if (dst_open)
		db_rollback(dst);
	if (src_open)
		db_exec(src, "COMMIT", NULL, 0);
	store_tables_free(&ts);
	return e;
}
