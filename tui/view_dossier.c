/* One dossier: its tabs as the type defines them (fields and files), the
 * actions possible now, "États du dossier" and the dossier's journal. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/i18n.h"
#include "tui/text.h"
#include "tui/typedef.h"
#include "tui/tui.h"
#include "tui/ui.h"
#include "tui/view_sign.h"

void tui_open_mailsec(int64_t id);

struct dline {
	char *a, *b, *c, *d;
	enum theme_elem elem;
	bool heading;
};

struct dossier_view {
	long long id;
	struct json_object *detail, *def;
	const char **tab_id, **tab_label; /* shown tabs + history + journal */
	size_t ntabs, tab;
	struct dline *l;
	size_t n;
};

static void
lines_clear(struct dossier_view *d)
{
	for (size_t i = 0; i < d->n; i++)
		free(d->l[i].a), free(d->l[i].b), free(d->l[i].c), free(d->l[i].d);
	free(d->l);
	d->l = NULL;
	d->n = 0;
}

static void
line_add(struct dossier_view *d, enum theme_elem e, bool heading, const char *a, const char *b,
	 const char *c, const char *dd)
{
	d->l = xrealloc(d->l, (d->n + 1) * sizeof(*d->l));
	d->l[d->n++] = (struct dline){ xstrdup(a ? a : ""), xstrdup(b ? b : ""), xstrdup(c ? c : ""),
				       xstrdup(dd ? dd : ""), e, heading };
}

/* The values of FIELD as one text (multiple values joined). */
static void
field_text(struct dossier_view *d, struct json_object *f, struct strbuf *out)
{
	const char *id = js_str(f, "id");
	const char *type = js_str(f, "type");
	if (strcmp(type, "file") == 0) {
		struct json_object *files = js_get(d->detail, "fichiers");
		for (size_t i = 0; i < js_len(files); i++) {
			struct json_object *x = js_at(files, i);
			if (strcmp(js_str(x, "champ"), id) != 0)
				continue;
			if (out->len)
				sb_add(out, ", ");
			sb_printf(out, "%s (%s o)", js_str(x, "nom"), js_str(x, "taille"));
		}
		return;
	}
	struct json_object *vals = js_get(js_get(d->detail, "valeurs"), id);
	for (size_t i = 0; i < js_len(vals); i++) {
		const char *v = json_object_get_string(js_at(vals, i));
		if (strcmp(type, "select") == 0) {
			struct json_object *opts = js_get(f, "options");
			for (size_t k = 0; k < js_len(opts); k++)
				if (strcmp(js_str(js_at(opts, k), "value"), v) == 0)
					v = js_str(js_at(opts, k), "label");
		} else if (strcmp(type, "password") == 0) {
			v = _("(défini)");
		} else if (strcmp(type, "checkbox") == 0) {
			v = (strcmp(v, "on") == 0 || strcmp(v, "1") == 0 || strcmp(v, "true") == 0)
				    ? _("oui")
				    : _("non");
		}
		if (out->len)
			sb_add(out, ", ");
		sb_add(out, v);
	}
}

static const char *
value_of(void *ctx, const char *field)
{
	struct dossier_view *d = ctx;
	struct json_object *vals = js_get(js_get(d->detail, "valeurs"), field);
	return js_len(vals) ? json_object_get_string(js_at(vals, 0)) : "";
}

static bool
tab_shown(struct dossier_view *d, struct json_object *tab)
{
	struct json_object *cond = js_get(tab, "condition");
	if (!cond || json_object_is_type(cond, json_type_null))
		return true;
	return strcmp(value_of(d, js_str(cond, "field")), js_str(cond, "value")) == 0;
}

