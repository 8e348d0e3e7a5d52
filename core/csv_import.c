/* CSV import of the address book: encoding, separator, libcsv, checks. */
#include <csv.h>
#include <errno.h>
#include <iconv.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/csv_import.h"
#include "core/i18n.h"
#include "core/strbuf.h"

static bool
utf8_valid(const unsigned char *s, size_t n)
{
	size_t i = 0;
	while (i < n) {
		unsigned char c = s[i];
		size_t k;
		unsigned int cp;
		if (c < 0x80) {
			i++;
			continue;
		} else if ((c & 0xE0) == 0xC0) {
			k = 1;
			cp = c & 0x1F;
		} else if ((c & 0xF0) == 0xE0) {
			k = 2;
			cp = c & 0x0F;
		} else if ((c & 0xF8) == 0xF0) {
			k = 3;
			cp = c & 0x07;
		} else {
			return false;
		}
		for (size_t j = 1; j <= k; j++) {
			if (i + j >= n || (s[i + j] & 0xC0) != 0x80)
				return false;
			cp = (cp << 6) | (s[i + j] & 0x3F);
		}
		/* Overlong forms, surrogates, beyond U+10FFFF. */
		if ((k == 1 && cp < 0x80) || (k == 2 && cp < 0x800) || (k == 3 && cp < 0x10000) ||
		    (cp >= 0xD800 && cp <= 0xDFFF) || cp > 0x10FFFF)
			return false;
		i += k + 1;
	}
	return true;
}

bool
csv_to_utf8(const char *data, size_t len, char **out, size_t *outlen, char encoding[32],
	    struct err *err)
{
	const unsigned char *u = (const unsigned char *)data;
	*out = NULL;
	*outlen = 0;
	if (len >= 3 && u[0] == 0xEF && u[1] == 0xBB && u[2] == 0xBF) {
		if (!utf8_valid(u + 3, len - 3))
			return err_set(err, ERR_INPUT,
				       _("Le fichier commence par la marque UTF-8 (BOM) mais contient des octets qui ne sont pas de l'UTF-8."));
		*out = xstrndup(data + 3, len - 3);
		*outlen = len - 3;
		str_copy(encoding, 32, "UTF-8 avec BOM");
		return true;
	}
	if (len >= 2 && ((u[0] == 0xFF && u[1] == 0xFE) || (u[0] == 0xFE && u[1] == 0xFF)))
		return err_set(err, ERR_INPUT,
			       _("Fichier en UTF-16 (« Texte Unicode » d'Excel) : enregistrez-le en « CSV (séparateur : point-virgule) »."));
	if (utf8_valid(u, len)) {
		*out = xstrndup(data, len);
		*outlen = len;
		str_copy(encoding, 32, "UTF-8");
		return true;
	}
	iconv_t cd = iconv_open("UTF-8", "WINDOWS-1252");
	if (cd == (iconv_t)-1)
		return err_set(err, ERR_INTERNAL, _("Conversion depuis Windows-1252 indisponible.")),
		       err_detail(err, "iconv_open: %s", strerror(errno));
	size_t cap = len * 3 + 1;
	char *buf = xmalloc(cap);
	char *in = (char *)data, *o = buf;
	size_t inleft = len, oleft = cap - 1;
	if (iconv(cd, &in, &inleft, &o, &oleft) == (size_t)-1) {
		size_t at = (size_t)(in - data);
		iconv_close(cd);
		free(buf);
		return err_set(err, ERR_INPUT,
			       _("Encodage non reconnu : ni UTF-8 ni Windows-1252 (octet 0x%02X à la position %zu)."),
			       at < len ? u[at] : 0, at + 1);
	}
	iconv_close(cd);
	*o = '\0';
	*out = buf;
	*outlen = (size_t)(o - buf);
	str_copy(encoding, 32, "Windows-1252");
	return true;
}

char
csv_detect_separator(const char *s, size_t len)
{
	size_t semi = 0, comma = 0;
	bool quoted = false;
	for (size_t i = 0; i < len; i++) {
		char c = s[i];
		if (c == '"')
			quoted = !quoted;
		else if (!quoted && (c == '\n' || c == '\r'))
			break;
		else if (!quoted && c == ';')
			semi++;
		else if (!quoted && c == ',')
			comma++;
	}
	return semi == 0 && comma > 0 ? ',' : ';';
}

