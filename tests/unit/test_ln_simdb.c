/* The simulated node's state machine (lib/ln_simdb.h), table-driven: every
 * hold invoice state x settle/cancel with LND's answers (LIGHTNING.md §d.2),
 * money held, released and refunded, payment duplicate rules, the
 * holdexpirydelta boundary, and two connections seeing each other's writes. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "hex.h"
#include "json.h"
#include "ln_simdb.h"
#include "sha256.h"
#include "t.h"

static char dbpath[64];
static int counter;

static void fresh_preimage(uint8_t pre[32], uint8_t hash[32])
{
	memset(pre, 0, 32);
	pre[0] = (uint8_t)++counter;
	pre[1] = (uint8_t)(counter >> 8);
	pre[31] = 0x5a;
	sha256(hash, pre, 32);
}

/* An integer member of o (borrowed), -1 if absent. */
static int64_t int_of(jv o, const char *key)
{
	int64_t v = -1;
	jv x = jv_object_get(jv_copy(o), jv_string(key));
	json_get_i64(x, &v);
	jv_free(x);
	return v;
}

/* Puts a new hold invoice of 1000 sat into state st; fills pre/hash. */
static bool make_state(sim_db *d, const char *st, uint8_t pre[32], uint8_t hash[32])
{
	jv out = jv_invalid();
	ln_error e;
	fresh_preimage(pre, hash);
	if (!simdb_add_hold(d, hash, 1000000, "m", 86400, 144, &out, &e))
		return false;
	jv_free(out);
	if (!strcmp(st, "OPEN"))
		return true;
	if (!strcmp(st, "CANCELED") && !simdb_cancel(d, hash, &e))
		return false;
	if (!strcmp(st, "CANCELED"))
		return true;
	out = jv_invalid();
	if (!simdb_pay_hold(d, hash, "seller", 0, &out, &e))
		return false;
	jv_free(out);
	if (!strcmp(st, "SETTLED"))
		return simdb_settle(d, pre, &e);
	return true;                        /* ACCEPTED */
}

static const char *state_of(sim_db *d, const uint8_t hash[32])
{
	static char s[16];
	jv ev;
	if (!simdb_invoice_event(d, hash, &ev))
		return "none";
	snprintf(s, sizeof s, "%s", json_get_str(ev, "state", NULL));
	jv_free(ev);
	return s;
}

static int64_t balance(sim_db *d, const char *wallet)
{
	jv st;
	ln_error e;
	int64_t v = -1;
	if (!simdb_state(d, &st, &e))
		return -1;
	if (!wallet) {
		v = int_of(st, "balance_msat");
	} else {
		jv ws = jv_object_get(jv_copy(st), jv_string("wallets"));
		for (int i = 0; i < jv_array_length(jv_copy(ws)); i++) {
			jv w = jv_array_get(jv_copy(ws), i);
			const char *n = json_get_str(w, "name", NULL);
			if (n && !strcmp(n, wallet))
				v = int_of(w, "balance_msat");
			jv_free(w);
		}
		jv_free(ws);
	}
	jv_free(st);
	return v;
}

static const struct {
	const char *from, *op, *kind, *to;   /* kind "ok" or an ln_err_name */
} transitions[] = {
	{"OPEN", "settle", "still_open", "OPEN"},
	{"OPEN", "cancel", "ok", "CANCELED"},
	{"ACCEPTED", "settle", "ok", "SETTLED"},
	{"ACCEPTED", "cancel", "ok", "CANCELED"},
	{"SETTLED", "settle", "ok", "SETTLED"},
	{"SETTLED", "cancel", "already_settled", "SETTLED"},
	{"CANCELED", "settle", "already_canceled", "CANCELED"},
	{"CANCELED", "cancel", "ok", "CANCELED"},
};

static void state_machine(sim_db *d)
{
	for (size_t i = 0; i < sizeof transitions / sizeof *transitions; i++) {
		uint8_t pre[32], hash[32];
		ln_error e;
		t_ok(make_state(d, transitions[i].from, pre, hash), "setup %s", transitions[i].from);
		bool ok = !strcmp(transitions[i].op, "settle") ? simdb_settle(d, pre, &e) : simdb_cancel(d, hash, &e);
		t_eq_str(ok ? "ok" : ln_err_name(e.kind), transitions[i].kind, "%s + %s", transitions[i].from, transitions[i].op);
		t_eq_str(state_of(d, hash), transitions[i].to, "%s + %s -> %s", transitions[i].from, transitions[i].op,
			 transitions[i].to);
	}
	uint8_t pre[32], hash[32];
	ln_error e;
	jv out;
	fresh_preimage(pre, hash);
	t_ok(!simdb_settle(d, pre, &e) && e.kind == LN_ERR_NOT_FOUND && !strcmp(e.message, "unable to locate invoice"),
	     "settle unknown: not_found, LND's text");
	t_ok(!simdb_cancel(d, hash, &e) && e.kind == LN_ERR_NOT_FOUND, "cancel unknown: not_found");
	t_ok(!simdb_lookup(d, hash, &out, &e) && e.kind == LN_ERR_NOT_FOUND, "lookup unknown: not_found");
	t_ok(make_state(d, "OPEN", pre, hash), "setup OPEN");
	t_ok(!simdb_add_hold(d, hash, 1, "", 60, 40, &out, &e) && e.kind == LN_ERR_ALREADY_EXISTS &&
	     !strcmp(e.message, "invoice with payment hash already exists"), "duplicate hash: already_exists");
}

