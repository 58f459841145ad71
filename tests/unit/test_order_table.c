/* The engine's tables (lib/order_table.h) against DAEMON.md.
 *
 * dispatch: every action from -1 to MA_COUNT has exactly one row (none
 *           outside), §9's set of handled actions, pay-invoice answered
 *           CantDo(invalid_action), everything else ignored.
 * guards:   every row names its § and check number, a check, a failure;
 *           the first failing row decides: two checks failing at once give
 *           the earlier one (fiat-sent: status before sender; release:
 *           sender before status; take: kind before status).
 * cancel:   every status x role cell holds one outcome; the §1.3 rows.
 * publish:  the §1.2 map, status by status.
 * roles:    trade keys for maker/taker/buyer/seller, identity for admin
 *           and solvers, the cancel roles of taken and untaken orders.
 * steps, jobs: every continuation and job named and found. */
#include <stdio.h>
#include <string.h>

#include "order_db_extra.h"
#include "order_table.h"
#include "order_tick.h"
#include "t.h"

static const char *const handled[] = {
	"new-order", "take-sell", "take-buy", "add-invoice", "fiat-sent", "release", "cancel", "dispute",
	"rate-user", "admin-cancel", "admin-settle", "admin-add-solver", "admin-take-dispute", "trade-pubkey",
	"restore-session", "orders", "last-trade-index", "add-bond-invoice",
};

static bool is_handled(const char *name)
{
	for (size_t i = 0; i < sizeof handled / sizeof *handled; i++)
		if (strcmp(handled[i], name) == 0)
			return true;
	return false;
}

static void dispatch(void)
{
	t_ok(order_action_row(-1) == NULL, "no dispatch row for action -1");
	t_ok(order_action_row(MA_COUNT) == NULL, "no dispatch row for action MA_COUNT");
	int handle = 0, not_built = 0, ignore = 0, cant = 0;
	for (int a = 0; a < MA_COUNT; a++) {
		const action_row *r = order_action_row(a);
		const char *name = mostro_action_names[a];
		bool ok = r && dispatch_kind_name(r->kind) && r->ref && r->ref[0] == '\xc2';  /* "§" */
		switch (r ? r->kind : DISPATCH_KIND_COUNT) {
		case DISPATCH_HANDLE:
			handle++;
			ok = ok && r->handler && r->nguards && r->guards && is_handled(name);
			break;
		case DISPATCH_NOT_BUILT:
			not_built++;
			ok = ok && r->handler == act_not_built && is_handled(name);
			break;
		case DISPATCH_CANT_DO:
			cant++;
			ok = ok && strcmp(name, "pay-invoice") == 0 && r->reason == CD_INVALID_ACTION;
			break;
		case DISPATCH_IGNORE:
			ignore++;
			ok = ok && !is_handled(name) && !r->handler;
			break;
		default:
			ok = false;
		}
		t_ok(ok, "dispatch %s: %s (%s)", name, r ? dispatch_kind_name(r->kind) : "(none)", r ? r->ref : "");
	}
	t_eq_int(handle + not_built, (long long)(sizeof handled / sizeof *handled), "§9: 18 actions go to a handler");
	t_eq_int(cant, 1, "§9: one action answered CantDo (pay-invoice)");
	t_eq_int(ignore, MA_COUNT - 19, "§9: the other 32 are ignored");
	t_ok(order_actions[MA_NEW_ORDER].trade_index && order_actions[MA_TAKE_SELL].trade_index &&
	     order_actions[MA_TAKE_BUY].trade_index && !order_actions[MA_CANCEL].trade_index &&
	     !order_actions[MA_ADD_INVOICE].trade_index, "§9 step 8 applies to new-order, take-buy, take-sell only");
	t_ok(dispatch_kind_name(-1) == NULL && dispatch_kind_name(DISPATCH_KIND_COUNT) == NULL,
	     "dispatch kind names: none at -1 and COUNT");
}

static void guard_rows(void)
{
	for (int a = 0; a < MA_COUNT; a++) {
		const action_row *r = &order_actions[a];
		for (size_t i = 0; i < r->nguards; i++) {
			const order_guard *g = &r->guards[i];
			bool ok = g->ref && strncmp(g->ref, "§", strlen("§")) == 0 && strchr(g->ref, '#') &&
				  g->check && *g->check && g->pass &&
				  (g->fail == OUT_SILENT || (g->fail == OUT_CANT_DO && cant_do_name(g->reason)));
			t_ok(ok, "%s guard %zu: %s names its row, check and failure", mostro_action_names[a], i + 1,
			     g->ref ? g->ref : "?");
		}
	}
}

/* --- two failing checks: the earlier row wins ---------------------------- */

static order_ctx ctx;
static mostro_msg msg;
static order_msg_in in;

static void ctx_with(order_status status, order_kind kind, const char *sender)
{
	order_ctx_free(&ctx);
	order_ctx_init(&ctx);
	memset(&in, 0, sizeof in);
	mostro_msg_init(&msg);
	snprintf(in.sender, sizeof in.sender, "%s", sender);
	snprintf(in.identity, sizeof in.identity, "%s", sender);
	ctx.in = &in;
	ctx.m = &msg;
	ctx.have_order = true;
	strcpy(ctx.order.id, "11111111-1111-4111-8111-111111111111");
	ctx.order.status = status;
	ctx.order.kind = kind;
	str_set(&ctx.order.creator_pubkey, "seller");
	str_set(&ctx.order.seller_pubkey, "seller");
	str_set(&ctx.order.buyer_pubkey, "buyer");
	str_set(&ctx.order.preimage, "pre");
	ctx.roles = order_roles_of(&ctx.order, NULL, NULL, sender, sender, NULL);
}

static outcome guards_of(mostro_action a)
{
	return guards_run(&ctx, order_actions[a].guards, order_actions[a].nguards);
}

