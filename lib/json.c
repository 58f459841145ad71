#include "json.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define TWO53 9007199254740992.0

const char *json_strerror(json_err e)
{
	switch (e) {
	case JSON_OK: return "ok";
	case JSON_ERR_EMPTY: return "empty input";
	case JSON_ERR_SYNTAX: return "syntax error";
	case JSON_ERR_EOF: return "unexpected end of input";
	case JSON_ERR_STRING: return "invalid string";
	case JSON_ERR_UTF8: return "invalid UTF-8";
	case JSON_ERR_NUMBER: return "invalid number";
	case JSON_ERR_NOT_INTEGER: return "number is not an integer";
	case JSON_ERR_DUPLICATE: return "duplicate object key";
	case JSON_ERR_DEPTH: return "nesting too deep";
	case JSON_ERR_TRAILING: return "trailing characters after the value";
	case JSON_ERR_RESERVED: return "string uses the reserved big-integer prefix";
	}
	return "unknown error";
}

/* ---------------------------------------------------------------- parser */

typedef json_cursor cursor;

static jv fail(cursor *c, json_err code, const char *what)
{
	if (c->err && c->err->code == JSON_OK) {
		c->err->code = code;
		c->err->offset = (size_t)(c->p - c->start);
		snprintf(c->err->msg, sizeof c->err->msg, "at byte %zu: %s",
			 c->err->offset, what);
	}
	return jv_invalid();
}

static void skip_ws(cursor *c)
{
	while (c->p < c->end && (*c->p == ' ' || *c->p == '\t' || *c->p == '\n' || *c->p == '\r'))
		c->p++;
}

static jv parse_value(cursor *c);

static int hexval(unsigned char ch)
{
	if (ch >= '0' && ch <= '9') return ch - '0';
	if (ch >= 'a' && ch <= 'f') return ch - 'a' + 10;
	if (ch >= 'A' && ch <= 'F') return ch - 'A' + 10;
	return -1;
}

static bool read_u16(cursor *c, unsigned *out)
{
	if (c->end - c->p < 4)
		return false;
	unsigned v = 0;
	for (int i = 0; i < 4; i++) {
		int h = hexval(c->p[i]);
		if (h < 0)
			return false;
		v = v << 4 | (unsigned)h;
	}
	c->p += 4;
	*out = v;
	return true;
}

