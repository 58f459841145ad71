/* NIP-01 events: every record of nip01-events.jsonl.
 * valid: parse, canonical serialization == `serialized`, id, verify, and our
 *        signature with zero aux == the recorded sig; re-emitted JSON re-parses.
 * wire:  accept -> canonical id and verify; reject/disagree -> our decision. */
#include <stdlib.h>
#include <string.h>

#include "event.h"
#include "hex.h"
#include "t.h"

/* Our decisions on the records where the libraries disagree (see ARCHITECTURE). */
static const struct { const char *name; bool accept; } decisions[] = {
	{"lone surrogate \\ud800", false},
	{"empty tag []", false},
	{"kind 65536 (> u16)", false},
	{"negative created_at", false},
	{"created_at written as 1.7e9", false},
	{"created_at written as 1700000000.0", false},
	{"uppercase hex id", false},
	{"uppercase hex pubkey", false},
	{"uppercase hex sig", true},
	{"created_at 2^53+1 (beyond JS/double precision)", true},
};

static int decision(const char *name)
{
	for (size_t i = 0; i < sizeof decisions / sizeof *decisions; i++)
		if (strcmp(decisions[i].name, name) == 0)
			return decisions[i].accept;
	return -1;
}

static void check(jv rec, int lineno, void *ctx)
{
	(void)ctx;
	const char *name = json_get_str(rec, "name", NULL);
	const char *cat = json_get_str(rec, "category", NULL);
	char detail[160] = "";
	nostr_event ev;
	if (strcmp(cat, "valid") == 0) {
		jv e = json_get(rec, "event");
		char *text = json_dumps(e);
		jv_free(e);
		event_err rc = event_parse(&ev, text, strlen(text), 0, detail, sizeof detail);
		free(text);
		t_ok(rc == EVENT_OK, "valid %d %s: parses (%s)", lineno, name, detail);
		buf b = BUF_INIT;
		event_serialize(&b, &ev);
		t_eq_str(b.p, json_get_str(rec, "serialized", NULL), "valid %d %s: canonical serialization", lineno, name);
		buf_free(&b);
		uint8_t id[32];
		event_compute_id(&ev, id);
		jv ej = json_get(rec, "event");
		t_eq_hex(id, 32, json_get_str(ej, "id", NULL), "valid %d %s: id", lineno, name);
		t_ok(event_verify(&ev) == EVENT_OK, "valid %d %s: verifies", lineno, name);
		uint8_t sk[32], zero[32] = {0};
		mu_key k;
		if (t_hexfield(rec, "secret_key", sk, 32) && key_from_secret(&k, sk)) {
			nostr_event s;
			event_copy(&s, &ev);
			event_sign(&s, &k, zero);
			t_eq_hex(s.sig, 64, json_get_str(ej, "sig", NULL), "valid %d %s: zero-aux signature reproduced", lineno, name);
			/* our JSON output parses back to the same event */
			buf w = BUF_INIT;
			event_write(&w, &s);
			nostr_event back;
			t_ok(event_parse(&back, w.p, w.len, 0, NULL, 0) == EVENT_OK && event_verify(&back) == EVENT_OK,
			     "valid %d %s: emitted JSON re-parses and verifies", lineno, name);
			event_free(&back);
			buf_free(&w);
			event_free(&s);
			key_wipe(&k);
		}
		jv_free(ej);
		event_free(&ev);
		return;
	}
	const char *expect = json_get_str(rec, "expect", NULL);
	size_t wl;
	const char *wire = json_get_str(rec, "wire_json", &wl);
	bool accept;
	if (strcmp(expect, "accept") == 0)
		accept = true;
	else if (strcmp(expect, "reject") == 0)
		accept = false;
	else {
		int d = decision(name);
		t_ok(d >= 0, "wire %d %s: a decision is recorded for '%s'", lineno, name, expect);
		accept = d == 1;
	}
	event_err rc = event_parse(&ev, wire, wl, 0, detail, sizeof detail);
	if (!accept) {
		t_ok(rc != EVENT_OK, "wire %d %s: refused (%s)", lineno, name, detail);
	} else {
		t_ok(rc == EVENT_OK, "wire %d %s: accepted (%s)", lineno, name, detail);
		uint8_t id[32];
		event_compute_id(&ev, id);
		t_eq_hex(id, 32, json_get_str(rec, "id", NULL), "wire %d %s: canonical id", lineno, name);
		t_ok(event_verify(&ev) == EVENT_OK, "wire %d %s: verifies", lineno, name);
	}
	event_free(&ev);
}

