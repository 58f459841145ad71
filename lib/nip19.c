#include "detail.h"
#include "nip19.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sodium.h>
#include <unistr.h>

#include "bech32.h"
#include "hex.h"
#include "json.h"

enum { TLV_SPECIAL = 0, TLV_RELAY = 1, TLV_AUTHOR = 2, TLV_KIND = 3 };

static const char *const type_names[] = {
	[NIP19_NPUB] = "npub", [NIP19_NSEC] = "nsec", [NIP19_NOTE] = "note",
	[NIP19_NPROFILE] = "nprofile", [NIP19_NEVENT] = "nevent", [NIP19_NADDR] = "naddr",
};
#define N_TYPES (sizeof type_names / sizeof *type_names)

const char *nip19_strerror(nip19_err e)
{
	switch (e) {
	case NIP19_OK: return "ok";
	case NIP19_ERR_TOO_LONG: return "longer than 5000 characters";
	case NIP19_ERR_CASE: return "mixed upper and lower case";
	case NIP19_ERR_CHAR: return "invalid bech32 character";
	case NIP19_ERR_FORMAT: return "not a bech32 string";
	case NIP19_ERR_CHECKSUM: return "bad bech32 checksum";
	case NIP19_ERR_PREFIX: return "unknown NIP-19 prefix";
	case NIP19_ERR_LENGTH: return "wrong length";
	case NIP19_ERR_TLV: return "truncated TLV";
	case NIP19_ERR_MISSING: return "required TLV missing";
	case NIP19_ERR_TEXT: return "relay or identifier is not UTF-8 text";
	case NIP19_ERR_VALUE_TOO_LONG: return "TLV value longer than 255 bytes";
	case NIP19_ERR_JSON: return "bad JSON data";
	}
	return "unknown error";
}

const char *nip19_type_name(nip19_type t)
{
	return (size_t)t < N_TYPES ? type_names[t] : "?";
}

bool nip19_type_from_name(const char *name, nip19_type *t)
{
	for (size_t i = 0; i < N_TYPES; i++)
		if (strcmp(name, type_names[i]) == 0) {
			*t = (nip19_type)i;
			return true;
		}
	return false;
}

bool nip19_type_is_tlv(nip19_type t)
{
	return t == NIP19_NPROFILE || t == NIP19_NEVENT || t == NIP19_NADDR;
}

void nip19_init(nip19 *d, nip19_type t)
{
	memset(d, 0, sizeof *d);
	d->type = t;
}

void nip19_free(nip19 *d)
{
	for (size_t i = 0; i < d->n_relays; i++)
		free(d->relays[i]);
	free(d->relays);
	free(d->identifier);
	sodium_memzero(d, sizeof *d);
}

void nip19_add_relay(nip19 *d, const char *url, size_t n)
{
	d->relays = mu_xrealloc(d->relays, (d->n_relays + 1) * sizeof *d->relays);
	d->relays[d->n_relays++] = mu_xstrndup(url, n);
}

void nip19_set_identifier(nip19 *d, const char *s, size_t n)
{
	free(d->identifier);
	d->identifier = mu_xstrndup(s, n);
}

#define fail(e, d, n, ...) DETAIL_FAIL(e, d, n, __VA_ARGS__)

static bool is_text(const uint8_t *p, size_t n)
{
	return memchr(p, 0, n) == NULL && u8_check(p, n) == NULL;
}

/* ---- decoding ---- */

static nip19_err map_bech32(bech32_err e)
{
	switch (e) {
	case BECH32_OK: return NIP19_OK;
	case BECH32_ERR_MIXED_CASE: return NIP19_ERR_CASE;
	case BECH32_ERR_CHAR: return NIP19_ERR_CHAR;
	case BECH32_ERR_CHECKSUM: return NIP19_ERR_CHECKSUM;
	case BECH32_ERR_CAPACITY: return NIP19_ERR_PREFIX;   /* only the hrp can overflow */
	default: return NIP19_ERR_FORMAT;
	}
}

static const char *tlv_name(unsigned t)
{
	switch (t) {
	case TLV_SPECIAL: return "special";
	case TLV_RELAY: return "relay";
	case TLV_AUTHOR: return "author";
	case TLV_KIND: return "kind";
	}
	return "unknown";
}

/* Which TLV types an entity defines; the others are ignored. */
static bool tlv_defined(nip19_type t, unsigned tag)
{
	if (tag == TLV_SPECIAL || tag == TLV_RELAY)
		return true;
	return (tag == TLV_AUTHOR || tag == TLV_KIND) && (t == NIP19_NEVENT || t == NIP19_NADDR);
}

