/* order_ctl.c — the engine's control records (local admin, docs/ENGINE.md
 * §2): {"type":"ctl","id":ID,"cmd":NAME, args...} answered with
 * {"type":"ctl_result","id":ID,"ok":true,"result":...} or ok false with an
 * "error". A command is a row of ctl_commands[]: new commands (admin cancel
 * and settle, add-solver, take-dispute, ...) are added there; admin actions
 * run the same handlers as the Nostr actions, with identity = sender =
 * Mostro's pubkey. Runs inside the input's transaction like any input. */
#include <string.h>

#include "json.h"
#include "order_ctl.h"
#include "order_table.h"

typedef struct ctl_command {
	const char *name;
	const char *help;
	jv        (*run)(order_ctx *c, jv rec, const char **err);   /* owned result */
} ctl_command;

static bool count_status(const order_row *o, void *arg)
{
	int64_t *counts = arg;
	counts[o->status]++;
	return true;
}

static jv ctl_status(order_ctx *c, jv rec, const char **err)
{
	int64_t counts[OS_COUNT] = {0};
	if (order_each(c->db, NULL, 0, count_status, counts) != ODB_OK) {
		*err = "database error";
		return jv_invalid();
	}
	jv by = jv_object();
	for (int s = 0; s < OS_COUNT; s++)
		if (counts[s])
			by = jv_object_set(by, jv_string(order_status_name(s)), json_from_i64(counts[s]));
	jv r = jv_object_set(jv_object(), jv_string("clock"), json_from_i64(c->now));
	r = jv_object_set(r, jv_string("network"), c->networks ? jv_string(c->networks) : jv_null());
	r = jv_object_set(r, jv_string("orders"), by);
	return r;
}

static jv ctl_order(order_ctx *c, jv rec, const char **err)
{
	const char *id = json_get_str(rec, "order_id", NULL);
	char canon[37];
	if (!id || !mostro_uuid_canonical(id, strlen(id), canon)) {
		*err = "order_id: a UUID is required";
		return jv_invalid();
	}
	if (!ctx_load_order(c, canon)) {
		*err = "not found";
		return jv_invalid();
	}
	jv row = order_row_to_jv(&c->order);
	/* the preimage is the escrow's secret: never on the control socket */
	return jv_object_set(row, jv_string("preimage"), c->order.preimage ? jv_string("(set)") : jv_null());
}

static const ctl_command ctl_commands[] = {
	{"status", "the engine clock, the node's network, orders by status", ctl_status},
	{"order", "one order row (order_id=UUID), preimage withheld", ctl_order},
};

jv order_ctl(order_ctx *c, jv rec)
{
	jv id = json_get(rec, "id");
	if (!jv_is_valid(id))
		id = jv_null();
	const char *cmd = json_get_str(rec, "cmd", NULL);
	const ctl_command *k = NULL;
	for (size_t i = 0; cmd && i < sizeof ctl_commands / sizeof *ctl_commands; i++)
		if (strcmp(ctl_commands[i].name, cmd) == 0)
			k = &ctl_commands[i];
	jv out = jv_object_set(jv_object(), jv_string("type"), jv_string("ctl_result"));
	out = jv_object_set(out, jv_string("id"), id);
	const char *err = NULL;
	jv r = k ? k->run(c, rec, &err) : jv_invalid();
	if (!k)
		err = cmd ? "unknown command" : "cmd is required";
	if (jv_is_valid(r)) {
		out = jv_object_set(out, jv_string("ok"), jv_true());
		out = jv_object_set(out, jv_string("result"), r);
	} else {
		jv_free(r);
		out = jv_object_set(out, jv_string("ok"), jv_false());
		out = jv_object_set(out, jv_string("error"), jv_string(err ? err : "failed"));
	}
	return out;
}
