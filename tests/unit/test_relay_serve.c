/* The embedded relay's pure parts, table-driven:
 *  relay_config: --listen forms, loopback addresses, --auth-read-kinds lists
 *  relay_nip42:  relay URL matching, AUTH event checks (each failure named)
 *  relay_ingest: each refusal with its exact OK message; the one-pass
 *                serialization equals event_serialize + event_write
 *  relay_store:  replacement rules (newer wins, ties -> lowest id, address
 *                by d), duplicates, queries (limits, several filters, tags,
 *                expiration, restricted kinds), COUNT, purge
 *  workpool:     every item runs exactly once, with 0..3 helper threads,
 *                synchronous and started/waited (done called once)
 *  relay_server: which Accept values ask for the NIP-11 document
 *  relay_log:    repeated lines once per window, counts reported after */
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hex.h"
#include "relay_config.h"
#include "relay_ingest.h"
#include "relay_log.h"
#include "relay_nip42.h"
#include "relay_server.h"
#include "relay_store.h"
#include "relaymsg.h"
#include "t.h"
#include "workpool.h"

static mu_key K1, K2;

static void keys_init(void)
{
	uint8_t sk[32] = {0};
	sk[31] = 1;
	key_from_secret(&K1, sk);
	sk[31] = 2;
	key_from_secret(&K2, sk);
}

/* A signed event from a template (tags as a JSON array text). */
static void mk(nostr_event *ev, const mu_key *k, uint32_t kind, uint64_t at, const char *tags, const char *content)
{
	event_init(ev);
	ev->kind = kind;
	ev->created_at = at;
	if (tags) {
		jv_free(ev->tags);
		ev->tags = json_parse(tags, strlen(tags), 0, NULL);
	}
	event_set_content(ev, content, strlen(content));
	event_sign(ev, k, NULL);
}

static void test_listen(void)
{
	static const struct { const char *in; listen_err e; const char *host; int port; } cases[] = {
		{"127.0.0.1:7000", LISTEN_OK, "127.0.0.1", 7000},
		{"localhost:0", LISTEN_OK, "127.0.0.1", 0},
		{"7001", LISTEN_OK, "127.0.0.1", 7001},
		{"[::1]:80", LISTEN_OK, "::1", 80},
		{"0.0.0.0:7000", LISTEN_OK, "0.0.0.0", 7000},
		{"127.0.0.1:65536", LISTEN_ERR_PORT, NULL, 0},
		{"127.0.0.1:", LISTEN_ERR_PORT, NULL, 0},
		{"127.0.0.1:-1", LISTEN_ERR_PORT, NULL, 0},
		{"127.0.0.1:70x", LISTEN_ERR_PORT, NULL, 0},
		{"example.com:80", LISTEN_ERR_HOST, NULL, 0},
		{"999.1.1.1:80", LISTEN_ERR_HOST, NULL, 0},
		{"::1:80", LISTEN_ERR_SYNTAX, NULL, 0},
		{"[::1]80", LISTEN_ERR_SYNTAX, NULL, 0},
		{":80", LISTEN_ERR_SYNTAX, NULL, 0},
	};
	for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
		relay_config c;
		relay_config_defaults(&c);
		listen_err e = relay_config_set_listen(&c, cases[i].in);
		t_eq_int(e, cases[i].e, "listen %s: %s", cases[i].in, listen_strerror(cases[i].e));
		if (cases[i].host) {
			t_eq_str(c.host, cases[i].host, "listen %s: host", cases[i].in);
			t_eq_int(c.port, cases[i].port, "listen %s: port", cases[i].in);
		}
	}
	static const struct { const char *h; bool lo; } lo[] = {
		{"127.0.0.1", true}, {"127.255.0.9", true}, {"::1", true}, {"::ffff:127.0.0.1", true},
		{"0.0.0.0", false}, {"192.168.1.1", false}, {"::", false}, {"128.0.0.1", false},
	};
	for (size_t i = 0; i < sizeof lo / sizeof *lo; i++)
		t_eq_int(relay_host_is_loopback(lo[i].h), lo[i].lo, "loopback %s", lo[i].h);
	relay_config c;
	relay_config_defaults(&c);
	t_ok(relay_config_set_auth_kinds(&c, "1059,14") && c.n_auth_read_kinds == 2 &&
	     relay_config_kind_restricted(&c, 14) && !relay_config_kind_restricted(&c, 1), "auth kinds 1059,14");
	t_ok(!relay_config_set_auth_kinds(&c, "1059,") && !relay_config_set_auth_kinds(&c, "x") &&
	     !relay_config_set_auth_kinds(&c, "65536") && !relay_config_set_auth_kinds(&c, ",1") &&
	     c.n_auth_read_kinds == 2, "bad auth kind lists are refused and change nothing");
	t_eq_int((long long)relay_config_max_message(&c), 65536 + 4096, "max message = event size + 4096");
}

