#include "nip44.h"

#include "base64.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sodium.h>
#include <secp256k1_ecdh.h>

#include "keys.h"

const char *nip44_strerror(nip44_err e)
{
	switch (e) {
	case NIP44_OK: return "ok";
	case NIP44_ERR_SECRET_KEY: return "invalid secret key";
	case NIP44_ERR_PUBLIC_KEY: return "invalid public key";
	case NIP44_ERR_PLAINTEXT_LEN: return "plaintext must be 1..65535 bytes";
	case NIP44_ERR_PAYLOAD_LEN: return "invalid payload length";
	case NIP44_ERR_VERSION: return "unknown encryption version";
	case NIP44_ERR_BASE64: return "invalid base64";
	case NIP44_ERR_DATA_LEN: return "invalid data length";
	case NIP44_ERR_MAC: return "invalid MAC";
	case NIP44_ERR_PADDING: return "invalid padding";
	}
	return "unknown error";
}

static pthread_once_t sodium_once = PTHREAD_ONCE_INIT;

static void sodium_setup(void)
{
	if (sodium_init() < 0)
		abort();
}

/* libsodium picks its fastest ChaCha20 in sodium_init(). */
static void sodium_ready(void)
{
	pthread_once(&sodium_once, sodium_setup);
}

/* ---- HMAC-SHA256 over lib/sha256.h (keys up to one 64-byte block) ---- */

static void hmac_key_states(sha256_ctx *inner, sha256_ctx *outer, const uint8_t *key, size_t n)
{
	uint8_t pad[64];
	memset(pad, 0, sizeof pad);
	memcpy(pad, key, n);
	for (size_t i = 0; i < 64; i++)
		pad[i] ^= 0x36;
	sha256_init(inner);
	sha256_update(inner, pad, 64);
	for (size_t i = 0; i < 64; i++)
		pad[i] ^= 0x36 ^ 0x5c;
	sha256_init(outer);
	sha256_update(outer, pad, 64);
	sodium_memzero(pad, sizeof pad);
}

/* Finishes an HMAC whose inner state already absorbed the message; wipes both. */
static void hmac_finish(sha256_ctx *inner, sha256_ctx *outer, uint8_t out[32])
{
	uint8_t ih[32];
	sha256_final(inner, ih);
	sha256_update(outer, ih, 32);
	sha256_final(outer, out);
	sodium_memzero(ih, sizeof ih);
	sodium_memzero(inner, sizeof *inner);
	sodium_memzero(outer, sizeof *outer);
}

/* ---- keys ---- */

void nip44_conv_from_key(nip44_conv *c, const uint8_t key[32])
{
	memcpy(c->key, key, 32);
	hmac_key_states(&c->inner, &c->outer, c->key, 32);
}

void nip44_conv_wipe(nip44_conv *c)
{
	sodium_memzero(c, sizeof *c);
}

/* HKDF-Extract(salt "nip44-v2", shared x); wipes shared. */
static void conv_from_shared(nip44_conv *c, uint8_t shared[32])
{
	static const uint8_t salt[8] = {'n', 'i', 'p', '4', '4', '-', 'v', '2'};
	uint8_t prk[32];
	sha256_ctx in, out;
	hmac_key_states(&in, &out, salt, sizeof salt);
	sha256_update(&in, shared, 32);
	hmac_finish(&in, &out, prk);
	nip44_conv_from_key(c, prk);
	sodium_memzero(shared, 32);
	sodium_memzero(prk, sizeof prk);
}

nip44_err nip44_conversation_key(nip44_conv *c, const uint8_t sk[32], const uint8_t pk[32])
{
	uint8_t shared[32];
	memset(c, 0, sizeof *c);
	if (!secp256k1_ec_seckey_verify(secp(), sk))
		return NIP44_ERR_SECRET_KEY;
	if (!ecdh_x(shared, sk, pk))
		return NIP44_ERR_PUBLIC_KEY;
	conv_from_shared(c, shared);
	return NIP44_OK;
}

bool nip44_peer_parse(nip44_peer *p, const uint8_t pk[32])
{
	uint8_t comp[33];
	comp[0] = 0x02;                 /* lift_x: the even-Y point */
	memcpy(comp + 1, pk, 32);
	if (!secp256k1_ec_pubkey_parse(secp(), &p->point, comp, sizeof comp))
		return false;
	/* even Y already: no negation, no second square root */
	return secp256k1_xonly_pubkey_from_pubkey(secp(), &p->xonly, NULL, &p->point) == 1;
}

