/* order.h — the types of Mostro's order engine (mostro-order run): order
 * statuses, kinds, cant-do reasons and dispute statuses as enums beside the
 * wire-name tables of lib/mostro_msg.c (same order, checked at compile time),
 * the sender's roles, and the rows of mostrod 0.18.5's three tables (orders,
 * disputes, users; DAEMON.md §8).
 *
 * Why one header of types: the engine (lib/order_*.c), mostro-store
 * (lib/store_*.c) and the tests all speak of the same rows and statuses;
 * every name list is derived from one table, so adding a status is one edit.
 *
 * Ownership: a row owns its heap strings (NULL = SQL NULL). Initialize with
 * *_row_init(), release with *_row_free(); *_row_copy() deep-copies into an
 * initialized destination (freeing what it held). Setters str_set()/str_clear()
 * replace a field's string. Nothing here prints, allocates outside the rows,
 * or exits.
 */
#ifndef MU_ORDER_H
#define MU_ORDER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "mostro_msg.h"

/* Order statuses, in mostro_order_status_names[] order (DAEMON.md §1.1). */
typedef enum order_status {
	OS_ACTIVE, OS_CANCELED, OS_CANCELED_BY_ADMIN, OS_SETTLED_BY_ADMIN,
	OS_COMPLETED_BY_ADMIN, OS_DISPUTE, OS_EXPIRED, OS_FIAT_SENT,
	OS_SETTLED_HOLD_INVOICE, OS_PENDING, OS_SUCCESS, OS_WAITING_BUYER_INVOICE,
	OS_WAITING_PAYMENT, OS_WAITING_TAKER_BOND, OS_COOPERATIVELY_CANCELED,
	OS_IN_PROGRESS, OS_WAITING_MAKER_BOND,
	OS_COUNT
} order_status;
_Static_assert(OS_COUNT == MOSTRO_ORDER_STATUS_COUNT, "order_status follows mostro_order_status_names");

typedef enum order_kind { ORDER_BUY, ORDER_SELL, ORDER_KIND_COUNT } order_kind;
_Static_assert(ORDER_KIND_COUNT == MOSTRO_ORDER_KIND_COUNT, "order_kind follows mostro_order_kind_names");

/* CantDo reasons, in mostro_cant_do_names[] order (DAEMON.md §0.2). */
typedef enum cant_do {
	CD_INVALID_SIGNATURE, CD_INVALID_TRADE_INDEX, CD_INVALID_AMOUNT, CD_INVALID_INVOICE,
	CD_INVALID_PAYMENT_REQUEST, CD_INVALID_PEER, CD_INVALID_RATING, CD_INVALID_TEXT_MESSAGE,
	CD_INVALID_ORDER_KIND, CD_INVALID_ORDER_STATUS, CD_INVALID_PUBKEY, CD_INVALID_PARAMETERS,
	CD_INVALID_PAYLOAD, CD_ORDER_ALREADY_CANCELED, CD_CANT_CREATE_USER, CD_IS_NOT_YOUR_ORDER,
	CD_NOT_ALLOWED_BY_STATUS, CD_OUT_OF_RANGE_FIAT_AMOUNT, CD_OUT_OF_RANGE_SATS_AMOUNT,
	CD_PRICE_TOO_STALE, CD_IS_NOT_YOUR_DISPUTE, CD_DISPUTE_TAKEN_BY_ADMIN, CD_NOT_AUTHORIZED,
	CD_DISPUTE_CREATION_ERROR, CD_NOT_FOUND, CD_INVALID_DISPUTE_STATUS, CD_INVALID_ACTION,
	CD_PENDING_ORDER_EXISTS, CD_INVALID_FIAT_CURRENCY, CD_TOO_MANY_REQUESTS,
	CD_INVALID_CASHU_TOKEN, CD_CASHU_MINT_UNAVAILABLE, CD_INVALID_MINT_URL,
	CD_CASHU_ESCROW_NOT_LOCKED, CD_CASHU_SIGNATURE_MISSING,
	CD_COUNT
} cant_do;
_Static_assert(CD_COUNT == MOSTRO_CANT_DO_COUNT, "cant_do follows mostro_cant_do_names");

/* Dispute statuses, in mostro_dispute_status_names[] order (DAEMON.md §6). */
typedef enum dispute_status {
	DS_INITIATED, DS_IN_PROGRESS, DS_SELLER_REFUNDED, DS_SETTLED, DS_RELEASED,
	DS_COUNT
} dispute_status;
_Static_assert(DS_COUNT == MOSTRO_DISPUTE_STATUS_COUNT, "dispute_status follows mostro_dispute_status_names");

/* Wire names; NULL out of range (-1, *_COUNT). */
const char *order_status_name(int s);
const char *order_kind_name(int k);
const char *cant_do_name(int r);
const char *dispute_status_name(int s);
/* Name -> enum; -1 when unknown (exact, case-sensitive). */
int order_status_from_name(const char *s);
int order_kind_from_name(const char *s);
int dispute_status_from_name(const char *s);

