/* lib/cli: the command-line edge. Integer and descriptor syntax and bounds,
 * the usage-error format and exit code, and the secret messages and exit
 * codes (content problems -> the caller's code, source problems -> 5), run in
 * a child process since these functions exit. */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cli.h"
#include "exitcode.h"
#include "lineio.h"
#include "t.h"

#define SK_HEX "67dea2ed018072d675f5415ecfaed7d2597555e202d85b3d65ea4e58d2d92ffa"
#define MNEMONIC "leader monkey parrot ring guide accident before fence cannon height naive bean"

static void test_parse_u64(void)
{
	static const struct { const char *s; uint64_t max; bool ok; uint64_t v; } cases[] = {
		{"0", 10, true, 0}, {"10", 10, true, 10}, {"11", 10, false, 0},
		{"+7", 10, true, 7},                          /* strtoull syntax */
		{"-1", UINT64_MAX, false, 0}, {"-0", 10, false, 0},
		{"", 10, false, 0}, {"5x", 10, false, 0}, {"x", 10, false, 0}, {"5 ", 10, false, 0},
		{"18446744073709551615", UINT64_MAX, true, UINT64_MAX},
		{"18446744073709551616", UINT64_MAX, false, 0},   /* overflow */
		{"65535", 65535, true, 65535}, {"65536", 65535, false, 0},
	};
	for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
		uint64_t v = 12345;
		bool ok = cli_parse_u64(cases[i].s, cases[i].max, &v);
		t_ok(ok == cases[i].ok, "cli_parse_u64(\"%s\", %llu) %s", cases[i].s,
		     (unsigned long long)cases[i].max, cases[i].ok ? "accepted" : "refused");
		if (ok && cases[i].ok)
			t_eq_int((long long)(v == cases[i].v), 1, "cli_parse_u64(\"%s\") value", cases[i].s);
		if (!ok)
			t_eq_int((long long)v, 12345, "cli_parse_u64(\"%s\") leaves the output alone", cases[i].s);
	}
}

static void test_trim(void)
{
	static const struct { const char *in, *out; } cases[] = {
		{"abc", "abc"}, {"  abc\t", "abc"}, {"\tabc \r", "abc"}, {"a b", "a b"},
		{"   ", ""}, {"", ""}, {"abc\r", "abc"}, {"\rabc", "\rabc"},   /* a CR only at the end */
	};
	for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
		const char *s = cases[i].in;
		size_t n = strlen(s);
		cli_trim_blanks(&s, &n);
		char got[32];
		snprintf(got, sizeof got, "%.*s", (int)n, s);
		t_eq_str(got, cases[i].out, "cli_trim_blanks case %zu", i);
	}
}

static void test_is_content(void)
{
	static const struct { secret_err e; bool content; } cases[] = {
		{SECRET_ERR_EMPTY, true}, {SECRET_ERR_FORMAT, true}, {SECRET_ERR_INVALID, true},
		{SECRET_ERR_NONE, false}, {SECRET_ERR_OPEN, false}, {SECRET_ERR_MODE, false},
		{SECRET_ERR_TYPE, false}, {SECRET_ERR_TOO_LONG, false}, {SECRET_ERR_EXISTS, false},
	};
	for (size_t i = 0; i < sizeof cases / sizeof *cases; i++)
		t_ok(cli_secret_is_content(cases[i].e) == cases[i].content, "cli_secret_is_content(%s)",
		     secret_strerror(cases[i].e));
}

/* ---- in a child: exit code and stderr ---- */

typedef void (*child_fn)(const void *arg);

/* Runs fn(arg) in a child with stderr captured; returns its exit code (or
 * -1 when it did not exit), stderr into err. */
