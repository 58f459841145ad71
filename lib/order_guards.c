/* order_guards.c — the checks of the guard tables (lib/order_table.c), one
 * per DAEMON.md row. A check reads the context (the message, the order as
 * loaded, the roles) and may prepare what the handler after it uses (the
 * priced amount, the validated invoice, the resolved trade index), as
 * mostrod's handlers do between their checks. */
#include <string.h>

#include "bolt11.h"
#include "invoice_rules.h"
#include "json.h"
#include "lnurl.h"
#include "order_money.h"
#include "order_table.h"

/* ---------------------------------------------------------------- helpers */

/* A field of the new-order SmallOrder payload (borrowed view, owned jv). */
static jv so_get(order_ctx *c, const char *k)
{
	return c->m->payload_kind == MP_ORDER ? json_get(c->m->payload, k) : jv_invalid();
}

static int64_t so_i64(order_ctx *c, const char *k)
{
	jv v = so_get(c, k);
	int64_t x = 0;
	json_get_i64(v, &x);
	jv_free(v);
	return x;
}

static opt_i64 so_opt(order_ctx *c, const char *k)
{
	jv v = so_get(c, k);
	opt_i64 o = OPT_NONE;
	if (jv_is_valid(v) && json_get_i64(v, &o.v))
		o.set = true;
	jv_free(v);
	return o;
}

/* Fails the current check with a reply of its own choosing. */
static bool fail_with(order_ctx *c, outcome o)
{
	c->has_override = true;
	c->override = o;
	return false;
}

/* §4.4: 1 valid, 0 invalid, and -1 when a Lightning Address / LNURL needs
 * its existence probe first (the message is parked until mostro-ln answers). */
static int invoice_valid(order_ctx *c, const char *pr, uint64_t amount, uint64_t fee)
{
	if (lnurl_is_target(pr)) {
		if (c->probe)
			return c->probe > 0;
		c->probe_target = pr;
		return -1;
	}
	bolt11_invoice inv;
	bolt11_invoice_init(&inv);
	if (bolt11_decode(&inv, pr, strlen(pr), 0, NULL, 0) != BOLT11_OK) {
		bolt11_free(&inv);
		return 0;
	}
	invoice_rules r;
	invoice_rules_defaults(&r);
	r.node_network = c->network ? bolt11_network_from_name(c->network) : BOLT11_NET_UNKNOWN;
	r.max_final_cltv_expiry_delta = (uint64_t)c->cfg->max_final_cltv_expiry_delta;
	r.invoice_expiration_window = (uint64_t)c->cfg->invoice_expiration_window;
	r.min_payment_amount = (uint64_t)c->cfg->min_payment_amount;
	r.mostrod_compat = c->cfg->mostrod_compat;
	invoice_expect ex = {true, amount, fee};
	invoice_rule rule = invoice_check(&r, INVOICE_MODE_BUYER, &inv, &ex, (uint64_t)c->now);
	bolt11_free(&inv);
	if (rule != INVOICE_OK)
		fx_log(c, "%s: invoice refused: %s", c->in ? c->in->event_id : "-", invoice_rule_reason(rule));
	return rule == INVOICE_OK;
}

static bool invoice_check_or_park(order_ctx *c, const char *pr, uint64_t amount, uint64_t fee)
{
	int v = invoice_valid(c, pr, amount, fee);
	if (v < 0)
		return fail_with(c, (outcome){OUT_PARK, 0, "address probe"});
	if (v)
		c->payment_request = pr;
	return v > 0;
}

/* The payment_request of a take-sell/add-invoice payload: [order, pr, amount]. */
static const char *payload_pr(order_ctx *c)
{
	if (c->m->payload_kind != MP_PAYMENT_REQUEST)
		return NULL;
	jv e = jv_array_get(jv_copy(c->m->payload), 1);
	const char *s = json_str(e, NULL);
	jv_free(e);          /* the string lives in the payload, which outlives us */
	return s;
}

/* ---------------------------------------------------------- common rows */

bool g_order_exists(order_ctx *c)
{
	return c->have_order;
}

bool g_trade_index_resolved(order_ctx *c)
{
	if (c->m->has_trade_index) {
		c->trade_index = c->m->trade_index;
		return true;
	}
	if (strcmp(c->in->identity, c->in->sender) == 0) {
		c->trade_index = 0;
		return true;
	}
	return false;        /* mostrod: InvalidPayload, internal */
}

/* update_user_trade_index: refuses a negative index (mostrod maps the
 * refusal to an internal error), no-op without a users row. */
