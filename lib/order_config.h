/* order_config.h — the settings the order engine decides with: the subset
 * of mostrod's settings.toml (DAEMON.md §8) that mostro-order run reads,
 * with mostrod's defaults (settings.tpl.toml), plus the engine's own.
 *
 * Why a struct of its own: handlers and tests need a plain value they can
 * fill without a file; the settings reader (lib/settings.h) is mapped into
 * it once at start (order_config_from_settings, lib/order_config_settings.c),
 * and the config travels in the input log (order_config_to_jv / _from_jv) so
 * `mostro-order replay` decides with exactly the settings of the run.
 *
 * Ownership: the string arrays belong to the config; order_config_free()
 * releases them. Nothing here prints or exits.
 */
#ifndef MU_ORDER_CONFIG_H
#define MU_ORDER_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <jv.h>

typedef enum order_transport {
	TRANSPORT_NIP44 = 0,     /* v2, kind 14 (mostrod's default) */
	TRANSPORT_GIFT_WRAP,     /* v1, kind 1059 */
	TRANSPORT_BOTH,          /* ours: each key on the transport it last wrote on */
	TRANSPORT_COUNT
} order_transport;

const char *order_transport_name(order_transport t);   /* nip44 | gift-wrap | both */

typedef struct order_config {
	/* [mostro] */
	double   fee;                        /* 0 */
	double   max_routing_fee;            /* 0.002 */
	int64_t  max_order_amount;           /* 1000000 */
	int64_t  min_payment_amount;         /* 100 */
	int64_t  expiration_hours;           /* 24 */
	int64_t  max_expiration_days;        /* 15 */
	int64_t  expiration_seconds;         /* 900 */
	int64_t  user_rates_sent_interval_seconds; /* 3600 */
	int64_t  publish_relays_interval;    /* 60 */
	unsigned pow;                        /* 0 */
	unsigned pow_first_contact;          /* = pow */
	int64_t  publish_mostro_info_interval; /* 300 */
	char   **fiat_currencies_accepted;   /* empty = all */
	size_t   fiat_count;
	int64_t  max_orders_per_response;    /* 10 */
	double   dev_fee_percentage;         /* 0.30 */
	order_transport transport;           /* nip44 */
	char    *name;                       /* NULL = unset ([mostro].name, the y tag) */
	char    *about, *picture, *website;  /* NULL = unset (kind 0 metadata, §3.7) */
	/* [lightning] */
	int64_t  invoice_expiration_window;  /* 3600 */
	int64_t  hold_invoice_cltv_delta;    /* 144 */
	int64_t  hold_invoice_expiration_window; /* 300 */
	int64_t  payment_attempts;           /* 3 */
	int64_t  payment_retries_interval;   /* 60 */
	int64_t  max_final_cltv_expiry_delta;/* 432 */
	int64_t  escrow_deadline_margin_blocks; /* 24 */
	/* [nostr] */
	char   **relays;                     /* for the 38383 source tag */
	size_t   relay_count;
	/* [expiration] (days) */
	int64_t  order_days, rating_days, dispute_days, fee_audit_days, dm_days;
	/* [price] */
	int64_t  max_price_staleness_seconds;/* 1800 */
	/* the engine's own */
	char    *dev_fee_address;            /* NULL = mostrod's DEV_FEE_LIGHTNING_ADDRESS (§3.6) */
	char     mostro_pubkey[65];          /* "" = unknown (admin identity, source tag) */
	bool     mostrod_compat;             /* reproduce mostrod's invoice quirks (lib/invoice_rules.h) */
} order_config;

/* mostrod's Lightning Address for the dev fee (src/config/constants.rs). */
#define ORDER_DEV_FEE_ADDRESS "pivotaldeborah52@walletofsatoshi.com"
/* The address the dev fee job pays: the setting, else mostrod's. */
const char *order_dev_fee_address(const order_config *c);

/* mostrod's defaults (settings.tpl.toml); every string array empty. */
void order_config_defaults(order_config *c);
void order_config_free(order_config *c);

/* Adds a relay / an accepted currency (copied). */
void order_config_add_relay(order_config *c, const char *url);
void order_config_add_fiat(order_config *c, const char *code);

/* The whole config as a JSON object (caller owns it), and back: unknown keys
 * and wrong types fail with a message in err. */
jv order_config_to_jv(const order_config *c);
bool order_config_from_jv(order_config *c, jv v, char *err, size_t errlen);

/* The engine's fields from mostrod's settings in the JSON form of
 * settings_to_jv() / `mostro-order settings` (borrowed; no secret in it):
 * [mostro], [lightning], [nostr].relays and the public key, [expiration],
 * [price].max_price_staleness_seconds (lib/order_config_settings.c). */
bool order_config_from_settings(order_config *c, jv settings, char *err, size_t errlen);

#endif
