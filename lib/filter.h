/* filter.h — NIP-01 subscription filters: strict parsing, matching, and the
 * canonical JSON form.
 *
 * Used by `mostro-relay serve` for REQ/COUNT and by the client subcommands to
 * re-check every event a relay sends (relays are not trusted).
 *
 * Decisions (tests/unit/test_filter.c, tests/vectors/filters.jsonl):
 *  - ids, authors, #e and #p values must be exactly 64 lowercase hex digits
 *    (NIP-01 "MUST contain exact 64-character lowercase hex values"); prefix
 *    matching is NOT supported: a shorter value is an error, not a prefix.
 *  - kinds are integers 0..65535; since/until/limit unsigned integers (exact
 *    above 2^53); "#X" keys take one ASCII letter (a-z, A-Z) and string values.
 *  - Every list must be a non-empty array (NIP-01: "one or more values").
 *  - An unknown key ("search", "#xy", "ids2") is an error
 *    (FILTER_ERR_UNKNOWN_KEY): a relay answers `unsupported:`; silently
 *    dropping a condition would widen the subscription.
 *  - Canonical form: lists are sorted (bytewise) and deduplicated; keys are
 *    written in the order ids, authors, kinds, #A..#Z, #a..#z, since, until,
 *    limit. filter_write() output parses back to an equal filter.
 *  - since > until is accepted and matches nothing.
 *
 * Matching (filter_match): every present condition must hold (AND); a list
 * condition holds when the event's field is in the list; "#x" holds when some
 * tag named exactly "x" has a second element in the list. Which tags count is
 * decided in one place, filter_tag_indexed(): tag names are length-counted
 * strings, so a tag named "p\u0000x" is no "p" tag (the relay's store, its
 * live delivery and its NIP-42 read check all ask that function). limit is not a
 * matching condition. A filter list matches when any filter matches (OR).
 *
 * Ownership: a nostr_filter owns all its arrays. Initialize with filter_init()
 * (or a successful parse), release with filter_free(). filter_from_jv CONSUMES
 * its jv argument. Pointers returned by accessors are borrowed.
 */
#ifndef MU_FILTER_H
#define MU_FILTER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <jv.h>

#include "buf.h"
#include "event.h"

typedef struct filter_str {
	char  *s;             /* owned, NUL-terminated (may also contain NUL: use n) */
	size_t n;
} filter_str;

typedef struct filter_tag {
	char        letter;   /* 'A'..'Z' or 'a'..'z' */
	filter_str *values;   /* sorted, unique, n >= 1 */
	size_t      n;
} filter_tag;

typedef struct nostr_filter {
	uint8_t   (*ids)[32];     size_t n_ids;      /* sorted, unique */
	uint8_t   (*authors)[32]; size_t n_authors;  /* sorted, unique */
	uint16_t   *kinds;        size_t n_kinds;    /* sorted, unique */
	filter_tag *tags;         size_t n_tags;     /* sorted by letter, unique letters */
	bool        has_ids, has_authors, has_kinds;
	bool        has_since, has_until, has_limit;
	uint64_t    since, until, limit;
} nostr_filter;

typedef enum filter_err {
	FILTER_OK = 0,
	FILTER_ERR_JSON,          /* not valid JSON */
	FILTER_ERR_NOT_OBJECT,    /* the filter is not a JSON object */
	FILTER_ERR_UNKNOWN_KEY,   /* a key NIP-01 does not define */
	FILTER_ERR_NOT_LIST,      /* a list field is not an array */
	FILTER_ERR_EMPTY_LIST,    /* a list field is an empty array */
	FILTER_ERR_IDS,           /* an ids value is not 64 lowercase hex */
	FILTER_ERR_AUTHORS,       /* an authors value is not 64 lowercase hex */
	FILTER_ERR_KINDS,         /* a kinds value is not an integer in 0..65535 */
	FILTER_ERR_TAG_VALUE,     /* a #x value is not a string (or #e/#p not 64 hex) */
	FILTER_ERR_SINCE,         /* since is not an unsigned integer */
	FILTER_ERR_UNTIL,         /* until is not an unsigned integer */
	FILTER_ERR_LIMIT,         /* limit is not an unsigned integer */
} filter_err;

const char *filter_strerror(filter_err e);

void filter_init(nostr_filter *f);
void filter_free(nostr_filter *f);
/* Deep copy. */
void filter_copy(nostr_filter *dst, const nostr_filter *src);

/* Parse one filter object. detail (may be NULL) names the field:
 * "authors[1]: not 64 lowercase hex (prefixes are not accepted)".
 * On error *f is left initialized and empty. */
filter_err filter_parse(nostr_filter *f, const char *text, size_t len,
			char *detail, size_t detail_len);
filter_err filter_from_jv(nostr_filter *f, jv v, char *detail, size_t detail_len);

/* Building a filter (the client subcommands' flags). Each keeps the lists
 * sorted and unique. filter_add_tag refuses a letter outside a-zA-Z and, for
 * 'e'/'p', a value that is not 64 lowercase hex (returns the error). */
void filter_add_id(nostr_filter *f, const uint8_t id[32]);
void filter_add_author(nostr_filter *f, const uint8_t pk[32]);
void filter_add_kind(nostr_filter *f, uint16_t kind);
filter_err filter_add_tag(nostr_filter *f, char letter, const char *value, size_t n);
void filter_set_since(nostr_filter *f, uint64_t t);
void filter_set_until(nostr_filter *f, uint64_t t);
void filter_set_limit(nostr_filter *f, uint64_t n);

/* Matching. */
bool filter_match(const nostr_filter *f, const nostr_event *ev);
bool filters_match(const nostr_filter *fs, size_t n, const nostr_event *ev);
/* The tag condition "#letter" of f, or NULL. */
const filter_tag *filter_tag_get(const nostr_filter *f, char letter);
/* True when f has a kinds list and k is in it. */
bool filter_has_kind(const nostr_filter *f, uint16_t k);

/* Canonical compact JSON (see above), appended to b. */
void filter_write(buf *b, const nostr_filter *f);
/* [f0,f1,...] appended to b (for a REQ or for display). */
void filters_write(buf *b, const nostr_filter *fs, size_t n);
void filters_free(nostr_filter *fs, size_t n);   /* frees each, then the array */

/* True for 'a'..'z' and 'A'..'Z'. */
bool filter_tag_letter_ok(int c);

/* The tags that "#x" filters see: an event tag (a JSON array, borrowed), whose
 * name is a string of exactly one byte a-z or A-Z and whose second element is a
 * string. Returns the letter and sets *value and *len to that string (borrowed
 * from tag, valid while tag is), or returns 0. */
char filter_tag_indexed(jv tag, const char **value, size_t *len);

#endif
