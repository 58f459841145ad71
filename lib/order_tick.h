/* order_tick.h — the engine's scheduler (DAEMON.md §3): periodic jobs on the
 * engine clock, as a table. The loop calls order_run_jobs() after every tick
 * that moved the clock, inside that tick's transaction. See order_tick.c. */
#ifndef MU_ORDER_TICK_H
#define MU_ORDER_TICK_H

#include "order_engine.h"

typedef struct order_job {
	const char *name;                          /* jobs table key */
	const char *ref;                           /* DAEMON.md section */
	int64_t   (*interval)(const order_config *cfg);  /* seconds */
	void      (*run)(order_ctx *c);            /* NULL: not done by this engine yet */
} order_job;

extern const order_job order_jobs[];
extern const size_t order_job_count;

void order_run_jobs(order_ctx *c);

#endif
