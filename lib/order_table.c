/* order_table.c — the tables of lib/order_table.h, each a copy of a
 * DAEMON.md table; rows carry their section and check number so each can be
 * checked against the text one by one. */
#include "order_table.h"
#include "order_tick.h"

#include <string.h>

/* ===================================================== guard tables (§1.3) */

#define ROW(ref, check, fn, ...) {ref, check, fn, __VA_ARGS__}
#define CANT(r) OUT_CANT_DO, CD_##r
#define SILENT OUT_SILENT, 0

/* §1.3 new-order. Client-supplied status, created_at and id are ignored. */
static const order_guard new_order_guards[] = {
	ROW("§1.3 new-order #1", "buyer_invoice (if any) passes §4.4 with amount = amount, fee 0 [quirk §11.7]",
	    g_invoice_new_order, CANT(INVALID_INVOICE)),
	ROW("§1.3 new-order #2", "fiat_code is accepted (exact; empty list accepts all)",
	    g_fiat_accepted, CANT(INVALID_FIAT_CURRENCY)),
	ROW("§1.3 new-order #3", "without min and max: fiat_amount > 0",
	    g_new_fiat_positive, CANT(INVALID_AMOUNT)),
	ROW("§1.3 new-order #4", "amount >= 0",
	    g_new_amount_nonneg, CANT(INVALID_AMOUNT)),
	ROW("§1.3 new-order #5", "with min and max: both >= 0, min < max, amount == 0",
	    g_new_range_limits, CANT(INVALID_AMOUNT)),
	ROW("§1.3 new-order #6", "not both amount and premium",
	    g_new_no_amount_with_premium, CANT(INVALID_PARAMETERS)),
	ROW("§1.3 new-order #7", "each fiat value's sats within [min_payment_amount, max_order_amount] "
	    "(stale price: price_too_stale; no price: silent; negative: invalid_amount)",
	    g_new_quotes, CANT(OUT_OF_RANGE_SATS_AMOUNT)),
	ROW("§1.3 new-order #8", "trade_index present, or identity == sender (then 0)",
	    g_trade_index_resolved, SILENT),
	ROW("§1.3 new-order #9", "users.last_trade_index = trade_index (negative or DB error: silent)",
	    g_record_trade_index, SILENT),
	ROW("§1.3 new-order #10", "kind present",
	    g_new_kind_present, CANT(INVALID_ORDER_KIND)),
};

/* §1.3 take-sell. #7 (bonds, §10.1) has no row: the extension is not built. */
static const order_guard take_sell_guards[] = {
	ROW("§1.3 take-sell #1", "message id names an order", g_order_exists, CANT(NOT_FOUND)),
	ROW("§1.3 take-sell #2", "taker identity is not master buyer of a waiting-buyer-invoice order",
	    g_no_pending_as_buyer, CANT(PENDING_ORDER_EXISTS)),
	ROW("§1.3 take-sell #3", "order kind is sell", g_kind_sell, CANT(INVALID_ORDER_KIND)),
	ROW("§1.3 take-sell #4", "status is pending (or waiting-taker-bond)", g_status_pretrade, CANT(INVALID_ORDER_STATUS)),
	ROW("§1.3 take-sell #5", "take window open: not (expires_at > 0 and expires_at <= now)",
	    g_take_window_open, CANT(INVALID_ORDER_STATUS)),
	ROW("§1.3 take-sell #6", "sender is not the maker (trade keys)", g_not_maker, CANT(INVALID_PUBKEY)),
	ROW("§1.3 take-sell #6a", "the seller key is set (mostrod: get_seller_pubkey, internal)",
	    g_seller_key_set, SILENT),
	ROW("§1.3 take-sell #8", "range order: requested fiat amount within [min, max] (sic: sats reason)",
	    g_take_fiat_amount, CANT(OUT_OF_RANGE_SATS_AMOUNT)),
	ROW("§1.3 take-sell #9", "market order priced now (stale: price_too_stale; no price: silent); dev fee computed",
	    g_take_price, SILENT),
	ROW("§1.3 take-sell #10", "payment_request (if any) passes §4.4 with amount, fee",
	    g_invoice_take, CANT(INVALID_INVOICE)),
	ROW("§1.3 take-sell #11", "trade_index present, or identity == sender (then 0)", g_trade_index_resolved, SILENT),
	ROW("§1.3 take-sell #12", "users.last_trade_index = trade_index", g_record_trade_index, SILENT),
};

