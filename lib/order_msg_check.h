/* order_msg_check.h — internal to the message builder (lib/order_msg.c and
 * lib/order_msg_check.c; nothing else includes it): the request's state, the
 * option table, the value checks and the rules the action table names.
 *
 * Split: order_msg_check.c holds what decides whether a value is acceptable
 * (the option table with its parsers, invoices, the daemon's rules in their
 * order); order_msg.c holds the actions (constraints, payloads), the build,
 * batch lines and help. The public interface is lib/order_msg.h.
 *
 * Ownership: om_state.value borrows the request's strings; om_vals owns
 * payment_method, solver (bufs) and ids (jv), freed by the builder. om_fail
 * fills the caller's order_msg_error (NULL: nothing) and returns the code.
 */
#ifndef MU_ORDER_MSG_CHECK_H
#define MU_ORDER_MSG_CHECK_H

#include <stdbool.h>
#include <stdint.h>
#include <jv.h>

#include "bolt11.h"
#include "buf.h"
#include "mostro_envelope.h"
#include "order_msg.h"

typedef struct om_action om_action;

typedef struct om_vals {
	uint64_t u[OM_OPT_COUNT];        /* OMT_UINT values; flags: 1 */
	int64_t  i[OM_OPT_COUNT];        /* OMT_INT values */
	char     key[OM_OPT_COUNT][65];  /* OMT_UUID (canonical) and OMT_PUBKEY (lowercase hex) */
	int      kind;                   /* index in mostro_order_kind_names */
	char     fiat_code[4];
	bool     range;                  /* a range: --fiat-amount MIN-MAX or --min/--max */
	int64_t  fiat_amount, range_min, range_max;
	buf      payment_method;         /* normalized */
	mostro_transport transport;
	bolt11_network network;
	uint32_t next_index;             /* --next-trade: key in key[OM_NEXT_TRADE] */
	jv       ids;                    /* canonical UUID strings */
	buf      solver;                 /* the text_message: npub[:suffix] */
	double   fee;
	bool     has_expires_at;
	int64_t  expires_at;
} om_vals;

typedef struct om_state {
	const om_action *act;            /* NULL: values only (order_msg_check_values) */
	char *const *value;              /* raw values, by option */
	uint64_t given;                  /* bit per option */
	om_vals v;
	uint64_t now;
	order_msg_error *err;
} om_state;

#define OM_BIT(o) (UINT64_C(1) << (o))
#define OM_GIVEN(s, o) (((s)->given & OM_BIT(o)) != 0)

typedef enum om_type { OMT_FLAG, OMT_UUID, OMT_UINT, OMT_INT, OMT_TEXT, OMT_PUBKEY, OMT_SPECIAL } om_type;
typedef order_msg_err (*parse_fn)(om_state *s, int o, const char *v);

typedef struct om_option {
	const char *name;
	om_type type;
	order_msg_err code;     /* the reason of a bad value */
	uint64_t umin, umax;    /* OMT_UINT bounds */
	int64_t imin, imax;     /* OMT_INT bounds */
	parse_fn parse;         /* OMT_SPECIAL; for other types an extra check, or NULL */
} om_option;

/* The options, indexed by order_msg_opt. */
extern const om_option om_options[OM_OPT_COUNT];

/* Fills s->err (when not NULL) with code, field and the formatted message;
 * returns code. */
order_msg_err om_fail(om_state *s, order_msg_err code, int field, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
/* v as shown in a message: at most 60 bytes, cut on a UTF-8 boundary. */
const char *om_shown(const char *v, char out[72]);

/* The syntax of every value given (option-table order), then the range. */
order_msg_err om_check_values(om_state *s);
/* --amount, or 0. */
int64_t om_amount_or_0(const om_state *s);

/* The rules, each one check of DAEMON.md (the comment in order_msg_check.c
 * names it), run after om_check_values in the order the action lists them. */
typedef order_msg_err (*rule_fn)(om_state *s);
order_msg_err om_rule_new_invoice(om_state *s);
order_msg_err om_rule_new_currency(om_state *s);
order_msg_err om_rule_new_fiat_amount(om_state *s);
order_msg_err om_rule_new_amount(om_state *s);
order_msg_err om_rule_new_range(om_state *s);
order_msg_err om_rule_new_premium(om_state *s);
order_msg_err om_rule_new_sats_bounds(om_state *s);
order_msg_err om_rule_new_expiration(om_state *s);
order_msg_err om_rule_take_amount(om_state *s);
order_msg_err om_rule_payout_invoice(om_state *s);
order_msg_err om_rule_bond_invoice(om_state *s);
order_msg_err om_rule_orders(om_state *s);

#endif
