/* Relay protocol frames (lib/relaymsg.h), both directions.
 * relaymsg.jsonl: frame text -> type and canonical re-serialization (through
 * rmsg_write), or the error code, its detail and what was kept for the answer
 * (subid, event id, failing filter). Plus every builder against literal
 * frames, and the OK/CLOSED prefix classifier. */
#include <stdlib.h>
#include <string.h>

#include "hex.h"
#include "relaymsg.h"
#include "t.h"

static const char *err_name(rmsg_err e)
{
	switch (e) {
	case RMSG_OK_PARSED: return "ok";
	case RMSG_ERR_JSON: return "json";
	case RMSG_ERR_NOT_ARRAY: return "not_array";
	case RMSG_ERR_TYPE: return "type";
	case RMSG_ERR_UNKNOWN: return "unknown";
	case RMSG_ERR_ARITY: return "arity";
	case RMSG_ERR_SUBID: return "subid";
	case RMSG_ERR_EVENT: return "event";
	case RMSG_ERR_FILTER: return "filter";
	case RMSG_ERR_FIELD: return "field";
	}
	return "?";
}

static const char *filter_err_name(int e)
{
	switch ((filter_err)e) {
	case FILTER_ERR_KINDS: return "kinds";
	case FILTER_ERR_UNKNOWN_KEY: return "unknown_key";
	default: return "other";
	}
}

static void check(jv rec, int lineno, void *ctx)
{
	(void)ctx;
	const char *name = json_get_str(rec, "name", NULL);
	const char *dir = json_get_str(rec, "dir", NULL);
	bool client = strcmp(dir, "client") == 0;
	size_t fl;
	const char *frame = json_get_str(rec, "frame", &fl);
	char detail[240] = "";
	rmsg m;
	rmsg_err e = client ? rmsg_parse_client(&m, frame, fl, detail, sizeof detail)
			    : rmsg_parse_relay(&m, frame, fl, detail, sizeof detail);
	const char *want_err = json_get_str(rec, "error", NULL);
	const char *sub = json_get_str(rec, "subid", NULL);
	if (!want_err) {
		t_eq_str(err_name(e), "ok", "%s %d %s: parses (%s)", dir, lineno, name, detail);
		t_eq_str(rmsg_type_name(m.type), json_get_str(rec, "type", NULL), "%s %d %s: type", dir, lineno, name);
		buf b = BUF_INIT;
		rmsg_write(&b, &m);
		t_eq_str(b.p, json_get_str(rec, "canonical", NULL), "%s %d %s: canonical frame", dir, lineno, name);
		buf_free(&b);
		if (sub)
			t_eq_str(m.subid, sub, "%s %d %s: subid", dir, lineno, name);
		jv x;
		if (jv_is_valid(x = json_get(rec, "n_filters"))) {
			t_eq_int((long long)m.n_filters, (long long)jv_number_value(x), "%s %d %s: filter count", dir, lineno, name);
		}
		jv_free(x);
		if (jv_is_valid(x = json_get(rec, "accepted")))
			t_eq_int(m.accepted, jv_get_kind(x) == JV_KIND_TRUE, "%s %d %s: accepted", dir, lineno, name);
		jv_free(x);
		const char *reason = json_get_str(rec, "reason", NULL);
		if (reason)
			t_eq_str(rmsg_reason_name(rmsg_reason_of(m.message, m.message_len)), reason,
				 "%s %d %s: machine-readable prefix", dir, lineno, name);
		const char *msg = json_get_str(rec, "message", NULL);
		if (msg)
			t_eq_str(m.message, msg, "%s %d %s: message", dir, lineno, name);
		if (jv_is_valid(x = json_get(rec, "count")))
			t_eq_int((long long)m.count, (long long)jv_number_value(x), "%s %d %s: count", dir, lineno, name);
		jv_free(x);
		/* the vector's EVENT frames carry a real signed event */
		if (m.type == RMSG_EVENT || m.type == RMSG_SUB_EVENT)
			t_ok(m.has_event && m.has_event_id && event_verify(&m.event) == EVENT_OK,
			     "%s %d %s: event kept intact (verifies)", dir, lineno, name);
		if (m.type == RMSG_AUTH)
			t_ok(m.has_event && m.event.kind == 22242, "%s %d %s: auth event kept", dir, lineno, name);
	} else {
		t_eq_str(err_name(e), want_err, "%s %d %s: refused as %s", dir, lineno, name, want_err);
		const char *want_detail = json_get_str(rec, "detail", NULL);
		if (want_detail)
			t_eq_str(detail, want_detail, "%s %d %s: detail", dir, lineno, name);
		if (sub)
			t_eq_str(m.subid, sub, "%s %d %s: subid kept for CLOSED", dir, lineno, name);
		const char *id = json_get_str(rec, "event_id", NULL);
		if (id) {
			t_ok(m.has_event_id, "%s %d %s: event id kept for OK false", dir, lineno, name);
			t_eq_hex(m.event_id, 32, id, "%s %d %s: event id value", dir, lineno, name);
		}
		jv x = json_get(rec, "index");
		if (jv_is_valid(x))
			t_eq_int(m.index, (long long)jv_number_value(x), "%s %d %s: failing filter index", dir, lineno, name);
		jv_free(x);
		const char *fe = json_get_str(rec, "filter_error", NULL);
		if (fe)
			t_eq_str(filter_err_name(m.sub_err), fe, "%s %d %s: filter error", dir, lineno, name);
	}
	rmsg_free(&m);
}

