#include "relay_sub.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "buf.h"
#include "event.h"
#include "exitcode.h"
#include "hex.h"
#include "idset.h"
#include "lineio.h"
#include "relay_auth_client.h"
#include "relay_client.h"
#include "relay_state.h"
#include "relaymsg.h"

#define STATE_SAVE_INTERVAL 1.0    /* seconds, after events were written */
#define STATE_IDLE_INTERVAL 30.0   /* seconds, when only the clock moved the cursor */

typedef enum cauth_state { CAUTH_NONE, CAUTH_PENDING, CAUTH_OK, CAUTH_FAILED } cauth_state;

typedef struct sub_relay {
	char          subid[24];
	unsigned      gen;            /* subids are "mr<gen>" */
	nostr_filter *sent;           /* filters of the current REQ */
	size_t        nsent;
	bool          active;         /* a REQ is open on the current connection */
	bool          done;           /* REQ_ONCE: finished with this relay */
	bool          got_eose;       /* an EOSE ever arrived */
	bool          live;           /* the current REQ is past its EOSE (sub: and its paging done) */
	bool          stored;         /* the current REQ is before its EOSE */
	/* in sync with this relay up to mark: every matching event it holds with
	 * created_at <= mark has reached us (its EOSE came at mark, or the
	 * subscription was live until then). Starts at the state file's cursor. */
	bool          has_mark;
	uint64_t      mark;
	bool          synced;         /* has_mark was earned in this run */
	bool          closed;         /* the relay refused the subscription */
	bool          attempted;      /* a connection attempt finished (ok or not) */
	bool          resub_after_auth;
	cauth_state    auth;
	uint8_t       auth_id[32];
	/* sub's stored phase paged on a REQ of its own, beside the live one */
	char          pg_subid[24];
	nostr_filter *pg_sent;        /* filters of the current page REQ */
	size_t        pg_nsent;
	bool          pg_active;      /* a page REQ is open on the current connection */
	bool          pg_resub_after_auth;
	uint64_t      live_ended;     /* when the live REQ ended (CLOSED) while pages were read */
	/* pagination (REQ_ONCE with all; sub's stored phase) */
	bool          paging;
	uint64_t      page_until;
	unsigned long page_count;     /* matching events of the current page, repeats included */
	unsigned long prev_count;     /* ... of the page before */
	unsigned long page_size;      /* a truncated page's count (0: none seen yet) */
	bool          stuck;          /* the page before lay wholly on stuck_second */
	uint64_t      stuck_second;
	bool          page_has_oldest;
	uint64_t      page_oldest;
} sub_relay;

typedef struct sub {
	const relay_sub_config *cfg;
	relay_sub_summary *sum;
	relay_pool *pool;
	sub_relay  *relays;
	size_t      nrelays;
	idset       seen;
	int64_t     lookback;
	bool        state_dirty;         /* an event was written since the last save */
	double      state_saved_at;
	bool        state_saved;
	uint64_t    saved_cursor;
	bool        state_error_reported;
	double      wait_deadline;
	bool        timed_out;
	bool        unreachable;
	bool        connect_timed_out;   /* a first attempt timed out */
	bool        stdout_gone;
	bool        has_start_cursor;    /* loaded from the state file */
	uint64_t    start_cursor;
	uint64_t    prune_tried;         /* the last floor pruned at (scan once per floor) */
	buf         out;
} sub;

int64_t relay_default_lookback(const nostr_filter *fs, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!fs[i].has_kinds || filter_has_kind(&fs[i], 1059) || filter_has_kind(&fs[i], 14))
			return RELAY_LOOKBACK_RANDOMISED;
	return RELAY_LOOKBACK_DEFAULT;
}

uint64_t relay_resume_since(bool has_since, uint64_t since, uint64_t cursor, int64_t lookback)
{
	uint64_t lb = lookback > 0 ? (uint64_t)lookback : 0;
	uint64_t resume = cursor > lb ? cursor - lb : 0;
	return has_since && since > resume ? since : resume;
}

