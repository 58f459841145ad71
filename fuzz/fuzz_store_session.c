/* libFuzzer target: `mostro-store session ingest` (store_session_ingest,
 * lib/store_session.h) on arbitrary lines: a mostro-unwrap record from a
 * relay is attacker-shaped once the sender is the node (a misbehaving node)
 * or when it is not (anyone can write to a trade key).
 * The input is split at newlines; each line is ingested into one in-memory
 * session (the NIP-06 test mnemonic, trade keys 1-2 handed out, order
 * 308e1272-... bound to key 1), so sequences are fuzzed, not single lines.
 * Properties: no crash or leak; each result is one of the four and says why
 * when it is not ingested; an ingested line writes a JSON object that parses;
 * afterwards every order's status is null or a status name, every trade
 * index is >= 1, and last_index never went down. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"
#include "mostro_msg.h"
#include "store_session.h"

#include <sqlite3.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MNEMONIC "leader monkey parrot ring guide accident before fence cannon height naive bean"
#define NODE "8b04142e01039bed503ea99a9ab40df7bbfadebef9bcfc01aea4352655a89124"

static bool check_row(void *ctx, const char *line, size_t n)
{
	(void)ctx;
	jv v = json_parse(line, n, 0, NULL);
	if (!jv_is_valid(v))
		abort();
	jv st = jv_object_get(jv_copy(v), jv_string("status"));
	if (jv_get_kind(st) == JV_KIND_STRING &&
	    mostro_name_index(mostro_order_status_names, MOSTRO_ORDER_STATUS_COUNT, jv_string_value(st),
			      strlen(jv_string_value(st))) < 0)
		abort();
	jv ti = jv_object_get(jv_copy(v), jv_string("trade_index"));
	if (jv_get_kind(ti) == JV_KIND_NUMBER && jv_number_value(ti) < 1)
		abort();
	jv_free(st);
	jv_free(ti);
	jv_free(v);
	return true;
}

/* The session every run starts from, made once (the mnemonic's PBKDF2 and
 * the schema are the slow part); each run gets a copy of its database. */
static store_session tmpl;
static bool ready;

static void setup(void)
{
	char err[256], pub[65];
	uint32_t idx;
	if (store_session_open_memory(&tmpl, MNEMONIC, strlen(MNEMONIC), err, sizeof err))
		abort();
	store_session_alloc(&tmpl, NULL, 1, &idx, pub, err, sizeof err);
	store_session_alloc(&tmpl, NULL, 1, &idx, pub, err, sizeof err);
	if (store_session_bind(&tmpl, 1, "308e1272-d5f4-47e6-bd97-3504baea9c23", "maker", "sell", NODE, 1, err,
			       sizeof err))
		abort();
	ready = true;
}

static void copy_session(store_session *s)
{
	*s = tmpl;
	s->dir = s->mnemonic_path = s->passphrase = NULL;
	if (sqlite3_open(":memory:", &s->db) != SQLITE_OK)
		abort();
	sqlite3_backup *b = sqlite3_backup_init(s->db, "main", tmpl.db, "main");
	if (!b || sqlite3_backup_step(b, -1) != SQLITE_DONE || sqlite3_backup_finish(b) != SQLITE_OK)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (!ready)
		setup();
	store_session s;
	char err[256];
	copy_session(&s);
	uint32_t last0 = 0, last;
	store_session_last_index(&s, &last0, err, sizeof err);
	const char *p = (const char *)data, *end = p + size;
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t n = nl ? (size_t)(nl - p) : (size_t)(end - p);
		buf out = BUF_INIT;
		const char *why = NULL;
		ss_ingest_result r = store_session_ingest(&s, p, n, NODE, 1700000000, &out, &why, err, sizeof err);
		switch (r) {
		case SS_INGESTED: {
			jv v = json_parse(out.p, out.len, JSON_EXACT_NUMBERS, NULL);
			if (jv_get_kind(v) != JV_KIND_OBJECT)
				abort();
			jv_free(v);
			break;
		}
		case SS_DUPLICATE:
			break;
		case SS_SKIPPED:
		case SS_BAD:
		case SS_FAILED:
			if (!why)
				abort();
			break;
		default:
			abort();
		}
		buf_free(&out);
		p += n + (nl ? 1 : 0);
	}
	if (store_session_orders(&s, NULL, check_row, NULL, NULL, err, sizeof err))
		abort();
	if (store_session_last_index(&s, &last, err, sizeof err) || last < last0)
		abort();
	store_session_close(&s);
	return 0;
}
