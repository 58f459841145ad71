/* relay_client.h — a pool of WebSocket client connections to relays, on the
 * libwebsockets event loop, with reconnection and backoff.
 *
 * The pool is transport only: it connects to every URL of a relay_list, hands
 * each complete text message to ops->message, sends text frames in order,
 * reconnects after a failure (when cfg.reconnect) with exponential backoff
 * (cfg.backoff_min doubling up to cfg.backoff_max, +-20% jitter, reset once a
 * connection is up), bounds every connection attempt by cfg.connect_timeout,
 * and pings a connection that stays silent for cfg.ping_interval, dropping it
 * (and reconnecting) when nothing answers within as long again.
 * Protocol logic (NIP-01 frames, AUTH, resume) lives with the caller.
 *
 * The same loop also serves, when cfg.input_fd >= 0, an input descriptor
 * (stdin): its bytes go to ops->input, EOF as n == 0. ops->tick runs every
 * RELAY_POOL_TICK_MS. SIGINT/SIGTERM end relay_pool_run(); SIGPIPE is ignored.
 *
 * Frames are not buffered across connections: relay_conn_send() on a
 * connection that is not up returns false, and the caller resends what it
 * needs from ops->connected.
 *
 * Ownership: the pool copies the URLs; relay_pool_free() closes everything and
 * releases all memory without calling ops. Callbacks must not free the pool.
 * TLS (wss://) verifies the peer against the system's CA store
 * (SSL_CTX_set_default_verify_paths: /etc/ssl/certs, $SSL_CERT_FILE, $SSL_CERT_DIR).
 */
#ifndef MU_RELAY_CLIENT_H
#define MU_RELAY_CLIENT_H

#include <stdbool.h>
#include <stddef.h>

#include "relay_url.h"

#define RELAY_POOL_TICK_MS 20
#define RELAY_MESSAGE_MAX (4u * 1024 * 1024)

typedef struct relay_pool relay_pool;
typedef struct relay_conn relay_conn;

typedef enum relay_down {
	RELAY_DOWN_FAILED,    /* a connection attempt failed (refused, DNS, TLS, handshake) */
	RELAY_DOWN_TIMEOUT,   /* a connection attempt took longer than connect_timeout */
	RELAY_DOWN_LOST,      /* an established connection closed */
} relay_down;

typedef struct relay_pool_ops {
	void (*connected)(relay_pool *p, relay_conn *c);
	void (*disconnected)(relay_pool *p, relay_conn *c, relay_down why, const char *reason);
	/* one complete text message; text is borrowed for the call */
	void (*message)(relay_pool *p, relay_conn *c, const char *text, size_t len);
	/* a message that was not delivered: binary, or over RELAY_MESSAGE_MAX */
	void (*bad_message)(relay_pool *p, relay_conn *c, const char *reason);
	void (*input)(relay_pool *p, const char *data, size_t n);
	void (*tick)(relay_pool *p);
} relay_pool_ops;

typedef struct relay_pool_config {
	double connect_timeout;   /* seconds per attempt; <= 0: 10 */
	double ping_interval;     /* seconds of silence before a PING; as long
				     again without an answer drops the
				     connection (RELAY_DOWN_LOST); <= 0: 30 */
	double backoff_min;       /* seconds; <= 0: 0.25 */
	double backoff_max;       /* seconds; <= 0: 30 */
	bool   reconnect;         /* retry failed and lost connections */
	int    input_fd;          /* -1: none */
} relay_pool_config;

/* NULL when libwebsockets cannot create its context (reported on stderr). */
relay_pool *relay_pool_new(const relay_list *urls, const relay_pool_config *cfg,
			   const relay_pool_ops *ops, void *userdata);
void relay_pool_free(relay_pool *p);

/* Connects every relay and serves events until relay_pool_stop() or a signal.
 * Returns the signal number that ended it, or 0. It may be called again after
 * a signal (to finish work in progress); a stopped pool returns at once. */
int relay_pool_run(relay_pool *p);
void relay_pool_stop(relay_pool *p);
void *relay_pool_userdata(const relay_pool *p);
size_t relay_pool_size(const relay_pool *p);
relay_conn *relay_pool_conn(relay_pool *p, size_t i);
/* Stops reading the input descriptor until resumed (back-pressure). */
void relay_pool_pause_input(relay_pool *p, bool pause);
/* Disables reconnection of every connection (used when winding down). */
void relay_pool_no_reconnect(relay_pool *p);

const char *relay_conn_url(const relay_conn *c);
size_t relay_conn_index(const relay_conn *c);
bool relay_conn_is_up(const relay_conn *c);
/* True once this connection has been established at least once. */
bool relay_conn_was_up(const relay_conn *c);
/* Queues one text frame; false when the connection is not up. */
bool relay_conn_send(relay_conn *c, const char *text, size_t n);
/* Closes the connection (no reconnection when `final`). */
void relay_conn_close(relay_conn *c, bool final);

/* Monotonic clock in seconds. */
double mu_monotonic(void);

#endif
