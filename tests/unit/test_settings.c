/* mostrod's settings.toml as a specification (DAEMON.md §8, mostrod's
 * src/config): a base file with every key mostrod knows, and rows that each
 * change one thing in it — a key removed, a wrong type, a value out of range,
 * a rule between keys — with the error it must give (code, section.key and
 * the line) or the warning. Then the key's precedence (environment > .env >
 * TOML, with mostrod's blank-value rules), file modes, the directory rules,
 * the template, and the JSON form (which never shows the secret). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "buf.h"
#include "json.h"
#include "settings.h"
#include "t.h"

/* Secret keys 1, 2 and 3 and their x-only public keys. */
#define KEY1 "0000000000000000000000000000000000000000000000000000000000000001"
#define KEY2 "0000000000000000000000000000000000000000000000000000000000000002"
#define KEY3 "0000000000000000000000000000000000000000000000000000000000000003"
#define PUB1 "79be667ef9dcbbac55a06295ce870b07029bfcdb2dce28d959f2815b16f81798"
#define PUB2 "c6047f9441ed7d6d3045406e95c07cd85c778e4b8cef3ca7abac09b95c709ee5"
#define PUB3 "f9308a019258c31049344f85f89d5229b531c845836f99b08601f113bce036f9"

/* ---------------------------------------------------------------- the base file */

typedef struct entry {
	const char *section, *key, *value;
} entry;

/* Every key of mostrod 0.18.5's settings, with its template's values. */
static const entry base[] = {
	{"lightning", "invoice_expiration_window", "3600"},
	{"lightning", "hold_invoice_cltv_delta", "144"},
	{"lightning", "hold_invoice_expiration_window", "300"},
	{"lightning", "payment_attempts", "3"},
	{"lightning", "payment_retries_interval", "60"},
	{"lightning", "max_final_cltv_expiry_delta", "432"},
	{"lightning", "escrow_deadline_margin_blocks", "24"},
	{"nostr", "nsec_privkey", "'" KEY1 "'"},
	{"nostr", "relays", "['ws://localhost:7000', 'wss://relay.example.com']"},
	{"mostro", "fee", "0"},
	{"mostro", "max_routing_fee", "0.002"},
	{"mostro", "max_order_amount", "1000000"},
	{"mostro", "min_payment_amount", "100"},
	{"mostro", "expiration_hours", "24"},
	{"mostro", "max_expiration_days", "15"},
	{"mostro", "expiration_seconds", "900"},
	{"mostro", "user_rates_sent_interval_seconds", "3600"},
	{"mostro", "publish_relays_interval", "60"},
	{"mostro", "pow", "0"},
	{"mostro", "transport", "\"nip44\""},
	{"mostro", "publish_mostro_info_interval", "300"},
	{"mostro", "bitcoin_price_api_url", "\"https://api.yadio.io\""},
	{"mostro", "fiat_currencies_accepted", "['USD', 'EUR', 'ARS', 'CUP']"},
	{"mostro", "max_orders_per_response", "10"},
	{"mostro", "dev_fee_percentage", "0.30"},
	{"database", "url", "\"sqlite://mostro.db\""},
	{"expiration", "order_days", "30"},
	{"expiration", "rating_days", "90"},
	{"expiration", "dispute_days", "90"},
	{"expiration", "fee_audit_days", "365"},
	{"expiration", "dm_days", "30"},
	{"rpc", "enabled", "false"},
	{"rpc", "listen_address", "\"127.0.0.1\""},
	{"rpc", "port", "50051"},
};

#define NBASE (sizeof base / sizeof *base)
#define DEL ((const char *)1)      /* remove the key */
#define NOSECTION ((const char *)2) /* remove the whole section */

/* A change: section.key = value (DEL: removed; a key not in base: added at
 * the end of its section, or in a new section after the others). */
typedef struct change {
	const char *section, *key, *value;
} change;

typedef struct doc {
	buf      text;
	char     names[80][80];   /* "section.key" or "[section]" */
	unsigned lines[80];
	size_t   n;
} doc;

static void note(doc *d, const char *name, unsigned line)
{
	if (d->n < 80) {
		snprintf(d->names[d->n], sizeof d->names[d->n], "%s", name);
		d->lines[d->n++] = line;
	}
}

static unsigned line_of(const doc *d, const char *name)
{
	for (size_t i = 0; i < d->n; i++)
		if (strcmp(d->names[i], name) == 0)
			return d->lines[i];
	return 0;
}

static const change *find_change(const change *ch, const char *section, const char *key)
{
	for (; ch && ch->section; ch++)
		if (strcmp(ch->section, section) == 0 && (ch->key ? key && strcmp(ch->key, key) == 0 : !key))
			return ch;
	return NULL;
}

