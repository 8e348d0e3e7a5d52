/* The dossier list of one type: Titre, Dernier état, Dernier changement
 * d'état and the type's own columns (fields marked "list" in its
 * definition); keyset pages loaded as the cursor moves, search, state and
 * date filters, marks and batch actions. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/i18n.h"
#include "tui/text.h"
#include "tui/typedef.h"
#include "tui/tui.h"
#include "tui/ui.h"

#define LIST_MAX_COLS 6

struct drow {
	long long id;
	char *titre, *etat, *etat_label, *date, *curseur;
	char *cols[LIST_MAX_COLS];
};

struct list {
	char *type, *type_name;
	struct json_object *def;
	const char *col_id[LIST_MAX_COLS], *col_label[LIST_MAX_COLS];
	struct json_object *col_field[LIST_MAX_COLS];
	int col_w[LIST_MAX_COLS];
	size_t ncols;
	struct drow *rows;
	size_t n, cap;
	bool more;     /* more rows after the last loaded one */
	bool before;   /* more rows before the first loaded one (after End) */
	long long base; /* position in the list of rows[0], from 0 */
	long long total;
	bool estimated;
	char *search, *etat, *passe_par, *depuis, *jusqu_a;
	long long *marks;
	size_t nmarks;
};

static void
drow_free(struct drow *d)
{
	free(d->titre), free(d->etat), free(d->etat_label), free(d->date), free(d->curseur);
	for (size_t i = 0; i < LIST_MAX_COLS; i++)
		free(d->cols[i]);
}

static void
list_clear_rows(struct list *l)
{
	for (size_t i = 0; i < l->n; i++)
		drow_free(&l->rows[i]);
	l->n = 0;
}

static char *
filter_json(struct list *l)
{
	struct json_object *f = json_object_new_object();
	json_object_object_add(f, "entite", json_object_new_int64(ui.entite_id));
	json_object_object_add(f, "sous_entites", json_object_new_boolean(1));
	json_object_object_add(f, "type", json_object_new_string(l->type));
	if (l->search)
		json_object_object_add(f, "recherche", json_object_new_string(l->search));
	if (l->etat)
		json_object_object_add(f, "etat", json_object_new_string(l->etat));
	if (l->passe_par) {
		json_object_object_add(f, "passe_par", json_object_new_string(l->passe_par));
		if (l->depuis)
			json_object_object_add(f, "depuis", json_object_new_string(l->depuis));
		if (l->jusqu_a)
			json_object_object_add(f, "jusqu_a", json_object_new_string(l->jusqu_a));
	}
	char *s = xstrdup(json_object_to_json_string_ext(f, JSON_C_TO_STRING_PLAIN));
	json_object_put(f);
	return s;
}

/* The label of a select list's value, else the value. */
static const char *
shown(struct json_object *field, const char *value)
{
	struct json_object *opts = js_get(field, "options");
	for (size_t k = 0; k < js_len(opts); k++)
		if (strcmp(js_str(js_at(opts, k), "value"), value) == 0)
			return js_str(js_at(opts, k), "label");
	return value;
}

/* Inserts the N rows of R at index AT of the loaded rows. */
static void
rows_insert(struct list *l, PGresult *r, size_t at)
{
	size_t n = (size_t)PQntuples(r);
	if (n == 0)
		return;
	if (l->n + n > l->cap) {
		while (l->n + n > l->cap)
			l->cap = l->cap ? 2 * l->cap : 64;
		l->rows = xrealloc(l->rows, l->cap * sizeof(*l->rows));
	}
	if (at < l->n)
		memmove(l->rows + at + n, l->rows + at, (l->n - at) * sizeof(*l->rows));
	l->n += n;
	for (size_t i = 0; i < n; i++) {
		struct drow *d = &l->rows[at + i];
		int k = (int)i;
		memset(d, 0, sizeof(*d));
		d->id = strtoll(PQgetvalue(r, k, 0), NULL, 10);
		d->titre = xstrdup(PQgetvalue(r, k, 1));
		d->etat = xstrdup(PQgetvalue(r, k, 2));
		d->etat_label = xstrdup(PQgetvalue(r, k, 3));
		d->date = xstrdup(PQgetvalue(r, k, 4));
		d->curseur = xstrdup(PQgetvalue(r, k, 5));
		struct json_object *vals = json_tokener_parse(PQgetvalue(r, k, 6));
		for (size_t c = 0; c < l->ncols; c++)
			d->cols[c] = xstrdup(shown(l->col_field[c], js_str(vals, l->col_id[c])));
		json_object_put(vals);
	}
}

