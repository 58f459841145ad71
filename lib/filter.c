#include "detail.h"
#include "filter.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hex.h"

const char *filter_strerror(filter_err e)
{
	switch (e) {
	case FILTER_OK: return "ok";
	case FILTER_ERR_JSON: return "invalid JSON";
	case FILTER_ERR_NOT_OBJECT: return "filter is not a JSON object";
	case FILTER_ERR_UNKNOWN_KEY: return "unknown filter key";
	case FILTER_ERR_NOT_LIST: return "filter field is not an array";
	case FILTER_ERR_EMPTY_LIST: return "filter list is empty";
	case FILTER_ERR_IDS: return "ids value is not 64 lowercase hex";
	case FILTER_ERR_AUTHORS: return "authors value is not 64 lowercase hex";
	case FILTER_ERR_KINDS: return "kinds value is not an integer in 0..65535";
	case FILTER_ERR_TAG_VALUE: return "tag filter value is invalid";
	case FILTER_ERR_SINCE: return "since is not an unsigned integer";
	case FILTER_ERR_UNTIL: return "until is not an unsigned integer";
	case FILTER_ERR_LIMIT: return "limit is not an unsigned integer";
	}
	return "unknown error";
}

#define fail(e, d, n, ...) DETAIL_FAIL(e, d, n, __VA_ARGS__)

void filter_init(nostr_filter *f)
{
	memset(f, 0, sizeof *f);
}

static void tag_free(filter_tag *t)
{
	for (size_t i = 0; i < t->n; i++)
		free(t->values[i].s);
	free(t->values);
}

void filter_free(nostr_filter *f)
{
	free(f->ids);
	free(f->authors);
	free(f->kinds);
	for (size_t i = 0; i < f->n_tags; i++)
		tag_free(&f->tags[i]);
	free(f->tags);
	filter_init(f);
}

void filters_free(nostr_filter *fs, size_t n)
{
	for (size_t i = 0; i < n; i++)
		filter_free(&fs[i]);
	free(fs);
}

void filter_copy(nostr_filter *dst, const nostr_filter *src)
{
	*dst = *src;
	dst->ids = dst->authors = NULL;
	dst->kinds = NULL;
	dst->tags = NULL;
	if (src->n_ids) {
		dst->ids = mu_xmalloc(src->n_ids * 32);
		memcpy(dst->ids, src->ids, src->n_ids * 32);
	}
	if (src->n_authors) {
		dst->authors = mu_xmalloc(src->n_authors * 32);
		memcpy(dst->authors, src->authors, src->n_authors * 32);
	}
	if (src->n_kinds) {
		dst->kinds = mu_xmalloc(src->n_kinds * sizeof *src->kinds);
		memcpy(dst->kinds, src->kinds, src->n_kinds * sizeof *src->kinds);
	}
	if (src->n_tags) {
		dst->tags = mu_xmalloc(src->n_tags * sizeof *src->tags);
		for (size_t i = 0; i < src->n_tags; i++) {
			const filter_tag *s = &src->tags[i];
			filter_tag *d = &dst->tags[i];
			d->letter = s->letter;
			d->n = s->n;
			d->values = mu_xmalloc(s->n * sizeof *s->values);
			for (size_t j = 0; j < s->n; j++) {
				d->values[j].s = mu_xmalloc(s->values[j].n + 1);
				memcpy(d->values[j].s, s->values[j].s, s->values[j].n + 1);
				d->values[j].n = s->values[j].n;
			}
		}
	}
}

