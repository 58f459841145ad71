/* mostro-key — BIP-39 mnemonics, NIP-06 keys, NIP-19 encode/decode.
 * See man/mostro-key.1. Logic lives in lib/ (bip39, nip06, nip19, keyrec,
 * secret); this file parses options, runs the loops and picks exit codes. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>
#include <sodium.h>

#include "bip39.h"
#include "cli.h"
#include "exitcode.h"
#include "hex.h"
#include "json.h"
#include "keyrec.h"
#include "lineio.h"
#include "nip06.h"
#include "nip19.h"
#include "secret.h"

static const char usage_text[] =
	"Usage: mostro-key COMMAND [OPTION]... [VALUE]...\n"
	"BIP-39 mnemonics, NIP-06 keys (m/44'/1237'/38383'/0/N) and NIP-19 strings.\n"
	"\n"
	"Commands:\n"
	"  new [--words N] [--out FILE]       a fresh mnemonic of N = 12 (default), 15, 18, 21\n"
	"                                     or 24 words (to FILE: 0600, never overwritten)\n"
	"  derive [--index N|A-B] [--account A] [--secret]\n"
	"         [--mnemonic-file F | --mnemonic-fd N]\n"
	"                                     NIP-06 keys from $MOSTRO_MNEMONIC or the source\n"
	"  pub [--key-file F | --key-fd N]    public key of a secret key (hex or nsec)\n"
	"  encode TYPE [VALUE]...             npub|note HEX, nprofile|nevent|naddr JSON;\n"
	"                                     nsec only from stdin, --key-file or --key-fd\n"
	"  decode [VALUE]...                  any NIP-19 string (\"nostr:\" prefix allowed);\n"
	"                                     nsec only from stdin\n"
	"Without VALUEs, encode and decode read one value per line from stdin.\n"
	"mostro-key COMMAND --help describes one command.\n"
	"\n"
	"Environment: MOSTRO_MNEMONIC, MOSTRO_PASSPHRASE, MOSTRO_SECRET_KEY, NOSTR_SECRET_KEY.\n"
	"Exit: 0 ok, 1 refused (file exists), 2 usage, 4 invalid input, 5 configuration,\n"
	"      123 some stdin lines failed. See mostro-key(1).\n";

/* ---- per-command usage (COMMAND --help) ---- */

static const char new_usage[] =
	"Usage: mostro-key new [--words 12|15|18|21|24] [--out FILE]\n"
	"A fresh BIP-39 mnemonic from the system's randomness (default 12 words).\n"
	"\n"
	"  --words N     12, 15, 18, 21 or 24 words\n"
	"  --out FILE    write the mnemonic to FILE instead (created 0600, parent\n"
	"                directories 0700, never overwritten) and print a\n"
	"                {\"type\":\"mnemonic-file\",...} record\n"
	"\n"
	"Exit: 0 ok, 1 FILE exists, 2 usage, 5 FILE cannot be written. See mostro-key(1).\n";

static const char derive_usage[] =
	"Usage: mostro-key derive [--index N|A-B] [--account A] [--secret]\n"
	"                         [--mnemonic-file F | --mnemonic-fd N]\n"
	"NIP-06 keys m/44'/1237'/A'/0/N of a BIP-39 mnemonic, one record per index.\n"
	"\n"
	"  --index N|A-B       an index or an inclusive range (default 0)\n"
	"  --account A         the account (default 38383, Mostro's)\n"
	"  --secret            also print the secret key (hex and nsec)\n"
	"  --mnemonic-file F   read the mnemonic from F (mode 0600; \"-\" = stdin)\n"
	"  --mnemonic-fd N     read the mnemonic from file descriptor N\n"
	"The default source is $MOSTRO_MNEMONIC; the passphrase is $MOSTRO_PASSPHRASE.\n"
	"The mnemonic never goes on the command line.\n"
	"\n"
	"Exit: 0 ok, 2 usage, 4 invalid mnemonic or passphrase, 5 no source or an\n"
	"      unreadable one, 123 an index gave no key. See mostro-key(1).\n";

