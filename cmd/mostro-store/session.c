/* mostro-store session — the client's session (scripts/mostro keeps its
 * mnemonic, trade indexes and orders here). Options and exit codes only; the
 * logic is lib/store_session*.c. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "bip39.h"
#include "cli.h"
#include "exitcode.h"
#include "hex.h"
#include "json.h"
#include "lineio.h"
#include "mostro_msg.h"
#include "nip19.h"
#include "secret.h"
#include "store_cmds.h"
#include "store_session.h"
#include "store_uuid.h"

static const char session_usage[] =
	"Usage: mostro-store session [--session DIR] COMMAND [OPTIONS]\n"
	"The client's session (scripts/mostro): DIR/mnemonic (0600, the only secret),\n"
	"DIR/session.db (0600), DIR 0700. DIR: --session, $MOSTRO_SESSION,\n"
	"$XDG_DATA_HOME/mostro or ~/.local/share/mostro.\n\n"
	"Commands:\n"
	"  init [--words N]                a new session with a fresh mnemonic (12, 15, 18, 21, 24 words)\n"
	"  import [--mnemonic-file F | --mnemonic-fd N]\n"
	"                                  a new session from a mnemonic (else $MOSTRO_MNEMONIC)\n"
	"  show                            identity, last trade index, node, counts\n"
	"  mnemonic                        print the mnemonic (only when asked)\n"
	"  next-index [--purpose P]        hand out the next trade index: never 0, never again\n"
	"  set-index N                     raise the last trade index to N (never lowers it)\n"
	"  bind --index N --order ID [--role maker|taker] [--kind buy|sell] [--node PUBKEY]\n"
	"                                  order ID uses trade key N\n"
	"  key ORDER | --index N | --identity\n"
	"                                  a key's index and public key\n"
	"  orders [--status S]... [--id ID] [--live]\n"
	"                                  the session's orders, with what the node expects next\n"
	"  disputes                        the disputes the session knows\n"
	"  listen [--recent SECS]          the keys and peers a watcher listens on\n"
	"  ingest [--mostro PUBKEY] [--now T]\n"
	"                                  mostro-unwrap records on stdin: store, update orders, print new ones\n"
	"  cursor NAME [--set T]           a named resume point (unix seconds)\n"
	"  node [--mostro PUBKEY] [--relays URLS] [--transport v1|v2] [--info FILE|-]\n"
	"                                  the node cache: set what is given, print it\n"
	"  chat-keys --peer PUBKEY (--index N | --identity | --key-file F | --key-fd N) [--secret conv|legacy]\n"
	"                                  the conversation keys with a peer (PROTOCOL 9)\n\n"
	"Exit: 0 ok, 1 refused (a session exists, an unknown order), 2 usage, 4 invalid value,\n"
	"5 no session or a bad one (modes, files), 123 some ingest lines failed.\n";

static const char *session_dir_opt;

enum {
	O_SESSION = 300, O_WORDS, O_MFILE, O_MFD, O_PURPOSE, O_INDEX, O_ORDER, O_ROLE, O_KIND, O_NODE, O_IDENTITY,
	O_STATUS, O_ID, O_LIVE, O_RECENT, O_MOSTRO, O_NOW, O_SET, O_RELAYS, O_TRANSPORT, O_INFO, O_PEER,
	O_KEYFILE, O_KEYFD, O_SECRET, O_HELP,
};

static const struct option all_opts[] = {
	{"session", required_argument, NULL, O_SESSION},
	{"words", required_argument, NULL, O_WORDS},
	{"mnemonic-file", required_argument, NULL, O_MFILE},
	{"mnemonic-fd", required_argument, NULL, O_MFD},
	{"purpose", required_argument, NULL, O_PURPOSE},
	{"index", required_argument, NULL, O_INDEX},
	{"order", required_argument, NULL, O_ORDER},
	{"role", required_argument, NULL, O_ROLE},
	{"kind", required_argument, NULL, O_KIND},
	{"node", required_argument, NULL, O_NODE},
	{"identity", no_argument, NULL, O_IDENTITY},
	{"status", required_argument, NULL, O_STATUS},
	{"id", required_argument, NULL, O_ID},
	{"live", no_argument, NULL, O_LIVE},
	{"recent", required_argument, NULL, O_RECENT},
	{"mostro", required_argument, NULL, O_MOSTRO},
	{"now", required_argument, NULL, O_NOW},
	{"set", required_argument, NULL, O_SET},
	{"relays", required_argument, NULL, O_RELAYS},
	{"transport", required_argument, NULL, O_TRANSPORT},
	{"info", required_argument, NULL, O_INFO},
	{"peer", required_argument, NULL, O_PEER},
	{"key-file", required_argument, NULL, O_KEYFILE},
	{"key-fd", required_argument, NULL, O_KEYFD},
	{"secret", required_argument, NULL, O_SECRET},
	{"help", no_argument, NULL, O_HELP},
	{0, 0, 0, 0},
};

/* Which options each command takes (besides --session and --help). */
typedef struct sub {
	const char *name;
	int (*run)(void);
	int opts[8];
	int min_args, max_args;
} sub;

