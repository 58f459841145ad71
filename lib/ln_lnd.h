/* ln_lnd.h — the LND REST backend of mostro-ln (LIGHTNING.md §a).
 *
 * Every primitive of ln.h becomes one HTTP request on the evloop's curl multi
 * handle: unary calls with a whole-request timeout, streams (SubscribeSingle-
 * Invoice, SendPaymentV2, TrackPaymentV2) without one but with TCP keepalive.
 * - auth: the macaroon file's bytes, hex-encoded, in Grpc-Metadata-macaroon;
 *   the file is re-read for every request (LND may rotate it);
 * - TLS: the node's tls.cert is the only trust root (CURLOPT_CAINFO, no
 *   CA path), peer and host verified; an http:// URL is allowed (no-rest-tls);
 * - errors are classified by lnd_classify (lnd_codec.h); a curl failure is
 *   LN_ERR_TRANSPORT ("state unknown"), never "not found".
 *
 * Ownership: the backend borrows the loop; ln_backend_destroy frees it (every
 * call must have completed or been aborted). Config strings are copied.
 */
#ifndef MU_LN_LND_H
#define MU_LN_LND_H

#include <stddef.h>

#include "ln.h"

typedef struct ln_lnd_config {
	const char *url;               /* "https://127.0.0.1:8080" */
	const char *cert_file;         /* LND's tls.cert; NULL = the system CAs */
	const char *macaroon_file;     /* required */
	long        connect_timeout_ms;  /* 10000 */
	long        request_timeout_ms;  /* unary calls and first-message tracks: 30000 */
	long        keepalive_idle_s;    /* streams: 60 */
} ln_lnd_config;

typedef enum ln_lnd_err {
	LN_LND_OK = 0,
	LN_LND_ERR_URL,        /* not an http:// or https:// URL */
	LN_LND_ERR_CERT,       /* the cert file cannot be read */
	LN_LND_ERR_MACAROON,   /* missing, unreadable, empty or oversized macaroon file */
} ln_lnd_err;

const char *ln_lnd_strerror(ln_lnd_err e);

/* Checks the configuration (files readable) and creates the backend.
 * NULL with *e and msg (a sentence naming the file) on failure. */
ln_backend *ln_lnd_new(evloop *loop, const ln_lnd_config *cfg, ln_lnd_err *e, char *msg, size_t msglen);

#endif
