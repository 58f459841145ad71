/* order_fx.c — the effect API of lib/order_engine.h: DMs, public event
 * templates, Lightning intents and log lines, recorded in the input's
 * transaction (outbox, ln_intents) and queued in the sink for emission after
 * the commit; the context helpers and deterministic derivations. */
#include "order_engine.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "hex.h"
#include "json.h"
#include "sha256.h"

/* ------------------------------------------------------------------ sink */

void sink_init(order_sink *s)
{
	memset(s, 0, sizeof *s);
}

void sink_clear(order_sink *s)
{
	for (size_t i = 0; i < s->n; i++)
		free(s->v[i].line);
	s->n = 0;
	buf_reset(&s->log);
}

void sink_free(order_sink *s)
{
	sink_clear(s);
	free(s->v);
	buf_free(&s->log);
	memset(s, 0, sizeof *s);
}

size_t sink_mark(const order_sink *s)
{
	return s->n;
}

void sink_truncate(order_sink *s, size_t mark, size_t log_mark)
{
	while (s->n > mark)
		free(s->v[--s->n].line);
	if (log_mark <= s->log.len) {
		s->log.len = log_mark;
		if (s->log.p)
			s->log.p[log_mark] = 0;
	}
}

static void sink_push(order_sink *s, out_stream st, int64_t seq, char *line)
{
	if (s->n == s->cap) {
		s->cap = s->cap ? s->cap * 2 : 16;
		s->v = mu_xrealloc(s->v, s->cap * sizeof *s->v);
	}
	s->v[s->n++] = (sink_line){st, seq, line};
	if (seq > s->outbox_max)
		s->outbox_max = seq;
}

/* ----------------------------------------------------------------- context */

void order_ctx_init(order_ctx *c)
{
	memset(c, 0, sizeof *c);
	order_row_init(&c->order);
	dispute_row_init(&c->dispute);
	user_row_init(&c->user);
	c->next_trade = jv_invalid();
}

void order_ctx_free(order_ctx *c)
{
	order_row_free(&c->order);
	dispute_row_free(&c->dispute);
	user_row_free(&c->user);
	jv_free(c->next_trade);
	c->next_trade = jv_invalid();
}

bool ctx_load_order(order_ctx *c, const char *id)
{
	c->have_order = id && order_load(c->db, id, &c->order) == ODB_OK;
	return c->have_order;
}

void fx_log(order_ctx *c, const char *fmt, ...)
{
	va_list ap;
	char line[1024];
	va_start(ap, fmt);
	vsnprintf(line, sizeof line, fmt, ap);
	va_end(ap);
	buf_puts(&c->sink->log, line);
	buf_putc(&c->sink->log, '\n');
}

/* ------------------------------------------------------------ derivations */

void order_new_uuid(order_ctx *c, char out[37])
{
	char in[128];
	uint8_t h[32];
	int n = snprintf(in, sizeof in, "mostro-order uuid:%s:%u", c->origin, c->uuid_n++);
	sha256(h, in, (size_t)n);
	h[6] = (uint8_t)((h[6] & 0x0f) | 0x40);   /* version 4 */
	h[8] = (uint8_t)((h[8] & 0x3f) | 0x80);   /* RFC 4122 variant */
	char hx[33];
	hex_encode(hx, h, 16);
	snprintf(out, 37, "%.8s-%.4s-%.4s-%.4s-%.12s", hx, hx + 8, hx + 12, hx + 16, hx + 20);
}

bool order_new_preimage(order_ctx *c, const char *order_id, char preimage[65], char hash[65])
{
	int64_t n = 0;
	bool found;
	if (meta_get_i64(c->db, "preimage_seq", &n, &found) != ODB_OK)
		return false;
	n = found ? n + 1 : 1;
	if (meta_set_i64(c->db, "preimage_seq", n) != ODB_OK)
		return false;
	char msg[128];
	int len = snprintf(msg, sizeof msg, "preimage:%s:%lld", order_id, (long long)n);
	uint8_t pre[32], h[32];
	crypto_auth_hmacsha256_state st;
	crypto_auth_hmacsha256_init(&st, c->seed, 32);
	crypto_auth_hmacsha256_update(&st, (const unsigned char *)msg, (unsigned long long)len);
	crypto_auth_hmacsha256_final(&st, pre);
	sodium_memzero(&st, sizeof st);
	sha256(h, pre, 32);
	hex_encode(preimage, pre, 32);
	hex_encode(hash, h, 32);
	sodium_memzero(pre, sizeof pre);
	return true;
}

/* ------------------------------------------------------------------- DMs */

