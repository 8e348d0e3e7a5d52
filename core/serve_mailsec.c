/* The recipient pages of the mail sécurisé (liasse serve): plain HTML and
 * CSS, no JavaScript, French, readable on a phone. Everything the page
 * does goes through the mailsec_web_* SQL functions; the link key is the
 * only credential (plus the password when the dossier has one). */
#include <openssl/crypto.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/dossier.h"
#include "core/httpd.h"
#include "core/i18n.h"
#include "core/log.h"
#include "core/mailsec.h"

#define COOKIE "liasse_ms"

static const char CSS[] =
	":root{--fg:#1d1d1f;--muted:#5b5b66;--line:#d0d0d7;--accent:#0b4f9c;--bg:#f6f6f8;--ok:#1b6b34;--err:#a01c1c}\n"
	"*{box-sizing:border-box}\n"
	"body{margin:0;background:var(--bg);color:var(--fg);font:16px/1.5 system-ui,-apple-system,\"Segoe UI\",Roboto,sans-serif}\n"
	"main{max-width:46rem;margin:0 auto;padding:1rem}\n"
	"header{border-bottom:3px solid var(--accent);margin-bottom:1rem}\n"
	".entite{color:var(--muted);margin:0;font-size:.95rem}\n"
	"h1{font-size:1.4rem;margin:.2rem 0 .6rem}h2{font-size:1.15rem;margin:1.4rem 0 .5rem}\n"
	"section{background:#fff;border:1px solid var(--line);border-radius:6px;padding:1rem;margin:0 0 1rem}\n"
	"dl{display:grid;grid-template-columns:max-content 1fr;gap:.2rem 1rem;margin:0 0 1rem}\n"
	"dt{color:var(--muted)}dd{margin:0;overflow-wrap:anywhere}\n"
	".texte{white-space:pre-wrap;overflow-wrap:anywhere}\n"
	"ul.fichiers{list-style:none;padding:0;margin:0}ul.fichiers li{padding:.4rem 0;border-top:1px solid var(--line)}\n"
	"ul.fichiers li:first-child{border-top:0}a{color:var(--accent)}.taille{color:var(--muted);font-size:.9rem}\n"
	"label{display:block;font-weight:600;margin:.6rem 0 .2rem}\n"
	"textarea,input[type=password]{width:100%;font:inherit;padding:.5rem;border:1px solid var(--line);border-radius:4px}\n"
	"textarea{min-height:8rem}\n"
	"button{font:inherit;padding:.55rem 1.1rem;margin:.8rem .5rem 0 0;border:0;border-radius:4px;background:var(--accent);color:#fff;cursor:pointer}\n"
	"button.secondaire{background:#e4e4ea;color:var(--fg)}\n"
	".note{color:var(--muted);font-size:.95rem}.ok{color:var(--ok);font-weight:600}\n"
	".erreur{color:var(--err);font-weight:600;border-left:4px solid var(--err);padding-left:.6rem}\n"
	"@media (max-width:30rem){dl{grid-template-columns:1fr}dt{margin-top:.4rem}}\n";

struct serve_mailsec *
serve_mailsec_new(const char *conninfo, struct err *err)
{
	struct db *db = db_open(conninfo, err);
	if (!db)
		return NULL;
	PGresult *r = db_query(db, "SELECT liasse.is_owner()", 0, NULL, err);
	bool owner = r && PQgetvalue(r, 0, 0)[0] == 't';
	if (r)
		PQclear(r);
	if (!r || !owner) {
		if (r)
			err_set(err, ERR_DB_RIGHTS,
				_("liasse serve doit se connecter avec un rôle membre de liasse_owner (comme le démon), pas avec un compte d'agent."));
		db_close(&db);
		return NULL;
	}
	if (!db_exec(db, "SET liasse.automatique = 'on'", 0, NULL, err) ||
	    !db_exec(db, "SET application_name = 'liasse serve'", 0, NULL, err)) {
		db_close(&db);
		return NULL;
	}
	struct serve_mailsec *s = xcalloc(1, sizeof *s);
	s->db = db;
	str_copy(s->conninfo, sizeof s->conninfo, conninfo ? conninfo : "");
	return s;
}

void
serve_mailsec_free(struct serve_mailsec **ps)
{
	if (!*ps)
		return;
	db_close(&(*ps)->db);
	free(*ps);
	*ps = NULL;
}

static void
taille(struct strbuf *sb, long long n)
{
	if (n < 1024)
		sb_printf(sb, "%lld octets", n);
	else if (n < 1024 * 1024)
		sb_printf(sb, "%.1f Ko", n / 1024.0);
	else
		sb_printf(sb, "%.1f Mo", n / (1024.0 * 1024.0));
	/* French decimal comma. */
	char *dot = strrchr(sb->data, '.');
	if (dot && dot > sb->data + sb->len - 6)
		*dot = ',';
}

