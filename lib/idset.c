#include "idset.h"

#include <stdlib.h>
#include <string.h>

#include "buf.h"

/* Ids are hashes already: their first 8 bytes are a good slot index. */
static size_t slot_of(const uint8_t id[32], size_t cap)
{
	uint64_t h;
	memcpy(&h, id, sizeof h);
	return (size_t)h & (cap - 1);
}

bool idset_has(const idset *s, const uint8_t id[32])
{
	if (!s->cap)
		return false;
	for (size_t i = slot_of(id, s->cap);; i = (i + 1) & (s->cap - 1)) {
		if (!s->used[i])
			return false;
		if (memcmp(s->slots[i], id, 32) == 0)
			return true;
	}
}

static void insert(idset *s, const uint8_t id[32])
{
	size_t i = slot_of(id, s->cap);
	while (s->used[i])
		i = (i + 1) & (s->cap - 1);
	memcpy(s->slots[i], id, 32);
	s->used[i] = 1;
	s->n++;
}

static void grow(idset *s)
{
	idset old = *s;
	s->cap = old.cap ? old.cap * 2 : 64;
	s->slots = mu_xmalloc(s->cap * 32);
	s->used = mu_xmalloc(s->cap);
	memset(s->used, 0, s->cap);
	s->n = 0;
	for (size_t i = 0; i < old.cap; i++)
		if (old.used[i])
			insert(s, old.slots[i]);
	free(old.slots);
	free(old.used);
}

bool idset_add(idset *s, const uint8_t id[32])
{
	if (idset_has(s, id))
		return false;
	if ((s->n + 1) * 4 > s->cap * 3)
		grow(s);
	insert(s, id);
	return true;
}

void idset_free(idset *s)
{
	free(s->slots);
	free(s->used);
	memset(s, 0, sizeof *s);
}