/* Writes base with the changes applied; records each key's and header's line. */
static void build(doc *d, const change *ch)
{
	memset(d, 0, sizeof *d);
	unsigned line = 1;
	const char *sections[16];
	size_t ns = 0;
	for (size_t i = 0; i < NBASE; i++)
		if (!ns || strcmp(sections[ns - 1], base[i].section) != 0)
			sections[ns++] = base[i].section;
	for (const change *c = ch; c && c->section; c++) {
		bool known = false;
		for (size_t j = 0; j < ns; j++)
			known |= strcmp(sections[j], c->section) == 0;
		if (!known)
			sections[ns++] = c->section;
	}
	for (size_t j = 0; j < ns; j++) {
		const change *whole = find_change(ch, sections[j], NULL);
		if (whole && whole->value == NOSECTION)
			continue;
		char name[80];
		snprintf(name, sizeof name, "[%s]", sections[j]);
		buf_printf(&d->text, "[%s]\n", sections[j]);
		note(d, name, line++);
		for (size_t i = 0; i < NBASE; i++) {
			if (strcmp(base[i].section, sections[j]) != 0)
				continue;
			const change *c = find_change(ch, base[i].section, base[i].key);
			const char *v = c ? c->value : base[i].value;
			if (v == DEL)
				continue;
			buf_printf(&d->text, "%s = %s\n", base[i].key, v);
			snprintf(name, sizeof name, "%s.%s", base[i].section, base[i].key);
			note(d, name, line++);
		}
		for (const change *c = ch; c && c->section; c++) {
			if (strcmp(c->section, sections[j]) != 0 || !c->key || c->value == DEL)
				continue;
			bool in_base = false;
			for (size_t i = 0; i < NBASE; i++)
				in_base |= strcmp(base[i].section, c->section) == 0 && strcmp(base[i].key, c->key) == 0;
			if (in_base)
				continue;
			buf_printf(&d->text, "%s = %s\n", c->key, c->value);
			snprintf(name, sizeof name, "%s.%s", c->section, c->key);
			note(d, name, line++);
		}
		buf_puts(&d->text, "\n");
		line++;
	}
}

static const char *no_env(const char *name)
{
	(void)name;
	return NULL;
}

static const char *env_key3(const char *name)
{
	return strcmp(name, "MOSTRO_NSEC_PRIVKEY") == 0 ? " " KEY3 "\n" : NULL;
}

static const char *env_blank(const char *name)
{
	return strcmp(name, "MOSTRO_NSEC_PRIVKEY") == 0 ? "  " : NULL;
}

static settings_err parse_doc(const doc *d, mostro_settings *s, settings_error *err)
{
	settings_source src = {.dir = "/srv/mostro", .getenv = no_env};
	return settings_parse(d->text.p, d->text.len, "settings.toml", &src, s, err);
}

/* ---------------------------------------------------------------- rows */

/* Rows leave the fields they do not need out (zero). */
#pragma GCC diagnostic ignored "-Wmissing-field-initializers"

typedef struct row {
	const char  *name;
	change       ch[4];
	settings_err want;
	const char  *key;      /* the error's section.key */
	const char  *at;       /* whose line the error names: "section.key", "[section]", or NULL for none */
	const char  *warning;  /* OK rows: a substring of one warning */
} row;

