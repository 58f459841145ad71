/* lib/json: the strict parser and the canonical writer, table-driven from the
 * vectors' jv-serialization-notes.md (§1 strings from raw bytes, §2 strings
 * from JSON text, §3 the parser-leniency table, §4 numbers, §5 objects) plus
 * the 64-bit integer path, serde/Display float formatting, depth, trailing
 * text and error offsets.
 *
 * Where RFC 8259 leaves room, the expectation is serde_json's (rust-nostr and
 * mostro-core): invalid UTF-8, lone surrogates, duplicate keys in a struct and
 * out-of-range numbers are errors. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"
#include "t.h"

#define S(lit) lit, sizeof(lit) - 1

/* Printable form of a byte string for test names. */
static const char *show(const char *s, size_t n)
{
	static char out[4][256];
	static int slot;
	char *o = out[slot++ & 3];
	size_t j = 0;
	for (size_t i = 0; i < n && j < 240; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c >= 0x20 && c < 0x7f)
			o[j++] = (char)c;
		else
			j += (size_t)snprintf(o + j, 8, "<%02x>", c);
	}
	o[j] = 0;
	return o;
}

/* ---- parse tables ---- */

typedef struct row {
	const char *in;
	size_t      len;
	json_err    err;      /* JSON_OK: accepted */
	const char *out;      /* canonical output when accepted (NULL: same as in) */
	long        offset;   /* error offset, -1: not checked */
} row;

static void run_rows(const char *table, const row *rows, size_t n, int flags)
{
	for (size_t i = 0; i < n; i++) {
		const row *r = &rows[i];
		json_error e;
		jv v = json_parse(r->in, r->len, flags, &e);
		const char *name = show(r->in, r->len);
		if (r->err == JSON_OK) {
			bool ok = jv_is_valid(v);
			t_ok(ok, "%s: %s accepted (%s)", table, name, ok ? "ok" : e.msg);
			if (ok) {
				buf b = BUF_INIT;
				json_write(&b, v);
				const char *want = r->out ? r->out : r->in;
				size_t wl = r->out ? strlen(r->out) : r->len;
				bool same = b.len == wl && memcmp(b.p, want, wl) == 0;
				t_ok(same, "%s: %s written as %s", table, name, show(want, wl));
				if (!same)
					t_diag("  got %s", show(b.p, b.len));
				buf_free(&b);
			}
		} else {
			bool ok = !jv_is_valid(v) && e.code == r->err;
			t_ok(ok, "%s: %s refused: %s (%s)", table, name, json_strerror(r->err), e.msg);
			if (!ok)
				t_diag("  got code %d (%s)", e.code, json_strerror(e.code));
			if (r->offset >= 0)
				t_eq_int((long long)e.offset, r->offset, "%s: %s error offset", table, name);
		}
		jv_free(v);
	}
}

#define ROWS(t) t, sizeof t / sizeof *t

/* §3: everything libjq 1.6 accepts beyond RFC 8259 is refused here. */
static const row leniency[] = {
	{S("01"), JSON_ERR_NUMBER, NULL, 1},
	{S("-01"), JSON_ERR_NUMBER, NULL, 2},
	{S("1."), JSON_ERR_NUMBER, NULL, 2},
	{S(".5"), JSON_ERR_SYNTAX, NULL, 0},
	{S("+1"), JSON_ERR_SYNTAX, NULL, 0},
	{S("-"), JSON_ERR_NUMBER, NULL, 1},
	{S("1e"), JSON_ERR_NUMBER, NULL, 2},
	{S("nan"), JSON_ERR_SYNTAX, NULL, 0},
	{S("NaN"), JSON_ERR_SYNTAX, NULL, 0},
	{S("-nan"), JSON_ERR_NUMBER, NULL, 1},
	{S("infinity"), JSON_ERR_SYNTAX, NULL, 0},
	{S("[1,]"), JSON_ERR_SYNTAX, NULL, 3},
	{S("{\"a\":1,}"), JSON_ERR_SYNTAX, NULL, 7},
	{S("[1 2]"), JSON_ERR_SYNTAX, NULL, 3},
	{S("'s'"), JSON_ERR_SYNTAX, NULL, 0},
	{S("\xef\xbb\xbf[1]"), JSON_ERR_SYNTAX, NULL, 0},
	{S("[1] [2]"), JSON_ERR_TRAILING, NULL, 4},
	{S("[1] x"), JSON_ERR_TRAILING, NULL, 4},
	{S("{\"a\" 1}"), JSON_ERR_SYNTAX, NULL, 5},
	{S("[\"\\x41\"]"), JSON_ERR_STRING, NULL, 3},
	{S("[\"\\U0041\"]"), JSON_ERR_STRING, NULL, 3},
	{S("[\"\\u00\"]"), JSON_ERR_STRING, NULL, -1},
	{S("[\"a\\\"]"), JSON_ERR_EOF, NULL, -1},
	{S("[1e999]"), JSON_ERR_NUMBER, NULL, -1},
	{S("[-0.0]"), JSON_OK, "[0]", -1},
	{S("[0e0]"), JSON_OK, "[0]", -1},
	{S("[true,false,null]"), JSON_OK, NULL, -1},
	{S("[tru]"), JSON_ERR_SYNTAX, NULL, 1},
	{S("{1:2}"), JSON_ERR_SYNTAX, NULL, 1},
	{S("[\"\\ud800\\u0041\"]"), JSON_ERR_STRING, NULL, -1},
	{S("[\"\\udc00\\ud800\"]"), JSON_ERR_STRING, NULL, -1},
};