uint64_t relay_forget_floor(uint64_t cursor, uint64_t now, int64_t lookback)
{
	uint64_t t = cursor < now ? cursor : now;
	uint64_t back = (lookback > 0 ? (uint64_t)lookback : 0) + RELAY_FORGET_MARGIN;
	return t > back ? t - back : 0;
}

static const char *url_of(sub *S, size_t r)
{
	return relay_conn_url(relay_pool_conn(S->pool, r));
}

static uint64_t wall_now(void)
{
	return (uint64_t)time(NULL);
}

/* How far we are in sync with relay R: now while its subscription is live
 * (sub), else its mark. */
static bool relay_mark_at(const sub *S, const sub_relay *R, uint64_t now, uint64_t *t)
{
	if (S->cfg->mode == REQ_STREAM && R->live) {
		*t = now;
		return true;
	}
	*t = R->mark;
	return R->has_mark;
}

/* The subscription leaves live: its mark becomes the moment it did. */
static void hold_mark(sub *S, sub_relay *R)
{
	if (S->cfg->mode == REQ_STREAM && R->live) {
		R->mark = wall_now();
		R->has_mark = true;
	}
	R->live = false;
}

/* The cursor (state file, de-duplication window): the oldest mark of the
 * relays in sync at least once in this run, so a restart resumes every one of
 * them without a gap; a relay unreachable for the whole run does not hold it
 * back. Before any relay is in sync: the state file's cursor. */
static bool sync_point(const sub *S, uint64_t *t)
{
	uint64_t now = wall_now(), m;
	bool found = false;
	for (size_t r = 0; r < S->nrelays; r++) {
		const sub_relay *R = &S->relays[r];
		if (!R->synced || !relay_mark_at(S, R, now, &m))
			continue;
		if (!found || m < *t)
			*t = m;
		found = true;
	}
	if (!found && S->has_start_cursor) {
		*t = S->start_cursor;
		found = true;
	}
	return found;
}

static void save_state(sub *S, bool force)
{
	uint64_t cursor;
	if (!S->cfg->state_path || !sync_point(S, &cursor))
		return;
	if (S->state_saved && cursor == S->saved_cursor)
		return;
	double now = mu_monotonic();
	if (!force && now - S->state_saved_at < (S->state_dirty ? STATE_SAVE_INTERVAL : STATE_IDLE_INTERVAL))
		return;
	relay_state_err e = relay_state_save(S->cfg->state_path, cursor);
	S->state_saved_at = now;
	if (e == RELAY_STATE_OK) {
		S->state_dirty = false;
		S->state_saved = true;
		S->saved_cursor = cursor;
		S->state_error_reported = false;
	} else if (!S->state_error_reported) {
		report("%s: %s", S->cfg->state_path, relay_state_strerror(e));
		S->state_error_reported = true;
	}
}

/* The filters of a new REQ: the configured ones, resumed from this relay's
 * mark (the state file's cursor until the relay is in sync) and bounded by
 * the page (pagination). */
static void build_filters(sub *S, sub_relay *R)
{
	bool resume = R->has_mark;
	uint64_t cursor = R->mark;
	filters_free(R->sent, R->nsent);
	R->nsent = S->cfg->n_filters;
	R->sent = mu_xmalloc(R->nsent * sizeof *R->sent);
	for (size_t i = 0; i < R->nsent; i++) {
		nostr_filter *f = &R->sent[i];
		filter_copy(f, &S->cfg->filters[i]);
		if (resume)
			filter_set_since(f, relay_resume_since(f->has_since, f->since, cursor, S->lookback));
		if (R->paging && (!f->has_until || f->until > R->page_until))
			filter_set_until(f, R->page_until);
	}
}

/* sub, a new live REQ: its stored phase is paged afresh; a page still open
 * is closed. */
static void stream_paging_reset(sub *S, size_t r)
{
	sub_relay *R = &S->relays[r];
	if (R->pg_active) {
		buf b = BUF_INIT;
		rmsg_write_close(&b, R->pg_subid, strlen(R->pg_subid));
		relay_conn_send(relay_pool_conn(S->pool, r), b.p, b.len);
		buf_free(&b);
	}
	R->pg_active = false;
	R->pg_resub_after_auth = false;
	R->paging = false;
	R->stuck = false;
	R->page_size = 0;
	R->prev_count = 0;
}

