/* bench/envelopes — mostro-wrap / mostro-unwrap throughput on one core, next
 * to the crypto floor and to nostr-tools and rust-nostr on the same corpus in
 * the same run. See bench/README.md.
 *
 * Ours is the work of the tools per line without the I/O: unwrap = parse the
 * event line, env_unwrap (every check), write the output record; wrap = parse
 * the message line, strict model + canonical text, mostro_wrap, write the
 * event. The floor is the libsecp256k1 calls an envelope needs, made directly
 * (x-only keys parsed each time, as every envelope brings new keys):
 *   unwrap v2 reputation   3 verify (event, trade signature, identity proof) + 1 ECDH
 *   unwrap v2 full privacy 1 verify + 1 ECDH
 *   unwrap v1 reputation   3 verify (wrap, seal, trade signature) + 2 ECDH (wrap, seal)
 *   unwrap v1 full privacy 2 verify + 2 ECDH
 *   wrap v2 reputation     3 sign (trade, proof, event) + 1 ECDH
 *   wrap v1 reputation     3 sign (trade, seal, wrap) + 2 ECDH + 1 keypair (ephemeral)
 * The peers run tests/interop/bench-envelopes.mjs (node) over the corpus this
 * program writes; they do the same checks with their own primitives. */
#define _GNU_SOURCE
#define OPENSSL_SUPPRESS_DEPRECATED 1
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <secp256k1.h>
#include <secp256k1_ecdh.h>
#include <secp256k1_extrakeys.h>
#include <secp256k1_schnorrsig.h>
#include <sodium.h>

#include "buf.h"
#include "event.h"
#include "hex.h"
#include "json.h"
#include "keys.h"
#include "mostro_envelope.h"
#include "mostro_msg.h"
#include "mostro_sign.h"

/* Thread CPU time, not wall time: the figures should not depend on what else
 * the machine runs (the peers' script measures process CPU time the same way). */
#define BENCH_SLICE 0.25
#define BENCH_CLOCK CLOCK_THREAD_CPUTIME_ID
#include "bench.h"

#define NCORPUS 128
static volatile uint64_t sink;

/* ------------------------------------------------------------- corpus */

static const char *const MESSAGES[] = {
	"{\"order\":{\"version\":2,\"request_id\":1,\"trade_index\":1,\"id\":\"308e1272-d5f4-47e6-bd97-3504baea9c23\",\"action\":\"take-sell\",\"payload\":null}}",
	"{\"order\":{\"version\":2,\"request_id\":42,\"trade_index\":2,\"action\":\"new-order\",\"payload\":{\"order\":{\"kind\":\"sell\",\"status\":\"pending\",\"amount\":0,\"fiat_code\":\"VES\",\"min_amount\":null,\"max_amount\":null,\"fiat_amount\":100,\"payment_method\":\"face to face,bank transfer\",\"premium\":1,\"created_at\":null,\"expires_at\":null}}}}",
	"{\"order\":{\"version\":2,\"request_id\":7,\"trade_index\":4,\"id\":\"308e1272-d5f4-47e6-bd97-3504baea9c23\",\"action\":\"add-invoice\",\"payload\":{\"payment_request\":[null,\"lnbcrt78510n1pj59wmepp50677g8tffdqa2p8882y0x6newny5vtz0hjuyngdwv226nanv4uzsdqqcqzzsxqyz5vqsp5skn973360gp4yhlpmefwvul5hs58lkkl3u3ujvt57elmp4zugp4q9qyyssqw4nzlr72w28k4waycf27qvgzc9sp79sqlw83j56txltz4va44j7jda23ydcujj9y5k6k0rn5ms84w8wmcmcyk5g3mhpqepf7envhdccp72nz6e\",7851]}}}",
	"{\"order\":{\"version\":2,\"request_id\":9,\"trade_index\":5,\"id\":\"308e1272-d5f4-47e6-bd97-3504baea9c23\",\"action\":\"fiat-sent\",\"payload\":null}}",
};
#define NMSG 4
#define NTRADE 16
#define NSETS 6

typedef struct corpus {
	mu_key mostro, identity, trade[NTRADE];   /* the warm key set */
	char  *lines[NCORPUS];
} corpus;

/* warm: NTRADE trade keys and one identity take turns (a trade key sends a
 * few messages, the identity all of them); cold: every envelope from its own
 * trade and identity keys, so no conversation key can be reused. */
