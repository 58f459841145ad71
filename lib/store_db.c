#include "store_db.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "buf.h"
#include "db.h"
#include "detail.h"
#include "order_db.h"
#include "safefile.h"

const char *store_db_strerror(store_db_err e)
{
	switch (e) {
	case STORE_DB_OK: return "ok";
	case STORE_DB_MISSING: return "no database";
	case STORE_DB_EXISTS: return "the database exists already";
	case STORE_DB_OPEN: return "cannot open the database";
	case STORE_DB_NEWER: return "the database was written by a newer release";
	case STORE_DB_FOREIGN: return "not an order database of this program";
	case STORE_DB_OWNED: return "the database is owned by the running engine";
	case STORE_DB_MIGRATE: return "schema migration failed";
	case STORE_DB_SQL: return "database error";
	}
	return "unknown error";
}

char *store_db_path(const char *dir, const char *file, char *err, size_t cap)
{
	if (file)
		return mu_xstrdup(file);
	buf b = BUF_INIT;
	if (dir) {
		buf_puts(&b, dir);
	} else {
		const char *home = getenv("HOME");
		if (!home || !*home) {
			detail_set(err, cap, "$HOME is not set (use -d DIR or --db FILE)");
			return NULL;
		}
		buf_puts(&b, home);
		buf_puts(&b, "/" STORE_DB_DEFAULT_DIR);
	}
	buf_puts(&b, "/" STORE_DB_FILE);
	return buf_steal(&b);
}

int store_db_current_version(void)
{
	return order_db_migrations[order_db_migration_count - 1].version;
}

int store_db_version(sqlite3 *db)
{
	sqlite3_stmt *st;
	if (sqlite3_prepare_v2(db, "SELECT 1 FROM pragma_table_list WHERE schema = 'main' AND name = 'schema_version'",
			       -1, &st, NULL) != SQLITE_OK)
		return -1;
	int rc = sqlite3_step(st);
	sqlite3_finalize(st);
	if (rc == SQLITE_DONE)
		return 0;
	if (rc != SQLITE_ROW)
		return -1;
	return db_schema_version(db, ORDER_DB_COMPONENT);
}

static bool is_memory(const char *path)
{
	return path[0] == 0 || strcmp(path, ":memory:") == 0;
}

store_db_err store_db_open_read(sqlite3 **out, const char *path, char *err, size_t cap)
{
	*out = NULL;
	struct stat sb;
	if (!is_memory(path) && stat(path, &sb) != 0)
		return DETAIL_FAIL(errno == ENOENT ? STORE_DB_MISSING : STORE_DB_OPEN, err, cap,
				   "%s: %s", path, errno == ENOENT ? "no database here (mostro-store init creates one)" : strerror(errno));
	sqlite3 *db = NULL;
	if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK) {
		detail_set(err, cap, "%s: %s", path, db ? sqlite3_errmsg(db) : "out of memory");
		sqlite3_close(db);
		return STORE_DB_OPEN;
	}
	sqlite3_busy_timeout(db, 5000);
	char why[256];
	/* reading the schema proves it is a database at all */
	if (!db_exec(db, "PRAGMA query_only = ON; SELECT count(*) FROM sqlite_schema", why, sizeof why)) {
		detail_set(err, cap, "%s: %s", path, why);
		sqlite3_close(db);
		return STORE_DB_OPEN;
	}
	*out = db;
	return STORE_DB_OK;
}