/* §1.3 take-buy: take-sell's rows with the buy-side differences. */
static const order_guard take_buy_guards[] = {
	ROW("§1.3 take-buy #1", "message id names an order", g_order_exists, CANT(NOT_FOUND)),
	ROW("§1.3 take-buy #2", "taker identity is not master seller of a waiting-payment order",
	    g_no_pending_as_seller, CANT(PENDING_ORDER_EXISTS)),
	ROW("§1.3 take-buy #3", "order kind is buy", g_kind_buy, CANT(INVALID_ORDER_KIND)),
	ROW("§1.3 take-buy #4", "status is pending (or waiting-taker-bond)", g_status_pretrade, CANT(INVALID_ORDER_STATUS)),
	ROW("§1.3 take-buy #5", "take window open", g_take_window_open, CANT(INVALID_ORDER_STATUS)),
	ROW("§1.3 take-buy #6", "sender is not the maker (trade keys)", g_not_maker, CANT(INVALID_PUBKEY)),
	ROW("§1.3 take-buy #8", "range order: requested fiat amount within [min, max]",
	    g_take_fiat_amount, CANT(OUT_OF_RANGE_SATS_AMOUNT)),
	ROW("§1.3 take-buy #9", "market order priced now; dev fee computed", g_take_price, SILENT),
	ROW("§1.3 take-buy #9a", "the buyer key is set (mostrod: get_buyer_pubkey, internal)", g_buyer_key_set, SILENT),
	ROW("§1.3 take-buy #11", "trade_index present, or identity == sender (then 0)", g_trade_index_resolved, SILENT),
	ROW("§1.3 take-buy #12", "users.last_trade_index = trade_index", g_record_trade_index, SILENT),
};

/* §1.3 add-invoice. */
static const order_guard add_invoice_guards[] = {
	ROW("§1.3 add-invoice #1", "order exists", g_order_exists, CANT(NOT_FOUND)),
	ROW("§1.3 add-invoice #2", "buyer_pubkey set", g_buyer_key_set, SILENT),
	ROW("§1.3 add-invoice #3", "sender is the buyer (trade key)", g_sender_is_buyer_peer, CANT(INVALID_PEER)),
	ROW("§1.3 add-invoice #4", "invoice passes §4.4 with amount, fee", g_invoice_add, CANT(INVALID_INVOICE)),
	ROW("§1.3 add-invoice #5", "status waiting-buyer-invoice or settled-hold-invoice",
	    g_add_invoice_status, CANT(NOT_ALLOWED_BY_STATUS)),
};

/* §1.3 fiat-sent: status before sender (order is data, STYLE.md §2). */
static const order_guard fiat_sent_guards[] = {
	ROW("§1.3 fiat-sent #1", "order exists", g_order_exists, CANT(NOT_FOUND)),
	ROW("§1.3 fiat-sent #2", "status active", g_status_active, CANT(INVALID_ORDER_STATUS)),
	ROW("§1.3 fiat-sent #3", "sender is the buyer (trade key)", g_sender_is_buyer, CANT(INVALID_PUBKEY)),
	ROW("§1.3 fiat-sent #4", "payload null or next_trade", g_payload_next_trade, SILENT),
};

/* §1.3 release: sender before status. */
static const order_guard release_guards[] = {
	ROW("§1.3 release #1", "order exists", g_order_exists, CANT(NOT_FOUND)),
	ROW("§1.3 release #2", "seller and buyer keys set", g_both_keys_set, SILENT),
	ROW("§1.3 release #3", "sender is the seller (trade key)", g_sender_is_seller, CANT(INVALID_PEER)),
	ROW("§1.3 release #4", "status fiat-sent or dispute", g_status_fiat_sent_or_dispute, CANT(NOT_ALLOWED_BY_STATUS)),
	ROW("§1.3 release #5", "payload null or next_trade", g_payload_next_trade, SILENT),
	ROW("§1.3 release #6", "preimage present", g_preimage_present, CANT(INVALID_INVOICE)),
};

/* §1.3 cancel: the lookup, then the matrix below. */
static const order_guard cancel_guards[] = {
	ROW("§1.3 cancel #1", "order exists", g_order_exists, CANT(NOT_FOUND)),
};

#define GUARDS_INIT(t) .guards = t, .nguards = sizeof t / sizeof *t

/* ============================================ guard tables (§5, §6, §7) */

/* §6 dispute (a party opens one). mostrod looks for a dispute row before it
 * reads the order (#2 before #3). */