static const char pub_usage[] =
	"Usage: mostro-key pub [--key-file F | --key-fd N]\n"
	"The public key (hex and npub) of a secret key (64 hex digits or nsec).\n"
	"\n"
	"  --key-file F   read the secret key from F (mode 0600; \"-\" = stdin)\n"
	"  --key-fd N     read the secret key from file descriptor N\n"
	"The default source is $MOSTRO_SECRET_KEY, then $NOSTR_SECRET_KEY.\n"
	"\n"
	"Exit: 0 ok, 2 usage, 4 not a valid key, 5 no source or an unreadable one.\n"
	"See mostro-key(1).\n";

static const char encode_usage[] =
	"Usage: mostro-key encode TYPE [VALUE]...\n"
	"       mostro-key encode nsec [--key-file F | --key-fd N]\n"
	"NIP-19 strings: npub and note from 64 hex digits; nprofile, nevent and naddr\n"
	"from JSON (the fields decode prints). Without VALUEs, one value per stdin line.\n"
	"An nsec's secret comes from stdin, --key-file or --key-fd, never the command line.\n"
	"\n"
	"Exit: 0 ok, 2 usage, 4 an argument is invalid, 5 key source problem,\n"
	"      123 some stdin lines failed. See mostro-key(1).\n";

static const char decode_usage[] =
	"Usage: mostro-key decode [VALUE]...\n"
	"Any NIP-19 string (npub, nsec, note, nprofile, nevent, naddr; a \"nostr:\"\n"
	"prefix is allowed) to one JSON record. Without VALUEs, one value per stdin line.\n"
	"An nsec is a secret: only from stdin, never the command line.\n"
	"\n"
	"Exit: 0 ok, 2 usage, 4 an argument is invalid, 123 some stdin lines failed.\n"
	"See mostro-key(1).\n";

/* What --help prints: the running command's usage, else the general one. */
static const char *help_text = usage_text;

/* ---- output: stdout's buffer is ours, so secrets printed through it can be wiped ---- */

static char stdout_buf[BUFSIZ];

static void wipe_stdout(void)
{
	fflush(stdout);
	sodium_memzero(stdout_buf, sizeof stdout_buf);
}

/* Prints b as one line and releases it (wiped: records may hold secrets).
 * False when stdout is gone. */
static bool emit(buf *b)
{
	bool ok = out_line(b->p, b->len);
	buf_wipe(b);
	return ok;
}

static void help_requested(void)
{
	fputs(help_text, stdout);
	exit(MU_EXIT_OK);
}

/* Long options only (plus -h). */
enum { OPT_HELP = 'h', OPT_WORDS = 256, OPT_OUT, OPT_INDEX, OPT_ACCOUNT, OPT_SECRET,
       OPT_MFILE, OPT_MFD, OPT_KFILE, OPT_KFD };

/* getopt_long over argv[0..argc) where argv[0] is the command name. */
static int next_opt(int argc, char **argv, const struct option *opts)
{
	opterr = 0;
	int c = getopt_long(argc, argv, ":h", opts, NULL);
	if (c == '?')
		cli_usage_error("%s: unknown option '%s'", argv[0], argv[optind - 1]);
	if (c == ':')
		cli_usage_error("%s: option '%s' needs a value", argv[0], argv[optind - 1]);
	if (c == OPT_HELP)
		help_requested();
	return c;
}

/* ---- new ---- */

/* --words: the mnemonic lengths BIP-39 defines (bip39_generate takes them all). */
static int words_arg(const char *s)
{
	static const char *const counts[] = {"12", "15", "18", "21", "24"};
	for (size_t i = 0; i < sizeof counts / sizeof *counts; i++)
		if (strcmp(s, counts[i]) == 0)
			return atoi(s);
	cli_usage_error("new: --words must be 12, 15, 18, 21 or 24, not '%s'", s);
}

