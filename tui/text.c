/* The sanitiser and width helpers (see text.h). */
#include "tui/text.h"

#include <stdlib.h>
#include <string.h>
#include <wchar.h>

size_t
ui_utf8_decode(const unsigned char *s, size_t n, unsigned *cp)
{
	if (n == 0)
		return 0;
	unsigned c = s[0];
	size_t len;
	unsigned min;
	if (c < 0x80) {
		*cp = c;
		return 1;
	} else if ((c & 0xe0) == 0xc0) {
		len = 2, c &= 0x1f, min = 0x80;
	} else if ((c & 0xf0) == 0xe0) {
		len = 3, c &= 0x0f, min = 0x800;
	} else if ((c & 0xf8) == 0xf0) {
		len = 4, c &= 0x07, min = 0x10000;
	} else {
		return 0;
	}
	if (n < len)
		return 0;
	for (size_t i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		c = (c << 6) | (s[i] & 0x3f);
	}
	if (c < min || c > 0x10ffff || (c >= 0xd800 && c <= 0xdfff))
		return 0; /* overlong, out of range or surrogate */
	*cp = c;
	return len;
}

/* Characters that reorder or hide text: shown as '?'. */
static bool
is_format_control(unsigned cp)
{
	return cp == 0x061c || cp == 0x200e || cp == 0x200f || (cp >= 0x202a && cp <= 0x202e) ||
	       (cp >= 0x2066 && cp <= 0x2069) || cp == 0x2028 || cp == 0x2029 || cp == 0xfeff ||
	       (cp >= 0xfff9 && cp <= 0xfffb);
}

void
ui_sanitize(const char *in, size_t len, struct strbuf *out)
{
	const unsigned char *s = (const unsigned char *)in;
	size_t i = 0;
	sb_add(out, ""); /* never NULL data */
	while (i < len) {
		unsigned cp;
		size_t n = ui_utf8_decode(s + i, len - i, &cp);
		if (n == 0) {
			sb_addc(out, '?');
			i++;
			continue;
		}
		if (cp == '\t') {
			sb_addc(out, ' ');
		} else if (cp < 0x20) {
			sb_addc(out, '^');
			sb_addc(out, (char)(cp + 0x40));
		} else if (cp == 0x7f) {
			sb_add(out, "^?");
		} else if ((cp >= 0x80 && cp <= 0x9f) || is_format_control(cp) ||
			   (cp >= 0x80 && wcwidth((wchar_t)cp) < 0)) {
			sb_addc(out, '?');
		} else {
			sb_addn(out, (const char *)s + i, n);
		}
		i += n;
	}
}

int
ui_text_width(const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t len = strlen(s), i = 0;
	int w = 0;
	while (i < len) {
		unsigned cp;
		size_t n = ui_utf8_decode(p + i, len - i, &cp);
		if (n == 0) {
			w++, i++;
			continue;
		}
		int cw = cp < 0x80 ? 1 : wcwidth((wchar_t)cp);
		w += cw > 0 ? cw : 0;
		i += n;
	}
	return w;
}

int
ui_text_fit(const char *in, int width, struct strbuf *out)
{
	struct strbuf clean = STRBUF_INIT;
	if (width <= 0) {
		sb_add(out, "");
		return 0;
	}
	ui_sanitize(in ? in : "", in ? strlen(in) : 0, &clean);
	const unsigned char *p = (const unsigned char *)sb_str(&clean);
	size_t len = clean.len, i = 0;
	int used = 0;
	bool cut = ui_text_width(sb_str(&clean)) > width;
	int room = cut ? width - 1 : width; /* keep one column for '…' */
	while (i < len) {
		unsigned cp;
		size_t n = ui_utf8_decode(p + i, len - i, &cp);
		int cw = cp < 0x80 ? 1 : wcwidth((wchar_t)cp);
		if (cw < 0)
			cw = 0;
		if (used + cw > room)
			break;
		sb_addn(out, (const char *)p + i, n);
		used += cw;
		i += n;
	}
	if (cut) {
		sb_add(out, "…");
		used++;
	}
	for (int k = used; k < width; k++)
		sb_addc(out, ' ');
	sb_free(&clean);
	return used;
}

/* vim: set ts=8 sw=8 noexpandtab: */

size_t
ui_text_cut(const char *text, int width)
{
	size_t len = strlen(text), cut = 0;
	if (ui_text_width(text) <= width)
		return len;
	for (size_t i = 1; i < len; i++) {
		if (text[i] != ' ')
			continue;
		char *head = xstrndup(text, i);
		bool fits = ui_text_width(head) <= width;
		free(head);
		if (!fits)
			break;
		cut = i;
	}
	return cut;
}