/* Structure, whitespace, literals, EOF. */
static const row structure[] = {
	{S(""), JSON_ERR_EMPTY, NULL, 0},
	{S(" \t\r\n"), JSON_ERR_EMPTY, NULL, -1},
	{S(" \t\r\n[1, {\"k\" : \"v\"} ] \n"), JSON_OK, "[1,{\"k\":\"v\"}]", -1},
	{S("\f[1]"), JSON_ERR_SYNTAX, NULL, 0},             /* form feed is not JSON whitespace */
	{S("\xc2\xa0[1]"), JSON_ERR_SYNTAX, NULL, 0},       /* nor is NBSP */
	{S("[1]\v"), JSON_ERR_TRAILING, NULL, 3},
	{S("[{},[],[[]],\"\"]"), JSON_OK, NULL, -1},
	{S("{\"z\":{\"y\":[1,{\"x\":null}]},\"a\":[]}"), JSON_OK, NULL, -1},
	{S("{\"b\":1,\"a\":2,\"c\":3}"), JSON_OK, NULL, -1},   /* insertion order kept */
	{S("true"), JSON_OK, NULL, -1},
	{S("null"), JSON_OK, NULL, -1},
	{S("nul"), JSON_ERR_SYNTAX, NULL, 0},
	{S("True"), JSON_ERR_SYNTAX, NULL, 0},
	{S("truex"), JSON_ERR_TRAILING, NULL, 4},
	{S("[null,]"), JSON_ERR_SYNTAX, NULL, 6},
	{S("[,1]"), JSON_ERR_SYNTAX, NULL, 1},
	{S("{,}"), JSON_ERR_SYNTAX, NULL, 1},
	{S("{\"a\":1 \"b\":2}"), JSON_ERR_SYNTAX, NULL, 7},
	{S("{\"a\"}"), JSON_ERR_SYNTAX, NULL, 4},
	{S("{\"a\":}"), JSON_ERR_SYNTAX, NULL, 5},
	{S("["), JSON_ERR_EOF, NULL, 1},
	{S("[1"), JSON_ERR_EOF, NULL, 2},
	{S("[1,"), JSON_ERR_EOF, NULL, 3},
	{S("{"), JSON_ERR_EOF, NULL, 1},
	{S("{\"a\""), JSON_ERR_EOF, NULL, 4},
	{S("{\"a\":"), JSON_ERR_EOF, NULL, 5},
	{S("{\"a\":1"), JSON_ERR_EOF, NULL, 6},
	{S("\"abc"), JSON_ERR_EOF, NULL, 4},
	{S("\"abc\\"), JSON_ERR_EOF, NULL, 5},
	{S("1 2"), JSON_ERR_TRAILING, NULL, 2},
	{S("\"a\"\"b\""), JSON_ERR_TRAILING, NULL, 3},
	{S("{} x"), JSON_ERR_TRAILING, NULL, 3},
	{S("null,"), JSON_ERR_TRAILING, NULL, 4},
	{S("[1]\0"), JSON_ERR_TRAILING, NULL, 3},            /* a NUL after the value is text too */
};

