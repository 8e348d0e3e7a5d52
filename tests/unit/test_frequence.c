/* Frequency expressions: the examples of pastell.md §3 and seed 000. */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/frequence.h"
#include "tests/unit/unit.h"

/* Local time of Y-M-D h:m (tests run with TZ as the machine has it). */
static time_t
at(int y, int mo, int d, int h, int mi)
{
	struct tm tm = { 0 };
	tm.tm_year = y - 1900;
	tm.tm_mon = mo - 1;
	tm.tm_mday = d;
	tm.tm_hour = h;
	tm.tm_min = mi;
	tm.tm_isdst = -1;
	return mktime(&tm);
}

/* The successive runs from FROM, written "HH:MM" or "D HH:MM" (day of
 * month), "suspendu" at the end. */
static const char *
runs(const char *expr, time_t from, int n)
{
	static char buf[1024];
	struct err err;
	struct frequence *f = frequence_parse(expr, &err);
	buf[0] = 0;
	if (!f) {
		snprintf(buf, sizeof buf, "ERR %s", err.msg);
		return buf;
	}
	time_t t = from;
	for (int i = 1; i <= n; i++) {
		time_t next;
		size_t len = strlen(buf);
		if (!frequence_next(f, t, i, &next)) {
			snprintf(buf + len, sizeof buf - len, "%ssuspendu", len ? " " : "");
			break;
		}
		struct tm tm;
		localtime_r(&next, &tm);
		snprintf(buf + len, sizeof buf - len, "%s%d %02d:%02d:%02d", len ? " " : "", tm.tm_mday,
			 tm.tm_hour, tm.tm_min, tm.tm_sec);
		t = next;
	}
	frequence_free(&f);
	return buf;
}

TEST(frequence_minutes)
{
	time_t t = at(2024, 1, 1, 10, 0);
	CHECK_STR(runs("10", t, 3), "1 10:10:00 1 10:20:00 1 10:30:00");
	/* Default: every minute. */
	CHECK_STR(runs("", t, 2), "1 10:01:00 1 10:02:00");
	CHECK_STR(runs("10s", t, 2), "1 10:00:10 1 10:00:20");
}

TEST(frequence_x_then_next_line)
{
	time_t t = at(2024, 1, 1, 10, 0);
	/* pastell.md: "10 X 2 / 60" twice at 10 min then hourly. */
	CHECK_STR(runs("10 X 2\n60", t, 4), "1 10:10:00 1 10:20:00 1 11:20:00 1 12:20:00");
	/* Seed 000: "1 X 60" every minute for an hour; the last line runs out:
	 * suspended. */
	const char *r = runs("1 X 60", t, 61);
	CHECK(strstr(r, "1 11:00:00 suspendu") != NULL);
	CHECK_STR(runs("1 X 10", t, 12),
		  "1 10:01:00 1 10:02:00 1 10:03:00 1 10:04:00 1 10:05:00 1 10:06:00 1 10:07:00 "
		  "1 10:08:00 1 10:09:00 1 10:10:00 suspendu");
}

TEST(frequence_cron)
{
	time_t t = at(2024, 1, 1, 10, 0);
	/* Seed 000: (40 2 * * *) every day at 2:40. */
	CHECK_STR(runs("(40 2 * * *)", t, 2), "2 02:40:00 3 02:40:00");
	/* pastell.md: "(40 2 * * *) X 1 / 60". */
	CHECK_STR(runs("(40 2 * * *) X 1\n60", t, 3), "2 02:40:00 2 03:40:00 2 04:40:00");
	/* Friday 5 January 2024, 16:50: working hours, quarter past. */
	CHECK_STR(runs("(*/15 9-17 * * MON-FRI)", at(2024, 1, 5, 17, 40), 2), "5 17:45:00 8 09:00:00");
	CHECK_STR(runs("(@daily)", t, 1), "2 00:00:00");
	/* Day of month OR day of week when both are given (cron). */
	CHECK_STR(runs("(0 12 1 * SUN)", at(2024, 1, 1, 13, 0), 2), "7 12:00:00 14 12:00:00");
	/* Sunday as 7. */
	CHECK_STR(runs("(0 8 * * 7)", t, 1), "7 08:00:00");
	/* Strictly after: at 02:40 itself the next is tomorrow. */
	CHECK_STR(runs("(40 2 * * *)", at(2024, 1, 2, 2, 40), 1), "3 02:40:00");
}

TEST(frequence_errors_name_the_line)
{
	struct err err;
	CHECK(frequence_parse("10\nabc", &err) == NULL);
	CHECK(strncmp(err.msg, "Ligne 2 :", 9) == 0);
	CHECK(frequence_parse("10 X 2\n(1 2 3)", &err) == NULL);
	CHECK(strstr(err.msg, "Ligne 2") && strstr(err.msg, "cinq champs"));
	CHECK(frequence_parse("(61 * * * *)", &err) == NULL);
	CHECK(strstr(err.msg, "minute") != NULL);
	CHECK(frequence_parse("(0 0 30 2 *)", &err) == NULL);
	CHECK(strstr(err.msg, "jamais") != NULL);
	CHECK(frequence_parse("10 X 0", &err) == NULL);
	CHECK(frequence_parse("10 Y 2", &err) == NULL);
	CHECK(frequence_parse("0", &err) == NULL);
	CHECK(frequence_parse("(40 2 * * *", &err) == NULL);
	CHECK(strstr(err.msg, "parenthèse") != NULL);
	/* A line after an unlimited one is never reached. */
	CHECK(frequence_parse("10\n60", &err) == NULL);
	CHECK(strncmp(err.msg, "Ligne 2 :", 9) == 0);
	/* Blank lines are ignored, CRLF accepted. */
	struct frequence *f = frequence_parse("10 X 2\r\n\r\n60\r\n", &err);
	CHECK(f && frequence_lines(f) == 2);
	frequence_free(&f);
}
