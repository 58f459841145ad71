/* order_msg.c — the client's message builder; see order_msg.h.
 *
 * Layout: reason codes; payload builders; the action table (options taken,
 * constraints, rules, payload); the build (constraints, values, rules,
 * message, record); batch lines; help. The values and the rules are in
 * order_msg_check.c. Facts: PROTOCOL.md §2.5-§2.9, §8, §10, §11; DAEMON.md
 * §1.3, §4.4, §5-§7; mostro-cli 0.16 for the shapes its commands send. */
#include "order_msg.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <jv.h>
#include <sodium.h>

#include "hex.h"
#include "json.h"
#include "mostro_msg.h"
#include "order_msg_check.h"

/* ------------------------------------------------------------ reason codes */

static const struct { const char *reason, *message; bool usage; } errs[OM_ERR_COUNT] = {
	[OM_OK] = {"ok", "ok", false},
	[OM_ERR_UNKNOWN_ACTION] = {"unknown_action", "not an action a user or an admin sends Mostro", true},
	[OM_ERR_UNKNOWN_OPTION] = {"unknown_option", "no such option", true},
	[OM_ERR_NOT_FOR_ACTION] = {"not_for_action", "the action does not take this option", true},
	[OM_ERR_MISSING] = {"missing", "a required option is missing", true},
	[OM_ERR_REPEATED] = {"repeated", "option given twice", true},
	[OM_ERR_CONFLICT] = {"conflict", "options that exclude each other", true},
	[OM_ERR_BAD_VALUE] = {"bad_value", "not a valid value", false},
	[OM_ERR_BAD_UUID] = {"bad_uuid", "not a UUID", false},
	[OM_ERR_BAD_PUBKEY] = {"bad_pubkey", "not a public key (64 hex digits or npub)", false},
	[OM_ERR_ORDER_KIND] = {"invalid_order_kind", "the order kind is buy or sell", false},
	[OM_ERR_FIAT_CODE] = {"bad_fiat_code", "a fiat code is three letters (ISO 4217)", false},
	[OM_ERR_FIAT_CURRENCY] = {"invalid_fiat_currency", "the node does not accept this currency", false},
	[OM_ERR_AMOUNT] = {"invalid_amount", "invalid amount", false},
	[OM_ERR_PARAMETERS] = {"invalid_parameters", "invalid combination of parameters", false},
	[OM_ERR_OUT_OF_RANGE] = {"out_of_range_sats_amount", "amount outside the allowed range", false},
	[OM_ERR_PREMIUM] = {"bad_premium", "the premium is a percentage between -99 and 99", false},
	[OM_ERR_PAYMENT_METHOD] = {"bad_payment_method", "invalid payment method", false},
	[OM_ERR_EXPIRATION] = {"bad_expiration", "invalid expiration", false},
	[OM_ERR_INVOICE] = {"invalid_invoice", "the invoice would be refused", false},
	[OM_ERR_TRADE_INDEX] = {"invalid_trade_index", "a trade index is 1..2147483647", false},
	[OM_ERR_RATING] = {"invalid_rating", "a rating is 1..5", false},
	[OM_ERR_TEXT] = {"invalid_text_message", "invalid text", false},
	[OM_ERR_SOLVER] = {"bad_solver", "a solver is NPUB[:read|:write|:read-write]", false},
	[OM_ERR_TOO_MANY] = {"too_many_requests", "more ids than the node answers", false},
	[OM_ERR_CASHU_TOKEN] = {"invalid_cashu_token", "not a Cashu token (cashuA... or cashuB...)", false},
	[OM_ERR_MINT_URL] = {"invalid_mint_url", "not a mint URL", false},
	[OM_ERR_LINE] = {"bad_line", "not a request object", false},
	[OM_ERR_INTERNAL] = {"internal", "the built message fails mostro-core's checks", false},
};

const char *order_msg_reason(order_msg_err e)
{
	return (unsigned)e < OM_ERR_COUNT ? errs[e].reason : "unknown";
}

const char *order_msg_strerror(order_msg_err e)
{
	return (unsigned)e < OM_ERR_COUNT ? errs[e].message : "unknown error";
}

bool order_msg_err_is_usage(order_msg_err e)
{
	return (unsigned)e < OM_ERR_COUNT && errs[e].usage;
}

/* --------------------------------------------------------------- payloads */

typedef jv (*payload_fn)(om_state *s);

static jv oset(jv o, const char *k, jv v)
{
	return jv_object_set(o, jv_string(k), v);
}

static jv variant(const char *name, jv v)
{
	return oset(jv_object(), name, v);
}

static jv p_null(om_state *s)
{
	return jv_null();
}

/* SmallOrder as PROTOCOL §14 vector 4: status pending, created_at null. */
static jv p_new_order(om_state *s)
{
	om_vals *v = &s->v;
	jv o = jv_object();
	o = oset(o, "kind", jv_string(mostro_order_kind_names[v->kind]));
	o = oset(o, "status", jv_string("pending"));
	o = oset(o, "amount", json_from_i64(om_amount_or_0(s)));
	o = oset(o, "fiat_code", jv_string(v->fiat_code));
	o = oset(o, "min_amount", v->range ? json_from_i64(v->range_min) : jv_null());
	o = oset(o, "max_amount", v->range ? json_from_i64(v->range_max) : jv_null());
	o = oset(o, "fiat_amount", json_from_i64(v->range ? 0 : v->fiat_amount));
	o = oset(o, "payment_method", jv_string_sized(v->payment_method.p, (int)v->payment_method.len));
	o = oset(o, "premium", json_from_i64(OM_GIVEN(s, OM_PREMIUM) ? v->i[OM_PREMIUM] : 0));
	if (OM_GIVEN(s, OM_INVOICE))
		o = oset(o, "buyer_invoice", jv_string(s->value[OM_INVOICE]));
	o = oset(o, "created_at", jv_null());
	o = oset(o, "expires_at", v->has_expires_at ? json_from_i64(v->expires_at) : jv_null());
	return variant("order", o);
}