/* §2: strings from JSON text. */
static const row strings[] = {
	{S("\"\\ud800\""), JSON_ERR_STRING, NULL, -1},
	{S("\"\\ud800x\""), JSON_ERR_STRING, NULL, -1},
	{S("\"\\udc00\""), JSON_ERR_STRING, NULL, -1},
	{S("\"\\ud83d\\ude00\""), JSON_OK, "\"\xf0\x9f\x98\x80\"", -1},
	{S("\"\\u001F\""), JSON_OK, "\"\\u001f\"", -1},
	{S("\"\\/\""), JSON_OK, "\"/\"", -1},
	{S("\"\\u0000\""), JSON_OK, "\"\\u0000\"", -1},
	{S("\"\\u007f\""), JSON_OK, "\"\x7f\"", -1},
	{S("\"\\u00e9\""), JSON_OK, "\"\xc3\xa9\"", -1},
	{S("\"\x7f\""), JSON_OK, NULL, -1},
	{S("\"\x01\""), JSON_ERR_STRING, NULL, 1},
	{S("\"a\nb\""), JSON_ERR_STRING, NULL, 2},
	{S("\"a\xff" "b\""), JSON_ERR_UTF8, NULL, 2},
	{S("\"a\tb\""), JSON_ERR_STRING, NULL, 2},
	/* escapes written back the NIP-01/serde way */
	{S("\"\\b\\f\\n\\r\\t\\\"\\\\\""), JSON_OK, NULL, -1},
	{S("\"\\u0008\\u000c\\u000A\\u000d\\u0009\\u0022\\u005c\""), JSON_OK, "\"\\b\\f\\n\\r\\t\\\"\\\\\"", -1},
	{S("\"\\u0001\\u001f\\u0020\""), JSON_OK, "\"\\u0001\\u001f \"", -1},
	{S("\"\\u2028\\u2029\\ufeff\\uffff\""), JSON_OK, "\"\xe2\x80\xa8\xe2\x80\xa9\xef\xbb\xbf\xef\xbf\xbf\"", -1},
	{S("\"\\udbff\\udfff\""), JSON_OK, "\"\xf4\x8f\xbf\xbf\"", -1},
	{S("\"\\uD83D\\uDE00\""), JSON_OK, "\"\xf0\x9f\x98\x80\"", -1},
	{S("\"\\u12\""), JSON_ERR_STRING, NULL, -1},
	{S("\"\\u12g4\""), JSON_ERR_STRING, NULL, -1},
	{S("\"\\a\""), JSON_ERR_STRING, NULL, 2},
	{S("\"\\'\""), JSON_ERR_STRING, NULL, 2},
	{S("\"\\ud83d\\u0041\""), JSON_ERR_STRING, NULL, -1},
	{S("\"\\ud83d\\n\""), JSON_ERR_STRING, NULL, -1},
	/* invalid UTF-8 (§1's rows, in JSON text): refused, never replaced */
	{S("\"\xff\""), JSON_ERR_UTF8, NULL, 1},
	{S("\"a\xc3\""), JSON_ERR_UTF8, NULL, 2},
	{S("\"\xc0\xaf\""), JSON_ERR_UTF8, NULL, 1},
	{S("\"\xed\xa0\x80\""), JSON_ERR_UTF8, NULL, 1},
	{S("\"\xf4\x90\x80\x80\""), JSON_ERR_UTF8, NULL, 1},
	{S("\"\xe0\x80\xaf\""), JSON_ERR_UTF8, NULL, 1},
	{S("\"\xf0\x80\x80\xaf\""), JSON_ERR_UTF8, NULL, 1},
	{S("\"\x80\""), JSON_ERR_UTF8, NULL, 1},
	{S("\"\xf8\x88\x80\x80\x80\""), JSON_ERR_UTF8, NULL, 1},
	{S("\"\xe2\x82\""), JSON_ERR_UTF8, NULL, 1},
	{S("[\"ok\",\"\xe2\x82\xac\xf0\x9f\x98\x80\xc2\x80\xc2\x9f\"]"), JSON_OK, NULL, -1},
	/* invalid UTF-8 outside strings is just a bad character */
	{S("\xff"), JSON_ERR_SYNTAX, NULL, 0},
	/* the big-integer prefix is reserved */
	{S("\"\\u0000#12\""), JSON_ERR_RESERVED, NULL, -1},
	{S("\"\\u0000#\""), JSON_ERR_RESERVED, NULL, -1},
	{S("\"\\u0000\""), JSON_OK, NULL, -1},
	{S("\"\\u0000x\""), JSON_OK, NULL, -1},
	{S("\"#\\u0000\""), JSON_OK, NULL, -1},
	{S("{\"\\u0000#1\":1}"), JSON_ERR_RESERVED, NULL, -1},
};

#define Z10 "0000000000"
#define Z100 Z10 Z10 Z10 Z10 Z10 Z10 Z10 Z10 Z10 Z10