static void test_url_match(void)
{
	static const struct { const char *ours, *theirs; bool m; } cases[] = {
		{"ws://127.0.0.1:7000", "ws://127.0.0.1:7000", true},
		{"ws://127.0.0.1:7000", "ws://127.0.0.1:7000/", true},
		{"ws://127.0.0.1:7000", "ws://localhost:7000", true},
		{"ws://127.0.0.1:7000", "ws://[::1]:7000", true},
		{"ws://127.0.0.1:7000", "ws://127.0.0.1:7001", false},
		{"ws://127.0.0.1:7000", "ws://example.com:7000", false},
		{"wss://relay.example.com", "wss://Relay.Example.COM/", true},
		{"wss://relay.example.com", "relay.example.com", true},
		{"wss://relay.example.com", "wss://relay.example.com:443", true},
		{"wss://relay.example.com", "ws://relay.example.com", false},      /* port 80 */
		{"wss://relay.example.com", "https://relay.example.com", true},
		{"wss://relay.example.com", "wss://evil.com/relay.example.com", false},
		{"wss://relay.example.com", "ftp://relay.example.com", false},
		{"wss://relay.example.com", "", false},
	};
	for (size_t i = 0; i < sizeof cases / sizeof *cases; i++)
		t_eq_int(nip42_url_matches(cases[i].ours, cases[i].theirs), cases[i].m, "url %s ~ %s", cases[i].ours,
			 cases[i].theirs);
}

static void test_auth(void)
{
	const char *url = "ws://127.0.0.1:7000";
	char tags[300];
	static const struct { const char *challenge, *relay; uint32_t kind; int64_t dt; bool tamper; nip42_err e; } cases[] = {
		{"abc", "ws://127.0.0.1:7000", 22242, 0, false, NIP42_OK},
		{"abc", "ws://localhost:7000/", 22242, -500, false, NIP42_OK},
		{"abd", "ws://127.0.0.1:7000", 22242, 0, false, NIP42_ERR_CHALLENGE},
		{NULL, "ws://127.0.0.1:7000", 22242, 0, false, NIP42_ERR_CHALLENGE},
		{"abc", "ws://127.0.0.1:7001", 22242, 0, false, NIP42_ERR_RELAY},
		{"abc", NULL, 22242, 0, false, NIP42_ERR_RELAY},
		{"abc", "ws://127.0.0.1:7000", 22242, 601, false, NIP42_ERR_TIME},
		{"abc", "ws://127.0.0.1:7000", 22242, -601, false, NIP42_ERR_TIME},
		{"abc", "ws://127.0.0.1:7000", 1, 0, false, NIP42_ERR_KIND},
		{"abc", "ws://127.0.0.1:7000", 22242, 0, true, NIP42_ERR_SIGNATURE},
	};
	uint64_t now = 1700000000;
	for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
		int n = snprintf(tags, sizeof tags, "[");
		if (cases[i].relay)
			n += snprintf(tags + n, sizeof tags - (size_t)n, "[\"relay\",\"%s\"]%s", cases[i].relay,
				      cases[i].challenge ? "," : "");
		if (cases[i].challenge)
			n += snprintf(tags + n, sizeof tags - (size_t)n, "[\"challenge\",\"%s\"]", cases[i].challenge);
		snprintf(tags + n, sizeof tags - (size_t)n, "]");
		nostr_event ev;
		mk(&ev, &K1, cases[i].kind, (uint64_t)((int64_t)now + cases[i].dt), tags, "");
		if (cases[i].tamper)
			ev.created_at++;
		nip42_err e = nip42_check(&ev, "abc", url, now, 600);
		t_eq_str(nip42_strerror(e), nip42_strerror(cases[i].e), "auth case %zu", i);
		event_free(&ev);
	}
	char c1[RELAY_CHALLENGE_LEN + 1], c2[RELAY_CHALLENGE_LEN + 1];
	nip42_challenge(c1);
	nip42_challenge(c2);
	t_ok(hex_is_lower(c1, strlen(c1), RELAY_CHALLENGE_LEN) && strcmp(c1, c2) != 0, "challenges are fresh hex");
}

