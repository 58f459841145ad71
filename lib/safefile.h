/* safefile.h — writing a file a user names without being turned against
 * another file. Every tool that writes a whole file by name goes through here:
 * the relay client's cursor (--state), mnemonic and key files (secret.h), and
 * the client's session files and the settings template to come. Databases
 * that SQLite writes itself get their file from safefile_create_private().
 *
 * Why: a temporary file with a predictable name (FILE.tmp.<pid>) opened with
 * O_CREAT|O_TRUNC follows a symlink another user of the directory planted
 * under that name, and the write lands on the symlink's target. So:
 *   - the temporary file is made by mkstemp(3) in the target's own directory
 *     (a fresh name ".NAME.XXXXXX", O_EXCL; the same filesystem, so the move
 *     below is atomic), mode 0600 whatever the umask;
 *   - the data is written and fsync'ed, then the file takes the target's
 *     name: SAFEFILE_REPLACE renames it over the target (rename(2) replaces
 *     a symlink found there, never its target); SAFEFILE_EXCLUSIVE gives it
 *     the name only if nothing has it (renameat2 RENAME_NOREPLACE, or link(2)
 *     where the filesystem lacks that): an existing file, symlink or dangling
 *     symlink is SAFEFILE_ERR_EXISTS and untouched;
 *   - the directory is fsync'ed, so the name survives a crash.
 * A reader sees the old file or the whole new one, never a torn or partial
 * one; after a crash at worst a ".NAME.XXXXXX" temporary is left behind.
 * With SAFEFILE_MKDIRS missing parent directories are created 0700.
 *
 * Files opened in place (a database SQLite writes, a log appended to) are
 * created with O_CREAT|O_EXCL|O_NOFOLLOW, 0600. When something has the name
 * already, a symbolic link there is followed only when the caller could have
 * meant it: made by the caller (effective uid) or by the owner of the
 * directory it is in, and pointing at an existing file. A link another user
 * planted is SAFEFILE_ERR_LINK, a dangling one SAFEFILE_ERR_EXISTS: neither
 * is followed, so nothing is created or written at the link's target. (This
 * is Linux's fs.protected_symlinks rule, applied in every directory, not
 * only in sticky world-writable ones, and whether the sysctl is on or not.)
 * SQLite itself opens the -wal, -shm and -journal files with O_NOFOLLOW and
 * gives them the database's mode.
 *
 * Ownership: the caller's data is only read (a secret in it stays the
 * caller's to wipe). Nothing here prints or exits; on failure errno is the
 * failing call's.
 */
#ifndef MU_SAFEFILE_H
#define MU_SAFEFILE_H

#include <stddef.h>

typedef enum safefile_err {
	SAFEFILE_OK = 0,
	SAFEFILE_ERR_DIR,         /* a parent directory cannot be created (SAFEFILE_MKDIRS) */
	SAFEFILE_ERR_TEMP,        /* the temporary file cannot be created in the target's directory */
	SAFEFILE_ERR_WRITE,       /* writing or syncing the data failed */
	SAFEFILE_ERR_EXISTS,      /* SAFEFILE_EXCLUSIVE / create_private: something has the name */
	SAFEFILE_ERR_RENAME,      /* the file cannot take the target's name */
	SAFEFILE_ERR_SYNC_DIR,    /* the name is in place but the directory cannot be synced */
	SAFEFILE_ERR_CREATE,      /* create_private, open_append: open(2) refused (errno) */
	SAFEFILE_ERR_LINK,        /* a symbolic link made by another user (not followed) */
	SAFEFILE_ERR_COUNT
} safefile_err;

const char *safefile_strerror(safefile_err e);

enum safefile_flags {
	SAFEFILE_REPLACE   = 0,       /* default: replace whatever has the name */
	SAFEFILE_EXCLUSIVE = 1 << 0,  /* never replace: a new key file */
	SAFEFILE_MKDIRS    = 1 << 1,  /* create missing parent directories, 0700 */
};

/* Writes data[0..len) as the file path (mode 0600), atomically. */
safefile_err safefile_write(const char *path, const void *data, size_t len, unsigned flags);

/* Makes sure path names a regular file for a program that opens and writes
 * it itself, creating it empty and 0600 when nothing has the name (SQLite
 * gives its -wal and -shm files the database's mode, so they are 0600 too):
 * O_CREAT|O_EXCL|O_NOFOLLOW. An existing regular file, or a symlink to one
 * made by the caller or the directory's owner, is left as it is (SAFEFILE_OK:
 * the user's choice). A symlink made by another user is SAFEFILE_ERR_LINK; a
 * dangling symlink (the program would create its target with its own mode)
 * or anything else is SAFEFILE_ERR_EXISTS. Flags: SAFEFILE_MKDIRS.
 * The program opens the name after this check: a user who can replace
 * entries of that directory in between can still swap the file. */
safefile_err safefile_create_private(const char *path, unsigned flags);

/* Opens path to append to it (a log), O_WRONLY|O_APPEND|O_CLOEXEC, and
 * returns the descriptor, or -1 with *err set. Nothing has the name: created
 * 0600 (O_CREAT|O_EXCL|O_NOFOLLOW). An existing file (a FIFO or a device
 * too) is opened as it is; a symlink to one only when the caller or the
 * directory's owner made it (else SAFEFILE_ERR_LINK), checked again once
 * open; a dangling symlink is SAFEFILE_ERR_EXISTS (its target is never
 * created). Flags: SAFEFILE_MKDIRS. */
int safefile_open_append(const char *path, unsigned flags, safefile_err *err);

/* SAFEFILE_OK when nothing has the name or it is not a symbolic link, or a
 * link made by the caller (effective uid) or by the owner of its directory;
 * SAFEFILE_ERR_LINK for a link made by anyone else. For a program about to
 * open an existing file by name itself. */
safefile_err safefile_check_link(const char *path);

#endif
