/* Envelopes, both transports and chat:
 *  - every nip59.jsonl record opens (Mostro v1 as a message with the recorded
 *    sender, identity, canonical message and signature; plain NIP-59 as chat
 *    with the recorded rumor);
 *  - every mostro-sign.jsonl v2_event opens with the recorded fields;
 *  - our wraps (v1/v2 x reputation/full privacy/signed) open again, with the
 *    tag orders, timestamps and PoW of PROTOCOL §4.1/§4.2;
 *  - each layer tampered is refused with its reason code;
 *  - chat keys reproduce the §9.1 vector and the §9.2 shared key; chat
 *    envelopes of all three formats open, tampered ones do not.
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "hex.h"
#include "json.h"
#include "mostro_chat.h"
#include "mostro_envelope.h"
#include "mostro_msg.h"
#include "mostro_sign.h"
#include "nip13.h"
#include "nip59.h"
#include "sha256.h"
#include "t.h"

static bool key_field(jv rec, const char *field, mu_key *k)
{
	uint8_t sk[32];
	return t_hexfield(rec, field, sk, 32) && key_from_secret(k, sk);
}

static bool event_field(jv rec, const char *field, nostr_event *ev)
{
	jv e = json_get(rec, field);
	char *text = json_dumps(e);
	jv_free(e);
	bool ok = event_parse(ev, text, strlen(text), 0, NULL, 0) == EVENT_OK;
	free(text);
	return ok;
}

static env_reason open1(const mu_key *rx, const nostr_event *ev, env_opened *o, char *detail)
{
	env_keyring ring;
	env_unwrapper u;
	env_keyring_init(&ring);
	env_keyring_add(&ring, rx);
	env_unwrapper_init(&u, &ring, NULL);
	env_reason r = env_unwrap(&u, ev, o, detail, 200);
	env_unwrapper_free(&u);
	env_keyring_free(&ring);
	return r;
}

static void hexeq(const uint8_t *b, const char *want, const char *what, int line)
{
	t_eq_hex(b, 32, want ? want : "(missing)", "line %d: %s", line, what);
}

/* ------------------------------------------------------------ vectors */

static void nip59_record(jv rec, int line, void *ctx)
{
	(void)ctx;
	mu_key rx;
	nostr_event wrap;
	env_opened o;
	char detail[200] = "";
	t_ok(key_field(rec, "recipient_secret_key", &rx) && event_field(rec, "wrap", &wrap), "nip59 %d: inputs", line);
	env_reason r = open1(&rx, &wrap, &o, detail);
	t_ok(r == ENV_OK, "nip59 %d %s: opens (%s %s)", line, json_get_str(rec, "name", NULL), env_reason_code(r), detail);
	jv exp = json_get(rec, "expected");
	jv mostro = json_get(rec, "mostro");
	bool is_mostro = jv_get_kind(mostro) == JV_KIND_OBJECT || json_has(rec, "trade_secret_key");
	if (r == ENV_OK && is_mostro) {
		t_ok(o.type == ENV_MESSAGE && o.transport == MOSTRO_V1, "nip59 %d: a v1 message", line);
		hexeq(o.sender, json_get_str(exp, "rumor_pubkey", NULL) ? json_get_str(exp, "rumor_pubkey", NULL)
			: json_get_str(json_get(exp, "rumor"), "pubkey", NULL), "sender = rumor author", line);
		hexeq(o.identity, json_get_str(exp, "seal_pubkey", NULL), "identity = seal signer", line);
		jv rumor = json_get(exp, "rumor");
		size_t cn;
		const char *content = json_get_str(rumor, "content", &cn);
		/* the canonical message is a prefix of the rumor's tuple: [M,... */
		t_ok(o.tuple.canonical.len + 1 < cn && memcmp(content + 1, o.tuple.canonical.p, o.tuple.canonical.len) == 0,
		     "nip59 %d: canonical message equals the tuple's", line);
		jv_free(rumor);
		hexeq(o.recipient, json_get_str(rec, "recipient_public_key", NULL), "recipient", line);
	} else if (r == ENV_OK) {
		jv rumor = json_get(exp, "rumor");
		t_ok(o.type == ENV_CHAT && o.format == CHAT_NIP59, "nip59 %d: plain NIP-59 is chat", line);
		hexeq(o.sender, json_get_str(exp, "seal_pubkey", NULL), "sender = seal signer", line);
		hexeq(o.rumor.id, json_get_str(rumor, "id", NULL), "rumor id", line);
		size_t cn;
		const char *content = json_get_str(rumor, "content", &cn);
		size_t gn;
		const char *got = event_content(&o.rumor, &gn);
		t_ok(gn == cn && memcmp(got, content, cn) == 0, "nip59 %d: rumor content", line);
		jv_free(rumor);
	}
	jv_free(mostro);
	jv_free(exp);
	env_opened_free(&o);
	event_free(&wrap);
	key_wipe(&rx);
}

static void v2_record(jv rec, int line, void *ctx)
{
	(void)ctx;
	if (strcmp(json_get_str(rec, "type", NULL), "v2_event") != 0)
		return;
	mu_key rx;
	nostr_event ev;
	env_opened o;
	char detail[200] = "";
	t_ok(key_field(rec, "receiver_secret_key", &rx) && event_field(rec, "event", &ev), "v2 %d: inputs", line);
	env_reason r = open1(&rx, &ev, &o, detail);
	t_ok(r == ENV_OK, "v2 %d %s: opens (%s %s)", line, json_get_str(rec, "name", NULL), env_reason_code(r), detail);
	jv exp = json_get(rec, "expected");
	t_ok(o.type == ENV_MESSAGE && o.transport == MOSTRO_V2, "v2 %d: a v2 message", line);
	hexeq(o.sender, json_get_str(exp, "sender", NULL), "sender", line);
	hexeq(o.identity, json_get_str(exp, "identity", NULL), "identity", line);
	t_eq_str(o.tuple.canonical.p, json_get_str(exp, "message_json", NULL), "v2 %d: canonical message", line);
	const char *ts = json_get_str(exp, "trade_sig", NULL);
	if (ts)
		t_eq_hex(o.tuple.trade_sig, 64, ts, "v2 %d: trade signature", line);
	else
		t_ok(!o.tuple.has_trade_sig, "v2 %d: no trade signature", line);
	buf b = BUF_INIT;
	mostro_tuple_write(&b, 3, o.tuple.canonical.p, o.tuple.canonical.len,
			   o.tuple.has_trade_sig ? o.tuple.trade_sig : NULL,
			   o.tuple.has_proof ? o.tuple.identity_pk : NULL, o.tuple.has_proof ? o.tuple.identity_sig : NULL);
	t_eq_str(b.p, json_get_str(exp, "plaintext", NULL), "v2 %d: plaintext tuple re-created", line);
	buf_free(&b);
	t_eq_int(o.created_at, (long long)ev.created_at, "v2 %d: created_at is the event's", line);
	jv_free(exp);
	env_opened_free(&o);
	event_free(&ev);
	key_wipe(&rx);
}

