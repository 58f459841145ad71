/* fuzz_settings — settings_parse on arbitrary text (the first byte chooses
 * whether MOSTRO_NSEC_PRIVKEY is set). An error must carry a code in range
 * and a message; accepted settings must print as JSON that never holds the
 * secret key, and free cleanly. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hex.h"
#include "json.h"
#include "settings.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *env_key(const char *name)
{
	return strcmp(name, SETTINGS_NSEC_ENV) == 0 ?
		"7f7ff03d123792d6ac594bfa67bf6d0c0ab55b6b1fdb6249303fe861f1ccba9a" : NULL;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	settings_source src = {.dir = "/d", .getenv = (data[0] & 1) ? env_key : NULL};
	mostro_settings s;
	settings_error err;
	settings_err e = settings_parse((const char *)data + 1, size - 1, "settings.toml", &src, &s, &err);
	if (e != SETTINGS_OK) {
		if (e != err.code || e >= SETTINGS_ERR_COUNT || !err.msg[0]) {
			fprintf(stderr, "fuzz_settings: bad error report %d '%s'\n", (int)e, err.msg);
			abort();
		}
		return 0;
	}
	char sk[65];
	hex_encode(sk, s.key.sk, 32);
	buf out = BUF_INIT;
	jv j = settings_to_jv(&s);
	json_write(&out, j);
	jv_free(j);
	if (strstr(out.p, sk)) {
		fprintf(stderr, "fuzz_settings: the secret key is in the JSON form\n");
		abort();
	}
	for (size_t i = 0; i < s.warning_count; i++)
		if (!s.warnings[i] || !s.warnings[i][0])
			abort();
	buf_free(&out);
	settings_free(&s);
	return 0;
}
