/* fuzz_event — event_parse on arbitrary bytes. Whenever a text parses, the
 * event_write output must parse again to an identical event and serialize to
 * the very same bytes (the writer is canonical). The flag sets are tried:
 * strict (signed events), the template relaxations, relay frames and rumors. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "event.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static bool same_jv(jv a, jv b)
{
	return jv_equal(jv_copy(a), jv_copy(b));
}

static void check(const uint8_t *data, size_t size, int flags)
{
	nostr_event ev, back;
	if (event_parse(&ev, (const char *)data, size, flags, NULL, 0) != EVENT_OK) {
		event_free(&ev);      /* a failed parse leaves an event_init()ed event */
		return;
	}
	buf out = BUF_INIT, again = BUF_INIT;
	event_write(&out, &ev);
	char detail[160] = "";
	if (event_parse(&back, out.p, out.len, flags, detail, sizeof detail) != EVENT_OK) {
		fprintf(stderr, "re-parse failed (%s): %s\n", detail, out.p);
		abort();
	}
	if (ev.has_id != back.has_id || ev.has_sig != back.has_sig ||
	    (ev.has_id && memcmp(ev.id, back.id, 32) != 0) || memcmp(ev.pubkey, back.pubkey, 32) != 0 ||
	    (ev.has_sig && memcmp(ev.sig, back.sig, 64) != 0) || ev.created_at != back.created_at ||
	    ev.kind != back.kind || !same_jv(ev.tags, back.tags) || !same_jv(ev.content, back.content)) {
		fprintf(stderr, "re-parsed event differs: %s\n", out.p);
		abort();
	}
	event_write(&again, &back);
	if (again.len != out.len || memcmp(again.p, out.p, out.len) != 0) {
		fprintf(stderr, "writer not canonical:\n%s\n%s\n", out.p, again.p);
		abort();
	}
	buf_free(&out);
	buf_free(&again);
	event_free(&back);
	event_free(&ev);
}

/* The direct cursor reader (event_parse) and the jv path (json_parse +
 * event_from_jv) must accept exactly the same texts and read the same event. */
static void cross_check(const uint8_t *data, size_t size, int flags)
{
	nostr_event a, b;
	event_err ra = event_parse(&a, (const char *)data, size, flags, NULL, 0);
	json_error je;
	jv v = json_parse((const char *)data, size, JSON_INTEGERS_ONLY, &je);
	event_err rb = jv_is_valid(v) ? event_from_jv(&b, v, flags, NULL, 0) : (jv_free(v), EVENT_ERR_JSON);
	if ((ra == EVENT_OK) != (rb == EVENT_OK)) {
		fprintf(stderr, "cursor says %s, jv path says %s: %.*s\n", event_strerror(ra),
			event_strerror(rb), (int)size, (const char *)data);
		abort();
	}
	if (ra == EVENT_OK) {
		buf x = BUF_INIT, y = BUF_INIT;
		event_write(&x, &a);
		event_write(&y, &b);
		if (x.len != y.len || memcmp(x.p, y.p, x.len) != 0) {
			fprintf(stderr, "the two paths read different events:\n%s\n%s\n", x.p, y.p);
			abort();
		}
		buf_free(&x);
		buf_free(&y);
		event_free(&a);
		event_free(&b);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	check(data, size, 0);
	check(data, size, EVENT_ALLOW_NO_SIG | EVENT_ALLOW_NO_ID | EVENT_ALLOW_NO_PUBKEY);
	check(data, size, EVENT_ACCEPT_FRAME);
	check(data, size, EVENT_RUMOR);
	cross_check(data, size, 0);
	cross_check(data, size, EVENT_ALLOW_NO_SIG | EVENT_ALLOW_NO_ID | EVENT_ALLOW_NO_PUBKEY);
	cross_check(data, size, EVENT_RUMOR);
	return 0;
}