static void test_ingest(void)
{
	relay_config c;
	relay_config_defaults(&c);
	c.max_event_tags = 3;
	c.max_event_size = 600;
	uint64_t now = 1700000000;
	nostr_event ok, big, tags, exp, badexp, future, auth, eph, repl, addr;
	mk(&ok, &K1, 1, now, "[[\"t\",\"x\"]]", "hello");
	char longc[700];
	memset(longc, 'x', sizeof longc - 1);
	longc[sizeof longc - 1] = 0;
	mk(&big, &K1, 1, now, NULL, longc);
	mk(&tags, &K1, 1, now, "[[\"t\",\"1\"],[\"t\",\"2\"],[\"t\",\"3\"],[\"t\",\"4\"]]", "");
	mk(&exp, &K1, 1, now, "[[\"expiration\",\"1700000000\"]]", "");
	mk(&badexp, &K1, 1, now, "[[\"expiration\",\"soon\"]]", "");
	mk(&future, &K1, 1, now, "[[\"expiration\",\"1700000001\"]]", "");
	mk(&auth, &K1, 22242, now, NULL, "");
	mk(&eph, &K1, 20000, now, NULL, "");
	mk(&repl, &K1, 10002, now, NULL, "");
	mk(&addr, &K1, 30023, now, "[[\"d\",\"slug\"],[\"d\",\"second\"]]", "");
	static const char *const fail_sig = "invalid: signature does not verify";
	struct { nostr_event *ev; ingest_status st; const char *msg; const char *d; } cases[] = {
		{&ok, INGEST_STORE, "", NULL},
		{&big, INGEST_REFUSED, "invalid: event too large (", NULL},
		{&tags, INGEST_REFUSED, "invalid: too many tags (4 > 3)", NULL},
		{&exp, INGEST_REFUSED, "invalid: event has expired", NULL},
		{&badexp, INGEST_REFUSED, "invalid: expiration tag is not a unix timestamp", NULL},
		{&future, INGEST_STORE, "", NULL},
		{&auth, INGEST_REFUSED, "invalid: kind 22242 is for AUTH only and is never published", NULL},
		{&eph, INGEST_EPHEMERAL, "", NULL},
		{&repl, INGEST_STORE, "", ""},
		{&addr, INGEST_STORE, "", "slug"},
	};
	for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
		buf f = BUF_INIT;
		buf_puts(&f, "[\"EVENT\",");
		event_write(&f, cases[i].ev);
		buf_putc(&f, ']');
		ingest_result r;
		ingest_status st = relay_ingest_frame(&c, f.p, f.len, now, &r);
		t_eq_int(st, cases[i].st, "ingest case %zu: status", i);
		if (cases[i].msg[0])
			t_ok(strncmp(r.message, cases[i].msg, strlen(cases[i].msg)) == 0, "ingest case %zu: \"%s\"", i, r.message);
		if (st == INGEST_STORE || st == INGEST_EPHEMERAL) {
			buf want = BUF_INIT;
			event_write(&want, cases[i].ev);
			t_ok(r.re.json_len == want.len && memcmp(r.re.json, want.p, want.len) == 0,
			     "ingest case %zu: stored JSON is event_write's", i);
			buf_free(&want);
			if (cases[i].d)
				t_eq_str(r.re.d, cases[i].d, "ingest case %zu: address d", i);
			else
				t_ok(r.re.d == NULL, "ingest case %zu: no address", i);
		}
		ingest_result_free(&r);
		buf_free(&f);
	}
	/* tampering, each caught by the one check it breaks */
	struct { const char *what; const char *msg; } tamper[] = {
		{"sig", fail_sig}, {"content", "invalid: event id does not match its content"},
		{"pubkey", "invalid: pubkey is not a valid public key"},
	};
	for (size_t i = 0; i < 3; i++) {
		nostr_event t;
		event_copy(&t, &ok);
		if (i == 0)
			t.sig[5] ^= 1;
		if (i == 1) {
			event_set_content(&t, "hellO", 5);
		}
		if (i == 2) {
			memset(t.pubkey, 0xff, 32);   /* not an x coordinate on the curve ... */
			event_compute_id(&t, t.id);   /* ... with a matching id */
		}
		ingest_result r;
		relay_ingest_event(&c, &t, now, &r);
		t_eq_str(r.message, tamper[i].msg, "tampered %s", tamper[i].what);
		ingest_result_free(&r);
	}
	ingest_result r;
	t_eq_int(relay_ingest_frame(&c, "[\"EVENT\",{\"id\":1}]", 18, now, &r), INGEST_NOTICE, "no id: NOTICE");
	t_eq_str(r.message, "invalid: EVENT: id: not a string", "no id: message");
	ingest_result_free(&r);
	/* one-pass serialization */
	buf pre = BUF_INIT, json = BUF_INIT, want = BUF_INIT;
	relay_event_serialize(&addr, &pre, &json);
	event_serialize(&want, &addr);
	t_ok(pre.len == want.len && memcmp(pre.p, want.p, pre.len) == 0, "preimage == event_serialize");
	t_ok(relay_frame_is_event(" [ \"EVENT\",{}]", 14) && !relay_frame_is_event("[\"REQ\"", 6) &&
	     !relay_frame_is_event("[\"EVEN", 6), "relay_frame_is_event");
	buf_free(&pre);
	buf_free(&json);
	buf_free(&want);
	nostr_event *all[] = {&ok, &big, &tags, &exp, &badexp, &future, &auth, &eph, &repl, &addr};
	for (size_t i = 0; i < sizeof all / sizeof *all; i++)
		event_free(all[i]);
}

