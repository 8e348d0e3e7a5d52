/* The SFTP target of the dépôt connector (see depot.h), on libcurl's
 * SFTP (libssh2). One connection per run (the easy handle keeps it).
 * The server's host key is always checked against the configured
 * fingerprint ("SHA256:…" as OpenSSH prints it, an MD5 in hex, or the
 * key itself: a known_hosts line or the host's .pub): an unknown or
 * different key is refused, and the message gives the key presented.
 * Authentication by private key (+ passphrase) and/or password. A file
 * is uploaded as "NAME.part" and renamed by a post-quote command; a
 * name conflict is found by listing the directory on the server, and
 * the server's rename refuses to clobber (SFTP v3) as a last guard. */
#include <curl/curl.h>
#include <errno.h>
#include <fcntl.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/depot.h"
#include "core/i18n.h"

enum hostkey { HK_UNCHECKED, HK_OK, HK_UNKNOWN, HK_MISMATCH };

struct sftp_target {
	struct depot_target base;
	CURL *curl;
	char errbuf[CURL_ERROR_SIZE];
	char host[300];      /* "hôte:port", for messages */
	char url[600];       /* "sftp://hôte:port" */
	char root[1024];     /* remote absolute directory, no trailing '/' */
	char keyfile[1100];  /* local copy of the private key, "" when none */
	const struct connector_config *cfg;
	enum hostkey hostkey; /* set by the first connection, kept by the reused one */
	CURLcode rc;          /* of the last request */
	char seen[128];      /* the fingerprint the server presented */
	char listed[1100];   /* cache: the directory whose names are in LISTING */
	bool listed_valid;
	struct strbuf listing;
	unsigned staged;
};

static void
b64(const unsigned char *in, size_t n, char *out, size_t outsz, bool strip)
{
	unsigned char buf[200];
	if (n > 96)
		n = 96;
	int k = EVP_EncodeBlock(buf, in, (int)n);
	while (strip && k > 0 && buf[k - 1] == '=')
		k--;
	buf[k] = 0;
	str_copy(out, outsz, (const char *)buf);
}

/* True when token TOK (base64) decodes to exactly KEY. */
static bool
same_blob(const char *tok, size_t toklen, const char *key, size_t keylen)
{
	if (toklen < 16 || toklen % 4 || toklen > 8192)
		return false;
	unsigned char *raw = xmalloc(toklen);
	int n = EVP_DecodeBlock(raw, (const unsigned char *)tok, (int)toklen);
	bool same = false;
	if (n > 0) {
		size_t len = (size_t)n - (tok[toklen - 1] == '=') - (tok[toklen - 2] == '=');
		same = len == keylen && memcmp(raw, key, keylen) == 0;
	}
	free(raw);
	return same;
}

/* Does the configured fingerprint WANT designate KEY? */
static bool
fingerprint_match(const char *want, const char *key, size_t keylen, const char *sha256, const char *md5)
{
	while (*want == ' ')
		want++;
	if (strncasecmp(want, "SHA256:", 7) == 0 || (strlen(want) >= 43 && strlen(want) <= 44 && !strchr(want, ' '))) {
		const char *w = strncasecmp(want, "SHA256:", 7) == 0 ? want + 7 : want;
		size_t n = strcspn(w, "= \n");
		return n == strlen(sha256) && strncmp(w, sha256, n) == 0;
	}
	char hex[64] = "";
	size_t h = 0;
	const char *w = strncasecmp(want, "MD5:", 4) == 0 ? want + 4 : want;
	for (; *w && h < sizeof hex - 1; w++)
		if (*w != ':' && *w != ' ' && *w != '\n')
			hex[h++] = (char)(*w >= 'A' && *w <= 'F' ? *w + 32 : *w);
	hex[h] = 0;
	if (h == 32 && strspn(hex, "0123456789abcdef") == 32)
		return md5[0] && strcmp(hex, md5) == 0;
	/* A key line: any whitespace-separated token that is the key blob. */
	for (const char *p = want; *p;) {
		p += strspn(p, " \t\r\n");
		size_t n = strcspn(p, " \t\r\n");
		if (n && same_blob(p, n, key, keylen))
			return true;
		p += n;
	}
	return false;
}

