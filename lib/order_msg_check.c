/* order_msg_check.c — which values the message builder accepts: the option
 * table and its parsers, the payout invoice, and the daemon's rules in its
 * order (DAEMON.md §1.3, §4.4, §6, §7). See order_msg_check.h. */
#include "order_msg_check.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistr.h>

#include "cli.h"
#include "hex.h"
#include "invoice_rules.h"
#include "lnurl.h"
#include "mostro_msg.h"
#include "mostro_sign.h"
#include "nip19.h"

/* ------------------------------------------------------------------ errors */

order_msg_err om_fail(om_state *s, order_msg_err code, int field, const char *fmt, ...)
{
	if (s->err) {
		s->err->code = code;
		s->err->field = field;
		va_list ap;
		va_start(ap, fmt);
		vsnprintf(s->err->msg, sizeof s->err->msg, fmt, ap);
		va_end(ap);
	}
	return code;
}

/* A value shown in a message: at most 60 bytes, cut on a UTF-8 boundary. */
const char *om_shown(const char *v, char out[72])
{
	size_t n = strlen(v);
	if (n <= 60) {
		memcpy(out, v, n + 1);
		return out;
	}
	n = 57;
	while (n > 0 && ((unsigned char)v[n] & 0xc0) == 0x80)
		n--;
	memcpy(out, v, n);
	memcpy(out + n, "...", 4);
	return out;
}

/* ------------------------------------------------------------- options */

static order_msg_err parse_transport(om_state *s, int o, const char *v);
static order_msg_err parse_kind(om_state *s, int o, const char *v);
static order_msg_err parse_fiat_code(om_state *s, int o, const char *v);
static order_msg_err parse_fiat_amount(om_state *s, int o, const char *v);
static order_msg_err parse_payment_method(om_state *s, int o, const char *v);
static order_msg_err parse_next_trade(om_state *s, int o, const char *v);
static order_msg_err parse_ids(om_state *s, int o, const char *v);
static order_msg_err parse_solver(om_state *s, int o, const char *v);
static order_msg_err parse_nonempty(om_state *s, int o, const char *v);
static order_msg_err parse_token(om_state *s, int o, const char *v);
static order_msg_err parse_mint_url(om_state *s, int o, const char *v);
static order_msg_err parse_network(om_state *s, int o, const char *v);
static order_msg_err parse_fee(om_state *s, int o, const char *v);

#define TRADE_INDEX_MAX 2147483647u   /* a non-hardened BIP-32 index: m/44'/1237'/38383'/0/N */

