#include "detail.h"
#include "event.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "hex.h"
#include "sha256.h"

const char *event_strerror(event_err e)
{
	switch (e) {
	case EVENT_OK: return "ok";
	case EVENT_ERR_JSON: return "invalid JSON";
	case EVENT_ERR_SHAPE: return "not an event object";
	case EVENT_ERR_ID: return "id is not 64 lowercase hex";
	case EVENT_ERR_PUBKEY: return "pubkey is not 64 lowercase hex";
	case EVENT_ERR_SIG: return "sig is not 128 hex";
	case EVENT_ERR_CREATED_AT: return "created_at is not an unsigned integer";
	case EVENT_ERR_KIND: return "kind is not an integer in 0..65535";
	case EVENT_ERR_TAGS: return "tags is not an array of non-empty string arrays";
	case EVENT_ERR_CONTENT: return "content is not a string";
	case EVENT_ERR_BAD_ID: return "id does not match the event";
	case EVENT_ERR_BAD_SIG: return "signature does not verify";
	case EVENT_ERR_BAD_PUBKEY: return "pubkey is not a valid x-only key";
	}
	return "unknown error";
}

void event_init(nostr_event *ev)
{
	memset(ev, 0, sizeof *ev);
	ev->tags = jv_array();
	ev->content = jv_string("");
}

void event_free(nostr_event *ev)
{
	jv_free(ev->tags);
	jv_free(ev->content);
	memset(ev, 0, sizeof *ev);
	ev->tags = jv_invalid();
	ev->content = jv_invalid();
}

void event_copy(nostr_event *dst, const nostr_event *src)
{
	*dst = *src;
	dst->tags = jv_copy(src->tags);
	dst->content = jv_copy(src->content);
}

#define bad(e, d, n, ...) DETAIL_FAIL(e, d, n, __VA_ARGS__)

static bool valid_tags(jv tags, char *detail, size_t dlen)
{
	if (jv_get_kind(tags) != JV_KIND_ARRAY) {
		detail_set(detail, dlen, "tags: not an array");
		return false;
	}
	int n = jv_array_length(jv_copy(tags));
	for (int i = 0; i < n; i++) {
		jv t = jv_array_get(jv_copy(tags), i);
		bool ok = jv_get_kind(t) == JV_KIND_ARRAY;
		int m = ok ? jv_array_length(jv_copy(t)) : 0;
		if (!ok || m == 0) {
			jv_free(t);
			detail_set(detail, dlen, ok ? "tags[%d]: empty tag" : "tags[%d]: not an array", i);
			return false;
		}
		for (int j = 0; j < m; j++) {
			jv e = jv_array_get(jv_copy(t), j);
			bool s = json_str(e, NULL) != NULL;
			jv_free(e);
			if (!s) {
				jv_free(t);
				detail_set(detail, dlen, "tags[%d][%d]: not a string", i, j);
				return false;
			}
		}
		jv_free(t);
	}
	return true;
}

