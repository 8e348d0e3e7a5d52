/* Administration: the view and its tabs (see view_admin.h), and the
 * Entités tab: the tree of entities, indented; c creates a sub-entity of
 * the selected one, m modifies it, a deactivates or reactivates it, D
 * moves it under another parent, Entrée makes it the current entity (the
 * other tabs work on the current entity). */
#include "tui/view_admin.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/i18n.h"
#include "core/sign_profil.h"
#include "tui/text.h"
#include "tui/tui.h"
#include "tui/ui.h"

void ui_open_admin(void);

static const struct admin_tab *const tabs[] = {
	&admin_tab_entites, &admin_tab_utilisateurs, &admin_tab_connecteurs,
	&admin_tab_associations, &admin_tab_travaux,
};
#define NTABS (sizeof(tabs) / sizeof(tabs[0]))

/* ---- Helpers shared by the tabs ---------------------------------------- */

long long
admin_entite(struct admin *a)
{
	if (ui.entite_id > 0)
		return ui.entite_id;
	if (!a->ents.n) {
		struct err err = { 0 };
		entite_list_load(ui.db, 0, &a->ents, &err);
	}
	return a->ents.n ? a->ents.v[0].id : 0;
}

long long
admin_pick_entite(struct admin *a, const char *title, long long initial)
{
	struct err err = { 0 };
	struct entite_list l = { 0 };
	if (!entite_list_load(ui.db, 0, &l, &err)) {
		ui_error(&err);
		return 0;
	}
	(void)a;
	char **labels = xcalloc(l.n + 1, sizeof(*labels));
	size_t cur = 0;
	for (size_t i = 0; i < l.n; i++) {
		struct strbuf sb = STRBUF_INIT;
		for (int k = 0; k < l.v[i].niveau; k++)
			sb_add(&sb, "  ");
		sb_add(&sb, l.v[i].denomination);
		if (!l.v[i].actif)
			sb_add(&sb, _(" (inactive)"));
		labels[i] = sb_take(&sb);
		if (l.v[i].id == initial)
			cur = i;
	}
	int k = ui_pick(title, (const char *const *)labels, l.n, cur);
	long long id = k >= 0 ? l.v[k].id : 0;
	for (size_t i = 0; i < l.n; i++)
		free(labels[i]);
	free(labels);
	entite_list_free(&l);
	return id;
}

bool
admin_result(bool ok, const struct err *err, const char *done)
{
	if (ok)
		ui_message(false, "%s", done);
	else
		ui_error(err);
	return ok;
}

char *
admin_ask(const char *label, const char *initial,
	  bool (*check)(const char *value, struct err *err))
{
	char *s = ui_prompt(label, initial);
	struct err err = { 0 };
	while (s && check && !check(s, &err)) {
		char *again = ui_prompt_error(label, s, err.msg);
		free(s);
		s = again;
		err_clear(&err);
	}
	return s;
}

/* Splits TEXT into lines of at most WIDTH columns, cut at spaces. */
static size_t
wrap(const char *text, int width, char ***out)
{
	size_t n = 0;
	*out = NULL;
	while (*text) {
		size_t cut = ui_text_cut(text, width);
		if (cut == 0)
			cut = strlen(text); /* one long word: the renderer cuts it */
		*out = xrealloc(*out, (n + 1) * sizeof(**out));
		(*out)[n++] = xstrndup(text, cut);
		text += cut;
		while (*text == ' ')
			text++;
	}
	return n;
}

void
admin_show(const char *title, const char *text)
{
	char **lines = NULL;
	size_t n = 0;
	/* One paragraph per line of TEXT. */
	for (const char *p = text; *p;) {
		const char *nl = strchr(p, '\n');
		char *para = nl ? xstrndup(p, (size_t)(nl - p)) : xstrdup(p);
		char **part;
		size_t k = wrap(*para ? para : " ", ui.cols - 12, &part);
		lines = xrealloc(lines, (n + k + 1) * sizeof(*lines));
		memcpy(lines + n, part, k * sizeof(*part));
		n += k;
		free(part);
		free(para);
		p = nl ? nl + 1 : p + strlen(p);
	}
	ui_pick(title, (const char *const *)lines, n, 0);
	for (size_t i = 0; i < n; i++)
		free(lines[i]);
	free(lines);
}

