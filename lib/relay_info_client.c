#include "relay_info_client.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <curl/curl.h>

#include "buf.h"
#include "json.h"
#include "relay_url.h"

#define INFO_MAX (1024 * 1024)

const char *info_fetch_strerror(info_fetch_err e)
{
	switch (e) {
	case INFO_FETCH_OK: return "ok";
	case INFO_FETCH_ERR_URL: return "bad relay URL";
	case INFO_FETCH_ERR_CONNECT: return "cannot connect";
	case INFO_FETCH_ERR_TIMEOUT: return "timed out";
	case INFO_FETCH_ERR_HTTP: return "HTTP error";
	case INFO_FETCH_ERR_DOCUMENT: return "not a NIP-11 document";
	}
	return "unknown error";
}

static size_t collect(char *p, size_t size, size_t n, void *ud)
{
	buf *b = ud;
	if (b->len + size * n > INFO_MAX)
		return 0;
	buf_put(b, p, size * n);
	return size * n;
}

info_fetch_err info_fetch(const char *url, double connect_timeout, double total_timeout,
				jv *doc, char *err, size_t errlen)
{
	*doc = jv_invalid();
	buf http = BUF_INIT, body = BUF_INIT;
	if (relay_url_http(url, &http)) {
		snprintf(err, errlen, "%s", "bad relay URL");
		buf_free(&http);
		return INFO_FETCH_ERR_URL;
	}
	CURL *h = curl_easy_init();
	struct curl_slist *hdr = curl_slist_append(NULL, "Accept: application/nostr+json");
	curl_easy_setopt(h, CURLOPT_URL, http.p);
	curl_easy_setopt(h, CURLOPT_HTTPHEADER, hdr);
	curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, collect);
	curl_easy_setopt(h, CURLOPT_WRITEDATA, &body);
	curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 1L);
	curl_easy_setopt(h, CURLOPT_MAXREDIRS, 3L);
	curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, (long)(connect_timeout * 1000));
	if (total_timeout > 0)
		curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, (long)(total_timeout * 1000));
	/* the same CA overrides OpenSSL's default store honours for wss:// */
	const char *cafile = getenv("SSL_CERT_FILE"), *capath = getenv("SSL_CERT_DIR");
	if (cafile && *cafile)
		curl_easy_setopt(h, CURLOPT_CAINFO, cafile);
	if (capath && *capath)
		curl_easy_setopt(h, CURLOPT_CAPATH, capath);
	char cerr[CURL_ERROR_SIZE] = "";
	curl_easy_setopt(h, CURLOPT_ERRORBUFFER, cerr);
	CURLcode cc = curl_easy_perform(h);
	long status = 0;
	curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
	info_fetch_err e = INFO_FETCH_OK;
	if (cc == CURLE_OPERATION_TIMEDOUT) {
		e = INFO_FETCH_ERR_TIMEOUT;
		snprintf(err, errlen, "%s: timed out", http.p);
	} else if (cc != CURLE_OK) {
		e = INFO_FETCH_ERR_CONNECT;
		snprintf(err, errlen, "%s: %s", http.p, *cerr ? cerr : curl_easy_strerror(cc));
	} else if (status != 200) {
		e = INFO_FETCH_ERR_HTTP;
		snprintf(err, errlen, "%s: HTTP status %ld", http.p, status);
	} else {
		json_error je;
		jv v = json_parse(body.p ? body.p : "", body.len, 0, &je);
		if (jv_get_kind(v) != JV_KIND_OBJECT) {
			e = INFO_FETCH_ERR_DOCUMENT;
			snprintf(err, errlen, "%s: not a JSON object%s%s", http.p, jv_is_valid(v) ? "" : ": ",
				 jv_is_valid(v) ? "" : je.msg);
			jv_free(v);
		} else {
			*doc = v;
		}
	}
	curl_slist_free_all(hdr);
	curl_easy_cleanup(h);
	buf_free(&http);
	buf_free(&body);
	return e;
}
