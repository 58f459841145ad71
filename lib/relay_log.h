/* relay_log.h — rate-limited status lines of the embedded relay: a line that
 * repeats (the same text once its digits are ignored: "accept: errno 24",
 * "dropping a connection ...") is printed at most once per window; the
 * others are counted, and the count is reported once the window is over
 * ("... (and 51234 more like it in 10 s)"). Without it, a relay under a
 * flood writes as fast as the flood comes (91 MB of stderr a minute).
 *
 * Pure bookkeeping with a caller-given clock, so it is tested with made-up
 * times; the server calls relay_log_line for each line and relay_log_tick
 * about once a second. Not thread-safe: the relay's service thread owns it.
 *
 * Ownership: a relay_log is a plain value (fixed table, no heap). Lines go
 * through the `emit` callback given at init (the server's report()).
 */
#ifndef MU_RELAY_LOG_H
#define MU_RELAY_LOG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define RELAY_LOG_SLOTS  32     /* distinct kinds of line tracked at once */
#define RELAY_LOG_TEXT   160    /* bytes of a line kept for the summary */

typedef void (*relay_log_emit)(void *ctx, const char *line);

typedef struct relay_log_slot {
	uint64_t key;             /* 0 = free */
	double   since;           /* when the window began (its first line) */
	unsigned left_out;        /* lines counted, not printed, in this window */
	char     last[RELAY_LOG_TEXT];
} relay_log_slot;

typedef struct relay_log {
	relay_log_slot slot[RELAY_LOG_SLOTS];
	double         window;    /* seconds */
	relay_log_emit emit;
	void          *ctx;
} relay_log;

void relay_log_init(relay_log *l, double window, relay_log_emit emit, void *ctx);

/* The kind of a line: a hash of its text with ASCII digits left out. */
uint64_t relay_log_key(const char *line);

/* Prints line unless a line of its kind was printed less than `window`
 * seconds before now; then counts it. Returns true when printed. */
bool relay_log_line(relay_log *l, double now, const char *line);

/* Ends the windows that are over: a kind with lines left out gets one
 * summary line (its last text and the count), then starts afresh. */
void relay_log_tick(relay_log *l, double now);

#endif
