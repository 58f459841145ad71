/* mostro_sign.c — trade signature, identity proof, content tuple. */
#include "mostro_sign.h"

#include <stdio.h>
#include <string.h>

#include "bech32.h"
#include "hex.h"
#include "json.h"
#include "sha256.h"

void mostro_digest(uint8_t out[32], const char *msg, size_t n)
{
	sha256(out, msg, n);
}

void mostro_sign(const mu_key *trade, const char *msg, size_t n, const uint8_t *aux32, uint8_t sig[64])
{
	uint8_t d[32];
	mostro_digest(d, msg, n);
	schnorr_sign32(trade, d, aux32, sig);
}

bool mostro_verify(const uint8_t pk[32], const char *msg, size_t n, const uint8_t sig[64])
{
	uint8_t d[32];
	mostro_digest(d, msg, n);
	return schnorr_verify32(pk, d, sig);
}

static void identity_digest(uint8_t d[32], const uint8_t trade_pk[32], const char *msg, size_t n)
{
	char hexpk[65];
	sha256_ctx c;
	hex_encode(hexpk, trade_pk, 32);
	sha256_init(&c);
	sha256_update(&c, MOSTRO_IDENTITY_TAG, sizeof MOSTRO_IDENTITY_TAG - 1);
	sha256_update(&c, hexpk, 64);
	sha256_update(&c, ":", 1);
	sha256_update(&c, msg, n);
	sha256_final(&c, d);
}

void mostro_identity_payload(buf *b, const uint8_t trade_pk[32], const char *msg, size_t n)
{
	char hexpk[65];
	hex_encode(hexpk, trade_pk, 32);
	buf_puts(b, MOSTRO_IDENTITY_TAG);
	buf_put(b, hexpk, 64);
	buf_putc(b, ':');
	buf_put(b, msg, n);
}

void mostro_identity_sign(const mu_key *identity, const uint8_t trade_pk[32], const char *msg,
			  size_t n, const uint8_t *aux32, uint8_t sig[64])
{
	uint8_t d[32];
	identity_digest(d, trade_pk, msg, n);
	schnorr_sign32(identity, d, aux32, sig);
}

bool mostro_identity_verify(const uint8_t identity_pk[32], const uint8_t trade_pk[32],
			    const char *msg, size_t n, const uint8_t sig[64])
{
	uint8_t d[32];
	identity_digest(d, trade_pk, msg, n);
	return schnorr_verify32(identity_pk, d, sig);
}

/* The same with the identity key parsed when the tuple was read. */
static bool identity_verify_parsed(const secp256k1_xonly_pubkey *identity, const uint8_t trade_pk[32],
				   const char *msg, size_t n, const uint8_t sig[64])
{
	uint8_t d[32];
	identity_digest(d, trade_pk, msg, n);
	return secp256k1_schnorrsig_verify(secp(), sig, d, 32, identity) == 1;
}

/* ------------------------------------------------------------------ tuple */

const char *mostro_tuple_strerror(mostro_tuple_err e)
{
	switch (e) {
	case MOSTRO_TUPLE_OK: return "ok";
	case MOSTRO_TUPLE_ERR_JSON: return "content is not JSON";
	case MOSTRO_TUPLE_ERR_SHAPE: return "content is not a tuple of the transport's arity";
	case MOSTRO_TUPLE_ERR_MESSAGE: return "invalid message";
	case MOSTRO_TUPLE_ERR_SIG_FORMAT: return "malformed trade signature";
	case MOSTRO_TUPLE_ERR_PROOF_FORMAT: return "malformed identity proof";
	case MOSTRO_TUPLE_ERR_TRADE_SIG: return "trade signature does not verify";
	case MOSTRO_TUPLE_ERR_IDENTITY: return "identity proof does not verify";
	case MOSTRO_TUPLE_ERR_UNSIGNED_PROOF: return "identity proof without a trade signature";
	}
	return "unknown error";
}

