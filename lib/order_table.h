/* order_table.h — Mostro's order protocol as data (STYLE.md §2): the
 * dispatch table of every action (DAEMON.md §9), the guard tables of the
 * handlers (each a copy of a DAEMON.md "# | check | failure" table, every row
 * naming its § and check number), the cancel matrix (§1.3 cancel, status ×
 * role), the publish map (§1.2, status × kind -> `s` tag), the role function,
 * and the continuations of Lightning intents.
 *
 * How a new handler is added: write `outcome act_x(order_ctx *c)` (and its
 * guard checks) in lib/order_act_<family>.c, declare them below, copy its
 * DAEMON.md table into a `static const order_guard x_guards[]` in
 * lib/order_table.c, and replace the action's DISPATCH_NOT_BUILT row with a
 * DISPATCH_HANDLE row naming the lookup, the guards and the handler.
 * tests/unit/test_order_table.c checks every row and cell.
 *
 * Ownership: everything here is static and read-only.
 */
#ifndef MU_ORDER_TABLE_H
#define MU_ORDER_TABLE_H

#include <stdbool.h>
#include <stddef.h>

#include "order_engine.h"

/* ------------------------------------------------------------- dispatch */

typedef enum order_lookup {
	LOOKUP_NONE,       /* the handler finds what it needs */
	LOOKUP_ORDER,      /* c->order = the order named by the message id, if any */
	LOOKUP_DISPUTE,    /* c->dispute = the dispute named by the message id, if any */
} order_lookup;

typedef enum dispatch_kind {
	DISPATCH_HANDLE,     /* guards, then the handler */
	DISPATCH_CANT_DO,    /* answered with CantDo(reason) (§9: pay-invoice) */
	DISPATCH_IGNORE,     /* mostrod ignores it silently (§9: "anything else") */
	DISPATCH_NOT_BUILT,  /* mostrod handles it; this engine not yet (logged, silent) */
	DISPATCH_KIND_COUNT
} dispatch_kind;

typedef struct action_row {
	dispatch_kind      kind;
	const char        *ref;          /* where DAEMON.md says so */
	order_lookup       lookup;
	bool               trade_index;  /* the §9 step 8 check applies */
	const order_guard *guards;
	size_t             nguards;
	handler_fn         handler;
	cant_do            reason;       /* DISPATCH_CANT_DO */
} action_row;

extern const action_row order_actions[MA_COUNT];
/* NULL out of range (-1, MA_COUNT). */
const action_row *order_action_row(int action);
const char *dispatch_kind_name(int k);

/* ------------------------------------------------------ the cancel matrix */

/* Who sends a cancel, towards one order (trade keys, §1.3 cancel). */
typedef enum cancel_role {
	CR_MAKER,      /* sender == creator_pubkey */
	CR_TAKER,      /* sender is the buyer or seller side that is not the creator */
	CR_STRANGER,   /* anyone else */
	CR_KEYLESS,    /* the order lacks the keys to tell (taken order without both
			  sides, or a creator on neither side): mostrod fails internally */
	CR_COUNT
} cancel_role;

typedef struct cancel_cell {
	outcome_kind kind;      /* OUT_DONE: run fn; OUT_CANT_DO: reply reason; OUT_SILENT */
	handler_fn   fn;
	cant_do      reason;
	const char  *ref;
} cancel_cell;

extern const cancel_cell cancel_matrix[OS_COUNT][CR_COUNT];
cancel_role cancel_role_of(const order_row *o, const char *sender);
const char *cancel_role_name(int r);

/* -------------------------------------------------------- the publish map */

/* §1.2: the `s` tag an order in this status and kind is published with, or
 * NULL when the transition is not advertised (systemd's translation table). */
extern const char *const order_publish_map[OS_COUNT][ORDER_KIND_COUNT];

/* ------------------------------------------------------------------ roles */

/* The sender's roles towards an order (NULL: none) and its dispute (NULL:
 * none): trade keys for maker/taker/buyer/seller, identity for admin and
 * solvers (user: the identity's users row, NULL when none), identity against
 * the master keys. */
