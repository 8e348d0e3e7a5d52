/* The S2LOW connector (family TdT): actes (transmission, status with the
 * ARActe, files, bordereau, cancellation, classification check) and
 * Helios (PES post, status, PES_ACQUIT and etat_ack). See the protocol
 * note s2low-actes-iparapheur-sae.md; S2LOW's server behaviour wins.
 *
 * Idempotence: before a create/post/cancel the intent is recorded
 * (connector data, committed at once); after a crash the next run finds
 * the transaction id if it was stored, otherwise sends again: S2LOW
 * refuses a second acte with the same number, and the existing
 * transaction is then looked up by number and adopted. */
#include <json-c/json.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/pkcs12.h>
#include <openssl/sha.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "core/cert.h"
#include "core/connector.h"
#include "core/dossier.h"
#include "core/http.h"
#include "core/i18n.h"
#include "core/log.h"
#include "core/pes.h"
#include "core/targz.h"
#include "core/validate.h"

static const struct connector_field s2low_fields[] = {
	{ "url", N_("Adresse de S²LOW (https://...)"), CF_TEXT, true, NULL, NULL },
	{ "ca", N_("Autorité de certification du serveur (PEM)"), CF_FILE, false, NULL, NULL },
	{ "certificat", N_("Certificat client (PEM)"), CF_FILE, false, NULL, NULL },
	{ "cle", N_("Clé privée du certificat client (PEM)"), CF_FILE, false, NULL, NULL },
	{ "cle_mot_de_passe", N_("Mot de passe de la clé"), CF_SECRET, false, NULL, NULL },
	{ "p12", N_("Certificat client PKCS#12 (.p12)"), CF_FILE, false, NULL, NULL },
	{ "p12_mot_de_passe", N_("Mot de passe du PKCS#12"), CF_SECRET, false, NULL, NULL },
	{ "cle_pkcs11", N_("Clé TLS sur un jeton PKCS#11 (URI pkcs11:token=...;object=...)"), CF_TEXT, false,
	  NULL, NULL },
	{ "code_pin", N_("Code PIN du jeton PKCS#11"), CF_SECRET, false, NULL, NULL },
	{ "login", N_("Identifiant (si le certificat sert à plusieurs comptes)"), CF_TEXT, false, NULL, NULL },
	{ "mot_de_passe", N_("Mot de passe du compte"), CF_SECRET, false, NULL, NULL },
	{ "envoi_en_attente", N_("Confirmer la transaction sur S²LOW (en attente d'être postée)"), CF_BOOL,
	  false, NULL, NULL },
	{ "delai", N_("Délai d'attente d'une réponse (secondes)"), CF_NUMBER, false, "60", NULL },
	{ "classification_sha256", N_("Empreinte de la classification enregistrée"), CF_TEXT, false, NULL,
	  NULL },
	{ NULL, NULL, CF_TEXT, false, NULL, NULL },
};

/* ---- Latin-1 ---------------------------------------------------------- */

/* UTF-8 to ISO-8859-1; false with the first character Latin-1 cannot
 * carry in BAD (as UTF-8) when the text has one (or is not UTF-8). */
static bool
to_latin1(const char *in, char **out, char *bad, size_t badlen)
{
	const unsigned char *s = (const unsigned char *)in;
	struct strbuf sb = STRBUF_INIT;
	sb_add(&sb, "");
	while (*s) {
		unsigned cp;
		int n;
		if (*s < 0x80) {
			cp = *s;
			n = 1;
		} else if ((*s & 0xE0) == 0xC0 && (s[1] & 0xC0) == 0x80) {
			cp = ((s[0] & 0x1Fu) << 6) | (s[1] & 0x3Fu);
			n = 2;
		} else {
			n = (*s & 0xF0) == 0xE0 ? 3 : (*s & 0xF8) == 0xF0 ? 4 : 1;
			cp = 0x110000;
		}
		if (cp > 0xFF) {
			size_t k = 0;
			while (k < (size_t)n && s[k] && k + 1 < badlen) {
				bad[k] = (char)s[k];
				k++;
			}
			bad[k] = 0;
			sb_free(&sb);
			return false;
		}
		sb_addc(&sb, (char)cp);
		s += n;
	}
	*out = sb_take(&sb);
	return true;
}

/* ISO-8859-1 (N bytes) to UTF-8; caller frees. */
static char *
from_latin1(const char *in, size_t n)
{
	struct strbuf sb = STRBUF_INIT;
	sb_add(&sb, "");
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)in[i];
		if (c == 0)
			break;
		if (c < 0x80) {
			sb_addc(&sb, (char)c);
		} else {
			sb_addc(&sb, (char)(0xC0 | (c >> 6)));
			sb_addc(&sb, (char)(0x80 | (c & 0x3F)));
		}
	}
	return sb_take(&sb);
}

/* A redirect target, cut for messages. */
static const char *
cut_text(const char *s)
{
	static _Thread_local char buf[200];
	str_copy(buf, sizeof buf, s);
	return buf;
}

/* ---- HTTP with the connector's configuration ------------------------- */

struct s2 {
	const struct connector_config *cfg;
	struct http_opts o;
	unsigned char *p12;
	char *cert_uri;
	char base[512];
};

/* The client key on a PKCS#11 token (cle_pkcs11, PIN code_pin); without
 * a PEM certificate, the certificate is the token's object of the same
 * URI (type=cert). The PIN stays a secret: refused inside the URI. */
static bool
s2_token(struct s2 *s, const char *uri, struct err *err)
{
	if (strncmp(uri, "pkcs11:", 7) != 0)
		return err_set(err, ERR_INPUT, _("La clé PKCS#11 doit être une URI « pkcs11:... » "
						 "(paramètre cle_pkcs11), par exemple "
						 "pkcs11:token=MonJeton;object=cle-tls."));
	if (strstr(uri, "pin-value=") || strstr(uri, "pin-source="))
		return err_set(err, ERR_INPUT, _("Le code PIN ne va pas dans l'URI de la clé : enregistrez-le "
						 "dans le paramètre secret code_pin."));
	s->o.key_pkcs11 = uri;
	s->o.key_pin = connector_config_get(s->cfg, "code_pin");
	if (s->o.cert_pem)
		return true;
	/* The same object, as a certificate: type=private (or none) -> type=cert. */
	struct strbuf sb = STRBUF_INIT;
	const char *p = uri + 7;
	sb_add(&sb, "pkcs11:");
	while (*p) {
		size_t n = strcspn(p, ";?");
		if (!(n >= 5 && strncmp(p, "type=", 5) == 0)) {
			if (sb.len > 7)
				sb_addc(&sb, ';');
			sb_addn(&sb, p, n);
		}
		p += n;
		if (*p == '?')
			break;
		if (*p)
			p++;
	}
	sb_add(&sb, sb.len > 7 ? ";type=cert" : "type=cert");
	if (*p == '?')
		sb_add(&sb, p);
	s->cert_uri = sb_take(&sb);
	s->o.cert_pkcs11 = s->cert_uri;
	return true;
}

/* Describes the client certificate of S when the configuration holds it
 * (PEM or PKCS#12); false for a key on a token, or a certificate that
 * does not read (the TLS layer then says why). */
static bool
s2_client_cert(const struct s2 *s, struct cert_info *ci)
{
	X509 *x = NULL;
	if (s->o.p12 && s->o.p12_len) {
		const unsigned char *p = s->o.p12;
		PKCS12 *p12 = d2i_PKCS12(NULL, &p, (long)s->o.p12_len);
		EVP_PKEY *k = NULL;
		if (p12 && !PKCS12_parse(p12, s->o.p12_password, &k, &x, NULL))
			x = NULL;
		EVP_PKEY_free(k);
		PKCS12_free(p12);
	} else if (s->o.cert_pem && s->o.cert_pem[0]) {
		BIO *b = BIO_new_mem_buf(s->o.cert_pem, -1);
		x = b ? PEM_read_bio_X509(b, NULL, NULL, NULL) : NULL;
		BIO_free(b);
	}
	ERR_clear_error();
	if (!x)
		return false;
	cert_describe(x, ci);
	X509_free(x);
	return true;
}

