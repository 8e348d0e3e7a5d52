/* Mail sécurisé: keys, passwords, templates, sending by SMTP (libcurl). */
#include <curl/curl.h>
#include <errno.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <openssl/sha.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/i18n.h"
#include "core/log.h"
#include "core/mailsec.h"
#include "core/strbuf.h"

static void
to_hex(const unsigned char *b, size_t n, char *out)
{
	static const char hx[] = "0123456789abcdef";
	for (size_t i = 0; i < n; i++) {
		out[2 * i] = hx[b[i] >> 4];
		out[2 * i + 1] = hx[b[i] & 15];
	}
	out[2 * n] = '\0';
}

static int
hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

static bool
from_hex(const char *s, unsigned char *out, size_t n)
{
	if (strlen(s) != 2 * n)
		return false;
	for (size_t i = 0; i < n; i++) {
		int h = hexval(s[2 * i]), l = hexval(s[2 * i + 1]);
		if (h < 0 || l < 0)
			return false;
		out[i] = (unsigned char)(h << 4 | l);
	}
	return true;
}

bool
mailsec_random_hex(char out[65], struct err *err)
{
	unsigned char b[32];
	if (RAND_bytes(b, sizeof b) != 1)
		return err_set(err, ERR_INTERNAL, _("Générateur aléatoire indisponible."));
	to_hex(b, sizeof b, out);
	OPENSSL_cleanse(b, sizeof b);
	return true;
}

bool
mailsec_key_hash(const char *key, unsigned char hash[32])
{
	unsigned char raw[32];
	if (!key || !from_hex(key, raw, sizeof raw))
		return false;
	SHA256((const unsigned char *)key, MAILSEC_KEY_LEN, hash);
	return true;
}

bool
mailsec_key_new(char key[MAILSEC_KEY_LEN + 1], unsigned char hash[32], struct err *err)
{
	if (!mailsec_random_hex(key, err))
		return false;
	return mailsec_key_hash(key, hash) ? true : err_set(err, ERR_INTERNAL, _("Clé invalide."));
}

bool
mailsec_password_hash(const char *password, const char *salt_hex, char out[MAILSEC_HASH_MAX],
		      struct err *err)
{
	unsigned char salt[16], dk[32];
	char dkx[65];
	if (!salt_hex || !from_hex(salt_hex, salt, sizeof salt))
		return err_set(err, ERR_INTERNAL, _("Sel du mot de passe invalide."));
	if (PKCS5_PBKDF2_HMAC(password, (int)strlen(password), salt, sizeof salt, MAILSEC_PBKDF2_ITER,
			      EVP_sha256(), sizeof dk, dk) != 1)
		return err_set(err, ERR_INTERNAL, _("Calcul de l'empreinte du mot de passe impossible."));
	to_hex(dk, sizeof dk, dkx);
	OPENSSL_cleanse(dk, sizeof dk);
	snprintf(out, MAILSEC_HASH_MAX, "pbkdf2-sha256$%d$%s$%s", MAILSEC_PBKDF2_ITER, salt_hex, dkx);
	return true;
}

bool
mailsec_password_verify(const char *password, const char *stored)
{
	unsigned char salt[16], want[32], got[32];
	char salthex[33], hashhex[65];
	int iter = 0;
	if (!password || !stored || sscanf(stored, "pbkdf2-sha256$%d$%32[0-9a-f]$%64[0-9a-f]", &iter,
					   salthex, hashhex) != 3)
		return false;
	if (iter < 1000 || iter > 10000000 || !from_hex(salthex, salt, sizeof salt) ||
	    !from_hex(hashhex, want, sizeof want))
		return false;
	if (PKCS5_PBKDF2_HMAC(password, (int)strlen(password), salt, sizeof salt, iter, EVP_sha256(),
			      sizeof got, got) != 1)
		return false;
	bool ok = CRYPTO_memcmp(got, want, sizeof got) == 0;
	OPENSSL_cleanse(got, sizeof got);
	return ok;
}

bool
mailsec_password_field(struct db *db, int64_t id, const char *password, char out[MAILSEC_HASH_MAX],
		       struct err *err)
{
	char ids[32];
	snprintf(ids, sizeof ids, "%lld", (long long)id);
	const char *p[] = { ids };
	PGresult *r = db_query(db, "SELECT liasse.mailsec_sel($1)", 1, p, err);
	if (!r)
		return false;
	bool ok = mailsec_password_hash(password, PQgetvalue(r, 0, 0), out, err);
	PQclear(r);
	return ok;
}

bool
mailsec_password_set(struct db *db, int64_t id, int version, const char *password,
		     int *new_version, struct err *err)
{
	char ids[32], vers[16], hash[MAILSEC_HASH_MAX];
	snprintf(ids, sizeof ids, "%lld", (long long)id);
	snprintf(vers, sizeof vers, "%d", version);
	const char *p[] = { ids, version >= 0 ? vers : NULL, NULL };
	if (password && *password) {
		if (!mailsec_password_field(db, id, password, hash, err))
			return false;
		p[2] = hash;
	}
	PGresult *r = db_query(db,
			       "SELECT liasse.dossier_set($1, $2::integer, "
			       "jsonb_build_object('password', $3::text, 'password2', $3::text))",
			       3, p, err);
	if (!r)
		return false;
	if (new_version)
		*new_version = atoi(PQgetvalue(r, 0, 0));
	PQclear(r);
	return true;
}

bool
mailsec_reponse_fichier_save(struct db *db, const char *fichier, const char *path, struct err *err)
{
	const char *p[] = { fichier };
	PGresult *r = PQexecParams(db->conn, "SELECT data FROM liasse.mailsec_reponse_fichier_data($1)", 1, NULL,
				   p, NULL, NULL, 1);
	if (PQresultStatus(r) != PGRES_TUPLES_OK || PQntuples(r) != 1) {
		db_err_from_result(db, r, err);
		PQclear(r);
		return false;
	}
	size_t n = (size_t)PQgetlength(r, 0, 0);
	FILE *f = fopen(path, "wb");
	bool ok = f && fwrite(PQgetvalue(r, 0, 0), 1, n, f) == n;
	PQclear(r);
	if (f && fclose(f) != 0)
		ok = false;
	if (!ok)
		return err_set(err, ERR_IO, _("Écriture de « %s » impossible : %s."), path, strerror(errno));
	return true;
}

char *
mailsec_template(const char *tpl, const char *entite, const char *titre, const char *link)
{
	struct strbuf sb = STRBUF_INIT;
	sb_add(&sb, "");
	for (const char *p = tpl; *p;) {
		if (!strncmp(p, "%ENTITE%", 8)) {
			sb_add(&sb, entite ? entite : "");
			p += 8;
		} else if (!strncmp(p, "%TITRE%", 7)) {
			sb_add(&sb, titre ? titre : "");
			p += 7;
		} else if (!strncmp(p, "%LINK%", 6)) {
			sb_add(&sb, link ? link : "");
			p += 6;
		} else {
			sb_addc(&sb, *p++);
		}
	}
	return sb_take(&sb);
}