/* One keyset page of the list: up to LIMIT rows after cursor FROM
 * (dossier_list), or with BACKWARDS before it (dossier_list_avant; FROM
 * NULL: the last rows), in the list's order. Caller PQclear()s. */
static PGresult *
page_query(struct list *l, const char *from, bool backwards, int limit, struct err *err)
{
	char *filter = filter_json(l);
	char lim[16];
	snprintf(lim, sizeof(lim), "%d", limit);
	const char *p[] = { filter, from, lim };
	PGresult *r = tui_query(backwards
		? "SELECT id, titre, etat, etat_label, to_char(etat_at, 'DD/MM/YYYY HH24:MI'), "
		  "curseur, valeurs::text FROM liasse.dossier_list_avant($1::jsonb, $2, $3::int)"
		: "SELECT id, titre, etat, etat_label, to_char(etat_at, 'DD/MM/YYYY HH24:MI'), "
		  "curseur, valeurs::text FROM liasse.dossier_list($1::jsonb, $2, $3::int)",
		3, p, err);
	free(filter);
	return r;
}

/* Appends up to LIMIT rows after the last loaded one (after cursor FROM
 * when nothing is loaded). */
static bool
fetch_after(struct list *l, const char *from, int limit, struct err *err)
{
	PGresult *r = page_query(l, l->n ? l->rows[l->n - 1].curseur : from, false, limit, err);
	if (!r)
		return false;
	l->more = PQntuples(r) == limit;
	rows_insert(l, r, l->n);
	PQclear(r);
	return true;
}

static bool
list_fetch(struct list *l, int limit, struct err *err)
{
	return fetch_after(l, NULL, limit, err);
}

/* Puts up to LIMIT rows before the first loaded one (the last rows of
 * the list when nothing is loaded); *GOT: how many. */
static bool
fetch_before(struct list *l, int limit, size_t *got, struct err *err)
{
	bool empty = l->n == 0;
	PGresult *r = page_query(l, empty ? NULL : l->rows[0].curseur, true, limit, err);
	if (!r)
		return false;
	*got = (size_t)PQntuples(r);
	l->before = *got == (size_t)limit;
	if (empty)
		l->more = false;
	rows_insert(l, r, 0);
	PQclear(r);
	l->base = l->base > (long long)*got ? l->base - (long long)*got : 0;
	if (!l->before)
		l->base = 0;
	return true;
}

static bool
list_count(struct list *l, struct err *err)
{
	char *filter = filter_json(l);
	const char *p[] = { filter };
	PGresult *r = tui_query("SELECT total, estime FROM liasse.dossier_list_total($1::jsonb)", 1,
				p, err);
	free(filter);
	if (!r)
		return false;
	l->total = strtoll(PQgetvalue(r, 0, 0), NULL, 10);
	l->estimated = PQgetvalue(r, 0, 1)[0] == 't';
	PQclear(r);
	return true;
}

/* Width of a type column, from the field's type: the whole value of a
 * date, a SIRET or the longest option of a select list. */
static int
field_width(struct json_object *f)
{
	const char *type = js_str(f, "type");
	if (strcmp(type, "date") == 0)
		return 10;
	if (strcmp(type, "number") == 0)
		return 8;
	if (strcmp(type, "select") == 0) {
		int w = 6;
		struct json_object *opts = js_get(f, "options");
		for (size_t k = 0; k < js_len(opts); k++) {
			int ow = ui_text_width(js_str(js_at(opts, k), "label"));
			w = ow > w ? ow : w;
		}
		return w < 16 ? w : 16;
	}
	return 14;
}

/* After loading the last rows: where they are in the list. */
static void
set_base_end(struct list *l)
{
	long long b = l->total - (long long)l->n;
	l->base = l->before && b > 0 ? b : 0;
}

static int
page_size(struct view *v)
{
	return v->body_h > 10 ? 2 * v->body_h : 40;
}

/* (Re)loads as many rows as were loaded, keeping the cursor on the same
 * dossier when it is still there. */
