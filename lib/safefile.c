/* safefile.c — see safefile.h. */
#define _GNU_SOURCE   /* renameat2, RENAME_NOREPLACE */
#include "safefile.h"

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "buf.h"

static const char *const messages[SAFEFILE_ERR_COUNT] = {
	[SAFEFILE_OK] = "ok",
	[SAFEFILE_ERR_DIR] = "cannot create the parent directory",
	[SAFEFILE_ERR_TEMP] = "cannot create a temporary file beside it",
	[SAFEFILE_ERR_WRITE] = "cannot write it",
	[SAFEFILE_ERR_EXISTS] = "something already has that name",
	[SAFEFILE_ERR_RENAME] = "cannot move the new file into place",
	[SAFEFILE_ERR_SYNC_DIR] = "cannot sync its directory",
	[SAFEFILE_ERR_CREATE] = "cannot create it",
	[SAFEFILE_ERR_LINK] = "a symbolic link another user made (neither you nor the directory's owner): not followed",
};

const char *safefile_strerror(safefile_err e)
{
	return (unsigned)e < SAFEFILE_ERR_COUNT ? messages[e] : "unknown error";
}

/* Creates every missing parent of path, 0700. */
static int make_parents(const char *path)
{
	char *p = mu_xstrdup(path);
	int r = 0;
	for (char *s = p + 1; *s && r == 0; s++) {
		if (*s != '/')
			continue;
		*s = 0;
		struct stat st;
		if (mkdir(p, 0700) != 0 && (errno != EEXIST || stat(p, &st) != 0 || !S_ISDIR(st.st_mode))) {
			if (errno == EEXIST)
				errno = ENOTDIR;
			r = -1;
		}
		*s = '/';
	}
	free(p);
	return r;
}

/* The directory of path "DIR/BASE": DIR ("." without a slash, "/" for "/BASE"). */
static void dir_of(const char *path, buf *dir)
{
	const char *slash = strrchr(path, '/');
	if (slash)
		buf_put(dir, path, slash == path ? 1 : (size_t)(slash - path));
	else
		buf_putc(dir, '.');
}

/* "DIR/.BASE.XXXXXX" for path "DIR/BASE" (BASE cut so the name fits NAME_MAX),
 * and DIR itself. */
static void temp_name(const char *path, buf *tmp, buf *dir)
{
	const char *slash = strrchr(path, '/');
	const char *base = slash ? slash + 1 : path;
	dir_of(path, dir);
	size_t bl = strlen(base);
	if (bl > 200)
		bl = 200;
	buf_put(tmp, path, (size_t)(base - path));
	buf_putc(tmp, '.');
	buf_put(tmp, base, bl);
	buf_puts(tmp, ".XXXXXX");
}

