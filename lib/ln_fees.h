/* ln_fees.h — mostrod's routing fee cap for outgoing payments
 * (LightningConnector::send_payment, LIGHTNING.md §a.6 step 3).
 *
 *   amount <= 1000 sat: max(amount * 0.01, 10) truncated  -> always 10
 *   amount  > 1000 sat: amount * max_routing_fee (default 0.002), computed in
 *                       double and truncated toward zero
 *
 * The cliff is kept on purpose (1001..4999 sat get a smaller cap than 1000):
 * the daemon must behave like mostrod. One deliberate difference: a cap of 0
 * (only reachable with max_routing_fee < 0.001) becomes 1, because LND reads
 * fee_limit_sat 0 as "zero-fee routes only".
 * Pure functions, no allocation.
 */
#ifndef MU_LN_FEES_H
#define MU_LN_FEES_H

#include <stdbool.h>
#include <stdint.h>

#define LN_MAX_ROUTING_FEE_DEFAULT 0.002
#define LN_FEE_CAP_SMALL_LIMIT 1000      /* sat: up to here the flat rule applies */
#define LN_FEE_CAP_SMALL_MIN 10          /* sat */

uint64_t ln_fee_cap_sat(uint64_t amount_sat, double max_routing_fee);

/* Accepts a max_routing_fee setting: a finite number in [0, 1]. */
bool ln_max_routing_fee_valid(double f);

#endif