/* §4: numbers, parsed and written back. */
static const row numbers[] = {
	{S("0"), JSON_OK, NULL, -1},
	{S("-0"), JSON_OK, "0", -1},
	{S("1"), JSON_OK, NULL, -1},
	{S("-1"), JSON_OK, NULL, -1},
	{S("1700000000"), JSON_OK, NULL, -1},
	{S("4294967296"), JSON_OK, NULL, -1},
	{S("9007199254740991"), JSON_OK, NULL, -1},
	{S("9007199254740992"), JSON_OK, NULL, -1},
	{S("9007199254740993"), JSON_OK, NULL, -1},
	{S("-9007199254740993"), JSON_OK, NULL, -1},
	{S("12345678901234567"), JSON_OK, NULL, -1},
	{S("123456789012345678"), JSON_OK, NULL, -1},
	{S("18446744073709551615"), JSON_OK, NULL, -1},
	{S("-9223372036854775808"), JSON_OK, NULL, -1},
	{S("9223372036854775807"), JSON_OK, NULL, -1},
	{S("9223372036854775808"), JSON_OK, NULL, -1},
	{S("12157665459056928801"), JSON_OK, NULL, -1},
	{S("100000000000000000"), JSON_OK, NULL, -1},
	{S("[18446744073709551615,-9223372036854775808,12157665459056928801]"), JSON_OK, NULL, -1},
	/* beyond 64 bits: a double, like every JSON reader */
	{S("18446744073709551616"), JSON_OK, "18446744073709552000", -1},
	{S("-9223372036854775809"), JSON_OK, "-9223372036854776000", -1},
	{S("100000000000000000000"), JSON_OK, NULL, -1},
	{S("1e16"), JSON_OK, "10000000000000000", -1},
	{S("1e17"), JSON_OK, "100000000000000000", -1},
	{S("1e21"), JSON_OK, "1e+21", -1},
	{S("1E21"), JSON_OK, "1e+21", -1},
	{S("1e+21"), JSON_OK, "1e+21", -1},
	{S("1.0"), JSON_OK, "1", -1},
	{S("1.5"), JSON_OK, NULL, -1},
	{S("0.1"), JSON_OK, NULL, -1},
	{S("-0.5"), JSON_OK, NULL, -1},
	{S("1.7e9"), JSON_OK, "1700000000", -1},
	{S("1700000000.0"), JSON_OK, "1700000000", -1},
	{S("3.14159"), JSON_OK, NULL, -1},
	{S("1e300"), JSON_OK, "1e+300", -1},
	{S("5e-324"), JSON_OK, NULL, -1},
	{S("1e-7"), JSON_OK, NULL, -1},
	{S("0.000001"), JSON_OK, NULL, -1},
	{S("4.5"), JSON_OK, NULL, -1},
	{S("5.0"), JSON_OK, "5", -1},
	{S("1E-2"), JSON_OK, "0.01", -1},
	{S("0.30000000000000004"), JSON_OK, NULL, -1},
	{S("1e400"), JSON_ERR_NUMBER, NULL, -1},
	/* the same out-of-range value spelled with 400 digits (the long-literal path) */
	{S("1" Z100 Z100 Z100 Z100), JSON_ERR_NUMBER, NULL, -1},
	{S("-1" Z100 Z100 Z100 Z100 ".5"), JSON_ERR_NUMBER, NULL, -1},
	{S("1.0" Z100 "1"), JSON_OK, "1", -1},
	{S("0." Z100 Z100 Z100 Z100 "1"), JSON_OK, "0", -1},
	{S("-1e400"), JSON_ERR_NUMBER, NULL, -1},
	{S("00"), JSON_ERR_NUMBER, NULL, 1},
	{S("-"), JSON_ERR_NUMBER, NULL, -1},
	{S("1.e5"), JSON_ERR_NUMBER, NULL, 2},
	{S("1e+"), JSON_ERR_NUMBER, NULL, 3},
	{S("0x10"), JSON_ERR_TRAILING, NULL, 1},
	{S("1_000"), JSON_ERR_TRAILING, NULL, 1},
	{S("--1"), JSON_ERR_NUMBER, NULL, 1},
	{S("- 1"), JSON_ERR_NUMBER, NULL, 1},
};

/* JSON_INTEGERS_ONLY (events, relay frames). */
static const row integers_only[] = {
	{S("12"), JSON_OK, NULL, -1},
	{S("[0,-5,18446744073709551615]"), JSON_OK, NULL, -1},
	{S("1.0"), JSON_ERR_NOT_INTEGER, NULL, 0},
	{S("[7,1e3]"), JSON_ERR_NOT_INTEGER, NULL, 3},
	{S("{\"created_at\":1.7e9}"), JSON_ERR_NOT_INTEGER, NULL, 14},
	{S("-0.0"), JSON_ERR_NOT_INTEGER, NULL, 0},
};

