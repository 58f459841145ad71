/* BIP-39: the word list, entropy <-> mnemonic, validation errors, NFKD, seed.
 *
 * bip39-english.jsonl: the 24 entropies of the BIP-39 reference table (trezor
 * python-mnemonic vectors.json: 12/18/24 words), with mnemonic and seed
 * (passphrase "TREZOR") computed by Debian's python3-mnemonic 0.19. Its first
 * seed equals nip06.jsonl's "abandon...about with passphrase TREZOR" record,
 * which @scure/bip39 cross-checked. */
#include <stdlib.h>
#include <string.h>

#include "bip39.h"
#include "hex.h"
#include "json.h"
#include "sha256.h"
#include "t.h"

static void test_wordlist(void)
{
	sha256_ctx c;
	uint8_t h[32];
	sha256_init(&c);
	bool sorted = true;
	for (int i = 0; i < BIP39_WORDS; i++) {
		sha256_update(&c, bip39_english[i], strlen(bip39_english[i]));
		sha256_update(&c, "\n", 1);
		if (i && strcmp(bip39_english[i - 1], bip39_english[i]) >= 0)
			sorted = false;
	}
	sha256_final(&c, h);
	t_eq_hex(h, 32, "2f5eed53a4727b4bf8880d8f3f199efc90e58503646d9ff8eff3a2ed3b24dbda",
		 "word list hashes to BIP-39's english.txt");
	t_ok(sorted, "word list is strictly sorted (binary search)");
	t_eq_int(bip39_word_index("abandon", 7), 0, "abandon is word 0");
	t_eq_int(bip39_word_index("zoo", 3), 2047, "zoo is word 2047");
	t_eq_int(bip39_word_index("abando", 6), -1, "a prefix is not a word");
	t_eq_int(bip39_word_index("abandons", 8), -1, "a longer word is not a word");
	t_eq_int(bip39_word_index("Abandon", 7), -1, "words are lowercase");
	t_eq_int(bip39_word_index("", 0), -1, "empty is not a word");
}

static void reference(jv rec, int lineno, void *ctx)
{
	(void)ctx;
	const char *ent_hex = json_get_str(rec, "entropy_hex", NULL);
	const char *mn = json_get_str(rec, "mnemonic", NULL);
	const char *pass = json_get_str(rec, "passphrase", NULL);
	uint8_t ent[32], back[32], seed[64];
	size_t n = strlen(ent_hex) / 2, bn = 0;
	hex_decode(ent, n, ent_hex, 2 * n, true);
	buf out = BUF_INIT;
	t_eq_int(bip39_from_entropy(ent, n, &out), BIP39_OK, "line %d: %zu-byte entropy encodes", lineno, n);
	t_eq_str(out.p, mn, "line %d: mnemonic", lineno);
	buf_wipe(&out);
	t_eq_int(bip39_check(mn, strlen(mn), back, &bn, NULL), BIP39_OK, "line %d: mnemonic checks", lineno);
	t_ok(bn == n && memcmp(back, ent, n) == 0, "line %d: entropy recovered", lineno);
	t_eq_int(bip39_seed(mn, strlen(mn), pass, strlen(pass), seed), BIP39_OK, "line %d: seed", lineno);
	t_eq_hex(seed, 64, json_get_str(rec, "seed_hex", NULL), "line %d: seed bytes", lineno);
}

static const char *const ABOUT =
	"abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon about";

static void expect_error(const char *m, bip39_err want, int position, int words, const char *what)
{
	bip39_error e;
	char msg[160];
	bip39_err got = bip39_check(m, strlen(m), NULL, NULL, &e);
	bip39_describe(&e, msg, sizeof msg);
	t_eq_int(got, want, "%s: %s", what, msg);
	t_eq_int(e.position, position, "%s: position", what);
	t_eq_int(e.words, words, "%s: word count", what);
	t_ok(e.code != BIP39_ERR_UNKNOWN_WORD || strstr(msg, "word ") != NULL, "%s: message names the position", what);
}

static void test_check_errors(void)
{
	expect_error(ABOUT, BIP39_OK, 0, 12, "valid 12 words");
	expect_error("  abandon abandon\tabandon abandon abandon abandon\nabandon abandon abandon abandon abandon about \n",
		     BIP39_OK, 0, 12, "any whitespace between words");
	expect_error("abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon about",
		     BIP39_ERR_WORD_COUNT, 0, 11, "11 words");
	expect_error("abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon about",
		     BIP39_ERR_WORD_COUNT, 0, 13, "13 words");
	expect_error("", BIP39_ERR_WORD_COUNT, 0, 0, "empty");
	expect_error("abandon abandon abandon abandon abandn abandon abandon abandon abandon abandon abandon about",
		     BIP39_ERR_UNKNOWN_WORD, 5, 12, "typo in word 5");
	expect_error("Abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon about",
		     BIP39_ERR_UNKNOWN_WORD, 1, 12, "capitalized word 1");
	expect_error("abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon",
		     BIP39_ERR_CHECKSUM, 0, 12, "bad checksum");
	expect_error("about abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon",
		     BIP39_ERR_CHECKSUM, 0, 12, "words out of order");
	expect_error("zoo zoo zoo zoo zoo zoo zoo zoo zoo zoo zoo zoo zoo zoo zoo zoo zoo zoo zoo zoo zoo zoo zoo zoo",
		     BIP39_ERR_CHECKSUM, 0, 24, "24 words, bad checksum");
	/* the last word's checksum bits: "abandon x11 about" differs from "...able" only there */
	expect_error("abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon able",
		     BIP39_ERR_CHECKSUM, 0, 12, "checksum bits of the last word");
}

