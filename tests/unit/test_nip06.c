/* NIP-06: all 72 records of nip06.jsonl (9 mnemonic/passphrase sets x 8
 * paths): mnemonic valid, NFKD passphrase, seed, path string, BIP-32 key and
 * chain code, compressed and x-only public keys, nsec/npub. The NFC and NFD
 * spellings of a non-ASCII passphrase must both give the NFKD seed; the
 * unnormalized seed rust-nostr derives is reproduced to show the difference.
 * Then PROTOCOL.md §8.1's table, and path parsing. */
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sodium.h>

#include "bip32.h"
#include "bip39.h"
#include "hex.h"
#include "json.h"
#include "keyrec.h"
#include "nip06.h"
#include "nip19.h"
#include "t.h"

static int nfc_nfd_seen;

static void check_record(jv rec, int lineno, void *ctx)
{
	(void)ctx;
	const char *label = json_get_str(rec, "label", NULL);
	size_t mlen, plen;
	const char *mn = json_get_str(rec, "mnemonic", &mlen);
	const char *pass = json_get_str(rec, "passphrase", &plen);
	const char *path = json_get_str(rec, "path", NULL);
	jv jacc = json_get(rec, "account"), jchg = json_get(rec, "change"), jidx = json_get(rec, "index"),
	   jwc = json_get(rec, "word_count");
	uint32_t account = (uint32_t)jv_number_value(jacc), change = (uint32_t)jv_number_value(jchg),
		 index = (uint32_t)jv_number_value(jidx);
	int words = (int)jv_number_value(jwc);
	jv_free(jacc);
	jv_free(jchg);
	jv_free(jidx);
	jv_free(jwc);

	bip39_error be;
	t_eq_int(bip39_check(mn, mlen, NULL, NULL, &be), BIP39_OK, "%d %s: mnemonic valid", lineno, label);
	t_eq_int(be.words, words, "%d: word count", lineno);

	buf nfkd = BUF_INIT;
	t_eq_int(bip39_nfkd(pass, plen, &nfkd), BIP39_OK, "%d: passphrase normalizes", lineno);
	char nh[256] = "";
	if (nfkd.len < 120)
		hex_encode(nh, (const uint8_t *)nfkd.p, nfkd.len);
	t_eq_str(nh, json_get_str(rec, "passphrase_nfkd_utf8_hex", NULL), "%d: NFKD passphrase bytes", lineno);
	buf_wipe(&nfkd);

	uint8_t seed[64];
	t_eq_int(bip39_seed(mn, mlen, pass, plen, seed), BIP39_OK, "%d: seed computed", lineno);
	t_eq_hex(seed, 64, json_get_str(rec, "seed_hex", NULL), "%d %s: seed", lineno, label);
	if (strstr(label, "NFC input") || strstr(label, "NFD input"))
		nfc_nfd_seen++;

	/* what rust-nostr does: PBKDF2 over the passphrase bytes as given */
	jv rust = json_get(rec, "rust_nostr_unnormalized_passphrase");
	if (jv_get_kind(rust) == JV_KIND_OBJECT) {
		uint8_t salt[128], raw[64];
		memcpy(salt, "mnemonic", 8);
		memcpy(salt + 8, pass, plen);
		pbkdf2_hmac_sha512((const uint8_t *)mn, mlen, salt, 8 + plen, 2048, raw, 64);
		t_eq_hex(raw, 64, json_get_str(rust, "seed_hex", NULL), "%d: unnormalized seed = rust-nostr's", lineno);
		t_ok(memcmp(raw, seed, 64) != 0, "%d: and differs from the NFKD seed", lineno);
	}
	jv_free(rust);

	char fmt[NIP06_PATH_MAX];
	nip06_path_format(fmt, account, index);
	t_eq_int(change, 0, "%d: change is 0", lineno);
	t_eq_str(fmt, path, "%d: path string", lineno);
	uint32_t pa = 99, pi = 99;
	t_ok(nip06_path_parse(path, &pa, &pi) && pa == account && pi == index, "%d: path parses back", lineno);

	/* generic BIP-32 along the parsed path */
	uint32_t p[8];
	size_t depth = 0;
	bip32_key master, k;
	t_ok(bip32_path_parse(path, p, 8, &depth) && depth == 5, "%d: bip32 path parses", lineno);
	t_ok(bip32_master(&master, seed, 64) && bip32_derive(&k, &master, p, depth), "%d: derives", lineno);
	t_eq_hex(k.key, 32, json_get_str(rec, "private_key_hex", NULL), "%d %s: private key", lineno, path);
	t_eq_hex(k.chain, 32, json_get_str(rec, "chain_code_hex", NULL), "%d: chain code", lineno);
	uint8_t comp[33];
	bip32_pubkey_compressed(&k, comp);
	t_eq_hex(comp, 33, json_get_str(rec, "public_key_compressed_hex", NULL), "%d: compressed public key", lineno);
	bip32_wipe(&master);
	bip32_wipe(&k);

	/* NIP-06 API */
	mu_key key;
	t_ok(nip06_key(seed, 64, account, index, &key), "%d: nip06_key", lineno);
	t_eq_hex(key.sk, 32, json_get_str(rec, "private_key_hex", NULL), "%d: nip06 secret", lineno);
	t_eq_hex(key.pk, 32, json_get_str(rec, "public_key_hex", NULL), "%d: x-only public key", lineno);
	buf b = BUF_INIT;
	nip19_encode_bytes32(&b, NIP19_NSEC, key.sk);
	t_eq_str(b.p, json_get_str(rec, "nsec", NULL), "%d: nsec", lineno);
	buf_wipe(&b);
	nip19_encode_bytes32(&b, NIP19_NPUB, key.pk);
	t_eq_str(b.p, json_get_str(rec, "npub", NULL), "%d: npub", lineno);
	buf_free(&b);
	key_wipe(&key);
	sodium_memzero(seed, sizeof seed);
}

