/* settings.h — mostrod's settings.toml, read and checked: one reader for the
 * engine (mostro-order run), the daemon script (scripts/mostrod, through
 * `mostro-order settings`) and anything else that needs Mostro's settings.
 *
 * What it reads: every section and key of mostrod 0.18.5 (DAEMON.md §8, its
 * src/config/types.rs and settings.tpl.toml) with mostrod's defaults, its
 * required keys and its checks, plus our additions (lightning.backend,
 * lightning.lnd_rest_host, lightning.sim_db, mostro.transport "both").
 * Fields are named like the keys: s->mostro.fee, s->lightning.payment_attempts,
 * s->expiration.dm_days. Our rules beyond mostrod are marked "ours" below and
 * in the template (lib/settings_template.c).
 *
 * Errors (settings_err + a message "FILE:LINE: section.key: reason") stop
 * the load; warnings (unknown keys and sections, duplicate relays, a price
 * provider id we do not know) are collected in s->warnings and never fail it.
 *
 * The Mostro key: [nostr].nsec_privkey, overridden by MOSTRO_NSEC_PRIVKEY from
 * DIR/.env, overridden by MOSTRO_NSEC_PRIVKEY from the environment (mostrod:
 * dotenvy never replaces a variable already set, even to "", and a value that
 * is blank after trimming falls back to the TOML one). A settings file whose
 * TOML holds a secret (nsec_privkey, a price provider's api_key or token) and
 * a .env file must have no group/other permission bits, else the load fails.
 * The key is kept in s->key (a mu_key), its public half in s->pubkey_hex;
 * the text it came from is wiped.
 *
 * Ownership: settings_load()/settings_parse() fill a caller-owned
 * mostro_settings; every pointer in it (strings, arrays, warnings) belongs to
 * it and settings_free() releases them and wipes the key. NULL strings mean
 * "not set" where the field says so. Nothing here prints or exits.
 */
#ifndef MU_SETTINGS_H
#define MU_SETTINGS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jv.h>

#include "keys.h"

#define SETTINGS_FILENAME "settings.toml"
#define SETTINGS_ENV_FILENAME ".env"
#define SETTINGS_NSEC_ENV "MOSTRO_NSEC_PRIVKEY"
#define SETTINGS_DB_FILENAME "mostro.db"
#define SETTINGS_SIM_DB_DEFAULT "ln-sim.db"

typedef enum settings_err {
	SETTINGS_OK = 0,
	SETTINGS_ERR_NO_FILE,      /* the settings file does not exist */
	SETTINGS_ERR_IO,           /* cannot open or read the settings file or .env */
	SETTINGS_ERR_MODE,         /* holds a secret but group/other may read it */
	SETTINGS_ERR_SYNTAX,       /* not valid TOML (the line and column say where) */
	SETTINGS_ERR_REQUIRED,     /* a required key is missing */
	SETTINGS_ERR_TYPE,         /* a key has the wrong TOML type */
	SETTINGS_ERR_RANGE,        /* a number outside what the key accepts */
	SETTINGS_ERR_VALUE,        /* a string the key does not accept (backend, transport, URL) */
	SETTINGS_ERR_RELAY_URL,    /* a relay URL lib/relay_url.h refuses */
	SETTINGS_ERR_CONFLICT,     /* keys that do not go together (cashu + bond, lnd without REST host) */
	SETTINGS_ERR_NO_KEY,       /* no Mostro key from env, .env or the file */
	SETTINGS_ERR_KEY_PLACEHOLDER, /* nsec_privkey is still the template's placeholder */
	SETTINGS_ERR_KEY,          /* the key is neither 64 hex digits nor a valid nsec */
	SETTINGS_ERR_ENV_FILE,     /* DIR/.env has a line that is not NAME=VALUE */
	SETTINGS_ERR_COUNT,
} settings_err;

/* A general message per code; "unknown error" out of range. */
const char *settings_strerror(settings_err e);

typedef struct settings_error {
	settings_err code;
	unsigned     line;       /* 0 when the problem has no line (missing file, missing section) */
	char         key[96];    /* "section.key" or "" */
	char         msg[384];   /* "FILE:LINE: section.key: reason" (never the secret) */
} settings_error;

typedef enum settings_backend {
	SETTINGS_BACKEND_SIM = 0,  /* ours: mostro-ln's simulated node */
	SETTINGS_BACKEND_LND,      /* LND through its REST API */
	SETTINGS_BACKEND_COUNT,
} settings_backend;

typedef enum settings_transport {
	SETTINGS_TRANSPORT_NIP44 = 0,  /* protocol v2, kind 14 (mostrod's default) */
	SETTINGS_TRANSPORT_GIFT_WRAP,  /* protocol v1, kind 1059 */
	SETTINGS_TRANSPORT_BOTH,       /* ours: each user on the transport they last wrote on */
	SETTINGS_TRANSPORT_COUNT,
} settings_transport;

