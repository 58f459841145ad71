/* lib/lineio: the JSON-lines reader (blocking and fed), over-long lines,
 * line numbers, CRLF, blank lines, a final line without newline; and the
 * line writers (one line per record, flushed; EPIPE reported). */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lineio.h"
#include "t.h"

typedef struct want {
	line_status st;
	const char *line;        /* for LINE_OK */
	unsigned long lineno;
} want;

/* Writes data to a temporary file and returns an fd positioned at its start. */
static int file_with(const char *data, size_t n)
{
	char path[] = "/tmp/mu-lineio-XXXXXX";
	int fd = mkstemp(path);
	unlink(path);
	if (fd < 0 || write(fd, data, n) != (ssize_t)n || lseek(fd, 0, SEEK_SET) != 0) {
		printf("Bail out! temp file: %s\n", strerror(errno));
		exit(1);
	}
	return fd;
}

/* Checks one result against the expectation list. */
static bool matches(const want *w, line_status st, const char *line, size_t len, const line_reader *r)
{
	if (st != w->st)
		return false;
	if (st == LINE_EOF)
		return true;
	if (r->lineno != w->lineno)
		return false;
	if (st == LINE_OK)
		return len == strlen(w->line) && memcmp(line, w->line, len) == 0 && line[len] == 0;
	return true;
}

static const char *st_name(line_status st)
{
	static const char *n[] = {"OK", "EOF", "AGAIN", "TOO_LONG", "IO"};
	return n[st];
}

/* line_read over a file. */
static void blocking(const char *name, const char *data, size_t n, size_t max, const want *w, size_t nw)
{
	int fd = file_with(data, n);
	line_reader r;
	line_reader_init(&r, fd, max);
	bool ok = true;
	size_t i;
	for (i = 0; i < nw && ok; i++) {
		const char *line = NULL;
		size_t len = 0;
		line_status st = line_read(&r, &line, &len);
		if (!matches(&w[i], st, line, len, &r)) {
			ok = false;
			t_diag("%s: result %zu: got %s line %lu '%.*s', want %s line %lu '%s'", name, i, st_name(st), r.lineno,
			       st == LINE_OK ? (int)len : 0, st == LINE_OK ? line : "", st_name(w[i].st), w[i].lineno,
			       w[i].line ? w[i].line : "");
		}
	}
	t_ok(ok, "line_read: %s", name);
	line_reader_free(&r);
	close(fd);
}

/* line_feed in chunks of `chunk` bytes (0: a pseudo-random size each time),
 * popping with line_next after every feed. */
static void fed(const char *name, const char *data, size_t n, size_t max, const want *w, size_t nw, size_t chunk)
{
	line_reader r;
	line_reader_init(&r, -1, max);
	size_t i = 0, pos = 0;
	unsigned seed = 12345;
	bool ok = true, done = false;
	while (ok && !done) {
		if (pos < n) {
			size_t c = chunk;
			if (!c) {
				seed = seed * 1103515245 + 12345;
				c = 1 + (seed >> 16) % 97;
			}
			if (c > n - pos)
				c = n - pos;
			line_feed(&r, data + pos, c);
			pos += c;
		} else {
			line_feed(&r, NULL, 0);
		}
		for (;;) {
			const char *line = NULL;
			size_t len = 0;
			line_status st = line_next(&r, &line, &len);
			if (st == LINE_AGAIN) {
				if (pos >= n && r.eof) {
					ok = false;
					t_diag("%s: AGAIN after EOF", name);
				}
				break;
			}
			if (i >= nw || !matches(&w[i], st, line, len, &r)) {
				ok = false;
				t_diag("%s (chunk %zu): result %zu: got %s line %lu", name, chunk, i, st_name(st), r.lineno);
				break;
			}
			i++;
			if (st == LINE_EOF) {
				done = true;
				break;
			}
		}
	}
	t_ok(ok && i == nw, "line_feed/line_next in %s chunks: %s", chunk ? (chunk == 1 ? "1-byte" : "large") : "random", name);
	line_reader_free(&r);
}

static void both(const char *name, const char *data, size_t n, size_t max, const want *w, size_t nw)
{
	blocking(name, data, n, max, w, nw);
	fed(name, data, n, max, w, nw, 1);
	fed(name, data, n, max, w, nw, 0);
	fed(name, data, n, max, w, nw, 1 << 20);
}

#define S(lit) lit, sizeof(lit) - 1
#define W(a) a, sizeof a / sizeof *a