static const order_guard dispute_guards[] = {
	ROW("§6 dispute #1", "message id present", g_has_message_id, CANT(NOT_FOUND)),
	ROW("§6 dispute #2", "no dispute row for the order (any status) [quirk §11.12]", g_no_dispute_for_order, SILENT),
	ROW("§6 dispute #3", "order exists", g_order_exists, CANT(NOT_FOUND)),
	ROW("§6 dispute #4", "status active or fiat-sent", g_status_active_or_fiat_sent, CANT(NOT_ALLOWED_BY_STATUS)),
	ROW("§6 dispute #5", "buyer and seller keys set", g_both_keys_set, SILENT),
	ROW("§6 dispute #6", "sender is the buyer or the seller (trade keys)", g_sender_is_party, CANT(INVALID_PUBKEY)),
	ROW("§6 dispute #7", "the initiator's dispute flag not already set", g_dispute_flag_unset,
	    CANT(DISPUTE_CREATION_ERROR)),
};

/* §6 admin-take-dispute: the message id is the DISPUTE id. */
static const order_guard admin_take_dispute_guards[] = {
	ROW("§6 admin-take-dispute #1", "message id names a dispute", g_dispute_exists, SILENT),
	ROW("§6 admin-take-dispute #2", "the caller's identity may take it (take_dispute_matrix: status x caller)",
	    g_may_take_dispute, CANT(INVALID_PUBKEY)),
	ROW("§6 admin-take-dispute #3", "the dispute's order exists", g_dispute_order_exists, CANT(NOT_FOUND)),
};

/* §6 admin-settle / admin-cancel, common checks 1-3 (the message id is the
 * ORDER id); #4 is a reply (cooperative-cancel-accepted), made by the
 * handler, which then runs the late rows below. */
#define ADMIN_COMMON(act) \
	ROW("§6 " act " #1", "order exists", g_order_exists, CANT(NOT_FOUND)), \
	ROW("§6 " act " #2", "the caller's identity is the dispute's assigned solver " \
	    "(else dispute_taken_by_admin when Mostro's key holds it in-progress)", \
	    g_assigned_solver, CANT(IS_NOT_YOUR_DISPUTE)), \
	ROW("§6 " act " #3", "the caller is Mostro's key or a read-write (category 2) solver", \
	    g_may_finalize, CANT(NOT_AUTHORIZED))

static const order_guard admin_settle_guards[] = { ADMIN_COMMON("admin-settle") };
static const order_guard admin_cancel_guards[] = { ADMIN_COMMON("admin-cancel") };

const order_guard admin_settle_late_guards[] = {
	ROW("§6 admin-settle #5", "status dispute", g_status_dispute, CANT(INVALID_ORDER_STATUS)),
	ROW("§6 admin-settle #6", "bond_resolution slashes only locked bonds (none: no bonds here)",
	    g_no_bond_slash, CANT(INVALID_PAYLOAD)),
	ROW("§6 admin-settle #7", "seller key and preimage present (settle_seller_hold_invoice, internal)",
	    g_settle_ready, SILENT),
};
const size_t admin_settle_late_count = sizeof admin_settle_late_guards / sizeof *admin_settle_late_guards;

const order_guard admin_cancel_late_guards[] = {
	ROW("§6 admin-cancel #5", "status dispute", g_status_dispute, CANT(NOT_ALLOWED_BY_STATUS)),
	ROW("§6 admin-cancel #6", "bond_resolution slashes only locked bonds (none: no bonds here)",
	    g_no_bond_slash, CANT(INVALID_PAYLOAD)),
};
const size_t admin_cancel_late_count = sizeof admin_cancel_late_guards / sizeof *admin_cancel_late_guards;

/* §6 admin-add-solver: mostrod wants a payload before it looks at the
 * caller (#1 before #2). */
static const order_guard admin_add_solver_guards[] = {
	ROW("§6 admin-add-solver #1", "a payload is present", g_payload_present, CANT(INVALID_TEXT_MESSAGE)),
	ROW("§6 admin-add-solver #2", "identity is Mostro's key [quirk §11.12]", g_sender_is_mostro, SILENT),
	ROW("§6 admin-add-solver #3", "text_message, not empty once trimmed, with an npub part",
	    g_solver_text, CANT(INVALID_TEXT_MESSAGE)),
	ROW("§6 admin-add-solver #4", "no suffix, or :read, :write, :read-write, and no second ':'",
	    g_solver_suffix, CANT(INVALID_PARAMETERS)),
	ROW("§6 admin-add-solver #5", "the npub decodes to a valid key", g_solver_npub, SILENT),
	ROW("§6 admin-add-solver #6", "no users row for that key yet (an INSERT)", g_solver_new, SILENT),
};

