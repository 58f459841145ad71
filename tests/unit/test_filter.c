/* NIP-01 filters (lib/filter.h).
 * filter-parse.jsonl: text -> canonical JSON, or the error code and detail.
 * filter-match.jsonl: (filter, event) -> match.
 * Plus: canonical output re-parses to the same canonical output, building a
 * filter with the add functions, filter lists (OR), deep copy. */
#include <stdlib.h>
#include <string.h>

#include "filter.h"
#include "hex.h"
#include "t.h"

static const char *err_name(filter_err e)
{
	switch (e) {
	case FILTER_OK: return "ok";
	case FILTER_ERR_JSON: return "json";
	case FILTER_ERR_NOT_OBJECT: return "not_object";
	case FILTER_ERR_UNKNOWN_KEY: return "unknown_key";
	case FILTER_ERR_NOT_LIST: return "not_list";
	case FILTER_ERR_EMPTY_LIST: return "empty_list";
	case FILTER_ERR_IDS: return "ids";
	case FILTER_ERR_AUTHORS: return "authors";
	case FILTER_ERR_KINDS: return "kinds";
	case FILTER_ERR_TAG_VALUE: return "tag_value";
	case FILTER_ERR_SINCE: return "since";
	case FILTER_ERR_UNTIL: return "until";
	case FILTER_ERR_LIMIT: return "limit";
	}
	return "?";
}

static void check_parse(jv rec, int lineno, void *ctx)
{
	(void)ctx;
	const char *name = json_get_str(rec, "name", NULL);
	size_t tl;
	const char *text = json_get_str(rec, "filter", &tl);
	char detail[200] = "";
	nostr_filter f;
	filter_err e = filter_parse(&f, text, tl, detail, sizeof detail);
	const char *want_err = json_get_str(rec, "error", NULL);
	if (!want_err) {
		t_eq_str(err_name(e), "ok", "parse %d %s: accepted (%s)", lineno, name, detail);
		buf b = BUF_INIT;
		filter_write(&b, &f);
		t_eq_str(b.p, json_get_str(rec, "canonical", NULL), "parse %d %s: canonical form", lineno, name);
		/* canonical output is a fixed point */
		nostr_filter g;
		buf c = BUF_INIT;
		filter_err e2 = filter_parse(&g, b.p, b.len, NULL, 0);
		filter_write(&c, &g);
		t_ok(e2 == FILTER_OK && strcmp(b.p, c.p) == 0, "parse %d %s: canonical re-parses to itself", lineno, name);
		filter_free(&g);
		buf_free(&b);
		buf_free(&c);
	} else {
		t_eq_str(err_name(e), want_err, "parse %d %s: refused with the right error", lineno, name);
		const char *want_detail = json_get_str(rec, "detail", NULL);
		if (want_detail)
			t_eq_str(detail, want_detail, "parse %d %s: detail names the field", lineno, name);
		t_ok(f.n_ids == 0 && f.n_kinds == 0 && f.n_tags == 0 && !f.has_since,
		     "parse %d %s: left empty after the error", lineno, name);
	}
	filter_free(&f);
}

static void check_match(jv rec, int lineno, void *ctx)
{
	(void)ctx;
	const char *name = json_get_str(rec, "name", NULL);
	nostr_filter f;
	nostr_event ev;
	char d[160] = "";
	filter_err fe = filter_from_jv(&f, json_get(rec, "filter"), d, sizeof d);
	event_err ee = event_from_jv(&ev, json_get(rec, "event"), EVENT_ALLOW_NO_SIG, d, sizeof d);
	t_ok(fe == FILTER_OK && ee == EVENT_OK, "match %d %s: inputs parse (%s)", lineno, name, d);
	jv want = json_get(rec, "match");
	bool w = jv_get_kind(want) == JV_KIND_TRUE;
	jv_free(want);
	t_eq_int(filter_match(&f, &ev), w, "match %d %s: %s", lineno, name, w ? "matches" : "does not match");
	filter_free(&f);
	event_free(&ev);
}