/* sub pages a stored window only when it has a lower end: every filter of
 * the live REQ has a since (the cursor's resume point or the filter's own)
 * and none a limit (a limit asks for that many, not for the window). */
static bool stream_pages(const sub_relay *R)
{
	for (size_t i = 0; i < R->nsent; i++)
		if (!R->sent[i].has_since || R->sent[i].has_limit)
			return false;
	return R->nsent > 0;
}

static void send_req(sub *S, size_t r)
{
	sub_relay *R = &S->relays[r];
	relay_conn *c = relay_pool_conn(S->pool, r);
	buf b = BUF_INIT;
	if (R->active) {
		rmsg_write_close(&b, R->subid, strlen(R->subid));
		relay_conn_send(c, b.p, b.len);
		buf_reset(&b);
	}
	if (S->cfg->mode == REQ_STREAM)
		stream_paging_reset(S, r);
	R->gen++;
	snprintf(R->subid, sizeof R->subid, "mr%u", R->gen);
	hold_mark(S, R);
	build_filters(S, R);
	rmsg_write_req(&b, R->subid, strlen(R->subid), R->sent, R->nsent);
	R->active = relay_conn_send(c, b.p, b.len);
	R->stored = true;
	R->page_count = 0;
	R->page_has_oldest = false;
	buf_free(&b);
}

/* sub, a page of the stored window: the live REQ's filters bounded by until =
 * page_until, on a subscription of its own (the live one stays open, so
 * nothing published meanwhile is missed). The page before is closed. */
static void send_page(sub *S, size_t r)
{
	sub_relay *R = &S->relays[r];
	relay_conn *c = relay_pool_conn(S->pool, r);
	buf b = BUF_INIT;
	if (R->pg_active) {
		rmsg_write_close(&b, R->pg_subid, strlen(R->pg_subid));
		relay_conn_send(c, b.p, b.len);
		buf_reset(&b);
	}
	R->gen++;
	snprintf(R->pg_subid, sizeof R->pg_subid, "mr%u", R->gen);
	filters_free(R->pg_sent, R->pg_nsent);
	R->pg_nsent = R->nsent;
	R->pg_sent = mu_xmalloc(R->pg_nsent * sizeof *R->pg_sent);
	for (size_t i = 0; i < R->pg_nsent; i++) {
		filter_copy(&R->pg_sent[i], &R->sent[i]);
		if (!R->pg_sent[i].has_until || R->pg_sent[i].until > R->page_until)
			filter_set_until(&R->pg_sent[i], R->page_until);
	}
	rmsg_write_req(&b, R->pg_subid, strlen(R->pg_subid), R->pg_sent, R->pg_nsent);
	R->pg_active = relay_conn_send(c, b.p, b.len);
	R->pg_resub_after_auth = false;
	R->page_count = 0;
	R->page_has_oldest = false;
	buf_free(&b);
}

static void check_done(sub *S)
{
	if (S->cfg->mode == REQ_ONCE) {
		for (size_t r = 0; r < S->nrelays; r++)
			if (!S->relays[r].done)
				return;
		relay_pool_stop(S->pool);
		return;
	}
	/* REQ_STREAM: stop when nothing more can come */
	bool all_closed = true, none_up = true, all_attempted = true;
	for (size_t r = 0; r < S->nrelays; r++) {
		all_closed = all_closed && S->relays[r].closed;
		none_up = none_up && !relay_conn_was_up(relay_pool_conn(S->pool, r));
		all_attempted = all_attempted && S->relays[r].attempted;
	}
	if (none_up && all_attempted) {
		S->unreachable = true;
		relay_pool_stop(S->pool);
	} else if (all_closed) {
		relay_pool_stop(S->pool);
	}
}

static void on_connected(relay_pool *pool, relay_conn *c)
{
	sub *S = relay_pool_userdata(pool);
	size_t r = relay_conn_index(c);
	sub_relay *R = &S->relays[r];
	R->attempted = true;
	R->auth = CAUTH_NONE;
	R->active = false;
	R->pg_active = false;
	R->resub_after_auth = false;
	relay_status(&S->cfg->report, "connected", relay_conn_url(c), NULL, NULL);
	if (!R->closed)
		send_req(S, r);
}

