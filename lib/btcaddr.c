#include "btcaddr.h"

#include <string.h>

#include "bech32.h"
#include "sha256.h"

static const char b58[] = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz";

void btcaddr_base58check(buf *out, uint8_t version, const uint8_t *payload, size_t n)
{
	uint8_t data[1 + 64 + 4], h[32];
	if (n > 64)
		n = 64;
	data[0] = version;
	memcpy(data + 1, payload, n);
	sha256(h, data, n + 1);
	sha256(h, h, 32);
	memcpy(data + 1 + n, h, 4);
	size_t len = n + 5, zeros = 0;
	while (zeros < len && data[zeros] == 0)
		zeros++;
	/* big-number division by 58, digits collected least significant first */
	uint8_t digits[128];
	size_t nd = 0;
	for (size_t i = zeros; i < len; i++) {
		unsigned carry = data[i];
		for (size_t j = 0; j < nd; j++) {
			carry += (unsigned)digits[j] << 8;
			digits[j] = (uint8_t)(carry % 58);
			carry /= 58;
		}
		while (carry) {
			digits[nd++] = (uint8_t)(carry % 58);
			carry /= 58;
		}
	}
	for (size_t i = 0; i < zeros; i++)
		buf_putc(out, '1');
	while (nd)
		buf_putc(out, b58[digits[--nd]]);
}

static const char charset[] = "qpzry9x8gf2tvdw0s3jn54khce6mua7l";

/* bech32m differs from bech32 only in the constant XORed into the checksum
 * (BIP-350). bech32_encode writes polymod ^ 1, so XOR the six checksum
 * characters with 1 ^ 0x2bc830a3. */
static void to_bech32m(char *sum6)
{
	uint32_t c = 0;
	for (int i = 0; i < 6; i++)
		c = (c << 5) | (uint32_t)(strchr(charset, sum6[i]) - charset);
	c ^= 1u ^ 0x2bc830a3u;
	for (int i = 0; i < 6; i++)
		sum6[i] = charset[(c >> ((5 - i) * 5)) & 31];
}

void btcaddr_segwit(buf *out, const char *hrp, unsigned version, const uint8_t *program, size_t n)
{
	uint8_t d5[1 + (40 * 8 + 4) / 5];
	if (n > 40)
		n = 40;
	d5[0] = (uint8_t)(version & 31);
	size_t n5 = 1 + bech32_from_bytes(program, n, d5 + 1);
	bech32_encode(out, hrp, d5, n5);
	if (version > 0)
		to_bech32m(out->p + out->len - 6);
}