static int cmd_new(int argc, char **argv)
{
	static const struct option opts[] = {
		{"words", required_argument, NULL, OPT_WORDS}, {"out", required_argument, NULL, OPT_OUT},
		{"help", no_argument, NULL, OPT_HELP}, {0, 0, 0, 0}};
	int words = 12, c;
	const char *out = NULL;
	while ((c = next_opt(argc, argv, opts)) != -1) {
		if (c == OPT_WORDS) {
			words = words_arg(optarg);
		} else if (c == OPT_OUT) {
			out = optarg;
		}
	}
	if (optind < argc)
		cli_usage_error("new: unexpected argument '%s'", argv[optind]);

	buf m = BUF_INIT, rec = BUF_INIT;
	bip39_generate(words, &m);
	buf_reserve(&rec, m.len + 64 + (out ? strlen(out) : 0));
	if (out) {
		buf_putc(&m, '\n');
		secret_err e = secret_write_file(out, m.p, m.len);
		int saved = errno;
		buf_wipe(&m);
		if (e == SECRET_ERR_EXISTS)
			die(MU_EXIT_REFUSED, "new: %s: file already exists (not overwritten)", out);
		if (e)
			die(MU_EXIT_CONFIG, "new: cannot create %s: %s", out, strerror(saved));
		buf_puts(&rec, "{\"type\":\"mnemonic-file\",\"path\":");
		json_write_string(&rec, out, strlen(out));
		buf_printf(&rec, ",\"words\":%d}", words);
	} else {
		buf_printf(&rec, "{\"type\":\"mnemonic\",\"words\":%d,\"mnemonic\":", words);
		json_write_string(&rec, m.p, m.len);
		buf_putc(&rec, '}');
		buf_wipe(&m);
	}
	emit(&rec);
	return MU_EXIT_OK;
}

/* ---- derive ---- */

static int cmd_derive(int argc, char **argv)
{
	static const struct option opts[] = {
		{"index", required_argument, NULL, OPT_INDEX}, {"account", required_argument, NULL, OPT_ACCOUNT},
		{"secret", no_argument, NULL, OPT_SECRET}, {"mnemonic-file", required_argument, NULL, OPT_MFILE},
		{"mnemonic-fd", required_argument, NULL, OPT_MFD}, {"help", no_argument, NULL, OPT_HELP},
		{0, 0, 0, 0}};
	uint32_t first = 0, last = 0, account = NIP06_MOSTRO_ACCOUNT, a2;
	bool with_secret = false;
	const char *file = NULL;
	int fd = -1, c;
	while ((c = next_opt(argc, argv, opts)) != -1) {
		switch (c) {
		case OPT_INDEX:
			if (!nip06_index_range_parse(optarg, &first, &last))
				cli_usage_error("derive: --index must be N or A-B with 0 <= A <= B <= 2147483647, not '%s'", optarg);
			break;
		case OPT_ACCOUNT:
			if (!nip06_index_range_parse(optarg, &account, &a2) || a2 != account)
				cli_usage_error("derive: --account must be 0..2147483647, not '%s'", optarg);
			break;
		case OPT_SECRET: with_secret = true; break;
		case OPT_MFILE: file = optarg; break;
		case OPT_MFD: fd = cli_fd(optarg); break;
		}
	}
	if (optind < argc)
		cli_usage_error("derive: unexpected argument '%s' (the mnemonic never goes on the command line)", argv[optind]);
	if (file && fd >= 0)
		cli_usage_error("derive: give --mnemonic-file or --mnemonic-fd, not both");

	const cli_secret src = { "derive", "mnemonic", file, fd, CLI_MNEMONIC_HINT, MU_EXIT_INVALID };
	nip06_account acc;
	cli_load_account(&src, account, &acc);
	int rc = MU_EXIT_OK;
	for (uint64_t i = first; i <= last; i++) {
		mu_key k;
		if (!nip06_account_key(&acc, (uint32_t)i, &k)) {   /* ~2^-127: BIP-32 says skip it */
			report("derive: index %llu gives no valid key; skipped", (unsigned long long)i);
			rc = MU_EXIT_PARTIAL;
			continue;
		}
		buf rec = BUF_INIT;
		keyrec_write_derived(&rec, &k, account, (uint32_t)i, with_secret);
		key_wipe(&k);
		if (!emit(&rec))
			break;
	}
	nip06_account_wipe(&acc);
	return rc;
}

/* ---- pub ---- */

/* The options of pub and encode: --key-file F, --key-fd N (and --help). */
static void key_source_opts(int argc, char **argv, const char **file, int *fd)
{
	static const struct option opts[] = {
		{"key-file", required_argument, NULL, OPT_KFILE}, {"key-fd", required_argument, NULL, OPT_KFD},
		{"help", no_argument, NULL, OPT_HELP}, {0, 0, 0, 0}};
	int c;
	while ((c = next_opt(argc, argv, opts)) != -1) {
		if (c == OPT_KFILE)
			*file = optarg;
		else if (c == OPT_KFD)
			*fd = cli_fd(optarg);
	}
}

