#include "t.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hex.h"
#include "json.h"

static int n_tests, n_failed;

static void vreport(bool cond, const char *fmt, va_list ap)
{
	n_tests++;
	if (!cond)
		n_failed++;
	printf("%sok %d - ", cond ? "" : "not ", n_tests);
	vprintf(fmt, ap);
	putchar('\n');
	fflush(stdout);
}

void t_ok(bool cond, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vreport(cond, fmt, ap);
	va_end(ap);
}

void t_diag(const char *fmt, ...)
{
	va_list ap;
	fputs("# ", stdout);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
}

void t_eq_str(const char *got, const char *want, const char *fmt, ...)
{
	bool ok = got && want && strcmp(got, want) == 0;
	va_list ap;
	va_start(ap, fmt);
	vreport(ok, fmt, ap);
	va_end(ap);
	if (!ok) {
		t_diag("  got:  %s", got ? got : "(null)");
		t_diag("  want: %s", want ? want : "(null)");
	}
}

void t_eq_int(long long got, long long want, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vreport(got == want, fmt, ap);
	va_end(ap);
	if (got != want)
		t_diag("  got %lld, want %lld", got, want);
}

void t_eq_hex(const uint8_t *got, size_t n, const char *want, const char *fmt, ...)
{
	char *h = malloc(2 * n + 1);
	hex_encode(h, got, n);
	bool ok = want && strcmp(h, want) == 0;
	va_list ap;
	va_start(ap, fmt);
	vreport(ok, fmt, ap);
	va_end(ap);
	if (!ok) {
		t_diag("  got:  %s", h);
		t_diag("  want: %s", want ? want : "(null)");
	}
	free(h);
}

int t_done(void)
{
	printf("1..%d\n", n_tests);
	if (n_failed)
		printf("# %d of %d failed\n", n_failed, n_tests);
	return n_failed ? 1 : 0;
}

const char *t_vector(const char *name)
{
	static char path[4096];
	const char *dir = getenv("MOSTRO_VECTORS");
	snprintf(path, sizeof path, "%s/%s", dir && *dir ? dir : "tests/vectors", name);
	return path;
}

char *t_slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	if (!f) {
		printf("Bail out! cannot open %s\n", path);
		exit(1);
	}
	size_t cap = 1 << 16, n = 0;
	char *p = malloc(cap);
	size_t r;
	while ((r = fread(p + n, 1, cap - n - 1, f)) > 0) {
		n += r;
		if (cap - n < 2)
			p = realloc(p, cap *= 2);
	}
	fclose(f);
	p[n] = 0;
	if (len)
		*len = n;
	return p;
}

int t_jsonl(const char *name, void (*fn)(jv rec, int lineno, void *ctx), void *ctx)
{
	size_t len;
	char *all = t_slurp(t_vector(name), &len);
	int count = 0, lineno = 0;
	for (char *line = all; line && *line;) {
		char *nl = strchr(line, '\n');
		size_t n = nl ? (size_t)(nl - line) : strlen(line);
		lineno++;
		if (n) {
			json_error e;
			jv rec = json_parse(line, n, JSON_LONE_SURROGATE_FFFD, &e);
			if (!jv_is_valid(rec)) {
				t_ok(false, "%s:%d parses (%s)", name, lineno, e.msg);
			} else {
				fn(rec, lineno, ctx);
				count++;
			}
			jv_free(rec);
		}
		line = nl ? nl + 1 : NULL;
	}
	free(all);
	return count;
}

bool t_hexfield(jv rec, const char *key, uint8_t *out, size_t n)
{
	size_t len;
	const char *s = json_get_str(rec, key, &len);
	return s && hex_decode(out, n, s, len, false);
}
