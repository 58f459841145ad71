/* LNURL without the network (lib/lnurl.h): the SSRF address table, target
 * parsing (Lightning Addresses, LUD-01 bech32 LNURLs of any length, either
 * case), callback URL construction (query kept, amount/comment replaced,
 * LUD-12 comment fit), and the amount checks that run before any request.
 * The HTTP side is tested through mostro-ln against tests/lnurl-fixture.mjs
 * (tests/ln-lnurl.bats). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bech32.h"
#include "buf.h"
#include "lnurl.h"
#include "t.h"

static const struct {
	const char *ip;
	bool forbidden;          /* in production */
	bool forbidden_private;  /* with the test-only allow_private */
} ips[] = {
	{"93.184.216.34", false, false},
	{"8.8.8.8", false, false},
	{"0.0.0.0", true, true},
	{"255.255.255.255", true, true},
	{"224.0.0.1", true, true},
	{"239.255.255.250", true, true},
	{"169.254.169.254", true, true},
	{"169.254.0.1", true, true},
	{"192.0.2.1", true, true},
	{"198.51.100.7", true, true},
	{"203.0.113.200", true, true},
	{"100.64.0.1", true, true},
	{"100.127.255.254", true, true},
	{"100.63.255.255", false, false},
	{"100.128.0.0", false, false},
	{"127.0.0.1", true, false},
	{"127.8.9.10", true, false},
	{"10.0.0.1", true, false},
	{"172.16.0.1", true, false},
	{"172.31.255.255", true, false},
	{"172.32.0.1", false, false},
	{"172.15.255.255", false, false},
	{"192.168.1.1", true, false},
	{"192.169.0.1", false, false},
	{"2606:2800:220:1:248:1893:25c8:1946", false, false},
	{"::", true, true},
	{"::1", true, false},
	{"ff02::1", true, true},
	{"fe80::1", true, true},
	{"febf::1", true, true},
	{"fec0::1", false, false},
	{"fc00::1", true, false},
	{"fd12:3456::1", true, false},
	{"64:ff9b::a9fe:a9fe", true, true},
	{"::ffff:169.254.169.254", true, true},
	{"::ffff:127.0.0.1", true, false},
	{"::ffff:10.1.2.3", true, false},
	{"::ffff:93.184.216.34", false, false},
	{"::ffff:100.64.0.1", true, true},
	{"example.com", true, true},
	{"", true, true},
	{"1.2.3", true, true},
};

static void test_ip_policy(void)
{
	for (size_t i = 0; i < sizeof ips / sizeof *ips; i++) {
		t_ok(lnurl_ip_forbidden(ips[i].ip, false) == ips[i].forbidden, "address %s %s in production",
		     ips[i].ip, ips[i].forbidden ? "forbidden" : "allowed");
		t_ok(lnurl_ip_forbidden(ips[i].ip, true) == ips[i].forbidden_private,
		     "address %s %s with the test override", ips[i].ip,
		     ips[i].forbidden_private ? "forbidden" : "allowed");
	}
}

/* LUD-01's example, 296 characters: no 90-character limit. */
static const char *LUD01 =
	"LNURL1DP68GURN8GHJ7UM9WFMXJCM99E3K7MF0V9CXJ0M385EKVCENXC6R2C35XVUKXEFCV5MKVV34X5EKZD3EV56NYD3HXQURZEPE"
	"XEJXXEPNXSCRVWFNV9NXZCN9XQ6XYEFHVGCXXCMYXYMNSERXFQ5FNS";
static const char *LUD01_URL =
	"https://service.com/api?q=3fc3645b439ce8e7f2553a69e5267081d96dcd340693afabe04be7b0ccd178df";

