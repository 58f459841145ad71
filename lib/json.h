/* json.h — strict JSON text <-> libjq jv values, and the canonical writer.
 *
 * Why not jv_parse/jv_dump_string: jq 1.6 accepts `01`, `nan`, `+1`, a BOM,
 * lone low surrogates; stores every number as a double (so a u64 request_id
 * above 2^53 is rounded); and prints DEL as \u007f and 1e17 as `1e+17`. Event
 * ids and Mostro signatures need the serialization nostr-tools and serde_json
 * produce (see docs/ARCHITECTURE.md, "JSON"). This module owns both directions.
 *
 * Ownership follows jv.h: a function taking a `jv` CONSUMES it unless its
 * comment says "borrows". Returned jv values are owned by the caller.
 *
 * 64-bit integers: an integer literal whose magnitude exceeds 2^53 (so a double
 * cannot hold it) is stored as a jv STRING carrying JSON_BIGINT_PREFIX followed
 * by its decimal digits. json_write() prints it back as the bare number and
 * json_get_u64()/json_get_i64() read it exactly. To keep that encoding
 * unambiguous the parser refuses input strings that begin with the prefix.
 * jq filters see such values as strings.
 *
 * Exact number literals (JSON_EXACT_NUMBERS): with that flag, a number written
 * with a fraction or an exponent ("1.0", "5e2") is kept the same way, as the
 * prefix followed by the literal text, so a caller that must tell `1.0` from
 * `1` (serde refuses a float literal in an integer field) can. json_write()
 * prints it back verbatim; json_get_f64() reads it; json_get_u64/i64 refuse it.
 */
#ifndef MU_JSON_H
#define MU_JSON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <jv.h>

#include "buf.h"

#define JSON_BIGINT_PREFIX "\x00#"
#define JSON_BIGINT_PREFIX_LEN 2
#define JSON_MAX_DEPTH 100

typedef enum json_err {
	JSON_OK = 0,
	JSON_ERR_EMPTY,        /* nothing but whitespace */
	JSON_ERR_SYNTAX,       /* unexpected character */
	JSON_ERR_EOF,          /* input ended inside a value */
	JSON_ERR_STRING,       /* raw control character, bad escape, lone surrogate */
	JSON_ERR_UTF8,         /* invalid UTF-8 */
	JSON_ERR_NUMBER,       /* malformed number literal */
	JSON_ERR_NOT_INTEGER,  /* fraction/exponent where JSON_INTEGERS_ONLY is set */
	JSON_ERR_DUPLICATE,    /* an object key appears twice */
	JSON_ERR_DEPTH,        /* nesting deeper than JSON_MAX_DEPTH */
	JSON_ERR_TRAILING,     /* more text after the value */
	JSON_ERR_RESERVED,     /* string starts with JSON_BIGINT_PREFIX */
} json_err;

typedef struct json_error {
	json_err code;
	size_t   offset;       /* byte offset where the problem was found */
	char     msg[120];     /* "at byte 17: expected ':' after object key" */
} json_error;

enum json_parse_flags {
	JSON_INTEGERS_ONLY = 1,  /* reject any number with a fraction or exponent */
	JSON_LONE_SURROGATE_FFFD = 2, /* lone surrogate escapes become U+FFFD (test data only) */
	JSON_EXACT_NUMBERS = 4,  /* keep fraction/exponent literals as text (see above) */
};

const char *json_strerror(json_err e);

/* Parses exactly one JSON value (surrounding whitespace allowed) from
 * text[0..len). Returns the value, or jv_invalid() with *err filled in
 * (err may be NULL). */
jv json_parse(const char *text, size_t len, int flags, json_error *err);

/* Canonical compact serialization (borrows v): no whitespace, keys in insertion
 * order, strings escaped as NIP-01/serde_json (\" \\ \b \t \n \f \r, other C0
 * controls as \u00xx lowercase, everything else raw UTF-8 including DEL),
 * integral numbers as plain integers, big integers exact, other numbers in
 * their shortest round-trip form. */
void json_write(buf *b, jv v);
void json_write_string(buf *b, const char *s, size_t n);

/* Shortest round-trip double the way serde_json (ryu) writes an f64: integral
 * values keep ".0" ("5.0"), exponents have no '+' ("1e21", "1e-7"). */
void json_write_f64_serde(buf *b, double d);
/* Rust's f64 Display ("2.5", "2", "0.006"): never an exponent, no ".0". */
void json_write_f64_display(buf *b, double d);

/* Exact integers (borrow v). Accept an integral jv number of magnitude up to
 * 2^53 or a big-integer string. False for anything else, including doubles
 * beyond 2^53 (a literal like 12157665459056928801.0 or -9223372036854775809
 * was rounded on parsing; accepting it would return a different integer). */
bool json_get_u64(jv v, uint64_t *out);
bool json_get_i64(jv v, int64_t *out);
bool json_is_integer(jv v);
/* Any number: a jv number, a big integer or an exact literal (borrows v). */
bool json_get_f64(jv v, double *out);
/* True for an exact literal with a fraction or exponent (JSON_EXACT_NUMBERS). */
bool json_is_float_literal(jv v);
bool json_is_bigint(jv v);
jv json_from_u64(uint64_t v);
jv json_from_i64(int64_t v);

/* Borrowed helpers that never assert on the wrong kind. */
jv json_get(jv obj, const char *key);          /* new ref, or jv_invalid() */
bool json_has(jv obj, const char *key);
const char *json_str(jv v, size_t *len);        /* pointer into v, NULL if not a string */
const char *json_get_str(jv obj, const char *key, size_t *len); /* pointer into obj */
bool json_is_kind(jv v, jv_kind k);

/* Convenience: serialize (borrows v) into a fresh NUL-terminated malloc string. */
char *json_dumps(jv v);

#endif
