#include "hex.h"

static const char digits[] = "0123456789abcdef";

void hex_encode(char *out, const uint8_t *in, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		out[2 * i] = digits[in[i] >> 4];
		out[2 * i + 1] = digits[in[i] & 15];
	}
	out[2 * n] = 0;
}

static int nibble(char c, bool lower_only)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (!lower_only && c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

bool hex_decode(uint8_t *out, size_t n, const char *in, size_t len, bool lower_only)
{
	if (len != 2 * n)
		return false;
	for (size_t i = 0; i < n; i++) {
		int hi = nibble(in[2 * i], lower_only), lo = nibble(in[2 * i + 1], lower_only);
		if (hi < 0 || lo < 0)
			return false;
		out[i] = (uint8_t)(hi << 4 | lo);
	}
	return true;
}

bool hex_is_lower(const char *s, size_t len, size_t ndigits)
{
	if (len != ndigits)
		return false;
	for (size_t i = 0; i < len; i++)
		if (nibble(s[i], true) < 0)
			return false;
	return true;
}