event_err event_from_jv(nostr_event *ev, jv v, int flags, char *detail, size_t dlen)
{
	event_err rc = EVENT_OK;
	const char *s;
	size_t n;
	jv f;

	event_init(ev);
	if (flags & EVENT_RUMOR)
		flags |= EVENT_ALLOW_NO_SIG | EVENT_ALLOW_NO_ID;
	if (jv_get_kind(v) != JV_KIND_OBJECT) {
		rc = bad(EVENT_ERR_SHAPE, detail, dlen, "event: not a JSON object");
		goto out;
	}
	f = json_get(v, "id");
	bool null_id = jv_get_kind(f) == JV_KIND_NULL && (flags & EVENT_RUMOR);
	jv_free(f);
	if (null_id) {
		/* a rumor without an id */
	} else if ((s = json_get_str(v, "id", &n))) {
		if (!hex_decode(ev->id, 32, s, n, true)) {
			rc = bad(EVENT_ERR_ID, detail, dlen, "id: not 64 lowercase hex characters");
			goto out;
		}
		ev->has_id = true;
	} else if (json_has(v, "id") || !(flags & EVENT_ALLOW_NO_ID)) {
		rc = bad(json_has(v, "id") ? EVENT_ERR_ID : EVENT_ERR_SHAPE, detail, dlen,
			 json_has(v, "id") ? "id: not a string" : "id: missing");
		goto out;
	}
	if ((s = json_get_str(v, "pubkey", &n))) {
		if (!hex_decode(ev->pubkey, 32, s, n, true)) {
			rc = bad(EVENT_ERR_PUBKEY, detail, dlen, "pubkey: not 64 lowercase hex characters");
			goto out;
		}
	} else if (json_has(v, "pubkey") || !(flags & EVENT_ALLOW_NO_PUBKEY)) {
		rc = bad(json_has(v, "pubkey") ? EVENT_ERR_PUBKEY : EVENT_ERR_SHAPE, detail, dlen,
			 json_has(v, "pubkey") ? "pubkey: not a string" : "pubkey: missing");
		goto out;
	}
	f = json_get(v, "created_at");
	if (!jv_is_valid(f)) {
		rc = bad(EVENT_ERR_SHAPE, detail, dlen, "created_at: missing");
		goto out;
	}
	bool ok = json_get_u64(f, &ev->created_at);
	jv_free(f);
	if (!ok) {
		rc = bad(EVENT_ERR_CREATED_AT, detail, dlen, "created_at: not an unsigned integer");
		goto out;
	}
	f = json_get(v, "kind");
	if (!jv_is_valid(f)) {
		rc = bad(EVENT_ERR_SHAPE, detail, dlen, "kind: missing");
		goto out;
	}
	uint64_t k;
	ok = json_get_u64(f, &k) && k <= 65535;
	jv_free(f);
	if (!ok) {
		rc = bad(EVENT_ERR_KIND, detail, dlen, "kind: not an integer in 0..65535");
		goto out;
	}
	ev->kind = (uint32_t)k;
	f = json_get(v, "tags");
	if (!jv_is_valid(f)) {
		rc = bad(EVENT_ERR_SHAPE, detail, dlen, "tags: missing");
		goto out;
	}
	if (!valid_tags(f, detail, dlen)) {
		jv_free(f);
		rc = EVENT_ERR_TAGS;
		goto out;
	}
	jv_free(ev->tags);
	ev->tags = f;
	f = json_get(v, "content");
	if (!jv_is_valid(f)) {
		rc = bad(EVENT_ERR_SHAPE, detail, dlen, "content: missing");
		goto out;
	}
	if (!json_str(f, NULL)) {
		jv_free(f);
		rc = bad(EVENT_ERR_CONTENT, detail, dlen, "content: not a string");
		goto out;
	}
	jv_free(ev->content);
	ev->content = f;
	if (flags & EVENT_RUMOR) {
		/* not a field of a rumor */
	} else if ((s = json_get_str(v, "sig", &n))) {
		if (!hex_decode(ev->sig, 64, s, n, false)) {
			rc = bad(EVENT_ERR_SIG, detail, dlen, "sig: not 128 hex characters");
			goto out;
		}
		ev->has_sig = true;
	} else if (json_has(v, "sig") || !(flags & EVENT_ALLOW_NO_SIG)) {
		rc = bad(json_has(v, "sig") ? EVENT_ERR_SIG : EVENT_ERR_SHAPE, detail, dlen,
			 json_has(v, "sig") ? "sig: not a string" : "sig: missing");
		goto out;
	}
out:
	jv_free(v);
	if (rc != EVENT_OK)
		event_free(ev);     /* owns nothing now; event_free() again is harmless */
	return rc;
}

/* ---------------------------------------------------- direct (cursor) path */

enum { F_ID = 1, F_PUBKEY = 2, F_CREATED_AT = 4, F_KIND = 8, F_TAGS = 16, F_CONTENT = 32, F_SIG = 64 };

static unsigned field_bit(const char *k, size_t n)
{
	static const struct { const char *name; unsigned bit; } fields[] = {
		{"id", F_ID}, {"pubkey", F_PUBKEY}, {"created_at", F_CREATED_AT}, {"kind", F_KIND},
		{"tags", F_TAGS}, {"content", F_CONTENT}, {"sig", F_SIG},
	};
	for (size_t i = 0; i < sizeof fields / sizeof *fields; i++)
		if (strlen(fields[i].name) == n && memcmp(fields[i].name, k, n) == 0)
			return fields[i].bit;
	return 0;
}

/* A string field, or an error naming it when the value is not a string. */
static bool read_str(json_cursor *c, const char *name, event_err code, const char **s, size_t *n,
		     event_err *rc, char *detail, size_t dlen)
{
	if (json_cursor_peek(c) != '"') {
		*rc = bad(code, detail, dlen, "%s: not a string", name);
		return false;
	}
	return json_cursor_string(c, s, n);
}

