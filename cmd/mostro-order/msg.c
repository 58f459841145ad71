/* mostro-order msg — placeholder until its owner lands it. */
#include "exitcode.h"
#include "lineio.h"
#include "order_cmds.h"

int cmd_msg(int argc, char **argv)
{
	report("msg: not built yet");
	return MU_EXIT_USAGE;
}
