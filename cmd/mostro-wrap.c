/* mostro-wrap — Mostro messages, chat lines or event templates (or, --mixed,
 * DM records and templates on one stream) in, signed Nostr events out. See man/mostro-wrap.1. The message model, signatures and
 * envelopes live in lib/ (mostro_msg, mostro_sign, mostro_envelope,
 * mostro_chat); this file parses options and runs the line loop. */
#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli.h"
#include "event.h"
#include "exitcode.h"
#include "hex.h"
#include "json.h"
#include "lineio.h"
#include "mostro_chat.h"
#include "mostro_envelope.h"
#include "mostro_msg.h"
#include "mostro_sign.h"
#include "nip13.h"
#include "secret.h"

static const char usage_text[] =
	"Usage: mostro-wrap [OPTION]...\n"
	"Reads JSON lines and writes signed Nostr events: Mostro messages wrapped for\n"
	"a recipient (v1 gift wrap or v2 kind 14), chat lines (--chat), or event\n"
	"templates signed as they are (--plain).\n"
	"\n"
	"Input lines (default mode):\n"
	"  {\"order\":{...}}                      a logical message, recipient from --to\n"
	"  {\"to\":PK,\"message\":{...}[,\"transport\":\"v1\"|\"v2\"][,\"pow\":N]\n"
	"   [,\"expiration\":T|null][,\"created_at\":T]}   a record (T absolute Unix time)\n"
	"  {\"to\":PK,\"tuple\":\"[...]\",...}     the content tuple verbatim: not checked,\n"
	"                                       not signed (to craft odd envelopes)\n"
	"\n"
	"Options:\n"
	"  --to PUBKEY                recipient (hex or npub) of lines that name none\n"
	"  --key-file F, --key-fd N   author key: a trade key, or Mostro's key for replies\n"
	"                             (default $MOSTRO_SECRET_KEY, $NOSTR_SECRET_KEY)\n"
	"  --identity-key-file F, --identity-key-fd N\n"
	"                             reputation mode: v1 seal signed by this key, v2\n"
	"                             identity proof; a trade signature is always added\n"
	"  --sign                     full privacy with a trade signature (mostro-core's\n"
	"                             `signed`); without it the signature is null\n"
	"  --transport v1|v2          gift-wrap (kind 1059) or nip44 (kind 14); default v2\n"
	"  --pow N                    NIP-13 proof of work on the outer event, N <= 32\n"
	"  --expiration S             NIP-40 tag S seconds after created_at; 0 = none\n"
	"                             (default: v2 30 days, v1 none)\n"
	"  --chat[=FORMAT]            lines are chat text (a JSON string, or\n"
	"                             {\"to\":PK,\"text\":...}); FORMAT current (kind 14,\n"
	"                             default), legacy (kind 1059 shared key), nip59\n"
	"  --plain                    lines are templates {\"kind\",\"tags\",\"content\"\n"
	"                             [,\"created_at\"]}: sign them with the key as they are\n"
	"  --mixed                    lines are DM records ({\"to\",\"message\"|\"tuple\",...})\n"
	"                             or templates ({\"kind\",...}), each signed as its shape\n"
	"                             says, in input order (the daemon's stream: Mostro's key);\n"
	"                             a line's \"ref\" (a string, not signed) comes out as\n"
	"                             {\"ref\":...,\"event\":{...}} for mostro-relay pub\n"
	"  --errors                   also write {\"type\":\"error\",...} records\n"
	"  -h, --help                 this text\n"
	"\n"
	"Exit: 0 ok, 2 usage (also: a line without recipient and no --to), 5 key\n"
	"configuration, 123 some lines failed. See mostro-wrap(1).\n";

enum { MODE_MESSAGE, MODE_CHAT, MODE_PLAIN, MODE_MIXED };

