#include "relay_store.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hex.h"
#include "safefile.h"

static const db_migration migrations[] = {
	{1,
	 "CREATE TABLE events ("
	 " seq        INTEGER PRIMARY KEY,"
	 " id         BLOB NOT NULL UNIQUE,"
	 " pubkey     BLOB NOT NULL,"
	 " created_at INTEGER NOT NULL,"
	 " kind       INTEGER NOT NULL,"
	 " d          TEXT,"              /* replaceable address; NULL for regular events */
	 " expiration INTEGER,"
	 " json       TEXT NOT NULL);"
	 "CREATE INDEX events_created ON events(created_at);"
	 "CREATE INDEX events_kind ON events(kind, created_at);"
	 "CREATE INDEX events_pubkey ON events(pubkey, kind, created_at);"
	 "CREATE UNIQUE INDEX events_address ON events(pubkey, kind, d) WHERE d IS NOT NULL;"
	 "CREATE INDEX events_expiration ON events(expiration) WHERE expiration IS NOT NULL;"
	 "CREATE TABLE tags ("
	 " seq   INTEGER NOT NULL REFERENCES events(seq) ON DELETE CASCADE,"
	 " name  TEXT NOT NULL,"
	 " value TEXT NOT NULL);"
	 "CREATE INDEX tags_value ON tags(name, value, seq);"
	 "CREATE INDEX tags_seq ON tags(seq);"},
};

struct relay_store {
	sqlite3      *db;
	sqlite3_stmt *begin, *commit, *rollback;
	sqlite3_stmt *ins_event, *ins_tag, *sel_addr, *del_seq, *purge, *size;
};

static bool prep(relay_store *s, sqlite3_stmt **st, const char *sql)
{
	return sqlite3_prepare_v3(s->db, sql, -1, SQLITE_PREPARE_PERSISTENT, st, NULL) == SQLITE_OK;
}

db_err relay_store_open(relay_store **out, const char *path, bool sync_full, char *err, size_t errlen)
{
	relay_store *s = calloc(1, sizeof *s);
	if (!s)
		abort();
	*out = NULL;
	/* 0600 before SQLite opens it (its -wal and -shm follow): it keeps events
	 * whose reading may be restricted (gift wraps under --auth-read-kinds);
	 * never through a planted symlink */
	if (strcmp(path, ":memory:") != 0 && *path) {
		safefile_err fe = safefile_create_private(path, 0);
		if (fe != SAFEFILE_OK) {
			if (err && errlen)
				snprintf(err, errlen, "%s: %s", path, fe == SAFEFILE_ERR_EXISTS ?
					 "not a regular file nor a symlink to one" : fe == SAFEFILE_ERR_CREATE ?
					 strerror(errno) : safefile_strerror(fe));
			free(s);
			return DB_ERR_OPEN;
		}
	}
	db_err e = db_open(&s->db, path, "relay", migrations, sizeof migrations / sizeof *migrations,
			   err, errlen);
	if (e != DB_OK) {
		free(s);
		return e;
	}
	char tmp[200] = "";
	if ((sync_full && !db_exec(s->db, "PRAGMA synchronous=FULL", tmp, sizeof tmp)) ||
	    !db_exec(s->db, "PRAGMA temp_store=MEMORY; PRAGMA cache_size=-32768", tmp, sizeof tmp) ||
	    !prep(s, &s->begin, "BEGIN IMMEDIATE") ||
	    !prep(s, &s->commit, "COMMIT") ||
	    !prep(s, &s->rollback, "ROLLBACK") ||
	    !prep(s, &s->ins_event, "INSERT OR IGNORE INTO events(id, pubkey, created_at, kind, d, expiration, json)"
				     " VALUES (?, ?, ?, ?, ?, ?, ?)") ||
	    !prep(s, &s->ins_tag, "INSERT INTO tags(seq, name, value) VALUES (?, ?, ?)") ||
	    !prep(s, &s->sel_addr, "SELECT seq, id, created_at FROM events WHERE pubkey = ? AND kind = ? AND d = ?") ||
	    !prep(s, &s->del_seq, "DELETE FROM events WHERE seq = ?") ||
	    !prep(s, &s->purge, "DELETE FROM events WHERE expiration IS NOT NULL AND expiration <= ?") ||
	    !prep(s, &s->size, "SELECT count(*) FROM events")) {
		if (err && errlen)
			snprintf(err, errlen, "%s: %s", path, tmp[0] ? tmp : sqlite3_errmsg(s->db));
		relay_store_close(s);
		return DB_ERR_SQL;
	}
	*out = s;
	return DB_OK;
}