/* §5: duplicate keys (serde_json refuses them in a struct; so do we, anywhere). */
static const row duplicates[] = {
	{S("{\"a\":1,\"b\":2,\"a\":3}"), JSON_ERR_DUPLICATE, NULL, 13},
	{S("{\"a\":1,\"a\":1}"), JSON_ERR_DUPLICATE, NULL, 7},
	{S("{\"a\":1,\"\\u0061\":2}"), JSON_ERR_DUPLICATE, NULL, 7},
	{S("{\"x\":{\"k\":[],\"k\":{}}}"), JSON_ERR_DUPLICATE, NULL, 13},
	{S("{\"a\":1,\"b\":{\"a\":2},\"c\":[{\"a\":3},{\"a\":4}]}"), JSON_OK, NULL, -1},
	{S("{\"A\":1,\"a\":2}"), JSON_OK, NULL, -1},
	{S("{\"\":1,\"\\u0000\":2}"), JSON_OK, NULL, -1},
};

/* ---- the writer on raw bytes (§1) ---- */

static void writer_strings(void)
{
	static const struct { const char *raw; size_t n; const char *want; } cases[] = {
		{S("\""), "\"\\\"\""},
		{S("\\"), "\"\\\\\""},
		{S("/"), "\"/\""},
		{S("\b"), "\"\\b\""},
		{S("\f"), "\"\\f\""},
		{S("\n"), "\"\\n\""},
		{S("\r"), "\"\\r\""},
		{S("\t"), "\"\\t\""},
		{S("\0"), "\"\\u0000\""},
		{S("\x01"), "\"\\u0001\""},
		{S("\x0b"), "\"\\u000b\""},
		{S("\x1f"), "\"\\u001f\""},
		{S("\x7f"), "\"\x7f\""},
		{S("\xc2\x80"), "\"\xc2\x80\""},
		{S("\xc2\x9f"), "\"\xc2\x9f\""},
		{S("\xc3\xa9"), "\"\xc3\xa9\""},
		{S("\xe2\x82\xac"), "\"\xe2\x82\xac\""},
		{S("\xe2\x80\xa8"), "\"\xe2\x80\xa8\""},
		{S("\xe2\x80\xa9"), "\"\xe2\x80\xa9\""},
		{S("\xef\xbb\xbf"), "\"\xef\xbb\xbf\""},
		{S("\xef\xbf\xbf"), "\"\xef\xbf\xbf\""},
		{S("\xf0\x9f\x98\x80"), "\"\xf0\x9f\x98\x80\""},
		{S("\xf4\x8f\xbf\xbf"), "\"\xf4\x8f\xbf\xbf\""},
		{S("a\0b\"c\x7f"), "\"a\\u0000b\\\"c\x7f\""},
		{S(""), "\"\""},
	};
	for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
		buf b = BUF_INIT;
		json_write_string(&b, cases[i].raw, cases[i].n);
		t_ok(strcmp(b.p, cases[i].want) == 0, "json_write_string(%s) = %s", show(cases[i].raw, cases[i].n),
		     show(cases[i].want, strlen(cases[i].want)));
		/* and through a jv string */
		jv s = jv_string_sized(cases[i].raw, (int)cases[i].n);
		buf c = BUF_INIT;
		json_write(&c, s);
		t_ok(strcmp(c.p, cases[i].want) == 0, "json_write(jv string %s)", show(cases[i].raw, cases[i].n));
		jv_free(s);
		buf_free(&b);
		buf_free(&c);
	}
}

/* ---- floats the serde / Rust Display way ---- */

static void float_writers(void)
{
	static const struct { double d; const char *serde, *display; } cases[] = {
		{5.0, "5.0", "5"},
		{4.5, "4.5", "4.5"},
		{0.006, "0.006", "0.006"},
		{2.0, "2.0", "2"},
		{2.5, "2.5", "2.5"},
		{0.1, "0.1", "0.1"},
		{0.0, "0.0", "0"},
		{-0.0, "-0.0", "-0"},
		{-1.25, "-1.25", "-1.25"},
		{100.0, "100.0", "100"},
		{123456.789, "123456.789", "123456.789"},
		{1e15, "1000000000000000.0", "1000000000000000"},
		{1e16, "1e16", "10000000000000000"},
		{1.5e300, "1.5e300", NULL},
		{1e21, "1e21", "1000000000000000000000"},
		{1e-5, "0.00001", "0.00001"},
		{2.5e-5, "0.000025", "0.000025"},
		{1e-6, "1e-6", "0.000001"},
		{1e-7, "1e-7", "0.0000001"},
		{1.5e-10, "1.5e-10", "0.00000000015"},
		{0.1 + 0.2, "0.30000000000000004", "0.30000000000000004"},
		{5e-324, "5e-324", NULL},
		{1.7976931348623157e308, "1.7976931348623157e308", NULL},
		{9007199254740993.0, "9007199254740992.0", "9007199254740992"},
	};
	for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
		buf b = BUF_INIT;
		json_write_f64_serde(&b, cases[i].d);
		t_eq_str(b.p, cases[i].serde, "json_write_f64_serde(%.17g)", cases[i].d);
		/* what serde writes parses back to the same double */
		jv v = json_parse(b.p, b.len, 0, NULL);
		t_ok(json_is_kind(v, JV_KIND_NUMBER) && jv_number_value(v) == cases[i].d, "%s parses back to %.17g",
		     b.p, cases[i].d);
		jv_free(v);
		if (cases[i].display) {
			buf_reset(&b);
			json_write_f64_display(&b, cases[i].d);
			t_eq_str(b.p, cases[i].display, "json_write_f64_display(%.17g)", cases[i].d);
		}
		buf_free(&b);
	}
	buf b = BUF_INIT;
	json_write_f64_serde(&b, NAN);
	t_eq_str(b.p, "null", "serde writes NaN as null");
	buf_reset(&b);
	json_write_f64_serde(&b, INFINITY);
	t_eq_str(b.p, "null", "serde writes infinity as null");
	buf_free(&b);
}

