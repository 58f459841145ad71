/* nip19.h — NIP-19 bech32 entities: npub, nsec, note, nprofile, nevent, naddr.
 *
 * Ownership: a nip19 value owns its relay strings and identifier. Start from
 * nip19_init() (or a successful nip19_decode / nip19_from_jv) and release with
 * nip19_free(), which zeroes the whole struct (an nsec holds a secret).
 *
 * Decoding is strict where the reference libraries are loose (vectors README,
 * "Disagreements" 10-11):
 *   - bech32 only: a bech32m checksum is refused (rust-nostr accepts it);
 *   - npub, nsec, note, and the 32-byte TLVs (special of nprofile/nevent,
 *     author) must be exactly 32 bytes (nostr-tools takes any length);
 *   - kind TLVs must be exactly 4 bytes (big-endian u32);
 *   - mixed case is refused, all-uppercase accepted;
 *   - strings up to NIP19_MAX_LEN (5000) characters, not BIP-173's 90;
 *   - relay and identifier values must be valid UTF-8 without NUL bytes;
 *   - a truncated TLV, an unknown prefix, a missing required TLV (special
 *     everywhere; author and kind for naddr) are errors.
 * Like both libraries: TLVs may come in any order, unknown TLV types (and
 * types not defined for the entity) are ignored, and for the single-valued
 * TLVs (0, 2, 3) the first occurrence wins and later ones are skipped unread.
 *
 * Encoding writes TLVs in rust-nostr's order: special (0), author (2),
 * kind (3), then relays (1) in their given order (nprofile: 0 then 1). The
 * nprofile example in the NIP-19 text is in that order; nostr-tools writes
 * 3,2,1,0. Decoders accept both, so compare decoded data, never strings.
 * A TLV value longer than 255 bytes is an error (both libraries silently
 * produce a corrupt string), and so is a result longer than NIP19_MAX_LEN.
 *
 * JSON (nip19_data_to_jv / nip19_from_jv) uses the shapes nostr-tools'
 * nip19.decode returns: a hex string for npub/nsec/note;
 * {"pubkey","relays"}; {"id","relays","author"?,"kind"?};
 * {"identifier","pubkey","kind","relays"}.
 */
#ifndef MU_NIP19_H
#define MU_NIP19_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <jv.h>

#include "buf.h"

#define NIP19_MAX_LEN 5000
#define NIP19_TLV_MAX 255

typedef enum nip19_type {
	NIP19_NPUB,
	NIP19_NSEC,
	NIP19_NOTE,
	NIP19_NPROFILE,
	NIP19_NEVENT,
	NIP19_NADDR,
} nip19_type;

typedef struct nip19 {
	nip19_type type;
	uint8_t    value[32];   /* npub, nprofile: pubkey; nsec: secret; note, nevent: event id */
	uint8_t    author[32];  /* nevent: author (optional); naddr: pubkey (required) */
	bool       has_author;
	uint32_t   kind;        /* nevent: optional; naddr: required */
	bool       has_kind;
	char      *identifier;  /* naddr only: the "d" tag, NUL-terminated, may be "" */
	char     **relays;      /* NUL-terminated strings, n_relays of them */
	size_t     n_relays;
} nip19;

typedef enum nip19_err {
	NIP19_OK = 0,
	NIP19_ERR_TOO_LONG,     /* more than NIP19_MAX_LEN characters */
	NIP19_ERR_CASE,         /* mixed upper and lower case */
	NIP19_ERR_CHAR,         /* a character outside the bech32 alphabet */
	NIP19_ERR_FORMAT,       /* no separator, too short, bad padding */
	NIP19_ERR_CHECKSUM,     /* bad bech32 checksum (bech32m included) */
	NIP19_ERR_PREFIX,       /* not one of the six NIP-19 prefixes */
	NIP19_ERR_LENGTH,       /* a key, id or kind of the wrong size */
	NIP19_ERR_TLV,          /* a TLV runs past the end of the data */
	NIP19_ERR_MISSING,      /* a required TLV is absent */
	NIP19_ERR_TEXT,         /* relay or identifier not UTF-8, or holds NUL */
	NIP19_ERR_VALUE_TOO_LONG, /* encoding: a TLV value over 255 bytes */
	NIP19_ERR_JSON,         /* nip19_from_jv: wrong shape or field */
} nip19_err;

const char *nip19_strerror(nip19_err e);

const char *nip19_type_name(nip19_type t);
/* "npub", ... -> type; false for anything else (exact lowercase). */
bool nip19_type_from_name(const char *name, nip19_type *t);
/* npub, nsec, note carry 32 bare bytes; the others are TLV lists. */
bool nip19_type_is_tlv(nip19_type t);

void nip19_init(nip19 *d, nip19_type t);
void nip19_free(nip19 *d);
/* Appends a copy of the relay URL (n bytes). */
void nip19_add_relay(nip19 *d, const char *url, size_t n);
void nip19_set_identifier(nip19 *d, const char *s, size_t n);

/* Decodes s[0..len). On error *d is left initialized-empty (nip19_free is
 * still safe) and detail (may be NULL) names the problem. */
nip19_err nip19_decode(const char *s, size_t len, nip19 *d, char *detail, size_t detail_len);

/* Appends the bech32 string to out. On error nothing is appended. */
nip19_err nip19_encode(buf *out, const nip19 *d, char *detail, size_t detail_len);
/* Shortcut for npub/nsec/note. */
void nip19_encode_bytes32(buf *out, nip19_type t, const uint8_t v[32]);

/* The decoded data in nostr-tools' shape (see above). */
jv nip19_data_to_jv(const nip19 *d);
/* {"type":"<prefix>","data":<nip19_data_to_jv>} */
jv nip19_to_jv(const nip19 *d);
/* The inverse of nip19_data_to_jv (borrows data). Hex may be either case;
 * "relays" may be absent; unknown fields are refused so typos do not pass. */
nip19_err nip19_from_jv(nip19_type t, jv data, nip19 *d, char *detail, size_t detail_len);

/* The text forms `mostro-key encode` accepts for type t: 64 hex digits (npub,
 * nsec, note), a JSON string of them, a JSON data object (TLV types), or a
 * whole decode record {"type":"<t>","data":...} whose type must be t.
 * Surrounding whitespace is ignored. */
nip19_err nip19_from_text(nip19_type t, const char *s, size_t n, nip19 *d, char *detail, size_t detail_len);

/* True when both describe the same entity (same type and data). */
bool nip19_equal(const nip19 *a, const nip19 *b);

#endif
