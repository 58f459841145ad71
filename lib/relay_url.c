#include "relay_url.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

const char *relay_url_strerror(relay_url_err e)
{
	switch (e) {
	case RELAY_URL_OK: return "ok";
	case RELAY_URL_ERR_EMPTY: return "empty relay URL";
	case RELAY_URL_ERR_SCHEME: return "not a ws://, wss://, http:// or https:// URL";
	case RELAY_URL_ERR_HOST: return "bad host in relay URL";
	case RELAY_URL_ERR_PORT: return "bad port in relay URL";
	case RELAY_URL_ERR_CHARS: return "whitespace or control character in relay URL";
	}
	return "unknown error";
}

static bool is_local_host(const char *h, size_t n)
{
	if (n == 9 && strncasecmp(h, "localhost", 9) == 0)
		return true;
	if (n == 5 && strncmp(h, "[::1]", 5) == 0)
		return true;
	return n >= 4 && strncmp(h, "127.", 4) == 0;
}

static bool host_char(char c)
{
	return isalnum((unsigned char)c) || c == '-' || c == '.' || c == '_';
}

static bool ipv6_char(char c)
{
	return isxdigit((unsigned char)c) || c == ':' || c == '.';
}

/* Splits authority "host[:port]" into its parts; validates both. */
static relay_url_err split_authority(const char *a, size_t n, const char **host, size_t *hlen,
				     long *port)
{
	*port = 0;
	const char *colon = NULL;
	if (n > 0 && a[0] == '[') {
		const char *close = memchr(a, ']', n);
		if (!close || close == a + 1)
			return RELAY_URL_ERR_HOST;
		for (const char *p = a + 1; p < close; p++)
			if (!ipv6_char(*p))
				return RELAY_URL_ERR_HOST;
		*host = a;
		*hlen = (size_t)(close - a) + 1;
		if (*hlen < n) {
			if (a[*hlen] != ':')
				return RELAY_URL_ERR_HOST;
			colon = a + *hlen;
		}
	} else {
		colon = memchr(a, ':', n);
		*host = a;
		*hlen = colon ? (size_t)(colon - a) : n;
		if (*hlen == 0)
			return RELAY_URL_ERR_HOST;
		for (size_t i = 0; i < *hlen; i++)
			if (!host_char(a[i]))
				return RELAY_URL_ERR_HOST;
	}
	if (colon) {
		const char *p = colon + 1, *end = a + n;
		if (p == end || end - p > 5)
			return RELAY_URL_ERR_PORT;
		long v = 0;
		for (; p < end; p++) {
			if (!isdigit((unsigned char)*p))
				return RELAY_URL_ERR_PORT;
			v = v * 10 + (*p - '0');
		}
		if (v < 1 || v > 65535)
			return RELAY_URL_ERR_PORT;
		*port = v;
	}
	return RELAY_URL_OK;
}

relay_url_err relay_url_normalize(const char *in, buf *out)
{
	buf_reset(out);
	size_t n = strlen(in);
	while (n && isspace((unsigned char)in[n - 1]))
		n--;
	while (n && isspace((unsigned char)*in))
		in++, n--;
	if (n == 0)
		return RELAY_URL_ERR_EMPTY;
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)in[i] <= ' ' || in[i] == 0x7f)
			return RELAY_URL_ERR_CHARS;

	const char *scheme = NULL, *rest = in;
	const char *sep = strstr(in, "://");
	bool tls;
	if (sep && (size_t)(sep - in) < n) {
		size_t sl = (size_t)(sep - in);
		if (sl == 2 && strncasecmp(in, "ws", 2) == 0)
			tls = false;
		else if (sl == 3 && strncasecmp(in, "wss", 3) == 0)
			tls = true;
		else if (sl == 4 && strncasecmp(in, "http", 4) == 0)
			tls = false;
		else if (sl == 5 && strncasecmp(in, "https", 5) == 0)
			tls = true;
		else
			return RELAY_URL_ERR_SCHEME;
		scheme = in;
		rest = sep + 3;
	} else {
		tls = true; /* decided below from the host */
	}
	const char *end = in + n;
	const char *hash = memchr(rest, '#', (size_t)(end - rest));
	if (hash)
		end = hash;
	size_t alen = strcspn(rest, "/?#");
	if (rest + alen > end)
		alen = (size_t)(end - rest);
	const char *host;
	size_t hlen;
	long port;
	relay_url_err e = split_authority(rest, alen, &host, &hlen, &port);
	if (e)
		return e;
	if (!scheme)
		tls = !is_local_host(host, hlen);

	buf_puts(out, tls ? "wss://" : "ws://");
	for (size_t i = 0; i < hlen; i++)
		buf_putc(out, (char)tolower((unsigned char)host[i]));
	if (port && port != (tls ? 443 : 80))
		buf_printf(out, ":%ld", port);
	/* path (and query): drop trailing slashes of the path part */
	const char *path = rest + alen;
	size_t plen = (size_t)(end - path);
	const char *q = memchr(path, '?', plen);
	size_t pathlen = q ? (size_t)(q - path) : plen;
	size_t keep = pathlen;
	while (keep > 0 && path[keep - 1] == '/')
		keep--;
	buf_put(out, path, keep);
	if (q)
		buf_put(out, q, plen - pathlen);
	return RELAY_URL_OK;
}

