/* keys.h — secp256k1 keys and BIP-340 Schnorr signatures.
 *
 * secp() returns the process-wide libsecp256k1 context (created and randomized
 * on first use, never freed). A mu_key holds a secret: it lives on the caller's
 * stack or heap and must be released with key_wipe(), which zeroes it.
 */
#ifndef MU_KEYS_H
#define MU_KEYS_H

#include <stdbool.h>
#include <stdint.h>
#include <secp256k1.h>
#include <secp256k1_extrakeys.h>
#include <secp256k1_schnorrsig.h>

typedef struct mu_key {
	secp256k1_keypair kp;
	uint8_t sk[32];
	uint8_t pk[32];        /* x-only public key */
} mu_key;

const secp256k1_context *secp(void);

/* False when sk is zero or not below the curve order. */
bool key_from_secret(mu_key *k, const uint8_t sk[32]);
/* A fresh random key. */
void key_generate(mu_key *k);
void key_wipe(mu_key *k);

/* x-only public key of a 32-byte secret; false when the secret is invalid. */
bool key_pubkey(uint8_t pk[32], const uint8_t sk[32]);
/* True when pk is the x coordinate of a curve point. */
bool key_pubkey_valid(const uint8_t pk[32]);

/* BIP-340 over a 32-byte message. aux32 NULL draws fresh random auxiliary data
 * (what nostr-tools and rust-nostr do); pass 32 zero bytes for reproducible
 * test signatures. */
void schnorr_sign32(const mu_key *k, const uint8_t msg32[32], const uint8_t *aux32, uint8_t sig[64]);
bool schnorr_verify32(const uint8_t pk[32], const uint8_t msg32[32], const uint8_t sig[64]);
/* BIP-340 with a message of any length (sign_custom / verify with length). */
void schnorr_sign(const mu_key *k, const uint8_t *msg, size_t n, const uint8_t *aux32, uint8_t sig[64]);
bool schnorr_verify(const uint8_t pk[32], const uint8_t *msg, size_t n, const uint8_t sig[64]);

/* Raw ECDH: the 32-byte X coordinate of sk * lift_x(pk) (even Y), unhashed,
 * as NIP-44 needs. False when pk is not on the curve or sk is invalid. */
bool ecdh_x(uint8_t out[32], const uint8_t sk[32], const uint8_t pk[32]);

#endif