static void corpus_build(corpus *c, mostro_transport t, bool reputation, bool cold)
{
	for (int i = 0; i < NCORPUS; i++) {
		mostro_wrap_opts o = { .transport = t, .has_expiration = t == MOSTRO_V2,
				       .expiration = (uint64_t)time(NULL) + 86400 };
		nostr_event ev;
		mu_key tk, ik;
		if (cold) {
			key_generate(&tk);
			key_generate(&ik);
		} else {
			tk = c->trade[i % NTRADE];
			ik = c->identity;
		}
		const char *m = MESSAGES[i % NMSG];
		if (mostro_wrap(&ev, m, strlen(m), &tk, reputation ? &ik : NULL, c->mostro.pk, &o) != ENV_WRAP_OK)
			abort();
		buf b = BUF_INIT;
		event_write(&b, &ev);
		c->lines[i] = buf_steal(&b);
		event_free(&ev);
		key_wipe(&tk);
		key_wipe(&ik);
	}
}

/* ------------------------------------------------------------- ours */

typedef struct unwrap_ctx {
	corpus       *c;
	env_keyring   ring;
	env_unwrapper u;
	buf           out;
	long          i;
} unwrap_ctx;

static void our_unwrap(void *p, long n)
{
	unwrap_ctx *x = p;
	for (long k = 0; k < n; k++) {
		const char *line = x->c->lines[x->i++ % NCORPUS];
		nostr_event ev;
		if (event_parse(&ev, line, strlen(line), 0, NULL, 0) != EVENT_OK)
			abort();
		env_opened o;
		char d[200];
		if (env_unwrap(&x->u, &ev, &o, d, sizeof d) != ENV_OK) {
			fprintf(stderr, "bench: unwrap failed: %s\n", d);
			abort();
		}
		buf_reset(&x->out);
		env_opened_write(&x->out, &o);
		sink += (uint8_t)x->out.p[x->out.len - 2];
		env_opened_free(&o);
		event_free(&ev);
	}
}

typedef struct wrap_ctx {
	corpus          *c;
	mostro_transport t;
	buf              out;
	long             i;
} wrap_ctx;

static void our_wrap(void *p, long n)
{
	wrap_ctx *x = p;
	for (long k = 0; k < n; k++) {
		const char *line = MESSAGES[x->i % NMSG];
		mostro_msg m;
		if (mostro_msg_parse(&m, line, strlen(line), NULL) != MOSTRO_MSG_OK)
			abort();
		buf canon = BUF_INIT;
		mostro_msg_write(&canon, &m);
		mostro_msg_free(&m);
		mostro_wrap_opts o = { .transport = x->t, .has_expiration = x->t == MOSTRO_V2,
				       .expiration = 1900000000 };
		nostr_event ev;
		if (mostro_wrap(&ev, canon.p, canon.len, &x->c->trade[x->i % NTRADE], &x->c->identity,
				x->c->mostro.pk, &o) != ENV_WRAP_OK)
			abort();
		buf_free(&canon);
		buf_reset(&x->out);
		event_write(&x->out, &ev);
		sink += (uint8_t)x->out.p[10];
		event_free(&ev);
		x->i++;
	}
}

/* ------------------------------------------------------------- floor */

typedef struct floor_ctx {
	secp256k1_context *raw;
	int      verifies, ecdhs, signs, keypairs;
	uint8_t  pk[NTRADE][32], sk[NTRADE][32], msg[32], sig[NTRADE][64];
	secp256k1_keypair kp[NTRADE];
	long     i;
} floor_ctx;

static int copy_x(unsigned char *out, const unsigned char *x, const unsigned char *y, void *d)
{
	(void)y;
	(void)d;
	memcpy(out, x, 32);
	return 1;
}

static void floor_ops(void *p, long n)
{
	floor_ctx *f = p;
	for (long k = 0; k < n; k++) {
		int j = (int)(f->i++ % NTRADE);
		for (int v = 0; v < f->verifies; v++) {
			secp256k1_xonly_pubkey x;
			sink += (uint64_t)secp256k1_xonly_pubkey_parse(f->raw, &x, f->pk[j]);
			sink += (uint64_t)secp256k1_schnorrsig_verify(f->raw, f->sig[j], f->msg, 32, &x);
		}
		for (int e = 0; e < f->ecdhs; e++) {
			uint8_t comp[33] = {0x02}, out[32];
			secp256k1_pubkey pt;
			memcpy(comp + 1, f->pk[(j + 1) % NTRADE], 32);
			sink += (uint64_t)secp256k1_ec_pubkey_parse(f->raw, &pt, comp, 33);
			sink += (uint64_t)secp256k1_ecdh(f->raw, out, &pt, f->sk[j], copy_x, NULL);
		}
		for (int s = 0; s < f->signs; s++) {
			uint8_t sig[64], aux[32] = {0};
			sink += (uint64_t)secp256k1_schnorrsig_sign32(f->raw, sig, f->msg, &f->kp[j], aux);
		}
		for (int q = 0; q < f->keypairs; q++) {
			secp256k1_keypair kp;
			sink += (uint64_t)secp256k1_keypair_create(f->raw, &kp, f->sk[(j + 3) % NTRADE]);
		}
	}
}

