#include "core/validate.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/i18n.h"

long
utf8_decode(const char **p, const char *end)
{
	const unsigned char *s = (const unsigned char *)*p;
	size_t avail = (size_t)(end - *p);
	if (!avail)
		return -1;
	unsigned c = s[0];
	size_t n;
	long cp, min;
	if (c < 0x80) {
		*p += 1;
		return c;
	} else if ((c & 0xe0) == 0xc0) {
		n = 2, cp = c & 0x1f, min = 0x80;
	} else if ((c & 0xf0) == 0xe0) {
		n = 3, cp = c & 0x0f, min = 0x800;
	} else if ((c & 0xf8) == 0xf0) {
		n = 4, cp = c & 0x07, min = 0x10000;
	} else {
		*p += 1;
		return -1;
	}
	if (avail < n) {
		*p += 1;
		return -1;
	}
	for (size_t i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80) {
			*p += 1;
			return -1;
		}
		cp = (cp << 6) | (s[i] & 0x3f);
	}
	if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) {
		*p += 1;
		return -1;
	}
	*p += n;
	return cp;
}

bool
utf8_valid(const char *s, size_t len)
{
	const char *p = s, *end = s + len;
	while (p < end)
		if (utf8_decode(&p, end) < 0)
			return false;
	return true;
}

size_t
utf8_length(const char *s)
{
	size_t n = 0;
	for (; *s; s++)
		n += ((unsigned char)*s & 0xc0) != 0x80;
	return n;
}

bool
validate_text(const char *label, const char *value, bool multiline, struct err *err)
{
	size_t len = strlen(value);
	if (!utf8_valid(value, len))
		return err_set(err, ERR_INPUT, _("« %s » : texte UTF-8 invalide"), label);
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)value[i];
		if (c == '\n' || c == '\r') {
			if (multiline)
				continue;
			return err_set(err, ERR_INPUT,
				       _("« %s » ne doit pas contenir de retour à la ligne"), label);
		}
		if ((c < 0x20 && c != '\t') || c == 0x7f)
			return err_set(err, ERR_INPUT,
				       _("« %s » contient un caractère de contrôle (code %u)"), label, c);
	}
	return true;
}

bool
validate_max_length(const char *label, const char *value, long max, struct err *err)
{
	if (max < 0)
		return true;
	size_t n = utf8_length(value);
	if (n > (size_t)max)
		return err_set(err, ERR_INPUT,
			       _("« %s » : %zu caractères, le maximum est %ld"), label, n, max);
	return true;
}

bool
validate_latin1(const char *label, const char *value, struct err *err)
{
	const char *p = value, *end = value + strlen(value);
	while (p < end) {
		const char *c = p;
		long cp = utf8_decode(&p, end);
		if (cp < 0)
			return err_set(err, ERR_INPUT, _("« %s » : texte UTF-8 invalide"), label);
		if (cp > 0xff)
			return err_set(err, ERR_INPUT,
				       _("« %s » contient « %.*s », caractère refusé par la "
					 "télétransmission (hors ISO-8859-1)"),
				       label, (int)(p - c), c);
	}
	return true;
}

bool
validate_forbidden(const char *label, const char *value, const char *forbid, struct err *err)
{
	if (!forbid || !*forbid)
		return true;
	const char *fend = forbid + strlen(forbid);
	const char *p = forbid;
	while (p < fend) {
		const char *c = p;
		utf8_decode(&p, fend);
		char one[8];
		size_t n = (size_t)(p - c);
		if (n >= sizeof(one))
			continue;
		memcpy(one, c, n);
		one[n] = '\0';
		if (strstr(value, one))
			return err_set(err, ERR_INPUT, _("« %s » ne doit pas contenir le caractère « %s »"),
				       label, one);
	}
	return true;
}

bool
validate_regex(const char *label, const regex_t *re, const char *value, const char *message,
	       struct err *err)
{
	if (regexec(re, value, 0, NULL, 0) == 0)
		return true;
	if (message && *message)
		return err_set(err, ERR_INPUT, _("« %s » : %s"), label, message);
	return err_set(err, ERR_INPUT, _("« %s » n'a pas le format attendu"), label);
}

/* The largest upper bound of each {m,n} multiplied together: a cheap
 * bound on what regcomp may expand. */
static double
regex_cost(const char *p)
{
	double cost = 1;
	for (; *p; p++) {
		if (*p == '\\' && p[1]) {
			p++;
			continue;
		}
		if (*p != '{')
			continue;
		double m = 0;
		const char *q = p + 1;
		while (*q && (isdigit((unsigned char)*q) || *q == ',')) {
			if (isdigit((unsigned char)*q)) {
				double v = strtod(q, (char **)&q);
				if (v > m)
					m = v;
				continue;
			}
			q++;
		}
		cost *= m > 1 ? m : 1;
		if (cost > 1e9)
			break;
	}
	return cost;
}