static void
build_tabs(struct dossier_view *d)
{
	struct json_object *tabs = js_get(d->def, "tabs");
	free(d->tab_id), free(d->tab_label);
	size_t n = js_len(tabs);
	d->tab_id = xcalloc(n + 2, sizeof(*d->tab_id));
	d->tab_label = xcalloc(n + 2, sizeof(*d->tab_label));
	d->ntabs = 0;
	for (size_t i = 0; i < n; i++) {
		struct json_object *t = js_at(tabs, i);
		if (!tab_shown(d, t))
			continue;
		d->tab_id[d->ntabs] = js_str(t, "id");
		d->tab_label[d->ntabs++] = js_str(t, "label");
	}
	d->tab_id[d->ntabs] = "#etats";
	d->tab_label[d->ntabs++] = _("États du dossier");
	d->tab_id[d->ntabs] = "#journal";
	d->tab_label[d->ntabs++] = _("Journal");
	if (d->tab >= d->ntabs)
		d->tab = 0;
}

static bool
load_tab(struct dossier_view *d, struct err *err)
{
	lines_clear(d);
	const char *tab = d->tab_id[d->tab];
	char id[32];
	snprintf(id, sizeof(id), "%lld", d->id);
	const char *p[] = { id };
	if (strcmp(tab, "#etats") == 0) {
		PGresult *r = tui_query("SELECT to_char(at, 'DD/MM/YYYY HH24:MI:SS'), etat_label, "
					"utilisateur, coalesce(message, '') FROM "
					"liasse.dossier_historique($1::bigint)",
					1, p, err);
		if (!r)
			return false;
		line_add(d, EL_HEADER, true, _("Date"), _("État"), _("Utilisateur"), _("Message"));
		for (int i = 0; i < PQntuples(r); i++)
			line_add(d, EL_DEFAULT, false, PQgetvalue(r, i, 0), PQgetvalue(r, i, 1),
				 PQgetvalue(r, i, 2), PQgetvalue(r, i, 3));
		PQclear(r);
		return true;
	}
	if (strcmp(tab, "#journal") == 0) {
		PGresult *r = tui_query("SELECT to_char(ts, 'DD/MM/YYYY HH24:MI:SS'), action, "
					"utilisateur, message FROM liasse.journal WHERE dossier_id = "
					"$1::bigint ORDER BY id",
					1, p, err);
		if (!r)
			return false;
		line_add(d, EL_HEADER, true, _("Date"), _("Action"), _("Utilisateur"), _("Message"));
		for (int i = 0; i < PQntuples(r); i++)
			line_add(d, EL_DEFAULT, false, PQgetvalue(r, i, 0), PQgetvalue(r, i, 1),
				 PQgetvalue(r, i, 2), PQgetvalue(r, i, 3));
		PQclear(r);
		return true;
	}
	struct json_object *acts = js_get(d->detail, "actions");
	struct strbuf al = STRBUF_INIT;
	for (size_t i = 0; i < js_len(acts); i++)
		sb_printf(&al, "%s%s", i ? " · " : "", js_str(js_at(acts, i), "label"));
	line_add(d, EL_MESSAGE, true, _("Actions possibles"),
		 al.len ? sb_str(&al) : _("aucune dans cet état"), NULL, NULL);
	sb_free(&al);
	if (strcmp(js_str(d->detail, "type"), "mailsec-bidir") == 0)
		line_add(d, EL_MESSAGE, true, _("Suivi des destinataires"),
			 _("touche s : envois, lectures, réponses"), NULL, NULL);
	struct json_object *fields = js_get(d->def, "fields");
	struct json_object *tabs = js_get(d->def, "tabs");
	const char *first_tab = js_str(js_at(tabs, 0), "id");
	for (size_t i = 0; i < js_len(fields); i++) {
		struct json_object *f = js_at(fields, i);
		const char *ft = js_str(f, "tab");
		if (strcmp(ft[0] ? ft : first_tab, tab) != 0)
			continue;
		const char *vis = js_str(f, "visibility");
		if (strcmp(vis, "no-show") == 0 || strcmp(vis, "edit-only") == 0)
			continue;
		struct strbuf v = STRBUF_INIT;
		field_text(d, f, &v);
		line_add(d, EL_DEFAULT, false, js_str(f, "label"), sb_str(&v), NULL, NULL);
		sb_free(&v);
	}
	return true;
}