/* ---------------------------------------------------------------- store */

static relay_event rev(const mu_key *k, uint32_t kind, uint64_t at, const char *tags, const char *content)
{
	relay_config c;
	relay_config_defaults(&c);
	nostr_event ev;
	mk(&ev, k, kind, at, tags, content);
	ingest_result r;
	relay_ingest_event(&c, &ev, 1000, &r);
	if (r.status != INGEST_STORE && r.status != INGEST_EPHEMERAL)
		t_diag("rev: %s", r.message);
	return r.re;   /* moved out */
}

typedef struct rows {
	char got[400];
} rows;

static bool collect(void *ctx, const char *json, size_t len)
{
	rows *r = ctx;
	jv v = json_parse(json, len, 0, NULL);
	const char *c = json_get_str(v, "content", NULL);
	size_t n = strlen(r->got);
	snprintf(r->got + n, sizeof r->got - n, "%s%s", n ? "," : "", c ? c : "?");
	jv_free(v);
	return true;
}

static const char *query(relay_store *s, const char *filters, uint64_t now, const store_reader *rd)
{
	static rows r;
	memset(&r, 0, sizeof r);
	rmsg m;
	char req[600];
	snprintf(req, sizeof req, "[\"REQ\",\"q\",%s]", filters);
	if (rmsg_parse_client(&m, req, strlen(req), NULL, 0) != RMSG_OK_PARSED)
		return "(bad filter)";
	if (!relay_store_query(s, m.filters, m.n_filters, now, 3, rd, collect, &r))
		snprintf(r.got, sizeof r.got, "(query failed)");
	rmsg_free(&m);
	return r.got;
}