/* take-sell: null, amount, or payment_request [null, invoice, fiat|null]. */
static jv p_take_sell(om_state *s)
{
	jv amount = OM_GIVEN(s, OM_AMOUNT) ? json_from_i64(s->v.i[OM_AMOUNT]) : jv_null();
	if (OM_GIVEN(s, OM_INVOICE)) {
		jv pr = jv_array();
		pr = jv_array_append(pr, jv_null());
		pr = jv_array_append(pr, jv_string(s->value[OM_INVOICE]));
		pr = jv_array_append(pr, amount);
		return variant("payment_request", pr);
	}
	if (jv_get_kind(amount) == JV_KIND_NULL)
		return amount;
	return variant("amount", amount);
}

/* take-buy: null or amount. */
static jv p_take_buy(om_state *s)
{
	return OM_GIVEN(s, OM_AMOUNT) ? variant("amount", json_from_i64(s->v.i[OM_AMOUNT])) : jv_null();
}

/* add-invoice, add-bond-invoice: payment_request [null, invoice, null]. */
static jv p_invoice(om_state *s)
{
	jv pr = jv_array();
	pr = jv_array_append(pr, jv_null());
	pr = jv_array_append(pr, jv_string(s->value[OM_INVOICE]));
	pr = jv_array_append(pr, jv_null());
	return variant("payment_request", pr);
}

/* fiat-sent, release: null or next_trade [pubkey, index]. */
static jv p_next_trade(om_state *s)
{
	if (!OM_GIVEN(s, OM_NEXT_TRADE))
		return jv_null();
	jv nt = jv_array();
	nt = jv_array_append(nt, jv_string(s->v.key[OM_NEXT_TRADE]));
	nt = jv_array_append(nt, json_from_u64(s->v.next_index));
	return variant("next_trade", nt);
}

static jv p_rating(om_state *s)
{
	return variant("rating_user", json_from_u64(s->v.u[OM_RATING]));
}

static jv p_ids(om_state *s)
{
	return variant("ids", jv_copy(s->v.ids));
}

/* admin-cancel, admin-settle: null, or bond_resolution when a slash is asked. */
static jv p_bond_resolution(om_state *s)
{
	if (!OM_GIVEN(s, OM_SLASH_SELLER) && !OM_GIVEN(s, OM_SLASH_BUYER))
		return jv_null();
	jv r = jv_object();
	r = oset(r, "slash_seller", jv_bool(OM_GIVEN(s, OM_SLASH_SELLER)));
	r = oset(r, "slash_buyer", jv_bool(OM_GIVEN(s, OM_SLASH_BUYER)));
	return variant("bond_resolution", r);
}

static jv p_solver(om_state *s)
{
	return variant("text_message", jv_string_sized(s->v.solver.p, (int)s->v.solver.len));
}

static jv p_text(om_state *s)
{
	return variant("text_message", jv_string(s->value[OM_TEXT]));
}

static jv p_cashu(om_state *s)
{
	jv c = jv_object();
	c = oset(c, "token", jv_string(s->value[OM_TOKEN]));
	c = oset(c, "mint_url", jv_string(s->value[OM_MINT_URL]));
	c = oset(c, "buyer_pubkey", jv_string(s->v.key[OM_BUYER_PUBKEY]));
	c = oset(c, "seller_pubkey", jv_string(s->v.key[OM_SELLER_PUBKEY]));
	c = oset(c, "mostro_pubkey", jv_string(s->v.key[OM_MOSTRO_PUBKEY]));
	if (OM_GIVEN(s, OM_FEE_TOKEN))
		c = oset(c, "fee_token", jv_string(s->value[OM_FEE_TOKEN]));
	return variant("cashu_lock_proof", c);
}

/* ---------------------------------------------------------------- actions */

typedef struct om_arg {
	int opt;
	const char *arg;      /* the value's name in help; NULL for flags */
	const char *help;
} om_arg;

typedef enum om_ckind { C_END = 0, C_REQUIRED, C_ONE_OF, C_AT_MOST_ONE, C_TOGETHER, C_NEEDS } om_ckind;

/* REQUIRED a; ONE_OF a b (exactly one); AT_MOST_ONE a b; TOGETHER a b (both
 * or neither); NEEDS a b (a only with b). Checked in this order. */
typedef struct om_cons {
	om_ckind kind;
	int a, b;
} om_cons;

struct om_action {
	const char *name;
	mostro_action action;
	mostro_channel channel;
	int id_opt;               /* the option that is the message id; -1: no id */
	bool random_id;           /* id_opt not given: a random v4 UUID */
	const om_arg *args;
	const om_cons *cons;
	const rule_fn *rules;     /* NULL-terminated */
	payload_fn payload;
	const char *summary;
};

/* Options every action takes. */
static const om_arg common_args[] = {
	{OM_REQUEST_ID, "N", "request_id, echoed by Mostro (0..18446744073709551615)"},
	{OM_VERSION, "1|2", "the message's version (default 2, as mostro-core clients write)"},
	{OM_TO, "PUBKEY", "the record's recipient, Mostro's key (64 hex digits or npub)"},
	{OM_TRANSPORT, "v1|v2", "the record's transport (also gift-wrap, nip44)"},
	{OM_POW, "N", "the record's proof-of-work bits (0..32)"},
	{-1, NULL, NULL},
};