/* §5 rate-user. #7 is the users row read inside mostrod's transaction. */
static const order_guard rate_user_guards[] = {
	ROW("§5 rate-user #1", "order exists", g_order_exists, CANT(NOT_FOUND)),
	ROW("§5 rate-user #2", "buyer and seller keys set", g_both_keys_set, SILENT),
	ROW("§5 rate-user #3", "status success, or settled-hold-invoice and the sender is the seller",
	    g_rate_status, CANT(INVALID_ORDER_STATUS)),
	ROW("§5 rate-user #4", "the sender is a party that has not rated yet (others: a silent no-op)",
	    g_rater_has_not_rated, SILENT),
	ROW("§5 rate-user #5", "rating 1..5", g_rating_in_range, SILENT),
	ROW("§5 rate-user #6", "the rated counterpart is in reputation mode (full privacy: no-op, no flag)",
	    g_counterpart_reputation, SILENT),
	ROW("§5 rate-user #7", "the counterpart's users row exists (else rolled back)", g_counterpart_user, SILENT),
};

/* §7 trade-pubkey: the maker rotates its trade key (mostro#903: a CAS). */
static const order_guard trade_pubkey_guards[] = {
	ROW("§7 trade-pubkey #1", "order exists", g_order_exists, CANT(NOT_FOUND)),
	ROW("§7 trade-pubkey #2", "status pending or waiting-taker-bond", g_status_pretrade, CANT(INVALID_ORDER_STATUS)),
	ROW("§7 trade-pubkey #3", "identity is the maker's master key (sell: seller, buy: buyer)",
	    g_sender_is_maker_identity, SILENT),
};

/* §7 orders (the caller's orders by id). */
static const order_guard orders_guards[] = {
	ROW("§7 orders #1", "payload ids", g_payload_ids, CANT(INVALID_PARAMETERS)),
	ROW("§7 orders #2", "at least one id", g_ids_nonempty, CANT(INVALID_PARAMETERS)),
	ROW("§7 orders #3", "at most max_orders_per_response ids", g_ids_within_limit, CANT(TOO_MANY_REQUESTS)),
	ROW("§7 orders #4", "some id names an order of the caller's identity (master buyer or seller)",
	    g_orders_found, CANT(NOT_FOUND)),
};

/* §7 last-trade-index. */
static const order_guard last_trade_index_guards[] = {
	ROW("§7 last-trade-index #1", "the identity has a users row", g_identity_user, CANT(NOT_FOUND)),
	ROW("§7 last-trade-index #2", "its last_trade_index is not 0", g_last_trade_index_set, CANT(INVALID_TRADE_INDEX)),
};

/* §7 restore-session (payload null: the §0.4 gate). */
static const order_guard restore_session_guards[] = {
	ROW("§7 restore-session #1", "identity is 64 hex digits (else the background query fails: nothing sent)",
	    g_identity_hex, SILENT),
};


/* ================================================== dispatch (§9, §10.2) */

#define NOT_BUILT(ref_, look) { .kind = DISPATCH_NOT_BUILT, .ref = ref_, .lookup = look, .handler = act_not_built }
#define IGNORED { .kind = DISPATCH_IGNORE, .ref = "§9 dispatch: anything else is ignored silently" }

