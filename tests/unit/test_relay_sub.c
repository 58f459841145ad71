/* relay_sub helpers: the resume since (cursor - look-back, never below the
 * filter's own since, floored at 0), the default look-back per filter set, and
 * the id set used for deduplication. */
#include <string.h>

#include "filter.h"
#include "idset.h"
#include "relay_sub.h"
#include "t.h"

static void test_resume_since(void)
{
	static const struct {
		bool has_since;
		uint64_t since, cursor;
		int64_t lookback;
		uint64_t want;
		const char *name;
	} cases[] = {
		{false, 0, 1700000000, 172800, 1700000000 - 172800, "cursor minus two days"},
		{false, 0, 1700000000, 0, 1700000000, "no look-back: the cursor itself (inclusive)"},
		{true, 1699999999, 1700000000, 600, 1699999999, "the filter's since is later: kept"},
		{true, 100, 1700000000, 600, 1699999400, "the filter's since is earlier: resume wins"},
		{false, 0, 100, 600, 0, "look-back beyond the epoch floors at 0"},
		{false, 0, 0, 172800, 0, "cursor 0"},
		{false, 0, 18446744073709551615ULL, 1, 18446744073709551614ULL, "u64 max cursor"},
		{false, 0, 1000, -5, 1000, "a negative look-back counts as 0"},
	};
	for (size_t i = 0; i < sizeof cases / sizeof *cases; i++)
		t_eq_int((long long)relay_resume_since(cases[i].has_since, cases[i].since, cases[i].cursor,
						       cases[i].lookback),
			 (long long)cases[i].want, "resume since: %s", cases[i].name);
}

static void test_default_lookback(void)
{
	static const struct {
		const char *filters[2];
		int64_t want;
	} cases[] = {
		{{"{\"kinds\":[1059]}", NULL}, RELAY_LOOKBACK_RANDOMISED},
		{{"{\"kinds\":[14,38383]}", NULL}, RELAY_LOOKBACK_RANDOMISED},
		{{"{\"authors\":[\"79be667ef9dcbbac55a06295ce870b07029bfcdb2dce28d959f2815b16f81798\"]}", NULL},
		 RELAY_LOOKBACK_RANDOMISED},
		{{"{\"kinds\":[38383]}", NULL}, RELAY_LOOKBACK_DEFAULT},
		{{"{\"kinds\":[1,7]}", "{\"kinds\":[1059]}"}, RELAY_LOOKBACK_RANDOMISED},
		{{"{\"kinds\":[1,7]}", "{\"kinds\":[38383]}"}, RELAY_LOOKBACK_DEFAULT},
	};
	for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
		nostr_filter fs[2];
		size_t n = 0;
		for (; n < 2 && cases[i].filters[n]; n++)
			filter_parse(&fs[n], cases[i].filters[n], strlen(cases[i].filters[n]), NULL, 0);
		t_eq_int(relay_default_lookback(fs, n), cases[i].want, "default look-back of %s%s%s",
			 cases[i].filters[0], n > 1 ? " + " : "", n > 1 ? cases[i].filters[1] : "");
		for (size_t k = 0; k < n; k++)
			filter_free(&fs[k]);
	}
}

static void id_of(uint8_t id[32], uint32_t k)
{
	/* spread the bits so the slot index (first 8 bytes) varies, plus
	 * ids that share the first 8 bytes to exercise probing */
	memset(id, 0, 32);
	uint64_t h = (uint64_t)k * 0x9e3779b97f4a7c15ULL;
	if (k % 3 == 0)
		h = 42;
	memcpy(id, &h, 8);
	memcpy(id + 8, &k, 4);
}

static void test_idset(void)
{
	idset s = IDSET_INIT;
	uint8_t id[32];
	bool all_new = true, all_dup = true, all_have = true, none_foreign = true;
	for (uint32_t k = 0; k < 5000; k++) {
		id_of(id, k);
		all_new = all_new && idset_add(&s, id);
	}
	for (uint32_t k = 0; k < 5000; k++) {
		id_of(id, k);
		all_have = all_have && idset_has(&s, id);
		all_dup = all_dup && !idset_add(&s, id);
	}
	for (uint32_t k = 5000; k < 6000; k++) {
		id_of(id, k);
		none_foreign = none_foreign && !idset_has(&s, id);
	}
	t_ok(all_new, "5000 distinct ids are all new");
	t_ok(all_have, "each is found afterwards (through growth and collisions)");
	t_ok(all_dup, "adding again reports a duplicate");
	t_ok(none_foreign, "ids never added are not found");
	t_eq_int((long long)s.n, 5000, "size");
	idset_free(&s);
	t_ok(!idset_has(&s, id), "an empty (freed) set has nothing");
}

int main(void)
{
	test_resume_since();
	test_default_lookback();
	test_idset();
	return t_done();
}
