/* idset.h — a set of 32-byte ids (event ids), open addressing.
 * Used to deduplicate events across relays and reconnections. The set owns
 * its table; idset_free() releases it. Allocation failure aborts. */
#ifndef MU_IDSET_H
#define MU_IDSET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct idset {
	uint8_t (*slots)[32];
	uint8_t  *used;
	size_t    cap;      /* power of two, or 0 */
	size_t    n;
} idset;

#define IDSET_INIT {NULL, NULL, 0, 0}

bool idset_has(const idset *s, const uint8_t id[32]);
/* Adds id; returns false when it was already present. */
bool idset_add(idset *s, const uint8_t id[32]);
void idset_free(idset *s);

#endif
