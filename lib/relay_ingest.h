/* relay_ingest.h — what the embedded relay does with an ["EVENT", ...] frame
 * before touching its database: parse, apply the limits and the NIP-01/40
 * rules, verify the id and signature (once), and produce the canonical JSON
 * that is stored and sent to subscribers (serialized once: the id preimage and
 * the JSON share the serialized tags and content).
 *
 * Pure and thread-safe (no database, no globals besides the libsecp256k1
 * context, which must have been created — secp() — before threads start), so
 * a batch of frames can be prepared on several cores.
 *
 * Checks, in order, each refusal an OK false with the given prefix:
 *   malformed frame or event        invalid:  (NOTICE when there is no id)
 *   kind 22242                      invalid:  AUTH events are not published
 *   more than max_event_tags tags   invalid:
 *   canonical JSON > max_event_size invalid:
 *   created_at above 2^63-1         invalid:
 *   expiration tag not an integer   invalid:
 *   expiration <= now               invalid:  (NIP-40: already expired)
 *   id does not match               invalid:
 *   pubkey not a curve point        invalid:
 *   signature does not verify       invalid:
 *
 * Ownership: an ingest_result owns its relay_event; release with
 * ingest_result_free() whatever the status.
 */
#ifndef MU_RELAY_INGEST_H
#define MU_RELAY_INGEST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "event.h"
#include "relay_config.h"

/* A verified event, ready for storing and delivery. */
typedef struct relay_event {
	nostr_event ev;             /* owned */
	char       *json;           /* canonical event JSON, owned */
	size_t      json_len;
	bool        has_expiration;
	uint64_t    expiration;     /* NIP-40 */
	char       *d;              /* replaceable: ""; addressable: first d tag value
				     * ("" when absent); regular/ephemeral: NULL. Owned. */
	size_t      d_len;
} relay_event;

void relay_event_free(relay_event *re);

typedef enum ingest_status {
	INGEST_STORE = 0,   /* valid: regular, replaceable or addressable */
	INGEST_EPHEMERAL,   /* valid: kinds 20000..29999, delivered, never stored */
	INGEST_REFUSED,     /* answer ["OK", id, false, message] */
	INGEST_NOTICE,      /* no usable id: answer ["NOTICE", message] */
} ingest_status;

typedef struct ingest_result {
	ingest_status status;
	relay_event   re;           /* STORE, EPHEMERAL */
	uint8_t       id[32];       /* STORE, EPHEMERAL, REFUSED */
	char          message[240]; /* REFUSED, NOTICE: "invalid: ..." */
} ingest_result;

void ingest_result_free(ingest_result *r);

/* A whole client frame that begins like ["EVENT", ...]. */
ingest_status relay_ingest_frame(const relay_config *c, const char *frame, size_t len,
				 uint64_t now, ingest_result *r);
/* An event already parsed (consumed). */
ingest_status relay_ingest_event(const relay_config *c, nostr_event *ev, uint64_t now,
				 ingest_result *r);

/* Serializes ev both ways at once: the NIP-01 id preimage into pre and the
 * canonical event JSON (event_write order) into json. */
void relay_event_serialize(const nostr_event *ev, buf *pre, buf *json);

/* NIP-40: reads the first "expiration" tag. Returns 0 when absent, 1 when
 * present and a decimal integer (in *out), -1 when present but malformed. */
int relay_event_expiration(const nostr_event *ev, uint64_t *out);

/* True when a frame starts (after whitespace) with ["EVENT" — the cheap test
 * the server uses to batch frames before parsing them. */
bool relay_frame_is_event(const char *frame, size_t len);

#endif
