/* nip59.c — gift wrap primitives (see nip59.h). */
#include "nip59.h"

#include <sodium.h>
#include <stdlib.h>
#include <string.h>

#include "nip13.h"

uint64_t nip59_tweaked(uint64_t now)
{
	static bool ready;
	if (!ready) {
		if (sodium_init() < 0)
			abort();
		ready = true;
	}
	uint64_t back = randombytes_uniform(NIP59_TWEAK_RANGE);
	return now > back ? now - back : 0;
}

void nip59_rumor(nostr_event *r, const uint8_t pk[32], uint32_t kind, uint64_t created_at,
		 jv tags, const char *content, size_t n)
{
	event_init(r);
	memcpy(r->pubkey, pk, 32);
	r->kind = kind;
	r->created_at = created_at;
	jv_free(r->tags);
	r->tags = tags;
	event_set_content(r, content, n);
	event_compute_id(r, r->id);
	r->has_id = true;
}

nip44_err nip59_seal(nostr_event *seal, const mu_key *author, const uint8_t receiver[32],
		     const char *inner, size_t n, uint64_t created_at)
{
	nip44_peer rx;
	if (!nip44_peer_parse(&rx, receiver)) {
		event_init(seal);
		return NIP44_ERR_PUBLIC_KEY;
	}
	return nip59_seal_to(seal, author, &rx, inner, n, created_at);
}

nip44_err nip59_seal_to(nostr_event *seal, const mu_key *author, const nip44_peer *receiver,
			const char *inner, size_t n, uint64_t created_at)
{
	buf ct = BUF_INIT;
	event_init(seal);
	nip44_err e = nip44_encrypt_to_peer(&ct, author->sk, receiver, inner, n);
	if (e != NIP44_OK) {
		buf_free(&ct);
		return e;
	}
	seal->kind = 13;
	seal->created_at = created_at;
	event_set_content(seal, ct.p, ct.len);
	buf_free(&ct);
	event_sign(seal, author, NULL);
	return NIP44_OK;
}

nip59_err nip59_gift_wrap(nostr_event *wrap, const uint8_t receiver[32], const char *inner,
			  size_t n, uint64_t created_at, jv tags, const nip13_opts *pow, nip44_err *ne)
{
	nip44_peer rx;
	if (!nip44_peer_parse(&rx, receiver)) {
		event_init(wrap);
		jv_free(tags);
		if (ne)
			*ne = NIP44_ERR_PUBLIC_KEY;
		return NIP59_ERR_ENCRYPT;
	}
	return nip59_gift_wrap_to(wrap, &rx, inner, n, created_at, tags, pow, ne);
}

nip59_err nip59_gift_wrap_to(nostr_event *wrap, const nip44_peer *receiver, const char *inner,
			     size_t n, uint64_t created_at, jv tags, const nip13_opts *pow, nip44_err *ne)
{
	mu_key eph;
	buf ct = BUF_INIT;
	event_init(wrap);
	key_generate(&eph);
	nip44_err e = nip44_encrypt_to_peer(&ct, eph.sk, receiver, inner, n);
	if (ne)
		*ne = e;
	if (e != NIP44_OK) {
		buf_free(&ct);
		key_wipe(&eph);
		jv_free(tags);
		return NIP59_ERR_ENCRYPT;
	}
	wrap->kind = 1059;
	wrap->created_at = created_at;
	jv_free(wrap->tags);
	wrap->tags = tags;
	event_set_content(wrap, ct.p, ct.len);
	buf_free(&ct);
	memcpy(wrap->pubkey, eph.pk, 32);
	if (pow && pow->target > 0) {
		nip13_opts o = *pow;
		o.fresh_created_at = false;
		if (nip13_mine(wrap, &o, NULL) != NIP13_OK) {
			key_wipe(&eph);
			event_free(wrap);
			event_init(wrap);
			return NIP59_ERR_POW;
		}
	}
	event_sign(wrap, &eph, NULL);
	key_wipe(&eph);
	return NIP59_OK;
}

nip44_err nip59_open(buf *out, const uint8_t sk[32], const nostr_event *ev)
{
	size_t n;
	const char *c = event_content(ev, &n);
	return nip44_decrypt_from(out, sk, ev->pubkey, c, n);
}
