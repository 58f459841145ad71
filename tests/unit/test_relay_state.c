/* Subscription cursor persistence: round trip, overwrite, missing file,
 * malformed files refused, no temporary file left behind, unwritable place. */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "relay_state.h"
#include "t.h"

static void put(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");
	fputs(text, f);
	fclose(f);
}

static int count_files(const char *dir)
{
	DIR *d = opendir(dir);
	int n = 0;
	struct dirent *e;
	while ((e = readdir(d)))
		if (e->d_name[0] != '.')
			n++;
	closedir(d);
	return n;
}

int main(void)
{
	char dir[] = "/tmp/mu-relay-state-XXXXXX";
	if (!mkdtemp(dir))
		return 1;
	char path[256], sub[256];
	snprintf(path, sizeof path, "%s/cursor.json", dir);
	uint64_t c = 7;
	bool found = true;

	t_eq_int(relay_state_load(path, &c, &found), RELAY_STATE_OK, "missing file is not an error");
	t_ok(!found, "missing file: no cursor");

	t_eq_int(relay_state_save(path, 1700000000), RELAY_STATE_OK, "save");
	t_eq_int(relay_state_load(path, &c, &found), RELAY_STATE_OK, "load");
	t_ok(found && c == 1700000000, "cursor round trips (%llu)", (unsigned long long)c);

	t_eq_int(relay_state_save(path, 18446744073709551615ULL), RELAY_STATE_OK, "overwrite with u64 max");
	relay_state_load(path, &c, &found);
	t_ok(found && c == 18446744073709551615ULL, "u64 cursor is exact");
	t_eq_int(count_files(dir), 1, "no temporary file is left behind");

	static const char *bad[] = {
		"", "{}", "not json", "{\"type\":\"cursor\"}", "{\"type\":\"other\",\"created_at\":1}",
		"{\"type\":\"cursor\",\"created_at\":-1}", "{\"type\":\"cursor\",\"created_at\":1.5}",
	};
	for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
		put(path, bad[i]);
		t_eq_int(relay_state_load(path, &c, &found), RELAY_STATE_ERR_FORMAT, "refuses '%s'", bad[i]);
	}

	snprintf(sub, sizeof sub, "%s/no-such-dir/cursor.json", dir);
	t_eq_int(relay_state_save(sub, 1), RELAY_STATE_ERR_WRITE, "unwritable place is reported");

	unlink(path);
	rmdir(dir);
	return t_done();
}
