/* core/targz.c: members of a .tar.gz built here with zlib (ustar headers
 * written by hand), and the archives it must refuse with a message. */
#include <stdio.h>
#include <string.h>
#include <zlib.h>

#include "core/strbuf.h"
#include "core/targz.h"
#include "tests/unit/unit.h"

/* A ustar header for NAME (in PREFIX when not NULL) of SIZE bytes. */
static void
header(struct strbuf *tar, const char *prefix, const char *name, size_t size, char type)
{
	char h[512];
	memset(h, 0, sizeof h);
	snprintf(h, 100, "%s", name);
	snprintf(h + 100, 8, "0000644");
	char oct[32];
	snprintf(oct, sizeof oct, "%011zo", size); /* sizes of the tests fit 11 digits */
	memcpy(h + 124, oct, 12);
	h[156] = type;
	memcpy(h + 257, "ustar", 6);
	memcpy(h + 263, "00", 2);
	if (prefix)
		snprintf(h + 345, 155, "%s", prefix);
	sb_addn(tar, h, sizeof h);
}

static void
member(struct strbuf *tar, const char *prefix, const char *name, const char *data, char type)
{
	size_t n = strlen(data);
	header(tar, prefix, name, n, type);
	sb_addn(tar, data, n);
	static const char zero[512];
	if (n % 512)
		sb_addn(tar, zero, 512 - n % 512);
}

/* gzip of TAR (two zero blocks appended). */
static void
gzip_tar(struct strbuf *tar, struct strbuf *gz)
{
	static const char zero[1024];
	sb_addn(tar, zero, sizeof zero);
	z_stream z;
	memset(&z, 0, sizeof z);
	deflateInit2(&z, 9, Z_DEFLATED, 16 + MAX_WBITS, 8, Z_DEFAULT_STRATEGY);
	char out[1 << 16];
	z.next_in = (unsigned char *)tar->data;
	z.avail_in = (uInt)tar->len;
	int rc;
	do {
		z.next_out = (unsigned char *)out;
		z.avail_out = sizeof out;
		rc = deflate(&z, Z_FINISH);
		sb_addn(gz, out, sizeof out - z.avail_out);
	} while (rc == Z_OK);
	deflateEnd(&z);
}

struct seen {
	struct strbuf names;
	size_t bytes;
};

static bool
collect(const char *name, const char *data, size_t size, void *arg, struct err *err)
{
	(void)data;
	(void)err;
	struct seen *s = arg;
	sb_printf(&s->names, "%s:%zu ", name, size);
	s->bytes += size;
	return true;
}

TEST(targz_members_in_order)
{
	struct strbuf tar = STRBUF_INIT, gz = STRBUF_INIT;
	member(&tar, NULL, "034-1-2-1_0.xml", "<actes:CourrierSimple/>", '0');
	member(&tar, NULL, "rep", "", '5');
	member(&tar, "rep", "034-1-2-1_1.pdf", "%PDF-1.4 lettre", '0');
	gzip_tar(&tar, &gz);
	struct seen s = { STRBUF_INIT, 0 };
	struct err err = { 0 };
	CHECK(targz_each(gz.data, gz.len, 1 << 20, collect, &s, &err));
	CHECK_STR(sb_str(&s.names), "034-1-2-1_0.xml:23 rep/034-1-2-1_1.pdf:15 ");
	sb_free(&s.names);
	sb_free(&tar);
	sb_free(&gz);
}

TEST(targz_refusals_explain_themselves)
{
	struct strbuf tar = STRBUF_INIT, gz = STRBUF_INIT;
	struct seen s = { STRBUF_INIT, 0 };
	struct err err = { 0 };
	CHECK(!targz_each("pas un gzip", 11, 1 << 20, collect, &s, &err));
	CHECK(strstr(err.msg, "Archive illisible") != NULL);
	/* A member announcing more bytes than the archive holds. */
	header(&tar, NULL, "long.pdf", 4096, '0');
	sb_addn(&tar, "%PDF", 4);
	gzip_tar(&tar, &gz);
	err = (struct err){ 0 };
	CHECK(!targz_each(gz.data, gz.len, 1 << 20, collect, &s, &err));
	CHECK(strstr(err.msg, "Archive tronquée") != NULL);
	CHECK(s.bytes == 0);
	/* Truncated gzip. */
	err = (struct err){ 0 };
	CHECK(!targz_each(gz.data, gz.len / 2, 1 << 20, collect, &s, &err));
	CHECK(strstr(err.msg, "Archive illisible") != NULL);
	/* Over the inflated limit. */
	err = (struct err){ 0 };
	CHECK(!targz_each(gz.data, gz.len, 1024, collect, &s, &err));
	CHECK(strstr(err.msg, "trop volumineuse") != NULL);
	sb_free(&s.names);
	sb_free(&tar);
	sb_free(&gz);
}