/* The transport a DM to `to` goes on (§0.1; `both`: the key's last one). */
static const char *dm_transport(order_ctx *c, const char *to)
{
	switch (c->cfg->transport) {
	case TRANSPORT_GIFT_WRAP:
		return "v1";
	case TRANSPORT_BOTH: {
		char t[3];
		if (key_transport_get(c->db, to, t) == ODB_OK && strcmp(t, "v1") == 0)
			return "v1";
		return "v2";
	}
	case TRANSPORT_NIP44:
	case TRANSPORT_COUNT:
		break;
	}
	return "v2";
}

static void emit_dm(order_ctx *c, const char *to, mostro_msg *m)
{
	const char *tr = dm_transport(c, to);
	bool v1 = strcmp(tr, "v1") == 0;
	m->version = v1 ? 1 : 2;        /* §0.1: stamped by transport */
	buf b = BUF_INIT;
	buf_puts(&b, "{\"to\":");
	json_write_string(&b, to, strlen(to));
	buf_printf(&b, ",\"transport\":\"%s\",\"message\":", tr);
	mostro_msg_write(&b, m);
	buf_puts(&b, ",\"expiration\":");
	if (v1)
		buf_puts(&b, "null");   /* v1 gift wraps carry no expiration */
	else
		buf_put_i64(&b, c->now + c->cfg->dm_days * 86400);
	buf_putc(&b, '}');
	int64_t seq = 0;
	if (outbox_add(c->db, "wrap", b.p, b.len, &seq) != ODB_OK) {
		fx_log(c, "outbox: %s", order_db_errmsg(c->db));
		buf_free(&b);
		return;
	}
	sink_push(c->sink, STREAM_WRAP, seq, buf_steal(&b));
}

void fx_msg(order_ctx *c, const char *to, mostro_channel ch, mostro_action a, const char *id,
	    int rid, opt_i64 ti, mostro_payload_kind pk, jv payload)
{
	mostro_msg m;
	mostro_msg_init(&m);
	m.channel = ch;
	m.action = a;
	m.has_request_id = rid == RID && c->has_rid;
	m.request_id = c->rid;
	m.has_trade_index = ti.set;
	m.trade_index = ti.v;
	if (id) {
		m.has_id = true;
		snprintf(m.id, sizeof m.id, "%s", id);
	}
	m.payload_kind = pk;
	jv_free(m.payload);
	m.payload = pk == MP_NONE ? (jv_free(payload), jv_null()) : payload;
	if (to && *to)
		emit_dm(c, to, &m);
	else
		fx_log(c, "%s: no recipient key, message dropped", mostro_action_names[a]);
	mostro_msg_free(&m);
}

void fx_order_msg(order_ctx *c, const char *to, mostro_action a, const char *id, int rid,
		  opt_i64 ti, mostro_payload_kind pk, jv payload)
{
	fx_msg(c, to, MOSTRO_CH_ORDER, a, id, rid, ti, pk, payload);
}

void fx_cant_do(order_ctx *c, cant_do reason)
{
	if (!c->in)
		return;
	fx_msg(c, c->in->sender, MOSTRO_CH_CANT_DO, MA_CANT_DO, c->m->has_id ? c->m->id : NULL, RID,
	       OPT_NONE, MP_CANT_DO, jv_string(cant_do_name(reason)));
}

/* ----------------------------------------------------------------- events */

int64_t fx_event(order_ctx *c, int kind, const char *dtag, bool monotonic, jv tags)
{
	int64_t created_at = c->now;
	if (monotonic && pub_clock_next(c->db, kind, dtag, c->now, &created_at) != ODB_OK) {
		jv_free(tags);
		return -1;
	}
	return fx_event_at(c, kind, tags, created_at);
}

int64_t fx_event_at(order_ctx *c, int kind, jv tags, int64_t created_at)
{
	return fx_event_content(c, kind, tags, "", created_at);
}

int64_t fx_event_content(order_ctx *c, int kind, jv tags, const char *content, int64_t created_at)
{
	buf b = BUF_INIT;
	buf_printf(&b, "{\"kind\":%d,\"tags\":", kind);
	json_write(&b, tags);
	buf_puts(&b, ",\"content\":");
	json_write_string(&b, content, strlen(content));
	buf_puts(&b, ",\"created_at\":");
	buf_put_i64(&b, created_at);
	buf_putc(&b, '}');
	jv_free(tags);
	int64_t seq = 0;
	if (outbox_add(c->db, "wrap", b.p, b.len, &seq) != ODB_OK) {
		buf_free(&b);
		return -1;
	}
	sink_push(c->sink, STREAM_WRAP, seq, buf_steal(&b));
	return created_at;
}

