/* mostro_msg.c — the Mostro message model: a schema of mostro-core 0.14's
 * types, one walker that checks a parsed value against it the way serde's
 * derived deserializers do and builds the canonical value, and a writer that
 * prints that value as serde_json would. See mostro_msg.h. */
#include "mostro_msg.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "hex.h"
#include "json.h"

/* ------------------------------------------------------------ name tables */

const char *const mostro_channel_names[MOSTRO_CH_COUNT] = {
	"order", "dispute", "cant-do", "rate", "dm", "restore",
};

const char *const mostro_action_names[MA_COUNT] = {
	"new-order", "take-sell", "take-buy", "pay-invoice", "pay-bond-invoice",
	"fiat-sent", "fiat-sent-ok", "release", "released", "cancel", "canceled",
	"cooperative-cancel-initiated-by-you", "cooperative-cancel-initiated-by-peer",
	"dispute-initiated-by-you", "dispute-initiated-by-peer",
	"cooperative-cancel-accepted", "buyer-invoice-accepted", "bond-invoice-accepted",
	"purchase-completed", "bond-payout-completed", "bond-slashed",
	"hold-invoice-payment-accepted", "hold-invoice-payment-settled",
	"hold-invoice-payment-canceled", "waiting-seller-to-pay", "waiting-buyer-invoice",
	"add-invoice", "add-bond-invoice", "buyer-took-order", "rate", "rate-user",
	"rate-received", "cant-do", "dispute", "admin-cancel", "admin-canceled",
	"admin-settle", "admin-settled", "admin-add-solver", "admin-take-dispute",
	"admin-took-dispute", "payment-failed", "invoice-updated", "send-dm",
	"trade-pubkey", "restore-session", "last-trade-index", "orders",
	"add-cashu-escrow", "cashu-escrow-locked", "cashu-pm-signature",
};

const char *const mostro_payload_names[MP_COUNT] = {
	"null", "order", "payment_request", "text_message", "peer", "rating_user",
	"amount", "dispute", "cant_do", "next_trade", "payment_failed",
	"restore_data", "ids", "orders", "bond_resolution", "bond_payout_request",
	"cashu_lock_proof", "cashu_signatures",
};

const char *const mostro_order_status_names[MOSTRO_ORDER_STATUS_COUNT] = {
	"active", "canceled", "canceled-by-admin", "settled-by-admin",
	"completed-by-admin", "dispute", "expired", "fiat-sent", "settled-hold-invoice",
	"pending", "success", "waiting-buyer-invoice", "waiting-payment",
	"waiting-taker-bond", "cooperatively-canceled", "in-progress", "waiting-maker-bond",
};

const char *const mostro_order_kind_names[MOSTRO_ORDER_KIND_COUNT] = { "buy", "sell" };

const char *const mostro_cant_do_names[MOSTRO_CANT_DO_COUNT] = {
	"invalid_signature", "invalid_trade_index", "invalid_amount", "invalid_invoice",
	"invalid_payment_request", "invalid_peer", "invalid_rating", "invalid_text_message",
	"invalid_order_kind", "invalid_order_status", "invalid_pubkey", "invalid_parameters",
	"invalid_payload", "order_already_canceled", "cant_create_user", "is_not_your_order",
	"not_allowed_by_status", "out_of_range_fiat_amount", "out_of_range_sats_amount",
	"price_too_stale", "is_not_your_dispute", "dispute_taken_by_admin", "not_authorized",
	"dispute_creation_error", "not_found", "invalid_dispute_status", "invalid_action",
	"pending_order_exists", "invalid_fiat_currency", "too_many_requests",
	"invalid_cashu_token", "cashu_mint_unavailable", "invalid_mint_url",
	"cashu_escrow_not_locked", "cashu_signature_missing",
};

const char *const mostro_dispute_status_names[MOSTRO_DISPUTE_STATUS_COUNT] = {
	"initiated", "in-progress", "seller-refunded", "settled", "released",
};

static const char *const initiator_names[2] = { "buyer", "seller" };

int mostro_name_index(const char *const *names, int count, const char *s, size_t n)
{
	for (int i = 0; i < count; i++)
		if (strlen(names[i]) == n && memcmp(names[i], s, n) == 0)
			return i;
	return -1;
}

const char *mostro_msg_strerror(mostro_msg_err e)
{
	switch (e) {
	case MOSTRO_MSG_OK: return "ok";
	case MOSTRO_MSG_ERR_JSON: return "not valid JSON";
	case MOSTRO_MSG_ERR_TYPE: return "wrong type";
	case MOSTRO_MSG_ERR_RANGE: return "integer out of range";
	case MOSTRO_MSG_ERR_MISSING: return "missing field";
	case MOSTRO_MSG_ERR_UNKNOWN_FIELD: return "unknown field";
	case MOSTRO_MSG_ERR_VARIANT: return "unknown variant";
	case MOSTRO_MSG_ERR_ENUM_SHAPE: return "enum object must have exactly one key";
	case MOSTRO_MSG_ERR_LENGTH: return "wrong number of elements";
	case MOSTRO_MSG_ERR_UUID: return "invalid UUID";
	}
	return "unknown error";
}

/* ----------------------------------------------------------------- schema */

typedef enum skind {
	S_U8, S_U32, S_U64, S_I64, S_F64, S_BOOL, S_STR, S_UUID,
	S_ENUM, S_OPT, S_VEC, S_TUPLE, S_STRUCT, S_PAYLOAD,
} skind;