bool
csv_email_valid(const char *s)
{
	if (!s)
		return false;
	size_t n = strlen(s);
	if (n == 0 || n > 254)
		return false;
	const char *at = strchr(s, '@');
	if (!at || at == s || strchr(at + 1, '@'))
		return false;
	for (const char *p = s; *p; p++)
		if ((unsigned char)*p <= ' ' || strchr("<>\",;", *p))
			return false;
	/* Domain: a dot with something on each side (as the SQL regex). */
	const char *d = at + 1;
	if (!*d)
		return false;
	for (const char *p = d + 1; *p; p++)
		if (*p == '.' && p[1] != '\0')
			return true;
	return false;
}

void
csv_line_refuse(struct csv_line *l, const char *fmt, ...)
{
	struct strbuf sb = STRBUF_INIT;
	va_list ap;
	va_start(ap, fmt);
	char tmp[1024];
	vsnprintf(tmp, sizeof tmp, fmt, ap);
	va_end(ap);
	sb_add(&sb, tmp);
	free(l->reason);
	l->reason = sb_take(&sb);
	l->status = CSV_LINE_REFUSED;
}

/* Parser state shared with libcsv's callbacks. */
struct pstate {
	struct csv_import *imp;
	size_t cap;
	int cur_line;     /* physical line being fed */
	bool in_record;
	char **fields;
	size_t nf, capf;
	int rec_line;
};

static char *
trim_dup(const char *s, size_t n)
{
	while (n && (unsigned char)*s <= ' ')
		s++, n--;
	while (n && (unsigned char)s[n - 1] <= ' ')
		n--;
	return xstrndup(s, n);
}

static void
cb_field(void *f, size_t n, void *data)
{
	struct pstate *ps = data;
	if (!ps->in_record) {
		ps->in_record = true;
		ps->rec_line = ps->cur_line;
	}
	if (ps->nf == ps->capf) {
		ps->capf = ps->capf ? ps->capf * 2 : 8;
		ps->fields = xrealloc(ps->fields, ps->capf * sizeof *ps->fields);
	}
	ps->fields[ps->nf++] = trim_dup(f ? f : "", f ? n : 0);
}

static bool
group_name_bad(const char *g)
{
	return strlen(g) > 64 || strpbrk(g, "\"\r\n") != NULL;
}

static void
cb_record(int c, void *data)
{
	(void)c;
	struct pstate *ps = data;
	struct csv_import *imp = ps->imp;
	if (!ps->in_record)
		ps->rec_line = ps->cur_line;
	ps->in_record = false;
	size_t nf = ps->nf;
	ps->nf = 0;
	bool blank = true;
	for (size_t i = 0; i < nf; i++)
		blank = blank && ps->fields[i][0] == '\0';
	if (blank) {
		for (size_t i = 0; i < nf; i++)
			free(ps->fields[i]);
		return;
	}
	/* A header line written by hand or by an export. */
	if (imp->n == 0 && !imp->header && nf >= 1 &&
	    (!strcasecmp(ps->fields[0], "email") || !strcasecmp(ps->fields[0], "e-mail") ||
	     !strcasecmp(ps->fields[0], "mail") || !strcasecmp(ps->fields[0], "adresse") ||
	     !strcasecmp(ps->fields[0], "courriel"))) {
		imp->header = true;
		for (size_t i = 0; i < nf; i++)
			free(ps->fields[i]);
		return;
	}
	if (imp->n == ps->cap) {
		ps->cap = ps->cap ? ps->cap * 2 : 64;
		imp->lines = xrealloc(imp->lines, ps->cap * sizeof *imp->lines);
	}
	struct csv_line *l = &imp->lines[imp->n++];
	memset(l, 0, sizeof *l);
	l->lineno = ps->rec_line;
	l->status = CSV_LINE_VALID;
	l->email = nf > 0 ? ps->fields[0] : xstrdup("");
	l->description = nf > 1 ? ps->fields[1] : xstrdup("");
	for (size_t i = 2; i < nf; i++) {
		char *g = ps->fields[i];
		bool dup = g[0] == '\0';
		for (size_t k = 0; !dup && k < l->ngroupes; k++)
			dup = strcmp(l->groupes[k], g) == 0;
		if (dup) {
			free(g);
			continue;
		}
		l->groupes = xrealloc(l->groupes, (l->ngroupes + 1) * sizeof *l->groupes);
		l->groupes[l->ngroupes++] = g;
	}
	if (nf < 2) {
		csv_line_refuse(l, _("trop peu de colonnes (il en faut au moins 2 : adresse%cdescription)"),
				imp->sep);
		return;
	}
	if (!csv_email_valid(l->email)) {
		csv_line_refuse(l, _("adresse électronique « %.200s » invalide"), l->email);
		return;
	}
	for (size_t k = 0; k < l->ngroupes; k++)
		if (group_name_bad(l->groupes[k])) {
			csv_line_refuse(l, _("nom de groupe « %.80s » invalide (64 caractères au plus, sans guillemet)"),
					l->groupes[k]);
			return;
		}
	for (size_t i = 0; i + 1 < imp->n; i++) {
		struct csv_line *o = &imp->lines[i];
		if (o->status != CSV_LINE_REFUSED && o->email && !strcasecmp(o->email, l->email)) {
			csv_line_refuse(l, _("adresse « %.200s » déjà présente ligne %d"), l->email, o->lineno);
			return;
		}
	}
}

