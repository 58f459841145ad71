#include "keys.h"

#include <stdlib.h>
#include <string.h>
#include <secp256k1_ecdh.h>
#include <sodium.h>

static secp256k1_context *ctx;

const secp256k1_context *secp(void)
{
	if (!ctx) {
		uint8_t seed[32];
		if (sodium_init() < 0)
			abort();
		ctx = secp256k1_context_create(SECP256K1_CONTEXT_SIGN | SECP256K1_CONTEXT_VERIFY);
		randombytes_buf(seed, sizeof seed);
		if (!secp256k1_context_randomize(ctx, seed))
			abort();
		sodium_memzero(seed, sizeof seed);
	}
	return ctx;
}

bool key_from_secret(mu_key *k, const uint8_t sk[32])
{
	secp256k1_xonly_pubkey xpk;
	memset(k, 0, sizeof *k);
	if (!secp256k1_keypair_create(secp(), &k->kp, sk))
		return false;
	if (!secp256k1_keypair_xonly_pub(secp(), &xpk, NULL, &k->kp) ||
	    !secp256k1_xonly_pubkey_serialize(secp(), k->pk, &xpk))
		return false;
	memcpy(k->sk, sk, 32);
	return true;
}

void key_generate(mu_key *k)
{
	uint8_t sk[32];
	do
		randombytes_buf(sk, sizeof sk);
	while (!key_from_secret(k, sk));
	sodium_memzero(sk, sizeof sk);
}

void key_wipe(mu_key *k)
{
	sodium_memzero(k, sizeof *k);
}

bool key_pubkey(uint8_t pk[32], const uint8_t sk[32])
{
	mu_key k;
	bool ok = key_from_secret(&k, sk);
	if (ok)
		memcpy(pk, k.pk, 32);
	key_wipe(&k);
	return ok;
}

bool key_pubkey_valid(const uint8_t pk[32])
{
	secp256k1_xonly_pubkey x;
	return secp256k1_xonly_pubkey_parse(secp(), &x, pk) == 1;
}

void schnorr_sign32(const mu_key *k, const uint8_t msg32[32], const uint8_t *aux32, uint8_t sig[64])
{
	uint8_t aux[32];
	if (!aux32) {
		randombytes_buf(aux, sizeof aux);
		aux32 = aux;
	}
	if (!secp256k1_schnorrsig_sign32(secp(), sig, msg32, &k->kp, aux32))
		abort();   /* cannot fail with a valid keypair */
}

bool schnorr_verify32(const uint8_t pk[32], const uint8_t msg32[32], const uint8_t sig[64])
{
	return schnorr_verify(pk, msg32, 32, sig);
}

void schnorr_sign(const mu_key *k, const uint8_t *msg, size_t n, const uint8_t *aux32, uint8_t sig[64])
{
	uint8_t aux[32];
	if (!aux32) {
		randombytes_buf(aux, sizeof aux);
		aux32 = aux;
	}
	secp256k1_schnorrsig_extraparams ep = SECP256K1_SCHNORRSIG_EXTRAPARAMS_INIT;
	ep.ndata = (unsigned char *)aux32;
	if (!secp256k1_schnorrsig_sign_custom(secp(), sig, msg, n, &k->kp, &ep))
		abort();
}

bool schnorr_verify(const uint8_t pk[32], const uint8_t *msg, size_t n, const uint8_t sig[64])
{
	secp256k1_xonly_pubkey x;
	if (!secp256k1_xonly_pubkey_parse(secp(), &x, pk))
		return false;
	return secp256k1_schnorrsig_verify(secp(), sig, msg, n, &x) == 1;
}

static int copy_x(unsigned char *out, const unsigned char *x32, const unsigned char *y32, void *data)
{
	(void)y32;
	(void)data;
	memcpy(out, x32, 32);
	return 1;
}

bool ecdh_x(uint8_t out[32], const uint8_t sk[32], const uint8_t pk[32])
{
	uint8_t comp[33];
	secp256k1_pubkey p;
	comp[0] = 0x02;
	memcpy(comp + 1, pk, 32);
	if (!secp256k1_ec_pubkey_parse(secp(), &p, comp, sizeof comp))
		return false;
	return secp256k1_ecdh(secp(), out, &p, sk, copy_x, NULL) == 1;
}
