/* toml.c — strict TOML 1.0 reader (see toml.h).
 *
 * One pass over the text after a UTF-8 check. Tables remember how they were
 * made (flags) so the redefinition rules of TOML 1.0 can be enforced:
 *   T_HEADER  written as [x] (or an element of [[x]])
 *   T_IMPLIED made as a parent of a longer [x.y] header
 *   T_DOTTED  made by a dotted key (a.b = 1)
 *   T_INLINE  an inline table or a table inside one: closed for additions
 *   T_AOT     an array made by [[x]] (only those take more [[x]] elements)
 */
#include "toml.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"

enum { T_HEADER = 1, T_IMPLIED = 2, T_DOTTED = 4, T_INLINE = 8, T_AOT = 16 };

static const char *const type_names[TOML_TYPE_COUNT] = {
	[TOML_STRING] = "string",
	[TOML_INTEGER] = "integer",
	[TOML_FLOAT] = "float",
	[TOML_BOOL] = "boolean",
	[TOML_DATETIME] = "date-time",
	[TOML_ARRAY] = "array",
	[TOML_TABLE] = "table",
};

const char *toml_type_name(toml_type t)
{
	return (unsigned)t < TOML_TYPE_COUNT ? type_names[t] : "unknown";
}

static const char *const err_names[TOML_ERR_COUNT] = {
	[TOML_OK] = "ok",
	[TOML_ERR_SYNTAX] = "syntax error",
	[TOML_ERR_UTF8] = "invalid UTF-8",
	[TOML_ERR_CONTROL] = "control character not allowed here",
	[TOML_ERR_STRING] = "invalid string",
	[TOML_ERR_NUMBER] = "invalid number",
	[TOML_ERR_RANGE] = "number out of range",
	[TOML_ERR_DATETIME] = "invalid date or time",
	[TOML_ERR_NO_VALUE] = "key without a value",
	[TOML_ERR_DUPLICATE] = "defined twice",
	[TOML_ERR_DEPTH] = "nested too deeply",
};

const char *toml_strerror(toml_err e)
{
	return (unsigned)e < TOML_ERR_COUNT ? err_names[e] : "unknown error";
}

/* ------------------------------------------------------------------ nodes */

static toml_value *node_new(toml_type t, unsigned line, unsigned col)
{
	toml_value *v = mu_xmalloc(sizeof *v);
	memset(v, 0, sizeof *v);
	v->type = t;
	v->line = line;
	v->col = col;
	return v;
}

static void wipe_free(void *p, size_t n)
{
	if (!p)
		return;
	volatile unsigned char *q = p;
	while (n--)
		*q++ = 0;
	free(p);
}

void toml_free(toml_value *v)
{
	if (!v)
		return;
	switch (v->type) {
	case TOML_STRING:
	case TOML_DATETIME:
		wipe_free(v->u.s.p, v->u.s.len + 1);
		break;
	case TOML_ARRAY:
		for (size_t i = 0; i < v->u.arr.n; i++)
			toml_free(v->u.arr.items[i]);
		free(v->u.arr.items);
		break;
	case TOML_TABLE:
		for (size_t i = 0; i < v->u.tab.n; i++) {
			wipe_free(v->u.tab.kv[i].key, v->u.tab.kv[i].keylen + 1);
			toml_free(v->u.tab.kv[i].value);
		}
		free(v->u.tab.kv);
		break;
	default:
		break;
	}
	wipe_free(v, sizeof *v);
}

static toml_value *table_find(const toml_value *t, const char *key, size_t n)
{
	for (size_t i = 0; i < t->u.tab.n; i++)
		if (t->u.tab.kv[i].keylen == n && memcmp(t->u.tab.kv[i].key, key, n) == 0)
			return t->u.tab.kv[i].value;
	return NULL;
}

/* Takes key (malloc'd, n bytes + NUL) and v. */
static void table_add(toml_value *t, char *key, size_t n, toml_value *v)
{
	if (t->u.tab.n == t->u.tab.cap) {
		t->u.tab.cap = t->u.tab.cap ? t->u.tab.cap * 2 : 8;
		t->u.tab.kv = mu_xrealloc(t->u.tab.kv, t->u.tab.cap * sizeof *t->u.tab.kv);
	}
	t->u.tab.kv[t->u.tab.n++] = (toml_kv){key, n, v};
}

static void array_add(toml_value *a, toml_value *v)
{
	if (a->u.arr.n == a->u.arr.cap) {
		a->u.arr.cap = a->u.arr.cap ? a->u.arr.cap * 2 : 4;
		a->u.arr.items = mu_xrealloc(a->u.arr.items, a->u.arr.cap * sizeof *a->u.arr.items);
	}
	a->u.arr.items[a->u.arr.n++] = v;
}

const toml_value *toml_get(const toml_value *t, const char *key)
{
	if (!t || t->type != TOML_TABLE || !key)
		return NULL;
	return table_find(t, key, strlen(key));
}

