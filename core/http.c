/* HTTPS client on libcurl (see http.h). */
#include "core/http.h"

#include <curl/curl.h>
#include <openssl/evp.h>
#include <openssl/sha.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "core/i18n.h"
#include "core/log.h"

static pthread_once_t curl_once = PTHREAD_ONCE_INIT;

/* PINs a token refused: never presented again by this process, so that a
 * daemon retrying its jobs does not block the token (a card allows a few
 * wrong PINs only). Kept as SHA-256 of the key's URI and the PIN. */
#define PIN_REFUSED_MAX 32
static pthread_mutex_t pin_mutex = PTHREAD_MUTEX_INITIALIZER;
static unsigned char pin_refused[PIN_REFUSED_MAX][SHA256_DIGEST_LENGTH];
static int pin_n_refused, pin_next;

static void
pin_digest(const struct http_opts *o, unsigned char md[SHA256_DIGEST_LENGTH])
{
	EVP_MD_CTX *c = EVP_MD_CTX_new();
	EVP_DigestInit_ex(c, EVP_sha256(), NULL);
	EVP_DigestUpdate(c, o->key_pkcs11, strlen(o->key_pkcs11) + 1);
	if (o->key_pin)
		EVP_DigestUpdate(c, o->key_pin, strlen(o->key_pin));
	EVP_DigestFinal_ex(c, md, NULL);
	EVP_MD_CTX_free(c);
}

/* Was this PIN refused before? With REFUSE, records that it was. */
static bool
pin_was_refused(const struct http_opts *o, bool refuse)
{
	unsigned char md[SHA256_DIGEST_LENGTH];
	pin_digest(o, md);
	bool found = false;
	pthread_mutex_lock(&pin_mutex);
	for (int i = 0; i < pin_n_refused && !found; i++)
		found = memcmp(pin_refused[i], md, sizeof md) == 0;
	if (refuse && !found) { /* the oldest forgotten when full */
		memcpy(pin_refused[pin_next], md, sizeof md);
		pin_next = (pin_next + 1) % PIN_REFUSED_MAX;
		if (pin_n_refused < PIN_REFUSED_MAX)
			pin_n_refused++;
	}
	pthread_mutex_unlock(&pin_mutex);
	return found;
}

static void
curl_init_once(void)
{
	curl_global_init(CURL_GLOBAL_DEFAULT);
}

struct sink {
	struct http_response *resp;
	size_t max;
	bool too_big;
};

static size_t
on_body(char *p, size_t size, size_t n, void *arg)
{
	struct sink *s = arg;
	size_t len = size * n;
	if (s->resp->body.len + len > s->max) {
		s->too_big = true;
		return 0;
	}
	sb_addn(&s->resp->body, p, len);
	return len;
}

static size_t
on_header(char *p, size_t size, size_t n, void *arg)
{
	struct http_response *r = arg;
	size_t len = size * n;
	const char *names[] = { "Location:", "Content-Type:" };
	char *dst[] = { r->location, r->content_type };
	size_t cap[] = { sizeof r->location, sizeof r->content_type };
	for (int i = 0; i < 2; i++) {
		size_t k = strlen(names[i]);
		if (len > k && strncasecmp(p, names[i], k) == 0) {
			const char *v = p + k;
			size_t vl = len - k;
			while (vl && (*v == ' ' || *v == '\t'))
				v++, vl--;
			while (vl && (v[vl - 1] == '\r' || v[vl - 1] == '\n' || v[vl - 1] == ' '))
				vl--;
			if (vl >= cap[i])
				vl = cap[i] - 1;
			memcpy(dst[i], v, vl);
			dst[i][vl] = 0;
		}
	}
	return len;
}

