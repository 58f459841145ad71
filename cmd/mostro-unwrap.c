/* mostro-unwrap — Nostr events in, one record per opened Mostro envelope out.
 * See man/mostro-unwrap.1. Verification and the binding rules live in
 * lib/mostro_envelope.c; this file loads keys, parses lines, reports. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "event.h"
#include "exitcode.h"
#include "hex.h"
#include "json.h"
#include "lineio.h"
#include "mostro_envelope.h"
#include "mostro_sign.h"
#include "nip06.h"
#include "secret.h"

static const char usage_text[] =
	"Usage: mostro-unwrap [OPTION]...\n"
	"Reads Nostr events (bare or [\"EVENT\",sub,event]) and writes one record per\n"
	"opened envelope: Mostro messages on v1 (gift wrap) and v2 (kind 14), and chat.\n"
	"\n"
	"Keys (at least one):\n"
	"  --key-file F, --key-fd N   a key we receive on; repeatable\n"
	"                             (default $MOSTRO_SECRET_KEY, $NOSTR_SECRET_KEY)\n"
	"  --mnemonic-file F, --mnemonic-fd N\n"
	"                             NIP-06 keys m/44'/1237'/38383'/0/i (or $MOSTRO_MNEMONIC\n"
	"                             with --index); passphrase $MOSTRO_PASSPHRASE\n"
	"  --index N|A-B              which indexes of the mnemonic (default 1-50)\n"
	"  --peer PUBKEY              a chat peer (hex or npub); repeatable: derives the\n"
	"                             conversation keys with each of our keys\n"
	"Gates (off unless given, as mostrod's):\n"
	"  --min-pow N                outer event id needs N leading zero bits\n"
	"  --max-age S                inner created_at no older than S seconds\n"
	"  --dedupe                   drop an event whose id already opened (among the\n"
	"                             last 50000 that opened; failed events are not kept)\n"
	"  --dedupe-window N          that many (1..10000000); implies --dedupe\n"
	"Output:\n"
	"  --errors                   also write {\"type\":\"error\",...} records\n"
	"  -h, --help                 this text\n"
	"\n"
	"Records: {\"type\":\"message\",\"transport\",\"id\",\"recipient\",\"sender\",\"identity\",\n"
	"\"mode\",\"created_at\",\"message\",\"trade_signature\"}; chat: {\"type\":\"chat\",\"format\",\n"
	"...,\"rumor\"}. Failures: 'mostro-unwrap: <id>: <reason>: <detail>' on stderr.\n"
	"Exit: 0 all opened, 2 usage, 5 key configuration, 123 some events failed.\n";

/* NIP-06 keys first..last of Mostro's account into the ring. */
static void add_mnemonic_keys(env_keyring *ring, const char *file, int fd, uint32_t first, uint32_t last)
{
	const cli_secret src = { NULL, "mnemonic", file, fd, CLI_MNEMONIC_HINT, MU_EXIT_CONFIG };
	nip06_account acc;
	cli_load_account(&src, NIP06_MOSTRO_ACCOUNT, &acc);
	for (uint64_t i = first; i <= last; i++) {
		mu_key k;
		if (nip06_account_key(&acc, (uint32_t)i, &k))
			env_keyring_add(ring, &k);
		key_wipe(&k);
	}
	nip06_account_wipe(&acc);
}

/* "<id>" of a failed event for messages, or "line N" when there is none. */
static void report_failure(bool errors, unsigned long lineno, const uint8_t *id, env_reason r, const char *detail)
{
	char where[80];
	if (id)
		hex_encode(where, id, 32);
	else
		snprintf(where, sizeof where, "line %lu", lineno);
	report("%s: %s: %s", where, env_reason_code(r), detail);
	if (errors) {
		buf b = BUF_INIT;
		buf_printf(&b, "{\"type\":\"error\",\"line\":%lu,\"id\":", lineno);
		if (id)
			buf_printf(&b, "\"%s\"", where);
		else
			buf_puts(&b, "null");
		buf_printf(&b, ",\"error\":\"%s\",\"message\":", env_reason_code(r));
		json_write_string(&b, detail, strlen(detail));
		buf_putc(&b, '}');
		out_line(b.p, b.len);
		buf_free(&b);
	}
}

