/* fuzz_nip44 — NIP-44 v2 decryption of hostile payloads never crashes.
 *
 * The first input byte picks a mode:
 *   0: the rest is a payload (base64 text) decrypted with a fixed key;
 *   1: the rest is raw payload bytes (version, nonce, ciphertext) given a
 *      valid MAC, then base64: decryption reaches the padding checks, and a
 *      success must return a plaintext of the announced length;
 *   2: the rest is a plaintext (1..65535 bytes): encrypt, decrypt, compare,
 *      then flip one byte of the payload: decryption must fail.
 * Decryption must leave the output buf's length unchanged on error. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sodium.h>

#include "nip44.h"

static nip44_conv conv;
static bool ready;

static void setup(void)
{
	uint8_t key[32];
	for (int i = 0; i < 32; i++)
		key[i] = (uint8_t)(i * 7 + 1);
	nip44_conv_from_key(&conv, key);
	if (sodium_init() < 0)
		abort();
	ready = true;
}

static nip44_err decrypt_checked(const char *p, size_t n, buf *out)
{
	buf_reset(out);
	buf_puts(out, "k");
	nip44_err e = nip44_decrypt(out, &conv, p, n);
	if (e != NIP44_OK && (out->len != 1 || out->p[0] != 'k' || out->p[1] != 0))
		abort();    /* an error must leave the buf as it was */
	if (e == NIP44_OK && (out->len < 2 || out->len > 1 + NIP44_MAX_PLAINTEXT || out->p[out->len] != 0))
		abort();
	return e;
}

static void with_valid_mac(const uint8_t *d, size_t n, buf *out)
{
	/* version byte, 32-byte nonce, ciphertext taken from the input */
	size_t ctlen = n > 33 ? n - 33 : 0;
	size_t raw_len = 33 + ctlen + 32;
	uint8_t *raw = calloc(1, raw_len + 33);
	memcpy(raw, d, n < 33 ? n : 33);
	if (ctlen)
		memcpy(raw + 33, d + 33, ctlen);
	uint8_t ck[32], cn[12], hk[32];
	nip44_message_keys(&conv, raw + 1, ck, cn, hk);
	crypto_auth_hmacsha256_state st;
	crypto_auth_hmacsha256_init(&st, hk, 32);
	crypto_auth_hmacsha256_update(&st, raw + 1, 32 + ctlen);
	crypto_auth_hmacsha256_final(&st, raw + 33 + ctlen);
	size_t b64 = sodium_base64_ENCODED_LEN(raw_len, sodium_base64_VARIANT_ORIGINAL);
	char *text = malloc(b64);
	sodium_bin2base64(text, b64, raw, raw_len, sodium_base64_VARIANT_ORIGINAL);
	nip44_err e = decrypt_checked(text, b64 - 1, out);
	if (e == NIP44_OK) {
		/* the plaintext is what the length prefix announced */
		uint8_t *pt = malloc(ctlen);
		memcpy(pt, raw + 33, ctlen);
		crypto_stream_chacha20_ietf_xor(pt, pt, ctlen, cn, ck);
		size_t len = (size_t)pt[0] << 8 | pt[1];
		if (out->len - 1 != len || memcmp(out->p + 1, pt + 2, len) != 0)
			abort();
		free(pt);
	} else if (e == NIP44_ERR_MAC) {
		abort();    /* the MAC was made valid */
	}
	free(text);
	free(raw);
}

static void round_trip(const uint8_t *d, size_t n, buf *out)
{
	if (n < 1 || n > NIP44_MAX_PLAINTEXT)
		return;
	uint8_t nonce[32] = {0};
	memcpy(nonce, d, n < 32 ? n : 32);
	buf ct = BUF_INIT;
	if (nip44_encrypt(&ct, &conv, d, n, nonce) != NIP44_OK)
		abort();
	if (decrypt_checked(ct.p, ct.len, out) != NIP44_OK || out->len != n + 1 || memcmp(out->p + 1, d, n) != 0)
		abort();
	/* flip one character to another base64 character */
	size_t at = (d[0] * 131u + n) % ct.len;
	char c = ct.p[at];
	if (c != '=') {
		ct.p[at] = c == 'A' ? 'B' : 'A';
		if (decrypt_checked(ct.p, ct.len, out) == NIP44_OK)
			abort();
	}
	buf_free(&ct);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (!ready)
		setup();
	if (size == 0)
		return 0;
	buf out = BUF_INIT;
	switch (data[0] % 3) {
	case 0: decrypt_checked((const char *)data + 1, size - 1, &out); break;
	case 1: with_valid_mac(data + 1, size - 1, &out); break;
	case 2: round_trip(data + 1, size - 1, &out); break;
	}
	buf_free(&out);
	return 0;
}