static bool
s2_open(struct s2 *s, const struct connector_config *cfg, struct err *err)
{
	memset(s, 0, sizeof *s);
	s->cfg = cfg;
	const char *url = connector_config_get(cfg, "url");
	if (!url || strncmp(url, "https://", 8) != 0)
		return err_set(err, ERR_INPUT, _("L'adresse de S²LOW doit commencer par https:// (paramètre url)."));
	str_copy(s->base, sizeof s->base, url);
	size_t n = strlen(s->base);
	while (n && s->base[n - 1] == '/')
		s->base[--n] = 0;
	s->o.ca_pem = connector_config_get(cfg, "ca");
	s->o.cert_pem = connector_config_get(cfg, "certificat");
	s->o.key_pem = connector_config_get(cfg, "cle");
	s->o.key_password = connector_config_get(cfg, "cle_mot_de_passe");
	const char *p12 = connector_config_get(cfg, "p12");
	if (p12) {
		size_t len = strlen(p12);
		s->p12 = xmalloc(len / 4 * 3 + 4);
		int k = EVP_DecodeBlock(s->p12, (const unsigned char *)p12, (int)len);
		if (k < 0) {
			free(s->p12);
			s->p12 = NULL;
			return err_set(err, ERR_INPUT, _("Le certificat PKCS#12 enregistré est illisible (base64)."));
		}
		while (len && p12[len - 1] == '=')
			len--, k--;
		s->o.p12 = s->p12;
		s->o.p12_len = (size_t)k;
		s->o.p12_password = connector_config_get(cfg, "p12_mot_de_passe");
	}
	const char *uri = connector_config_get(cfg, "cle_pkcs11");
	if (uri && uri[0] && !s2_token(s, uri, err))
		return false;
	if (!s->o.cert_pem && !s->o.p12 && !s->o.key_pkcs11)
		return err_set(err, ERR_INPUT, _("Aucun certificat client configuré (certificat + cle, p12, ou "
						 "cle_pkcs11 pour une clé sur jeton)."));
	s->o.user = connector_config_get(cfg, "login");
	s->o.password = connector_config_get(cfg, "mot_de_passe");
	s->o.timeout = connector_config_long(cfg, "delai", 60);
	/* An expired certificate said as such, not as a TLS alert. */
	struct cert_info ci;
	if (!s2_client_cert(s, &ci))
		return true;
	time_t now = time(NULL);
	if (ci.not_after_t < now)
		return err_set(err, ERR_INPUT, _("Le certificat client du connecteur (« %s ») a expiré le %s : S²LOW "
						 "refuserait la connexion. Enregistrez un certificat en cours de "
						 "validité."), ci.holder, ci.not_after);
	if (ci.not_before_t > now)
		return err_set(err, ERR_INPUT, _("Le certificat client du connecteur (« %s ») n'est valable qu'à "
						 "partir du %s."), ci.holder, ci.not_before);
	return true;
}

static void
s2_close(struct s2 *s)
{
	free(s->p12);
	s->p12 = NULL;
	free(s->cert_uri);
	s->cert_uri = NULL;
}

/* GET (or POST with parts) PATH; false + err on transport failure. */
static bool
s2_call(struct s2 *s, const char *path, const struct http_part *parts, size_t n,
	struct http_response *r, struct err *err)
{
	char url[2048];
	snprintf(url, sizeof url, "%s%s", s->base, path);
	return http_request(&s->o, url, parts, n, r, err);
}

/* Checks a text answer "OK\n..." / "KO\n...". Returns 1 for OK (REST
 * points after "OK\n"), 0 for KO (MSG: S2LOW's message in UTF-8), -1
 * for anything else (MSG says what came). */
static int
s2_okko(const struct http_response *r, const char **rest, char *msg, size_t msglen)
{
	const char *b = r->body.data ? r->body.data : "";
	if (r->status != 200) {
		if (r->status >= 300 && r->status < 400)
			snprintf(msg, msglen, _("S²LOW a répondu par une redirection (%ld vers « %s ») : "
						"refus ou session expirée."), r->status, cut_text(r->location));
		else
			snprintf(msg, msglen, _("S²LOW a répondu par une erreur HTTP %ld."), r->status);
		return -1;
	}
	if (strncmp(b, "OK", 2) == 0 && (b[2] == '\n' || b[2] == '\r' || b[2] == 0)) {
		*rest = b[2] ? b + 3 : b + 2;
		return 1;
	}
	if (strncmp(b, "KO", 2) == 0 && (b[2] == '\n' || b[2] == '\r' || b[2] == 0 || b[2] == ' ')) {
		const char *m = b + 2;
		while (*m == '\n' || *m == '\r' || *m == ' ' || *m == ':')
			m++;
		char *u = from_latin1(m, strlen(m));
		size_t l = strlen(u);
		while (l && (u[l - 1] == '\n' || u[l - 1] == '\r'))
			u[--l] = 0;
		snprintf(msg, msglen, "%s", u[0] ? u : _("refus sans message"));
		free(u);
		return 0;
	}
	char *u = from_latin1(b, r->body.len < 80 ? r->body.len : 80);
	for (char *c = u; *c; c++)
		if ((unsigned char)*c < 0x20)
			*c = ' ';
	snprintf(msg, msglen, _("Réponse inattendue de S²LOW : « %s »."), u);
	free(u);
	return -1;
}

/* The text of an XML element <TAG>...</TAG> (first one), caller frees. */
static char *
xml_text(const char *xml, const char *tag)
{
	char open[80], close[80];
	snprintf(open, sizeof open, "<%s>", tag);
	snprintf(close, sizeof close, "</%s>", tag);
	const char *a = strstr(xml, open);
	if (!a)
		return NULL;
	a += strlen(open);
	const char *b = strstr(a, close);
	if (!b)
		return NULL;
	return from_latin1(a, (size_t)(b - a));
}

static char *
attr_value(const char *xml, const char *attr)
{
	char key[80];
	snprintf(key, sizeof key, "%s=\"", attr);
	const char *a = strstr(xml, key);
	if (!a)
		return NULL;
	a += strlen(key);
	const char *b = strchr(a, '"');
	return b ? xstrndup(a, (size_t)(b - a)) : NULL;
}

/* ---- Tester la connexion --------------------------------------------- */

static bool
s2low_test(const struct connector_config *cfg, struct strbuf *message, struct err *err)
{
	struct s2 s;
	struct http_response r;
	char msg[600];
	const char *rest;
	if (!s2_open(&s, cfg, err)) {
		s2_close(&s);
		return false;
	}
	bool ok = s2_call(&s, "/api/test-connexion.php", NULL, 0, &r, err);
	if (ok) {
		int k = s2_okko(&r, &rest, msg, sizeof msg);
		http_response_free(&r);
		if (k != 1)
			ok = err_set(err, ERR_IO, _("Test de connexion refusé : %s"), msg);
	}
	if (ok && s2_call(&s, "/api/info-connexion.php", NULL, 0, &r, err)) {
		json_object *j = r.status == 200 ? json_tokener_parse(r.body.data) : NULL, *u, *a, *v;
		const char *login = "?", *coll = "?";
		if (j && json_object_object_get_ex(j, "user_info", &u) &&
		    json_object_object_get_ex(u, "login", &v))
			login = json_object_get_string(v);
		if (j && json_object_object_get_ex(j, "authority_info", &a) &&
		    json_object_object_get_ex(a, "name", &v))
			coll = json_object_get_string(v);
		sb_printf(message, _("Connexion à S²LOW réussie : compte « %s », collectivité « %s »."), login, coll);
		struct cert_info ci;
		if (s2_client_cert(&s, &ci)) {
			long days = (long)((ci.not_after_t - time(NULL)) / 86400);
			sb_printf(message, _(" Certificat client « %s », valable jusqu'au %s."), ci.holder, ci.not_after);
			if (days < 1)
				sb_add(message, _(" Attention : il expire dans moins d'un jour ; renouvelez-le."));
			else if (days < 30)
				sb_printf(message, _(" Attention : il expire dans %ld jour(s) ; pensez à le renouveler."),
					  days);
		}
		json_object_put(j);
		http_response_free(&r);
	} else if (ok) {
		ok = false;
	}
	s2_close(&s);
	return ok;
}

/* ---- Temporary files --------------------------------------------------- */

struct tmp {
	char dir[256];
	int n;
};

static bool
tmp_open(struct tmp *t, struct err *err)
{
	const char *base = getenv("TMPDIR");
	snprintf(t->dir, sizeof t->dir, "%s/liasse-s2low-XXXXXX", base && *base ? base : "/tmp");
	t->n = 0;
	if (!mkdtemp(t->dir))
		return err_set(err, ERR_IO, _("Impossible de créer un dossier temporaire."));
	return true;
}

static void
tmp_path(struct tmp *t, char *out, size_t n)
{
	snprintf(out, n, "%s/f%d", t->dir, t->n++);
}

static void
tmp_close(struct tmp *t)
{
	char p[300];
	for (int i = 0; i < t->n; i++) {
		snprintf(p, sizeof p, "%s/f%d", t->dir, i);
		unlink(p);
	}
	rmdir(t->dir);
}

static bool
write_file(const char *path, const char *data, size_t len, struct err *err)
{
	FILE *fp = fopen(path, "wb");
	if (!fp || fwrite(data, 1, len, fp) != len) {
		if (fp)
			fclose(fp);
		return err_set(err, ERR_IO, _("Impossible d'écrire le fichier temporaire %s."), path);
	}
	return fclose(fp) == 0 || err_set(err, ERR_IO, _("Impossible d'écrire le fichier temporaire %s."), path);
}

/* A name S2LOW keeps: Latin-1, without quotes or slashes. */
static bool
latin1_name(const char *name, char **out, struct connector_result *res, const char *fail)
{
	char bad[8];
	if (!to_latin1(name, out, bad, sizeof bad)) {
		connector_result_set(res, CONNECTOR_FAIL, fail,
				     _("Le nom de fichier « %s » contient « %s », que l'ISO-8859-1 exigé par "
				       "S²LOW ne peut pas représenter : renommez le fichier."), name, bad);
		return false;
	}
	for (char *c = *out; *c; c++)
		if (*c == '"' || *c == '/' || *c == '\\')
			*c = '_';
	return true;
}

/* ---- Actes ------------------------------------------------------------- */

/* The id of the transaction of TYPE with NUMBER, from list_actes ("" if
 * none). */
