/* mostro-order — Mostro's order protocol: the daemon's engine and the
 * client's message builder.
 *
 * Subcommands; each one's options live in cmd/mostro-order/<name>.c (thin:
 * options, wiring, exit code), its logic in lib/order_*.c:
 *   run       the engine: the single writer of the order database
 *             (docs/ENGINE.md, man mostro-order RUN PROTOCOL)
 *   replay    re-run a recorded input log on a fresh database
 *   ctl       send one control record to a running engine (local admin)
 *   msg       build one client message record for mostro-wrap
 *   settings  read and check settings.toml; print the template
 * See man/mostro-order.1. */
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "exitcode.h"
#include "lineio.h"
#include "mostro-order/order_cmds.h"

static const cli_subcommand commands[] = {
	{"run", cmd_run, "the engine: messages, ticks and LN results in; DMs, events and LN ops out"},
	{"replay", cmd_replay, "re-run a recorded input log on a fresh database"},
	{"ctl", cmd_ctl, "send a control record to a running engine (local admin)"},
	{"msg", cmd_msg, "build one client message record for mostro-wrap"},
	{"settings", cmd_settings, "read and check settings.toml; print the template"},
};

static void usage(FILE *f)
{
	fputs("Usage: mostro-order COMMAND [OPTIONS] [ARGS...]\n"
	      "Mostro's order protocol: the daemon's engine and the client's message builder.\n\n"
	      "Commands:\n", f);
	cli_subcommand_list(f, commands, sizeof commands / sizeof *commands, 10);
	fputs("\nmostro-order COMMAND --help describes each command; man mostro-order has it all.\n", f);
}

int main(int argc, char **argv)
{
	mu_progname = "mostro-order";
	return cli_subcommand_run(argc - 1, argv + 1, commands, sizeof commands / sizeof *commands, usage);
}
