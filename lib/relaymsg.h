/* relaymsg.h — the Nostr relay protocol frames (NIP-01, NIP-42, NIP-45), both
 * directions: strict parsing into a typed rmsg, and builders for every frame.
 *
 * client -> relay                      relay -> client
 *   ["EVENT", <event>]                   ["EVENT", <subid>, <event>]
 *   ["REQ", <subid>, <filter>...]        ["OK", <id>, <bool>, <message>]
 *   ["CLOSE", <subid>]                   ["EOSE", <subid>]
 *   ["AUTH", <event kind 22242>]         ["CLOSED", <subid>, <message>]
 *   ["COUNT", <subid>, <filter>...]      ["NOTICE", <message>]
 *                                        ["AUTH", <challenge>]
 *                                        ["COUNT", <subid>, {"count": <n>}]
 *
 * Strictness: a frame must be a JSON array (JSON_INTEGERS_ONLY) whose first
 * element is a known type string with exactly the arity above (REQ/COUNT need
 * at least one filter); a subscription id is a non-empty string (its maximum
 * length is the relay's policy, see relay_server.h); events are parsed by
 * event.h (id and sig required) but NOT verified here — verification is the
 * caller's job, done once; filters are parsed by filter.h; an OK id is 64
 * lowercase hex. Extra trailing elements are an arity error.
 *
 * On a parse error the rmsg keeps what was understood before the error, so a
 * relay can answer precisely: `type` (when the type string was known),
 * `subid` (REQ/COUNT/CLOSE), and `has_event_id`/`event_id` when an EVENT or
 * AUTH object carried a well-formed "id" (answer with OK false).
 * `sub_err` holds the event_err / filter_err behind RMSG_ERR_EVENT /
 * RMSG_ERR_FILTER, and `index` the filter's position (0-based) in the frame.
 *
 * Ownership: an rmsg owns its subid, message, event and filters. The parse
 * functions initialize it (rmsg_init allocates nothing, so initializing first
 * is harmless); release with rmsg_free() — also after a failed parse — before
 * parsing into it again. Builders append to a caller-owned buf and borrow
 * everything.
 */
#ifndef MU_RELAYMSG_H
#define MU_RELAYMSG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "event.h"
#include "filter.h"

/* Machine-readable prefixes of OK and CLOSED messages (NIP-01, NIP-42).
 * String literals, so RMSG_INVALID " event has expired" is one literal. */
#define RMSG_DUPLICATE     "duplicate:"
#define RMSG_POW           "pow:"
#define RMSG_BLOCKED       "blocked:"
#define RMSG_RATE_LIMITED  "rate-limited:"
#define RMSG_INVALID       "invalid:"
#define RMSG_RESTRICTED    "restricted:"
#define RMSG_AUTH_REQUIRED "auth-required:"
#define RMSG_ERROR         "error:"
#define RMSG_UNSUPPORTED   "unsupported:"

typedef enum rmsg_reason {
	RMSG_REASON_NONE = 0,       /* empty message, or no "word:" prefix */
	RMSG_REASON_DUPLICATE,
	RMSG_REASON_POW,
	RMSG_REASON_BLOCKED,
	RMSG_REASON_RATE_LIMITED,
	RMSG_REASON_INVALID,
	RMSG_REASON_RESTRICTED,
	RMSG_REASON_AUTH_REQUIRED,
	RMSG_REASON_ERROR,
	RMSG_REASON_UNSUPPORTED,
	RMSG_REASON_OTHER,          /* a "word:" prefix NIP-01/42 do not define */
} rmsg_reason;

/* strfry (since February 2026) opens every CLOSED and NOTICE it sends with
 * this, before the NIP-01 prefix: "ERROR: auth-required: requested filter
 * requires authentication". */
#define RMSG_ERROR_LEAD    "ERROR:"

/* Classifies the machine-readable prefix of an OK/CLOSED/NOTICE message: the
 * first word when it ends in ':' ("auth-required: ..."). Behind a leading
 * RMSG_ERROR_LEAD (uppercase, then any spaces) the prefix that follows is
 * read; with no NIP-01 prefix there, the message is RMSG_REASON_ERROR
 * ("ERROR: bad req: ..."). The lowercase "error:" is NIP-01's own prefix. */
rmsg_reason rmsg_reason_of(const char *msg, size_t len);
/* "invalid", "auth-required", ...; "" for NONE, "other" for OTHER. */
const char *rmsg_reason_name(rmsg_reason r);

