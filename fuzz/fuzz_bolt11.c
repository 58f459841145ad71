/* libFuzzer target: BOLT11 decoding (lib/bolt11.h) on arbitrary bytes.
 * Two ways in, chosen by the first byte:
 *   even: the bytes are the invoice text as is;
 *   odd:  the second byte picks a prefix, the rest are data groups (& 31)
 *         that get a valid signature and checksum, so the field parser and
 *         the invoice rules are reached instead of stopping at the checksum.
 * Properties: no crash or leak on any input, with or without the strict
 * flags; every refusal names a reason and a detail; an invoice that decodes
 * re-encodes (with a fixed key) to an invoice that decodes, strictly, to the
 * same fields — everything but the signature, the payee and the fields a
 * reader skips. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <secp256k1.h>
#include <secp256k1_recovery.h>

#include "bech32.h"
#include "bolt11.h"
#include "json.h"
#include "keys.h"
#include "sha256.h"

static const uint8_t key[32] = {
	0x6d, 0x6f, 0x73, 0x74, 0x72, 0x6f, 0x2d, 0x6c, 0x6e, 0x20, 0x66, 0x75, 0x7a, 0x7a, 0x20, 0x6b,
	0x65, 0x79, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0x09, 0x0a, 0x0b, 0x0c, 0x0d, 0x0e,
};

/* The decoded fields that must survive a re-encode, as canonical JSON. */
static char *comparable(const bolt11_invoice *inv)
{
	static const char *drop[] = {"payee_pubkey", "payee_pubkey_field", "signature", "recovery_id",
				     "high_s", "signing_hash", "unknown_fields", "skipped_fields"};
	jv v = bolt11_to_jv(inv);
	for (size_t i = 0; i < sizeof drop / sizeof *drop; i++)
		v = jv_object_delete(v, jv_string(drop[i]));
	char *s = json_dumps(v);
	jv_free(v);
	return s;
}

static void check(const char *s, size_t n, unsigned flags)
{
	bolt11_invoice inv, back;
	char detail[200];
	bolt11_err e = bolt11_decode(&inv, s, n, flags, detail, sizeof detail);
	if (e != BOLT11_OK) {
		if (!detail[0] || !strcmp(bolt11_reason(e), "unknown"))
			abort();
		bolt11_free(&inv);
		return;
	}
	char *want = comparable(&inv);
	buf out = BUF_INIT;
	bolt11_invoice copy = inv;            /* encode writes payee/signature into it */
	e = bolt11_encode(&out, &copy, key);
	if (e != BOLT11_OK && e != BOLT11_ERR_TOO_LONG)
		abort();                          /* whatever decodes must be encodable */
	if (e == BOLT11_OK) {
		if (bolt11_decode(&back, out.p, out.len, flags | BOLT11_REJECT_NON_MINIMAL, NULL, 0) != BOLT11_OK)
			abort();
		char *got = comparable(&back);
		if (strcmp(got, want) != 0 || memcmp(back.payee_pubkey, copy.payee_pubkey, 33) != 0 || back.high_s)
			abort();
		free(got);
		bolt11_free(&back);
	}
	free(want);
	buf_free(&out);
	bolt11_free(&inv);
}

static const char *prefixes[] = {
	"lnbc", "lntb", "lntbs", "lnbcrt", "lnsb", "lnbc2500u", "lnbc10p", "lnbc0", "lnbc1001p",
	"lnxy", "lnbc25m", "lnbcrt184467440737095516150p", "lnbc1", "bc", "LNBC",
};

/* groups -> signed, checksummed invoice text */
static void build(buf *out, const char *hrp, const uint8_t *in, size_t n)
{
	uint8_t g[BOLT11_MAX_LEN], bytes[BOLT11_MAX_LEN], h[32], sig[65];
	if (n > sizeof g - 110)
		n = sizeof g - 110;
	for (size_t i = 0; i < n; i++)
		g[i] = in[i] & 31;
	uint32_t acc = 0;
	int bits = 0;
	size_t nb = 0;
	for (size_t i = 0; i < n; i++) {
		acc = ((acc << 5) | g[i]) & 0xfff;
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
	sha256_update(&c, hrp, strlen(hrp));
	sha256_update(&c, bytes, nb);
	sha256_final(&c, h);
	secp256k1_ecdsa_recoverable_signature rs;
	int recid = 0;
	if (!secp256k1_ecdsa_sign_recoverable(secp(), &rs, h, key, NULL, NULL))
		abort();
	secp256k1_ecdsa_recoverable_signature_serialize_compact(secp(), sig, &recid, &rs);
	sig[64] = (uint8_t)recid;
	n += bech32_from_bytes(sig, 65, g + n);
	bech32_encode(out, hrp, g, n);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size >= 2 && (data[0] & 1)) {
		buf b = BUF_INIT;
		build(&b, prefixes[data[1] % (sizeof prefixes / sizeof *prefixes)], data + 2, size - 2);
		check(b.p, b.len, 0);
		check(b.p, b.len, BOLT11_SPEC_FEATURES | BOLT11_REJECT_NON_MINIMAL);
		buf_free(&b);
		return 0;
	}
	check((const char *)data, size, 0);
	check((const char *)data, size, BOLT11_SPEC_FEATURES | BOLT11_REJECT_NON_MINIMAL);
	return 0;
}