static void reader_tables(void)
{
	static const want basic[] = {
		{LINE_OK, "a", 1}, {LINE_OK, "b", 3}, {LINE_OK, "c", 6}, {LINE_EOF, NULL, 0},
	};
	both("blank and whitespace-only lines skipped, CRLF stripped, numbers are physical lines",
	     S("a\n\nb\r\n   \n\t\r\nc\n"), 0, W(basic));

	static const want final[] = {{LINE_OK, "x", 1}, {LINE_OK, "last", 2}, {LINE_EOF, NULL, 0}};
	both("final line without newline", S("x\nlast"), 0, W(final));
	static const want final_cr[] = {{LINE_OK, "x", 1}, {LINE_OK, "last", 2}, {LINE_EOF, NULL, 0}};
	both("final line without newline, with CR", S("x\r\nlast\r"), 0, W(final_cr));

	static const want empty[] = {{LINE_EOF, NULL, 0}};
	both("empty input", S(""), 0, W(empty));
	both("only newlines", S("\n\n\r\n\n"), 0, W(empty));

	static const want inner[] = {{LINE_OK, " {\"a\": 1} ", 1}, {LINE_OK, "x\ry", 2}, {LINE_EOF, NULL, 0}};
	both("inner spaces and CR kept, only one trailing CR stripped", S(" {\"a\": 1} \nx\ry\n"), 0, W(inner));

	/* max 10 */
	static const want longs[] = {
		{LINE_OK, "short", 1},
		{LINE_TOO_LONG, NULL, 2},
		{LINE_OK, "after", 3},
		{LINE_OK, "0123456789", 4},       /* exactly max: accepted */
		{LINE_TOO_LONG, NULL, 5},         /* max + 1 */
		{LINE_TOO_LONG, NULL, 6},         /* max bytes + CR: the CR counts */
		{LINE_OK, "z", 8},
		{LINE_TOO_LONG, NULL, 9},         /* final, no newline */
		{LINE_EOF, NULL, 0},
	};
	both("over-long lines reported with their numbers and skipped (max 10)",
	     S("short\nxxxxxxxxxxxxxxxxxxxxxxxxx\nafter\n0123456789\n0123456789A\n0123456789\r\n\nz\nyyyyyyyyyyyyyyy"),
	     10, W(longs));

	static const want two_long[] = {{LINE_TOO_LONG, NULL, 1}, {LINE_TOO_LONG, NULL, 2}, {LINE_OK, "ok", 3}, {LINE_EOF, NULL, 0}};
	both("consecutive over-long lines", S("aaaaaaaaaaaa\nbbbbbbbbbbbbbbbbbb\nok\n"), 4, W(two_long));
}

/* An over-long line much larger than a read() (64 KiB) and the buffer. */
static void huge_line(void)
{
	size_t big = 300000;
	buf d = BUF_INIT;
	buf_puts(&d, "{\"first\":1}\n");
	for (size_t i = 0; i < big; i++)
		buf_putc(&d, 'x');
	buf_puts(&d, "\n{\"third\":3}\n");
	static const want w[] = {{LINE_OK, "{\"first\":1}", 1}, {LINE_TOO_LONG, NULL, 2}, {LINE_OK, "{\"third\":3}", 3}, {LINE_EOF, NULL, 0}};
	both("a 300 kB line with max 1000", d.p, d.len, 1000, w, 4);
	/* with the default max (1 MiB) the same line is accepted */
	int fd = file_with(d.p, d.len);
	line_reader r;
	line_reader_init(&r, fd, 0);
	const char *line;
	size_t len;
	bool ok = line_read(&r, &line, &len) == LINE_OK && r.lineno == 1 &&
		  line_read(&r, &line, &len) == LINE_OK && len == big && r.lineno == 2 &&
		  line_read(&r, &line, &len) == LINE_OK && r.lineno == 3 && line_read(&r, &line, &len) == LINE_EOF;
	t_ok(ok && r.max == LINE_MAX_DEFAULT, "default max (1 MiB): the 300 kB line is returned whole");
	line_reader_free(&r);
	close(fd);
	buf_free(&d);
}