static void on_disconnected(relay_pool *pool, relay_conn *c, relay_down why, const char *reason)
{
	sub *S = relay_pool_userdata(pool);
	size_t r = relay_conn_index(c);
	sub_relay *R = &S->relays[r];
	R->attempted = true;
	R->active = false;
	R->pg_active = false;
	R->auth = CAUTH_NONE;
	hold_mark(S, R);
	relay_status(&S->cfg->report, "disconnected", relay_conn_url(c), NULL, reason);
	if (S->cfg->mode == REQ_ONCE) {
		if (!R->done && why == RELAY_DOWN_TIMEOUT && !relay_conn_was_up(c))
			S->timed_out = true;
		R->done = true;
	} else {
		R->closed = false;   /* a new connection gets a new chance */
		if (why == RELAY_DOWN_TIMEOUT && !relay_conn_was_up(c))
			S->connect_timed_out = true;
	}
	save_state(S, true);
	check_done(S);
}

/* REQ_STREAM keeps the seen ids bounded: when the set is about to grow, the
 * ids of events older than relay_forget_floor() are dropped, unless a REQ
 * still in its stored-events phase (no EOSE yet) asks for older ones (its
 * smallest since, 0 without one). Such a REQ and any REQ sent later carry a
 * since at or above the floor, so only a live event can be older. Such an
 * event is written like any other: it is new, or (rarely) the repeat of one
 * whose id was forgotten. A repeat is the lesser harm: consumers de-duplicate
 * by id (mostro-order records every event id it processed), while dropping
 * would lose a genuine event that merely carries an old created_at. */
static void prune_seen(sub *S)
{
	uint64_t cursor;
	if (S->cfg->mode != REQ_STREAM || !idset_full(&S->seen) || !sync_point(S, &cursor))
		return;
	uint64_t floor = relay_forget_floor(cursor, wall_now(), S->lookback);
	for (size_t r = 0; r < S->nrelays; r++) {
		const sub_relay *R = &S->relays[r];
		if (!R->sent || R->live || R->closed)   /* past EOSE, or refused: nothing stored to come */
			continue;
		for (size_t i = 0; i < R->nsent; i++) {
			uint64_t since = R->sent[i].has_since ? R->sent[i].since : 0;
			if (since < floor)
				floor = since;
		}
	}
	if (floor <= S->prune_tried)
		return;
	S->prune_tried = floor;
	idset_prune_before(&S->seen, floor);
}

/* An event of the current page that matched its filters (written or not:
 * a repeat or an expired event still tells how far back the page went). */
static void count_page_event(sub_relay *R, const nostr_event *ev)
{
	if (!R->page_has_oldest || ev->created_at < R->page_oldest) {
		R->page_oldest = ev->created_at;
		R->page_has_oldest = true;
	}
	R->page_count++;
}

static void emit_event(sub *S, size_t r, const nostr_event *ev)
{
	if (!idset_add_at(&S->seen, ev->id, ev->created_at)) {
		S->sum->duplicates++;
		return;
	}
	buf_reset(&S->out);
	event_write(&S->out, ev);
	if (!out_line(S->out.p, S->out.len)) {
		S->stdout_gone = true;
		relay_pool_stop(S->pool);
	}
	S->sum->events++;
	S->state_dirty = true;
}

/* Subscription ids we opened earlier on this relay ("mr<k>", k < gen). */
static bool is_old_subid(const sub_relay *R, const char *id)
{
	if (strncmp(id, "mr", 2) != 0 || !id[2])
		return false;
	char *end;
	unsigned long k = strtoul(id + 2, &end, 10);
	return *end == 0 && k < R->gen;
}

/* NIP-40: an "expiration" tag at or before now. A malformed value does not
 * expire the event. */
static bool is_expired(const nostr_event *ev, uint64_t now)
{
	size_t n;
	const char *v = event_tag_value(ev, "expiration", 1, &n);
	if (!v || n == 0 || n > 19)
		return false;
	uint64_t t = 0;
	for (size_t i = 0; i < n; i++) {
		if (v[i] < '0' || v[i] > '9')
			return false;
		t = t * 10 + (uint64_t)(v[i] - '0');
	}
	return t <= now;
}

