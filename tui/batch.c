/* Batch actions on the marked dossiers of a list ("traitement par lot"). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/i18n.h"
#include "tui/tui.h"
#include "tui/ui.h"

void list_batch(struct view *v, long long *ids, size_t n);
void list_marks_clear(struct view *v);

static char *
ids_array(long long *ids, size_t n)
{
	struct strbuf sb = STRBUF_INIT;
	sb_add(&sb, "{");
	for (size_t i = 0; i < n; i++)
		sb_printf(&sb, "%s%lld", i ? "," : "", ids[i]);
	sb_add(&sb, "}");
	return sb_take(&sb);
}

void
list_batch(struct view *v, long long *ids, size_t n)
{
	struct err err = { 0 };
	char *arr = ids_array(ids, n);
	const char *p[] = { arr, NULL };
	PGresult *r = tui_query("SELECT action, label, coalesce(warning, '') FROM "
				"liasse.dossier_batch_actions($1::bigint[])",
				1, p, &err);
	if (!r) {
		ui_error(&err);
		free(arr);
		return;
	}
	int na = PQntuples(r);
	if (na == 0) {
		ui_message(true, _("Aucune action n'est possible sur tous les dossiers marqués."));
		PQclear(r);
		free(arr);
		return;
	}
	const char **labels = xcalloc((size_t)na, sizeof(*labels));
	for (int i = 0; i < na; i++)
		labels[i] = PQgetvalue(r, i, 1);
	char title[128];
	snprintf(title, sizeof(title), _("Action sur les %zu dossiers marqués"), n);
	int k = ui_pick(title, labels, (size_t)na, 0);
	free(labels);
	if (k < 0 || (PQgetvalue(r, k, 2)[0] && !ui_confirm(PQgetvalue(r, k, 2)))) {
		PQclear(r);
		free(arr);
		return;
	}
	char *action = xstrdup(PQgetvalue(r, k, 0));
	PQclear(r);
	p[1] = action;
	r = tui_query("SELECT dossier_id, ok, coalesce(message, '') FROM "
		      "liasse.dossier_batch($1::bigint[], $2)",
		      2, p, &err);
	if (!r) {
		ui_error(&err);
	} else {
		int okn = 0, bad = 0;
		const char *first = NULL;
		for (int i = 0; i < PQntuples(r); i++) {
			if (PQgetvalue(r, i, 1)[0] == 't') {
				okn++;
			} else {
				bad++;
				if (!first)
					first = PQgetvalue(r, i, 2);
			}
		}
		if (bad)
			ui_message(true, _("Lot : %d dossier(s) traité(s), %d refusé(s) : %s"), okn,
				   bad, first);
		else
			ui_message(false, _("Lot : %d dossier(s) traité(s)."), okn);
		PQclear(r);
		list_marks_clear(v);
		if (!v->ops->open(v, &err))
			ui_error(&err);
	}
	free(action);
	free(arr);
}

/* vim: set ts=8 sw=8 noexpandtab: */
