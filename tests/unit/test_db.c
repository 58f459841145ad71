/* lib/db: WAL on files (not :memory:), foreign keys, busy timeout; migrations
 * run once, in order, each atomically with its version; a newer schema is
 * refused untouched; components share a file; a migration raced by another
 * connection is not applied twice. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "db.h"
#include "t.h"

static char dir[64];

static const char *path_in(const char *name)
{
	static char p[128];
	snprintf(p, sizeof p, "%s/%s", dir, name);
	return p;
}

/* First column of the first row as text ("" when none). */
static const char *query(sqlite3 *db, const char *sql)
{
	static char out[256];
	sqlite3_stmt *st;
	out[0] = 0;
	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK) {
		snprintf(out, sizeof out, "error: %s", sqlite3_errmsg(db));
		return out;
	}
	if (sqlite3_step(st) == SQLITE_ROW && sqlite3_column_text(st, 0))
		snprintf(out, sizeof out, "%s", (const char *)sqlite3_column_text(st, 0));
	sqlite3_finalize(st);
	return out;
}

static const db_migration migs[] = {
	{1, "CREATE TABLE log(v INTEGER); INSERT INTO log VALUES (1);"},
	{2, "CREATE TABLE item(id INTEGER PRIMARY KEY, owner INTEGER REFERENCES owner(id));"
	    "CREATE TABLE owner(id INTEGER PRIMARY KEY); INSERT INTO log VALUES (2);"},
	{3, "ALTER TABLE item ADD COLUMN note TEXT; INSERT INTO log VALUES (3);"},
};

static void memory(void)
{
	sqlite3 *db;
	char err[256] = "";
	db_err e = db_open(&db, ":memory:", "orders", migs, 2, err, sizeof err);
	t_ok(e == DB_OK, ":memory: opens (%s)", err);
	t_eq_str(query(db, "PRAGMA journal_mode"), "memory", ":memory: is not switched to WAL");
	t_eq_int(db_schema_version(db, "orders"), 2, ":memory: migrated to version 2");
	t_eq_str(query(db, "SELECT group_concat(v) FROM log"), "1,2", "both migrations ran once, in order");
	t_eq_str(query(db, "PRAGMA foreign_keys"), "1", "foreign keys on");
	t_ok(!db_exec(db, "INSERT INTO item(id, owner) VALUES (1, 99)", err, sizeof err) && strstr(err, "FOREIGN KEY"),
	     "a dangling reference is refused (%s)", err);
	t_eq_int(db_schema_version(db, "nobody"), 0, "an absent component is at version 0");
	db_close(db);

	e = db_open(&db, "", "x", migs, 1, err, sizeof err);
	t_ok(e == DB_OK, "\"\" (temporary database) opens");
	db_close(db);
}

static void file_lifecycle(void)
{
	const char *p = path_in("a.db");
	sqlite3 *db;
	char err[256] = "";
	db_err e = db_open(&db, p, "orders", migs, 2, err, sizeof err);
	t_ok(e == DB_OK, "file database created (%s)", err);
	t_eq_str(query(db, "PRAGMA journal_mode"), "wal", "journal_mode is WAL");
	t_eq_str(query(db, "PRAGMA busy_timeout"), "5000", "busy timeout 5000 ms");
	t_eq_str(query(db, "PRAGMA synchronous"), "1", "synchronous NORMAL");
	t_eq_int(db_schema_version(db, "orders"), 2, "version 2 recorded");
	t_ok(atol(query(db, "SELECT applied_at FROM schema_version WHERE component='orders'")) > 1600000000,
	     "applied_at recorded");
	db_close(db);

	/* reopen: nothing runs again */
	e = db_open(&db, p, "orders", migs, 2, err, sizeof err);
	t_ok(e == DB_OK, "reopened");
	t_eq_str(query(db, "SELECT group_concat(v) FROM log"), "1,2", "reopening runs no migration twice");
	db_close(db);

	/* a release with migration 3: only 3 runs */
	e = db_open(&db, p, "orders", migs, 3, err, sizeof err);
	t_ok(e == DB_OK && db_schema_version(db, "orders") == 3, "upgraded to version 3");
	t_eq_str(query(db, "SELECT group_concat(v) FROM log"), "1,2,3", "only migration 3 ran");
	db_close(db);

	/* the older release refuses the newer file and leaves it alone */
	struct stat before, after;
	stat(p, &before);
	db = (sqlite3 *)1;
	e = db_open(&db, p, "orders", migs, 2, err, sizeof err);
	t_ok(e == DB_ERR_NEWER_SCHEMA && db == NULL, "version 3 file refused by a version 2 program (%s)", err);
	t_ok(strstr(err, "newer") != NULL, "the message says why");
	stat(p, &after);
	e = db_open(&db, p, "orders", migs, 3, err, sizeof err);
	t_ok(e == DB_OK && db_schema_version(db, "orders") == 3 && before.st_size == after.st_size,
	     "the refused file is unchanged");
	t_eq_str(query(db, "SELECT group_concat(v) FROM log"), "1,2,3", "no migration ran on refusal");
	db_close(db);

	/* a failing migration leaves the previous version and none of its statements */
	const db_migration bad[] = {
		migs[0], migs[1], migs[2],
		{4, "CREATE TABLE t4(x); INSERT INTO log VALUES (4); INSERT INTO nosuch VALUES (1);"},
	};
	e = db_open(&db, p, "orders", bad, 4, err, sizeof err);
	t_ok(e == DB_ERR_MIGRATE && db == NULL, "a failing migration: DB_ERR_MIGRATE (%s)", err);
	t_ok(strstr(err, "migration 4") != NULL, "the message names the migration");
	e = db_open(&db, p, "orders", migs, 3, err, sizeof err);
	t_ok(e == DB_OK && db_schema_version(db, "orders") == 3, "still at version 3");
	t_eq_str(query(db, "SELECT count(*) FROM sqlite_master WHERE name='t4'"), "0", "the failed migration left no table");
	t_eq_str(query(db, "SELECT group_concat(v) FROM log"), "1,2,3", "nor rows");

	/* a second component in the same file */
	db_close(db);
	static const db_migration relay[] = {{1, "CREATE TABLE events(id TEXT PRIMARY KEY);"}};
	e = db_open(&db, p, "relay", relay, 1, err, sizeof err);
	t_ok(e == DB_OK && db_schema_version(db, "relay") == 1 && db_schema_version(db, "orders") == 3,
	     "two components share a file, each with its own version");
	db_close(db);

	/* no migrations at all */
	e = db_open(&db, path_in("empty.db"), "none", NULL, 0, err, sizeof err);
	t_ok(e == DB_OK && db_schema_version(db, "none") == 0, "a component without migrations opens at version 0");
	db_close(db);
}

