#include "store_tables.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "detail.h"

void store_sql_ident(buf *b, const char *name)
{
	buf_putc(b, '"');
	for (const char *p = name; *p; p++) {
		if (*p == '"')
			buf_putc(b, '"');
		buf_putc(b, *p);
	}
	buf_putc(b, '"');
}

static bool sql_fail(sqlite3 *db, char *err, size_t cap, const char *what)
{
	detail_set(err, cap, "%s: %s", what, sqlite3_errmsg(db));
	return false;
}

static void push(char ***v, size_t *n, const char *s)
{
	*v = mu_xrealloc(*v, (*n + 1) * sizeof **v);
	(*v)[(*n)++] = mu_xstrdup(s);
}

static bool load_columns(sqlite3 *db, store_table *t, char *err, size_t cap)
{
	buf q = BUF_INIT;
	buf_puts(&q, "SELECT name, type, pk, hidden FROM pragma_table_xinfo(?) ORDER BY cid");
	sqlite3_stmt *st;
	if (sqlite3_prepare_v2(db, q.p, -1, &st, NULL) != SQLITE_OK) {
		buf_free(&q);
		return sql_fail(db, err, cap, t->name);
	}
	buf_free(&q);
	sqlite3_bind_text(st, 1, t->name, -1, SQLITE_STATIC);
	int npk = 0, rc;
	bool int_pk = false;
	char *pk_by_pos[64] = {0};
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		const char *name = (const char *)sqlite3_column_text(st, 0);
		const char *type = (const char *)sqlite3_column_text(st, 1);
		int pk = sqlite3_column_int(st, 2), hidden = sqlite3_column_int(st, 3);
		if (hidden)
			continue;
		push(&t->cols, &t->ncols, name ? name : "");
		if (pk > 0) {
			npk++;
			int_pk = type && strcasecmp(type, "INTEGER") == 0;
			if (pk <= 64)
				pk_by_pos[pk - 1] = t->cols[t->ncols - 1];
		}
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE)
		return sql_fail(db, err, cap, t->name);
	if (t->without_rowid) {
		for (int i = 0; i < npk && i < 64; i++)
			if (pk_by_pos[i])
				push(&t->pk, &t->npk, pk_by_pos[i]);
		return true;
	}
	if (npk == 1 && int_pk)
		return true;                 /* the rowid is that column */
	static const char *const names[] = {"rowid", "_rowid_", "oid"};
	for (size_t i = 0; i < 3; i++) {
		bool taken = false;
		for (size_t c = 0; c < t->ncols; c++)
			taken |= strcasecmp(t->cols[c], names[i]) == 0;
		if (!taken) {
			t->rowid_name = names[i];
			break;
		}
	}
	return true;
}

bool store_tables_load(sqlite3 *db, store_tables *out, char *err, size_t cap)
{
	*out = (store_tables){0};
	sqlite3_stmt *st;
	/* sqlite_sequence last, after the tables whose counters it holds */
	if (sqlite3_prepare_v2(db,
	    "SELECT name, wr FROM pragma_table_list WHERE schema = 'main' AND type = 'table'"
	    " AND name <> 'schema_version'"
	    " AND (name NOT LIKE 'sqlite\\_%' ESCAPE '\\' OR name = 'sqlite_sequence')"
	    " ORDER BY name = 'sqlite_sequence', name COLLATE BINARY", -1, &st, NULL) != SQLITE_OK)
		return sql_fail(db, err, cap, "listing tables");
	int rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		out->t = mu_xrealloc(out->t, (out->n + 1) * sizeof *out->t);
		store_table *t = &out->t[out->n++];
		*t = (store_table){0};
		t->name = mu_xstrdup((const char *)sqlite3_column_text(st, 0));
		t->without_rowid = sqlite3_column_int(st, 1) != 0;
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE) {
		store_tables_free(out);
		return sql_fail(db, err, cap, "listing tables");
	}
	for (size_t i = 0; i < out->n; i++)
		if (!load_columns(db, &out->t[i], err, cap)) {
			store_tables_free(out);
			return false;
		}
	return true;
}

