/* Views: each screen is a `const struct view_ops` in its own file that
 * gives rows of cells; one renderer (draw.c) draws them (STYLE.md §6.3-4).
 * The generic list behaviour (cursor, scrolling, marks) lives in view.c. */
#ifndef LIASSE_TUI_VIEW_H
#define LIASSE_TUI_VIEW_H
#include <stdbool.h>
#include <stddef.h>

#include "core/err.h"
#include "core/strbuf.h"
#include "tui/actions.h"
#include "tui/keys.h"
#include "tui/theme.h"

#define ROW_CELLS 32

/* One cell of a row; TEXT is raw (the renderer sanitises it). */
struct cell {
	const char *text;
	enum theme_elem elem; /* EL_DEFAULT: the row's element */
	int width;            /* columns; 0 = the rest of the line */
	bool right;           /* right-aligned */
};

/* What a view gives for one line of its body. */
struct row {
	struct cell c[ROW_CELLS];
	size_t n;
	enum theme_elem elem; /* element of the whole row */
	bool heading;         /* not selectable (a family title...) */
	bool marked;
	char *owned[ROW_CELLS]; /* strings made by row_printf, freed after drawing */
	size_t nowned;
};

struct view;

struct view_ops {
	const char *name;
	enum keymap keymap;
	/* Loads (or reloads) the data; false + err on failure. */
	bool (*open)(struct view *v, struct err *err);
	void (*close)(struct view *v);
	size_t (*rows)(struct view *v);
	void (*row)(struct view *v, size_t i, struct row *r);
	/* Optional: column headers, a line of tabs, the right part of the
	 * title line, the position text of the status line. */
	void (*header)(struct view *v, struct row *r);
	void (*tabs)(struct view *v, struct row *r);
	void (*title)(struct view *v, struct strbuf *sb);
	void (*position)(struct view *v, struct strbuf *sb);
	/* Handles an action; false to let the generic code do it. */
	bool (*request)(struct view *v, enum action a);
	/* Optional: raw key before bindings (text entry); true when used. */
	bool (*key)(struct view *v, int key);
	/* Optional: a NOTIFY arrived on CHANNEL. */
	void (*notify)(struct view *v, const char *channel, const char *payload);
	/* Optional: where the terminal cursor goes (editing); false = hidden. */
	bool (*cursor_pos)(struct view *v, int *y, int *x);
	/* The main actions shown in the key bar, ACT_NONE-terminated. */
	const enum action *keybar;
};

struct view {
	const struct view_ops *ops;
	void *data;
	size_t cursor, top; /* selected row, first row shown */
	int body_y, body_h; /* set by the renderer */
	struct view *parent;
};

/* Appends a cell to R. */
void row_add(struct row *r, const char *text, int width, enum theme_elem elem);
/* Same with a formatted text owned by the row. */
void row_addf(struct row *r, int width, enum theme_elem elem, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
void row_clear(struct row *r);

/* Creates a view (not yet opened); view_free closes and frees it. */
struct view *view_new(const struct view_ops *ops, void *data);
void view_free(struct view **v);

/* Generic movement over selectable rows; true when something changed. */
bool view_move(struct view *v, enum action a);
/* Keeps the cursor inside the rows and on the screen. */
void view_fix_cursor(struct view *v);
void view_set_cursor(struct view *v, size_t i);

#endif