/* EVENT_RUMOR: rust-nostr's UnsignedEvent (sig is no field, id null = none),
 * on both parsing paths. */
static void rumors(void)
{
	static const char *const pk = "\"pubkey\":\"79be667ef9dcbbac55a06295ce870b07029bfcdb2dce28d959f2815b16f81798\"";
	static const struct { const char *extra; int flags; event_err want; bool has_id; } rows[] = {
		{ "", EVENT_RUMOR, EVENT_OK, false },
		{ ",\"sig\":\"\"", EVENT_RUMOR, EVENT_OK, false },            /* go-nostr */
		{ ",\"sig\":null", EVENT_RUMOR, EVENT_OK, false },
		{ ",\"sig\":[1,{\"a\":2}]", EVENT_RUMOR, EVENT_OK, false },
		{ ",\"sig\":\"00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff"
		  "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff\"", EVENT_RUMOR, EVENT_OK, false },
		{ ",\"id\":null", EVENT_RUMOR, EVENT_OK, false },
		{ ",\"id\":\"00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff\"",
		  EVENT_RUMOR, EVENT_OK, true },
		{ ",\"id\":\"\"", EVENT_RUMOR, EVENT_ERR_ID, false },
		{ ",\"id\":5", EVENT_RUMOR, EVENT_ERR_ID, false },
		{ ",\"sig\":\"\",\"sig\":\"\"", EVENT_RUMOR, EVENT_ERR_JSON, false },   /* still no duplicates */
		/* templates keep their strictness */
		{ ",\"sig\":\"\"", EVENT_ALLOW_NO_SIG | EVENT_ALLOW_NO_ID, EVENT_ERR_SIG, false },
		{ ",\"id\":null", EVENT_ALLOW_NO_SIG | EVENT_ALLOW_NO_ID, EVENT_ERR_ID, false },
	};
	for (size_t i = 0; i < sizeof rows / sizeof *rows; i++) {
		char text[400];
		snprintf(text, sizeof text, "{%s,\"created_at\":1,\"kind\":1,\"tags\":[],\"content\":\"x\"%s}",
			 pk, rows[i].extra);
		for (int path = 0; path < 2; path++) {
			nostr_event ev;
			char detail[160] = "";
			event_err rc;
			if (path == 0) {
				rc = event_parse(&ev, text, strlen(text), rows[i].flags, detail, sizeof detail);
			} else {
				jv v = json_parse(text, strlen(text), JSON_INTEGERS_ONLY, NULL);
				rc = jv_is_valid(v) ? event_from_jv(&ev, v, rows[i].flags, detail, sizeof detail)
						    : (jv_free(v), event_init(&ev), EVENT_ERR_JSON);
			}
			t_eq_int(rc, rows[i].want, "rumor %s, %s: %s (%s)", rows[i].extra,
				 path ? "jv" : "cursor", event_strerror(rows[i].want), detail);
			if (rc == EVENT_OK)
				t_ok(!ev.has_sig && ev.has_id == rows[i].has_id, "rumor %s, %s: has_sig false, has_id %d",
				     rows[i].extra, path ? "jv" : "cursor", rows[i].has_id);
			event_free(&ev);
		}
	}
}

int main(void)
{
	int n = t_jsonl("nip01-events.jsonl", check, NULL);
	t_eq_int(n, 68, "nip01-events.jsonl has 68 records");
	rumors();
	return t_done();
}
