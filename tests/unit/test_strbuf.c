#include "core/err.h"
#include "core/strbuf.h"
#include "tests/unit/unit.h"

TEST(strbuf_grows_and_formats)
{
	struct strbuf sb = STRBUF_INIT;
	CHECK_STR(sb_str(&sb), "");
	for (int i = 0; i < 1000; i++)
		sb_printf(&sb, "%d,", i);
	CHECK(sb.len == 3890);
	CHECK(strncmp(sb_str(&sb), "0,1,2,", 6) == 0);
	sb_reset(&sb);
	sb_add(&sb, "é");
	sb_addc(&sb, '!');
	CHECK_STR(sb_str(&sb), "é!");
	char *s = sb_take(&sb);
	CHECK_STR(s, "é!");
	CHECK(sb.data == NULL);
	free(s);
}

TEST(str_copy_truncates)
{
	char buf[4];
	str_copy(buf, sizeof(buf), "abcdef");
	CHECK_STR(buf, "abc");
}

TEST(err_set_returns_false_and_trims_detail)
{
	struct err e = { 0 };
	CHECK(!err_set(&e, ERR_INPUT, "Valeur « %s » invalide", "x"));
	CHECK_STR(e.msg, "Valeur « x » invalide");
	err_detail(&e, "server said: %s\n", "boom");
	CHECK_STR(e.detail, "server said: boom");
	CHECK(e.code == ERR_INPUT);
}