static bool
actes_find(struct s2 *s, const char *number, int type, char *id, size_t idlen, struct err *err)
{
	id[0] = 0;
	for (int off = 0; off < 100000; off += 100) {
		char path[128];
		struct http_response r;
		snprintf(path, sizeof path, "/modules/actes/api/list_actes.php?status_id=&offset=%d&limit=100", off);
		if (!s2_call(s, path, NULL, 0, &r, err))
			return false;
		json_object *j = r.status == 200 ? json_tokener_parse(r.body.data) : NULL, *tr;
		http_response_free(&r);
		if (!j || !json_object_object_get_ex(j, "transactions", &tr) ||
		    !json_object_is_type(tr, json_type_array)) {
			json_object_put(j);
			return err_set(err, ERR_IO, _("Liste des actes de S²LOW illisible."));
		}
		size_t n = json_object_array_length(tr);
		for (size_t i = 0; i < n && !id[0]; i++) {
			json_object *t = json_object_array_get_idx(tr, i), *v, *ty, *tid;
			if (json_object_object_get_ex(t, "number", &v) &&
			    strcmp(json_object_get_string(v), number) == 0 &&
			    json_object_object_get_ex(t, "type", &ty) && json_object_get_int(ty) == type &&
			    json_object_object_get_ex(t, "id", &tid))
				str_copy(id, idlen, json_object_get_string(tid));
		}
		json_object_put(j);
		if (id[0] || n < 100)
			return true;
	}
	return true;
}

/* Refuses to send when the stored classification is not the current one. */
static bool
classification_current(struct s2 *s, struct connector_result *res, struct err *err)
{
	const char *stored = connector_config_get(s->cfg, "classification_sha256");
	if (!stored)
		return true;
	struct http_response r;
	if (!s2_call(s, "/modules/actes/actes_classification_fetch.php?api=1", NULL, 0, &r, err))
		return false;
	unsigned char md[SHA256_DIGEST_LENGTH];
	char hex[2 * SHA256_DIGEST_LENGTH + 1];
	SHA256((const unsigned char *)r.body.data, r.body.len, md);
	for (int i = 0; i < SHA256_DIGEST_LENGTH; i++)
		snprintf(hex + 2 * i, 3, "%02x", md[i]);
	bool same = r.status == 200 && strcmp(hex, stored) == 0;
	http_response_free(&r);
	if (!same)
		connector_result_set(res, CONNECTOR_FAIL, "send-tdt-erreur",
				     _("La classification enregistrée n'est plus celle en vigueur sur S²LOW : "
				       "mettez-la à jour (liasse connecteur classification) avant d'envoyer."));
	return same;
}

static bool
actes_send(struct connector_ctx *ctx, struct s2 *s, struct connector_result *res, struct err *err)
{
	const char *fail = "send-tdt-erreur";
	char *done = connector_data_get(ctx, "tdt_transaction", err);
	if (done) { /* sent before a crash: nothing to send again */
		bool ok = connector_set_value(ctx, "tedetis_transaction_id", done, err);
		if (ok)
			connector_result_set(res, CONNECTOR_DONE, NULL, _("Transaction S²LOW %s."), done);
		free(done);
		return ok;
	}
	char *intent = connector_data_get(ctx, "tdt_intent", err);
	char *nature = connector_value(ctx, "acte_nature", 0, err);
	char *number = connector_value(ctx, "numero_de_lacte", 0, err);
	char *objet = connector_value(ctx, "objet", 0, err);
	char *date = connector_value(ctx, "date_de_lacte", 0, err);
	char *classif = connector_value(ctx, "classification", 0, err);
	char *type_acte = connector_value(ctx, "type_acte", 0, err);
	char *type_pj = connector_value(ctx, "type_pj", 0, err);
	char *papier = connector_value(ctx, "document_papier", 0, err);
	char *subject = NULL;
	struct strbuf names = STRBUF_INIT;
	struct http_part parts[256];
	char *owned[256];
	size_t np = 0, no = 0;
	char cl[5][16] = { "", "", "", "", "" };
	struct tmp t = { "", 0 };
	bool ok = true;
	char bad[8], msg[600];
	err_clear(err);
	if (!nature || !number || !objet || !date || !classif || !type_acte) {
		connector_result_set(res, CONNECTOR_FAIL, fail,
				     _("Champ obligatoire absent pour la transmission : nature, numéro, objet, "
				       "date, classification et typologie."));
		goto out;
	}
	if (!to_latin1(objet, &subject, bad, sizeof bad)) {
		connector_result_set(res, CONNECTOR_FAIL, fail,
				     _("L'objet contient « %s », que l'ISO-8859-1 exigé par S²LOW ne peut pas "
				       "représenter : remplacez ce caractère."), bad);
		goto out;
	}
	/* "7.1.2 Libellé": codes before the first space, split at dots. */
	{
		char codes[64];
		str_copy(codes, sizeof codes, classif);
		codes[strcspn(codes, " ")] = 0;
		int k = 0;
		for (char *p = strtok(codes, "."); p && k < 5; p = strtok(NULL, "."))
			str_copy(cl[k++], sizeof cl[0], p);
	}
	if (!classification_current(s, res, err))
		goto out;
	if (!tmp_open(&t, err)) {
		ok = false;
		goto out;
	}
#define FIELD(n, v) (parts[np++] = (struct http_part){ (n), (v), 0, NULL, NULL })
	FIELD("api", "1");
	FIELD("nature_code", nature);
	static const char *const classif_names[] = { "classif1", "classif2", "classif3", "classif4", "classif5" };
	for (int k = 0; k < 5; k++)
		if (cl[k][0])
			FIELD(classif_names[k], cl[k]);
	FIELD("number", number);
	FIELD("subject", subject);
	FIELD("decision_date", date);
	FIELD("en_attente", connector_config_get(s->cfg, "envoi_en_attente") ? "1" : "0");
	FIELD("document_papier", papier && papier[0] ? "1" : "0");
	FIELD("type_acte", type_acte);
	/* The acte and its annexes. */
	const char *champs[] = { "arrete", "autre_document_attache" };
	char *pj = type_pj ? xstrdup(type_pj) : xstrdup("");
	char *save = NULL, *code = strtok_r(pj, ",", &save);
	for (int c = 0; c < 2 && ok; c++) {
		int n = connector_file_count(ctx, champs[c], err);
		if (n < 0) {
			ok = false;
			break;
		}
		for (int i = 0; i < n && np < 250; i++) {
			char path[300];
			tmp_path(&t, path, sizeof path);
			char *name = connector_file_name(ctx, champs[c], i, err);
			char *lname = NULL;
			if (!name || !connector_file_save(ctx, champs[c], i, path, err)) {
				free(name);
				ok = false;
				break;
			}
			if (!latin1_name(name, &lname, res, fail)) {
				free(name);
				goto out_pj;
			}
			free(name);
			owned[no++] = lname;
			owned[no++] = xstrdup(path);
			parts[np++] = (struct http_part){ c ? "acte_attachments[]" : "acte_pdf_file", NULL, 0,
							  owned[no - 1], lname };
			if (c) {
				if (!code) {
					connector_result_set(res, CONNECTOR_FAIL, fail,
							     _("Typologie absente pour l'annexe « %s » (champ "
							       "« Typologie des annexes »)."), lname);
					goto out_pj;
				}
				FIELD("type_pj[]", code);
				code = strtok_r(NULL, ",", &save);
			}
		}
	}
	if (!ok)
		goto out_pj;
	/* The intent, committed before the request. */
	if (!connector_data_put(ctx, "tdt_intent", number, err)) {
		ok = false;
		goto out_pj;
	}
	struct http_response r;
	if (!s2_call(s, "/modules/actes/actes_transac_create.php", parts, np, &r, err)) {
		connector_result_set(res, CONNECTOR_RETRY, fail, "%s", err->msg);
		err_clear(err);
		goto out_pj;
	}
	const char *rest;
	int k = s2_okko(&r, &rest, msg, sizeof msg);
	char id[64] = "";
	if (k == 1) {
		str_copy(id, sizeof id, rest);
		id[strcspn(id, "\r\n")] = 0;
	}
	http_response_free(&r);
	if (k == 0 && intent && strstr(msg, "même numéro")) {
		/* Sent by a run that died before recording it: adopt it. */
		if (!actes_find(s, number, 1, id, sizeof id, err)) {
			connector_result_set(res, CONNECTOR_RETRY, fail, "%s", err->msg);
			err_clear(err);
			goto out_pj;
		}
		if (id[0]) {
			log_info("acte %s : transaction %s déjà créée, reprise", number, id);
			k = 1;
		}
	}
	if (k == 1 && id[0]) {
		ok = connector_data_put(ctx, "tdt_transaction", id, err) &&
		     connector_set_value(ctx, "tedetis_transaction_id", id, err);
		if (ok)
			connector_result_set(res, CONNECTOR_DONE, NULL, _("Transmis à S²LOW : transaction %s."), id);
	} else if (k == 0) {
		connector_data_put(ctx, "tdt_intent", NULL, err);
		connector_result_set(res, CONNECTOR_FAIL, fail, _("S²LOW a refusé l'acte : %s"), msg);
	} else {
		connector_result_set(res, CONNECTOR_RETRY, fail, "%s", k == 1 ? _("Réponse de S²LOW sans identifiant.") : msg);
	}
out_pj:
	free(pj);
out:
#undef FIELD
	for (size_t i = 0; i < no; i++)
		free(owned[i]);
	if (t.dir[0])
		tmp_close(&t);
	sb_free(&names);
	free(intent);
	free(nature);
	free(number);
	free(objet);
	free(date);
	free(classif);
	free(type_acte);
	free(type_pj);
	free(papier);
	free(subject);
	return ok;
}

