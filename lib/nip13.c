#include "nip13.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "buf.h"
#include "json.h"
#include "sha256.h"

const char *nip13_strerror(nip13_err e)
{
	switch (e) {
	case NIP13_OK: return "ok";
	case NIP13_ERR_TARGET: return "target difficulty above 256 bits";
	case NIP13_ERR_ATTEMPTS: return "target not reached within the attempt limit";
	case NIP13_ERR_DEADLINE: return "target not reached before the deadline";
	}
	return "unknown error";
}

unsigned nip13_difficulty(const uint8_t id[32])
{
	unsigned bits = 0;
	for (int i = 0; i < 32; i++) {
		if (id[i] == 0) {
			bits += 8;
			continue;
		}
		for (uint8_t b = id[i]; !(b & 0x80); b <<= 1)
			bits++;
		break;
	}
	return bits;
}

/* True when id has at least `full` zero bytes followed by `rem` zero bits. */
static inline bool meets(const uint8_t id[32], unsigned full, unsigned rem)
{
	for (unsigned i = 0; i < full; i++)
		if (id[i])
			return false;
	return rem == 0 || (id[full] >> (8 - rem)) == 0;
}

static uint64_t wall_clock(void *ctx)
{
	(void)ctx;
	return (uint64_t)time(NULL);
}

static uint64_t monotonic_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static bool is_nonce_tag(jv tag)
{
	jv name = jv_array_get(jv_copy(tag), 0);
	size_t n;
	const char *s = json_str(name, &n);
	bool r = s && n == 5 && memcmp(s, "nonce", 5) == 0;
	jv_free(name);
	return r;
}

/* ev's tags without nonce tags, plus ["nonce", digits, target] last. */
static jv tags_with_nonce(jv tags, const char *digits, size_t nd, const char *target)
{
	jv out = jv_array();
	int n = jv_array_length(jv_copy(tags));
	for (int i = 0; i < n; i++) {
		jv t = jv_array_get(jv_copy(tags), i);
		if (is_nonce_tag(t))
			jv_free(t);
		else
			out = jv_array_append(out, t);
	}
	jv nt = jv_array();
	nt = jv_array_append(nt, jv_string("nonce"));
	nt = jv_array_append(nt, jv_string_sized(digits, (int)nd));
	nt = jv_array_append(nt, jv_string(target));
	return jv_array_append(out, nt);
}

typedef struct miner {
	nostr_event tmpl;     /* the event with a placeholder nonce tag */
	buf         ser;      /* its serialization (scratch) */
	size_t      tail_len; /* bytes after the nonce digits */
	sha256_ctx  base;     /* midstate after the prefix */
} miner;

/* Serializes the template and hashes everything before the nonce digits. The
 * placeholder nonce is "0" and the tail is everything after it. */
static void build_prefix(miner *m)
{
	buf_reset(&m->ser);
	event_serialize(&m->ser, &m->tmpl);
	size_t prefix = m->ser.len - m->tail_len - 1;
	sha256_init(&m->base);
	sha256_update(&m->base, m->ser.p, prefix);
}

/* Adds one to the decimal digits d[0..*nd) followed by tail bytes; a carry
 * out of the top digit shifts everything right by one. */
static inline void increment(char *d, size_t *nd, size_t tail)
{
	for (size_t i = *nd; i-- > 0;) {
		if (d[i] != '9') {
			d[i]++;
			return;
		}
		d[i] = '0';
	}
	memmove(d + 1, d, *nd + tail);
	d[0] = '1';
	(*nd)++;
}

uint64_t nip13_attempt_budget(unsigned target)
{
	return target + NIP13_BUDGET_BITS < 64 ? (uint64_t)1 << (target + NIP13_BUDGET_BITS) : 0;
}

nip13_err nip13_mine(nostr_event *ev, const nip13_opts *o, nip13_result *r)
{
	nip13_result res = {0};
	if (o->target > 256) {
		if (r)
			*r = res;
		return NIP13_ERR_TARGET;
	}
	uint64_t (*now)(void *) = o->now ? o->now : wall_clock;
	char target[8];
	snprintf(target, sizeof target, "%u", o->target);

	miner m = {.ser = BUF_INIT};
	event_copy(&m.tmpl, ev);
	jv_free(m.tmpl.tags);
	m.tmpl.tags = tags_with_nonce(ev->tags, "0", 1, target);
	uint64_t second = 0;
	if (o->fresh_created_at)
		m.tmpl.created_at = second = now(o->now_ctx);

	/* tail = ","<target>"]],<content>]  — what follows the digits */
	buf work = BUF_INIT;
	char digits[24];
	int nd0 = snprintf(digits, sizeof digits, "%llu", (unsigned long long)o->start_nonce);
	buf_put(&work, digits, (size_t)nd0);
	buf_puts(&work, "\",\"");
	buf_puts(&work, target);
	buf_puts(&work, "\"]],");
	size_t clen;
	const char *content = event_content(&m.tmpl, &clen);
	json_write_string(&work, content, clen);
	buf_putc(&work, ']');
	size_t nd = (size_t)nd0;
	m.tail_len = work.len - nd;
	buf_reserve(&work, 24);    /* room for the nonce to grow */
	build_prefix(&m);

	unsigned full = o->target / 8, rem = o->target % 8;
	uint64_t start_ms = o->timeout_ms ? monotonic_ms() : 0;
	uint64_t nonce = o->start_nonce;
	uint8_t id[32];
	nip13_err rc = NIP13_OK;
	for (;;) {
		if (o->max_attempts && res.attempts >= o->max_attempts) {
			rc = NIP13_ERR_ATTEMPTS;
			break;
		}
		if ((res.attempts & 4095) == 0 && res.attempts) {
			if (o->timeout_ms && monotonic_ms() - start_ms >= o->timeout_ms) {
				rc = NIP13_ERR_DEADLINE;
				break;
			}
			if (o->fresh_created_at) {
				uint64_t t = now(o->now_ctx);
				if (t != second) {
					second = m.tmpl.created_at = t;
					build_prefix(&m);
					res.prefix_rebuilds++;
				}
			}
		}
		sha256_ctx c = m.base;
		sha256_update(&c, work.p, nd + m.tail_len);
		sha256_final(&c, id);
		res.attempts++;
		if (meets(id, full, rem))
			break;
		increment(work.p, &nd, m.tail_len);
		nonce++;
	}

	if (rc == NIP13_OK) {
		jv_free(ev->tags);
		ev->tags = tags_with_nonce(m.tmpl.tags, work.p, nd, target);
		ev->created_at = m.tmpl.created_at;
		memcpy(ev->id, id, 32);
		ev->has_id = true;
		ev->has_sig = false;
		res.nonce = nonce;
		res.difficulty = nip13_difficulty(id);
	}
	if (r)
		*r = res;
	buf_free(&work);
	buf_free(&m.ser);
	event_free(&m.tmpl);
	return rc;
}