static int run_child(child_fn fn, const void *arg, char *err, size_t errlen)
{
	int p[2];
	if (pipe(p) != 0)
		abort();
	fflush(stdout);
	pid_t pid = fork();
	if (pid == 0) {
		close(p[0]);
		dup2(p[1], 2);
		fn(arg);
		_exit(99);
	}
	close(p[1]);
	size_t n = 0;
	ssize_t r;
	while (n + 1 < errlen && (r = read(p[0], err + n, errlen - 1 - n)) > 0)
		n += (size_t)r;
	err[n] = 0;
	close(p[0]);
	int st;
	waitpid(pid, &st, 0);
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

static void child_usage(const void *arg) { cli_usage_error("bad thing '%s'", (const char *)arg); }
static void child_fd(const void *arg) { exit(cli_fd(arg)); }
static void child_uint(const void *arg) { exit((int)cli_uint("--n", arg, 64)); }

static void test_usage_and_options(void)
{
	char err[1024];
	t_eq_int(run_child(child_usage, "x", err, sizeof err), MU_EXIT_USAGE, "cli_usage_error exits 2");
	t_eq_str(err, "mostro-test: bad thing 'x'\nTry 'mostro-test --help'.\n", "cli_usage_error: message then the hint");
	t_eq_int(run_child(child_fd, "7", err, sizeof err), 7, "cli_fd(\"7\")");
	t_eq_int(run_child(child_fd, "65536", err, sizeof err), MU_EXIT_USAGE, "cli_fd(\"65536\"): usage");
	t_eq_str(err, "mostro-test: bad file descriptor '65536'\nTry 'mostro-test --help'.\n", "cli_fd message");
	t_eq_int(run_child(child_fd, "-1", err, sizeof err), MU_EXIT_USAGE, "cli_fd(\"-1\"): usage");
	t_eq_int(run_child(child_fd, "3x", err, sizeof err), MU_EXIT_USAGE, "cli_fd(\"3x\"): usage");
	t_eq_int(run_child(child_uint, "64", err, sizeof err), 64, "cli_uint at its bound");
	t_eq_int(run_child(child_uint, "65", err, sizeof err), MU_EXIT_USAGE, "cli_uint over its bound: usage");
	t_eq_str(err, "mostro-test: --n: expected an integer 0..64, not '65'\nTry 'mostro-test --help'.\n",
		 "cli_uint message");
}

static char dir[64];

static const char *path_in(const char *name)
{
	static char p[4][160];
	static int slot;
	char *o = p[slot++ & 3];
	snprintf(o, 160, "%s/%s", dir, name);
	return o;
}

static void write_file(const char *name, const char *text, mode_t mode)
{
	const char *p = path_in(name);
	unlink(p);
	int fd = open(p, O_WRONLY | O_CREAT | O_TRUNC, mode);
	if (fd < 0 || write(fd, text, strlen(text)) != (ssize_t)strlen(text))
		abort();
	close(fd);
	chmod(p, mode);
}

static void child_key(const void *arg)
{
	mu_key k;
	cli_load_key(arg, &k);
	key_wipe(&k);
	exit(0);
}

static void child_account(const void *arg)
{
	nip06_account acc;
	cli_load_account(arg, 38383, &acc);
	nip06_account_wipe(&acc);
	exit(0);
}

static void test_secrets(void)
{
	char err[1024], want[512];
	unsetenv("MOSTRO_SECRET_KEY");
	unsetenv("NOSTR_SECRET_KEY");
	unsetenv("MOSTRO_MNEMONIC");
	unsetenv("MOSTRO_PASSPHRASE");
	write_file("good", SK_HEX "\n", 0600);
	write_file("open", SK_HEX "\n", 0644);
	write_file("junk", "not a key\n", 0600);
	write_file("zero", "0000000000000000000000000000000000000000000000000000000000000000\n", 0600);
	write_file("mnemonic", MNEMONIC "\n", 0600);
	write_file("badm", "leader monkey parrot\n", 0600);

	cli_secret s = { "pub", "key", path_in("good"), -1, CLI_KEY_HINT, MU_EXIT_INVALID };
	t_eq_int(run_child(child_key, &s, err, sizeof err), 0, "cli_load_key: a good key file");
	t_eq_str(err, "", "cli_load_key: nothing on stderr");

	s.file = path_in("junk");
	t_eq_int(run_child(child_key, &s, err, sizeof err), MU_EXIT_INVALID, "content problem: the caller's code (4)");
	snprintf(want, sizeof want, "mostro-test: pub: key file %s: %s\n", path_in("junk"), secret_strerror(SECRET_ERR_FORMAT));
	t_eq_str(err, want, "content problem: the source, then the reason");
	s.content_exit = MU_EXIT_CONFIG;
	t_eq_int(run_child(child_key, &s, err, sizeof err), MU_EXIT_CONFIG, "content problem: the caller's code (5)");
	s.file = path_in("zero");
	t_eq_int(run_child(child_key, &s, err, sizeof err), MU_EXIT_CONFIG, "zero key: content (5 as asked)");

	s.content_exit = MU_EXIT_INVALID;
	s.file = path_in("open");
	t_eq_int(run_child(child_key, &s, err, sizeof err), MU_EXIT_CONFIG, "world-readable key file: 5");
	t_ok(strstr(err, "readable by group or others") != NULL, "world-readable key file: says so");
	s.file = path_in("missing");
	t_eq_int(run_child(child_key, &s, err, sizeof err), MU_EXIT_CONFIG, "missing key file: 5");
	t_ok(strstr(err, "No such file or directory") != NULL, "missing key file: errno text");
	s.file = "-";
	s.cmd = NULL;
	int devnull = open("/dev/null", O_RDONLY);
	int saved = dup(0);
	dup2(devnull, 0);
	t_eq_int(run_child(child_key, &s, err, sizeof err), MU_EXIT_INVALID, "key from an empty stdin: content (4)");
	dup2(saved, 0);
	close(saved);
	close(devnull);
	t_ok(strncmp(err, "mostro-test: key file (stdin): ", 31) == 0, "stdin is named (stdin)");

	s.file = NULL;
	s.fd = 250;     /* not open */
	t_eq_int(run_child(child_key, &s, err, sizeof err), MU_EXIT_CONFIG, "closed descriptor: 5");
	t_ok(strncmp(err, "mostro-test: key descriptor 250: ", 33) == 0, "descriptor is named");

	s.fd = -1;
	t_eq_int(run_child(child_key, &s, err, sizeof err), MU_EXIT_CONFIG, "no key at all: 5");
	t_eq_str(err, "mostro-test: no key given (use " CLI_KEY_HINT ")\n", "no key at all: the hint");
	setenv("NOSTR_SECRET_KEY", "nonsense", 1);
	t_eq_int(run_child(child_key, &s, err, sizeof err), MU_EXIT_INVALID, "bad $NOSTR_SECRET_KEY: content");
	snprintf(want, sizeof want, "mostro-test: $NOSTR_SECRET_KEY: %s\n", secret_strerror(SECRET_ERR_FORMAT));
	t_eq_str(err, want, "bad $NOSTR_SECRET_KEY: names the variable");
	setenv("NOSTR_SECRET_KEY", SK_HEX, 1);
	t_eq_int(run_child(child_key, &s, err, sizeof err), 0, "good $NOSTR_SECRET_KEY");
	unsetenv("NOSTR_SECRET_KEY");

	cli_secret m = { "derive", "mnemonic", path_in("mnemonic"), -1, CLI_MNEMONIC_HINT, MU_EXIT_INVALID };
	t_eq_int(run_child(child_account, &m, err, sizeof err), 0, "cli_load_account: a good mnemonic");
	m.file = path_in("badm");
	t_eq_int(run_child(child_account, &m, err, sizeof err), MU_EXIT_INVALID, "short mnemonic: content (4)");
	t_ok(strncmp(err, "mostro-test: derive: mnemonic: ", 31) == 0 && strstr(err, "(need 12, 15, 18, 21 or 24)"),
	     "short mnemonic: the BIP-39 detail");
	m.content_exit = MU_EXIT_CONFIG;
	t_eq_int(run_child(child_account, &m, err, sizeof err), MU_EXIT_CONFIG, "short mnemonic: content (5 as asked)");
	m.file = NULL;
	m.cmd = NULL;
	t_eq_int(run_child(child_account, &m, err, sizeof err), MU_EXIT_CONFIG, "no mnemonic: 5");
	t_eq_str(err, "mostro-test: no mnemonic given (use " CLI_MNEMONIC_HINT ")\n", "no mnemonic: the hint");
}

int main(void)
{
	mu_progname = "mostro-test";
	snprintf(dir, sizeof dir, "/tmp/test_cli.XXXXXX");
	if (!mkdtemp(dir))
		abort();
	test_parse_u64();
	test_trim();
	test_is_content();
	test_usage_and_options();
	test_secrets();
	static const char *names[] = {"good", "open", "junk", "zero", "mnemonic", "badm"};
	for (size_t i = 0; i < sizeof names / sizeof *names; i++)
		unlink(path_in(names[i]));
	rmdir(dir);
	return t_done();
}