/* PROTOCOL.md §8.1: the NIP-06 mnemonic, empty passphrase, Mostro account. */
static void test_protocol_table(void)
{
	static const char *const mn =
		"leader monkey parrot ring guide accident before fence cannon height naive bean";
	static const struct { uint32_t index; const char *sk, *pk; } rows[] = {
		{0, "df5ba9d72ec62e9d39a095f1b86936fe10abfc7d56700caa1652a463a40d19b1",
		    "b4bf6548df043786641d4b63e748eda4b55fce21beae991512d23487c7bd8950"},
		{1, "977b9da8056e6a83a991cb31ac507b0a618fbbee355e36e107e0e348686ab833",
		    "1c71f0a29c9d14198781f36897c6d6c08e2c4f905ba69fc5f8e67d375d705a8a"},
		{2, "03c78114b80a2db782bb86be47c8062388d78a0585dfa79b8594e105740758c3",
		    "5011d0e7a57ae27627ab76962537072c6809ef3b9e24c2e3db4e672c61624eef"},
	};
	uint8_t seed[64];
	nip06_account acc;
	t_eq_int(bip39_seed(mn, strlen(mn), NULL, 0, seed), BIP39_OK, "§8.1 seed");
	t_ok(nip06_account_init(&acc, seed, 64, NIP06_MOSTRO_ACCOUNT), "§8.1 account 38383");
	for (size_t i = 0; i < sizeof rows / sizeof *rows; i++) {
		mu_key k;
		t_ok(nip06_account_key(&acc, rows[i].index, &k), "§8.1 index %u derives", rows[i].index);
		t_eq_hex(k.sk, 32, rows[i].sk, "§8.1 index %u secret", rows[i].index);
		t_eq_hex(k.pk, 32, rows[i].pk, "§8.1 index %u public key", rows[i].index);
		key_wipe(&k);
	}
	mu_key k;
	t_ok(!nip06_account_key(&acc, NIP06_INDEX_MAX + 1, &k), "index 2^31 refused (would be hardened)");
	t_ok(nip06_account_key(&acc, NIP06_INDEX_MAX, &k), "index 2^31-1 derives");
	key_wipe(&k);
	nip06_account_wipe(&acc);
	t_ok(!nip06_account_init(&acc, seed, 64, NIP06_INDEX_MAX + 1), "account 2^31 refused");
	sodium_memzero(seed, sizeof seed);
}

