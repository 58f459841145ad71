/* The TOML reader as a specification: each row is a document and either the
 * tree it reads as (written compactly: {key:value,...}, integers bare, floats
 * with a '.', "strings" JSON-escaped, dt(...) for date-times) or the error
 * it is refused with, at which line and column. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "toml.h"
#include "t.h"

static void show(buf *b, const toml_value *v);

static void show_string(buf *b, const char *s, size_t n)
{
	buf_putc(b, '"');
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c == '"' || c == '\\')
			buf_printf(b, "\\%c", c);
		else if (c < 0x20 || c == 0x7F)
			buf_printf(b, "\\u%04x", c);
		else
			buf_putc(b, (char)c);
	}
	buf_putc(b, '"');
}

static void show(buf *b, const toml_value *v)
{
	switch (v->type) {
	case TOML_STRING:
		show_string(b, v->u.s.p, v->u.s.len);
		break;
	case TOML_DATETIME:
		buf_printf(b, "dt(%s)", v->u.s.p);
		break;
	case TOML_INTEGER:
		buf_printf(b, "%lld", (long long)v->u.i);
		break;
	case TOML_FLOAT:
		if (isnan(v->u.f)) {
			buf_puts(b, "nan");
		} else if (isinf(v->u.f)) {
			buf_puts(b, v->u.f < 0 ? "-inf" : "inf");
		} else {
			char tmp[40];
			snprintf(tmp, sizeof tmp, "%.17g", v->u.f);
			buf_puts(b, tmp);
			if (!strpbrk(tmp, ".e"))
				buf_puts(b, ".0");
		}
		break;
	case TOML_BOOL:
		buf_puts(b, v->u.b ? "true" : "false");
		break;
	case TOML_ARRAY:
		buf_putc(b, '[');
		for (size_t i = 0; i < toml_len(v); i++) {
			if (i)
				buf_putc(b, ',');
			show(b, toml_array_at(v, i));
		}
		buf_putc(b, ']');
		break;
	case TOML_TABLE:
		buf_putc(b, '{');
		for (size_t i = 0; i < toml_len(v); i++) {
			const toml_kv *kv = toml_table_at(v, i);
			if (i)
				buf_putc(b, ',');
			buf_put(b, kv->key, kv->keylen);
			buf_putc(b, ':');
			show(b, kv->value);
		}
		buf_putc(b, '}');
		break;
	default:
		buf_puts(b, "?");
	}
}

typedef struct row {
	const char *name, *in;
	const char *tree;      /* expected tree, or NULL for an error */
	toml_err err;
	unsigned line, col;
} row;

#define OK(name, in, tree) {name, in, tree, TOML_OK, 0, 0}
#define ERR(name, in, e, l, c) {name, in, NULL, e, l, c}