static nip19_err tlv_value(nip19 *d, unsigned tag, const uint8_t *v, size_t n, bool *seen,
			   char *detail, size_t dl)
{
	if (tag != TLV_RELAY && seen[tag])
		return NIP19_OK;                          /* first occurrence wins */
	bool text = tag == TLV_RELAY || (tag == TLV_SPECIAL && d->type == NIP19_NADDR);
	size_t want = tag == TLV_KIND ? 4 : 32;
	if (text) {
		if (!is_text(v, n))
			return fail(NIP19_ERR_TEXT, detail, dl, "%s: TLV %u (%s) is not UTF-8 text",
				    nip19_type_name(d->type), tag, tlv_name(tag));
	} else if (n != want) {
		return fail(NIP19_ERR_LENGTH, detail, dl, "%s: TLV %u (%s) is %zu bytes, not %zu",
			    nip19_type_name(d->type), tag, tlv_name(tag), n, want);
	}
	seen[tag] = true;
	switch (tag) {
	case TLV_SPECIAL:
		if (text)
			nip19_set_identifier(d, (const char *)v, n);
		else
			memcpy(d->value, v, 32);
		break;
	case TLV_RELAY:
		nip19_add_relay(d, (const char *)v, n);
		break;
	case TLV_AUTHOR:
		memcpy(d->author, v, 32);
		d->has_author = true;
		break;
	case TLV_KIND:
		d->kind = (uint32_t)v[0] << 24 | (uint32_t)v[1] << 16 | (uint32_t)v[2] << 8 | v[3];
		d->has_kind = true;
		break;
	}
	return NIP19_OK;
}

static nip19_err parse_tlv(nip19 *d, const uint8_t *p, size_t n, char *detail, size_t dl)
{
	bool seen[4] = {false, false, false, false};
	size_t i = 0;
	while (i < n) {
		if (n - i < 2 || n - i - 2 < p[i + 1])
			return fail(NIP19_ERR_TLV, detail, dl, "%s: TLV at byte %zu runs past the end",
				    nip19_type_name(d->type), i);
		unsigned tag = p[i], len = p[i + 1];
		if (tlv_defined(d->type, tag)) {
			nip19_err e = tlv_value(d, tag, p + i + 2, len, seen, detail, dl);
			if (e)
				return e;
		}
		i += 2 + len;
	}
	if (!seen[TLV_SPECIAL])
		return fail(NIP19_ERR_MISSING, detail, dl, "%s: TLV 0 (%s) missing",
			    nip19_type_name(d->type), d->type == NIP19_NADDR ? "identifier" : "special");
	if (d->type == NIP19_NADDR && !d->has_author)
		return fail(NIP19_ERR_MISSING, detail, dl, "naddr: TLV 2 (author) missing");
	if (d->type == NIP19_NADDR && !d->has_kind)
		return fail(NIP19_ERR_MISSING, detail, dl, "naddr: TLV 3 (kind) missing");
	return NIP19_OK;
}

nip19_err nip19_decode(const char *s, size_t len, nip19 *d, char *detail, size_t dl)
{
	nip19_init(d, NIP19_NPUB);
	if (detail && dl)
		detail[0] = 0;
	if (len > NIP19_MAX_LEN)
		return fail(NIP19_ERR_TOO_LONG, detail, dl, "%zu characters, at most %d", len, NIP19_MAX_LEN);
	char hrp[16];
	uint8_t *raw = mu_xmalloc(len + 1);
	size_t n = 0;
	bech32_err be = bech32_decode_bytes(s, len, NIP19_MAX_LEN, hrp, sizeof hrp, raw, &n, len + 1);
	nip19_err e = map_bech32(be);
	if (e) {
		detail_set(detail, dl, "%s%s", e == NIP19_ERR_FORMAT ? "not bech32: " : "",
		     e == NIP19_ERR_PREFIX ? "unknown prefix" : bech32_strerror(be));
	} else if (!nip19_type_from_name(hrp, &d->type)) {
		e = fail(NIP19_ERR_PREFIX, detail, dl, "unknown prefix \"%s\"", hrp);
	} else if (!nip19_type_is_tlv(d->type)) {
		if (n != 32)
			e = fail(NIP19_ERR_LENGTH, detail, dl, "%s carries %zu bytes, not 32", hrp, n);
		else
			memcpy(d->value, raw, 32);
	} else {
		e = parse_tlv(d, raw, n, detail, dl);
	}
	sodium_memzero(raw, len + 1);
	free(raw);
	if (e) {
		nip19_type t = d->type;
		nip19_free(d);
		nip19_init(d, t);
	}
	return e;
}

/* ---- encoding ---- */

