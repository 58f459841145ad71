/* The Mostro message model against the vectors:
 *  - mostro-sign.jsonl message_signature: our canonical serialization of the
 *    parsed message is byte-identical to message_json, the digest matches,
 *    every recorded signature is reproduced with its aux_rand, and the v1
 *    rumor contents are the tuples we write;
 *  - non_canonical: whatever spelling was signed, we re-serialize to
 *    canonical_json, and the signature verifies over it exactly when the
 *    record expects mostrod to accept;
 *  - identity_proof_v2: payload bytes, digest, proof reproduced, v2 tuple;
 *  - PROTOCOL §14 vectors 1-4, 6 and 7;
 *  - mostro-msg-golden.jsonl: accepted shapes -> canonical bytes, refused
 *    shapes -> error code and path.
 */
#include <stdlib.h>
#include <string.h>

#include "hex.h"
#include "json.h"
#include "mostro_msg.h"
#include "mostro_sign.h"
#include "t.h"

static const uint8_t zero_aux[32];

static bool key_field(jv rec, const char *field, mu_key *k)
{
	uint8_t sk[32];
	return t_hexfield(rec, field, sk, 32) && key_from_secret(k, sk);
}

/* Parses text, returns the canonical serialization (malloc'd) or NULL. */
static char *canonical_of(const char *text, mostro_msg_error *err)
{
	mostro_msg m;
	if (mostro_msg_parse(&m, text, strlen(text), err) != MOSTRO_MSG_OK)
		return NULL;
	buf b = BUF_INIT;
	mostro_msg_write(&b, &m);
	mostro_msg_free(&m);
	return buf_steal(&b);
}

static void message_signature(jv rec, const char *name)
{
	const char *mj = json_get_str(rec, "message_json", NULL);
	mostro_msg_error err;
	char *c = canonical_of(mj, &err);
	t_ok(c != NULL, "%s: parses (%s)", name, c ? "ok" : err.msg);
	t_eq_str(c, mj, "%s: canonical bytes", name);
	/* message_json_hex says the same bytes */
	if (c) {
		char *h = malloc(strlen(c) * 2 + 1);
		hex_encode(h, (const uint8_t *)c, strlen(c));
		t_eq_str(h, json_get_str(rec, "message_json_hex", NULL), "%s: canonical bytes (hex)", name);
		free(h);
	}
	uint8_t d[32];
	mostro_digest(d, mj, strlen(mj));
	t_eq_hex(d, 32, json_get_str(rec, "signed_digest_hex", NULL), "%s: digest", name);
	mu_key k;
	t_ok(key_field(rec, "trade_secret_key", &k), "%s: trade key", name);
	t_eq_hex(k.pk, 32, json_get_str(rec, "trade_public_key", NULL), "%s: trade pubkey", name);
	jv sigs = json_get(rec, "signatures");
	int n = jv_array_length(jv_copy(sigs));
	uint8_t zero_sig[64];
	bool have_zero = false;
	for (int i = 0; i < n; i++) {
		jv s = jv_array_get(jv_copy(sigs), i);
		uint8_t aux[32], sig[64], want[64];
		t_hexfield(s, "aux_rand", aux, 32);
		t_hexfield(s, "sig", want, 64);
		mostro_sign(&k, c ? c : mj, strlen(c ? c : mj), aux, sig);
		t_eq_hex(sig, 64, json_get_str(s, "sig", NULL), "%s: signature %d reproduced", name, i);
		t_ok(mostro_verify(k.pk, mj, strlen(mj), want), "%s: signature %d verifies", name, i);
		if (memcmp(aux, zero_aux, 32) == 0) {
			memcpy(zero_sig, want, 64);
			have_zero = true;
		}
		jv_free(s);
	}
	jv_free(sigs);
	if (have_zero && json_has(rec, "rumor_content_v1")) {
		buf b = BUF_INIT;
		mostro_tuple_write(&b, 2, mj, strlen(mj), zero_sig, NULL, NULL);
		t_eq_str(b.p, json_get_str(rec, "rumor_content_v1", NULL), "%s: v1 rumor content", name);
		buf_free(&b);
	}
	if (json_has(rec, "rumor_content_v1_unsigned")) {
		buf b = BUF_INIT;
		mostro_tuple_write(&b, 2, mj, strlen(mj), NULL, NULL, NULL);
		t_eq_str(b.p, json_get_str(rec, "rumor_content_v1_unsigned", NULL), "%s: v1 unsigned rumor content", name);
		buf_free(&b);
	}
	/* and the tuple parses back, verifying under the trade key */
	const char *rc = json_get_str(rec, "rumor_content_v1", NULL);
	if (rc) {
		mostro_tuple t;
		char detail[200] = "";
		t_ok(mostro_tuple_parse(&t, rc, strlen(rc), 2, detail, sizeof detail) == MOSTRO_TUPLE_OK &&
		     mostro_tuple_verify(&t, k.pk) == MOSTRO_TUPLE_OK, "%s: v1 tuple parses and verifies (%s)", name, detail);
		mostro_tuple_free(&t);
		t_ok(mostro_tuple_parse(&t, rc, strlen(rc), 3, NULL, 0) == MOSTRO_TUPLE_ERR_SHAPE,
		     "%s: the v1 tuple is refused as v2", name);
		mostro_tuple_free(&t);
	}
	key_wipe(&k);
	free(c);
}

