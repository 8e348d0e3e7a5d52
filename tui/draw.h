/* The one renderer: draws rows of cells (widths with wcwidth, truncation,
 * cursor line, marks, sanitising, theme elements) and the screen frame. */
#ifndef LIASSE_TUI_DRAW_H
#define LIASSE_TUI_DRAW_H
#include "tui/view.h"

/* Draws R on screen line Y from column X over WIDTH columns; CURSOR
 * draws it as the selected line. */
void draw_row(int y, int x, int width, const struct row *r, bool cursor);
/* Draws the whole screen for the top view into curses' virtual screen
 * (no terminal output until doupdate()). */
void draw_screen(void);

#endif
