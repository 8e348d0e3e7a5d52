/* A one-line text editor (search prompt, form fields): UTF-8 text,
 * cursor by characters, horizontal scrolling. Curses-free. */
#ifndef LIASSE_TUI_EDIT_H
#define LIASSE_TUI_EDIT_H
#include <stdbool.h>

#include "core/strbuf.h"

struct lineedit {
	struct strbuf text;
	size_t pos; /* byte offset of the cursor */
	bool multiline; /* Enter inserts a newline (textarea); shown as ↵ */
};

void lineedit_set(struct lineedit *e, const char *s);
void lineedit_free(struct lineedit *e);
/* Handles a key (see keys.h codes); true when it was an editing key. */
bool lineedit_key(struct lineedit *e, int key);
/* Appends to OUT the visible part for WIDTH columns and gives the cursor
 * column in *CURX. */
void lineedit_view(const struct lineedit *e, int width, struct strbuf *out, int *curx);

#endif
