/* order_config_settings.c — the engine's settings from mostrod's
 * settings.toml as lib/settings.h resolves it (the JSON form that
 * `mostro-order settings` prints: no secret in it). One row per setting the
 * engine reads: where it is in the file, which order_config field it fills. */
#include <stdio.h>
#include <string.h>

#include "json.h"
#include "order_config.h"

static const struct { const char *section, *key, *field; } map[] = {
	{"mostro", "fee", "fee"},
	{"mostro", "max_routing_fee", "max_routing_fee"},
	{"mostro", "max_order_amount", "max_order_amount"},
	{"mostro", "min_payment_amount", "min_payment_amount"},
	{"mostro", "expiration_hours", "expiration_hours"},
	{"mostro", "max_expiration_days", "max_expiration_days"},
	{"mostro", "expiration_seconds", "expiration_seconds"},
	{"mostro", "user_rates_sent_interval_seconds", "user_rates_sent_interval_seconds"},
	{"mostro", "publish_relays_interval", "publish_relays_interval"},
	{"mostro", "pow", "pow"},
	{"mostro", "pow_first_contact", "pow_first_contact"},   /* effective: the key, else pow */
	{"mostro", "publish_mostro_info_interval", "publish_mostro_info_interval"},
	{"mostro", "fiat_currencies_accepted", "fiat_currencies_accepted"},
	{"mostro", "max_orders_per_response", "max_orders_per_response"},
	{"mostro", "dev_fee_percentage", "dev_fee_percentage"},
	{"mostro", "transport", "transport"},
	{"mostro", "name", "name"},
	{"mostro", "about", "about"},
	{"mostro", "picture", "picture"},
	{"mostro", "website", "website"},
	{"lightning", "invoice_expiration_window", "invoice_expiration_window"},
	{"lightning", "hold_invoice_cltv_delta", "hold_invoice_cltv_delta"},
	{"lightning", "hold_invoice_expiration_window", "hold_invoice_expiration_window"},
	{"lightning", "payment_attempts", "payment_attempts"},
	{"lightning", "payment_retries_interval", "payment_retries_interval"},
	{"lightning", "max_final_cltv_expiry_delta", "max_final_cltv_expiry_delta"},
	{"lightning", "escrow_deadline_margin_blocks", "escrow_deadline_margin_blocks"},
	{"nostr", "relays", "relays"},
	{"nostr", "pubkey", "mostro_pubkey"},
	{"expiration", "order_days", "order_days"},
	{"expiration", "rating_days", "rating_days"},
	{"expiration", "dispute_days", "dispute_days"},
	{"expiration", "fee_audit_days", "fee_audit_days"},
	{"expiration", "dm_days", "dm_days"},
	{"price", "max_price_staleness_seconds", "max_price_staleness_seconds"},
};

bool order_config_from_settings(order_config *c, jv settings, char *err, size_t errlen)
{
	jv flat = jv_object();
	for (size_t i = 0; i < sizeof map / sizeof *map; i++) {
		jv sec = json_get(settings, map[i].section);
		jv v = jv_is_valid(sec) ? json_get(sec, map[i].key) : jv_invalid();
		jv_free(sec);
		if (jv_is_valid(v))
			flat = jv_object_set(flat, jv_string(map[i].field), v);
	}
	bool ok = order_config_from_jv(c, flat, err, errlen);
	jv_free(flat);
	return ok;
}
