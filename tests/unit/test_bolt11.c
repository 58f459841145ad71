/* BOLT11: every record of bolt11.jsonl, the encoder, and hand-built cases.
 *
 * vectors:  valid -> decodes and every decoded field of the record equals ours
 *           (payee, signature, recovery id, high_s and signing hash included);
 *           invalid -> refused with the recorded reason code.
 * encoder:  the spec key reproduces the spec's signatures where the field
 *           order is ours; every valid vector re-encodes with the sim key and
 *           decodes to the same fields; a table of field combinations round
 *           trips and the signature recovers the signing key.
 * cases:    signed invoices built field by field that break one rule each. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <secp256k1.h>
#include <secp256k1_recovery.h>

#include "bech32.h"
#include "bolt11.h"
#include "hex.h"
#include "json.h"
#include "keys.h"
#include "sha256.h"
#include "t.h"

/* BOLT 11's example key (payee 03e7156a...) and a sim-style key. */
static const char *SPEC_SK = "e126f68f7eafcc8b74f54d269fe206be715000f94dac067d1c04a8ca3b2db734";
static uint8_t spec_sk[32], sim_sk[32];

/* Compressed public key of sk (aborts the run on a bad key: test data bug). */
static void pubkey_of(const uint8_t sk[32], uint8_t out[33])
{
	secp256k1_pubkey p;
	size_t pl = 33;
	if (!secp256k1_ec_pubkey_create(secp(), &p, sk))
		abort();
	secp256k1_ec_pubkey_serialize(secp(), out, &pl, &p, SECP256K1_EC_COMPRESSED);
}

static const char *meta_keys[] = {
	"source", "title", "spec_section", "valid", "error", "reason", "invoice", "notes", "also_fails",
};

static bool is_meta(const char *k)
{
	for (size_t i = 0; i < sizeof meta_keys / sizeof *meta_keys; i++)
		if (strcmp(meta_keys[i], k) == 0)
			return true;
	return false;
}

/* Every non-meta key of want must be in got with an equal value. */
static void compare_fields(jv got, jv want, const char *what, const char **skip, int min)
{
	int checked = 0, bad = 0;
	jv_object_foreach(want, key, val) {
		const char *k = jv_string_value(key);
		bool skipped = is_meta(k);
		for (size_t i = 0; skip && skip[i]; i++)
			skipped |= strcmp(skip[i], k) == 0;
		if (!skipped) {
			jv g = json_get(got, k);
			checked++;
			if (!jv_equal(jv_copy(g), jv_copy(val))) {
				char *gs = json_dumps(g), *ws = json_dumps(val);
				t_diag("%s: field %s: got %s want %s", what, k, gs, ws);
				free(gs);
				free(ws);
				bad++;
			}
			jv_free(g);
		}
		jv_free(key);
		jv_free(val);
	}
	t_ok(bad == 0 && checked >= min, "%s: %d decoded fields equal", what, checked);
}

static const char *roundtrip_skip[] = {
	"payee_pubkey", "signature", "recovery_id", "high_s", "signing_hash",
	"unknown_fields", "skipped_fields", NULL,
};

/* Decode -> encode with the sim key -> decode: same fields; payee = sim key. */
static void reencode(const bolt11_invoice *src, jv want, const char *what)
{
	bolt11_invoice inv = *src, back;
	buf out = BUF_INIT;
	/* the copy shares heap parts with src: encode only reads them */
	bolt11_err e = bolt11_encode(&out, &inv, sim_sk);
	t_ok(e == BOLT11_OK, "%s: re-encodes (%s)", what, bolt11_reason(e));
	if (e == BOLT11_OK) {
		e = bolt11_decode(&back, out.p, out.len, 0, NULL, 0);
		t_ok(e == BOLT11_OK, "%s: re-encoded invoice decodes (%s)", what, bolt11_reason(e));
		jv got = bolt11_to_jv(&back);
		compare_fields(got, want, what, roundtrip_skip, 17);
		jv_free(got);
		uint8_t pk[33];
		pubkey_of(sim_sk, pk);
		t_ok(memcmp(back.payee_pubkey, pk, 33) == 0, "%s: signature recovers the sim key", what);
		bolt11_free(&back);
	}
	buf_free(&out);
}

/* The vector record itself as encoder input (bolt11_from_jv): signing it
 * with the spec key gives an invoice with the same fields and payee (high_s
 * included: our signatures are low-S, as the vectors' are but one). */
static void from_record(jv rec, const char *what)
{
	bolt11_invoice inv, back;
	char detail[160];
	bolt11_err e = bolt11_from_jv(&inv, rec, 0, detail, sizeof detail);
	t_ok(e == BOLT11_OK, "%s: bolt11_from_jv(record) (%s)", what, detail);
	buf out = BUF_INIT;
	/* the spec key is the payee of every vector but the high-S one */
	bool spec_payee = !jv_equal(json_get(rec, "high_s"), jv_true());
	if (e == BOLT11_OK && spec_payee) {
		e = bolt11_encode(&out, &inv, spec_sk);
		if (e == BOLT11_OK)
			e = bolt11_decode(&back, out.p, out.len, 0, NULL, 0);
		t_ok(e == BOLT11_OK, "%s: record -> encode -> decode (%s)", what, bolt11_reason(e));
		if (e == BOLT11_OK) {
			static const char *skip[] = {"signature", "recovery_id", "signing_hash",
						     "unknown_fields", "skipped_fields", NULL};
			jv got = bolt11_to_jv(&back);
			compare_fields(got, rec, what, skip, 19);
			jv_free(got);
			bolt11_free(&back);
		}
	}
	buf_free(&out);
	bolt11_free(&inv);
}

/* Vectors whose fields are in our encoder's order (s p d|h x c f r n 9 m):
 * signing with the spec key must reproduce them exactly (RFC 6979). */
static int reproduced;

