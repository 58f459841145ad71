/* store_db.h — how mostro-store finds, creates and opens the order database.
 *
 * Why: the order database belongs to the engine (mostro-order run, the single
 * writer; its schema is lib/order_db.h's). mostro-store reads it without ever
 * blocking the engine, and writes it only when the engine is not running:
 *  - readers open the file read-only (SQLITE_OPEN_READONLY and
 *    PRAGMA query_only); in WAL mode they see the last commit and never hold
 *    up a writer;
 *  - writers (init, migrate, import, import-mostrod) first take the engine's
 *    lock (lib/store_lock.h) and keep it until they close, so neither can
 *    start while the other runs.
 *
 * Paths: like mostrod, a settings directory DIR (default ~/.mostro) holding
 * DIR/mostro.db, or an explicit file. A created directory is 0700, a created
 * database file 0600 (O_CREAT|O_EXCL: init never adopts a file it did not
 * create).
 *
 * Ownership: store_db_path returns a malloc'd path; a store_writer holds the
 * handle and the lock until store_writer_close. Nothing here prints or exits.
 */
#ifndef MU_STORE_DB_H
#define MU_STORE_DB_H

#include <stdbool.h>
#include <stddef.h>
#include <sqlite3.h>

#include "store_lock.h"

#define STORE_DB_FILE "mostro.db"
#define STORE_DB_DEFAULT_DIR ".mostro"   /* under $HOME */

typedef enum store_db_err {
	STORE_DB_OK = 0,
	STORE_DB_MISSING,     /* no database at the path (or its directory is missing) */
	STORE_DB_EXISTS,      /* init: the file exists already */
	STORE_DB_OPEN,        /* cannot open/create: permissions, not a database, I/O */
	STORE_DB_NEWER,       /* written by a newer release: never touched */
	STORE_DB_FOREIGN,     /* a database with tables but no schema version of ours
				 (a mostrod file: import-mostrod takes those over) */
	STORE_DB_OWNED,       /* the engine (or another writer) holds the lock */
	STORE_DB_MIGRATE,     /* a migration failed (the file is left at its old version) */
	STORE_DB_SQL,         /* any other SQLite error */
} store_db_err;

const char *store_db_strerror(store_db_err e);

/* file if given, else DIR/mostro.db (DIR = dir, or $HOME/.mostro). NULL with
 * err when neither dir nor $HOME is usable. */
char *store_db_path(const char *dir, const char *file, char *err, size_t cap);

/* Opens an existing database for reading only. */
store_db_err store_db_open_read(sqlite3 **out, const char *path, char *err, size_t cap);

/* The engine's schema version in db: 0 = none, -1 on error. */
int store_db_version(sqlite3 *db);
/* The version this program creates and migrates to. */
int store_db_current_version(void);

typedef struct store_writer {
	sqlite3   *db;
	store_lock lock;
	int        from;         /* schema version found (0 = new file) */
	int        to;           /* schema version now */
	bool       created;      /* the file was created by this open */
} store_writer;

#define STORE_WRITER_INIT {NULL, STORE_LOCK_INIT, 0, 0, false}

typedef enum store_open_mode {
	STORE_CREATE,            /* init: the file must not exist */
	STORE_EXISTING,          /* migrate: the file must exist */
	STORE_CREATE_OR_OPEN,    /* import: either */
} store_open_mode;

/* Takes the lock (owner = "mostro-store import", ...), creates the directory
 * and file as the mode allows, and brings the schema to the current version
 * (refusing a newer one before touching it). */
store_db_err store_writer_open(store_writer *w, const char *path, store_open_mode mode,
			       const char *owner, char *err, size_t cap);
void store_writer_close(store_writer *w);
/* Closes; when this open created the file, removes it (and SQLite's -wal,
 * -shm, -journal beside it) before letting go of the lock. */
void store_writer_discard(store_writer *w, const char *path);

/* A fresh database of the current schema in memory (for the emptiness check
 * of imports), or NULL with err. */
sqlite3 *store_db_baseline(char *err, size_t cap);

#endif
