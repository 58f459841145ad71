/* store_value.h — one SQLite value <-> one JSON value, exactly.
 *
 * Why: mostro-store prints rows (orders, users, disputes, get) and exports
 * whole databases as JSON lines that must import back to the same bytes.
 * SQLite has five storage classes; JSON has fewer, and jq-style readers round
 * every number to a double. This module fixes one encoding for all of
 * mostro-store (man mostro-store, VALUES):
 *
 *   NULL     null
 *   INTEGER  a bare integer, exact over the whole 64-bit range
 *   REAL     a number that always has a fraction or an exponent ("5.0",
 *            "0.006", "1e300", "-0.0"), shortest form that reads back to
 *            the same double; +-infinity as {"real":"inf"} / {"real":"-inf"}
 *   TEXT     a JSON string, or {"text_hex":"..."} when the bytes are not
 *            valid UTF-8 or hold a NUL byte
 *   BLOB     {"blob":"<lowercase hex>"}
 *
 * Ownership: a store_value borrows its bytes (from a statement column or a
 * jv) unless `owned` is set, in which case store_value_clear() frees them.
 * Nothing here prints or exits.
 */
#ifndef MU_STORE_VALUE_H
#define MU_STORE_VALUE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <jv.h>
#include <sqlite3.h>

#include "buf.h"

typedef enum store_vtype {
	SV_NULL = 0,
	SV_INTEGER,
	SV_REAL,
	SV_TEXT,
	SV_BLOB,
} store_vtype;

typedef struct store_value {
	store_vtype type;
	int64_t     i;          /* SV_INTEGER */
	double      r;          /* SV_REAL */
	const char *p;          /* SV_TEXT, SV_BLOB: bytes (not NUL-terminated for blobs) */
	size_t      n;
	bool        owned;      /* p was malloc'd here: store_value_clear frees it */
} store_value;

typedef enum store_value_err {
	SV_OK = 0,
	SV_ERR_KIND,            /* true/false/array, or an object of no known shape */
	SV_ERR_INTEGER_RANGE,   /* an integer outside the signed 64-bit range */
	SV_ERR_REAL_RANGE,      /* a real literal that overflows a double */
	SV_ERR_HEX,             /* blob/text_hex is not lowercase hex of whole bytes */
	SV_ERR_REAL_WORD,       /* {"real":...} other than "inf" or "-inf" */
} store_value_err;

const char *store_value_strerror(store_value_err e);

/* The value of column col of a row of st (borrowed from st until the next
 * step/reset). */
store_value store_value_column(sqlite3_stmt *st, int col);

/* Appends the JSON encoding of v to b. */
void store_value_write(buf *b, const store_value *v);

/* Reads a JSON value parsed with JSON_EXACT_NUMBERS (borrows j; text points
 * into j, hex-decoded bytes are owned by v). detail (may be NULL) receives
 * the reason on failure. */
store_value_err store_value_from_json(jv j, store_value *v, char *detail, size_t cap);

/* Binds v to parameter idx (1-based); the bytes are copied (SQLITE_TRANSIENT).
 * Returns the SQLite result code. */
int store_value_bind(sqlite3_stmt *st, int idx, const store_value *v);

void store_value_clear(store_value *v);

/* The current row of st as a JSON object: {"<column name>":<value>,...} for
 * columns first..end, in statement order. */
void store_row_write(buf *b, sqlite3_stmt *st, int first);

/* True when s[0..n) is UTF-8 as RFC 3629 defines it (no overlong forms, no
 * surrogates, nothing above U+10FFFF). */
bool store_utf8_valid(const char *s, size_t n);

#endif