static const row rows[] = {
	/* types */
	{"fee as a string", {{"mostro", "fee", "\"0\""}}, SETTINGS_ERR_TYPE, "mostro.fee", "mostro.fee"},
	{"an integer key given a float", {{"lightning", "payment_attempts", "3.0"}}, SETTINGS_ERR_TYPE,
	 "lightning.payment_attempts", "lightning.payment_attempts"},
	{"relays as one string", {{"nostr", "relays", "'ws://localhost:7000'"}}, SETTINGS_ERR_TYPE, "nostr.relays",
	 "nostr.relays"},
	{"rpc.enabled as 1", {{"rpc", "enabled", "1"}}, SETTINGS_ERR_TYPE, "rpc.enabled", "rpc.enabled"},
	{"a currency that is a number", {{"mostro", "fiat_currencies_accepted", "['USD', 1]"}}, SETTINGS_ERR_TYPE,
	 "mostro.fiat_currencies_accepted", "mostro.fiat_currencies_accepted"},
	{"transport as a number", {{"mostro", "transport", "2"}}, SETTINGS_ERR_TYPE, "mostro.transport", "mostro.transport"},
	{"nsec_privkey as a number", {{"nostr", "nsec_privkey", "1"}}, SETTINGS_ERR_TYPE, "nostr.nsec_privkey",
	 "nostr.nsec_privkey"},
	{"a section that is a value", {{"expiration", NULL, NOSECTION}, {"x", "y", "1"}}, SETTINGS_OK, NULL, NULL,
	 "x: unknown section"},
	/* ranges (mostrod's types: u8, u16, u32) */
	{"pow above u8", {{"mostro", "pow", "256"}}, SETTINGS_ERR_RANGE, "mostro.pow", "mostro.pow"},
	{"port above u16", {{"rpc", "port", "65536"}}, SETTINGS_ERR_RANGE, "rpc.port", "rpc.port"},
	{"negative u32", {{"lightning", "payment_attempts", "-1"}}, SETTINGS_ERR_RANGE, "lightning.payment_attempts",
	 "lightning.payment_attempts"},
	{"u32 overflow", {{"mostro", "max_order_amount", "4294967296"}}, SETTINGS_ERR_RANGE, "mostro.max_order_amount",
	 "mostro.max_order_amount"},
	{"max_orders_per_response above u8", {{"mostro", "max_orders_per_response", "300"}}, SETTINGS_ERR_RANGE,
	 "mostro.max_orders_per_response", "mostro.max_orders_per_response"},
	/* mostrod's checks */
	{"dev_fee_percentage below 0.10", {{"mostro", "dev_fee_percentage", "0.09"}}, SETTINGS_ERR_RANGE,
	 "mostro.dev_fee_percentage", "mostro.dev_fee_percentage"},
	{"dev_fee_percentage above 1.0", {{"mostro", "dev_fee_percentage", "1.01"}}, SETTINGS_ERR_RANGE,
	 "mostro.dev_fee_percentage", "mostro.dev_fee_percentage"},
	{"dev_fee_percentage 0.10 is allowed", {{"mostro", "dev_fee_percentage", "0.10"}}, SETTINGS_OK},
	{"dev_fee_percentage 1 is allowed", {{"mostro", "dev_fee_percentage", "1"}}, SETTINGS_OK},
	{"dev_fee_percentage nan (mostrod lets it through; we do not)", {{"mostro", "dev_fee_percentage", "nan"}},
	 SETTINGS_ERR_RANGE, "mostro.dev_fee_percentage", "mostro.dev_fee_percentage"},
	{"negative fee (ours)", {{"mostro", "fee", "-0.01"}}, SETTINGS_ERR_RANGE, "mostro.fee", "mostro.fee"},
	{"routing fee above 100% (ours)", {{"mostro", "max_routing_fee", "1.5"}}, SETTINGS_ERR_RANGE,
	 "mostro.max_routing_fee", "mostro.max_routing_fee"},
	{"slash_node_share_pct above 1", {{"anti_abuse_bond", "slash_node_share_pct", "1.5"}}, SETTINGS_ERR_RANGE,
	 "anti_abuse_bond.slash_node_share_pct", "anti_abuse_bond.slash_node_share_pct"},
	{"slash_node_share_pct 0 and 1 are allowed", {{"anti_abuse_bond", "slash_node_share_pct", "0"}}, SETTINGS_OK},
	{"bond apply_to unknown", {{"anti_abuse_bond", "apply_to", "\"all\""}}, SETTINGS_ERR_VALUE,
	 "anti_abuse_bond.apply_to", "anti_abuse_bond.apply_to"},
	{"cashu and bonds together", {{"cashu", "enabled", "true"}, {"cashu", "mint_url", "\"https://mint.example\""},
	 {"anti_abuse_bond", "enabled", "true"}}, SETTINGS_ERR_CONFLICT, "cashu.enabled", "cashu.enabled"},
	{"cashu without a mint", {{"cashu", "enabled", "true"}}, SETTINGS_ERR_VALUE, "cashu.mint_url", "[cashu]"},
	{"cashu mint not http(s)", {{"cashu", "enabled", "true"}, {"cashu", "mint_url", "\"wss://mint.example\""}},
	 SETTINGS_ERR_VALUE, "cashu.mint_url", "cashu.mint_url"},
	{"cashu locktime 0", {{"cashu", "enabled", "true"}, {"cashu", "mint_url", "\"http://localhost:3338\""},
	 {"cashu", "escrow_locktime_days", "0"}}, SETTINGS_ERR_RANGE, "cashu.escrow_locktime_days",
	 "cashu.escrow_locktime_days"},
	{"cashu disabled needs nothing", {{"cashu", "enabled", "false"}}, SETTINGS_OK},
	{"price interval 0", {{"price", "update_interval_seconds", "0"}}, SETTINGS_ERR_RANGE,
	 "price.update_interval_seconds", "price.update_interval_seconds"},
	{"price staleness 0", {{"price", "max_price_staleness_seconds", "0"}}, SETTINGS_ERR_RANGE,
	 "price.max_price_staleness_seconds", "price.max_price_staleness_seconds"},
	{"outlier threshold 0", {{"price", "outlier_threshold_pct", "0"}}, SETTINGS_ERR_RANGE,
	 "price.outlier_threshold_pct", "price.outlier_threshold_pct"},
	{"outlier threshold 100 is allowed", {{"price", "outlier_threshold_pct", "100"}}, SETTINGS_OK},
	{"provider with only and except", {{"price", "providers", "{ yadio = { url = 'u', only = ['CUP'], except = ['MLC'] } }"}},
	 SETTINGS_ERR_CONFLICT, "price.providers.yadio", "price.providers"},
	{"enabled provider without url", {{"price", "providers", "{ yadio = { enabled = true } }"}},
	 SETTINGS_ERR_REQUIRED, "price.providers.yadio", "price.providers"},
	{"enabled nostr provider without trusted_nodes", {{"price", "providers", "{ nostr = { enabled = true } }"}},
	 SETTINGS_ERR_REQUIRED, "price.providers.nostr", "price.providers"},
	{"enabled nostr provider with trusted_nodes", {{"price", "providers",
	 "{ nostr = { enabled = true, trusted_nodes = ['" PUB2 "'] } }"}}, SETTINGS_OK},
	{"enabled eltoque without token", {{"price", "providers", "{ eltoque = { enabled = true, url = 'u' } }"}},
	 SETTINGS_ERR_REQUIRED, "price.providers.eltoque", "price.providers"},
	{"unknown price provider", {{"price", "providers", "{ kraken = { enabled = true, url = 'u' } }"}}, SETTINGS_OK,
	 NULL, NULL, "price.providers.kraken: unknown price provider"},
	/* our additions */
	{"unknown backend", {{"lightning", "backend", "\"btcpay\""}}, SETTINGS_ERR_VALUE, "lightning.backend",
	 "lightning.backend"},
	{"unknown transport", {{"mostro", "transport", "\"nip17\""}}, SETTINGS_ERR_VALUE, "mostro.transport",
	 "mostro.transport"},
	{"transport both", {{"mostro", "transport", "\"both\""}}, SETTINGS_OK},
	{"mostrod's file: gRPC host only", {{"lightning", "lnd_grpc_host", "'https://127.0.0.1:10001'"},
	 {"lightning", "lnd_cert_file", "'/l/tls.cert'"}, {"lightning", "lnd_macaroon_file", "'/l/admin.macaroon'"}},
	 SETTINGS_ERR_CONFLICT, "lightning.lnd_rest_host", "lightning.lnd_grpc_host"},
	{"backend lnd without a macaroon", {{"lightning", "backend", "'lnd'"},
	 {"lightning", "lnd_rest_host", "'https://127.0.0.1:8080'"}, {"lightning", "lnd_cert_file", "'/l/tls.cert'"}},
	 SETTINGS_ERR_REQUIRED, "lightning.lnd_macaroon_file", "[lightning]"},
	{"backend lnd without any host", {{"lightning", "backend", "'lnd'"}}, SETTINGS_ERR_REQUIRED,
	 "lightning.lnd_rest_host", "[lightning]"},
	{"lnd_rest_host over http", {{"lightning", "lnd_rest_host", "'http://127.0.0.1:8080'"}}, SETTINGS_ERR_VALUE,
	 "lightning.lnd_rest_host", "lightning.lnd_rest_host"},
	{"lnd_rest_host with a bad port", {{"lightning", "lnd_rest_host", "'https://127.0.0.1:99999'"}},
	 SETTINGS_ERR_VALUE, "lightning.lnd_rest_host", "lightning.lnd_rest_host"},
	{"backend sim needs no lnd key", {{"lightning", "backend", "'sim'"}}, SETTINGS_OK},
	{"empty sim_db", {{"lightning", "sim_db", "''"}}, SETTINGS_ERR_VALUE, "lightning.sim_db", "lightning.sim_db"},
	/* relays */
	{"relay with another scheme", {{"nostr", "relays", "['ftp://relay.example.com']"}}, SETTINGS_ERR_RELAY_URL,
	 "nostr.relays", "nostr.relays"},
	{"relay with a bad port", {{"nostr", "relays", "['wss://relay.example.com:0']"}}, SETTINGS_ERR_RELAY_URL,
	 "nostr.relays", "nostr.relays"},
	{"relay with a space", {{"nostr", "relays", "['wss://relay example.com']"}}, SETTINGS_ERR_RELAY_URL,
	 "nostr.relays", "nostr.relays"},
	{"no relay", {{"nostr", "relays", "[]"}}, SETTINGS_ERR_VALUE, "nostr.relays", "nostr.relays"},
	{"a relay twice", {{"nostr", "relays", "['wss://a.example', 'wss://a.example/']"}}, SETTINGS_OK, NULL, NULL,
	 "nostr.relays: \"wss://a.example/\" is listed twice"},
	/* the key in the file */
	{"the template's placeholder", {{"nostr", "nsec_privkey", "'nsec1...'"}}, SETTINGS_ERR_KEY_PLACEHOLDER,
	 "nostr.nsec_privkey", "nostr.nsec_privkey"},
	{"not a key", {{"nostr", "nsec_privkey", "'nsec1qqqq'"}}, SETTINGS_ERR_KEY, "nostr.nsec_privkey",
	 "nostr.nsec_privkey"},
	{"a zero key", {{"nostr", "nsec_privkey", "'" "0000000000000000000000000000000000000000000000000000000000000000" "'"}},
	 SETTINGS_ERR_KEY, "nostr.nsec_privkey", "nostr.nsec_privkey"},
	{"no key anywhere", {{"nostr", "nsec_privkey", DEL}}, SETTINGS_ERR_NO_KEY, "nostr.nsec_privkey", "[nostr]"},
	{"an empty key", {{"nostr", "nsec_privkey", "''"}}, SETTINGS_ERR_NO_KEY, "nostr.nsec_privkey",
	 "nostr.nsec_privkey"},
	/* warnings, not failures */
	{"unknown key", {{"mostro", "feee", "1"}}, SETTINGS_OK, NULL, NULL, "mostro.feee: unknown key (ignored)"},
	{"unknown section", {{"webhooks", "url", "'x'"}}, SETTINGS_OK, NULL, NULL, "webhooks: unknown section (ignored)"},
	{"mostrod's optional keys", {{"mostro", "pow_first_contact", "16"}, {"mostro", "name", "'Mostro'"},
	 {"rpc", "rate_limiter_stale_duration", "10"}}, SETTINGS_OK},
	{"picture that is not a URL", {{"mostro", "picture", "'avatar.png'"}}, SETTINGS_OK, NULL, NULL,
	 "mostro.picture: not an http(s) URL"},
	{"expiration section left out", {{"expiration", NULL, NOSECTION}}, SETTINGS_OK},
};