static void non_canonical(jv rec, const char *name)
{
	const char *sj = json_get_str(rec, "signed_json", NULL);
	const char *cj = json_get_str(rec, "canonical_json", NULL);
	const char *expect = json_get_str(rec, "expected_mostrod_result", NULL);
	mostro_msg_error err;
	char *c = canonical_of(sj, &err);
	t_eq_str(c, cj, "%s: re-serializes to canonical_json", name);
	uint8_t pk[32], sig[64];
	t_hexfield(rec, "trade_public_key", pk, 32);
	t_hexfield(rec, "sig", sig, 64);
	bool accept = c && mostro_verify(pk, c, strlen(c), sig);
	t_ok(accept == (strcmp(expect, "accept") == 0), "%s: mostrod result %s", name, expect);
	t_ok(mostro_verify(pk, sj, strlen(sj), sig), "%s: the signature is over signed_json", name);
	/* through the tuple path as well */
	buf b = BUF_INIT;
	buf_puts(&b, "[");
	buf_puts(&b, sj);
	buf_puts(&b, ",\"");
	char h[129];
	hex_encode(h, sig, 64);
	buf_puts(&b, h);
	buf_puts(&b, "\"]");
	mostro_tuple t;
	t_ok(mostro_tuple_parse(&t, b.p, b.len, 2, NULL, 0) == MOSTRO_TUPLE_OK &&
	     (mostro_tuple_verify(&t, pk) == MOSTRO_TUPLE_OK) == (strcmp(expect, "accept") == 0),
	     "%s: tuple verification agrees", name);
	mostro_tuple_free(&t);
	buf_free(&b);
	free(c);
}

