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
		t_ok(order_jobs[i].name && order_jobs[i].ref && order_jobs[i].interval(&cfg) > 0,
		     "job %s (%s) has an interval", order_jobs[i].name, order_jobs[i].ref);
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
	return t_done();
}
