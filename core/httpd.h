/* A small HTTP server layer over libmicrohttpd, independent of what it
 * serves: the mail sécurisé pages today (core/serve_mailsec.c), a REST
 * API later. It reads the request (headers, cookies, URL-encoded or
 * multipart bodies, bounded in size) and hands it to one handler; the
 * handler fills a response (a buffer or a streamed body).
 *
 * One internal thread serves the requests one after another, so a
 * handler may use a single database connection. Meant to sit behind an
 * HTTPS reverse proxy: it speaks plain HTTP on ADDR:PORT. */
#ifndef LIASSE_HTTPD_H
#define LIASSE_HTTPD_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "core/err.h"
#include "core/strbuf.h"

struct httpd_field {
	char *name;
	char *filename; /* NULL for an ordinary field */
	char *data;     /* NUL-terminated (files may hold NULs: use LEN) */
	size_t len;
};

struct httpd_request {
	const char *method; /* "GET", "POST"... */
	const char *path;   /* without the query string */
	void *conn;         /* the MHD connection (for httpd_header/httpd_cookie) */
	struct httpd_field *fields;
	size_t nfields;
	bool too_large;     /* the body exceeded the limit: FIELDS is incomplete */
	bool bad_body;      /* the body could not be parsed */
};

/* Reads up to MAX bytes at offset POS into BUF; returns the count, 0 at
 * the end, -1 on error (the connection is closed). */
typedef ssize_t (*httpd_reader)(void *ctx, uint64_t pos, char *buf, size_t max);

struct httpd_response {
	int status;
	char content_type[96];
	struct strbuf body;     /* the body, unless READER is set */
	httpd_reader reader;    /* streamed body of SIZE bytes (-1 = unknown) */
	void *reader_ctx;
	void (*reader_free)(void *ctx);
	int64_t size;
	char *headers[8];       /* "Name: value" lines added to the response */
	size_t nheaders;
};

typedef void (*httpd_handler)(void *ctx, const struct httpd_request *req, struct httpd_response *res);

struct httpd;

/* Starts serving LISTEN ("127.0.0.1:8080", "[::1]:8080", ":8080" = all
 * addresses) in a thread of its own. Bodies larger than MAX_BODY bytes
 * are cut (REQ->too_large). NULL + err on failure (address in use...). */
struct httpd *httpd_start(const char *listen, size_t max_body, httpd_handler handler, void *ctx,
			  struct err *err);
void httpd_stop(struct httpd **h);

/* Header or cookie of the request (NULL when absent). */
const char *httpd_header(const struct httpd_request *req, const char *name);
const char *httpd_cookie(const struct httpd_request *req, const char *name);
/* The N-th field named NAME (0-based), NULL when absent. */
const struct httpd_field *httpd_field(const struct httpd_request *req, const char *name, size_t n);

/* Adds a header line to RES (printf-style; CR/LF are refused). */
void httpd_add_header(struct httpd_response *res, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* Appends S to SB with HTML escaping. */
void httpd_html(struct strbuf *sb, const char *s);

#endif