struct csv_import *
csv_import_parse(const char *data, size_t len, struct err *err)
{
	if (len == 0)
		return err_set(err, ERR_INPUT, _("Le fichier est vide.")), NULL;
	if (len > CSV_IMPORT_MAX_BYTES)
		return err_set(err, ERR_INPUT, _("Fichier trop volumineux pour un carnet d'adresses (%d Mo au plus)."),
			       CSV_IMPORT_MAX_BYTES / (1024 * 1024)), NULL;
	const unsigned char *u = (const unsigned char *)data;
	if (len >= 2 && ((u[0] == 0xFF && u[1] == 0xFE) || (u[0] == 0xFE && u[1] == 0xFF)))
		return err_set(err, ERR_INPUT,
			       _("Fichier en UTF-16 (« Texte Unicode » d'Excel) : enregistrez-le en « CSV (séparateur : point-virgule) ».")),
		       NULL;
	if (memchr(data, '\0', len))
		return err_set(err, ERR_INPUT,
			       _("Ce fichier n'est pas un CSV (il contient des octets nuls) : enregistrez-le en « CSV (séparateur : point-virgule) ».")),
		       NULL;
	struct csv_import *imp = xcalloc(1, sizeof *imp);
	char *text;
	size_t tlen;
	if (!csv_to_utf8(data, len, &text, &tlen, imp->encoding, err)) {
		free(imp);
		return NULL;
	}
	imp->sep = csv_detect_separator(text, tlen);
	struct csv_parser p;
	if (csv_init(&p, CSV_APPEND_NULL) != 0) {
		free(text);
		free(imp);
		return err_set(err, ERR_INTERNAL, _("Analyseur CSV indisponible.")), NULL;
	}
	csv_set_delim(&p, (unsigned char)imp->sep);
	struct pstate ps = { .imp = imp, .cur_line = 1 };
	size_t off = 0;
	bool ok = true;
	/* Fed one physical line at a time, so that a record knows its line. */
	while (off < tlen) {
		const char *nl = memchr(text + off, '\n', tlen - off);
		size_t n = nl ? (size_t)(nl - (text + off)) + 1 : tlen - off;
		if (csv_parse(&p, text + off, n, cb_field, cb_record, &ps) != n) {
			ok = false;
			break;
		}
		off += n;
		ps.cur_line++;
	}
	if (ok)
		csv_fini(&p, cb_field, cb_record, &ps);
	if (!ok)
		err_set(err, ERR_INPUT, _("Fichier CSV illisible vers la ligne %d : %s."), ps.cur_line,
			csv_strerror(csv_error(&p)));
	csv_free(&p);
	for (size_t i = 0; i < ps.nf; i++)
		free(ps.fields[i]);
	free(ps.fields);
	free(text);
	if (!ok) {
		csv_import_free(&imp);
		return NULL;
	}
	if (imp->n == 0) {
		csv_import_free(&imp);
		return err_set(err, ERR_INPUT, _("Le fichier ne contient aucune ligne de contact.")), NULL;
	}
	return imp;
}

void
csv_import_free(struct csv_import **pimp)
{
	struct csv_import *imp = *pimp;
	if (!imp)
		return;
	for (size_t i = 0; i < imp->n; i++) {
		struct csv_line *l = &imp->lines[i];
		free(l->email);
		free(l->description);
		for (size_t k = 0; k < l->ngroupes; k++)
			free(l->groupes[k]);
		free(l->groupes);
		free(l->reason);
		free(l->note);
	}
	free(imp->lines);
	free(imp);
	*pimp = NULL;
}