/* --------------------------------------------------------- round trips */

static const char MSG[] = "{\"order\":{\"version\":2,\"request_id\":1,\"trade_index\":1,\"id\":\"308e1272-d5f4-47e6-bd97-3504baea9c23\",\"action\":\"take-sell\",\"payload\":null}}";

static mu_key K_ID, K_TRADE, K_MOSTRO, K_OTHER;

static const char *tag_name(const nostr_event *ev, int i)
{
	static char name[32];
	jv t = jv_array_get(jv_copy(ev->tags), i);
	jv a = jv_array_get(jv_copy(t), 0);
	snprintf(name, sizeof name, "%s", jv_is_valid(a) ? jv_string_value(a) : "");
	jv_free(a);
	jv_free(t);
	return name;
}

/* Mining is bounded: a target over MOSTRO_POW_MAX is refused before any
 * work, and a miner out of attempts fails the wrap (nothing unmined or
 * signed comes out) on both transports; the default budget is
 * nip13_attempt_budget(pow). */
static void pow_limits(void)
{
	t_eq_int((long long)nip13_attempt_budget(0), 64, "budget for 0 bits: 2^6");
	t_eq_int((long long)nip13_attempt_budget(MOSTRO_POW_MAX), 1ll << (MOSTRO_POW_MAX + 6), "budget for 32 bits: 2^38");
	t_eq_int((long long)nip13_attempt_budget(58), 0, "budget past 2^63: no limit");
	for (int tr = 1; tr <= 2; tr++) {
		const char *tn = tr == 1 ? "v1" : "v2";
		mostro_wrap_opts o = { .transport = (mostro_transport)tr, .pow = MOSTRO_POW_MAX + 1 };
		nostr_event ev;
		t_eq_int(mostro_wrap(&ev, MSG, strlen(MSG), &K_TRADE, NULL, K_MOSTRO.pk, &o), ENV_WRAP_POW_TARGET,
			 "%s: pow %u refused", tn, MOSTRO_POW_MAX + 1);
		t_ok(!ev.has_sig && !ev.has_id, "%s: refused pow leaves no event", tn);
		event_free(&ev);
		t_eq_int(mostro_wrap_tuple(&ev, "[1]", 3, &K_TRADE, NULL, K_MOSTRO.pk, &o), ENV_WRAP_POW_TARGET,
			 "%s: tuple path refuses it too", tn);
		event_free(&ev);
		/* 32 bits in 16 attempts: fails but for a 2^-28 chance */
		o.pow = MOSTRO_POW_MAX;
		o.pow_attempts = 16;
		t_eq_int(mostro_wrap(&ev, MSG, strlen(MSG), &K_TRADE, NULL, K_MOSTRO.pk, &o), ENV_WRAP_POW,
			 "%s: mining out of attempts fails the wrap", tn);
		t_ok(!ev.has_sig, "%s: nothing signed after a failed mining", tn);
		t_eq_int(jv_array_length(jv_copy(ev.tags)), 0, "%s: no tags left behind", tn);
		event_free(&ev);
		/* an easy target within its attempts still works */
		o.pow = 4;
		o.pow_attempts = 0;
		t_eq_int(mostro_wrap(&ev, MSG, strlen(MSG), &K_TRADE, NULL, K_MOSTRO.pk, &o), ENV_WRAP_OK,
			 "%s: 4 bits within the default budget", tn);
		t_ok(nip13_difficulty(ev.id) >= 4 && event_verify(&ev) == EVENT_OK, "%s: mined and signed", tn);
		event_free(&ev);
	}
}

/* NIP-44 carries 1..65535 bytes: the error names the layer that overflowed.
 * v2 encrypts the tuple once; v1 the rumor, then the seal around it (the rumor
 * encrypted, padded and base64: 4/3 larger), so a message of 48000 bytes fits
 * v2 and not v1. The tuples are verbatim (the layer sizes are what matters). */
static void size_limits(void)
{
	static const struct { mostro_transport tr; size_t n; env_wrap_err want; const char *what; } rows[] = {
		{ MOSTRO_V2, 65535, ENV_WRAP_OK, "v2: a 65535-byte tuple fits" },
		{ MOSTRO_V2, 65536, ENV_WRAP_TOO_LONG, "v2: 65536 bytes: the tuple is too long" },
		{ MOSTRO_V1, 30000, ENV_WRAP_OK, "v1: 30000 bytes fit both layers" },
		{ MOSTRO_V1, 48000, ENV_WRAP_SEAL_TOO_LONG, "v1: 48000 bytes: the rumor fits, the seal does not" },
		{ MOSTRO_V1, 65536, ENV_WRAP_TOO_LONG, "v1: 65536 bytes: the rumor itself is too long" },
		{ MOSTRO_V2, 48000, ENV_WRAP_OK, "v2: the same 48000 bytes fit" },
	};
	for (size_t i = 0; i < sizeof rows / sizeof *rows; i++) {
		char *t = malloc(rows[i].n);
		memset(t, 'x', rows[i].n);
		t[0] = '[', t[1] = '"', t[rows[i].n - 2] = '"', t[rows[i].n - 1] = ']';
		mostro_wrap_opts o = { .transport = rows[i].tr };
		nostr_event ev;
		env_wrap_err e = mostro_wrap_tuple(&ev, t, rows[i].n, &K_TRADE, NULL, K_MOSTRO.pk, &o);
		t_eq_int(e, rows[i].want, "%s", rows[i].what);
		t_ok(e == ENV_WRAP_OK ? ev.has_sig : !ev.has_sig, "%s: signed only when it fits", rows[i].what);
		event_free(&ev);
		free(t);
	}
	t_ok(strstr(env_wrap_strerror(ENV_WRAP_SEAL_TOO_LONG), "v1") != NULL, "the seal error names v1");
}

