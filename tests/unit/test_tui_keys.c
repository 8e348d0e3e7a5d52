/* Key bindings and themes: the parsers shared by tui/keys.default, the
 * user's keys file and the theme files. */
#include <curses.h>

#include "tests/unit/unit.h"
#include "tui/actions.c"
#include "tui/keys.c"
#include "tui/theme.c"

TEST(tui_key_names)
{
	CHECK(keys_parse_name("q") == 'q');
	CHECK(keys_parse_name("é") == 0xe9);
	CHECK(keys_parse_name("<Enter>") == (KEY_FN | KEY_ENTER));
	CHECK(keys_parse_name("<pgdn>") == (KEY_FN | KEY_NPAGE));
	CHECK(keys_parse_name("<F1>") == (KEY_FN | KEY_F(1)));
	CHECK(keys_parse_name("<F12>") == (KEY_FN | KEY_F(12)));
	CHECK(keys_parse_name("<C-l>") == 12);
	CHECK(keys_parse_name("<Space>") == ' ');
	CHECK(keys_parse_name("<F13>") == 0);
	CHECK(keys_parse_name("<Foo>") == 0);
	CHECK(keys_parse_name("ab") == 0);
	/* Round trip of every named key. */
	const char *names[] = { "<Enter>", "<Esc>", "<Tab>", "<BackTab>", "<Up>", "<PgUp>",
				"<Home>", "<End>", "<F5>", "<C-r>", "x", "<Space>" };
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		char buf[32];
		keys_name(keys_parse_name(names[i]), buf, sizeof(buf));
		CHECK_STR(buf, names[i]);
	}
	/* U+0152 (Œ) is a character, not a curses function key. */
	CHECK(keys_from_curses(0, 0x152) == 0x152);
	CHECK(keys_from_curses(1, KEY_F(1)) == (KEY_FN | KEY_F(1)));
	CHECK(keys_from_curses(0, '\r') == (KEY_FN | KEY_ENTER));
}

TEST(tui_keys_defaults_parse)
{
	struct keys k = { 0 };
	struct strbuf errs = STRBUF_INIT;
	CHECK(keys_parse_defaults(&k, &errs) == 0);
	CHECK_STR(sb_str(&errs), "");
	CHECK(keys_lookup(&k, KEYMAP_LIST, keys_parse_name("<F1>")) == ACT_HELP);
	CHECK(keys_lookup(&k, KEYMAP_LIST, keys_parse_name("/")) == ACT_SEARCH);
	CHECK(keys_lookup(&k, KEYMAP_LIST, ' ') == ACT_MARK);
	/* The form keymap unbinds q so that it cannot quit by accident. */
	CHECK(keys_lookup(&k, KEYMAP_FORM, 'q') == ACT_NONE);
	CHECK(keys_lookup(&k, KEYMAP_MENU, 'q') == ACT_QUIT);
	/* Every action but a few view-specific ones has a default key. */
	for (const struct action_info *a = action_table; a->help; a++) {
		if (!a->name)
			continue;
		bool bound = false;
		for (size_t i = 0; i < k.n; i++)
			bound = bound || k.b[i].act == a->act;
		if (!bound)
			printf("#   action sans touche : %s\n", a->name);
		CHECK(bound);
	}
	keys_free(&k);
	sb_free(&errs);
}

TEST(tui_keys_user_file_errors)
{
	const char *text = "# my keys\n"
			   "bind list <F5> search\n"
			   "bind nowhere q quit\n"
			   "bind list <Foo> quit\n"
			   "bind list x fly\n"
			   "bind list y\n"
			   "unbind list q\n"
			   "bind generic \"unterminated\n"
			   "bind dossier S action\n";
	struct keys k = { 0 };
	struct strbuf errs = STRBUF_INIT;
	CHECK(keys_parse(&k, "keys", text, strlen(text), &errs) == 6);
	const char *e = sb_str(&errs);
	CHECK(strstr(e, "keys:3: vue inconnue « nowhere »\n") != NULL);
	CHECK(strstr(e, "keys:4: touche inconnue « <Foo> »\n") != NULL);
	CHECK(strstr(e, "keys:5: action inconnue « fly »\n") != NULL);
	CHECK(strstr(e, "keys:6: « bind » attend trois arguments") != NULL);
	CHECK(strstr(e, "keys:7: mot-clé inconnu « unbind »") != NULL);
	CHECK(strstr(e, "keys:8: ") != NULL);
	/* Lines around the errors still count. */
	CHECK(keys_lookup(&k, KEYMAP_LIST, KEY_FN | KEY_F(5)) == ACT_SEARCH);
	CHECK(keys_lookup(&k, KEYMAP_DOSSIER, 'S') == ACT_ACTION);
	keys_free(&k);
	sb_free(&errs);
}

TEST(tui_themes_parse)
{
	static const char *const shipped[] = { "default", "dark", "high-contrast", "monochrome" };
	for (size_t i = 0; i < 4; i++) {
		struct theme t;
		struct strbuf errs = STRBUF_INIT;
		CHECK(theme_load(&t, shipped[i], &errs));
		CHECK_STR(sb_str(&errs), "");
		/* Every element is set by the default theme. */
		for (int e = 0; e < EL_MAX; e++)
			CHECK(t.c[e].set);
		sb_free(&errs);
	}
	struct theme t;
	struct strbuf errs = STRBUF_INIT;
	CHECK(!theme_load(&t, "nope", &errs));
	CHECK(strstr(sb_str(&errs), "thème inconnu : « nope »") != NULL);
	sb_reset(&errs);
	const char *text = "color cursor black color208 bold reverse\n"
			   "color nothing red blue\n"
			   "color title purple blue\n"
			   "color title red blue sparkle\n"
			   "color title red\n"
			   "colour title red blue\n";
	CHECK(theme_parse(&t, "x.theme", text, strlen(text), &errs) == 5);
	CHECK(t.c[EL_CURSOR].fg == 0 && t.c[EL_CURSOR].bg == 208);
	CHECK(t.c[EL_CURSOR].attrs == (THEME_A_BOLD | THEME_A_REVERSE));
	const char *e = sb_str(&errs);
	CHECK(strstr(e, "x.theme:2: élément inconnu « nothing »") != NULL);
	CHECK(strstr(e, "x.theme:3: couleur inconnue « purple »") != NULL);
	CHECK(strstr(e, "x.theme:4: attribut inconnu « sparkle »") != NULL);
	CHECK(strstr(e, "x.theme:5: ") != NULL);
	CHECK(strstr(e, "x.theme:6: mot-clé inconnu « colour »") != NULL);
	sb_free(&errs);
	/* Monochrome uses attributes only: no colour in it. */
	CHECK(theme_load(&t, "monochrome", &errs));
	for (int el = 0; el < EL_MAX; el++)
		CHECK(t.c[el].fg == -1 && t.c[el].bg == -1);
	CHECK(t.c[EL_CURSOR].attrs & THEME_A_REVERSE);
	sb_free(&errs);
}

TEST(tui_keys_home_end_aliases)
{
	/* tmux sends ESC [ 1 ~ / ESC [ 4 ~, which xterm's terminfo names Find/Select. */
	CHECK(keys_from_curses(1, KEY_FIND) == (KEY_FN | KEY_HOME));
	CHECK(keys_from_curses(1, KEY_SELECT) == (KEY_FN | KEY_END));
}