const action_row order_actions[MA_COUNT] = {
	[MA_NEW_ORDER] = { .kind = DISPATCH_HANDLE, .ref = "§1.3 new-order", .lookup = LOOKUP_NONE,
		.trade_index = true, GUARDS_INIT(new_order_guards), .handler = act_new_order },
	[MA_TAKE_SELL] = { .kind = DISPATCH_HANDLE, .ref = "§1.3 take-sell", .lookup = LOOKUP_ORDER,
		.trade_index = true, GUARDS_INIT(take_sell_guards), .handler = act_take_sell },
	[MA_TAKE_BUY] = { .kind = DISPATCH_HANDLE, .ref = "§1.3 take-buy", .lookup = LOOKUP_ORDER,
		.trade_index = true, GUARDS_INIT(take_buy_guards), .handler = act_take_buy },
	[MA_PAY_INVOICE] = { .kind = DISPATCH_CANT_DO, .ref = "§9 dispatch: pay-invoice", .reason = CD_INVALID_ACTION },
	[MA_PAY_BOND_INVOICE] = IGNORED,
	[MA_FIAT_SENT] = { .kind = DISPATCH_HANDLE, .ref = "§1.3 fiat-sent", .lookup = LOOKUP_ORDER,
		GUARDS_INIT(fiat_sent_guards), .handler = act_fiat_sent },
	[MA_FIAT_SENT_OK] = IGNORED,
	[MA_RELEASE] = { .kind = DISPATCH_HANDLE, .ref = "§1.3 release", .lookup = LOOKUP_ORDER,
		GUARDS_INIT(release_guards), .handler = act_release },
	[MA_RELEASED] = IGNORED,
	[MA_CANCEL] = { .kind = DISPATCH_HANDLE, .ref = "§1.3 cancel", .lookup = LOOKUP_ORDER,
		GUARDS_INIT(cancel_guards), .handler = act_cancel },
	[MA_CANCELED] = IGNORED,
	[MA_COOPERATIVE_CANCEL_INITIATED_BY_YOU] = IGNORED,
	[MA_COOPERATIVE_CANCEL_INITIATED_BY_PEER] = IGNORED,
	[MA_DISPUTE_INITIATED_BY_YOU] = IGNORED,
	[MA_DISPUTE_INITIATED_BY_PEER] = IGNORED,
	[MA_COOPERATIVE_CANCEL_ACCEPTED] = IGNORED,
	[MA_BUYER_INVOICE_ACCEPTED] = IGNORED,
	[MA_BOND_INVOICE_ACCEPTED] = IGNORED,
	[MA_PURCHASE_COMPLETED] = IGNORED,
	[MA_BOND_PAYOUT_COMPLETED] = IGNORED,
	[MA_BOND_SLASHED] = IGNORED,
	[MA_HOLD_INVOICE_PAYMENT_ACCEPTED] = IGNORED,
	[MA_HOLD_INVOICE_PAYMENT_SETTLED] = IGNORED,
	[MA_HOLD_INVOICE_PAYMENT_CANCELED] = IGNORED,
	[MA_WAITING_SELLER_TO_PAY] = IGNORED,
	[MA_WAITING_BUYER_INVOICE] = IGNORED,
	[MA_ADD_INVOICE] = { .kind = DISPATCH_HANDLE, .ref = "§1.3 add-invoice", .lookup = LOOKUP_ORDER,
		GUARDS_INIT(add_invoice_guards), .handler = act_add_invoice },
	[MA_ADD_BOND_INVOICE] = NOT_BUILT("§10.1 add-bond-invoice (bond extension)", LOOKUP_ORDER),
	[MA_BUYER_TOOK_ORDER] = IGNORED,
	[MA_RATE] = IGNORED,
	[MA_RATE_USER] = { .kind = DISPATCH_HANDLE, .ref = "§5 rate-user", .lookup = LOOKUP_ORDER,
		GUARDS_INIT(rate_user_guards), .handler = act_rate_user },
	[MA_RATE_RECEIVED] = IGNORED,
	[MA_CANT_DO] = IGNORED,
	[MA_DISPUTE] = { .kind = DISPATCH_HANDLE, .ref = "§6 dispute", .lookup = LOOKUP_ORDER,
		GUARDS_INIT(dispute_guards), .handler = act_dispute },
	[MA_ADMIN_CANCEL] = { .kind = DISPATCH_HANDLE, .ref = "§6 admin-cancel", .lookup = LOOKUP_ORDER,
		GUARDS_INIT(admin_cancel_guards), .handler = act_admin_cancel },
	[MA_ADMIN_CANCELED] = IGNORED,
	[MA_ADMIN_SETTLE] = { .kind = DISPATCH_HANDLE, .ref = "§6 admin-settle", .lookup = LOOKUP_ORDER,
		GUARDS_INIT(admin_settle_guards), .handler = act_admin_settle },
	[MA_ADMIN_SETTLED] = IGNORED,
	[MA_ADMIN_ADD_SOLVER] = { .kind = DISPATCH_HANDLE, .ref = "§6 admin-add-solver", .lookup = LOOKUP_NONE,
		GUARDS_INIT(admin_add_solver_guards), .handler = act_admin_add_solver },
	[MA_ADMIN_TAKE_DISPUTE] = { .kind = DISPATCH_HANDLE, .ref = "§6 admin-take-dispute", .lookup = LOOKUP_DISPUTE,
		GUARDS_INIT(admin_take_dispute_guards), .handler = act_admin_take_dispute },
	[MA_ADMIN_TOOK_DISPUTE] = IGNORED,
	[MA_PAYMENT_FAILED] = IGNORED,
	[MA_INVOICE_UPDATED] = IGNORED,
	[MA_SEND_DM] = IGNORED,
	[MA_TRADE_PUBKEY] = { .kind = DISPATCH_HANDLE, .ref = "§7 trade-pubkey", .lookup = LOOKUP_ORDER,
		GUARDS_INIT(trade_pubkey_guards), .handler = act_trade_pubkey },
	[MA_RESTORE_SESSION] = { .kind = DISPATCH_HANDLE, .ref = "§7 restore-session", .lookup = LOOKUP_NONE,
		GUARDS_INIT(restore_session_guards), .handler = act_restore_session },
	[MA_LAST_TRADE_INDEX] = { .kind = DISPATCH_HANDLE, .ref = "§7 last-trade-index", .lookup = LOOKUP_NONE,
		GUARDS_INIT(last_trade_index_guards), .handler = act_last_trade_index },
	[MA_ORDERS] = { .kind = DISPATCH_HANDLE, .ref = "§7 orders", .lookup = LOOKUP_NONE,
		GUARDS_INIT(orders_guards), .handler = act_orders },
	[MA_ADD_CASHU_ESCROW] = IGNORED,
	[MA_CASHU_ESCROW_LOCKED] = IGNORED,
	[MA_CASHU_PM_SIGNATURE] = IGNORED,
};

