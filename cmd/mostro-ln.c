/* mostro-ln — the Lightning side of mostroutils.
 *
 * Subcommands (each in its own cmd_* function; add new ones to `commands`):
 *   decode    BOLT11 invoices -> JSON (field names of tests/vectors/bolt11.jsonl)
 *   validate  decode + Mostro's payout invoice rules (lib/invoice_rules.h);
 *             Lightning Addresses / LNURLs are probed like mostrod does
 *   lnurl     resolve a Lightning Address / LNURL: pay document, or an
 *             invoice for an amount (lib/lnurl.h)
 *   encode    sign an invoice from JSON fields (the decode record's names)
 *   run       the coprocess the daemon talks to: JSON-lines ops in, results
 *             and events out (lib/ln_ops.h), backend lnd or sim
 *   sim       drive the simulated node (lib/ln_simdb.h) for demos and tests
 *
 * Inputs come from the arguments, or one per stdin line (a bare string, a
 * JSON string, or a JSON object with the subcommand's fields). Exit codes:
 * arguments -> the first failure's code (4 invalid, 1 refused, 3 unreachable,
 * 124 timed out); stdin -> 123 if any line failed. See man/mostro-ln.1. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "bolt11.h"
#include "cli.h"
#include "evloop.h"
#include "exitcode.h"
#include "hex.h"
#include "invoice_rules.h"
#include "json.h"
#include "lineio.h"
#include "ln.h"
#include "ln_fees.h"
#include "ln_lnd.h"
#include "ln_ops.h"
#include "ln_sim.h"
#include "ln_simdb.h"
#include "lnurl.h"
#include "secret.h"
#include "outq.h"

/* ---- shared: one input, many inputs ------------------------------------- */

/* What one input produced when it failed. */
typedef struct outcome {
	int  code;               /* MU_EXIT_* class of the failure, 0 = success */
	char reason[48];         /* snake_case code */
	char message[256];
} outcome;

static void set_outcome(outcome *o, int code, const char *reason, const char *message)
{
	o->code = code;
	snprintf(o->reason, sizeof o->reason, "%s", reason);
	snprintf(o->message, sizeof o->message, "%s", message);
}

/* One input: s is the text (argument or line). fields is the line's JSON
 * object when the line was one (borrowed), else jv_null(). */
typedef void (*input_fn)(const char *s, jv fields, void *ctx, outcome *out);

typedef struct driver {
	bool errors;             /* --errors: also emit {"type":"error",...} records */
	input_fn fn;
	void *ctx;
	const char *field;       /* the JSON object field holding the input text;
				    NULL: the object itself is the input */
} driver;

static void report_failure(const driver *d, bool from_args, unsigned long n, const outcome *o)
{
	if (from_args)
		report("argument %lu: %s: %s", n, o->reason, o->message);
	else
		report_line(n, "%s: %s", o->reason, o->message);
	if (d->errors) {
		jv rec = jv_object();
		rec = jv_object_set(rec, jv_string("type"), jv_string("error"));
		rec = jv_object_set(rec, jv_string(from_args ? "argument" : "line"), json_from_u64(n));
		rec = jv_object_set(rec, jv_string("error"), jv_string(o->reason));
		rec = jv_object_set(rec, jv_string("message"), jv_string(o->message));
		out_record(rec);
	}
}

/* A stdin line: bare text, a JSON string, or an object with d->field. */
static bool line_input(const driver *d, const char *line, size_t len, char **text, jv *fields, outcome *o)
{
	*fields = jv_null();
	*text = NULL;
	if (len && (line[0] == '{' || line[0] == '"')) {
		json_error je;
		/* integer fields take integer literals only (json_get_u64's rule) */
		jv v = json_parse(line, len, JSON_EXACT_NUMBERS, &je);
		if (!jv_is_valid(v)) {
			jv_free(v);
			set_outcome(o, MU_EXIT_INVALID, "bad_json", je.msg);
			return false;
		}
		const char *s = jv_get_kind(v) == JV_KIND_STRING ? jv_string_value(v)
			      : d->field ? json_get_str(v, d->field, NULL) : "";
		if (!s) {
			char m[96];
			snprintf(m, sizeof m, "object has no string field \"%s\"", d->field);
			set_outcome(o, MU_EXIT_INVALID, "bad_input", m);
			jv_free(v);
			return false;
		}
		*text = d->field ? mu_xstrdup(s) : mu_xstrndup(line, len);
		if (jv_get_kind(v) == JV_KIND_OBJECT)
			*fields = v;
		else
			jv_free(v);
		return true;
	}
	/* bare text: trim surrounding blanks and a trailing CR */
	cli_trim_blanks(&line, &len);
	*text = mu_xstrndup(line, len);
	return true;
}

static int run_inputs(const driver *d, int argc, char **argv)
{
	int first_code = 0;
	if (argc > 0) {
		for (int i = 0; i < argc; i++) {
			outcome o = {0, "", ""};
			d->fn(argv[i], jv_null(), d->ctx, &o);
			if (o.code) {
				report_failure(d, true, (unsigned long)i + 1, &o);
				if (!first_code)
					first_code = o.code;
			}
		}
		return first_code;
	}
	line_reader r;
	line_reader_init(&r, 0, LINE_MAX_DEFAULT);
	bool any_failed = false;
	for (;;) {
		const char *line;
		size_t len;
		line_status st = line_read(&r, &line, &len);
		if (st == LINE_EOF)
			break;
		outcome o = {0, "", ""};
		if (st == LINE_IO) {
			line_reader_free(&r);
			die(MU_EXIT_INVALID, "reading stdin: %s", strerror(errno));
		}
		if (st == LINE_TOO_LONG) {
			set_outcome(&o, MU_EXIT_INVALID, "line_too_long", "line longer than 1 MiB, skipped");
		} else {
			char *text;
			jv fields;
			if (line_input(d, line, len, &text, &fields, &o))
				d->fn(text, fields, d->ctx, &o);
			free(text);
			jv_free(fields);
		}
		if (o.code) {
			report_failure(d, false, r.lineno, &o);
			any_failed = true;
		}
	}
	line_reader_free(&r);
	return any_failed ? MU_EXIT_PARTIAL : MU_EXIT_OK;
}

/* ---- option helpers ----------------------------------------------------- */

/* Digits only: no sign, no blank (cli_parse_u64 alone would take "+5"). */
static bool parse_u64_arg(const char *s, uint64_t *out)
{
	return s && *s != '+' && cli_parse_u64(s, UINT64_MAX, out);
}

static uint64_t u64_opt(const char *name, const char *s)
{
	uint64_t v;
	if (!parse_u64_arg(s, &v))
		die(MU_EXIT_USAGE, "--%s: not a non-negative integer: %s", name, s);
	return v;
}

static long timeout_ms_opt(const char *s)
{
	char *end;
	errno = 0;
	double secs = strtod(s, &end);
	if (errno || *end || !(secs > 0) || secs > 600)
		die(MU_EXIT_USAGE, "--timeout: seconds in (0, 600]: %s", s);
	return (long)(secs * 1000 + 0.5);
}

