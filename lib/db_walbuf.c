/* db_walbuf.c — the gathering VFS of lib/db_walbuf.h. */
#include "db_walbuf.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#define WALBUF_NAME "mostro-walbuf"
#define WALBUF_CAP  (1u << 20)   /* gathered bytes at most; a bigger run is written as it comes */
#define FRAME_HDR   24           /* a WAL frame header; its bytes 4..7: database size after commit */
#define WAL_HDR     32           /* the WAL file's header, at offset 0 */
/* the most one xWrite of the unix VFS takes: it masks a write's length to
 * 17 bits (os_unix.c, seekAndWriteFd), so a longer run goes in pieces */
#define WRITE_MAX   (124u << 10)

static sqlite3_vfs *real_vfs;
static sqlite3_vfs walbuf_vfs;
static bool registered;
static pthread_once_t once = PTHREAD_ONCE_INIT;
static _Atomic uint64_t n_in, n_out, n_commit;

/* A WAL file: ours first (SQLite sees it), the default VFS's file after. */
typedef struct wal_file {
	sqlite3_file   base;
	sqlite3_file  *real;
	unsigned char *buf;
	size_t         len;          /* gathered bytes, for [off, off + len) */
	sqlite3_int64  off;
	bool           tail;         /* a commit frame's header was written: what
				      * follows it up to the next transaction's
				      * first frame is written through */
	sqlite3_int64  commit_at;    /* offset of the last commit frame header */
} wal_file;

static size_t real_offset(void)
{
	/* the default VFS's file, aligned as malloc would align it */
	size_t a = _Alignof(max_align_t);
	return (sizeof(wal_file) + a - 1) / a * a;
}

static int flush(wal_file *f)
{
	int rc = SQLITE_OK;
	for (size_t at = 0; rc == SQLITE_OK && at < f->len;) {
		size_t n = f->len - at < WRITE_MAX ? f->len - at : WRITE_MAX;
		rc = f->real->pMethods->xWrite(f->real, f->buf + at, (int)n, f->off + (sqlite3_int64)at);
		atomic_fetch_add_explicit(&n_out, 1, memory_order_relaxed);
		at += n;
	}
	f->len = 0;
	return rc == SQLITE_OK ? SQLITE_OK : SQLITE_IOERR_WRITE;
}

static bool overlaps(const wal_file *f, sqlite3_int64 off, int amt)
{
	return f->len && off < f->off + (sqlite3_int64)f->len && f->off < off + amt;
}

static int wal_close(sqlite3_file *file)
{
	wal_file *f = (wal_file *)file;
	int rc = flush(f);
	int rc2 = f->real->pMethods->xClose(f->real);
	free(f->buf);
	f->buf = NULL;
	return rc != SQLITE_OK ? rc : rc2;
}

static int wal_read(sqlite3_file *file, void *p, int amt, sqlite3_int64 off)
{
	wal_file *f = (wal_file *)file;
	if (overlaps(f, off, amt) && flush(f) != SQLITE_OK)
		return SQLITE_IOERR_READ;
	return f->real->pMethods->xRead(f->real, p, amt, off);
}

static bool is_commit_header(const void *p)
{
	const unsigned char *h = p;
	return (h[4] | h[5] | h[6] | h[7]) != 0;
}

static int gather(wal_file *f, const void *p, int amt, sqlite3_int64 off)
{
	size_t n = (size_t)amt;
	if (f->len && off == f->off + (sqlite3_int64)f->len && f->len + n <= WALBUF_CAP) {
		memcpy(f->buf + f->len, p, n);          /* the next bytes of the run */
		f->len += n;
		return SQLITE_OK;
	}
	if (f->len && off >= f->off && off + amt <= f->off + (sqlite3_int64)f->len) {
		memcpy(f->buf + (off - f->off), p, n);  /* inside the run: rewritten in place */
		return SQLITE_OK;
	}
	int rc = flush(f);
	if (rc != SQLITE_OK)
		return rc;
	if (!f->buf && n <= WALBUF_CAP && !(f->buf = malloc(WALBUF_CAP)))
		return SQLITE_IOERR_NOMEM;
	if (n > WALBUF_CAP) {
		atomic_fetch_add_explicit(&n_out, 1, memory_order_relaxed);
		return f->real->pMethods->xWrite(f->real, p, amt, off);
	}
	memcpy(f->buf, p, n);
	f->off = off;
	f->len = n;
	return SQLITE_OK;
}