static void
base64(struct strbuf *sb, const unsigned char *s, size_t n, size_t wrap)
{
	static const char t[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	size_t col = 0;
	for (size_t i = 0; i < n; i += 3) {
		unsigned v = (unsigned)s[i] << 16 | (i + 1 < n ? (unsigned)s[i + 1] << 8 : 0) |
			     (i + 2 < n ? s[i + 2] : 0);
		sb_addc(sb, t[v >> 18 & 63]);
		sb_addc(sb, t[v >> 12 & 63]);
		sb_addc(sb, i + 1 < n ? t[v >> 6 & 63] : '=');
		sb_addc(sb, i + 2 < n ? t[v & 63] : '=');
		col += 4;
		if (wrap && col >= wrap && i + 3 < n) {
			sb_add(sb, "\r\n");
			col = 0;
		}
	}
}

/* A header value: plain when printable ASCII, else RFC 2047 B-encoded;
 * CR and LF never pass (no header injection). */
static void
header_text(struct strbuf *sb, const char *s)
{
	bool plain = true;
	for (const unsigned char *p = (const unsigned char *)s; *p; p++)
		if (*p < 0x20 || *p > 0x7e)
			plain = false;
	if (plain) {
		sb_add(sb, s);
		return;
	}
	struct strbuf clean = STRBUF_INIT;
	for (const char *p = s; *p; p++)
		sb_addc(&clean, *p == '\r' || *p == '\n' || *p == '\t' ? ' ' : *p);
	/* Chunks of at most 45 bytes, not splitting a UTF-8 sequence. */
	const unsigned char *u = (const unsigned char *)sb_str(&clean);
	size_t n = clean.len, i = 0;
	bool first = true;
	while (i < n) {
		size_t k = n - i > 45 ? 45 : n - i;
		while (k > 1 && i + k < n && (u[i + k] & 0xC0) == 0x80)
			k--;
		sb_add(sb, first ? "=?UTF-8?B?" : "\r\n =?UTF-8?B?");
		base64(sb, u + i, k, 0);
		sb_add(sb, "?=");
		i += k;
		first = false;
	}
	sb_free(&clean);
}

/* An address for a header: only the characters an address may hold. */
static bool
address_ok(const char *a)
{
	if (!a || !*a || strlen(a) > 254 || !strchr(a, '@'))
		return false;
	for (const unsigned char *p = (const unsigned char *)a; *p; p++)
		if (*p <= ' ' || *p > 0x7e || strchr("<>\",;()[]\\", *p))
			return false;
	return true;
}

struct upload {
	const char *data;
	size_t len, off;
};

static size_t
read_cb(char *buf, size_t size, size_t nmemb, void *ud)
{
	struct upload *u = ud;
	size_t n = size * nmemb;
	if (n > u->len - u->off)
		n = u->len - u->off;
	memcpy(buf, u->data + u->off, n);
	u->off += n;
	return n;
}

static const char *DEFAULT_BODY =
	"Bonjour,\n\n"
	"%ENTITE% vous a adressé un message par mail sécurisé : « %TITRE% ».\n"
	"Pour le lire, télécharger les documents et répondre, ouvrez le lien suivant :\n\n"
	"%LINK%\n\n"
	"Ce lien vous est personnel : ne le transférez pas.\n\n"
	"Cordialement\n";

/* A text/plain message from SMTP's sender to TO; NAME is the sender's
 * display name, SUBJECT and BODY are final (no template). */
static char *
plain_message(const struct mailsec_smtp *smtp, const char *name, const char *to, const char *subject,
	      const char *body)
{
	struct strbuf m = STRBUF_INIT;
	char date[64], mid[65];
	time_t now = time(NULL);
	struct tm tm;
	gmtime_r(&now, &tm);
	strftime(date, sizeof date, "%a, %d %b %Y %H:%M:%S +0000", &tm);
	if (!mailsec_random_hex(mid, NULL))
		str_copy(mid, sizeof mid, "0");
	sb_printf(&m, "Date: %s\r\n", date);
	sb_add(&m, "From: ");
	if (*name) {
		header_text(&m, name);
		sb_addc(&m, ' ');
	}
	sb_printf(&m, "<%s>\r\n", smtp->from);
	/* The recipient's own address only: never the others, never the bcc. */
	sb_printf(&m, "To: <%s>\r\n", to);
	if (smtp->reply_to && address_ok(smtp->reply_to))
		sb_printf(&m, "Reply-To: <%s>\r\n", smtp->reply_to);
	sb_add(&m, "Subject: ");
	header_text(&m, subject);
	sb_add(&m, "\r\n");
	const char *at = strchr(smtp->from, '@');
	sb_printf(&m, "Message-ID: <%s%s>\r\n", mid, at ? at : "@liasse");
	sb_add(&m, "MIME-Version: 1.0\r\nContent-Type: text/plain; charset=UTF-8\r\n"
		   "Content-Transfer-Encoding: base64\r\nAuto-Submitted: auto-generated\r\n\r\n");
	struct strbuf crlf = STRBUF_INIT;
	for (const char *p = body; *p; p++) {
		if (*p == '\n' && (p == body || p[-1] != '\r'))
			sb_addc(&crlf, '\r');
		sb_addc(&crlf, *p);
	}
	base64(&m, (const unsigned char *)sb_str(&crlf), crlf.len, 76);
	sb_add(&m, "\r\n");
	sb_free(&crlf);
	return sb_take(&m);
}

/* The message for one recipient of a mail sécurisé (templates expanded). */
static char *
build_message(const struct mailsec_smtp *smtp, const char *entite, const char *titre,
	      const char *to, const char *link)
{
	char *name = mailsec_template(smtp->from_name && *smtp->from_name ? smtp->from_name : "%ENTITE%",
				      entite, titre, "");
	char *subject = mailsec_template(smtp->subject && *smtp->subject ? smtp->subject : "%TITRE%",
					 entite, titre, link);
	char *body = mailsec_template(smtp->body && *smtp->body ? smtp->body : DEFAULT_BODY, entite,
				      titre, link);
	char *m = plain_message(smtp, name, to, subject, body);
	free(name);
	free(subject);
	free(body);
	return m;
}

/* Sends MSG to TO on C (reset first); the SMTP code in *CODE. */
static CURLcode
smtp_perform(CURL *c, const struct mailsec_smtp *smtp, const char *to, const char *msg, long *code,
	     char errbuf[CURL_ERROR_SIZE])
{
	struct upload up = { msg, strlen(msg), 0 };
	char rcpt[300], from[300];
	snprintf(rcpt, sizeof rcpt, "<%s>", to);
	snprintf(from, sizeof from, "<%s>", smtp->from);
	struct curl_slist *rl = curl_slist_append(NULL, rcpt);
	errbuf[0] = '\0';
	curl_easy_reset(c);
	curl_easy_setopt(c, CURLOPT_URL, smtp->url);
	curl_easy_setopt(c, CURLOPT_MAIL_FROM, from);
	curl_easy_setopt(c, CURLOPT_MAIL_RCPT, rl);
	curl_easy_setopt(c, CURLOPT_UPLOAD, 1L);
	curl_easy_setopt(c, CURLOPT_READFUNCTION, read_cb);
	curl_easy_setopt(c, CURLOPT_READDATA, &up);
	curl_easy_setopt(c, CURLOPT_INFILESIZE_LARGE, (curl_off_t)up.len);
	curl_easy_setopt(c, CURLOPT_ERRORBUFFER, errbuf);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_TIMEOUT, smtp->timeout > 0 ? smtp->timeout : 60L);
	curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, 20L);
	curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, 1L);
	curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, 2L);
	if (smtp->ca_file && *smtp->ca_file)
		curl_easy_setopt(c, CURLOPT_CAINFO, smtp->ca_file);
	if (smtp->starttls)
		curl_easy_setopt(c, CURLOPT_USE_SSL, (long)CURLUSESSL_ALL);
	if (smtp->user && *smtp->user) {
		curl_easy_setopt(c, CURLOPT_USERNAME, smtp->user);
		curl_easy_setopt(c, CURLOPT_PASSWORD, smtp->password ? smtp->password : "");
	}
	CURLcode rc = curl_easy_perform(c);
	*code = 0;
	curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, code);
	curl_slist_free_all(rl);
	return rc;
}

