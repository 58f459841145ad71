/* toml.h — a strict TOML 1.0 reader, into a tree the caller queries.
 *
 * Why: mostrod's settings.toml is the daemon's configuration file and Debian 12
 * ships no C TOML library. This reader takes the whole of what mostrod's
 * template uses (tables, dotted table names, comments, strings in both quote
 * styles, integers, floats, booleans, arrays over several lines) and the rest
 * of TOML 1.0 that is cheap: dotted keys, quoted keys, multi-line strings,
 * hex/octal/binary integers, inf/nan, inline tables, arrays of tables
 * ([[x]]) and date-times (kept as their text, type TOML_DATETIME).
 *
 * Strict: whatever TOML 1.0 forbids is an error that names the line and
 * column (1-based): a key or table defined twice, invalid UTF-8, a control
 * character or a bare newline inside a one-line string, a key with no value,
 * a leading zero, an integer that does not fit 64 bits, a missing newline
 * between two key/value pairs, and so on. Nesting deeper than TOML_MAX_DEPTH
 * (arrays and inline tables) is refused.
 *
 * Ownership: toml_parse() gives the caller a tree (root is a TOML_TABLE)
 * that toml_free() releases. Every node, key and string belongs to the tree;
 * the accessors return borrowed pointers valid until toml_free(). Settings
 * files hold secrets, so toml_free() zeroes every string and key before
 * freeing it. Nothing here prints or exits.
 */
#ifndef MU_TOML_H
#define MU_TOML_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define TOML_MAX_DEPTH 64

typedef enum toml_type {
	TOML_STRING = 0,
	TOML_INTEGER,
	TOML_FLOAT,
	TOML_BOOL,
	TOML_DATETIME,   /* offset/local date-time, local date or local time; text kept */
	TOML_ARRAY,
	TOML_TABLE,
	TOML_TYPE_COUNT,
} toml_type;

/* "string", "integer", "float", "boolean", "date-time", "array", "table";
 * "unknown" out of range. */
const char *toml_type_name(toml_type t);

typedef enum toml_err {
	TOML_OK = 0,
	TOML_ERR_SYNTAX,      /* unexpected character, missing '=', ']', ',' ... */
	TOML_ERR_UTF8,        /* invalid UTF-8 */
	TOML_ERR_CONTROL,     /* a control character where none is allowed */
	TOML_ERR_STRING,      /* bad escape, bare newline or unterminated string */
	TOML_ERR_NUMBER,      /* malformed number, leading zero, bad underscore */
	TOML_ERR_RANGE,       /* integer outside 64-bit signed range */
	TOML_ERR_DATETIME,    /* malformed date or time */
	TOML_ERR_NO_VALUE,    /* a key with nothing after '=' */
	TOML_ERR_DUPLICATE,   /* key or table defined twice, or redefined as another type */
	TOML_ERR_DEPTH,       /* arrays / inline tables nested deeper than TOML_MAX_DEPTH */
	TOML_ERR_COUNT,
} toml_err;

/* A short general message per code; "unknown error" out of range. */
const char *toml_strerror(toml_err e);

typedef struct toml_error {
	toml_err code;
	unsigned line, col;   /* 1-based position of the problem */
	char     msg[160];    /* specific: "duplicate key 'fee'", "expected '=' after key" */
} toml_error;

typedef struct toml_value toml_value;

typedef struct toml_kv {
	char       *key;      /* decoded key (one segment of a dotted key) */
	size_t      keylen;
	toml_value *value;
} toml_kv;

struct toml_value {
	toml_type type;
	unsigned  line, col;  /* where the value starts; a table: its header or first key */
	unsigned  flags;      /* the reader's bookkeeping (how a table or array was made) */
	union {
		struct { char *p; size_t len; } s;    /* STRING, DATETIME (NUL-terminated; may hold \0) */
		int64_t i;                             /* INTEGER */
		double  f;                             /* FLOAT */
		bool    b;                             /* BOOL */
		struct { toml_value **items; size_t n, cap; } arr;   /* ARRAY */
		struct { toml_kv *kv; size_t n, cap; } tab;          /* TABLE */
	} u;
};

/* Parses text[0..len) (no NUL needed). On success returns TOML_OK and *root;
 * on failure *root is NULL and *err (may be NULL) says what and where. */
toml_err toml_parse(const char *text, size_t len, toml_value **root, toml_error *err);

/* Zeroes and frees the tree (NULL is fine). */
void toml_free(toml_value *v);

/* Table member by exact key, or NULL (also when t is not a table). */
const toml_value *toml_get(const toml_value *t, const char *key);
/* Follows a path of keys "a.b.c" through nested tables (segments must not
 * contain '.'), or NULL. */
const toml_value *toml_path(const toml_value *root, const char *path);

/* Members of a table / elements of an array in file order (0 when not one). */
size_t toml_len(const toml_value *v);
const toml_kv *toml_table_at(const toml_value *t, size_t i);
const toml_value *toml_array_at(const toml_value *a, size_t i);

/* Was the table written as a header, [[x]] element or inline table (true),
 * or does it exist only because a longer name or dotted key passed through
 * it (false)? */
bool toml_table_explicit(const toml_value *t);

#endif