static int
on_hostkey(void *arg, int keytype, const char *key, size_t keylen)
{
	struct sftp_target *t = arg;
	(void)keytype;
	unsigned char d[EVP_MAX_MD_SIZE];
	unsigned int dn = 0;
	char sha[80] = "", md5[40] = "";
	if (EVP_Digest(key, keylen, d, &dn, EVP_sha256(), NULL) == 1 && dn == 32)
		b64(d, dn, sha, sizeof sha, true);
	dn = 0;
	if (EVP_Digest(key, keylen, d, &dn, EVP_md5(), NULL) == 1 && dn == 16) /* (not in FIPS mode) */
		for (unsigned i = 0; i < dn; i++)
			snprintf(md5 + 2 * i, 3, "%02x", d[i]);
	snprintf(t->seen, sizeof t->seen, "SHA256:%s", sha);
	const char *want = connector_config_get(t->cfg, "depot_sftp_fingerprint");
	if (!sha[0] || keylen == 0)
		t->hostkey = HK_UNCHECKED;
	else if (!want)
		t->hostkey = HK_UNKNOWN;
	else
		t->hostkey = fingerprint_match(want, key, keylen, sha, md5) ? HK_OK : HK_MISMATCH;
	return t->hostkey == HK_OK ? CURLKHMATCH_OK : CURLKHMATCH_MISMATCH;
}

static bool
sftp_error(struct sftp_target *t, CURLcode rc, const char *what, struct err *err)
{
	const char *login = connector_config_get(t->cfg, "depot_sftp_login");
	switch (rc) {
	case CURLE_COULDNT_RESOLVE_HOST:
		err_set(err, ERR_IO, _("Serveur SFTP %s introuvable (nom inconnu)."), t->host);
		break;
	case CURLE_COULDNT_CONNECT:
		err_set(err, ERR_IO, _("Connexion impossible au serveur SFTP %s : serveur arrêté ou injoignable."),
			t->host);
		break;
	case CURLE_OPERATION_TIMEDOUT:
		err_set(err, ERR_IO, _("Le serveur SFTP %s n'a pas répondu dans le délai."), t->host);
		break;
	case CURLE_PEER_FAILED_VERIFICATION:
		if (t->hostkey == HK_UNKNOWN)
			err_set(err, ERR_INPUT, _("Clé du serveur SFTP %s inconnue : connexion refusée. Vérifiez "
						  "l'empreinte %s auprès de l'administrateur du serveur, puis "
						  "enregistrez-la (paramètre depot_sftp_fingerprint)."), t->host, t->seen);
		else if (t->hostkey == HK_MISMATCH)
			err_set(err, ERR_INPUT, _("La clé du serveur SFTP %s ne correspond pas à l'empreinte "
						  "enregistrée (présentée : %s) : connexion refusée. Le serveur a "
						  "changé de clé ou ce n'est pas lui."), t->host, t->seen);
		else
			err_set(err, ERR_INPUT, _("La clé du serveur SFTP %s n'a pas pu être vérifiée : connexion "
						  "refusée."), t->host);
		break;
	case CURLE_LOGIN_DENIED:
		err_set(err, ERR_INPUT, _("Le serveur SFTP %s a refusé la connexion de « %s » : clé privée, "
					  "phrase de passe ou mot de passe refusés."), t->host, login ? login : "");
		break;
	case CURLE_REMOTE_FILE_NOT_FOUND:
		err_set(err, ERR_IO, _("« %s » n'existe pas sur le serveur SFTP %s."), what, t->host);
		break;
	case CURLE_REMOTE_ACCESS_DENIED:
	case CURLE_UPLOAD_FAILED:
	case CURLE_REMOTE_DISK_FULL:
		err_set(err, ERR_IO, _("Écriture de « %s » refusée par le serveur SFTP %s."), what, t->host);
		break;
	case CURLE_QUOTE_ERROR:
		err_set(err, ERR_DB_CONFLICT, _("Le serveur SFTP %s a refusé de renommer ou de créer « %s »."),
			t->host, what);
		break;
	default:
		err_set(err, ERR_IO, _("Échange avec le serveur SFTP %s impossible."), t->host);
	}
	err_detail(err, "curl %d: %s %s", (int)rc, curl_easy_strerror(rc), t->errbuf);
	return false;
}