static bool
dossier_open(struct view *v, struct err *err)
{
	struct dossier_view *d = v->data;
	char id[32];
	snprintf(id, sizeof(id), "%lld", d->id);
	const char *p[] = { id };
	PGresult *r = tui_query("SELECT liasse.dossier_detail($1::bigint)::text", 1, p, err);
	if (!r)
		return false;
	struct json_object *detail = json_tokener_parse(PQgetvalue(r, 0, 0));
	PQclear(r);
	if (!detail)
		return err_set(err, ERR_INTERNAL, _("Réponse illisible de la base."));
	json_object_put(d->detail);
	d->detail = detail;
	if (!d->def) {
		d->def = typedef_load(js_str(detail, "type"),
				      json_object_get_int(js_get(detail, "type_version")), err);
		if (!d->def)
			return false;
	}
	build_tabs(d);
	return load_tab(d, err);
}

static void
dossier_close(struct view *v)
{
	struct dossier_view *d = v->data;
	lines_clear(d);
	json_object_put(d->detail);
	json_object_put(d->def);
	free(d->tab_id), free(d->tab_label);
	free(d);
}

static size_t
dossier_rows(struct view *v)
{
	return ((struct dossier_view *)v->data)->n;
}

static void
dossier_row(struct view *v, size_t i, struct row *r)
{
	struct dossier_view *d = v->data;
	struct dline *l = &d->l[i];
	const char *tab = d->tab_id[d->tab];
	r->heading = l->heading;
	r->elem = l->elem;
	if (tab[0] == '#') {
		row_add(r, l->a, 19, EL_DATE);
		row_add(r, l->b, 22, EL_STATE);
		row_add(r, l->c, 16, EL_DEFAULT);
		row_add(r, l->d, 0, EL_DEFAULT);
	} else {
		row_add(r, l->a, 28, EL_LABEL);
		row_add(r, l->b, 0, EL_FIELD);
	}
}

static void
dossier_tabs(struct view *v, struct row *r)
{
	struct dossier_view *d = v->data;
	for (size_t i = 0; i < d->ntabs; i++)
		row_addf(r, ui_text_width(d->tab_label[i]) + 2, i == d->tab ? EL_TAB_ACTIVE : EL_TAB,
			 " %s ", d->tab_label[i]);
}

static void
dossier_title(struct view *v, struct strbuf *sb)
{
	struct dossier_view *d = v->data;
	const char *t = js_str(d->detail, "titre");
	sb_printf(sb, "%s · %s", js_str(d->detail, "type_nom"), t[0] ? t : _("(sans titre)"));
}

static void
dossier_position(struct view *v, struct strbuf *sb)
{
	struct dossier_view *d = v->data;
	sb_printf(sb, _("État : %s"), js_str(d->detail, "etat_label"));
}

static void
run_action(struct view *v)
{
	struct dossier_view *d = v->data;
	struct json_object *acts = js_get(d->detail, "actions");
	size_t n = js_len(acts);
	if (n == 0) {
		ui_message(true, _("Aucune action possible sur ce dossier dans son état."));
		return;
	}
	const char **labels = xcalloc(n, sizeof(*labels));
	for (size_t i = 0; i < n; i++)
		labels[i] = js_str(js_at(acts, i), "label");
	int k = ui_pick(_("Actions possibles"), labels, n, 0);
	free(labels);
	if (k < 0)
		return;
	struct json_object *a = js_at(acts, (size_t)k);
	if (strcmp(js_str(a, "id"), SIGN_ACTION) == 0) {
		/* The signature screen shows what will be signed and asks the PIN. */
		tui_open_sign(d->id);
		return;
	}
	const char *warning = js_str(a, "warning");
	if (warning[0] && !ui_confirm(warning))
		return;
	char id[32], ver[16];
	snprintf(id, sizeof(id), "%lld", d->id);
	snprintf(ver, sizeof(ver), "%d", json_object_get_int(js_get(d->detail, "version")));
	const char *p[] = { id, js_str(a, "id"), ver };
	struct err err = { 0 };
	char *label = xstrdup(js_str(a, "label"));
	PGresult *r = tui_query("SELECT etat_label FROM liasse.dossier_action($1::bigint, $2, "
				"$3::int)",
				3, p, &err);
	if (!r) {
		ui_error(&err);
		free(label);
		return;
	}
	char msg[512];
	snprintf(msg, sizeof(msg), _("« %s » : le dossier est maintenant « %s »."), label,
		 PQgetvalue(r, 0, 0));
	PQclear(r);
	free(label);
	if (!dossier_open(v, &err)) {
		if (err.code != ERR_NOT_FOUND) {
			ui_error(&err);
			return;
		}
		/* Deleted by the action: back to the list. */
		ui_pop();
	}
	ui_message(false, "%s", msg);
}

