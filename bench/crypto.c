/* bench/crypto — what our crypto paths cost next to the primitive they stand
 * on, measured in the same run on one core. See bench/README.md.
 *
 * Each figure runs its operation in batches until WINDOW seconds have passed
 * and reports operations per second. The "floor" is the underlying library
 * called directly (libsecp256k1, OpenSSL), or the obvious implementation (a
 * libsodium-only NIP-44, a miner that re-hashes the whole event), so the ratio
 * says how much our layer adds (< 1.0x) or saves (> 1.0x). */
#define _GNU_SOURCE
/* lib/sha256.h uses the SHA256_* API; say so before any OpenSSL header */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <openssl/evp.h>
#include <secp256k1.h>
#include <secp256k1_ecdh.h>
#include <secp256k1_extrakeys.h>
#include <secp256k1_schnorrsig.h>
#include <sodium.h>

#include "buf.h"
#include "event.h"
#include "keys.h"
#include "nip13.h"
#include "nip44.h"
#include "sha256.h"

#include "bench.h"

static volatile uint64_t sink;

/* Measures ours and its floor (floor may be NULL), interleaved, and prints the row. */
static void row(const char *what, op_fn ours, void *co, const char *floor_name, op_fn floor, void *cf)
{
	double a, b = 0;
	bench_best_pair(ours, co, &a, floor, cf, &b);
	bench_print_row(28, 28, what, a, floor_name, b);
}

/* ---- Schnorr and ECDH ---- */

typedef struct keyctx {
	mu_key   k;
	uint8_t  msg[32], sig[64], peer[32], out[32];
	secp256k1_context *raw;
	secp256k1_keypair kp;
	secp256k1_xonly_pubkey xpk;
	secp256k1_pubkey peer_pt;
} keyctx;

static void our_sign(void *c, long n)
{
	keyctx *k = c;
	uint8_t aux[32] = {0};
	for (long i = 0; i < n; i++) {
		k->msg[0] = (uint8_t)i;
		schnorr_sign32(&k->k, k->msg, aux, k->sig);
	}
	sink += k->sig[0];
}

static void raw_sign(void *c, long n)
{
	keyctx *k = c;
	uint8_t aux[32] = {0};
	for (long i = 0; i < n; i++) {
		k->msg[0] = (uint8_t)i;
		sink += (uint64_t)secp256k1_schnorrsig_sign32(k->raw, k->sig, k->msg, &k->kp, aux);
	}
}

static void our_verify(void *c, long n)
{
	keyctx *k = c;
	for (long i = 0; i < n; i++)
		sink += schnorr_verify32(k->k.pk, k->msg, k->sig);
}

/* The raw figure parses the x-only key each time too, as any verifier of an
 * event must. */
static void raw_verify(void *c, long n)
{
	keyctx *k = c;
	for (long i = 0; i < n; i++) {
		secp256k1_xonly_pubkey x;
		sink += (uint64_t)secp256k1_xonly_pubkey_parse(k->raw, &x, k->k.pk);
		sink += (uint64_t)secp256k1_schnorrsig_verify(k->raw, k->sig, k->msg, 32, &x);
	}
}

static void our_ecdh(void *c, long n)
{
	keyctx *k = c;
	for (long i = 0; i < n; i++)
		sink += ecdh_x(k->out, k->k.sk, k->peer);
}

static int copy_x(unsigned char *out, const unsigned char *x, const unsigned char *y, void *d)
{
	(void)y;
	(void)d;
	memcpy(out, x, 32);
	return 1;
}

/* Raw: the peer point is parsed each time too (02 || x), as ecdh_x must. */
static void raw_ecdh(void *c, long n)
{
	keyctx *k = c;
	uint8_t comp[33] = {0x02};
	memcpy(comp + 1, k->peer, 32);
	for (long i = 0; i < n; i++) {
		secp256k1_pubkey p;
		sink += (uint64_t)secp256k1_ec_pubkey_parse(k->raw, &p, comp, 33);
		sink += (uint64_t)secp256k1_ecdh(k->raw, k->out, &p, k->k.sk, copy_x, NULL);
	}
}

/* ---- NIP-44 ---- */

typedef struct n44 {
	nip44_conv conv;
	char       msg[1100];
	size_t     len;
	buf        ct, pt;
} n44;

static void our_encrypt(void *c, long n)
{
	n44 *x = c;
	for (long i = 0; i < n; i++) {
		buf_reset(&x->ct);
		nip44_encrypt(&x->ct, &x->conv, x->msg, x->len, NULL);
	}
	sink += (uint8_t)x->ct.p[5];
}

static void our_decrypt(void *c, long n)
{
	n44 *x = c;
	for (long i = 0; i < n; i++) {
		buf_reset(&x->pt);
		sink += nip44_decrypt(&x->pt, &x->conv, x->ct.p, x->ct.len);
	}
}