static void on_sub_event(sub *S, size_t r, rmsg *m)
{
	sub_relay *R = &S->relays[r];
	const char *url = url_of(S, r);
	char idhex[65];
	hex_encode(idhex, m->event.id, 32);
	bool page = R->pg_active && strcmp(m->subid, R->pg_subid) == 0;
	if (!page && strcmp(m->subid, R->subid) != 0) {
		if (!is_old_subid(R, m->subid)) {
			relay_error(&S->cfg->report, url, "unknown-sub", "event %s for unknown subscription \"%s\" dropped",
				    idhex, m->subid);
			S->sum->dropped++;
		}
		return;
	}
	event_err e = event_verify(&m->event);
	if (e != EVENT_OK) {
		relay_error(&S->cfg->report, url, "bad-sig", "event %s dropped: %s", idhex, event_strerror(e));
		S->sum->dropped++;
		return;
	}
	if (page ? !filters_match(R->pg_sent, R->pg_nsent, &m->event) : !filters_match(R->sent, R->nsent, &m->event)) {
		relay_error(&S->cfg->report, url, "no-match", "event %s dropped: it does not match the filter", idhex);
		S->sum->dropped++;
		return;
	}
	if (page || R->stored)
		count_page_event(R, &m->event);
	prune_seen(S);
	if (is_expired(&m->event, (uint64_t)time(NULL))) {
		relay_error(&S->cfg->report, url, "expired", "event %s dropped: expired (NIP-40)", idhex);
		S->sum->dropped++;
		return;
	}
	emit_event(S, r, &m->event);
}

static void report_incomplete(sub *S, size_t r, unsigned long count, uint64_t second)
{
	relay_error(&S->cfg->report, url_of(S, r), "incomplete",
		    "%lu events dated %llu filled a page of a relay that truncates its pages: more of that "
		    "second may be stored and cannot be asked for (NIP-01 has no offset)",
		    count, (unsigned long long)second);
	S->sum->incomplete++;
}

/* --all: after the EOSE of a page, whether to ask for the next one (and its
 * until). A page reaching further back than its until is followed by until =
 * its oldest created_at (inclusive: the rest of that second); if it reached
 * back at all, the page before it was truncated, which tells the relay's
 * page size. A page lying wholly on its until second cannot be moved past
 * with until alone: the next page asks from the second before. Whether the
 * relay held more events of that second than it sent cannot be asked (NIP-01
 * has no offset); it is reported when the relay shows it truncates there: the
 * page was as large as a page it truncated, or (page size not known yet) the
 * second before still has events. Repeats count like new events: another
 * relay may have written them first. */
static bool next_page(sub *S, size_t r)
{
	sub_relay *R = &S->relays[r];
	if (R->page_count == 0 || !R->page_has_oldest)
		return false;
	if (!R->paging || R->page_oldest < R->page_until) {
		if (R->paging)
			R->page_size = R->prev_count;      /* it left older events out */
		if (R->stuck)
			report_incomplete(S, r, R->prev_count, R->stuck_second);
		R->stuck = false;
		R->paging = true;
		R->page_until = R->page_oldest;
		R->prev_count = R->page_count;
		return true;
	}
	uint64_t second = R->page_until;
	if (R->page_size && R->page_count < R->page_size)
		return false;                      /* all it had up to that second came */
	if (R->page_size)
		report_incomplete(S, r, R->page_count, second);
	R->stuck = !R->page_size;
	R->stuck_second = second;
	R->prev_count = R->page_count;
	if (second == 0)
		return false;
	R->page_until = second - 1;
	return true;
}

/* sub: every stored event of the window has come (the live REQ's, then its
 * pages'): the relay is in sync, its mark now for as long as it stays live.
 * Until then the mark (and the cursor) stays where it was. */