static void earlier_wins(void)
{
	ctx_with(OS_PENDING, ORDER_SELL, "stranger");
	outcome o = guards_of(MA_FIAT_SENT);
	t_ok(o.kind == OUT_CANT_DO && o.reason == CD_INVALID_ORDER_STATUS,
	     "fiat-sent from a stranger on a pending order: invalid_order_status (#2 status before #3 sender)");
	ctx_with(OS_ACTIVE, ORDER_SELL, "stranger");
	o = guards_of(MA_FIAT_SENT);
	t_ok(o.kind == OUT_CANT_DO && o.reason == CD_INVALID_PUBKEY, "fiat-sent from a stranger on an active order: invalid_pubkey (#3)");
	ctx_with(OS_ACTIVE, ORDER_SELL, "buyer");
	t_ok(guards_of(MA_FIAT_SENT).kind == OUT_DONE, "fiat-sent from the buyer on an active order passes");

	ctx_with(OS_PENDING, ORDER_SELL, "stranger");
	o = guards_of(MA_RELEASE);
	t_ok(o.kind == OUT_CANT_DO && o.reason == CD_INVALID_PEER,
	     "release from a stranger on a pending order: invalid_peer (#3 sender before #4 status)");
	ctx_with(OS_ACTIVE, ORDER_SELL, "seller");
	o = guards_of(MA_RELEASE);
	t_ok(o.kind == OUT_CANT_DO && o.reason == CD_NOT_ALLOWED_BY_STATUS, "release by the seller while active: not_allowed_by_status (#4)");
	ctx_with(OS_DISPUTE, ORDER_SELL, "seller");
	str_clear(&ctx.order.preimage);
	o = guards_of(MA_RELEASE);
	t_ok(o.kind == OUT_CANT_DO && o.reason == CD_INVALID_INVOICE, "release in dispute without a preimage: invalid_invoice (#6)");
	ctx_with(OS_FIAT_SENT, ORDER_SELL, "seller");
	msg.payload_kind = MP_TEXT_MESSAGE;
	o = guards_of(MA_RELEASE);
	t_ok(o.kind == OUT_SILENT, "release with a payload other than next_trade: silent (#5)");
	msg.payload_kind = MP_NONE;

	ctx_with(OS_ACTIVE, ORDER_BUY, "stranger");
	ctx.have_order = true;
	o = guards_of(MA_CANCEL);
	t_ok(o.kind == OUT_DONE, "cancel's only guard is the lookup (the matrix decides the rest)");
	ctx.have_order = false;
	o = guards_of(MA_CANCEL);
	t_ok(o.kind == OUT_CANT_DO && o.reason == CD_NOT_FOUND, "cancel of no order: not_found");

	ctx_with(OS_ACTIVE, ORDER_BUY, "seller");
	o = guards_of(MA_ADD_INVOICE);
	t_ok(o.kind == OUT_CANT_DO && o.reason == CD_INVALID_PEER, "add-invoice by the seller: invalid_peer (#3)");
	order_ctx_free(&ctx);
}

/* --- §5, §6, §7: the rows of the dispute, rating and session tables --------
 * These checks read the database and the settings: a context of their own
 * on an in-memory database, Mostro's key "M". */

static order_db *edb;
static order_config ecfg;
static order_sink esink;

static void ectx(order_status status, const char *sender, const char *identity)
{
	order_ctx_free(&ctx);
	order_ctx_init(&ctx);
	mostro_msg_free(&msg);
	mostro_msg_init(&msg);
	memset(&in, 0, sizeof in);
	snprintf(in.sender, sizeof in.sender, "%s", sender);
	snprintf(in.identity, sizeof in.identity, "%s", identity);
	snprintf(in.event_id, sizeof in.event_id, "unit");
	ctx.in = &in;
	ctx.m = &msg;
	ctx.db = edb;
	ctx.cfg = &ecfg;
	ctx.sink = &esink;
	ctx.now = 1700000000;
	msg.has_id = true;
	strcpy(msg.id, "11111111-1111-4111-8111-111111111111");
	ctx.have_order = true;
	strcpy(ctx.order.id, msg.id);
	ctx.order.status = status;
	ctx.order.kind = ORDER_SELL;
	str_set(&ctx.order.creator_pubkey, "seller");
	str_set(&ctx.order.seller_pubkey, "seller");
	str_set(&ctx.order.master_seller_pubkey, "SELLER");
	str_set(&ctx.order.buyer_pubkey, "buyer");
	str_set(&ctx.order.master_buyer_pubkey, "BUYER");
	str_set(&ctx.order.preimage, "pre");
	ctx.have_user = user_load(edb, identity, &ctx.user) == ODB_OK;
	ctx.roles = order_roles_of(&ctx.order, NULL, ctx.have_user ? &ctx.user : NULL, sender, identity, "M");
}

/* The order's dispute row, held by `solver` in `st` (NULL: none). */
static void edispute(dispute_status st, const char *solver)
{
	ctx.have_dispute = true;
	strcpy(ctx.dispute.id, "22222222-2222-4222-8222-222222222222");
	strcpy(ctx.dispute.order_id, ctx.order.id);
	ctx.dispute.status = st;
	str_set(&ctx.dispute.solver_pubkey, solver);
	ctx.roles = order_roles_of(&ctx.order, &ctx.dispute, ctx.have_user ? &ctx.user : NULL, in.sender, in.identity, "M");
}

static void esolver(const char *key, int64_t category)
{
	user_row u;
	user_row_init(&u);
	snprintf(u.pubkey, sizeof u.pubkey, "%s", key);
	u.is_solver = true;
	u.category = category;
	user_insert(edb, &u);
	user_row_free(&u);
}

static bool is(outcome o, outcome_kind k, cant_do r)
{
	return o.kind == k && (k != OUT_CANT_DO || o.reason == r);
}