relay_url_err relay_url_parse(const char *url, relay_url *u)
{
	buf norm = BUF_INIT;
	relay_url_err e = relay_url_normalize(url, &norm);
	if (e) {
		buf_free(&norm);
		return e;
	}
	memset(u, 0, sizeof *u);
	u->tls = strncmp(norm.p, "wss://", 6) == 0;
	const char *a = norm.p + (u->tls ? 6 : 5);
	size_t alen = strcspn(a, "/?");
	const char *host;
	size_t hlen;
	long port;
	e = split_authority(a, alen, &host, &hlen, &port);
	if (!e && (alen >= sizeof u->hostport || hlen >= sizeof u->host || strlen(a + alen) + 2 > sizeof u->path))
		e = RELAY_URL_ERR_HOST;
	if (!e) {
		memcpy(u->hostport, a, alen);
		if (host[0] == '[')
			memcpy(u->host, host + 1, hlen - 2);
		else
			memcpy(u->host, host, hlen);
		u->port = port ? (int)port : (u->tls ? 443 : 80);
		if (a[alen] == '/')
			strcpy(u->path, a + alen);
		else {
			u->path[0] = '/';
			strcpy(u->path + 1, a + alen);
		}
	}
	buf_free(&norm);
	return e;
}

relay_url_err relay_url_http(const char *url, buf *out)
{
	buf norm = BUF_INIT;
	relay_url_err e = relay_url_normalize(url, &norm);
	if (!e) {
		buf_reset(out);
		bool tls = strncmp(norm.p, "wss://", 6) == 0;
		buf_puts(out, tls ? "https://" : "http://");
		buf_puts(out, norm.p + (tls ? 6 : 5));
	}
	buf_free(&norm);
	return e;
}

bool relay_list_has(const relay_list *l, const char *normalized)
{
	for (size_t i = 0; i < l->n; i++)
		if (strcmp(l->urls[i], normalized) == 0)
			return true;
	return false;
}

relay_url_err relay_list_add(relay_list *l, const char *in)
{
	buf norm = BUF_INIT;
	relay_url_err e = relay_url_normalize(in, &norm);
	if (e || relay_list_has(l, norm.p)) {
		buf_free(&norm);
		return e;
	}
	if (l->n == l->cap) {
		l->cap = l->cap ? l->cap * 2 : 4;
		l->urls = mu_xrealloc(l->urls, l->cap * sizeof *l->urls);
	}
	l->urls[l->n++] = buf_steal(&norm);
	return RELAY_URL_OK;
}

relay_url_err relay_list_add_csv(relay_list *l, const char *s, char *bad, size_t badlen)
{
	while (*s) {
		size_t n = strcspn(s, ",");
		char *item = mu_xstrndup(s, n);
		bool blank = true;
		for (char *p = item; *p; p++)
			if (!isspace((unsigned char)*p))
				blank = false;
		relay_url_err e = blank ? RELAY_URL_OK : relay_list_add(l, item);
		if (e && bad && badlen) {
			strncpy(bad, item, badlen - 1);
			bad[badlen - 1] = 0;
		}
		free(item);
		if (e)
			return e;
		s += n;
		if (*s == ',')
			s++;
	}
	return RELAY_URL_OK;
}

void relay_list_free(relay_list *l)
{
	for (size_t i = 0; i < l->n; i++)
		free(l->urls[i]);
	free(l->urls);
	memset(l, 0, sizeof *l);
}
