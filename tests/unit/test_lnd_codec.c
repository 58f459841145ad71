/* LND REST encodings and error texts (lib/lnd_codec.h): the worked example of
 * LIGHTNING.md §a.3, protojson int64 and enum forms, the conversion of LND
 * messages into mostro-ln records, and the error classification table (§a.4:
 * the message text is the discriminator, transport is never "not found"). */
#include <stdlib.h>
#include <string.h>

#include "hex.h"
#include "json.h"
#include "lnd_codec.h"
#include "sha256.h"
#include "t.h"

static jv parse(const char *s)
{
	return json_parse(s, strlen(s), 0, NULL);
}

static void check_json(jv got, const char *want, const char *name)
{
	char *s = json_dumps(got);
	t_eq_str(s, want, "%s", name);
	free(s);
	jv_free(got);
}

static void encodings(void)
{
	uint8_t pre[32], hash[32], back[32];
	for (int i = 0; i < 32; i++)
		pre[i] = (uint8_t)i;
	sha256(hash, pre, 32);
	char b[LND_B64_32];
	lnd_b64(b, pre, 32);
	t_eq_str(b, "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=", "preimage as body base64");
	t_eq_hex(hash, 32, "630dcd2966c4336691125448bbb25b4ff412a49c732db2c8abc1b8581bd710dd", "hash of the worked example");
	lnd_b64(b, hash, 32);
	t_eq_str(b, "Yw3NKWbEM2aRElRIu7JbT/QSpJxzLbLIq8G4WBvXEN0=", "hash as body base64 (standard, padded)");
	lnd_b64url(b, hash, 32);
	t_eq_str(b, "Yw3NKWbEM2aRElRIu7JbT_QSpJxzLbLIq8G4WBvXEN0=", "hash as path base64url (padded)");
	static const struct { const char *in; bool ok; } dec[] = {
		{"Yw3NKWbEM2aRElRIu7JbT/QSpJxzLbLIq8G4WBvXEN0=", true},
		{"Yw3NKWbEM2aRElRIu7JbT_QSpJxzLbLIq8G4WBvXEN0=", true},
		{"Yw3NKWbEM2aRElRIu7JbT/QSpJxzLbLIq8G4WBvXEN0", true},
		{"Yw3NKWbEM2aRElRIu7JbT_QSpJxzLbLIq8G4WBvXEN0", true},
		{"Yw3NKWbEM2aRElRI+7JbT_QSpJxzLbLIq8G4WBvXEN0=", false},   /* mixed alphabets */
		{"Yw3NKWbEM2aRElRIu7JbT/QSpJxzLbLIq8G4WBvX", false},       /* too short */
		{"Yw3NKWbEM2aRElRIu7JbT/QSpJxzLbLIq8G4WBvXEN0*", false},
		{"", false},
	};
	for (size_t i = 0; i < sizeof dec / sizeof *dec; i++) {
		bool ok = lnd_b64_decode(back, 32, dec[i].in, strlen(dec[i].in));
		t_ok(ok == dec[i].ok && (!ok || memcmp(back, hash, 32) == 0), "base64 in: %s -> %s", dec[i].in,
		     dec[i].ok ? "the hash" : "refused");
	}
	jv o = parse("{\"a\":\"1000\",\"b\":1000,\"c\":\"-5\",\"d\":\"x\",\"e\":\"18446744073709551615\",\"f\":1.5}");
	int64_t i64;
	uint64_t u64;
	t_ok(lnd_get_i64(o, "a", &i64) && i64 == 1000, "int64 as a string");
	t_ok(lnd_get_i64(o, "b", &i64) && i64 == 1000, "int64 as a number");
	t_ok(lnd_get_i64(o, "c", &i64) && i64 == -5, "negative int64");
	t_ok(!lnd_get_i64(o, "d", &i64), "not a number");
	t_ok(lnd_get_u64(o, "e", &u64) && u64 == UINT64_MAX, "uint64 max as a string");
	t_ok(!lnd_get_u64(o, "c", &u64), "negative uint64 refused");
	t_ok(!lnd_get_i64(o, "f", &i64), "fraction refused");
	t_ok(!lnd_get_i64(o, "zz", &i64), "missing");
	jv_free(o);
}

