/* order_guards_admin.c — the checks of the §5 (rate-user), §6 (dispute,
 * admin-take-dispute, admin-settle, admin-cancel, admin-add-solver) and §7
 * (trade-pubkey, orders, last-trade-index, restore-session) guard tables of
 * lib/order_table.c, one per row, in the order mostrod makes them.
 * Authorization is by identity key for admins and solvers (§6), by trade
 * key for the parties. */
#include <string.h>

#include "hex.h"
#include "json.h"
#include "keys.h"
#include "nip19.h"
#include "order_table.h"

static bool fail_with(order_ctx *c, outcome o)
{
	c->has_override = true;
	c->override = o;
	return false;
}

static const char *identity(const order_ctx *c)
{
	return c->in->identity;
}

static bool is_mostro(const order_ctx *c, const char *key)
{
	return c->cfg->mostro_pubkey[0] && str_eq(key, c->cfg->mostro_pubkey);
}

/* ---------------------------------------------------------------- dispute */

bool g_has_message_id(order_ctx *c)
{
	return c->m->has_id;
}

/* find_dispute_by_order_id before the order is even read: any row, any status. */
bool g_no_dispute_for_order(order_ctx *c)
{
	dispute_row d;
	dispute_row_init(&d);
	order_db_err e = dispute_load_by_order(c->db, c->m->id, &d);
	dispute_row_free(&d);
	return e == ODB_NOT_FOUND;
}

bool g_status_active_or_fiat_sent(order_ctx *c)
{
	return c->order.status == OS_ACTIVE || c->order.status == OS_FIAT_SENT;
}

bool g_sender_is_party(order_ctx *c)
{
	return (c->roles & (ROLE_BUYER | ROLE_SELLER)) != 0;
}

/* setup_dispute: the initiator's flag (buyer when the sender is the buyer) must be unset. */
bool g_dispute_flag_unset(order_ctx *c)
{
	bool buyer = (c->roles & ROLE_BUYER) != 0;
	return buyer ? !c->order.buyer_dispute : !c->order.seller_dispute;
}

/* ----------------------------------------------------- admin-take-dispute */

bool g_dispute_exists(order_ctx *c)
{
	return c->have_dispute;
}

static bool current_solver_read_only(order_ctx *c)
{
	user_row u;
	user_row_init(&u);
	bool ro = c->dispute.solver_pubkey && user_load(c->db, c->dispute.solver_pubkey, &u) == ODB_OK &&
		  u.is_solver && u.category == 1;
	user_row_free(&u);
	return ro;
}

bool g_may_take_dispute(order_ctx *c)
{
	take_role r = take_role_of(&c->dispute, c->have_user ? &c->user : NULL, identity(c), c->cfg->mostro_pubkey);
	switch (take_dispute_matrix[c->dispute.status][r]) {
	case TAKE_ALLOW:
		return true;
	case TAKE_OVER:
		return current_solver_read_only(c);
	case TAKE_DENY:
		break;
	}
	return false;
}

bool g_dispute_order_exists(order_ctx *c)
{
	return ctx_load_order(c, c->dispute.order_id);
}

/* ------------------------------------------------ admin-settle / -cancel */

/* is_assigned_solver: the dispute row of the order names the caller's
 * identity (whatever its status); otherwise dispute_taken_by_admin when
 * Mostro's key holds it in-progress, else is_not_your_dispute. */
bool g_assigned_solver(order_ctx *c)
{
	if (c->have_dispute && str_eq(c->dispute.solver_pubkey, identity(c)))
		return true;
	if (c->have_dispute && c->dispute.status == DS_IN_PROGRESS && is_mostro(c, c->dispute.solver_pubkey))
		return fail_with(c, out_cant(CD_DISPUTE_TAKEN_BY_ADMIN, "§6 admin-settle/-cancel #2: taken by Mostro"));
	return false;
}

/* ensure_dispute_finalize_permission: Mostro's key, or a read-write solver. */
bool g_may_finalize(order_ctx *c)
{
	return is_mostro(c, identity(c)) ||
	       (c->have_user && c->user.is_solver && c->user.category == 2 && str_eq(c->user.pubkey, identity(c)));
}

bool g_status_dispute(order_ctx *c)
{
	return c->order.status == OS_DISPUTE;
}

/* validate_bond_resolution: asking to slash a side needs that side's locked
 * bond; this engine takes no bonds (§10.1 not built), so any slash fails. */