typedef enum rmsg_type {
	RMSG_NONE = 0,
	/* client -> relay */
	RMSG_EVENT,         /* ["EVENT", ev] */
	RMSG_REQ,           /* ["REQ", subid, filter...] */
	RMSG_CLOSE,         /* ["CLOSE", subid] */
	RMSG_AUTH,          /* ["AUTH", ev] */
	RMSG_COUNT,         /* ["COUNT", subid, filter...] */
	/* relay -> client */
	RMSG_SUB_EVENT,     /* ["EVENT", subid, ev] */
	RMSG_OK,            /* ["OK", id, accepted, message] */
	RMSG_EOSE,          /* ["EOSE", subid] */
	RMSG_CLOSED,        /* ["CLOSED", subid, message] */
	RMSG_NOTICE,        /* ["NOTICE", message] */
	RMSG_CHALLENGE,     /* ["AUTH", challenge] */
	RMSG_COUNT_RESULT,  /* ["COUNT", subid, {"count": n}] */
} rmsg_type;

typedef enum rmsg_err {
	RMSG_OK_PARSED = 0,
	RMSG_ERR_JSON,      /* not valid JSON */
	RMSG_ERR_NOT_ARRAY, /* not a non-empty JSON array */
	RMSG_ERR_TYPE,      /* first element is not a string */
	RMSG_ERR_UNKNOWN,   /* a type string this direction does not define */
	RMSG_ERR_ARITY,     /* wrong number of elements */
	RMSG_ERR_SUBID,     /* subscription id is not a non-empty string */
	RMSG_ERR_EVENT,     /* the event is malformed (sub_err: event_err) */
	RMSG_ERR_FILTER,    /* a filter is malformed (sub_err: filter_err, index) */
	RMSG_ERR_FIELD,     /* another field has the wrong type or format */
} rmsg_err;

const char *rmsg_strerror(rmsg_err e);
const char *rmsg_type_name(rmsg_type t);   /* "EVENT", "OK", ... */

typedef struct rmsg {
	rmsg_type     type;
	char         *subid;         /* owned, NUL-terminated; subid_len bytes */
	size_t        subid_len;
	nostr_event   event;         /* EVENT, AUTH, SUB_EVENT */
	bool          has_event;
	nostr_filter *filters;       /* REQ, COUNT: n_filters >= 1 */
	size_t        n_filters;
	uint8_t       event_id[32];  /* OK; EVENT/AUTH (also after RMSG_ERR_EVENT) */
	bool          has_event_id;
	bool          accepted;      /* OK */
	char         *message;       /* OK, CLOSED, NOTICE; CHALLENGE: the challenge */
	size_t        message_len;
	uint64_t      count;         /* COUNT_RESULT */
	int           sub_err;       /* event_err or filter_err behind the error */
	int           index;         /* failing filter position (RMSG_ERR_FILTER) */
} rmsg;

void rmsg_init(rmsg *m);
void rmsg_free(rmsg *m);

/* Parse a frame a client sent (what a relay reads) or a relay sent (what a
 * client reads). detail (may be NULL) names what is wrong:
 * "REQ: filter 2: kinds[0]: not an integer in 0..65535". */
rmsg_err rmsg_parse_client(rmsg *m, const char *text, size_t len, char *detail, size_t detail_len);
rmsg_err rmsg_parse_relay(rmsg *m, const char *text, size_t len, char *detail, size_t detail_len);
/* The same from an already parsed value (consumed). */
rmsg_err rmsg_from_jv_client(rmsg *m, jv v, char *detail, size_t detail_len);
rmsg_err rmsg_from_jv_relay(rmsg *m, jv v, char *detail, size_t detail_len);

/* ---- builders: append one compact frame to b ---- */

/* client -> relay */
void rmsg_write_event(buf *b, const nostr_event *ev);
void rmsg_write_req(buf *b, const char *subid, size_t subid_len, const nostr_filter *fs, size_t n);
void rmsg_write_count_req(buf *b, const char *subid, size_t subid_len, const nostr_filter *fs, size_t n);
void rmsg_write_close(buf *b, const char *subid, size_t subid_len);
void rmsg_write_auth(buf *b, const nostr_event *ev);

/* relay -> client */
void rmsg_write_sub_event(buf *b, const char *subid, size_t subid_len, const nostr_event *ev);
/* The same with the event already serialized (event_write output, borrowed). */
void rmsg_write_sub_event_json(buf *b, const char *subid, size_t subid_len,
			       const char *event_json, size_t event_len);
void rmsg_write_ok(buf *b, const uint8_t id[32], bool accepted, const char *message);
void rmsg_write_okf(buf *b, const uint8_t id[32], bool accepted, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
void rmsg_write_eose(buf *b, const char *subid, size_t subid_len);
void rmsg_write_closed(buf *b, const char *subid, size_t subid_len, const char *message);
void rmsg_write_closedf(buf *b, const char *subid, size_t subid_len, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
void rmsg_write_notice(buf *b, const char *message);
void rmsg_write_challenge(buf *b, const char *challenge);
void rmsg_write_count(buf *b, const char *subid, size_t subid_len, uint64_t count);

/* Any parsed rmsg back to its frame (both directions). */
void rmsg_write(buf *b, const rmsg *m);

#endif
