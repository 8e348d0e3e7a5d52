/* Address book of the current entity (annuaire): contacts and groups as
 * two tabs. c creates, Entrée modifies a contact or shows a group's
 * members, Suppr deletes, / searches, i imports a CSV file (a report per
 * line before and after, missing groups created on request). Opened by
 * tui_open_annuaire(), from the main menu ("Carnet d'adresses", in the
 * mail sécurisé family). */
#include <curses.h>
#include <errno.h>
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
	/* The keys the key bar has no room for (raw keys of this view). */
	row_add(r, _("  i : importer un CSV · Suppr : supprimer"), 0, EL_COUNT);
}

static void
annuaire_title(struct view *v, struct strbuf *sb)
{
	struct annuaire_view *a = v->data;
	sb_add(sb, _("Carnet d'adresses"));
	if (a->groupe)
		sb_printf(sb, _(" · groupe « %s »"), a->groupe);
	if (a->filter)
		sb_printf(sb, _(" · « %s »"), a->filter);
}

static void
annuaire_position(struct view *v, struct strbuf *sb)
{
	size_t n = annuaire_rows(v);
	sb_printf(sb, _("%zu élément(s)"), n);
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

/* The CSV import as a view of its own: the report per line of the exact
 * simulation (rolled back), g to create the groups the file names and the
 * address book lacks, Entrée to import in one transaction; the view then
 * shows the final report per line. */
struct import_view {
	char *path;
	struct strbuf data;
	bool creer;  /* create the missing groups */
	bool done;   /* imported: the report is the final one */
	int missing; /* groups named by the file, unknown to the address book */
	struct csv_import *imp;
	struct annuaire_import_totals t;
};

/* Parses the file again and runs the import (DRY: rolled back). */
static bool
import_pass(struct import_view *iv, bool creer, bool dry, struct err *err)
{
	struct csv_import *imp = csv_import_parse(iv->data.len ? iv->data.data : "", iv->data.len, err);
	if (!imp)
		return false;
	struct annuaire_import_totals t;
	if (!annuaire_import(ui.db, ui.entite_id, imp, creer, dry, &t, err)) {
		if (err->code == ERR_DB_CONNECT || PQstatus(ui.db->conn) != CONNECTION_OK)
			ui_db_lost();
		csv_import_free(&imp);
		return false;
	}
	csv_import_free(&iv->imp);
	iv->imp = imp;
	iv->t = t;
	return true;
}

static bool
import_open(struct view *v, struct err *err)
{
	struct import_view *iv = v->data;
	if (iv->done)
		return true;
	if (!import_pass(iv, true, true, err))
		return false;
	iv->missing = iv->t.groups_created;
	if (!iv->missing)
		iv->creer = false;
	if (!iv->creer && !import_pass(iv, false, true, err))
		return false;
	if (v->cursor == 0)
		v->cursor = 1;
	view_fix_cursor(v);
	return true;
}

static void
import_close(struct view *v)
{
	struct import_view *iv = v->data;
	csv_import_free(&iv->imp);
	sb_free(&iv->data);
	free(iv->path);
	free(iv);
}

/* Row 0 says what the keys do; then one row per line of the file. */
static size_t
import_rows(struct view *v)
{
	struct import_view *iv = v->data;
	return iv->imp ? iv->imp->n + 1 : 0;
}

static void
import_row(struct view *v, size_t i, struct row *r)
{
	struct import_view *iv = v->data;
	if (i == 0) {
		r->heading = true;
		if (iv->done)
			row_add(r, _("Import terminé : Échap pour revenir au carnet d'adresses."), 0, EL_MESSAGE);
		else if (iv->missing)
			row_addf(r, 0, EL_MESSAGE, iv->creer ? _("Entrée : importer · g : ne pas créer les %d groupe(s) · Échap : annuler")
							    : _("Entrée : importer · g : créer les %d groupe(s) manquant(s) · Échap : annuler"),
				 iv->missing);
		else
			row_add(r, _("Entrée : importer · Échap : annuler"), 0, EL_MESSAGE);
		return;
	}
	const struct csv_line *l = &iv->imp->lines[i - 1];
	const char *what;
	switch (l->status) {
	case CSV_LINE_IMPORTED: what = iv->done ? _("importé") : _("à créer"); break;
	case CSV_LINE_UPDATED: what = iv->done ? _("mis à jour") : _("à mettre à jour"); break;
	case CSV_LINE_REFUSED: what = _("refusé"); break;
	default: what = _("à importer"); break;
	}
	row_addf(r, 10, EL_DATE, _("ligne %d"), l->lineno);
	row_add(r, what, 16, l->status == CSV_LINE_REFUSED ? EL_ERROR : EL_STATE);
	if (l->status == CSV_LINE_REFUSED) {
		row_add(r, l->reason ? l->reason : "", 0, EL_ERROR);
		return;
	}
	struct strbuf sb = STRBUF_INIT;
	sb_add(&sb, l->email);
	if (l->description[0])
		sb_printf(&sb, " (%s)", l->description);
	for (size_t k = 0; k < l->ngroupes; k++)
		sb_printf(&sb, "%s%s", k ? ", " : _(" ; groupes : "), l->groupes[k]);
	if (l->note)
		sb_printf(&sb, iv->done ? _(" ; groupes créés : %s") : _(" ; groupes à créer : %s"), l->note);
	row_addf(r, 0, EL_DEFAULT, "%s", sb_str(&sb));
	sb_free(&sb);
}

static void
import_header(struct view *v, struct row *r)
{
	(void)v;
	row_add(r, _("Ligne"), 10, EL_DEFAULT);
	row_add(r, _("Résultat"), 16, EL_DEFAULT);
	row_add(r, _("Contact, ou motif du refus"), 0, EL_DEFAULT);
}

static void
import_tabs(struct view *v, struct row *r)
{
	struct import_view *iv = v->data;
	const struct annuaire_import_totals *t = &iv->t;
	if (iv->done)
		row_addf(r, 0, EL_TAB_ACTIVE, _(" Importé : %d créé(s), %d mis à jour, %d refusé(s), %d groupe(s) créé(s) "),
			 t->imported, t->updated, t->refused, t->groups_created);
	else
		row_addf(r, 0, EL_TAB_ACTIVE, _(" Aperçu, rien n'est enregistré : %d à créer, %d à mettre à jour, %d refusé(s) "),
			 t->imported, t->updated, t->refused);
}

static void
import_title(struct view *v, struct strbuf *sb)
{
	struct import_view *iv = v->data;
	const char *base = strrchr(iv->path, '/');
	sb_printf(sb, _("Import CSV · %s"), base ? base + 1 : iv->path);
	if (iv->imp)
		sb_printf(sb, _(" · %s, séparateur « %c »%s"), iv->imp->encoding, iv->imp->sep,
			  iv->imp->header ? _(", en-tête ignorée") : "");
}

static void
import_position(struct view *v, struct strbuf *sb)
{
	struct import_view *iv = v->data;
	sb_printf(sb, _("%zu ligne(s)"), iv->imp ? iv->imp->n : 0);
}

static void
import_now(struct view *v)
{
	struct import_view *iv = v->data;
	char q[300];
	snprintf(q, sizeof q, _("Importer (%d à créer, %d à mettre à jour, %d refusé(s)) ?"), iv->t.imported,
		 iv->t.updated, iv->t.refused);
	if (!ui_confirm(q))
		return;
	struct err err = { 0 };
	if (!import_pass(iv, iv->creer, false, &err)) {
		/* One transaction: nothing was kept; the preview stays. */
		ui_error(&err);
		return;
	}
	iv->done = true;
	v->cursor = 1;
	v->top = 0;
	ui_message(iv->t.refused > 0, _("Import : %d créé(s), %d mis à jour, %d ligne(s) refusée(s)."),
		   iv->t.imported, iv->t.updated, iv->t.refused);
}

static bool
import_request(struct view *v, enum action act)
{
	struct import_view *iv = v->data;
	if (act == ACT_ENTER) {
		if (!iv->done)
			import_now(v);
		return true;
	}
	return false;
}

static bool
import_key(struct view *v, int key)
{
	struct import_view *iv = v->data;
	if (key != 'g' || iv->done)
		return false;
	if (!iv->missing) {
		ui_message(false, _("Tous les groupes du fichier existent déjà."));
		return true;
	}
	iv->creer = !iv->creer;
	struct err err = { 0 };
	if (!import_pass(iv, iv->creer, true, &err))
		ui_error(&err);
	else
		ui_message(false, iv->creer ? _("Les groupes manquants seront créés.") : _("Les lignes aux groupes inconnus seront refusées."));
	return true;
}

static const enum action import_keys[] = { ACT_NONE };

static const struct view_ops import_ops = {
	.name = "annuaire-import",
	.keymap = KEYMAP_LIST,
	.open = import_open,
	.close = import_close,
	.rows = import_rows,
	.row = import_row,
	.header = import_header,
	.tabs = import_tabs,
	.title = import_title,
	.position = import_position,
	.request = import_request,
	.key = import_key,
	.keybar = import_keys,
};

/* Asks for the file, reads it and opens the preview. */
static void
import_csv(void)
{
	char *path = ui_prompt(_("Fichier CSV à importer :"), "");
	if (!path || !*path) {
		free(path);
		return;
	}
	FILE *f = fopen(path, "rb");
	if (!f) {
		ui_message(true, _("Impossible d'ouvrir « %s » : %s."), path, strerror(errno));
		free(path);
		return;
	}
	struct import_view *iv = xcalloc(1, sizeof *iv);
	iv->path = path;
	char buf[65536];
	size_t n;
	while ((n = fread(buf, 1, sizeof buf, f)) > 0 && iv->data.len <= CSV_IMPORT_MAX_BYTES)
		sb_addn(&iv->data, buf, n);
	bool bad = ferror(f);
	fclose(f);
	if (bad) {
		ui_message(true, _("Lecture de « %s » impossible."), path);
		import_close(&(struct view){ .data = iv });
		return;
	}
	ui_push(view_new(&import_ops, iv));
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