bool g_no_bond_slash(order_ctx *c)
{
	if (c->m->payload_kind != MP_BOND_RESOLUTION)
		return true;
	jv s = json_get(c->m->payload, "slash_seller"), b = json_get(c->m->payload, "slash_buyer");
	bool slash = jv_get_kind(s) == JV_KIND_TRUE || jv_get_kind(b) == JV_KIND_TRUE;
	jv_free(s);
	jv_free(b);
	return !slash;
}

/* settle_seller_hold_invoice(is_admin): the seller key parses and a
 * preimage exists (its errors become an internal error in admin-settle). */
bool g_settle_ready(order_ctx *c)
{
	return c->order.seller_pubkey && c->order.preimage;
}

/* ------------------------------------------------------- admin-add-solver */

bool g_payload_present(order_ctx *c)
{
	return c->m->payload_kind != MP_NONE;
}

bool g_sender_is_mostro(order_ctx *c)
{
	return is_mostro(c, identity(c));
}

/* Rust's char::is_whitespace (Unicode White_Space) at s: its length, 0 if none. */
static size_t white_at(const unsigned char *s, const unsigned char *end)
{
	if (s >= end)
		return 0;
	if (*s == ' ' || (*s >= 0x09 && *s <= 0x0d))
		return 1;
	uint32_t cp = 0;
	size_t n = 0;
	if (*s == 0xc2 && end - s >= 2) {
		cp = s[1];
		n = 2;
	} else if ((*s == 0xe1 || *s == 0xe2 || *s == 0xe3) && end - s >= 3) {
		cp = ((uint32_t)(*s & 0x0f) << 12) | ((uint32_t)(s[1] & 0x3f) << 6) | (s[2] & 0x3f);
		n = 3;
	} else {
		return 0;
	}
	bool w = cp == 0x85 || cp == 0xa0 || cp == 0x1680 || (cp >= 0x2000 && cp <= 0x200a) || cp == 0x2028 ||
		 cp == 0x2029 || cp == 0x202f || cp == 0x205f || cp == 0x3000;
	return w ? n : 0;
}

static size_t white_before(const unsigned char *start, const unsigned char *e)
{
	for (size_t n = 1; n <= 3 && e - n >= start; n++)
		if (white_at(e - n, e) == n)
			return n;
	return 0;
}

/* str::trim on [*s, *e). */
static void trim(const char **s, const char **e)
{
	const unsigned char *a = (const unsigned char *)*s, *b = (const unsigned char *)*e;
	size_t n;
	while ((n = white_at(a, b)))
		a += n;
	while (b > a && (n = white_before(a, b)))
		b -= n;
	*s = (const char *)a;
	*e = (const char *)b;
}

static bool part_is(const char *s, const char *e, const char *word)
{
	size_t n = strlen(word);
	return (size_t)(e - s) == n && memcmp(s, word, n) == 0;
}

solver_text_err solver_text_parse(const char *text, char pubkey_hex[65], int64_t *category)
{
	if (!text)
		return SOLVER_TEXT_EMPTY;
	const char *s = text, *e = text + strlen(text);
	trim(&s, &e);
	if (s == e)
		return SOLVER_TEXT_EMPTY;
	const char *colon = memchr(s, ':', (size_t)(e - s));
	const char *ns = s, *ne = colon ? colon : e;
	trim(&ns, &ne);
	if (ns == ne)
		return SOLVER_TEXT_EMPTY;
	*category = 2;
	if (colon) {
		const char *ps = colon + 1, *pe = memchr(ps, ':', (size_t)(e - ps));
		bool more = pe != NULL;
		if (!pe)
			pe = e;
		trim(&ps, &pe);
		if (part_is(ps, pe, "read"))
			*category = 1;
		else if (!part_is(ps, pe, "read-write") && !part_is(ps, pe, "write"))
			return SOLVER_TEXT_SUFFIX;
		if (more)
			return SOLVER_TEXT_SUFFIX;
	}
	/* PublicKey::from_bech32: an npub of a valid x-only key */
	nip19 d;
	nip19_init(&d, NIP19_NPUB);
	bool ok = nip19_decode(ns, (size_t)(ne - ns), &d, NULL, 0) == NIP19_OK && d.type == NIP19_NPUB &&
		  key_pubkey_valid(d.value);
	if (ok)
		hex_encode(pubkey_hex, d.value, 32);
	nip19_free(&d);
	return ok ? SOLVER_TEXT_OK : SOLVER_TEXT_NPUB;
}

