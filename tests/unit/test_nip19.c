/* NIP-19: every record of nip19.jsonl, plus the edges the vectors leave out.
 * roundtrip:    decode -> nostr-tools data shape; data -> our encoding, which
 *               is rust-nostr's TLV order (the NIP-19 text's nprofile); both
 *               libraries' strings decode to the same data; uppercase too.
 * decode:       accept (data checked) or reject (with the error we give).
 * encode-limit: a relay URL over 255 bytes is an error, 255 is fine. */
#include <stdlib.h>
#include <string.h>

#include "bech32.h"
#include "hex.h"
#include "json.h"
#include "nip19.h"
#include "t.h"

/* Expected error for each "reject" record of the vectors. */
static const struct { const char *name; nip19_err err; } rejects[] = {
	{"mixed-case npub", NIP19_ERR_CASE},
	{"npub with a bad checksum (last char changed)", NIP19_ERR_CHECKSUM},
	{"npub encoded with bech32m checksum instead of bech32", NIP19_ERR_CHECKSUM},
	{"npub carrying 31 bytes", NIP19_ERR_LENGTH},
	{"npub carrying 33 bytes (compressed key)", NIP19_ERR_LENGTH},
	{"nsec carrying 31 bytes", NIP19_ERR_LENGTH},
	{"nevent whose TLV 0 is 31 bytes", NIP19_ERR_LENGTH},
	{"nevent with a truncated TLV (length says 32, 10 bytes follow)", NIP19_ERR_TLV},
	{"naddr without kind TLV 3", NIP19_ERR_MISSING},
	{"unknown prefix nfoo", NIP19_ERR_PREFIX},
};

static int expected_reject(const char *name)
{
	for (size_t i = 0; i < sizeof rejects / sizeof *rejects; i++)
		if (strcmp(rejects[i].name, name) == 0)
			return (int)rejects[i].err;
	return -1;
}

static char *data_json(const nip19 *d)
{
	jv v = nip19_data_to_jv(d);
	char *s = json_dumps(v);
	jv_free(v);
	return s;
}

/* Decodes s and compares its data with want (serialized: key order counts). */
static void check_decodes_to(const char *s, const char *type, jv want, const char *what, int lineno)
{
	nip19 d;
	char detail[160];
	nip19_err e = nip19_decode(s, strlen(s), &d, detail, sizeof detail);
	t_ok(e == NIP19_OK, "line %d: %s decodes (%s)", lineno, what, detail);
	if (e == NIP19_OK) {
		t_eq_str(nip19_type_name(d.type), type, "line %d: %s type", lineno, what);
		char *got = data_json(&d), *exp = json_dumps(want);
		t_eq_str(got, exp, "line %d: %s data", lineno, what);
		free(got);
		free(exp);
	}
	nip19_free(&d);
}

static void payload_hex(const char *s, char *out, size_t cap)
{
	char hrp[16];
	uint8_t raw[4096];
	size_t n = 0;
	out[0] = 0;
	if (bech32_decode_bytes(s, strlen(s), 0, hrp, sizeof hrp, raw, &n, sizeof raw) == BECH32_OK &&
	    2 * n < cap)
		hex_encode(out, raw, n);
}

static void roundtrip(jv rec, int lineno)
{
	const char *type = json_get_str(rec, "type", NULL);
	const char *b32 = json_get_str(rec, "bech32", NULL);
	const char *nt = json_get_str(rec, "nostr_tools_encode", NULL);
	const char *rn = json_get_str(rec, "rust_nostr_encode", NULL);
	const char *want_payload = json_get_str(rec, "rust_nostr_payload_hex", NULL);
	if (!want_payload)
		want_payload = json_get_str(rec, "payload_hex", NULL);
	jv data = json_get(rec, "data");

	check_decodes_to(b32, type, data, "bech32", lineno);
	check_decodes_to(nt, type, data, "nostr-tools encoding", lineno);
	check_decodes_to(rn, type, data, "rust-nostr encoding", lineno);
	char *upper = mu_xstrdup(b32);
	for (char *p = upper; *p; p++)
		if (*p >= 'a' && *p <= 'z')
			*p = (char)(*p - 'a' + 'A');
	check_decodes_to(upper, type, data, "all-uppercase", lineno);
	free(upper);

	nip19_type t;
	nip19 d;
	char detail[160];
	t_ok(nip19_type_from_name(type, &t), "line %d: type %s known", lineno, type);
	nip19_err e = nip19_from_jv(t, data, &d, detail, sizeof detail);
	t_ok(e == NIP19_OK, "line %d: data -> nip19 (%s)", lineno, detail);
	buf out = BUF_INIT;
	e = nip19_encode(&out, &d, detail, sizeof detail);
	t_ok(e == NIP19_OK, "line %d: encodes (%s)", lineno, detail);
	t_eq_str(out.p, rn, "line %d: %s encoding == rust-nostr's (TLV order 0,2,3,1)", lineno, type);
	char ph[8192];
	payload_hex(out.p ? out.p : "", ph, sizeof ph);
	t_eq_str(ph, want_payload, "line %d: payload bytes", lineno);
	jv agree = json_get(rec, "encoders_agree");
	if (jv_get_kind(agree) == JV_KIND_TRUE)
		t_eq_str(out.p, b32, "line %d: encoders agree and so do we", lineno);
	jv_free(agree);
	buf_free(&out);
	nip19_free(&d);
	jv_free(data);
}

