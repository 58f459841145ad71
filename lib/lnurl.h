/* lnurl.h — LNURL-pay (LUD-06) for Lightning Addresses (LUD-16) and bech32
 * LNURLs (LUD-01), with LUD-12 comments, over an SSRF-hardened HTTP GET.
 *
 * Flow (LIGHTNING.md §c, mostrod src/lnurl.rs):
 *   target ("user@domain" or "lnurl1...") -> URL -> GET pay document
 *   (tag payRequest, callback, min/maxSendable in msat, metadata,
 *   commentAllowed) -> GET callback?...&amount=<msat>[&comment=...] -> pr.
 * Checks beyond mostrod: the returned invoice must decode (lib/bolt11.h) and
 * carry exactly the requested amount (LUD-06 wallet duty; an amountless
 * invoice is refused too). The LUD-06 `h` == sha256(metadata) check is only
 * reported (lnurl_invoice.description_hash), never fatal, as mostrod's notes
 * advise: servers that get it wrong would otherwise break payouts.
 *
 * HTTP policy for every GET (both hops):
 *   - https only; a URL with userinfo is refused; redirects are never followed
 *     (a 3xx is an http_status error); proxies from the environment are
 *     ignored (CURLOPT_PROXY "");
 *   - the host is resolved here, bounded by dns_timeout_ms (2 s); the request
 *     fails if ANY resolved address is forbidden; curl is pinned to the
 *     checked address (CURLOPT_RESOLVE), IPv4 preferred, so DNS rebinding
 *     cannot redirect it;
 *   - always forbidden: unspecified, broadcast, multicast, link-local (incl.
 *     169.254.169.254), documentation ranges, CGNAT 100.64/10, NAT64
 *     64:ff9b::/96, and IPv4-mapped forms of these;
 *   - forbidden unless allow_private: loopback, RFC 1918, fc00::/7, mapped
 *     loopback/private;
 *   - connect timeout 2 s, whole request 4 s, body at most max_body bytes,
 *     User-Agent LNURL_USER_AGENT.
 *
 * TEST ONLY: allow_private (set from MOSTRO_LNURL_ALLOW_PRIVATE=1 by
 * lnurl_opts_test_override(), which tools call) also allows plain http and
 * makes Lightning Addresses resolve to http://, so tests can run a loopback
 * fixture. Link-local and the other always-forbidden ranges stay forbidden.
 * Production deployments must never set it.
 *
 * Ownership: lnurl_pay / lnurl_invoice own their strings; free them with
 * lnurl_pay_free / lnurl_invoice_free (safe on zeroed structs). *url outputs
 * are malloc'd for the caller. Functions block (at most the timeouts above).
 */
#ifndef MU_LNURL_H
#define MU_LNURL_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define LNURL_USER_AGENT "mostro/0.1 (mostroutils)"
#define LNURL_MAX_BODY (512 * 1024)

typedef enum lnurl_err {
	LNURL_OK = 0,
	LNURL_ERR_TARGET,         /* bad_target: neither a Lightning Address nor an LNURL */
	LNURL_ERR_URL,            /* bad_url: a URL that does not parse */
	LNURL_ERR_SCHEME,         /* scheme_not_allowed: not https */
	LNURL_ERR_USERINFO,       /* userinfo_in_url */
	LNURL_ERR_DNS,            /* dns_failed: no address, resolver error, or too slow */
	LNURL_ERR_FORBIDDEN,      /* forbidden_address: the host is (or resolves to) a forbidden IP */
	LNURL_ERR_TRANSPORT,      /* transport: connect, TLS or read failure */
	LNURL_ERR_TIMEOUT,        /* timeout: the request took longer than timeout_ms */
	LNURL_ERR_HTTP_STATUS,    /* http_status: not 2xx (a redirect included) */
	LNURL_ERR_TOO_LARGE,      /* body_too_large */
	LNURL_ERR_JSON,           /* bad_json: the body is not a JSON object */
	LNURL_ERR_SERVER,         /* server_error: {"status":"ERROR",...} */
	LNURL_ERR_TAG,            /* not_pay_request: tag is not "payRequest" */
	LNURL_ERR_CALLBACK,       /* bad_callback: no callback, or it does not parse */
	LNURL_ERR_AMOUNT,         /* bad_amount: amount_sat * 1000 overflows */
	LNURL_ERR_AMOUNT_RANGE,   /* amount_out_of_range: outside [minSendable, maxSendable] */
	LNURL_ERR_NO_INVOICE,     /* no_invoice: pr missing or empty */
	LNURL_ERR_INVOICE,        /* invalid_invoice: pr is not a valid BOLT11 invoice */
	LNURL_ERR_INVOICE_AMOUNT, /* wrong_invoice_amount: pr is not for the requested amount */
} lnurl_err;

