/* order_job_events.c — the periodic and boot-time publications of DAEMON.md
 * §3.7 and the §5 rating flush, as jobs of the scheduler (order_tick.h); the
 * templates are in lib/order_events.c. */
#include <string.h>

#include "json.h"
#include "order_table.h"
#include "order_tick.h"

/* §3.7 38385: needs the node's get_info (lnd_* tags) and Mostro's pubkey (d). */
bool job_info_event(order_ctx *c)
{
	if (!c->cfg->mostro_pubkey[0]) {
		fx_log(c, "info event: Mostro's pubkey is unknown (--mostro-pubkey or the settings): not published");
		return true;
	}
	jv node = order_node_info(c);
	if (!jv_is_valid(node))
		return false;                  /* the node's answer comes first */
	bool ok = fx_info_event(c, node);
	jv_free(node);
	return ok;
}

/* §3.7 10002: mostrod lists the relays it is connected to; the engine has no
 * connection and lists the configured ones (man mostro-order, deviations). */
bool job_relay_list(order_ctx *c)
{
	return fx_relay_list(c);
}

/* §3.0 kind 0 at boot when [mostro] name/about/picture/website is set. */
bool job_metadata(order_ctx *c)
{
	bool published = false;
	if (!fx_metadata(c, &published))
		return false;
	if (published)
		fx_log(c, "kind 0 metadata published");
	return true;
}

/* §5: every queued 38384, then the queue is empty (order_flush_ratings). */
bool job_rating_flush(order_ctx *c)
{
	return order_flush_ratings_n(c) >= 0;
}
