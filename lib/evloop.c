#include "evloop.h"

#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "buf.h"

struct evtimer {
	uint64_t     due;
	uint64_t     seq;           /* insertion order among equal due times */
	ev_timer_fn  fn;
	void        *arg;
	evtimer     *next;
};

typedef struct fdwatch {
	int      fd;
	short    events;
	ev_fd_fn fn;
	void    *arg;
} fdwatch;

typedef struct xfer {
	CURL        *easy;
	ev_curl_fn   done;
	void        *arg;
	struct xfer *next;
} xfer;

struct evloop {
	CURLM   *multi;
	evtimer *timers;           /* sorted by (due, seq) */
	size_t   ntimers;
	uint64_t seq;
	fdwatch *fds;
	size_t   nfds, capfds;
	xfer    *xfers;
	size_t   nxfers;
};

uint64_t ev_now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

evloop *evloop_new(void)
{
	static int curl_ready;
	if (!curl_ready) {
		curl_global_init(CURL_GLOBAL_DEFAULT);
		curl_ready = 1;
	}
	evloop *l = mu_xmalloc(sizeof *l);
	memset(l, 0, sizeof *l);
	l->multi = curl_multi_init();
	if (!l->multi)
		abort();
	return l;
}

void evloop_free(evloop *l)
{
	if (!l)
		return;
	while (l->timers) {
		evtimer *t = l->timers;
		l->timers = t->next;
		free(t);
	}
	while (l->xfers) {
		xfer *x = l->xfers;
		l->xfers = x->next;
		curl_multi_remove_handle(l->multi, x->easy);
		free(x);
	}
	curl_multi_cleanup(l->multi);
	free(l->fds);
	free(l);
}

evtimer *evloop_timer(evloop *l, uint64_t delay_ms, ev_timer_fn fn, void *arg)
{
	evtimer *t = mu_xmalloc(sizeof *t);
	t->due = ev_now_ms() + delay_ms;
	t->seq = l->seq++;
	t->fn = fn;
	t->arg = arg;
	evtimer **pp = &l->timers;
	while (*pp && (*pp)->due <= t->due)
		pp = &(*pp)->next;
	t->next = *pp;
	*pp = t;
	l->ntimers++;
	return t;
}

void evloop_timer_cancel(evloop *l, evtimer *t)
{
	if (!t)
		return;
	for (evtimer **pp = &l->timers; *pp; pp = &(*pp)->next)
		if (*pp == t) {
			*pp = t->next;
			free(t);
			l->ntimers--;
			return;
		}
}

void evloop_watch(evloop *l, int fd, short events, ev_fd_fn fn, void *arg)
{
	for (size_t i = 0; i < l->nfds; i++)
		if (l->fds[i].fd == fd) {
			l->fds[i] = (fdwatch){fd, events, fn, arg};
			return;
		}
	if (l->nfds == l->capfds) {
		l->capfds = l->capfds ? l->capfds * 2 : 4;
		l->fds = mu_xrealloc(l->fds, l->capfds * sizeof *l->fds);
	}
	l->fds[l->nfds++] = (fdwatch){fd, events, fn, arg};
}

void evloop_unwatch(evloop *l, int fd)
{
	for (size_t i = 0; i < l->nfds; i++)
		if (l->fds[i].fd == fd) {
			l->fds[i] = l->fds[--l->nfds];
			return;
		}
}

void evloop_add_curl(evloop *l, CURL *easy, ev_curl_fn done, void *arg)
{
	xfer *x = mu_xmalloc(sizeof *x);
	x->easy = easy;
	x->done = done;
	x->arg = arg;
	x->next = l->xfers;
	l->xfers = x;
	l->nxfers++;
	curl_easy_setopt(easy, CURLOPT_PRIVATE, (char *)x);
	curl_multi_add_handle(l->multi, easy);
}

static xfer *unlink_xfer(evloop *l, CURL *easy)
{
	for (xfer **pp = &l->xfers; *pp; pp = &(*pp)->next)
		if ((*pp)->easy == easy) {
			xfer *x = *pp;
			*pp = x->next;
			l->nxfers--;
			return x;
		}
	return NULL;
}

void evloop_remove_curl(evloop *l, CURL *easy)
{
	xfer *x = unlink_xfer(l, easy);
	if (!x)
		return;
	curl_multi_remove_handle(l->multi, easy);
	free(x);
}

