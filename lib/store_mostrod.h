/* store_mostrod.h — taking over a mostrod 0.18.5 database
 * (mostro-store import-mostrod).
 *
 * mostrod's `orders`, `disputes` and `users` rows are copied into an empty
 * order database of ours, orders in flight included, every status string and
 * value kept, in one transaction. What differs between the two files:
 *  - UUIDs (orders.id, orders.range_parent_id, disputes.id,
 *    disputes.order_id): sqlx binds a Rust Uuid as a 16-byte BLOB although
 *    the columns say char(36) (DAEMON.md §8); a file may also hold text
 *    (written by hand or another tool, any case, hyphenated or not). Both
 *    become the canonical lowercase hyphenated text; anything else is an
 *    error naming the table, row and column.
 *  - columns: a file from an older mostrod lacks the columns later
 *    migrations added (dev_fee..., cashu_..., payout_...): they get our
 *    defaults. Columns we do not have (disputes.buyer_token/seller_token of
 *    files older than the migration that drops them) are left behind and
 *    named in the stats.
 *  - mostrod's own bookkeeping (_sqlx_migrations) is not copied.
 *  - bonds (the anti-abuse bond extension, off by default) are not
 *    supported: a file holding a bond still in play (requested, locked,
 *    pending-payout: money held or owed) is refused unless the caller says
 *    to leave bonds behind; finished bonds are counted and left.
 *
 * The source is read inside one read transaction (a consistent snapshot).
 * Nothing here prints or exits.
 */
#ifndef MU_STORE_MOSTROD_H
#define MU_STORE_MOSTROD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sqlite3.h>

#include "buf.h"

typedef enum store_mostrod_err {
	STORE_MOSTROD_OK = 0,
	STORE_MOSTROD_SOURCE,     /* the source is not a mostrod database */
	STORE_MOSTROD_NOT_EMPTY,  /* the target holds data */
	STORE_MOSTROD_UUID,       /* a UUID column holds something that is not a UUID */
	STORE_MOSTROD_BONDS,      /* bonds still in play and ignore_bonds not set */
	STORE_MOSTROD_ROW,        /* the target refused a row (a constraint) */
	STORE_MOSTROD_SQL,        /* any other SQLite error */
} store_mostrod_err;

const char *store_mostrod_strerror(store_mostrod_err e);

typedef struct store_mostrod_opts {
	sqlite3 *baseline;        /* a fresh database of the target's schema (emptiness), or NULL */
	bool     ignore_bonds;    /* leave bonds in play behind instead of refusing */
} store_mostrod_opts;

typedef struct store_mostrod_stats {
	uint64_t orders, disputes, users;
	uint64_t uuid_blob, uuid_text;   /* UUID values found as 16-byte blobs / as text */
	uint64_t bonds_left, bonds_live; /* bonds not imported; of which in play */
	buf      statuses;               /* JSON object: order status -> count */
	buf      dropped;                /* JSON array of "table.column" left behind */
} store_mostrod_stats;

/* Copies src (a mostrod file, opened read-only) into dst (ours, opened for
 * writing by the lock holder). stats must be zeroed; free its bufs after. */
store_mostrod_err store_mostrod_import(sqlite3 *src, sqlite3 *dst, const store_mostrod_opts *o,
				       store_mostrod_stats *stats, char *err, size_t cap);
void store_mostrod_stats_free(store_mostrod_stats *s);

#endif