static const row rows[] = {
	/* ---- what mostrod's template uses */
	OK("empty document", "", "{}"),
	OK("comments and blank lines", "# a\n\n   # b\n", "{}"),
	OK("table and keys", "[lightning]\npayment_attempts = 3\nlnd_grpc_host = 'https://127.0.0.1:10001'\n",
	   "{lightning:{payment_attempts:3,lnd_grpc_host:\"https://127.0.0.1:10001\"}}"),
	OK("basic and literal strings", "a = \"x\"\nb = 'C:\\dir'\n", "{a:\"x\",b:\"C:\\\\dir\"}"),
	OK("integer zero read as integer", "fee = 0\n", "{fee:0}"),
	OK("float", "max_routing_fee = 0.002\ndev = 0.30\n", "{max_routing_fee:0.002,dev:0.29999999999999999}"),
	OK("booleans", "t = true\nf = false\n", "{t:true,f:false}"),
	OK("array of strings", "fiat = ['USD', 'EUR', 'ARS', 'CUP']\n", "{fiat:[\"USD\",\"EUR\",\"ARS\",\"CUP\"]}"),
	OK("empty array", "fiat = []\n", "{fiat:[]}"),
	OK("array over lines, comments, trailing comma",
	   "trusted = [\n  # hex pubkeys\n  'a', # first\n  'b',\n]\n", "{trusted:[\"a\",\"b\"]}"),
	OK("dotted table names", "[price.providers.yadio]\nenabled = true\n",
	   "{price:{providers:{yadio:{enabled:true}}}}"),
	OK("parent table after its child", "[a.b]\nx = 1\n[a]\ny = 2\n", "{a:{b:{x:1},y:2}}"),
	OK("comment after a value and a header", "[x] # h\nk = 1 # c\n", "{x:{k:1}}"),
	OK("CRLF line ends", "[a]\r\nk = 1\r\n", "{a:{k:1}}"),
	OK("no final newline", "k = 1", "{k:1}"),
	OK("whitespace around the key and the dots", "  a . b = 1\n[ c . d ]\n", "{a:{b:1},c:{d:{}}}"),
	OK("byte order mark", "\xEF\xBB\xBFk = 1\n", "{k:1}"),
	/* ---- strings */
	OK("every escape", "s = \"\\b\\t\\n\\f\\r\\\"\\\\\"\n", "{s:\"\\u0008\\u0009\\u000a\\u000c\\u000d\\\"\\\\\"}"),
	OK("unicode escapes", "s = \"\\u00e9\\U0001F600\"\n", "{s:\"\xc3\xa9\xf0\x9f\x98\x80\"}"),
	OK("raw UTF-8 and tab", "s = \"ñ\tx\"\n", "{s:\"ñ\\u0009x\"}"),
	OK("escaped NUL is kept", "s = \"a\\u0000b\"\n", "{s:\"a\\u0000b\"}"),
	OK("multi-line basic, first newline trimmed", "s = \"\"\"\nab\ncd\"\"\"\n", "{s:\"ab\\u000acd\"}"),
	OK("multi-line basic, line-ending backslash", "s = \"\"\"a \\\n    b\"\"\"\n", "{s:\"a b\"}"),
	OK("multi-line basic, quotes inside and at the end", "s = \"\"\"x\"\"y\"\"\"\"\"\n", "{s:\"x\\\"\\\"y\\\"\\\"\"}"),
	OK("multi-line literal", "s = '''\nC:\\x\n'''\n", "{s:\"C:\\\\x\\u000a\"}"),
	OK("empty strings", "a = \"\"\nb = ''\n", "{a:\"\",b:\"\"}"),
	OK("quoted keys", "\"a.b\" = 1\n'c' = 2\n\"\" = 3\n", "{a.b:1,c:2,:3}"),
	/* ---- numbers */
	OK("signs and underscores", "a = +1\nb = -17\nc = 1_000_000\n", "{a:1,b:-17,c:1000000}"),
	OK("hex, octal, binary", "h = 0xDEAD_beef\no = 0o755\nb = 0b1101\n", "{h:3735928559,o:493,b:13}"),
	OK("64-bit bounds", "a = 9223372036854775807\nb = -9223372036854775808\n",
	   "{a:9223372036854775807,b:-9223372036854775808}"),
	OK("floats with exponents", "a = 5e+22\nb = 1e06\nc = -2E-2\nd = 6.626e-34\n",
	   "{a:4.9999999999999996e+22,b:1000000.0,c:-0.02,d:6.6259999999999998e-34}"),
	OK("inf and nan", "a = inf\nb = -inf\nc = nan\nd = +nan\n", "{a:inf,b:-inf,c:nan,d:nan}"),
	OK("zeros", "a = 0\nb = -0\nc = 0.0\nd = +0e0\n", "{a:0,b:0,c:0.0,d:0.0}"),
	/* ---- date-times */
	OK("date-times", "a = 1979-05-27T07:32:00Z\nb = 1979-05-27 00:32:00.999999-07:00\nc = 1979-05-27\nd = 07:32:00\n",
	   "{a:dt(1979-05-27T07:32:00Z),b:dt(1979-05-27 00:32:00.999999-07:00),c:dt(1979-05-27),d:dt(07:32:00)}"),
	OK("leap day", "d = 2024-02-29\n", "{d:dt(2024-02-29)}"),
	/* ---- dotted keys, inline tables, arrays of tables */
	OK("dotted keys", "a.b.c = 1\na.b.d = 2\n", "{a:{b:{c:1,d:2}}}"),
	OK("sub-table under a dotted-key table", "a.b = 1\n[a.c]\nx = 2\n", "{a:{b:1,c:{x:2}}}"),
	OK("inline table", "p = { enabled = true, url = \"u\", x.y = 1 }\n",
	   "{p:{enabled:true,url:\"u\",x:{y:1}}}"),
	OK("empty inline table", "p = {}\n", "{p:{}}"),
	OK("array of tables", "[[n]]\na = 1\n[[n]]\na = 2\n[n.sub]\nb = 3\n",
	   "{n:[{a:1},{a:2,sub:{b:3}}]}"),
	OK("nested arrays, mixed types", "a = [[1, 2], ['x'], [], 1.5, {k = 1}]\n",
	   "{a:[[1,2],[\"x\"],[],1.5,{k:1}]}"),

	/* ---- errors: each names the line and column */
	ERR("duplicate key", "[mostro]\nfee = 0\nfee = 1\n", TOML_ERR_DUPLICATE, 3, 1),
	ERR("duplicate table", "[a]\nx = 1\n\n[a]\n", TOML_ERR_DUPLICATE, 4, 1),
	ERR("table redefining a key", "a = 1\n[a]\n", TOML_ERR_DUPLICATE, 2, 1),
	ERR("key redefining a table", "[a.b]\n[a]\nb = 1\n", TOML_ERR_DUPLICATE, 3, 1),
	ERR("dotted key into a [table]", "[a.b.c]\nz = 1\n[a]\nb.c.t = 2\n", TOML_ERR_DUPLICATE, 4, 1),
	ERR("[table] over a dotted-key table", "[a]\nb.c = 1\n[a.b]\n", TOML_ERR_DUPLICATE, 3, 1),
	ERR("adding to an inline table", "a = {x = 1}\n[a.b]\n", TOML_ERR_DUPLICATE, 2, 2),
	ERR("dotted key into an inline table", "a = {x = 1}\na.y = 2\n", TOML_ERR_DUPLICATE, 2, 1),
	ERR("[[x]] over a static array", "a = []\n[[a]]\n", TOML_ERR_DUPLICATE, 2, 1),
	ERR("key without value", "[nostr]\nrelays =\n", TOML_ERR_NO_VALUE, 2, 9),
	ERR("key without '='", "fee\n", TOML_ERR_NO_VALUE, 1, 4),
	ERR("bare string value", "transport = nip44\n", TOML_ERR_SYNTAX, 1, 13),
	ERR("two pairs on one line", "a = 1 b = 2\n", TOML_ERR_SYNTAX, 1, 7),
	ERR("newline in a one-line string", "a = \"x\ny\"\n", TOML_ERR_STRING, 1, 7),
	ERR("newline in a literal string", "a = 'x\n'\n", TOML_ERR_STRING, 1, 7),
	ERR("unterminated string", "a = \"abc", TOML_ERR_STRING, 1, 5),
	ERR("bad escape", "a = \"\\x41\"\n", TOML_ERR_STRING, 1, 6),
	ERR("surrogate escape", "a = \"\\uD800\"\n", TOML_ERR_STRING, 1, 6),
	ERR("short unicode escape", "a = \"\\u12\"\n", TOML_ERR_STRING, 1, 6),
	ERR("raw control character in a string", "a = \"x\x01\"\n", TOML_ERR_CONTROL, 1, 7),
	ERR("control character in a comment", "# x\x7f\n", TOML_ERR_CONTROL, 1, 4),
	ERR("bare carriage return", "a = 1\rb = 2\n", TOML_ERR_SYNTAX, 1, 6),
	ERR("invalid UTF-8, second line", "a = 1\nb = \"\xff\"\n", TOML_ERR_UTF8, 2, 6),
	ERR("overlong UTF-8", "a = \"\xc0\xaf\"\n", TOML_ERR_UTF8, 1, 6),
	ERR("UTF-8 surrogate", "a = \"\xed\xa0\x80\"\n", TOML_ERR_UTF8, 1, 6),
	ERR("leading zero", "a = 0123\n", TOML_ERR_NUMBER, 1, 5),
	ERR("leading zero in a float", "a = 01.5\n", TOML_ERR_NUMBER, 1, 5),
	ERR("double underscore", "a = 1__0\n", TOML_ERR_NUMBER, 1, 7),
	ERR("trailing underscore", "a = 10_\n", TOML_ERR_NUMBER, 1, 8),
	ERR("fraction without digits", "a = 1.\n", TOML_ERR_NUMBER, 1, 7),
	ERR("leading dot", "a = .5\n", TOML_ERR_SYNTAX, 1, 5),
	ERR("signed hex", "a = -0x1\n", TOML_ERR_NUMBER, 1, 7),
	ERR("integer overflow", "a = 9223372036854775808\n", TOML_ERR_RANGE, 1, 5),
	ERR("float overflow", "a = 1e400\n", TOML_ERR_RANGE, 1, 5),
	ERR("letters after a number", "a = 12abc\n", TOML_ERR_NUMBER, 1, 7),
	ERR("capitalised boolean", "a = True\n", TOML_ERR_SYNTAX, 1, 5),
	ERR("no such date", "a = 2023-02-29\n", TOML_ERR_DATETIME, 1, 5),
	ERR("bad hour", "a = 24:00:00\n", TOML_ERR_DATETIME, 1, 5),
	ERR("unclosed array", "a = [1, 2\n", TOML_ERR_SYNTAX, 2, 1),
	ERR("missing comma in an array", "a = [1 2]\n", TOML_ERR_SYNTAX, 1, 8),
	ERR("empty element in an array", "a = [1,,2]\n", TOML_ERR_SYNTAX, 1, 8),
	ERR("trailing comma in an inline table", "a = {x = 1,}\n", TOML_ERR_SYNTAX, 1, 12),
	ERR("newline in an inline table", "a = {x = 1,\ny = 2}\n", TOML_ERR_SYNTAX, 1, 12),
	ERR("unclosed table header", "[a\nk = 1\n", TOML_ERR_SYNTAX, 1, 3),
	ERR("empty table header", "[]\n", TOML_ERR_SYNTAX, 1, 2),
	ERR("text after a header", "[a] b\n", TOML_ERR_SYNTAX, 1, 5),
	ERR("multi-line string as a key", "\"\"\"k\"\"\" = 1\n", TOML_ERR_SYNTAX, 1, 1),
	ERR("column counts characters, not bytes", "ñ = 1\n", TOML_ERR_SYNTAX, 1, 1),
	ERR("column after a multibyte string", "a = \"ñ\" x\n", TOML_ERR_SYNTAX, 1, 9),
	ERR("too many quotes closing a multi-line string", "a = \"\"\"x\"\"\"\"\"\"\n", TOML_ERR_STRING, 1, 9),
};

