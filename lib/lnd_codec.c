#include "lnd_codec.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sodium.h>

#include "hex.h"
#include "json.h"

void lnd_b64(char *out, const uint8_t *in, size_t n)
{
	sodium_bin2base64(out, sodium_base64_ENCODED_LEN(n, sodium_base64_VARIANT_ORIGINAL),
			  in, n, sodium_base64_VARIANT_ORIGINAL);
}

void lnd_b64url(char *out, const uint8_t *in, size_t n)
{
	sodium_bin2base64(out, sodium_base64_ENCODED_LEN(n, sodium_base64_VARIANT_URLSAFE),
			  in, n, sodium_base64_VARIANT_URLSAFE);
}

bool lnd_b64_decode(uint8_t *out, size_t want, const char *in, size_t n)
{
	char tmp[1024];
	while (n && in[n - 1] == '=')
		n--;
	if (n >= sizeof tmp)
		return false;
	bool url = false, std = false;
	for (size_t i = 0; i < n; i++) {
		char c = in[i];
		if (c == '-' || c == '_')
			url = true;
		if (c == '+' || c == '/')
			std = true;
		tmp[i] = c == '-' ? '+' : c == '_' ? '/' : c;
	}
	if (url && std)
		return false;
	size_t got = 0;
	uint8_t dec[768];
	if (sodium_base642bin(dec, sizeof dec, tmp, n, NULL, &got, NULL,
			      sodium_base64_VARIANT_ORIGINAL_NO_PADDING) != 0 || got != want)
		return false;
	memcpy(out, dec, want);
	return true;
}

bool lnd_get_i64(jv obj, const char *key, int64_t *out)
{
	jv v = json_get(obj, key);
	bool ok = false;
	if (jv_get_kind(v) == JV_KIND_STRING) {
		const char *s = jv_string_value(v);
		char *end;
		if (*s && (*s == '-' || (*s >= '0' && *s <= '9'))) {
			errno = 0;
			long long x = strtoll(s, &end, 10);
			if (!*end && errno == 0) {
				*out = x;
				ok = true;
			}
		}
	} else if (jv_is_valid(v)) {
		ok = json_get_i64(v, out);
	}
	jv_free(v);
	return ok;
}

bool lnd_get_u64(jv obj, const char *key, uint64_t *out)
{
	jv v = json_get(obj, key);
	bool ok = false;
	if (jv_get_kind(v) == JV_KIND_STRING) {
		const char *s = jv_string_value(v);
		char *end;
		if (*s >= '0' && *s <= '9') {
			errno = 0;
			unsigned long long x = strtoull(s, &end, 10);
			if (!*end && errno == 0) {
				*out = x;
				ok = true;
			}
		}
	} else if (jv_is_valid(v)) {
		ok = json_get_u64(v, out);
	}
	jv_free(v);
	return ok;
}

/* helpers over borrowed objects */
static const char *str_or(jv o, const char *key, const char *dflt)
{
	const char *s = json_get_str(o, key, NULL);
	return s ? s : dflt;
}

static jv u64_or_zero(jv o, const char *key)
{
	uint64_t v = 0;
	lnd_get_u64(o, key, &v);
	return json_from_u64(v);
}

static bool get_int(jv o, const char *key, int64_t *out)
{
	jv v = json_get(o, key);
	bool ok = jv_get_kind(v) == JV_KIND_NUMBER && json_get_i64(v, out);
	if (!ok && jv_get_kind(v) == JV_KIND_STRING) {   /* be lenient */
		jv_free(v);
		return lnd_get_i64(o, key, out);
	}
	jv_free(v);
	return ok;
}

static jv bad(ln_error *err, const char *what)
{
	ln_error_set(err, LN_ERR_LND, "unexpected LND response: %s", what);
	return jv_invalid();
}

static bool hash_field(jv o, const char *key, uint8_t out[32])
{
	const char *s = json_get_str(o, key, NULL);
	return s && lnd_b64_decode(out, 32, s, strlen(s));
}

static jv hex32(const uint8_t b[32])
{
	char h[65];
	hex_encode(h, b, 32);
	return jv_string(h);
}

