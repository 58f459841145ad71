/* relay_sub helpers: the resume since (cursor - look-back, never below the
 * filter's own since, floored at 0), the default look-back per filter set, and
 * the id set used for deduplication. */
#include <string.h>

#include "filter.h"
#include "idset.h"
#include "sha256.h"
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

/* Pruning by time: what is below the bound goes, the rest stays findable
 * (through the rebuild and with colliding slots), the table shrinks. */
static void test_idset_prune(void)
{
	idset s = IDSET_INIT;
	uint8_t id[32];
	for (uint32_t k = 0; k < 3000; k++) {
		id_of(id, k);
		idset_add_at(&s, id, 1000 + k);
	}
	size_t cap = s.cap;
	t_eq_int((long long)idset_prune_before(&s, 1000 + 2500), 2500, "prune: the 2500 older ids go");
	t_eq_int((long long)s.n, 500, "prune: 500 left");
	t_ok(s.cap < cap && s.cap >= 2 * s.n, "prune: the table shrinks, at most half full (%zu -> %zu)", cap, s.cap);
	bool kept = true, gone = true;
	for (uint32_t k = 0; k < 3000; k++) {
		id_of(id, k);
		if (k < 2500)
			gone = gone && !idset_has(&s, id);
		else
			kept = kept && idset_has(&s, id) && !idset_add_at(&s, id, 1);
	}
	t_ok(gone, "prune: pruned ids are gone");
	t_ok(kept, "prune: newer ids are still there (still duplicates)");
	t_eq_int((long long)idset_prune_before(&s, 1000), 0, "prune below everything: nothing removed");
	idset_free(&s);
}

/* sub's policy over a long stream: one event a second, the set pruned at
 * relay_forget_floor() whenever it would grow. The set stays bounded by the
 * window, and a duplicate inside the window is still caught. */
static void test_forget_window(void)
{
	t_eq_int((long long)relay_forget_floor(1700000000, 1800000000, 600), 1700000000 - 600 - RELAY_FORGET_MARGIN,
		 "floor: cursor - lookback - margin");
	t_eq_int((long long)relay_forget_floor(1900000000, 1800000000, 600), 1800000000 - 600 - RELAY_FORGET_MARGIN,
		 "floor: a future cursor counts as now");
	t_eq_int((long long)relay_forget_floor(100, 100, 600), 0, "floor: 0-floored");
	t_eq_int((long long)relay_forget_floor(10000, 10000, -1), 10000 - RELAY_FORGET_MARGIN, "floor: negative lookback is 0");

	idset s = IDSET_INIT;
	uint8_t id[32];
	const uint32_t N = 1000000;
	const int64_t lookback = RELAY_LOOKBACK_DEFAULT;
	const uint64_t t0 = 1700000000, window = RELAY_LOOKBACK_DEFAULT + RELAY_FORGET_MARGIN;
	size_t max_cap = 0;
	bool dup_caught = true;
	for (uint32_t k = 0; k < N; k++) {
		uint64_t t = t0 + k;
		sha256(id, &k, sizeof k);
		if (idset_full(&s))
			idset_prune_before(&s, relay_forget_floor(t, t, lookback));
		idset_add_at(&s, id, t);
		if (s.cap > max_cap)
			max_cap = s.cap;
		if (k >= window && k % 997 == 0) {      /* an event from just inside the window, again */
			uint32_t j = k - (uint32_t)window + 1;
			sha256(id, &j, sizeof j);
			dup_caught = dup_caught && !idset_add_at(&s, id, t0 + j);
		}
	}
	t_ok(dup_caught, "a duplicate inside the window is still dropped, all along");
	t_ok(max_cap <= 4 * window, "1M events: the table never exceeds %llu slots (%zu)",
	     (unsigned long long)(4 * window), max_cap);
	t_ok(s.n >= window && s.n <= 3 * window, "1M events: %zu ids kept (the window, plus what came since the last prune)", s.n);
	idset_free(&s);
}

int main(void)
{
	test_resume_since();
	test_default_lookback();
	test_idset();
	test_idset_prune();
	test_forget_window();
	return t_done();
}
