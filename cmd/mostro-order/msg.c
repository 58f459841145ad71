/* mostro-order msg — build one client request for mostro-wrap, with the
 * checks the daemon would apply (lib/order_msg.h). Here: options, the batch
 * loop over stdin, exit codes. The options are the lib's table. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "buf.h"
#include "exitcode.h"
#include "json.h"
#include "lineio.h"
#include "order_cmds.h"
#include "order_msg.h"

enum { O_BATCH = OM_OPT_COUNT + 1, O_ERRORS, O_HELP };

static int exit_of(order_msg_err e)
{
	return order_msg_err_is_usage(e) ? MU_EXIT_USAGE : MU_EXIT_INVALID;
}

static void report_error(unsigned long lineno, const order_msg_error *e)
{
	char m[512];
	order_msg_error_format(e, m, sizeof m);
	if (lineno)
		report("msg: line %lu: %s", lineno, m);
	else
		report("msg: %s", m);
}

static bool write_error_record(unsigned long lineno, const order_msg_error *e)
{
	const char *field = order_msg_opt_name(e->field);
	jv r = jv_object();
	r = jv_object_set(r, jv_string("type"), jv_string("error"));
	r = jv_object_set(r, jv_string("line"), json_from_u64(lineno));
	r = jv_object_set(r, jv_string("error"), jv_string(order_msg_reason(e->code)));
	r = jv_object_set(r, jv_string("field"), field ? jv_string(field) : jv_null());
	r = jv_object_set(r, jv_string("message"), jv_string(e->msg));
	return out_record(r);
}

static int stdout_failed(void)
{
	report("msg: writing standard output: %s", strerror(out_line_errno()));
	return MU_EXIT_PARTIAL;
}

/* JSON lines on stdin, one record (or one error) per line. */
static int run_batch(const order_msg_req *defaults, bool errors)
{
	line_reader lr;
	line_reader_init(&lr, 0, LINE_MAX_DEFAULT);
	int rc = MU_EXIT_OK;
	buf out = BUF_INIT;
	for (;;) {
		const char *line;
		size_t n;
		line_status st = line_read(&lr, &line, &n);
		if (st == LINE_EOF)
			break;
		if (st == LINE_IO) {
			report("msg: reading standard input: %s", strerror(errno));
			rc = MU_EXIT_PARTIAL;
			break;
		}
		order_msg_error e = {.code = OM_ERR_LINE, .field = -1};
		order_msg_err r;
		buf_reset(&out);
		if (st == LINE_TOO_LONG) {
			r = OM_ERR_LINE;
			snprintf(e.msg, sizeof e.msg, "longer than %d bytes", LINE_MAX_DEFAULT);
		} else {
			r = order_msg_line(defaults, line, n, (uint64_t)time(NULL), &out, &e);
		}
		if (r) {
			report_error(lr.lineno, &e);
			rc = MU_EXIT_PARTIAL;
			if (errors && !write_error_record(lr.lineno, &e)) {
				rc = stdout_failed();
				break;
			}
		} else if (!out_line(out.p, out.len)) {
			rc = stdout_failed();
			break;
		}
	}
	buf_free(&out);
	line_reader_free(&lr);
	return rc;
}

int cmd_msg(int argc, char **argv)
{
	struct option longopts[OM_OPT_COUNT + 4];
	for (int o = 0; o < OM_OPT_COUNT; o++)
		longopts[o] = (struct option){order_msg_opt_name(o),
					      order_msg_opt_is_flag(o) ? no_argument : required_argument, NULL, o};
	longopts[OM_OPT_COUNT] = (struct option){"batch", no_argument, NULL, O_BATCH};
	longopts[OM_OPT_COUNT + 1] = (struct option){"errors", no_argument, NULL, O_ERRORS};
	longopts[OM_OPT_COUNT + 2] = (struct option){"help", no_argument, NULL, O_HELP};
	longopts[OM_OPT_COUNT + 3] = (struct option){NULL, 0, NULL, 0};

	/* Collect first: the action decides what its options mean. */
	struct { int opt; const char *val; } *given = calloc((size_t)argc + 1, sizeof *given);
	int n_given = 0, c;
	bool batch = false, errors = false, help = false;
	opterr = 0;
	optind = 1;
	while ((c = getopt_long(argc, argv, ":h", longopts, NULL)) != -1) {
		if (c == O_BATCH)
			batch = true;
		else if (c == O_ERRORS)
			errors = true;
		else if (c == O_HELP || c == 'h')
			help = true;
		else if (c == ':') {
			report("msg: %s: bad_value: needs a value", argv[optind - 1]);
			free(given);
			return MU_EXIT_USAGE;
		} else if (c == '?' && optopt > 0) {
			/* a flag given a value (--full-privacy=yes): optopt is its val */
			for (int k = 0; longopts[k].name; k++)
				if (longopts[k].val == optopt)
					report("msg: --%s: bad_value: takes no value", longopts[k].name);
			free(given);
			return MU_EXIT_USAGE;
		} else if (c == '?') {
			report("msg: %s: unknown_option: no such option (mostro-order msg --help)", argv[optind - 1]);
			free(given);
			return MU_EXIT_USAGE;
		} else {
			given[n_given].opt = c;
			given[n_given++].val = optarg;
		}
	}
	int npos = argc - optind;
	const char *action = npos > 0 ? argv[optind] : NULL;
	order_msg_req req;
	order_msg_req_init(&req);
	order_msg_error e;
	order_msg_err r = OM_OK;
	int rc = MU_EXIT_OK;
	buf out = BUF_INIT, text = BUF_INIT;

	if (npos > 1 || (batch && npos > 0)) {
		report("msg: %s: one ACTION, or --batch without one (mostro-order msg --help)", argv[optind + (batch ? 0 : 1)]);
		rc = MU_EXIT_USAGE;
		goto done;
	}
	if (action && (r = order_msg_req_action(&req, action, &e)))
		goto fail;
	if (help) {
		order_msg_help(&text, action ? req.action : -1);
		fputs(text.p, stdout);
		goto done;
	}
	if (!action && !batch) {
		order_msg_help(&text, -1);
		fputs(text.p, stderr);
		rc = MU_EXIT_USAGE;
		goto done;
	}
	if (errors && !batch) {
		report("msg: --errors is for --batch");
		rc = MU_EXIT_USAGE;
		goto done;
	}
	for (int i = 0; i < n_given; i++)
		if ((r = order_msg_req_set(&req, order_msg_opt_name(given[i].opt), given[i].val, &e)))
			goto fail;
	if (batch) {
		if ((r = order_msg_check_values(&req, &e)))
			goto fail;
		rc = run_batch(&req, errors);
		goto done;
	}
	if ((r = order_msg_build(&req, (uint64_t)time(NULL), &out, &e)))
		goto fail;
	if (!out_line(out.p, out.len))
		rc = stdout_failed();
	goto done;
fail:
	report_error(0, &e);
	rc = exit_of(r);
done:
	buf_free(&out);
	buf_free(&text);
	order_msg_req_free(&req);
	free(given);
	return rc;
}