enum { F_SKIP_NONE = 1, F_DEFAULT = 2 };

typedef struct schema schema;
typedef struct sfield {
	const char   *name;
	const schema *type;
	unsigned      flags;
} sfield;

struct schema {
	skind               kind;
	const char         *what;       /* type name for messages */
	const schema       *inner;      /* S_OPT, S_VEC */
	const schema *const *elems;     /* S_TUPLE */
	const sfield       *fields;     /* S_STRUCT */
	const char *const  *names;      /* S_ENUM */
	int                 n;          /* elems, fields or names */
	bool                deny_unknown;
	bool                has_float;  /* an f64 somewhere below: the writer walks it */
};

#define PRIM(id, k, w) static const schema id = { .kind = k, .what = w }
PRIM(T_U8, S_U8, "u8");
PRIM(T_U32, S_U32, "u32");
PRIM(T_U64, S_U64, "u64");
PRIM(T_I64, S_I64, "i64");
static const schema T_F64 = { .kind = S_F64, .what = "f64", .has_float = true };
PRIM(T_BOOL, S_BOOL, "a boolean");
PRIM(T_STR, S_STR, "a string");
PRIM(T_UUID, S_UUID, "a UUID string");

#define ENUM(id, w, tbl, cnt) static const schema id = { .kind = S_ENUM, .what = w, .names = tbl, .n = cnt }
ENUM(T_KIND, "order kind", mostro_order_kind_names, MOSTRO_ORDER_KIND_COUNT);
ENUM(T_STATUS, "order status", mostro_order_status_names, MOSTRO_ORDER_STATUS_COUNT);
ENUM(T_CANT_DO, "cant-do reason", mostro_cant_do_names, MOSTRO_CANT_DO_COUNT);
ENUM(T_INITIATOR, "dispute initiator", initiator_names, 2);
ENUM(T_ACTION, "action", mostro_action_names, MA_COUNT);

#define OPT(id, in, fl) static const schema id = { .kind = S_OPT, .what = "an option", .inner = &in, .has_float = fl }
#define VEC(id, in, fl) static const schema id = { .kind = S_VEC, .what = "an array", .inner = &in, .has_float = fl }
#define NFIELDS(a) ((int)(sizeof a / sizeof *a))
#define STRUCT(id, w, fl, deny) static const schema id = { .kind = S_STRUCT, .what = w, \
	.fields = id##_f, .n = NFIELDS(id##_f), .deny_unknown = deny, .has_float = fl }
#define TUPLE(id, w, fl) static const schema id = { .kind = S_TUPLE, .what = w, \
	.elems = id##_e, .n = NFIELDS(id##_e), .has_float = fl }

OPT(T_OPT_I64, T_I64, false);
OPT(T_OPT_STR, T_STR, false);
OPT(T_OPT_U64, T_U64, false);
OPT(T_OPT_KIND, T_KIND, false);
OPT(T_OPT_STATUS, T_STATUS, false);
OPT(T_OPT_CANT_DO, T_CANT_DO, false);
OPT(T_OPT_INITIATOR, T_INITIATOR, false);
OPT(T_OPT_UUID, T_UUID, false);

/* UserInfo (user.rs) */
static const sfield T_USER_INFO_f[] = {
	{"rating", &T_F64, 0}, {"reviews", &T_I64, 0}, {"operating_days", &T_U64, 0},
};
STRUCT(T_USER_INFO, "UserInfo", true, false);
OPT(T_OPT_USER_INFO, T_USER_INFO, true);

/* Peer (message.rs) */
static const sfield T_PEER_f[] = {
	{"pubkey", &T_STR, 0}, {"reputation", &T_OPT_USER_INFO, 0},
};
STRUCT(T_PEER, "Peer", true, false);

/* SmallOrder (order.rs), deny_unknown_fields */
static const sfield T_SMALL_ORDER_f[] = {
	{"id", &T_OPT_UUID, F_SKIP_NONE},
	{"kind", &T_OPT_KIND, 0},
	{"status", &T_OPT_STATUS, 0},
	{"amount", &T_I64, 0},
	{"fiat_code", &T_STR, 0},
	{"min_amount", &T_OPT_I64, 0},
	{"max_amount", &T_OPT_I64, 0},
	{"fiat_amount", &T_I64, 0},
	{"payment_method", &T_STR, 0},
	{"premium", &T_I64, 0},
	{"buyer_trade_pubkey", &T_OPT_STR, F_SKIP_NONE},
	{"seller_trade_pubkey", &T_OPT_STR, F_SKIP_NONE},
	{"buyer_invoice", &T_OPT_STR, F_SKIP_NONE},
	{"created_at", &T_OPT_I64, 0},
	{"expires_at", &T_OPT_I64, 0},
};
STRUCT(T_SMALL_ORDER, "SmallOrder", false, true);
OPT(T_OPT_SMALL_ORDER, T_SMALL_ORDER, false);
VEC(T_VEC_SMALL_ORDER, T_SMALL_ORDER, false);

