#include "ln_lnd.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <sodium.h>

#include "buf.h"
#include "hex.h"
#include "json.h"
#include "lnd_codec.h"
#include "lnd_stream.h"

#define MACAROON_MAX (64 * 1024)
#define UNARY_BODY_MAX (16u * 1024 * 1024)

typedef struct ln_lnd {
	ln_backend base;
	char      *url;              /* without a trailing '/' */
	char      *cert_file;
	char      *macaroon_file;
	long       connect_timeout_ms, request_timeout_ms, keepalive_idle_s;
} ln_lnd;

typedef struct xfer {
	ln_lnd     *be;
	ln_call    *c;
	CURL       *easy;
	struct curl_slist *hdrs;
	buf         req_body;
	buf         resp;             /* unary response body */
	bool        too_large;
	bool        is_stream;
	lnd_stream  stream;
	jv          pending;          /* stream messages parsed inside curl, not delivered yet */
	evtimer    *flush_timer;
	bool        first_seen;       /* first_only: the first message arrived */
	char        errbuf[CURL_ERROR_SIZE];
} xfer;

const char *ln_lnd_strerror(ln_lnd_err e)
{
	switch (e) {
	case LN_LND_OK: return "ok";
	case LN_LND_ERR_URL: return "the LND REST URL must start with https:// or http://";
	case LN_LND_ERR_CERT: return "cannot read the LND TLS certificate";
	case LN_LND_ERR_MACAROON: return "cannot read the LND macaroon";
	}
	return "unknown error";
}

/* The macaroon file as lowercase hex, read afresh (LND may rotate it). */
static bool read_macaroon_hex(const char *path, buf *out, char *msg, size_t msglen)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		snprintf(msg, msglen, "%s: %s", path, strerror(errno));
		return false;
	}
	buf raw = BUF_INIT;
	char tmp[4096];
	ssize_t n;
	while ((n = read(fd, tmp, sizeof tmp)) > 0) {
		buf_put(&raw, tmp, (size_t)n);
		if (raw.len > MACAROON_MAX)
			break;
	}
	close(fd);
	bool ok = n >= 0 && raw.len > 0 && raw.len <= MACAROON_MAX;
	if (!ok) {
		snprintf(msg, msglen, "%s: %s", path, n < 0 ? strerror(errno) : raw.len ? "too large for a macaroon" : "empty");
	} else {
		buf_reset(out);
		buf_reserve(out, raw.len * 2 + 1);
		hex_encode(out->p, (const uint8_t *)raw.p, raw.len);
		out->len = raw.len * 2;
	}
	buf_wipe(&raw);
	return ok;
}

/* ---------- transfer plumbing ---------- */

static void xfer_free(xfer *x)
{
	ln_lnd *be = x->be;
	evloop_timer_cancel(be->base.loop, x->flush_timer);
	if (x->easy) {
		evloop_remove_curl(be->base.loop, x->easy);
		curl_easy_cleanup(x->easy);
	}
	curl_slist_free_all(x->hdrs);
	buf_free(&x->req_body);
	buf_free(&x->resp);
	if (x->is_stream)
		lnd_stream_free(&x->stream);
	jv_free(x->pending);
	free(x);
}

/* Completes the call (ok or error) and frees the transfer. */
static void complete_ok(xfer *x, jv result)
{
	ln_call *c = x->c;
	c->bstate = NULL;
	xfer_free(x);
	ln_call_done(c, result);
}

static void complete_err(xfer *x, const ln_error *e)
{
	ln_call *c = x->c;
	c->bstate = NULL;
	xfer_free(x);
	ln_call_fail(c, e);
}

static long http_status(xfer *x)
{
	long code = 0;
	curl_easy_getinfo(x->easy, CURLINFO_RESPONSE_CODE, &code);
	return code;
}

/* An LND error ({"code","message"}, normalized) for x's primitive. */
static void complete_lnd_error(xfer *x, jv e)
{
	ln_error err;
	double code = jv_number_value(jv_object_get(jv_copy(e), jv_string("code")));
	jv m = jv_object_get(jv_copy(e), jv_string("message"));
	bool failed = lnd_classify(x->c->prim, (int)http_status(x), (int)code, jv_string_value(m), &err);
	jv_free(m);
	jv_free(e);
	if (failed)
		complete_err(x, &err);
	else
		complete_ok(x, jv_object());
}

