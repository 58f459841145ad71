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

/* The node as mostrod's LnStatus keeps it (version, node pubkey, commit
 * hash, alias, chains[].chain, chains[].network, uris), the chain tip and
 * whether it is mostro-ln's simulated node, as
 * one JSON object in engine_meta "node_info": the 38385 lnd_* tags and the
 * escrow guardian read it (lib/order_tick.h). */
static void node_info_keep(order_ctx *c, jv res)
{
	static const char *const fields[][2] = {
		{"version", "version"}, {"node_pubkey", "identity_pubkey"}, {"commit_hash", "commit_hash"},
		{"node_alias", "alias"},
	};
	jv n = jv_object();
	for (size_t k = 0; k < sizeof fields / sizeof *fields; k++) {
		const char *v = json_get_str(res, fields[k][1], NULL);
		n = jv_object_set(n, jv_string(fields[k][0]), jv_string(v ? v : ""));
	}
	jv chains = json_get(res, "chains"), names = jv_array(), nets = jv_array();
	int len = jv_get_kind(chains) == JV_KIND_ARRAY ? jv_array_length(jv_copy(chains)) : 0;
	for (int k = 0; k < len; k++) {
		jv ch = jv_array_get(jv_copy(chains), k);
		const char *cn = json_get_str(ch, "chain", NULL), *nw = json_get_str(ch, "network", NULL);
		names = jv_array_append(names, jv_string(cn ? cn : ""));
		nets = jv_array_append(nets, jv_string(nw ? nw : ""));
		jv_free(ch);
	}
	jv_free(chains);
	n = jv_object_set(n, jv_string("chains"), names);
	n = jv_object_set(n, jv_string("networks"), nets);
	jv uris = json_get(res, "uris"), u = jv_array();
	len = jv_get_kind(uris) == JV_KIND_ARRAY ? jv_array_length(jv_copy(uris)) : 0;
	for (int k = 0; k < len; k++) {
		jv e = jv_array_get(jv_copy(uris), k);
		if (jv_get_kind(e) == JV_KIND_STRING)
			u = jv_array_append(u, jv_copy(e));
		jv_free(e);
	}
	jv_free(uris);
	n = jv_object_set(n, jv_string("uris"), u);
	jv h = json_get(res, "block_height");
	int64_t height;
	n = jv_object_set(n, jv_string("block_height"), json_get_i64(h, &height) ? json_from_i64(height) : jv_null());
	jv_free(h);
	jv sim = json_get(res, "simulated");
	n = jv_object_set(n, jv_string("simulated"), jv_bool(jv_get_kind(sim) == JV_KIND_TRUE));
	jv_free(sim);
	n = jv_object_set(n, jv_string("at"), json_from_i64(c->now));
	char *text = json_dumps(n);
	jv_free(n);
	meta_set(c->db, "node_info", text);
	free(text);
}

/* get_info: chains[].network joined by ',' (mostrod's LnStatus.networks)
 * for the tag, `network` for BOLT11 checks; kept in engine_meta with the
 * rest of the node's answer (node_info_keep). */
void order_node_info_store(order_ctx *c, jv res)
{
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
	node_info_keep(c, res);
}

static outcome on_get_info(order_ctx *c, const ln_intent *i, jv ctx, bool ok, jv res)
{
	if (!ok) {
		fx_log(c, "get_info failed (%s): network unknown", json_get_str(res, "kind", NULL) ?
		       json_get_str(res, "kind", NULL) : "error");
		return out_done();
	}
	order_node_info_store(c, res);
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