/* Values of the options, as given. */
static struct {
	const char *words, *mfile, *mfd, *purpose, *index, *order, *role, *kind, *node, *id, *recent, *mostro,
		*now, *set, *relays, *transport, *info, *peer, *keyfile, *keyfd, *secret;
	bool identity, live;
	const char *statuses[32];
	size_t nstatuses;
	char **args;
	int nargs;
} o;

static int exit_for(store_session_err e)
{
	switch (e) {
	case SS_OK: return MU_EXIT_OK;
	case SS_ERR_EXISTS:
	case SS_ERR_NOT_FOUND:
	case SS_ERR_CONFLICT: return MU_EXIT_REFUSED;
	case SS_ERR_INVALID:
	case SS_ERR_MNEMONIC: return MU_EXIT_INVALID;
	default: return MU_EXIT_CONFIG;
	}
}

static void check(store_session_err e, const char *err)
{
	if (e)
		die(exit_for(e), "session: %s", err);
}

static int64_t now_or(const char *given)
{
	return given ? (int64_t)cli_uint("--now", given, INT64_MAX) : (int64_t)time(NULL);
}

static char *dir_or_die(void)
{
	char err[256];
	char *d = store_session_dir(session_dir_opt, err, sizeof err);
	if (!d)
		die(MU_EXIT_CONFIG, "session: %s", err);
	return d;
}

static void open_or_die(store_session *s)
{
	char err[512];
	char *d = dir_or_die();
	store_session_err e = store_session_open(s, d, getenv("MOSTRO_PASSPHRASE"), err, sizeof err);
	free(d);
	check(e, err);
}

static void print_buf(buf *b)
{
	store_print(b->p, b->len);
	buf_free(b);
}

/* A canonical order id from an argument, or exit 4. */
static void order_id(const char *s, char out[STORE_UUID_LEN + 1], const char *what)
{
	if (!store_uuid_canonical(s, strlen(s), out))
		die(MU_EXIT_INVALID, "session: %s '%s': not a UUID", what, s);
}

/* A public key given as 64 hex digits or an npub, into hex. */
static void pubkey_arg(const char *s, char out[65], const char *what)
{
	uint8_t pk[32];
	size_t n = strlen(s);
	if (n == 64 && hex_decode(pk, 32, s, n, false)) {
		hex_encode(out, pk, 32);
		return;
	}
	nip19 v;
	char detail[128];
	nip19_init(&v, NIP19_NPUB);
	if (nip19_decode(s, n, &v, detail, sizeof detail) == NIP19_OK && v.type == NIP19_NPUB) {
		hex_encode(out, v.value, 32);
		nip19_free(&v);
		return;
	}
	nip19_free(&v);
	die(MU_EXIT_INVALID, "session: %s '%s': not a public key (64 hex digits or npub)", what, s);
}

static uint32_t index_arg(const char *s, uint32_t min)
{
	uint64_t v;
	if (!cli_parse_u64(s, NIP06_INDEX_MAX, &v) || v < min)
		die(MU_EXIT_INVALID, "session: --index '%s': expected %u..%u", s, min, NIP06_INDEX_MAX);
	return (uint32_t)v;
}

/* ------------------------------------------------------------ commands */

