/* bench.h — the timing harness and number formatting shared by the benches
 * (crypto, envelopes, ln). Header-only: the Makefile builds every bench/NAME.c
 * into its own program, so everything here is static inline.
 *
 * A figure is the best of BENCH_ROUNDS slices of bench_slice seconds, ours
 * and its floor alternating: the best slice is the one least disturbed by
 * whatever else runs on the machine. Before including, a bench may define
 * BENCH_SLICE (default slice, seconds) and BENCH_CLOCK (a clock_gettime
 * clock; CLOCK_MONOTONIC unless said otherwise). */
#ifndef MU_BENCH_H
#define MU_BENCH_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#ifndef BENCH_SLICE
#define BENCH_SLICE 0.12
#endif
#ifndef BENCH_CLOCK
#define BENCH_CLOCK CLOCK_MONOTONIC
#endif
#define BENCH_ROUNDS 5

static double bench_slice = BENCH_SLICE;

/* argv[1], when a positive number, replaces the default slice. */
static inline void bench_slice_arg(int argc, char **argv)
{
	if (argc > 1 && atof(argv[1]) > 0)
		bench_slice = atof(argv[1]);
}

static inline double bench_now(void)
{
	struct timespec ts;
	clock_gettime(BENCH_CLOCK, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

typedef void (*op_fn)(void *ctx, long n);   /* performs n operations */

/* Runs fn(ctx, n) in growing batches for about bench_slice seconds;
 * returns operations per second. */
static inline double bench_rate_once(op_fn fn, void *ctx)
{
	long batch = 1, total = 0;
	double t0 = bench_now(), t;
	for (;;) {
		fn(ctx, batch);
		total += batch;
		t = bench_now() - t0;
		if (t >= bench_slice)
			break;
		if (t < bench_slice / 20)
			batch *= 2;
	}
	return (double)total / t;
}

/* Best of BENCH_ROUNDS for a and b (b may be NULL: *rb is then left alone),
 * interleaved, after one warm-up operation each. */
static inline void bench_best_pair(op_fn a, void *ca, double *ra, op_fn b, void *cb, double *rb)
{
	a(ca, 1);
	if (b)
		b(cb, 1);
	*ra = 0;
	if (b)
		*rb = 0;
	for (int i = 0; i < BENCH_ROUNDS; i++) {
		double x = bench_rate_once(a, ca);
		if (x > *ra)
			*ra = x;
		if (b) {
			x = bench_rate_once(b, cb);
			if (x > *rb)
				*rb = x;
		}
	}
}

/* "n/a" (r <= 0), "1.23M/s" (r >= 1e6), else "12,345/s". */
static inline const char *bench_human(double r, char *out, size_t n)
{
	if (r <= 0) {
		snprintf(out, n, "n/a");
		return out;
	}
	if (r >= 1e6) {
		snprintf(out, n, "%.2fM/s", r / 1e6);
		return out;
	}
	char digits[32];
	snprintf(digits, sizeof digits, "%.0f", r);
	size_t len = strlen(digits), j = 0;
	for (size_t i = 0; i < len && j + 2 < n; i++) {
		if (i && (len - i) % 3 == 0)
			out[j++] = ',';
		out[j++] = digits[i];
	}
	snprintf(out + j, n - j, "/s");
	return out;
}

/* "1.23x" (a / b), or "n/a" unless both are positive. */
static inline const char *bench_ratio(double a, double b, char *out, size_t n)
{
	if (a > 0 && b > 0)
		snprintf(out, n, "%.2fx", a / b);
	else
		snprintf(out, n, "n/a");
	return out;
}

/* One row: what (column wwhat wide), ours, the floor's name (wfloor wide),
 * the floor and the ratio; a floor <= 0 prints "n/a" and no ratio. */
static inline void bench_print_row(int wwhat, int wfloor, const char *what, double ours,
				   const char *floor_name, double floor)
{
	char a[32], b[32];
	if (floor > 0)
		printf("%-*s %12s   %-*s %12s   %5.2fx\n", wwhat, what, bench_human(ours, a, sizeof a), wfloor,
		       floor_name, bench_human(floor, b, sizeof b), ours / floor);
	else
		printf("%-*s %12s   %-*s %12s\n", wwhat, what, bench_human(ours, a, sizeof a), wfloor, floor_name, "n/a");
	fflush(stdout);
}

#endif