void relay_store_close(relay_store *s)
{
	if (!s)
		return;
	sqlite3_stmt *all[] = {s->begin, s->commit, s->rollback, s->ins_event, s->ins_tag,
			       s->sel_addr, s->del_seq, s->purge, s->size};
	for (size_t i = 0; i < sizeof all / sizeof *all; i++)
		sqlite3_finalize(all[i]);
	db_close(s->db);
	free(s);
}

const char *relay_store_errmsg(relay_store *s)
{
	return sqlite3_errmsg(s->db);
}

static bool run(sqlite3_stmt *st)
{
	int rc = sqlite3_step(st);
	sqlite3_reset(st);
	return rc == SQLITE_DONE || rc == SQLITE_ROW;
}

bool relay_store_begin(relay_store *s) { return run(s->begin); }
bool relay_store_commit(relay_store *s) { return run(s->commit); }
void relay_store_rollback(relay_store *s)
{
	if (!sqlite3_get_autocommit(s->db))
		run(s->rollback);
}

/* ------------------------------------------------------------------ put */

static bool put_tags(relay_store *s, sqlite3_int64 seq, const nostr_event *ev)
{
	int n = jv_array_length(jv_copy(ev->tags));
	for (int i = 0; i < n; i++) {
		jv t = jv_array_get(jv_copy(ev->tags), i);
		const char *v;
		size_t vn;
		char letter = filter_tag_indexed(t, &v, &vn);
		bool ok = true;
		if (letter) {
			sqlite3_bind_int64(s->ins_tag, 1, seq);
			sqlite3_bind_text(s->ins_tag, 2, &letter, 1, SQLITE_TRANSIENT);
			sqlite3_bind_text(s->ins_tag, 3, v, (int)vn, SQLITE_STATIC);
			ok = run(s->ins_tag);
			sqlite3_clear_bindings(s->ins_tag);
		}
		jv_free(t);
		if (!ok)
			return false;
	}
	return true;
}

/* For replaceable/addressable events: compares with the stored version of
 * the address. Returns ADDED when re should be stored (after deleting the
 * older version), or DUPLICATE / SUPERSEDED / ERROR. */
static store_put replace_older(relay_store *s, const relay_event *re, int *replaced)
{
	sqlite3_stmt *st = s->sel_addr;
	sqlite3_bind_blob(st, 1, re->ev.pubkey, 32, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, re->ev.kind);
	sqlite3_bind_text(st, 3, re->d, (int)re->d_len, SQLITE_STATIC);
	int rc = sqlite3_step(st);
	store_put r = STORE_PUT_ADDED;
	sqlite3_int64 old = 0;
	if (rc == SQLITE_ROW) {
		const void *id = sqlite3_column_blob(st, 1);
		sqlite3_int64 at = sqlite3_column_int64(st, 2);
		int c = id && sqlite3_column_bytes(st, 1) == 32 ? memcmp(id, re->ev.id, 32) : 1;
		if (c == 0)
			r = STORE_PUT_DUPLICATE;
		else if (at > (sqlite3_int64)re->ev.created_at ||
			 (at == (sqlite3_int64)re->ev.created_at && c < 0))
			r = STORE_PUT_SUPERSEDED;
		else
			old = sqlite3_column_int64(st, 0);
	} else if (rc != SQLITE_DONE) {
		r = STORE_PUT_ERROR;
	}
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	if (old) {
		sqlite3_bind_int64(s->del_seq, 1, old);
		if (!run(s->del_seq))
			r = STORE_PUT_ERROR;
		else if (replaced)
			(*replaced)++;
	}
	return r;
}

store_put relay_store_put(relay_store *s, const relay_event *re, int *replaced)
{
	if (replaced)
		*replaced = 0;
	if (re->d) {
		store_put r = replace_older(s, re, replaced);
		if (r != STORE_PUT_ADDED)
			return r;
	}
	sqlite3_stmt *st = s->ins_event;
	sqlite3_bind_blob(st, 1, re->ev.id, 32, SQLITE_STATIC);
	sqlite3_bind_blob(st, 2, re->ev.pubkey, 32, SQLITE_STATIC);
	sqlite3_bind_int64(st, 3, (sqlite3_int64)re->ev.created_at);
	sqlite3_bind_int64(st, 4, re->ev.kind);
	if (re->d)
		sqlite3_bind_text(st, 5, re->d, (int)re->d_len, SQLITE_STATIC);
	if (re->has_expiration)
		sqlite3_bind_int64(st, 6, re->expiration > (uint64_t)INT64_MAX ? INT64_MAX
						: (sqlite3_int64)re->expiration);
	sqlite3_bind_text(st, 7, re->json, (int)re->json_len, SQLITE_STATIC);
	bool ok = run(st);
	sqlite3_clear_bindings(st);
	if (!ok)
		return STORE_PUT_ERROR;
	if (sqlite3_changes(s->db) == 0)
		return STORE_PUT_DUPLICATE;
	return put_tags(s, sqlite3_last_insert_rowid(s->db), &re->ev) ? STORE_PUT_ADDED : STORE_PUT_ERROR;
}

