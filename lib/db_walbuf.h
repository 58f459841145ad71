/* db_walbuf.h — a SQLite VFS that hands a connection's WAL writes to the
 * kernel a commit at a time.
 *
 * SQLite writes each WAL frame as two write(2) calls (its 24-byte header,
 * then the page), so a commit of n pages costs 2n system calls before its
 * fsync. Through this VFS the writes to a `-wal` file that follow one
 * another are gathered in memory and written as one, at the latest:
 *   - right after the page of a commit frame (a frame header whose
 *     "database size after commit" field is not zero), and every write
 *     after it until the next transaction's first frame (padding frames,
 *     the frame headers SQLite rewrites when it recomputes checksums):
 *     before SQLite publishes the commit in the WAL index, so readers in
 *     other processes, which read the file, and recovery after a crash
 *     find the whole commit, at any synchronous setting;
 *   - before every xSync, xTruncate, xFileSize, xFileControl and xClose, and
 *     before a read or a write that touches or does not continue the
 *     gathered range.
 * A commit therefore reaches the file exactly as without the VFS; what is
 * lost to a crash is only what SQLite had not committed yet, which recovery
 * ignores anyway. A failed gathered write fails the call that triggered it
 * (SQLITE_IOERR_WRITE), which fails the transaction.
 *
 * Every other file (the database, its shared memory, journals, temporary
 * files) is opened by the default VFS in place: this VFS adds nothing to
 * them.
 *
 * Ownership: the VFS is registered once per process (not as the default)
 * and never unregistered; db_walbuf_vfs() is safe to call from any thread.
 */
#ifndef MU_DB_WALBUF_H
#define MU_DB_WALBUF_H

#include <stdint.h>

/* The VFS's name for sqlite3_open_v2, or NULL when it cannot be registered
 * (then open with the default VFS: the behaviour is the same, only slower). */
const char *db_walbuf_vfs(void);

/* Process-wide counts since start, for tests and benchmarks. */
typedef struct db_walbuf_stats {
	uint64_t writes_in;      /* xWrite calls SQLite made on WAL files */
	uint64_t writes_out;     /* write calls passed to the default VFS */
	uint64_t commit_flushes; /* gathered writes ended by a commit frame */
} db_walbuf_stats;

db_walbuf_stats db_walbuf_counts(void);

#endif
