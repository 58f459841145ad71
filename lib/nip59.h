/* nip59.h — NIP-59 gift wrap primitives: rumor, seal (kind 13), gift wrap
 * (kind 1059), and opening a layer.
 *
 *   rumor  unsigned event (id computed, no sig), real created_at
 *   seal   kind 13, tags [], content NIP-44(author_sk -> receiver, rumor JSON),
 *          signed by the author, created_at backdated
 *   wrap   kind 1059, signed by a fresh random key, content NIP-44(ephemeral
 *          -> receiver, inner JSON), tags as the caller orders them (Mostro v1:
 *          expiration first, then p), NIP-13 nonce appended last when mined
 *
 * Backdating (nip59_tweaked): now minus a uniform random 0..172799 seconds,
 * never in the future, as nostr-tools and rust-nostr do.
 *
 * Ownership: output events are initialized here (event_free them); tags
 * passed as jv are CONSUMED. Ephemeral keys are wiped before returning.
 */
#ifndef MU_NIP59_H
#define MU_NIP59_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <jv.h>

#include "buf.h"
#include "event.h"
#include "keys.h"
#include "nip13.h"
#include "nip44.h"

#define NIP59_TWEAK_RANGE 172800u

/* now - uniform[0, NIP59_TWEAK_RANGE), floored at 0. */
uint64_t nip59_tweaked(uint64_t now);

/* An unsigned event authored by pk (id computed, has_sig false). tags consumed. */
void nip59_rumor(nostr_event *r, const uint8_t pk[32], uint32_t kind, uint64_t created_at,
		 jv tags, const char *content, size_t n);

/* Seal the JSON text of an inner event for receiver, signed by author. */
nip44_err nip59_seal(nostr_event *seal, const mu_key *author, const uint8_t receiver[32],
		     const char *inner, size_t n, uint64_t created_at);
/* The same with the receiver already parsed (a seal and its wrap go to the
 * same key: one square root for both). */
nip44_err nip59_seal_to(nostr_event *seal, const mu_key *author, const nip44_peer *receiver,
			const char *inner, size_t n, uint64_t created_at);

typedef enum nip59_err {
	NIP59_OK = 0,
	NIP59_ERR_ENCRYPT,     /* NIP-44 refused (*ne says why: receiver key, length) */
	NIP59_ERR_POW,         /* mining stopped before the target (see nip13_mine) */
} nip59_err;

/* Gift wrap inner JSON for receiver with a fresh ephemeral key. tags
 * (consumed) in final order. pow (NULL, or target 0: none) mines a nonce tag
 * on the wrap before it is signed, within pow's limits, without changing
 * created_at (fresh_created_at is ignored). ne (may be NULL) receives the
 * NIP-44 error. On failure *wrap is empty (event_free it as usual) and
 * nothing is signed. */
nip59_err nip59_gift_wrap(nostr_event *wrap, const uint8_t receiver[32], const char *inner,
			  size_t n, uint64_t created_at, jv tags, const nip13_opts *pow, nip44_err *ne);
nip59_err nip59_gift_wrap_to(nostr_event *wrap, const nip44_peer *receiver, const char *inner,
			     size_t n, uint64_t created_at, jv tags, const nip13_opts *pow, nip44_err *ne);

/* Decrypts ev->content with (sk, ev->pubkey); plaintext appended to out. */
nip44_err nip59_open(buf *out, const uint8_t sk[32], const nostr_event *ev);

#endif