static void test_builders(void)
{
	uint8_t id[32];
	memset(id, 0xab, 32);
	const char *hx = "abababababababababababababababababababababababababababababababab";
	char want[300];
	buf b = BUF_INIT;

	rmsg_write_ok(&b, id, true, "");
	snprintf(want, sizeof want, "[\"OK\",\"%s\",true,\"\"]", hx);
	t_eq_str(b.p, want, "build: OK true");
	buf_reset(&b);
	rmsg_write_okf(&b, id, false, RMSG_INVALID " event is %d bytes", 70000);
	snprintf(want, sizeof want, "[\"OK\",\"%s\",false,\"invalid: event is 70000 bytes\"]", hx);
	t_eq_str(b.p, want, "build: OK false with a formatted reason");
	buf_reset(&b);
	rmsg_write_closedf(&b, "s\"1", 3, RMSG_AUTH_REQUIRED " kind %d", 1059);
	t_eq_str(b.p, "[\"CLOSED\",\"s\\\"1\",\"auth-required: kind 1059\"]", "build: CLOSED escapes the subid");
	buf_reset(&b);
	rmsg_write_eose(&b, "x", 1);
	t_eq_str(b.p, "[\"EOSE\",\"x\"]", "build: EOSE");
	buf_reset(&b);
	rmsg_write_notice(&b, "line\nbreak");
	t_eq_str(b.p, "[\"NOTICE\",\"line\\nbreak\"]", "build: NOTICE");
	buf_reset(&b);
	rmsg_write_challenge(&b, "c0ffee");
	t_eq_str(b.p, "[\"AUTH\",\"c0ffee\"]", "build: AUTH challenge");
	buf_reset(&b);
	rmsg_write_count(&b, "c", 1, 18446744073709551615ull);
	t_eq_str(b.p, "[\"COUNT\",\"c\",{\"count\":18446744073709551615}]", "build: COUNT result is exact");
	buf_reset(&b);
	rmsg_write_close(&b, "sub", 3);
	t_eq_str(b.p, "[\"CLOSE\",\"sub\"]", "build: CLOSE");
	buf_reset(&b);
	rmsg_write_sub_event_json(&b, "s", 1, "{\"a\":1}", 7);
	t_eq_str(b.p, "[\"EVENT\",\"s\",{\"a\":1}]", "build: EVENT from serialized JSON");
	buf_reset(&b);
	nostr_filter f[2];
	filter_init(&f[0]);
	filter_init(&f[1]);
	filter_add_kind(&f[0], 1);
	filter_set_limit(&f[1], 3);
	rmsg_write_req(&b, "q", 1, f, 2);
	t_eq_str(b.p, "[\"REQ\",\"q\",{\"kinds\":[1]},{\"limit\":3}]", "build: REQ with two filters");
	buf_reset(&b);
	rmsg_write_count_req(&b, "q", 1, f, 1);
	t_eq_str(b.p, "[\"COUNT\",\"q\",{\"kinds\":[1]}]", "build: COUNT request");
	filter_free(&f[0]);
	filter_free(&f[1]);
	buf_free(&b);
}

static void test_reasons(void)
{
	static const struct { const char *msg; const char *want; } cases[] = {
		{RMSG_DUPLICATE " x", "duplicate"}, {RMSG_POW " 20<30", "pow"},
		{RMSG_BLOCKED " no", "blocked"}, {RMSG_RATE_LIMITED " slow", "rate-limited"},
		{RMSG_INVALID " bad", "invalid"}, {RMSG_RESTRICTED " no", "restricted"},
		{RMSG_AUTH_REQUIRED " auth", "auth-required"}, {RMSG_ERROR " db", "error"},
		{RMSG_UNSUPPORTED " x", "unsupported"}, {"", ""}, {"no prefix here", ""},
		{"two words: x", ""}, {":x", ""}, {"mute:", "other"},
		/* strfry opens every CLOSED and NOTICE with "ERROR: " */
		{"ERROR: auth-required: requested filter requires authentication", "auth-required"},
		{"ERROR: rate-limited: slow down", "rate-limited"}, {"ERROR:restricted: no", "restricted"},
		{"ERROR:   invalid: x", "invalid"}, {"ERROR: bad req: arr too big", "error"},
		{"ERROR: too many concurrent REQs", "error"}, {"ERROR: count-failed: x", "error"},
		{"ERROR: ", "error"}, {"ERROR:", "error"}, {"ERRORS: x", "other"},
		{"Error: auth-required: x", "other"}, {"error: auth-required: x", "error"},
		{"ERROR", ""}, {"auth-required: ERROR: x", "auth-required"},
	};
	for (size_t i = 0; i < sizeof cases / sizeof *cases; i++)
		t_eq_str(rmsg_reason_name(rmsg_reason_of(cases[i].msg, strlen(cases[i].msg))), cases[i].want,
			 "prefix of \"%s\"", cases[i].msg);
}

int main(void)
{
	int n = t_jsonl("relaymsg.jsonl", check, NULL);
	t_ok(n >= 50, "relaymsg.jsonl has %d records", n);
	test_builders();
	test_reasons();
	return t_done();
}
