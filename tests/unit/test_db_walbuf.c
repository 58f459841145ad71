/* test_db_walbuf.c — lib/db_walbuf.h: a commit is in the WAL file, whole,
 * when sqlite3_step returns, at every synchronous setting; readers on other
 * handles see exactly the committed rows; long commits, cache spills and
 * savepoint rollbacks read back right; and a writer killed with SIGKILL at
 * random moments never loses a commit it was told had happened. */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <sqlite3.h>

#include "db_walbuf.h"
#include "t.h"

static char dir[] = "/tmp/test_db_walbuf.XXXXXX";

static void path_of(char *out, size_t cap, const char *name)
{
	snprintf(out, cap, "%s/%s", dir, name);
}

static void remove_db(const char *path)
{
	static const char *const side[] = {"", "-wal", "-shm", "-journal"};
	for (size_t i = 0; i < 4; i++) {
		char p[300];
		snprintf(p, sizeof p, "%s%s", path, side[i]);
		unlink(p);
	}
}

static sqlite3 *open_db(const char *path, const char *vfs, const char *sync)
{
	sqlite3 *db = NULL;
	if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, vfs) != SQLITE_OK) {
		sqlite3_close(db);
		return NULL;
	}
	char sql[128];
	snprintf(sql, sizeof sql, "PRAGMA journal_mode=WAL; PRAGMA synchronous=%s;", sync);
	sqlite3_exec(db, sql, NULL, NULL, NULL);
	sqlite3_exec(db, "PRAGMA wal_autocheckpoint=0", NULL, NULL, NULL);
	return db;
}

static long long one_int(sqlite3 *db, const char *sql)
{
	sqlite3_stmt *st = NULL;
	long long v = -1;
	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) == SQLITE_OK && sqlite3_step(st) == SQLITE_ROW)
		v = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return v;
}

static bool integrity_ok(sqlite3 *db)
{
	sqlite3_stmt *st = NULL;
	bool ok = sqlite3_prepare_v2(db, "PRAGMA integrity_check", -1, &st, NULL) == SQLITE_OK &&
		  sqlite3_step(st) == SQLITE_ROW && strcmp((const char *)sqlite3_column_text(st, 0), "ok") == 0;
	sqlite3_finalize(st);
	return ok;
}

/* Rows of about a page each, so a transaction of k rows writes k+ frames. */
static bool insert_rows(sqlite3 *db, long long from, int k)
{
	sqlite3_stmt *st = NULL;
	if (sqlite3_prepare_v2(db, "INSERT INTO t(i, v) VALUES (?1, randomblob(3000))", -1, &st, NULL) != SQLITE_OK)
		return false;
	bool ok = true;
	for (int j = 0; ok && j < k; j++) {
		sqlite3_bind_int64(st, 1, from + j);
		ok = sqlite3_step(st) == SQLITE_DONE;
		sqlite3_reset(st);
	}
	sqlite3_finalize(st);
	return ok;
}

/* Each commit is visible to another handle (its own descriptors, the
 * default VFS: what another process would see) as soon as it returns. */
static void visible_at_every_sync(void)
{
	static const char *const syncs[] = {"OFF", "NORMAL", "FULL"};
	for (size_t s = 0; s < 3; s++) {
		char path[300];
		path_of(path, sizeof path, "visible.db");
		remove_db(path);
		db_walbuf_stats before = db_walbuf_counts();
		sqlite3 *w = open_db(path, db_walbuf_vfs(), syncs[s]);
		sqlite3_exec(w, "CREATE TABLE t(i INTEGER PRIMARY KEY, v BLOB)", NULL, NULL, NULL);
		sqlite3 *r = open_db(path, NULL, "NORMAL");
		bool seen = w && r;
		long long n = 0;
		for (int c = 0; seen && c < 60; c++) {
			int k = 1 + c % 7;
			seen = sqlite3_exec(w, "BEGIN IMMEDIATE", NULL, NULL, NULL) == SQLITE_OK && insert_rows(w, n, k) &&
			       sqlite3_exec(w, "COMMIT", NULL, NULL, NULL) == SQLITE_OK;
			n += k;
			seen = seen && one_int(r, "SELECT count(*) FROM t") == n &&
			       one_int(r, "SELECT sum(length(v)) FROM t") == n * 3000;
		}
		t_ok(seen, "synchronous=%s: each of 60 commits is read whole by another handle at once", syncs[s]);
		db_walbuf_stats after = db_walbuf_counts();
		uint64_t in = after.writes_in - before.writes_in, out = after.writes_out - before.writes_out;
		t_ok(out * 4 < in, "synchronous=%s: %llu WAL writes from SQLite became %llu", syncs[s],
		     (unsigned long long)in, (unsigned long long)out);
		t_ok(after.commit_flushes - before.commit_flushes >= 60, "synchronous=%s: every commit flushed",
		     syncs[s]);
		sqlite3_close(r);
		sqlite3_close(w);
	}
}

