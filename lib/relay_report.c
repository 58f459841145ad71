#include "relay_report.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "buf.h"
#include "json.h"
#include "lineio.h"

void relay_status(const relay_reporter *r, const char *type, const char *relay,
		  const char *sub, const char *message)
{
	if (r->records) {
		jv v = jv_object();
		v = jv_object_set(v, jv_string("type"), jv_string(type));
		v = jv_object_set(v, jv_string("relay"), jv_string(relay));
		if (sub)
			v = jv_object_set(v, jv_string("sub"), jv_string(sub));
		if (message)
			v = jv_object_set(v, jv_string(strcmp(type, "disconnected") == 0 ? "reason" : "message"),
					  jv_string(message));
		out_record(v);
		return;
	}
	if (r->quiet)
		return;
	if (message)
		report("%s: %s: %s", relay, type, message);
	else
		report("%s: %s", relay, type);
}

void relay_status_auth(const relay_reporter *r, const char *relay, bool accepted, const char *message)
{
	if (r->records) {
		jv v = jv_object();
		v = jv_object_set(v, jv_string("type"), jv_string("auth"));
		v = jv_object_set(v, jv_string("relay"), jv_string(relay));
		v = jv_object_set(v, jv_string("accepted"), jv_bool(accepted));
		v = jv_object_set(v, jv_string("message"), jv_string(message ? message : ""));
		out_record(v);
	} else if (!r->quiet) {
		report("%s: auth %s%s%s", relay, accepted ? "accepted" : "refused",
		       message && *message ? ": " : "", message ? message : "");
	}
}

void relay_error(const relay_reporter *r, const char *relay, const char *code, const char *fmt, ...)
{
	buf b = BUF_INIT;
	va_list ap;
	va_start(ap, fmt);
	char tmp[512];
	vsnprintf(tmp, sizeof tmp, fmt, ap);
	va_end(ap);
	buf_puts(&b, tmp);
	report("%s: %s", relay, b.p);
	if (r->records) {
		jv v = jv_object();
		v = jv_object_set(v, jv_string("type"), jv_string("error"));
		v = jv_object_set(v, jv_string("relay"), jv_string(relay));
		v = jv_object_set(v, jv_string("error"), jv_string(code));
		v = jv_object_set(v, jv_string("message"), jv_string(b.p));
		out_record(v);
	}
	buf_free(&b);
}