order_roles order_roles_of(const order_row *o, const dispute_row *d, const user_row *identity_user,
			   const char *sender, const char *identity, const char *mostro_pubkey);

/* ------------------------------------------ admin-take-dispute (§6) */

/* Who asks to take a dispute (identity keys, DAEMON.md §6 and mostrod's
 * pubkey_event_can_solve): Mostro's own key first, then solvers by their
 * users row (is_solver; category 2 = read-write), the assigned one apart. */
typedef enum take_role {
	TR_MOSTRO,       /* identity == Mostro's pubkey */
	TR_ASSIGNED,     /* a solver, and the dispute's current solver */
	TR_SOLVER_RW,    /* a read-write solver (category 2), not assigned */
	TR_SOLVER,       /* any other solver (read-only 1, legacy 0), not assigned */
	TR_NONE,         /* no solver row */
	TR_COUNT
} take_role;

typedef enum take_cell {
	TAKE_DENY,       /* CantDo(invalid_pubkey) */
	TAKE_ALLOW,
	TAKE_OVER,       /* allowed when the current solver is a read-only solver (takeover) */
} take_cell;

extern const take_cell take_dispute_matrix[DS_COUNT][TR_COUNT];
take_role take_role_of(const dispute_row *d, const user_row *identity_user, const char *identity,
		       const char *mostro_pubkey);
const char *take_role_name(int r);

/* The admin-settle / admin-cancel rows after common check #4 (a
 * cooperatively-canceled order is answered cooperative-cancel-accepted,
 * which is a reply, not a failure: the handler runs these after it). */
extern const order_guard admin_settle_late_guards[];
extern const size_t admin_settle_late_count;
extern const order_guard admin_cancel_late_guards[];
extern const size_t admin_cancel_late_count;

/* ------------------------------------------------------- continuations */

extern const ln_step *const order_ln_steps[];
extern const size_t order_ln_step_count;
const ln_step *order_ln_step(const char *name);

/* ------------------------------------------------------------ guards */

/* The checks of the guard tables (lib/order_guards.c): one per DAEMON.md
 * row, named for what must hold. Each returns true when the check passes. */
bool g_order_exists(order_ctx *c);           /* message id names an order */
bool g_invoice_new_order(order_ctx *c);      /* §1.3 new-order #1 */
bool g_fiat_accepted(order_ctx *c);          /* §1.3 new-order #2 */
bool g_new_fiat_positive(order_ctx *c);      /* §1.3 new-order #3 */
bool g_new_amount_nonneg(order_ctx *c);      /* §1.3 new-order #4 */
bool g_new_range_limits(order_ctx *c);       /* §1.3 new-order #5 */
bool g_new_no_amount_with_premium(order_ctx *c); /* §1.3 new-order #6 */
bool g_new_quotes(order_ctx *c);             /* §1.3 new-order #7 */
bool g_trade_index_resolved(order_ctx *c);   /* new-order #8, take #11 */
bool g_record_trade_index(order_ctx *c);     /* new-order #9, take #12 */
bool g_new_kind_present(order_ctx *c);       /* §1.3 new-order #10 */
bool g_no_pending_as_buyer(order_ctx *c);    /* take-sell #2 */
bool g_no_pending_as_seller(order_ctx *c);   /* take-buy #2 */
bool g_kind_sell(order_ctx *c);              /* take-sell #3 */
bool g_kind_buy(order_ctx *c);               /* take-buy #3 */
bool g_status_pretrade(order_ctx *c);        /* take #4 */
bool g_take_window_open(order_ctx *c);       /* take #5 */
bool g_not_maker(order_ctx *c);              /* take #6 */
bool g_seller_key_set(order_ctx *c);         /* take-sell: the seller key parses */
bool g_buyer_key_set(order_ctx *c);          /* take-buy, add-invoice #2 */
bool g_both_keys_set(order_ctx *c);          /* release #2 */
bool g_take_fiat_amount(order_ctx *c);       /* take #8 */
bool g_take_price(order_ctx *c);             /* take #9 */
bool g_invoice_take(order_ctx *c);           /* take-sell #10 */
bool g_sender_is_buyer_peer(order_ctx *c);   /* add-invoice #3 */
bool g_invoice_add(order_ctx *c);            /* add-invoice #4 */
bool g_add_invoice_status(order_ctx *c);     /* add-invoice #5 */
bool g_status_active(order_ctx *c);          /* fiat-sent #2 */
bool g_sender_is_buyer(order_ctx *c);        /* fiat-sent #3 */
bool g_payload_next_trade(order_ctx *c);     /* fiat-sent #4, release #5 */
bool g_sender_is_seller(order_ctx *c);       /* release #3 */
bool g_status_fiat_sent_or_dispute(order_ctx *c); /* release #4 */
bool g_preimage_present(order_ctx *c);       /* release #6 */