static void test_paths(void)
{
	static const struct { const char *s; bool ok; uint32_t account, index; } cases[] = {
		{"m/44'/1237'/38383'/0/0", true, 38383, 0},
		{"m/44h/1237h/7H/0/12", true, 7, 12},
		{"m/44'/1237'/2147483647'/0/2147483647", true, 2147483647u, 2147483647u},
		{"m/44'/1237'/2147483648'/0/0", false, 0, 0},
		{"m/44'/1237'/0'/0/2147483648", false, 0, 0},
		{"m/44'/1237'/0'/0", false, 0, 0},
		{"m/44'/1237'/0'/0/0/0", false, 0, 0},
		{"m/44/1237'/0'/0/0", false, 0, 0},
		{"m/44'/0'/0'/0/0", false, 0, 0},
		{"m/44'/1237'/0/0/0", false, 0, 0},
		{"m/44'/1237'/0'/1/0", false, 0, 0},
		{"m/44'/1237'/0'/0/0'", false, 0, 0},
		{"m/44'/1237'/01'/0/0", false, 0, 0},
		{"m/44'/1237'/0'/0/", false, 0, 0},
		{"m/44'/1237'/0'/0/x", false, 0, 0},
		{"m/44'/1237'/0'//0", false, 0, 0},
		{"M/44'/1237'/0'/0/0", false, 0, 0},
		{"44'/1237'/0'/0/0", false, 0, 0},
		{"", false, 0, 0},
	};
	for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
		uint32_t a = 0, x = 0;
		bool ok = nip06_path_parse(cases[i].s, &a, &x);
		t_ok(ok == cases[i].ok && (!ok || (a == cases[i].account && x == cases[i].index)),
		     "path \"%s\" %s", cases[i].s, cases[i].ok ? "parses" : "refused");
	}
	uint32_t p[4] = {44 | BIP32_HARDENED, 5, 0, 0x7fffffff};
	buf b = BUF_INIT;
	bip32_path_format(&b, p, 4);
	t_eq_str(b.p, "m/44'/5/0/2147483647", "bip32 path format");
	buf_reset(&b);
	bip32_path_format(&b, p, 0);
	t_eq_str(b.p, "m", "bip32 empty path is m");
	size_t depth = 9;
	t_ok(bip32_path_parse("m", p, 4, &depth) && depth == 0, "\"m\" parses to depth 0");
	t_ok(!bip32_path_parse("m/1/2/3/4/5", p, 4, &depth), "path deeper than the array refused");
	buf_free(&b);
}

static void test_ranges(void)
{
	static const struct { const char *s; bool ok; uint32_t a, b; } cases[] = {
		{"0", true, 0, 0}, {"7", true, 7, 7}, {"1-20", true, 1, 20}, {"5-5", true, 5, 5},
		{"2147483647", true, 2147483647u, 2147483647u}, {"0-2147483647", true, 0, 2147483647u},
		{"2147483648", false, 0, 0}, {"20-1", false, 0, 0}, {"-1", false, 0, 0}, {"1-", false, 0, 0},
		{"01", false, 0, 0}, {"1-02", false, 0, 0}, {"", false, 0, 0}, {"x", false, 0, 0},
		{"1-2-3", false, 0, 0}, {"+1", false, 0, 0}, {" 1", false, 0, 0}, {"1 ", false, 0, 0},
	};
	for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
		uint32_t a = 99, b = 99;
		bool ok = nip06_index_range_parse(cases[i].s, &a, &b);
		t_ok(ok == cases[i].ok && (!ok || (a == cases[i].a && b == cases[i].b)),
		     "range \"%s\" %s", cases[i].s, cases[i].ok ? "parses" : "refused");
	}
}

/* The records mostro-key prints, byte for byte (PROTOCOL.md §8.1 index 1). */
static void test_keyrec(void)
{
	uint8_t sk[32];
	mu_key k;
	hex_decode(sk, 32, "977b9da8056e6a83a991cb31ac507b0a618fbbee355e36e107e0e348686ab833", 64, true);
	key_from_secret(&k, sk);
	buf b = BUF_INIT;
	keyrec_write_derived(&b, &k, 38383, 1, false);
	t_eq_str(b.p, "{\"type\":\"key\",\"index\":1,\"path\":\"m/44'/1237'/38383'/0/1\","
		      "\"pubkey\":\"1c71f0a29c9d14198781f36897c6d6c08e2c4f905ba69fc5f8e67d375d705a8a\","
		      "\"npub\":\"npub1r3clpg5un52pnpup7d5f03kkcz8zcnustwnfl30cue7nwhtst29qzrdazn\"}",
		 "keyrec derived record");
	jv v = json_parse(b.p, b.len, 0, NULL);
	t_ok(jv_get_kind(v) == JV_KIND_OBJECT, "keyrec record is valid JSON");
	jv_free(v);
	buf_reset(&b);
	keyrec_write(&b, &k, true);
	t_eq_str(b.p, "{\"type\":\"key\","
		      "\"pubkey\":\"1c71f0a29c9d14198781f36897c6d6c08e2c4f905ba69fc5f8e67d375d705a8a\","
		      "\"npub\":\"npub1r3clpg5un52pnpup7d5f03kkcz8zcnustwnfl30cue7nwhtst29qzrdazn\","
		      "\"secret\":\"977b9da8056e6a83a991cb31ac507b0a618fbbee355e36e107e0e348686ab833\","
		      "\"nsec\":\"nsec1jaaem2q9de4g82v3evc6c5rmpfsclwlwx40rdcg8ur35s6r2hqesuqu8pf\"}",
		 "keyrec record with secret");
	buf_wipe(&b);
	key_wipe(&k);
}