const toml_value *toml_path(const toml_value *root, const char *path)
{
	const toml_value *v = root;
	while (v && path) {
		const char *dot = strchr(path, '.');
		size_t n = dot ? (size_t)(dot - path) : strlen(path);
		if (v->type != TOML_TABLE)
			return NULL;
		v = table_find(v, path, n);
		path = dot ? dot + 1 : NULL;
	}
	return v;
}

size_t toml_len(const toml_value *v)
{
	if (!v)
		return 0;
	if (v->type == TOML_TABLE)
		return v->u.tab.n;
	if (v->type == TOML_ARRAY)
		return v->u.arr.n;
	return 0;
}

const toml_kv *toml_table_at(const toml_value *t, size_t i)
{
	if (!t || t->type != TOML_TABLE || i >= t->u.tab.n)
		return NULL;
	return &t->u.tab.kv[i];
}

const toml_value *toml_array_at(const toml_value *a, size_t i)
{
	if (!a || a->type != TOML_ARRAY || i >= a->u.arr.n)
		return NULL;
	return a->u.arr.items[i];
}

bool toml_table_explicit(const toml_value *t)
{
	return t && t->type == TOML_TABLE && (t->flags & (T_HEADER | T_INLINE));
}

/* ----------------------------------------------------------------- parser */

typedef struct parser {
	const unsigned char *s;
	size_t      len, pos;
	int         depth;
	toml_error *err;
	/* position cache for line/column (positions asked for mostly increase) */
	size_t      c_pos, c_line_start;
	unsigned    c_line;
} parser;

static void linecol(parser *p, size_t pos, unsigned *line, unsigned *col)
{
	if (pos < p->c_pos) {
		p->c_pos = 0;
		p->c_line = 1;
		p->c_line_start = 0;
	}
	for (; p->c_pos < pos && p->c_pos < p->len; p->c_pos++)
		if (p->s[p->c_pos] == '\n') {
			p->c_line++;
			p->c_line_start = p->c_pos + 1;
		}
	unsigned c = 1;
	for (size_t i = p->c_line_start; i < pos && i < p->len; i++)
		if ((p->s[i] & 0xC0) != 0x80)
			c++;
	*line = p->c_line;
	*col = c;
}

__attribute__((format(printf, 4, 5)))
static bool fail_at(parser *p, size_t pos, toml_err code, const char *fmt, ...)
{
	if (p->err->code != TOML_OK)
		return false;
	p->err->code = code;
	linecol(p, pos, &p->err->line, &p->err->col);
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(p->err->msg, sizeof p->err->msg, fmt, ap);
	va_end(ap);
	return false;
}

#define FAIL(p, code, ...) fail_at((p), (p)->pos, (code), __VA_ARGS__)

static int peek(const parser *p)
{
	return p->pos < p->len ? p->s[p->pos] : -1;
}

static int peek_at(const parser *p, size_t off)
{
	return p->pos + off < p->len ? p->s[p->pos + off] : -1;
}

static bool at_eof(const parser *p)
{
	return p->pos >= p->len;
}

static void skip_ws(parser *p)
{
	while (!at_eof(p) && (p->s[p->pos] == ' ' || p->s[p->pos] == '\t'))
		p->pos++;
}

/* A newline: LF or CRLF. Consumes it. */
static bool eat_newline(parser *p)
{
	if (peek(p) == '\n') {
		p->pos++;
		return true;
	}
	if (peek(p) == '\r' && peek_at(p, 1) == '\n') {
		p->pos += 2;
		return true;
	}
	return false;
}

static bool is_newline_start(const parser *p)
{
	return peek(p) == '\n' || (peek(p) == '\r' && peek_at(p, 1) == '\n');
}

/* A comment from '#' to the end of the line (the newline not consumed). */
static bool comment(parser *p)
{
	p->pos++; /* '#' */
	while (!at_eof(p) && !is_newline_start(p)) {
		unsigned char c = p->s[p->pos];
		if ((c < 0x20 && c != '\t') || c == 0x7F)
			return FAIL(p, TOML_ERR_CONTROL, "control character U+%04X in a comment", c);
		p->pos++;
	}
	return true;
}

/* Whitespace, comments and newlines (inside arrays). */
static bool skip_ws_comments_newlines(parser *p)
{
	for (;;) {
		skip_ws(p);
		if (peek(p) == '#') {
			if (!comment(p))
				return false;
		} else if (!eat_newline(p)) {
			return true;
		}
	}
}

/* After a key/value or header: optional spaces and comment, then newline or EOF. */
static bool end_of_line(parser *p, const char *after)
{
	skip_ws(p);
	if (peek(p) == '#' && !comment(p))
		return false;
	if (at_eof(p) || eat_newline(p))
		return true;
	return FAIL(p, TOML_ERR_SYNTAX, "expected the end of the line after %s", after);
}

/* ---------------------------------------------------------------- UTF-8 */