static void decode_case(jv rec, int lineno)
{
	const char *name = json_get_str(rec, "name", NULL);
	const char *b32 = json_get_str(rec, "bech32", NULL);
	const char *expect = json_get_str(rec, "expect", NULL);
	if (strncmp(expect, "accept", 6) == 0) {   /* "accept" and "accept?" (uppercase): we accept */
		jv want = json_get(rec, "expected_data");
		jv nt = json_get(rec, "nostr_tools");
		const char *type = json_get_str(nt, "type", NULL);
		check_decodes_to(b32, type, want, name, lineno);
		jv_free(nt);
		jv_free(want);
		return;
	}
	nip19 d;
	char detail[160];
	nip19_err e = nip19_decode(b32, strlen(b32), &d, detail, sizeof detail);
	int want = expected_reject(name);
	t_ok(want >= 0, "line %d: %s: a decision is recorded", lineno, name);
	t_eq_int(e, want, "line %d: %s: rejected as \"%s\" (%s)", lineno, name,
		 nip19_strerror((nip19_err)want), detail);
	t_ok(d.n_relays == 0 && d.identifier == NULL, "line %d: nothing kept after a reject", lineno);
	nip19_free(&d);
}

static void encode_limit(jv rec, int lineno)
{
	jv lenv = json_get(rec, "relay_length");
	size_t len = (size_t)jv_number_value(lenv);
	jv_free(lenv);
	char *relay = mu_xmalloc(len + 1);
	memcpy(relay, "wss://", 6);
	memset(relay + 6, 'a', len - 6);
	relay[len] = 0;
	nip19 d;
	nip19_init(&d, NIP19_NPROFILE);
	memset(d.value, 0x64, 32);
	nip19_add_relay(&d, relay, len);
	buf out = BUF_INIT;
	char detail[160];
	t_eq_int(nip19_encode(&out, &d, detail, sizeof detail), NIP19_ERR_VALUE_TOO_LONG,
		 "line %d: %zu-byte relay refused (%s)", lineno, len, detail);
	t_eq_int((long long)out.len, 0, "line %d: nothing written", lineno);
	nip19_free(&d);
	free(relay);
}

static void check(jv rec, int lineno, void *ctx)
{
	(void)ctx;
	const char *kind = json_get_str(rec, "kind", NULL);
	if (strcmp(kind, "roundtrip") == 0)
		roundtrip(rec, lineno);
	else if (strcmp(kind, "decode") == 0)
		decode_case(rec, lineno);
	else if (strcmp(kind, "encode-limit") == 0)
		encode_limit(rec, lineno);
	else
		t_ok(false, "line %d: unknown record kind %s", lineno, kind);
}

/* ---- edges beyond the vectors ---- */

/* bech32 of raw TLV bytes under any prefix. */
static char *raw_bech32(const char *hrp, const uint8_t *p, size_t n)
{
	buf b = BUF_INIT;
	bech32_encode_bytes(&b, hrp, p, n);
	return buf_steal(&b);
}

static nip19_err decode_raw(const char *hrp, const uint8_t *p, size_t n, nip19 *d)
{
	char *s = raw_bech32(hrp, p, n);
	nip19_err e = nip19_decode(s, strlen(s), d, NULL, 0);
	free(s);
	return e;
}