/* The kind of an answer we cannot read as LND's: for SendPaymentV2 the
 * request may have reached the node and the payment may be under way, so
 * it is transport (state unknown: ln_ops follows the payment by its hash),
 * never a refusal; for the other calls, k. */
static ln_err_kind unreadable_kind(const xfer *x, ln_err_kind k)
{
	return x->c->prim == LN_PRIM_SEND ? LN_ERR_TRANSPORT : k;
}

/* A non-2xx answer whose body is not an LND error (a proxy, a captive portal). */
static void complete_http_error(xfer *x, long status)
{
	ln_error err;
	ln_error_set(&err, status == 502 || status == 503 || status == 504 ? LN_ERR_TRANSPORT : unreadable_kind(x, LN_ERR_LND),
		     "HTTP %ld without an LND error body", status);
	err.http_status = (int)status;
	complete_err(x, &err);
}

/* ---------- streams ---------- */

static void on_stream_msg(void *ctx, lnd_msg_kind kind, jv payload)
{
	xfer *x = ctx;
	jv item = jv_array_append(jv_array_append(jv_array(), jv_number(kind)), payload);
	x->pending = jv_array_append(x->pending, item);
}

static jv convert_event(xfer *x, jv msg, ln_error *err)
{
	switch (x->c->prim) {
	case LN_PRIM_SUBSCRIBE: return lnd_invoice_to_watch(msg, x->c->hash, err);
	case LN_PRIM_SEND:
	case LN_PRIM_TRACK:     return lnd_payment_to_ln(msg, err);
	default:                break;
	}
	ln_error_set(err, LN_ERR_INTERNAL, "not a stream");
	return jv_invalid();
}

/* Delivers the parsed messages. Returns false when the call completed (x is gone). */
static bool flush(xfer *x)
{
	while (jv_array_length(jv_copy(x->pending)) > 0) {
		jv item = jv_array_get(jv_copy(x->pending), 0);
		x->pending = jv_array_slice(x->pending, 1, jv_array_length(jv_copy(x->pending)));
		lnd_msg_kind kind = (lnd_msg_kind)jv_number_value(jv_array_get(jv_copy(item), 0));
		jv payload = jv_array_get(item, 1);
		if (kind == LND_MSG_ERROR) {
			complete_lnd_error(x, payload);
			return false;
		}
		if (kind == LND_MSG_MALFORMED) {
			ln_error err;
			jv m = jv_object_get(payload, jv_string("message"));
			ln_error_set(&err, unreadable_kind(x, LN_ERR_LND), "malformed %s stream: %s", ln_prim_name(x->c->prim),
				     jv_string_value(m));
			jv_free(m);
			err.http_status = (int)http_status(x);
			complete_err(x, &err);
			return false;
		}
		ln_error err;
		jv ev = convert_event(x, payload, &err);
		jv_free(payload);
		if (!jv_is_valid(ev)) {
			jv_free(ev);
			err.kind = unreadable_kind(x, err.kind);
			complete_err(x, &err);
			return false;
		}
		if (x->c->first_only) {
			complete_ok(x, ev);      /* TRACK, first message only: it is the result */
			return false;
		}
		ln_call_event(x->c, ev);
	}
	return true;
}

static void flush_timer(void *arg)
{
	xfer *x = arg;
	x->flush_timer = NULL;
	flush(x);
}

static size_t stream_write(char *data, size_t size, size_t nmemb, void *arg)
{
	xfer *x = arg;
	size_t n = size * nmemb;
	if (x->first_seen)
		return 0;
	lnd_stream_feed(&x->stream, data, n);
	if (x->c->first_only && x->stream.results > 0)
		x->first_seen = true;     /* enough: the next write (or this one) aborts */
	if (jv_array_length(jv_copy(x->pending)) > 0 && !x->flush_timer)
		x->flush_timer = evloop_timer(x->be->base.loop, 0, flush_timer, x);
	return x->first_seen ? 0 : n;
}

