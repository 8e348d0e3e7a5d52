/* Text for the screen: the one sanitiser every string from users, files
 * or servers goes through before it is drawn (DESIGN.md decision 9), and
 * display-width helpers (wcwidth). Curses-free, unit-tested. */
#ifndef LIASSE_TUI_TEXT_H
#define LIASSE_TUI_TEXT_H
#include <stdbool.h>
#include <stddef.h>

#include "core/strbuf.h"

/* Appends to OUT a copy of the UTF-8 text IN (LEN bytes) that cannot
 * drive a terminal: C0 controls and DEL become caret notation ("^[" for
 * ESC, "^?" for DEL), a tab a space, C1 controls (U+0080-U+009F), bidi
 * overrides and isolates, line/paragraph separators, invalid UTF-8 and
 * non-printable characters a '?'. */
void ui_sanitize(const char *in, size_t len, struct strbuf *out);

/* Display width in columns of sanitised UTF-8 text S. */
int ui_text_width(const char *s);

/* Appends to OUT the text IN, sanitised, cut or padded with spaces to
 * exactly WIDTH columns; a cut text ends with '…'. Returns the number of
 * columns of actual text (before padding). */
int ui_text_fit(const char *in, int width, struct strbuf *out);

/* Where to cut TEXT for a line of WIDTH columns: strlen(TEXT) when it
 * fits whole, else the offset of the last space whose head fits, 0 when
 * even the first word is wider (the caller decides). */
size_t ui_text_cut(const char *text, int width);

/* Decodes one UTF-8 character at S (N bytes available) into *CP; returns
 * its length, or 0 when the bytes are not valid UTF-8. */
size_t ui_utf8_decode(const unsigned char *s, size_t n, unsigned *cp);

#endif