/* The sender's roles towards one order (and its dispute), computed once per
 * message by order_roles_of() (lib/order_table.c): maker/taker/buyer/seller
 * compare TRADE keys, admin/solver IDENTITY keys (DAEMON.md §6), and
 * "master buyer/seller" the identity against the order's master keys. */
enum order_role {
	ROLE_MAKER           = 1 << 0,  /* sender == creator_pubkey */
	ROLE_TAKER           = 1 << 1,  /* sender is the side that is not the creator */
	ROLE_BUYER           = 1 << 2,  /* sender == buyer_pubkey */
	ROLE_SELLER          = 1 << 3,  /* sender == seller_pubkey */
	ROLE_ADMIN           = 1 << 4,  /* identity == Mostro's pubkey */
	ROLE_SOLVER          = 1 << 5,  /* identity is a users row with is_solver */
	ROLE_SOLVER_RW       = 1 << 6,  /* ... of category 2 (read-write) */
	ROLE_ASSIGNED_SOLVER = 1 << 7,  /* identity == the dispute's solver_pubkey */
	ROLE_MASTER_BUYER    = 1 << 8,  /* identity == master_buyer_pubkey */
	ROLE_MASTER_SELLER   = 1 << 9,  /* identity == master_seller_pubkey */
};
typedef unsigned order_roles;

/* A nullable integer column. */
typedef struct opt_i64 {
	bool    set;
	int64_t v;
} opt_i64;
#define OPT_NONE ((opt_i64){false, 0})
#define OPT_SOME(x) ((opt_i64){true, (x)})

/* Replaces *field with a copy of s (NULL clears it). */
void str_set(char **field, const char *s);
void str_setn(char **field, const char *s, size_t n);
void str_clear(char **field);
/* Both set and equal. */
bool str_eq(const char *a, const char *b);

/* orders (mostrod migrations 20221222153301 + dev_fee, cashu, payout columns). */
typedef struct order_row {
	char         id[37];                 /* lowercase hyphenated UUID */
	order_kind   kind;
	char        *event_id;               /* not null in mostrod ("" before publication) */
	char        *hash;
	char        *preimage;
	char        *creator_pubkey;
	char        *cancel_initiator_pubkey;
	char        *dispute_initiator_pubkey;
	char        *buyer_pubkey;
	char        *master_buyer_pubkey;
	char        *seller_pubkey;
	char        *master_seller_pubkey;
	order_status status;
	bool         price_from_api;
	int64_t      premium;
	char        *payment_method;         /* not null */
	int64_t      amount;
	opt_i64      min_amount;
	opt_i64      max_amount;
	bool         buyer_dispute;
	bool         seller_dispute;
	bool         buyer_cooperativecancel;
	bool         seller_cooperativecancel;
	int64_t      fee;
	int64_t      routing_fee;
	char        *fiat_code;              /* not null */
	int64_t      fiat_amount;
	char        *buyer_invoice;
	char        *range_parent_id;
	int64_t      invoice_held_at;
	int64_t      taken_at;
	int64_t      created_at;
	bool         buyer_sent_rate;
	bool         seller_sent_rate;
	int64_t      payment_attempts;
	bool         failed_payment;
	int64_t      expires_at;
	opt_i64      trade_index_seller;
	opt_i64      trade_index_buyer;
	char        *next_trade_pubkey;
	opt_i64      next_trade_index;
	int64_t      dev_fee;
	bool         dev_fee_paid;
	char        *dev_fee_payment_hash;
	char        *cashu_mint_url;
	char        *cashu_escrow_token;
	opt_i64      cashu_escrow_locked_at;
	char        *payout_payment_hash;
	opt_i64      payout_claimed_at;
} order_row;

/* disputes (mostrod migration 20230928145530). */
typedef struct dispute_row {
	char           id[37];
	char           order_id[37];
	dispute_status status;
	char          *order_previous_status;  /* an order status string, not null */
	char          *solver_pubkey;
	int64_t        created_at;
	int64_t        taken_at;
} dispute_row;

/* users (mostrod migration 20231005195154), keyed by identity pubkey. */
typedef struct user_row {
	char    pubkey[65];
	bool    is_admin;
	char   *admin_password;
	bool    is_solver;
	bool    is_banned;
	int64_t category;           /* 0 legacy, 1 read-only, 2 read-write */
	int64_t last_trade_index;
	int64_t total_reviews;
	double  total_rating;
	int64_t last_rating;
	int64_t max_rating;
	int64_t min_rating;
	int64_t created_at;
} user_row;

void order_row_init(order_row *o);
void order_row_free(order_row *o);
void order_row_copy(order_row *dst, const order_row *src);
void dispute_row_init(dispute_row *d);
void dispute_row_free(dispute_row *d);
void user_row_init(user_row *u);
void user_row_free(user_row *u);

/* The maker's and taker's trade keys (NULL when not set). The maker is the
 * creator; the taker is whichever of buyer/seller is not the creator. */
const char *order_taker_pubkey(const order_row *o);
/* Status predicates used by several tables. */
bool order_status_is_terminal(order_status s);   /* mostro#882 list, hyphenated */

#endif
