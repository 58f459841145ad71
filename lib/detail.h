/* detail.h — the "detail" buffer of the parsers' typed errors (event, filter,
 * nip19, bolt11, lnurl, envelopes): an optional caller buffer (NULL or cap 0:
 * nothing written) that receives a specific message, or the error's general
 * message when there is nothing more specific to say. The caller owns it. */
#ifndef MU_DETAIL_H
#define MU_DETAIL_H

#include <stdarg.h>
#include <stddef.h>

/* When detail is non-NULL and cap > 0: fmt formatted with ap into detail, or
 * dflt when fmt is NULL (ap is then not read). Always NUL-terminated. */
void detail_vset(char *detail, size_t cap, const char *dflt, const char *fmt, va_list ap);

/* fmt formatted into detail when detail is non-NULL and cap > 0. */
void detail_set(char *detail, size_t cap, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* An expression: fill the detail, then yield the error code e. For parsers'
 * "return DETAIL_FAIL(ERR_X, detail, cap, "why %d", n);". */
#define DETAIL_FAIL(e, detail, cap, ...) (detail_set((detail), (cap), __VA_ARGS__), (e))

#endif