static void identity_proof(jv rec, const char *name)
{
	const char *mj = json_get_str(rec, "message_json", NULL);
	mostro_msg_error err;
	char *c = canonical_of(mj, &err);
	t_eq_str(c, mj, "%s: canonical bytes", name);
	mu_key id, tr;
	t_ok(key_field(rec, "identity_secret_key", &id) && key_field(rec, "trade_secret_key", &tr), "%s: keys", name);
	t_eq_hex(id.pk, 32, json_get_str(rec, "identity_public_key", NULL), "%s: identity pubkey", name);
	uint8_t d[32], sig[64], aux[32] = {0};
	mostro_digest(d, mj, strlen(mj));
	t_eq_hex(d, 32, json_get_str(rec, "trade_signed_digest_hex", NULL), "%s: trade digest", name);
	mostro_sign(&tr, mj, strlen(mj), zero_aux, sig);
	t_eq_hex(sig, 64, json_get_str(rec, "trade_sig", NULL), "%s: trade signature", name);
	buf p = BUF_INIT;
	mostro_identity_payload(&p, tr.pk, mj, strlen(mj));
	t_eq_str(p.p, json_get_str(rec, "identity_payload", NULL), "%s: identity payload", name);
	mostro_digest(d, p.p, p.len);
	t_eq_hex(d, 32, json_get_str(rec, "identity_signed_digest_hex", NULL), "%s: identity digest", name);
	buf_free(&p);
	t_hexfield(rec, "identity_sig_aux_rand", aux, 32);
	uint8_t isig[64];
	mostro_identity_sign(&id, tr.pk, mj, strlen(mj), aux, isig);
	t_eq_hex(isig, 64, json_get_str(rec, "identity_sig", NULL), "%s: identity proof reproduced", name);
	t_ok(mostro_identity_verify(id.pk, tr.pk, mj, strlen(mj), isig), "%s: proof verifies", name);
	t_ok(!mostro_identity_verify(id.pk, id.pk, mj, strlen(mj), isig), "%s: proof grafted onto another trade key fails", name);
	buf b = BUF_INIT;
	mostro_tuple_write(&b, 3, mj, strlen(mj), sig, id.pk, isig);
	t_eq_str(b.p, json_get_str(rec, "tuple_v2_json", NULL), "%s: v2 tuple", name);
	mostro_tuple t;
	t_ok(mostro_tuple_parse(&t, b.p, b.len, 3, NULL, 0) == MOSTRO_TUPLE_OK &&
	     mostro_tuple_verify(&t, tr.pk) == MOSTRO_TUPLE_OK && t.has_proof &&
	     memcmp(t.identity_pk, id.pk, 32) == 0, "%s: v2 tuple parses and verifies", name);
	t_ok(mostro_tuple_verify(&t, id.pk) == MOSTRO_TUPLE_ERR_TRADE_SIG, "%s: under another author the trade signature fails", name);
	mostro_tuple_free(&t);
	buf_free(&b);
	/* proof without trade signature: refused (mostrod drops it) */
	b = (buf)BUF_INIT;
	mostro_tuple_write(&b, 3, mj, strlen(mj), NULL, id.pk, isig);
	t_ok(mostro_tuple_parse(&t, b.p, b.len, 3, NULL, 0) == MOSTRO_TUPLE_OK &&
	     mostro_tuple_verify(&t, tr.pk) == MOSTRO_TUPLE_ERR_UNSIGNED_PROOF, "%s: proof without trade signature refused", name);
	mostro_tuple_free(&t);
	buf_free(&b);
	key_wipe(&id);
	key_wipe(&tr);
	free(c);
}

static int counts[4];

static void sign_record(jv rec, int lineno, void *ctx)
{
	(void)ctx;
	(void)lineno;
	const char *type = json_get_str(rec, "type", NULL);
	const char *name = json_get_str(rec, "name", NULL);
	if (strcmp(type, "message_signature") == 0) {
		counts[0]++;
		message_signature(rec, name);
	} else if (strcmp(type, "non_canonical") == 0) {
		counts[1]++;
		non_canonical(rec, name);
	} else if (strcmp(type, "identity_proof_v2") == 0) {
		counts[2]++;
		identity_proof(rec, name);
	} else {
		counts[3]++;     /* v2_event: test_mostro_transport */
	}
}

