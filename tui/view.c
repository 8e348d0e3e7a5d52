/* Generic view behaviour: rows, cursor movement, scrolling. */
#include "tui/view.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

void
row_add(struct row *r, const char *text, int width, enum theme_elem elem)
{
	if (r->n == ROW_CELLS)
		return;
	r->c[r->n++] = (struct cell){ text ? text : "", elem, width, false };
}

void
row_addf(struct row *r, int width, enum theme_elem elem, const char *fmt, ...)
{
	if (r->n == ROW_CELLS || r->nowned == ROW_CELLS)
		return;
	struct strbuf sb = STRBUF_INIT;
	va_list ap;
	va_start(ap, fmt);
	char tmp[1024];
	vsnprintf(tmp, sizeof(tmp), fmt, ap);
	va_end(ap);
	sb_add(&sb, tmp);
	char *s = sb_take(&sb);
	r->owned[r->nowned++] = s;
	row_add(r, s, width, elem);
}

void
row_clear(struct row *r)
{
	for (size_t i = 0; i < r->nowned; i++)
		free(r->owned[i]);
	*r = (struct row){ 0 };
}

struct view *
view_new(const struct view_ops *ops, void *data)
{
	struct view *v = xcalloc(1, sizeof(*v));
	v->ops = ops;
	v->data = data;
	return v;
}

void
view_free(struct view **pv)
{
	struct view *v = *pv;
	if (!v)
		return;
	if (v->ops->close)
		v->ops->close(v);
	free(v);
	*pv = NULL;
}

static bool
row_selectable(struct view *v, size_t i)
{
	struct row r = { 0 };
	v->ops->row(v, i, &r);
	bool ok = !r.heading;
	row_clear(&r);
	return ok;
}

/* Moves from I in direction DIR to the nearest selectable row. */
static size_t
find_selectable(struct view *v, size_t i, int dir)
{
	size_t n = v->ops->rows(v);
	if (n == 0)
		return 0;
	if (i >= n)
		i = n - 1;
	size_t j = i;
	for (;;) {
		if (row_selectable(v, j))
			return j;
		if (dir > 0 ? j + 1 >= n : j == 0)
			break;
		j = dir > 0 ? j + 1 : j - 1;
	}
	/* Nothing that way: look the other way. */
	for (j = i;;) {
		if (row_selectable(v, j))
			return j;
		if (dir > 0 ? j == 0 : j + 1 >= n)
			return i;
		j = dir > 0 ? j - 1 : j + 1;
	}
}

void
view_fix_cursor(struct view *v)
{
	size_t n = v->ops->rows(v);
	int h = v->body_h > 0 ? v->body_h : 1;
	if (n == 0) {
		v->cursor = v->top = 0;
		return;
	}
	if (v->cursor >= n)
		v->cursor = n - 1;
	if (v->cursor < v->top)
		v->top = v->cursor;
	if (v->cursor >= v->top + (size_t)h)
		v->top = v->cursor - (size_t)h + 1;
	if (v->top + (size_t)h > n)
		v->top = n > (size_t)h ? n - (size_t)h : 0;
}

void
view_set_cursor(struct view *v, size_t i)
{
	v->cursor = i;
	view_fix_cursor(v);
}

bool
view_move(struct view *v, enum action a)
{
	size_t n = v->ops->rows(v);
	size_t h = v->body_h > 0 ? (size_t)v->body_h : 1;
	size_t old = v->cursor, oldtop = v->top;
	if (n == 0)
		return false;
	switch (a) {
	case ACT_UP:
		if (v->cursor > 0)
			v->cursor = find_selectable(v, v->cursor - 1, -1);
		break;
	case ACT_DOWN:
		if (v->cursor + 1 < n)
			v->cursor = find_selectable(v, v->cursor + 1, +1);
		break;
	case ACT_PAGE_UP:
		v->cursor = v->cursor > h ? v->cursor - h : 0;
		v->top = v->top > h ? v->top - h : 0;
		v->cursor = find_selectable(v, v->cursor, -1);
		break;
	case ACT_PAGE_DOWN:
		v->cursor = v->cursor + h < n ? v->cursor + h : n - 1;
		v->top = v->top + h < n ? v->top + h : v->top;
		v->cursor = find_selectable(v, v->cursor, +1);
		break;
	case ACT_HOME:
		v->cursor = find_selectable(v, 0, +1);
		break;
	case ACT_END:
		v->cursor = find_selectable(v, n - 1, -1);
		break;
	default:
		return false;
	}
	view_fix_cursor(v);
	return v->cursor != old || v->top != oldtop;
}

/* vim: set ts=8 sw=8 noexpandtab: */
