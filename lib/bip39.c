#include "bip39.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sodium.h>
#include <uninorm.h>
#include <unistr.h>

#include "sha256.h"

#define MAX_WORDS 24
#define MAX_ENT 32

const char *bip39_strerror(bip39_err e)
{
	switch (e) {
	case BIP39_OK: return "ok";
	case BIP39_ERR_WORD_COUNT: return "wrong number of words (need 12, 15, 18, 21 or 24)";
	case BIP39_ERR_UNKNOWN_WORD: return "word not in the BIP-39 English word list";
	case BIP39_ERR_CHECKSUM: return "checksum mismatch: a word is wrong or out of order";
	case BIP39_ERR_UTF8: return "not valid UTF-8";
	case BIP39_ERR_ENTROPY: return "entropy must be 16, 20, 24, 28 or 32 bytes";
	}
	return "unknown error";
}

void bip39_describe(const bip39_error *e, char *out, size_t cap)
{
	switch (e->code) {
	case BIP39_ERR_WORD_COUNT:
		snprintf(out, cap, "%d word%s (need 12, 15, 18, 21 or 24)", e->words, e->words == 1 ? "" : "s");
		break;
	case BIP39_ERR_UNKNOWN_WORD:
		snprintf(out, cap, "word %d is not in the BIP-39 English word list", e->position);
		break;
	case BIP39_ERR_CHECKSUM:
		snprintf(out, cap, "checksum mismatch: all %d words are known but one is wrong or out of order",
			 e->words);
		break;
	default:
		snprintf(out, cap, "%s", bip39_strerror(e->code));
	}
}

int bip39_word_index(const char *w, size_t n)
{
	int lo = 0, hi = BIP39_WORDS - 1;
	while (lo <= hi) {
		int mid = (lo + hi) / 2;
		const char *m = bip39_english[mid];
		int c = strncmp(m, w, n);
		if (c == 0 && m[n] != 0)
			c = 1;              /* m is longer: w sorts before it */
		if (c == 0)
			return mid;
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid - 1;
	}
	return -1;
}

static bool valid_words(int words)
{
	return words >= 12 && words <= 24 && words % 3 == 0;
}

bip39_err bip39_from_entropy(const uint8_t *ent, size_t n, buf *out)
{
	if (n < 16 || n > MAX_ENT || n % 4)
		return BIP39_ERR_ENTROPY;
	uint8_t bits[MAX_ENT + 1], hash[32];
	memcpy(bits, ent, n);
	sha256(hash, ent, n);
	bits[n] = hash[0];                 /* checksum: the first n/4 bits of the hash */
	size_t words = (n * 8 + n / 4) / 11;
	buf_reserve(out, words * 9);       /* words are <= 8 letters: no realloc leaves copies */
	for (size_t w = 0; w < words; w++) {
		unsigned idx = 0;
		for (size_t b = w * 11; b < w * 11 + 11; b++)
			idx = idx << 1 | ((bits[b / 8] >> (7 - b % 8)) & 1);
		if (w)
			buf_putc(out, ' ');
		buf_puts(out, bip39_english[idx]);
	}
	sodium_memzero(bits, sizeof bits);
	sodium_memzero(hash, sizeof hash);
	return BIP39_OK;
}

bip39_err bip39_generate(int words, buf *out)
{
	if (!valid_words(words))
		return BIP39_ERR_WORD_COUNT;
	uint8_t ent[MAX_ENT];
	size_t n = (size_t)words * 4 / 3;   /* 12 -> 16 bytes ... 24 -> 32 */
	if (sodium_init() < 0)
		abort();
	randombytes_buf(ent, n);
	bip39_err e = bip39_from_entropy(ent, n, out);
	sodium_memzero(ent, sizeof ent);
	return e;
}

static bool is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
}

