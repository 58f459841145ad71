#include "lineio.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sodium.h>

const char *mu_progname = "mostro";

void line_reader_init(line_reader *r, int fd, size_t max)
{
	memset(r, 0, sizeof *r);
	r->fd = fd;
	r->max = max ? max : LINE_MAX_DEFAULT;
}

void line_reader_free(line_reader *r)
{
	if (r->wipe)
		buf_wipe(&r->data);
	else
		buf_free(&r->data);
}

/* Appends n bytes; with r->wipe, growth copies into a fresh block and wipes the
 * old one instead of realloc(), which would leave the old bytes behind. */
static void append(line_reader *r, const void *data, size_t n)
{
	if (r->wipe && r->data.len + n + 1 > r->data.cap) {
		buf grown = BUF_INIT;
		buf_reserve(&grown, (r->data.len + n + 1) * 2);
		buf_put(&grown, r->data.p ? r->data.p : "", r->data.len);
		buf_wipe(&r->data);
		r->data = grown;
	}
	buf_put(&r->data, data, n);
}

void line_feed(line_reader *r, const void *data, size_t n)
{
	if (n == 0) {
		r->eof = true;
		return;
	}
	/* compact once the consumed prefix dominates */
	if (r->pos > 0 && r->pos >= r->data.len / 2) {
		memmove(r->data.p, r->data.p + r->pos, r->data.len - r->pos);
		r->data.len -= r->pos;
		if (r->wipe)
			sodium_memzero(r->data.p + r->data.len, r->pos);
		r->pos = 0;
	}
	append(r, data, n);
}

static bool blank(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (s[i] != ' ' && s[i] != '\t' && s[i] != '\r')
			return false;
	return true;
}

line_status line_next(line_reader *r, const char **line, size_t *len)
{
	for (;;) {
		/* nothing fed yet: data.p is NULL, and NULL + 0 is undefined */
		char *start = r->data.p ? r->data.p + r->pos : NULL;
		size_t avail = r->data.len - r->pos;
		char *nl = avail ? memchr(start, '\n', avail) : NULL;
		if (r->skipping) {
			if (!nl) {
				r->pos = r->data.len;     /* drop what we have, keep skipping */
				return r->eof ? LINE_EOF : LINE_AGAIN;
			}
			r->pos += (size_t)(nl - start) + 1;
			r->skipping = false;
			continue;
		}
		if (!nl) {
			if (avail > r->max) {
				r->lineno++;
				r->skipping = true;
				r->pos = r->data.len;
				return LINE_TOO_LONG;
			}
			if (!r->eof)
				return LINE_AGAIN;
			if (avail == 0)
				return LINE_EOF;
			/* final line without newline */
			nl = start + avail;
			r->pos = r->data.len;
		} else {
			r->pos += (size_t)(nl - start) + 1;
		}
		size_t n = (size_t)(nl - start);
		r->lineno++;
		if (n > r->max)
			return LINE_TOO_LONG;
		if (n && start[n - 1] == '\r')
			n--;
		if (blank(start, n))
			continue;
		start[n] = 0;                     /* safe: '\n' or the buf terminator */
		*line = start;
		*len = n;
		return LINE_OK;
	}
}

long line_fill(line_reader *r)
{
	char tmp[65536];
	ssize_t n;
	do
		n = read(r->fd, tmp, sizeof tmp);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return -1;
	line_feed(r, tmp, (size_t)n);
	if (r->wipe)
		sodium_memzero(tmp, (size_t)n);
	return (long)n;
}

line_status line_read(line_reader *r, const char **line, size_t *len)
{
	for (;;) {
		line_status st = line_next(r, line, len);
		if (st != LINE_AGAIN)
			return st;
		if (line_fill(r) < 0)
			return LINE_IO;
	}
}

static int out_err;   /* errno of the first failed write to stdout */

bool out_line(const char *s, size_t n)
{
	if (out_err)
		return false;
	errno = 0;
	if (fwrite(s, 1, n, stdout) != n || putc('\n', stdout) == EOF || fflush(stdout) == EOF) {
		out_err = errno ? errno : EIO;
		return false;
	}
	return true;
}

int out_line_errno(void)
{
	return out_err;
}

bool out_record(jv v)
{
	buf b = BUF_INIT;
	json_write(&b, v);
	jv_free(v);
	bool ok = out_line(b.p, b.len);
	buf_free(&b);
	return ok;
}

void report_line(unsigned long lineno, const char *fmt, ...)
{
	va_list ap;
	fprintf(stderr, "%s: line %lu: ", mu_progname, lineno);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

void report(const char *fmt, ...)
{
	va_list ap;
	fprintf(stderr, "%s: ", mu_progname);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

void die(int code, const char *fmt, ...)
{
	va_list ap;
	fprintf(stderr, "%s: ", mu_progname);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(code);
}
