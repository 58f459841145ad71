#include "keyrec.h"

#include <sodium.h>

#include "hex.h"
#include "nip06.h"
#include "nip19.h"

#define KEYREC_MAX 512   /* longest record is ~330 bytes */

static void put_hex_field(buf *b, const char *name, const uint8_t v[32])
{
	char h[65];
	buf_printf(b, ",\"%s\":\"", name);
	hex_encode(h, v, 32);
	buf_put(b, h, 64);
	buf_putc(b, '"');
	sodium_memzero(h, sizeof h);
}

static void put_bech32_field(buf *b, const char *name, nip19_type t, const uint8_t v[32])
{
	buf_printf(b, ",\"%s\":\"", name);
	nip19_encode_bytes32(b, t, v);
	buf_putc(b, '"');
}

static void put_keys(buf *b, const mu_key *k, bool with_secret)
{
	put_hex_field(b, "pubkey", k->pk);
	put_bech32_field(b, "npub", NIP19_NPUB, k->pk);
	if (with_secret) {
		put_hex_field(b, "secret", k->sk);
		put_bech32_field(b, "nsec", NIP19_NSEC, k->sk);
	}
	buf_putc(b, '}');
}

void keyrec_write(buf *b, const mu_key *k, bool with_secret)
{
	buf_reserve(b, KEYREC_MAX);
	buf_puts(b, "{\"type\":\"key\"");
	put_keys(b, k, with_secret);
}

void keyrec_write_derived(buf *b, const mu_key *k, uint32_t account, uint32_t index, bool with_secret)
{
	char path[NIP06_PATH_MAX];
	nip06_path_format(path, account, index);
	buf_reserve(b, KEYREC_MAX);
	buf_printf(b, "{\"type\":\"key\",\"index\":%u,\"path\":\"%s\"", index, path);
	put_keys(b, k, with_secret);
}