/* A commit is a run of frames whose last header carries the database size:
 * that header is gathered with the run, and from there on every write is
 * written through (the commit frame's page; the padding frames SQLite may
 * add after it, each header with its page; the frame headers it rewrites
 * at earlier offsets when it recomputes checksums) until the next
 * transaction's first frame, appended past the last commit frame, or a
 * new WAL header. So the whole commit is in the file before SQLite
 * publishes it in the WAL index, with or without a sync. */
static int wal_write(sqlite3_file *file, const void *p, int amt, sqlite3_int64 off)
{
	wal_file *f = (wal_file *)file;
	atomic_fetch_add_explicit(&n_in, 1, memory_order_relaxed);
	bool hdr = amt == FRAME_HDR, commit_hdr = hdr && is_commit_header(p);
	bool appended = off > f->commit_at;       /* not a rewrite of the last commit's frames */
	if (amt == WAL_HDR && off == 0) {
		f->tail = false;                  /* a new WAL */
		f->commit_at = -1;
	} else if (hdr && !commit_hdr && appended) {
		f->tail = false;                  /* the next transaction's first frame */
	}
	int rc = gather(f, p, amt, off);
	if (rc == SQLITE_OK && f->tail && !(commit_hdr && appended)) {
		atomic_fetch_add_explicit(&n_commit, 1, memory_order_relaxed);
		rc = flush(f);
	}
	if (commit_hdr && appended) {
		f->tail = true;
		f->commit_at = off;
	}
	return rc;
}

static int wal_truncate(sqlite3_file *file, sqlite3_int64 size)
{
	wal_file *f = (wal_file *)file;
	int rc = flush(f);
	return rc != SQLITE_OK ? rc : f->real->pMethods->xTruncate(f->real, size);
}

static int wal_sync(sqlite3_file *file, int flags)
{
	wal_file *f = (wal_file *)file;
	int rc = flush(f);
	return rc != SQLITE_OK ? rc : f->real->pMethods->xSync(f->real, flags);
}

static int wal_file_size(sqlite3_file *file, sqlite3_int64 *size)
{
	wal_file *f = (wal_file *)file;
	int rc = flush(f);
	return rc != SQLITE_OK ? rc : f->real->pMethods->xFileSize(f->real, size);
}

static int wal_lock(sqlite3_file *file, int level)
{
	wal_file *f = (wal_file *)file;
	return f->real->pMethods->xLock(f->real, level);
}

static int wal_unlock(sqlite3_file *file, int level)
{
	wal_file *f = (wal_file *)file;
	return f->real->pMethods->xUnlock(f->real, level);
}

static int wal_check_reserved(sqlite3_file *file, int *out)
{
	wal_file *f = (wal_file *)file;
	return f->real->pMethods->xCheckReservedLock(f->real, out);
}

static int wal_file_control(sqlite3_file *file, int op, void *arg)
{
	wal_file *f = (wal_file *)file;
	int rc = flush(f);
	return rc != SQLITE_OK ? rc : f->real->pMethods->xFileControl(f->real, op, arg);
}

static int wal_sector_size(sqlite3_file *file)
{
	wal_file *f = (wal_file *)file;
	return f->real->pMethods->xSectorSize(f->real);
}

static int wal_device(sqlite3_file *file)
{
	wal_file *f = (wal_file *)file;
	return f->real->pMethods->xDeviceCharacteristics(f->real);
}

/* Version 1: a WAL file has no shared memory and is never memory-mapped. */
static const sqlite3_io_methods wal_methods = {
	1, wal_close, wal_read, wal_write, wal_truncate, wal_sync, wal_file_size,
	wal_lock, wal_unlock, wal_check_reserved, wal_file_control, wal_sector_size, wal_device,
	NULL, NULL, NULL, NULL, NULL, NULL,
};

static int vfs_open(sqlite3_vfs *vfs, sqlite3_filename name, sqlite3_file *file, int flags, int *out_flags)
{
	(void)vfs;
	if (!(flags & SQLITE_OPEN_WAL))
		/* in place: SQLite calls the default VFS's methods on it directly */
		return real_vfs->xOpen(real_vfs, name, file, flags, out_flags);
	wal_file *f = (wal_file *)file;
	memset(f, 0, sizeof *f);
	f->real = (sqlite3_file *)((char *)file + real_offset());
	f->commit_at = -1;
	int rc = real_vfs->xOpen(real_vfs, name, f->real, flags, out_flags);
	if (rc != SQLITE_OK) {
		if (f->real->pMethods)
			f->real->pMethods->xClose(f->real);
		f->base.pMethods = NULL;
		return rc;
	}
	f->base.pMethods = &wal_methods;
	return SQLITE_OK;
}