bool g_record_trade_index(order_ctx *c)
{
	if (c->trade_index < 0)
		return false;
	return user_set_last_trade_index(c->db, c->in->identity, c->trade_index) == ODB_OK;
}

/* ------------------------------------------------------------- new-order */

bool g_invoice_new_order(order_ctx *c)
{
	jv inv = so_get(c, "buyer_invoice");
	const char *pr = json_str(inv, NULL);
	jv_free(inv);
	if (!pr)
		return true;
	/* Order::from(SmallOrder): fee 0, amount as u64 (before #4 checks its sign) */
	return invoice_check_or_park(c, pr, (uint64_t)so_i64(c, "amount"), 0);
}

bool g_fiat_accepted(order_ctx *c)
{
	if (c->cfg->fiat_count == 0)
		return true;
	jv f = so_get(c, "fiat_code");
	const char *code = json_str(f, NULL);
	bool ok = false;
	for (size_t i = 0; code && i < c->cfg->fiat_count; i++)
		if (strcmp(code, c->cfg->fiat_currencies_accepted[i]) == 0)
			ok = true;
	jv_free(f);
	return ok;
}

bool g_new_fiat_positive(order_ctx *c)
{
	if (so_opt(c, "min_amount").set || so_opt(c, "max_amount").set)
		return true;
	return so_i64(c, "fiat_amount") > 0;
}

bool g_new_amount_nonneg(order_ctx *c)
{
	return so_i64(c, "amount") >= 0;
}

bool g_new_range_limits(order_ctx *c)
{
	opt_i64 mn = so_opt(c, "min_amount"), mx = so_opt(c, "max_amount");
	if (!mn.set || !mx.set)
		return true;
	return mn.v >= 0 && mx.v >= 0 && mn.v < mx.v && so_i64(c, "amount") == 0;
}

bool g_new_no_amount_with_premium(order_ctx *c)
{
	return !(so_i64(c, "amount") != 0 && so_i64(c, "premium") != 0);
}

/* The price store's answer for a fiat code (upper-cased, §2.2). */
static price_state price_of(order_ctx *c, const char *fiat, double *price)
{
	char up[64];
	size_t n = strlen(fiat);
	if (n >= sizeof up)
		return PRICE_NONE;
	for (size_t i = 0; i <= n; i++)
		up[i] = (char)(fiat[i] >= 'a' && fiat[i] <= 'z' ? fiat[i] - 32 : fiat[i]);
	int64_t at = 0;
	bool found = false;
	*price = 0;
	if (price_get(c->db, up, price, &at, &found) != ODB_OK)
		return PRICE_NONE;
	return money_price_state(found, at, c->now, c->cfg->max_price_staleness_seconds);
}

bool g_new_quotes(order_ctx *c)
{
	int64_t amount = so_i64(c, "amount");
	opt_i64 mn = so_opt(c, "min_amount"), mx = so_opt(c, "max_amount");
	int64_t values[2];
	size_t n = 0;
	if (mn.set && mx.set) {
		values[n++] = mn.v;
		values[n++] = mx.v;
	} else {
		values[n++] = so_i64(c, "fiat_amount");
	}
	jv f = so_get(c, "fiat_code");
	const char *fiat = json_str(f, NULL);
	double price = 0;
	price_state ps = amount == 0 && fiat ? price_of(c, fiat, &price) : PRICE_OK;
	jv_free(f);
	for (size_t i = 0; i < n; i++) {
		switch (money_creation_quote(amount, values[i], ps, price, c->cfg->min_payment_amount,
					     c->cfg->max_order_amount)) {
		case QUOTE_OK:
			continue;
		case QUOTE_STALE:
			return fail_with(c, out_cant(CD_PRICE_TOO_STALE, NULL));
		case QUOTE_NO_PRICE:
			return fail_with(c, out_silent("no price for the fiat code"));
		case QUOTE_NEGATIVE:
			return fail_with(c, out_cant(CD_INVALID_AMOUNT, NULL));
		case QUOTE_OUT_OF_RANGE:
			return false;
		}
	}
	return true;
}

bool g_new_kind_present(order_ctx *c)
{
	jv k = so_get(c, "kind");
	bool ok = json_str(k, NULL) != NULL;
	jv_free(k);
	return ok;
}

/* ------------------------------------------------------------------ takes */

bool g_no_pending_as_buyer(order_ctx *c)
{
	bool exists = false;
	order_exists_master(c->db, c->in->identity, true, OS_WAITING_BUYER_INVOICE, &exists);
	return !exists;
}

bool g_no_pending_as_seller(order_ctx *c)
{
	bool exists = false;
	order_exists_master(c->db, c->in->identity, false, OS_WAITING_PAYMENT, &exists);
	return !exists;
}

