/* detail.c — see detail.h. */
#include "detail.h"

#include <stdio.h>

void detail_vset(char *detail, size_t cap, const char *dflt, const char *fmt, va_list ap)
{
	if (!detail || !cap)
		return;
	if (fmt)
		vsnprintf(detail, cap, fmt, ap);
	else
		snprintf(detail, cap, "%s", dflt);
}