static void stream_done(CURL *easy, CURLcode rc, void *arg)
{
	xfer *x = arg;
	(void)easy;
	evloop_timer_cancel(x->be->base.loop, x->flush_timer);
	x->flush_timer = NULL;
	if (rc == CURLE_OK)
		lnd_stream_end(&x->stream);
	if (!flush(x))
		return;
	long status = http_status(x);
	ln_error err;
	if (rc != CURLE_OK) {
		ln_error_set(&err, LN_ERR_TRANSPORT, "%s stream: %s", ln_prim_name(x->c->prim),
			     x->errbuf[0] ? x->errbuf : curl_easy_strerror(rc));
		if (status)
			err.http_status = (int)status;
		complete_err(x, &err);
		return;
	}
	if (status != 200) {
		complete_http_error(x, status);
		return;
	}
	if (x->c->first_only) {
		ln_error_set(&err, LN_ERR_LND, "%s stream ended without a message", ln_prim_name(x->c->prim));
		complete_err(x, &err);
		return;
	}
	complete_ok(x, jv_object_set(jv_object(), jv_string("end"), jv_string("closed")));
}

/* ---------- unary ---------- */

static size_t unary_write(char *data, size_t size, size_t nmemb, void *arg)
{
	xfer *x = arg;
	size_t n = size * nmemb;
	if (x->resp.len + n > UNARY_BODY_MAX) {
		x->too_large = true;
		return 0;
	}
	buf_put(&x->resp, data, n);
	return n;
}

static jv convert_result(xfer *x, jv body, ln_error *err)
{
	ln_call *c = x->c;
	switch (c->prim) {
	case LN_PRIM_GET_INFO: return lnd_getinfo_to_ln(body, err);
	case LN_PRIM_ADD_HOLD: return lnd_add_hold_to_ln(body, c->hash, c->preimage, err);
	case LN_PRIM_LOOKUP:   return lnd_invoice_to_lookup(body, err);
	case LN_PRIM_SETTLE:
	case LN_PRIM_CANCEL:   return jv_object();
	default:               break;
	}
	ln_error_set(err, LN_ERR_INTERNAL, "not a unary call");
	return jv_invalid();
}

static void unary_done(CURL *easy, CURLcode rc, void *arg)
{
	xfer *x = arg;
	(void)easy;
	long status = http_status(x);
	ln_error err;
	if (rc != CURLE_OK) {
		ln_error_set(&err, LN_ERR_TRANSPORT, "%s: %s", ln_prim_name(x->c->prim),
			     x->too_large ? "response too large" : x->errbuf[0] ? x->errbuf : curl_easy_strerror(rc));
		complete_err(x, &err);
		return;
	}
	if (status != 200) {
		jv e = lnd_error_body(x->resp.p ? x->resp.p : "", x->resp.len);
		if (jv_is_valid(e))
			complete_lnd_error(x, e);
		else {
			jv_free(e);
			complete_http_error(x, status);
		}
		return;
	}
	json_error je;
	jv body = json_parse(x->resp.p ? x->resp.p : "", x->resp.len, 0, &je);
	if (!jv_is_valid(body)) {
		jv_free(body);
		ln_error_set(&err, LN_ERR_LND, "%s: response is not JSON (%s)", ln_prim_name(x->c->prim), je.msg);
		complete_err(x, &err);
		return;
	}
	jv out = convert_result(x, body, &err);
	jv_free(body);
	if (!jv_is_valid(out)) {
		jv_free(out);
		complete_err(x, &err);
		return;
	}
	complete_ok(x, out);
}

/* ---------- request construction ---------- */