static void conversions(void)
{
	ln_error err;
	/* an ACCEPTED hold invoice with two HTLCs (one canceled, a negative height clamped) */
	jv inv = parse("{\"memo\":\"m\",\"r_preimage\":\"\",\"r_hash\":\"Yw3NKWbEM2aRElRIu7JbT/QSpJxzLbLIq8G4WBvXEN0=\","
		       "\"value\":\"5\",\"value_msat\":\"5000\",\"settled\":false,\"creation_date\":\"1700000000\","
		       "\"settle_date\":\"0\",\"payment_request\":\"lnbcrt...\",\"expiry\":\"86400\",\"cltv_expiry\":\"144\","
		       "\"add_index\":\"7\",\"amt_paid_msat\":\"5000\",\"state\":\"ACCEPTED\",\"htlcs\":["
		       "{\"amt_msat\":\"5000\",\"accept_height\":1000,\"expiry_height\":1147,\"state\":\"ACCEPTED\"},"
		       "{\"amt_msat\":\"1\",\"accept_height\":990,\"expiry_height\":1100,\"state\":\"CANCELED\"},"
		       "{\"amt_msat\":\"2\",\"accept_height\":-1,\"expiry_height\":1140,\"state\":0}]}");
	check_json(lnd_invoice_to_lookup(inv, &err),
		   "{\"hash\":\"630dcd2966c4336691125448bbb25b4ff412a49c732db2c8abc1b8581bd710dd\",\"state\":\"ACCEPTED\","
		   "\"memo\":\"m\",\"payment_request\":\"lnbcrt...\",\"value_msat\":5000,\"amt_paid_msat\":5000,"
		   "\"creation_date\":1700000000,\"settle_date\":0,\"expiry\":86400,\"cltv_expiry\":144,\"add_index\":7,"
		   "\"htlcs\":[{\"state\":\"ACCEPTED\",\"amt_msat\":5000,\"accept_height\":1000,\"expiry_height\":1147},"
		   "{\"state\":\"CANCELED\",\"amt_msat\":1,\"accept_height\":990,\"expiry_height\":1100},"
		   "{\"state\":\"ACCEPTED\",\"amt_msat\":2,\"accept_height\":0,\"expiry_height\":1140}],"
		   "\"accepted_expiry_height\":1140}",
		   "Invoice -> lookup record: hex hash, integers, min ACCEPTED expiry, enum by number");
	uint8_t h[32];
	hex_decode(h, 32, "630dcd2966c4336691125448bbb25b4ff412a49c732db2c8abc1b8581bd710dd", 64, true);
	check_json(lnd_invoice_to_watch(inv, h, &err),
		   "{\"hash\":\"630dcd2966c4336691125448bbb25b4ff412a49c732db2c8abc1b8581bd710dd\",\"state\":\"ACCEPTED\",\"amt_paid_msat\":5000}",
		   "Invoice -> watch event");
	jv_free(inv);
	inv = parse("{\"r_hash\":\"Yw3NKWbEM2aRElRIu7JbT/QSpJxzLbLIq8G4WBvXEN0=\",\"state\":\"SETTLED\",\"htlcs\":[]}");
	jv r = lnd_invoice_to_lookup(inv, &err);
	t_ok(jv_get_kind(jv_object_get(jv_copy(r), jv_string("accepted_expiry_height"))) == JV_KIND_NULL,
	     "no ACCEPTED htlc: accepted_expiry_height null");
	jv_free(r);
	jv_free(inv);
	inv = parse("{\"r_hash\":\"AAEC\",\"state\":\"OPEN\"}");
	r = lnd_invoice_to_lookup(inv, &err);
	t_ok(!jv_is_valid(r) && err.kind == LN_ERR_LND, "short r_hash refused");
	jv_free(r);
	jv_free(inv);
	inv = parse("{\"r_hash\":\"Yw3NKWbEM2aRElRIu7JbT/QSpJxzLbLIq8G4WBvXEN0=\",\"state\":\"WEIRD\"}");
	r = lnd_invoice_to_lookup(inv, &err);
	t_ok(!jv_is_valid(r), "unknown invoice state refused");
	jv_free(r);
	jv_free(inv);

	static const struct { const char *lnd, *want, *name; } pays[] = {
		{"{\"payment_hash\":\"630DCD2966C4336691125448BBB25B4FF412A49C732DB2C8ABC1B8581BD710DD\",\"status\":\"SUCCEEDED\","
		 "\"value_msat\":\"1000000\",\"fee_msat\":\"1500\",\"payment_preimage\":\"000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f\","
		 "\"failure_reason\":\"FAILURE_REASON_NONE\"}",
		 "{\"payment_hash\":\"630dcd2966c4336691125448bbb25b4ff412a49c732db2c8abc1b8581bd710dd\",\"status\":\"SUCCEEDED\","
		 "\"value_msat\":1000000,\"fee_msat\":1500,\"preimage\":\"000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f\"}",
		 "SUCCEEDED: hex preimage, lowercase hash"},
		{"{\"payment_hash\":\"630dcd2966c4336691125448bbb25b4ff412a49c732db2c8abc1b8581bd710dd\",\"status\":\"IN_FLIGHT\","
		 "\"value_msat\":\"1000\",\"fee_msat\":\"0\",\"payment_preimage\":\"0000000000000000000000000000000000000000000000000000000000000000\"}",
		 "{\"payment_hash\":\"630dcd2966c4336691125448bbb25b4ff412a49c732db2c8abc1b8581bd710dd\",\"status\":\"IN_FLIGHT\",\"value_msat\":1000,\"fee_msat\":0}",
		 "IN_FLIGHT: no preimage"},
		{"{\"payment_hash\":\"630dcd2966c4336691125448bbb25b4ff412a49c732db2c8abc1b8581bd710dd\",\"status\":3,\"failure_reason\":2}",
		 "{\"payment_hash\":\"630dcd2966c4336691125448bbb25b4ff412a49c732db2c8abc1b8581bd710dd\",\"status\":\"FAILED\",\"value_msat\":0,\"fee_msat\":0,\"failure_reason\":\"FAILURE_REASON_NO_ROUTE\"}",
		 "FAILED by enum numbers"},
		{"{\"payment_hash\":\"630dcd2966c4336691125448bbb25b4ff412a49c732db2c8abc1b8581bd710dd\",\"status\":\"INITIATED\"}",
		 "{\"payment_hash\":\"630dcd2966c4336691125448bbb25b4ff412a49c732db2c8abc1b8581bd710dd\",\"status\":\"INITIATED\",\"value_msat\":0,\"fee_msat\":0}",
		 "INITIATED (LND >= 0.18)"},
		{"{\"payment_hash\":\"630dcd2966c4336691125448bbb25b4ff412a49c732db2c8abc1b8581bd710dd\",\"status\":\"FAILED\",\"failure_reason\":\"FAILURE_REASON_SOMETHING_NEW\"}",
		 "{\"payment_hash\":\"630dcd2966c4336691125448bbb25b4ff412a49c732db2c8abc1b8581bd710dd\",\"status\":\"FAILED\",\"value_msat\":0,\"fee_msat\":0,\"failure_reason\":\"FAILURE_REASON_ERROR\"}",
		 "unknown failure reason stays a failure"},
	};
	for (size_t i = 0; i < sizeof pays / sizeof *pays; i++) {
		jv p = parse(pays[i].lnd);
		check_json(lnd_payment_to_ln(p, &err), pays[i].want, pays[i].name);
		jv_free(p);
	}
	jv p = parse("{\"payment_hash\":\"xyz\",\"status\":\"FAILED\"}");
	r = lnd_payment_to_ln(p, &err);
	t_ok(!jv_is_valid(r), "payment with a bad hash refused");
	jv_free(r);
	jv_free(p);

	jv gi = parse("{\"version\":\"0.21.2-beta\",\"commit_hash\":\"abc\",\"identity_pubkey\":"
		      "\"02a24b40b87b169b34d2b7e67e208b711faa17122e360d8e4d99c79760edff5ff3\",\"alias\":\"n\","
		      "\"block_height\":812345,\"block_hash\":\"00\",\"synced_to_chain\":true,"
		      "\"chains\":[{\"chain\":\"bitcoin\",\"network\":\"testnet4\"}],\"uris\":[\"a@b:1\"]}");
	check_json(lnd_getinfo_to_ln(gi, &err),
		   "{\"backend\":\"lnd\",\"simulated\":false,\"identity_pubkey\":\"02a24b40b87b169b34d2b7e67e208b711faa17122e360d8e4d99c79760edff5ff3\","
		   "\"alias\":\"n\",\"version\":\"0.21.2-beta\",\"commit_hash\":\"abc\",\"block_height\":812345,\"block_hash\":\"00\","
		   "\"synced_to_chain\":true,\"chain\":\"bitcoin\",\"network\":\"testnet4\","
		   "\"chains\":[{\"chain\":\"bitcoin\",\"network\":\"testnet4\"}],\"uris\":[\"a@b:1\"]}",
		   "GetInfo -> get_info record");
	jv_free(gi);

	uint8_t pre[32] = {0};
	jv add = parse("{\"payment_request\":\"lnbcrt1...\",\"add_index\":\"12\",\"payment_addr\":\"Yw3NKWbEM2aRElRIu7JbT/QSpJxzLbLIq8G4WBvXEN0=\"}");
	check_json(lnd_add_hold_to_ln(add, h, pre, &err),
		   "{\"payment_request\":\"lnbcrt1...\",\"hash\":\"630dcd2966c4336691125448bbb25b4ff412a49c732db2c8abc1b8581bd710dd\","
		   "\"preimage\":\"0000000000000000000000000000000000000000000000000000000000000000\",\"add_index\":12,"
		   "\"payment_addr\":\"630dcd2966c4336691125448bbb25b4ff412a49c732db2c8abc1b8581bd710dd\"}",
		   "AddHoldInvoiceResp -> create_hold_invoice record");
	jv_free(add);
}

