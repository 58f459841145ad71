#include "lnurl.h"

#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>
#include <curl/curl.h>

#include "bech32.h"
#include "bolt11.h"
#include "buf.h"
#include "detail.h"
#include "json.h"
#include "sha256.h"

/* ---- errors ------------------------------------------------------------- */

static const struct { const char *reason, *message; } errs[LNURL_ERR_COUNT] = {
	[LNURL_OK] = {"ok", "ok"},
	[LNURL_ERR_TARGET] = {"bad_target", "neither a Lightning Address nor an LNURL"},
	[LNURL_ERR_URL] = {"bad_url", "URL does not parse"},
	[LNURL_ERR_SCHEME] = {"scheme_not_allowed", "only https URLs are fetched"},
	[LNURL_ERR_USERINFO] = {"userinfo_in_url", "URL carries a user name or password"},
	[LNURL_ERR_DNS] = {"dns_failed", "host name did not resolve in time"},
	[LNURL_ERR_FORBIDDEN] = {"forbidden_address", "host is a private, loopback, link-local or reserved address"},
	[LNURL_ERR_TRANSPORT] = {"transport", "connection failed"},
	[LNURL_ERR_TIMEOUT] = {"timeout", "request timed out"},
	[LNURL_ERR_HTTP_STATUS] = {"http_status", "server answered with a non-2xx status"},
	[LNURL_ERR_TOO_LARGE] = {"body_too_large", "response body too large"},
	[LNURL_ERR_JSON] = {"bad_json", "response is not a JSON object"},
	[LNURL_ERR_SERVER] = {"server_error", "server answered status ERROR"},
	[LNURL_ERR_TAG] = {"not_pay_request", "tag is not payRequest"},
	[LNURL_ERR_CALLBACK] = {"bad_callback", "pay document has no usable callback"},
	[LNURL_ERR_AMOUNT] = {"bad_amount", "amount does not fit in millisatoshis"},
	[LNURL_ERR_AMOUNT_RANGE] = {"amount_out_of_range", "amount outside minSendable..maxSendable"},
	[LNURL_ERR_NO_INVOICE] = {"no_invoice", "callback returned no invoice"},
	[LNURL_ERR_INVOICE] = {"invalid_invoice", "callback returned an invalid invoice"},
	[LNURL_ERR_INVOICE_AMOUNT] = {"wrong_invoice_amount", "invoice is not for the requested amount"},
};

const char *lnurl_reason(lnurl_err e)
{
	return (unsigned)e < LNURL_ERR_COUNT ? errs[e].reason : "unknown";
}

const char *lnurl_strerror(lnurl_err e)
{
	return (unsigned)e < LNURL_ERR_COUNT ? errs[e].message : "unknown error";
}