const om_option om_options[OM_OPT_COUNT] = {
	[OM_ID] = {"id", OMT_UUID, OM_ERR_BAD_UUID, 0, 0, 0, 0, NULL},
	[OM_DISPUTE_ID] = {"dispute-id", OMT_UUID, OM_ERR_BAD_UUID, 0, 0, 0, 0, NULL},
	[OM_REQUEST_ID] = {"request-id", OMT_UINT, OM_ERR_BAD_VALUE, 0, UINT64_MAX, 0, 0, NULL},
	[OM_TRADE_INDEX] = {"trade-index", OMT_UINT, OM_ERR_TRADE_INDEX, 1, TRADE_INDEX_MAX, 0, 0, NULL},
	[OM_FULL_PRIVACY] = {"full-privacy", OMT_FLAG, OM_ERR_BAD_VALUE, 0, 0, 0, 0, NULL},
	[OM_VERSION] = {"version", OMT_UINT, OM_ERR_BAD_VALUE, 1, 2, 0, 0, NULL},
	[OM_TO] = {"to", OMT_PUBKEY, OM_ERR_BAD_PUBKEY, 0, 0, 0, 0, NULL},
	[OM_TRANSPORT] = {"transport", OMT_SPECIAL, OM_ERR_BAD_VALUE, 0, 0, 0, 0, parse_transport},
	[OM_POW] = {"pow", OMT_UINT, OM_ERR_BAD_VALUE, 0, MOSTRO_POW_MAX, 0, 0, NULL},
	[OM_KIND] = {"kind", OMT_SPECIAL, OM_ERR_ORDER_KIND, 0, 0, 0, 0, parse_kind},
	[OM_FIAT_CODE] = {"fiat-code", OMT_SPECIAL, OM_ERR_FIAT_CODE, 0, 0, 0, 0, parse_fiat_code},
	[OM_FIAT_AMOUNT] = {"fiat-amount", OMT_SPECIAL, OM_ERR_AMOUNT, 0, 0, 0, 0, parse_fiat_amount},
	[OM_MIN] = {"min", OMT_INT, OM_ERR_AMOUNT, 0, 0, INT64_MIN, INT64_MAX, NULL},
	[OM_MAX] = {"max", OMT_INT, OM_ERR_AMOUNT, 0, 0, INT64_MIN, INT64_MAX, NULL},
	[OM_AMOUNT] = {"amount", OMT_INT, OM_ERR_AMOUNT, 0, 0, INT64_MIN, INT64_MAX, NULL},
	[OM_PREMIUM] = {"premium", OMT_INT, OM_ERR_PREMIUM, 0, 0, -99, 99, NULL},
	[OM_PAYMENT_METHOD] = {"payment-method", OMT_SPECIAL, OM_ERR_PAYMENT_METHOD, 0, 0, 0, 0, parse_payment_method},
	[OM_INVOICE] = {"invoice", OMT_TEXT, OM_ERR_INVOICE, 0, 0, 0, 0, parse_nonempty},
	[OM_INVOICE_AMOUNT] = {"invoice-amount", OMT_UINT, OM_ERR_BAD_VALUE, 0, INT64_MAX, 0, 0, NULL},
	[OM_EXPIRES_AT] = {"expires-at", OMT_UINT, OM_ERR_EXPIRATION, 1, INT64_MAX, 0, 0, NULL},
	[OM_EXPIRATION_DAYS] = {"expiration-days", OMT_UINT, OM_ERR_EXPIRATION, 1, INT64_MAX / 86400, 0, 0, NULL},
	[OM_NEXT_TRADE] = {"next-trade", OMT_SPECIAL, OM_ERR_BAD_PUBKEY, 0, 0, 0, 0, parse_next_trade},
	[OM_RATING] = {"rating", OMT_UINT, OM_ERR_RATING, 1, 5, 0, 0, NULL},
	[OM_IDS] = {"ids", OMT_SPECIAL, OM_ERR_BAD_UUID, 0, 0, 0, 0, parse_ids},
	[OM_SOLVER] = {"solver", OMT_SPECIAL, OM_ERR_SOLVER, 0, 0, 0, 0, parse_solver},
	[OM_SLASH_SELLER] = {"slash-seller", OMT_FLAG, OM_ERR_BAD_VALUE, 0, 0, 0, 0, NULL},
	[OM_SLASH_BUYER] = {"slash-buyer", OMT_FLAG, OM_ERR_BAD_VALUE, 0, 0, 0, 0, NULL},
	[OM_TEXT] = {"text", OMT_TEXT, OM_ERR_TEXT, 0, 0, 0, 0, parse_nonempty},
	[OM_TOKEN] = {"token", OMT_TEXT, OM_ERR_CASHU_TOKEN, 0, 0, 0, 0, parse_token},
	[OM_MINT_URL] = {"mint-url", OMT_TEXT, OM_ERR_MINT_URL, 0, 0, 0, 0, parse_mint_url},
	[OM_BUYER_PUBKEY] = {"buyer-pubkey", OMT_PUBKEY, OM_ERR_BAD_PUBKEY, 0, 0, 0, 0, NULL},
	[OM_SELLER_PUBKEY] = {"seller-pubkey", OMT_PUBKEY, OM_ERR_BAD_PUBKEY, 0, 0, 0, 0, NULL},
	[OM_MOSTRO_PUBKEY] = {"mostro-pubkey", OMT_PUBKEY, OM_ERR_BAD_PUBKEY, 0, 0, 0, 0, NULL},
	[OM_FEE_TOKEN] = {"fee-token", OMT_TEXT, OM_ERR_CASHU_TOKEN, 0, 0, 0, 0, parse_token},
	[OM_CURRENCIES] = {"currencies", OMT_TEXT, OM_ERR_BAD_VALUE, 0, 0, 0, 0, NULL},
	[OM_NETWORK] = {"network", OMT_SPECIAL, OM_ERR_BAD_VALUE, 0, 0, 0, 0, parse_network},
	[OM_MIN_ORDER_AMOUNT] = {"min-order-amount", OMT_UINT, OM_ERR_BAD_VALUE, 0, INT64_MAX, 0, 0, NULL},
	[OM_MAX_ORDER_AMOUNT] = {"max-order-amount", OMT_UINT, OM_ERR_BAD_VALUE, 0, INT64_MAX, 0, 0, NULL},
	[OM_MAX_ORDERS] = {"max-orders", OMT_UINT, OM_ERR_BAD_VALUE, 1, UINT32_MAX, 0, 0, NULL},
	[OM_FEE] = {"fee", OMT_SPECIAL, OM_ERR_BAD_VALUE, 0, 0, 0, 0, parse_fee},
	[OM_INVOICE_WINDOW] = {"invoice-window", OMT_UINT, OM_ERR_BAD_VALUE, 0, UINT32_MAX, 0, 0, NULL},
	[OM_NOW] = {"now", OMT_UINT, OM_ERR_BAD_VALUE, 0, INT64_MAX, 0, 0, NULL},
};

const char *order_msg_opt_name(int opt)
{
	return opt >= 0 && opt < OM_OPT_COUNT ? om_options[opt].name : NULL;
}

bool order_msg_opt_is_flag(int opt)
{
	return opt >= 0 && opt < OM_OPT_COUNT && om_options[opt].type == OMT_FLAG;
}

int order_msg_opt_find(const char *name)
{
	for (int o = 0; o < OM_OPT_COUNT; o++)
		if (strcmp(om_options[o].name, name) == 0)
			return o;
	return -1;
}

/* ------------------------------------------------------------- parsers */

/* A decimal i64: optional sign, digits, no overflow, nothing else. */
static bool parse_i64(const char *s, int64_t *out)
{
	bool neg = *s == '-';
	if (*s == '-' || *s == '+')
		s++;
	if (!*s)
		return false;
	uint64_t x = 0, lim = neg ? (uint64_t)INT64_MAX + 1 : (uint64_t)INT64_MAX;
	for (; *s; s++) {
		if (*s < '0' || *s > '9' || x > (lim - (uint64_t)(*s - '0')) / 10)
			return false;
		x = x * 10 + (uint64_t)(*s - '0');
	}
	*out = neg ? (x == (uint64_t)INT64_MAX + 1 ? INT64_MIN : -(int64_t)x) : (int64_t)x;
	return true;
}

/* Digits only (no sign): the parts of MIN-MAX. */
static bool parse_digits(const char *s, size_t n, int64_t *out)
{
	if (n == 0 || n > 19)
		return false;
	char tmp[20];
	memcpy(tmp, s, n);
	tmp[n] = 0;
	for (size_t k = 0; k < n; k++)
		if (tmp[k] < '0' || tmp[k] > '9')
			return false;
	return parse_i64(tmp, out);
}

static bool is_blank(char c)
{
	return c == ' ' || c == '\t';
}

static order_msg_err parse_transport(om_state *s, int o, const char *v)
{
	char sh[72];
	if (!mostro_transport_parse(v, &s->v.transport))
		return om_fail(s, om_options[o].code, o, "'%s': expected v1, v2, gift-wrap or nip44", om_shown(v, sh));
	return OM_OK;
}

static order_msg_err parse_kind(om_state *s, int o, const char *v)
{
	char sh[72];
	for (int k = 0; k < MOSTRO_ORDER_KIND_COUNT; k++)
		if (strcasecmp(v, mostro_order_kind_names[k]) == 0) {
			s->v.kind = k;
			return OM_OK;
		}
	return om_fail(s, om_options[o].code, o, "'%s': expected sell or buy", om_shown(v, sh));
}

/* ISO 4217 shape: three ASCII letters; written upper-case as mostro-cli does
 * (the node compares its allow-list case-sensitively, with upper-case codes). */
static order_msg_err parse_fiat_code(om_state *s, int o, const char *v)
{
	char sh[72];
	if (strlen(v) != 3)
		return om_fail(s, om_options[o].code, o, "'%s': expected three letters such as USD", om_shown(v, sh));
	for (int k = 0; k < 3; k++) {
		char c = v[k];
		if (c >= 'a' && c <= 'z')
			c = (char)(c - 'a' + 'A');
		if (c < 'A' || c > 'Z')
			return om_fail(s, om_options[o].code, o, "'%s': expected three letters such as USD", om_shown(v, sh));
		s->v.fiat_code[k] = c;
	}
	s->v.fiat_code[3] = 0;
	return OM_OK;
}

/* N, or MIN-MAX (digits on both sides, as mostro-cli's check_fiat_range). */
static order_msg_err parse_fiat_amount(om_state *s, int o, const char *v)
{
	char sh[72];
	const char *dash = *v ? strchr(v + 1, '-') : NULL;
	if (dash) {
		if (!parse_digits(v, (size_t)(dash - v), &s->v.range_min) ||
		    !parse_digits(dash + 1, strlen(dash + 1), &s->v.range_max))
			return om_fail(s, om_options[o].code, o, "'%s': expected N or MIN-MAX (whole fiat units)", om_shown(v, sh));
		s->v.range = true;
		return OM_OK;
	}
	if (!parse_i64(v, &s->v.fiat_amount))
		return om_fail(s, om_options[o].code, o, "'%s': expected N or MIN-MAX (whole fiat units)", om_shown(v, sh));
	return OM_OK;
}

/* Items separated by commas, each trimmed of blanks and non-empty, no control
 * characters; joined again with "," (the 38383 pm tag splits on commas and
 * does not trim: "a, b" would publish " b"). At most 500 bytes (mostrod's
 * payment_method column). */
