#include "relaymsg.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "detail.h"
#include "hex.h"
#include "json.h"

const char *rmsg_strerror(rmsg_err e)
{
	switch (e) {
	case RMSG_OK_PARSED: return "ok";
	case RMSG_ERR_JSON: return "invalid JSON";
	case RMSG_ERR_NOT_ARRAY: return "frame is not a non-empty JSON array";
	case RMSG_ERR_TYPE: return "frame type is not a string";
	case RMSG_ERR_UNKNOWN: return "unknown frame type";
	case RMSG_ERR_ARITY: return "wrong number of elements";
	case RMSG_ERR_SUBID: return "subscription id is not a non-empty string";
	case RMSG_ERR_EVENT: return "malformed event";
	case RMSG_ERR_FILTER: return "malformed filter";
	case RMSG_ERR_FIELD: return "malformed field";
	}
	return "unknown error";
}

const char *rmsg_type_name(rmsg_type t)
{
	switch (t) {
	case RMSG_NONE: return "";
	case RMSG_EVENT: case RMSG_SUB_EVENT: return "EVENT";
	case RMSG_REQ: return "REQ";
	case RMSG_CLOSE: return "CLOSE";
	case RMSG_AUTH: case RMSG_CHALLENGE: return "AUTH";
	case RMSG_COUNT: case RMSG_COUNT_RESULT: return "COUNT";
	case RMSG_OK: return "OK";
	case RMSG_EOSE: return "EOSE";
	case RMSG_CLOSED: return "CLOSED";
	case RMSG_NOTICE: return "NOTICE";
	}
	return "";
}

static const struct { const char *word; rmsg_reason r; } reasons[] = {
	{"duplicate", RMSG_REASON_DUPLICATE},
	{"pow", RMSG_REASON_POW},
	{"blocked", RMSG_REASON_BLOCKED},
	{"rate-limited", RMSG_REASON_RATE_LIMITED},
	{"invalid", RMSG_REASON_INVALID},
	{"restricted", RMSG_REASON_RESTRICTED},
	{"auth-required", RMSG_REASON_AUTH_REQUIRED},
	{"error", RMSG_REASON_ERROR},
	{"unsupported", RMSG_REASON_UNSUPPORTED},
};

/* The "word:" that opens msg (NONE when there is none). */
static rmsg_reason first_word(const char *msg, size_t len)
{
	size_t w = 0;
	while (w < len && msg[w] != ':' && msg[w] != ' ')
		w++;
	if (w == 0 || w == len || msg[w] != ':')
		return RMSG_REASON_NONE;
	for (size_t i = 0; i < sizeof reasons / sizeof *reasons; i++)
		if (strlen(reasons[i].word) == w && memcmp(reasons[i].word, msg, w) == 0)
			return reasons[i].r;
	return RMSG_REASON_OTHER;
}

rmsg_reason rmsg_reason_of(const char *msg, size_t len)
{
	static const char lead[] = RMSG_ERROR_LEAD;
	size_t n = sizeof lead - 1;
	if (len < n || memcmp(msg, lead, n) != 0)
		return first_word(msg, len);
	/* strfry: "ERROR: auth-required: ...": the NIP-01 prefix comes second;
	 * without one, the relay still said it is an error */
	while (n < len && msg[n] == ' ')
		n++;
	rmsg_reason r = first_word(msg + n, len - n);
	return r == RMSG_REASON_NONE || r == RMSG_REASON_OTHER ? RMSG_REASON_ERROR : r;
}

const char *rmsg_reason_name(rmsg_reason r)
{
	if (r == RMSG_REASON_NONE)
		return "";
	for (size_t i = 0; i < sizeof reasons / sizeof *reasons; i++)
		if (reasons[i].r == r)
			return reasons[i].word;
	return "other";
}

void rmsg_init(rmsg *m)
{
	/* No allocation: the event gets its values only when one is parsed. */
	memset(m, 0, sizeof *m);
	m->event.tags = jv_invalid();
	m->event.content = jv_invalid();
}

void rmsg_free(rmsg *m)
{
	free(m->subid);
	free(m->message);
	event_free(&m->event);
	filters_free(m->filters, m->n_filters);
	rmsg_init(m);
}

