/* store_import.h — loads a mostro-store export (store_export.h's format)
 * into a database, all or nothing.
 *
 * Two layers:
 *  - store_record_parse(): one line of the file -> a header, row or end
 *    record, checked for shape and values (pure; the fuzz target's entry);
 *  - store_import_*(): applies the records to a database in one write
 *    transaction. The target must be empty (each table holds no more rows
 *    than a freshly created database of the same schema: the `baseline`)
 *    unless `replace` is set; its schema versions must equal the header's.
 *    Whatever the target held is deleted first; triggers are dropped for the
 *    load and re-created before the commit (a trigger firing on a loaded row
 *    would change what was exported); foreign keys are checked once, at the
 *    end. Any bad line makes the whole import roll back: the caller reports
 *    each one (store_import_line says what was wrong with it) and then calls
 *    store_import_finish with commit = false.
 *
 * Input is untrusted: every name is looked up in the target's own table and
 * column lists before it reaches SQL, and values are bound, never spliced.
 *
 * Ownership: store_record_parse fills a record freed by store_record_free;
 * store_import_begin returns a handle freed by store_import_free (which rolls
 * back an unfinished import). Nothing here prints or exits.
 */
#ifndef MU_STORE_IMPORT_H
#define MU_STORE_IMPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <jv.h>
#include <sqlite3.h>

#include "store_value.h"

typedef enum store_import_err {
	STORE_IMPORT_OK = 0,
	STORE_IMPORT_RECORD,     /* a line that is not a valid record */
	STORE_IMPORT_FORMAT,     /* the file does not start with an export header / unknown format */
	STORE_IMPORT_SCHEMA,     /* the header's schema versions differ from the database's */
	STORE_IMPORT_NOT_EMPTY,  /* the database holds data and replace was not asked */
	STORE_IMPORT_TABLE,      /* a row for a table the database does not have */
	STORE_IMPORT_COLUMN,     /* a column (or a rowid) the table does not have */
	STORE_IMPORT_ROW,        /* the database refused the row (constraint) */
	STORE_IMPORT_ORDER,      /* a second header, or a record after the end record */
	STORE_IMPORT_TRUNCATED,  /* no end record, or its row count differs */
	STORE_IMPORT_FOREIGN_KEY,/* rows that name missing parents */
	STORE_IMPORT_SQL,        /* any other SQLite error */
} store_import_err;

const char *store_import_strerror(store_import_err e);
/* True for the errors after which reading further lines makes no sense. */
bool store_import_fatal(store_import_err e);

typedef enum store_rec_kind { STORE_REC_HEADER, STORE_REC_ROW, STORE_REC_END } store_rec_kind;

typedef struct store_record {
	store_rec_kind kind;
	jv          json;        /* the parsed line (owned) */
	/* header */
	int64_t     format;
	jv          schema;      /* object component -> integer (owned) */
	/* row */
	const char *table;       /* into json */
	size_t      table_len;
	bool        has_rowid;
	int64_t     rowid;
	size_t      ncols;
	const char **names;      /* into json */
	size_t      *name_lens;
	store_value *vals;
	/* end */
	uint64_t    end_tables, end_rows;
} store_record;

/* One line (without its '\n') into *rec. STORE_IMPORT_RECORD with detail on
 * failure (rec is then empty). */
store_import_err store_record_parse(const char *line, size_t n, store_record *rec,
				    char *detail, size_t cap);
void store_record_free(store_record *rec);

typedef struct store_import_opts {
	bool     replace;        /* allow a non-empty database (its content is replaced) */
	sqlite3 *baseline;       /* a fresh database of the same schema, or NULL (= no rows) */
} store_import_opts;

typedef struct store_import_stats {
	uint64_t rows;           /* rows loaded */
	size_t   tables;         /* tables that received rows */
	uint64_t replaced;       /* rows that were in the database before */
} store_import_stats;

typedef struct store_import store_import;

/* Starts the transaction on db (opened read-write, nobody else writing) and
 * clears it. STORE_IMPORT_NOT_EMPTY names the first table holding data. */
store_import_err store_import_begin(store_import **out, sqlite3 *db, const store_import_opts *o,
				    char *err, size_t cap);
/* One line of the file (blank lines are the caller's to skip). */
store_import_err store_import_line(store_import *imp, const char *line, size_t n, char *err, size_t cap);
/* commit = false: roll back. Else the end-of-file checks (end record seen,
 * foreign keys), triggers re-created, COMMIT. */
store_import_err store_import_finish(store_import *imp, bool commit, store_import_stats *stats,
				     char *err, size_t cap);
void store_import_free(store_import *imp);

#endif
