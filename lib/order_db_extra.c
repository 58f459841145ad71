/* order_db_extra.c — the §5–§7 queries of lib/order_db_extra.h. */
#include "order_db_extra.h"

#include <stdlib.h>
#include <string.h>

#include "buf.h"

/* The statuses restore-session leaves out, spelled as stored (mostro#882:
 * mostrod 0.18.5 listed the admin and cooperative ones without hyphens, so
 * they never matched). */
#define RESTORE_EXCLUDED "'expired','success','canceled','dispute','canceled-by-admin'," \
	"'completed-by-admin','settled-by-admin','cooperatively-canceled'"

const char *order_db_extra_errmsg(order_db *d)
{
	return sqlite3_errmsg(order_db_handle(d));
}

static sqlite3_stmt *prepare(order_db *d, const char *sql)
{
	sqlite3_stmt *st = NULL;
	if (sqlite3_prepare_v2(order_db_handle(d), sql, -1, &st, NULL) != SQLITE_OK) {
		sqlite3_finalize(st);
		return NULL;
	}
	return st;
}

static void bind_str(sqlite3_stmt *st, int i, const char *s)
{
	if (s)
		sqlite3_bind_text(st, i, s, -1, SQLITE_TRANSIENT);
	else
		sqlite3_bind_null(st, i);
}

/* Runs a write prepared by order_db_prepared (the single-statement writes
 * run on every input: kept prepared); *changed = rows it changed. The
 * iterators below prepare their own: fn may call back into this file. */
static order_db_err run_write(sqlite3_stmt *st, order_db *d, int *changed)
{
	int rc = sqlite3_step(st);
	*changed = sqlite3_changes(order_db_handle(d));
	order_db_done(d, st);
	return rc == SQLITE_DONE ? ODB_OK : ODB_SQL;
}

static const char *col_text(sqlite3_stmt *st, int i)
{
	return (const char *)sqlite3_column_text(st, i);
}

/* ------------------------------------------------------------ trade-pubkey */

order_db_err order_rotate_maker_key(order_db *d, const char *order_id, order_kind kind, const char *key)
{
	sqlite3_stmt *st = order_db_prepared(d, kind == ORDER_SELL
		? "UPDATE orders SET seller_pubkey = ?2, creator_pubkey = ?2 WHERE id = ?1"
		  " AND status IN ('pending','waiting-taker-bond')"
		: "UPDATE orders SET buyer_pubkey = ?2, creator_pubkey = ?2 WHERE id = ?1"
		  " AND status IN ('pending','waiting-taker-bond')");
	if (!st)
		return ODB_SQL;
	bind_str(st, 1, order_id);
	bind_str(st, 2, key);
	int n = 0;
	order_db_err e = run_write(st, d, &n);
	return e != ODB_OK ? e : n ? ODB_OK : ODB_CONFLICT;
}

/* ----------------------------------------------------------------- ratings */

order_db_err order_claim_rating(order_db *d, const char *order_id, bool buyer_side, bool *claimed)
{
	sqlite3_stmt *st = order_db_prepared(d, buyer_side
		? "UPDATE orders SET buyer_sent_rate = 1 WHERE id = ?1 AND buyer_sent_rate = 0"
		  " AND status = 'success'"
		: "UPDATE orders SET seller_sent_rate = 1 WHERE id = ?1 AND seller_sent_rate = 0"
		  " AND status IN ('success','settled-hold-invoice')");
	if (!st)
		return ODB_SQL;
	bind_str(st, 1, order_id);
	int n = 0;
	order_db_err e = run_write(st, d, &n);
	*claimed = e == ODB_OK && n == 1;
	return e;
}

order_db_err user_set_rating(order_db *d, const user_row *u)
{
	sqlite3_stmt *st = order_db_prepared(d, "UPDATE users SET last_rating = ?1, min_rating = ?2, max_rating = ?3,"
				      " total_reviews = ?4, total_rating = ?5 WHERE pubkey = ?6");
	if (!st)
		return ODB_SQL;
	sqlite3_bind_int64(st, 1, u->last_rating);
	sqlite3_bind_int64(st, 2, u->min_rating);
	sqlite3_bind_int64(st, 3, u->max_rating);
	sqlite3_bind_int64(st, 4, u->total_reviews);
	sqlite3_bind_double(st, 5, u->total_rating);
	bind_str(st, 6, u->pubkey);
	int n = 0;
	order_db_err e = run_write(st, d, &n);
	return e != ODB_OK ? e : n ? ODB_OK : ODB_NOT_FOUND;
}

order_db_err rating_queue_each(order_db *d, bool (*fn)(int64_t seq, const char *template_line, void *arg),
			       void *arg)
{
	sqlite3_stmt *st = prepare(d, "SELECT seq, template FROM rating_queue ORDER BY seq");
	if (!st)
		return ODB_SQL;
	int rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW)
		if (!fn(sqlite3_column_int64(st, 0), col_text(st, 1), arg))
			break;
	sqlite3_finalize(st);
	return rc == SQLITE_ROW || rc == SQLITE_DONE ? ODB_OK : ODB_SQL;
}