/* A u64 field of a line's JSON object, or the fallback. */
static bool line_u64(jv fields, const char *key, uint64_t *v, outcome *o)
{
	if (jv_get_kind(fields) != JV_KIND_OBJECT || !json_has(fields, key))
		return true;
	jv x = json_get(fields, key);
	bool ok = json_get_u64(x, v);
	jv_free(x);
	if (!ok) {
		char m[96];
		snprintf(m, sizeof m, "\"%s\" is not a non-negative integer", key);
		set_outcome(o, MU_EXIT_INVALID, "bad_input", m);
	}
	return ok;
}

static jv with_type(const char *type, const char *input_key, const char *input, jv fields)
{
	jv o = jv_object();
	o = jv_object_set(o, jv_string("type"), jv_string(type));
	o = jv_object_set(o, jv_string(input_key), jv_string(input));
	return jv_object_merge(o, fields);
}

static void bolt11_outcome(outcome *o, bolt11_err e, const char *detail)
{
	set_outcome(o, MU_EXIT_INVALID, bolt11_reason(e), detail && *detail ? detail : bolt11_strerror(e));
}

/* ---- decode ------------------------------------------------------------- */

static const char decode_usage[] =
	"Usage: mostro-ln decode [OPTIONS] [INVOICE...]\n"
	"Decode BOLT11 invoices (arguments, or one per stdin line) to JSON records\n"
	"{\"type\":\"invoice\",\"invoice\":...,<fields>} with the field names of the BOLT11\n"
	"test vectors. The signature is checked and the payee recovered.\n"
	"\n"
	"  -e, --errors          also write {\"type\":\"error\",...} records for bad inputs\n"
	"      --strict          refuse x, c and 9 fields with leading zero groups\n"
	"      --spec-features   do not require the payment_secret feature bit (14/15)\n"
	"  -h, --help            this text\n"
	"\n"
	"Exit: 0 ok, 2 usage, 4 an argument is not a valid invoice, 123 some stdin\n"
	"lines failed.\n";

typedef struct decode_ctx {
	unsigned flags;
} decode_ctx;

static void decode_one(const char *s, jv fields, void *vctx, outcome *o)
{
	(void)fields;
	decode_ctx *ctx = vctx;
	bolt11_invoice inv;
	char detail[200];
	bolt11_err e = bolt11_decode(&inv, s, strlen(s), ctx->flags, detail, sizeof detail);
	if (e) {
		bolt11_outcome(o, e, detail);
	} else {
		jv rec = with_type("invoice", "invoice", s, bolt11_to_jv(&inv));
		rec = jv_object_set(rec, jv_string("expires_at"), json_from_u64(bolt11_expires_at(&inv)));
		out_record(rec);
	}
	bolt11_free(&inv);
}

static int cmd_decode(int argc, char **argv)
{
	static const struct option opts[] = {
		{"errors", no_argument, NULL, 'e'},
		{"strict", no_argument, NULL, 's'},
		{"spec-features", no_argument, NULL, 'F'},
		{"help", no_argument, NULL, 'h'},
		{0, 0, 0, 0},
	};
	decode_ctx ctx = {0};
	driver d = {false, decode_one, &ctx, "invoice"};
	int c;
	while ((c = getopt_long(argc, argv, "eh", opts, NULL)) != -1) {
		switch (c) {
		case 'e': d.errors = true; break;
		case 's': ctx.flags |= BOLT11_REJECT_NON_MINIMAL; break;
		case 'F': ctx.flags |= BOLT11_SPEC_FEATURES; break;
		case 'h': fputs(decode_usage, stdout); return MU_EXIT_OK;
		default: fputs(decode_usage, stderr); return MU_EXIT_USAGE;
		}
	}
	return run_inputs(&d, argc - optind, argv + optind);
}

/* ---- lnurl (shared with validate's address probe) ----------------------- */

/* Failure class of an LNURL error: bad input, refused, unreachable, timeout. */
static int lnurl_exit(lnurl_err e)
{
	switch (e) {
	case LNURL_ERR_TARGET:
	case LNURL_ERR_URL:
	case LNURL_ERR_AMOUNT:
		return MU_EXIT_INVALID;
	case LNURL_ERR_DNS:
	case LNURL_ERR_TRANSPORT:
		return MU_EXIT_UNREACHABLE;
	case LNURL_ERR_TIMEOUT:
		return MU_EXIT_TIMEOUT;
	default:
		return MU_EXIT_REFUSED;
	}
}

static void lnurl_outcome(outcome *o, lnurl_err e, const char *detail)
{
	set_outcome(o, lnurl_exit(e), lnurl_reason(e), detail && *detail ? detail : lnurl_strerror(e));
}

static jv pay_jv(const lnurl_pay *p)
{
	jv o = jv_object();
	o = jv_object_set(o, jv_string("url"), jv_string(p->url));
	o = jv_object_set(o, jv_string("callback"), jv_string(p->callback));
	o = jv_object_set(o, jv_string("min_sendable_msat"), json_from_u64(p->min_sendable));
	o = jv_object_set(o, jv_string("max_sendable_msat"), json_from_u64(p->max_sendable));
	o = jv_object_set(o, jv_string("comment_allowed"), json_from_u64(p->comment_allowed));
	o = jv_object_set(o, jv_string("description"), p->description ? jv_string(p->description) : jv_null());
	o = jv_object_set(o, jv_string("metadata"),
			  p->metadata ? jv_string_sized(p->metadata, (int)p->metadata_len) : jv_null());
	return o;
}

static const char lnurl_usage[] =
	"Usage: mostro-ln lnurl [OPTIONS] [TARGET...]\n"
	"Resolve Lightning Addresses (user@domain) or LNURLs (lnurl1...), from the\n"
	"arguments or one per stdin line ({\"target\":...,\"amount_sat\":N,\"comment\":...}).\n"
	"Without --amount: fetch the pay document -> {\"type\":\"lnurl_pay\",...}.\n"
	"With --amount: also request an invoice and check it -> {\"type\":\"lnurl_invoice\",...}.\n"
	"Only https; private, loopback and link-local hosts are refused (see ENVIRONMENT\n"
	"in the man page for the test-only override).\n"
	"\n"
	"  -a, --amount SAT      request an invoice for SAT satoshis\n"
	"  -c, --comment TEXT    LUD-12 comment (sent only if the server allows its length)\n"
	"  -t, --timeout SECS    whole-request timeout per GET (default 4)\n"
	"  -e, --errors          also write {\"type\":\"error\",...} records for failures\n"
	"  -h, --help            this text\n"
	"\n"
	"Exit: 0 ok, 1 refused by the server or by policy, 2 usage, 3 unreachable,\n"
	"4 bad target, 123 some stdin lines failed, 124 timed out.\n";

typedef struct lnurl_ctx {
	lnurl_opts opts;
	bool has_amount;
	uint64_t amount_sat;
	const char *comment;
} lnurl_ctx;