static void
page_begin(struct httpd_response *res, int status, const char *title)
{
	res->status = status;
	sb_add(&res->body, "<!DOCTYPE html>\n<html lang=\"fr\"><head><meta charset=\"utf-8\">"
			   "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
			   "<meta name=\"robots\" content=\"noindex\"><title>");
	httpd_html(&res->body, title);
	/* Relative: works under a reverse proxy's prefix too. */
	sb_add(&res->body, "</title><link rel=\"stylesheet\" href=\"../style.css\"></head><body><main>\n");
}

static void
page_end(struct httpd_response *res)
{
	sb_add(&res->body, "<p class=\"note\">Message transmis par mail sécurisé. Ce lien vous est personnel : ne le transférez pas.</p>\n</main></body></html>\n");
}

static void
simple_page(struct httpd_response *res, int status, const char *title, const char *text)
{
	page_begin(res, status, title);
	sb_add(&res->body, "<header><h1>");
	httpd_html(&res->body, title);
	sb_add(&res->body, "</h1></header><section><p>");
	httpd_html(&res->body, text);
	sb_add(&res->body, "</p></section>\n");
	page_end(res);
}

static void
redirect(struct httpd_response *res, const char *key)
{
	res->status = 303;
	httpd_add_header(res, "Location: ../%s", key);
	sb_add(&res->body, "<!DOCTYPE html><p>Suite : <a href=\"../");
	sb_add(&res->body, key);
	sb_add(&res->body, "\">le message</a></p>");
}

static bool
db_alive(struct serve_mailsec *s)
{
	if (PQstatus(s->db->conn) == CONNECTION_OK)
		return true;
	PQreset(s->db->conn);
	if (PQstatus(s->db->conn) != CONNECTION_OK)
		return false;
	struct err e = { 0 };
	return db_exec(s->db, "SET liasse.automatique = 'on'", 0, NULL, &e);
}

static void
hash_param(const unsigned char h[32], char out[70])
{
	static const char hx[] = "0123456789abcdef";
	out[0] = '\\', out[1] = 'x';
	for (int i = 0; i < 32; i++) {
		out[2 + 2 * i] = hx[h[i] >> 4];
		out[3 + 2 * i] = hx[h[i] & 15];
	}
	out[66] = '\0';
}

static void
password_page(struct httpd_response *res, int status, const char *pre, const char *key,
	      const char *error)
{
	page_begin(res, status, "Message protégé");
	sb_add(&res->body, "<header><h1>Message protégé par un mot de passe</h1></header><section>");
	if (error) {
		sb_add(&res->body, "<p class=\"erreur\">");
		httpd_html(&res->body, error);
		sb_add(&res->body, "</p>");
	}
	sb_printf(&res->body, "<form method=\"post\" action=\"%s%s/mot-de-passe\" class=\"pw\">", pre, key);
	sb_add(&res->body, "<p>L'expéditeur vous a communiqué un mot de passe pour lire ce message.</p>"
			   "<label for=\"mdp\">Mot de passe</label>"
			   "<input type=\"password\" id=\"mdp\" name=\"mot_de_passe\" required autocomplete=\"off\">"
			   "<button type=\"submit\">Accéder au message</button></form></section>\n");
	page_end(res);
}

/* Links are relative, so that the pages work under a reverse proxy's
 * prefix: PRE is "" for a page at /mail/KEY and "../" for one at
 * /mail/KEY/something. */

struct doc_reader {
	struct serve_mailsec *s;
	char fichier[32];
	int block_n;
	unsigned char *block;
	size_t block_len;
};

static ssize_t
doc_read(void *ctx, uint64_t pos, char *buf, size_t max)
{
	struct doc_reader *d = ctx;
	int n = (int)(pos / DOSSIER_BLOCK_SIZE);
	size_t off = (size_t)(pos % DOSSIER_BLOCK_SIZE);
	if (n != d->block_n || !d->block) {
		if (d->block)
			PQfreemem(d->block);
		d->block = NULL;
		char ns[16];
		snprintf(ns, sizeof ns, "%d", n);
		const char *p[] = { d->fichier, ns };
		struct err e = { 0 };
		PGresult *r = db_query(d->s->db, "SELECT liasse.mailsec_web_bloc($1, $2)", 2, p, &e);
		if (!r)
			return -1;
		if (PQgetisnull(r, 0, 0)) {
			PQclear(r);
			return 0;
		}
		d->block = PQunescapeBytea((const unsigned char *)PQgetvalue(r, 0, 0), &d->block_len);
		PQclear(r);
		if (!d->block)
			return -1;
		d->block_n = n;
	}
	if (off >= d->block_len)
		return 0;
	size_t k = d->block_len - off < max ? d->block_len - off : max;
	memcpy(buf, d->block + off, k);
	return (ssize_t)k;
}

