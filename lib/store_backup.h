/* store_backup.h — an online copy of a database (mostro-store backup).
 *
 * SQLite's backup API copies every page from the source connection in one
 * step, inside one read transaction: the copy is the database as of one
 * commit, and in WAL mode taking it never blocks the writer (the engine goes
 * on committing while the copy runs). The copy is written to a temporary
 * file beside the destination (mode 0600, from mkstemp), synced, and renamed
 * over the destination, so the destination is always either the old file or
 * a complete new copy; the directory is synced after the rename.
 *
 * The destination may not be the source itself (the same inode).
 *
 * Nothing here prints or exits.
 */
#ifndef MU_STORE_BACKUP_H
#define MU_STORE_BACKUP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sqlite3.h>

typedef enum store_backup_err {
	STORE_BACKUP_OK = 0,
	STORE_BACKUP_SAME_FILE,   /* the destination is the source database */
	STORE_BACKUP_IO,          /* temporary file, sync or rename failed */
	STORE_BACKUP_SQL,         /* the copy failed */
} store_backup_err;

const char *store_backup_strerror(store_backup_err e);

typedef struct store_backup_stats {
	int64_t pages;
	int64_t bytes;
} store_backup_stats;

/* Copies the main database of src (opened by the caller; read-only is fine)
 * whose file is src_path to dest. */
store_backup_err store_backup(sqlite3 *src, const char *src_path, const char *dest,
			      store_backup_stats *stats, char *err, size_t cap);

#endif