static void check_vector(jv rec, int lineno, void *ctx)
{
	(void)ctx;
	const char *title = json_get_str(rec, "title", NULL);
	size_t ilen;
	const char *invoice = json_get_str(rec, "invoice", &ilen);
	jv valid = json_get(rec, "valid");
	char what[96], detail[160];
	snprintf(what, sizeof what, "vector %d (%.50s", lineno, title);
	size_t wl = strlen(what);                  /* do not cut a UTF-8 sequence */
	while (wl > 0 && ((unsigned char)what[wl - 1] & 0xc0) == 0x80)
		wl--;
	if (wl > 0 && (unsigned char)what[wl - 1] >= 0xc0)
		wl--;
	snprintf(what + wl, sizeof what - wl, ")");
	bolt11_invoice inv;
	bolt11_err e = bolt11_decode(&inv, invoice, ilen, 0, detail, sizeof detail);
	if (jv_get_kind(valid) == JV_KIND_TRUE) {
		t_ok(e == BOLT11_OK, "%s: decodes (%s: %s)", what, bolt11_reason(e), detail);
		jv got = bolt11_to_jv(&inv);
		compare_fields(got, rec, what, NULL, 24);
		jv_free(got);
		if (e == BOLT11_OK) {
			reencode(&inv, rec, what);
			from_record(rec, what);
			/* same fields, same key, deterministic nonce */
			bolt11_invoice again = inv;
			buf out = BUF_INIT;
			if (!inv.payee_pubkey_field && !inv.high_s && inv.n_unknown_fields == 0 &&
			    inv.n_skipped_fields == 0 && bolt11_encode(&out, &again, spec_sk) == BOLT11_OK) {
				char *lower = mu_xstrndup(invoice, ilen);
				for (char *p = lower; *p; p++)
					if (*p >= 'A' && *p <= 'Z')
						*p = (char)(*p - 'A' + 'a');
				if (strcmp(out.p, lower) == 0) {
					reproduced++;
					t_ok(true, "%s: encoder reproduces the spec string", what);
				}
				free(lower);
			}
			buf_free(&out);
		}
	} else {
		const char *want = json_get_str(rec, "error", NULL);
		t_eq_str(bolt11_reason(e), want, "%s: refused as %s (%s)", what, want, detail);
	}
	bolt11_free(&inv);
	jv_free(valid);
}

/* ---- signed invoices built group by group -------------------------------- */

typedef struct raw {
	char hrp[64];
	uint8_t g[4096];
	size_t n;
} raw;

static void raw_init(raw *r, const char *hrp, uint64_t ts)
{
	snprintf(r->hrp, sizeof r->hrp, "%s", hrp);
	r->n = 0;
	for (int i = 6; i >= 0; i--)
		r->g[r->n++] = (ts >> (5 * i)) & 31;
}

static void raw_field5(raw *r, unsigned type, const uint8_t *d5, size_t n5)
{
	r->g[r->n++] = (uint8_t)type;
	r->g[r->n++] = (uint8_t)(n5 >> 5);
	r->g[r->n++] = (uint8_t)(n5 & 31);
	memcpy(r->g + r->n, d5, n5);
	r->n += n5;
}

static void raw_bytes(raw *r, unsigned type, const uint8_t *b, size_t n)
{
	uint8_t d5[1100];
	raw_field5(r, type, d5, bech32_from_bytes(b, n, d5));
}

static const uint8_t H32[32] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16,
				17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31, 32};
static const uint8_t S32[32] = {0x11, 0x11, 0x11, 0x11, 0x11, 0x11, 0x11, 0x11, 0x11, 0x11, 0x11,
				0x11, 0x11, 0x11, 0x11, 0x11, 0x11, 0x11, 0x11, 0x11, 0x11, 0x11,
				0x11, 0x11, 0x11, 0x11, 0x11, 0x11, 0x11, 0x11, 0x11, 0x11};

/* p, s, d="x", 9 = {8, 14} */
static void raw_basic(raw *r)
{
	static const uint8_t feat[] = {16, 8, 0}; /* bits 14 and 8 */
	raw_bytes(r, 1, H32, 32);
	raw_bytes(r, 16, S32, 32);
	raw_bytes(r, 13, (const uint8_t *)"x", 1);
	raw_field5(r, 5, feat, 3);
}

/* Signs (or, with recid_override >= 0, forges the recovery id) and encodes. */
static void raw_finish(buf *out, const raw *r, int recid_override)
{
	uint8_t bytes[4096], h[32], sig[65];
	uint32_t acc = 0;
	int bits = 0;
	size_t nb = 0;
	for (size_t i = 0; i < r->n; i++) {
		acc = ((acc << 5) | r->g[i]) & 0xfff;
		bits += 5;
		if (bits >= 8) {
			bits -= 8;
			bytes[nb++] = (uint8_t)(acc >> bits);
		}
	}
	if (bits)
		bytes[nb++] = (uint8_t)(acc << (8 - bits));
	sha256_ctx c;
	sha256_init(&c);
	sha256_update(&c, r->hrp, strlen(r->hrp));
	sha256_update(&c, bytes, nb);
	sha256_final(&c, h);
	secp256k1_ecdsa_recoverable_signature rs;
	int recid;
	secp256k1_ecdsa_sign_recoverable(secp(), &rs, h, sim_sk, NULL, NULL);
	secp256k1_ecdsa_recoverable_signature_serialize_compact(secp(), sig, &recid, &rs);
	sig[64] = (uint8_t)(recid_override >= 0 ? recid_override : recid);
	uint8_t g[4200];
	memcpy(g, r->g, r->n);
	size_t n = r->n + bech32_from_bytes(sig, 65, g + r->n);
	bech32_encode(out, r->hrp, g, n);
}

static bolt11_err raw_decode(const raw *r, unsigned flags, bolt11_invoice *inv)
{
	buf b = BUF_INIT;
	raw_finish(&b, r, -1);
	bolt11_err e = bolt11_decode(inv, b.p, b.len, flags, NULL, 0);
	buf_free(&b);
	return e;
}

static void expect_raw(const raw *r, unsigned flags, bolt11_err want, const char *name)
{
	bolt11_invoice inv;
	bolt11_err e = raw_decode(r, flags, &inv);
	t_eq_str(bolt11_reason(e), bolt11_reason(want), "case %s", name);
	bolt11_free(&inv);
}

