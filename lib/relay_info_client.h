/* relay_info_client.h — fetching a relay's NIP-11 information document (relay_info.h writes ours).
 *
 * info_fetch() GETs the relay URL over http(s) (ws -> http,
 * wss -> https, system CA store, $SSL_CERT_FILE / $SSL_CERT_DIR honoured as
 * OpenSSL does for wss://) with "Accept: application/nostr+json" and
 * returns the document, which must be a JSON object. The returned jv is owned
 * by the caller. Errors carry a message in err (size errlen).
 */
#ifndef MU_RELAY_INFO_CLIENT_H
#define MU_RELAY_INFO_CLIENT_H

#include <stddef.h>
#include <jv.h>

typedef enum info_fetch_err {
	INFO_FETCH_OK = 0,
	INFO_FETCH_ERR_URL,         /* not a relay URL */
	INFO_FETCH_ERR_CONNECT,     /* cannot connect (refused, DNS, TLS) */
	INFO_FETCH_ERR_TIMEOUT,     /* connect or total timeout */
	INFO_FETCH_ERR_HTTP,        /* an HTTP status other than 200 */
	INFO_FETCH_ERR_DOCUMENT,    /* the body is not a JSON object */
} info_fetch_err;

const char *info_fetch_strerror(info_fetch_err e);

info_fetch_err info_fetch(const char *url, double connect_timeout, double total_timeout,
				jv *doc, char *err, size_t errlen);

#endif
