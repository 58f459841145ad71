#include "relay_nip11.h"

#include <string.h>

#include "json.h"

const int nip11_supported_nips[] = {1, 11, 40, 42, 45};
const size_t nip11_n_supported_nips = sizeof nip11_supported_nips / sizeof *nip11_supported_nips;

static void field_u64(buf *b, const char *key, uint64_t v)
{
	buf_printf(b, ",\"%s\":", key);
	buf_put_u64(b, v);
}

void nip11_write(buf *b, const relay_config *c)
{
	buf_puts(b, "{\"name\":");
	json_write_string(b, c->name, strlen(c->name));
	buf_puts(b, ",\"description\":\"Embedded Nostr relay of mostroutils (SQLite-backed).\"");
	buf_puts(b, ",\"supported_nips\":[");
	for (size_t i = 0; i < nip11_n_supported_nips; i++)
		buf_printf(b, "%s%d", i ? "," : "", nip11_supported_nips[i]);
	buf_puts(b, "],\"version\":\"" RELAY_SOFTWARE_VERSION "\"");
	buf_puts(b, ",\"limitation\":{\"max_message_length\":");
	buf_put_u64(b, relay_config_max_message(c));
	field_u64(b, "max_subscriptions", c->max_subscriptions);
	field_u64(b, "max_filters", c->max_filters);
	field_u64(b, "max_limit", c->max_limit);
	field_u64(b, "max_subid_length", c->max_subid_length);
	field_u64(b, "max_event_tags", c->max_event_tags);
	/* ours, not NIP-11's: the other limits a client may meet */
	field_u64(b, "max_event_size", c->max_event_size);
	field_u64(b, "max_connections", c->max_connections);
	field_u64(b, "max_output", c->max_output);
	field_u64(b, "idle_timeout", c->idle_timeout);
	field_u64(b, "stall_timeout", c->stall_timeout);
	buf_puts(b, ",\"auth_required\":false,\"payment_required\":false,\"restricted_writes\":false}");
	if (c->n_auth_read_kinds) {
		/* Not a NIP-11 field: which kinds need NIP-42 to be read. */
		buf_puts(b, ",\"auth_read_kinds\":[");
		for (size_t i = 0; i < c->n_auth_read_kinds; i++)
			buf_printf(b, "%s%u", i ? "," : "", c->auth_read_kinds[i]);
		buf_putc(b, ']');
	}
	buf_putc(b, '}');
}
