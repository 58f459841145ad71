/* relay_config.h — settings of the embedded relay (`mostro-relay serve`):
 * where it listens, its public URL, and every limit it enforces and
 * advertises in its NIP-11 document.
 *
 * Ownership: a relay_config is a plain value (fixed-size arrays, no heap);
 * db_path is borrowed from the caller (argv) and must outlive the server.
 */
#ifndef MU_RELAY_CONFIG_H
#define MU_RELAY_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define RELAY_MAX_AUTH_KINDS 64

typedef struct relay_config {
	char     host[64];            /* numeric address to bind ("127.0.0.1", "::1") */
	int      port;                /* 0 = any free port (printed at start) */
	bool     allow_remote;        /* a non-loopback host is refused without it */
	const char *db_path;          /* SQLite file or ":memory:" */
	char     url[256];            /* public ws:// URL, for NIP-42 relay tags;
				       * empty = ws://host:port once listening */
	char     name[64];            /* NIP-11 name */

	/* Limits (NIP-11 "limitation") */
	size_t   max_event_size;      /* bytes of the event's canonical JSON */
	unsigned max_event_tags;      /* entries in "tags" */
	unsigned max_subscriptions;   /* open REQs per connection */
	unsigned max_filters;         /* filters per REQ/COUNT */
	unsigned max_limit;           /* each filter's limit is clamped to this
				       * (also the default when absent) */
	unsigned max_subid_length;    /* characters of a subscription id */

	/* Connections (also in NIP-11 "limitation", as fields of our own) */
	unsigned max_connections;     /* open connections; 0 = the descriptor
				       * limit less RELAY_FD_RESERVE, at most
				       * RELAY_DEFAULT_MAX_CONNECTIONS */
	size_t   max_output;          /* bytes queued for all connections together;
				       * past it the largest queues are dropped */
	unsigned idle_timeout;        /* seconds: a connection silent for half of it
				       * is pinged, silent for all of it closed */
	unsigned stall_timeout;       /* seconds a connection with output waiting
				       * may take none of it before it is dropped */

	/* NIP-42 */
	uint16_t auth_read_kinds[RELAY_MAX_AUTH_KINDS];
	size_t   n_auth_read_kinds;   /* these kinds are served only to an
				       * authenticated recipient (p tag) */
	unsigned auth_window;         /* seconds an AUTH event's created_at may be off */

	/* NIP-40 */
	unsigned purge_interval;      /* seconds between purges of expired events */

	/* Performance */
	unsigned verify_threads;      /* worker threads verifying signatures (0 = inline) */
	bool     sync_full;           /* SQLite synchronous=FULL (fsync every commit) */

	bool     quiet;               /* no status lines on stderr */
} relay_config;

/* Defaults: 127.0.0.1:7000, ":memory:", event 64 KiB, 2000 tags,
 * 20 subscriptions, 10 filters, limit 5000, subid 64, connections from the
 * descriptor limit, output 256 MiB, idle 120 s, stall 30 s, auth window
 * 600 s, purge every 60 s, verify threads = online CPUs - 1 (at most 3). */
#define RELAY_DEFAULT_MAX_CONNECTIONS 4096
#define RELAY_DEFAULT_MAX_OUTPUT      (256u << 20)
/* Descriptors kept for everything but connections: standard streams, the
 * listening socket, libwebsockets' own, SQLite's database, journal, WAL,
 * shared memory and temporary files, with a margin. */
#define RELAY_FD_RESERVE 32
void relay_config_defaults(relay_config *c);

/* The largest WebSocket message accepted: an EVENT frame around an event of
 * max_event_size bytes, with room for non-canonical whitespace. Advertised
 * as NIP-11 max_message_length. */
size_t relay_config_max_message(const relay_config *c);

typedef enum listen_err {
	LISTEN_OK = 0,
	LISTEN_ERR_SYNTAX,       /* not HOST:PORT, [V6]:PORT or PORT */
	LISTEN_ERR_HOST,         /* host is not a numeric IP address or "localhost" */
	LISTEN_ERR_PORT,         /* port is not 0..65535 */
} listen_err;

const char *listen_strerror(listen_err e);

/* Parses --listen into c->host/c->port. "localhost" becomes 127.0.0.1; a
 * bare PORT means 127.0.0.1:PORT. */
listen_err relay_config_set_listen(relay_config *c, const char *spec);
/* True for 127.0.0.0/8 and ::1. */
bool relay_host_is_loopback(const char *host);
/* True for the wildcard addresses 0.0.0.0 and :: (every interface). */
bool relay_host_is_unspecified(const char *host);

/* Parses a comma-separated kind list ("1059,14") into auth_read_kinds.
 * False (with nothing changed) on a bad kind or too many. */
bool relay_config_set_auth_kinds(relay_config *c, const char *list);
bool relay_config_kind_restricted(const relay_config *c, uint32_t kind);

#endif