jv lnd_getinfo_to_ln(jv info, ln_error *err)
{
	if (jv_get_kind(info) != JV_KIND_OBJECT)
		return bad(err, "GetInfo is not an object");
	const char *pk = json_get_str(info, "identity_pubkey", NULL);
	if (!pk || !hex_is_lower(pk, strlen(pk), 66))
		return bad(err, "GetInfo.identity_pubkey");
	int64_t height = 0;
	if (!get_int(info, "block_height", &height) || height < 0)
		return bad(err, "GetInfo.block_height");
	jv o = jv_object();
	o = jv_object_set(o, jv_string("backend"), jv_string("lnd"));
	o = jv_object_set(o, jv_string("simulated"), jv_false());
	o = jv_object_set(o, jv_string("identity_pubkey"), jv_string(pk));
	o = jv_object_set(o, jv_string("alias"), jv_string(str_or(info, "alias", "")));
	o = jv_object_set(o, jv_string("version"), jv_string(str_or(info, "version", "")));
	o = jv_object_set(o, jv_string("commit_hash"), jv_string(str_or(info, "commit_hash", "")));
	o = jv_object_set(o, jv_string("block_height"), json_from_i64(height));
	o = jv_object_set(o, jv_string("block_hash"), jv_string(str_or(info, "block_hash", "")));
	jv synced = json_get(info, "synced_to_chain");
	o = jv_object_set(o, jv_string("synced_to_chain"),
			  jv_get_kind(synced) == JV_KIND_TRUE ? jv_true() : jv_false());
	jv_free(synced);
	jv chains = json_get(info, "chains"), outc = jv_array();
	const char *chain = "", *network = "";
	if (jv_get_kind(chains) == JV_KIND_ARRAY) {
		int n = jv_array_length(jv_copy(chains));
		for (int i = 0; i < n; i++) {
			jv c = jv_array_get(jv_copy(chains), i);
			if (jv_get_kind(c) == JV_KIND_OBJECT) {
				jv e = jv_object();
				e = jv_object_set(e, jv_string("chain"), jv_string(str_or(c, "chain", "")));
				e = jv_object_set(e, jv_string("network"), jv_string(str_or(c, "network", "")));
				outc = jv_array_append(outc, e);
			}
			jv_free(c);
		}
	}
	if (jv_array_length(jv_copy(outc)) > 0) {
		jv first = jv_array_get(jv_copy(outc), 0);
		o = jv_object_set(o, jv_string("chain"), json_get(first, "chain"));
		o = jv_object_set(o, jv_string("network"), json_get(first, "network"));
		jv_free(first);
	} else {
		o = jv_object_set(o, jv_string("chain"), jv_string(chain));
		o = jv_object_set(o, jv_string("network"), jv_string(network));
	}
	o = jv_object_set(o, jv_string("chains"), outc);
	jv_free(chains);
	jv uris = json_get(info, "uris"), outu = jv_array();
	if (jv_get_kind(uris) == JV_KIND_ARRAY) {
		int n = jv_array_length(jv_copy(uris));
		for (int i = 0; i < n; i++) {
			jv u = jv_array_get(jv_copy(uris), i);
			if (jv_get_kind(u) == JV_KIND_STRING)
				outu = jv_array_append(outu, u);
			else
				jv_free(u);
		}
	}
	jv_free(uris);
	o = jv_object_set(o, jv_string("uris"), outu);
	return o;
}

jv lnd_add_hold_to_ln(jv resp, const uint8_t hash[32], const uint8_t preimage[32], ln_error *err)
{
	const char *pr = json_get_str(resp, "payment_request", NULL);
	if (!pr || !*pr)
		return bad(err, "AddHoldInvoiceResp.payment_request");
	jv o = jv_object();
	o = jv_object_set(o, jv_string("payment_request"), jv_string(pr));
	o = jv_object_set(o, jv_string("hash"), hex32(hash));
	o = jv_object_set(o, jv_string("preimage"), hex32(preimage));
	o = jv_object_set(o, jv_string("add_index"), u64_or_zero(resp, "add_index"));
	uint8_t addr[32];
	const char *pa = json_get_str(resp, "payment_addr", NULL);
	if (pa && *pa && lnd_b64_decode(addr, 32, pa, strlen(pa)))
		o = jv_object_set(o, jv_string("payment_addr"), hex32(addr));
	else
		o = jv_object_set(o, jv_string("payment_addr"), jv_string(""));
	return o;
}

