#include "workpool.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdlib.h>

struct workpool {
	unsigned        n_threads;
	pthread_t      *threads;
	pthread_mutex_t mu;
	pthread_cond_t  wake, all_left;
	unsigned long   generation;      /* bumped for every job */
	bool            quit;
	/* the current job */
	workpool_fn     fn;
	void           *ctx;
	size_t          n;
	atomic_size_t   next;            /* next item to claim */
	atomic_size_t   finished;        /* items completed */
	void          (*done)(void *ctx);
	bool            started;         /* an asynchronous job is under way */
	unsigned        joined;          /* helpers that took up the current job */
	unsigned        busy;            /* helpers still inside it */
};

/* Claims and runs items until none is left. */
static void drain(workpool *p)
{
	size_t i, n = p->n;
	while ((i = atomic_fetch_add(&p->next, 1)) < n) {
		p->fn(p->ctx, i);
		if (atomic_fetch_add(&p->finished, 1) + 1 == n && p->done)
			p->done(p->ctx);
	}
}

static void *helper(void *arg)
{
	workpool *p = arg;
	unsigned long seen = 0;
	pthread_mutex_lock(&p->mu);
	for (;;) {
		while (!p->quit && p->generation == seen)
			pthread_cond_wait(&p->wake, &p->mu);
		if (p->quit)
			break;
		seen = p->generation;
		p->joined++;
		p->busy++;
		pthread_mutex_unlock(&p->mu);
		drain(p);
		pthread_mutex_lock(&p->mu);
		p->busy--;
		if (p->busy == 0 && p->joined == p->n_threads)
			pthread_cond_signal(&p->all_left);
	}
	pthread_mutex_unlock(&p->mu);
	return NULL;
}

workpool *workpool_new(unsigned threads)
{
	workpool *p = calloc(1, sizeof *p);
	if (!p)
		abort();
	pthread_mutex_init(&p->mu, NULL);
	pthread_cond_init(&p->wake, NULL);
	pthread_cond_init(&p->all_left, NULL);
	p->threads = calloc(threads ? threads : 1, sizeof *p->threads);
	if (!p->threads)
		abort();
	for (unsigned i = 0; i < threads; i++) {
		if (pthread_create(&p->threads[i], NULL, helper, p) != 0)
			break;
		p->n_threads++;
	}
	return p;
}

unsigned workpool_threads(const workpool *p)
{
	return p->n_threads;
}

void workpool_free(workpool *p)
{
	if (!p)
		return;
	pthread_mutex_lock(&p->mu);
	p->quit = true;
	pthread_cond_broadcast(&p->wake);
	pthread_mutex_unlock(&p->mu);
	for (unsigned i = 0; i < p->n_threads; i++)
		pthread_join(p->threads[i], NULL);
	pthread_cond_destroy(&p->wake);
	pthread_cond_destroy(&p->all_left);
	pthread_mutex_destroy(&p->mu);
	free(p->threads);
	free(p);
}

static void publish_job(workpool *p, size_t n, workpool_fn fn, void *ctx, void (*done)(void *))
{
	pthread_mutex_lock(&p->mu);
	p->fn = fn;
	p->ctx = ctx;
	p->n = n;
	p->done = done;
	atomic_store(&p->next, 0);
	atomic_store(&p->finished, 0);
	p->joined = 0;
	p->generation++;
	pthread_cond_broadcast(&p->wake);
	pthread_mutex_unlock(&p->mu);
}

static void join_job(workpool *p);

void workpool_start(workpool *p, size_t n, workpool_fn fn, void *ctx, void (*done)(void *ctx))
{
	p->started = true;
	if (p->n_threads == 0 || n == 0) {
		/* nothing runs in the background: workpool_wait does it all */
		p->fn = fn;
		p->ctx = ctx;
		p->n = n;
		p->done = NULL;
		atomic_store(&p->next, 0);
		atomic_store(&p->finished, 0);
		return;
	}
	publish_job(p, n, fn, ctx, done);
}

void workpool_wait(workpool *p)
{
	if (!p->started)
		return;
	p->started = false;
	if (p->n_threads == 0 || p->n == 0) {
		drain(p);
		return;
	}
	drain(p);
	join_job(p);
}

void workpool_run(workpool *p, size_t n, size_t min_parallel, workpool_fn fn, void *ctx)
{
	if (p->n_threads == 0 || n < min_parallel || n < 2) {
		for (size_t i = 0; i < n; i++)
			fn(ctx, i);
		return;
	}
	publish_job(p, n, fn, ctx, NULL);
	drain(p);
	join_job(p);
}

static void join_job(workpool *p)
{
	/* Every item is claimed. Wait until every helper has taken up this job
	 * and left it: then all items are finished and no helper can still be
	 * reading this job's fields when the next one replaces them. */
	pthread_mutex_lock(&p->mu);
	while (p->busy > 0 || p->joined < p->n_threads)
		pthread_cond_wait(&p->all_left, &p->mu);
	pthread_mutex_unlock(&p->mu);
}
