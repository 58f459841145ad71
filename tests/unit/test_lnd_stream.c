/* LND REST stream framing (lib/lnd_stream.h): {"result":..} lines, the
 * {"error":..} wrapper and the bare unary form, lines split anywhere across
 * chunks, several lines per chunk, CRLF and blank lines, a last line without
 * '\n', garbage, an over-long line, nothing after a stop. */
#include <stdlib.h>
#include <string.h>

#include "json.h"
#include "lnd_stream.h"
#include "t.h"

typedef struct trace { buf out; } trace;

static void on_msg(void *ctx, lnd_msg_kind kind, jv payload)
{
	trace *t = ctx;
	buf_puts(&t->out, kind == LND_MSG_RESULT ? "R" : kind == LND_MSG_ERROR ? "E" : "M");
	json_write(&t->out, payload);
	buf_putc(&t->out, ';');
	jv_free(payload);
}

/* Feeds body in chunks of `step` bytes (0 = all at once); returns the trace. */
static char *feed(const char *body, size_t step, size_t max)
{
	trace t = {BUF_INIT};
	lnd_stream s;
	lnd_stream_init(&s, max, on_msg, &t);
	size_t n = strlen(body), off = 0;
	while (off < n) {
		size_t k = step && step < n - off ? step : n - off;
		lnd_stream_feed(&s, body + off, k);
		off += k;
	}
	lnd_stream_end(&s);
	lnd_stream_free(&s);
	buf_putc(&t.out, 0);
	return buf_steal(&t.out);
}

static const struct { const char *name, *body, *want; } cases[] = {
	{"two results", "{\"result\":{\"a\":1}}\n{\"result\":{\"b\":2}}\n", "R{\"a\":1};R{\"b\":2};"},
	{"error wrapper after a result", "{\"result\":{}}\n{\"error\":{\"code\":2,\"message\":\"x\",\"details\":[]}}\n",
	 "R{};E{\"code\":2,\"message\":\"x\"};"},
	{"error before any result", "{\"error\":{\"code\":5,\"message\":\"payment isn't initiated\",\"details\":[]}}\n",
	 "E{\"code\":5,\"message\":\"payment isn't initiated\"};"},
	{"bare unary error on a stream", "{\"code\":3,\"message\":\"type mismatch\",\"details\":[]}",
	 "E{\"code\":3,\"message\":\"type mismatch\"};"},
	{"CRLF and blank lines", "\r\n\n  {\"result\":{\"s\":\"OPEN\"}}\r\n\n", "R{\"s\":\"OPEN\"};"},
	{"last line without newline", "{\"result\":{\"a\":1}}\n{\"result\":{\"b\":2}}", "R{\"a\":1};R{\"b\":2};"},
	{"cut in the middle of a line", "{\"result\":{\"a\":1}}\n{\"result\":{\"sta", "R{\"a\":1};M{\"message\":\"at byte 15: unterminated string\"};"},
	{"nothing after an error", "{\"error\":{\"code\":2,\"message\":\"a\"}}\n{\"result\":{}}\n", "E{\"code\":2,\"message\":\"a\"};"},
	{"garbage line stops the stream", "{\"result\":{}}\nHTTP/1.1 502 Bad Gateway\n{\"result\":{}}\n",
	 "R{};M{\"message\":\"at byte 0: unexpected character\"};"},
	{"neither result nor error", "{\"foo\":1}\n", "M{\"message\":\"stream line has neither \\\"result\\\" nor \\\"error\\\"\"};"},
	{"result not an object", "{\"result\":[1]}\n", "M{\"message\":\"\\\"result\\\" is not an object\"};"},
	{"array line", "[1]\n", "M{\"message\":\"stream line is not a JSON object\"};"},
	{"error without code defaults to 2", "{\"error\":{\"message\":\"m\"}}\n", "E{\"code\":2,\"message\":\"m\"};"},
	{"error code as a non-integer is malformed", "{\"error\":{\"code\":\"x\",\"message\":\"m\"}}\n",
	 "M{\"message\":\"stream line has neither \\\"result\\\" nor \\\"error\\\"\"};"},
	{"big ints survive", "{\"result\":{\"value_msat\":\"18446744073709551615\",\"n\":18446744073709551615}}\n",
	 "R{\"value_msat\":\"18446744073709551615\",\"n\":18446744073709551615};"},
	{"empty body", "", ""},
};

int main(void)
{
	for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
		/* every chunk size from 1 byte up gives the same messages */
		size_t n = strlen(cases[i].body);
		bool all = true;
		char *first = NULL;
		for (size_t step = 0; step <= n + 1; step++) {
			char *got = feed(cases[i].body, step, 0);
			if (step == 0) {
				t_eq_str(got, cases[i].want, "%s", cases[i].name);
				first = got;
				continue;
			}
			if (strcmp(got, first) != 0) {
				t_diag("chunk size %zu: %s", step, got);
				all = false;
			}
			free(got);
		}
		t_ok(all, "%s: same messages for every chunk size", cases[i].name);
		free(first);
	}
	/* a line over the limit is refused without buffering it all */
	char *long_line = mu_xmalloc(5000);
	memset(long_line, ' ', 4999);
	long_line[4999] = 0;
	memcpy(long_line, "{\"result\":{\"x\":\"", 16);
	char *got = feed(long_line, 100, 1024);
	t_eq_str(got, "M{\"message\":\"stream line too long\"};", "over-long line stops the stream");
	free(got);
	free(long_line);
	/* lnd_error_body: the unary body and the stream wrapper, nothing else */
	const char *ok1 = "{\"code\":5,\"message\":\"unable to locate invoice\",\"details\":[]}";
	jv e = lnd_error_body(ok1, strlen(ok1));
	char *s = json_dumps(e);
	t_eq_str(s, "{\"code\":5,\"message\":\"unable to locate invoice\"}", "unary error body");
	free(s);
	jv_free(e);
	const char *ok2 = "{\"error\":{\"code\":2,\"message\":\"expected 1 macaroon, got 0\"}}\n";
	e = lnd_error_body(ok2, strlen(ok2));
	t_ok(jv_is_valid(e) && jv_number_value(jv_object_get(jv_copy(e), jv_string("code"))) == 2, "wrapped error body");
	jv_free(e);
	e = lnd_error_body("<html>", 6);
	t_ok(!jv_is_valid(e), "HTML is not an error body");
	jv_free(e);
	e = lnd_error_body("{}", 2);
	t_ok(!jv_is_valid(e), "{} is not an error body");
	jv_free(e);
	return t_done();
}
