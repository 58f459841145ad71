/* detail.h — the "detail" buffer of the decoders' errors (bolt11, lnurl):
 * an optional caller buffer that receives a specific message, or the error's
 * general message when there is nothing more specific to say. */
#ifndef MU_DETAIL_H
#define MU_DETAIL_H

#include <stdarg.h>
#include <stddef.h>

/* When detail is non-NULL and cap > 0: fmt formatted with ap into detail, or
 * dflt when fmt is NULL (ap is then not read). Always NUL-terminated. */
void detail_vset(char *detail, size_t cap, const char *dflt, const char *fmt, va_list ap);

#endif