static void test_build(void)
{
	nostr_filter f;
	uint8_t a[32], b[32];
	memset(a, 0xaa, 32);
	memset(b, 0x11, 32);
	filter_init(&f);
	filter_add_author(&f, a);
	filter_add_author(&f, b);
	filter_add_author(&f, a);
	filter_add_kind(&f, 1059);
	filter_add_kind(&f, 14);
	t_eq_int(filter_add_tag(&f, 'p', "zz", 2), FILTER_ERR_TAG_VALUE, "build: #p value must be 64 hex");
	t_eq_int(filter_add_tag(&f, '1', "x", 1), FILTER_ERR_UNKNOWN_KEY, "build: tag letter must be a-zA-Z");
	t_eq_int(filter_add_tag(&f, 'd', "order-1", 7), FILTER_OK, "build: #d value accepted");
	filter_set_since(&f, 100);
	filter_set_limit(&f, 5);
	buf out = BUF_INIT;
	filter_write(&out, &f);
	t_eq_str(out.p, "{\"authors\":[\"1111111111111111111111111111111111111111111111111111111111111111\","
		 "\"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\"],"
		 "\"kinds\":[14,1059],\"#d\":[\"order-1\"],\"since\":100,\"limit\":5}",
		 "build: canonical JSON of a built filter");
	t_ok(filter_has_kind(&f, 1059) && !filter_has_kind(&f, 1), "build: filter_has_kind");

	nostr_filter g;
	filter_copy(&g, &f);
	filter_free(&f);
	buf out2 = BUF_INIT;
	filter_write(&out2, &g);
	t_eq_str(out2.p, out.p, "copy: a deep copy outlives the original");
	filter_free(&g);
	buf_free(&out);
	buf_free(&out2);
}

static void test_list(void)
{
	const char *ej = "{\"id\":\"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\","
			 "\"pubkey\":\"bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb\","
			 "\"created_at\":5,\"kind\":7,\"tags\":[],\"content\":\"\"}";
	nostr_event ev;
	event_parse(&ev, ej, strlen(ej), EVENT_ALLOW_NO_SIG, NULL, 0);
	nostr_filter fs[2];
	filter_parse(&fs[0], "{\"kinds\":[1]}", 13, NULL, 0);
	filter_parse(&fs[1], "{\"kinds\":[7]}", 13, NULL, 0);
	t_ok(!filters_match(fs, 1, &ev), "list: first filter alone does not match");
	t_ok(filters_match(fs, 2, &ev), "list: filters are ORed");
	t_ok(!filters_match(fs, 0, &ev), "list: an empty list matches nothing");
	buf b = BUF_INIT;
	filters_write(&b, fs, 2);
	t_eq_str(b.p, "[{\"kinds\":[1]},{\"kinds\":[7]}]", "list: filters_write");
	buf_free(&b);
	filter_free(&fs[0]);
	filter_free(&fs[1]);
	event_free(&ev);
}

/* filter_tag_indexed: the one rule for which tags "#x" filters, the relay's
 * tag index and its NIP-42 read check see. Names are length-counted. */
static void test_tag_indexed(void)
{
	static const struct { const char *tag; char letter; const char *value; } rows[] = {
		{"[\"p\",\"v\"]", 'p', "v"},
		{"[\"Z\",\"\",\"x\"]", 'Z', ""},
		{"[\"p\\u0000x\",\"v\"]", 0, NULL},     /* "p" then NUL: three bytes, no p tag */
		{"[\"p\\u0000\",\"v\"]", 0, NULL},
		{"[\"\\u0000\",\"v\"]", 0, NULL},
		{"[\"pp\",\"v\"]", 0, NULL},
		{"[\"\",\"v\"]", 0, NULL},
		{"[\"1\",\"v\"]", 0, NULL},
		{"[\"\u00e9\",\"v\"]", 0, NULL},          /* one character, two bytes */
		{"[\"p\"]", 0, NULL},                       /* no value */
		{"[\"p\",1]", 0, NULL},                     /* value not a string */
		{"[1,\"v\"]", 0, NULL},
		{"[\"e\",\"a\\u0000b\"]", 'e', "a\0b"},   /* values may hold NUL: use the length */
	};
	for (size_t i = 0; i < sizeof rows / sizeof *rows; i++) {
		json_error je;
		jv t = json_parse(rows[i].tag, strlen(rows[i].tag), 0, &je);
		const char *v = NULL;
		size_t vn = 0;
		char got = filter_tag_indexed(t, &v, &vn);
		t_eq_int(got, rows[i].letter, "tag_indexed %s: letter", rows[i].tag);
		if (rows[i].value) {
			size_t wn = strlen(rows[i].value) + (rows[i].letter == 'e' ? 2 : 0);
			t_ok(v && vn == wn && memcmp(v, rows[i].value, wn) == 0, "tag_indexed %s: value", rows[i].tag);
		}
		jv_free(t);
	}
}

int main(void)
{
	int n = t_jsonl("filter-parse.jsonl", check_parse, NULL);
	t_ok(n >= 30, "filter-parse.jsonl has %d records", n);
	n = t_jsonl("filter-match.jsonl", check_match, NULL);
	t_ok(n >= 20, "filter-match.jsonl has %d records", n);
	test_build();
	test_list();
	test_tag_indexed();
	return t_done();
}