static void roundtrip(mostro_transport tr, bool reputation, bool sign, unsigned pow, bool exp)
{
	const char *mode = reputation ? "reputation" : sign ? "full-privacy signed" : "full-privacy";
	const char *tn = tr == MOSTRO_V1 ? "v1" : "v2";
	uint64_t now = (uint64_t)time(NULL);
	mostro_wrap_opts o = { .transport = tr, .pow = pow, .sign = sign, .has_expiration = exp,
			       .expiration = now + 3600 };
	nostr_event ev;
	t_ok(mostro_wrap(&ev, MSG, strlen(MSG), &K_TRADE, reputation ? &K_ID : NULL, K_MOSTRO.pk, &o) == ENV_WRAP_OK,
	     "%s %s pow %u: wraps", tn, mode, pow);
	t_ok(event_verify(&ev) == EVENT_OK, "%s %s: outer event verifies", tn, mode);
	t_eq_int(ev.kind, tr == MOSTRO_V1 ? 1059 : 14, "%s %s: kind", tn, mode);
	/* tag order: v1 expiration,p,nonce; v2 p,expiration,nonce */
	int nt = jv_array_length(jv_copy(ev.tags)), i = 0;
	if (tr == MOSTRO_V1) {
		if (exp)
			t_eq_str(tag_name(&ev, i++), "expiration", "%s %s: expiration first", tn, mode);
		t_eq_str(tag_name(&ev, i++), "p", "%s %s: then p", tn, mode);
	} else {
		t_eq_str(tag_name(&ev, i++), "p", "%s %s: p first", tn, mode);
		if (exp)
			t_eq_str(tag_name(&ev, i++), "expiration", "%s %s: then expiration", tn, mode);
	}
	if (pow) {
		t_eq_str(tag_name(&ev, i++), "nonce", "%s %s: nonce last", tn, mode);
		t_ok(nip13_difficulty(ev.id) >= pow, "%s %s: %u bits of PoW", tn, mode, pow);
	}
	t_eq_int(nt, i, "%s %s: no other tags", tn, mode);
	if (tr == MOSTRO_V1)
		t_ok(ev.created_at <= now && ev.created_at + NIP59_TWEAK_RANGE > now, "%s %s: wrap backdated within 2 days", tn, mode);
	else
		t_ok(ev.created_at + 2 >= now && ev.created_at <= now + 2, "%s %s: v2 event has the real time", tn, mode);
	/* opens, as Mostro sees it */
	env_opened op;
	char d[200] = "";
	env_reason r = open1(&K_MOSTRO, &ev, &op, d);
	t_ok(r == ENV_OK, "%s %s: opens (%s %s)", tn, mode, env_reason_code(r), d);
	t_eq_str(op.tuple.canonical.p, MSG, "%s %s: same message", tn, mode);
	t_ok(memcmp(op.sender, K_TRADE.pk, 32) == 0, "%s %s: sender is the trade key", tn, mode);
	t_ok(memcmp(op.identity, reputation ? K_ID.pk : K_TRADE.pk, 32) == 0, "%s %s: identity", tn, mode);
	t_ok(op.tuple.has_trade_sig == (reputation || sign), "%s %s: trade signature present as asked", tn, mode);
	t_ok(op.tuple.has_proof == (reputation && tr == MOSTRO_V2), "%s %s: identity proof only in v2 reputation", tn, mode);
	t_ok(op.created_at + 2 >= now && op.created_at <= now + 2, "%s %s: inner time is real", tn, mode);
	env_opened_free(&op);
	r = open1(&K_OTHER, &ev, &op, d);
	t_eq_str(env_reason_code(r), "not-for-us", "%s %s: another key: not for us", tn, mode);
	env_opened_free(&op);
	event_free(&ev);
}

/* -------------------------------------------------------------- tampering */

/* A v2 event carrying an arbitrary plaintext, signed by author. */
static void v2_raw(nostr_event *ev, const mu_key *author, const uint8_t rx[32], const char *pt)
{
	buf ct = BUF_INIT;
	char hx[65];
	event_init(ev);
	nip44_encrypt_to(&ct, author->sk, rx, pt, strlen(pt));
	ev->kind = 14;
	ev->created_at = (uint64_t)time(NULL);
	hex_encode(hx, rx, 32);
	jv_free(ev->tags);
	ev->tags = jv_array_append(jv_array(), jv_array_append(jv_array_append(jv_array(), jv_string("p")), jv_string(hx)));
	event_set_content(ev, ct.p, ct.len);
	event_sign(ev, author, NULL);
	buf_free(&ct);
}

/* How a hand-built rumor carries its own id. */
typedef enum rumor_id { RUMOR_ID_RIGHT, RUMOR_ID_WRONG, RUMOR_ID_NONE } rumor_id;

/* A v1 wrap from an arbitrary rumor author, seal signer and rumor content,
 * the rumor's id as asked. */
static void v1_raw_id(nostr_event *ev, const uint8_t rumor_pk[32], uint32_t rumor_kind, const mu_key *seal_key,
		      const uint8_t seal_to[32], const uint8_t rx[32], const char *content, rumor_id idm)
{
	nostr_event rumor, seal;
	buf rj = BUF_INIT, sj = BUF_INIT;
	char hx[65];
	nip59_rumor(&rumor, rumor_pk, rumor_kind, (uint64_t)time(NULL), jv_array(), content, strlen(content));
	if (idm == RUMOR_ID_WRONG)
		rumor.id[0] ^= 0x80;
	rumor.has_id = idm != RUMOR_ID_NONE;
	event_write(&rj, &rumor);
	nip59_seal(&seal, seal_key, seal_to, rj.p, rj.len, (uint64_t)time(NULL) - 10);
	event_write(&sj, &seal);
	hex_encode(hx, rx, 32);
	nip59_gift_wrap(ev, rx, sj.p, sj.len, (uint64_t)time(NULL) - 100,
			jv_array_append(jv_array(), jv_array_append(jv_array_append(jv_array(), jv_string("p")), jv_string(hx))), NULL, NULL);
	event_free(&rumor);
	event_free(&seal);
	buf_free(&rj);
	buf_free(&sj);
}

static void v1_raw(nostr_event *ev, const uint8_t rumor_pk[32], uint32_t rumor_kind, const mu_key *seal_key,
		   const uint8_t seal_to[32], const uint8_t rx[32], const char *content)
{
	v1_raw_id(ev, rumor_pk, rumor_kind, seal_key, seal_to, rx, content, RUMOR_ID_RIGHT);
}

