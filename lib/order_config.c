/* order_config.c — defaults and the JSON form of the engine's settings
 * (order_config.h), one field table for both directions. */
#include "order_config.h"

#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "json.h"

static const char *const transport_names[TRANSPORT_COUNT] = {"nip44", "gift-wrap", "both"};

const char *order_transport_name(order_transport t)
{
	return (unsigned)t < TRANSPORT_COUNT ? transport_names[t] : NULL;
}

void order_config_defaults(order_config *c)
{
	memset(c, 0, sizeof *c);
	c->fee = 0;
	c->max_routing_fee = 0.002;
	c->max_order_amount = 1000000;
	c->min_payment_amount = 100;
	c->expiration_hours = 24;
	c->max_expiration_days = 15;
	c->expiration_seconds = 900;
	c->user_rates_sent_interval_seconds = 3600;
	c->publish_relays_interval = 60;
	c->pow = 0;
	c->pow_first_contact = 0;
	c->publish_mostro_info_interval = 300;
	c->max_orders_per_response = 10;
	c->dev_fee_percentage = 0.30;
	c->transport = TRANSPORT_NIP44;
	c->invoice_expiration_window = 3600;
	c->hold_invoice_cltv_delta = 144;
	c->hold_invoice_expiration_window = 300;
	c->payment_attempts = 3;
	c->payment_retries_interval = 60;
	c->max_final_cltv_expiry_delta = 432;
	c->escrow_deadline_margin_blocks = 24;
	c->order_days = 30;
	c->rating_days = 90;
	c->dispute_days = 90;
	c->fee_audit_days = 365;
	c->dm_days = 30;
	c->max_price_staleness_seconds = 1800;
}