static int write_all(int fd, const char *p, size_t n)
{
	while (n) {
		ssize_t w = write(fd, p, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0) {
			if (w == 0)
				errno = EIO;
			return -1;
		}
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

/* The temporary takes the target's name without replacing anything. */
static int place_exclusive(const char *tmp, const char *path)
{
	if (renameat2(AT_FDCWD, tmp, AT_FDCWD, path, RENAME_NOREPLACE) == 0)
		return 0;
	if (errno != EINVAL && errno != ENOSYS)
		return -1;
	/* a filesystem without RENAME_NOREPLACE: link(2) fails on any name */
	if (link(tmp, path) != 0)
		return -1;
	unlink(tmp);
	return 0;
}

static int sync_dir(const char *dir)
{
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	int r = fsync(fd);
	int saved = errno;
	close(fd);
	errno = saved;
	/* some filesystems cannot sync a directory: nothing more to do there */
	return r == 0 || errno == EINVAL ? 0 : -1;
}

safefile_err safefile_write(const char *path, const void *data, size_t len, unsigned flags)
{
	if ((flags & SAFEFILE_MKDIRS) && make_parents(path) != 0)
		return SAFEFILE_ERR_DIR;
	buf tmp = BUF_INIT, dir = BUF_INIT;
	temp_name(path, &tmp, &dir);
	safefile_err e = SAFEFILE_OK;
	int saved = 0;
	int fd = mkstemp(tmp.p);
	if (fd < 0) {
		e = SAFEFILE_ERR_TEMP;
		goto out;
	}
	if (fchmod(fd, 0600) != 0 || write_all(fd, data, len) != 0 || fsync(fd) != 0) {
		saved = errno;
		close(fd);
		e = SAFEFILE_ERR_WRITE;
		goto unlink_tmp;
	}
	if (close(fd) != 0) {
		saved = errno;
		e = SAFEFILE_ERR_WRITE;
		goto unlink_tmp;
	}
	if (flags & SAFEFILE_EXCLUSIVE) {
		if (place_exclusive(tmp.p, path) != 0) {
			saved = errno;
			e = saved == EEXIST ? SAFEFILE_ERR_EXISTS : SAFEFILE_ERR_RENAME;
			goto unlink_tmp;
		}
	} else if (rename(tmp.p, path) != 0) {
		saved = errno;
		e = SAFEFILE_ERR_RENAME;
		goto unlink_tmp;
	}
	if (sync_dir(dir.p) != 0)
		e = SAFEFILE_ERR_SYNC_DIR;
	goto out;
unlink_tmp:
	unlink(tmp.p);
	errno = saved;
out:
	saved = errno;
	buf_free(&tmp);
	buf_free(&dir);
	errno = saved;
	return e;
}

/* A link (lstat'ed as l) the caller could have meant: made by the caller or
 * by the owner of the directory it is in. */
static bool link_trusted(const struct stat *l, const char *path)
{
	if (l->st_uid == geteuid())
		return true;
	buf dir = BUF_INIT;
	dir_of(path, &dir);
	struct stat d;
	bool ok = stat(dir.p, &d) == 0 && d.st_uid == l->st_uid;
	buf_free(&dir);
	return ok;
}

safefile_err safefile_check_link(const char *path)
{
	struct stat l;
	if (lstat(path, &l) != 0 || !S_ISLNK(l.st_mode) || link_trusted(&l, path))
		return SAFEFILE_OK;
	errno = EPERM;
	return SAFEFILE_ERR_LINK;
}

safefile_err safefile_create_private(const char *path, unsigned flags)
{
	if ((flags & SAFEFILE_MKDIRS) && make_parents(path) != 0)
		return SAFEFILE_ERR_DIR;
	int fd = open(path, O_RDWR | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd >= 0) {
		/* 0600 whatever the umask */
		int r = fchmod(fd, 0600);
		int saved = errno;
		close(fd);
		errno = saved;
		return r == 0 ? SAFEFILE_OK : SAFEFILE_ERR_WRITE;
	}
	if (errno != EEXIST)
		return SAFEFILE_ERR_CREATE;
	if (safefile_check_link(path) != SAFEFILE_OK)
		return SAFEFILE_ERR_LINK;
	struct stat st;
	if (stat(path, &st) == 0 && S_ISREG(st.st_mode))
		return SAFEFILE_OK;       /* a regular file, or a symlink to one */
	errno = EEXIST;
	return SAFEFILE_ERR_EXISTS;
}

static int open_failed(safefile_err *err, safefile_err e)
{
	*err = e;
	return -1;
}

/* Closes fd keeping errno. */
static void close_quietly(int fd)
{
	int saved = errno;
	close(fd);
	errno = saved;
}

int safefile_open_append(const char *path, unsigned flags, safefile_err *err)
{
	*err = SAFEFILE_OK;
	if ((flags & SAFEFILE_MKDIRS) && make_parents(path) != 0)
		return open_failed(err, SAFEFILE_ERR_DIR);
	const int w = O_WRONLY | O_APPEND | O_CLOEXEC | O_NOCTTY;
	int fd = open(path, w | O_CREAT | O_EXCL | O_NOFOLLOW, 0600);
	if (fd >= 0) {
		if (fchmod(fd, 0600) == 0)      /* 0600 whatever the umask */
			return fd;
		close_quietly(fd);
		return open_failed(err, SAFEFILE_ERR_WRITE);
	}
	if (errno != EEXIST)
		return open_failed(err, SAFEFILE_ERR_CREATE);
	fd = open(path, w | O_NOFOLLOW);
	if (fd >= 0)
		return fd;
	if (errno != ELOOP)
		return open_failed(err, SAFEFILE_ERR_CREATE);
	/* a symbolic link: followed only when the caller could have made it,
	 * and never to create its target */
	struct stat link, again, target, opened;
	if (lstat(path, &link) != 0)
		return open_failed(err, SAFEFILE_ERR_CREATE);
	if (!link_trusted(&link, path)) {
		errno = EPERM;
		return open_failed(err, SAFEFILE_ERR_LINK);
	}
	fd = open(path, w);
	if (fd < 0) {
		if (errno != ENOENT)
			return open_failed(err, SAFEFILE_ERR_CREATE);
		errno = EEXIST;
		return open_failed(err, SAFEFILE_ERR_EXISTS);
	}
	/* the link checked still has the name and leads to what was opened */
	if (lstat(path, &again) != 0 || again.st_dev != link.st_dev || again.st_ino != link.st_ino ||
	    stat(path, &target) != 0 || fstat(fd, &opened) != 0 || target.st_dev != opened.st_dev ||
	    target.st_ino != opened.st_ino) {
		close(fd);
		errno = EPERM;
		return open_failed(err, SAFEFILE_ERR_LINK);
	}
	return fd;
}