static void test_field_rules(void)
{
	raw r;
	bolt11_invoice inv;
	uint8_t d5[64];

	raw_init(&r, "lnbc", 1700000000);
	raw_basic(&r);
	t_ok(raw_decode(&r, 0, &inv) == BOLT11_OK && !inv.has_amount &&
	     inv.description_len == 1 && inv.timestamp == 1700000000, "case baseline decodes");
	bolt11_free(&inv);

	raw_init(&r, "lnbc", 1);
	raw_bytes(&r, 16, S32, 32);
	raw_bytes(&r, 13, (const uint8_t *)"x", 1);
	raw_field5(&r, 5, (const uint8_t[]){16, 8, 0}, 3);
	expect_raw(&r, 0, BOLT11_ERR_MISSING_PAYMENT_HASH, "no p");

	raw_init(&r, "lnbc", 1);
	raw_basic(&r);
	raw_bytes(&r, 1, S32, 32);
	expect_raw(&r, 0, BOLT11_ERR_MULTIPLE_PAYMENT_HASH, "two valid p");

	raw_init(&r, "lnbc", 1);
	raw_basic(&r);
	raw_bytes(&r, 16, H32, 32);
	expect_raw(&r, 0, BOLT11_ERR_MULTIPLE_PAYMENT_SECRET, "two valid s");

	raw_init(&r, "lnbc", 1);
	raw_bytes(&r, 1, H32, 32);
	raw_bytes(&r, 16, S32, 32);
	raw_field5(&r, 5, (const uint8_t[]){16, 8, 0}, 3);
	expect_raw(&r, 0, BOLT11_ERR_MISSING_DESCRIPTION, "neither d nor h");

	raw_init(&r, "lnbc", 1);
	raw_basic(&r);
	raw_bytes(&r, 23, H32, 32);
	expect_raw(&r, 0, BOLT11_ERR_MULTIPLE_DESCRIPTION, "d and h");

	raw_init(&r, "lnbc", 1);
	raw_basic(&r);
	raw_bytes(&r, 13, (const uint8_t *)"y", 1);
	expect_raw(&r, 0, BOLT11_ERR_MULTIPLE_DESCRIPTION, "two d");

	/* a wrong-length p next to a valid one is skipped, not a duplicate */
	raw_init(&r, "lnbc", 1);
	raw_basic(&r);
	memset(d5, 0, sizeof d5);
	raw_field5(&r, 1, d5, 51);
	t_ok(raw_decode(&r, 0, &inv) == BOLT11_OK && inv.n_skipped_fields == 1 &&
	     inv.skipped_fields[0].tag == 'p' && inv.skipped_fields[0].data_length == 51,
	     "case wrong-length p skipped and recorded");
	bolt11_free(&inv);

	raw_init(&r, "lnbc", 1);
	raw_bytes(&r, 1, H32, 32);
	raw_bytes(&r, 16, S32, 32);
	raw_bytes(&r, 13, (const uint8_t *)"x", 1);
	expect_raw(&r, 0, BOLT11_ERR_NO_SECRET_FEATURE, "no 9 field (default)");
	t_ok(raw_decode(&r, BOLT11_SPEC_FEATURES, &inv) == BOLT11_OK && inv.n_features == 0,
	     "case no 9 field accepted with BOLT11_SPEC_FEATURES");
	bolt11_free(&inv);

	raw_init(&r, "lnbc", 1);
	raw_bytes(&r, 1, H32, 32);
	raw_bytes(&r, 16, S32, 32);
	raw_bytes(&r, 13, (const uint8_t *)"x", 1);
	raw_field5(&r, 5, (const uint8_t[]){4, 0, 0, 0}, 4); /* bit 17 only */
	expect_raw(&r, BOLT11_SPEC_FEATURES, BOLT11_ERR_FEATURE_DEPENDENCY, "basic_mpp without payment_secret");

	/* feature 100 even (fatal), 101 odd (ignored) */
	{
		uint16_t bits[] = {100, 14, 8, 14};
		bolt11_invoice tmp;
		bolt11_invoice_init(&tmp);
		bolt11_set_features(&tmp, bits, 4);
		t_ok(tmp.n_features == 3 && tmp.features[0] == 8 && tmp.features[2] == 100,
		     "case features builder sorts and drops duplicates");
		bolt11_free(&tmp);
	}
	raw_init(&r, "lnbc", 1);
	raw_bytes(&r, 1, H32, 32);
	raw_bytes(&r, 16, S32, 32);
	raw_bytes(&r, 13, (const uint8_t *)"x", 1);
	memset(d5, 0, 21);
	d5[0] = 1;                        /* bit 100 */
	d5[20 - 14 / 5] |= 1 << (14 % 5); /* bit 14 */
	raw_field5(&r, 5, d5, 21);
	expect_raw(&r, 0, BOLT11_ERR_UNKNOWN_EVEN_FEATURE, "unknown even feature 100");
	d5[0] = 2;                        /* bit 101 instead */
	raw_init(&r, "lnbc", 1);
	raw_bytes(&r, 1, H32, 32);
	raw_bytes(&r, 16, S32, 32);
	raw_bytes(&r, 13, (const uint8_t *)"x", 1);
	raw_field5(&r, 5, d5, 21);
	t_ok(raw_decode(&r, 0, &inv) == BOLT11_OK && bolt11_has_feature(&inv, 101) &&
	     bolt11_has_feature(&inv, 14) && inv.n_features == 2, "case unknown odd feature 101 ignored");
	bolt11_free(&inv);

	/* non-minimal x: accepted by default (mostrod/LND), refused on request */
	raw_init(&r, "lnbc", 1);
	raw_basic(&r);
	raw_field5(&r, 6, (const uint8_t[]){0, 1, 28}, 3);
	t_ok(raw_decode(&r, 0, &inv) == BOLT11_OK && inv.expiry == 60 && inv.expiry_explicit,
	     "case non-minimal x read as 60");
	bolt11_free(&inv);
	expect_raw(&r, BOLT11_REJECT_NON_MINIMAL, BOLT11_ERR_FIELD_NOT_MINIMAL, "non-minimal x with the flag");

	/* two x fields: the first wins */
	raw_init(&r, "lnbc", 1);
	raw_basic(&r);
	raw_field5(&r, 6, (const uint8_t[]){1, 28}, 2);
	raw_field5(&r, 6, (const uint8_t[]){2}, 1);
	t_ok(raw_decode(&r, 0, &inv) == BOLT11_OK && inv.expiry == 60, "case duplicate x: first wins");
	bolt11_free(&inv);

	/* x beyond 64 bits */
	raw_init(&r, "lnbc", 1);
	raw_basic(&r);
	memset(d5, 31, 13);
	raw_field5(&r, 6, d5, 13);
	expect_raw(&r, 0, BOLT11_ERR_FIELD_OVERFLOW, "x of 65 bits");

	/* c = 0 via an empty field; c = 432 */
	raw_init(&r, "lnbc", 1);
	raw_basic(&r);
	raw_field5(&r, 24, d5, 0);
	t_ok(raw_decode(&r, 0, &inv) == BOLT11_OK && inv.min_final_cltv_expiry == 0 &&
	     inv.min_final_cltv_expiry_explicit, "case empty c field reads 0");
	bolt11_free(&inv);

	raw_init(&r, "lnbc", 1);
	raw_basic(&r);
	raw_bytes(&r, 13 + 0, (const uint8_t[]){0xff, 0xfe}, 2);
	expect_raw(&r, 0, BOLT11_ERR_DESCRIPTION_UTF8, "description with invalid UTF-8 (second d)");
	raw_init(&r, "lnbc", 1);
	raw_bytes(&r, 1, H32, 32);
	raw_bytes(&r, 16, S32, 32);
	raw_bytes(&r, 13, (const uint8_t *)"\xed\xa0\x80", 3); /* a surrogate */
	raw_field5(&r, 5, (const uint8_t[]){16, 8, 0}, 3);
	expect_raw(&r, 0, BOLT11_ERR_DESCRIPTION_UTF8, "description with a UTF-8 surrogate");
	raw_init(&r, "lnbc", 1);
	raw_bytes(&r, 1, H32, 32);
	raw_bytes(&r, 16, S32, 32);
	raw_bytes(&r, 13, (const uint8_t *)"a\0b", 3);
	raw_field5(&r, 5, (const uint8_t[]){16, 8, 0}, 3);
	t_ok(raw_decode(&r, 0, &inv) == BOLT11_OK && inv.description_len == 3 &&
	     memcmp(inv.description, "a\0b", 3) == 0, "case description with an embedded NUL kept whole");
	bolt11_free(&inv);

	/* route hints */
	raw_init(&r, "lnbc", 1);
	raw_basic(&r);
	uint8_t hop[52];
	memset(hop, 0, sizeof hop);
	raw_bytes(&r, 3, hop, 50);
	expect_raw(&r, 0, BOLT11_ERR_ROUTE_HINT, "r of 50 bytes");
	raw_init(&r, "lnbc", 1);
	raw_basic(&r);
	raw_bytes(&r, 3, hop, 51);
	expect_raw(&r, 0, BOLT11_ERR_ROUTE_HINT_PUBKEY, "r hop with an invalid node id");
	raw_init(&r, "lnbc", 1);
	raw_basic(&r);
	raw_field5(&r, 3, d5, 0);
	expect_raw(&r, 0, BOLT11_ERR_ROUTE_HINT, "empty r");

	/* fallbacks */
	raw_init(&r, "lnbc", 1);
	raw_basic(&r);
	raw_field5(&r, 9, (const uint8_t[]){17, 1, 2, 3}, 4);
	expect_raw(&r, 0, BOLT11_ERR_FALLBACK, "f version 17 with a 1-byte program");
	raw_init(&r, "lnbc", 1);
	raw_basic(&r);
	raw_field5(&r, 9, (const uint8_t[]){25, 1, 2, 3}, 4);
	t_ok(raw_decode(&r, 0, &inv) == BOLT11_OK && inv.n_fallbacks == 0 && inv.n_skipped_fields == 1 &&
	     inv.skipped_fields[0].version == 25, "case f version 25 skipped");
	bolt11_free(&inv);

	/* n field: matching, another key, not a point */
	uint8_t pk[33];
	pubkey_of(sim_sk, pk);
	raw_init(&r, "lnbc", 1);
	raw_basic(&r);
	raw_bytes(&r, 19, pk, 33);
	t_ok(raw_decode(&r, 0, &inv) == BOLT11_OK && inv.payee_pubkey_field &&
	     memcmp(inv.payee_pubkey, pk, 33) == 0, "case n field of the signer verifies");
	bolt11_free(&inv);
	raw_init(&r, "lnbc", 1);
	raw_basic(&r);
	pubkey_of(spec_sk, pk);
	raw_bytes(&r, 19, pk, 33);
	expect_raw(&r, 0, BOLT11_ERR_SIG_INVALID, "n field of another key");
	raw_init(&r, "lnbc", 1);
	raw_basic(&r);
	pk[0] = 5;
	raw_bytes(&r, 19, pk, 33);
	expect_raw(&r, 0, BOLT11_ERR_PAYEE_PUBKEY, "n field not a public key");

	/* unknown type and m */
	raw_init(&r, "lnbc", 1);
	raw_basic(&r);
	raw_field5(&r, 10, (const uint8_t[]){0, 0, 0}, 3);
	raw_bytes(&r, 27, (const uint8_t[]){1, 0xfa}, 2);
	t_ok(raw_decode(&r, 0, &inv) == BOLT11_OK && inv.n_unknown_fields == 1 &&
	     inv.unknown_fields[0].type == 10 && inv.has_metadata && inv.metadata_len == 2,
	     "case unknown type 10 recorded, m kept");
	bolt11_free(&inv);

	/* truncated field, recovery id 4 */
	raw_init(&r, "lnbc", 1);
	raw_basic(&r);
	r.g[r.n++] = 6;
	r.g[r.n++] = 0;
	expect_raw(&r, 0, BOLT11_ERR_FIELD_TRUNCATED, "field header cut short");
	raw_init(&r, "lnbc", 1);
	raw_basic(&r);
	raw_field5(&r, 6, d5, 2);
	r.g[r.n - 3] = 31; /* declares 31*32+... groups */
	expect_raw(&r, 0, BOLT11_ERR_FIELD_TRUNCATED, "field length past the end");
	{
		buf b = BUF_INIT;
		raw_init(&r, "lnbc", 1);
		raw_basic(&r);
		raw_finish(&b, &r, 4);
		bolt11_err e = bolt11_decode(&inv, b.p, b.len, 0, NULL, 0);
		t_eq_str(bolt11_reason(e), "sig_bad_recovery_id", "case recovery id 4");
		bolt11_free(&inv);
		buf_free(&b);
	}
}

