/* The pull cursor (json_cursor_*) and the word-at-a-time string scanners.
 * 1. Strings with a special byte at every offset 0..40 (crossing the 8-byte
 *    steps): the writer matches a byte-by-byte reference and the parser
 *    reads back the same bytes.
 * 2. The cursor walks objects and arrays and reports the same errors as
 *    json_parse for broken containers.
 * 3. event_parse with EVENT_ACCEPT_FRAME takes ["EVENT",<sub>,<event>] and
 *    refuses every other array shape. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "event.h"
#include "json.h"
#include "t.h"

static void reference_write(buf *b, const unsigned char *s, size_t n)
{
	static const char hexd[] = "0123456789abcdef";
	buf_putc(b, '"');
	for (size_t i = 0; i < n; i++) {
		unsigned char c = s[i];
		switch (c) {
		case '"': buf_puts(b, "\\\""); break;
		case '\\': buf_puts(b, "\\\\"); break;
		case '\b': buf_puts(b, "\\b"); break;
		case '\t': buf_puts(b, "\\t"); break;
		case '\n': buf_puts(b, "\\n"); break;
		case '\f': buf_puts(b, "\\f"); break;
		case '\r': buf_puts(b, "\\r"); break;
		default:
			if (c < 0x20) {
				buf_puts(b, "\\u00");
				buf_putc(b, hexd[c >> 4]);
				buf_putc(b, hexd[c & 15]);
			} else {
				buf_putc(b, (char)c);
			}
		}
	}
	buf_putc(b, '"');
}

static void strings_at_every_offset(void)
{
	static const char *specials[] = {"\"", "\\", "\n", "\x01", "\x1f", "\x7f", "\xc3\xa9", "\xf0\x9f\x98\x80", " "};
	int write_bad = 0, read_bad = 0, total = 0;
	for (size_t k = 0; k < sizeof specials / sizeof *specials; k++)
		for (size_t len = 0; len <= 40; len++)
			for (size_t at = 0; at <= len; at++) {
				unsigned char s[64];
				size_t sl = strlen(specials[k]);
				memset(s, 'A' + (int)(len % 26), len);
				memmove(s + at + sl, s + at, len - at);
				memcpy(s + at, specials[k], sl);
				size_t n = len + sl;
				buf got = BUF_INIT, want = BUF_INIT;
				json_write_string(&got, (const char *)s, n);
				reference_write(&want, s, n);
				write_bad += got.len != want.len || memcmp(got.p, want.p, got.len) != 0;
				json_error e;
				jv v = json_parse(got.p, got.len, 0, &e);
				size_t rn;
				const char *r = json_str(v, &rn);
				read_bad += !r || rn != n || memcmp(r, s, n) != 0;
				jv_free(v);
				buf_free(&got);
				buf_free(&want);
				total++;
			}
	t_eq_int(write_bad, 0, "writer == byte-by-byte reference for %d strings (special byte at every offset)", total);
	t_eq_int(read_bad, 0, "parser reads back every one of them exactly");
	/* raw control bytes and invalid UTF-8 are found at every offset too */
	int missed = 0;
	for (size_t at = 0; at < 40; at++) {
		char s[48];
		memset(s, 'x', sizeof s);
		s[0] = '"';
		s[1 + at] = (at % 2) ? '\x01' : '\xff';
		s[42] = '"';
		jv v = json_parse(s, 43, 0, NULL);
		missed += jv_is_valid(v);
		jv_free(v);
	}
	t_eq_int(missed, 0, "a raw control byte or invalid UTF-8 byte is refused at every offset");
}

