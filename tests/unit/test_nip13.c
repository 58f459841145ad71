/* NIP-13: every record of nip13.jsonl (difficulty of an id; mined events from
 * nostr-tools / rust-nostr verify, have the recorded difficulty, and our miner
 * finds the same nonce from the same start), then our miner's own promises:
 * verifies after signing, nonce tag last and well formed, limits, fresh
 * created_at. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "event.h"
#include "hex.h"
#include "nip13.h"
#include "sha256.h"
#include "t.h"

static void test_key(mu_key *k, const char *label)
{
	char s[128];
	uint8_t sk[32];
	snprintf(s, sizeof s, "vector-key:%s", label);
	sha256(sk, s, strlen(s));
	if (!key_from_secret(k, sk)) {
		printf("Bail out! test key %s invalid\n", label);
		exit(1);
	}
}

static bool u64_field(jv rec, const char *key, uint64_t *out)
{
	jv v = json_get(rec, key);
	bool ok = json_get_u64(v, out);
	jv_free(v);
	return ok;
}

/* The nonce tag of ev as "n/target", or "" when absent. */
static void nonce_tag(const nostr_event *ev, char *out, size_t n)
{
	size_t l1 = 0, l2 = 0;
	const char *a = event_tag_value(ev, "nonce", 1, &l1);
	const char *b = event_tag_value(ev, "nonce", 2, &l2);
	snprintf(out, n, "%.*s/%.*s", (int)l1, a ? a : "", (int)l2, b ? b : "");
}

static void vector_record(jv rec, int lineno, void *ctx)
{
	int *counts = ctx;
	const char *type = json_get_str(rec, "type", NULL);
	uint64_t want = 0;
	u64_field(rec, "difficulty", &want);
	if (strcmp(type, "difficulty") == 0) {
		uint8_t id[32];
		t_ok(t_hexfield(rec, "id", id, 32), "line %d: id is hex", lineno);
		t_eq_int(nip13_difficulty(id), (long long)want, "line %d: difficulty of %.16s... (%s)", lineno,
			 json_get_str(rec, "id", NULL), json_get_str(rec, "note", NULL));
		counts[0]++;
		return;
	}
	counts[1]++;
	const char *src = json_get_str(rec, "source", NULL);
	jv ej = json_get(rec, "event");
	char *text = json_dumps(ej);
	jv_free(ej);
	nostr_event ev;
	char detail[160] = "";
	event_err rc = event_parse(&ev, text, strlen(text), 0, detail, sizeof detail);
	free(text);
	t_ok(rc == EVENT_OK, "line %d (%s): parses (%s)", lineno, src, detail);
	buf b = BUF_INIT;
	event_serialize(&b, &ev);
	t_eq_str(b.p, json_get_str(rec, "serialized", NULL), "line %d: canonical serialization", lineno);
	buf_free(&b);
	t_ok(event_verify(&ev) == EVENT_OK, "line %d: verifies", lineno);
	t_eq_int(nip13_difficulty(ev.id), (long long)want, "line %d: difficulty %llu", lineno,
		 (unsigned long long)want);

	/* Re-mine the same event (nonce tag removed, same created_at) from the
	 * library's starting nonce: the first nonce that reaches the committed
	 * target is the one the library found. Both libraries try 1 first. */
	uint64_t target;
	if (!u64_field(rec, "committed_target", &target)) {
		event_free(&ev);
		return;
	}
	char want_tag[64], got_tag[64];
	nonce_tag(&ev, want_tag, sizeof want_tag);
	nostr_event m;
	event_copy(&m, &ev);
	nip13_opts o = {.target = (unsigned)target, .start_nonce = 1, .max_attempts = 10000000};
	nip13_result r;
	nip13_err e = nip13_mine(&m, &o, &r);
	nonce_tag(&m, got_tag, sizeof got_tag);
	t_ok(e == NIP13_OK, "line %d: re-mined to %llu bits (%s)", lineno, (unsigned long long)target, nip13_strerror(e));
	t_eq_str(got_tag, want_tag, "line %d (%s): same nonce as the library", lineno, src);
	t_ok(memcmp(m.id, ev.id, 32) == 0 && r.attempts == r.nonce, "line %d: same id after %llu attempts", lineno,
	     (unsigned long long)r.attempts);
	event_free(&m);
	event_free(&ev);
}

/* ---- our miner ---- */

