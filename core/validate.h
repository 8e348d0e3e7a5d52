/* Field value validators: pure functions, no database, no terminal.
 * Each returns true when VALUE is acceptable, else false with a French
 * message naming the field's LABEL in ERR (code ERR_INPUT). Values are
 * UTF-8 text. */
#ifndef LIASSE_VALIDATE_H
#define LIASSE_VALIDATE_H
#include <regex.h>
#include <stdbool.h>
#include <stddef.h>

#include "core/err.h"

/* Decodes one UTF-8 character at *P (before END), advances *P; returns
 * the code point, or -1 on an invalid or overlong sequence (then *P
 * moves one byte on). */
long utf8_decode(const char **p, const char *end);
/* True when S (LEN bytes) is valid UTF-8. */
bool utf8_valid(const char *s, size_t len);
/* Number of characters (code points) of a valid UTF-8 string. */
size_t utf8_length(const char *s);

/* MIME type of a file from its first bytes (HEAD, the first N bytes; 512
 * are enough), the same answer as the database's fichier_sniff():
 * application/pdf, image/png, image/jpeg, application/zip, application/xml
 * (optional BOM and blanks, then "<?xml" or a tag), text/plain (valid
 * UTF-8 without NUL), else application/octet-stream. */
const char *validate_sniff(const unsigned char *head, size_t n);

/* Valid UTF-8, no control character (tab allowed; newline too when
 * MULTILINE). */
bool validate_text(const char *label, const char *value, bool multiline, struct err *err);
/* At most MAX characters. */
bool validate_max_length(const char *label, const char *value, long max, struct err *err);
/* Every character encodable in ISO-8859-1 (é yes, œ and € no). */
bool validate_latin1(const char *label, const char *value, struct err *err);
/* None of the characters of FORBID (UTF-8). */
bool validate_forbidden(const char *label, const char *value, const char *forbid,
			struct err *err);
/* RE matches VALUE; MESSAGE (may be NULL) is the French reason. */
bool validate_regex(const char *label, const regex_t *re, const char *value, const char *message,
		    struct err *err);
/* Compiles a POSIX extended regular expression, refusing ones too
 * costly to compile (large nested repetition counts). */
bool validate_regex_compile(regex_t *re, const char *pattern, struct err *err);
/* The time zone of the collectivités: every database session runs in it
 * (db.c), and "today" for a dossier is the date there. */
#define LIASSE_TZ "Europe/Paris"
/* Today's date in LIASSE_TZ, AAAA-MM-JJ, whatever the process's TZ: the
 * date the database's current_date gives. */
void date_today(char out[11]);
/* AAAA-MM-JJ, a real calendar date; with NOT_FUTURE, not after TODAY
 * (AAAA-MM-JJ, NULL = date_today()). */
bool validate_date(const char *label, const char *value, bool not_future, const char *today,
		   struct err *err);
/* A whole number (optional '-'), within [MIN, MAX] when given. */
bool validate_number(const char *label, const char *value, bool has_min, long long min,
		     bool has_max, long long max, struct err *err);
/* One e-mail address (local@domaine.tld). */
bool validate_email(const char *addr, size_t len);
/* Comma-separated: addresses, "Nom" <adresse>, groupe: "X", role: "X"
 * (also "groupe global: ..." and "groupe hérité de ...: ..."). */
bool validate_email_list(const char *label, const char *value, struct err *err);
/* "on" (checked) or "" (unchecked). */
bool validate_checkbox(const char *label, const char *value, struct err *err);

#endif
