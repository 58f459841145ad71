/* mostro_envelope.h — Mostro message envelopes on both transports (PROTOCOL
 * §3-4, §6) and the receiving side for every envelope a Mostro peer meets
 * (messages and chat, §9).
 *
 * Sending (mostro_wrap):
 *   v1 (gift wrap, kind 1059): rumor kind 1 by the trade key, real time,
 *      content [M, sig|null]; seal kind 13 by the identity key (the trade key
 *      in full privacy), backdated 0-2 days; wrap kind 1059 by a fresh key,
 *      backdated 0-2 days, tags [expiration?], [p], [nonce?].
 *   v2 (kind 14): signed by the trade key, real time, content
 *      NIP-44(trade -> receiver, [M, sig|null, [identity, proof]|null]), tags
 *      [p], [expiration?], [nonce?]; PoW refreshes created_at while mining.
 *   Reputation mode (identity key given): trade signature always, identity
 *   proof (v2) or identity-signed seal (v1). Full privacy: signature only if
 *   asked (mostro-core's `signed`), no proof. M is the canonical message text.
 *
 * Receiving (env_unwrap), in mostrod's order where it has one: kind, PoW,
 * outer id and signature, replay (see ENV_DEDUPE_WINDOW), addressing (a p tag naming one of our keys,
 * or for current-format chat an author that is one of our conversations'
 * K_sign), decryption, inner layers, signature rules, freshness. Binding
 * rules:
 *   Mostro v1: seal verified; seal signer = identity, rumor author = trade key,
 *     trade signature (if any) over the canonical message by the rumor
 *     author; a seal from another key needs a trade signature.
 *   Mostro v2: trade signature by the event author; identity proof bound to
 *     the event author; a proof naming another key needs a trade signature.
 *   Plain NIP-59 (a rumor that is not a Mostro tuple): rumor author = seal
 *     signer (nak#110), reported as chat.
 *   Chat current/legacy: inner event signed, kind 1, by our key or the peer's.
 * A rumor's own id is not checked (mostro-core does not; chat rumors are
 * reported with their id recomputed). mostrod's structural verify() gate is
 * not applied.
 *
 * Ownership: env_keyring owns copies of the keys (wiped by env_keyring_free).
 * env_opened owns its tuple and rumor: env_opened_free(). The unwrapper
 * borrows the keyring.
 */
#ifndef MU_MOSTRO_ENVELOPE_H
#define MU_MOSTRO_ENVELOPE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "event.h"
#include "idset.h"
#include "keys.h"
#include "mostro_chat.h"
#include "mostro_sign.h"
#include "nip44.h"

typedef enum mostro_transport { MOSTRO_V1 = 1, MOSTRO_V2 = 2 } mostro_transport;

/* "v1"/"gift-wrap"/"1" and "v2"/"nip44"/"2". */
bool mostro_transport_parse(const char *s, mostro_transport *t);

#define MOSTRO_V2_DEFAULT_EXPIRATION (30u * 86400u)  /* Mostro's dm_days */

/* The largest NIP-13 target mostro_wrap mines: 2^32 (4.3e9) expected
 * attempts, about an hour on one core for a Mostro-sized event (bench/crypto
 * measures ~1.4M attempts/s on a 1 KiB event); every further bit doubles it
 * (40 bits: about nine days; 64 bits: ~400,000 years). Above it is a
 * mistake, not a plan. */
#define MOSTRO_POW_MAX 32

typedef struct mostro_wrap_opts {
	mostro_transport transport;
	unsigned pow;               /* NIP-13 bits on the outer event, 0..MOSTRO_POW_MAX */
	uint64_t pow_attempts;      /* mining gives up after this many ids (ENV_WRAP_POW);
				       0: nip13_attempt_budget(pow) */
	bool     has_expiration;
	uint64_t expiration;        /* absolute Unix time for the NIP-40 tag */
	bool     has_created_at;    /* false: now (and PoW keeps it current) */
	uint64_t created_at;        /* rumor (v1) / event (v2) time, any u64 (0 too) */
	bool     sign;              /* trade signature in full privacy mode */
} mostro_wrap_opts;

