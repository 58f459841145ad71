/* lib/safefile: a file written by name is never turned against another file.
 * Replace: contents and mode 0600 whatever the umask, a symlink at the name
 * replaced (its target untouched), no temporary left behind, a missing
 * directory reported. Exclusive: nothing that has the name is replaced or
 * followed (file, symlink, dangling symlink). Parents made 0700. The private
 * file for SQLite: created 0600, an existing file or a symlink to one kept,
 * a dangling symlink or a directory refused. A symlink another user made
 * (neither us nor the directory's owner) is never followed: by the private
 * file, by the append open (a log) or by safefile_check_link (as root: the
 * link is given to uid 65534; otherwise those checks are skipped). The
 * append open: created 0600, appended to, a dangling symlink refused. Every
 * error has a message. */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "safefile.h"
#include "t.h"

static char dir[64];

/* DIR/name in a string of its own, kept until free_paths(). */
static char *paths[128];
static size_t npaths;

static const char *in(const char *name)
{
	char *p = malloc(strlen(dir) + strlen(name) + 2);
	sprintf(p, "%s/%s", dir, name);
	if (npaths == sizeof paths / sizeof *paths)
		abort();
	return paths[npaths++] = p;
}

static void free_paths(void)
{
	while (npaths)
		free(paths[--npaths]);
}

static void put(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");
	if (f) {
		fputs(text, f);
		fclose(f);
	}
}

static const char *get(const char *path)
{
	static char text[256];
	text[0] = 0;
	FILE *f = fopen(path, "r");
	if (f) {
		size_t n = fread(text, 1, sizeof text - 1, f);
		text[n] = 0;
		fclose(f);
	}
	return text;
}

static unsigned mode_of(const char *path)
{
	struct stat st;
	return lstat(path, &st) == 0 ? (unsigned)(st.st_mode & 07777) : 01000000;
}

static bool is_regular(const char *path)
{
	struct stat st;
	return lstat(path, &st) == 0 && S_ISREG(st.st_mode);
}

/* Entries of d other than . and .. (temporaries are dot files). */
static int entries(const char *d)
{
	DIR *h = opendir(d);
	int n = 0;
	struct dirent *e;
	while (h && (e = readdir(h)))
		n += strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0;
	if (h)
		closedir(h);
	return n;
}

static void replace(void)
{
	mkdir(in("r"), 0700);
	const char *f = in("r/state");
	t_eq_int(safefile_write(f, "one\n", 4, SAFEFILE_REPLACE), SAFEFILE_OK, "replace: a new file");
	t_eq_str(get(f), "one\n", "replace: its contents");
	t_eq_int((int)mode_of(f), 0600, "replace: mode 0600 under umask 0");
	t_eq_int(safefile_write(f, "two\n", 4, SAFEFILE_REPLACE), SAFEFILE_OK, "replace: an existing file");
	t_eq_str(get(f), "two\n", "replace: the new contents");
	t_eq_int(safefile_write(f, "", 0, SAFEFILE_REPLACE), SAFEFILE_OK, "replace: empty contents");
	t_eq_str(get(f), "", "replace: now empty");
	t_eq_int(entries(in("r")), 1, "replace: no temporary left behind");

	put(in("victim"), "victim\n");
	unlink(f);
	t_ok(symlink(in("victim"), f) == 0, "a symlink planted at the name");
	t_eq_int(safefile_write(f, "three\n", 6, SAFEFILE_REPLACE), SAFEFILE_OK, "replace: over the symlink");
	t_eq_str(get(in("victim")), "victim\n", "replace: the symlink's target is not written");
	t_ok(is_regular(f), "replace: the name is now a regular file");
	t_eq_str(get(f), "three\n", "replace: with the contents");

	/* a long name still gets a temporary that fits NAME_MAX */
	char longname[256];
	memset(longname, 'n', 250);
	longname[250] = 0;
	t_eq_int(safefile_write(in(longname), "x", 1, SAFEFILE_REPLACE), SAFEFILE_OK, "replace: a 250-byte name");
	unlink(in(longname));

	errno = 0;
	t_eq_int(safefile_write(in("missing/state"), "x", 1, SAFEFILE_REPLACE), SAFEFILE_ERR_TEMP,
		 "replace: a missing directory is reported");
	t_eq_int(errno, ENOENT, "with errno ENOENT");
	t_eq_int(safefile_write(in("r"), "x", 1, SAFEFILE_REPLACE), SAFEFILE_ERR_RENAME,
		 "replace: a directory at the name is not replaced");
	t_eq_int(entries(dir), 2, "no temporary left after the failures (r and victim only)");
}

