/* order_msg.h — the client's message builder (`mostro-order msg`): every
 * request a user or an admin sends Mostro (PROTOCOL §2.8), built from named
 * options, with the checks the daemon would apply to it, so a bad request is
 * refused here with the option named instead of vanishing at the node.
 *
 * Why it exists: mostrod drops most malformed requests silently (PROTOCOL
 * §5.1) and answers the others with a bare cant-do reason. A script that
 * builds `{"order":{...}}` with jq gets a timeout for a missing trade_index,
 * a 2-element payment_request, an expired invoice or a fiat code the node
 * does not accept. Here each of those is a named refusal before anything is
 * signed or sent.
 *
 * Everything is data, in order_msg.c:
 *   - options[OM_OPT_COUNT]: name (the long option and the batch key), value
 *     type, bounds and the reason code of a bad value;
 *   - actions[]: wire action, envelope key, the options it takes with their
 *     help, constraints between options (required, one of, together, ...),
 *     the ordered value rules (in mostrod's check order, DAEMON.md §1.3) and
 *     the payload builder;
 *   - errs[OM_ERR_COUNT]: reason code, message, usage (exit 2) or invalid
 *     value (exit 4). Reason codes are the daemon's cant-do names where the
 *     daemon has one (invalid_amount, invalid_fiat_currency, ...).
 * The message is assembled as a value, parsed back through lib/mostro_msg.h
 * (mostro-core's strictness), checked with mostro_msg_verify_structure
 * (§2.9), written canonically and re-read to the same bytes; only then is the
 * record produced: {"to":...,"message":{...},"transport":...,"pow":...}, the
 * optional keys only when given (mostro-wrap's record format).
 *
 * Checking order: the action, the options it takes, the constraints between
 * them, each value's syntax (option-table order), then the action's rules.
 * The first failure is reported.
 *
 * No I/O and no clock: `now` is a parameter (--now overrides it); Lightning
 * Addresses and LNURLs are checked for syntax only. The one exception is the
 * random id of admin-add-solver when --id is not given (libsodium).
 *
 * Ownership: an order_msg_req owns copies of the strings given to it; free it
 * with order_msg_req_free(). Output goes to a caller's buf (appended).
 */
#ifndef MU_ORDER_MSG_H
#define MU_ORDER_MSG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "buf.h"

typedef enum order_msg_err {
	OM_OK = 0,
	/* usage: exit 2 on the command line */
	OM_ERR_UNKNOWN_ACTION,   /* unknown_action */
	OM_ERR_UNKNOWN_OPTION,   /* unknown_option */
	OM_ERR_NOT_FOR_ACTION,   /* not_for_action: the action does not take this option */
	OM_ERR_MISSING,          /* missing: a required option (or one of two) is absent */
	OM_ERR_REPEATED,         /* repeated: an option given twice */
	OM_ERR_CONFLICT,         /* conflict: two options that exclude each other */
	/* invalid values: exit 4 on the command line */
	OM_ERR_BAD_VALUE,        /* bad_value: not a value of the option's type or range */
	OM_ERR_BAD_UUID,         /* bad_uuid */
	OM_ERR_BAD_PUBKEY,       /* bad_pubkey: not 64 hex digits or an npub of a curve point */
	OM_ERR_ORDER_KIND,       /* invalid_order_kind */
	OM_ERR_FIAT_CODE,        /* bad_fiat_code: not three letters (ISO 4217 shape) */
	OM_ERR_FIAT_CURRENCY,    /* invalid_fiat_currency: not in --currencies */
	OM_ERR_AMOUNT,           /* invalid_amount */
	OM_ERR_PARAMETERS,       /* invalid_parameters */
	OM_ERR_OUT_OF_RANGE,     /* out_of_range_sats_amount (the daemon's name, also for fiat ranges) */
	OM_ERR_PREMIUM,          /* bad_premium */
	OM_ERR_PAYMENT_METHOD,   /* bad_payment_method */
	OM_ERR_EXPIRATION,       /* bad_expiration */
	OM_ERR_INVOICE,          /* invalid_invoice: the detail names the BOLT11 or Mostro rule */
	OM_ERR_TRADE_INDEX,      /* invalid_trade_index */
	OM_ERR_RATING,           /* invalid_rating */
	OM_ERR_TEXT,             /* invalid_text_message */
	OM_ERR_SOLVER,           /* bad_solver */
	OM_ERR_TOO_MANY,         /* too_many_requests */
	OM_ERR_CASHU_TOKEN,      /* invalid_cashu_token */
	OM_ERR_MINT_URL,         /* invalid_mint_url */
	OM_ERR_LINE,             /* bad_line: a batch line that is not a request object */
	OM_ERR_INTERNAL,         /* internal: the built message failed mostro_msg's checks (a bug) */
	OM_ERR_COUNT
} order_msg_err;

