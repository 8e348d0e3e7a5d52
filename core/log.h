/* One logging facility with levels and a swappable sink.
 * The TUI logs to $XDG_STATE_HOME/liasse/liasse.log, other subcommands
 * to stderr. Never pass a PIN, a password or a document's content. */
#ifndef LIASSE_LOG_H
#define LIASSE_LOG_H
#include <stdio.h>

enum log_level { LOG_ERROR = 0, LOG_WARN, LOG_INFO, LOG_DEBUG };

void log_set_level(enum log_level level);
enum log_level log_get_level(void);
/* Send messages to FP (not closed by the logger; NULL = stderr). */
void log_set_stream(FILE *fp);
/* Open (append) the log file at PATH, creating its folders; false on error. */
_Bool log_open_file(const char *path);
void log_close(void);
void log_write(enum log_level level, const char *file, int line, const char *func,
	       const char *fmt, ...) __attribute__((format(printf, 5, 6)));

#define log_error(...) log_write(LOG_ERROR, __FILE__, __LINE__, __func__, __VA_ARGS__)
#define log_warn(...)  log_write(LOG_WARN, __FILE__, __LINE__, __func__, __VA_ARGS__)
#define log_info(...)  log_write(LOG_INFO, __FILE__, __LINE__, __func__, __VA_ARGS__)
#define log_debug(...) log_write(LOG_DEBUG, __FILE__, __LINE__, __func__, __VA_ARGS__)

#endif