void mostro_tuple_init(mostro_tuple *t)
{
	memset(t, 0, sizeof *t);
	mostro_msg_init(&t->msg);
}

void mostro_tuple_free(mostro_tuple *t)
{
	mostro_msg_free(&t->msg);
	buf_free(&t->canonical);
	mostro_tuple_init(t);
}

/* The 32 bytes of a key written as hex, npub1... or nostr:npub1... (not
 * checked to be on the curve). */
static bool pubkey_text(const char *s, size_t n, uint8_t pk[32])
{
	if (n == 64)
		return hex_decode(pk, 32, s, n, false);
	if (n > 6 && memcmp(s, "nostr:", 6) == 0) {
		s += 6;
		n -= 6;
	}
	char hrp[8];
	size_t len = 0;
	return bech32_decode_bytes(s, n, 0, hrp, sizeof hrp, pk, &len, 32) == BECH32_OK &&
	       strcmp(hrp, "npub") == 0 && len == 32;
}

bool mostro_parse_pubkey(const char *s, size_t n, uint8_t pk[32])
{
	return pubkey_text(s, n, pk) && key_pubkey_valid(pk);
}

static void set_detail(char *detail, size_t n, const char *fmt, const char *arg)
{
	if (detail && n)
		snprintf(detail, n, fmt, arg);
}

/* A signature string: 128 hex digits, either case (secp256k1 from_str). */
static bool sig_from_jv(jv v, uint8_t sig[64])
{
	size_t n;
	const char *s = json_str(v, &n);
	return s && hex_decode(sig, 64, s, n, false);
}

mostro_tuple_err mostro_tuple_parse(mostro_tuple *t, const char *text, size_t len, int arity,
				    char *detail, size_t detail_len)
{
	json_error je = {0};
	mostro_tuple_err rc = MOSTRO_TUPLE_OK;
	mostro_tuple_init(t);
	t->arity = arity;
	jv v = json_parse(text, len, JSON_EXACT_NUMBERS, &je);
	if (!jv_is_valid(v)) {
		set_detail(detail, detail_len, "content: %s", je.msg);
		return MOSTRO_TUPLE_ERR_JSON;
	}
	if (jv_get_kind(v) != JV_KIND_ARRAY || jv_array_length(jv_copy(v)) != arity) {
		char what[80];
		if (jv_get_kind(v) == JV_KIND_ARRAY)
			snprintf(what, sizeof what, "an array of %d elements", jv_array_length(jv_copy(v)));
		else
			snprintf(what, sizeof what, "not an array");
		if (detail && detail_len)
			snprintf(detail, detail_len, "content must be a %d-element tuple (%s), found %s",
				 arity, arity == 2 ? "v1: [message, signature]" : "v2: [message, signature, identity proof]", what);
		jv_free(v);
		return MOSTRO_TUPLE_ERR_SHAPE;
	}
	jv m = jv_array_get(jv_copy(v), 0);
	mostro_msg_error me;
	if (mostro_msg_from_jv(&t->msg, m, &me) != MOSTRO_MSG_OK) {
		set_detail(detail, detail_len, "%s", me.msg);
		rc = MOSTRO_TUPLE_ERR_MESSAGE;
		goto out;
	}
	mostro_msg_write(&t->canonical, &t->msg);
	jv s = jv_array_get(jv_copy(v), 1);
	if (jv_get_kind(s) != JV_KIND_NULL) {
		if (!sig_from_jv(s, t->trade_sig)) {
			set_detail(detail, detail_len, "%s", "tuple element 2 (trade signature) must be null or 128 hex digits");
			rc = MOSTRO_TUPLE_ERR_SIG_FORMAT;
		}
		t->has_trade_sig = rc == MOSTRO_TUPLE_OK;
	}
	jv_free(s);
	if (rc == MOSTRO_TUPLE_OK && arity == 3) {
		jv p = jv_array_get(jv_copy(v), 2);
		if (jv_get_kind(p) != JV_KIND_NULL) {
			jv pk = jv_invalid(), ps = jv_invalid();
			size_t pn = 0;
			const char *pks = NULL;
			if (jv_get_kind(p) == JV_KIND_ARRAY && jv_array_length(jv_copy(p)) == 2) {
				pk = jv_array_get(jv_copy(p), 0);
				ps = jv_array_get(jv_copy(p), 1);
				pks = json_str(pk, &pn);
			}
			if (!pks || !json_str(ps, NULL)) {
				set_detail(detail, detail_len, "%s", "tuple element 3 (identity proof) must be null or [\"<pubkey>\",\"<signature>\"]");
				rc = MOSTRO_TUPLE_ERR_PROOF_FORMAT;
			} else if (!pubkey_text(pks, pn, t->identity_pk) ||
				   !secp256k1_xonly_pubkey_parse(secp(), &t->identity_x, t->identity_pk)) {
				set_detail(detail, detail_len, "%s", "identity proof: malformed identity pubkey");
				rc = MOSTRO_TUPLE_ERR_PROOF_FORMAT;
			} else if (!sig_from_jv(ps, t->identity_sig)) {
				set_detail(detail, detail_len, "%s", "identity proof: malformed identity signature");
				rc = MOSTRO_TUPLE_ERR_PROOF_FORMAT;
			}
			t->has_proof = rc == MOSTRO_TUPLE_OK;
			jv_free(pk);
			jv_free(ps);
		}
		jv_free(p);
	}
out:
	jv_free(m);
	jv_free(v);
	return rc;
}