/* Downloads PATH and attaches it to CHAMP as NAME. 0 ok, -1 transport
 * error (err), 1 refused (MSG). */
static int
fetch_attach(struct connector_ctx *ctx, struct s2 *s, struct tmp *t, const char *path, const char *champ,
	     const char *name, bool replace, char *msg, size_t msglen, struct err *err)
{
	struct http_response r;
	char file[300];
	if (!s2_call(s, path, NULL, 0, &r, err))
		return -1;
	if (r.status != 200 || r.body.len == 0) {
		if (r.status >= 300 && r.status < 400)
			snprintf(msg, msglen, _("S²LOW a refusé le téléchargement (redirection vers « %s »)."),
				 cut_text(r.location));
		else
			snprintf(msg, msglen, _("Téléchargement impossible depuis S²LOW (HTTP %ld)."), r.status);
		http_response_free(&r);
		return 1;
	}
	tmp_path(t, file, sizeof file);
	bool ok = write_file(file, r.body.data, r.body.len, err) &&
		  connector_file_attach(ctx, champ, file, name, replace, err);
	http_response_free(&r);
	return ok ? 0 : -1;
}

/* The ARActe of transaction ID alone (actes_transac_get_ARActe.php), for
 * an acte already past status 4 (STATUS); into AR. False with RES set to
 * a retry when S2LOW does not give it. */
static bool
aracte_alone(struct s2 *s, const char *id, int status, struct http_response *ar,
	     struct connector_result *res)
{
	char path[256];
	char *e = http_escape(id);
	snprintf(path, sizeof path, "/modules/actes/actes_transac_get_ARActe.php?id=%s", e);
	free(e);
	struct err err = { 0 };
	if (!s2_call(s, path, NULL, 0, ar, &err)) {
		connector_result_set(res, CONNECTOR_RETRY, "erreur-verif-tdt", "%s", err.msg);
		return false;
	}
	if (ar->status == 200 && ar->body.data && strstr(ar->body.data, "ARActe"))
		return true;
	connector_result_set(res, CONNECTOR_RETRY, "erreur-verif-tdt",
			     _("S²LOW : l'acte est au statut %d, donc acquitté, mais son ARActe n'a pas pu être "
			       "lu (HTTP %ld)."), status, ar->status);
	return false;
}

/* S2LOW's names of statuses (§1.4, §2), not translated. */
struct status_name {
	int id;
	const char *name;
};

/* The name of ST in the table T of N entries; "" when it has none. */
static const char *
status_name(const struct status_name *t, size_t n, int st)
{
	for (size_t i = 0; i < n; i++)
		if (t[i].id == st)
			return t[i].name;
	return "";
}

/* The statuses an acte waits in. */
static const char *
actes_status_name(int st)
{
	static const struct status_name names[] = {
		{ 1, N_("Posté") }, { 2, N_("En attente de transmission") }, { 3, N_("Transmis") },
		{ 17, N_("En attente d'être postée") }, { 18, N_("En attente d'être signé") },
	};
	return status_name(names, sizeof names / sizeof names[0], st);
}

static bool
actes_verif(struct connector_ctx *ctx, struct s2 *s, bool annulation, struct connector_result *res,
	    struct err *err)
{
	const char *key = annulation ? "tdt_annulation" : "tdt_transaction";
	const char *outcome_ok = annulation ? "annuler-tdt" : "acquiter-tdt";
	char *id = connector_data_get(ctx, key, err);
	if (!id)
		id = connector_value(ctx, annulation ? "tedetis_annulation_id" : "tedetis_transaction_id", 0, err);
	err_clear(err);
	if (!id) {
		connector_result_set(res, CONNECTOR_FAIL, "tdt-error", _("Aucune transaction S²LOW connue pour ce dossier."));
		return true;
	}
	char path[256], msg[600];
	char *eid = http_escape(id);
	snprintf(path, sizeof path, "/modules/actes/actes_transac_get_status.php?transaction=%s", eid);
	free(eid);
	struct http_response r;
	if (!s2_call(s, path, NULL, 0, &r, err)) {
		connector_result_set(res, CONNECTOR_RETRY, "erreur-verif-tdt", "%s", err->msg);
		err_clear(err);
		free(id);
		return true;
	}
	const char *rest;
	int k = s2_okko(&r, &rest, msg, sizeof msg);
	bool ok = true;
	if (k == 0) {
		connector_result_set(res, CONNECTOR_FAIL, "tdt-error", _("S²LOW : %s"), msg);
	} else if (k < 0) {
		connector_result_set(res, CONNECTOR_RETRY, "erreur-verif-tdt", "%s", msg);
	} else {
		int status = atoi(rest);
		const char *flux = strchr(rest, '\n');
		flux = flux ? flux + 1 : "";
		/* Past the acknowledgement: validated (5) or gone on to the SAE
		 * (12-16, 19, 20, 22) before this poll. get_status gives the
		 * XML of the current status, the ARActe is asked for alone. */
		bool past_ar = !annulation && (status == 5 || (status >= 12 && status <= 16) || status == 19 ||
					       status == 20 || status == 22);
		struct http_response ar = { 0 };
		bool ar_read = !past_ar || aracte_alone(s, id, status, &ar, res);
		if (past_ar && ar_read)
			flux = ar.body.data;
		if (!ar_read) {
			/* the result is set: asked again later */
		} else if (status == 4 || past_ar) {
			struct tmp t;
			char file[300];
			ok = tmp_open(&t, err);
			if (ok) {
				tmp_path(&t, file, sizeof file);
				ok = write_file(file, flux, strlen(flux), err) &&
				     connector_file_attach(ctx, annulation ? "aractes_annulation" : "aractes", file,
							   "ARActe.xml", true, err);
			}
			char *idacte = attr_value(flux, "actes:IDActe");
			char *date = xml_text(flux, "actes:DateReception");
			if (ok && !annulation && idacte)
				ok = connector_set_value(ctx, "acte_unique_id", idacte, err);
			if (ok && date)
				ok = connector_set_value(ctx, annulation ? "date_ar_annulation" : "date_ar", date, err);
			int f = 0;
			if (ok && !annulation) {
				snprintf(path, sizeof path, "/modules/actes/actes_create_pdf.php?trans_id=%s", id);
				f = fetch_attach(ctx, s, &t, path, "bordereau", "bordereau_acquittement.pdf", true, msg,
						 sizeof msg, err);
			}
			if (ok && !annulation && f == 0) {
				/* Files list: [0] the message, [1] the acte, [2..] annexes. */
				snprintf(path, sizeof path,
					 "/modules/actes/actes_transac_get_files_list.php?transaction=%s", id);
				struct http_response lr;
				json_object *j = NULL;
				if (!s2_call(s, path, NULL, 0, &lr, err)) {
					f = -1;
				} else {
					j = lr.status == 200 ? json_tokener_parse(lr.body.data) : NULL;
					http_response_free(&lr);
				}
				size_t n = j && json_object_is_type(j, json_type_array) ? json_object_array_length(j) : 0;
				for (size_t i = 1; i < n && f == 0; i++) {
					json_object *o = json_object_array_get_idx(j, i), *v, *pn, *mt;
					if (!json_object_object_get_ex(o, "id", &v) ||
					    !json_object_object_get_ex(o, "mimetype", &mt) ||
					    strcmp(json_object_get_string(mt), "application/pdf") != 0)
						continue;
					/* JSON is UTF-8 already. */
					char *un = xstrdup(json_object_object_get_ex(o, "posted_filename", &pn)
								   ? json_object_get_string(pn) : "acte.pdf");
					snprintf(path, sizeof path,
						 "/modules/actes/actes_download_file.php?file=%s&tampon=true",
						 json_object_get_string(v));
					f = fetch_attach(ctx, s, &t, path, i == 1 ? "acte_tamponne" : "annexes_tamponnees",
							 un, i == 1, msg, sizeof msg, err);
					free(un);
				}
				json_object_put(j);
			}
			if (t.dir[0])
				tmp_close(&t);
			if (ok && f == 0)
				connector_result_set(res, CONNECTOR_DONE, outcome_ok,
						     annulation ? _("Annulation acquittée par la préfecture.")
								: _("Acquittement reçu (%s)."), idacte ? idacte : "");
			else if (ok && f == -1)
				connector_result_set(res, CONNECTOR_RETRY, "erreur-verif-tdt", "%s", err->msg);
			else if (ok)
				connector_result_set(res, CONNECTOR_RETRY, "erreur-verif-tdt", "%s", msg);
			if (f == -1)
				err_clear(err);
			free(idacte);
			free(date);
		} else if (status == -1 || status == 6 || status == 10 || (status == 0 && !annulation)) {
			/* -1 error, 6 refused, 10 "refus d'envoi", 0 cancelled by
			 * someone else: final (§1.4). */
			char *u = from_latin1(flux, strlen(flux));
			connector_result_set(res, CONNECTOR_FAIL, "tdt-error", _("S²LOW : transaction en erreur (%d) : %s"),
					     status, u[0] ? u : _("sans message"));
			free(u);
			if (!annulation)
				ok = connector_data_put(ctx, "tdt_transaction", NULL, err) &&
				     connector_data_put(ctx, "tdt_intent", NULL, err);
		} else {
			const char *name = actes_status_name(status);
			if (name[0])
				connector_result_set(res, CONNECTOR_WAIT, NULL, _("S²LOW : statut %d (%s)."), status,
						     _(name));
			else
				connector_result_set(res, CONNECTOR_WAIT, NULL, _("S²LOW : statut %d."), status);
		}
		http_response_free(&ar);
	}
	http_response_free(&r);
	free(id);
	return ok;
}

