/* detail.h — the "detail" buffer of the parsers' typed errors (event, filter,
 * nip19, bolt11, lnurl, envelopes): an optional caller buffer (NULL or cap 0:
 * nothing written) that receives a specific message, or the error's general
 * message when there is nothing more specific to say. The caller owns it.
 *
 * Messages may echo input text, and a message cut to fit its buffer is cut on
 * a UTF-8 character boundary, never inside a character: a relay sends these
 * texts in NOTICE, CLOSED and OK frames, and a text frame that is not valid
 * UTF-8 makes strict clients (browsers, node ws) drop the connection. */
#ifndef MU_DETAIL_H
#define MU_DETAIL_H

#include <stdarg.h>
#include <stddef.h>

/* The length of the longest prefix of s[0..n) that does not end inside a
 * UTF-8 character (n unless the last bytes begin a character they do not
 * complete). Cut text here, not at a bare byte limit. */
size_t detail_utf8_prefix(const char *s, size_t n);

/* When detail is non-NULL and cap > 0: fmt formatted with ap into detail, or
 * dflt when fmt is NULL (ap is then not read). Always NUL-terminated; a
 * message longer than cap - 1 bytes is cut on a character boundary. */
void detail_vset(char *detail, size_t cap, const char *dflt, const char *fmt, va_list ap);

/* fmt formatted into detail when detail is non-NULL and cap > 0 (cut on a
 * character boundary). */
void detail_set(char *detail, size_t cap, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* An expression: fill the detail, then yield the error code e. For parsers'
 * "return DETAIL_FAIL(ERR_X, detail, cap, "why %d", n);". */
#define DETAIL_FAIL(e, detail, cap, ...) (detail_set((detail), (cap), __VA_ARGS__), (e))

#endif
