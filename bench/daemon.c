/* bench/daemon — complete trades per second through the whole daemon:
 * scripts/mostrod on its embedded relay and the simulated Lightning node,
 * every stage of the pipeline, clients driven by bench/loadgen (v2 users,
 * PoW 0). See bench/README.md.
 *
 * Phases, each a loadgen run with users of its own: a warm-up; the
 * throughput phase (a closed loop of --concurrency trades in flight, the
 * steady rate of trades completed, the buyer paid); the latency phase (an
 * open loop at 50 trades started a second: request -> reply latency). CPU
 * seconds of every process of the daemon are read from /proc at the start and
 * end of each phase and shown per trade by stage.
 *
 * The floor: the crypto one trade needs, counted from the messages the
 * throughput phase exchanged (requests, Mostro's DMs and public events per
 * trade, NIP-42 authentications), each operation timed on libsecp256k1 and
 * our NIP-44 directly in the same run (best of 5 slices, bench.h):
 *   request v2   client 3 sign + 1 ECDH + 1 encrypt; relay 1 verify;
 *                daemon 3 verify (event, trade signature, identity proof) + 1 ECDH + 1 decrypt
 *   DM v2        daemon 1 sign + 1 ECDH + 1 encrypt (Mostro's tuple is unsigned); relay 1 verify;
 *                client 1 verify + 1 ECDH + 1 decrypt
 *   public event daemon 1 sign; relay 1 verify
 *   AUTH         client 1 sign; relay 1 verify (two trade keys a trade)
 * (v1: 2 ECDH, 2 NIP-44 and one more signature or verification per layer,
 * and a key pair for each gift wrap.) The daemon's floor is the daemon's and
 * its relay's share, the system's adds the clients'; each is shown as a rate
 * of trades a second on one core, next to the measured rate.
 *
 * Arguments: [THROUGHPUT-SECONDS [CONCURRENCY]] (default 20 and 200);
 * BENCH_DAEMON_KEEP=1 keeps the directory (logs, databases). */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <secp256k1.h>
#include <secp256k1_ecdh.h>
#include <secp256k1_extrakeys.h>
#include <secp256k1_schnorrsig.h>
#include <sodium.h>

#include "buf.h"
#include "hex.h"
#include "json.h"
#include "keys.h"
#include "nip44.h"

/* the floor's operations are timed in thread CPU time: the machine's other
 * jobs do not slow them down (the trade rate is wall time, the daemon's CPU
 * per trade comes from /proc) */
#define BENCH_CLOCK CLOCK_THREAD_CPUTIME_ID
#include "bench.h"

static volatile uint64_t sink;

static char bench_dir[PATH_MAX], top[PATH_MAX], dir[PATH_MAX];
static int port;
static pid_t mostrod_pid;

static void fail(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));
static void fail(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	fputs("bench/daemon: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
	if (mostrod_pid > 0)
		kill(mostrod_pid, SIGTERM);
	exit(1);
}

/* ------------------------------------------------------------------ the node */

static int free_port(void)
{
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	socklen_t n = sizeof a;
	if (fd < 0 || bind(fd, (struct sockaddr *)&a, sizeof a) != 0 || getsockname(fd, (struct sockaddr *)&a, &n) != 0)
		fail("no free port: %s", strerror(errno));
	close(fd);
	return ntohs(a.sin_port);
}

/* settings.toml: mostrod's defaults of the test node (tests/lib/mostrod.bash),
 * v2 transport, PoW 0, the simulated node, one loopback relay. */
static void write_settings(const char *secret_hex)
{
	char path[PATH_MAX + 32];
	snprintf(path, sizeof path, "%s/settings.toml", dir);
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0600);
	FILE *f = fd >= 0 ? fdopen(fd, "w") : NULL;
	if (!f)
		fail("%s: %s", path, strerror(errno));
	fprintf(f,
		"[lightning]\nbackend = \"sim\"\nsim_db = \"ln-sim.db\"\ninvoice_expiration_window = 3600\n"
		"hold_invoice_cltv_delta = 144\nhold_invoice_expiration_window = 300\npayment_attempts = 3\n"
		"payment_retries_interval = 60\n\n"
		"[nostr]\nnsec_privkey = '%s'\nrelays = ['ws://127.0.0.1:%d']\n\n"
		"[mostro]\nfee = 0.006\nmax_routing_fee = 0.002\nmax_order_amount = 1000000\nmin_payment_amount = 100\n"
		"expiration_hours = 24\nmax_expiration_days = 15\nexpiration_seconds = 900\n"
		"user_rates_sent_interval_seconds = 3600\npublish_relays_interval = 60\npow = 0\n"
		"publish_mostro_info_interval = 300\nfiat_currencies_accepted = [\"USD\", \"EUR\"]\n"
		"max_orders_per_response = 10\ndev_fee_percentage = 0.30\ntransport = \"nip44\"\n\n"
		"[database]\nurl = \"sqlite://mostro.db\"\n\n"
		"[rpc]\nenabled = false\nlisten_address = \"127.0.0.1\"\nport = 50051\n",
		secret_hex, port);
	fclose(f);
}