/* prim, grpc code, message -> kind ("ok" = the operation already happened) */
static const struct { ln_prim p; int code; const char *msg, *kind; } classify[] = {
	{LN_PRIM_SETTLE, 2, "invoice still open", "still_open"},
	{LN_PRIM_SETTLE, 2, "invoice already canceled", "already_canceled"},
	{LN_PRIM_SETTLE, 2, "unable to locate invoice", "not_found"},
	{LN_PRIM_SETTLE, 2, "invoice already settled", "ok"},
	{LN_PRIM_SETTLE, 6, "whatever", "ok"},
	{LN_PRIM_CANCEL, 2, "invoice already settled", "already_settled"},
	{LN_PRIM_CANCEL, 2, "invoice already canceled", "ok"},
	{LN_PRIM_CANCEL, 2, "Invoice Already Cancelled", "ok"},
	{LN_PRIM_CANCEL, 2, "unable to locate invoice", "not_found"},
	{LN_PRIM_CANCEL, 2, "invoice not found", "not_found"},
	{LN_PRIM_CANCEL, 2, "no such invoice", "not_found"},
	{LN_PRIM_CANCEL, 5, "", "not_found"},
	{LN_PRIM_CANCEL, 6, "", "ok"},
	{LN_PRIM_CANCEL, 2, "htlc still locked", "lnd"},
	{LN_PRIM_ADD_HOLD, 2, "invoice with payment hash already exists", "already_exists"},
	{LN_PRIM_ADD_HOLD, 2, "CLTV delta of 10 must be greater than minimum of 24", "lnd"},
	{LN_PRIM_ADD_HOLD, 3, "proto: (line 1:2): unknown field \"x\"", "invalid_request"},
	{LN_PRIM_LOOKUP, 5, "unable to locate invoice", "not_found"},
	{LN_PRIM_LOOKUP, 5, "there are no existing invoices", "not_found"},
	{LN_PRIM_TRACK, 5, "payment isn't initiated", "not_found"},
	{LN_PRIM_SEND, 6, "invoice is already paid", "already_exists"},
	{LN_PRIM_SEND, 6, "payment is in transition", "already_exists"},
	{LN_PRIM_SEND, 6, "payment already exists", "already_exists"},
	{LN_PRIM_SEND, 2, "amount must not be specified when paying a non-zero amount invoice", "wrong_amount"},
	{LN_PRIM_SEND, 2, "amount must be specified when paying a zero amount invoice", "wrong_amount"},
	{LN_PRIM_SEND, 2, "invoice expired. Valid until 2026-01-01", "invalid_invoice"},
	{LN_PRIM_SEND, 2, "invoice not for current active network 'regtest'", "invalid_invoice"},
	{LN_PRIM_GET_INFO, 2, "expected 1 macaroon, got 0", "auth"},
	{LN_PRIM_GET_INFO, 2, "verification failed: signature mismatch after caveat verification", "auth"},
	{LN_PRIM_GET_INFO, 16, "", "auth"},
	{LN_PRIM_GET_INFO, 7, "", "auth"},
	{LN_PRIM_GET_INFO, 14, "server is still in the process of starting", "transport"},
	{LN_PRIM_GET_INFO, 4, "context deadline exceeded", "timeout"},
	{LN_PRIM_GET_INFO, 2, "something else", "lnd"},
	/* grpc-gateway's 404 for a path without a route: the RPC never ran,
	 * the hash is not known to be absent */
	{LN_PRIM_CANCEL, 5, "Not Found", "lnd"},
	{LN_PRIM_SETTLE, 5, "Not Found", "lnd"},
	{LN_PRIM_LOOKUP, 5, "Not Found", "lnd"},
	{LN_PRIM_SUBSCRIBE, 5, "Not Found", "lnd"},
	{LN_PRIM_TRACK, 5, "Not Found", "lnd"},
};

