/* Settings of one connector: a form generated from its type's fields
 * (core/connector.h), one per line, required ones marked. Entrée or m
 * edits the selected field the way its kind asks (text, number, yes/no,
 * a choice, a password typed masked, a file picked on this machine);
 * secrets and files are stored in the secrets table and only shown as
 * "enregistré", never read back. Suppr clears a value, t tests the
 * connection. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/admin_connecteur.h"
#include "core/connector.h"
#include "core/i18n.h"
#include "tui/text.h"
#include "tui/tui.h"
#include "tui/ui.h"
#include "tui/view_admin.h"

char *tui_pick_file(void);
struct conf_view {
	long long id;
	char type[64], famille[64], libelle[256];
	const struct connector_type *t;
	size_t nfields;
	PGresult *settings;
};

static bool
conf_open(struct view *v, struct err *err)
{
	struct conf_view *c = v->data;
	PGresult *r = connecteur_instance(ui.db, c->id, err);
	if (!r)
		return false;
	str_copy(c->type, sizeof c->type, PQgetvalue(r, 0, 0));
	str_copy(c->famille, sizeof c->famille, PQgetvalue(r, 0, 1));
	str_copy(c->libelle, sizeof c->libelle, PQgetvalue(r, 0, 2));
	PQclear(r);
	c->t = connector_find(c->type);
	c->nfields = 0;
	for (const struct connector_field *f = c->t ? c->t->fields : NULL; f && f->id; f++)
		c->nfields++;
	r = connecteur_settings(ui.db, c->id, err);
	if (!r)
		return false;
	PQclear(c->settings);
	c->settings = r;
	view_fix_cursor(v);
	return true;
}

static void
conf_close(struct view *v)
{
	struct conf_view *c = v->data;
	PQclear(c->settings);
	free(c);
}

static size_t
conf_rows(struct view *v)
{
	struct conf_view *c = v->data;
	return c->nfields;
}

/* Row of KEY in the settings, -1 when unset. */
static int
setting(struct conf_view *c, const char *key)
{
	for (int i = 0; c->settings && i < PQntuples(c->settings); i++)
		if (strcmp(PQgetvalue(c->settings, i, 0), key) == 0)
			return i;
	return -1;
}

/* The label of VALUE among the options "v=Libellé|..." of a select. */
static void
option_label(const char *options, const char *value, struct strbuf *out)
{
	size_t vl = strlen(value);
	for (const char *p = options; p && *p;) {
		const char *bar = strchr(p, '|'), *eq = strchr(p, '=');
		size_t len = bar ? (size_t)(bar - p) : strlen(p);
		if (eq && eq < p + len && (size_t)(eq - p) == vl && strncmp(p, value, vl) == 0) {
			sb_addn(out, eq + 1, len - vl - 1);
			return;
		}
		p = bar ? bar + 1 : NULL;
	}
	sb_add(out, value);
}

static void
conf_row(struct view *v, size_t i, struct row *r)
{
	struct conf_view *c = v->data;
	const struct connector_field *f = &c->t->fields[i];
	row_addf(r, 34, EL_LABEL, "%s%s", f->required ? "* " : "  ", _(f->label));
	int k = setting(c, f->id);
	if (f->kind == CF_SECRET || f->kind == CF_FILE) {
		row_add(r, k >= 0 ? (f->kind == CF_FILE ? _("(fichier enregistré)") : _("(enregistré)"))
				  : _("(vide)"), 0, k >= 0 ? EL_FIELD : EL_DATE);
		return;
	}
	const char *value = k >= 0 ? PQgetvalue(c->settings, k, 1) : NULL;
	struct strbuf sb = STRBUF_INIT;
	if (!value && f->def)
		sb_printf(&sb, _("(défaut : %s)"), f->def);
	else if (!value)
		sb_add(&sb, _("(vide)"));
	else if (f->kind == CF_BOOL)
		sb_add(&sb, strcmp(value, "on") == 0 ? _("oui") : _("non"));
	else if (f->kind == CF_SELECT)
		option_label(f->options, value, &sb);
	else
		sb_add(&sb, value);
	row_addf(r, 0, value ? EL_FIELD : EL_DATE, "%s", sb_str(&sb));
	sb_free(&sb);
}

static void
conf_header(struct view *v, struct row *r)
{
	(void)v;
	row_add(r, _("  Paramètre"), 34, EL_DEFAULT);
	row_add(r, _("Valeur"), 0, EL_DEFAULT);
}

static void
conf_title(struct view *v, struct strbuf *sb)
{
	struct conf_view *c = v->data;
	sb_printf(sb, _("Connecteur « %s » (%s, %s)"), c->libelle, c->type, c->famille);
}

static void
conf_position(struct view *v, struct strbuf *sb)
{
	(void)v;
	sb_add(sb, _("* obligatoire"));
}

