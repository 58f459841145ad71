/* mostro-store's value encoding (lib/store_value.h), UUIDs (lib/store_uuid.h)
 * and the engine's lock (lib/store_lock.h).
 *
 * values: each SQLite value (made by an SQL expression, so the storage class
 *         is SQLite's own) has one JSON spelling; reading that spelling back
 *         and binding it gives the same storage class and bytes.
 * refused: JSON that is no value, with the reason.
 * utf8:   RFC 3629 boundaries (the line between a JSON string and text_hex).
 * uuids:  the spellings the Rust uuid crate reads, and near misses.
 * lock:   exclusive across descriptors, says who holds it, released on
 *         release, nothing for :memory:. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "json.h"
#include "store_lock.h"
#include "store_uuid.h"
#include "store_value.h"
#include "t.h"

typedef struct value_case {
	const char *sql;       /* an expression */
	const char *json;      /* its encoding */
	const char *type;      /* typeof() */
} value_case;

static const value_case values[] = {
	{"NULL", "null", "null"},
	{"0", "0", "integer"},
	{"-1", "-1", "integer"},
	{"9007199254740993", "9007199254740993", "integer"},               /* 2^53 + 1: no double holds it */
	{"9223372036854775807", "9223372036854775807", "integer"},         /* i64 max */
	{"-9223372036854775808", "-9223372036854775808", "integer"},       /* i64 min = u64 2^63 stored signed */
	{"CAST(18446744073709551615 AS INTEGER)", "9223372036854775807", "integer"}, /* SQLite saturates */
	{"0.0", "0.0", "real"},
	{"5.0", "5.0", "real"},
	{"-2.5", "-2.5", "real"},
	{"0.006", "0.006", "real"},
	{"4.666666666666667", "4.666666666666667", "real"},
	{"1e-300", "1e-300", "real"},
	{"5e-324", "5e-324", "real"},
	{"1.7976931348623157e308", "1.7976931348623157e308", "real"},
	{"1e16", "1e16", "real"},
	{"1e15", "1000000000000000.0", "real"},
	{"9e999", "{\"real\":\"inf\"}", "real"},
	{"-9e999", "{\"real\":\"-inf\"}", "real"},
	{"''", "\"\"", "text"},
	{"'pending'", "\"pending\"", "text"},
	{"'a\"b\\c'", "\"a\\\"b\\\\c\"", "text"},
	{"char(10, 9, 127, 233)", "\"\\n\\t\x7f\xc3\xa9\"", "text"},
	{"char(0x1F600)", "\"\xf0\x9f\x98\x80\"", "text"},
	{"'a' || char(0) || 'b'", "{\"text_hex\":\"610062\"}", "text"},
	{"CAST(X'c328' AS TEXT)", "{\"text_hex\":\"c328\"}", "text"},
	{"CAST(X'eda080' AS TEXT)", "{\"text_hex\":\"eda080\"}", "text"},     /* a surrogate */
	{"CAST(X'00232a' AS TEXT)", "{\"text_hex\":\"00232a\"}", "text"},     /* json.h's big-integer prefix */
	{"X''", "{\"blob\":\"\"}", "blob"},
	{"X'00ff10'", "{\"blob\":\"00ff10\"}", "blob"},
	{"X'308e1272d5f447e6bd973504baea9c23'", "{\"blob\":\"308e1272d5f447e6bd973504baea9c23\"}", "blob"},
};

static sqlite3 *db;

/* typeof(?1), hex(?1) of a bound value. */
static void bound_back(const store_value *v, char *type, size_t tn, char *hexed, size_t hn)
{
	sqlite3_stmt *st;
	sqlite3_prepare_v2(db, "SELECT typeof(?1), hex(?1), ?1", -1, &st, NULL);
	store_value_bind(st, 1, v);
	sqlite3_step(st);
	snprintf(type, tn, "%s", (const char *)sqlite3_column_text(st, 0));
	snprintf(hexed, hn, "%s", (const char *)sqlite3_column_text(st, 1));
	sqlite3_finalize(st);
}

