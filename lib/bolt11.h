/* bolt11.h — BOLT11 Lightning invoices: decoder, signer/encoder, JSON view.
 *
 * Decoding follows BOLT 11 (lightning/bolts a3772650) and its test vectors
 * (tests/vectors/bolt11.jsonl, which are normative here), with the decisions
 * of docs LIGHTNING.md §b:
 *   - at most BOLT11_MAX_LEN (7089) characters, bech32 without the 90-char cap;
 *   - HRP "ln" + currency (bcrt/tbs matched before bc/tb) + optional amount;
 *     "p" amounts must be a multiple of 10; u64 overflow is an error; "lnbc0"
 *     is an explicit amount of 0 (has_amount true, amount_msat 0);
 *   - wrong-length p/s/h/n fields, unknown field types and f versions > 18
 *     are skipped (recorded in skipped_fields/unknown_fields). The spec prose
 *     at a3772650 says "MUST fail" for wrong-length p/h/s/n but its own test
 *     vector "fields which must be ignored" is valid: the vector wins.
 *   - duplicates: after skipping wrong-length copies, a second p, s, d or h is
 *     an error (as lightning-invoice, mostrod's decoder); both d and h is an
 *     error. Other duplicated fields (x, c, n, 9, m): the first one is used.
 *     f and r may repeat.
 *   - non-minimal x, c, 9 (leading zero groups) are accepted like mostrod's
 *     and LND's decoders do (the spec says SHOULD reject); the flag
 *     BOLT11_REJECT_NON_MINIMAL rejects them.
 *   - features: unknown even bits fail; basic_mpp needs payment_secret; by
 *     default a 9 field with bit 14 or 15 is required (LND can only pay
 *     invoices with a payment secret; mostrod requires it too). The flag
 *     BOLT11_SPEC_FEATURES drops that requirement (pure spec; an s field is
 *     still required as the spec says).
 *   - signature: with an n field, high-S fails and the signature must verify
 *     against n; without n the payee is recovered and high-S is accepted
 *     (spec; lightning-invoice 0.33 rejects it — LIGHTNING.md §b.2).
 *   - checks run in this order: length, bech32, HRP, data length, fields
 *     (structure and per-field content), signature, then the invoice-level
 *     rules (p, s, d/h, features). So an invoice with a bad signature reports
 *     the signature even if a field rule is broken too.
 *
 * Encoding (bolt11_encode) writes the fields a bolt11_invoice holds and signs
 * with a secret key (RFC 6979 deterministic, low-S, recoverable), producing a
 * string this decoder, LND and lightning-invoice accept.
 *
 * Ownership: a bolt11_invoice owns its heap parts (description, features,
 * fallbacks, route hints, metadata, field lists). bolt11_invoice_init() zeroes
 * one; bolt11_free() releases the parts and zeroes it again. bolt11_decode()
 * initializes *inv itself and leaves the fields decoded so far in it even on
 * error (network, amount, ...); call bolt11_free() in every case. The secret
 * key passed to bolt11_encode() is borrowed and never copied.
 * Thread safety: none needed beyond libsecp256k1's shared context (keys.h).
 */
#ifndef MU_BOLT11_H
#define MU_BOLT11_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <jv.h>

#include "buf.h"

#define BOLT11_MAX_LEN 7089              /* LND's and lightning-invoice's bound */
#define BOLT11_DEFAULT_EXPIRY 3600       /* seconds, when there is no x field */
#define BOLT11_DEFAULT_MIN_FINAL_CLTV 18 /* blocks, when there is no c field */
#define BOLT11_MAX_FIELD_BYTES 639       /* floor(1023 * 5 / 8) */

