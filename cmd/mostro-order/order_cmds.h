/* order_cmds.h — the subcommands of mostro-order, one file each in
 * cmd/mostro-order/ (options, wiring, exit code; the logic is in lib/). */
#ifndef MU_ORDER_CMDS_H
#define MU_ORDER_CMDS_H

int cmd_run(int argc, char **argv);       /* run.c */
int cmd_replay(int argc, char **argv);    /* run.c */
int cmd_ctl(int argc, char **argv);       /* ctl.c */
int cmd_msg(int argc, char **argv);       /* msg.c */
int cmd_settings(int argc, char **argv);  /* settings.c */

#endif
