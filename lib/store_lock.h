/* store_lock.h — who may write the order database.
 *
 * The engine (mostro-order run) is the single writer of the order database
 * (docs/ENGINE.md §6). It says so by holding an exclusive flock(2) on the
 * lock file, the database path with ".lock" appended (~/.mostro/mostro.db.lock),
 * for as long as it runs. mostro-store's writing commands (init, migrate,
 * import, import-mostrod) take the same lock for their duration and refuse
 * when somebody else holds it; reading commands and backup take no lock
 * (WAL readers never block the writer). A second engine on the same file is
 * refused the same way.
 *
 * Why a separate file and flock: SQLite itself uses fcntl(2) byte-range locks
 * on the database file, which a process loses when it closes ANY descriptor
 * of that file; flock(2) on another file cannot interfere with them, is
 * released by the kernel when the holder dies (kill -9 included: no stale
 * lock to clean up), and is never inherited past exec (O_CLOEXEC). The file
 * is created 0600 and never deleted (deleting a lock file races with a
 * process about to lock it). After taking the lock the holder writes one
 * line, "PID OWNER\n", so a refused process can say who holds it.
 *
 * ":memory:" and "" (SQLite's temporary databases) have no lock file: taking
 * their lock always succeeds and holds nothing.
 *
 * Ownership: store_lock_acquire fills a store_lock the caller releases with
 * store_lock_release (also done by exiting). Nothing here prints or exits.
 */
#ifndef MU_STORE_LOCK_H
#define MU_STORE_LOCK_H

#include <stdbool.h>
#include <stddef.h>

typedef struct store_lock {
	int fd;                 /* -1 when nothing is held */
} store_lock;

#define STORE_LOCK_INIT {-1}

typedef enum store_lock_err {
	STORE_LOCK_OK = 0,
	STORE_LOCK_HELD,        /* another process holds the lock */
	STORE_LOCK_IO,          /* the lock file cannot be created or locked */
} store_lock_err;

const char *store_lock_strerror(store_lock_err e);

/* The lock file of a database path (malloc'd), or NULL for ":memory:"/"". */
char *store_lock_path(const char *db_path);

/* Takes the lock of db_path without waiting. owner is a short name written
 * into the lock file ("mostro-order run", "mostro-store import").
 * STORE_LOCK_HELD: detail says who holds it ("held by mostro-order run,
 * pid 1234"). STORE_LOCK_IO: detail has the path and strerror. */
store_lock_err store_lock_acquire(store_lock *l, const char *db_path, const char *owner,
				  char *detail, size_t cap);

/* Like store_lock_acquire, retrying every 50 ms for up to wait_ms. */
store_lock_err store_lock_acquire_wait(store_lock *l, const char *db_path, const char *owner,
				       unsigned wait_ms, char *detail, size_t cap);

void store_lock_release(store_lock *l);

/* Without taking the lock: true when a process holds it; holder (may be
 * NULL) receives "mostro-order run, pid 1234" (or "another process" when the
 * file says nothing yet). A missing lock file is not held. */
bool store_lock_is_held(const char *db_path, char *holder, size_t cap);

#endif