static void
doc_free(void *ctx)
{
	struct doc_reader *d = ctx;
	if (d->block)
		PQfreemem(d->block);
	free(d);
}

/* Content-Disposition with an ASCII fallback and the UTF-8 name (RFC 6266). */
static void
disposition(struct httpd_response *res, const char *name)
{
	struct strbuf a = STRBUF_INIT, u = STRBUF_INIT;
	for (const unsigned char *p = (const unsigned char *)name; *p; p++) {
		sb_addc(&a, *p >= 0x20 && *p < 0x7f && *p != '"' && *p != '\\' ? (char)*p : '_');
		if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
		    strchr("-._~", *p))
			sb_addc(&u, (char)*p);
		else
			sb_printf(&u, "%%%02X", *p);
	}
	httpd_add_header(res, "Content-Disposition: attachment; filename=\"%s\"; filename*=UTF-8''%s",
			 sb_str(&a), sb_str(&u));
	sb_free(&a);
	sb_free(&u);
}

static void
serve_document(struct serve_mailsec *s, struct httpd_response *res, const char *dest, const char *nstr)
{
	struct err e = { 0 };
	const char *p[] = { dest };
	PGresult *r = db_query(s->db, "SELECT fichier_id, n, nom, mime, taille FROM liasse.mailsec_web_documents($1)",
			       1, p, &e);
	if (!r) {
		simple_page(res, 500, "Service indisponible", "Le service est momentanément indisponible. Réessayez plus tard.");
		return;
	}
	for (int i = 0; i < PQntuples(r); i++) {
		if (strcmp(PQgetvalue(r, i, 1), nstr) != 0)
			continue;
		struct doc_reader *d = xcalloc(1, sizeof *d);
		d->s = s;
		d->block_n = -1;
		str_copy(d->fichier, sizeof d->fichier, PQgetvalue(r, i, 0));
		res->reader = doc_read;
		res->reader_ctx = d;
		res->reader_free = doc_free;
		res->size = atoll(PQgetvalue(r, i, 4));
		str_copy(res->content_type, sizeof res->content_type, PQgetvalue(r, i, 3));
		disposition(res, PQgetvalue(r, i, 2));
		PQclear(r);
		return;
	}
	PQclear(r);
	simple_page(res, 404, "Document introuvable", "Ce document n'existe pas.");
}

/* "Télécharger tous les fichiers": a ZIP (stored, no compression: PDFs
 * do not shrink) streamed block by block; each entry's CRC-32 goes in a
 * data descriptor after its data, so nothing is held in memory. */
static uint32_t crc_table[256];

static void
crc_init(void)
{
	if (crc_table[1])
		return;
	for (uint32_t i = 0; i < 256; i++) {
		uint32_t c = i;
		for (int k = 0; k < 8; k++)
			c = c & 1 ? 0xEDB88320u ^ (c >> 1) : c >> 1;
		crc_table[i] = c;
	}
}

static uint32_t
crc_update(uint32_t crc, const unsigned char *p, size_t n)
{
	crc = ~crc;
	while (n--)
		crc = crc_table[(crc ^ *p++) & 0xFF] ^ (crc >> 8);
	return ~crc;
}

struct zip_entry {
	char fichier[32];
	char *name;
	uint64_t size;
	uint32_t crc;
	uint64_t offset;
};

struct zip_stream {
	struct serve_mailsec *s;
	struct zip_entry *e;
	size_t n, cur;
	int phase;         /* 0 header, 1 data, 2 descriptor, 3 central, 4 done */
	int block;         /* next block of the current entry */
	uint64_t written;  /* bytes of the archive produced so far */
	uint16_t dos_time, dos_date;
	struct strbuf pend;
	size_t pend_off;
	bool failed;
};

static void
le16(struct strbuf *b, uint16_t v)
{
	sb_addc(b, (char)(v & 0xFF));
	sb_addc(b, (char)(v >> 8));
}

static void
le32(struct strbuf *b, uint32_t v)
{
	le16(b, (uint16_t)(v & 0xFFFF));
	le16(b, (uint16_t)(v >> 16));
}