static void lnurl_one(const char *target, jv fields, void *vctx, outcome *o)
{
	lnurl_ctx *ctx = vctx;
	bool has_amount = ctx->has_amount;
	uint64_t amount = ctx->amount_sat;
	const char *comment = ctx->comment;
	if (jv_get_kind(fields) == JV_KIND_OBJECT) {
		if (json_has(fields, "amount_sat"))
			has_amount = true;
		if (!line_u64(fields, "amount_sat", &amount, o))
			return;
		const char *c = json_get_str(fields, "comment", NULL);
		if (c)
			comment = c;
	}
	lnurl_pay pay;
	char detail[256];
	lnurl_err e = lnurl_fetch_pay(target, &ctx->opts, &pay, detail, sizeof detail);
	if (e) {
		lnurl_outcome(o, e, detail);
		lnurl_pay_free(&pay);
		return;
	}
	if (!has_amount) {
		out_record(with_type("lnurl_pay", "target", target, pay_jv(&pay)));
		lnurl_pay_free(&pay);
		return;
	}
	lnurl_invoice li;
	e = lnurl_fetch_invoice(&pay, amount, comment, &ctx->opts, &li, detail, sizeof detail);
	if (e) {
		lnurl_outcome(o, e, detail);
	} else {
		if (li.description_hash == 0)
			report("warning: %s: invoice description hash is not sha256(metadata) (LUD-06)", target);
		jv r = jv_object();
		r = jv_object_set(r, jv_string("amount_msat"), json_from_u64(amount * 1000));
		r = jv_object_set(r, jv_string("payment_request"), jv_string(li.pr));
		r = jv_object_set(r, jv_string("callback_url"), jv_string(li.callback_url));
		r = jv_object_set(r, jv_string("comment_sent"), jv_bool(li.comment_sent));
		r = jv_object_set(r, jv_string("description_hash_matches"),
				  li.description_hash < 0 ? jv_null() : jv_bool(li.description_hash == 1));
		out_record(with_type("lnurl_invoice", "target", target, r));
	}
	lnurl_invoice_free(&li);
	lnurl_pay_free(&pay);
}

static int cmd_lnurl(int argc, char **argv)
{
	static const struct option opts[] = {
		{"amount", required_argument, NULL, 'a'},
		{"comment", required_argument, NULL, 'c'},
		{"timeout", required_argument, NULL, 't'},
		{"errors", no_argument, NULL, 'e'},
		{"help", no_argument, NULL, 'h'},
		{0, 0, 0, 0},
	};
	lnurl_ctx ctx = {.has_amount = false};
	lnurl_opts_defaults(&ctx.opts);
	lnurl_opts_test_override(&ctx.opts);
	driver d = {false, lnurl_one, &ctx, "target"};
	int c;
	while ((c = getopt_long(argc, argv, "a:c:t:eh", opts, NULL)) != -1) {
		switch (c) {
		case 'a': ctx.has_amount = true; ctx.amount_sat = u64_opt("amount", optarg); break;
		case 'c': ctx.comment = optarg; break;
		case 't': ctx.opts.timeout_ms = timeout_ms_opt(optarg); break;
		case 'e': d.errors = true; break;
		case 'h': fputs(lnurl_usage, stdout); return MU_EXIT_OK;
		default: fputs(lnurl_usage, stderr); return MU_EXIT_USAGE;
		}
	}
	if (ctx.opts.connect_timeout_ms > ctx.opts.timeout_ms)
		ctx.opts.connect_timeout_ms = ctx.opts.timeout_ms;
	return run_inputs(&d, argc - optind, argv + optind);
}

/* ---- validate ----------------------------------------------------------- */

static const char validate_usage[] =
	"Usage: mostro-ln validate [OPTIONS] [INVOICE...]\n"
	"Decode BOLT11 invoices and apply Mostro's payout invoice rules. Inputs are\n"
	"arguments or stdin lines ({\"invoice\":...,\"amount_sat\":N,\"fee_sat\":N}).\n"
	"A Lightning Address or LNURL is probed instead (pay document, tag\n"
	"payRequest), as mostrod does, in buyer mode.\n"
	"Valid -> {\"type\":\"valid\",...}; otherwise the rule broken, with its reason.\n"
	"\n"
	"  -a, --amount SAT        order amount; the invoice must be for amount - fee\n"
	"  -f, --fee SAT           Mostro fee (default 0)\n"
	"  -n, --network NET       the node's network: mainnet testnet signet regtest\n"
	"                          simnet (testnet4 and unknown: not checked)\n"
	"  -w, --window SECS       invoice_expiration_window (default 3600)\n"
	"      --max-cltv BLOCKS   max_final_cltv_expiry_delta (default 432)\n"
	"      --min-amount SAT    min_payment_amount (default 100)\n"
	"      --payout            payout mode: network, CLTV and expiry only\n"
	"      --mostrod-compat    accept sub-satoshi and lnbc0 amounts as mostrod does\n"
	"      --now UNIX          the current time (default: the clock)\n"
	"  -t, --timeout SECS      LNURL probe timeout (default 4)\n"
	"  -e, --errors            also write {\"type\":\"error\",...} records\n"
	"  -h, --help              this text\n"
	"\n"
	"Exit: 0 valid, 1 a rule refused it (or the LNURL probe failed), 2 usage,\n"
	"3 LNURL host unreachable, 4 not an invoice, 123 some stdin lines failed,\n"
	"124 LNURL probe timed out.\n";

typedef struct validate_ctx {
	invoice_rules rules;
	invoice_mode mode;
	invoice_expect expect;
	uint64_t now;
	lnurl_opts lnopts;
} validate_ctx;

static void validate_lnurl(const char *target, validate_ctx *ctx, outcome *o)
{
	lnurl_pay pay;
	char detail[256];
	lnurl_err e = lnurl_fetch_pay(target, &ctx->lnopts, &pay, detail, sizeof detail);
	if (e) {
		lnurl_outcome(o, e, detail);
	} else {
		jv r = jv_object();
		r = jv_object_set(r, jv_string("kind"), jv_string("lnurl"));
		r = jv_object_set(r, jv_string("url"), jv_string(pay.url));
		r = jv_object_set(r, jv_string("min_sendable_msat"), json_from_u64(pay.min_sendable));
		r = jv_object_set(r, jv_string("max_sendable_msat"), json_from_u64(pay.max_sendable));
		out_record(with_type("valid", "invoice", target, r));
	}
	lnurl_pay_free(&pay);
}