static void cursor_walk(void)
{
	const char *text = " { \"a\" : [1, \"two\", {\"x\":null}], \"b\": \"s\\u00e9\", \"c\": 18446744073709551615 } ";
	json_error e;
	json_cursor c;
	json_cursor_init(&c, text, strlen(text), 0, &e);
	int keys = 0, elems = 0;
	uint64_t big = 0;
	char bval[8] = "";
	t_ok(json_cursor_begin(&c, '{'), "cursor: object opens");
	for (size_t i = 0; json_cursor_more(&c, '}', i) == 1; i++) {
		const char *k, *s;
		size_t kn, sn;
		if (!json_cursor_key(&c, &k, &kn))
			break;
		keys++;
		if (kn == 1 && k[0] == 'a') {
			json_cursor_begin(&c, '[');
			for (size_t j = 0; json_cursor_more(&c, ']', j) == 1; j++) {
				json_cursor_skip(&c);
				elems++;
			}
		} else if (kn == 1 && k[0] == 'b') {
			if (json_cursor_string(&c, &s, &sn) && sn < sizeof bval)
				memcpy(bval, s, sn);
		} else {
			json_cursor_uint(&c, &big);
		}
	}
	t_ok(e.code == JSON_OK && json_cursor_end(&c), "cursor: whole document read (%s)", e.msg);
	t_eq_int(keys, 3, "cursor: three keys");
	t_eq_int(elems, 3, "cursor: three array elements");
	t_eq_str(bval, "s\xc3\xa9", "cursor: escaped string decoded");
	t_ok(big == UINT64_MAX, "cursor: u64 max read exactly");
	json_cursor_free(&c);

	static const struct { const char *text; json_err code; } broken[] = {
		{"[1,]", JSON_ERR_SYNTAX}, {"[1 2]", JSON_ERR_SYNTAX}, {"{\"a\" 1}", JSON_ERR_SYNTAX},
		{"{\"a\":1,}", JSON_ERR_SYNTAX}, {"[1", JSON_ERR_EOF}, {"{\"a\":1", JSON_ERR_EOF},
		{"[\"\\u0000#1\"]", JSON_ERR_RESERVED}, {"{\"\\u0000#k\":1}", JSON_ERR_RESERVED},
	};
	for (size_t i = 0; i < sizeof broken / sizeof *broken; i++) {
		json_cursor_init(&c, broken[i].text, strlen(broken[i].text), 0, &e);
		char open = broken[i].text[0];
		char close = open == '[' ? ']' : '}';
		json_cursor_begin(&c, open);
		for (size_t j = 0; json_cursor_more(&c, close, j) == 1; j++) {
			const char *k;
			size_t kn;
			if (open == '{' && !json_cursor_key(&c, &k, &kn))
				break;
			if (!json_cursor_skip(&c))
				break;
		}
		json_error pe;
		jv v = json_parse(broken[i].text, strlen(broken[i].text), 0, &pe);
		jv_free(v);
		t_ok(e.code == broken[i].code && pe.code == broken[i].code,
		     "cursor and json_parse both refuse %s with %s (cursor: %s)", broken[i].text,
		     json_strerror(broken[i].code), e.msg);
		json_cursor_free(&c);
	}
	json_cursor_init(&c, "7.5", 3, JSON_INTEGERS_ONLY, &e);
	uint64_t u;
	t_ok(!json_cursor_uint(&c, &u) && e.code == JSON_ERR_NOT_INTEGER, "cursor: 7.5 is not an unsigned integer");
	json_cursor_free(&c);
	json_cursor_init(&c, "18446744073709551616", 20, 0, &e);
	t_ok(!json_cursor_uint(&c, &u) && e.code == JSON_ERR_NUMBER, "cursor: 2^64 is out of range");
	json_cursor_free(&c);
	json_cursor_init(&c, "012", 3, 0, &e);
	t_ok(!json_cursor_uint(&c, &u) && e.code == JSON_ERR_NUMBER, "cursor: leading zero refused");
	json_cursor_free(&c);
}

static void frames(void)
{
	const char *ev = "{\"id\":\"f13cbe22b166a8790ad3807fca24466c16629e06d796df619c4af17f399c7af9\","
			 "\"pubkey\":\"bfe2ced4a8d7d7d25c8be080a5addd3b22f0beabe022c978539ee374fab59fbf\","
			 "\"created_at\":1700000000,\"kind\":1,\"tags\":[],\"content\":\"hello world\","
			 "\"sig\":\"340256afaae10d0b39b2735bfdc73cc9060d8eb88e284f235202e937e6cd446636d8ac58a9a979484fc4813a615d7d3ce88673785f01b66e8ff3a57676e8626e\"}";
	static const struct { const char *fmt; bool ok; const char *what; } cases[] = {
		{"%s", true, "a bare event"},
		{"[\"EVENT\",\"sub1\",%s]", true, "a relay EVENT frame"},
		{" [ \"EVENT\" , \"\" , %s ] ", true, "a frame with spaces and an empty subscription id"},
		{"[\"EVENT\",%s]", false, "a frame without a subscription id"},
		{"[\"EVENT\",\"s\",%s,1]", false, "a frame with a fourth element"},
		{"[\"OK\",\"s\",%s]", false, "a frame that is not EVENT"},
		{"[\"EVENT\",7,%s]", false, "a subscription id that is not a string"},
		{"[\"EVENT\",\"s\",%s", false, "an unterminated frame"},
		{"[\"EVENT\",\"s\",%s] x", false, "text after the frame"},
	};
	for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
		char text[1024];
		snprintf(text, sizeof text, cases[i].fmt, ev);
		nostr_event e;
		char detail[160] = "";
		event_err rc = event_parse(&e, text, strlen(text), EVENT_ACCEPT_FRAME, detail, sizeof detail);
		t_ok((rc == EVENT_OK) == cases[i].ok && (rc != EVENT_OK || event_verify(&e) == EVENT_OK),
		     "EVENT_ACCEPT_FRAME: %s is %s (%s)", cases[i].what, cases[i].ok ? "accepted" : "refused", detail);
		event_free(&e);
		if (i == 1) {
			rc = event_parse(&e, text, strlen(text), 0, detail, sizeof detail);
			t_ok(rc == EVENT_ERR_SHAPE, "without the flag a frame is not an event (%s)", detail);
			event_free(&e);
		}
	}
}

int main(void)
{
	strings_at_every_offset();
	cursor_walk();
	frames();
	return t_done();
}
