#include "ln.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sodium.h>

#include "buf.h"

static const struct { const char *name, *text; } kinds[LN_ERR__COUNT] = {
	[LN_OK]                  = {"ok", "ok"},
	[LN_ERR_INVALID_REQUEST] = {"invalid_request", "invalid request"},
	[LN_ERR_NOT_FOUND]       = {"not_found", "the node does not know this hash"},
	[LN_ERR_ALREADY_EXISTS]  = {"already_exists", "already exists"},
	[LN_ERR_ALREADY_SETTLED] = {"already_settled", "invoice already settled"},
	[LN_ERR_ALREADY_CANCELED] = {"already_canceled", "invoice already canceled"},
	[LN_ERR_STILL_OPEN]      = {"still_open", "invoice still open (not paid yet)"},
	[LN_ERR_WRONG_AMOUNT]    = {"wrong_amount", "wrong amount"},
	[LN_ERR_INVALID_INVOICE] = {"invalid_invoice", "invalid invoice"},
	[LN_ERR_LNURL]           = {"lnurl", "Lightning address / LNURL failed"},
	[LN_ERR_AUTH]            = {"auth", "authentication refused by the node"},
	[LN_ERR_TRANSPORT]       = {"transport", "node unreachable; state unknown"},
	[LN_ERR_TIMEOUT]         = {"timeout", "timed out; state unknown"},
	[LN_ERR_LND]             = {"lnd", "error reported by the node"},
	[LN_ERR_INTERNAL]        = {"internal", "internal error"},
};

const char *ln_err_name(ln_err_kind k)
{
	return (unsigned)k < LN_ERR__COUNT ? kinds[k].name : "internal";
}

ln_err_kind ln_err_from_name(const char *name)
{
	for (int k = 0; k < LN_ERR__COUNT; k++)
		if (strcmp(kinds[k].name, name) == 0)
			return (ln_err_kind)k;
	return LN_ERR__COUNT;
}

const char *ln_strerror(ln_err_kind k)
{
	return (unsigned)k < LN_ERR__COUNT ? kinds[k].text : "unknown error";
}

void ln_error_set(ln_error *e, ln_err_kind kind, const char *fmt, ...)
{
	e->kind = kind;
	e->grpc_code = -1;
	e->http_status = 0;
	e->reason[0] = 0;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(e->message, sizeof e->message, fmt, ap);
	va_end(ap);
}

jv ln_error_json(const ln_error *e)
{
	jv o = jv_object();
	o = jv_object_set(o, jv_string("kind"), jv_string(ln_err_name(e->kind)));
	if (e->reason[0])
		o = jv_object_set(o, jv_string("reason"), jv_string(e->reason));
	o = jv_object_set(o, jv_string("message"), jv_string(e->message));
	if (e->grpc_code >= 0)
		o = jv_object_set(o, jv_string("grpc_code"), jv_number(e->grpc_code));
	if (e->http_status > 0)
		o = jv_object_set(o, jv_string("http_status"), jv_number(e->http_status));
	return o;
}

const char *ln_prim_name(ln_prim p)
{
	static const char *names[LN_PRIM__COUNT] = {
		"GetInfo", "AddHoldInvoice", "SettleInvoice", "CancelInvoice",
		"LookupInvoice", "SubscribeSingleInvoice", "SendPaymentV2", "TrackPaymentV2",
	};
	return (unsigned)p < LN_PRIM__COUNT ? names[p] : "?";
}

ln_call *ln_call_new(ln_prim prim)
{
	ln_call *c = mu_xmalloc(sizeof *c);
	memset(c, 0, sizeof *c);
	c->prim = prim;
	return c;
}

static void call_free(ln_call *c)
{
	free(c->memo);
	free(c->payment_request);
	sodium_memzero(c->preimage, sizeof c->preimage);
	free(c);
}

void ln_call_event(ln_call *c, jv ev)
{
	if (c->on_event)
		c->on_event(c, ev);
	else
		jv_free(ev);
}

void ln_call_done(ln_call *c, jv result)
{
	if (c->on_done)
		c->on_done(c, result, NULL);
	else
		jv_free(result);
	call_free(c);
}

void ln_call_fail(ln_call *c, const ln_error *err)
{
	if (c->on_done)
		c->on_done(c, jv_invalid(), err);
	call_free(c);
}

void ln_backend_start(ln_backend *b, ln_call *c)
{
	const ln_backend_vt *vt = b->vt;
	void (*fn)(ln_backend *, ln_call *) = NULL;
	switch (c->prim) {
	case LN_PRIM_GET_INFO:  fn = vt->get_info; break;
	case LN_PRIM_ADD_HOLD:  fn = vt->add_hold; break;
	case LN_PRIM_SETTLE:    fn = vt->settle; break;
	case LN_PRIM_CANCEL:    fn = vt->cancel; break;
	case LN_PRIM_LOOKUP:    fn = vt->lookup; break;
	case LN_PRIM_SUBSCRIBE: fn = vt->subscribe; break;
	case LN_PRIM_SEND:      fn = vt->send; break;
	case LN_PRIM_TRACK:     fn = vt->track; break;
	case LN_PRIM__COUNT:    break;
	}
	if (!fn) {
		ln_error e;
		ln_error_set(&e, LN_ERR_INTERNAL, "backend %s does not implement %s", vt->name, ln_prim_name(c->prim));
		ln_call_fail(c, &e);
		return;
	}
	fn(b, c);
}

void ln_call_abort(ln_backend *b, ln_call *c)
{
	if (!c)
		return;
	b->vt->abort(b, c);
	call_free(c);
}

void ln_backend_destroy(ln_backend *b)
{
	if (b)
		b->vt->destroy(b);
}

static bool in_list(const char *s, const char *const *list)
{
	if (!s)
		return false;
	for (; *list; list++)
		if (strcmp(s, *list) == 0)
			return true;
	return false;
}

bool ln_invoice_state_valid(const char *s)
{
	static const char *const v[] = {"OPEN", "ACCEPTED", "SETTLED", "CANCELED", NULL};
	return in_list(s, v);
}

bool ln_invoice_state_terminal(const char *s)
{
	static const char *const v[] = {"SETTLED", "CANCELED", NULL};
	return in_list(s, v);
}

bool ln_payment_status_valid(const char *s)
{
	static const char *const v[] = {"INITIATED", "IN_FLIGHT", "SUCCEEDED", "FAILED", "UNKNOWN", NULL};
	return in_list(s, v);
}

bool ln_payment_status_terminal(const char *s)
{
	static const char *const v[] = {"SUCCEEDED", "FAILED", NULL};
	return in_list(s, v);
}
