/* Frequency expressions of the daemon, PASTELL's syntax and meaning
 * (pastell.md §3). One rule a line:
 *     N          every N minutes
 *     Ns         every N seconds
 *     (CRON)     at the times of a five-field cron expression
 *                (minute hour day-of-month month day-of-week; *, lists,
 *                ranges, steps, JAN..DEC, SUN..SAT; @hourly @daily
 *                @weekly @monthly @yearly) — e.g. (40 2 * * *)
 * each optionally followed by `X n`: n times, then the next line. When the
 * last line has `X n` and its n times are used up, the job is suspended.
 * Examples: "10", "10 X 2\n60", "(40 2 * * *) X 1\n60", "1 X 10".
 * Times are local (TZ). */
#ifndef LIASSE_FREQUENCE_H
#define LIASSE_FREQUENCE_H
#include <stdbool.h>
#include <time.h>

#include "core/err.h"

struct frequence;

/* Parses EXPR; NULL + err (ERR_INPUT, message naming the line) when invalid.
 * An empty expression means the default: every minute. */
struct frequence *frequence_parse(const char *expr, struct err *err);
void frequence_free(struct frequence **f);

/* The time of try number TRY (1 = the first retry after a run) following
 * FROM: true and *NEXT (> FROM), or false when the expression is used up
 * (the job is suspended). */
bool frequence_next(const struct frequence *f, time_t from, int try, time_t *next);

/* Number of lines (for tests). */
int frequence_lines(const struct frequence *f);

#endif