static void check_row(const row *r)
{
	doc d;
	build(&d, r->ch);
	mostro_settings s;
	settings_error err;
	settings_err e = parse_doc(&d, &s, &err);
	if (r->want != SETTINGS_OK) {
		unsigned want_line = r->at ? line_of(&d, r->at) : 0;
		t_ok(e == r->want && strcmp(err.key, r->key) == 0 && err.line == want_line,
		     "%s: %s, %s, line %u", r->name, settings_strerror(r->want), r->key, want_line);
		if (e != r->want || strcmp(err.key, r->key) != 0 || err.line != want_line)
			t_diag("got %s [%s] line %u: %s", settings_strerror(e), err.key, err.line, err.msg);
		/* the message starts with FILE:LINE: section.key or names its source */
		char prefix[160];
		snprintf(prefix, sizeof prefix, "settings.toml:%u: %s", want_line, r->key);
		if (want_line && e == r->want)
			t_ok(strncmp(err.msg, prefix, strlen(prefix)) == 0, "%s: message \"%s\" starts with \"%s\"",
			     r->name, err.msg, prefix);
		buf_free(&d.text);
		return;
	}
	t_ok(e == SETTINGS_OK, "%s: accepted", r->name);
	if (e != SETTINGS_OK) {
		t_diag("%s", err.msg);
		buf_free(&d.text);
		return;
	}
	if (r->warning) {
		bool found = false;
		for (size_t i = 0; i < s.warning_count; i++)
			found |= strstr(s.warnings[i], r->warning) != NULL;
		t_ok(found, "%s: warns \"%s\"", r->name, r->warning);
		if (!found)
			for (size_t i = 0; i < s.warning_count; i++)
				t_diag("warning: %s", s.warnings[i]);
	} else {
		t_eq_int((long long)s.warning_count, 0, "%s: no warning", r->name);
	}
	settings_free(&s);
	buf_free(&d.text);
}