static lnurl_err fail(lnurl_err e, char *detail, size_t cap, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
static lnurl_err fail(lnurl_err e, char *detail, size_t cap, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	detail_vset(detail, cap, lnurl_strerror(e), fmt, ap);
	va_end(ap);
	return e;
}

void lnurl_opts_defaults(lnurl_opts *o)
{
	o->allow_private = false;
	o->dns_timeout_ms = 2000;
	o->connect_timeout_ms = 2000;
	o->timeout_ms = 4000;
	o->max_body = LNURL_MAX_BODY;
	o->stop = NULL;
}

static bool stopped(const lnurl_opts *o)
{
	return o->stop && atomic_load(o->stop);
}

bool lnurl_opts_test_override(lnurl_opts *o)
{
	const char *v = getenv("MOSTRO_LNURL_ALLOW_PRIVATE");
	if (v && strcmp(v, "1") == 0)
		o->allow_private = true;
	return o->allow_private;
}

void lnurl_pay_free(lnurl_pay *p)
{
	free(p->url);
	free(p->callback);
	free(p->metadata);
	free(p->description);
	memset(p, 0, sizeof *p);
}

void lnurl_invoice_free(lnurl_invoice *i)
{
	free(i->pr);
	free(i->callback_url);
	memset(i, 0, sizeof *i);
	i->description_hash = -1;
}

/* ---- address policy ----------------------------------------------------- */

static bool v4_always_forbidden(const uint8_t a[4])
{
	uint32_t x = (uint32_t)a[0] << 24 | (uint32_t)a[1] << 16 | (uint32_t)a[2] << 8 | a[3];
	return x == 0 ||                                   /* 0.0.0.0 */
	       x == 0xffffffffu ||                         /* broadcast */
	       (x >> 28) == 0xe ||                         /* 224/4 multicast */
	       (x >> 16) == 0xa9fe ||                      /* 169.254/16 link-local */
	       (x >> 8) == 0xc00002 ||                     /* 192.0.2/24 */
	       (x >> 8) == 0xc63364 ||                     /* 198.51.100/24 */
	       (x >> 8) == 0xcb0071 ||                     /* 203.0.113/24 */
	       (x >> 22) == (0x64400000u >> 22);           /* 100.64/10 CGNAT */
}

static bool v4_private(const uint8_t a[4])
{
	return a[0] == 127 || a[0] == 10 || (a[0] == 172 && (a[1] & 0xf0) == 16) ||
	       (a[0] == 192 && a[1] == 168);
}

static bool v4_forbidden(const uint8_t a[4], bool allow_private)
{
	return v4_always_forbidden(a) || (!allow_private && v4_private(a));
}

static bool v6_forbidden(const uint8_t a[16], bool allow_private)
{
	static const uint8_t zero[16], loop[16] = {[15] = 1};
	static const uint8_t mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
	static const uint8_t nat64[12] = {0, 0x64, 0xff, 0x9b};
	if (memcmp(a, mapped, 12) == 0)
		return v4_forbidden(a + 12, allow_private);
	if (memcmp(a, zero, 16) == 0 ||                    /* :: */
	    a[0] == 0xff ||                                /* ff00::/8 multicast */
	    (a[0] == 0xfe && (a[1] & 0xc0) == 0x80) ||     /* fe80::/10 link-local */
	    memcmp(a, nat64, 12) == 0)                     /* 64:ff9b::/96 */
		return true;
	if (allow_private)
		return false;
	return memcmp(a, loop, 16) == 0 || (a[0] & 0xfe) == 0xfc; /* ::1, fc00::/7 */
}

bool lnurl_ip_forbidden(const char *ip, bool allow_private)
{
	uint8_t a[16];
	if (inet_pton(AF_INET, ip, a) == 1)
		return v4_forbidden(a, allow_private);
	if (inet_pton(AF_INET6, ip, a) == 1)
		return v6_forbidden(a, allow_private);
	return true;                                       /* not an address: fail closed */
}

static bool sa_forbidden(const struct sockaddr *sa, bool allow_private)
{
	if (sa->sa_family == AF_INET)
		return v4_forbidden((const uint8_t *)&((const struct sockaddr_in *)(const void *)sa)->sin_addr,
				    allow_private);
	if (sa->sa_family == AF_INET6)
		return v6_forbidden(((const struct sockaddr_in6 *)(const void *)sa)->sin6_addr.s6_addr,
				    allow_private);
	return true;
}

/* ---- bounded DNS -------------------------------------------------------- */

/* getaddrinfo has no timeout: run it on a detached thread and wait at most
 * timeout_ms. The job is shared; whoever drops the last reference frees it
 * (a timed-out lookup cleans up after itself when it finally returns). */
typedef struct dns_job {
	pthread_mutex_t mu;
	pthread_cond_t cv;
	int refs;
	bool done;
	int rc;
	struct addrinfo *res;
	char host[256];
} dns_job;

static void dns_job_unref(dns_job *j)
{
	pthread_mutex_lock(&j->mu);
	bool last = --j->refs == 0;
	pthread_mutex_unlock(&j->mu);
	if (last) {
		if (j->res)
			freeaddrinfo(j->res);
		pthread_mutex_destroy(&j->mu);
		pthread_cond_destroy(&j->cv);
		free(j);
	}
}

static void *dns_thread(void *arg)
{
	dns_job *j = arg;
	struct addrinfo hints = {.ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM};
	struct addrinfo *res = NULL;
	int rc = getaddrinfo(j->host, NULL, &hints, &res);
	pthread_mutex_lock(&j->mu);
	j->rc = rc;
	j->res = res;
	j->done = true;
	pthread_cond_signal(&j->cv);
	pthread_mutex_unlock(&j->mu);
	dns_job_unref(j);
	return NULL;
}

/* Resolves host; returns the list (caller frees) or NULL with *timed_out
 * (the bound was hit, or o->stop was set). */
static struct addrinfo *resolve_bounded(const char *host, const lnurl_opts *o, bool *timed_out, int *rc)
{
	long timeout_ms = o->dns_timeout_ms;
	*timed_out = false;
	*rc = 0;
	dns_job *j = mu_xmalloc(sizeof *j);
	memset(j, 0, sizeof *j);
	pthread_mutex_init(&j->mu, NULL);
	pthread_cond_init(&j->cv, NULL);
	snprintf(j->host, sizeof j->host, "%s", host);
	j->refs = 2;
	pthread_t t;
	pthread_attr_t attr;
	pthread_attr_init(&attr);
	pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	if (pthread_create(&t, &attr, dns_thread, j) != 0) {
		pthread_attr_destroy(&attr);
		j->refs = 1;
		dns_job_unref(j);
		*rc = EAI_SYSTEM;
		return NULL;
	}
	pthread_attr_destroy(&attr);
	struct timespec deadline;
	clock_gettime(CLOCK_REALTIME, &deadline);
	deadline.tv_sec += timeout_ms / 1000;
	deadline.tv_nsec += (timeout_ms % 1000) * 1000000L;
	if (deadline.tv_nsec >= 1000000000L)
		deadline.tv_sec++, deadline.tv_nsec -= 1000000000L;
	struct addrinfo *res = NULL;
	pthread_mutex_lock(&j->mu);
	while (!j->done && !stopped(o)) {      /* in slices, to notice o->stop */
		struct timespec slice;
		clock_gettime(CLOCK_REALTIME, &slice);
		slice.tv_nsec += 50 * 1000000L;
		if (slice.tv_nsec >= 1000000000L)
			slice.tv_sec++, slice.tv_nsec -= 1000000000L;
		bool last = slice.tv_sec > deadline.tv_sec ||
			    (slice.tv_sec == deadline.tv_sec && slice.tv_nsec >= deadline.tv_nsec);
		if (pthread_cond_timedwait(&j->cv, &j->mu, last ? &deadline : &slice) != 0 && last && !j->done)
			break;
	}
	if (j->done) {
		res = j->res;
		j->res = NULL;
		*rc = j->rc;
	} else {
		*timed_out = true;
	}
	pthread_mutex_unlock(&j->mu);
	dns_job_unref(j);
	return res;
}

/* ---- the guarded GET ---------------------------------------------------- */

typedef struct url_parts {
	char *scheme, *host, *port, *user, *password;
} url_parts;

static void url_parts_free(url_parts *u)
{
	curl_free(u->scheme);
	curl_free(u->host);
	curl_free(u->port);
	curl_free(u->user);
	curl_free(u->password);
	memset(u, 0, sizeof *u);
}

static lnurl_err split_url(const char *url, url_parts *u, char *detail, size_t cap)
{
	memset(u, 0, sizeof *u);
	CURLU *h = curl_url();
	if (!h)
		abort();
	CURLUcode rc = curl_url_set(h, CURLUPART_URL, url, CURLU_NON_SUPPORT_SCHEME);
	if (rc == CURLUE_OK)
		rc = curl_url_get(h, CURLUPART_SCHEME, &u->scheme, 0);
	if (rc == CURLUE_OK)
		rc = curl_url_get(h, CURLUPART_HOST, &u->host, 0);
	if (rc == CURLUE_OK && curl_url_get(h, CURLUPART_PORT, &u->port, CURLU_DEFAULT_PORT) != CURLUE_OK)
		u->port = NULL;
	if (rc == CURLUE_OK) {
		curl_url_get(h, CURLUPART_USER, &u->user, 0);
		curl_url_get(h, CURLUPART_PASSWORD, &u->password, 0);
	}
	curl_url_cleanup(h);
	if (rc != CURLUE_OK || !u->port) {
		url_parts_free(u);
		return fail(LNURL_ERR_URL, detail, cap, "URL does not parse: %s",
			    rc != CURLUE_OK ? curl_url_strerror(rc) : "no port");
	}
	return LNURL_OK;
}

/* Scheme, userinfo, DNS and address checks. On success *pin is the
 * "host:port:address" CURLOPT_RESOLVE entry ("" for an IP literal). */
static lnurl_err vet_url(const char *url, const lnurl_opts *o, char *pin, size_t pin_cap,
			 char *detail, size_t cap)
{
	url_parts u;
	lnurl_err e = split_url(url, &u, detail, cap);
	if (e)
		return e;
	pin[0] = 0;
	if (strcasecmp(u.scheme, "https") != 0 && !(o->allow_private && strcasecmp(u.scheme, "http") == 0))
		e = fail(LNURL_ERR_SCHEME, detail, cap, "scheme %.16s is not allowed (https only)", u.scheme);
	else if ((u.user && *u.user) || u.password)
		e = fail(LNURL_ERR_USERINFO, detail, cap, NULL);
	if (e) {
		url_parts_free(&u);
		return e;
	}
	char host[256];
	size_t hl = strlen(u.host);
	if (hl >= sizeof host - 1) {
		url_parts_free(&u);
		return fail(LNURL_ERR_URL, detail, cap, "host name too long");
	}
	if (u.host[0] == '[') {                            /* IPv6 literal */
		memcpy(host, u.host + 1, hl - 2);
		host[hl - 2] = 0;
	} else {
		memcpy(host, u.host, hl + 1);
	}
	uint8_t a[16];
	if (inet_pton(AF_INET, host, a) == 1 || inet_pton(AF_INET6, host, a) == 1) {
		if (lnurl_ip_forbidden(host, o->allow_private))
			e = fail(LNURL_ERR_FORBIDDEN, detail, cap, "%s is a forbidden address", host);
		url_parts_free(&u);
		return e;
	}
	bool timed_out;
	int rc;
	struct addrinfo *res = resolve_bounded(host, o, &timed_out, &rc);
	if (!res && stopped(o)) {
		e = fail(LNURL_ERR_TRANSPORT, detail, cap, "stopped");
		url_parts_free(&u);
		return e;
	}
	if (!res) {
		e = fail(LNURL_ERR_DNS, detail, cap, "%s: %s", host,
			 timed_out ? "resolver timed out" : gai_strerror(rc));
		url_parts_free(&u);
		return e;
	}
	const struct addrinfo *pick = NULL;
	for (const struct addrinfo *ai = res; ai && !e; ai = ai->ai_next) {
		if (sa_forbidden(ai->ai_addr, o->allow_private))
			e = fail(LNURL_ERR_FORBIDDEN, detail, cap, "%s resolves to a forbidden address", host);
		else if (!pick || (pick->ai_family != AF_INET && ai->ai_family == AF_INET))
			pick = ai;
	}
	if (!e && pick) {
		char ip[INET6_ADDRSTRLEN];
		const void *src = pick->ai_family == AF_INET
			? (const void *)&((const struct sockaddr_in *)(const void *)pick->ai_addr)->sin_addr
			: (const void *)&((const struct sockaddr_in6 *)(const void *)pick->ai_addr)->sin6_addr;
		inet_ntop(pick->ai_family, src, ip, sizeof ip);
		snprintf(pin, pin_cap, pick->ai_family == AF_INET ? "%s:%s:%s" : "%s:%s:[%s]", host, u.port, ip);
	} else if (!e) {
		e = fail(LNURL_ERR_DNS, detail, cap, "%s: no usable address", host);
	}
	freeaddrinfo(res);
	url_parts_free(&u);
	return e;
}

typedef struct sink {
	buf *body;
	size_t max;
	bool overflow;
} sink;

static size_t sink_write(char *p, size_t size, size_t n, void *arg)
{
	sink *s = arg;
	size_t len = size * n;
	if (s->body->len + len > s->max) {
		s->overflow = true;
		return 0;
	}
	buf_put(s->body, p, len);
	return len;
}

/* curl calls it at least about once a second: a nonzero return aborts. */
static int xfer_progress(void *arg, curl_off_t dltotal, curl_off_t dlnow, curl_off_t ultotal, curl_off_t ulnow)
{
	(void)dltotal, (void)dlnow, (void)ultotal, (void)ulnow;
	return stopped(arg);
}

static pthread_once_t curl_once = PTHREAD_ONCE_INIT;
static void curl_init_once(void)
{
	curl_global_init(CURL_GLOBAL_DEFAULT);
}

static lnurl_err http_get(const char *url, const lnurl_opts *o, buf *body, char *detail, size_t cap)
{
	char pin[512];
	if (stopped(o))
		return fail(LNURL_ERR_TRANSPORT, detail, cap, "stopped");
	lnurl_err e = vet_url(url, o, pin, sizeof pin, detail, cap);
	if (e)
		return e;
	pthread_once(&curl_once, curl_init_once);
	CURL *c = curl_easy_init();
	if (!c)
		abort();
	struct curl_slist *resolve = pin[0] ? curl_slist_append(NULL, pin) : NULL;
	struct curl_slist *headers = curl_slist_append(NULL, "Accept: application/json");
	char errbuf[CURL_ERROR_SIZE] = "";
	sink s = {body, o->max_body, false};
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, o->allow_private ? "http,https" : "https");
	curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 0L);
	curl_easy_setopt(c, CURLOPT_PROXY, "");
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, o->connect_timeout_ms);
	curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, o->timeout_ms);
	curl_easy_setopt(c, CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)o->max_body);
	curl_easy_setopt(c, CURLOPT_USERAGENT, LNURL_USER_AGENT);
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, headers);
	if (resolve)
		curl_easy_setopt(c, CURLOPT_RESOLVE, resolve);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, sink_write);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, &s);
	curl_easy_setopt(c, CURLOPT_ERRORBUFFER, errbuf);
	curl_easy_setopt(c, CURLOPT_NOPROGRESS, 0L);
	curl_easy_setopt(c, CURLOPT_XFERINFOFUNCTION, xfer_progress);
	curl_easy_setopt(c, CURLOPT_XFERINFODATA, (void *)o);
	CURLcode rc = curl_easy_perform(c);
	long status = 0;
	curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
	if (rc == CURLE_ABORTED_BY_CALLBACK)
		e = fail(LNURL_ERR_TRANSPORT, detail, cap, "stopped");
	else if (rc == CURLE_OPERATION_TIMEDOUT)
		e = fail(LNURL_ERR_TIMEOUT, detail, cap, "no complete answer within %ld ms", o->timeout_ms);
	else if (s.overflow || rc == CURLE_FILESIZE_EXCEEDED)
		e = fail(LNURL_ERR_TOO_LARGE, detail, cap, "body over %zu bytes", o->max_body);
	else if (rc != CURLE_OK)
		e = fail(LNURL_ERR_TRANSPORT, detail, cap, "%s", errbuf[0] ? errbuf : curl_easy_strerror(rc));
	else if (status < 200 || status > 299)
		e = fail(LNURL_ERR_HTTP_STATUS, detail, cap, "HTTP %ld", status);
	curl_slist_free_all(resolve);
	curl_slist_free_all(headers);
	curl_easy_cleanup(c);
	return e;
}

