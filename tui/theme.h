/* Colour themes: files of `color <element> <fg> <bg> [attrs...]` lines
 * (see liasse-themes(5)). themes/default.theme is compiled in and always
 * read first; the chosen theme (--theme, `theme` in the config file) is
 * read on top of it. Without colours (no has_colors(), NO_COLOR, or
 * TERM=xterm-mono) themes/monochrome.theme is used and only attributes
 * count. Views never name a colour: they name an element. */
#ifndef LIASSE_TUI_THEME_H
#define LIASSE_TUI_THEME_H
#include <stdbool.h>
#include <stddef.h>

#include "core/strbuf.h"

#define THEME_ELEMENTS(_)                                                        \
	_(DEFAULT, "default", N_("texte ordinaire"))                             \
	_(TITLE, "title", N_("ligne du haut : entité et écran"))                 \
	_(HEADER, "header", N_("en-têtes de colonnes"))                          \
	_(CURSOR, "cursor", N_("ligne sélectionnée"))                            \
	_(MARKED, "marked", N_("ligne marquée"))                                 \
	_(STATUS, "status", N_("ligne d'état (base, utilisateur, carte)"))       \
	_(KEYBAR, "keybar", N_("barre des touches, en bas"))                     \
	_(KEY, "key", N_("nom d'une touche dans la barre des touches"))          \
	_(MESSAGE, "message", N_("message d'information"))                       \
	_(ERROR, "error", N_("message d'erreur"))                                \
	_(BANNER, "banner", N_("bandeau d'alerte (connexion perdue)"))           \
	_(FAMILY, "family", N_("famille de types dans le menu"))                 \
	_(COUNT, "count", N_("nombre de dossiers"))                              \
	_(TAB, "tab", N_("onglet"))                                              \
	_(TAB_ACTIVE, "tab-active", N_("onglet courant"))                        \
	_(LABEL, "label", N_("libellé d'un champ"))                              \
	_(REQUIRED, "required", N_("marque de champ obligatoire"))               \
	_(FIELD, "field", N_("valeur d'un champ"))                               \
	_(FIELD_EDIT, "field-edit", N_("champ en cours de saisie"))              \
	_(FIELD_ERROR, "field-error", N_("message de validation d'un champ"))    \
	_(STATE, "state", N_("état d'un dossier"))                               \
	_(DATE, "date", N_("dates"))                                             \
	_(HELP_KEY, "help-key", N_("touches dans l'aide"))                       \
	_(HELP_GROUP, "help-group", N_("titres de l'aide"))

enum theme_elem {
#define THEME_ENUM(id, name, help) EL_##id,
	THEME_ELEMENTS(THEME_ENUM)
#undef THEME_ENUM
	EL_MAX
};

struct theme_color {
	short fg, bg; /* -1 = terminal default */
	unsigned attrs; /* THEME_A_* */
	bool set;
};

enum {
	THEME_A_BOLD = 1,
	THEME_A_DIM = 2,
	THEME_A_UNDERLINE = 4,
	THEME_A_REVERSE = 8,
	THEME_A_STANDOUT = 16,
	THEME_A_BLINK = 32,
	THEME_A_ITALIC = 64,
};

struct theme {
	struct theme_color c[EL_MAX];
};

/* Parses theme text (NAME used in messages) on top of T; each error is
 * appended to ERRS as "name:line: raison\n" and parsing goes on. Returns
 * the number of errors. */
int theme_parse(struct theme *t, const char *name, const char *data, size_t len,
		struct strbuf *errs);
/* Loads default.theme then NAME (NULL = default): the user's
 * $XDG_CONFIG_HOME/liasse/themes/NAME.theme, else the compiled-in
 * themes/NAME.theme. False (+ French message in ERRS) when NAME is unknown. */
bool theme_load(struct theme *t, const char *name, struct strbuf *errs);

const char *theme_elem_name(enum theme_elem e);
const char *theme_elem_help(enum theme_elem e);

/* Curses side (theme.c): installs T (colour pairs) for the screen; MONO
 * ignores colours. theme_attr() gives the attributes for an element. */
void theme_install(const struct theme *t, bool mono);
unsigned long theme_attr(enum theme_elem e);
/* True when the terminal should get no colours (NO_COLOR, no has_colors()). */
bool theme_want_mono(void);

#endif