void fx_outbox_again(order_ctx *c, int64_t seq, const char *line)
{
	sink_push(c->sink, STREAM_WRAP, seq, mu_xstrdup(line));
}

/* -------------------------------------------------------------- LN intents */

bool order_escrow_op(const char *op)
{
	return op && (strcmp(op, "settle_hold_invoice") == 0 || strcmp(op, "cancel_hold_invoice") == 0);
}

bool order_escrow_busy(order_ctx *c, const char *order_id, int64_t besides, char op[24])
{
	bool busy = false;
	if (escrow_busy(c->db, order_id, besides, &busy, op, NULL) != ODB_OK) {
		/* unreadable: taken as busy (nothing moves an order we cannot see) */
		fx_log(c, "order %s: escrow lock: %s", order_id ? order_id : "-", order_db_errmsg(c->db));
		if (op)
			snprintf(op, 24, "?");
		return true;
	}
	return busy;
}

outcome order_defer(order_ctx *c, const char *order_id, const char *kind, const char *record, int probe,
		    const char *what)
{
	if (deferred_add(c->db, order_id, kind, record, probe, c->now) != ODB_OK)
		return out_internal(order_db_errmsg(c->db));
	fx_log(c, "%s: deferred: order %s's hold invoice is being settled or canceled", what, order_id);
	return out_done();
}

int64_t fx_ln(order_ctx *c, const char *op, jv params, const char *order_id, const char *hash,
	      const char *next_step, jv ctx)
{
	return fx_ln_at(c, 0, op, params, order_id, hash, next_step, ctx);
}

int64_t fx_ln_at(order_ctx *c, int64_t due_at, const char *op, jv params, const char *order_id, const char *hash,
		 const char *next_step, jv ctx)
{
	char busy_op[24];
	if (order_id && order_escrow_op(op) && order_escrow_busy(c, order_id, 0, busy_op)) {
		/* one escrow decision at a time: never a settle beside a cancel */
		fx_log(c, "order %s: %s refused: %s is in flight", order_id, op, busy_op);
		jv_free(params);
		jv_free(ctx);
		return 0;
	}
	char *ctx_text = NULL;
	if (jv_is_valid(ctx) && jv_get_kind(ctx) != JV_KIND_NULL)
		ctx_text = json_dumps(ctx);
	jv_free(ctx);
	int64_t seq = 0;
	if (intent_add(c->db, op, order_id, hash, next_step, ctx_text, c->now, &seq) != ODB_OK) {
		free(ctx_text);
		jv_free(params);
		return 0;
	}
	free(ctx_text);
	char id[32];
	snprintf(id, sizeof id, "ln%lld", (long long)seq);
	jv req = jv_object_set(jv_object(), jv_string("id"), jv_string(id));
	req = jv_object_set(req, jv_string("op"), jv_string(op));
	if (jv_get_kind(params) == JV_KIND_OBJECT) {
		jv_object_foreach(params, k, v)
			req = jv_object_set(req, k, v);
	}
	jv_free(params);
	char *line = json_dumps(req);
	jv_free(req);
	if (intent_set_request(c->db, seq, line) != ODB_OK) {
		free(line);
		return 0;
	}
	if (due_at > c->now) {
		free(line);
		return intent_wait(c->db, seq, due_at) == ODB_OK ? seq : 0;
	}
	sink_push(c->sink, STREAM_LN, 0, line);
	return seq;
}

static bool wake_one(int64_t seq, const char *request, void *arg)
{
	order_ctx *c = arg;
	if (intent_wake(c->db, seq) != ODB_OK) {
		fx_log(c, "ln%lld: %s", (long long)seq, order_db_errmsg(c->db));
		return true;
	}
	sink_push(c->sink, STREAM_LN, 0, mu_xstrdup(request));
	return true;
}

void fx_ln_due(order_ctx *c)
{
	if (intent_each_due(c->db, c->now, wake_one, c) != ODB_OK)
		fx_log(c, "waiting intents: %s", order_db_errmsg(c->db));
}

/* Intents remember who asked and how to answer them. */
jv ctx_with_request(order_ctx *c, jv ctx)
{
	if (jv_get_kind(ctx) != JV_KIND_OBJECT) {
		jv_free(ctx);
		ctx = jv_object();
	}
	if (c->has_rid)
		ctx = jv_object_set(ctx, jv_string("rid"), json_from_u64(c->rid));
	if (c->in) {
		ctx = jv_object_set(ctx, jv_string("sender"), jv_string(c->in->sender));
		if (c->m->has_id)
			ctx = jv_object_set(ctx, jv_string("msg_id"), jv_string(c->m->id));
	}
	return ctx;
}

