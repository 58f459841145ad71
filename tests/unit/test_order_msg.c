/* The client's message builder (lib/order_msg.h).
 *
 * golden:  tests/vectors/order-msg.jsonl, written from PROTOCOL.md's shapes
 *          and mostro-cli's messages (not from this code): every row through
 *          both entries (a batch line, and options set one by one as the
 *          command line does), the record compared byte for byte, or the
 *          reason code, the option named and the exit class. Every record's
 *          message parses with mostro-core's strictness and passes verify().
 * tables:  reason codes and option names round-trip, every action and every
 *          reason has a golden row, help lists each action's options, the
 *          SHA-256 of PROTOCOL §14's new-order, repeated options, the random
 *          id of admin-add-solver, batch-only errors, defaults. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hex.h"
#include "json.h"
#include "mostro_msg.h"
#include "order_msg.h"
#include "sha256.h"
#include "t.h"

#define NOW 1750000060u   /* rows that need a clock give "now" themselves */

typedef struct coverage {
	int ok_rows[64];          /* per action */
	int err_rows[OM_ERR_COUNT];
	int rows;
} coverage;

/* An option's value from a vector as command-line text; NULL for a flag.
 * Returns false when the option is not set (false/null). */
static bool option_text(jv v, buf *b)
{
	buf_reset(b);
	switch (jv_get_kind(v)) {
	case JV_KIND_TRUE:
		return true;
	case JV_KIND_FALSE:
	case JV_KIND_NULL:
		return false;
	case JV_KIND_ARRAY:
		jv_array_foreach(v, i, item) {
			if (i)
				buf_putc(b, ',');
			json_write(b, item);   /* strings only in the vectors: strip the quotes below */
			jv_free(item);
		}
		{
			/* ["a","b"] written as "a","b" -> a,b */
			size_t o = 0;
			for (size_t k = 0; k < b->len; k++)
				if (b->p[k] != '"')
					b->p[o++] = b->p[k];
			b->len = o;
			b->p[o] = 0;
		}
		return true;
	default:
		if (jv_get_kind(v) == JV_KIND_STRING && !json_is_bigint(v)) {
			size_t n;
			const char *s = json_str(v, &n);
			buf_put(b, s, n);
		} else {
			json_write(b, v);
		}
		if (!b->p)
			buf_puts(b, "");
		return true;
	}
}

/* The same row set one option at a time, as cmd/mostro-order/msg.c does. */
static order_msg_err by_options(const char *action, jv opts, buf *out, order_msg_error *e)
{
	order_msg_req r;
	order_msg_req_init(&r);
	buf text = BUF_INIT;
	order_msg_err rc = order_msg_req_action(&r, action, e);
	jv_object_foreach(opts, k, v) {
		if (!rc && option_text(v, &text))
			rc = order_msg_req_set(&r, jv_string_value(k), order_msg_opt_is_flag(order_msg_opt_find(jv_string_value(k))) ? NULL : text.p, e);
		jv_free(k);
		jv_free(v);
	}
	if (!rc)
		rc = order_msg_build(&r, NOW, out, e);
	buf_free(&text);
	order_msg_req_free(&r);
	return rc;
}

/* The message inside a record, re-checked independently of the builder. */
static void check_message(const char *name, const buf *out)
{
	jv rec = json_parse(out->p, out->len, JSON_EXACT_NUMBERS, NULL);
	jv msg = json_get(rec, "message");
	mostro_msg m;
	mostro_msg_error me;
	bool ok = mostro_msg_from_jv(&m, msg, &me) == MOSTRO_MSG_OK;
	t_ok(ok && mostro_msg_verify_structure(&m), "%s: the message parses (mostro-core) and passes verify()", name);
	mostro_msg_free(&m);
	jv_free(msg);
	jv_free(rec);
}

