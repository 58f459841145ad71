/* base64.c — see base64.h. */
#include "base64.h"

/* value + 1: 1..64 for the alphabet, 65 for '=', 0 (the default) for anything else */
static const uint8_t dec1[256] = {
	['A'] = 1, ['B'] = 2, ['C'] = 3, ['D'] = 4, ['E'] = 5, ['F'] = 6, ['G'] = 7, ['H'] = 8,
	['I'] = 9, ['J'] = 10, ['K'] = 11, ['L'] = 12, ['M'] = 13, ['N'] = 14, ['O'] = 15, ['P'] = 16,
	['Q'] = 17, ['R'] = 18, ['S'] = 19, ['T'] = 20, ['U'] = 21, ['V'] = 22, ['W'] = 23, ['X'] = 24,
	['Y'] = 25, ['Z'] = 26, ['a'] = 27, ['b'] = 28, ['c'] = 29, ['d'] = 30, ['e'] = 31, ['f'] = 32,
	['g'] = 33, ['h'] = 34, ['i'] = 35, ['j'] = 36, ['k'] = 37, ['l'] = 38, ['m'] = 39, ['n'] = 40,
	['o'] = 41, ['p'] = 42, ['q'] = 43, ['r'] = 44, ['s'] = 45, ['t'] = 46, ['u'] = 47, ['v'] = 48,
	['w'] = 49, ['x'] = 50, ['y'] = 51, ['z'] = 52, ['0'] = 53, ['1'] = 54, ['2'] = 55, ['3'] = 56,
	['4'] = 57, ['5'] = 58, ['6'] = 59, ['7'] = 60, ['8'] = 61, ['9'] = 62, ['+'] = 63, ['/'] = 64,
	['='] = 65,
};

/* 0..63, 64 for '=', 255 for anything else */
#define DEC(c) ((uint32_t)(uint8_t)(dec1[(c)] - 1))

bool base64_decode(uint8_t *out, size_t cap, const char *in, size_t len, size_t *n)
{
	const unsigned char *s = (const unsigned char *)in;
	if (len % 4 || len / 4 * 3 > cap)
		return false;
	size_t o = 0, full = len ? len - 4 : 0;
	for (size_t i = 0; i < full; i += 4) {
		uint32_t a = DEC(s[i]), b = DEC(s[i + 1]), c = DEC(s[i + 2]), d = DEC(s[i + 3]);
		if ((a | b | c | d) & 0xc0)      /* 64 ('=') or 255 */
			return false;
		uint32_t v = a << 18 | b << 12 | c << 6 | d;
		out[o] = (uint8_t)(v >> 16);
		out[o + 1] = (uint8_t)(v >> 8);
		out[o + 2] = (uint8_t)v;
		o += 3;
	}
	if (len) {
		uint32_t a = DEC(s[full]), b = DEC(s[full + 1]), c = DEC(s[full + 2]), d = DEC(s[full + 3]);
		if ((a | b) & 0xc0)
			return false;
		if (c == 64) {                    /* xx== : one byte, 4 unused bits */
			if (d != 64 || (b & 0x0f))
				return false;
			out[o++] = (uint8_t)(a << 2 | b >> 4);
		} else if (d == 64) {             /* xxx= : two bytes, 2 unused bits */
			if ((c & 0xc0) || (c & 0x03))
				return false;
			uint32_t v = a << 18 | b << 12 | c << 6;
			out[o++] = (uint8_t)(v >> 16);
			out[o++] = (uint8_t)(v >> 8);
		} else {
			if ((c | d) & 0xc0)
				return false;
			uint32_t v = a << 18 | b << 12 | c << 6 | d;
			out[o++] = (uint8_t)(v >> 16);
			out[o++] = (uint8_t)(v >> 8);
			out[o++] = (uint8_t)v;
		}
	}
	*n = o;
	return true;
}
