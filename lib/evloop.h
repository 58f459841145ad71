/* evloop.h — a small single-threaded event loop: one-shot timers, file
 * descriptor watches and libcurl multi transfers, all driven from one
 * curl_multi_poll() call per iteration.
 *
 * Why one thread: mostro-ln run handles overlapping requests (a slow payment
 * must not block a settle) and many long-lived LND streams; driving them all
 * from one loop keeps the state machines free of locks and the output
 * ordered.
 *
 * Callbacks run from evloop_run_once() only, never from inside libcurl:
 * a transfer's done callback runs after curl_multi_perform() returned, so it
 * may remove or add transfers and timers freely. (Callbacks that a caller
 * installs on the easy handle itself, such as CURLOPT_WRITEFUNCTION, run inside
 * libcurl and must not touch the multi handle: schedule a 0 ms timer instead.)
 *
 * Ownership: the loop owns its timers (a handle is valid until the timer fires
 * or is cancelled; the callback must forget it) and its bookkeeping for each
 * transfer. The CURL easy handle stays the caller's: after the done callback
 * or evloop_remove_curl() the caller cleans it up.
 */
#ifndef MU_EVLOOP_H
#define MU_EVLOOP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <curl/curl.h>

typedef struct evloop evloop;
typedef struct evtimer evtimer;

typedef void (*ev_timer_fn)(void *arg);
typedef void (*ev_fd_fn)(int fd, short revents, void *arg);
typedef void (*ev_curl_fn)(CURL *easy, CURLcode rc, void *arg);

/* Monotonic milliseconds. */
uint64_t ev_now_ms(void);

evloop *evloop_new(void);
/* Cancels the remaining timers and transfers (without callbacks) and frees the loop. */
void evloop_free(evloop *l);

/* One-shot timer firing after delay_ms (0 = on the next iteration). Timers
 * with the same due time fire in the order they were added. */
evtimer *evloop_timer(evloop *l, uint64_t delay_ms, ev_timer_fn fn, void *arg);
/* Cancels a pending timer; NULL is ignored. */
void evloop_timer_cancel(evloop *l, evtimer *t);

/* Watches fd for events (POLLIN/POLLOUT); replaces an earlier watch of fd. */
void evloop_watch(evloop *l, int fd, short events, ev_fd_fn fn, void *arg);
void evloop_unwatch(evloop *l, int fd);

/* Starts a transfer; done(easy, rc, arg) runs once when it finishes. */
void evloop_add_curl(evloop *l, CURL *easy, ev_curl_fn done, void *arg);
/* Stops a transfer without calling its done callback. */
void evloop_remove_curl(evloop *l, CURL *easy);

/* Waits at most max_wait_ms (negative = until something happens) and runs
 * every callback that became due. */
void evloop_run_once(evloop *l, int max_wait_ms);

/* Interrupts a wait in progress from another thread (curl_multi_wakeup). A
 * signal handler should write to a watched pipe instead. */
void evloop_wakeup(evloop *l);

/* Number of pending timers and transfers. */
size_t evloop_timers(const evloop *l);
size_t evloop_transfers(const evloop *l);

#endif