typedef enum env_wrap_err {
	ENV_WRAP_OK = 0,
	ENV_WRAP_RECEIVER,          /* receiver is not a valid public key */
	ENV_WRAP_TOO_LONG,          /* v2 tuple or v1 rumor over NIP-44's 65535 bytes */
	ENV_WRAP_SEAL_TOO_LONG,     /* v1: the seal around the rumor over 65535 bytes */
	ENV_WRAP_POW,               /* mining gave up (pow_attempts) */
	ENV_WRAP_POW_TARGET,        /* pow above MOSTRO_POW_MAX */
} env_wrap_err;

const char *env_wrap_strerror(env_wrap_err e);

/* msg: canonical message text (mostro_msg_write). identity NULL, or equal to
 * trade, is full privacy. */
env_wrap_err mostro_wrap(nostr_event *out, const char *msg, size_t n, const mu_key *trade,
			 const mu_key *identity, const uint8_t receiver[32], const mostro_wrap_opts *o);

/* The same envelope around a content tuple given verbatim (not parsed, not
 * signed): for crafting odd or malformed envelopes in tests. identity signs
 * the v1 seal (NULL: the trade key); v2 ignores it. */
env_wrap_err mostro_wrap_tuple(nostr_event *out, const char *tuple, size_t n, const mu_key *trade,
			       const mu_key *identity, const uint8_t receiver[32], const mostro_wrap_opts *o);

/* ------------------------------------------------------------ receiving */

typedef enum env_reason {
	ENV_OK = 0,
	ENV_BAD_JSON,            /* "bad-json": the line is not JSON */
	ENV_BAD_EVENT,           /* "bad-event": not a NIP-01 event */
	ENV_BAD_KIND,            /* "bad-kind": not 1059 or 14 */
	ENV_POW,                 /* "insufficient-pow" */
	ENV_BAD_SIGNATURE,       /* "bad-signature": outer id or signature */
	ENV_REPLAY,              /* "replay": id already seen (--dedupe) */
	ENV_NOT_FOR_US,          /* "not-for-us": no p tag names one of our keys */
	ENV_BAD_MAC,             /* "bad-mac": addressed to us but does not decrypt */
	ENV_BAD_SEAL,            /* "bad-seal": seal layer (shape, kind, signature, decryption, author binding) */
	ENV_BAD_RUMOR,           /* "bad-rumor": the seal holds no event (an unsigned rumor) */
	ENV_BAD_MESSAGE,         /* "bad-message": tuple or message refused by mostro-core's parser */
	ENV_BAD_TRADE_SIGNATURE, /* "bad-trade-signature": does not verify, or missing where mostrod needs it */
	ENV_BAD_IDENTITY_PROOF,  /* "bad-identity-proof": does not verify, or comes without a trade signature */
	ENV_BAD_CHAT,            /* "bad-chat": chat envelope rules (p tag, inner event, signer, skew) */
	ENV_STALE,               /* "stale": older than --max-age */
} env_reason;

const char *env_reason_code(env_reason r);

typedef enum env_key_role { ENV_KEY_TRADE, ENV_KEY_CHAT } env_key_role;

typedef struct env_key {
	env_key_role role;
	mu_key       key;       /* TRADE: the key; CHAT: K_conv */
	mu_key       legacy;    /* CHAT: the legacy shared key */
	uint8_t      sign_pk[32];  /* CHAT: pub(K_sign) */
	uint8_t      owner[32];    /* CHAT: our trade pubkey */
	uint8_t      peer[32];     /* CHAT: the peer's pubkey */
} env_key;

/* The ring's keys are found by public key in constant time (idsets whose
 * time is the position in k): by_trade for TRADE keys (key.pk, each once),
 * by_legacy and by_sign for CHAT entries (legacy.pk, sign_pk; the first entry
 * added wins, as a scan in order would find it). Adding n keys costs O(n). */
