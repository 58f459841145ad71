/* settings_json.c — mostro_settings as the JSON object `mostro-order
 * settings` prints (see settings.h). Never the secret: the key is shown by
 * its source and public key, price credentials by whether they are set. */
#include "settings.h"

#include "json.h"

static jv str_or_null(const char *s)
{
	return s ? jv_string(s) : jv_null();
}

static jv strs(char *const *v, size_t n)
{
	jv a = jv_array();
	for (size_t i = 0; i < n; i++)
		a = jv_array_append(a, jv_string(v[i]));
	return a;
}

static jv set(jv o, const char *k, jv v)
{
	return jv_object_set(o, jv_string(k), v);
}

static jv num(uint64_t v)
{
	return json_from_u64(v);
}

static jv lightning(const settings_lightning *l)
{
	jv o = jv_object();
	o = set(o, "backend", jv_string(settings_backend_name(l->backend)));
	o = set(o, "lnd_cert_file", str_or_null(l->lnd_cert_file));
	o = set(o, "lnd_macaroon_file", str_or_null(l->lnd_macaroon_file));
	o = set(o, "lnd_grpc_host", str_or_null(l->lnd_grpc_host));
	o = set(o, "lnd_rest_host", str_or_null(l->lnd_rest_host));
	o = set(o, "sim_db", str_or_null(l->sim_db));
	o = set(o, "invoice_expiration_window", num(l->invoice_expiration_window));
	o = set(o, "hold_invoice_cltv_delta", num(l->hold_invoice_cltv_delta));
	o = set(o, "hold_invoice_expiration_window", num(l->hold_invoice_expiration_window));
	o = set(o, "payment_attempts", num(l->payment_attempts));
	o = set(o, "payment_retries_interval", num(l->payment_retries_interval));
	o = set(o, "max_final_cltv_expiry_delta", num(l->max_final_cltv_expiry_delta));
	o = set(o, "escrow_deadline_margin_blocks", num(l->escrow_deadline_margin_blocks));
	return o;
}

static jv mostro(const settings_mostro *m)
{
	jv o = jv_object();
	o = set(o, "fee", jv_number(m->fee));
	o = set(o, "max_routing_fee", jv_number(m->max_routing_fee));
	o = set(o, "max_order_amount", num(m->max_order_amount));
	o = set(o, "min_payment_amount", num(m->min_payment_amount));
	o = set(o, "expiration_hours", num(m->expiration_hours));
	o = set(o, "max_expiration_days", num(m->max_expiration_days));
	o = set(o, "expiration_seconds", num(m->expiration_seconds));
	o = set(o, "user_rates_sent_interval_seconds", num(m->user_rates_sent_interval_seconds));
	o = set(o, "publish_relays_interval", num(m->publish_relays_interval));
	o = set(o, "pow", num(m->pow));
	o = set(o, "publish_mostro_info_interval", num(m->publish_mostro_info_interval));
	o = set(o, "fiat_currencies_accepted", strs(m->fiat_currencies_accepted, m->fiat_currencies_accepted_count));
	o = set(o, "max_orders_per_response", num(m->max_orders_per_response));
	o = set(o, "dev_fee_percentage", jv_number(m->dev_fee_percentage));
	o = set(o, "bitcoin_price_api_url", str_or_null(m->bitcoin_price_api_url));
	o = set(o, "publish_exchange_rates_to_nostr", jv_bool(m->publish_exchange_rates_to_nostr));
	o = set(o, "exchange_rates_update_interval_seconds", num(m->exchange_rates_update_interval_seconds));
	o = set(o, "transport", jv_string(settings_transport_name(m->transport)));
	o = set(o, "pow_first_contact", num(m->pow_first_contact));
	o = set(o, "active_pubkeys_refresh_interval", num(m->active_pubkeys_refresh_interval));
	o = set(o, "name", str_or_null(m->name));
	o = set(o, "about", str_or_null(m->about));
	o = set(o, "picture", str_or_null(m->picture));
	o = set(o, "website", str_or_null(m->website));
	return o;
}

static jv price(const settings_price *p)
{
	jv o = jv_object();
	o = set(o, "configured", jv_bool(p->configured));
	o = set(o, "update_interval_seconds", num(p->update_interval_seconds));
	o = set(o, "max_price_staleness_seconds", json_from_i64(p->max_price_staleness_seconds));
	o = set(o, "outlier_threshold_pct", jv_number(p->outlier_threshold_pct));
	o = set(o, "provider_timeout_seconds", num(p->provider_timeout_seconds));
	o = set(o, "provider_failure_threshold", num(p->provider_failure_threshold));
	o = set(o, "provider_failure_cooldown_seconds", num(p->provider_failure_cooldown_seconds));
	o = set(o, "publish_to_nostr", jv_bool(p->publish_to_nostr));
	jv list = jv_array();
	for (size_t i = 0; i < p->provider_count; i++) {
		const settings_price_provider *v = &p->providers[i];
		jv q = jv_object();
		q = set(q, "id", jv_string(v->id));
		q = set(q, "known", jv_bool(v->known));
		q = set(q, "enabled", jv_bool(v->enabled));
		q = set(q, "url", jv_string(v->url));
		q = set(q, "fallback_urls", strs(v->fallback_urls, v->fallback_url_count));
		q = set(q, "has_api_key", jv_bool(v->has_api_key));
		q = set(q, "has_token", jv_bool(v->has_token));
		q = set(q, "only", v->has_only ? strs(v->only, v->only_count) : jv_null());
		q = set(q, "except", v->has_except ? strs(v->except, v->except_count) : jv_null());
		q = set(q, "trusted_nodes", strs(v->trusted_nodes, v->trusted_node_count));
		list = jv_array_append(list, q);
	}
	return set(o, "providers", list);
}

jv settings_to_jv(const mostro_settings *s)
{
	jv o = jv_object();
	o = set(o, "type", jv_string("settings"));
	o = set(o, "dir", str_or_null(s->dir));
	o = set(o, "file", str_or_null(s->file));
	o = set(o, "lightning", lightning(&s->lightning));

	jv n = jv_object();
	n = set(n, "relays", strs(s->nostr.relays, s->nostr.relay_count));
	n = set(n, "key_source", jv_string(settings_key_source_name(s->key_source)));
	n = set(n, "pubkey", s->key_source != SETTINGS_KEY_NONE ? jv_string(s->pubkey_hex) : jv_null());
	o = set(o, "nostr", n);

	o = set(o, "mostro", mostro(&s->mostro));

	jv d = jv_object();
	d = set(d, "url", str_or_null(s->database.url));
	d = set(d, "path", str_or_null(s->database.path));
	o = set(o, "database", d);

	const settings_expiration *e = &s->expiration;
	jv x = jv_object();
	x = set(x, "order_days", num(e->order_days));
	x = set(x, "rating_days", num(e->rating_days));
	x = set(x, "dispute_days", num(e->dispute_days));
	x = set(x, "fee_audit_days", num(e->fee_audit_days));
	x = set(x, "dm_days", num(e->dm_days));
	o = set(o, "expiration", x);

	jv r = jv_object();
	r = set(r, "enabled", jv_bool(s->rpc.enabled));
	r = set(r, "listen_address", str_or_null(s->rpc.listen_address));
	r = set(r, "port", num(s->rpc.port));
	r = set(r, "rate_limiter_stale_duration", num(s->rpc.rate_limiter_stale_duration));
	o = set(o, "rpc", r);

	o = set(o, "price", price(&s->price));

	const settings_anti_abuse_bond *b = &s->anti_abuse_bond;
	jv bo = jv_object();
	bo = set(bo, "configured", jv_bool(b->configured));
	bo = set(bo, "enabled", jv_bool(b->enabled));
	bo = set(bo, "amount_pct", jv_number(b->amount_pct));
	bo = set(bo, "base_amount_sats", json_from_i64(b->base_amount_sats));
	bo = set(bo, "apply_to", jv_string(settings_bond_apply_to_name(b->apply_to)));
	bo = set(bo, "slash_on_waiting_timeout", jv_bool(b->slash_on_waiting_timeout));
	bo = set(bo, "slash_node_share_pct", jv_number(b->slash_node_share_pct));
	bo = set(bo, "payout_invoice_window_seconds", num(b->payout_invoice_window_seconds));
	bo = set(bo, "payout_max_retries", num(b->payout_max_retries));
	bo = set(bo, "payout_claim_window_days", num(b->payout_claim_window_days));
	o = set(o, "anti_abuse_bond", bo);

	jv c = jv_object();
	c = set(c, "configured", jv_bool(s->cashu.configured));
	c = set(c, "enabled", jv_bool(s->cashu.enabled));
	c = set(c, "mint_url", str_or_null(s->cashu.mint_url));
	c = set(c, "escrow_locktime_days", num(s->cashu.escrow_locktime_days));
	return set(o, "cashu", c);
}