static void put_utf8(buf *b, unsigned cp)
{
	char o[4];
	size_t n;
	if (cp < 0x80) { o[0] = (char)cp; n = 1; }
	else if (cp < 0x800) { o[0] = (char)(0xc0 | cp >> 6); o[1] = (char)(0x80 | (cp & 0x3f)); n = 2; }
	else if (cp < 0x10000) {
		o[0] = (char)(0xe0 | cp >> 12); o[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
		o[2] = (char)(0x80 | (cp & 0x3f)); n = 3;
	} else {
		o[0] = (char)(0xf0 | cp >> 18); o[1] = (char)(0x80 | ((cp >> 12) & 0x3f));
		o[2] = (char)(0x80 | ((cp >> 6) & 0x3f)); o[3] = (char)(0x80 | (cp & 0x3f)); n = 4;
	}
	buf_put(b, o, n);
}

/* Length of the valid UTF-8 sequence at p (1..4), or 0 when invalid. */
static size_t utf8_seq(const unsigned char *p, const unsigned char *end)
{
	unsigned char c0 = p[0];
	size_t n;
	unsigned cp, min;
	if (c0 < 0x80) return 1;
	if ((c0 & 0xe0) == 0xc0) { n = 2; cp = c0 & 0x1f; min = 0x80; }
	else if ((c0 & 0xf0) == 0xe0) { n = 3; cp = c0 & 0x0f; min = 0x800; }
	else if ((c0 & 0xf8) == 0xf0) { n = 4; cp = c0 & 0x07; min = 0x10000; }
	else return 0;
	if ((size_t)(end - p) < n) return 0;
	for (size_t i = 1; i < n; i++) {
		if ((p[i] & 0xc0) != 0x80) return 0;
		cp = cp << 6 | (p[i] & 0x3f);
	}
	if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return 0;
	return n;
}

/* Word-at-a-time scanning (8 bytes per step) over the long runs of plain
 * characters that base64 contents and hex keys are made of. The bit tricks
 * detect "some byte is < n" and "some byte equals c" exactly (no misses);
 * a hit only means "finish byte by byte". */
#define ONES  0x0101010101010101ULL
#define HIGHS 0x8080808080808080ULL
static inline uint64_t has_less(uint64_t w, uint64_t n) { return (w - ONES * n) & ~w & HIGHS; }
static inline uint64_t has_byte(uint64_t w, uint64_t c) { uint64_t x = w ^ (ONES * c); return (x - ONES) & ~x & HIGHS; }

/* Skips bytes 0x20..0x7f other than '"' and '\\' (a string's verbatim ASCII). */
static inline const unsigned char *skip_plain(const unsigned char *p, const unsigned char *end)
{
	while (end - p >= 8) {
		uint64_t w;
		memcpy(&w, p, 8);
		if (has_less(w, 0x20) | (w & HIGHS) | has_byte(w, '"') | has_byte(w, '\\'))
			break;
		p += 8;
	}
	while (p < end && *p != '"' && *p != '\\' && *p >= 0x20 && *p < 0x80)
		p++;
	return p;
}

/* Skips bytes that a string writes verbatim: anything but '"', '\\', < 0x20. */
static inline const unsigned char *skip_verbatim(const unsigned char *p, const unsigned char *end)
{
	while (end - p >= 8) {
		uint64_t w;
		memcpy(&w, p, 8);
		if (has_less(w, 0x20) | has_byte(w, '"') | has_byte(w, '\\'))
			break;
		p += 8;
	}
	while (p < end && *p != '"' && *p != '\\' && *p >= 0x20)
		p++;
	return p;
}

/* Advances over a string's verbatim text (plain ASCII and valid UTF-8) up to
 * its closing quote or a backslash, which is left at c->p. False (error
 * recorded) on the end of input, a raw control character or bad UTF-8. */
static bool scan_verbatim(cursor *c)
{
	for (;;) {
		c->p = skip_plain(c->p, c->end);
		if (c->p >= c->end) {
			fail(c, JSON_ERR_EOF, "unterminated string");
			return false;
		}
		unsigned char ch = *c->p;
		if (ch == '"' || ch == '\\')
			return true;
		if (ch < 0x20) {
			fail(c, JSON_ERR_STRING, "raw control character in string (must be escaped)");
			return false;
		}
		size_t k = utf8_seq(c->p, c->end);
		if (!k) {
			fail(c, JSON_ERR_UTF8, "invalid UTF-8 in string");
			return false;
		}
		c->p += k;
	}
}

static bool decode_escapes(cursor *c);

/* Parses a string at c->p (which points at the opening quote). On success
 * (*out, *n) is the decoded value: a span of the input itself when the string
 * has no escapes (the common case, no copy), otherwise c->tmp. */
static bool parse_string_raw(cursor *c, const char **out, size_t *n)
{
	const unsigned char *start = ++c->p;      /* after the opening quote */
	if (!scan_verbatim(c))
		return false;
	if (*c->p == '"') {
		*out = (const char *)start;
		*n = (size_t)(c->p - start);
		c->p++;
		return true;
	}
	/* a backslash: the verbatim prefix, then decode the rest into c->tmp */
	buf_reset(&c->tmp);
	buf_put(&c->tmp, start, (size_t)(c->p - start));
	if (!decode_escapes(c))
		return false;
	*out = c->tmp.p;
	*n = c->tmp.len;
	return true;
}

/* Continues a string at c->p (a backslash, with the verbatim text before it
 * already in c->tmp) up to and including the closing quote. */
static bool decode_escapes(cursor *c)
{
	for (;;) {
		const unsigned char *run = c->p;
		if (!scan_verbatim(c))
			return false;
		buf_put(&c->tmp, run, (size_t)(c->p - run));
		if (*c->p == '"') {
			c->p++;
			return true;
		}
		/* backslash */
		c->p++;
		if (c->p >= c->end) {
			fail(c, JSON_ERR_EOF, "unterminated escape");
			return false;
		}
		unsigned char ch = *c->p++;
		switch (ch) {
		case '"': buf_putc(&c->tmp, '"'); break;
		case '\\': buf_putc(&c->tmp, '\\'); break;
		case '/': buf_putc(&c->tmp, '/'); break;
		case 'b': buf_putc(&c->tmp, '\b'); break;
		case 'f': buf_putc(&c->tmp, '\f'); break;
		case 'n': buf_putc(&c->tmp, '\n'); break;
		case 'r': buf_putc(&c->tmp, '\r'); break;
		case 't': buf_putc(&c->tmp, '\t'); break;
		case 'u': {
			unsigned cp, lo;
			if (!read_u16(c, &cp)) {
				fail(c, JSON_ERR_STRING, "invalid \\u escape");
				return false;
			}
			bool lenient = c->flags & JSON_LONE_SURROGATE_FFFD;
			if (cp >= 0xdc00 && cp <= 0xdfff) {
				if (lenient) {
					put_utf8(&c->tmp, 0xfffd);
					break;
				}
				fail(c, JSON_ERR_STRING, "lone low surrogate in \\u escape");
				return false;
			}
			if (cp >= 0xd800 && cp <= 0xdbff) {
				if (lenient && (c->end - c->p < 6 || c->p[0] != '\\' || c->p[1] != 'u')) {
					put_utf8(&c->tmp, 0xfffd);
					break;
				}
				if (c->end - c->p < 6 || c->p[0] != '\\' || c->p[1] != 'u') {
					fail(c, JSON_ERR_STRING, "lone high surrogate in \\u escape");
					return false;
				}
				const unsigned char *second = c->p;
				c->p += 2;
				if (!read_u16(c, &lo) || lo < 0xdc00 || lo > 0xdfff) {
					if (lenient) {
						/* lone high surrogate; the next escape stands alone */
						c->p = second;
						put_utf8(&c->tmp, 0xfffd);
						break;
					}
					fail(c, JSON_ERR_STRING, "invalid surrogate pair in \\u escape");
					return false;
				}
				cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
			}
			put_utf8(&c->tmp, cp);
			break;
		}
		default:
			c->p--;
			fail(c, JSON_ERR_STRING, "invalid escape in string");
			return false;
		}
	}
}

static jv parse_string(cursor *c)
{
	const char *v;
	size_t n;
	if (!parse_string_raw(c, &v, &n))
		return jv_invalid();
	if (n >= JSON_BIGINT_PREFIX_LEN && memcmp(v, JSON_BIGINT_PREFIX, JSON_BIGINT_PREFIX_LEN) == 0)
		return fail(c, JSON_ERR_RESERVED, "string starts with the reserved prefix \\u0000#");
	return jv_string_sized(n ? v : "", (int)n);
}

static jv bigint_string(const unsigned char *digits, size_t n)
{
	char tmp[48];
	memcpy(tmp, JSON_BIGINT_PREFIX, JSON_BIGINT_PREFIX_LEN);
	memcpy(tmp + JSON_BIGINT_PREFIX_LEN, digits, n);
	return jv_string_sized(tmp, (int)(n + JSON_BIGINT_PREFIX_LEN));
}

static jv parse_number(cursor *c)
{
	const unsigned char *s = c->p;
	bool neg = false, integer = true;
	if (*c->p == '-') {
		neg = true;
		c->p++;
	}
	if (c->p >= c->end || *c->p < '0' || *c->p > '9')
		return fail(c, JSON_ERR_NUMBER, "invalid number");
	if (*c->p == '0') {
		c->p++;
		if (c->p < c->end && *c->p >= '0' && *c->p <= '9')
			return fail(c, JSON_ERR_NUMBER, "leading zero in number");
	} else {
		while (c->p < c->end && *c->p >= '0' && *c->p <= '9')
			c->p++;
	}
	const unsigned char *int_end = c->p;
	if (c->p < c->end && *c->p == '.') {
		integer = false;
		c->p++;
		if (c->p >= c->end || *c->p < '0' || *c->p > '9')
			return fail(c, JSON_ERR_NUMBER, "digit expected after decimal point");
		while (c->p < c->end && *c->p >= '0' && *c->p <= '9')
			c->p++;
	}
	if (c->p < c->end && (*c->p == 'e' || *c->p == 'E')) {
		integer = false;
		c->p++;
		if (c->p < c->end && (*c->p == '+' || *c->p == '-'))
			c->p++;
		if (c->p >= c->end || *c->p < '0' || *c->p > '9')
			return fail(c, JSON_ERR_NUMBER, "digit expected in exponent");
		while (c->p < c->end && *c->p >= '0' && *c->p <= '9')
			c->p++;
	}
	if (!integer && (c->flags & JSON_INTEGERS_ONLY)) {
		c->p = s;
		return fail(c, JSON_ERR_NOT_INTEGER, "number with fraction or exponent where an integer is required");
	}
	if (!integer && (c->flags & JSON_EXACT_NUMBERS)) {
		size_t n = (size_t)(c->p - s);
		char *lit = mu_xmalloc(n + JSON_BIGINT_PREFIX_LEN + 1);
		memcpy(lit, JSON_BIGINT_PREFIX, JSON_BIGINT_PREFIX_LEN);
		memcpy(lit + JSON_BIGINT_PREFIX_LEN, s, n);
		lit[n + JSON_BIGINT_PREFIX_LEN] = 0;
		if (isinf(strtod(lit + JSON_BIGINT_PREFIX_LEN, NULL))) {
			free(lit);
			c->p = s;
			return fail(c, JSON_ERR_NUMBER, "number out of range");
		}
		jv r = jv_string_sized(lit, (int)(n + JSON_BIGINT_PREFIX_LEN));
		free(lit);
		return r;
	}
	if (integer) {
		const unsigned char *d = s + neg;
		size_t nd = (size_t)(int_end - d);
		/* u64 accumulate; up to 20 digits */
		if (nd <= 20) {
			uint64_t v = 0;
			bool ovf = false;
			for (size_t i = 0; i < nd; i++) {
				uint64_t dig = (uint64_t)(d[i] - '0');
				if (v > (UINT64_MAX - dig) / 10) { ovf = true; break; }
				v = v * 10 + dig;
			}
			if (!ovf) {
				if (v <= (uint64_t)TWO53)
					return jv_number(neg ? -(double)v : (double)v);
				if (!neg || v <= (uint64_t)INT64_MAX + 1)
					return bigint_string(s, (size_t)(int_end - s));
			}
		}
		/* beyond 64 bits: keep it as a (rounded) double, like any JSON reader */
	}
	char tmp[64];
	size_t n = (size_t)(c->p - s);
	double dv;
	if (n >= sizeof tmp) {
		char *heap = mu_xstrndup((const char *)s, n);
		dv = strtod(heap, NULL);
		free(heap);
	} else {
		memcpy(tmp, s, n);
		tmp[n] = 0;
		dv = strtod(tmp, NULL);
	}
	if (isinf(dv))
		return fail(c, JSON_ERR_NUMBER, "number out of range");
	return jv_number(dv);
}

static bool expect_lit(cursor *c, const char *lit, size_t n)
{
	if ((size_t)(c->end - c->p) < n || memcmp(c->p, lit, n) != 0)
		return false;
	c->p += n;
	return true;
}

static jv parse_array(cursor *c)
{
	jv arr = jv_array();
	c->p++;
	skip_ws(c);
	if (c->p < c->end && *c->p == ']') {
		c->p++;
		return arr;
	}
	for (;;) {
		jv v = parse_value(c);
		if (!jv_is_valid(v)) {
			jv_free(arr);
			return v;
		}
		arr = jv_array_append(arr, v);
		skip_ws(c);
		if (c->p >= c->end) {
			jv_free(arr);
			return fail(c, JSON_ERR_EOF, "unterminated array");
		}
		if (*c->p == ',') {
			c->p++;
			continue;
		}
		if (*c->p == ']') {
			c->p++;
			return arr;
		}
		jv_free(arr);
		return fail(c, JSON_ERR_SYNTAX, "expected ',' or ']' in array");
	}
}

static jv parse_object(cursor *c)
{
	jv obj = jv_object();
	c->p++;
	skip_ws(c);
	if (c->p < c->end && *c->p == '}') {
		c->p++;
		return obj;
	}
	for (;;) {
		skip_ws(c);
		if (c->p >= c->end) {
			jv_free(obj);
			return fail(c, JSON_ERR_EOF, "unterminated object");
		}
		if (*c->p != '"') {
			jv_free(obj);
			return fail(c, JSON_ERR_SYNTAX, "expected a string object key");
		}
		const unsigned char *key_at = c->p;
		jv key = parse_string(c);
		if (!jv_is_valid(key)) {
			jv_free(obj);
			return key;
		}
		if (jv_object_has(jv_copy(obj), jv_copy(key))) {
			jv_free(key);
			jv_free(obj);
			c->p = key_at;
			return fail(c, JSON_ERR_DUPLICATE, "duplicate object key");
		}
		skip_ws(c);
		if (c->p >= c->end || *c->p != ':') {
			jv_free(key);
			jv_free(obj);
			return fail(c, c->p >= c->end ? JSON_ERR_EOF : JSON_ERR_SYNTAX,
				    "expected ':' after object key");
		}
		c->p++;
		jv v = parse_value(c);
		if (!jv_is_valid(v)) {
			jv_free(key);
			jv_free(obj);
			return v;
		}
		obj = jv_object_set(obj, key, v);
		skip_ws(c);
		if (c->p >= c->end) {
			jv_free(obj);
			return fail(c, JSON_ERR_EOF, "unterminated object");
		}
		if (*c->p == ',') {
			c->p++;
			continue;
		}
		if (*c->p == '}') {
			c->p++;
			return obj;
		}
		jv_free(obj);
		return fail(c, JSON_ERR_SYNTAX, "expected ',' or '}' in object");
	}
}

static jv parse_value(cursor *c)
{
	skip_ws(c);
	if (c->p >= c->end)
		return fail(c, JSON_ERR_EOF, "value expected");
	switch (*c->p) {
	case '{':
	case '[': {
		if (++c->depth > JSON_MAX_DEPTH)
			return fail(c, JSON_ERR_DEPTH, "nesting too deep");
		jv v = *c->p == '{' ? parse_object(c) : parse_array(c);
		c->depth--;
		return v;
	}
	case '"':
		return parse_string(c);
	case 't':
		if (expect_lit(c, "true", 4)) return jv_true();
		break;
	case 'f':
		if (expect_lit(c, "false", 5)) return jv_false();
		break;
	case 'n':
		if (expect_lit(c, "null", 4)) return jv_null();
		break;
	default:
		if (*c->p == '-' || (*c->p >= '0' && *c->p <= '9'))
			return parse_number(c);
	}
	return fail(c, JSON_ERR_SYNTAX, "unexpected character");
}

jv json_parse(const char *text, size_t len, int flags, json_error *err)
{
	json_error local;
	cursor c = {
		.p = (const unsigned char *)text, .start = (const unsigned char *)text,
		.end = (const unsigned char *)text + len, .flags = flags,
		.err = err ? err : &local, .tmp = BUF_INIT,
	};
	c.err->code = JSON_OK;
	c.err->offset = 0;
	c.err->msg[0] = 0;
	skip_ws(&c);
	if (c.p >= c.end) {
		fail(&c, JSON_ERR_EMPTY, "empty input");
		buf_free(&c.tmp);
		return jv_invalid();
	}
	jv v = parse_value(&c);
	if (jv_is_valid(v)) {
		skip_ws(&c);
		if (c.p < c.end) {
			jv_free(v);
			v = fail(&c, JSON_ERR_TRAILING, "trailing characters after the JSON value");
		}
	}
	buf_free(&c.tmp);
	return v;
}

/* ------------------------------------------------------------ cursor API */

void json_cursor_init(json_cursor *c, const char *text, size_t len, int flags, json_error *err)
{
	memset(c, 0, sizeof *c);
	c->p = c->start = (const unsigned char *)text;
	c->end = c->p + len;
	c->flags = flags;
	c->err = err ? err : &c->own_err;
	c->err->code = JSON_OK;
	c->err->offset = 0;
	c->err->msg[0] = 0;
}

void json_cursor_free(json_cursor *c)
{
	buf_free(&c->tmp);
}

void json_cursor_fail(json_cursor *c, json_err code, const char *what)
{
	fail(c, code, what);
}

static bool cursor_ok(json_cursor *c)
{
	return c->err->code == JSON_OK;
}

char json_cursor_peek(json_cursor *c)
{
	skip_ws(c);
	return c->p < c->end ? (char)*c->p : 0;
}

bool json_cursor_begin(json_cursor *c, char open)
{
	if (!cursor_ok(c))
		return false;
	skip_ws(c);
	if (c->p >= c->end) {
		fail(c, c->p == c->start ? JSON_ERR_EMPTY : JSON_ERR_EOF,
		     open == '{' ? "object expected" : "array expected");
		return false;
	}
	if (*c->p != (unsigned char)open) {
		fail(c, JSON_ERR_SYNTAX, open == '{' ? "object expected" : "array expected");
		return false;
	}
	if (++c->depth > JSON_MAX_DEPTH) {
		fail(c, JSON_ERR_DEPTH, "nesting too deep");
		return false;
	}
	c->p++;
	return true;
}

int json_cursor_more(json_cursor *c, char close, size_t index)
{
	if (!cursor_ok(c))
		return -1;
	skip_ws(c);
	if (c->p >= c->end) {
		fail(c, JSON_ERR_EOF, close == '}' ? "unterminated object" : "unterminated array");
		return -1;
	}
	if (*c->p == (unsigned char)close) {
		c->p++;
		c->depth--;
		return 0;
	}
	if (index > 0) {
		if (*c->p != ',') {
			fail(c, JSON_ERR_SYNTAX, close == '}' ? "expected ',' or '}' in object"
							      : "expected ',' or ']' in array");
			return -1;
		}
		c->p++;
		skip_ws(c);
		if (c->p < c->end && *c->p == (unsigned char)close) {
			fail(c, JSON_ERR_SYNTAX, "trailing comma");
			return -1;
		}
	}
	return 1;
}

bool json_cursor_key(json_cursor *c, const char **key, size_t *len)
{
	if (!cursor_ok(c))
		return false;
	skip_ws(c);
	if (c->p >= c->end || *c->p != '"') {
		fail(c, c->p >= c->end ? JSON_ERR_EOF : JSON_ERR_SYNTAX, "expected a string object key");
		return false;
	}
	if (!parse_string_raw(c, key, len))
		return false;
	if (*len >= JSON_BIGINT_PREFIX_LEN && memcmp(*key, JSON_BIGINT_PREFIX, JSON_BIGINT_PREFIX_LEN) == 0) {
		fail(c, JSON_ERR_RESERVED, "string starts with the reserved prefix \\u0000#");
		return false;
	}
	skip_ws(c);
	if (c->p >= c->end || *c->p != ':') {
		fail(c, c->p >= c->end ? JSON_ERR_EOF : JSON_ERR_SYNTAX, "expected ':' after object key");
		return false;
	}
	c->p++;
	return true;
}

bool json_cursor_string(json_cursor *c, const char **s, size_t *len)
{
	if (!cursor_ok(c))
		return false;
	skip_ws(c);
	if (c->p >= c->end || *c->p != '"') {
		fail(c, c->p >= c->end ? JSON_ERR_EOF : JSON_ERR_SYNTAX, "string expected");
		return false;
	}
	if (!parse_string_raw(c, s, len))
		return false;
	if (*len >= JSON_BIGINT_PREFIX_LEN && memcmp(*s, JSON_BIGINT_PREFIX, JSON_BIGINT_PREFIX_LEN) == 0) {
		fail(c, JSON_ERR_RESERVED, "string starts with the reserved prefix \\u0000#");
		return false;
	}
	return true;
}

bool json_cursor_uint(json_cursor *c, uint64_t *v)
{
	if (!cursor_ok(c))
		return false;
	skip_ws(c);
	const unsigned char *s = c->p;
	if (c->p >= c->end || *c->p < '0' || *c->p > '9') {
		fail(c, c->p >= c->end ? JSON_ERR_EOF : JSON_ERR_NUMBER, "unsigned integer expected");
		return false;
	}
	uint64_t r = 0;
	if (*c->p == '0') {
		c->p++;
	} else {
		while (c->p < c->end && *c->p >= '0' && *c->p <= '9') {
			uint64_t d = (uint64_t)(*c->p - '0');
			if (r > (UINT64_MAX - d) / 10) {
				c->p = s;
				fail(c, JSON_ERR_NUMBER, "integer out of range");
				return false;
			}
			r = r * 10 + d;
			c->p++;
		}
	}
	if (c->p < c->end && ((*c->p >= '0' && *c->p <= '9') || *c->p == '.' || *c->p == 'e' || *c->p == 'E')) {
		bool lead0 = *c->p >= '0' && *c->p <= '9';
		c->p = s;
		fail(c, lead0 ? JSON_ERR_NUMBER : JSON_ERR_NOT_INTEGER,
		     lead0 ? "leading zero in number" : "number with fraction or exponent where an integer is required");
		return false;
	}
	*v = r;
	return true;
}

jv json_cursor_value(json_cursor *c)
{
	if (!cursor_ok(c))
		return jv_invalid();
	return parse_value(c);
}

bool json_cursor_skip(json_cursor *c)
{
	jv v = json_cursor_value(c);
	bool ok = jv_is_valid(v);
	jv_free(v);
	return ok;
}

bool json_cursor_end(json_cursor *c)
{
	if (!cursor_ok(c))
		return false;
	skip_ws(c);
	if (c->p < c->end) {
		fail(c, JSON_ERR_TRAILING, "trailing characters after the JSON value");
		return false;
	}
	return true;
}

/* ---------------------------------------------------------------- writer */

void json_write_string(buf *b, const char *s, size_t n)
{
	static const char hexd[] = "0123456789abcdef";
	const unsigned char *p = (const unsigned char *)s, *end = p + n;
	buf_reserve(b, n + 2);
	buf_putc(b, '"');
	for (;;) {
		const unsigned char *run = p;
		p = skip_verbatim(p, end);
		buf_put(b, run, (size_t)(p - run));
		if (p >= end)
			break;
		unsigned char ch = *p++;
		switch (ch) {
		case '"': buf_put(b, "\\\"", 2); break;
		case '\\': buf_put(b, "\\\\", 2); break;
		case '\b': buf_put(b, "\\b", 2); break;
		case '\t': buf_put(b, "\\t", 2); break;
		case '\n': buf_put(b, "\\n", 2); break;
		case '\f': buf_put(b, "\\f", 2); break;
		case '\r': buf_put(b, "\\r", 2); break;
		default: {
			char u[6] = {'\\', 'u', '0', '0', hexd[ch >> 4], hexd[ch & 15]};
			buf_put(b, u, 6);
		}
		}
	}
	buf_putc(b, '"');
}

/* Shortest digits that round-trip: fills digits[] and returns the decimal
 * exponent such that value = 0.d1d2d3... x 10^exp10 (like %e with shifted exp). */
static int shortest_digits(double d, char *digits, int *ndigits)
{
	char tmp[40];
	for (int prec = 1; prec <= 17; prec++) {
		snprintf(tmp, sizeof tmp, "%.*e", prec - 1, d);
		if (strtod(tmp, NULL) == d || prec == 17)
			break;
	}
	/* tmp = "d.ddde[+-]XX" */
	int n = 0;
	char *e = strchr(tmp, 'e');
	for (char *q = tmp; q < e; q++)
		if (*q >= '0' && *q <= '9')
			digits[n++] = *q;
	while (n > 1 && digits[n - 1] == '0')
		n--;
	digits[n] = 0;
	*ndigits = n;
	return atoi(e + 1) + 1;
}

/* style 0: JavaScript Number#toString; 1: serde/ryu; 2: Rust Display */
static void write_double(buf *b, double d, int style)
{
	if (isnan(d) || isinf(d)) {
		buf_puts(b, "null");
		return;
	}
	if (d == 0) {
		buf_puts(b, style == 1 ? (signbit(d) ? "-0.0" : "0.0") : (style == 2 && signbit(d) ? "-0" : "0"));
		return;
	}
	if (d < 0) {
		buf_putc(b, '-');
		d = -d;
	}
	char dig[24];
	int nd;
	int k = shortest_digits(d, dig, &nd); /* value = 0.dig x 10^k */
	bool expo;
	if (style == 2)
		expo = false;
	else if (style == 1)
		expo = k < -4 || k > 16;     /* ryu/serde: 1e-5 .. 1e16 plain */
	else
		expo = k < -5 || k > 21;     /* JS: 1e-7 .. 1e21 plain */
	if (expo) {
		buf_putc(b, dig[0]);
		if (nd > 1) {
			buf_putc(b, '.');
			buf_put(b, dig + 1, (size_t)nd - 1);
		} else if (style == 1) {
			/* ryu prints "1e21", no ".0" before an exponent */
		}
		buf_printf(b, style == 0 && k - 1 > 0 ? "e+%d" : "e%d", k - 1);
		return;
	}
	if (k <= 0) {
		buf_puts(b, "0.");
		for (int i = 0; i < -k; i++)
			buf_putc(b, '0');
		buf_put(b, dig, (size_t)nd);
	} else if (k >= nd) {
		buf_put(b, dig, (size_t)nd);
		for (int i = nd; i < k; i++)
			buf_putc(b, '0');
		if (style == 1)
			buf_puts(b, ".0");
	} else {
		buf_put(b, dig, (size_t)k);
		buf_putc(b, '.');
		buf_put(b, dig + k, (size_t)(nd - k));
	}
}

void json_write_f64_serde(buf *b, double d) { write_double(b, d, 1); }
void json_write_f64_display(buf *b, double d) { write_double(b, d, 2); }

static void write_number(buf *b, double d)
{
	if (d == floor(d) && fabs(d) < 9.2e18) {
		buf_put_i64(b, (int64_t)d);
		return;
	}
	write_double(b, d, 0);
}

void json_write(buf *b, jv v)
{
	switch (jv_get_kind(v)) {
	case JV_KIND_NULL: buf_puts(b, "null"); break;
	case JV_KIND_TRUE: buf_puts(b, "true"); break;
	case JV_KIND_FALSE: buf_puts(b, "false"); break;
	case JV_KIND_NUMBER: write_number(b, jv_number_value(v)); break;
	case JV_KIND_STRING: {
		const char *s = jv_string_value(v);
		size_t n = (size_t)jv_string_length_bytes(jv_copy(v));
		if (n > JSON_BIGINT_PREFIX_LEN && memcmp(s, JSON_BIGINT_PREFIX, JSON_BIGINT_PREFIX_LEN) == 0)
			buf_put(b, s + JSON_BIGINT_PREFIX_LEN, n - JSON_BIGINT_PREFIX_LEN);
		else
			json_write_string(b, s, n);
		break;
	}
	case JV_KIND_ARRAY: {
		buf_putc(b, '[');
		int n = jv_array_length(jv_copy(v));
		for (int i = 0; i < n; i++) {
			if (i)
				buf_putc(b, ',');
			jv e = jv_array_get(jv_copy(v), i);
			json_write(b, e);
			jv_free(e);
		}
		buf_putc(b, ']');
		break;
	}
	case JV_KIND_OBJECT: {
		buf_putc(b, '{');
		bool first = true;
		jv_object_foreach(v, key, val) {
			if (!first)
				buf_putc(b, ',');
			first = false;
			json_write_string(b, jv_string_value(key), (size_t)jv_string_length_bytes(jv_copy(key)));
			buf_putc(b, ':');
			json_write(b, val);
			jv_free(key);
			jv_free(val);
		}
		buf_putc(b, '}');
		break;
	}
	default:
		buf_puts(b, "null");
	}
}

char *json_dumps(jv v)
{
	buf b = BUF_INIT;
	json_write(&b, v);
	return buf_steal(&b);
}

/* --------------------------------------------------------------- helpers */

bool json_is_kind(jv v, jv_kind k)
{
	return jv_get_kind(v) == k;
}

bool json_is_bigint(jv v)
{
	if (jv_get_kind(v) != JV_KIND_STRING)
		return false;
	/* length first: an empty string's s[0] is the NUL that starts the prefix,
	 * and s[1] would be read past the end */
	if (jv_string_length_bytes(jv_copy(v)) <= JSON_BIGINT_PREFIX_LEN)
		return false;
	const char *s = jv_string_value(v);
	return s[0] == JSON_BIGINT_PREFIX[0] && s[1] == JSON_BIGINT_PREFIX[1];
}

static bool literal_text(jv v, const char **s, size_t *n)
{
	if (!json_is_bigint(v))
		return false;
	*s = jv_string_value(v) + JSON_BIGINT_PREFIX_LEN;
	*n = (size_t)jv_string_length_bytes(jv_copy(v)) - JSON_BIGINT_PREFIX_LEN;
	return true;
}

/* A kept literal that is an integer: optional '-', then digits only. */
static bool bigint_digits(jv v, const char **s, size_t *n)
{
	if (!literal_text(v, s, n))
		return false;
	for (size_t i = (*s)[0] == '-'; i < *n; i++)
		if ((*s)[i] < '0' || (*s)[i] > '9')
			return false;
	return true;
}

bool json_is_float_literal(jv v)
{
	const char *s;
	size_t n;
	return literal_text(v, &s, &n) && !bigint_digits(v, &s, &n);
}

bool json_get_f64(jv v, double *out)
{
	const char *s;
	size_t n;
	if (jv_get_kind(v) == JV_KIND_NUMBER) {
		*out = jv_number_value(v);
		return true;
	}
	if (!literal_text(v, &s, &n))
		return false;
	*out = strtod(s, NULL);    /* the jv string is NUL-terminated after the literal */
	return true;
}

bool json_get_u64(jv v, uint64_t *out)
{
	const char *s;
	size_t n;
	if (jv_get_kind(v) == JV_KIND_NUMBER) {
		/* beyond 2^53 a double may be a rounded literal (12157665459056928801.0
		 * or 1e17): exact integers that large are big-integer strings */
		double d = jv_number_value(v);
		if (signbit(d) || d != floor(d) || d > TWO53)   /* -0 too: not an integer */
			return false;
		*out = (uint64_t)d;
		return true;
	}
	if (!bigint_digits(v, &s, &n) || s[0] == '-')
		return false;
	uint64_t r = 0;
	for (size_t i = 0; i < n; i++) {
		uint64_t dig = (uint64_t)(s[i] - '0');
		if (r > (UINT64_MAX - dig) / 10)
			return false;
		r = r * 10 + dig;
	}
	*out = r;
	return true;
}

bool json_get_i64(jv v, int64_t *out)
{
	const char *s;
	size_t n;
	if (jv_get_kind(v) == JV_KIND_NUMBER) {
		double d = jv_number_value(v);
		if (d != floor(d) || d > TWO53 || d < -TWO53 || (d == 0 && signbit(d)))
			return false;
		*out = (int64_t)d;
		return true;
	}
	if (!bigint_digits(v, &s, &n))
		return false;
	bool neg = s[0] == '-';
	uint64_t r = 0;
	for (size_t i = neg; i < n; i++) {
		uint64_t dig = (uint64_t)(s[i] - '0');
		if (r > (UINT64_MAX - dig) / 10)
			return false;
		r = r * 10 + dig;
	}
	if (neg) {
		if (r > (uint64_t)INT64_MAX + 1)
			return false;
		*out = (int64_t)(0 - r);
	} else {
		if (r > (uint64_t)INT64_MAX)
			return false;
		*out = (int64_t)r;
	}
	return true;
}

bool json_is_integer(jv v)
{
	int64_t i;
	uint64_t u;
	return json_get_i64(v, &i) || json_get_u64(v, &u);
}

jv json_from_u64(uint64_t v)
{
	if (v <= (uint64_t)TWO53)
		return jv_number((double)v);
	char d[24];
	int n = snprintf(d, sizeof d, "%llu", (unsigned long long)v);
	return bigint_string((const unsigned char *)d, (size_t)n);
}

jv json_from_i64(int64_t v)
{
	if (v >= -(int64_t)TWO53 && v <= (int64_t)TWO53)
		return jv_number((double)v);
	char d[24];
	int n = snprintf(d, sizeof d, "%lld", (long long)v);
	return bigint_string((const unsigned char *)d, (size_t)n);
}

jv json_get(jv obj, const char *key)
{
	if (jv_get_kind(obj) != JV_KIND_OBJECT)
		return jv_invalid();
	/* one lookup: jv_object_get gives a message-less invalid for a
	 * missing key */
	return jv_object_get(jv_copy(obj), jv_string(key));
}

bool json_has(jv obj, const char *key)
{
	if (jv_get_kind(obj) != JV_KIND_OBJECT)
		return false;
	return jv_object_has(jv_copy(obj), jv_string(key));
}

const char *json_str(jv v, size_t *len)
{
	if (jv_get_kind(v) != JV_KIND_STRING || json_is_bigint(v))
		return NULL;
	if (len)
		*len = (size_t)jv_string_length_bytes(jv_copy(v));
	return jv_string_value(v);
}

const char *json_get_str(jv obj, const char *key, size_t *len)
{
	jv v = json_get(obj, key);
	const char *s = json_str(v, len);
	jv_free(v);     /* obj still holds a reference, so s stays valid */
	return s;
}
