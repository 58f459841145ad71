/* nip06.h — NIP-06 keys from a BIP-39 seed: m/44'/1237'/<account>'/0/<index>.
 *
 * Mostro uses account 38383 (PROTOCOL.md §8.1): index 0 is the identity key,
 * indexes >= 1 are trade keys. NIP-06's own default account is 0.
 *
 * A nip06_account caches the m/44'/1237'/<account>'/0 node and its public
 * key, so a range of indexes costs one normal derivation each: an HMAC and
 * the child's own public key (mu_key), no multiplication for the parent. It
 * holds a secret: release it with nip06_account_wipe(). Keys come out as
 * mu_key (key_wipe them).
 */
#ifndef MU_NIP06_H
#define MU_NIP06_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "bip32.h"
#include "keys.h"

#define NIP06_COIN_TYPE 1237
#define NIP06_MOSTRO_ACCOUNT 38383
#define NIP06_INDEX_MAX 0x7fffffffu   /* account and index are 31-bit */
#define NIP06_PATH_MAX 48             /* "m/44'/1237'/2147483647'/0/2147483647" + NUL */

typedef struct nip06_account {
	bip32_key node;       /* m/44'/1237'/<account>'/0 */
	uint8_t   node_pub[33];  /* its compressed public key, the input of every child's HMAC */
	uint32_t  account;
} nip06_account;

/* "m/44'/1237'/<account>'/0/<index>" into out. */
void nip06_path_format(char out[NIP06_PATH_MAX], uint32_t account, uint32_t index);
/* Parses a NIP-06 path (hardened marks ' h H accepted); false unless it is
 * exactly m/44'/1237'/<account>'/0/<index>. */
bool nip06_path_parse(const char *s, uint32_t *account, uint32_t *index);

/* "N" or "A-B" (A <= B), each 0..NIP06_INDEX_MAX, decimal without sign or
 * leading zeros. Also used for a lone account number (first == last). */
bool nip06_index_range_parse(const char *s, uint32_t *first, uint32_t *last);

/* False when account > NIP06_INDEX_MAX or a derivation step is invalid. */
bool nip06_account_init(nip06_account *a, const uint8_t *seed, size_t seed_len, uint32_t account);
/* False when index > NIP06_INDEX_MAX or the key is invalid (~2^-127). */
bool nip06_account_key(const nip06_account *a, uint32_t index, mu_key *k);
void nip06_account_wipe(nip06_account *a);

/* One key straight from a seed. */
bool nip06_key(const uint8_t *seed, size_t seed_len, uint32_t account, uint32_t index, mu_key *k);

#endif
