#include "lnd_stream.h"

#include <string.h>

#include "json.h"

void lnd_stream_init(lnd_stream *s, size_t max_line, lnd_msg_fn fn, void *ctx)
{
	memset(s, 0, sizeof *s);
	s->max_line = max_line ? max_line : LND_STREAM_MAX_LINE;
	s->fn = fn;
	s->ctx = ctx;
}

void lnd_stream_free(lnd_stream *s)
{
	buf_free(&s->line);
}

static jv malformed(const char *why)
{
	return jv_object_set(jv_object(), jv_string("message"), jv_string(why));
}

/* {"code":N,"message":"..."}: code an integer, message a string. */
static jv normalize_error(jv e)
{
	int64_t code = 2;
	jv c = json_get(e, "code");
	if (jv_is_valid(c) && !json_get_i64(c, &code)) {
		jv_free(c);
		jv_free(e);
		return jv_invalid();
	}
	jv_free(c);
	jv m = json_get(e, "message");
	const char *msg = "";
	if (jv_is_valid(m)) {
		if (jv_get_kind(m) != JV_KIND_STRING) {
			jv_free(m);
			jv_free(e);
			return jv_invalid();
		}
		msg = jv_string_value(m);
	}
	if (code < -1 || code > 1000)
		code = 2;
	jv out = jv_object_set(jv_object(), jv_string("code"), jv_number((double)code));
	out = jv_object_set(out, jv_string("message"), jv_string(msg));
	jv_free(m);
	jv_free(e);
	return out;
}

jv lnd_error_body(const char *text, size_t n)
{
	jv v = json_parse(text, n, 0, NULL);
	if (!jv_is_valid(v) || jv_get_kind(v) != JV_KIND_OBJECT) {
		jv_free(v);
		return jv_invalid();
	}
	if (json_has(v, "error")) {
		jv e = json_get(v, "error");
		jv_free(v);
		if (jv_get_kind(e) != JV_KIND_OBJECT) {
			jv_free(e);
			return jv_invalid();
		}
		return normalize_error(e);
	}
	if (json_has(v, "code") || json_has(v, "message"))
		return normalize_error(v);
	jv_free(v);
	return jv_invalid();
}

static void stop(lnd_stream *s, lnd_msg_kind kind, jv payload)
{
	s->stopped = true;
	buf_free(&s->line);
	s->fn(s->ctx, kind, payload);
}

static void deliver_line(lnd_stream *s, const char *p, size_t n)
{
	while (n && (p[n - 1] == '\r' || p[n - 1] == ' ' || p[n - 1] == '\t'))
		n--;
	while (n && (*p == ' ' || *p == '\t' || *p == '\r')) {
		p++;
		n--;
	}
	if (n == 0)
		return;
	json_error je;
	jv v = json_parse(p, n, 0, &je);
	if (!jv_is_valid(v)) {
		jv_free(v);
		stop(s, LND_MSG_MALFORMED, malformed(je.msg));
		return;
	}
	if (jv_get_kind(v) != JV_KIND_OBJECT) {
		jv_free(v);
		stop(s, LND_MSG_MALFORMED, malformed("stream line is not a JSON object"));
		return;
	}
	if (json_has(v, "result")) {
		jv r = json_get(v, "result");
		jv_free(v);
		if (jv_get_kind(r) != JV_KIND_OBJECT) {
			jv_free(r);
			stop(s, LND_MSG_MALFORMED, malformed("\"result\" is not an object"));
			return;
		}
		s->results++;
		s->fn(s->ctx, LND_MSG_RESULT, r);
		return;
	}
	jv e = jv_invalid();
	if (json_has(v, "error")) {
		jv inner = json_get(v, "error");
		jv_free(v);
		if (jv_get_kind(inner) == JV_KIND_OBJECT)
			e = normalize_error(inner);
		else
			jv_free(inner);
	} else if (json_has(v, "code")) {
		e = normalize_error(v);          /* the bare unary form */
	} else {
		jv_free(v);
	}
	if (!jv_is_valid(e)) {
		jv_free(e);
		stop(s, LND_MSG_MALFORMED, malformed("stream line has neither \"result\" nor \"error\""));
		return;
	}
	stop(s, LND_MSG_ERROR, e);
}

bool lnd_stream_feed(lnd_stream *s, const char *data, size_t n)
{
	while (n && !s->stopped) {
		const char *nl = memchr(data, '\n', n);
		size_t take = nl ? (size_t)(nl - data) : n;
		if (s->line.len + take > s->max_line) {
			stop(s, LND_MSG_MALFORMED, malformed("stream line too long"));
			break;
		}
		if (!nl) {
			buf_put(&s->line, data, take);
			break;
		}
		if (s->line.len) {
			buf_put(&s->line, data, take);
			buf line = s->line;            /* deliver_line may free s->line */
			s->line = (buf)BUF_INIT;
			deliver_line(s, line.p, line.len);
			buf_free(&line);
		} else {
			deliver_line(s, data, take);
		}
		data += take + 1;
		n -= take + 1;
	}
	return !s->stopped;
}

bool lnd_stream_end(lnd_stream *s)
{
	if (!s->stopped && s->line.len) {
		buf line = s->line;
		s->line = (buf)BUF_INIT;
		deliver_line(s, line.p, line.len);
		buf_free(&line);
	}
	return !s->stopped;
}
