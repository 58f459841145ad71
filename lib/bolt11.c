#include "bolt11.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <secp256k1.h>
#include <secp256k1_recovery.h>

#include "bech32.h"
#include "btcaddr.h"
#include "detail.h"
#include "hex.h"
#include "json.h"
#include "keys.h"
#include "sha256.h"

/* ---- errors ------------------------------------------------------------- */

static const struct { const char *reason, *message; } errs[BOLT11_ERR_COUNT] = {
	[BOLT11_OK] = {"ok", "ok"},
	[BOLT11_ERR_TOO_LONG] = {"too_long", "invoice longer than 7089 characters"},
	[BOLT11_ERR_BECH32_CHAR] = {"bech32_bad_char", "character outside the bech32 alphabet"},
	[BOLT11_ERR_BECH32_MIXED_CASE] = {"bech32_mixed_case", "mixed upper and lower case"},
	[BOLT11_ERR_BECH32_NO_SEPARATOR] = {"bech32_no_separator", "no '1' separator or empty prefix"},
	[BOLT11_ERR_BECH32_TOO_SHORT] = {"bech32_too_short", "too short to hold a bech32 checksum"},
	[BOLT11_ERR_BECH32_CHECKSUM] = {"bech32_bad_checksum", "bech32 checksum mismatch"},
	[BOLT11_ERR_HRP_PREFIX] = {"hrp_bad_prefix", "prefix does not start with 'ln'"},
	[BOLT11_ERR_HRP_CURRENCY] = {"hrp_unknown_currency", "unknown currency prefix"},
	[BOLT11_ERR_HRP_AMOUNT] = {"hrp_bad_amount", "amount is not digits followed by an optional m/u/n/p multiplier"},
	[BOLT11_ERR_AMOUNT_SUB_MSAT] = {"amount_sub_msat", "pico amount not a multiple of 10 (sub-millisatoshi precision)"},
	[BOLT11_ERR_AMOUNT_OVERFLOW] = {"amount_overflow", "amount does not fit in 64 bits of millisatoshis"},
	[BOLT11_ERR_DATA_TOO_SHORT] = {"data_too_short", "data part shorter than timestamp and signature"},
	[BOLT11_ERR_FIELD_TRUNCATED] = {"field_truncated", "tagged field runs past the end of the data"},
	[BOLT11_ERR_FIELD_OVERFLOW] = {"field_overflow", "x or c value does not fit in 64 bits"},
	[BOLT11_ERR_FIELD_NOT_MINIMAL] = {"field_not_minimal", "x, c or 9 field with leading zero groups"},
	[BOLT11_ERR_DESCRIPTION_UTF8] = {"description_bad_utf8", "description is not valid UTF-8"},
	[BOLT11_ERR_FALLBACK] = {"fallback_bad_program", "fallback address program has a bad length"},
	[BOLT11_ERR_ROUTE_HINT] = {"route_hint_bad_length", "route hint is not a non-zero multiple of 51 bytes"},
	[BOLT11_ERR_ROUTE_HINT_PUBKEY] = {"route_hint_bad_pubkey", "route hint node id is not a valid public key"},
	[BOLT11_ERR_PAYEE_PUBKEY] = {"payee_pubkey_invalid", "n field is not a valid public key"},
	[BOLT11_ERR_SIG_RECOVERY_ID] = {"sig_bad_recovery_id", "signature recovery id is not 0..3"},
	[BOLT11_ERR_SIG_UNRECOVERABLE] = {"sig_unrecoverable", "no public key can be recovered from the signature"},
	[BOLT11_ERR_SIG_HIGH_S_WITH_N] = {"sig_high_s_with_n", "n field present and signature is not low-S"},
	[BOLT11_ERR_SIG_INVALID] = {"sig_invalid", "signature does not verify against the n field"},
	[BOLT11_ERR_MISSING_PAYMENT_HASH] = {"missing_payment_hash", "no valid p (payment hash) field"},
	[BOLT11_ERR_MULTIPLE_PAYMENT_HASH] = {"multiple_payment_hash", "more than one p (payment hash) field"},
	[BOLT11_ERR_MISSING_PAYMENT_SECRET] = {"missing_payment_secret", "no valid s (payment secret) field"},
	[BOLT11_ERR_MULTIPLE_PAYMENT_SECRET] = {"multiple_payment_secret", "more than one s (payment secret) field"},
	[BOLT11_ERR_MISSING_DESCRIPTION] = {"missing_description", "neither a d nor an h field"},
	[BOLT11_ERR_MULTIPLE_DESCRIPTION] = {"multiple_description", "more than one d/h description field"},
	[BOLT11_ERR_UNKNOWN_EVEN_FEATURE] = {"unknown_even_feature", "unknown required (even) feature bit"},
	[BOLT11_ERR_FEATURE_DEPENDENCY] = {"feature_missing_dependency", "basic_mpp without payment_secret"},
	[BOLT11_ERR_NO_SECRET_FEATURE] = {"missing_payment_secret_feature", "feature bits lack payment_secret (14/15)"},
	[BOLT11_ERR_BAD_KEY] = {"bad_secret_key", "secret key is not valid"},
	[BOLT11_ERR_FIELD_TOO_LONG] = {"field_too_long", "field longer than 1023 groups"},
	[BOLT11_ERR_BAD_FIELD] = {"bad_field", "value cannot be encoded"},
};

const char *bolt11_strerror(bolt11_err e)
{
	return (unsigned)e < BOLT11_ERR_COUNT ? errs[e].message : "unknown error";
}

const char *bolt11_reason(bolt11_err e)
{
	return (unsigned)e < BOLT11_ERR_COUNT ? errs[e].reason : "unknown";
}

