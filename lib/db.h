/* db.h — SQLite files for every component (order engine, embedded relay,
 * simulated LN node, client session).
 *
 * db_open() opens (creating if needed) a database with WAL journaling (not for
 * ":memory:"), a busy timeout, foreign keys on, and brings the named component's
 * schema up to date by running its migrations in order, each in its own
 * transaction together with the version bump in `schema_version` (the version
 * is read again under the write lock, so two processes opening a fresh file at
 * once do not apply a migration twice). A database
 * whose component version is newer than the code knows is refused
 * (DB_ERR_NEWER_SCHEMA) rather than touched. Several components can share
 * one file (each has its own row in schema_version).
 *
 * Ownership: the caller owns the sqlite3 handle and closes it with db_close().
 */
#ifndef MU_DB_H
#define MU_DB_H

#include <stdbool.h>
#include <stddef.h>
#include <sqlite3.h>

typedef struct db_migration {
	int         version;     /* 1, 2, 3, ... strictly increasing */
	const char *sql;         /* one or more statements */
} db_migration;

typedef enum db_err {
	DB_OK = 0,
	DB_ERR_OPEN,             /* cannot open or create the file */
	DB_ERR_MIGRATE,          /* a migration failed (the database is left at the previous version) */
	DB_ERR_NEWER_SCHEMA,     /* the file was written by a newer release */
	DB_ERR_SQL,              /* any other SQLite error */
} db_err;

const char *db_strerror(db_err e);

db_err db_open(sqlite3 **out, const char *path, const char *component,
	       const db_migration *migs, size_t n, char *err, size_t errlen);
/* The same for a handle only one thread ever uses (the order engine, the
 * store's writer): SQLite's per-call mutex is left out (SQLITE_OPEN_NOMUTEX),
 * and the file is opened through lib/db_walbuf.h (a commit's WAL frames
 * written in one call). */
db_err db_open_one_thread(sqlite3 **out, const char *path, const char *component,
			  const db_migration *migs, size_t n, char *err, size_t errlen);
void db_close(sqlite3 *db);

/* Current schema version of a component (0 when absent, -1 on error). */
int db_schema_version(sqlite3 *db, const char *component);

/* Runs SQL without results. False on error, with the message in err. */
bool db_exec(sqlite3 *db, const char *sql, char *err, size_t errlen);
/* BEGIN IMMEDIATE / COMMIT / ROLLBACK. */
bool db_begin(sqlite3 *db);
bool db_commit(sqlite3 *db);
void db_rollback(sqlite3 *db);

#endif
