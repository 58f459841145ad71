/* mostro-order ctl — placeholder until its owner lands it. */
#include "exitcode.h"
#include "lineio.h"
#include "order_cmds.h"

int cmd_ctl(int argc, char **argv)
{
	report("ctl: not built yet");
	return MU_EXIT_USAGE;
}
