/* Administration, Travaux en attente: the daemon's jobs on the current
 * entity and below (dossier, action, next try, tries, state, whether a
 * daemon holds it, last error). r runs a job again now (tries reset), s
 * suspends it, Suppr deletes it after confirmation. The list follows the
 * daemon live: NOTIFY liasse_job (new jobs), liasse_job_etat (a try put
 * back, see core/sql/060_admin.sql) and liasse_dossier (a job done). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/admin_connecteur.h"
#include "core/daemon.h"
#include "core/i18n.h"
#include "tui/tui.h"
#include "tui/ui.h"
#include "tui/view_admin.h"

static bool
job_load(struct admin *a, struct err *err)
{
	PQclear(a->res);
	a->res = job_list(ui.db, admin_entite(a), err);
	struct err derr = { 0 };
	if (!a->res || !daemon_count(ui.db, &a->daemons, &derr))
		a->daemons = -1;
	return a->res != NULL;
}

/* Whether any daemon will run these jobs. */
static void
job_status(struct admin *a, struct strbuf *sb)
{
	if (a->daemons == 0)
		sb_add(sb, _(" · aucun démon"));
	else if (a->daemons > 0)
		sb_printf(sb, a->daemons == 1 ? _(" · %ld démon") : _(" · %ld démons"), a->daemons);
}

static const char *
jv(struct admin *a, size_t i, int c)
{
	return PQgetvalue(a->res, (int)i, c);
}

static void
job_header(struct row *r)
{
	row_add(r, _("Dossier"), 14, EL_DEFAULT);
	row_add(r, _("Action"), 13, EL_DEFAULT);
	row_add(r, _("Prochain essai"), 14, EL_DEFAULT);
	row_add(r, _("Ess"), 3, EL_DEFAULT);
	row_add(r, _("État"), 8, EL_DEFAULT);
	row_add(r, _("Dernière erreur"), 0, EL_DEFAULT);
}

static const char *
etat_label(struct admin *a, size_t i)
{
	const char *etat = jv(a, i, 8);
	if (strcmp(jv(a, i, 9), "t") == 0)
		return _("en cours");
	return strcmp(etat, "attente") == 0 ? _("attente") : strcmp(etat, "suspendu") == 0
	       ? _("suspendu") : _("erreur");
}

static void
job_row(struct admin *a, size_t i, struct row *r)
{
	if (jv(a, i, 2)[0])
		row_addf(r, 14, EL_DEFAULT, "%s %s", jv(a, i, 2), jv(a, i, 3));
	else
		row_addf(r, 14, EL_DEFAULT, "[%s]", jv(a, i, 12));
	row_add(r, jv(a, i, 5), 13, EL_DEFAULT);
	/* "JJ/MM/AAAA HH:MM:SS" without the year: the next try is near. */
	row_addf(r, 14, EL_DATE, "%.5s %s", jv(a, i, 6), jv(a, i, 6)[0] ? jv(a, i, 6) + 11 : "");
	row_add(r, jv(a, i, 7), 3, EL_COUNT);
	bool locked = strcmp(jv(a, i, 9), "t") == 0, waiting = strcmp(jv(a, i, 8), "attente") == 0;
	row_add(r, etat_label(a, i), 8, locked ? EL_STATE : waiting ? EL_DEFAULT : EL_ERROR);
	row_add(r, jv(a, i, 11), 0, jv(a, i, 11)[0] ? EL_ERROR : EL_DEFAULT);
}

/* Entrée: everything about the job, the last error in full. */
static void
job_detail(struct admin *a, size_t i)
{
	struct strbuf sb = STRBUF_INIT;
	sb_printf(&sb, _("Entité : %s\n"), jv(a, i, 1));
	if (jv(a, i, 2)[0])
		sb_printf(&sb, _("Dossier : %s %s (%s)\n"), jv(a, i, 2), jv(a, i, 3), jv(a, i, 4));
	if (jv(a, i, 12)[0])
		sb_printf(&sb, _("Connecteur : %s\n"), jv(a, i, 12));
	sb_printf(&sb, _("Prochain essai : %s · essais : %s · %s"), jv(a, i, 6), jv(a, i, 7),
		  etat_label(a, i));
	if (jv(a, i, 10)[0])
		sb_printf(&sb, _(" (%s)"), jv(a, i, 10));
	sb_printf(&sb, _("\nDernière erreur : %s"), jv(a, i, 11)[0] ? jv(a, i, 11) : _("aucune"));
	char title[200];
	snprintf(title, sizeof title, _("Travail %s : %s"), jv(a, i, 0), jv(a, i, 5));
	admin_show(title, sb_str(&sb));
	sb_free(&sb);
}

static bool
job_request(struct admin *a, size_t i, enum action act)
{
	const char *what = act == ACT_ADM_RETRY ? "relancer" : act == ACT_ADM_SUSPEND ? "suspendre"
			 : act == ACT_ADM_DELETE ? "supprimer" : NULL;
	if (act == ACT_ENTER) {
		if (i != SIZE_MAX)
			job_detail(a, i);
		return true;
	}
	if (!what)
		return false;
	if (i == SIZE_MAX)
		return true;
	struct err err = { 0 };
	char q[400], done[200];
	snprintf(q, sizeof q, _("Supprimer le travail %s (%s, dossier %s) ?"), jv(a, i, 0), jv(a, i, 5),
		 jv(a, i, 2)[0] ? jv(a, i, 2) : "-");
	if (act == ACT_ADM_DELETE && !ui_confirm(q))
		return true;
	snprintf(done, sizeof done,
		 act == ACT_ADM_RETRY ? _("Travail %s relancé.") : act == ACT_ADM_SUSPEND
		 ? _("Travail %s suspendu.") : _("Travail %s supprimé."), jv(a, i, 0));
	admin_result(job_admin(ui.db, strtoll(jv(a, i, 0), NULL, 10), what, &err), &err, done);
	return true;
}

static const enum action job_keys[] = { ACT_ENTER, ACT_ADM_RETRY, ACT_ADM_SUSPEND, ACT_ADM_DELETE,
					ACT_NEXT_TAB, ACT_NONE };

const struct admin_tab admin_tab_travaux = {
	.label = N_("Travaux"),
	.load = job_load,
	.count = admin_res_count,
	.match = admin_res_match,
	.header = job_header,
	.row = job_row,
	.request = job_request,
	.keybar = job_keys,
	.status = job_status,
};

/* vim: set ts=8 sw=8 noexpandtab: */
