/* The client's session store (lib/store_session.h), in memory on the NIP-06
 * test mnemonic (PROTOCOL §8.1).
 *
 * table:      every row of ss_steps[] names a real action, a real status,
 *             an action we send as "next"; side rows come before the row
 *             for any side; every message Mostro sends a party in §11 has
 *             a row (or is said to change nothing).
 * indexes:    allocation starts at 1, never repeats, never goes below what
 *             raise() was told; raise never lowers; keys are NIP-06's.
 * bind:       an index serves one order, an order one index.
 * ingest:     the §11.1 seller flow, step by step; the same messages in
 *             every order of a permutation end in the same state; a record
 *             not from the node, a duplicate, a bad line.
 * chat keys:  the §9.1 vector. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hex.h"
#include "json.h"
#include "mostro_msg.h"
#include "store_session.h"
#include "t.h"

#define MNEMONIC "leader monkey parrot ring guide accident before fence cannon height naive bean"
#define PK0 "b4bf6548df043786641d4b63e748eda4b55fce21beae991512d23487c7bd8950"
#define PK1 "1c71f0a29c9d14198781f36897c6d6c08e2c4f905ba69fc5f8e67d375d705a8a"
#define PK2 "5011d0e7a57ae27627ab76962537072c6809ef3b9e24c2e3db4e672c61624eef"
#define NODE "8b04142e01039bed503ea99a9ab40df7bbfadebef9bcfc01aea4352655a89124"
#define ORDER "308e1272-d5f4-47e6-bd97-3504baea9c23"

static void open_session(store_session *s)
{
	char err[256];
	store_session_err e = store_session_open_memory(s, MNEMONIC, strlen(MNEMONIC), err, sizeof err);
	if (e) {
		fprintf(stderr, "open: %s\n", err);
		exit(1);
	}
}

static bool is_status(const char *s)
{
	return s && mostro_name_index(mostro_order_status_names, MOSTRO_ORDER_STATUS_COUNT, s, strlen(s)) >= 0;
}

static bool is_action(const char *s)
{
	return s && mostro_name_index(mostro_action_names, MA_COUNT, s, strlen(s)) >= 0;
}

static void table_rows(void)
{
	int bad = 0;
	for (size_t i = 0; i < ss_steps_count; i++) {
		const ss_step *r = &ss_steps[i];
		bool ok = r->action >= 0 && r->action < MA_COUNT && (!r->status || is_status(r->status)) &&
			  (!r->next || is_action(r->next)) &&
			  (!r->side || !strcmp(r->side, "buyer") || !strcmp(r->side, "seller")) &&
			  (!r->implies || !strcmp(r->implies, "buyer") || !strcmp(r->implies, "seller")) &&
			  r->rank > 0 && r->rank <= 100;
		if (!ok) {
			t_diag("row %zu (%s) is not well formed", i, mostro_action_names[r->action]);
			bad++;
		}
		/* a row for any side comes after the side rows of its action */
		if (!r->side)
			for (size_t j = i + 1; j < ss_steps_count; j++)
				if (ss_steps[j].action == r->action) {
					t_diag("row %zu (%s, any side) hides row %zu", i, mostro_action_names[r->action], j);
					bad++;
				}
	}
	t_eq_int(bad, 0, "every ss_steps row: an action, a status, a next action we send, a side, a rank");
	/* every message Mostro sends a party (PROTOCOL §2.8, M->U) has a row; the
	 * ones without are the replies that change no order */
	static const int sent_to_party[] = {
		MA_NEW_ORDER, MA_PAY_INVOICE, MA_PAY_BOND_INVOICE, MA_FIAT_SENT_OK, MA_RELEASED, MA_CANCELED,
		MA_COOPERATIVE_CANCEL_INITIATED_BY_YOU, MA_COOPERATIVE_CANCEL_INITIATED_BY_PEER,
		MA_DISPUTE_INITIATED_BY_YOU, MA_DISPUTE_INITIATED_BY_PEER, MA_COOPERATIVE_CANCEL_ACCEPTED,
		MA_BOND_INVOICE_ACCEPTED, MA_PURCHASE_COMPLETED, MA_BOND_PAYOUT_COMPLETED, MA_BOND_SLASHED,
		MA_HOLD_INVOICE_PAYMENT_ACCEPTED, MA_HOLD_INVOICE_PAYMENT_SETTLED, MA_HOLD_INVOICE_PAYMENT_CANCELED,
		MA_WAITING_SELLER_TO_PAY, MA_WAITING_BUYER_INVOICE, MA_ADD_INVOICE, MA_ADD_BOND_INVOICE,
		MA_BUYER_TOOK_ORDER, MA_RATE, MA_RATE_RECEIVED, MA_ADMIN_CANCELED, MA_ADMIN_SETTLED,
		MA_ADMIN_TOOK_DISPUTE, MA_PAYMENT_FAILED, MA_INVOICE_UPDATED, MA_TRADE_PUBKEY, MA_CASHU_ESCROW_LOCKED,
	};
	int missing = 0;
	for (size_t i = 0; i < sizeof sent_to_party / sizeof *sent_to_party; i++)
		if (!store_session_step(sent_to_party[i], NULL) && !store_session_step(sent_to_party[i], "buyer")) {
			t_diag("no row for %s", mostro_action_names[sent_to_party[i]]);
			missing++;
		}
	t_eq_int(missing, 0, "every message Mostro sends a party has a row");
	t_ok(store_session_step(MA_CANT_DO, NULL) == NULL && store_session_step(MA_ORDERS, NULL) == NULL &&
		     store_session_step(MA_RESTORE_SESSION, NULL) == NULL,
	     "cant-do, orders, restore-session move no order by the table");
	/* side rows */
	const ss_step *b = store_session_step(MA_FIAT_SENT_OK, "buyer"), *s = store_session_step(MA_FIAT_SENT_OK, "seller"),
		      *n = store_session_step(MA_FIAT_SENT_OK, NULL);
	t_ok(b && !b->next && !strcmp(b->waiting, "seller"), "fiat-sent-ok to the buyer: wait for the seller");
	t_ok(s && !strcmp(s->next, "release"), "fiat-sent-ok to the seller: release is expected");
	t_ok(n && !n->side && !n->next, "fiat-sent-ok, side unknown: no guess");
	/* ranks: the buy flow puts add-invoice and waiting-buyer-invoice after the escrow */
	const ss_step *ai = store_session_step(MA_ADD_INVOICE, NULL), *pi = store_session_step(MA_PAY_INVOICE, NULL);
	t_ok(store_session_rank(ai, MA_ADD_INVOICE, "sell", "waiting-buyer-invoice") < pi->rank,
	     "sell flow: add-invoice before pay-invoice");
	t_ok(store_session_rank(ai, MA_ADD_INVOICE, "buy", "waiting-buyer-invoice") > pi->rank,
	     "buy flow: add-invoice after pay-invoice");
	t_ok(store_session_rank(ai, MA_ADD_INVOICE, "sell", "settled-hold-invoice") >
		     store_session_step(MA_RELEASED, NULL)->rank,
	     "add-invoice after failed payouts comes after released");
}

