/* relay_auth_client.h — NIP-42 on the client side (relay_auth.h is the relay side).
 *
 * A relay sends ["AUTH", challenge]; the client answers ["AUTH", ev] with ev a
 * kind 22242 event signed by its key, tags [["relay", URL], ["challenge", c]]
 * and created_at now; the relay answers OK for ev's id. OK and CLOSED messages
 * prefixed "auth-required:" (rmsg_reason_of: also strfry's "ERROR:
 * auth-required: ...") mean "authenticate, then try again". strfry sends the
 * challenge only with its first such refusal, not on connect.
 *
 * relay_auth_frame() borrows the key (never copied) and writes the frame.
 */
#ifndef MU_RELAY_AUTH_CLIENT_H
#define MU_RELAY_AUTH_CLIENT_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "keys.h"

#define NIP42_CLIENT_KIND 22242

/* Appends ["AUTH",<event>] to out; id receives the event id. */
void relay_auth_frame(buf *out, const mu_key *k, const char *relay_url,
		      const char *challenge, size_t challenge_len, uint64_t now, uint8_t id[32]);

#endif
