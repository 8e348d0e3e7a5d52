/* Reading a .tar.gz held in memory (the envelopes S2LOW keeps for the
 * documents of the préfecture): gzip inflated with zlib, then the ustar
 * members walked, each checked against the archive's bounds. */
#ifndef LIASSE_TARGZ_H
#define LIASSE_TARGZ_H
#include <stdbool.h>
#include <stddef.h>

#include "core/err.h"

/* Calls FN for every regular file of the archive GZ (LEN bytes) with its
 * name (prefix/name, as stored), its bytes and size, in order; FN returns
 * false (filling ERR) to stop. At most MAX bytes once inflated. False with
 * a French message when the archive is not a readable .tar.gz, is
 * truncated or too large, or when FN failed. */
bool targz_each(const char *gz, size_t len, size_t max,
		bool (*fn)(const char *name, const char *data, size_t size, void *arg, struct err *err),
		void *arg, struct err *err);

#endif