typedef struct env_keyring {
	env_key *k;
	size_t   n, cap;
	idset    by_trade, by_legacy, by_sign;
} env_keyring;

void env_keyring_init(env_keyring *r);
void env_keyring_free(env_keyring *r);
/* A key we receive on (a trade key, Mostro's key, a solver's key). */
void env_keyring_add(env_keyring *r, const mu_key *k);
/* A chat peer: derives the conversation keys with every key added so far. */
bool env_keyring_add_peer(env_keyring *r, const uint8_t peer[32]);

/* --dedupe: an event whose id is among the last N events that opened is a
 * replay. Only an event that opened (every check passed, --max-age
 * included) is recorded: one that fails is never remembered, so no sender
 * grows the set with events that are not ours or do not decrypt, and its
 * repeat fails again for its own reason. The set is a window by count: at
 * least the ids of the last dedupe_window opened events are remembered;
 * older ones are forgotten (in batches, so at most about twice as many are
 * held), and an event re-sent after that many others opens again. */
#define ENV_DEDUPE_WINDOW     50000u
#define ENV_DEDUPE_WINDOW_MAX 10000000u

typedef struct env_opts {
	unsigned min_pow;      /* 0 = off */
	bool     has_max_age;  /* false = off; true: max_age is the bound (0 included) */
	uint64_t max_age;      /* seconds */
	bool     dedupe;
	size_t   dedupe_window; /* 0: ENV_DEDUPE_WINDOW */
	uint64_t now;          /* 0 = the clock */
} env_opts;

typedef enum env_type { ENV_MESSAGE, ENV_CHAT } env_type;

typedef struct env_opened {
	env_type         type;
	mostro_transport transport;
	chat_format      format;      /* ENV_CHAT */
	uint8_t          id[32];      /* outer event id */
	uint8_t          recipient[32];
	uint8_t          sender[32];
	uint8_t          identity[32];   /* ENV_MESSAGE: proven identity (= sender in full privacy) */
	uint64_t         created_at;     /* inner timestamp */
	mostro_tuple     tuple;          /* ENV_MESSAGE */
	nostr_event      rumor;          /* ENV_CHAT: the inner event */
} env_opened;

void env_opened_free(env_opened *o);

/* NIP-44 conversation keys of recent (our key, peer) pairs: a seal from the
 * same identity, a v2 event from the same trade key, a chat conversation cost
 * no ECDH the second time. Ephemeral v1 wrap keys are never cached. */
#define ENV_CONV_CACHE 64

typedef struct env_conv_slot {
	uint8_t    our[32], peer[32];
	nip44_conv conv;
	uint64_t   used;       /* 0 = empty */
} env_conv_slot;

typedef struct env_unwrapper {
	const env_keyring *ring;
	env_opts           opts;
	idset              seen;        /* --dedupe: ids of opened events, time = opened_count */
	uint64_t           opened_count;
	buf                pt1, pt2;    /* plaintext scratch, wiped per event */
	env_conv_slot     *conv;        /* ENV_CONV_CACHE slots, wiped on free */
	uint64_t           tick;
	uint64_t           conv_hits, conv_misses;
} env_unwrapper;

void env_unwrapper_init(env_unwrapper *u, const env_keyring *ring, const env_opts *o);
void env_unwrapper_free(env_unwrapper *u);

/* Opens one event. On ENV_OK *out is filled (free it with env_opened_free);
 * otherwise detail names what failed. */
env_reason env_unwrap(env_unwrapper *u, const nostr_event *ev, env_opened *out,
		      char *detail, size_t dlen);

/* One input line of mostro-unwrap: a bare event or ["EVENT",<sub>,<event>].
 * ENV_OK with *ev parsed (event_free it in every case), ENV_BAD_JSON or
 * ENV_BAD_EVENT with a detail. */
env_reason env_parse_line(const char *line, size_t len, nostr_event *ev, char *d, size_t dn);

/* The output record: {"type":"message",...} / {"type":"chat",...}. */
void env_opened_write(buf *b, const env_opened *o);

#endif