#define ARG_TRADE_INDEX {OM_TRADE_INDEX, "N", "index of the trade key sending it (1..2147483647); required unless --full-privacy"}
#define ARG_FULL_PRIVACY {OM_FULL_PRIVACY, NULL, "full privacy: no trade index (trade_index null)"}
#define ARG_NETWORK {OM_NETWORK, "NET", "the node's network (38385 lnd_networks): the invoice must be for it"}
#define ARG_MIN_ORDER {OM_MIN_ORDER_AMOUNT, "SATS", "the node's min_order_amount (38385): order and invoice minimum (invoice default 100)"}
#define ARG_WINDOW {OM_INVOICE_WINDOW, "SECS", "invoice_expiration_window (default 3600; not 38385's tag of that name, mostro#895)"}
#define ARG_NOW {OM_NOW, "UNIX", "the current time (default: the clock)"}
#define ARG_INVOICE_AMOUNT {OM_INVOICE_AMOUNT, "SATS", "the sats the invoice must carry (amount - fee, as Mostro's message says); amountless passes"}
#define ARG_ORDER(what) {OM_ID, "UUID", what " (required)"}
#define ARG_END {-1, NULL, NULL}

static const om_arg a_new_order[] = {
	{OM_KIND, "sell|buy", "the order's kind (required)"},
	{OM_FIAT_CODE, "CODE", "the fiat currency, three letters, upper-cased (required)"},
	{OM_FIAT_AMOUNT, "N|MIN-MAX", "the fiat amount, or a range (a market-price order)"},
	{OM_MIN, "N", "range minimum (with --max, instead of --fiat-amount MIN-MAX)"},
	{OM_MAX, "N", "range maximum"},
	{OM_PAYMENT_METHOD, "M[,M...]", "payment methods, comma-separated, at most 500 bytes (required)"},
	{OM_AMOUNT, "SATS", "a fixed sats amount; 0 or absent: the market price when taken"},
	{OM_PREMIUM, "P", "percent premium on the market price, -99..99 (market price only)"},
	{OM_INVOICE, "BOLT11|ADDRESS", "buy orders: the buyer's payout invoice, Lightning Address or LNURL"},
	{OM_EXPIRES_AT, "UNIX", "end of the take window (after now; the node clamps it)"},
	{OM_EXPIRATION_DAYS, "D", "take window of D days from now"},
	ARG_TRADE_INDEX, ARG_FULL_PRIVACY,
	{OM_CURRENCIES, "LIST", "the node's fiat_currencies_accepted (38385); empty: all"},
	ARG_MIN_ORDER,
	{OM_MAX_ORDER_AMOUNT, "SATS", "the node's max_order_amount (38385)"},
	{OM_FEE, "FRACTION", "the node's fee (38385, e.g. 0.006): refuses an invoice that could never be paid"},
	ARG_NETWORK, ARG_WINDOW, ARG_NOW, ARG_END,
};
static const om_cons c_new_order[] = {
	{C_REQUIRED, OM_KIND, -1}, {C_REQUIRED, OM_FIAT_CODE, -1},
	{C_TOGETHER, OM_MIN, OM_MAX}, {C_ONE_OF, OM_FIAT_AMOUNT, OM_MIN},
	{C_REQUIRED, OM_PAYMENT_METHOD, -1}, {C_ONE_OF, OM_TRADE_INDEX, OM_FULL_PRIVACY},
	{C_AT_MOST_ONE, OM_EXPIRES_AT, OM_EXPIRATION_DAYS}, {C_END, 0, 0},
};
/* DAEMON §1.3 new-order #1-#7 in order, then the expiration. */
static const rule_fn r_new_order[] = {
	om_rule_new_invoice, om_rule_new_currency, om_rule_new_fiat_amount, om_rule_new_amount, om_rule_new_range, om_rule_new_premium,
	om_rule_new_sats_bounds, om_rule_new_expiration, NULL,
};

static const om_arg a_take_sell[] = {
	ARG_ORDER("the sell order"), ARG_TRADE_INDEX, ARG_FULL_PRIVACY,
	{OM_AMOUNT, "FIAT", "range orders: the fiat amount to buy"},
	{OM_MIN, "N", "the order's range minimum (its 38383 fa tag), to check --amount"},
	{OM_MAX, "N", "the order's range maximum"},
	{OM_INVOICE, "BOLT11|ADDRESS", "the payout invoice, Lightning Address or LNURL (else add-invoice later)"},
	ARG_INVOICE_AMOUNT, ARG_NETWORK, ARG_MIN_ORDER, ARG_WINDOW, ARG_NOW, ARG_END,
};
static const om_cons c_take_sell[] = {
	{C_REQUIRED, OM_ID, -1}, {C_ONE_OF, OM_TRADE_INDEX, OM_FULL_PRIVACY},
	{C_TOGETHER, OM_MIN, OM_MAX}, {C_NEEDS, OM_INVOICE_AMOUNT, OM_INVOICE}, {C_END, 0, 0},
};
static const rule_fn r_take_sell[] = {om_rule_take_amount, om_rule_payout_invoice, NULL};

static const om_arg a_take_buy[] = {
	ARG_ORDER("the buy order"), ARG_TRADE_INDEX, ARG_FULL_PRIVACY,
	{OM_AMOUNT, "FIAT", "range orders: the fiat amount to sell"},
	{OM_MIN, "N", "the order's range minimum (its 38383 fa tag), to check --amount"},
	{OM_MAX, "N", "the order's range maximum"},
	ARG_END,
};
static const om_cons c_take_buy[] = {
	{C_REQUIRED, OM_ID, -1}, {C_ONE_OF, OM_TRADE_INDEX, OM_FULL_PRIVACY},
	{C_TOGETHER, OM_MIN, OM_MAX}, {C_END, 0, 0},
};
static const rule_fn r_take_buy[] = {om_rule_take_amount, NULL};