bool filter_tag_letter_ok(int c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

char filter_tag_indexed(jv tag, const char **value, size_t *len)
{
	if (jv_get_kind(tag) != JV_KIND_ARRAY || jv_array_length(jv_copy(tag)) < 2)
		return 0;
	jv name = jv_array_get(jv_copy(tag), 0);
	char letter = 0;
	if (jv_get_kind(name) == JV_KIND_STRING && jv_string_length_bytes(jv_copy(name)) == 1 &&
	    filter_tag_letter_ok((unsigned char)jv_string_value(name)[0]))
		letter = jv_string_value(name)[0];
	jv_free(name);
	if (!letter)
		return 0;
	jv v = jv_array_get(jv_copy(tag), 1);
	if (jv_get_kind(v) != JV_KIND_STRING) {
		jv_free(v);
		return 0;
	}
	*value = jv_string_value(v);       /* tag still holds a reference */
	*len = (size_t)jv_string_length_bytes(jv_copy(v));
	jv_free(v);
	return letter;
}

/* ------------------------------------------------------ sorted insertion */

/* Binary search over a sorted array of 32-byte keys. Returns the index of the
 * key or, when absent, the insertion point with *found false. */
static size_t find32(uint8_t (*a)[32], size_t n, const uint8_t k[32], bool *found)
{
	size_t lo = 0, hi = n;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = memcmp(a[mid], k, 32);
		if (c == 0) {
			*found = true;
			return mid;
		}
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	*found = false;
	return lo;
}

static void insert32(uint8_t (**a)[32], size_t *n, const uint8_t k[32])
{
	bool found;
	size_t at = find32(*a, *n, k, &found);
	if (found)
		return;
	*a = mu_xrealloc(*a, (*n + 1) * 32);
	memmove((*a)[at + 1], (*a)[at], (*n - at) * 32);
	memcpy((*a)[at], k, 32);
	(*n)++;
}

void filter_add_id(nostr_filter *f, const uint8_t id[32])
{
	insert32(&f->ids, &f->n_ids, id);
	f->has_ids = true;
}

void filter_add_author(nostr_filter *f, const uint8_t pk[32])
{
	insert32(&f->authors, &f->n_authors, pk);
	f->has_authors = true;
}

static bool kind_find(const uint16_t *a, size_t n, uint16_t k, size_t *at)
{
	size_t lo = 0, hi = n;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (a[mid] == k) {
			*at = mid;
			return true;
		}
		if (a[mid] < k)
			lo = mid + 1;
		else
			hi = mid;
	}
	*at = lo;
	return false;
}

void filter_add_kind(nostr_filter *f, uint16_t kind)
{
	size_t at;
	f->has_kinds = true;
	if (kind_find(f->kinds, f->n_kinds, kind, &at))
		return;
	f->kinds = mu_xrealloc(f->kinds, (f->n_kinds + 1) * sizeof *f->kinds);
	memmove(f->kinds + at + 1, f->kinds + at, (f->n_kinds - at) * sizeof *f->kinds);
	f->kinds[at] = kind;
	f->n_kinds++;
}

bool filter_has_kind(const nostr_filter *f, uint16_t k)
{
	size_t at;
	return f->has_kinds && kind_find(f->kinds, f->n_kinds, k, &at);
}

static int strcmp_n(const char *a, size_t an, const char *b, size_t bn)
{
	int c = memcmp(a, b, an < bn ? an : bn);
	if (c)
		return c;
	return an < bn ? -1 : an > bn;
}

static bool value_find(const filter_str *a, size_t n, const char *v, size_t vn, size_t *at)
{
	size_t lo = 0, hi = n;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = strcmp_n(a[mid].s, a[mid].n, v, vn);
		if (c == 0) {
			*at = mid;
			return true;
		}
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	*at = lo;
	return false;
}

const filter_tag *filter_tag_get(const nostr_filter *f, char letter)
{
	for (size_t i = 0; i < f->n_tags; i++)
		if (f->tags[i].letter == letter)
			return &f->tags[i];
	return NULL;
}

static bool hex64_value(char letter, const char *v, size_t n)
{
	return (letter != 'e' && letter != 'p') || hex_is_lower(v, n, 64);
}

