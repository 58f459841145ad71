/* settings.c — mostrod's settings.toml read into mostro_settings (see
 * settings.h). The schema is data: one keydef row per key, one secdef per
 * section, read by one walker; the rules between keys (backend, key
 * precedence, cashu/bond, price providers) come after, in check order. */
#include "settings.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sodium.h>

#include "buf.h"
#include "hex.h"
#include "relay_url.h"
#include "secret.h"
#include "toml.h"

/* ------------------------------------------------------------- names */

static const char *const err_names[SETTINGS_ERR_COUNT] = {
	[SETTINGS_OK] = "ok",
	[SETTINGS_ERR_NO_FILE] = "settings file not found",
	[SETTINGS_ERR_IO] = "cannot read a settings file",
	[SETTINGS_ERR_MODE] = "a file holding a secret is readable by group or others",
	[SETTINGS_ERR_SYNTAX] = "not valid TOML",
	[SETTINGS_ERR_REQUIRED] = "a required key is missing",
	[SETTINGS_ERR_TYPE] = "a key has the wrong type",
	[SETTINGS_ERR_RANGE] = "a value is out of range",
	[SETTINGS_ERR_VALUE] = "a value is not accepted",
	[SETTINGS_ERR_RELAY_URL] = "invalid relay URL",
	[SETTINGS_ERR_CONFLICT] = "settings that do not go together",
	[SETTINGS_ERR_NO_KEY] = "no Mostro key configured",
	[SETTINGS_ERR_KEY_PLACEHOLDER] = "the Mostro key is not configured yet",
	[SETTINGS_ERR_KEY] = "invalid Mostro key",
	[SETTINGS_ERR_ENV_FILE] = "invalid line in the .env file",
};

const char *settings_strerror(settings_err e)
{
	return (unsigned)e < SETTINGS_ERR_COUNT ? err_names[e] : "unknown error";
}

static const char *const backend_names[SETTINGS_BACKEND_COUNT + 1] = {"sim", "lnd", NULL};
static const char *const transport_names[SETTINGS_TRANSPORT_COUNT + 1] = {"nip44", "gift-wrap", "both", NULL};
static const char *const key_source_names[SETTINGS_KEY_SOURCE_COUNT] = {"none", "toml", ".env", "env"};
static const char *const apply_to_names[SETTINGS_BOND_APPLY_COUNT + 1] = {"take", "make", "both", NULL};

const char *settings_backend_name(settings_backend b)
{
	return (unsigned)b < SETTINGS_BACKEND_COUNT ? backend_names[b] : NULL;
}

const char *settings_transport_name(settings_transport t)
{
	return (unsigned)t < SETTINGS_TRANSPORT_COUNT ? transport_names[t] : NULL;
}

const char *settings_key_source_name(settings_key_source k)
{
	return (unsigned)k < SETTINGS_KEY_SOURCE_COUNT ? key_source_names[k] : NULL;
}

const char *settings_bond_apply_to_name(settings_bond_apply_to a)
{
	return (unsigned)a < SETTINGS_BOND_APPLY_COUNT ? apply_to_names[a] : NULL;
}

/* ------------------------------------------------------------ schema */

typedef enum kkind {
	K_U8, K_U16, K_U32, K_U64, K_I64,  /* integers of that range */
	K_F64,        /* a float (an integer is accepted, as serde does) */
	K_BOOL,
	K_STR,        /* char * */
	K_STRS,       /* char ** + size_t count at aux */
	K_ENUM,       /* int, names at names */
	K_RELAYS,     /* nostr.relays */
	K_NSEC,       /* nostr.nsec_privkey: kept aside for the key rules */
	K_PROVIDERS,  /* price.providers */
} kkind;

#define NO_AUX ((size_t)-1)

typedef struct keydef {
	const char *name;
	kkind       kind;
	size_t      off;        /* into mostro_settings (into the provider for provider keys) */
	size_t      aux;        /* K_STRS: count; integers/floats/strings: bool "has" flag; or NO_AUX */
	bool        req;
	/* floats: [fmin, fmax], fmin excluded when fmin_open; integers: at least imin */
	double      fmin, fmax;
	bool        fmin_open, ranged;
	int64_t     imin;
	const char *const *names;
	const char *why;        /* the range's reason, for messages */
} keydef;

#define F(field) offsetof(mostro_settings, field)
#define P(field) offsetof(settings_price_provider, field)

#define REQ(n, k, f) {.name = n, .kind = k, .off = F(f), .aux = NO_AUX, .req = true}
#define OPT(n, k, f) {.name = n, .kind = k, .off = F(f), .aux = NO_AUX}
#define OPT_HAS(n, k, f, h) {.name = n, .kind = k, .off = F(f), .aux = F(h)}
#define REQ_STRS(n, f, c) {.name = n, .kind = K_STRS, .off = F(f), .aux = F(c), .req = true}
#define F64_RANGE(n, f, req_, lo, hi, open, why_) \
	{.name = n, .kind = K_F64, .off = F(f), .aux = NO_AUX, .req = req_, .fmin = lo, .fmax = hi, \
	 .fmin_open = open, .ranged = true, .why = why_}

static const keydef lightning_keys[] = {
	OPT("lnd_cert_file", K_STR, lightning.lnd_cert_file),
	OPT("lnd_macaroon_file", K_STR, lightning.lnd_macaroon_file),
	OPT("lnd_grpc_host", K_STR, lightning.lnd_grpc_host),
	REQ("invoice_expiration_window", K_U32, lightning.invoice_expiration_window),
	REQ("hold_invoice_cltv_delta", K_U32, lightning.hold_invoice_cltv_delta),
	REQ("hold_invoice_expiration_window", K_U32, lightning.hold_invoice_expiration_window),
	REQ("payment_attempts", K_U32, lightning.payment_attempts),
	REQ("payment_retries_interval", K_U32, lightning.payment_retries_interval),
	OPT("max_final_cltv_expiry_delta", K_U32, lightning.max_final_cltv_expiry_delta),
	OPT("escrow_deadline_margin_blocks", K_U32, lightning.escrow_deadline_margin_blocks),
	/* ours */
	{.name = "backend", .kind = K_ENUM, .off = F(lightning.backend), .aux = NO_AUX, .names = backend_names},
	OPT("lnd_rest_host", K_STR, lightning.lnd_rest_host),
	OPT("sim_db", K_STR, lightning.sim_db),
	{0},
};

static const keydef nostr_keys[] = {
	{.name = "nsec_privkey", .kind = K_NSEC, .aux = NO_AUX},
	{.name = "relays", .kind = K_RELAYS, .aux = NO_AUX, .req = true},
	{0},
};