/* GET url and parse the body as a JSON object; {"status":"ERROR"} fails. */
static lnurl_err get_json(const char *url, const lnurl_opts *o, jv *out, char *detail, size_t cap)
{
	buf body = BUF_INIT;
	lnurl_err e = http_get(url, o, &body, detail, cap);
	if (e) {
		buf_free(&body);
		return e;
	}
	json_error je;
	jv v = json_parse(body.p ? body.p : "", body.len, 0, &je);
	buf_free(&body);
	if (!jv_is_valid(v)) {
		jv_free(v);
		return fail(LNURL_ERR_JSON, detail, cap, "response: %s", je.msg);
	}
	if (jv_get_kind(v) != JV_KIND_OBJECT) {
		jv_free(v);
		return fail(LNURL_ERR_JSON, detail, cap, "response is not a JSON object");
	}
	const char *status = json_get_str(v, "status", NULL);
	if (status && strcmp(status, "ERROR") == 0) {
		size_t rl = 0;
		const char *reason = json_get_str(v, "reason", &rl);
		/* the server's text goes to the caller, clipped and sanitized */
		char clean[81];
		size_t k = 0;
		for (size_t i = 0; reason && i < rl && k < sizeof clean - 1; i++)
			clean[k++] = (reason[i] >= 32 && reason[i] < 127) ? reason[i] : '?';
		clean[k] = 0;
		jv_free(v);
		return fail(LNURL_ERR_SERVER, detail, cap, "server says ERROR: %s", clean);
	}
	*out = v;
	return LNURL_OK;
}