static void test_store(void)
{
	relay_store *s;
	char err[200];
	t_eq_int(relay_store_open(&s, ":memory:", false, err, sizeof err), DB_OK, "store opens (%s)", err);
	char pk2[65], tagp2[100];
	hex_encode(pk2, K2.pk, 32);
	snprintf(tagp2, sizeof tagp2, "[[\"p\",\"%s\"]]", pk2);
	struct { relay_event re; store_put want; const char *what; } seq[] = {
		{rev(&K1, 1, 100, "[[\"t\",\"a\"]]", "n1"), STORE_PUT_ADDED, "regular"},
		{rev(&K1, 1, 100, "[[\"t\",\"a\"]]", "n1"), STORE_PUT_ADDED, "(same content, new sig: same id?)"},
		{rev(&K1, 10002, 200, NULL, "r-old"), STORE_PUT_ADDED, "replaceable first"},
		{rev(&K1, 10002, 300, NULL, "r-new"), STORE_PUT_ADDED, "replaceable newer"},
		{rev(&K1, 10002, 250, NULL, "r-mid"), STORE_PUT_SUPERSEDED, "replaceable older"},
		{rev(&K2, 10002, 100, NULL, "r-k2"), STORE_PUT_ADDED, "replaceable other author"},
		{rev(&K1, 30000, 100, "[[\"d\",\"x\"]]", "a-x"), STORE_PUT_ADDED, "addressable x"},
		{rev(&K1, 30000, 50, "[[\"d\",\"y\"]]", "a-y"), STORE_PUT_ADDED, "addressable y"},
		{rev(&K1, 30000, 99, "[[\"d\",\"x\"]]", "a-x-old"), STORE_PUT_SUPERSEDED, "addressable x older"},
		{rev(&K1, 1059, 150, tagp2, "gift"), STORE_PUT_ADDED, "restricted kind"},
		{rev(&K1, 1, 160, "[[\"expiration\",\"2000\"]]", "expiring"), STORE_PUT_ADDED, "expiring"},
	};
	/* the second n1 is signed with fresh randomness: same id (the id does not
	 * cover the signature), so it is a duplicate */
	seq[1].want = STORE_PUT_DUPLICATE;
	seq[1].what = "same id again";
	relay_store_begin(s);
	for (size_t i = 0; i < sizeof seq / sizeof *seq; i++)
		t_eq_int(relay_store_put(s, &seq[i].re, NULL), seq[i].want, "put: %s", seq[i].what);
	t_ok(relay_store_commit(s), "commit");
	/* ties: the lowest id stays, in either order */
	relay_event t1 = rev(&K1, 0, 500, NULL, "tie-1"), t2 = rev(&K1, 0, 500, NULL, "tie-2");
	bool one_low = memcmp(t1.ev.id, t2.ev.id, 32) < 0;
	relay_store_begin(s);
	store_put p1 = relay_store_put(s, one_low ? &t2 : &t1, NULL);
	int replaced = 0;
	store_put p2 = relay_store_put(s, one_low ? &t1 : &t2, &replaced);
	store_put p3 = relay_store_put(s, one_low ? &t2 : &t1, NULL);
	relay_store_commit(s);
	t_ok(p1 == STORE_PUT_ADDED && p2 == STORE_PUT_ADDED && replaced == 1 && p3 == STORE_PUT_SUPERSEDED,
	     "tie on created_at: the lower id replaces, the higher is superseded");
	t_eq_str(query(s, "{\"kinds\":[0]}", 1000, NULL), one_low ? "tie-1" : "tie-2", "tie: lowest id served");

	t_eq_str(query(s, "{\"kinds\":[10002]}", 1000, NULL), "r-new,r-k2", "replaceable: newest per author");
	t_eq_str(query(s, "{\"kinds\":[30000]}", 1000, NULL), "a-x,a-y", "addressable: newest per d");
	t_eq_str(query(s, "{\"#d\":[\"y\"]}", 1000, NULL), "a-y", "#d");
	t_eq_str(query(s, "{\"#t\":[\"a\"]}", 1000, NULL), "n1", "#t");
	t_eq_str(query(s, "{\"kinds\":[1]}", 1000, NULL), "expiring,n1", "kinds, newest first");
	t_eq_str(query(s, "{\"kinds\":[1]}", 2000, NULL), "n1", "expired events are not served");
	t_eq_str(query(s, "{}", 1000, NULL), one_low ? "tie-1,r-new,expiring" : "tie-2,r-new,expiring",
		 "max_limit clamps a filter without limit");
	t_eq_str(query(s, "{\"limit\":1}", 1000, NULL), one_low ? "tie-1" : "tie-2", "limit");
	t_eq_str(query(s, "{\"limit\":0}", 1000, NULL), "", "limit 0");
	t_eq_str(query(s, "{\"kinds\":[1],\"limit\":1},{\"kinds\":[1]}", 1000, NULL), "expiring,n1",
		 "two filters: union, each event once");
	t_eq_str(query(s, "{\"since\":150,\"until\":160}", 1000, NULL), "expiring,gift", "since/until inclusive");
	t_eq_str(query(s, "{\"since\":18446744073709551615}", 1000, NULL), "", "since beyond i64");
	t_eq_str(query(s, "{\"until\":18446744073709551615,\"kinds\":[1059]}", 1000, NULL), "gift", "until beyond i64");
	/* restricted kinds */
	uint16_t restricted[] = {1059, 14};
	store_reader anon = {.restricted = restricted, .n_restricted = 2};
	store_reader as1 = anon, as2 = anon;
	as1.authed = (const uint8_t (*)[32])K1.pk;
	as1.n_authed = 1;
	as2.authed = (const uint8_t (*)[32])K2.pk;
	as2.n_authed = 1;
	t_eq_str(query(s, "{\"kinds\":[1059]}", 1000, &anon), "", "restricted: not served anonymously");
	t_eq_str(query(s, "{\"kinds\":[1059]}", 1000, &as1), "", "restricted: not served to the author");
	t_eq_str(query(s, "{\"kinds\":[1059]}", 1000, &as2), "gift", "restricted: served to the p-tagged recipient");
	rmsg m;
	const char *cf = "[\"COUNT\",\"c\",{\"kinds\":[1]},{\"kinds\":[1,1059]}]";
	t_eq_int(rmsg_parse_client(&m, cf, strlen(cf), NULL, 0), RMSG_OK_PARSED, "COUNT frame parses");
	uint64_t n = 99;
	t_ok(relay_store_count(s, m.filters, m.n_filters, 1000, &anon, &n) && n == 2, "COUNT: distinct, restricted hidden");
	t_ok(relay_store_count(s, m.filters, m.n_filters, 1000, &as2, &n) && n == 3, "COUNT: restricted for the recipient");
	rmsg_free(&m);
	long before = relay_store_size(s);
	t_eq_int(relay_store_purge_expired(s, 1999), 0, "purge: nothing expired yet");
	t_eq_int(relay_store_purge_expired(s, 2000), 1, "purge: the expired event");
	t_eq_int(relay_store_size(s), before - 1, "purge: one fewer stored");
	for (size_t i = 0; i < sizeof seq / sizeof *seq; i++)
		relay_event_free(&seq[i].re);
	relay_event_free(&t1);
	relay_event_free(&t2);
	relay_store_close(s);
}

