/* base64_decode: same verdicts and bytes as libsodium's strict decoder
 * (sodium_base642bin, ORIGINAL variant, no ignored characters) on a table of
 * edge cases and on random inputs and random corruptions. */
#include <stdio.h>
#include <string.h>
#include <sodium.h>

#include "base64.h"
#include "t.h"

static bool sodium_ok(const char *s, size_t n, uint8_t *out, size_t cap, size_t *len)
{
	return sodium_base642bin(out, cap, s, n, NULL, len, NULL, sodium_base64_VARIANT_ORIGINAL) == 0;
}

static void same(const char *s, size_t n, const char *what)
{
	uint8_t a[256], b[256];
	size_t la = 0, lb = 0;
	bool oa = base64_decode(a, sizeof a, s, n, &la);
	bool ob = sodium_ok(s, n, b, sizeof b, &lb);
	char shown[48];
	size_t k = 0;
	for (size_t i = 0; i < n && k < 40; i++)
		shown[k++] = s[i] == '\n' ? '~' : s[i];     /* keep the TAP line on one line */
	shown[k] = 0;
	t_ok(oa == ob && (!oa || (la == lb && memcmp(a, b, la) == 0)), "%s: \"%s\" -> %s (sodium %s)",
	     what, shown, oa ? "ok" : "refused", ob ? "ok" : "refused");
}

int main(void)
{
	if (sodium_init() < 0)
		return 1;
	static const char *const table[] = {
		"", "Zg==", "Zm8=", "Zm9v", "Zm9vYg==", "Zm9vYmE=", "Zm9vYmFy", "AAAA", "////", "++++",
		"Zh==", "Zm9=", "Zg=", "Zg", "Z===", "====", "Zg==Zg==", "Z=g=", "Zm9v\n", " Zm9v", "Zm 9v",
		"Zm9v-_==", "Zm9v=", "Zm9vYmFy=", "AB==", "AQ==", "AAB=", "AAC=",
	};
	for (size_t i = 0; i < sizeof table / sizeof *table; i++)
		same(table[i], strlen(table[i]), "table");
	/* random round trips and random single-character corruptions */
	int agree = 0, total = 0;
	for (int r = 0; r < 3000; r++) {
		uint8_t raw[150], a[256], b[256];
		char enc[256];
		size_t n = randombytes_uniform(sizeof raw);
		randombytes_buf(raw, n);
		sodium_bin2base64(enc, sizeof enc, raw, n, sodium_base64_VARIANT_ORIGINAL);
		size_t el = strlen(enc);
		if (el && r % 2) {
			static const char alphabet[] = "ABCXYZabcxyz0189+/=-_ \n.";
			enc[randombytes_uniform((uint32_t)el)] = alphabet[randombytes_uniform(sizeof alphabet - 1)];
		}
		size_t la = 0, lb = 0;
		bool oa = base64_decode(a, sizeof a, enc, el, &la);
		bool ob = sodium_ok(enc, el, b, sizeof b, &lb);
		total++;
		if (oa == ob && (!oa || (la == lb && memcmp(a, b, la) == 0)))
			agree++;
		else
			t_diag("disagree on \"%s\": ours %d sodium %d", enc, oa, ob);
	}
	t_eq_int(agree, total, "random inputs and corruptions: same verdict and bytes as sodium");
	uint8_t small[2];
	size_t n;
	t_ok(!base64_decode(small, sizeof small, "Zm9v", 4, &n), "output capacity is checked");
	return t_done();
}