static void test_rows(void)
{
	for (size_t i = 0; i < sizeof rows / sizeof *rows; i++) {
		const row *r = &rows[i];
		toml_value *root = NULL;
		toml_error err;
		toml_err e = toml_parse(r->in, strlen(r->in), &root, &err);
		if (r->tree) {
			buf b = BUF_INIT;
			if (e == TOML_OK)
				show(&b, root);
			else
				buf_printf(&b, "error %s at %u:%u: %s", toml_strerror(e), err.line, err.col, err.msg);
			t_eq_str(b.p, r->tree, "%s", r->name);
			buf_free(&b);
		} else {
			t_ok(e == r->err && err.line == r->line && err.col == r->col && !root,
			     "%s: %s at %u:%u", r->name, toml_strerror(r->err), r->line, r->col);
			if (e != r->err || err.line != r->line || err.col != r->col)
				t_diag("got %s at %u:%u: %s", toml_strerror(e), err.line, err.col, err.msg);
		}
		toml_free(root);
	}
}

/* Queries, positions and the table-explicit flag. */
static void test_queries(void)
{
	const char *doc = "[mostro]\nfee = 0.006\n\n[price.providers.yadio]\nurl = 'u'\n";
	toml_value *root;
	toml_error err;
	t_eq_int(toml_parse(doc, strlen(doc), &root, &err), TOML_OK, "query document parses");
	const toml_value *fee = toml_path(root, "mostro.fee");
	t_ok(fee && fee->type == TOML_FLOAT && fee->u.f == 0.006, "toml_path mostro.fee");
	t_ok(fee && fee->line == 2 && fee->col == 7, "a value knows its line and column");
	t_ok(toml_get(toml_get(root, "mostro"), "fee") == fee, "toml_get twice = toml_path");
	t_ok(toml_path(root, "mostro.fee.x") == NULL, "a path through a scalar is NULL");
	t_ok(toml_path(root, "nope") == NULL, "a missing key is NULL");
	const toml_value *price = toml_get(root, "price");
	t_ok(price && !toml_table_explicit(price), "[price] exists only through [price.providers.yadio]");
	t_ok(toml_table_explicit(toml_path(root, "price.providers.yadio")), "[price.providers.yadio] is explicit");
	t_eq_int(toml_path(root, "price.providers.yadio")->line, 4, "a table knows its header line");
	t_eq_int((long long)toml_len(root), 2, "two top-level tables, in file order");
	t_eq_str(toml_table_at(root, 1)->key, "price", "second member is price");
	t_ok(toml_table_at(root, 2) == NULL && toml_array_at(root, 0) == NULL, "out of range is NULL");
	t_eq_str(toml_type_name(TOML_DATETIME), "date-time", "type names");
	t_eq_str(toml_type_name((toml_type)99), "unknown", "type name out of range");
	t_eq_str(toml_strerror((toml_err)99), "unknown error", "strerror out of range");
	toml_free(root);
}