static double cpu_seconds(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* The account keeps its node's public key, so a child costs one HMAC and the
 * child's own public key: the keys must be those of the generic derivation
 * from the master, whatever the index. The figures are printed, not judged
 * (a loaded machine would make a bound flaky). */
static void test_account_cache(void)
{
	static const char *const mn =
		"leader monkey parrot ring guide accident before fence cannon height naive bean";
	uint8_t seed[64], pub[33];
	t_eq_int(bip39_seed(mn, strlen(mn), "x", 1, seed), BIP39_OK, "cache: seed");
	nip06_account acc;
	t_ok(nip06_account_init(&acc, seed, 64, 7), "cache: account 7");
	bip32_pubkey_compressed(&acc.node, pub);
	t_ok(memcmp(pub, acc.node_pub, 33) == 0, "cache: the node's public key is kept");
	bip32_key master;
	t_ok(bip32_master(&master, seed, 64), "cache: master");
	static const uint32_t idx[] = {0, 1, 2, 3, 17, 255, 256, 65535, 1000000, NIP06_INDEX_MAX};
	for (size_t i = 0; i < sizeof idx / sizeof *idx; i++) {
		const uint32_t path[5] = {44 | BIP32_HARDENED, NIP06_COIN_TYPE | BIP32_HARDENED, 7 | BIP32_HARDENED, 0,
					  idx[i]};
		bip32_key want;
		mu_key got;
		t_ok(bip32_derive(&want, &master, path, 5) && nip06_account_key(&acc, idx[i], &got) &&
		     memcmp(want.key, got.sk, 32) == 0, "cache: index %u = generic derivation", idx[i]);
		bip32_wipe(&want);
		key_wipe(&got);
	}
	/* bip32_ckd_priv_pub: the same child as bip32_ckd_priv, in place too;
	 * a hardened step ignores the public key given */
	bip32_key a, b;
	uint8_t junk[33];
	memset(junk, 0xa5, sizeof junk);
	t_ok(bip32_ckd_priv(&a, &acc.node, 9) && (b = acc.node, bip32_ckd_priv_pub(&b, &b, acc.node_pub, 9)) &&
	     memcmp(&a, &b, sizeof a) == 0, "ckd_priv_pub: normal child, parent aliased");
	t_ok(bip32_ckd_priv(&a, &acc.node, 9 | BIP32_HARDENED) &&
	     bip32_ckd_priv_pub(&b, &acc.node, junk, 9 | BIP32_HARDENED) && memcmp(&a, &b, sizeof a) == 0,
	     "ckd_priv_pub: hardened child ignores the public key");
	bip32_wipe(&a);
	bip32_wipe(&b);
	bip32_wipe(&master);

	enum { N = 2000 };
	unsigned x = 0;
	double t0 = cpu_seconds();
	for (uint32_t i = 1; i <= N; i++) {
		mu_key k;
		if (nip06_account_key(&acc, i, &k))
			x ^= k.pk[0];
		key_wipe(&k);
	}
	double t1 = cpu_seconds();
	for (uint32_t i = 1; i <= N; i++) {
		mu_key k;
		if (key_from_secret(&k, seed + (i & 31)))
			x ^= k.pk[0];
		key_wipe(&k);
	}
	double t2 = cpu_seconds();
	t_diag("%d children of one account: %.1f us each; a public key alone (key_from_secret): %.1f us; "
	       "ratio %.2f (%u)", N, (t1 - t0) / N * 1e6, (t2 - t1) / N * 1e6, (t1 - t0) / (t2 - t1), x & 1);
	nip06_account_wipe(&acc);
	sodium_memzero(seed, sizeof seed);
}

int main(void)
{
	int n = t_jsonl("nip06.jsonl", check_record, NULL);
	t_eq_int(n, 72, "nip06.jsonl has 72 records");
	t_eq_int(nfc_nfd_seen, 16, "NFC and NFD passphrase sets both covered (8 paths each)");
	test_protocol_table();
	test_paths();
	test_ranges();
	test_keyrec();
	test_account_cache();
	return t_done();
}
