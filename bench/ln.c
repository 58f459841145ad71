/* bench/ln — what mostro-ln's Lightning paths cost next to the primitive they
 * stand on, measured in the same run on one core. See bench/README.md.
 *
 * Rows are grouped in sections (the `sections` table at the bottom): each
 * section prepares its data and prints its rows with row(). To add figures,
 * add a section function and one line in the table.
 *
 * BOLT11: decoding includes everything bolt11_decode does (bech32, HRP,
 * fields, signing hash, signature) and is compared with the libsecp256k1
 * call that dominates it, run on the very same (signature, hash) pairs:
 * secp256k1_ecdsa_recover for invoices without an n field, the verify path
 * (parse, normalize, verify) with one. The ratio is the share of the time
 * that is the curve operation. */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <secp256k1.h>
#include <secp256k1_recovery.h>

#include "bolt11.h"
#include "buf.h"
#include "db.h"
#include "evloop.h"
#include "keys.h"
#include "ln.h"
#include "ln_ops.h"
#include "ln_sim.h"
#include "ln_simdb.h"
#include "sha256.h"

#include "bench.h"

/* Measures ours and its floor (floor may be NULL), interleaved, and prints the row. */
static void row(const char *what, op_fn ours, void *co, const char *floor_name, op_fn floor, void *cf)
{
	double a, b = 0;
	bench_best_pair(ours, co, &a, floor, cf, &b);
	bench_print_row(34, 30, what, a, floor ? floor_name : "(no floor)", b);
}

/* ---- BOLT11 --------------------------------------------------------------- */

#define NINV 64   /* distinct invoices, so no cache or branch predictor sees one */

typedef struct invset {
	char    *text[NINV];
	size_t   len[NINV];
	uint8_t  hash[NINV][32];
	uint8_t  sig[NINV][64];
	int      recid[NINV];
	uint8_t  payee[NINV][33];
	uint8_t  sk[NINV][32];
	const secp256k1_context *ctx;
	int      failures;
} invset;

/* A realistic LND-style invoice: regtest, amount, memo, x, c, features 9/14/17,
 * optionally with n, route hints and fallbacks. */
static void make_invoices(invset *s, bool with_n, bool big)
{
	s->ctx = secp();
	s->failures = 0;
	for (int i = 0; i < NINV; i++) {
		bolt11_invoice inv;
		uint16_t feats[] = {9, 14, 17};
		char seed[32];
		snprintf(seed, sizeof seed, "bench key %d", i);
		sha256(s->sk[i], seed, strlen(seed));
		bolt11_invoice_init(&inv);
		inv.network = BOLT11_REGTEST;
		inv.has_amount = true;
		inv.amount_msat = 100000000ull + 1000ull * (uint64_t)i;
		inv.timestamp = 1750000000 + (uint64_t)i;
		sha256(inv.payment_hash, seed, 5 + (size_t)(i % 7));
		memset(inv.payment_secret, i, 32);
		inv.has_payment_secret = true;
		const char *memo = "Escrow amount Order #2f1e8c4e-0b4d-4d3a-9a51-7e0f8c1d2b3a: SELL BTC for EUR 100";
		bolt11_set_description(&inv, memo, strlen(memo));
		inv.expiry = 86400, inv.expiry_explicit = true;
		inv.min_final_cltv_expiry = 144, inv.min_final_cltv_expiry_explicit = true;
		bolt11_set_features(&inv, feats, 3);
		inv.payee_pubkey_field = with_n;
		if (big) {
			bolt11_hop hops[3];
			for (int h = 0; h < 3; h++) {
				uint8_t hsk[32];
				secp256k1_pubkey p;
				size_t pl = 33;
				memset(hsk, h + 1, 32);
				if (!secp256k1_ec_pubkey_create(s->ctx, &p, hsk))
					abort();
				secp256k1_ec_pubkey_serialize(s->ctx, hops[h].pubkey, &pl, &p, SECP256K1_EC_COMPRESSED);
				hops[h].short_channel_id = ((uint64_t)800000 << 40) | ((uint64_t)h << 16);
				hops[h].fee_base_msat = 1000;
				hops[h].fee_proportional_millionths = 100;
				hops[h].cltv_expiry_delta = 40;
			}
			bolt11_add_route(&inv, hops, 1);
			bolt11_add_route(&inv, hops + 1, 2);
			uint8_t prog[32];
			memset(prog, 0x5a, 32);
			bolt11_add_fallback(&inv, 0, prog, 20);
			bolt11_add_fallback(&inv, 1, prog, 32);
		}
		buf out = BUF_INIT;
		if (bolt11_encode(&out, &inv, s->sk[i]) != BOLT11_OK)
			abort();
		s->len[i] = out.len;
		s->text[i] = buf_steal(&out);
		memcpy(s->hash[i], inv.signing_hash, 32);
		memcpy(s->sig[i], inv.signature, 64);
		s->recid[i] = inv.recovery_id;
		memcpy(s->payee[i], inv.payee_pubkey, 33);
		bolt11_free(&inv);
	}
}