/* Asks the new value of F; false on Esc. *VALUE NULL means "remove". */
static bool
ask_value(struct conf_view *c, const struct connector_field *f, char **value)
{
	char label[300];
	snprintf(label, sizeof label, "%s :", _(f->label));
	int k = setting(c, f->id);
	const char *cur = k >= 0 ? PQgetvalue(c->settings, k, 1) : (f->def ? f->def : "");
	*value = NULL;
	switch (f->kind) {
	case CF_BOOL: {
		const char *labels[] = { _("oui"), _("non") };
		int p = ui_pick(_(f->label), labels, 2, strcmp(cur, "on") == 0 ? 0 : 1);
		if (p < 0)
			return false;
		*value = xstrdup(p == 0 ? "on" : "");
		return true;
	}
	case CF_SELECT: {
		size_t n = 0, pre = 0;
		char **vals = NULL, **labels = NULL;
		for (const char *p = f->options; p && *p; n++) {
			const char *bar = strchr(p, '|'), *eq = strchr(p, '=');
			size_t len = bar ? (size_t)(bar - p) : strlen(p);
			size_t vl = eq && eq < p + len ? (size_t)(eq - p) : len;
			vals = xrealloc(vals, (n + 1) * sizeof(*vals));
			labels = xrealloc(labels, (n + 1) * sizeof(*labels));
			vals[n] = xstrndup(p, vl);
			labels[n] = vl < len ? xstrndup(p + vl + 1, len - vl - 1) : xstrdup(vals[n]);
			if (strcmp(vals[n], cur) == 0)
				pre = n;
			p = bar ? bar + 1 : NULL;
		}
		int p = ui_pick(_(f->label), (const char *const *)labels, n, pre);
		if (p >= 0)
			*value = xstrdup(vals[p]);
		for (size_t i = 0; i < n; i++)
			free(vals[i]), free(labels[i]);
		free(vals);
		free(labels);
		return p >= 0;
	}
	case CF_SECRET:
		*value = ui_prompt_secret(label);
		return *value != NULL;
	case CF_FILE: {
		char *path = tui_pick_file();
		if (!path)
			return false;
		struct err err = { 0 };
		*value = connecteur_read_file(path, &err);
		free(path);
		if (!*value)
			ui_error(&err);
		return *value != NULL;
	}
	case CF_NUMBER:
	case CF_TEXT:
		break;
	}
	for (char *s = ui_prompt(label, cur);; ) {
		if (!s)
			return false;
		if (f->kind != CF_NUMBER || !*s || strspn(s, "0123456789") == strlen(s)) {
			*value = s;
			return true;
		}
		char *again = ui_prompt_error(label, s, _("Nombre entier attendu (chiffres seulement)."));
		free(s);
		s = again;
	}
}

static void
wipe_free(char *s)
{
	if (s)
		memset(s, 0, strlen(s));
	free(s);
}

static bool
conf_request(struct view *v, enum action act)
{
	struct conf_view *c = v->data;
	struct err err = { 0 };
	if (act == ACT_ADM_TEST) {
		admin_test_connecteur(c->id, c->libelle);
		return true;
	}
	if (act != ACT_ENTER && act != ACT_ADM_EDIT && act != ACT_ADM_DELETE && act != ACT_CLEAR_FIELD)
		return false;
	if (v->cursor >= c->nfields)
		return true;
	const struct connector_field *f = &c->t->fields[v->cursor];
	char *value = NULL;
	char done[300];
	if (act == ACT_ADM_DELETE || act == ACT_CLEAR_FIELD) {
		char q[300];
		snprintf(q, sizeof q, _("Vider « %s » ?"), _(f->label));
		if (!ui_confirm(q))
			return true;
	} else if (!ask_value(c, f, &value)) {
		return true;
	}
	/* An empty text is "no value" (the default applies). */
	if (value && !*value && f->kind != CF_BOOL) {
		free(value);
		value = NULL;
	}
	snprintf(done, sizeof done, value ? _("« %s » enregistré.") : _("« %s » vidé."), _(f->label));
	admin_result(connecteur_set_value(ui.db, c->id, f->id, value, &err), &err, done);
	wipe_free(value);
	if (!conf_open(v, &err))
		ui_error(&err);
	return true;
}

static const enum action conf_keys[] = { ACT_ADM_EDIT, ACT_ADM_DELETE, ACT_ADM_TEST, ACT_NONE };

static const struct view_ops conf_ops = {
	.name = "connecteur",
	.keymap = KEYMAP_ADMIN,
	.open = conf_open,
	.close = conf_close,
	.rows = conf_rows,
	.row = conf_row,
	.header = conf_header,
	.title = conf_title,
	.position = conf_position,
	.request = conf_request,
	.keybar = conf_keys,
};

void
admin_open_connecteur(long long id)
{
	struct conf_view *c = xcalloc(1, sizeof(*c));
	c->id = id;
	ui_push(view_new(&conf_ops, c));
}

/* vim: set ts=8 sw=8 noexpandtab: */