static void child_env(void)
{
	char path[3 * PATH_MAX + 64];
	const char *old = getenv("PATH");
	snprintf(path, sizeof path, "%s/scripts:%s/../bin:%s", top, bench_dir, old ? old : "/usr/bin:/bin");
	setenv("PATH", path, 1);
	unsetenv("RELAYS");
}

static void start_mostrod(void)
{
	char log[PATH_MAX + 32];
	snprintf(log, sizeof log, "%s/mostrod.log", dir);
	mostrod_pid = fork();
	if (mostrod_pid < 0)
		fail("fork: %s", strerror(errno));
	if (mostrod_pid == 0) {
		child_env();
		setenv("MOSTRO_LOG", "warn,mostrod=debug", 1);
		int fd = open(log, O_WRONLY | O_CREAT | O_APPEND, 0600);
		int nul = open("/dev/null", O_RDWR);
		dup2(nul, 0);
		dup2(nul, 1);
		dup2(fd, 2);
		execlp("mostrod", "mostrod", "-d", dir, "--embedded-relay", (char *)NULL);
		_exit(127);
	}
}

static bool port_open(void)
{
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port),
				.sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	bool ok = fd >= 0 && connect(fd, (struct sockaddr *)&a, sizeof a) == 0;
	if (fd >= 0)
		close(fd);
	return ok;
}

/* The relay answers and the engine's ctl socket is there. */
static void wait_ready(void)
{
	char sock[PATH_MAX + 32];
	snprintf(sock, sizeof sock, "%s/engine.sock", dir);
	for (int i = 0; i < 600; i++) {
		struct stat st;
		if (port_open() && stat(sock, &st) == 0)
			return;
		if (waitpid(mostrod_pid, NULL, WNOHANG) == mostrod_pid) {
			mostrod_pid = 0;
			fail("mostrod exited at start (log: %s/mostrod.log)", dir);
		}
		usleep(50000);
	}
	fail("mostrod not ready after 30 s (log: %s/mostrod.log)", dir);
}

static int stop_mostrod(void)
{
	int st = 0;
	kill(mostrod_pid, SIGTERM);
	waitpid(mostrod_pid, &st, 0);
	mostrod_pid = 0;
	return st;
}

/* ------------------------------------------------------------------ CPU by stage */

#define MAX_PROCS 64
typedef struct proc_cpu {
	int    pid;
	char   name[32];
	double cpu;
} proc_cpu;

typedef struct snapshot {
	proc_cpu p[MAX_PROCS];
	int      n;
} snapshot;

/* the stage each PID is, from mostrod's "started NAME (pid N)" lines */
static void stage_name(int pid, char *out, size_t n)
{
	char path[PATH_MAX + 32], line[512];
	snprintf(path, sizeof path, "%s/mostrod.log", dir);
	FILE *f = fopen(path, "r");
	out[0] = 0;
	while (f && fgets(line, sizeof line, f)) {
		char name[64];
		int p;
		if (sscanf(line, "mostrod: started %63s (pid %d)", name, &p) == 2 && p == pid)
			snprintf(out, n, "%.31s", strncmp(name, "relay-", 6) == 0 ? "relay" : name);
	}
	if (f)
		fclose(f);
}