typedef enum bolt11_err {
	BOLT11_OK = 0,
	/* bech32 layer */
	BOLT11_ERR_TOO_LONG,             /* too_long: over BOLT11_MAX_LEN characters */
	BOLT11_ERR_BECH32_CHAR,          /* bech32_bad_char */
	BOLT11_ERR_BECH32_MIXED_CASE,    /* bech32_mixed_case */
	BOLT11_ERR_BECH32_NO_SEPARATOR,  /* bech32_no_separator: no '1' or empty HRP */
	BOLT11_ERR_BECH32_TOO_SHORT,     /* bech32_too_short: fewer than 6 checksum characters */
	BOLT11_ERR_BECH32_CHECKSUM,      /* bech32_bad_checksum */
	/* human-readable part */
	BOLT11_ERR_HRP_PREFIX,           /* hrp_bad_prefix: does not start with "ln" */
	BOLT11_ERR_HRP_CURRENCY,         /* hrp_unknown_currency */
	BOLT11_ERR_HRP_AMOUNT,           /* hrp_bad_amount: not digits + optional m/u/n/p */
	BOLT11_ERR_AMOUNT_SUB_MSAT,      /* amount_sub_msat: p amount not a multiple of 10 */
	BOLT11_ERR_AMOUNT_OVERFLOW,      /* amount_overflow: beyond 2^64-1 msat */
	/* data part */
	BOLT11_ERR_DATA_TOO_SHORT,       /* data_too_short: < 7 + 104 groups */
	BOLT11_ERR_FIELD_TRUNCATED,      /* field_truncated: a tagged field runs past the end */
	BOLT11_ERR_FIELD_OVERFLOW,       /* field_overflow: x or c beyond 2^64-1 */
	BOLT11_ERR_FIELD_NOT_MINIMAL,    /* field_not_minimal: (BOLT11_REJECT_NON_MINIMAL) */
	BOLT11_ERR_DESCRIPTION_UTF8,     /* description_bad_utf8 */
	BOLT11_ERR_FALLBACK,             /* fallback_bad_program: bad program length */
	BOLT11_ERR_ROUTE_HINT,           /* route_hint_bad_length: not a non-zero multiple of 51 bytes */
	BOLT11_ERR_ROUTE_HINT_PUBKEY,    /* route_hint_bad_pubkey */
	BOLT11_ERR_PAYEE_PUBKEY,         /* payee_pubkey_invalid: n is not a curve point */
	/* signature */
	BOLT11_ERR_SIG_RECOVERY_ID,      /* sig_bad_recovery_id: not 0..3 */
	BOLT11_ERR_SIG_UNRECOVERABLE,    /* sig_unrecoverable */
	BOLT11_ERR_SIG_HIGH_S_WITH_N,    /* sig_high_s_with_n */
	BOLT11_ERR_SIG_INVALID,          /* sig_invalid: does not verify against n */
	/* invoice-level rules */
	BOLT11_ERR_MISSING_PAYMENT_HASH,   /* missing_payment_hash */
	BOLT11_ERR_MULTIPLE_PAYMENT_HASH,  /* multiple_payment_hash */
	BOLT11_ERR_MISSING_PAYMENT_SECRET, /* missing_payment_secret */
	BOLT11_ERR_MULTIPLE_PAYMENT_SECRET,/* multiple_payment_secret */
	BOLT11_ERR_MISSING_DESCRIPTION,    /* missing_description: neither d nor h */
	BOLT11_ERR_MULTIPLE_DESCRIPTION,   /* multiple_description: both d and h, or two of one */
	BOLT11_ERR_UNKNOWN_EVEN_FEATURE,   /* unknown_even_feature */
	BOLT11_ERR_FEATURE_DEPENDENCY,     /* feature_missing_dependency */
	BOLT11_ERR_NO_SECRET_FEATURE,      /* missing_payment_secret_feature: no bit 14/15 */
	/* encoder only */
	BOLT11_ERR_BAD_KEY,                /* bad_secret_key */
	BOLT11_ERR_FIELD_TOO_LONG,         /* field_too_long: over 1023 groups */
	BOLT11_ERR_BAD_FIELD,              /* bad_field: a value the format cannot carry */
} bolt11_err;

#define BOLT11_ERR_COUNT (BOLT11_ERR_BAD_FIELD + 1)

/* Human-readable message ("bech32 checksum mismatch"). */
const char *bolt11_strerror(bolt11_err e);
/* Stable snake_case reason code ("bech32_bad_checksum"), as used by the
 * `error` field of tests/vectors/bolt11.jsonl and by mostro-ln's records. */
const char *bolt11_reason(bolt11_err e);

typedef enum bolt11_network {
	BOLT11_NET_UNKNOWN = 0,
	BOLT11_MAINNET,   /* lnbc   */
	BOLT11_TESTNET,   /* lntb   (also testnet4) */
	BOLT11_SIGNET,    /* lntbs  */
	BOLT11_REGTEST,   /* lnbcrt */
	BOLT11_SIMNET,    /* lnsb   */
} bolt11_network;