mostro_tuple_err mostro_tuple_verify(const mostro_tuple *t, const uint8_t trade_pk[32])
{
	secp256k1_xonly_pubkey x;
	if (t->has_trade_sig && !secp256k1_xonly_pubkey_parse(secp(), &x, trade_pk))
		return MOSTRO_TUPLE_ERR_TRADE_SIG;
	return mostro_tuple_verify_parsed(t, trade_pk, t->has_trade_sig ? &x : NULL);
}

mostro_tuple_err mostro_tuple_verify_parsed(const mostro_tuple *t, const uint8_t trade_pk[32],
					    const secp256k1_xonly_pubkey *trade)
{
	if (t->has_trade_sig) {
		uint8_t d[32];
		mostro_digest(d, t->canonical.p, t->canonical.len);
		if (secp256k1_schnorrsig_verify(secp(), t->trade_sig, d, 32, trade) != 1)
			return MOSTRO_TUPLE_ERR_TRADE_SIG;
	}
	if (t->has_proof) {
		if (!identity_verify_parsed(&t->identity_x, trade_pk, t->canonical.p, t->canonical.len,
					    t->identity_sig))
			return MOSTRO_TUPLE_ERR_IDENTITY;
		if (!t->has_trade_sig && memcmp(t->identity_pk, trade_pk, 32) != 0)
			return MOSTRO_TUPLE_ERR_UNSIGNED_PROOF;
	}
	return MOSTRO_TUPLE_OK;
}

static void put_sig(buf *b, const uint8_t sig[64])
{
	char h[129];
	hex_encode(h, sig, 64);
	buf_putc(b, '"');
	buf_put(b, h, 128);
	buf_putc(b, '"');
}

void mostro_tuple_write(buf *b, int arity, const char *msg, size_t n, const uint8_t *trade_sig,
			const uint8_t *identity_pk, const uint8_t *identity_sig)
{
	buf_putc(b, '[');
	buf_put(b, msg, n);
	buf_putc(b, ',');
	if (trade_sig)
		put_sig(b, trade_sig);
	else
		buf_puts(b, "null");
	if (arity == 3) {
		buf_putc(b, ',');
		if (identity_pk && identity_sig) {
			char h[65];
			hex_encode(h, identity_pk, 32);
			buf_puts(b, "[\"");
			buf_put(b, h, 64);
			buf_puts(b, "\",");
			put_sig(b, identity_sig);
			buf_putc(b, ']');
		} else {
			buf_puts(b, "null");
		}
	}
	buf_putc(b, ']');
}