/* "sftp://hôte:port" + the escaped absolute path of REL ("" = root). */
static void
url_of(struct sftp_target *t, struct strbuf *u, const char *rel, const char *suffix)
{
	struct strbuf path = STRBUF_INIT;
	sb_printf(&path, "%s%s%s%s", t->root, rel[0] ? "/" : "", rel, suffix);
	sb_add(u, t->url);
	const char *p = sb_str(&path);
	while (*p) {
		size_t n = strcspn(p, "/");
		if (n) {
			char *e = curl_easy_escape(t->curl, p, (int)n);
			sb_add(u, e);
			curl_free(e);
		}
		if (p[n] == '/')
			sb_addc(u, '/');
		p += n + (p[n] == '/');
	}
	if (!sb_str(&path)[0])
		sb_addc(u, '/');
	sb_free(&path);
}

/* A quote command "CMD \"/root/A\" [\"/root/B\"]" (libcurl's quoting). */
static struct curl_slist *
quote(struct curl_slist *l, struct sftp_target *t, const char *cmd, const char *a, const char *b)
{
	struct strbuf s = STRBUF_INIT;
	sb_add(&s, cmd);
	for (int i = 0; i < 2; i++) {
		const char *rel = i ? b : a;
		if (!rel)
			continue;
		sb_add(&s, " \"");
		for (const char *p = t->root; *p; p++) {
			if (*p == '"' || *p == '\\')
				sb_addc(&s, '\\');
			sb_addc(&s, *p);
		}
		sb_addc(&s, '/');
		for (const char *p = rel; *p; p++) {
			if (*p == '"' || *p == '\\')
				sb_addc(&s, '\\');
			sb_addc(&s, *p);
		}
		sb_addc(&s, '"');
	}
	l = curl_slist_append(l, sb_str(&s));
	sb_free(&s);
	return l;
}

static size_t
on_list(char *p, size_t size, size_t n, void *arg)
{
	sb_addn(arg, p, size * n);
	return size * n;
}

/* Options of every request: the reset keeps the open connection. */
static void
setup(struct sftp_target *t)
{
	CURL *c = t->curl;
	const struct connector_config *cfg = t->cfg;
	curl_easy_reset(c);
	t->errbuf[0] = 0;
	curl_easy_setopt(c, CURLOPT_ERRORBUFFER, t->errbuf);
	curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "sftp");
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, connector_config_long(cfg, "depot_sftp_delai", 20));
	curl_easy_setopt(c, CURLOPT_LOW_SPEED_LIMIT, 1L);
	curl_easy_setopt(c, CURLOPT_LOW_SPEED_TIME, connector_config_long(cfg, "depot_sftp_delai", 20) * 3);
	curl_easy_setopt(c, CURLOPT_USERNAME, connector_config_get(cfg, "depot_sftp_login"));
	long auth = 0;
	if (t->keyfile[0]) {
		auth |= CURLSSH_AUTH_PUBLICKEY;
		curl_easy_setopt(c, CURLOPT_SSH_PRIVATE_KEYFILE, t->keyfile);
		curl_easy_setopt(c, CURLOPT_SSH_PUBLIC_KEYFILE, ""); /* derived from the private key */
		curl_easy_setopt(c, CURLOPT_KEYPASSWD, connector_config_get(cfg, "depot_sftp_private_key_password"));
	}
	if (connector_config_get(cfg, "depot_sftp_password")) {
		auth |= CURLSSH_AUTH_PASSWORD;
		curl_easy_setopt(c, CURLOPT_PASSWORD, connector_config_get(cfg, "depot_sftp_password"));
	}
	curl_easy_setopt(c, CURLOPT_SSH_AUTH_TYPES, auth ? auth : CURLSSH_AUTH_NONE);
	curl_easy_setopt(c, CURLOPT_SSH_HOSTKEYFUNCTION, on_hostkey);
	curl_easy_setopt(c, CURLOPT_SSH_HOSTKEYDATA, t);
}