/* "mainnet", "testnet", "signet", "regtest", "simnet" (NULL for unknown). */
const char *bolt11_network_name(bolt11_network n);
/* "bc", "tb", "tbs", "bcrt", "sb" (NULL for unknown). */
const char *bolt11_currency_prefix(bolt11_network n);
/* Network from a name as LND's GetInfo reports it (the five names above);
 * BOLT11_NET_UNKNOWN for anything else ("testnet4" included: callers that
 * want mostrod's behaviour skip the network check then). */
bolt11_network bolt11_network_from_name(const char *name);

/* Feature bits this decoder knows (both parities). */
enum {
	BOLT11_FEATURE_VAR_ONION = 8,
	BOLT11_FEATURE_PAYMENT_SECRET = 14,
	BOLT11_FEATURE_BASIC_MPP = 16,
	BOLT11_FEATURE_ROUTE_BLINDING = 24,
	BOLT11_FEATURE_ATTRIBUTION_DATA = 36,
	BOLT11_FEATURE_PAYMENT_METADATA = 48,
};

typedef struct bolt11_hop {
	uint8_t  pubkey[33];
	uint64_t short_channel_id;       /* block << 40 | tx << 16 | output */
	uint32_t fee_base_msat;
	uint32_t fee_proportional_millionths;
	uint16_t cltv_expiry_delta;
} bolt11_hop;

typedef struct bolt11_route {          /* one r field */
	bolt11_hop *hops;
	size_t      n_hops;
} bolt11_route;

typedef struct bolt11_fallback {       /* one f field */
	uint8_t version;                   /* 0..16 witness, 17 P2PKH, 18 P2SH */
	uint8_t program[40];
	size_t  program_len;
} bolt11_fallback;

typedef struct bolt11_unknown_field {  /* a field type this decoder does not know */
	uint8_t  type;
	uint16_t data_length;
} bolt11_unknown_field;

typedef struct bolt11_skipped_field {  /* a known field the rules say to skip */
	char     tag;                      /* 'p', 's', 'h', 'n' or 'f' */
	uint16_t data_length;              /* p/s/h/n */
	int      version;                  /* f: the unknown version; -1 otherwise */
} bolt11_skipped_field;

typedef struct bolt11_invoice {
	bolt11_network network;
	bool     has_amount;               /* false: "any amount" invoice */
	uint64_t amount_msat;
	uint64_t timestamp;                /* unix seconds (35 bits) */

	uint8_t  payment_hash[32];         /* p (decode: always set on success) */
	bool     has_payment_secret;
	uint8_t  payment_secret[32];       /* s */

	bool     has_description;          /* d: UTF-8, may contain NUL */
	char    *description;              /* NUL-terminated copy */
	size_t   description_len;
	bool     has_description_hash;
	uint8_t  description_hash[32];     /* h */

	uint64_t expiry;                   /* effective (default applied) */
	bool     expiry_explicit;          /* an x field was present / is written */
	uint64_t min_final_cltv_expiry;    /* effective (default applied) */
	bool     min_final_cltv_expiry_explicit;

	uint8_t  payee_pubkey[33];         /* recovered, or from n (decode); derived (encode) */
	bool     payee_pubkey_field;       /* decode: an n field was present; encode: write one */

	uint16_t *features;                /* set bit numbers, ascending */
	size_t    n_features;

	bolt11_fallback *fallbacks;
	size_t    n_fallbacks;
	bolt11_route *routes;
	size_t    n_routes;

	bool      has_metadata;
	uint8_t  *metadata;                /* m */
	size_t    metadata_len;

	bolt11_unknown_field *unknown_fields;  /* decode only */
	size_t    n_unknown_fields;
	bolt11_skipped_field *skipped_fields;  /* decode only */
	size_t    n_skipped_fields;

	uint8_t  signature[64];            /* r || s as in the invoice */
	int      recovery_id;
	bool     high_s;
	uint8_t  signing_hash[32];         /* sha256(hrp || data) that was signed */
} bolt11_invoice;

enum bolt11_flags {
	BOLT11_SPEC_FEATURES = 1,        /* do not require a 9 field with bit 14/15 */
	BOLT11_REJECT_NON_MINIMAL = 2,   /* x, c, 9 with leading zero groups fail */
	/* The caller checked this exact string's signature before (it accepted
	 * it earlier): the curve operation is skipped, so a bad signature is
	 * not noticed and payee_pubkey stays zero unless an n field gives it.
	 * The signature and recovery id are still parsed. */
	BOLT11_TRUSTED = 4,
};