static void start(ln_lnd *be, ln_call *c, const char *method, const char *path, jv body, bool stream)
{
	ln_error err;
	char msg[300];
	buf mac = BUF_INIT;
	if (!read_macaroon_hex(be->macaroon_file, &mac, msg, sizeof msg)) {
		jv_free(body);
		ln_error_set(&err, LN_ERR_AUTH, "macaroon: %s", msg);
		ln_call_fail(c, &err);
		return;
	}
	xfer *x = mu_xmalloc(sizeof *x);
	memset(x, 0, sizeof *x);
	x->be = be;
	x->c = c;
	x->pending = jv_array();
	x->is_stream = stream;
	if (stream)
		lnd_stream_init(&x->stream, 0, on_stream_msg, x);
	x->easy = curl_easy_init();
	if (!x->easy)
		abort();
	buf url = BUF_INIT;
	buf_printf(&url, "%s%s", be->url, path);
	CURL *e = x->easy;
	curl_easy_setopt(e, CURLOPT_URL, url.p);
	buf_free(&url);
	buf h = BUF_INIT;
	buf_printf(&h, "Grpc-Metadata-macaroon: %s", mac.p);
	x->hdrs = curl_slist_append(x->hdrs, h.p);
	buf_wipe(&h);
	buf_wipe(&mac);
	x->hdrs = curl_slist_append(x->hdrs, "Accept: application/json");
	x->hdrs = curl_slist_append(x->hdrs, "Expect:");
	if (strcmp(method, "POST") == 0) {
		json_write(&x->req_body, body);
		x->hdrs = curl_slist_append(x->hdrs, "Content-Type: application/json");
		curl_easy_setopt(e, CURLOPT_POST, 1L);
		curl_easy_setopt(e, CURLOPT_POSTFIELDS, x->req_body.p);
		curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE, (long)x->req_body.len);
	}
	jv_free(body);
	curl_easy_setopt(e, CURLOPT_HTTPHEADER, x->hdrs);
	curl_easy_setopt(e, CURLOPT_HTTP_VERSION, (long)CURL_HTTP_VERSION_1_1);
	curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(e, CURLOPT_FOLLOWLOCATION, 0L);
	curl_easy_setopt(e, CURLOPT_ERRORBUFFER, x->errbuf);
	curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS, be->connect_timeout_ms);
	curl_easy_setopt(e, CURLOPT_SSL_VERIFYPEER, 1L);
	curl_easy_setopt(e, CURLOPT_SSL_VERIFYHOST, 2L);
	if (be->cert_file) {
		curl_easy_setopt(e, CURLOPT_CAINFO, be->cert_file);
		curl_easy_setopt(e, CURLOPT_CAPATH, NULL);    /* tls.cert is the only trust root */
	}
	curl_easy_setopt(e, CURLOPT_WRITEDATA, x);
	if (stream) {
		curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, stream_write);
		curl_easy_setopt(e, CURLOPT_TCP_KEEPALIVE, 1L);
		curl_easy_setopt(e, CURLOPT_TCP_KEEPIDLE, be->keepalive_idle_s);
		curl_easy_setopt(e, CURLOPT_TCP_KEEPINTVL, 20L);
		/* no CURLOPT_TIMEOUT: a subscription may be silent for hours */
		if (c->first_only)
			curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, be->request_timeout_ms);
	} else {
		curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, unary_write);
		curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, be->request_timeout_ms);
	}
	c->bstate = x;
	evloop_add_curl(be->base.loop, e, stream ? stream_done : unary_done, x);
}

static jv b64_field(jv o, const char *key, const uint8_t *b, size_t n)
{
	char s[LND_B64_32];
	lnd_b64(s, b, n);
	return jv_object_set(o, jv_string(key), jv_string(s));
}

static jv u64_string(uint64_t v)
{
	char s[24];
	snprintf(s, sizeof s, "%llu", (unsigned long long)v);
	return jv_string(s);
}

static void path_b64url(char *out, size_t cap, const char *prefix, const uint8_t hash[32], const char *suffix)
{
	char b[LND_B64_32];
	lnd_b64url(b, hash, 32);
	snprintf(out, cap, "%s%s%s", prefix, b, suffix);
}

static void lnd_get_info(ln_backend *b, ln_call *c)
{
	start((ln_lnd *)b, c, "GET", "/v1/getinfo", jv_null(), false);
}

static void lnd_add_hold(ln_backend *b, ln_call *c)
{
	jv o = jv_object();
	o = jv_object_set(o, jv_string("memo"), jv_string(c->memo ? c->memo : ""));
	o = b64_field(o, "hash", c->hash, 32);
	if (c->value_msat % 1000 == 0)
		o = jv_object_set(o, jv_string("value"), u64_string(c->value_msat / 1000));
	else
		o = jv_object_set(o, jv_string("value_msat"), u64_string(c->value_msat));
	o = jv_object_set(o, jv_string("expiry"), u64_string(c->expiry_secs));
	o = jv_object_set(o, jv_string("cltv_expiry"), u64_string(c->cltv_expiry));
	start((ln_lnd *)b, c, "POST", "/v2/invoices/hodl", o, false);
}

static void lnd_settle(ln_backend *b, ln_call *c)
{
	start((ln_lnd *)b, c, "POST", "/v2/invoices/settle", b64_field(jv_object(), "preimage", c->preimage, 32), false);
}

static void lnd_cancel(ln_backend *b, ln_call *c)
{
	start((ln_lnd *)b, c, "POST", "/v2/invoices/cancel", b64_field(jv_object(), "payment_hash", c->hash, 32), false);
}

