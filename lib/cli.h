/* cli.h — the command-line edge shared by the cmd/ tools: usage errors,
 * option values (file descriptors, bounded integers) and secrets loaded from
 * --key-file / --key-fd / --mnemonic-* / the environment.
 *
 * For cmd/ only: the cli_* functions that report a problem print
 * "prog: message" on stderr (prog = mu_progname, lib/lineio.h) and exit.
 * The cli_parse_* functions only parse; they never print or exit.
 *
 * Secrets: every mu_key, buf or nip06_account filled here holds a secret; the
 * caller wipes it (key_wipe, buf_wipe, nip06_account_wipe). Copies made here
 * are wiped before returning or exiting. Messages name the source, never the
 * secret.
 */
#ifndef MU_CLI_H
#define MU_CLI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "keys.h"
#include "nip06.h"
#include "secret.h"

/* "prog: <message>" then "Try 'prog --help'." on stderr; exit 2. */
_Noreturn void cli_usage_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* A decimal integer 0..max: digits only after an optional '+' (strtoull's
 * syntax, leading blanks allowed), no '-', no overflow, no trailing text. */
bool cli_parse_u64(const char *s, uint64_t max, uint64_t *out);

/* A file descriptor 0..65535, else cli_usage_error("bad file descriptor 'S'"). */
int cli_fd(const char *s);

/* An integer 0..max for option opt, else
 * cli_usage_error("OPT: expected an integer 0..MAX, not 'S'"). */
uint64_t cli_uint(const char *opt, const char *s, uint64_t max);

/* Narrows s[0..*n) to its text without the blanks (space, tab) around it
 * and a trailing CR: how a bare value on a stdin line is read. */
void cli_trim_blanks(const char **s, size_t *n);

/* ---- secrets ---- */

/* Where a secret comes from, and how its failures are told. */
typedef struct cli_secret {
	const char *cmd;          /* message prefix ("derive"), or NULL for none */
	const char *what;         /* "key", "identity key", "mnemonic" */
	const char *file;         /* --...-file value ("-" = stdin), or NULL */
	int         fd;           /* --...-fd value, or -1 */
	const char *hint;         /* the sources listed in "no WHAT given (use HINT)" */
	int         content_exit; /* exit code when the text is not a valid secret
				     (SECRET_ERR_EMPTY/FORMAT/INVALID, a bad mnemonic or
				     passphrase): MU_EXIT_INVALID (mostro-key) or
				     MU_EXIT_CONFIG; every other problem exits 5 */
} cli_secret;

/* The hints for the usual key and mnemonic sources. */
#define CLI_KEY_HINT      "--key-file, --key-fd, $MOSTRO_SECRET_KEY or $NOSTR_SECRET_KEY"
#define CLI_MNEMONIC_HINT "--mnemonic-file, --mnemonic-fd or $MOSTRO_MNEMONIC"

/* True for the errors about the text itself (empty, not a key, not a valid key). */
bool cli_secret_is_content(secret_err e);

/* Exits with "[CMD: ]SOURCE: reason[: strerror(errno)]", SOURCE being
 * "WHAT file F" ("(stdin)" for "-"), "WHAT descriptor N" or "$ENV" (env: the
 * variable's name as secret_load_* reports it); SECRET_ERR_NONE exits with
 * "[CMD: ]no WHAT given (use HINT)". Exit code: s->content_exit for content
 * errors, else 5. */
_Noreturn void cli_secret_die(const cli_secret *s, const char *env, secret_err e);

/* secret_load_key(s->file, s->fd, ...) or cli_secret_die(). */
void cli_load_key(const cli_secret *s, mu_key *k);

/* The NIP-06 account of a mnemonic (secret_load_mnemonic(s->file, s->fd)),
 * checked against BIP-39, with $MOSTRO_PASSPHRASE. Any failure exits:
 * "[CMD: ]mnemonic: <bip39 detail>", "[CMD: ]$MOSTRO_PASSPHRASE: <reason>",
 * "[CMD: ]account A: invalid derivation (try another account)", with
 * s->content_exit; source problems as cli_secret_die(). */
void cli_load_account(const cli_secret *s, uint32_t account, nip06_account *acc);

/* ---- tools with subcommands (mostro-ln, mostro-order, mostro-store) ----
 * A table of commands, each run with argv[0] = its name. The tool's usage()
 * prints its own header and footer around cli_subcommand_list(). */
typedef struct cli_subcommand {
	const char *name;
	int       (*run)(int argc, char **argv);
	const char *summary;
} cli_subcommand;

/* "  NAME  summary" per command, names padded to width. */
void cli_subcommand_list(FILE *f, const cli_subcommand *cmds, size_t n, int width);

/* argv[0] names the command (the tool's own options already taken off):
 * runs it with getopt reset (optind = 0) and returns its status. No name:
 * usage(stderr), exit status 2; "help", "--help", "-h": usage(stdout), 0; an
 * unknown name: "prog: unknown command: NAME", usage(stderr), 2. */
int cli_subcommand_run(int argc, char **argv, const cli_subcommand *cmds, size_t n, void (*usage)(FILE *));

#endif
