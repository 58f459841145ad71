/* mostro_chat.h — peer-to-peer and dispute chat envelopes (PROTOCOL §9).
 * mostrod is not involved; both parties (or a party and the solver) derive
 * the conversation keys from ECDH of their keys.
 *
 * Current format (§9.1, mostro-core >= 0.14.x chat/keys.rs):
 *   shared = ECDH x(own_sk, peer_pk)          (raw X, peer lifted to even Y)
 *   PRK    = HKDF-Extract(salt = empty, shared)
 *   K_conv = HKDF-Expand(PRK, "mostro:chat:conv:v1", 32), K_sign likewise with
 *            "mostro:chat:sign:v1"; an invalid scalar retries with info||1, ||2...
 *   inner  kind 1 signed by the sender's own key, content = text, tags []
 *   outer  kind 14 by K_sign, exactly one tag ["p", pub(K_conv)], real
 *          created_at, content = NIP-44(K_conv -> pub(K_conv), inner JSON)
 * Legacy format (§9.2, mostro-core 0.14.0 chat module):
 *   shared key = the ECDH x used as a secret key
 *   inner kind 1 signed by the sender; NIP-44 from a fresh ephemeral key to
 *   the shared pubkey; outer kind 1059 by the ephemeral key, ["p", shared
 *   pubkey], created_at backdated up to 2 days. No seal.
 * Plain NIP-59 ("nip59"): a NIP-17 style kind-14 rumor by the sender, sealed
 *   by the sender, gift-wrapped to the peer; the receiver requires rumor
 *   author == seal author (nak#110).
 *
 * Ownership: chat_keys hold secrets: chat_keys_wipe(). Events are initialized
 * here; event_free them.
 */
#ifndef MU_MOSTRO_CHAT_H
#define MU_MOSTRO_CHAT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "event.h"
#include "keys.h"
#include "nip44.h"

#define CHAT_CONV_INFO "mostro:chat:conv:v1"
#define CHAT_SIGN_INFO "mostro:chat:sign:v1"
#define CHAT_MAX_SKEW  60    /* |inner - outer| created_at, seconds */
#define CHAT_MAX_FUTURE 60   /* current format: outer created_at ahead of now, seconds */

typedef enum chat_format { CHAT_CURRENT, CHAT_LEGACY, CHAT_NIP59 } chat_format;
extern const char *const chat_format_names[3];   /* "current", "legacy", "nip59" */
bool chat_format_parse(const char *s, chat_format *f);

typedef struct chat_keys {
	mu_key conv;     /* K_conv: NIP-44 key, its pubkey is the p tag */
	mu_key sign;     /* K_sign: signs the outer kind 14 */
	mu_key legacy;   /* the legacy shared key (ECDH x as a secret key) */
} chat_keys;

/* Raw shared X of own secret and peer pubkey; false if either is invalid. */
bool chat_shared_secret(uint8_t shared[32], const uint8_t own_sk[32], const uint8_t peer_pk[32]);
/* Derives K_conv, K_sign and the legacy key from a shared secret. False only
 * if the legacy key is not a valid scalar (the HKDF keys always retry). */
bool chat_keys_from_shared(chat_keys *k, const uint8_t shared[32]);
bool chat_keys_derive(chat_keys *k, const uint8_t own_sk[32], const uint8_t peer_pk[32]);
void chat_keys_wipe(chat_keys *k);

/* HKDF-SHA256 with an empty salt, one 32-byte block (exposed for tests). */
void chat_hkdf32(uint8_t out[32], const uint8_t ikm[32], const uint8_t *info, size_t info_len);

/* Builds the outer event for `text` from own to peer, dated *created_at
 * (any u64, 0 too) or now when created_at is NULL. */
nip44_err chat_wrap(nostr_event *out, chat_format f, const mu_key *own, const uint8_t peer[32],
		    const char *text, size_t n, const uint64_t *created_at);

#endif
