/* Data files compiled into the binary (see tools/embed.c). */
#ifndef LIASSE_EMBEDDED_H
#define LIASSE_EMBEDDED_H
#include <stddef.h>

struct embedded_file {
	const char *name; /* path in the source tree, e.g. "core/sql/001_base.sql" */
	const char *data; /* NUL-terminated */
	size_t len;
};

/* Terminated by an entry whose name is NULL. */
extern const struct embedded_file embedded_files[];

/* The file named NAME, or NULL. */
const struct embedded_file *embedded_find(const char *name);

#endif
