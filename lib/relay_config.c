#include "relay_config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

void relay_config_defaults(relay_config *c)
{
	memset(c, 0, sizeof *c);
	snprintf(c->host, sizeof c->host, "127.0.0.1");
	c->port = 7000;
	c->db_path = ":memory:";
	snprintf(c->name, sizeof c->name, "mostro-relay");
	c->max_event_size = 64 * 1024;
	c->max_event_tags = 2000;
	c->max_subscriptions = 20;
	c->max_filters = 10;
	c->max_limit = 5000;
	c->max_subid_length = 64;
	c->max_output = RELAY_DEFAULT_MAX_OUTPUT;
	c->idle_timeout = 120;
	c->stall_timeout = 30;
	c->auth_window = 600;
	c->purge_interval = 60;
	long cpus = sysconf(_SC_NPROCESSORS_ONLN);
	c->verify_threads = cpus > 1 ? (unsigned)(cpus - 1 > 3 ? 3 : cpus - 1) : 0;
}

size_t relay_config_max_message(const relay_config *c)
{
	return c->max_event_size + 4096;
}

const char *listen_strerror(listen_err e)
{
	switch (e) {
	case LISTEN_OK: return "ok";
	case LISTEN_ERR_SYNTAX: return "expected HOST:PORT, [IPv6]:PORT or PORT";
	case LISTEN_ERR_HOST: return "host is not a numeric IP address (or localhost)";
	case LISTEN_ERR_PORT: return "port is not a number in 0..65535";
	}
	return "unknown error";
}

static bool parse_port(const char *s, int *port)
{
	if (!*s || strlen(s) > 5)
		return false;
	for (const char *p = s; *p; p++)
		if (*p < '0' || *p > '9')
			return false;
	long v = strtol(s, NULL, 10);
	if (v > 65535)
		return false;
	*port = (int)v;
	return true;
}

listen_err relay_config_set_listen(relay_config *c, const char *spec)
{
	char host[64];
	const char *port;
	if (spec[0] == '[') {
		const char *end = strchr(spec, ']');
		if (!end || end[1] != ':' || (size_t)(end - spec - 1) >= sizeof host)
			return LISTEN_ERR_SYNTAX;
		memcpy(host, spec + 1, (size_t)(end - spec - 1));
		host[end - spec - 1] = 0;
		port = end + 2;
	} else {
		const char *colon = strrchr(spec, ':');
		if (!colon) {
			snprintf(host, sizeof host, "127.0.0.1");
			port = spec;
		} else {
			if (strchr(spec, ':') != colon)       /* bare IPv6 needs brackets */
				return LISTEN_ERR_SYNTAX;
			if ((size_t)(colon - spec) >= sizeof host || colon == spec)
				return LISTEN_ERR_SYNTAX;
			memcpy(host, spec, (size_t)(colon - spec));
			host[colon - spec] = 0;
			port = colon + 1;
		}
	}
	int p;
	if (!parse_port(port, &p))
		return LISTEN_ERR_PORT;
	if (strcmp(host, "localhost") == 0)
		snprintf(host, sizeof host, "127.0.0.1");
	unsigned char a[16];
	if (inet_pton(AF_INET, host, a) != 1 && inet_pton(AF_INET6, host, a) != 1)
		return LISTEN_ERR_HOST;
	snprintf(c->host, sizeof c->host, "%s", host);
	c->port = p;
	return LISTEN_OK;
}

bool relay_host_is_loopback(const char *host)
{
	unsigned char a[16];
	if (inet_pton(AF_INET, host, a) == 1)
		return a[0] == 127;
	if (inet_pton(AF_INET6, host, a) == 1) {
		static const unsigned char one[16] = {[15] = 1};
		static const unsigned char mapped[12] = {[10] = 0xff, [11] = 0xff};
		return memcmp(a, one, 16) == 0 || (memcmp(a, mapped, 12) == 0 && a[12] == 127);
	}
	return false;
}

bool relay_host_is_unspecified(const char *host)
{
	static const unsigned char zero[16];
	unsigned char a[16];
	if (inet_pton(AF_INET, host, a) == 1)
		return memcmp(a, zero, 4) == 0;
	return inet_pton(AF_INET6, host, a) == 1 && memcmp(a, zero, 16) == 0;
}

bool relay_config_set_auth_kinds(relay_config *c, const char *list)
{
	uint16_t kinds[RELAY_MAX_AUTH_KINDS];
	size_t n = 0;
	const char *p = list;
	while (*p) {
		char *end;
		if (*p < '0' || *p > '9' || n == RELAY_MAX_AUTH_KINDS)
			return false;
		errno = 0;
		unsigned long k = strtoul(p, &end, 10);
		if (errno || k > 65535 || (*end && *end != ','))
			return false;
		kinds[n++] = (uint16_t)k;
		p = *end ? end + 1 : end;
		if (*end && !*p)
			return false;                  /* trailing comma */
	}
	memcpy(c->auth_read_kinds, kinds, n * sizeof *kinds);
	c->n_auth_read_kinds = n;
	return true;
}

bool relay_config_kind_restricted(const relay_config *c, uint32_t kind)
{
	for (size_t i = 0; i < c->n_auth_read_kinds; i++)
		if (c->auth_read_kinds[i] == kind)
			return true;
	return false;
}