/* ---- The view ---------------------------------------------------------- */

static const enum action no_keys[] = { ACT_NONE };

/* The ops are copied into the view's data so that the key bar follows
 * the tab. */
static void
sync_keybar(struct admin *a)
{
	a->ops.keybar = tabs[a->tab]->keybar ? tabs[a->tab]->keybar : no_keys;
}

static void
rebuild_index(struct admin *a)
{
	const struct admin_tab *t = tabs[a->tab];
	size_t n = t->count(a);
	free(a->idx);
	a->idx = xcalloc(n + 1, sizeof(*a->idx));
	a->nidx = 0;
	for (size_t i = 0; i < n; i++)
		if (!a->filter || !t->match || t->match(a, i, a->filter))
			a->idx[a->nidx++] = i;
}

static bool
admin_open(struct view *v, struct err *err)
{
	struct admin *a = v->data;
	a->view = v;
	bool ok = tabs[a->tab]->load(a, err);
	rebuild_index(a);
	view_fix_cursor(v);
	return ok;
}

static void
admin_free_data(struct admin *a)
{
	entite_list_free(&a->ents);
	for (size_t i = 0; a->roles && i < a->users.n; i++)
		free(a->roles[i]);
	free(a->roles);
	a->roles = NULL;
	utilisateur_list_free(&a->users);
	PQclear(a->res);
	a->res = NULL;
}

static void
admin_close(struct view *v)
{
	struct admin *a = v->data;
	struct err err = { 0 };
	tui_exec("UNLISTEN liasse_job", 0, NULL, &err);
	tui_exec("UNLISTEN liasse_job_etat", 0, NULL, &err);
	admin_free_data(a);
	free(a->idx);
	free(a->filter);
	free(a);
}

static size_t
admin_rows(struct view *v)
{
	struct admin *a = v->data;
	return a->nidx;
}

static void
admin_row(struct view *v, size_t i, struct row *r)
{
	struct admin *a = v->data;
	if (i < a->nidx)
		tabs[a->tab]->row(a, a->idx[i], r);
}

static void
admin_header(struct view *v, struct row *r)
{
	struct admin *a = v->data;
	tabs[a->tab]->header(r);
}

static void
admin_tabs(struct view *v, struct row *r)
{
	struct admin *a = v->data;
	for (size_t i = 0; i < NTABS; i++)
		row_addf(r, ui_text_width(_(tabs[i]->label)) + 2, i == a->tab ? EL_TAB_ACTIVE : EL_TAB,
			 " %s ", _(tabs[i]->label));
}

static void
admin_title(struct view *v, struct strbuf *sb)
{
	struct admin *a = v->data;
	sb_add(sb, _("Administration"));
	if (a->filter)
		sb_printf(sb, _(" · « %s »"), a->filter);
}

static void
admin_position(struct view *v, struct strbuf *sb)
{
	size_t n = admin_rows(v);
	size_t last = v->top + (size_t)v->body_h < n ? v->top + (size_t)v->body_h : n;
	sb_printf(sb, _("Position %zu à %zu sur %zu"), n ? v->top + 1 : 0, last, n);
	struct admin *a = v->data;
	if (tabs[a->tab]->status)
		tabs[a->tab]->status(a, sb);
}

static void
reload(struct view *v)
{
	struct err err = { 0 };
	if (!admin_open(v, &err))
		ui_error(&err);
}