/* HRP rules: network prefixes, amounts, multipliers. */
static void test_hrp(void)
{
	static const struct {
		const char *hrp;
		bolt11_err err;
		bolt11_network net;
		bool has_amount;
		uint64_t msat;
	} cases[] = {
		{"lnbc", 0, BOLT11_MAINNET, false, 0},
		{"lntb", 0, BOLT11_TESTNET, false, 0},
		{"lntbs", 0, BOLT11_SIGNET, false, 0},
		{"lnbcrt", 0, BOLT11_REGTEST, false, 0},
		{"lnsb", 0, BOLT11_SIMNET, false, 0},
		{"lnbcrt500u", 0, BOLT11_REGTEST, true, 50000000},
		{"lntbs25m", 0, BOLT11_SIGNET, true, 2500000000},
		{"lnbc0", 0, BOLT11_MAINNET, true, 0},
		{"lnbc2", 0, BOLT11_MAINNET, true, 200000000000},
		{"lnbc10p", 0, BOLT11_MAINNET, true, 1},
		{"lnbc9678785340p", 0, BOLT11_MAINNET, true, 967878534},
		{"lnbc10n", 0, BOLT11_MAINNET, true, 1000},
		{"lnbc0000025m", 0, BOLT11_MAINNET, true, 2500000000},
		{"lnbc18446744073709551610p", 0, BOLT11_MAINNET, true, 1844674407370955161ull},
		{"lnbc18446744073709551620p", BOLT11_ERR_AMOUNT_OVERFLOW, BOLT11_MAINNET, false, 0},
		{"lnbc184467440737095516n", 0, BOLT11_MAINNET, true, 18446744073709551600ull},
		{"lnbc184467440737095517n", BOLT11_ERR_AMOUNT_OVERFLOW, BOLT11_MAINNET, false, 0},
		{"lnbc99999999999999999999", BOLT11_ERR_AMOUNT_OVERFLOW, BOLT11_MAINNET, false, 0},
		{"lnbc184467441", BOLT11_ERR_AMOUNT_OVERFLOW, BOLT11_MAINNET, false, 0},
		{"lnbc1000500p", BOLT11_OK, BOLT11_MAINNET, true, 100050},
		{"lnbc1001p", BOLT11_ERR_AMOUNT_SUB_MSAT, BOLT11_MAINNET, false, 0},
		{"lnbc2500x", BOLT11_ERR_HRP_AMOUNT, BOLT11_MAINNET, false, 0},
		{"lnbc25mm", BOLT11_ERR_HRP_AMOUNT, BOLT11_MAINNET, false, 0},
		{"lnbc25m0", BOLT11_ERR_HRP_AMOUNT, BOLT11_MAINNET, false, 0},
		{"lnbcm", BOLT11_ERR_HRP_CURRENCY, 0, false, 0},
		{"lnxy", BOLT11_ERR_HRP_CURRENCY, 0, false, 0},
		{"ln", BOLT11_ERR_HRP_CURRENCY, 0, false, 0},
		{"lnbcr", BOLT11_ERR_HRP_CURRENCY, 0, false, 0},
		{"bc", BOLT11_ERR_HRP_PREFIX, 0, false, 0},
		{"lightning", BOLT11_ERR_HRP_PREFIX, 0, false, 0},
	};
	for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
		raw r;
		bolt11_invoice inv;
		raw_init(&r, cases[i].hrp, 1);
		raw_basic(&r);
		bolt11_err e = raw_decode(&r, 0, &inv);
		bool ok = e == cases[i].err;
		if (ok && e == BOLT11_OK)
			ok = inv.network == cases[i].net && inv.has_amount == cases[i].has_amount &&
			     inv.amount_msat == cases[i].msat;
		t_ok(ok, "hrp %s -> %s (got %s, %llu msat)", cases[i].hrp, bolt11_reason(cases[i].err),
		     bolt11_reason(e), (unsigned long long)inv.amount_msat);
		bolt11_free(&inv);
	}
}