/* Every key DAEMON.md §8 marks "req", removed one at a time; every required
 * section likewise. */
static void test_required(void)
{
	static const char *const req[] = {
		"lightning.invoice_expiration_window", "lightning.hold_invoice_cltv_delta",
		"lightning.hold_invoice_expiration_window", "lightning.payment_attempts",
		"lightning.payment_retries_interval", "nostr.relays", "mostro.fee", "mostro.max_routing_fee",
		"mostro.max_order_amount", "mostro.min_payment_amount", "mostro.expiration_hours",
		"mostro.max_expiration_days", "mostro.expiration_seconds", "mostro.user_rates_sent_interval_seconds",
		"mostro.publish_relays_interval", "mostro.pow", "mostro.publish_mostro_info_interval",
		"mostro.fiat_currencies_accepted", "mostro.max_orders_per_response", "mostro.dev_fee_percentage",
		"database.url", "rpc.enabled", "rpc.listen_address", "rpc.port",
	};
	for (size_t i = 0; i < sizeof req / sizeof *req; i++) {
		char section[32];
		const char *dot = strchr(req[i], '.');
		snprintf(section, sizeof section, "%.*s", (int)(dot - req[i]), req[i]);
		change ch[2] = {{section, dot + 1, DEL}, {0}};
		doc d;
		build(&d, ch);
		char header[40];
		snprintf(header, sizeof header, "[%s]", section);
		mostro_settings s;
		settings_error err;
		settings_err e = parse_doc(&d, &s, &err);
		t_ok(e == SETTINGS_ERR_REQUIRED && strcmp(err.key, req[i]) == 0 && err.line == line_of(&d, header),
		     "%s missing: required, named, at its section's line %u", req[i], line_of(&d, header));
		if (e != SETTINGS_ERR_REQUIRED || strcmp(err.key, req[i]) != 0)
			t_diag("got %s: %s", settings_strerror(e), err.msg);
		buf_free(&d.text);
	}
	static const char *const sections[] = {"lightning", "nostr", "mostro", "database", "rpc"};
	for (size_t i = 0; i < sizeof sections / sizeof *sections; i++) {
		change ch[2] = {{sections[i], NULL, NOSECTION}, {0}};
		doc d;
		build(&d, ch);
		mostro_settings s;
		settings_error err;
		settings_err e = parse_doc(&d, &s, &err);
		t_ok(e == SETTINGS_ERR_REQUIRED && strcmp(err.key, sections[i]) == 0 && err.line == 0,
		     "section [%s] missing: required", sections[i]);
		buf_free(&d.text);
	}
}