static void golden_row(jv row, int lineno, void *ctx)
{
	coverage *cov = ctx;
	cov->rows++;
	const char *name = json_get_str(row, "name", NULL);
	const char *action = json_get_str(row, "action", NULL);
	jv opts = json_get(row, "options");
	jv line = jv_object_set(jv_copy(opts), jv_string("action"), jv_string(action));
	buf lb = BUF_INIT, out1 = BUF_INIT, out2 = BUF_INIT, want = BUF_INIT;
	json_write(&lb, line);
	order_msg_error e1, e2;
	order_msg_err r1 = order_msg_line(NULL, lb.p, lb.len, NOW, &out1, &e1);
	order_msg_err r2 = by_options(action, opts, &out2, &e2);
	jv rec = json_get(row, "record");
	if (jv_is_valid(rec)) {
		json_write(&want, rec);
		t_eq_str(r1 ? order_msg_reason(r1) : out1.p, want.p, "line %d %s: record", lineno, name);
		t_eq_str(r2 ? order_msg_reason(r2) : out2.p, want.p, "line %d %s: record by options", lineno, name);
		if (r1) {
			char m[512];
			order_msg_error_format(&e1, m, sizeof m);
			t_diag("%s", m);
		}
		if (!r1) {
			check_message(name, &out1);
			int a = order_msg_action_find(action);
			if (a >= 0 && a < 64)
				cov->ok_rows[a]++;
		}
	} else {
		const char *want_err = json_get_str(row, "error", NULL);
		const char *want_field = json_get_str(row, "field", NULL);
		jv ex = json_get(row, "exit");
		uint64_t want_exit = 0;
		json_get_u64(ex, &want_exit);
		jv_free(ex);
		const char *f1 = order_msg_opt_name(e1.field), *f2 = order_msg_opt_name(e2.field);
		t_eq_str(order_msg_reason(r1), want_err, "line %d %s: reason", lineno, name);
		t_eq_str(f1 ? f1 : "null", want_field ? want_field : "null", "line %d %s: field", lineno, name);
		t_eq_int(order_msg_err_is_usage(r1) ? 2 : 4, (long long)want_exit, "line %d %s: exit class", lineno, name);
		t_ok(r2 == r1 && e2.field == e1.field, "line %d %s: same refusal by options (%s, %s)", lineno, name,
		     order_msg_reason(r2), f2 ? f2 : "null");
		t_ok(out1.len == 0 && out2.len == 0, "line %d %s: nothing written", lineno, name);
		if (r1 < OM_ERR_COUNT)
			cov->err_rows[r1]++;
	}
	jv_free(rec);
	jv_free(opts);
	jv_free(line);
	buf_free(&lb);
	buf_free(&out1);
	buf_free(&out2);
	buf_free(&want);
}

static void test_golden(void)
{
	coverage cov;
	memset(&cov, 0, sizeof cov);
	int n = t_jsonl("order-msg.jsonl", golden_row, &cov);
	t_ok(n == cov.rows && n > 100, "order-msg.jsonl: %d rows", n);
	for (int a = 0; a < order_msg_action_count(); a++)
		t_ok(cov.ok_rows[a] > 0, "action %s has a golden record", order_msg_action_name(a));
	for (int c = 1; c < OM_ERR_COUNT; c++) {
		/* repeated and bad_line cannot be written as a vector row (one key
		 * per option in an object; the row is an object): tested below.
		 * internal would be a bug in the builder. */
		if (c == OM_ERR_REPEATED || c == OM_ERR_LINE || c == OM_ERR_INTERNAL)
			continue;
		t_ok(cov.err_rows[c] > 0, "reason %s has a golden row", order_msg_reason((order_msg_err)c));
	}
}

/* ---- tables ------------------------------------------------------------- */

static void test_reasons(void)
{
	int usage = 0;
	for (int a = 0; a < OM_ERR_COUNT; a++) {
		const char *r = order_msg_reason((order_msg_err)a);
		t_ok(r && *r && strcmp(r, "unknown") != 0 && *order_msg_strerror((order_msg_err)a), "reason %d: %s", a, r);
		for (int b = 0; b < a; b++)
			if (strcmp(r, order_msg_reason((order_msg_err)b)) == 0)
				t_ok(false, "reasons %d and %d share the code %s", a, b, r);
		usage += order_msg_err_is_usage((order_msg_err)a);
	}
	t_eq_int(usage, 6, "six usage reasons (exit 2), the others exit 4");
	t_eq_str(order_msg_reason((order_msg_err)-1), "unknown", "reason -1: unknown");
	t_eq_str(order_msg_reason(OM_ERR_COUNT), "unknown", "reason COUNT: unknown");
	t_ok(!order_msg_err_is_usage(OM_ERR_COUNT) && !order_msg_err_is_usage((order_msg_err)-1), "out of range: not usage");
}