static void validate_one(const char *s, jv fields, void *vctx, outcome *o)
{
	validate_ctx *ctx = vctx;
	invoice_expect ex = ctx->expect;
	if (jv_get_kind(fields) == JV_KIND_OBJECT) {
		if (json_has(fields, "amount_sat"))
			ex.has_amount = true;
		if (!line_u64(fields, "amount_sat", &ex.amount_sat, o) ||
		    !line_u64(fields, "fee_sat", &ex.fee_sat, o))
			return;
	}
	if (ctx->mode == INVOICE_MODE_BUYER && lnurl_is_target(s)) {
		validate_lnurl(s, ctx, o);
		return;
	}
	bolt11_invoice inv;
	char detail[200];
	bolt11_err e = bolt11_decode(&inv, s, strlen(s), 0, detail, sizeof detail);
	if (e) {
		bolt11_outcome(o, e, detail);
		bolt11_free(&inv);
		return;
	}
	invoice_rule r = invoice_check(&ctx->rules, ctx->mode, &inv, &ex, ctx->now);
	if (r) {
		set_outcome(o, MU_EXIT_REFUSED, invoice_rule_reason(r), invoice_rule_strerror(r));
	} else {
		jv v = jv_object();
		v = jv_object_set(v, jv_string("kind"), jv_string("bolt11"));
		v = jv_object_set(v, jv_string("mode"), jv_string(ctx->mode == INVOICE_MODE_BUYER ? "buyer" : "payout"));
		v = jv_object_set(v, jv_string("network"), jv_string(bolt11_network_name(inv.network)));
		v = jv_object_set(v, jv_string("amount_msat"), inv.has_amount ? json_from_u64(inv.amount_msat) : jv_null());
		char h[65];
		hex_encode(h, inv.payment_hash, 32);
		v = jv_object_set(v, jv_string("payment_hash"), jv_string(h));
		v = jv_object_set(v, jv_string("expires_at"), json_from_u64(bolt11_expires_at(&inv)));
		v = jv_object_set(v, jv_string("min_final_cltv_expiry"), json_from_u64(inv.min_final_cltv_expiry));
		out_record(with_type("valid", "invoice", s, v));
	}
	bolt11_free(&inv);
}

static bolt11_network network_opt(const char *s)
{
	bolt11_network n = bolt11_network_from_name(s);
	if (n == BOLT11_NET_UNKNOWN && strcmp(s, "testnet4") != 0 && strcmp(s, "unknown") != 0)
		die(MU_EXIT_USAGE, "--network: one of mainnet testnet signet regtest simnet testnet4 unknown: %s", s);
	return n;
}

static int cmd_validate(int argc, char **argv)
{
	enum { O_MAX_CLTV = 256, O_MIN_AMOUNT, O_PAYOUT, O_COMPAT, O_NOW };
	static const struct option opts[] = {
		{"amount", required_argument, NULL, 'a'},
		{"fee", required_argument, NULL, 'f'},
		{"network", required_argument, NULL, 'n'},
		{"window", required_argument, NULL, 'w'},
		{"max-cltv", required_argument, NULL, O_MAX_CLTV},
		{"min-amount", required_argument, NULL, O_MIN_AMOUNT},
		{"payout", no_argument, NULL, O_PAYOUT},
		{"mostrod-compat", no_argument, NULL, O_COMPAT},
		{"now", required_argument, NULL, O_NOW},
		{"timeout", required_argument, NULL, 't'},
		{"errors", no_argument, NULL, 'e'},
		{"help", no_argument, NULL, 'h'},
		{0, 0, 0, 0},
	};
	validate_ctx ctx;
	memset(&ctx, 0, sizeof ctx);
	invoice_rules_defaults(&ctx.rules);
	lnurl_opts_defaults(&ctx.lnopts);
	lnurl_opts_test_override(&ctx.lnopts);
	ctx.mode = INVOICE_MODE_BUYER;
	ctx.now = (uint64_t)time(NULL);
	driver d = {false, validate_one, &ctx, "invoice"};
	int c;
	while ((c = getopt_long(argc, argv, "a:f:n:w:t:eh", opts, NULL)) != -1) {
		switch (c) {
		case 'a': ctx.expect.has_amount = true; ctx.expect.amount_sat = u64_opt("amount", optarg); break;
		case 'f': ctx.expect.fee_sat = u64_opt("fee", optarg); break;
		case 'n': ctx.rules.node_network = network_opt(optarg); break;
		case 'w': ctx.rules.invoice_expiration_window = u64_opt("window", optarg); break;
		case O_MAX_CLTV: ctx.rules.max_final_cltv_expiry_delta = u64_opt("max-cltv", optarg); break;
		case O_MIN_AMOUNT: ctx.rules.min_payment_amount = u64_opt("min-amount", optarg); break;
		case O_PAYOUT: ctx.mode = INVOICE_MODE_PAYOUT; break;
		case O_COMPAT: ctx.rules.mostrod_compat = true; break;
		case O_NOW: ctx.now = u64_opt("now", optarg); break;
		case 't': ctx.lnopts.timeout_ms = timeout_ms_opt(optarg); break;
		case 'e': d.errors = true; break;
		case 'h': fputs(validate_usage, stdout); return MU_EXIT_OK;
		default: fputs(validate_usage, stderr); return MU_EXIT_USAGE;
		}
	}
	if (ctx.lnopts.connect_timeout_ms > ctx.lnopts.timeout_ms)
		ctx.lnopts.connect_timeout_ms = ctx.lnopts.timeout_ms;
	return run_inputs(&d, argc - optind, argv + optind);
}

/* ---- encode ------------------------------------------------------------- */

static const char encode_usage[] =
	"Usage: mostro-ln encode [--key-file F | --key-fd N] [OPTIONS] [FIELDS...]\n"
	"Sign BOLT11 invoices. Each input (argument or stdin line) is a JSON object\n"
	"with the field names of `mostro-ln decode` (so a decoded invoice can be\n"
	"signed again): network, payment_hash and description or description_hash\n"
	"are required; amount_msat, timestamp (default now), payment_secret, expiry,\n"
	"min_final_cltv_expiry, features, fallbacks, route_hints, metadata and\n"
	"payee_pubkey_field (not null: write an n field) are optional.\n"
	"Output: the decode record of the new invoice.\n"
	"The key comes from --key-file (mode 0600), --key-fd, $MOSTRO_SECRET_KEY or\n"
	"$NOSTR_SECRET_KEY (64 hex digits or nsec), never from the command line.\n"
	"\n"
	"  -k, --key-file F      secret key file (\"-\" = stdin, then FIELDS are arguments)\n"
	"      --key-fd N        read the secret key from descriptor N\n"
	"      --now UNIX        default timestamp (default: the clock)\n"
	"  -e, --errors          also write {\"type\":\"error\",...} records\n"
	"  -h, --help            this text\n"
	"\n"
	"Exit: 0 ok, 2 usage, 4 an argument is not a usable field set, 5 no usable\n"
	"key, 123 some stdin lines failed.\n";

typedef struct encode_ctx {
	mu_key key;
	uint64_t now;
} encode_ctx;

static void encode_one(const char *s, jv fields, void *vctx, outcome *o)
{
	encode_ctx *ctx = vctx;
	jv obj = jv_get_kind(fields) == JV_KIND_OBJECT ? jv_copy(fields) : json_parse(s, strlen(s), JSON_EXACT_NUMBERS, NULL);
	bolt11_invoice inv, back;
	char detail[200];
	bolt11_err e = bolt11_from_jv(&inv, obj, ctx->now, detail, sizeof detail);
	jv_free(obj);
	buf out = BUF_INIT;
	if (!e && (e = bolt11_encode(&out, &inv, ctx->key.sk)) != BOLT11_OK)
		snprintf(detail, sizeof detail, "%s", bolt11_strerror(e));
	if (!e) {
		e = bolt11_decode(&back, out.p, out.len, BOLT11_SPEC_FEATURES, detail, sizeof detail);
		if (!e)
			out_record(with_type("invoice", "invoice", out.p, bolt11_to_jv(&back)));
		bolt11_free(&back);
	}
	if (e)
		bolt11_outcome(o, e, detail);
	buf_free(&out);
	bolt11_free(&inv);
}

