/* mostro_envelope.c — Mostro envelopes, both directions (see mostro_envelope.h). */
#include "detail.h"
#include "mostro_envelope.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sodium.h>

#include "hex.h"
#include "json.h"
#include "nip13.h"
#include "nip59.h"

bool mostro_transport_parse(const char *s, mostro_transport *t)
{
	if (!strcmp(s, "v1") || !strcmp(s, "gift-wrap") || !strcmp(s, "1"))
		*t = MOSTRO_V1;
	else if (!strcmp(s, "v2") || !strcmp(s, "nip44") || !strcmp(s, "2"))
		*t = MOSTRO_V2;
	else
		return false;
	return true;
}

const char *env_wrap_strerror(env_wrap_err e)
{
	switch (e) {
	case ENV_WRAP_OK: return "ok";
	case ENV_WRAP_RECEIVER: return "receiver is not a valid public key";
	case ENV_WRAP_TOO_LONG: return "message too long: the content tuple (v2) or the rumor (v1) "
				       "is over NIP-44's 65535 bytes of plaintext";
	case ENV_WRAP_SEAL_TOO_LONG: return "message too long for v1: the seal (the rumor encrypted, "
					    "padded and base64) is over NIP-44's 65535 bytes of plaintext; "
					    "v1 carries about 40 KB of message, v2 about 64 KB";
	case ENV_WRAP_POW: return "proof of work failed";
	case ENV_WRAP_POW_TARGET: return "proof of work above 32 bits (MOSTRO_POW_MAX)";
	}
	return "unknown error";
}

static jv tag2(const char *a, const char *b)
{
	return jv_array_append(jv_array_append(jv_array(), jv_string(a)), jv_string(b));
}

/* The miner's limits for o->pow. */
static nip13_opts pow_opts(const mostro_wrap_opts *o)
{
	nip13_opts po = { .target = o->pow,
			  .max_attempts = o->pow_attempts ? o->pow_attempts : nip13_attempt_budget(o->pow) };
	return po;
}

static env_wrap_err from_nip44(nip44_err e)
{
	if (e == NIP44_OK)
		return ENV_WRAP_OK;
	return e == NIP44_ERR_PLAINTEXT_LEN ? ENV_WRAP_TOO_LONG : ENV_WRAP_RECEIVER;
}

/* Builds the content tuple for the transport and mode. */
static void build_tuple(buf *t, const char *msg, size_t n, const mu_key *trade,
			const mu_key *identity, const mostro_wrap_opts *o)
{
	uint8_t sig[64], isig[64];
	bool reputation = identity != NULL;
	bool sign = reputation || o->sign;
	if (sign)
		mostro_sign(trade, msg, n, NULL, sig);
	if (o->transport == MOSTRO_V2 && reputation)
		mostro_identity_sign(identity, trade->pk, msg, n, NULL, isig);
	mostro_tuple_write(t, o->transport == MOSTRO_V1 ? 2 : 3, msg, n, sign ? sig : NULL,
			   reputation && o->transport == MOSTRO_V2 ? identity->pk : NULL,
			   reputation && o->transport == MOSTRO_V2 ? isig : NULL);
}

static env_wrap_err wrap_v1(nostr_event *out, const buf *tuple, const mu_key *trade,
			    const mu_key *seal_key, const uint8_t rx[32], const nip44_peer *rxp,
			    const mostro_wrap_opts *o, uint64_t now, uint64_t t)
{
	nostr_event rumor, seal;
	buf rj = BUF_INIT, sj = BUF_INIT;
	char hx[65], ts[24];
	nip59_rumor(&rumor, trade->pk, 1, t, jv_array(), tuple->p, tuple->len);
	event_write(&rj, &rumor);
	event_free(&rumor);
	nip44_err e = nip59_seal_to(&seal, seal_key, rxp, rj.p, rj.len, nip59_tweaked(now));
	buf_wipe(&rj);
	if (e != NIP44_OK) {
		event_free(&seal);
		event_init(out);
		return from_nip44(e);
	}
	event_write(&sj, &seal);
	event_free(&seal);
	jv tags = jv_array();
	if (o->has_expiration) {
		snprintf(ts, sizeof ts, "%llu", (unsigned long long)o->expiration);
		tags = jv_array_append(tags, tag2("expiration", ts));
	}
	hex_encode(hx, rx, 32);
	tags = jv_array_append(tags, tag2("p", hx));
	nip13_opts po = pow_opts(o);
	nip59_err we = nip59_gift_wrap_to(out, rxp, sj.p, sj.len, nip59_tweaked(now), tags, &po, &e);
	buf_free(&sj);
	return we == NIP59_ERR_POW ? ENV_WRAP_POW
	     : e == NIP44_ERR_PLAINTEXT_LEN ? ENV_WRAP_SEAL_TOO_LONG : from_nip44(e);
}