static int vfs_delete(sqlite3_vfs *v, const char *name, int sync_dir)
{
	(void)v;
	return real_vfs->xDelete(real_vfs, name, sync_dir);
}

static int vfs_access(sqlite3_vfs *v, const char *name, int flags, int *out)
{
	(void)v;
	return real_vfs->xAccess(real_vfs, name, flags, out);
}

static int vfs_full_pathname(sqlite3_vfs *v, const char *name, int n, char *out)
{
	(void)v;
	return real_vfs->xFullPathname(real_vfs, name, n, out);
}

static void *vfs_dlopen(sqlite3_vfs *v, const char *name)
{
	(void)v;
	return real_vfs->xDlOpen(real_vfs, name);
}

static void vfs_dlerror(sqlite3_vfs *v, int n, char *out)
{
	(void)v;
	real_vfs->xDlError(real_vfs, n, out);
}

static void (*vfs_dlsym(sqlite3_vfs *v, void *h, const char *sym))(void)
{
	(void)v;
	return real_vfs->xDlSym(real_vfs, h, sym);
}

static void vfs_dlclose(sqlite3_vfs *v, void *h)
{
	(void)v;
	real_vfs->xDlClose(real_vfs, h);
}

static int vfs_randomness(sqlite3_vfs *v, int n, char *out)
{
	(void)v;
	return real_vfs->xRandomness(real_vfs, n, out);
}

static int vfs_sleep(sqlite3_vfs *v, int us)
{
	(void)v;
	return real_vfs->xSleep(real_vfs, us);
}

static int vfs_current_time(sqlite3_vfs *v, double *out)
{
	(void)v;
	return real_vfs->xCurrentTime(real_vfs, out);
}

static int vfs_last_error(sqlite3_vfs *v, int n, char *out)
{
	(void)v;
	return real_vfs->xGetLastError ? real_vfs->xGetLastError(real_vfs, n, out) : 0;
}

static int vfs_current_time64(sqlite3_vfs *v, sqlite3_int64 *out)
{
	(void)v;
	return real_vfs->xCurrentTimeInt64(real_vfs, out);
}

static void register_once(void)
{
	if (sqlite3_initialize() != SQLITE_OK || !(real_vfs = sqlite3_vfs_find(NULL)) ||
	    real_vfs->iVersion < 2 || !real_vfs->xCurrentTimeInt64)
		return;
	size_t own = real_offset() + (size_t)real_vfs->szOsFile;
	walbuf_vfs = (sqlite3_vfs){
		.iVersion = 2,
		.szOsFile = (int)(own > (size_t)real_vfs->szOsFile ? own : (size_t)real_vfs->szOsFile),
		.mxPathname = real_vfs->mxPathname,
		.zName = WALBUF_NAME,
		.xOpen = vfs_open,
		.xDelete = vfs_delete,
		.xAccess = vfs_access,
		.xFullPathname = vfs_full_pathname,
		.xDlOpen = vfs_dlopen,
		.xDlError = vfs_dlerror,
		.xDlSym = vfs_dlsym,
		.xDlClose = vfs_dlclose,
		.xRandomness = vfs_randomness,
		.xSleep = vfs_sleep,
		.xCurrentTime = vfs_current_time,
		.xGetLastError = vfs_last_error,
		.xCurrentTimeInt64 = vfs_current_time64,
	};
	registered = sqlite3_vfs_register(&walbuf_vfs, 0) == SQLITE_OK;
}

const char *db_walbuf_vfs(void)
{
	pthread_once(&once, register_once);
	return registered ? WALBUF_NAME : NULL;
}

db_walbuf_stats db_walbuf_counts(void)
{
	return (db_walbuf_stats){
		atomic_load_explicit(&n_in, memory_order_relaxed),
		atomic_load_explicit(&n_out, memory_order_relaxed),
		atomic_load_explicit(&n_commit, memory_order_relaxed),
	};
}