static int next_timeout(evloop *l, int max_wait_ms)
{
	long t = max_wait_ms;
	if (l->timers) {
		uint64_t now = ev_now_ms();
		long d = l->timers->due <= now ? 0 : (long)(l->timers->due - now);
		if (t < 0 || d < t)
			t = d;
	}
	long ct = -1;
	if (l->nxfers && curl_multi_timeout(l->multi, &ct) == CURLM_OK && ct >= 0 && (t < 0 || ct < t))
		t = ct;
	if (t < 0 || t > 60000)
		t = 60000;        /* curl_multi_poll needs a finite value; just loop again */
	return (int)t;
}

static void finish_transfers(evloop *l)
{
	int running = 0, left = 0;
	curl_multi_perform(l->multi, &running);
	CURLMsg *m;
	while ((m = curl_multi_info_read(l->multi, &left))) {
		if (m->msg != CURLMSG_DONE)
			continue;
		CURL *easy = m->easy_handle;
		CURLcode rc = m->data.result;
		xfer *x = unlink_xfer(l, easy);
		if (!x)
			continue;          /* removed by an earlier callback (curl drops its message too) */
		curl_multi_remove_handle(l->multi, easy);
		ev_curl_fn fn = x->done;
		void *arg = x->arg;
		free(x);
		fn(easy, rc, arg);
	}
}

static evtimer *pop_due(evloop *l, uint64_t now, uint64_t limit)
{
	for (evtimer **pp = &l->timers; *pp && (*pp)->due <= now; pp = &(*pp)->next)
		if ((*pp)->seq < limit) {
			evtimer *t = *pp;
			*pp = t->next;
			l->ntimers--;
			return t;
		}
	return NULL;
}

static void fire_timers(evloop *l)
{
	/* Only timers that existed when this round started: one added by a
	 * callback (even with delay 0) waits for the next iteration, so a
	 * callback that re-arms itself cannot starve I/O. */
	uint64_t now = ev_now_ms(), limit = l->seq;
	evtimer *t;
	while ((t = pop_due(l, now, limit))) {
		ev_timer_fn fn = t->fn;
		void *arg = t->arg;
		free(t);
		fn(arg);
	}
}

void evloop_run_once(evloop *l, int max_wait_ms)
{
	size_t n = l->nfds;
	struct curl_waitfd stackw[8], *wfds = n <= 8 ? stackw : mu_xmalloc(n * sizeof *wfds);
	struct pollfd stackp[8], *pfds = n <= 8 ? stackp : mu_xmalloc(n * sizeof *pfds);
	for (size_t i = 0; i < n; i++) {
		wfds[i].fd = l->fds[i].fd;
		wfds[i].events = (short)(((l->fds[i].events & POLLIN) ? CURL_WAIT_POLLIN : 0) |
					 ((l->fds[i].events & POLLOUT) ? CURL_WAIT_POLLOUT : 0));
		wfds[i].revents = 0;
		pfds[i] = (struct pollfd){l->fds[i].fd, l->fds[i].events, 0};
	}
	curl_multi_poll(l->multi, wfds, (unsigned)n, next_timeout(l, max_wait_ms), NULL);
	/* curl reports only IN/OUT/PRI for extra descriptors: a pipe whose writer
	 * closed (POLLHUP alone) would look idle and spin. Ask poll() directly. */
	if (n && poll(pfds, n, 0) < 0)
		n = 0;
	finish_transfers(l);
	fire_timers(l);
	for (size_t i = 0; i < n; i++) {
		if (!pfds[i].revents)
			continue;
		/* the watch may have been removed or replaced by an earlier callback */
		for (size_t j = 0; j < l->nfds; j++)
			if (l->fds[j].fd == pfds[i].fd) {
				l->fds[j].fn(pfds[i].fd, pfds[i].revents, l->fds[j].arg);
				break;
			}
	}
	if (wfds != stackw)
		free(wfds);
	if (pfds != stackp)
		free(pfds);
}

void evloop_wakeup(evloop *l)
{
	curl_multi_wakeup(l->multi);
}

size_t evloop_timers(const evloop *l) { return l->ntimers; }
size_t evloop_transfers(const evloop *l) { return l->nxfers; }