static void exclusive(void)
{
	const char *f = in("e/deeper/key");
	t_eq_int(safefile_write(f, "secret\n", 7, SAFEFILE_EXCLUSIVE | SAFEFILE_MKDIRS), SAFEFILE_OK,
		 "exclusive: in missing directories");
	t_eq_str(get(f), "secret\n", "exclusive: its contents");
	t_eq_int((int)mode_of(f), 0600, "exclusive: mode 0600");
	t_eq_int((int)mode_of(in("e")), 0700, "parents made 0700");
	t_eq_int((int)mode_of(in("e/deeper")), 0700, "every parent 0700");
	t_eq_int(safefile_write(f, "other\n", 6, SAFEFILE_EXCLUSIVE), SAFEFILE_ERR_EXISTS, "exclusive: an existing file");
	t_eq_str(get(f), "secret\n", "exclusive: it is untouched");
	t_ok(symlink(in("nowhere"), in("e/dangling")) == 0, "a dangling symlink planted");
	t_eq_int(safefile_write(in("e/dangling"), "x", 1, SAFEFILE_EXCLUSIVE), SAFEFILE_ERR_EXISTS,
		 "exclusive: a dangling symlink has the name");
	t_ok(access(in("nowhere"), F_OK) != 0, "exclusive: and is not followed");
	t_ok(symlink(f, in("e/link")) == 0, "a symlink to the key planted");
	t_eq_int(safefile_write(in("e/link"), "x", 1, SAFEFILE_EXCLUSIVE), SAFEFILE_ERR_EXISTS,
		 "exclusive: a symlink to a file has the name");
	t_eq_str(get(f), "secret\n", "exclusive: its target is untouched");
	t_eq_int(entries(in("e/deeper")), 1, "exclusive: no temporary left behind");
	put(in("plain"), "x");
	t_eq_int(safefile_write(in("plain/key"), "x", 1, SAFEFILE_EXCLUSIVE | SAFEFILE_MKDIRS), SAFEFILE_ERR_DIR,
		 "a parent that is a file: SAFEFILE_ERR_DIR");
}

static void private_file(void)
{
	const char *db = in("p/sim.db");
	t_eq_int(safefile_create_private(db, SAFEFILE_MKDIRS), SAFEFILE_OK, "private: created");
	t_eq_int((int)mode_of(db), 0600, "private: mode 0600 under umask 0");
	t_eq_int((int)mode_of(in("p")), 0700, "private: parent 0700");
	put(db, "data");
	chmod(db, 0640);
	t_eq_int(safefile_create_private(db, 0), SAFEFILE_OK, "private: an existing file is fine");
	t_eq_str(get(db), "data", "private: and kept as it is");
	t_eq_int((int)mode_of(db), 0640, "private: its mode too (the user's choice)");
	t_ok(symlink(db, in("p/link.db")) == 0, "a symlink to the database");
	t_eq_int(safefile_create_private(in("p/link.db"), 0), SAFEFILE_OK, "private: a symlink to a file is fine");
	t_ok(symlink(in("p/absent.db"), in("p/dangling.db")) == 0, "a dangling symlink");
	t_eq_int(safefile_create_private(in("p/dangling.db"), 0), SAFEFILE_ERR_EXISTS, "private: a dangling symlink is refused");
	t_ok(access(in("p/absent.db"), F_OK) != 0, "private: and not followed");
	t_eq_int(safefile_create_private(in("p"), 0), SAFEFILE_ERR_EXISTS, "private: a directory is refused");
	t_eq_int(safefile_create_private(in("nodir/sim.db"), 0), SAFEFILE_ERR_CREATE, "private: a missing directory");
}

#define OTHER_UID 65534    /* "nobody": the other user of the directory */

/* A symlink at name to target made by the other user (root only). */
static bool foreign_link(const char *target, const char *name)
{
	return symlink(target, name) == 0 && lchown(name, OTHER_UID, OTHER_UID) == 0;
}

static void append_write(int fd, const char *text)
{
	if (fd >= 0 && write(fd, text, strlen(text)) != (ssize_t)strlen(text))
		t_diag("short write");
	if (fd >= 0)
		close(fd);
}