static void put_tlv(buf *b, unsigned tag, const void *v, size_t n)
{
	buf_putc(b, (char)tag);
	buf_putc(b, (char)n);
	buf_put(b, v, n);
}

static nip19_err check_text(const char *what, const char *s, char *detail, size_t dl)
{
	size_t n = strlen(s);
	if (n > NIP19_TLV_MAX)
		return fail(NIP19_ERR_VALUE_TOO_LONG, detail, dl, "%s is %zu bytes, at most %d",
			    what, n, NIP19_TLV_MAX);
	if (u8_check((const uint8_t *)s, n))
		return fail(NIP19_ERR_TEXT, detail, dl, "%s is not UTF-8", what);
	return NIP19_OK;
}

void nip19_encode_bytes32(buf *out, nip19_type t, const uint8_t v[32])
{
	bech32_encode_bytes(out, nip19_type_name(t), v, 32);
}

nip19_err nip19_encode(buf *out, const nip19 *d, char *detail, size_t dl)
{
	if (detail && dl)
		detail[0] = 0;
	if ((size_t)d->type >= N_TYPES)
		return fail(NIP19_ERR_PREFIX, detail, dl, "unknown type");
	if (!nip19_type_is_tlv(d->type)) {
		nip19_encode_bytes32(out, d->type, d->value);
		return NIP19_OK;
	}
	nip19_err e = NIP19_OK;
	for (size_t i = 0; i < d->n_relays && !e; i++)
		e = check_text("relay URL", d->relays[i], detail, dl);
	if (!e && d->type == NIP19_NADDR) {
		if (!d->identifier)
			e = fail(NIP19_ERR_MISSING, detail, dl, "naddr needs an identifier");
		else if (!d->has_author)
			e = fail(NIP19_ERR_MISSING, detail, dl, "naddr needs a pubkey");
		else if (!d->has_kind)
			e = fail(NIP19_ERR_MISSING, detail, dl, "naddr needs a kind");
		else
			e = check_text("identifier", d->identifier, detail, dl);
	}
	if (e)
		return e;
	buf tlv = BUF_INIT;
	if (d->type == NIP19_NADDR)
		put_tlv(&tlv, TLV_SPECIAL, d->identifier, strlen(d->identifier));
	else
		put_tlv(&tlv, TLV_SPECIAL, d->value, 32);
	if (d->type != NIP19_NPROFILE && d->has_author)
		put_tlv(&tlv, TLV_AUTHOR, d->author, 32);
	if (d->type != NIP19_NPROFILE && d->has_kind) {
		uint8_t k[4] = {(uint8_t)(d->kind >> 24), (uint8_t)(d->kind >> 16),
				(uint8_t)(d->kind >> 8), (uint8_t)d->kind};
		put_tlv(&tlv, TLV_KIND, k, 4);
	}
	for (size_t i = 0; i < d->n_relays; i++)
		put_tlv(&tlv, TLV_RELAY, d->relays[i], strlen(d->relays[i]));
	/* hrp + '1' + ceil(bits/5) + 6 checksum characters */
	size_t total = strlen(nip19_type_name(d->type)) + 1 + (tlv.len * 8 + 4) / 5 + 6;
	if (total > NIP19_MAX_LEN)
		e = fail(NIP19_ERR_TOO_LONG, detail, dl, "would be %zu characters, at most %d",
			 total, NIP19_MAX_LEN);
	else
		bech32_encode_bytes(out, nip19_type_name(d->type), (const uint8_t *)tlv.p, tlv.len);
	buf_free(&tlv);
	return e;
}

/* ---- JSON ---- */

static jv hex_jv(const uint8_t *v, size_t n)
{
	char h[65];
	hex_encode(h, v, n);
	return jv_string_sized(h, (int)(2 * n));
}

static jv relays_jv(const nip19 *d)
{
	jv a = jv_array();
	for (size_t i = 0; i < d->n_relays; i++)
		a = jv_array_append(a, jv_string(d->relays[i]));
	return a;
}

jv nip19_data_to_jv(const nip19 *d)
{
	jv o;
	switch (d->type) {
	case NIP19_NPROFILE:
		o = jv_object_set(jv_object(), jv_string("pubkey"), hex_jv(d->value, 32));
		return jv_object_set(o, jv_string("relays"), relays_jv(d));
	case NIP19_NEVENT:
		o = jv_object_set(jv_object(), jv_string("id"), hex_jv(d->value, 32));
		o = jv_object_set(o, jv_string("relays"), relays_jv(d));
		if (d->has_author)
			o = jv_object_set(o, jv_string("author"), hex_jv(d->author, 32));
		if (d->has_kind)
			o = jv_object_set(o, jv_string("kind"), json_from_u64(d->kind));
		return o;
	case NIP19_NADDR:
		o = jv_object_set(jv_object(), jv_string("identifier"),
				  jv_string(d->identifier ? d->identifier : ""));
		o = jv_object_set(o, jv_string("pubkey"), hex_jv(d->author, 32));
		o = jv_object_set(o, jv_string("kind"), json_from_u64(d->kind));
		return jv_object_set(o, jv_string("relays"), relays_jv(d));
	default:
		return hex_jv(d->value, 32);
	}
}

