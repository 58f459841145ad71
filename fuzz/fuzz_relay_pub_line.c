/* libFuzzer target: an input line of `mostro-relay pub` (lib/relay_pub.h):
 * a bare event, ["EVENT",ev], ["EVENT",sub,ev] or {"ref":R,"event":ev}, in
 * both modes (verified, and --trusted-input's id check).
 * Properties: no crash or leak on any input; a refused line says why and
 * leaves nothing to free (ref NULL); an accepted line's ref is at most 256
 * bytes with no NUL; a line the verified mode accepts, the trusted mode
 * accepts too, with the same id and ref. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "relay_pub.h"

static void check(bool ok, const nostr_event *ev, const char *ref, const char *why)
{
	if (!ok && (ref || !why[0]))
		abort();
	if (ok && ref && (strlen(ref) > 256 || !ev->has_id))
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *line = (const char *)data;
	nostr_event a, b;
	char *ra = NULL, *rb = NULL, wa[200], wb[200];
	bool oka = relay_pub_parse_line(line, size, &a, &ra, wa, sizeof wa);
	check(oka, &a, ra, wa);
	bool okb = relay_pub_parse_trusted_line(line, size, &b, &rb, wb, sizeof wb);
	check(okb, &b, rb, wb);
	if (oka && (!okb || memcmp(a.id, b.id, 32) != 0 || (ra == NULL) != (rb == NULL) ||
		    (ra && strcmp(ra, rb) != 0)))
		abort();
	if (oka)
		event_free(&a);
	if (okb)
		event_free(&b);
	free(ra);
	free(rb);
	return 0;
}