static bool read_uint(json_cursor *c, const char *name, event_err code, uint64_t max, uint64_t *v,
		      const char *what, event_err *rc, char *detail, size_t dlen)
{
	char ch = json_cursor_peek(c);
	if (ch < '0' || ch > '9' || !json_cursor_uint(c, v) || *v > max) {
		if (ch >= '0' && ch <= '9' && c->err->code != JSON_OK) {
			/* a fraction, exponent or overflow: the field's error, not a JSON one */
			c->err->code = JSON_OK;
		}
		*rc = bad(code, detail, dlen, "%s: %s", name, what);
		return false;
	}
	return true;
}

static bool read_tags(json_cursor *c, jv *out, event_err *rc, char *detail, size_t dlen)
{
	if (json_cursor_peek(c) != '[') {
		*rc = bad(EVENT_ERR_TAGS, detail, dlen, "tags: not an array");
		return false;
	}
	json_cursor_begin(c, '[');
	jv tags = jv_array();
	int r;
	size_t i;
	for (i = 0; (r = json_cursor_more(c, ']', i)) == 1; i++) {
		if (json_cursor_peek(c) != '[') {
			*rc = bad(EVENT_ERR_TAGS, detail, dlen, "tags[%zu]: not an array", i);
			jv_free(tags);
			return false;
		}
		json_cursor_begin(c, '[');
		jv t = jv_array();
		size_t j;
		for (j = 0; (r = json_cursor_more(c, ']', j)) == 1; j++) {
			const char *s;
			size_t n;
			if (json_cursor_peek(c) != '"') {
				*rc = bad(EVENT_ERR_TAGS, detail, dlen, "tags[%zu][%zu]: not a string", i, j);
				r = -2;
				break;
			}
			if (!json_cursor_string(c, &s, &n)) {
				r = -1;
				break;
			}
			t = jv_array_append(t, jv_string_sized(n ? s : "", (int)n));
		}
		if (r == 0 && j == 0) {
			*rc = bad(EVENT_ERR_TAGS, detail, dlen, "tags[%zu]: empty tag", i);
			r = -2;
		}
		if (r != 0) {
			jv_free(t);
			jv_free(tags);
			return false;
		}
		tags = jv_array_append(tags, t);
	}
	if (r != 0) {
		jv_free(tags);
		return false;
	}
	*out = tags;
	return true;
}

