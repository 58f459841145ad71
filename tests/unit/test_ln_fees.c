/* mostrod's routing fee cap (lib/ln_fees.h): the table of LIGHTNING.md §a.6
 * step 3 and §d.4, the 1000-sat cliff, truncation, and our one deliberate
 * difference (a computed cap of 0 becomes 1). */
#include "ln_fees.h"
#include "t.h"

static const struct {
	uint64_t amount;
	double   max_routing_fee;
	uint64_t cap;
	const char *why;
} cases[] = {
	{0, 0.002, 10, "zero amount: the 10 sat floor"},
	{1, 0.002, 10, "1 sat"},
	{30, 0.002, 10, "30 sat (doc example)"},
	{999, 0.002, 10, "999 sat: 1% is 9.99, floor 10"},
	{1000, 0.002, 10, "1000 sat: still the small rule (<=)"},
	{1001, 0.002, 2, "1001 sat: the cliff, 2.002 truncated"},
	{2001, 0.002, 4, "2001 sat (doc example)"},
	{4999, 0.002, 9, "4999 sat: 9.998 truncated"},
	{5000, 0.002, 10, "5000 sat"},
	{100000, 0.002, 200, "100000 sat (doc example)"},
	{1000000, 0.002, 2000, "0.01 BTC"},
	{123456789, 0.002, 246913, "246913.578 truncated"},
	{1001, 0.01, 10, "max_routing_fee 0.01"},
	{50000, 0.005, 250, "max_routing_fee 0.005"},
	{1000, 0.5, 10, "the setting does not touch small amounts"},
	{1001, 0.0, 1, "a computed 0 becomes 1 (LND reads 0 as zero-fee routes only)"},
	{2000000, 0.0001, 200, "tiny fraction"},
};

int main(void)
{
	for (size_t i = 0; i < sizeof cases / sizeof *cases; i++)
		t_eq_int((long long)ln_fee_cap_sat(cases[i].amount, cases[i].max_routing_fee),
			 (long long)cases[i].cap, "fee cap: %s", cases[i].why);
	t_ok(ln_fee_cap_sat(UINT64_MAX / 2, 0.002) > 0, "huge amount does not overflow");
	t_ok(ln_max_routing_fee_valid(0.002), "0.002 is a valid setting");
	t_ok(ln_max_routing_fee_valid(0), "0 is a valid setting");
	t_ok(!ln_max_routing_fee_valid(-0.1), "negative refused");
	t_ok(!ln_max_routing_fee_valid(1.5), "above 1 refused");
	t_ok(!ln_max_routing_fee_valid(0.0 / 0.0), "NaN refused");
	return t_done();
}
