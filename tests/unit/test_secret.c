/* lib/secret: where secrets come from. Key file modes (group/other bits
 * refused), file types, formats (hex either case, nsec either case, trimmed),
 * invalid scalars, size limits, precedence file > fd > $MOSTRO_SECRET_KEY >
 * $NOSTR_SECRET_KEY, mnemonics, and secret_write_file (exclusive, 0600, parent
 * directories 0700). */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "bech32.h"
#include "hex.h"
#include "secret.h"
#include "t.h"

/* the NIP-19 text example */
#define SK_HEX "67dea2ed018072d675f5415ecfaed7d2597555e202d85b3d65ea4e58d2d92ffa"
#define SK_HEX_UPPER "67DEA2ED018072D675F5415ECFAED7D2597555E202D85B3D65EA4E58D2D92FFA"
#define SK_NSEC "nsec1vl029mgpspedva04g90vltkh6fvh240zqtv9k0t9af8935ke9laqsnlfe5"
#define SK_NSEC_UPPER "NSEC1VL029MGPSPEDVA04G90VLTKH6FVH240ZQTV9K0T9AF8935KE9LAQSNLFE5"
/* secp256k1 group order n, and n - 1 */
#define N_HEX "fffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141"
#define N_MINUS_1 "fffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364140"
#define ZERO_HEX "0000000000000000000000000000000000000000000000000000000000000000"

static char dir[64];
static uint8_t want_sk[32];

static const char *path_in(const char *name)
{
	static char p[4][160];
	static int slot;
	char *o = p[slot++ & 3];
	snprintf(o, 160, "%s/%s", dir, name);
	return o;
}

static const char *file_with(const char *name, const char *content, mode_t mode)
{
	const char *p = path_in(name);
	unlink(p);
	int fd = open(p, O_WRONLY | O_CREAT | O_EXCL, 0600);
	size_t n = strlen(content);
	if (fd < 0 || write(fd, content, n) != (ssize_t)n || fchmod(fd, mode) != 0) {
		printf("Bail out! %s: %s\n", p, strerror(errno));
		exit(1);
	}
	close(fd);
	return p;
}

/* An fd reading `content` (a pipe, small enough for its buffer). */
static int fd_with(const char *content)
{
	int p[2];
	if (pipe(p) < 0)
		return -1;
	size_t n = strlen(content);
	if (write(p[1], content, n) != (ssize_t)n)
		return -1;
	close(p[1]);
	return p[0];
}

static bool is_want(const mu_key *k)
{
	uint8_t pk[32];
	return memcmp(k->sk, want_sk, 32) == 0 && key_pubkey(pk, want_sk) && memcmp(pk, k->pk, 32) == 0;
}

static void clear_env(void)
{
	unsetenv("MOSTRO_SECRET_KEY");
	unsetenv("NOSTR_SECRET_KEY");
	unsetenv("MOSTRO_MNEMONIC");
}

static void modes(void)
{
	static const struct { mode_t mode; secret_err want; } cases[] = {
		{0600, SECRET_OK}, {0400, SECRET_OK}, {0700, SECRET_OK}, {0500, SECRET_OK},
		{0644, SECRET_ERR_MODE}, {0640, SECRET_ERR_MODE}, {0604, SECRET_ERR_MODE}, {0620, SECRET_ERR_MODE},
		{0602, SECRET_ERR_MODE}, {0660, SECRET_ERR_MODE}, {0610, SECRET_ERR_MODE}, {0601, SECRET_ERR_MODE},
	};
	for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
		const char *p = file_with("mode.key", SK_HEX "\n", cases[i].mode);
		mu_key k;
		secret_err e = secret_load_key(p, -1, &k, NULL);
		t_ok(e == cases[i].want && (e != SECRET_OK || is_want(&k)), "key file mode %04o: %s",
		     (unsigned)cases[i].mode, secret_strerror(e));
		key_wipe(&k);
		chmod(p, 0600);
	}
	mu_key k;
	t_ok(secret_load_key(path_in("missing.key"), -1, &k, NULL) == SECRET_ERR_OPEN, "missing key file: SECRET_ERR_OPEN");
	mkdir(path_in("adir"), 0700);
	t_ok(secret_load_key(path_in("adir"), -1, &k, NULL) == SECRET_ERR_TYPE, "a directory: SECRET_ERR_TYPE");
	t_ok(secret_load_key("/dev/null", -1, &k, NULL) == SECRET_ERR_TYPE, "a character device: SECRET_ERR_TYPE");
}

