/* fuzz_order_input — mostro-order run's input records on arbitrary bytes.
 * Each fuzz input is a run of lines fed to one engine on a fresh in-memory
 * database (a tick first, so records are not held for the clock): message
 * records (mostro-unwrap's), ln_result/ln_event, price, ctl, tick, anything.
 * The engine must neither crash nor leak, and every line it writes must be
 * a JSON object: a DM record (to, transport, message), an event template
 * (kind, tags) or an LN op (id, op). The seed corpus holds the golden
 * transcripts' inputs (tests/vectors/order-golden). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"
#include "order_config.h"
#include "order_run.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static bool record_ok(const char *line, size_t len)
{
	jv v = json_parse(line, len, JSON_EXACT_NUMBERS, NULL);
	bool ok = jv_get_kind(v) == JV_KIND_OBJECT &&
		  ((json_has(v, "to") && json_has(v, "transport") && json_has(v, "message")) ||
		   (json_has(v, "kind") && json_has(v, "tags")) ||
		   (json_has(v, "id") && json_has(v, "op")) ||
		   (json_has(v, "type") && json_has(v, "ok")));       /* a ctl_result */
	jv_free(v);
	return ok;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	order_config cfg;
	order_config_defaults(&cfg);
	cfg.fee = 0.006;
	snprintf(cfg.mostro_pubkey, sizeof cfg.mostro_pubkey, "%s",
		 "79be667ef9dcbbac55a06295ce870b07029bfcdb2dce28d959f2815b16f81798");
	order_engine *e = order_engine_new(":memory:", &cfg, "5eed5eed5eed5eed5eed5eed5eed5eed5eed5eed5eed5eed5eed5eed5eed5eed", true);
	order_config_free(&cfg);
	if (!e)
		abort();
	order_engine_start(e);
	static const char tick[] = "{\"type\":\"tick\",\"now\":1700000000}";
	order_engine_input(e, tick, sizeof tick - 1);
	const char *p = (const char *)data, *end = p + size;
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t n = nl ? (size_t)(nl - p) : (size_t)(end - p);
		if (n)
			order_engine_input(e, p, n);
		p += n + (nl ? 1 : 0);
	}
	size_t len;
	const char *out = order_engine_output(e, &len);
	for (const char *q = out; q < out + len;) {
		const char *nl = memchr(q, '\n', (size_t)(out + len - q));
		if (!nl || !record_ok(q, (size_t)(nl - q))) {
			fprintf(stderr, "bad output line: %.*s\n", (int)(nl ? nl - q : out + len - q), q);
			abort();
		}
		q = nl + 1;
	}
	order_engine_free(e);
	return 0;
}