const char *order_msg_reason(order_msg_err e);    /* snake_case code; "unknown" out of range */
const char *order_msg_strerror(order_msg_err e);  /* general message */
bool order_msg_err_is_usage(order_msg_err e);     /* true: exit 2; false: exit 4 */

/* Every option of every action; the name is the long option without "--"
 * and the key of a batch line. */
typedef enum order_msg_opt {
	OM_ID, OM_DISPUTE_ID, OM_REQUEST_ID, OM_TRADE_INDEX, OM_FULL_PRIVACY, OM_VERSION,
	OM_TO, OM_TRANSPORT, OM_POW,
	OM_KIND, OM_FIAT_CODE, OM_FIAT_AMOUNT, OM_MIN, OM_MAX, OM_AMOUNT, OM_PREMIUM,
	OM_PAYMENT_METHOD, OM_INVOICE, OM_INVOICE_AMOUNT, OM_EXPIRES_AT, OM_EXPIRATION_DAYS,
	OM_NEXT_TRADE, OM_RATING, OM_IDS, OM_SOLVER, OM_SLASH_SELLER, OM_SLASH_BUYER, OM_TEXT,
	OM_TOKEN, OM_MINT_URL, OM_BUYER_PUBKEY, OM_SELLER_PUBKEY, OM_MOSTRO_PUBKEY, OM_FEE_TOKEN,
	OM_CURRENCIES, OM_NETWORK, OM_MIN_ORDER_AMOUNT, OM_MAX_ORDER_AMOUNT, OM_MAX_ORDERS, OM_FEE,
	OM_INVOICE_WINDOW, OM_NOW,
	OM_OPT_COUNT
} order_msg_opt;

const char *order_msg_opt_name(int opt);         /* NULL out of range */
bool order_msg_opt_is_flag(int opt);             /* takes no value */
int order_msg_opt_find(const char *name);        /* -1 when unknown */

/* The actions, in table order (PROTOCOL §2.8 order). */
int order_msg_action_count(void);
const char *order_msg_action_name(int i);        /* NULL out of range */
const char *order_msg_action_summary(int i);
int order_msg_action_find(const char *name);     /* -1 when unknown */
bool order_msg_action_takes(int action, int opt);

typedef struct order_msg_error {
	order_msg_err code;
	int field;          /* the order_msg_opt concerned, or -1 */
	char msg[320];      /* the specific message (without field and reason) */
} order_msg_error;

/* "--FIELD: REASON: MSG" (no field part when field < 0) into out. */
void order_msg_error_format(const order_msg_error *e, char *out, size_t n);

typedef struct order_msg_req {
	int action;                   /* index in the action table, -1 when none */
	char *value[OM_OPT_COUNT];    /* owned copies; flags hold "" ; NULL = not given */
} order_msg_req;

void order_msg_req_init(order_msg_req *r);
void order_msg_req_free(order_msg_req *r);

/* Sets the action by name (OM_ERR_UNKNOWN_ACTION). */
order_msg_err order_msg_req_action(order_msg_req *r, const char *name, order_msg_error *e);
/* Records option `name` (without "--") with its text (NULL for a flag).
 * Only --ids may repeat (the lists are joined); any other option given twice
 * is OM_ERR_REPEATED. Values are checked by order_msg_build. */
order_msg_err order_msg_req_set(order_msg_req *r, const char *name, const char *value, order_msg_error *e);

/* Checks the request and appends its record (one JSON object, no newline) to
 * out. now = the current Unix time (--now overrides it). Nothing is appended
 * on failure. */
order_msg_err order_msg_build(const order_msg_req *r, uint64_t now, buf *out, order_msg_error *e);

/* Checks the syntax of every value in r regardless of any action (the
 * command-line defaults of --batch, before the first line). */
order_msg_err order_msg_check_values(const order_msg_req *r, order_msg_error *e);

/* Batch: one JSON line {"action":"...", "<option>":value, ...} -> its record
 * appended to out. Values: strings, integers (any size, kept exact), true for
 * flags (false and null: not given), arrays of strings for ids. Options of
 * `defaults` that the line does not give and its action takes are added. */
order_msg_err order_msg_line(const order_msg_req *defaults, const char *line, size_t n, uint64_t now,
			     buf *out, order_msg_error *e);

/* Usage text: action < 0 the overview, else that action's options. */
void order_msg_help(buf *out, int action);

#endif
