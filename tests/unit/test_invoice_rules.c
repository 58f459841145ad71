/* Mostro's payout-invoice rules (lib/invoice_rules.h).
 *
 * fixtures: the four invoices of mostrod's tests (mostro-invoices.jsonl, §b.4)
 *           decode to the recorded fields, and the rules give mostrod's verdicts.
 * table:    invoices signed with the sim key, one rule at its boundary per
 *           row (LIGHTNING.md §d.4): amount ± 1 sat, fee > amount, minimum,
 *           window edge, CLTV 432/433, network, lnbc0, 1000500 msat, payout mode. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bolt11.h"
#include "invoice_rules.h"
#include "json.h"
#include "sha256.h"
#include "t.h"

static uint8_t sim_sk[32];

/* ---- the mostrod fixtures ------------------------------------------------ */

typedef struct fixture_case {
	const char *name;      /* fixture */
	invoice_mode mode;
	bool has_amount;
	uint64_t amount, fee;
	long long now_offset;  /* now = timestamp + offset */
	const char *want;
} fixture_case;

/* 2026-09-01: every fixture is long expired then. */
#define NOW_2026 1788220800ull

static const fixture_case fixture_cases[] = {
	/* mostrod: is_valid_invoice(INVOICE_500U, Some(23), None) fails */
	{"INVOICE_500U", INVOICE_MODE_BUYER, true, 23, 0, -1, "expired"},
	{"INVOICE_500U", INVOICE_MODE_BUYER, true, 23, 0, 60, "wrong_amount"},
	{"INVOICE_500U", INVOICE_MODE_BUYER, true, 50000, 0, 60, "ok"},
	{"INVOICE_500U", INVOICE_MODE_BUYER, true, 50300, 300, 60, "ok"},
	{"INVOICE_500U", INVOICE_MODE_BUYER, false, 0, 0, 60, "ok"},
	/* test_is_expired_invoice: is_valid_invoice(INVOICE_500U, None, None) */
	{"INVOICE_500U", INVOICE_MODE_BUYER, false, 0, 0, -1, "expired"},
	{"INVOICE_500U", INVOICE_MODE_PAYOUT, true, 23, 0, 60, "ok"},
	{"LNURL_PR", INVOICE_MODE_PAYOUT, false, 0, 0, 86400, "ok"},
	{"LNURL_PR", INVOICE_MODE_PAYOUT, false, 0, 0, 86401, "expired"},
	{"LNURL_PR", INVOICE_MODE_BUYER, false, 0, 0, 86400 - 3600, "ok"},
	{"LNURL_PR", INVOICE_MODE_BUYER, false, 0, 0, 86400 - 3599, "expires_too_soon"},
	/* test_zero_amount_invoice: lnbc0 passes mostrod's amount checks, and
	 * then no payout can pay it: refused (zero_amount) unless compat */
	{"ZERO_AMOUNT", INVOICE_MODE_BUYER, true, 5000, 100, 60, "zero_amount"},
	{"ZERO_AMOUNT", INVOICE_MODE_BUYER, true, 0, 0, 60, "zero_amount"},
	{"ZERO_AMOUNT", INVOICE_MODE_BUYER, true, 100, 200, 60, "fee_exceeds_amount"},
	/* test_min_amount_invoice: 1 sat < min_payment_amount (and expired by now) */
	{"MIN_AMOUNT", INVOICE_MODE_BUYER, false, 0, 0, -1, "expired"},
	{"MIN_AMOUNT", INVOICE_MODE_BUYER, false, 0, 0, 60, "amount_below_minimum"},
	{"MIN_AMOUNT", INVOICE_MODE_BUYER, true, 1, 0, 60, "amount_below_minimum"},
};

