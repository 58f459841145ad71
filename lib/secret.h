/* secret.h — where secrets come from (DESIGN §3), and nowhere else.
 *
 * Sources, in precedence order: a file (--key-file F; "-" = stdin) that must be
 * a regular file or pipe with no group/other permission bits (0600/0400), a file
 * descriptor (--key-fd N), then environment variables. Never argv.
 * Secret text is hex (64 digits) or nsec1 bech32; surrounding whitespace is
 * ignored. Mnemonics come from --mnemonic-file / --mnemonic-fd / MOSTRO_MNEMONIC.
 *
 * Ownership: every buf or mu_key filled here holds a secret; the caller wipes
 * it with buf_wipe()/key_wipe(). Internal copies are wiped before returning.
 */
#ifndef MU_SECRET_H
#define MU_SECRET_H

#include <stdbool.h>
#include <stddef.h>

#include "buf.h"
#include "keys.h"

typedef enum secret_err {
	SECRET_OK = 0,
	SECRET_ERR_NONE,       /* no source was given and no environment variable is set */
	SECRET_ERR_OPEN,       /* cannot open or read the file / descriptor */
	SECRET_ERR_MODE,       /* the key file is readable by group or others */
	SECRET_ERR_TYPE,       /* not a regular file or pipe */
	SECRET_ERR_EMPTY,      /* the source is empty */
	SECRET_ERR_TOO_LONG,   /* more than 4 KiB: not a key file */
	SECRET_ERR_FORMAT,     /* neither 64 hex digits nor an nsec1 string */
	SECRET_ERR_INVALID,    /* zero or not below the curve order */
	SECRET_ERR_EXISTS,     /* secret_write_file: the file already exists */
} secret_err;

const char *secret_strerror(secret_err e);

/* Reads a secret's text (trimmed) from a file path ("-" = stdin) or an fd. */
secret_err secret_read_file(const char *path, buf *out);
secret_err secret_read_fd(int fd, buf *out);

/* Parses 64 hex digits (either case) or nsec1... into a key. */
secret_err secret_parse_key(const char *s, size_t n, mu_key *k);

/* Loads a signing key: file if non-NULL, else fd if >= 0, else the first set
 * of $MOSTRO_SECRET_KEY, $NOSTR_SECRET_KEY. `from` (may be NULL) receives a
 * human description of the source for messages: "key file", "key descriptor",
 * or the environment variable's name ("MOSTRO_SECRET_KEY"). */
secret_err secret_load_key(const char *file, int fd, mu_key *k, const char **from);

/* Loads a mnemonic (whitespace-normalized to single spaces): file, fd, or
 * $MOSTRO_MNEMONIC. */
secret_err secret_load_mnemonic(const char *file, int fd, buf *out, const char **from);

/* Writes a new secret file: s[0..n) as path, mode 0600, parent directories
 * created 0700, through safefile_write (SAFEFILE_EXCLUSIVE): the file appears
 * whole or not at all, and nothing that has the name (a file, a symlink, a
 * dangling symlink) is replaced or followed (SECRET_ERR_EXISTS). Other
 * failures are SECRET_ERR_OPEN with errno set. */
secret_err secret_write_file(const char *path, const void *s, size_t n);

#endif