static int copy_x(unsigned char *out, const unsigned char *x, const unsigned char *y, void *data)
{
	(void)y;
	(void)data;
	memcpy(out, x, 32);
	return 1;
}

nip44_err nip44_conversation_key_peer(nip44_conv *c, const uint8_t sk[32], const nip44_peer *p)
{
	uint8_t shared[32];
	memset(c, 0, sizeof *c);
	if (!secp256k1_ec_seckey_verify(secp(), sk))
		return NIP44_ERR_SECRET_KEY;
	if (secp256k1_ecdh(secp(), shared, &p->point, sk, copy_x, NULL) != 1)
		return NIP44_ERR_PUBLIC_KEY;
	conv_from_shared(c, shared);
	return NIP44_OK;
}

/* HKDF-Expand(PRK = conversation key, info = nonce, L = 76). */
void nip44_message_keys(const nip44_conv *c, const uint8_t nonce[32], uint8_t chacha_key[32],
			uint8_t chacha_nonce[12], uint8_t hmac_key[32])
{
	uint8_t t[3][32];
	for (uint8_t i = 0; i < 3; i++) {
		sha256_ctx in = c->inner, out = c->outer;
		uint8_t ctr = (uint8_t)(i + 1);
		if (i > 0)
			sha256_update(&in, t[i - 1], 32);
		sha256_update(&in, nonce, 32);
		sha256_update(&in, &ctr, 1);
		hmac_finish(&in, &out, t[i]);
	}
	memcpy(chacha_key, t[0], 32);
	memcpy(chacha_nonce, t[1], 12);
	memcpy(hmac_key, t[1] + 12, 20);
	memcpy(hmac_key + 20, t[2], 12);
	sodium_memzero(t, sizeof t);
}

size_t nip44_calc_padded_len(size_t len)
{
	if (len <= 32)
		return 32;
	size_t next_power = 1;
	while (next_power < len)   /* 1 << (floor(log2(len - 1)) + 1) */
		next_power <<= 1;
	size_t chunk = next_power <= 256 ? 32 : next_power / 8;
	return chunk * ((len - 1) / chunk + 1);
}

/* HMAC(hmac_key, nonce || ciphertext). */
static void payload_mac(uint8_t mac[32], const uint8_t hmac_key[32], const uint8_t *nonce,
			const uint8_t *ct, size_t n)
{
	sha256_ctx in, out;
	hmac_key_states(&in, &out, hmac_key, 32);
	sha256_update(&in, nonce, 32);
	sha256_update(&in, ct, n);
	hmac_finish(&in, &out, mac);
}

/* ---- encrypt ---- */

nip44_err nip44_encrypt(buf *out, const nip44_conv *c, const void *plaintext, size_t n,
			const uint8_t *nonce)
{
	if (n < NIP44_MIN_PLAINTEXT || n > NIP44_MAX_PLAINTEXT)
		return NIP44_ERR_PLAINTEXT_LEN;
	sodium_ready();
	size_t padded = 2 + nip44_calc_padded_len(n);
	size_t raw_len = 1 + 32 + padded + 32;
	size_t b64_size = sodium_base64_ENCODED_LEN(raw_len, sodium_base64_VARIANT_ORIGINAL);

	/* base64 text at the end of out, the raw bytes after it (no overlap) */
	buf_reserve(out, b64_size + raw_len);
	char *b64 = out->p + out->len;
	uint8_t *raw = (uint8_t *)b64 + b64_size;
	uint8_t *ct = raw + 33;

	raw[0] = NIP44_VERSION;
	if (nonce)
		memcpy(raw + 1, nonce, 32);
	else
		randombytes_buf(raw + 1, 32);
	ct[0] = (uint8_t)(n >> 8);
	ct[1] = (uint8_t)n;
	memcpy(ct + 2, plaintext, n);
	memset(ct + 2 + n, 0, padded - 2 - n);

	uint8_t ck[32], cn[12], hk[32];
	nip44_message_keys(c, raw + 1, ck, cn, hk);
	crypto_stream_chacha20_ietf_xor(ct, ct, padded, cn, ck);
	payload_mac(ct + padded, hk, raw + 1, ct, padded);
	sodium_memzero(ck, sizeof ck);
	sodium_memzero(cn, sizeof cn);
	sodium_memzero(hk, sizeof hk);

	sodium_bin2base64(b64, b64_size, raw, raw_len, sodium_base64_VARIANT_ORIGINAL);
	out->len += b64_size - 1;
	out->p[out->len] = 0;
	return NIP44_OK;
}

