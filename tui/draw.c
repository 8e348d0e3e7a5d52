/* The renderer (see draw.h). Only this file and ui.c call curses output
 * functions; every text goes through ui_text_fit(), hence ui_sanitize(). */
#include "tui/draw.h"

#include <curses.h>
#include <string.h>

#include "core/i18n.h"
#include "tui/text.h"
#include "tui/ui.h"

static void
put(int y, int x, const char *s, enum theme_elem e)
{
	attrset((attr_t)theme_attr(e));
	mvaddstr(y, x, s);
}

void
draw_row(int y, int x, int width, const struct row *r, bool cursor)
{
	enum theme_elem base = cursor ? EL_CURSOR : r->marked ? EL_MARKED : r->elem;
	struct strbuf sb = STRBUF_INIT;
	int col = 0;
	for (size_t i = 0; i < r->n && col < width; i++) {
		const struct cell *c = &r->c[i];
		int w = c->width > 0 ? c->width : width - col;
		if (w > width - col)
			w = width - col;
		enum theme_elem e = (cursor || r->marked || c->elem == EL_DEFAULT) ? base : c->elem;
		sb_reset(&sb);
		if (c->right) {
			struct strbuf t = STRBUF_INIT;
			int used = ui_text_fit(c->text, w, &t);
			for (int k = used; k < w; k++)
				sb_addc(&sb, ' ');
			sb_addn(&sb, t.data, strlen(t.data) - (size_t)(w - used));
			sb_free(&t);
		} else {
			ui_text_fit(c->text, w, &sb);
		}
		put(y, x + col, sb_str(&sb), e);
		col += w;
		if (col < width && i + 1 < r->n) {
			put(y, x + col, " ", base);
			col++;
		}
	}
	if (col < width) {
		sb_reset(&sb);
		for (int k = col; k < width; k++)
			sb_addc(&sb, ' ');
		put(y, x + col, sb_str(&sb), base);
	}
	sb_free(&sb);
}

static void
draw_title(struct view *v)
{
	struct row r = { .elem = EL_TITLE };
	struct strbuf right = STRBUF_INIT;
	if (v->ops->title)
		v->ops->title(v, &right);
	int rw = ui_text_width(sb_str(&right));
	if (rw > ui.cols / 2)
		rw = ui.cols / 2;
	row_addf(&r, ui.cols - rw - 1, EL_DEFAULT, "liasse · %s",
		 ui.entite_path[0] ? ui.entite_path : _("(aucune entité)"));
	row_add(&r, sb_str(&right), rw, EL_DEFAULT);
	r.c[1].right = true;
	draw_row(0, 0, ui.cols, &r, false);
	row_clear(&r);
	sb_free(&right);
}

static void
draw_status(struct view *v)
{
	struct row r = { .elem = EL_STATUS };
	struct strbuf pos = STRBUF_INIT;
	if (ui.db_lost) {
		r.elem = EL_BANNER;
		row_add(&r, _("Connexion à la base perdue — nouvelle tentative…"), 0, EL_DEFAULT);
	} else {
		if (v->ops->position)
			v->ops->position(v, &pos);
		int pw = ui_text_width(sb_str(&pos));
		if (pw > ui.cols / 2)
			pw = ui.cols / 2;
		struct strbuf left = STRBUF_INIT;
		sb_printf(&left, _("Base : %s │ %s"), ui.dbname, ui.user);
		if (ui.card[0])
			sb_printf(&left, _(" │ Carte : %s"), ui.card);
		row_addf(&r, ui.cols - pw - 1, EL_DEFAULT, "%s", sb_str(&left));
		row_add(&r, sb_str(&pos), pw, EL_DEFAULT);
		r.c[1].right = true;
		sb_free(&left);
	}
	draw_row(ui.lines - 2, 0, ui.cols, &r, false);
	row_clear(&r);
	sb_free(&pos);
}

static void
draw_keybar(struct view *v)
{
	struct row r = { .elem = ui.message[0] ? (ui.message_error ? EL_ERROR : EL_MESSAGE)
					       : EL_KEYBAR };
	if (ui.message[0]) {
		row_add(&r, ui.message, 0, EL_DEFAULT);
		draw_row(ui.lines - 1, 0, ui.cols, &r, false);
		return;
	}
	int col = 0;
	static const enum action always[] = { ACT_HELP, ACT_BACK, ACT_QUIT, ACT_NONE };
	for (int pass = 0; pass < 2; pass++) {
		const enum action *list = pass == 0 ? v->ops->keybar : always;
		for (size_t i = 0; list && list[i] != ACT_NONE; i++) {
			if (pass == 1 && v->ops->keymap == KEYMAP_MENU && list[i] == ACT_BACK)
				continue;
			int key = keys_first(&ui.keys, v->ops->keymap, list[i]);
			if (!key)
				continue;
			char kl[32];
			keys_label(key, kl, sizeof(kl));
			const char *label = action_label(list[i]);
			int need = ui_text_width(kl) + 1 + ui_text_width(label) + 1;
			if (col + need > ui.cols || r.n + 3 > ROW_CELLS)
				break;
			row_addf(&r, ui_text_width(kl), EL_KEY, "%s", kl);
			row_addf(&r, ui_text_width(label) + 1, EL_DEFAULT, "%s", label);
			col += need + 2;
		}
	}
	draw_row(ui.lines - 1, 0, ui.cols, &r, false);
	row_clear(&r);
}

void
draw_screen(void)
{
	struct view *v = ui_top();
	if (!v)
		return;
	int y = 1;
	if (v->ops->tabs) {
		struct row r = { .elem = EL_TAB };
		v->ops->tabs(v, &r);
		draw_row(y++, 0, ui.cols, &r, false);
		row_clear(&r);
	}
	if (v->ops->header) {
		struct row r = { .elem = EL_HEADER };
		v->ops->header(v, &r);
		draw_row(y++, 0, ui.cols, &r, false);
		row_clear(&r);
	}
	v->body_y = y;
	v->body_h = ui.lines - 2 - y;
	if (v->body_h < 1)
		v->body_h = 1;
	view_fix_cursor(v);
	size_t n = v->ops->rows(v);
	for (int i = 0; i < v->body_h && y + i < ui.lines - 2; i++) {
		size_t idx = v->top + (size_t)i;
		struct row r = { .elem = EL_DEFAULT };
		if (idx < n)
			v->ops->row(v, idx, &r);
		draw_row(y + i, 0, ui.cols, &r, idx < n && idx == v->cursor && !r.heading);
		row_clear(&r);
	}
	draw_title(v);
	draw_status(v);
	draw_keybar(v);
	int cy, cx;
	if (v->ops->cursor_pos && v->ops->cursor_pos(v, &cy, &cx)) {
		curs_set(1);
		move(cy, cx);
	} else {
		curs_set(0);
		move(ui.lines - 1, ui.cols - 1);
	}
	attrset(A_NORMAL);
	wnoutrefresh(stdscr);
}

/* vim: set ts=8 sw=8 noexpandtab: */