/* An LND enum field, which proto3 JSON gives as its name or its number:
 * returns names[i] for a known name or a number 0..n-1; `absent` when the
 * field is missing (proto3 omits default values); `unknown` for a string
 * that is not in names (a newer LND's value); `otherwise` for anything else
 * (a number out of range, another JSON kind). */
static const char *enum_field(jv o, const char *key, const char *const *names, int n,
			      const char *absent, const char *unknown, const char *otherwise)
{
	jv s = json_get(o, key);
	const char *out = otherwise;
	if (jv_get_kind(s) == JV_KIND_STRING) {
		out = unknown;
		for (int i = 0; i < n; i++)
			if (strcmp(jv_string_value(s), names[i]) == 0)
				out = names[i];
	} else if (jv_get_kind(s) == JV_KIND_NUMBER) {
		double d = jv_number_value(s);
		if (d >= 0 && d <= n - 1 && d == (int)d)
			out = names[(int)d];
	} else if (!jv_is_valid(s)) {
		out = absent;
	}
	jv_free(s);
	return out;
}

static const char *invoice_state(jv inv)
{
	static const char *const names[] = {"OPEN", "SETTLED", "CANCELED", "ACCEPTED"};
	return enum_field(inv, "state", names, 4, "OPEN", NULL, NULL);
}

static const char *htlc_state(jv h)
{
	static const char *const names[] = {"ACCEPTED", "SETTLED", "CANCELED"};
	return enum_field(h, "state", names, 3, NULL, NULL, NULL);
}

jv lnd_invoice_to_lookup(jv inv, ln_error *err)
{
	uint8_t hash[32];
	if (jv_get_kind(inv) != JV_KIND_OBJECT)
		return bad(err, "Invoice is not an object");
	if (!hash_field(inv, "r_hash", hash))
		return bad(err, "Invoice.r_hash");
	const char *state = invoice_state(inv);
	if (!state)
		return bad(err, "Invoice.state");
	jv o = jv_object();
	o = jv_object_set(o, jv_string("hash"), hex32(hash));
	o = jv_object_set(o, jv_string("state"), jv_string(state));
	o = jv_object_set(o, jv_string("memo"), jv_string(str_or(inv, "memo", "")));
	o = jv_object_set(o, jv_string("payment_request"), jv_string(str_or(inv, "payment_request", "")));
	o = jv_object_set(o, jv_string("value_msat"), u64_or_zero(inv, "value_msat"));
	o = jv_object_set(o, jv_string("amt_paid_msat"), u64_or_zero(inv, "amt_paid_msat"));
	o = jv_object_set(o, jv_string("creation_date"), u64_or_zero(inv, "creation_date"));
	o = jv_object_set(o, jv_string("settle_date"), u64_or_zero(inv, "settle_date"));
	o = jv_object_set(o, jv_string("expiry"), u64_or_zero(inv, "expiry"));
	o = jv_object_set(o, jv_string("cltv_expiry"), u64_or_zero(inv, "cltv_expiry"));
	o = jv_object_set(o, jv_string("add_index"), u64_or_zero(inv, "add_index"));
	jv htlcs = json_get(inv, "htlcs"), out = jv_array();
	int64_t min_exp = -1;
	if (jv_get_kind(htlcs) == JV_KIND_ARRAY) {
		int n = jv_array_length(jv_copy(htlcs));
		for (int i = 0; i < n; i++) {
			jv h = jv_array_get(jv_copy(htlcs), i);
			const char *hs = jv_get_kind(h) == JV_KIND_OBJECT ? htlc_state(h) : NULL;
			if (!hs) {
				jv_free(h);
				continue;
			}
			int64_t acc = 0, exp = 0;
			get_int(h, "accept_height", &acc);
			get_int(h, "expiry_height", &exp);
			if (acc < 0)
				acc = 0;
			if (exp < 0)
				exp = 0;       /* mostrod clamps negatives to 0 */
			jv e = jv_object();
			e = jv_object_set(e, jv_string("state"), jv_string(hs));
			e = jv_object_set(e, jv_string("amt_msat"), u64_or_zero(h, "amt_msat"));
			e = jv_object_set(e, jv_string("accept_height"), json_from_i64(acc));
			e = jv_object_set(e, jv_string("expiry_height"), json_from_i64(exp));
			out = jv_array_append(out, e);
			if (strcmp(hs, "ACCEPTED") == 0 && (min_exp < 0 || exp < min_exp))
				min_exp = exp;
			jv_free(h);
		}
	}
	jv_free(htlcs);
	o = jv_object_set(o, jv_string("htlcs"), out);
	o = jv_object_set(o, jv_string("accepted_expiry_height"), min_exp < 0 ? jv_null() : json_from_i64(min_exp));
	return o;
}

