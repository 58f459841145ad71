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

void detail_set(char *detail, size_t cap, const char *fmt, ...)
{
	if (!detail || !cap)
		return;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(detail, cap, fmt, ap);
	va_end(ap);
}