static bool
actes_cancel(struct connector_ctx *ctx, struct s2 *s, struct connector_result *res, struct err *err)
{
	char *done = connector_data_get(ctx, "tdt_annulation", err);
	if (done) {
		connector_result_set(res, CONNECTOR_DONE, NULL, _("Annulation transmise : transaction %s."), done);
		free(done);
		return true;
	}
	char *id = connector_data_get(ctx, "tdt_transaction", err);
	char *number = connector_value(ctx, "numero_de_lacte", 0, err);
	char *intent = connector_data_get(ctx, "tdt_annulation_intent", err);
	bool ok = true;
	char msg[600], cid[64] = "";
	err_clear(err);
	if (!id || !number) {
		connector_result_set(res, CONNECTOR_FAIL, NULL, _("Aucune transaction S²LOW à annuler."));
		goto out;
	}
	if (!connector_data_put(ctx, "tdt_annulation_intent", "1", err)) {
		ok = false;
		goto out;
	}
	struct http_part parts[] = { { "api", "1", 0, NULL, NULL }, { "id", id, 0, NULL, NULL } };
	struct http_response r;
	if (!s2_call(s, "/modules/actes/actes_transac_cancel.php", parts, 2, &r, err)) {
		connector_result_set(res, CONNECTOR_RETRY, NULL, "%s", err->msg);
		err_clear(err);
		goto out;
	}
	const char *rest;
	int k = s2_okko(&r, &rest, msg, sizeof msg);
	if (k == 1) {
		str_copy(cid, sizeof cid, rest);
		cid[strcspn(cid, "\r\n")] = 0;
	}
	http_response_free(&r);
	if (k == 0 && intent && (ok = actes_find(s, number, 6, cid, sizeof cid, err)) && cid[0])
		k = 1;
	if (k == 1 && cid[0]) {
		ok = connector_data_put(ctx, "tdt_annulation", cid, err) &&
		     connector_set_value(ctx, "tedetis_annulation_id", cid, err);
		if (ok)
			connector_result_set(res, CONNECTOR_DONE, NULL, _("Annulation transmise : transaction %s."), cid);
	} else if (k == 0 && ok) {
		connector_data_put(ctx, "tdt_annulation_intent", NULL, err);
		connector_result_set(res, CONNECTOR_FAIL, NULL, _("S²LOW a refusé l'annulation : %s"), msg);
	} else if (ok) {
		connector_result_set(res, CONNECTOR_RETRY, NULL, "%s", msg);
	}
out:
	free(id);
	free(number);
	free(intent);
	return ok;
}

/* ---- Helios ------------------------------------------------------------- */

static bool
helios_send(struct connector_ctx *ctx, struct s2 *s, struct connector_result *res, struct err *err)
{
	const char *fail = "tdt-error";
	char *done = connector_data_get(ctx, "tdt_transaction", err);
	if (done) {
		bool ok = connector_set_value(ctx, "tedetis_transaction_id", done, err);
		if (ok)
			connector_result_set(res, CONNECTOR_DONE, NULL, _("Transaction S²LOW %s."), done);
		free(done);
		return ok;
	}
	char *intent = connector_data_get(ctx, "tdt_intent", err);
	err_clear(err);
	/* The signed PES when there is one. */
	const char *champ = connector_file_count(ctx, "fichier_pes_signe", err) > 0 ? "fichier_pes_signe"
										       : "fichier_pes";
	struct tmp t = { "", 0 };
	char path[300], msg[600];
	char *name = connector_file_name(ctx, champ, 0, err), *lname = NULL;
	bool ok = name != NULL;
	if (!ok)
		goto out;
	if (!latin1_name(name, &lname, res, fail))
		goto out;
	if (!(ok = tmp_open(&t, err)))
		goto out;
	tmp_path(&t, path, sizeof path);
	if (!(ok = connector_file_save(ctx, champ, 0, path, err)))
		goto out;
	if (!(ok = connector_data_put(ctx, "tdt_intent", "1", err)))
		goto out;
	struct http_part parts[] = { { "enveloppe", NULL, 0, path, lname } };
	struct http_response r;
	if (!s2_call(s, "/modules/helios/api/helios_importer_fichier.php", parts, 1, &r, err)) {
		connector_result_set(res, CONNECTOR_RETRY, fail, "%s", err->msg);
		err_clear(err);
		goto out;
	}
	const char *rest;
	char *resultat = xml_text(r.body.data, "resultat"), *message = xml_text(r.body.data, "message");
	char *id = xml_text(r.body.data, "id");
	if (r.status == 200 && resultat && strcmp(resultat, "OK") == 0 && id && id[0]) {
		ok = connector_data_put(ctx, "tdt_transaction", id, err) &&
		     connector_set_value(ctx, "tedetis_transaction_id", id, err);
		if (ok)
			connector_result_set(res, CONNECTOR_DONE, NULL, _("PES transmis à S²LOW : transaction %s."), id);
	} else if (r.status == 200 && resultat && strcmp(resultat, "KO") == 0) {
		if (intent && message && strstr(message, "doublon"))
			connector_result_set(res, CONNECTOR_FAIL, fail,
					     _("S²LOW a déjà reçu ce PES (envoi interrompu avant d'enregistrer sa "
					       "transaction) : %s Vérifiez-le sur S²LOW avant de le renvoyer."), message);
		else
			connector_result_set(res, CONNECTOR_FAIL, fail, _("S²LOW a refusé le PES : %s"),
					     message ? message : "");
		connector_data_put(ctx, "tdt_intent", NULL, err);
	} else if (s2_okko(&r, &rest, msg, sizeof msg) == 0) {
		connector_result_set(res, CONNECTOR_FAIL, fail, _("S²LOW : %s"), msg);
		connector_data_put(ctx, "tdt_intent", NULL, err);
	} else {
		connector_result_set(res, CONNECTOR_RETRY, fail, "%s",
				     r.status == 200 ? _("Réponse inattendue de S²LOW au dépôt du PES.") : msg);
	}
	free(resultat);
	free(message);
	free(id);
	http_response_free(&r);
out:
	if (t.dir[0])
		tmp_close(&t);
	free(name);
	free(lname);
	free(intent);
	return ok;
}

static void
add_ack_errors(struct strbuf *sb, const struct pes_info *info)
{
	for (size_t i = 0; i < info->n_erreurs_lues && i < 10; i++) {
		const struct pes_erreur *e = &info->erreurs[i];
		sb_printf(sb, "%s%s%s%s", i ? " ; " : " ", e->libelle[0] ? e->libelle : e->code,
			  e->num_bord[0] ? _(" (bordereau ") : "", e->num_bord[0] ? e->num_bord : "");
		if (e->num_bord[0])
			sb_add(sb, ")");
	}
}

/* Helios statuses (HeliosStatus). */
static const char *
helios_status_name(int st)
{
	static const struct status_name names[] = {
		{ 1, N_("Posté") }, { 2, N_("En attente de transmission") }, { 3, N_("Transmis") },
		{ 4, N_("Acquittement reçu") }, { 5, N_("Validé") }, { 6, N_("Refusé") },
		{ 7, N_("En traitement") }, { 8, N_("Information disponible") },
		{ 9, N_("Envoyé au SAE") }, { 10, N_("Accepté par le SAE") }, { 11, N_("Refusé par le SAE") },
		{ 13, N_("En attente d'être signé") }, { 14, N_("En attente d'être posté") },
		{ 19, N_("En attente de transmission au SAE") }, { 20, N_("Erreur lors de l'envoi au SAE") },
		{ 21, N_("À détruire") }, { 22, N_("Détruit") }, { 23, N_("Impossible d'envoyer au SAE") },
	};
	return status_name(names, sizeof names / sizeof names[0], st);
}

/* Helios statuses a PES reaches only after its acquit (§2): validated
 * (5, unused), on to the SAE (9-11, 19, 20, 23), to be destroyed or
 * destroyed (21, 22). */
static bool
helios_past_ack(int st)
{
	return st == 5 || (st >= 9 && st <= 11) || (st >= 19 && st <= 23);
}