/* ---- decrypt ---- */

/* Checks and decrypts the decoded bytes d[0..dlen) in place; on success the
 * plaintext is at d[0..*n). */
static nip44_err open_payload(const nip44_conv *c, uint8_t *d, size_t dlen, size_t *n)
{
	if (dlen < NIP44_MIN_DATA || dlen > NIP44_MAX_DATA)
		return NIP44_ERR_DATA_LEN;
	if (d[0] != NIP44_VERSION)
		return NIP44_ERR_VERSION;

	const uint8_t *nonce = d + 1;
	uint8_t *ct = d + 33;
	size_t ctlen = dlen - 65;
	uint8_t ck[32], cn[12], hk[32], mac[32];
	nip44_message_keys(c, nonce, ck, cn, hk);
	payload_mac(mac, hk, nonce, ct, ctlen);
	int mac_ok = crypto_verify_32(mac, ct + ctlen) == 0;
	if (mac_ok)
		crypto_stream_chacha20_ietf_xor(ct, ct, ctlen, cn, ck);
	sodium_memzero(ck, sizeof ck);
	sodium_memzero(cn, sizeof cn);
	sodium_memzero(hk, sizeof hk);
	if (!mac_ok)
		return NIP44_ERR_MAC;

	size_t len = (size_t)ct[0] << 8 | ct[1];
	if (len < NIP44_MIN_PLAINTEXT || 2 + nip44_calc_padded_len(len) != ctlen)
		return NIP44_ERR_PADDING;
	memmove(d, ct + 2, len);
	*n = len;
	return NIP44_OK;
}

nip44_err nip44_decrypt(buf *out, const nip44_conv *c, const char *payload, size_t len)
{
	if (len < NIP44_MIN_PAYLOAD || len > NIP44_MAX_PAYLOAD)
		return NIP44_ERR_PAYLOAD_LEN;
	if (payload[0] == '#')
		return NIP44_ERR_VERSION;
	sodium_ready();

	/* decode into out's spare capacity; the plaintext ends up at its start */
	size_t cap = len / 4 * 3 + 3;
	buf_reserve(out, cap);
	uint8_t *d = (uint8_t *)out->p + out->len;
	size_t dlen = 0, n = 0;
	nip44_err e = NIP44_ERR_BASE64;
	if (base64_decode(d, cap, payload, len, &dlen))
		e = open_payload(c, d, dlen, &n);
	else
		dlen = cap;   /* a failed decode may have written anywhere in d */
	/* nothing but the plaintext survives in the spare capacity */
	sodium_memzero(d + n, dlen - n);
	if (e == NIP44_OK)
		out->len += n;
	out->p[out->len] = 0;
	return e;
}

/* ---- one-shot ---- */

nip44_err nip44_encrypt_to(buf *out, const uint8_t sk[32], const uint8_t pk[32],
			   const void *plaintext, size_t n)
{
	nip44_conv c;
	nip44_err e = nip44_conversation_key(&c, sk, pk);
	if (e == NIP44_OK)
		e = nip44_encrypt(out, &c, plaintext, n, NULL);
	nip44_conv_wipe(&c);
	return e;
}

nip44_err nip44_encrypt_to_peer(buf *out, const uint8_t sk[32], const nip44_peer *p,
				const void *plaintext, size_t n)
{
	nip44_conv c;
	nip44_err e = nip44_conversation_key_peer(&c, sk, p);
	if (e == NIP44_OK)
		e = nip44_encrypt(out, &c, plaintext, n, NULL);
	nip44_conv_wipe(&c);
	return e;
}

nip44_err nip44_decrypt_from(buf *out, const uint8_t sk[32], const uint8_t pk[32],
			     const char *payload, size_t len)
{
	nip44_conv c;
	nip44_err e = nip44_conversation_key(&c, sk, pk);
	if (e == NIP44_OK)
		e = nip44_decrypt(out, &c, payload, len);
	nip44_conv_wipe(&c);
	return e;
}