/* The obvious libsodium-only NIP-44 decrypt (what the vectors README's C
 * check does): HKDF and the MAC over crypto_auth_hmacsha256, a malloc'd
 * buffer per message. Same checks, same result. */
static void sodium_hmac(uint8_t out[32], const uint8_t *key, size_t kl, const uint8_t *a, size_t al,
			const uint8_t *b, size_t bl, const uint8_t *c1, size_t cl)
{
	crypto_auth_hmacsha256_state st;
	crypto_auth_hmacsha256_init(&st, key, kl);
	crypto_auth_hmacsha256_update(&st, a, al);
	crypto_auth_hmacsha256_update(&st, b, bl);
	crypto_auth_hmacsha256_update(&st, c1, cl);
	crypto_auth_hmacsha256_final(&st, out);
}

static void sodium_decrypt(void *c, long n)
{
	n44 *x = c;
	for (long i = 0; i < n; i++) {
		size_t cap = x->ct.len, dl;
		uint8_t *d = malloc(cap);
		if (sodium_base642bin(d, cap, x->ct.p, x->ct.len, NULL, &dl, NULL, sodium_base64_VARIANT_ORIGINAL) != 0)
			abort();
		uint8_t t1[32], t2[32], t3[32], one = 1, two = 2, three = 3, mac[32];
		sodium_hmac(t1, x->conv.key, 32, d + 1, 32, &one, 1, NULL, 0);
		sodium_hmac(t2, x->conv.key, 32, t1, 32, d + 1, 32, &two, 1);
		sodium_hmac(t3, x->conv.key, 32, t2, 32, d + 1, 32, &three, 1);
		uint8_t hk[32];
		memcpy(hk, t2 + 12, 20);
		memcpy(hk + 20, t3, 12);
		size_t ctl = dl - 65;
		sodium_hmac(mac, hk, 32, d + 1, 32, d + 33, ctl, NULL, 0);
		if (crypto_verify_32(mac, d + 33 + ctl) != 0)
			abort();
		uint8_t *p = malloc(ctl);
		crypto_stream_chacha20_ietf_xor(p, d + 33, ctl, t2, t1);
		sink += p[0];
		free(p);
		free(d);
	}
}

/* ---- event id and PoW ---- */

typedef struct evctx {
	nostr_event ev;
	buf         ser;
	uint8_t     id[32];
	uint8_t     in256[256];
} evctx;

static void our_event_id(void *c, long n)
{
	evctx *e = c;
	for (long i = 0; i < n; i++) {
		e->ev.created_at++;
		event_compute_id(&e->ev, e->id);
	}
	sink += e->id[0];
}

/* EVP_Digest with the implementation fetched once (with EVP_sha256() OpenSSL 3
 * looks the provider up on every call, which halves the rate). */
static EVP_MD *md;

static void evp_sha256(const void *d, size_t n, uint8_t out[32])
{
	unsigned int l;
	EVP_Digest(d, n, out, &l, md, NULL);
}

/* Floor for the id: hashing the already-serialized bytes. */
static void evp_event_bytes(void *c, long n)
{
	evctx *e = c;
	for (long i = 0; i < n; i++) {
		e->ser.p[10]++;
		evp_sha256(e->ser.p, e->ser.len, e->id);
	}
	sink += e->id[0];
}

static void evp_256(void *c, long n)
{
	evctx *e = c;
	for (long i = 0; i < n; i++) {
		e->in256[0]++;
		evp_sha256(e->in256, 256, e->id);
	}
	sink += e->id[0];
}

/* n attempts of our miner at an unreachable target. */
typedef struct powctx {
	nostr_event ev;
	uint64_t    next;
} powctx;

static void our_pow(void *c, long n)
{
	powctx *p = c;
	nip13_opts o = {.target = 256, .max_attempts = (uint64_t)n, .start_nonce = p->next};
	nip13_result r;
	nip13_mine(&p->ev, &o, &r);
	p->next += r.attempts;
}

/* "sha256  <rate>k" from `openssl speed -seconds 1 -bytes 256 sha256`, in
 * hashes per second; 0 when the binary is missing. */
static double openssl_speed(void)
{
	FILE *p = popen("openssl speed -seconds 1 -bytes 256 sha256 2>/dev/null", "r");
	if (!p)
		return 0;
	char line[256];
	double kbps = 0;
	while (fgets(line, sizeof line, p))
		if (strncmp(line, "sha256", 6) == 0 && sscanf(line + 6, "%lfk", &kbps) == 1)
			break;
	pclose(p);
	return kbps * 1000.0 / 256.0;
}

