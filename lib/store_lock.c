#include "store_lock.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "buf.h"
#include "detail.h"

const char *store_lock_strerror(store_lock_err e)
{
	switch (e) {
	case STORE_LOCK_OK: return "ok";
	case STORE_LOCK_HELD: return "the database is owned by another process";
	case STORE_LOCK_IO: return "cannot take the database lock";
	}
	return "unknown error";
}

char *store_lock_path(const char *db_path)
{
	if (db_path[0] == 0 || strcmp(db_path, ":memory:") == 0)
		return NULL;
	buf b = BUF_INIT;
	buf_puts(&b, db_path);
	buf_puts(&b, ".lock");
	return buf_steal(&b);
}

/* "OWNER, pid PID" from the lock file's "PID OWNER\n", or "another process". */
static void read_holder(int fd, char *holder, size_t cap)
{
	char line[128];
	ssize_t n = pread(fd, line, sizeof line - 1, 0);
	long pid = 0;
	char owner[96] = "";
	if (n > 0) {
		line[n] = 0;
		line[strcspn(line, "\n")] = 0;
		char *sp = strchr(line, ' ');
		if (sp) {
			*sp = 0;
			snprintf(owner, sizeof owner, "%s", sp + 1);
		}
		pid = strtol(line, NULL, 10);
	}
	if (pid > 0 && owner[0])
		detail_set(holder, cap, "%s, pid %ld", owner, pid);
	else
		detail_set(holder, cap, "another process");
}

static int open_lock_file(const char *path, int flags)
{
	int fd;
	do
		fd = open(path, flags | O_CLOEXEC | O_NOFOLLOW, 0600);
	while (fd < 0 && errno == EINTR);
	return fd;
}

static store_lock_err try_once(store_lock *l, const char *path, const char *owner, char *detail, size_t cap)
{
	int fd = open_lock_file(path, O_RDWR | O_CREAT);
	if (fd < 0)
		return DETAIL_FAIL(STORE_LOCK_IO, detail, cap, "%s: %s", path, strerror(errno));
	if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
		int e = errno;
		if (e == EWOULDBLOCK) {
			char who[128];
			read_holder(fd, who, sizeof who);
			close(fd);
			return DETAIL_FAIL(STORE_LOCK_HELD, detail, cap, "%s: held by %s", path, who);
		}
		close(fd);
		return DETAIL_FAIL(STORE_LOCK_IO, detail, cap, "%s: %s", path, strerror(e));
	}
	char line[128];
	int n = snprintf(line, sizeof line, "%ld %s\n", (long)getpid(), owner ? owner : "unknown");
	if (n >= (int)sizeof line)
		n = sizeof line - 1;
	/* best effort: the line only serves messages */
	if (ftruncate(fd, 0) == 0 && pwrite(fd, line, (size_t)n, 0) < 0) {
		/* ignored */
	}
	l->fd = fd;
	return STORE_LOCK_OK;
}

store_lock_err store_lock_acquire(store_lock *l, const char *db_path, const char *owner,
				  char *detail, size_t cap)
{
	return store_lock_acquire_wait(l, db_path, owner, 0, detail, cap);
}

store_lock_err store_lock_acquire_wait(store_lock *l, const char *db_path, const char *owner,
				       unsigned wait_ms, char *detail, size_t cap)
{
	l->fd = -1;
	char *path = store_lock_path(db_path);
	if (!path)
		return STORE_LOCK_OK;
	store_lock_err e;
	for (unsigned waited = 0;; waited += 50) {
		e = try_once(l, path, owner, detail, cap);
		if (e != STORE_LOCK_HELD || waited >= wait_ms)
			break;
		struct timespec ts = {0, 50 * 1000 * 1000};
		nanosleep(&ts, NULL);
	}
	free(path);
	return e;
}

void store_lock_release(store_lock *l)
{
	if (l->fd < 0)
		return;
	/* leave the file: deleting it would race with a process about to lock it */
	if (ftruncate(l->fd, 0) != 0) {
		/* ignored: the next holder rewrites it */
	}
	flock(l->fd, LOCK_UN);
	close(l->fd);
	l->fd = -1;
}

bool store_lock_is_held(const char *db_path, char *holder, size_t cap)
{
	char *path = store_lock_path(db_path);
	if (!path)
		return false;
	int fd = open_lock_file(path, O_RDONLY);
	free(path);
	if (fd < 0)
		return false;
	bool held = false;
	if (flock(fd, LOCK_SH | LOCK_NB) != 0) {
		held = errno == EWOULDBLOCK;
		if (held)
			read_holder(fd, holder, cap);
	} else {
		flock(fd, LOCK_UN);
	}
	close(fd);
	return held;
}