/* ---- exact 64-bit integers ---- */

static void integers(void)
{
	static const struct {
		const char *text;
		int u_ok; uint64_t u;
		int i_ok; int64_t i;
		int big;
	} cases[] = {
		{"0", 1, 0, 1, 0, 0},
		/* -0 is serde_json's float -0.0: no integer field takes it */
		{"-0", 0, 0, 0, 0, 0},
		{"-0.0", 0, 0, 0, 0, 0},
		{"-1", 0, 0, 1, -1, 0},
		{"9007199254740992", 1, 9007199254740992ull, 1, 9007199254740992ll, 0},
		{"9007199254740993", 1, 9007199254740993ull, 1, 9007199254740993ll, 1},
		{"-9007199254740993", 0, 0, 1, -9007199254740993ll, 1},
		{"9223372036854775807", 1, 9223372036854775807ull, 1, INT64_MAX, 1},
		{"9223372036854775808", 1, 9223372036854775808ull, 0, 0, 1},
		{"-9223372036854775808", 0, 0, 1, INT64_MIN, 1},
		{"12157665459056928801", 1, 12157665459056928801ull, 0, 0, 1},
		{"18446744073709551615", 1, UINT64_MAX, 0, 0, 1},
		{"18446744073709551616", 0, 0, 0, 0, 0},
		{"-9223372036854775809", 0, 0, 0, 0, 0},
		{"1.5", 0, 0, 0, 0, 0},
		{"1e3", 1, 1000, 1, 1000, 0},
		/* doubles beyond 2^53 may be rounded literals: never read as integers */
		{"12157665459056928801.0", 0, 0, 0, 0, 0},
		{"1e17", 0, 0, 0, 0, 0},
		{"-1e17", 0, 0, 0, 0, 0},
		{"9007199254740992.0", 1, 9007199254740992ull, 1, 9007199254740992ll, 0},
		{"-9007199254740992", 0, 0, 1, -9007199254740992ll, 0},
		{"\"123\"", 0, 0, 0, 0, 0},
		{"null", 0, 0, 0, 0, 0},
	};
	for (size_t k = 0; k < sizeof cases / sizeof *cases; k++) {
		jv v = json_parse(cases[k].text, strlen(cases[k].text), 0, NULL);
		uint64_t u = 0;
		int64_t i = 0;
		bool uo = json_get_u64(v, &u), io = json_get_i64(v, &i);
		t_ok(uo == (bool)cases[k].u_ok && (!uo || u == cases[k].u), "json_get_u64(%s) %s", cases[k].text,
		     cases[k].u_ok ? "exact" : "refused");
		t_ok(io == (bool)cases[k].i_ok && (!io || i == cases[k].i), "json_get_i64(%s) %s", cases[k].text,
		     cases[k].i_ok ? "exact" : "refused");
		t_ok(json_is_bigint(v) == (bool)cases[k].big, "json_is_bigint(%s) = %d", cases[k].text, cases[k].big);
		t_ok(json_is_integer(v) == (cases[k].u_ok || cases[k].i_ok), "json_is_integer(%s)", cases[k].text);
		jv_free(v);
	}
	static const uint64_t us[] = {0, 1, 9007199254740992ull, 9007199254740993ull, 12157665459056928801ull, UINT64_MAX};
	for (size_t k = 0; k < sizeof us / sizeof *us; k++) {
		char want[32];
		snprintf(want, sizeof want, "%llu", (unsigned long long)us[k]);
		jv v = json_from_u64(us[k]);
		char *s = json_dumps(v);
		uint64_t back = 0;
		t_ok(strcmp(s, want) == 0 && json_get_u64(v, &back) && back == us[k], "json_from_u64(%s) round trip", want);
		free(s);
		jv_free(v);
	}
	static const int64_t is[] = {0, -1, -9007199254740992ll, -9007199254740993ll, INT64_MIN, INT64_MAX};
	for (size_t k = 0; k < sizeof is / sizeof *is; k++) {
		char want[32];
		snprintf(want, sizeof want, "%lld", (long long)is[k]);
		jv v = json_from_i64(is[k]);
		char *s = json_dumps(v);
		int64_t back = 0;
		t_ok(strcmp(s, want) == 0 && json_get_i64(v, &back) && back == is[k], "json_from_i64(%s) round trip", want);
		free(s);
		jv_free(v);
	}
	/* a Mostro message with a random u64 request_id survives parse + write */
	const char *msg = "{\"order\":{\"version\":1,\"request_id\":12157665459056928801,\"trade_index\":1,"
			  "\"id\":\"308e1272-d5f4-47e6-bd97-3504baea9c23\",\"action\":\"take-sell\",\"payload\":null}}";
	jv v = json_parse(msg, strlen(msg), 0, NULL);
	char *s = json_dumps(v);
	t_eq_str(s, msg, "u64 request_id message re-serializes byte for byte");
	free(s);
	jv_free(v);
}