static void test_tlv_edges(void)
{
	uint8_t b[200];
	size_t n = 0;
	nip19 d;
	/* nevent: special, then a second special and a second kind (first wins, the
	 * later ones are skipped unread even when malformed), kind 7 */
	b[n++] = 0; b[n++] = 32; memset(b + n, 0x11, 32); n += 32;
	b[n++] = 3; b[n++] = 4; b[n++] = 0; b[n++] = 0; b[n++] = 0; b[n++] = 7;
	b[n++] = 0; b[n++] = 5; memset(b + n, 0x22, 5); n += 5;
	b[n++] = 3; b[n++] = 1; b[n++] = 9;
	t_eq_int(decode_raw("nevent", b, n, &d), NIP19_OK, "duplicate TLV 0/3: first occurrence wins");
	t_ok(d.value[0] == 0x11 && d.has_kind && d.kind == 7 && !d.has_author, "duplicate TLVs: first values kept");
	nip19_free(&d);

	/* nevent kind of 3 bytes */
	n = 0;
	b[n++] = 0; b[n++] = 32; memset(b + n, 0x11, 32); n += 32;
	b[n++] = 3; b[n++] = 3; b[n++] = 0; b[n++] = 0; b[n++] = 1;
	t_eq_int(decode_raw("nevent", b, n, &d), NIP19_ERR_LENGTH, "3-byte kind TLV refused");
	nip19_free(&d);

	/* relay with invalid UTF-8, and with a NUL */
	n = 34;
	b[n++] = 1; b[n++] = 3; b[n++] = 'w'; b[n++] = 0xff; b[n++] = 's';
	t_eq_int(decode_raw("nprofile", b, n, &d), NIP19_ERR_TEXT, "relay with invalid UTF-8 refused");
	nip19_free(&d);
	b[36] = 0;
	t_eq_int(decode_raw("nprofile", b, n, &d), NIP19_ERR_TEXT, "relay with a NUL byte refused");
	nip19_free(&d);

	/* nprofile: author/kind TLVs are not defined there and are ignored */
	n = 34;
	b[n++] = 2; b[n++] = 3; b[n++] = 1; b[n++] = 2; b[n++] = 3;
	t_eq_int(decode_raw("nprofile", b, n, &d), NIP19_OK, "nprofile ignores a TLV 2 of any size");
	t_ok(!d.has_author, "nprofile has no author");
	nip19_free(&d);

	/* TLV with only a type byte */
	n = 34;
	b[n++] = 1;
	t_eq_int(decode_raw("nprofile", b, n, &d), NIP19_ERR_TLV, "dangling TLV type byte refused");
	nip19_free(&d);

	/* nprofile with no special */
	n = 0;
	b[n++] = 1; b[n++] = 1; b[n++] = 'x';
	t_eq_int(decode_raw("nprofile", b, n, &d), NIP19_ERR_MISSING, "nprofile without TLV 0 refused");
	nip19_free(&d);

	/* naddr: empty identifier is fine, missing author is not */
	n = 0;
	b[n++] = 0; b[n++] = 0;
	b[n++] = 3; b[n++] = 4; b[n++] = 0; b[n++] = 0; b[n++] = 0x75; b[n++] = 0x30;
	t_eq_int(decode_raw("naddr", b, n, &d), NIP19_ERR_MISSING, "naddr without author refused");
	nip19_free(&d);
	b[n++] = 2; b[n++] = 32; memset(b + n, 0x33, 32); n += 32;
	t_eq_int(decode_raw("naddr", b, n, &d), NIP19_OK, "naddr with empty identifier accepted");
	t_ok(d.identifier && !*d.identifier && d.kind == 30000, "naddr empty identifier, kind 30000");
	nip19_free(&d);
}

