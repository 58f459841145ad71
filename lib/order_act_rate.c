/* order_act_rate.c — rate-user (DAEMON.md §5) and the queue of kind-38384
 * rating events that the hourly flush publishes (§3).
 *
 * The aggregate is updated exactly as mostro-core's User::update_rating
 * codes it, one-vote lag included [quirk §11.4]: the first vote counts half,
 * later votes move total_rating towards the PREVIOUS vote, so the newest
 * vote enters the average only when the next one arrives. The 38384 event's
 * `d` tag is the rater's own trade key [quirk §11.3], as mostrod publishes
 * it. The event is built when the vote is counted (its created_at is that
 * moment) and waits in rating_queue until order_flush_ratings(). */
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "json.h"
#include "order_db_extra.h"
#include "order_table.h"

/* User::update_rating. */
static void rating_update(user_row *u, int64_t r)
{
	u->total_reviews += 1;
	double old = u->total_rating;
	if (u->total_reviews <= 1) {
		u->total_rating = (double)r / 2.0;
		u->max_rating = r;
		u->min_rating = r;
	} else {
		u->total_rating = old + ((double)u->last_rating - old) / (double)u->total_reviews;
		if (u->max_rating < r)
			u->max_rating = r;
		if (u->min_rating > r)
			u->min_rating = r;
	}
	u->last_rating = r;
}

/* update_user_rating's bounds (each refusal is CantDo(invalid_rating)). */
static bool rating_in_bounds(const user_row *u)
{
	return u->last_rating >= 1 && u->last_rating <= 5 && u->min_rating >= 0 && u->min_rating <= 5 &&
	       u->max_rating >= 0 && u->max_rating <= 5 && u->total_reviews >= 0 && u->total_rating >= 0.0 &&
	       u->total_rating <= (double)(u->total_reviews * 5) && u->min_rating <= u->last_rating &&
	       u->last_rating <= u->max_rating;
}

static void tag_str(buf *b, const char *name, const char *v)
{
	buf_putc(b, ',');
	buf_putc(b, '[');
	json_write_string(b, name, strlen(name));
	buf_putc(b, ',');
	json_write_string(b, v, strlen(v));
	buf_putc(b, ']');
}

static void tag_i64(buf *b, const char *name, int64_t v)
{
	char s[32];
	snprintf(s, sizeof s, "%lld", (long long)v);
	tag_str(b, name, s);
}

/* The 38384 template: d (the rater's trade key), expiration, Rating::to_tags
 * (total_reviews, total_rating as Rust prints an f64, last_rating, max_rate,
 * min_rate, z), days. */
static char *rating_template(const order_ctx *c, const char *rater_key, const user_row *u)
{
	buf b = BUF_INIT;
	buf_puts(&b, "{\"kind\":38384,\"tags\":[[\"d\",");
	json_write_string(&b, rater_key, strlen(rater_key));
	buf_putc(&b, ']');
	tag_i64(&b, "expiration", c->now + c->cfg->rating_days * 86400);
	tag_i64(&b, "total_reviews", u->total_reviews);
	buf total = BUF_INIT;
	json_write_f64_display(&total, u->total_rating);
	tag_str(&b, "total_rating", total.p);
	buf_free(&total);
	tag_i64(&b, "last_rating", u->last_rating);
	tag_i64(&b, "max_rate", u->max_rating);
	tag_i64(&b, "min_rate", u->min_rating);
	tag_str(&b, "z", "rating");
	/* calculate_days_since_creation: 0 for created_at <= 0 */
	int64_t days = u->created_at > 0 && c->now > u->created_at ? (c->now - u->created_at) / 86400 : 0;
	tag_i64(&b, "days", days);
	buf_printf(&b, "],\"content\":\"\",\"created_at\":%lld}", (long long)c->now);
	return buf_steal(&b);
}

outcome act_rate_user(order_ctx *c)
{
	order_row *o = &c->order;
	bool buyer = (c->roles & ROLE_BUYER) != 0;
	const char *rated = order_rated_identity(c);
	int64_t r = 0;
	json_get_i64(c->m->payload, &r);
	user_row u;
	user_row_init(&u);
	if (!rated || user_load(c->db, rated, &u) != ODB_OK) {
		user_row_free(&u);
		return out_silent("§5 rate-user: the rated user vanished");
	}
	rating_update(&u, r);
	if (!rating_in_bounds(&u)) {
		user_row_free(&u);
		return out_cant(CD_INVALID_RATING, "§5 rate-user: the aggregate would leave its bounds");
	}
	/* the flag and the aggregate in one transaction (the input's) */
	bool claimed = false;
	if (order_claim_rating(c->db, o->id, buyer, &claimed) != ODB_OK) {
		user_row_free(&u);
		return out_internal(order_db_extra_errmsg(c->db));
	}
	if (!claimed) {
		user_row_free(&u);
		return out_silent("§5 rate-user: the rating flag was claimed already");
	}
	if (user_set_rating(c->db, &u) != ODB_OK) {
		user_row_free(&u);
		return out_internal(order_db_extra_errmsg(c->db));
	}
	/* the rater's own trade key (get_buyer_pubkey when the buyer rates) */
	const char *rater = buyer ? o->buyer_pubkey : o->seller_pubkey;
	char *tmpl = rating_template(c, rater, &u);
	order_db_err e = rating_queue_add(c->db, tmpl, c->now);
	free(tmpl);
	if (e != ODB_OK) {
		user_row_free(&u);
		return out_internal(order_db_errmsg(c->db));
	}
	fx_order_msg(c, c->in->sender, MA_RATE_RECEIVED, o->id, RID, OPT_NONE, MP_RATING_USER, json_from_i64(r));
	fx_log(c, "order %s: the %s rated %lld; %s now %lld reviews", o->id, buyer ? "buyer" : "seller", (long long)r,
	       rated, (long long)u.total_reviews);
	user_row_free(&u);
	return out_done();
}

/* ------------------------------------------------------------------ flush */

typedef struct flush_state {
	order_ctx *c;
	int64_t    last;
	int        n;
	bool       failed;
} flush_state;

static bool flush_one(int64_t seq, const char *line, void *arg)
{
	flush_state *f = arg;
	jv t = json_parse(line, strlen(line), JSON_EXACT_NUMBERS, NULL);
	jv tags = json_get(t, "tags");
	jv at = json_get(t, "created_at");
	int64_t created_at = 0;
	if (jv_get_kind(tags) == JV_KIND_ARRAY && json_get_i64(at, &created_at)) {
		if (fx_event_at(f->c, 38384, tags, created_at) < 0)
			f->failed = true;
		else
			f->n++;
	} else {
		jv_free(tags);
		fx_log(f->c, "rating queue: entry %lld unreadable, dropped", (long long)seq);
	}
	jv_free(at);
	jv_free(t);
	f->last = seq;
	return !f->failed;
}

int order_flush_ratings_n(order_ctx *c)
{
	flush_state f = {c, 0, 0, false};
	if (rating_queue_each(c->db, flush_one, &f) != ODB_OK || f.failed)
		return -1;
	if (f.last && rating_queue_delete_through(c->db, f.last) != ODB_OK)
		return -1;
	if (f.n)
		fx_log(c, "rating events published: %d", f.n);
	return f.n;
}

void order_flush_ratings(order_ctx *c)
{
	order_flush_ratings_n(c);
}