static void expect(const nostr_event *ev, const char *want, const char *name)
{
	env_opened o;
	char d[200] = "";
	env_reason r = open1(&K_MOSTRO, ev, &o, d);
	t_eq_str(env_reason_code(r), want, "%s (%s)", name, d);
	env_opened_free(&o);
}

static char *tuple_text(int arity, const mu_key *signer, const mu_key *identity, const uint8_t *proof_for)
{
	uint8_t sig[64], isig[64];
	buf b = BUF_INIT;
	if (signer)
		mostro_sign(signer, MSG, strlen(MSG), NULL, sig);
	if (identity)
		mostro_identity_sign(identity, proof_for, MSG, strlen(MSG), NULL, isig);
	mostro_tuple_write(&b, arity, MSG, strlen(MSG), signer ? sig : NULL, identity ? identity->pk : NULL,
			   identity ? isig : NULL);
	return buf_steal(&b);
}

static void tampering(void)
{
	nostr_event ev;
	char *t;
	/* v2 */
	t = tuple_text(3, &K_TRADE, &K_ID, K_TRADE.pk);
	v2_raw(&ev, &K_TRADE, K_MOSTRO.pk, t);
	expect(&ev, "ok", "v2 control: hand-built reputation tuple opens");
	/* one byte of ciphertext, re-signed by the author: the MAC catches it */
	size_t n;
	char *c = mu_xstrdup(event_content(&ev, &n));
	c[n / 2] = c[n / 2] == 'A' ? 'B' : 'A';
	event_set_content(&ev, c, n);
	event_sign(&ev, &K_TRADE, NULL);
	expect(&ev, "bad-mac", "v2 one ciphertext byte changed");
	/* the same change without re-signing: the event signature catches it */
	ev.sig[0] ^= 1;
	expect(&ev, "bad-signature", "v2 signature broken");
	free(c);
	event_free(&ev);
	free(t);
	/* trade signature by another key than the author */
	t = tuple_text(3, &K_OTHER, NULL, NULL);
	v2_raw(&ev, &K_TRADE, K_MOSTRO.pk, t);
	expect(&ev, "bad-trade-signature", "v2 trade signature by another key");
	event_free(&ev);
	free(t);
	/* a proof made for another trade key (grafted), valid trade signature */
	t = tuple_text(3, &K_TRADE, &K_ID, K_OTHER.pk);
	v2_raw(&ev, &K_TRADE, K_MOSTRO.pk, t);
	expect(&ev, "bad-identity-proof", "v2 identity proof grafted from another trade key");
	event_free(&ev);
	free(t);
	/* a re-signed message: same tuple sent by another author */
	t = tuple_text(3, &K_TRADE, &K_ID, K_TRADE.pk);
	v2_raw(&ev, &K_OTHER, K_MOSTRO.pk, t);
	expect(&ev, "bad-trade-signature", "v2 tuple re-sent under another author");
	event_free(&ev);
	free(t);
	/* proof without trade signature: mostrod drops it */
	t = tuple_text(3, NULL, &K_ID, K_TRADE.pk);
	v2_raw(&ev, &K_TRADE, K_MOSTRO.pk, t);
	expect(&ev, "bad-identity-proof", "v2 identity proof without trade signature");
	event_free(&ev);
	free(t);
	/* arity */
	t = tuple_text(2, &K_TRADE, NULL, NULL);
	v2_raw(&ev, &K_TRADE, K_MOSTRO.pk, t);
	expect(&ev, "bad-message", "v2 with a 2-tuple");
	event_free(&ev);
	free(t);
	v2_raw(&ev, &K_TRADE, K_MOSTRO.pk, "[{\"order\":{\"version\":2,\"action\":\"take-order\"}},null,null]");
	expect(&ev, "bad-message", "v2 unknown action");
	event_free(&ev);
	v2_raw(&ev, &K_TRADE, K_MOSTRO.pk, "[{\"order\":{\"version\":2,\"id\":\"308e1272-d5f4-47e6-bd97-3504baea9c23\",\"action\":\"add-invoice\",\"payload\":{\"payment_request\":[null,\"lnbc\"]}}},null,null]");
	expect(&ev, "bad-message", "v2 2-element payment_request");
	event_free(&ev);
	/* addressed to us but encrypted to someone else */
	t = tuple_text(3, NULL, NULL, NULL);
	v2_raw(&ev, &K_TRADE, K_OTHER.pk, t);
	{
		char hx[65];
		hex_encode(hx, K_MOSTRO.pk, 32);
		jv_free(ev.tags);
		ev.tags = jv_array_append(jv_array(), jv_array_append(jv_array_append(jv_array(), jv_string("p")), jv_string(hx)));
		event_sign(&ev, &K_TRADE, NULL);
	}
	expect(&ev, "bad-mac", "v2 p tag names us, ciphertext for another key");
	event_free(&ev);
	free(t);

	/* v1 */
	t = tuple_text(2, &K_TRADE, NULL, NULL);
	v1_raw(&ev, K_TRADE.pk, 1, &K_ID, K_MOSTRO.pk, K_MOSTRO.pk, t);
	expect(&ev, "ok", "v1 control: reputation (seal by identity, signed rumor)");
	event_free(&ev);
	free(t);
	t = tuple_text(2, NULL, NULL, NULL);
	v1_raw(&ev, K_TRADE.pk, 1, &K_OTHER, K_MOSTRO.pk, K_MOSTRO.pk, t);
	expect(&ev, "bad-trade-signature", "v1 seal from another key without trade signature");
	event_free(&ev);
	free(t);
	t = tuple_text(2, &K_OTHER, NULL, NULL);
	v1_raw(&ev, K_TRADE.pk, 1, &K_ID, K_MOSTRO.pk, K_MOSTRO.pk, t);
	expect(&ev, "bad-trade-signature", "v1 trade signature not by the rumor author");
	event_free(&ev);
	free(t);
	t = tuple_text(3, &K_TRADE, NULL, NULL);
	v1_raw(&ev, K_TRADE.pk, 1, &K_TRADE, K_MOSTRO.pk, K_MOSTRO.pk, t);
	expect(&ev, "bad-message", "v1 with a 3-tuple");
	event_free(&ev);
	free(t);
	t = tuple_text(2, NULL, NULL, NULL);
	v1_raw(&ev, K_TRADE.pk, 1, &K_TRADE, K_OTHER.pk, K_MOSTRO.pk, t);
	expect(&ev, "bad-seal", "v1 seal content encrypted to another key");
	event_free(&ev);
	free(t);
	v1_raw(&ev, K_TRADE.pk, 1, &K_OTHER, K_MOSTRO.pk, K_MOSTRO.pk, "hello");
	expect(&ev, "bad-seal", "plain NIP-59 rumor author differs from seal signer");
	event_free(&ev);
	v1_raw(&ev, K_TRADE.pk, 1, &K_TRADE, K_MOSTRO.pk, K_MOSTRO.pk, "hello");
	expect(&ev, "ok", "plain NIP-59 control");
	event_free(&ev);
	/* a rumor's own id is not checked (mostro-core does not; real peers rely on
	 * it): wrong or absent, the envelope opens; chat reports the id recomputed */
	t = tuple_text(2, &K_TRADE, NULL, NULL);
	for (rumor_id idm = RUMOR_ID_WRONG; idm <= RUMOR_ID_NONE; idm++) {
		const char *what = idm == RUMOR_ID_WRONG ? "wrong" : "absent";
		env_opened o;
		char d[200] = "";
		v1_raw_id(&ev, K_TRADE.pk, 1, &K_ID, K_MOSTRO.pk, K_MOSTRO.pk, t, idm);
		t_eq_str(env_reason_code(open1(&K_MOSTRO, &ev, &o, d)), "ok", "v1 message, rumor id %s: opens (%s)", what, d);
		t_ok(o.type == ENV_MESSAGE && memcmp(o.sender, K_TRADE.pk, 32) == 0 && memcmp(o.identity, K_ID.pk, 32) == 0,
		     "v1 message, rumor id %s: sender and identity", what);
		env_opened_free(&o);
		event_free(&ev);
		v1_raw_id(&ev, K_TRADE.pk, 14, &K_TRADE, K_MOSTRO.pk, K_MOSTRO.pk, "hola", idm);
		t_eq_str(env_reason_code(open1(&K_MOSTRO, &ev, &o, d)), "ok", "plain NIP-59, rumor id %s: opens (%s)", what, d);
		uint8_t want[32];
		event_compute_id(&o.rumor, want);
		t_ok(o.type == ENV_CHAT && o.rumor.has_id && memcmp(o.rumor.id, want, 32) == 0,
		     "plain NIP-59, rumor id %s: reported with its id recomputed", what);
		env_opened_free(&o);
		event_free(&ev);
	}
	free(t);
	/* a seal whose signature is broken, re-wrapped */
	{
		nostr_event rumor, seal;
		buf rj = BUF_INIT, sj = BUF_INIT;
		char hx[65];
		t = tuple_text(2, NULL, NULL, NULL);
		nip59_rumor(&rumor, K_TRADE.pk, 1, (uint64_t)time(NULL), jv_array(), t, strlen(t));
		event_write(&rj, &rumor);
		nip59_seal(&seal, &K_TRADE, K_MOSTRO.pk, rj.p, rj.len, (uint64_t)time(NULL));
		seal.sig[5] ^= 0x40;
		event_write(&sj, &seal);
		hex_encode(hx, K_MOSTRO.pk, 32);
		nip59_gift_wrap(&ev, K_MOSTRO.pk, sj.p, sj.len, (uint64_t)time(NULL),
				jv_array_append(jv_array(), jv_array_append(jv_array_append(jv_array(), jv_string("p")), jv_string(hx))), NULL, NULL);
		expect(&ev, "bad-seal", "v1 seal signature broken");
		event_free(&ev);
		/* a bare rumor instead of a seal */
		nip59_gift_wrap(&ev, K_MOSTRO.pk, rj.p, rj.len, (uint64_t)time(NULL),
				jv_array_append(jv_array(), jv_array_append(jv_array_append(jv_array(), jv_string("p")), jv_string(hx))), NULL, NULL);
		expect(&ev, "bad-seal", "v1 wrap holding an unsigned rumor, no seal");
		event_free(&ev);
		/* a seal whose content is not an event */
		static const char *const not_rumors[] = { "[1,2]", "{\"kind\":1}", "{\"pubkey\":\"zz\",\"created_at\":1,\"kind\":1,\"tags\":[],\"content\":\"\"}" };
		for (size_t i = 0; i < sizeof not_rumors / sizeof *not_rumors; i++) {
			nostr_event s2;
			buf s2j = BUF_INIT;
			nip59_seal(&s2, &K_TRADE, K_MOSTRO.pk, not_rumors[i], strlen(not_rumors[i]), (uint64_t)time(NULL));
			event_write(&s2j, &s2);
			nip59_gift_wrap(&ev, K_MOSTRO.pk, s2j.p, s2j.len, (uint64_t)time(NULL),
					jv_array_append(jv_array(), jv_array_append(jv_array_append(jv_array(), jv_string("p")), jv_string(hx))), NULL, NULL);
			expect(&ev, "bad-rumor", not_rumors[i]);
			event_free(&ev);
			event_free(&s2);
			buf_free(&s2j);
		}
		event_free(&rumor);
		event_free(&seal);
		buf_free(&rj);
		buf_free(&sj);
		free(t);
	}
	/* generic gates */
	uint64_t now = (uint64_t)time(NULL);
	mostro_wrap_opts o = { .transport = MOSTRO_V2, .has_created_at = true, .created_at = now - 100 };
	mostro_wrap(&ev, MSG, strlen(MSG), &K_TRADE, NULL, K_MOSTRO.pk, &o);
	{
		env_keyring ring;
		env_unwrapper u;
		env_opened op;
		char d[200];
		env_keyring_init(&ring);
		env_keyring_add(&ring, &K_MOSTRO);
		env_opts eo = { .has_max_age = true, .max_age = 10, .dedupe = true, .min_pow = 0 };
		env_unwrapper_init(&u, &ring, &eo);
		t_eq_str(env_reason_code(env_unwrap(&u, &ev, &op, d, sizeof d)), "stale", "100 s old with --max-age 10: stale");
		t_eq_str(env_reason_code(env_unwrap(&u, &ev, &op, d, sizeof d)), "stale",
			 "the same id again: stale again (--dedupe keeps only events that opened)");
		env_unwrapper_free(&u);
		/* the bound, on a fixed clock: stale when created_at < now - S
		 * (mostrod); the event is 100 s old plus `late` */
		static const struct { uint64_t late, max_age; const char *want, *what; } age[] = {
			{ 0, 100, "ok", "exactly S old: fresh" },
			{ 1, 100, "stale", "S + 1 old: stale" },
			{ 0, 99, "stale", "S = age - 1: stale" },
			{ 0, UINT64_MAX, "ok", "S larger than the clock: never stale" },
			{ 0, 0, "stale", "S = 0 is a bound, not off: 100 s old is stale" },
		};
		for (size_t i = 0; i < sizeof age / sizeof *age; i++) {
			eo = (env_opts){ .has_max_age = true, .max_age = age[i].max_age, .now = now + age[i].late };
			env_unwrapper_init(&u, &ring, &eo);
			env_reason r = env_unwrap(&u, &ev, &op, d, sizeof d);
			t_eq_str(r == ENV_OK ? "ok" : env_reason_code(r), age[i].want, "--max-age: %s", age[i].what);
			if (r == ENV_OK)
				env_opened_free(&op);
			env_unwrapper_free(&u);
		}
		{
			nostr_event fut;
			mostro_wrap_opts fo = { .transport = MOSTRO_V2, .has_created_at = true, .created_at = UINT64_MAX };
			mostro_wrap(&fut, MSG, strlen(MSG), &K_TRADE, NULL, K_MOSTRO.pk, &fo);
			eo = (env_opts){ .has_max_age = true, .max_age = 10 };
			env_unwrapper_init(&u, &ring, &eo);
			env_reason r = env_unwrap(&u, &fut, &op, d, sizeof d);
			t_eq_str(r == ENV_OK ? "ok" : env_reason_code(r), "ok",
				 "--max-age: created_at 2^64-1 is in the future, not stale (%s)", d);
			if (r == ENV_OK)
				env_opened_free(&op);
			env_unwrapper_free(&u);
			event_free(&fut);
		}
		eo = (env_opts){ .min_pow = 30 };
		env_unwrapper_init(&u, &ring, &eo);
		t_eq_str(env_reason_code(env_unwrap(&u, &ev, &op, d, sizeof d)), "insufficient-pow", "30 bits required: insufficient-pow");
		ev.kind = 1;
		t_eq_str(env_reason_code(env_unwrap(&u, &ev, &op, d, sizeof d)), "bad-kind", "kind 1: bad-kind");
		env_unwrapper_free(&u);
		env_keyring_free(&ring);
	}
	event_free(&ev);
}

