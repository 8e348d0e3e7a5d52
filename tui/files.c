/* File fields: a file picker on the machine the TUI runs on, and the
 * upload of the chosen file through dossier_attach (core/dossier.h). */
#include <dirent.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/dossier.h"
#include "core/i18n.h"
#include "tui/tui.h"
#include "tui/ui.h"

bool tui_upload_file(long long dossier, int version, const char *field, const char *path,
		     struct dossier_attach_result *res, struct err *err);
char *tui_pick_file(void);

static char picker_dir[PATH_MAX];

static int
cmp_entry(const void *a, const void *b)
{
	const char *x = *(const char *const *)a, *y = *(const char *const *)b;
	bool dx = x[strlen(x) - 1] == '/', dy = y[strlen(y) - 1] == '/';
	if (dx != dy)
		return dx ? -1 : 1;
	return strcoll(x, y);
}

char *
tui_pick_file(void)
{
	if (!picker_dir[0] && !getcwd(picker_dir, sizeof(picker_dir)))
		str_copy(picker_dir, sizeof(picker_dir), "/");
	for (;;) {
		DIR *d = opendir(picker_dir);
		if (!d) {
			ui_message(true, _("Dossier illisible : %s"), picker_dir);
			return NULL;
		}
		char **names = NULL;
		size_t n = 0;
		names = xrealloc(names, sizeof(*names));
		names[n++] = xstrdup("../");
		struct dirent *e;
		while ((e = readdir(d)) != NULL) {
			if (e->d_name[0] == '.')
				continue;
			char full[PATH_MAX * 2];
			snprintf(full, sizeof(full), "%s/%s", picker_dir, e->d_name);
			struct stat st;
			if (stat(full, &st) != 0)
				continue;
			struct strbuf sb = STRBUF_INIT;
			sb_add(&sb, e->d_name);
			if (S_ISDIR(st.st_mode))
				sb_add(&sb, "/");
			else if (!S_ISREG(st.st_mode))
				continue;
			names = xrealloc(names, (n + 1) * sizeof(*names));
			names[n++] = sb_take(&sb);
		}
		closedir(d);
		qsort(names + 1, n - 1, sizeof(*names), cmp_entry);
		char title[PATH_MAX + 32];
		snprintf(title, sizeof(title), _("Choisir un fichier : %s"), picker_dir);
		int k = ui_pick(title, (const char *const *)names, n, n > 1 ? 1 : 0);
		char *chosen = k >= 0 ? xstrdup(names[k]) : NULL;
		for (size_t i = 0; i < n; i++)
			free(names[i]);
		free(names);
		if (!chosen)
			return NULL;
		size_t len = strlen(chosen);
		if (strcmp(chosen, "../") == 0) {
			char *slash = strrchr(picker_dir, '/');
			if (slash && slash != picker_dir)
				*slash = '\0';
			else
				str_copy(picker_dir, sizeof(picker_dir), "/");
		} else if (chosen[len - 1] == '/') {
			chosen[len - 1] = '\0';
			char next[PATH_MAX * 2];
			snprintf(next, sizeof(next), "%s%s%s", picker_dir,
				 strcmp(picker_dir, "/") == 0 ? "" : "/", chosen);
			str_copy(picker_dir, sizeof(picker_dir), next);
		} else {
			struct strbuf sb = STRBUF_INIT;
			sb_printf(&sb, "%s%s%s", picker_dir, strcmp(picker_dir, "/") == 0 ? "" : "/",
				  chosen);
			free(chosen);
			return sb_take(&sb);
		}
		free(chosen);
	}
}

/* Through the core, like `liasse dossier attach`: the database checks the
 * type and sizes, and a PES gets its information extracted. */
bool
tui_upload_file(long long dossier, int version, const char *field, const char *path,
		struct dossier_attach_result *res, struct err *err)
{
	if (ui.db_lost || !ui.db)
		return err_set(err, ERR_DB_CONNECT, _("Connexion à la base perdue."));
	if (!dossier_attach(ui.db, dossier, version, field, path, NULL, res, err)) {
		if (err->code == ERR_DB_CONNECT || PQstatus(ui.db->conn) != CONNECTION_OK) {
			err->code = ERR_DB_CONNECT;
			ui_db_lost();
		}
		return false;
	}
	return true;
}

/* vim: set ts=8 sw=8 noexpandtab: */