bool
validate_regex_compile(regex_t *re, const char *pattern, struct err *err)
{
	if (strlen(pattern) > 1024)
		return err_set(err, ERR_INPUT, _("expression rationnelle trop longue (1024 octets au plus)"));
	if (regex_cost(pattern) > 4096)
		return err_set(err, ERR_INPUT,
			       _("expression rationnelle trop coûteuse (répétitions {m,n} trop grandes)"));
	int rc = regcomp(re, pattern, REG_EXTENDED | REG_NOSUB);
	if (rc != 0) {
		char buf[256];
		regerror(rc, re, buf, sizeof(buf));
		regfree(re);
		err_set(err, ERR_INPUT, _("expression rationnelle invalide : « %s »"), pattern);
		return err_detail(err, "regcomp: %s", buf);
	}
	return true;
}

static bool
is_leap(int y)
{
	return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

void
date_today(char out[11])
{
	/* localtime_r() knows only the process's zone: switch TZ for the call
	 * (liasse has no threads) and put the caller's back. */
	const char *was = getenv("TZ");
	char *saved = was ? strdup(was) : NULL;
	setenv("TZ", LIASSE_TZ, 1);
	tzset();
	time_t t = time(NULL);
	struct tm tm;
	if (!localtime_r(&t, &tm))
		gmtime_r(&t, &tm);
	strftime(out, 11, "%Y-%m-%d", &tm);
	if (saved)
		setenv("TZ", saved, 1);
	else
		unsetenv("TZ");
	free(saved);
	tzset();
}

bool
validate_date(const char *label, const char *value, bool not_future, const char *today,
	      struct err *err)
{
	static const int mdays[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	bool shape = strlen(value) == 10 && value[4] == '-' && value[7] == '-';
	for (int i = 0; shape && i < 10; i++)
		if (i != 4 && i != 7 && !isdigit((unsigned char)value[i]))
			shape = false;
	if (!shape)
		return err_set(err, ERR_INPUT,
			       _("« %s » : date attendue sous la forme AAAA-MM-JJ, pas « %s »"), label,
			       value);
	int y = atoi(value), m = atoi(value + 5), d = atoi(value + 8);
	int dim = m >= 1 && m <= 12 ? mdays[m - 1] + (m == 2 && is_leap(y)) : 0;
	if (y < 1 || m < 1 || m > 12 || d < 1 || d > dim)
		return err_set(err, ERR_INPUT, _("« %s » : la date « %s » n'existe pas"), label, value);
	if (not_future) {
		char buf[11];
		if (!today) {
			date_today(buf);
			today = buf;
		}
		if (strcmp(value, today) > 0)
			return err_set(err, ERR_INPUT,
				       _("« %s » : la date %s est dans le futur"), label, value);
	}
	return true;
}

bool
validate_number(const char *label, const char *value, bool has_min, long long min, bool has_max,
		long long max, struct err *err)
{
	const char *p = value;
	if (*p == '-')
		p++;
	bool digits = *p != '\0';
	for (; *p; p++)
		if (!isdigit((unsigned char)*p))
			digits = false;
	errno = 0;
	long long v = digits ? strtoll(value, NULL, 10) : 0;
	if (!digits || errno == ERANGE)
		return err_set(err, ERR_INPUT, _("« %s » : nombre entier attendu, pas « %s »"), label,
			       value);
	if (has_min && v < min)
		return err_set(err, ERR_INPUT, _("« %s » doit valoir au moins %lld"), label, min);
	if (has_max && v > max)
		return err_set(err, ERR_INPUT, _("« %s » doit valoir au plus %lld"), label, max);
	return true;
}

bool
validate_email(const char *a, size_t len)
{
	const char *at = memchr(a, '@', len);
	if (!at || at == a || at == a + len - 1 || memchr(at + 1, '@', (size_t)(a + len - at - 1)))
		return false;
	for (const char *p = a; p < at; p++)
		if (!isalnum((unsigned char)*p) && !strchr("!#$%&'*+/=?^_`{|}~.-", *p))
			return false;
	if (a[0] == '.' || at[-1] == '.')
		return false;
	const char *d = at + 1, *end = a + len;
	bool dot = false;
	for (const char *p = d; p < end; p++) {
		if (*p == '.') {
			if (p == d || p == end - 1 || p[-1] == '.')
				return false;
			dot = true;
		} else if (!isalnum((unsigned char)*p) && *p != '-') {
			return false;
		}
	}
	return dot;
}

static bool
is_space(char c)
{
	return c == ' ' || c == '\t';
}

/* groupe: "X", role: "X", groupe global: "X", groupe hérité de E: "X" */
static bool
is_group_ref(const char *s, size_t len)
{
	static const char *const kw[] = { "groupe", "role", "rôle" };
	const char *colon = memchr(s, ':', len);
	if (!colon)
		return false;
	size_t plen = (size_t)(colon - s);
	bool kw_ok = false;
	for (size_t k = 0; k < 3; k++) {
		size_t n = strlen(kw[k]);
		if (plen >= n && strncmp(s, kw[k], n) == 0 && (plen == n || s[n] == ' '))
			kw_ok = true;
	}
	if (!kw_ok)
		return false;
	const char *q = colon + 1, *end = s + len;
	while (q < end && is_space(*q))
		q++;
	return end - q >= 3 && *q == '"' && end[-1] == '"' &&
	       !memchr(q + 1, '"', (size_t)(end - q - 2));
}

static bool
is_list_item(const char *s, size_t len)
{
	if (validate_email(s, len) || is_group_ref(s, len))
		return true;
	/* "Nom" <adresse> or Nom <adresse> */
	if (len > 2 && s[len - 1] == '>') {
		const char *lt = NULL;
		for (const char *p = s + len - 1; p >= s; p--)
			if (*p == '<') {
				lt = p;
				break;
			}
		return lt && validate_email(lt + 1, (size_t)(s + len - 1 - lt - 1));
	}
	return false;
}

bool
validate_email_list(const char *label, const char *value, struct err *err)
{
	const char *p = value;
	int count = 0;
	while (*p) {
		const char *start = p;
		bool quoted = false;
		while (*p && (quoted || (*p != ',' && *p != ';'))) {
			if (*p == '"')
				quoted = !quoted;
			p++;
		}
		const char *end = p;
		while (start < end && (is_space(*start) || *start == '\n' || *start == '\r'))
			start++;
		while (end > start && (is_space(end[-1]) || end[-1] == '\n' || end[-1] == '\r'))
			end--;
		if (end > start) {
			if (!is_list_item(start, (size_t)(end - start)))
				return err_set(err, ERR_INPUT,
					       _("« %s » : « %.*s » n'est ni une adresse électronique, ni "
						 "groupe: \"nom\", ni role: \"nom\""),
					       label, (int)(end - start > 120 ? 120 : end - start), start);
			count++;
		}
		if (*p)
			p++;
	}
	(void)count;
	return true;
}

bool
validate_checkbox(const char *label, const char *value, struct err *err)
{
	if (strcmp(value, "on") == 0 || !*value)
		return true;
	return err_set(err, ERR_INPUT, _("« %s » : case à cocher, « on » ou vide attendu, pas « %s »"),
		       label, value);
}

const char *
validate_sniff(const unsigned char *head, size_t n)
{
	static const struct {
		const char *magic;
		size_t len;
		const char *mime;
	} magics[] = {
		{ "%PDF-", 5, "application/pdf" },
		{ "\x89PNG\r\n\x1a\n", 8, "image/png" },
		{ "\xff\xd8\xff", 3, "image/jpeg" },
		{ "PK\x03\x04", 4, "application/zip" },
		{ "PK\x05\x06", 4, "application/zip" },
	};
	if (n > 512)
		n = 512;
	for (size_t k = 0; k < sizeof(magics) / sizeof(magics[0]); k++)
		if (n >= magics[k].len && memcmp(head, magics[k].magic, magics[k].len) == 0)
			return magics[k].mime;
	if (n >= 3 && memcmp(head, "\xef\xbb\xbf", 3) == 0)
		head += 3, n -= 3;
	/* XML: blanks then "<?xml" or "<" and a name start, within 64 bytes. */
	size_t lim = n < 64 ? n : 64, i = 0;
	while (i < lim && (head[i] == ' ' || (head[i] >= '\t' && head[i] <= '\r')))
		i++;
	if (i < lim && head[i] == '<' &&
	    ((i + 5 <= lim && memcmp(head + i + 1, "?xml", 4) == 0) ||
	     (i + 1 < lim && (((head[i + 1] | 0x20) >= 'a' && (head[i + 1] | 0x20) <= 'z') ||
			       head[i + 1] == '_'))))
		return "application/xml";
	if (memchr(head, '\0', n))
		return "application/octet-stream";
	/* Valid UTF-8; the head may end inside a character. */
	for (size_t cut = 0; cut <= 3 && cut <= n; cut++)
		if (utf8_valid((const char *)head, n - cut))
			return "text/plain";
	return "application/octet-stream";
}