static void indexes(void)
{
	store_session s;
	open_session(&s);
	char err[256], pub[65];
	uint32_t idx = 99, last = 99;
	t_eq_str(s.identity, PK0, "the identity is index 0");
	t_ok(store_session_alloc(&s, "new-order", 1, &idx, pub, err, sizeof err) == SS_OK && idx == 1, "first index 1");
	t_eq_str(pub, PK1, "index 1 is m/44'/1237'/38383'/0/1");
	t_ok(store_session_alloc(&s, NULL, 2, &idx, pub, err, sizeof err) == SS_OK && idx == 2, "then 2");
	t_eq_str(pub, PK2, "index 2 is m/44'/1237'/38383'/0/2");
	t_ok(store_session_raise(&s, 40, &last, err, sizeof err) == SS_OK && last == 40, "raise to 40");
	t_ok(store_session_raise(&s, 5, &last, err, sizeof err) == SS_OK && last == 40, "raise never lowers");
	t_ok(store_session_alloc(&s, NULL, 3, &idx, pub, err, sizeof err) == SS_OK && idx == 41, "next after 40 is 41");
	t_ok(store_session_raise(&s, 0x80000000u, &last, err, sizeof err) == SS_ERR_INVALID, "above 2^31-1: invalid");
	t_ok(store_session_raise(&s, 0x7fffffffu, &last, err, sizeof err) == SS_OK, "raise to the last index");
	t_ok(store_session_alloc(&s, NULL, 4, &idx, pub, err, sizeof err) == SS_ERR_INVALID,
	     "every index spent: nothing handed out");
	store_session_close(&s);
}

