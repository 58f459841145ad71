/* bip39.h — BIP-39 mnemonics (English list): generate, validate, seed.
 *
 * Secrets: mnemonics, entropy, passphrases and seeds are secrets. Output bufs
 * hold them: the caller releases them with buf_wipe(); seed arrays are the
 * caller's to sodium_memzero(). Every internal copy (entropy, normalized
 * text, PBKDF2 blocks) is wiped before these functions return. libunistring
 * may keep short-lived scratch buffers of its own during NFKD that we cannot
 * wipe; they are freed before u8_normalize returns.
 *
 * Validation (bip39_check) names what is wrong by position, never by echoing
 * the text: a mnemonic with one typo is still almost all secret.
 *
 * Seed: PBKDF2-HMAC-SHA512(NFKD(mnemonic), "mnemonic" || NFKD(passphrase),
 * 2048 rounds, 64 bytes), normalization through libunistring (BIP-39 needs
 * NFKD; rust-nostr 0.43 skips it, see tests/vectors/README "gotchas" 12).
 * The mnemonic is used as given: pass the single-space form (what
 * secret_load_mnemonic produces) after bip39_check.
 */
#ifndef MU_BIP39_H
#define MU_BIP39_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "buf.h"

#define BIP39_WORDS 2048
#define BIP39_SEED_LEN 64

extern const char *const bip39_english[BIP39_WORDS];

typedef enum bip39_err {
	BIP39_OK = 0,
	BIP39_ERR_WORD_COUNT,   /* not 12, 15, 18, 21 or 24 words */
	BIP39_ERR_UNKNOWN_WORD, /* a word not in the English list */
	BIP39_ERR_CHECKSUM,     /* every word known, but the checksum bits disagree */
	BIP39_ERR_UTF8,         /* text is not valid UTF-8 (cannot normalize) */
	BIP39_ERR_ENTROPY,      /* entropy not 16, 20, 24, 28 or 32 bytes */
} bip39_err;

typedef struct bip39_error {
	bip39_err code;
	int       position;     /* 1-based word position for UNKNOWN_WORD, else 0 */
	int       words;        /* number of words seen */
} bip39_error;

const char *bip39_strerror(bip39_err e);
/* "word 5 is not in the BIP-39 English word list", "13 words (need 12, 15,
 * 18, 21 or 24)", "checksum mismatch: a word is wrong or out of order". */
void bip39_describe(const bip39_error *e, char *out, size_t cap);

/* Index of a word in the list, or -1. */
int bip39_word_index(const char *w, size_t n);

/* Mnemonic of 12/15/18/21/24 words for 16/20/24/28/32 bytes of entropy. */
bip39_err bip39_from_entropy(const uint8_t *ent, size_t n, buf *out);
/* Fresh mnemonic from libsodium randomness (words: 12, 15, 18, 21 or 24). */
bip39_err bip39_generate(int words, buf *out);

/* Validates words separated by ASCII whitespace. When ent is non-NULL it
 * receives the entropy (up to 32 bytes, *ent_len set): wipe it. err may be NULL. */
bip39_err bip39_check(const char *mnemonic, size_t len, uint8_t *ent, size_t *ent_len,
		      bip39_error *err);

/* NFKD of UTF-8 text, appended to out (wipe out). */
bip39_err bip39_nfkd(const char *s, size_t n, buf *out);

/* The 64-byte seed (pass may be NULL for ""). */
bip39_err bip39_seed(const char *mnemonic, size_t mlen, const char *pass, size_t plen,
		     uint8_t seed[BIP39_SEED_LEN]);

/* PBKDF2-HMAC-SHA512 (exposed for tests). */
void pbkdf2_hmac_sha512(const uint8_t *pw, size_t pwlen, const uint8_t *salt, size_t saltlen,
			unsigned rounds, uint8_t *out, size_t outlen);

#endif
