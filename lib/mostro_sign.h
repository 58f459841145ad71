/* mostro_sign.h — the trade signature and the v2 identity proof (PROTOCOL §3),
 * and the content tuple that carries them.
 *
 * Rule (mostro-core Message::sign): BIP-340 over sha256(text), where text is
 * the CANONICAL message (mostro_msg_write), never the bytes a peer sent.
 *   trade signature  = schnorr(trade_sk,    sha256(M))
 *   identity proof   = schnorr(identity_sk, sha256("mostro-transport-v2-identity:"
 *                                                  || trade_pubkey_hex || ":" || M))
 * Signatures are 64 bytes, 128 lowercase hex on the wire (either case is read).
 *
 * The content tuple (what NIP-44 encrypts): v1 `[M, sig|null]`, v2
 * `[M, sig|null, [identity_pubkey_hex, identity_sig]|null]`. Parsing checks
 * the arity for the transport, parses M with mostro_msg's strictness and
 * decodes the signature fields; it does not verify (the transport knows which
 * key authored the message, mostro_tuple_verify checks it).
 *
 * Ownership: a mostro_tuple owns its message and its canonical text; release
 * with mostro_tuple_free(). Keys are borrowed.
 */
#ifndef MU_MOSTRO_SIGN_H
#define MU_MOSTRO_SIGN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "keys.h"
#include "mostro_msg.h"

#define MOSTRO_IDENTITY_TAG "mostro-transport-v2-identity:"

/* sha256 of the message text: the 32 bytes BIP-340 signs. */
void mostro_digest(uint8_t out[32], const char *msg, size_t n);
/* aux32 NULL = random auxiliary data (as Mostro peers); zeros for test vectors. */
void mostro_sign(const mu_key *trade, const char *msg, size_t n, const uint8_t *aux32, uint8_t sig[64]);
bool mostro_verify(const uint8_t pk[32], const char *msg, size_t n, const uint8_t sig[64]);

/* The identity-proof payload string, appended to b. */
void mostro_identity_payload(buf *b, const uint8_t trade_pk[32], const char *msg, size_t n);
void mostro_identity_sign(const mu_key *identity, const uint8_t trade_pk[32], const char *msg,
			  size_t n, const uint8_t *aux32, uint8_t sig[64]);
bool mostro_identity_verify(const uint8_t identity_pk[32], const uint8_t trade_pk[32],
			    const char *msg, size_t n, const uint8_t sig[64]);

typedef enum mostro_tuple_err {
	MOSTRO_TUPLE_OK = 0,
	MOSTRO_TUPLE_ERR_JSON,          /* plaintext is not JSON */
	MOSTRO_TUPLE_ERR_SHAPE,         /* not an array of the transport's arity */
	MOSTRO_TUPLE_ERR_MESSAGE,       /* element 1 is not a valid message (see msg_err) */
	MOSTRO_TUPLE_ERR_SIG_FORMAT,    /* element 2 not null and not 64 hex bytes */
	MOSTRO_TUPLE_ERR_PROOF_FORMAT,  /* element 3 not null and not [pubkey, 64-byte hex sig] */
	MOSTRO_TUPLE_ERR_TRADE_SIG,     /* trade signature does not verify (mostro_tuple_verify) */
	MOSTRO_TUPLE_ERR_IDENTITY,      /* identity proof does not verify */
	MOSTRO_TUPLE_ERR_UNSIGNED_PROOF,/* identity proof without a trade signature */
} mostro_tuple_err;

const char *mostro_tuple_strerror(mostro_tuple_err e);

typedef struct mostro_tuple {
	int        arity;              /* 2 (v1) or 3 (v2) */
	mostro_msg msg;
	buf        canonical;          /* mostro_msg_write(msg): what was signed */
	bool       has_trade_sig;
	uint8_t    trade_sig[64];
	bool       has_proof;
	uint8_t    identity_pk[32];
	secp256k1_xonly_pubkey identity_x;   /* identity_pk parsed (once) when has_proof */
	uint8_t    identity_sig[64];
} mostro_tuple;

void mostro_tuple_init(mostro_tuple *t);
void mostro_tuple_free(mostro_tuple *t);

/* Parses a content tuple of exactly `arity` elements into t (which must not
 * hold a previous parse: mostro_tuple_free it first). detail (may be NULL)
 * receives a message naming the element or field. Free t in every case. */
mostro_tuple_err mostro_tuple_parse(mostro_tuple *t, const char *text, size_t len, int arity,
				    char *detail, size_t detail_len);

/* Checks the signatures against the trade key that authored the message
 * (v1: rumor author; v2: event author): the trade signature if present, the
 * identity proof if present (naming a key other than the trade key, it must
 * come with a trade signature: mostrod drops such a message). */
mostro_tuple_err mostro_tuple_verify(const mostro_tuple *t, const uint8_t trade_pk[32]);
/* The same with the trade key already parsed (the caller verified the event
 * it authored: one square root saved). trade may be NULL when there is no
 * trade signature. */
mostro_tuple_err mostro_tuple_verify_parsed(const mostro_tuple *t, const uint8_t trade_pk[32],
					    const secp256k1_xonly_pubkey *trade);

/* Writes `[M,sig|null]` or `[M,sig|null,[pk,sig]|null]`. msg is the canonical
 * text; trade_sig / identity_pk+identity_sig may be NULL. */
void mostro_tuple_write(buf *b, int arity, const char *msg, size_t n, const uint8_t *trade_sig,
			const uint8_t *identity_pk, const uint8_t *identity_sig);

/* Parses a public key the way nostr's PublicKey::from_str does: 64 hex digits
 * (either case), npub1..., or nostr:npub1...; the point must be on the curve. */
bool mostro_parse_pubkey(const char *s, size_t n, uint8_t pk[32]);

#endif
