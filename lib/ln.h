/* ln.h — the Lightning backend interface of mostro-ln: typed errors, one
 * in-flight backend call (ln_call), and the backend vtable that the LND REST
 * backend (ln_lnd.c) and the simulated node (ln_sim.c) implement.
 *
 * Layers:
 *   ln_ops.c   JSON-lines ops: parse and validate a request, run the shared
 *              logic (mostrod's payment steps, duplicate guard, reconnects),
 *              and issue primitive calls to a backend.
 *   backend    eight primitives, mirroring the eight LND RPCs mostrod uses
 *              (LIGHTNING.md §a.1). Results and events are already in the
 *              mostro-ln schema (lowercase hex, integer sats/msats); the
 *              backend does all LND encoding (base64, quoted int64) itself.
 *
 * Call lifecycle and ownership:
 *   - The op layer allocates a call with ln_call_new(), fills the parameters
 *     for the primitive, sets on_event/on_done, and hands it to the backend's
 *     function for that primitive. From then on the backend owns the call
 *     until it completes it.
 *   - The backend reports stream messages with ln_call_event() (0..n times)
 *     and completes exactly once with ln_call_done() or ln_call_fail(). It
 *     may complete before its start function returns. ln_call_done/fail run
 *     on_done and then free the call: nobody may touch it afterwards.
 *   - ln_call_abort() stops an unfinished call: the backend releases what it
 *     holds for it (vt->abort) without calling back, then the call is freed.
 *   - Parameters owned by the call (memo, payment_request) are freed with it;
 *     the preimage field is wiped.
 */
#ifndef MU_LN_H
#define MU_LN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <jv.h>

#include "evloop.h"

#define MOSTRO_LN_VERSION "0.1.0"

/* Error kinds on the interface ("kind" in an error record). */
typedef enum ln_err_kind {
	LN_OK = 0,
	LN_ERR_INVALID_REQUEST,  /* bad JSON, unknown op, bad or missing params */
	LN_ERR_NOT_FOUND,        /* the node does not know the hash */
	LN_ERR_ALREADY_EXISTS,   /* duplicate hold invoice hash; payment already dispatched */
	LN_ERR_ALREADY_SETTLED,  /* cancel on a settled invoice */
	LN_ERR_ALREADY_CANCELED, /* settle on a canceled invoice */
	LN_ERR_STILL_OPEN,       /* settle before the payer's HTLC arrived */
	LN_ERR_WRONG_AMOUNT,     /* invoice amount differs from the expected amount */
	LN_ERR_INVALID_INVOICE,  /* does not decode, expired, wrong network, rule failed */
	LN_ERR_LNURL,            /* Lightning address / LNURL resolution failed */
	LN_ERR_AUTH,             /* macaroon missing or refused */
	LN_ERR_TRANSPORT,        /* connect, TLS, DNS, cut stream: state UNKNOWN */
	LN_ERR_TIMEOUT,          /* an op-level bound was hit: state UNKNOWN */
	LN_ERR_LND,              /* any other error reported by the node */
	LN_ERR_INTERNAL,         /* mostro-ln itself failed (database, memory) */
	LN_ERR__COUNT
} ln_err_kind;

/* "not_found" etc.; ln_err_from_name() is the inverse (LN_ERR__COUNT if unknown). */
const char *ln_err_name(ln_err_kind k);
ln_err_kind ln_err_from_name(const char *name);
/* A human sentence for the kind. */
const char *ln_strerror(ln_err_kind k);

typedef struct ln_error {
	ln_err_kind kind;
	int         grpc_code;     /* from LND, -1 when not applicable */
	int         http_status;   /* from LND, 0 when not applicable */
	char        reason[48];    /* a finer snake_case code ("expired", "bech32_bad_checksum"), or "" */
	char        message[512];
} ln_error;