static void test_options(void)
{
	for (int o = 0; o < OM_OPT_COUNT; o++) {
		const char *n = order_msg_opt_name(o);
		t_ok(n && order_msg_opt_find(n) == o, "option %d --%s round-trips", o, n ? n : "?");
		bool taken = false;
		for (int a = 0; a < order_msg_action_count(); a++)
			taken |= order_msg_action_takes(a, o);
		t_ok(taken, "--%s is taken by some action", n ? n : "?");
	}
	t_ok(!order_msg_opt_name(-1) && !order_msg_opt_name(OM_OPT_COUNT), "option -1, COUNT: no name");
	t_eq_int(order_msg_opt_find("nope"), -1, "unknown option: -1");
	t_ok(!order_msg_action_name(-1) && !order_msg_action_name(order_msg_action_count()), "action -1, COUNT: no name");
	t_ok(!order_msg_action_takes(-1, OM_ID) && !order_msg_action_takes(0, OM_OPT_COUNT), "takes: out of range false");
	for (int a = 0; a < order_msg_action_count(); a++) {
		const char *n = order_msg_action_name(a);
		t_ok(order_msg_action_find(n) == a, "action %s round-trips", n);
		t_ok(mostro_name_index(mostro_action_names, MA_COUNT, n, strlen(n)) >= 0, "action %s is a protocol action", n);
	}
}

static void test_help(void)
{
	buf b = BUF_INIT;
	order_msg_help(&b, -1);
	for (int a = 0; a < order_msg_action_count(); a++) {
		char needle[64];
		snprintf(needle, sizeof needle, "\n  %s ", order_msg_action_name(a));
		t_ok(strstr(b.p, needle) != NULL, "overview lists %s", order_msg_action_name(a));
	}
	for (int a = 0; a < order_msg_action_count(); a++) {
		buf_reset(&b);
		order_msg_help(&b, a);
		bool all = true;
		for (int o = 0; o < OM_OPT_COUNT; o++) {
			char needle[64];
			snprintf(needle, sizeof needle, "--%s", order_msg_opt_name(o));
			if (order_msg_action_takes(a, o) && !strstr(b.p, needle)) {
				t_diag("%s --help lacks %s", order_msg_action_name(a), needle);
				all = false;
			}
		}
		t_ok(all, "%s --help lists each of its options", order_msg_action_name(a));
	}
	buf_free(&b);
}

/* PROTOCOL §14 vector 4: SHA-256 of the canonical new-order. */
static void test_vector4_hash(void)
{
	static const char line[] =
		"{\"action\":\"new-order\",\"kind\":\"sell\",\"fiat-code\":\"VES\",\"fiat-amount\":100,"
		"\"payment-method\":\"face to face,bank transfer\",\"premium\":1,\"request-id\":42,\"trade-index\":2}";
	buf out = BUF_INIT;
	order_msg_error e;
	t_ok(order_msg_line(NULL, line, strlen(line), NOW, &out, &e) == OM_OK, "vector 4 builds");
	const char pre[] = "{\"message\":";
	uint8_t h[32];
	bool shape = out.len > sizeof pre && memcmp(out.p, pre, sizeof pre - 1) == 0;
	if (shape) {
		sha256(h, out.p + sizeof pre - 1, out.len - (sizeof pre - 1) - 1);
		t_eq_hex(h, 32, "a30507811074be8d6eb757ce41fcc51644a8f5e9f3cdfca0a050fa53729c1d71", "SHA-256 of vector 4 (PROTOCOL §14)");
	} else {
		t_ok(false, "vector 4 record shape");
	}
	buf_free(&out);
}

static void test_repeated(void)
{
	order_msg_req r;
	order_msg_error e;
	buf out = BUF_INIT;
	order_msg_req_init(&r);
	order_msg_req_action(&r, "cancel", &e);
	t_ok(order_msg_req_set(&r, "id", "308e1272-d5f4-47e6-bd97-3504baea9c23", &e) == OM_OK, "--id once");
	t_ok(order_msg_req_set(&r, "id", "308e1272-d5f4-47e6-bd97-3504baea9c23", &e) == OM_ERR_REPEATED &&
	     e.field == OM_ID, "--id twice: repeated, field id");
	t_ok(order_msg_err_is_usage(OM_ERR_REPEATED), "repeated is a usage error");
	t_ok(order_msg_req_set(&r, "colour", "red", &e) == OM_ERR_UNKNOWN_OPTION, "unknown option");
	t_ok(order_msg_req_set(&r, "request-id", NULL, &e) == OM_ERR_BAD_VALUE && e.field == OM_REQUEST_ID,
	     "a valued option without a value");
	order_msg_req_free(&r);

	order_msg_req_init(&r);
	order_msg_req_action(&r, "orders", &e);
	order_msg_req_set(&r, "ids", "308e1272-d5f4-47e6-bd97-3504baea9c23", &e);
	order_msg_req_set(&r, "ids", "EFC75871-2568-40B9-A6EE-C382D4D6DE01", &e);
	t_ok(order_msg_build(&r, NOW, &out, &e) == OM_OK && strstr(out.p,
		"\"ids\":[\"308e1272-d5f4-47e6-bd97-3504baea9c23\",\"efc75871-2568-40b9-a6ee-c382d4d6de01\"]"),
	     "--ids twice: both ids, in order");
	order_msg_req_free(&r);
	buf_free(&out);

	order_msg_req_init(&r);
	t_ok(order_msg_build(&r, NOW, &out, &e) == OM_ERR_UNKNOWN_ACTION && out.len == 0, "no action: unknown_action");
	order_msg_req_free(&r);
}

