#include "store_value.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "detail.h"
#include "hex.h"
#include "json.h"

const char *store_value_strerror(store_value_err e)
{
	switch (e) {
	case SV_OK: return "ok";
	case SV_ERR_KIND: return "not a value (null, an integer, a real, a string, {\"blob\":hex}, {\"text_hex\":hex} or {\"real\":\"inf\"|\"-inf\"})";
	case SV_ERR_INTEGER_RANGE: return "integer outside the signed 64-bit range";
	case SV_ERR_REAL_RANGE: return "real number out of range";
	case SV_ERR_HEX: return "not lowercase hex of whole bytes";
	case SV_ERR_REAL_WORD: return "{\"real\":...} must be \"inf\" or \"-inf\"";
	}
	return "unknown error";
}

bool store_utf8_valid(const char *s, size_t n)
{
	const unsigned char *p = (const unsigned char *)s, *end = p + n;
	while (p < end) {
		unsigned c = *p;
		size_t len;
		unsigned min, cp;
		if (c < 0x80) {
			p++;
			continue;
		} else if ((c & 0xe0) == 0xc0) {
			len = 2; min = 0x80; cp = c & 0x1f;
		} else if ((c & 0xf0) == 0xe0) {
			len = 3; min = 0x800; cp = c & 0x0f;
		} else if ((c & 0xf8) == 0xf0) {
			len = 4; min = 0x10000; cp = c & 0x07;
		} else {
			return false;
		}
		if ((size_t)(end - p) < len)
			return false;
		for (size_t i = 1; i < len; i++) {
			if ((p[i] & 0xc0) != 0x80)
				return false;
			cp = (cp << 6) | (p[i] & 0x3f);
		}
		if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
			return false;
		p += len;
	}
	return true;
}

store_value store_value_column(sqlite3_stmt *st, int col)
{
	store_value v = {0};
	switch (sqlite3_column_type(st, col)) {
	case SQLITE_INTEGER:
		v.type = SV_INTEGER;
		v.i = sqlite3_column_int64(st, col);
		break;
	case SQLITE_FLOAT:
		v.type = SV_REAL;
		v.r = sqlite3_column_double(st, col);
		break;
	case SQLITE_TEXT:
		v.type = SV_TEXT;
		v.p = (const char *)sqlite3_column_text(st, col);
		v.n = (size_t)sqlite3_column_bytes(st, col);
		break;
	case SQLITE_BLOB:
		v.type = SV_BLOB;
		v.p = sqlite3_column_blob(st, col);
		v.n = (size_t)sqlite3_column_bytes(st, col);
		break;
	default:
		v.type = SV_NULL;
	}
	return v;
}

static void put_hex(buf *b, const char *p, size_t n)
{
	static const char digits[] = "0123456789abcdef";
	buf_reserve(b, 2 * n);
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)p[i];
		b->p[b->len++] = digits[c >> 4];
		b->p[b->len++] = digits[c & 15];
	}
	b->p[b->len] = 0;
}

void store_value_write(buf *b, const store_value *v)
{
	switch (v->type) {
	case SV_NULL:
		buf_puts(b, "null");
		break;
	case SV_INTEGER:
		buf_put_i64(b, v->i);
		break;
	case SV_REAL:
		if (isinf(v->r))
			buf_puts(b, v->r > 0 ? "{\"real\":\"inf\"}" : "{\"real\":\"-inf\"}");
		else if (isnan(v->r))      /* SQLite stores NaN as NULL; never seen */
			buf_puts(b, "null");
		else
			json_write_f64_serde(b, v->r);   /* "5.0", "1e21": always a real */
		break;
	case SV_TEXT:
		if ((v->n == 0 || memchr(v->p, 0, v->n) == NULL) && store_utf8_valid(v->p, v->n)) {
			json_write_string(b, v->p, v->n);
		} else {
			buf_puts(b, "{\"text_hex\":\"");
			put_hex(b, v->p, v->n);
			buf_puts(b, "\"}");
		}
		break;
	case SV_BLOB:
		buf_puts(b, "{\"blob\":\"");
		put_hex(b, v->p, v->n);
		buf_puts(b, "\"}");
		break;
	}
}

/* Lowercase hex of whole bytes into a fresh allocation. */
static bool unhex(const char *s, size_t n, char **out, size_t *outn)
{
	if (n % 2)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
			return false;
	char *p = mu_xmalloc(n / 2 + 1);
	if (!hex_decode((uint8_t *)p, n / 2, s, n, true)) {
		free(p);
		return false;
	}
	p[n / 2] = 0;
	*out = p;
	*outn = n / 2;
	return true;
}