static bool read_stat(int pid, int *ppid, double *cpu, char comm[32])
{
	char path[64], b[1024];
	snprintf(path, sizeof path, "/proc/%d/stat", pid);
	FILE *f = fopen(path, "r");
	if (!f)
		return false;
	size_t n = fread(b, 1, sizeof b - 1, f);
	fclose(f);
	b[n] = 0;
	char *l = strchr(b, '('), *r = strrchr(b, ')');
	if (!l || !r)
		return false;
	snprintf(comm, 32, "%.*s", (int)(r - l - 1), l + 1);
	char st;
	unsigned long ut, stt;
	if (sscanf(r + 2, "%c %d %*d %*d %*d %*d %*u %*u %*u %*u %*u %lu %lu", &st, ppid, &ut, &stt) != 4)
		return false;
	*cpu = (double)(ut + stt) / (double)sysconf(_SC_CLK_TCK);
	return true;
}

/* Every process under mostrod (the stages, the script's readers and clock). */
static void snap(snapshot *s)
{
	int pids[4096], ppids[4096], n = 0;
	double cpus[4096];
	char comms[4096][32];
	DIR *d = opendir("/proc");
	struct dirent *e;
	while (d && (e = readdir(d)) && n < 4096) {
		int pid = atoi(e->d_name);
		if (pid > 0 && read_stat(pid, &ppids[n], &cpus[n], comms[n]))
			pids[n++] = pid;
	}
	if (d)
		closedir(d);
	s->n = 0;
	for (int i = 0; i < n && s->n < MAX_PROCS; i++) {
		int p = pids[i], hops = 0;
		while (p > 1 && p != mostrod_pid && hops++ < 16) {
			int k = 0;
			while (k < n && pids[k] != p)
				k++;
			p = k < n ? ppids[k] : 0;
		}
		if (p != mostrod_pid)
			continue;
		proc_cpu *c = &s->p[s->n++];
		c->pid = pids[i];
		c->cpu = cpus[i];
		stage_name(pids[i], c->name, sizeof c->name);
		if (!c->name[0])
			snprintf(c->name, sizeof c->name, "%s", pids[i] == mostrod_pid ? "mostrod" : "script");
	}
}

static const char *const stage_order[] = {"relay", "sub", "unwrap", "engine", "ln", "wrap", "pub", "clock",
					  "mostrod", "script"};
#define NSTAGES (sizeof stage_order / sizeof *stage_order)

/* CPU seconds spent between a and b by stage (the script's readers under "script"). */
static void cpu_between(const snapshot *a, const snapshot *b, double out[NSTAGES])
{
	memset(out, 0, NSTAGES * sizeof *out);
	for (int i = 0; i < b->n; i++) {
		double before = 0;
		for (int k = 0; k < a->n; k++)
			if (a->p[k].pid == b->p[i].pid)
				before = a->p[k].cpu;
		for (size_t s = 0; s < NSTAGES; s++)
			if (strcmp(stage_order[s], b->p[i].name) == 0)
				out[s] += b->p[i].cpu - before;
	}
}

/* ------------------------------------------------------------------ phases */

typedef struct phase {
	const char *name;
	jv          summary;
	double      cpu[NSTAGES];
	double      wall;
} phase;

