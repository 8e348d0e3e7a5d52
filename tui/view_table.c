/* Read-mostly tables: Journal des événements (with a text filter), as
 * tabs of one view. Each tab is a query and column widths. The
 * Administration screens are view_admin.c. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/i18n.h"
#include "tui/text.h"
#include "tui/tui.h"
#include "tui/ui.h"

struct table_tab {
	const char *label;
	const char *sql; /* $1 = filter text ('' = none), $2 = current entity */
	const char *cols[6];
	int widths[6]; /* 0 = the rest */
};

struct table {
	const struct table_tab *tabs;
	size_t ntabs, tab;
	enum keymap keymap;
	const char *title;
	PGresult *res;
	char *filter;
};

static const struct table_tab journal_tabs[] = {
	{ N_("Journal des événements"),
	  "SELECT to_char(j.ts, 'DD/MM/YYYY HH24:MI:SS'), coalesce(e.denomination, ''), "
	  "j.utilisateur, coalesce(j.dossier_id::text, ''), j.action, j.message "
	  "FROM liasse.journal j LEFT JOIN liasse.entite e ON e.id = j.entite_id "
	  "WHERE ($1 = '' OR j.message ILIKE '%' || $1 || '%' OR j.action ILIKE $1 || '%' "
	  "OR j.utilisateur = $1 OR j.dossier_id::text = $1) AND $2::bigint IS NOT NULL "
	  "ORDER BY j.id DESC LIMIT 1000",
	  { N_("Date"), N_("Entité"), N_("Utilisateur"), N_("Dossier"), N_("Action"), N_("Message") },
	  { 19, 12, 12, 7, 12, 0 } },
};

static bool
table_open(struct view *v, struct err *err)
{
	struct table *t = v->data;
	char ent[32];
	snprintf(ent, sizeof(ent), "%lld", (long long)ui.entite_id);
	const char *p[] = { t->filter ? t->filter : "", ent };
	PGresult *r = tui_query(t->tabs[t->tab].sql, 2, p, err);
	if (!r)
		return false;
	PQclear(t->res);
	t->res = r;
	view_fix_cursor(v);
	return true;
}

static void
table_close(struct view *v)
{
	struct table *t = v->data;
	PQclear(t->res);
	free(t->filter);
	free(t);
}

static size_t
table_rows(struct view *v)
{
	struct table *t = v->data;
	return t->res ? (size_t)PQntuples(t->res) : 0;
}

static void
table_row(struct view *v, size_t i, struct row *r)
{
	struct table *t = v->data;
	const struct table_tab *tab = &t->tabs[t->tab];
	for (int c = 0; c < 6 && c < PQnfields(t->res); c++) {
		if (!tab->cols[c][0])
			break;
		row_add(r, PQgetvalue(t->res, (int)i, c), tab->widths[c],
			c == 0 ? EL_DATE : EL_DEFAULT);
		if (tab->widths[c] == 0)
			break;
	}
}

static void
table_header(struct view *v, struct row *r)
{
	struct table *t = v->data;
	const struct table_tab *tab = &t->tabs[t->tab];
	for (int c = 0; c < 6; c++) {
		if (!tab->cols[c][0])
			break;
		row_add(r, _(tab->cols[c]), tab->widths[c], EL_DEFAULT);
		if (tab->widths[c] == 0)
			break;
	}
}

static void
table_tabs(struct view *v, struct row *r)
{
	struct table *t = v->data;
	if (t->ntabs < 2) {
		row_add(r, _(t->tabs[0].label), 0, EL_TAB_ACTIVE);
		return;
	}
	for (size_t i = 0; i < t->ntabs; i++)
		row_addf(r, ui_text_width(_(t->tabs[i].label)) + 2,
			 i == t->tab ? EL_TAB_ACTIVE : EL_TAB, " %s ", _(t->tabs[i].label));
}

static void
table_title(struct view *v, struct strbuf *sb)
{
	struct table *t = v->data;
	sb_add(sb, _(t->title));
	if (t->filter)
		sb_printf(sb, _(" · « %s »"), t->filter);
}

static void
table_position(struct view *v, struct strbuf *sb)
{
	size_t n = table_rows(v);
	size_t last = v->top + (size_t)v->body_h < n ? v->top + (size_t)v->body_h : n;
	sb_printf(sb, _("Position %zu à %zu sur %zu"), n ? v->top + 1 : 0, last, n);
}

static bool
table_request(struct view *v, enum action a)
{
	struct table *t = v->data;
	struct err err = { 0 };
	switch (a) {
	case ACT_NEXT_TAB:
	case ACT_PREV_TAB:
		if (t->ntabs < 2)
			return true;
		t->tab = (t->tab + (a == ACT_NEXT_TAB ? 1 : t->ntabs - 1)) % t->ntabs;
		v->cursor = v->top = 0;
		break;
	case ACT_SEARCH: {
		char *s = ui_prompt(_("Filtrer :"), t->filter ? t->filter : "");
		if (!s)
			return true;
		free(t->filter);
		t->filter = s[0] ? s : NULL;
		if (!s[0])
			free(s);
		v->cursor = v->top = 0;
		break;
	}
	case ACT_FILTER_CLEAR:
		free(t->filter);
		t->filter = NULL;
		break;
	case ACT_ENTER:
		if (t->keymap == KEYMAP_JOURNAL && v->cursor < table_rows(v) &&
		    PQgetvalue(t->res, (int)v->cursor, 3)[0])
			tui_open_dossier(strtoll(PQgetvalue(t->res, (int)v->cursor, 3), NULL, 10));
		return true;
	default:
		return false;
	}
	if (!table_open(v, &err))
		ui_error(&err);
	return true;
}

static void
table_notify(struct view *v, const char *channel, const char *payload)
{
	(void)channel, (void)payload;
	struct err err = { 0 };
	if (!table_open(v, &err))
		ui_error(&err);
}

static const enum action journal_keys[] = { ACT_ENTER, ACT_SEARCH, ACT_FILTER_CLEAR, ACT_NONE };

static const struct view_ops journal_ops = {
	.name = "journal",
	.keymap = KEYMAP_JOURNAL,
	.open = table_open,
	.close = table_close,
	.rows = table_rows,
	.row = table_row,
	.header = table_header,
	.tabs = table_tabs,
	.title = table_title,
	.position = table_position,
	.request = table_request,
	.notify = table_notify,
	.keybar = journal_keys,
};

void ui_open_journal(void);

void
ui_open_journal(void)
{
	struct table *t = xcalloc(1, sizeof(*t));
	t->tabs = journal_tabs;
	t->ntabs = 1;
	t->keymap = KEYMAP_JOURNAL;
	t->title = N_("Journal des événements");
	ui_push(view_new(&journal_ops, t));
}

/* vim: set ts=8 sw=8 noexpandtab: */
