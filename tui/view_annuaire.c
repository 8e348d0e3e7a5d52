/* Address book of the current entity (annuaire): contacts and groups as
 * two tabs. c creates, Entrée modifies a contact or shows a group's
 * members, Suppr deletes, / searches, i imports a CSV file (preview, then
 * confirmation). Opened by tui_open_annuaire() (to be wired in the menu
 * or the administration view). */
#include <curses.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/annuaire.h"
#include "core/csv_import.h"
#include "core/i18n.h"
#include "tui/text.h"
#include "tui/tui.h"
#include "tui/ui.h"

void tui_open_annuaire(void);

struct annuaire_view {
	size_t tab; /* 0 contacts, 1 groups */
	PGresult *res;
	char *filter;
	char *groupe; /* contacts of this group only */
};

static bool
annuaire_open(struct view *v, struct err *err)
{
	struct annuaire_view *a = v->data;
	if (ui.entite_id <= 0)
		return err_set(err, ERR_INPUT, _("Choisissez d'abord une entité (touche e) : l'annuaire est propre à chaque entité."));
	char ent[32];
	snprintf(ent, sizeof ent, "%lld", (long long)ui.entite_id);
	const char *p[] = { ent, a->filter, a->groupe };
	PGresult *r = a->tab == 0
		? tui_query("SELECT id, email, description, groupes FROM liasse.annuaire_contacts($1, $2, $3)", 3, p, err)
		: tui_query("SELECT id, libelle, membres::text, CASE WHEN partage THEN 'partagé' ELSE '' END, kind, nom "
			    "FROM liasse.annuaire_groupes($1)", 1, p, err);
	if (!r)
		return false;
	PQclear(a->res);
	a->res = r;
	view_fix_cursor(v);
	return true;
}

static void
annuaire_close(struct view *v)
{
	struct annuaire_view *a = v->data;
	PQclear(a->res);
	free(a->filter);
	free(a->groupe);
	free(a);
}

static size_t
annuaire_rows(struct view *v)
{
	struct annuaire_view *a = v->data;
	return a->res ? (size_t)PQntuples(a->res) : 0;
}

static void
annuaire_row(struct view *v, size_t i, struct row *r)
{
	struct annuaire_view *a = v->data;
	int k = (int)i;
	if (a->tab == 0) {
		row_add(r, PQgetvalue(a->res, k, 2), 28, EL_DEFAULT);
		row_add(r, PQgetvalue(a->res, k, 1), 36, EL_DEFAULT);
		row_add(r, PQgetvalue(a->res, k, 3), 0, EL_DEFAULT);
	} else {
		row_add(r, PQgetvalue(a->res, k, 1), 50, EL_DEFAULT);
		row_add(r, PQgetvalue(a->res, k, 2), 8, EL_DEFAULT);
		row_add(r, PQgetvalue(a->res, k, 3), 0, EL_DEFAULT);
	}
}

static void
annuaire_header(struct view *v, struct row *r)
{
	struct annuaire_view *a = v->data;
	if (a->tab == 0) {
		row_add(r, _("Description"), 28, EL_DEFAULT);
		row_add(r, _("Adresse"), 36, EL_DEFAULT);
		row_add(r, _("Groupes"), 0, EL_DEFAULT);
	} else {
		row_add(r, _("Groupe (à écrire dans les destinataires)"), 50, EL_DEFAULT);
		row_add(r, _("Membres"), 8, EL_DEFAULT);
		row_add(r, _("Partage"), 0, EL_DEFAULT);
	}
}

static void
annuaire_tabs(struct view *v, struct row *r)
{
	struct annuaire_view *a = v->data;
	static const char *const labels[] = { N_("Contacts"), N_("Groupes") };
	for (size_t i = 0; i < 2; i++)
		row_addf(r, ui_text_width(_(labels[i])) + 2, i == a->tab ? EL_TAB_ACTIVE : EL_TAB, " %s ",
			 _(labels[i]));
}

static void
annuaire_title(struct view *v, struct strbuf *sb)
{
	struct annuaire_view *a = v->data;
	sb_printf(sb, _("Carnet d'adresses · %s"), ui.entite_path);
	if (a->groupe)
		sb_printf(sb, _(" · groupe « %s »"), a->groupe);
	if (a->filter)
		sb_printf(sb, _(" · « %s »"), a->filter);
}

static void
annuaire_position(struct view *v, struct strbuf *sb)
{
	size_t n = annuaire_rows(v);
	sb_printf(sb, _("%zu élément(s) · c créer · Entrée modifier · Suppr supprimer · i importer"), n);
}