jv nip19_to_jv(const nip19 *d)
{
	jv o = jv_object_set(jv_object(), jv_string("type"), jv_string(nip19_type_name(d->type)));
	return jv_object_set(o, jv_string("data"), nip19_data_to_jv(d));
}

static bool hex32_jv(jv v, uint8_t out[32])
{
	size_t n;
	const char *s = json_str(v, &n);
	return s && hex_decode(out, 32, s, n, false);
}

static nip19_err field_hex32(jv data, const char *key, uint8_t out[32], bool *has, bool required,
			     const char *tname, char *detail, size_t dl)
{
	jv v = json_get(data, key);
	bool present = jv_is_valid(v);
	bool ok = present && hex32_jv(v, out);
	jv_free(v);
	if (!present)
		return required ? fail(NIP19_ERR_JSON, detail, dl, "%s: \"%s\" missing", tname, key)
				: NIP19_OK;
	if (!ok)
		return fail(NIP19_ERR_JSON, detail, dl, "%s: \"%s\" must be 64 hex digits", tname, key);
	if (has)
		*has = true;
	return NIP19_OK;
}

static nip19_err field_relays(jv data, nip19 *d, char *detail, size_t dl)
{
	const char *tname = nip19_type_name(d->type);
	jv a = json_get(data, "relays");
	nip19_err e = NIP19_OK;
	if (!jv_is_valid(a)) {
		jv_free(a);
		return NIP19_OK;
	}
	if (jv_get_kind(a) != JV_KIND_ARRAY) {
		e = fail(NIP19_ERR_JSON, detail, dl, "%s: \"relays\" must be an array of strings", tname);
	} else {
		int n = jv_array_length(jv_copy(a));
		for (int i = 0; i < n && !e; i++) {
			jv r = jv_array_get(jv_copy(a), i);
			size_t len;
			const char *s = json_str(r, &len);
			if (!s || memchr(s, 0, len))
				e = fail(NIP19_ERR_JSON, detail, dl, "%s: relays[%d] must be a string", tname, i);
			else
				nip19_add_relay(d, s, len);
			jv_free(r);
		}
	}
	jv_free(a);
	return e;
}

static nip19_err field_kind(jv data, nip19 *d, bool required, char *detail, size_t dl)
{
	const char *tname = nip19_type_name(d->type);
	jv v = json_get(data, "kind");
	uint64_t k = 0;
	bool present = jv_is_valid(v);
	bool ok = present && json_get_u64(v, &k) && k <= UINT32_MAX;
	jv_free(v);
	if (!present)
		return required ? fail(NIP19_ERR_JSON, detail, dl, "%s: \"kind\" missing", tname) : NIP19_OK;
	if (!ok)
		return fail(NIP19_ERR_JSON, detail, dl, "%s: \"kind\" must be an integer 0..4294967295", tname);
	d->kind = (uint32_t)k;
	d->has_kind = true;
	return NIP19_OK;
}

static nip19_err only_keys(jv data, const char *const *allowed, const char *tname, char *detail, size_t dl)
{
	nip19_err e = NIP19_OK;
	jv keys = jv_keys(jv_copy(data));
	int n = jv_array_length(jv_copy(keys));
	for (int i = 0; i < n && !e; i++) {
		jv k = jv_array_get(jv_copy(keys), i);
		const char *s = jv_string_value(k);
		bool known = false;
		for (const char *const *a = allowed; *a; a++)
			known |= strcmp(*a, s) == 0;
		if (!known)
			e = fail(NIP19_ERR_JSON, detail, dl, "%s: unknown field \"%s\"", tname, s);
		jv_free(k);
	}
	jv_free(keys);
	return e;
}