static const keydef mostro_keys[] = {
	F64_RANGE("fee", mostro.fee, true, 0, 1, false, "a fraction of the order amount"),
	F64_RANGE("max_routing_fee", mostro.max_routing_fee, true, 0, 1, false, "a fraction of the payout"),
	REQ("max_order_amount", K_U32, mostro.max_order_amount),
	REQ("min_payment_amount", K_U32, mostro.min_payment_amount),
	REQ("expiration_hours", K_U32, mostro.expiration_hours),
	REQ("max_expiration_days", K_U32, mostro.max_expiration_days),
	REQ("expiration_seconds", K_U32, mostro.expiration_seconds),
	REQ("user_rates_sent_interval_seconds", K_U32, mostro.user_rates_sent_interval_seconds),
	REQ("publish_relays_interval", K_U32, mostro.publish_relays_interval),
	REQ("pow", K_U8, mostro.pow),
	REQ("publish_mostro_info_interval", K_U32, mostro.publish_mostro_info_interval),
	REQ_STRS("fiat_currencies_accepted", mostro.fiat_currencies_accepted, mostro.fiat_currencies_accepted_count),
	REQ("max_orders_per_response", K_U8, mostro.max_orders_per_response),
	F64_RANGE("dev_fee_percentage", mostro.dev_fee_percentage, true, 0.10, 1.0, false,
		  "the share of the Mostro fee that goes to development"),
	OPT("bitcoin_price_api_url", K_STR, mostro.bitcoin_price_api_url),
	OPT("publish_exchange_rates_to_nostr", K_BOOL, mostro.publish_exchange_rates_to_nostr),
	OPT("exchange_rates_update_interval_seconds", K_U64, mostro.exchange_rates_update_interval_seconds),
	{.name = "transport", .kind = K_ENUM, .off = F(mostro.transport), .aux = NO_AUX, .names = transport_names},
	OPT_HAS("pow_first_contact", K_U8, mostro.pow_first_contact, mostro.has_pow_first_contact),
	OPT("active_pubkeys_refresh_interval", K_U64, mostro.active_pubkeys_refresh_interval),
	OPT("name", K_STR, mostro.name),
	OPT("about", K_STR, mostro.about),
	OPT("picture", K_STR, mostro.picture),
	OPT("website", K_STR, mostro.website),
	{0},
};

static const keydef database_keys[] = {
	REQ("url", K_STR, database.url),
	{0},
};

static const keydef expiration_keys[] = {
	OPT("order_days", K_U32, expiration.order_days),
	OPT("rating_days", K_U32, expiration.rating_days),
	OPT("dispute_days", K_U32, expiration.dispute_days),
	OPT("fee_audit_days", K_U32, expiration.fee_audit_days),
	OPT("dm_days", K_U32, expiration.dm_days),
	{0},
};

static const keydef rpc_keys[] = {
	REQ("enabled", K_BOOL, rpc.enabled),
	REQ("listen_address", K_STR, rpc.listen_address),
	REQ("port", K_U16, rpc.port),
	OPT("rate_limiter_stale_duration", K_U64, rpc.rate_limiter_stale_duration),
	{0},
};

static const keydef price_keys[] = {
	{.name = "update_interval_seconds", .kind = K_U64, .off = F(price.update_interval_seconds),
	 .aux = NO_AUX, .imin = 1},
	{.name = "max_price_staleness_seconds", .kind = K_I64, .off = F(price.max_price_staleness_seconds),
	 .aux = NO_AUX, .imin = 1},
	F64_RANGE("outlier_threshold_pct", price.outlier_threshold_pct, false, 0, 100, true, "a percentage"),
	OPT("provider_timeout_seconds", K_U64, price.provider_timeout_seconds),
	OPT("provider_failure_threshold", K_U32, price.provider_failure_threshold),
	OPT("provider_failure_cooldown_seconds", K_U64, price.provider_failure_cooldown_seconds),
	OPT("publish_to_nostr", K_BOOL, price.publish_to_nostr),
	{.name = "providers", .kind = K_PROVIDERS, .aux = NO_AUX},
	{0},
};

static const keydef provider_keys[] = {
	{.name = "enabled", .kind = K_BOOL, .off = P(enabled), .aux = NO_AUX},
	{.name = "url", .kind = K_STR, .off = P(url), .aux = NO_AUX},
	{.name = "fallback_urls", .kind = K_STRS, .off = P(fallback_urls), .aux = P(fallback_url_count)},
	{.name = "api_key", .kind = K_NSEC, .off = P(has_api_key), .aux = NO_AUX},
	{.name = "token", .kind = K_NSEC, .off = P(has_token), .aux = NO_AUX},
	{.name = "only", .kind = K_STRS, .off = P(only), .aux = P(only_count)},
	{.name = "except", .kind = K_STRS, .off = P(except), .aux = P(except_count)},
	{.name = "trusted_nodes", .kind = K_STRS, .off = P(trusted_nodes), .aux = P(trusted_node_count)},
	{0},
};

static const keydef bond_keys[] = {
	OPT("enabled", K_BOOL, anti_abuse_bond.enabled),
	F64_RANGE("amount_pct", anti_abuse_bond.amount_pct, false, 0, INFINITY, false, "a fraction"),
	OPT("base_amount_sats", K_I64, anti_abuse_bond.base_amount_sats),
	{.name = "apply_to", .kind = K_ENUM, .off = F(anti_abuse_bond.apply_to), .aux = NO_AUX,
	 .names = apply_to_names},
	OPT("slash_on_waiting_timeout", K_BOOL, anti_abuse_bond.slash_on_waiting_timeout),
	F64_RANGE("slash_node_share_pct", anti_abuse_bond.slash_node_share_pct, false, 0, 1, false,
		  "the node's share of a slashed bond"),
	OPT("payout_invoice_window_seconds", K_U64, anti_abuse_bond.payout_invoice_window_seconds),
	OPT("payout_max_retries", K_U32, anti_abuse_bond.payout_max_retries),
	OPT("payout_claim_window_days", K_U32, anti_abuse_bond.payout_claim_window_days),
	{0},
};

static const keydef cashu_keys[] = {
	OPT("enabled", K_BOOL, cashu.enabled),
	OPT("mint_url", K_STR, cashu.mint_url),
	OPT("escrow_locktime_days", K_U32, cashu.escrow_locktime_days),
	{0},
};

typedef struct secdef {
	const char   *name;
	const keydef *keys;
	bool          req;
	size_t        configured;   /* bool set when the section exists, or NO_AUX */
} secdef;

static const secdef sections[] = {
	{"lightning", lightning_keys, true, NO_AUX},
	{"nostr", nostr_keys, true, NO_AUX},
	{"mostro", mostro_keys, true, NO_AUX},
	{"database", database_keys, true, NO_AUX},
	{"expiration", expiration_keys, false, NO_AUX},
	{"rpc", rpc_keys, true, NO_AUX},
	{"price", price_keys, false, F(price.configured)},
	{"anti_abuse_bond", bond_keys, false, F(anti_abuse_bond.configured)},
	{"cashu", cashu_keys, false, F(cashu.configured)},
};

static const char *const known_providers[] = {
	"yadio", "coingecko", "currency_api", "blockchain", "eltoque", "nostr", NULL,
};

