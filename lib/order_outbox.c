/* order_outbox.c — published records and the retries of lines no relay
 * accepted (lib/order_outbox.h). */
#include "order_outbox.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"
#include "order_engine.h"
#include "order_table.h"

/* Seconds from the n-th refusal to the next try (n = 1 .. OUTBOX_TRIES-1);
 * the OUTBOX_TRIES-th refusal gives the line up. About 21 minutes in all:
 * a relay restart, a short outage. */
static const int64_t retry_after[OUTBOX_TRIES - 1] = {10, 60, 300, 900};

/* ---------------------------------------------------------------- state */

void order_outbox_init(order_outbox *o, bool ack)
{
	memset(o, 0, sizeof *o);
	o->ack = ack;
}

void order_outbox_free(order_outbox *o)
{
	free(o->v);
	o->v = NULL;
	o->n = o->cap = 0;
}

void order_outbox_reset(order_outbox *o)
{
	o->n = 0;
}

size_t order_outbox_waiting(const order_outbox *o)
{
	size_t n = 0;
	for (size_t i = 0; i < o->n; i++)
		n += o->v[i].due_at != 0;
	return n;
}

static outbox_try *try_find(order_outbox *o, int64_t seq)
{
	for (size_t i = 0; i < o->n; i++)
		if (o->v[i].seq == seq)
			return &o->v[i];
	return NULL;
}

static outbox_try *try_add(order_outbox *o, int64_t seq, int tries)
{
	if (o->n == o->cap) {
		o->cap = o->cap ? o->cap * 2 : 16;
		o->v = mu_xrealloc(o->v, o->cap * sizeof *o->v);
	}
	o->v[o->n] = (outbox_try){seq, tries, 0};
	return &o->v[o->n++];
}

static void try_forget(order_outbox *o, int64_t seq)
{
	for (size_t i = 0; i < o->n; i++)
		if (o->v[i].seq == seq) {
			o->v[i] = o->v[--o->n];
			return;
		}
}

/* ------------------------------------------------------------------ refs */

void order_outbox_write(buf *b, int64_t seq, const char *line)
{
	if (line[0] != '{') {           /* never: every wrap line is an object */
		buf_puts(b, line);
		return;
	}
	buf_printf(b, "{\"ref\":\"o%lld\"%s", (long long)seq, line[1] == '}' ? "" : ",");
	buf_puts(b, line + 1);
}

bool order_outbox_ref(const char *ref, int64_t *seq)
{
	if (!ref || ref[0] != 'o' || ref[1] < '1' || ref[1] > '9')
		return false;
	int64_t v = 0;
	for (const char *p = ref + 1; *p; p++) {
		if (*p < '0' || *p > '9' || v > (INT64_MAX - 9) / 10)
			return false;
		v = v * 10 + (*p - '0');
	}
	*seq = v;
	return true;
}

/* ----------------------------------------------------------------- lines */

/* The "d" tag of a template, or NULL (a pointer into tags). */
static const char *d_tag(jv tags)
{
	if (jv_get_kind(tags) != JV_KIND_ARRAY)
		return NULL;
	const char *d = NULL;
	jv_array_foreach(tags, i, t) {
		jv name = jv_get_kind(t) == JV_KIND_ARRAY ? jv_array_get(jv_copy(t), 0) : jv_invalid();
		jv val = jv_get_kind(t) == JV_KIND_ARRAY ? jv_array_get(jv_copy(t), 1) : jv_invalid();
		if (!d && jv_get_kind(name) == JV_KIND_STRING && strcmp(jv_string_value(name), "d") == 0 &&
		    jv_get_kind(val) == JV_KIND_STRING)
			d = jv_string_value(val);   /* lives as long as tags */
		jv_free(name);
		jv_free(val);
		jv_free(t);
		(void)i;
	}
	return d;
}