static void engine2_rows(void)
{
	char err[256];
	edb = order_db_open(":memory:", err, sizeof err);
	t_ok(edb != NULL, "an in-memory order database (%s)", edb ? "" : err);
	if (!edb)
		return;
	order_config_defaults(&ecfg);
	strcpy(ecfg.mostro_pubkey, "M");
	sink_init(&esink);
	esolver("RO", 1);
	esolver("RW", 2);
	esolver("LEGACY", 0);

	/* the late tables of admin-settle/-cancel name their rows too */
	const struct { const order_guard *g; size_t n; const char *name; } late[] = {
		{admin_settle_late_guards, admin_settle_late_count, "admin-settle"},
		{admin_cancel_late_guards, admin_cancel_late_count, "admin-cancel"},
	};
	for (size_t k = 0; k < 2; k++)
		for (size_t i = 0; i < late[k].n; i++) {
			const order_guard *g = &late[k].g[i];
			t_ok(g->ref && strncmp(g->ref, "§6 ", strlen("§6 ")) == 0 && strchr(g->ref, '#') && g->check &&
			     g->pass && (g->fail == OUT_SILENT || cant_do_name(g->reason)),
			     "%s late guard %zu: %s names its row, check and failure", late[k].name, i + 1, g->ref);
		}

	/* §6 dispute */
	ectx(OS_PENDING, "stranger", "STRANGER");
	t_ok(is(guards_of(MA_DISPUTE), OUT_CANT_DO, CD_NOT_ALLOWED_BY_STATUS),
	     "§6 dispute by a stranger on a pending order: not_allowed_by_status (#4 status before #6 sender)");
	ectx(OS_ACTIVE, "stranger", "STRANGER");
	t_ok(is(guards_of(MA_DISPUTE), OUT_CANT_DO, CD_INVALID_PUBKEY), "§6 dispute by a stranger on an active order: invalid_pubkey (#6)");
	ectx(OS_FIAT_SENT, "seller", "SELLER");
	ctx.order.seller_dispute = true;
	t_ok(is(guards_of(MA_DISPUTE), OUT_CANT_DO, CD_DISPUTE_CREATION_ERROR), "§6 dispute, the seller's flag set: dispute_creation_error (#7)");
	ctx.order.seller_dispute = false;
	t_ok(guards_of(MA_DISPUTE).kind == OUT_DONE, "§6 dispute by the seller on a fiat-sent order passes");
	str_clear(&ctx.order.buyer_pubkey);
	t_ok(is(guards_of(MA_DISPUTE), OUT_SILENT, 0), "§6 dispute with the buyer key missing: silent (#5)");
	/* #2 comes before #3: a dispute row for an order id that is not (or no longer) there */
	dispute_row d;
	dispute_row_init(&d);
	strcpy(d.id, "33333333-3333-4333-8333-333333333333");
	strcpy(d.order_id, "11111111-1111-4111-8111-111111111111");
	str_set(&d.order_previous_status, "active");
	dispute_insert(edb, &d);
	ectx(OS_ACTIVE, "buyer", "BUYER");
	ctx.have_order = false;
	t_ok(is(guards_of(MA_DISPUTE), OUT_SILENT, 0),
	     "§6 dispute when a dispute row exists: silent (#2), before the order lookup's not_found (#3)");
	dispute_row_free(&d);
	sqlite3_exec(order_db_handle(edb), "DELETE FROM disputes", NULL, NULL, NULL);
	t_ok(is(guards_of(MA_DISPUTE), OUT_CANT_DO, CD_NOT_FOUND), "§6 dispute of no order: not_found (#3)");

	/* §6 admin-settle / admin-cancel common checks */
	ectx(OS_DISPUTE, "x", "RO");
	edispute(DS_IN_PROGRESS, "RO");
	t_ok(is(guards_of(MA_ADMIN_SETTLE), OUT_CANT_DO, CD_NOT_AUTHORIZED),
	     "§6 admin-settle by the assigned read-only solver: not_authorized (#3)");
	ectx(OS_DISPUTE, "x", "LEGACY");
	edispute(DS_IN_PROGRESS, "LEGACY");
	t_ok(is(guards_of(MA_ADMIN_CANCEL), OUT_CANT_DO, CD_NOT_AUTHORIZED),
	     "§6 admin-cancel by an assigned legacy (category 0) solver: not_authorized (#3)");
	ectx(OS_DISPUTE, "x", "RO");
	edispute(DS_IN_PROGRESS, "RW");
	t_ok(is(guards_of(MA_ADMIN_SETTLE), OUT_CANT_DO, CD_IS_NOT_YOUR_DISPUTE),
	     "§6 admin-settle by a read-only solver not assigned: is_not_your_dispute (#2 before #3)");
	edispute(DS_IN_PROGRESS, "M");
	t_ok(is(guards_of(MA_ADMIN_CANCEL), OUT_CANT_DO, CD_DISPUTE_TAKEN_BY_ADMIN),
	     "§6 admin-cancel while Mostro's key holds the dispute: dispute_taken_by_admin (#2)");
	edispute(DS_INITIATED, NULL);
	t_ok(is(guards_of(MA_ADMIN_CANCEL), OUT_CANT_DO, CD_IS_NOT_YOUR_DISPUTE), "§6 admin-cancel of an untaken dispute: is_not_your_dispute");
	ectx(OS_DISPUTE, "M", "M");
	edispute(DS_IN_PROGRESS, "M");
	t_ok(guards_of(MA_ADMIN_SETTLE).kind == OUT_DONE, "§6 admin-settle by Mostro's key holding the dispute passes #1-#3");
	ectx(OS_DISPUTE, "x", "RW");
	edispute(DS_SETTLED, "RW");
	t_ok(guards_of(MA_ADMIN_CANCEL).kind == OUT_DONE,
	     "§6 is_assigned_solver ignores the dispute's status: the settled dispute's solver passes #2-#3");
	ctx.order.status = OS_SUCCESS;
	msg.payload_kind = MP_BOND_RESOLUTION;
	msg.payload = jv_parse("{\"slash_seller\":true,\"slash_buyer\":false}");
	t_ok(is(guards_run(&ctx, admin_settle_late_guards, admin_settle_late_count), OUT_CANT_DO, CD_INVALID_ORDER_STATUS),
	     "§6 admin-settle late rows: status before the bond slash (invalid_order_status, #5)");
	t_ok(is(guards_run(&ctx, admin_cancel_late_guards, admin_cancel_late_count), OUT_CANT_DO, CD_NOT_ALLOWED_BY_STATUS),
	     "§6 admin-cancel late rows: not_allowed_by_status (#5)");
	ctx.order.status = OS_DISPUTE;
	t_ok(is(guards_run(&ctx, admin_settle_late_guards, admin_settle_late_count), OUT_CANT_DO, CD_INVALID_PAYLOAD),
	     "§6 admin-settle asking to slash with no bond locked: invalid_payload (#6)");
	jv_free(msg.payload);
	msg.payload = jv_parse("{\"slash_seller\":false,\"slash_buyer\":false}");
	t_ok(guards_run(&ctx, admin_cancel_late_guards, admin_cancel_late_count).kind == OUT_DONE,
	     "§6 admin-cancel with a bond_resolution slashing nobody passes");
	str_clear(&ctx.order.preimage);
	t_ok(is(guards_run(&ctx, admin_settle_late_guards, admin_settle_late_count), OUT_SILENT, 0),
	     "§6 admin-settle without a preimage: silent (#7)");
	jv_free(msg.payload);
	msg.payload = jv_null();
	msg.payload_kind = MP_NONE;

	/* §6 admin-add-solver: #1 before #2 */
	ectx(OS_PENDING, "stranger", "STRANGER");
	ctx.have_order = false;
	t_ok(is(guards_of(MA_ADMIN_ADD_SOLVER), OUT_CANT_DO, CD_INVALID_TEXT_MESSAGE),
	     "§6 admin-add-solver from a stranger without payload: invalid_text_message (#1 before #2)");
	msg.payload_kind = MP_TEXT_MESSAGE;
	msg.payload = jv_string("");
	t_ok(is(guards_of(MA_ADMIN_ADD_SOLVER), OUT_SILENT, 0),
	     "§6 admin-add-solver from a stranger with an empty text: silent (#2 before #3)");
	ectx(OS_PENDING, "M", "M");
	msg.payload_kind = MP_TEXT_MESSAGE;
	msg.payload = jv_string("npub1x:admin");
	t_ok(is(guards_of(MA_ADMIN_ADD_SOLVER), OUT_CANT_DO, CD_INVALID_PARAMETERS),
	     "§6 admin-add-solver with a bad suffix and a bad npub: invalid_parameters (#4 before #5)");

	/* §5 rate-user */
	ectx(OS_SETTLED_HOLD_INVOICE, "stranger", "STRANGER");
	msg.payload_kind = MP_RATING_USER;
	msg.payload = jv_number(4);
	t_ok(is(guards_of(MA_RATE_USER), OUT_CANT_DO, CD_INVALID_ORDER_STATUS),
	     "§5 rate-user by a stranger in settled-hold-invoice: invalid_order_status (#3 before #4)");
	ectx(OS_SETTLED_HOLD_INVOICE, "buyer", "BUYER");
	msg.payload_kind = MP_RATING_USER;
	msg.payload = jv_number(4);
	t_ok(is(guards_of(MA_RATE_USER), OUT_CANT_DO, CD_INVALID_ORDER_STATUS),
	     "§5 rate-user by the buyer before success: invalid_order_status (#3)");
	ectx(OS_SUCCESS, "stranger", "STRANGER");
	msg.payload_kind = MP_RATING_USER;
	msg.payload = jv_number(9);
	t_ok(is(guards_of(MA_RATE_USER), OUT_SILENT, 0), "§5 rate-user by a stranger on a success order: silent (#4)");
	ectx(OS_SETTLED_HOLD_INVOICE, "seller", "SELLER");
	msg.payload_kind = MP_RATING_USER;
	msg.payload = jv_number(9);
	t_ok(is(guards_of(MA_RATE_USER), OUT_SILENT, 0), "§5 rate-user 9 by the seller: silent (#5)");
	jv_free(msg.payload);
	msg.payload = jv_number(5);
	str_set(&ctx.order.master_buyer_pubkey, "buyer");
	t_ok(is(guards_of(MA_RATE_USER), OUT_SILENT, 0), "§5 rate-user of a full-privacy buyer: silent (#6)");
	str_set(&ctx.order.master_buyer_pubkey, "BUYER");
	t_ok(is(guards_of(MA_RATE_USER), OUT_SILENT, 0), "§5 rate-user of a buyer without users row: silent (#7)");
	esolver("BUYER", 0);
	t_ok(guards_of(MA_RATE_USER).kind == OUT_DONE, "§5 rate-user by the seller in settled-hold-invoice passes");
	ctx.order.seller_sent_rate = true;
	t_ok(is(guards_of(MA_RATE_USER), OUT_SILENT, 0), "§5 rate-user a second time: silent (#4)");

	/* §7 */
	ectx(OS_ACTIVE, "stranger", "STRANGER");
	t_ok(is(guards_of(MA_TRADE_PUBKEY), OUT_CANT_DO, CD_INVALID_ORDER_STATUS),
	     "§7 trade-pubkey by a stranger on an active order: invalid_order_status (#2 before #3)");
	ectx(OS_PENDING, "stranger", "STRANGER");
	t_ok(is(guards_of(MA_TRADE_PUBKEY), OUT_SILENT, 0), "§7 trade-pubkey by another identity: silent (#3)");
	ectx(OS_PENDING, "new", "SELLER");
	t_ok(guards_of(MA_TRADE_PUBKEY).kind == OUT_DONE, "§7 trade-pubkey by the maker's identity from a new key passes");
	ectx(OS_PENDING, "x", "NOBODY");
	msg.has_id = false;
	msg.payload_kind = MP_ORDERS;
	msg.payload = jv_array();
	t_ok(is(guards_of(MA_ORDERS), OUT_CANT_DO, CD_INVALID_PARAMETERS), "§7 orders with an orders payload: invalid_parameters (#1)");
	msg.payload_kind = MP_IDS;
	t_ok(is(guards_of(MA_ORDERS), OUT_CANT_DO, CD_INVALID_PARAMETERS), "§7 orders with no ids: invalid_parameters (#2)");
	for (int i = 0; i < 11; i++)
		msg.payload = jv_array_append(msg.payload, jv_string("11111111-1111-4111-8111-111111111111"));
	t_ok(is(guards_of(MA_ORDERS), OUT_CANT_DO, CD_TOO_MANY_REQUESTS), "§7 orders with 11 ids: too_many_requests (#3)");
	ecfg.max_orders_per_response = 11;
	t_ok(is(guards_of(MA_ORDERS), OUT_CANT_DO, CD_NOT_FOUND), "§7 orders, none of the caller's: not_found (#4)");
	ecfg.max_orders_per_response = 10;
	t_ok(is(guards_of(MA_LAST_TRADE_INDEX), OUT_CANT_DO, CD_NOT_FOUND), "§7 last-trade-index without users row: not_found (#1)");
	ectx(OS_PENDING, "x", "RO");
	t_ok(is(guards_of(MA_LAST_TRADE_INDEX), OUT_CANT_DO, CD_INVALID_TRADE_INDEX),
	     "§7 last-trade-index with index 0: invalid_trade_index (#2)");
	t_ok(is(guards_of(MA_RESTORE_SESSION), OUT_SILENT, 0), "§7 restore-session from an identity that is not hex: silent (#1)");
	order_ctx_free(&ctx);
	order_ctx_init(&ctx);
}