filter_err filter_add_tag(nostr_filter *f, char letter, const char *v, size_t n)
{
	if (!filter_tag_letter_ok((unsigned char)letter))
		return FILTER_ERR_UNKNOWN_KEY;
	if (!hex64_value(letter, v, n))
		return FILTER_ERR_TAG_VALUE;
	size_t ti = 0;
	while (ti < f->n_tags && f->tags[ti].letter < letter)
		ti++;
	if (ti == f->n_tags || f->tags[ti].letter != letter) {
		f->tags = mu_xrealloc(f->tags, (f->n_tags + 1) * sizeof *f->tags);
		memmove(f->tags + ti + 1, f->tags + ti, (f->n_tags - ti) * sizeof *f->tags);
		f->tags[ti] = (filter_tag){ .letter = letter };
		f->n_tags++;
	}
	filter_tag *t = &f->tags[ti];
	size_t at;
	if (value_find(t->values, t->n, v, n, &at))
		return FILTER_OK;
	t->values = mu_xrealloc(t->values, (t->n + 1) * sizeof *t->values);
	memmove(t->values + at + 1, t->values + at, (t->n - at) * sizeof *t->values);
	t->values[at].s = mu_xmalloc(n + 1);
	memcpy(t->values[at].s, v, n);
	t->values[at].s[n] = 0;
	t->values[at].n = n;
	t->n++;
	return FILTER_OK;
}

void filter_set_since(nostr_filter *f, uint64_t t) { f->since = t; f->has_since = true; }
void filter_set_until(nostr_filter *f, uint64_t t) { f->until = t; f->has_until = true; }
void filter_set_limit(nostr_filter *f, uint64_t n) { f->limit = n; f->has_limit = true; }

/* ----------------------------------------------------------------- parse */

/* Checks that v is a non-empty array; returns its length or -1 with the error. */
static int list_length(jv v, const char *key, filter_err *e, char *detail, size_t dlen)
{
	if (jv_get_kind(v) != JV_KIND_ARRAY) {
		*e = fail(FILTER_ERR_NOT_LIST, detail, dlen, "%s: not an array", key);
		return -1;
	}
	int n = jv_array_length(jv_copy(v));
	if (n == 0) {
		*e = fail(FILTER_ERR_EMPTY_LIST, detail, dlen, "%s: empty list", key);
		return -1;
	}
	return n;
}

static filter_err parse_hex_list(nostr_filter *f, jv v, const char *key, bool authors,
				 char *detail, size_t dlen)
{
	filter_err e = FILTER_OK;
	filter_err bad = authors ? FILTER_ERR_AUTHORS : FILTER_ERR_IDS;
	int n = list_length(v, key, &e, detail, dlen);
	for (int i = 0; i < n; i++) {
		jv x = jv_array_get(jv_copy(v), i);
		size_t len;
		const char *s = json_str(x, &len);
		uint8_t k[32];
		bool ok = s && hex_is_lower(s, len, 64) && hex_decode(k, 32, s, len, true);
		jv_free(x);
		if (!ok) {
			if (s && len < 64 && hex_is_lower(s, len, len))
				return fail(bad, detail, dlen, "%s[%d]: not 64 lowercase hex (prefixes are not accepted)", key, i);
			return fail(bad, detail, dlen, "%s[%d]: not 64 lowercase hex", key, i);
		}
		if (authors)
			filter_add_author(f, k);
		else
			filter_add_id(f, k);
	}
	return e;
}

static filter_err parse_kinds(nostr_filter *f, jv v, char *detail, size_t dlen)
{
	filter_err e = FILTER_OK;
	int n = list_length(v, "kinds", &e, detail, dlen);
	for (int i = 0; i < n; i++) {
		jv x = jv_array_get(jv_copy(v), i);
		uint64_t k;
		bool ok = json_get_u64(x, &k) && k <= 65535;
		jv_free(x);
		if (!ok)
			return fail(FILTER_ERR_KINDS, detail, dlen, "kinds[%d]: not an integer in 0..65535", i);
		filter_add_kind(f, (uint16_t)k);
	}
	return e;
}

static filter_err parse_tag_list(nostr_filter *f, jv v, const char *key, char *detail, size_t dlen)
{
	filter_err e = FILTER_OK;
	int n = list_length(v, key, &e, detail, dlen);
	for (int i = 0; i < n; i++) {
		jv x = jv_array_get(jv_copy(v), i);
		size_t len;
		const char *s = json_str(x, &len);
		filter_err te = s ? filter_add_tag(f, key[1], s, len) : FILTER_ERR_TAG_VALUE;
		jv_free(x);
		if (te != FILTER_OK)
			return fail(FILTER_ERR_TAG_VALUE, detail, dlen, s ? "%s[%d]: not 64 lowercase hex" :
				    "%s[%d]: not a string", key, i);
	}
	return e;
}

