#include "store_uuid.h"

#include <string.h>

#include "hex.h"

void store_uuid_format(const uint8_t b[16], char out[STORE_UUID_LEN + 1])
{
	static const char d[] = "0123456789abcdef";
	size_t o = 0;
	for (int i = 0; i < 16; i++) {
		if (i == 4 || i == 6 || i == 8 || i == 10)
			out[o++] = '-';
		out[o++] = d[b[i] >> 4];
		out[o++] = d[b[i] & 15];
	}
	out[o] = 0;
}

static bool hyphenated(const char *s, size_t n, uint8_t out[16])
{
	static const size_t groups[5] = {8, 4, 4, 4, 12};
	char digits[32];
	size_t o = 0, p = 0;
	if (n != STORE_UUID_LEN)
		return false;
	for (int g = 0; g < 5; g++) {
		if (g > 0 && s[p++] != '-')
			return false;
		memcpy(digits + o, s + p, groups[g]);
		o += groups[g];
		p += groups[g];
	}
	return hex_decode(out, 16, digits, 32, false);
}

bool store_uuid_parse(const char *s, size_t n, uint8_t out[16])
{
	static const char urn[] = "urn:uuid:";
	if (n == 32)
		return hex_decode(out, 16, s, 32, false);
	if (n == STORE_UUID_LEN + 2 && s[0] == '{' && s[n - 1] == '}')
		return hyphenated(s + 1, n - 2, out);
	if (n == STORE_UUID_LEN + sizeof urn - 1 && memcmp(s, urn, sizeof urn - 1) == 0)
		return hyphenated(s + sizeof urn - 1, STORE_UUID_LEN, out);
	return hyphenated(s, n, out);
}

bool store_uuid_canonical(const char *s, size_t n, char out[STORE_UUID_LEN + 1])
{
	uint8_t b[16];
	if (!store_uuid_parse(s, n, b))
		return false;
	store_uuid_format(b, out);
	return true;
}