/* The §6 take matrix, cell by cell against pubkey_event_can_solve. */
static void take_matrix(void)
{
	static const struct { dispute_status s; take_role r; take_cell want; } cells[] = {
		{DS_INITIATED, TR_MOSTRO, TAKE_ALLOW}, {DS_INITIATED, TR_SOLVER, TAKE_ALLOW},
		{DS_INITIATED, TR_SOLVER_RW, TAKE_ALLOW}, {DS_INITIATED, TR_NONE, TAKE_DENY},
		{DS_IN_PROGRESS, TR_MOSTRO, TAKE_ALLOW}, {DS_IN_PROGRESS, TR_ASSIGNED, TAKE_ALLOW},
		{DS_IN_PROGRESS, TR_SOLVER_RW, TAKE_OVER}, {DS_IN_PROGRESS, TR_SOLVER, TAKE_DENY},
		{DS_IN_PROGRESS, TR_NONE, TAKE_DENY},
		{DS_SETTLED, TR_MOSTRO, TAKE_DENY}, {DS_SETTLED, TR_ASSIGNED, TAKE_DENY},
		{DS_SELLER_REFUNDED, TR_MOSTRO, TAKE_DENY}, {DS_RELEASED, TR_SOLVER_RW, TAKE_DENY},
	};
	for (size_t i = 0; i < sizeof cells / sizeof *cells; i++)
		t_ok(take_dispute_matrix[cells[i].s][cells[i].r] == cells[i].want, "§6 take %s x %s",
		     dispute_status_name(cells[i].s), take_role_name(cells[i].r));
	user_row u;
	user_row_init(&u);
	strcpy(u.pubkey, "S");
	u.is_solver = true;
	u.category = 2;
	dispute_row d;
	dispute_row_init(&d);
	t_eq_int(take_role_of(&d, &u, "S", "M"), TR_SOLVER_RW, "a read-write solver");
	str_set(&d.solver_pubkey, "S");
	t_eq_int(take_role_of(&d, &u, "S", "M"), TR_ASSIGNED, "the assigned solver");
	t_eq_int(take_role_of(&d, &u, "M", "M"), TR_MOSTRO, "Mostro's key before any solver row");
	u.category = 1;
	str_clear(&d.solver_pubkey);
	t_eq_int(take_role_of(&d, &u, "S", "M"), TR_SOLVER, "a read-only solver");
	u.is_solver = false;
	t_eq_int(take_role_of(&d, &u, "S", "M"), TR_NONE, "a users row that is no solver");
	t_eq_int(take_role_of(&d, NULL, "S", ""), TR_NONE, "no row, no Mostro key");
	t_ok(take_role_name(-1) == NULL && take_role_name(TR_COUNT) == NULL, "take role names: none at -1 and COUNT");
	dispute_row_free(&d);
	user_row_free(&u);
}