static env_wrap_err wrap_v2(nostr_event *out, const buf *tuple, const mu_key *trade,
			    const uint8_t rx[32], const nip44_peer *rxp, const mostro_wrap_opts *o, uint64_t t)
{
	buf ct = BUF_INIT;
	char hx[65], ts[24];
	event_init(out);
	nip44_err e = nip44_encrypt_to_peer(&ct, trade->sk, rxp, tuple->p, tuple->len);
	if (e != NIP44_OK) {
		buf_free(&ct);
		return from_nip44(e);
	}
	out->kind = 14;
	out->created_at = t;
	hex_encode(hx, rx, 32);
	jv tags = jv_array_append(jv_array(), tag2("p", hx));
	if (o->has_expiration) {
		snprintf(ts, sizeof ts, "%llu", (unsigned long long)o->expiration);
		tags = jv_array_append(tags, tag2("expiration", ts));
	}
	jv_free(out->tags);
	out->tags = tags;
	event_set_content(out, ct.p, ct.len);
	buf_free(&ct);
	memcpy(out->pubkey, trade->pk, 32);
	if (o->pow > 0) {
		/* mostrod drops kind 14 older than 10 s: keep created_at current
		 * while mining, unless the caller fixed it */
		nip13_opts po = pow_opts(o);
		po.fresh_created_at = !o->has_created_at;
		if (nip13_mine(out, &po, NULL) != NIP13_OK) {
			event_free(out);
			event_init(out);
			return ENV_WRAP_POW;
		}
	}
	event_sign(out, trade, NULL);
	return ENV_WRAP_OK;
}

/* The envelope around a tuple, the receiver parsed (once for the seal and
 * the wrap, or the kind 14). */
static env_wrap_err wrap_parsed(nostr_event *out, const char *tuple, size_t n, const mu_key *trade,
				const mu_key *identity, const uint8_t receiver[32], const nip44_peer *rxp,
				const mostro_wrap_opts *o)
{
	uint64_t now = (uint64_t)time(NULL);
	uint64_t t = o->has_created_at ? o->created_at : now;
	buf b = BUF_INIT;
	buf_put(&b, tuple, n);
	env_wrap_err e = o->transport == MOSTRO_V1
		? wrap_v1(out, &b, trade, identity ? identity : trade, receiver, rxp, o, now, t)
		: wrap_v2(out, &b, trade, receiver, rxp, o, t);
	buf_wipe(&b);
	return e;
}

/* The checks both entry points make before anything is signed. */
static env_wrap_err wrap_check(nostr_event *out, const uint8_t receiver[32], nip44_peer *rxp,
			       const mostro_wrap_opts *o)
{
	env_wrap_err e = !nip44_peer_parse(rxp, receiver) ? ENV_WRAP_RECEIVER
		       : o->pow > MOSTRO_POW_MAX ? ENV_WRAP_POW_TARGET : ENV_WRAP_OK;
	if (e != ENV_WRAP_OK)
		event_init(out);
	return e;
}

env_wrap_err mostro_wrap(nostr_event *out, const char *msg, size_t n, const mu_key *trade,
			 const mu_key *identity, const uint8_t receiver[32], const mostro_wrap_opts *o)
{
	nip44_peer rxp;
	env_wrap_err e = wrap_check(out, receiver, &rxp, o);
	if (e != ENV_WRAP_OK)
		return e;
	if (identity && memcmp(identity->pk, trade->pk, 32) == 0)
		identity = NULL;
	buf tuple = BUF_INIT;
	build_tuple(&tuple, msg, n, trade, identity, o);
	e = wrap_parsed(out, tuple.p, tuple.len, trade, identity, receiver, &rxp, o);
	buf_wipe(&tuple);
	return e;
}

env_wrap_err mostro_wrap_tuple(nostr_event *out, const char *tuple, size_t n, const mu_key *trade,
			       const mu_key *identity, const uint8_t receiver[32], const mostro_wrap_opts *o)
{
	nip44_peer rxp;
	env_wrap_err e = wrap_check(out, receiver, &rxp, o);
	return e != ENV_WRAP_OK ? e : wrap_parsed(out, tuple, n, trade, identity, receiver, &rxp, o);
}

/* ------------------------------------------------------------- keyring */

void env_keyring_init(env_keyring *r)
{
	memset(r, 0, sizeof *r);
}

void env_keyring_free(env_keyring *r)
{
	for (size_t i = 0; i < r->n; i++) {
		key_wipe(&r->k[i].key);
		key_wipe(&r->k[i].legacy);
	}
	free(r->k);
	idset_free(&r->by_trade);
	idset_free(&r->by_legacy);
	idset_free(&r->by_sign);
	memset(r, 0, sizeof *r);
}

