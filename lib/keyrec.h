/* keyrec.h — the JSON records that describe a key (mostro-key and the client
 * flows print them):
 *   {"type":"key","pubkey":"<hex>","npub":"npub1..."}
 *   {"type":"key","index":N,"path":"m/44'/1237'/A'/0/N","pubkey":..,"npub":..}
 * with_secret adds "secret":"<hex>","nsec":"nsec1..." at the end.
 *
 * Ownership: the text is appended to the caller's buf, which is reserved up
 * front so no reallocation leaves a copy behind; when with_secret is true the
 * caller must buf_wipe() it. No trailing newline.
 */
#ifndef MU_KEYREC_H
#define MU_KEYREC_H

#include <stdbool.h>
#include <stdint.h>

#include "buf.h"
#include "keys.h"

void keyrec_write(buf *b, const mu_key *k, bool with_secret);
void keyrec_write_derived(buf *b, const mu_key *k, uint32_t account, uint32_t index, bool with_secret);

#endif