typedef struct config {
	int              mode;
	chat_format      chat;
	mostro_transport transport;
	unsigned         pow;
	bool             has_expiration_opt;
	uint64_t         expiration_secs;
	bool             sign;
	bool             errors;
	bool             has_to;
	uint8_t          to[32];
	mu_key           key;
	mu_key           identity;
	bool             has_identity;
} config;

/* ------------------------------------------------------------- one line */

typedef struct line_ctx {
	const config *cfg;
	unsigned long lineno;
	char err[320];
	bool no_recipient;
	char *ref;            /* --mixed: the line's "ref", passed through (owned) */
} line_ctx;

#define MIXED_REF_MAX 256   /* bytes of a ref: a correlation token, not a payload */

static bool fail(line_ctx *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static bool fail(line_ctx *c, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(c->err, sizeof c->err, fmt, ap);
	va_end(ap);
	return false;
}

/* "to" of a record, else --to. */
static bool recipient(line_ctx *c, jv rec, uint8_t out[32])
{
	jv to = json_get(rec, "to");
	if (jv_is_valid(to) && jv_get_kind(to) != JV_KIND_NULL) {
		size_t n;
		const char *s = json_str(to, &n);
		bool ok = s && mostro_parse_pubkey(s, n, out);
		jv_free(to);
		return ok ? true : fail(c, "to: not a public key (64 hex digits or npub)");
	}
	jv_free(to);
	if (c->cfg->has_to) {
		memcpy(out, c->cfg->to, 32);
		return true;
	}
	c->no_recipient = true;
	return fail(c, "no recipient: give --to or a record with \"to\"");
}

/* Optional unsigned integer field of a record; null allowed when nullable. */
static bool rec_u64(line_ctx *c, jv rec, const char *key, uint64_t max, bool *present, bool *is_null, uint64_t *out)
{
	jv v = json_get(rec, key);
	*present = jv_is_valid(v);
	if (is_null)
		*is_null = *present && jv_get_kind(v) == JV_KIND_NULL;
	bool ok = !*present || (is_null && *is_null) || (json_get_u64(v, out) && *out <= max);
	jv_free(v);
	return ok ? true : fail(c, "%s: expected an integer 0..%llu%s", key, (unsigned long long)max, is_null ? " or null" : "");
}

/* A record names only the fields it may have: a misspelt "created_at" must
 * not silently give a fresh envelope. */
static bool known_fields(line_ctx *c, jv rec, const char *const *names)
{
	bool ok = true;
	jv_object_foreach(rec, k, v) {
		bool known = false;
		for (size_t i = 0; names[i] && !known; i++)
			known = strcmp(jv_string_value(k), names[i]) == 0;
		if (!known && ok)
			ok = fail(c, "unknown record field \"%.40s\"", jv_string_value(k));
		jv_free(k);
		jv_free(v);
	}
	return ok;
}

/* One event per line; with a ref, {"ref":...,"event":{...}} (mostro-relay
 * pub reads both and echoes the ref in its records). */
static bool emit_event(line_ctx *c, const nostr_event *ev)
{
	buf b = BUF_INIT;
	if (c->ref) {
		buf_puts(&b, "{\"ref\":");
		json_write_string(&b, c->ref, strlen(c->ref));
		buf_puts(&b, ",\"event\":");
	}
	event_write(&b, ev);
	if (c->ref)
		buf_putc(&b, '}');
	bool ok = out_line(b.p, b.len);
	buf_free(&b);
	return ok;
}

/* A missing "version" is stamped with the transport's (Mostro writes 1 on
 * v1, 2 on v2); an explicit one is kept. Consumes msg, returns it. */
static jv stamp_version(jv msg, mostro_transport t)
{
	if (jv_get_kind(msg) != JV_KIND_OBJECT || jv_object_length(jv_copy(msg)) != 1)
		return msg;
	jv out = jv_copy(msg);
	jv_object_foreach(msg, k, val) {
		if (jv_get_kind(val) == JV_KIND_OBJECT && !json_has(val, "version"))
			out = jv_object_set(out, jv_copy(k), jv_object_set(jv_copy(val), jv_string("version"), jv_number(t)));
		jv_free(k);
		jv_free(val);
	}
	jv_free(msg);
	return out;
}

static bool wrap_message(line_ctx *c, jv line)
{
	const config *cfg = c->cfg;
	bool is_record = jv_get_kind(line) == JV_KIND_OBJECT && (json_has(line, "message") || json_has(line, "tuple"));
	mostro_wrap_opts o = { .transport = cfg->transport, .pow = cfg->pow, .sign = cfg->sign };
	uint8_t to[32];
	bool present, is_null;
	uint64_t v;
	if (jv_get_kind(line) != JV_KIND_OBJECT)
		return fail(c, "expected a message object {\"order\":{...}} or a record {\"to\":...,\"message\":{...}}");
	static const char *const record_fields[] = { "to", "message", "tuple", "transport", "pow",
						     "expiration", "created_at", NULL };
	if (is_record && !known_fields(c, line, record_fields))
		return false;
	if (is_record && json_has(line, "message") && json_has(line, "tuple"))
		return fail(c, "a record has \"message\" or \"tuple\", not both");
	if (!recipient(c, is_record ? line : jv_null(), to))
		return false;
	if (is_record) {
		jv tr = json_get(line, "transport");
		if (jv_is_valid(tr)) {
			const char *s = json_str(tr, NULL);
			bool ok = s && mostro_transport_parse(s, &o.transport);
			jv_free(tr);
			if (!ok)
				return fail(c, "transport: expected \"v1\", \"v2\", \"gift-wrap\" or \"nip44\"");
		}
		if (!rec_u64(c, line, "pow", MOSTRO_POW_MAX, &present, NULL, &v))
			return false;
		if (present)
			o.pow = (unsigned)v;
		if (!rec_u64(c, line, "created_at", UINT64_MAX, &present, NULL, &v))
			return false;
		if (present) {
			o.has_created_at = true;
			o.created_at = v;
		}
		if (!rec_u64(c, line, "expiration", UINT64_MAX, &present, &is_null, &v))
			return false;
		if (present) {
			o.has_expiration = !is_null;
			o.expiration = v;
		}
	} else {
		present = false;
	}
	uint64_t base = o.has_created_at ? o.created_at : (uint64_t)time(NULL);
	if (!(is_record && json_has(line, "expiration"))) {
		uint64_t secs = 0;
		if (cfg->has_expiration_opt) {
			o.has_expiration = cfg->expiration_secs > 0;
			secs = cfg->expiration_secs;
		} else if (o.transport == MOSTRO_V2) {
			o.has_expiration = true;
			secs = MOSTRO_V2_DEFAULT_EXPIRATION;
		}
		/* a created_at near 2^64 must not wrap the tag around to 1970 */
		if (o.has_expiration && base > UINT64_MAX - secs)
			return fail(c, "expiration: created_at %llu + %llu s is past 2^64-1; "
				    "give the record an absolute \"expiration\" (or null)",
				    (unsigned long long)base, (unsigned long long)secs);
		o.expiration = base + secs;
	}
	if (is_record && json_has(line, "tuple")) {
		/* verbatim content tuple: no validation, no signing (crafted envelopes) */
		jv tj = json_get(line, "tuple");
		size_t tn;
		const char *ts = json_str(tj, &tn);
		if (!ts) {
			jv_free(tj);
			return fail(c, "tuple: expected a string (the content tuple, used verbatim)");
		}
		nostr_event ev;
		env_wrap_err we = mostro_wrap_tuple(&ev, ts, tn, &cfg->key, cfg->has_identity ? &cfg->identity : NULL, to, &o);
		jv_free(tj);
		bool ok = we == ENV_WRAP_OK ? emit_event(c, &ev) : fail(c, "%s", env_wrap_strerror(we));
		event_free(&ev);
		return ok;
	}
	jv m = is_record ? json_get(line, "message") : jv_copy(line);
	m = stamp_version(m, o.transport);
	mostro_msg msg;
	mostro_msg_error me;
	mostro_msg_err rc = mostro_msg_from_jv(&msg, m, &me);
	jv_free(m);
	if (rc != MOSTRO_MSG_OK) {
		mostro_msg_free(&msg);
		return fail(c, "invalid message: %s", me.msg);
	}
	buf canon = BUF_INIT;
	mostro_msg_write(&canon, &msg);
	mostro_msg_free(&msg);
	nostr_event ev;
	env_wrap_err we = mostro_wrap(&ev, canon.p, canon.len, &cfg->key, cfg->has_identity ? &cfg->identity : NULL, to, &o);
	buf_free(&canon);
	if (we != ENV_WRAP_OK) {
		event_free(&ev);
		return fail(c, "%s", env_wrap_strerror(we));
	}
	bool ok = emit_event(c, &ev);
	event_free(&ev);
	return ok;
}

static bool wrap_chat(line_ctx *c, jv line)
{
	chat_format f = c->cfg->chat;
	uint64_t created_at = 0;
	bool present = false;
	jv text = jv_invalid();
	if (jv_get_kind(line) == JV_KIND_STRING) {
		text = jv_copy(line);
	} else if (jv_get_kind(line) == JV_KIND_OBJECT) {
		static const char *const chat_fields[] = { "to", "text", "format", "created_at", NULL };
		if (!known_fields(c, line, chat_fields))
			return false;
		text = json_get(line, "text");
		jv fm = json_get(line, "format");
		if (jv_is_valid(fm)) {
			const char *s = json_str(fm, NULL);
			bool ok = s && chat_format_parse(s, &f);
			jv_free(fm);
			if (!ok) {
				jv_free(text);
				return fail(c, "format: expected \"current\", \"legacy\" or \"nip59\"");
			}
		}
		if (!rec_u64(c, line, "created_at", UINT64_MAX, &present, NULL, &created_at)) {
			jv_free(text);
			return false;
		}
	}
	size_t n;
	const char *s = json_str(text, &n);
	if (!s) {
		jv_free(text);
		return fail(c, "expected a chat line: a JSON string or {\"to\":...,\"text\":\"...\"}");
	}
	uint8_t to[32];
	if (!recipient(c, jv_get_kind(line) == JV_KIND_OBJECT ? line : jv_null(), to)) {
		jv_free(text);
		return false;
	}
	nostr_event ev;
	nip44_err e = chat_wrap(&ev, f, &c->cfg->key, to, s, n, present ? &created_at : NULL);
	jv_free(text);
	if (e != NIP44_OK) {
		event_free(&ev);
		if (e != NIP44_ERR_PLAINTEXT_LEN)
			return fail(c, "chat: recipient is not a valid public key");
		/* nip59 encrypts the rumor, then the seal around it (a third larger) */
		return fail(c, "chat: text too long for NIP-44 (65535 bytes of plaintext per layer): "
			    "about %s KB of text fits in the %s format",
			    f == CHAT_NIP59 ? "40" : "64", chat_format_names[f]);
	}
	bool ok = emit_event(c, &ev);
	event_free(&ev);
	return ok;
}

/* An event template: kind (required), tags (default []), content (default
 * ""), created_at (default now); any id/pubkey/sig present is replaced. */
static bool sign_plain(line_ctx *c, jv line)
{
	if (jv_get_kind(line) != JV_KIND_OBJECT)
		return fail(c, "expected an event template object {\"kind\":...,\"tags\":[...],\"content\":\"...\"}");
	jv t = jv_copy(line);
	if (!json_has(t, "tags"))
		t = jv_object_set(t, jv_string("tags"), jv_array());
	if (!json_has(t, "content"))
		t = jv_object_set(t, jv_string("content"), jv_string(""));
	if (!json_has(t, "created_at"))
		t = jv_object_set(t, jv_string("created_at"), json_from_u64((uint64_t)time(NULL)));
	t = jv_object_delete(t, jv_string("id"));
	t = jv_object_delete(t, jv_string("sig"));
	t = jv_object_delete(t, jv_string("pubkey"));
	nostr_event ev;
	char detail[160];
	if (event_from_jv(&ev, t, EVENT_ALLOW_NO_SIG | EVENT_ALLOW_NO_ID | EVENT_ALLOW_NO_PUBKEY,
			  detail, sizeof detail) != EVENT_OK) {
		event_free(&ev);
		return fail(c, "template: %s", detail);
	}
	memcpy(ev.pubkey, c->cfg->key.pk, 32);
	if (c->cfg->pow) {
		nip13_opts po = { .target = c->cfg->pow, .max_attempts = nip13_attempt_budget(c->cfg->pow) };
		if (nip13_mine(&ev, &po, NULL) != NIP13_OK) {
			event_free(&ev);
			return fail(c, "proof of work failed");
		}
	}
	event_sign(&ev, &c->cfg->key, NULL);
	bool ok = emit_event(c, &ev);
	event_free(&ev);
	return ok;
}

/* A --mixed line's "ref": any string up to MIXED_REF_MAX bytes, kept in c
 * and taken out of the line, so it is signed into nothing. */
static bool take_ref(line_ctx *c, jv *line)
{
	jv ref = json_get(*line, "ref");
	if (!jv_is_valid(ref))
		return true;
	size_t n;
	const char *s = json_str(ref, &n);
	bool ok = s && n <= MIXED_REF_MAX && memchr(s, 0, n) == NULL;
	if (ok)
		c->ref = mu_xstrndup(s, n);
	jv_free(ref);
	if (!ok)
		return fail(c, "ref: expected a string of at most %d bytes (passed through, not signed)", MIXED_REF_MAX);
	*line = jv_object_delete(*line, jv_string("ref"));
	return true;
}

static bool wrap_mixed_line(line_ctx *c, jv line);

/* --mixed (the daemon's output, docs/ENGINE.md §1): a line with "kind" is an
 * event template, signed as --plain signs it; a line with "message" or
 * "tuple" is a DM record, wrapped as in the default mode; anything else
 * fails, naming what it lacks. A bare message ({"order":...}) is not a
 * record here: the daemon always names the recipient. Either shape may
 * carry a "ref" (mostro-order run --ack), written out beside the event. */
static bool wrap_mixed(line_ctx *c, jv line)
{
	if (jv_get_kind(line) != JV_KIND_OBJECT)
		return fail(c, "expected a DM record {\"to\":...,\"message\":{...}} or an event template {\"kind\":...}");
	jv rest = jv_copy(line);
	bool ok = take_ref(c, &rest) && wrap_mixed_line(c, rest);
	jv_free(rest);
	return ok;
}

static bool wrap_mixed_line(line_ctx *c, jv line)
{
	bool is_template = json_has(line, "kind");
	bool is_dm = json_has(line, "message") || json_has(line, "tuple");
	if (is_template && is_dm)
		return fail(c, "both \"kind\" (an event template) and \"%s\" (a DM record): a line is one or the other",
			    json_has(line, "message") ? "message" : "tuple");
	if (is_template)
		return sign_plain(c, line);
	if (is_dm)
		return wrap_message(c, line);
	return fail(c, "neither a DM record (no \"message\" or \"tuple\") nor an event template (no \"kind\")");
}

static void report_failure(line_ctx *c)
{
	report_line(c->lineno, "%s", c->err);
	if (c->cfg->errors) {
		buf b = BUF_INIT;
		buf_printf(&b, "{\"type\":\"error\",\"line\":%lu,", c->lineno);
		if (c->ref) {
			buf_puts(&b, "\"ref\":");
			json_write_string(&b, c->ref, strlen(c->ref));
			buf_putc(&b, ',');
		}
		buf_printf(&b, "\"error\":\"%s\",\"message\":", c->no_recipient ? "usage" : "invalid-input");
		json_write_string(&b, c->err, strlen(c->err));
		buf_putc(&b, '}');
		out_line(b.p, b.len);
		buf_free(&b);
	}
}

/* ------------------------------------------------------------------ main */

/* --chat, --plain and --mixed: one of them at most. */
static void set_mode(config *cfg, int mode)
{
	static const char *const names[] = { [MODE_CHAT] = "--chat", [MODE_PLAIN] = "--plain", [MODE_MIXED] = "--mixed" };
	if (cfg->mode != MODE_MESSAGE && cfg->mode != mode)
		cli_usage_error("%s and %s exclude each other", names[cfg->mode], names[mode]);
	cfg->mode = mode;
}

enum { OPT_HELP = 'h', OPT_TO = 256, OPT_KFILE, OPT_KFD, OPT_IFILE, OPT_IFD, OPT_SIGN,
       OPT_TRANSPORT, OPT_POW, OPT_EXPIRATION, OPT_CHAT, OPT_PLAIN, OPT_MIXED, OPT_ERRORS };

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{"to", required_argument, NULL, OPT_TO},
		{"key-file", required_argument, NULL, OPT_KFILE},
		{"key-fd", required_argument, NULL, OPT_KFD},
		{"identity-key-file", required_argument, NULL, OPT_IFILE},
		{"identity-key-fd", required_argument, NULL, OPT_IFD},
		{"sign", no_argument, NULL, OPT_SIGN},
		{"transport", required_argument, NULL, OPT_TRANSPORT},
		{"pow", required_argument, NULL, OPT_POW},
		{"expiration", required_argument, NULL, OPT_EXPIRATION},
		{"chat", optional_argument, NULL, OPT_CHAT},
		{"plain", no_argument, NULL, OPT_PLAIN},
		{"mixed", no_argument, NULL, OPT_MIXED},
		{"errors", no_argument, NULL, OPT_ERRORS},
		{"help", no_argument, NULL, OPT_HELP},
		{0, 0, 0, 0}};
	mu_progname = "mostro-wrap";
	config cfg = { .mode = MODE_MESSAGE, .chat = CHAT_CURRENT, .transport = MOSTRO_V2 };
	const char *kfile = NULL, *ifile = NULL, *to = NULL;
	int kfd = -1, ifd = -1, c;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":h", opts, NULL)) != -1) {
		switch (c) {
		case OPT_HELP: fputs(usage_text, stdout); return MU_EXIT_OK;
		case OPT_TO: to = optarg; break;
		case OPT_KFILE: kfile = optarg; break;
		case OPT_KFD: kfd = cli_fd(optarg); break;
		case OPT_IFILE: ifile = optarg; break;
		case OPT_IFD: ifd = cli_fd(optarg); break;
		case OPT_SIGN: cfg.sign = true; break;
		case OPT_TRANSPORT:
			if (!mostro_transport_parse(optarg, &cfg.transport))
				cli_usage_error("--transport: expected v1, v2, gift-wrap or nip44, not '%s'", optarg);
			break;
		case OPT_POW: cfg.pow = (unsigned)cli_uint("--pow", optarg, MOSTRO_POW_MAX); break;
		case OPT_EXPIRATION:
			cfg.has_expiration_opt = true;
			cfg.expiration_secs = cli_uint("--expiration", optarg, UINT32_MAX * 100ull);
			break;
		case OPT_CHAT:
			set_mode(&cfg, MODE_CHAT);
			if (optarg && !chat_format_parse(optarg, &cfg.chat))
				cli_usage_error("--chat: expected current, legacy or nip59, not '%s'", optarg);
			break;
		case OPT_PLAIN: set_mode(&cfg, MODE_PLAIN); break;
		case OPT_MIXED: set_mode(&cfg, MODE_MIXED); break;
		case OPT_ERRORS: cfg.errors = true; break;
		case ':': cli_usage_error("option '%s' needs a value", argv[optind - 1]);
		default: cli_usage_error("unknown option '%s'", argv[optind - 1]);
		}
	}
	if (optind < argc)
		cli_usage_error("unexpected argument '%s' (input comes from stdin)", argv[optind]);
	if (kfile && kfd >= 0)
		cli_usage_error("give --key-file or --key-fd, not both");
	if (ifile && ifd >= 0)
		cli_usage_error("give --identity-key-file or --identity-key-fd, not both");
	/* the lines come from stdin: a secret read from it would swallow them */
	if ((kfile && !strcmp(kfile, "-")) || kfd == 0 || (ifile && !strcmp(ifile, "-")) || ifd == 0)
		cli_usage_error("a key cannot come from standard input, which carries the input lines: "
				"give a file or another descriptor (--key-fd N)");
	if ((ifile || ifd >= 0) && cfg.mode != MODE_MESSAGE && cfg.mode != MODE_MIXED)
		cli_usage_error("--identity-key-file is for Mostro messages, not --chat or --plain");
	if (to) {
		if (cfg.mode == MODE_PLAIN)
			cli_usage_error("--to has no meaning with --plain");
		if (!mostro_parse_pubkey(to, strlen(to), cfg.to))
			cli_usage_error("--to: not a public key (64 hex digits or npub): '%s'", to);
		cfg.has_to = true;
	}
	const cli_secret key_src = { NULL, "key", kfile, kfd, CLI_KEY_HINT, MU_EXIT_CONFIG };
	cli_load_key(&key_src, &cfg.key);
	if (ifile || ifd >= 0) {
		const cli_secret id_src = { NULL, "identity key", ifile, ifd, CLI_KEY_HINT, MU_EXIT_CONFIG };
		cli_load_key(&id_src, &cfg.identity);
		cfg.has_identity = true;
	}

	line_reader r;
	line_reader_init(&r, 0, LINE_MAX_DEFAULT);
	const char *line;
	size_t len;
	line_status st;
	unsigned long failed = 0;
	bool usage = false;
	while ((st = line_read(&r, &line, &len)) != LINE_EOF) {
		line_ctx lc = { .cfg = &cfg, .lineno = r.lineno };
		if (st == LINE_IO) {
			report("reading stdin: %s", strerror(errno));
			failed++;
			break;
		}
		if (st == LINE_TOO_LONG) {
			snprintf(lc.err, sizeof lc.err, "line too long");
			report_failure(&lc);
			failed++;
			continue;
		}
		json_error je;
		jv v = json_parse(line, len, JSON_EXACT_NUMBERS, &je);
		bool ok;
		if (!jv_is_valid(v))
			ok = fail(&lc, "invalid JSON %s", je.msg);
		else if (cfg.mode == MODE_CHAT)
			ok = wrap_chat(&lc, v);
		else if (cfg.mode == MODE_PLAIN)
			ok = sign_plain(&lc, v);
		else if (cfg.mode == MODE_MIXED)
			ok = wrap_mixed(&lc, v);
		else
			ok = wrap_message(&lc, v);
		jv_free(v);
		if (!ok && lc.err[0]) {
			report_failure(&lc);
			failed++;
			usage |= lc.no_recipient;
		}
		free(lc.ref);
		if (!ok && !lc.err[0])       /* stdout is gone */
			break;
		if (out_line_errno())
			break;
	}
	line_reader_free(&r);
	key_wipe(&cfg.key);
	key_wipe(&cfg.identity);
	if (out_line_errno()) {
		/* the lines after the last one written are lost: never exit 0 */
		report("writing standard output: %s", strerror(out_line_errno()));
		return MU_EXIT_PARTIAL;
	}
	if (usage)
		return MU_EXIT_USAGE;
	return failed ? MU_EXIT_PARTIAL : MU_EXIT_OK;
}