static bool
helios_verif(struct connector_ctx *ctx, struct s2 *s, struct connector_result *res, struct err *err)
{
	char *id = connector_data_get(ctx, "tdt_transaction", err);
	if (!id)
		id = connector_value(ctx, "tedetis_transaction_id", 0, err);
	err_clear(err);
	if (!id) {
		connector_result_set(res, CONNECTOR_FAIL, "tdt-error", _("Aucune transaction S²LOW connue pour ce dossier."));
		return true;
	}
	char path[256], msg[600];
	snprintf(path, sizeof path, "/modules/helios/api/helios_transac_get_status.php?transaction=%s", id);
	struct http_response r;
	bool ok = true;
	if (!s2_call(s, path, NULL, 0, &r, err)) {
		connector_result_set(res, CONNECTOR_RETRY, "tdt-error", "%s", err->msg);
		err_clear(err);
		free(id);
		return true;
	}
	char *resultat = xml_text(r.body.data, "resultat"), *message = xml_text(r.body.data, "message");
	char *st = xml_text(r.body.data, "status");
	http_response_free(&r);
	if (!resultat) {
		connector_result_set(res, CONNECTOR_RETRY, "tdt-error", _("Réponse inattendue de S²LOW (statut du PES)."));
	} else if (strcmp(resultat, "KO") == 0) {
		connector_result_set(res, CONNECTOR_FAIL, "tdt-error", _("S²LOW : %s"), message ? message : "");
	} else {
		/* No status element: not final, asked again. */
		int status = st && st[0] ? atoi(st) : 1;
		if (status == -1 || status == 0 || status == 24) {
			/* Final without an acquit: error, cancelled on S2LOW, or a
			 * PES that expects no acknowledgement (an acquit or a
			 * retour posted as a PES Aller). */
			if (status == -1)
				connector_result_set(res, CONNECTOR_FAIL, "tdt-error", _("S²LOW : PES en erreur : %s"),
						     message && message[0] ? message : _("sans message"));
			else
				connector_result_set(res, CONNECTOR_FAIL, "tdt-error", "%s",
						     status == 0 ? _("S²LOW : le PES a été annulé sur S²LOW.")
								 : _("S²LOW : ce fichier n'attend aucun acquittement "
								     "(statut 24) ; ce n'est pas un PES Aller."));
			ok = connector_data_put(ctx, "tdt_transaction", NULL, err) &&
			     connector_data_put(ctx, "tdt_intent", NULL, err);
		} else if (status == 4 || status == 6 || status == 8 || helios_past_ack(status)) {
			/* Acknowledged (4), refused (6), information available (8),
			 * or past these before this poll: on to the SAE (9-11,
			 * 19, 20, 23) or to destruction (21, 22); the acquit
			 * stays downloadable until the PES is destroyed. */
			struct tmp t;
			char name[300] = "PES_ACK.xml";
			char *pes = connector_file_name(ctx, "fichier_pes", 0, err);
			err_clear(err);
			if (pes) {
				char *dot = strrchr(pes, '.');
				if (dot)
					*dot = 0;
				snprintf(name, sizeof name, "%s_ACK.xml", pes);
				free(pes);
			}
			snprintf(path, sizeof path, "/modules/helios/helios_download_acquit.php?id=%s", id);
			ok = tmp_open(&t, err);
			int f = ok ? fetch_attach(ctx, s, &t, path, "fichier_reponse", name, true, msg, sizeof msg, err) : -1;
			if (ok && f == 0) {
				char file[300];
				snprintf(file, sizeof file, "%s/f%d", t.dir, t.n - 1);
				struct pes_info info;
				struct err perr = { 0 };
				if (pes_info_read(file, &info, &perr)) {
					struct strbuf sb = STRBUF_INIT;
					const char *ack = strcmp(info.etat_ack, "1") == 0 ? "1" : "2";
					ok = connector_set_value(ctx, "etat_ack", ack, err);
					if (ack[0] == '1')
						sb_add(&sb, _("Acquittement OK."));
					else
						sb_printf(&sb, _("Acquittement KO :"));
					add_ack_errors(&sb, &info);
					if (ok)
						connector_result_set(res, CONNECTOR_DONE, "info-tdt", "%s", sb_str(&sb));
					sb_free(&sb);
					pes_info_free(&info);
				} else {
					connector_result_set(res, CONNECTOR_RETRY, "tdt-error",
							     _("PES_ACQUIT reçu illisible : %s"), perr.msg);
				}
			} else if (ok && f == 1 && helios_past_ack(status)) {
				connector_result_set(res, CONNECTOR_RETRY, "tdt-error",
						     _("S²LOW : le PES est au statut %d (%s), donc acquitté, mais son "
						       "PES_ACQUIT n'a pas pu être lu : %s"),
						     status, _(helios_status_name(status)), msg);
			} else if (ok && f == 1) {
				connector_result_set(res, CONNECTOR_RETRY, "tdt-error", "%s", msg);
			} else {
				connector_result_set(res, CONNECTOR_RETRY, "tdt-error", "%s", err->msg);
				err_clear(err);
				ok = true;
			}
			if (t.dir[0])
				tmp_close(&t);
		} else {
			const char *name = helios_status_name(status);
			if (name[0])
				connector_result_set(res, CONNECTOR_WAIT, NULL,
						     _("S²LOW : PES au statut %d (%s), pas encore acquitté."), status,
						     _(name));
			else
				connector_result_set(res, CONNECTOR_WAIT, NULL,
						     _("S²LOW : PES au statut %d, pas encore acquitté."), status);
		}
	}
	free(resultat);
	free(message);
	free(st);
	free(id);
	return ok;
}

/* ---- Items fetched by a connector-level job (PES Retour, documents of
 *      the préfecture): stored once, in one transaction ---------------- */

/* Begins the transaction storing item ID of the connector; *KNOWN when
 * the row of the item in table TABLE (column COL) exists already (locked,
 * then the transaction is over). */
static bool
recu_begin(struct connector_ctx *ctx, const char *table, const char *col, const char *id, bool *known,
	   struct err *err)
{
	char cid[24], sql[200];
	snprintf(cid, sizeof cid, "%lld", (long long)ctx->config->id);
	snprintf(sql, sizeof sql, "SELECT 1 FROM liasse.%s WHERE connecteur_id = $1 AND %s = $2 FOR UPDATE",
		 table, col);
	const char *q[] = { cid, id };
	*known = false;
	if (!db_begin(ctx->db, err))
		return false;
	PGresult *r = db_query(ctx->db, sql, 2, q, err);
	if (!r) {
		db_rollback(ctx->db);
		return false;
	}
	*known = PQntuples(r) > 0;
	PQclear(r);
	if (*known)
		db_rollback(ctx->db);
	return true;
}

/* Ends it: commits when OK, rolls back otherwise; *CREATED. */
static bool
recu_end(struct connector_ctx *ctx, bool ok, bool *created, struct err *err)
{
	if (ok)
		ok = db_commit(ctx->db, err);
	else
		db_rollback(ctx->db);
	*created = ok;
	return ok;
}

/* ---- PES Retour (connector-level job recup-pes-retour) ---------------- */

/* Stores retour RID (bytes in FILE, name NOM) as a helios-pes-retour
 * dossier on the job's entity, in one transaction with its row of
 * pes_retour_recu: a retour already stored is skipped (*CREATED = false). */
static bool
pes_retour_store(struct connector_ctx *ctx, const char *rid, const char *nom, const char *file,
		 bool *created, struct err *err)
{
	char cid[24], did[24];
	snprintf(cid, sizeof cid, "%lld", (long long)ctx->config->id);
	int64_t entite = ctx->job->entite_id ? ctx->job->entite_id : ctx->config->entite_id;
	bool known;
	*created = false;
	if (!recu_begin(ctx, "pes_retour_recu", "id_retour", rid, &known, err) || known)
		return known;
	int64_t id = 0;
	bool ok = dossier_create(ctx->db, entite, "helios-pes-retour", nom, &id, err);
	if (ok) {
		snprintf(did, sizeof did, "%lld", (long long)id);
		const char *p[] = { cid, rid, did };
		ok = db_exec(ctx->db, "INSERT INTO liasse.pes_retour_recu (connecteur_id, id_retour, dossier_id) "
			     "VALUES ($1, $2, $3)", 3, p, err);
	}
	if (ok) {
		char today[11];
		date_today(today);
		const char *champs[] = { "id_retour", "date_reception" };
		const char *valeurs[] = { rid, today };
		ok = dossier_set(ctx->db, id, -1, 2, champs, valeurs, NULL, err);
	}
	struct dossier_attach_result ar;
	if (ok)
		ok = dossier_attach_in_tx(ctx->db, id, -1, "fichier_pes", file, nom, &ar, err);
	return recu_end(ctx, ok, created, err);
}

static bool
pes_retour_fetch(struct connector_ctx *ctx, struct s2 *s, struct connector_result *res, struct err *err)
{
	struct http_response r;
	char msg[512];
	if (!s2_call(s, "/modules/helios/api/helios_get_list.php", NULL, 0, &r, err)) {
		connector_result_set(res, CONNECTOR_RETRY, NULL, "%s", err->msg);
		err_clear(err);
		return true;
	}
	const char *b = r.body.data ? r.body.data : "";
	char *resultat = xml_text(b, "resultat");
	if (r.status != 200 || !resultat || strcmp(resultat, "OK") != 0) {
		char *m = xml_text(b, "message");
		connector_result_set(res, CONNECTOR_RETRY, NULL,
				     _("Liste des PES Retour refusée par S²LOW : %s"),
				     m && m[0] ? m : (r.status != 200 ? _("erreur HTTP") : _("réponse inattendue")));
		free(m);
		free(resultat);
		http_response_free(&r);
		return true;
	}
	free(resultat);
	struct tmp t;
	if (!tmp_open(&t, err)) {
		http_response_free(&r);
		return false;
	}
	int n_new = 0, n_seen = 0;
	bool ok = true, failed = false;
	for (const char *p = strstr(b, "<pes_retour>"); p && ok && !failed; p = strstr(p + 1, "<pes_retour>")) {
		const char *end = strstr(p, "</pes_retour>");
		if (!end)
			break;
		char *item = xstrndup(p, (size_t)(end - p));
		char *rid = xml_text(item, "id");
		char *nom = xml_text(item, "nom");
		free(item);
		if (!rid || !rid[0]) {
			free(rid);
			free(nom);
			continue;
		}
		n_seen++;
		char path[300], file[300];
		snprintf(path, sizeof path, "/modules/helios/api/helios_get_retour.php?id=%s", rid);
		struct http_response g;
		if (!s2_call(s, path, NULL, 0, &g, err)) {
			connector_result_set(res, CONNECTOR_RETRY, NULL, "%s", err->msg);
			err_clear(err);
			failed = true;
		} else if (g.status != 200 || g.body.len == 0 || strstr(g.body.data, "<get_retour>")) {
			char *m = g.body.data ? xml_text(g.body.data, "message") : NULL;
			snprintf(msg, sizeof msg, _("Récupération du PES Retour %s impossible : %s"), rid,
				 m && m[0] ? m : _("S²LOW n'a pas envoyé le fichier"));
			free(m);
			connector_result_set(res, CONNECTOR_RETRY, NULL, "%s", msg);
			failed = true;
		} else {
			bool created = false;
			tmp_path(&t, file, sizeof file);
			ok = write_file(file, g.body.data, g.body.len, err) &&
			     pes_retour_store(ctx, rid, nom && nom[0] ? nom : rid, file, &created, err);
			if (ok && created)
				n_new++;
			if (ok) {
				/* Stored (now or before): S2LOW may forget it. */
				struct http_response c;
				snprintf(path, sizeof path, "/modules/helios/api/helios_change_status.php?id=%s", rid);
				if (!s2_call(s, path, NULL, 0, &c, err)) {
					connector_result_set(res, CONNECTOR_RETRY, NULL, "%s", err->msg);
					err_clear(err);
					failed = true;
				} else {
					http_response_free(&c);
				}
			} else if (err->code != ERR_DB_CONNECT) {
				connector_result_set(res, CONNECTOR_RETRY, NULL,
						     _("PES Retour %s non enregistré : %s"), rid, err->msg);
				err_clear(err);
				ok = true;
				failed = true;
			}
		}
		http_response_free(&g);
		free(rid);
		free(nom);
	}
	tmp_close(&t);
	http_response_free(&r);
	if (ok && !failed)
		connector_result_set(res, CONNECTOR_DONE, NULL, _("%d PES Retour reçu(s), %d nouveau(x)."),
				     n_seen, n_new);
	return ok;
}

/* ---- Documents of the préfecture (connector-level job
 *      recup-reponse-prefecture) ---------------------------------------- */

/* One entry of list_document_prefecture.php. */
struct doc_pref {
	char id[32];
	int type; /* 2 courrier simple, 3 pièces complémentaires, 4 observations, 5 déféré */
	char related[32];
	char number[64];
	char unique_id[128];
	char status[16];
};

static const char *
doc_pref_label(int type)
{
	switch (type) {
	case 2:
		return _("Courrier simple");
	case 3:
		return _("Demande de pièces complémentaires");
	case 4:
		return _("Lettre d'observations");
	case 5:
		return _("Déféré au tribunal administratif");
	}
	return _("Document de la préfecture");
}

static void
json_str(json_object *o, const char *key, char *out, size_t n)
{
	json_object *v;
	out[0] = 0;
	if (json_object_object_get_ex(o, key, &v) && !json_object_is_type(v, json_type_null))
		str_copy(out, n, json_object_get_string(v));
}

/* The liasse dossier of the acte of transaction RELATED on ENTITE (0 if
 * none) and whether its type version has the field of the préfecture's
 * documents. */
static bool
doc_pref_acte(struct db *db, int64_t entite, const char *related, int64_t *acte, bool *field,
	      struct err *err)
{
	char e[24];
	snprintf(e, sizeof e, "%lld", (long long)entite);
	const char *p[] = { e, related };
	PGresult *r = db_query(db, "SELECT d.id, liasse.def_field(liasse.type_def(d.type, d.type_version), "
			       "'reponse_prefecture_file') IS NOT NULL FROM liasse.dossier d "
			       "JOIN liasse.dossier_valeur v ON v.dossier_id = d.id "
			       "AND v.champ = 'tedetis_transaction_id' AND v.valeur = $2 "
			       "WHERE d.type = 'actes-generique' AND d.entite_id = $1 ORDER BY d.id LIMIT 1",
			       2, p, err);
	if (!r)
		return false;
	*acte = PQntuples(r) ? strtoll(PQgetvalue(r, 0, 0), NULL, 10) : 0;
	*field = PQntuples(r) && strcmp(PQgetvalue(r, 0, 1), "t") == 0;
	PQclear(r);
	return true;
}

/* The PDF letters of a received envelope (.tar.gz: the ACTES message and
 * the documents, §3.6 of the protocol note), attached to field lettre. */
#define ENVELOPE_MAX ((size_t)256 << 20)

struct letters {
	struct db *db;
	int64_t id;
	struct tmp *t;
	bool db_failed;
};

static bool
letter_attach(const char *name, const char *data, size_t size, void *arg, struct err *err)
{
	struct letters *l = arg;
	const char *base = strrchr(name, '/');
	base = base ? base + 1 : name;
	size_t bl = strlen(base);
	if (bl <= 4 || strcasecmp(base + bl - 4, ".pdf") != 0)
		return true;
	char path[300];
	struct dossier_attach_result ar;
	tmp_path(l->t, path, sizeof path);
	if (!write_file(path, data, size, err))
		return false;
	l->db_failed = !dossier_attach_in_tx(l->db, l->id, -1, "lettre", path, base, &ar, err);
	return !l->db_failed;
}

/* Stores document D (envelope in FILE, NAME) in one transaction: a dossier
 * actes-reponse-prefecture on the job's entity, the envelope attached to
 * the acte's own dossier too when liasse sent it, and the row of
 * reponse_prefecture_recue. A document already stored is skipped
 * (*CREATED = false). */
static bool
doc_pref_store(struct connector_ctx *ctx, const struct doc_pref *d, const char *file, const char *name,
	       const struct http_response *env, struct tmp *t, bool *created, struct err *err)
{
	char cid[24], did[24], aid[24] = "", type[8], today[11], titre[300];
	snprintf(cid, sizeof cid, "%lld", (long long)ctx->config->id);
	snprintf(type, sizeof type, "%d", d->type);
	int64_t entite = ctx->job->entite_id ? ctx->job->entite_id : ctx->config->entite_id;
	bool known;
	*created = false;
	if (!recu_begin(ctx, "reponse_prefecture_recue", "id_document", d->id, &known, err) || known)
		return known;
	int64_t acte = 0, id = 0;
	bool field = false;
	bool ok = doc_pref_acte(ctx->db, entite, d->related, &acte, &field, err);
	if (acte)
		snprintf(aid, sizeof aid, "%lld", (long long)acte);
	date_today(today);
	snprintf(titre, sizeof titre, _("%s — acte %s"), doc_pref_label(d->type), d->number[0] ? d->number : "?");
	if (ok)
		ok = dossier_create(ctx->db, entite, "actes-reponse-prefecture", titre, &id, err);
	if (ok) {
		const char *champs[] = { "type_reponse", "numero_acte", "acte_unique_id", "acte_dossier",
					 "date_reception", "transaction_id", "related_transaction_id", "statut_tdt" };
		const char *valeurs[] = { type, d->number, d->unique_id, aid, today, d->id, d->related, d->status };
		ok = dossier_set(ctx->db, id, -1, 8, champs, valeurs, NULL, err);
	}
	struct dossier_attach_result ar;
	if (ok)
		ok = dossier_attach_in_tx(ctx->db, id, -1, "reponse_prefecture_file", file, name, &ar, err);
	if (ok) { /* the letters themselves (PDF), to read without unpacking */
		struct letters l = { ctx->db, id, t, false };
		struct err lerr = { 0 };
		if (!targz_each(env->body.data, env->body.len, ENVELOPE_MAX, letter_attach, &l, &lerr)) {
			if (l.db_failed) {
				*err = lerr;
				ok = false;
			} else {
				log_warn("s2low: lettres du document %s de la préfecture non extraites : %s", d->id,
					 lerr.msg);
			}
		}
	}
	if (ok && acte && field) {
		const char *champs[] = { "has_reponse_prefecture" };
		const char *valeurs[] = { "on" };
		ok = dossier_set(ctx->db, acte, -1, 1, champs, valeurs, NULL, err) &&
		     dossier_attach_in_tx(ctx->db, acte, -1, "reponse_prefecture_file", file, name, &ar, err);
	}
	if (ok) {
		snprintf(did, sizeof did, "%lld", (long long)id);
		const char *p[] = { cid, d->id, did, acte ? aid : NULL };
		ok = db_exec(ctx->db, "INSERT INTO liasse.reponse_prefecture_recue "
			     "(connecteur_id, id_document, dossier_id, acte_dossier_id) VALUES ($1, $2, $3, $4)",
			     4, p, err);
	}
	return recu_end(ctx, ok, created, err);
}

