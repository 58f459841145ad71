/* fuzz_json — json_parse on arbitrary bytes, under every parse flag.
 *
 * Properties: the parser never crashes or leaks; a refusal carries an error
 * code and an offset inside the input; an accepted value is written by
 * json_write to text that parses again (with the same flags, less
 * JSON_INTEGERS_ONLY: an integer beyond 64 bits is written as a double such as
 * 1e+29) and writes back byte for byte (the writer's output is a fixed point). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"

static const int flag_sets[] = {
	0,
	JSON_INTEGERS_ONLY,
	JSON_EXACT_NUMBERS,
	JSON_LONE_SURROGATE_FFFD,
	JSON_INTEGERS_ONLY | JSON_LONE_SURROGATE_FFFD,
};

static void check(const uint8_t *data, size_t size, int flags)
{
	json_error e;
	jv v = json_parse((const char *)data, size, flags, &e);
	if (!jv_is_valid(v)) {
		if (e.code == JSON_OK || e.offset > size || e.msg[0] == 0) {
			fprintf(stderr, "refusal without a code/offset (code %d offset %zu size %zu)\n", e.code, e.offset, size);
			abort();
		}
		jv_free(v);
		return;
	}
	if (e.code != JSON_OK)
		abort();
	buf a = BUF_INIT, b = BUF_INIT;
	json_write(&a, v);
	jv_free(v);
	int again = flags & ~JSON_INTEGERS_ONLY;
	jv w = json_parse(a.p, a.len, again, &e);
	if (!jv_is_valid(w)) {
		fprintf(stderr, "json_write output does not parse (flags %d): %s\n%.*s\n", again, e.msg, (int)a.len, a.p);
		abort();
	}
	json_write(&b, w);
	jv_free(w);
	if (a.len != b.len || memcmp(a.p, b.p, a.len) != 0) {
		fprintf(stderr, "not a fixed point (flags %d):\n%.*s\n%.*s\n", flags, (int)a.len, a.p, (int)b.len, b.p);
		abort();
	}
	buf_free(&a);
	buf_free(&b);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	for (size_t i = 0; i < sizeof flag_sets / sizeof *flag_sets; i++)
		check(data, size, flag_sets[i]);
	return 0;
}