/* Produces the next piece of the archive into Z->pend. */
static void
zip_next(struct zip_stream *z)
{
	struct strbuf *b = &z->pend;
	size_t before = b->len;
	if (z->phase == 0) {
		struct zip_entry *e = &z->e[z->cur];
		e->offset = z->written;
		e->crc = 0;
		le32(b, 0x04034b50);
		le16(b, 20);
		le16(b, 0x0808); /* data descriptor, UTF-8 names */
		le16(b, 0);      /* stored */
		le16(b, z->dos_time);
		le16(b, z->dos_date);
		le32(b, 0);
		le32(b, 0);
		le32(b, 0);
		le16(b, (uint16_t)strlen(e->name));
		le16(b, 0);
		sb_add(b, e->name);
		z->phase = 1;
		z->block = 0;
	} else if (z->phase == 1) {
		struct zip_entry *e = &z->e[z->cur];
		char ns[16];
		snprintf(ns, sizeof ns, "%d", z->block);
		const char *p[] = { e->fichier, ns };
		struct err err = { 0 };
		PGresult *r = db_query(z->s->db, "SELECT liasse.mailsec_web_bloc($1, $2)", 2, p, &err);
		if (!r) {
			z->failed = true;
			return;
		}
		if (PQgetisnull(r, 0, 0)) {
			z->phase = 2;
		} else {
			size_t len;
			unsigned char *d = PQunescapeBytea((const unsigned char *)PQgetvalue(r, 0, 0), &len);
			if (!d) {
				PQclear(r);
				z->failed = true;
				return;
			}
			e->crc = crc_update(e->crc, d, len);
			sb_addn(b, (const char *)d, len);
			PQfreemem(d);
			z->block++;
		}
		PQclear(r);
	} else if (z->phase == 2) {
		struct zip_entry *e = &z->e[z->cur];
		le32(b, 0x08074b50);
		le32(b, e->crc);
		le32(b, (uint32_t)e->size);
		le32(b, (uint32_t)e->size);
		z->cur++;
		z->phase = z->cur < z->n ? 0 : 3;
	} else if (z->phase == 3) {
		uint64_t start = z->written;
		for (size_t i = 0; i < z->n; i++) {
			struct zip_entry *e = &z->e[i];
			le32(b, 0x02014b50);
			le16(b, 20);
			le16(b, 20);
			le16(b, 0x0808);
			le16(b, 0);
			le16(b, z->dos_time);
			le16(b, z->dos_date);
			le32(b, e->crc);
			le32(b, (uint32_t)e->size);
			le32(b, (uint32_t)e->size);
			le16(b, (uint16_t)strlen(e->name));
			le16(b, 0);
			le16(b, 0);
			le16(b, 0);
			le16(b, 0);
			le32(b, 0);
			le32(b, (uint32_t)e->offset);
			sb_add(b, e->name);
		}
		uint64_t cd = z->written + (b->len - before) - start;
		le32(b, 0x06054b50);
		le16(b, 0);
		le16(b, 0);
		le16(b, (uint16_t)z->n);
		le16(b, (uint16_t)z->n);
		le32(b, (uint32_t)(cd - 0));
		le32(b, (uint32_t)start);
		le16(b, 0);
		z->phase = 4;
	}
	z->written += b->len - before;
}

static ssize_t
zip_read(void *ctx, uint64_t pos, char *buf, size_t max)
{
	(void)pos;
	struct zip_stream *z = ctx;
	while (z->pend_off >= z->pend.len) {
		sb_reset(&z->pend);
		z->pend_off = 0;
		if (z->phase == 4)
			return 0;
		zip_next(z);
		if (z->failed)
			return -1;
	}
	size_t k = z->pend.len - z->pend_off < max ? z->pend.len - z->pend_off : max;
	memcpy(buf, z->pend.data + z->pend_off, k);
	z->pend_off += k;
	return (ssize_t)k;
}

static void
zip_free(void *ctx)
{
	struct zip_stream *z = ctx;
	for (size_t i = 0; i < z->n; i++)
		free(z->e[i].name);
	free(z->e);
	sb_free(&z->pend);
	free(z);
}

static void
serve_zip(struct serve_mailsec *s, struct httpd_response *res, const char *dest)
{
	struct err e = { 0 };
	const char *p[] = { dest };
	PGresult *r = db_query(s->db, "SELECT fichier_id, nom, taille FROM liasse.mailsec_web_documents($1)",
			       1, p, &e);
	if (!r) {
		simple_page(res, 500, "Service indisponible", "Le service est momentanément indisponible. Réessayez plus tard.");
		return;
	}
	if (PQntuples(r) == 0 || PQntuples(r) > 1000) {
		PQclear(r);
		simple_page(res, 404, "Aucun document", "Ce message n'a pas de document.");
		return;
	}
	crc_init();
	struct zip_stream *z = xcalloc(1, sizeof *z);
	z->s = s;
	z->n = (size_t)PQntuples(r);
	z->e = xcalloc(z->n, sizeof *z->e);
	for (size_t i = 0; i < z->n; i++) {
		struct zip_entry *en = &z->e[i];
		str_copy(en->fichier, sizeof en->fichier, PQgetvalue(r, (int)i, 0));
		en->size = (uint64_t)atoll(PQgetvalue(r, (int)i, 2));
		/* No folders, no "..": the base name only; duplicates numbered. */
		const char *nm = PQgetvalue(r, (int)i, 1);
		const char *sl = strrchr(nm, '/');
		struct strbuf nb = STRBUF_INIT;
		bool dup = false;
		for (size_t k = 0; k < i; k++)
			dup = dup || strcmp(z->e[k].name, sl ? sl + 1 : nm) == 0;
		if (dup)
			sb_printf(&nb, "%zu-", i + 1);
		sb_add(&nb, sl ? sl + 1 : nm);
		en->name = sb_take(&nb);
	}
	PQclear(r);
	time_t now = time(NULL);
	struct tm tm;
	localtime_r(&now, &tm);
	z->dos_time = (uint16_t)(tm.tm_hour << 11 | tm.tm_min << 5 | tm.tm_sec / 2);
	z->dos_date = (uint16_t)((tm.tm_year - 80) << 9 | (tm.tm_mon + 1) << 5 | tm.tm_mday);
	res->reader = zip_read;
	res->reader_ctx = z;
	res->reader_free = zip_free;
	res->size = -1;
	str_copy(res->content_type, sizeof res->content_type, "application/zip");
	disposition(res, "documents.zip");
}

