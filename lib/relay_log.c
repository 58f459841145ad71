/* relay_log.c — see relay_log.h. */
#include "relay_log.h"

#include <stdio.h>
#include <string.h>

#include "detail.h"

void relay_log_init(relay_log *l, double window, relay_log_emit emit, void *ctx)
{
	memset(l, 0, sizeof *l);
	l->window = window;
	l->emit = emit;
	l->ctx = ctx;
}

uint64_t relay_log_key(const char *line)
{
	uint64_t h = 0xcbf29ce484222325ull;          /* FNV-1a */
	for (const unsigned char *p = (const unsigned char *)line; *p; p++) {
		if (*p >= '0' && *p <= '9')
			continue;
		h = (h ^ *p) * 0x100000001b3ull;
	}
	return h ? h : 1;                             /* 0 marks a free slot */
}

static void keep_text(relay_log_slot *s, const char *line)
{
	detail_set(s->last, sizeof s->last, "%s", line);
}

/* Reports the lines a slot left out, then frees it. */
static void summarize(relay_log *l, relay_log_slot *s, double now)
{
	if (s->left_out) {
		char msg[RELAY_LOG_TEXT + 96];
		detail_set(msg, sizeof msg, "%s (and %u more like it in %.0f s)", s->last, s->left_out,
			   now - s->since);
		l->emit(l->ctx, msg);
	}
	memset(s, 0, sizeof *s);
}

bool relay_log_line(relay_log *l, double now, const char *line)
{
	uint64_t key = relay_log_key(line);
	relay_log_slot *free_slot = NULL, *oldest = NULL;
	for (size_t i = 0; i < RELAY_LOG_SLOTS; i++) {
		relay_log_slot *s = &l->slot[i];
		if (s->key == key) {
			if (now - s->since < l->window) {
				s->left_out++;
				keep_text(s, line);
				return false;
			}
			summarize(l, s, now);
			free_slot = s;
			break;
		}
		if (!s->key && !free_slot)
			free_slot = s;
		if (s->key && (!oldest || s->since < oldest->since))
			oldest = s;
	}
	if (!free_slot) {                             /* full: the oldest kind makes room */
		summarize(l, oldest, now);
		free_slot = oldest;
	}
	free_slot->key = key;
	free_slot->since = now;
	free_slot->left_out = 0;
	keep_text(free_slot, line);
	l->emit(l->ctx, line);
	return true;
}

void relay_log_tick(relay_log *l, double now)
{
	for (size_t i = 0; i < RELAY_LOG_SLOTS; i++) {
		relay_log_slot *s = &l->slot[i];
		if (s->key && now - s->since >= l->window)
			summarize(l, s, now);
	}
}
