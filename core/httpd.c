/* HTTP layer over libmicrohttpd (see httpd.h). */
#include <arpa/inet.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "core/httpd.h"
#include "core/i18n.h"
#include "core/log.h"

struct httpd {
	struct MHD_Daemon *d;
	httpd_handler handler;
	void *ctx;
	size_t max_body;
};

/* Per-request state kept between the calls of the access handler. */
struct rstate {
	struct httpd_request req;
	struct MHD_PostProcessor *pp;
	size_t body_len;
	struct httpd_field *cur;
};

void
httpd_html(struct strbuf *sb, const char *s)
{
	for (; s && *s; s++) {
		switch (*s) {
		case '<': sb_add(sb, "&lt;"); break;
		case '>': sb_add(sb, "&gt;"); break;
		case '&': sb_add(sb, "&amp;"); break;
		case '"': sb_add(sb, "&quot;"); break;
		case '\'': sb_add(sb, "&#39;"); break;
		default: sb_addc(sb, *s);
		}
	}
}

void
httpd_add_header(struct httpd_response *res, const char *fmt, ...)
{
	char buf[1024];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof buf, fmt, ap);
	va_end(ap);
	if (strpbrk(buf, "\r\n") || res->nheaders >= sizeof res->headers / sizeof res->headers[0])
		return;
	res->headers[res->nheaders++] = xstrdup(buf);
}

const char *
httpd_header(const struct httpd_request *req, const char *name)
{
	return MHD_lookup_connection_value(req->conn, MHD_HEADER_KIND, name);
}

const char *
httpd_cookie(const struct httpd_request *req, const char *name)
{
	return MHD_lookup_connection_value(req->conn, MHD_COOKIE_KIND, name);
}

const struct httpd_field *
httpd_field(const struct httpd_request *req, const char *name, size_t n)
{
	for (size_t i = 0; i < req->nfields; i++)
		if (strcmp(req->fields[i].name, name) == 0 && n-- == 0)
			return &req->fields[i];
	return NULL;
}

static enum MHD_Result
post_iter(void *cls, enum MHD_ValueKind kind, const char *key, const char *filename,
	  const char *content_type, const char *transfer_encoding, const char *data, uint64_t off,
	  size_t size)
{
	(void)kind, (void)content_type, (void)transfer_encoding;
	struct rstate *st = cls;
	struct httpd_request *r = &st->req;
	/* A new field starts at offset 0 (multipart parts, url-encoded pairs). */
	if (off == 0 || !st->cur || strcmp(st->cur->name, key) != 0 ||
	    ((st->cur->filename == NULL) != (filename == NULL))) {
		if (r->nfields >= 64) {
			r->too_large = true;
			return MHD_YES;
		}
		r->fields = xrealloc(r->fields, (r->nfields + 1) * sizeof *r->fields);
		st->cur = &r->fields[r->nfields++];
		memset(st->cur, 0, sizeof *st->cur);
		st->cur->name = xstrdup(key ? key : "");
		st->cur->filename = filename ? xstrdup(filename) : NULL;
		st->cur->data = xstrdup("");
	}
	if (size) {
		st->cur->data = xrealloc(st->cur->data, st->cur->len + size + 1);
		memcpy(st->cur->data + st->cur->len, data, size);
		st->cur->len += size;
		st->cur->data[st->cur->len] = '\0';
	}
	return MHD_YES;
}

static void
rstate_free(struct rstate *st)
{
	if (st->pp)
		MHD_destroy_post_processor(st->pp);
	for (size_t i = 0; i < st->req.nfields; i++) {
		free(st->req.fields[i].name);
		free(st->req.fields[i].filename);
		free(st->req.fields[i].data);
	}
	free(st->req.fields);
	free(st);
}

static void
completed(void *cls, struct MHD_Connection *c, void **con_cls, enum MHD_RequestTerminationCode toe)
{
	(void)cls, (void)c, (void)toe;
	if (*con_cls)
		rstate_free(*con_cls);
	*con_cls = NULL;
}

struct reader_box {
	httpd_reader fn;
	void *ctx;
	void (*free_fn)(void *);
};

static ssize_t
reader_cb(void *cls, uint64_t pos, char *buf, size_t max)
{
	struct reader_box *b = cls;
	ssize_t n = b->fn(b->ctx, pos, buf, max);
	if (n == 0)
		return MHD_CONTENT_READER_END_OF_STREAM;
	if (n < 0)
		return MHD_CONTENT_READER_END_WITH_ERROR;
	return n;
}

static void
reader_free(void *cls)
{
	struct reader_box *b = cls;
	if (b->free_fn)
		b->free_fn(b->ctx);
	free(b);
}

