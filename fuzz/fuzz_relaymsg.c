/* libFuzzer target: relay protocol frames, both directions (lib/relaymsg.h),
 * and the filters inside REQ/COUNT (lib/filter.h).
 * Properties: no crash or leak on any input; a frame that parses re-serializes
 * (rmsg_write) to a canonical frame that parses again, in the same direction,
 * to the very same bytes. Matching (what a relay does with a REQ, and what
 * the client re-checks for every event a relay sends) is driven both ways:
 * the filters of a parsed REQ/COUNT against fixed events, and a parsed event
 * against fixed filters. The machine-readable prefix of any text
 * (rmsg_reason_of) is one of the known reasons, and behind strfry's "ERROR: "
 * lead it is the prefix that follows, or error. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "relaymsg.h"

/* Fixed events (tags, expiration, replaceable and addressable kinds) and
 * filters (every key), parsed once. */
static const char *const fixed_frames[] = {
	"[\"EVENT\",{\"id\":\"" "1111111111111111111111111111111111111111111111111111111111111111"
	"\",\"pubkey\":\"" "79be667ef9dcbbac55a06295ce870b07029bfcdb2dce28d959f2815b16f81798"
	"\",\"created_at\":1700000000,\"kind\":1,\"tags\":[[\"e\",\""
	"0000000000000000000000000000000000000000000000000000000000000005\"],[\"t\",\"x\"],"
	"[\"expiration\",\"1800000000\"]],\"content\":\"hi\",\"sig\":\""
	"22222222222222222222222222222222222222222222222222222222222222222222222222222222222222222222222222222222222222222222222222222222\"}]",
	"[\"EVENT\",{\"id\":\"" "3333333333333333333333333333333333333333333333333333333333333333"
	"\",\"pubkey\":\"" "c6047f9441ed7d6d3045406e95c07cd85c778e4b8cef3ca7abac09b95c709ee5"
	"\",\"created_at\":5,\"kind\":30000,\"tags\":[[\"d\",\"\"],[\"p\",\""
	"79be667ef9dcbbac55a06295ce870b07029bfcdb2dce28d959f2815b16f81798\",\"wss://r\"]],"
	"\"content\":\"\",\"sig\":\""
	"44444444444444444444444444444444444444444444444444444444444444444444444444444444444444444444444444444444444444444444444444444444\"}]",
};
static const char fixed_req[] =
	"[\"REQ\",\"f\",{\"kinds\":[1,1059]},{\"#e\":[\""
	"0000000000000000000000000000000000000000000000000000000000000005\"]},"
	"{\"since\":1,\"until\":1700000000,\"limit\":3},{\"authors\":[\""
	"c6047f9441ed7d6d3045406e95c07cd85c778e4b8cef3ca7abac09b95c709ee5\"],\"#d\":[\"\"]},{}]";

static rmsg fixed_ev[sizeof fixed_frames / sizeof *fixed_frames], fixed_fl;
static bool fixed_ready;

static void load_fixed(void)
{
	if (fixed_ready)
		return;
	for (size_t i = 0; i < sizeof fixed_frames / sizeof *fixed_frames; i++)
		if (rmsg_parse_client(&fixed_ev[i], fixed_frames[i], strlen(fixed_frames[i]), NULL, 0) != RMSG_OK_PARSED)
			abort();
	if (rmsg_parse_client(&fixed_fl, fixed_req, strlen(fixed_req), NULL, 0) != RMSG_OK_PARSED)
		abort();
	fixed_ready = true;
}

static void match_both_ways(const rmsg *m)
{
	if (m->has_event)
		(void)filters_match(fixed_fl.filters, fixed_fl.n_filters, &m->event);
	if (m->n_filters)
		for (size_t i = 0; i < sizeof fixed_ev / sizeof *fixed_ev; i++)
			(void)filters_match(m->filters, m->n_filters, &fixed_ev[i].event);
}

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
	match_both_ways(&m);
	rmsg_free(&again);
	rmsg_free(&m);
	buf_free(&b);
	buf_free(&c);
}

static void reason(const char *text, size_t n)
{
	rmsg_reason r = rmsg_reason_of(text, n);
	if (r > RMSG_REASON_OTHER || !rmsg_reason_name(r))
		abort();
	size_t lead = strlen(RMSG_ERROR_LEAD);
	if (n < lead || memcmp(text, RMSG_ERROR_LEAD, lead) != 0)
		return;
	while (lead < n && text[lead] == ' ')
		lead++;
	size_t again = strlen(RMSG_ERROR_LEAD);
	if (n - lead >= again && memcmp(text + lead, RMSG_ERROR_LEAD, again) == 0)
		return;                   /* the lead is read once: "ERROR: ERROR: x" is error */
	rmsg_reason inner = rmsg_reason_of(text + lead, n - lead);
	if (r != (inner == RMSG_REASON_NONE || inner == RMSG_REASON_OTHER ? RMSG_REASON_ERROR : inner))
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	load_fixed();
	reason((const char *)data, size);
	roundtrip((const char *)data, size, true);
	roundtrip((const char *)data, size, false);
	return 0;
}