/* SolverDisputeInfo (dispute.rs) */
static const sfield T_SOLVER_INFO_f[] = {
	{"id", &T_UUID, 0},
	{"kind", &T_STR, 0},
	{"status", &T_STR, 0},
	{"hash", &T_OPT_STR, 0},
	{"preimage", &T_OPT_STR, 0},
	{"order_previous_status", &T_STR, 0},
	{"initiator_pubkey", &T_STR, 0},
	{"buyer_pubkey", &T_OPT_STR, 0},
	{"seller_pubkey", &T_OPT_STR, 0},
	{"initiator_full_privacy", &T_BOOL, 0},
	{"counterpart_full_privacy", &T_BOOL, 0},
	{"initiator_info", &T_OPT_USER_INFO, 0},
	{"counterpart_info", &T_OPT_USER_INFO, 0},
	{"premium", &T_I64, 0},
	{"payment_method", &T_STR, 0},
	{"amount", &T_I64, 0},
	{"fiat_amount", &T_I64, 0},
	{"fee", &T_I64, 0},
	{"routing_fee", &T_I64, 0},
	{"buyer_invoice", &T_OPT_STR, 0},
	{"invoice_held_at", &T_I64, 0},
	{"taken_at", &T_I64, 0},
	{"created_at", &T_I64, 0},
};
STRUCT(T_SOLVER_INFO, "SolverDisputeInfo", true, false);
OPT(T_OPT_SOLVER_INFO, T_SOLVER_INFO, true);

/* PaymentFailedInfo, RestoreSessionInfo and friends (message.rs) */
static const sfield T_PAYMENT_FAILED_f[] = {
	{"payment_attempts", &T_U32, 0}, {"payment_retries_interval", &T_U32, 0},
};
STRUCT(T_PAYMENT_FAILED, "PaymentFailedInfo", false, false);

static const sfield T_RESTORED_ORDER_f[] = {
	{"order_id", &T_UUID, 0}, {"trade_index", &T_I64, 0}, {"status", &T_STR, 0},
};
STRUCT(T_RESTORED_ORDER, "RestoredOrdersInfo", false, false);
VEC(T_VEC_RESTORED_ORDER, T_RESTORED_ORDER, false);

static const sfield T_RESTORED_DISPUTE_f[] = {
	{"dispute_id", &T_UUID, 0}, {"order_id", &T_UUID, 0}, {"trade_index", &T_I64, 0},
	{"status", &T_STR, 0}, {"initiator", &T_OPT_INITIATOR, 0},
	{"solver_pubkey", &T_OPT_STR, 0},
};
STRUCT(T_RESTORED_DISPUTE, "RestoredDisputesInfo", false, false);
VEC(T_VEC_RESTORED_DISPUTE, T_RESTORED_DISPUTE, false);

static const sfield T_RESTORE_INFO_f[] = {
	{"orders", &T_VEC_RESTORED_ORDER, 0}, {"disputes", &T_VEC_RESTORED_DISPUTE, 0},
};
STRUCT(T_RESTORE_INFO, "RestoreSessionInfo", false, false);

static const sfield T_BOND_RESOLUTION_f[] = {
	{"slash_seller", &T_BOOL, 0}, {"slash_buyer", &T_BOOL, 0},
};
STRUCT(T_BOND_RESOLUTION, "BondResolution", false, false);

static const sfield T_BOND_PAYOUT_f[] = {
	{"order", &T_SMALL_ORDER, 0}, {"slashed_at", &T_I64, 0},
};
STRUCT(T_BOND_PAYOUT, "BondPayoutRequest", false, false);

static const sfield T_CASHU_LOCK_f[] = {
	{"token", &T_STR, 0}, {"mint_url", &T_STR, 0}, {"buyer_pubkey", &T_STR, 0},
	{"seller_pubkey", &T_STR, 0}, {"mostro_pubkey", &T_STR, 0},
	{"fee_token", &T_OPT_STR, F_SKIP_NONE | F_DEFAULT},
};
STRUCT(T_CASHU_LOCK, "CashuLockProof", false, false);

static const sfield T_CASHU_SIG_f[] = {
	{"secret", &T_STR, 0}, {"signature", &T_STR, 0},
};
STRUCT(T_CASHU_SIG, "CashuProofSignature", false, false);
VEC(T_VEC_CASHU_SIG, T_CASHU_SIG, false);
VEC(T_VEC_UUID, T_UUID, false);

/* Tuple variants */
static const schema *const T_PAYMENT_REQUEST_e[] = { &T_OPT_SMALL_ORDER, &T_STR, &T_OPT_I64 };
TUPLE(T_PAYMENT_REQUEST, "payment_request", false);
static const schema *const T_DISPUTE_TUPLE_e[] = { &T_UUID, &T_OPT_SOLVER_INFO };
TUPLE(T_DISPUTE_TUPLE, "dispute", true);
static const schema *const T_NEXT_TRADE_e[] = { &T_STR, &T_U32 };
TUPLE(T_NEXT_TRADE, "next_trade", false);

/* The value schema of each payload variant, by mostro_payload_kind. */
static const schema *const payload_schema[MP_COUNT] = {
	[MP_NONE] = NULL,
	[MP_ORDER] = &T_SMALL_ORDER,
	[MP_PAYMENT_REQUEST] = &T_PAYMENT_REQUEST,
	[MP_TEXT_MESSAGE] = &T_STR,
	[MP_PEER] = &T_PEER,
	[MP_RATING_USER] = &T_U8,
	[MP_AMOUNT] = &T_I64,
	[MP_DISPUTE] = &T_DISPUTE_TUPLE,
	[MP_CANT_DO] = &T_OPT_CANT_DO,
	[MP_NEXT_TRADE] = &T_NEXT_TRADE,
	[MP_PAYMENT_FAILED] = &T_PAYMENT_FAILED,
	[MP_RESTORE_DATA] = &T_RESTORE_INFO,
	[MP_IDS] = &T_VEC_UUID,
	[MP_ORDERS] = &T_VEC_SMALL_ORDER,
	[MP_BOND_RESOLUTION] = &T_BOND_RESOLUTION,
	[MP_BOND_PAYOUT_REQUEST] = &T_BOND_PAYOUT,
	[MP_CASHU_LOCK_PROOF] = &T_CASHU_LOCK,
	[MP_CASHU_SIGNATURES] = &T_VEC_CASHU_SIG,
};