static void template(nostr_event *ev, const mu_key *k, const char *content)
{
	event_init(ev);
	memcpy(ev->pubkey, k->pk, 32);
	ev->created_at = 1795000000;
	ev->kind = 14;
	const char *p[] = {"p", "8b04142e01039bed503ea99a9ab40df7bbfadebef9bcfc01aea4352655a89124"};
	const char *x[] = {"expiration", "1797592000"};
	event_add_tag(ev, 2, p);
	event_add_tag(ev, 2, x);
	event_set_content(ev, content, strlen(content));
}

static int tag_count(const nostr_event *ev)
{
	return jv_array_length(jv_copy(ev->tags));
}

/* The last tag is ["nonce","<n>","<target>"] with n the found nonce. */
static bool nonce_tag_last(const nostr_event *ev, uint64_t nonce, unsigned target)
{
	jv last = jv_array_get(jv_copy(ev->tags), tag_count(ev) - 1);
	char want[3][32];
	snprintf(want[0], 32, "nonce");
	snprintf(want[1], 32, "%llu", (unsigned long long)nonce);
	snprintf(want[2], 32, "%u", target);
	bool ok = jv_array_length(jv_copy(last)) == 3;
	for (int i = 0; ok && i < 3; i++) {
		jv e = jv_array_get(jv_copy(last), i);
		const char *s = json_str(e, NULL);
		ok = s && strcmp(s, want[i]) == 0;
		jv_free(e);
	}
	jv_free(last);
	return ok;
}

static void mine_and_check(const mu_key *k, const char *content, unsigned target, uint64_t start,
			   const char *what)
{
	nostr_event ev;
	template(&ev, k, content);
	int tags_before = tag_count(&ev);
	nip13_opts o = {.target = target, .start_nonce = start};
	nip13_result r;
	nip13_err e = nip13_mine(&ev, &o, &r);
	t_ok(e == NIP13_OK, "%s: mined to %u bits in %llu attempts (%s)", what, target,
	     (unsigned long long)r.attempts, nip13_strerror(e));
	uint8_t id[32];
	event_compute_id(&ev, id);
	t_ok(ev.has_id && !ev.has_sig && memcmp(id, ev.id, 32) == 0, "%s: id set and matches the event", what);
	event_sign(&ev, k, NULL);
	t_ok(event_verify(&ev) == EVENT_OK, "%s: verifies after signing", what);
	t_ok(nip13_difficulty(ev.id) >= target && r.difficulty == nip13_difficulty(ev.id),
	     "%s: difficulty %u >= %u", what, nip13_difficulty(ev.id), target);
	t_ok(tag_count(&ev) == tags_before + 1 && nonce_tag_last(&ev, r.nonce, target),
	     "%s: nonce tag appended last as [\"nonce\",\"%llu\",\"%u\"]", what, (unsigned long long)r.nonce, target);
	t_ok(r.nonce == start + r.attempts - 1, "%s: nonces tried in order from %llu", what, (unsigned long long)start);
	/* the emitted JSON parses back with the same id */
	buf w = BUF_INIT;
	event_write(&w, &ev);
	nostr_event back;
	t_ok(event_parse(&back, w.p, w.len, 0, NULL, 0) == EVENT_OK && event_verify(&back) == EVENT_OK &&
	     memcmp(back.id, ev.id, 32) == 0, "%s: emitted JSON re-parses and verifies", what);
	event_free(&back);
	buf_free(&w);
	event_free(&ev);
}