/* ---- depth ---- */

static void depth(void)
{
	for (int kind = 0; kind < 2; kind++) {
		for (int d = JSON_MAX_DEPTH; d <= JSON_MAX_DEPTH + 1; d++) {
			buf b = BUF_INIT;
			for (int i = 0; i < d; i++)
				buf_puts(&b, kind ? "{\"a\":" : "[");
			buf_puts(&b, "1");
			for (int i = 0; i < d; i++)
				buf_puts(&b, kind ? "}" : "]");
			json_error e;
			jv v = json_parse(b.p, b.len, 0, &e);
			if (d <= JSON_MAX_DEPTH)
				t_ok(jv_is_valid(v), "%d nested %s accepted", d, kind ? "objects" : "arrays");
			else
				t_ok(!jv_is_valid(v) && e.code == JSON_ERR_DEPTH && e.offset == (size_t)(kind ? 5 * (d - 1) : d - 1),
				     "%d nested %s refused at the innermost opener (offset %zu)", d, kind ? "objects" : "arrays", e.offset);
			jv_free(v);
			buf_free(&b);
		}
	}
	/* depth counts nesting, not siblings */
	buf b = BUF_INIT;
	buf_putc(&b, '[');
	for (int i = 0; i < 1000; i++)
		buf_puts(&b, i ? ",[]" : "[]");
	buf_putc(&b, ']');
	jv v = json_parse(b.p, b.len, 0, NULL);
	t_ok(jv_is_valid(v) && jv_array_length(jv_copy(v)) == 1000, "1000 sibling arrays are fine");
	jv_free(v);
	buf_free(&b);
	/* a very deep input is refused without exhausting the stack */
	buf_reserve(&b, 200000);
	for (int i = 0; i < 100000; i++)
		buf_putc(&b, '[');
	json_error e;
	v = json_parse(b.p, b.len, 0, &e);
	t_ok(!jv_is_valid(v) && e.code == JSON_ERR_DEPTH, "100000 '[' refused as too deep");
	jv_free(v);
	buf_free(&b);
}

/* ---- error reporting ---- */

static void errors(void)
{
	json_error e;
	jv v = json_parse(S("{\"a\":[1,2,x]}"), 0, &e);
	t_ok(!jv_is_valid(v) && e.code == JSON_ERR_SYNTAX && e.offset == 10, "offset of the bad character (10)");
	t_ok(strncmp(e.msg, "at byte 10: ", 12) == 0, "message names the byte: %s", e.msg);
	jv_free(v);
	v = json_parse(S("[1]"), 0, NULL);
	t_ok(jv_is_valid(v), "a NULL error pointer is allowed");
	jv_free(v);
	v = json_parse(S("[1"), 0, NULL);
	t_ok(!jv_is_valid(v), "a NULL error pointer is allowed on failure");
	jv_free(v);
	/* an error struct is reset by each call */
	v = json_parse(S("[]"), 0, &e);
	t_ok(jv_is_valid(v) && e.code == JSON_OK, "error code reset to JSON_OK on success");
	jv_free(v);
	for (int i = JSON_OK; i <= JSON_ERR_RESERVED; i++)
		t_ok(strcmp(json_strerror((json_err)i), "unknown error") != 0, "json_strerror(%d) = %s", i,
		     json_strerror((json_err)i));
	/* input need not be NUL-terminated: only len bytes are read */
	char nt[3] = {'[', '1', ']'};
	v = json_parse(nt, sizeof nt, 0, NULL);
	t_ok(jv_is_valid(v), "input without a terminating NUL");
	jv_free(v);
	v = json_parse("[1]garbage", 3, 0, NULL);
	t_ok(jv_is_valid(v), "bytes past len are not read");
	jv_free(v);
}