const action_row *order_action_row(int action)
{
	return action >= 0 && action < MA_COUNT ? &order_actions[action] : NULL;
}

static const char *const dispatch_kind_names[DISPATCH_KIND_COUNT] = {
	[DISPATCH_HANDLE] = "handle", [DISPATCH_CANT_DO] = "cant-do",
	[DISPATCH_IGNORE] = "ignore", [DISPATCH_NOT_BUILT] = "not-built",
};

const char *dispatch_kind_name(int k)
{
	return k >= 0 && k < DISPATCH_KIND_COUNT ? dispatch_kind_names[k] : NULL;
}

/* ===================================================== cancel (§1.3 table) */

static const char *const cancel_role_names[CR_COUNT] = {
	[CR_MAKER] = "maker", [CR_TAKER] = "taker", [CR_STRANGER] = "stranger", [CR_KEYLESS] = "keyless",
};

const char *cancel_role_name(int r)
{
	return r >= 0 && r < CR_COUNT ? cancel_role_names[r] : NULL;
}

/* mostrod parses both trade keys (and, while waiting, finds the taker from
 * the creator) before it looks at the sender in these statuses; before a
 * take only the creator matters. */
cancel_role cancel_role_of(const order_row *o, const char *sender)
{
	bool keys = o->buyer_pubkey && o->seller_pubkey;
	bool creator_side = str_eq(o->creator_pubkey, o->buyer_pubkey) || str_eq(o->creator_pubkey, o->seller_pubkey);
	bool is_side = str_eq(sender, o->buyer_pubkey) || str_eq(sender, o->seller_pubkey);
	switch (o->status) {
	case OS_WAITING_PAYMENT:
	case OS_WAITING_BUYER_INVOICE:
		if (!keys || !creator_side)
			return CR_KEYLESS;
		break;
	case OS_ACTIVE:
	case OS_FIAT_SENT:
	case OS_DISPUTE:
		if (!keys)
			return CR_KEYLESS;
		break;
	default:
		break;
	}
	if (str_eq(sender, o->creator_pubkey))
		return CR_MAKER;
	if (is_side)
		return CR_TAKER;
	return CR_STRANGER;
}

#define C_FN(fn, ref) {OUT_DONE, fn, 0, ref}
#define C_CANT(r, ref) {OUT_CANT_DO, NULL, CD_##r, ref}
#define C_SILENT(ref) {OUT_SILENT, NULL, 0, ref}
#define ALREADY C_CANT(ORDER_ALREADY_CANCELED, "§1.3 cancel: already canceled")
#define NOT_ALLOWED C_CANT(NOT_ALLOWED_BY_STATUS, "§1.3 cancel: anything else")
#define ALL_ALREADY {ALREADY, ALREADY, ALREADY, ALREADY}
#define ALL_NOT_ALLOWED {NOT_ALLOWED, NOT_ALLOWED, NOT_ALLOWED, NOT_ALLOWED}
#define PRE_TRADE { \
	[CR_MAKER] = C_FN(cancel_pending_by_maker, "§1.3 cancel: pending x maker"), \
	[CR_TAKER] = C_FN(cancel_by_taker, "§1.3 cancel: pending x recorded taker (bond extension)"), \
	[CR_STRANGER] = C_CANT(IS_NOT_YOUR_ORDER, "§1.3 cancel: pending x someone else"), \
	[CR_KEYLESS] = C_CANT(IS_NOT_YOUR_ORDER, "§1.3 cancel: pending x someone else") }
