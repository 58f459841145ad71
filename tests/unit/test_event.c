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

int main(void)
{
	int n = t_jsonl("nip01-events.jsonl", check, NULL);
	t_eq_int(n, 68, "nip01-events.jsonl has 68 records");
	return t_done();
}
