/* workpool.h — a fork-join pool: run fn(ctx, i) for i in 0..n-1 on the
 * calling thread and up to `threads` helper threads, and return when all
 * are done. Used by the relay to verify a batch of signatures on every core.
 *
 * fn must be thread-safe for distinct i. One caller at a time (the pool is
 * owned by one thread). Ownership: workpool_new returns a pool released by
 * workpool_free (which joins the threads). A pool with 0 threads runs
 * everything inline.
 */
#ifndef MU_WORKPOOL_H
#define MU_WORKPOOL_H

#include <stddef.h>

typedef struct workpool workpool;
typedef void (*workpool_fn)(void *ctx, size_t i);

workpool *workpool_new(unsigned threads);
void workpool_free(workpool *p);
unsigned workpool_threads(const workpool *p);

/* Runs the n items; below `min_parallel` items everything runs inline
 * (waking threads costs more than a few signature checks). */
void workpool_run(workpool *p, size_t n, size_t min_parallel, workpool_fn fn, void *ctx);

/* Asynchronous form: workpool_start hands the n items to the helpers and
 * returns at once; `done` (may be NULL) is called once, from whichever thread
 * finishes the last item, so an event loop can be woken up. workpool_wait
 * helps with the items left and returns when all are finished. Between the
 * two the caller must not touch the items. With no helper threads,
 * workpool_start runs nothing and workpool_wait runs everything. */
void workpool_start(workpool *p, size_t n, workpool_fn fn, void *ctx, void (*done)(void *ctx));
void workpool_wait(workpool *p);

#endif
