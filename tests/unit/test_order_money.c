/* Mostro's money rules (lib/order_money.h) against
 * tests/vectors/order-money.jsonl: one row per rule of DAEMON.md §1.7, §2
 * and §3.1 — the worked example (100000 sat, fee 0.006 -> 300, 100300,
 * 99700, dev fee 180), round() half away from zero (2.5 -> 3, -0.5 -> -1),
 * the premium's sign, truncation toward zero, i64/u64 saturating
 * subtraction, price staleness edges, creation limits, range children and
 * the expiry clamp. Every row names its section; a row with an unknown
 * function fails the run. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "json.h"
#include "order_money.h"
#include "t.h"

static int64_t i64f(jv rec, const char *k)
{
	jv v = json_get(rec, k);
	int64_t x = 0;
	json_get_i64(v, &x);
	jv_free(v);
	return x;
}

static double f64f(jv rec, const char *k)
{
	jv v = json_get(rec, k);
	double x = 0;
	if (json_str(v, NULL) && !json_is_bigint(v))
		x = NAN;
	else
		json_get_f64(v, &x);
	jv_free(v);
	return x;
}

static opt_i64 optf(jv rec, const char *k)
{
	jv v = json_get(rec, k);
	opt_i64 o = OPT_NONE;
	if (jv_get_kind(v) != JV_KIND_NULL && json_get_i64(v, &o.v))
		o.set = true;
	jv_free(v);
	return o;
}

static const char *strf(jv rec, const char *k)
{
	return json_get_str(rec, k, NULL);
}

static bool is_null(jv rec, const char *k)
{
	jv v = json_get(rec, k);
	bool n = jv_get_kind(v) == JV_KIND_NULL;
	jv_free(v);
	return n;
}

static const char *const price_names[] = {"ok", "none", "stale"};
static const char *const quote_names[] = {"ok", "stale", "no_price", "negative", "out_of_range"};

static int rows;

static void row(jv rec, int lineno, void *ctx)
{
	const char *fn = strf(rec, "fn"), *why = strf(rec, "why"), *ref = strf(rec, "ref");
	char name[200];
	snprintf(name, sizeof name, "line %d (%s): %s %s", lineno, ref ? ref : "?", fn ? fn : "?", why ? why : "");
	rows++;
	if (!fn) {
		t_ok(false, "%s: no fn", name);
	} else if (strcmp(fn, "fee") == 0) {
		t_eq_int(money_fee(f64f(rec, "fee"), i64f(rec, "amount")), i64f(rec, "want"), "%s", name);
	} else if (strcmp(fn, "dev_fee") == 0) {
		t_eq_int(money_dev_fee(i64f(rec, "order_fee"), f64f(rec, "pct")), i64f(rec, "want"), "%s", name);
	} else if (strcmp(fn, "seller_amount") == 0) {
		t_eq_int(money_seller_amount(i64f(rec, "amount"), i64f(rec, "order_fee")), i64f(rec, "want"), "%s", name);
	} else if (strcmp(fn, "buyer_amount") == 0) {
		t_eq_int(money_buyer_amount(i64f(rec, "amount"), i64f(rec, "order_fee")), i64f(rec, "want"), "%s", name);
	} else if (strcmp(fn, "payout_amount") == 0) {
		t_eq_int((long long)money_payout_amount(i64f(rec, "amount"), i64f(rec, "order_fee")), i64f(rec, "want"), "%s", name);
	} else if (strcmp(fn, "market_sats") == 0) {
		int64_t sats = 0;
		bool ok = money_market_sats(i64f(rec, "fiat"), f64f(rec, "price"), i64f(rec, "premium"), &sats);
		if (is_null(rec, "want"))
			t_ok(!ok, "%s", name);
		else
			t_ok(ok && sats == i64f(rec, "want"), "%s (got %lld)", name, (long long)sats);
	} else if (strcmp(fn, "price_state") == 0) {
		jv f = json_get(rec, "found");
		price_state ps = money_price_state(jv_get_kind(f) == JV_KIND_TRUE, i64f(rec, "at"), i64f(rec, "now"), i64f(rec, "max"));
		jv_free(f);
		t_eq_str(price_names[ps], strf(rec, "want"), "%s", name);
	} else if (strcmp(fn, "creation_quote") == 0) {
		const char *st = strf(rec, "state");
		price_state ps = st && !strcmp(st, "stale") ? PRICE_STALE : st && !strcmp(st, "none") ? PRICE_NONE : PRICE_OK;
		quote_verdict q = money_creation_quote(i64f(rec, "amount"), i64f(rec, "fiat"), ps, f64f(rec, "price"),
						       i64f(rec, "min"), i64f(rec, "max"));
		t_eq_str(quote_names[q], strf(rec, "want"), "%s", name);
	} else if (strcmp(fn, "range_child") == 0) {
		range_child c = money_range_child(optf(rec, "min"), optf(rec, "max"), i64f(rec, "taken"));
		jv w = json_get(rec, "want");
		jv mk = json_get(w, "make");
		bool make = jv_get_kind(mk) == JV_KIND_TRUE;
		jv_free(mk);
		bool ok = c.make == make;
		if (ok && make) {
			jv fx = json_get(w, "fixed");
			opt_i64 mn = optf(w, "min"), mx = optf(w, "max");
			ok = c.fixed == (jv_get_kind(fx) == JV_KIND_TRUE) && c.fiat_amount == i64f(w, "fiat_amount") &&
			     c.min_amount.set == mn.set && c.min_amount.v == mn.v &&
			     c.max_amount.set == mx.set && c.max_amount.v == mx.v;
			jv_free(fx);
		}
		jv_free(w);
		t_ok(ok, "%s", name);
	} else if (strcmp(fn, "expires_at") == 0) {
		opt_i64 r = optf(rec, "requested");
		t_eq_int(order_expires_at(r.set, r.v, i64f(rec, "now"), i64f(rec, "hours"), i64f(rec, "days")),
			 i64f(rec, "want"), "%s", name);
	} else if (strcmp(fn, "f64_to_i64") == 0) {
		t_eq_int(money_f64_to_i64(f64f(rec, "x")), i64f(rec, "want"), "%s", name);
	} else {
		t_ok(false, "%s: unknown fn", name);
	}
}

int main(void)
{
	int n = t_jsonl("order-money.jsonl", row, NULL);
	t_ok(n > 50 && n == rows, "every vector ran (%d)", n);
	return t_done();
}
