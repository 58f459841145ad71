/* relay_nip11.h — the NIP-11 relay information document of `mostro-relay
 * serve`, built from its configuration so the advertised limits are the
 * enforced ones. */
#ifndef MU_RELAY_NIP11_H
#define MU_RELAY_NIP11_H

#include "buf.h"
#include "relay_config.h"

#define RELAY_SOFTWARE_VERSION "0.1.0"

/* NIPs the embedded relay implements. */
extern const int nip11_supported_nips[];
extern const size_t nip11_n_supported_nips;

/* Appends the document (compact JSON) to b. */
void nip11_write(buf *b, const relay_config *c);

#endif