static void template_event(nostr_event *ev, const mu_key *k, size_t content_len)
{
	event_init(ev);
	memcpy(ev->pubkey, k->pk, 32);
	ev->created_at = 1795000000;
	ev->kind = 14;
	const char *p[] = {"p", "8b04142e01039bed503ea99a9ab40df7bbfadebef9bcfc01aea4352655a89124"};
	const char *x[] = {"expiration", "1797592000"};
	event_add_tag(ev, 2, p);
	event_add_tag(ev, 2, x);
	char *c = malloc(content_len + 1);
	for (size_t i = 0; i < content_len; i++)
		c[i] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"[i % 64];
	event_set_content(ev, c, content_len);
	free(c);
}

int main(int argc, char **argv)
{
	bench_slice_arg(argc, argv);
	if (sodium_init() < 0 || !(md = EVP_MD_fetch(NULL, "SHA256", NULL)))
		return 1;
	double t_start = bench_now();
	printf("crypto bench: one thread, best of %d x %.2f s slices, ours and floor interleaved\n", BENCH_ROUNDS, bench_slice);
	printf("%-28s %12s   %-28s %12s   %s\n", "ours", "", "floor (same run)", "", "ratio");

	keyctx k;
	memset(&k, 0, sizeof k);
	key_generate(&k.k);
	mu_key peer;
	key_generate(&peer);
	memcpy(k.peer, peer.pk, 32);
	k.raw = secp256k1_context_create(SECP256K1_CONTEXT_SIGN | SECP256K1_CONTEXT_VERIFY);
	uint8_t seed[32];
	randombytes_buf(seed, 32);
	if (!secp256k1_context_randomize(k.raw, seed) || !secp256k1_keypair_create(k.raw, &k.kp, k.k.sk))
		return 1;
	row("schnorr sign (BIP-340)", our_sign, &k, "raw secp256k1 sign32", raw_sign, &k);
	our_sign(&k, 1);
	row("schnorr verify", our_verify, &k, "raw secp256k1 verify", raw_verify, &k);
	row("ecdh_x (NIP-44 shared x)", our_ecdh, &k, "raw secp256k1_ecdh copy-x", raw_ecdh, &k);

	static const size_t sizes[] = {200, 1024};
	for (size_t s = 0; s < 2; s++) {
		n44 x;
		memset(&x, 0, sizeof x);
		nip44_conversation_key(&x.conv, k.k.sk, peer.pk);
		x.len = sizes[s];
		for (size_t i = 0; i < x.len; i++)
			x.msg[i] = (char)('a' + i % 26);
		char a[64];
		snprintf(a, sizeof a, "nip44 encrypt %zu B", x.len);
		row(a, our_encrypt, &x, "(no floor)", NULL, NULL);
		snprintf(a, sizeof a, "nip44 decrypt %zu B", x.len);
		row(a, our_decrypt, &x, "libsodium-only decrypt", sodium_decrypt, &x);
		buf_free(&x.ct);
		buf_free(&x.pt);
		nip44_conv_wipe(&x.conv);
	}

	evctx e;
	memset(&e, 0, sizeof e);
	template_event(&e.ev, &k.k, 850);
	event_serialize(&e.ser, &e.ev);
	char label[64];
	snprintf(label, sizeof label, "event id (%zu B event)", e.ser.len);
	row(label, our_event_id, &e, "EVP sha256 of its bytes", evp_event_bytes, &e);

	powctx small = {.next = 0};
	template_event(&small.ev, &k.k, 40);
	buf sb = BUF_INIT;
	event_serialize(&sb, &small.ev);
	double pow_small, evp256;
	bench_best_pair(our_pow, &small, &pow_small, evp_256, &e, &evp256);
	snprintf(label, sizeof label, "pow attempts (%zu B event)", sb.len);
	bench_print_row(28, 28, label, pow_small, "EVP sha256(256B) loop", evp256);
	double speed = openssl_speed();
	if (speed > 0)
		bench_print_row(28, 28, label, pow_small, "openssl speed sha256 256B", speed);
	else
		bench_print_row(28, 28, label, pow_small, "openssl speed (no binary)", 0);
	powctx big = {.next = 0};
	event_copy(&big.ev, &e.ev);
	snprintf(label, sizeof label, "pow attempts (%zu B event)", e.ser.len);
	row(label, our_pow, &big, "re-hash whole event (EVP)", evp_event_bytes, &e);
	buf_free(&sb);
	event_free(&small.ev);
	event_free(&big.ev);
	event_free(&e.ev);
	buf_free(&e.ser);

	EVP_MD_free(md);
	secp256k1_context_destroy(k.raw);
	key_wipe(&k.k);
	key_wipe(&peer);
	printf("total %.1f s\n", bench_now() - t_start);
	return 0;
}