/* ---- targets ------------------------------------------------------------ */

static bool addr_user_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       c == '.' || c == '_' || c == '-' || c == '+';
}

static bool addr_domain_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       c == '.' || c == '-';
}

/* user@domain[:port]: user in [A-Za-z0-9._+-] (LUD-16's set, case kept as
 * mostrod does), domain a host name or an IPv4 address. Where it points is
 * the address policy's business, not the grammar's. */
static bool parse_address(const char *s, size_t *at)
{
	const char *a = strchr(s, '@');
	if (!a || a == s || strchr(a + 1, '@'))
		return false;
	for (const char *p = s; p < a; p++)
		if (!addr_user_char(*p))
			return false;
	const char *d = a + 1, *p = d;
	while (*p && addr_domain_char(*p))
		p++;
	if (p == d || *d == '.' || *d == '-' || p[-1] == '.')
		return false;
	if (*p == ':') {
		const char *q = ++p;
		while (*p >= '0' && *p <= '9')
			p++;
		if (p == q || p - q > 5)
			return false;
	}
	if (*p || (size_t)(a - s) > 64 || strlen(d) > 253)
		return false;
	*at = (size_t)(a - s);
	return true;
}

bool lnurl_is_target(const char *s)
{
	size_t at;
	return parse_address(s, &at) || strncasecmp(s, "lnurl", 5) == 0;
}

