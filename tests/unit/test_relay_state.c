/* Subscription cursor persistence: round trip, overwrite, missing file,
 * malformed files refused, no temporary file left behind (dot files
 * included), unwritable place, and no write through a symlink planted where
 * the old code put its temporary file (FILE.tmp.<pid>) or at FILE itself. */
#include <dirent.h>
#include <sys/stat.h>
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
		if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0)
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

	/* another user of the directory plants symlinks to a victim file */
	char victim[256], planted[300];
	snprintf(victim, sizeof victim, "%s/victim", dir);
	put(victim, "victim's data\n");
	unlink(path);
	snprintf(planted, sizeof planted, "%s.tmp.%ld", path, (long)getpid());
	t_ok(symlink(victim, planted) == 0, "symlink planted at the old temporary name");
	t_eq_int(relay_state_save(path, 42), RELAY_STATE_OK, "save beside a planted symlink");
	char text[64] = "";
	FILE *f = fopen(victim, "r");
	if (f) {
		if (!fgets(text, sizeof text, f))
			text[0] = 0;
		fclose(f);
	}
	t_eq_str(text, "victim's data\n", "the symlink's target is not written");
	struct stat st;
	t_ok(lstat(path, &st) == 0 && S_ISREG(st.st_mode) && (st.st_mode & 07777) == 0600,
	     "the cursor is a regular file, mode 0600 (%04o)", (unsigned)(st.st_mode & 07777));
	relay_state_load(path, &c, &found);
	t_ok(found && c == 42, "and holds the cursor");
	unlink(planted);
	unlink(path);
	t_ok(symlink(victim, path) == 0, "symlink planted at the cursor's own name");
	t_eq_int(relay_state_save(path, 43), RELAY_STATE_OK, "save over it");
	f = fopen(victim, "r");
	if (f) {
		if (!fgets(text, sizeof text, f))
			text[0] = 0;
		fclose(f);
	}
	t_eq_str(text, "victim's data\n", "the symlink is replaced, its target not written");
	t_ok(lstat(path, &st) == 0 && S_ISREG(st.st_mode), "the cursor is a regular file");
	unlink(victim);
	t_eq_int(count_files(dir), 1, "no temporary file is left behind");

	snprintf(sub, sizeof sub, "%s/no-such-dir/cursor.json", dir);
	t_eq_int(relay_state_save(sub, 1), RELAY_STATE_ERR_WRITE, "unwritable place is reported");

	unlink(path);
	rmdir(dir);
	return t_done();
}