/* The ring entry a public key maps to in one of the ring's indexes. */
static const env_key *ring_find(const env_keyring *r, const idset *by, const uint8_t pk[32])
{
	uint64_t i;
	return idset_get(by, pk, &i) && i < r->n ? &r->k[i] : NULL;
}

static env_key *ring_push(env_keyring *r)
{
	if (r->n == r->cap) {
		r->cap = r->cap ? r->cap * 2 : 16;
		r->k = mu_xrealloc(r->k, r->cap * sizeof *r->k);
	}
	env_key *k = &r->k[r->n++];
	memset(k, 0, sizeof *k);
	return k;
}

void env_keyring_add(env_keyring *r, const mu_key *k)
{
	if (idset_has(&r->by_trade, k->pk))
		return;
	idset_add_at(&r->by_trade, k->pk, r->n);
	env_key *e = ring_push(r);
	e->role = ENV_KEY_TRADE;
	e->key = *k;
}

bool env_keyring_add_peer(env_keyring *r, const uint8_t peer[32])
{
	if (!key_pubkey_valid(peer))
		return false;
	size_t n = r->n;
	for (size_t i = 0; i < n; i++) {
		if (r->k[i].role != ENV_KEY_TRADE)
			continue;
		chat_keys ck;
		bool ok = chat_keys_derive(&ck, r->k[i].key.sk, peer);
		if (ok) {
			uint8_t owner[32];
			memcpy(owner, r->k[i].key.pk, 32);
			idset_add_at(&r->by_legacy, ck.legacy.pk, r->n);   /* a present key keeps its first entry */
			idset_add_at(&r->by_sign, ck.sign.pk, r->n);
			env_key *e = ring_push(r);   /* may move r->k */
			e->role = ENV_KEY_CHAT;
			e->key = ck.conv;
			e->legacy = ck.legacy;
			memcpy(e->sign_pk, ck.sign.pk, 32);
			memcpy(e->owner, owner, 32);
			memcpy(e->peer, peer, 32);
		}
		chat_keys_wipe(&ck);
	}
	return true;
}

/* ------------------------------------------------------------ receiving */

const char *env_reason_code(env_reason r)
{
	switch (r) {
	case ENV_OK: return "ok";
	case ENV_BAD_JSON: return "bad-json";
	case ENV_BAD_EVENT: return "bad-event";
	case ENV_BAD_KIND: return "bad-kind";
	case ENV_POW: return "insufficient-pow";
	case ENV_BAD_SIGNATURE: return "bad-signature";
	case ENV_REPLAY: return "replay";
	case ENV_NOT_FOR_US: return "not-for-us";
	case ENV_BAD_MAC: return "bad-mac";
	case ENV_BAD_SEAL: return "bad-seal";
	case ENV_BAD_RUMOR: return "bad-rumor";
	case ENV_BAD_MESSAGE: return "bad-message";
	case ENV_BAD_TRADE_SIGNATURE: return "bad-trade-signature";
	case ENV_BAD_IDENTITY_PROOF: return "bad-identity-proof";
	case ENV_BAD_CHAT: return "bad-chat";
	case ENV_STALE: return "stale";
	}
	return "unknown";
}

void env_opened_free(env_opened *o)
{
	mostro_tuple_free(&o->tuple);
	event_free(&o->rumor);
	memset(o, 0, sizeof *o);
	mostro_tuple_init(&o->tuple);     /* allocates nothing */
	o->rumor.tags = jv_invalid();
	o->rumor.content = jv_invalid();
}

void env_unwrapper_init(env_unwrapper *u, const env_keyring *ring, const env_opts *o)
{
	memset(u, 0, sizeof *u);
	u->ring = ring;
	if (o)
		u->opts = *o;
}

void env_unwrapper_free(env_unwrapper *u)
{
	if (u->conv) {
		sodium_memzero(u->conv, ENV_CONV_CACHE * sizeof *u->conv);
		free(u->conv);
	}
	idset_free(&u->seen);
	buf_wipe(&u->pt1);
	buf_wipe(&u->pt2);
	memset(u, 0, sizeof *u);
}

/* Zeroes a plaintext scratch buffer but keeps its allocation for the next event. */
static void scrub(buf *b)
{
	if (b->p)
		sodium_memzero(b->p, b->cap);
	b->len = 0;
}

/* The conversation key of (our, peer), from the cache or derived and cached
 * (with pp, the peer already parsed, when the caller has it). */
