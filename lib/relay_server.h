/* relay_server.h — the embedded Nostr relay behind `mostro-relay serve`:
 * libwebsockets (one service thread) + relay_store (SQLite) + relay_ingest
 * (validation, signature checks on a workpool).
 *
 * Protocol: NIP-01 (EVENT/OK, REQ/EOSE with several filters, CLOSE/CLOSED,
 * NOTICE; regular, replaceable, ephemeral and addressable kinds; live
 * delivery to matching subscriptions), NIP-11 (HTTP GET or HEAD with
 * `Accept: application/nostr+json` on the same port; a WebSocket upgrade
 * other than version 13 is answered 426), NIP-40 (expired events
 * refused, never served, purged every purge_interval seconds), NIP-42 (a
 * challenge on connect; kinds in auth_read_kinds are served only to a
 * connection authenticated as a pubkey p-tagged in the event), NIP-45 COUNT.
 *
 * Durability: EVENT frames that arrive together are verified as a batch,
 * written in one SQLite transaction, and each is answered ["OK", id, true, ""]
 * only after that transaction committed; live delivery happens after the
 * commit too. An event acknowledged with OK true survives a crash of the
 * process (and, with sync_full, of the machine).
 *
 * Stopping: relay_server_stop() (async-signal-safe: call it from a SIGTERM
 * handler) makes relay_server_run() stop reading, commit what is pending,
 * flush the answers it can for up to a second, and return.
 *
 * Ownership: relay_server_new copies the config (db_path stays borrowed);
 * relay_server_free closes connections and the database.
 */
#ifndef MU_RELAY_SERVER_H
#define MU_RELAY_SERVER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "relay_config.h"

typedef struct relay_server relay_server;

typedef enum relay_err {
	RELAY_OK = 0,
	RELAY_ERR_REMOTE,     /* non-loopback address without allow_remote */
	RELAY_ERR_DB,         /* the database cannot be opened or migrated */
	RELAY_ERR_LISTEN,     /* cannot listen on the address (in use, not local) */
	RELAY_ERR_LIMIT,      /* the descriptor limit cannot hold --max-connections */
} relay_err;

const char *relay_strerror(relay_err e);

relay_err relay_server_new(relay_server **out, const relay_config *c, char *err, size_t errlen);
void relay_server_free(relay_server *s);

/* The port actually bound (useful with port 0) and the relay's URL. */
int relay_server_port(const relay_server *s);
const char *relay_server_url(const relay_server *s);

/* Serves until relay_server_stop(). Returns 0 after a clean stop, -1 when
 * the event loop failed. */
int relay_server_run(relay_server *s);
void relay_server_stop(relay_server *s);

typedef struct relay_stats {
	uint64_t connections;     /* accepted WebSocket connections */
	uint64_t events_stored;   /* OK true, newly stored */
	uint64_t events_ephemeral;
	uint64_t events_refused;  /* OK false */
	uint64_t events_duplicate;
	uint64_t reqs;            /* REQ frames answered */
	uint64_t delivered;       /* live EVENT frames sent to subscribers */
	uint64_t batches;         /* commits */
	uint64_t purged;          /* expired events deleted */
	uint64_t refused;         /* connections refused at --max-connections */
	uint64_t dropped;         /* connections dropped: idle, stalled, over a queue limit */
	uint64_t accept_errors;   /* accept(2) failures (EMFILE...) that paused accepting */
} relay_stats;

void relay_server_stats(const relay_server *s, relay_stats *out);

/* HTTP on the relay's port: does this Accept value ask for the NIP-11
 * document? A media range "application/nostr+json" compared whole,
 * case-insensitively, parameters ignored, whatever the header's length. */
bool relay_accept_wants_nip11(const char *accept);

#endif
