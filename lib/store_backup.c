#include "store_backup.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "buf.h"
#include "detail.h"

const char *store_backup_strerror(store_backup_err e)
{
	switch (e) {
	case STORE_BACKUP_OK: return "ok";
	case STORE_BACKUP_SAME_FILE: return "the backup would overwrite the database itself";
	case STORE_BACKUP_IO: return "writing the backup failed";
	case STORE_BACKUP_SQL: return "copying the database failed";
	}
	return "unknown error";
}

static bool fsync_path(const char *path, int flags)
{
	int fd = open(path, flags | O_CLOEXEC);
	if (fd < 0)
		return false;
	bool ok = fsync(fd) == 0 || errno == EINVAL;   /* some filesystems refuse fsync on directories */
	close(fd);
	return ok;
}

static char *dir_of(const char *path)
{
	const char *slash = strrchr(path, '/');
	if (!slash)
		return mu_xstrdup(".");
	if (slash == path)
		return mu_xstrdup("/");
	return mu_xstrndup(path, (size_t)(slash - path));
}

/* Removes the temporary file and what SQLite may have left beside it. */
static void remove_tmp(const char *tmp)
{
	static const char *const suffixes[] = {"", "-journal", "-wal", "-shm"};
	for (size_t i = 0; i < 4; i++) {
		buf b = BUF_INIT;
		buf_puts(&b, tmp);
		buf_puts(&b, suffixes[i]);
		unlink(b.p);
		buf_free(&b);
	}
}

static store_backup_err copy_pages(sqlite3 *src, const char *tmp, store_backup_stats *stats, char *err, size_t cap)
{
	sqlite3 *dst = NULL;
	store_backup_err e = STORE_BACKUP_OK;
	if (sqlite3_open_v2(tmp, &dst, SQLITE_OPEN_READWRITE, NULL) != SQLITE_OK) {
		e = DETAIL_FAIL(STORE_BACKUP_IO, err, cap, "%s: %s", tmp, dst ? sqlite3_errmsg(dst) : "out of memory");
		sqlite3_close(dst);
		return e;
	}
	sqlite3_backup *b = sqlite3_backup_init(dst, "main", src, "main");
	if (!b) {
		e = DETAIL_FAIL(STORE_BACKUP_SQL, err, cap, "%s", sqlite3_errmsg(dst));
		sqlite3_close(dst);
		return e;
	}
	int rc;
	/* all pages in one step: one read transaction, one consistent snapshot;
	 * a busy source (a checkpoint or recovery under way) is retried */
	for (int tries = 0; (rc = sqlite3_backup_step(b, -1)) == SQLITE_BUSY || rc == SQLITE_LOCKED; tries++) {
		if (tries >= 100)
			break;
		sqlite3_sleep(50);
	}
	stats->pages = sqlite3_backup_pagecount(b);
	sqlite3_backup_finish(b);
	if (rc != SQLITE_DONE) {
		e = DETAIL_FAIL(STORE_BACKUP_SQL, err, cap, "%s", sqlite3_errstr(rc));
		sqlite3_close(dst);
		return e;
	}
	sqlite3_stmt *st;
	if (sqlite3_prepare_v2(dst, "PRAGMA page_size", -1, &st, NULL) == SQLITE_OK) {
		if (sqlite3_step(st) == SQLITE_ROW)
			stats->bytes = stats->pages * sqlite3_column_int64(st, 0);
		sqlite3_finalize(st);
	}
	if (sqlite3_close(dst) != SQLITE_OK)
		return DETAIL_FAIL(STORE_BACKUP_IO, err, cap, "%s: %s", tmp, sqlite3_errmsg(dst));
	return STORE_BACKUP_OK;
}

store_backup_err store_backup(sqlite3 *src, const char *src_path, const char *dest,
			      store_backup_stats *stats, char *err, size_t cap)
{
	store_backup_stats s = {0};
	struct stat a, b;
	if (stat(src_path, &a) == 0 && stat(dest, &b) == 0 && a.st_dev == b.st_dev && a.st_ino == b.st_ino)
		return DETAIL_FAIL(STORE_BACKUP_SAME_FILE, err, cap, "%s is the database itself", dest);
	buf tmp = BUF_INIT;
	buf_puts(&tmp, dest);
	buf_puts(&tmp, ".tmp-XXXXXX");
	int fd = mkstemp(tmp.p);     /* 0600 */
	if (fd < 0) {
		store_backup_err e = DETAIL_FAIL(STORE_BACKUP_IO, err, cap, "%s: %s", tmp.p, strerror(errno));
		buf_free(&tmp);
		return e;
	}
	close(fd);
	store_backup_err e = copy_pages(src, tmp.p, &s, err, cap);
	char *dir = dir_of(dest);
	if (!e && !fsync_path(tmp.p, O_RDONLY))
		e = DETAIL_FAIL(STORE_BACKUP_IO, err, cap, "%s: fsync: %s", tmp.p, strerror(errno));
	if (!e && rename(tmp.p, dest) != 0)
		e = DETAIL_FAIL(STORE_BACKUP_IO, err, cap, "%s: %s", dest, strerror(errno));
	if (e)
		remove_tmp(tmp.p);
	else if (!fsync_path(dir, O_RDONLY | O_DIRECTORY))
		e = DETAIL_FAIL(STORE_BACKUP_IO, err, cap, "%s: fsync: %s", dir, strerror(errno));
	free(dir);
	buf_free(&tmp);
	if (stats)
		*stats = s;
	return e;
}
