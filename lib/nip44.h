/* nip44.h — NIP-44 v2 encryption (PROTOCOL §1.4), used for every encrypted
 * payload: v1 seal/wrap content, v2 kind-14 content, chat.
 *
 *   conversation key = HKDF-Extract(salt "nip44-v2", raw ECDH x)
 *   message keys     = HKDF-Expand(conversation key, info = nonce, 76 bytes)
 *                      -> chacha key[32] | chacha nonce[12] | hmac key[32]
 *   payload          = base64(0x02 | nonce[32] | ChaCha20(pad(plaintext)) | mac[32])
 *
 * HMAC-SHA256 runs over lib/sha256.h (OpenSSL, SHA-NI where present; about 4x
 * libsodium's portable SHA-256 here), and a conversation key carries the HMAC
 * inner/outer midstates of its PRK, so HKDF-Expand costs 6 compressions.
 * ChaCha20 is libsodium's (RFC 8439, counter 0). The MAC is compared in
 * constant time and checked before anything is decrypted.
 *
 * Ownership and secrets: a nip44_conv holds key material; derive it once per
 * peer (unwrapping many messages from one peer reuses it) and release it with
 * nip44_conv_wipe(). Message keys live on the stack and are wiped before
 * returning. Output goes to a caller-owned buf, appended at b->len, so a caller
 * that reuses one buf pays no allocation per message; decrypted plaintext is a
 * secret of the caller's (buf_wipe when done). On error the buf's length is
 * unchanged and no partial plaintext is left in its spare capacity.
 *
 * Plaintexts are 1..65535 bytes (the 2-byte length prefix; the extended 6-byte
 * prefix of newer NIP-44 drafts is not supported, PROTOCOL §1.4). Bytes are
 * not checked for UTF-8 here: callers parse the plaintext as JSON.
 */
#ifndef MU_NIP44_H
#define MU_NIP44_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <secp256k1.h>
#include <secp256k1_extrakeys.h>

#include "buf.h"
#include "sha256.h"

#define NIP44_VERSION        2
#define NIP44_MIN_PLAINTEXT  1
#define NIP44_MAX_PLAINTEXT  65535
/* Limits on the base64 text and on the decoded bytes (NIP-44 decode rules). */
#define NIP44_MIN_PAYLOAD    132
#define NIP44_MAX_PAYLOAD    87472
#define NIP44_MIN_DATA       99
#define NIP44_MAX_DATA       65603

typedef enum nip44_err {
	NIP44_OK = 0,
	NIP44_ERR_SECRET_KEY,      /* secret key zero or not below the curve order */
	NIP44_ERR_PUBLIC_KEY,      /* public key is not the x coordinate of a curve point */
	NIP44_ERR_PLAINTEXT_LEN,   /* plaintext empty or longer than 65535 bytes */
	NIP44_ERR_PAYLOAD_LEN,     /* base64 text shorter than 132 or longer than 87472 */
	NIP44_ERR_VERSION,         /* starts with '#' or version byte is not 2 */
	NIP44_ERR_BASE64,          /* not padded standard base64 */
	NIP44_ERR_DATA_LEN,        /* decoded length outside 99..65603 */
	NIP44_ERR_MAC,             /* authentication failed (wrong key or tampered) */
	NIP44_ERR_PADDING,         /* length prefix inconsistent with the padded size */
} nip44_err;

const char *nip44_strerror(nip44_err e);

/* A conversation key and the HMAC midstates derived from it. */
typedef struct nip44_conv {
	uint8_t    key[32];
	sha256_ctx inner;      /* sha256 state after (key ^ ipad) */
	sha256_ctx outer;      /* sha256 state after (key ^ opad) */
} nip44_conv;

/* conv(sk, pk) == conv(pk's secret, sk's public key). Self-encryption is valid. */
nip44_err nip44_conversation_key(nip44_conv *c, const uint8_t sk[32], const uint8_t pk[32]);

/* A peer's x-only key lifted to even Y once (one square root) and kept in
 * both forms: the point for ECDH and the x-only key that verifies what the
 * peer signed. A receiver that verifies an event and then decrypts it with
 * the event's author (NIP-59 wrap and seal, Mostro v2) parses the key once. */
typedef struct nip44_peer {
	secp256k1_pubkey       point;
	secp256k1_xonly_pubkey xonly;
} nip44_peer;

/* False when pk is not the x coordinate of a curve point. */
bool nip44_peer_parse(nip44_peer *p, const uint8_t pk[32]);
/* nip44_conversation_key with the peer already parsed. */
nip44_err nip44_conversation_key_peer(nip44_conv *c, const uint8_t sk[32], const nip44_peer *p);
/* Loads a conversation key given as 32 bytes (test vectors). */
void nip44_conv_from_key(nip44_conv *c, const uint8_t key[32]);
void nip44_conv_wipe(nip44_conv *c);

/* The HKDF-Expand split for one nonce (exposed for the test vectors). */
void nip44_message_keys(const nip44_conv *c, const uint8_t nonce[32], uint8_t chacha_key[32],
			uint8_t chacha_nonce[12], uint8_t hmac_key[32]);

/* Padded size for an unpadded length (1..65535): 32 minimum, then chunks. */
size_t nip44_calc_padded_len(size_t len);

/* Appends the base64 payload to out. nonce NULL draws 32 random bytes; pass a
 * fixed nonce only for test vectors (reusing a nonce with a key leaks). */
nip44_err nip44_encrypt(buf *out, const nip44_conv *c, const void *plaintext, size_t n,
			const uint8_t *nonce);

/* Appends the plaintext to out (NUL-terminated as every buf). */
nip44_err nip44_decrypt(buf *out, const nip44_conv *c, const char *payload, size_t len);

/* One-shot forms that derive (and wipe) the conversation key. */
nip44_err nip44_encrypt_to(buf *out, const uint8_t sk[32], const uint8_t pk[32],
			   const void *plaintext, size_t n);
nip44_err nip44_encrypt_to_peer(buf *out, const uint8_t sk[32], const nip44_peer *p,
				const void *plaintext, size_t n);
nip44_err nip44_decrypt_from(buf *out, const uint8_t sk[32], const uint8_t pk[32],
			     const char *payload, size_t len);

#endif