static void binding(void)
{
	store_session s;
	open_session(&s);
	char err[256], pub[65];
	uint32_t idx;
	store_session_alloc(&s, NULL, 1, &idx, pub, err, sizeof err);
	store_session_alloc(&s, NULL, 1, &idx, pub, err, sizeof err);
	t_ok(store_session_bind(&s, 1, ORDER, "maker", "sell", NODE, 1, err, sizeof err) == SS_OK, "bind 1");
	t_ok(store_session_bind(&s, 1, ORDER, NULL, NULL, NULL, 2, err, sizeof err) == SS_OK, "bind again: same");
	t_ok(store_session_bind(&s, 2, ORDER, NULL, NULL, NULL, 2, err, sizeof err) == SS_ERR_CONFLICT,
	     "the order on another index: conflict");
	t_ok(store_session_bind(&s, 1, "efc75871-2568-40b9-a6ee-c382d4d6de01", NULL, NULL, NULL, 2, err, sizeof err) ==
		     SS_ERR_CONFLICT,
	     "another order on the index: conflict");
	t_ok(store_session_bind(&s, 0, ORDER, NULL, NULL, NULL, 2, err, sizeof err) == SS_ERR_INVALID, "index 0: invalid");
	t_ok(store_session_bind(&s, 1, ORDER, "boss", NULL, NULL, 2, err, sizeof err) == SS_ERR_INVALID, "bad role");
	t_ok(store_session_order_key(&s, ORDER, &idx, pub, err, sizeof err) == SS_OK && idx == 1 && !strcmp(pub, PK1),
	     "the order's key");
	t_ok(store_session_index_of(&s, PK2, &idx, err, sizeof err) == SS_OK && idx == 2, "PK2 is index 2");
	t_ok(store_session_index_of(&s, PK0, &idx, err, sizeof err) == SS_OK && idx == 0, "PK0 is the identity");
	t_ok(store_session_index_of(&s, NODE, &idx, err, sizeof err) == SS_ERR_NOT_FOUND, "the node's key is not ours");
	store_session_close(&s);
}

/* ---- ingest */

static char *record(const char *sender, const char *recipient, int64_t at, const char *message)
{
	static char buf_[4096];
	static unsigned n;
	char id[65];
	snprintf(id, sizeof id, "%064x", ++n);
	snprintf(buf_, sizeof buf_,
		 "{\"type\":\"message\",\"transport\":\"v2\",\"id\":\"%s\",\"recipient\":\"%s\",\"sender\":\"%s\","
		 "\"identity\":\"%s\",\"mode\":\"full-privacy\",\"created_at\":%lld,\"message\":%s,\"trade_signature\":null}",
		 id, recipient, sender, sender, (long long)at, message);
	return buf_;
}

#define SO(status, amount, extra)                                                                              \
	"{\"id\":\"" ORDER "\",\"kind\":\"sell\",\"status\":\"" status "\",\"amount\":" amount                 \
	",\"fiat_code\":\"USD\",\"min_amount\":null,\"max_amount\":null,\"fiat_amount\":3,"                   \
	"\"payment_method\":\"SEPA\",\"premium\":0" extra ",\"created_at\":1,\"expires_at\":2}"
#define MSG(action, payload) \
	"{\"order\":{\"version\":2,\"request_id\":1,\"trade_index\":null,\"id\":\"" ORDER "\",\"action\":\"" action \
	"\",\"payload\":" payload "}}"

typedef struct step_case {
	const char *message;
	const char *status, *next, *waiting;
} step_case;

/* PROTOCOL §11.1 for the maker-seller */
static const step_case seller_flow[] = {
	{MSG("new-order", "{\"order\":" SO("pending", "5000", "") "}"), "pending", NULL, "taker"},
	{MSG("waiting-buyer-invoice", "null"), "waiting-buyer-invoice", NULL, "buyer"},
	{MSG("pay-invoice", "{\"peer\":{\"pubkey\":\"\",\"reputation\":null}}"), "waiting-buyer-invoice", NULL, "buyer"},
	{MSG("pay-invoice", "{\"payment_request\":[" SO("waiting-payment", "5015", "") ",\"lnbcrt1hold\",null]}"),
	 "waiting-payment", "pay-invoice", NULL},
	{MSG("buyer-took-order", "{\"order\":" SO("active", "5015",
		",\"buyer_trade_pubkey\":\"" PK2 "\",\"seller_trade_pubkey\":\"" PK1 "\"") "}"),
	 "active", NULL, "buyer"},
	{MSG("fiat-sent-ok", "{\"peer\":{\"pubkey\":\"" PK2 "\",\"reputation\":null}}"), "fiat-sent", "release", NULL},
	{MSG("hold-invoice-payment-settled", "null"), "settled-hold-invoice", NULL, NULL},
	{MSG("rate", "null"), "settled-hold-invoice", "rate-user", NULL},
};
#define NSTEPS (sizeof seller_flow / sizeof *seller_flow)