static void test_bech32_layer(void)
{
	bolt11_invoice inv;
	raw r;
	buf b = BUF_INIT;
	raw_init(&r, "lnbc", 1);
	raw_basic(&r);
	raw_finish(&b, &r, -1);
	/* upper case is fine, and hashes with the lowercase HRP */
	char *up = mu_xstrdup(b.p);
	for (char *p = up; *p; p++)
		if (*p >= 'a' && *p <= 'z')
			*p = (char)(*p - 'a' + 'A');
	t_ok(bolt11_decode(&inv, up, strlen(up), 0, NULL, 0) == BOLT11_OK, "bech32: all-uppercase decodes");
	bolt11_free(&inv);
	up[5] = (char)(up[5] - 'A' + 'a');
	t_eq_str(bolt11_reason(bolt11_decode(&inv, up, strlen(up), 0, NULL, 0)), "bech32_mixed_case",
		 "bech32: mixed case refused");
	bolt11_free(&inv);
	free(up);
	char *bad = mu_xstrdup(b.p);
	bad[b.len - 1] = bad[b.len - 1] == 'q' ? 'p' : 'q';
	t_eq_str(bolt11_reason(bolt11_decode(&inv, bad, b.len, 0, NULL, 0)), "bech32_bad_checksum",
		 "bech32: checksum mismatch");
	bolt11_free(&inv);
	bad[10] = 'b';
	t_eq_str(bolt11_reason(bolt11_decode(&inv, bad, b.len, 0, NULL, 0)), "bech32_bad_char",
		 "bech32: 'b' is not in the alphabet");
	bolt11_free(&inv);
	t_eq_str(bolt11_reason(bolt11_decode(&inv, "lnbc1qqqqq", 10, 0, NULL, 0)), "bech32_too_short",
		 "bech32: five characters after the separator");
	bolt11_free(&inv);
	t_eq_str(bolt11_reason(bolt11_decode(&inv, "lightning:x", 11, 0, NULL, 0)), "bech32_no_separator",
		 "bech32: a lightning: URI is not an invoice");
	bolt11_free(&inv);
	t_eq_str(bolt11_reason(bolt11_decode(&inv, "lnbc1 x", 7, 0, NULL, 0)), "bech32_bad_char",
		 "bech32: space refused");
	bolt11_free(&inv);
	free(bad);
	/* the 7089-character bound is checked first */
	char *huge = mu_xmalloc(BOLT11_MAX_LEN + 2);
	memset(huge, 'q', BOLT11_MAX_LEN + 1);
	memcpy(huge, "lnbc1", 5);
	huge[BOLT11_MAX_LEN + 1] = 0;
	t_eq_str(bolt11_reason(bolt11_decode(&inv, huge, BOLT11_MAX_LEN + 1, 0, NULL, 0)), "too_long",
		 "7090 characters refused before bech32 work");
	bolt11_free(&inv);
	free(huge);
	/* a data part of 110 groups */
	raw_init(&r, "lnbc", 1);
	r.n = 6;
	buf_reset(&b);
	raw_finish(&b, &r, -1);
	t_eq_str(bolt11_reason(bolt11_decode(&inv, b.p, b.len, 0, NULL, 0)), "data_too_short",
		 "6 + 104 groups is too short");
	bolt11_free(&inv);
	buf_free(&b);
}