static void check_fixture(jv rec, int lineno, void *ctx)
{
	(void)lineno;
	int *count = ctx;
	const char *name = json_get_str(rec, "name", NULL);
	size_t len;
	const char *s = json_get_str(rec, "invoice", &len);
	bolt11_invoice inv;
	bolt11_err e = bolt11_decode(&inv, s, len, 0, NULL, 0);
	t_ok(e == BOLT11_OK, "fixture %s decodes (%s)", name, bolt11_reason(e));
	jv got = bolt11_to_jv(&inv);
	static const char *keys[] = {"network", "amount_msat", "timestamp", "expiry",
				     "min_final_cltv_expiry", "features", "description"};
	for (size_t i = 0; i < sizeof keys / sizeof *keys; i++) {
		jv a = json_get(got, keys[i]), b = json_get(rec, keys[i]);
		char *as = json_dumps(a), *bs = json_dumps(b);
		t_eq_str(as, bs, "fixture %s: %s", name, keys[i]);
		free(as);
		free(bs);
		jv_free(a);
		jv_free(b);
	}
	jv_free(got);
	invoice_rules r;
	invoice_rules_defaults(&r);
	for (size_t i = 0; i < sizeof fixture_cases / sizeof *fixture_cases; i++) {
		const fixture_case *c = &fixture_cases[i];
		if (strcmp(c->name, name) != 0)
			continue;
		uint64_t now = c->now_offset < 0 ? NOW_2026 : inv.timestamp + (uint64_t)c->now_offset;
		invoice_expect ex = {c->has_amount, c->amount, c->fee};
		invoice_rule got_rule = invoice_check(&r, c->mode, &inv, &ex, now);
		t_eq_str(invoice_rule_reason(got_rule), c->want, "fixture %s %s amount=%s%llu fee=%llu now=ts%+lld: %s",
			 name, c->mode == INVOICE_MODE_BUYER ? "buyer" : "payout", c->has_amount ? "" : "none/",
			 (unsigned long long)c->amount, (unsigned long long)c->fee, c->now_offset, c->want);
		(*count)++;
	}
	/* the node's network decides: these fixtures are regtest or mainnet */
	r.node_network = BOLT11_REGTEST;
	invoice_rule nr = invoice_check(&r, INVOICE_MODE_PAYOUT, &inv, NULL, inv.timestamp);
	t_eq_str(invoice_rule_reason(nr), inv.network == BOLT11_REGTEST ? "ok" : "wrong_network",
		 "fixture %s against a regtest node", name);
	bolt11_free(&inv);
}

/* ---- synthetic invoices, one rule per row -------------------------------- */

typedef struct row {
	const char *name;
	bolt11_network net;
	bool has_amount;
	uint64_t msat;
	uint64_t expiry;            /* 0 = default 3600 (no x field) */
	uint64_t cltv;              /* 0 = default 18 (no c field) */
	bolt11_network node;        /* rules.node_network */
	bool compat;
	invoice_mode mode;
	bool has_expect;
	uint64_t amount, fee;
	long long now_offset;       /* now = timestamp + offset */
	const char *want;
} row;

#define TS 1750000000ull
#define B INVOICE_MODE_BUYER
#define P INVOICE_MODE_PAYOUT
#define REG BOLT11_REGTEST
#define MAIN BOLT11_MAINNET
#define ANY BOLT11_NET_UNKNOWN
#define DAY 86400