static void stream_in_sync(sub *S, size_t r)
{
	sub_relay *R = &S->relays[r];
	if (R->pg_active) {
		buf b = BUF_INIT;
		rmsg_write_close(&b, R->pg_subid, strlen(R->pg_subid));
		relay_conn_send(relay_pool_conn(S->pool, r), b.p, b.len);
		buf_free(&b);
		R->pg_active = false;
	}
	R->paging = false;
	R->synced = true;
	if (R->active) {
		R->live = true;
	} else {                      /* the live REQ ended meanwhile: in sync up to then */
		R->mark = R->live_ended;
		R->has_mark = true;
	}
	relay_status(&S->cfg->report, "eose", url_of(S, r), R->subid, NULL);
}

/* sub: the EOSE of the live REQ or of a page. A relay caps what it answers
 * (newest first), so while pages reach back the next one is asked for with
 * until, as req --all does (next_page), on a REQ of its own. */
static void on_stream_eose(sub *S, size_t r, bool page)
{
	sub_relay *R = &S->relays[r];
	if (!page) {
		R->got_eose = true;
		R->stored = false;
		if (!stream_pages(R) || !next_page(S, r)) {
			stream_in_sync(S, r);
			return;
		}
	} else if (!next_page(S, r)) {
		stream_in_sync(S, r);
		return;
	}
	send_page(S, r);
}

static void on_eose(sub *S, size_t r, rmsg *m)
{
	sub_relay *R = &S->relays[r];
	if (S->cfg->mode == REQ_STREAM) {
		bool page = R->pg_active && strcmp(m->subid, R->pg_subid) == 0;
		if (page || (R->stored && strcmp(m->subid, R->subid) == 0))
			on_stream_eose(S, r, page);
		return;
	}
	if (strcmp(m->subid, R->subid) != 0)
		return;
	R->got_eose = true;
	R->live = true;
	R->stored = false;
	relay_status(&S->cfg->report, "eose", url_of(S, r), m->subid, NULL);
	if (S->cfg->all && next_page(S, r)) {
		send_req(S, r);
		return;
	}
	R->done = true;
	R->mark = wall_now();         /* everything it stores up to now has come */
	R->has_mark = true;
	R->synced = true;
	check_done(S);
}

/* sub: the relay ended a page. auth-required: asked again once the AUTH is
 * accepted. Anything else: reported; the relay stays out of sync (its mark,
 * and the cursor, do not move past the window not read), the live REQ goes
 * on. */
static void on_page_closed(sub *S, size_t r, rmsg *m)
{
	sub_relay *R = &S->relays[r];
	R->pg_active = false;
	if (S->cfg->auth_key && R->auth != CAUTH_FAILED &&
	    rmsg_reason_of(m->message, m->message_len) == RMSG_REASON_AUTH_REQUIRED) {
		if (R->auth == CAUTH_OK)
			send_page(S, r);
		else
			R->pg_resub_after_auth = true;
		return;
	}
	relay_error(&S->cfg->report, url_of(S, r), "incomplete",
		    "the relay ended the page of stored events before %llu (%s): older ones may be missing; "
		    "the cursor stays where it was", (unsigned long long)R->page_until, m->message);
	S->sum->incomplete++;
}

static void on_closed(sub *S, size_t r, rmsg *m)
{
	sub_relay *R = &S->relays[r];
	if (S->cfg->mode == REQ_STREAM && R->pg_active && strcmp(m->subid, R->pg_subid) == 0) {
		on_page_closed(S, r, m);
		return;
	}
	if (strcmp(m->subid, R->subid) != 0)
		return;
	R->active = false;
	R->live_ended = wall_now();   /* pages still read end at this mark */
	hold_mark(S, R);              /* nothing comes from it past this moment */
	relay_status(&S->cfg->report, "closed", url_of(S, r), m->subid, m->message);
	if (S->cfg->auth_key && R->auth != CAUTH_FAILED &&
	    rmsg_reason_of(m->message, m->message_len) == RMSG_REASON_AUTH_REQUIRED) {
		if (R->auth == CAUTH_OK)
			send_req(S, r);
		else
			R->resub_after_auth = true;
		return;
	}
	R->closed = true;
	if (S->cfg->mode == REQ_ONCE)
		R->done = true;
	check_done(S);
}