static nip44_err conv_for(env_unwrapper *u, const mu_key *our, const uint8_t peer[32],
			  const nip44_peer *pp, const nip44_conv **out)
{
	if (!u->conv)
		u->conv = calloc(ENV_CONV_CACHE, sizeof *u->conv);
	if (!u->conv)
		abort();
	env_conv_slot *victim = &u->conv[0];
	for (size_t i = 0; i < ENV_CONV_CACHE; i++) {
		env_conv_slot *sl = &u->conv[i];
		if (sl->used && memcmp(sl->peer, peer, 32) == 0 && memcmp(sl->our, our->pk, 32) == 0) {
			sl->used = ++u->tick;
			u->conv_hits++;
			*out = &sl->conv;
			return NIP44_OK;
		}
		if (sl->used < victim->used)
			victim = sl;
	}
	u->conv_misses++;
	nip44_err e = pp ? nip44_conversation_key_peer(&victim->conv, our->sk, pp)
			 : nip44_conversation_key(&victim->conv, our->sk, peer);
	if (e != NIP44_OK) {
		sodium_memzero(victim, sizeof *victim);
		return e;
	}
	memcpy(victim->our, our->pk, 32);
	memcpy(victim->peer, peer, 32);
	victim->used = ++u->tick;
	*out = &victim->conv;
	return NIP44_OK;
}

/* Decrypts ev's content sent by peer to our key, through the cache. */
static nip44_err open_cached(env_unwrapper *u, buf *out, const mu_key *our, const uint8_t peer[32],
			     const nip44_peer *pp, const nostr_event *ev)
{
	const nip44_conv *c;
	nip44_err e = conv_for(u, our, peer, pp, &c);
	if (e != NIP44_OK)
		return e;
	size_t n;
	const char *content = event_content(ev, &n);
	return nip44_decrypt(out, c, content, n);
}

/* NIP-01 verification with the author's key parsed once and kept for the
 * caller: the same square root serves the decryption with that author (the
 * ECDH point) and, on v2, the trade signature (the x-only key). */
static event_err verify_event(const nostr_event *ev, nip44_peer *author)
{
	uint8_t id[32];
	if (!ev->has_id)
		return EVENT_ERR_BAD_ID;
	event_compute_id(ev, id);
	if (memcmp(id, ev->id, 32) != 0)
		return EVENT_ERR_BAD_ID;
	if (!nip44_peer_parse(author, ev->pubkey))
		return EVENT_ERR_BAD_PUBKEY;
	if (!ev->has_sig || secp256k1_schnorrsig_verify(secp(), ev->sig, ev->id, 32, &author->xonly) != 1)
		return EVENT_ERR_BAD_SIG;
	return EVENT_OK;
}

/* Decrypts a gift wrap's content with our secret and the wrap's (parsed)
 * author. Ephemeral authors: the conversation key is not cached. */
static nip44_err open_wrap(buf *out, const uint8_t sk[32], const nip44_peer *author, const nostr_event *ev)
{
	nip44_conv c;
	nip44_err e = nip44_conversation_key_peer(&c, sk, author);
	if (e == NIP44_OK) {
		size_t n;
		const char *content = event_content(ev, &n);
		e = nip44_decrypt(out, &c, content, n);
	}
	nip44_conv_wipe(&c);
	return e;
}

#define why(e, d, n, ...) DETAIL_FAIL(e, d, n, __VA_ARGS__)

/* The first p tag from tag *from on naming a key of the wanted role (for
 * chat: a legacy shared key); *from is left past it, so a caller can go on
 * to the next one (an event may name several of our keys). */
static const env_key *addressed_key(const env_keyring *r, const nostr_event *ev, env_key_role role, int *from)
{
	int nt = jv_array_length(jv_copy(ev->tags));
	for (int i = *from; i < nt; i++) {
		jv t = jv_array_get(jv_copy(ev->tags), i);
		const env_key *hit = NULL;
		if (jv_array_length(jv_copy(t)) >= 2) {
			jv a = jv_array_get(jv_copy(t), 0), b = jv_array_get(jv_copy(t), 1);
			size_t bl;
			const char *bs = jv_string_value(b);
			bl = (size_t)jv_string_length_bytes(jv_copy(b));
			uint8_t pk[32];
			/* a legacy chat wrap names the legacy shared key */
			if (strcmp(jv_string_value(a), "p") == 0 && hex_decode(pk, 32, bs, bl, true))
				hit = ring_find(r, role == ENV_KEY_CHAT ? &r->by_legacy : &r->by_trade, pk);
			jv_free(a);
			jv_free(b);
		}
		jv_free(t);
		if (hit) {
			*from = i + 1;
			return hit;
		}
	}
	*from = nt;
	return NULL;
}

static void hex64(char out[65], const uint8_t b[32])
{
	hex_encode(out, b, 32);
}

/* Is the rumor a Mostro content tuple? kind 1 (mostro-core's TextNote) and
 * content a JSON array whose first element is an object. Anything else in a
 * gift wrap is plain NIP-59 (a kind 14 NIP-17 message, a note...). */
