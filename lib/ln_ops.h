/* ln_ops.h — the JSON-lines op protocol of `mostro-ln run` (man mostro-ln,
 * "RUN PROTOCOL"): request parsing and validation, op dispatch onto a backend
 * (ln.h), the logic shared by every backend (mostrod's payment steps, the
 * duplicate guard, stream reconnects), and the output records.
 *
 * Input:   {"id":ID,"op":NAME,...params}             ID: string or integer
 * Output:  {"type":"ln_result","id":ID,"op":NAME,"ok":true,"result":{...}}
 *          {"type":"ln_result","id":ID,"op":NAME,"ok":false,"error":{"kind",...}}
 *          {"type":"ln_event","id":ID,"op":NAME,"event":{...}}   (streams)
 * Every request gets exactly one ln_result; streams end with a result whose
 * "end" says why ("terminal", "cancelled", "closed", "shutdown").
 *
 * Ownership: records are handed to the emit callback, which consumes them.
 * ln_ops borrows the backend and the loop (the caller frees them after
 * ln_ops_free). A request's state lives until its ln_result is emitted.
 */
#ifndef MU_LN_OPS_H
#define MU_LN_OPS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <jv.h>

#include "ln.h"

typedef struct ln_ops_config {
	double   max_routing_fee;             /* fee cap above 1000 sat (0.002) */
	uint64_t min_payment_amount;          /* sat (100) */
	uint64_t invoice_expiration_window;   /* s (3600) */
	uint32_t max_final_cltv_expiry_delta; /* blocks (432) */
	uint32_t hold_cltv_delta;             /* default cltv_expiry of hold invoices (144) */
	uint64_t hold_expiry_secs;            /* default expiry of hold invoices (86400) */
	uint32_t guard_ms;                    /* duplicate-payment guard bound (2000) */
	uint32_t status_timeout_ms;           /* payment_status bound (10000) */
	uint32_t reconnect_min_ms;            /* stream reconnect backoff: first delay (250) */
	uint32_t reconnect_max_ms;            /* ... and ceiling (30000) */
} ln_ops_config;

void ln_ops_config_defaults(ln_ops_config *c);

typedef struct ln_ops ln_ops;
typedef void (*ln_emit_fn)(void *ctx, jv record);   /* consumes record */

ln_ops *ln_ops_new(ln_backend *b, const ln_ops_config *cfg, ln_emit_fn emit, void *ctx);
/* Aborts whatever is still running without emitting anything, frees o.
 * LNURL threads are told to stop and joined (within about a second). */
void ln_ops_free(ln_ops *o);

/* One input line (lineno for diagnostics). A line that is not a request
 * object gets an ln_result error with "id":null and counts as failed. */
void ln_ops_line(ln_ops *o, const char *line, size_t n, unsigned long lineno);

/* A line the reader could not deliver (too long): an invalid_request result
 * with "id":null, counted as failed. */
void ln_ops_bad_line(ln_ops *o, unsigned long lineno, const char *why);

/* Requests whose ln_result has not been emitted yet. */
size_t ln_ops_active(const ln_ops *o);
/* Input lines refused as invalid_request (bad JSON, unknown op, bad params). */
unsigned long ln_ops_failed_lines(const ln_ops *o);

/* Input ended: every open watch ends now with {"end":"shutdown"}; other ops
 * (payments included) keep running. */
void ln_ops_shutdown(ln_ops *o);
/* Gives up on everything still running: each gets a "timeout" error
 * ("shutting down; state unknown"); LNURL GETs under way are stopped. */
void ln_ops_abandon(ln_ops *o);

/* Names of the ops, for --help and completions. NULL-terminated. */
extern const char *const ln_op_names[];

#endif