/* Length of the valid UTF-8 sequence at s[0..n), or 0. */
static size_t utf8_len(const unsigned char *s, size_t n)
{
	unsigned char c = s[0];
	if (c < 0x80)
		return 1;
	size_t k;
	uint32_t cp, min;
	if (c >= 0xC2 && c <= 0xDF) {
		k = 2; cp = c & 0x1F; min = 0x80;
	} else if (c >= 0xE0 && c <= 0xEF) {
		k = 3; cp = c & 0x0F; min = 0x800;
	} else if (c >= 0xF0 && c <= 0xF4) {
		k = 4; cp = c & 0x07; min = 0x10000;
	} else {
		return 0;
	}
	if (n < k)
		return 0;
	for (size_t i = 1; i < k; i++) {
		if ((s[i] & 0xC0) != 0x80)
			return 0;
		cp = cp << 6 | (s[i] & 0x3F);
	}
	if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
		return 0;
	return k;
}

static bool check_utf8(parser *p)
{
	size_t i = 0;
	while (i < p->len) {
		size_t k = utf8_len(p->s + i, p->len - i);
		if (!k)
			return fail_at(p, i, TOML_ERR_UTF8, "invalid UTF-8 byte 0x%02X", p->s[i]);
		i += k;
	}
	return true;
}

