/* order_events.c — public event templates (PROTOCOL §7, DAEMON.md §1.2):
 * the kind-38383 order event with its tags in mostrod's order, its
 * per-order strictly increasing created_at, and the NIP-01 id the engine
 * records in orders.event_id (the template is signed downstream by
 * mostro-wrap --plain with Mostro's key; the id depends only on the pubkey,
 * created_at, kind, tags and content, so it is known here); the 38386
 * dispute revisions; and the templates of the §3 jobs (order_tick.h): the
 * 38385 info event, the 10002 relay list, kind 0 metadata and the 8383
 * dev-fee audit event. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hex.h"
#include "json.h"
#include "order_engine.h"
#include "order_table.h"
#include "order_tick.h"
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

/* ======================================== the periodic events (§3.7) */

/* The version tags of 38385: the mostrod release whose behaviour this engine
 * follows (clients gate features on it), and what built it. */
#define INFO_MOSTRO_VERSION "0.18.5"
#define INFO_COMMIT "mostroutils"

static jv tag_f64(const char *name, double v)
{
	buf b = BUF_INIT;
	json_write_f64_display(&b, v);      /* Rust Display: 0.006, 0 */
	jv t = tag1(name, b.p);
	buf_free(&b);
	return t;
}

/* A node_info array member joined by ',' (LnStatus's Vec joins). */
static jv tag_joined(const char *name, jv node, const char *key)
{
	buf b = BUF_INIT;
	jv a = json_get(node, key);
	int n = jv_get_kind(a) == JV_KIND_ARRAY ? jv_array_length(jv_copy(a)) : 0;
	for (int i = 0; i < n; i++) {
		jv e = jv_array_get(jv_copy(a), i);
		if (jv_get_kind(e) == JV_KIND_STRING)
			buf_printf(&b, "%s%s", i ? "," : "", jv_string_value(e));
		jv_free(e);
	}
	jv_free(a);
	jv t = tag1(name, b.p ? b.p : "");
	buf_free(&b);
	return t;
}

static jv tag_node(const char *name, jv node, const char *key)
{
	const char *v = json_get_str(node, key, NULL);
	return tag1(name, v ? v : "");
}

bool fx_info_event(order_ctx *c, jv node)
{
	const order_config *g = c->cfg;
	jv t = jv_array();
	t = jv_array_append(t, tag1("d", g->mostro_pubkey));
	t = jv_array_append(t, tag1("mostro_version", INFO_MOSTRO_VERSION));
	t = jv_array_append(t, tag1("mostro_commit_hash", INFO_COMMIT));
	t = jv_array_append(t, tag_i64("max_order_amount", g->max_order_amount));
	t = jv_array_append(t, tag_i64("min_order_amount", g->min_payment_amount));
	t = jv_array_append(t, tag_i64("expiration_hours", g->expiration_hours));
	t = jv_array_append(t, tag_i64("expiration_seconds", g->expiration_seconds));
	buf fiat = BUF_INIT;
	for (size_t i = 0; i < g->fiat_count; i++)
		buf_printf(&fiat, "%s%s", i ? "," : "", g->fiat_currencies_accepted[i]);
	t = jv_array_append(t, tag1("fiat_currencies_accepted", fiat.p ? fiat.p : ""));
	buf_free(&fiat);
	t = jv_array_append(t, tag_i64("max_orders_per_response", g->max_orders_per_response));
	t = jv_array_append(t, tag_f64("fee", g->fee));
	t = jv_array_append(t, tag_i64("pow", g->pow));
	/* advertised_first_contact_pow: gift-wrap needs pow only; the v2 gate
	 * (nip44, and our both) the larger of the two */
	unsigned first = g->transport == TRANSPORT_GIFT_WRAP ? g->pow
		: g->pow > g->pow_first_contact ? g->pow : g->pow_first_contact;
	t = jv_array_append(t, tag_i64("pow_first_contact", first));
	/* Transport::protocol_version; with both, 2 (and protocol_versions below) */
	t = jv_array_append(t, tag1("protocol_version", g->transport == TRANSPORT_GIFT_WRAP ? "1" : "2"));
	t = jv_array_append(t, tag_i64("hold_invoice_expiration_window", g->hold_invoice_expiration_window));
	t = jv_array_append(t, tag_i64("hold_invoice_cltv_delta", g->hold_invoice_cltv_delta));
	/* mostro#895: the window buyer invoices are checked with, not the hold
	 * invoice's (0.18.5 published hold_invoice_expiration_window here) */
	t = jv_array_append(t, tag_i64("invoice_expiration_window", g->invoice_expiration_window));
	t = jv_array_append(t, tag_node("lnd_version", node, "version"));
	t = jv_array_append(t, tag_node("lnd_node_pubkey", node, "node_pubkey"));
	t = jv_array_append(t, tag_node("lnd_commit_hash", node, "commit_hash"));
	t = jv_array_append(t, tag_node("lnd_node_alias", node, "node_alias"));
	t = jv_array_append(t, tag_joined("lnd_chains", node, "chains"));
	t = jv_array_append(t, tag_joined("lnd_networks", node, "networks"));
	t = jv_array_append(t, tag_joined("lnd_uris", node, "uris"));
	t = jv_array_append(t, order_platform_tag(g));
	t = jv_array_append(t, tag1("z", "info"));
	/* bond_policy_tags: this engine takes no bonds */
	t = jv_array_append(t, tag1("bond_enabled", "false"));
	if (g->transport == TRANSPORT_BOTH)   /* ours: both protocol versions are spoken */
		t = jv_array_append(t, tag1("protocol_versions", "1,2"));
	return fx_event(c, 38385, g->mostro_pubkey, true, t) >= 0;
}