static void test_generate(void)
{
	static const int counts[] = {12, 15, 18, 21, 24};
	for (size_t i = 0; i < sizeof counts / sizeof *counts; i++) {
		buf a = BUF_INIT, b = BUF_INIT;
		bip39_error e;
		t_eq_int(bip39_generate(counts[i], &a), BIP39_OK, "generate %d words", counts[i]);
		t_eq_int(bip39_check(a.p, a.len, NULL, NULL, &e), BIP39_OK, "generated %d words check", counts[i]);
		t_eq_int(e.words, counts[i], "generated %d words: count", counts[i]);
		bip39_generate(counts[i], &b);
		t_ok(strcmp(a.p, b.p) != 0, "two generated %d-word mnemonics differ", counts[i]);
		buf_wipe(&a);
		buf_wipe(&b);
	}
	buf c = BUF_INIT;
	t_eq_int(bip39_generate(13, &c), BIP39_ERR_WORD_COUNT, "13 words cannot be generated");
	t_eq_int(bip39_generate(0, &c), BIP39_ERR_WORD_COUNT, "0 words cannot be generated");
	uint8_t ent[17] = {0};
	t_eq_int(bip39_from_entropy(ent, 17, &c), BIP39_ERR_ENTROPY, "17 bytes of entropy refused");
	t_eq_int(bip39_from_entropy(ent, 12, &c), BIP39_ERR_ENTROPY, "12 bytes of entropy refused");
	t_eq_int((long long)c.len, 0, "nothing written on error");
	buf_wipe(&c);
}

static void test_nfkd(void)
{
	/* "ñ" precomposed (NFC) and decomposed (NFD) both become n + U+0303;
	 * NFKD also folds compatibility forms: "ﬁ" (U+FB01) -> "fi", "①" -> "1". */
	static const struct { const char *in, *want_hex, *what; } cases[] = {
		{"\xc3\xb1", "6ecc83", "NFC n-tilde"},
		{"n\xcc\x83", "6ecc83", "NFD n-tilde"},
		{"\xef\xac\x81", "6669", "ligature fi"},
		{"\xe2\x91\xa0", "31", "circled one"},
		{"TREZOR", "5452455a4f52", "ASCII unchanged"},
	};
	for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
		buf out = BUF_INIT;
		t_eq_int(bip39_nfkd(cases[i].in, strlen(cases[i].in), &out), BIP39_OK, "nfkd %s", cases[i].what);
		char hex[64] = "";
		hex_encode(hex, (const uint8_t *)out.p, out.len);
		t_eq_str(hex, cases[i].want_hex, "nfkd %s bytes", cases[i].what);
		buf_wipe(&out);
	}
	buf out = BUF_INIT;
	t_eq_int(bip39_nfkd("\xff", 1, &out), BIP39_ERR_UTF8, "invalid UTF-8 refused");
	uint8_t seed[64];
	t_eq_int(bip39_seed(ABOUT, strlen(ABOUT), "\xc3", 1, seed), BIP39_ERR_UTF8, "seed: invalid UTF-8 passphrase refused");
	buf_wipe(&out);
}

static void test_pbkdf2(void)
{
	/* PBKDF2-HMAC-SHA512, password "password", salt "salt" (the RFC 6070
	 * inputs; the SHA-512 outputs are the widely published ones). Also a
	 * 100-byte output to exercise the second block. */
	uint8_t out[100];
	pbkdf2_hmac_sha512((const uint8_t *)"password", 8, (const uint8_t *)"salt", 4, 1, out, 64);
	t_eq_hex(out, 64, "867f70cf1ade02cff3752599a3a53dc4af34c7a669815ae5d513554e1c8cf252"
			  "c02d470a285a0501bad999bfe943c08f050235d7d68b1da55e63f73b60a57fce",
		 "pbkdf2-sha512 c=1");
	pbkdf2_hmac_sha512((const uint8_t *)"password", 8, (const uint8_t *)"salt", 4, 2, out, 64);
	t_eq_hex(out, 64, "e1d9c16aa681708a45f5c7c4e215ceb66e011a2e9f0040713f18aefdb866d53c"
			  "f76cab2868a39b9f7840edce4fef5a82be67335c77a6068e04112754f27ccf4e",
		 "pbkdf2-sha512 c=2");
	uint8_t first[64];
	memcpy(first, out, 64);
	pbkdf2_hmac_sha512((const uint8_t *)"password", 8, (const uint8_t *)"salt", 4, 2, out, 100);
	t_ok(memcmp(out, first, 64) == 0, "pbkdf2: a longer output starts with block 1");
}

int main(void)
{
	test_wordlist();
	int n = t_jsonl("bip39-english.jsonl", reference, NULL);
	t_eq_int(n, 24, "bip39-english.jsonl has 24 records");
	test_check_errors();
	test_generate();
	test_nfkd();
	test_pbkdf2();
	return t_done();
}