static void on_challenge(sub *S, relay_conn *c, rmsg *m)
{
	size_t r = relay_conn_index(c);
	if (!S->cfg->auth_key) {
		relay_status(&S->cfg->report, "notice", relay_conn_url(c), NULL,
			     "relay asks for NIP-42 authentication (no --auth-key-file given)");
		return;
	}
	buf b = BUF_INIT;
	relay_auth_frame(&b, S->cfg->auth_key, relay_conn_url(c), m->message, m->message_len,
			 (uint64_t)time(NULL), S->relays[r].auth_id);
	if (relay_conn_send(c, b.p, b.len))
		S->relays[r].auth = CAUTH_PENDING;
	buf_free(&b);
}

static void on_ok(sub *S, size_t r, rmsg *m)
{
	sub_relay *R = &S->relays[r];
	if (R->auth != CAUTH_PENDING || memcmp(m->event_id, R->auth_id, 32) != 0) {
		relay_error(&S->cfg->report, url_of(S, r), "unexpected-frame", "unexpected OK dropped");
		return;
	}
	R->auth = m->accepted ? CAUTH_OK : CAUTH_FAILED;
	relay_status_auth(&S->cfg->report, url_of(S, r), m->accepted, m->message);
	if (R->pg_resub_after_auth && !R->resub_after_auth) {
		R->pg_resub_after_auth = false;
		if (m->accepted)
			send_page(S, r);
		else
			relay_error(&S->cfg->report, url_of(S, r), "incomplete",
				    "a page of stored events needs AUTH and the relay refused it: older events may "
				    "be missing; the cursor stays where it was");
		return;
	}
	if (!R->resub_after_auth)
		return;
	R->resub_after_auth = false;
	if (m->accepted) {
		send_req(S, r);
		return;
	}
	R->closed = true;
	if (S->cfg->mode == REQ_ONCE)
		R->done = true;
	check_done(S);
}

static void on_message(relay_pool *pool, relay_conn *c, const char *text, size_t len)
{
	sub *S = relay_pool_userdata(pool);
	size_t r = relay_conn_index(c);
	rmsg m;
	char detail[200] = "";
	rmsg_err err = rmsg_parse_relay(&m, text, len, detail, sizeof detail);
	if (err) {
		relay_error(&S->cfg->report, relay_conn_url(c), err == RMSG_ERR_EVENT ? "bad-event" : "bad-frame",
			    "malformed %s dropped: %s", err == RMSG_ERR_EVENT ? "event" : "frame",
			    *detail ? detail : rmsg_strerror(err));
		S->sum->dropped++;
		rmsg_free(&m);
		return;
	}
	switch (m.type) {
	case RMSG_SUB_EVENT: on_sub_event(S, r, &m); break;
	case RMSG_EOSE: on_eose(S, r, &m); break;
	case RMSG_CLOSED: on_closed(S, r, &m); break;
	case RMSG_NOTICE: relay_status(&S->cfg->report, "notice", relay_conn_url(c), NULL, m.message); break;
	case RMSG_CHALLENGE: on_challenge(S, c, &m); break;
	case RMSG_OK: on_ok(S, r, &m); break;
	default:
		relay_error(&S->cfg->report, relay_conn_url(c), "unexpected-frame", "unexpected %s frame dropped",
			    rmsg_type_name(m.type));
		break;
	}
	rmsg_free(&m);
}

static void on_bad_message(relay_pool *pool, relay_conn *c, const char *reason)
{
	sub *S = relay_pool_userdata(pool);
	S->sum->dropped++;
	relay_error(&S->cfg->report, relay_conn_url(c), "bad-frame", "%s dropped", reason);
}

static void on_tick(relay_pool *pool)
{
	sub *S = relay_pool_userdata(pool);
	if (S->wait_deadline > 0 && mu_monotonic() >= S->wait_deadline) {
		S->timed_out = true;
		relay_pool_stop(pool);
		return;
	}
	save_state(S, false);
}

