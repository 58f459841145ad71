/* mostro-order ctl — send one control record to a running engine over its
 * --ctl-socket and print the ctl_result (man mostro-order, CTL). */
#include <errno.h>
#include <getopt.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "evloop.h"
#include "exitcode.h"
#include "json.h"
#include "lineio.h"
#include "order_cmds.h"

static const char ctl_usage[] =
	"Usage: mostro-order ctl --socket PATH COMMAND [KEY=VALUE...]\n"
	"Sends {\"type\":\"ctl\",\"id\":...,\"cmd\":COMMAND, KEY: VALUE...} to the engine's control\n"
	"socket and prints its ctl_result. VALUE is JSON when it parses, else a string.\n\n"
	"Commands: status (clock, network, orders by status), order order_id=UUID,\n"
	"  disputes [status=S], flush-ratings, jobs (the periodic jobs, next runs); as Mostro\n"
	"  (mostrod's admin gRPC): cancel order_id=UUID,\n"
	"  settle order_id=UUID, take-dispute dispute_id=UUID, add-solver solver=NPUB[:read|:write],\n"
	"  each with an optional request_id=N.\n\n"
	"  -s, --socket PATH    the engine's --ctl-socket\n"
	"  -t, --timeout SECS   wait at most this long for the answer (default 10)\n"
	"  -h, --help           this help\n"
	"Exit: 0 ok, 1 the engine refused (ok false), 2 usage, 3 no engine at the socket,\n"
	"      124 no answer in time.\n";

int cmd_ctl(int argc, char **argv)
{
	static const struct option opts[] = {
		{"socket", required_argument, NULL, 's'},
		{"timeout", required_argument, NULL, 't'},
		{"help", no_argument, NULL, 'h'},
		{0, 0, 0, 0}};
	const char *path = NULL;
	uint64_t timeout = 10;
	int c;
	opterr = 0;
	optind = 1;
	while ((c = getopt_long(argc, argv, ":hs:t:", opts, NULL)) != -1) {
		switch (c) {
		case 'h': fputs(ctl_usage, stdout); return MU_EXIT_OK;
		case 's': path = optarg; break;
		case 't': timeout = cli_uint("--timeout", optarg, 86400); break;
		case ':': cli_usage_error("option '%s' needs a value", argv[optind - 1]);
		default: cli_usage_error("unknown option '%s'", argv[optind - 1]);
		}
	}
	if (!path)
		cli_usage_error("--socket PATH is required");
	if (optind >= argc)
		cli_usage_error("a COMMAND is required (status, order ...)");
	char id[32];
	snprintf(id, sizeof id, "ctl-%ld", (long)getpid());
	jv rec = jv_object_set(jv_object(), jv_string("type"), jv_string("ctl"));
	rec = jv_object_set(rec, jv_string("id"), jv_string(id));
	rec = jv_object_set(rec, jv_string("cmd"), jv_string(argv[optind]));
	for (int i = optind + 1; i < argc; i++) {
		const char *eq = strchr(argv[i], '=');
		if (!eq || eq == argv[i])
			cli_usage_error("expected KEY=VALUE, not '%s'", argv[i]);
		jv v = json_parse(eq + 1, strlen(eq + 1), JSON_EXACT_NUMBERS, NULL);
		if (!jv_is_valid(v))
			v = jv_string(eq + 1);
		rec = jv_object_set(rec, jv_string_sized(argv[i], (int)(eq - argv[i])), v);
	}
	char *line = json_dumps(rec);
	jv_free(rec);

	struct sockaddr_un a;
	memset(&a, 0, sizeof a);
	a.sun_family = AF_UNIX;
	if (strlen(path) >= sizeof a.sun_path)
		cli_usage_error("--socket: path too long");
	strcpy(a.sun_path, path);
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || connect(fd, (struct sockaddr *)&a, sizeof a) != 0) {
		report("%s: %s", path, strerror(errno));
		free(line);
		return MU_EXIT_UNREACHABLE;
	}
	size_t n = strlen(line);
	bool sent = send(fd, line, n, MSG_NOSIGNAL) == (ssize_t)n && send(fd, "\n", 1, MSG_NOSIGNAL) == 1;
	free(line);
	if (!sent) {
		report("%s: %s", path, strerror(errno));
		close(fd);
		return MU_EXIT_UNREACHABLE;
	}
	shutdown(fd, SHUT_WR);
	line_reader r;
	line_reader_init(&r, fd, LINE_MAX_DEFAULT);
	uint64_t deadline = ev_now_ms() + timeout * 1000;
	int rc = MU_EXIT_TIMEOUT;
	for (;;) {
		const char *l;
		size_t len;
		line_status st = line_next(&r, &l, &len);
		if (st == LINE_OK) {
			fwrite(l, 1, len, stdout);
			fputc('\n', stdout);
			jv v = json_parse(l, len, 0, NULL);
			jv ok = json_get(v, "ok");
			rc = jv_get_kind(ok) == JV_KIND_TRUE ? MU_EXIT_OK : MU_EXIT_REFUSED;
			jv_free(ok);
			jv_free(v);
			break;
		}
		if (st == LINE_EOF) {
			report("%s: the engine closed the connection without an answer", path);
			rc = MU_EXIT_UNREACHABLE;
			break;
		}
		uint64_t now = ev_now_ms();
		if (now >= deadline) {
			report("%s: no answer within %llu s", path, (unsigned long long)timeout);
			break;
		}
		struct pollfd p = {fd, POLLIN, 0};
		if (poll(&p, 1, (int)(deadline - now)) > 0 && line_fill(&r) < 0 && errno != EINTR) {
			report("%s: %s", path, strerror(errno));
			rc = MU_EXIT_UNREACHABLE;
			break;
		}
	}
	line_reader_free(&r);
	close(fd);
	return rc;
}