/* A 3 MiB commit (past the gathering buffer and the unix VFS's 128 KiB
 * per write), a transaction that spills its cache into the WAL before it
 * commits, and a savepoint rolled back after the spill. */
static void long_and_spilled(void)
{
	char path[300];
	path_of(path, sizeof path, "long.db");
	remove_db(path);
	sqlite3 *w = open_db(path, db_walbuf_vfs(), "FULL");
	sqlite3_exec(w, "CREATE TABLE t(i INTEGER PRIMARY KEY, v BLOB)", NULL, NULL, NULL);
	bool ok = sqlite3_exec(w, "BEGIN IMMEDIATE", NULL, NULL, NULL) == SQLITE_OK && insert_rows(w, 0, 1000) &&
		  sqlite3_exec(w, "COMMIT", NULL, NULL, NULL) == SQLITE_OK;
	sqlite3 *r = open_db(path, NULL, "NORMAL");
	t_ok(ok && one_int(r, "SELECT count(*) FROM t") == 1000 && integrity_ok(r),
	     "a 1000-page commit reads back whole on another handle");

	sqlite3_exec(w, "PRAGMA cache_size=8", NULL, NULL, NULL);
	ok = sqlite3_exec(w, "BEGIN IMMEDIATE", NULL, NULL, NULL) == SQLITE_OK && insert_rows(w, 1000, 200) &&
	     sqlite3_exec(w, "SAVEPOINT s", NULL, NULL, NULL) == SQLITE_OK && insert_rows(w, 1200, 200) &&
	     sqlite3_exec(w, "UPDATE t SET v = zeroblob(10) WHERE i < 100", NULL, NULL, NULL) == SQLITE_OK &&
	     one_int(w, "SELECT count(*) FROM t") == 1400 &&
	     sqlite3_exec(w, "ROLLBACK TO s", NULL, NULL, NULL) == SQLITE_OK &&
	     sqlite3_exec(w, "RELEASE s", NULL, NULL, NULL) == SQLITE_OK &&
	     one_int(w, "SELECT count(*) FROM t") == 1200 &&
	     one_int(w, "SELECT sum(length(v)) FROM t") == 1200 * 3000;
	t_ok(ok, "with an 8-page cache: the spilled frames read back, ROLLBACK TO undoes what followed");
	ok = ok && sqlite3_exec(w, "COMMIT", NULL, NULL, NULL) == SQLITE_OK;
	t_ok(ok && one_int(r, "SELECT count(*) FROM t") == 1200 && one_int(r, "SELECT sum(length(v)) FROM t") ==
						1200 * 3000 && integrity_ok(r),
	     "and its commit is read whole on another handle");
	t_ok(sqlite3_wal_checkpoint_v2(w, NULL, SQLITE_CHECKPOINT_TRUNCATE, NULL, NULL) == SQLITE_OK &&
	     insert_rows(w, 5000, 3) && one_int(r, "SELECT count(*) FROM t") == 1203 && integrity_ok(r),
	     "after a truncating checkpoint the WAL starts over and still reads right");
	sqlite3_close(r);
	sqlite3_close(w);
}

static bool copy_file(const char *from, const char *to)
{
	FILE *in = fopen(from, "rb"), *out = fopen(to, "wb");
	bool ok = in && out;
	char b[65536];
	size_t n;
	while (ok && (n = fread(b, 1, sizeof b, in)) > 0)
		ok = fwrite(b, 1, n, out) == n;
	if (in)
		fclose(in);
	if (out && fclose(out) != 0)
		ok = false;
	return ok;
}

/* What a crash would leave: the database and WAL files as they are in the
 * file system right after each commit returns, copied beside while the
 * writer stays open, then opened (recovery runs on the copy). Transactions
 * that spill their cache and change spilled pages again make SQLite
 * rewrite frames and checksums at earlier offsets after the commit frame:
 * those writes must be in the file too, with no sync to flush them. */