static bool
admin_request(struct view *v, enum action act)
{
	struct admin *a = v->data;
	switch (act) {
	case ACT_NEXT_TAB:
	case ACT_PREV_TAB:
		a->tab = (a->tab + (act == ACT_NEXT_TAB ? 1 : NTABS - 1)) % NTABS;
		admin_free_data(a);
		sync_keybar(a);
		v->cursor = v->top = 0;
		reload(v);
		return true;
	case ACT_SEARCH: {
		char *s = ui_prompt(_("Filtrer :"), a->filter ? a->filter : "");
		if (!s)
			return true;
		free(a->filter);
		a->filter = s[0] ? s : NULL;
		if (!s[0])
			free(s);
		v->cursor = v->top = 0;
		rebuild_index(a);
		return true;
	}
	case ACT_FILTER_CLEAR:
		free(a->filter);
		a->filter = NULL;
		rebuild_index(a);
		return true;
	default:
		break;
	}
	size_t raw = v->cursor < a->nidx ? a->idx[v->cursor] : SIZE_MAX;
	if (!tabs[a->tab]->request(a, raw, act))
		return false;
	/* The tab may have reloaded or not: keep the cursor near where it was. */
	size_t cur = v->cursor;
	struct err err = { 0 };
	if (!tabs[a->tab]->load(a, &err) && !ui.message[0])
		ui_error(&err);
	rebuild_index(a);
	view_set_cursor(v, cur);
	return true;
}

static void
admin_notify(struct view *v, const char *channel, const char *payload)
{
	(void)payload;
	struct admin *a = v->data;
	struct err err = { 0 };
	if (strcmp(channel, "reconnect") == 0) {
		tui_exec("LISTEN liasse_job", 0, NULL, &err);
		tui_exec("LISTEN liasse_job_etat", 0, NULL, &err);
	} else if (tabs[a->tab] != &admin_tab_travaux) {
		return; /* only the jobs follow the daemon live */
	}
	if (ui_top() != v)
		return;
	size_t cur = v->cursor;
	if (!tabs[a->tab]->load(a, &err))
		ui_error(&err);
	rebuild_index(a);
	view_set_cursor(v, cur);
}

static const struct view_ops admin_ops = {
	.name = "admin",
	.keymap = KEYMAP_ADMIN,
	.open = admin_open,
	.close = admin_close,
	.rows = admin_rows,
	.row = admin_row,
	.header = admin_header,
	.tabs = admin_tabs,
	.title = admin_title,
	.position = admin_position,
	.request = admin_request,
	.notify = admin_notify,
};

void
ui_open_admin(void)
{
	for (int i = ui.depth - 1; i >= 0; i--)
		if (strcmp(ui.stack[i]->ops->name, "admin") == 0) {
			ui_message(false, _("L'administration est déjà ouverte (Échap pour y revenir)."));
			return;
		}
	struct admin *a = xcalloc(1, sizeof(*a));
	a->ops = admin_ops;
	sync_keybar(a);
	struct err err = { 0 };
	tui_exec("LISTEN liasse_job", 0, NULL, &err);
	tui_exec("LISTEN liasse_job_etat", 0, NULL, &err);
	ui_push(view_new(&a->ops, a));
}

/* ---- Entités ----------------------------------------------------------- */

static bool
ent_load(struct admin *a, struct err *err)
{
	entite_list_free(&a->ents);
	return entite_list_load(ui.db, 0, &a->ents, err);
}

static size_t
ent_count(struct admin *a)
{
	return a->ents.n;
}

static bool
ent_match(struct admin *a, size_t i, const char *f)
{
	return strcasestr(a->ents.v[i].denomination, f) || strstr(a->ents.v[i].siren, f);
}

static const char *
type_label(const char *type)
{
	if (strcmp(type, "racine") == 0)
		return _("Racine");
	if (strcmp(type, "collectivite") == 0)
		return _("Collectivité");
	if (strcmp(type, "centre_de_gestion") == 0)
		return _("Centre de gestion");
	if (strcmp(type, "service") == 0)
		return _("Service");
	return type;
}