static void test_lengths(void)
{
	/* 5000-character limit: a 4999-char-ish naddr decodes, 5001 chars do not */
	nip19 d, back;
	nip19_init(&d, NIP19_NADDR);
	nip19_set_identifier(&d, "x", 1);
	memset(d.author, 0x44, 32);
	d.has_author = d.has_kind = true;
	d.kind = 30023;
	char relay[256];
	memset(relay, 'r', 255);
	relay[255] = 0;
	memcpy(relay, "wss://", 6);
	buf out = BUF_INIT;
	nip19_err e = NIP19_OK;
	size_t added = 0;
	while (e == NIP19_OK) {
		nip19_add_relay(&d, relay, 255);
		added++;
		buf_reset(&out);
		e = nip19_encode(&out, &d, NULL, 0);
	}
	t_eq_int(e, NIP19_ERR_TOO_LONG, "encoding past 5000 characters refused (%zu relays)", added);
	d.n_relays--;
	free(d.relays[d.n_relays]);
	buf_reset(&out);
	t_eq_int(nip19_encode(&out, &d, NULL, 0), NIP19_OK, "one relay fewer encodes");
	t_ok(out.len > 4000 && out.len <= NIP19_MAX_LEN, "long naddr is %zu characters", out.len);
	t_eq_int(nip19_decode(out.p, out.len, &back, NULL, 0), NIP19_OK, "long naddr decodes");
	t_ok(nip19_equal(&d, &back), "long naddr with 255-byte relays (the largest TLV value) roundtrips");
	nip19_free(&back);
	nip19_free(&d);

	char *big = mu_xmalloc(NIP19_MAX_LEN + 2);
	memset(big, 'q', NIP19_MAX_LEN + 1);
	memcpy(big, "npub1", 5);
	big[NIP19_MAX_LEN + 1] = 0;
	t_eq_int(nip19_decode(big, NIP19_MAX_LEN + 1, &d, NULL, 0), NIP19_ERR_TOO_LONG, "5001 characters refused");
	nip19_free(&d);
	free(big);
	buf_free(&out);
}

static void test_json_input(void)
{
	static const struct { nip19_type t; const char *json; nip19_err want; const char *what; } cases[] = {
		{NIP19_NPROFILE, "{\"pubkey\":\"64c4eef39f1fd90d5236f4a9037ff924ca675b98595f143761b67869ce1598e7\"}", NIP19_OK, "relays optional"},
		{NIP19_NPROFILE, "{\"pubkey\":\"64C4EEF39F1FD90D5236F4A9037FF924CA675B98595F143761B67869CE1598E7\",\"relays\":[]}", NIP19_OK, "uppercase hex"},
		{NIP19_NPROFILE, "{\"pubkey\":\"64c4\"}", NIP19_ERR_JSON, "short pubkey"},
		{NIP19_NPROFILE, "{\"pubkey\":\"64c4eef39f1fd90d5236f4a9037ff924ca675b98595f143761b67869ce1598e7\",\"relay\":[]}", NIP19_ERR_JSON, "typo relay"},
		{NIP19_NPROFILE, "{\"pubkey\":\"64c4eef39f1fd90d5236f4a9037ff924ca675b98595f143761b67869ce1598e7\",\"relays\":[1]}", NIP19_ERR_JSON, "relay not a string"},
		{NIP19_NEVENT, "{\"id\":\"dbab4aba1a4f2fb13b56d7bbea8f023ef586e9832f7475ef87322064a6137492\",\"kind\":4294967295}", NIP19_OK, "kind u32 max"},
		{NIP19_NEVENT, "{\"id\":\"dbab4aba1a4f2fb13b56d7bbea8f023ef586e9832f7475ef87322064a6137492\",\"kind\":4294967296}", NIP19_ERR_JSON, "kind over u32"},
		{NIP19_NEVENT, "{\"id\":\"dbab4aba1a4f2fb13b56d7bbea8f023ef586e9832f7475ef87322064a6137492\",\"kind\":1.5}", NIP19_ERR_JSON, "fractional kind"},
		{NIP19_NEVENT, "{\"relays\":[]}", NIP19_ERR_JSON, "nevent without id"},
		{NIP19_NADDR, "{\"identifier\":\"a\",\"pubkey\":\"64c4eef39f1fd90d5236f4a9037ff924ca675b98595f143761b67869ce1598e7\"}", NIP19_ERR_JSON, "naddr without kind"},
		{NIP19_NADDR, "{\"pubkey\":\"64c4eef39f1fd90d5236f4a9037ff924ca675b98595f143761b67869ce1598e7\",\"kind\":1}", NIP19_ERR_JSON, "naddr without identifier"},
		{NIP19_NADDR, "{\"identifier\":\"a\\u0000b\",\"pubkey\":\"64c4eef39f1fd90d5236f4a9037ff924ca675b98595f143761b67869ce1598e7\",\"kind\":1}", NIP19_ERR_JSON, "identifier with NUL"},
		{NIP19_NPUB, "\"64c4eef39f1fd90d5236f4a9037ff924ca675b98595f143761b67869ce1598e7\"", NIP19_OK, "npub hex"},
		{NIP19_NOTE, "{\"id\":\"x\"}", NIP19_ERR_JSON, "note needs a hex string"},
		{NIP19_NEVENT, "[]", NIP19_ERR_JSON, "nevent needs an object"},
	};
	for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
		jv v = json_parse(cases[i].json, strlen(cases[i].json), 0, NULL);
		nip19 d;
		char detail[160] = "";
		nip19_err e = nip19_from_jv(cases[i].t, v, &d, detail, sizeof detail);
		t_eq_int(e, cases[i].want, "from_jv %s: %s (%s)", nip19_type_name(cases[i].t), cases[i].what, detail);
		nip19_free(&d);
		jv_free(v);
	}
}