static int created(store_session *s, int words)
{
	buf b = BUF_INIT;
	buf_puts(&b, "{\"type\":\"session\",\"dir\":");
	json_write_string(&b, s->dir, strlen(s->dir));
	buf_printf(&b, ",\"identity\":\"%s\"", s->identity);
	if (words)
		buf_printf(&b, ",\"words\":%d", words);
	buf_puts(&b, ",\"mnemonic_file\":");
	json_write_string(&b, s->mnemonic_path, strlen(s->mnemonic_path));
	buf_putc(&b, '}');
	store_session_close(s);
	print_buf(&b);
	return MU_EXIT_OK;
}

static int run_init(void)
{
	int words = 12;
	if (o.words) {
		words = (int)cli_uint("--words", o.words, 24);
		if (words != 12 && words != 15 && words != 18 && words != 21 && words != 24)
			die(MU_EXIT_INVALID, "session: --words %s: 12, 15, 18, 21 or 24", o.words);
	}
	buf m = BUF_INIT;
	if (bip39_generate(words, &m))
		die(MU_EXIT_CONFIG, "session: cannot make a mnemonic");
	char *d = dir_or_die(), err[512];
	store_session s;
	store_session_err e = store_session_create(&s, d, m.p, m.len, getenv("MOSTRO_PASSPHRASE"), err, sizeof err);
	buf_wipe(&m);
	free(d);
	check(e, err);
	return created(&s, words);
}

static int run_import(void)
{
	cli_secret src = {
		.cmd = "session", .what = "mnemonic", .file = o.mfile, .fd = o.mfd ? cli_fd(o.mfd) : -1,
		.hint = CLI_MNEMONIC_HINT, .content_exit = MU_EXIT_INVALID,
	};
	buf m = BUF_INIT;
	const char *from = NULL;
	secret_err se = secret_load_mnemonic(src.file, src.fd, &m, &from);
	if (se) {
		buf_wipe(&m);
		cli_secret_die(&src, from, se);
	}
	char *d = dir_or_die(), err[512];
	store_session s;
	store_session_err e = store_session_create(&s, d, m.p, m.len, getenv("MOSTRO_PASSPHRASE"), err, sizeof err);
	int words = 1;
	for (size_t i = 0; i < m.len; i++)
		words += m.p[i] == ' ';
	buf_wipe(&m);
	free(d);
	check(e, err);
	return created(&s, words);
}

static int run_show(void)
{
	store_session s;
	open_or_die(&s);
	buf b = BUF_INIT;
	char err[512];
	store_session_err e = store_session_show(&s, &b, err, sizeof err);
	store_session_close(&s);
	check(e, err);
	print_buf(&b);
	return MU_EXIT_OK;
}

static int run_mnemonic(void)
{
	store_session s;
	open_or_die(&s);
	buf m = BUF_INIT, b = BUF_INIT;
	char err[512];
	store_session_err e = store_session_mnemonic(&s, &m, err, sizeof err);
	store_session_close(&s);
	if (e) {
		buf_wipe(&m);
		check(e, err);
	}
	buf_puts(&b, "{\"type\":\"mnemonic\",\"mnemonic\":");
	json_write_string(&b, m.p, m.len);
	buf_putc(&b, '}');
	buf_wipe(&m);
	bool ok = out_line(b.p, b.len);
	buf_wipe(&b);
	if (!ok)
		store_check_stdout();
	return MU_EXIT_OK;
}

static int run_next_index(void)
{
	store_session s;
	open_or_die(&s);
	uint32_t idx;
	char pub[65], err[512];
	store_session_err e = store_session_alloc(&s, o.purpose, now_or(o.now), &idx, pub, err, sizeof err);
	store_session_close(&s);
	check(e, err);
	buf b = BUF_INIT;
	buf_printf(&b, "{\"type\":\"trade_key\",\"index\":%u,\"pubkey\":\"%s\"}", idx, pub);
	print_buf(&b);
	return MU_EXIT_OK;
}

static int run_set_index(void)
{
	uint64_t v;
	if (!cli_parse_u64(o.args[0], NIP06_INDEX_MAX, &v))
		die(MU_EXIT_INVALID, "session: set-index '%s': expected 0..%u", o.args[0], NIP06_INDEX_MAX);
	store_session s;
	open_or_die(&s);
	uint32_t last;
	char err[512];
	store_session_err e = store_session_raise(&s, (uint32_t)v, &last, err, sizeof err);
	store_session_close(&s);
	check(e, err);
	buf b = BUF_INIT;
	buf_printf(&b, "{\"type\":\"trade_index\",\"last\":%u}", last);
	print_buf(&b);
	return MU_EXIT_OK;
}

