#include <errno.h>
#include <stdlib.h>
#include <unistd.h>

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

TEST(sb_read_file_limits_and_errors)
{
	char path[] = "/tmp/liasse-unit-XXXXXX";
	int fd = mkstemp(path);
	CHECK(fd >= 0);
	CHECK(write(fd, "0123456789", 10) == 10);
	close(fd);
	struct strbuf sb = STRBUF_INIT;
	CHECK(sb_read_file(&sb, path, 0) == 0);
	CHECK(sb.len == 10);
	CHECK_STR(sb_str(&sb), "0123456789");
	sb_free(&sb);
	CHECK(sb_read_file(&sb, path, 10) == 0);
	CHECK(sb.len == 10);
	sb_free(&sb);
	/* One byte over the limit: the limit + 1 bytes are kept. */
	CHECK(sb_read_file(&sb, path, 4) == 1);
	CHECK(sb.len == 5);
	CHECK_STR(sb_str(&sb), "01234");
	sb_free(&sb);
	/* Appended to what the buffer holds. */
	sb_add(&sb, "ab");
	CHECK(sb_read_file(&sb, path, 0) == 0);
	CHECK_STR(sb_str(&sb), "ab0123456789");
	sb_free(&sb);
	CHECK(truncate(path, 0) == 0);
	CHECK(sb_read_file(&sb, path, 0) == 0);
	CHECK(sb.len == 0 && sb.data != NULL);
	sb_free(&sb);
	unlink(path);
	errno = 0;
	CHECK(sb_read_file(&sb, path, 0) == -1);
	CHECK(errno == ENOENT);
	sb_free(&sb);
}
