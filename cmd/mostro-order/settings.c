/* mostro-order settings — check mostrod's settings.toml and print it
 * resolved (lib/settings.h); print or write the template; give the daemon
 * script one value or the Mostro key. Here: options, output, exit codes. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sodium.h>

#include "buf.h"
#include "exitcode.h"
#include "hex.h"
#include "json.h"
#include "lineio.h"
#include "order_cmds.h"
#include "settings.h"

static void usage(FILE *f)
{
	fputs("Usage: mostro-order settings [-d DIR | --file FILE] [--get SECTION.KEY | --secret]\n"
	      "       mostro-order settings --template\n"
	      "       mostro-order settings --init [-d DIR]\n"
	      "Reads and checks mostrod's settings.toml (DIR/settings.toml, DIR defaulting to\n"
	      "~/.mostro) and prints the resolved settings as one JSON object: defaults filled,\n"
	      "our additions included, the key shown only by where it came from (env, .env,\n"
	      "toml) and its public key. Warnings (unknown keys) go to stderr.\n\n"
	      "  -d, --dir DIR      the settings directory (also --dirsettings, as mostrod)\n"
	      "      --file FILE    the settings file (its directory is DIR unless -d is given)\n"
	      "      --get S.K      print one resolved value (strings bare, like jq -r)\n"
	      "      --secret       print Mostro's secret key (hex) and nothing else\n"
	      "      --template     print the commented template\n"
	      "      --init         write DIR/settings.toml from the template (0600), never over\n"
	      "                     an existing file (DIR is created 0700)\n"
	      "  -h, --help         this help\n\n"
	      "The key: MOSTRO_NSEC_PRIVKEY in the environment, else in DIR/.env, else\n"
	      "[nostr].nsec_privkey. Exit status: 0 ok, 1 --init found a file, 2 usage,\n"
	      "4 --get names no setting, 5 bad settings (the message names file, line and key).\n",
	      f);
}

static int stdout_failed(void)
{
	report("settings: writing standard output: %s", strerror(errno));
	return MU_EXIT_CONFIG;
}

/* mkdir -p with mode 0700 for every directory it makes. */
static bool make_dirs(const char *dir)
{
	char *p = mu_xstrdup(dir);
	bool ok = true;
	for (char *s = p + 1; ok; s++) {
		if (*s != '/' && *s)
			continue;
		char c = *s;
		*s = 0;
		if (mkdir(p, 0700) != 0 && errno != EEXIST)
			ok = false;
		*s = c;
		if (!c)
			break;
	}
	free(p);
	return ok;
}

/* Writes the template to DIR/settings.toml: a private temporary file in DIR,
 * then link(2), which never replaces an existing file. */
static int init_file(const char *dir)
{
	if (!make_dirs(dir)) {
		report("settings: --init: cannot create %s: %s", dir, strerror(errno));
		return MU_EXIT_CONFIG;
	}
	buf path = BUF_INIT, tmp = BUF_INIT;
	buf_printf(&path, "%s/%s", dir, SETTINGS_FILENAME);
	buf_printf(&tmp, "%s/.settings.toml.XXXXXX", dir);
	int rc = MU_EXIT_OK;
	if (access(path.p, F_OK) == 0) {
		report("settings: --init: %s already exists; not overwritten", path.p);
		rc = MU_EXIT_REFUSED;
		goto out;
	}
	int fd = mkstemp(tmp.p); /* mode 0600 */
	if (fd < 0) {
		report("settings: --init: cannot write in %s: %s", dir, strerror(errno));
		rc = MU_EXIT_CONFIG;
		goto out;
	}
	size_t n = strlen(settings_template);
	const char *p = settings_template;
	bool ok = fchmod(fd, 0600) == 0;
	while (ok && n) {
		ssize_t w = write(fd, p, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0) {
			ok = false;
			break;
		}
		p += w;
		n -= (size_t)w;
	}
	ok = ok && fsync(fd) == 0;
	int saved = errno;
	ok = close(fd) == 0 && ok;
	if (!ok) {
		report("settings: --init: writing %s: %s", tmp.p, strerror(saved));
		unlink(tmp.p);
		rc = MU_EXIT_CONFIG;
		goto out;
	}
	if (link(tmp.p, path.p) != 0) {
		saved = errno;
		unlink(tmp.p);
		if (saved == EEXIST) {
			report("settings: --init: %s already exists; not overwritten", path.p);
			rc = MU_EXIT_REFUSED;
		} else {
			report("settings: --init: cannot create %s: %s", path.p, strerror(saved));
			rc = MU_EXIT_CONFIG;
		}
		goto out;
	}
	unlink(tmp.p);
	report("settings: wrote %s from the template (mode 0600): put Mostro's key in it "
	       "(or MOSTRO_NSEC_PRIVKEY in %s/.env), then check it with mostro-order settings -d %s",
	       path.p, dir, dir);
	jv r = jv_object();
	r = jv_object_set(r, jv_string("type"), jv_string("settings-file"));
	r = jv_object_set(r, jv_string("path"), jv_string(path.p));
	r = jv_object_set(r, jv_string("created"), jv_true());
	if (!out_record(r))
		rc = stdout_failed();
out:
	buf_free(&path);
	buf_free(&tmp);
	return rc;
}

