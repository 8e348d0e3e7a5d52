/* One error structure, filled by the callee and shown by the caller.
 * core/ and pkcs11/ never print: they return false (or a code) and fill
 * a struct err: msg is French, for the user; detail is technical, for
 * the log (SQLSTATE, server message, CKR_*, xmlsec error...). */
#ifndef LIASSE_ERR_H
#define LIASSE_ERR_H
#include <stdbool.h>
#include <stdarg.h>

enum err_code {
	ERR_NONE = 0,
	ERR_INTERNAL,   /* a bug or out of memory */
	ERR_USAGE,      /* bad command line */
	ERR_IO,         /* file system */
	ERR_INPUT,      /* invalid user or file input */
	ERR_DB_CONNECT, /* cannot reach the database / connection lost */
	ERR_DB,         /* other database error */
	ERR_DB_RIGHTS,  /* permission denied by the database */
	ERR_DB_CONFLICT,/* concurrent modification */
	ERR_NOT_FOUND,
	ERR_SCHEMA,     /* schema missing or too old */
	ERR_UNSAFE,     /* a signed file that could mislead a check (duplicate Ids) */
};

struct err {
	enum err_code code;
	char msg[512];
	char detail[1024];
};

/* Set code and the French message (printf-style); returns false so that
 * callers can write `return err_set(err, ...);`. ERR may be NULL. */
bool err_set(struct err *err, enum err_code code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* Set the technical detail (printf-style); returns false. */
bool err_detail(struct err *err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void err_clear(struct err *err);

#endif