static void money(sim_db *d)
{
	uint8_t pre[32], hash[32];
	ln_error e;
	jv out;
	simdb_wallet(d, "seller", true, 50000000, &out, &e);
	jv_free(out);
	int64_t node0 = balance(d, NULL);
	t_ok(make_state(d, "ACCEPTED", pre, hash), "held");
	t_eq_int(balance(d, "seller"), 49000000, "the seller's 1000 sat are held");
	t_ok(simdb_settle(d, pre, &e), "settle");
	t_eq_int(balance(d, NULL), node0 + 1000000, "the node received them");
	t_ok(make_state(d, "ACCEPTED", pre, hash), "held again");
	t_ok(simdb_cancel(d, hash, &e), "cancel");
	t_eq_int(balance(d, "seller"), 48000000 + 1000000, "refunded on cancel");
}

static void expiry_by_height(sim_db *d)
{
	uint8_t pre[32], hash[32];
	ln_error e;
	jv out;
	fresh_preimage(pre, hash);
	simdb_add_hold(d, hash, 1000, "", 86400, 40, &out, &e);
	jv_free(out);
	simdb_pay_hold(d, hash, "seller", 0, &out, &e);
	int64_t exp_h = int_of(out, "expiry_height");
	jv_free(out);
	jv info;
	simdb_get_info(d, &info, &e);
	int64_t h0 = int_of(info, "block_height");
	jv_free(info);
	t_eq_int(exp_h, h0 + 40 + SIM_HTLC_EXTRA_BLOCKS, "HTLC expiry = height + cltv + 3");
	uint32_t to_edge = (uint32_t)(exp_h - SIM_HOLD_EXPIRY_DELTA - h0);
	simdb_mine(d, to_edge - 1, &out, &e);
	jv_free(out);
	t_eq_str(state_of(d, hash), "ACCEPTED", "one block before expiry_height - 12: still held");
	simdb_mine(d, 1, &out, &e);
	jv_free(out);
	t_eq_str(state_of(d, hash), "CANCELED", "at expiry_height - 12: canceled");
}

static void payments(sim_db *d)
{
	ln_error e;
	jv inv, ev;
	t_ok(simdb_wallet_invoice(d, "buyer", true, 2000000, "", 86400, 40, 0, &inv, &e), "a wallet invoice");
	const char *pr = json_get_str(inv, "payment_request", NULL);
	uint8_t hash[32];
	hex_decode(hash, 32, json_get_str(inv, "hash", NULL), 64, true);
	t_ok(simdb_script(d, json_get_str(inv, "hash", NULL), "hang", -1, 0, &e), "script: hang");
	t_ok(simdb_send(d, pr, 0, 10, 0, &e), "send");
	t_ok(simdb_payment_event(d, hash, &ev), "payment exists");
	t_eq_str(json_get_str(ev, "status", NULL), "IN_FLIGHT", "in flight");
	jv_free(ev);
	t_ok(!simdb_send(d, pr, 0, 10, 0, &e) && e.kind == LN_ERR_ALREADY_EXISTS &&
	     !strcmp(e.message, "payment is in transition"), "second send while in flight: in transition");
	t_ok(simdb_resolve(d, hash, "fail:NO_ROUTE", &e), "resolve: fail");
	simdb_payment_event(d, hash, &ev);
	t_eq_str(json_get_str(ev, "failure_reason", NULL), "FAILURE_REASON_NO_ROUTE", "failed with the reason");
	jv_free(ev);
	t_ok(simdb_script(d, json_get_str(inv, "hash", NULL), "succeed", -1, 0, &e), "script: succeed");
	t_ok(simdb_send(d, pr, 0, 10, 0, &e), "re-pay after FAILED is allowed");
	t_ok(simdb_advance(d, 1) >= 1, "advance resolves it");
	simdb_payment_event(d, hash, &ev);
	t_eq_str(json_get_str(ev, "status", NULL), "SUCCEEDED", "succeeded");
	t_eq_str(json_get_str(ev, "preimage", NULL), json_get_str(inv, "preimage", NULL), "with the payee's preimage");
	jv_free(ev);
	t_ok(!simdb_send(d, pr, 0, 10, 0, &e) && e.kind == LN_ERR_ALREADY_EXISTS &&
	     !strcmp(e.message, "invoice is already paid"), "after SUCCEEDED: already paid");
	t_ok(!simdb_send(d, pr, 5, 10, 0, &e) && e.kind == LN_ERR_WRONG_AMOUNT, "amt on an invoice with an amount");
	jv_free(inv);
	t_ok(!simdb_outcome_valid("fail:NOPE") && !simdb_outcome_valid("error:99:x") && simdb_outcome_valid("error:2:x") &&
	     simdb_outcome_valid("fail:TIMEOUT") && simdb_outcome_valid("initiated_then_succeed"), "outcome grammar");
}

static void two_connections(void)
{
	char err[256];
	sim_db *a = simdb_open(dbpath, err, sizeof err), *b = simdb_open(dbpath, err, sizeof err);
	t_ok(a && b, "two connections");
	int64_t v0 = simdb_data_version(a);
	uint8_t pre[32], hash[32];
	t_ok(make_state(b, "OPEN", pre, hash), "b creates an invoice");
	t_ok(simdb_data_version(a) != v0, "a's data_version moved");
	t_eq_str(state_of(a, hash), "OPEN", "a sees it");
	simdb_close(a);
	simdb_close(b);
}

int main(void)
{
	char dir[] = "/tmp/test_ln_simdb-XXXXXX";
	if (!mkdtemp(dir))
		return 1;
	snprintf(dbpath, sizeof dbpath, "%s/sim.db", dir);
	char err[256];
	sim_db *d = simdb_open(dbpath, err, sizeof err);
	t_ok(d != NULL, "open %s", err);
	state_machine(d);
	money(d);
	expiry_by_height(d);
	payments(d);
	simdb_close(d);
	two_connections();
	char cmd[128];
	snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
	t_ok(system(cmd) == 0, "cleanup");
	return t_done();
}
