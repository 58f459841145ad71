#include "bech32.h"

#include <stdlib.h>
#include <string.h>
#include <sodium.h>

static const char charset[] = "qpzry9x8gf2tvdw0s3jn54khce6mua7l";

const char *bech32_strerror(bech32_err e)
{
	switch (e) {
	case BECH32_OK: return "ok";
	case BECH32_ERR_LENGTH: return "bad length";
	case BECH32_ERR_MIXED_CASE: return "mixed upper and lower case";
	case BECH32_ERR_CHAR: return "invalid bech32 character";
	case BECH32_ERR_SEPARATOR: return "missing separator or prefix";
	case BECH32_ERR_CHECKSUM: return "bad bech32 checksum";
	case BECH32_ERR_PADDING: return "bad padding";
	case BECH32_ERR_CAPACITY: return "payload too large";
	}
	return "unknown error";
}

static uint32_t polymod_step(uint32_t pre)
{
	uint8_t b = (uint8_t)(pre >> 25);
	return ((pre & 0x1ffffff) << 5) ^
	       (-((b >> 0) & 1) & 0x3b6a57b2UL) ^ (-((b >> 1) & 1) & 0x26508e6dUL) ^
	       (-((b >> 2) & 1) & 0x1ea119faUL) ^ (-((b >> 3) & 1) & 0x3d4233ddUL) ^
	       (-((b >> 4) & 1) & 0x2a1462b3UL);
}

static uint32_t hrp_polymod(const char *hrp, size_t n)
{
	uint32_t chk = 1;
	for (size_t i = 0; i < n; i++)
		chk = polymod_step(chk) ^ ((unsigned char)hrp[i] >> 5);
	chk = polymod_step(chk);
	for (size_t i = 0; i < n; i++)
		chk = polymod_step(chk) ^ ((unsigned char)hrp[i] & 31);
	return chk;
}

static int rev(char c)
{
	if (c >= 'A' && c <= 'Z')
		c = (char)(c - 'A' + 'a');
	const char *p = c ? strchr(charset, c) : NULL;
	return p ? (int)(p - charset) : -1;
}

bech32_err bech32_decode(const char *s, size_t len, size_t max_len,
			 char *hrp, size_t hrp_cap,
			 uint8_t *data, size_t *data_len, size_t data_cap)
{
	bool lower = false, upper = false;
	if (max_len && len > max_len)
		return BECH32_ERR_LENGTH;
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c < 33 || c > 126)
			return BECH32_ERR_CHAR;
		lower |= c >= 'a' && c <= 'z';
		upper |= c >= 'A' && c <= 'Z';
	}
	if (lower && upper)
		return BECH32_ERR_MIXED_CASE;
	size_t sep = len;
	while (sep > 0 && s[sep - 1] != '1')
		sep--;
	if (sep == 0 || sep == 1)
		return BECH32_ERR_SEPARATOR;
	sep--;                                  /* index of the last '1' */
	if (len - sep - 1 < 6)
		return BECH32_ERR_LENGTH;
	if (sep + 1 > hrp_cap)
		return BECH32_ERR_CAPACITY;
	for (size_t i = 0; i < sep; i++) {
		char c = s[i];
		hrp[i] = (char)(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
	}
	hrp[sep] = 0;
	size_t n = len - sep - 1 - 6;
	if (n > data_cap)
		return BECH32_ERR_CAPACITY;
	uint32_t chk = hrp_polymod(hrp, sep);
	for (size_t i = 0; i < len - sep - 1; i++) {
		int v = rev(s[sep + 1 + i]);
		if (v < 0)
			return BECH32_ERR_CHAR;
		chk = polymod_step(chk) ^ (uint32_t)v;
		if (i < n)
			data[i] = (uint8_t)v;
	}
	if (chk != 1)
		return BECH32_ERR_CHECKSUM;
	*data_len = n;
	return BECH32_OK;
}

void bech32_encode(buf *out, const char *hrp, const uint8_t *data, size_t n)
{
	size_t hl = strlen(hrp);
	uint32_t chk = hrp_polymod(hrp, hl);
	buf_reserve(out, hl + 1 + n + 6);
	buf_puts(out, hrp);
	buf_putc(out, '1');
	for (size_t i = 0; i < n; i++) {
		chk = polymod_step(chk) ^ data[i];
		buf_putc(out, charset[data[i]]);
	}
	for (int i = 0; i < 6; i++)
		chk = polymod_step(chk);
	chk ^= 1;
	for (int i = 0; i < 6; i++)
		buf_putc(out, charset[(chk >> ((5 - i) * 5)) & 31]);
}

bech32_err bech32_to_bytes(const uint8_t *d5, size_t n5, uint8_t *out, size_t *out_len, size_t cap)
{
	uint32_t acc = 0;
	int bits = 0;
	size_t n = 0;
	for (size_t i = 0; i < n5; i++) {
		acc = (acc << 5) | d5[i];
		bits += 5;
		if (bits >= 8) {
			bits -= 8;
			if (n >= cap)
				return BECH32_ERR_CAPACITY;
			out[n++] = (uint8_t)(acc >> bits);
		}
	}
	if (bits >= 5 || (acc & ((1u << bits) - 1)))
		return BECH32_ERR_PADDING;
	*out_len = n;
	return BECH32_OK;
}

size_t bech32_from_bytes(const uint8_t *in, size_t n, uint8_t *out5)
{
	uint32_t acc = 0;
	int bits = 0;
	size_t k = 0;
	for (size_t i = 0; i < n; i++) {
		acc = (acc << 8) | in[i];
		bits += 8;
		while (bits >= 5) {
			bits -= 5;
			out5[k++] = (acc >> bits) & 31;
		}
	}
	if (bits)
		out5[k++] = (acc << (5 - bits)) & 31;
	return k;
}

bech32_err bech32_decode_bytes(const char *s, size_t len, size_t max_len,
			       char *hrp, size_t hrp_cap,
			       uint8_t *out, size_t *out_len, size_t out_cap)
{
	size_t cap5 = len, n5;
	uint8_t stackbuf[512];
	uint8_t *d5 = cap5 <= sizeof stackbuf ? stackbuf : mu_xmalloc(cap5);
	bech32_err e = bech32_decode(s, len, max_len, hrp, hrp_cap, d5, &n5, cap5);
	if (e == BECH32_OK)
		e = bech32_to_bytes(d5, n5, out, out_len, out_cap);
	sodium_memzero(d5, cap5);      /* the groups may spell an nsec */
	if (d5 != stackbuf)
		free(d5);
	return e;
}

void bech32_encode_bytes(buf *out, const char *hrp, const uint8_t *data, size_t n)
{
	uint8_t stackbuf[512];
	size_t cap5 = (n * 8 + 4) / 5;
	uint8_t *d5 = cap5 <= sizeof stackbuf ? stackbuf : mu_xmalloc(cap5);
	size_t n5 = bech32_from_bytes(data, n, d5);
	bech32_encode(out, hrp, d5, n5);
	sodium_memzero(d5, n5);
	if (d5 != stackbuf)
		free(d5);
}
