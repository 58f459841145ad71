/* store_tables.h — the tables of a database as mostro-store's export, import
 * and emptiness check see them.
 *
 * Every ordinary table of the main schema, in a fixed order: by name (byte
 * order), with sqlite_sequence (AUTOINCREMENT counters) last. Left out:
 * schema_version (lib/db.h's bookkeeping: an export carries it in its header),
 * SQLite's other internal tables, views, virtual tables and their shadow
 * tables. Columns are the ones a SELECT * returns and an INSERT may name
 * (generated and hidden columns are left out), in declaration order.
 *
 * Rowids: a table whose rowid is not one of its columns (no INTEGER PRIMARY
 * KEY) still has one, and code may rely on its order; `rowid_name` is how to
 * name it in SQL ("rowid", or "_rowid_"/"oid" when a column takes the name),
 * NULL for WITHOUT ROWID tables, for tables whose rowid is a column, and when
 * all three names are taken.
 *
 * Ownership: store_tables_load fills a list freed by store_tables_free.
 */
#ifndef MU_STORE_TABLES_H
#define MU_STORE_TABLES_H

#include <stdbool.h>
#include <stddef.h>
#include <sqlite3.h>

#include "buf.h"

typedef struct store_table {
	char   *name;
	char  **cols;           /* ncols column names */
	size_t  ncols;
	bool    without_rowid;
	const char *rowid_name; /* see above; a static string or NULL */
	char  **pk;             /* WITHOUT ROWID: primary key columns in key order */
	size_t  npk;
} store_table;

typedef struct store_tables {
	store_table *t;
	size_t       n;
} store_tables;

/* False on an SQLite error (message in err). */
bool store_tables_load(sqlite3 *db, store_tables *out, char *err, size_t cap);
void store_tables_free(store_tables *ts);

/* The table called name, or NULL. */
const store_table *store_tables_find(const store_tables *ts, const char *name, size_t n);
/* Index of column name in t, or -1. */
int store_table_col(const store_table *t, const char *name, size_t n);

/* Emptiness, as import and import-mostrod need it: *which is set to the
 * first table (sqlite_sequence aside) holding more rows in db than the same
 * table in baseline (a fresh database of the same schema; NULL counts as no
 * rows), or to NULL when there is none. False on an SQLite error. */
bool store_tables_first_nonempty(sqlite3 *db, const store_tables *ts, sqlite3 *baseline,
				 const char **which, char *err, size_t cap);

/* "name" quoted as an SQL identifier, appended to b. */
void store_sql_ident(buf *b, const char *name);

/* The SELECT that reads t's rows in their export order: the rowid first when
 * rowid_name is set, then every column. */
void store_table_select(buf *b, const store_table *t);

#endif