static int dry_run(sub *S)
{
	sub_relay R;
	memset(&R, 0, sizeof R);
	R.has_mark = S->has_start_cursor;
	R.mark = S->start_cursor;
	build_filters(S, &R);
	buf b = BUF_INIT;
	rmsg_write_req(&b, "mr1", 3, R.sent, R.nsent);
	bool ok = out_line(b.p, b.len);
	buf_free(&b);
	filters_free(R.sent, R.nsent);
	(void)ok;
	return MU_EXIT_OK;
}

int relay_sub_run(const relay_sub_config *cfg, relay_sub_summary *sum)
{
	sub S;
	memset(&S, 0, sizeof S);
	memset(sum, 0, sizeof *sum);
	S.cfg = cfg;
	S.sum = sum;
	S.lookback = cfg->lookback >= 0 ? cfg->lookback : relay_default_lookback(cfg->filters, cfg->n_filters);
	if (cfg->state_path) {
		bool found;
		relay_state_err e = relay_state_load(cfg->state_path, &sum->cursor, &found);
		if (e) {
			report("%s: %s", cfg->state_path, relay_state_strerror(e));
			return MU_EXIT_CONFIG;
		}
		/* a cursor past now (a file written before the cap in emit_event,
		 * or a clock set back) would skip the gap just the same */
		if (found && sum->cursor > (uint64_t)time(NULL))
			sum->cursor = (uint64_t)time(NULL);
		sum->has_cursor = found;
		S.has_start_cursor = found;
		S.start_cursor = sum->cursor;
	}
	if (cfg->relays->n == 0)
		return dry_run(&S);

	S.nrelays = cfg->relays->n;
	S.relays = mu_xmalloc(S.nrelays * sizeof *S.relays);
	memset(S.relays, 0, S.nrelays * sizeof *S.relays);
	for (size_t r = 0; r < S.nrelays; r++) {
		S.relays[r].has_mark = S.has_start_cursor;
		S.relays[r].mark = S.start_cursor;
	}
	relay_pool_config pc = {
		.connect_timeout = cfg->connect_timeout,
		.ping_interval = cfg->ping_interval,
		.reconnect = cfg->mode == REQ_STREAM,
		.input_fd = -1,
	};
	relay_pool_ops ops = {
		.connected = on_connected, .disconnected = on_disconnected, .message = on_message,
		.bad_message = on_bad_message, .tick = on_tick,
	};
	S.pool = relay_pool_new(cfg->relays, &pc, &ops, &S);
	if (!S.pool) {
		free(S.relays);
		return MU_EXIT_CONFIG;
	}
	if (cfg->wait_timeout > 0)
		S.wait_deadline = mu_monotonic() + cfg->wait_timeout;
	int sig = relay_pool_run(S.pool);
	for (size_t r = 0; r < S.nrelays; r++)
		hold_mark(&S, &S.relays[r]);
	save_state(&S, true);
	sum->has_cursor = sync_point(&S, &sum->cursor);

	bool any_up = false, any_eose = false;
	for (size_t r = 0; r < S.nrelays; r++) {
		any_up = any_up || relay_conn_was_up(relay_pool_conn(S.pool, r));
		any_eose = any_eose || S.relays[r].got_eose;
	}
	int rc = MU_EXIT_OK;
	bool all_closed = true;
	for (size_t r = 0; r < S.nrelays; r++)
		all_closed = all_closed && S.relays[r].closed;
	if (S.stdout_gone || sig)
		rc = MU_EXIT_OK;         /* asked to stop: 0 (mostro-relay(1)), even before any relay was up */
	else if (S.timed_out)
		rc = MU_EXIT_TIMEOUT;
	else if ((!any_up || S.unreachable) && S.connect_timed_out)
		rc = MU_EXIT_TIMEOUT;
	else if (!any_up || S.unreachable)
		rc = MU_EXIT_UNREACHABLE;
	else if (all_closed)
		rc = MU_EXIT_REFUSED;
	(void)any_eose;

	relay_pool_free(S.pool);
	for (size_t r = 0; r < S.nrelays; r++) {
		filters_free(S.relays[r].sent, S.relays[r].nsent);
		filters_free(S.relays[r].pg_sent, S.relays[r].pg_nsent);
	}
	free(S.relays);
	idset_free(&S.seen);
	buf_free(&S.out);
	return rc;
}
