#include "nip06.h"

#include <stdio.h>
#include <string.h>
#include <sodium.h>

void nip06_path_format(char out[NIP06_PATH_MAX], uint32_t account, uint32_t index)
{
	snprintf(out, NIP06_PATH_MAX, "m/44'/%u'/%u'/0/%u", NIP06_COIN_TYPE, account, index);
}

bool nip06_path_parse(const char *s, uint32_t *account, uint32_t *index)
{
	uint32_t p[6];
	size_t depth;
	if (!bip32_path_parse(s, p, 6, &depth) || depth != 5)
		return false;
	if (p[0] != (44 | BIP32_HARDENED) || p[1] != (NIP06_COIN_TYPE | BIP32_HARDENED) ||
	    !(p[2] & BIP32_HARDENED) || p[3] != 0 || (p[4] & BIP32_HARDENED))
		return false;
	*account = p[2] & ~BIP32_HARDENED;
	*index = p[4];
	return true;
}

static const char *parse_u31(const char *s, uint32_t *out)
{
	uint64_t v = 0;
	if (*s < '0' || *s > '9' || (s[0] == '0' && s[1] >= '0' && s[1] <= '9'))
		return NULL;
	while (*s >= '0' && *s <= '9') {
		v = v * 10 + (uint64_t)(*s++ - '0');
		if (v > NIP06_INDEX_MAX)
			return NULL;
	}
	*out = (uint32_t)v;
	return s;
}

bool nip06_index_range_parse(const char *s, uint32_t *first, uint32_t *last)
{
	uint32_t a, b;
	const char *p = parse_u31(s, &a);
	if (!p)
		return false;
	if (*p == 0)
		b = a;
	else if (*p != '-' || !(p = parse_u31(p + 1, &b)) || *p || b < a)
		return false;
	*first = a;
	*last = b;
	return true;
}

bool nip06_account_init(nip06_account *a, const uint8_t *seed, size_t seed_len, uint32_t account)
{
	const uint32_t path[4] = {44 | BIP32_HARDENED, NIP06_COIN_TYPE | BIP32_HARDENED,
				  account | BIP32_HARDENED, 0};
	bip32_key master;
	memset(a, 0, sizeof *a);
	bool ok = account <= NIP06_INDEX_MAX && bip32_master(&master, seed, seed_len) &&
		  bip32_derive(&a->node, &master, path, 4);
	bip32_wipe(&master);
	if (ok)
		bip32_pubkey_compressed(&a->node, a->node_pub);
	a->account = account;
	if (!ok)
		nip06_account_wipe(a);
	return ok;
}

bool nip06_account_key(const nip06_account *a, uint32_t index, mu_key *k)
{
	bip32_key child;
	bool ok = index <= NIP06_INDEX_MAX && bip32_ckd_priv_pub(&child, &a->node, a->node_pub, index) &&
		  key_from_secret(k, child.key);
	bip32_wipe(&child);
	return ok;
}

void nip06_account_wipe(nip06_account *a)
{
	sodium_memzero(a, sizeof *a);
}

bool nip06_key(const uint8_t *seed, size_t seed_len, uint32_t account, uint32_t index, mu_key *k)
{
	nip06_account a;
	bool ok = nip06_account_init(&a, seed, seed_len, account) && nip06_account_key(&a, index, k);
	nip06_account_wipe(&a);
	return ok;
}