/* ---- encoder round trips ------------------------------------------------- */

static void fill_hop(bolt11_hop *h, int seed)
{
	uint8_t sk[32];
	memset(sk, seed, 32);
	pubkey_of(sk, h->pubkey);
	h->short_channel_id = ((uint64_t)(700000 + seed) << 40) | ((uint64_t)(seed * 3) << 16) | (uint64_t)seed;
	h->fee_base_msat = 1000u * (uint32_t)seed;
	h->fee_proportional_millionths = 0xffffffffu - (uint32_t)seed;
	h->cltv_expiry_delta = (uint16_t)(40 + seed);
}

static void roundtrip_case(const char *name, bolt11_invoice *inv)
{
	buf out = BUF_INIT;
	bolt11_err e = bolt11_encode(&out, inv, sim_sk);
	t_ok(e == BOLT11_OK, "encode %s (%s)", name, bolt11_reason(e));
	if (e != BOLT11_OK) {
		buf_free(&out);
		return;
	}
	bolt11_invoice back;
	e = bolt11_decode(&back, out.p, out.len, BOLT11_REJECT_NON_MINIMAL, NULL, 0);
	t_ok(e == BOLT11_OK, "encode %s: decodes strictly (%s)", name, bolt11_reason(e));
	jv want = bolt11_to_jv(inv), got = bolt11_to_jv(&back);
	char *ws = json_dumps(want), *gs = json_dumps(got);
	t_eq_str(gs, ws, "encode %s: decode(encode(x)) == x, signature and payee included", name);
	free(ws);
	free(gs);
	jv_free(want);
	jv_free(got);
	t_ok(!back.high_s && back.recovery_id >= 0 && back.recovery_id <= 3, "encode %s: low-S signature", name);
	bolt11_free(&back);
	buf_free(&out);
}

static void base_invoice(bolt11_invoice *inv, bolt11_network net)
{
	static const uint16_t feats[] = {9, 14, 17};
	bolt11_invoice_init(inv);
	inv->network = net;
	inv->timestamp = 1700000000;
	memcpy(inv->payment_hash, H32, 32);
	memcpy(inv->payment_secret, S32, 32);
	inv->has_payment_secret = true;
	bolt11_set_description(inv, "mostro", 6);
	bolt11_set_features(inv, feats, 3);
}

