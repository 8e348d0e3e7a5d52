/* The TUI's sanitiser and width helpers (tui/text.c is curses-free; the
 * unit binary does not link tui/, so the source is compiled in here). */
#include <locale.h>

#include "tests/unit/unit.h"
#include "tui/text.c"

static char *
san(const char *s)
{
	static char buf[512];
	struct strbuf sb = STRBUF_INIT;
	ui_sanitize(s, strlen(s), &sb);
	snprintf(buf, sizeof(buf), "%s", sb_str(&sb));
	sb_free(&sb);
	return buf;
}

TEST(tui_sanitize_controls)
{
	setlocale(LC_ALL, "C.UTF-8");
	CHECK_STR(san("abc"), "abc");
	CHECK_STR(san("a\033[2Jb"), "a^[[2Jb");
	CHECK_STR(san("\033]2;titre\007x"), "^[]2;titre^Gx");
	CHECK_STR(san("l1\nl2\r"), "l1^Jl2^M");
	CHECK_STR(san("a\tb"), "a b");
	CHECK_STR(san("del\177"), "del^?");
	/* C1 controls (CSI as U+009B) and bidi overrides become '?'. */
	CHECK_STR(san("x\302\233y"), "x?y");
	CHECK_STR(san("x\342\200\256y\342\201\246z"), "x?y?z");
	/* Invalid UTF-8, overlong encodings and surrogates. */
	CHECK_STR(san("a\377b"), "a?b");
	CHECK_STR(san("\300\257"), "??");
	CHECK_STR(san("\355\240\200"), "???");
	/* French text is kept as is. */
	CHECK_STR(san("Délibération n° 3 — œ €"), "Délibération n° 3 — œ €");
}

TEST(tui_text_width_and_fit)
{
	setlocale(LC_ALL, "C.UTF-8");
	CHECK(ui_text_width("abc") == 3);
	CHECK(ui_text_width("été") == 3);
	CHECK(ui_text_width("日本") == 4);
	struct strbuf sb = STRBUF_INIT;
	CHECK(ui_text_fit("abc", 5, &sb) == 3);
	CHECK_STR(sb_str(&sb), "abc  ");
	sb_reset(&sb);
	CHECK(ui_text_fit("Délibération", 6, &sb) == 6);
	CHECK_STR(sb_str(&sb), "Délib…");
	sb_reset(&sb);
	/* A wide character never straddles the edge. */
	ui_text_fit("a日本", 4, &sb);
	CHECK_STR(sb_str(&sb), "a日…");
	CHECK(ui_text_width(sb_str(&sb)) == 4);
	sb_reset(&sb);
	/* Sanitised before fitting: ESC takes two visible columns. */
	ui_text_fit("\033[2J", 4, &sb);
	CHECK_STR(sb_str(&sb), "^[[…");
	sb_free(&sb);
}

TEST(tui_text_cut_at_spaces)
{
	setlocale(LC_ALL, "C.UTF-8");
	CHECK(ui_text_cut("court", 10) == 5);
	/* Columns, not bytes: « été été » is 7 columns, 11 bytes. */
	CHECK(ui_text_cut("été été", 7) == 11);
	CHECK(ui_text_cut("été été été", 8) == 11);
	CHECK(ui_text_cut("été été été", 6) == 5);
	CHECK(ui_text_cut("un deux trois", 8) == 7);
	CHECK(ui_text_cut("un deux trois", 7) == 7);
	CHECK(ui_text_cut("un deux trois", 6) == 2);
	CHECK(ui_text_cut("anticonstitutionnellement oui", 10) == 0);
}