static void free_list(char **v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

void order_config_free(order_config *c)
{
	free_list(c->fiat_currencies_accepted, c->fiat_count);
	free_list(c->relays, c->relay_count);
	free(c->name);
	free(c->about);
	free(c->picture);
	free(c->website);
	free(c->dev_fee_address);
	memset(c, 0, sizeof *c);
}

static void add(char ***v, size_t *n, const char *s)
{
	*v = mu_xrealloc(*v, (*n + 1) * sizeof **v);
	(*v)[(*n)++] = mu_xstrdup(s);
}

const char *order_dev_fee_address(const order_config *c)
{
	return c->dev_fee_address && *c->dev_fee_address ? c->dev_fee_address : ORDER_DEV_FEE_ADDRESS;
}

void order_config_add_relay(order_config *c, const char *url) { add(&c->relays, &c->relay_count, url); }
void order_config_add_fiat(order_config *c, const char *code) { add(&c->fiat_currencies_accepted, &c->fiat_count, code); }

/* ------------------------------------------------------------ field table */

typedef enum ftype { F_F64, F_I64, F_UINT, F_BOOL, F_STR, F_KEY, F_TRANSPORT, F_LIST } ftype;

typedef struct field {
	const char *name;
	ftype       type;
	size_t      off;
	size_t      count_off;   /* F_LIST: offset of the count */
} field;

#define F(n, t) {#n, t, offsetof(order_config, n), 0}
static const field fields[] = {
	F(fee, F_F64), F(max_routing_fee, F_F64), F(max_order_amount, F_I64),
	F(min_payment_amount, F_I64), F(expiration_hours, F_I64), F(max_expiration_days, F_I64),
	F(expiration_seconds, F_I64), F(user_rates_sent_interval_seconds, F_I64),
	F(publish_relays_interval, F_I64), F(pow, F_UINT), F(pow_first_contact, F_UINT),
	F(publish_mostro_info_interval, F_I64),
	{"fiat_currencies_accepted", F_LIST, offsetof(order_config, fiat_currencies_accepted), offsetof(order_config, fiat_count)},
	F(max_orders_per_response, F_I64), F(dev_fee_percentage, F_F64), F(transport, F_TRANSPORT),
	F(name, F_STR), F(about, F_STR), F(picture, F_STR), F(website, F_STR),
	F(invoice_expiration_window, F_I64), F(hold_invoice_cltv_delta, F_I64),
	F(hold_invoice_expiration_window, F_I64), F(payment_attempts, F_I64),
	F(payment_retries_interval, F_I64), F(max_final_cltv_expiry_delta, F_I64),
	F(escrow_deadline_margin_blocks, F_I64),
	{"relays", F_LIST, offsetof(order_config, relays), offsetof(order_config, relay_count)},
	F(order_days, F_I64), F(rating_days, F_I64), F(dispute_days, F_I64), F(fee_audit_days, F_I64),
	F(dm_days, F_I64), F(max_price_staleness_seconds, F_I64), F(dev_fee_address, F_STR), F(mostro_pubkey, F_KEY),
	F(mostrod_compat, F_BOOL),
};
#undef F
#define NFIELDS (sizeof fields / sizeof *fields)

jv order_config_to_jv(const order_config *c)
{
	const char *base = (const char *)c;
	jv o = jv_object();
	for (size_t i = 0; i < NFIELDS; i++) {
		const void *p = base + fields[i].off;
		jv v;
		switch (fields[i].type) {
		case F_F64: v = jv_number(*(const double *)p); break;
		case F_I64: v = json_from_i64(*(const int64_t *)p); break;
		case F_UINT: v = jv_number(*(const unsigned *)p); break;
		case F_BOOL: v = jv_bool(*(const bool *)p); break;
		case F_STR: v = *(char *const *)p ? jv_string(*(char *const *)p) : jv_null(); break;
		case F_KEY: v = jv_string((const char *)p); break;
		case F_TRANSPORT: v = jv_string(order_transport_name(*(const order_transport *)p)); break;
		case F_LIST: {
			char *const *list = *(char **const *)p;
			size_t n = *(const size_t *)(base + fields[i].count_off);
			v = jv_array();
			for (size_t k = 0; k < n; k++)
				v = jv_array_append(v, jv_string(list[k]));
			break;
		}
		default: v = jv_null();
		}
		o = jv_object_set(o, jv_string(fields[i].name), v);
	}
	return o;
}

static bool set_field(order_config *c, const field *f, jv v, char *err, size_t errlen)
{
	char *base = (char *)c;
	void *p = base + f->off;
	int64_t i;
	double d;
	switch (f->type) {
	case F_F64:
		if (!json_get_f64(v, &d))
			goto bad;
		*(double *)p = d;
		return true;
	case F_I64:
		if (!json_get_i64(v, &i))
			goto bad;
		*(int64_t *)p = i;
		return true;
	case F_UINT:
		if (!json_get_i64(v, &i) || i < 0 || i > 256)
			goto bad;
		*(unsigned *)p = (unsigned)i;
		return true;
	case F_BOOL:
		if (jv_get_kind(v) != JV_KIND_TRUE && jv_get_kind(v) != JV_KIND_FALSE)
			goto bad;
		*(bool *)p = jv_get_kind(v) == JV_KIND_TRUE;
		return true;
	case F_STR: {
		char **s = p;
		free(*s);
		*s = NULL;
		if (jv_get_kind(v) == JV_KIND_NULL)
			return true;
		const char *t = json_str(v, NULL);
		if (!t)
			goto bad;
		*s = mu_xstrdup(t);
		return true;
	}
	case F_KEY: {
		size_t n;
		const char *t = json_str(v, &n);
		if (!t || n > 64)
			goto bad;
		memcpy(p, t, n);
		((char *)p)[n] = 0;
		return true;
	}
	case F_TRANSPORT: {
		const char *t = json_str(v, NULL);
		for (int k = 0; t && k < TRANSPORT_COUNT; k++)
			if (strcmp(t, transport_names[k]) == 0) {
				*(order_transport *)p = (order_transport)k;
				return true;
			}
		goto bad;
	}
	case F_LIST: {
		if (jv_get_kind(v) != JV_KIND_ARRAY)
			goto bad;
		char ***list = p;
		size_t *n = (size_t *)(base + f->count_off);
		free_list(*list, *n);
		*list = NULL;
		*n = 0;
		int len = jv_array_length(jv_copy(v));
		for (int k = 0; k < len; k++) {
			jv e = jv_array_get(jv_copy(v), k);
			const char *t = json_str(e, NULL);
			if (t)
				add(list, n, t);
			jv_free(e);
			if (!t)
				goto bad;
		}
		return true;
	}
	}
bad:
	snprintf(err, errlen, "config: %s: wrong type or value", f->name);
	return false;
}

bool order_config_from_jv(order_config *c, jv v, char *err, size_t errlen)
{
	if (jv_get_kind(v) != JV_KIND_OBJECT) {
		snprintf(err, errlen, "config: not an object");
		return false;
	}
	bool ok = true;
	jv_object_foreach(v, k, val) {
		const field *f = NULL;
		for (size_t i = 0; i < NFIELDS; i++)
			if (strcmp(fields[i].name, jv_string_value(k)) == 0)
				f = &fields[i];
		if (ok && !f) {
			snprintf(err, errlen, "config: unknown key %s", jv_string_value(k));
			ok = false;
		} else if (ok) {
			ok = set_field(c, f, val, err, errlen);
		}
		jv_free(k);
		jv_free(val);
	}
	return ok;
}