static int cmd_pub(int argc, char **argv)
{
	const char *file = NULL;
	int fd = -1;
	key_source_opts(argc, argv, &file, &fd);
	if (optind < argc)
		cli_usage_error("pub: unexpected argument '%s' (secrets never go on the command line)", argv[optind]);
	if (file && fd >= 0)
		cli_usage_error("pub: give --key-file or --key-fd, not both");
	const cli_secret src = { "pub", "key", file, fd, CLI_KEY_HINT, MU_EXIT_INVALID };
	mu_key k;
	cli_load_key(&src, &k);
	buf rec = BUF_INIT;
	keyrec_write(&rec, &k, false);
	key_wipe(&k);
	emit(&rec);
	return MU_EXIT_OK;
}

/* ---- encode / decode: one value -> one record ---- */

typedef bool (*value_fn)(const char *s, size_t n, const void *ctx, char *err, size_t errlen);

/* Runs fn over argv values (any failure: exit 4) or, with none, over stdin
 * lines (failures reported per line, exit 123 at the end). */
static int run_values(const char *cmd, char **vals, int nvals, value_fn fn, const void *ctx, bool secret_lines)
{
	char err[256];
	int failed = 0;
	if (nvals > 0) {
		for (int i = 0; i < nvals; i++)
			if (!fn(vals[i], strlen(vals[i]), ctx, err, sizeof err)) {
				report("%s: argument %d: %s", cmd, i + 1, err);
				failed++;
			}
		return failed ? MU_EXIT_INVALID : MU_EXIT_OK;
	}
	line_reader r;
	line_reader_init(&r, 0, 64 * 1024);
	r.wipe = secret_lines;
	const char *line;
	size_t len;
	line_status st;
	while ((st = line_read(&r, &line, &len)) != LINE_EOF) {
		if (st == LINE_IO) {
			report("%s: reading stdin: %s", cmd, strerror(errno));
			failed++;
			break;
		}
		if (st == LINE_TOO_LONG) {
			report_line(r.lineno, "%s: line too long", cmd);
			failed++;
			continue;
		}
		if (!fn(line, len, ctx, err, sizeof err)) {
			report_line(r.lineno, "%s: %s", cmd, err);
			failed++;
		}
	}
	line_reader_free(&r);
	return failed ? MU_EXIT_PARTIAL : MU_EXIT_OK;
}

static bool encode_value(const char *s, size_t n, const void *ctx, char *err, size_t errlen)
{
	nip19_type t = *(const nip19_type *)ctx;
	nip19 d;
	nip19_err e = nip19_from_text(t, s, n, &d, err, errlen);
	buf rec = BUF_INIT;
	if (!e) {
		buf_printf(&rec, "{\"type\":\"%s\",\"bech32\":\"", nip19_type_name(t));
		e = nip19_encode(&rec, &d, err, errlen);
		buf_puts(&rec, "\"}");
	}
	nip19_free(&d);
	if (e) {
		buf_free(&rec);
		return false;
	}
	emit(&rec);
	return true;
}

static void nsec_record(buf *rec, const mu_key *k)
{
	buf_reserve(rec, 128);
	buf_puts(rec, "{\"type\":\"nsec\",\"bech32\":\"");
	nip19_encode_bytes32(rec, NIP19_NSEC, k->sk);
	buf_puts(rec, "\"}");
}

static bool encode_nsec_value(const char *s, size_t n, const void *ctx, char *err, size_t errlen)
{
	(void)ctx;
	cli_trim_blanks(&s, &n);
	mu_key k;
	secret_err e = secret_parse_key(s, n, &k);
	if (e) {
		snprintf(err, errlen, "%s", secret_strerror(e));
		return false;
	}
	buf rec = BUF_INIT;
	nsec_record(&rec, &k);
	key_wipe(&k);
	emit(&rec);
	return true;
}

