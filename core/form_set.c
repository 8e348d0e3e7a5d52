/* Loading every definition: the ones compiled into the binary or the
 * .form files of a folder. */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "core/embedded.h"
#include "core/form_impl.h"
#include "core/i18n.h"

#define FORM_MAX_BYTES (1024 * 1024)

static bool
ends_with(const char *s, const char *suffix)
{
	size_t n = strlen(s), m = strlen(suffix);
	return n > m && strcmp(s + n - m, suffix) == 0;
}

static void
set_add(struct form_set *s, struct form_def *f, const char *name, struct strbuf *errs, int *nerr)
{
	for (size_t i = 0; i < s->n; i++)
		if (strcmp(s->defs[i]->id, f->id) == 0) {
			if (errs)
				sb_printf(errs, _("%s:1: type « %s » déjà défini par un autre fichier\n"),
					  name, f->id);
			(*nerr)++;
			form_free(&f);
			return;
		}
	s->defs = xrealloc(s->defs, (s->n + 1) * sizeof(*s->defs));
	s->defs[s->n++] = f;
}

static int
cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Reads PATH whole (at most FORM_MAX_BYTES); NULL + message in ERRS. */
static char *
read_form_file(const char *path, size_t *len, struct strbuf *errs)
{
	FILE *fp = fopen(path, "rb");
	if (!fp) {
		if (errs)
			sb_printf(errs, _("%s: impossible d'ouvrir le fichier : %s\n"), path, strerror(errno));
		return NULL;
	}
	char *buf = xmalloc(FORM_MAX_BYTES + 1);
	size_t n = fread(buf, 1, FORM_MAX_BYTES + 1, fp);
	bool bad = ferror(fp);
	fclose(fp);
	if (bad || n > FORM_MAX_BYTES) {
		if (errs)
			sb_printf(errs, bad ? _("%s: erreur de lecture\n")
					    : _("%s: fichier trop gros (1 Mio au plus)\n"),
				  path);
		free(buf);
		return NULL;
	}
	buf[n] = '\0';
	*len = n;
	return buf;
}

static void
load_dir(const char *dir, struct form_set *s, struct strbuf *errs, int *nerr)
{
	DIR *d = opendir(dir);
	if (!d) {
		if (errs)
			sb_printf(errs, _("%s: impossible d'ouvrir le dossier : %s\n"), dir, strerror(errno));
		(*nerr)++;
		return;
	}
	char **names = NULL;
	size_t n = 0;
	struct dirent *e;
	while ((e = readdir(d)))
		if (e->d_name[0] != '.' && ends_with(e->d_name, ".form")) {
			names = xrealloc(names, (n + 1) * sizeof(*names));
			names[n++] = xstrdup(e->d_name);
		}
	closedir(d);
	qsort(names, n, sizeof(*names), cmp_str);
	for (size_t i = 0; i < n; i++) {
		struct strbuf path = STRBUF_INIT;
		sb_printf(&path, "%s/%s", dir, names[i]);
		size_t len;
		char *data = read_form_file(sb_str(&path), &len, errs);
		if (!data) {
			(*nerr)++;
		} else {
			struct form_def *f = form_parse(sb_str(&path), data, len, errs);
			if (f)
				set_add(s, f, sb_str(&path), errs, nerr);
			else
				(*nerr)++;
			free(data);
		}
		sb_free(&path);
		free(names[i]);
	}
	free(names);
}

bool
form_set_load_errs(const char *dir, struct form_set **out, struct strbuf *errs, struct err *err)
{
	struct form_set *s = xcalloc(1, sizeof(*s));
	struct strbuf own = STRBUF_INIT;
	size_t start = errs ? errs->len : 0;
	if (!errs)
		errs = &own;
	int nerr = 0;
	if (dir) {
		load_dir(dir, s, errs, &nerr);
	} else {
		for (const struct embedded_file *e = embedded_files; e->name; e++) {
			if (strncmp(e->name, "forms/", 6) != 0 || !ends_with(e->name, ".form"))
				continue;
			struct form_def *f = form_parse(e->name, e->data, e->len, errs);
			if (f)
				set_add(s, f, e->name, errs, &nerr);
			else
				nerr++;
		}
	}
	if (nerr) {
		err_set(err, ERR_INPUT, _("définitions de types de dossier invalides :\n%s"),
			sb_str(errs) + start);
		sb_free(&own);
		form_set_free(&s);
		*out = NULL;
		return false;
	}
	sb_free(&own);
	*out = s;
	return true;
}

bool
form_set_load(const char *dir, struct form_set **out, struct err *err)
{
	return form_set_load_errs(dir, out, NULL, err);
}

void
form_set_free(struct form_set **sp)
{
	struct form_set *s = *sp;
	if (!s)
		return;
	for (size_t i = 0; i < s->n; i++)
		form_free(&s->defs[i]);
	free(s->defs);
	free(s);
	*sp = NULL;
}

const struct form_def *
form_set_find(const struct form_set *s, const char *type_id)
{
	for (size_t i = 0; s && i < s->n; i++)
		if (strcmp(s->defs[i]->id, type_id) == 0)
			return s->defs[i];
	return NULL;
}
