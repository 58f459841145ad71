/* base64.h — strict standard base64 (RFC 4648 §4, padded) decoding, table
 * driven. The input is public (NIP-44 payloads are ciphertext), so there is no
 * need for libsodium's constant-time decoder, which costs a few percent of an
 * envelope unwrap. Accepted: length a multiple of 4, the 64 characters, '='
 * only as the last one or two characters, unused bits of the last group zero
 * (what sodium_base642bin with sodium_base64_VARIANT_ORIGINAL accepts). No
 * whitespace. No allocation. */
#ifndef MU_BASE64_H
#define MU_BASE64_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Decodes in[0..len) into out (cap bytes, at least len / 4 * 3); *n receives
 * the decoded length. False on any deviation; out may then hold garbage. */
bool base64_decode(uint8_t *out, size_t cap, const char *in, size_t len, size_t *n);

#endif