void ctx_restore_request(order_ctx *c, jv ctx)
{
	jv r = json_get(ctx, "rid");
	c->has_rid = json_get_u64(r, &c->rid);
	jv_free(r);
}

/* ---------------------------------------------------------- SmallOrder */

small_order so_from(const order_row *o)
{
	small_order s = so_new_order(o);
	s.buyer_trade_pubkey = o->buyer_pubkey;
	s.seller_trade_pubkey = o->seller_pubkey;
	return s;
}

small_order so_new_order(const order_row *o)
{
	small_order s = {
		.id = o->id,
		.kind = (int)o->kind,
		.status = (int)o->status,
		.amount = o->amount,
		.fiat_code = o->fiat_code ? o->fiat_code : "",
		.min_amount = o->min_amount,
		.max_amount = o->max_amount,
		.fiat_amount = o->fiat_amount,
		.payment_method = o->payment_method ? o->payment_method : "",
		.premium = o->premium,
		.buyer_invoice = o->buyer_invoice,
		.created_at = OPT_SOME(o->created_at),
		.expires_at = OPT_SOME(o->expires_at),
	};
	return s;
}

static jv opt_jv(opt_i64 v)
{
	return v.set ? json_from_i64(v.v) : jv_null();
}

jv so_to_jv(const small_order *s)
{
	jv o = jv_object();
	if (s->id)
		o = jv_object_set(o, jv_string("id"), jv_string(s->id));
	o = jv_object_set(o, jv_string("kind"), s->kind >= 0 ? jv_string(order_kind_name(s->kind)) : jv_null());
	o = jv_object_set(o, jv_string("status"), s->status >= 0 ? jv_string(order_status_name(s->status)) : jv_null());
	o = jv_object_set(o, jv_string("amount"), json_from_i64(s->amount));
	o = jv_object_set(o, jv_string("fiat_code"), jv_string(s->fiat_code ? s->fiat_code : ""));
	o = jv_object_set(o, jv_string("min_amount"), opt_jv(s->min_amount));
	o = jv_object_set(o, jv_string("max_amount"), opt_jv(s->max_amount));
	o = jv_object_set(o, jv_string("fiat_amount"), json_from_i64(s->fiat_amount));
	o = jv_object_set(o, jv_string("payment_method"), jv_string(s->payment_method ? s->payment_method : ""));
	o = jv_object_set(o, jv_string("premium"), json_from_i64(s->premium));
	if (s->buyer_trade_pubkey)
		o = jv_object_set(o, jv_string("buyer_trade_pubkey"), jv_string(s->buyer_trade_pubkey));
	if (s->seller_trade_pubkey)
		o = jv_object_set(o, jv_string("seller_trade_pubkey"), jv_string(s->seller_trade_pubkey));
	if (s->buyer_invoice)
		o = jv_object_set(o, jv_string("buyer_invoice"), jv_string(s->buyer_invoice));
	o = jv_object_set(o, jv_string("created_at"), opt_jv(s->created_at));
	o = jv_object_set(o, jv_string("expires_at"), opt_jv(s->expires_at));
	return o;
}

/* UserInfo {rating, reviews, operating_days} (mostro-core user.rs), as
 * notify_taker_reputation computes it: days = (now - created_at) / 86400 in
 * u64 (a created_at in the future wraps in mostrod; here it counts 0). */
jv user_info_jv(order_ctx *c, const char *identity)
{
	user_row u;
	user_row_init(&u);
	double rating = 0;
	int64_t reviews = 0;
	uint64_t days = 0;
	if (identity && user_load(c->db, identity, &u) == ODB_OK) {
		rating = u.total_rating;
		reviews = u.total_reviews;
		days = c->now > u.created_at ? (uint64_t)(c->now - u.created_at) / 86400 : 0;
	}
	user_row_free(&u);
	jv o = jv_object_set(jv_object(), jv_string("rating"), jv_number(rating));
	o = jv_object_set(o, jv_string("reviews"), json_from_i64(reviews));
	return jv_object_set(o, jv_string("operating_days"), json_from_u64(days));
}

jv peer_jv(const char *pubkey, jv reputation)
{
	jv o = jv_object_set(jv_object(), jv_string("pubkey"), jv_string(pubkey ? pubkey : ""));
	return jv_object_set(o, jv_string("reputation"), reputation);
}

/* ------------------------------------------------------------------ guards */

outcome guards_run(order_ctx *c, const order_guard *rows, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		c->has_override = false;
		if (rows[i].pass(c))
			continue;
		if (c->has_override) {
			outcome o = c->override;
			if (!o.why)
				o.why = rows[i].ref;
			return o;
		}
		outcome o = {rows[i].fail, rows[i].reason, rows[i].ref};
		return o;
	}
	return out_done();
}
