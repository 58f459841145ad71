/* ln_sim.h — the simulated node as a mostro-ln backend (ln.h), over
 * ln_simdb.h. SIMULATED: get_info says so ("backend":"sim","simulated":true).
 *
 * Unary primitives complete at once. Streams (watch, pay, track) are
 * subscriptions re-checked every poll_ms while any is open: the tick first
 * lets the node advance (due payments, expired invoices), then, if this
 * process or another one committed something (PRAGMA data_version), emits
 * every changed state. A change made by `mostro-ln sim ...` in another
 * process is therefore seen within about poll_ms. An invoice that moved
 * several steps between two ticks (paid, then settled or canceled) still
 * gets every step LND would have sent (OPEN, ACCEPTED from the HTLC the row
 * records), so a watch cannot miss that the seller paid.
 *
 * Ownership: the backend owns its sim_db; ln_backend_destroy closes it.
 */
#ifndef MU_LN_SIM_H
#define MU_LN_SIM_H

#include <stddef.h>
#include <stdint.h>

#include "ln.h"

#define LN_SIM_POLL_MS_DEFAULT 20

typedef struct ln_sim_config {
	const char *db_path;
	uint32_t    poll_ms;        /* 0 = LN_SIM_POLL_MS_DEFAULT */
} ln_sim_config;

/* NULL with a message in err when the database cannot be opened. */
ln_backend *ln_sim_new(evloop *loop, const ln_sim_config *cfg, char *err, size_t errlen);

/* Wall-clock milliseconds (payment due times are shared across processes). */
uint64_t ln_sim_wall_ms(void);

#endif
