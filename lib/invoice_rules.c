#include "invoice_rules.h"

static const struct { const char *reason, *message; } rules[INVOICE_RULE_COUNT] = {
	[INVOICE_OK] = {"ok", "ok"},
	[INVOICE_WRONG_NETWORK] = {"wrong_network", "invoice is for another network than the node's"},
	[INVOICE_CLTV_TOO_LARGE] = {"final_cltv_too_large", "min_final_cltv_expiry above max_final_cltv_expiry_delta"},
	[INVOICE_EXPIRED] = {"expired", "invoice has expired"},
	[INVOICE_FEE_EXCEEDS_AMOUNT] = {"fee_exceeds_amount", "fee is larger than the amount"},
	[INVOICE_WRONG_AMOUNT] = {"wrong_amount", "invoice amount is not amount - fee"},
	[INVOICE_SUB_SATOSHI] = {"sub_satoshi_amount", "invoice amount is not a whole number of satoshis"},
	[INVOICE_ZERO_AMOUNT] = {"zero_amount", "invoice has an explicit amount of 0, which LND cannot pay"},
	[INVOICE_BELOW_MINIMUM] = {"amount_below_minimum", "invoice amount is below min_payment_amount"},
	[INVOICE_EXPIRES_TOO_SOON] = {"expires_too_soon", "invoice expires before now + invoice_expiration_window"},
};

const char *invoice_rule_reason(invoice_rule r)
{
	return (unsigned)r < INVOICE_RULE_COUNT ? rules[r].reason : "unknown";
}

const char *invoice_rule_strerror(invoice_rule r)
{
	return (unsigned)r < INVOICE_RULE_COUNT ? rules[r].message : "unknown rule";
}

void invoice_rules_defaults(invoice_rules *r)
{
	r->node_network = BOLT11_NET_UNKNOWN;
	r->max_final_cltv_expiry_delta = 432;
	r->invoice_expiration_window = 3600;
	r->min_payment_amount = 100;
	r->mostrod_compat = false;
}

/* validate_payout_invoice: what must hold for any invoice we pay. */
static invoice_rule check_payable(const invoice_rules *r, const bolt11_invoice *inv, uint64_t now)
{
	if (r->node_network != BOLT11_NET_UNKNOWN && inv->network != r->node_network)
		return INVOICE_WRONG_NETWORK;
	if (inv->min_final_cltv_expiry > r->max_final_cltv_expiry_delta)
		return INVOICE_CLTV_TOO_LARGE;
	if (bolt11_is_expired(inv, now))
		return INVOICE_EXPIRED;
	return INVOICE_OK;
}

static invoice_rule check_amount(const invoice_rules *r, const bolt11_invoice *inv,
				 const invoice_expect *expect)
{
	/* mostrod: amount_milli_satoshis().unwrap_or(0) / 1000, so 0 = amountless */
	uint64_t amount_sat = inv->has_amount ? inv->amount_msat / 1000 : 0;
	if (expect && expect->has_amount) {
		if (expect->fee_sat > expect->amount_sat)
			return INVOICE_FEE_EXCEEDS_AMOUNT;
		uint64_t expected = expect->amount_sat - expect->fee_sat;
		if (amount_sat != expected && amount_sat != 0)
			return INVOICE_WRONG_AMOUNT;
	}
	/* Deliberate fix (see header): a sub-satoshi invoice passes mostrod's
	 * truncating check and then fails every payout on the exact msat check. */
	if (!r->mostrod_compat && inv->has_amount && inv->amount_msat % 1000 != 0)
		return INVOICE_SUB_SATOSHI;
	/* Deliberate fix (see header): lnbc0 passes the rules above and then no
	 * payment can be made (LND refuses amt for it, 0 msat is not the amount). */
	if (!r->mostrod_compat && inv->has_amount && inv->amount_msat == 0)
		return INVOICE_ZERO_AMOUNT;
	if (amount_sat > 0 && amount_sat < r->min_payment_amount)
		return INVOICE_BELOW_MINIMUM;
	return INVOICE_OK;
}

invoice_rule invoice_check(const invoice_rules *r, invoice_mode mode, const bolt11_invoice *inv,
			   const invoice_expect *expect, uint64_t now)
{
	invoice_rule e = check_payable(r, inv, now);
	if (e || mode == INVOICE_MODE_PAYOUT)
		return e;
	e = check_amount(r, inv, expect);
	if (e)
		return e;
	/* expires_at < now + window fails; exactly now + window passes */
	uint64_t latest = now + r->invoice_expiration_window;
	if (latest < now)
		latest = UINT64_MAX;
	if (bolt11_expires_at(inv) < latest)
		return INVOICE_EXPIRES_TOO_SOON;
	return INVOICE_OK;
}