typedef enum settings_key_source {
	SETTINGS_KEY_NONE = 0,
	SETTINGS_KEY_TOML,         /* [nostr].nsec_privkey */
	SETTINGS_KEY_DOTENV,       /* DIR/.env */
	SETTINGS_KEY_ENV,          /* the process environment */
	SETTINGS_KEY_SOURCE_COUNT,
} settings_key_source;

typedef enum settings_bond_apply_to {
	SETTINGS_BOND_TAKE = 0,
	SETTINGS_BOND_MAKE,
	SETTINGS_BOND_BOTH,
	SETTINGS_BOND_APPLY_COUNT,
} settings_bond_apply_to;

/* "sim"/"lnd", "nip44"/"gift-wrap"/"both", "none"/"toml"/".env"/"env",
 * "take"/"make"/"both"; NULL out of range. */
const char *settings_backend_name(settings_backend b);
const char *settings_transport_name(settings_transport t);
const char *settings_key_source_name(settings_key_source k);
const char *settings_bond_apply_to_name(settings_bond_apply_to a);

typedef struct settings_lightning {
	settings_backend backend;          /* ours; default lnd when lnd_rest_host or
					      lnd_grpc_host is set, else sim */
	char    *lnd_cert_file;            /* NULL = unset; required for backend lnd */
	char    *lnd_macaroon_file;        /* NULL = unset; required for backend lnd */
	char    *lnd_grpc_host;            /* NULL = unset; read, not used (we speak REST) */
	char    *lnd_rest_host;            /* ours: https://HOST[:PORT]; required for lnd */
	char    *sim_db;                   /* ours: resolved against DIR (default DIR/ln-sim.db) */
	uint32_t invoice_expiration_window;     /* req */
	uint32_t hold_invoice_cltv_delta;       /* req */
	uint32_t hold_invoice_expiration_window;/* req */
	uint32_t payment_attempts;              /* req */
	uint32_t payment_retries_interval;      /* req */
	uint32_t max_final_cltv_expiry_delta;   /* 432 */
	uint32_t escrow_deadline_margin_blocks; /* 24 */
} settings_lightning;

typedef struct settings_nostr {
	char  **relays;          /* req; normalized (lib/relay_url.h), duplicates dropped */
	size_t  relay_count;
	/* nsec_privkey: see mostro_settings.key */
} settings_nostr;

typedef struct settings_mostro {
	double   fee;                               /* req */
	double   max_routing_fee;                   /* req */
	uint32_t max_order_amount;                  /* req */
	uint32_t min_payment_amount;                /* req */
	uint32_t expiration_hours;                  /* req */
	uint32_t max_expiration_days;               /* req */
	uint32_t expiration_seconds;                /* req */
	uint32_t user_rates_sent_interval_seconds;  /* req */
	uint32_t publish_relays_interval;           /* req */
	uint8_t  pow;                               /* req */
	uint32_t publish_mostro_info_interval;      /* req */
	char   **fiat_currencies_accepted;          /* req; count 0 = every currency */
	size_t   fiat_currencies_accepted_count;
	uint8_t  max_orders_per_response;           /* req */
	double   dev_fee_percentage;                /* req; 0.10 .. 1.0 */
	char    *bitcoin_price_api_url;             /* "https://api.yadio.io" */
	bool     publish_exchange_rates_to_nostr;   /* true */
	uint64_t exchange_rates_update_interval_seconds; /* 300 */
	settings_transport transport;               /* nip44 */
	bool     has_pow_first_contact;             /* the key was set */
	uint8_t  pow_first_contact;                 /* effective: the key, else pow */
	uint64_t active_pubkeys_refresh_interval;   /* 60 */
	char    *name, *about, *picture, *website;  /* NULL = unset (kind 0 metadata) */
} settings_mostro;

typedef struct settings_database {
	char *url;    /* always "sqlite://DIR/mostro.db", as mostrod overrides it */
	char *path;   /* DIR/mostro.db */
} settings_database;

typedef struct settings_expiration {   /* NIP-40 lifetimes in days; section optional */
	uint32_t order_days;      /* 30 */
	uint32_t rating_days;     /* 90 */
	uint32_t dispute_days;    /* 90 */
	uint32_t fee_audit_days;  /* 365 */
	uint32_t dm_days;         /* 30 */
} settings_expiration;

typedef struct settings_rpc {
	bool     enabled;                     /* req */
	char    *listen_address;              /* req */
	uint16_t port;                        /* req */
	uint64_t rate_limiter_stale_duration; /* 3600 */
} settings_rpc;