static const schema T_PAYLOAD = { .kind = S_PAYLOAD, .what = "a payload" };
OPT(T_OPT_PAYLOAD, T_PAYLOAD, true);

/* MessageKind (message.rs) */
static const sfield T_MESSAGE_KIND_f[] = {
	{"version", &T_U8, 0},
	{"request_id", &T_OPT_U64, 0},
	{"trade_index", &T_OPT_I64, 0},
	{"id", &T_OPT_UUID, F_SKIP_NONE},
	{"action", &T_ACTION, 0},
	{"payload", &T_OPT_PAYLOAD, 0},
};
STRUCT(T_MESSAGE_KIND, "MessageKind", true, false);

/* ----------------------------------------------------------------- walker */

typedef struct walk {
	mostro_msg_error *err;
	mostro_msg_err    code;
	char              path[96];
	size_t            plen;
} walk;

/* Appends n bytes to the path, truncating at its end (no formatting: the
 * walker pushes a key for every field it visits). */
static void path_put(walk *w, const char *s, size_t n)
{
	size_t room = sizeof w->path - 1 - w->plen;
	if (n > room)
		n = room;
	memcpy(w->path + w->plen, s, n);
	w->plen += n;
	w->path[w->plen] = 0;
}

static size_t push_key(walk *w, const char *key)
{
	size_t old = w->plen;
	if (w->plen)
		path_put(w, ".", 1);
	path_put(w, key, strlen(key));
	return old;
}

static size_t push_index(walk *w, int i)
{
	size_t old = w->plen;
	int n = snprintf(w->path + w->plen, sizeof w->path - w->plen, "[%d]", i);
	if (n > 0)
		w->plen = w->plen + (size_t)n < sizeof w->path ? w->plen + (size_t)n : sizeof w->path - 1;
	return old;
}

static void pop(walk *w, size_t old)
{
	w->plen = old;
	w->path[old] = 0;
}

/* A short description of a value for error messages. */
static void describe(jv v, char *out, size_t n)
{
	const char *s;
	size_t len;
	switch (jv_get_kind(v)) {
	case JV_KIND_NULL: snprintf(out, n, "null"); return;
	case JV_KIND_TRUE: snprintf(out, n, "true"); return;
	case JV_KIND_FALSE: snprintf(out, n, "false"); return;
	case JV_KIND_NUMBER: {
		double d = jv_number_value(v);
		if (d == 0 && signbit(d))
			snprintf(out, n, "-0");
		else
			snprintf(out, n, "%.17g", d);
		return;
	}
	case JV_KIND_STRING:
		if (json_is_bigint(v)) {
			snprintf(out, n, "%s", jv_string_value(v) + JSON_BIGINT_PREFIX_LEN);
			return;
		}
		s = json_str(v, &len);
		snprintf(out, n, "string \"%.*s%s\"", (int)(len > 40 ? 40 : len), s, len > 40 ? "..." : "");
		return;
	case JV_KIND_ARRAY: snprintf(out, n, "an array"); return;
	case JV_KIND_OBJECT: snprintf(out, n, "an object"); return;
	default: snprintf(out, n, "nothing"); return;
	}
}

