/* libFuzzer target: the batch lines of `mostro-order msg --batch`
 * (order_msg_line, lib/order_msg.h): any bytes as one line, with and without
 * command-line defaults.
 * Properties: no crash or leak; a failure has a known reason, a field in
 * range and a message, and writes nothing; a success writes one record whose
 * message parses with mostro-core's strictness, passes verify() and writes
 * back to the same canonical bytes, and whose other keys are only to,
 * transport and pow. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"
#include "mostro_msg.h"
#include "order_msg.h"

static order_msg_req defaults;
static bool ready;

static void setup(void)
{
	if (ready)
		return;
	order_msg_error e;
	order_msg_req_init(&defaults);
	if (order_msg_req_set(&defaults, "to", "8b04142e01039bed503ea99a9ab40df7bbfadebef9bcfc01aea4352655a89124", &e) ||
	    order_msg_req_set(&defaults, "network", "regtest", &e) ||
	    order_msg_req_set(&defaults, "currencies", "USD,EUR,VES", &e) ||
	    order_msg_check_values(&defaults, &e))
		abort();
	ready = true;
}

static void check_record(const buf *out)
{
	jv rec = json_parse(out->p, out->len, JSON_EXACT_NUMBERS, NULL);
	if (jv_get_kind(rec) != JV_KIND_OBJECT)
		abort();
	jv_object_foreach(rec, k, v) {
		const char *key = jv_string_value(k);
		if (strcmp(key, "message") == 0) {
			mostro_msg m;
			if (mostro_msg_from_jv(&m, v, NULL) != MOSTRO_MSG_OK || !mostro_msg_verify_structure(&m))
				abort();
			buf a = BUF_INIT, b = BUF_INIT;
			mostro_msg_write(&a, &m);
			json_write(&b, v);
			if (a.len != b.len || memcmp(a.p, b.p, a.len) != 0)
				abort();
			buf_free(&a);
			buf_free(&b);
			mostro_msg_free(&m);
		} else if (strcmp(key, "to") != 0 && strcmp(key, "transport") != 0 && strcmp(key, "pow") != 0) {
			abort();
		}
		jv_free(k);
		jv_free(v);
	}
	jv_free(rec);
}

static void one(const order_msg_req *d, const uint8_t *data, size_t size)
{
	buf out = BUF_INIT;
	order_msg_error e;
	order_msg_err rc = order_msg_line(d, (const char *)data, size, 1750000060, &out, &e);
	if (rc) {
		if (rc >= OM_ERR_COUNT || out.len || e.code != rc || e.field < -1 || e.field >= OM_OPT_COUNT || !e.msg[0])
			abort();
		char m[512];
		order_msg_error_format(&e, m, sizeof m);
	} else {
		check_record(&out);
	}
	buf_free(&out);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	setup();
	one(NULL, data, size);
	one(&defaults, data, size);
	return 0;
}