/* The defaults mostrod fills in for keys left out, and what the base reads as. */
static void test_defaults(void)
{
	change ch[] = {{"lightning", "max_final_cltv_expiry_delta", DEL},
		       {"lightning", "escrow_deadline_margin_blocks", DEL},
		       {"expiration", NULL, NOSECTION}, {0}};
	change ch2[] = {{"mostro", "bitcoin_price_api_url", DEL}, {"mostro", "transport", DEL}, {0}};
	doc d;
	build(&d, ch);
	mostro_settings s;
	settings_error err;
	t_eq_int(parse_doc(&d, &s, &err), SETTINGS_OK, "base without optional keys parses");
	t_eq_int(s.lightning.max_final_cltv_expiry_delta, 432, "max_final_cltv_expiry_delta defaults to 432");
	t_eq_int(s.lightning.escrow_deadline_margin_blocks, 24, "escrow_deadline_margin_blocks defaults to 24");
	t_ok(s.expiration.order_days == 30 && s.expiration.rating_days == 90 && s.expiration.dispute_days == 90 &&
	     s.expiration.fee_audit_days == 365 && s.expiration.dm_days == 30,
	     "expiration defaults 30/90/90/365/30");
	t_eq_int(s.lightning.backend, SETTINGS_BACKEND_SIM, "no LND host: backend sim");
	t_eq_str(s.lightning.sim_db, "/srv/mostro/ln-sim.db", "sim_db defaults to DIR/ln-sim.db");
	t_eq_str(s.database.url, "sqlite:///srv/mostro/mostro.db", "database.url is always DIR/mostro.db");
	t_eq_str(s.database.path, "/srv/mostro/mostro.db", "database.path");
	t_eq_int(s.rpc.rate_limiter_stale_duration, 3600, "rate_limiter_stale_duration defaults to 3600");
	t_ok(!s.mostro.has_pow_first_contact && s.mostro.pow_first_contact == s.mostro.pow,
	     "pow_first_contact unset = pow");
	t_eq_int((long long)s.mostro.active_pubkeys_refresh_interval, 60, "active_pubkeys_refresh_interval 60");
	t_ok(s.mostro.publish_exchange_rates_to_nostr && s.mostro.exchange_rates_update_interval_seconds == 300,
	     "legacy price publishing on, every 300 s");
	t_ok(!s.price.configured && s.price.update_interval_seconds == 300 &&
	     s.price.max_price_staleness_seconds == 1800 && s.price.outlier_threshold_pct == 5.0 &&
	     s.price.provider_timeout_seconds == 10 && s.price.provider_failure_threshold == 3 &&
	     s.price.provider_failure_cooldown_seconds == 120 && s.price.publish_to_nostr,
	     "price defaults 300/1800/5.0/10/3/120/true");
	const settings_anti_abuse_bond *b = &s.anti_abuse_bond;
	t_ok(!b->configured && !b->enabled && b->amount_pct == 0.01 && b->base_amount_sats == 1000 &&
	     b->apply_to == SETTINGS_BOND_TAKE && !b->slash_on_waiting_timeout && b->slash_node_share_pct == 0.5 &&
	     b->payout_invoice_window_seconds == 300 && b->payout_max_retries == 5 &&
	     b->payout_claim_window_days == 15, "bond defaults: off, 0.01, 1000, take, 0.5, 300, 5, 15");
	t_ok(!s.cashu.configured && !s.cashu.enabled && strcmp(s.cashu.mint_url, "") == 0 &&
	     s.cashu.escrow_locktime_days == 15, "cashu defaults: off, no mint, 15 days");
	t_eq_int((long long)s.nostr.relay_count, 2, "two relays");
	t_eq_str(s.nostr.relays[0], "ws://localhost:7000", "relay 1");
	t_eq_str(s.nostr.relays[1], "wss://relay.example.com", "relay 2");
	t_ok(s.mostro.fiat_currencies_accepted_count == 4 && strcmp(s.mostro.fiat_currencies_accepted[3], "CUP") == 0,
	     "fiat_currencies_accepted read in order");
	t_ok(s.mostro.fee == 0 && s.mostro.max_routing_fee == 0.002 && s.mostro.dev_fee_percentage == 0.30,
	     "fee 0 (an integer read as a float), 0.002, 0.30");
	t_eq_int(s.key_source, SETTINGS_KEY_TOML, "key from the file");
	t_eq_str(s.pubkey_hex, PUB1, "its public key");
	settings_free(&s);
	buf_free(&d.text);

	build(&d, ch2);
	t_eq_int(parse_doc(&d, &s, &err), SETTINGS_OK, "legacy price URL and transport may be left out");
	t_eq_str(s.mostro.bitcoin_price_api_url, "https://api.yadio.io", "bitcoin_price_api_url default");
	t_eq_int(s.mostro.transport, SETTINGS_TRANSPORT_NIP44, "transport defaults to nip44");
	settings_free(&s);
	buf_free(&d.text);

	change lnd[] = {{"lightning", "lnd_rest_host", "'https://127.0.0.1:8080'"},
			{"lightning", "lnd_cert_file", "'/l/tls.cert'"},
			{"lightning", "lnd_macaroon_file", "'/l/admin.macaroon'"},
			{"lightning", "sim_db", "'/var/sim.db'"}};
	change lnd_all[5] = {lnd[0], lnd[1], lnd[2], lnd[3], {0}};
	build(&d, lnd_all);
	t_eq_int(parse_doc(&d, &s, &err), SETTINGS_OK, "an LND REST host, certificate and macaroon");
	t_eq_int(s.lightning.backend, SETTINGS_BACKEND_LND, "an LND host set: backend lnd");
	t_eq_str(s.lightning.sim_db, "/var/sim.db", "an absolute sim_db is kept");
	settings_free(&s);
	buf_free(&d.text);
}

/* --------------------------------------------------------------- files */

static char tmpdir[64];

static void write_file(const char *name, const char *text, mode_t mode)
{
	char path[128];
	snprintf(path, sizeof path, "%s/%s", tmpdir, name);
	unlink(path);
	FILE *f = fopen(path, "w");
	fputs(text, f);
	fclose(f);
	chmod(path, mode);
}

static void remove_file(const char *name)
{
	char path[128];
	snprintf(path, sizeof path, "%s/%s", tmpdir, name);
	unlink(path);
}

static settings_err load(const char *(*env)(const char *), mostro_settings *s, settings_error *err)
{
	settings_source src = {.dir = tmpdir, .getenv = env};
	return settings_load(&src, s, err);
}

/* Where the key comes from: the environment, else .env, else the file
 * (mostrod: dotenvy never overrides a set variable, even a blank one; a
 * blank value leaves the file's key). */