/* ---------------------------------------------------------------- dedupe */

static env_reason open_with(env_unwrapper *u, const nostr_event *ev)
{
	env_opened op;
	char d[200];
	env_reason r = env_unwrap(u, ev, &op, d, sizeof d);
	if (r == ENV_OK)
		env_opened_free(&op);
	return r;
}

/* --dedupe records an id only once its event opened, and keeps a window of
 * the last N opened ids (ENV_DEDUPE_WINDOW). */
static void dedupe(void)
{
	env_keyring ring;
	env_keyring_init(&ring);
	env_keyring_add(&ring, &K_MOSTRO);
	env_opts eo = { .dedupe = true };
	env_unwrapper u;
	env_unwrapper_init(&u, &ring, &eo);
	mostro_wrap_opts o = { .transport = MOSTRO_V2 };
	nostr_event good, bad_msg, bad_mac, other;
	mostro_wrap(&good, MSG, strlen(MSG), &K_TRADE, NULL, K_MOSTRO.pk, &o);
	v2_raw(&bad_msg, &K_TRADE, K_MOSTRO.pk, "[\"not a tuple\"]");
	v2_raw(&bad_mac, &K_TRADE, K_MOSTRO.pk, "x");
	event_set_content(&bad_mac, "not nip44", 9);
	event_sign(&bad_mac, &K_TRADE, NULL);
	mostro_wrap(&other, MSG, strlen(MSG), &K_TRADE, NULL, K_OTHER.pk, &o);
	static const struct { const char *name, *want; } rows[] = {
		{"bad-message", "bad-message"}, {"bad-mac", "bad-mac"}, {"not-for-us", "not-for-us"},
	};
	const nostr_event *evs[] = { &bad_msg, &bad_mac, &other };
	for (size_t i = 0; i < 3; i++) {
		t_eq_str(env_reason_code(open_with(&u, evs[i])), rows[i].want, "dedupe: a %s event fails", rows[i].name);
		t_eq_str(env_reason_code(open_with(&u, evs[i])), rows[i].want,
			 "dedupe: sent again, it fails for its own reason, not replay (never recorded)");
	}
	t_eq_int((int)u.seen.n, 0, "dedupe: failed events leave the set empty");
	t_eq_int(open_with(&u, &good), ENV_OK, "dedupe: an event that opens");
	t_eq_str(env_reason_code(open_with(&u, &good)), "replay", "dedupe: sent again: replay");
	t_eq_int((int)u.seen.n, 1, "dedupe: one id held");
	env_unwrapper_free(&u);
	event_free(&good);
	event_free(&bad_msg);
	event_free(&bad_mac);
	event_free(&other);

	/* the window: 200 events open, with a window of 3 */
	enum { N = 200, W = 3 };
	eo.dedupe_window = W;
	env_unwrapper_init(&u, &ring, &eo);
	nostr_event *many = malloc(N * sizeof *many);
	bool all_open = true;
	size_t most = 0;
	for (int i = 0; i < N; i++) {
		mostro_wrap(&many[i], MSG, strlen(MSG), &K_TRADE, NULL, K_MOSTRO.pk, &o);
		all_open = all_open && open_with(&u, &many[i]) == ENV_OK;
		most = u.seen.n > most ? u.seen.n : most;
	}
	t_ok(all_open, "window: %d distinct events open", N);
	t_ok(most <= 48, "window %d: at most 48 ids held at once (the smallest table's load), held %zu", W, most);
	bool last_replayed = true;
	for (int i = N - W; i < N; i++)
		last_replayed = last_replayed && open_with(&u, &many[i]) == ENV_REPLAY;
	t_ok(last_replayed, "window: each of the last %d is a replay", W);
	t_eq_int(open_with(&u, &many[0]), ENV_OK, "window: the first, forgotten long ago, opens again");
	env_unwrapper_free(&u);
	for (int i = 0; i < N; i++)
		event_free(&many[i]);
	free(many);
	env_keyring_free(&ring);
}

