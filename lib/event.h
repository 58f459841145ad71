/* event.h — Nostr events (NIP-01): strict parsing, canonical serialization,
 * id, BIP-340 signing and verification.
 *
 * Ownership: a nostr_event owns its `tags` and `content` jv values. Initialize
 * with event_init() (or a successful event_parse/event_from_jv), release with
 * event_free(). event_copy() makes an independent event sharing the immutable
 * jv values by reference count.
 *
 * Strictness (what event_parse refuses, with the field named in the detail):
 * id and pubkey not 64 lowercase hex; sig not 128 hex (either case, as both
 * nostr-tools and rust-nostr accept); created_at not an unsigned integer
 * literal (1.7e9 and 1700000000.0 are refused; values above 2^53 are exact);
 * kind outside 0..65535; tags not an array of non-empty arrays of strings;
 * content not a string; duplicate keys; lone surrogates; raw control bytes.
 * Unknown extra fields are ignored (they are not part of the id).
 */
#ifndef MU_EVENT_H
#define MU_EVENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <jv.h>

#include "buf.h"
#include "json.h"
#include "keys.h"

typedef struct nostr_event {
	uint8_t  id[32];
	uint8_t  pubkey[32];
	uint8_t  sig[64];
	uint64_t created_at;
	uint32_t kind;
	bool     has_id;
	bool     has_sig;
	jv       tags;        /* owned: array of arrays of strings */
	jv       content;     /* owned: string */
} nostr_event;

typedef enum event_err {
	EVENT_OK = 0,
	EVENT_ERR_JSON,        /* not valid JSON */
	EVENT_ERR_SHAPE,       /* not an object, or a required field is missing */
	EVENT_ERR_ID,          /* id is not 64 lowercase hex */
	EVENT_ERR_PUBKEY,      /* pubkey is not 64 lowercase hex */
	EVENT_ERR_SIG,         /* sig is not 128 hex */
	EVENT_ERR_CREATED_AT,  /* created_at is not an unsigned integer */
	EVENT_ERR_KIND,        /* kind is not an integer in 0..65535 */
	EVENT_ERR_TAGS,        /* tags is not an array of non-empty string arrays */
	EVENT_ERR_CONTENT,     /* content is not a string */
	EVENT_ERR_BAD_ID,      /* id does not match the serialized event */
	EVENT_ERR_BAD_SIG,     /* signature does not verify */
	EVENT_ERR_BAD_PUBKEY,  /* pubkey is not a point on the curve */
} event_err;

enum event_parse_flags {
	EVENT_ALLOW_NO_SIG = 1,   /* rumors (NIP-59) and templates carry no sig */
	EVENT_ALLOW_NO_ID  = 2,   /* templates carry no id */
	EVENT_ALLOW_NO_PUBKEY = 4,/* templates carry no pubkey */
	EVENT_ACCEPT_FRAME = 8,   /* event_parse: also take a relay frame ["EVENT",<sub>,<event>] */
	EVENT_RUMOR = 16,         /* a NIP-59 rumor as rust-nostr's UnsignedEvent reads it (mostro-core's
				     v1 unwrap): implies ALLOW_NO_SIG and ALLOW_NO_ID; "sig" is not a field
				     and is ignored whatever its value (go-nostr writes "sig":"", dart_nostr,
				     Mostro mobile's library, a real signature); "id":null = no id */
};

const char *event_strerror(event_err e);

void event_init(nostr_event *ev);
void event_free(nostr_event *ev);
void event_copy(nostr_event *dst, const nostr_event *src);

/* Parse from text (JSON_INTEGERS_ONLY) or from a jv (consumed). detail, when
 * non-NULL, receives a message naming the field ("created_at: not an integer").
 * On failure *ev owns nothing (calling event_free() on it is allowed and harmless),
 * so callers may free unconditionally or only after success. */
event_err event_parse(nostr_event *ev, const char *text, size_t len, int flags,
		      char *detail, size_t detail_len);
event_err event_from_jv(nostr_event *ev, jv v, int flags, char *detail, size_t detail_len);
/* Reads an event object at the cursor's position straight into *ev (no
 * intermediate jv object; the hot path of event_parse). The cursor should be
 * set up with JSON_INTEGERS_ONLY. Same checks and ownership as event_parse. */
event_err event_read(nostr_event *ev, json_cursor *c, int flags, char *detail, size_t detail_len);

/* The NIP-01 id preimage: [0,"<pubkey>",created_at,kind,tags,"content"]. */
void event_serialize(buf *b, const nostr_event *ev);
void event_compute_id(const nostr_event *ev, uint8_t id[32]);

/* EVENT_OK, EVENT_ERR_BAD_ID, EVENT_ERR_BAD_PUBKEY or EVENT_ERR_BAD_SIG. */
event_err event_verify(const nostr_event *ev);

/* Sets pubkey from k, computes the id and signs it (aux32 NULL = random). */
void event_sign(nostr_event *ev, const mu_key *k, const uint8_t *aux32);

/* {"id","pubkey","created_at","kind","tags","content","sig"} in that order
 * (rust-nostr's order); id/sig omitted when the event has none. */
void event_write(buf *b, const nostr_event *ev);
jv event_to_jv(const nostr_event *ev);

/* Tag access (borrowed pointers into ev->tags). event_tag_value returns element
 * `idx` of the first tag whose name is `name`, or NULL. */
const char *event_tag_value(const nostr_event *ev, const char *name, int idx, size_t *len);
/* Appends a tag built from n C strings. */
void event_add_tag(nostr_event *ev, int n, const char *const *elems);
void event_set_content(nostr_event *ev, const char *s, size_t n);
const char *event_content(const nostr_event *ev, size_t *len);

/* Hex helpers for display. */
void event_id_hex(const nostr_event *ev, char out[65]);
void event_pubkey_hex(const nostr_event *ev, char out[65]);

/* NIP-01 kind classes. */
bool kind_is_replaceable(uint32_t kind);   /* 0, 3, 10000..19999 */
bool kind_is_ephemeral(uint32_t kind);     /* 20000..29999 */
bool kind_is_addressable(uint32_t kind);   /* 30000..39999 */

#endif