jv lnd_invoice_to_watch(jv inv, const uint8_t hash[32], ln_error *err)
{
	if (jv_get_kind(inv) != JV_KIND_OBJECT)
		return bad(err, "Invoice is not an object");
	const char *state = invoice_state(inv);
	if (!state)
		return bad(err, "Invoice.state");
	jv o = jv_object();
	o = jv_object_set(o, jv_string("hash"), hex32(hash));
	o = jv_object_set(o, jv_string("state"), jv_string(state));
	o = jv_object_set(o, jv_string("amt_paid_msat"), u64_or_zero(inv, "amt_paid_msat"));
	return o;
}

static const char *payment_status(jv pay)
{
	static const char *const names[] = {"UNKNOWN", "IN_FLIGHT", "SUCCEEDED", "FAILED", "INITIATED"};
	return enum_field(pay, "status", names, 5, "UNKNOWN", NULL, NULL);
}

/* A newer LND's reason is kept a failure (FAILURE_REASON_ERROR). */
static const char *failure_reason(jv pay)
{
	static const char *const names[] = {
		"FAILURE_REASON_NONE", "FAILURE_REASON_TIMEOUT", "FAILURE_REASON_NO_ROUTE",
		"FAILURE_REASON_ERROR", "FAILURE_REASON_INCORRECT_PAYMENT_DETAILS",
		"FAILURE_REASON_INSUFFICIENT_BALANCE", "FAILURE_REASON_CANCELED",
	};
	return enum_field(pay, "failure_reason", names, 7, "FAILURE_REASON_NONE", "FAILURE_REASON_ERROR",
			  "FAILURE_REASON_NONE");
}

jv lnd_payment_to_ln(jv pay, ln_error *err)
{
	if (jv_get_kind(pay) != JV_KIND_OBJECT)
		return bad(err, "Payment is not an object");
	const char *h = json_get_str(pay, "payment_hash", NULL);
	if (!h || !hex_decode((uint8_t[32]){0}, 32, h, strlen(h), false))
		return bad(err, "Payment.payment_hash");
	const char *status = payment_status(pay);
	if (!status)
		return bad(err, "Payment.status");
	char lower[65];
	for (int i = 0; i < 64; i++)
		lower[i] = (char)((h[i] >= 'A' && h[i] <= 'F') ? h[i] + 32 : h[i]);
	lower[64] = 0;
	jv o = jv_object();
	o = jv_object_set(o, jv_string("payment_hash"), jv_string(lower));
	o = jv_object_set(o, jv_string("status"), jv_string(status));
	o = jv_object_set(o, jv_string("value_msat"), u64_or_zero(pay, "value_msat"));
	o = jv_object_set(o, jv_string("fee_msat"), u64_or_zero(pay, "fee_msat"));
	const char *pre = json_get_str(pay, "payment_preimage", NULL);
	uint8_t pb[32];
	static const uint8_t zero[32];
	if (strcmp(status, "SUCCEEDED") == 0 && pre && hex_decode(pb, 32, pre, strlen(pre), false) &&
	    memcmp(pb, zero, 32) != 0)
		o = jv_object_set(o, jv_string("preimage"), hex32(pb));
	if (strcmp(status, "FAILED") == 0)
		o = jv_object_set(o, jv_string("failure_reason"), jv_string(failure_reason(pay)));
	return o;
}

int lnd_grpc_http_status(int code)
{
	static const int map[17] = {200, 499, 500, 400, 504, 404, 409, 403, 429, 400, 409, 400, 501, 500, 503, 500, 401};
	return code >= 0 && code <= 16 ? map[code] : 500;
}