static bool
run(const char *sql, int n, const char *const *p, const char *done)
{
	struct err err = { 0 };
	if (!tui_exec(sql, n, p, &err)) {
		ui_error(&err);
		return false;
	}
	ui_message(false, "%s", done);
	return true;
}

static void
create(struct annuaire_view *a)
{
	char ent[32];
	snprintf(ent, sizeof ent, "%lld", (long long)ui.entite_id);
	if (a->tab == 1) {
		char *nom = ui_prompt(_("Nom du nouveau groupe :"), "");
		if (!nom || !*nom) {
			free(nom);
			return;
		}
		bool partage = ui_confirm(_("Partager ce groupe avec les sous-entités ?"));
		const char *p[] = { ent, nom, partage ? "true" : "false" };
		run("SELECT liasse.annuaire_groupe_create($1, $2, $3)", 3, p, _("Groupe créé."));
		free(nom);
		return;
	}
	char *email = ui_prompt(_("Adresse électronique :"), "");
	if (!email || !*email) {
		free(email);
		return;
	}
	char *desc = ui_prompt(_("Description (nom, fonction) :"), "");
	char *groupes = desc ? ui_prompt(_("Groupes (séparés par des virgules, facultatif) :"), a->groupe ? a->groupe : "")
			     : NULL;
	if (desc && groupes) {
		struct strbuf arr = STRBUF_INIT;
		sb_addc(&arr, '{');
		bool first = true;
		for (char *tok = strtok(groupes, ","); tok; tok = strtok(NULL, ",")) {
			while (*tok == ' ')
				tok++;
			if (!*tok)
				continue;
			if (!first)
				sb_addc(&arr, ',');
			annuaire_array_elem(&arr, tok);
			first = false;
		}
		sb_addc(&arr, '}');
		const char *p[] = { ent, email, desc, sb_str(&arr) };
		run("SELECT liasse.annuaire_contact_save($1, $2, $3, $4::text[], false)", 4, p,
		    _("Contact enregistré."));
		sb_free(&arr);
	}
	free(email);
	free(desc);
	free(groupes);
}

static bool
import_run(const struct strbuf *data, bool creer, bool dry, struct annuaire_import_totals *t,
	   char *encoding, size_t enclen, struct err *err)
{
	struct csv_import *imp = csv_import_parse(data->len ? data->data : "", data->len, err);
	if (!imp)
		return false;
	bool ok = annuaire_import(ui.db, ui.entite_id, imp, creer, dry, t, err);
	str_copy(encoding, enclen, imp->encoding);
	csv_import_free(&imp);
	return ok;
}

/* Import: a preview (the exact simulation, rolled back), confirmation,
 * then the import in one transaction. The report per line is what
 * `liasse annuaire import` prints. */
static void
import_csv(void)
{
	char *path = ui_prompt(_("Fichier CSV à importer :"), "");
	if (!path || !*path) {
		free(path);
		return;
	}
	struct err err = { 0 };
	FILE *f = fopen(path, "rb");
	if (!f) {
		ui_message(true, _("Impossible d'ouvrir « %s »."), path);
		free(path);
		return;
	}
	free(path);
	struct strbuf sb = STRBUF_INIT;
	char buf[65536];
	size_t n;
	while ((n = fread(buf, 1, sizeof buf, f)) > 0 && sb.len <= CSV_IMPORT_MAX_BYTES)
		sb_addn(&sb, buf, n);
	fclose(f);
	struct annuaire_import_totals t, g;
	char enc[32], q[512];
	if (!import_run(&sb, false, true, &t, enc, sizeof enc, &err) ||
	    !import_run(&sb, true, true, &g, enc, sizeof enc, &err)) {
		ui_error(&err);
		sb_free(&sb);
		return;
	}
	bool creer = false;
	if (g.groups_created) {
		snprintf(q, sizeof q, _("%d groupe(s) inconnu(s) dans le fichier : les créer ?"), g.groups_created);
		creer = ui_confirm(q);
	}
	struct annuaire_import_totals *w = creer ? &g : &t;
	snprintf(q, sizeof q, _("%s : %d contact(s) à créer, %d à mettre à jour, %d ligne(s) refusée(s). Importer ?"),
		 enc, w->imported, w->updated, w->refused);
	if (ui_confirm(q)) {
		if (import_run(&sb, creer, false, &t, enc, sizeof enc, &err))
			ui_message(t.refused > 0, _("Import : %d créé(s), %d mis à jour, %d ligne(s) refusée(s) (détail : liasse annuaire import --dry-run)."),
				   t.imported, t.updated, t.refused);
		else
			ui_error(&err);
	}
	sb_free(&sb);
}

