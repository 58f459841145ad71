/* mostro_chat.c — chat keys and chat envelopes (see mostro_chat.h). */
#include "mostro_chat.h"

#include <string.h>
#include <time.h>

#include "nip59.h"
#include "hex.h"
#include "sha256.h"

const char *const chat_format_names[3] = { "current", "legacy", "nip59" };

bool chat_format_parse(const char *s, chat_format *f)
{
	for (int i = 0; i < 3; i++)
		if (strcmp(s, chat_format_names[i]) == 0) {
			*f = (chat_format)i;
			return true;
		}
	return false;
}

static void hmac_sha256(uint8_t out[32], const uint8_t *key, size_t klen,
			const uint8_t *msg, size_t mlen, const uint8_t *msg2, size_t mlen2)
{
	uint8_t pad[64], inner[32];
	sha256_ctx c;
	memset(pad, 0, sizeof pad);
	memcpy(pad, key, klen);      /* klen <= 32 here */
	for (int i = 0; i < 64; i++)
		pad[i] ^= 0x36;
	sha256_init(&c);
	sha256_update(&c, pad, 64);
	sha256_update(&c, msg, mlen);
	if (mlen2)
		sha256_update(&c, msg2, mlen2);
	sha256_final(&c, inner);
	for (int i = 0; i < 64; i++)
		pad[i] ^= 0x36 ^ 0x5c;
	sha256_init(&c);
	sha256_update(&c, pad, 64);
	sha256_update(&c, inner, 32);
	sha256_final(&c, out);
	memset(pad, 0, sizeof pad);
	memset(inner, 0, sizeof inner);
}

void chat_hkdf32(uint8_t out[32], const uint8_t ikm[32], const uint8_t *info, size_t info_len)
{
	static const uint8_t zero_salt[32];
	uint8_t prk[32], t[64 + 2];
	hmac_sha256(prk, zero_salt, 32, ikm, 32, NULL, 0);
	/* T(1) = HMAC(PRK, info || 0x01) */
	memcpy(t, info, info_len);
	t[info_len] = 1;
	hmac_sha256(out, prk, 32, t, info_len + 1, NULL, 0);
	memset(prk, 0, sizeof prk);
}

/* info, then info||1, info||2 ... until the output is a valid scalar. */
static void derive_key(mu_key *k, const uint8_t shared[32], const char *info)
{
	uint8_t lab[64], sk[32];
	size_t n = strlen(info);
	memcpy(lab, info, n);
	for (unsigned counter = 0; counter < 256; counter++) {
		size_t len = n;
		if (counter)
			lab[len++] = (uint8_t)counter;
		chat_hkdf32(sk, shared, lab, len);
		if (key_from_secret(k, sk))
			break;
	}
	memset(sk, 0, sizeof sk);
}

bool chat_shared_secret(uint8_t shared[32], const uint8_t own_sk[32], const uint8_t peer_pk[32])
{
	return ecdh_x(shared, own_sk, peer_pk);
}

bool chat_keys_from_shared(chat_keys *k, const uint8_t shared[32])
{
	memset(k, 0, sizeof *k);
	derive_key(&k->conv, shared, CHAT_CONV_INFO);
	derive_key(&k->sign, shared, CHAT_SIGN_INFO);
	return key_from_secret(&k->legacy, shared);
}

bool chat_keys_derive(chat_keys *k, const uint8_t own_sk[32], const uint8_t peer_pk[32])
{
	uint8_t shared[32];
	if (!chat_shared_secret(shared, own_sk, peer_pk)) {
		memset(k, 0, sizeof *k);
		return false;
	}
	bool ok = chat_keys_from_shared(k, shared);
	memset(shared, 0, sizeof shared);
	return ok;
}

void chat_keys_wipe(chat_keys *k)
{
	key_wipe(&k->conv);
	key_wipe(&k->sign);
	key_wipe(&k->legacy);
}

/* kind-1 inner event signed by own, serialized. */
static void signed_inner(buf *json, const mu_key *own, const char *text, size_t n, uint64_t t)
{
	nostr_event in;
	event_init(&in);
	in.kind = 1;
	in.created_at = t;
	event_set_content(&in, text, n);
	event_sign(&in, own, NULL);
	event_write(json, &in);
	event_free(&in);
}

static jv tag2(const char *a, const char *b)
{
	return jv_array_append(jv_array_append(jv_array(), jv_string(a)), jv_string(b));
}

nip44_err chat_wrap(nostr_event *out, chat_format f, const mu_key *own, const uint8_t peer[32],
		    const char *text, size_t n, const uint64_t *created_at)
{
	chat_keys ck;
	buf inner = BUF_INIT, ct = BUF_INIT;
	char hx[65];
	nip44_err e = NIP44_OK;
	uint64_t now = (uint64_t)time(NULL);
	uint64_t t = created_at ? *created_at : now;
	event_init(out);
	if (f == CHAT_NIP59) {
		hex_encode(hx, peer, 32);
		nostr_event rumor, seal;
		nip59_rumor(&rumor, own->pk, 14, t, jv_array_append(jv_array(), tag2("p", hx)), text, n);
		event_write(&inner, &rumor);
		event_free(&rumor);
		e = nip59_seal(&seal, own, peer, inner.p, inner.len, nip59_tweaked(now));
		if (e == NIP44_OK) {
			buf sj = BUF_INIT;
			event_write(&sj, &seal);
			event_free(out);
			nip59_gift_wrap(out, peer, sj.p, sj.len, nip59_tweaked(now),
					jv_array_append(jv_array(), tag2("p", hx)), NULL, &e);
			buf_free(&sj);
		}
		event_free(&seal);
		buf_wipe(&inner);
		return e;
	}
	if (!chat_keys_derive(&ck, own->sk, peer)) {
		chat_keys_wipe(&ck);
		return NIP44_ERR_PUBLIC_KEY;
	}
	signed_inner(&inner, own, text, n, t);
	if (f == CHAT_CURRENT) {
		e = nip44_encrypt_to(&ct, ck.conv.sk, ck.conv.pk, inner.p, inner.len);
		if (e == NIP44_OK) {
			hex_encode(hx, ck.conv.pk, 32);
			out->kind = 14;
			out->created_at = t;
			jv_free(out->tags);
			out->tags = jv_array_append(jv_array(), tag2("p", hx));
			event_set_content(out, ct.p, ct.len);
			event_sign(out, &ck.sign, NULL);
		}
	} else {
		hex_encode(hx, ck.legacy.pk, 32);
		event_free(out);
		nip59_gift_wrap(out, ck.legacy.pk, inner.p, inner.len, nip59_tweaked(now),
				jv_array_append(jv_array(), tag2("p", hx)), NULL, &e);   /* no mining: only NIP-44 can fail */
	}
	buf_free(&ct);
	buf_wipe(&inner);
	chat_keys_wipe(&ck);
	return e;
}