static bool fail(walk *w, mostro_msg_err code, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static bool fail(walk *w, mostro_msg_err code, const char *fmt, ...)
{
	if (w->code != MOSTRO_MSG_OK)
		return false;
	w->code = code;
	if (!w->err)
		return false;
	w->err->code = code;
	snprintf(w->err->path, sizeof w->err->path, "%s", w->path);
	char detail[160];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(detail, sizeof detail, fmt, ap);
	va_end(ap);
	size_t pl = strlen(w->path);
	buf m = BUF_INIT;
	buf_put(&m, w->path, pl);
	if (pl)
		buf_puts(&m, ": ");
	buf_puts(&m, detail);
	size_t cp = m.len < sizeof w->err->msg - 1 ? m.len : sizeof w->err->msg - 1;
	memcpy(w->err->msg, m.p, cp);
	w->err->msg[cp] = 0;
	buf_free(&m);
	return false;
}

static bool fail_type(walk *w, const schema *s, jv v)
{
	char d[64];
	describe(v, d, sizeof d);
	return fail(w, MOSTRO_MSG_ERR_TYPE, "expected %s, found %s", s->what, d);
}

static bool canon(walk *w, const schema *s, jv v, jv *out);

/* Integers: integer literals only (serde_json turns `1.0`, `1e3` and `-0`
 * into floats, which integer fields refuse), then the field's range. */
static bool canon_int(walk *w, const schema *s, jv v, jv *out)
{
	char d[64];
	if (json_is_float_literal(v))
		goto not_integer;
	if (jv_get_kind(v) == JV_KIND_NUMBER) {
		double x = jv_number_value(v);
		if (x != floor(x) || (x == 0 && signbit(x)) || fabs(x) >= 18446744073709551616.0)
			goto not_integer;
	} else if (!json_is_bigint(v)) {
		return fail_type(w, s, v);
	}
	uint64_t u;
	int64_t i;
	switch (s->kind) {
	case S_U8:
	case S_U32:
	case S_U64: {
		uint64_t max = s->kind == S_U8 ? 255 : s->kind == S_U32 ? 4294967295u : UINT64_MAX;
		if (!json_get_u64(v, &u) || u > max)
			break;
		*out = json_from_u64(u);
		return true;
	}
	default:
		if (!json_get_i64(v, &i))
			break;
		*out = json_from_i64(i);
		return true;
	}
	describe(v, d, sizeof d);
	return fail(w, MOSTRO_MSG_ERR_RANGE, "invalid value %s, expected %s", d, s->what);
not_integer:
	describe(v, d, sizeof d);
	return fail(w, MOSTRO_MSG_ERR_TYPE, "expected %s, found float %s", s->what, d);
}

static bool canon_enum(walk *w, const schema *s, jv v, jv *out)
{
	const char *name;
	size_t n;
	jv key = jv_invalid();
	if (jv_get_kind(v) == JV_KIND_OBJECT) {
		/* serde_json also takes a unit variant as {"name": null} */
		if (jv_object_length(jv_copy(v)) != 1)
			return fail(w, MOSTRO_MSG_ERR_ENUM_SHAPE, "the object form of the %s must have exactly one key", s->what);
		jv_object_foreach(v, k, val) {
			bool is_null = jv_get_kind(val) == JV_KIND_NULL;
			jv_free(val);
			if (!is_null) {
				jv_free(k);
				return fail(w, MOSTRO_MSG_ERR_TYPE, "the %s is a unit variant: in object form its value must be null", s->what);
			}
			key = k;
		}
		name = jv_string_value(key);
		n = (size_t)jv_string_length_bytes(jv_copy(key));
	} else if (!(name = json_str(v, &n))) {
		return fail_type(w, s, v);
	}
	int idx = mostro_name_index(s->names, s->n, name, n);
	if (idx < 0) {
		fail(w, MOSTRO_MSG_ERR_VARIANT, "unknown %s \"%.*s\"", s->what, (int)(n > 60 ? 60 : n), name);
		jv_free(key);
		return false;
	}
	jv_free(key);
	*out = jv_string(s->names[idx]);
	return true;
}

static bool canon_struct(walk *w, const schema *s, jv v, jv *out)
{
	jv vals[32];
	bool have[32] = {false};
	bool ok = true;
	if (jv_get_kind(v) == JV_KIND_OBJECT) {
		jv_object_foreach(v, k, val) {
			size_t klen = (size_t)jv_string_length_bytes(jv_copy(k));
			int idx = -1;
			for (int i = 0; i < s->n; i++)
				if (strlen(s->fields[i].name) == klen &&
				    memcmp(s->fields[i].name, jv_string_value(k), klen) == 0)
					idx = i;
			if (idx < 0) {
				if (s->deny_unknown && ok) {
					size_t old = push_key(w, jv_string_value(k));
					fail(w, MOSTRO_MSG_ERR_UNKNOWN_FIELD, "unknown field \"%s\" in %s",
					     jv_string_value(k), s->what);
					pop(w, old);
					ok = false;
				}
			} else if (ok) {
				size_t old = push_key(w, s->fields[idx].name);
				ok = canon(w, s->fields[idx].type, val, &vals[idx]);
				have[idx] = ok;
				pop(w, old);
			}
			jv_free(k);
			jv_free(val);
		}
	} else if (jv_get_kind(v) == JV_KIND_ARRAY) {
		/* serde_json: a struct may be a sequence of its fields in order */
		int len = jv_array_length(jv_copy(v));
		int required = s->n;
		while (required > 0 && (s->fields[required - 1].flags & F_DEFAULT))
			required--;
		if (len < required || len > s->n)
			return fail(w, MOSTRO_MSG_ERR_LENGTH, "%s as an array needs %d elements, found %d",
				    s->what, s->n, len);
		for (int i = 0; i < len && ok; i++) {
			jv e = jv_array_get(jv_copy(v), i);
			size_t old = push_key(w, s->fields[i].name);
			ok = canon(w, s->fields[i].type, e, &vals[i]);
			have[i] = ok;
			pop(w, old);
			jv_free(e);
		}
	} else {
		return fail_type(w, s, v);
	}
	for (int i = 0; i < s->n && ok; i++) {
		if (have[i])
			continue;
		if (s->fields[i].type->kind == S_OPT || (s->fields[i].flags & F_DEFAULT)) {
			vals[i] = jv_null();
			have[i] = true;
		} else {
			size_t old = push_key(w, s->fields[i].name);
			fail(w, MOSTRO_MSG_ERR_MISSING, "missing field \"%s\" of %s", s->fields[i].name, s->what);
			pop(w, old);
			ok = false;
		}
	}
	if (!ok) {
		for (int i = 0; i < s->n; i++)
			if (have[i])
				jv_free(vals[i]);
		return false;
	}
	jv o = jv_object();
	for (int i = 0; i < s->n; i++) {
		if ((s->fields[i].flags & F_SKIP_NONE) && jv_get_kind(vals[i]) == JV_KIND_NULL)
			jv_free(vals[i]);
		else
			o = jv_object_set(o, jv_string(s->fields[i].name), vals[i]);
	}
	*out = o;
	return true;
}

static bool canon_seq(walk *w, const schema *s, jv v, jv *out)
{
	if (jv_get_kind(v) != JV_KIND_ARRAY)
		return fail_type(w, s, v);
	int len = jv_array_length(jv_copy(v));
	if (s->kind == S_TUPLE && len != s->n)
		return fail(w, MOSTRO_MSG_ERR_LENGTH, "%s must have %d elements, found %d", s->what, s->n, len);
	jv a = jv_array();
	for (int i = 0; i < len; i++) {
		jv e = jv_array_get(jv_copy(v), i), ce;
		size_t old = push_index(w, i);
		bool ok = canon(w, s->kind == S_TUPLE ? s->elems[i] : s->inner, e, &ce);
		pop(w, old);
		jv_free(e);
		if (!ok) {
			jv_free(a);
			return false;
		}
		a = jv_array_append(a, ce);
	}
	*out = a;
	return true;
}

/* Externally tagged payload: {"<variant>": value}, exactly one key. */
static bool canon_payload(walk *w, jv v, jv *out, mostro_payload_kind *kind)
{
	if (jv_get_kind(v) != JV_KIND_OBJECT)
		return fail_type(w, &T_PAYLOAD, v);
	if (jv_object_length(jv_copy(v)) != 1)
		return fail(w, MOSTRO_MSG_ERR_ENUM_SHAPE, "a payload object must have exactly one variant key");
	bool ok = false;
	jv_object_foreach(v, k, val) {
		size_t n = (size_t)jv_string_length_bytes(jv_copy(k));
		int idx = mostro_name_index(mostro_payload_names + 1, MP_COUNT - 1, jv_string_value(k), n);
		if (idx < 0) {
			fail(w, MOSTRO_MSG_ERR_VARIANT, "unknown payload variant \"%.*s\"",
			     (int)(n > 60 ? 60 : n), jv_string_value(k));
		} else {
			jv cv;
			size_t old = push_key(w, jv_string_value(k));
			ok = canon(w, payload_schema[idx + 1], val, &cv);
			pop(w, old);
			if (ok) {
				*kind = (mostro_payload_kind)(idx + 1);
				*out = jv_object_set(jv_object(), jv_copy(k), cv);
			}
		}
		jv_free(k);
		jv_free(val);
	}
	return ok;
}

static bool canon(walk *w, const schema *s, jv v, jv *out)
{
	switch (s->kind) {
	case S_U8:
	case S_U32:
	case S_U64:
	case S_I64:
		return canon_int(w, s, v, out);
	case S_F64: {
		double d;
		if (jv_get_kind(v) == JV_KIND_STRING && !json_is_bigint(v))
			return fail_type(w, s, v);
		if (!json_get_f64(v, &d))
			return fail_type(w, s, v);
		*out = jv_number(d);
		return true;
	}
	case S_BOOL:
		if (jv_get_kind(v) != JV_KIND_TRUE && jv_get_kind(v) != JV_KIND_FALSE)
			return fail_type(w, s, v);
		*out = jv_copy(v);
		return true;
	case S_STR:
		if (!json_str(v, NULL))
			return fail_type(w, s, v);
		*out = jv_copy(v);
		return true;
	case S_UUID: {
		size_t n;
		const char *str = json_str(v, &n);
		char u[37];
		if (!str)
			return fail_type(w, s, v);
		if (!mostro_uuid_canonical(str, n, u))
			return fail(w, MOSTRO_MSG_ERR_UUID, "invalid UUID \"%.*s\"", (int)(n > 60 ? 60 : n), str);
		*out = jv_string(u);
		return true;
	}
	case S_ENUM:
		return canon_enum(w, s, v, out);
	case S_OPT:
		if (jv_get_kind(v) == JV_KIND_NULL) {
			*out = jv_null();
			return true;
		}
		return canon(w, s->inner, v, out);
	case S_VEC:
	case S_TUPLE:
		return canon_seq(w, s, v, out);
	case S_STRUCT:
		return canon_struct(w, s, v, out);
	case S_PAYLOAD: {
		mostro_payload_kind k;
		return canon_payload(w, v, out, &k);
	}
	}
	return fail_type(w, s, v);
}

/* ----------------------------------------------------------------- writer */

static void write_canon(buf *b, const schema *s, jv v)
{
	if (!s->has_float) {
		json_write(b, v);
		return;
	}
	switch (s->kind) {
	case S_F64:
		json_write_f64_serde(b, jv_number_value(v));
		return;
	case S_OPT:
		if (jv_get_kind(v) == JV_KIND_NULL)
			buf_puts(b, "null");
		else
			write_canon(b, s->inner, v);
		return;
	case S_VEC:
	case S_TUPLE: {
		int n = jv_array_length(jv_copy(v));
		buf_putc(b, '[');
		for (int i = 0; i < n; i++) {
			jv e = jv_array_get(jv_copy(v), i);
			if (i)
				buf_putc(b, ',');
			write_canon(b, s->kind == S_TUPLE ? s->elems[i] : s->inner, e);
			jv_free(e);
		}
		buf_putc(b, ']');
		return;
	}
	case S_STRUCT: {
		bool first = true;
		buf_putc(b, '{');
		for (int i = 0; i < s->n; i++) {
			jv e = json_get(v, s->fields[i].name);
			if (!jv_is_valid(e))
				continue;        /* an omitted skip_serializing_if field */
			if (!first)
				buf_putc(b, ',');
			first = false;
			json_write_string(b, s->fields[i].name, strlen(s->fields[i].name));
			buf_putc(b, ':');
			write_canon(b, s->fields[i].type, e);
			jv_free(e);
		}
		buf_putc(b, '}');
		return;
	}
	case S_PAYLOAD:
		jv_object_foreach(v, k, val) {
			size_t n = (size_t)jv_string_length_bytes(jv_copy(k));
			int idx = mostro_name_index(mostro_payload_names, MP_COUNT, jv_string_value(k), n);
			buf_putc(b, '{');
			json_write_string(b, jv_string_value(k), n);
			buf_putc(b, ':');
			if (idx > 0)
				write_canon(b, payload_schema[idx], val);
			else
				json_write(b, val);
			buf_putc(b, '}');
			jv_free(k);
			jv_free(val);
		}
		return;
	default:
		json_write(b, v);
	}
}

/* -------------------------------------------------------------------- API */

static int hexdig(char c)
{
	if (c >= '0' && c <= '9') return c - '0';
	if (c >= 'a' && c <= 'f') return c - 'a' + 10;
	if (c >= 'A' && c <= 'F') return c - 'A' + 10;
	return -1;
}

/* uuid::parse_str: 32 hex digits; 8-4-4-4-12 with hyphens; that form in
 * braces; or prefixed by "urn:uuid:". Hex digits of either case. */
bool mostro_uuid_canonical(const char *s, size_t n, char out[37])
{
	static const char digits[] = "0123456789abcdef";
	const char *h = s;
	bool hyphens = true;
	if (n == 32)
		hyphens = false;
	else if (n == 38 && s[0] == '{' && s[37] == '}')
		h = s + 1;
	else if (n == 45 && memcmp(s, "urn:uuid:", 9) == 0)
		h = s + 9;
	else if (n != 36)
		return false;
	size_t len = hyphens ? 36 : 32, o = 0;
	for (size_t i = 0; i < len; i++) {
		if (hyphens && (i == 8 || i == 13 || i == 18 || i == 23)) {
			if (h[i] != '-')
				return false;
			continue;
		}
		int d = hexdig(h[i]);
		if (d < 0)
			return false;
		if (o == 8 || o == 13 || o == 18 || o == 23)
			out[o++] = '-';
		out[o++] = digits[d];
	}
	out[36] = 0;
	return true;
}

void mostro_msg_init(mostro_msg *m)
{
	memset(m, 0, sizeof *m);
	m->payload = jv_null();
}

void mostro_msg_free(mostro_msg *m)
{
	jv_free(m->payload);
	mostro_msg_init(m);
}

/* Fills *m from the canonical MessageKind object mk (borrowed). */
static void take_kind(mostro_msg *m, jv mk)
{
	jv f;
	uint64_t u;
	int64_t i;
	f = json_get(mk, "version");
	json_get_u64(f, &u);
	m->version = (uint8_t)u;
	jv_free(f);
	f = json_get(mk, "request_id");
	m->has_request_id = json_get_u64(f, &m->request_id);
	jv_free(f);
	f = json_get(mk, "trade_index");
	m->has_trade_index = json_get_i64(f, &i);
	m->trade_index = m->has_trade_index ? i : 0;
	jv_free(f);
	size_t n;
	const char *id = json_get_str(mk, "id", &n);
	if (id && n == 36) {
		memcpy(m->id, id, 37);
		m->has_id = true;
	}
	const char *a = json_get_str(mk, "action", &n);
	m->action = (mostro_action)mostro_name_index(mostro_action_names, MA_COUNT, a, n);
	f = json_get(mk, "payload");
	m->payload_kind = MP_NONE;
	if (jv_get_kind(f) == JV_KIND_OBJECT) {
		jv_object_foreach(f, k, val) {
			m->payload_kind = (mostro_payload_kind)mostro_name_index(mostro_payload_names, MP_COUNT,
				jv_string_value(k), (size_t)jv_string_length_bytes(jv_copy(k)));
			jv_free(m->payload);
			m->payload = val;
			jv_free(k);
		}
	}
	jv_free(f);
}

mostro_msg_err mostro_msg_from_jv(mostro_msg *m, jv v, mostro_msg_error *err)
{
	walk w = { .err = err };
	if (err)
		memset(err, 0, sizeof *err);
	mostro_msg_init(m);
	if (jv_get_kind(v) != JV_KIND_OBJECT) {
		char d[64];
		describe(v, d, sizeof d);
		fail(&w, MOSTRO_MSG_ERR_TYPE, "expected a message object {\"order\":{...}}, found %s", d);
		return w.code;
	}
	if (jv_object_length(jv_copy(v)) != 1) {
		fail(&w, MOSTRO_MSG_ERR_ENUM_SHAPE, "a message must have exactly one key (order, dispute, cant-do, rate, dm, restore), found %d",
		     jv_object_length(jv_copy(v)));
		return w.code;
	}
	jv_object_foreach(v, k, val) {
		size_t n = (size_t)jv_string_length_bytes(jv_copy(k));
		int ch = mostro_name_index(mostro_channel_names, MOSTRO_CH_COUNT, jv_string_value(k), n);
		jv mk;
		if (ch < 0) {
			fail(&w, MOSTRO_MSG_ERR_VARIANT, "unknown message kind \"%.*s\" (expected order, dispute, cant-do, rate, dm or restore)",
			     (int)(n > 60 ? 60 : n), jv_string_value(k));
		} else {
			push_key(&w, mostro_channel_names[ch]);
			if (canon(&w, &T_MESSAGE_KIND, val, &mk)) {
				m->channel = (mostro_channel)ch;
				take_kind(m, mk);
				jv_free(mk);
			}
		}
		jv_free(k);
		jv_free(val);
	}
	return w.code;
}

mostro_msg_err mostro_msg_parse(mostro_msg *m, const char *text, size_t len, mostro_msg_error *err)
{
	json_error je = {0};
	jv v = json_parse(text, len, JSON_EXACT_NUMBERS, &je);
	if (!jv_is_valid(v)) {
		mostro_msg_init(m);
		if (err) {
			memset(err, 0, sizeof *err);
			err->code = MOSTRO_MSG_ERR_JSON;
			snprintf(err->msg, sizeof err->msg, "invalid JSON %s", je.msg);
		}
		return MOSTRO_MSG_ERR_JSON;
	}
	mostro_msg_err rc = mostro_msg_from_jv(m, v, err);
	jv_free(v);
	return rc;
}

void mostro_msg_write(buf *b, const mostro_msg *m)
{
	buf_putc(b, '{');
	json_write_string(b, mostro_channel_names[m->channel], strlen(mostro_channel_names[m->channel]));
	buf_puts(b, ":{\"version\":");
	buf_put_u64(b, m->version);
	buf_puts(b, ",\"request_id\":");
	if (m->has_request_id)
		buf_put_u64(b, m->request_id);
	else
		buf_puts(b, "null");
	buf_puts(b, ",\"trade_index\":");
	if (m->has_trade_index)
		buf_put_i64(b, m->trade_index);
	else
		buf_puts(b, "null");
	if (m->has_id) {
		buf_puts(b, ",\"id\":\"");
		buf_puts(b, m->id);
		buf_putc(b, '"');
	}
	buf_puts(b, ",\"action\":\"");
	buf_puts(b, mostro_action_names[m->action]);
	buf_puts(b, "\",\"payload\":");
	if (m->payload_kind == MP_NONE) {
		buf_puts(b, "null");
	} else {
		buf_puts(b, "{\"");
		buf_puts(b, mostro_payload_names[m->payload_kind]);
		buf_puts(b, "\":");
		write_canon(b, payload_schema[m->payload_kind], m->payload);
		buf_putc(b, '}');
	}
	buf_puts(b, "}}");
}

jv mostro_msg_to_jv(const mostro_msg *m)
{
	jv k = jv_object();
	k = jv_object_set(k, jv_string("version"), jv_number(m->version));
	k = jv_object_set(k, jv_string("request_id"), m->has_request_id ? json_from_u64(m->request_id) : jv_null());
	k = jv_object_set(k, jv_string("trade_index"), m->has_trade_index ? json_from_i64(m->trade_index) : jv_null());
	if (m->has_id)
		k = jv_object_set(k, jv_string("id"), jv_string(m->id));
	k = jv_object_set(k, jv_string("action"), jv_string(mostro_action_names[m->action]));
	k = jv_object_set(k, jv_string("payload"), m->payload_kind == MP_NONE ? jv_null() :
		jv_object_set(jv_object(), jv_string(mostro_payload_names[m->payload_kind]), jv_copy(m->payload)));
	return jv_object_set(jv_object(), jv_string(mostro_channel_names[m->channel]), k);
}

/* MessageKind::verify() of mostro-core 0.14 (PROTOCOL §2.9). */
bool mostro_msg_verify_structure(const mostro_msg *m)
{
	mostro_payload_kind p = m->payload_kind;
	switch (m->action) {
	case MA_NEW_ORDER:
		return p == MP_ORDER;
	case MA_PAY_INVOICE:
	case MA_PAY_BOND_INVOICE:
	case MA_ADD_INVOICE:
		return m->has_id && p == MP_PAYMENT_REQUEST;
	case MA_ADD_BOND_INVOICE:
		return m->has_id && (p == MP_BOND_PAYOUT_REQUEST || p == MP_PAYMENT_REQUEST);
	case MA_ADMIN_SETTLE:
	case MA_ADMIN_CANCEL:
		return m->has_id && (p == MP_NONE || p == MP_BOND_RESOLUTION);
	case MA_ADD_CASHU_ESCROW:
		return m->has_id && p == MP_CASHU_LOCK_PROOF;
	case MA_CASHU_PM_SIGNATURE:
		return m->has_id && p == MP_CASHU_SIGNATURES && jv_array_length(jv_copy(m->payload)) > 0;
	case MA_LAST_TRADE_INDEX:
	case MA_RESTORE_SESSION:
		return p == MP_NONE;
	case MA_PAYMENT_FAILED:
		return m->has_id && p == MP_PAYMENT_FAILED;
	case MA_RATE_USER:
		return p == MP_RATING_USER;
	case MA_CANT_DO:
		return p == MP_CANT_DO;
	case MA_ORDERS:
		return p == MP_IDS || p == MP_ORDERS;
	default:
		return m->has_id && p != MP_BOND_RESOLUTION && p != MP_BOND_PAYOUT_REQUEST;
	}
}
