/* Relay URL normalization (relay-urls.jsonl: input -> normalized or error),
 * URL splitting for sockets, NIP-11 http form, and relay lists (dedupe, CSV). */
#include <stdlib.h>
#include <string.h>

#include "json.h"
#include "relay_url.h"
#include "t.h"

static const char *err_name(relay_url_err e)
{
	switch (e) {
	case RELAY_URL_OK: return "ok";
	case RELAY_URL_ERR_EMPTY: return "empty";
	case RELAY_URL_ERR_SCHEME: return "scheme";
	case RELAY_URL_ERR_HOST: return "host";
	case RELAY_URL_ERR_PORT: return "port";
	case RELAY_URL_ERR_CHARS: return "chars";
	}
	return "?";
}

static void check(jv rec, int lineno, void *ctx)
{
	(void)ctx;
	const char *in = json_get_str(rec, "in", NULL);
	const char *want = json_get_str(rec, "out", NULL);
	const char *want_err = json_get_str(rec, "error", NULL);
	buf out = BUF_INIT;
	relay_url_err e = relay_url_normalize(in, &out);
	if (want) {
		t_eq_str(e ? err_name(e) : out.p, want, "line %d: \"%s\" normalizes", lineno, in);
		/* normalization is idempotent */
		buf again = BUF_INIT;
		relay_url_normalize(out.p, &again);
		t_eq_str(again.p, want, "line %d: normalizing twice changes nothing", lineno);
		buf_free(&again);
	} else {
		t_eq_str(err_name(e), want_err, "line %d: \"%s\" is refused", lineno, in);
	}
	buf_free(&out);
}

static void test_parse(void)
{
	static const struct {
		const char *in, *host, *hostport, *path;
		int port;
		bool tls;
	} cases[] = {
		{"localhost:7777", "localhost", "localhost:7777", "/", 7777, false},
		{"relay.example.com", "relay.example.com", "relay.example.com", "/", 443, true},
		{"ws://[::1]:9/a?b=c", "::1", "[::1]:9", "/a?b=c", 9, false},
		{"ws://h?x", "h", "h", "/?x", 80, false},
	};
	for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
		relay_url u;
		relay_url_err e = relay_url_parse(cases[i].in, &u);
		t_eq_int(e, RELAY_URL_OK, "parse %s", cases[i].in);
		t_eq_str(u.host, cases[i].host, "parse %s: host", cases[i].in);
		t_eq_str(u.hostport, cases[i].hostport, "parse %s: Host header", cases[i].in);
		t_eq_str(u.path, cases[i].path, "parse %s: path", cases[i].in);
		t_eq_int(u.port, cases[i].port, "parse %s: port", cases[i].in);
		t_eq_int(u.tls, cases[i].tls, "parse %s: tls", cases[i].in);
	}
}

static void test_http(void)
{
	buf b = BUF_INIT;
	t_eq_int(relay_url_http("relay.example.com/x", &b), RELAY_URL_OK, "http form ok");
	t_eq_str(b.p, "https://relay.example.com/x", "wss -> https");
	relay_url_http("localhost:5", &b);
	t_eq_str(b.p, "http://localhost:5", "ws -> http");
	buf_free(&b);
}

static void test_list(void)
{
	relay_list l = RELAY_LIST_INIT;
	char bad[64] = "";
	t_eq_int(relay_list_add_csv(&l, "relay.example.com, wss://relay.example.com/,,localhost:1", bad, sizeof bad),
		 RELAY_URL_OK, "csv list parses");
	t_eq_int(relay_list_add(&l, "WSS://RELAY.example.com:443"), RELAY_URL_OK, "duplicate add is ok");
	t_eq_int((long long)l.n, 2, "duplicates collapse to one entry");
	t_eq_str(l.urls[0], "wss://relay.example.com", "first keeps its position");
	t_eq_str(l.urls[1], "ws://localhost:1", "second");
	t_eq_int(relay_list_add_csv(&l, "a.example,ftp://x", bad, sizeof bad), RELAY_URL_ERR_SCHEME, "bad csv entry");
	t_eq_str(bad, "ftp://x", "bad entry is named");
	t_eq_int((long long)l.n, 3, "entries before the bad one stay");
	relay_list_free(&l);
}

int main(void)
{
	int n = t_jsonl("relay-urls.jsonl", check, NULL);
	t_ok(n >= 20, "relay-urls.jsonl has %d records", n);
	test_parse();
	test_http();
	test_list();
	return t_done();
}