static solver_text_err solver_text_of(order_ctx *c, char hex[65], int64_t *category)
{
	const char *text = c->m->payload_kind == MP_TEXT_MESSAGE ? json_str(c->m->payload, NULL) : NULL;
	return solver_text_parse(text, hex, category);
}

bool g_solver_text(order_ctx *c)
{
	char hex[65];
	int64_t cat;
	return solver_text_of(c, hex, &cat) != SOLVER_TEXT_EMPTY;
}

bool g_solver_suffix(order_ctx *c)
{
	char hex[65];
	int64_t cat;
	return solver_text_of(c, hex, &cat) != SOLVER_TEXT_SUFFIX;
}

bool g_solver_npub(order_ctx *c)
{
	char hex[65];
	int64_t cat;
	return solver_text_of(c, hex, &cat) != SOLVER_TEXT_NPUB;
}

/* add_new_user: an INSERT, so a key that already has a users row fails. */
bool g_solver_new(order_ctx *c)
{
	char hex[65];
	int64_t cat;
	if (solver_text_of(c, hex, &cat) != SOLVER_TEXT_OK)
		return false;
	user_row u;
	user_row_init(&u);
	order_db_err e = user_load(c->db, hex, &u);
	user_row_free(&u);
	return e == ODB_NOT_FOUND;
}

/* -------------------------------------------------------------- rate-user */

/* prepare_variables_for_vote: the buyer's side wins when one key is both. */
static bool rates_as_buyer(const order_ctx *c) { return (c->roles & ROLE_BUYER) != 0; }
static bool rates_as_seller(const order_ctx *c) { return !rates_as_buyer(c) && (c->roles & ROLE_SELLER); }

bool g_rate_status(order_ctx *c)
{
	return c->order.status == OS_SUCCESS ||
	       (c->order.status == OS_SETTLED_HOLD_INVOICE && rates_as_seller(c));
}

bool g_rater_has_not_rated(order_ctx *c)
{
	return (rates_as_seller(c) && !c->order.seller_sent_rate) ||
	       (rates_as_buyer(c) && !c->order.buyer_sent_rate);
}

bool g_rating_in_range(order_ctx *c)
{
	int64_t r = 0;
	return c->m->payload_kind == MP_RATING_USER && json_get_i64(c->m->payload, &r) && r >= 1 && r <= 5;
}

/* is_full_privacy_order: the rated side's master key when it differs from
 * its trade key (reputation mode), else NULL. */
const char *order_rated_identity(const order_ctx *c)
{
	const order_row *o = &c->order;
	if (rates_as_buyer(c))
		return o->master_seller_pubkey && !str_eq(o->master_seller_pubkey, o->seller_pubkey)
			? o->master_seller_pubkey : NULL;
	return o->master_buyer_pubkey && !str_eq(o->master_buyer_pubkey, o->buyer_pubkey)
		? o->master_buyer_pubkey : NULL;
}

bool g_counterpart_reputation(order_ctx *c)
{
	return order_rated_identity(c) != NULL;
}

bool g_counterpart_user(order_ctx *c)
{
	user_row u;
	user_row_init(&u);
	bool ok = user_load(c->db, order_rated_identity(c), &u) == ODB_OK;
	user_row_free(&u);
	return ok;
}

/* ----------------------------------------------------------- trade-pubkey */

bool g_sender_is_maker_identity(order_ctx *c)
{
	const char *master = c->order.kind == ORDER_SELL ? c->order.master_seller_pubkey : c->order.master_buyer_pubkey;
	return str_eq(master, identity(c));
}

/* ----------------------------------------------------------------- orders */

bool g_payload_ids(order_ctx *c)
{
	return c->m->payload_kind == MP_IDS;
}

bool g_ids_nonempty(order_ctx *c)
{
	return jv_array_length(jv_copy(c->m->payload)) > 0;
}

bool g_ids_within_limit(order_ctx *c)
{
	return jv_array_length(jv_copy(c->m->payload)) <= c->cfg->max_orders_per_response;
}

/* ------------------------------------------------------- last-trade-index */

bool g_identity_user(order_ctx *c)
{
	return c->have_user;
}

bool g_last_trade_index_set(order_ctx *c)
{
	return c->user.last_trade_index != 0;
}

/* -------------------------------------------------------- restore-session */

/* find_user_orders_by_master_key: the identity is 64 hex digits. */
bool g_identity_hex(order_ctx *c)
{
	return hex_is_lower(identity(c), strlen(identity(c)), 64);
}
