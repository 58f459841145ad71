/* libFuzzer target: relay protocol frames, both directions (lib/relaymsg.h),
 * and the filters inside REQ/COUNT (lib/filter.h).
 * Properties: no crash or leak on any input; a frame that parses re-serializes
 * (rmsg_write) to a canonical frame that parses again, in the same direction,
 * to the very same bytes; a parsed event is matched against every parsed
 * filter of the canonical frame without trouble. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "relaymsg.h"

static void roundtrip(const char *data, size_t size, bool client)
{
	rmsg m, again;
	char detail[200];
	rmsg_err e = client ? rmsg_parse_client(&m, data, size, detail, sizeof detail)
			    : rmsg_parse_relay(&m, data, size, detail, sizeof detail);
	if (e != RMSG_OK_PARSED) {
		if (!detail[0])
			abort();              /* every error names what is wrong */
		rmsg_free(&m);
		return;
	}
	buf b = BUF_INIT, c = BUF_INIT;
	rmsg_write(&b, &m);
	e = client ? rmsg_parse_client(&again, b.p, b.len, NULL, 0)
		   : rmsg_parse_relay(&again, b.p, b.len, NULL, 0);
	if (e != RMSG_OK_PARSED || again.type != m.type)
		abort();
	rmsg_write(&c, &again);
	if (b.len != c.len || memcmp(b.p, c.p, b.len) != 0)
		abort();
	if (m.has_event)
		(void)filters_match(m.filters, m.n_filters, &m.event);
	rmsg_free(&again);
	rmsg_free(&m);
	buf_free(&b);
	buf_free(&c);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	roundtrip((const char *)data, size, true);
	roundtrip((const char *)data, size, false);
	return 0;
}
