/* store_export.h — a whole database as JSON lines (mostro-store export).
 *
 * The format (man mostro-store, EXPORT FORMAT), one JSON object per line:
 *   {"type":"mostro-store-export","format":1,"schema":{"order":3}}
 *   {"table":"orders","rowid":1,"row":{"id":"...","kind":"sell",...}}
 *   ...
 *   {"type":"end","tables":9,"rows":1234}
 * "schema" is lib/db.h's schema_version (component -> version); tables and
 * columns come in store_tables.h's order, rows in rowid (or primary key)
 * order, "rowid" only where the rowid is not a column; values are
 * store_value.h's exact encoding. The end record lets an import tell a
 * complete file from a truncated one. The same database always gives the
 * same bytes, so export -> import -> export is byte-exact.
 *
 * The export reads inside one read transaction: a consistent snapshot, and in
 * WAL mode it never blocks a writer. Lines go to a callback (without '\n');
 * nothing here prints or exits.
 */
#ifndef MU_STORE_EXPORT_H
#define MU_STORE_EXPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sqlite3.h>

#include "buf.h"

#define STORE_EXPORT_TYPE "mostro-store-export"
#define STORE_EXPORT_FORMAT 1

/* Receives one line (no '\n'); false stops the export (a write failed). */
typedef bool (*store_line_fn)(void *ctx, const char *line, size_t n);

typedef struct store_export_stats {
	size_t   tables;
	uint64_t rows;
} store_export_stats;

typedef enum store_export_err {
	STORE_EXPORT_OK = 0,
	STORE_EXPORT_SQL,       /* reading the database failed (err says why) */
	STORE_EXPORT_WRITE,     /* the callback refused a line */
} store_export_err;

const char *store_export_strerror(store_export_err e);

store_export_err store_export(sqlite3 *db, store_line_fn out, void *ctx,
			      store_export_stats *stats, char *err, size_t cap);

/* lib/db.h's schema_version as a JSON object {"component":version,...} in
 * component order ({} when the table is missing). False on an SQLite error. */
bool store_schema_json(sqlite3 *db, buf *b, char *err, size_t cap);

#endif