/* PROTOCOL §14 */
static void protocol_vectors(void)
{
	static const char sk0[] = "df5ba9d72ec62e9d39a095f1b86936fe10abfc7d56700caa1652a463a40d19b1";
	static const char sk1[] = "977b9da8056e6a83a991cb31ac507b0a618fbbee355e36e107e0e348686ab833";
	static const char sk2[] = "03c78114b80a2db782bb86be47c8062388d78a0585dfa79b8594e105740758c3";
	static const char m1[] = "{\"order\":{\"version\":2,\"request_id\":1,\"trade_index\":1,\"id\":\"308e1272-d5f4-47e6-bd97-3504baea9c23\",\"action\":\"take-sell\",\"payload\":null}}";
	uint8_t sk[32], d[32], sig[64], isig[64];
	mu_key id, tr, tr2;
	hex_decode(sk, 32, sk0, 64, true);
	key_from_secret(&id, sk);
	hex_decode(sk, 32, sk1, 64, true);
	key_from_secret(&tr, sk);
	hex_decode(sk, 32, sk2, 64, true);
	key_from_secret(&tr2, sk);
	char *c = canonical_of(m1, NULL);
	t_eq_str(c, m1, "§14.1 canonical take-sell");
	free(c);
	mostro_digest(d, m1, strlen(m1));
	t_eq_hex(d, 32, "842244a9e51ab0efc5943d05e423056d7f1e5cb39cd65f9d93d3db7010dbb9cb", "§14.1 SHA256(M)");
	mostro_sign(&tr, m1, strlen(m1), zero_aux, sig);
	t_eq_hex(sig, 64, "706172d6d1bb2bb2281b78cac2430179d2462c4745c140490fbfbebbca82f03c621a0b475037b37189d2dd3f584c3426c0979cbf3b1a426b042426affbf7785a", "§14.1 trade signature");
	buf p = BUF_INIT;
	mostro_identity_payload(&p, tr.pk, m1, strlen(m1));
	t_eq_str(p.p, "mostro-transport-v2-identity:1c71f0a29c9d14198781f36897c6d6c08e2c4f905ba69fc5f8e67d375d705a8a:{\"order\":{\"version\":2,\"request_id\":1,\"trade_index\":1,\"id\":\"308e1272-d5f4-47e6-bd97-3504baea9c23\",\"action\":\"take-sell\",\"payload\":null}}", "§14.2 identity payload P");
	mostro_digest(d, p.p, p.len);
	t_eq_hex(d, 32, "c62ef9266eb1838b555c59691704c84e5122e148081234b574778e639dbcbc95", "§14.2 SHA256(P)");
	buf_free(&p);
	mostro_identity_sign(&id, tr.pk, m1, strlen(m1), zero_aux, isig);
	t_eq_hex(isig, 64, "8dfe86bcad4293ebd9dca5eb1f217dadcb4f7ec3d7a277f80aa44682f729bdb8487601e25a0d11b1c4fba167a53ce110625065be9bce7a504f967949a98634ff", "§14.2 identity signature");
	buf b = BUF_INIT;
	mostro_tuple_write(&b, 3, m1, strlen(m1), sig, id.pk, isig);
	t_eq_str(b.p, "[{\"order\":{\"version\":2,\"request_id\":1,\"trade_index\":1,\"id\":\"308e1272-d5f4-47e6-bd97-3504baea9c23\",\"action\":\"take-sell\",\"payload\":null}},\"706172d6d1bb2bb2281b78cac2430179d2462c4745c140490fbfbebbca82f03c621a0b475037b37189d2dd3f584c3426c0979cbf3b1a426b042426affbf7785a\",[\"b4bf6548df043786641d4b63e748eda4b55fce21beae991512d23487c7bd8950\",\"8dfe86bcad4293ebd9dca5eb1f217dadcb4f7ec3d7a277f80aa44682f729bdb8487601e25a0d11b1c4fba167a53ce110625065be9bce7a504f967949a98634ff\"]]", "§14.3 v2 plaintext tuple");
	buf_free(&b);
	/* §14.4: a new-order written without the null fields canonicalizes to them */
	static const char m4in[] = "{\"order\":{\"version\":2,\"request_id\":42,\"trade_index\":2,\"action\":\"new-order\",\"payload\":{\"order\":{\"kind\":\"sell\",\"status\":\"pending\",\"amount\":0,\"fiat_code\":\"VES\",\"fiat_amount\":100,\"payment_method\":\"face to face,bank transfer\",\"premium\":1}}}}";
	static const char m4[] = "{\"order\":{\"version\":2,\"request_id\":42,\"trade_index\":2,\"action\":\"new-order\",\"payload\":{\"order\":{\"kind\":\"sell\",\"status\":\"pending\",\"amount\":0,\"fiat_code\":\"VES\",\"min_amount\":null,\"max_amount\":null,\"fiat_amount\":100,\"payment_method\":\"face to face,bank transfer\",\"premium\":1,\"created_at\":null,\"expires_at\":null}}}}";
	c = canonical_of(m4in, NULL);
	t_eq_str(c, m4, "§14.4 new-order canonical (omitted optionals become null)");
	free(c);
	mostro_digest(d, m4, strlen(m4));
	t_eq_hex(d, 32, "a30507811074be8d6eb757ce41fcc51644a8f5e9f3cdfca0a050fa53729c1d71", "§14.4 SHA-256");
	mostro_sign(&tr2, m4, strlen(m4), zero_aux, sig);
	t_eq_hex(sig, 64, "541360a743cec4d5c967c164e485cea050740e885a0ad63d8e2ef9d16ad066ac876cf112612d4dfef92f93e70363feff96ecd90e5f45da26d9d88c526707dff0", "§14.4 signature");
	/* §14.6: canonical Mostro outputs are fixed points */
	static const char *const outs[] = {
		"{\"order\":{\"version\":2,\"request_id\":42,\"trade_index\":2,\"id\":\"308e1272-d5f4-47e6-bd97-3504baea9c23\",\"action\":\"new-order\",\"payload\":{\"order\":{\"id\":\"308e1272-d5f4-47e6-bd97-3504baea9c23\",\"kind\":\"sell\",\"status\":\"pending\",\"amount\":0,\"fiat_code\":\"VES\",\"min_amount\":null,\"max_amount\":null,\"fiat_amount\":100,\"payment_method\":\"face to face\",\"premium\":1,\"created_at\":1698870173,\"expires_at\":1698956573}}}}",
		"{\"order\":{\"version\":2,\"request_id\":7,\"trade_index\":3,\"id\":\"308e1272-d5f4-47e6-bd97-3504baea9c23\",\"action\":\"pay-invoice\",\"payload\":{\"payment_request\":[{\"id\":\"308e1272-d5f4-47e6-bd97-3504baea9c23\",\"kind\":\"buy\",\"status\":\"waiting-payment\",\"amount\":7891,\"fiat_code\":\"VES\",\"min_amount\":null,\"max_amount\":null,\"fiat_amount\":100,\"payment_method\":\"face to face\",\"premium\":1,\"created_at\":1698870173,\"expires_at\":1698956573},\"lnbcrt78510n1...\",null]}}}",
		"{\"order\":{\"version\":2,\"request_id\":9,\"trade_index\":null,\"id\":\"308e1272-d5f4-47e6-bd97-3504baea9c23\",\"action\":\"fiat-sent-ok\",\"payload\":{\"peer\":{\"pubkey\":\"5011d0e7a57ae27627ab76962537072c6809ef3b9e24c2e3db4e672c61624eef\",\"reputation\":null}}}}",
		"{\"order\":{\"version\":2,\"request_id\":5,\"trade_index\":null,\"id\":\"308e1272-d5f4-47e6-bd97-3504baea9c23\",\"action\":\"dispute-initiated-by-you\",\"payload\":{\"dispute\":[\"efc75871-2568-40b9-a6ee-c382d4d6de01\",null]}}}",
		"{\"order\":{\"version\":2,\"request_id\":null,\"trade_index\":null,\"id\":\"308e1272-d5f4-47e6-bd97-3504baea9c23\",\"action\":\"add-bond-invoice\",\"payload\":{\"bond_payout_request\":{\"order\":{\"id\":\"308e1272-d5f4-47e6-bd97-3504baea9c23\",\"kind\":\"sell\",\"status\":null,\"amount\":500,\"fiat_code\":\"VES\",\"min_amount\":null,\"max_amount\":null,\"fiat_amount\":100,\"payment_method\":\"face to face\",\"premium\":1,\"created_at\":null,\"expires_at\":null},\"slashed_at\":1734000000}}}}",
		"{\"order\":{\"version\":2,\"request_id\":null,\"trade_index\":null,\"id\":\"308e1272-d5f4-47e6-bd97-3504baea9c23\",\"action\":\"pay-invoice\",\"payload\":{\"peer\":{\"pubkey\":\"\",\"reputation\":{\"rating\":0.0,\"reviews\":0,\"operating_days\":0}}}}}",
		"{\"cant-do\":{\"version\":2,\"request_id\":7,\"trade_index\":null,\"id\":\"308e1272-d5f4-47e6-bd97-3504baea9c23\",\"action\":\"cant-do\",\"payload\":{\"cant_do\":\"not_allowed_by_status\"}}}",
		"{\"restore\":{\"version\":2,\"request_id\":null,\"trade_index\":null,\"action\":\"restore-session\",\"payload\":{\"restore_data\":{\"orders\":[{\"order_id\":\"308e1272-d5f4-47e6-bd97-3504baea9c23\",\"trade_index\":3,\"status\":\"active\"}],\"disputes\":[{\"dispute_id\":\"efc75871-2568-40b9-a6ee-c382d4d6de01\",\"order_id\":\"308e1272-d5f4-47e6-bd97-3504baea9c23\",\"trade_index\":3,\"status\":\"initiated\",\"initiator\":\"buyer\",\"solver_pubkey\":null}]}}}}",
		"{\"restore\":{\"version\":2,\"request_id\":11,\"trade_index\":7,\"action\":\"last-trade-index\",\"payload\":null}}",
	};
	for (size_t i = 0; i < sizeof outs / sizeof *outs; i++) {
		c = canonical_of(outs[i], NULL);
		t_eq_str(c, outs[i], "§14.6/§6.2/§8.4 Mostro output %zu is canonical", i);
		free(c);
	}
	/* §14.7: non-canonical key order parses, passes verify(), canonicalizes */
	static const char m7[] = "{\"order\":{\"version\":2,\"id\":\"308e1272-d5f4-47e6-bd97-3504baea9c23\",\"request_id\":1,\"trade_index\":2,\"action\":\"new-order\",\"payload\":{\"order\":{\"id\":\"308e1272-d5f4-47e6-bd97-3504baea9c23\",\"kind\":\"sell\",\"status\":\"pending\",\"amount\":100,\"fiat_code\":\"eur\",\"fiat_amount\":100,\"payment_method\":\"SEPA,Bank transfer\",\"premium\":1,\"created_at\":1627371434}}}}";
	mostro_msg m;
	t_ok(mostro_msg_parse(&m, m7, strlen(m7), NULL) == MOSTRO_MSG_OK && mostro_msg_verify_structure(&m),
	     "§14.7 mostro-core test input parses and passes verify()");
	b = (buf)BUF_INIT;
	mostro_msg_write(&b, &m);
	t_eq_str(b.p, "{\"order\":{\"version\":2,\"request_id\":1,\"trade_index\":2,\"id\":\"308e1272-d5f4-47e6-bd97-3504baea9c23\",\"action\":\"new-order\",\"payload\":{\"order\":{\"id\":\"308e1272-d5f4-47e6-bd97-3504baea9c23\",\"kind\":\"sell\",\"status\":\"pending\",\"amount\":100,\"fiat_code\":\"eur\",\"min_amount\":null,\"max_amount\":null,\"fiat_amount\":100,\"payment_method\":\"SEPA,Bank transfer\",\"premium\":1,\"created_at\":1627371434,\"expires_at\":null}}}}", "§14.7 canonical form");
	buf_free(&b);
	mostro_msg_free(&m);
	key_wipe(&id);
	key_wipe(&tr);
	key_wipe(&tr2);
}