static void open_errors(void)
{
	sqlite3 *db = (sqlite3 *)1;
	char err[256] = "";
	db_err e = db_open(&db, "/nonexistent-dir-mostro/x.db", "c", migs, 1, err, sizeof err);
	t_ok(e == DB_ERR_OPEN && db == NULL && strstr(err, "/nonexistent-dir-mostro/x.db"),
	     "missing directory: DB_ERR_OPEN naming the path (%s)", err);
	const char *notdb = path_in("garbage.db");
	FILE *f = fopen(notdb, "w");
	fputs("this is not a database file, it is plain text long enough to fill a header.....", f);
	fclose(f);
	e = db_open(&db, notdb, "c", migs, 1, err, sizeof err);
	t_ok(e != DB_OK && db == NULL, "a file that is not a database is refused: %s (%s)", db_strerror(e), err);
	for (int i = DB_OK; i <= DB_ERR_SQL; i++)
		t_ok(strcmp(db_strerror((db_err)i), "unknown error") != 0, "db_strerror(%d)", i);
}

static void transactions(void)
{
	sqlite3 *db;
	char err[256];
	db_open(&db, ":memory:", "orders", migs, 1, err, sizeof err);
	t_ok(db_begin(db) && db_exec(db, "INSERT INTO log VALUES (7)", err, sizeof err), "begin + insert");
	db_rollback(db);
	t_eq_str(query(db, "SELECT count(*) FROM log WHERE v=7"), "0", "rollback discards");
	t_ok(db_begin(db) && db_exec(db, "INSERT INTO log VALUES (8)", err, sizeof err) && db_commit(db), "begin + insert + commit");
	t_eq_str(query(db, "SELECT count(*) FROM log WHERE v=8"), "1", "commit keeps");
	t_ok(!db_exec(db, "SELEKT 1", err, sizeof err) && strstr(err, "syntax"), "db_exec reports the SQLite message (%s)", err);
	db_close(db);
}

/* Another connection applies migration 1 while db_open waits for the write
 * lock after having read version 0: db_open must see the new version inside
 * its transaction instead of running migration 1 a second time. */
typedef struct race {
	const char *path;
	db_err      e;
	char        err[256];
	int         version;
} race;

static const db_migration race_migs[] = {{1, "CREATE TABLE race(x INTEGER);"}};

static void *racer(void *arg)
{
	race *r = arg;
	sqlite3 *db;
	r->e = db_open(&db, r->path, "race", race_migs, 1, r->err, sizeof r->err);
	r->version = r->e == DB_OK ? db_schema_version(db, "race") : -1;
	if (r->e == DB_OK)
		db_close(db);
	return NULL;
}

static void concurrent_migration(void)
{
	const char *p = path_in("race.db");
	sqlite3 *db;
	char err[256];
	db_open(&db, p, "other", NULL, 0, err, sizeof err);   /* WAL file with schema_version */
	db_close(db);
	sqlite3 *other;
	sqlite3_open(p, &other);
	bool held = db_exec(other, "BEGIN IMMEDIATE; CREATE TABLE race(x INTEGER);"
			    "INSERT INTO schema_version VALUES ('race', 1, 0);", err, sizeof err);
	race r = {.path = p};
	pthread_t th;
	pthread_create(&th, NULL, racer, &r);
	usleep(200 * 1000);   /* let db_open read version 0 and block on the write lock */
	bool committed = db_exec(other, "COMMIT", err, sizeof err);
	pthread_join(th, NULL);
	sqlite3_close(other);
	t_ok(held && committed, "another connection applied migration 1 meanwhile");
	t_ok(r.e == DB_OK && r.version == 1, "db_open does not re-run a migration applied concurrently (%s)",
	     r.e == DB_OK ? "ok" : r.err);
}

int main(void)
{
	snprintf(dir, sizeof dir, "/tmp/mu-db-XXXXXX");
	if (!mkdtemp(dir)) {
		printf("Bail out! mkdtemp\n");
		return 1;
	}
	memory();
	file_lifecycle();
	open_errors();
	transactions();
	concurrent_migration();
	char cmd[128];
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
	if (system(cmd) != 0)
		t_diag("could not remove %s", dir);
	return t_done();
}
