/* Frequency expressions (see frequence.h). */
#include "core/frequence.h"

#include <ctype.h>
#include <limits.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/i18n.h"
#include "core/strbuf.h"

#define FREQ_MAX_LINES 64
#define FREQ_MAX_LEN 4096

/* One cron field as a bit set. */
struct cron {
	uint64_t minute; /* 0-59 */
	uint32_t hour;   /* 0-23 */
	uint32_t dom;    /* 1-31 */
	uint16_t month;  /* 1-12 */
	uint8_t dow;     /* 0-6, Sunday = 0 */
	bool dom_star, dow_star;
};

struct freq_line {
	bool is_cron;
	long seconds;  /* period when not cron */
	struct cron cron;
	int count;     /* X n; 0 = unlimited */
};

struct frequence {
	int n;
	struct freq_line lines[FREQ_MAX_LINES];
};

int
frequence_lines(const struct frequence *f)
{
	return f->n;
}

static const char *const month_names[] = { "JAN", "FEB", "MAR", "APR", "MAY", "JUN",
					    "JUL", "AUG", "SEP", "OCT", "NOV", "DEC" };
static const char *const dow_names[] = { "SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT" };

/* Reads a number or a name at *P; -1 when neither. */
static long
cron_value(const char **p, const char *const *names, int nnames, int name_base)
{
	const char *s = *p;
	if (isdigit((unsigned char)*s)) {
		long v = 0;
		while (isdigit((unsigned char)*s)) {
			v = v * 10 + (*s - '0');
			if (v > 1000)
				return -1;
			s++;
		}
		*p = s;
		return v;
	}
	for (int i = 0; names && i < nnames; i++) {
		if (strncasecmp(s, names[i], 3) == 0) {
			*p = s + 3;
			return i + name_base;
		}
	}
	return -1;
}

/* Parses one field FIELD (NUL-terminated) into BITS over [LO, HI]. */
static bool
cron_field(const char *field, int lo, int hi, const char *const *names, int nnames,
	   int name_base, uint64_t *bits, bool *star, const char *what, struct strbuf *why)
{
	*bits = 0;
	*star = strcmp(field, "*") == 0 || strcmp(field, "?") == 0;
	const char *p = field;
	for (;;) {
		long a, b, step = 1;
		if (*p == '*' || *p == '?') {
			a = lo;
			b = hi;
			p++;
		} else {
			a = cron_value(&p, names, nnames, name_base);
			if (a < 0) {
				sb_printf(why, _("%s : « %s » n'est pas une valeur"), what, field);
				return false;
			}
			b = a;
			if (*p == '-') {
				p++;
				b = cron_value(&p, names, nnames, name_base);
				if (b < 0) {
					sb_printf(why, _("%s : intervalle incomplet dans « %s »"), what, field);
					return false;
				}
			}
		}
		if (*p == '/') {
			p++;
			step = cron_value(&p, NULL, 0, 0);
			if (step <= 0) {
				sb_printf(why, _("%s : pas invalide dans « %s »"), what, field);
				return false;
			}
			if (a == b && field[0] != '*')
				b = hi; /* "5/15" = from 5 to the end */
		}
		if (a < lo || b > hi || a > b) {
			sb_printf(why, _("%s : « %s » hors de l'intervalle %d-%d"), what, field, lo, hi);
			return false;
		}
		for (long v = a; v <= b; v += step)
			*bits |= (uint64_t)1 << v;
		if (*p == ',') {
			p++;
			continue;
		}
		if (*p) {
			sb_printf(why, _("%s : caractère inattendu « %c » dans « %s »"), what, *p, field);
			return false;
		}
		return true;
	}
}