static bool looks_like_tuple(const nostr_event *r)
{
	size_t n;
	const char *c = event_content(r, &n);
	if (r->kind != 1)
		return false;
	size_t i = 0;
	while (i < n && (c[i] == ' ' || c[i] == '\n' || c[i] == '\t' || c[i] == '\r'))
		i++;
	if (i >= n || c[i] != '[')
		return false;
	for (i++; i < n && (c[i] == ' ' || c[i] == '\n' || c[i] == '\t' || c[i] == '\r'); i++)
		;
	return i < n && c[i] == '{';
}

static env_reason tuple_reason(mostro_tuple_err e)
{
	switch (e) {
	case MOSTRO_TUPLE_ERR_TRADE_SIG:
	case MOSTRO_TUPLE_ERR_SIG_FORMAT:
		return ENV_BAD_TRADE_SIGNATURE;
	case MOSTRO_TUPLE_ERR_IDENTITY:
	case MOSTRO_TUPLE_ERR_PROOF_FORMAT:
	case MOSTRO_TUPLE_ERR_UNSIGNED_PROOF:
		return ENV_BAD_IDENTITY_PROOF;
	default:
		return ENV_BAD_MESSAGE;
	}
}

/* Parses and checks a content tuple authored by trade_pk. */
static env_reason open_tuple(env_opened *out, const buf *pt, int arity, const uint8_t trade_pk[32],
			     const secp256k1_xonly_pubkey *parsed, char *d, size_t dn)
{
	char detail[200] = "";
	mostro_tuple_err te = mostro_tuple_parse(&out->tuple, pt->p, pt->len, arity, detail, sizeof detail);
	if (te == MOSTRO_TUPLE_OK)
		te = parsed ? mostro_tuple_verify_parsed(&out->tuple, trade_pk, parsed)
			    : mostro_tuple_verify(&out->tuple, trade_pk);
	if (te == MOSTRO_TUPLE_OK)
		return ENV_OK;
	if (!detail[0])
		snprintf(detail, sizeof detail, "%s", mostro_tuple_strerror(te));
	return why(tuple_reason(te), d, dn, "%s", detail);
}

static env_reason open_v1(env_unwrapper *u, const nostr_event *ev, const env_key *k,
			  env_opened *out, char *d, size_t dn)
{
	nostr_event seal, rumor;
	char detail[160];
	env_reason r = ENV_OK;
	event_init(&rumor);
	if (event_parse(&seal, u->pt1.p, u->pt1.len, 0, detail, sizeof detail) != EVENT_OK) {
		r = why(ENV_BAD_SEAL, d, dn, "seal is not a signed event: %s", detail);
		goto out;
	}
	if (seal.kind != 13) {
		r = why(ENV_BAD_SEAL, d, dn, "inner event is kind %u, not a seal (13)", seal.kind);
		goto out;
	}
	nip44_peer sp;
	event_err ve = verify_event(&seal, &sp);
	if (ve != EVENT_OK) {
		r = why(ENV_BAD_SEAL, d, dn, "seal: %s", event_strerror(ve));
		goto out;
	}
	nip44_err ne = open_cached(u, &u->pt2, &k->key, seal.pubkey, &sp, &seal);
	if (ne != NIP44_OK) {
		r = why(ENV_BAD_SEAL, d, dn, "seal content does not decrypt: %s", nip44_strerror(ne));
		goto out;
	}
	event_free(&rumor);
	if (event_parse(&rumor, u->pt2.p, u->pt2.len, EVENT_RUMOR, detail, sizeof detail) != EVENT_OK) {
		r = why(ENV_BAD_RUMOR, d, dn, "rumor is not an event: %s", detail);
		goto out;
	}
	memcpy(out->recipient, k->key.pk, 32);
	out->transport = MOSTRO_V1;
	out->created_at = rumor.created_at;
	if (!looks_like_tuple(&rumor)) {
		/* plain NIP-59: the rumor must be the seal signer's */
		if (memcmp(rumor.pubkey, seal.pubkey, 32) != 0) {
			char a[65], b[65];
			hex64(a, rumor.pubkey);
			hex64(b, seal.pubkey);
			r = why(ENV_BAD_SEAL, d, dn, "rumor author %s is not the seal signer %s", a, b);
			goto out;
		}
		out->type = ENV_CHAT;
		out->format = CHAT_NIP59;
		memcpy(out->sender, seal.pubkey, 32);
		memcpy(out->identity, seal.pubkey, 32);
		event_compute_id(&rumor, rumor.id);
		rumor.has_id = true;
		event_free(&out->rumor);
		out->rumor = rumor;
		event_init(&rumor);
		goto out;
	}
	size_t cn;
	const char *c = event_content(&rumor, &cn);
	buf_reset(&u->pt1);
	buf_put(&u->pt1, c, cn);
	r = open_tuple(out, &u->pt1, 2, rumor.pubkey, NULL, d, dn);
	if (r != ENV_OK)
		goto out;
	if (!out->tuple.has_trade_sig && memcmp(seal.pubkey, rumor.pubkey, 32) != 0) {
		char a[65];
		hex64(a, seal.pubkey);
		r = why(ENV_BAD_TRADE_SIGNATURE, d, dn,
			"seal signed by %s, not the rumor author, and no trade signature (mostrod drops it)", a);
		goto out;
	}
	out->type = ENV_MESSAGE;
	memcpy(out->sender, rumor.pubkey, 32);
	memcpy(out->identity, seal.pubkey, 32);
out:
	event_free(&seal);
	event_free(&rumor);
	return r;
}