static const om_arg a_next_trade[] = {
	ARG_ORDER("the order"),
	{OM_NEXT_TRADE, "PUBKEY:INDEX", "range orders, maker: the trade key for the rest of the range"},
	ARG_END,
};
static const om_cons c_id[] = {{C_REQUIRED, OM_ID, -1}, {C_END, 0, 0}};
static const rule_fn r_none[] = {NULL};

static const om_arg a_id[] = {ARG_ORDER("the order"), ARG_END};

static const om_arg a_add_invoice[] = {
	ARG_ORDER("the order"),
	{OM_INVOICE, "BOLT11|ADDRESS", "the payout invoice, Lightning Address or LNURL (required)"},
	ARG_INVOICE_AMOUNT, ARG_NETWORK, ARG_MIN_ORDER, ARG_WINDOW, ARG_NOW, ARG_END,
};
static const om_arg a_add_bond_invoice[] = {
	ARG_ORDER("the order"),
	{OM_INVOICE, "BOLT11", "an invoice for the share Mostro's add-bond-invoice names (required)"},
	ARG_INVOICE_AMOUNT, ARG_NETWORK, ARG_MIN_ORDER, ARG_WINDOW, ARG_NOW, ARG_END,
};
static const om_cons c_invoice[] = {{C_REQUIRED, OM_ID, -1}, {C_REQUIRED, OM_INVOICE, -1}, {C_END, 0, 0}};
static const rule_fn r_add_invoice[] = {om_rule_payout_invoice, NULL};
static const rule_fn r_add_bond_invoice[] = {om_rule_bond_invoice, NULL};

static const om_arg a_rate_user[] = {
	ARG_ORDER("the finished order"),
	{OM_RATING, "1..5", "the counterpart's rating (required)"},
	ARG_END,
};
static const om_cons c_rate_user[] = {{C_REQUIRED, OM_ID, -1}, {C_REQUIRED, OM_RATING, -1}, {C_END, 0, 0}};

static const om_arg a_admin_resolve[] = {
	ARG_ORDER("the disputed order"),
	{OM_SLASH_SELLER, NULL, "slash the seller's bond (bond_resolution)"},
	{OM_SLASH_BUYER, NULL, "slash the buyer's bond (bond_resolution)"},
	ARG_END,
};

static const om_arg a_add_solver[] = {
	{OM_SOLVER, "NPUB[:LEVEL]", "the solver's key (npub or hex, written as npub); LEVEL read, write or read-write (required)"},
	{OM_ID, "UUID", "the message id mostrod requires (default: a random one)"},
	ARG_END,
};
static const om_cons c_add_solver[] = {{C_REQUIRED, OM_SOLVER, -1}, {C_END, 0, 0}};

static const om_arg a_take_dispute[] = {{OM_DISPUTE_ID, "UUID", "the dispute (its 38386 d tag; required)"}, ARG_END};
static const om_cons c_take_dispute[] = {{C_REQUIRED, OM_DISPUTE_ID, -1}, {C_END, 0, 0}};

static const om_arg a_send_dm[] = {
	ARG_ORDER("the order the conversation is about"),
	{OM_TEXT, "TEXT", "the message (required)"},
	ARG_END,
};
static const om_cons c_send_dm[] = {{C_REQUIRED, OM_ID, -1}, {C_REQUIRED, OM_TEXT, -1}, {C_END, 0, 0}};

static const om_arg a_none[] = {ARG_END};
static const om_cons c_none[] = {{C_END, 0, 0}};

static const om_arg a_orders[] = {
	{OM_IDS, "UUID[,UUID...]", "the orders (repeatable; required)"},
	{OM_MAX_ORDERS, "N", "the node's max_orders_per_response (38385)"},
	ARG_END,
};
static const om_cons c_orders[] = {{C_REQUIRED, OM_IDS, -1}, {C_END, 0, 0}};
static const rule_fn r_orders_rules[] = {om_rule_orders, NULL};

static const om_arg a_cashu[] = {
	ARG_ORDER("the order"),
	{OM_TOKEN, "TOKEN", "the NUT-11 locked Cashu token (required)"},
	{OM_MINT_URL, "URL", "the mint (required)"},
	{OM_BUYER_PUBKEY, "PUBKEY", "the buyer's trade key (required)"},
	{OM_SELLER_PUBKEY, "PUBKEY", "the seller's trade key (required)"},
	{OM_MOSTRO_PUBKEY, "PUBKEY", "Mostro's key (required)"},
	{OM_FEE_TOKEN, "TOKEN", "the fee token"},
	ARG_END,
};
static const om_cons c_cashu[] = {
	{C_REQUIRED, OM_ID, -1}, {C_REQUIRED, OM_TOKEN, -1}, {C_REQUIRED, OM_MINT_URL, -1},
	{C_REQUIRED, OM_BUYER_PUBKEY, -1}, {C_REQUIRED, OM_SELLER_PUBKEY, -1},
	{C_REQUIRED, OM_MOSTRO_PUBKEY, -1}, {C_END, 0, 0},
};

/* Envelope keys as mostro-cli sends them: restore for the session actions
 * (§8.4), dispute for the admin and solver actions, dm for send-dm, order
 * otherwise. mostrod dispatches on the action only (§2.1). */