static store_value_err from_object(jv j, store_value *v, char *detail, size_t cap)
{
	if (jv_object_length(jv_copy(j)) != 1)
		return DETAIL_FAIL(SV_ERR_KIND, detail, cap, "an object value has exactly one key (blob, text_hex or real)");
	int it = jv_object_iter(j);
	jv key = jv_object_iter_key(j, it);
	jv val = jv_object_iter_value(j, it);
	const char *k = jv_string_value(key);
	size_t n = 0;
	const char *s = json_str(val, &n);
	store_value_err e = SV_OK;
	if (strcmp(k, "blob") == 0 || strcmp(k, "text_hex") == 0) {
		char *p;
		size_t pn;
		if (!s || !unhex(s, n, &p, &pn)) {
			e = DETAIL_FAIL(SV_ERR_HEX, detail, cap, "%s: not lowercase hex of whole bytes", k);
		} else {
			v->type = k[0] == 'b' ? SV_BLOB : SV_TEXT;
			v->p = p;
			v->n = pn;
			v->owned = true;
		}
	} else if (strcmp(k, "real") == 0) {
		if (s && n == 3 && memcmp(s, "inf", 3) == 0) {
			v->type = SV_REAL;
			v->r = INFINITY;
		} else if (s && n == 4 && memcmp(s, "-inf", 4) == 0) {
			v->type = SV_REAL;
			v->r = -INFINITY;
		} else {
			e = DETAIL_FAIL(SV_ERR_REAL_WORD, detail, cap, "%s", store_value_strerror(SV_ERR_REAL_WORD));
		}
	} else {
		e = DETAIL_FAIL(SV_ERR_KIND, detail, cap, "unknown value object key '%s' (blob, text_hex or real)", k);
	}
	jv_free(key);
	jv_free(val);
	return e;
}

store_value_err store_value_from_json(jv j, store_value *v, char *detail, size_t cap)
{
	*v = (store_value){0};
	switch (jv_get_kind(j)) {
	case JV_KIND_NULL:
		v->type = SV_NULL;
		return SV_OK;
	case JV_KIND_NUMBER:
		if (!json_get_i64(j, &v->i))   /* JSON_EXACT_NUMBERS: only integers are jv numbers */
			return DETAIL_FAIL(SV_ERR_INTEGER_RANGE, detail, cap, "%s", store_value_strerror(SV_ERR_INTEGER_RANGE));
		v->type = SV_INTEGER;
		return SV_OK;
	case JV_KIND_STRING:
		if (json_is_float_literal(j)) {
			json_get_f64(j, &v->r);
			if (isinf(v->r))
				return DETAIL_FAIL(SV_ERR_REAL_RANGE, detail, cap, "%s", store_value_strerror(SV_ERR_REAL_RANGE));
			v->type = SV_REAL;
			return SV_OK;
		}
		if (json_is_bigint(j)) {
			if (!json_get_i64(j, &v->i))
				return DETAIL_FAIL(SV_ERR_INTEGER_RANGE, detail, cap, "%s", store_value_strerror(SV_ERR_INTEGER_RANGE));
			v->type = SV_INTEGER;
			return SV_OK;
		}
		v->type = SV_TEXT;
		v->p = json_str(j, &v->n);
		return SV_OK;
	case JV_KIND_OBJECT:
		return from_object(j, v, detail, cap);
	default:
		return DETAIL_FAIL(SV_ERR_KIND, detail, cap, "%s", store_value_strerror(SV_ERR_KIND));
	}
}

int store_value_bind(sqlite3_stmt *st, int idx, const store_value *v)
{
	switch (v->type) {
	case SV_INTEGER: return sqlite3_bind_int64(st, idx, v->i);
	case SV_REAL: return sqlite3_bind_double(st, idx, v->r);
	case SV_TEXT: return sqlite3_bind_text64(st, idx, v->p ? v->p : "", v->n, SQLITE_TRANSIENT, SQLITE_UTF8);
	case SV_BLOB: return sqlite3_bind_blob64(st, idx, v->p ? v->p : "", v->n, SQLITE_TRANSIENT);
	default: return sqlite3_bind_null(st, idx);
	}
}

void store_value_clear(store_value *v)
{
	if (v->owned)
		free((void *)v->p);
	*v = (store_value){0};
}

void store_row_write(buf *b, sqlite3_stmt *st, int first)
{
	int n = sqlite3_column_count(st);
	buf_putc(b, '{');
	for (int c = first; c < n; c++) {
		if (c > first)
			buf_putc(b, ',');
		const char *name = sqlite3_column_name(st, c);
		json_write_string(b, name ? name : "", name ? strlen(name) : 0);
		buf_putc(b, ':');
		store_value v = store_value_column(st, c);
		store_value_write(b, &v);
	}
	buf_putc(b, '}');
}