static filter_err parse_u64(jv v, uint64_t *out, bool *has, filter_err bad, const char *key,
			    char *detail, size_t dlen)
{
	if (!json_get_u64(v, out))
		return fail(bad, detail, dlen, "%s: not an unsigned integer", key);
	*has = true;
	return FILTER_OK;
}

static filter_err parse_field(nostr_filter *f, const char *key, size_t klen, jv v,
			      char *detail, size_t dlen)
{
	if (strcmp(key, "ids") == 0)
		return parse_hex_list(f, v, key, false, detail, dlen);
	if (strcmp(key, "authors") == 0)
		return parse_hex_list(f, v, key, true, detail, dlen);
	if (strcmp(key, "kinds") == 0)
		return parse_kinds(f, v, detail, dlen);
	if (strcmp(key, "since") == 0)
		return parse_u64(v, &f->since, &f->has_since, FILTER_ERR_SINCE, key, detail, dlen);
	if (strcmp(key, "until") == 0)
		return parse_u64(v, &f->until, &f->has_until, FILTER_ERR_UNTIL, key, detail, dlen);
	if (strcmp(key, "limit") == 0)
		return parse_u64(v, &f->limit, &f->has_limit, FILTER_ERR_LIMIT, key, detail, dlen);
	if (klen == 2 && key[0] == '#' && filter_tag_letter_ok((unsigned char)key[1]))
		return parse_tag_list(f, v, key, detail, dlen);
	/* Keys may contain anything; show them escaped and bounded (cut on a
	 * character boundary: the text goes into a relay's CLOSED frame). */
	size_t shown = klen > 40 ? detail_utf8_prefix(key, 40) : klen;
	buf k = BUF_INIT;
	json_write_string(&k, key, shown);
	filter_err e = fail(FILTER_ERR_UNKNOWN_KEY, detail, dlen, "unknown key %s%s", k.p,
			    shown < klen ? "..." : "");
	buf_free(&k);
	return e;
}

filter_err filter_from_jv(nostr_filter *f, jv v, char *detail, size_t dlen)
{
	filter_err e = FILTER_OK;
	filter_init(f);
	if (jv_get_kind(v) != JV_KIND_OBJECT) {
		jv_free(v);
		return fail(FILTER_ERR_NOT_OBJECT, detail, dlen, "filter: not a JSON object");
	}
	int it = jv_object_iter(v);
	while (e == FILTER_OK && jv_object_iter_valid(v, it)) {
		jv key = jv_object_iter_key(v, it);
		jv val = jv_object_iter_value(v, it);
		e = parse_field(f, jv_string_value(key), (size_t)jv_string_length_bytes(jv_copy(key)),
				val, detail, dlen);
		jv_free(key);
		jv_free(val);
		it = jv_object_iter_next(v, it);
	}
	jv_free(v);
	if (e != FILTER_OK)
		filter_free(f);
	return e;
}

filter_err filter_parse(nostr_filter *f, const char *text, size_t len, char *detail, size_t dlen)
{
	json_error je;
	jv v = json_parse(text, len, JSON_INTEGERS_ONLY, &je);
	if (!jv_is_valid(v)) {
		jv_free(v);
		filter_init(f);
		return fail(FILTER_ERR_JSON, detail, dlen, "%s", je.msg);
	}
	return filter_from_jv(f, v, detail, dlen);
}

/* ----------------------------------------------------------------- match */

static int letter_index(int c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return 26 + c - 'a';
	return -1;
}

