/* relay_nip42.h — NIP-42 on the relay side: challenges, and the check of a
 * client's AUTH event (kind 22242).
 *
 * nip42_check verifies, in order: kind 22242; id and signature; a
 * "challenge" tag equal to the challenge this connection was sent; a "relay"
 * tag naming this relay (nip42_url_matches); created_at within `window`
 * seconds of now. The result names the first failure.
 *
 * Nothing is allocated; no ownership to track.
 */
#ifndef MU_RELAY_NIP42_H
#define MU_RELAY_NIP42_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "event.h"

#define NIP42_AUTH_KIND 22242
#define RELAY_CHALLENGE_LEN 32     /* hex characters */
/* Pubkeys one connection may authenticate (each widens its restricted
 * reads and the SQL that checks them); more are refused rate-limited:. */
#define RELAY_MAX_AUTHED 64

typedef enum nip42_err {
	NIP42_OK = 0,
	NIP42_ERR_KIND,        /* not kind 22242 */
	NIP42_ERR_SIGNATURE,   /* id or signature does not verify */
	NIP42_ERR_CHALLENGE,   /* no challenge tag, or not ours */
	NIP42_ERR_RELAY,       /* no relay tag, or another relay's URL */
	NIP42_ERR_TIME,        /* created_at too far from now */
} nip42_err;

const char *nip42_strerror(nip42_err e);

/* A fresh challenge: RELAY_CHALLENGE_LEN lowercase hex digits from the
 * system's random source, NUL-terminated. */
void nip42_challenge(char out[RELAY_CHALLENGE_LEN + 1]);

nip42_err nip42_check(const nostr_event *ev, const char *challenge, const char *relay_url,
			  uint64_t now, unsigned window);

/* Compares a relay tag's URL with ours, NIP-42's "URL normalization": the
 * scheme (ws/wss/http/https), a trailing slash and the case of the host are
 * ignored; ports compare with the scheme's default filled in; when our host
 * is a loopback address any loopback host name matches (localhost,
 * 127.0.0.1, [::1]). */
bool nip42_url_matches(const char *ours, const char *theirs);

/* True when url can name this relay in nip42_url_matches: a ws://, wss://,
 * http:// or https:// URL with a host and a valid port (if any). */
bool nip42_url_usable(const char *url);

#endif