static void free_invoices(invset *s)
{
	for (int i = 0; i < NINV; i++)
		free(s->text[i]);
}

static void op_decode(void *c, long n)
{
	invset *s = c;
	for (long i = 0; i < n; i++) {
		bolt11_invoice inv;
		int k = (int)(i % NINV);
		if (bolt11_decode(&inv, s->text[k], s->len[k], 0, NULL, 0) != BOLT11_OK ||
		    memcmp(inv.payee_pubkey, s->payee[k], 33) != 0)
			s->failures++;
		bolt11_free(&inv);
	}
}

static void op_recover(void *c, long n)
{
	invset *s = c;
	for (long i = 0; i < n; i++) {
		int k = (int)(i % NINV);
		secp256k1_ecdsa_recoverable_signature rs;
		secp256k1_pubkey pk;
		if (!secp256k1_ecdsa_recoverable_signature_parse_compact(s->ctx, &rs, s->sig[k], s->recid[k]) ||
		    !secp256k1_ecdsa_recover(s->ctx, &pk, &rs, s->hash[k]))
			s->failures++;
	}
}

static void op_verify(void *c, long n)
{
	invset *s = c;
	for (long i = 0; i < n; i++) {
		int k = (int)(i % NINV);
		secp256k1_ecdsa_signature sig;
		secp256k1_pubkey pk;
		if (!secp256k1_ec_pubkey_parse(s->ctx, &pk, s->payee[k], 33) ||
		    !secp256k1_ecdsa_signature_parse_compact(s->ctx, &sig, s->sig[k]) ||
		    secp256k1_ecdsa_signature_normalize(s->ctx, NULL, &sig) ||
		    !secp256k1_ecdsa_verify(s->ctx, &sig, s->hash[k], &pk))
			s->failures++;
	}
}

typedef struct encctx {
	invset *s;
	bolt11_invoice inv;
	buf out;
} encctx;

static void op_encode(void *c, long n)
{
	encctx *e = c;
	for (long i = 0; i < n; i++) {
		buf_reset(&e->out);
		e->inv.timestamp = 1750000000 + (uint64_t)(i & 1023);
		if (bolt11_encode(&e->out, &e->inv, e->s->sk[0]) != BOLT11_OK)   /* a node has one key */
			e->s->failures++;
	}
}

static void op_sign(void *c, long n)
{
	encctx *e = c;
	for (long i = 0; i < n; i++) {
		secp256k1_ecdsa_recoverable_signature rs;
		uint8_t h[32];
		memcpy(h, e->s->hash[i % NINV], 32);
		h[0] ^= (uint8_t)i;
		if (!secp256k1_ecdsa_sign_recoverable(e->s->ctx, &rs, h, e->s->sk[0], NULL, NULL))
			e->s->failures++;
	}
}

static int section_bolt11(void)
{
	invset plain, withn, big;
	make_invoices(&plain, false, false);
	make_invoices(&withn, true, false);
	make_invoices(&big, false, true);
	char label[64];
	snprintf(label, sizeof label, "bolt11 decode (%zu chars, recover)", plain.len[0]);
	row(label, op_decode, &plain, "raw secp256k1_ecdsa_recover", op_recover, &plain);
	snprintf(label, sizeof label, "bolt11 decode (%zu chars, n field)", withn.len[0]);
	row(label, op_decode, &withn, "raw parse+normalize+verify", op_verify, &withn);
	snprintf(label, sizeof label, "bolt11 decode (%zu chars, r and f)", big.len[0]);
	row(label, op_decode, &big, "raw secp256k1_ecdsa_recover", op_recover, &big);

	encctx e = {&plain, {0}, BUF_INIT};
	bolt11_decode(&e.inv, plain.text[0], plain.len[0], 0, NULL, 0);
	row("bolt11 encode + sign", op_encode, &e, "raw sign_recoverable", op_sign, &e);
	bolt11_free(&e.inv);
	buf_free(&e.out);

	int failures = plain.failures + withn.failures + big.failures;
	free_invoices(&plain);
	free_invoices(&withn);
	free_invoices(&big);
	return failures;
}

/* ---- the sim node: hold invoice round trips ------------------------------ */

/* One round trip is what an escrow costs the simulated node: create the hold
 * invoice (BOLT11 signed by the node key, one transaction), the seller's
 * wallet pays it from another connection as `mostro-ln sim pay-hold` would
 * (OPEN -> ACCEPTED, one transaction), settle (one transaction). The floor is
 * the irreducible part of that: one invoice encode+sign and three bare write
 * transactions on a table in the same WAL file. A second row runs the same
 * trip through `run`'s op layer (JSON request lines in, result records out,
 * ln_ops over the sim backend), with the direct trip as its floor. */

typedef struct simctx {
	sim_db   *node, *payer;     /* two connections, as two processes would have */
	sqlite3  *raw;              /* the floor's connection */
	ln_ops   *ops;
	ln_backend *backend;
	evloop   *loop;
	encctx   *enc;
	uint64_t  seq;
	long      results;
	int       failures;
} simctx;

static void next_preimage(simctx *c, uint8_t pre[32], uint8_t hash[32])
{
	memset(pre, 0, 32);
	uint64_t s = ++c->seq;
	memcpy(pre, &s, sizeof s);
	pre[31] = 0xbe;
	sha256(hash, pre, 32);
}

static void op_sim_trip(void *v, long n)
{
	simctx *c = v;
	for (long i = 0; i < n; i++) {
		uint8_t pre[32], hash[32];
		next_preimage(c, pre, hash);
		jv out = jv_invalid();
		ln_error err;
		if (!simdb_add_hold(c->node, hash, 100000000, "Escrow amount Order #bench", 86400, 144, &out, &err) ||
		    (jv_free(out), out = jv_invalid(), !simdb_pay_hold(c->payer, hash, "seller", 0, &out, &err)) ||
		    !simdb_settle(c->node, pre, &err))
			c->failures++;
		jv_free(out);
	}
}

static void op_sim_floor(void *v, long n)
{
	simctx *c = v;
	for (long i = 0; i < n; i++) {
		op_encode(c->enc, 1);
		for (int k = 0; k < 3; k++) {
			char sql[160];
			snprintf(sql, sizeof sql, "BEGIN IMMEDIATE; INSERT INTO floor(v) VALUES (%llu); COMMIT;",
				 (unsigned long long)++c->seq);
			if (sqlite3_exec(c->raw, sql, NULL, NULL, NULL) != SQLITE_OK)
				c->failures++;
		}
	}
}

static void count_result(void *v, jv rec)
{
	simctx *c = v;
	jv ok = jv_object_get(rec, jv_string("ok"));
	if (jv_get_kind(ok) == JV_KIND_TRUE)
		c->results++;
	else
		c->failures++;
	jv_free(ok);
}

static void op_run_trip(void *v, long n)
{
	simctx *c = v;
	for (long i = 0; i < n; i++) {
		uint8_t pre[32], hash[32];
		char ph[65], line[256];
		next_preimage(c, pre, hash);
		for (int k = 0; k < 32; k++)
			snprintf(ph + 2 * k, 3, "%02x", pre[k]);
		int len = snprintf(line, sizeof line,
				   "{\"id\":\"c\",\"op\":\"create_hold_invoice\",\"amount_sat\":100000,\"memo\":\"Escrow\",\"preimage\":\"%s\"}", ph);
		ln_ops_line(c->ops, line, (size_t)len, 1);
		jv out = jv_invalid();
		ln_error err;
		if (!simdb_pay_hold(c->payer, hash, "seller", 0, &out, &err))
			c->failures++;
		jv_free(out);
		len = snprintf(line, sizeof line, "{\"id\":\"s\",\"op\":\"settle_hold_invoice\",\"preimage\":\"%s\"}", ph);
		ln_ops_line(c->ops, line, (size_t)len, 2);
	}
}

static int section_sim(void)
{
	char dir[] = "/tmp/mostro-bench-XXXXXX", path[64], err[256];
	if (!mkdtemp(dir))
		return 1;
	snprintf(path, sizeof path, "%s/sim.db", dir);
	simctx c;
	memset(&c, 0, sizeof c);
	c.node = simdb_open(path, err, sizeof err);
	c.payer = simdb_open(path, err, sizeof err);
	if (!c.node || !c.payer || db_open(&c.raw, path, "bench-floor", NULL, 0, err, sizeof err) != DB_OK ||
	    !db_exec(c.raw, "CREATE TABLE IF NOT EXISTS floor(v INTEGER)", err, sizeof err)) {
		fprintf(stderr, "bench/ln: %s\n", err);
		return 1;
	}
	jv w = jv_invalid();
	ln_error e;
	simdb_wallet(c.payer, "seller", true, UINT64_MAX / 4, &w, &e);   /* enough for any run */
	jv_free(w);
	invset plain;
	make_invoices(&plain, false, false);
	encctx enc = {&plain, {0}, BUF_INIT};
	bolt11_decode(&enc.inv, plain.text[0], plain.len[0], 0, NULL, 0);
	c.enc = &enc;
	row("sim hold invoice round trip", op_sim_trip, &c, "sign + 3 bare WAL commits", op_sim_floor, &c);

	c.loop = evloop_new();
	ln_sim_config sc = {path, 0};
	c.backend = ln_sim_new(c.loop, &sc, err, sizeof err);
	ln_ops_config oc;
	ln_ops_config_defaults(&oc);
	c.ops = ln_ops_new(c.backend, &oc, count_result, &c);
	row("run ops: same trip, JSON in/out", op_run_trip, &c, "sim round trip (direct)", op_sim_trip, &c);

	ln_ops_free(c.ops);
	ln_backend_destroy(c.backend);
	evloop_free(c.loop);
	bolt11_free(&enc.inv);
	buf_free(&enc.out);
	free_invoices(&plain);
	simdb_close(c.node);
	simdb_close(c.payer);
	db_close(c.raw);
	char cmd[128];
	snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
	if (system(cmd) != 0)
		c.failures++;
	return c.failures + plain.failures;
}

/* ---- sections ------------------------------------------------------------- */

static const struct {
	const char *name;
	int (*run)(void);       /* prints its rows; returns the number of failed operations */
} sections[] = {
	{"bolt11", section_bolt11},
	{"sim", section_sim},
};

int main(int argc, char **argv)
{
	bench_slice_arg(argc, argv);
	double t0 = bench_now();
	printf("ln bench: one thread, best of %d x %.2f s slices, ours and floor interleaved\n", BENCH_ROUNDS, bench_slice);
	printf("%-34s %12s   %-30s %12s   %s\n", "ours", "", "floor (same run)", "", "ratio");
	int failures = 0;
	for (size_t i = 0; i < sizeof sections / sizeof *sections; i++)
		failures += sections[i].run();
	printf("total %.1f s\n", bench_now() - t0);
	if (failures) {
		fprintf(stderr, "bench/ln: %d operations failed\n", failures);
		return 1;
	}
	return 0;
}
