/* relay_url.h — relay URL normalization (as nak does) and relay lists.
 *
 * relay_url_normalize() turns what a user types into the canonical form used
 * everywhere (records, dedupe, NIP-42 "relay" tag):
 *   - surrounding whitespace is dropped;
 *   - no scheme: "localhost", 127.0.0.0/8 and [::1] get ws://, any other host wss://;
 *   - http:// becomes ws://, https:// becomes wss://; other schemes are refused;
 *   - scheme and host are lowercased, a default port (80 for ws, 443 for wss)
 *     is dropped, trailing slashes of the path are removed, a #fragment is dropped;
 *   - the host must be non-empty and made of letters, digits, '-', '.', '_'
 *     (or an IPv6 literal in brackets); the port, when present, 1..65535.
 * "relay.example.com" -> "wss://relay.example.com";
 * "localhost:7777/" -> "ws://localhost:7777".
 *
 * relay_url_parse() splits a normalized URL into what a socket needs.
 *
 * relay_list: an ordered, deduplicated set of normalized URLs. It owns its
 * strings; relay_list_free() releases them.
 */
#ifndef MU_RELAY_URL_H
#define MU_RELAY_URL_H

#include <stdbool.h>
#include <stddef.h>

#include "buf.h"

typedef enum relay_url_err {
	RELAY_URL_OK = 0,
	RELAY_URL_ERR_EMPTY,    /* nothing but whitespace */
	RELAY_URL_ERR_SCHEME,   /* a scheme other than ws, wss, http, https */
	RELAY_URL_ERR_HOST,     /* missing host or a character not allowed in one */
	RELAY_URL_ERR_PORT,     /* port not a number in 1..65535 */
	RELAY_URL_ERR_CHARS,    /* whitespace or a control character inside the URL */
} relay_url_err;

const char *relay_url_strerror(relay_url_err e);

/* Writes the normalized URL into out (reset first). */
relay_url_err relay_url_normalize(const char *in, buf *out);

typedef struct relay_url {
	bool tls;            /* wss */
	char host[256];      /* without IPv6 brackets */
	char hostport[272];  /* what the Host header carries ("h", "h:1234", "[::1]:7") */
	int  port;           /* always set: the default one when the URL has none */
	char path[1024];     /* "/" when the URL has no path; includes a ?query */
} relay_url;

/* Splits a URL (normalized or not: it is normalized first). */
relay_url_err relay_url_parse(const char *url, relay_url *u);

/* The NIP-11 HTTP URL of a relay URL: ws -> http, wss -> https. */
relay_url_err relay_url_http(const char *url, buf *out);

typedef struct relay_list {
	char  **urls;
	size_t  n;
	size_t  cap;
} relay_list;

#define RELAY_LIST_INIT {NULL, 0, 0}

/* Normalizes `in` and appends it unless already present. On error the list
 * is unchanged. */
relay_url_err relay_list_add(relay_list *l, const char *in);
/* Adds every comma-separated entry of s (empty entries are skipped). On the
 * first bad entry returns its error and copies the entry into bad[badlen]. */
relay_url_err relay_list_add_csv(relay_list *l, const char *s, char *bad, size_t badlen);
bool relay_list_has(const relay_list *l, const char *normalized);
void relay_list_free(relay_list *l);

#endif