/* ---------------------------------------------------------------- query */

enum bind_type { B_BLOB32, B_HEX32, B_TEXT, B_INT };

typedef struct bindv {
	enum bind_type t;
	const void    *p;
	size_t         n;
	sqlite3_int64  i;
} bindv;

typedef struct qb {
	buf    sql;
	bindv *b;
	size_t n, cap;
} qb;

static void qb_bind(qb *q, bindv v)
{
	if (q->n == q->cap) {
		q->cap = q->cap ? q->cap * 2 : 16;
		q->b = mu_xrealloc(q->b, q->cap * sizeof *q->b);
	}
	q->b[q->n++] = v;
}

static void qb_free(qb *q)
{
	buf_free(&q->sql);
	free(q->b);
	memset(q, 0, sizeof *q);
}

static void placeholders(buf *b, size_t n)
{
	buf_putc(b, '(');
	for (size_t i = 0; i < n; i++)
		buf_puts(b, i ? ",?" : "?");
	buf_putc(b, ')');
}

static sqlite3_int64 clamp64(uint64_t v)
{
	return v > (uint64_t)INT64_MAX ? INT64_MAX : (sqlite3_int64)v;
}

/* Appends the WHERE condition of one filter. False when the filter cannot
 * match any stored event (then nothing usable was appended). */
static bool where_filter(qb *q, const nostr_filter *f, uint64_t now, const store_reader *rd)
{
	buf *b = &q->sql;
	if (f->has_since && f->since > (uint64_t)INT64_MAX)
		return false;
	buf_puts(b, "(expiration IS NULL OR expiration > ?)");
	qb_bind(q, (bindv){.t = B_INT, .i = clamp64(now)});
	if (f->has_ids) {
		buf_puts(b, " AND id IN ");
		placeholders(b, f->n_ids);
		for (size_t i = 0; i < f->n_ids; i++)
			qb_bind(q, (bindv){.t = B_BLOB32, .p = f->ids[i]});
	}
	if (f->has_authors) {
		buf_puts(b, " AND pubkey IN ");
		placeholders(b, f->n_authors);
		for (size_t i = 0; i < f->n_authors; i++)
			qb_bind(q, (bindv){.t = B_BLOB32, .p = f->authors[i]});
	}
	if (f->has_kinds) {
		buf_puts(b, " AND kind IN (");
		for (size_t i = 0; i < f->n_kinds; i++)
			buf_printf(b, "%s%u", i ? "," : "", f->kinds[i]);
		buf_putc(b, ')');
	}
	if (f->has_since) {
		buf_puts(b, " AND created_at >= ?");
		qb_bind(q, (bindv){.t = B_INT, .i = (sqlite3_int64)f->since});
	}
	if (f->has_until && f->until <= (uint64_t)INT64_MAX) {
		buf_puts(b, " AND created_at <= ?");
		qb_bind(q, (bindv){.t = B_INT, .i = (sqlite3_int64)f->until});
	}
	for (size_t i = 0; i < f->n_tags; i++) {
		const filter_tag *t = &f->tags[i];
		buf_puts(b, " AND seq IN (SELECT seq FROM tags WHERE name = ? AND value IN ");
		qb_bind(q, (bindv){.t = B_TEXT, .p = &t->letter, .n = 1});
		placeholders(b, t->n);
		for (size_t j = 0; j < t->n; j++)
			qb_bind(q, (bindv){.t = B_TEXT, .p = t->values[j].s, .n = t->values[j].n});
		buf_putc(b, ')');
	}
	if (rd && rd->n_restricted) {
		buf_puts(b, " AND (kind NOT IN (");
		for (size_t i = 0; i < rd->n_restricted; i++)
			buf_printf(b, "%s%u", i ? "," : "", rd->restricted[i]);
		buf_putc(b, ')');
		if (rd->n_authed) {
			buf_puts(b, " OR seq IN (SELECT seq FROM tags WHERE name = 'p' AND value IN ");
			placeholders(b, rd->n_authed);
			for (size_t i = 0; i < rd->n_authed; i++)
				qb_bind(q, (bindv){.t = B_HEX32, .p = rd->authed[i]});
			buf_putc(b, ')');
		}
		buf_putc(b, ')');
	}
	return true;
}