enum { OPT_HELP = 'h', OPT_KFILE = 256, OPT_KFD, OPT_MFILE, OPT_MFD, OPT_INDEX, OPT_PEER,
       OPT_MIN_POW, OPT_MAX_AGE, OPT_DEDUPE, OPT_DEDUPE_WINDOW, OPT_ERRORS };

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{"key-file", required_argument, NULL, OPT_KFILE},
		{"key-fd", required_argument, NULL, OPT_KFD},
		{"mnemonic-file", required_argument, NULL, OPT_MFILE},
		{"mnemonic-fd", required_argument, NULL, OPT_MFD},
		{"index", required_argument, NULL, OPT_INDEX},
		{"peer", required_argument, NULL, OPT_PEER},
		{"min-pow", required_argument, NULL, OPT_MIN_POW},
		{"max-age", required_argument, NULL, OPT_MAX_AGE},
		{"dedupe", no_argument, NULL, OPT_DEDUPE},
		{"dedupe-window", required_argument, NULL, OPT_DEDUPE_WINDOW},
		{"errors", no_argument, NULL, OPT_ERRORS},
		{"help", no_argument, NULL, OPT_HELP},
		{0, 0, 0, 0}};
	mu_progname = "mostro-unwrap";
	env_keyring ring;
	env_opts eo = {0};
	bool errors = false, have_index = false, mnemonic = false;
	const char *mfile = NULL;
	int mfd = -1, c;
	uint32_t first = 1, last = 50;
	const char *kfiles[64];
	int kfds[64], nkf = 0, nkd = 0;
	uint8_t peers[256][32];
	int npeers = 0;
	env_keyring_init(&ring);
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":h", opts, NULL)) != -1) {
		switch (c) {
		case OPT_HELP: fputs(usage_text, stdout); return MU_EXIT_OK;
		case OPT_KFILE:
			if (nkf == 64)
				cli_usage_error("at most 64 --key-file options");
			kfiles[nkf++] = optarg;
			break;
		case OPT_KFD:
			if (nkd == 64)
				cli_usage_error("at most 64 --key-fd options");
			kfds[nkd++] = cli_fd(optarg);
			break;
		case OPT_MFILE: mfile = optarg; mnemonic = true; break;
		case OPT_MFD: mfd = cli_fd(optarg); mnemonic = true; break;
		case OPT_INDEX:
			if (!nip06_index_range_parse(optarg, &first, &last))
				cli_usage_error("--index must be N or A-B (0 <= A <= B <= 2147483647), not '%s'", optarg);
			if (last - first >= 100000)
				cli_usage_error("--index: at most 100000 keys");
			have_index = true;
			break;
		case OPT_PEER:
			if (npeers == 256)
				cli_usage_error("at most 256 --peer options");
			if (!mostro_parse_pubkey(optarg, strlen(optarg), peers[npeers]))
				cli_usage_error("--peer: not a public key (64 hex digits or npub): '%s'", optarg);
			npeers++;
			break;
		case OPT_MIN_POW: eo.min_pow = (unsigned)cli_uint("--min-pow", optarg, 256); break;
		case OPT_MAX_AGE:
			eo.max_age = cli_uint("--max-age", optarg, UINT32_MAX * 100ull);
			eo.has_max_age = true;   /* 0 is a bound (nothing older than now), not off */
			break;
		case OPT_DEDUPE: eo.dedupe = true; break;
		case OPT_DEDUPE_WINDOW: {
			uint64_t w;
			if (!cli_parse_u64(optarg, ENV_DEDUPE_WINDOW_MAX, &w) || w == 0)
				cli_usage_error("--dedupe-window: expected an integer 1..%u, not '%s'",
						ENV_DEDUPE_WINDOW_MAX, optarg);
			eo.dedupe_window = (size_t)w;
			eo.dedupe = true;
			break;
		}
		case OPT_ERRORS: errors = true; break;
		case ':': cli_usage_error("option '%s' needs a value", argv[optind - 1]);
		default: cli_usage_error("unknown option '%s'", argv[optind - 1]);
		}
	}
	if (optind < argc)
		cli_usage_error("unexpected argument '%s' (events come from stdin)", argv[optind]);
	if (mfile && mfd >= 0)
		cli_usage_error("give --mnemonic-file or --mnemonic-fd, not both");
	/* the events come from stdin: a secret read from it would swallow them */
	bool from_stdin = (mfile && !strcmp(mfile, "-")) || mfd == 0;
	for (int i = 0; i < nkf; i++)
		from_stdin |= !strcmp(kfiles[i], "-");
	for (int i = 0; i < nkd; i++)
		from_stdin |= kfds[i] == 0;
	if (from_stdin)
		cli_usage_error("a key or mnemonic cannot come from standard input, which carries the events: "
				"give a file or another descriptor (--key-fd N, --mnemonic-fd N)");
	if (have_index && !mnemonic && !getenv("MOSTRO_MNEMONIC"))
		cli_usage_error("--index needs a mnemonic (--mnemonic-file, --mnemonic-fd or $MOSTRO_MNEMONIC)");
	for (int i = 0; i < nkf + nkd; i++) {
		const cli_secret src = { NULL, "key", i < nkf ? kfiles[i] : NULL, i < nkf ? -1 : kfds[i - nkf],
					 CLI_KEY_HINT, MU_EXIT_CONFIG };
		mu_key k;
		cli_load_key(&src, &k);
		env_keyring_add(&ring, &k);
		key_wipe(&k);
	}
	if (mnemonic || have_index)
		add_mnemonic_keys(&ring, mfile, mfd, first, last);
	if (ring.n == 0) {
		const cli_secret src = { NULL, "key", NULL, -1,
					 "--key-file, --key-fd, --mnemonic-file, $MOSTRO_SECRET_KEY or $NOSTR_SECRET_KEY",
					 MU_EXIT_CONFIG };
		mu_key k;
		cli_load_key(&src, &k);
		env_keyring_add(&ring, &k);
		key_wipe(&k);
	}
	for (int i = 0; i < npeers; i++)
		env_keyring_add_peer(&ring, peers[i]);

	env_unwrapper u;
	env_unwrapper_init(&u, &ring, &eo);
	line_reader r;
	line_reader_init(&r, 0, LINE_MAX_DEFAULT);
	const char *line;
	size_t len;
	line_status st;
	unsigned long failed = 0;
	buf out = BUF_INIT;
	char detail[320];
	while ((st = line_read(&r, &line, &len)) != LINE_EOF) {
		if (st == LINE_IO) {
			report("reading stdin: %s", strerror(errno));
			failed++;
			break;
		}
		if (st == LINE_TOO_LONG) {
			report_failure(errors, r.lineno, NULL, ENV_BAD_JSON, "line too long");
			failed++;
			if (out_line_errno())
				break;
			continue;
		}
		nostr_event ev;
		env_reason rs = env_parse_line(line, len, &ev, detail, sizeof detail);
		if (rs != ENV_OK) {
			report_failure(errors, r.lineno, NULL, rs, detail);
			event_free(&ev);
			failed++;
			if (out_line_errno())
				break;
			continue;
		}
		env_opened o;
		rs = env_unwrap(&u, &ev, &o, detail, sizeof detail);
		if (rs != ENV_OK) {
			report_failure(errors, r.lineno, ev.id, rs, detail);
			event_free(&ev);
			failed++;
			if (out_line_errno())
				break;
			continue;
		}
		buf_reset(&out);
		env_opened_write(&out, &o);
		env_opened_free(&o);
		event_free(&ev);
		if (!out_line(out.p, out.len))
			break;
	}
	buf_wipe(&out);
	line_reader_free(&r);
	env_unwrapper_free(&u);
	env_keyring_free(&ring);
	if (out_line_errno()) {
		/* the records after the last one written are lost: never exit 0 */
		report("writing standard output: %s", strerror(out_line_errno()));
		return MU_EXIT_PARTIAL;
	}
	return failed ? MU_EXIT_PARTIAL : MU_EXIT_OK;
}
