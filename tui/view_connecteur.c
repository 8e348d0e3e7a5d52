/* Administration, Connecteurs and Associations tabs.
 *
 * Connecteurs: the instances of the current entity (libellé, type,
 * famille). c creates one (type chosen among those this liasse knows,
 * then its settings screen), Entrée or m opens its settings, t runs
 * "Tester la connexion" and shows the answer, Suppr deletes it.
 *
 * Associations: which connector serves each dossier type's family slot
 * for the current entity: its own associations, those of its ancestors
 * (marked "héritée" when the entity inherits them) and the global ones.
 * c associates a dossier type with a connector, Suppr removes one of the
 * entity's own associations, h turns inheritance from the parent on or
 * off for a dossier type. */
#include <curses.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/admin_connecteur.h"
#include "core/connector.h"
#include "core/i18n.h"
#include "tui/draw.h"
#include "tui/tui.h"
#include "tui/ui.h"
#include "tui/view_admin.h"

size_t
admin_res_count(struct admin *a)
{
	return a->res ? (size_t)PQntuples(a->res) : 0;
}

bool
admin_res_match(struct admin *a, size_t i, const char *f)
{
	for (int c = 0; c < PQnfields(a->res); c++)
		if (strcasestr(PQgetvalue(a->res, (int)i, c), f))
			return true;
	return false;
}

static const char *
val(struct admin *a, size_t i, int c)
{
	return PQgetvalue(a->res, (int)i, c);
}

/* ---- Connecteurs ------------------------------------------------------- */

static bool
con_load(struct admin *a, struct err *err)
{
	PQclear(a->res);
	a->res = connecteur_list(ui.db, admin_entite(a), false, err);
	return a->res != NULL;
}

static void
con_header(struct row *r)
{
	row_add(r, _("N°"), 4, EL_DEFAULT);
	row_add(r, _("Libellé"), 32, EL_DEFAULT);
	row_add(r, _("Type"), 14, EL_DEFAULT);
	row_add(r, _("Famille"), 0, EL_DEFAULT);
}

static void
con_row(struct admin *a, size_t i, struct row *r)
{
	row_add(r, val(a, i, 0), 4, EL_DATE);
	row_add(r, val(a, i, 3), 32, EL_DEFAULT);
	row_add(r, val(a, i, 1), 14, EL_DEFAULT);
	row_add(r, val(a, i, 2), 0, EL_DEFAULT);
}

/* Tester la connexion: may wait for the network or the daemon, so the
 * screen says so first. */
void
admin_test_connecteur(long long id, const char *libelle)
{
	ui_message(false, _("Test de la connexion de « %s » en cours…"), libelle);
	draw_screen();
	doupdate();
	struct err err = { 0 };
	struct strbuf answer = STRBUF_INIT;
	bool ok;
	if (!connecteur_test(ui.db, id, 30000, &ok, &answer, &err)) {
		ui_error(&err);
		sb_free(&answer);
		return;
	}
	/* The whole answer in a window (it may be longer than a line),
	 * then on the message line. */
	char title[300];
	snprintf(title, sizeof title, ok ? _("Tester la connexion « %s » : réussi")
					 : _("Tester la connexion « %s » : échec"), libelle);
	admin_show(title, sb_str(&answer));
	if (ok)
		ui_message(false, _("Test réussi : %s"), sb_str(&answer));
	else
		ui_message(true, _("Échec du test : %s"), sb_str(&answer));
	sb_free(&answer);
}

static void
con_create(struct admin *a)
{
	size_t n;
	const struct connector_type *const *t = connector_types(&n);
	char **labels = xcalloc(n + 1, sizeof(*labels));
	for (size_t i = 0; i < n; i++) {
		struct strbuf sb = STRBUF_INIT;
		sb_printf(&sb, "%-12s %-8s %s", t[i]->id, t[i]->famille, _(t[i]->label));
		labels[i] = sb_take(&sb);
	}
	int k = ui_pick(_("Type du nouveau connecteur"), (const char *const *)labels, n, 0);
	for (size_t i = 0; i < n; i++)
		free(labels[i]);
	free(labels);
	if (k < 0)
		return;
	char *lib = ui_prompt(_("Libellé du connecteur :"), _(t[k]->label));
	if (!lib)
		return;
	struct err err = { 0 };
	long long id = 0;
	if (connecteur_create(ui.db, admin_entite(a), t[k]->id, NULL, lib, &id, &err)) {
		admin_open_connecteur(id);
		ui_message(false, _("Connecteur « %s » créé : renseignez ses paramètres."), lib);
	} else {
		ui_error(&err);
	}
	free(lib);
}