static void test_precedence(void)
{
	doc d;
	build(&d, NULL);  /* the file holds KEY1 */
	write_file("settings.toml", d.text.p, 0600);
	static const struct {
		const char *name;
		const char *dotenv;      /* NULL: no .env */
		const char *(*env)(const char *);
		settings_key_source src;
		const char *pub;
	} cases[] = {
		{"file only", NULL, no_env, SETTINGS_KEY_TOML, PUB1},
		{".env over the file", "MOSTRO_NSEC_PRIVKEY=" KEY2 "\n", no_env, SETTINGS_KEY_DOTENV, PUB2},
		{"environment over .env", "MOSTRO_NSEC_PRIVKEY=" KEY2 "\n", env_key3, SETTINGS_KEY_ENV, PUB3},
		{"environment over the file", NULL, env_key3, SETTINGS_KEY_ENV, PUB3},
		{"a blank environment value keeps .env out and the file's key in force",
		 "MOSTRO_NSEC_PRIVKEY=" KEY2 "\n", env_blank, SETTINGS_KEY_TOML, PUB1},
		{"a blank .env value leaves the file's key", "MOSTRO_NSEC_PRIVKEY=\n", no_env, SETTINGS_KEY_TOML, PUB1},
		{".env: export, quotes, comments, other names, first one wins",
		 "# keys\nRUST_LOG=info\nexport MOSTRO_NSEC_PRIVKEY = \"" KEY2 "\" # mine\nMOSTRO_NSEC_PRIVKEY=" KEY3 "\n",
		 no_env, SETTINGS_KEY_DOTENV, PUB2},
		{".env: single quotes and CRLF", "MOSTRO_NSEC_PRIVKEY='" KEY3 "'\r\n", no_env, SETTINGS_KEY_DOTENV, PUB3},
	};
	for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
		if (cases[i].dotenv)
			write_file(".env", cases[i].dotenv, 0600);
		else
			remove_file(".env");
		mostro_settings s;
		settings_error err;
		settings_err e = load(cases[i].env, &s, &err);
		t_ok(e == SETTINGS_OK && s.key_source == cases[i].src && strcmp(s.pubkey_hex, cases[i].pub) == 0,
		     "key: %s", cases[i].name);
		if (e != SETTINGS_OK)
			t_diag("%s", err.msg);
		settings_free(&s);
	}
	remove_file(".env");

	/* the file, with no key but from the environment */
	change nokey[] = {{"nostr", "nsec_privkey", DEL}, {0}};
	doc d2;
	build(&d2, nokey);
	write_file("settings.toml", d2.text.p, 0644);
	mostro_settings s;
	settings_error err;
	t_eq_int(load(env_key3, &s, &err), SETTINGS_OK, "no key in a 0644 file, key from the environment: fine");
	settings_free(&s);
	write_file(".env", "MOSTRO_NSEC_PRIVKEY=nsec1...\n", 0600);
	t_eq_int(load(no_env, &s, &err), SETTINGS_ERR_KEY_PLACEHOLDER, "a placeholder in .env is not configured yet");
	t_ok(strstr(err.msg, "/.env:1: MOSTRO_NSEC_PRIVKEY") != NULL, "the message names .env's line (%s)", err.msg);
	write_file(".env", "MOSTRO_NSEC_PRIVKEY=" KEY2 "\nnot a line\n", 0600);
	t_eq_int(load(no_env, &s, &err), SETTINGS_ERR_ENV_FILE, "a .env line that is not NAME=VALUE");
	t_ok(strstr(err.msg, "/.env:2: expected NAME=VALUE") != NULL, "named with its line (%s)", err.msg);
	write_file(".env", "MOSTRO_NSEC_PRIVKEY=" KEY2 "\n", 0640);
	t_eq_int(load(no_env, &s, &err), SETTINGS_ERR_MODE, "a .env readable by group is refused");
	t_ok(strstr(err.msg, "chmod 600") != NULL && !strstr(err.msg, KEY2), "saying chmod 600, not the key");
	remove_file(".env");
	buf_free(&d2.text);

	/* file modes: a secret in the file needs 0600 */
	write_file("settings.toml", d.text.p, 0644);
	t_eq_int(load(no_env, &s, &err), SETTINGS_ERR_MODE, "a key in a 0644 file is refused");
	t_ok(strstr(err.msg, "settings.toml: mode 0644") != NULL && !strstr(err.msg, KEY1), "message: %s", err.msg);
	write_file("settings.toml", d.text.p, 0604);
	t_eq_int(load(env_key3, &s, &err), SETTINGS_ERR_MODE, "readable by others: refused even with the env key");
	write_file("settings.toml", d.text.p, 0400);
	t_eq_int(load(no_env, &s, &err), SETTINGS_OK, "0400 is fine");
	settings_free(&s);
	change token[] = {{"nostr", "nsec_privkey", DEL},
			  {"price", "providers", "{ eltoque = { enabled = true, url = 'u', token = 'tok' } }"}, {0}};
	doc d3;
	build(&d3, token);
	write_file("settings.toml", d3.text.p, 0644);
	t_eq_int(load(env_key3, &s, &err), SETTINGS_ERR_MODE, "a price token is a secret too");
	write_file("settings.toml", d3.text.p, 0600);
	t_eq_int(load(env_key3, &s, &err), SETTINGS_OK, "the same at 0600");
	t_ok(s.price.provider_count == 1 && s.price.providers[0].has_token, "the token is known to be set");
	jv j = settings_to_jv(&s);
	buf out = BUF_INIT;
	json_write(&out, j);
	t_ok(!strstr(out.p, "tok\"") && !strstr(out.p, KEY3), "the JSON form holds neither the token nor the key");
	t_ok(strstr(out.p, "\"key_source\":\"env\"") && strstr(out.p, "\"pubkey\":\"" PUB3 "\""),
	     "the JSON form says where the key came from and its public key");
	buf_free(&out);
	jv_free(j);
	settings_free(&s);
	buf_free(&d3.text);

	/* the directory: the file's when only --file is given; missing file */
	char path[128];
	snprintf(path, sizeof path, "%s/settings.toml", tmpdir);
	write_file("settings.toml", d.text.p, 0600);
	settings_source src = {.file = path, .getenv = no_env};
	t_eq_int(settings_load(&src, &s, &err), SETTINGS_OK, "--file alone");
	t_ok(strncmp(s.database.path, tmpdir, strlen(tmpdir)) == 0, "the directory is the file's (%s)", s.database.path);
	settings_free(&s);
	remove_file("settings.toml");
	t_eq_int(load(no_env, &s, &err), SETTINGS_ERR_NO_FILE, "no settings.toml");
	t_ok(strstr(err.msg, "settings.toml: No such file") != NULL, "says which file (%s)", err.msg);
	write_file("settings.toml", "[mostro]\nfee = \n", 0600);
	t_eq_int(load(no_env, &s, &err), SETTINGS_ERR_SYNTAX, "TOML errors come through");
	t_ok(strstr(err.msg, "settings.toml:2:7: expected a value") != NULL, "with line and column (%s)", err.msg);
	t_eq_int(err.line, 2, "and the line in err.line");
	remove_file("settings.toml");
	buf_free(&d.text);
}

