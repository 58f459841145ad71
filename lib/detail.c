/* detail.c — see detail.h. */
#include "detail.h"

#include <stdio.h>

size_t detail_utf8_prefix(const char *s, size_t n)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t cont = 0;
	while (cont < 3 && cont < n && (p[n - 1 - cont] & 0xc0) == 0x80)
		cont++;
	if (cont == n)
		return n;                       /* no lead byte: not ours to judge */
	unsigned char lead = p[n - 1 - cont];
	size_t need = lead < 0x80 ? 1 : (lead & 0xe0) == 0xc0 ? 2 : (lead & 0xf0) == 0xe0 ? 3 :
		      (lead & 0xf8) == 0xf0 ? 4 : 1;
	return cont + 1 < need ? n - 1 - cont : n;
}

/* After a formatted write of `written` bytes (vsnprintf's answer) into a
 * buffer of cap bytes: a cut output ends on a character boundary. */
static void trim_cut(char *detail, size_t cap, int written)
{
	if (written >= 0 && (size_t)written >= cap)
		detail[detail_utf8_prefix(detail, cap - 1)] = 0;
}

void detail_vset(char *detail, size_t cap, const char *dflt, const char *fmt, va_list ap)
{
	if (!detail || !cap)
		return;
	int n = fmt ? vsnprintf(detail, cap, fmt, ap) : snprintf(detail, cap, "%s", dflt);
	trim_cut(detail, cap, n);
}

void detail_set(char *detail, size_t cap, const char *fmt, ...)
{
	if (!detail || !cap)
		return;
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(detail, cap, fmt, ap);
	va_end(ap);
	trim_cut(detail, cap, n);
}