/* For the log: "DM <action> to <key>" or "kind K [d D]". */
static void describe(jv line, char *out, size_t n)
{
	jv kind = json_get(line, "kind");
	int64_t k;
	if (json_get_i64(kind, &k)) {
		jv tags = json_get(line, "tags");
		const char *d = d_tag(tags);
		if (d)
			snprintf(out, n, "kind %lld d %.40s", (long long)k, d);
		else
			snprintf(out, n, "kind %lld", (long long)k);
		jv_free(tags);
		jv_free(kind);
		return;
	}
	jv_free(kind);
	const char *to = json_get_str(line, "to", NULL);
	const char *action = NULL;
	jv msg = json_get(line, "message");
	jv inner = jv_invalid();
	if (jv_get_kind(msg) == JV_KIND_OBJECT) {
		jv_object_foreach(msg, key, val) {
			if (!jv_is_valid(inner) && jv_get_kind(val) == JV_KIND_OBJECT)
				inner = jv_copy(val);
			jv_free(key);
			jv_free(val);
		}
	}
	if (jv_is_valid(inner))
		action = json_get_str(inner, "action", NULL);
	snprintf(out, n, "DM %.40s to %.16s", action ? action : "?", to ? to : "?");
	jv_free(inner);
	jv_free(msg);
}

/* --------------------------------------------------------- published */

const char *order_published(order_ctx *c, jv rec)
{
	const char *ref = json_get_str(rec, "ref", NULL);
	jv acc = json_get(rec, "accepted");
	jv_kind ak = jv_get_kind(acc);
	jv_free(acc);
	if (!ref)
		return "published: \"ref\" must be a string";
	if (ak != JV_KIND_TRUE && ak != JV_KIND_FALSE)
		return "published: \"accepted\" must be true or false";
	int64_t seq;
	if (!order_outbox_ref(ref, &seq)) {
		fx_log(c, "published %.40s: drop: not a ref of this engine", ref);
		return NULL;
	}
	order_outbox *o = c->outbox;
	char *text = NULL;
	order_db_err e = outbox_get(c->db, seq, &text);
	if (e != ODB_OK) {
		if (e == ODB_NOT_FOUND)
			fx_log(c, "published %s: drop: not in the outbox (settled before)", ref);
		else
			fx_log(c, "published %s: outbox: %s", ref, order_db_errmsg(c->db));
		if (o && e == ODB_NOT_FOUND)
			try_forget(o, seq);
		return NULL;
	}
	if (ak == JV_KIND_TRUE) {
		if (outbox_delete(c->db, seq) != ODB_OK)
			fx_log(c, "published %s: outbox: %s", ref, order_db_errmsg(c->db));
		if (o)
			try_forget(o, seq);
		free(text);
		return NULL;
	}
	/* no relay took it */
	jv line = json_parse(text, strlen(text), JSON_EXACT_NUMBERS, NULL);
	char what[128];
	describe(line, what, sizeof what);
	jv_free(line);
	free(text);
	const char *why = json_get_str(rec, "message", NULL);
	outbox_try *t = o ? try_find(o, seq) : NULL;
	if (o && !t)
		t = try_add(o, seq, 0);
	int tries = t ? ++t->tries : OUTBOX_TRIES;
	if (tries >= OUTBOX_TRIES) {
		if (outbox_delete(c->db, seq) != ODB_OK)
			fx_log(c, "published %s: outbox: %s", ref, order_db_errmsg(c->db));
		if (o)
			try_forget(o, seq);
		fx_log(c, "%s (%s): not accepted by any relay (%.200s): given up after %d tries", ref, what,
		       why && *why ? why : "no reason given", tries);
		return NULL;
	}
	t->due_at = c->now + retry_after[tries - 1];
	fx_log(c, "%s (%s): not accepted by any relay (%.200s): try %d of %d at %lld", ref, what,
	       why && *why ? why : "no reason given", tries + 1, OUTBOX_TRIES, (long long)t->due_at);
	return NULL;
}

/* ------------------------------------------------------------- retries */