#define PAYMENT_METHOD_MAX 500
static order_msg_err parse_payment_method(om_state *s, int o, const char *v)
{
	char sh[72];
	buf *b = &s->v.payment_method;
	buf_reset(b);
	for (const char *p = v; *p; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			return om_fail(s, om_options[o].code, o, "'%s': control characters are not allowed", om_shown(v, sh));
	int item = 1;
	for (const char *p = v;; item++) {
		const char *comma = strchr(p, ',');
		const char *end = comma ? comma : p + strlen(p);
		const char *a = p, *z = end;
		while (a < z && is_blank(*a))
			a++;
		while (z > a && is_blank(z[-1]))
			z--;
		if (a == z)
			return om_fail(s, om_options[o].code, o, "'%s': method %d is empty", om_shown(v, sh), item);
		if (b->len)
			buf_putc(b, ',');
		buf_put(b, a, (size_t)(z - a));
		if (!comma)
			break;
		p = comma + 1;
	}
	if (b->len > PAYMENT_METHOD_MAX)
		return om_fail(s, om_options[o].code, o, "%zu bytes, more than %d", b->len, PAYMENT_METHOD_MAX);
	return OM_OK;
}

/* PUBKEY:INDEX (the key hex or npub; split at the last colon). */
static order_msg_err parse_next_trade(om_state *s, int o, const char *v)
{
	char sh[72];
	const char *colon = strrchr(v, ':');
	uint8_t pk[32];
	uint64_t idx;
	if (!colon)
		return om_fail(s, OM_ERR_BAD_VALUE, o, "'%s': expected PUBKEY:INDEX", om_shown(v, sh));
	if (!mostro_parse_pubkey(v, (size_t)(colon - v), pk))
		return om_fail(s, OM_ERR_BAD_PUBKEY, o, "'%s': the key is not 64 hex digits or an npub", om_shown(v, sh));
	if (!cli_parse_u64(colon + 1, TRADE_INDEX_MAX, &idx) || idx < 1)
		return om_fail(s, OM_ERR_TRADE_INDEX, o, "'%s': the index is 1..%u", om_shown(v, sh), TRADE_INDEX_MAX);
	hex_encode(s->v.key[o], pk, 32);
	s->v.next_index = (uint32_t)idx;
	return OM_OK;
}

/* UUID[,UUID...] (repeated --ids were joined with commas). */
static order_msg_err parse_ids(om_state *s, int o, const char *v)
{
	char sh[72];
	jv_free(s->v.ids);
	s->v.ids = jv_array();
	for (const char *p = v;;) {
		const char *comma = strchr(p, ',');
		const char *end = comma ? comma : p + strlen(p);
		while (p < end && is_blank(*p))
			p++;
		while (end > p && is_blank(end[-1]))
			end--;
		char id[37];
		if (!mostro_uuid_canonical(p, (size_t)(end - p), id))
			return om_fail(s, om_options[o].code, o, "'%s': item %d is not a UUID", om_shown(v, sh),
				    jv_array_length(jv_copy(s->v.ids)) + 1);
		s->v.ids = jv_array_append(s->v.ids, jv_string(id));
		if (!comma)
			break;
		p = comma + 1;
	}
	return OM_OK;
}

/* NPUB[:read|:write|:read-write] as mostrod's admin-add-solver parses it; a
 * hex key is written as its npub (mostrod reads bech32 only). */
static order_msg_err parse_solver(om_state *s, int o, const char *v)
{
	char sh[72];
	const char *key = v;
	if (strncmp(key, "nostr:", 6) == 0)
		key += 6;
	const char *colon = strchr(key, ':');
	size_t kn = colon ? (size_t)(colon - key) : strlen(key);
	uint8_t pk[32];
	if (!mostro_parse_pubkey(key, kn, pk))
		return om_fail(s, om_options[o].code, o, "'%s': the key is not 64 hex digits or an npub", om_shown(v, sh));
	if (colon && strcmp(colon + 1, "read") != 0 && strcmp(colon + 1, "write") != 0 &&
	    strcmp(colon + 1, "read-write") != 0)
		return om_fail(s, om_options[o].code, o, "'%s': the level is read, write or read-write", om_shown(v, sh));
	buf_reset(&s->v.solver);
	nip19_encode_bytes32(&s->v.solver, NIP19_NPUB, pk);
	if (colon)
		buf_puts(&s->v.solver, colon);
	return OM_OK;
}

static order_msg_err parse_nonempty(om_state *s, int o, const char *v)
{
	if (!*v)
		return om_fail(s, om_options[o].code, o, "empty");
	return OM_OK;
}

/* NUT-00 serialized tokens: cashuA (v3) or cashuB (v4), base64url after. */
static order_msg_err parse_token(om_state *s, int o, const char *v)
{
	char sh[72];
	if (strncmp(v, "cashuA", 6) != 0 && strncmp(v, "cashuB", 6) != 0)
		return om_fail(s, om_options[o].code, o, "'%s': a Cashu token starts with cashuA or cashuB", om_shown(v, sh));
	for (const char *p = v + 6; *p; p++)
		if (!((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') ||
		      *p == '-' || *p == '_' || *p == '=' || *p == '+' || *p == '/'))
			return om_fail(s, om_options[o].code, o, "'%s': not base64 after the prefix", om_shown(v, sh));
	if (!v[6])
		return om_fail(s, om_options[o].code, o, "'%s': nothing after the prefix", om_shown(v, sh));
	return OM_OK;
}

static order_msg_err parse_mint_url(om_state *s, int o, const char *v)
{
	char sh[72];
	const char *host = strncmp(v, "https://", 8) == 0 ? v + 8 : strncmp(v, "http://", 7) == 0 ? v + 7 : NULL;
	if (!host || !*host || *host == '/')
		return om_fail(s, om_options[o].code, o, "'%s': expected https://HOST[/PATH]", om_shown(v, sh));
	for (const char *p = v; *p; p++)
		if ((unsigned char)*p <= 0x20 || *p == 0x7f)
			return om_fail(s, om_options[o].code, o, "'%s': blanks or control characters", om_shown(v, sh));
	return OM_OK;
}

/* The names LND's GetInfo reports; testnet4 and unknown: not checked (as mostrod). */
static order_msg_err parse_network(om_state *s, int o, const char *v)
{
	char sh[72];
	s->v.network = bolt11_network_from_name(v);
	if (s->v.network == BOLT11_NET_UNKNOWN && strcmp(v, "testnet4") != 0 && strcmp(v, "unknown") != 0)
		return om_fail(s, om_options[o].code, o, "'%s': expected mainnet, testnet, signet, regtest, simnet, testnet4 or unknown",
			    om_shown(v, sh));
	return OM_OK;
}

/* The 38385 fee: a decimal fraction 0 <= f < 1 ("0.006"). */
static order_msg_err parse_fee(om_state *s, int o, const char *v)
{
	char sh[72];
	size_t digits = strspn(v, "0123456789");
	bool ok = digits > 0;
	if (ok && v[digits] == '.')
		ok = v[digits + 1 + strspn(v + digits + 1, "0123456789")] == 0;
	else if (ok)
		ok = v[digits] == 0;
	double f = ok ? strtod(v, NULL) : -1;
	if (!ok || !isfinite(f) || f < 0 || f >= 1)
		return om_fail(s, om_options[o].code, o, "'%s': expected a fraction such as 0.006", om_shown(v, sh));
	s->v.fee = f;
	return OM_OK;
}

/* The syntax of option o's value. */
static order_msg_err parse_value(om_state *s, int o)
{
	const om_option *op = &om_options[o];
	const char *v = s->value[o];
	size_t n = strlen(v);
	char sh[72];
	uint8_t pk[32];
	if (op->type == OMT_FLAG) {
		s->v.u[o] = 1;
		return OM_OK;
	}
	if (u8_check((const uint8_t *)v, n))
		return om_fail(s, op->code, o, "not valid UTF-8");
	switch (op->type) {
	case OMT_UUID:
		if (!mostro_uuid_canonical(v, n, s->v.key[o]))
			return om_fail(s, op->code, o, "'%s' is not a UUID", om_shown(v, sh));
		break;
	case OMT_UINT:
		if (!cli_parse_u64(v, op->umax, &s->v.u[o]) || s->v.u[o] < op->umin)
			return om_fail(s, op->code, o, "'%s': expected an integer %llu..%llu", om_shown(v, sh),
				    (unsigned long long)op->umin, (unsigned long long)op->umax);
		break;
	case OMT_INT:
		if (!parse_i64(v, &s->v.i[o]) || s->v.i[o] < op->imin || s->v.i[o] > op->imax) {
			if (op->imin == INT64_MIN)
				return om_fail(s, op->code, o, "'%s': expected an integer", om_shown(v, sh));
			return om_fail(s, op->code, o, "'%s': expected an integer %lld..%lld", om_shown(v, sh),
				    (long long)op->imin, (long long)op->imax);
		}
		break;
	case OMT_PUBKEY:
		if (!mostro_parse_pubkey(v, n, pk))
			return om_fail(s, op->code, o, "'%s' is not 64 hex digits or an npub", om_shown(v, sh));
		hex_encode(s->v.key[o], pk, 32);
		break;
	default:
		break;
	}
	return op->parse ? op->parse(s, o, v) : OM_OK;
}

/* --------------------------------------------------------------- invoices */

typedef struct inv_info {
	bool bolt11, has_amount;
	uint64_t amount_sat;
} inv_info;

/* mostrod's is_valid_invoice (DAEMON.md §4.4): a Lightning Address or an
 * LNURL (syntax only here: no network), else a BOLT11 invoice under the
 * buyer-mode rules (lib/invoice_rules.h) with the node facts given. */
static order_msg_err check_invoice(om_state *s, bool allow_address, const invoice_expect *ex, inv_info *info)
{
	const char *inv = s->value[OM_INVOICE];
	char detail[200] = "";
	memset(info, 0, sizeof *info);
	if (lnurl_is_target(inv)) {
		if (!allow_address)
			return om_fail(s, OM_ERR_INVOICE, OM_INVOICE, "a BOLT11 invoice is needed here, not a Lightning Address or LNURL");
		lnurl_opts lo;
		lnurl_opts_defaults(&lo);
		char *url = NULL;
		lnurl_err le = lnurl_target_url(inv, &lo, &url, detail, sizeof detail);
		bool https = url && strncasecmp(url, "https://", 8) == 0;
		free(url);
		if (le)
			return om_fail(s, OM_ERR_INVOICE, OM_INVOICE, "%s: %s", lnurl_reason(le), *detail ? detail : lnurl_strerror(le));
		if (!https)
			return om_fail(s, OM_ERR_INVOICE, OM_INVOICE, "the LNURL is not an https:// URL");
		return OM_OK;
	}
	bolt11_invoice b;
	bolt11_err be = bolt11_decode(&b, inv, strlen(inv), 0, detail, sizeof detail);
	if (be) {
		bolt11_free(&b);
		return om_fail(s, OM_ERR_INVOICE, OM_INVOICE, "%s: %s", bolt11_reason(be), *detail ? detail : bolt11_strerror(be));
	}
	invoice_rules r;
	invoice_rules_defaults(&r);
	r.node_network = s->v.network;
	if (OM_GIVEN(s, OM_INVOICE_WINDOW))
		r.invoice_expiration_window = s->v.u[OM_INVOICE_WINDOW];
	if (OM_GIVEN(s, OM_MIN_ORDER_AMOUNT))
		r.min_payment_amount = s->v.u[OM_MIN_ORDER_AMOUNT];
	invoice_rule ir = invoice_check(&r, INVOICE_MODE_BUYER, &b, ex, s->now);
	info->bolt11 = true;
	info->has_amount = b.has_amount;
	info->amount_sat = b.amount_msat / 1000;
	bolt11_network net = b.network;
	bolt11_free(&b);
	switch (ir) {
	case INVOICE_OK:
		return OM_OK;
	case INVOICE_WRONG_NETWORK:
		return om_fail(s, OM_ERR_INVOICE, OM_INVOICE, "%s: the invoice is for %s, the node runs on %s", invoice_rule_reason(ir),
			    bolt11_network_name(net) ? bolt11_network_name(net) : "an unknown network",
			    bolt11_network_name(r.node_network));
	case INVOICE_WRONG_AMOUNT:
		if (ex->amount_sat == ex->fee_sat)
			return om_fail(s, OM_ERR_INVOICE, OM_INVOICE, "%s: the invoice is for %llu sat; a market-price order's sats are set when it is taken: give an amountless invoice or a Lightning Address",
				    invoice_rule_reason(ir), (unsigned long long)info->amount_sat);
		return om_fail(s, OM_ERR_INVOICE, OM_INVOICE, "%s: the invoice is for %llu sat; the node expects %llu sat or an amountless invoice",
			    invoice_rule_reason(ir), (unsigned long long)info->amount_sat,
			    (unsigned long long)(ex->amount_sat - ex->fee_sat));
	case INVOICE_BELOW_MINIMUM:
		return om_fail(s, OM_ERR_INVOICE, OM_INVOICE, "%s: %llu sat is below the node's minimum of %llu sat",
			    invoice_rule_reason(ir), (unsigned long long)info->amount_sat,
			    (unsigned long long)r.min_payment_amount);
	case INVOICE_EXPIRES_TOO_SOON:
		return om_fail(s, OM_ERR_INVOICE, OM_INVOICE, "%s: the invoice must stay valid %llu s more (invoice_expiration_window)",
			    invoice_rule_reason(ir), (unsigned long long)r.invoice_expiration_window);
	default:
		return om_fail(s, OM_ERR_INVOICE, OM_INVOICE, "%s: %s", invoice_rule_reason(ir), invoice_rule_strerror(ir));
	}
}

/* The invoice expectation of --invoice-amount: exactly those sats (the
 * amount - fee the node's add-invoice message names), or amountless. */
static const invoice_expect *given_expect(om_state *s, invoice_expect *ex)
{
	if (!OM_GIVEN(s, OM_INVOICE_AMOUNT))
		return NULL;
	ex->has_amount = true;
	ex->amount_sat = s->v.u[OM_INVOICE_AMOUNT];
	ex->fee_sat = 0;
	return ex;
}

/* ------------------------------------------------------------------ rules */


int64_t om_amount_or_0(const om_state *s)
{
	return OM_GIVEN(s, OM_AMOUNT) ? s->v.i[OM_AMOUNT] : 0;
}

/* The field a range error is about: --fiat-amount MIN-MAX or --min. */
static int range_field(om_state *s)
{
	return OM_GIVEN(s, OM_MIN) ? OM_MIN : OM_FIAT_AMOUNT;
}

/* new-order #1 (DAEMON §1.3): a buyer_invoice is validated against amount
 * with fee 0 [quirk 7]. With --fee known, an invoice for a fixed amount can
 * pass that check and still never be paid (the payout is amount - fee). */
order_msg_err om_rule_new_invoice(om_state *s)
{
	if (!OM_GIVEN(s, OM_INVOICE))
		return OM_OK;
	if (strcmp(mostro_order_kind_names[s->v.kind], "sell") == 0)
		return om_fail(s, OM_ERR_PARAMETERS, OM_INVOICE, "a sell order carries no invoice: its buyer gives one when taking it");
	int64_t amount = om_amount_or_0(s);
	invoice_expect ex = {amount >= 0, amount >= 0 ? (uint64_t)amount : 0, 0};
	inv_info info;
	order_msg_err e = check_invoice(s, true, &ex, &info);
	if (e)
		return e;
	if (info.bolt11 && info.has_amount && info.amount_sat > 0 && OM_GIVEN(s, OM_FEE)) {
		double fee = round(s->v.fee * (double)amount / 2.0);
		if (fee > 0)
			return om_fail(s, OM_ERR_INVOICE, OM_INVOICE,
				    "an invoice for %llu sat can never be paid: the node checks it against the amount now and pays amount - fee (%.0f sat) at release; use an amountless invoice or a Lightning Address",
				    (unsigned long long)info.amount_sat, (double)amount - fee);
	}
	return OM_OK;
}

/* new-order #2: fiat_code in fiat_currencies_accepted (empty list: all). */
order_msg_err om_rule_new_currency(om_state *s)
{
	if (!OM_GIVEN(s, OM_CURRENCIES))
		return OM_OK;
	const char *list = s->value[OM_CURRENCIES];
	bool any = false;
	for (const char *p = list;;) {
		const char *comma = strchr(p, ',');
		const char *end = comma ? comma : p + strlen(p);
		while (p < end && is_blank(*p))
			p++;
		while (end > p && is_blank(end[-1]))
			end--;
		if (end > p) {
			any = true;
			if ((size_t)(end - p) == 3 && memcmp(p, s->v.fiat_code, 3) == 0)
				return OM_OK;
		}
		if (!comma)
			break;
		p = comma + 1;
	}
	if (!any)
		return OM_OK;
	char sh[72];
	return om_fail(s, OM_ERR_FIAT_CURRENCY, OM_FIAT_CODE, "%s is not among the node's currencies (%s)", s->v.fiat_code,
		    om_shown(list, sh));
}

/* new-order #3: a fixed order has fiat_amount > 0. */
order_msg_err om_rule_new_fiat_amount(om_state *s)
{
	if (!s->v.range && s->v.fiat_amount <= 0)
		return om_fail(s, OM_ERR_AMOUNT, OM_FIAT_AMOUNT, "%lld: a fiat amount is 1 or more", (long long)s->v.fiat_amount);
	return OM_OK;
}

/* new-order #4: amount >= 0. */
order_msg_err om_rule_new_amount(om_state *s)
{
	if (om_amount_or_0(s) < 0)
		return om_fail(s, OM_ERR_AMOUNT, OM_AMOUNT, "%lld: a sats amount cannot be negative", (long long)om_amount_or_0(s));
	return OM_OK;
}

/* new-order #5: a range has 0 <= min < max and amount 0. We also want
 * min >= 1: the node prices both ends and 0 fiat is 0 sats, below any
 * min_payment_amount (#7 would refuse it as out of range). */
order_msg_err om_rule_new_range(om_state *s)
{
	if (!s->v.range)
		return OM_OK;
	int f = range_field(s);
	long long lo = s->v.range_min, hi = s->v.range_max;
	if (lo < 1)
		return om_fail(s, OM_ERR_AMOUNT, f, "%lld-%lld: a range starts at 1 or more", lo, hi);
	if (lo >= hi)
		return om_fail(s, OM_ERR_AMOUNT, f, "%lld-%lld: the minimum must be below the maximum", lo, hi);
	if (om_amount_or_0(s) != 0)
		return om_fail(s, OM_ERR_AMOUNT, OM_AMOUNT, "a range order is priced at the market when taken: --amount must be 0");
	return OM_OK;
}

/* new-order #6: not (amount != 0 and premium != 0). */
order_msg_err om_rule_new_premium(om_state *s)
{
	if (om_amount_or_0(s) != 0 && OM_GIVEN(s, OM_PREMIUM) && s->v.i[OM_PREMIUM] != 0)
		return om_fail(s, OM_ERR_PARAMETERS, OM_PREMIUM, "a premium applies to market-price orders; with --amount it must be 0");
	return OM_OK;
}

/* new-order #7 for a fixed sats amount (market prices are the node's):
 * min_payment_amount <= amount <= max_order_amount. */
order_msg_err om_rule_new_sats_bounds(om_state *s)
{
	int64_t a = om_amount_or_0(s);
	if (a <= 0)
		return OM_OK;
	if (OM_GIVEN(s, OM_MIN_ORDER_AMOUNT) && (uint64_t)a < s->v.u[OM_MIN_ORDER_AMOUNT])
		return om_fail(s, OM_ERR_OUT_OF_RANGE, OM_AMOUNT, "%lld sat is below the node's min_order_amount %llu",
			    (long long)a, (unsigned long long)s->v.u[OM_MIN_ORDER_AMOUNT]);
	if (OM_GIVEN(s, OM_MAX_ORDER_AMOUNT) && (uint64_t)a > s->v.u[OM_MAX_ORDER_AMOUNT])
		return om_fail(s, OM_ERR_OUT_OF_RANGE, OM_AMOUNT, "%lld sat is above the node's max_order_amount %llu",
			    (long long)a, (unsigned long long)s->v.u[OM_MAX_ORDER_AMOUNT]);
	return OM_OK;
}

/* expires_at is honoured as given (clamped to now + max_expiration_days), so
 * a past or present time makes the order expire at the next tick [§12 #17]. */
order_msg_err om_rule_new_expiration(om_state *s)
{
	if (OM_GIVEN(s, OM_EXPIRES_AT)) {
		if (s->v.u[OM_EXPIRES_AT] <= s->now)
			return om_fail(s, OM_ERR_EXPIRATION, OM_EXPIRES_AT, "%llu is not after now (%llu): the order would expire at once",
				    (unsigned long long)s->v.u[OM_EXPIRES_AT], (unsigned long long)s->now);
		s->v.has_expires_at = true;
		s->v.expires_at = (int64_t)s->v.u[OM_EXPIRES_AT];
	} else if (OM_GIVEN(s, OM_EXPIRATION_DAYS)) {
		uint64_t secs = s->v.u[OM_EXPIRATION_DAYS] * 86400u;
		if (s->now > (uint64_t)INT64_MAX - secs)
			return om_fail(s, OM_ERR_EXPIRATION, OM_EXPIRATION_DAYS, "%llu days from now is past the end of time",
				    (unsigned long long)s->v.u[OM_EXPIRATION_DAYS]);
		s->v.has_expires_at = true;
		s->v.expires_at = (int64_t)(s->now + secs);
	}
	return OM_OK;
}

/* take-*: the fiat amount chosen for a range order, min <= x <= max
 * (DAEMON §1.3 take-sell #8; the node says out_of_range_sats_amount). */
order_msg_err om_rule_take_amount(om_state *s)
{
	if (OM_GIVEN(s, OM_AMOUNT) && s->v.i[OM_AMOUNT] < 1)
		return om_fail(s, OM_ERR_AMOUNT, OM_AMOUNT, "%lld: a fiat amount is 1 or more", (long long)s->v.i[OM_AMOUNT]);
	if (!s->v.range)
		return OM_OK;
	long long lo = s->v.range_min, hi = s->v.range_max;
	if (lo < 0 || lo >= hi)
		return om_fail(s, OM_ERR_AMOUNT, OM_MIN, "%lld-%lld: an order's range has 0 <= min < max", lo, hi);
	if (!OM_GIVEN(s, OM_AMOUNT))
		return om_fail(s, OM_ERR_OUT_OF_RANGE, OM_AMOUNT, "required to take a range order (%lld-%lld): the fiat amount to trade", lo, hi);
	long long x = s->v.i[OM_AMOUNT];
	if (x < lo || x > hi)
		return om_fail(s, OM_ERR_OUT_OF_RANGE, OM_AMOUNT, "%lld is outside the order's range %lld-%lld", x, lo, hi);
	return OM_OK;
}

/* take-sell #10, add-invoice #4: the payout invoice. */
order_msg_err om_rule_payout_invoice(om_state *s)
{
	if (!OM_GIVEN(s, OM_INVOICE))
		return OM_OK;
	invoice_expect ex;
	inv_info info;
	return check_invoice(s, true, given_expect(s, &ex), &info);
}

/* add-bond-invoice: a BOLT11 invoice for exactly the share (mostro-cli
 * refuses Lightning Addresses here; the node's reply asks for a bolt11). */
order_msg_err om_rule_bond_invoice(om_state *s)
{
	invoice_expect ex;
	inv_info info;
	return check_invoice(s, false, given_expect(s, &ex), &info);
}

/* orders: more ids than max_orders_per_response -> too_many_requests. */
order_msg_err om_rule_orders(om_state *s)
{
	int n = jv_array_length(jv_copy(s->v.ids));
	if (OM_GIVEN(s, OM_MAX_ORDERS) && (uint64_t)n > s->v.u[OM_MAX_ORDERS])
		return om_fail(s, OM_ERR_TOO_MANY, OM_IDS, "%d ids; the node answers at most %llu (max_orders_per_response)", n,
			    (unsigned long long)s->v.u[OM_MAX_ORDERS]);
	return OM_OK;
}

/* ------------------------------------------------------------- all values */

/* The syntax of every value given, in option-table order; then the one
 * range, whichever way it was given. */
order_msg_err om_check_values(om_state *s)
{
	for (int o = 0; o < OM_OPT_COUNT; o++)
		if (OM_GIVEN(s, o)) {
			order_msg_err e = parse_value(s, o);
			if (e)
				return e;
		}
	if (OM_GIVEN(s, OM_MIN) && OM_GIVEN(s, OM_MAX)) {
		s->v.range = true;
		s->v.range_min = s->v.i[OM_MIN];
		s->v.range_max = s->v.i[OM_MAX];
	}
	return OM_OK;
}
