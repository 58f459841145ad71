#include "sha256.h"

void sha256(uint8_t out[32], const void *data, size_t n)
{
	sha256_ctx c;
	sha256_init(&c);
	sha256_update(&c, data, n);
	sha256_final(&c, out);
}