bool g_kind_sell(order_ctx *c) { return c->order.kind == ORDER_SELL; }
bool g_kind_buy(order_ctx *c) { return c->order.kind == ORDER_BUY; }

bool g_status_pretrade(order_ctx *c)
{
	return c->order.status == OS_PENDING || c->order.status == OS_WAITING_TAKER_BOND;
}

bool g_take_window_open(order_ctx *c)
{
	return !(c->order.expires_at > 0 && c->order.expires_at <= c->now);
}

bool g_not_maker(order_ctx *c)
{
	return !(c->roles & ROLE_MAKER);
}

bool g_seller_key_set(order_ctx *c) { return c->order.seller_pubkey != NULL; }
bool g_buyer_key_set(order_ctx *c) { return c->order.buyer_pubkey != NULL; }
bool g_both_keys_set(order_ctx *c) { return c->order.seller_pubkey && c->order.buyer_pubkey; }

/* get_fiat_amount_requested: a range order needs a requested amount
 * (payload amount, or the third element of payment_request) within
 * [min, max]; it becomes fiat_amount. Other orders ignore it. */
bool g_take_fiat_amount(order_ctx *c)
{
	order_row *o = &c->order;
	if (!(o->min_amount.set && o->max_amount.set))
		return true;
	jv a = jv_invalid();
	if (c->m->payload_kind == MP_AMOUNT)
		a = jv_copy(c->m->payload);
	else if (c->m->payload_kind == MP_PAYMENT_REQUEST)
		a = jv_array_get(jv_copy(c->m->payload), 2);
	int64_t x;
	bool have = jv_is_valid(a) && json_get_i64(a, &x);
	jv_free(a);
	if (!have || x > o->max_amount.v || x < o->min_amount.v)
		return false;
	o->fiat_amount = x;
	return true;
}

/* Market orders are priced now (§2.2); every take computes the dev fee (§2.3). */
bool g_take_price(order_ctx *c)
{
	order_row *o = &c->order;
	if (o->amount == 0) {
		double price;
		price_state ps = price_of(c, o->fiat_code ? o->fiat_code : "", &price);
		if (ps == PRICE_STALE)
			return fail_with(c, out_cant(CD_PRICE_TOO_STALE, NULL));
		int64_t sats;
		if (ps != PRICE_OK || !money_market_sats(o->fiat_amount, price, o->premium, &sats))
			return fail_with(c, out_silent("no price for the fiat code"));
		o->amount = sats;
		o->fee = money_fee(c->cfg->fee, sats);
	}
	o->dev_fee = money_dev_fee(o->fee, c->cfg->dev_fee_percentage);
	return true;
}

bool g_invoice_take(order_ctx *c)
{
	const char *pr = payload_pr(c);
	if (!pr)
		return true;
	return invoice_check_or_park(c, pr, (uint64_t)c->order.amount, (uint64_t)c->order.fee);
}

/* ------------------------------------------------------------ add-invoice */

bool g_sender_is_buyer_peer(order_ctx *c)
{
	return (c->roles & ROLE_BUYER) != 0;
}

bool g_invoice_add(order_ctx *c)
{
	const char *pr = payload_pr(c);
	if (!pr)
		return true;     /* the §0.4 gate already requires one */
	return invoice_check_or_park(c, pr, (uint64_t)c->order.amount, (uint64_t)c->order.fee);
}

bool g_add_invoice_status(order_ctx *c)
{
	return c->order.status == OS_WAITING_BUYER_INVOICE || c->order.status == OS_SETTLED_HOLD_INVOICE;
}

/* ------------------------------------------------------ fiat-sent, release */

bool g_status_active(order_ctx *c) { return c->order.status == OS_ACTIVE; }
bool g_sender_is_buyer(order_ctx *c) { return (c->roles & ROLE_BUYER) != 0; }
bool g_sender_is_seller(order_ctx *c) { return (c->roles & ROLE_SELLER) != 0; }

bool g_status_fiat_sent_or_dispute(order_ctx *c)
{
	return c->order.status == OS_FIAT_SENT || c->order.status == OS_DISPUTE;
}

/* get_next_trade_key: null payload or next_trade; anything else fails. */
bool g_payload_next_trade(order_ctx *c)
{
	if (c->m->payload_kind == MP_NONE)
		return true;
	if (c->m->payload_kind != MP_NEXT_TRADE)
		return false;
	jv_free(c->next_trade);
	c->next_trade = jv_copy(c->m->payload);
	return true;
}

bool g_preimage_present(order_ctx *c)
{
	return c->order.preimage != NULL;
}
