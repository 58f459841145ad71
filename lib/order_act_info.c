/* order_act_info.c — the engine's own Lightning steps: the node's network
 * from get_info (for invoice checks and the 38383 network tag), resuming a
 * message parked for an address probe, and the named no-op of actions this
 * engine does not handle yet. */
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "json.h"
#include "order_table.h"

outcome act_not_built(order_ctx *c)
{
	fx_log(c, "%s: not handled by this engine yet: %s (silent)", c->in ? c->in->event_id : "-",
	       c->m ? mostro_action_names[c->m->action] : "?");
	return out_silent("not built");
}

/* get_info: chains[].network joined by ',' (mostrod's LnStatus.networks)
 * for the tag, `network` for BOLT11 checks; kept in engine_meta. */
static outcome on_get_info(order_ctx *c, const ln_intent *i, jv ctx, bool ok, jv res)
{
	if (!ok) {
		fx_log(c, "get_info failed (%s): network unknown", json_get_str(res, "kind", NULL) ?
		       json_get_str(res, "kind", NULL) : "error");
		return out_done();
	}
	const char *net = json_get_str(res, "network", NULL);
	buf nets = BUF_INIT;
	jv chains = json_get(res, "chains");
	int n = jv_get_kind(chains) == JV_KIND_ARRAY ? jv_array_length(jv_copy(chains)) : 0;
	for (int k = 0; k < n; k++) {
		jv ch = jv_array_get(jv_copy(chains), k);
		const char *cn = json_get_str(ch, "network", NULL);
		if (cn)
			buf_printf(&nets, "%s%s", nets.len ? "," : "", cn);
		jv_free(ch);
	}
	jv_free(chains);
	if (!nets.len && net)
		buf_puts(&nets, net);
	if (net)
		meta_set(c->db, "network", net);
	if (nets.len)
		meta_set(c->db, "networks", nets.p);
	fx_log(c, "node network: %s", nets.len ? nets.p : "unknown");
	buf_free(&nets);
	return out_done();
}

const ln_step step_get_info = {"get_info", NULL, on_get_info};

/* The probe of a Lightning Address / LNURL a parked message waits for. */
static outcome on_probe(order_ctx *c, const ln_intent *i, jv ctx, bool ok, jv res)
{
	char *record = NULL;
	if (parked_take(c->db, i->seq, &record) != ODB_OK)
		return out_internal(order_db_errmsg(c->db));
	if (!record)
		return out_done();
	if (!ok)
		fx_log(c, "address probe failed (%s)", json_get_str(res, "kind", NULL) ?
		       json_get_str(res, "kind", NULL) : "error");
	outcome r = order_resume_parked(c, record, ok ? 1 : -1);
	free(record);
	return r;
}

const ln_step step_probe = {"probe", NULL, on_probe};