lnurl_err lnurl_target_url(const char *target, const lnurl_opts *o, char **url,
			   char *detail, size_t cap)
{
	size_t at, len = strlen(target);
	*url = NULL;
	if (parse_address(target, &at)) {
		buf b = BUF_INIT;
		buf_printf(&b, "%s://%s/.well-known/lnurlp/%.*s", o->allow_private ? "http" : "https",
			   target + at + 1, (int)at, target);
		*url = buf_steal(&b);
		return LNURL_OK;
	}
	if (strncasecmp(target, "lnurl", 5) != 0)
		return fail(LNURL_ERR_TARGET, detail, cap, NULL);
	char *hrp = mu_xmalloc(len + 1);
	uint8_t *bytes = mu_xmalloc(len + 1);
	size_t n = 0;
	bech32_err be = bech32_decode_bytes(target, len, 0, hrp, len + 1, bytes, &n, len);
	lnurl_err e = LNURL_OK;
	if (be != BECH32_OK)
		e = fail(LNURL_ERR_TARGET, detail, cap, "LNURL bech32: %s", bech32_strerror(be));
	else if (strcmp(hrp, "lnurl") != 0)
		e = fail(LNURL_ERR_TARGET, detail, cap, "bech32 prefix is not lnurl");
	for (size_t i = 0; !e && i < n; i++)
		if (bytes[i] < 33 || bytes[i] > 126)
			e = fail(LNURL_ERR_URL, detail, cap, "LNURL payload is not a URL");
	if (!e)
		*url = mu_xstrndup((const char *)bytes, n);
	free(hrp);
	free(bytes);
	return e;
}