/* One value of the resolved settings, printed like jq -r. */
static int get_value(const mostro_settings *s, const char *path)
{
	if (strcmp(path, "nostr.nsec_privkey") == 0) {
		report("settings: --get: the key is never printed this way (use --secret)");
		return MU_EXIT_INVALID;
	}
	jv v = settings_to_jv(s);
	const char *p = path;
	while (*p) {
		const char *dot = strchr(p, '.');
		size_t n = dot ? (size_t)(dot - p) : strlen(p);
		if (jv_get_kind(v) != JV_KIND_OBJECT || n == 0) {
			jv_free(v);
			v = jv_invalid();
			break;
		}
		v = jv_object_get(v, jv_string_sized(p, (int)n));
		if (!jv_is_valid(v))
			break;
		p += n + (dot ? 1 : 0);
	}
	if (!jv_is_valid(v)) {
		jv_free(v);
		report("settings: --get: no such setting '%s'", path);
		return MU_EXIT_INVALID;
	}
	buf b = BUF_INIT;
	if (jv_get_kind(v) == JV_KIND_STRING)
		buf_puts(&b, jv_string_value(v));
	else
		json_write(&b, v);
	jv_free(v);
	int rc = out_line(b.p, b.len) ? MU_EXIT_OK : stdout_failed();
	buf_free(&b);
	return rc;
}

static int print_secret(const mostro_settings *s)
{
	char hex[65];
	hex_encode(hex, s->key.sk, 32);
	hex[64] = '\n';
	bool ok = fwrite(hex, 1, 65, stdout) == 65 && fflush(stdout) == 0;
	sodium_memzero(hex, sizeof hex);
	return ok ? MU_EXIT_OK : stdout_failed();
}

enum { O_FILE = 256, O_GET, O_SECRET, O_TEMPLATE, O_INIT };

int cmd_settings(int argc, char **argv)
{
	static const struct option opts[] = {
		{"dir", required_argument, NULL, 'd'},
		{"dirsettings", required_argument, NULL, 'd'},
		{"file", required_argument, NULL, O_FILE},
		{"get", required_argument, NULL, O_GET},
		{"secret", no_argument, NULL, O_SECRET},
		{"template", no_argument, NULL, O_TEMPLATE},
		{"init", no_argument, NULL, O_INIT},
		{"help", no_argument, NULL, 'h'},
		{0},
	};
	const char *dir = NULL, *file = NULL, *get = NULL;
	int mode = 0; /* 0 check, else the option */
	int c;
	optind = 1;
	while ((c = getopt_long(argc, argv, "d:h", opts, NULL)) != -1) {
		switch (c) {
		case 'd': dir = optarg; break;
		case O_FILE: file = optarg; break;
		case O_GET:
		case O_SECRET:
		case O_TEMPLATE:
		case O_INIT:
			if (mode && mode != c) {
				report("settings: --get, --secret, --template and --init go alone");
				return MU_EXIT_USAGE;
			}
			mode = c;
			if (c == O_GET)
				get = optarg;
			break;
		case 'h':
			usage(stdout);
			return MU_EXIT_OK;
		default:
			fputs("Try 'mostro-order settings --help'.\n", stderr);
			return MU_EXIT_USAGE;
		}
	}
	if (optind < argc) {
		report("settings: unexpected argument '%s'", argv[optind]);
		return MU_EXIT_USAGE;
	}
	if (mode == O_TEMPLATE) {
		if (dir || file) {
			report("settings: --template takes no -d or --file");
			return MU_EXIT_USAGE;
		}
		return fputs(settings_template, stdout) >= 0 && fflush(stdout) == 0 ? MU_EXIT_OK : stdout_failed();
	}
	if (mode == O_INIT) {
		if (file) {
			report("settings: --init writes DIR/settings.toml: give -d DIR, not --file");
			return MU_EXIT_USAGE;
		}
		char *def = dir ? NULL : settings_default_dir();
		if (!dir && !def) {
			report("settings: --init: HOME is not set (use -d DIR)");
			return MU_EXIT_CONFIG;
		}
		int rc = init_file(dir ? dir : def);
		free(def);
		return rc;
	}
	settings_source src = {.dir = dir, .file = file};
	mostro_settings s;
	settings_error err;
	if (settings_load(&src, &s, &err) != SETTINGS_OK) {
		report("settings: %s", err.msg);
		if (err.code == SETTINGS_ERR_NO_FILE)
			report("settings: mostro-order settings --init%s%s writes one from the template",
			       dir ? " -d " : "", dir ? dir : "");
		return MU_EXIT_CONFIG;
	}
	for (size_t i = 0; i < s.warning_count; i++)
		report("settings: warning: %s", s.warnings[i]);
	int rc;
	if (mode == O_SECRET) {
		rc = print_secret(&s);
	} else if (mode == O_GET) {
		rc = get_value(&s, get);
	} else {
		rc = out_record(settings_to_jv(&s)) ? MU_EXIT_OK : stdout_failed();
	}
	settings_free(&s);
	return rc;
}
