/* The engine's intake (DAEMON.md §9, lib/order_intake.c), one rule at its
 * boundary per row, through an in-process engine on a fixed clock.
 *
 * The probe is a pay-invoice request: when it passes the intake it is
 * answered CantDo(invalid_action) (§9 dispatch), so "answered" means "got
 * through every gate" and "silent" means "dropped at this gate". Rows:
 * proof of work of the event id (pow), the first-contact lane (v2 only; a
 * key in a live order is known, mostro#882's statuses), the transport the
 * node speaks, freshness (now - 10 passes, now - 11 does not, the future
 * passes), identity != sender without a trade signature, the replay of an
 * event id, the shape gate, and a request_id above 2^63 echoed exactly. */
#include <stdio.h>
#include <string.h>

#include "json.h"
#include "order_config.h"
#include "order_run.h"
#include "t.h"

#define NOW 1700000000
#define MOSTRO "79be667ef9dcbbac55a06295ce870b07029bfcdb2dce28d959f2815b16f81798"
#define S_ID "c6047f9441ed7d6d3045406e95c07cd85c778e4b8cef3ca7abac09b95c709ee5"
#define S_TRADE "f9308a019258c31049344f85f89d5229b531c845836f99b08601f113bce036f9"
#define KNOWN "e493dbf1c10d80f3581e4904930b1404cc6c13900ee0758474fa94abe8c4cd13"
#define ORDER_ID "11111111-1111-4111-8111-111111111111"

typedef struct row {
	const char *why;
	unsigned    pow, first_contact;
	const char *transport_setting;
	const char *id;             /* outer event id */
	const char *transport;      /* v1 / v2 */
	const char *sender, *identity;
	long        age;            /* now - created_at */
	bool        signature;
	bool        with_id;        /* the shape gate: pay-invoice needs an id */
	bool        answered;
} row;

#define ID0 "ff00000000000000000000000000000000000000000000000000000000000001"  /* 0 leading zero bits */
#define ID7 "0100000000000000000000000000000000000000000000000000000000000001"  /* 7 */
#define ID8 "00ff000000000000000000000000000000000000000000000000000000000001"  /* 8 */

static const row rows[] = {
	{"pow 0: any id passes", 0, 0, "nip44", ID0, "v2", S_TRADE, S_ID, 0, true, true, true},
	{"pow 8: 7 leading zero bits are dropped", 8, 8, "nip44", ID7, "v2", S_TRADE, S_ID, 0, true, true, false},
	{"pow 8: 8 leading zero bits pass", 8, 8, "nip44", ID8, "v2", S_TRADE, S_ID, 0, true, true, true},
	{"first contact 8, pow 0: an unknown v2 trade key with 7 bits is dropped", 0, 8, "nip44", ID7, "v2", S_TRADE, S_ID, 0, true, true, false},
	{"first contact 8: a trade key in a live order needs only pow", 0, 8, "nip44", ID0, "v2", KNOWN, KNOWN, 0, false, true, true},
	{"first contact 8: the lane is v2's (gift wrap has a throwaway outer key)", 0, 8, "both", ID0, "v1", S_TRADE, S_ID, 0, true, true, true},
	{"nip44 node: a v1 message is not its transport", 0, 0, "nip44", ID0, "v1", S_TRADE, S_ID, 0, true, true, false},
	{"gift-wrap node: a v2 message is not its transport", 0, 0, "gift-wrap", ID0, "v2", S_TRADE, S_ID, 0, true, true, false},
	{"both: v1 and v2 pass", 0, 0, "both", ID0, "v2", S_TRADE, S_ID, 0, true, true, true},
	{"fresh: created_at = now - 10 passes", 0, 0, "nip44", ID0, "v2", S_TRADE, S_ID, 10, true, true, true},
	{"stale: created_at = now - 11 is dropped", 0, 0, "nip44", ID0, "v2", S_TRADE, S_ID, 11, true, true, false},
	{"no upper bound: a created_at in the future passes", 0, 0, "nip44", ID0, "v2", S_TRADE, S_ID, -86400, true, true, true},
	{"identity != sender without a trade signature is dropped", 0, 0, "nip44", ID0, "v2", S_TRADE, S_ID, 0, false, true, false},
	{"full privacy (identity == sender) needs no signature", 0, 0, "nip44", ID0, "v2", S_TRADE, S_TRADE, 0, false, true, true},
	{"shape gate: pay-invoice without an id is dropped", 0, 0, "nip44", ID0, "v2", S_TRADE, S_ID, 0, true, false, false},
};