static bool
list_open(struct view *v, struct err *err)
{
	struct list *l = v->data;
	if (!l->def) {
		l->def = typedef_load(l->type, 0, err);
		if (!l->def)
			return false;
		struct json_object *fields = js_get(l->def, "fields");
		for (size_t i = 0; i < js_len(fields) && l->ncols < LIST_MAX_COLS; i++) {
			struct json_object *f = js_at(fields, i);
			if (js_bool(f, "list") && js_bool(f, "index") && !js_bool(f, "title")) {
				l->col_id[l->ncols] = js_str(f, "id");
				l->col_label[l->ncols] = js_str(f, "label");
				l->col_field[l->ncols] = f;
				l->col_w[l->ncols++] = field_width(f);
			}
		}
	}
	long long keep = l->n && v->cursor < l->n ? l->rows[v->cursor].id : 0;
	int want = (int)(l->n > (size_t)page_size(v) ? l->n : (size_t)page_size(v));
	if (want > 1000)
		want = 1000;
	size_t got;
	if (l->base > 0 && !l->more) {
		/* A window on the end of the list (End): the last rows again. */
		list_clear_rows(l);
		if (!fetch_before(l, want, &got, err) || !list_count(l, err))
			return false;
		set_base_end(l);
	} else if (l->base > 0) {
		/* A window in the middle: from the row before the first one. */
		PGresult *r = page_query(l, l->rows[0].curseur, true, 1, err);
		if (!r)
			return false;
		char *from = PQntuples(r) ? xstrdup(PQgetvalue(r, 0, 5)) : NULL;
		PQclear(r);
		list_clear_rows(l);
		l->before = from != NULL;
		if (!from)
			l->base = 0;
		bool ok = fetch_after(l, from, want, err) && list_count(l, err);
		free(from);
		if (!ok)
			return false;
	} else {
		list_clear_rows(l);
		l->before = false;
		if (!list_fetch(l, want, err) || !list_count(l, err))
			return false;
	}
	if (keep)
		for (size_t i = 0; i < l->n; i++)
			if (l->rows[i].id == keep)
				v->cursor = i;
	view_fix_cursor(v);
	return true;
}

static void
list_close(struct view *v)
{
	struct list *l = v->data;
	list_clear_rows(l);
	free(l->rows);
	free(l->type), free(l->type_name), free(l->search), free(l->etat);
	free(l->passe_par), free(l->depuis), free(l->jusqu_a), free(l->marks);
	json_object_put(l->def);
	free(l);
}

static size_t
list_rows(struct view *v)
{
	struct list *l = v->data;
	/* Load the next page when the cursor nears the end of what we have. */
	if (l->more && v->cursor + (size_t)v->body_h + 1 >= l->n) {
		struct err err = { 0 };
		if (!list_fetch(l, page_size(v), &err))
			l->more = false, ui_error(&err);
	}
	return l->n;
}

static bool
is_marked(struct list *l, long long id)
{
	for (size_t i = 0; i < l->nmarks; i++)
		if (l->marks[i] == id)
			return true;
	return false;
}

/* Column widths: mark, title (the rest), state, date, type columns. */
static int
col_width(struct list *l, size_t c)
{
	return l->col_w[c];
}

static size_t
cols_shown(struct list *l)
{
	size_t n = 0;
	int room = ui.cols - 2 - 21 - 17 - 22; /* keep 22 columns for the title */
	while (n < l->ncols && room >= col_width(l, n) + 1) {
		room -= col_width(l, n) + 1;
		n++;
	}
	return n;
}

static void
list_row(struct view *v, size_t i, struct row *r)
{
	struct list *l = v->data;
	struct drow *d = &l->rows[i];
	r->marked = is_marked(l, d->id);
	row_add(r, r->marked ? "*" : " ", 1, EL_DEFAULT);
	size_t nc = cols_shown(l);
	int tw = ui.cols - 2 - 21 - 17;
	for (size_t c = 0; c < nc; c++)
		tw -= col_width(l, c) + 1;
	row_add(r, d->titre[0] ? d->titre : _("(sans titre)"), tw, EL_DEFAULT);
	row_add(r, d->etat_label, 20, EL_STATE);
	row_add(r, d->date, 16, EL_DATE);
	for (size_t c = 0; c < nc; c++)
		row_add(r, d->cols[c], col_width(l, c), EL_DEFAULT);
}