static bool field_is(jv row, const char *k, const char *want)
{
	jv v = jv_object_get(jv_copy(row), jv_string(k));
	bool ok = want ? jv_get_kind(v) == JV_KIND_STRING && !strcmp(jv_string_value(v), want)
		       : jv_get_kind(v) == JV_KIND_NULL;
	jv_free(v);
	return ok;
}

static bool collect_row(void *ctx, const char *line, size_t n)
{
	jv *out = ctx;
	jv_free(*out);
	*out = json_parse(line, n, 0, NULL);
	return true;
}

static jv the_order(store_session *s)
{
	jv row = jv_null();
	char err[256];
	store_session_filter f = {.id = ORDER};
	store_session_orders(s, &f, collect_row, &row, NULL, err, sizeof err);
	return row;
}

static void flow_in_order(void)
{
	store_session s;
	open_session(&s);
	char err[256], pub[65];
	uint32_t idx;
	store_session_alloc(&s, NULL, 1, &idx, pub, err, sizeof err);
	for (size_t i = 0; i < NSTEPS; i++) {
		buf out = BUF_INIT;
		const char *why;
		const char *line = record(NODE, PK1, 1000 + (int64_t)i, seller_flow[i].message);
		ss_ingest_result r = store_session_ingest(&s, line, strlen(line), NODE, 5000, &out, &why, err, sizeof err);
		jv row = the_order(&s);
		t_ok(r == SS_INGESTED && field_is(row, "status", seller_flow[i].status) &&
			     field_is(row, "next", seller_flow[i].next) && field_is(row, "waiting_for", seller_flow[i].waiting),
		     "§11.1 seller step %zu: %s / %s / %s", i + 1, seller_flow[i].status,
		     seller_flow[i].next ? seller_flow[i].next : "-", seller_flow[i].waiting ? seller_flow[i].waiting : "-");
		jv_free(row);
		buf_free(&out);
	}
	jv row = the_order(&s);
	t_ok(field_is(row, "counterparty_pubkey", PK2) && field_is(row, "side", "seller") &&
		     field_is(row, "role", "maker") && field_is(row, "invoice", "lnbcrt1hold"),
	     "the flow told the counterparty, our side and role, the hold invoice");
	jv_free(row);
	store_session_close(&s);
}

/* the final (status, next, waiting) after the flow's messages in the order perm */
static char *final_after(const size_t *perm, int64_t same_second)
{
	store_session s;
	open_session(&s);
	char err[256], pub[65];
	uint32_t idx;
	store_session_alloc(&s, NULL, 1, &idx, pub, err, sizeof err);
	for (size_t i = 0; i < NSTEPS; i++) {
		size_t k = perm[i];
		buf out = BUF_INIT;
		const char *why;
		const char *line = record(NODE, PK1, same_second ? same_second : 1000 + (int64_t)k, seller_flow[k].message);
		store_session_ingest(&s, line, strlen(line), NODE, 5000, &out, &why, err, sizeof err);
		buf_free(&out);
	}
	jv row = the_order(&s);
	buf b = BUF_INIT;
	const char *keys[] = {"status", "next", "waiting_for", "counterparty_pubkey", "invoice", "side"};
	for (size_t i = 0; i < sizeof keys / sizeof *keys; i++) {
		jv v = jv_object_get(jv_copy(row), jv_string(keys[i]));
		buf_printf(&b, "%s=%s;", keys[i], jv_get_kind(v) == JV_KIND_STRING ? jv_string_value(v) : "null");
		jv_free(v);
	}
	jv_free(row);
	store_session_close(&s);
	return buf_steal(&b);
}

static void flow_any_order(void)
{
	size_t perm[NSTEPS];
	for (size_t i = 0; i < NSTEPS; i++)
		perm[i] = i;
	char *want = final_after(perm, 0);
	/* a few dozen permutations: reversed, rotations, and a fixed shuffle */
	int bad = 0, runs = 0;
	for (size_t rot = 0; rot < NSTEPS; rot++)
		for (int rev = 0; rev < 2; rev++) {
			for (size_t i = 0; i < NSTEPS; i++) {
				size_t k = (i + rot) % NSTEPS;
				perm[i] = rev ? NSTEPS - 1 - k : k;
			}
			char *got = final_after(perm, 0);
			runs++;
			if (strcmp(got, want)) {
				t_diag("rotation %zu%s: %s", rot, rev ? " reversed" : "", got);
				bad++;
			}
			free(got);
		}
	t_eq_int(bad, 0, "%d orders of the same messages end in the same state: %s", runs, want);
	/* all in one second: the rank in the flow decides */
	for (size_t i = 0; i < NSTEPS; i++)
		perm[i] = NSTEPS - 1 - i;
	char *same = final_after(perm, 1000);
	t_eq_str(same, want, "the same second, newest first: the same state");
	free(same);
	free(want);
}