/* admin-add-solver's text (parse_solver_payload), the first error in mostrod's order. */
static void solver_texts(void)
{
	static const char npub[] = "npub19uq7tc2ueg63mtlnsslmwreu9u9phhg9ukhc3zn80p808cg29gqsc2jp7g";
	static const char hexkey[] = "2f01e5e15cca351daff3843fb70f3c2f0a1bdd05e5af888a67784ef3e10a2a01";
	char text[256];
	static const struct { const char *fmt, *what; solver_text_err want; int64_t cat; } rows[] = {
		{"%s", "bare npub: read-write", SOLVER_TEXT_OK, 2},
		{"%s:read", "npub:read: read-only", SOLVER_TEXT_OK, 1},
		{"%s:write", "npub:write: read-write", SOLVER_TEXT_OK, 2},
		{"%s:read-write", "npub:read-write", SOLVER_TEXT_OK, 2},
		{"  %s : read \n", "spaces and a newline trimmed (ASCII)", SOLVER_TEXT_OK, 1},
		{"\xc2\xa0%s\xe3\x80\x80", "U+00A0 and U+3000 trimmed (Unicode White_Space)", SOLVER_TEXT_OK, 2},
		{"", "empty: invalid_text_message", SOLVER_TEXT_EMPTY, 0},
		{" \t\r\n", "blank: invalid_text_message", SOLVER_TEXT_EMPTY, 0},
		{":read", "no npub before the colon: invalid_text_message", SOLVER_TEXT_EMPTY, 0},
		{" :read", "a blank npub part: invalid_text_message", SOLVER_TEXT_EMPTY, 0},
		{"%s:", "an empty suffix: invalid_parameters", SOLVER_TEXT_SUFFIX, 0},
		{"%s:admin", "another suffix: invalid_parameters", SOLVER_TEXT_SUFFIX, 0},
		{"%s:READ", "suffixes are case-sensitive: invalid_parameters", SOLVER_TEXT_SUFFIX, 0},
		{"%s:read:write", "a second colon: invalid_parameters", SOLVER_TEXT_SUFFIX, 0},
		{"%s:read:", "a trailing second colon: invalid_parameters", SOLVER_TEXT_SUFFIX, 0},
		{"nonsense:admin", "the suffix is judged before the npub", SOLVER_TEXT_SUFFIX, 0},
		{"nonsense", "not an npub: silent", SOLVER_TEXT_NPUB, 0},
		{"nonsense:read", "not an npub with a good suffix: silent", SOLVER_TEXT_NPUB, 0},
	};
	for (size_t i = 0; i < sizeof rows / sizeof *rows; i++) {
		snprintf(text, sizeof text, rows[i].fmt, npub);
		char hex[65] = "";
		int64_t cat = -1;
		solver_text_err e = solver_text_parse(text, hex, &cat);
		bool ok = e == rows[i].want && (e != SOLVER_TEXT_OK || (cat == rows[i].cat && strcmp(hex, hexkey) == 0));
		t_ok(ok, "§6 admin-add-solver text: %s (got result %d, category %lld)", rows[i].what, (int)e, (long long)cat);
	}
	char hex[65];
	int64_t cat;
	t_eq_int(solver_text_parse(NULL, hex, &cat), SOLVER_TEXT_EMPTY, "no text_message: invalid_text_message");
	t_eq_int(solver_text_parse(hexkey, hex, &cat), SOLVER_TEXT_NPUB, "a hex key is not an npub");
}