/* §5–§7 checks (lib/order_guards_admin.c) */
bool g_has_message_id(order_ctx *c);         /* dispute #1 */
bool g_no_dispute_for_order(order_ctx *c);   /* dispute #2 */
bool g_status_active_or_fiat_sent(order_ctx *c); /* dispute #4 */
bool g_sender_is_party(order_ctx *c);        /* dispute #6 */
bool g_dispute_flag_unset(order_ctx *c);     /* dispute #7 */
bool g_dispute_exists(order_ctx *c);         /* admin-take-dispute #1 */
bool g_may_take_dispute(order_ctx *c);       /* admin-take-dispute #2 (the take matrix) */
bool g_dispute_order_exists(order_ctx *c);   /* admin-take-dispute #3 (loads c->order) */
bool g_assigned_solver(order_ctx *c);        /* admin-settle/-cancel #2 */
bool g_may_finalize(order_ctx *c);           /* admin-settle/-cancel #3 */
bool g_status_dispute(order_ctx *c);         /* admin-settle/-cancel #5 */
bool g_no_bond_slash(order_ctx *c);          /* admin-settle/-cancel #6 */
bool g_settle_ready(order_ctx *c);           /* admin-settle #7 */
bool g_payload_present(order_ctx *c);        /* admin-add-solver #1 */
bool g_sender_is_mostro(order_ctx *c);       /* admin-add-solver #2 */
bool g_solver_text(order_ctx *c);            /* admin-add-solver #3 */
bool g_solver_suffix(order_ctx *c);          /* admin-add-solver #4 */
bool g_solver_npub(order_ctx *c);            /* admin-add-solver #5 */
bool g_solver_new(order_ctx *c);             /* admin-add-solver #6 */
bool g_rate_status(order_ctx *c);            /* rate-user #3 */
bool g_rater_has_not_rated(order_ctx *c);    /* rate-user #4 */
bool g_rating_in_range(order_ctx *c);        /* rate-user #5 */
bool g_counterpart_reputation(order_ctx *c); /* rate-user #6 */
bool g_counterpart_user(order_ctx *c);       /* rate-user #7 */
/* The identity the sender's rating goes to: the counterpart's master key
 * when it is in reputation mode, NULL in full privacy (is_full_privacy_order). */
const char *order_rated_identity(const order_ctx *c);
bool g_sender_is_maker_identity(order_ctx *c); /* trade-pubkey #3 */
bool g_payload_ids(order_ctx *c);            /* orders #1 */
bool g_ids_nonempty(order_ctx *c);           /* orders #2 */
bool g_ids_within_limit(order_ctx *c);       /* orders #3 */
bool g_orders_found(order_ctx *c);           /* orders #4 (lib/order_act_session.c, beside its query) */
bool g_identity_user(order_ctx *c);          /* last-trade-index #1 */
bool g_last_trade_index_set(order_ctx *c);   /* last-trade-index #2 */
bool g_identity_hex(order_ctx *c);           /* restore-session #1 */

/* admin-add-solver's text_message (mostrod parse_solver_payload): "npub",
 * "npub:read" (category 1), "npub:write" / "npub:read-write" / bare npub
 * (2), trimmed. The first failure in mostrod's order. */