static void
files_list(struct strbuf *b, PGresult *f, const char *pre, const char *key, int name_col, int size_col,
	   int id_col, bool deletable, const char *doc_prefix)
{
	sb_add(b, "<ul class=\"fichiers\">");
	for (int i = 0; i < PQntuples(f); i++) {
		sb_add(b, "<li>");
		if (doc_prefix) {
			sb_printf(b, "<a href=\"%s%s/%s/%s\">", pre, key, doc_prefix, PQgetvalue(f, i, id_col));
			httpd_html(b, PQgetvalue(f, i, name_col));
			sb_add(b, "</a>");
		} else {
			httpd_html(b, PQgetvalue(f, i, name_col));
		}
		sb_add(b, " <span class=\"taille\">(");
		taille(b, atoll(PQgetvalue(f, i, size_col)));
		sb_add(b, ")</span>");
		if (deletable)
			sb_printf(b, "<form method=\"post\" action=\"%s%s/supprimer\" style=\"display:inline\">"
				     "<input type=\"hidden\" name=\"fichier\" value=\"%s\">"
				     "<button type=\"submit\" class=\"secondaire\">Retirer</button></form>",
				  pre, key, PQgetvalue(f, i, id_col));
		sb_add(b, "</li>");
	}
	sb_add(b, "</ul>");
}