/* ---- pay document ------------------------------------------------------- */

/* mostrod: as_u64().unwrap_or(0) — anything but a non-negative integer is 0. */
static uint64_t get_u64_or_0(jv obj, const char *key)
{
	jv v = json_get(obj, key);
	uint64_t x = 0;
	if (!json_get_u64(v, &x))
		x = 0;
	jv_free(v);
	return x;
}

/* The text/plain entry of the metadata array (a JSON string inside JSON). */
static char *metadata_description(const char *m, size_t n)
{
	jv arr = json_parse(m, n, 0, NULL);
	char *out = NULL;
	if (jv_get_kind(arr) == JV_KIND_ARRAY) {
		jv_array_foreach(arr, i, e) {
			if (!out && jv_get_kind(e) == JV_KIND_ARRAY && jv_array_length(jv_copy(e)) >= 2) {
				jv t = jv_array_get(jv_copy(e), 0), d = jv_array_get(jv_copy(e), 1);
				if (jv_get_kind(t) == JV_KIND_STRING && jv_get_kind(d) == JV_KIND_STRING &&
				    strcmp(jv_string_value(t), "text/plain") == 0)
					out = mu_xstrdup(jv_string_value(d));
				jv_free(t);
				jv_free(d);
			}
			jv_free(e);
			(void)i;
		}
	}
	jv_free(arr);
	return out;
}