static void formats(void)
{
	static const struct { const char *text; secret_err want; const char *what; } cases[] = {
		{SK_HEX, SECRET_OK, "lowercase hex"},
		{SK_HEX_UPPER, SECRET_OK, "uppercase hex"},
		{"67DEa2ed018072d675f5415ecfaed7d2597555e202d85b3d65ea4e58d2d92fFA", SECRET_OK, "mixed-case hex"},
		{SK_NSEC, SECRET_OK, "nsec"},
		{SK_NSEC_UPPER, SECRET_OK, "NSEC (all uppercase)"},
		{"  \t\n" SK_HEX " \r\n\n", SECRET_OK, "hex with surrounding whitespace"},
		{"\n" SK_NSEC "\n", SECRET_OK, "nsec with surrounding newlines"},
		{"Nsec1vl029mgpspedva04g90vltkh6fvh240zqtv9k0t9af8935ke9laqsnlfe5", SECRET_ERR_FORMAT, "mixed-case nsec"},
		{"nsec1vl029mgpspedva04g90vltkh6fvh240zqtv9k0t9af8935ke9laqsnlfe6", SECRET_ERR_FORMAT, "nsec with a bad checksum"},
		{"npub1vl029mgpspedva04g90vltkh6fvh240zqtv9k0t9af8935ke9laqsnlfe5", SECRET_ERR_FORMAT, "an npub-looking string"},
		{"67dea2ed018072d675f5415ecfaed7d2 597555e202d85b3d65ea4e58d2d92ffa", SECRET_ERR_FORMAT, "hex with inner space"},
		{"67dea2ed018072d675f5415ecfaed7d2597555e202d85b3d65ea4e58d2d92ff", SECRET_ERR_FORMAT, "63 hex digits"},
		{SK_HEX "0", SECRET_ERR_FORMAT, "65 hex digits"},
		{"0x" SK_HEX, SECRET_ERR_FORMAT, "0x prefix"},
		{"g7dea2ed018072d675f5415ecfaed7d2597555e202d85b3d65ea4e58d2d92ffa", SECRET_ERR_FORMAT, "non-hex digit"},
		{ZERO_HEX, SECRET_ERR_INVALID, "zero scalar"},
		{N_HEX, SECRET_ERR_INVALID, "scalar == n"},
		{"ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff", SECRET_ERR_INVALID, "scalar > n"},
		{N_MINUS_1, SECRET_OK, "scalar n - 1"},
	};
	for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
		char text[200];
		snprintf(text, sizeof text, "%s", cases[i].text);
		const char *p = file_with("fmt.key", text, 0600);
		mu_key k;
		secret_err e = secret_load_key(p, -1, &k, NULL);
		bool ok = e == cases[i].want;
		if (ok && e == SECRET_OK && strncmp(cases[i].text, "fff", 3) != 0)
			ok = is_want(&k);
		t_ok(ok, "%s: %s", cases[i].what, secret_strerror(e));
		key_wipe(&k);
	}

	/* nsec of an invalid scalar: format fine, scalar refused */
	uint8_t zero[32] = {0}, n[32];
	hex_decode(n, 32, N_HEX, 64, true);
	buf b = BUF_INIT;
	bech32_encode_bytes(&b, "nsec", zero, 32);
	mu_key k;
	t_ok(secret_parse_key(b.p, b.len, &k) == SECRET_ERR_INVALID, "nsec of zero: SECRET_ERR_INVALID");
	buf_reset(&b);
	bech32_encode_bytes(&b, "nsec", n, 32);
	t_ok(secret_parse_key(b.p, b.len, &k) == SECRET_ERR_INVALID, "nsec of n: SECRET_ERR_INVALID");
	buf_reset(&b);
	bech32_encode_bytes(&b, "nsec", want_sk, 31);
	t_ok(secret_parse_key(b.p, b.len, &k) == SECRET_ERR_FORMAT, "nsec of 31 bytes: SECRET_ERR_FORMAT");
	buf_reset(&b);
	bech32_encode_bytes(&b, "npub", want_sk, 32);
	t_ok(secret_parse_key(b.p, b.len, &k) == SECRET_ERR_FORMAT, "a real npub: SECRET_ERR_FORMAT");
	buf_free(&b);

	/* sizes */
	file_with("empty.key", "", 0600);
	t_ok(secret_load_key(path_in("empty.key"), -1, &k, NULL) == SECRET_ERR_EMPTY, "empty file: SECRET_ERR_EMPTY");
	file_with("blank.key", " \n\t\r\n", 0600);
	t_ok(secret_load_key(path_in("blank.key"), -1, &k, NULL) == SECRET_ERR_EMPTY, "whitespace-only file: SECRET_ERR_EMPTY");
	char big[4200];
	memset(big, ' ', sizeof big);
	memcpy(big + 100, SK_HEX, 64);
	big[4096] = 0;
	file_with("4096.key", big, 0600);
	secret_err e = secret_load_key(path_in("4096.key"), -1, &k, NULL);
	t_ok(e == SECRET_OK && is_want(&k), "4096 bytes (key padded with spaces): accepted (%s)", secret_strerror(e));
	big[4096] = ' ';
	big[4097] = 0;
	file_with("4097.key", big, 0600);
	t_ok(secret_load_key(path_in("4097.key"), -1, &k, NULL) == SECRET_ERR_TOO_LONG, "4097 bytes: SECRET_ERR_TOO_LONG");
	key_wipe(&k);

	/* secret_read_file returns the trimmed text */
	buf t = BUF_INIT;
	file_with("text", "  hello world \n", 0600);
	t_ok(secret_read_file(path_in("text"), &t) == SECRET_OK && strcmp(t.p, "hello world") == 0 && t.len == 11,
	     "secret_read_file trims surrounding whitespace only");
	buf_wipe(&t);
}