/* ------------------------------------------------------------- key ring */

/* mostro-unwrap --index 1-100000 puts 100,000 keys in the ring: adding them
 * must cost O(n) (it scanned the ring for a duplicate per key: quadratic, over
 * a minute), and each must be found by the p tag naming it. The keys here are
 * only public halves (no EC work), so the time measured is the ring's own. */
static void keyring_scale(void)
{
	enum { N = 100000 };
	env_keyring ring;
	env_keyring_init(&ring);
	mu_key k;
	memset(&k, 0, sizeof k);
	clock_t t0 = clock();
	for (uint32_t i = 0; i < N; i++) {
		sha256(k.pk, &i, sizeof i);
		env_keyring_add(&ring, &k);
	}
	double secs = (double)(clock() - t0) / CLOCKS_PER_SEC;
	t_eq_int((int)ring.n, N, "key ring: %d distinct keys added", N);
	t_ok(secs < 2.0, "key ring: %d keys added in %.3f s of CPU (linear; the old scan took over a minute)", N, secs);
	uint32_t i = 0;
	sha256(k.pk, &i, sizeof i);
	env_keyring_add(&ring, &k);
	t_eq_int((int)ring.n, N, "key ring: a key added again is not added twice");
	/* a v2 event p-tagging the key at position 77777 is addressed to it: the
	 * trade key's public half decrypts nothing here, so bad-mac, not not-for-us */
	i = 77777;
	uint8_t pk[32];
	sha256(pk, &i, sizeof i);
	nostr_event ev;
	v2_raw(&ev, &K_TRADE, K_MOSTRO.pk, "x");
	char hx[65];
	hex_encode(hx, pk, 32);
	jv_free(ev.tags);
	ev.tags = jv_array_append(jv_array(), jv_array_append(jv_array_append(jv_array(), jv_string("p")), jv_string(hx)));
	event_sign(&ev, &K_TRADE, NULL);
	env_unwrapper u;
	env_unwrapper_init(&u, &ring, NULL);
	t_eq_str(env_reason_code(open_with(&u, &ev)), "bad-mac", "key ring: the key a p tag names is found among %d", N);
	hex_encode(hx, K_OTHER.pk, 32);
	jv_free(ev.tags);
	ev.tags = jv_array_append(jv_array(), jv_array_append(jv_array_append(jv_array(), jv_string("p")), jv_string(hx)));
	event_sign(&ev, &K_TRADE, NULL);
	t_eq_str(env_reason_code(open_with(&u, &ev)), "not-for-us", "key ring: a key not in it is not found");
	env_unwrapper_free(&u);
	event_free(&ev);
	env_keyring_free(&ring);
}