#define WAITING { \
	[CR_MAKER] = C_FN(cancel_by_maker, "§1.3 cancel: waiting-* x maker"), \
	[CR_TAKER] = C_FN(cancel_by_taker, "§1.3 cancel: waiting-* x taker"), \
	[CR_STRANGER] = C_CANT(INVALID_PUBKEY, "§1.3 cancel: waiting-* x anyone else"), \
	[CR_KEYLESS] = C_SILENT("§1.3 cancel: waiting-*, maker on neither side (internal)") }
#define TRADE { \
	[CR_MAKER] = C_FN(cancel_cooperative, "§1.3 cancel: active/fiat-sent/dispute x a party"), \
	[CR_TAKER] = C_FN(cancel_cooperative, "§1.3 cancel: active/fiat-sent/dispute x a party"), \
	[CR_STRANGER] = C_CANT(INVALID_PUBKEY, "§1.3 cancel: active/fiat-sent/dispute x third party"), \
	[CR_KEYLESS] = C_SILENT("§1.3 cancel: a trade key missing (internal)") }

const cancel_cell cancel_matrix[OS_COUNT][CR_COUNT] = {
	[OS_ACTIVE] = TRADE,
	[OS_CANCELED] = ALL_ALREADY,
	[OS_CANCELED_BY_ADMIN] = ALL_ALREADY,
	[OS_SETTLED_BY_ADMIN] = ALL_NOT_ALLOWED,
	[OS_COMPLETED_BY_ADMIN] = ALL_NOT_ALLOWED,
	[OS_DISPUTE] = TRADE,
	[OS_EXPIRED] = ALL_NOT_ALLOWED,
	[OS_FIAT_SENT] = TRADE,
	[OS_SETTLED_HOLD_INVOICE] = ALL_NOT_ALLOWED,
	[OS_PENDING] = PRE_TRADE,
	[OS_SUCCESS] = ALL_NOT_ALLOWED,
	[OS_WAITING_BUYER_INVOICE] = WAITING,
	[OS_WAITING_PAYMENT] = WAITING,
	[OS_WAITING_TAKER_BOND] = PRE_TRADE,
	[OS_COOPERATIVELY_CANCELED] = ALL_ALREADY,
	[OS_IN_PROGRESS] = ALL_NOT_ALLOWED,
	[OS_WAITING_MAKER_BOND] = ALL_NOT_ALLOWED,
};

/* ======================================= admin-take-dispute (§6 matrix) */

static const char *const take_role_names[TR_COUNT] = {
	[TR_MOSTRO] = "mostro", [TR_ASSIGNED] = "assigned-solver", [TR_SOLVER_RW] = "read-write-solver",
	[TR_SOLVER] = "read-only-solver", [TR_NONE] = "not-a-solver",
};

const char *take_role_name(int r)
{
	return r >= 0 && r < TR_COUNT ? take_role_names[r] : NULL;
}

/* pubkey_event_can_solve: Mostro's key is looked at first; any other caller
 * must have a solver row, and the assigned solver is told apart only then. */
take_role take_role_of(const dispute_row *d, const user_row *u, const char *identity, const char *mostro_pubkey)
{
	if (mostro_pubkey && *mostro_pubkey && str_eq(identity, mostro_pubkey))
		return TR_MOSTRO;
	if (!u || !u->is_solver || !str_eq(u->pubkey, identity))
		return TR_NONE;
	if (d && str_eq(d->solver_pubkey, identity))
		return TR_ASSIGNED;
	return u->category == 2 ? TR_SOLVER_RW : TR_SOLVER;
}

/* Mostro's key takes over anyone while the dispute is open; a fresh
 * (initiated) dispute goes to any solver; an in-progress one stays with its
 * solver unless a read-write solver takes it from a read-only one; a closed
 * one goes to nobody. */
#define TAKE_ROW(m, a, rw, ro, none) {[TR_MOSTRO] = m, [TR_ASSIGNED] = a, [TR_SOLVER_RW] = rw, \
	[TR_SOLVER] = ro, [TR_NONE] = none}
#define TAKE_CLOSED TAKE_ROW(TAKE_DENY, TAKE_DENY, TAKE_DENY, TAKE_DENY, TAKE_DENY)

