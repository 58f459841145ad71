/* fuzz_event — event_parse on arbitrary bytes. Whenever a text parses, the
 * event_write output must parse again to an identical event and serialize to
 * the very same bytes (the writer is canonical). Both flag sets are tried:
 * strict (signed events) and the template/rumor relaxations. */
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

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	check(data, size, 0);
	check(data, size, EVENT_ALLOW_NO_SIG | EVENT_ALLOW_NO_ID | EVENT_ALLOW_NO_PUBKEY);
	return 0;
}
