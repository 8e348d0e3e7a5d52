/* Administration, Utilisateurs et droits: the users whose home entity is
 * the current entity or below, with their roles. c creates a user (login,
 * nom, prénom, email, initial password typed masked), a deactivates or
 * reactivates, + grants a role chosen in the list on an entity chosen in
 * the tree, - revokes one of the user's roles, m sets the signing role
 * (ClaimedRole of the PES she signs). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/i18n.h"
#include "core/sign_profil.h"
#include "tui/tui.h"
#include "tui/ui.h"
#include "tui/view_admin.h"

static bool
usr_load(struct admin *a, struct err *err)
{
	for (size_t i = 0; a->roles && i < a->users.n; i++)
		free(a->roles[i]);
	free(a->roles);
	a->roles = NULL;
	utilisateur_list_free(&a->users);
	if (!utilisateur_list_load(ui.db, admin_entite(a), &a->users, err))
		return false;
	a->roles = xcalloc(a->users.n + 1, sizeof(*a->roles));
	for (size_t i = 0; i < a->users.n; i++) {
		struct role_pairs p = { 0 };
		struct strbuf sb = STRBUF_INIT;
		if (!utilisateur_roles_load(ui.db, a->users.v[i].login, &p, err)) {
			a->roles[i] = xstrdup("");
			continue;
		}
		for (size_t k = 0; k < p.n; k++)
			sb_printf(&sb, "%s%s @ %s", k ? ", " : "", p.v[k].a, p.v[k].b);
		a->roles[i] = sb_take(&sb);
		role_pairs_free(&p);
	}
	return true;
}

static size_t
usr_count(struct admin *a)
{
	return a->users.n;
}

static bool
usr_match(struct admin *a, size_t i, const char *f)
{
	const struct utilisateur *u = &a->users.v[i];
	return strcasestr(u->login, f) || strcasestr(u->nom, f) || strcasestr(u->prenom, f) ||
	       strcasestr(u->email, f) || strcasestr(a->roles[i], f);
}

static void
usr_header(struct row *r)
{
	row_add(r, _("Identifiant"), 14, EL_DEFAULT);
	row_add(r, _("Nom"), 20, EL_DEFAULT);
	row_add(r, _("Actif"), 5, EL_DEFAULT);
	row_add(r, _("Rôles"), 0, EL_DEFAULT);
}

static void
usr_row(struct admin *a, size_t i, struct row *r)
{
	const struct utilisateur *u = &a->users.v[i];
	row_add(r, u->login, 14, EL_DATE);
	row_addf(r, 20, EL_DEFAULT, "%s %s", u->prenom, u->nom);
	row_add(r, u->actif ? _("oui") : _("non"), 5, u->actif ? EL_DEFAULT : EL_ERROR);
	row_add(r, a->roles[i], 0, EL_DEFAULT);
}

static bool
check_login(const char *s, struct err *err)
{
	size_t n = strlen(s);
	if (n >= 2 && n <= 63 && s[0] >= 'a' && s[0] <= 'z' &&
	    strspn(s, "abcdefghijklmnopqrstuvwxyz0123456789._-") == n)
		return true;
	return err_set(err, ERR_INPUT, _("Identifiant invalide : de 2 à 63 caractères parmi a-z, 0-9, "
					 "« . », « _ » et « - », commençant par une lettre minuscule."));
}

static bool
check_email(const char *s, struct err *err)
{
	const char *at = strchr(s, '@');
	if (!*s || (at && at != s && strchr(at + 1, '.') && !strchr(at + 1, '@') && !strchr(s, ' ')))
		return true;
	return err_set(err, ERR_INPUT, _("Adresse électronique « %s » invalide."), s);
}

/* What was typed for a user the base refused: proposed again by the next
 * c (never the password). */
static char *draft[4];

static void
usr_create(struct admin *a)
{
	long long ent = admin_entite(a);
	char *v[4] = { NULL };
	v[0] = admin_ask(_("Identifiant (connexion à la base) :"), draft[0] ? draft[0] : "", check_login);
	v[1] = v[0] ? ui_prompt(_("Nom :"), draft[1] ? draft[1] : "") : NULL;
	v[2] = v[1] ? ui_prompt(_("Prénom :"), draft[2] ? draft[2] : "") : NULL;
	v[3] = v[2] ? admin_ask(_("Adresse électronique :"), draft[3] ? draft[3] : "", check_email) : NULL;
	char *pw = v[3] ? ui_prompt_secret(_("Mot de passe initial (vide : aucun) :")) : NULL;
	char *pw2 = pw && *pw ? ui_prompt_secret(_("Mot de passe, encore une fois :")) : NULL;
	bool created = false;
	if (pw && *pw && (!pw2 || strcmp(pw, pw2) != 0)) {
		if (pw2)
			ui_message(true, _("Les deux mots de passe diffèrent : utilisateur non créé."));
	} else if (pw) {
		struct err err = { 0 };
		long long id;
		char done[200];
		snprintf(done, sizeof done, _("Utilisateur « %s » créé (sans rôle : + pour lui en donner un)."),
			 v[0]);
		created = admin_result(utilisateur_create(ui.db, v[0], pw, v[1], v[2], v[3], ent, &id, &err),
				       &err, done);
	}
	if (pw)
		memset(pw, 0, strlen(pw));
	if (pw2)
		memset(pw2, 0, strlen(pw2));
	free(pw), free(pw2);
	for (size_t i = 0; i < 4; i++) {
		free(draft[i]);
		draft[i] = created ? NULL : v[i];
		if (created)
			free(v[i]);
	}
}