event_err event_read(nostr_event *ev, json_cursor *c, int flags, char *detail, size_t dlen)
{
	event_err rc = EVENT_OK;
	unsigned seen = 0;
	buf others = BUF_INIT;        /* unknown keys seen, NUL-separated, for duplicates */
	const char *s;
	size_t n;
	uint64_t u;

	memset(ev, 0, sizeof *ev);
	ev->tags = jv_invalid();
	ev->content = jv_invalid();
	if (flags & EVENT_RUMOR)
		flags |= EVENT_ALLOW_NO_SIG | EVENT_ALLOW_NO_ID;
	if (json_cursor_peek(c) != '{') {
		if (c->err->code == JSON_OK && json_cursor_peek(c) != 0)
			rc = bad(EVENT_ERR_SHAPE, detail, dlen, "event: not a JSON object");
		else
			json_cursor_begin(c, '{');   /* records the JSON error */
		goto out;
	}
	json_cursor_begin(c, '{');
	int r;
	for (size_t i = 0; (r = json_cursor_more(c, '}', i)) == 1; i++) {
		if (!json_cursor_key(c, &s, &n))
			goto out;
		unsigned bit = field_bit(s, n);
		if (bit & seen) {
			json_cursor_fail(c, JSON_ERR_DUPLICATE, "duplicate object key");
			goto out;
		}
		seen |= bit;
		switch (bit) {
		case F_ID:
			if ((flags & EVENT_RUMOR) && json_cursor_peek(c) == 'n') {
				if (!json_cursor_skip(c))      /* null: a rumor without an id */
					goto out;
				break;
			}
			if (!read_str(c, "id", EVENT_ERR_ID, &s, &n, &rc, detail, dlen))
				goto out;
			if (!hex_decode(ev->id, 32, s, n, true)) {
				rc = bad(EVENT_ERR_ID, detail, dlen, "id: not 64 lowercase hex characters");
				goto out;
			}
			ev->has_id = true;
			break;
		case F_PUBKEY:
			if (!read_str(c, "pubkey", EVENT_ERR_PUBKEY, &s, &n, &rc, detail, dlen))
				goto out;
			if (!hex_decode(ev->pubkey, 32, s, n, true)) {
				rc = bad(EVENT_ERR_PUBKEY, detail, dlen, "pubkey: not 64 lowercase hex characters");
				goto out;
			}
			break;
		case F_CREATED_AT:
			if (!read_uint(c, "created_at", EVENT_ERR_CREATED_AT, UINT64_MAX, &ev->created_at,
				       "not an unsigned integer", &rc, detail, dlen))
				goto out;
			break;
		case F_KIND:
			if (!read_uint(c, "kind", EVENT_ERR_KIND, 65535, &u, "not an integer in 0..65535", &rc, detail, dlen))
				goto out;
			ev->kind = (uint32_t)u;
			break;
		case F_TAGS:
			if (!read_tags(c, &ev->tags, &rc, detail, dlen))
				goto out;
			break;
		case F_CONTENT:
			if (!read_str(c, "content", EVENT_ERR_CONTENT, &s, &n, &rc, detail, dlen))
				goto out;
			ev->content = jv_string_sized(n ? s : "", (int)n);
			break;
		case F_SIG:
			if (flags & EVENT_RUMOR) {
				if (!json_cursor_skip(c))      /* not a field of a rumor */
					goto out;
				break;
			}
			if (!read_str(c, "sig", EVENT_ERR_SIG, &s, &n, &rc, detail, dlen))
				goto out;
			if (!hex_decode(ev->sig, 64, s, n, false)) {
				rc = bad(EVENT_ERR_SIG, detail, dlen, "sig: not 128 hex characters");
				goto out;
			}
			ev->has_sig = true;
			break;
		default: {
			/* an unknown field: ignored, but still strict JSON, and no duplicates */
			for (size_t at = 0; at < others.len; at += strlen(others.p + at) + 1)
				if (strlen(others.p + at) == n && memcmp(others.p + at, s, n) == 0) {
					json_cursor_fail(c, JSON_ERR_DUPLICATE, "duplicate object key");
					goto out;
				}
			if (!memchr(s, 0, n)) {
				buf_put(&others, s, n);
				buf_putc(&others, 0);
			}
			if (!json_cursor_skip(c))
				goto out;
		}
		}
	}
out:
	buf_free(&others);
	if (rc == EVENT_OK && c->err->code != JSON_OK)
		rc = bad(EVENT_ERR_JSON, detail, dlen, "%s", c->err->msg);
	if (rc == EVENT_OK) {
		static const struct { unsigned bit; int allow; const char *name; } req[] = {
			{F_ID, EVENT_ALLOW_NO_ID, "id"}, {F_PUBKEY, EVENT_ALLOW_NO_PUBKEY, "pubkey"},
			{F_CREATED_AT, 0, "created_at"}, {F_KIND, 0, "kind"}, {F_TAGS, 0, "tags"},
			{F_CONTENT, 0, "content"}, {F_SIG, EVENT_ALLOW_NO_SIG, "sig"},
		};
		for (size_t i = 0; i < sizeof req / sizeof *req; i++)
			if (!(seen & req[i].bit) && !(flags & req[i].allow)) {
				rc = bad(EVENT_ERR_SHAPE, detail, dlen, "%s: missing", req[i].name);
				break;
			}
	}
	if (rc != EVENT_OK) {
		event_free(ev);
		return rc;
	}
	if (!jv_is_valid(ev->tags))
		ev->tags = jv_array();
	if (!jv_is_valid(ev->content))
		ev->content = jv_string("");
	return EVENT_OK;
}

