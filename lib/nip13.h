/* nip13.h — NIP-13 proof of work (PROTOCOL §1.5).
 *
 * Difficulty is the number of leading zero bits of the 32-byte event id,
 * counted from the most significant bit of the first byte. Receivers (mostrod,
 * nostr-tools, rust-nostr) only count bits; none checks the target committed in
 * the nonce tag.
 *
 * Mining adds a ["nonce","<n>","<target>"] tag as the LAST tag (any earlier
 * nonce tag is removed), as rust-nostr / mostro-core do, and searches n. The
 * event is serialized once; the SHA-256 state after the unchanged prefix (every
 * byte before the nonce digits) is kept, and each attempt copies that midstate
 * and hashes only the tail (digits, target, content). The decimal nonce is
 * incremented in place.
 *
 * v2 messages must be fresh (PROTOCOL §4.2: mostrod drops kind-14 events more
 * than 10 s old), so the miner can set created_at to the current time and keep
 * it current while it searches (the prefix is rebuilt when the second changes).
 *
 * Ownership: nip13_mine() works on the caller's event. ev->pubkey must already
 * be the signer's (the id covers it). On success the event has the nonce tag,
 * possibly a new created_at, and the id (has_id); any previous signature is
 * dropped (has_sig false): sign it next with event_sign(), which recomputes
 * the same id. On failure the event is unchanged.
 */
#ifndef MU_NIP13_H
#define MU_NIP13_H

#include <stdbool.h>
#include <stdint.h>

#include "event.h"

typedef enum nip13_err {
	NIP13_OK = 0,
	NIP13_ERR_TARGET,      /* target above 256 bits */
	NIP13_ERR_ATTEMPTS,    /* max_attempts tried without reaching the target */
	NIP13_ERR_DEADLINE,    /* the time budget ran out first */
} nip13_err;

const char *nip13_strerror(nip13_err e);

/* Leading zero bits of a 32-byte id (0..256). */
unsigned nip13_difficulty(const uint8_t id[32]);

typedef struct nip13_opts {
	unsigned target;          /* wanted difficulty in bits, 0..256 */
	uint64_t max_attempts;    /* 0: no limit */
	uint64_t timeout_ms;      /* 0: no limit */
	uint64_t start_nonce;     /* first nonce tried (nostr-tools starts at 1, rust-nostr at 0) */
	bool     fresh_created_at;/* created_at = now at the start and whenever the second changes */
	/* Wall clock in Unix seconds for fresh_created_at; NULL = time(). Tests
	 * pass a fake clock. */
	uint64_t (*now)(void *ctx);
	void    *now_ctx;
} nip13_opts;

typedef struct nip13_result {
	uint64_t attempts;        /* ids hashed */
	uint64_t nonce;           /* the nonce found (valid on NIP13_OK) */
	unsigned difficulty;      /* bits of the id found */
	unsigned prefix_rebuilds; /* times created_at changed during the search */
} nip13_result;

nip13_err nip13_mine(nostr_event *ev, const nip13_opts *o, nip13_result *r);

/* An attempt budget for target bits: 2^(target + NIP13_BUDGET_BITS), 64 times
 * the expected 2^target attempts, so an honest search gives up with
 * probability about e^-64; 0 (no limit) when that does not fit in 64 bits. */
#define NIP13_BUDGET_BITS 6
uint64_t nip13_attempt_budget(unsigned target);

#endif