/* Lets the user pick one of the pairs P, shown as "a SEP b"; -1 on Esc. */
static int
pick_pair(const char *title, const struct role_pairs *p, bool columns)
{
	char **labels = xcalloc(p->n + 1, sizeof(*labels));
	for (size_t i = 0; i < p->n; i++) {
		struct strbuf sb = STRBUF_INIT;
		sb_printf(&sb, columns ? "%-28s %s" : "%s @ %s", p->v[i].a, p->v[i].b);
		labels[i] = sb_take(&sb);
	}
	int k = ui_pick(title, (const char *const *)labels, p->n, 0);
	for (size_t i = 0; i < p->n; i++)
		free(labels[i]);
	free(labels);
	return k;
}

static void
usr_grant(struct admin *a, const struct utilisateur *u)
{
	struct err err = { 0 };
	struct role_pairs roles = { 0 };
	if (!role_list_load(ui.db, false, &roles, &err)) {
		ui_error(&err);
		return;
	}
	char title[200];
	snprintf(title, sizeof title, _("Rôle à donner à %s"), u->login);
	int k = pick_pair(title, &roles, true);
	if (k >= 0) {
		snprintf(title, sizeof title, _("Rôle « %s » sur l'entité :"), roles.v[k].a);
		long long ent = admin_pick_entite(a, title, admin_entite(a));
		char done[300];
		snprintf(done, sizeof done, _("Rôle « %s » donné à %s."), roles.v[k].a, u->login);
		if (ent > 0)
			admin_result(utilisateur_grant(ui.db, u->login, roles.v[k].a, ent, &err), &err, done);
	}
	role_pairs_free(&roles);
}

static void
usr_revoke(const struct utilisateur *u)
{
	struct err err = { 0 };
	struct role_pairs p = { 0 };
	if (!utilisateur_roles_load(ui.db, u->login, &p, &err)) {
		ui_error(&err);
		return;
	}
	if (p.n == 0) {
		role_pairs_free(&p);
		ui_message(true, _("%s n'a aucun rôle."), u->login);
		return;
	}
	char title[200];
	snprintf(title, sizeof title, _("Rôle à retirer à %s"), u->login);
	int k = pick_pair(title, &p, false);
	if (k >= 0) {
		char done[300];
		snprintf(done, sizeof done, _("Rôle « %s » retiré à %s."), p.v[k].a, u->login);
		admin_result(utilisateur_revoke(ui.db, u->login, p.v[k].a, p.v[k].entite_id, &err), &err,
			     done);
	}
	role_pairs_free(&p);
}

/* The signing role (XAdES ClaimedRole); empty: the default. */
static void
usr_role(const struct utilisateur *u)
{
	struct err err = { 0 };
	char cur[160];
	if (!sign_role_load(ui.db, u->login, cur, sizeof cur, &err)) {
		ui_error(&err);
		return;
	}
	char label[200];
	snprintf(label, sizeof label, _("Qualité de signataire de %s (vide : %s) :"), u->login,
		 SIGN_ROLE_DEFAULT);
	char *q = ui_prompt(label, cur);
	if (!q)
		return;
	char done[300];
	snprintf(done, sizeof done, _("Qualité de signataire de %s : %s."), u->login,
		 *q ? q : SIGN_ROLE_DEFAULT);
	admin_result(sign_role_set(ui.db, u->login, q, &err), &err, done);
	free(q);
}

static bool
usr_request(struct admin *a, size_t i, enum action act)
{
	if (act == ACT_ADM_NEW) {
		usr_create(a);
		return true;
	}
	if (act != ACT_ADM_ACTIVE && act != ACT_ADM_GRANT && act != ACT_ADM_REVOKE &&
	    act != ACT_ADM_EDIT && act != ACT_ENTER)
		return false;
	if (i == SIZE_MAX)
		return true;
	const struct utilisateur *u = &a->users.v[i];
	struct err err = { 0 };
	char q[300];
	switch (act) {
	case ACT_ENTER:
		ui_message(false, _("%s : %s %s <%s> · rôles : %s"), u->login, u->prenom, u->nom, u->email,
			   a->roles[i][0] ? a->roles[i] : _("aucun"));
		break;
	case ACT_ADM_ACTIVE:
		snprintf(q, sizeof q, u->actif ? _("Désactiver l'utilisateur %s ?")
					      : _("Réactiver l'utilisateur %s ?"), u->login);
		if (ui_confirm(q))
			admin_result(utilisateur_set_active(ui.db, u->login, !u->actif, &err), &err,
				     u->actif ? _("Utilisateur désactivé.") : _("Utilisateur réactivé."));
		break;
	case ACT_ADM_GRANT:
		usr_grant(a, u);
		break;
	case ACT_ADM_REVOKE:
		usr_revoke(u);
		break;
	case ACT_ADM_EDIT:
		usr_role(u);
		break;
	default:
		break;
	}
	return true;
}

static const enum action usr_keys[] = { ACT_ADM_NEW, ACT_ADM_EDIT, ACT_ADM_GRANT, ACT_ADM_REVOKE,
					ACT_ADM_ACTIVE, ACT_NEXT_TAB, ACT_NONE };

const struct admin_tab admin_tab_utilisateurs = {
	.label = N_("Utilisateurs"),
	.load = usr_load,
	.count = usr_count,
	.match = usr_match,
	.header = usr_header,
	.row = usr_row,
	.request = usr_request,
	.keybar = usr_keys,
};

/* vim: set ts=8 sw=8 noexpandtab: */