/* Golden shapes: {"name","input"(text),"canonical"} or {"name","input","error","path"}. */
static const char *err_name(mostro_msg_err e)
{
	static const char *const n[] = {
		"ok", "json", "type", "range", "missing", "unknown-field", "variant",
		"enum-shape", "length", "uuid",
	};
	return (size_t)e < sizeof n / sizeof *n ? n[e] : "?";
}

static int golden_accept, golden_refuse;

static void golden(jv rec, int lineno, void *ctx)
{
	(void)ctx;
	const char *name = json_get_str(rec, "name", NULL);
	size_t n;
	const char *in = json_get_str(rec, "input", &n);
	mostro_msg m;
	mostro_msg_error err = {0};
	mostro_msg_err rc = mostro_msg_parse(&m, in, n, &err);
	if (json_has(rec, "canonical")) {
		golden_accept++;
		t_ok(rc == MOSTRO_MSG_OK, "golden %d %s: accepted (%s)", lineno, name, err.msg);
		buf b = BUF_INIT;
		if (rc == MOSTRO_MSG_OK)
			mostro_msg_write(&b, &m);
		t_eq_str(b.len ? b.p : "", json_get_str(rec, "canonical", NULL), "golden %d %s: canonical", lineno, name);
		if (json_has(rec, "verify")) {
			jv vv = json_get(rec, "verify");
			bool want = jv_get_kind(vv) == JV_KIND_TRUE;
			jv_free(vv);
			t_ok(mostro_msg_verify_structure(&m) == want, "golden %d %s: verify() = %s", lineno, name, want ? "true" : "false");
		}
		/* the canonical form is a fixed point */
		if (b.len) {
			mostro_msg m2;
			buf b2 = BUF_INIT;
			if (mostro_msg_parse(&m2, b.p, b.len, NULL) == MOSTRO_MSG_OK)
				mostro_msg_write(&b2, &m2);
			t_ok(b2.len == b.len && memcmp(b.p, b2.p, b.len) == 0, "golden %d %s: canonical is a fixed point", lineno, name);
			mostro_msg_free(&m2);
			buf_free(&b2);
		}
		buf_free(&b);
	} else {
		golden_refuse++;
		const char *want = json_get_str(rec, "error", NULL);
		t_eq_str(err_name(rc), want, "golden %d %s: refused (%s)", lineno, name, err.msg);
		const char *path = json_get_str(rec, "path", NULL);
		if (path)
			t_eq_str(err.path, path, "golden %d %s: error path", lineno, name);
	}
	mostro_msg_free(&m);
}