static void
message_page(struct serve_mailsec *s, struct httpd_response *res, const char *pre, const char *key,
	     const char *dest,
	     const char *error)
{
	struct err e = { 0 };
	const char *p[] = { dest };
	PGresult *m = db_query(s->db, "SELECT entite, objet, message, destinataires, copie, reponse, "
				      "reponse_at IS NOT NULL, repondu_at IS NOT NULL, "
				      "to_char(repondu_at AT TIME ZONE 'Europe/Paris', 'DD/MM/YYYY à HH24:MI') "
				      "FROM liasse.mailsec_web_message($1)", 1, p, &e);
	PGresult *docs = m ? db_query(s->db, "SELECT fichier_id, n, nom, mime, taille FROM liasse.mailsec_web_documents($1)",
				      1, p, &e) : NULL;
	PGresult *rf = docs ? db_query(s->db, "SELECT id, nom, mime, taille FROM liasse.mailsec_web_fichiers($1)",
				       1, p, &e) : NULL;
	if (!rf) {
		log_error("mailsec page: %s %s", e.msg, e.detail);
		if (m)
			PQclear(m);
		if (docs)
			PQclear(docs);
		simple_page(res, 500, "Service indisponible", "Le service est momentanément indisponible. Réessayez plus tard.");
		return;
	}
	struct strbuf *b = &res->body;
	page_begin(res, error ? 400 : 200, PQgetvalue(m, 0, 1));
	sb_add(b, "<header><p class=\"entite\">");
	httpd_html(b, PQgetvalue(m, 0, 0));
	sb_add(b, "</p><h1>");
	httpd_html(b, PQgetvalue(m, 0, 1));
	sb_add(b, "</h1></header>\n<section class=\"message\"><h2>Votre message</h2><dl><dt>Destinataire(s)</dt><dd>");
	httpd_html(b, PQgetvalue(m, 0, 3));
	sb_add(b, "</dd>");
	if (*PQgetvalue(m, 0, 4)) {
		sb_add(b, "<dt>Copie à</dt><dd>");
		httpd_html(b, PQgetvalue(m, 0, 4));
		sb_add(b, "</dd>");
	}
	sb_add(b, "<dt>Objet</dt><dd>");
	httpd_html(b, PQgetvalue(m, 0, 1));
	sb_add(b, "</dd></dl><div class=\"texte\">");
	httpd_html(b, PQgetvalue(m, 0, 2));
	sb_add(b, "</div></section>\n");
	if (PQntuples(docs)) {
		sb_add(b, "<section class=\"documents\"><h2>Documents</h2>");
		files_list(b, docs, pre, key, 2, 4, 1, false, "document");
		if (PQntuples(docs) > 1)
			sb_printf(b, "<p><a href=\"%s%s/documents.zip\">Télécharger tous les documents (zip)</a></p>",
				  pre, key);
		sb_add(b, "</section>\n");
	}
	bool draft = PQgetvalue(m, 0, 6)[0] == 't', done = PQgetvalue(m, 0, 7)[0] == 't';
	sb_add(b, "<section id=\"reponse\"><h2>Votre réponse</h2>");
	if (error) {
		sb_add(b, "<p class=\"erreur\">");
		httpd_html(b, error);
		sb_add(b, "</p>");
	}
	if (done) {
		sb_add(b, "<p class=\"ok\">Réponse validée le ");
		httpd_html(b, PQgetvalue(m, 0, 8));
		sb_add(b, ".</p><div class=\"texte\">");
		httpd_html(b, PQgetvalue(m, 0, 5));
		sb_add(b, "</div>");
		if (PQntuples(rf))
			files_list(b, rf, pre, key, 1, 3, 0, false, NULL);
	} else {
		if (draft) {
			sb_add(b, "<p class=\"erreur\">Votre réponse ne sera pas transmise tant que vous ne l'aurez pas validée.</p>"
				  "<div class=\"texte\">");
			httpd_html(b, PQgetvalue(m, 0, 5));
			sb_add(b, "</div>");
			if (PQntuples(rf))
				files_list(b, rf, pre, key, 1, 3, 0, true, NULL);
			sb_printf(b, "<form method=\"post\" action=\"%s%s/valider\"><button type=\"submit\">Valider la réponse</button></form>"
				     "<h2>Modifier la réponse</h2>", pre, key);
		}
		sb_printf(b, "<form method=\"post\" action=\"%s%s/reponse\" enctype=\"multipart/form-data\">"
			     "<label for=\"rep\">Réponse</label><textarea id=\"rep\" name=\"reponse\" required maxlength=\"20000\" "
			     "placeholder=\"Présent, ou absent avec pouvoir à…\">", pre, key);
		if (draft)
			httpd_html(b, PQgetvalue(m, 0, 5));
		sb_add(b, "</textarea><label for=\"fic\">Documents (facultatif, 20 Mo par fichier)</label>"
			  "<input type=\"file\" id=\"fic\" name=\"fichier\" multiple>"
			  "<button type=\"submit\">Enregistrer la réponse</button></form>");
	}
	sb_add(b, "</section>\n");
	page_end(res);
	PQclear(m);
	PQclear(docs);
	PQclear(rf);
}

static bool
web_call(struct serve_mailsec *s, const char *sql, int n, const char *const *p, struct err *e)
{
	PGresult *r = db_query(s->db, sql, n, p, e);
	if (!r)
		return false;
	PQclear(r);
	return true;
}

/* Saves the draft answer and its files in one transaction; false + a
 * French message in E (the page shows it). */
static bool
save_reply(struct serve_mailsec *s, const struct httpd_request *req, const char *dest, struct err *e)
{
	if (req->too_large)
		return err_set(e, ERR_INPUT, _("Envoi trop volumineux : 20 Mo par fichier, 50 Mo en tout."));
	if (req->bad_body)
		return err_set(e, ERR_INPUT, _("Formulaire illisible : réessayez."));
	const struct httpd_field *t = httpd_field(req, "reponse", 0);
	if (!db_begin(s->db, e))
		return false;
	const char *p[] = { dest, t ? t->data : "" };
	bool ok = web_call(s, "SELECT liasse.mailsec_web_reponse_save($1, $2)", 2, p, e);
	for (size_t i = 0; ok; i++) {
		const struct httpd_field *f = httpd_field(req, "fichier", i);
		if (!f)
			break;
		if (!f->filename || !*f->filename || f->len == 0)
			continue;
		const char *vals[] = { dest, f->filename, f->data };
		int lens[] = { 0, 0, (int)f->len };
		int fmts[] = { 0, 0, 1 };
		PGresult *r = PQexecParams(s->db->conn, "SELECT liasse.mailsec_web_fichier_add($1, $2, $3)", 3,
					   NULL, vals, lens, fmts, 0);
		if (PQresultStatus(r) != PGRES_TUPLES_OK) {
			db_err_from_result(s->db, r, e);
			ok = false;
		}
		PQclear(r);
	}
	if (!ok) {
		db_rollback(s->db);
		return false;
	}
	return db_commit(s->db, e);
}

