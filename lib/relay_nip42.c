#include "relay_nip42.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/random.h>

#include "hex.h"
#include "relay_config.h"

const char *nip42_strerror(nip42_err e)
{
	switch (e) {
	case NIP42_OK: return "ok";
	case NIP42_ERR_KIND: return "not a kind 22242 event";
	case NIP42_ERR_SIGNATURE: return "id or signature does not verify";
	case NIP42_ERR_CHALLENGE: return "challenge tag does not match the challenge sent";
	case NIP42_ERR_RELAY: return "relay tag does not name this relay";
	case NIP42_ERR_TIME: return "created_at is too far from the current time";
	}
	return "unknown error";
}

void nip42_challenge(char out[RELAY_CHALLENGE_LEN + 1])
{
	uint8_t r[RELAY_CHALLENGE_LEN / 2];
	size_t got = 0;
	while (got < sizeof r) {
		ssize_t n = getrandom(r + got, sizeof r - got, 0);
		if (n <= 0)
			abort();           /* no randomness: nothing sane to do */
		got += (size_t)n;
	}
	hex_encode(out, r, sizeof r);
}

typedef struct url_parts {
	char host[256];
	int  port;
	bool ok;
} url_parts;

static url_parts split_url(const char *u)
{
	url_parts p = {0};
	int def = 0;
	const char *s = strstr(u, "://");
	if (s) {
		size_t sl = (size_t)(s - u);
		if ((sl == 3 && strncasecmp(u, "wss", 3) == 0) || (sl == 5 && strncasecmp(u, "https", 5) == 0))
			def = 443;
		else if ((sl == 2 && strncasecmp(u, "ws", 2) == 0) || (sl == 4 && strncasecmp(u, "http", 4) == 0))
			def = 80;
		else
			return p;
		u = s + 3;
	} else {
		def = 443;             /* a bare host is wss:// (as nak normalises) */
	}
	size_t hl;
	const char *rest;
	if (*u == '[') {
		const char *e = strchr(u, ']');
		if (!e)
			return p;
		hl = (size_t)(e - u - 1);
		u++;
		rest = e + 1;
	} else {
		hl = strcspn(u, ":/?#");
		rest = u + hl;
	}
	if (hl == 0 || hl >= sizeof p.host)
		return p;
	for (size_t i = 0; i < hl; i++)
		p.host[i] = (char)tolower((unsigned char)u[i]);
	p.port = def;
	if (*rest == ':') {
		char *end;
		long v = strtol(rest + 1, &end, 10);
		if (end == rest + 1 || v <= 0 || v > 65535 || (*end && *end != '/' && *end != '?' && *end != '#'))
			return p;
		p.port = (int)v;
	}
	p.ok = true;
	return p;
}

static bool loopback_name(const char *h)
{
	return strcmp(h, "localhost") == 0 || relay_host_is_loopback(h);
}

bool nip42_url_matches(const char *ours, const char *theirs)
{
	url_parts a = split_url(ours), b = split_url(theirs);
	if (!a.ok || !b.ok || a.port != b.port)
		return false;
	if (strcmp(a.host, b.host) == 0)
		return true;
	return loopback_name(a.host) && loopback_name(b.host);
}

bool nip42_url_usable(const char *url)
{
	return strstr(url, "://") && split_url(url).ok;
}

/* The first value of the first tag named `name`, NUL-terminated, or NULL. */
static const char *tag1(const nostr_event *ev, const char *name)
{
	size_t n;
	const char *v = event_tag_value(ev, name, 1, &n);
	return v && strlen(v) == n ? v : NULL;
}

nip42_err nip42_check(const nostr_event *ev, const char *challenge, const char *relay_url,
			  uint64_t now, unsigned window)
{
	if (ev->kind != NIP42_AUTH_KIND)
		return NIP42_ERR_KIND;
	if (event_verify(ev) != EVENT_OK)
		return NIP42_ERR_SIGNATURE;
	const char *c = tag1(ev, "challenge");
	if (!c || strcmp(c, challenge) != 0)
		return NIP42_ERR_CHALLENGE;
	const char *r = tag1(ev, "relay");
	if (!r || !nip42_url_matches(relay_url, r))
		return NIP42_ERR_RELAY;
	uint64_t d = ev->created_at > now ? ev->created_at - now : now - ev->created_at;
	if (d > window)
		return NIP42_ERR_TIME;
	return NIP42_OK;
}
