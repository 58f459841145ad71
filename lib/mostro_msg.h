/* mostro_msg.h — the logical Mostro message (PROTOCOL §2): parsing with
 * mostro-core 0.14's strictness and the canonical serialization it re-creates
 * before verifying a signature (§2.3).
 *
 * A message is `{"<channel>":{version,request_id,trade_index,id,action,payload}}`
 * with exactly one channel key (order, dispute, cant-do, rate, dm, restore).
 *
 * Parsing follows serde's derived deserializers as mostro-core declares them:
 *   - unknown channel, action, payload variant, order kind/status, cant-do
 *     reason, dispute initiator: refused (the detail names the value);
 *   - a payload is null or an object with exactly one variant key;
 *   - tuple variants must have exactly their arity (payment_request 3,
 *     dispute 2, next_trade 2), as must the transport tuples (v1 2, v2 3);
 *   - SmallOrder refuses unknown keys; every other struct ignores them;
 *   - missing Option fields are None, other missing fields are errors;
 *   - integers must be integer literals in range (`1.0`, `-0`, a string, a
 *     negative into an unsigned field: refused); floats (UserInfo.rating)
 *     accept any number;
 *   - UUIDs in any spelling uuid::parse_str takes (hyphenated, simple,
 *     braced, urn:uuid:, either case); re-emitted lowercase hyphenated;
 *   - two serde_json quirks are reproduced: a struct may also be given as an
 *     array of its fields in declaration order, and a unit enum value as a
 *     one-key object whose value is null ({"cancel":null}).
 * The structural gate mostrod applies before dispatch (MessageKind::verify,
 * §2.9) is separate: mostro_msg_verify_structure().
 *
 * Canonical form (mostro_msg_write): serde_json's compact output — struct
 * declaration order, None as null except the skip_serializing_if fields
 * (MessageKind.id, SmallOrder.id/buyer_trade_pubkey/seller_trade_pubkey/
 * buyer_invoice, CashuLockProof.fee_token) which are omitted, exact 64-bit
 * integers, f64 the way ryu prints it (5.0, 4.5), NIP-01/serde string escapes.
 *
 * Ownership: a mostro_msg owns its `payload` jv (the canonical value of the
 * variant, jv_null() when there is none). Initialize with mostro_msg_init() or
 * a successful parse; release with mostro_msg_free(). Functions taking a jv
 * BORROW it unless stated.
 */
#ifndef MU_MOSTRO_MSG_H
#define MU_MOSTRO_MSG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <jv.h>

#include "buf.h"

/* The envelope key (Rust enum Message). */
typedef enum mostro_channel {
	MOSTRO_CH_ORDER, MOSTRO_CH_DISPUTE, MOSTRO_CH_CANT_DO,
	MOSTRO_CH_RATE, MOSTRO_CH_DM, MOSTRO_CH_RESTORE,
	MOSTRO_CH_COUNT
} mostro_channel;

/* The 51 actions of §2.7.1, in mostro-core's declaration order. */
typedef enum mostro_action {
	MA_NEW_ORDER, MA_TAKE_SELL, MA_TAKE_BUY, MA_PAY_INVOICE, MA_PAY_BOND_INVOICE,
	MA_FIAT_SENT, MA_FIAT_SENT_OK, MA_RELEASE, MA_RELEASED, MA_CANCEL, MA_CANCELED,
	MA_COOPERATIVE_CANCEL_INITIATED_BY_YOU, MA_COOPERATIVE_CANCEL_INITIATED_BY_PEER,
	MA_DISPUTE_INITIATED_BY_YOU, MA_DISPUTE_INITIATED_BY_PEER,
	MA_COOPERATIVE_CANCEL_ACCEPTED, MA_BUYER_INVOICE_ACCEPTED, MA_BOND_INVOICE_ACCEPTED,
	MA_PURCHASE_COMPLETED, MA_BOND_PAYOUT_COMPLETED, MA_BOND_SLASHED,
	MA_HOLD_INVOICE_PAYMENT_ACCEPTED, MA_HOLD_INVOICE_PAYMENT_SETTLED,
	MA_HOLD_INVOICE_PAYMENT_CANCELED, MA_WAITING_SELLER_TO_PAY, MA_WAITING_BUYER_INVOICE,
	MA_ADD_INVOICE, MA_ADD_BOND_INVOICE, MA_BUYER_TOOK_ORDER, MA_RATE, MA_RATE_USER,
	MA_RATE_RECEIVED, MA_CANT_DO, MA_DISPUTE, MA_ADMIN_CANCEL, MA_ADMIN_CANCELED,
	MA_ADMIN_SETTLE, MA_ADMIN_SETTLED, MA_ADMIN_ADD_SOLVER, MA_ADMIN_TAKE_DISPUTE,
	MA_ADMIN_TOOK_DISPUTE, MA_PAYMENT_FAILED, MA_INVOICE_UPDATED, MA_SEND_DM,
	MA_TRADE_PUBKEY, MA_RESTORE_SESSION, MA_LAST_TRADE_INDEX, MA_ORDERS,
	MA_ADD_CASHU_ESCROW, MA_CASHU_ESCROW_LOCKED, MA_CASHU_PM_SIGNATURE,
	MA_COUNT
} mostro_action;

