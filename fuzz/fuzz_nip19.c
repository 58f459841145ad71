/* fuzz_nip19 — nip19_decode on arbitrary strings. Whatever decodes must
 * re-encode (our output is never longer than the input: only known TLVs are
 * kept), decode again to equal data, and survive the JSON form
 * (nip19_data_to_jv -> nip19_from_jv) unchanged. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "nip19.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void fail(const char *what, const char *detail, const buf *s)
{
	fprintf(stderr, "fuzz_nip19: %s (%s) %s\n", what, detail, s && s->p ? s->p : "");
	abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	nip19 d, back, fromjson;
	char detail[160];
	if (nip19_decode((const char *)data, size, &d, detail, sizeof detail) != NIP19_OK) {
		nip19_free(&d);
		return 0;
	}
	buf s = BUF_INIT;
	if (nip19_encode(&s, &d, detail, sizeof detail) != NIP19_OK)
		fail("decoded data does not re-encode", detail, NULL);
	if (s.len > size)
		fail("re-encoding is longer than the input", "", &s);
	if (nip19_decode(s.p, s.len, &back, detail, sizeof detail) != NIP19_OK)
		fail("our encoding does not decode", detail, &s);
	if (!nip19_equal(&d, &back))
		fail("decode(encode(x)) != x", "", &s);
	jv j = nip19_data_to_jv(&d);
	if (nip19_from_jv(d.type, j, &fromjson, detail, sizeof detail) != NIP19_OK)
		fail("JSON form does not parse back", detail, &s);
	if (!nip19_equal(&d, &fromjson))
		fail("JSON form changes the data", "", &s);
	jv_free(j);
	nip19_free(&fromjson);
	nip19_free(&back);
	nip19_free(&d);
	buf_free(&s);
	return 0;
}