/* Every "#x" condition of f holds for ev's tags. One pass over the tags. */
static bool tags_match(const nostr_filter *f, const nostr_event *ev)
{
	uint64_t want = 0, got = 0;
	const filter_tag *by_letter[52] = {0};
	for (size_t i = 0; i < f->n_tags; i++) {
		int li = letter_index(f->tags[i].letter);
		want |= 1ull << li;
		by_letter[li] = &f->tags[i];
	}
	int n = jv_array_length(jv_copy(ev->tags));
	for (int i = 0; i < n && got != want; i++) {
		jv t = jv_array_get(jv_copy(ev->tags), i);
		const char *v;
		size_t vn, at;
		int li = letter_index(filter_tag_indexed(t, &v, &vn));
		if (li >= 0 && by_letter[li] && !(got & (1ull << li)) &&
		    value_find(by_letter[li]->values, by_letter[li]->n, v, vn, &at))
			got |= 1ull << li;
		jv_free(t);
	}
	return got == want;
}

bool filter_match(const nostr_filter *f, const nostr_event *ev)
{
	bool found;
	size_t at;
	if (f->has_since && ev->created_at < f->since)
		return false;
	if (f->has_until && ev->created_at > f->until)
		return false;
	if (f->has_kinds && (ev->kind > 65535 || !kind_find(f->kinds, f->n_kinds, (uint16_t)ev->kind, &at)))
		return false;
	if (f->has_ids && (find32(f->ids, f->n_ids, ev->id, &found), !found))
		return false;
	if (f->has_authors && (find32(f->authors, f->n_authors, ev->pubkey, &found), !found))
		return false;
	return f->n_tags == 0 || tags_match(f, ev);
}

bool filters_match(const nostr_filter *fs, size_t n, const nostr_event *ev)
{
	for (size_t i = 0; i < n; i++)
		if (filter_match(&fs[i], ev))
			return true;
	return false;
}

/* ----------------------------------------------------------------- write */

static void write_hex_list(buf *b, const char *key, uint8_t (*a)[32], size_t n, bool *first)
{
	char hx[65];
	if (!*first)
		buf_putc(b, ',');
	*first = false;
	buf_printf(b, "\"%s\":[", key);
	for (size_t i = 0; i < n; i++) {
		hex_encode(hx, a[i], 32);
		buf_puts(b, i ? ",\"" : "\"");
		buf_put(b, hx, 64);
		buf_putc(b, '"');
	}
	buf_putc(b, ']');
}

static void write_u64_field(buf *b, const char *key, uint64_t v, bool *first)
{
	if (!*first)
		buf_putc(b, ',');
	*first = false;
	buf_printf(b, "\"%s\":", key);
	buf_put_u64(b, v);
}

void filter_write(buf *b, const nostr_filter *f)
{
	bool first = true;
	buf_putc(b, '{');
	if (f->has_ids)
		write_hex_list(b, "ids", f->ids, f->n_ids, &first);
	if (f->has_authors)
		write_hex_list(b, "authors", f->authors, f->n_authors, &first);
	if (f->has_kinds) {
		if (!first)
			buf_putc(b, ',');
		first = false;
		buf_puts(b, "\"kinds\":[");
		for (size_t i = 0; i < f->n_kinds; i++) {
			if (i)
				buf_putc(b, ',');
			buf_put_u64(b, f->kinds[i]);
		}
		buf_putc(b, ']');
	}
	for (size_t i = 0; i < f->n_tags; i++) {
		const filter_tag *t = &f->tags[i];
		if (!first)
			buf_putc(b, ',');
		first = false;
		buf_printf(b, "\"#%c\":[", t->letter);
		for (size_t j = 0; j < t->n; j++) {
			if (j)
				buf_putc(b, ',');
			json_write_string(b, t->values[j].s, t->values[j].n);
		}
		buf_putc(b, ']');
	}
	if (f->has_since)
		write_u64_field(b, "since", f->since, &first);
	if (f->has_until)
		write_u64_field(b, "until", f->until, &first);
	if (f->has_limit)
		write_u64_field(b, "limit", f->limit, &first);
	buf_putc(b, '}');
}

void filters_write(buf *b, const nostr_filter *fs, size_t n)
{
	buf_putc(b, '[');
	for (size_t i = 0; i < n; i++) {
		if (i)
			buf_putc(b, ',');
		filter_write(b, &fs[i]);
	}
	buf_putc(b, ']');
}