static const om_action actions[] = {
	{"new-order", MA_NEW_ORDER, MOSTRO_CH_ORDER, -1, false, a_new_order, c_new_order, r_new_order, p_new_order,
	 "create a buy or sell order (maker)"},
	{"take-sell", MA_TAKE_SELL, MOSTRO_CH_ORDER, OM_ID, false, a_take_sell, c_take_sell, r_take_sell, p_take_sell,
	 "take a sell order (buyer)"},
	{"take-buy", MA_TAKE_BUY, MOSTRO_CH_ORDER, OM_ID, false, a_take_buy, c_take_buy, r_take_buy, p_take_buy,
	 "take a buy order (seller)"},
	{"fiat-sent", MA_FIAT_SENT, MOSTRO_CH_ORDER, OM_ID, false, a_next_trade, c_id, r_none, p_next_trade,
	 "say the fiat was sent (buyer)"},
	{"release", MA_RELEASE, MOSTRO_CH_ORDER, OM_ID, false, a_next_trade, c_id, r_none, p_next_trade,
	 "release the sats to the buyer (seller)"},
	{"cancel", MA_CANCEL, MOSTRO_CH_ORDER, OM_ID, false, a_id, c_id, r_none, p_null,
	 "cancel an order, or start or accept a cooperative cancel"},
	{"add-invoice", MA_ADD_INVOICE, MOSTRO_CH_ORDER, OM_ID, false, a_add_invoice, c_invoice, r_add_invoice, p_invoice,
	 "give the payout invoice (buyer)"},
	{"add-bond-invoice", MA_ADD_BOND_INVOICE, MOSTRO_CH_ORDER, OM_ID, false, a_add_bond_invoice, c_invoice,
	 r_add_bond_invoice, p_invoice, "give the invoice for a slashed bond's share"},
	{"rate-user", MA_RATE_USER, MOSTRO_CH_ORDER, OM_ID, false, a_rate_user, c_rate_user, r_none, p_rating,
	 "rate the counterpart of a finished trade"},
	{"dispute", MA_DISPUTE, MOSTRO_CH_ORDER, OM_ID, false, a_id, c_id, r_none, p_null,
	 "open a dispute"},
	{"admin-cancel", MA_ADMIN_CANCEL, MOSTRO_CH_DISPUTE, OM_ID, false, a_admin_resolve, c_id, r_none,
	 p_bond_resolution, "solver: cancel a disputed order (the seller is refunded)"},
	{"admin-settle", MA_ADMIN_SETTLE, MOSTRO_CH_DISPUTE, OM_ID, false, a_admin_resolve, c_id, r_none,
	 p_bond_resolution, "solver: settle a disputed order (the buyer is paid)"},
	{"admin-add-solver", MA_ADMIN_ADD_SOLVER, MOSTRO_CH_DISPUTE, OM_ID, true, a_add_solver, c_add_solver, r_none,
	 p_solver, "admin (Mostro's key): register a solver"},
	{"admin-take-dispute", MA_ADMIN_TAKE_DISPUTE, MOSTRO_CH_DISPUTE, OM_DISPUTE_ID, false, a_take_dispute,
	 c_take_dispute, r_none, p_null, "solver: take a dispute"},
	{"send-dm", MA_SEND_DM, MOSTRO_CH_DM, OM_ID, false, a_send_dm, c_send_dm, r_none, p_text,
	 "a text in a Mostro envelope to a peer (mostro-cli senddm; mostrod ignores it)"},
	{"trade-pubkey", MA_TRADE_PUBKEY, MOSTRO_CH_ORDER, OM_ID, false, a_id, c_id, r_none, p_null,
	 "maker: move a pending order to the trade key sending this"},
	{"restore-session", MA_RESTORE_SESSION, MOSTRO_CH_RESTORE, -1, false, a_none, c_none, r_none, p_null,
	 "list my live orders and disputes (sent with the identity key)"},
	{"last-trade-index", MA_LAST_TRADE_INDEX, MOSTRO_CH_RESTORE, -1, false, a_none, c_none, r_none, p_null,
	 "ask the last trade index the node has for my identity"},
	{"orders", MA_ORDERS, MOSTRO_CH_ORDER, -1, false, a_orders, c_orders, r_orders_rules, p_ids,
	 "fetch my orders by id"},
	{"add-cashu-escrow", MA_ADD_CASHU_ESCROW, MOSTRO_CH_ORDER, OM_ID, false, a_cashu, c_cashu, r_none, p_cashu,
	 "seller, Cashu mode: lock the escrow token"},
};
#define N_ACTIONS ((int)(sizeof actions / sizeof *actions))

int order_msg_action_count(void)
{
	return N_ACTIONS;
}

const char *order_msg_action_name(int i)
{
	return i >= 0 && i < N_ACTIONS ? actions[i].name : NULL;
}

const char *order_msg_action_summary(int i)
{
	return i >= 0 && i < N_ACTIONS ? actions[i].summary : NULL;
}

int order_msg_action_find(const char *name)
{
	for (int i = 0; i < N_ACTIONS; i++)
		if (strcmp(actions[i].name, name) == 0)
			return i;
	return -1;
}

static bool args_have(const om_arg *a, int opt)
{
	for (; a->opt >= 0; a++)
		if (a->opt == opt)
			return true;
	return false;
}

bool order_msg_action_takes(int action, int opt)
{
	if (action < 0 || action >= N_ACTIONS || opt < 0 || opt >= OM_OPT_COUNT)
		return false;
	return args_have(common_args, opt) || args_have(actions[action].args, opt);
}

/* ------------------------------------------------------------------ errors */

void order_msg_error_format(const order_msg_error *e, char *out, size_t n)
{
	const char *f = order_msg_opt_name(e->field);
	if (f)
		snprintf(out, n, "--%s: %s: %s", f, order_msg_reason(e->code), e->msg);
	else
		snprintf(out, n, "%s: %s", order_msg_reason(e->code), e->msg);
}

/* ----------------------------------------------------------------- request */

void order_msg_req_init(order_msg_req *r)
{
	memset(r, 0, sizeof *r);
	r->action = -1;
}

void order_msg_req_free(order_msg_req *r)
{
	for (int o = 0; o < OM_OPT_COUNT; o++)
		free(r->value[o]);
	order_msg_req_init(r);
}

