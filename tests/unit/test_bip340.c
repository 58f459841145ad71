/* BIP-340 through lib/keys.h.
 * bip340.csv (official vectors 0-14, 32-byte messages): every row with a
 *   secret key signs, with the given aux_rand, to exactly the given signature
 *   and derives the given public key; every row verifies to the given result.
 * bip340-extra.csv (generated): messages of 0, 1, 17, 32 and 100 bytes via
 *   schnorr_sign/schnorr_verify, plus one negative. */
#include <stdlib.h>
#include <string.h>

#include "hex.h"
#include "keys.h"
#include "t.h"

enum { C_INDEX, C_SK, C_PK, C_AUX, C_MSG, C_SIG, C_RESULT, C_COMMENT, N_COLS };

typedef struct row {
	const char *col[N_COLS];
	size_t len[N_COLS];
} row;

/* Splits one CSV line (no quoting in these files; the comment takes the rest). */
static bool split(char *line, row *r)
{
	size_t n = strlen(line);
	while (n && (line[n - 1] == '\r' || line[n - 1] == '\n'))
		line[--n] = 0;
	char *p = line;
	for (int c = 0; c < N_COLS; c++) {
		char *comma = c < C_COMMENT ? strchr(p, ',') : NULL;
		if (c < C_COMMENT && !comma)
			return false;
		r->col[c] = p;
		r->len[c] = comma ? (size_t)(comma - p) : strlen(p);
		if (comma) {
			*comma = 0;
			p = comma + 1;
		}
	}
	return true;
}

static void run_file(const char *name, bool variable_length, int want_rows)
{
	char *all = t_slurp(t_vector(name), NULL);
	int rows = 0;
	char *save = NULL;
	strtok_r(all, "\n", &save);                    /* header */
	for (char *line = strtok_r(NULL, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		row r;
		if (!split(line, &r)) {
			t_ok(false, "%s: malformed line", name);
			continue;
		}
		rows++;
		const char *idx = r.col[C_INDEX];
		uint8_t pk[32], sig[64], aux[32], sk[32];
		size_t mlen = r.len[C_MSG] / 2;
		uint8_t *msg = malloc(mlen + 1);
		bool ok = hex_decode(pk, 32, r.col[C_PK], r.len[C_PK], false) &&
			  hex_decode(sig, 64, r.col[C_SIG], r.len[C_SIG], false) &&
			  hex_decode(msg, mlen, r.col[C_MSG], r.len[C_MSG], false);
		t_ok(ok, "%s %s: columns decode", name, idx);
		if (!variable_length)
			t_eq_int((long long)mlen, 32, "%s %s: 32-byte message", name, idx);
		bool expect = strcmp(r.col[C_RESULT], "TRUE") == 0;

		if (r.len[C_SK]) {
			mu_key k;
			hex_decode(sk, 32, r.col[C_SK], r.len[C_SK], false);
			hex_decode(aux, 32, r.col[C_AUX], r.len[C_AUX], false);
			t_ok(key_from_secret(&k, sk), "%s %s: secret key valid", name, idx);
			t_ok(memcmp(k.pk, pk, 32) == 0, "%s %s: public key derived", name, idx);
			uint8_t got[64];
			if (variable_length)
				schnorr_sign(&k, msg, mlen, aux, got);
			else
				schnorr_sign32(&k, msg, aux, got);
			char want_hex[129];
			hex_encode(want_hex, sig, 64);
			t_eq_hex(got, 64, want_hex, "%s %s: signature with the given aux_rand", name, idx);
			key_wipe(&k);
		}
		bool v = variable_length ? schnorr_verify(pk, msg, mlen, sig)
					 : schnorr_verify32(pk, msg, sig);
		t_ok(v == expect, "%s %s: verify -> %s %s", name, idx, expect ? "TRUE" : "FALSE", r.col[C_COMMENT]);
		if (!variable_length && mlen == 32)
			t_ok(schnorr_verify(pk, msg, 32, sig) == expect, "%s %s: length-taking verify agrees", name, idx);
		free(msg);
	}
	t_eq_int(rows, want_rows, "%s has %d rows", name, want_rows);
	free(all);
}

int main(void)
{
	run_file("bip340.csv", false, 15);
	run_file("bip340-extra.csv", true, 6);
	return t_done();
}