static bool collect_line(void *ctx, const char *line, size_t n)
{
	buf *b = ctx;
	buf_put(b, line, n);
	return true;
}

static int run_bind(void)
{
	if (!o.index || !o.order)
		cli_usage_error("session bind: --index and --order are required");
	uint32_t idx = index_arg(o.index, 1);
	char id[STORE_UUID_LEN + 1], node[65];
	order_id(o.order, id, "--order");
	if (o.node)
		pubkey_arg(o.node, node, "--node");
	if (o.role && strcmp(o.role, "maker") != 0 && strcmp(o.role, "taker") != 0)
		die(MU_EXIT_INVALID, "session: --role '%s': maker or taker", o.role);
	if (o.kind && strcmp(o.kind, "buy") != 0 && strcmp(o.kind, "sell") != 0)
		die(MU_EXIT_INVALID, "session: --kind '%s': buy or sell", o.kind);
	store_session s;
	open_or_die(&s);
	char err[512];
	store_session_err e = store_session_bind(&s, idx, id, o.role, o.kind, o.node ? node : NULL, now_or(o.now),
						 err, sizeof err);
	buf b = BUF_INIT;
	store_session_filter f = {.id = id};
	if (!e)
		e = store_session_orders(&s, &f, collect_line, &b, NULL, err, sizeof err);
	store_session_close(&s);
	check(e, err);
	print_buf(&b);
	return MU_EXIT_OK;
}

static int run_key(void)
{
	int given = (o.nargs == 1) + (o.index != NULL) + o.identity;
	if (given != 1)
		cli_usage_error("session key: one of ORDER, --index N, --identity");
	char id[STORE_UUID_LEN + 1] = "";
	uint32_t idx = 0;
	if (o.nargs == 1)
		order_id(o.args[0], id, "order");
	else if (o.index)
		idx = index_arg(o.index, 0);
	store_session s;
	open_or_die(&s);
	char pub[65], err[512];
	store_session_err e = id[0] ? store_session_order_key(&s, id, &idx, pub, err, sizeof err)
				    : store_session_derive(&s, idx, pub, NULL, err, sizeof err);
	int64_t first = 0;
	if (!e && idx)
		e = store_session_first_reply(&s, idx, &first, err, sizeof err);
	store_session_close(&s);
	check(e, err);
	buf b = BUF_INIT;
	buf_printf(&b, "{\"type\":\"key\",\"index\":%u,\"pubkey\":\"%s\",\"order\":", idx, pub);
	if (id[0])
		buf_printf(&b, "\"%s\"", id);
	else
		buf_puts(&b, "null");
	if (first)
		buf_printf(&b, ",\"first_reply_at\":%lld}", (long long)first);
	else
		buf_puts(&b, ",\"first_reply_at\":null}");
	print_buf(&b);
	return MU_EXIT_OK;
}

static int run_orders(void)
{
	char id[STORE_UUID_LEN + 1];
	store_session_filter f = {.statuses = o.statuses, .nstatuses = o.nstatuses, .live = o.live};
	for (size_t i = 0; i < o.nstatuses; i++)
		if (mostro_name_index(mostro_order_status_names, MOSTRO_ORDER_STATUS_COUNT, o.statuses[i],
				      strlen(o.statuses[i])) < 0)
			die(MU_EXIT_INVALID, "session: --status '%s': not an order status", o.statuses[i]);
	if (o.id) {
		order_id(o.id, id, "--id");
		f.id = id;
	}
	store_session s;
	open_or_die(&s);
	char err[512];
	store_session_err e = store_session_orders(&s, &f, store_stdout_line, NULL, NULL, err, sizeof err);
	store_session_close(&s);
	store_check_stdout();
	check(e, err);
	return MU_EXIT_OK;
}

static int run_disputes(void)
{
	store_session s;
	open_or_die(&s);
	char err[512];
	store_session_err e = store_session_disputes(&s, store_stdout_line, NULL, err, sizeof err);
	store_session_close(&s);
	store_check_stdout();
	check(e, err);
	return MU_EXIT_OK;
}