static bool
secure_request(const struct httpd_request *req)
{
	const char *proto = httpd_header(req, "X-Forwarded-Proto");
	return proto && strcmp(proto, "https") == 0;
}

void
serve_mailsec_handle(void *ctx, const struct httpd_request *req, struct httpd_response *res)
{
	struct serve_mailsec *s = ctx;
	httpd_add_header(res, "Cache-Control: no-store");
	httpd_add_header(res, "Referrer-Policy: no-referrer");
	httpd_add_header(res, "X-Content-Type-Options: nosniff");
	httpd_add_header(res, "Content-Security-Policy: default-src 'none'; style-src 'self'; img-src 'self'; "
			      "form-action 'self'; frame-ancestors 'none'; base-uri 'none'");
	const char *path = req->path;
	bool get = strcmp(req->method, "GET") == 0 || strcmp(req->method, "HEAD") == 0;
	bool post = strcmp(req->method, "POST") == 0;
	if (get && (!strcmp(path, "/style.css") || !strcmp(path, "/mail/style.css"))) {
		str_copy(res->content_type, sizeof res->content_type, "text/css; charset=utf-8");
		sb_add(&res->body, CSS);
		return;
	}
	if (get && !strcmp(path, "/sante")) {
		str_copy(res->content_type, sizeof res->content_type, "text/plain; charset=utf-8");
		sb_add(&res->body, db_alive(s) ? "ok\n" : "base indisponible\n");
		res->status = db_alive(s) ? 200 : 503;
		return;
	}
	if (strncmp(path, "/mail/", 6) != 0) {
		simple_page(res, 404, "Page introuvable", "Cette adresse ne correspond à aucune page.");
		return;
	}
	char key[MAILSEC_KEY_LEN + 1];
	const char *k = path + 6, *slash = strchr(k, '/');
	size_t kl = slash ? (size_t)(slash - k) : strlen(k);
	const char *rest = slash ? slash + 1 : "";
	unsigned char hash[32];
	if (kl != MAILSEC_KEY_LEN) {
		simple_page(res, 404, "Lien invalide", "Ce lien n'est pas valide : vérifiez qu'il a été copié en entier depuis le message reçu.");
		return;
	}
	memcpy(key, k, kl);
	key[kl] = '\0';
	if (!mailsec_key_hash(key, hash)) {
		simple_page(res, 404, "Lien invalide", "Ce lien n'est pas valide : vérifiez qu'il a été copié en entier depuis le message reçu.");
		return;
	}
	if (!db_alive(s)) {
		simple_page(res, 503, "Service indisponible", "Le service est momentanément indisponible. Réessayez plus tard.");
		return;
	}
	char hp[70];
	hash_param(hash, hp);
	struct err e = { 0 };
	const char *p1[] = { hp };
	PGresult *l = db_query(s->db, "SELECT statut, destinataire_id, coalesce(password_hash, ''), "
				      "to_char(bloque_jusqu AT TIME ZONE 'Europe/Paris', 'DD/MM/YYYY à HH24:MI:SS') "
				      "FROM liasse.mailsec_web_lien($1::bytea)", 1, p1, &e);
	if (!l) {
		log_error("mailsec lien: %s %s", e.msg, e.detail);
		simple_page(res, 503, "Service indisponible", "Le service est momentanément indisponible. Réessayez plus tard.");
		return;
	}
	char statut[16], dest[32], pwhash[MAILSEC_HASH_MAX], until[64];
	str_copy(statut, sizeof statut, PQgetvalue(l, 0, 0));
	str_copy(dest, sizeof dest, PQgetvalue(l, 0, 1));
	str_copy(pwhash, sizeof pwhash, PQgetvalue(l, 0, 2));
	str_copy(until, sizeof until, PQgetvalue(l, 0, 3));
	PQclear(l);
	if (!strcmp(statut, "inconnu")) {
		simple_page(res, 404, "Lien inconnu", "Ce lien ne correspond à aucun message, ou le message a été supprimé.");
		return;
	}
	if (!strcmp(statut, "remplace")) {
		simple_page(res, 410, "Lien remplacé",
			    "Ce lien a été remplacé par un envoi plus récent : ouvrez le lien du dernier message reçu.");
		return;
	}
	if (!strcmp(statut, "non-recu")) {
		simple_page(res, 410, "Message indisponible", "Ce message n'est plus disponible : l'expéditeur l'a déclaré non reçu.");
		return;
	}
	bool authed = pwhash[0] == '\0';
	if (!authed) {
		const char *c = httpd_cookie(req, COOKIE);
		char sh[70];
		unsigned char h2[32];
		if (c && mailsec_key_hash(c, h2)) {
			hash_param(h2, sh);
			const char *ps[] = { dest, sh };
			PGresult *r = db_query(s->db, "SELECT liasse.mailsec_web_session_ok($1, $2::bytea)", 2, ps, &e);
			authed = r && PQgetvalue(r, 0, 0)[0] == 't';
			if (r)
				PQclear(r);
		}
	}
	const char *pre = rest[0] ? "../" : "";
	if (!strcmp(rest, "mot-de-passe") && post && !authed) {
		if (!strcmp(statut, "bloque")) {
			char msg[200];
			snprintf(msg, sizeof msg, "Trop de mots de passe erronés : réessayez après le %s.", until);
			password_page(res, 429, pre, key, msg);
			return;
		}
		const struct httpd_field *f = httpd_field(req, "mot_de_passe", 0);
		bool ok = f && mailsec_password_verify(f->data, pwhash);
		const char *pp[] = { dest, ok ? "true" : "false" };
		PGresult *r = db_query(s->db, "SELECT to_char(liasse.mailsec_web_password($1, $2) AT TIME ZONE 'Europe/Paris', "
					      "'DD/MM/YYYY à HH24:MI:SS')", 2, pp, &e);
		if (!r) {
			simple_page(res, 503, "Service indisponible", "Le service est momentanément indisponible. Réessayez plus tard.");
			return;
		}
		char blocked[64];
		str_copy(blocked, sizeof blocked, PQgetvalue(r, 0, 0));
		PQclear(r);
		if (!ok) {
			char msg[200];
			if (blocked[0])
				snprintf(msg, sizeof msg, "Mot de passe incorrect. Trop d'essais : réessayez après le %s.", blocked);
			else
				snprintf(msg, sizeof msg, "Mot de passe incorrect.");
			password_page(res, blocked[0] ? 429 : 403, pre, key, msg);
			return;
		}
		char token[65], th[70];
		unsigned char h3[32];
		if (!mailsec_random_hex(token, &e) || !mailsec_key_hash(token, h3)) {
			simple_page(res, 500, "Erreur", "Erreur interne.");
			return;
		}
		hash_param(h3, th);
		const char *ps[] = { dest, th };
		if (!web_call(s, "SELECT liasse.mailsec_web_session_add($1, $2::bytea)", 2, ps, &e)) {
			simple_page(res, 503, "Service indisponible", "Le service est momentanément indisponible. Réessayez plus tard.");
			return;
		}
		httpd_add_header(res, "Set-Cookie: %s=%s; Path=/; Max-Age=43200; HttpOnly; SameSite=Strict%s", COOKIE,
				 token, secure_request(req) ? "; Secure" : "");
		OPENSSL_cleanse(token, sizeof token);
		res->status = 303;
		httpd_add_header(res, "Location: ../%s", key);
		return;
	}
	if (!authed) {
		if (!strcmp(statut, "bloque")) {
			char msg[200];
			snprintf(msg, sizeof msg, "Trop de mots de passe erronés : réessayez après le %s.", until);
			password_page(res, 429, pre, key, msg);
		} else if (rest[0] == '\0' && get) {
			password_page(res, 401, pre, key, NULL);
		} else {
			res->status = 303;
			httpd_add_header(res, "Location: %s%s", pre, key);
		}
		return;
	}
	if (rest[0] == '\0' && get) {
		message_page(s, res, pre, key, dest, NULL);
	} else if (!strcmp(rest, "documents.zip") && get) {
		serve_zip(s, res, dest);
	} else if (!strncmp(rest, "document/", 9) && get) {
		serve_document(s, res, dest, rest + 9);
	} else if (!strcmp(rest, "reponse") && post) {
		if (save_reply(s, req, dest, &e)) {
			redirect(res, key);
		} else {
			message_page(s, res, pre, key, dest, e.msg);
			res->status = 400;
		}
	} else if (!strcmp(rest, "valider") && post) {
		const char *p[] = { dest };
		if (web_call(s, "SELECT liasse.mailsec_web_valider($1)", 1, p, &e)) {
			/* The answer is saved: a failed notice is only logged. */
			struct err ne = { 0 };
			if (!mailsec_notify_sender(s->db, dest, &ne))
				log_warn("mailsec notification: %s %s", ne.msg, ne.detail);
			redirect(res, key);
		}
		else
			message_page(s, res, pre, key, dest, e.msg);
	} else if (!strcmp(rest, "supprimer") && post) {
		const struct httpd_field *f = httpd_field(req, "fichier", 0);
		const char *p[] = { dest, f ? f->data : "0" };
		if (web_call(s, "SELECT liasse.mailsec_web_fichier_delete($1, $2::bigint)", 2, p, &e))
			redirect(res, key);
		else
			message_page(s, res, pre, key, dest, e.msg);
	} else {
		simple_page(res, 404, "Page introuvable", "Cette adresse ne correspond à aucune page.");
	}
}
