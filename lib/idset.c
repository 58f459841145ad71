#include "idset.h"

#include <stdlib.h>
#include <string.h>

#include "buf.h"

#define IDSET_MIN_CAP 64

/* Ids are hashes already: their first 8 bytes are a good slot index. */
static size_t slot_of(const uint8_t id[32], size_t cap)
{
	uint64_t h;
	memcpy(&h, id, sizeof h);
	return (size_t)h & (cap - 1);
}

bool idset_get(const idset *s, const uint8_t id[32], uint64_t *t)
{
	if (!s->cap)
		return false;
	for (size_t i = slot_of(id, s->cap);; i = (i + 1) & (s->cap - 1)) {
		if (!s->used[i])
			return false;
		if (memcmp(s->slots[i], id, 32) == 0) {
			if (t)
				*t = s->times[i];
			return true;
		}
	}
}

bool idset_has(const idset *s, const uint8_t id[32])
{
	return idset_get(s, id, NULL);
}

static void insert(idset *s, const uint8_t id[32], uint64_t t)
{
	size_t i = slot_of(id, s->cap);
	while (s->used[i])
		i = (i + 1) & (s->cap - 1);
	memcpy(s->slots[i], id, 32);
	s->times[i] = t;
	s->used[i] = 1;
	s->n++;
}

/* Moves the ids with time >= keep_from into a table of cap slots. */
static void rebuild(idset *s, size_t cap, uint64_t keep_from)
{
	idset old = *s;
	s->cap = cap;
	s->slots = mu_xmalloc(cap * 32);
	s->times = mu_xmalloc(cap * sizeof *s->times);
	s->used = mu_xmalloc(cap);
	memset(s->used, 0, cap);
	s->n = 0;
	for (size_t i = 0; i < old.cap; i++)
		if (old.used[i] && old.times[i] >= keep_from)
			insert(s, old.slots[i], old.times[i]);
	free(old.slots);
	free(old.times);
	free(old.used);
}

bool idset_full(const idset *s)
{
	return (s->n + 1) * 4 > s->cap * 3;
}

bool idset_add_at(idset *s, const uint8_t id[32], uint64_t t)
{
	if (idset_has(s, id))
		return false;
	if (idset_full(s))
		rebuild(s, s->cap ? s->cap * 2 : IDSET_MIN_CAP, 0);
	insert(s, id, t);
	return true;
}

bool idset_add(idset *s, const uint8_t id[32])
{
	return idset_add_at(s, id, 0);
}

size_t idset_prune_before(idset *s, uint64_t t)
{
	if (!s->cap)
		return 0;
	size_t keep = 0;
	for (size_t i = 0; i < s->cap; i++)
		keep += s->used[i] && s->times[i] >= t;
	size_t removed = s->n - keep;
	if (!removed)
		return 0;
	/* the smallest power of two that holds keep at most half full */
	size_t cap = IDSET_MIN_CAP;
	while (cap < keep * 2)
		cap *= 2;
	rebuild(s, cap, t);
	return removed;
}

void idset_free(idset *s)
{
	free(s->slots);
	free(s->times);
	free(s->used);
	memset(s, 0, sizeof *s);
}
