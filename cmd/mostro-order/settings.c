/* mostro-order settings — placeholder until its owner lands it. */
#include "exitcode.h"
#include "lineio.h"
#include "order_cmds.h"

int cmd_settings(int argc, char **argv)
{
	report("settings: not built yet");
	return MU_EXIT_USAGE;
}