static bool
cron_parse(const char *text, struct cron *c, struct strbuf *why)
{
	static const struct {
		const char *name, *expr;
	} macros[] = {
		{ "@yearly", "0 0 1 1 *" }, { "@annually", "0 0 1 1 *" }, { "@monthly", "0 0 1 * *" },
		{ "@weekly", "0 0 * * 0" }, { "@daily", "0 0 * * *" },   { "@midnight", "0 0 * * *" },
		{ "@hourly", "0 * * * *" },
	};
	for (size_t i = 0; i < sizeof macros / sizeof macros[0]; i++)
		if (strcasecmp(text, macros[i].name) == 0)
			text = macros[i].expr;
	char buf[256];
	char *fields[6];
	int nf = 0;
	if (strlen(text) >= sizeof buf) {
		sb_add(why, _("expression cron trop longue"));
		return false;
	}
	str_copy(buf, sizeof buf, text);
	for (char *s = strtok(buf, " \t"); s; s = strtok(NULL, " \t")) {
		if (nf == 5) {
			sb_add(why, _("une expression cron a cinq champs (minute heure jour mois jour-de-semaine)"));
			return false;
		}
		fields[nf++] = s;
	}
	if (nf != 5) {
		sb_printf(why, _("une expression cron a cinq champs (minute heure jour mois jour-de-semaine), "
				 "pas %d"), nf);
		return false;
	}
	uint64_t b;
	bool star;
	if (!cron_field(fields[0], 0, 59, NULL, 0, 0, &b, &star, _("minute"), why))
		return false;
	c->minute = b;
	if (!cron_field(fields[1], 0, 23, NULL, 0, 0, &b, &star, _("heure"), why))
		return false;
	c->hour = (uint32_t)b;
	if (!cron_field(fields[2], 1, 31, NULL, 0, 0, &b, &c->dom_star, _("jour du mois"), why))
		return false;
	c->dom = (uint32_t)b;
	if (!cron_field(fields[3], 1, 12, month_names, 12, 1, &b, &star, _("mois"), why))
		return false;
	c->month = (uint16_t)b;
	if (!cron_field(fields[4], 0, 7, dow_names, 7, 0, &b, &c->dow_star, _("jour de la semaine"), why))
		return false;
	if (b & (1u << 7))
		b |= 1; /* 7 = Sunday */
	c->dow = (uint8_t)(b & 0x7f);
	return true;
}

static bool cron_next(const struct cron *c, time_t from, time_t *next);

static bool
parse_line(const char *s, struct freq_line *l, struct strbuf *why)
{
	memset(l, 0, sizeof *l);
	while (isspace((unsigned char)*s))
		s++;
	const char *rest;
	if (*s == '(') {
		const char *close = strchr(s, ')');
		if (!close) {
			sb_add(why, _("parenthèse fermante manquante après l'expression cron"));
			return false;
		}
		char *inner = xstrndup(s + 1, (size_t)(close - s - 1));
		char *t = inner;
		while (isspace((unsigned char)*t))
			t++;
		size_t n = strlen(t);
		while (n && isspace((unsigned char)t[n - 1]))
			t[--n] = 0;
		bool ok = cron_parse(t, &l->cron, why);
		free(inner);
		if (!ok)
			return false;
		time_t probe;
		if (!cron_next(&l->cron, time(NULL), &probe)) {
			sb_add(why, _("l'expression cron ne se produit jamais"));
			return false;
		}
		l->is_cron = true;
		rest = close + 1;
	} else if (isdigit((unsigned char)*s)) {
		long v = 0;
		while (isdigit((unsigned char)*s)) {
			v = v * 10 + (*s - '0');
			if (v > 525600L * 10) {
				sb_add(why, _("période trop longue (dix ans au plus)"));
				return false;
			}
			s++;
		}
		if (*s == 's' || *s == 'S') {
			s++;
			l->seconds = v;
		} else {
			l->seconds = v * 60;
		}
		if (v == 0) {
			sb_add(why, _("la période doit être d'au moins 1"));
			return false;
		}
		if (*s && !isspace((unsigned char)*s)) {
			sb_printf(why, _("« %c » inattendu après la période (N minutes, Ns secondes ou (cron))"), *s);
			return false;
		}
		rest = s;
	} else {
		sb_add(why, _("attendu : N (minutes), Ns (secondes) ou (expression cron), éventuellement suivi de « X n »"));
		return false;
	}
	while (isspace((unsigned char)*rest))
		rest++;
	if (*rest == 0)
		return true;
	if ((*rest != 'X' && *rest != 'x')) {
		sb_printf(why, _("« %s » inattendu : seul « X n » peut suivre la période"), rest);
		return false;
	}
	rest++;
	while (isspace((unsigned char)*rest))
		rest++;
	if (!isdigit((unsigned char)*rest)) {
		sb_add(why, _("« X » doit être suivi d'un nombre de fois"));
		return false;
	}
	long n = 0;
	while (isdigit((unsigned char)*rest)) {
		n = n * 10 + (*rest - '0');
		if (n > 1000000) {
			sb_add(why, _("nombre de fois trop grand (un million au plus)"));
			return false;
		}
		rest++;
	}
	while (isspace((unsigned char)*rest))
		rest++;
	if (*rest) {
		sb_printf(why, _("« %s » inattendu après « X %ld »"), rest, n);
		return false;
	}
	if (n == 0) {
		sb_add(why, _("« X 0 » : le nombre de fois doit être d'au moins 1"));
		return false;
	}
	l->count = (int)n;
	return true;
}