/* admin-add-solver without --id: mostrod requires an id (verify), any uuid. */
static void test_random_id(void)
{
	static const char line[] = "{\"action\":\"admin-add-solver\",\"solver\":\"npub180cvv07tjdrrgpa0j7j7tmnyl2yr6yr7l8j4s3evf6u64th6gkwsyjh6w6\"}";
	char ids[2][37];
	for (int k = 0; k < 2; k++) {
		buf out = BUF_INIT;
		order_msg_error e;
		order_msg_line(NULL, line, strlen(line), NOW, &out, &e);
		jv rec = json_parse(out.p, out.len, 0, NULL);
		jv mk = jv_object_get(jv_object_get(rec, jv_string("message")), jv_string("dispute"));
		size_t n = 0;
		const char *id = json_get_str(mk, "id", &n);
		char canon[37] = "";
		t_ok(id && n == 36 && mostro_uuid_canonical(id, n, canon) && strcmp(canon, id) == 0 && id[14] == '4' &&
		     strchr("89ab", id[19]), "random id %d is a canonical v4 UUID (%s)", k, id ? id : "none");
		snprintf(ids[k], sizeof ids[k], "%s", id ? id : "");
		jv_free(mk);
		buf_free(&out);
	}
	t_ok(strcmp(ids[0], ids[1]) != 0, "two random ids differ");
}

typedef struct line_case {
	const char *line;
	order_msg_err want;
	int field;
	const char *why;
} line_case;

static const line_case line_cases[] = {
	{"nope", OM_ERR_LINE, -1, "not JSON"},
	{"[\"cancel\"]", OM_ERR_LINE, -1, "not an object"},
	{"{\"id\":\"308e1272-d5f4-47e6-bd97-3504baea9c23\"}", OM_ERR_LINE, -1, "no action"},
	{"{\"action\":7}", OM_ERR_LINE, -1, "action not a string"},
	{"{\"action\":\"cancel\",\"id\":\"308e1272-d5f4-47e6-bd97-3504baea9c23\",\"id\":\"308e1272-d5f4-47e6-bd97-3504baea9c23\"}",
	 OM_ERR_LINE, -1, "duplicate key"},
	{"{\"action\":\"admin-settle\",\"id\":\"308e1272-d5f4-47e6-bd97-3504baea9c23\",\"slash-buyer\":\"yes\"}",
	 OM_ERR_BAD_VALUE, OM_SLASH_BUYER, "a flag given a string"},
	{"{\"action\":\"orders\",\"ids\":[\"308e1272-d5f4-47e6-bd97-3504baea9c23\",7]}", OM_ERR_BAD_UUID, OM_IDS,
	 "ids with a number"},
	{"{\"action\":\"orders\",\"ids\":[]}", OM_ERR_BAD_UUID, OM_IDS, "empty ids"},
	{"{\"action\":\"send-dm\",\"id\":\"308e1272-d5f4-47e6-bd97-3504baea9c23\",\"text\":\"a\\u0000b\"}", OM_ERR_TEXT,
	 OM_TEXT, "a NUL in a string"},
	{"{\"action\":\"cancel\",\"id\":{\"x\":1}}", OM_ERR_BAD_UUID, OM_ID, "an object as a value"},
	{"{\"action\":\"rate-user\",\"id\":\"308e1272-d5f4-47e6-bd97-3504baea9c23\",\"rating\":5.0}", OM_ERR_RATING,
	 OM_RATING, "5.0 is not an integer (serde)"},
	{"{\"action\":\"rate-user\",\"id\":\"308e1272-d5f4-47e6-bd97-3504baea9c23\",\"rating\":5e0}", OM_ERR_RATING,
	 OM_RATING, "5e0 is not an integer"},
	{"{\"action\":\"cancel\",\"id\":\"308e1272-d5f4-47e6-bd97-3504baea9c23\",\"pow\":null,\"to\":false}", OM_OK, -1,
	 "null and false: not given"},
	{"{\"action\":\"cancel\",\"Id\":\"308e1272-d5f4-47e6-bd97-3504baea9c23\"}", OM_ERR_UNKNOWN_OPTION, -1,
	 "keys are exact"},
	{"{\"action\":\"send-dm\",\"id\":\"308e1272-d5f4-47e6-bd97-3504baea9c23\",\"text\":\"\xff\"}", OM_ERR_LINE, -1,
	 "invalid UTF-8 in the line"},
};