static void test_encoder(void)
{
	bolt11_invoice inv;
	static const bolt11_network netlist[] = {BOLT11_MAINNET, BOLT11_TESTNET, BOLT11_SIGNET,
						  BOLT11_REGTEST, BOLT11_SIMNET};
	static const uint64_t amounts[] = {0, 1, 10, 999, 1000, 1000500, 50000000, 100000000,
					   250000000, 100000000000ull, 2100000000000000000ull,
					   18446744073709551615ull / 10};
	for (size_t i = 0; i < sizeof netlist / sizeof *netlist; i++) {
		base_invoice(&inv, netlist[i]);
		roundtrip_case(bolt11_network_name(netlist[i]), &inv);
		bolt11_free(&inv);
	}
	for (size_t i = 0; i < sizeof amounts / sizeof *amounts; i++) {
		char name[64];
		snprintf(name, sizeof name, "amount %llu msat", (unsigned long long)amounts[i]);
		base_invoice(&inv, BOLT11_REGTEST);
		inv.has_amount = true;
		inv.amount_msat = amounts[i];
		roundtrip_case(name, &inv);
		bolt11_free(&inv);
	}
	/* the sim node's hold invoice shape */
	base_invoice(&inv, BOLT11_REGTEST);
	inv.has_amount = true;
	inv.amount_msat = 100000000;
	inv.expiry = 86400, inv.expiry_explicit = true;
	inv.min_final_cltv_expiry = 144, inv.min_final_cltv_expiry_explicit = true;
	bolt11_set_description(&inv, "Escrow amount Order #x: SELL BTC", 32);
	roundtrip_case("hold invoice (x=86400, c=144, features 9/14/17)", &inv);
	bolt11_free(&inv);
	/* every optional field at once */
	base_invoice(&inv, BOLT11_MAINNET);
	inv.has_description = false;
	free(inv.description);
	inv.description = NULL;
	bolt11_set_description_hash(&inv, H32);
	inv.expiry = 0, inv.expiry_explicit = true;
	inv.min_final_cltv_expiry = 18446744073709551615ull, inv.min_final_cltv_expiry_explicit = true;
	inv.payee_pubkey_field = true;
	{
		uint16_t feats[] = {8, 14, 16, 25, 49, 99, 5113};
		bolt11_set_features(&inv, feats, 7);
	}
	bolt11_set_metadata(&inv, (const uint8_t[]){1, 0xfa, 0xfa, 0xf0}, 4);
	bolt11_hop hops[14];
	for (int i = 0; i < 14; i++)
		fill_hop(&hops[i], i + 1);
	bolt11_add_route(&inv, hops, 2);
	bolt11_add_route(&inv, hops + 2, 12);
	uint8_t prog[40];
	memset(prog, 0xab, sizeof prog);
	bolt11_add_fallback(&inv, 17, prog, 20);
	bolt11_add_fallback(&inv, 18, prog, 20);
	bolt11_add_fallback(&inv, 0, prog, 20);
	bolt11_add_fallback(&inv, 0, prog, 32);
	bolt11_add_fallback(&inv, 1, prog, 32);
	bolt11_add_fallback(&inv, 16, prog, 40);
	roundtrip_case("h, x=0, c=2^64-1, n, 7 features up to 5113, m, 2 r (2 and 12 hops), 6 f", &inv);
	bolt11_free(&inv);
	/* the longest description a d field holds, and one byte more */
	base_invoice(&inv, BOLT11_MAINNET);
	char *d = mu_xmalloc(640);
	memset(d, 'a', 640);
	bolt11_set_description(&inv, d, 639);
	roundtrip_case("639-byte description", &inv);
	bolt11_set_description(&inv, d, 640);
	buf out = BUF_INIT;
	t_eq_str(bolt11_reason(bolt11_encode(&out, &inv, sim_sk)), "field_too_long", "encode: 640-byte d refused");
	t_ok(out.len == 0, "encode: nothing written on error");
	free(d);
	bolt11_free(&inv);
	uint8_t zero[32] = {0};
	base_invoice(&inv, BOLT11_MAINNET);
	t_eq_str(bolt11_reason(bolt11_encode(&out, &inv, zero)), "bad_secret_key", "encode: zero key refused");
	inv.timestamp = 1ull << 35;
	t_eq_str(bolt11_reason(bolt11_encode(&out, &inv, sim_sk)), "bad_field", "encode: timestamp of 36 bits refused");
	inv.timestamp = 1;
	inv.network = BOLT11_NET_UNKNOWN;
	t_eq_str(bolt11_reason(bolt11_encode(&out, &inv, sim_sk)), "hrp_unknown_currency", "encode: no network refused");
	bolt11_free(&inv);
	buf_free(&out);
	/* the spec's "lnbc" + 10p is 1 msat: shortest forms */
	static const struct { uint64_t msat; const char *hrp; } forms[] = {
		{1, "lnbc10p"}, {100, "lnbc1n"}, {100000, "lnbc1u"}, {250000000, "lnbc2500u"},
		{2500000000ull, "lnbc25m"}, {100000000000ull, "lnbc1"}, {0, "lnbc0"}, {1000500, "lnbc10005n"},
	};
	for (size_t i = 0; i < sizeof forms / sizeof *forms; i++) {
		base_invoice(&inv, BOLT11_MAINNET);
		inv.has_amount = true;
		inv.amount_msat = forms[i].msat;
		buf o = BUF_INIT;
		bolt11_encode(&o, &inv, sim_sk);
		size_t hl = strlen(forms[i].hrp);
		t_ok(o.len > hl && strncmp(o.p, forms[i].hrp, hl) == 0 && o.p[hl] == '1',
		     "encode: %llu msat is written %s", (unsigned long long)forms[i].msat, forms[i].hrp);
		buf_free(&o);
		bolt11_free(&inv);
	}
}

static void test_from_jv(void)
{
	static const struct { const char *json; const char *field; } bad[] = {
		{"[]", "fields"},
		{"{\"payment_hash\":\"00\"}", "network"},
		{"{\"network\":\"bitcoin\"}", "network"},
		{"{\"network\":\"regtest\",\"amount_msat\":-1}", "amount_msat"},
		{"{\"network\":\"regtest\",\"amount_msat\":1.5}", "amount_msat"},
		{"{\"network\":\"regtest\",\"timestamp\":34359738368}", "timestamp"},
		{"{\"network\":\"regtest\",\"payment_hash\":\"00\"}", "payment_hash"},
		{"{\"network\":\"regtest\",\"payment_hash\":\"%s\"}", "description"},
		{"{\"network\":\"regtest\",\"payment_hash\":\"%s\",\"description\":\"\",\"description_hash\":\"%s\"}", "description"},
		{"{\"network\":\"regtest\",\"payment_hash\":\"%s\",\"description_hash\":\"xx\"}", "description_hash"},
		{"{\"network\":\"regtest\",\"payment_hash\":\"%s\",\"description\":\"\",\"payment_secret\":\"1\"}", "payment_secret"},
		{"{\"network\":\"regtest\",\"payment_hash\":\"%s\",\"description\":\"\",\"expiry\":\"60\"}", "expiry"},
		{"{\"network\":\"regtest\",\"payment_hash\":\"%s\",\"description\":\"\",\"features\":[5115]}", "features"},
		{"{\"network\":\"regtest\",\"payment_hash\":\"%s\",\"description\":\"\",\"fallbacks\":[{\"version\":19,\"program_hex\":\"00\"}]}", "fallbacks"},
		{"{\"network\":\"regtest\",\"payment_hash\":\"%s\",\"description\":\"\",\"route_hints\":[[]]}", "route_hints"},
		{"{\"network\":\"regtest\",\"payment_hash\":\"%s\",\"description\":\"\",\"route_hints\":[[{\"pubkey\":\"%s00\",\"short_channel_id\":\"1x2\",\"fee_base_msat\":1,\"fee_proportional_millionths\":1,\"cltv_expiry_delta\":1}]]}", "route_hints"},
		{"{\"network\":\"regtest\",\"payment_hash\":\"%s\",\"description\":\"\",\"metadata\":\"abc\"}", "metadata"},
	};
	char h64[65];
	memset(h64, 'a', 64);
	h64[64] = 0;
	for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
		char text[600], detail[160];
		snprintf(text, sizeof text, bad[i].json, h64, h64);
		jv o = json_parse(text, strlen(text), 0, NULL);
		bolt11_invoice inv;
		bolt11_err e = bolt11_from_jv(&inv, o, 0, detail, sizeof detail);
		size_t fl = strlen(bad[i].field);
		t_ok(e == BOLT11_ERR_BAD_FIELD && strncmp(detail, bad[i].field, fl) == 0 && detail[fl] == ':',
		     "from_jv refuses %s (%s)", bad[i].field, detail);
		bolt11_free(&inv);
		jv_free(o);
	}
	/* defaults: no amount, timestamp = now, no x/c unless given; explicit=false skips */
	char text[400];
	snprintf(text, sizeof text, "{\"network\":\"signet\",\"payment_hash\":\"%s\",\"description\":\"d\","
		 "\"expiry\":60,\"expiry_explicit\":false,\"min_final_cltv_expiry\":144,"
		 "\"route_hints\":[[{\"pubkey\":\"03e7156ae33b0a208d0744199163177e909e80176e55d97a2f221ede0f934dd9ad\","
		 "\"short_channel_id\":\"66051x263430x1800\",\"fee_base_msat\":1,\"fee_proportional_millionths\":20,\"cltv_expiry_delta\":3}]]}", h64);
	jv o = json_parse(text, strlen(text), 0, NULL);
	bolt11_invoice inv;
	t_ok(bolt11_from_jv(&inv, o, 1234, NULL, 0) == BOLT11_OK && inv.timestamp == 1234 && !inv.has_amount &&
	     !inv.expiry_explicit && inv.expiry == 3600 && inv.min_final_cltv_expiry_explicit &&
	     inv.min_final_cltv_expiry == 144 && inv.network == BOLT11_SIGNET && inv.n_routes == 1 &&
	     inv.routes[0].hops[0].short_channel_id == 0x0102030405060708ull && !inv.payee_pubkey_field,
	     "from_jv defaults and BxTxO short channel ids");
	bolt11_free(&inv);
	jv_free(o);
}