/* ------------------------------------------------------------------ chat */

static void chat(void)
{
	uint8_t a_sk[32], b_sk[32], shared[32];
	mu_key alice, bob;
	hex_decode(a_sk, 32, "548f68890c49fa42f104c60352395e60ff030b0b407e955f1eed1400d6c0347a", 64, true);
	hex_decode(b_sk, 32, "f258e73f07386d37133718b6127f873dd7c391b8f43b331ff8254034a13d2943", 64, true);
	key_from_secret(&alice, a_sk);
	key_from_secret(&bob, b_sk);
	t_eq_hex(alice.pk, 32, "000053c3b4773182e7c4c1b72b272d34be01bf4414a6a25c998977c516a46a01", "§9.1 Alice pubkey");
	t_eq_hex(bob.pk, 32, "000009ae5cff9f6ba9b05159ec5ed58c187f5882ea77c81ed5dd19163272a5d7", "§9.1 Bob pubkey");
	t_ok(chat_shared_secret(shared, a_sk, bob.pk), "ECDH");
	t_eq_hex(shared, 32, "def6633a53d07d1e829484c4d4bdbbeed2f4b14c21743e63871c174338e39475", "§9.1 shared X");
	chat_keys ka, kb;
	chat_keys_derive(&ka, a_sk, bob.pk);
	chat_keys_derive(&kb, b_sk, alice.pk);
	t_eq_hex(ka.conv.pk, 32, "bceb1cd2a8e98ee9729122a1693edcc39c3ace04582ff96a26705c5e4078a6f2", "§9.1 pub(K_conv)");
	t_eq_hex(ka.sign.pk, 32, "1dba04571059183f76b148119cfa6f8004dad30cb4e810180a6df17386a7f0b4", "§9.1 pub(K_sign)");
	t_eq_hex(ka.legacy.pk, 32, "27199d5878869ec3b4ae1ad5c2fed88840218a119f9ce892828b950fc96b4829", "§9.2 legacy shared pubkey");
	t_ok(memcmp(ka.conv.sk, kb.conv.sk, 32) == 0 && memcmp(ka.sign.sk, kb.sign.sk, 32) == 0, "derivation is symmetric");
	chat_keys_wipe(&ka);
	chat_keys_wipe(&kb);

	env_keyring ring;
	env_keyring_init(&ring);
	env_keyring_add(&ring, &bob);
	env_keyring_add_peer(&ring, alice.pk);
	for (int f = 0; f < 3; f++) {
		nostr_event ev;
		env_opened o;
		env_unwrapper u;
		char d[200] = "";
		t_ok(chat_wrap(&ev, (chat_format)f, &alice, bob.pk, "hola Bob", 8, NULL) == NIP44_OK, "chat %s: wraps", chat_format_names[f]);
		t_eq_int(ev.kind, f == CHAT_CURRENT ? 14 : 1059, "chat %s: kind", chat_format_names[f]);
		env_unwrapper_init(&u, &ring, NULL);
		env_reason r = env_unwrap(&u, &ev, &o, d, sizeof d);
		t_ok(r == ENV_OK && o.type == ENV_CHAT && o.format == (chat_format)f, "chat %s: Bob opens it (%s %s)",
		     chat_format_names[f], env_reason_code(r), d);
		t_ok(memcmp(o.sender, alice.pk, 32) == 0, "chat %s: sender Alice", chat_format_names[f]);
		size_t n;
		const char *c = event_content(&o.rumor, &n);
		t_ok(n == 8 && memcmp(c, "hola Bob", 8) == 0, "chat %s: text", chat_format_names[f]);
		env_opened_free(&o);
		env_unwrapper_free(&u);
		event_free(&ev);
	}
	/* current format: a second p tag, and an inner event by an outsider */
	{
		nostr_event ev;
		env_opened o;
		env_unwrapper u;
		char d[200];
		chat_wrap(&ev, CHAT_CURRENT, &alice, bob.pk, "x", 1, NULL);
		chat_keys_derive(&ka, a_sk, bob.pk);
		ev.tags = jv_array_append(ev.tags, jv_array_append(jv_array_append(jv_array(), jv_string("p")), jv_string("00")));
		event_sign(&ev, &ka.sign, NULL);
		env_unwrapper_init(&u, &ring, NULL);
		t_eq_str(env_reason_code(env_unwrap(&u, &ev, &o, d, sizeof d)), "bad-chat", "chat current: two p tags refused");
		event_free(&ev);
		/* dated ahead of the clock: 30 s is tolerated, 120 s is not (§9.1) */
		uint64_t now = (uint64_t)time(NULL), at = now + 30;
		chat_wrap(&ev, CHAT_CURRENT, &alice, bob.pk, "x", 1, &at);
		t_eq_str(env_reason_code(env_unwrap(&u, &ev, &o, d, sizeof d)), "ok", "chat current: 30 s ahead opens");
		env_opened_free(&o);
		event_free(&ev);
		at = now + 120;
		chat_wrap(&ev, CHAT_CURRENT, &alice, bob.pk, "x", 1, &at);
		t_eq_str(env_reason_code(env_unwrap(&u, &ev, &o, d, sizeof d)), "bad-chat", "chat current: 120 s ahead refused");
		t_ok(strstr(d, "in the future") != NULL, "chat current: the detail says why (%s)", d);
		event_free(&ev);
		/* outsider: a valid chat between the outsider and Bob cannot be forged
		 * into Alice's conversation; simulate with an inner event by K_OTHER */
		nostr_event in;
		event_init(&in);
		in.kind = 1;
		in.created_at = (uint64_t)time(NULL);
		event_set_content(&in, "forged", 6);
		event_sign(&in, &K_OTHER, NULL);
		buf ij = BUF_INIT, ct = BUF_INIT;
		char hx[65];
		event_write(&ij, &in);
		nip44_encrypt_to(&ct, ka.conv.sk, ka.conv.pk, ij.p, ij.len);
		event_init(&ev);
		ev.kind = 14;
		ev.created_at = in.created_at;
		hex_encode(hx, ka.conv.pk, 32);
		jv_free(ev.tags);
		ev.tags = jv_array_append(jv_array(), jv_array_append(jv_array_append(jv_array(), jv_string("p")), jv_string(hx)));
		event_set_content(&ev, ct.p, ct.len);
		event_sign(&ev, &ka.sign, NULL);
		t_eq_str(env_reason_code(env_unwrap(&u, &ev, &o, d, sizeof d)), "bad-chat", "chat current: inner event by an outsider refused");
		event_free(&ev);
		event_free(&in);
		buf_free(&ij);
		buf_free(&ct);
		env_unwrapper_free(&u);
		chat_keys_wipe(&ka);
	}
	env_keyring_free(&ring);
	key_wipe(&alice);
	key_wipe(&bob);
}