static void sources(void)
{
	const char *file = file_with("src.key", SK_HEX, 0600);
	char other_hex[65];
	uint8_t other[32];
	hex_decode(other, 32, N_MINUS_1, 64, true);
	hex_encode(other_hex, other, 32);
	mu_key k;
	const char *from = NULL;

	clear_env();
	t_ok(secret_load_key(NULL, -1, &k, &from) == SECRET_ERR_NONE, "no source: SECRET_ERR_NONE");

	setenv("NOSTR_SECRET_KEY", SK_NSEC, 1);
	t_ok(secret_load_key(NULL, -1, &k, &from) == SECRET_OK && is_want(&k) && from && strstr(from, "NOSTR_SECRET_KEY"),
	     "$NOSTR_SECRET_KEY alone is used (from: %s)", from ? from : "(null)");
	setenv("MOSTRO_SECRET_KEY", other_hex, 1);
	t_ok(secret_load_key(NULL, -1, &k, &from) == SECRET_OK && memcmp(k.sk, other, 32) == 0 && strstr(from, "MOSTRO_SECRET_KEY"),
	     "$MOSTRO_SECRET_KEY wins over $NOSTR_SECRET_KEY (from: %s)", from);
	setenv("MOSTRO_SECRET_KEY", "", 1);
	t_ok(secret_load_key(NULL, -1, &k, &from) == SECRET_OK && is_want(&k), "an empty $MOSTRO_SECRET_KEY is skipped");
	setenv("MOSTRO_SECRET_KEY", "  " SK_HEX_UPPER "\n", 1);
	t_ok(secret_load_key(NULL, -1, &k, &from) == SECRET_OK && is_want(&k), "the environment value is trimmed");
	setenv("MOSTRO_SECRET_KEY", "   ", 1);
	t_ok(secret_load_key(NULL, -1, &k, &from) == SECRET_ERR_EMPTY, "a blank $MOSTRO_SECRET_KEY: SECRET_ERR_EMPTY");
	setenv("MOSTRO_SECRET_KEY", other_hex, 1);

	int fd = fd_with(SK_HEX "\n");
	t_ok(secret_load_key(NULL, fd, &k, &from) == SECRET_OK && is_want(&k), "a descriptor wins over the environment (from: %s)",
	     from);
	close(fd);
	t_ok(secret_load_key(file, -1, &k, &from) == SECRET_OK && is_want(&k), "a file wins over the environment (from: %s)", from);
	fd = fd_with(other_hex);
	t_ok(secret_load_key(file, fd, &k, &from) == SECRET_OK && is_want(&k), "a file wins over a descriptor");
	close(fd);
	t_ok(secret_load_key(NULL, 987, &k, &from) == SECRET_ERR_OPEN, "a closed descriptor: SECRET_ERR_OPEN");

	/* "-" is stdin, which need not be a 0600 file */
	fd = fd_with(SK_NSEC "\n");
	int saved = dup(0);
	dup2(fd, 0);
	close(fd);
	secret_err e = secret_load_key("-", -1, &k, &from);
	dup2(saved, 0);
	close(saved);
	t_ok(e == SECRET_OK && is_want(&k), "--key-file - reads stdin (%s)", secret_strerror(e));

	/* a FIFO is accepted like a file, mode rules included */
	const char *fifo = path_in("fifo.key");
	unlink(fifo);
	if (mkfifo(fifo, 0600) == 0) {
		pid_t pid = fork();
		if (pid == 0) {
			int w = open(fifo, O_WRONLY);
			if (w >= 0 && write(w, SK_HEX, 64) == 64)
				_exit(0);
			_exit(1);
		}
		e = secret_load_key(fifo, -1, &k, &from);
		int st;
		waitpid(pid, &st, 0);
		t_ok(e == SECRET_OK && is_want(&k), "a 0600 FIFO is read (%s)", secret_strerror(e));
	}
	key_wipe(&k);
	clear_env();
}

