/* bip32.h — BIP-32 private derivation (secp256k1), and path strings.
 *
 * Only what NIP-06 needs: the master key from a seed, private child keys
 * (hardened and normal), the compressed public key. A bip32_key holds a
 * secret key and its chain code: it lives on the caller's stack or heap and
 * must be released with bip32_wipe(). Internal HMAC input/output buffers are
 * wiped before returning.
 *
 * Paths: "m/44'/1237'/0'/0/5"; a hardened step is written with ' (h or H
 * are accepted on input); each number is 0..2^31-1. "m" alone is depth 0.
 */
#ifndef MU_BIP32_H
#define MU_BIP32_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "buf.h"

#define BIP32_HARDENED 0x80000000u
#define BIP32_MAX_DEPTH 255

typedef struct bip32_key {
	uint8_t key[32];    /* private key */
	uint8_t chain[32];  /* chain code */
} bip32_key;

/* HMAC-SHA512("Bitcoin seed", seed). False (k wiped) in the ~2^-127 case
 * where the left half is not a valid secret key. */
bool bip32_master(bip32_key *k, const uint8_t *seed, size_t n);
/* CKDpriv: index >= BIP32_HARDENED is hardened. child may alias parent.
 * False (child wiped) when the tweak is invalid: BIP-32 says to skip to the
 * next index, which the caller decides. */
bool bip32_ckd_priv(bip32_key *child, const bip32_key *parent, uint32_t index);
/* The same with the parent's compressed public key (bip32_pubkey_compressed)
 * kept by the caller: a normal (non-hardened) step then costs no point
 * multiplication for the parent, which matters when many children of one
 * parent are derived. parent_pub NULL: computed here; hardened: unused. */
bool bip32_ckd_priv_pub(bip32_key *child, const bip32_key *parent, const uint8_t parent_pub[33], uint32_t index);
/* Applies path[0..depth) starting from `from`. */
bool bip32_derive(bip32_key *out, const bip32_key *from, const uint32_t *path, size_t depth);
/* The 33-byte SEC1 compressed public key. */
void bip32_pubkey_compressed(const bip32_key *k, uint8_t out[33]);
void bip32_wipe(bip32_key *k);

/* Parses "m/a/b'/..." into path (cap entries). False on any other shape. */
bool bip32_path_parse(const char *s, uint32_t *path, size_t cap, size_t *depth);
/* Appends "m/44'/1237'/..." (hardened steps with '). */
void bip32_path_format(buf *out, const uint32_t *path, size_t depth);

#endif
