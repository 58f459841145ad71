/* lineio.h — JSON-lines input and output for the tools.
 *
 * Input: a line reader over a file descriptor with a maximum line size. A line
 * longer than the maximum is reported (LINE_TOO_LONG, with its number) and
 * skipped up to its newline; the stream goes on. The returned line pointer
 * borrows the reader's buffer and is valid until the next call.
 * The reader can also be fed bytes by an event loop (line_feed/line_next).
 *
 * Output: out_line()/out_record() write one compact JSON value per line to
 * stdout and flush it (DESIGN §2), so a downstream reader sees each record as
 * soon as it is produced.
 */
#ifndef MU_LINEIO_H
#define MU_LINEIO_H

#include <stdbool.h>
#include <stddef.h>
#include <jv.h>

#include "buf.h"
#include "json.h"

#define LINE_MAX_DEFAULT (1024 * 1024)

typedef enum line_status {
	LINE_OK = 0,
	LINE_EOF,       /* no more lines (a final line without '\n' is still returned first) */
	LINE_AGAIN,     /* line_next(): no complete line buffered yet */
	LINE_TOO_LONG,  /* the line exceeded max bytes; it was skipped */
	LINE_IO,        /* read error (errno is set) */
} line_status;

typedef struct line_reader {
	int           fd;
	size_t        max;         /* maximum line length in bytes, without '\n' */
	unsigned long lineno;      /* number of the line last returned (1-based) */
	buf           data;        /* buffered bytes */
	size_t        pos;         /* start of unread data in `data` */
	bool          eof;
	bool          skipping;    /* discarding the rest of an over-long line */
	bool          wipe;        /* input may hold secrets: wipe every copy (set after init) */
} line_reader;

void line_reader_init(line_reader *r, int fd, size_t max);
/* Frees the buffer (wiping it first when r->wipe is set). */
void line_reader_free(line_reader *r);

/* Blocking: reads from r->fd until a line is available. Empty lines and lines
 * of only whitespace are skipped (they are not records). */
line_status line_read(line_reader *r, const char **line, size_t *len);

/* Event-loop use: append bytes read elsewhere (n == 0 marks EOF), then pop lines
 * with line_next() until it returns LINE_AGAIN or LINE_EOF. */
void line_feed(line_reader *r, const void *data, size_t n);
line_status line_next(line_reader *r, const char **line, size_t *len);
/* Reads once from r->fd (non-blocking friendly) and feeds it. Returns bytes read,
 * 0 at EOF, -1 on error (errno). */
long line_fill(line_reader *r);

/* Writes b's bytes plus '\n' to stdout and flushes. Returns false when stdout
 * is gone (EPIPE, disk full): the caller should stop. After a failure every
 * later call returns false without writing. */
bool out_line(const char *s, size_t n);
/* errno of the first failed out_line (EIO when it set none), 0 if none failed. */
int out_line_errno(void);
/* Serializes v (consumed) as one line on stdout. */
bool out_record(jv v);

/* The program name used in diagnostics ("mostro-key"). Set once by main. */
extern const char *mu_progname;
/* "prog: line N: message" on stderr. */
void report_line(unsigned long lineno, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* "prog: message" on stderr. */
void report(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* "prog: message" on stderr, then exit(code). For use at the edge (cmd/) only. */
_Noreturn void die(int code, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif
