/* The first screen: dossier types grouped by family, with counts for the
 * current entity and its sub-entities (PASTELL's left column). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/i18n.h"
#include "tui/tui.h"
#include "tui/ui.h"

void tui_open_annuaire(void);
void tui_mailsec_listen(void);
void tui_mailsec_notice(const char *payload);

/* Not a dossier type: the address book (annuaire) of the mail sécurisé. */
#define MENU_ANNUAIRE "#annuaire"

struct menu_item {
	char *type; /* NULL for a family heading */
	char *label;
	char *count;
};

struct menu {
	struct menu_item *items;
	size_t n;
};

static void
menu_clear(struct menu *m)
{
	for (size_t i = 0; i < m->n; i++) {
		free(m->items[i].type);
		free(m->items[i].label);
		free(m->items[i].count);
	}
	free(m->items);
	m->items = NULL;
	m->n = 0;
}

static void
menu_add(struct menu *m, const char *type, const char *label, const char *count)
{
	m->items = xrealloc(m->items, (m->n + 1) * sizeof(*m->items));
	m->items[m->n++] = (struct menu_item){ type ? xstrdup(type) : NULL, xstrdup(label),
					       count ? xstrdup(count) : NULL };
}

static bool
menu_open(struct view *v, struct err *err)
{
	struct menu *m = v->data;
	char ent[32];
	snprintf(ent, sizeof(ent), "%lld", (long long)ui.entite_id);
	const char *p[] = { ent };
	PGresult *r = tui_query("SELECT type, nom, famille, n FROM liasse.dossier_compteurs($1, true)",
				1, p, err);
	if (!r)
		return false;
	menu_clear(m);
	const char *family = NULL;
	bool book = false; /* the address book closes the mail sécurisé family */
	for (int i = 0; i < PQntuples(r); i++) {
		const char *f = PQgetvalue(r, i, 2);
		if (family && strcmp(family, f) != 0 && book) {
			menu_add(m, MENU_ANNUAIRE, _("Carnet d'adresses"), "");
			book = false;
		}
		if (!family || strcmp(family, f) != 0)
			menu_add(m, NULL, f, NULL);
		family = f;
		menu_add(m, PQgetvalue(r, i, 0), PQgetvalue(r, i, 1), PQgetvalue(r, i, 3));
		book = book || strcmp(PQgetvalue(r, i, 0), "mailsec-bidir") == 0;
	}
	if (book)
		menu_add(m, MENU_ANNUAIRE, _("Carnet d'adresses"), "");
	PQclear(r);
	tui_mailsec_listen();
	if (v->cursor == 0 && m->n > 1 && !m->items[0].type)
		v->cursor = 1;
	view_fix_cursor(v);
	return true;
}

static void
menu_close(struct view *v)
{
	menu_clear(v->data);
	free(v->data);
}

static size_t
menu_rows(struct view *v)
{
	return ((struct menu *)v->data)->n;
}

static void
menu_row(struct view *v, size_t i, struct row *r)
{
	struct menu_item *it = &((struct menu *)v->data)->items[i];
	if (!it->type) {
		r->heading = true;
		row_add(r, it->label, 0, EL_FAMILY);
		return;
	}
	row_addf(r, 0, EL_DEFAULT, "   %s", it->label);
	row_add(r, it->count, 10, EL_COUNT);
	r->c[1].right = true;
	/* The label takes the rest of the line but the count must fit. */
	r->c[0].width = ui.cols - 11;
}

static void
menu_title(struct view *v, struct strbuf *sb)
{
	(void)v;
	sb_add(sb, _("Types de dossiers"));
}

static void
menu_position(struct view *v, struct strbuf *sb)
{
	(void)v;
	sb_add(sb, _("sous-entités comprises"));
}

