/* cli.c — see cli.h. */
#include "cli.h"

#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sodium.h>

#include "bip39.h"
#include "exitcode.h"
#include "lineio.h"

void cli_usage_error(const char *fmt, ...)
{
	va_list ap;
	fprintf(stderr, "%s: ", mu_progname);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\nTry '%s --help'.\n", mu_progname);
	exit(MU_EXIT_USAGE);
}

bool cli_parse_u64(const char *s, uint64_t max, uint64_t *out)
{
	char *end;
	errno = 0;
	unsigned long long v = strtoull(s, &end, 10);
	if (errno || *end || end == s || *s == '-' || v > max)
		return false;
	*out = v;
	return true;
}

int cli_fd(const char *s)
{
	uint64_t v;
	if (!cli_parse_u64(s, 65535, &v))
		cli_usage_error("bad file descriptor '%s'", s);
	return (int)v;
}

uint64_t cli_uint(const char *opt, const char *s, uint64_t max)
{
	uint64_t v;
	if (!cli_parse_u64(s, max, &v))
		cli_usage_error("%s: expected an integer 0..%llu, not '%s'", opt, (unsigned long long)max, s);
	return v;
}

void cli_trim_blanks(const char **s, size_t *n)
{
	const char *p = *s;
	size_t len = *n;
	while (len && (p[len - 1] == ' ' || p[len - 1] == '\t' || p[len - 1] == '\r'))
		len--;
	while (len && (*p == ' ' || *p == '\t'))
		p++, len--;
	*s = p;
	*n = len;
}

/* ---- secrets ---- */

bool cli_secret_is_content(secret_err e)
{
	return e == SECRET_ERR_FORMAT || e == SECRET_ERR_INVALID || e == SECRET_ERR_EMPTY;
}

/* "prog: [cmd: ]message" on stderr, exit code. */
static _Noreturn void die_in(const cli_secret *s, int code, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static _Noreturn void die_in(const cli_secret *s, int code, const char *fmt, ...)
{
	char msg[768];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	if (s->cmd)
		die(code, "%s: %s", s->cmd, msg);
	die(code, "%s", msg);
}

void cli_secret_die(const cli_secret *s, const char *env, secret_err e)
{
	int saved = errno;
	if (e == SECRET_ERR_NONE)
		die_in(s, MU_EXIT_CONFIG, "no %s given (use %s)", s->what, s->hint);
	char src[512];
	if (s->file)
		snprintf(src, sizeof src, "%s file %s", s->what, strcmp(s->file, "-") ? s->file : "(stdin)");
	else if (s->fd >= 0)
		snprintf(src, sizeof src, "%s descriptor %d", s->what, s->fd);
	else
		snprintf(src, sizeof src, "$%s", env ? env : "?");
	int code = cli_secret_is_content(e) ? s->content_exit : MU_EXIT_CONFIG;
	if (e == SECRET_ERR_OPEN)
		die_in(s, code, "%s: %s: %s", src, secret_strerror(e), strerror(saved));
	die_in(s, code, "%s: %s", src, secret_strerror(e));
}

void cli_load_key(const cli_secret *s, mu_key *k)
{
	const char *from = NULL;
	secret_err e = secret_load_key(s->file, s->fd, k, &from);
	if (e) {
		key_wipe(k);
		cli_secret_die(s, from, e);
	}
}

void cli_load_account(const cli_secret *s, uint32_t account, nip06_account *acc)
{
	buf m = BUF_INIT;
	const char *from = NULL;
	secret_err se = secret_load_mnemonic(s->file, s->fd, &m, &from);
	if (se) {
		buf_wipe(&m);
		cli_secret_die(s, from, se);
	}
	bip39_error be;
	if (bip39_check(m.p, m.len, NULL, NULL, &be)) {
		char msg[160];
		bip39_describe(&be, msg, sizeof msg);
		buf_wipe(&m);
		die_in(s, s->content_exit, "mnemonic: %s", msg);
	}
	const char *pass = getenv("MOSTRO_PASSPHRASE");
	uint8_t seed[BIP39_SEED_LEN];
	bip39_err pe = bip39_seed(m.p, m.len, pass, pass ? strlen(pass) : 0, seed);
	buf_wipe(&m);
	if (pe) {
		sodium_memzero(seed, sizeof seed);
		die_in(s, s->content_exit, "$MOSTRO_PASSPHRASE: %s", bip39_strerror(pe));
	}
	bool ok = nip06_account_init(acc, seed, sizeof seed, account);
	sodium_memzero(seed, sizeof seed);
	if (!ok) {
		nip06_account_wipe(acc);
		die_in(s, s->content_exit, "account %u: invalid derivation (try another account)", account);
	}
}

void cli_subcommand_list(FILE *f, const cli_subcommand *cmds, size_t n, int width)
{
	for (size_t i = 0; i < n; i++)
		fprintf(f, "  %-*s %s\n", width, cmds[i].name, cmds[i].summary);
}

int cli_subcommand_run(int argc, char **argv, const cli_subcommand *cmds, size_t n, void (*usage)(FILE *))
{
	if (argc < 1) {
		usage(stderr);
		return MU_EXIT_USAGE;
	}
	const char *name = argv[0];
	if (strcmp(name, "help") == 0 || strcmp(name, "--help") == 0 || strcmp(name, "-h") == 0) {
		usage(stdout);
		return MU_EXIT_OK;
	}
	for (size_t i = 0; i < n; i++)
		if (strcmp(name, cmds[i].name) == 0) {
			optind = 0;      /* getopt starts afresh on the command's arguments */
			return cmds[i].run(argc, argv);
		}
	report("unknown command: %s", name);
	usage(stderr);
	return MU_EXIT_USAGE;
}
