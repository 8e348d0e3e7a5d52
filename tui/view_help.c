/* Help screen (F1, ?): generated from the action table and the key
 * bindings of the view it was opened from. */
#include <stdlib.h>
#include <string.h>

#include "core/i18n.h"
#include "tui/ui.h"

struct help_line {
	char *keys; /* NULL: a group heading */
	const char *text;
};

struct help {
	struct help_line *l;
	size_t n;
	enum keymap map;
};

static void
help_add(struct help *h, char *keys, const char *text)
{
	h->l = xrealloc(h->l, (h->n + 1) * sizeof(*h->l));
	h->l[h->n++] = (struct help_line){ keys, text };
}

/* Every key bound to A that really reaches A in MAP, as "F1, ?". */
static char *
keys_for(enum keymap map, enum action a)
{
	struct strbuf sb = STRBUF_INIT;
	for (int pass = 0; pass < 2; pass++) {
		enum keymap m = pass == 0 ? map : KEYMAP_GENERIC;
		if (pass == 1 && map == KEYMAP_GENERIC)
			break;
		for (size_t i = 0; i < ui.keys.n; i++) {
			const struct binding *b = &ui.keys.b[i];
			if (b->map != m || b->act != a || keys_lookup(&ui.keys, map, b->key) != a)
				continue;
			char name[32];
			keys_label(b->key, name, sizeof(name));
			if (sb.len)
				sb_add(&sb, ", ");
			sb_add(&sb, name);
		}
	}
	return sb.len ? sb_take(&sb) : NULL;
}

static bool
help_open(struct view *v, struct err *err)
{
	(void)err;
	struct help *h = v->data;
	if (h->n)
		return true;
	const char *group = NULL;
	for (const struct action_info *a = action_table; a->help; a++) {
		if (!a->name) {
			group = a->help;
			continue;
		}
		char *k = keys_for(h->map, a->act);
		if (!k)
			continue;
		if (group) {
			help_add(h, NULL, _(group));
			group = NULL;
		}
		help_add(h, k, _(a->help));
	}
	return true;
}

static void
help_close(struct view *v)
{
	struct help *h = v->data;
	for (size_t i = 0; i < h->n; i++)
		free(h->l[i].keys);
	free(h->l);
	free(h);
}

static size_t
help_rows(struct view *v)
{
	return ((struct help *)v->data)->n;
}

static void
help_row(struct view *v, size_t i, struct row *r)
{
	struct help_line *l = &((struct help *)v->data)->l[i];
	if (!l->keys) {
		row_add(r, l->text, 0, EL_HELP_GROUP);
		return;
	}
	row_add(r, "", 1, EL_DEFAULT);
	row_add(r, l->keys, 24, EL_HELP_KEY);
	row_add(r, l->text, 0, EL_DEFAULT);
}

static void
help_title(struct view *v, struct strbuf *sb)
{
	sb_printf(sb, _("Aide : %s"), keymap_label(((struct help *)v->data)->map));
}

static void
help_position(struct view *v, struct strbuf *sb)
{
	(void)v;
	sb_add(sb, _("man liasse-keys pour changer les touches"));
}

static bool
help_request(struct view *v, enum action a)
{
	(void)v;
	if (a == ACT_HELP || a == ACT_ENTER || a == ACT_QUIT) {
		ui_pop();
		return true;
	}
	return false;
}

static const enum action help_keys[] = { ACT_PAGE_DOWN, ACT_NONE };

static const struct view_ops help_ops = {
	.name = "help",
	.keymap = KEYMAP_HELP,
	.open = help_open,
	.close = help_close,
	.rows = help_rows,
	.row = help_row,
	.title = help_title,
	.position = help_position,
	.request = help_request,
	.keybar = help_keys,
};

void ui_open_help(void);

void
ui_open_help(void)
{
	struct view *top = ui_top();
	if (top && top->ops == &help_ops)
		return;
	struct help *h = xcalloc(1, sizeof(*h));
	h->map = top ? top->ops->keymap : KEYMAP_GENERIC;
	ui_push(view_new(&help_ops, h));
}

/* vim: set ts=8 sw=8 noexpandtab: */