static void test_targets(void)
{
	lnurl_opts prod, test;
	lnurl_opts_defaults(&prod);
	lnurl_opts_defaults(&test);
	test.allow_private = true;
	static const struct { const char *target; bool allow; const char *url; const char *err; } cases[] = {
		{"satoshi@example.com", false, "https://example.com/.well-known/lnurlp/satoshi", "ok"},
		{"MostroP2P@127.0.0.1", false, "https://127.0.0.1/.well-known/lnurlp/MostroP2P", "ok"},
		{"a.b_c-d+e@pay.example.org", false, "https://pay.example.org/.well-known/lnurlp/a.b_c-d+e", "ok"},
		{"ok@127.0.0.1:8080", true, "http://127.0.0.1:8080/.well-known/lnurlp/ok", "ok"},
		{"ok@localhost", false, "https://localhost/.well-known/lnurlp/ok", "ok"},
		{"", false, NULL, "bad_target"},
		{"nobody", false, NULL, "bad_target"},
		{"@example.com", false, NULL, "bad_target"},
		{"user@", false, NULL, "bad_target"},
		{"a@b@example.com", false, NULL, "bad_target"},
		{"us er@example.com", false, NULL, "bad_target"},
		{"user@exa mple.com", false, NULL, "bad_target"},
		{"user@example.com/path", false, NULL, "bad_target"},
		{"user@.example.com", false, NULL, "bad_target"},
		{"user@example.com:", false, NULL, "bad_target"},
		{"user@example.com:123456", false, NULL, "bad_target"},
		{"user@[::1]", false, NULL, "bad_target"},
		{"lnbc1pvjluez", false, NULL, "bad_target"},
		{"lnurl1dp68gurn8ghj7um9", false, NULL, "bad_target"},
	};
	for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
		char *url = NULL;
		char detail[160];
		lnurl_err e = lnurl_target_url(cases[i].target, cases[i].allow ? &test : &prod, &url, detail, sizeof detail);
		t_eq_str(lnurl_reason(e), cases[i].err, "target '%s' -> %s", cases[i].target, cases[i].err);
		if (cases[i].url)
			t_eq_str(url, cases[i].url, "target '%s' -> %s", cases[i].target, cases[i].url);
		free(url);
	}
	char *url = NULL;
	t_ok(lnurl_target_url(LUD01, &prod, &url, NULL, 0) == LNURL_OK && url && strcmp(url, LUD01_URL) == 0,
	     "LUD-01 example (uppercase, %zu chars) -> its URL", strlen(LUD01));
	free(url);
	char *lower = mu_xstrdup(LUD01);
	for (char *p = lower; *p; p++)
		if (*p >= 'A' && *p <= 'Z')
			*p = (char)(*p - 'A' + 'a');
	t_ok(lnurl_target_url(lower, &prod, &url, NULL, 0) == LNURL_OK && url && strcmp(url, LUD01_URL) == 0,
	     "LUD-01 example in lowercase");
	free(url);
	lower[20] = lower[20] == 'q' ? 'p' : 'q';
	t_eq_str(lnurl_reason(lnurl_target_url(lower, &prod, &url, NULL, 0)), "bad_target", "LNURL with a bad checksum");
	free(lower);
	/* the right checksum under another prefix is not an LNURL */
	buf b = BUF_INIT;
	bech32_encode_bytes(&b, "lnurx", (const uint8_t *)"https://x.example/", 18);
	t_ok(!lnurl_is_target(b.p), "lnurx1... is not a target");
	buf_reset(&b);
	bech32_encode_bytes(&b, "lnurl", (const uint8_t *)"https://x.example/\n", 19);
	t_eq_str(lnurl_reason(lnurl_target_url(b.p, &prod, &url, NULL, 0)), "bad_url", "LNURL payload with a newline");
	buf_free(&b);
	t_ok(lnurl_is_target("a@b.c") && lnurl_is_target("LNURL1XYZ") && !lnurl_is_target("lnbc1xyz") &&
	     !lnurl_is_target("hello"), "format detection (mostrod's order: address or lnurl prefix)");
}