static void
ent_header(struct row *r)
{
	row_add(r, _("Dénomination"), 40, EL_DEFAULT);
	row_add(r, _("Type"), 17, EL_DEFAULT);
	row_add(r, _("SIREN"), 9, EL_DEFAULT);
	row_add(r, _("Active"), 0, EL_DEFAULT);
}

static void
ent_row(struct admin *a, size_t i, struct row *r)
{
	const struct entite *e = &a->ents.v[i];
	int ind = e->niveau * 2 < 20 ? e->niveau * 2 : 20;
	row_addf(r, 40, EL_DEFAULT, "%*s%s%s", ind, "", e->denomination,
		 e->id == ui.entite_id ? " ◂" : "");
	row_add(r, type_label(e->type), 17, EL_DEFAULT);
	row_add(r, e->siren, 9, EL_DATE);
	row_add(r, e->actif ? _("oui") : _("non"), 0, e->actif ? EL_DEFAULT : EL_ERROR);
}

static bool
check_siren(const char *s, struct err *err)
{
	return entite_check_ids(s, NULL, err);
}

static bool
check_siret(const char *s, struct err *err)
{
	return entite_check_ids(NULL, s, err);
}

static bool
check_nonempty(const char *s, struct err *err)
{
	if (s[strspn(s, " ")])
		return true;
	return err_set(err, ERR_INPUT, _("Valeur obligatoire."));
}

/* Dénomination, SIREN, SIRET asked in turn; false on Esc. */
static bool
ask_identity(const struct entite *e, char **denom, char **siren, char **siret)
{
	*denom = *siren = *siret = NULL;
	*denom = admin_ask(_("Dénomination :"), e ? e->denomination : "", check_nonempty);
	if (*denom)
		*siren = admin_ask(_("SIREN (9 chiffres, facultatif) :"), e ? e->siren : "", check_siren);
	if (*siren)
		*siret = admin_ask(_("SIRET (14 chiffres, facultatif) :"), e ? e->siret : "", check_siret);
	if (*siret)
		return true;
	free(*denom);
	free(*siren);
	return false;
}

/* What was typed for an entity the base refused: proposed again by the
 * next c. */
static struct entite ent_draft;
static bool has_draft;

static void
ent_create(struct admin *a, const struct entite *parent)
{
	static const char *const types[] = { "collectivite", "centre_de_gestion", "service" };
	const char *labels[3];
	for (size_t i = 0; i < 3; i++)
		labels[i] = type_label(types[i]);
	char title[300];
	snprintf(title, sizeof title, _("Nouvelle sous-entité de %s : type"), parent->denomination);
	int k = ui_pick(title, labels, 3, 0);
	char *denom, *siren, *siret;
	if (k < 0 || !ask_identity(has_draft ? &ent_draft : NULL, &denom, &siren, &siret))
		return;
	struct err err = { 0 };
	long long id = 0;
	/* The same check as the base's, before asking it (SIREN and SIRET together). */
	bool ok = entite_check_ids(siren, siret, &err) &&
		  entite_create(ui.db, parent->id, types[k], denom, siren, siret, &id, &err);
	char done[400];
	snprintf(done, sizeof done, _("Entité « %s » créée sous %s."), denom, parent->denomination);
	admin_result(ok, &err, done);
	(void)a;
	entite_clear(&ent_draft);
	has_draft = !ok;
	if (!ok) {
		ent_draft.denomination = xstrdup(denom);
		str_copy(ent_draft.siren, sizeof ent_draft.siren, siren);
		str_copy(ent_draft.siret, sizeof ent_draft.siret, siret);
	}
	free(denom);
	free(siren);
	free(siret);
}

static bool
check_postal_code(const char *s, struct err *err)
{
	if (!*s || (strlen(s) == 5 && strspn(s, "0123456789") == 5))
		return true;
	return err_set(err, ERR_INPUT, _("Code postal « %s » invalide : cinq chiffres attendus."), s);
}