typedef enum solver_text_err {
	SOLVER_TEXT_OK,
	SOLVER_TEXT_EMPTY,     /* not a text_message, or empty: invalid_text_message */
	SOLVER_TEXT_SUFFIX,    /* another suffix, or a second ':': invalid_parameters */
	SOLVER_TEXT_NPUB,      /* not an npub of a valid key: silent */
} solver_text_err;
solver_text_err solver_text_parse(const char *text, char pubkey_hex[65], int64_t *category);

/* ---------------------------------------------------------- handlers */

/* lib/order_act_new.c — new-order (§1.3) */
outcome act_new_order(order_ctx *c);

/* lib/order_act_take.c — take-sell, take-buy, add-invoice, §1.4, §1.5 */
outcome act_take_sell(order_ctx *c);
outcome act_take_buy(order_ctx *c);
outcome act_add_invoice(order_ctx *c);
extern const ln_step step_hold_created, step_hold_watch;

/* lib/order_act_trade.c — fiat-sent, release (§1.3), range child (§2.4) */
outcome act_fiat_sent(order_ctx *c);
outcome act_release(order_ctx *c);
extern const ln_step step_release_settled;

/* lib/order_act_payout.c — the buyer payout (§4.2, §3.4, §3.5) */
outcome payout_start(order_ctx *c, order_row *o);
extern const ln_step step_payout_resolved, step_payout, step_payout_status;

/* lib/order_act_cancel.c — cancel (§1.3 cancel table) */
outcome act_cancel(order_ctx *c);
outcome cancel_pending_by_maker(order_ctx *c);
outcome cancel_by_maker(order_ctx *c);
outcome cancel_by_taker(order_ctx *c);
outcome cancel_cooperative(order_ctx *c);
extern const ln_step step_cancel_invoice;

/* lib/order_act_info.c — engine-level steps (get_info, address probes) */
extern const ln_step step_get_info, step_probe;
/* A successful get_info result into engine_meta: network, networks and
 * node_info (LnStatus and the block height, for the §3 jobs). */
void order_node_info_store(order_ctx *c, jv res);

/* lib/order_act_dispute.c — dispute, admin-take-dispute (§6) */
outcome act_dispute(order_ctx *c);
outcome act_admin_take_dispute(order_ctx *c);
/* The §3.3 escrow guardian's buyer-initiated dispute on a fiat-sent order o
 * (for the timer): the order's dispute row is created, or reopened when a
 * resolved one exists (initiated, no solver, taken_at 0, previous status
 * o's), a live one is kept; o becomes `dispute` with buyer_dispute set and
 * is saved; buyer dispute-initiated-by-you and seller -by-peer (no
 * request_id), 38386 initiated with initiator buyer. */
outcome order_guardian_open_dispute(order_ctx *c, order_row *o);

/* lib/order_act_admin.c — admin-settle, admin-cancel, admin-add-solver (§6) */
outcome act_admin_settle(order_ctx *c);
outcome act_admin_cancel(order_ctx *c);
outcome act_admin_add_solver(order_ctx *c);
extern const ln_step step_admin_settled, step_admin_canceled;

/* lib/order_act_rate.c — rate-user (§5) and the 38384 queue */
outcome act_rate_user(order_ctx *c);
/* Publishes every queued 38384 (with the created_at it was rated at) and
 * empties the queue: the §3 rating flush job (every
 * user_rates_sent_interval_seconds) and the ctl command flush-ratings.
 * Returns how many went out, -1 on a database error. */
int order_flush_ratings_n(order_ctx *c);
void order_flush_ratings(order_ctx *c);

/* lib/order_act_session.c — trade-pubkey, orders, last-trade-index,
 * restore-session (§7) */
outcome act_trade_pubkey(order_ctx *c);
outcome act_orders(order_ctx *c);
outcome act_last_trade_index(order_ctx *c);
outcome act_restore_session(order_ctx *c);

/* The named no-op of the DISPATCH_NOT_BUILT rows (logged, silent). */
outcome act_not_built(order_ctx *c);

#endif
