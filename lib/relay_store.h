/* relay_store.h — the embedded relay's SQLite event store (component
 * "relay" in lib/db.h's schema_version).
 *
 * Schema: `events` (one row per stored event: id, pubkey, created_at, kind,
 * the replaceable address `d`, NIP-40 `expiration`, and the canonical JSON
 * exactly as it is served) and `tags` (one row per single-letter tag with a
 * value as filter_tag_indexed() defines it, the only tags NIP-01 filters can
 * query), deleted with their event.
 *
 * Replacement (NIP-01): replaceable kinds keep one event per (pubkey, kind),
 * addressable kinds one per (pubkey, kind, d). The newer created_at wins; on
 * a tie the lowest id wins. A unique index on the address enforces it.
 *
 * Writes happen inside relay_store_begin()/relay_store_commit(): the server
 * groups a batch of events into one transaction and acknowledges them only
 * after the commit returned.
 *
 * Ownership: relay_store_open returns a handle closed by relay_store_close.
 * Queries hand each row's JSON to a callback (borrowed, valid during the call).
 */
#ifndef MU_RELAY_STORE_H
#define MU_RELAY_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "db.h"
#include "filter.h"
#include "relay_ingest.h"

typedef struct relay_store relay_store;

/* Opens or creates the store (":memory:" allowed). sync_full selects
 * synchronous=FULL (fsync at every commit) instead of NORMAL (durable across
 * a crash of the process; a power loss may lose the last commits). */
db_err relay_store_open(relay_store **out, const char *path, bool sync_full, char *err, size_t errlen);
void relay_store_close(relay_store *s);

bool relay_store_begin(relay_store *s);
bool relay_store_commit(relay_store *s);
void relay_store_rollback(relay_store *s);
/* The last SQLite error message. */
const char *relay_store_errmsg(relay_store *s);

typedef enum store_put {
	STORE_PUT_ADDED = 0,      /* stored (an older version may have been replaced) */
	STORE_PUT_DUPLICATE,      /* this id is already stored */
	STORE_PUT_SUPERSEDED,     /* replaceable/addressable: a newer version is stored */
	STORE_PUT_ERROR,          /* SQLite error (relay_store_errmsg) */
} store_put;

/* Stores a verified event (inside a transaction). *replaced (may be NULL) is
 * set to the number of older versions deleted. */
store_put relay_store_put(relay_store *s, const relay_event *re, int *replaced);

/* Who is reading: events of `restricted` kinds are visible only when one of
 * their "p" tags names one of the `authed` pubkeys (NIP-42). */
typedef struct store_reader {
	const uint16_t *restricted;
	size_t          n_restricted;
	const uint8_t (*authed)[32];
	size_t          n_authed;
} store_reader;

/* Called for each event of a query, newest first per filter; return false
 * to stop. */
typedef bool (*store_row_fn)(void *ctx, const char *json, size_t len);

/* Runs each filter (limit clamped to max_limit; no limit = max_limit),
 * skipping expired events (expiration <= now) and events already returned
 * for an earlier filter of the same call. */
bool relay_store_query(relay_store *s, const nostr_filter *fs, size_t n, uint64_t now,
		       unsigned max_limit, const store_reader *rd, store_row_fn fn, void *ctx);
/* NIP-45: number of distinct events matching any filter (limits ignored). */
bool relay_store_count(relay_store *s, const nostr_filter *fs, size_t n, uint64_t now,
		       const store_reader *rd, uint64_t *count);

/* Deletes events whose expiration is <= now. Returns how many, -1 on error. */
long relay_store_purge_expired(relay_store *s, uint64_t now);
/* Number of stored events (for status lines and tests). */
long relay_store_size(relay_store *s);

#endif