static bool
perform(struct sftp_target *t, const char *what, struct err *err)
{
	CURLcode rc = t->rc = curl_easy_perform(t->curl);
	if (rc == CURLE_OK && t->hostkey != HK_OK) /* a libcurl that skipped our check */
		rc = t->rc = CURLE_PEER_FAILED_VERIFICATION;
	return rc == CURLE_OK || sftp_error(t, rc, what, err);
}

/* Lists directory DIR (relative), running the commands of PRE first. */
static bool
list_dir(struct sftp_target *t, const char *dir, struct curl_slist *pre, struct err *err)
{
	struct strbuf u = STRBUF_INIT;
	url_of(t, &u, dir, "/");
	setup(t);
	sb_reset(&t->listing);
	curl_easy_setopt(t->curl, CURLOPT_URL, sb_str(&u));
	curl_easy_setopt(t->curl, CURLOPT_DIRLISTONLY, 1L);
	curl_easy_setopt(t->curl, CURLOPT_WRITEFUNCTION, on_list);
	curl_easy_setopt(t->curl, CURLOPT_WRITEDATA, &t->listing);
	curl_easy_setopt(t->curl, CURLOPT_QUOTE, pre);
	bool ok = perform(t, dir[0] ? dir : t->root, err);
	sb_free(&u);
	str_copy(t->listed, sizeof t->listed, dir);
	t->listed_valid = ok;
	return ok;
}

static bool
sftp_exists(struct depot_target *base, const char *rel, bool *exists, struct err *err)
{
	struct sftp_target *t = (struct sftp_target *)base;
	const char *slash = strrchr(rel, '/');
	char dir[1100] = "";
	if (slash)
		snprintf(dir, sizeof dir, "%.*s", (int)(slash - rel), rel);
	const char *name = slash ? slash + 1 : rel;
	*exists = false;
	if (!t->listed_valid || strcmp(t->listed, dir) != 0) {
		struct err lerr = { 0 };
		if (!list_dir(t, dir, NULL, &lerr)) {
			if (dir[0] && t->rc == CURLE_REMOTE_FILE_NOT_FOUND) /* no such directory: no such name */
				return true;
			*err = lerr;
			return false;
		}
	}
	size_t n = strlen(name);
	for (const char *p = sb_str(&t->listing); *p;) {
		size_t k = strcspn(p, "\r\n");
		if (k == n && strncmp(p, name, n) == 0) {
			*exists = true;
			break;
		}
		p += k;
		p += strspn(p, "\r\n");
	}
	return true;
}

static bool
sftp_mkdir(struct depot_target *base, const char *rel, struct err *err)
{
	struct sftp_target *t = (struct sftp_target *)base;
	bool there;
	if (!sftp_exists(base, rel, &there, err))
		return false;
	if (there)
		return true;
	struct curl_slist *q = quote(NULL, t, "mkdir", rel, NULL);
	const char *slash = strrchr(rel, '/');
	char dir[1100] = "";
	if (slash)
		snprintf(dir, sizeof dir, "%.*s", (int)(slash - rel), rel);
	bool ok = list_dir(t, dir, q, err);
	curl_slist_free_all(q);
	t->listed_valid = false;
	return ok;
}

