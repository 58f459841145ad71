/* mostro-order run — placeholder until its owner lands it. */
#include "exitcode.h"
#include "lineio.h"
#include "order_cmds.h"

int cmd_run(int argc, char **argv)
{
	report("run: not built yet");
	return MU_EXIT_USAGE;
}

int cmd_replay(int argc, char **argv)
{
	report("replay: not built yet");
	return MU_EXIT_USAGE;
}