order_db_err rating_queue_delete_through(order_db *d, int64_t seq)
{
	sqlite3_stmt *st = order_db_prepared(d, "DELETE FROM rating_queue WHERE seq <= ?1");
	if (!st)
		return ODB_SQL;
	sqlite3_bind_int64(st, 1, seq);
	int n = 0;
	return run_write(st, d, &n);
}

/* ---------------------------------------------------------------- disputes */

order_db_err dispute_each(order_db *d, int status, bool (*fn)(const dispute_row *x, void *arg), void *arg)
{
	sqlite3_stmt *st = prepare(d, status < 0
		? "SELECT id FROM disputes ORDER BY created_at, id"
		: "SELECT id FROM disputes WHERE status = ?1 ORDER BY created_at, id");
	if (!st)
		return ODB_SQL;
	if (status >= 0)
		bind_str(st, 1, dispute_status_name(status));
	/* ids first: fn may write while we would still be reading */
	char (*ids)[37] = NULL;
	size_t n = 0, cap = 0;
	int rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		const char *id = col_text(st, 0);
		if (!id || strlen(id) != 36)
			continue;
		if (n == cap) {
			cap = cap ? cap * 2 : 16;
			ids = mu_xrealloc(ids, cap * sizeof *ids);
		}
		memcpy(ids[n++], id, 37);
	}
	sqlite3_finalize(st);
	order_db_err e = rc == SQLITE_DONE ? ODB_OK : ODB_SQL;
	for (size_t i = 0; e == ODB_OK && i < n; i++) {
		dispute_row x;
		dispute_row_init(&x);
		order_db_err le = dispute_load(d, ids[i], &x);
		bool go = true;
		if (le == ODB_OK)
			go = fn(&x, arg);
		else if (le != ODB_NOT_FOUND)
			e = le;
		dispute_row_free(&x);
		if (!go)
			break;
	}
	free(ids);
	return e;
}

/* ----------------------------------------------------------------- restore */

static order_db_err restore_orders_side(order_db *d, const char *identity, bool buyer,
					bool (*fn)(const restored_order *r, void *arg), void *arg, bool *stop)
{
	sqlite3_stmt *st = prepare(d, buyer
		? "SELECT id, trade_index_buyer, status FROM orders WHERE master_buyer_pubkey = ?1"
		  " AND status NOT IN (" RESTORE_EXCLUDED ") ORDER BY rowid"
		: "SELECT id, trade_index_seller, status FROM orders WHERE master_seller_pubkey = ?1"
		  " AND status NOT IN (" RESTORE_EXCLUDED ") ORDER BY rowid");
	if (!st)
		return ODB_SQL;
	bind_str(st, 1, identity);
	int rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		restored_order r = {col_text(st, 0), sqlite3_column_int64(st, 1), col_text(st, 2)};
		if (!r.order_id || !r.status)
			continue;
		if (!fn(&r, arg)) {
			*stop = true;
			break;
		}
	}
	sqlite3_finalize(st);
	return rc == SQLITE_ROW || rc == SQLITE_DONE ? ODB_OK : ODB_SQL;
}

order_db_err restore_orders_each(order_db *d, const char *identity,
				 bool (*fn)(const restored_order *r, void *arg), void *arg)
{
	bool stop = false;
	order_db_err e = restore_orders_side(d, identity, true, fn, arg, &stop);
	if (e == ODB_OK && !stop)
		e = restore_orders_side(d, identity, false, fn, arg, &stop);
	return e;
}

order_db_err restore_disputes_each(order_db *d, const char *identity,
				   bool (*fn)(const restored_dispute *r, void *arg), void *arg)
{
	sqlite3_stmt *st = prepare(d,
		"SELECT d.id, d.order_id,"
		" COALESCE(CASE WHEN o.master_buyer_pubkey = ?1 THEN o.trade_index_buyer"
		"  WHEN o.master_seller_pubkey = ?1 THEN o.trade_index_seller ELSE 0 END, 0),"
		" d.status,"
		" CASE WHEN o.buyer_dispute = 1 AND o.seller_dispute = 0 THEN 'buyer'"
		"  WHEN o.seller_dispute = 1 AND o.buyer_dispute = 0 THEN 'seller' ELSE NULL END,"
		" d.solver_pubkey"
		" FROM disputes d JOIN orders o ON d.order_id = o.id"
		" WHERE (o.master_buyer_pubkey = ?1 OR o.master_seller_pubkey = ?1)"
		" AND d.status IN ('initiated','in-progress') ORDER BY d.rowid");
	if (!st)
		return ODB_SQL;
	bind_str(st, 1, identity);
	int rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		restored_dispute r = {col_text(st, 0), col_text(st, 1), sqlite3_column_int64(st, 2),
				      col_text(st, 3), col_text(st, 4), col_text(st, 5)};
		if (!r.dispute_id || !r.order_id || !r.status)
			continue;
		if (!fn(&r, arg))
			break;
	}
	sqlite3_finalize(st);
	return rc == SQLITE_ROW || rc == SQLITE_DONE ? ODB_OK : ODB_SQL;
}