/* ------------------------------------------------------------ context */

typedef struct ctx {
	mostro_settings *s;
	settings_error  *err;
	const char      *name;       /* the file as named in messages */
	const toml_value *root;
	/* the TOML key, kept aside until the precedence rules run */
	buf              toml_nsec;
	unsigned         toml_nsec_line;
	bool             has_toml_nsec;
} ctx;

/* Records the first error: msg is "PREFIX" then the reason. */
static bool fail_v(ctx *c, settings_err code, unsigned line, const char *key, const char *prefix,
		   const char *fmt, va_list ap)
{
	settings_error *e = c->err;
	if (e->code != SETTINGS_OK)
		return false;
	e->code = code;
	e->line = line;
	snprintf(e->key, sizeof e->key, "%s", key ? key : "");
	char reason[256];
	vsnprintf(reason, sizeof reason, fmt, ap);
	snprintf(e->msg, sizeof e->msg, "%s%s", prefix, reason);
	return false;
}

/* "FILE[:LINE]: key: reason" */
__attribute__((format(printf, 5, 6)))
static bool fail(ctx *c, settings_err code, unsigned line, const char *key, const char *fmt, ...)
{
	char prefix[200], where[32] = "";
	if (line)
		snprintf(where, sizeof where, ":%u", line);
	snprintf(prefix, sizeof prefix, "%s%s: %s%s", c->name, where, key ? key : "", key && *key ? ": " : "");
	va_list ap;
	va_start(ap, fmt);
	fail_v(c, code, line, key, prefix, fmt, ap);
	va_end(ap);
	return false;
}

/* The reason alone: it names its own source. */
__attribute__((format(printf, 5, 6)))
static bool fail_raw(ctx *c, settings_err code, unsigned line, const char *key, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	fail_v(c, code, line, key, "", fmt, ap);
	va_end(ap);
	return false;
}

__attribute__((format(printf, 4, 5)))
static void warn(ctx *c, unsigned line, const char *key, const char *fmt, ...)
{
	char reason[256], where[32] = "";
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(reason, sizeof reason, fmt, ap);
	va_end(ap);
	if (line)
		snprintf(where, sizeof where, ":%u", line);
	buf b = BUF_INIT;
	buf_printf(&b, "%s%s: %s: %s", c->name, where, key, reason);
	mostro_settings *s = c->s;
	s->warnings = mu_xrealloc(s->warnings, (s->warning_count + 1) * sizeof *s->warnings);
	s->warnings[s->warning_count++] = buf_steal(&b);
}

static void *at(void *base, size_t off)
{
	return (char *)base + off;
}

static void set_str(char **dst, const char *v, size_t n)
{
	free(*dst);
	*dst = mu_xstrndup(v, n);
}