int main(void)
{
	encodings();
	conversions();
	for (size_t i = 0; i < sizeof classify / sizeof *classify; i++) {
		ln_error e;
		memset(&e, 0, sizeof e);
		bool failed = lnd_classify(classify[i].p, lnd_grpc_http_status(classify[i].code), classify[i].code,
					   classify[i].msg, &e);
		const char *kind = failed ? ln_err_name(e.kind) : "ok";
		t_eq_str(kind, classify[i].kind, "%s code %d \"%s\"", ln_prim_name(classify[i].p), classify[i].code,
			 classify[i].msg);
		if (failed)
			t_ok(e.grpc_code == classify[i].code && e.http_status == lnd_grpc_http_status(classify[i].code),
			     "  keeps grpc_code and http_status");
	}
	static const int http[17] = {200, 499, 500, 400, 504, 404, 409, 403, 429, 400, 409, 400, 501, 500, 503, 500, 401};
	for (int c = 0; c <= 16; c++)
		t_eq_int(lnd_grpc_http_status(c), http[c], "grpc code %d -> HTTP %d", c, http[c]);
	for (int k = 0; k < LN_ERR__COUNT; k++)
		t_eq_int(ln_err_from_name(ln_err_name((ln_err_kind)k)), k, "kind %s round-trips", ln_err_name((ln_err_kind)k));
	return t_done();
}
