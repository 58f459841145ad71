#include "store_out.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "detail.h"

#define FLUSH_AT (64 * 1024)

void store_out_fd(store_out *o, int fd)
{
	*o = (store_out){.fd = fd};
}

bool store_out_file(store_out *o, const char *dest, char *err, size_t cap)
{
	*o = (store_out){.fd = -1};
	buf t = BUF_INIT;
	buf_puts(&t, dest);
	buf_puts(&t, ".tmp-XXXXXX");
	int fd = mkstemp(t.p);
	if (fd < 0) {
		detail_set(err, cap, "%s: %s", dest, strerror(errno));
		buf_free(&t);
		return false;
	}
	o->fd = fd;
	o->tmp = buf_steal(&t);
	o->dest = mu_xstrdup(dest);
	return true;
}

static bool flush(store_out *o)
{
	size_t off = 0;
	while (!o->err && off < o->b.len) {
		ssize_t n = write(o->fd, o->b.p + off, o->b.len - off);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			o->err = n < 0 ? errno : EIO;
		else
			off += (size_t)n;
	}
	buf_reset(&o->b);
	return !o->err;
}

bool store_out_line(void *ctx, const char *line, size_t n)
{
	store_out *o = ctx;
	if (o->err)
		return false;
	buf_put(&o->b, line, n);
	buf_putc(&o->b, '\n');
	return o->b.len < FLUSH_AT || flush(o);
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

bool store_out_close(store_out *o, bool commit, char *err, size_t cap)
{
	bool ok = true;
	if (commit && !flush(o)) {
		detail_set(err, cap, "%s: %s", o->tmp ? o->dest : "writing standard output", strerror(o->err));
		ok = false;
	}
	if (o->tmp) {
		if (ok && commit && fsync(o->fd) != 0) {
			detail_set(err, cap, "%s: fsync: %s", o->tmp, strerror(errno));
			ok = false;
		}
		if (close(o->fd) != 0 && ok && commit) {
			detail_set(err, cap, "%s: %s", o->tmp, strerror(errno));
			ok = false;
		}
		if (ok && commit && rename(o->tmp, o->dest) != 0) {
			detail_set(err, cap, "%s: %s", o->dest, strerror(errno));
			ok = false;
		}
		if (!ok || !commit) {
			unlink(o->tmp);
		} else {
			char *dir = dir_of(o->dest);
			int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
			if (dfd >= 0) {
				fsync(dfd);
				close(dfd);
			}
			free(dir);
		}
	}
	free(o->tmp);
	free(o->dest);
	buf_free(&o->b);
	*o = (store_out){.fd = -1};
	return ok;
}