static void value_rows(void)
{
	for (size_t i = 0; i < sizeof values / sizeof *values; i++) {
		const value_case *c = &values[i];
		char sql[256];
		snprintf(sql, sizeof sql, "SELECT %s, typeof(%s), hex(%s)", c->sql, c->sql, c->sql);
		sqlite3_stmt *st;
		if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK || sqlite3_step(st) != SQLITE_ROW) {
			t_ok(false, "%s: %s", c->sql, sqlite3_errmsg(db));
			continue;
		}
		t_eq_str((const char *)sqlite3_column_text(st, 1), c->type, "%s is stored as %s", c->sql, c->type);
		store_value v = store_value_column(st, 0);
		buf b = BUF_INIT;
		store_value_write(&b, &v);
		t_eq_str(b.p, c->json, "%s is written %s", c->sql, c->json);
		char want_hex[512];
		snprintf(want_hex, sizeof want_hex, "%s", (const char *)sqlite3_column_text(st, 2));
		sqlite3_finalize(st);

		json_error je;
		jv j = json_parse(b.p, b.len, JSON_EXACT_NUMBERS, &je);
		store_value back;
		char why[160] = "";
		store_value_err e = jv_is_valid(j) ? store_value_from_json(j, &back, why, sizeof why) : SV_ERR_KIND;
		t_ok(e == SV_OK, "%s reads back (%s)", c->json, why);
		if (e == SV_OK) {
			char type[16], hexed[512];
			bound_back(&back, type, sizeof type, hexed, sizeof hexed);
			t_ok(strcmp(type, c->type) == 0 && strcmp(hexed, want_hex) == 0,
			     "%s binds as the same %s (%s / %s)", c->json, c->type, type, hexed);
		}
		store_value_clear(&back);
		jv_free(j);
		buf_free(&b);
	}
}

typedef struct refused_case {
	const char *json;
	store_value_err err;
	const char *detail;
} refused_case;

static const refused_case refused[] = {
	{"true", SV_ERR_KIND, "not a value"},
	{"[1]", SV_ERR_KIND, "not a value"},
	{"{}", SV_ERR_KIND, "exactly one key"},
	{"{\"blob\":\"00\",\"real\":\"inf\"}", SV_ERR_KIND, "exactly one key"},
	{"{\"bytes\":\"00\"}", SV_ERR_KIND, "unknown value object key 'bytes'"},
	{"{\"blob\":\"0\"}", SV_ERR_HEX, "blob: not lowercase hex"},
	{"{\"blob\":\"AB\"}", SV_ERR_HEX, "blob: not lowercase hex"},
	{"{\"blob\":\"zz\"}", SV_ERR_HEX, "blob: not lowercase hex"},
	{"{\"blob\":12}", SV_ERR_HEX, "blob: not lowercase hex"},
	{"{\"text_hex\":\"6\"}", SV_ERR_HEX, "text_hex: not lowercase hex"},
	{"{\"real\":\"nan\"}", SV_ERR_REAL_WORD, "must be \"inf\" or \"-inf\""},
	{"{\"real\":1.5}", SV_ERR_REAL_WORD, "must be"},
	{"9223372036854775808", SV_ERR_INTEGER_RANGE, "signed 64-bit"},
	{"-9223372036854775809", SV_ERR_INTEGER_RANGE, "signed 64-bit"},
	{"18446744073709551615", SV_ERR_INTEGER_RANGE, "signed 64-bit"},
};

static void refused_rows(void)
{
	for (size_t i = 0; i < sizeof refused / sizeof *refused; i++) {
		const refused_case *c = &refused[i];
		jv j = json_parse(c->json, strlen(c->json), JSON_EXACT_NUMBERS, NULL);
		store_value v;
		char why[160] = "";
		store_value_err e = store_value_from_json(j, &v, why, sizeof why);
		t_ok(e == c->err && strstr(why, c->detail), "%s refused: %s (%s)", c->json, store_value_strerror(c->err), why);
		store_value_clear(&v);
		jv_free(j);
	}
}

static void utf8_rows(void)
{
	static const struct { const char *s; bool ok; const char *what; } rows[] = {
		{"plain", true, "ASCII"},
		{"\x7f", true, "DEL"},
		{"\xc2\x80", true, "U+0080, the first 2-byte"},
		{"\xc1\xbf", false, "overlong 2-byte"},
		{"\xe0\x9f\xbf", false, "overlong 3-byte"},
		{"\xed\x9f\xbf", true, "U+D7FF"},
		{"\xed\xa0\x80", false, "U+D800 (surrogate)"},
		{"\xee\x80\x80", true, "U+E000"},
		{"\xf4\x8f\xbf\xbf", true, "U+10FFFF"},
		{"\xf4\x90\x80\x80", false, "U+110000"},
		{"\xf0\x8f\xbf\xbf", false, "overlong 4-byte"},
		{"\xe2\x82", false, "truncated"},
		{"\x80", false, "lone continuation"},
		{"\xf8\x88\x80\x80\x80", false, "5-byte form"},
	};
	for (size_t i = 0; i < sizeof rows / sizeof *rows; i++)
		t_ok(store_utf8_valid(rows[i].s, strlen(rows[i].s)) == rows[i].ok, "utf8: %s %s", rows[i].what,
		     rows[i].ok ? "valid" : "invalid");
}