static void free_strv(char **v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

void store_tables_free(store_tables *ts)
{
	for (size_t i = 0; i < ts->n; i++) {
		free(ts->t[i].name);
		free_strv(ts->t[i].cols, ts->t[i].ncols);
		free_strv(ts->t[i].pk, ts->t[i].npk);
	}
	free(ts->t);
	*ts = (store_tables){0};
}

const store_table *store_tables_find(const store_tables *ts, const char *name, size_t n)
{
	for (size_t i = 0; i < ts->n; i++)
		if (strlen(ts->t[i].name) == n && memcmp(ts->t[i].name, name, n) == 0)
			return &ts->t[i];
	return NULL;
}

int store_table_col(const store_table *t, const char *name, size_t n)
{
	for (size_t i = 0; i < t->ncols; i++)
		if (strlen(t->cols[i]) == n && memcmp(t->cols[i], name, n) == 0)
			return (int)i;
	return -1;
}

void store_table_select(buf *b, const store_table *t)
{
	buf_puts(b, "SELECT ");
	if (t->rowid_name) {
		buf_puts(b, t->rowid_name);
		buf_puts(b, t->ncols ? ", " : "");
	}
	for (size_t i = 0; i < t->ncols; i++) {
		if (i)
			buf_puts(b, ", ");
		store_sql_ident(b, t->cols[i]);
	}
	if (!t->rowid_name && t->ncols == 0)
		buf_puts(b, "NULL");
	buf_puts(b, " FROM ");
	store_sql_ident(b, t->name);
	if (t->rowid_name) {
		buf_puts(b, " ORDER BY ");
		buf_puts(b, t->rowid_name);
	} else if (t->without_rowid && t->npk) {
		buf_puts(b, " ORDER BY ");
		for (size_t i = 0; i < t->npk; i++) {
			if (i)
				buf_puts(b, ", ");
			store_sql_ident(b, t->pk[i]);
		}
	} else if (!t->without_rowid) {
		buf_puts(b, " ORDER BY rowid");  /* the rowid is a column, or unnamable: still its order */
	}
}

/* Rows of table name in db: -1 on an error, 0 when db lacks the table. */
static long long count_rows(sqlite3 *db, const char *name, bool missing_ok)
{
	buf q = BUF_INIT;
	buf_puts(&q, "SELECT count(*) FROM ");
	store_sql_ident(&q, name);
	sqlite3_stmt *st;
	int rc = sqlite3_prepare_v2(db, q.p, -1, &st, NULL);
	buf_free(&q);
	if (rc != SQLITE_OK)
		return missing_ok ? 0 : -1;
	long long n = sqlite3_step(st) == SQLITE_ROW ? sqlite3_column_int64(st, 0) : -1;
	sqlite3_finalize(st);
	return n;
}

bool store_tables_first_nonempty(sqlite3 *db, const store_tables *ts, sqlite3 *baseline,
				 const char **which, char *err, size_t cap)
{
	*which = NULL;
	for (size_t i = 0; i < ts->n; i++) {
		if (strcmp(ts->t[i].name, "sqlite_sequence") == 0)
			continue;
		long long have = count_rows(db, ts->t[i].name, false);
		if (have < 0) {
			detail_set(err, cap, "%s: %s", ts->t[i].name, sqlite3_errmsg(db));
			return false;
		}
		long long fresh = baseline ? count_rows(baseline, ts->t[i].name, true) : 0;
		if (fresh < 0) {
			detail_set(err, cap, "%s: %s", ts->t[i].name, sqlite3_errmsg(baseline));
			return false;
		}
		if (have > fresh) {
			*which = ts->t[i].name;
			return true;
		}
	}
	return true;
}