/* ------------------------------------------------------------- peers */

/* Runs the node script over the corpus file; fills rates by row name. */
typedef struct peer_rates {
	char   name[64];
	double tools, rust;
} peer_rates;

static int run_peers(const char *top, const char *corpus_file, peer_rates *pr, int cap)
{
	char cmd[4096];
	snprintf(cmd, sizeof cmd, "cd '%s/tests/interop' && [ -d node_modules/nostr-tools ] && "
		 "node bench-envelopes.mjs '%s' %.3f 2>/dev/null", top, corpus_file, bench_slice);
	FILE *f = popen(cmd, "r");
	if (!f)
		return 0;
	char line[512];
	int n = 0;
	while (fgets(line, sizeof line, f) && n < cap) {
		jv v = json_parse(line, strlen(line), 0, NULL);
		const char *name = json_get_str(v, "row", NULL);
		if (name) {
			snprintf(pr[n].name, sizeof pr[n].name, "%s", name);
			jv a = json_get(v, "nostr_tools"), b = json_get(v, "rust_nostr");
			pr[n].tools = jv_get_kind(a) == JV_KIND_NUMBER ? jv_number_value(a) : 0;
			pr[n].rust = jv_get_kind(b) == JV_KIND_NUMBER ? jv_number_value(b) : 0;
			jv_free(a);
			jv_free(b);
			n++;
		}
		jv_free(v);
	}
	pclose(f);
	return n;
}

static const peer_rates *peer(const peer_rates *pr, int n, const char *name)
{
	for (int i = 0; i < n; i++)
		if (strcmp(pr[i].name, name) == 0)
			return &pr[i];
	return NULL;
}

static void write_corpus_file(const char *path, corpus *c[NSETS], const char *const names[NSETS])
{
	FILE *f = fopen(path, "w");
	char hx[65];
	if (!f)
		abort();
	fprintf(f, "{\"type\":\"keys\",\"mostro\":\"%s\"", (hex_encode(hx, c[0]->mostro.sk, 32), hx));
	fprintf(f, ",\"identity\":\"%s\",\"trade\":[", (hex_encode(hx, c[0]->identity.sk, 32), hx));
	for (int i = 0; i < NTRADE; i++)
		fprintf(f, "%s\"%s\"", i ? "," : "", (hex_encode(hx, c[0]->trade[i].sk, 32), hx));
	fprintf(f, "]}\n");
	for (int i = 0; i < NMSG; i++) {
		buf b = BUF_INIT;
		json_write_string(&b, MESSAGES[i], strlen(MESSAGES[i]));
		fprintf(f, "{\"type\":\"message\",\"text\":%s}\n", b.p);
		buf_free(&b);
	}
	for (int s = 0; s < NSETS; s++)
		for (int i = 0; i < NCORPUS; i++)
			fprintf(f, "{\"type\":\"event\",\"set\":\"%s\",\"event\":%s}\n", names[s], c[s]->lines[i]);
	fclose(f);
}

/* ------------------------------------------------------------- main */