static int cmd_encode(int argc, char **argv)
{
	enum { O_KEY_FD = 256, O_NOW };
	static const struct option opts[] = {
		{"key-file", required_argument, NULL, 'k'},
		{"key-fd", required_argument, NULL, O_KEY_FD},
		{"now", required_argument, NULL, O_NOW},
		{"errors", no_argument, NULL, 'e'},
		{"help", no_argument, NULL, 'h'},
		{0, 0, 0, 0},
	};
	encode_ctx ctx;
	memset(&ctx, 0, sizeof ctx);
	ctx.now = (uint64_t)time(NULL);
	const char *key_file = NULL;
	int key_fd = -1;
	driver d = {false, encode_one, &ctx, NULL};
	int c;
	while ((c = getopt_long(argc, argv, "k:eh", opts, NULL)) != -1) {
		switch (c) {
		case 'k': key_file = optarg; break;
		case O_KEY_FD: {
			uint64_t v = u64_opt("key-fd", optarg);
			if (v > 1 << 20)
				die(MU_EXIT_USAGE, "--key-fd: not a descriptor: %s", optarg);
			key_fd = (int)v;
			break;
		}
		case O_NOW: ctx.now = u64_opt("now", optarg); break;
		case 'e': d.errors = true; break;
		case 'h': fputs(encode_usage, stdout); return MU_EXIT_OK;
		default: fputs(encode_usage, stderr); return MU_EXIT_USAGE;
		}
	}
	if (key_file && strcmp(key_file, "-") == 0 && optind == argc)
		die(MU_EXIT_USAGE, "--key-file -: the fields must then be arguments");
	const cli_secret src = { NULL, "key", key_file, key_fd, CLI_KEY_HINT, MU_EXIT_CONFIG };
	cli_load_key(&src, &ctx.key);
	int rc = run_inputs(&d, argc - optind, argv + optind);
	key_wipe(&ctx.key);
	return rc;
}

/* ---- run: the coprocess ------------------------------------------------ */

static void usage_run(FILE *f)
{
	fprintf(f,
		"Usage: mostro-ln run [OPTIONS]\n"
		"The coprocess the daemon talks to: one JSON request per stdin line\n"
		"({\"id\":..,\"op\":..,...}), ln_result / ln_event records on stdout. Requests run\n"
		"concurrently and are answered by id. See RUN PROTOCOL in mostro-ln(1).\n"
		"\n"
		"backend:\n"
		"  -b, --backend sim|lnd       default sim, the SIMULATED node ($MOSTRO_LN_BACKEND)\n"
		"      --sim-db FILE           the simulated node's database ($MOSTRO_LN_SIM_DB,\n"
		"                              default $XDG_DATA_HOME/mostro/ln-sim.db)\n"
		"      --sim-poll-ms MS        how often streams look for changes (20)\n"
		"      --lnd-url URL           LND REST address ($MOSTRO_LND_URL, https://127.0.0.1:8080)\n"
		"      --lnd-cert FILE         LND's tls.cert, the only trusted CA ($MOSTRO_LND_CERT)\n"
		"      --lnd-macaroon FILE     macaroon file ($MOSTRO_LND_MACAROON)\n"
		"      --request-timeout MS    bound on unary LND calls (30000)\n"
		"rules:\n"
		"      --max-routing-fee F     fee cap fraction above 1000 sat (0.002)\n"
		"      --hold-cltv N           default cltv_expiry of hold invoices (144)\n"
		"      --invoice-window SECS   invoice_expiration_window for validate_invoice (3600)\n"
		"      --max-cltv N            max_final_cltv_expiry_delta (432)\n"
		"      --min-amount SAT        min_payment_amount (100)\n"
		"shutdown:\n"
		"      --drain-timeout MS      after EOF/SIGTERM, wait this long for running ops (10000)\n"
		"  -h, --help                  this text\n"
		"\n"
		"Exit: 0 ok, 2 usage, 5 bad configuration, 123 some request lines were refused.\n"
		"ops: ");
	for (const char *const *p = ln_op_names; *p; p++)
		fprintf(f, "%s%s", *p, p[1] ? ", " : "\n");
}

static int sigpipe_fds[2] = {-1, -1};

static void on_signal(int sig)
{
	int saved = errno;
	char c = (char)sig;
	if (write(sigpipe_fds[1], &c, 1) < 0) {
		/* nothing to do: the loop notices the next signal */
	}
	errno = saved;
}

typedef struct run_state {
	evloop      *loop;
	ln_ops      *ops;
	outq        *out;
	line_reader  in;
	bool         input_done;
	int          signals;
} run_state;

static void emit_record(void *ctx, jv rec)
{
	run_state *st = ctx;
	outq_push_record(st->out, rec);
}

static void on_stdin(int fd, short revents, void *arg)
{
	run_state *st = arg;
	(void)revents;
	long n = line_fill(&st->in);
	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	if (n < 0)
		report("stdin: %s", strerror(errno));
	const char *line;
	size_t len;
	line_status ls;
	while ((ls = line_next(&st->in, &line, &len)) == LINE_OK || ls == LINE_TOO_LONG) {
		if (ls == LINE_TOO_LONG) {
			ln_ops_bad_line(st->ops, st->in.lineno, "line too long; skipped");
			continue;
		}
		ln_ops_line(st->ops, line, len, st->in.lineno);
	}
	if (n <= 0) {
		st->input_done = true;
		evloop_unwatch(st->loop, fd);
	}
}

static void on_signal_pipe(int fd, short revents, void *arg)
{
	run_state *st = arg;
	char sigs[16];
	(void)revents;
	ssize_t n = read(fd, sigs, sizeof sigs);
	if (n > 0)
		st->signals += (int)n;
}

static double parse_double(const char *opt, const char *s)
{
	char *end;
	errno = 0;
	double d = strtod(s, &end);
	if (errno || end == s || *end)
		die(MU_EXIT_USAGE, "%s: not a number: %s", opt, s);
	return d;
}

static unsigned long long parse_uint(const char *opt, const char *s, unsigned long long max)
{
	uint64_t v;
	if (!cli_parse_u64(s, max, &v))
		die(MU_EXIT_USAGE, "%s: expected an integer up to %llu: %s", opt, max, s);
	return v;
}

static const char *env_or(const char *name, const char *dflt)
{
	const char *v = getenv(name);
	return v && *v ? v : dflt;
}

/* --sim-db, $MOSTRO_LN_SIM_DB, or $XDG_DATA_HOME/mostro/ln-sim.db (the
 * directory is created 0700). The result is static or the argument. */