static bool
con_request(struct admin *a, size_t i, enum action act)
{
	if (act == ACT_ADM_NEW) {
		con_create(a);
		return true;
	}
	if (act != ACT_ENTER && act != ACT_ADM_EDIT && act != ACT_ADM_TEST && act != ACT_ADM_DELETE)
		return false;
	if (i == SIZE_MAX)
		return true;
	long long id = strtoll(val(a, i, 0), NULL, 10);
	struct err err = { 0 };
	char q[300];
	switch (act) {
	case ACT_ENTER:
	case ACT_ADM_EDIT:
		admin_open_connecteur(id);
		break;
	case ACT_ADM_TEST:
		admin_test_connecteur(id, val(a, i, 3));
		break;
	case ACT_ADM_DELETE:
		snprintf(q, sizeof q, _("Supprimer le connecteur « %s » et ses associations ?"), val(a, i, 3));
		if (ui_confirm(q))
			admin_result(connecteur_delete(ui.db, id, &err), &err, _("Connecteur supprimé."));
		break;
	default:
		break;
	}
	return true;
}

static const enum action con_keys[] = { ACT_ADM_NEW, ACT_ENTER, ACT_ADM_TEST, ACT_ADM_DELETE,
					ACT_NEXT_TAB, ACT_NONE };

const struct admin_tab admin_tab_connecteurs = {
	.label = N_("Connecteurs"),
	.load = con_load,
	.count = admin_res_count,
	.match = admin_res_match,
	.header = con_header,
	.row = con_row,
	.request = con_request,
	.keybar = con_keys,
};

/* ---- Associations ------------------------------------------------------ */

static bool
asso_load(struct admin *a, struct err *err)
{
	PQclear(a->res);
	a->res = connecteur_associations(ui.db, admin_entite(a), err);
	return a->res != NULL;
}

static void
asso_header(struct row *r)
{
	row_add(r, _("Type de dossier"), 18, EL_DEFAULT);
	row_add(r, _("Famille"), 7, EL_DEFAULT);
	row_add(r, _("Connecteur"), 22, EL_DEFAULT);
	row_add(r, _("Origine"), 0, EL_DEFAULT);
}

static void
asso_row(struct admin *a, size_t i, struct row *r)
{
	bool own = strcmp(val(a, i, 8), "0") == 0, eff = strcmp(val(a, i, 9), "t") == 0;
	row_add(r, val(a, i, 2), 18, eff ? EL_DEFAULT : EL_DATE);
	if (strcmp(val(a, i, 4), "0") == 0)
		row_add(r, val(a, i, 3), 7, EL_DEFAULT);
	else
		row_addf(r, 7, EL_DEFAULT, "%s %s", val(a, i, 3), val(a, i, 4));
	row_addf(r, 22, EL_DEFAULT, "%s (%s)", val(a, i, 6), val(a, i, 7));
	if (own)
		row_add(r, _("propre à l'entité"), 0, EL_DEFAULT);
	else
		row_addf(r, 0, eff ? EL_DEFAULT : EL_DATE, eff ? _("héritée de %s") : _("de %s (non héritée)"),
			 val(a, i, 1));
}

/* The dossier types ("global": every type), for a picker; caller PQclear()s. */
static PGresult *
pick_type(const char *title, bool star, char *out, size_t n)
{
	struct err err = { 0 };
	PGresult *r = tui_query("SELECT type, type || '  ' || coalesce(nom, '') FROM liasse.dossier_type "
				"ORDER BY famille, nom", 0, NULL, &err);
	if (!r) {
		ui_error(&err);
		return NULL;
	}
	size_t nt = (size_t)PQntuples(r);
	const char **labels = xcalloc(nt + 2, sizeof(*labels));
	labels[0] = star ? _("*  tous les types") : _("global  tous les types (association globale)");
	for (size_t i = 0; i < nt; i++)
		labels[i + 1] = PQgetvalue(r, (int)i, 1);
	int k = ui_pick(title, labels, nt + 1, 1);
	free(labels);
	if (k < 0) {
		PQclear(r);
		return NULL;
	}
	str_copy(out, n, k == 0 ? (star ? "*" : "global") : PQgetvalue(r, k - 1, 0));
	return r;
}