/* TOKEN: the PKCS#11 URI of the client key, NULL without one. */
static bool
curl_error(CURLcode rc, const char *url, long timeout, const char *token, const char *errbuf,
	   struct err *err)
{
	char host[256] = "";
	const char *h = strstr(url, "://");
	h = h ? h + 3 : url;
	size_t n = strcspn(h, "/?");
	if (n >= sizeof host)
		n = sizeof host - 1;
	memcpy(host, h, n);
	host[n] = 0;
	switch (rc) {
	case CURLE_COULDNT_RESOLVE_HOST:
		err_set(err, ERR_IO, _("Serveur %s introuvable (nom inconnu)."), host);
		break;
	case CURLE_COULDNT_CONNECT:
		err_set(err, ERR_IO, _("Connexion impossible au serveur %s : serveur arrêté ou injoignable."), host);
		break;
	case CURLE_OPERATION_TIMEDOUT:
		err_set(err, ERR_IO, _("Le serveur %s n'a pas répondu dans le délai (%ld s)."), host, timeout);
		break;
	case CURLE_PEER_FAILED_VERIFICATION:
		err_set(err, ERR_IO, _("Le certificat du serveur %s n'est pas reconnu : vérifiez l'autorité de "
				       "certification (CA) configurée."), host);
		break;
	case CURLE_SSL_CERTPROBLEM:
		if (token)
			err_set(err, ERR_INPUT, _("Clé du jeton PKCS#11 inaccessible : code PIN incorrect, jeton "
						  "absent ou clé introuvable (« %s »)."), token);
		else
			err_set(err, ERR_INPUT, _("Certificat client illisible ou mot de passe de la clé incorrect."));
		break;
	case CURLE_SSL_ENGINE_NOTFOUND:
	case CURLE_SSL_ENGINE_INITFAILED:
	case CURLE_SSL_ENGINE_SETFAILED:
		err_set(err, ERR_INPUT, _("Le moteur PKCS#11 d'OpenSSL est indisponible : installez le paquet "
					  "libengine-pkcs11-openssl."));
		break;
	case CURLE_SSL_CACERT_BADFILE:
		err_set(err, ERR_INPUT, _("Le fichier de l'autorité de certification (CA) est illisible."));
		break;
	case CURLE_SSL_CONNECT_ERROR:
	case CURLE_RECV_ERROR:
	case CURLE_SEND_ERROR:
		err_set(err, ERR_IO, _("La connexion TLS avec %s a échoué (certificat client refusé ou "
				       "connexion coupée)."), host);
		break;
	case CURLE_GOT_NOTHING:
		err_set(err, ERR_IO, _("Le serveur %s a fermé la connexion sans répondre."), host);
		break;
	case CURLE_UNSUPPORTED_PROTOCOL:
		err_set(err, ERR_INPUT, _("Adresse refusée : seul https est permis (« %s »)."), url);
		break;
	default:
		err_set(err, ERR_IO, _("Échange avec le serveur %s impossible."), host);
	}
	err_detail(err, "curl %d: %s %s", (int)rc, curl_easy_strerror(rc), errbuf);
	return false;
}

/* OpenSSL's pkcs11 engine (libp11) prints its errors (a refused login...)
 * on the process's stderr, which under the TUI is the screen. While a
 * request uses the token, stderr goes to a temporary file; what the
 * engine wrote is then handed to the log, one line at a time. */
struct stderr_capture {
	int saved;
	FILE *tmp;
};

static void
stderr_capture_begin(struct stderr_capture *cap)
{
	cap->saved = -1;
	cap->tmp = tmpfile();
	if (!cap->tmp)
		return;
	fflush(stderr);
	cap->saved = dup(STDERR_FILENO);
	if (cap->saved < 0 || dup2(fileno(cap->tmp), STDERR_FILENO) < 0) {
		if (cap->saved >= 0)
			close(cap->saved);
		cap->saved = -1;
		fclose(cap->tmp);
		cap->tmp = NULL;
	}
}