static const char *sim_db_path(const char *given)
{
	static char path[4096];
	if (given)
		return given;
	const char *env = env_or("MOSTRO_LN_SIM_DB", NULL);
	if (env)
		return env;
	const char *xdg = env_or("XDG_DATA_HOME", NULL), *home = env_or("HOME", NULL);
	char dir[4000];
	if (xdg)
		snprintf(dir, sizeof dir, "%s", xdg);
	else if (home)
		snprintf(dir, sizeof dir, "%s/.local/share", home);
	else
		die(MU_EXIT_CONFIG, "no --sim-db, $MOSTRO_LN_SIM_DB, $XDG_DATA_HOME or $HOME");
	mkdir(dir, 0700);
	snprintf(path, sizeof path, "%s/mostro", dir);
	if (mkdir(path, 0700) != 0 && errno != EEXIST)
		die(MU_EXIT_CONFIG, "%s: %s", path, strerror(errno));
	snprintf(path + strlen(path), sizeof path - strlen(path), "/ln-sim.db");
	return path;
}

static ln_backend *open_backend(evloop *loop, const char *backend, const ln_lnd_config *lc,
				const ln_sim_config *sc)
{
	char msg[512];
	if (strcmp(backend, "lnd") == 0) {
		ln_lnd_err e;
		ln_backend *b = ln_lnd_new(loop, lc, &e, msg, sizeof msg);
		if (!b)
			die(MU_EXIT_CONFIG, "%s", msg);
		return b;
	}
	if (strcmp(backend, "sim") == 0) {
		ln_backend *b = ln_sim_new(loop, sc, msg, sizeof msg);
		if (!b)
			die(MU_EXIT_CONFIG, "%s", msg);
		return b;
	}
	die(MU_EXIT_USAGE, "--backend: expected lnd or sim, got \"%s\"", backend);
}

static int run_loop(run_state *st, long drain_ms)
{
	uint64_t deadline = 0;
	bool draining = false;
	for (;;) {
		int wait = -1;
		if (draining) {
			uint64_t now = ev_now_ms();
			if (ln_ops_active(st->ops) == 0)
				break;
			if (now >= deadline || st->signals > 1) {
				ln_ops_abandon(st->ops);
				break;
			}
			wait = (int)(deadline - now);
		}
		evloop_run_once(st->loop, wait);
		if (outq_failed(st->out)) {
			report("stdout closed; stopping");
			return MU_EXIT_OK;
		}
		if (!draining && (st->input_done || st->signals)) {
			draining = true;
			deadline = ev_now_ms() + (uint64_t)drain_ms;
			if (!st->input_done)
				evloop_unwatch(st->loop, STDIN_FILENO);
			ln_ops_shutdown(st->ops);
		}
	}
	return ln_ops_failed_lines(st->ops) ? MU_EXIT_PARTIAL : MU_EXIT_OK;
}

static int cmd_run(int argc, char **argv)
{
	enum { O_SIM_DB = 256, O_POLL, O_URL, O_CERT, O_MAC, O_REQ_TIMEOUT, O_FEE, O_HOLD_CLTV,
	       O_WINDOW, O_MAX_CLTV, O_MIN_AMOUNT, O_DRAIN };
	static const struct option opts[] = {
		{"backend", required_argument, NULL, 'b'},
		{"sim-db", required_argument, NULL, O_SIM_DB},
		{"sim-poll-ms", required_argument, NULL, O_POLL},
		{"lnd-url", required_argument, NULL, O_URL},
		{"lnd-cert", required_argument, NULL, O_CERT},
		{"lnd-macaroon", required_argument, NULL, O_MAC},
		{"request-timeout", required_argument, NULL, O_REQ_TIMEOUT},
		{"max-routing-fee", required_argument, NULL, O_FEE},
		{"hold-cltv", required_argument, NULL, O_HOLD_CLTV},
		{"invoice-window", required_argument, NULL, O_WINDOW},
		{"max-cltv", required_argument, NULL, O_MAX_CLTV},
		{"min-amount", required_argument, NULL, O_MIN_AMOUNT},
		{"drain-timeout", required_argument, NULL, O_DRAIN},
		{"help", no_argument, NULL, 'h'},
		{0, 0, 0, 0},
	};
	const char *backend = env_or("MOSTRO_LN_BACKEND", "sim");
	const char *sim_db_arg = NULL;
	ln_lnd_config lc = {
		.url = env_or("MOSTRO_LND_URL", "https://127.0.0.1:8080"),
		.cert_file = env_or("MOSTRO_LND_CERT", NULL),
		.macaroon_file = env_or("MOSTRO_LND_MACAROON", NULL),
	};
	ln_sim_config sc = {NULL, 0};
	ln_ops_config oc;
	ln_ops_config_defaults(&oc);
	long drain_ms = 10000;
	int ch;
	while ((ch = getopt_long(argc, argv, "b:h", opts, NULL)) != -1) {
		switch (ch) {
		case 'b': backend = optarg; break;
		case O_SIM_DB: sim_db_arg = optarg; break;
		case O_POLL: sc.poll_ms = (uint32_t)parse_uint("--sim-poll-ms", optarg, 60000); break;
		case O_URL: lc.url = optarg; break;
		case O_CERT: lc.cert_file = optarg; break;
		case O_MAC: lc.macaroon_file = optarg; break;
		case O_REQ_TIMEOUT: lc.request_timeout_ms = (long)parse_uint("--request-timeout", optarg, 3600000); break;
		case O_FEE:
			oc.max_routing_fee = parse_double("--max-routing-fee", optarg);
			if (!ln_max_routing_fee_valid(oc.max_routing_fee))
				die(MU_EXIT_USAGE, "--max-routing-fee: expected a fraction between 0 and 1");
			break;
		case O_HOLD_CLTV:
			oc.hold_cltv_delta = (uint32_t)parse_uint("--hold-cltv", optarg, 65535);
			if (oc.hold_cltv_delta < 24)
				die(MU_EXIT_USAGE, "--hold-cltv: LND accepts 24..65535");
			break;
		case O_WINDOW: oc.invoice_expiration_window = parse_uint("--invoice-window", optarg, 31536000); break;
		case O_MAX_CLTV: oc.max_final_cltv_expiry_delta = (uint32_t)parse_uint("--max-cltv", optarg, 65535); break;
		case O_MIN_AMOUNT: oc.min_payment_amount = parse_uint("--min-amount", optarg, UINT64_MAX / 1000); break;
		case O_DRAIN: drain_ms = (long)parse_uint("--drain-timeout", optarg, 3600000); break;
		case 'h': usage_run(stdout); return MU_EXIT_OK;
		default: usage_run(stderr); return MU_EXIT_USAGE;
		}
	}
	if (optind < argc) {
		report("run: unexpected argument \"%s\"", argv[optind]);
		usage_run(stderr);
		return MU_EXIT_USAGE;
	}
	if (strcmp(backend, "sim") != 0 && strcmp(backend, "lnd") != 0)
		die(MU_EXIT_USAGE, "--backend: expected lnd or sim, got \"%s\"", backend);
	if (strcmp(backend, "sim") == 0)
		sc.db_path = sim_db_path(sim_db_arg);

	signal(SIGPIPE, SIG_IGN);
	if (pipe(sigpipe_fds) != 0)
		die(MU_EXIT_CONFIG, "pipe: %s", strerror(errno));
	fcntl(sigpipe_fds[0], F_SETFL, O_NONBLOCK);
	fcntl(sigpipe_fds[1], F_SETFL, O_NONBLOCK);
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_signal;
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);

	run_state st;
	memset(&st, 0, sizeof st);
	st.loop = evloop_new();
	ln_backend *b = open_backend(st.loop, backend, &lc, &sc);
	st.out = outq_open(STDOUT_FILENO);
	if (!st.out)
		die(MU_EXIT_CONFIG, "cannot start the output thread");
	st.ops = ln_ops_new(b, &oc, emit_record, &st);
	line_reader_init(&st.in, STDIN_FILENO, 0);
	evloop_watch(st.loop, STDIN_FILENO, POLLIN, on_stdin, &st);
	evloop_watch(st.loop, sigpipe_fds[0], POLLIN, on_signal_pipe, &st);

	int rc = run_loop(&st, drain_ms);

	ln_ops_free(st.ops);
	ln_backend_destroy(b);
	evloop_free(st.loop);
	line_reader_free(&st.in);
	outq_close(st.out);           /* a reader that left needs nothing more */
	close(sigpipe_fds[0]);
	close(sigpipe_fds[1]);
	return rc;
}