static void miner_tests(void)
{
	mu_key k;
	test_key(&k, "nip13-miner");
	mine_and_check(&k, "hello", 8, 0, "8 bits, small content");
	mine_and_check(&k, "quote \" backslash \\ newline \n tab \t DEL \x7f é 😀 \x01", 12, 0,
		       "12 bits, content with escapes");
	mine_and_check(&k, "carry", 10, 9, "10 bits from nonce 9 (digit carry)");
	mine_and_check(&k, "carry", 10, 99990, "10 bits from nonce 99990 (carry to 6 digits)");
	mine_and_check(&k, "sixteen", 16, 0, "16 bits");
	char big[1100];
	memset(big, 'A', sizeof big - 1);
	big[sizeof big - 1] = 0;
	mine_and_check(&k, big, 8, 0, "8 bits, 1 KiB content");
	mine_and_check(&k, "", 4, 0, "4 bits, empty content");

	/* an existing nonce tag is replaced, not duplicated; other tags keep their order */
	nostr_event ev;
	template(&ev, &k, "again");
	const char *old[] = {"nonce", "123", "4"};
	event_add_tag(&ev, 3, old);
	const char *t[] = {"t", "after"};
	event_add_tag(&ev, 2, t);
	nip13_opts o = {.target = 8};
	nip13_result r;
	t_ok(nip13_mine(&ev, &o, &r) == NIP13_OK, "re-mine an event that has a nonce tag");
	size_t n;
	const char *t0 = event_tag_value(&ev, "t", 1, &n);
	t_ok(tag_count(&ev) == 4 && nonce_tag_last(&ev, r.nonce, 8) && t0 && strcmp(t0, "after") == 0,
	     "old nonce tag removed, other tags kept, new one last");
	event_free(&ev);

	/* target 0: the first attempt succeeds */
	template(&ev, &k, "zero");
	o = (nip13_opts){.target = 0, .start_nonce = 5};
	t_ok(nip13_mine(&ev, &o, &r) == NIP13_OK && r.attempts == 1 && r.nonce == 5 && nonce_tag_last(&ev, 5, 0),
	     "target 0: one attempt, nonce tag [\"nonce\",\"5\",\"0\"]");
	event_free(&ev);

	/* limits leave the event untouched */
	template(&ev, &k, "limits");
	buf before = BUF_INIT, after = BUF_INIT;
	event_write(&before, &ev);
	o = (nip13_opts){.target = 256, .max_attempts = 1000};
	nip13_err e = nip13_mine(&ev, &o, &r);
	event_write(&after, &ev);
	t_ok(e == NIP13_ERR_ATTEMPTS && r.attempts == 1000, "max_attempts 1000: gives up after exactly 1000 (%s)",
	     nip13_strerror(e));
	t_ok(strcmp(before.p, after.p) == 0 && !ev.has_id, "event unchanged after a failed search");
	o = (nip13_opts){.target = 256, .timeout_ms = 50};
	e = nip13_mine(&ev, &o, &r);
	t_ok(e == NIP13_ERR_DEADLINE && r.attempts > 0, "timeout 50 ms: deadline after %llu attempts (%s)",
	     (unsigned long long)r.attempts, nip13_strerror(e));
	o = (nip13_opts){.target = 257};
	t_ok(nip13_mine(&ev, &o, &r) == NIP13_ERR_TARGET, "target 257 refused");
	buf_free(&before);
	buf_free(&after);
	event_free(&ev);
	key_wipe(&k);
}

/* A clock that ticks one second per call: created_at must follow it and the
 * prefix be rebuilt each time, and the result still verify. */
static uint64_t ticking(void *ctx)
{
	uint64_t *t = ctx;
	return (*t)++;
}

static void fresh_created_at(void)
{
	mu_key k;
	test_key(&k, "nip13-fresh");
	nostr_event ev;
	template(&ev, &k, "fresh");
	uint64_t clock = 1800000000;
	nip13_opts o = {.target = 18, .fresh_created_at = true, .now = ticking, .now_ctx = &clock};
	nip13_result r;
	nip13_err e = nip13_mine(&ev, &o, &r);
	t_ok(e == NIP13_OK, "fresh created_at: mined to 18 bits (%s)", nip13_strerror(e));
	t_ok(r.prefix_rebuilds > 0 && r.prefix_rebuilds == clock - 1800000001,
	     "created_at changed %u times during the search (one per clock read after the first)", r.prefix_rebuilds);
	t_eq_int((long long)ev.created_at, (long long)(clock - 1), "created_at is the last clock reading");
	event_sign(&ev, &k, NULL);
	t_ok(event_verify(&ev) == EVENT_OK && nip13_difficulty(ev.id) >= 18, "fresh created_at: verifies with >= 18 bits");
	event_free(&ev);

	/* with the real clock, created_at is now */
	template(&ev, &k, "now");
	o = (nip13_opts){.target = 4, .fresh_created_at = true};
	uint64_t t0 = (uint64_t)time(NULL);
	nip13_mine(&ev, &o, &r);
	t_ok(ev.created_at >= t0 && ev.created_at <= (uint64_t)time(NULL), "fresh created_at uses the wall clock");
	event_free(&ev);
	key_wipe(&k);
}

int main(void)
{
	int counts[2] = {0, 0};
	t_jsonl("nip13.jsonl", vector_record, counts);
	t_eq_int(counts[0], 19, "19 difficulty records");
	t_eq_int(counts[1], 12, "12 event records");
	miner_tests();
	fresh_created_at();
	for (int i = NIP13_OK; i <= NIP13_ERR_DEADLINE; i++)
		t_ok(strcmp(nip13_strerror((nip13_err)i), "unknown error") != 0, "nip13_strerror(%d)", i);
	return t_done();
}