struct frequence *
frequence_parse(const char *expr, struct err *err)
{
	if (!expr)
		expr = "";
	if (strlen(expr) > FREQ_MAX_LEN) {
		err_set(err, ERR_INPUT, _("Expression de fréquence trop longue (%d caractères au plus)."),
			FREQ_MAX_LEN);
		return NULL;
	}
	struct frequence *f = xcalloc(1, sizeof *f);
	struct strbuf why = STRBUF_INIT;
	int lineno = 0;
	const char *p = expr;
	while (*p) {
		const char *eol = strpbrk(p, "\r\n");
		size_t len = eol ? (size_t)(eol - p) : strlen(p);
		lineno++;
		char *line = xstrndup(p, len);
		bool blank = true;
		for (char *c = line; *c; c++)
			if (!isspace((unsigned char)*c))
				blank = false;
		if (!blank) {
			if (f->n == FREQ_MAX_LINES) {
				err_set(err, ERR_INPUT, _("Ligne %d : trop de lignes (%d au plus)."), lineno,
					FREQ_MAX_LINES);
				goto fail_line;
			}
			if (memchr(p, '\0', len) || !parse_line(line, &f->lines[f->n], &why)) {
				err_set(err, ERR_INPUT, _("Ligne %d : %s."), lineno, sb_str(&why));
				goto fail_line;
			}
			/* A line after an unlimited one would never be reached. */
			if (f->n > 0 && f->lines[f->n - 1].count == 0) {
				err_set(err, ERR_INPUT,
					_("Ligne %d : jamais atteinte, la ligne précédente n'a pas de « X n »."),
					lineno);
				goto fail_line;
			}
			f->n++;
		}
		free(line);
		if (!eol)
			break;
		p = eol + 1;
		continue;
fail_line:
		free(line);
		sb_free(&why);
		free(f);
		return NULL;
	}
	sb_free(&why);
	if (f->n == 0) { /* default: every minute */
		f->lines[0].seconds = 60;
		f->n = 1;
	}
	return f;
}

void
frequence_free(struct frequence **f)
{
	free(*f);
	*f = NULL;
}

static bool
cron_next(const struct cron *c, time_t from, time_t *next)
{
	struct tm tm;
	time_t t = from + 60 - (from % 60 + 60) % 60; /* next whole minute, strictly after */
	if (t <= from)
		t += 60;
	localtime_r(&t, &tm);
	tm.tm_sec = 0;
	/* At most about five years of days: 8 iterations per day is plenty. */
	for (int guard = 0; guard < 5 * 366 * 60; guard++) {
		if (!(c->month & (1u << (tm.tm_mon + 1)))) {
			tm.tm_mon++;
			tm.tm_mday = 1;
			tm.tm_hour = tm.tm_min = 0;
			tm.tm_isdst = -1;
			mktime(&tm);
			continue;
		}
		bool dom_ok = c->dom & (1u << tm.tm_mday);
		bool dow_ok = c->dow & (1u << tm.tm_wday);
		bool day_ok = c->dom_star && c->dow_star ? true
			      : c->dom_star ? dow_ok
			      : c->dow_star ? dom_ok
			      : (dom_ok || dow_ok);
		if (!day_ok) {
			tm.tm_mday++;
			tm.tm_hour = tm.tm_min = 0;
			tm.tm_isdst = -1;
			mktime(&tm);
			continue;
		}
		if (!(c->hour & (1u << tm.tm_hour))) {
			tm.tm_hour++;
			tm.tm_min = 0;
			tm.tm_isdst = -1;
			mktime(&tm);
			continue;
		}
		if (!(c->minute & ((uint64_t)1 << tm.tm_min))) {
			tm.tm_min++;
			tm.tm_isdst = -1;
			mktime(&tm);
			continue;
		}
		tm.tm_isdst = -1;
		time_t r = mktime(&tm);
		if (r <= from) { /* a DST fold brought us back */
			tm.tm_min++;
			mktime(&tm);
			continue;
		}
		*next = r;
		return true;
	}
	return false;
}

bool
frequence_next(const struct frequence *f, time_t from, int try, time_t *next)
{
	if (try < 1)
		try = 1;
	long long used = 0;
	for (int i = 0; i < f->n; i++) {
		const struct freq_line *l = &f->lines[i];
		if (l->count == 0 || try <= used + l->count) {
			if (l->is_cron)
				return cron_next(&l->cron, from, next);
			*next = from + l->seconds;
			return true;
		}
		used += l->count;
	}
	return false; /* used up: suspended */
}