/* §5 the 38384 queue: flushed in order with their own created_at, then empty. */
static bool rate_line(const order_sink *s, size_t i, const char *want)
{
	return i < s->n && s->v[i].stream == STREAM_WRAP && strcmp(s->v[i].line, want) == 0;
}

static void rating_flush(void)
{
	order_ctx c;
	order_ctx_init(&c);
	c.db = edb;
	c.cfg = &ecfg;
	c.sink = &esink;
	c.now = 1700009999;
	sink_clear(&esink);
	const char *a = "{\"kind\":38384,\"tags\":[[\"d\",\"k1\"],[\"total_rating\",\"2.5\"]],\"content\":\"\",\"created_at\":1700000001}";
	const char *b = "{\"kind\":38384,\"tags\":[[\"d\",\"k2\"],[\"total_rating\",\"3.75\"]],\"content\":\"\",\"created_at\":1700000002}";
	rating_queue_add(edb, a, 1700000001);
	rating_queue_add(edb, b, 1700000002);
	t_eq_int(order_flush_ratings_n(&c), 2, "§5 flush: two queued 38384 events published");
	t_ok(rate_line(&esink, 0, a) && rate_line(&esink, 1, b), "§5 flush: in queue order, as they were built");
	sink_clear(&esink);
	t_eq_int(order_flush_ratings_n(&c), 0, "§5 flush: the queue is empty afterwards");
	t_eq_int((long long)esink.n, 0, "§5 flush: nothing more published");
	order_ctx_free(&c);
}

/* §3.3's dispute for the buyer (the timer calls order_guardian_open_dispute):
 * created, then reopened when resolved, kept when live; one row per order. */
static size_t sink_has(const char *needle, size_t from)
{
	size_t n = 0;
	for (size_t i = from; i < esink.n; i++)
		n += strstr(esink.v[i].line, needle) != NULL;
	return n;
}

static void guardian_dispute(void)
{
	order_ctx c;
	order_ctx_init(&c);
	c.db = edb;
	c.cfg = &ecfg;
	c.sink = &esink;
	c.now = 1700100000;
	snprintf(c.origin, sizeof c.origin, "guardian-test");
	sink_clear(&esink);
	order_row o;
	order_row_init(&o);
	strcpy(o.id, "44444444-4444-4444-8444-444444444444");
	o.kind = ORDER_SELL;
	o.status = OS_FIAT_SENT;
	str_set(&o.event_id, "");
	str_set(&o.payment_method, "SEPA");
	str_set(&o.fiat_code, "USD");
	str_set(&o.creator_pubkey, "seller");
	str_set(&o.seller_pubkey, "seller");
	str_set(&o.buyer_pubkey, "buyer");
	t_ok(order_insert(edb, &o) == ODB_OK, "guardian: a fiat-sent order");
	t_ok(order_guardian_open_dispute(&c, &o).kind == OUT_DONE, "guardian: the dispute opened");
	dispute_row d;
	dispute_row_init(&d);
	order_row got;
	order_row_init(&got);
	bool ok = dispute_load_by_order(edb, o.id, &d) == ODB_OK && order_load(edb, o.id, &got) == ODB_OK;
	t_ok(ok && d.status == DS_INITIATED && str_eq(d.order_previous_status, "fiat-sent") && !d.solver_pubkey &&
	     got.status == OS_DISPUTE && got.buyer_dispute && !got.seller_dispute,
	     "guardian: dispute initiated (previous fiat-sent), order in dispute with the buyer's flag");
	t_ok(esink.n == 3 && sink_has("\"to\":\"buyer\"", 0) && sink_has("dispute-initiated-by-you", 0) &&
	     strstr(esink.v[1].line, "\"to\":\"seller\"") && strstr(esink.v[1].line, "dispute-initiated-by-peer") &&
	     strstr(esink.v[2].line, "\"kind\":38386") && strstr(esink.v[2].line, "[\"initiator\",\"buyer\"]") &&
	     sink_has("\"request_id\":null", 0) == 2,
	     "guardian: by-you to the buyer, by-peer to the seller (no request_id), 38386 initiated for the buyer");
	char first[37];
	memcpy(first, d.id, sizeof first);
	/* the users resolved it; the order is fiat-sent again and near its horizon again */
	d.status = DS_SETTLED;
	str_set(&d.solver_pubkey, "RW");
	d.taken_at = 5;
	dispute_save(edb, &d);
	o.status = OS_FIAT_SENT;
	size_t mark = esink.n;
	t_ok(order_guardian_open_dispute(&c, &o).kind == OUT_DONE, "guardian: a resolved dispute is reopened");
	dispute_row_free(&d);
	dispute_row_init(&d);
	ok = dispute_load_by_order(edb, o.id, &d) == ODB_OK;
	t_ok(ok && strcmp(d.id, first) == 0 && d.status == DS_INITIATED && !d.solver_pubkey && d.taken_at == 0,
	     "guardian: the same row, initiated, no solver, taken_at 0");
	t_ok(sink_has("\"kind\":38386", mark) == 1 && sink_has("\"created_at\":1700100001", mark) == 1,
	     "guardian: a new 38386 revision, created_at after the last one");
	dispute_row_free(&d);
	order_row_free(&got);
	order_row_free(&o);
	order_ctx_free(&c);
	sink_clear(&esink);
}

