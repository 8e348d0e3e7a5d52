/* liasse forms check|list|show: the dossier type definitions. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cli/cli.h"
#include "core/form.h"
#include "core/i18n.h"
#include "core/strbuf.h"
#include "core/validate.h"

/* Parses one file; errors appended to ERRS. */
static int
check_file(const char *path, struct strbuf *errs)
{
	FILE *fp = fopen(path, "rb");
	if (!fp) {
		sb_printf(errs, _("%s: impossible d'ouvrir le fichier\n"), path);
		return 1;
	}
	struct strbuf data = STRBUF_INIT;
	char buf[8192];
	size_t n;
	while ((n = fread(buf, 1, sizeof(buf), fp)) > 0 && data.len <= 1024 * 1024)
		sb_addn(&data, buf, n);
	fclose(fp);
	if (data.len > 1024 * 1024) {
		sb_printf(errs, _("%s: fichier trop gros (1 Mio au plus)\n"), path);
		sb_free(&data);
		return 1;
	}
	struct form_def *f = form_parse(path, sb_str(&data), data.len, errs);
	sb_free(&data);
	if (!f)
		return 1;
	form_free(&f);
	return 0;
}

static int
forms_check(int argc, char **argv)
{
	struct strbuf errs = STRBUF_INIT;
	int bad = 0, files = 0;
	if (argc < 2) {
		struct form_set *s;
		struct err err = { 0 };
		bad = !form_set_load_errs(NULL, &s, &errs, &err);
		files = s ? (int)s->n : 0;
		form_set_free(&s);
	}
	for (int i = 1; i < argc; i++) {
		struct stat st;
		if (stat(argv[i], &st) == 0 && S_ISDIR(st.st_mode)) {
			struct form_set *s;
			struct err err = { 0 };
			if (!form_set_load_errs(argv[i], &s, &errs, &err))
				bad++;
			else
				files += (int)s->n;
			form_set_free(&s);
		} else {
			bad += check_file(argv[i], &errs);
			files++;
		}
	}
	fputs(sb_str(&errs), stderr);
	sb_free(&errs);
	if (bad)
		return EXIT_FAIL;
	printf(_("%d définition(s) valide(s).\n"), files);
	return EXIT_OK;
}

static struct form_set *
load_or_fail(struct cli *cli, const char *dir)
{
	struct form_set *s;
	struct err err = { 0 };
	if (!form_set_load(dir, &s, &err)) {
		cli_fail(cli, &err);
		return NULL;
	}
	return s;
}

static int
forms_list(struct cli *cli, const char *dir)
{
	struct form_set *s = load_or_fail(cli, dir);
	if (!s)
		return EXIT_FAIL;
	for (size_t i = 0; i < s->n; i++) {
		const struct form_def *f = s->defs[i];
		int pad = 16 - (int)utf8_length(f->family);
		printf("%-20s %s%*s %s\n", f->id, f->family, pad > 0 ? pad : 0, "", f->name);
	}
	form_set_free(&s);
	return EXIT_OK;
}

static void
show_text(const struct form_def *f)
{
	printf(_("type: %s\nnom: %s\nfamille: %s\nsha256: %s\n"), f->id, f->name, f->family, f->sha256);
	if (f->description)
		printf(_("description: %s\n"), f->description);
	for (size_t i = 0; i < f->ntabs; i++) {
		const struct form_tab *t = &f->tabs[i];
		printf(_("onglet: %s « %s »"), t->id, t->label);
		if (t->cond.field)
			printf(_(" si %s=%s"), t->cond.field, t->cond.value);
		putchar('\n');
		for (size_t k = 0; k < f->nfields; k++) {
			const struct form_field *fd = &f->fields[k];
			if (!fd->tab || strcmp(fd->tab, t->id) != 0)
				continue;
			printf(_("  champ: %s %s « %s »%s%s\n"), fd->id, form_field_type_name(fd->type),
			       fd->label, fd->required ? _(" obligatoire") : "",
			       fd->multiple ? _(" multiple") : "");
		}
	}
	for (size_t i = 0; i < f->nstates; i++)
		printf(_("état: %s « %s »\n"), f->states[i].id, f->states[i].label);
	for (size_t i = 0; i < f->nactions; i++) {
		const struct form_action *a = &f->actions[i];
		printf(_("action: %s « %s » -> %s%s\n"), a->id, a->label, a->state,
		       a->system ? _(" (système)") : "");
	}
}

static int
forms_show(struct cli *cli, const char *dir, const char *type, bool json)
{
	struct form_set *s = load_or_fail(cli, dir);
	if (!s)
		return EXIT_FAIL;
	const struct form_def *f = form_set_find(s, type);
	int rc = EXIT_OK;
	if (!f) {
		fprintf(stderr, _("liasse: type de dossier inconnu : « %s » (voir « liasse forms list »)\n"),
			type);
		rc = EXIT_FAIL;
	} else if (json) {
		char *j = form_to_json(f);
		puts(j);
		free(j);
	} else {
		show_text(f);
	}
	form_set_free(&s);
	return rc;
}

CLI_COMMAND(forms, 40, N_("vérifie, liste ou affiche les types de dossier (check|list|show)"))

int
cli_forms(struct cli *cli, int argc, char **argv)
{
	if (argc < 2)
		return cli_usage(_("« liasse forms » attend check, list ou show"));
	const char *sub = argv[1];
	if (strcmp(sub, "check") == 0)
		return forms_check(argc - 1, argv + 1);
	/* list and show: [--dir DIR] */
	const char *dir = NULL, *type = NULL;
	bool json = false;
	for (int i = 2; i < argc; i++) {
		if (strcmp(argv[i], "--json") == 0)
			json = true;
		else if (strcmp(argv[i], "--dir") == 0 && i + 1 < argc)
			dir = argv[++i];
		else if (argv[i][0] == '-')
			return cli_usage(_("option inconnue : « %s »"), argv[i]);
		else if (!type && strcmp(sub, "show") == 0)
			type = argv[i];
		else
			return cli_usage(_("argument en trop : « %s »"), argv[i]);
	}
	if (strcmp(sub, "list") == 0) {
		if (json)
			return cli_usage(_("« forms list » n'a pas d'option --json"));
		return forms_list(cli, dir);
	}
	if (strcmp(sub, "show") == 0) {
		if (!type)
			return cli_usage(_("« liasse forms show » attend un type de dossier"));
		return forms_show(cli, dir, type, json);
	}
	return cli_usage(_("sous-commande inconnue : « forms %s » (check, list, show)"), sub);
}