static char *
sftp_staging(struct depot_target *base, const char *rel)
{
	struct sftp_target *t = (struct sftp_target *)base;
	(void)rel;
	struct strbuf s = STRBUF_INIT;
	sb_printf(&s, "%s/envoi-%u", base->tmpdir, t->staged++);
	return sb_take(&s);
}

static bool
sftp_commit(struct depot_target *base, const char *staging, const char *rel, bool replace, struct err *err)
{
	struct sftp_target *t = (struct sftp_target *)base;
	bool there = false;
	if (replace && !sftp_exists(base, rel, &there, err))
		return false;
	FILE *fp = fopen(staging, "rb");
	struct stat st;
	if (!fp || fstat(fileno(fp), &st) != 0) {
		if (fp)
			fclose(fp);
		return err_set(err, ERR_IO, _("Fichier provisoire illisible : %s (%s)."), staging, strerror(errno));
	}
	struct strbuf u = STRBUF_INIT, part = STRBUF_INIT;
	url_of(t, &u, rel, ".part");
	sb_printf(&part, "%s.part", rel);
	struct curl_slist *post = NULL;
	if (there)
		post = quote(post, t, "rm", rel, NULL);
	post = quote(post, t, "rename", sb_str(&part), rel);
	setup(t);
	curl_easy_setopt(t->curl, CURLOPT_URL, sb_str(&u));
	curl_easy_setopt(t->curl, CURLOPT_UPLOAD, 1L);
	curl_easy_setopt(t->curl, CURLOPT_READDATA, fp);
	curl_easy_setopt(t->curl, CURLOPT_INFILESIZE_LARGE, (curl_off_t)st.st_size);
	curl_easy_setopt(t->curl, CURLOPT_NEW_FILE_PERMS, 0640L);
	curl_easy_setopt(t->curl, CURLOPT_POSTQUOTE, post);
	bool ok = perform(t, rel, err);
	fclose(fp);
	curl_slist_free_all(post);
	t->listed_valid = false;
	if (!ok) { /* the rename refused (name taken meanwhile): no .part left behind */
		struct curl_slist *rm = quote(NULL, t, "rm", sb_str(&part), NULL);
		struct err ignored = { 0 };
		list_dir(t, "", rm, &ignored);
		curl_slist_free_all(rm);
		t->listed_valid = false;
	}
	sb_free(&u);
	sb_free(&part);
	return ok;
}

static bool
sftp_rename(struct depot_target *base, const char *from, const char *to, struct err *err)
{
	struct sftp_target *t = (struct sftp_target *)base;
	struct curl_slist *q = quote(NULL, t, "rename", from, to);
	bool ok = list_dir(t, "", q, err);
	curl_slist_free_all(q);
	t->listed_valid = false;
	if (!ok)
		err_set(err, err->code, _("Renommage de « %s » en « %s » refusé par le serveur SFTP %s."), from, to,
			t->host);
	return ok;
}

static void
sftp_close(struct depot_target *base)
{
	struct sftp_target *t = (struct sftp_target *)base;
	if (t->curl)
		curl_easy_cleanup(t->curl);
	if (t->keyfile[0]) { /* the key does not stay on disk */
		int fd = open(t->keyfile, O_WRONLY);
		struct stat st;
		if (fd >= 0 && fstat(fd, &st) == 0) {
			char zero[512] = { 0 };
			for (off_t w = 0; w < st.st_size; w += (off_t)sizeof zero)
				if (write(fd, zero, sizeof zero) < 0)
					break;
		}
		if (fd >= 0)
			close(fd);
		unlink(t->keyfile);
	}
	sb_free(&t->listing);
	free(t);
}