/* The place of signature (PES): the entity's own, both empty to inherit
 * the parent's. False on Esc. */
static bool
ask_place(const struct entite *e, char **city, char **postal_code)
{
	struct err err = { 0 };
	struct sign_place pl;
	if (!sign_place_load(ui.db, e->id, &pl, &err))
		memset(&pl, 0, sizeof pl);
	char label[300];
	if (pl.source && !pl.own)
		snprintf(label, sizeof label,
			 _("Lieu de signature : ville (vide : celui de l'entité mère, %s) :"), pl.city);
	else
		snprintf(label, sizeof label, _("Lieu de signature : ville (vide : celui de l'entité mère) :"));
	*postal_code = NULL;
	*city = ui_prompt(label, pl.own ? pl.city : "");
	if (*city)
		*postal_code = admin_ask(**city ? _("Lieu de signature : code postal :")
						: _("Lieu de signature : code postal (vide) :"),
					 pl.own ? pl.postal_code : "", check_postal_code);
	if (*postal_code)
		return true;
	free(*city);
	return false;
}

static void
ent_edit(const struct entite *e)
{
	char *denom, *siren, *siret, *city, *cp;
	if (!ask_identity(e, &denom, &siren, &siret))
		return;
	if (!ask_place(e, &city, &cp)) {
		free(denom), free(siren), free(siret);
		return;
	}
	struct err err = { 0 };
	bool ok = entite_check_ids(siren, siret, &err) &&
		  entite_update(ui.db, e->id, denom, siren, siret, &err) &&
		  sign_place_set(ui.db, e->id, city, cp, &err);
	admin_result(ok, &err, _("Entité modifiée."));
	free(denom), free(siren), free(siret), free(city), free(cp);
}

static bool
ent_request(struct admin *a, size_t i, enum action act)
{
	if (act != ACT_ADM_NEW && act != ACT_ADM_EDIT && act != ACT_ADM_ACTIVE &&
	    act != ACT_ADM_MOVE && act != ACT_ENTER)
		return false;
	if (i == SIZE_MAX)
		return true;
	const struct entite *e = &a->ents.v[i];
	struct err err = { 0 };
	char q[400];
	switch (act) {
	case ACT_ENTER:
		ui.entite_id = e->id;
		tui_load_entity();
		ui_message(false, _("Entité : %s"), ui.entite_path);
		break;
	case ACT_ADM_NEW:
		ent_create(a, e);
		break;
	case ACT_ADM_EDIT:
		ent_edit(e);
		break;
	case ACT_ADM_ACTIVE:
		snprintf(q, sizeof q, e->actif ? _("Désactiver l'entité « %s » ?")
					      : _("Réactiver l'entité « %s » ?"), e->denomination);
		if (ui_confirm(q))
			admin_result(entite_set_active(ui.db, e->id, !e->actif, &err), &err,
				     e->actif ? _("Entité désactivée.") : _("Entité réactivée."));
		break;
	case ACT_ADM_MOVE: {
		snprintf(q, sizeof q, _("Déplacer « %s » sous :"), e->denomination);
		long long to = admin_pick_entite(a, q, e->parent_id);
		if (to > 0)
			admin_result(entite_move(ui.db, e->id, to, &err), &err, _("Entité déplacée."));
		break;
	}
	default:
		break;
	}
	return true;
}

static const enum action ent_keys[] = { ACT_ADM_NEW, ACT_ADM_EDIT, ACT_ADM_ACTIVE, ACT_ADM_MOVE,
					ACT_NEXT_TAB, ACT_NONE };

const struct admin_tab admin_tab_entites = {
	.label = N_("Entités"),
	.load = ent_load,
	.count = ent_count,
	.match = ent_match,
	.header = ent_header,
	.row = ent_row,
	.request = ent_request,
	.keybar = ent_keys,
};

/* vim: set ts=8 sw=8 noexpandtab: */
