/* Key bindings: parser of keys files, lookup, key names (see keys.h). */
#include "tui/keys.h"

#include <curses.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/embedded.h"
#include "core/i18n.h"
#include "core/tokenize.h"
#include "tui/text.h"

static const char *const keymap_names[] = {
#define KEYMAP_NAME(id, name, label) name,
	KEYMAP_LIST(KEYMAP_NAME)
#undef KEYMAP_NAME
};
static const char *const keymap_labels[] = {
#define KEYMAP_LABEL(id, name, label) label,
	KEYMAP_LIST(KEYMAP_LABEL)
#undef KEYMAP_LABEL
};

const char *
keymap_name(enum keymap m)
{
	return m < KEYMAP_COUNT ? keymap_names[m] : "?";
}

const char *
keymap_label(enum keymap m)
{
	return m < KEYMAP_COUNT ? _(keymap_labels[m]) : "?";
}

static int
keymap_by_name(const char *s)
{
	for (int i = 0; i < KEYMAP_COUNT; i++)
		if (strcmp(keymap_names[i], s) == 0)
			return i;
	return -1;
}

/* Named keys: file name (between <>), screen label. */
static const struct {
	const char *name;
	const char *label;
	int key;
} named_keys[] = {
	{ "Enter", N_("Entrée"), KEY_FN | KEY_ENTER },
	{ "Esc", N_("Échap"), 27 },
	{ "Tab", "Tab", '\t' },
	{ "BackTab", "Maj-Tab", KEY_FN | KEY_BTAB },
	{ "Space", N_("Espace"), ' ' },
	{ "Up", "↑", KEY_FN | KEY_UP },
	{ "Down", "↓", KEY_FN | KEY_DOWN },
	{ "Left", "←", KEY_FN | KEY_LEFT },
	{ "Right", "→", KEY_FN | KEY_RIGHT },
	{ "PgUp", N_("PgPréc"), KEY_FN | KEY_PPAGE },
	{ "PgDn", N_("PgSuiv"), KEY_FN | KEY_NPAGE },
	{ "Home", N_("Début"), KEY_FN | KEY_HOME },
	{ "End", N_("Fin"), KEY_FN | KEY_END },
	{ "Backspace", N_("Retour arrière"), KEY_FN | KEY_BACKSPACE },
	{ "Del", N_("Suppr"), KEY_FN | KEY_DC },
	{ "Ins", N_("Inser"), KEY_FN | KEY_IC },
	{ "Lt", "<", '<' },
};

int
keys_from_curses(int is_fn, unsigned ch)
{
	if (is_fn) {
		if (ch == KEY_BACKSPACE)
			return KEY_FN | KEY_BACKSPACE;
		/* xterm's terminfo calls ESC [ 1 ~ and ESC [ 4 ~ Find and
		 * Select; tmux and the Linux console send them for Home/End. */
		if (ch == KEY_FIND || ch == KEY_A1)
			return KEY_FN | KEY_HOME;
		if (ch == KEY_SELECT || ch == KEY_C1)
			return KEY_FN | KEY_END;
		return KEY_FN | (int)ch;
	}
	if (ch == '\r' || ch == '\n')
		return KEY_FN | KEY_ENTER;
	if (ch == 127 || ch == 8)
		return KEY_FN | KEY_BACKSPACE;
	return (int)ch;
}

int
keys_parse_name(const char *s)
{
	size_t len = strlen(s);
	if (len >= 3 && s[0] == '<' && s[len - 1] == '>') {
		char name[32];
		if (len - 2 >= sizeof(name))
			return 0;
		memcpy(name, s + 1, len - 2);
		name[len - 2] = '\0';
		for (size_t i = 0; i < sizeof(named_keys) / sizeof(named_keys[0]); i++)
			if (strcasecmp(named_keys[i].name, name) == 0)
				return named_keys[i].key;
		if ((name[0] == 'F' || name[0] == 'f') && name[1]) {
			char *end;
			long n = strtol(name + 1, &end, 10);
			if (*end == '\0' && n >= 1 && n <= 12)
				return KEY_FN | KEY_F((int)n);
			return 0;
		}
		if ((name[0] == 'C' || name[0] == 'c') && name[1] == '-' && name[2] && !name[3]) {
			char c = name[2];
			if (c >= 'A' && c <= 'Z')
				c = (char)(c - 'A' + 'a');
			if (c >= 'a' && c <= 'z')
				return c - 'a' + 1;
		}
		return 0;
	}
	unsigned cp;
	size_t n = ui_utf8_decode((const unsigned char *)s, len, &cp);
	if (n == 0 || n != len || cp < 0x21 || cp == 0x7f || (cp >= 0x80 && cp <= 0x9f))
		return 0;
	return (int)cp;
}

static void
utf8_encode(unsigned cp, char *buf, size_t n)
{
	if (cp < 0x80)
		snprintf(buf, n, "%c", (char)cp);
	else if (cp < 0x800)
		snprintf(buf, n, "%c%c", (char)(0xc0 | (cp >> 6)), (char)(0x80 | (cp & 0x3f)));
	else if (cp < 0x10000)
		snprintf(buf, n, "%c%c%c", (char)(0xe0 | (cp >> 12)),
			 (char)(0x80 | ((cp >> 6) & 0x3f)), (char)(0x80 | (cp & 0x3f)));
	else
		snprintf(buf, n, "%c%c%c%c", (char)(0xf0 | (cp >> 18)),
			 (char)(0x80 | ((cp >> 12) & 0x3f)), (char)(0x80 | ((cp >> 6) & 0x3f)),
			 (char)(0x80 | (cp & 0x3f)));
}

static void
key_format(int key, char *buf, size_t n, bool label)
{
	for (size_t i = 0; i < sizeof(named_keys) / sizeof(named_keys[0]); i++) {
		if (named_keys[i].key != key || (label && key == '<'))
			continue;
		if (label)
			snprintf(buf, n, "%s", _(named_keys[i].label));
		else
			snprintf(buf, n, "<%s>", named_keys[i].name);
		return;
	}
	if (KEY_IS_FN(key)) {
		int k = key & ~KEY_FN;
		if (k >= KEY_F(1) && k <= KEY_F(12))
			snprintf(buf, n, label ? "F%d" : "<F%d>", k - KEY_F0);
		else
			snprintf(buf, n, label ? "?" : "<?>");
	} else if (key >= 1 && key <= 26) {
		snprintf(buf, n, label ? "^%c" : "<C-%c>", label ? 'A' + key - 1 : 'a' + key - 1);
	} else {
		utf8_encode((unsigned)key, buf, n);
	}
}

void
keys_name(int key, char *buf, size_t n)
{
	key_format(key, buf, n, false);
}

void
keys_label(int key, char *buf, size_t n)
{
	key_format(key, buf, n, true);
}

static void
keys_set(struct keys *k, enum keymap map, int key, enum action act)
{
	for (size_t i = 0; i < k->n; i++) {
		if (k->b[i].map == map && k->b[i].key == key) {
			k->b[i].act = act;
			return;
		}
	}
	if (k->n == k->cap) {
		k->cap = k->cap ? 2 * k->cap : 64;
		k->b = xrealloc(k->b, k->cap * sizeof(*k->b));
	}
	k->b[k->n++] = (struct binding){ map, key, act };
}

static int
keys_line(struct keys *k, const struct tok_line *l, const char *name, struct strbuf *errs)
{
	const struct token *t = l->tok;
	if (t[0].kind != TOK_WORD || strcmp(t[0].value, "bind") != 0) {
		sb_printf(errs, _("%s:%d: mot-clé inconnu « %s » (attendu : bind)\n"), name, l->line,
			  t[0].kind == TOK_OPTION ? t[0].key : t[0].value);
		return 1;
	}
	if (l->n != 4) {
		sb_printf(errs, _("%s:%d: « bind » attend trois arguments : vue, touche, action\n"),
			  name, l->line);
		return 1;
	}
	for (size_t i = 1; i < 4; i++) {
		if (t[i].kind == TOK_OPTION) {
			sb_printf(errs, _("%s:%d: argument inattendu « %s=%s »\n"), name, l->line,
				  t[i].key, t[i].value);
			return 1;
		}
	}
	int map = keymap_by_name(t[1].value);
	if (map < 0) {
		sb_printf(errs, _("%s:%d: vue inconnue « %s »\n"), name, l->line, t[1].value);
		return 1;
	}
	int key = keys_parse_name(t[2].value);
	if (key == 0) {
		sb_printf(errs, _("%s:%d: touche inconnue « %s »\n"), name, l->line, t[2].value);
		return 1;
	}
	int act = action_by_name(t[3].value);
	if (act < 0) {
		sb_printf(errs, _("%s:%d: action inconnue « %s »\n"), name, l->line, t[3].value);
		return 1;
	}
	keys_set(k, (enum keymap)map, key, (enum action)act);
	return 0;
}

int
keys_parse(struct keys *k, const char *name, const char *data, size_t len, struct strbuf *errs)
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
			continue;
		}
		if (l.n > 0)
			nerr += keys_line(k, &l, name, errs);
	}
	tok_line_free(&l);
	return nerr;
}

static char *
read_file(const char *path, size_t *len)
{
	struct strbuf sb = STRBUF_INIT;
	if (sb_read_file(&sb, path, 0) != 0) {
		sb_free(&sb);
		return NULL;
	}
	*len = sb.len;
	return sb_take(&sb);
}

/* Path of a file in liasse's configuration folder; false when no home. */
bool ui_config_path(const char *file, char *buf, size_t n);

bool
ui_config_path(const char *file, char *buf, size_t n)
{
	const char *x = getenv("XDG_CONFIG_HOME");
	if (x && *x)
		return (size_t)snprintf(buf, n, "%s/liasse/%s", x, file) < n;
	const char *h = getenv("HOME");
	if (!h || !*h)
		return false;
	return (size_t)snprintf(buf, n, "%s/.config/liasse/%s", h, file) < n;
}

int
keys_parse_defaults(struct keys *k, struct strbuf *errs)
{
	const struct embedded_file *def = embedded_find("tui/keys.default");
	return def ? keys_parse(k, "tui/keys.default", def->data, def->len, errs) : 0;
}

int
keys_load_all(struct keys *k, struct strbuf *errs)
{
	int nerr = keys_parse_defaults(k, errs);
	char path[4096];
	size_t len;
	char *data;
	if (ui_config_path("keys", path, sizeof(path)) && (data = read_file(path, &len))) {
		nerr += keys_parse(k, path, data, len, errs);
		free(data);
	}
	return nerr;
}

void
keys_free(struct keys *k)
{
	free(k->b);
	k->b = NULL;
	k->n = k->cap = 0;
}

static enum action
lookup_one(const struct keys *k, enum keymap map, int key, bool *found)
{
	for (size_t i = 0; i < k->n; i++) {
		if (k->b[i].map == map && k->b[i].key == key) {
			*found = true;
			return k->b[i].act;
		}
	}
	*found = false;
	return ACT_NONE;
}

enum action
keys_lookup(const struct keys *k, enum keymap map, int key)
{
	bool found;
	enum action a = lookup_one(k, map, key, &found);
	if (found || map == KEYMAP_GENERIC)
		return a;
	return lookup_one(k, KEYMAP_GENERIC, key, &found);
}

int
keys_first(const struct keys *k, enum keymap map, enum action act)
{
	for (int pass = 0; pass < 2; pass++) {
		enum keymap m = pass == 0 ? map : KEYMAP_GENERIC;
		for (size_t i = 0; i < k->n; i++)
			if (k->b[i].map == m && k->b[i].act == act &&
			    keys_lookup(k, map, k->b[i].key) == act)
				return k->b[i].key;
	}
	return 0;
}

/* vim: set ts=8 sw=8 noexpandtab: */
