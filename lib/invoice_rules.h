/* invoice_rules.h — Mostro's checks on a buyer's payout invoice (LIGHTNING.md
 * §b.3, mostrod src/lightning/invoice.rs), each failure with its own reason.
 *
 * Two modes, as in mostrod:
 *   INVOICE_MODE_BUYER  (validate_bolt11_invoice): network, final CLTV bound,
 *       not expired, amount == amount - fee (or amountless), minimum amount,
 *       remaining lifetime >= invoice_expiration_window. In this order, so the
 *       first rule broken is the one reported.
 *   INVOICE_MODE_PAYOUT (validate_payout_invoice): network, final CLTV bound,
 *       not expired only. For invoices an LNURL server minted at payout time.
 *
 * Quirks of mostrod, and what we do (rules.mostrod_compat = true restores
 * mostrod's behaviour exactly):
 *   - sub-satoshi amounts: mostrod compares whole sats after truncating msat,
 *     so 1000500 msat passes for 1000 sat and then fails every payment (its
 *     send_payment compares msat exactly). We refuse amount_msat % 1000 != 0
 *     ("sub_satoshi_amount") in buyer mode.
 *   - an explicit zero amount ("lnbc0...") passes mostrod's amount rules like
 *     an amountless invoice, but no payout can pay it: LND reads "lnbc0" as
 *     an invoice WITH an amount and refuses `amt` ("amount must not be
 *     specified when paying a non-zero amount invoice"), and mostrod's
 *     send_payment aborts on 0 != amount * 1000. We refuse it ("zero_amount")
 *     in buyer mode, after the amount rules.
 *   - market-price orders pass amount 0: only amountless invoices match.
 *
 * Pure functions: no allocation, no I/O, `now` is a parameter.
 */
#ifndef MU_INVOICE_RULES_H
#define MU_INVOICE_RULES_H

#include <stdbool.h>
#include <stdint.h>

#include "bolt11.h"

typedef enum invoice_rule {
	INVOICE_OK = 0,
	INVOICE_WRONG_NETWORK,       /* wrong_network */
	INVOICE_CLTV_TOO_LARGE,      /* final_cltv_too_large: c > max_final_cltv_expiry_delta */
	INVOICE_EXPIRED,             /* expired */
	INVOICE_FEE_EXCEEDS_AMOUNT,  /* fee_exceeds_amount: amount - fee underflows */
	INVOICE_WRONG_AMOUNT,        /* wrong_amount: not amount - fee and not amountless */
	INVOICE_SUB_SATOSHI,         /* sub_satoshi_amount: msat not a whole number of sats */
	INVOICE_ZERO_AMOUNT,         /* zero_amount: an explicit amount of 0 ("lnbc0...") */
	INVOICE_BELOW_MINIMUM,       /* amount_below_minimum: under min_payment_amount */
	INVOICE_EXPIRES_TOO_SOON,    /* expires_too_soon: valid for less than the window */
} invoice_rule;

#define INVOICE_RULE_COUNT (INVOICE_EXPIRES_TOO_SOON + 1)

const char *invoice_rule_reason(invoice_rule r);   /* snake_case code */
const char *invoice_rule_strerror(invoice_rule r); /* message */

typedef enum invoice_mode { INVOICE_MODE_BUYER = 0, INVOICE_MODE_PAYOUT } invoice_mode;

typedef struct invoice_rules {
	bolt11_network node_network;        /* BOLT11_NET_UNKNOWN: network not checked */
	uint64_t max_final_cltv_expiry_delta; /* blocks, default 432 */
	uint64_t invoice_expiration_window;   /* seconds, default 3600 */
	uint64_t min_payment_amount;          /* sats, default 100 */
	bool     mostrod_compat;              /* reproduce the sub-satoshi and lnbc0 quirks */
} invoice_rules;

/* The defaults of mostrod's settings.tpl.toml. */
void invoice_rules_defaults(invoice_rules *r);

/* What the caller expects (mostrod's amount/fee Options). */
typedef struct invoice_expect {
	bool     has_amount;   /* false: no amount check at all */
	uint64_t amount_sat;   /* order.amount (0 for market-price orders) */
	uint64_t fee_sat;      /* order.fee; 0 for bonds */
} invoice_expect;

/* Checks a decoded invoice (borrowed). expect may be NULL (no amount check). */
invoice_rule invoice_check(const invoice_rules *r, invoice_mode mode, const bolt11_invoice *inv,
			   const invoice_expect *expect, uint64_t now);

#endif
