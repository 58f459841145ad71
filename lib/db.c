#include "db.h"
#include "db_walbuf.h"

#include <stdio.h>
#include <string.h>

const char *db_strerror(db_err e)
{
	switch (e) {
	case DB_OK: return "ok";
	case DB_ERR_OPEN: return "cannot open database";
	case DB_ERR_MIGRATE: return "schema migration failed";
	case DB_ERR_NEWER_SCHEMA: return "database was written by a newer version";
	case DB_ERR_SQL: return "database error";
	}
	return "unknown error";
}

bool db_exec(sqlite3 *db, const char *sql, char *err, size_t errlen)
{
	char *msg = NULL;
	if (sqlite3_exec(db, sql, NULL, NULL, &msg) == SQLITE_OK)
		return true;
	if (err && errlen)
		snprintf(err, errlen, "%s", msg ? msg : sqlite3_errmsg(db));
	sqlite3_free(msg);
	return false;
}

bool db_begin(sqlite3 *db) { return db_exec(db, "BEGIN IMMEDIATE", NULL, 0); }
bool db_commit(sqlite3 *db) { return db_exec(db, "COMMIT", NULL, 0); }
void db_rollback(sqlite3 *db) { db_exec(db, "ROLLBACK", NULL, 0); }

int db_schema_version(sqlite3 *db, const char *component)
{
	sqlite3_stmt *st;
	int v = -1;
	if (sqlite3_prepare_v2(db, "SELECT version FROM schema_version WHERE component = ?",
			       -1, &st, NULL) != SQLITE_OK)
		return -1;
	sqlite3_bind_text(st, 1, component, -1, SQLITE_STATIC);
	int rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		v = sqlite3_column_int(st, 0);
	else if (rc == SQLITE_DONE)
		v = 0;
	sqlite3_finalize(st);
	return v;
}

static bool set_version(sqlite3 *db, const char *component, int v)
{
	sqlite3_stmt *st;
	if (sqlite3_prepare_v2(db,
	    "INSERT INTO schema_version(component, version, applied_at) VALUES (?, ?, strftime('%s','now')) "
	    "ON CONFLICT(component) DO UPDATE SET version = excluded.version, applied_at = excluded.applied_at",
	    -1, &st, NULL) != SQLITE_OK)
		return false;
	sqlite3_bind_text(st, 1, component, -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 2, v);
	bool ok = sqlite3_step(st) == SQLITE_DONE;
	sqlite3_finalize(st);
	return ok;
}

static db_err open_with(sqlite3 **out, const char *path, const char *component,
			const db_migration *migs, size_t n, char *err, size_t errlen, int mutex, const char *vfs)
{
	sqlite3 *db = NULL;
	char tmp[256] = "";
	*out = NULL;
	if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | mutex, vfs) != SQLITE_OK) {
		if (err)
			snprintf(err, errlen, "%s: %s", path, db ? sqlite3_errmsg(db) : "out of memory");
		sqlite3_close(db);
		return DB_ERR_OPEN;
	}
	sqlite3_busy_timeout(db, 5000);
	bool memory = strcmp(path, ":memory:") == 0 || path[0] == 0;
	if ((!memory && !db_exec(db, "PRAGMA journal_mode=WAL", tmp, sizeof tmp)) ||
	    !db_exec(db, "PRAGMA foreign_keys=ON; PRAGMA synchronous=NORMAL;", tmp, sizeof tmp) ||
	    !db_exec(db, "CREATE TABLE IF NOT EXISTS schema_version ("
			 " component TEXT PRIMARY KEY, version INTEGER NOT NULL, applied_at INTEGER)",
		     tmp, sizeof tmp)) {
		if (err)
			snprintf(err, errlen, "%s: %s", path, tmp);
		sqlite3_close(db);
		return DB_ERR_OPEN;
	}
	int have = db_schema_version(db, component);
	int newest = n ? migs[n - 1].version : 0;
	if (have < 0) {
		if (err)
			snprintf(err, errlen, "%s: %s", path, sqlite3_errmsg(db));
		sqlite3_close(db);
		return DB_ERR_SQL;
	}
	if (have > newest) {
		if (err)
			snprintf(err, errlen, "%s: %s schema version %d is newer than this program (%d)",
				 path, component, have, newest);
		sqlite3_close(db);
		return DB_ERR_NEWER_SCHEMA;
	}
	for (size_t i = 0; i < n; i++) {
		if (migs[i].version <= have)
			continue;
		/* Another process may have migrated since `have` was read: look
		 * again once the write lock is held. */
		bool begun = db_begin(db);
		if (begun && (have = db_schema_version(db, component)) >= migs[i].version) {
			if (!db_commit(db))
				db_rollback(db);
			continue;
		}
		if (!begun || have < 0 || !db_exec(db, migs[i].sql, tmp, sizeof tmp) ||
		    !set_version(db, component, migs[i].version) || !db_commit(db)) {
			if (err)
				snprintf(err, errlen, "%s: %s migration %d: %s", path, component,
					 migs[i].version, tmp[0] ? tmp : sqlite3_errmsg(db));
			db_rollback(db);
			sqlite3_close(db);
			return DB_ERR_MIGRATE;
		}
		tmp[0] = 0;
	}
	*out = db;
	return DB_OK;
}

db_err db_open(sqlite3 **out, const char *path, const char *component,
	       const db_migration *migs, size_t n, char *err, size_t errlen)
{
	return open_with(out, path, component, migs, n, err, errlen, SQLITE_OPEN_FULLMUTEX, NULL);
}

db_err db_open_one_thread(sqlite3 **out, const char *path, const char *component,
			  const db_migration *migs, size_t n, char *err, size_t errlen)
{
	/* the single writers (the engine, mostro-store's writes): their WAL
	 * frames gathered into one write per commit (lib/db_walbuf.h) */
	return open_with(out, path, component, migs, n, err, errlen, SQLITE_OPEN_NOMUTEX, db_walbuf_vfs());
}

void db_close(sqlite3 *db)
{
	sqlite3_close(db);
}
