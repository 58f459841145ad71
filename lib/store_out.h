/* store_out.h — where mostro-store writes an export: standard output, or a
 * new file that appears only when complete.
 *
 * Why: an export holds every secret of the order database (hold-invoice
 * preimages, the engine's seed), and a half-written export must never pass
 * for a whole one. A file export is written to a temporary file beside the
 * destination (mkstemp: mode 0600), synced, and renamed over it on success;
 * on failure the temporary file is removed. Writes are buffered (64 KiB) and
 * retried on EINTR and short writes; the first error is kept and every later
 * write refused.
 *
 * Ownership: a store_out is closed with store_out_close (which frees it).
 * Nothing here prints or exits.
 */
#ifndef MU_STORE_OUT_H
#define MU_STORE_OUT_H

#include <stdbool.h>
#include <stddef.h>

#include "buf.h"

typedef struct store_out {
	int   fd;
	buf   b;
	char *tmp;      /* temporary file (file mode), else NULL */
	char *dest;
	int   err;      /* errno of the first failure, 0 if none */
} store_out;

/* Writing to an open descriptor (standard output). */
void store_out_fd(store_out *o, int fd);
/* Writing to dest through a temporary file beside it. */
bool store_out_file(store_out *o, const char *dest, char *err, size_t cap);
/* Appends line and '\n' (a store_line_fn: ctx is the store_out). */
bool store_out_line(void *ctx, const char *line, size_t n);
/* commit: flush (and for a file: fsync, rename, sync the directory).
 * !commit: drop a file's temporary. False with err when anything failed. */
bool store_out_close(store_out *o, bool commit, char *err, size_t cap);

#endif