/* Downloads the envelope of document ID: actes_transac_get_document.php
 * answers with a redirect to actes_download_file.php?env=N, followed here
 * only to that script on the same server (other redirects are S2LOW's
 * way of refusing). 0 ok (R holds the .tar.gz), 1 refused (MSG), -1
 * transport error (err). */
static int
doc_pref_download(struct s2 *s, const char *id, struct http_response *r, char *msg, size_t msglen,
		  struct err *err)
{
	static const char env[] = "/modules/actes/actes_download_file.php?env=";
	char path[sizeof r->location];
	const char *rest;
	snprintf(path, sizeof path, "/modules/actes/actes_transac_get_document.php?id=%s", id);
	if (!s2_call(s, path, NULL, 0, r, err))
		return -1;
	if (r->status == 200) {
		if (s2_okko(r, &rest, msg, msglen) != 0)
			snprintf(msg, msglen, _("S²LOW n'a pas envoyé le document."));
		http_response_free(r);
		return 1;
	}
	const char *loc = r->location;
	size_t nb = strlen(s->base);
	if (strncmp(loc, s->base, nb) == 0 && loc[nb] == '/')
		loc += nb;
	if (r->status < 300 || r->status >= 400 || strncmp(loc, env, sizeof env - 1) != 0 ||
	    strspn(loc + sizeof env - 1, "0123456789") != strlen(loc + sizeof env - 1)) {
		s2_okko(r, &rest, msg, msglen);
		http_response_free(r);
		return 1;
	}
	str_copy(path, sizeof path, loc);
	http_response_free(r);
	if (!s2_call(s, path, NULL, 0, r, err))
		return -1;
	if (r->status != 200 || r->body.len < 2 || (unsigned char)r->body.data[0] != 0x1f ||
	    (unsigned char)r->body.data[1] != 0x8b) {
		if (r->status >= 300 && r->status < 400)
			snprintf(msg, msglen, _("S²LOW a refusé le téléchargement (redirection vers « %s »)."),
				 cut_text(r->location));
		else
			snprintf(msg, msglen, _("S²LOW n'a pas envoyé l'enveloppe du document (HTTP %ld)."),
				 r->status);
		http_response_free(r);
		return 1;
	}
	return 0;
}

/* Marks document ID read; false + MSG when S2LOW did not say ok. */
static int
doc_pref_mark_read(struct s2 *s, const char *id, char *msg, size_t msglen, struct err *err)
{
	char path[300];
	struct http_response r;
	snprintf(path, sizeof path, "/modules/actes/api/document_prefecture_mark_as_read.php?transaction_id=%s", id);
	if (!s2_call(s, path, NULL, 0, &r, err))
		return -1;
	json_object *j = r.status == 200 ? json_tokener_parse(r.body.data) : NULL, *v;
	bool done = j && json_object_object_get_ex(j, "result", &v) &&
		    strcmp(json_object_get_string(v), "ok") == 0;
	json_object_put(j);
	http_response_free(&r);
	if (!done)
		snprintf(msg, msglen, _("S²LOW n'a pas marqué lu le document %s de la préfecture."), id);
	return done ? 0 : 1;
}

static bool
doc_pref_fetch(struct connector_ctx *ctx, struct s2 *s, struct connector_result *res, struct err *err)
{
	struct http_response r;
	char msg[600];
	const char *rest;
	if (!s2_call(s, "/modules/actes/api/list_document_prefecture.php", NULL, 0, &r, err)) {
		connector_result_set(res, CONNECTOR_RETRY, NULL, "%s", err->msg);
		err_clear(err);
		return true;
	}
	json_object *list = r.status == 200 ? json_tokener_parse(r.body.data) : NULL;
	if (!list || !json_object_is_type(list, json_type_array)) {
		if (s2_okko(&r, &rest, msg, sizeof msg) == 1)
			snprintf(msg, sizeof msg, _("réponse inattendue"));
		connector_result_set(res, CONNECTOR_RETRY, NULL,
				     _("Liste des documents de la préfecture refusée par S²LOW : %s"), msg);
		json_object_put(list);
		http_response_free(&r);
		return true;
	}
	http_response_free(&r);
	struct tmp t;
	if (!tmp_open(&t, err)) {
		json_object_put(list);
		return false;
	}
	int n_seen = 0, n_new = 0;
	bool ok = true, failed = false;
	size_t n = json_object_array_length(list);
	for (size_t i = 0; i < n && ok && !failed; i++) {
		json_object *o = json_object_array_get_idx(list, i);
		struct doc_pref d;
		char type[16], file[300], name[200];
		json_str(o, "id", d.id, sizeof d.id);
		json_str(o, "type", type, sizeof type);
		json_str(o, "related_transaction_id", d.related, sizeof d.related);
		json_str(o, "number", d.number, sizeof d.number);
		json_str(o, "unique_id", d.unique_id, sizeof d.unique_id);
		json_str(o, "last_status_id", d.status, sizeof d.status);
		d.type = atoi(type);
		if (!d.id[0] || strspn(d.id, "0123456789") != strlen(d.id) || d.type < 2 || d.type > 5) {
			log_warn("s2low: document de la préfecture ignoré (id « %s », type « %s »)", d.id, type);
			continue;
		}
		n_seen++;
		struct http_response g;
		int k = doc_pref_download(s, d.id, &g, msg, sizeof msg, err);
		if (k < 0) {
			connector_result_set(res, CONNECTOR_RETRY, NULL, "%s", err->msg);
			err_clear(err);
			failed = true;
			continue;
		}
		if (k > 0) {
			connector_result_set(res, CONNECTOR_RETRY, NULL,
					     _("Récupération du document %s de la préfecture impossible : %s"), d.id, msg);
			failed = true;
			continue;
		}
		bool created = false;
		snprintf(name, sizeof name, "%s-%d.tar.gz", d.unique_id[0] ? d.unique_id : d.id, d.type);
		for (char *c = name; *c; c++)
			if (*c == '/' || *c == '\\' || (unsigned char)*c < 0x20)
				*c = '_';
		tmp_path(&t, file, sizeof file);
		ok = write_file(file, g.body.data, g.body.len, err) &&
		     doc_pref_store(ctx, &d, file, name, &g, &t, &created, err);
		http_response_free(&g);
		if (ok && created)
			n_new++;
		if (ok) {
			/* Stored (now or before): S2LOW may forget it. */
			k = doc_pref_mark_read(s, d.id, msg, sizeof msg, err);
			if (k != 0) {
				connector_result_set(res, CONNECTOR_RETRY, NULL, "%s", k < 0 ? err->msg : msg);
				err_clear(err);
				failed = true;
			}
		} else if (err->code != ERR_DB_CONNECT) {
			connector_result_set(res, CONNECTOR_RETRY, NULL,
					     _("Document %s de la préfecture non enregistré : %s"), d.id, err->msg);
			err_clear(err);
			ok = true;
			failed = true;
		}
	}
	tmp_close(&t);
	json_object_put(list);
	if (ok && !failed)
		connector_result_set(res, CONNECTOR_DONE, NULL,
				     _("%d document(s) de la préfecture reçu(s), %d nouveau(x)."), n_seen, n_new);
	return ok;
}

static bool
s2low_run(struct connector_ctx *ctx, struct connector_result *res, struct err *err)
{
	struct s2 s;
	const char *a = ctx->job->action;
	bool helios = strcmp(ctx->job->type, "helios-generique") == 0;
	if (!s2_open(&s, ctx->config, err)) {
		/* A configuration problem: shown, retried once it is fixed. */
		connector_result_set(res, CONNECTOR_RETRY, helios ? "tdt-error" : "send-tdt-erreur", "%s", err->msg);
		err_clear(err);
		s2_close(&s);
		return true;
	}
	bool ok;
	if (!ctx->job->dossier_id && strcmp(a, "recup-pes-retour") == 0)
		ok = pes_retour_fetch(ctx, &s, res, err);
	else if (!ctx->job->dossier_id && strcmp(a, "recup-reponse-prefecture") == 0)
		ok = doc_pref_fetch(ctx, &s, res, err);
	else if (strcmp(a, "send-tdt") == 0 || strcmp(a, "teletransmission-tdt") == 0)
		ok = helios ? helios_send(ctx, &s, res, err) : actes_send(ctx, &s, res, err);
	else if (strcmp(a, "verif-tdt") == 0)
		ok = helios ? helios_verif(ctx, &s, res, err) : actes_verif(ctx, &s, false, res, err);
	else if (strcmp(a, "annulation-tdt") == 0 && !helios)
		ok = actes_cancel(ctx, &s, res, err);
	else if (strcmp(a, "verif-annulation-tdt") == 0 && !helios)
		ok = actes_verif(ctx, &s, true, res, err);
	else {
		connector_result_set(res, CONNECTOR_FAIL, NULL, _("Action « %s » inconnue du connecteur S²LOW."), a);
		ok = true;
	}
	s2_close(&s);
	return ok;
}

const struct connector_type connector_s2low = {
	.id = "s2low",
	.famille = "TdT",
	.label = N_("S²LOW (actes et Hélios)"),
	.fields = s2low_fields,
	.test = s2low_test,
	.run = s2low_run,
};