static void crash_image_at_every_sync(void)
{
	static const char *const syncs[] = {"OFF", "NORMAL", "FULL"};
	for (size_t s = 0; s < 3; s++) {
		char path[300], img[300], from[310], to[310];
		path_of(path, sizeof path, "image.db");
		path_of(img, sizeof img, "copy.db");
		remove_db(path);
		sqlite3 *w = open_db(path, db_walbuf_vfs(), syncs[s]);
		sqlite3_exec(w, "CREATE TABLE t(i INTEGER PRIMARY KEY, v BLOB); PRAGMA cache_size=6", NULL, NULL, NULL);
		bool all = w != NULL;
		long long n = 0;
		for (int c = 0; all && c < 25; c++) {
			int k = 5 + c % 9;
			all = sqlite3_exec(w, "BEGIN IMMEDIATE", NULL, NULL, NULL) == SQLITE_OK && insert_rows(w, n, k) &&
			      sqlite3_exec(w, "UPDATE t SET v = randomblob(3000) WHERE i % 3 = 0", NULL, NULL, NULL) ==
				      SQLITE_OK &&
			      sqlite3_exec(w, "COMMIT", NULL, NULL, NULL) == SQLITE_OK;
			n += k;
			remove_db(img);
			snprintf(from, sizeof from, "%s-wal", path);
			snprintf(to, sizeof to, "%s-wal", img);
			all = all && copy_file(path, img) && copy_file(from, to);
			sqlite3 *r = all ? open_db(img, NULL, "NORMAL") : NULL;
			all = r && one_int(r, "SELECT count(*) FROM t") == n && integrity_ok(r);
			sqlite3_close(r);
		}
		t_ok(all, "synchronous=%s: the files as left after each of 25 spilling commits recover every commit",
		     syncs[s]);
		sqlite3_close(w);
	}
}

/* The writer reports each commit on a pipe after sqlite3_step returned;
 * it is killed at a random moment; every reported commit must be there. */
static void killed_writer(int round, unsigned seed)
{
	char path[300];
	path_of(path, sizeof path, "kill.db");
	remove_db(path);
	int fds[2];
	if (pipe(fds) != 0)
		return;
	pid_t pid = fork();
	if (pid == 0) {
		close(fds[0]);
		sqlite3 *w = open_db(path, db_walbuf_vfs(), "FULL");
		sqlite3_exec(w, "CREATE TABLE IF NOT EXISTS t(i INTEGER PRIMARY KEY, v BLOB)", NULL, NULL, NULL);
		for (long long c = 1;; c++) {
			if (sqlite3_exec(w, "BEGIN IMMEDIATE", NULL, NULL, NULL) != SQLITE_OK ||
			    !insert_rows(w, c * 100, 1 + (int)(c % 5)) ||
			    sqlite3_exec(w, "COMMIT", NULL, NULL, NULL) != SQLITE_OK)
				_exit(3);
			if (write(fds[1], &c, sizeof c) != (ssize_t)sizeof c)
				_exit(4);
		}
	}
	close(fds[1]);
	/* the first commit acknowledged (however slow the machine), then the
	 * kill at a random moment of the commits that follow */
	long long c, acked = 0;
	if (read(fds[0], &c, sizeof c) == (ssize_t)sizeof c)
		acked = c;
	srand(seed);
	struct timespec ts = {0, (long)(rand() % 200) * 1000000L};
	nanosleep(&ts, NULL);
	kill(pid, SIGKILL);
	int status = 0;
	waitpid(pid, &status, 0);
	while (read(fds[0], &c, sizeof c) == (ssize_t)sizeof c)
		acked = c;
	close(fds[0]);
	sqlite3 *r = open_db(path, NULL, "FULL");
	long long commits = one_int(r, "SELECT count(DISTINCT i / 100) FROM t");
	long long last = one_int(r, "SELECT max(i) / 100 FROM t");
	bool prefix = commits == last;     /* commits 1..last, none missing */
	t_ok(WIFSIGNALED(status) && acked > 0 && r && integrity_ok(r) && prefix && last >= acked,
	     "SIGKILL round %d: %lld commits acknowledged, %lld found, all in order", round, acked, last);
	sqlite3_close(r);
}

int main(void)
{
	if (!mkdtemp(dir))
		return 1;
	t_ok(db_walbuf_vfs() != NULL && sqlite3_vfs_find(db_walbuf_vfs()) != NULL &&
	     sqlite3_vfs_find(NULL) != sqlite3_vfs_find(db_walbuf_vfs()),
	     "the VFS is registered, and not as the default");
	visible_at_every_sync();
	long_and_spilled();
	crash_image_at_every_sync();
	unsigned seed = (unsigned)time(NULL);
	t_diag("kill seed %u", seed);
	for (int i = 0; i < 12; i++)
		killed_writer(i, seed + (unsigned)i);
	char cmd[100];
	snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
	if (system(cmd) != 0)
		t_diag("cleanup failed");
	return t_done();
}