static void test_callback_urls(void)
{
	static const struct {
		const char *callback;
		uint64_t msat;
		const char *comment;
		uint64_t allowed;
		const char *want;
		bool sent;
	} cases[] = {
		{"https://h.example/cb", 1000, NULL, 0, "https://h.example/cb?amount=1000", false},
		{"https://h.example/cb?id=abc", 5000, NULL, 10, "https://h.example/cb?id=abc&amount=5000", false},
		{"https://h.example/cb?amount=1&id=abc&comment=old", 7, "new", 10,
		 "https://h.example/cb?id=abc&amount=7&comment=new", true},
		{"https://h.example/cb?%61mount=1&x=%20y", 7, NULL, 0, "https://h.example/cb?x=%20y&amount=7", false},
		{"https://h.example/cb?amountx=1&amount", 8, NULL, 0, "https://h.example/cb?amountx=1&amount=8", false},
		{"https://h.example/cb", 1, "mostro-dev-fee order=1 node=npub", 64,
		 "https://h.example/cb?amount=1&comment=mostro-dev-fee+order%3d1+node%3dnpub", true},
		{"https://h.example/cb", 1, "h\xc3\xa9llo", 5, "https://h.example/cb?amount=1&comment=h%c3%a9llo", true},
		{"https://h.example/cb", 1, "h\xc3\xa9llo!", 5, "https://h.example/cb?amount=1", false},
		{"https://h.example/cb", 1, "hi", 0, "https://h.example/cb?amount=1", false},
		{"https://h.example/cb", 1, "", 10, "https://h.example/cb?amount=1", false},
		{"https://h.example:8443/p/a/t/h?q=1#frag", 2, NULL, 0, "https://h.example:8443/p/a/t/h?q=1&amount=2#frag", false},
	};
	for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
		char *url = NULL;
		bool sent = !cases[i].sent;
		lnurl_err e = lnurl_callback_url(cases[i].callback, cases[i].msat, cases[i].comment,
						 cases[i].allowed, &url, &sent);
		t_ok(e == LNURL_OK, "callback %zu builds", i);
		t_eq_str(url, cases[i].want, "callback %s + %llu msat", cases[i].callback, (unsigned long long)cases[i].msat);
		t_ok(sent == cases[i].sent, "callback %zu: comment %s", i, cases[i].sent ? "sent" : "dropped");
		free(url);
	}
	char *url = NULL;
	bool sent;
	t_eq_str(lnurl_reason(lnurl_callback_url("not a url", 1, NULL, 0, &url, &sent)), "bad_callback",
		 "callback that does not parse");
	t_ok(url == NULL, "no URL on error");
}

static void test_amount_checks(void)
{
	/* these fail before any request: the callback host would be refused anyway */
	lnurl_pay pay = {0};
	pay.callback = mu_xstrdup("https://169.254.169.254/cb");
	pay.min_sendable = 1000;
	pay.max_sendable = 5000;
	lnurl_opts o;
	lnurl_opts_defaults(&o);
	lnurl_invoice inv;
	char detail[160];
	t_eq_str(lnurl_reason(lnurl_fetch_invoice(&pay, 0, NULL, &o, &inv, detail, sizeof detail)),
		 "amount_out_of_range", "0 sat below minSendable");
	lnurl_invoice_free(&inv);
	t_eq_str(lnurl_reason(lnurl_fetch_invoice(&pay, 6, NULL, &o, &inv, detail, sizeof detail)),
		 "amount_out_of_range", "6 sat above maxSendable (msat units)");
	lnurl_invoice_free(&inv);
	t_eq_str(lnurl_reason(lnurl_fetch_invoice(&pay, UINT64_MAX / 1000 + 1, NULL, &o, &inv, detail, sizeof detail)),
		 "bad_amount", "amount_sat * 1000 overflow");
	lnurl_invoice_free(&inv);
	t_eq_str(lnurl_reason(lnurl_fetch_invoice(&pay, 5, NULL, &o, &inv, detail, sizeof detail)),
		 "forbidden_address", "in range: the callback goes through the address policy");
	t_ok(inv.callback_url && strstr(inv.callback_url, "amount=5000"), "callback carries amount=5000 msat");
	lnurl_invoice_free(&inv);
	pay.max_sendable = 0;    /* missing maxSendable reads as 0: nothing fits */
	t_eq_str(lnurl_reason(lnurl_fetch_invoice(&pay, 1, NULL, &o, &inv, detail, sizeof detail)),
		 "amount_out_of_range", "missing maxSendable (0) refuses every amount");
	lnurl_invoice_free(&inv);
	lnurl_pay_free(&pay);
	/* the policy holds for the first GET too, before any DNS */
	t_eq_str(lnurl_reason(lnurl_fetch_pay("ok@169.254.169.254", &o, &pay, detail, sizeof detail)),
		 "forbidden_address", "address on a link-local IP refused");
	lnurl_pay_free(&pay);
	o.allow_private = true;
	t_eq_str(lnurl_reason(lnurl_fetch_pay("ok@169.254.169.254", &o, &pay, detail, sizeof detail)),
		 "forbidden_address", "link-local refused even with the test override");
	lnurl_pay_free(&pay);
	int distinct = 1;
	for (int i = 0; i < LNURL_ERR_COUNT; i++)
		for (int j = i + 1; j < LNURL_ERR_COUNT; j++)
			distinct &= strcmp(lnurl_reason((lnurl_err)i), lnurl_reason((lnurl_err)j)) != 0;
	t_ok(distinct, "every LNURL error has its own reason code");
}

int main(void)
{
	test_ip_policy();
	test_targets();
	test_callback_urls();
	test_amount_checks();
	return t_done();
}