static void mnemonics(void)
{
	buf m = BUF_INIT;
	const char *from;
	clear_env();
	t_ok(secret_load_mnemonic(NULL, -1, &m, &from) == SECRET_ERR_NONE, "no mnemonic source: SECRET_ERR_NONE");
	file_with("words", "  abandon\tabandon \n\n abandon  about \r\n", 0600);
	t_ok(secret_load_mnemonic(path_in("words"), -1, &m, &from) == SECRET_OK && strcmp(m.p, "abandon abandon abandon about") == 0,
	     "mnemonic file: whitespace runs collapse to single spaces ('%s')", m.p);
	file_with("words644", "abandon about", 0644);
	t_ok(secret_load_mnemonic(path_in("words644"), -1, &m, &from) == SECRET_ERR_MODE, "mnemonic file mode 0644 refused");
	setenv("MOSTRO_MNEMONIC", "leader  monkey\nparrot", 1);
	t_ok(secret_load_mnemonic(NULL, -1, &m, &from) == SECRET_OK && strcmp(m.p, "leader monkey parrot") == 0,
	     "$MOSTRO_MNEMONIC");
	int fd = fd_with("one two\n");
	t_ok(secret_load_mnemonic(NULL, fd, &m, &from) == SECRET_OK && strcmp(m.p, "one two") == 0,
	     "mnemonic descriptor wins over the environment");
	close(fd);
	buf_wipe(&m);
	clear_env();
}

static void create_file(void)
{
	mode_t old = umask(0);    /* the modes must be right without help from umask */
	const char *p = path_in("new/deeper/key");
	secret_err e = secret_write_file(p, SK_HEX "\n", 65);
	t_ok(e == SECRET_OK, "secret_write_file in missing directories (%s)", secret_strerror(e));
	struct stat st;
	t_ok(stat(p, &st) == 0 && (st.st_mode & 07777) == 0600, "file mode 0600 (%04o)", (unsigned)(st.st_mode & 07777));
	t_ok(stat(path_in("new/deeper"), &st) == 0 && (st.st_mode & 07777) == 0700, "parent created 0700 (%04o)",
	     (unsigned)(st.st_mode & 07777));
	t_ok(stat(path_in("new"), &st) == 0 && (st.st_mode & 07777) == 0700, "grandparent created 0700");
	mu_key k;
	t_ok(secret_load_key(p, -1, &k, NULL) == SECRET_OK && is_want(&k), "the created file loads as a key file");
	key_wipe(&k);

	/* never overwritten */
	e = secret_write_file(p, "x\n", 2);
	t_ok(e == SECRET_ERR_EXISTS, "an existing file: SECRET_ERR_EXISTS");
	t_ok(stat(p, &st) == 0 && st.st_size == 65, "and it is not truncated");
	const char *link = path_in("link");
	unlink(link);
	if (symlink(path_in("elsewhere"), link) == 0) {
		e = secret_write_file(link, "x\n", 2);
		t_ok(e == SECRET_ERR_EXISTS && access(path_in("elsewhere"), F_OK) != 0,
		     "a dangling symlink is not followed");
	}
	file_with("plainfile", "x", 0600);
	e = secret_write_file(path_in("plainfile/key"), "x\n", 2);
	t_ok(e == SECRET_ERR_OPEN, "a parent that is a file: SECRET_ERR_OPEN");
	/* an existing parent is used as it is */
	t_ok(secret_write_file(path_in("new/second"), "x\n", 2) == SECRET_OK, "an existing parent directory is fine");
	/* relative paths */
	char cwd[512];
	if (getcwd(cwd, sizeof cwd) && chdir(dir) == 0) {
		e = secret_write_file("rel/a/key", "x\n", 2);
		t_ok(e == SECRET_OK && stat("rel/a", &st) == 0 && (st.st_mode & 07777) == 0700, "a relative path");
		if (chdir(cwd) != 0)
			t_diag("chdir back failed");
	}
	umask(old);
	for (int i = SECRET_OK; i <= SECRET_ERR_EXISTS; i++)
		t_ok(strcmp(secret_strerror((secret_err)i), "unknown error") != 0, "secret_strerror(%d)", i);
}

int main(void)
{
	snprintf(dir, sizeof dir, "/tmp/mu-secret-XXXXXX");
	if (!mkdtemp(dir)) {
		printf("Bail out! mkdtemp\n");
		return 1;
	}
	hex_decode(want_sk, 32, SK_HEX, 64, true);
	modes();
	formats();
	sources();
	mnemonics();
	create_file();
	char cmd[128];
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
	if (system(cmd) != 0)
		t_diag("could not remove %s", dir);
	return t_done();
}
