/* The address book's CSV import (PASTELL's format, as Excel saves it):
 *   email;description;groupe1;groupe2;...
 * no header (a first line "email;description..." is recognised and
 * skipped), separator ';' (',' when the first line has commas and no
 * semicolons), encoding UTF-8 with or without BOM, else Windows-1252.
 *
 * Parsing needs no database: every line is checked on its own (columns,
 * address, group names, duplicates in the file) and gets a status. The
 * database part (known groups, created or updated) is annuaire_import()
 * in core/annuaire.h. */
#ifndef LIASSE_CSV_IMPORT_H
#define LIASSE_CSV_IMPORT_H
#include <stdbool.h>
#include <stddef.h>

#include "core/err.h"

/* Largest file accepted (an address book, not a data set). */
#define CSV_IMPORT_MAX_BYTES (8 * 1024 * 1024)

enum csv_line_status {
	CSV_LINE_VALID,    /* parsed and checked; the database decides the rest */
	CSV_LINE_IMPORTED, /* created (set by annuaire_import) */
	CSV_LINE_UPDATED,  /* an existing address updated */
	CSV_LINE_REFUSED,  /* REASON says why */
};

struct csv_line {
	int lineno;        /* 1-based line of the file where the record starts */
	enum csv_line_status status;
	char *email;       /* UTF-8, trimmed; NULL when the line had no column */
	char *description;
	char **groupes;    /* non-empty group names, trimmed, without duplicates */
	size_t ngroupes;
	char *reason;      /* French; NULL unless REFUSED */
	char *note;        /* French remark for a valid line (groups created...), or NULL */
};

struct csv_import {
	char encoding[32]; /* "UTF-8", "UTF-8 avec BOM", "Windows-1252" */
	char sep;
	bool header;       /* a header line was skipped */
	struct csv_line *lines;
	size_t n;
};

/* Converts DATA to UTF-8 (caller frees *OUT, NUL-terminated); ENCODING
 * (size 32) receives the name of what was detected. */
bool csv_to_utf8(const char *data, size_t len, char **out, size_t *outlen, char encoding[32],
		 struct err *err);
/* ';' or ',' from the first line of UTF8 (quotes respected). */
char csv_detect_separator(const char *utf8, size_t len);
/* True when S is an address the database accepts (same rule as email_valide). */
bool csv_email_valid(const char *s);

/* Parses a whole file's bytes. Blank lines are skipped; every other line
 * gets an entry. NULL + err only when the file itself is unusable (empty,
 * too large, undecodable). Free with csv_import_free. */
struct csv_import *csv_import_parse(const char *data, size_t len, struct err *err);
void csv_import_free(struct csv_import **imp);
/* Marks line L refused with the French reason (printf-style). */
void csv_line_refuse(struct csv_line *l, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif
