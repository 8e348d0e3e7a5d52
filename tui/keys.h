/* Key bindings: one keymap per view plus "generic". The defaults are
 * tui/keys.default, compiled into the binary and read by the same parser
 * as the user's $XDG_CONFIG_HOME/liasse/keys (see liasse-keys(5)):
 *
 *   bind <keymap> <key> <action>      # e.g. bind list <F5> refresh
 *
 * Lookup goes view keymap, then generic. A later line for the same key
 * of the same keymap replaces the earlier one; action "none" unbinds. */
#ifndef LIASSE_TUI_KEYS_H
#define LIASSE_TUI_KEYS_H
#include <stdbool.h>
#include <stddef.h>

#include "core/strbuf.h"
#include "tui/actions.h"

#define KEYMAP_LIST(_)                                                   \
	_(GENERIC, "generic", N_("Toutes les vues"))                     \
	_(MENU, "menu", N_("Types de dossiers"))                         \
	_(LIST, "list", N_("Liste de dossiers"))                         \
	_(DOSSIER, "dossier", N_("Dossier"))                             \
	_(FORM, "form", N_("Formulaire de modification"))                \
	_(JOURNAL, "journal", N_("Journal des événements"))              \
	_(ADMIN, "admin", N_("Administration"))                          \
	_(HELP, "help", N_("Aide"))                                      \
	_(PICKER, "picker", N_("Choix dans une liste"))

enum keymap {
#define KEYMAP_ENUM(id, name, label) KEYMAP_##id,
	KEYMAP_LIST(KEYMAP_ENUM)
#undef KEYMAP_ENUM
	KEYMAP_COUNT
};

/* A key: a Unicode code point, or KEY_FN | a curses KEY_* code (so that
 * function keys never collide with characters such as U+0152). */
#define KEY_FN 0x40000000
#define KEY_IS_FN(k) (((k) & KEY_FN) != 0)

struct binding {
	enum keymap map;
	int key;
	enum action act;
};

struct keys {
	struct binding *b;
	size_t n, cap;
};

/* Parses a keys file (NAME is used in messages); every error is appended
 * to ERRS as "name:line: raison\n" (French) and parsing goes on. Returns
 * the number of errors. */
int keys_parse(struct keys *k, const char *name, const char *data, size_t len,
	       struct strbuf *errs);
/* The compiled-in defaults, then the user's file when it exists
 * ($XDG_CONFIG_HOME/liasse/keys, else ~/.config/liasse/keys). */
int keys_load_all(struct keys *k, struct strbuf *errs);
/* Only the compiled-in defaults. */
int keys_parse_defaults(struct keys *k, struct strbuf *errs);
void keys_free(struct keys *k);

/* The action bound to KEY in MAP, falling back to generic; ACT_NONE. */
enum action keys_lookup(const struct keys *k, enum keymap map, int key);
/* The first key bound to ACT in MAP (or generic), 0 when none. */
int keys_first(const struct keys *k, enum keymap map, enum action act);
/* Key name as written in keys files ("<PgDn>", "q", "<C-l>"). */
void keys_name(int key, char *buf, size_t n);
/* Key name for the screen ("PgDn", "Entrée", "Échap", "^L"). */
void keys_label(int key, char *buf, size_t n);
/* Parses a key name; 0 when invalid. */
int keys_parse_name(const char *s);
/* Normalises a key read from curses (wget_wch result IS_FN). */
int keys_from_curses(int is_fn, unsigned ch);

const char *keymap_name(enum keymap m);
const char *keymap_label(enum keymap m);

#endif
