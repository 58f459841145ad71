/* lib/evloop.h: timers fire in due order (ties in insertion order), a
 * cancelled timer never fires, a timer added by a callback waits for the next
 * iteration, fd watches see data and a writer's close (POLLHUP alone on a
 * pipe, which curl_multi_poll does not report), unwatch stops them. */
#include <poll.h>
#include <string.h>
#include <unistd.h>

#include "buf.h"
#include "evloop.h"
#include "t.h"

typedef struct rec { buf log; evloop *l; } rec;

static rec R;

static void mark(void *arg) { buf_puts(&R.log, (const char *)arg); }

static void rearm(void *arg)
{
	(void)arg;
	buf_puts(&R.log, "r");
	evloop_timer(R.l, 0, mark, "n");
}

static int fd_events, fd_hup;
static void on_fd(int fd, short rev, void *arg)
{
	(void)arg;
	char b[16];
	fd_events++;
	if (rev & POLLIN) {
		ssize_t n = read(fd, b, sizeof b);
		if (n == 0)
			fd_hup++;
	}
	if ((rev & POLLHUP) && !(rev & POLLIN))
		fd_hup++;
}

int main(void)
{
	R.l = evloop_new();
	uint64_t t0 = ev_now_ms();          /* before the timers: each is due >= t0 + delay */
	evloop_timer(R.l, 30, mark, "c");
	evloop_timer(R.l, 10, mark, "a");
	evloop_timer(R.l, 10, mark, "b");
	evtimer *x = evloop_timer(R.l, 20, mark, "X");
	evloop_timer_cancel(R.l, x);
	t_eq_int((long long)evloop_timers(R.l), 3, "three timers pending");
	while (evloop_timers(R.l))
		evloop_run_once(R.l, 100);
	t_eq_str(R.log.p, "abc", "due order, ties in insertion order, cancelled one never fires");
	t_ok(ev_now_ms() - t0 >= 30, "waited for the last one");

	buf_reset(&R.log);
	evloop_timer(R.l, 0, rearm, NULL);
	evloop_run_once(R.l, 0);
	t_eq_str(R.log.p, "r", "a timer added by a callback does not fire in the same round");
	evloop_run_once(R.l, 100);
	t_eq_str(R.log.p, "rn", "it fires on the next one");

	int p[2];
	t_ok(pipe(p) == 0, "pipe");
	evloop_watch(R.l, p[0], POLLIN, on_fd, NULL);
	t_ok(write(p[1], "x", 1) == 1, "write");
	evloop_run_once(R.l, 100);
	t_eq_int(fd_events, 1, "data seen");
	close(p[1]);
	for (int i = 0; i < 5 && !fd_hup; i++)
		evloop_run_once(R.l, 100);
	t_eq_int(fd_hup, 1, "the writer's close is seen (not a silent spin)");
	evloop_unwatch(R.l, p[0]);
	int before = fd_events;
	uint64_t t1 = ev_now_ms();
	evloop_run_once(R.l, 50);
	t_eq_int(fd_events, before, "unwatched: no more callbacks");
	t_ok(ev_now_ms() - t1 >= 40, "and the loop waited instead of spinning");
	close(p[0]);
	evloop_free(R.l);
	buf_free(&R.log);
	return t_done();
}
