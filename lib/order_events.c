/* order_events.c — public event templates (PROTOCOL §7, DAEMON.md §1.2):
 * the kind-38383 order event with its tags in mostrod's order, its
 * per-order strictly increasing created_at, and the NIP-01 id the engine
 * records in orders.event_id (the template is signed downstream by
 * mostro-wrap --plain with Mostro's key; the id depends only on the pubkey,
 * created_at, kind, tags and content, so it is known here). */
#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "hex.h"
#include "json.h"
#include "order_engine.h"
#include "order_table.h"
#include "sha256.h"

static jv tag1(const char *name, const char *v)
{
	return jv_array_append(jv_array_append(jv_array(), jv_string(name)), jv_string(v));
}

static jv tag_i64(const char *name, int64_t v)
{
	char s[32];
	snprintf(s, sizeof s, "%lld", (long long)v);
	return tag1(name, s);
}

/* ["y","mostro"] plus the trimmed instance name when set (§1.2). */
jv order_platform_tag(const order_config *cfg)
{
	jv t = tag1("y", "mostro");
	if (cfg->name) {
		const char *s = cfg->name, *e = s + strlen(s);
		while (s < e && isspace((unsigned char)*s))
			s++;
		while (e > s && isspace((unsigned char)e[-1]))
			e--;
		if (e > s)
			t = jv_array_append(t, jv_string_sized(s, (int)(e - s)));
	}
	return t;
}

/* The rating tag's JSON string: ["rating",{"days":D,"total_rating":R,
 * "total_reviews":N}] (serde_json's sorted keys, R as an f64). */
static jv rating_tag(const order_ctx *c, const order_rating *r)
{
	int64_t days = 0;
	if (r->created_at != 0)
		days = c->now > r->created_at ? (c->now - r->created_at) / 86400 : 0;
	buf b = BUF_INIT;
	buf_printf(&b, "[\"rating\",{\"days\":%lld,\"total_rating\":", (long long)days);
	json_write_f64_serde(&b, r->total_rating);
	buf_printf(&b, ",\"total_reviews\":%lld}]", (long long)r->total_reviews);
	jv t = tag1("rating", b.p);
	buf_free(&b);
	return t;
}

/* The tags of a 38383 revision (order_to_tags), d first. */
static jv order_tags(order_ctx *c, const order_row *o, const char *s_tag, const order_rating *r)
{
	bool pending = o->status == OS_PENDING || o->status == OS_WAITING_TAKER_BOND;
	jv tags = jv_array();
	tags = jv_array_append(tags, tag1("d", o->id));
	tags = jv_array_append(tags, tag1("k", order_kind_name(o->kind)));
	tags = jv_array_append(tags, tag1("f", o->fiat_code ? o->fiat_code : ""));
	tags = jv_array_append(tags, tag1("s", s_tag));
	tags = jv_array_append(tags, tag_i64("amt", o->amount));
	jv fa = jv_array_append(jv_array(), jv_string("fa"));
	char num[32];
	if (pending && o->min_amount.set && o->max_amount.set) {
		snprintf(num, sizeof num, "%lld", (long long)o->min_amount.v);
		fa = jv_array_append(fa, jv_string(num));
		snprintf(num, sizeof num, "%lld", (long long)o->max_amount.v);
		fa = jv_array_append(fa, jv_string(num));
	} else {
		snprintf(num, sizeof num, "%lld", (long long)o->fiat_amount);
		fa = jv_array_append(fa, jv_string(num));
	}
	tags = jv_array_append(tags, fa);
	/* payment methods split on ',', empty items dropped, no trimming */
	jv pm = jv_array_append(jv_array(), jv_string("pm"));
	for (const char *p = o->payment_method ? o->payment_method : ""; *p;) {
		const char *comma = strchr(p, ',');
		size_t n = comma ? (size_t)(comma - p) : strlen(p);
		if (n)
			pm = jv_array_append(pm, jv_string_sized(p, (int)n));
		p += n + (comma ? 1 : 0);
	}
	tags = jv_array_append(tags, pm);
	tags = jv_array_append(tags, tag_i64("premium", o->premium));
	if (r)
		tags = jv_array_append(tags, rating_tag(c, r));
	if (pending) {
		buf src = BUF_INIT;
		buf_printf(&src, "mostro:%s?relays=", o->id);
		for (size_t i = 0; i < c->cfg->relay_count; i++)
			buf_printf(&src, "%s%s", i ? "," : "", c->cfg->relays[i]);
		buf_printf(&src, "&mostro=%s", c->cfg->mostro_pubkey);
		tags = jv_array_append(tags, tag1("source", src.p));
		buf_free(&src);
	}
	tags = jv_array_append(tags, tag1("network", c->networks && *c->networks ? c->networks : "unknown"));
	tags = jv_array_append(tags, tag1("layer", "lightning"));
	tags = jv_array_append(tags, tag_i64("expires_at", o->expires_at));
	int64_t expiration = strcmp(s_tag, "pending") == 0 && o->expires_at > 0
		? o->expires_at : c->now + c->cfg->order_days * 86400;
	tags = jv_array_append(tags, tag_i64("expiration", expiration));
	tags = jv_array_append(tags, order_platform_tag(c->cfg));
	tags = jv_array_append(tags, tag1("z", "order"));
	return tags;
}