lnurl_err lnurl_fetch_pay(const char *target, const lnurl_opts *o, lnurl_pay *out,
			  char *detail, size_t cap)
{
	memset(out, 0, sizeof *out);
	if (detail && cap)
		detail[0] = 0;
	lnurl_err e = lnurl_target_url(target, o, &out->url, detail, cap);
	if (e)
		return e;
	jv doc;
	e = get_json(out->url, o, &doc, detail, cap);
	if (e)
		return e;
	const char *tag = json_get_str(doc, "tag", NULL);
	size_t ml = 0;
	const char *cb = json_get_str(doc, "callback", NULL);
	const char *meta = json_get_str(doc, "metadata", &ml);
	if (!tag || strcmp(tag, "payRequest") != 0)
		e = fail(LNURL_ERR_TAG, detail, cap, "tag is %.32s, not payRequest", tag ? tag : "missing");
	else if (!cb || !*cb)
		e = fail(LNURL_ERR_CALLBACK, detail, cap, "pay document has no callback");
	if (!e) {
		out->callback = mu_xstrdup(cb);
		out->min_sendable = get_u64_or_0(doc, "minSendable");
		out->max_sendable = get_u64_or_0(doc, "maxSendable");
		out->comment_allowed = get_u64_or_0(doc, "commentAllowed");
		if (meta) {
			out->metadata = mu_xmalloc(ml + 1);
			memcpy(out->metadata, meta, ml);
			out->metadata[ml] = 0;
			out->metadata_len = ml;
			out->description = metadata_description(meta, ml);
		}
	}
	jv_free(doc);
	return e;
}

/* ---- callback and invoice ----------------------------------------------- */

static size_t utf8_chars(const char *s)
{
	size_t n = 0;
	for (; *s; s++)
		n += ((unsigned char)*s & 0xc0) != 0x80;
	return n;
}

/* Percent-decoded key of one "k=v" query pair equals name? */
static bool pair_key_is(const char *pair, size_t len, const char *name)
{
	const char *eq = memchr(pair, '=', len);
	size_t kl = eq ? (size_t)(eq - pair) : len;
	int dl = 0;
	char *k = curl_easy_unescape(NULL, pair, (int)kl, &dl);
	bool is = k && (size_t)dl == strlen(name) && memcmp(k, name, (size_t)dl) == 0;
	curl_free(k);
	return is;
}

