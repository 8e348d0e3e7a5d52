#include "core/journal.h"

#include <openssl/evp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/i18n.h"
#include "core/log.h"

#define VERIFY_BATCH 2000

static const char *const type_labels[] = {
	NULL,
	N_("Action sur un dossier"),
	N_("Notification"),
	N_("Gestion des entités"),
	N_("Gestion des utilisateurs"),
	N_("Mail sécurisé"),
	N_("Connexion"),
	N_("Consultation de dossier"),
	N_("Envoi de mail"),
	N_("Erreur lors d'une action"),
	N_("Programmation d'un traitement par lot"),
	N_("Test"),
	N_("Action sur un type de dossier personnalisé"),
	N_("Action sur le journal"),
	N_("Action par commande"),
};

const char *
journal_type_label(int type)
{
	if (type < 1 || type > JOURNAL_COMMANDE)
		return "?";
	return _(type_labels[type]);
}

static void
add_field(struct strbuf *out, const char *v)
{
	if (!v) {
		sb_add(out, "-,");
		return;
	}
	sb_printf(out, "%zu:", strlen(v));
	sb_add(out, v);
	sb_addc(out, ',');
}

void
journal_canonical(struct strbuf *out, const struct journal_fields *f)
{
	sb_add(out, "J1");
	add_field(out, f->id);
	add_field(out, f->ts);
	add_field(out, f->type);
	add_field(out, f->entite_id);
	add_field(out, f->utilisateur);
	add_field(out, f->dossier_id);
	add_field(out, f->action);
	add_field(out, f->message);
}

void
journal_hash(const unsigned char prev[32], const struct journal_fields *f, unsigned char hash[32])
{
	struct strbuf sb = STRBUF_INIT;
	sb_addn(&sb, (const char *)prev, 32);
	/* sb_addn keeps NULs: the canonical text follows the 32 raw bytes. */
	journal_canonical(&sb, f);
	unsigned int len = 0;
	EVP_Digest(sb.data, sb.len, hash, &len, EVP_sha256(), NULL);
	sb_free(&sb);
}

static void
to_hex(const unsigned char *b, size_t n, char *out)
{
	static const char digits[] = "0123456789abcdef";
	for (size_t i = 0; i < n; i++) {
		out[2 * i] = digits[b[i] >> 4];
		out[2 * i + 1] = digits[b[i] & 15];
	}
	out[2 * n] = '\0';
}

/* 64 hex digits into 32 bytes; false when malformed. */
static bool
from_hex(const char *s, unsigned char out[32])
{
	if (strlen(s) != 64)
		return false;
	for (int i = 0; i < 32; i++) {
		unsigned v = 0;
		for (int k = 0; k < 2; k++) {
			char c = s[2 * i + k];
			v <<= 4;
			if (c >= '0' && c <= '9')
				v |= (unsigned)(c - '0');
			else if (c >= 'a' && c <= 'f')
				v |= (unsigned)(c - 'a' + 10);
			else
				return false;
		}
		out[i] = (unsigned char)v;
	}
	return true;
}

static const char *
opt_value(PGresult *r, int row, int col)
{
	return PQgetisnull(r, row, col) ? NULL : PQgetvalue(r, row, col);
}

struct walk {
	long long expect_id;       /* id the next row should have */
	unsigned char expect_prev[32];
};

