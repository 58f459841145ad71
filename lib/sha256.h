/* sha256.h — SHA-256 through OpenSSL's implementation (SHA-NI/AVX2 where the
 * CPU has them; libsodium's is portable C and several times slower). The
 * context is a plain value: copying it snapshots the midstate, which the PoW
 * miner uses to hash an unchanged prefix only once. The build targets the
 * OpenSSL 1.1 API level (config.mk), under which SHA256_* are not deprecated,
 * so this header can be included in any order with other OpenSSL headers. */
#ifndef MU_SHA256_H
#define MU_SHA256_H

#include <stddef.h>
#include <stdint.h>

#include <openssl/sha.h>

typedef SHA256_CTX sha256_ctx;

static inline void sha256_init(sha256_ctx *c) { SHA256_Init(c); }
static inline void sha256_update(sha256_ctx *c, const void *d, size_t n) { SHA256_Update(c, d, n); }
static inline void sha256_final(sha256_ctx *c, uint8_t out[32]) { SHA256_Final(out, c); }
void sha256(uint8_t out[32], const void *data, size_t n);

#endif
