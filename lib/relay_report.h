/* relay_report.h — status of the relay client subcommands.
 *
 * By default status goes to stderr as "prog: RELAY: what"; with records on
 * (--status) it goes to stdout as JSON records instead:
 *   {"type":"connected","relay":R}
 *   {"type":"disconnected","relay":R,"reason":"..."}
 *   {"type":"eose","relay":R,"sub":S}
 *   {"type":"closed","relay":R,"sub":S,"message":"..."}
 *   {"type":"notice","relay":R,"message":"..."}
 *   {"type":"auth","relay":R,"accepted":true|false,"message":"..."}
 * Data a relay got wrong (a malformed frame, an event failing verification or
 * the filter) is always reported on stderr, and with records on also as
 *   {"type":"error","relay":R,"error":"<code>","message":"..."}.
 * quiet silences the stderr status lines (not the errors).
 */
#ifndef MU_RELAY_REPORT_H
#define MU_RELAY_REPORT_H

#include <stdbool.h>

typedef struct relay_reporter {
	bool records;   /* --status */
	bool quiet;     /* -q */
} relay_reporter;

void relay_status(const relay_reporter *r, const char *type, const char *relay,
		  const char *sub, const char *message);
void relay_status_auth(const relay_reporter *r, const char *relay, bool accepted, const char *message);
void relay_error(const relay_reporter *r, const char *relay, const char *code, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

#endif