/* A 38383 revision no relay took: superseded when a newer revision of the
 * order was decided since (dropped); else the order's current state, when
 * its status is published (§1.2), goes out as a new row carrying the tries.
 * False: send the stored line again. */
static bool republish_order(order_ctx *c, jv line, int64_t seq, int tries)
{
	jv tags = json_get(line, "tags");
	jv cat = json_get(line, "created_at");
	const char *d = d_tag(tags);
	int64_t created_at = 0, last = 0;
	bool found = false, done = false;
	json_get_i64(cat, &created_at);
	jv_free(cat);
	if (!d || pub_clock_last(c->db, 38383, d, &last, &found) != ODB_OK) {
		jv_free(tags);
		return false;
	}
	if (found && last > created_at) {
		outbox_delete(c->db, seq);
		try_forget(c->outbox, seq);
		fx_log(c, "o%lld (kind 38383 d %.40s): superseded by a newer revision: not sent again", (long long)seq, d);
		jv_free(tags);
		return true;
	}
	order_row ord;
	order_row_init(&ord);
	if (order_load(c->db, d, &ord) == ODB_OK && order_publish_map[ord.status][ord.kind]) {
		size_t before = c->sink->n;
		outcome r = fx_publish_order(c, &ord, ord.status);   /* ord not saved: mostrod neither */
		if (r.kind == OUT_DONE && c->sink->n > before && c->sink->v[c->sink->n - 1].seq > 0) {
			int64_t nseq = c->sink->v[c->sink->n - 1].seq;
			outbox_delete(c->db, seq);
			try_forget(c->outbox, seq);
			try_add(c->outbox, nseq, tries);
			fx_log(c, "o%lld (kind 38383 d %.40s): the order's current state published again as o%lld (try %d of %d)",
			       (long long)seq, d, (long long)nseq, tries + 1, OUTBOX_TRIES);
			done = true;
		}
	}
	order_row_free(&ord);
	jv_free(tags);
	return done;
}

static void retry_one(order_ctx *c, int64_t seq)
{
	outbox_try *t = try_find(c->outbox, seq);
	if (!t)
		return;
	t->due_at = 0;                  /* sent: its result awaited */
	int tries = t->tries;
	char *text = NULL;
	order_db_err e = outbox_get(c->db, seq, &text);
	if (e != ODB_OK) {
		if (e == ODB_NOT_FOUND)
			try_forget(c->outbox, seq);
		else
			fx_log(c, "o%lld: outbox: %s", (long long)seq, order_db_errmsg(c->db));
		return;
	}
	jv line = json_parse(text, strlen(text), JSON_EXACT_NUMBERS, NULL);
	jv kind = json_get(line, "kind");
	int64_t k = 0;
	bool order_event = json_get_i64(kind, &k) && k == 38383;
	jv_free(kind);
	if (!order_event || !republish_order(c, line, seq, tries)) {
		char what[128];
		describe(line, what, sizeof what);
		fx_outbox_again(c, seq, text);
		fx_log(c, "o%lld (%s): sent again (try %d of %d)", (long long)seq, what, tries + 1, OUTBOX_TRIES);
	}
	jv_free(line);
	free(text);
}

void order_outbox_due(order_ctx *c)
{
	order_outbox *o = c->outbox;
	if (!o || !o->n)
		return;
	/* in outbox order; collected first: a retry adds and removes entries */
	int64_t *due = mu_xmalloc(o->n * sizeof *due);
	size_t n = 0;
	for (size_t i = 0; i < o->n; i++)
		if (o->v[i].due_at && o->v[i].due_at <= c->now)
			due[n++] = o->v[i].seq;
	for (size_t i = 1; i < n; i++)          /* few: insertion sort */
		for (size_t j = i; j > 0 && due[j - 1] > due[j]; j--) {
			int64_t x = due[j];
			due[j] = due[j - 1];
			due[j - 1] = x;
		}
	for (size_t i = 0; i < n; i++)
		retry_one(c, due[i]);
	free(due);
}