static int run_listen(void)
{
	int64_t recent = o.recent ? (int64_t)cli_uint("--recent", o.recent, INT64_MAX / 4) : 86400;
	store_session s;
	open_or_die(&s);
	buf b = BUF_INIT;
	char err[512];
	store_session_err e = store_session_listen(&s, now_or(o.now), recent, &b, err, sizeof err);
	store_session_close(&s);
	check(e, err);
	print_buf(&b);
	return MU_EXIT_OK;
}

/* The node's pubkey: --mostro, else the session's node (used last). */
static bool session_node(store_session *s, char out[65])
{
	buf b = BUF_INIT;
	char err[256];
	if (store_session_node_get(s, NULL, &b, err, sizeof err)) {
		buf_free(&b);
		return false;
	}
	jv v = json_parse(b.p, b.len, 0, NULL);
	jv pk = jv_object_get(v, jv_string("pubkey"));
	bool ok = jv_get_kind(pk) == JV_KIND_STRING && strlen(jv_string_value(pk)) == 64;
	if (ok)
		memcpy(out, jv_string_value(pk), 65);
	jv_free(pk);
	buf_free(&b);
	return ok;
}

static int run_ingest(void)
{
	char node[65];
	if (o.mostro)
		pubkey_arg(o.mostro, node, "--mostro");
	store_session s;
	open_or_die(&s);
	if (!o.mostro && !session_node(&s, node)) {
		store_session_close(&s);
		die(MU_EXIT_CONFIG, "session: ingest: no node pubkey (--mostro, or session node --mostro first)");
	}
	int64_t fixed_now = o.now ? now_or(o.now) : -1;
	line_reader r;
	line_reader_init(&r, 0, LINE_MAX_DEFAULT);
	const char *line;
	size_t n;
	line_status ls;
	bool bad = false;
	while ((ls = line_read(&r, &line, &n)) != LINE_EOF) {
		if (ls == LINE_TOO_LONG) {
			report_line(r.lineno, "line too long");
			bad = true;
			continue;
		}
		if (ls == LINE_IO) {
			report("reading standard input: %s", strerror(errno));
			bad = true;
			break;
		}
		buf out = BUF_INIT;
		const char *why;
		char err[512];
		int64_t now = fixed_now >= 0 ? fixed_now : (int64_t)time(NULL);
		ss_ingest_result res = store_session_ingest(&s, line, n, node, now, &out, &why, err, sizeof err);
		switch (res) {
		case SS_INGESTED:
			if (!out_line(out.p, out.len)) {
				buf_free(&out);
				store_session_close(&s);
				line_reader_free(&r);
				store_check_stdout();
			}
			break;
		case SS_DUPLICATE:
			break;
		case SS_SKIPPED:
			break;
		case SS_BAD:
			report_line(r.lineno, "%s", why ? why : "not a record");
			bad = true;
			break;
		case SS_FAILED:
			buf_free(&out);
			line_reader_free(&r);
			store_session_close(&s);
			die(MU_EXIT_CONFIG, "session: line %lu: %s", r.lineno, why ? why : "database error");
		}
		buf_free(&out);
	}
	line_reader_free(&r);
	store_session_close(&s);
	return bad ? MU_EXIT_PARTIAL : MU_EXIT_OK;
}

static int run_cursor(void)
{
	const char *name = o.args[0];
	store_session s;
	open_or_die(&s);
	char err[512];
	store_session_err e = SS_OK;
	if (o.set)
		e = store_session_cursor_set(&s, name, (int64_t)cli_uint("--set", o.set, INT64_MAX), err, sizeof err);
	bool have = false;
	int64_t v = 0;
	if (!e)
		e = store_session_cursor_get(&s, name, &have, &v, err, sizeof err);
	store_session_close(&s);
	check(e, err);
	buf b = BUF_INIT;
	buf_puts(&b, "{\"type\":\"cursor\",\"name\":");
	json_write_string(&b, name, strlen(name));
	if (have)
		buf_printf(&b, ",\"value\":%lld}", (long long)v);
	else
		buf_puts(&b, ",\"value\":null}");
	print_buf(&b);
	return MU_EXIT_OK;
}