static int cmd_encode(int argc, char **argv)
{
	const char *file = NULL;
	int fd = -1;
	key_source_opts(argc, argv, &file, &fd);
	if (optind >= argc)
		cli_usage_error("encode: missing TYPE (npub, nsec, note, nprofile, nevent, naddr)");
	nip19_type t;
	if (!nip19_type_from_name(argv[optind], &t))
		cli_usage_error("encode: unknown TYPE '%s' (npub, nsec, note, nprofile, nevent, naddr)", argv[optind]);
	char **vals = argv + optind + 1;
	int nvals = argc - optind - 1;
	if (t != NIP19_NSEC) {
		if (file || fd >= 0)
			cli_usage_error("encode: --key-file and --key-fd are for 'encode nsec' only");
		return run_values("encode", vals, nvals, encode_value, &t, false);
	}
	if (nvals > 0)
		cli_usage_error("encode nsec: the secret is read from stdin, --key-file or --key-fd, never the command line");
	if (file && fd >= 0)
		cli_usage_error("encode nsec: give --key-file or --key-fd, not both");
	if (!file && fd < 0)
		return run_values("encode nsec", NULL, 0, encode_nsec_value, NULL, true);
	const cli_secret src = { "encode nsec", "key", file, fd, CLI_KEY_HINT, MU_EXIT_INVALID };
	mu_key k;
	cli_load_key(&src, &k);
	buf rec = BUF_INIT;
	nsec_record(&rec, &k);
	key_wipe(&k);
	emit(&rec);
	return MU_EXIT_OK;
}

static bool decode_value(const char *s, size_t n, const void *ctx, char *err, size_t errlen)
{
	(void)ctx;
	cli_trim_blanks(&s, &n);
	if (n >= 6 && strncmp(s, "nostr:", 6) == 0)      /* NIP-21 URI */
		s += 6, n -= 6;
	nip19 d;
	nip19_err e = nip19_decode(s, n, &d, err, errlen);
	if (e) {
		nip19_free(&d);
		return false;
	}
	buf rec = BUF_INIT;
	if (d.type == NIP19_NSEC) {
		/* built by hand so the secret's only copies are wiped buffers */
		buf_reserve(&rec, 128);
		buf_puts(&rec, "{\"type\":\"nsec\",\"data\":\"");
		char h[65];
		hex_encode(h, d.value, 32);
		buf_put(&rec, h, 64);
		sodium_memzero(h, sizeof h);
		buf_puts(&rec, "\"}");
	} else {
		jv v = nip19_to_jv(&d);
		json_write(&rec, v);
		jv_free(v);
	}
	nip19_free(&d);
	emit(&rec);
	return true;
}

/* An nsec (any case, "nostr:" prefix or not): a secret, never from argv. */
static bool is_nsec_text(const char *s)
{
	size_t n = strlen(s);
	cli_trim_blanks(&s, &n);
	if (n >= 6 && strncasecmp(s, "nostr:", 6) == 0)
		s += 6, n -= 6;
	return n >= 5 && strncasecmp(s, "nsec1", 5) == 0;
}

static int cmd_decode(int argc, char **argv)
{
	static const struct option opts[] = {{"help", no_argument, NULL, OPT_HELP}, {0, 0, 0, 0}};
	while (next_opt(argc, argv, opts) != -1)
		;
	/* refused before anything is decoded or printed */
	for (int i = optind; i < argc; i++)
		if (is_nsec_text(argv[i]))
			cli_usage_error("decode: argument %d is an nsec: a secret is read from stdin, never the "
					"command line (other users see it in ps, it stays in shell history)",
					i - optind + 1);
	return run_values("decode", argv + optind, argc - optind, decode_value, NULL, true);
}

/* ---- main ---- */

static const struct { const char *name; int (*fn)(int, char **); const char *usage; } commands[] = {
	{"new", cmd_new, new_usage}, {"derive", cmd_derive, derive_usage}, {"pub", cmd_pub, pub_usage},
	{"encode", cmd_encode, encode_usage}, {"decode", cmd_decode, decode_usage},
};

int main(int argc, char **argv)
{
	mu_progname = "mostro-key";
	setvbuf(stdout, stdout_buf, _IOFBF, sizeof stdout_buf);
	atexit(wipe_stdout);
	if (sodium_init() < 0)
		die(MU_EXIT_CONFIG, "cannot initialize libsodium");
	if (argc < 2)
		cli_usage_error("missing COMMAND (new, derive, pub, encode, decode)");
	if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)
		help_requested();
	for (size_t i = 0; i < sizeof commands / sizeof *commands; i++)
		if (strcmp(argv[1], commands[i].name) == 0) {
			help_text = commands[i].usage;
			return commands[i].fn(argc - 1, argv + 1);
		}
	cli_usage_error("unknown command '%s' (new, derive, pub, encode, decode)", argv[1]);
}