int main(int argc, char **argv)
{
	bench_slice_arg(argc, argv);
	if (sodium_init() < 0)
		return 1;
	const char *top = getenv("MOSTRO_TOP");
	char cwd[2048];
	if (!top)
		top = getcwd(cwd, sizeof cwd);
	corpus base;
	key_generate(&base.mostro);
	key_generate(&base.identity);
	for (int i = 0; i < NTRADE; i++)
		key_generate(&base.trade[i]);
	static const char *const set_names[NSETS] = {
		"v2-reputation-cold", "v2-reputation-warm", "v2-full-privacy-cold",
		"v1-reputation-cold", "v1-reputation-warm", "v1-full-privacy-cold",
	};
	static const struct { mostro_transport t; bool rep, cold; } set_kind[NSETS] = {
		{MOSTRO_V2, true, true}, {MOSTRO_V2, true, false}, {MOSTRO_V2, false, true},
		{MOSTRO_V1, true, true}, {MOSTRO_V1, true, false}, {MOSTRO_V1, false, true},
	};
	corpus sets[NSETS], *all[NSETS];
	for (int i = 0; i < NSETS; i++) {
		sets[i] = base;
		corpus_build(&sets[i], set_kind[i].t, set_kind[i].rep, set_kind[i].cold);
		all[i] = &sets[i];
	}
	char path[] = "/tmp/mostro-bench-envelopes-XXXXXX";
	int fd = mkstemp(path);
	if (fd < 0)
		return 1;
	close(fd);
	write_corpus_file(path, all, set_names);

	printf("envelopes bench: one thread, best of %d x %.2f s slices; %d envelopes per set, %d trade keys\n",
	       BENCH_ROUNDS, bench_slice, NCORPUS, NTRADE);
	fflush(stdout);
	peer_rates pr[16];
	int npr = getenv("MOSTRO_BENCH_NO_PEERS") ? 0 : run_peers(top, path, pr, 16);
	unlink(path);
	if (npr == 0)
		printf("(peers not measured: MOSTRO_BENCH_NO_PEERS set, or node / tests/interop/node_modules missing: run tests/interop/run once)\n");

	floor_ctx fl;
	memset(&fl, 0, sizeof fl);
	fl.raw = secp256k1_context_create(SECP256K1_CONTEXT_SIGN | SECP256K1_CONTEXT_VERIFY);
	randombytes_buf(fl.msg, 32);
	for (int i = 0; i < NTRADE; i++) {
		memcpy(fl.pk[i], base.trade[i].pk, 32);
		memcpy(fl.sk[i], base.trade[i].sk, 32);
		if (!secp256k1_keypair_create(fl.raw, &fl.kp[i], fl.sk[i]) ||
		    !secp256k1_schnorrsig_sign32(fl.raw, fl.sig[i], fl.msg, &fl.kp[i], NULL))
			return 1;
	}

	printf("\n%-26s %9s   %-19s %6s   %-17s %6s\n", "", "ours", "crypto floor", "ratio",
	       "nostr-tools", "ratio");
	printf("%-26s %9s   %-19s %6s   %-17s %6s\n", "", "", "", "", "rust-nostr", "ratio");
	static const struct { const char *name; int set; bool unwrap; mostro_transport t; int v, e, s, k; } rows[] = {
		{"unwrap v2 reputation", 0, true, MOSTRO_V2, 3, 1, 0, 0},
		{"unwrap v2 reputation warm", 1, true, MOSTRO_V2, 3, 1, 0, 0},
		{"unwrap v2 full-privacy", 2, true, MOSTRO_V2, 1, 1, 0, 0},
		{"unwrap v1 reputation", 3, true, MOSTRO_V1, 3, 2, 0, 0},
		{"unwrap v1 reputation warm", 4, true, MOSTRO_V1, 3, 2, 0, 0},
		{"unwrap v1 full-privacy", 5, true, MOSTRO_V1, 2, 2, 0, 0},
		{"wrap v2 reputation", 0, false, MOSTRO_V2, 0, 1, 3, 0},
		{"wrap v1 reputation", 3, false, MOSTRO_V1, 0, 2, 3, 1},
	};
	for (size_t r = 0; r < sizeof rows / sizeof *rows; r++) {
		double ours, fr;
		fl.verifies = rows[r].v;
		fl.ecdhs = rows[r].e;
		fl.signs = rows[r].s;
		fl.keypairs = rows[r].k;
		if (rows[r].unwrap) {
			unwrap_ctx u;
			memset(&u, 0, sizeof u);
			u.c = all[rows[r].set];
			env_keyring_init(&u.ring);
			env_keyring_add(&u.ring, &base.mostro);
			env_unwrapper_init(&u.u, &u.ring, NULL);
			bench_best_pair(our_unwrap, &u, &ours, floor_ops, &fl, &fr);
			env_unwrapper_free(&u.u);
			env_keyring_free(&u.ring);
			buf_free(&u.out);
		} else {
			wrap_ctx w = { .c = &base, .t = rows[r].t };
			bench_best_pair(our_wrap, &w, &ours, floor_ops, &fl, &fr);
			buf_free(&w.out);
		}
		char fn[24], a[24], b[24], c1[24], d1[24], r1[12], r2[12], r3[12];
		if (rows[r].unwrap)
			snprintf(fn, sizeof fn, "%dv+%de", rows[r].v, rows[r].e);
		else
			snprintf(fn, sizeof fn, "%ds+%de%s", rows[r].s, rows[r].e, rows[r].k ? "+1k" : "");
		const peer_rates *p = peer(pr, npr, rows[r].name);
		char floorcol[40];
		snprintf(floorcol, sizeof floorcol, "%s %s", fn, bench_human(fr, b, sizeof b));
		printf("%-26s %9s   %-19s %6s   %-17s %6s\n", rows[r].name, bench_human(ours, a, sizeof a), floorcol,
		       bench_ratio(ours, fr, r1, sizeof r1), bench_human(p ? p->tools : 0, c1, sizeof c1),
		       bench_ratio(ours, p ? p->tools : 0, r2, sizeof r2));
		printf("%-26s %9s   %-19s %6s   %-17s %6s\n", "", "", "", "", bench_human(p ? p->rust : 0, d1, sizeof d1),
		       bench_ratio(ours, p ? p->rust : 0, r3, sizeof r3));
		fflush(stdout);
	}
	secp256k1_context_destroy(fl.raw);
	return 0;
}