static int run_node(void)
{
	char pk[65];
	if (o.mostro)
		pubkey_arg(o.mostro, pk, "--mostro");
	if (o.transport && strcmp(o.transport, "v1") != 0 && strcmp(o.transport, "v2") != 0)
		die(MU_EXIT_INVALID, "session: --transport '%s': v1 or v2", o.transport);
	jv info = jv_null();
	if (o.info) {
		buf t = BUF_INIT;
		line_reader r;
		int fd = strcmp(o.info, "-") == 0 ? 0 : open(o.info, O_RDONLY | O_CLOEXEC);
		if (fd < 0)
			die(MU_EXIT_CONFIG, "session: --info %s: %s", o.info, strerror(errno));
		line_reader_init(&r, fd, LINE_MAX_DEFAULT);
		const char *line;
		size_t n;
		if (line_read(&r, &line, &n) == LINE_OK)
			buf_put(&t, line, n);
		line_reader_free(&r);
		if (fd)
			close(fd);
		json_error je;
		info = json_parse(t.p ? t.p : "", t.len, 0, &je);
		buf_free(&t);
		if (!jv_is_valid(info))
			die(MU_EXIT_INVALID, "session: --info: not a JSON event: %s", je.msg);
		if (!o.mostro)
			cli_usage_error("session node: --info needs --mostro");
	}
	bool setting = o.mostro && (o.relays || o.transport || o.info || true);
	store_session s;
	open_or_die(&s);
	char err[512];
	store_session_err e = SS_OK;
	if (setting)
		e = store_session_node_set(&s, pk, o.relays, o.transport, info, now_or(o.now), err, sizeof err);
	else
		jv_free(info);
	buf b = BUF_INIT;
	if (!e)
		e = store_session_node_get(&s, o.mostro ? pk : NULL, &b, err, sizeof err);
	store_session_close(&s);
	check(e, err);
	print_buf(&b);
	return MU_EXIT_OK;
}

static int run_chat_keys(void)
{
	if (!o.peer)
		cli_usage_error("session chat-keys: --peer is required");
	char peer[65];
	pubkey_arg(o.peer, peer, "--peer");
	int sources = (o.index != NULL) + o.identity + (o.keyfile != NULL) + (o.keyfd != NULL);
	if (sources != 1)
		cli_usage_error("session chat-keys: one of --index N, --identity, --key-file F, --key-fd N");
	if (o.secret && strcmp(o.secret, "conv") != 0 && strcmp(o.secret, "legacy") != 0)
		die(MU_EXIT_INVALID, "session: --secret '%s': conv or legacy", o.secret);
	uint8_t sk[32];
	char err[512];
	if (o.keyfile || o.keyfd) {
		cli_secret src = {.cmd = "session", .what = "key", .file = o.keyfile, .fd = o.keyfd ? cli_fd(o.keyfd) : -1,
				  .hint = "--key-file or --key-fd", .content_exit = MU_EXIT_CONFIG};
		mu_key k;
		cli_load_key(&src, &k);
		memcpy(sk, k.sk, 32);
		key_wipe(&k);
	} else {
		uint32_t idx = o.identity ? 0 : index_arg(o.index, 0);
		store_session s;
		open_or_die(&s);
		store_session_err e = store_session_derive(&s, idx, NULL, sk, err, sizeof err);
		store_session_close(&s);
		if (e)
			sodium_memzero(sk, sizeof sk);
		check(e, err);
	}
	buf b = BUF_INIT;
	store_session_err e = store_session_chat_keys(sk, peer, o.secret, &b, err, sizeof err);
	sodium_memzero(sk, sizeof sk);
	check(e, err);
	bool ok = out_line(b.p, b.len);
	buf_wipe(&b);
	if (!ok)
		store_check_stdout();
	return MU_EXIT_OK;
}

static const sub subs[] = {
	{"init", run_init, {O_WORDS}, 0, 0},
	{"import", run_import, {O_MFILE, O_MFD}, 0, 0},
	{"show", run_show, {0}, 0, 0},
	{"mnemonic", run_mnemonic, {0}, 0, 0},
	{"next-index", run_next_index, {O_PURPOSE, O_NOW}, 0, 0},
	{"set-index", run_set_index, {0}, 1, 1},
	{"bind", run_bind, {O_INDEX, O_ORDER, O_ROLE, O_KIND, O_NODE, O_NOW}, 0, 0},
	{"key", run_key, {O_INDEX, O_IDENTITY}, 0, 1},
	{"orders", run_orders, {O_STATUS, O_ID, O_LIVE}, 0, 0},
	{"disputes", run_disputes, {0}, 0, 0},
	{"listen", run_listen, {O_RECENT, O_NOW}, 0, 0},
	{"ingest", run_ingest, {O_MOSTRO, O_NOW}, 0, 0},
	{"cursor", run_cursor, {O_SET}, 1, 1},
	{"node", run_node, {O_MOSTRO, O_RELAYS, O_TRANSPORT, O_INFO, O_NOW}, 0, 0},
	{"chat-keys", run_chat_keys, {O_PEER, O_INDEX, O_IDENTITY, O_KEYFILE, O_KEYFD, O_SECRET}, 0, 0},
};