bool fx_relay_list(order_ctx *c)
{
	jv t = jv_array();
	for (size_t i = 0; i < c->cfg->relay_count; i++)
		t = jv_array_append(t, tag1("r", c->cfg->relays[i]));
	return fx_event(c, 10002, "", true, t) >= 0;
}

/* --------------------------------------------------------------- kind 0 */

static bool url_scheme_char(char ch, bool first)
{
	if ((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z'))
		return true;
	return !first && ((ch >= '0' && ch <= '9') || ch == '+' || ch == '-' || ch == '.');
}

/* Url::parse for what a settings file holds, and Display: an absolute URL
 * (a scheme, then ':'); the "special" schemes (http, https, ws, wss, ftp)
 * need "//" and a host without spaces; scheme and such a host lower-cased,
 * an empty path written "/". Other schemes are kept as written. */
char *order_url_normalize(const char *url)
{
	if (!url)
		return NULL;
	size_t n = strlen(url), s = 0;
	while (s < n && url_scheme_char(url[s], s == 0))
		s++;
	if (s == 0 || s >= n || url[s] != ':')
		return NULL;
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)url[i] < 0x20 || url[i] == 0x7f)
			return NULL;
	buf b = BUF_INIT;
	for (size_t i = 0; i < s; i++)
		buf_putc(&b, (char)(url[i] >= 'A' && url[i] <= 'Z' ? url[i] + 32 : url[i]));
	static const char *const special[] = {"http", "https", "ws", "wss", "ftp"};
	bool sp = false;
	for (size_t k = 0; k < sizeof special / sizeof *special; k++)
		sp = sp || strcmp(b.p, special[k]) == 0;
	if (!sp) {
		buf_puts(&b, url + s);
		return buf_steal(&b);
	}
	const char *p = url + s + 1;
	if (strncmp(p, "//", 2) != 0) {
		buf_free(&b);
		return NULL;
	}
	p += 2;
	size_t hl = strcspn(p, "/?#");
	const char *at = memchr(p, '@', hl);
	const char *host = at ? at + 1 : p;
	size_t hostlen = hl - (size_t)(host - p);
	if (hostlen == 0 || memchr(host, ' ', hostlen) || (hostlen && host[0] == ':')) {
		buf_free(&b);
		return NULL;
	}
	buf_puts(&b, "://");
	if (at)
		buf_put(&b, p, (size_t)(at - p) + 1);
	for (size_t i = 0; i < hostlen; i++)
		buf_putc(&b, (char)(host[i] >= 'A' && host[i] <= 'Z' ? host[i] + 32 : host[i]));
	const char *rest = p + hl;
	if (*rest != '/')
		buf_putc(&b, '/');
	buf_puts(&b, rest);
	return buf_steal(&b);
}

bool fx_metadata(order_ctx *c, bool *published)
{
	const order_config *g = c->cfg;
	*published = false;
	char *website = order_url_normalize(g->website), *picture = order_url_normalize(g->picture);
	if (g->website && !website)
		fx_log(c, "metadata: invalid website URL left out: %s", g->website);
	if (g->picture && !picture)
		fx_log(c, "metadata: invalid picture URL left out: %s", g->picture);
	/* nostr's Metadata serializes its fields in declaration order */
	const char *keys[] = {"name", "about", "website", "picture"};
	const char *vals[] = {g->name, g->about, website, picture};
	buf b = BUF_INIT;
	buf_putc(&b, '{');
	bool any = false;
	for (size_t i = 0; i < 4; i++) {
		if (!vals[i])
			continue;
		if (any)
			buf_putc(&b, ',');
		json_write_string(&b, keys[i], strlen(keys[i]));
		buf_putc(&b, ':');
		json_write_string(&b, vals[i], strlen(vals[i]));
		any = true;
	}
	buf_putc(&b, '}');
	free(website);
	free(picture);
	bool ok = true;
	if (any) {
		/* replaceable: strictly increasing created_at across restarts */
		int64_t created_at;
		ok = pub_clock_next(c->db, 0, "", c->now, &created_at) == ODB_OK &&
		     fx_event_content(c, 0, jv_array(), b.p, created_at) >= 0;
		*published = ok;
	}
	buf_free(&b);
	return ok;
}

/* ------------------------------------------------------------- kind 8383 */

bool fx_dev_fee_audit(order_ctx *c, const order_row *o, const char *hash)
{
	jv t = jv_array();
	t = jv_array_append(t, tag1("order-id", o->id));
	t = jv_array_append(t, tag_i64("amount", o->dev_fee));
	t = jv_array_append(t, tag1("hash", hash));
	t = jv_array_append(t, tag1("destination", order_dev_fee_address(c->cfg)));
	t = jv_array_append(t, tag1("network", c->networks && *c->networks ? c->networks : "unknown"));
	t = jv_array_append(t, order_platform_tag(c->cfg));
	t = jv_array_append(t, tag1("z", "dev-fee-payment"));
	t = jv_array_append(t, tag_i64("expiration", c->now + c->cfg->fee_audit_days * 86400));
	return fx_event(c, 8383, NULL, false, t) >= 0;
}
