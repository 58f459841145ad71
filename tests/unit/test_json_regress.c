/* Regression tests for lib/json.c bugs found while building on it. */
#include <string.h>

#include "json.h"
#include "t.h"

int main(void)
{
	/* json_is_bigint read s[1] of an empty string (one byte past its end):
	 * the terminating NUL matched the prefix's first byte. ASan caught it. */
	jv e = jv_string("");
	t_ok(!json_is_bigint(e), "empty string is not a big integer");
	size_t n = 99;
	const char *s = json_str(e, &n);
	t_ok(s && n == 0, "json_str of an empty string: \"\" with length 0");
	jv_free(e);

	jv one = jv_string_sized("\0", 1);
	t_ok(!json_is_bigint(one), "a lone NUL is not a big integer");
	jv_free(one);
	jv bare = jv_string_sized(JSON_BIGINT_PREFIX, JSON_BIGINT_PREFIX_LEN);
	t_ok(!json_is_bigint(bare), "the prefix without digits is not a big integer");
	jv_free(bare);

	const char *text = "{\"n\":18446744073709551615,\"s\":\"\"}";
	jv v = json_parse(text, strlen(text), 0, NULL);
	jv nv = json_get(v, "n");
	uint64_t u = 0;
	t_ok(json_is_bigint(nv) && json_get_u64(nv, &u) && u == UINT64_MAX, "u64 max is a big integer");
	jv_free(nv);
	t_ok(json_get_str(v, "s", &n) && n == 0, "empty string member reads back");
	jv_free(v);
	return t_done();
}
