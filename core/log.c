#include "core/log.h"

#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static enum log_level cur_level = LOG_WARN;
static FILE *sink;
static bool sink_owned;

static const char *const level_names[] = { "ERROR", "WARN", "INFO", "DEBUG" };

void
log_set_level(enum log_level level)
{
	cur_level = level;
}

enum log_level
log_get_level(void)
{
	return cur_level;
}

void
log_set_stream(FILE *fp)
{
	log_close();
	sink = fp;
}

static bool
mkdir_parents(const char *path)
{
	char buf[4096];
	size_t n = strlen(path);
	if (n >= sizeof(buf))
		return false;
	memcpy(buf, path, n + 1);
	for (char *p = buf + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(buf, 0700) != 0 && errno != EEXIST)
			return false;
		*p = '/';
	}
	return true;
}

bool
log_open_file(const char *path)
{
	if (!mkdir_parents(path))
		return false;
	FILE *fp = fopen(path, "a");
	if (!fp)
		return false;
	log_close();
	sink = fp;
	sink_owned = true;
	return true;
}

void
log_close(void)
{
	if (sink && sink_owned)
		fclose(sink);
	sink = NULL;
	sink_owned = false;
}

void
log_write(enum log_level level, const char *file, int line, const char *func, const char *fmt, ...)
{
	if (level > cur_level)
		return;
	FILE *out = sink ? sink : stderr;
	char ts[32] = "";
	time_t now = time(NULL);
	struct tm tm;
	if (localtime_r(&now, &tm))
		strftime(ts, sizeof(ts), "%Y-%m-%d %H:%M:%S", &tm);
	fprintf(out, "%s liasse[%ld] %s %s:%d %s: ", ts, (long)getpid(), level_names[level], file,
		line, func);
	va_list ap;
	va_start(ap, fmt);
	vfprintf(out, fmt, ap);
	va_end(ap);
	fputc('\n', out);
	fflush(out);
}