/* ---- sim: control the simulated node ------------------------------------ */

static const char sim_usage[] =
	"Usage: mostro-ln sim [--sim-db FILE] COMMAND [OPTIONS] [ARGS]\n"
	"Drive the SIMULATED Lightning node that `mostro-ln run --backend sim` uses\n"
	"(for demos and tests; no real node, no real money). Processes share the\n"
	"database safely; a running `run` sees changes within --sim-poll-ms.\n"
	"\n"
	"Commands (each prints one JSON record):\n"
	"  init [--network NET] [--height N] [--alias A]   create or reconfigure the node\n"
	"  state                                  everything: node, wallets, invoices, payments\n"
	"  pay-hold HASH [--wallet W] [--amount-msat N]    a wallet pays the node's hold\n"
	"                                         invoice: OPEN -> ACCEPTED (the seller pays)\n"
	"  pay INVOICE [--wallet W] [--amount SAT]           a wallet pays any sim invoice\n"
	"  invoice [--amount SAT] [--wallet W] [--memo M] [--expiry S] [--cltv N]\n"
	"          [--timestamp T]                a wallet's invoice for the node to pay\n"
	"  mine [N]                               N blocks (default 1); held invoices near\n"
	"                                         their HTLC expiry are canceled\n"
	"  clock [--fixed T | --wall] [--advance S]  the node's clock\n"
	"  script --outcome O [--match HASH|default] [--times N] [--delay MS]\n"
	"                                         how the node's next payments end:\n"
	"                                         succeed, fail:REASON, hang,\n"
	"                                         initiated_then_succeed, error:CODE:MESSAGE\n"
	"  resolve HASH --outcome succeed|fail:REASON   end a hanging payment\n"
	"  wallet NAME [--balance SAT]            create or fund a wallet\n"
	"\n"
	"Wallets are created on first use with 1 BTC; pay/pay-hold default to wallet\n"
	"\"seller\", invoice to \"buyer\". REASON: TIMEOUT NO_ROUTE ERROR\n"
	"INCORRECT_PAYMENT_DETAILS INSUFFICIENT_BALANCE CANCELED.\n"
	"\n"
	"Exit: 0 ok, 1 refused (unknown hash, wrong state), 2 usage, 4 invalid input,\n"
	"5 the database cannot be opened.\n";

typedef struct sim_args {
	const char *db;
	const char *wallet, *memo, *match, *outcome, *network, *alias;
	bool has_amount, has_balance, fixed_set, wall;
	uint64_t amount, amount_msat, expiry, cltv, timestamp, height, balance, delay, fixed;
	int64_t times, advance;
} sim_args;

static int sim_exit(const ln_error *e)
{
	switch (e->kind) {
	case LN_ERR_INVALID_REQUEST:
	case LN_ERR_INVALID_INVOICE:
	case LN_ERR_WRONG_AMOUNT:
		return MU_EXIT_INVALID;
	case LN_ERR_INTERNAL:
		return MU_EXIT_CONFIG;
	default:
		return MU_EXIT_REFUSED;
	}
}

static int sim_done(const char *cmd, bool ok, jv out, const ln_error *e)
{
	if (!ok) {
		report("sim %s: %s", cmd, e->message);
		return sim_exit(e);
	}
	out_record(out);
	return MU_EXIT_OK;
}

static void sim_hash_arg(const char *s, uint8_t h[32])
{
	if (!hex_decode(h, 32, s, strlen(s), false))
		die(MU_EXIT_INVALID, "not a payment hash (64 hex digits): %s", s);
}

static int sim_command(sim_db *d, const char *cmd, sim_args *a, int argc, char **argv)
{
	jv out = jv_invalid();
	ln_error e;
	bool ok;
	uint8_t h[32];
	if (!strcmp(cmd, "init")) {
		ok = simdb_configure(d, a->network, a->height, a->alias, &e) && simdb_get_info(d, &out, &e);
		if (ok)
			out = jv_object_merge(jv_object_set(jv_object(), jv_string("type"), jv_string("sim_node")), out);
		return sim_done(cmd, ok, out, &e);
	}
	if (!strcmp(cmd, "state"))
		return sim_done(cmd, simdb_state(d, &out, &e), out, &e);
	if (!strcmp(cmd, "pay-hold")) {
		if (argc != 1)
			die(MU_EXIT_USAGE, "sim pay-hold HASH");
		sim_hash_arg(argv[0], h);
		return sim_done(cmd, simdb_pay_hold(d, h, a->wallet ? a->wallet : "seller", a->amount_msat, &out, &e), out, &e);
	}
	if (!strcmp(cmd, "pay")) {
		if (argc != 1)
			die(MU_EXIT_USAGE, "sim pay INVOICE");
		return sim_done(cmd, simdb_wallet_pay(d, argv[0], a->wallet ? a->wallet : "seller",
						      a->has_amount ? a->amount : 0, &out, &e), out, &e);
	}
	if (!strcmp(cmd, "invoice"))
		return sim_done(cmd, simdb_wallet_invoice(d, a->wallet ? a->wallet : "buyer", a->has_amount,
							  a->amount * 1000, a->memo ? a->memo : "",
							  a->expiry ? a->expiry : 86400, (uint32_t)(a->cltv ? a->cltv : 40),
							  a->timestamp, &out, &e), out, &e);
	if (!strcmp(cmd, "mine")) {
		uint64_t n = argc ? parse_uint("mine", argv[0], 100000) : 1;
		return sim_done(cmd, simdb_mine(d, (uint32_t)n, &out, &e), out, &e);
	}
	if (!strcmp(cmd, "clock"))
		return sim_done(cmd, simdb_clock(d, a->fixed_set || a->wall, a->wall ? -1 : (int64_t)a->fixed,
						 a->advance, &out, &e), out, &e);
	if (!strcmp(cmd, "script")) {
		if (!a->outcome)
			die(MU_EXIT_USAGE, "sim script --outcome O [--match HASH|default] [--times N] [--delay MS]");
		ok = simdb_script(d, a->match ? a->match : "default", a->outcome, a->times, a->delay, &e);
		if (ok) {
			out = jv_object_set(jv_object(), jv_string("type"), jv_string("sim_script"));
			out = jv_object_set(out, jv_string("match"), jv_string(a->match ? a->match : "default"));
			out = jv_object_set(out, jv_string("outcome"), jv_string(a->outcome));
			out = jv_object_set(out, jv_string("times"), a->times < 0 ? jv_null() : json_from_i64(a->times));
			out = jv_object_set(out, jv_string("delay_ms"), json_from_u64(a->delay));
		}
		return sim_done(cmd, ok, out, &e);
	}
	if (!strcmp(cmd, "resolve")) {
		if (argc != 1 || !a->outcome)
			die(MU_EXIT_USAGE, "sim resolve HASH --outcome succeed|fail:REASON");
		sim_hash_arg(argv[0], h);
		ok = simdb_resolve(d, h, a->outcome, &e) && simdb_payment_event(d, h, &out);
		if (ok)
			out = jv_object_merge(jv_object_set(jv_object(), jv_string("type"), jv_string("sim_payment")), out);
		return sim_done(cmd, ok, out, &e);
	}
	if (!strcmp(cmd, "wallet")) {
		if (argc != 1)
			die(MU_EXIT_USAGE, "sim wallet NAME [--balance SAT]");
		return sim_done(cmd, simdb_wallet(d, argv[0], a->has_balance, a->balance * 1000, &out, &e), out, &e);
	}
	report("sim: unknown command \"%s\"", cmd);
	fputs(sim_usage, stderr);
	return MU_EXIT_USAGE;
}

