/* Themes: parser and curses colour pairs (see theme.h). */
#include "tui/theme.h"

#include <curses.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/embedded.h"
#include "core/i18n.h"
#include "core/tokenize.h"

static const char *const elem_names[] = {
#define THEME_NAME(id, name, help) name,
	THEME_ELEMENTS(THEME_NAME)
#undef THEME_NAME
};
static const char *const elem_help[] = {
#define THEME_HELP(id, name, help) help,
	THEME_ELEMENTS(THEME_HELP)
#undef THEME_HELP
};

const char *
theme_elem_name(enum theme_elem e)
{
	return e < EL_MAX ? elem_names[e] : "?";
}

const char *
theme_elem_help(enum theme_elem e)
{
	return e < EL_MAX ? _(elem_help[e]) : "?";
}

static const char *const color_names[] = {
	"black", "red", "green", "yellow", "blue", "magenta", "cyan", "white",
};

/* -1 = default, 0..255, -2 = invalid. */
static int
parse_color(const char *s)
{
	if (strcmp(s, "default") == 0)
		return -1;
	for (int i = 0; i < 8; i++) {
		if (strcmp(s, color_names[i]) == 0)
			return i;
		if (strncmp(s, "bright-", 7) == 0 && strcmp(s + 7, color_names[i]) == 0)
			return i + 8;
	}
	if (strncmp(s, "color", 5) == 0 && s[5]) {
		char *end;
		long n = strtol(s + 5, &end, 10);
		if (*end == '\0' && n >= 0 && n <= 255)
			return (int)n;
	}
	return -2;
}

static const struct {
	const char *name;
	unsigned bit;
} attr_names[] = {
	{ "normal", 0 },
	{ "bold", THEME_A_BOLD },
	{ "dim", THEME_A_DIM },
	{ "underline", THEME_A_UNDERLINE },
	{ "reverse", THEME_A_REVERSE },
	{ "standout", THEME_A_STANDOUT },
	{ "blink", THEME_A_BLINK },
	{ "italic", THEME_A_ITALIC },
};

static int
parse_attr(const char *s)
{
	for (size_t i = 0; i < sizeof(attr_names) / sizeof(attr_names[0]); i++)
		if (strcmp(s, attr_names[i].name) == 0)
			return (int)attr_names[i].bit;
	return -1;
}

static int
theme_line(struct theme *t, const struct tok_line *l, const char *name, struct strbuf *errs)
{
	const struct token *k = l->tok;
	for (size_t i = 0; i < l->n; i++) {
		if (k[i].kind == TOK_OPTION) {
			sb_printf(errs, _("%s:%d: argument inattendu « %s=%s »\n"), name, l->line,
				  k[i].key, k[i].value);
			return 1;
		}
	}
	if (strcmp(k[0].value, "color") != 0) {
		sb_printf(errs, _("%s:%d: mot-clé inconnu « %s » (attendu : color)\n"), name,
			  l->line, k[0].value);
		return 1;
	}
	if (l->n < 4) {
		sb_printf(errs, _("%s:%d: « color » attend un élément, une couleur de texte et une "
				  "couleur de fond\n"),
			  name, l->line);
		return 1;
	}
	int e = -1;
	for (int i = 0; i < EL_MAX; i++)
		if (strcmp(elem_names[i], k[1].value) == 0)
			e = i;
	if (e < 0) {
		sb_printf(errs, _("%s:%d: élément inconnu « %s »\n"), name, l->line, k[1].value);
		return 1;
	}
	int fg = parse_color(k[2].value), bg = parse_color(k[3].value);
	if (fg == -2 || bg == -2) {
		sb_printf(errs, _("%s:%d: couleur inconnue « %s »\n"), name, l->line,
			  fg == -2 ? k[2].value : k[3].value);
		return 1;
	}
	unsigned attrs = 0;
	for (size_t i = 4; i < l->n; i++) {
		int a = parse_attr(k[i].value);
		if (a < 0) {
			sb_printf(errs, _("%s:%d: attribut inconnu « %s »\n"), name, l->line,
				  k[i].value);
			return 1;
		}
		attrs |= (unsigned)a;
	}
	t->c[e] = (struct theme_color){ (short)fg, (short)bg, attrs, true };
	return 0;
}