static void ingest_edges(void)
{
	store_session s;
	open_session(&s);
	char err[256], pub[65];
	uint32_t idx;
	store_session_alloc(&s, NULL, 1, &idx, pub, err, sizeof err);
	buf out = BUF_INIT;
	const char *why;
	char line[4096];
	snprintf(line, sizeof line, "%s", record(NODE, PK1, 1, seller_flow[0].message));
	t_ok(store_session_ingest(&s, line, strlen(line), NODE, 5, &out, &why, err, sizeof err) == SS_INGESTED, "new");
	buf_reset(&out);
	t_ok(store_session_ingest(&s, line, strlen(line), NODE, 5, &out, &why, err, sizeof err) == SS_DUPLICATE &&
		     out.len == 0,
	     "the same event id again: duplicate, nothing printed");
	const char *forged = record(PK2, PK1, 2, MSG("canceled", "null"));
	t_ok(store_session_ingest(&s, forged, strlen(forged), NODE, 5, &out, &why, err, sizeof err) == SS_SKIPPED &&
		     !strcmp(why, "not from the node"),
	     "from another key: skipped");
	jv row = the_order(&s);
	t_ok(field_is(row, "status", "pending"), "and the order did not move");
	jv_free(row);
	const char *stranger = record(NODE, PK2, 3, MSG("canceled", "null"));
	t_ok(store_session_ingest(&s, stranger, strlen(stranger), NODE, 5, &out, &why, err, sizeof err) == SS_SKIPPED,
	     "to a key that is not ours: skipped");
	static const struct {
		const char *line;
		ss_ingest_result r;
	} lines[] = {
		{"", SS_BAD},
		{"[]", SS_BAD},
		{"{\"type\":\"error\",\"line\":1}", SS_SKIPPED},
		{"{\"type\":\"message\",\"id\":\"x\"}", SS_BAD},
		{"{\"type\":\"message\",\"id\":\"0000000000000000000000000000000000000000000000000000000000000009\","
		 "\"recipient\":\"" PK1 "\",\"sender\":\"" NODE "\",\"identity\":\"" NODE "\",\"created_at\":1,"
		 "\"message\":{\"order\":{\"action\":\"no-such-action\",\"version\":2}}}",
		 SS_BAD},
	};
	for (size_t i = 0; i < sizeof lines / sizeof *lines; i++) {
		ss_ingest_result r =
			store_session_ingest(&s, lines[i].line, strlen(lines[i].line), NODE, 5, &out, &why, err, sizeof err);
		t_ok(r == lines[i].r, "line '%.40s': %s", lines[i].line, why ? why : "-");
	}
	buf_free(&out);
	store_session_close(&s);
}

static void chat_vector(void)
{
	uint8_t sk[32];
	hex_decode(sk, 32, "548f68890c49fa42f104c60352395e60ff030b0b407e955f1eed1400d6c0347a", 64, false);
	buf b = BUF_INIT;
	char err[256];
	t_ok(store_session_chat_keys(sk, "000009ae5cff9f6ba9b05159ec5ed58c187f5882ea77c81ed5dd19163272a5d7", NULL, &b, err,
				     sizeof err) == SS_OK,
	     "chat keys of the §9.1 vector");
	t_ok(strstr(b.p, "\"conv\":\"bceb1cd2a8e98ee9729122a1693edcc39c3ace04582ff96a26705c5e4078a6f2\"") &&
		     strstr(b.p, "\"sign\":\"1dba04571059183f76b148119cfa6f8004dad30cb4e810180a6df17386a7f0b4\"") &&
		     strstr(b.p, "\"legacy\":\"27199d5878869ec3b4ae1ad5c2fed88840218a119f9ce892828b950fc96b4829\""),
	     "pub(K_conv), pub(K_sign), the legacy shared key");
	buf_free(&b);
}

int main(void)
{
	table_rows();
	indexes();
	binding();
	flow_in_order();
	flow_any_order();
	ingest_edges();
	chat_vector();
	return t_done();
}