lnurl_err lnurl_callback_url(const char *callback, uint64_t amount_msat, const char *comment,
			     uint64_t comment_allowed, char **url, bool *comment_sent)
{
	*url = NULL;
	*comment_sent = false;
	CURLU *h = curl_url();
	if (!h)
		abort();
	if (curl_url_set(h, CURLUPART_URL, callback, CURLU_NON_SUPPORT_SCHEME) != CURLUE_OK) {
		curl_url_cleanup(h);
		return LNURL_ERR_CALLBACK;
	}
	char *q = NULL;
	buf kept = BUF_INIT;
	if (curl_url_get(h, CURLUPART_QUERY, &q, 0) == CURLUE_OK && q) {
		for (char *p = q; *p;) {
			size_t len = strcspn(p, "&");
			if (len && !pair_key_is(p, len, "amount") && !pair_key_is(p, len, "comment")) {
				if (kept.len)
					buf_putc(&kept, '&');
				buf_put(&kept, p, len);
			}
			p += len + (p[len] == '&');
		}
	}
	curl_free(q);
	CURLUcode rc = curl_url_set(h, CURLUPART_QUERY, kept.len ? kept.p : NULL, 0);
	buf_free(&kept);
	char pair[48];
	snprintf(pair, sizeof pair, "amount=%llu", (unsigned long long)amount_msat);
	if (rc == CURLUE_OK)
		rc = curl_url_set(h, CURLUPART_QUERY, pair, CURLU_APPENDQUERY);
	if (rc == CURLUE_OK && comment && *comment && comment_allowed > 0 &&
	    utf8_chars(comment) <= comment_allowed) {
		buf c = BUF_INIT;
		buf_printf(&c, "comment=%s", comment);
		rc = curl_url_set(h, CURLUPART_QUERY, c.p, CURLU_APPENDQUERY | CURLU_URLENCODE);
		buf_free(&c);
		*comment_sent = rc == CURLUE_OK;
	}
	char *full = NULL;
	if (rc == CURLUE_OK)
		rc = curl_url_get(h, CURLUPART_URL, &full, 0);
	curl_url_cleanup(h);
	if (rc != CURLUE_OK) {
		curl_free(full);
		return LNURL_ERR_CALLBACK;
	}
	*url = mu_xstrdup(full);
	curl_free(full);
	return LNURL_OK;
}

lnurl_err lnurl_fetch_invoice(const lnurl_pay *pay, uint64_t amount_sat, const char *comment,
			      const lnurl_opts *o, lnurl_invoice *out, char *detail, size_t cap)
{
	memset(out, 0, sizeof *out);
	out->description_hash = -1;
	if (detail && cap)
		detail[0] = 0;
	if (amount_sat > UINT64_MAX / 1000)
		return fail(LNURL_ERR_AMOUNT, detail, cap, NULL);
	uint64_t msat = amount_sat * 1000;
	if (msat < pay->min_sendable || msat > pay->max_sendable)
		return fail(LNURL_ERR_AMOUNT_RANGE, detail, cap, "%llu msat outside %llu..%llu",
			    (unsigned long long)msat, (unsigned long long)pay->min_sendable,
			    (unsigned long long)pay->max_sendable);
	lnurl_err e = lnurl_callback_url(pay->callback, msat, comment, pay->comment_allowed,
					 &out->callback_url, &out->comment_sent);
	if (e)
		return fail(e, detail, cap, "callback URL does not parse");
	jv res;
	e = get_json(out->callback_url, o, &res, detail, cap);
	if (e)
		return e;
	size_t pl = 0;
	const char *pr = json_get_str(res, "pr", &pl);
	if (!pr || pl == 0) {
		jv_free(res);
		return fail(LNURL_ERR_NO_INVOICE, detail, cap, NULL);
	}
	out->pr = mu_xstrndup(pr, pl);
	jv_free(res);
	bolt11_invoice inv;
	char bd[160];
	bolt11_err be = bolt11_decode(&inv, out->pr, strlen(out->pr), 0, bd, sizeof bd);
	if (be != BOLT11_OK)
		e = fail(LNURL_ERR_INVOICE, detail, cap, "%s: %s", bolt11_reason(be), bd);
	else if (!inv.has_amount)
		e = fail(LNURL_ERR_INVOICE_AMOUNT, detail, cap, "asked %llu msat, the invoice has no amount",
			 (unsigned long long)msat);
	else if (inv.amount_msat != msat)
		e = fail(LNURL_ERR_INVOICE_AMOUNT, detail, cap, "asked %llu msat, the invoice is for %llu msat",
			 (unsigned long long)msat, (unsigned long long)inv.amount_msat);
	if (!e && inv.has_description_hash) {
		uint8_t h[32];
		sha256(h, pay->metadata ? pay->metadata : "", pay->metadata_len);
		out->description_hash = memcmp(h, inv.description_hash, 32) == 0;
	}
	bolt11_free(&inv);
	return e;
}