/* The inner kind-1 event of a chat, in u->pt1: parsed, signed, by one of the
 * conversation's two keys and, when outer is given (current format), dated
 * within CHAT_MAX_SKEW of it. Fills out as a chat record of format f. */
static env_reason open_chat_inner(env_unwrapper *u, const nostr_event *outer, const env_key *k,
				  chat_format f, mostro_transport t, env_opened *out, char *d, size_t dn)
{
	nostr_event in;
	char detail[160];
	if (event_parse(&in, u->pt1.p, u->pt1.len, 0, detail, sizeof detail) != EVENT_OK) {
		event_free(&in);
		return why(ENV_BAD_CHAT, d, dn, "inner chat event: %s", detail);
	}
	env_reason r = ENV_OK;
	event_err ve = event_verify(&in);
	uint64_t skew = !outer ? 0 : in.created_at > outer->created_at ? in.created_at - outer->created_at
								       : outer->created_at - in.created_at;
	if (ve != EVENT_OK)
		r = why(ENV_BAD_CHAT, d, dn, "inner chat event: %s", event_strerror(ve));
	else if (in.kind != 1)
		r = why(ENV_BAD_CHAT, d, dn, "inner chat event is kind %u, not 1", in.kind);
	else if (memcmp(in.pubkey, k->owner, 32) != 0 && memcmp(in.pubkey, k->peer, 32) != 0)
		r = why(ENV_BAD_CHAT, d, dn, "inner chat event signed by a key outside the conversation");
	else if (skew > CHAT_MAX_SKEW)
		r = why(ENV_BAD_CHAT, d, dn, "inner and outer created_at differ by %llu s (more than %d)",
			(unsigned long long)skew, CHAT_MAX_SKEW);
	if (r != ENV_OK) {
		event_free(&in);
		return r;
	}
	out->type = ENV_CHAT;
	out->format = f;
	out->transport = t;
	/* both sides of the conversation may be our keys (two trade keys of one
	 * mnemonic): the recipient is then the side that did not write it */
	bool peer_ours = false;
	if (memcmp(in.pubkey, k->owner, 32) == 0)
		for (size_t i = 0; i < u->ring->n && !peer_ours; i++)
			peer_ours = u->ring->k[i].role == ENV_KEY_TRADE && memcmp(u->ring->k[i].key.pk, k->peer, 32) == 0;
	memcpy(out->recipient, peer_ours ? k->peer : k->owner, 32);
	memcpy(out->sender, in.pubkey, 32);
	memcpy(out->identity, in.pubkey, 32);
	out->created_at = in.created_at;
	event_free(&out->rumor);
	out->rumor = in;
	return ENV_OK;
}

/* Legacy: no date bound between the inner event and its wrap. */
static env_reason open_legacy_chat(env_unwrapper *u, const nostr_event *ev, const env_key *k,
				   env_opened *out, char *d, size_t dn)
{
	(void)ev;
	return open_chat_inner(u, NULL, k, CHAT_LEGACY, MOSTRO_V1, out, d, dn);
}

static env_reason open_current_chat(env_unwrapper *u, const nostr_event *ev, const env_key *k,
				    env_opened *out, char *d, size_t dn)
{
	int np = 0;
	bool p_ok = false;
	int nt = jv_array_length(jv_copy(ev->tags));
	char conv[65];
	hex64(conv, k->key.pk);
	for (int i = 0; i < nt; i++) {
		jv t = jv_array_get(jv_copy(ev->tags), i);
		jv a = jv_array_get(jv_copy(t), 0);
		if (strcmp(jv_string_value(a), "p") == 0) {
			np++;
			jv b = jv_array_get(jv_copy(t), 1);
			p_ok = jv_is_valid(b) && strcmp(jv_string_value(b), conv) == 0;
			jv_free(b);
		}
		jv_free(a);
		jv_free(t);
	}
	if (np != 1 || !p_ok)
		return why(ENV_BAD_CHAT, d, dn, "a chat event needs exactly one p tag, pub(K_conv) %s", conv);
	uint64_t now = u->opts.now ? u->opts.now : (uint64_t)time(NULL);
	if (ev->created_at > now + CHAT_MAX_FUTURE)
		return why(ENV_BAD_CHAT, d, dn, "chat event dated %llu s in the future (at most %d)",
			   (unsigned long long)(ev->created_at - now), CHAT_MAX_FUTURE);
	nip44_err ne = open_cached(u, &u->pt1, &k->key, k->key.pk, NULL, ev);
	if (ne != NIP44_OK)
		return why(ENV_BAD_MAC, d, dn, "chat content does not decrypt with K_conv: %s", nip44_strerror(ne));
	return open_chat_inner(u, ev, k, CHAT_CURRENT, MOSTRO_V2, out, d, dn);
}