static void append(void)
{
	safefile_err e;
	const char *log = in("a/deeper/engine.log");
	int fd = safefile_open_append(log, SAFEFILE_MKDIRS, &e);
	t_ok(fd >= 0 && e == SAFEFILE_OK, "append: created in missing directories");
	t_eq_int((int)mode_of(log), 0600, "append: mode 0600 under umask 0");
	t_eq_int((int)mode_of(in("a")), 0700, "append: parents 0700");
	append_write(fd, "one\n");
	fd = safefile_open_append(log, 0, &e);
	t_ok(fd >= 0 && e == SAFEFILE_OK, "append: an existing file");
	append_write(fd, "two\n");
	t_eq_str(get(log), "one\ntwo\n", "append: the lines follow each other");
	t_ok(symlink(log, in("a/mine.log")) == 0, "our own symlink to the log");
	fd = safefile_open_append(in("a/mine.log"), 0, &e);
	t_ok(fd >= 0 && e == SAFEFILE_OK, "append: through our own symlink (our choice)");
	append_write(fd, "three\n");
	t_eq_str(get(log), "one\ntwo\nthree\n", "append: written to its target");
	t_ok(symlink(in("a/absent.log"), in("a/dangling.log")) == 0, "a dangling symlink planted");
	fd = safefile_open_append(in("a/dangling.log"), 0, &e);
	t_ok(fd < 0 && e == SAFEFILE_ERR_EXISTS, "append: a dangling symlink is refused");
	t_ok(access(in("a/absent.log"), F_OK) != 0, "append: its target is not created");
	fd = safefile_open_append(in("a"), 0, &e);
	t_ok(fd < 0 && e == SAFEFILE_ERR_CREATE, "append: a directory is refused");
	fd = safefile_open_append(in("nodir/x.log"), 0, &e);
	t_ok(fd < 0 && e == SAFEFILE_ERR_CREATE && errno == ENOENT, "append: a missing directory");
	fd = safefile_open_append("/dev/null", 0, &e);
	t_ok(fd >= 0 && e == SAFEFILE_OK, "append: a device is opened as it is");
	if (fd >= 0)
		close(fd);
}

static void foreign_links(void)
{
	if (geteuid() != 0) {
		t_ok(true, "links of another user # skip needs root to give a link to uid %d", OTHER_UID);
		return;
	}
	mkdir(in("f"), 0700);
	const char *victim = in("f/victim"), *empty = in("f/empty");
	put(victim, "victim\n");
	put(empty, "");
	t_eq_int(safefile_check_link(in("f/none")), SAFEFILE_OK, "check_link: nothing has the name");
	t_eq_int(safefile_check_link(victim), SAFEFILE_OK, "check_link: a regular file");
	t_ok(symlink(victim, in("f/own")) == 0, "a link of ours");
	t_eq_int(safefile_check_link(in("f/own")), SAFEFILE_OK, "check_link: our own link");

	t_ok(foreign_link(empty, in("f/planted.db")), "a link of another user to an empty file");
	t_eq_int(safefile_check_link(in("f/planted.db")), SAFEFILE_ERR_LINK, "check_link: another user's link");
	t_eq_int(safefile_create_private(in("f/planted.db"), 0), SAFEFILE_ERR_LINK,
		 "private: another user's link to a file is refused");
	t_ok(is_regular(empty) && get(empty)[0] == 0, "private: its target untouched");

	safefile_err e;
	t_ok(foreign_link(victim, in("f/planted.log")), "a link of another user to a file");
	int fd = safefile_open_append(in("f/planted.log"), 0, &e);
	t_ok(fd < 0 && e == SAFEFILE_ERR_LINK, "append: another user's link to a file is refused");
	append_write(fd, "written\n");
	t_eq_str(get(victim), "victim\n", "append: its target untouched");
	t_ok(foreign_link(in("f/absent"), in("f/dangling.log")), "a dangling link of another user");
	fd = safefile_open_append(in("f/dangling.log"), 0, &e);
	t_ok(fd < 0 && e == SAFEFILE_ERR_LINK, "append: refused as another user's link");
	t_ok(access(in("f/absent"), F_OK) != 0, "append: its target not created");

	/* in a directory of the other user, that user's links are theirs to make */
	mkdir(in("g"), 0700);
	t_ok(chown(in("g"), OTHER_UID, OTHER_UID) == 0, "a directory of the other user");
	t_ok(foreign_link(victim, in("g/log")), "with a link of that user");
	t_eq_int(safefile_check_link(in("g/log")), SAFEFILE_OK, "check_link: the directory owner's link");
	fd = safefile_open_append(in("g/log"), 0, &e);
	t_ok(fd >= 0 && e == SAFEFILE_OK, "append: the directory owner's link is followed");
	append_write(fd, "more\n");
	t_eq_str(get(victim), "victim\nmore\n", "append: to its target");
	t_eq_int(safefile_create_private(in("g/log"), 0), SAFEFILE_OK, "private: the directory owner's link is fine");
}

int main(void)
{
	snprintf(dir, sizeof dir, "/tmp/mu-safefile-XXXXXX");
	if (!mkdtemp(dir))
		return 1;
	mode_t old = umask(0);    /* the modes must come out right without the umask's help */
	replace();
	exclusive();
	private_file();
	append();
	foreign_links();
	umask(old);
	for (int e = SAFEFILE_OK; e < SAFEFILE_ERR_COUNT; e++)
		t_ok(strcmp(safefile_strerror((safefile_err)e), "unknown error") != 0, "safefile_strerror(%d)", e);
	t_eq_str(safefile_strerror(SAFEFILE_ERR_COUNT), "unknown error", "out of range");
	free_paths();
	char cmd[128];
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
	if (system(cmd) != 0)
		t_diag("cleanup failed");
	return t_done();
}