static void cancel_matrix_cells(void)
{
	for (int s = 0; s < OS_COUNT; s++)
		for (int r = 0; r < CR_COUNT; r++) {
			const cancel_cell *c = &cancel_matrix[s][r];
			bool ok = c->ref && ((c->kind == OUT_DONE && c->fn) || (c->kind == OUT_CANT_DO && !c->fn && cant_do_name(c->reason)) ||
					     (c->kind == OUT_SILENT && !c->fn));
			t_ok(ok, "cancel %s x %s: one outcome (%s)", order_status_name(s), cancel_role_name(r), c->ref ? c->ref : "?");
		}
	static const struct { order_status s; cancel_role r; outcome_kind k; handler_fn fn; cant_do reason; } rows[] = {
		{OS_CANCELED, CR_MAKER, OUT_CANT_DO, NULL, CD_ORDER_ALREADY_CANCELED},
		{OS_COOPERATIVELY_CANCELED, CR_TAKER, OUT_CANT_DO, NULL, CD_ORDER_ALREADY_CANCELED},
		{OS_CANCELED_BY_ADMIN, CR_STRANGER, OUT_CANT_DO, NULL, CD_ORDER_ALREADY_CANCELED},
		{OS_PENDING, CR_MAKER, OUT_DONE, cancel_pending_by_maker, 0},
		{OS_WAITING_TAKER_BOND, CR_MAKER, OUT_DONE, cancel_pending_by_maker, 0},
		{OS_PENDING, CR_STRANGER, OUT_CANT_DO, NULL, CD_IS_NOT_YOUR_ORDER},
		{OS_WAITING_PAYMENT, CR_MAKER, OUT_DONE, cancel_by_maker, 0},
		{OS_WAITING_BUYER_INVOICE, CR_TAKER, OUT_DONE, cancel_by_taker, 0},
		{OS_WAITING_PAYMENT, CR_STRANGER, OUT_CANT_DO, NULL, CD_INVALID_PUBKEY},
		{OS_WAITING_PAYMENT, CR_KEYLESS, OUT_SILENT, NULL, 0},
		{OS_ACTIVE, CR_TAKER, OUT_DONE, cancel_cooperative, 0},
		{OS_FIAT_SENT, CR_MAKER, OUT_DONE, cancel_cooperative, 0},
		{OS_DISPUTE, CR_STRANGER, OUT_CANT_DO, NULL, CD_INVALID_PUBKEY},
		{OS_SUCCESS, CR_MAKER, OUT_CANT_DO, NULL, CD_NOT_ALLOWED_BY_STATUS},
		{OS_EXPIRED, CR_MAKER, OUT_CANT_DO, NULL, CD_NOT_ALLOWED_BY_STATUS},
		{OS_SETTLED_HOLD_INVOICE, CR_TAKER, OUT_CANT_DO, NULL, CD_NOT_ALLOWED_BY_STATUS},
	};
	for (size_t i = 0; i < sizeof rows / sizeof *rows; i++) {
		const cancel_cell *c = &cancel_matrix[rows[i].s][rows[i].r];
		t_ok(c->kind == rows[i].k && c->fn == rows[i].fn && (c->kind != OUT_CANT_DO || c->reason == rows[i].reason),
		     "§1.3 cancel: %s x %s", order_status_name(rows[i].s), cancel_role_name(rows[i].r));
	}
	t_ok(cancel_role_name(-1) == NULL && cancel_role_name(CR_COUNT) == NULL, "cancel role names: none at -1 and COUNT");
}