void ln_error_set(ln_error *e, ln_err_kind kind, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* {"kind":..,["reason":..,]"message":..[,"grpc_code":..,"http_status":..]} */
jv ln_error_json(const ln_error *e);

/* The primitives a backend implements (LIGHTNING.md §a.1). */
typedef enum ln_prim {
	LN_PRIM_GET_INFO,
	LN_PRIM_ADD_HOLD,        /* AddHoldInvoice */
	LN_PRIM_SETTLE,          /* SettleInvoice */
	LN_PRIM_CANCEL,          /* CancelInvoice */
	LN_PRIM_LOOKUP,          /* LookupInvoice */
	LN_PRIM_SUBSCRIBE,       /* SubscribeSingleInvoice (stream) */
	LN_PRIM_SEND,            /* SendPaymentV2 (stream) */
	LN_PRIM_TRACK,           /* TrackPaymentV2 (stream, or first message only) */
	LN_PRIM__COUNT
} ln_prim;

const char *ln_prim_name(ln_prim p);

typedef struct ln_call ln_call;
/* ev is consumed. */
typedef void (*ln_event_fn)(ln_call *c, jv ev);
/* result is consumed (jv_invalid() when err != NULL); err is borrowed. */
typedef void (*ln_done_fn)(ln_call *c, jv result, const ln_error *err);

struct ln_call {
	ln_prim  prim;
	/* parameters; which ones are used depends on prim */
	uint8_t  hash[32];          /* SETTLE: derived; CANCEL, LOOKUP, SUBSCRIBE, TRACK, ADD_HOLD */
	uint8_t  preimage[32];      /* ADD_HOLD (hash = sha256(preimage)), SETTLE */
	uint64_t value_msat;        /* ADD_HOLD: invoice amount */
	uint64_t expiry_secs;       /* ADD_HOLD */
	uint32_t cltv_expiry;       /* ADD_HOLD */
	char    *memo;              /* ADD_HOLD, owned */
	char    *payment_request;   /* SEND, owned */
	uint64_t amt_sat;           /* SEND: only for amountless invoices, else 0 */
	uint64_t fee_limit_sat;     /* SEND: never 0 */
	uint32_t timeout_secs;      /* SEND: LND's route timeout */
	bool     first_only;        /* TRACK: the current state only, then done */
	/* the caller's side */
	ln_event_fn on_event;
	ln_done_fn  on_done;
	void       *owner;          /* the op layer's context */
	/* the backend's side */
	void       *bstate;
};

ln_call *ln_call_new(ln_prim prim);
void ln_call_event(ln_call *c, jv ev);
void ln_call_done(ln_call *c, jv result);
void ln_call_fail(ln_call *c, const ln_error *err);

typedef struct ln_backend ln_backend;

typedef struct ln_backend_vt {
	const char *name;                               /* "lnd", "sim" */
	void (*get_info)(ln_backend *b, ln_call *c);
	void (*add_hold)(ln_backend *b, ln_call *c);
	void (*settle)(ln_backend *b, ln_call *c);
	void (*cancel)(ln_backend *b, ln_call *c);
	void (*lookup)(ln_backend *b, ln_call *c);
	void (*subscribe)(ln_backend *b, ln_call *c);
	void (*send)(ln_backend *b, ln_call *c);
	void (*track)(ln_backend *b, ln_call *c);
	void (*abort)(ln_backend *b, ln_call *c);       /* release c's backend state, no callbacks */
	void (*destroy)(ln_backend *b);                 /* every call has completed or been aborted */
} ln_backend_vt;

struct ln_backend {
	const ln_backend_vt *vt;
	evloop *loop;
};

/* Dispatches c to the backend function for c->prim. */
void ln_backend_start(ln_backend *b, ln_call *c);
/* Stops an unfinished call and frees it. */
void ln_call_abort(ln_backend *b, ln_call *c);
void ln_backend_destroy(ln_backend *b);

/* Interface values shared by the backends. */
bool ln_invoice_state_valid(const char *s);   /* OPEN ACCEPTED SETTLED CANCELED */
bool ln_invoice_state_terminal(const char *s); /* SETTLED CANCELED */
bool ln_payment_status_valid(const char *s);  /* INITIATED IN_FLIGHT SUCCEEDED FAILED UNKNOWN */
bool ln_payment_status_terminal(const char *s); /* SUCCEEDED FAILED */

#endif
