#include "core/err.h"

#include <stdio.h>
#include <string.h>

bool
err_set(struct err *err, enum err_code code, const char *fmt, ...)
{
	if (!err)
		return false;
	va_list ap;
	err->code = code;
	va_start(ap, fmt);
	vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
	va_end(ap);
	err->detail[0] = '\0';
	return false;
}

bool
err_detail(struct err *err, const char *fmt, ...)
{
	if (!err)
		return false;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(err->detail, sizeof(err->detail), fmt, ap);
	va_end(ap);
	/* Server messages end with a newline: keep the detail on one line. */
	size_t n = strlen(err->detail);
	while (n > 0 && (err->detail[n - 1] == '\n' || err->detail[n - 1] == ' '))
		err->detail[--n] = '\0';
	return false;
}

void
err_clear(struct err *err)
{
	if (!err)
		return;
	err->code = ERR_NONE;
	err->msg[0] = '\0';
	err->detail[0] = '\0';
}