/* The template parses to the defaults, except its placeholder key. */
static void test_template(void)
{
	mostro_settings s;
	settings_error err;
	settings_source src = {.dir = "/d", .getenv = no_env};
	settings_err e = settings_parse(settings_template, strlen(settings_template), "settings.toml", &src, &s, &err);
	t_eq_int(e, SETTINGS_ERR_KEY_PLACEHOLDER, "the template alone: key not configured yet");
	t_ok(strstr(err.msg, "not configured yet") != NULL, "so it says (%s)", err.msg);
	src.getenv = env_key3;
	e = settings_parse(settings_template, strlen(settings_template), "settings.toml", &src, &s, &err);
	t_eq_int(e, SETTINGS_OK, "the template with a key from the environment");
	if (e != SETTINGS_OK) {
		t_diag("%s", err.msg);
		return;
	}
	t_eq_int((long long)s.warning_count, 0, "no warning");
	const settings_lightning *l = &s.lightning;
	t_ok(l->backend == SETTINGS_BACKEND_SIM && strcmp(l->sim_db, "/d/ln-sim.db") == 0 && !l->lnd_rest_host &&
	     !l->lnd_grpc_host, "lightning: sim, DIR/ln-sim.db, no LND");
	t_ok(l->invoice_expiration_window == 3600 && l->hold_invoice_cltv_delta == 144 &&
	     l->hold_invoice_expiration_window == 300 && l->payment_attempts == 3 && l->payment_retries_interval == 60 &&
	     l->max_final_cltv_expiry_delta == 432 && l->escrow_deadline_margin_blocks == 24,
	     "lightning: 3600/144/300/3/60/432/24");
	t_ok(s.nostr.relay_count == 1 && strcmp(s.nostr.relays[0], "ws://localhost:7000") == 0, "relays");
	const settings_mostro *m = &s.mostro;
	t_ok(m->fee == 0 && m->max_routing_fee == 0.002 && m->max_order_amount == 1000000 &&
	     m->min_payment_amount == 100 && m->expiration_hours == 24 && m->max_expiration_days == 15 &&
	     m->expiration_seconds == 900 && m->user_rates_sent_interval_seconds == 3600 &&
	     m->publish_relays_interval == 60 && m->pow == 0 && m->publish_mostro_info_interval == 300 &&
	     m->max_orders_per_response == 10 && m->dev_fee_percentage == 0.30 &&
	     m->transport == SETTINGS_TRANSPORT_NIP44 && m->pow_first_contact == 0 &&
	     m->active_pubkeys_refresh_interval == 60 && !m->name &&
	     strcmp(m->bitcoin_price_api_url, "https://api.yadio.io") == 0,
	     "mostro: mostrod's template values");
	t_ok(m->fiat_currencies_accepted_count == 4 && strcmp(m->fiat_currencies_accepted[0], "USD") == 0,
	     "fiat currencies USD, EUR, ARS, CUP");
	t_ok(s.expiration.order_days == 30 && s.expiration.fee_audit_days == 365 && s.expiration.dm_days == 30,
	     "expiration");
	t_ok(!s.rpc.enabled && strcmp(s.rpc.listen_address, "127.0.0.1") == 0 && s.rpc.port == 50051,
	     "rpc off, 127.0.0.1:50051");
	t_ok(!s.price.configured && !s.anti_abuse_bond.configured && !s.cashu.configured,
	     "price, bonds and cashu left commented out");
	settings_free(&s);
	t_ok(strstr(settings_template, "backend") && strstr(settings_template, "lnd_rest_host") &&
	     strstr(settings_template, "sim_db") && strstr(settings_template, "\"both\""),
	     "the template documents our additions");
}

static void test_names(void)
{
	t_eq_str(settings_backend_name(SETTINGS_BACKEND_LND), "lnd", "backend name");
	t_ok(settings_backend_name(SETTINGS_BACKEND_COUNT) == NULL, "backend name out of range");
	t_eq_str(settings_transport_name(SETTINGS_TRANSPORT_GIFT_WRAP), "gift-wrap", "transport name");
	t_eq_str(settings_key_source_name(SETTINGS_KEY_DOTENV), ".env", "key source name");
	t_eq_str(settings_bond_apply_to_name(SETTINGS_BOND_BOTH), "both", "apply_to name");
	for (int e = 0; e < SETTINGS_ERR_COUNT; e++)
		t_ok(strcmp(settings_strerror((settings_err)e), "unknown error") != 0, "error %d has a message", e);
	t_eq_str(settings_strerror(SETTINGS_ERR_COUNT), "unknown error", "strerror out of range");
}

int main(void)
{
	for (size_t i = 0; i < sizeof rows / sizeof *rows; i++)
		check_row(&rows[i]);
	test_required();
	test_defaults();
	snprintf(tmpdir, sizeof tmpdir, "/tmp/test_settings.XXXXXX");
	if (!mkdtemp(tmpdir)) {
		t_ok(false, "mkdtemp");
		return t_done();
	}
	test_precedence();
	rmdir(tmpdir);
	test_template();
	test_names();
	return t_done();
}