static atomic_int hits[1000];

static void hit(void *ctx, size_t i)
{
	(void)ctx;
	atomic_fetch_add(&hits[i], 1);
}

static atomic_int dones;

static void on_done(void *ctx)
{
	(void)ctx;
	atomic_fetch_add(&dones, 1);
}

static void test_workpool(void)
{
	for (unsigned th = 0; th <= 3; th++) {
		workpool *p = workpool_new(th);
		bool ok = true;
		for (int round = 0; round < 50; round++) {
			size_t n = (size_t)(round * 37 % 1000);
			for (size_t i = 0; i < 1000; i++)
				atomic_store(&hits[i], 0);
			workpool_run(p, n, 2, hit, NULL);
			for (size_t i = 0; i < 1000; i++)
				ok &= atomic_load(&hits[i]) == (i < n ? 1 : 0);
		}
		t_ok(ok && workpool_threads(p) == th, "workpool with %u helpers: every item exactly once", th);
		ok = true;
		atomic_store(&dones, 0);
		int expect_done = 0;
		for (int round = 0; round < 50; round++) {
			size_t n = (size_t)(round * 53 % 1000);
			for (size_t i = 0; i < 1000; i++)
				atomic_store(&hits[i], 0);
			workpool_start(p, n, hit, NULL, on_done);
			workpool_wait(p);
			expect_done += th > 0 && n > 0;
			for (size_t i = 0; i < 1000; i++)
				ok &= atomic_load(&hits[i]) == (i < n ? 1 : 0);
		}
		workpool_wait(p);   /* nothing started: returns at once */
		t_ok(ok, "workpool_start/wait with %u helpers: every item exactly once", th);
		t_eq_int(atomic_load(&dones), expect_done, "workpool_start with %u helpers: done called once per job", th);
		workpool_free(p);
	}
}

