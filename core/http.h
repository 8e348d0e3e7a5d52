/* HTTPS client (libcurl): mutual TLS with a PEM or PKCS#12 client
 * certificate held in memory, or a key on a PKCS#11 token, a configurable CA, peer verification always
 * on, no redirects followed (the caller sees the 3xx and its Location),
 * timeouts, French errors. Only https (and sftp when asked) is allowed. */
#ifndef LIASSE_HTTP_H
#define LIASSE_HTTP_H
#include <stdbool.h>
#include <stddef.h>

#include "core/err.h"
#include "core/strbuf.h"

struct http_opts {
	const char *ca_pem;       /* trusted CAs as PEM text; NULL: CA_FILE, else the system's */
	const char *ca_file;
	const char *cert_pem;     /* client certificate (PEM text), with KEY_PEM */
	const char *key_pem;
	const char *key_password;
	const void *p12;          /* or a PKCS#12 (binary), with its password */
	size_t p12_len;
	const char *p12_password;
	const char *key_pkcs11;   /* or the key on a PKCS#11 token: a pkcs11: URI (OpenSSL's
				   * pkcs11 engine, modules registered with p11-kit), */
	const char *key_pin;      /* its PIN (given to the engine, never logged), */
	const char *cert_pkcs11;  /* and the certificate from the token when CERT_PEM is NULL */
	const char *user;         /* HTTP Basic, optional */
	const char *password;
	long timeout;             /* whole transfer, seconds (default 60) */
	long connect_timeout;     /* seconds (default 10) */
	size_t max_body;          /* larger answers are refused (default 256 MiB) */
	const char *protocols;    /* default "https" */
};

/* A multipart/form-data part: a field (VALUE of LEN bytes, LEN 0 =
 * strlen) or a file (PATH streamed, sent under FILENAME). */
struct http_part {
	const char *name;
	const char *value;
	size_t len;
	const char *path;
	const char *filename;
};

struct http_response {
	long status;
	struct strbuf body;       /* binary-safe: body.len bytes */
	char location[1024];      /* Location header of a redirect, "" otherwise */
	char content_type[128];
};

/* GET (NPARTS 0, PARTS NULL) or multipart POST. True when an HTTP answer
 * arrived, whatever its status (the caller checks it); false + err
 * (French: server unreachable, TLS refused, certificate not trusted,
 * timeout...) otherwise. The caller frees RESP with http_response_free. */
bool http_request(const struct http_opts *o, const char *url, const struct http_part *parts,
		  size_t nparts, struct http_response *resp, struct err *err);
void http_response_free(struct http_response *resp);

/* Percent-encodes S for a query string (caller frees). */
char *http_escape(const char *s);

#endif
