/* store_query.h — the rows operators and scripts ask for: orders (with
 * filters), users, disputes, one order or dispute by id (mostro-store
 * orders / users / disputes / get).
 *
 * Rows come out as JSON objects keyed by the tables' own column names
 * (mostrod's, DAEMON.md §8), values in store_value.h's exact encoding, in a
 * fixed order: created_at, then the key. Filters are bound parameters; the
 * caller checks names (statuses, kinds) before asking.
 *
 * Nothing here prints or exits; rows go to a callback (borrowed text, valid
 * during the call).
 */
#ifndef MU_STORE_QUERY_H
#define MU_STORE_QUERY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sqlite3.h>

#include "buf.h"
#include "store_export.h"   /* store_line_fn */

typedef enum store_query_err {
	STORE_QUERY_OK = 0,
	STORE_QUERY_NOT_FOUND,   /* get: no order and no dispute has this id */
	STORE_QUERY_WRITE,       /* the callback refused a row */
	STORE_QUERY_SQL,         /* SQLite error (a missing table: not an order database) */
} store_query_err;

const char *store_query_strerror(store_query_err e);

typedef struct store_order_filter {
	const char *const *statuses;  /* any of these (n = 0: any status) */
	size_t      nstatuses;
	const char *kind;             /* "buy", "sell" or NULL */
	bool        has_since, has_until;
	int64_t     since;            /* created_at >= since */
	int64_t     until;            /* created_at < until */
	const char *fiat_code;        /* compared without case, or NULL */
	uint64_t    limit;            /* 0: no limit */
} store_order_filter;

store_query_err store_orders(sqlite3 *db, const store_order_filter *f, store_line_fn out, void *ctx,
			     uint64_t *rows, char *err, size_t cap);
/* solvers_only: users with is_solver = 1. */
store_query_err store_users(sqlite3 *db, bool solvers_only, store_line_fn out, void *ctx,
			    uint64_t *rows, char *err, size_t cap);
/* Disputes whose status is one of statuses (n = 0: all). */
store_query_err store_disputes(sqlite3 *db, const char *const *statuses, size_t n, store_line_fn out, void *ctx,
			       uint64_t *rows, char *err, size_t cap);
/* The order with this id, else the dispute with this id (id as stored: the
 * caller canonicalizes it). *table = "orders" or "disputes". */
store_query_err store_get(sqlite3 *db, const char *id, buf *row, const char **table, char *err, size_t cap);

#endif