/* Nesting is bounded, and the bound itself is accepted. */
static void test_depth(void)
{
	buf ok = BUF_INIT, deep = BUF_INIT;
	buf_puts(&ok, "a = ");
	buf_puts(&deep, "a = ");
	for (int i = 0; i < TOML_MAX_DEPTH; i++)
		buf_putc(&ok, '[');
	for (int i = 0; i < TOML_MAX_DEPTH; i++)
		buf_putc(&ok, ']');
	for (int i = 0; i < TOML_MAX_DEPTH + 1; i++)
		buf_putc(&deep, '[');
	toml_value *root;
	toml_error err;
	t_eq_int(toml_parse(ok.p, ok.len, &root, &err), TOML_OK, "arrays nested %d deep are read", TOML_MAX_DEPTH);
	toml_free(root);
	t_eq_int(toml_parse(deep.p, deep.len, &root, &err), TOML_ERR_DEPTH, "one more level is refused");
	buf_free(&ok);
	buf_free(&deep);
}

/* A NUL inside the text is a control character, not the end of input. */
static void test_embedded_nul(void)
{
	static const char doc[] = "a = 1\n\0b = 2\n";
	toml_value *root;
	toml_error err;
	toml_err e = toml_parse(doc, sizeof doc - 1, &root, &err);
	t_ok(e != TOML_OK && err.line == 2 && err.col == 1, "NUL at 2:1 is refused (%s)", err.msg);
}

int main(void)
{
	test_rows();
	test_queries();
	test_depth();
	test_embedded_nul();
	return t_done();
}