/* Feeding and consuming many lines keeps the buffer small (compaction). */
static void bounded_buffer(void)
{
	line_reader r;
	line_reader_init(&r, -1, 0);
	char rec[128];
	size_t lines = 0;
	for (int i = 0; i < 20000; i++) {
		int n = snprintf(rec, sizeof rec, "{\"n\":%d,\"pad\":\"%060d\"}\n", i, i);
		line_feed(&r, rec, (size_t)n);
		const char *line;
		size_t len;
		while (line_next(&r, &line, &len) == LINE_OK)
			lines++;
	}
	t_ok(lines == 20000 && r.lineno == 20000, "20000 fed lines returned, numbered to 20000");
	t_ok(r.data.cap <= 4096, "buffer stays small while lines are consumed (cap %zu)", r.data.cap);
	line_reader_free(&r);

	/* an over-long line being skipped does not accumulate either */
	line_reader_init(&r, -1, 100);
	char chunk[1000];
	memset(chunk, 'q', sizeof chunk);
	const char *line;
	size_t len;
	int too_long = 0;
	for (int i = 0; i < 1000; i++) {
		line_feed(&r, chunk, sizeof chunk);
		line_status st;
		while ((st = line_next(&r, &line, &len)) != LINE_AGAIN)
			too_long += st == LINE_TOO_LONG;
	}
	line_feed(&r, "\nok\n", 4);
	bool ok = line_next(&r, &line, &len) == LINE_OK && strcmp(line, "ok") == 0 && r.lineno == 2;
	t_ok(too_long == 1 && ok, "a 1 MB line with max 100: one TOO_LONG, then the next line (line 2)");
	t_ok(r.data.cap <= 8192, "skipping keeps the buffer small (cap %zu)", r.data.cap);
	line_reader_free(&r);
}

static void embedded_nul(void)
{
	line_reader r;
	line_reader_init(&r, -1, 0);
	line_feed(&r, "a\0b\n", 4);
	line_feed(&r, NULL, 0);
	const char *line;
	size_t len;
	line_status st = line_next(&r, &line, &len);
	t_ok(st == LINE_OK && len == 3 && memcmp(line, "a\0b", 3) == 0, "a NUL byte inside a line is kept (length 3)");
	t_ok(line_next(&r, &line, &len) == LINE_EOF && line_next(&r, &line, &len) == LINE_EOF, "EOF is sticky");
	line_reader_free(&r);
}

static void io_error(void)
{
	line_reader r;
	line_reader_init(&r, -1, 0);
	const char *line;
	size_t len;
	errno = 0;
	t_ok(line_read(&r, &line, &len) == LINE_IO && errno == EBADF, "read error: LINE_IO with errno set");
	line_reader_free(&r);
}

/* ---- writers ---- */

/* Runs fn with stdout redirected into a pipe; returns what was written. */
static char *capture_stdout(bool (*fn)(void), bool *ret)
{
	int p[2];
	if (pipe(p) < 0)
		return NULL;
	fflush(stdout);
	int saved = dup(1);
	dup2(p[1], 1);
	close(p[1]);
	*ret = fn();
	fflush(stdout);
	dup2(saved, 1);
	close(saved);
	static char out[4096];
	ssize_t n = read(p[0], out, sizeof out - 1);
	close(p[0]);
	out[n > 0 ? n : 0] = 0;
	return out;
}

static bool write_two(void)
{
	const char *in = "{\"type\":\"x\", \"n\": 18446744073709551615, \"s\":\"a\\nb\"}";
	jv v = json_parse(in, strlen(in), 0, NULL);
	return out_line("first", 5) && out_record(v);
}

static bool write_after_close(void)
{
	return out_line("lost", 4);
}

static void writers(void)
{
	bool ret;
	char *got = capture_stdout(write_two, &ret);
	t_ok(ret && got && strcmp(got, "first\n{\"type\":\"x\",\"n\":18446744073709551615,\"s\":\"a\\nb\"}\n") == 0,
	     "out_line + out_record: one compact line each");

	/* EPIPE: the reader is gone */
	int p[2];
	if (pipe(p) == 0) {
		signal(SIGPIPE, SIG_IGN);
		fflush(stdout);
		int saved = dup(1);
		dup2(p[1], 1);
		close(p[1]);
		close(p[0]);
		ret = write_after_close();
		dup2(saved, 1);
		close(saved);
		clearerr(stdout);
		signal(SIGPIPE, SIG_DFL);
		t_ok(!ret, "out_line returns false when stdout's reader is gone (EPIPE)");
	}

	/* report_line: "prog: line N: message" on stderr */
	char path[] = "/tmp/mu-lineio-err-XXXXXX";
	int fd = mkstemp(path);
	unlink(path);
	fflush(stderr);
	int saved = dup(2);
	dup2(fd, 2);
	const char *prev = mu_progname;
	mu_progname = "mostro-test";
	report_line(42, "bad %s", "thing");
	report("plain %d", 7);
	fflush(stderr);
	mu_progname = prev;
	dup2(saved, 2);
	close(saved);
	char buf2[256] = "";
	lseek(fd, 0, SEEK_SET);
	ssize_t n = read(fd, buf2, sizeof buf2 - 1);
	buf2[n > 0 ? n : 0] = 0;
	close(fd);
	t_eq_str(buf2, "mostro-test: line 42: bad thing\nmostro-test: plain 7\n", "report_line / report format");
}

int main(void)
{
	reader_tables();
	huge_line();
	bounded_buffer();
	embedded_nul();
	io_error();
	writers();
	return t_done();
}