static int cmd_sim(int argc, char **argv)
{
	enum { O_DB = 256, O_AMOUNT_MSAT, O_FIXED, O_WALL, O_ADVANCE };
	static const struct option opts[] = {
		{"sim-db", required_argument, NULL, O_DB},
		{"wallet", required_argument, NULL, 'w'},
		{"amount", required_argument, NULL, 'a'},
		{"amount-msat", required_argument, NULL, O_AMOUNT_MSAT},
		{"memo", required_argument, NULL, 'm'},
		{"expiry", required_argument, NULL, 'x'},
		{"cltv", required_argument, NULL, 'c'},
		{"timestamp", required_argument, NULL, 'T'},
		{"network", required_argument, NULL, 'n'},
		{"height", required_argument, NULL, 'H'},
		{"alias", required_argument, NULL, 'A'},
		{"balance", required_argument, NULL, 'B'},
		{"match", required_argument, NULL, 'M'},
		{"outcome", required_argument, NULL, 'o'},
		{"times", required_argument, NULL, 't'},
		{"delay", required_argument, NULL, 'd'},
		{"fixed", required_argument, NULL, O_FIXED},
		{"wall", no_argument, NULL, O_WALL},
		{"advance", required_argument, NULL, O_ADVANCE},
		{"help", no_argument, NULL, 'h'},
		{0, 0, 0, 0},
	};
	sim_args a;
	memset(&a, 0, sizeof a);
	a.times = -1;
	/* options may come before or after the command word */
	const char *cmd = NULL;
	char **rest = mu_xmalloc((size_t)argc * sizeof *rest);
	int nrest = 0, ch;
	while (optind < argc) {
		ch = getopt_long(argc, argv, "-w:a:m:x:c:T:n:H:A:B:M:o:t:d:h", opts, NULL);
		if (ch == -1)
			break;
		switch (ch) {
		case 1:
			if (!cmd)
				cmd = optarg;
			else
				rest[nrest++] = optarg;
			break;
		case O_DB: a.db = optarg; break;
		case 'w': a.wallet = optarg; break;
		case 'a': a.has_amount = true; a.amount = parse_uint("--amount", optarg, UINT64_MAX / 1000); break;
		case O_AMOUNT_MSAT: a.amount_msat = parse_uint("--amount-msat", optarg, UINT64_MAX); break;
		case 'm': a.memo = optarg; break;
		case 'x': a.expiry = parse_uint("--expiry", optarg, 31536000); break;
		case 'c': a.cltv = parse_uint("--cltv", optarg, 65535); break;
		case 'T': a.timestamp = parse_uint("--timestamp", optarg, 34359738367ULL); break;
		case 'n': a.network = optarg; break;
		case 'H': a.height = parse_uint("--height", optarg, 100000000); break;
		case 'A': a.alias = optarg; break;
		case 'B': a.has_balance = true; a.balance = parse_uint("--balance", optarg, UINT64_MAX / 1000); break;
		case 'M': a.match = optarg; break;
		case 'o': a.outcome = optarg; break;
		case 't': a.times = (int64_t)parse_uint("--times", optarg, 1000000); break;
		case 'd': a.delay = parse_uint("--delay", optarg, 3600000); break;
		case O_FIXED: a.fixed_set = true; a.fixed = parse_uint("--fixed", optarg, 34359738367ULL); break;
		case O_WALL: a.wall = true; break;
		case O_ADVANCE: {
			char *end;
			errno = 0;
			long long v = strtoll(optarg, &end, 10);
			if (errno || end == optarg || *end)
				die(MU_EXIT_USAGE, "--advance: seconds (may be negative): %s", optarg);
			a.advance = v;
			break;
		}
		case 'h': free(rest); fputs(sim_usage, stdout); return MU_EXIT_OK;
		default: free(rest); fputs(sim_usage, stderr); return MU_EXIT_USAGE;
		}
	}
	if (!cmd) {
		free(rest);
		fputs(sim_usage, stderr);
		return MU_EXIT_USAGE;
	}
	char err[512];
	sim_db *d = simdb_open(sim_db_path(a.db), err, sizeof err);
	if (!d) {
		free(rest);
		die(MU_EXIT_CONFIG, "%s", err);
	}
	simdb_advance(d, ln_sim_wall_ms());
	int rc = sim_command(d, cmd, &a, nrest, rest);
	simdb_close(d);
	free(rest);
	return rc;
}

/* ---- dispatcher ---------------------------------------------------------- */

static const cli_subcommand commands[] = {
	{"decode", cmd_decode, "decode BOLT11 invoices to JSON"},
	{"validate", cmd_validate, "apply Mostro's payout invoice rules"},
	{"lnurl", cmd_lnurl, "resolve a Lightning Address / LNURL (pay document, invoice)"},
	{"encode", cmd_encode, "sign an invoice from JSON fields (tests, fixtures)"},
	{"run", cmd_run, "the coprocess: JSON-lines ops in, results and events out"},
	{"sim", cmd_sim, "drive the SIMULATED node (pay, invoice, mine, script failures)"},
};

static void usage(FILE *f)
{
	fputs("Usage: mostro-ln COMMAND [OPTIONS] [ARGS...]\n"
	      "The Lightning side of mostroutils.\n\nCommands:\n", f);
	cli_subcommand_list(f, commands, sizeof commands / sizeof *commands, 10);
	fputs("\nmostro-ln COMMAND --help describes each command; man mostro-ln has it all.\n", f);
}

int main(int argc, char **argv)
{
	mu_progname = "mostro-ln";
	return cli_subcommand_run(argc - 1, argv + 1, commands, sizeof commands / sizeof *commands, usage);
}
