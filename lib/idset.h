/* idset.h — a set of 32-byte ids (event ids), open addressing.
 * Used to deduplicate events across relays and reconnections. The set owns
 * its table; idset_free() releases it. Allocation failure aborts.
 *
 * Each id may carry a time (the event's created_at, idset_add_at) so that a
 * long-running user can drop the ids that can no longer come back
 * (idset_prune_before) and keep the set bounded; or any 64-bit value to look
 * up by id (idset_get): the envelope key ring maps public keys to positions. */
#ifndef MU_IDSET_H
#define MU_IDSET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct idset {
	uint8_t (*slots)[32];
	uint64_t *times;    /* per slot: the time given to idset_add_at (0 for idset_add) */
	uint8_t  *used;
	size_t    cap;      /* power of two, or 0 */
	size_t    n;
} idset;

#define IDSET_INIT {NULL, NULL, NULL, 0, 0}

bool idset_has(const idset *s, const uint8_t id[32]);
/* Adds id; returns false when it was already present. */
bool idset_add(idset *s, const uint8_t id[32]);
/* The same, recording t with a new id (a present id keeps its time). */
bool idset_add_at(idset *s, const uint8_t id[32], uint64_t t);
/* True when id is present; *t receives its time (may be NULL). */
bool idset_get(const idset *s, const uint8_t id[32], uint64_t *t);
/* True when the next new id makes the table grow (a good moment to prune). */
bool idset_full(const idset *s);
/* Removes the ids whose time is below t; the table shrinks to fit what is
 * left (at least 64 slots). Returns how many were removed. */
size_t idset_prune_before(idset *s, uint64_t t);
void idset_free(idset *s);

#endif