/* ----------------------------------------------------------------- parse */

typedef struct pctx {
	rmsg  *m;
	jv     a;           /* the frame array (borrowed from the caller) */
	int    n;           /* its length */
	char  *detail;
	size_t dlen;
} pctx;

static rmsg_err fail(pctx *c, rmsg_err e, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static rmsg_err fail(pctx *c, rmsg_err e, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	detail_vset(c->detail, c->dlen, NULL, fmt, ap);
	va_end(ap);
	return e;
}

static const char *tname(pctx *c) { return rmsg_type_name(c->m->type); }

static rmsg_err arity(pctx *c, int want)
{
	if (c->n != want)
		return fail(c, RMSG_ERR_ARITY, "%s: expected %d elements, got %d", tname(c), want, c->n);
	return RMSG_OK_PARSED;
}

/* Copies element i, a string, into a fresh NUL-terminated allocation. */
static bool get_string(pctx *c, int i, char **out, size_t *len)
{
	jv s = jv_array_get(jv_copy(c->a), i);
	size_t n;
	const char *p = json_str(s, &n);
	if (p) {
		*out = mu_xmalloc(n + 1);
		memcpy(*out, p, n);
		(*out)[n] = 0;
		*len = n;
	}
	jv_free(s);
	return p != NULL;
}

static rmsg_err get_subid(pctx *c, int i)
{
	if (!get_string(c, i, &c->m->subid, &c->m->subid_len))
		return fail(c, RMSG_ERR_SUBID, "%s: subscription id is not a string", tname(c));
	if (c->m->subid_len == 0)
		return fail(c, RMSG_ERR_SUBID, "%s: subscription id is empty", tname(c));
	return RMSG_OK_PARSED;
}

static rmsg_err get_message(pctx *c, int i, const char *what)
{
	if (!get_string(c, i, &c->m->message, &c->m->message_len))
		return fail(c, RMSG_ERR_FIELD, "%s: %s is not a string", tname(c), what);
	return RMSG_OK_PARSED;
}

static rmsg_err get_event(pctx *c, int i)
{
	char d[160] = "";
	jv e = jv_array_get(jv_copy(c->a), i);
	size_t n;
	const char *id = json_get_str(e, "id", &n);
	if (id && hex_is_lower(id, n, 64) && hex_decode(c->m->event_id, 32, id, n, true))
		c->m->has_event_id = true;
	event_err ee = event_from_jv(&c->m->event, e, 0, d, sizeof d);
	if (ee != EVENT_OK) {
		c->m->sub_err = (int)ee;
		return fail(c, RMSG_ERR_EVENT, "%s: %s", tname(c), d);
	}
	c->m->has_event = true;
	return RMSG_OK_PARSED;
}

static rmsg_err get_filters(pctx *c, int from)
{
	if (c->n <= from)
		return fail(c, RMSG_ERR_ARITY, "%s: no filter", tname(c));
	c->m->filters = mu_xmalloc((size_t)(c->n - from) * sizeof *c->m->filters);
	for (int i = from; i < c->n; i++) {
		char d[160] = "";
		jv f = jv_array_get(jv_copy(c->a), i);
		filter_err fe = filter_from_jv(&c->m->filters[c->m->n_filters], f, d, sizeof d);
		if (fe != FILTER_OK) {
			c->m->sub_err = (int)fe;
			c->m->index = i - from;
			return fail(c, RMSG_ERR_FILTER, "%s: filter %d: %s", tname(c), i - from + 1, d);
		}
		c->m->n_filters++;
	}
	return RMSG_OK_PARSED;
}

static rmsg_err parse_client_body(pctx *c, const char *t)
{
	rmsg_err e;
	if (strcmp(t, "EVENT") == 0) {
		c->m->type = RMSG_EVENT;
		return (e = arity(c, 2)) ? e : get_event(c, 1);
	}
	if (strcmp(t, "REQ") == 0 || strcmp(t, "COUNT") == 0) {
		c->m->type = t[0] == 'R' ? RMSG_REQ : RMSG_COUNT;
		if (c->n < 2)
			return fail(c, RMSG_ERR_ARITY, "%s: missing subscription id", t);
		return (e = get_subid(c, 1)) ? e : get_filters(c, 2);
	}
	if (strcmp(t, "CLOSE") == 0) {
		c->m->type = RMSG_CLOSE;
		return (e = arity(c, 2)) ? e : get_subid(c, 1);
	}
	if (strcmp(t, "AUTH") == 0) {
		c->m->type = RMSG_AUTH;
		return (e = arity(c, 2)) ? e : get_event(c, 1);
	}
	return RMSG_ERR_UNKNOWN;
}

static rmsg_err parse_ok(pctx *c)
{
	rmsg_err e = arity(c, 4);
	if (e)
		return e;
	jv id = jv_array_get(jv_copy(c->a), 1);
	size_t n;
	const char *s = json_str(id, &n);
	bool ok = s && hex_is_lower(s, n, 64) && hex_decode(c->m->event_id, 32, s, n, true);
	jv_free(id);
	if (!ok)
		return fail(c, RMSG_ERR_FIELD, "OK: event id is not 64 lowercase hex");
	c->m->has_event_id = true;
	jv b = jv_array_get(jv_copy(c->a), 2);
	jv_kind k = jv_get_kind(b);
	jv_free(b);
	if (k != JV_KIND_TRUE && k != JV_KIND_FALSE)
		return fail(c, RMSG_ERR_FIELD, "OK: accepted is not a boolean");
	c->m->accepted = k == JV_KIND_TRUE;
	return get_message(c, 3, "message");
}

static rmsg_err parse_count_result(pctx *c)
{
	jv o = jv_array_get(jv_copy(c->a), 2);
	rmsg_err e = RMSG_OK_PARSED;
	if (jv_get_kind(o) != JV_KIND_OBJECT) {
		e = fail(c, RMSG_ERR_FIELD, "COUNT: result is not an object");
	} else {
		jv n = json_get(o, "count");
		if (!json_get_u64(n, &c->m->count))
			e = fail(c, RMSG_ERR_FIELD, "COUNT: count is not an unsigned integer");
		jv_free(n);
	}
	jv_free(o);
	return e;
}

static rmsg_err parse_relay_body(pctx *c, const char *t)
{
	rmsg_err e;
	if (strcmp(t, "EVENT") == 0) {
		c->m->type = RMSG_SUB_EVENT;
		return (e = arity(c, 3)) || (e = get_subid(c, 1)) ? e : get_event(c, 2);
	}
	if (strcmp(t, "OK") == 0) {
		c->m->type = RMSG_OK;
		return parse_ok(c);
	}
	if (strcmp(t, "EOSE") == 0) {
		c->m->type = RMSG_EOSE;
		return (e = arity(c, 2)) ? e : get_subid(c, 1);
	}
	if (strcmp(t, "CLOSED") == 0) {
		c->m->type = RMSG_CLOSED;
		return (e = arity(c, 3)) || (e = get_subid(c, 1)) ? e : get_message(c, 2, "message");
	}
	if (strcmp(t, "NOTICE") == 0) {
		c->m->type = RMSG_NOTICE;
		return (e = arity(c, 2)) ? e : get_message(c, 1, "message");
	}
	if (strcmp(t, "AUTH") == 0) {
		c->m->type = RMSG_CHALLENGE;
		return (e = arity(c, 2)) ? e : get_message(c, 1, "challenge");
	}
	if (strcmp(t, "COUNT") == 0) {
		c->m->type = RMSG_COUNT_RESULT;
		return (e = arity(c, 3)) || (e = get_subid(c, 1)) ? e : parse_count_result(c);
	}
	return RMSG_ERR_UNKNOWN;
}

static rmsg_err from_jv(rmsg *m, jv v, bool client, char *detail, size_t dlen)
{
	pctx c = { .m = m, .a = v, .detail = detail, .dlen = dlen };
	rmsg_err e;
	rmsg_init(m);
	if (jv_get_kind(v) != JV_KIND_ARRAY || (c.n = jv_array_length(jv_copy(v))) == 0) {
		e = fail(&c, RMSG_ERR_NOT_ARRAY, "frame: not a non-empty JSON array");
		goto out;
	}
	jv t = jv_array_get(jv_copy(v), 0);
	size_t tn;
	const char *ts = json_str(t, &tn);
	if (!ts) {
		jv_free(t);
		e = fail(&c, RMSG_ERR_TYPE, "frame: first element is not a string");
		goto out;
	}
	e = strlen(ts) != tn ? RMSG_ERR_UNKNOWN :
	    client ? parse_client_body(&c, ts) : parse_relay_body(&c, ts);
	if (e == RMSG_ERR_UNKNOWN) {
		/* echoed escaped and bounded, cut on a character boundary */
		size_t shown = tn > 24 ? detail_utf8_prefix(ts, 24) : tn;
		buf q = BUF_INIT;
		json_write_string(&q, ts, shown);
		fail(&c, e, "frame: unknown %s message type %s%s", client ? "client" : "relay", q.p,
		     shown < tn ? "..." : "");
		buf_free(&q);
	}
	jv_free(t);
out:
	jv_free(v);
	return e;
}

rmsg_err rmsg_from_jv_client(rmsg *m, jv v, char *detail, size_t dlen)
{
	return from_jv(m, v, true, detail, dlen);
}

rmsg_err rmsg_from_jv_relay(rmsg *m, jv v, char *detail, size_t dlen)
{
	return from_jv(m, v, false, detail, dlen);
}

static rmsg_err parse_text(rmsg *m, const char *text, size_t len, bool client, char *detail, size_t dlen)
{
	json_error je;
	jv v = json_parse(text, len, JSON_INTEGERS_ONLY, &je);
	if (!jv_is_valid(v)) {
		jv_free(v);
		rmsg_init(m);
		detail_set(detail, dlen, "%s", je.msg);
		return RMSG_ERR_JSON;
	}
	return from_jv(m, v, client, detail, dlen);
}

rmsg_err rmsg_parse_client(rmsg *m, const char *text, size_t len, char *detail, size_t dlen)
{
	return parse_text(m, text, len, true, detail, dlen);
}

rmsg_err rmsg_parse_relay(rmsg *m, const char *text, size_t len, char *detail, size_t dlen)
{
	return parse_text(m, text, len, false, detail, dlen);
}

/* ----------------------------------------------------------------- build */

static void head(buf *b, const char *type)
{
	buf_puts(b, "[\"");
	buf_puts(b, type);
	buf_putc(b, '"');
}

static void put_str(buf *b, const char *s, size_t n)
{
	buf_putc(b, ',');
	json_write_string(b, s, n);
}

void rmsg_write_event(buf *b, const nostr_event *ev)
{
	head(b, "EVENT");
	buf_putc(b, ',');
	event_write(b, ev);
	buf_putc(b, ']');
}

static void write_filters_req(buf *b, const char *type, const char *subid, size_t sl,
			      const nostr_filter *fs, size_t n)
{
	head(b, type);
	put_str(b, subid, sl);
	for (size_t i = 0; i < n; i++) {
		buf_putc(b, ',');
		filter_write(b, &fs[i]);
	}
	buf_putc(b, ']');
}

void rmsg_write_req(buf *b, const char *subid, size_t sl, const nostr_filter *fs, size_t n)
{
	write_filters_req(b, "REQ", subid, sl, fs, n);
}

void rmsg_write_count_req(buf *b, const char *subid, size_t sl, const nostr_filter *fs, size_t n)
{
	write_filters_req(b, "COUNT", subid, sl, fs, n);
}

void rmsg_write_close(buf *b, const char *subid, size_t sl)
{
	head(b, "CLOSE");
	put_str(b, subid, sl);
	buf_putc(b, ']');
}

void rmsg_write_auth(buf *b, const nostr_event *ev)
{
	head(b, "AUTH");
	buf_putc(b, ',');
	event_write(b, ev);
	buf_putc(b, ']');
}

void rmsg_write_sub_event_json(buf *b, const char *subid, size_t sl, const char *json, size_t n)
{
	head(b, "EVENT");
	put_str(b, subid, sl);
	buf_putc(b, ',');
	buf_put(b, json, n);
	buf_putc(b, ']');
}

void rmsg_write_sub_event(buf *b, const char *subid, size_t sl, const nostr_event *ev)
{
	head(b, "EVENT");
	put_str(b, subid, sl);
	buf_putc(b, ',');
	event_write(b, ev);
	buf_putc(b, ']');
}

static void write_ok_n(buf *b, const uint8_t id[32], bool accepted, const char *msg, size_t n)
{
	char hx[65];
	hex_encode(hx, id, 32);
	head(b, "OK");
	buf_puts(b, ",\"");
	buf_put(b, hx, 64);
	buf_puts(b, accepted ? "\",true" : "\",false");
	put_str(b, msg, n);
	buf_putc(b, ']');
}

void rmsg_write_ok(buf *b, const uint8_t id[32], bool accepted, const char *message)
{
	write_ok_n(b, id, accepted, message, strlen(message));
}

void rmsg_write_okf(buf *b, const uint8_t id[32], bool accepted, const char *fmt, ...)
{
	char msg[512];
	va_list ap;
	va_start(ap, fmt);
	detail_vset(msg, sizeof msg, NULL, fmt, ap);
	va_end(ap);
	rmsg_write_ok(b, id, accepted, msg);
}

void rmsg_write_eose(buf *b, const char *subid, size_t sl)
{
	head(b, "EOSE");
	put_str(b, subid, sl);
	buf_putc(b, ']');
}

static void write_closed_n(buf *b, const char *subid, size_t sl, const char *msg, size_t n)
{
	head(b, "CLOSED");
	put_str(b, subid, sl);
	put_str(b, msg, n);
	buf_putc(b, ']');
}

void rmsg_write_closed(buf *b, const char *subid, size_t sl, const char *message)
{
	write_closed_n(b, subid, sl, message, strlen(message));
}

void rmsg_write_closedf(buf *b, const char *subid, size_t sl, const char *fmt, ...)
{
	char msg[512];
	va_list ap;
	va_start(ap, fmt);
	detail_vset(msg, sizeof msg, NULL, fmt, ap);
	va_end(ap);
	rmsg_write_closed(b, subid, sl, msg);
}

static void write_one_string(buf *b, const char *type, const char *s, size_t n)
{
	head(b, type);
	put_str(b, s, n);
	buf_putc(b, ']');
}

void rmsg_write_notice(buf *b, const char *message)
{
	write_one_string(b, "NOTICE", message, strlen(message));
}

void rmsg_write_challenge(buf *b, const char *challenge)
{
	write_one_string(b, "AUTH", challenge, strlen(challenge));
}

void rmsg_write_count(buf *b, const char *subid, size_t sl, uint64_t count)
{
	head(b, "COUNT");
	put_str(b, subid, sl);
	buf_puts(b, ",{\"count\":");
	buf_put_u64(b, count);
	buf_puts(b, "}]");
}

void rmsg_write(buf *b, const rmsg *m)
{
	switch (m->type) {
	case RMSG_NONE: break;
	case RMSG_EVENT: rmsg_write_event(b, &m->event); break;
	case RMSG_REQ: rmsg_write_req(b, m->subid, m->subid_len, m->filters, m->n_filters); break;
	case RMSG_COUNT: rmsg_write_count_req(b, m->subid, m->subid_len, m->filters, m->n_filters); break;
	case RMSG_CLOSE: rmsg_write_close(b, m->subid, m->subid_len); break;
	case RMSG_AUTH: rmsg_write_auth(b, &m->event); break;
	case RMSG_SUB_EVENT: rmsg_write_sub_event(b, m->subid, m->subid_len, &m->event); break;
	case RMSG_OK: write_ok_n(b, m->event_id, m->accepted, m->message, m->message_len); break;
	case RMSG_EOSE: rmsg_write_eose(b, m->subid, m->subid_len); break;
	case RMSG_CLOSED: write_closed_n(b, m->subid, m->subid_len, m->message, m->message_len); break;
	case RMSG_NOTICE: write_one_string(b, "NOTICE", m->message, m->message_len); break;
	case RMSG_CHALLENGE: write_one_string(b, "AUTH", m->message, m->message_len); break;
	case RMSG_COUNT_RESULT: rmsg_write_count(b, m->subid, m->subid_len, m->count); break;
	}
}
