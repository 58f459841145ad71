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

/* ------------------------------------------------------------ pull cursor
 * For hot parsers (events, relay frames) that want to read a known shape
 * straight into C values without building an intermediate jv object. The
 * grammar and every check are the same as json_parse()'s. Typical use:
 *
 *   json_cursor c; json_cursor_init(&c, text, len, JSON_INTEGERS_ONLY, &err);
 *   if (json_cursor_begin(&c, '{'))
 *       for (size_t i = 0; json_cursor_more(&c, '}', i) == 1; i++) {
 *           const char *k; size_t kn;
 *           if (!json_cursor_key(&c, &k, &kn)) break;
 *           ... json_cursor_string / _uint / _value / _skip ...
 *       }
 *   ok = c.err->code == JSON_OK && json_cursor_end(&c);
 *   json_cursor_free(&c);
 *
 * Strings returned by json_cursor_key/json_cursor_string borrow either the
 * input or the cursor's scratch buffer: valid until the next cursor call.
 * After the first error every call fails; the error stays in *c->err. */
typedef struct json_cursor {
	const unsigned char *p, *start, *end;
	int         flags;
	int         depth;
	json_error *err;
	json_error  own_err;
	buf         tmp;      /* scratch for strings with escapes */
} json_cursor;

void json_cursor_init(json_cursor *c, const char *text, size_t len, int flags, json_error *err);
void json_cursor_free(json_cursor *c);
/* Consumes the opening '{' or '[' (after whitespace). */
bool json_cursor_begin(json_cursor *c, char open);
/* Before member/element number `index` of the current container: 1 when one
 * follows (the ',' before it consumed), 0 when the container closed (`close`
 * consumed), -1 on error. */
int  json_cursor_more(json_cursor *c, char close, size_t index);
/* An object key and its ':'. */
bool json_cursor_key(json_cursor *c, const char **key, size_t *len);
/* A string value (decoded). */
bool json_cursor_string(json_cursor *c, const char **s, size_t *len);
/* A non-negative integer literal (no sign, fraction or exponent) up to 2^64-1. */
bool json_cursor_uint(json_cursor *c, uint64_t *v);
/* Any value, as a jv (owned by the caller), or skipped. */
jv   json_cursor_value(json_cursor *c);
bool json_cursor_skip(json_cursor *c);
/* True when only whitespace remains (else a JSON_ERR_TRAILING error). */
bool json_cursor_end(json_cursor *c);
/* The next non-space character without consuming it (0 at the end). */
char json_cursor_peek(json_cursor *c);
/* Records an error of the caller's own at the current position. */
void json_cursor_fail(json_cursor *c, json_err code, const char *what);

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

/* Exact integers (borrow v): THE rule for an integer field in every tool
 * (request ids, amounts, record fields, message fields). Accept an integral
 * jv number of magnitude up to 2^53 or a big-integer string. False for
 * anything else: -0 (serde_json reads it as the float -0.0, which integer
 * fields refuse), a fraction or exponent literal kept by JSON_EXACT_NUMBERS
 * (`1.0`, `1e3`: parse with that flag where integers must be integer
 * literals), and doubles beyond 2^53 (a literal like 12157665459056928801.0 or
 * -9223372036854775809 was rounded on parsing; accepting it would return a
 * different integer). */
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