static bool
annuaire_request(struct view *v, enum action act)
{
	struct annuaire_view *a = v->data;
	struct err err = { 0 };
	bool sel = v->cursor < annuaire_rows(v);
	switch (act) {
	case ACT_NEXT_TAB:
	case ACT_PREV_TAB:
		a->tab = 1 - a->tab;
		v->cursor = v->top = 0;
		break;
	case ACT_SEARCH: {
		char *s = ui_prompt(_("Nom ou adresse :"), a->filter ? a->filter : "");
		if (!s)
			return true;
		free(a->filter);
		a->filter = s[0] ? s : NULL;
		if (!s[0])
			free(s);
		a->tab = 0;
		v->cursor = v->top = 0;
		break;
	}
	case ACT_FILTER_CLEAR:
		free(a->filter);
		free(a->groupe);
		a->filter = a->groupe = NULL;
		break;
	case ACT_CREATE:
		create(a);
		break;
	case ACT_ENTER:
		if (!sel)
			return true;
		if (a->tab == 1) {
			if (strcmp(PQgetvalue(a->res, (int)v->cursor, 4), "groupe") != 0) {
				ui_message(false, _("Groupe fondé sur un rôle : ses membres sont les utilisateurs ayant ce rôle."));
				return true;
			}
			free(a->groupe);
			a->groupe = xstrdup(PQgetvalue(a->res, (int)v->cursor, 5));
			a->tab = 0;
			v->cursor = v->top = 0;
		} else {
			char *desc = ui_prompt(_("Description :"), PQgetvalue(a->res, (int)v->cursor, 2));
			char *email = desc ? ui_prompt(_("Adresse :"), PQgetvalue(a->res, (int)v->cursor, 1)) : NULL;
			if (desc && email) {
				const char *p[] = { PQgetvalue(a->res, (int)v->cursor, 0), email, desc };
				run("SELECT liasse.annuaire_contact_update($1, $2, $3)", 3, p, _("Contact modifié."));
			}
			free(desc);
			free(email);
		}
		break;
	default:
		return false;
	}
	if (!annuaire_open(v, &err))
		ui_error(&err);
	return true;
}

static bool
annuaire_key(struct view *v, int key)
{
	struct annuaire_view *a = v->data;
	struct err err = { 0 };
	if (key == 'i') {
		import_csv();
	} else if (key == (KEY_FN | KEY_DC) && v->cursor < annuaire_rows(v)) {
		int k = (int)v->cursor;
		char q[400];
		snprintf(q, sizeof q, a->tab == 0 ? _("Supprimer le contact %s ?") : _("Supprimer le groupe %s ?"),
			 PQgetvalue(a->res, k, 1));
		if (!ui_confirm(q))
			return true;
		const char *p[] = { PQgetvalue(a->res, k, 0) };
		if (a->tab == 0)
			run("SELECT liasse.annuaire_contact_delete($1)", 1, p, _("Contact supprimé."));
		else if (!strcmp(PQgetvalue(a->res, k, 4), "groupe"))
			run("SELECT liasse.annuaire_groupe_delete($1)", 1, p, _("Groupe supprimé."));
		else
			run("SELECT liasse.annuaire_role_delete($1)", 1, p, _("Groupe supprimé."));
	} else {
		return false;
	}
	if (!annuaire_open(v, &err))
		ui_error(&err);
	return true;
}

static const enum action annuaire_keys[] = { ACT_CREATE, ACT_ENTER, ACT_SEARCH, ACT_NEXT_TAB, ACT_NONE };

static const struct view_ops annuaire_ops = {
	.name = "annuaire",
	.keymap = KEYMAP_LIST,
	.open = annuaire_open,
	.close = annuaire_close,
	.rows = annuaire_rows,
	.row = annuaire_row,
	.header = annuaire_header,
	.tabs = annuaire_tabs,
	.title = annuaire_title,
	.position = annuaire_position,
	.request = annuaire_request,
	.key = annuaire_key,
	.keybar = annuaire_keys,
};

void
tui_open_annuaire(void)
{
	ui_push(view_new(&annuaire_ops, xcalloc(1, sizeof(struct annuaire_view))));
}
