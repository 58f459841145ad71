/* ln_simdb.h — the simulated Lightning node behind `mostro-ln --backend sim`
 * and `mostro-ln sim ...`: a SQLite file (lib/db.h, component "ln-sim").
 *
 * SIMULATED: no channel, no network, no real money. What it does reproduce is
 * what the daemon can observe through the mostro-ln interface, with LND's
 * rules and error texts (LIGHTNING.md §a, §d.2):
 *   - its own node key (default sha256("mostro-ln sim node")); hold invoices
 *     are real BOLT11 (lib/bolt11.h) signed by it: network prefix, x (default
 *     86400), c = cltv_expiry, s, d = memo, features 9/14/17;
 *   - hold invoices OPEN -> ACCEPTED -> SETTLED | CANCELED, and OPEN ->
 *     CANCELED; the payer's HTLC expires at height + cltv + 3, and the node
 *     cancels an ACCEPTED invoice 12 blocks before that (LND's
 *     holdexpirydelta); an OPEN invoice past its expiry is canceled;
 *   - a block height that only moves with `mine`, and a clock (the wall
 *     clock plus an offset, or a fixed time);
 *   - wallets (buyers, sellers) with balances, each with its own key, so
 *     their invoices have their own payee; the node pays them, they pay the
 *     node's hold invoices; an invoice of an unknown payee gets NO_ROUTE;
 *   - payments INITIATED/IN_FLIGHT -> SUCCEEDED | FAILED after a delay, with
 *     scripted outcomes (fail N times, hang until resolved, route timeout,
 *     refuse with an LND error), LND's duplicate rules.
 *
 * Several processes share one file safely: every change is one
 * BEGIN IMMEDIATE transaction, WAL, a busy timeout. A reader notices other
 * processes' commits through simdb_data_version(). Payments in flight are
 * rows with a due time; whichever process calls simdb_advance() first after
 * that time resolves them (once, inside a transaction).
 *
 * All hashes, preimages and keys are lowercase hex at this interface.
 * Ownership: the caller owns the sim_db (simdb_close) and every jv it gets.
 * Functions return false with *err set (kinds and messages as LND's, so the
 * daemon cannot tell the two backends apart).
 */
#ifndef MU_LN_SIMDB_H
#define MU_LN_SIMDB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <jv.h>

#include "ln.h"

#define SIM_SEED_DEFAULT "mostro-ln sim node"
#define SIM_HEIGHT_DEFAULT 1000
#define SIM_NODE_BALANCE_MSAT 1000000000000ULL     /* 10 BTC */
#define SIM_WALLET_BALANCE_MSAT 100000000000ULL    /* 1 BTC, for a wallet created on first use */
#define SIM_HOLD_EXPIRY_DELTA 12                   /* LND's holdexpirydelta */
#define SIM_HTLC_EXTRA_BLOCKS 3                    /* HTLC expiry = height + cltv + 3 */

typedef struct sim_db sim_db;

/* Opens (creating and initialising if needed) the node's database. A new
 * file is created 0600 whatever the umask (safefile_create_private), so its
 * -wal and -shm files are 0600 too: it holds the node's key, the wallets'
 * keys and every preimage. A dangling symlink or a non-regular file at path
 * is refused. */
sim_db *simdb_open(const char *path, char *err, size_t errlen);
void simdb_close(sim_db *d);

/* SQLite's data_version: changes when another connection commits. */
int64_t simdb_data_version(sim_db *d);
/* The node's clock in seconds. */
uint64_t simdb_now(sim_db *d);

/* Resolves payments whose time came, expires OPEN invoices past their
 * expiry. now_ms: wall-clock milliseconds. Returns the number of changes
 * (-1 on a database error). */
int simdb_advance(sim_db *d, uint64_t now_ms);

/* --- the node's side (the backend primitives) --- */
bool simdb_get_info(sim_db *d, jv *out, ln_error *err);
/* out: {payment_request, add_index, payment_addr} */
bool simdb_add_hold(sim_db *d, const uint8_t hash[32], uint64_t value_msat, const char *memo,
		    uint64_t expiry, uint32_t cltv, jv *out, ln_error *err);
bool simdb_settle(sim_db *d, const uint8_t preimage[32], ln_error *err);
bool simdb_cancel(sim_db *d, const uint8_t hash[32], ln_error *err);
/* The lookup_invoice record. */
bool simdb_lookup(sim_db *d, const uint8_t hash[32], jv *out, ln_error *err);
/* The watch event {hash,state,amt_paid_msat}; false (err NULL-safe) when unknown. */
bool simdb_invoice_event(sim_db *d, const uint8_t hash[32], jv *out);
/* Whether a payer's HTLC ever reached the node's invoice (it has been
 * ACCEPTED, whatever its state now), with the HTLC's amount. */
bool simdb_invoice_was_accepted(sim_db *d, const uint8_t hash[32], uint64_t *amt_msat);
/* The node pays: LND's pre-flight checks, then a payment row. */
bool simdb_send(sim_db *d, const char *payment_request, uint64_t amt_sat, uint64_t fee_limit_sat,
		uint64_t now_ms, ln_error *err);
/* The payment event {payment_hash,status,...}; false when there is none. */
bool simdb_payment_event(sim_db *d, const uint8_t hash[32], jv *out);

/* --- control (mostro-ln sim ...) --- */
/* Node settings; NULL/0 leaves a value unchanged. */
bool simdb_configure(sim_db *d, const char *network, uint64_t height, const char *alias, ln_error *err);
/* A wallet pays the node's hold invoice: OPEN -> ACCEPTED. amt_msat 0 = the
 * invoice amount (required for an amountless one). */
bool simdb_pay_hold(sim_db *d, const uint8_t hash[32], const char *wallet, uint64_t amt_msat,
		    jv *out, ln_error *err);
/* A wallet pays any invoice of this node or of another wallet. */
bool simdb_wallet_pay(sim_db *d, const char *payment_request, const char *wallet, uint64_t amt_sat,
		      jv *out, ln_error *err);
/* An invoice of a wallet (a payee for the node's payments).
 * out: {payment_request, hash, preimage, wallet, payee_pubkey} */
bool simdb_wallet_invoice(sim_db *d, const char *wallet, bool has_amount, uint64_t amount_msat,
			  const char *memo, uint64_t expiry, uint32_t cltv, uint64_t timestamp,
			  jv *out, ln_error *err);
bool simdb_mine(sim_db *d, uint32_t blocks, jv *out, ln_error *err);
/* Clock: fixed >= 0 sets a fixed time; fixed < 0 returns to the wall clock
 * plus offset; advance adds seconds to whichever is in use. */
bool simdb_clock(sim_db *d, bool set_fixed, int64_t fixed, int64_t advance, jv *out, ln_error *err);
/* Payment scripts. outcome: succeed | fail:REASON | hang | initiated_then_succeed |
 * error:CODE:MESSAGE. times < 0 = every time. match: a payment hash or "default". */
bool simdb_script(sim_db *d, const char *match, const char *outcome, int64_t times, uint64_t delay_ms,
		  ln_error *err);
bool simdb_outcome_valid(const char *outcome);
/* Resolves a hanging payment now (succeed or fail:REASON). */
bool simdb_resolve(sim_db *d, const uint8_t hash[32], const char *outcome, ln_error *err);
/* Creates a wallet (or sets its balance when set_balance). */
bool simdb_wallet(sim_db *d, const char *name, bool set_balance, uint64_t balance_msat, jv *out, ln_error *err);
/* Everything, for tests and demos. */
bool simdb_state(sim_db *d, jv *out, ln_error *err);

#endif