/* ["EVENT", "<subscription>", <event>] */
static event_err read_frame(nostr_event *ev, json_cursor *c, int flags, char *detail, size_t dlen)
{
	const char *s;
	size_t n;
	json_cursor_begin(c, '[');
	if (json_cursor_more(c, ']', 0) != 1 || json_cursor_peek(c) != '"' ||
	    !json_cursor_string(c, &s, &n) || n != 5 || memcmp(s, "EVENT", 5) != 0 ||
	    json_cursor_more(c, ']', 1) != 1 || json_cursor_peek(c) != '"' || !json_cursor_string(c, &s, &n) ||
	    json_cursor_more(c, ']', 2) != 1) {
		if (c->err->code != JSON_OK)
			return bad(EVENT_ERR_JSON, detail, dlen, "%s", c->err->msg);
		return bad(EVENT_ERR_SHAPE, detail, dlen, "an array that is not [\"EVENT\",<subscription>,<event>]");
	}
	event_err rc = event_read(ev, c, flags, detail, dlen);
	if (rc != EVENT_OK)
		return rc;
	if (json_cursor_more(c, ']', 3) != 0) {
		event_free(ev);
		if (c->err->code != JSON_OK)
			return bad(EVENT_ERR_JSON, detail, dlen, "%s", c->err->msg);
		return bad(EVENT_ERR_SHAPE, detail, dlen, "an array that is not [\"EVENT\",<subscription>,<event>]");
	}
	return EVENT_OK;
}

event_err event_parse(nostr_event *ev, const char *text, size_t len, int flags,
		      char *detail, size_t dlen)
{
	json_error je;
	json_cursor c;
	json_cursor_init(&c, text, len, JSON_INTEGERS_ONLY, &je);
	event_err rc;
	if ((flags & EVENT_ACCEPT_FRAME) && json_cursor_peek(&c) == '[')
		rc = read_frame(ev, &c, flags, detail, dlen);
	else
		rc = event_read(ev, &c, flags, detail, dlen);
	if (rc == EVENT_OK && !json_cursor_end(&c)) {
		event_free(ev);
		rc = bad(EVENT_ERR_JSON, detail, dlen, "%s", je.msg);
	}
	json_cursor_free(&c);
	return rc;
}

static void write_tags(buf *b, jv tags)
{
	buf_putc(b, '[');
	int n = jv_array_length(jv_copy(tags));
	for (int i = 0; i < n; i++) {
		jv t = jv_array_get(jv_copy(tags), i);
		int m = jv_array_length(jv_copy(t));
		if (i)
			buf_putc(b, ',');
		buf_putc(b, '[');
		for (int j = 0; j < m; j++) {
			jv e = jv_array_get(jv_copy(t), j);
			if (j)
				buf_putc(b, ',');
			json_write_string(b, jv_string_value(e), (size_t)jv_string_length_bytes(jv_copy(e)));
			jv_free(e);
		}
		buf_putc(b, ']');
		jv_free(t);
	}
	buf_putc(b, ']');
}

void event_serialize(buf *b, const nostr_event *ev)
{
	char pk[65];
	hex_encode(pk, ev->pubkey, 32);
	buf_puts(b, "[0,\"");
	buf_put(b, pk, 64);
	buf_puts(b, "\",");
	buf_put_u64(b, ev->created_at);
	buf_putc(b, ',');
	buf_put_u64(b, ev->kind);
	buf_putc(b, ',');
	write_tags(b, ev->tags);
	buf_putc(b, ',');
	size_t n;
	const char *c = event_content(ev, &n);
	json_write_string(b, c, n);
	buf_putc(b, ']');
}

void event_compute_id(const nostr_event *ev, uint8_t id[32])
{
	buf b = BUF_INIT;
	/* one allocation in the common case: header + content + room for tags */
	buf_reserve(&b, 160 + (size_t)jv_string_length_bytes(jv_copy(ev->content)) * 9 / 8 +
			  (size_t)jv_array_length(jv_copy(ev->tags)) * 96);
	event_serialize(&b, ev);
	sha256(id, b.p, b.len);
	buf_free(&b);
}

event_err event_verify(const nostr_event *ev)
{
	uint8_t id[32];
	if (!ev->has_id)
		return EVENT_ERR_BAD_ID;
	event_compute_id(ev, id);
	if (memcmp(id, ev->id, 32) != 0)
		return EVENT_ERR_BAD_ID;
	/* one x-only parse (a square root) serves both checks */
	secp256k1_xonly_pubkey x;
	if (!secp256k1_xonly_pubkey_parse(secp(), &x, ev->pubkey))
		return EVENT_ERR_BAD_PUBKEY;
	if (!ev->has_sig || secp256k1_schnorrsig_verify(secp(), ev->sig, ev->id, 32, &x) != 1)
		return EVENT_ERR_BAD_SIG;
	return EVENT_OK;
}

void event_sign(nostr_event *ev, const mu_key *k, const uint8_t *aux32)
{
	memcpy(ev->pubkey, k->pk, 32);
	event_compute_id(ev, ev->id);
	ev->has_id = true;
	schnorr_sign32(k, ev->id, aux32, ev->sig);
	ev->has_sig = true;
}