/* An event may name several of our keys (mostro-core opens by
 * decryptability): the next distinct one a p tag names, at most
 * ENV_MAX_TRIED per event so a wall of p tags costs a bounded number of
 * ECDH. tried[], *n: the keys tried so far. */
#define ENV_MAX_TRIED 8
static const env_key *next_named_key(const env_keyring *r, const nostr_event *ev, env_key_role role,
				     int *at, const env_key **tried, int *n)
{
	const env_key *k;
	while (*n < ENV_MAX_TRIED && (k = addressed_key(r, ev, role, at))) {
		bool seen = false;
		for (int i = 0; i < *n && !seen; i++)
			seen = tried[i] == k;
		if (!seen)
			return tried[(*n)++] = k;
	}
	return NULL;
}

/* A gift wrap into u->pt1 with the first named key of the role that decrypts
 * it. *named: some p tag named one; *ne: the last failure. NULL when none
 * decrypts. */
static const env_key *wrap_opener(env_unwrapper *u, const nostr_event *ev, const nip44_peer *author,
				  env_key_role role, bool *named, nip44_err *ne)
{
	const env_key *tried[ENV_MAX_TRIED], *k;
	int at = 0, n = 0;
	while ((k = next_named_key(u->ring, ev, role, &at, tried, &n))) {
		*named = true;
		*ne = open_wrap(&u->pt1, role == ENV_KEY_CHAT ? k->legacy.sk : k->key.sk, author, ev);
		if (*ne == NIP44_OK)
			return k;
	}
	return NULL;
}

static env_reason open_v2(env_unwrapper *u, const nostr_event *ev, const nip44_peer *author,
			  env_opened *out, char *d, size_t dn)
{
	const env_key *tried[ENV_MAX_TRIED];
	int at = 0, n = 0;
	const env_key *k = next_named_key(u->ring, ev, ENV_KEY_TRADE, &at, tried, &n);
	if (!k)
		return why(ENV_NOT_FOR_US, d, dn, "no p tag names one of our keys");
	nip44_err ne;
	while ((ne = open_cached(u, &u->pt1, &k->key, ev->pubkey, author, ev)) != NIP44_OK) {
		const env_key *next = next_named_key(u->ring, ev, ENV_KEY_TRADE, &at, tried, &n);
		if (!next)
			return why(ENV_BAD_MAC, d, dn, "content does not decrypt: %s", nip44_strerror(ne));
		k = next;
	}
	env_reason r = open_tuple(out, &u->pt1, 3, ev->pubkey, &author->xonly, d, dn);
	if (r != ENV_OK)
		return r;
	out->type = ENV_MESSAGE;
	out->transport = MOSTRO_V2;
	memcpy(out->recipient, k->key.pk, 32);
	memcpy(out->sender, ev->pubkey, 32);
	memcpy(out->identity, out->tuple.has_proof ? out->tuple.identity_pk : ev->pubkey, 32);
	out->created_at = ev->created_at;
	return ENV_OK;
}

/* --dedupe: records the id of an event that opened. When the table is about
 * to grow past the window, the ids of the events opened before the last
 * window - 1 are dropped first (ENV_DEDUPE_WINDOW). */
static void remember_opened(env_unwrapper *u, const uint8_t id[32])
{
	uint64_t w = u->opts.dedupe_window ? u->opts.dedupe_window : ENV_DEDUPE_WINDOW;
	u->opened_count++;
	if (idset_full(&u->seen) && u->seen.n >= w)
		idset_prune_before(&u->seen, u->opened_count > w ? u->opened_count - w + 1 : 0);
	idset_add_at(&u->seen, id, u->opened_count);
}