static bool takes(const sub *c, int opt)
{
	for (size_t i = 0; i < sizeof c->opts / sizeof *c->opts && c->opts[i]; i++)
		if (c->opts[i] == opt)
			return true;
	return false;
}

static void set_opt(int c, const char *v)
{
	switch (c) {
	case O_WORDS: o.words = v; break;
	case O_MFILE: o.mfile = v; break;
	case O_MFD: o.mfd = v; break;
	case O_PURPOSE: o.purpose = v; break;
	case O_INDEX: o.index = v; break;
	case O_ORDER: o.order = v; break;
	case O_ROLE: o.role = v; break;
	case O_KIND: o.kind = v; break;
	case O_NODE: o.node = v; break;
	case O_IDENTITY: o.identity = true; break;
	case O_STATUS:
		if (o.nstatuses >= sizeof o.statuses / sizeof *o.statuses)
			cli_usage_error("--status: at most 32");
		o.statuses[o.nstatuses++] = v;
		break;
	case O_ID: o.id = v; break;
	case O_LIVE: o.live = true; break;
	case O_RECENT: o.recent = v; break;
	case O_MOSTRO: o.mostro = v; break;
	case O_NOW: o.now = v; break;
	case O_SET: o.set = v; break;
	case O_RELAYS: o.relays = v; break;
	case O_TRANSPORT: o.transport = v; break;
	case O_INFO: o.info = v; break;
	case O_PEER: o.peer = v; break;
	case O_KEYFILE: o.keyfile = v; break;
	case O_KEYFD: o.keyfd = v; break;
	case O_SECRET: o.secret = v; break;
	}
}

int cmd_session(int argc, char **argv)
{
	/* options before the subcommand: --session, --help */
	int i = 1;
	for (; i < argc && argv[i][0] == '-'; i++) {
		if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
			fputs(session_usage, stdout);
			return MU_EXIT_OK;
		}
		if (strcmp(argv[i], "--session") == 0 && i + 1 < argc)
			session_dir_opt = argv[++i];
		else if (strncmp(argv[i], "--session=", 10) == 0)
			session_dir_opt = argv[i] + 10;
		else
			cli_usage_error("session: unknown option '%s'", argv[i]);
	}
	if (i >= argc) {
		fputs(session_usage, stderr);
		return MU_EXIT_USAGE;
	}
	const char *name = argv[i];
	if (strcmp(name, "help") == 0) {
		fputs(session_usage, stdout);
		return MU_EXIT_OK;
	}
	const sub *cmd = NULL;
	for (size_t k = 0; k < sizeof subs / sizeof *subs; k++)
		if (strcmp(subs[k].name, name) == 0)
			cmd = &subs[k];
	if (!cmd)
		cli_usage_error("session: unknown command '%s'", name);
	int sub_argc = argc - i;
	char **sub_argv = argv + i;
	optind = 0;
	int c;
	while ((c = getopt_long(sub_argc, sub_argv, "h", all_opts, NULL)) != -1) {
		if (c == 'h' || c == O_HELP) {
			fputs(session_usage, stdout);
			return MU_EXIT_OK;
		}
		if (c == '?')
			cli_usage_error("session %s: bad option", name);
		if (c == O_SESSION) {
			session_dir_opt = optarg;
			continue;
		}
		if (!takes(cmd, c))
			cli_usage_error("session %s: option '%s' is not one of this command's", name,
					sub_argv[optind - 1]);
		set_opt(c, optarg);
	}
	o.args = sub_argv + optind;
	o.nargs = sub_argc - optind;
	if (o.nargs < cmd->min_args)
		cli_usage_error("session %s: missing argument", name);
	if (o.nargs > cmd->max_args)
		cli_usage_error("session %s: unexpected argument '%s'", name, o.args[cmd->max_args]);
	return cmd->run();
}
