/* relay_state.h — the subscription cursor of `mostro-relay sub --state FILE`.
 *
 * The cursor is the newest created_at seen on the subscription. A restarted
 * subscription asks relays for events since cursor minus a look-back, so
 * nothing published while it was down is lost (nak issue #24).
 *
 * File format: one JSON line {"type":"cursor","created_at":N}. Writes go
 * through safefile_write (safefile.h): a fresh mkstemp file beside it, 0600,
 * fsync'ed and renamed over the old one, so a crash leaves either the old or
 * the new cursor, never a torn file, and a symlink planted in the directory
 * is never written through. No allocation escapes these functions.
 */
#ifndef MU_RELAY_STATE_H
#define MU_RELAY_STATE_H

#include <stdbool.h>
#include <stdint.h>

typedef enum relay_state_err {
	RELAY_STATE_OK = 0,
	RELAY_STATE_ERR_READ,     /* the file exists but cannot be read */
	RELAY_STATE_ERR_FORMAT,   /* the file is not a cursor record */
	RELAY_STATE_ERR_WRITE,    /* cannot create, write, sync or rename */
} relay_state_err;

const char *relay_state_strerror(relay_state_err e);

/* Loads the cursor. A missing file is not an error: *found = false. */
relay_state_err relay_state_load(const char *path, uint64_t *created_at, bool *found);

/* Replaces the file atomically with the given cursor. */
relay_state_err relay_state_save(const char *path, uint64_t created_at);

#endif