/* nip19_from_text: the input forms of `mostro-key encode`. */
static void test_text_input(void)
{
	static const char *const pk = "64c4eef39f1fd90d5236f4a9037ff924ca675b98595f143761b67869ce1598e7";
	static const struct { nip19_type t; const char *text; nip19_err want; const char *what; } cases[] = {
		{NIP19_NPUB, "64c4eef39f1fd90d5236f4a9037ff924ca675b98595f143761b67869ce1598e7", NIP19_OK, "bare hex"},
		{NIP19_NPUB, "  64c4eef39f1fd90d5236f4a9037ff924ca675b98595f143761b67869ce1598e7\r\n", NIP19_OK, "hex with whitespace"},
		{NIP19_NPUB, "\"64c4eef39f1fd90d5236f4a9037ff924ca675b98595f143761b67869ce1598e7\"", NIP19_OK, "JSON string"},
		{NIP19_NPUB, "{\"type\":\"npub\",\"data\":\"64c4eef39f1fd90d5236f4a9037ff924ca675b98595f143761b67869ce1598e7\"}", NIP19_OK, "decode record"},
		{NIP19_NPUB, "{\"type\":\"note\",\"data\":\"64c4eef39f1fd90d5236f4a9037ff924ca675b98595f143761b67869ce1598e7\"}", NIP19_ERR_JSON, "record of another type"},
		{NIP19_NPUB, "64c4eef39f1fd90d5236f4a9037ff924ca675b98595f143761b67869ce1598e", NIP19_ERR_JSON, "63 hex digits"},
		{NIP19_NPUB, "", NIP19_ERR_JSON, "empty"},
		{NIP19_NPROFILE, "{\"pubkey\":\"64c4eef39f1fd90d5236f4a9037ff924ca675b98595f143761b67869ce1598e7\",\"relays\":[\"wss://a\"]}", NIP19_OK, "data object"},
		{NIP19_NPROFILE, "{\"type\":\"nprofile\",\"data\":{\"pubkey\":\"64c4eef39f1fd90d5236f4a9037ff924ca675b98595f143761b67869ce1598e7\",\"relays\":[\"wss://a\"]}}", NIP19_OK, "decode record"},
		{NIP19_NPROFILE, "64c4eef39f1fd90d5236f4a9037ff924ca675b98595f143761b67869ce1598e7", NIP19_ERR_JSON, "hex is not enough for a TLV type"},
		{NIP19_NPROFILE, "{\"pubkey\":", NIP19_ERR_JSON, "broken JSON"},
	};
	for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
		nip19 d;
		char detail[160] = "";
		nip19_err e = nip19_from_text(cases[i].t, cases[i].text, strlen(cases[i].text), &d, detail, sizeof detail);
		t_eq_int(e, cases[i].want, "from_text %s: %s (%s)", nip19_type_name(cases[i].t), cases[i].what, detail);
		if (e == NIP19_OK) {
			char h[65];
			hex_encode(h, d.value, 32);
			t_eq_str(h, pk, "from_text %s: %s: key", nip19_type_name(cases[i].t), cases[i].what);
			if (cases[i].t == NIP19_NPROFILE)
				t_ok(d.n_relays == 1 && strcmp(d.relays[0], "wss://a") == 0, "from_text: relays kept");
		}
		nip19_free(&d);
	}
}

int main(void)
{
	int n = t_jsonl("nip19.jsonl", check, NULL);
	t_eq_int(n, 49, "nip19.jsonl has 49 records");
	test_tlv_edges();
	test_lengths();
	test_json_input();
	test_text_input();
	return t_done();
}
