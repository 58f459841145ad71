/* order_money.h — Mostro's money rules (DAEMON.md §2) as pure functions.
 *
 * Why a file of its own: every amount a user sees or pays comes from here,
 * and each rule is a one-line formula with a rounding or overflow trap that
 * must behave exactly like mostrod's Rust (f64 arithmetic, `.round()` =
 * half away from zero, `as i64` = truncate toward zero and saturate, NaN -> 0,
 * i64 saturating_sub). tests/unit/test_order_money.c runs them against
 * tests/vectors/order-money.jsonl, written from DAEMON.md §1.7 and §2.
 *
 * The routing fee cap (§2.5) is lib/ln_fees.h. No allocation, no I/O, no
 * clock: `now` and prices are parameters.
 */
#ifndef MU_ORDER_MONEY_H
#define MU_ORDER_MONEY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "order.h"

/* Rust's `x as i64` for an f64: truncation toward zero, saturating at the
 * i64 bounds, NaN -> 0. */
int64_t money_f64_to_i64(double x);
/* Rust's `x.round() as i64`: half away from zero (C round()), then as above. */
int64_t money_round_to_i64(double x);

/* §2.1 per-party fee stored in orders.fee: round(fee × amount / 2). */
int64_t money_fee(double fee_setting, int64_t amount);
/* §2.3 dev fee: round(2 × order_fee × dev_fee_percentage). */
int64_t money_dev_fee(int64_t order_fee, double dev_fee_percentage);
/* §2.1 what the seller's hold invoice asks: amount + fee (i64 saturating). */
int64_t money_seller_amount(int64_t amount, int64_t fee);
/* §2.1 what messages show the buyer: amount − fee, i64 saturating_sub
 * (mostrod's order.amount.saturating_sub(order.fee): negative when fee > amount). */
int64_t money_buyer_amount(int64_t amount, int64_t fee);
/* §4.2 the payout amount: (amount as u64).saturating_sub(fee as u64). */
uint64_t money_payout_amount(int64_t amount, int64_t fee);

/* A price lookup (§2.2): fiat per BTC and how it went. */
typedef enum price_state {
	PRICE_OK,
	PRICE_NONE,      /* the currency was never priced (mostrod: NoAPIResponse, silent) */
	PRICE_STALE,     /* older than max_price_staleness_seconds (CantDo price_too_stale) */
} price_state;

/* The price store's rule: fresh while now − at ≤ max_staleness (saturating). */
price_state money_price_state(bool found, int64_t at, int64_t now, int64_t max_staleness);

/* §2.2 at take: sats = (fiat / price) × 1e8, minus premium % of itself, as i64.
 * False when price ≤ 0 (mostrod: NoAPIResponse). */
bool money_market_sats(int64_t fiat_amount, double price, int64_t premium, int64_t *sats);

/* §1.3 new-order #7, one fiat value: the sats the limit check sees
 * (amount if amount > 0, else trunc(fiat/price × 1e8), premium ignored). */
typedef enum quote_verdict {
	QUOTE_OK,
	QUOTE_STALE,           /* CantDo(price_too_stale) */
	QUOTE_NO_PRICE,        /* silent */
	QUOTE_NEGATIVE,        /* CantDo(invalid_amount) */
	QUOTE_OUT_OF_RANGE,    /* CantDo(out_of_range_sats_amount) */
} quote_verdict;
quote_verdict money_creation_quote(int64_t amount, int64_t fiat_value, price_state ps, double price,
				   int64_t min_payment_amount, int64_t max_order_amount);

/* §2.4 the remainder of a range order after a release of fiat_amount. */
typedef struct range_child {
	bool    make;          /* false: new_max < min, no child */
	bool    fixed;         /* new_max == min: fixed fiat order, min/max NULL */
	int64_t fiat_amount;   /* fixed: new_max; range: 0 */
	opt_i64 min_amount;
	opt_i64 max_amount;
} range_child;
range_child money_range_child(opt_i64 min_amount, opt_i64 max_amount, int64_t taken_fiat_amount);

/* §3.1 expires_at at creation: the client's value clamped to now +
 * max_expiration_days (no lower bound), else now + expiration_hours. */
int64_t order_expires_at(bool has_requested, int64_t requested, int64_t now,
			 int64_t expiration_hours, int64_t max_expiration_days);

#endif