env_reason env_unwrap(env_unwrapper *u, const nostr_event *ev, env_opened *out,
		      char *d, size_t dn)
{
	env_reason r;
	memset(out, 0, sizeof *out);
	mostro_tuple_init(&out->tuple);
	out->rumor.tags = jv_invalid();       /* no rumor until a chat opens */
	out->rumor.content = jv_invalid();
	if (d && dn)
		d[0] = 0;
	if (ev->kind != 1059 && ev->kind != 14)
		return why(ENV_BAD_KIND, d, dn, "kind %u is not a Mostro envelope (1059 or 14)", ev->kind);
	if (u->opts.min_pow) {
		unsigned bits = nip13_difficulty(ev->id);
		if (bits < u->opts.min_pow)
			return why(ENV_POW, d, dn, "%u leading zero bits, %u required", bits, u->opts.min_pow);
	}
	nip44_peer author;
	event_err ve = verify_event(ev, &author);
	if (ve != EVENT_OK)
		return why(ENV_BAD_SIGNATURE, d, dn, "%s", event_strerror(ve));
	if (u->opts.dedupe && idset_has(&u->seen, ev->id))
		return why(ENV_REPLAY, d, dn, "event id already seen");
	memcpy(out->id, ev->id, 32);
	buf_reset(&u->pt1);
	buf_reset(&u->pt2);
	if (ev->kind == 14) {
		const env_key *chat = ring_find(u->ring, &u->ring->by_sign, ev->pubkey);
		r = chat ? open_current_chat(u, ev, chat, out, d, dn) : open_v2(u, ev, &author, out, d, dn);
	} else {
		/* trade keys first, then legacy chat keys */
		bool named = false;
		nip44_err ne = NIP44_OK;
		const env_key *k = wrap_opener(u, ev, &author, ENV_KEY_TRADE, &named, &ne);
		const env_key *chat = k ? NULL : wrap_opener(u, ev, &author, ENV_KEY_CHAT, &named, &ne);
		r = k ? open_v1(u, ev, k, out, d, dn)
		  : chat ? open_legacy_chat(u, ev, chat, out, d, dn)
		  : !named ? why(ENV_NOT_FOR_US, d, dn, "no p tag names one of our keys")
		  : why(ENV_BAD_MAC, d, dn, "wrap does not decrypt: %s", nip44_strerror(ne));
	}
	scrub(&u->pt1);
	scrub(&u->pt2);
	if (r == ENV_OK && u->opts.has_max_age) {
		uint64_t now = u->opts.now ? u->opts.now : (uint64_t)time(NULL);
		/* mostrod: stale when created_at < now - S; written without
		 * created_at + S, which wraps for a date near 2^64 */
		if (now > u->opts.max_age && out->created_at < now - u->opts.max_age)
			r = why(ENV_STALE, d, dn, "created_at %llu is %llu s old, more than %llu",
				(unsigned long long)out->created_at,
				(unsigned long long)(now - out->created_at),
				(unsigned long long)u->opts.max_age);
	}
	if (r != ENV_OK)
		env_opened_free(out);
	else if (u->opts.dedupe)
		remember_opened(u, ev->id);
	return r;
}

env_reason env_parse_line(const char *line, size_t len, nostr_event *ev, char *d, size_t dn)
{
	char detail[160] = "";
	event_err rc = event_parse(ev, line, len, EVENT_ACCEPT_FRAME, detail, sizeof detail);
	if (rc == EVENT_OK)
		return ENV_OK;
	event_init(ev);     /* callers free the event whatever the outcome */
	return why(rc == EVENT_ERR_JSON ? ENV_BAD_JSON : ENV_BAD_EVENT, d, dn, "%s", detail);
}

void env_opened_write(buf *b, const env_opened *o)
{
	char hx[129];
	buf_puts(b, o->type == ENV_MESSAGE ? "{\"type\":\"message\"" : "{\"type\":\"chat\"");
	if (o->type == ENV_CHAT) {
		buf_puts(b, ",\"format\":\"");
		buf_puts(b, chat_format_names[o->format]);
		buf_putc(b, '"');
	}
	buf_puts(b, o->transport == MOSTRO_V1 ? ",\"transport\":\"v1\"" : ",\"transport\":\"v2\"");
	hex64(hx, o->id);
	buf_printf(b, ",\"id\":\"%s\"", hx);
	hex64(hx, o->recipient);
	buf_printf(b, ",\"recipient\":\"%s\"", hx);
	hex64(hx, o->sender);
	buf_printf(b, ",\"sender\":\"%s\"", hx);
	if (o->type == ENV_MESSAGE) {
		hex64(hx, o->identity);
		buf_printf(b, ",\"identity\":\"%s\"", hx);
		buf_puts(b, memcmp(o->identity, o->sender, 32) ? ",\"mode\":\"reputation\"" : ",\"mode\":\"full-privacy\"");
	}
	buf_puts(b, ",\"created_at\":");
	buf_put_u64(b, o->created_at);
	if (o->type == ENV_MESSAGE) {
		buf_puts(b, ",\"message\":");
		buf_put(b, o->tuple.canonical.p, o->tuple.canonical.len);
		buf_puts(b, ",\"trade_signature\":");
		if (o->tuple.has_trade_sig) {
			hex_encode(hx, o->tuple.trade_sig, 64);
			buf_printf(b, "\"%s\"", hx);
		} else {
			buf_puts(b, "null");
		}
	} else {
		buf_puts(b, ",\"rumor\":");
		event_write(b, &o->rumor);
	}
	buf_putc(b, '}');
}
