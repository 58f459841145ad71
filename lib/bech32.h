/* bech32.h — BIP-173 bech32 (not bech32m) with a caller-chosen length limit.
 *
 * NIP-19 strings may be up to 5000 characters and BOLT11 invoices have no
 * limit, so the 90-character cap of BIP-173 is a parameter (0 = no limit).
 * All-lowercase and all-uppercase strings are accepted; mixed case is refused.
 * Data are handled as 5-bit groups; bech32_to_bytes/bech32_from_bytes convert.
 * No allocation except through the caller's buf. Scratch copies of the data
 * (5-bit groups) are wiped before returning: they may spell an nsec.
 */
#ifndef MU_BECH32_H
#define MU_BECH32_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "buf.h"

typedef enum bech32_err {
	BECH32_OK = 0,
	BECH32_ERR_LENGTH,      /* too long for the limit, or too short to hold a checksum */
	BECH32_ERR_MIXED_CASE,
	BECH32_ERR_CHAR,        /* a character outside the bech32 alphabet */
	BECH32_ERR_SEPARATOR,   /* no '1', or an empty human-readable part */
	BECH32_ERR_CHECKSUM,    /* checksum mismatch (a bech32m checksum lands here too) */
	BECH32_ERR_PADDING,     /* non-zero padding bits or an incomplete group */
	BECH32_ERR_CAPACITY,    /* caller's output array is too small */
} bech32_err;

const char *bech32_strerror(bech32_err e);

/* Decodes s[0..len). hrp receives the lowercase human-readable part
 * (NUL-terminated, hrp_cap bytes); data receives the 5-bit groups without the
 * checksum. max_len 0 = unlimited. */
bech32_err bech32_decode(const char *s, size_t len, size_t max_len,
			 char *hrp, size_t hrp_cap,
			 uint8_t *data, size_t *data_len, size_t data_cap);

/* Appends hrp "1" data checksum (lowercase) to out. */
void bech32_encode(buf *out, const char *hrp, const uint8_t *data, size_t data_len);

/* 5-bit groups -> bytes (strict: padding must be zero and < 5 bits). */
bech32_err bech32_to_bytes(const uint8_t *data5, size_t n5, uint8_t *out, size_t *out_len, size_t out_cap);
/* bytes -> 5-bit groups (pads the last group). out_cap >= (n*8+4)/5. */
size_t bech32_from_bytes(const uint8_t *in, size_t n, uint8_t *out5);

/* Convenience: a whole byte payload. */
bech32_err bech32_decode_bytes(const char *s, size_t len, size_t max_len,
			       char *hrp, size_t hrp_cap,
			       uint8_t *out, size_t *out_len, size_t out_cap);
void bech32_encode_bytes(buf *out, const char *hrp, const uint8_t *data, size_t n);

#endif