/* case-insensitive substring */
static bool has(const char *msg, const char *needle)
{
	size_t n = strlen(needle);
	for (const char *p = msg; *p; p++)
		if (strncasecmp(p, needle, n) == 0)
			return true;
	return false;
}

static bool has_any(const char *msg, const char *const *needles)
{
	for (; *needles; needles++)
		if (has(msg, *needles))
			return true;
	return false;
}

bool lnd_classify(ln_prim p, int http_status, int code, const char *msg, ln_error *err)
{
	static const char *const auth[] = {"macaroon", "verification failed", "permission denied", NULL};
	static const char *const canceled[] = {"already cancelled", "already canceled", NULL};
	static const char *const unknown_invoice[] = {
		"unable to locate invoice", "invoice not found", "no such invoice",
		"there are no existing invoices", NULL,
	};
	static const char *const bad_invoice[] = {
		"invoice expired", "not for current active network", "invalid payment request",
		"self-payments not allowed", NULL,
	};
	if (!msg)
		msg = "";
	ln_err_kind k = LN_ERR_LND;
	/* grpc-gateway's own 404 for a path it has no route for (a URL with a
	 * path prefix, an LND built without invoicesrpc/routerrpc): the RPC
	 * never ran, so it says nothing about the hash. LND's NotFound errors
	 * for these calls always carry their own text. */
	bool no_route = code == 5 && strcmp(msg, "Not Found") == 0;
	if (no_route) {
		ln_error_set(err, LN_ERR_LND, "LND has no REST route for %s (HTTP 404 \"Not Found\"): check the"
			     " LND URL and that LND serves this RPC", ln_prim_name(p));
		err->grpc_code = code;
		err->http_status = http_status;
		return true;
	}
	if (code == 16 || code == 7 || has_any(msg, auth))
		k = LN_ERR_AUTH;
	else if (code == 14)
		k = LN_ERR_TRANSPORT;              /* Unavailable: the node is starting or gone */
	else if (code == 4)
		k = LN_ERR_TIMEOUT;
	else {
		switch (p) {
		case LN_PRIM_ADD_HOLD:
			if (code == 6 || has(msg, "already exists"))
				k = LN_ERR_ALREADY_EXISTS;
			break;
		case LN_PRIM_SETTLE:
			if (code == 6 || has(msg, "already settled"))
				return false;      /* idempotent success (mostrod's is_already_settled_error) */
			if (has(msg, "still open"))
				k = LN_ERR_STILL_OPEN;
			else if (has_any(msg, canceled))
				k = LN_ERR_ALREADY_CANCELED;
			else if (code == 5 || has_any(msg, unknown_invoice))
				k = LN_ERR_NOT_FOUND;
			break;
		case LN_PRIM_CANCEL:
			if (has(msg, "already settled"))
				k = LN_ERR_ALREADY_SETTLED;
			else if (code == 6 || has_any(msg, canceled))
				return false;      /* already done (mostrod's classify_cancel_error) */
			else if (code == 5 || has_any(msg, unknown_invoice))
				k = LN_ERR_NOT_FOUND;
			break;
		case LN_PRIM_LOOKUP:
		case LN_PRIM_SUBSCRIBE:
			if (code == 5 || has_any(msg, unknown_invoice))
				k = LN_ERR_NOT_FOUND;
			break;
		case LN_PRIM_SEND:
			if (code == 6)
				k = LN_ERR_ALREADY_EXISTS;
			else if (has(msg, "amount must"))
				k = LN_ERR_WRONG_AMOUNT;
			else if (has_any(msg, bad_invoice))
				k = LN_ERR_INVALID_INVOICE;
			break;
		case LN_PRIM_TRACK:
			if (code == 5 || has(msg, "isn't initiated"))
				k = LN_ERR_NOT_FOUND;
			break;
		default:
			break;
		}
		if (k == LN_ERR_LND && code == 3)
			k = LN_ERR_INVALID_REQUEST;
	}
	ln_error_set(err, k, "%s", *msg ? msg : "LND error without a message");
	err->grpc_code = code;
	err->http_status = http_status;
	return true;
}
