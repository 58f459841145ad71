/* order_db_extra.h — the queries of the dispute, rating and session handlers
 * (DAEMON.md §5, §6, §7) beside the row I/O of lib/order_db.h.
 *
 * Why a file of its own: these are targeted writes and list queries that
 * mostrod makes with their own SQL (claim_order_rating_flag,
 * update_user_rating, cas_rotate_maker_trade_pubkey of mostro#903, the
 * restore-session queries with mostro#882's hyphenated statuses), not
 * whole-row reads and writes; keeping them here leaves lib/order_db.c the
 * engine's row walker. Lists come back in mostrod's order (its tables have
 * no index on these columns, so SQLite scans them in rowid order).
 *
 * Ownership: nothing is kept; callbacks get borrowed values valid for the
 * call. Statements are prepared per call (these actions are rare). Errors
 * come back as order_db_err; order_db_extra_errmsg() names SQLite's reason.
 */
#ifndef MU_ORDER_DB_EXTRA_H
#define MU_ORDER_DB_EXTRA_H

#include <stdbool.h>
#include <stdint.h>

#include "order_db.h"

/* SQLite's message for the last failure on this handle. */
const char *order_db_extra_errmsg(order_db *d);

/* ---- §7 trade-pubkey (mostro#903) ----
 * UPDATE orders SET <maker column> = key, creator_pubkey = key WHERE id AND
 * status IN (pending, waiting-taker-bond): the maker side of a sell order is
 * the seller, of a buy order the buyer. ODB_CONFLICT when the guard missed. */
order_db_err order_rotate_maker_key(order_db *d, const char *order_id, order_kind kind, const char *key);

/* ---- §5 ratings ----
 * claim_order_rating_flag: sets buyer_sent_rate (status success) or
 * seller_sent_rate (status success or settled-hold-invoice) when unset;
 * *claimed false when the flag was set or the status moved on. */
order_db_err order_claim_rating(order_db *d, const char *order_id, bool buyer_side, bool *claimed);
/* update_user_rating: last_rating, min_rating, max_rating, total_reviews,
 * total_rating of u (no other column). ODB_NOT_FOUND without the row. */
order_db_err user_set_rating(order_db *d, const user_row *u);
/* The queued 38384 templates in order; fn returns false to stop. */
order_db_err rating_queue_each(order_db *d, bool (*fn)(int64_t seq, const char *template_line, void *arg),
			       void *arg);
order_db_err rating_queue_delete_through(order_db *d, int64_t seq);

/* ---- §6 disputes ----
 * Every dispute (status < 0) or those in one status, oldest first
 * (created_at, id). */
order_db_err dispute_each(order_db *d, int status, bool (*fn)(const dispute_row *x, void *arg), void *arg);

/* ---- §7 restore-session ----
 * find_user_orders_by_master_key: the orders where identity is the master
 * buyer (index trade_index_buyer), then those where it is the master seller
 * (trade_index_seller), statuses expired, success, canceled, dispute,
 * canceled-by-admin, completed-by-admin, settled-by-admin and
 * cooperatively-canceled left out (mostro#882). A NULL index reads as 0. */
typedef struct restored_order {
	const char *order_id;
	int64_t     trade_index;
	const char *status;
} restored_order;
order_db_err restore_orders_each(order_db *d, const char *identity,
				 bool (*fn)(const restored_order *r, void *arg), void *arg);

/* find_user_disputes_by_master_key: disputes in initiated/in-progress on
 * orders where identity is a master key; initiator from the order's flags
 * ("buyer", "seller", NULL when both or neither). */
typedef struct restored_dispute {
	const char *dispute_id;
	const char *order_id;
	int64_t     trade_index;
	const char *status;
	const char *initiator;      /* NULL: null */
	const char *solver_pubkey;  /* NULL: null */
} restored_dispute;
order_db_err restore_disputes_each(order_db *d, const char *identity,
				   bool (*fn)(const restored_dispute *r, void *arg), void *arg);

#endif