int
theme_parse(struct theme *t, const char *name, const char *data, size_t len, struct strbuf *errs)
{
	struct tok_reader r;
	struct tok_line l = { 0 };
	char msg[256];
	int errline = 0, nerr = 0;
	enum tok_status st;
	tok_reader_init(&r, data, len);
	while ((st = tok_next(&r, &l, msg, sizeof(msg), &errline)) != TOK_END) {
		if (st == TOK_ERROR) {
			sb_printf(errs, "%s:%d: %s\n", name, errline, msg);
			nerr++;
		} else if (l.n > 0) {
			nerr += theme_line(t, &l, name, errs);
		}
	}
	tok_line_free(&l);
	return nerr;
}

bool ui_config_path(const char *file, char *buf, size_t n);

static bool
valid_theme_name(const char *s)
{
	if (!*s)
		return false;
	for (; *s; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') ||
		      (*s >= '0' && *s <= '9') || *s == '-' || *s == '_'))
			return false;
	return true;
}

static int
theme_parse_file(struct theme *t, const char *path, bool *found, struct strbuf *errs)
{
	FILE *f = fopen(path, "rb");
	*found = f != NULL;
	if (!f)
		return 0;
	struct strbuf sb = STRBUF_INIT;
	char buf[4096];
	size_t n;
	while ((n = fread(buf, 1, sizeof(buf), f)) > 0)
		sb_addn(&sb, buf, n);
	fclose(f);
	int nerr = theme_parse(t, path, sb_str(&sb), sb.len, errs);
	sb_free(&sb);
	return nerr;
}

bool
theme_load(struct theme *t, const char *name, struct strbuf *errs)
{
	memset(t, 0, sizeof(*t));
	for (int i = 0; i < EL_MAX; i++)
		t->c[i] = (struct theme_color){ -1, -1, 0, false };
	const struct embedded_file *def = embedded_find("themes/default.theme");
	if (def)
		theme_parse(t, def->name, def->data, def->len, errs);
	if (!name || strcmp(name, "default") == 0)
		return true;
	if (!valid_theme_name(name)) {
		sb_printf(errs, _("nom de thème invalide : « %s »\n"), name);
		return false;
	}
	char file[300], path[4096];
	snprintf(file, sizeof(file), "themes/%s.theme", name);
	bool found = false;
	if (ui_config_path(file, path, sizeof(path)))
		theme_parse_file(t, path, &found, errs);
	if (found)
		return true;
	const struct embedded_file *e = embedded_find(file);
	if (!e) {
		sb_printf(errs, _("thème inconnu : « %s » (thèmes livrés : default, dark, "
				  "high-contrast, monochrome)\n"),
			  name);
		return false;
	}
	theme_parse(t, e->name, e->data, e->len, errs);
	return true;
}

/* Curses side. */
static unsigned long elem_attr[EL_MAX];

static unsigned long
curses_attrs(unsigned a)
{
	unsigned long r = A_NORMAL;
	if (a & THEME_A_BOLD)
		r |= A_BOLD;
	if (a & THEME_A_DIM)
		r |= A_DIM;
	if (a & THEME_A_UNDERLINE)
		r |= A_UNDERLINE;
	if (a & THEME_A_REVERSE)
		r |= A_REVERSE;
	if (a & THEME_A_STANDOUT)
		r |= A_STANDOUT;
	if (a & THEME_A_BLINK)
		r |= A_BLINK;
#ifdef A_ITALIC
	if (a & THEME_A_ITALIC)
		r |= A_ITALIC;
#endif
	return r;
}

bool
theme_want_mono(void)
{
	const char *nc = getenv("NO_COLOR");
	if (nc && *nc)
		return true;
	return !has_colors();
}

void
theme_install(const struct theme *t, bool mono)
{
	if (!mono) {
		start_color();
		use_default_colors();
	}
	for (int i = 0; i < EL_MAX; i++) {
		const struct theme_color *c = &t->c[i];
		elem_attr[i] = curses_attrs(c->attrs);
		if (mono || !c->set)
			continue;
		short fg = c->fg, bg = c->bg;
		if (fg >= COLORS)
			fg = (short)(fg % 8);
		if (bg >= COLORS)
			bg = (short)(bg % 8);
		if (init_pair((short)(i + 1), fg, bg) == OK)
			elem_attr[i] |= COLOR_PAIR(i + 1);
	}
}

unsigned long
theme_attr(enum theme_elem e)
{
	return e < EL_MAX ? elem_attr[e] : A_NORMAL;
}

/* vim: set ts=8 sw=8 noexpandtab: */
