/* order_money.c — DAEMON.md §2 (see order_money.h). */
#include "order_money.h"

#include <math.h>

int64_t money_f64_to_i64(double x)
{
	if (isnan(x))
		return 0;
	if (x >= 9223372036854775808.0)
		return INT64_MAX;
	if (x <= -9223372036854775808.0)
		return INT64_MIN;
	return (int64_t)x;      /* in range: C truncates toward zero like Rust */
}

int64_t money_round_to_i64(double x)
{
	return money_f64_to_i64(round(x));
}

int64_t money_fee(double fee_setting, int64_t amount)
{
	return money_round_to_i64(fee_setting * (double)amount / 2.0);
}

int64_t money_dev_fee(int64_t order_fee, double dev_fee_percentage)
{
	/* total Mostro fee = both parties' share; i64 arithmetic as mostrod's
	 * `order.fee * 2` (saturating here instead of overflowing) */
	int64_t total = order_fee > INT64_MAX / 2 ? INT64_MAX : order_fee < INT64_MIN / 2 ? INT64_MIN : order_fee * 2;
	return money_round_to_i64((double)total * dev_fee_percentage);
}

int64_t money_seller_amount(int64_t amount, int64_t fee)
{
	int64_t r;
	if (__builtin_add_overflow(amount, fee, &r))
		return fee > 0 ? INT64_MAX : INT64_MIN;
	return r;
}

int64_t money_buyer_amount(int64_t amount, int64_t fee)
{
	int64_t r;
	if (__builtin_sub_overflow(amount, fee, &r))
		return fee < 0 ? INT64_MAX : INT64_MIN;
	return r;
}

uint64_t money_payout_amount(int64_t amount, int64_t fee)
{
	uint64_t a = (uint64_t)amount, f = (uint64_t)fee;   /* Rust `as u64`: two's complement */
	return a > f ? a - f : 0;
}

price_state money_price_state(bool found, int64_t at, int64_t now, int64_t max_staleness)
{
	if (!found)
		return PRICE_NONE;
	int64_t age;
	if (__builtin_sub_overflow(now, at, &age))
		age = at > now ? INT64_MIN : INT64_MAX;
	return age <= max_staleness ? PRICE_OK : PRICE_STALE;
}

bool money_market_sats(int64_t fiat_amount, double price, int64_t premium, int64_t *sats)
{
	if (!(price > 0.0))
		return false;
	double s = ((double)fiat_amount / price) * 100000000.0;
	if (premium != 0)
		s -= (double)premium / 100.0 * s;
	*sats = money_f64_to_i64(s);
	return true;
}

quote_verdict money_creation_quote(int64_t amount, int64_t fiat_value, price_state ps, double price,
				   int64_t min_payment_amount, int64_t max_order_amount)
{
	int64_t quote = amount;
	if (amount == 0) {
		if (ps == PRICE_STALE)
			return QUOTE_STALE;
		if (ps == PRICE_NONE)
			return QUOTE_NO_PRICE;
		quote = money_f64_to_i64((double)fiat_value / price * 1e8);
	}
	if (quote < 0)
		return QUOTE_NEGATIVE;
	if (quote > max_order_amount || quote < min_payment_amount)
		return QUOTE_OUT_OF_RANGE;
	return QUOTE_OK;
}

range_child money_range_child(opt_i64 min_amount, opt_i64 max_amount, int64_t taken_fiat_amount)
{
	range_child c = {0};
	if (!min_amount.set || !max_amount.set)
		return c;
	int64_t new_max;
	if (__builtin_sub_overflow(max_amount.v, taken_fiat_amount, &new_max))
		return c;
	if (new_max < min_amount.v)
		return c;
	c.make = true;
	if (new_max == min_amount.v) {
		c.fixed = true;
		c.fiat_amount = new_max;
		c.min_amount = OPT_NONE;
		c.max_amount = OPT_NONE;
	} else {
		c.fiat_amount = 0;
		c.min_amount = min_amount;
		c.max_amount = OPT_SOME(new_max);
	}
	return c;
}

static int64_t sat_add(int64_t a, int64_t b)
{
	int64_t r;
	return __builtin_add_overflow(a, b, &r) ? (b > 0 ? INT64_MAX : INT64_MIN) : r;
}

static int64_t sat_mul(int64_t a, int64_t b)
{
	int64_t r;
	return __builtin_mul_overflow(a, b, &r) ? ((a < 0) != (b < 0) ? INT64_MIN : INT64_MAX) : r;
}

int64_t order_expires_at(bool has_requested, int64_t requested, int64_t now,
			 int64_t expiration_hours, int64_t max_expiration_days)
{
	if (has_requested) {
		int64_t max = sat_add(now, sat_mul(max_expiration_days, 86400));
		return requested > max ? max : requested;
	}
	return sat_add(now, sat_mul(expiration_hours, 3600));
}
