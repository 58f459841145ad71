/* relay_pub.h — `mostro-relay pub`: publish events read from a descriptor to
 * every relay of a list and report one OK record per (event, relay):
 *   {"type":"ok","id":ID,"relay":R,"accepted":true|false,"message":"..."}
 *
 * Input lines: a bare event, ["EVENT",ev], ["EVENT",sub,ev] or
 * {"ref":R,"event":ev} (mostro-wrap --mixed with a ref: R is any string of
 * at most 256 bytes, echoed, never sent). Each is parsed and verified (id and
 * signature) first; a bad line is reported as "prog: line N: reason" and the
 * others still go. With cfg.trusted_input (the daemon: mostro-wrap signed the
 * events a moment ago, and pub's Schnorr verification was 41% of its CPU)
 * only the id is checked against the event and a signature must be present;
 * a relay still verifies the signature and refuses a bad one.
 *
 * An event that came with a ref has the ref in each of its ok records, and
 * one more record tells its outcome as soon as it is known (accepted once
 * cfg.min_ok relays took it; refused once every pair ended short of that):
 *   {"type":"published","ref":R,"id":ID,"accepted":B,"accepted_by":N,
 *    "relays":M,"message":"<the last failure's message, or empty>"}
 * mostrod feeds these to `mostro-order run --ack` (lib/order_outbox.h).
 *
 * Several events are in flight on each relay at once (cfg.window, no waiting
 * for each OK). Each (event, relay) ends in exactly one record:
 *   - the relay's OK;
 *   - "error: timed out waiting for OK" after cfg.ok_timeout from the send;
 *   - "error: could not connect: ..." when the relay's connection attempt
 *     failed or timed out (cfg.connect_timeout) while the event waited for it.
 * A lost connection is re-established and unacknowledged events are sent
 * again (relays answer "duplicate:" for what they already stored), one at a
 * time until an OK comes back; an event alone in flight when the connection is
 * lost PUB_SOLO_LOSSES (2) times ends with "error: the relay closed the
 * connection each time this event was sent" (refused), so a relay that drops
 * the connection on one event (frame past its size limit) cannot hold the
 * others or loop forever. An OK false
 * "auth-required:" with an auth key is retried once after NIP-42 auth.
 * SIGINT/SIGTERM stop reading input; events already read are still finished.
 * A second signal, or standard output gone, stops at once: every pair still
 * open ends with "error: interrupted before the relay answered" (a timeout in
 * the summary, so the exit status never claims success for it).
 *
 * With no relay, every valid event is printed as the ["EVENT",ev] frame that
 * would be sent (dry run).
 *
 * Exit status (relay_pub_run), strongest first: 1 when an event was accepted
 * by fewer than cfg.min_ok relays and some relay refused it (OK false); 124
 * when such an event timed out somewhere; 3 when such an event failed only
 * because relays could not be reached; 123 when some input lines were bad;
 * 0 otherwise.
 */
#ifndef MU_RELAY_PUB_H
#define MU_RELAY_PUB_H

#include <stddef.h>

#include "event.h"
#include "keys.h"
#include "relay_report.h"
#include "relay_url.h"

typedef struct relay_pub_config {
	const relay_list *relays;
	double connect_timeout;     /* seconds */
	double ping_interval;       /* seconds; <= 0: relay_client's default */
	double ok_timeout;          /* seconds */
	unsigned min_ok;            /* default 1 */
	size_t window;              /* events in flight per relay; 0: 64 */
	const mu_key *auth_key;     /* borrowed; NULL: AUTH challenges are not answered */
	bool trusted_input;         /* input from our own signer: the id checked, not the signature */
	relay_reporter report;
} relay_pub_config;

typedef struct relay_pub_summary {
	unsigned long events, accepted, refused, timed_out, unreachable, bad_lines;
} relay_pub_summary;

int relay_pub_run(const relay_pub_config *cfg, int input_fd, relay_pub_summary *sum);

/* One input line: the verified event in *ev (event_free it) and the ref of a
 * {"ref","event"} line (malloc'd) or NULL in *ref. False: why says what is
 * wrong, nothing to free. */
bool relay_pub_parse_line(const char *line, size_t len, nostr_event *ev, char **ref, char *why, size_t wlen);
/* The same, checking the id only (cfg.trusted_input). */
bool relay_pub_parse_trusted_line(const char *line, size_t len, nostr_event *ev, char **ref, char *why,
				  size_t wlen);

#endif
