/* .tar.gz in memory (see targz.h). */
#include "core/targz.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "core/i18n.h"
#include "core/strbuf.h"

/* Inflates GZ into OUT (at most MAX bytes). */
static bool
gunzip(const char *gz, size_t len, size_t max, struct strbuf *out, struct err *err)
{
	z_stream z;
	memset(&z, 0, sizeof z);
	if (inflateInit2(&z, 16 + MAX_WBITS) != Z_OK)
		return err_set(err, ERR_INTERNAL, _("Décompression impossible (zlib)."));
	char buf[65536];
	z.next_in = (unsigned char *)gz;
	z.avail_in = (uInt)len;
	int rc = Z_OK;
	while (rc == Z_OK && out->len <= max) {
		z.next_out = (unsigned char *)buf;
		z.avail_out = sizeof buf;
		rc = inflate(&z, Z_NO_FLUSH);
		sb_addn(out, buf, sizeof buf - z.avail_out);
		if (rc == Z_BUF_ERROR && z.avail_in == 0)
			break;
	}
	inflateEnd(&z);
	if (out->len > max)
		return err_set(err, ERR_INPUT, _("Archive trop volumineuse une fois décompressée (plus de %zu Mio)."),
			       max >> 20);
	if (rc != Z_STREAM_END)
		return err_set(err, ERR_INPUT, _("Archive illisible (.tar.gz attendu)."));
	return true;
}

bool
targz_each(const char *gz, size_t len, size_t max,
	   bool (*fn)(const char *name, const char *data, size_t size, void *arg, struct err *err),
	   void *arg, struct err *err)
{
	struct strbuf tar = STRBUF_INIT;
	bool ok = gunzip(gz, len, max, &tar, err);
	/* ustar: 512-byte headers, name at 0 (prefix at 345), size in octal at
	 * 124, type at 156, data padded to 512; two zero blocks end it. */
	for (size_t off = 0; ok && off + 512 <= tar.len && tar.data[off];) {
		const char *h = tar.data + off;
		char name[260], num[13];
		memcpy(num, h + 124, 12);
		num[12] = 0;
		char *end;
		unsigned long long size = strtoull(num, &end, 8);
		if (end == num || size > tar.len - off - 512) {
			ok = err_set(err, ERR_INPUT, _("Archive tronquée ou illisible (membre à l'octet %zu)."), off);
			break;
		}
		if (memcmp(h + 257, "ustar", 6) == 0 && h[345]) /* POSIX, not GNU */
			snprintf(name, sizeof name, "%.155s/%.100s", h + 345, h);
		else
			snprintf(name, sizeof name, "%.100s", h);
		if (h[156] == '0' || h[156] == 0)
			ok = fn(name, h + 512, (size_t)size, arg, err);
		off += 512 + ((size_t)size + 511) / 512 * 512;
	}
	sb_free(&tar);
	return ok;
}