static void test_helpers(void)
{
	bolt11_invoice inv;
	bolt11_invoice_init(&inv);
	inv.timestamp = 1000;
	inv.expiry = 60;
	t_ok(!bolt11_is_expired(&inv, 1060) && bolt11_is_expired(&inv, 1061) && !bolt11_is_expired(&inv, 10),
	     "is_expired: strict, never for a future timestamp");
	t_eq_int((long long)bolt11_expires_at(&inv), 1060, "expires_at = timestamp + expiry");
	inv.expiry = UINT64_MAX;
	t_ok(bolt11_expires_at(&inv) == UINT64_MAX, "expires_at saturates");
	char s[32];
	bolt11_scid_format(s, 0x0102030405060708ull);
	t_eq_str(s, "66051x263430x1800", "short channel id BxTxO");
	t_ok(bolt11_network_from_name("regtest") == BOLT11_REGTEST &&
	     bolt11_network_from_name("testnet4") == BOLT11_NET_UNKNOWN, "network names");
	int distinct = 1;
	for (int i = 0; i < BOLT11_ERR_COUNT; i++)
		for (int j = i + 1; j < BOLT11_ERR_COUNT; j++)
			if (strcmp(bolt11_reason((bolt11_err)i), bolt11_reason((bolt11_err)j)) == 0)
				distinct = 0;
	t_ok(distinct, "every error has its own reason code");
}

/* BOLT11_TRUSTED: for an invoice whose signature was checked when it was
 * accepted (the engine reads a stored payout invoice's hash): every field
 * and rule as usual, no curve operation, so no payee unless n gives it. */
static void test_trusted(void)
{
	raw r;
	bolt11_invoice inv, trusted;
	uint8_t pk[33], zero[33] = {0};
	pubkey_of(sim_sk, pk);
	raw_init(&r, "lnbc", 1700000000);
	raw_basic(&r);
	t_ok(raw_decode(&r, 0, &inv) == BOLT11_OK && memcmp(inv.payee_pubkey, pk, 33) == 0,
	     "trusted: the checked decode recovers the payee");
	t_ok(raw_decode(&r, BOLT11_TRUSTED, &trusted) == BOLT11_OK, "trusted: the same invoice decodes trusted");
	t_ok(memcmp(trusted.payment_hash, inv.payment_hash, 32) == 0 && trusted.timestamp == inv.timestamp &&
	     memcmp(trusted.signature, inv.signature, 64) == 0 && trusted.recovery_id == inv.recovery_id,
	     "trusted: same hash, timestamp, signature and recovery id");
	t_ok(memcmp(trusted.payee_pubkey, zero, 33) == 0 && !trusted.payee_pubkey_field,
	     "trusted: no payee recovered");
	int recid = inv.recovery_id;
	bolt11_free(&inv);
	bolt11_free(&trusted);

	/* a signature that does not recover the signer: noticed only when checked */
	buf b = BUF_INIT;
	raw_finish(&b, &r, recid ^ 1);
	bolt11_err e = bolt11_decode(&inv, b.p, b.len, 0, NULL, 0);
	t_ok(e != BOLT11_OK || memcmp(inv.payee_pubkey, pk, 33) != 0,
	     "trusted: a wrong recovery id fails or names another payee when checked");
	bolt11_free(&inv);
	t_ok(bolt11_decode(&inv, b.p, b.len, BOLT11_TRUSTED, NULL, 0) == BOLT11_OK,
	     "trusted: and is not looked at when trusted");
	bolt11_free(&inv);
	buf_free(&b);

	/* the rules still hold: a missing payment hash fails either way */
	raw_init(&r, "lnbc", 1);
	raw_bytes(&r, 16, S32, 32);
	raw_bytes(&r, 13, (const uint8_t *)"x", 1);
	bolt11_err checked = raw_decode(&r, 0, &inv);
	bolt11_free(&inv);
	t_ok(checked != BOLT11_OK && raw_decode(&r, BOLT11_TRUSTED, &inv) == checked,
	     "trusted: a broken field rule fails the same way (%s)", bolt11_reason(checked));
	bolt11_free(&inv);
}

int main(void)
{
	hex_decode(spec_sk, 32, SPEC_SK, 64, true);
	sha256(sim_sk, "mostro-ln sim node", 18);
	int n = t_jsonl("bolt11.jsonl", check_vector, NULL);
	t_eq_int(n, 26, "bolt11.jsonl has 26 records");
	/* vectors 1, 2, 3, 4, 6 and 10 list their fields in our encoder's order */
	t_eq_int(reproduced, 6, "encoder reproduced spec invoices byte for byte");
	test_field_rules();
	test_trusted();
	test_hrp();
	test_bech32_layer();
	test_encoder();
	test_from_jv();
	test_helpers();
	return t_done();
}