static void cancel_roles(void)
{
	order_row o;
	order_row_init(&o);
	str_set(&o.creator_pubkey, "maker");
	str_set(&o.seller_pubkey, "maker");
	o.kind = ORDER_SELL;
	o.status = OS_PENDING;
	t_eq_int(cancel_role_of(&o, "maker"), CR_MAKER, "pending: the creator is the maker");
	t_eq_int(cancel_role_of(&o, "x"), CR_STRANGER, "pending: anyone else is a stranger (not keyless)");
	o.status = OS_WAITING_BUYER_INVOICE;
	t_eq_int(cancel_role_of(&o, "maker"), CR_KEYLESS, "waiting without a buyer key: keyless, even for the maker");
	str_set(&o.buyer_pubkey, "taker");
	t_eq_int(cancel_role_of(&o, "maker"), CR_MAKER, "waiting: the maker");
	t_eq_int(cancel_role_of(&o, "taker"), CR_TAKER, "waiting: the taker");
	t_eq_int(cancel_role_of(&o, "x"), CR_STRANGER, "waiting: a third party");
	str_set(&o.creator_pubkey, "other");
	t_eq_int(cancel_role_of(&o, "taker"), CR_KEYLESS, "waiting with a creator on neither side: keyless");
	o.status = OS_ACTIVE;
	t_eq_int(cancel_role_of(&o, "taker"), CR_TAKER, "active: the creator need not be a side");
	order_row_free(&o);

	order_row_init(&o);
	str_set(&o.creator_pubkey, "s");
	str_set(&o.seller_pubkey, "s");
	str_set(&o.buyer_pubkey, "b");
	str_set(&o.master_buyer_pubkey, "B");
	user_row solver;
	user_row_init(&solver);
	strcpy(solver.pubkey, "SOLVER");
	solver.is_solver = true;
	solver.category = 2;
	dispute_row d;
	dispute_row_init(&d);
	str_set(&d.solver_pubkey, "SOLVER");
	t_eq_int(order_roles_of(&o, NULL, NULL, "s", "S", "M"), ROLE_MAKER | ROLE_SELLER, "the seller-maker by trade key");
	t_eq_int(order_roles_of(&o, NULL, NULL, "b", "B", "M"), ROLE_TAKER | ROLE_BUYER | ROLE_MASTER_BUYER,
		 "the buyer-taker by trade key, master buyer by identity");
	t_eq_int(order_roles_of(&o, NULL, NULL, "B", "b", "M"), 0, "keys swapped: no role (trade key vs identity)");
	t_eq_int(order_roles_of(&o, NULL, NULL, "x", "M", "M"), ROLE_ADMIN, "identity == Mostro's key: admin");
	t_eq_int(order_roles_of(&o, NULL, NULL, "x", "M", ""), 0, "no Mostro key configured: nobody is admin");
	t_eq_int(order_roles_of(&o, &d, &solver, "x", "SOLVER", "M"), ROLE_SOLVER | ROLE_SOLVER_RW | ROLE_ASSIGNED_SOLVER,
		 "a read-write solver assigned to the dispute");
	solver.category = 1;
	t_eq_int(order_roles_of(NULL, NULL, &solver, "x", "SOLVER", "M"), ROLE_SOLVER, "a read-only solver, no dispute");
	dispute_row_free(&d);
	user_row_free(&solver);
	order_row_free(&o);
}

static void publish_map(void)
{
	static const struct { order_status s; const char *buy, *sell; } rows[] = {
		{OS_PENDING, "pending", "pending"},
		{OS_WAITING_TAKER_BOND, "pending", "pending"},
		{OS_WAITING_BUYER_INVOICE, NULL, "in-progress"},
		{OS_WAITING_PAYMENT, "in-progress", NULL},
		{OS_ACTIVE, NULL, NULL}, {OS_FIAT_SENT, NULL, NULL}, {OS_SETTLED_HOLD_INVOICE, NULL, NULL},
		{OS_DISPUTE, NULL, NULL}, {OS_WAITING_MAKER_BOND, NULL, NULL},
		{OS_SUCCESS, "success", "success"},
		{OS_CANCELED, "canceled", "canceled"}, {OS_CANCELED_BY_ADMIN, "canceled", "canceled"},
		{OS_COOPERATIVELY_CANCELED, "canceled", "canceled"}, {OS_EXPIRED, "canceled", "canceled"},
		/* not in §1.2's table: create_status_tags publishes completed-by-admin as itself */
		{OS_COMPLETED_BY_ADMIN, "completed-by-admin", "completed-by-admin"},
		{OS_SETTLED_BY_ADMIN, NULL, NULL}, {OS_IN_PROGRESS, NULL, NULL},
	};
	int seen[OS_COUNT] = {0};
	for (size_t i = 0; i < sizeof rows / sizeof *rows; i++) {
		const char *b = order_publish_map[rows[i].s][ORDER_BUY], *s = order_publish_map[rows[i].s][ORDER_SELL];
		bool ok = (b == NULL) == (rows[i].buy == NULL) && (s == NULL) == (rows[i].sell == NULL) &&
			  (!b || strcmp(b, rows[i].buy) == 0) && (!s || strcmp(s, rows[i].sell) == 0);
		t_ok(ok, "§1.2 publish %s: buy %s, sell %s", order_status_name(rows[i].s),
		     rows[i].buy ? rows[i].buy : "-", rows[i].sell ? rows[i].sell : "-");
		seen[rows[i].s]++;
	}
	for (int s = 0; s < OS_COUNT; s++)
		t_eq_int(seen[s], 1, "the publish map test covers status %s once", order_status_name(s));
}

static void steps_and_jobs(void)
{
	for (size_t i = 0; i < order_ln_step_count; i++) {
		const ln_step *s = order_ln_steps[i];
		t_ok(s && s->name && order_ln_step(s->name) == s && (s->on_event || s->on_result),
		     "continuation %s is found by its name", s && s->name ? s->name : "?");
	}
	t_ok(order_ln_step("nope") == NULL && order_ln_step(NULL) == NULL, "an unknown continuation is none");
	for (size_t i = 0; i < order_job_count; i++) {
		order_config cfg;
		order_config_defaults(&cfg);
		const order_job *j = &order_jobs[i];
		t_ok(j->name && j->ref && (j->when != JOB_PERIODIC || (j->interval && j->interval(&cfg) > 0)),
		     "job %s (%s) is named, periodic ones with an interval (tests/unit/test_order_tick.c: the rest)",
		     j->name, j->ref);
		order_config_free(&cfg);
	}
}

int main(void)
{
	order_ctx_init(&ctx);
	dispatch();
	guard_rows();
	earlier_wins();
	cancel_matrix_cells();
	cancel_roles();
	publish_map();
	steps_and_jobs();
	engine2_rows();
	take_matrix();
	solver_texts();
	rating_flush();
	guardian_dispute();
	sink_free(&esink);
	order_config_free(&ecfg);
	order_db_close(edb);
	return t_done();
}
