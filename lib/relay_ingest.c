#include "relay_ingest.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "detail.h"
#include "hex.h"
#include "relaymsg.h"
#include "sha256.h"

void relay_event_free(relay_event *re)
{
	event_free(&re->ev);
	free(re->json);
	free(re->d);
	memset(re, 0, sizeof *re);
	re->ev.tags = jv_invalid();
	re->ev.content = jv_invalid();
}

void ingest_result_free(ingest_result *r)
{
	relay_event_free(&r->re);
}

static void result_init(ingest_result *r)
{
	memset(r, 0, sizeof *r);
	r->re.ev.tags = jv_invalid();
	r->re.ev.content = jv_invalid();
}

static ingest_status refuse(ingest_result *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static ingest_status refuse(ingest_result *r, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	detail_vset(r->message, sizeof r->message, NULL, fmt, ap);
	va_end(ap);
	relay_event_free(&r->re);
	return r->status = INGEST_REFUSED;
}

bool relay_frame_is_event(const char *f, size_t n)
{
	size_t i = 0;
	while (i < n && (f[i] == ' ' || f[i] == '\t' || f[i] == '\n' || f[i] == '\r'))
		i++;
	if (i < n && f[i] == '[')
		i++;
	while (i < n && (f[i] == ' ' || f[i] == '\t' || f[i] == '\n' || f[i] == '\r'))
		i++;
	return n - i >= 7 && memcmp(f + i, "\"EVENT\"", 7) == 0;
}

void relay_event_serialize(const nostr_event *ev, buf *pre, buf *json)
{
	char hx[129];
	size_t tags_at, tags_len, content_at, content_len;

	/* preimage: [0,"<pubkey>",<created_at>,<kind>,<tags>,<content>] */
	hex_encode(hx, ev->pubkey, 32);
	buf_puts(pre, "[0,\"");
	buf_put(pre, hx, 64);
	buf_puts(pre, "\",");
	buf_put_u64(pre, ev->created_at);
	buf_putc(pre, ',');
	buf_put_u64(pre, ev->kind);
	buf_putc(pre, ',');
	tags_at = pre->len;
	json_write(pre, ev->tags);              /* arrays of strings: same bytes as event_write */
	tags_len = pre->len - tags_at;
	buf_putc(pre, ',');
	content_at = pre->len;
	json_write(pre, ev->content);
	content_len = pre->len - content_at;
	buf_putc(pre, ']');

	/* JSON: {"id","pubkey","created_at","kind","tags","content","sig"} */
	buf_reserve(json, tags_len + content_len + 330);
	buf_puts(json, "{\"id\":\"");
	hex_encode(hx, ev->id, 32);
	buf_put(json, hx, 64);
	buf_puts(json, "\",\"pubkey\":\"");
	buf_put(json, pre->p + 4, 64);
	buf_puts(json, "\",\"created_at\":");
	buf_put_u64(json, ev->created_at);
	buf_puts(json, ",\"kind\":");
	buf_put_u64(json, ev->kind);
	buf_puts(json, ",\"tags\":");
	buf_put(json, pre->p + tags_at, tags_len);
	buf_puts(json, ",\"content\":");
	buf_put(json, pre->p + content_at, content_len);
	buf_puts(json, ",\"sig\":\"");
	hex_encode(hx, ev->sig, 64);
	buf_put(json, hx, 128);
	buf_puts(json, "\"}");
}

int relay_event_expiration(const nostr_event *ev, uint64_t *out)
{
	int n = jv_array_length(jv_copy(ev->tags));
	for (int i = 0; i < n; i++) {
		jv t = jv_array_get(jv_copy(ev->tags), i);
		jv name = jv_array_get(jv_copy(t), 0);
		bool is_exp = strcmp(jv_string_value(name), "expiration") == 0 &&
			      jv_string_length_bytes(jv_copy(name)) == 10;
		jv_free(name);
		if (!is_exp) {
			jv_free(t);
			continue;
		}
		int rc = -1;
		if (jv_array_length(jv_copy(t)) >= 2) {
			jv v = jv_array_get(jv_copy(t), 1);
			const char *s = jv_string_value(v);
			size_t len = (size_t)jv_string_length_bytes(jv_copy(v));
			uint64_t x = 0;
			bool ok = len > 0 && len <= 20;
			for (size_t k = 0; ok && k < len; k++) {
				unsigned d = (unsigned)(s[k] - '0');
				if (d > 9 || x > (UINT64_MAX - d) / 10)
					ok = false;
				else
					x = x * 10 + d;
			}
			jv_free(v);
			if (ok) {
				*out = x;
				rc = 1;
			}
		}
		jv_free(t);
		return rc;
	}
	return 0;
}

static void set_d(relay_event *re)
{
	const char *d = "";
	size_t n = 0;
	if (kind_is_addressable(re->ev.kind)) {
		const char *v = event_tag_value(&re->ev, "d", 1, &n);
		if (v)
			d = v;
		else
			n = 0;
	} else if (!kind_is_replaceable(re->ev.kind)) {
		return;
	}
	re->d = mu_xmalloc(n + 1);
	memcpy(re->d, d, n);
	re->d[n] = 0;
	re->d_len = n;
}

ingest_status relay_ingest_event(const relay_config *c, nostr_event *ev, uint64_t now, ingest_result *r)
{
	result_init(r);
	r->re.ev = *ev;                 /* consumed: ev keeps no reference */
	ev->tags = jv_invalid();
	ev->content = jv_invalid();
	const nostr_event *e = &r->re.ev;
	memcpy(r->id, e->id, 32);

	if (e->kind == 22242)
		return refuse(r, RMSG_INVALID " kind 22242 is for AUTH only and is never published");
	int ntags = jv_array_length(jv_copy(e->tags));
	if ((unsigned)ntags > c->max_event_tags)
		return refuse(r, RMSG_INVALID " too many tags (%d > %u)", ntags, c->max_event_tags);
	if (e->created_at > (uint64_t)INT64_MAX)
		return refuse(r, RMSG_INVALID " created_at is out of range");
	int x = relay_event_expiration(e, &r->re.expiration);
	if (x < 0)
		return refuse(r, RMSG_INVALID " expiration tag is not a unix timestamp");
	r->re.has_expiration = x > 0;
	if (x > 0 && r->re.expiration <= now)
		return refuse(r, RMSG_INVALID " event has expired");

	buf pre = BUF_INIT, json = BUF_INIT;
	relay_event_serialize(e, &pre, &json);
	if (json.len > c->max_event_size) {
		size_t n = json.len;
		buf_free(&pre);
		buf_free(&json);
		return refuse(r, RMSG_INVALID " event too large (%zu > %zu bytes)", n, c->max_event_size);
	}
	uint8_t id[32];
	sha256(id, pre.p, pre.len);
	buf_free(&pre);
	r->re.json_len = json.len;
	r->re.json = buf_steal(&json);
	if (memcmp(id, e->id, 32) != 0)
		return refuse(r, RMSG_INVALID " event id does not match its content");
	if (!key_pubkey_valid(e->pubkey))
		return refuse(r, RMSG_INVALID " pubkey is not a valid public key");
	if (!schnorr_verify32(e->pubkey, e->id, e->sig))
		return refuse(r, RMSG_INVALID " signature does not verify");
	set_d(&r->re);
	return r->status = kind_is_ephemeral(e->kind) ? INGEST_EPHEMERAL : INGEST_STORE;
}

ingest_status relay_ingest_frame(const relay_config *c, const char *frame, size_t len,
				 uint64_t now, ingest_result *r)
{
	rmsg m;
	char detail[200] = "";
	rmsg_err e = rmsg_parse_client(&m, frame, len, detail, sizeof detail);
	if (e == RMSG_OK_PARSED && m.type != RMSG_EVENT) {
		e = RMSG_ERR_UNKNOWN;
		detail_set(detail, sizeof detail, "not an EVENT frame");
	}
	if (e != RMSG_OK_PARSED) {
		result_init(r);
		if (m.has_event_id) {
			memcpy(r->id, m.event_id, 32);
			r->status = INGEST_REFUSED;
		} else {
			r->status = INGEST_NOTICE;
		}
		detail_set(r->message, sizeof r->message, RMSG_INVALID " %s", detail);
		rmsg_free(&m);
		return r->status;
	}
	ingest_status s = relay_ingest_event(c, &m.event, now, r);
	rmsg_free(&m);
	return s;
}
