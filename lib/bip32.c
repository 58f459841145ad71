#include "bip32.h"

#include <stdlib.h>
#include <string.h>
#include <sodium.h>

#include "keys.h"

static void hmac512(uint8_t out[64], const uint8_t *key, size_t kn, const uint8_t *msg, size_t n)
{
	crypto_auth_hmacsha512_state st;
	crypto_auth_hmacsha512_init(&st, key, kn);
	crypto_auth_hmacsha512_update(&st, msg, n);
	crypto_auth_hmacsha512_final(&st, out);
	sodium_memzero(&st, sizeof st);
}

void bip32_wipe(bip32_key *k)
{
	sodium_memzero(k, sizeof *k);
}

bool bip32_master(bip32_key *k, const uint8_t *seed, size_t n)
{
	uint8_t I[64];
	hmac512(I, (const uint8_t *)"Bitcoin seed", 12, seed, n);
	bool ok = secp256k1_ec_seckey_verify(secp(), I) == 1;
	memcpy(k->key, I, 32);
	memcpy(k->chain, I + 32, 32);
	sodium_memzero(I, sizeof I);
	if (!ok)
		bip32_wipe(k);
	return ok;
}

void bip32_pubkey_compressed(const bip32_key *k, uint8_t out[33])
{
	secp256k1_pubkey pk;
	size_t len = 33;
	if (!secp256k1_ec_pubkey_create(secp(), &pk, k->key) ||
	    !secp256k1_ec_pubkey_serialize(secp(), out, &len, &pk, SECP256K1_EC_COMPRESSED))
		abort();   /* a bip32_key always holds a valid secret */
}

bool bip32_ckd_priv(bip32_key *child, const bip32_key *parent, uint32_t index)
{
	return bip32_ckd_priv_pub(child, parent, NULL, index);
}

bool bip32_ckd_priv_pub(bip32_key *child, const bip32_key *parent, const uint8_t parent_pub[33], uint32_t index)
{
	uint8_t data[37], I[64], key[32];
	if (index & BIP32_HARDENED) {
		data[0] = 0;
		memcpy(data + 1, parent->key, 32);
	} else if (parent_pub) {
		memcpy(data, parent_pub, 33);
	} else {
		bip32_pubkey_compressed(parent, data);
	}
	data[33] = (uint8_t)(index >> 24);
	data[34] = (uint8_t)(index >> 16);
	data[35] = (uint8_t)(index >> 8);
	data[36] = (uint8_t)index;
	hmac512(I, parent->chain, 32, data, sizeof data);
	memcpy(key, parent->key, 32);
	/* key + IL mod n; fails when IL >= n or the sum is zero */
	bool ok = secp256k1_ec_seckey_tweak_add(secp(), key, I) == 1;
	memcpy(child->key, key, 32);
	memcpy(child->chain, I + 32, 32);
	sodium_memzero(data, sizeof data);
	sodium_memzero(I, sizeof I);
	sodium_memzero(key, sizeof key);
	if (!ok)
		bip32_wipe(child);
	return ok;
}

bool bip32_derive(bip32_key *out, const bip32_key *from, const uint32_t *path, size_t depth)
{
	*out = *from;
	for (size_t i = 0; i < depth; i++)
		if (!bip32_ckd_priv(out, out, path[i]))
			return false;
	return true;
}

bool bip32_path_parse(const char *s, uint32_t *path, size_t cap, size_t *depth)
{
	size_t d = 0;
	if (s[0] != 'm')
		return false;
	s++;
	while (*s) {
		if (*s++ != '/' || *s < '0' || *s > '9')
			return false;
		if (s[0] == '0' && s[1] >= '0' && s[1] <= '9')
			return false;                 /* no leading zeros */
		uint64_t v = 0;
		while (*s >= '0' && *s <= '9') {
			v = v * 10 + (uint64_t)(*s++ - '0');
			if (v >= BIP32_HARDENED)
				return false;
		}
		if (*s == '\'' || *s == 'h' || *s == 'H') {
			v |= BIP32_HARDENED;
			s++;
		}
		if (d >= cap)
			return false;
		path[d++] = (uint32_t)v;
	}
	*depth = d;
	return true;
}

void bip32_path_format(buf *out, const uint32_t *path, size_t depth)
{
	buf_putc(out, 'm');
	for (size_t i = 0; i < depth; i++)
		buf_printf(out, "/%u%s", path[i] & ~BIP32_HARDENED, path[i] & BIP32_HARDENED ? "'" : "");
}
