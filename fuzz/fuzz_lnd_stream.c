/* libFuzzer target: the LND REST stream framing (lib/lnd_stream.h) under
 * arbitrary chunk sequences.
 * Input: byte 0 seeds the chunking; the rest is the response body. The body is
 * fed once in one piece and once in chunks whose sizes come from a small PRNG
 * seeded by byte 0 (sizes 0..17, so lines split everywhere and several lines
 * share chunks).
 * Properties: no crash or leak; both feeds deliver exactly the same messages
 * (kind and canonical JSON) in the same order; nothing is delivered after an
 * error or a malformed line; an error payload always has an integer "code"
 * and a string "message". */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"
#include "lnd_stream.h"

typedef struct trace {
	buf  out;          /* "kind:json\n" per delivered message */
	int  n;
	bool stopped_seen;
} trace;

static void on_msg(void *ctx, lnd_msg_kind kind, jv payload)
{
	trace *t = ctx;
	if (t->stopped_seen)
		abort();                            /* delivered after a stop */
	if (kind != LND_MSG_RESULT)
		t->stopped_seen = true;
	if (kind == LND_MSG_ERROR) {
		jv c = jv_object_get(jv_copy(payload), jv_string("code"));
		jv m = jv_object_get(jv_copy(payload), jv_string("message"));
		if (jv_get_kind(c) != JV_KIND_NUMBER || jv_get_kind(m) != JV_KIND_STRING)
			abort();
		jv_free(c);
		jv_free(m);
	}
	if (kind == LND_MSG_RESULT && jv_get_kind(payload) != JV_KIND_OBJECT)
		abort();
	buf_printf(&t->out, "%d:", (int)kind);
	json_write(&t->out, payload);
	buf_putc(&t->out, '\n');
	jv_free(payload);
	t->n++;
}

static void run(const uint8_t *data, size_t size, unsigned seed, bool chunked, trace *t)
{
	lnd_stream s;
	lnd_stream_init(&s, 4096, on_msg, t);
	size_t off = 0;
	uint32_t x = seed * 2654435761u + 1;
	while (off < size) {
		size_t n = size - off;
		if (chunked) {
			x = x * 1103515245u + 12345u;
			size_t want = (x >> 16) % 18;
			if (want < n)
				n = want;
		}
		bool ok = lnd_stream_feed(&s, (const char *)data + off, n);
		off += n;
		if (!ok)
			break;
	}
	lnd_stream_end(&s);
	lnd_stream_free(&s);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	unsigned seed = data[0];
	trace a = {BUF_INIT, 0, false}, b = {BUF_INIT, 0, false};
	run(data + 1, size - 1, seed, false, &a);
	run(data + 1, size - 1, seed, true, &b);
	if (a.n != b.n || a.out.len != b.out.len || (a.out.len && memcmp(a.out.p, b.out.p, a.out.len) != 0))
		abort();
	buf_free(&a.out);
	buf_free(&b.out);
	return 0;
}
