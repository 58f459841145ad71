/* JSON_EXACT_NUMBERS: fraction/exponent literals are kept verbatim so a strict
 * reader (the Mostro message model) can tell `1.0` from `1`; without the flag
 * nothing changes. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"
#include "t.h"

static jv parse(const char *s, int flags)
{
	return json_parse(s, strlen(s), flags, NULL);
}

int main(void)
{
	static const struct { const char *in; bool is_float; double value; } lits[] = {
		{"1.0", true, 1.0}, {"5e2", true, 500.0}, {"-0.5", true, -0.5},
		{"4.50", true, 4.5}, {"1E-7", true, 1e-7}, {"7", false, 7.0},
		{"-0", false, -0.0}, {"18446744073709551615", false, 18446744073709551615.0},
	};
	for (size_t i = 0; i < sizeof lits / sizeof *lits; i++) {
		jv v = parse(lits[i].in, JSON_EXACT_NUMBERS);
		t_ok(jv_is_valid(v), "%s parses with JSON_EXACT_NUMBERS", lits[i].in);
		t_ok(json_is_float_literal(v) == lits[i].is_float, "%s: float literal = %d", lits[i].in, lits[i].is_float);
		double d = NAN;
		t_ok(json_get_f64(v, &d) && d == lits[i].value, "%s: json_get_f64", lits[i].in);
		char *out = json_dumps(v);
		if (lits[i].is_float)
			t_eq_str(out, lits[i].in, "%s: written back verbatim", lits[i].in);
		free(out);
		uint64_t u;
		int64_t s;
		if (lits[i].is_float)
			t_ok(!json_get_u64(v, &u) && !json_get_i64(v, &s), "%s: not an integer", lits[i].in);
		jv_free(v);
	}
	/* Without the flag: plain doubles, as before. */
	jv v = parse("1.0", 0);
	t_ok(jv_get_kind(v) == JV_KIND_NUMBER && jv_number_value(v) == 1.0, "1.0 without the flag is a number");
	jv_free(v);
	/* Nested, and the writer prints literals inside containers verbatim. */
	v = parse("{\"a\":[1.50,2,3e0],\"b\":-1.25e+3}", JSON_EXACT_NUMBERS);
	char *out = json_dumps(v);
	t_eq_str(out, "{\"a\":[1.50,2,3e0],\"b\":-1.25e+3}", "nested literals survive a round trip");
	free(out);
	jv_free(v);
	/* Still refused with the flag. */
	t_ok(!jv_is_valid(parse("1e999", JSON_EXACT_NUMBERS)), "1e999 is out of range");
	t_ok(!jv_is_valid(parse("1.", JSON_EXACT_NUMBERS)), "1. is malformed");
	t_ok(!jv_is_valid(parse("\"\\u0000#1.5\"", JSON_EXACT_NUMBERS)), "the reserved prefix in a string is refused");
	/* Bigint getters check that the kept text is all digits. */
	v = parse("-9223372036854775808", 0);
	int64_t s = 0;
	t_ok(json_get_i64(v, &s) && s == INT64_MIN, "INT64_MIN exact");
	jv_free(v);
	/* json_is_bigint / json_str on an empty string (read past the end under ASan before) */
	v = jv_string("");
	t_ok(!json_is_bigint(v) && json_str(v, NULL) != NULL, "empty string is a string, not a big integer");
	jv_free(v);
	return t_done();
}
