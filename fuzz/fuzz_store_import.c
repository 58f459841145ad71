/* fuzz_store_import — mostro-store import on arbitrary bytes: the lines of
 * a would-be export loaded into an in-memory order database (the engine's
 * schema, lib/order_db.h), with --replace.
 *
 * Properties:
 *  - every line either parses into a record or is refused with a reason;
 *    a row record's values, written back with store_value_write, read back
 *    to the same storage class and bytes;
 *  - an import either commits or leaves the database as it was (the export
 *    before and after a failed import are the same bytes);
 *  - whatever an import accepted exports to a file that imports back and
 *    exports to the very same bytes (export is a fixed point). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db.h"
#include "json.h"
#include "order_db.h"
#include "store_export.h"
#include "store_import.h"
#include "store_value.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static sqlite3 *db;
static buf current = BUF_INIT;    /* the export of what db holds now */

static bool collect(void *ctx, const char *line, size_t n)
{
	buf *b = ctx;
	buf_put(b, line, n);
	buf_putc(b, '\n');
	return true;
}

static void export_to(buf *b)
{
	buf_reset(b);
	char why[256];
	if (store_export(db, collect, b, NULL, why, sizeof why) != STORE_EXPORT_OK) {
		fprintf(stderr, "export failed: %s\n", why);
		abort();
	}
}

static bool same_value(const store_value *a, const store_value *b)
{
	if (a->type != b->type)
		return false;
	switch (a->type) {
	case SV_INTEGER: return a->i == b->i;
	case SV_REAL: return memcmp(&a->r, &b->r, sizeof a->r) == 0;
	case SV_TEXT:
	case SV_BLOB: return a->n == b->n && (a->n == 0 || memcmp(a->p, b->p, a->n) == 0);
	default: return true;
	}
}

static void check_record(const char *line, size_t n)
{
	store_record rec;
	char why[256] = "";
	if (store_record_parse(line, n, &rec, why, sizeof why) != STORE_IMPORT_OK) {
		if (!why[0])
			abort();   /* a refusal always says why */
		return;
	}
	for (size_t i = 0; rec.kind == STORE_REC_ROW && i < rec.ncols; i++) {
		buf b = BUF_INIT;
		store_value_write(&b, &rec.vals[i]);
		jv j = json_parse(b.p, b.len, JSON_EXACT_NUMBERS, NULL);
		store_value back;
		if (!jv_is_valid(j) || store_value_from_json(j, &back, NULL, 0) != SV_OK || !same_value(&rec.vals[i], &back)) {
			fprintf(stderr, "value does not round-trip: %s\n", b.p);
			abort();
		}
		store_value_clear(&back);
		jv_free(j);
		buf_free(&b);
	}
	store_record_free(&rec);
}

/* Imports text (with --replace); true when it committed. */
static bool load(const char *text, size_t len)
{
	store_import *imp;
	store_import_opts o = {.replace = true};
	char why[256];
	store_import_err e = store_import_begin(&imp, db, &o, why, sizeof why);
	for (size_t p = 0; !e && p < len;) {
		const char *nl = memchr(text + p, '\n', len - p);
		size_t n = nl ? (size_t)(nl - (text + p)) : len - p;
		check_record(text + p, n);
		e = store_import_line(imp, text + p, n, why, sizeof why);
		p += n + 1;
	}
	if (!e)
		e = store_import_finish(imp, true, NULL, why, sizeof why);
	else
		store_import_finish(imp, false, NULL, NULL, 0);
	store_import_free(imp);
	return e == STORE_IMPORT_OK;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (!db) {
		char err[256];
		if (db_open(&db, ":memory:", ORDER_DB_COMPONENT, order_db_migrations, order_db_migration_count,
			    err, sizeof err) != DB_OK) {
			fprintf(stderr, "db_open: %s\n", err);
			abort();
		}
	}
	if (!current.len)
		export_to(&current);
	buf after = BUF_INIT, again = BUF_INIT;
	if (!load((const char *)data, size)) {
		export_to(&after);
		if (current.len != after.len || memcmp(current.p, after.p, current.len) != 0) {
			fprintf(stderr, "a failed import changed the database\n");
			abort();
		}
	} else {
		export_to(&after);
		if (!load(after.p, after.len)) {
			fprintf(stderr, "an export does not import back:\n%s\n", after.p);
			abort();
		}
		export_to(&again);
		if (after.len != again.len || memcmp(after.p, again.p, after.len) != 0) {
			fprintf(stderr, "export is not a fixed point:\n%s\n---\n%s\n", after.p, again.p);
			abort();
		}
		buf_reset(&current);
		buf_put(&current, again.p, again.len);
	}
	buf_free(&after);
	buf_free(&again);
	return 0;
}
