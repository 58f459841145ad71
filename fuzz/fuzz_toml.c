/* fuzz_toml — toml_parse on arbitrary bytes. An error must name a position
 * inside the input (line >= 1, col >= 1) and leave no tree. A document that
 * parses is written back as TOML (every table inline, every string a basic
 * string with escapes) and must parse again to the same tree (unless that
 * inline form nests deeper than TOML_MAX_DEPTH, which headers need not). */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "toml.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void put_string(buf *b, const char *s, size_t n)
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

static void put_value(buf *b, const toml_value *v);

static void put_members(buf *b, const toml_value *t, const char *sep)
{
	for (size_t i = 0; i < toml_len(t); i++) {
		const toml_kv *kv = toml_table_at(t, i);
		if (i)
			buf_puts(b, sep);
		put_string(b, kv->key, kv->keylen);
		buf_puts(b, " = ");
		put_value(b, kv->value);
	}
}

static void put_value(buf *b, const toml_value *v)
{
	switch (v->type) {
	case TOML_STRING:
		put_string(b, v->u.s.p, v->u.s.len);
		break;
	case TOML_DATETIME:
		buf_put(b, v->u.s.p, v->u.s.len);
		break;
	case TOML_INTEGER:
		buf_printf(b, "%lld", (long long)v->u.i);
		break;
	case TOML_FLOAT:
		if (isnan(v->u.f))
			buf_puts(b, "nan");
		else if (isinf(v->u.f))
			buf_puts(b, v->u.f < 0 ? "-inf" : "inf");
		else {
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
				buf_puts(b, ", ");
			put_value(b, toml_array_at(v, i));
		}
		buf_putc(b, ']');
		break;
	case TOML_TABLE:
		buf_putc(b, '{');
		put_members(b, v, ", ");
		buf_putc(b, '}');
		break;
	default:
		abort();
	}
}

static bool same(const toml_value *a, const toml_value *b)
{
	if (a->type != b->type)
		return false;
	switch (a->type) {
	case TOML_STRING:
	case TOML_DATETIME:
		return a->u.s.len == b->u.s.len && memcmp(a->u.s.p, b->u.s.p, a->u.s.len) == 0;
	case TOML_INTEGER:
		return a->u.i == b->u.i;
	case TOML_FLOAT:
		return (isnan(a->u.f) && isnan(b->u.f)) || a->u.f == b->u.f;
	case TOML_BOOL:
		return a->u.b == b->u.b;
	case TOML_ARRAY:
		if (toml_len(a) != toml_len(b))
			return false;
		for (size_t i = 0; i < toml_len(a); i++)
			if (!same(toml_array_at(a, i), toml_array_at(b, i)))
				return false;
		return true;
	case TOML_TABLE:
		if (toml_len(a) != toml_len(b))
			return false;
		for (size_t i = 0; i < toml_len(a); i++) {
			const toml_kv *x = toml_table_at(a, i), *y = toml_table_at(b, i);
			if (x->keylen != y->keylen || memcmp(x->key, y->key, x->keylen) != 0 ||
			    !same(x->value, y->value))
				return false;
		}
		return true;
	default:
		return false;
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	toml_value *root = NULL;
	toml_error err;
	toml_err e = toml_parse((const char *)data, size, &root, &err);
	if (e != TOML_OK) {
		if (root || err.code != e || err.line < 1 || err.col < 1 || err.line > size + 1 || !err.msg[0]) {
			fprintf(stderr, "fuzz_toml: bad error report: %s at %u:%u '%s'\n",
				toml_strerror(e), err.line, err.col, err.msg);
			abort();
		}
		return 0;
	}
	buf out = BUF_INIT;
	put_members(&out, root, "\n");
	buf_putc(&out, '\n');
	toml_value *again = NULL;
	e = toml_parse(out.p, out.len, &again, &err);
	if (e == TOML_ERR_DEPTH) {
		/* tables nested by headers may be deeper than inline nesting allows */
		toml_free(root);
		buf_free(&out);
		return 0;
	}
	if (e != TOML_OK) {
		fprintf(stderr, "fuzz_toml: our own writing does not parse: %u:%u %s\n%s\n",
			err.line, err.col, err.msg, out.p);
		abort();
	}
	if (!same(root, again)) {
		fprintf(stderr, "fuzz_toml: written and read again, the tree changed\n%s\n", out.p);
		abort();
	}
	toml_free(again);
	toml_free(root);
	buf_free(&out);
	return 0;
}