const take_cell take_dispute_matrix[DS_COUNT][TR_COUNT] = {
	[DS_INITIATED] = TAKE_ROW(TAKE_ALLOW, TAKE_ALLOW, TAKE_ALLOW, TAKE_ALLOW, TAKE_DENY),
	[DS_IN_PROGRESS] = TAKE_ROW(TAKE_ALLOW, TAKE_ALLOW, TAKE_OVER, TAKE_DENY, TAKE_DENY),
	[DS_SELLER_REFUNDED] = TAKE_CLOSED,
	[DS_SETTLED] = TAKE_CLOSED,
	[DS_RELEASED] = TAKE_CLOSED,
};

/* ========================================================= publish (§1.2) */

#define BOTH(s) {s, s}
#define PUB(buy, sell) {[ORDER_BUY] = buy, [ORDER_SELL] = sell}

const char *const order_publish_map[OS_COUNT][ORDER_KIND_COUNT] = {
	[OS_ACTIVE] = BOTH(NULL),
	[OS_CANCELED] = BOTH("canceled"),
	[OS_CANCELED_BY_ADMIN] = BOTH("canceled"),
	[OS_SETTLED_BY_ADMIN] = BOTH(NULL),
	[OS_COMPLETED_BY_ADMIN] = BOTH("completed-by-admin"),
	[OS_DISPUTE] = BOTH(NULL),
	[OS_EXPIRED] = BOTH("canceled"),
	[OS_FIAT_SENT] = BOTH(NULL),
	[OS_SETTLED_HOLD_INVOICE] = BOTH(NULL),
	[OS_PENDING] = BOTH("pending"),
	[OS_SUCCESS] = BOTH("success"),
	[OS_WAITING_BUYER_INVOICE] = PUB(NULL, "in-progress"),
	[OS_WAITING_PAYMENT] = PUB("in-progress", NULL),
	[OS_WAITING_TAKER_BOND] = BOTH("pending"),
	[OS_COOPERATIVELY_CANCELED] = BOTH("canceled"),
	[OS_IN_PROGRESS] = BOTH(NULL),
	[OS_WAITING_MAKER_BOND] = BOTH(NULL),
};

/* ================================================================ roles */

order_roles order_roles_of(const order_row *o, const dispute_row *d, const user_row *u,
			   const char *sender, const char *identity, const char *mostro_pubkey)
{
	order_roles r = 0;
	if (o) {
		if (str_eq(sender, o->creator_pubkey))
			r |= ROLE_MAKER;
		if ((str_eq(sender, o->buyer_pubkey) || str_eq(sender, o->seller_pubkey)) &&
		    !str_eq(sender, o->creator_pubkey))
			r |= ROLE_TAKER;
		if (str_eq(sender, o->buyer_pubkey))
			r |= ROLE_BUYER;
		if (str_eq(sender, o->seller_pubkey))
			r |= ROLE_SELLER;
		if (str_eq(identity, o->master_buyer_pubkey))
			r |= ROLE_MASTER_BUYER;
		if (str_eq(identity, o->master_seller_pubkey))
			r |= ROLE_MASTER_SELLER;
	}
	if (mostro_pubkey && *mostro_pubkey && str_eq(identity, mostro_pubkey))
		r |= ROLE_ADMIN;
	if (u && u->is_solver && str_eq(identity, u->pubkey)) {
		r |= ROLE_SOLVER;
		if (u->category == 2)
			r |= ROLE_SOLVER_RW;
	}
	if (d && str_eq(identity, d->solver_pubkey))
		r |= ROLE_ASSIGNED_SOLVER;
	return r;
}

/* ======================================================== continuations */

const ln_step *const order_ln_steps[] = {
	&step_get_info, &step_probe, &step_hold_created, &step_hold_watch, &step_release_settled,
	&step_cancel_invoice, &step_payout_resolved, &step_payout, &step_payout_status,
	&step_admin_settled, &step_admin_canceled,
	/* the timers (lib/order_tick.h) */
	&step_timeout_cancel, &step_guardian_tip, &step_guardian_lookup, &step_guardian_cancel,
	&step_dev_fee_resolved, &step_dev_fee_pay, &step_dev_fee_status,
};
const size_t order_ln_step_count = sizeof order_ln_steps / sizeof *order_ln_steps;

const ln_step *order_ln_step(const char *name)
{
	for (size_t i = 0; name && i < order_ln_step_count; i++)
		if (strcmp(order_ln_steps[i]->name, name) == 0)
			return order_ln_steps[i];
	return NULL;
}
