/* t.h — a small TAP producer for the C unit tests.
 *
 * Each check prints "ok N - name" or "not ok N - name" (with a diagnostic line
 * "# ..." for failures); t_done() prints the plan and returns the exit status.
 * Vector files are found under $MOSTRO_VECTORS (default tests/vectors).
 * t_jsonl() iterates a .jsonl file, handing each parsed record to a callback.
 */
#ifndef MU_T_H
#define MU_T_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <jv.h>

void t_ok(bool cond, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void t_diag(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* t_eq_str: ok when a == b (both NUL-terminated; NULL never equals). */
void t_eq_str(const char *got, const char *want, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
void t_eq_int(long long got, long long want, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
void t_eq_hex(const uint8_t *got, size_t n, const char *want_hex, const char *fmt, ...) __attribute__((format(printf, 4, 5)));
int t_done(void);

/* Path of a vector file: $MOSTRO_VECTORS/name. Static buffer. */
const char *t_vector(const char *name);
/* Reads a whole file (NUL-terminated, malloc'd); aborts the test run if missing. */
char *t_slurp(const char *path, size_t *len);
/* Calls fn(record, lineno, ctx) for every line of a JSONL vector file. The
 * record is borrowed. Returns the number of records. */
int t_jsonl(const char *name, void (*fn)(jv rec, int lineno, void *ctx), void *ctx);
/* Hex string field of a record decoded into out (n bytes); false if absent/bad. */
bool t_hexfield(jv rec, const char *key, uint8_t *out, size_t n);

#endif