/* mkdir -p with 0700 for the components it creates. */
static bool make_dirs(const char *dir, char *err, size_t cap)
{
	char *p = mu_xstrdup(dir);
	for (char *s = p + 1;; s++) {
		bool end = *s == 0;
		if (*s == '/' || end) {
			*s = 0;
			if (mkdir(p, 0700) != 0 && errno != EEXIST) {
				detail_set(err, cap, "%s: %s", p, strerror(errno));
				free(p);
				return false;
			}
			if (end)
				break;
			*s = '/';
		}
	}
	free(p);
	return true;
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

/* Creates the file 0600 with O_EXCL. */
static store_db_err create_file(const char *path, char *err, size_t cap)
{
	int fd = open(path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
	struct stat l;
	if (fd < 0 && errno == EEXIST && lstat(path, &l) == 0 && S_ISLNK(l.st_mode))
		return DETAIL_FAIL(STORE_DB_OPEN, err, cap, "%s: a symlink to nothing: not followed", path);
	if (fd < 0)
		return DETAIL_FAIL(errno == EEXIST ? STORE_DB_EXISTS : STORE_DB_OPEN, err, cap, "%s: %s", path,
				   errno == EEXIST ? "exists already (mostro-store migrate updates an existing database)"
						   : strerror(errno));
	close(fd);
	return STORE_DB_OK;
}

static bool has_tables(sqlite3 *db)
{
	sqlite3_stmt *st;
	if (sqlite3_prepare_v2(db, "SELECT 1 FROM sqlite_schema WHERE type = 'table' AND name <> 'schema_version' LIMIT 1",
			       -1, &st, NULL) != SQLITE_OK)
		return true;
	bool any = sqlite3_step(st) == SQLITE_ROW;
	sqlite3_finalize(st);
	return any;
}

/* The version of an existing file, read without writing anything. */
static store_db_err peek_version(const char *path, int *version, char *err, size_t cap)
{
	sqlite3 *db;
	store_db_err e = store_db_open_read(&db, path, err, cap);
	if (e)
		return e;
	*version = store_db_version(db);
	if (*version < 0)
		e = DETAIL_FAIL(STORE_DB_SQL, err, cap, "%s: %s", path, sqlite3_errmsg(db));
	else if (*version == 0 && has_tables(db))
		e = DETAIL_FAIL(STORE_DB_FOREIGN, err, cap, "%s: has tables but no '%s' schema version: not an order "
				"database of this program (a mostrod database is taken over with import-mostrod)",
				path, ORDER_DB_COMPONENT);
	sqlite3_close(db);
	return e;
}

store_db_err store_writer_open(store_writer *w, const char *path, store_open_mode mode,
			       const char *owner, char *err, size_t cap)
{
	*w = (store_writer)STORE_WRITER_INIT;
	bool memory = is_memory(path);
	/* a symlink another user planted at the name is not followed */
	if (!memory && safefile_check_link(path) != SAFEFILE_OK)
		return DETAIL_FAIL(STORE_DB_OPEN, err, cap, "%s: %s", path, safefile_strerror(SAFEFILE_ERR_LINK));
	struct stat sb = {0};
	bool exists = memory || stat(path, &sb) == 0;
	if (!exists && mode == STORE_EXISTING)
		return DETAIL_FAIL(STORE_DB_MISSING, err, cap, "%s: no database here (mostro-store init creates one)", path);
	if (exists && !memory && mode == STORE_CREATE)
		return DETAIL_FAIL(STORE_DB_EXISTS, err, cap, "%s: exists already (mostro-store migrate updates an existing database)", path);
	if (!exists) {
		char *dir = dir_of(path);
		bool ok = make_dirs(dir, err, cap);
		free(dir);
		if (!ok)
			return STORE_DB_OPEN;
	}
	char why[512];
	switch (store_lock_acquire(&w->lock, path, owner, why, sizeof why)) {
	case STORE_LOCK_OK:
		break;
	case STORE_LOCK_HELD:
		return DETAIL_FAIL(STORE_DB_OWNED, err, cap, "%s is owned by a running writer (lock %s); "
				   "stop it first, or act through the engine's control input (mostro-order ctl)", path, why);
	default:
		return DETAIL_FAIL(STORE_DB_OPEN, err, cap, "%s", why);
	}
	store_db_err e = STORE_DB_OK;
	int newest = store_db_current_version();
	if (!exists || (!memory && sb.st_size == 0 && mode != STORE_EXISTING)) {
		if (!exists && (e = create_file(path, err, cap)))
			goto fail;
		w->created = !exists;
		w->from = 0;
	} else if (!memory) {
		if ((e = peek_version(path, &w->from, err, cap)))
			goto fail;
		if (w->from > newest) {
			e = DETAIL_FAIL(STORE_DB_NEWER, err, cap, "%s: schema version %d is newer than this program's (%d); "
					"use a newer mostro-store", path, w->from, newest);
			goto fail;
		}
	}
	db_err de = db_open_one_thread(&w->db, path, ORDER_DB_COMPONENT, order_db_migrations, order_db_migration_count, why, sizeof why);
	if (de != DB_OK) {
		e = de == DB_ERR_NEWER_SCHEMA ? STORE_DB_NEWER : de == DB_ERR_MIGRATE ? STORE_DB_MIGRATE : STORE_DB_OPEN;
		detail_set(err, cap, "%s", why);
		goto fail;
	}
	w->to = store_db_version(w->db);
	return STORE_DB_OK;
fail:
	if (w->created)
		unlink(path);
	w->created = false;
	store_lock_release(&w->lock);
	return e;
}

void store_writer_close(store_writer *w)
{
	if (w->db)
		db_close(w->db);
	w->db = NULL;
	store_lock_release(&w->lock);
}

void store_writer_discard(store_writer *w, const char *path)
{
	if (w->db)
		db_close(w->db);
	w->db = NULL;
	if (w->created) {
		static const char *const suffixes[] = {"", "-wal", "-shm", "-journal"};
		for (size_t i = 0; i < 4; i++) {
			buf b = BUF_INIT;
			buf_puts(&b, path);
			buf_puts(&b, suffixes[i]);
			unlink(b.p);
			buf_free(&b);
		}
	}
	store_lock_release(&w->lock);
}

sqlite3 *store_db_baseline(char *err, size_t cap)
{
	sqlite3 *db;
	if (db_open(&db, ":memory:", ORDER_DB_COMPONENT, order_db_migrations, order_db_migration_count, err, cap) != DB_OK)
		return NULL;
	return db;
}