static bool
broken(struct journal_verify_result *res, long long id, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static bool
broken(struct journal_verify_result *res, long long id, const char *fmt, ...)
{
	va_list ap;
	res->intact = false;
	res->bad_id = id;
	va_start(ap, fmt);
	vsnprintf(res->reason, sizeof(res->reason), fmt, ap);
	va_end(ap);
	return false;
}

/* Checks one row; false (RES filled) at the first break. */
static bool
check_row(PGresult *r, int i, struct walk *w, struct journal_verify_result *res)
{
	struct journal_fields f = {
		.id = PQgetvalue(r, i, 0),
		.ts = PQgetvalue(r, i, 1),
		.type = PQgetvalue(r, i, 2),
		.entite_id = opt_value(r, i, 3),
		.utilisateur = PQgetvalue(r, i, 4),
		.dossier_id = opt_value(r, i, 5),
		.action = PQgetvalue(r, i, 6),
		.message = PQgetvalue(r, i, 7),
	};
	long long id = strtoll(f.id, NULL, 10);
	unsigned char prev[32], stored[32], computed[32];
	if (id != w->expect_id) {
		if (id == w->expect_id + 1)
			return broken(res, id, _("la ligne %lld qui la précède est absente"),
				      w->expect_id);
		return broken(res, id, _("les lignes %lld à %lld qui la précèdent sont absentes"),
			      w->expect_id, id - 1);
	}
	if (!from_hex(PQgetvalue(r, i, 8), prev) || !from_hex(PQgetvalue(r, i, 9), stored))
		return broken(res, id, _("empreinte illisible (pas 32 octets)"));
	if (memcmp(prev, w->expect_prev, 32) != 0)
		return broken(res, id,
			      _("le lien vers la ligne précédente est rompu (empreinte précédente "
				"différente de celle de la ligne %lld)"),
			      id - 1);
	journal_hash(prev, &f, computed);
	if (memcmp(computed, stored, 32) != 0)
		return broken(res, id,
			      _("empreinte incorrecte : le contenu de la ligne a été modifié"));
	if (res->checked++ == 0)
		res->first_id = id;
	res->last_id = id;
	w->expect_id = id + 1;
	memcpy(w->expect_prev, stored, 32);
	return true;
}

/* Where the walk starts: the stored hash of the row before FROM_ID. */
static bool
walk_start(struct db *db, long long from_id, struct walk *w, struct err *err)
{
	memset(w->expect_prev, 0, 32);
	w->expect_id = 1;
	if (from_id <= 1)
		return true;
	char from[32];
	snprintf(from, sizeof(from), "%lld", from_id);
	const char *p[] = { from };
	PGresult *r = db_query(db, "SELECT id, encode(hash, 'hex') FROM liasse.journal_hash_before($1)",
			       1, p, err);
	if (!r)
		return false;
	if (PQntuples(r) == 1) {
		w->expect_id = strtoll(PQgetvalue(r, 0, 0), NULL, 10) + 1;
		from_hex(PQgetvalue(r, 0, 1), w->expect_prev);
	}
	PQclear(r);
	return true;
}

static bool
check_head(struct db *db, const struct walk *w, struct journal_verify_result *res,
	   struct err *err)
{
	PGresult *r = db_query(db, "SELECT last_id, encode(last_hash, 'hex') FROM "
				   "liasse.journal_head_get()", 0, NULL, err);
	if (!r)
		return false;
	if (PQntuples(r) != 1) {
		PQclear(r);
		broken(res, 0, _("l'en-tête du journal est absent"));
		return true;
	}
	long long head_id = strtoll(PQgetvalue(r, 0, 0), NULL, 10);
	unsigned char head[32];
	bool readable = from_hex(PQgetvalue(r, 0, 1), head);
	PQclear(r);
	long long last = w->expect_id - 1;
	to_hex(head, 32, res->head_hex);
	if (!readable)
		broken(res, head_id, _("l'empreinte de l'en-tête du journal est illisible"));
	else if (head_id > last)
		broken(res, last + 1,
		       head_id == last + 1
			       ? _("la ligne %lld, la dernière selon l'en-tête du journal, est absente")
			       : _("les dernières lignes (%lld et suivantes) sont absentes selon "
				   "l'en-tête du journal"),
		       last + 1);
	else if (head_id < last)
		broken(res, head_id + 1,
		       _("ligne ajoutée hors du journal : l'en-tête s'arrête à la ligne %lld"),
		       head_id);
	else if (memcmp(head, w->expect_prev, 32) != 0)
		broken(res, last,
		       _("l'empreinte de la dernière ligne ne correspond pas à l'en-tête du journal"));
	return true;
}

static bool
verify_rows(struct db *db, struct walk *w, struct journal_verify_result *res, struct err *err)
{
	char after[32], limit[16];
	snprintf(limit, sizeof(limit), "%d", VERIFY_BATCH);
	for (;;) {
		snprintf(after, sizeof(after), "%lld", w->expect_id - 1);
		const char *p[] = { after, limit };
		PGresult *r = db_query(db,
				       "SELECT id, ts, type, entite_id, utilisateur, dossier_id, "
				       "action, message, encode(prev_hash, 'hex'), "
				       "encode(hash, 'hex') FROM liasse.journal_chain($1, $2)",
				       2, p, err);
		if (!r)
			return false;
		int n = PQntuples(r);
		for (int i = 0; i < n; i++) {
			if (!check_row(r, i, w, res)) {
				PQclear(r);
				return true;
			}
		}
		PQclear(r);
		if (n < VERIFY_BATCH)
			return true;
	}
}

bool
journal_verify(struct db *db, long long from_id, struct journal_verify_result *res,
	       struct err *err)
{
	struct walk w;
	memset(res, 0, sizeof(*res));
	res->intact = true;
	/* One snapshot: the head and the rows agree even while others append. */
	if (!db_exec(db, "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY", 0, NULL, err))
		return false;
	bool ok = walk_start(db, from_id, &w, err) && verify_rows(db, &w, res, err);
	if (ok && res->intact)
		ok = check_head(db, &w, res, err);
	db_rollback(db);
	if (ok)
		log_info("journal verify: %lld rows, %s", res->checked,
			 res->intact ? "intact" : "broken");
	return ok;
}

static void
event_free(struct journal_event *e)
{
	free(e->utilisateur);
	free(e->action);
	free(e->message);
}

bool
journal_list_load(struct db *db, long long entite, long long dossier, int limit,
		  struct journal_list *out, struct err *err)
{
	char e[32], d[32], l[16];
	snprintf(e, sizeof(e), "%lld", entite);
	snprintf(d, sizeof(d), "%lld", dossier);
	snprintf(l, sizeof(l), "%d", limit > 0 ? limit : 100);
	const char *p[] = { entite ? e : NULL, dossier ? d : NULL, l };
	out->v = NULL;
	out->n = 0;
	PGresult *r = db_query(
		db,
		"SELECT j.id, to_char(j.ts, 'YYYY-MM-DD HH24:MI:SS'), j.type, "
		"coalesce(j.entite_id, 0), coalesce(j.dossier_id, 0), j.utilisateur, j.action, "
		"j.message FROM liasse.journal j "
		"WHERE ($1::bigint IS NULL OR j.entite_id IN (SELECT a.entite_id FROM "
		"liasse.entite_ancetre a WHERE a.ancetre_id = $1::bigint)) "
		"AND ($2::bigint IS NULL OR j.dossier_id = $2::bigint) "
		"ORDER BY j.id DESC LIMIT $3::int",
		3, p, err);
	if (!r)
		return false;
	int n = PQntuples(r);
	out->v = xcalloc((size_t)n + 1, sizeof(*out->v));
	for (int i = 0; i < n; i++) {
		struct journal_event *ev = &out->v[i];
		ev->id = strtoll(PQgetvalue(r, i, 0), NULL, 10);
		str_copy(ev->ts, sizeof(ev->ts), PQgetvalue(r, i, 1));
		ev->type = atoi(PQgetvalue(r, i, 2));
		ev->entite_id = strtoll(PQgetvalue(r, i, 3), NULL, 10);
		ev->dossier_id = strtoll(PQgetvalue(r, i, 4), NULL, 10);
		ev->utilisateur = xstrdup(PQgetvalue(r, i, 5));
		ev->action = xstrdup(PQgetvalue(r, i, 6));
		ev->message = xstrdup(PQgetvalue(r, i, 7));
	}
	out->n = (size_t)n;
	PQclear(r);
	return true;
}

void
journal_list_free(struct journal_list *list)
{
	if (!list)
		return;
	for (size_t i = 0; i < list->n; i++)
		event_free(&list->v[i]);
	free(list->v);
	list->v = NULL;
	list->n = 0;
}