static void
list_header(struct view *v, struct row *r)
{
	struct list *l = v->data;
	size_t nc = cols_shown(l);
	int tw = ui.cols - 2 - 21 - 17;
	for (size_t c = 0; c < nc; c++)
		tw -= col_width(l, c) + 1;
	row_add(r, " ", 1, EL_DEFAULT);
	row_add(r, _("Titre"), tw, EL_DEFAULT);
	row_add(r, _("Dernier état"), 20, EL_DEFAULT);
	row_add(r, _("Dern. changement"), 16, EL_DEFAULT);
	for (size_t c = 0; c < nc; c++)
		row_add(r, l->col_label[c], col_width(l, c), EL_DEFAULT);
}

static void
list_title(struct view *v, struct strbuf *sb)
{
	struct list *l = v->data;
	sb_add(sb, l->type_name);
	if (l->search)
		sb_printf(sb, _(" · « %s »"), l->search);
	if (l->etat)
		sb_printf(sb, _(" · état %s"), typedef_state_label(l->def, l->etat));
	if (l->passe_par)
		sb_printf(sb, _(" · passé par %s"), typedef_state_label(l->def, l->passe_par));
}

static void
list_position(struct view *v, struct strbuf *sb)
{
	struct list *l = v->data;
	long long first = l->n ? l->base + (long long)v->top + 1 : 0;
	size_t end = v->top + (size_t)v->body_h < l->n ? v->top + (size_t)v->body_h : l->n;
	long long last = l->n ? l->base + (long long)end : 0;
	if (l->nmarks)
		sb_printf(sb, _("%zu marqué(s) · "), l->nmarks);
	sb_printf(sb, _("Position %lld à %lld sur %s%lld"), first, last, l->estimated ? "~" : "",
		  l->total);
}

static void
reload(struct view *v)
{
	struct err err = { 0 };
	struct list *l = v->data;
	v->cursor = v->top = 0;
	l->base = 0;
	l->before = false;
	list_clear_rows(v->data);
	if (!list_open(v, &err))
		ui_error(&err);
}

static void
set_str(char **dst, char *s)
{
	free(*dst);
	*dst = s && *s ? s : NULL;
	if (s && !*s)
		free(s);
}

/* Picks a state of the type; NULL on Esc. Caller frees. */
static char *
pick_state(struct list *l, const char *title)
{
	struct json_object *st = js_get(l->def, "states");
	size_t n = js_len(st);
	const char **labels = xcalloc(n + 1, sizeof(*labels));
	labels[0] = _("(tous les états)");
	for (size_t i = 0; i < n; i++)
		labels[i + 1] = js_str(js_at(st, i), "label");
	int k = ui_pick(title, labels, n + 1, 0);
	free(labels);
	if (k < 0)
		return NULL;
	return xstrdup(k == 0 ? "" : js_str(js_at(st, (size_t)k - 1), "id"));
}

static void
toggle_mark(struct list *l, long long id)
{
	for (size_t i = 0; i < l->nmarks; i++) {
		if (l->marks[i] == id) {
			l->marks[i] = l->marks[--l->nmarks];
			return;
		}
	}
	l->marks = xrealloc(l->marks, (l->nmarks + 1) * sizeof(*l->marks));
	l->marks[l->nmarks++] = id;
}

void list_batch(struct view *v, long long *ids, size_t n);