typedef struct settings_price_provider {
	char   *id;              /* the [price.providers.ID] name */
	bool    known;           /* yadio, coingecko, currency_api, blockchain, eltoque, nostr */
	bool    enabled;         /* false */
	char   *url;             /* "" when unset */
	char  **fallback_urls;   size_t fallback_url_count;
	bool    has_api_key;     /* secrets: never kept in clear here, only whether set */
	bool    has_token;
	bool    has_only;        char **only;   size_t only_count;
	bool    has_except;      char **except; size_t except_count;
	char  **trusted_nodes;   size_t trusted_node_count;
} settings_price_provider;

typedef struct settings_price {
	bool     configured;                        /* a [price] section exists */
	uint64_t update_interval_seconds;           /* 300 */
	int64_t  max_price_staleness_seconds;       /* 1800 */
	double   outlier_threshold_pct;             /* 5.0 */
	uint64_t provider_timeout_seconds;          /* 10 */
	uint32_t provider_failure_threshold;        /* 3 */
	uint64_t provider_failure_cooldown_seconds; /* 120 */
	bool     publish_to_nostr;                  /* true */
	settings_price_provider *providers;         /* file order */
	size_t   provider_count;
} settings_price;

typedef struct settings_anti_abuse_bond {
	bool     configured;                   /* the section exists */
	bool     enabled;                      /* false */
	double   amount_pct;                   /* 0.01 */
	int64_t  base_amount_sats;             /* 1000 */
	settings_bond_apply_to apply_to;       /* take */
	bool     slash_on_waiting_timeout;     /* false */
	double   slash_node_share_pct;         /* 0.5, in [0, 1] */
	uint64_t payout_invoice_window_seconds;/* 300 */
	uint32_t payout_max_retries;           /* 5 */
	uint32_t payout_claim_window_days;     /* 15 */
} settings_anti_abuse_bond;

typedef struct settings_cashu {
	bool     configured;                   /* the section exists */
	bool     enabled;                      /* false */
	char    *mint_url;                     /* "" when unset; http(s) when enabled */
	uint32_t escrow_locktime_days;         /* 15; >= 1 when enabled */
} settings_cashu;

typedef struct mostro_settings {
	char *dir;                 /* the settings directory (absolute when it exists) */
	char *file;                /* the settings file as opened */
	settings_lightning       lightning;
	settings_nostr           nostr;
	settings_mostro          mostro;
	settings_database        database;
	settings_expiration      expiration;
	settings_rpc             rpc;
	settings_price           price;
	settings_anti_abuse_bond anti_abuse_bond;
	settings_cashu           cashu;

	settings_key_source key_source;  /* where the key came from */
	mu_key   key;                    /* Mostro's key (secret: wiped by settings_free) */
	char     pubkey_hex[65];

	char   **warnings;               /* "FILE:LINE: section.key: unknown key (ignored)" */
	size_t   warning_count;
} mostro_settings;

/* Where to read from, and the environment to use. */
typedef struct settings_source {
	const char *dir;    /* settings directory; NULL = dirname of file, else $HOME/.mostro */
	const char *file;   /* settings file; NULL = DIR/settings.toml */
	/* The environment lookup (NULL = getenv), so tests can inject one. */
	const char *(*getenv)(const char *name);
	bool no_env_file;   /* do not read DIR/.env (settings_parse never does) */
} settings_source;

/* Reads, checks and resolves the settings (file mode, TOML, every key,
 * DIR/.env and the environment for the key). On failure *s holds nothing
 * to use (settings_free() is still fine to call) and *err says why. */
settings_err settings_load(const settings_source *src, mostro_settings *s, settings_error *err);

/* The same from text already in memory, named `name` in messages (no file
 * mode check, no .env; the environment only if src->getenv is set). dir is
 * src->dir (or "." when NULL). For tests and the fuzz target. */
settings_err settings_parse(const char *text, size_t len, const char *name,
			    const settings_source *src, mostro_settings *s, settings_error *err);

/* Releases everything and wipes the key; *s is zeroed. */
void settings_free(mostro_settings *s);

/* The resolved settings as the JSON object `mostro-order settings` prints
 * (owned by the caller): one member per section, keys named as in the file,
 * defaults filled, nostr.key_source and nostr.pubkey instead of the secret,
 * price provider secrets as has_api_key/has_token. */
jv settings_to_jv(const mostro_settings *s);

/* The commented template (mostrod's settings.tpl.toml in our words, with our
 * additions): parses to the defaults, with a placeholder key that
 * settings_load() refuses as "not configured yet". */
extern const char settings_template[];

/* The default settings directory: $HOME/.mostro (malloc'd), or NULL when
 * HOME is unset. */
char *settings_default_dir(void);

#endif