/* NIP-01 id of the event Mostro will sign: sha256([0,pubkey,created_at,kind,tags,content]). */
static void event_id_of(const char *pubkey, int64_t created_at, int kind, jv tags, char out[65])
{
	buf b = BUF_INIT;
	buf_puts(&b, "[0,");
	json_write_string(&b, pubkey, strlen(pubkey));
	buf_printf(&b, ",%lld,%d,", (long long)created_at, kind);
	json_write(&b, tags);
	buf_puts(&b, ",\"\"]");
	uint8_t h[32];
	sha256(h, b.p, b.len);
	hex_encode(out, h, 32);
	buf_free(&b);
}

outcome fx_publish_order_rated(order_ctx *c, order_row *o, order_status status, const order_rating *r)
{
	o->status = status;
	const char *s_tag = order_publish_map[status][o->kind];
	if (!s_tag)
		return out_done();
	bool pending = status == OS_PENDING || status == OS_WAITING_TAKER_BOND;
	jv tags = order_tags(c, o, s_tag, pending ? r : NULL);
	int64_t created_at;
	if (pub_clock_next(c->db, 38383, o->id, c->now, &created_at) != ODB_OK) {
		jv_free(tags);
		return out_internal("pub_clock");
	}
	if (c->cfg->mostro_pubkey[0]) {
		char id[65];
		event_id_of(c->cfg->mostro_pubkey, created_at, 38383, tags, id);
		str_set(&o->event_id, id);
	}
	if (fx_event_at(c, 38383, tags, created_at) < 0)
		return out_internal("outbox");
	return out_done();
}

/* get_ratings_for_pending_order: the maker's identity row, zeros for a
 * full-privacy maker without one; a reputation-mode maker without a row (or
 * without a master key) cannot be published (mostrod: internal error). */
outcome fx_publish_order(order_ctx *c, order_row *o, order_status status)
{
	order_rating r = {0};
	bool pending = status == OS_PENDING || status == OS_WAITING_TAKER_BOND;
	if (pending && order_publish_map[status][o->kind]) {
		bool sell = o->kind == ORDER_SELL;
		const char *identity = sell ? o->master_seller_pubkey : o->master_buyer_pubkey;
		const char *trade = sell ? o->seller_pubkey : o->buyer_pubkey;
		if (!identity || !trade)
			return out_silent("maker keys missing: order event not built");
		user_row u;
		user_row_init(&u);
		order_db_err e = user_load(c->db, identity, &u);
		if (e == ODB_OK) {
			r.total_rating = u.total_rating;
			r.total_reviews = u.total_reviews;
			r.created_at = u.created_at;
		} else if (e != ODB_NOT_FOUND || strcmp(identity, trade) != 0) {
			user_row_free(&u);
			return out_silent("maker in reputation mode without a users row: order event not built");
		}
		user_row_free(&u);
	}
	return fx_publish_order_rated(c, o, status, &r);
}

int64_t fx_dispute_event(order_ctx *c, const dispute_row *d, const char *initiator)
{
	jv tags = jv_array();
	tags = jv_array_append(tags, tag1("d", d->id));
	tags = jv_array_append(tags, tag_i64("expiration", c->now + c->cfg->dispute_days * 86400));
	tags = jv_array_append(tags, tag1("s", dispute_status_name(d->status)));
	tags = jv_array_append(tags, tag1("initiator", initiator));
	tags = jv_array_append(tags, tag_i64("created_at", d->created_at));
	tags = jv_array_append(tags, order_platform_tag(c->cfg));
	tags = jv_array_append(tags, tag1("z", "dispute"));
	return fx_event(c, 38386, d->id, true, tags);
}