static bolt11_err fail(bolt11_err e, char *detail, size_t cap, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
static bolt11_err fail(bolt11_err e, char *detail, size_t cap, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	detail_vset(detail, cap, bolt11_strerror(e), fmt, ap);
	va_end(ap);
	return e;
}

/* ---- networks ----------------------------------------------------------- */

static const struct netinfo {
	bolt11_network net;
	const char *name, *prefix, *segwit_hrp;
	uint8_t p2pkh, p2sh;
} nets[] = {
	{BOLT11_MAINNET, "mainnet", "bc", "bc", 0x00, 0x05},
	{BOLT11_TESTNET, "testnet", "tb", "tb", 0x6f, 0xc4},
	{BOLT11_SIGNET, "signet", "tbs", "tb", 0x6f, 0xc4},
	{BOLT11_REGTEST, "regtest", "bcrt", "bcrt", 0x6f, 0xc4},
	{BOLT11_SIMNET, "simnet", "sb", "sb", 0x3f, 0x7b},
};

static const struct netinfo *net_info(bolt11_network n)
{
	for (size_t i = 0; i < sizeof nets / sizeof *nets; i++)
		if (nets[i].net == n)
			return &nets[i];
	return NULL;
}

const char *bolt11_network_name(bolt11_network n)
{
	const struct netinfo *ni = net_info(n);
	return ni ? ni->name : NULL;
}

const char *bolt11_currency_prefix(bolt11_network n)
{
	const struct netinfo *ni = net_info(n);
	return ni ? ni->prefix : NULL;
}

bolt11_network bolt11_network_from_name(const char *name)
{
	for (size_t i = 0; name && i < sizeof nets / sizeof *nets; i++)
		if (strcmp(nets[i].name, name) == 0)
			return nets[i].net;
	return BOLT11_NET_UNKNOWN;
}

/* ---- invoice lifetime --------------------------------------------------- */

void bolt11_invoice_init(bolt11_invoice *inv)
{
	memset(inv, 0, sizeof *inv);
	inv->expiry = BOLT11_DEFAULT_EXPIRY;
	inv->min_final_cltv_expiry = BOLT11_DEFAULT_MIN_FINAL_CLTV;
	inv->recovery_id = -1;
}

void bolt11_free(bolt11_invoice *inv)
{
	free(inv->description);
	free(inv->features);
	free(inv->fallbacks);
	for (size_t i = 0; i < inv->n_routes; i++)
		free(inv->routes[i].hops);
	free(inv->routes);
	free(inv->metadata);
	free(inv->unknown_fields);
	free(inv->skipped_fields);
	bolt11_invoice_init(inv);
}

void bolt11_set_description(bolt11_invoice *inv, const char *text, size_t len)
{
	free(inv->description);
	inv->description = mu_xstrndup(text, len);
	memcpy(inv->description, text, len); /* keeps embedded NULs */
	inv->description_len = len;
	inv->has_description = true;
}

void bolt11_set_description_hash(bolt11_invoice *inv, const uint8_t hash[32])
{
	memcpy(inv->description_hash, hash, 32);
	inv->has_description_hash = true;
}

static int cmp_u16(const void *a, const void *b)
{
	return (int)*(const uint16_t *)a - (int)*(const uint16_t *)b;
}

void bolt11_set_features(bolt11_invoice *inv, const uint16_t *bits, size_t n)
{
	free(inv->features);
	inv->features = NULL;
	inv->n_features = 0;
	if (!n)
		return;
	inv->features = mu_xmalloc(n * sizeof *bits);
	memcpy(inv->features, bits, n * sizeof *bits);
	qsort(inv->features, n, sizeof *bits, cmp_u16);
	size_t k = 0;
	for (size_t i = 0; i < n; i++)        /* drop duplicates */
		if (k == 0 || inv->features[k - 1] != inv->features[i])
			inv->features[k++] = inv->features[i];
	inv->n_features = k;
}

void bolt11_set_metadata(bolt11_invoice *inv, const uint8_t *data, size_t n)
{
	free(inv->metadata);
	inv->metadata = mu_xmalloc(n ? n : 1);
	if (n)
		memcpy(inv->metadata, data, n);
	inv->metadata_len = n;
	inv->has_metadata = true;
}

void bolt11_add_route(bolt11_invoice *inv, const bolt11_hop *hops, size_t n)
{
	inv->routes = mu_xrealloc(inv->routes, (inv->n_routes + 1) * sizeof *inv->routes);
	bolt11_route *r = &inv->routes[inv->n_routes++];
	r->hops = mu_xmalloc((n ? n : 1) * sizeof *hops);
	if (n)
		memcpy(r->hops, hops, n * sizeof *hops);
	r->n_hops = n;
}

void bolt11_add_fallback(bolt11_invoice *inv, uint8_t version, const uint8_t *program, size_t n)
{
	inv->fallbacks = mu_xrealloc(inv->fallbacks, (inv->n_fallbacks + 1) * sizeof *inv->fallbacks);
	bolt11_fallback *f = &inv->fallbacks[inv->n_fallbacks++];
	memset(f, 0, sizeof *f);
	f->version = version;
	f->program_len = n > sizeof f->program ? sizeof f->program : n;
	memcpy(f->program, program, f->program_len);
}

bool bolt11_has_feature(const bolt11_invoice *inv, unsigned bit)
{
	for (size_t i = 0; i < inv->n_features; i++)
		if (inv->features[i] == bit)
			return true;
	return false;
}

uint64_t bolt11_expires_at(const bolt11_invoice *inv)
{
	uint64_t t = inv->timestamp + inv->expiry;
	return t < inv->timestamp ? UINT64_MAX : t;
}

bool bolt11_is_expired(const bolt11_invoice *inv, uint64_t now)
{
	return now > inv->timestamp && now - inv->timestamp > inv->expiry;
}

/* ---- 5-bit group helpers ------------------------------------------------ */

/* Packs groups MSB-first into bytes. pad: emit a final partial byte padded
 * with zero bits (signing preimage); otherwise drop the leftover bits
 * (field data). Returns the byte count. out must hold (n5*5+7)/8 bytes. */
static size_t pack_groups(const uint8_t *d5, size_t n5, uint8_t *out, bool pad)
{
	uint32_t acc = 0;
	int bits = 0;
	size_t n = 0;
	for (size_t i = 0; i < n5; i++) {
		acc = ((acc << 5) | d5[i]) & 0xfff;
		bits += 5;
		if (bits >= 8) {
			bits -= 8;
			out[n++] = (uint8_t)(acc >> bits);
		}
	}
	if (pad && bits)
		out[n++] = (uint8_t)(acc << (8 - bits));
	return n;
}

/* Big-endian value of groups; false on 64-bit overflow. */
static bool groups_to_u64(const uint8_t *d5, size_t n5, uint64_t *out)
{
	uint64_t v = 0;
	for (size_t i = 0; i < n5; i++) {
		if (v > (UINT64_MAX >> 5))
			return false;
		v = (v << 5) | d5[i];
	}
	*out = v;
	return true;
}

/* Strict UTF-8: no overlong forms, no surrogates, nothing above U+10FFFF. */
static bool utf8_valid(const uint8_t *s, size_t n)
{
	size_t i = 0;
	while (i < n) {
		uint8_t c = s[i];
		size_t k;
		uint32_t cp, min;
		if (c < 0x80) {
			i++;
			continue;
		} else if ((c & 0xe0) == 0xc0) {
			k = 1, cp = c & 0x1f, min = 0x80;
		} else if ((c & 0xf0) == 0xe0) {
			k = 2, cp = c & 0x0f, min = 0x800;
		} else if ((c & 0xf8) == 0xf0) {
			k = 3, cp = c & 0x07, min = 0x10000;
		} else {
			return false;
		}
		if (k >= n - i)
			return false;
		for (size_t j = 1; j <= k; j++) {
			if ((s[i + j] & 0xc0) != 0x80)
				return false;
			cp = (cp << 6) | (s[i + j] & 0x3f);
		}
		if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
			return false;
		i += k + 1;
	}
	return true;
}

/* ---- human-readable part ------------------------------------------------ */

static bolt11_err parse_hrp(bolt11_invoice *inv, const char *hrp, char *detail, size_t cap)
{
	if (strncmp(hrp, "ln", 2) != 0)
		return fail(BOLT11_ERR_HRP_PREFIX, detail, cap, "prefix '%.16s' does not start with 'ln'", hrp);
	/* The currency is the run of non-digits after "ln" (so "bcrt" and "tbs"
	 * are never read as "bc"/"tb" followed by an amount). */
	const char *cur = hrp + 2, *p = cur;
	while (*p && !(*p >= '0' && *p <= '9'))
		p++;
	size_t cl = (size_t)(p - cur);
	for (size_t i = 0; i < sizeof nets / sizeof *nets; i++)
		if (strlen(nets[i].prefix) == cl && strncmp(nets[i].prefix, cur, cl) == 0)
			inv->network = nets[i].net;
	if (inv->network == BOLT11_NET_UNKNOWN)
		return fail(BOLT11_ERR_HRP_CURRENCY, detail, cap, "unknown currency prefix '%.*s'",
			    (int)(cl > 16 ? 16 : cl), cur);
	if (!*p)
		return BOLT11_OK;                       /* no amount */
	uint64_t v = 0;
	const char *amount = p;
	for (; *p >= '0' && *p <= '9'; p++) {
		unsigned d = (unsigned)(*p - '0');
		if (v > (UINT64_MAX - d) / 10)
			return fail(BOLT11_ERR_AMOUNT_OVERFLOW, detail, cap, NULL);
		v = v * 10 + d;
	}
	char mult = *p;
	if (mult && (p[1] || !strchr("munp", mult)))
		return fail(BOLT11_ERR_HRP_AMOUNT, detail, cap,
			    "amount '%.24s' is not digits followed by an optional m/u/n/p multiplier", amount);
	uint64_t per;                                    /* msat per unit */
	switch (mult) {
	case 0: per = 100000000000ull; break;
	case 'm': per = 100000000ull; break;
	case 'u': per = 100000ull; break;
	case 'n': per = 100ull; break;
	default:                                         /* 'p': tenths of a msat */
		if (v % 10)
			return fail(BOLT11_ERR_AMOUNT_SUB_MSAT, detail, cap, NULL);
		v /= 10;
		per = 1;
	}
	if (v > UINT64_MAX / per)
		return fail(BOLT11_ERR_AMOUNT_OVERFLOW, detail, cap, NULL);
	inv->has_amount = true;
	inv->amount_msat = v * per;
	return BOLT11_OK;
}

/* ---- tagged fields ------------------------------------------------------ */

enum {
	TAG_P = 1, TAG_R = 3, TAG_9 = 5, TAG_X = 6, TAG_F = 9, TAG_D = 13, TAG_S = 16,
	TAG_N = 19, TAG_H = 23, TAG_C = 24, TAG_M = 27,
};

typedef struct field_state {
	unsigned n_p, n_s, n_d, n_h;
	bool seen_x, seen_c, seen_n, seen_9, seen_m;
	uint8_t payee_field[33];
	secp256k1_pubkey payee_pk;         /* payee_field, parsed once */
} field_state;

static void add_skipped(bolt11_invoice *inv, char tag, size_t dl, int version)
{
	inv->skipped_fields = mu_xrealloc(inv->skipped_fields,
					  (inv->n_skipped_fields + 1) * sizeof *inv->skipped_fields);
	inv->skipped_fields[inv->n_skipped_fields++] =
		(bolt11_skipped_field){tag, (uint16_t)dl, version};
}

static void add_unknown(bolt11_invoice *inv, unsigned type, size_t dl)
{
	inv->unknown_fields = mu_xrealloc(inv->unknown_fields,
					  (inv->n_unknown_fields + 1) * sizeof *inv->unknown_fields);
	inv->unknown_fields[inv->n_unknown_fields++] = (bolt11_unknown_field){(uint8_t)type, (uint16_t)dl};
}

static bool pubkey_valid(const uint8_t pk[33])
{
	secp256k1_pubkey p;
	return secp256k1_ec_pubkey_parse(secp(), &p, pk, 33) == 1;
}

static uint64_t be_bytes(const uint8_t *p, size_t n)
{
	uint64_t v = 0;
	for (size_t i = 0; i < n; i++)
		v = (v << 8) | p[i];
	return v;
}

static bolt11_err parse_route(bolt11_invoice *inv, const uint8_t *d5, size_t dl,
			      char *detail, size_t cap)
{
	uint8_t bytes[BOLT11_MAX_FIELD_BYTES + 1];
	size_t n = pack_groups(d5, dl, bytes, false);
	if (n == 0 || n % 51)
		return fail(BOLT11_ERR_ROUTE_HINT, detail, cap, "route hint of %zu bytes is not a non-zero multiple of 51", n);
	bolt11_hop hops[BOLT11_MAX_FIELD_BYTES / 51];
	for (size_t i = 0; i < n / 51; i++) {
		const uint8_t *h = bytes + 51 * i;
		memcpy(hops[i].pubkey, h, 33);
		if (!pubkey_valid(h))
			return fail(BOLT11_ERR_ROUTE_HINT_PUBKEY, detail, cap, NULL);
		hops[i].short_channel_id = be_bytes(h + 33, 8);
		hops[i].fee_base_msat = (uint32_t)be_bytes(h + 41, 4);
		hops[i].fee_proportional_millionths = (uint32_t)be_bytes(h + 45, 4);
		hops[i].cltv_expiry_delta = (uint16_t)be_bytes(h + 49, 2);
	}
	bolt11_add_route(inv, hops, n / 51);
	return BOLT11_OK;
}

static bolt11_err parse_fallback(bolt11_invoice *inv, const uint8_t *d5, size_t dl,
				 char *detail, size_t cap)
{
	if (dl == 0)
		return fail(BOLT11_ERR_FALLBACK, detail, cap, "empty fallback field");
	unsigned version = d5[0];
	if (version > 18) {
		add_skipped(inv, 'f', dl, (int)version);
		return BOLT11_OK;
	}
	uint8_t prog[BOLT11_MAX_FIELD_BYTES + 1];
	size_t n = pack_groups(d5 + 1, dl - 1, prog, false);
	bool ok = version <= 16 ? n >= 2 && n <= 40 : n == 20;
	if (!ok)
		return fail(BOLT11_ERR_FALLBACK, detail, cap,
			    "fallback version %u with a %zu-byte program", version, n);
	bolt11_add_fallback(inv, (uint8_t)version, prog, n);
	return BOLT11_OK;
}

static bool known_feature(unsigned bit)
{
	switch (bit & ~1u) {
	case BOLT11_FEATURE_VAR_ONION:
	case BOLT11_FEATURE_PAYMENT_SECRET:
	case BOLT11_FEATURE_BASIC_MPP:
	case BOLT11_FEATURE_ROUTE_BLINDING:
	case BOLT11_FEATURE_ATTRIBUTION_DATA:
	case BOLT11_FEATURE_PAYMENT_METADATA:
		return true;
	}
	return false;
}

static void parse_features(bolt11_invoice *inv, const uint8_t *d5, size_t dl)
{
	uint16_t bits[1023 * 5];
	size_t n = 0;
	for (size_t i = dl; i-- > 0;) {               /* last group holds bits 0..4 */
		unsigned base = (unsigned)(dl - 1 - i) * 5;
		for (unsigned k = 0; k < 5; k++)
			if (d5[i] >> k & 1)
				bits[n++] = (uint16_t)(base + k);
	}
	bolt11_set_features(inv, bits, n);
}

static bolt11_err parse_field(bolt11_invoice *inv, field_state *st, unsigned type,
			      const uint8_t *d5, size_t dl, unsigned flags,
			      char *detail, size_t cap)
{
	uint8_t bytes[BOLT11_MAX_FIELD_BYTES + 1];
	uint64_t v;
	switch (type) {
	case TAG_P:
	case TAG_S:
	case TAG_H:
		if (dl != 52) {
			add_skipped(inv, type == TAG_P ? 'p' : type == TAG_S ? 's' : 'h', dl, -1);
			return BOLT11_OK;
		}
		pack_groups(d5, dl, bytes, false);
		if (type == TAG_P && st->n_p++ == 0)
			memcpy(inv->payment_hash, bytes, 32);
		if (type == TAG_S && st->n_s++ == 0) {
			memcpy(inv->payment_secret, bytes, 32);
			inv->has_payment_secret = true;
		}
		if (type == TAG_H && st->n_h++ == 0 && !inv->has_description)
			bolt11_set_description_hash(inv, bytes);
		return BOLT11_OK;
	case TAG_D: {
		size_t n = pack_groups(d5, dl, bytes, false);
		if (!utf8_valid(bytes, n))
			return fail(BOLT11_ERR_DESCRIPTION_UTF8, detail, cap, NULL);
		if (st->n_d++ == 0 && !inv->has_description_hash)
			bolt11_set_description(inv, (const char *)bytes, n);
		return BOLT11_OK;
	}
	case TAG_X:
	case TAG_C:
		if ((flags & BOLT11_REJECT_NON_MINIMAL) && dl > 0 && d5[0] == 0)
			return fail(BOLT11_ERR_FIELD_NOT_MINIMAL, detail, cap, "%c field with leading zero groups",
				    type == TAG_X ? 'x' : 'c');
		if (!groups_to_u64(d5, dl, &v))
			return fail(BOLT11_ERR_FIELD_OVERFLOW, detail, cap, NULL);
		if (type == TAG_X && !st->seen_x) {
			st->seen_x = true;
			inv->expiry = v;
			inv->expiry_explicit = true;
		}
		if (type == TAG_C && !st->seen_c) {
			st->seen_c = true;
			inv->min_final_cltv_expiry = v;
			inv->min_final_cltv_expiry_explicit = true;
		}
		return BOLT11_OK;
	case TAG_N:
		if (dl != 53) {
			add_skipped(inv, 'n', dl, -1);
			return BOLT11_OK;
		}
	{
		secp256k1_pubkey pk;
		pack_groups(d5, dl, bytes, false);
		if (!secp256k1_ec_pubkey_parse(secp(), &pk, bytes, 33))
			return fail(BOLT11_ERR_PAYEE_PUBKEY, detail, cap, NULL);
		if (!st->seen_n) {
			st->seen_n = true;
			memcpy(st->payee_field, bytes, 33);
			st->payee_pk = pk;
		}
		return BOLT11_OK;
	}
	case TAG_F:
		return parse_fallback(inv, d5, dl, detail, cap);
	case TAG_R:
		return parse_route(inv, d5, dl, detail, cap);
	case TAG_9:
		if ((flags & BOLT11_REJECT_NON_MINIMAL) && dl > 0 && d5[0] == 0)
			return fail(BOLT11_ERR_FIELD_NOT_MINIMAL, detail, cap, "9 field with leading zero groups");
		if (!st->seen_9) {
			st->seen_9 = true;
			parse_features(inv, d5, dl);
		}
		return BOLT11_OK;
	case TAG_M: {
		size_t n = pack_groups(d5, dl, bytes, false);
		if (!st->seen_m) {
			st->seen_m = true;
			bolt11_set_metadata(inv, bytes, n);
		}
		return BOLT11_OK;
	}
	default:
		add_unknown(inv, type, dl);
		return BOLT11_OK;
	}
}

static bolt11_err parse_fields(bolt11_invoice *inv, field_state *st, const uint8_t *d5, size_t n,
			       unsigned flags, char *detail, size_t cap)
{
	size_t i = 0;
	while (i < n) {
		if (n - i < 3)
			return fail(BOLT11_ERR_FIELD_TRUNCATED, detail, cap, "field header cut short at group %zu", i);
		unsigned type = d5[i];
		size_t dl = (size_t)d5[i + 1] * 32 + d5[i + 2];
		i += 3;
		if (dl > n - i)
			return fail(BOLT11_ERR_FIELD_TRUNCATED, detail, cap,
				    "field '%c' declares %zu groups, %zu remain", "qpzry9x8gf2tvdw0s3jn54khce6mua7l"[type], dl, n - i);
		bolt11_err e = parse_field(inv, st, type, d5 + i, dl, flags, detail, cap);
		if (e)
			return e;
		i += dl;
	}
	return BOLT11_OK;
}

/* ---- signature ---------------------------------------------------------- */

/* secp256k1 group order / 2, big-endian. s above it is "high". */
static const uint8_t half_order[32] = {
	0x7f, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
	0x5d, 0x57, 0x6e, 0x73, 0x57, 0xa4, 0x50, 0x1d, 0xdf, 0xe9, 0x2f, 0x46, 0x68, 0x1b, 0x20, 0xa0,
};

static void signing_hash(uint8_t out[32], const char *hrp, const uint8_t *d5, size_t n5)
{
	uint8_t bytes[(BOLT11_MAX_LEN * 5 + 7) / 8];
	size_t n = pack_groups(d5, n5, bytes, true);
	sha256_ctx c;
	sha256_init(&c);
	sha256_update(&c, hrp, strlen(hrp));
	sha256_update(&c, bytes, n);
	sha256_final(&c, out);
}

/* trusted (BOLT11_TRUSTED): the fields only, no curve operation. */
static bolt11_err check_signature(bolt11_invoice *inv, const field_state *st, bool trusted,
				  char *detail, size_t cap)
{
	const secp256k1_context *ctx = secp();
	inv->high_s = memcmp(inv->signature + 32, half_order, 32) > 0;
	if (st->seen_n) {
		secp256k1_ecdsa_signature sig;
		memcpy(inv->payee_pubkey, st->payee_field, 33);
		inv->payee_pubkey_field = true;
		if (trusted)
			return BOLT11_OK;
		if (!secp256k1_ecdsa_signature_parse_compact(ctx, &sig, inv->signature))
			return fail(BOLT11_ERR_SIG_INVALID, detail, cap, "r or s out of range");
		if (secp256k1_ecdsa_signature_normalize(ctx, NULL, &sig))
			return fail(BOLT11_ERR_SIG_HIGH_S_WITH_N, detail, cap, NULL);
		if (!secp256k1_ecdsa_verify(ctx, &sig, inv->signing_hash, &st->payee_pk))
			return fail(BOLT11_ERR_SIG_INVALID, detail, cap, NULL);
		return BOLT11_OK;
	}
	if (trusted)
		return BOLT11_OK;
	/* No n: recover, accepting high-S, without normalizing first. */
	secp256k1_ecdsa_recoverable_signature rs;
	secp256k1_pubkey pk;
	size_t pl = 33;
	if (!secp256k1_ecdsa_recoverable_signature_parse_compact(ctx, &rs, inv->signature, inv->recovery_id) ||
	    !secp256k1_ecdsa_recover(ctx, &pk, &rs, inv->signing_hash))
		return fail(BOLT11_ERR_SIG_UNRECOVERABLE, detail, cap, NULL);
	secp256k1_ec_pubkey_serialize(ctx, inv->payee_pubkey, &pl, &pk, SECP256K1_EC_COMPRESSED);
	return BOLT11_OK;
}

/* ---- invoice-level rules ------------------------------------------------ */

static bolt11_err check_rules(const bolt11_invoice *inv, const field_state *st, unsigned flags,
			      char *detail, size_t cap)
{
	if (st->n_p == 0)
		return fail(BOLT11_ERR_MISSING_PAYMENT_HASH, detail, cap, NULL);
	if (st->n_p > 1)
		return fail(BOLT11_ERR_MULTIPLE_PAYMENT_HASH, detail, cap, NULL);
	if (st->n_s == 0)
		return fail(BOLT11_ERR_MISSING_PAYMENT_SECRET, detail, cap, NULL);
	if (st->n_s > 1)
		return fail(BOLT11_ERR_MULTIPLE_PAYMENT_SECRET, detail, cap, NULL);
	if (st->n_d + st->n_h == 0)
		return fail(BOLT11_ERR_MISSING_DESCRIPTION, detail, cap, NULL);
	if (st->n_d + st->n_h > 1)
		return fail(BOLT11_ERR_MULTIPLE_DESCRIPTION, detail, cap, NULL);
	char list[96] = "";
	size_t ll = 0, bad = 0;
	for (size_t i = 0; i < inv->n_features; i++) {
		unsigned b = inv->features[i];
		if (b % 2 == 0 && !known_feature(b)) {
			if (ll < sizeof list - 8)
				ll += (size_t)snprintf(list + ll, sizeof list - ll, "%s%u", bad ? "," : "", b);
			bad++;
		}
	}
	if (bad)
		return fail(BOLT11_ERR_UNKNOWN_EVEN_FEATURE, detail, cap,
			    "unknown required (even) feature bit(s) [%s]", list);
	bool secret = bolt11_has_feature(inv, 14) || bolt11_has_feature(inv, 15);
	if ((bolt11_has_feature(inv, 16) || bolt11_has_feature(inv, 17)) && !secret)
		return fail(BOLT11_ERR_FEATURE_DEPENDENCY, detail, cap, NULL);
	if (!(flags & BOLT11_SPEC_FEATURES) && !secret)
		return fail(BOLT11_ERR_NO_SECRET_FEATURE, detail, cap, NULL);
	return BOLT11_OK;
}

/* ---- decode ------------------------------------------------------------- */

static bolt11_err map_bech32(bech32_err e)
{
	switch (e) {
	case BECH32_ERR_MIXED_CASE: return BOLT11_ERR_BECH32_MIXED_CASE;
	case BECH32_ERR_CHAR: return BOLT11_ERR_BECH32_CHAR;
	case BECH32_ERR_SEPARATOR: return BOLT11_ERR_BECH32_NO_SEPARATOR;
	case BECH32_ERR_CHECKSUM: return BOLT11_ERR_BECH32_CHECKSUM;
	case BECH32_ERR_LENGTH: return BOLT11_ERR_BECH32_TOO_SHORT;
	default: return BOLT11_ERR_TOO_LONG;    /* capacity: cannot happen below the limit */
	}
}

bolt11_err bolt11_decode(bolt11_invoice *inv, const char *s, size_t len, unsigned flags,
			 char *detail, size_t cap)
{
	bolt11_invoice_init(inv);
	if (detail && cap)
		detail[0] = 0;
	if (len > BOLT11_MAX_LEN)
		return fail(BOLT11_ERR_TOO_LONG, detail, cap, "%zu characters (limit %d)", len, BOLT11_MAX_LEN);
	char hrp[BOLT11_MAX_LEN + 1];
	uint8_t d5[BOLT11_MAX_LEN];
	size_t n5 = 0;
	bech32_err be = bech32_decode(s, len, 0, hrp, sizeof hrp, d5, &n5, sizeof d5);
	if (be)
		return fail(map_bech32(be), detail, cap, NULL);
	bolt11_err e = parse_hrp(inv, hrp, detail, cap);
	if (e)
		return e;
	if (n5 < 7 + 104)
		return fail(BOLT11_ERR_DATA_TOO_SHORT, detail, cap,
			    "data part of %zu groups, need at least 111", n5);
	groups_to_u64(d5, 7, &inv->timestamp);
	size_t nf = n5 - 104;
	field_state st;
	memset(&st, 0, sizeof st);
	e = parse_fields(inv, &st, d5 + 7, nf - 7, flags, detail, cap);
	if (e)
		return e;
	uint8_t sig[65];
	pack_groups(d5 + nf, 104, sig, false);
	memcpy(inv->signature, sig, 64);
	inv->recovery_id = sig[64];
	signing_hash(inv->signing_hash, hrp, d5, nf);
	if (sig[64] > 3)
		return fail(BOLT11_ERR_SIG_RECOVERY_ID, detail, cap, "recovery id %u", sig[64]);
	e = check_signature(inv, &st, (flags & BOLT11_TRUSTED) != 0, detail, cap);
	if (e)
		return e;
	return check_rules(inv, &st, flags, detail, cap);
}

/* ---- encode ------------------------------------------------------------- */

/* Field groups accumulate in a buf (one group per byte). */
static bolt11_err put_field(buf *g, unsigned type, const uint8_t *d5, size_t n5)
{
	if (n5 > 1023)
		return BOLT11_ERR_FIELD_TOO_LONG;
	uint8_t head[3] = {(uint8_t)type, (uint8_t)(n5 >> 5), (uint8_t)(n5 & 31)};
	buf_put(g, head, 3);
	buf_put(g, d5, n5);
	return BOLT11_OK;
}

static bolt11_err put_bytes(buf *g, unsigned type, const uint8_t *data, size_t n)
{
	if (n > BOLT11_MAX_FIELD_BYTES)
		return BOLT11_ERR_FIELD_TOO_LONG;
	uint8_t d5[1024];
	size_t n5 = bech32_from_bytes(data, n, d5);
	return put_field(g, type, d5, n5);
}

/* Minimal big-endian groups (no leading zero group; 0 is an empty field). */
static size_t u64_groups(uint64_t v, uint8_t out[13])
{
	uint8_t tmp[13];
	size_t n = 0;
	for (; v; v >>= 5)
		tmp[n++] = v & 31;
	for (size_t i = 0; i < n; i++)
		out[i] = tmp[n - 1 - i];
	return n;
}

static bolt11_err put_u64(buf *g, unsigned type, uint64_t v)
{
	uint8_t d5[13];
	return put_field(g, type, d5, u64_groups(v, d5));
}

static bolt11_err put_features(buf *g, const bolt11_invoice *inv)
{
	if (!inv->n_features)
		return BOLT11_OK;
	unsigned top = inv->features[inv->n_features - 1];
	size_t n5 = top / 5 + 1;
	if (n5 > 1023)
		return BOLT11_ERR_FIELD_TOO_LONG;
	uint8_t d5[1023];
	memset(d5, 0, n5);
	for (size_t i = 0; i < inv->n_features; i++) {
		unsigned b = inv->features[i];
		d5[n5 - 1 - b / 5] |= (uint8_t)(1u << (b % 5));
	}
	return put_field(g, TAG_9, d5, n5);
}

static bolt11_err put_route(buf *g, const bolt11_route *r)
{
	uint8_t bytes[BOLT11_MAX_FIELD_BYTES + 51];
	if (r->n_hops == 0)
		return BOLT11_ERR_BAD_FIELD;
	if (r->n_hops * 51 > BOLT11_MAX_FIELD_BYTES)
		return BOLT11_ERR_FIELD_TOO_LONG;
	for (size_t i = 0; i < r->n_hops; i++) {
		const bolt11_hop *h = &r->hops[i];
		uint8_t *p = bytes + 51 * i;
		memcpy(p, h->pubkey, 33);
		for (int k = 0; k < 8; k++)
			p[33 + k] = (uint8_t)(h->short_channel_id >> (56 - 8 * k));
		for (int k = 0; k < 4; k++) {
			p[41 + k] = (uint8_t)(h->fee_base_msat >> (24 - 8 * k));
			p[45 + k] = (uint8_t)(h->fee_proportional_millionths >> (24 - 8 * k));
		}
		p[49] = (uint8_t)(h->cltv_expiry_delta >> 8);
		p[50] = (uint8_t)h->cltv_expiry_delta;
	}
	return put_bytes(g, TAG_R, bytes, r->n_hops * 51);
}

static bolt11_err put_fallback(buf *g, const bolt11_fallback *f)
{
	uint8_t d5[1 + 64];
	if (f->version > 18 || f->program_len > 40 ||
	    (f->version <= 16 ? f->program_len < 2 : f->program_len != 20))
		return BOLT11_ERR_BAD_FIELD;
	d5[0] = f->version;
	size_t n5 = 1 + bech32_from_bytes(f->program, f->program_len, d5 + 1);
	return put_field(g, TAG_F, d5, n5);
}

static bolt11_err encode_hrp(char *hrp, size_t cap, const bolt11_invoice *inv)
{
	const char *cur = bolt11_currency_prefix(inv->network);
	if (!cur)
		return BOLT11_ERR_HRP_CURRENCY;
	if (!inv->has_amount) {
		snprintf(hrp, cap, "ln%s", cur);
		return BOLT11_OK;
	}
	static const struct { uint64_t per; const char *m; } units[] = {
		{100000000000ull, ""}, {100000000ull, "m"}, {100000ull, "u"}, {100ull, "n"},
	};
	uint64_t a = inv->amount_msat;
	for (size_t i = 0; i < sizeof units / sizeof *units; i++)
		if (a % units[i].per == 0) {
			snprintf(hrp, cap, "ln%s%llu%s", cur, (unsigned long long)(a / units[i].per), units[i].m);
			return BOLT11_OK;
		}
	if (a > UINT64_MAX / 10)
		return BOLT11_ERR_AMOUNT_OVERFLOW;
	snprintf(hrp, cap, "ln%s%llup", cur, (unsigned long long)(a * 10));
	return BOLT11_OK;
}

static bolt11_err encode_fields(buf *g, const bolt11_invoice *inv)
{
	bolt11_err e = BOLT11_OK;
	if (inv->has_payment_secret)
		e = put_bytes(g, TAG_S, inv->payment_secret, 32);
	if (!e)
		e = put_bytes(g, TAG_P, inv->payment_hash, 32);
	if (!e && inv->has_description)
		e = put_bytes(g, TAG_D, (const uint8_t *)inv->description, inv->description_len);
	if (!e && inv->has_description_hash)
		e = put_bytes(g, TAG_H, inv->description_hash, 32);
	if (!e && inv->expiry_explicit)
		e = put_u64(g, TAG_X, inv->expiry);
	if (!e && inv->min_final_cltv_expiry_explicit)
		e = put_u64(g, TAG_C, inv->min_final_cltv_expiry);
	for (size_t i = 0; !e && i < inv->n_fallbacks; i++)
		e = put_fallback(g, &inv->fallbacks[i]);
	for (size_t i = 0; !e && i < inv->n_routes; i++)
		e = put_route(g, &inv->routes[i]);
	if (!e && inv->payee_pubkey_field)
		e = put_bytes(g, TAG_N, inv->payee_pubkey, 33);
	if (!e)
		e = put_features(g, inv);
	if (!e && inv->has_metadata)
		e = put_bytes(g, TAG_M, inv->metadata, inv->metadata_len);
	return e;
}

/* The payee key of sk. A node signs every invoice with the same key, so the
 * last derivation is kept per thread, keyed by sha256(sk): the cache never
 * holds the secret itself. Halves the cost of encoding (one scalar
 * multiplication instead of two). */
static bool payee_of(uint8_t out[33], const uint8_t sk[32])
{
	static _Thread_local struct { bool valid; uint8_t tag[32], pk[33]; } cache;
	uint8_t tag[32];
	sha256(tag, sk, 32);
	if (!cache.valid || memcmp(cache.tag, tag, 32) != 0) {
		secp256k1_pubkey pk;
		size_t pl = 33;
		if (!secp256k1_ec_pubkey_create(secp(), &pk, sk))
			return false;
		secp256k1_ec_pubkey_serialize(secp(), cache.pk, &pl, &pk, SECP256K1_EC_COMPRESSED);
		memcpy(cache.tag, tag, 32);
		cache.valid = true;
	}
	memcpy(out, cache.pk, 33);
	return true;
}

bolt11_err bolt11_encode(buf *out, bolt11_invoice *inv, const uint8_t sk[32])
{
	const secp256k1_context *ctx = secp();
	char hrp[64];
	if (inv->timestamp >> 35)
		return BOLT11_ERR_BAD_FIELD;
	if (!secp256k1_ec_seckey_verify(ctx, sk))
		return BOLT11_ERR_BAD_KEY;
	bolt11_err e = encode_hrp(hrp, sizeof hrp, inv);
	if (e)
		return e;
	if (!payee_of(inv->payee_pubkey, sk))
		return BOLT11_ERR_BAD_KEY;

	buf g = BUF_INIT;
	for (int i = 6; i >= 0; i--)
		buf_putc(&g, (char)((inv->timestamp >> (5 * i)) & 31));
	e = encode_fields(&g, inv);
	if (!e && strlen(hrp) + 1 + g.len + 104 + 6 > BOLT11_MAX_LEN)
		e = BOLT11_ERR_TOO_LONG;
	if (e) {
		buf_free(&g);
		return e;
	}
	signing_hash(inv->signing_hash, hrp, (const uint8_t *)g.p, g.len);
	secp256k1_ecdsa_recoverable_signature rs;
	uint8_t sig[65];
	int recid = 0;
	if (!secp256k1_ecdsa_sign_recoverable(ctx, &rs, inv->signing_hash, sk, NULL, NULL)) {
		buf_free(&g);
		return BOLT11_ERR_BAD_KEY;
	}
	secp256k1_ecdsa_recoverable_signature_serialize_compact(ctx, sig, &recid, &rs);
	sig[64] = (uint8_t)recid;
	memcpy(inv->signature, sig, 64);
	inv->recovery_id = recid;
	inv->high_s = false;
	uint8_t s5[104];
	bech32_from_bytes(sig, 65, s5);
	buf_put(&g, s5, 104);
	bech32_encode(out, hrp, (const uint8_t *)g.p, g.len);
	buf_free(&g);
	return BOLT11_OK;
}

/* ---- presentation ------------------------------------------------------- */

void bolt11_scid_format(char out[32], uint64_t scid)
{
	snprintf(out, 32, "%llux%llux%llu", (unsigned long long)(scid >> 40),
		 (unsigned long long)((scid >> 16) & 0xffffff), (unsigned long long)(scid & 0xffff));
}

const char *bolt11_fallback_type(const bolt11_fallback *f)
{
	if (f->version == 17)
		return "p2pkh";
	if (f->version == 18)
		return "p2sh";
	if (f->version == 0 && f->program_len == 20)
		return "p2wpkh";
	if (f->version == 0 && f->program_len == 32)
		return "p2wsh";
	if (f->version == 1 && f->program_len == 32)
		return "p2tr";
	return "witness";
}

void bolt11_fallback_address(buf *out, bolt11_network net, const bolt11_fallback *f)
{
	const struct netinfo *ni = net_info(net);
	if (!ni)
		return;
	if (f->version == 17 || f->version == 18)
		btcaddr_base58check(out, f->version == 17 ? ni->p2pkh : ni->p2sh, f->program, f->program_len);
	else if (f->version <= 16)
		btcaddr_segwit(out, ni->segwit_hrp, f->version, f->program, f->program_len);
}

static jv hex_jv(const uint8_t *p, size_t n)
{
	char stackbuf[2 * 64 + 1];
	char *h = 2 * n + 1 <= sizeof stackbuf ? stackbuf : mu_xmalloc(2 * n + 1);
	hex_encode(h, p, n);
	jv v = jv_string(h);
	if (h != stackbuf)
		free(h);
	return v;
}

static jv route_jv(const bolt11_route *r)
{
	jv hops = jv_array();
	for (size_t i = 0; i < r->n_hops; i++) {
		const bolt11_hop *h = &r->hops[i];
		char scid[32];
		bolt11_scid_format(scid, h->short_channel_id);
		jv o = jv_object();
		o = jv_object_set(o, jv_string("pubkey"), hex_jv(h->pubkey, 33));
		o = jv_object_set(o, jv_string("short_channel_id"), jv_string(scid));
		o = jv_object_set(o, jv_string("fee_base_msat"), jv_number(h->fee_base_msat));
		o = jv_object_set(o, jv_string("fee_proportional_millionths"), jv_number(h->fee_proportional_millionths));
		o = jv_object_set(o, jv_string("cltv_expiry_delta"), jv_number(h->cltv_expiry_delta));
		hops = jv_array_append(hops, o);
	}
	return hops;
}

static jv fallback_jv(bolt11_network net, const bolt11_fallback *f)
{
	buf a = BUF_INIT;
	bolt11_fallback_address(&a, net, f);
	jv o = jv_object();
	o = jv_object_set(o, jv_string("version"), jv_number(f->version));
	o = jv_object_set(o, jv_string("type"), jv_string(bolt11_fallback_type(f)));
	o = jv_object_set(o, jv_string("program_hex"), hex_jv(f->program, f->program_len));
	o = jv_object_set(o, jv_string("address"), jv_string(a.p ? a.p : ""));
	buf_free(&a);
	return o;
}

#define SET(k, v) o = jv_object_set(o, jv_string(k), (v))

jv bolt11_to_jv(const bolt11_invoice *inv)
{
	jv o = jv_object();
	const char *net = bolt11_network_name(inv->network);
	const char *cur = bolt11_currency_prefix(inv->network);
	SET("network", net ? jv_string(net) : jv_null());
	SET("currency_prefix", cur ? jv_string(cur) : jv_null());
	SET("amount_msat", inv->has_amount ? json_from_u64(inv->amount_msat) : jv_null());
	SET("timestamp", json_from_u64(inv->timestamp));
	SET("payment_hash", hex_jv(inv->payment_hash, 32));
	SET("payment_secret", inv->has_payment_secret ? hex_jv(inv->payment_secret, 32) : jv_null());
	SET("description", inv->has_description
		? jv_string_sized(inv->description, (int)inv->description_len) : jv_null());
	SET("description_hash", inv->has_description_hash ? hex_jv(inv->description_hash, 32) : jv_null());
	SET("expiry", json_from_u64(inv->expiry));
	SET("expiry_explicit", jv_bool(inv->expiry_explicit));
	SET("min_final_cltv_expiry", json_from_u64(inv->min_final_cltv_expiry));
	SET("min_final_cltv_expiry_explicit", jv_bool(inv->min_final_cltv_expiry_explicit));
	SET("payee_pubkey", hex_jv(inv->payee_pubkey, 33));
	SET("payee_pubkey_field", inv->payee_pubkey_field ? hex_jv(inv->payee_pubkey, 33) : jv_null());
	jv feats = jv_array();
	for (size_t i = 0; i < inv->n_features; i++)
		feats = jv_array_append(feats, jv_number(inv->features[i]));
	SET("features", feats);
	jv fbs = jv_array();
	for (size_t i = 0; i < inv->n_fallbacks; i++)
		fbs = jv_array_append(fbs, fallback_jv(inv->network, &inv->fallbacks[i]));
	SET("fallbacks", fbs);
	jv routes = jv_array();
	for (size_t i = 0; i < inv->n_routes; i++)
		routes = jv_array_append(routes, route_jv(&inv->routes[i]));
	SET("route_hints", routes);
	SET("metadata", inv->has_metadata ? hex_jv(inv->metadata, inv->metadata_len) : jv_null());
	jv unk = jv_array();
	for (size_t i = 0; i < inv->n_unknown_fields; i++) {
		jv u = jv_object();
		u = jv_object_set(u, jv_string("type"), jv_number(inv->unknown_fields[i].type));
		u = jv_object_set(u, jv_string("data_length"), jv_number(inv->unknown_fields[i].data_length));
		unk = jv_array_append(unk, u);
	}
	SET("unknown_fields", unk);
	jv skp = jv_array();
	for (size_t i = 0; i < inv->n_skipped_fields; i++) {
		const bolt11_skipped_field *f = &inv->skipped_fields[i];
		char tag[2] = {f->tag, 0};
		jv u = jv_object();
		u = jv_object_set(u, jv_string("tag"), jv_string(tag));
		if (f->version >= 0)
			u = jv_object_set(u, jv_string("version"), jv_number(f->version));
		else
			u = jv_object_set(u, jv_string("data_length"), jv_number(f->data_length));
		skp = jv_array_append(skp, u);
	}
	SET("skipped_fields", skp);
	SET("signature", hex_jv(inv->signature, 64));
	SET("recovery_id", jv_number(inv->recovery_id));
	SET("high_s", jv_bool(inv->high_s));
	SET("signing_hash", hex_jv(inv->signing_hash, 32));
	return o;
}

/* ---- JSON -> invoice (for the encoder) ---------------------------------- */

static bolt11_err bad(char *detail, size_t cap, const char *field, const char *what)
{
	return fail(BOLT11_ERR_BAD_FIELD, detail, cap, "%s: %s", field, what);
}

/* A hex field of exactly n bytes (present and not null). */
static bool get_hex(jv o, const char *key, uint8_t *out, size_t n)
{
	size_t len;
	const char *s = json_get_str(o, key, &len);
	return s && hex_decode(out, n, s, len, false);
}

/* A hex field of any length into a malloc'd buffer. */
static bool get_hex_any(jv o, const char *key, uint8_t **out, size_t *n)
{
	size_t len;
	const char *s = json_get_str(o, key, &len);
	if (!s || len % 2)
		return false;
	*out = mu_xmalloc(len / 2 + 1);
	*n = len / 2;
	if (!hex_decode(*out, *n, s, len, false)) {
		free(*out);
		*out = NULL;
		return false;
	}
	return true;
}

static bool is_null_or_absent(jv o, const char *key)
{
	jv v = json_get(o, key);
	bool r = !jv_is_valid(v) || jv_get_kind(v) == JV_KIND_NULL;
	jv_free(v);
	return r;
}

static bool get_u64_field(jv o, const char *key, uint64_t *out)
{
	jv v = json_get(o, key);
	bool ok = json_get_u64(v, out);
	jv_free(v);
	return ok;
}

static bool flag_false(jv o, const char *key)
{
	jv v = json_get(o, key);
	bool f = jv_get_kind(v) == JV_KIND_FALSE;
	jv_free(v);
	return f;
}

static bool parse_scid(jv hop, uint64_t *out)
{
	const char *s = json_get_str(hop, "short_channel_id", NULL);
	if (!s)
		return get_u64_field(hop, "short_channel_id", out);
	unsigned long long b, t, o;
	char tail;
	if (sscanf(s, "%llux%llux%llu%c", &b, &t, &o, &tail) != 3 || b >> 24 || t >> 24 || o >> 16)
		return false;
	*out = (uint64_t)b << 40 | (uint64_t)t << 16 | (uint64_t)o;
	return true;
}

static bolt11_err routes_from_jv(bolt11_invoice *inv, jv routes, char *detail, size_t cap)
{
	bolt11_err e = BOLT11_OK;
	jv_array_foreach(routes, i, r) {
		int n = jv_get_kind(r) == JV_KIND_ARRAY ? jv_array_length(jv_copy(r)) : -1;
		if (!e && (n <= 0 || n > BOLT11_MAX_FIELD_BYTES / 51))
			e = bad(detail, cap, "route_hints", "each hint is a list of 1 to 12 hops");
		bolt11_hop hops[BOLT11_MAX_FIELD_BYTES / 51];
		for (int k = 0; !e && k < n; k++) {
			jv h = jv_array_get(jv_copy(r), k);
			uint64_t fb, fp, cl;
			if (!get_hex(h, "pubkey", hops[k].pubkey, 33) || !parse_scid(h, &hops[k].short_channel_id) ||
			    !get_u64_field(h, "fee_base_msat", &fb) || fb > UINT32_MAX ||
			    !get_u64_field(h, "fee_proportional_millionths", &fp) || fp > UINT32_MAX ||
			    !get_u64_field(h, "cltv_expiry_delta", &cl) || cl > UINT16_MAX)
				e = bad(detail, cap, "route_hints", "a hop needs pubkey, short_channel_id, fee_base_msat, fee_proportional_millionths, cltv_expiry_delta");
			else {
				hops[k].fee_base_msat = (uint32_t)fb;
				hops[k].fee_proportional_millionths = (uint32_t)fp;
				hops[k].cltv_expiry_delta = (uint16_t)cl;
			}
			jv_free(h);
		}
		if (!e)
			bolt11_add_route(inv, hops, (size_t)n);
		jv_free(r);
		(void)i;
	}
	return e;
}

static bolt11_err fallbacks_from_jv(bolt11_invoice *inv, jv fbs, char *detail, size_t cap)
{
	bolt11_err e = BOLT11_OK;
	jv_array_foreach(fbs, i, f) {
		uint64_t version;
		uint8_t *prog = NULL;
		size_t n = 0;
		if (!e && (!get_u64_field(f, "version", &version) || version > 18 ||
			   !get_hex_any(f, "program_hex", &prog, &n) || n > 40))
			e = bad(detail, cap, "fallbacks", "each needs version (0..18) and program_hex (at most 40 bytes)");
		if (!e)
			bolt11_add_fallback(inv, (uint8_t)version, prog, n);
		free(prog);
		jv_free(f);
		(void)i;
	}
	return e;
}

bolt11_err bolt11_from_jv(bolt11_invoice *inv, jv o, uint64_t now, char *detail, size_t cap)
{
	bolt11_invoice_init(inv);
	if (detail && cap)
		detail[0] = 0;
	if (jv_get_kind(o) != JV_KIND_OBJECT)
		return bad(detail, cap, "fields", "not a JSON object");
	const char *net = json_get_str(o, "network", NULL);
	inv->network = bolt11_network_from_name(net);
	if (inv->network == BOLT11_NET_UNKNOWN)
		return bad(detail, cap, "network", "mainnet, testnet, signet, regtest or simnet");
	if (!is_null_or_absent(o, "amount_msat")) {
		if (!get_u64_field(o, "amount_msat", &inv->amount_msat))
			return bad(detail, cap, "amount_msat", "a non-negative integer or null");
		inv->has_amount = true;
	}
	inv->timestamp = now;
	if (!is_null_or_absent(o, "timestamp") && (!get_u64_field(o, "timestamp", &inv->timestamp) || inv->timestamp >> 35))
		return bad(detail, cap, "timestamp", "unix seconds below 2^35");
	if (!get_hex(o, "payment_hash", inv->payment_hash, 32))
		return bad(detail, cap, "payment_hash", "64 hex digits");
	if (!is_null_or_absent(o, "payment_secret")) {
		if (!get_hex(o, "payment_secret", inv->payment_secret, 32))
			return bad(detail, cap, "payment_secret", "64 hex digits");
		inv->has_payment_secret = true;
	}
	size_t dl;
	const char *d = json_get_str(o, "description", &dl);
	bool has_h = !is_null_or_absent(o, "description_hash");
	if (d && has_h)
		return bad(detail, cap, "description", "description and description_hash are exclusive");
	if (d)
		bolt11_set_description(inv, d, dl);
	else if (has_h) {
		uint8_t h[32];
		if (!get_hex(o, "description_hash", h, 32))
			return bad(detail, cap, "description_hash", "64 hex digits");
		bolt11_set_description_hash(inv, h);
	} else {
		return bad(detail, cap, "description", "a description or a description_hash is required");
	}
	if (!is_null_or_absent(o, "expiry") && !flag_false(o, "expiry_explicit")) {
		if (!get_u64_field(o, "expiry", &inv->expiry))
			return bad(detail, cap, "expiry", "a non-negative integer");
		inv->expiry_explicit = true;
	}
	if (!is_null_or_absent(o, "min_final_cltv_expiry") && !flag_false(o, "min_final_cltv_expiry_explicit")) {
		if (!get_u64_field(o, "min_final_cltv_expiry", &inv->min_final_cltv_expiry))
			return bad(detail, cap, "min_final_cltv_expiry", "a non-negative integer");
		inv->min_final_cltv_expiry_explicit = true;
	}
	jv feats = json_get(o, "features");
	if (jv_is_valid(feats) && jv_get_kind(feats) != JV_KIND_NULL) {
		bool ok = jv_get_kind(feats) == JV_KIND_ARRAY;
		int n = ok ? jv_array_length(jv_copy(feats)) : 0;
		uint16_t *bits = mu_xmalloc(sizeof *bits * (size_t)(n + 1));
		for (int i = 0; ok && i < n; i++) {
			jv b = jv_array_get(jv_copy(feats), i);
			uint64_t v;
			ok = json_get_u64(b, &v) && v < 1023 * 5;
			bits[i] = (uint16_t)v;
			jv_free(b);
		}
		if (ok)
			bolt11_set_features(inv, bits, (size_t)n);
		free(bits);
		if (!ok) {
			jv_free(feats);
			return bad(detail, cap, "features", "a list of bit numbers below 5115");
		}
	}
	jv_free(feats);
	bolt11_err e = BOLT11_OK;
	jv fbs = json_get(o, "fallbacks");
	if (jv_get_kind(fbs) == JV_KIND_ARRAY)
		e = fallbacks_from_jv(inv, fbs, detail, cap);
	else if (jv_is_valid(fbs) && jv_get_kind(fbs) != JV_KIND_NULL)
		e = bad(detail, cap, "fallbacks", "a list");
	jv_free(fbs);
	if (e)
		return e;
	jv routes = json_get(o, "route_hints");
	if (jv_get_kind(routes) == JV_KIND_ARRAY)
		e = routes_from_jv(inv, routes, detail, cap);
	else if (jv_is_valid(routes) && jv_get_kind(routes) != JV_KIND_NULL)
		e = bad(detail, cap, "route_hints", "a list");
	jv_free(routes);
	if (e)
		return e;
	if (!is_null_or_absent(o, "metadata")) {
		uint8_t *m = NULL;
		size_t n = 0;
		if (!get_hex_any(o, "metadata", &m, &n))
			return bad(detail, cap, "metadata", "hex");
		bolt11_set_metadata(inv, m, n);
		free(m);
	}
	inv->payee_pubkey_field = !is_null_or_absent(o, "payee_pubkey_field");
	return BOLT11_OK;
}
