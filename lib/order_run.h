/* order_run.h — the engine loop of `mostro-order run` and `replay`
 * (docs/ENGINE.md, man mostro-order RUN PROTOCOL).
 *
 * Why here and not in cmd/: the loop is the engine's exactly-once machinery
 * (one transaction per input or per group of ready inputs, the outbox, the
 * Lightning intents and their reconciliation at start, the input log), and
 * tests drive it directly. cmd/mostro-order/run.c only parses options.
 *
 * Ownership: the options are borrowed for the duration of the call; the
 * config is copied. The functions print diagnostics on standard error
 * ("mostro-order: ...") and return an exit code (lib/exitcode.h); they never
 * exit the process, except at an injected crash point (MOSTRO_ORDER_CRASH,
 * tests only), where the process kills itself with SIGKILL.
 */
#ifndef MU_ORDER_RUN_H
#define MU_ORDER_RUN_H

#include <stdbool.h>
#include <stddef.h>

#include "order_config.h"

typedef struct order_run_opts {
	const char        *db_path;       /* the order database (created 0600) */
	const order_config *cfg;
	bool               use_stdin;     /* read standard input (default true) */
	const char *const *inputs;        /* --input PATHs (FIFOs kept open, files read to EOF) */
	size_t             n_inputs;
	int                ln_out_fd;     /* --ln-out FD; -1: see ln_out_path */
	const char        *ln_out_path;   /* --ln-out PATH (opened after the inputs); NULL and
					     ln_out_fd -1: LN ops on standard output */
	const char        *log_path;      /* --log: every input record, appended (0600) */
	const char        *ctl_socket;    /* --ctl-socket: UNIX socket path, or NULL */
	bool               clock_system;  /* --clock system: the engine writes its own ticks */
	int                batch;         /* inputs per transaction at most (default 256) */
	const char        *seed_hex;      /* --seed-file: the seed of a new database (64 hex) */
	bool               ack;           /* --ack: refs on wrap lines, kept until published
					     (lib/order_outbox.h) */
	double             ack_wait;      /* --ack-wait: seconds to wait for them at the end */
} order_run_opts;

/* Runs until every input that can end has ended (standard input, files,
 * pipes) or SIGTERM/SIGINT. Exit: 0, 123 when some input lines were bad,
 * 5 when the database cannot be opened, 3 when an output is gone. */
int order_run(const order_run_opts *o);

/* Re-runs a log written by --log on the database o->db_path (":memory:" for a
 * fresh one), printing the outputs as the run did. */
int order_replay(const char *log_path, const order_run_opts *o);

/* ---- in-process use (tests, fuzzing, benchmarks) ----
 * An engine on a database with no descriptors: input lines go in one at a
 * time (each its own transaction, as --batch 1) and what would have been
 * written (wrap and ln lines, in order, '\n'-terminated) collects in memory.
 * Diagnostics still go to standard error unless quiet. */
typedef struct engine order_engine;
order_engine *order_engine_new(const char *db_path, const order_config *cfg, const char *seed_hex, bool quiet);
/* The start: unwritten outbox, open intents re-issued, get_info. */
void order_engine_start(order_engine *e);
void order_engine_input(order_engine *e, const char *line, size_t len);
/* The collected output (NUL-terminated; cleared by order_engine_clear_output). */
const char *order_engine_output(order_engine *e, size_t *len);
void order_engine_clear_output(order_engine *e);
void order_engine_free(order_engine *e);

#endif
