/* relay_sub.h — `mostro-relay req` and `mostro-relay sub`: read events
 * matching filters from every relay of a list.
 *
 * Every incoming event is checked before it is written (relays are not
 * trusted): it must parse, its id and signature must verify, and it must match
 * the filters of the REQ it came on (including the since/until the client
 * added), and it must not have expired (NIP-40 "expiration" tag at or before
 * now). Failures are reported (relay_report.h, code "bad-frame", "bad-event",
 * "bad-sig", "no-match", "expired", "unknown-sub") and dropped; the stream
 * goes on. Events are deduplicated by id across relays and reconnections and
 * written bare, one per line.
 *
 * REQ_ONCE (req): stored events until EOSE from every relay, then stop. With
 * cfg.all, a relay that returned a page is asked again with until = the
 * oldest created_at of that page (inclusive; repeats are not written but
 * count in the page) while pages reach further back; the filters' limit is
 * then only the page size. A page lying wholly on its until second is
 * followed by until = the second before; when the relay shows it truncated
 * that second (see next_page), that is reported ("incomplete",
 * sum.incomplete): NIP-01 cannot ask for the rest of a second.
 *
 * REQ_STREAM (sub): never ends by itself. Lost connections are re-established
 * with backoff (relay_client.h). Each relay has a mark: the moment up to which
 * we are in sync with it (its EOSE, and then for as long as the subscription
 * stays live; our clock, so an event dated in the future cannot move it). A
 * new REQ to that relay asks for since = max(filter since, mark -
 * cfg.lookback), so events published while the client was away are not lost
 * (nak issue #24 resumes from the reconnection time instead); the look-back
 * also covers NIP-59 gift wraps whose created_at is randomised up to two days
 * into the past. A relay never in sync yet gets the configured filters (or the
 * state file's cursor), never a since taken from another relay's progress.
 * Relays cap what they answer to a REQ, newest first: when every filter of
 * the REQ has a since and none a limit, its stored window is paged as
 * cfg.all does (next_page), each page (until = the oldest created_at of the
 * page before) on a subscription of its own while the first REQ stays open
 * for live events. The relay is in sync (mark, cursor, "eose" status) only
 * once the last page came; a page the relay CLOSEs (not auth-required) is
 * reported "incomplete" and the relay keeps its old mark.
 * The cursor is the oldest mark of the relays in sync at least once in this
 * run (a relay unreachable for the whole run does not hold it back); with
 * cfg.state_path it is loaded at start (every relay's first mark) and saved
 * (relay_state.h) at most once a second after events were written, every 30 s
 * otherwise, on disconnections and at exit. REQ_ONCE with a state file: the
 * REQs ask for since = cursor - lookback, and a relay that finished (EOSE,
 * last page) marks the moment it did.
 * The seen ids stay bounded: when the set would grow, ids of events older
 * than relay_forget_floor() are forgotten, but never below the since of a REQ
 * still sending stored events (before its EOSE). Every REQ then in force or
 * sent later to a relay already in sync asks for since >= that floor, so only
 * a live event (after EOSE), or the stored events of a relay reached for the
 * first time, can be older; they are written (new, or rarely the repeat of a
 * forgotten id: consumers de-duplicate by id, and dropping could lose a
 * genuine event).
 *
 * NIP-42: with cfg.auth_key, AUTH challenges are answered; a subscription
 * CLOSED "auth-required:" is sent again once the relay accepted the AUTH.
 *
 * With no relay, the REQ frame that would be sent is printed (dry run).
 *
 * Exit status (relay_sub_run): 0 done (req: every relay finished; sub: ended
 * by SIGINT/SIGTERM); 1 every relay refused the subscription (CLOSED); 3 no
 * relay could be reached (sub: on the first attempt to every relay); 124
 * cfg.wait_timeout elapsed (req: before EOSE from every relay; sub: the whole
 * run).
 */
#ifndef MU_RELAY_SUB_H
#define MU_RELAY_SUB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "filter.h"
#include "keys.h"
#include "relay_report.h"
#include "relay_url.h"

#define RELAY_LOOKBACK_RANDOMISED (2 * 24 * 3600)  /* kinds 1059 and 14 */
#define RELAY_LOOKBACK_DEFAULT    600              /* other kinds: clock skew */
#define RELAY_FORGET_MARGIN       3600             /* seen ids kept past the look-back */

typedef enum relay_sub_mode { REQ_ONCE, REQ_STREAM } relay_sub_mode;

typedef struct relay_sub_config {
	const relay_list   *relays;
	const nostr_filter *filters;      /* borrowed, n_filters >= 1 */
	size_t              n_filters;
	relay_sub_mode      mode;
	bool                all;          /* REQ_ONCE: paginate with until */
	int64_t             lookback;     /* seconds; < 0: relay_default_lookback() */
	const char         *state_path;   /* NULL: no cursor file */
	double              connect_timeout;
	double              ping_interval;   /* <= 0: relay_client's default */
	double              wait_timeout; /* <= 0: none */
	const mu_key       *auth_key;     /* borrowed; NULL: no AUTH */
	relay_reporter      report;
} relay_sub_config;

typedef struct relay_sub_summary {
	unsigned long events, duplicates, dropped;
	unsigned long incomplete;   /* --all: seconds a relay may hold more of */
	uint64_t cursor;
	bool has_cursor;
} relay_sub_summary;

/* 2 days when a filter can match kind 1059 or 14 (it lists one of them, or
 * has no kinds list); RELAY_LOOKBACK_DEFAULT otherwise. */
int64_t relay_default_lookback(const nostr_filter *fs, size_t n);

/* since for a resumed REQ: max(filter_since, cursor - lookback), 0-floored. */
uint64_t relay_resume_since(bool has_since, uint64_t since, uint64_t cursor, int64_t lookback);

/* sub's de-duplication window: ids of events older than
 * min(cursor, now) - lookback - RELAY_FORGET_MARGIN (0-floored) may be
 * forgotten (see REQ_STREAM above). */
uint64_t relay_forget_floor(uint64_t cursor, uint64_t now, int64_t lookback);

int relay_sub_run(const relay_sub_config *cfg, relay_sub_summary *sum);

#endif