void bolt11_invoice_init(bolt11_invoice *inv);
void bolt11_free(bolt11_invoice *inv);

/* Decodes s[0..len). Returns BOLT11_OK or the first rule broken; detail (may
 * be NULL) receives a short explanation ("unknown required feature bit 100"). */
bolt11_err bolt11_decode(bolt11_invoice *inv, const char *s, size_t len, unsigned flags,
			 char *detail, size_t detail_cap);

/* Builders for the encoder (they copy their inputs; replace previous values). */
void bolt11_set_description(bolt11_invoice *inv, const char *text, size_t len);
void bolt11_set_description_hash(bolt11_invoice *inv, const uint8_t hash[32]);
void bolt11_set_features(bolt11_invoice *inv, const uint16_t *bits, size_t n);
void bolt11_set_metadata(bolt11_invoice *inv, const uint8_t *data, size_t n);
void bolt11_add_route(bolt11_invoice *inv, const bolt11_hop *hops, size_t n);
void bolt11_add_fallback(bolt11_invoice *inv, uint8_t version, const uint8_t *program, size_t n);

/* Fills inv (initialized here) from a JSON object (borrowed) with the field
 * names of bolt11_to_jv, for the encoder; so a decode record can be signed
 * again. Required: network (a name), payment_hash, and description or
 * description_hash. Optional: amount_msat (null or absent: any amount),
 * timestamp (default now), payment_secret, expiry and min_final_cltv_expiry
 * (written when present, unless expiry_explicit / ..._explicit is false),
 * features, fallbacks ([{version, program_hex}]), route_hints (hops with
 * short_channel_id as "BxTxO" or a number), metadata, payee_pubkey_field
 * (not null: write an n field). Other keys are ignored. Errors are
 * BOLT11_ERR_BAD_FIELD with the field named in detail; call bolt11_free()
 * in every case. */
bolt11_err bolt11_from_jv(bolt11_invoice *inv, jv fields, uint64_t now, char *detail, size_t detail_cap);

/* Encodes inv and signs it with sk, appending the invoice (lowercase) to out.
 * Written fields, in this order: s (if has_payment_secret), p, d or h, x (if expiry_explicit),
 * c (if min_final_cltv_expiry_explicit), f..., r..., n (if payee_pubkey_field),
 * 9 (if any feature), m (if has_metadata). Amount: the shortest multiplier
 * form; has_amount with amount_msat 0 writes "0" (decoders read it as 0).
 * On success inv's payee_pubkey, signature, recovery_id, high_s and
 * signing_hash are filled in. Nothing is appended on error. */
bolt11_err bolt11_encode(buf *out, bolt11_invoice *inv, const uint8_t sk[32]);

bool bolt11_has_feature(const bolt11_invoice *inv, unsigned bit);
/* timestamp + expiry, saturating. */
uint64_t bolt11_expires_at(const bolt11_invoice *inv);
/* lightning-invoice's is_expired(): now - timestamp > expiry (a timestamp in
 * the future is never expired). */
bool bolt11_is_expired(const bolt11_invoice *inv, uint64_t now);

/* "BxTxO" form of a short channel id; out needs 32 bytes. */
void bolt11_scid_format(char out[32], uint64_t scid);
/* The on-chain address of a fallback for the invoice's network ("" when the
 * network has no address format or the program cannot be an address). */
void bolt11_fallback_address(buf *out, bolt11_network net, const bolt11_fallback *f);
/* "p2wpkh", "p2wsh", "p2tr", "witness", "p2pkh", "p2sh". */
const char *bolt11_fallback_type(const bolt11_fallback *f);

/* The decoded fields as a JSON object with the field names and order of
 * tests/vectors/bolt11.jsonl: network, currency_prefix, amount_msat,
 * timestamp, payment_hash, payment_secret, description, description_hash,
 * expiry, expiry_explicit, min_final_cltv_expiry,
 * min_final_cltv_expiry_explicit, payee_pubkey, payee_pubkey_field, features,
 * fallbacks, route_hints, metadata, unknown_fields, skipped_fields, signature,
 * recovery_id, high_s, signing_hash. Absent values are null. */
jv bolt11_to_jv(const bolt11_invoice *inv);

#endif
