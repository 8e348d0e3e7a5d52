/* One-line editor (see edit.h). */
#include "tui/edit.h"

#include <curses.h>
#include <string.h>

#include "tui/keys.h"
#include "tui/text.h"

void
lineedit_set(struct lineedit *e, const char *s)
{
	sb_reset(&e->text);
	sb_add(&e->text, s ? s : "");
	e->pos = e->text.len;
}

void
lineedit_free(struct lineedit *e)
{
	sb_free(&e->text);
	e->pos = 0;
}

static size_t
prev_char(const char *s, size_t pos)
{
	if (pos == 0)
		return 0;
	pos--;
	while (pos > 0 && ((unsigned char)s[pos] & 0xc0) == 0x80)
		pos--;
	return pos;
}

static size_t
next_char(const char *s, size_t len, size_t pos)
{
	if (pos >= len)
		return len;
	pos++;
	while (pos < len && ((unsigned char)s[pos] & 0xc0) == 0x80)
		pos++;
	return pos;
}

static void
insert(struct lineedit *e, const char *s, size_t n)
{
	struct strbuf nb = STRBUF_INIT;
	sb_addn(&nb, sb_str(&e->text), e->pos);
	sb_addn(&nb, s, n);
	sb_add(&nb, sb_str(&e->text) + e->pos);
	sb_free(&e->text);
	e->text = nb;
	e->pos += n;
}

static void
delete_range(struct lineedit *e, size_t from, size_t to)
{
	if (to <= from)
		return;
	struct strbuf nb = STRBUF_INIT;
	sb_addn(&nb, sb_str(&e->text), from);
	sb_add(&nb, sb_str(&e->text) + to);
	sb_free(&e->text);
	e->text = nb;
	e->pos = from;
}

bool
lineedit_key(struct lineedit *e, int key)
{
	const char *s = sb_str(&e->text);
	size_t len = e->text.len;
	if (key == (KEY_FN | KEY_LEFT)) {
		e->pos = prev_char(s, e->pos);
	} else if (key == (KEY_FN | KEY_RIGHT)) {
		e->pos = next_char(s, len, e->pos);
	} else if (key == (KEY_FN | KEY_HOME) || key == 1) {
		e->pos = 0;
	} else if (key == (KEY_FN | KEY_END) || key == 5) {
		e->pos = len;
	} else if (key == (KEY_FN | KEY_BACKSPACE)) {
		delete_range(e, prev_char(s, e->pos), e->pos);
	} else if (key == (KEY_FN | KEY_DC) || key == 4) {
		delete_range(e, e->pos, next_char(s, len, e->pos));
	} else if (key == 21) { /* ^U */
		delete_range(e, 0, e->pos);
	} else if (key == 11) { /* ^K */
		delete_range(e, e->pos, len);
	} else if (e->multiline && key == 10) { /* ^J: new line */
		insert(e, "\n", 1);
	} else if (!KEY_IS_FN(key) && key >= 0x20 && key != 0x7f && !(key >= 0x80 && key <= 0x9f)) {
		char buf[4];
		unsigned cp = (unsigned)key;
		size_t n;
		if (cp < 0x80) {
			buf[0] = (char)cp, n = 1;
		} else if (cp < 0x800) {
			buf[0] = (char)(0xc0 | (cp >> 6)), buf[1] = (char)(0x80 | (cp & 0x3f)), n = 2;
		} else if (cp < 0x10000) {
			buf[0] = (char)(0xe0 | (cp >> 12)), buf[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
			buf[2] = (char)(0x80 | (cp & 0x3f)), n = 3;
		} else {
			buf[0] = (char)(0xf0 | (cp >> 18)), buf[1] = (char)(0x80 | ((cp >> 12) & 0x3f));
			buf[2] = (char)(0x80 | ((cp >> 6) & 0x3f)), buf[3] = (char)(0x80 | (cp & 0x3f));
			n = 4;
		}
		insert(e, buf, n);
	} else {
		return false;
	}
	return true;
}

void
lineedit_view(const struct lineedit *e, int width, struct strbuf *out, int *curx)
{
	/* Show newlines as ↵ so multi-line text stays on one screen line. */
	struct strbuf shown = STRBUF_INIT;
	const char *s = sb_str(&e->text);
	size_t curbyte = 0;
	for (size_t i = 0; i <= e->text.len; i++) {
		if (i == e->pos)
			curbyte = shown.len;
		if (i == e->text.len)
			break;
		if (s[i] == '\n')
			sb_add(&shown, "↵");
		else
			sb_addc(&shown, s[i]);
	}
	struct strbuf clean = STRBUF_INIT, before = STRBUF_INIT;
	ui_sanitize(sb_str(&shown), curbyte, &before);
	int cx = ui_text_width(sb_str(&before));
	int skip = cx >= width ? cx - width + 1 : 0;
	/* Drop SKIP columns from the left. */
	ui_sanitize(sb_str(&shown), shown.len, &clean);
	const unsigned char *p = (const unsigned char *)sb_str(&clean);
	size_t i = 0;
	int dropped = 0;
	while (dropped < skip && i < clean.len) {
		unsigned cp;
		size_t n = ui_utf8_decode(p + i, clean.len - i, &cp);
		char tmp[8] = { 0 };
		memcpy(tmp, p + i, n);
		dropped += ui_text_width(tmp);
		i += n;
	}
	ui_text_fit((const char *)p + i, width, out);
	*curx = cx - dropped;
	sb_free(&shown);
	sb_free(&clean);
	sb_free(&before);
}

/* vim: set ts=8 sw=8 noexpandtab: */