static void free_strs(char **v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

/* "a string" / "an integer" ... */
static const char *a_type(const toml_value *v)
{
	switch (v->type) {
	case TOML_INTEGER: return "an integer";
	case TOML_ARRAY: return "an array";
	default: break;
	}
	static char tmp[TOML_TYPE_COUNT][16];
	snprintf(tmp[v->type], sizeof tmp[v->type], "a %s", toml_type_name(v->type));
	return tmp[v->type];
}

static bool want_type(ctx *c, const toml_value *v, toml_type t, const char *key, const char *expected)
{
	if (v->type == t)
		return true;
	return fail(c, SETTINGS_ERR_TYPE, v->line, key, "expected %s, not %s", expected, a_type(v));
}

static bool read_int(ctx *c, const keydef *k, const toml_value *v, const char *key, void *dst)
{
	static const struct { int64_t max; const char *name; } ranges[] = {
		[K_U8] = {UINT8_MAX, "0..255"},
		[K_U16] = {UINT16_MAX, "0..65535"},
		[K_U32] = {UINT32_MAX, "0..4294967295"},
		[K_U64] = {INT64_MAX, "0..9223372036854775807"},
		[K_I64] = {INT64_MAX, NULL},
	};
	if (v->type == TOML_FLOAT)
		return fail(c, SETTINGS_ERR_TYPE, v->line, key, "expected an integer, not a float");
	if (!want_type(c, v, TOML_INTEGER, key, "an integer"))
		return false;
	int64_t x = v->u.i;
	int64_t min = k->kind == K_I64 ? INT64_MIN : 0;
	if (x < min || x > ranges[k->kind].max)
		return fail(c, SETTINGS_ERR_RANGE, v->line, key, "%lld is out of range (%s)", (long long)x,
			    ranges[k->kind].name);
	if (x < k->imin)
		return fail(c, SETTINGS_ERR_RANGE, v->line, key, "must be at least %lld, not %lld",
			    (long long)k->imin, (long long)x);
	switch (k->kind) {
	case K_U8: *(uint8_t *)dst = (uint8_t)x; break;
	case K_U16: *(uint16_t *)dst = (uint16_t)x; break;
	case K_U32: *(uint32_t *)dst = (uint32_t)x; break;
	case K_U64: *(uint64_t *)dst = (uint64_t)x; break;
	default: *(int64_t *)dst = x; break;
	}
	return true;
}

static bool read_f64(ctx *c, const keydef *k, const toml_value *v, const char *key, double *dst)
{
	double d;
	if (v->type == TOML_INTEGER)
		d = (double)v->u.i;
	else if (v->type == TOML_FLOAT)
		d = v->u.f;
	else
		return fail(c, SETTINGS_ERR_TYPE, v->line, key, "expected a number, not %s", a_type(v));
	if (!isfinite(d))
		return fail(c, SETTINGS_ERR_RANGE, v->line, key, "must be a finite number");
	if (k->ranged && (d < k->fmin || d > k->fmax || (k->fmin_open && d == k->fmin))) {
		if (isinf(k->fmax))
			return fail(c, SETTINGS_ERR_RANGE, v->line, key, "%g is negative (%s)", d, k->why);
		return fail(c, SETTINGS_ERR_RANGE, v->line, key, "%g is outside %c%g, %g] (%s)", d,
			    k->fmin_open ? '(' : '[', k->fmin, k->fmax, k->why);
	}
	*dst = d;
	return true;
}

static bool read_strs(ctx *c, const toml_value *v, const char *key, char ***dst, size_t *count)
{
	if (!want_type(c, v, TOML_ARRAY, key, "an array of strings"))
		return false;
	for (size_t i = 0; i < toml_len(v); i++) {
		const toml_value *e = toml_array_at(v, i);
		if (e->type != TOML_STRING)
			return fail(c, SETTINGS_ERR_TYPE, e->line, key, "element %zu: expected a string, not %s",
				    i + 1, a_type(e));
	}
	free_strs(*dst, *count);
	*count = toml_len(v);
	*dst = mu_xmalloc((*count ? *count : 1) * sizeof **dst);
	for (size_t i = 0; i < *count; i++) {
		const toml_value *e = toml_array_at(v, i);
		(*dst)[i] = mu_xstrndup(e->u.s.p, e->u.s.len);
	}
	return true;
}

static bool read_enum(ctx *c, const keydef *k, const toml_value *v, const char *key, int *dst)
{
	if (!want_type(c, v, TOML_STRING, key, "a string"))
		return false;
	for (int i = 0; k->names[i]; i++)
		if (strlen(k->names[i]) == v->u.s.len && memcmp(k->names[i], v->u.s.p, v->u.s.len) == 0) {
			*dst = i;
			return true;
		}
	buf choices = BUF_INIT;
	for (int i = 0; k->names[i]; i++)
		buf_printf(&choices, "%s\"%s\"", i ? (k->names[i + 1] ? ", " : " or ") : "", k->names[i]);
	fail(c, SETTINGS_ERR_VALUE, v->line, key, "unknown value \"%.40s\" (%s)",
	     strlen(v->u.s.p) == v->u.s.len ? v->u.s.p : "?", choices.p);
	buf_free(&choices);
	return false;
}

static bool read_relays(ctx *c, const toml_value *v, const char *key)
{
	if (!want_type(c, v, TOML_ARRAY, key, "an array of relay URLs"))
		return false;
	relay_list l = RELAY_LIST_INIT;
	bool ok = true;
	for (size_t i = 0; ok && i < toml_len(v); i++) {
		const toml_value *e = toml_array_at(v, i);
		if (e->type != TOML_STRING) {
			ok = fail(c, SETTINGS_ERR_TYPE, e->line, key, "element %zu: expected a string, not %s",
				  i + 1, a_type(e));
			break;
		}
		size_t before = l.n;
		relay_url_err re = strlen(e->u.s.p) == e->u.s.len ? relay_list_add(&l, e->u.s.p) : RELAY_URL_ERR_CHARS;
		if (re != RELAY_URL_OK)
			ok = fail(c, SETTINGS_ERR_RELAY_URL, e->line, key, "\"%.80s\": %s",
				  strlen(e->u.s.p) == e->u.s.len ? e->u.s.p : "?", relay_url_strerror(re));
		else if (l.n == before)
			warn(c, e->line, key, "\"%.80s\" is listed twice (kept once)", e->u.s.p);
	}
	if (ok && l.n == 0)
		ok = fail(c, SETTINGS_ERR_VALUE, v->line, key, "no relay: give at least one relay URL");
	if (!ok) {
		relay_list_free(&l);
		return false;
	}
	free_strs(c->s->nostr.relays, c->s->nostr.relay_count);
	c->s->nostr.relays = l.urls;
	c->s->nostr.relay_count = l.n;
	return true;
}

static bool read_providers(ctx *c, const toml_value *v, const char *key);

/* One key of a section (or of a price provider, base = the provider). */
static bool read_key(ctx *c, const keydef *k, const toml_value *v, const char *key, void *base)
{
	void *dst = at(base, k->off);
	switch (k->kind) {
	case K_U8: case K_U16: case K_U32: case K_U64: case K_I64:
		if (!read_int(c, k, v, key, dst))
			return false;
		break;
	case K_F64:
		if (!read_f64(c, k, v, key, dst))
			return false;
		break;
	case K_BOOL:
		if (!want_type(c, v, TOML_BOOL, key, "true or false"))
			return false;
		*(bool *)dst = v->u.b;
		break;
	case K_STR:
		if (!want_type(c, v, TOML_STRING, key, "a string"))
			return false;
		set_str(dst, v->u.s.p, v->u.s.len);
		break;
	case K_STRS:
		return read_strs(c, v, key, dst, at(base, k->aux));
	case K_ENUM:
		return read_enum(c, k, v, key, dst);
	case K_RELAYS:
		return read_relays(c, v, key);
	case K_NSEC:
		if (!want_type(c, v, TOML_STRING, key, "a string"))
			return false;
		if (base != c->s) {  /* a price provider's api_key / token: only whether it is set */
			*(bool *)dst = v->u.s.len > 0;
			return true;
		}
		buf_reset(&c->toml_nsec);
		buf_put(&c->toml_nsec, v->u.s.p, v->u.s.len);
		c->toml_nsec_line = v->line;
		c->has_toml_nsec = true;
		return true;
	case K_PROVIDERS:
		return read_providers(c, v, key);
	}
	if (k->aux != NO_AUX)
		*(bool *)at(base, k->aux) = true;
	return true;
}

/* Reads every member of table t against keys; unknown members are warnings. */
static bool read_table(ctx *c, const char *prefix, const keydef *keys, const toml_value *t, void *base)
{
	char key[200];
	for (size_t i = 0; i < toml_len(t); i++) {
		const toml_kv *kv = toml_table_at(t, i);
		const keydef *k = keys;
		while (k->name && (strlen(k->name) != kv->keylen || memcmp(k->name, kv->key, kv->keylen) != 0))
			k++;
		snprintf(key, sizeof key, "%.130s.%.60s", prefix, strlen(kv->key) == kv->keylen ? kv->key : "?");
		if (!k->name) {
			warn(c, kv->value->line, key, "unknown key (ignored)");
			continue;
		}
		if (!read_key(c, k, kv->value, key, base))
			return false;
	}
	for (const keydef *k = keys; k->name; k++)
		if (k->req && !toml_get(t, k->name)) {
			snprintf(key, sizeof key, "%.130s.%.60s", prefix, k->name);
			return fail(c, SETTINGS_ERR_REQUIRED, t->line, key, "missing (required)");
		}
	return true;
}

static bool read_providers(ctx *c, const toml_value *v, const char *key)
{
	if (!want_type(c, v, TOML_TABLE, key, "a table of providers ([price.providers.NAME])"))
		return false;
	settings_price *pr = &c->s->price;
	for (size_t i = 0; i < toml_len(v); i++) {
		const toml_kv *kv = toml_table_at(v, i);
		char pkey[160];
		snprintf(pkey, sizeof pkey, "%.90s.%.40s", key, strlen(kv->key) == kv->keylen ? kv->key : "?");
		if (!want_type(c, kv->value, TOML_TABLE, pkey, "a table ([price.providers.NAME])"))
			return false;
		pr->providers = mu_xrealloc(pr->providers, (pr->provider_count + 1) * sizeof *pr->providers);
		settings_price_provider *p = &pr->providers[pr->provider_count++];
		memset(p, 0, sizeof *p);
		p->id = mu_xstrndup(kv->key, kv->keylen);
		p->url = mu_xstrdup("");
		for (const char *const *n = known_providers; *n; n++)
			if (strcmp(*n, p->id) == 0)
				p->known = true;
		if (!read_table(c, pkey, provider_keys, kv->value, p))
			return false;
		const toml_value *only = toml_get(kv->value, "only"), *except = toml_get(kv->value, "except");
		p->has_only = only != NULL;
		p->has_except = except != NULL;
		if (only && except)
			return fail(c, SETTINGS_ERR_CONFLICT, except->line, pkey, "`only` and `except` cannot both be set");
		bool blank_url = strspn(p->url, " \t\r\n") == strlen(p->url);
		if (p->enabled && blank_url && strcmp(p->id, "nostr") != 0)
			return fail(c, SETTINGS_ERR_REQUIRED, kv->value->line, pkey,
				    "an enabled provider needs a non-empty url");
		if (p->enabled && blank_url && p->trusted_node_count == 0)
			return fail(c, SETTINGS_ERR_REQUIRED, kv->value->line, pkey,
				    "the enabled nostr provider needs trusted_nodes");
		if (p->enabled && strcmp(p->id, "eltoque") == 0 && !p->has_token)
			return fail(c, SETTINGS_ERR_REQUIRED, kv->value->line, pkey,
				    "the enabled eltoque provider needs a token");
		if (!p->known)
			warn(c, kv->value->line, pkey, "unknown price provider (ignored)");
	}
	return true;
}

/* ------------------------------------------------------------ defaults */

static void defaults(mostro_settings *s)
{
	s->lightning.max_final_cltv_expiry_delta = 432;
	s->lightning.escrow_deadline_margin_blocks = 24;
	s->lightning.backend = SETTINGS_BACKEND_COUNT; /* resolved after reading */
	s->mostro.bitcoin_price_api_url = mu_xstrdup("https://api.yadio.io");
	s->mostro.publish_exchange_rates_to_nostr = true;
	s->mostro.exchange_rates_update_interval_seconds = 300;
	s->mostro.transport = SETTINGS_TRANSPORT_NIP44;
	s->mostro.active_pubkeys_refresh_interval = 60;
	s->expiration = (settings_expiration){30, 90, 90, 365, 30};
	s->rpc.rate_limiter_stale_duration = 3600;
	s->price.update_interval_seconds = 300;
	s->price.max_price_staleness_seconds = 1800;
	s->price.outlier_threshold_pct = 5.0;
	s->price.provider_timeout_seconds = 10;
	s->price.provider_failure_threshold = 3;
	s->price.provider_failure_cooldown_seconds = 120;
	s->price.publish_to_nostr = true;
	s->anti_abuse_bond.amount_pct = 0.01;
	s->anti_abuse_bond.base_amount_sats = 1000;
	s->anti_abuse_bond.apply_to = SETTINGS_BOND_TAKE;
	s->anti_abuse_bond.slash_node_share_pct = 0.5;
	s->anti_abuse_bond.payout_invoice_window_seconds = 300;
	s->anti_abuse_bond.payout_max_retries = 5;
	s->anti_abuse_bond.payout_claim_window_days = 15;
	s->cashu.mint_url = mu_xstrdup("");
	s->cashu.escrow_locktime_days = 15;
}

/* ---------------------------------------------------------- cross-key rules */

static unsigned line_of(const ctx *c, const char *path)
{
	const toml_value *v = toml_path(c->root, path);
	return v ? v->line : 0;
}

static char *join_dir(const char *dir, const char *name)
{
	if (name[0] == '/' || !dir)
		return mu_xstrdup(name);
	buf b = BUF_INIT;
	buf_printf(&b, "%s%s%s", dir, dir[0] && dir[strlen(dir) - 1] == '/' ? "" : "/", name);
	return buf_steal(&b);
}

/* https://HOST[:PORT][/path], as mostro-ln's --lnd-url takes it. */
static bool https_url(const char *u, const char **why)
{
	if (strncmp(u, "https://", 8) != 0) {
		*why = "must start with https:// (LND's REST API is served over TLS)";
		return false;
	}
	const char *h = u + 8, *end = h + strcspn(h, "/?#");
	if (end == h || *h == ':') {
		*why = "has no host";
		return false;
	}
	for (const char *q = u; *q; q++)
		if ((unsigned char)*q <= 0x20 || *q == 0x7F) {
			*why = "contains a space or a control character";
			return false;
		}
	const char *colon = NULL;
	if (*h == '[') {
		const char *rb = memchr(h, ']', (size_t)(end - h));
		if (!rb) {
			*why = "has an unclosed [IPv6] host";
			return false;
		}
		colon = rb + 1 < end && rb[1] == ':' ? rb + 1 : NULL;
	} else {
		colon = memchr(h, ':', (size_t)(end - h));
	}
	if (colon) {
		long port = 0;
		const char *d = colon + 1;
		if (d == end) {
			*why = "has an empty port";
			return false;
		}
		for (; d < end; d++) {
			if (*d < '0' || *d > '9' || port > 65535) {
				*why = "has a port that is not a number in 1..65535";
				return false;
			}
			port = port * 10 + (*d - '0');
		}
		if (port < 1 || port > 65535) {
			*why = "has a port that is not a number in 1..65535";
			return false;
		}
	}
	return true;
}

static bool lightning_rules(ctx *c, const char *dir)
{
	settings_lightning *l = &c->s->lightning;
	if (l->backend == SETTINGS_BACKEND_COUNT)
		l->backend = (l->lnd_rest_host || l->lnd_grpc_host) ? SETTINGS_BACKEND_LND : SETTINGS_BACKEND_SIM;
	if (l->lnd_rest_host) {
		const char *why;
		if (!https_url(l->lnd_rest_host, &why))
			return fail(c, SETTINGS_ERR_VALUE, line_of(c, "lightning.lnd_rest_host"),
				    "lightning.lnd_rest_host", "\"%.80s\" %s", l->lnd_rest_host, why);
	}
	if (l->backend == SETTINGS_BACKEND_LND) {
		if (!l->lnd_rest_host && l->lnd_grpc_host)
			return fail(c, SETTINGS_ERR_CONFLICT, line_of(c, "lightning.lnd_grpc_host"),
				    "lightning.lnd_rest_host",
				    "missing: backend lnd speaks LND's REST API, not gRPC; add "
				    "lnd_rest_host = \"https://HOST:8080\" (LND's restlisten) beside lnd_grpc_host");
		static const struct { const char *key; size_t off; } need[] = {
			{"lnd_rest_host", offsetof(settings_lightning, lnd_rest_host)},
			{"lnd_cert_file", offsetof(settings_lightning, lnd_cert_file)},
			{"lnd_macaroon_file", offsetof(settings_lightning, lnd_macaroon_file)},
		};
		for (size_t i = 0; i < sizeof need / sizeof *need; i++) {
			char *v = *(char **)at(l, need[i].off);
			if (!v || !*v) {
				char key[64];
				snprintf(key, sizeof key, "lightning.%s", need[i].key);
				return fail(c, SETTINGS_ERR_REQUIRED, v ? line_of(c, key) : line_of(c, "lightning"), key,
					    "%s (required with backend = \"lnd\")", v ? "empty" : "missing");
			}
		}
	}
	if (l->sim_db && !*l->sim_db)
		return fail(c, SETTINGS_ERR_VALUE, line_of(c, "lightning.sim_db"), "lightning.sim_db",
			    "empty file name");
	char *sim = join_dir(dir, l->sim_db ? l->sim_db : SETTINGS_SIM_DB_DEFAULT);
	free(l->sim_db);
	l->sim_db = sim;
	return true;
}

static bool other_rules(ctx *c, const char *dir)
{
	mostro_settings *s = c->s;
	if (!s->mostro.has_pow_first_contact)
		s->mostro.pow_first_contact = s->mostro.pow;
	static const char *const urls[] = {"picture", "website"};
	for (size_t i = 0; i < 2; i++) {
		char *u = i ? s->mostro.website : s->mostro.picture;
		if (u && strncmp(u, "https://", 8) != 0 && strncmp(u, "http://", 7) != 0) {
			char key[32];
			snprintf(key, sizeof key, "mostro.%s", urls[i]);
			warn(c, line_of(c, key), key, "not an http(s) URL; mostrod leaves it out of the kind 0 metadata");
		}
	}
	if (s->rpc.listen_address && !*s->rpc.listen_address)
		return fail(c, SETTINGS_ERR_VALUE, line_of(c, "rpc.listen_address"), "rpc.listen_address", "empty");
	/* mostrod replaces database.url with DIR/mostro.db */
	free(s->database.path);
	s->database.path = join_dir(dir, SETTINGS_DB_FILENAME);
	free(s->database.url);
	buf u = BUF_INIT;
	buf_printf(&u, "sqlite://%s", s->database.path);
	s->database.url = buf_steal(&u);
	if (s->cashu.enabled) {
		if (s->anti_abuse_bond.enabled)
			return fail(c, SETTINGS_ERR_CONFLICT, line_of(c, "cashu.enabled"), "cashu.enabled",
				    "cashu escrow and anti_abuse_bond cannot both be enabled");
		const char *m = s->cashu.mint_url;
		size_t pre = strncmp(m, "https://", 8) == 0 ? 8 : strncmp(m, "http://", 7) == 0 ? 7 : 0;
		if (!pre || !m[pre] || strchr(m, ' '))
			return fail(c, SETTINGS_ERR_VALUE, line_of(c, "cashu.mint_url") ? line_of(c, "cashu.mint_url") :
				    line_of(c, "cashu"), "cashu.mint_url",
				    "an http(s) URL of the mint is required when cashu is enabled");
		if (s->cashu.escrow_locktime_days < 1)
			return fail(c, SETTINGS_ERR_RANGE, line_of(c, "cashu.escrow_locktime_days"),
				    "cashu.escrow_locktime_days", "must be at least 1 when cashu is enabled");
	}
	return true;
}

/* ------------------------------------------------------------ the key */

static bool is_space(char ch)
{
	return ch == ' ' || ch == '\t' || ch == '\r' || ch == '\n' || ch == '\f' || ch == '\v';
}

/* Narrows s[0..*n) to its text without surrounding whitespace. */
static void trim(const char **s, size_t *n)
{
	while (*n && is_space((*s)[0]))
		(*s)++, (*n)--;
	while (*n && is_space((*s)[*n - 1]))
		(*n)--;
}

static bool is_placeholder(const char *s, size_t n)
{
	for (size_t i = 0; i + 3 <= n; i++)
		if (memcmp(s + i, "...", 3) == 0)
			return true;
	return false;
}

/* A .env file (dotenvy's syntax, without $VAR substitution): blank lines,
 * # comments, [export ]NAME=VALUE with VALUE bare (up to " #"), '...' or
 * "..." (with \\ \" \n escapes). Finds the first MOSTRO_NSEC_PRIVKEY; the
 * other names are checked for syntax and ignored. */
typedef struct dotenv {
	const char *name;   /* for messages */
	const char *text;
	size_t      len;
} dotenv;

static bool dotenv_value(ctx *c, const dotenv *d, unsigned line, const char *p, const char *end, buf *out)
{
	if (p < end && (*p == '\'' || *p == '"')) {
		char q = *p++;
		for (; p < end && *p != q; p++) {
			if (q == '"' && *p == '\\' && p + 1 < end) {
				p++;
				buf_putc(out, *p == 'n' ? '\n' : *p);
			} else {
				buf_putc(out, *p);
			}
		}
		if (p >= end)
			return fail_raw(c, SETTINGS_ERR_ENV_FILE, 0, "", "%s:%u: unterminated quoted value", d->name, line);
		p++;
		while (p < end && (*p == ' ' || *p == '\t'))
			p++;
		if (p < end && *p != '#')
			return fail_raw(c, SETTINGS_ERR_ENV_FILE, 0, "", "%s:%u: text after the closing quote", d->name, line);
		return true;
	}
	const char *v = p;
	while (p < end && !(*p == '#' && (p == v || p[-1] == ' ' || p[-1] == '\t')))
		p++;
	size_t n = (size_t)(p - v);
	trim(&v, &n);
	buf_put(out, v, n);
	return true;
}

/* Sets *found and fills val with the first MOSTRO_NSEC_PRIVKEY of the file. */
static bool dotenv_scan(ctx *c, const dotenv *d, buf *val, bool *found, unsigned *found_line)
{
	*found = false;
	const char *p = d->text, *end = d->text + d->len;
	for (unsigned line = 1; p < end; line++) {
		const char *eol = memchr(p, '\n', (size_t)(end - p));
		const char *le = eol ? eol : end, *next = eol ? eol + 1 : end;
		if (le > p && le[-1] == '\r')
			le--;
		while (p < le && (*p == ' ' || *p == '\t'))
			p++;
		if (p == le || *p == '#') {
			p = next;
			continue;
		}
		if ((size_t)(le - p) > 7 && memcmp(p, "export ", 7) == 0)
			p += 7;
		while (p < le && (*p == ' ' || *p == '\t'))
			p++;
		const char *name = p;
		while (p < le && (*p == '_' || *p == '.' || (*p >= '0' && *p <= '9') ||
				  (*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z')))
			p++;
		size_t nlen = (size_t)(p - name);
		while (p < le && (*p == ' ' || *p == '\t'))
			p++;
		if (!nlen || p == le || *p != '=')
			return fail_raw(c, SETTINGS_ERR_ENV_FILE, 0, "", "%s:%u: expected NAME=VALUE", d->name, line);
		p++;
		while (p < le && (*p == ' ' || *p == '\t'))
			p++;
		bool ours = nlen == strlen(SETTINGS_NSEC_ENV) && memcmp(name, SETTINGS_NSEC_ENV, nlen) == 0;
		buf tmp = BUF_INIT;
		bool ok = dotenv_value(c, d, line, p, le, &tmp);
		if (ok && ours && !*found) {
			*found = true;
			*found_line = line;
			buf_reset(val);
			buf_put(val, tmp.p ? tmp.p : "", tmp.len);
		}
		buf_wipe(&tmp);
		if (!ok)
			return false;
		p = next;
	}
	return true;
}

static bool resolve_key(ctx *c, const settings_source *src, const dotenv *d)
{
	mostro_settings *s = c->s;
	buf denv = BUF_INIT;
	bool in_dotenv = false;
	unsigned dline = 0;
	bool ok = true;
	if (d && !dotenv_scan(c, d, &denv, &in_dotenv, &dline)) {
		buf_wipe(&denv);
		return false;
	}
	const char *env = src && src->getenv ? src->getenv(SETTINGS_NSEC_ENV) : NULL;
	/* mostrod: a variable already in the environment (even "") is never
	 * replaced by .env; a blank value leaves the TOML key in force. */
	const char *text = NULL;
	size_t n = 0;
	char from[200];
	if (env) {
		text = env;
		n = strlen(env);
		trim(&text, &n);
		s->key_source = SETTINGS_KEY_ENV;
		snprintf(from, sizeof from, "$%s", SETTINGS_NSEC_ENV);
	} else if (in_dotenv) {
		text = denv.p ? denv.p : "";
		n = denv.len;
		trim(&text, &n);
		s->key_source = SETTINGS_KEY_DOTENV;
		snprintf(from, sizeof from, "%s:%u: %s", d->name, dline, SETTINGS_NSEC_ENV);
	}
	if (!n) {
		text = c->toml_nsec.p ? c->toml_nsec.p : "";
		n = c->toml_nsec.len;
		trim(&text, &n);
		s->key_source = n ? SETTINGS_KEY_TOML : SETTINGS_KEY_NONE;
		snprintf(from, sizeof from, "%s:%u: nostr.nsec_privkey", c->name, c->toml_nsec_line);
	}
	if (!n) {
		ok = fail(c, SETTINGS_ERR_NO_KEY, c->has_toml_nsec ? c->toml_nsec_line : line_of(c, "nostr"),
			  "nostr.nsec_privkey", "no Mostro key: set nsec_privkey here, or %s in %s/%s or the environment",
			  SETTINGS_NSEC_ENV, s->dir ? s->dir : ".", SETTINGS_ENV_FILENAME);
	} else if (is_placeholder(text, n)) {
		ok = fail_raw(c, SETTINGS_ERR_KEY_PLACEHOLDER, 0, NULL,
			  "%s: still the template's placeholder: the Mostro key is not configured yet "
			  "(write an nsec1... or 64 hex digits, or set %s in the environment or %s/%s)",
			  from, SETTINGS_NSEC_ENV, s->dir ? s->dir : ".", SETTINGS_ENV_FILENAME);
	} else {
		secret_err e = secret_parse_key(text, n, &s->key);
		if (e != SECRET_OK)
			ok = fail_raw(c, SETTINGS_ERR_KEY, 0, NULL, "%s: not a valid key: %s", from, secret_strerror(e));
		else
			hex_encode(s->pubkey_hex, s->key.pk, 32);
	}
	if (!ok) {
		/* name the key in the error even when the message starts with its source */
		snprintf(c->err->key, sizeof c->err->key, "nostr.nsec_privkey");
		if (s->key_source == SETTINGS_KEY_TOML)
			c->err->line = c->toml_nsec_line;
		key_wipe(&s->key);
	}
	buf_wipe(&denv);
	return ok;
}

/* Does the TOML hold a secret (a real key, a price provider's credential)? */
static bool holds_secret(const toml_value *root)
{
	const toml_value *n = toml_path(root, "nostr.nsec_privkey");
	if (n && n->type == TOML_STRING) {
		const char *t = n->u.s.p;
		size_t len = n->u.s.len;
		trim(&t, &len);
		if (len && !is_placeholder(t, len))
			return true;
	}
	const toml_value *pv = toml_path(root, "price.providers");
	for (size_t i = 0; i < toml_len(pv); i++) {
		const toml_value *p = toml_table_at(pv, i)->value;
		const toml_value *a = toml_get(p, "api_key"), *t = toml_get(p, "token");
		if ((a && a->type == TOML_STRING && a->u.s.len) || (t && t->type == TOML_STRING && t->u.s.len))
			return true;
	}
	return false;
}

/* ------------------------------------------------------------ the walk */

typedef struct parse_in {
	const char *text;
	size_t      len;
	const char *name;
	const settings_source *src;
	const dotenv *dotenv;     /* NULL: none */
	int          mode;        /* the file's st_mode, or -1: not checked */
} parse_in;

static settings_err parse_impl(const parse_in *in, mostro_settings *s, settings_error *err)
{
	ctx c = {.s = s, .err = err, .name = in->name};
	toml_value *root = NULL;
	toml_error te;
	const char *dir = s->dir;
	if (toml_parse(in->text, in->len, &root, &te) != TOML_OK) {
		err->code = SETTINGS_ERR_SYNTAX;
		err->line = te.line;
		err->key[0] = 0;
		snprintf(err->msg, sizeof err->msg, "%s:%u:%u: %s", in->name, te.line, te.col, te.msg);
		return err->code;
	}
	c.root = root;
	if (in->mode >= 0 && (in->mode & 077) && holds_secret(root)) {
		fail_raw(&c, SETTINGS_ERR_MODE, 0, NULL, "%s: mode %04o lets group or others read it and it holds a secret: chmod 600 %s",
		     in->name, (unsigned)in->mode & 07777, in->name);
		goto out;
	}
	defaults(s);
	for (size_t i = 0; i < toml_len(root); i++) {
		const toml_kv *kv = toml_table_at(root, i);
		bool known = false;
		for (size_t j = 0; j < sizeof sections / sizeof *sections; j++)
			known |= strlen(sections[j].name) == kv->keylen && memcmp(sections[j].name, kv->key, kv->keylen) == 0;
		if (!known)
			warn(&c, kv->value->line, strlen(kv->key) == kv->keylen ? kv->key : "?",
			     kv->value->type == TOML_TABLE ? "unknown section (ignored)" : "unknown key (ignored)");
	}
	for (size_t j = 0; j < sizeof sections / sizeof *sections; j++) {
		const secdef *sd = &sections[j];
		const toml_value *t = toml_get(root, sd->name);
		if (!t) {
			if (sd->req) {
				fail(&c, SETTINGS_ERR_REQUIRED, 0, sd->name, "section [%s] is missing (required)", sd->name);
				goto out;
			}
			continue;
		}
		if (t->type != TOML_TABLE) {
			fail(&c, SETTINGS_ERR_TYPE, t->line, sd->name, "expected a section [%s], not %s", sd->name,
			     a_type(t));
			goto out;
		}
		if (sd->configured != NO_AUX)
			*(bool *)at(s, sd->configured) = true;
		if (!read_table(&c, sd->name, sd->keys, t, s))
			goto out;
	}
	if (!lightning_rules(&c, dir) || !other_rules(&c, dir))
		goto out;
	resolve_key(&c, in->src, in->dotenv);
out:
	buf_wipe(&c.toml_nsec);
	toml_free(root);
	return err->code;
}

static void init_out(mostro_settings *s, settings_error *err)
{
	memset(s, 0, sizeof *s);
	memset(err, 0, sizeof *err);
}

settings_err settings_parse(const char *text, size_t len, const char *name, const settings_source *src,
			    mostro_settings *s, settings_error *err)
{
	settings_error own;
	if (!err)
		err = &own;
	init_out(s, err);
	s->dir = mu_xstrdup(src && src->dir ? src->dir : ".");
	s->file = mu_xstrdup(name ? name : SETTINGS_FILENAME);
	parse_in in = {text, len, s->file, src, NULL, -1};
	settings_err e = parse_impl(&in, s, err);
	if (e != SETTINGS_OK)
		settings_free(s);
	return e;
}

/* ------------------------------------------------------------ files */

char *settings_default_dir(void)
{
	const char *home = getenv("HOME");
	if (!home || !*home)
		return NULL;
	return join_dir(home, ".mostro");
}

#define SETTINGS_MAX_FILE (1u << 20)

/* Reads a whole regular file (at most 1 MiB) into out; *mode gets st_mode.
 * Returns 0, or an errno value (ENOENT, EFBIG for too large, EINVAL for not
 * a regular file). */
static int slurp(const char *path, buf *out, int *mode)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (fd < 0)
		return errno;
	struct stat st;
	int rc = 0;
	if (fstat(fd, &st) != 0) {
		rc = errno;
	} else if (!S_ISREG(st.st_mode)) {
		rc = EINVAL;
	} else if (st.st_size > SETTINGS_MAX_FILE) {
		rc = EFBIG;
	} else {
		*mode = (int)(st.st_mode & 07777);
		char chunk[4096];
		for (;;) {
			ssize_t r = read(fd, chunk, sizeof chunk);
			if (r < 0 && errno == EINTR)
				continue;
			if (r < 0) {
				rc = errno;
				break;
			}
			if (r == 0)
				break;
			buf_put(out, chunk, (size_t)r);
			if (out->len > SETTINGS_MAX_FILE) {
				rc = EFBIG;
				break;
			}
		}
		sodium_memzero(chunk, sizeof chunk);
	}
	close(fd);
	return rc;
}

static settings_err file_error(settings_error *err, settings_err code, const char *path, int rc)
{
	err->code = code;
	err->line = 0;
	err->key[0] = 0;
	const char *why = rc == EINVAL ? "not a regular file" : rc == EFBIG ? "larger than 1 MiB" : strerror(rc);
	snprintf(err->msg, sizeof err->msg, "%s: %s", path, why);
	return code;
}

static const char *env_lookup(const char *name)
{
	return getenv(name);
}

settings_err settings_load(const settings_source *src, mostro_settings *s, settings_error *err)
{
	settings_error own;
	if (!err)
		err = &own;
	init_out(s, err);
	settings_source def = {0};
	if (!src)
		src = &def;
	settings_source eff = *src;
	if (!eff.getenv)
		eff.getenv = env_lookup;
	/* the directory: given, else the file's, else ~/.mostro */
	if (src->dir) {
		s->dir = mu_xstrdup(src->dir);
	} else if (src->file) {
		const char *slash = strrchr(src->file, '/');
		s->dir = slash ? mu_xstrndup(src->file, slash == src->file ? 1 : (size_t)(slash - src->file))
			       : mu_xstrdup(".");
	} else {
		s->dir = settings_default_dir();
		if (!s->dir) {
			err->code = SETTINGS_ERR_NO_FILE;
			snprintf(err->msg, sizeof err->msg, "no settings directory: HOME is not set (use -d DIR)");
			return err->code;
		}
	}
	char *real = realpath(s->dir, NULL);
	if (real) {
		free(s->dir);
		s->dir = real;
	}
	s->file = src->file ? mu_xstrdup(src->file) : join_dir(s->dir, SETTINGS_FILENAME);
	buf text = BUF_INIT, envtext = BUF_INIT;
	int mode = -1, envmode = -1;
	settings_err e;
	int rc = slurp(s->file, &text, &mode);
	if (rc) {
		e = file_error(err, rc == ENOENT ? SETTINGS_ERR_NO_FILE : SETTINGS_ERR_IO, s->file, rc);
		goto out;
	}
	dotenv d = {0}, *dp = NULL;
	char *envpath = join_dir(s->dir, SETTINGS_ENV_FILENAME);
	if (!src->no_env_file) {
		rc = slurp(envpath, &envtext, &envmode);
		if (rc && rc != ENOENT) {
			e = file_error(err, SETTINGS_ERR_IO, envpath, rc);
			free(envpath);
			goto out;
		}
		if (!rc && (envmode & 077)) {
			err->code = e = SETTINGS_ERR_MODE;
			snprintf(err->key, sizeof err->key, "%s", SETTINGS_NSEC_ENV);
			snprintf(err->msg, sizeof err->msg,
				 "%s: mode %04o lets group or others read it and it holds secrets: chmod 600 %s",
				 envpath, (unsigned)envmode, envpath);
			free(envpath);
			goto out;
		}
		if (!rc) {
			d = (dotenv){envpath, envtext.p ? envtext.p : "", envtext.len};
			dp = &d;
		}
	}
	parse_in in = {text.p ? text.p : "", text.len, s->file, &eff, dp, mode};
	e = parse_impl(&in, s, err);
	free(envpath);
out:
	buf_wipe(&text);
	buf_wipe(&envtext);
	if (e != SETTINGS_OK)
		settings_free(s);
	return e;
}

void settings_free(mostro_settings *s)
{
	if (!s)
		return;
	free(s->dir);
	free(s->file);
	settings_lightning *l = &s->lightning;
	free(l->lnd_cert_file);
	free(l->lnd_macaroon_file);
	free(l->lnd_grpc_host);
	free(l->lnd_rest_host);
	free(l->sim_db);
	free_strs(s->nostr.relays, s->nostr.relay_count);
	free_strs(s->mostro.fiat_currencies_accepted, s->mostro.fiat_currencies_accepted_count);
	free(s->mostro.bitcoin_price_api_url);
	free(s->mostro.name);
	free(s->mostro.about);
	free(s->mostro.picture);
	free(s->mostro.website);
	free(s->database.url);
	free(s->database.path);
	free(s->rpc.listen_address);
	for (size_t i = 0; i < s->price.provider_count; i++) {
		settings_price_provider *p = &s->price.providers[i];
		free(p->id);
		free(p->url);
		free_strs(p->fallback_urls, p->fallback_url_count);
		free_strs(p->only, p->only_count);
		free_strs(p->except, p->except_count);
		free_strs(p->trusted_nodes, p->trusted_node_count);
	}
	free(s->price.providers);
	free(s->cashu.mint_url);
	free_strs(s->warnings, s->warning_count);
	key_wipe(&s->key);
	sodium_memzero(s, sizeof *s);
}
