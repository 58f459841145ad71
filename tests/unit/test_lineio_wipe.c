/* line_reader with wipe set: lines come out exactly as without it, across
 * buffer growth and compaction, and the reader frees cleanly. */
#include <string.h>

#include "lineio.h"
#include "t.h"

int main(void)
{
	for (int wipe = 0; wipe <= 1; wipe++) {
		line_reader r;
		line_reader_init(&r, -1, 4096);
		r.wipe = wipe;
		char line[3000];
		int got = 0, bad = 0;
		for (int i = 0; i < 200; i++) {
			size_t n = (size_t)(i * 13 % 2900) + 1;
			memset(line, 'a' + i % 26, n);
			line[n] = '\n';
			/* feed in two uneven pieces to force growth and compaction */
			line_feed(&r, line, n / 3 + 1);
			line_feed(&r, line + n / 3 + 1, n - n / 3);
			const char *l;
			size_t len;
			while (line_next(&r, &l, &len) == LINE_OK) {
				got++;
				if (len != n || l[0] != 'a' + i % 26 || l[len - 1] != 'a' + i % 26)
					bad++;
			}
		}
		t_eq_int(got, 200, "wipe=%d: every line returned", wipe);
		t_eq_int(bad, 0, "wipe=%d: every line intact", wipe);
		line_reader_free(&r);
		t_ok(r.data.p == NULL, "wipe=%d: buffer released", wipe);
	}
	return t_done();
}