/* ---- borrowed helpers ---- */

static void helpers(void)
{
	jv o = json_parse(S("{\"s\":\"x\\u0000y\",\"n\":5,\"a\":[],\"big\":18446744073709551615}"), 0, NULL);
	size_t n = 0;
	const char *s = json_get_str(o, "s", &n);
	t_ok(s && n == 3 && memcmp(s, "x\0y", 3) == 0, "json_get_str keeps embedded NUL (length 3)");
	t_ok(json_get_str(o, "n", NULL) == NULL, "json_get_str of a number is NULL");
	t_ok(json_get_str(o, "big", NULL) == NULL, "json_get_str of a big integer is NULL");
	t_ok(json_get_str(o, "missing", NULL) == NULL, "json_get_str of a missing key is NULL");
	t_ok(json_has(o, "a") && !json_has(o, "b"), "json_has");
	jv a = json_get(o, "a");
	t_ok(json_is_kind(a, JV_KIND_ARRAY), "json_get returns a new reference");
	jv_free(a);
	jv m = json_get(o, "missing");
	t_ok(!jv_is_valid(m), "json_get of a missing key is invalid");
	jv_free(m);
	jv arr = jv_array();
	t_ok(!jv_is_valid(json_get(arr, "x")) && !json_has(arr, "x") && json_get_str(arr, "x", NULL) == NULL,
	     "object helpers on a non-object never assert");
	jv_free(arr);
	char *d = json_dumps(o);
	t_eq_str(d, "{\"s\":\"x\\u0000y\",\"n\":5,\"a\":[],\"big\":18446744073709551615}", "json_dumps");
	free(d);
	jv_free(o);

	/* insertion order of built objects; re-setting a key keeps its place */
	jv b = jv_object();
	b = jv_object_set(b, jv_string("z"), jv_number(1));
	b = jv_object_set(b, jv_string("a"), jv_number(2));
	b = jv_object_set(b, jv_string("m"), jv_number(3));
	b = jv_object_set(b, jv_string("z"), jv_number(4));
	d = json_dumps(b);
	t_eq_str(d, "{\"z\":4,\"a\":2,\"m\":3}", "built object keeps insertion order");
	free(d);
	jv_free(b);
}

/* Strings shorter than the big-integer prefix ("" and one byte) are plain
 * strings; json_is_bigint must not read past their end. */
static void short_strings(void)
{
	jv e = json_parse("\"\"", 2, 0, NULL);
	size_t n = 99;
	const char *s = json_str(e, &n);
	t_ok(s && n == 0 && !json_is_bigint(e), "\"\" is an empty string, not a big integer");
	jv z = jv_string_sized("", 1);   /* one NUL byte: the prefix's first byte alone */
	t_ok(!json_is_bigint(z) && json_str(z, &n) && n == 1, "\"\\u0000\" is a plain one-byte string");
	jv_free(e);
	jv_free(z);
}

int main(void)
{
	run_rows("leniency", ROWS(leniency), 0);
	run_rows("structure", ROWS(structure), 0);
	run_rows("string", ROWS(strings), 0);
	run_rows("number", ROWS(numbers), 0);
	run_rows("integers-only", ROWS(integers_only), JSON_INTEGERS_ONLY);
	run_rows("duplicate", ROWS(duplicates), 0);
	writer_strings();
	float_writers();
	integers();
	depth();
	errors();
	helpers();
	short_strings();

	/* JSON_LONE_SURROGATE_FFFD (test data only) */
	jv v = json_parse(S("[\"\\ud800\",\"\\udc00x\",\"\\ud800\\ud800\",\"\\ud800\\u0041\",\"\\ud83d\\ude00\"]"),
			  JSON_LONE_SURROGATE_FFFD, NULL);
	char *d = jv_is_valid(v) ? json_dumps(v) : NULL;
	t_eq_str(d, "[\"\xef\xbf\xbd\",\"\xef\xbf\xbdx\",\"\xef\xbf\xbd\xef\xbf\xbd\",\"\xef\xbf\xbd" "A\",\"\xf0\x9f\x98\x80\"]",
		 "JSON_LONE_SURROGATE_FFFD turns lone surrogates into U+FFFD, pairs still decode");
	free(d);
	jv_free(v);
	v = json_parse(S("[\"\\ud800\\u12x4\"]"), JSON_LONE_SURROGATE_FFFD, NULL);
	t_ok(!jv_is_valid(v), "JSON_LONE_SURROGATE_FFFD: a malformed escape after a high surrogate is still an error");
	jv_free(v);
	return t_done();
}