static void lnd_lookup(ln_backend *b, ln_call *c)
{
	char path[100], h[65];
	hex_encode(h, c->hash, 32);
	snprintf(path, sizeof path, "/v1/invoice/%s", h);    /* r_hash_str: hex, not base64 */
	start((ln_lnd *)b, c, "GET", path, jv_null(), false);
}

static void lnd_subscribe(ln_backend *b, ln_call *c)
{
	char path[120];
	path_b64url(path, sizeof path, "/v2/invoices/subscribe/", c->hash, "");
	start((ln_lnd *)b, c, "GET", path, jv_null(), true);
}

static void lnd_send(ln_backend *b, ln_call *c)
{
	jv o = jv_object();
	o = jv_object_set(o, jv_string("payment_request"), jv_string(c->payment_request));
	o = jv_object_set(o, jv_string("timeout_seconds"), jv_number(c->timeout_secs));
	o = jv_object_set(o, jv_string("fee_limit_sat"), u64_string(c->fee_limit_sat));
	if (c->amt_sat)
		o = jv_object_set(o, jv_string("amt"), u64_string(c->amt_sat));
	start((ln_lnd *)b, c, "POST", "/v2/router/send", o, true);
}

static void lnd_track(ln_backend *b, ln_call *c)
{
	char path[160];
	path_b64url(path, sizeof path, "/v2/router/track/", c->hash, "?no_inflight_updates=false");
	start((ln_lnd *)b, c, "GET", path, jv_null(), true);
}

static void lnd_abort(ln_backend *b, ln_call *c)
{
	(void)b;
	xfer *x = c->bstate;
	if (!x)
		return;
	c->bstate = NULL;
	xfer_free(x);
}

static void lnd_destroy(ln_backend *b)
{
	ln_lnd *be = (ln_lnd *)b;
	free(be->url);
	free(be->cert_file);
	free(be->macaroon_file);
	free(be);
}

static const ln_backend_vt lnd_vt = {
	.name = "lnd",
	.get_info = lnd_get_info,
	.add_hold = lnd_add_hold,
	.settle = lnd_settle,
	.cancel = lnd_cancel,
	.lookup = lnd_lookup,
	.subscribe = lnd_subscribe,
	.send = lnd_send,
	.track = lnd_track,
	.abort = lnd_abort,
	.destroy = lnd_destroy,
};

ln_backend *ln_lnd_new(evloop *loop, const ln_lnd_config *cfg, ln_lnd_err *e, char *msg, size_t msglen)
{
	*e = LN_LND_OK;
	const char *url = cfg->url ? cfg->url : "";
	if (strncmp(url, "https://", 8) != 0 && strncmp(url, "http://", 7) != 0) {
		*e = LN_LND_ERR_URL;
		snprintf(msg, msglen, "%s: %s", url, ln_lnd_strerror(*e));
		return NULL;
	}
	if (cfg->cert_file && access(cfg->cert_file, R_OK) != 0) {
		*e = LN_LND_ERR_CERT;
		snprintf(msg, msglen, "%s: %s", cfg->cert_file, strerror(errno));
		return NULL;
	}
	buf mac = BUF_INIT;
	char why[300];
	if (!cfg->macaroon_file || !read_macaroon_hex(cfg->macaroon_file, &mac, why, sizeof why)) {
		*e = LN_LND_ERR_MACAROON;
		snprintf(msg, msglen, "%s", cfg->macaroon_file ? why : "no macaroon file given");
		buf_wipe(&mac);
		return NULL;
	}
	buf_wipe(&mac);
	ln_lnd *be = mu_xmalloc(sizeof *be);
	memset(be, 0, sizeof *be);
	be->base.vt = &lnd_vt;
	be->base.loop = loop;
	size_t n = strlen(url);
	while (n > 0 && url[n - 1] == '/')
		n--;
	be->url = mu_xstrndup(url, n);
	be->cert_file = cfg->cert_file ? mu_xstrdup(cfg->cert_file) : NULL;
	be->macaroon_file = mu_xstrdup(cfg->macaroon_file);
	be->connect_timeout_ms = cfg->connect_timeout_ms > 0 ? cfg->connect_timeout_ms : 10000;
	be->request_timeout_ms = cfg->request_timeout_ms > 0 ? cfg->request_timeout_ms : 30000;
	be->keepalive_idle_s = cfg->keepalive_idle_s > 0 ? cfg->keepalive_idle_s : 60;
	return &be->base;
}