/* Runs loadgen with args; its summary line is parsed into ph->summary. */
static void run_phase(phase *ph, const char *const *args)
{
	char lg[PATH_MAX + 16], log[PATH_MAX + 64], url[64];
	snprintf(lg, sizeof lg, "%s/loadgen", bench_dir);
	snprintf(log, sizeof log, "%s/loadgen-%s.log", dir, ph->name);
	snprintf(url, sizeof url, "ws://127.0.0.1:%d", port);
	char pk_hex[65], simdb[PATH_MAX + 16];
	{
		char path[PATH_MAX + 16];
		snprintf(path, sizeof path, "%s/mostro.pub", dir);
		FILE *f = fopen(path, "r");
		if (!f || !fgets(pk_hex, sizeof pk_hex, f))
			fail("no public key");
		fclose(f);
	}
	snprintf(simdb, sizeof simdb, "%s/ln-sim.db", dir);
	const char *argv[48];
	int n = 0;
	argv[n++] = lg;
	argv[n++] = "--relay";
	argv[n++] = url;
	argv[n++] = "--mostro";
	argv[n++] = pk_hex;
	argv[n++] = "--sim-db";
	argv[n++] = simdb;
	argv[n++] = "--tag";
	argv[n++] = ph->name;
	for (int i = 0; args[i] && n < 46; i++)
		argv[n++] = args[i];
	argv[n] = NULL;

	int pfd[2];
	if (pipe(pfd) != 0)
		fail("pipe: %s", strerror(errno));
	snapshot a, b;
	snap(&a);
	struct timespec w0;
	clock_gettime(CLOCK_MONOTONIC, &w0);
	pid_t pid = fork();
	if (pid == 0) {
		child_env();
		int fd = open(log, O_WRONLY | O_CREAT | O_TRUNC, 0600);
		dup2(pfd[1], 1);
		dup2(fd, 2);
		close(pfd[0]);
		execv(lg, (char *const *)argv);
		_exit(127);
	}
	close(pfd[1]);
	buf out = BUF_INIT;
	char chunk[4096];
	ssize_t r;
	while ((r = read(pfd[0], chunk, sizeof chunk)) > 0)
		buf_put(&out, chunk, (size_t)r);
	close(pfd[0]);
	int st;
	waitpid(pid, &st, 0);
	struct timespec w1;
	clock_gettime(CLOCK_MONOTONIC, &w1);
	ph->wall = (double)(w1.tv_sec - w0.tv_sec) + (double)(w1.tv_nsec - w0.tv_nsec) / 1e9;
	snap(&b);
	cpu_between(&a, &b, ph->cpu);
	if (!WIFEXITED(st) || WEXITSTATUS(st) != 0)
		fail("loadgen (%s) failed (log: %s)", ph->name, log);
	ph->summary = json_parse(out.p, out.len, 0, NULL);
	snprintf(log, sizeof log, "%s/loadgen-%s.json", dir, ph->name);   /* kept with BENCH_DAEMON_KEEP */
	int jfd = open(log, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	if (jfd >= 0) {
		if (write(jfd, out.p, out.len) != (ssize_t)out.len)
			fprintf(stderr, "daemon bench: %s: short write\n", log);
		close(jfd);
	}
	buf_free(&out);
	if (!jv_is_valid(ph->summary))
		fail("loadgen (%s): no summary", ph->name);
}

/* A number at a path of dotted keys in a summary (0 when absent). */
static double num(jv s, const char *path)
{
	char key[64];
	jv v = jv_copy(s);
	const char *p = path;
	while (*p) {
		size_t k = strcspn(p, ".");
		snprintf(key, sizeof key, "%.*s", (int)k, p);
		jv next = json_get(v, key);
		jv_free(v);
		v = next;
		p += k + (p[k] == '.');
	}
	double d = jv_get_kind(v) == JV_KIND_NUMBER ? jv_number_value(v) : 0;
	jv_free(v);
	return d;
}

/* ------------------------------------------------------------------ the floor */

typedef struct cctx {
	const secp256k1_context *ctx;
	secp256k1_keypair        kp;
	uint8_t sk[32], pk[32], peer[32], msg[32], sig[64], out[32];
	uint8_t seed[32];
} cctx;

static void op_sign(void *c, long n)
{
	cctx *k = c;
	uint8_t aux[32] = {0};
	for (long i = 0; i < n; i++) {
		k->msg[0] = (uint8_t)i;
		sink += (uint64_t)secp256k1_schnorrsig_sign32(k->ctx, k->sig, k->msg, &k->kp, aux);
	}
}

static void op_verify(void *c, long n)
{
	cctx *k = c;
	for (long i = 0; i < n; i++) {
		secp256k1_xonly_pubkey x;
		sink += (uint64_t)secp256k1_xonly_pubkey_parse(k->ctx, &x, k->pk);
		sink += (uint64_t)secp256k1_schnorrsig_verify(k->ctx, k->sig, k->msg, 32, &x);
	}
}

static int copy_x(unsigned char *out, const unsigned char *x, const unsigned char *y, void *d)
{
	(void)y;
	(void)d;
	memcpy(out, x, 32);
	return 1;
}

static void op_ecdh(void *c, long n)
{
	cctx *k = c;
	uint8_t comp[33] = {0x02};
	memcpy(comp + 1, k->peer, 32);
	for (long i = 0; i < n; i++) {
		secp256k1_pubkey p;
		sink += (uint64_t)secp256k1_ec_pubkey_parse(k->ctx, &p, comp, 33);
		sink += (uint64_t)secp256k1_ecdh(k->ctx, k->out, &p, k->sk, copy_x, NULL);
	}
}

/* a fresh key pair, as each gift wrap's ephemeral key */
static void op_keypair(void *c, long n)
{
	cctx *k = c;
	secp256k1_keypair kp;
	for (long i = 0; i < n; i++) {
		k->seed[0] = (uint8_t)i;
		k->seed[1] = (uint8_t)(i >> 8);
		sink += (uint64_t)secp256k1_keypair_create(k->ctx, &kp, k->seed);
	}
}

typedef struct nctx {
	nip44_conv conv;
	char      *pt;
	size_t     len;
	buf        ct, out;
} nctx;

static void op_encrypt(void *c, long n)
{
	nctx *k = c;
	for (long i = 0; i < n; i++) {
		buf_reset(&k->ct);
		sink += (uint64_t)nip44_encrypt(&k->ct, &k->conv, k->pt, k->len, NULL);
	}
}

static void op_decrypt(void *c, long n)
{
	nctx *k = c;
	for (long i = 0; i < n; i++) {
		buf_reset(&k->out);
		sink += (uint64_t)nip44_decrypt(&k->out, &k->conv, k->ct.p, k->ct.len);
	}
}

static double time_op(op_fn f, void *c)
{
	double r;
	bench_best_pair(f, c, &r, NULL, NULL, NULL);
	return 1.0 / r;   /* seconds per operation */
}

typedef struct nip44_times {
	double enc, dec;
} nip44_times;

static nip44_times time_nip44(size_t len)
{
	nctx k;
	memset(&k, 0, sizeof k);
	uint8_t a[32], b[32];
	randombytes_buf(a, 32);
	randombytes_buf(b, 32);
	uint8_t pb[32];
	key_pubkey(pb, b);
	nip44_conversation_key(&k.conv, a, pb);
	k.len = len < 1 ? 1 : len > 65535 ? 65535 : len;
	k.pt = mu_xmalloc(k.len);
	memset(k.pt, 'x', k.len);
	k.ct = (buf)BUF_INIT;
	k.out = (buf)BUF_INIT;
	op_encrypt(&k, 1);
	nip44_times t = {time_op(op_encrypt, &k), time_op(op_decrypt, &k)};
	nip44_conv_wipe(&k.conv);
	buf_free(&k.ct);
	buf_free(&k.out);
	free(k.pt);
	return t;
}

/* ------------------------------------------------------------------ main */

/* the 1-minute load average, for the reader of the figures */
static const char *loadavg(void)
{
	static char b[16];
	FILE *f = fopen("/proc/loadavg", "r");
	if (!f || !fscanf(f, "%15s", b))
		snprintf(b, sizeof b, "?");
	if (f)
		fclose(f);
	return b;
}

static void fmt_rate(double r, char *out, size_t n)
{
	if (r >= 100)
		bench_human(r, out, n);
	else
		snprintf(out, n, "%.1f/s", r);
}

int main(int argc, char **argv)
{
	double tput_seconds = argc > 1 && atof(argv[1]) > 0 ? atof(argv[1]) : 20;
	int conc = argc > 2 && atoi(argv[2]) > 0 ? atoi(argv[2]) : 200;
	char self[PATH_MAX];
	if (!realpath(argv[0], self))
		fail("%s: %s", argv[0], strerror(errno));
	snprintf(bench_dir, sizeof bench_dir, "%s", dirname(self));
	char tmp[PATH_MAX + 32];
	snprintf(tmp, sizeof tmp, "%s/../..", bench_dir);
	if (!realpath(tmp, top))
		fail("%s: %s", tmp, strerror(errno));
	snprintf(tmp, sizeof tmp, "%s/scripts/mostrod", top);
	if (access(tmp, X_OK) != 0)
		fail("%s: not found (run from a build directory of the source tree)", tmp);
	snprintf(dir, sizeof dir, "%s/mostro-bench-daemon.XXXXXX", getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
	if (!mkdtemp(dir))
		fail("mkdtemp: %s", strerror(errno));
	signal(SIGPIPE, SIG_IGN);

	/* Mostro's key */
	mu_key mk;
	key_generate(&mk);
	char skhex[65], pkhex[65];
	hex_encode(skhex, mk.sk, 32);
	hex_encode(pkhex, mk.pk, 32);
	key_wipe(&mk);
	port = free_port();
	write_settings(skhex);
	sodium_memzero(skhex, sizeof skhex);
	{
		char path[PATH_MAX + 16];
		snprintf(path, sizeof path, "%s/mostro.pub", dir);
		FILE *f = fopen(path, "w");
		if (!f)
			fail("%s: %s", path, strerror(errno));
		fprintf(f, "%s\n", pkhex);
		fclose(f);
	}

	char load0[16];
	snprintf(load0, sizeof load0, "%s", loadavg());
	printf("daemon bench: scripts/mostrod (embedded relay, simulated node, every stage) driven by bench/loadgen;\n"
	       "v2 users, PoW 0, sell and buy flows; %.0f s at %d trades in flight, %.0f s at 50 trades/s, 12 s at 5\n",
	       tput_seconds, conc, tput_seconds);
	fflush(stdout);
	struct timespec ts0;
	clock_gettime(CLOCK_MONOTONIC, &ts0);
	double t_start = (double)ts0.tv_sec + (double)ts0.tv_nsec / 1e9;
	start_mostrod();
	wait_ready();

	char conc_s[16], secs_s[16], measure_s[16], drain_s[16];
	snprintf(conc_s, sizeof conc_s, "%d", conc);
	snprintf(secs_s, sizeof secs_s, "%.0f", tput_seconds);
	snprintf(measure_s, sizeof measure_s, "%.0f", tput_seconds / 4);
	snprintf(drain_s, sizeof drain_s, "%d", 30);
	phase warm = {.name = "warm"}, tput = {.name = "tput"}, lat = {.name = "lat"}, base = {.name = "base"};
	run_phase(&warm, (const char *const[]){"--seconds", "3", "--concurrency", "32", "--drain", "20", NULL});
	run_phase(&tput, (const char *const[]){"--seconds", secs_s, "--concurrency", conc_s, "--measure-after", measure_s,
					       "--drain", drain_s, "--seed", "2", NULL});
	run_phase(&lat, (const char *const[]){"--seconds", secs_s, "--rate", "50", "--measure-after", measure_s, "--drain",
					      drain_s, "--seed", "3", NULL});
	run_phase(&base, (const char *const[]){"--seconds", "12", "--rate", "5", "--measure-after", "2", "--drain", drain_s,
					       "--seed", "4", NULL});
	int st = stop_mostrod();
	if (!WIFEXITED(st) || WEXITSTATUS(st) != 0)
		fprintf(stderr, "bench/daemon: mostrod stopped with status %d (log: %s/mostrod.log)\n", st, dir);
	clock_gettime(CLOCK_MONOTONIC, &ts0);

	/* per trade, from the throughput phase's messages */
	jv s = tput.summary;
	double done = num(s, "trades.done");
	if (done <= 0)
		fail("no trade completed (logs in %s)", dir);
	double req2 = num(s, "crypto.sent_v2") / done, req1 = num(s, "crypto.sent_v1") / done;
	double dm2 = num(s, "crypto.recv_v2") / done, dm1 = num(s, "crypto.recv_v1") / done;
	double pub = num(s, "crypto.orders_published") / done, auth = 2;
	double req_bytes = num(s, "bytes.sent_avg"), dm_bytes = num(s, "bytes.recv_avg");

	/* the operations, timed */
	cctx k;
	memset(&k, 0, sizeof k);
	k.ctx = secp();
	randombytes_buf(k.sk, 32);
	randombytes_buf(k.seed, 32);
	randombytes_buf(k.msg, 32);
	if (!secp256k1_keypair_create(k.ctx, &k.kp, k.sk))
		fail("keypair");
	key_pubkey(k.pk, k.sk);
	uint8_t other[32];
	randombytes_buf(other, 32);
	key_pubkey(k.peer, other);
	op_sign(&k, 1);
	double t_sign = time_op(op_sign, &k), t_verify = time_op(op_verify, &k), t_ecdh = time_op(op_ecdh, &k);
	double t_kp = time_op(op_keypair, &k);
	/* NIP-44 plaintexts: the v2 tuple around the message (signature, identity
	 * and proof: ~215 bytes; Mostro's [M,null,null]: ~12), v1 rumor and seal
	 * around it (~400 bytes more) */
	nip44_times n_req = time_nip44((size_t)req_bytes + 215), n_dm = time_nip44((size_t)dm_bytes + 12);
	nip44_times n_req1 = time_nip44((size_t)req_bytes + 615), n_dm1 = time_nip44((size_t)dm_bytes + 412);

	/* seconds of crypto a trade needs */
	double daemon_v = 3 * (req2 + req1), daemon_s = dm2 + 2 * dm1 + pub, daemon_e = req2 + 2 * req1 + dm2 + 2 * dm1;
	double daemon_k = dm1;
	double daemon_n = req2 * n_req.dec + req1 * 2 * n_req1.dec + dm2 * n_dm.enc + dm1 * 2 * n_dm1.enc;
	double relay_v = req2 + req1 + dm2 + dm1 + pub + auth;
	double client_s = 3 * (req2 + req1) + auth, client_v = dm2 + 2 * dm1, client_e = req2 + 2 * req1 + dm2 + 2 * dm1;
	double client_k = req1;
	double client_n = req2 * n_req.enc + req1 * 2 * n_req1.enc + dm2 * n_dm.dec + dm1 * 2 * n_dm1.dec;
	double server_t = (daemon_v + relay_v) * t_verify + daemon_s * t_sign + daemon_e * t_ecdh + daemon_k * t_kp + daemon_n;
	double system_t = server_t + client_s * t_sign + client_v * t_verify + client_e * t_ecdh + client_k * t_kp + client_n;
	double floor_server = 1 / server_t, floor_system = 1 / system_t;

	double rate = num(s, "trades.steady_per_s");
	double cpu_daemon = 0;
	for (size_t i = 0; i < NSTAGES; i++)
		cpu_daemon += tput.cpu[i];
	double per_trade = cpu_daemon / done;
	char a[32], b[32], c[48];
	printf("\n%-40s %12s   %-36s %12s   %s\n", "ours", "", "floor (same run)", "", "ratio");
	fmt_rate(rate, a, sizeof a);
	bench_human(floor_server, b, sizeof b);
	snprintf(c, sizeof c, "complete trades, %d in flight", conc);
	printf("%-40s %12s   %-36s %12s   %5.3fx\n", c, a, "crypto floor: daemon + relay, 1 core", b, rate / floor_server);
	bench_human(floor_system, b, sizeof b);
	printf("%-40s %12s   %-36s %12s   %5.3fx\n", c, a, "crypto floor: + the clients, 1 core", b, rate / floor_system);
	printf("%-40s %9.2f ms   %-36s %9.2f ms   %5.3fx\n", "daemon CPU per trade, every stage", 1000 * per_trade,
	       "crypto floor: daemon + relay", 1000 * server_t, server_t / per_trade);
	char inflight[32];
	snprintf(inflight, sizeof inflight, "at %d in flight", conc);
	const struct {
		const char *what;
		phase *ph;
	} lats[] = {{"at 5 trades/s", &base}, {"at 50 trades/s", &lat}, {inflight, &tput}};
	for (size_t i = 0; i < sizeof lats / sizeof *lats; i++) {
		char w[96], v[48];
		snprintf(w, sizeof w, "reply p50 / p99 %s", lats[i].what);
		snprintf(v, sizeof v, "%.1f / %.1f ms", num(lats[i].ph->summary, "latency_ms.reply.p50"),
			 num(lats[i].ph->summary, "latency_ms.reply.p99"));
		printf("%-40s %18s   (%.1f trades/s completed)\n", w, v, num(lats[i].ph->summary, "trades.steady_per_s"));
	}
	char v[48];
	snprintf(v, sizeof v, "%.1f / %.1f ms", num(base.summary, "latency_ms.escrow_seen.p50"),
		 num(base.summary, "latency_ms.payout.p50"));
	printf("%-40s %18s   (the sim node's streams poll every 20 ms)\n", "escrow seen / payout p50 at 5 trades/s", v);

	printf("\nper trade (%.0f trades at %d in flight): %.2f requests, %.2f DMs from Mostro, %.2f public events,"
	       " 2 AUTH; texts %.0f B (requests), %.0f B (DMs)\n",
	       done, conc, req2 + req1, dm2 + dm1, pub, req_bytes, dm_bytes);
	printf("crypto a trade needs: daemon %.1f verify, %.1f sign, %.1f ECDH, %.1f NIP-44; relay %.1f verify;"
	       " clients %.1f sign, %.1f verify, %.1f ECDH\n",
	       daemon_v, daemon_s, daemon_e, req2 + 2 * req1 + dm2 + 2 * dm1, relay_v, client_s, client_v, client_e);
	printf("one operation (thread CPU): sign %.1f us, verify %.1f us, ECDH %.1f us, key pair %.1f us,"
	       " NIP-44 request %.1f/%.1f us, DM %.1f/%.1f us (enc/dec)\n",
	       1e6 * t_sign, 1e6 * t_verify, 1e6 * t_ecdh, 1e6 * t_kp, 1e6 * n_req.enc, 1e6 * n_req.dec, 1e6 * n_dm.enc,
	       1e6 * n_dm.dec);
	printf("daemon CPU ms per trade by stage:");
	for (size_t i = 0; i < NSTAGES; i++)
		if (tput.cpu[i] > 0.0005 * done)
			printf(" %s %.2f", stage_order[i], 1000 * tput.cpu[i] / done);
	printf(" (script: mostrod's log and pub readers); loadgen %.2f\n", 1000 * num(s, "cpu_s") / done);
	printf("targets: >= 100 complete trades/s: %s (%.1f/s); reply p99 < 50 ms at 50 trades/s: %s (%.1f ms)\n",
	       rate >= 100 ? "met" : "NOT MET", rate, num(lat.summary, "latency_ms.reply.p99") < 50 ? "met" : "NOT MET",
	       num(lat.summary, "latency_ms.reply.p99"));
	clock_gettime(CLOCK_MONOTONIC, &ts0);
	printf("load average %s at the start, %s at the end (%ld cores); total %.1f s\n", load0, loadavg(),
	       sysconf(_SC_NPROCESSORS_ONLN), (double)ts0.tv_sec + (double)ts0.tv_nsec / 1e9 - t_start);
	jv_free(warm.summary);
	jv_free(tput.summary);
	jv_free(lat.summary);
	jv_free(base.summary);
	const char *keep = getenv("BENCH_DAEMON_KEEP");
	if (keep && *keep == '1') {
		printf("kept: %s\n", dir);
	} else {
		char cmd[PATH_MAX + 16];
		snprintf(cmd, sizeof cmd, "%s", dir);
		pid_t p = fork();
		if (p == 0) {
			execlp("rm", "rm", "-rf", "--", cmd, (char *)NULL);
			_exit(127);
		}
		waitpid(p, NULL, 0);
	}
	return 0;
}