bip39_err bip39_check(const char *s, size_t len, uint8_t *ent_out, size_t *ent_len, bip39_error *err)
{
	bip39_error local;
	if (!err)
		err = &local;
	memset(err, 0, sizeof *err);
	int idx[MAX_WORDS];
	int words = 0, unknown = 0;
	for (size_t i = 0; i < len;) {
		while (i < len && is_space(s[i]))
			i++;
		if (i == len)
			break;
		size_t start = i;
		while (i < len && !is_space(s[i]))
			i++;
		words++;
		if (words <= MAX_WORDS) {
			idx[words - 1] = bip39_word_index(s + start, i - start);
			if (idx[words - 1] < 0 && !unknown)
				unknown = words;
		}
	}
	err->words = words;
	bip39_err e = BIP39_OK;
	if (!valid_words(words)) {
		e = BIP39_ERR_WORD_COUNT;
	} else if (unknown) {
		e = BIP39_ERR_UNKNOWN_WORD;
		err->position = unknown;
	} else {
		uint8_t bits[MAX_ENT + 1] = {0}, hash[32];
		for (int w = 0; w < words; w++)
			for (int b = 0; b < 11; b++)
				if (idx[w] >> (10 - b) & 1)
					bits[(w * 11 + b) / 8] |= (uint8_t)(0x80 >> ((w * 11 + b) % 8));
		size_t n = (size_t)words * 4 / 3;
		size_t cs = n / 4;             /* checksum bits: 4..8 */
		sha256(hash, bits, n);
		if ((bits[n] ^ hash[0]) >> (8 - cs))
			e = BIP39_ERR_CHECKSUM;
		else if (ent_out) {
			memcpy(ent_out, bits, n);
			*ent_len = n;
		}
		sodium_memzero(bits, sizeof bits);
		sodium_memzero(hash, sizeof hash);
	}
	sodium_memzero(idx, sizeof idx);
	err->code = e;
	return e;
}

bip39_err bip39_nfkd(const char *s, size_t n, buf *out)
{
	if (n == 0)
		return BIP39_OK;
	if (u8_check((const uint8_t *)s, n))   /* u8_normalize would pass bad bytes through */
		return BIP39_ERR_UTF8;
	size_t rlen = 0;
	uint8_t *r = u8_normalize(UNINORM_NFKD, (const uint8_t *)s, n, NULL, &rlen);
	if (!r)
		return BIP39_ERR_UTF8;
	buf_put(out, r, rlen);
	sodium_memzero(r, rlen);
	free(r);
	return BIP39_OK;
}

void pbkdf2_hmac_sha512(const uint8_t *pw, size_t pwlen, const uint8_t *salt, size_t saltlen,
			unsigned rounds, uint8_t *out, size_t outlen)
{
	crypto_auth_hmacsha512_state key, st;
	uint8_t u[64], t[64], ctr[4];
	crypto_auth_hmacsha512_init(&key, pw, pwlen);
	for (uint32_t block = 1; outlen; block++) {
		ctr[0] = (uint8_t)(block >> 24);
		ctr[1] = (uint8_t)(block >> 16);
		ctr[2] = (uint8_t)(block >> 8);
		ctr[3] = (uint8_t)block;
		st = key;
		crypto_auth_hmacsha512_update(&st, salt, saltlen);
		crypto_auth_hmacsha512_update(&st, ctr, 4);
		crypto_auth_hmacsha512_final(&st, u);
		memcpy(t, u, 64);
		for (unsigned r = 1; r < rounds; r++) {
			st = key;
			crypto_auth_hmacsha512_update(&st, u, 64);
			crypto_auth_hmacsha512_final(&st, u);
			for (int i = 0; i < 64; i++)
				t[i] ^= u[i];
		}
		size_t take = outlen < 64 ? outlen : 64;
		memcpy(out, t, take);
		out += take;
		outlen -= take;
	}
	sodium_memzero(&key, sizeof key);
	sodium_memzero(&st, sizeof st);
	sodium_memzero(u, sizeof u);
	sodium_memzero(t, sizeof t);
}

bip39_err bip39_seed(const char *mnemonic, size_t mlen, const char *pass, size_t plen,
		     uint8_t seed[BIP39_SEED_LEN])
{
	buf m = BUF_INIT, salt = BUF_INIT;
	if (sodium_init() < 0)
		abort();
	buf_puts(&salt, "mnemonic");
	bip39_err e = bip39_nfkd(mnemonic, mlen, &m);
	if (!e && pass)
		e = bip39_nfkd(pass, plen, &salt);
	if (!e)
		pbkdf2_hmac_sha512((const uint8_t *)(m.p ? m.p : ""), m.len, (const uint8_t *)salt.p,
				   salt.len, 2048, seed, BIP39_SEED_LEN);
	buf_wipe(&m);
	buf_wipe(&salt);
	return e;
}