static void
stderr_capture_end(struct stderr_capture *cap)
{
	char line[512];

	if (!cap->tmp)
		return;
	fflush(stderr);
	dup2(cap->saved, STDERR_FILENO);
	close(cap->saved);
	rewind(cap->tmp);
	while (fgets(line, sizeof line, cap->tmp)) {
		line[strcspn(line, "\r\n")] = '\0';
		if (line[0])
			log_warn("moteur PKCS#11 : %s", line);
	}
	fclose(cap->tmp);
	cap->tmp = NULL;
}

bool
http_request(const struct http_opts *o, const char *url, const struct http_part *parts,
	     size_t nparts, struct http_response *resp, struct err *err)
{
	pthread_once(&curl_once, curl_init_once);
	memset(resp, 0, sizeof *resp);
	/* One handle per thread, reset between requests: its connection and
	 * TLS session caches let the requests of a job share one handshake. */
	static _Thread_local CURL *cached;
	if (cached)
		curl_easy_reset(cached);
	else
		cached = curl_easy_init();
	CURL *c = cached;
	if (!c)
		return err_set(err, ERR_INTERNAL, _("Initialisation de libcurl impossible."));
	bool token = o->key_pkcs11 && o->key_pkcs11[0];
	if (token && pin_was_refused(o, false))
		return err_set(err, ERR_INPUT, _("Clé du jeton PKCS#11 inaccessible : ce code PIN a déjà été refusé "
						 "(« %s ») et n'est plus présenté, pour ne pas bloquer le jeton. "
						 "Corrigez le code PIN du connecteur (ou, si le jeton était absent, "
						 "relancez le démon)."), o->key_pkcs11);
	char errbuf[CURL_ERROR_SIZE] = "";
	long timeout = o->timeout > 0 ? o->timeout : 60;
	struct sink sink = { resp, o->max_body ? o->max_body : (size_t)256 << 20, false };
	curl_mime *mime = NULL;

	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, o->protocols ? o->protocols : "https");
	curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 0L);
	curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, 1L);
	curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, 2L);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_TIMEOUT, timeout);
	curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, o->connect_timeout > 0 ? o->connect_timeout : 10L);
	curl_easy_setopt(c, CURLOPT_ERRORBUFFER, errbuf);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, &sink);
	curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, on_header);
	curl_easy_setopt(c, CURLOPT_HEADERDATA, resp);
	curl_easy_setopt(c, CURLOPT_USERAGENT, "liasse");
	if (o->ca_pem && o->ca_pem[0]) {
		struct curl_blob b = { (void *)o->ca_pem, strlen(o->ca_pem), CURL_BLOB_COPY };
		curl_easy_setopt(c, CURLOPT_CAINFO_BLOB, &b);
	} else if (o->ca_file && o->ca_file[0]) {
		curl_easy_setopt(c, CURLOPT_CAINFO, o->ca_file);
	}
	if (token) {
		/* OpenSSL's pkcs11 engine (libp11) asks for the PIN through the
		 * password callback, which libcurl answers with KEYPASSWD. */
		curl_easy_setopt(c, CURLOPT_SSLENGINE, "pkcs11");
		if (o->cert_pem && o->cert_pem[0]) {
			struct curl_blob cb = { (void *)o->cert_pem, strlen(o->cert_pem), CURL_BLOB_COPY };
			curl_easy_setopt(c, CURLOPT_SSLCERT_BLOB, &cb);
			curl_easy_setopt(c, CURLOPT_SSLCERTTYPE, "PEM");
		} else if (o->cert_pkcs11) {
			curl_easy_setopt(c, CURLOPT_SSLCERT, o->cert_pkcs11);
			curl_easy_setopt(c, CURLOPT_SSLCERTTYPE, "ENG");
		}
		curl_easy_setopt(c, CURLOPT_SSLKEY, o->key_pkcs11);
		curl_easy_setopt(c, CURLOPT_SSLKEYTYPE, "ENG");
		if (o->key_pin)
			curl_easy_setopt(c, CURLOPT_KEYPASSWD, o->key_pin);
	} else if (o->p12 && o->p12_len) {
		struct curl_blob b = { (void *)o->p12, o->p12_len, CURL_BLOB_COPY };
		curl_easy_setopt(c, CURLOPT_SSLCERT_BLOB, &b);
		curl_easy_setopt(c, CURLOPT_SSLCERTTYPE, "P12");
		if (o->p12_password)
			curl_easy_setopt(c, CURLOPT_KEYPASSWD, o->p12_password);
	} else if (o->cert_pem && o->cert_pem[0]) {
		struct curl_blob cb = { (void *)o->cert_pem, strlen(o->cert_pem), CURL_BLOB_COPY };
		curl_easy_setopt(c, CURLOPT_SSLCERT_BLOB, &cb);
		curl_easy_setopt(c, CURLOPT_SSLCERTTYPE, "PEM");
		if (o->key_pem && o->key_pem[0]) {
			struct curl_blob kb = { (void *)o->key_pem, strlen(o->key_pem), CURL_BLOB_COPY };
			curl_easy_setopt(c, CURLOPT_SSLKEY_BLOB, &kb);
			curl_easy_setopt(c, CURLOPT_SSLKEYTYPE, "PEM");
		}
		if (o->key_password)
			curl_easy_setopt(c, CURLOPT_KEYPASSWD, o->key_password);
	}
	if (o->user && o->user[0]) {
		curl_easy_setopt(c, CURLOPT_HTTPAUTH, (long)CURLAUTH_BASIC);
		curl_easy_setopt(c, CURLOPT_USERNAME, o->user);
		curl_easy_setopt(c, CURLOPT_PASSWORD, o->password ? o->password : "");
	}
	if (nparts) {
		mime = curl_mime_init(c);
		for (size_t i = 0; i < nparts; i++) {
			curl_mimepart *p = curl_mime_addpart(mime);
			curl_mime_name(p, parts[i].name);
			if (parts[i].path) {
				if (curl_mime_filedata(p, parts[i].path) != CURLE_OK) {
					curl_mime_free(mime);
					return err_set(err, ERR_IO, _("Fichier illisible : %s."), parts[i].path);
				}
				curl_mime_type(p, "application/octet-stream");
			} else {
				curl_mime_data(p, parts[i].value,
					       parts[i].len ? parts[i].len : CURL_ZERO_TERMINATED);
			}
			if (parts[i].filename)
				curl_mime_filename(p, parts[i].filename);
		}
		curl_easy_setopt(c, CURLOPT_MIMEPOST, mime);
	}
	struct stderr_capture cap = { -1, NULL };
	if (token)
		stderr_capture_begin(&cap);
	CURLcode rc = curl_easy_perform(c);
	if (token)
		stderr_capture_end(&cap);
	bool ok = true;
	if (sink.too_big) {
		ok = err_set(err, ERR_IO, _("Réponse du serveur trop volumineuse (plus de %zu Mio)."),
			     sink.max >> 20);
	} else if (rc != CURLE_OK) {
		if (token && rc == CURLE_SSL_CERTPROBLEM)
			pin_was_refused(o, true);
		ok = curl_error(rc, url, timeout, token ? o->key_pkcs11 : NULL, errbuf, err);
	} else {
		curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &resp->status);
		if (!resp->body.data)
			sb_add(&resp->body, "");
	}
	curl_mime_free(mime);
	if (!ok)
		http_response_free(resp);
	return ok;
}

void
http_response_free(struct http_response *resp)
{
	sb_free(&resp->body);
	resp->status = 0;
}

char *
http_escape(const char *s)
{
	pthread_once(&curl_once, curl_init_once);
	char *e = curl_easy_escape(NULL, s, 0);
	char *r = xstrdup(e ? e : "");
	curl_free(e);
	return r;
}