void event_write(buf *b, const nostr_event *ev)
{
	char hx[129];
	buf_putc(b, '{');
	if (ev->has_id) {
		hex_encode(hx, ev->id, 32);
		buf_puts(b, "\"id\":\"");
		buf_put(b, hx, 64);
		buf_puts(b, "\",");
	}
	hex_encode(hx, ev->pubkey, 32);
	buf_puts(b, "\"pubkey\":\"");
	buf_put(b, hx, 64);
	buf_puts(b, "\",\"created_at\":");
	buf_put_u64(b, ev->created_at);
	buf_puts(b, ",\"kind\":");
	buf_put_u64(b, ev->kind);
	buf_puts(b, ",\"tags\":");
	write_tags(b, ev->tags);
	buf_puts(b, ",\"content\":");
	size_t n;
	const char *c = event_content(ev, &n);
	json_write_string(b, c, n);
	if (ev->has_sig) {
		hex_encode(hx, ev->sig, 64);
		buf_puts(b, ",\"sig\":\"");
		buf_put(b, hx, 128);
		buf_putc(b, '"');
	}
	buf_putc(b, '}');
}

jv event_to_jv(const nostr_event *ev)
{
	char hx[129];
	jv o = jv_object();
	if (ev->has_id) {
		hex_encode(hx, ev->id, 32);
		o = jv_object_set(o, jv_string("id"), jv_string(hx));
	}
	hex_encode(hx, ev->pubkey, 32);
	o = jv_object_set(o, jv_string("pubkey"), jv_string(hx));
	o = jv_object_set(o, jv_string("created_at"), json_from_u64(ev->created_at));
	o = jv_object_set(o, jv_string("kind"), jv_number(ev->kind));
	o = jv_object_set(o, jv_string("tags"), jv_copy(ev->tags));
	o = jv_object_set(o, jv_string("content"), jv_copy(ev->content));
	if (ev->has_sig) {
		hex_encode(hx, ev->sig, 64);
		o = jv_object_set(o, jv_string("sig"), jv_string(hx));
	}
	return o;
}

const char *event_tag_value(const nostr_event *ev, const char *name, int idx, size_t *len)
{
	int n = jv_array_length(jv_copy(ev->tags));
	size_t nl = strlen(name);
	for (int i = 0; i < n; i++) {
		jv t = jv_array_get(jv_copy(ev->tags), i);
		jv t0 = jv_array_get(jv_copy(t), 0);
		bool match = (size_t)jv_string_length_bytes(jv_copy(t0)) == nl &&
			     memcmp(jv_string_value(t0), name, nl) == 0;
		jv_free(t0);
		if (match && idx < jv_array_length(jv_copy(t))) {
			jv e = jv_array_get(jv_copy(t), idx);
			const char *s = jv_string_value(e);
			if (len)
				*len = (size_t)jv_string_length_bytes(jv_copy(e));
			jv_free(e);
			jv_free(t);      /* ev->tags still holds the references */
			return s;
		}
		jv_free(t);
		if (match)
			return NULL;
	}
	return NULL;
}

void event_add_tag(nostr_event *ev, int n, const char *const *elems)
{
	jv t = jv_array();
	for (int i = 0; i < n; i++)
		t = jv_array_append(t, jv_string(elems[i]));
	ev->tags = jv_array_append(ev->tags, t);
}

void event_set_content(nostr_event *ev, const char *s, size_t n)
{
	jv_free(ev->content);
	ev->content = jv_string_sized(s, (int)n);
}

const char *event_content(const nostr_event *ev, size_t *len)
{
	if (len)
		*len = (size_t)jv_string_length_bytes(jv_copy(ev->content));
	return jv_string_value(ev->content);
}

void event_id_hex(const nostr_event *ev, char out[65])
{
	hex_encode(out, ev->id, 32);
}

void event_pubkey_hex(const nostr_event *ev, char out[65])
{
	hex_encode(out, ev->pubkey, 32);
}

bool kind_is_replaceable(uint32_t k)
{
	return k == 0 || k == 3 || (k >= 10000 && k < 20000);
}

bool kind_is_ephemeral(uint32_t k)
{
	return k >= 20000 && k < 30000;
}

bool kind_is_addressable(uint32_t k)
{
	return k >= 30000 && k < 40000;
}
