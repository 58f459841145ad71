/* relay_info.h — NIP-11 relay information documents.
 *
 * relay_info_fetch() GETs the relay URL over http(s) (ws -> http,
 * wss -> https, system CA store) with "Accept: application/nostr+json" and
 * returns the document, which must be a JSON object. The returned jv is owned
 * by the caller. Errors carry a message in err (size errlen).
 */
#ifndef MU_RELAY_INFO_H
#define MU_RELAY_INFO_H

#include <stddef.h>
#include <jv.h>

typedef enum relay_info_err {
	RELAY_INFO_OK = 0,
	RELAY_INFO_ERR_URL,         /* not a relay URL */
	RELAY_INFO_ERR_CONNECT,     /* cannot connect (refused, DNS, TLS) */
	RELAY_INFO_ERR_TIMEOUT,     /* connect or total timeout */
	RELAY_INFO_ERR_HTTP,        /* an HTTP status other than 200 */
	RELAY_INFO_ERR_DOCUMENT,    /* the body is not a JSON object */
} relay_info_err;

const char *relay_info_strerror(relay_info_err e);

relay_info_err relay_info_fetch(const char *url, double connect_timeout, double total_timeout,
				jv *doc, char *err, size_t errlen);

#endif