static void uuid_rows(void)
{
	static const struct { const char *in; const char *want; } rows[] = {
		{"308e1272-d5f4-47e6-bd97-3504baea9c23", "308e1272-d5f4-47e6-bd97-3504baea9c23"},
		{"308E1272-D5F4-47E6-BD97-3504BAEA9C23", "308e1272-d5f4-47e6-bd97-3504baea9c23"},
		{"308e1272d5f447e6bd973504baea9c23", "308e1272-d5f4-47e6-bd97-3504baea9c23"},
		{"{308e1272-d5f4-47e6-bd97-3504baea9c23}", "308e1272-d5f4-47e6-bd97-3504baea9c23"},
		{"urn:uuid:308e1272-d5f4-47e6-bd97-3504baea9c23", "308e1272-d5f4-47e6-bd97-3504baea9c23"},
		{"00000000-0000-0000-0000-000000000000", "00000000-0000-0000-0000-000000000000"},
		{"308e1272-d5f4-47e6-bd97-3504baea9c2", NULL},
		{"308e1272-d5f4-47e6-bd97-3504baea9c234", NULL},
		{"308e1272d5f4-47e6-bd97-3504baea9c23-", NULL},
		{"308e1272-d5f4-47e6-bd97_3504baea9c23", NULL},
		{"308e1272-d5f4-47e6-bd97-3504baea9cg3", NULL},
		{"{308e1272d5f447e6bd973504baea9c23}", NULL},
		{"urn:uuid:308e1272d5f447e6bd973504baea9c23", NULL},
		{"", NULL},
	};
	for (size_t i = 0; i < sizeof rows / sizeof *rows; i++) {
		char out[STORE_UUID_LEN + 1] = "";
		bool ok = store_uuid_canonical(rows[i].in, strlen(rows[i].in), out);
		if (rows[i].want)
			t_eq_str(ok ? out : NULL, rows[i].want, "uuid '%s' reads", rows[i].in);
		else
			t_ok(!ok, "uuid '%s' is refused", rows[i].in);
	}
	const uint8_t b[16] = {0x30, 0x8e, 0x12, 0x72, 0xd5, 0xf4, 0x47, 0xe6, 0xbd, 0x97, 0x35, 0x04, 0xba, 0xea, 0x9c, 0x23};
	char out[STORE_UUID_LEN + 1];
	store_uuid_format(b, out);
	t_eq_str(out, "308e1272-d5f4-47e6-bd97-3504baea9c23", "16 bytes are formatted as mostro-core prints a Uuid");
}

static void lock_rows(void)
{
	char dir[] = "/tmp/test_store_lock.XXXXXX";
	if (!mkdtemp(dir)) {
		t_ok(false, "mkdtemp");
		return;
	}
	char db_path[128], lock_path[160];
	snprintf(db_path, sizeof db_path, "%s/mostro.db", dir);
	snprintf(lock_path, sizeof lock_path, "%s/mostro.db.lock", dir);
	store_lock a = STORE_LOCK_INIT, b = STORE_LOCK_INIT;
	char why[256] = "", holder[128] = "";
	t_ok(!store_lock_is_held(db_path, holder, sizeof holder), "no lock file: not held");
	t_ok(store_lock_acquire(&a, db_path, "mostro-order run", why, sizeof why) == STORE_LOCK_OK, "the engine takes the lock");
	char want[128];
	snprintf(want, sizeof want, "mostro-order run, pid %ld", (long)getpid());
	t_ok(store_lock_is_held(db_path, holder, sizeof holder) && strcmp(holder, want) == 0, "held by '%s'", holder);
	store_lock_err e = store_lock_acquire(&b, db_path, "mostro-store import", why, sizeof why);
	t_ok(e == STORE_LOCK_HELD && strstr(why, want) && b.fd < 0, "a second taker is refused even in the same process (%s)", why);
	e = store_lock_acquire_wait(&b, db_path, "mostro-store import", 120, why, sizeof why);
	t_ok(e == STORE_LOCK_HELD, "waiting 120 ms does not help while it is held");
	store_lock_release(&a);
	t_ok(!store_lock_is_held(db_path, NULL, 0), "released: not held");
	t_ok(access(lock_path, F_OK) == 0, "the lock file stays");
	t_ok(store_lock_acquire(&b, db_path, "mostro-store import", why, sizeof why) == STORE_LOCK_OK, "then another takes it");
	store_lock_release(&b);
	store_lock_release(&b);   /* twice is harmless */
	t_ok(store_lock_acquire(&a, ":memory:", "x", why, sizeof why) == STORE_LOCK_OK && a.fd < 0,
	     ":memory: has no lock file and always succeeds");
	char bad[160];
	snprintf(bad, sizeof bad, "%s/missing/mostro.db", dir);
	t_ok(store_lock_acquire(&a, bad, "x", why, sizeof why) == STORE_LOCK_IO && strstr(why, "No such file"),
	     "a lock file that cannot be created is an I/O error (%s)", why);
	unlink(lock_path);
	rmdir(dir);
}

int main(void)
{
	sqlite3_open(":memory:", &db);
	value_rows();
	refused_rows();
	utf8_rows();
	uuid_rows();
	lock_rows();
	sqlite3_close(db);
	return t_done();
}
