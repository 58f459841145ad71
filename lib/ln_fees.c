#include "ln_fees.h"

#include <math.h>

uint64_t ln_fee_cap_sat(uint64_t amount_sat, double max_routing_fee)
{
	double cap;
	if (amount_sat <= LN_FEE_CAP_SMALL_LIMIT) {
		cap = (double)amount_sat * 0.01;
		if (cap < LN_FEE_CAP_SMALL_MIN)
			cap = LN_FEE_CAP_SMALL_MIN;
	} else {
		cap = (double)amount_sat * max_routing_fee;
	}
	/* Rust's `as i64` truncates toward zero and saturates */
	uint64_t v = cap >= 18446744073709551615.0 ? UINT64_MAX : (uint64_t)cap;
	return v ? v : 1;
}

bool ln_max_routing_fee_valid(double f)
{
	return isfinite(f) && f >= 0 && f <= 1;
}