/* One unwrapper over many envelopes: the conversation-key cache must give the
 * same results as fresh derivations, across two of our keys and evictions. */
static void conv_cache(void)
{
	mu_key ours2, peers[150];
	key_generate(&ours2);
	for (int i = 0; i < 150; i++)
		key_generate(&peers[i]);
	env_keyring ring;
	env_unwrapper u;
	env_keyring_init(&ring);
	env_keyring_add(&ring, &K_MOSTRO);
	env_keyring_add(&ring, &ours2);
	env_unwrapper_init(&u, &ring, NULL);
	int opened = 0, total = 0, right = 0;
	uint64_t misses_round1 = 0;
	/* 3 senders to both keys, both transports, then 150 v2 senders (evictions), twice */
	for (int round = 0; round < 2; round++) {
		if (round == 1)
			misses_round1 = u.conv_misses;
		for (int i = 0; i < 156; i++) {
			const mu_key *from = i < 6 ? &peers[i % 3] : &peers[i - 6];
			const mu_key *to = i % 2 ? &ours2 : &K_MOSTRO;
			mostro_wrap_opts o = { .transport = i < 6 && i % 4 >= 2 ? MOSTRO_V1 : MOSTRO_V2 };
			nostr_event ev;
			env_opened op;
			char d[200];
			mostro_wrap(&ev, MSG, strlen(MSG), from, i % 3 ? &K_ID : NULL, to->pk, &o);
			total++;
			if (env_unwrap(&u, &ev, &op, d, sizeof d) == ENV_OK) {
				opened++;
				right += memcmp(op.sender, from->pk, 32) == 0 && memcmp(op.recipient, to->pk, 32) == 0;
				env_opened_free(&op);
			} else {
				t_diag("envelope %d: %s", i, d);
			}
			event_free(&ev);
		}
	}
	t_eq_int(opened, total, "conversation-key cache: every envelope opens through one unwrapper");
	t_eq_int(right, total, "conversation-key cache: senders and recipients right");
	t_ok(u.conv_hits > 0 && u.conv_misses > misses_round1, "the cache was hit (%llu) and evicted (misses %llu, then %llu)",
	     (unsigned long long)u.conv_hits, (unsigned long long)misses_round1, (unsigned long long)u.conv_misses);
	env_unwrapper_free(&u);
	env_keyring_free(&ring);
	key_wipe(&ours2);
}

int main(void)
{
	uint8_t sk[32];
	hex_decode(sk, 32, "df5ba9d72ec62e9d39a095f1b86936fe10abfc7d56700caa1652a463a40d19b1", 64, true);
	key_from_secret(&K_ID, sk);
	hex_decode(sk, 32, "977b9da8056e6a83a991cb31ac507b0a618fbbee355e36e107e0e348686ab833", 64, true);
	key_from_secret(&K_TRADE, sk);
	key_generate(&K_MOSTRO);
	key_generate(&K_OTHER);
	t_eq_int(t_jsonl("nip59.jsonl", nip59_record, NULL), 21, "nip59.jsonl: 21 records");
	t_jsonl("mostro-sign.jsonl", v2_record, NULL);
	for (int tr = 1; tr <= 2; tr++) {
		roundtrip((mostro_transport)tr, true, false, 0, false);
		roundtrip((mostro_transport)tr, false, false, 0, false);
		roundtrip((mostro_transport)tr, false, true, 0, true);
		roundtrip((mostro_transport)tr, true, false, 8, true);
	}
	pow_limits();
	size_limits();
	tampering();
	dedupe();
	keyring_scale();
	conv_cache();
	chat();
	return t_done();
}