static bool
menu_request(struct view *v, enum action a)
{
	struct menu *m = v->data;
	if (m->n == 0 || v->cursor >= m->n)
		return false;
	struct menu_item *it = &m->items[v->cursor];
	if ((a == ACT_ENTER || a == ACT_CREATE) && it->type && !strcmp(it->type, MENU_ANNUAIRE)) {
		tui_open_annuaire();
		if (a == ACT_CREATE && ui_top() != v)
			ui_top()->ops->request(ui_top(), ACT_CREATE);
		return true;
	}
	if ((a == ACT_ENTER || a == ACT_CREATE) && it->type) {
		tui_open_list(it->type, it->label);
		if (a == ACT_CREATE && ui_top() != v)
			ui_top()->ops->request(ui_top(), ACT_CREATE);
		return true;
	}
	if (a == ACT_SEARCH) {
		char *s = ui_prompt(_("Aller au type :"), "");
		for (size_t i = 0; s && *s && i < m->n; i++) {
			if (m->items[i].type && strcasestr(m->items[i].label, s)) {
				view_set_cursor(v, i);
				break;
			}
		}
		free(s);
		return true;
	}
	if (a == ACT_BACK)
		return true;
	return false;
}

static void
menu_notify(struct view *v, const char *channel, const char *payload)
{
	/* The menu stays at the bottom of the stack: it announces the answers
	 * to mail sécurisé whatever the screen. */
	if (!strcmp(channel, "liasse_mailsec_reponse")) {
		tui_mailsec_notice(payload);
		return;
	}
	struct err err = { 0 };
	if (!menu_open(v, &err))
		ui_error(&err);
}

static const enum action menu_keys[] = { ACT_ENTER, ACT_CREATE, ACT_ENTITY, ACT_JOURNAL,
					 ACT_ADMIN, ACT_NONE };

static const struct view_ops menu_ops = {
	.name = "menu",
	.keymap = KEYMAP_MENU,
	.open = menu_open,
	.close = menu_close,
	.rows = menu_rows,
	.row = menu_row,
	.title = menu_title,
	.position = menu_position,
	.request = menu_request,
	.notify = menu_notify,
	.keybar = menu_keys,
};

struct view *menu_view_new(void);

struct view *
menu_view_new(void)
{
	return view_new(&menu_ops, xcalloc(1, sizeof(struct menu)));
}

/* The entity switcher: every entity the user can see, as a tree. */
void ui_choose_entity(void);

void
ui_choose_entity(void)
{
	struct err err = { 0 };
	PGresult *r = tui_query(
		"SELECT e.id, repeat('  ', (SELECT count(*)::int - 1 FROM liasse.entite_ancetre a "
		"WHERE a.entite_id = e.id)) || e.denomination || CASE WHEN e.actif THEN '' "
		"ELSE ' (inactive)' END, (SELECT string_agg(lpad(x.ancetre_id::text, 12, '0'), '/' "
		"ORDER BY x.niveau DESC) FROM liasse.entite_ancetre x WHERE x.entite_id = e.id) AS k "
		"FROM liasse.entite e ORDER BY k",
		0, NULL, &err);
	if (!r) {
		ui_error(&err);
		return;
	}
	size_t n = (size_t)PQntuples(r), cur = 0;
	const char **labels = xcalloc(n ? n : 1, sizeof(*labels));
	for (size_t i = 0; i < n; i++) {
		labels[i] = PQgetvalue(r, (int)i, 1);
		if (strtoll(PQgetvalue(r, (int)i, 0), NULL, 10) == ui.entite_id)
			cur = i;
	}
	int k = ui_pick(_("Changer d'entité"), labels, n, cur);
	if (k >= 0) {
		ui.entite_id = strtoll(PQgetvalue(r, k, 0), NULL, 10);
		tui_load_entity();
		while (ui.depth > 1)
			ui_pop();
		struct view *v = ui_top();
		if (!v->ops->open(v, &err))
			ui_error(&err);
		else
			ui_message(false, _("Entité : %s"), ui.entite_path);
	}
	free(labels);
	PQclear(r);
}

/* vim: set ts=8 sw=8 noexpandtab: */