#define LNURL_ERR_COUNT (LNURL_ERR_INVOICE_AMOUNT + 1)

const char *lnurl_reason(lnurl_err e);    /* snake_case code */
const char *lnurl_strerror(lnurl_err e);  /* message */

typedef struct lnurl_opts {
	bool   allow_private;       /* TEST ONLY, see above */
	long   dns_timeout_ms;      /* 2000 */
	long   connect_timeout_ms;  /* 2000 */
	long   timeout_ms;          /* 4000 */
	size_t max_body;            /* LNURL_MAX_BODY */
	const atomic_bool *stop;    /* NULL; set by another thread: give up now */
} lnurl_opts;

void lnurl_opts_defaults(lnurl_opts *o);
/* TEST ONLY: sets allow_private when MOSTRO_LNURL_ALLOW_PRIVATE=1. Returns it. */
bool lnurl_opts_test_override(lnurl_opts *o);

/* The pay document (LUD-06 step 3). */
typedef struct lnurl_pay {
	char    *url;               /* the URL that served it */
	char    *callback;
	uint64_t min_sendable;      /* msat; 0 when missing or not a non-negative integer */
	uint64_t max_sendable;      /* msat; idem */
	uint64_t comment_allowed;   /* LUD-12, 0 when absent */
	char    *metadata;          /* the JSON string's value, exactly (NULL if absent) */
	size_t   metadata_len;
	char    *description;       /* the metadata's text/plain entry, or NULL */
} lnurl_pay;

typedef struct lnurl_invoice {
	char *pr;                   /* the BOLT11 invoice */
	char *callback_url;         /* the URL requested */
	bool  comment_sent;
	int   description_hash;     /* 1: h == sha256(metadata); 0: mismatch; -1: no h field */
} lnurl_invoice;

void lnurl_pay_free(lnurl_pay *p);
void lnurl_invoice_free(lnurl_invoice *i);

/* mostrod's format detection: an email-like Lightning Address, or a string
 * starting with "lnurl" (any case). Syntax only, no I/O. */
bool lnurl_is_target(const char *s);

/* Target -> the pay document URL (malloc'd). Lightning Address:
 * https://<domain>/.well-known/lnurlp/<user> (http:// with allow_private).
 * LNURL: the bech32 payload (no length limit), which must be a URL. */
lnurl_err lnurl_target_url(const char *target, const lnurl_opts *o, char **url,
			   char *detail, size_t cap);

/* GET and check the pay document (mostrod's ln_exists is this call). */
lnurl_err lnurl_fetch_pay(const char *target, const lnurl_opts *o, lnurl_pay *out,
			  char *detail, size_t cap);

/* The callback URL for an amount: existing query pairs kept except amount and
 * comment, then amount=<msat>, then comment=<text> only when 0 <
 * chars(comment) <= comment_allowed (a comment that does not fit is dropped,
 * never cut). *comment_sent tells which. */
lnurl_err lnurl_callback_url(const char *callback, uint64_t amount_msat, const char *comment,
			     uint64_t comment_allowed, char **url, bool *comment_sent);

/* Checks the amount against the pay document, GETs the callback and checks
 * the invoice. comment may be NULL. */
lnurl_err lnurl_fetch_invoice(const lnurl_pay *pay, uint64_t amount_sat, const char *comment,
			      const lnurl_opts *o, lnurl_invoice *out, char *detail, size_t cap);

/* The SSRF policy on one textual IPv4/IPv6 address. True (forbidden) for
 * anything that is not an address: fail closed. */
bool lnurl_ip_forbidden(const char *ip, bool allow_private);

#endif