int main(void)
{
	int n = t_jsonl("mostro-sign.jsonl", sign_record, NULL);
	t_eq_int(n, 29, "mostro-sign.jsonl has 29 records");
	t_eq_int(counts[0], 15, "15 message_signature records");
	t_eq_int(counts[1], 7, "7 non_canonical records");
	t_eq_int(counts[2], 3, "3 identity_proof_v2 records");
	protocol_vectors();
	t_jsonl("mostro-msg-golden.jsonl", golden, NULL);
	t_ok(golden_accept > 100 && golden_refuse > 40, "golden file: %d accepted, %d refused shapes", golden_accept, golden_refuse);
	/* UUID spellings */
	char u[37];
	static const char *const good[] = {
		"308e1272-d5f4-47e6-bd97-3504baea9c23", "308E1272-D5F4-47E6-BD97-3504BAEA9C23",
		"308e1272d5f447e6bd973504baea9c23", "{308e1272-d5f4-47e6-bd97-3504baea9c23}",
		"urn:uuid:308e1272-d5f4-47e6-bd97-3504baea9c23",
	};
	for (size_t i = 0; i < sizeof good / sizeof *good; i++)
		t_ok(mostro_uuid_canonical(good[i], strlen(good[i]), u) &&
		     strcmp(u, "308e1272-d5f4-47e6-bd97-3504baea9c23") == 0, "uuid spelling %s", good[i]);
	static const char *const bad[] = {
		"308e1272-d5f4-47e6-bd97-3504baea9c2", "308e1272_d5f4-47e6-bd97-3504baea9c23",
		"308e1272-d5f4-47e6-bd97-3504baea9c2g", "308e1272d5f447e6bd973504baea9c2",
		"(308e1272-d5f4-47e6-bd97-3504baea9c23)", "URN:UUID:308e1272-d5f4-47e6-bd97-3504baea9c23",
		"308e1272-d5f447e6-bd97-3504baea9c23-", "",
	};
	for (size_t i = 0; i < sizeof bad / sizeof *bad; i++)
		t_ok(!mostro_uuid_canonical(bad[i], strlen(bad[i]), u), "uuid refused: \"%s\"", bad[i]);
	return t_done();
}