static void
asso_create(struct admin *a)
{
	char type[128];
	PGresult *types = pick_type(_("Type de dossier à associer"), false, type, sizeof type);
	if (!types)
		return;
	PQclear(types);
	struct err err = { 0 };
	long long ent = admin_entite(a);
	PGresult *c = connecteur_list(ui.db, ent, true, &err);
	if (!c) {
		ui_error(&err);
		return;
	}
	size_t n = (size_t)PQntuples(c);
	if (n == 0) {
		PQclear(c);
		ui_message(true, _("Aucun connecteur à associer : créez-en un dans l'onglet Connecteurs."));
		return;
	}
	char **labels = xcalloc(n + 1, sizeof(*labels));
	for (size_t i = 0; i < n; i++) {
		struct strbuf sb = STRBUF_INIT;
		sb_printf(&sb, "%s (%s, %s) · %s", PQgetvalue(c, (int)i, 3), PQgetvalue(c, (int)i, 1),
			  PQgetvalue(c, (int)i, 2), PQgetvalue(c, (int)i, 5));
		labels[i] = sb_take(&sb);
	}
	char title[200];
	snprintf(title, sizeof title, _("Connecteur pour %s"), type);
	int k = ui_pick(title, (const char *const *)labels, n, 0);
	if (k >= 0) {
		char done[300];
		snprintf(done, sizeof done, _("%s : « %s » associé (famille %s)."), type, PQgetvalue(c, k, 3),
			 PQgetvalue(c, k, 2));
		admin_result(connecteur_associate(ui.db, ent, type, PQgetvalue(c, k, 2),
						  strtoll(PQgetvalue(c, k, 0), NULL, 10), 0, &err),
			     &err, done);
	}
	for (size_t i = 0; i < n; i++)
		free(labels[i]);
	free(labels);
	PQclear(c);
}

static void
asso_inherit(struct admin *a)
{
	char type[128];
	PGresult *types = pick_type(_("Hériter des associations de l'entité mère pour"), true, type,
				    sizeof type);
	if (!types)
		return;
	PQclear(types);
	static const char *const yn[] = { N_("oui : prendre celles de l'entité mère"),
					  N_("non : seulement les associations propres") };
	const char *labels[] = { _(yn[0]), _(yn[1]) };
	int k = ui_pick(type, labels, 2, 0);
	if (k < 0)
		return;
	struct err err = { 0 };
	admin_result(connecteur_heriter(ui.db, admin_entite(a), type, k == 0, &err), &err,
		     k == 0 ? _("L'entité hérite des associations de sa mère.")
			    : _("L'entité n'hérite plus des associations de sa mère."));
}

static bool
asso_request(struct admin *a, size_t i, enum action act)
{
	struct err err = { 0 };
	switch (act) {
	case ACT_ADM_NEW:
		asso_create(a);
		return true;
	case ACT_ADM_INHERIT:
		asso_inherit(a);
		return true;
	case ACT_ADM_DELETE: {
		if (i == SIZE_MAX)
			return true;
		if (strcmp(val(a, i, 8), "0") != 0) {
			ui_message(true, _("Association de %s : elle se retire depuis cette entité-là."),
				   val(a, i, 1));
			return true;
		}
		char q[300];
		snprintf(q, sizeof q, _("Retirer l'association de %s (%s) avec « %s » ?"), val(a, i, 2),
			 val(a, i, 3), val(a, i, 6));
		if (ui_confirm(q))
			admin_result(connecteur_associate(ui.db, strtoll(val(a, i, 0), NULL, 10), val(a, i, 2),
							  val(a, i, 3), 0, atoi(val(a, i, 4)), &err),
				     &err, _("Association retirée."));
		return true;
	}
	case ACT_ENTER:
		if (i != SIZE_MAX)
			admin_open_connecteur(strtoll(val(a, i, 5), NULL, 10));
		return true;
	default:
		return false;
	}
}

static const enum action asso_keys[] = { ACT_ADM_NEW, ACT_ADM_DELETE, ACT_ADM_INHERIT, ACT_NEXT_TAB,
					 ACT_NONE };

const struct admin_tab admin_tab_associations = {
	.label = N_("Associations"),
	.load = asso_load,
	.count = admin_res_count,
	.match = admin_res_match,
	.header = asso_header,
	.row = asso_row,
	.request = asso_request,
	.keybar = asso_keys,
};

/* vim: set ts=8 sw=8 noexpandtab: */
