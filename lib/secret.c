#include "secret.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <sodium.h>

#include "bech32.h"
#include "hex.h"
#include "safefile.h"

#define SECRET_MAX 4096

const char *secret_strerror(secret_err e)
{
	switch (e) {
	case SECRET_OK: return "ok";
	case SECRET_ERR_NONE: return "no secret given (use a file, a descriptor or the environment)";
	case SECRET_ERR_OPEN: return "cannot read the secret";
	case SECRET_ERR_MODE: return "key file is readable by group or others (chmod 600)";
	case SECRET_ERR_TYPE: return "key source is not a regular file or pipe";
	case SECRET_ERR_EMPTY: return "secret is empty";
	case SECRET_ERR_TOO_LONG: return "secret source is too long";
	case SECRET_ERR_FORMAT: return "secret is neither 64 hex digits nor an nsec";
	case SECRET_ERR_INVALID: return "secret is not a valid secp256k1 key";
	case SECRET_ERR_EXISTS: return "file already exists";
	}
	return "unknown error";
}

static void trim(buf *b)
{
	size_t s = 0, e = b->len;
	while (s < e && (b->p[s] == ' ' || b->p[s] == '\n' || b->p[s] == '\r' || b->p[s] == '\t'))
		s++;
	while (e > s && (b->p[e - 1] == ' ' || b->p[e - 1] == '\n' || b->p[e - 1] == '\r' || b->p[e - 1] == '\t'))
		e--;
	if (s)
		memmove(b->p, b->p + s, e - s);
	sodium_memzero(b->p + (e - s), b->len - (e - s));
	b->len = e - s;
	b->p[b->len] = 0;
}

secret_err secret_read_fd(int fd, buf *out)
{
	char tmp[512];
	buf_reset(out);
	buf_reserve(out, SECRET_MAX + 1);   /* no reallocation: no stray copies */
	for (;;) {
		ssize_t n = read(fd, tmp, sizeof tmp);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			sodium_memzero(tmp, sizeof tmp);
			return SECRET_ERR_OPEN;
		}
		if (n == 0)
			break;
		if (out->len + (size_t)n > SECRET_MAX) {
			sodium_memzero(tmp, sizeof tmp);
			return SECRET_ERR_TOO_LONG;
		}
		buf_put(out, tmp, (size_t)n);
	}
	sodium_memzero(tmp, sizeof tmp);
	trim(out);
	return out->len ? SECRET_OK : SECRET_ERR_EMPTY;
}

secret_err secret_read_file(const char *path, buf *out)
{
	if (strcmp(path, "-") == 0)
		return secret_read_fd(0, out);
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (fd < 0)
		return SECRET_ERR_OPEN;
	struct stat st;
	if (fstat(fd, &st) < 0) {
		close(fd);
		return SECRET_ERR_OPEN;
	}
	if (!S_ISREG(st.st_mode) && !S_ISFIFO(st.st_mode)) {
		close(fd);
		return SECRET_ERR_TYPE;
	}
	if (st.st_mode & 077) {
		close(fd);
		return SECRET_ERR_MODE;
	}
	secret_err e = secret_read_fd(fd, out);
	close(fd);
	return e;
}

secret_err secret_parse_key(const char *s, size_t n, mu_key *k)
{
	uint8_t sk[32];
	secret_err e = SECRET_OK;
	if (n == 64) {
		if (!hex_decode(sk, 32, s, n, false))
			return SECRET_ERR_FORMAT;
	} else if (n > 5 && (strncmp(s, "nsec1", 5) == 0 || strncmp(s, "NSEC1", 5) == 0)) {
		char hrp[8];
		size_t len;
		uint8_t raw[40];
		if (bech32_decode_bytes(s, n, 5000, hrp, sizeof hrp, raw, &len, sizeof raw) != BECH32_OK ||
		    strcmp(hrp, "nsec") != 0 || len != 32) {
			sodium_memzero(raw, sizeof raw);
			return SECRET_ERR_FORMAT;
		}
		memcpy(sk, raw, 32);
		sodium_memzero(raw, sizeof raw);
	} else {
		return SECRET_ERR_FORMAT;
	}
	if (!key_from_secret(k, sk))
		e = SECRET_ERR_INVALID;
	sodium_memzero(sk, sizeof sk);
	return e;
}

static secret_err load_text(const char *file, int fd, const char *const *envs, buf *out, const char **from)
{
	static const char *desc;
	if (file) {
		desc = "key file";
		if (from)
			*from = desc;
		return secret_read_file(file, out);
	}
	if (fd >= 0) {
		desc = "key descriptor";
		if (from)
			*from = desc;
		return secret_read_fd(fd, out);
	}
	for (; *envs; envs++) {
		const char *v = getenv(*envs);
		if (v && *v) {
			if (from)
				*from = *envs;
			buf_reset(out);
			buf_reserve(out, strlen(v) + 1);
			buf_puts(out, v);
			trim(out);
			return out->len ? SECRET_OK : SECRET_ERR_EMPTY;
		}
	}
	if (from)
		*from = "environment";
	return SECRET_ERR_NONE;
}

secret_err secret_load_key(const char *file, int fd, mu_key *k, const char **from)
{
	static const char *const envs[] = {"MOSTRO_SECRET_KEY", "NOSTR_SECRET_KEY", NULL};
	buf b = BUF_INIT;
	secret_err e = load_text(file, fd, envs, &b, from);
	if (e == SECRET_OK)
		e = secret_parse_key(b.p, b.len, k);
	buf_wipe(&b);
	return e;
}

secret_err secret_load_mnemonic(const char *file, int fd, buf *out, const char **from)
{
	static const char *const envs[] = {"MOSTRO_MNEMONIC", NULL};
	buf raw = BUF_INIT;
	secret_err e = load_text(file, fd, envs, &raw, from);
	if (e == SECRET_OK) {
		/* collapse any whitespace runs into single spaces */
		buf_reset(out);
		buf_reserve(out, raw.len + 1);
		bool space = false;
		for (size_t i = 0; i < raw.len; i++) {
			char c = raw.p[i];
			if (c == ' ' || c == '\n' || c == '\r' || c == '\t') {
				space = true;
				continue;
			}
			if (space && out->len)
				buf_putc(out, ' ');
			space = false;
			buf_putc(out, c);
		}
	}
	buf_wipe(&raw);
	return e;
}

secret_err secret_write_file(const char *path, const void *s, size_t n)
{
	safefile_err e = safefile_write(path, s, n, SAFEFILE_EXCLUSIVE | SAFEFILE_MKDIRS);
	return e == SAFEFILE_OK ? SECRET_OK : e == SAFEFILE_ERR_EXISTS ? SECRET_ERR_EXISTS : SECRET_ERR_OPEN;
}