static order_engine *engine_for(const row *r)
{
	order_config cfg;
	order_config_defaults(&cfg);
	cfg.pow = r->pow;
	cfg.pow_first_contact = r->first_contact;
	jv t = jv_object_set(jv_object(), jv_string("transport"), jv_string(r->transport_setting));
	char err[128];
	order_config_from_jv(&cfg, t, err, sizeof err);
	jv_free(t);
	snprintf(cfg.mostro_pubkey, sizeof cfg.mostro_pubkey, "%s", MOSTRO);
	order_engine *e = order_engine_new(":memory:", &cfg, NULL, true);
	order_config_free(&cfg);
	order_engine_start(e);
	char tick[64];
	int n = snprintf(tick, sizeof tick, "{\"type\":\"tick\",\"now\":%d}", NOW);
	order_engine_input(e, tick, (size_t)n);
	/* KNOWN makes a pending order: its key is in a live order (full privacy, pow 0 id) */
	char line[1024];
	n = snprintf(line, sizeof line,
		"{\"type\":\"message\",\"transport\":\"v2\",\"id\":\"%064x\",\"recipient\":\"%s\",\"sender\":\"%s\","
		"\"identity\":\"%s\",\"mode\":\"full-privacy\",\"created_at\":%d,\"message\":{\"order\":{\"version\":2,"
		"\"request_id\":null,\"trade_index\":null,\"action\":\"new-order\",\"payload\":{\"order\":{\"kind\":\"sell\","
		"\"status\":null,\"amount\":1000,\"fiat_code\":\"USD\",\"min_amount\":null,\"max_amount\":null,"
		"\"fiat_amount\":1,\"payment_method\":\"x\",\"premium\":0,\"created_at\":null,\"expires_at\":null}}}},"
		"\"trade_signature\":null}", 7, MOSTRO, KNOWN, KNOWN, NOW);
	order_engine_input(e, line, (size_t)n);
	order_engine_clear_output(e);
	return e;
}

static int probe(order_engine *e, const row *r, const char *rid, char *line, size_t cap)
{
	return snprintf(line, cap,
		"{\"type\":\"message\",\"transport\":\"%s\",\"id\":\"%s\",\"recipient\":\"%s\",\"sender\":\"%s\","
		"\"identity\":\"%s\",\"mode\":\"x\",\"created_at\":%ld,\"message\":{\"order\":{\"version\":2,"
		"\"request_id\":%s,\"trade_index\":null,%s\"action\":\"pay-invoice\",\"payload\":{\"payment_request\":"
		"[null,\"lnbc1\",null]}}},\"trade_signature\":%s}",
		r->transport, r->id, MOSTRO, r->sender, r->identity, (long)NOW - r->age, rid,
		r->with_id ? "\"id\":\"" ORDER_ID "\"," : "", r->signature ? "\"" "abab" "\"" : "null");
}

static bool answered(order_engine *e)
{
	size_t len;
	const char *out = order_engine_output(e, &len);
	return len && strstr(out, "\"cant_do\":\"invalid_action\"") != NULL;
}

int main(void)
{
	char line[2048];
	for (size_t i = 0; i < sizeof rows / sizeof *rows; i++) {
		order_engine *e = engine_for(&rows[i]);
		int n = probe(e, &rows[i], "1", line, sizeof line);
		order_engine_input(e, line, (size_t)n);
		t_ok(answered(e) == rows[i].answered, "%s", rows[i].why);
		order_engine_free(e);
	}

	/* the replay of an event id, and a request_id above 2^63 */
	order_engine *e = engine_for(&rows[0]);
	int n = probe(e, &rows[0], "18446744073709551615", line, sizeof line);
	order_engine_input(e, line, (size_t)n);
	size_t len;
	const char *out = order_engine_output(e, &len);
	t_ok(strstr(out, "\"request_id\":18446744073709551615,") != NULL, "a request_id of 2^64-1 is echoed byte for byte");
	order_engine_clear_output(e);
	order_engine_input(e, line, (size_t)n);
	t_ok(!answered(e), "the same event id again is a replay: dropped");
	order_engine_free(e);
	return t_done();
}
