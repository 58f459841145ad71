/* store_session_int.h — what store_session.c and store_session_ingest.c
 * share and nobody else uses: SQL helpers and row builders. */
#ifndef MU_STORE_SESSION_INT_H
#define MU_STORE_SESSION_INT_H

#include <stdbool.h>
#include <stdint.h>
#include <jv.h>
#include <sqlite3.h>

#include "store_session.h"

store_session_err ss_fail(store_session_err e, char *err, size_t cap, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
store_session_err ss_db_fail(store_session *s, char *err, size_t cap);
sqlite3_stmt *ss_prep(store_session *s, const char *sql);
void ss_bind_text(sqlite3_stmt *st, int i, const char *v);
bool ss_exec_texts(store_session *s, const char *sql, int n, ...);
/* The statement's current row as {"type":type, column: value...}. */
jv ss_row_jv(sqlite3_stmt *st, const char *type);
/* The order's row (jv_null when absent). */
jv ss_order_jv(store_session *s, const char *id);
/* Creates the order row bound to a key, or moves it to that key. */
bool ss_order_upsert_key(store_session *s, const char *id, uint32_t index, const char *pubkey, const char *node,
			 const char *source, int64_t now);
/* The trade_keys row of index, created from the mnemonic when missing
 * (raising last_index), its pubkey in pubkey. Inside the caller's transaction. */
store_session_err ss_key_row(store_session *s, uint32_t index, const char *purpose, int64_t now, char pubkey[65],
			     char *err, size_t cap);
/* "seller"/"buyer" from the order's kind and our role; NULL if either is unknown. */
const char *ss_side_of(const char *kind, const char *role);

#endif