static sqlite3_stmt *qb_prepare(relay_store *s, qb *q)
{
	sqlite3_stmt *st;
	if (sqlite3_prepare_v2(s->db, q->sql.p, (int)q->sql.len, &st, NULL) != SQLITE_OK)
		return NULL;
	for (size_t i = 0; i < q->n; i++) {
		const bindv *v = &q->b[i];
		int at = (int)i + 1;
		char hx[65];
		switch (v->t) {
		case B_BLOB32: sqlite3_bind_blob(st, at, v->p, 32, SQLITE_STATIC); break;
		case B_HEX32:
			hex_encode(hx, v->p, 32);
			sqlite3_bind_text(st, at, hx, 64, SQLITE_TRANSIENT);
			break;
		case B_TEXT: sqlite3_bind_text(st, at, v->p, (int)v->n, SQLITE_STATIC); break;
		case B_INT: sqlite3_bind_int64(st, at, v->i); break;
		}
	}
	return st;
}

/* A small set of row ids, to return an event once when filters overlap. */
typedef struct seqset {
	sqlite3_int64 *v;
	size_t cap, n;
} seqset;

static bool seqset_add(seqset *s, sqlite3_int64 x)
{
	if (2 * (s->n + 1) > s->cap) {
		seqset g = {.cap = s->cap ? s->cap * 2 : 64};
		g.v = calloc(g.cap, sizeof *g.v);
		if (!g.v)
			abort();
		for (size_t i = 0; i < s->cap; i++)
			if (s->v[i])
				seqset_add(&g, s->v[i]);
		free(s->v);
		*s = g;
	}
	size_t i = (size_t)((uint64_t)x * 0x9e3779b97f4a7c15ull) & (s->cap - 1);
	while (s->v[i]) {
		if (s->v[i] == x)
			return false;
		i = (i + 1) & (s->cap - 1);
	}
	s->v[i] = x;          /* seq values start at 1: 0 marks an empty slot */
	s->n++;
	return true;
}

bool relay_store_query(relay_store *s, const nostr_filter *fs, size_t n, uint64_t now,
		       unsigned max_limit, const store_reader *rd, store_row_fn fn, void *ctx)
{
	seqset seen = {0};
	bool ok = true, go_on = true;
	for (size_t i = 0; ok && go_on && i < n; i++) {
		uint64_t limit = fs[i].has_limit && fs[i].limit < max_limit ? fs[i].limit : max_limit;
		if (limit == 0)
			continue;
		qb q = {0};
		buf_puts(&q.sql, "SELECT seq, json FROM events WHERE ");
		if (!where_filter(&q, &fs[i], now, rd)) {
			qb_free(&q);
			continue;
		}
		buf_printf(&q.sql, " ORDER BY created_at DESC, id LIMIT %llu", (unsigned long long)limit);
		sqlite3_stmt *st = qb_prepare(s, &q);
		if (!st) {
			ok = false;
		} else {
			int rc;
			while (go_on && (rc = sqlite3_step(st)) == SQLITE_ROW) {
				if (n > 1 && !seqset_add(&seen, sqlite3_column_int64(st, 0)))
					continue;
				go_on = fn(ctx, (const char *)sqlite3_column_text(st, 1),
					   (size_t)sqlite3_column_bytes(st, 1));
			}
			if (go_on && rc != SQLITE_DONE)
				ok = false;
			sqlite3_finalize(st);
		}
		qb_free(&q);
	}
	free(seen.v);
	return ok;
}

bool relay_store_count(relay_store *s, const nostr_filter *fs, size_t n, uint64_t now,
		       const store_reader *rd, uint64_t *count)
{
	qb q = {0};
	size_t used = 0;
	*count = 0;
	buf_puts(&q.sql, "SELECT count(*) FROM events WHERE ");
	for (size_t i = 0; i < n; i++) {
		size_t mark = q.sql.len, bmark = q.n;
		buf_puts(&q.sql, used ? " OR (" : "(");
		if (!where_filter(&q, &fs[i], now, rd)) {
			q.sql.len = mark;
			q.sql.p[mark] = 0;
			q.n = bmark;
			continue;
		}
		buf_putc(&q.sql, ')');
		used++;
	}
	bool ok = true;
	if (used) {
		sqlite3_stmt *st = qb_prepare(s, &q);
		ok = st && sqlite3_step(st) == SQLITE_ROW;
		if (ok)
			*count = (uint64_t)sqlite3_column_int64(st, 0);
		sqlite3_finalize(st);
	}
	qb_free(&q);
	return ok;
}

long relay_store_purge_expired(relay_store *s, uint64_t now)
{
	sqlite3_bind_int64(s->purge, 1, clamp64(now));
	bool ok = run(s->purge);
	return ok ? (long)sqlite3_changes(s->db) : -1;
}

long relay_store_size(relay_store *s)
{
	long n = -1;
	if (sqlite3_step(s->size) == SQLITE_ROW)
		n = (long)sqlite3_column_int64(s->size, 0);
	sqlite3_reset(s->size);
	return n;
}