/* The "Signer" key: the signature screen when the dossier may be signed now. */
static void
sign_key(struct dossier_view *d)
{
	struct json_object *acts = js_get(d->detail, "actions");
	for (size_t i = 0; i < js_len(acts); i++) {
		if (strcmp(js_str(js_at(acts, i), "id"), SIGN_ACTION) == 0) {
			tui_open_sign(d->id);
			return;
		}
	}
	ui_message(true, _("Ce dossier ne se signe pas avec la carte dans son état actuel."));
}

static bool
dossier_request(struct view *v, enum action a)
{
	struct dossier_view *d = v->data;
	struct err err = { 0 };
	switch (a) {
	case ACT_NEXT_TAB:
	case ACT_PREV_TAB:
		d->tab = (d->tab + (a == ACT_NEXT_TAB ? 1 : d->ntabs - 1)) % d->ntabs;
		v->cursor = v->top = 0;
		if (!load_tab(d, &err))
			ui_error(&err);
		return true;
	case ACT_HISTORY:
		d->tab = d->ntabs - 2;
		v->cursor = v->top = 0;
		if (!load_tab(d, &err))
			ui_error(&err);
		return true;
	case ACT_ACTION:
		run_action(v);
		return true;
	case ACT_SIGN:
		sign_key(d);
		return true;
	case ACT_TRACKING:
		if (strcmp(js_str(d->detail, "type"), "mailsec-bidir") == 0)
			tui_open_mailsec(d->id);
		else
			ui_message(true, _("Le suivi des destinataires concerne le mail sécurisé."));
		return true;
	case ACT_EDIT:
	case ACT_ENTER:
		tui_open_form(d->id);
		return true;
	default:
		return false;
	}
}

static void
dossier_notify(struct view *v, const char *channel, const char *payload)
{
	struct dossier_view *d = v->data;
	(void)channel;
	const char *c = strchr(payload, ':');
	if (c && strtoll(c + 1, NULL, 10) != d->id && strcmp(channel, "reconnect") != 0)
		return;
	struct err err = { 0 };
	if (!dossier_open(v, &err))
		ui_error(&err);
}

static const enum action dossier_keys[] = { ACT_NEXT_TAB, ACT_EDIT, ACT_ACTION, ACT_HISTORY,
					    ACT_NONE };

static const struct view_ops dossier_ops = {
	.name = "dossier",
	.keymap = KEYMAP_DOSSIER,
	.open = dossier_open,
	.close = dossier_close,
	.rows = dossier_rows,
	.row = dossier_row,
	.tabs = dossier_tabs,
	.title = dossier_title,
	.position = dossier_position,
	.request = dossier_request,
	.notify = dossier_notify,
	.keybar = dossier_keys,
};

void
tui_open_dossier(int64_t id)
{
	struct dossier_view *d = xcalloc(1, sizeof(*d));
	d->id = id;
	ui_push(view_new(&dossier_ops, d));
}

/* vim: set ts=8 sw=8 noexpandtab: */