bool
mailsec_mail(const struct mailsec_smtp *smtp, const char *name, const char *to, const char *subject,
	     const char *body, struct err *err)
{
	if (!smtp->url || !*smtp->url)
		return err_set(err, ERR_INPUT, _("Connecteur mail sécurisé : serveur SMTP non configuré."));
	if (!address_ok(smtp->from) || !address_ok(to))
		return err_set(err, ERR_INPUT, _("Adresse invalide : « %s »."), address_ok(to) ? smtp->from : to);
	CURL *c = curl_easy_init();
	if (!c)
		return err_set(err, ERR_INTERNAL, _("libcurl indisponible."));
	char *msg = plain_message(smtp, name ? name : "", to, subject, body);
	char errbuf[CURL_ERROR_SIZE];
	long code;
	CURLcode rc = smtp_perform(c, smtp, to, msg, &code, errbuf);
	free(msg);
	curl_easy_cleanup(c);
	if (rc != CURLE_OK)
		return err_set(err, ERR_IO, _("Envoi à %s impossible (%ld) : %s"), to, code,
			       errbuf[0] ? errbuf : curl_easy_strerror(rc));
	return true;
}

bool
mailsec_send(struct db *db, int64_t id, const char *action, const struct mailsec_smtp *smtp,
	     struct mailsec_send_report *rep, struct err *err)
{
	memset(rep, 0, sizeof *rep);
	if (!smtp->url || !*smtp->url)
		return err_set(err, ERR_INPUT, _("Connecteur mail sécurisé : serveur SMTP non configuré."));
	if (!address_ok(smtp->from))
		return err_set(err, ERR_INPUT, _("Connecteur mail sécurisé : adresse d'expédition « %s » invalide."),
			       smtp->from ? smtp->from : "");
	if (!smtp->base_url || strncmp(smtp->base_url, "http", 4) != 0)
		return err_set(err, ERR_INPUT,
			       _("Connecteur mail sécurisé : adresse publique des pages destinataires (lien) non configurée."));
	char ids[32];
	snprintf(ids, sizeof ids, "%lld", (long long)id);
	const char *p[] = { ids, action };
	PGresult *info = db_query(db,
				  "SELECT e.denomination, d.titre FROM liasse.dossier d "
				  "JOIN liasse.entite e ON e.id = d.entite_id WHERE d.id = $1",
				  1, p, err);
	if (!info)
		return false;
	if (PQntuples(info) != 1) {
		PQclear(info);
		return err_set(err, ERR_NOT_FOUND, _("Mail sécurisé %s introuvable."), ids);
	}
	PGresult *dest = db_query(db,
				  "SELECT destinataire_id, email FROM liasse.mailsec_prepare($1, $2)",
				  2, p, err);
	if (!dest) {
		PQclear(info);
		return false;
	}
	const char *entite = PQgetvalue(info, 0, 0), *titre = PQgetvalue(info, 0, 1);
	CURL *c = curl_easy_init();
	if (!c) {
		PQclear(info);
		PQclear(dest);
		return err_set(err, ERR_INTERNAL, _("libcurl indisponible."));
	}
	bool ok = true;
	struct strbuf errors = STRBUF_INIT;
	size_t blen = strlen(smtp->base_url);
	for (int i = 0; ok && i < PQntuples(dest); i++) {
		const char *did = PQgetvalue(dest, i, 0), *to = PQgetvalue(dest, i, 1);
		rep->total++;
		char reason[300] = "";
		if (!address_ok(to)) {
			snprintf(reason, sizeof reason, _("adresse invalide"));
		} else {
			char key[MAILSEC_KEY_LEN + 1], hashhex[70];
			unsigned char hash[32];
			if (!mailsec_key_new(key, hash, err)) {
				ok = false;
				break;
			}
			hashhex[0] = '\\', hashhex[1] = 'x';
			to_hex(hash, sizeof hash, hashhex + 2);
			const char *pl[] = { did, hashhex };
			PGresult *r = db_query(db, "SELECT liasse.mailsec_lien_add($1, $2::bytea)", 2, pl, err);
			if (!r) {
				ok = false;
				break;
			}
			PQclear(r);
			struct strbuf link = STRBUF_INIT;
			sb_addn(&link, smtp->base_url, blen && smtp->base_url[blen - 1] == '/' ? blen - 1 : blen);
			sb_printf(&link, "/mail/%s", key);
			OPENSSL_cleanse(key, sizeof key);
			char *msg = build_message(smtp, entite, titre, to, sb_str(&link));
			sb_free(&link);
			char errbuf[CURL_ERROR_SIZE];
			long code;
			CURLcode rc = smtp_perform(c, smtp, to, msg, &code, errbuf);
			free(msg);
			if (rc != CURLE_OK) {
				if (code >= 500 && code < 600) {
					snprintf(reason, sizeof reason, _("refusée par le serveur SMTP (%ld) : %s"),
						 code, errbuf[0] ? errbuf : curl_easy_strerror(rc));
				} else {
					/* Transient: the server, not this address. Stop here;
					 * the job is retried and the rest is written then. */
					rep->transient = true;
					snprintf(rep->message, sizeof rep->message,
						 _("Serveur SMTP injoignable ou indisponible (%s%s%s) : %d message(s) envoyé(s) sur %d."),
						 curl_easy_strerror(rc), errbuf[0] ? " : " : "", errbuf, rep->sent,
						 PQntuples(dest));
					log_warn("smtp %s: %s (%ld) %s", smtp->url, curl_easy_strerror(rc), code, errbuf);
					break;
				}
			}
		}
		const char *pe[] = { did, reason[0] ? reason : NULL };
		PGresult *r = db_query(db, "SELECT liasse.mailsec_envoye($1, $2)", 2, pe, err);
		if (!r) {
			ok = false;
			break;
		}
		PQclear(r);
		if (reason[0]) {
			rep->refused++;
			sb_printf(&errors, "%s%s (%s)", errors.len ? ", " : "", to, reason);
		} else {
			rep->sent++;
		}
	}
	curl_easy_cleanup(c);
	PQclear(info);
	PQclear(dest);
	if (ok && !rep->transient) {
		if (rep->refused)
			snprintf(rep->message, sizeof rep->message,
				 _("%d message(s) envoyé(s), %d adresse(s) refusée(s) : %s"), rep->sent,
				 rep->refused, sb_str(&errors));
		else
			snprintf(rep->message, sizeof rep->message, _("%d message(s) envoyé(s)"), rep->sent);
	}
	sb_free(&errors);
	return ok;
}