static order_msg_err req_fail(order_msg_error *e, order_msg_err code, int field, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
static order_msg_err req_fail(order_msg_error *e, order_msg_err code, int field, const char *fmt, ...)
{
	om_state s = {.err = e};
	va_list ap;
	va_start(ap, fmt);
	char m[sizeof e->msg];
	vsnprintf(m, sizeof m, fmt, ap);
	va_end(ap);
	return om_fail(&s, code, field, "%s", m);
}

order_msg_err order_msg_req_action(order_msg_req *r, const char *name, order_msg_error *e)
{
	char sh[72];
	r->action = order_msg_action_find(name);
	if (r->action < 0)
		return req_fail(e, OM_ERR_UNKNOWN_ACTION, -1, "'%s' (mostro-order msg --help lists the actions)", om_shown(name, sh));
	return OM_OK;
}

order_msg_err order_msg_req_set(order_msg_req *r, const char *name, const char *value, order_msg_error *e)
{
	char sh[72];
	int o = order_msg_opt_find(name);
	if (o < 0)
		return req_fail(e, OM_ERR_UNKNOWN_OPTION, -1, "--%s", om_shown(name, sh));
	if (om_options[o].type == OMT_FLAG)
		value = "";
	else if (!value)
		return req_fail(e, OM_ERR_BAD_VALUE, o, "needs a value");
	if (r->value[o]) {
		if (o != OM_IDS)
			return req_fail(e, OM_ERR_REPEATED, o, "given twice");
		size_t a = strlen(r->value[o]), b = strlen(value);
		char *j = mu_xmalloc(a + b + 2);
		memcpy(j, r->value[o], a);
		j[a] = ',';
		memcpy(j + a + 1, value, b + 1);
		free(r->value[o]);
		r->value[o] = j;
		return OM_OK;
	}
	r->value[o] = mu_xstrdup(value);
	return OM_OK;
}

/* ------------------------------------------------------------------- build */

static void state_init(om_state *s, const order_msg_req *r, uint64_t now, order_msg_error *e)
{
	memset(s, 0, sizeof *s);
	s->act = r->action >= 0 && r->action < N_ACTIONS ? &actions[r->action] : NULL;
	s->value = r->value;
	s->now = now;
	s->err = e;
	s->v.ids = jv_array();
	s->v.transport = MOSTRO_V2;
	s->v.network = BOLT11_NET_UNKNOWN;
	for (int o = 0; o < OM_OPT_COUNT; o++)
		if (r->value[o])
			s->given |= OM_BIT(o);
	if (e) {
		memset(e, 0, sizeof *e);
		e->field = -1;
	}
}

static void state_free(om_state *s)
{
	jv_free(s->v.ids);
	buf_free(&s->v.payment_method);
	buf_free(&s->v.solver);
}

static order_msg_err check_constraints(om_state *s)
{
	for (const om_cons *c = s->act->cons; c->kind != C_END; c++) {
		bool ga = OM_GIVEN(s, c->a), gb = c->b >= 0 && OM_GIVEN(s, c->b);
		const char *na = om_options[c->a].name, *nb = c->b >= 0 ? om_options[c->b].name : "";
		switch (c->kind) {
		case C_REQUIRED:
			if (!ga)
				return om_fail(s, OM_ERR_MISSING, c->a, "required by %s", s->act->name);
			break;
		case C_ONE_OF:
			if (ga && gb)
				return om_fail(s, OM_ERR_CONFLICT, c->b, "cannot be given with --%s", na);
			if (!ga && !gb)
				return om_fail(s, OM_ERR_MISSING, c->a, "required by %s (or --%s)", s->act->name, nb);
			break;
		case C_AT_MOST_ONE:
			if (ga && gb)
				return om_fail(s, OM_ERR_CONFLICT, c->b, "cannot be given with --%s", na);
			break;
		case C_TOGETHER:
			if (ga && !gb)
				return om_fail(s, OM_ERR_MISSING, c->b, "required with --%s", na);
			if (gb && !ga)
				return om_fail(s, OM_ERR_MISSING, c->a, "required with --%s", nb);
			break;
		case C_NEEDS:
			if (ga && !gb)
				return om_fail(s, OM_ERR_MISSING, c->b, "required with --%s", na);
			break;
		default:
			break;
		}
	}
	return OM_OK;
}

static void random_uuid(char out[37])
{
	uint8_t b[16];
	char h[33];
	randombytes_buf(b, sizeof b);
	b[6] = (uint8_t)((b[6] & 0x0f) | 0x40);
	b[8] = (uint8_t)((b[8] & 0x3f) | 0x80);
	hex_encode(h, b, 16);
	snprintf(out, 37, "%.8s-%.4s-%.4s-%.4s-%.12s", h, h + 8, h + 12, h + 16, h + 20);
}

/* The message as a value: {"<channel>":{version,request_id,trade_index,id?,action,payload}}. */
static jv message_value(om_state *s)
{
	const om_action *a = s->act;
	jv k = jv_object();
	k = oset(k, "version", jv_number(OM_GIVEN(s, OM_VERSION) ? (double)s->v.u[OM_VERSION] : 2));
	k = oset(k, "request_id", OM_GIVEN(s, OM_REQUEST_ID) ? json_from_u64(s->v.u[OM_REQUEST_ID]) : jv_null());
	k = oset(k, "trade_index", OM_GIVEN(s, OM_TRADE_INDEX) ? json_from_u64(s->v.u[OM_TRADE_INDEX]) : jv_null());
	if (a->id_opt >= 0) {
		char id[37];
		if (OM_GIVEN(s, a->id_opt))
			memcpy(id, s->v.key[a->id_opt], 37);
		else
			random_uuid(id);
		k = oset(k, "id", jv_string(id));
	}
	k = oset(k, "action", jv_string(mostro_action_names[a->action]));
	k = oset(k, "payload", a->payload(s));
	return variant(mostro_channel_names[a->channel], k);
}

/* Parse the value back with mostro-core's strictness, apply the daemon's
 * structural gate, write it canonically and check that those bytes read
 * back to the same bytes. */
static order_msg_err canonical(om_state *s, buf *out)
{
	mostro_msg m, back;
	mostro_msg_error me;
	order_msg_err rc = OM_OK;
	buf again = BUF_INIT;
	jv v = message_value(s);
	mostro_msg_err pe = mostro_msg_from_jv(&m, v, &me);
	jv_free(v);
	mostro_msg_init(&back);
	if (pe) {
		rc = om_fail(s, OM_ERR_INTERNAL, -1, "%s", me.msg);
	} else if (!mostro_msg_verify_structure(&m)) {
		rc = om_fail(s, OM_ERR_INTERNAL, -1, "%s fails MessageKind::verify", s->act->name);
	} else {
		mostro_msg_write(out, &m);
		if (mostro_msg_parse(&back, out->p, out->len, &me) != MOSTRO_MSG_OK)
			rc = om_fail(s, OM_ERR_INTERNAL, -1, "the canonical message does not parse: %s", me.msg);
		else {
			mostro_msg_write(&again, &back);
			if (again.len != out->len || memcmp(again.p, out->p, out->len) != 0)
				rc = om_fail(s, OM_ERR_INTERNAL, -1, "the canonical message does not round-trip");
		}
	}
	mostro_msg_free(&m);
	mostro_msg_free(&back);
	buf_free(&again);
	return rc;
}

static order_msg_err build_state(om_state *s, buf *out)
{
	const om_action *a = s->act;
	for (int o = 0; o < OM_OPT_COUNT; o++)
		if (OM_GIVEN(s, o) && !order_msg_action_takes((int)(a - actions), o))
			return om_fail(s, OM_ERR_NOT_FOR_ACTION, o, "not an option of %s (mostro-order msg %s --help)", a->name, a->name);
	order_msg_err e = check_constraints(s);
	if (!e)
		e = om_check_values(s);
	if (OM_GIVEN(s, OM_NOW))
		s->now = s->v.u[OM_NOW];
	for (const rule_fn *r = a->rules; !e && *r; r++)
		e = (*r)(s);
	if (e)
		return e;
	buf msg = BUF_INIT;
	e = canonical(s, &msg);
	if (!e) {
		buf_putc(out, '{');
		if (OM_GIVEN(s, OM_TO))
			buf_printf(out, "\"to\":\"%s\",", s->v.key[OM_TO]);
		buf_puts(out, "\"message\":");
		buf_put(out, msg.p, msg.len);
		if (OM_GIVEN(s, OM_TRANSPORT))
			buf_printf(out, ",\"transport\":\"v%d\"", (int)s->v.transport);
		if (OM_GIVEN(s, OM_POW))
			buf_printf(out, ",\"pow\":%llu", (unsigned long long)s->v.u[OM_POW]);
		buf_putc(out, '}');
	}
	buf_free(&msg);
	return e;
}

order_msg_err order_msg_build(const order_msg_req *r, uint64_t now, buf *out, order_msg_error *e)
{
	om_state s;
	state_init(&s, r, now, e);
	order_msg_err rc;
	if (!s.act)
		rc = om_fail(&s, OM_ERR_UNKNOWN_ACTION, -1, "no action given (mostro-order msg --help lists them)");
	else
		rc = build_state(&s, out);
	state_free(&s);
	return rc;
}

order_msg_err order_msg_check_values(const order_msg_req *r, order_msg_error *e)
{
	om_state s;
	state_init(&s, r, 0, e);
	order_msg_err rc = om_check_values(&s);
	state_free(&s);
	return rc;
}

/* ------------------------------------------------------------------- batch */

/* A line value as option text: strings as they are, integers exactly,
 * true for flags. *skip: false or null (not given). */
static order_msg_err line_value(jv v, int o, buf *text, bool *skip, order_msg_error *e)
{
	*skip = false;
	buf_reset(text);
	jv_kind k = jv_get_kind(v);
	if (k == JV_KIND_NULL || k == JV_KIND_FALSE) {
		*skip = true;
		return OM_OK;
	}
	if (om_options[o].type == OMT_FLAG) {
		if (k != JV_KIND_TRUE)
			return req_fail(e, OM_ERR_BAD_VALUE, o, "a flag takes true, false or null");
		return OM_OK;
	}
	if (k == JV_KIND_ARRAY && o == OM_IDS) {
		jv_array_foreach(v, i, item) {
			size_t n;
			const char *str = json_str(item, &n);
			if (!str || memchr(str, 0, n)) {
				jv_free(item);
				return req_fail(e, OM_ERR_BAD_UUID, o, "item %d is not a string", i + 1);
			}
			if (i)
				buf_putc(text, ',');
			buf_put(text, str, n);
			jv_free(item);
		}
		if (!text->len)
			return req_fail(e, OM_ERR_BAD_UUID, o, "an empty list");
		return OM_OK;
	}
	if (k == JV_KIND_STRING && !json_is_bigint(v)) {
		size_t n;
		const char *str = json_str(v, &n);
		if (memchr(str, 0, n))
			return req_fail(e, om_options[o].code, o, "contains a NUL character");
		buf_put(text, str, n);
		return OM_OK;
	}
	if (k == JV_KIND_NUMBER || json_is_bigint(v)) {
		json_write(text, v);
		return OM_OK;
	}
	return req_fail(e, om_options[o].code, o, "expected a string or a number");
}

order_msg_err order_msg_line(const order_msg_req *defaults, const char *line, size_t n, uint64_t now,
			     buf *out, order_msg_error *e)
{
	json_error je = {0};
	char sh[72];
	order_msg_req r;
	order_msg_req_init(&r);
	order_msg_err rc = OM_OK;
	buf text = BUF_INIT;
	jv v = json_parse(line, n, JSON_EXACT_NUMBERS, &je);
	if (e) {
		memset(e, 0, sizeof *e);
		e->field = -1;
	}
	if (!jv_is_valid(v)) {
		rc = req_fail(e, OM_ERR_LINE, -1, "invalid JSON %s", je.msg);
		goto out;
	}
	if (jv_get_kind(v) != JV_KIND_OBJECT) {
		rc = req_fail(e, OM_ERR_LINE, -1, "expected an object {\"action\":\"...\",...}");
		goto out;
	}
	size_t an;
	const char *action = json_get_str(v, "action", &an);
	if (!action || memchr(action, 0, an)) {
		rc = req_fail(e, OM_ERR_LINE, -1, "no \"action\" string");
		goto out;
	}
	if ((rc = order_msg_req_action(&r, action, e)))
		goto out;
	jv_object_foreach(v, key, val) {
		const char *k = jv_string_value(key);
		if (!rc && strcmp(k, "action") != 0) {
			int o = order_msg_opt_find(k);
			bool skip;
			if (o < 0 || (size_t)jv_string_length_bytes(jv_copy(key)) != strlen(k))
				rc = req_fail(e, OM_ERR_UNKNOWN_OPTION, -1, "\"%s\"", om_shown(k, sh));
			else if (!(rc = line_value(val, o, &text, &skip, e)) && !skip)
				rc = order_msg_req_set(&r, k, text.p ? text.p : "", e);
		}
		jv_free(key);
		jv_free(val);
	}
	if (rc)
		goto out;
	for (int o = 0; defaults && o < OM_OPT_COUNT; o++)
		if (defaults->value[o] && !r.value[o] && order_msg_action_takes(r.action, o))
			r.value[o] = mu_xstrdup(defaults->value[o]);
	rc = order_msg_build(&r, now, out, e);
out:
	jv_free(v);
	buf_free(&text);
	order_msg_req_free(&r);
	return rc;
}

/* -------------------------------------------------------------------- help */

static void help_arg(buf *b, const om_arg *a)
{
	char left[48];
	snprintf(left, sizeof left, "--%s%s%s", om_options[a->opt].name, a->arg ? " " : "", a->arg ? a->arg : "");
	if (strlen(left) > 26)
		buf_printf(b, "  %s\n  %-26s  %s\n", left, "", a->help);
	else
		buf_printf(b, "  %-26s  %s\n", left, a->help);
}

/* The constraints grouped by kind, one line each. */
static void help_constraints(buf *b, const om_cons *cons)
{
	static const char *const heads[] = {
		[C_REQUIRED] = "Required:", [C_ONE_OF] = "One of:", [C_AT_MOST_ONE] = "Not both:",
		[C_TOGETHER] = "Together:", [C_NEEDS] = "Only with:",
	};
	for (int k = C_REQUIRED; k <= C_NEEDS; k++) {
		bool first = true;
		for (const om_cons *c = cons; c->kind != C_END; c++) {
			if ((int)c->kind != k)
				continue;
			buf_puts(b, first ? heads[k] : ";");
			first = false;
			if (k == C_REQUIRED)
				buf_printf(b, " --%s", om_options[c->a].name);
			else if (k == C_NEEDS)
				buf_printf(b, " --%s needs --%s", om_options[c->a].name, om_options[c->b].name);
			else
				buf_printf(b, " --%s, --%s", om_options[c->a].name, om_options[c->b].name);
		}
		if (!first)
			buf_putc(b, '\n');
	}
}

void order_msg_help(buf *b, int action)
{
	if (action < 0 || action >= N_ACTIONS) {
		buf_puts(b,
			 "Usage: mostro-order msg ACTION [OPTIONS]\n"
			 "       mostro-order msg --batch [--errors] [OPTIONS] < requests.jsonl\n"
			 "Build one request to Mostro as a mostro-wrap record\n"
			 "{\"to\":...,\"message\":{...},\"transport\":...,\"pow\":...} (to, transport, pow only\n"
			 "when given), refusing what the node would refuse or silently drop: exit 4\n"
			 "with the option and the reason named.\n\nActions:\n");
		for (int i = 0; i < N_ACTIONS; i++)
			buf_printf(b, "  %-20s %s\n", actions[i].name, actions[i].summary);
		buf_puts(b, "\nOptions of every action:\n");
		for (const om_arg *a = common_args; a->opt >= 0; a++)
			help_arg(b, a);
		buf_puts(b,
			 "\n  --batch                     JSON lines on stdin: {\"action\":\"...\",\"<option>\":value,...};\n"
			 "                              options given here are defaults where the line's action takes them\n"
			 "  --errors                    with --batch: also an error record for each bad line\n"
			 "  -h, --help                  this text; ACTION --help: that action's options\n"
			 "\nExit: 0 ok, 2 usage (unknown action or option, a required option missing),\n"
			 "4 a value Mostro would refuse, 123 some batch lines failed.\n");
		return;
	}
	const om_action *a = &actions[action];
	buf_printf(b, "Usage: mostro-order msg %s [OPTIONS]\n%c%s.\nEnvelope \"%s\", action \"%s\".\n\n", a->name,
		   a->summary[0] >= 'a' && a->summary[0] <= 'z' ? a->summary[0] - 'a' + 'A' : a->summary[0], a->summary + 1,
		   mostro_channel_names[a->channel], mostro_action_names[a->action]);
	for (const om_arg *p = a->args; p->opt >= 0; p++)
		help_arg(b, p);
	if (a->args[0].opt >= 0)
		buf_putc(b, '\n');
	help_constraints(b, a->cons);
	buf_puts(b, "Options of every action: --request-id N, --version 1|2, --to PUBKEY, --transport v1|v2, --pow N.\n");
}