static enum MHD_Result
access_cb(void *cls, struct MHD_Connection *conn, const char *url, const char *method,
	  const char *version, const char *upload_data, size_t *upload_size, void **con_cls)
{
	(void)version;
	struct httpd *h = cls;
	struct rstate *st = *con_cls;
	if (!st) {
		st = xcalloc(1, sizeof *st);
		st->req.method = method;
		st->req.path = url;
		st->req.conn = conn;
		if (strcmp(method, "POST") == 0) {
			st->pp = MHD_create_post_processor(conn, 64 * 1024, post_iter, st);
			if (!st->pp)
				st->req.bad_body = true;
		}
		*con_cls = st;
		return MHD_YES;
	}
	if (*upload_size) {
		st->body_len += *upload_size;
		if (st->body_len > h->max_body)
			st->req.too_large = true;
		else if (st->pp && MHD_post_process(st->pp, upload_data, *upload_size) != MHD_YES)
			st->req.bad_body = true;
		*upload_size = 0;
		return MHD_YES;
	}
	struct httpd_response res = { .status = 200, .size = -1 };
	str_copy(res.content_type, sizeof res.content_type, "text/html; charset=utf-8");
	h->handler(h->ctx, &st->req, &res);
	struct MHD_Response *r;
	if (res.reader) {
		struct reader_box *b = xmalloc(sizeof *b);
		b->fn = res.reader, b->ctx = res.reader_ctx, b->free_fn = res.reader_free;
		r = MHD_create_response_from_callback(res.size < 0 ? MHD_SIZE_UNKNOWN : (uint64_t)res.size,
						      64 * 1024, reader_cb, b, reader_free);
	} else {
		size_t n = res.body.len;
		char *body = n ? sb_take(&res.body) : NULL;
		r = MHD_create_response_from_buffer(n, body ? body : (void *)"", body ? MHD_RESPMEM_MUST_FREE
										       : MHD_RESPMEM_PERSISTENT);
	}
	sb_free(&res.body);
	if (!r) {
		for (size_t i = 0; i < res.nheaders; i++)
			free(res.headers[i]);
		return MHD_NO;
	}
	MHD_add_response_header(r, "Content-Type", res.content_type);
	for (size_t i = 0; i < res.nheaders; i++) {
		char *colon = strchr(res.headers[i], ':');
		if (colon) {
			*colon = '\0';
			const char *v = colon + 1;
			while (*v == ' ')
				v++;
			MHD_add_response_header(r, res.headers[i], v);
		}
		free(res.headers[i]);
	}
	enum MHD_Result ret = MHD_queue_response(conn, (unsigned)res.status, r);
	MHD_destroy_response(r);
	return ret;
}

struct httpd *
httpd_start(const char *listen, size_t max_body, httpd_handler handler, void *ctx, struct err *err)
{
	char host[128] = "";
	const char *colon = strrchr(listen ? listen : "", ':');
	if (!listen || !colon)
		return err_set(err, ERR_USAGE, _("Adresse d'écoute « %s » invalide (ADRESSE:PORT)."),
			       listen ? listen : ""), NULL;
	char *end;
	long port = strtol(colon + 1, &end, 10);
	if (*end || port <= 0 || port > 65535)
		return err_set(err, ERR_USAGE, _("Port invalide dans « %s »."), listen), NULL;
	size_t hl = (size_t)(colon - listen);
	if (hl >= sizeof host)
		return err_set(err, ERR_USAGE, _("Adresse d'écoute « %s » invalide."), listen), NULL;
	memcpy(host, listen, hl);
	host[hl] = '\0';
	if (host[0] == '[' && hl >= 2 && host[hl - 1] == ']') {
		memmove(host, host + 1, hl - 2);
		host[hl - 2] = '\0';
	}
	struct sockaddr_storage ss;
	memset(&ss, 0, sizeof ss);
	unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_ERROR_LOG;
	if (host[0] == '\0' || strcmp(host, "*") == 0) {
		struct sockaddr_in6 *a6 = (struct sockaddr_in6 *)&ss;
		a6->sin6_family = AF_INET6;
		a6->sin6_addr = in6addr_any;
		a6->sin6_port = htons((uint16_t)port);
		flags |= MHD_USE_DUAL_STACK;
	} else if (strchr(host, ':')) {
		struct sockaddr_in6 *a6 = (struct sockaddr_in6 *)&ss;
		a6->sin6_family = AF_INET6;
		a6->sin6_port = htons((uint16_t)port);
		if (inet_pton(AF_INET6, host, &a6->sin6_addr) != 1)
			return err_set(err, ERR_USAGE, _("Adresse IPv6 « %s » invalide."), host), NULL;
		flags |= MHD_USE_IPv6;
	} else {
		struct sockaddr_in *a4 = (struct sockaddr_in *)&ss;
		a4->sin_family = AF_INET;
		a4->sin_port = htons((uint16_t)port);
		if (inet_pton(AF_INET, host, &a4->sin_addr) != 1)
			return err_set(err, ERR_USAGE, _("Adresse IPv4 « %s » invalide (une adresse numérique est attendue)."),
				       host), NULL;
	}
	struct httpd *h = xcalloc(1, sizeof *h);
	h->handler = handler;
	h->ctx = ctx;
	h->max_body = max_body;
	h->d = MHD_start_daemon(flags, (uint16_t)port, NULL, NULL, access_cb, h,
				MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&ss,
				MHD_OPTION_NOTIFY_COMPLETED, completed, NULL,
				MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)60,
				MHD_OPTION_CONNECTION_LIMIT, (unsigned)200,
				MHD_OPTION_END);
	if (!h->d) {
		free(h);
		return err_set(err, ERR_IO, _("Impossible d'écouter sur %s (adresse déjà utilisée ou non autorisée)."),
			       listen), NULL;
	}
	log_info("httpd: listening on %s", listen);
	return h;
}

void
httpd_stop(struct httpd **ph)
{
	if (!*ph)
		return;
	MHD_stop_daemon((*ph)->d);
	free(*ph);
	*ph = NULL;
}