static const row rows[] = {
	{"exact amount - fee", REG, true, 99000000, DAY, 0, ANY, false, B, true, 100000, 1000, 0, "ok"},
	{"amount - fee + 1 sat", REG, true, 99001000, DAY, 0, ANY, false, B, true, 100000, 1000, 0, "wrong_amount"},
	{"amount - fee - 1 sat", REG, true, 98999000, DAY, 0, ANY, false, B, true, 100000, 1000, 0, "wrong_amount"},
	{"amountless with amount expected", REG, false, 0, DAY, 0, ANY, false, B, true, 100000, 1000, 0, "ok"},
	{"fee = amount, amountless", REG, false, 0, DAY, 0, ANY, false, B, true, 1000, 1000, 0, "ok"},
	{"fee > amount", REG, false, 0, DAY, 0, ANY, false, B, true, 1000, 1001, 0, "fee_exceeds_amount"},
	{"no amount expected", REG, true, 123456000, DAY, 0, ANY, false, B, false, 0, 0, 0, "ok"},
	{"market price order (amount 0) vs amount", REG, true, 5000000, DAY, 0, ANY, false, B, true, 0, 0, 0, "wrong_amount"},
	{"market price order (amount 0) vs amountless", REG, false, 0, DAY, 0, ANY, false, B, true, 0, 0, 0, "ok"},
	{"99 sat < min 100", REG, true, 99000, DAY, 0, ANY, false, B, false, 0, 0, 0, "amount_below_minimum"},
	{"100 sat = min", REG, true, 100000, DAY, 0, ANY, false, B, false, 0, 0, 0, "ok"},
	{"lnbc0 with amount expected", MAIN, true, 0, DAY, 0, ANY, false, B, true, 5000, 50, 0, "zero_amount"},
	{"lnbc0, no amount expected", MAIN, true, 0, DAY, 0, ANY, false, B, false, 0, 0, 0, "zero_amount"},
	{"lnbc0 with amount expected, mostrod_compat", MAIN, true, 0, DAY, 0, ANY, true, B, true, 5000, 50, 0, "ok"},
	{"lnbc0 below no minimum, mostrod_compat", MAIN, true, 0, DAY, 0, ANY, true, B, false, 0, 0, 0, "ok"},
	{"lnbc0, payout mode", MAIN, true, 0, DAY, 0, ANY, false, P, false, 0, 0, 0, "ok"},
	{"lnbc0, fee > amount first", MAIN, true, 0, DAY, 0, ANY, false, B, true, 10, 11, 0, "fee_exceeds_amount"},
	{"1000500 msat for 1000 sat", REG, true, 1000500, DAY, 0, ANY, false, B, true, 1000, 0, 0, "sub_satoshi_amount"},
	{"1000500 msat for 1000 sat, mostrod_compat", REG, true, 1000500, DAY, 0, ANY, true, B, true, 1000, 0, 0, "ok"},
	{"1000500 msat, payout mode", REG, true, 1000500, DAY, 0, ANY, false, P, true, 1000, 0, 0, "ok"},
	{"window: expires exactly at now + 3600", REG, true, 1000000, 7200, 0, ANY, false, B, false, 0, 0, 3600, "ok"},
	{"window: one second short", REG, true, 1000000, 7200, 0, ANY, false, B, false, 0, 0, 3601, "expires_too_soon"},
	{"window: default 3600 s invoice made now", REG, true, 1000000, 0, 0, ANY, false, B, false, 0, 0, 1, "expires_too_soon"},
	{"window: not applied in payout mode", REG, true, 1000000, 0, 0, ANY, false, P, false, 0, 0, 1, "ok"},
	{"expired: now = timestamp + expiry", REG, true, 1000000, 60, 0, ANY, false, P, false, 0, 0, 60, "ok"},
	{"expired: one second later", REG, true, 1000000, 60, 0, ANY, false, P, false, 0, 0, 61, "expired"},
	{"expired before the amount check", REG, true, 5000, 60, 0, ANY, false, B, true, 99, 0, 61, "expired"},
	{"timestamp in the future", REG, true, 1000000, DAY, 0, ANY, false, B, false, 0, 0, -100, "ok"},
	{"c = 432", REG, true, 1000000, DAY, 432, ANY, false, B, false, 0, 0, 0, "ok"},
	{"c = 433", REG, true, 1000000, DAY, 433, ANY, false, B, false, 0, 0, 0, "final_cltv_too_large"},
	{"c = 433, payout mode", REG, true, 1000000, DAY, 433, ANY, false, P, false, 0, 0, 0, "final_cltv_too_large"},
	{"default c (18)", REG, true, 1000000, DAY, 0, ANY, false, B, false, 0, 0, 0, "ok"},
	{"mainnet invoice, regtest node", MAIN, true, 1000000, DAY, 0, REG, false, B, false, 0, 0, 0, "wrong_network"},
	{"mainnet invoice, regtest node, payout", MAIN, true, 1000000, DAY, 0, REG, false, P, false, 0, 0, 0, "wrong_network"},
	{"regtest invoice, regtest node", REG, true, 1000000, DAY, 0, REG, false, B, false, 0, 0, 0, "ok"},
	{"signet invoice, testnet node", BOLT11_SIGNET, true, 1000000, DAY, 0, BOLT11_TESTNET, false, B, false, 0, 0, 0, "wrong_network"},
	{"network first: wrong network and expired", MAIN, true, 1000000, 60, 0, REG, false, B, false, 0, 0, 61, "wrong_network"},
	{"cltv before expiry", REG, true, 1000000, 60, 500, ANY, false, B, false, 0, 0, 61, "final_cltv_too_large"},
	{"amount before minimum", REG, true, 50000, DAY, 0, ANY, false, B, true, 60, 0, 0, "wrong_amount"},
	{"minimum before window", REG, true, 50000, 60, 0, ANY, false, B, true, 50, 0, 0, "amount_below_minimum"},
};