static bool
list_request(struct view *v, enum action a)
{
	struct list *l = v->data;
	struct err err = { 0 };
	char *s;
	switch (a) {
	case ACT_ENTER:
		if (v->cursor < l->n)
			tui_open_dossier(l->rows[v->cursor].id);
		return true;
	case ACT_END:
		/* One backward keyset query for the last page, however long
		 * the list. */
		if (l->more) {
			size_t got;
			list_clear_rows(l);
			v->cursor = v->top = 0;
			if (!fetch_before(l, page_size(v), &got, &err))
				ui_error(&err);
			set_base_end(l);
		}
		if (l->n)
			view_set_cursor(v, l->n - 1);
		return true;
	case ACT_HOME:
		if (l->before) {
			l->base = 0;
			l->before = false;
			list_clear_rows(l);
			if (!list_fetch(l, page_size(v), &err))
				ui_error(&err);
		}
		view_set_cursor(v, 0);
		v->top = 0;
		return true;
	case ACT_UP:
	case ACT_PAGE_UP:
		/* Near the top of a window on the end: the rows before it. */
		if (l->before && v->cursor <= (size_t)v->body_h) {
			size_t got = 0;
			if (!fetch_before(l, page_size(v), &got, &err))
				ui_error(&err);
			v->cursor += got;
			v->top += got;
		}
		return false;
	case ACT_SEARCH:
		s = ui_prompt(_("Rechercher :"), l->search ? l->search : "");
		if (s) {
			set_str(&l->search, s);
			reload(v);
		}
		return true;
	case ACT_FILTER_STATE:
		s = pick_state(l, _("Filtrer par état courant"));
		if (s) {
			set_str(&l->etat, s);
			reload(v);
		}
		return true;
	case ACT_FILTER_DATE: {
		s = pick_state(l, _("Passé par l'état… (puis les dates)"));
		if (!s)
			return true;
		char *from = ui_prompt(_("Depuis le (AAAA-MM-JJ, vide = sans limite) :"),
				       l->depuis ? l->depuis : "");
		char *to = from ? ui_prompt(_("Jusqu'au (AAAA-MM-JJ, vide = sans limite) :"),
					    l->jusqu_a ? l->jusqu_a : "")
				: NULL;
		if (!to) {
			free(s), free(from);
			return true;
		}
		set_str(&l->passe_par, s);
		set_str(&l->depuis, from);
		set_str(&l->jusqu_a, to);
		reload(v);
		return true;
	}
	case ACT_FILTER_CLEAR:
		set_str(&l->search, NULL), set_str(&l->etat, NULL), set_str(&l->passe_par, NULL);
		set_str(&l->depuis, NULL), set_str(&l->jusqu_a, NULL);
		reload(v);
		return true;
	case ACT_MARK:
		if (v->cursor < l->n) {
			toggle_mark(l, l->rows[v->cursor].id);
			view_move(v, ACT_DOWN);
		}
		return true;
	case ACT_MARK_ALL: {
		size_t end = v->top + (size_t)v->body_h < l->n ? v->top + (size_t)v->body_h : l->n;
		bool all = true;
		for (size_t i = v->top; i < end; i++)
			all = all && is_marked(l, l->rows[i].id);
		for (size_t i = v->top; i < end; i++)
			if (all || !is_marked(l, l->rows[i].id))
				toggle_mark(l, l->rows[i].id);
		return true;
	}
	case ACT_BATCH:
		if (!l->nmarks) {
			ui_message(true, _("Aucun dossier marqué (Espace pour marquer)."));
			return true;
		}
		list_batch(v, l->marks, l->nmarks);
		return true;
	case ACT_CREATE: {
		char id[32];
		snprintf(id, sizeof(id), "%lld", (long long)ui.entite_id);
		const char *p[] = { id, l->type };
		PGresult *r = tui_query("SELECT liasse.dossier_create($1::bigint, $2)", 2, p, &err);
		if (!r) {
			ui_error(&err);
			return true;
		}
		long long nid = strtoll(PQgetvalue(r, 0, 0), NULL, 10);
		PQclear(r);
		tui_open_form(nid);
		return true;
	}
	default:
		return false;
	}
}

/* Clears the marks after a batch (called by the batch code). */
void list_marks_clear(struct view *v);

void
list_marks_clear(struct view *v)
{
	struct list *l = v->data;
	l->nmarks = 0;
}

static void
list_notify(struct view *v, const char *channel, const char *payload)
{
	(void)channel, (void)payload;
	struct err err = { 0 };
	if (!list_open(v, &err))
		ui_error(&err);
}

static const enum action list_keys[] = { ACT_ENTER, ACT_SEARCH, ACT_FILTER_STATE, ACT_MARK,
					 ACT_BATCH, ACT_CREATE, ACT_NONE };

static const struct view_ops list_ops = {
	.name = "list",
	.keymap = KEYMAP_LIST,
	.open = list_open,
	.close = list_close,
	.rows = list_rows,
	.row = list_row,
	.header = list_header,
	.title = list_title,
	.position = list_position,
	.request = list_request,
	.notify = list_notify,
	.keybar = list_keys,
};

void
tui_open_list(const char *type, const char *type_name)
{
	struct list *l = xcalloc(1, sizeof(*l));
	l->type = xstrdup(type);
	l->type_name = xstrdup(type_name);
	ui_push(view_new(&list_ops, l));
}

/* vim: set ts=8 sw=8 noexpandtab: */
