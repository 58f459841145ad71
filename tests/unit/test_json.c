/* lib/json: the strict parser and the canonical writer, table-driven from the
 * vectors' jv-serialization-notes.md (RFC 8259 strictness, escapes, numbers,
 * 64-bit integers, serde/Display float formatting, duplicates, depth, errors). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"
#include "t.h"

/* Strings shorter than the big-integer prefix ("" and one byte) are plain
 * strings; json_is_bigint must not read past their end (found by ASan). */
static void short_strings(void)
{
	jv e = json_parse("\"\"", 2, 0, NULL);
	size_t n = 99;
	const char *s = json_str(e, &n);
	t_ok(s && n == 0 && !json_is_bigint(e), "\"\" is an empty string, not a big integer");
	jv z = jv_string_sized("", 1);   /* one NUL byte: the prefix's first byte alone */
	t_ok(!json_is_bigint(z) && json_str(z, &n) && n == 1, "\"\\u0000\" is a plain one-byte string");
	jv_free(e);
	jv_free(z);
}

int main(void)
{
	short_strings();
	return t_done();
}
