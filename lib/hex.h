/* hex.h — lowercase hex encoding and strict decoding. No allocation. */
#ifndef MU_HEX_H
#define MU_HEX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Writes 2*n lowercase hex digits plus a NUL into out (size >= 2*n+1). */
void hex_encode(char *out, const uint8_t *in, size_t n);

/* Decodes exactly 2*n hex digits from in[0..len). Returns false when len != 2*n
 * or a character is not a hex digit. With lower_only, 'A'-'F' are refused. */
bool hex_decode(uint8_t *out, size_t n, const char *in, size_t len, bool lower_only);

/* True when s[0..len) is exactly `digits` lowercase hex digits. */
bool hex_is_lower(const char *s, size_t len, size_t digits);

#endif