static void test_lines(void)
{
	for (size_t i = 0; i < sizeof line_cases / sizeof *line_cases; i++) {
		const line_case *c = &line_cases[i];
		buf out = BUF_INIT;
		order_msg_error e;
		order_msg_err rc = order_msg_line(NULL, c->line, strlen(c->line), NOW, &out, &e);
		t_ok(rc == c->want && e.field == c->field && (rc != OM_OK) == (out.len == 0), "line: %s (%s, field %d)", c->why,
		     order_msg_reason(rc), e.field);
		buf_free(&out);
	}
}

/* --batch: command-line options are defaults for the lines whose action takes them. */
static void test_defaults(void)
{
	order_msg_req d;
	order_msg_error e;
	buf out = BUF_INIT;
	order_msg_req_init(&d);
	order_msg_req_set(&d, "to", "npub180cvv07tjdrrgpa0j7j7tmnyl2yr6yr7l8j4s3evf6u64th6gkwsyjh6w6", &e);
	order_msg_req_set(&d, "network", "regtest", &e);
	order_msg_req_set(&d, "trade-index", "9", &e);
	t_ok(order_msg_check_values(&d, &e) == OM_OK, "defaults check");
	const char *cancel = "{\"action\":\"cancel\",\"id\":\"308e1272-d5f4-47e6-bd97-3504baea9c23\"}";
	t_ok(order_msg_line(&d, cancel, strlen(cancel), NOW, &out, &e) == OM_OK &&
	     strncmp(out.p, "{\"to\":\"3bf0c63fcb93463407af97a5e5ee64fa883d107ef9e558472c4eb9aaaefa459d\",", 72) == 0 &&
	     strstr(out.p, "\"trade_index\":null"), "cancel takes --to, not --network or --trade-index");
	buf_reset(&out);
	const char *take = "{\"action\":\"take-buy\",\"id\":\"308e1272-d5f4-47e6-bd97-3504baea9c23\",\"trade-index\":3}";
	t_ok(order_msg_line(&d, take, strlen(take), NOW, &out, &e) == OM_OK && strstr(out.p, "\"trade_index\":3,"),
	     "a line's own value wins over the default");
	buf_reset(&out);
	const char *fp = "{\"action\":\"take-buy\",\"id\":\"308e1272-d5f4-47e6-bd97-3504baea9c23\",\"full-privacy\":true}";
	t_ok(order_msg_line(&d, fp, strlen(fp), NOW, &out, &e) == OM_ERR_CONFLICT,
	     "a default can conflict with a line (--trade-index 9 and full-privacy)");
	order_msg_req_free(&d);
	buf_free(&out);

	order_msg_req_init(&d);
	order_msg_req_set(&d, "pow", "40", &e);
	t_ok(order_msg_check_values(&d, &e) == OM_ERR_BAD_VALUE && e.field == OM_POW, "a bad default is found before any line");
	order_msg_req_free(&d);
}

static void test_format(void)
{
	order_msg_error e = {OM_ERR_AMOUNT, OM_FIAT_AMOUNT, "0: a fiat amount is 1 or more"};
	char m[256];
	order_msg_error_format(&e, m, sizeof m);
	t_eq_str(m, "--fiat-amount: invalid_amount: 0: a fiat amount is 1 or more", "format with a field");
	e.field = -1;
	e.code = OM_ERR_UNKNOWN_ACTION;
	snprintf(e.msg, sizeof e.msg, "'x'");
	order_msg_error_format(&e, m, sizeof m);
	t_eq_str(m, "unknown_action: 'x'", "format without a field");
}

int main(void)
{
	test_golden();
	test_reasons();
	test_options();
	test_help();
	test_vector4_hash();
	test_repeated();
	test_random_id();
	test_lines();
	test_defaults();
	test_format();
	return t_done();
}