static const struct depot_target_ops sftp_ops = {
	.exists = sftp_exists,
	.mkdir = sftp_mkdir,
	.staging = sftp_staging,
	.commit = sftp_commit,
	.rename = sftp_rename,
	.close = sftp_close,
};

struct depot_target *
depot_sftp_open(const struct connector_config *cfg, const char *tmpdir, struct err *err)
{
	const char *host = connector_config_get(cfg, "depot_sftp_host");
	const char *dir = connector_config_get(cfg, "depot_sftp_directory");
	const char *key = connector_config_get(cfg, "depot_sftp_private_key");
	if (!host || strpbrk(host, "/@ ") || !connector_config_get(cfg, "depot_sftp_login"))
		return err_set(err, ERR_INPUT, _("Serveur SFTP ou identifiant non renseigné (ou invalide).")), NULL;
	if (!dir || dir[0] != '/')
		return err_set(err, ERR_INPUT, _("Le répertoire SFTP doit être un chemin absolu (« %s »)."),
			       dir ? dir : ""), NULL;
	struct sftp_target *t = xcalloc(1, sizeof *t);
	t->base.ops = &sftp_ops;
	t->base.tmpdir = tmpdir;
	t->cfg = cfg;
	long port = connector_config_long(cfg, "depot_sftp_port", 22);
	snprintf(t->host, sizeof t->host, strchr(host, ':') ? "[%s]:%ld" : "%s:%ld", host, port);
	snprintf(t->url, sizeof t->url, "sftp://%s", t->host);
	str_copy(t->root, sizeof t->root, dir);
	for (size_t n = strlen(t->root); n > 1 && t->root[n - 1] == '/';)
		t->root[--n] = 0;
	if (strcmp(t->root, "/") == 0)
		t->root[0] = 0;
	snprintf(t->base.where, sizeof t->base.where, "%s%s", t->url, t->root[0] ? t->root : "/");
	t->curl = curl_easy_init();
	if (!t->curl) {
		sftp_close(&t->base);
		return err_set(err, ERR_INTERNAL, _("Initialisation de libcurl impossible.")), NULL;
	}
	if (key) {
		snprintf(t->keyfile, sizeof t->keyfile, "%s/cle", tmpdir);
		int fd = open(t->keyfile, O_WRONLY | O_CREAT | O_TRUNC | O_EXCL, 0600);
		size_t n = strlen(key);
		bool ok = fd >= 0 && write(fd, key, n) == (ssize_t)n && (key[n - 1] == '\n' || write(fd, "\n", 1) == 1);
		if (fd >= 0)
			close(fd);
		if (!ok) {
			err_set(err, ERR_IO, _("Copie provisoire de la clé privée impossible (%s)."), strerror(errno));
			sftp_close(&t->base);
			return NULL;
		}
	}
	if (!list_dir(t, "", NULL, err)) {
		sftp_close(&t->base);
		return NULL;
	}
	return &t->base;
}

bool
depot_sftp_test(const struct connector_config *cfg, struct strbuf *message, struct err *err)
{
	char *tmpdir = depot_tmpdir(err);
	struct depot_target *base = tmpdir ? depot_sftp_open(cfg, tmpdir, err) : NULL;
	if (base) {
		struct sftp_target *t = (struct sftp_target *)base;
		int n = 0;
		for (const char *p = sb_str(&t->listing); *p; p += strspn(p, "\r\n")) {
			size_t k = strcspn(p, "\r\n");
			n += k && !(k == 1 && p[0] == '.') && !(k == 2 && strncmp(p, "..", 2) == 0);
			p += k;
		}
		sb_printf(message, _("Connexion SFTP établie avec %s (clé du serveur %s vérifiée) : le répertoire "
				     "« %s » contient %d élément(s)."), t->host, t->seen, t->root[0] ? t->root : "/", n);
		base->ops->close(base);
	}
	depot_tmpdir_remove(&tmpdir);
	return base != NULL;
}
