/* The ordered line writer (lib/outq.h).
 *
 * order:  lines come out whole and in push order.
 * cork:   while corked nothing is written (the writer is not woken, and a
 *         wake-up of its own finds nothing it may take); uncorked, the
 *         queued lines come out together; outq_close() writes what is
 *         queued, corked or not.
 * reader: once the reader is gone, pushes report it. */
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "outq.h"
#include "t.h"

/* Reads until `lines` newlines came (or EOF); the text, malloc'd. */
static char *read_lines(int fd, int lines)
{
	size_t cap = 256, n = 0;
	char *s = malloc(cap);
	while (lines > 0) {
		if (n + 64 > cap)
			s = realloc(s, cap *= 2);
		ssize_t r = read(fd, s + n, 1);
		if (r <= 0)
			break;
		lines -= s[n] == '\n';
		n++;
	}
	s[n] = 0;
	return s;
}

static bool readable_within(int fd, int ms)
{
	struct pollfd p = {fd, POLLIN, 0};
	return poll(&p, 1, ms) > 0;
}

static void order_and_cork(void)
{
	int fds[2];
	t_ok(pipe(fds) == 0, "a pipe");
	outq *q = outq_open(fds[1]);
	t_ok(q != NULL, "the writer starts");
	outq_push(q, "one", 3);
	outq_push(q, "two", 3);
	char *s = read_lines(fds[0], 2);
	t_eq_str(s, "one\ntwo\n", "lines come out whole, in order");
	free(s);

	outq_cork(q, true);
	outq_push(q, "three", 5);
	outq_push(q, "four", 4);
	t_ok(!readable_within(fds[0], 200), "corked: nothing written in 200 ms");
	t_eq_int((long long)outq_pending(q), 11, "corked: both lines queued (11 bytes)");
	outq_cork(q, false);
	s = read_lines(fds[0], 2);
	t_eq_str(s, "three\nfour\n", "uncorked: the queued lines come out, in order");
	free(s);

	outq_cork(q, true);
	outq_push(q, "five", 4);
	t_ok(outq_close(q), "close while corked");
	s = read_lines(fds[0], 1);
	t_eq_str(s, "five\n", "close writes what was queued while corked");
	free(s);
	close(fds[0]);
}

static void reader_gone(void)
{
	int fds[2];
	t_ok(pipe(fds) == 0, "a pipe");
	close(fds[0]);
	outq *q = outq_open(fds[1]);
	outq_push(q, "lost", 4);
	bool failed = false;
	for (int i = 0; i < 200 && !failed; i++) {
		failed = outq_failed(q);
		if (!failed)
			usleep(10000);
	}
	t_ok(failed, "a write to a pipe with no reader fails the queue");
	t_ok(!outq_push(q, "more", 4), "then pushes report it");
	t_ok(!outq_close(q), "and close too");
	close(fds[1]);
}

int main(void)
{
	signal(SIGPIPE, SIG_IGN);
	order_and_cork();
	reader_gone();
	return t_done();
}