static void put_utf8(buf *b, uint32_t cp)
{
	char o[4];
	size_t n;
	if (cp < 0x80) {
		o[0] = (char)cp; n = 1;
	} else if (cp < 0x800) {
		o[0] = (char)(0xC0 | cp >> 6); o[1] = (char)(0x80 | (cp & 0x3F)); n = 2;
	} else if (cp < 0x10000) {
		o[0] = (char)(0xE0 | cp >> 12); o[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
		o[2] = (char)(0x80 | (cp & 0x3F)); n = 3;
	} else {
		o[0] = (char)(0xF0 | cp >> 18); o[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
		o[2] = (char)(0x80 | ((cp >> 6) & 0x3F)); o[3] = (char)(0x80 | (cp & 0x3F)); n = 4;
	}
	buf_put(b, o, n);
}

/* -------------------------------------------------------------- strings */

static bool is_bad_control(unsigned char c)
{
	return (c < 0x20 && c != '\t') || c == 0x7F;
}

static int hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

static bool escape(parser *p, buf *out)
{
	size_t at = p->pos;
	p->pos++; /* backslash */
	int c = peek(p);
	const char *simple = NULL;
	switch (c) {
	case 'b': simple = "\b"; break;
	case 't': simple = "\t"; break;
	case 'n': simple = "\n"; break;
	case 'f': simple = "\f"; break;
	case 'r': simple = "\r"; break;
	case '"': simple = "\""; break;
	case '\\': simple = "\\"; break;
	case 'u':
	case 'U': {
		int digits = c == 'u' ? 4 : 8;
		uint32_t cp = 0;
		p->pos++;
		for (int i = 0; i < digits; i++) {
			int h = hexval(peek(p));
			if (h < 0)
				return fail_at(p, at, TOML_ERR_STRING, "\\%c needs %d hex digits", c, digits);
			cp = cp << 4 | (uint32_t)h;
			p->pos++;
		}
		if (cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
			return fail_at(p, at, TOML_ERR_STRING, "\\%c%0*X is not a Unicode scalar value",
				       c, digits, (unsigned)cp);
		put_utf8(out, cp);
		return true;
	}
	default:
		if (c < 0)
			return fail_at(p, at, TOML_ERR_STRING, "unterminated string");
		if (c >= 0x20 && c < 0x7F)
			return fail_at(p, at, TOML_ERR_STRING, "invalid escape \\%c", c);
		return fail_at(p, at, TOML_ERR_STRING, "invalid escape");
	}
	buf_put(out, simple, 1);
	p->pos++;
	return true;
}

/* Copies one (valid UTF-8) character at p->pos into out. */
static void copy_char(parser *p, buf *out)
{
	size_t k = utf8_len(p->s + p->pos, p->len - p->pos);
	buf_put(out, p->s + p->pos, k);
	p->pos += k;
}

/* "..." (one line). p->pos at the opening quote. */
static bool basic_string(parser *p, buf *out)
{
	size_t start = p->pos;
	p->pos++;
	for (;;) {
		int c = peek(p);
		if (c < 0)
			return fail_at(p, start, TOML_ERR_STRING, "unterminated string");
		if (c == '"') {
			p->pos++;
			return true;
		}
		if (c == '\\') {
			if (!escape(p, out))
				return false;
			continue;
		}
		if (c == '\n' || c == '\r')
			return FAIL(p, TOML_ERR_STRING, "newline in a one-line string (use \"\"\" for several lines)");
		if (is_bad_control((unsigned char)c))
			return FAIL(p, TOML_ERR_CONTROL, "control character U+%04X in a string (escape it)", c);
		copy_char(p, out);
	}
}

/* '...' (one line, no escapes). */
static bool literal_string(parser *p, buf *out)
{
	size_t start = p->pos;
	p->pos++;
	for (;;) {
		int c = peek(p);
		if (c < 0)
			return fail_at(p, start, TOML_ERR_STRING, "unterminated string");
		if (c == '\'') {
			p->pos++;
			return true;
		}
		if (c == '\n' || c == '\r')
			return FAIL(p, TOML_ERR_STRING, "newline in a one-line string (use ''' for several lines)");
		if (is_bad_control((unsigned char)c))
			return FAIL(p, TOML_ERR_CONTROL, "control character U+%04X in a string", c);
		copy_char(p, out);
	}
}

/* """...""" or '''...'''. p->pos at the first of the three quotes. */
static bool multiline_string(parser *p, buf *out, char q)
{
	size_t start = p->pos;
	p->pos += 3;
	eat_newline(p); /* a newline right after the opening quotes is trimmed */
	for (;;) {
		int c = peek(p);
		if (c < 0)
			return fail_at(p, start, TOML_ERR_STRING, "unterminated multi-line string");
		if (c == q && peek_at(p, 1) == q && peek_at(p, 2) == q) {
			/* up to two more quotes belong to the content */
			size_t run = 3;
			while (run < 5 && peek_at(p, run) == q)
				run++;
			if (peek_at(p, run) == q)
				return FAIL(p, TOML_ERR_STRING, "too many quotes in a row in a multi-line string");
			for (size_t i = 3; i < run; i++)
				buf_putc(out, q);
			p->pos += run;
			return true;
		}
		if (q == '"' && c == '\\') {
			/* line-ending backslash: trims whitespace and newlines that follow */
			size_t save = p->pos;
			p->pos++;
			skip_ws(p);
			if (is_newline_start(p)) {
				while (is_newline_start(p) || peek(p) == ' ' || peek(p) == '\t')
					if (!eat_newline(p))
						p->pos++;
				continue;
			}
			p->pos = save;
			if (!escape(p, out))
				return false;
			continue;
		}
		if (c == '\r') {
			if (peek_at(p, 1) != '\n')
				return FAIL(p, TOML_ERR_CONTROL, "bare carriage return in a string");
			buf_put(out, "\r\n", 2);
			p->pos += 2;
			continue;
		}
		if (c != '\n' && is_bad_control((unsigned char)c))
			return FAIL(p, TOML_ERR_CONTROL, "control character U+%04X in a string", c);
		copy_char(p, out);
	}
}

/* Any string value; out receives the decoded bytes. */
static bool string_value(parser *p, buf *out)
{
	char q = (char)peek(p);
	if (peek_at(p, 1) == q && peek_at(p, 2) == q)
		return multiline_string(p, out, q);
	return q == '"' ? basic_string(p, out) : literal_string(p, out);
}

/* ------------------------------------------------------------------ keys */

static bool is_bare_key_char(int c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
	       c == '_' || c == '-';
}

/* One simple key into out (reset first). */
static bool simple_key(parser *p, buf *out)
{
	buf_reset(out);
	int c = peek(p);
	if (c == '"' || c == '\'') {
		if (peek_at(p, 1) == c && peek_at(p, 2) == c)
			return FAIL(p, TOML_ERR_SYNTAX, "a key cannot be a multi-line string");
		return c == '"' ? basic_string(p, out) : literal_string(p, out);
	}
	if (!is_bare_key_char(c)) {
		if (c < 0 || c == '\n' || c == '\r' || c == '=')
			return FAIL(p, TOML_ERR_SYNTAX, "expected a key");
		if (c >= 0x20 && c < 0x7F)
			return FAIL(p, TOML_ERR_SYNTAX, "unexpected '%c' where a key was expected", c);
		return FAIL(p, TOML_ERR_SYNTAX, "unexpected character where a key was expected");
	}
	while (is_bare_key_char(peek(p)))
		buf_putc(out, (char)p->s[p->pos++]);
	return true;
}

typedef struct keypath {
	buf    seg[TOML_MAX_DEPTH];
	size_t pos[TOML_MAX_DEPTH];   /* where each segment starts */
	size_t n;
} keypath;

static void keypath_free(keypath *k)
{
	for (size_t i = 0; i < TOML_MAX_DEPTH; i++)
		buf_wipe(&k->seg[i]);
}

/* key *( ws '.' ws key ) */
static bool dotted_key(parser *p, keypath *k)
{
	k->n = 0;
	for (;;) {
		if (k->n == TOML_MAX_DEPTH)
			return FAIL(p, TOML_ERR_DEPTH, "a key with more than %d parts", TOML_MAX_DEPTH);
		k->pos[k->n] = p->pos;
		if (!simple_key(p, &k->seg[k->n]))
			return false;
		k->n++;
		skip_ws(p);
		if (peek(p) != '.')
			return true;
		p->pos++;
		skip_ws(p);
	}
}

static char *seg_dup(const buf *b)
{
	char *s = mu_xmalloc(b->len + 1);
	memcpy(s, b->p ? b->p : "", b->len);
	s[b->len] = 0;
	return s;
}

/* A printable form of a key segment for messages. */
static const char *seg_show(const buf *b)
{
	return b->p && b->len && strlen(b->p) == b->len ? b->p : "\"\"";
}

/* -------------------------------------------------------------- numbers */

static bool is_digit(int c)
{
	return c >= '0' && c <= '9';
}

/* Digits of a base with single underscores between digits. Appends the digits
 * (no underscores) to out. */
static bool digits(parser *p, buf *out, int base, const char *what)
{
	bool any = false, last_us = false;
	for (;;) {
		int c = peek(p);
		int v = hexval(c);
		if (c == '_') {
			if (!any || last_us)
				return FAIL(p, TOML_ERR_NUMBER, "an underscore in a number must be between two digits");
			last_us = true;
			p->pos++;
			continue;
		}
		if (v < 0 || v >= base)
			break;
		buf_putc(out, (char)c);
		any = true;
		last_us = false;
		p->pos++;
	}
	if (last_us)
		return FAIL(p, TOML_ERR_NUMBER, "an underscore in a number must be between two digits");
	if (!any)
		return FAIL(p, TOML_ERR_NUMBER, "expected %s digits", what);
	return true;
}

static bool looks_like_datetime(const parser *p)
{
	/* YYYY-  or  HH: */
	return (is_digit(peek_at(p, 0)) && is_digit(peek_at(p, 1)) && is_digit(peek_at(p, 2)) &&
		is_digit(peek_at(p, 3)) && peek_at(p, 4) == '-') ||
	       (is_digit(peek_at(p, 0)) && is_digit(peek_at(p, 1)) && peek_at(p, 2) == ':');
}

static bool value_end(int c)
{
	return c < 0 || c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '#' || c == ',' ||
	       c == ']' || c == '}';
}

static bool number(parser *p, toml_value *v)
{
	size_t start = p->pos;
	buf t = BUF_INIT;
	bool ok = false;
	int sign = 0;
	if (peek(p) == '+' || peek(p) == '-') {
		sign = peek(p);
		buf_putc(&t, (char)sign);
		p->pos++;
	}
	/* inf / nan */
	if ((peek(p) == 'i' && peek_at(p, 1) == 'n' && peek_at(p, 2) == 'f') ||
	    (peek(p) == 'n' && peek_at(p, 1) == 'a' && peek_at(p, 2) == 'n')) {
		bool inf = peek(p) == 'i';
		p->pos += 3;
		if (!value_end(peek(p))) {
			FAIL(p, TOML_ERR_NUMBER, "unexpected character after %s", inf ? "inf" : "nan");
			goto out;
		}
		v->type = TOML_FLOAT;
		v->u.f = inf ? (sign == '-' ? -INFINITY : INFINITY) : (sign == '-' ? -NAN : NAN);
		ok = true;
		goto out;
	}
	if (!sign && peek(p) == '0' && (peek_at(p, 1) == 'x' || peek_at(p, 1) == 'o' || peek_at(p, 1) == 'b')) {
		int base = peek_at(p, 1) == 'x' ? 16 : peek_at(p, 1) == 'o' ? 8 : 2;
		p->pos += 2;
		if (!digits(p, &t, base, base == 16 ? "hexadecimal" : base == 8 ? "octal" : "binary"))
			goto out;
		if (!value_end(peek(p))) {
			FAIL(p, TOML_ERR_NUMBER, "unexpected character in a number");
			goto out;
		}
		errno = 0;
		unsigned long long u = strtoull(t.p, NULL, base);
		if (errno || u > INT64_MAX) {
			fail_at(p, start, TOML_ERR_RANGE, "integer does not fit in 64 bits");
			goto out;
		}
		v->type = TOML_INTEGER;
		v->u.i = (int64_t)u;
		ok = true;
		goto out;
	}
	if (!is_digit(peek(p))) {
		FAIL(p, TOML_ERR_NUMBER, "expected a digit");
		goto out;
	}
	size_t int_start = p->pos;
	if (!digits(p, &t, 10, "decimal"))
		goto out;
	size_t int_digits = t.len - (sign ? 1 : 0);
	if (p->s[int_start] == '0' && int_digits > 1) {
		fail_at(p, int_start, TOML_ERR_NUMBER, "leading zeros are not allowed");
		goto out;
	}
	bool is_float = false;
	if (peek(p) == '.') {
		is_float = true;
		buf_putc(&t, '.');
		p->pos++;
		if (!digits(p, &t, 10, "fraction"))
			goto out;
	}
	if (peek(p) == 'e' || peek(p) == 'E') {
		is_float = true;
		buf_putc(&t, 'e');
		p->pos++;
		if (peek(p) == '+' || peek(p) == '-')
			buf_putc(&t, (char)p->s[p->pos++]);
		if (!digits(p, &t, 10, "exponent"))
			goto out;
	}
	if (!value_end(peek(p))) {
		FAIL(p, TOML_ERR_NUMBER, "unexpected character in a number");
		goto out;
	}
	errno = 0;
	if (is_float) {
		double d = strtod(t.p, NULL);
		if (errno == ERANGE && isinf(d)) {
			fail_at(p, start, TOML_ERR_RANGE, "float out of range");
			goto out;
		}
		v->type = TOML_FLOAT;
		v->u.f = d;
	} else {
		long long ll = strtoll(t.p, NULL, 10);
		if (errno == ERANGE) {
			fail_at(p, start, TOML_ERR_RANGE, "integer does not fit in 64 bits");
			goto out;
		}
		v->type = TOML_INTEGER;
		v->u.i = ll;
	}
	ok = true;
out:
	buf_free(&t);
	return ok;
}

/* ------------------------------------------------------------ date-time */

static int two(const parser *p, size_t at)
{
	if (!is_digit(peek_at(p, at)) || !is_digit(peek_at(p, at + 1)))
		return -1;
	return (peek_at(p, at) - '0') * 10 + (peek_at(p, at + 1) - '0');
}

/* HH:MM:SS[.frac] at p->pos + off; returns its length or 0. */
static size_t time_part(const parser *p, size_t off)
{
	int h = two(p, off), m = two(p, off + 3), s = two(p, off + 6);
	if (h < 0 || peek_at(p, off + 2) != ':' || m < 0 || peek_at(p, off + 5) != ':' || s < 0)
		return 0;
	if (h > 23 || m > 59 || s > 60)
		return 0;
	size_t n = 8;
	if (peek_at(p, off + n) == '.') {
		n++;
		if (!is_digit(peek_at(p, off + n)))
			return 0;
		while (is_digit(peek_at(p, off + n)))
			n++;
	}
	return n;
}

static bool datetime(parser *p, toml_value *v)
{
	size_t start = p->pos, n = 0;
	if (peek_at(p, 2) == ':') {
		n = time_part(p, 0);
		if (!n)
			return FAIL(p, TOML_ERR_DATETIME, "invalid local time (HH:MM:SS)");
	} else {
		int y = two(p, 0) * 100 + two(p, 2), mo = two(p, 5), d = two(p, 8);
		if (two(p, 0) < 0 || two(p, 2) < 0 || mo < 0 || peek_at(p, 7) != '-' || d < 0)
			return FAIL(p, TOML_ERR_DATETIME, "invalid date (YYYY-MM-DD)");
		static const int mdays[12] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
		bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
		if (mo < 1 || mo > 12 || d < 1 || d > mdays[mo - 1] || (mo == 2 && d == 29 && !leap))
			return FAIL(p, TOML_ERR_DATETIME, "no such date");
		n = 10;
		int sep = peek_at(p, 10);
		if ((sep == 'T' || sep == 't' || sep == ' ') && is_digit(peek_at(p, 11))) {
			size_t tn = time_part(p, 11);
			if (!tn)
				return fail_at(p, start, TOML_ERR_DATETIME, "invalid time in a date-time");
			n = 11 + tn;
			int z = peek_at(p, n);
			if (z == 'Z' || z == 'z') {
				n++;
			} else if (z == '+' || z == '-') {
				int oh = two(p, n + 1), om = two(p, n + 4);
				if (oh < 0 || peek_at(p, n + 3) != ':' || om < 0 || oh > 23 || om > 59)
					return fail_at(p, start, TOML_ERR_DATETIME, "invalid time offset");
				n += 6;
			}
		}
	}
	p->pos += n;
	if (!value_end(peek(p)))
		return FAIL(p, TOML_ERR_DATETIME, "unexpected character after a date or time");
	v->type = TOML_DATETIME;
	v->u.s.p = mu_xstrndup((const char *)p->s + start, n);
	v->u.s.len = n;
	return true;
}

/* ---------------------------------------------------------------- values */

static bool value(parser *p, toml_value **out);
static bool keyval(parser *p, toml_value *table, bool in_inline);

static void freeze(toml_value *t)
{
	t->flags |= T_INLINE;
	for (size_t i = 0; i < t->u.tab.n; i++)
		if (t->u.tab.kv[i].value->type == TOML_TABLE)
			freeze(t->u.tab.kv[i].value);
}

static bool array_value(parser *p, toml_value *a)
{
	p->pos++; /* [ */
	for (;;) {
		if (!skip_ws_comments_newlines(p))
			return false;
		if (peek(p) == ']') {
			p->pos++;
			return true;
		}
		toml_value *item;
		if (!value(p, &item))
			return false;
		array_add(a, item);
		if (!skip_ws_comments_newlines(p))
			return false;
		if (peek(p) == ',') {
			p->pos++;
			continue;
		}
		if (peek(p) == ']') {
			p->pos++;
			return true;
		}
		if (at_eof(p))
			return FAIL(p, TOML_ERR_SYNTAX, "unterminated array (expected ']')");
		return FAIL(p, TOML_ERR_SYNTAX, "expected ',' or ']' in an array");
	}
}

static bool inline_table(parser *p, toml_value *t)
{
	p->pos++; /* { */
	skip_ws(p);
	if (peek(p) == '}') {
		p->pos++;
		freeze(t);
		return true;
	}
	for (;;) {
		skip_ws(p);
		if (is_newline_start(p) || peek(p) == '\r')
			return FAIL(p, TOML_ERR_SYNTAX, "newline inside an inline table");
		if (!keyval(p, t, true))
			return false;
		skip_ws(p);
		if (peek(p) == ',') {
			p->pos++;
			skip_ws(p);
			if (peek(p) == '}')
				return FAIL(p, TOML_ERR_SYNTAX, "trailing comma in an inline table");
			continue;
		}
		if (peek(p) == '}') {
			p->pos++;
			freeze(t);
			return true;
		}
		if (is_newline_start(p))
			return FAIL(p, TOML_ERR_SYNTAX, "newline inside an inline table");
		return FAIL(p, TOML_ERR_SYNTAX, "expected ',' or '}' in an inline table");
	}
}

static bool value(parser *p, toml_value **out)
{
	unsigned line, col;
	linecol(p, p->pos, &line, &col);
	toml_value *v = node_new(TOML_BOOL, line, col);
	*out = NULL;
	bool ok;
	int c = peek(p);
	if (c == '"' || c == '\'') {
		buf s = BUF_INIT;
		ok = string_value(p, &s);
		if (ok) {
			v->type = TOML_STRING;
			v->u.s.len = s.len;
			v->u.s.p = s.p ? buf_steal(&s) : mu_xstrdup("");
		}
		buf_wipe(&s);
	} else if (c == 't' && p->len - p->pos >= 4 && memcmp(p->s + p->pos, "true", 4) == 0 &&
		   value_end(peek_at(p, 4))) {
		v->u.b = true;
		p->pos += 4;
		ok = true;
	} else if (c == 'f' && p->len - p->pos >= 5 && memcmp(p->s + p->pos, "false", 5) == 0 &&
		   value_end(peek_at(p, 5))) {
		v->u.b = false;
		p->pos += 5;
		ok = true;
	} else if (c == '[' || c == '{') {
		if (p->depth >= TOML_MAX_DEPTH) {
			ok = FAIL(p, TOML_ERR_DEPTH, "arrays and inline tables nested more than %d deep",
				  TOML_MAX_DEPTH);
		} else {
			p->depth++;
			v->type = c == '[' ? TOML_ARRAY : TOML_TABLE;
			ok = c == '[' ? array_value(p, v) : inline_table(p, v);
			p->depth--;
		}
	} else if (looks_like_datetime(p)) {
		ok = datetime(p, v);
	} else if (is_digit(c) || c == '+' || c == '-' ||
		   (p->len - p->pos >= 3 && (memcmp(p->s + p->pos, "inf", 3) == 0 ||
					     memcmp(p->s + p->pos, "nan", 3) == 0))) {
		ok = number(p, v);
	} else if (c < 0 || c == '\n' || c == '\r' || c == '#') {
		ok = FAIL(p, TOML_ERR_NO_VALUE, "expected a value after '='");
	} else if (c >= 0x20 && c < 0x7F) {
		ok = FAIL(p, TOML_ERR_SYNTAX, "unexpected '%c' where a value was expected "
			  "(strings need quotes)", c);
	} else {
		ok = FAIL(p, TOML_ERR_SYNTAX, "unexpected character where a value was expected "
			  "(strings need quotes)");
	}
	if (!ok) {
		toml_free(v);
		return false;
	}
	*out = v;
	return true;
}

/* key = value, in `table`. Dotted keys make (or go through) T_DOTTED tables. */
static bool keyval(parser *p, toml_value *table, bool in_inline)
{
	keypath k;
	memset(&k, 0, sizeof k);
	bool ok = false;
	if (!dotted_key(p, &k))
		goto out;
	toml_value *t = table;
	for (size_t i = 0; i + 1 < k.n; i++) {
		toml_value *next = table_find(t, k.seg[i].p ? k.seg[i].p : "", k.seg[i].len);
		if (!next) {
			unsigned line, col;
			linecol(p, k.pos[i], &line, &col);
			next = node_new(TOML_TABLE, line, col);
			next->flags = T_DOTTED;
			table_add(t, seg_dup(&k.seg[i]), k.seg[i].len, next);
		} else if (next->type != TOML_TABLE || !(next->flags & T_DOTTED) ||
			   (next->flags & T_INLINE)) {
			fail_at(p, k.pos[i], TOML_ERR_DUPLICATE, "'%s' is already defined (line %u)%s",
				seg_show(&k.seg[i]), next->line,
				next->type == TOML_TABLE ? "; a dotted key cannot add to it" : "");
			goto out;
		}
		t = next;
	}
	const buf *last = &k.seg[k.n - 1];
	toml_value *old = table_find(t, last->p ? last->p : "", last->len);
	if (old) {
		fail_at(p, k.pos[k.n - 1], TOML_ERR_DUPLICATE, "duplicate key '%s' (first defined on line %u)",
			seg_show(last), old->line);
		goto out;
	}
	skip_ws(p);
	if (peek(p) != '=') {
		if (at_eof(p) || is_newline_start(p) || peek(p) == '#')
			FAIL(p, TOML_ERR_NO_VALUE, "key '%s' has no '= value'", seg_show(last));
		else
			FAIL(p, TOML_ERR_SYNTAX, "expected '=' after key '%s'", seg_show(last));
		goto out;
	}
	p->pos++;
	skip_ws(p);
	toml_value *v;
	if (!value(p, &v))
		goto out;
	table_add(t, seg_dup(last), last->len, v);
	(void)in_inline;
	ok = true;
out:
	keypath_free(&k);
	return ok;
}

/* [a.b.c] or [[a.b.c]]: returns the table that following keys go into. */
static toml_value *header(parser *p, toml_value *root)
{
	size_t start = p->pos;
	bool aot = peek_at(p, 1) == '[';
	p->pos += aot ? 2 : 1;
	skip_ws(p);
	keypath k;
	memset(&k, 0, sizeof k);
	toml_value *result = NULL;
	unsigned hline, hcol;
	linecol(p, start, &hline, &hcol);
	if (!dotted_key(p, &k))
		goto out;
	if (peek(p) != ']' || (aot && peek_at(p, 1) != ']')) {
		FAIL(p, TOML_ERR_SYNTAX, "expected '%s' to close the table name", aot ? "]]" : "]");
		goto out;
	}
	p->pos += aot ? 2 : 1;
	toml_value *t = root;
	for (size_t i = 0; i + 1 < k.n; i++) {
		toml_value *next = table_find(t, k.seg[i].p ? k.seg[i].p : "", k.seg[i].len);
		if (!next) {
			next = node_new(TOML_TABLE, hline, hcol);
			next->flags = T_IMPLIED;
			table_add(t, seg_dup(&k.seg[i]), k.seg[i].len, next);
		} else if (next->type == TOML_ARRAY && (next->flags & T_AOT)) {
			next = next->u.arr.items[next->u.arr.n - 1];
		} else if (next->type != TOML_TABLE || (next->flags & T_INLINE)) {
			fail_at(p, k.pos[i], TOML_ERR_DUPLICATE, "'%s' is already defined as %s (line %u)",
				seg_show(&k.seg[i]),
				next->type == TOML_TABLE ? "an inline table" : "a value", next->line);
			goto out;
		}
		t = next;
	}
	const buf *last = &k.seg[k.n - 1];
	toml_value *old = table_find(t, last->p ? last->p : "", last->len);
	if (aot) {
		if (!old) {
			old = node_new(TOML_ARRAY, hline, hcol);
			old->flags = T_AOT;
			table_add(t, seg_dup(last), last->len, old);
		} else if (old->type != TOML_ARRAY || !(old->flags & T_AOT)) {
			fail_at(p, start, TOML_ERR_DUPLICATE, "'%s' is already defined as %s (line %u)",
				seg_show(last), old->type == TOML_ARRAY ? "an array" : old->type == TOML_TABLE ?
				"a table" : "a value", old->line);
			goto out;
		}
		result = node_new(TOML_TABLE, hline, hcol);
		result->flags = T_HEADER;
		array_add(old, result);
	} else if (!old) {
		result = node_new(TOML_TABLE, hline, hcol);
		result->flags = T_HEADER;
		table_add(t, seg_dup(last), last->len, result);
	} else if (old->type == TOML_TABLE && old->flags == T_IMPLIED) {
		old->flags = T_HEADER;
		old->line = hline;
		old->col = hcol;
		result = old;
	} else {
		fail_at(p, start, TOML_ERR_DUPLICATE, "table [%s] is already defined (line %u)",
			seg_show(last), old->line);
	}
out:
	keypath_free(&k);
	return result;
}

toml_err toml_parse(const char *text, size_t len, toml_value **root, toml_error *err)
{
	toml_error own;
	parser p = {.s = (const unsigned char *)text, .len = len, .err = err ? err : &own, .c_line = 1};
	memset(p.err, 0, sizeof *p.err);
	*root = NULL;
	if (!check_utf8(&p))
		return p.err->code;
	/* a UTF-8 byte order mark is allowed at the very start */
	if (len >= 3 && memcmp(text, "\xEF\xBB\xBF", 3) == 0)
		p.pos = 3;
	toml_value *top = node_new(TOML_TABLE, 1, 1);
	top->flags = T_HEADER;
	toml_value *cur = top;
	while (!at_eof(&p)) {
		skip_ws(&p);
		int c = peek(&p);
		if (c < 0)
			break;
		if (c == '#') {
			if (!comment(&p) || !end_of_line(&p, "a comment"))
				goto fail;
		} else if (eat_newline(&p)) {
			continue;
		} else if (c == '[') {
			cur = header(&p, top);
			if (!cur || !end_of_line(&p, "a table header"))
				goto fail;
		} else if (c == '\r') {
			FAIL(&p, TOML_ERR_CONTROL, "bare carriage return");
			goto fail;
		} else {
			if (!keyval(&p, cur, false) || !end_of_line(&p, "a value"))
				goto fail;
		}
	}
	*root = top;
	return TOML_OK;
fail:
	toml_free(top);
	return p.err->code;
}
