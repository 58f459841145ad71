/* order_ctl.h — control records of the engine (local admin over the ctl
 * socket or any input); see order_ctl.c for the command table. */
#ifndef MU_ORDER_CTL_H
#define MU_ORDER_CTL_H

#include "order_engine.h"

/* Answers one ctl record (borrowed) with its ctl_result (owned). */
jv order_ctl(order_ctx *c, jv rec);

#endif