static void test_accept(void)
{
	static const struct { const char *accept; bool nip11; } accepts[] = {
		{"application/nostr+json", true},
		{"Application/Nostr+JSON", true},
		{"APPLICATION/NOSTR+JSON;q=0.5", true},
		{"text/html, application/nostr+json ; q=0.9", true},
		{"text/html,application/nostr+json", true},
		{" \tapplication/nostr+json\t", true},
		{"", false},
		{"*/*", false},
		{"application/json", false},
		{"application/nostr+jsonx", false},
		{"xapplication/nostr+json", false},
		{"text/plain; profile=application/nostr+json", false},
		{"application/nostr", false},
		{"application/nostr+json;q=0", false},           /* weight 0: not acceptable */
		{"application/nostr+json; Q=0.000", false},
		{"application/nostr+json;q=0.5;level=1", true},
		{"application/nostr+json;q=0.01", true},
		{"text/html;q=0, application/nostr+json", true},
	};
	for (size_t i = 0; i < sizeof accepts / sizeof *accepts; i++)
		t_ok(relay_accept_wants_nip11(accepts[i].accept) == accepts[i].nip11, "accept \"%s\": %s",
		     accepts[i].accept, accepts[i].nip11 ? "NIP-11" : "not NIP-11");
	/* no length limit: the type after 4000 bytes of other ranges */
	char long_accept[5000] = "";
	for (int i = 0; i < 200; i++)
		strcat(long_accept, "application/x-type-00, ");
	strcat(long_accept, "application/nostr+json");
	t_ok(relay_accept_wants_nip11(long_accept), "accept: a %zu-byte header still names it", strlen(long_accept));
}

typedef struct seen_lines {
	char   v[16][300];
	size_t n;
} seen_lines;

static void collect_line(void *ctx, const char *line)
{
	seen_lines *o = ctx;
	snprintf(o->v[o->n % 16], sizeof o->v[0], "%s", line);
	o->n++;
}

static void test_log(void)
{
	t_ok(relay_log_key("accept: errno 24") == relay_log_key("accept: errno 23"),
	     "log: digits do not make another kind of line");
	t_ok(relay_log_key("accept: errno 24") != relay_log_key("refusing connections"), "log: other text does");
	seen_lines o = {0};
	relay_log l;
	relay_log_init(&l, 10, collect_line, &o);
	/* a flood of one line: the first printed, the rest counted */
	size_t printed = 0;
	for (int i = 0; i < 100000; i++)
		printed += relay_log_line(&l, 100.0 + i * 0.00001, i % 2 ? "accept: errno 24" : "accept: errno 23");
	t_eq_int((long long)printed, 1, "log: 100000 repeats within the window print once");
	t_ok(relay_log_line(&l, 100.5, "another line"), "log: another kind is printed at once");
	relay_log_tick(&l, 105);
	t_eq_int((long long)o.n, 2, "log: nothing more before the window is over");
	relay_log_tick(&l, 110.2);
	t_eq_int((long long)o.n, 3, "log: at the window's end, one summary line");
	t_eq_str(o.v[2], "accept: errno 24 (and 99999 more like it in 10 s)", "log: the summary counts the left out");
	relay_log_tick(&l, 200);
	t_eq_int((long long)o.n, 3, "log: a window without repeats ends silently");
	t_ok(relay_log_line(&l, 200.1, "accept: errno 24"), "log: after the window the line is printed again");
	/* more kinds than slots: the oldest makes room, its count reported */
	relay_log_line(&l, 200.2, "accept: errno 24");
	o.n = 0;
	char line[64];
	for (int i = 0; i < RELAY_LOG_SLOTS; i++) {
		snprintf(line, sizeof line, "kind %c%c", 'a' + i % 26, 'a' + i / 26);
		relay_log_line(&l, 201 + i * 0.01, line);
	}
	t_eq_int((long long)o.n, RELAY_LOG_SLOTS + 1, "log: %d new kinds printed, and one summary", RELAY_LOG_SLOTS);
	t_eq_str(o.v[(o.n - 2) % 16], "accept: errno 24 (and 1 more like it in 1 s)",
		 "log: the kind evicted for the last one reports its count first");
}

int main(void)
{
	keys_init();
	test_log();
	test_accept();
	test_listen();
	test_url_match();
	test_auth();
	test_ingest();
	test_store();
	test_workpool();
	key_wipe(&K1);
	key_wipe(&K2);
	return t_done();
}
