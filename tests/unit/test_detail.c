/* Error details cut to fit (lib/detail.h): the cut falls on a UTF-8 character
 * boundary, in detail_set itself and where the parsers bound echoed input
 * (a filter key, a frame type), so a relay's NOTICE/CLOSED/OK text is always
 * valid UTF-8. Every output here is also checked to be valid UTF-8. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "detail.h"
#include "filter.h"
#include "relaymsg.h"
#include "t.h"

/* Strict UTF-8 (RFC 3629: no overlongs, no surrogates, at most U+10FFFF). */
static bool utf8_valid(const char *s, size_t n)
{
	const unsigned char *p = (const unsigned char *)s;
	for (size_t i = 0; i < n;) {
		unsigned c = p[i];
		size_t k = c < 0x80 ? 1 : (c >= 0xc2 && c <= 0xdf) ? 2 : (c >= 0xe0 && c <= 0xef) ? 3 :
			   (c >= 0xf0 && c <= 0xf4) ? 4 : 0;
		if (!k || i + k > n)
			return false;
		unsigned lo = 0x80, hi = 0xbf;
		if (c == 0xe0) lo = 0xa0;
		if (c == 0xed) hi = 0x9f;
		if (c == 0xf0) lo = 0x90;
		if (c == 0xf4) hi = 0x8f;
		for (size_t j = 1; j < k; j++) {
			if (p[i + j] < (j == 1 ? lo : 0x80) || p[i + j] > (j == 1 ? hi : 0xbf))
				return false;
		}
		i += k;
	}
	return true;
}

static void test_prefix(void)
{
	static const struct { const char *s; size_t n, want; } rows[] = {
		{"", 0, 0},
		{"abc", 3, 3},
		{"a\xc3\xa9", 3, 3},                 /* é complete */
		{"a\xc3\xa9", 2, 1},                 /* cut after the lead byte */
		{"\xe2\x82\xac", 3, 3},              /* € */
		{"\xe2\x82\xac", 2, 0},
		{"\xe2\x82\xac", 1, 0},
		{"x\xf0\x9f\x98\x80", 5, 5},         /* 😀 */
		{"x\xf0\x9f\x98\x80", 4, 1},
		{"x\xf0\x9f\x98\x80", 3, 1},
		{"x\xf0\x9f\x98\x80", 2, 1},
		{"\xc3\xa9\xc3\xa9", 4, 4},
		{"\xc3\xa9\xc3\xa9", 3, 2},
		{"\x80\x80", 2, 2},                  /* no lead byte: left as it is */
	};
	for (size_t i = 0; i < sizeof rows / sizeof *rows; i++)
		t_eq_int((long long)detail_utf8_prefix(rows[i].s, rows[i].n), (long long)rows[i].want,
			 "utf8_prefix row %zu (n=%zu)", i, rows[i].n);
}

static void test_set(void)
{
	/* every cap from 1 to past the end: the output is a prefix of the full
	 * text, valid UTF-8, and only shorter than cap - 1 by a partial character */
	const char *full = "x\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80y";   /* xé€😀y, 11 bytes */
	for (size_t cap = 1; cap <= 14; cap++) {
		char d[16];
		memset(d, '#', sizeof d);
		detail_set(d, cap, "%s", full);
		size_t n = strlen(d);
		bool ok = n < cap && memcmp(d, full, n) == 0 && utf8_valid(d, n) &&
			  (n == strlen(full) || cap - 1 - n <= 3);
		t_ok(ok, "detail_set cap %zu: \"%s\" is a whole-character prefix", cap, d);
	}
	char d[8];
	detail_set(d, sizeof d, "%s", "abcdef\xc3\xa9");       /* the é would take bytes 7-8 */
	t_eq_str(d, "abcdef", "detail_set: a two-byte character that does not fit is left out");
	char e[5];
	detail_set(e, sizeof e, "%s", "ab\xe2\x82\xac");       /* fits exactly: 5 bytes with NUL */
	t_eq_str(e, "ab", "detail_set: a three-byte character cut after one byte is left out");
}

static void test_filter_key(void)
{
	/* an unknown key is echoed up to 40 bytes: 'a' and 20 two-byte
	 * characters is 41 bytes, the 40-byte cut falls inside the 20th */
	char key[64] = "a";
	for (int i = 0; i < 20; i++)
		strcat(key, "\xc3\xa9");
	char text[128], detail[200];
	snprintf(text, sizeof text, "{\"%s\":1}", key);
	nostr_filter f;
	filter_err e = filter_parse(&f, text, strlen(text), detail, sizeof detail);
	t_ok(e == FILTER_ERR_UNKNOWN_KEY, "filter: unknown key refused");
	char want[128];
	snprintf(want, sizeof want, "unknown key \"%.*s\"...", 39, key);   /* 'a' + 19 characters */
	t_eq_str(detail, want, "filter: a long key is echoed up to the last whole character");
	t_ok(utf8_valid(detail, strlen(detail)), "filter: the detail is valid UTF-8");
}

static void test_frame_type(void)
{
	/* a frame type is echoed up to 24 bytes: 'a' and 12 two-byte characters */
	char type[64] = "a";
	for (int i = 0; i < 12; i++)
		strcat(type, "\xc3\xa9");
	char text[128], detail[240];
	snprintf(text, sizeof text, "[\"%s\"]", type);
	rmsg m;
	rmsg_err e = rmsg_parse_client(&m, text, strlen(text), detail, sizeof detail);
	rmsg_free(&m);
	t_ok(e == RMSG_ERR_UNKNOWN, "frame: unknown type refused");
	char want[128];
	snprintf(want, sizeof want, "frame: unknown client message type \"%.*s\"...", 23, type);
	t_eq_str(detail, want, "frame: a long type is echoed up to the last whole character");
	t_ok(utf8_valid(detail, strlen(detail)), "frame: the detail is valid UTF-8");
	/* and the relay's own messages built from it: cut again to fit a CLOSED */
	buf b = BUF_INIT;
	char big[600];
	memset(big, 'z', sizeof big);
	memcpy(big + 505, "\xe2\x82\xac", 3);          /* € across the 512-byte limit */
	big[599] = 0;
	rmsg_write_closedf(&b, "s", 1, "%s", big);
	t_ok(utf8_valid(b.p, b.len), "CLOSED built from a long text is valid UTF-8");
	t_ok(strstr(b.p, "\xe2\x82\xac") != NULL, "CLOSED: the character before the limit is kept");
	buf_free(&b);
	memcpy(big + 509, "\xe2\x82\xac", 3);          /* € at bytes 509-511: does not fit */
	rmsg_write_closedf(&b, "s", 1, "%s", big);
	t_ok(utf8_valid(b.p, b.len), "CLOSED: a character across the limit is left out whole");
	buf_free(&b);
}

int main(void)
{
	test_prefix();
	test_set();
	test_filter_key();
	test_frame_type();
	return t_done();
}