nip19_err nip19_from_jv(nip19_type t, jv data, nip19 *d, char *detail, size_t dl)
{
	static const char *const k_profile[] = {"pubkey", "relays", NULL};
	static const char *const k_event[] = {"id", "relays", "author", "kind", NULL};
	static const char *const k_addr[] = {"identifier", "pubkey", "kind", "relays", NULL};
	const char *tname = nip19_type_name(t);
	nip19_err e = NIP19_OK;
	nip19_init(d, t);
	if (detail && dl)
		detail[0] = 0;
	if (!nip19_type_is_tlv(t)) {
		if (!hex32_jv(data, d->value))
			e = fail(NIP19_ERR_JSON, detail, dl, "%s: data must be 64 hex digits", tname);
	} else if (jv_get_kind(data) != JV_KIND_OBJECT) {
		e = fail(NIP19_ERR_JSON, detail, dl, "%s: data must be an object", tname);
	} else if (t == NIP19_NPROFILE) {
		if (!(e = only_keys(data, k_profile, tname, detail, dl)) &&
		    !(e = field_hex32(data, "pubkey", d->value, NULL, true, tname, detail, dl)))
			e = field_relays(data, d, detail, dl);
	} else if (t == NIP19_NEVENT) {
		if (!(e = only_keys(data, k_event, tname, detail, dl)) &&
		    !(e = field_hex32(data, "id", d->value, NULL, true, tname, detail, dl)) &&
		    !(e = field_hex32(data, "author", d->author, &d->has_author, false, tname, detail, dl)) &&
		    !(e = field_kind(data, d, false, detail, dl)))
			e = field_relays(data, d, detail, dl);
	} else {
		size_t n;
		const char *id = json_get_str(data, "identifier", &n);
		if (!(e = only_keys(data, k_addr, tname, detail, dl))) {
			if (!id || memchr(id, 0, n))
				e = fail(NIP19_ERR_JSON, detail, dl, "naddr: \"identifier\" must be a string");
			else
				nip19_set_identifier(d, id, n);
		}
		if (!e && !(e = field_hex32(data, "pubkey", d->author, &d->has_author, true, tname, detail, dl)) &&
		    !(e = field_kind(data, d, true, detail, dl)))
			e = field_relays(data, d, detail, dl);
	}
	if (e) {
		nip19_free(d);
		nip19_init(d, t);
	}
	return e;
}

nip19_err nip19_from_text(nip19_type t, const char *s, size_t n, nip19 *d, char *detail, size_t dl)
{
	while (n && (*s == ' ' || *s == '\t' || *s == '\r' || *s == '\n'))
		s++, n--;
	while (n && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\r' || s[n - 1] == '\n'))
		n--;
	if (n == 0 || (*s != '{' && *s != '"')) {
		nip19_init(d, t);
		if (detail && dl)
			detail[0] = 0;
		if (nip19_type_is_tlv(t))
			return fail(NIP19_ERR_JSON, detail, dl, "%s: expected a JSON object", nip19_type_name(t));
		if (!hex_decode(d->value, 32, s, n, false))
			return fail(NIP19_ERR_JSON, detail, dl, "%s: expected 64 hex digits", nip19_type_name(t));
		return NIP19_OK;
	}
	json_error je;
	jv v = json_parse(s, n, 0, &je);
	if (!jv_is_valid(v)) {
		jv_free(v);
		nip19_init(d, t);
		return fail(NIP19_ERR_JSON, detail, dl, "%s: %s", nip19_type_name(t), je.msg);
	}
	jv data = jv_copy(v);
	if (jv_get_kind(v) == JV_KIND_OBJECT && json_has(v, "type")) {
		const char *ty = json_get_str(v, "type", NULL);
		if (!ty || strcmp(ty, nip19_type_name(t)) != 0) {
			jv_free(data);
			jv_free(v);
			nip19_init(d, t);
			return fail(NIP19_ERR_JSON, detail, dl, "%s: record \"type\" is not \"%s\"",
				    nip19_type_name(t), nip19_type_name(t));
		}
		jv_free(data);
		data = json_get(v, "data");
	}
	nip19_err e = nip19_from_jv(t, data, d, detail, dl);
	jv_free(data);
	jv_free(v);
	return e;
}

bool nip19_equal(const nip19 *a, const nip19 *b)
{
	if (a->type != b->type || memcmp(a->value, b->value, 32) != 0)
		return false;
	if (a->has_author != b->has_author || (a->has_author && memcmp(a->author, b->author, 32) != 0))
		return false;
	if (a->has_kind != b->has_kind || (a->has_kind && a->kind != b->kind))
		return false;
	if ((a->identifier == NULL) != (b->identifier == NULL) ||
	    (a->identifier && strcmp(a->identifier, b->identifier) != 0))
		return false;
	if (a->n_relays != b->n_relays)
		return false;
	for (size_t i = 0; i < a->n_relays; i++)
		if (strcmp(a->relays[i], b->relays[i]) != 0)
			return false;
	return true;
}