static void run_row(const row *r)
{
	bolt11_invoice inv;
	uint16_t feats[] = {9, 14, 17};
	bolt11_invoice_init(&inv);
	inv.network = r->net;
	inv.has_amount = r->has_amount;
	inv.amount_msat = r->msat;
	inv.timestamp = TS;
	memset(inv.payment_hash, 7, 32);
	memset(inv.payment_secret, 9, 32);
	inv.has_payment_secret = true;
	bolt11_set_description(&inv, "", 0);
	bolt11_set_features(&inv, feats, 3);
	if (r->expiry)
		inv.expiry = r->expiry, inv.expiry_explicit = true;
	if (r->cltv)
		inv.min_final_cltv_expiry = r->cltv, inv.min_final_cltv_expiry_explicit = true;
	buf s = BUF_INIT;
	bolt11_err e = bolt11_encode(&s, &inv, sim_sk);
	bolt11_free(&inv);
	if (e == BOLT11_OK)
		e = bolt11_decode(&inv, s.p, s.len, 0, NULL, 0);
	if (e != BOLT11_OK) {
		t_ok(false, "%s: invoice built (%s)", r->name, bolt11_reason(e));
		buf_free(&s);
		return;
	}
	invoice_rules rules;
	invoice_rules_defaults(&rules);
	rules.node_network = r->node;
	rules.mostrod_compat = r->compat;
	invoice_expect ex = {r->has_expect, r->amount, r->fee};
	invoice_rule got = invoice_check(&rules, r->mode, &inv, &ex, TS + (uint64_t)r->now_offset);
	t_eq_str(invoice_rule_reason(got), r->want, "%s -> %s", r->name, r->want);
	bolt11_free(&inv);
	buf_free(&s);
}

int main(void)
{
	sha256(sim_sk, "mostro-ln sim node", 18);
	int count = 0;
	t_eq_int(t_jsonl("mostro-invoices.jsonl", check_fixture, &count), 4, "four mostrod fixtures");
	t_eq_int(count, (long long)(sizeof fixture_cases / sizeof *fixture_cases), "every fixture case ran");
	for (size_t i = 0; i < sizeof rows / sizeof *rows; i++)
		run_row(&rows[i]);
	/* each rule has its own reason code */
	int distinct = 1;
	for (int i = 0; i < INVOICE_RULE_COUNT; i++)
		for (int j = i + 1; j < INVOICE_RULE_COUNT; j++)
			distinct &= strcmp(invoice_rule_reason((invoice_rule)i), invoice_rule_reason((invoice_rule)j)) != 0;
	t_ok(distinct, "every rule has its own reason code");
	invoice_rules d;
	invoice_rules_defaults(&d);
	t_ok(d.max_final_cltv_expiry_delta == 432 && d.invoice_expiration_window == 3600 &&
	     d.min_payment_amount == 100 && d.node_network == BOLT11_NET_UNKNOWN && !d.mostrod_compat,
	     "defaults are settings.tpl.toml's");
	return t_done();
}
