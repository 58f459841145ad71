/* buf.h — a growable byte buffer.
 *
 * Ownership: a buf owns its bytes. buf_free() releases them; buf_wipe() zeroes
 * them first (use it for anything that held a secret). The bytes are always
 * NUL-terminated (b->p[b->len] == 0) once anything was written, so b->p can be
 * used as a C string when the content has no embedded NUL.
 * Allocation failure aborts the process (out-of-memory is not recoverable here).
 */
#ifndef MU_BUF_H
#define MU_BUF_H

#include <stddef.h>
#include <stdint.h>

typedef struct buf {
	char  *p;
	size_t len;
	size_t cap;
} buf;

#define BUF_INIT {0, 0, 0}

void buf_reserve(buf *b, size_t extra);
void buf_put(buf *b, const void *data, size_t n);
void buf_puts(buf *b, const char *s);
void buf_putc(buf *b, char c);
void buf_printf(buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void buf_put_u64(buf *b, uint64_t v);
void buf_put_i64(buf *b, int64_t v);
void buf_reset(buf *b);             /* len = 0, keeps the allocation */
void buf_free(buf *b);
void buf_wipe(buf *b);              /* zero the whole allocation, then free */
char *buf_steal(buf *b);            /* hand the NUL-terminated bytes to the caller */

void *mu_xmalloc(size_t n);
void *mu_xrealloc(void *p, size_t n);
char *mu_xstrdup(const char *s);
char *mu_xstrndup(const char *s, size_t n);

#endif