/* Payload variants (§2.5); MP_NONE = payload null. */
typedef enum mostro_payload_kind {
	MP_NONE, MP_ORDER, MP_PAYMENT_REQUEST, MP_TEXT_MESSAGE, MP_PEER, MP_RATING_USER,
	MP_AMOUNT, MP_DISPUTE, MP_CANT_DO, MP_NEXT_TRADE, MP_PAYMENT_FAILED,
	MP_RESTORE_DATA, MP_IDS, MP_ORDERS, MP_BOND_RESOLUTION, MP_BOND_PAYOUT_REQUEST,
	MP_CASHU_LOCK_PROOF, MP_CASHU_SIGNATURES,
	MP_COUNT
} mostro_payload_kind;

/* Value tables (§2.7): names in wire spelling, indexed by declaration order. */
extern const char *const mostro_channel_names[MOSTRO_CH_COUNT];
extern const char *const mostro_action_names[MA_COUNT];
extern const char *const mostro_payload_names[MP_COUNT];   /* [MP_NONE] = "null" */
#define MOSTRO_ORDER_STATUS_COUNT 17
extern const char *const mostro_order_status_names[MOSTRO_ORDER_STATUS_COUNT];
#define MOSTRO_ORDER_KIND_COUNT 2
extern const char *const mostro_order_kind_names[MOSTRO_ORDER_KIND_COUNT];
#define MOSTRO_CANT_DO_COUNT 35
extern const char *const mostro_cant_do_names[MOSTRO_CANT_DO_COUNT];
#define MOSTRO_DISPUTE_STATUS_COUNT 5
extern const char *const mostro_dispute_status_names[MOSTRO_DISPUTE_STATUS_COUNT];

/* Name -> index in one of the tables above; -1 when unknown. */
int mostro_name_index(const char *const *names, int count, const char *s, size_t n);

typedef struct mostro_msg {
	mostro_channel      channel;
	uint8_t             version;
	bool                has_request_id;
	uint64_t            request_id;
	bool                has_trade_index;
	int64_t             trade_index;
	bool                has_id;
	char                id[37];        /* lowercase hyphenated UUID when has_id */
	mostro_action       action;
	mostro_payload_kind payload_kind;
	jv                  payload;       /* owned: canonical variant value, or jv_null() */
} mostro_msg;

typedef enum mostro_msg_err {
	MOSTRO_MSG_OK = 0,
	MOSTRO_MSG_ERR_JSON,          /* not valid JSON */
	MOSTRO_MSG_ERR_TYPE,          /* wrong JSON type for the field */
	MOSTRO_MSG_ERR_RANGE,         /* integer out of range, negative into unsigned, -0 */
	MOSTRO_MSG_ERR_MISSING,       /* a required field is absent */
	MOSTRO_MSG_ERR_UNKNOWN_FIELD, /* a key SmallOrder does not declare */
	MOSTRO_MSG_ERR_VARIANT,       /* unknown channel/action/payload/enum value */
	MOSTRO_MSG_ERR_ENUM_SHAPE,    /* an enum object that is not exactly one key */
	MOSTRO_MSG_ERR_LENGTH,        /* tuple or struct-as-array with the wrong arity */
	MOSTRO_MSG_ERR_UUID,          /* not a UUID uuid::parse_str accepts */
} mostro_msg_err;

typedef struct mostro_msg_error {
	mostro_msg_err code;
	char path[96];     /* "order.payload.payment_request[2]" ("" = the value itself) */
	char msg[200];     /* "order.payload.order.amount: expected i64, found 1.5" */
} mostro_msg_error;

const char *mostro_msg_strerror(mostro_msg_err e);

void mostro_msg_init(mostro_msg *m);
void mostro_msg_free(mostro_msg *m);

/* Parse from a jv (borrowed; parse it with JSON_EXACT_NUMBERS so `1.0` is
 * told from `1`) or from text. err may be NULL. On failure *m is left
 * initialized-empty (mostro_msg_free is still fine). */
mostro_msg_err mostro_msg_from_jv(mostro_msg *m, jv v, mostro_msg_error *err);
mostro_msg_err mostro_msg_parse(mostro_msg *m, const char *text, size_t len, mostro_msg_error *err);

/* Appends the canonical serialization (what gets signed) to b. */
void mostro_msg_write(buf *b, const mostro_msg *m);
/* The canonical message as a jv (f64 fields become plain numbers: use
 * mostro_msg_write for bytes). */
jv mostro_msg_to_jv(const mostro_msg *m);

/* MessageKind::verify() (§2.9): the daemon's structural gate. Clients must
 * not apply it to Mostro's replies. */
bool mostro_msg_verify_structure(const mostro_msg *m);

/* Canonical form of a UUID in any accepted spelling; false if invalid. */
bool mostro_uuid_canonical(const char *s, size_t n, char out[37]);

#endif
