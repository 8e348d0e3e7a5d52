/* Administration of connectors and jobs (see admin_connecteur.h). */
#include "core/admin_connecteur.h"

#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/connector.h"
#include "core/i18n.h"

static void
lltext(char *buf, size_t n, long long v)
{
	snprintf(buf, n, "%lld", v);
}

PGresult *
connecteur_list(struct db *db, long long entite, bool ancestors, struct err *err)
{
	char e[32];
	lltext(e, sizeof e, entite);
	const char *p[] = { e, ancestors ? "t" : "f" };
	return db_query(db,
		"SELECT c.id, c.type, c.famille, c.libelle, c.entite_id, coalesce(e.denomination, '') "
		"FROM liasse.connecteur c LEFT JOIN liasse.entite e ON e.id = c.entite_id "
		"LEFT JOIN liasse.entite_ancetre x ON x.entite_id = $1::bigint AND x.ancetre_id = c.entite_id "
		"WHERE c.entite_id = $1::bigint OR ($2::boolean AND (x.ancetre_id IS NOT NULL "
		"OR c.entite_id = liasse.entite_racine())) "
		"ORDER BY coalesce(x.niveau, 1000), c.id",
		2, p, err);
}

bool
connecteur_create(struct db *db, long long entite, const char *type, const char *famille,
		  const char *libelle, long long *id, struct err *err)
{
	const struct connector_type *t = connector_find(type ? type : "");
	if (!t)
		return err_set(err, ERR_INPUT, _("Type de connecteur inconnu : « %s »."), type ? type : "");
	char e[32];
	lltext(e, sizeof e, entite);
	const char *p[] = { e, t->id, famille && *famille ? famille : t->famille, libelle };
	PGresult *r = db_query(db, "SELECT liasse.connecteur_create($1::bigint, $2, $3, $4)", 4, p, err);
	if (!r)
		return false;
	if (id)
		*id = strtoll(PQgetvalue(r, 0, 0), NULL, 10);
	PQclear(r);
	return true;
}

bool
connecteur_delete(struct db *db, long long id, struct err *err)
{
	char s[32];
	lltext(s, sizeof s, id);
	const char *p[] = { s };
	return db_exec(db, "SELECT liasse.connecteur_delete($1::bigint)", 1, p, err);
}

PGresult *
connecteur_instance(struct db *db, long long id, struct err *err)
{
	char s[32];
	lltext(s, sizeof s, id);
	const char *p[] = { s };
	PGresult *r = db_query(db, "SELECT type, famille, libelle, entite_id FROM liasse.connecteur "
			       "WHERE id = $1::bigint", 1, p, err);
	if (r && PQntuples(r) == 0) {
		PQclear(r);
		err_set(err, ERR_NOT_FOUND, _("Connecteur %lld introuvable."), id);
		return NULL;
	}
	return r;
}

bool
connecteur_set_value(struct db *db, long long id, const char *key, const char *value,
		     struct err *err)
{
	PGresult *r = connecteur_instance(db, id, err);
	if (!r)
		return false;
	const struct connector_type *t = connector_find(PQgetvalue(r, 0, 0));
	PQclear(r);
	const struct connector_field *f = t ? connector_field_find(t, key) : NULL;
	if (t && !f && !(t == &connector_null && strncmp(key, "suite_", 6) == 0))
		return err_set(err, ERR_INPUT, _("Paramètre « %s » inconnu pour le type %s."), key, t->id);
	bool secret = f && (f->kind == CF_SECRET || f->kind == CF_FILE);
	char s[32];
	lltext(s, sizeof s, id);
	const char *p[] = { s, key, value, secret ? "t" : "f" };
	return db_exec(db, "SELECT liasse.connecteur_set($1::bigint, $2, $3, $4::boolean)", 4, p, err);
}

char *
connecteur_read_file(const char *path, struct err *err)
{
	struct strbuf sb = STRBUF_INIT;
	int rc = sb_read_file(&sb, path, 16u << 20);
	if (rc) {
		sb_free(&sb);
		if (rc < 0)
			err_set(err, ERR_IO, _("Fichier illisible : %s."), path);
		else
			err_set(err, ERR_INPUT, _("Fichier trop volumineux (plus de 16 Mio) : %s."), path);
		return NULL;
	}
	bool binary = memchr(sb.data, 0, sb.len) != NULL;
	for (size_t i = 0; i < sb.len && !binary; i++)
		if ((unsigned char)sb.data[i] < 0x09)
			binary = true;
	if (!binary)
		return sb_take(&sb);
	char *out = xmalloc(sb.len / 3 * 4 + 8);
	EVP_EncodeBlock((unsigned char *)out, (const unsigned char *)sb.data, (int)sb.len);
	memset(sb.data, 0, sb.len);
	sb_free(&sb);
	return out;
}

PGresult *
connecteur_settings(struct db *db, long long id, struct err *err)
{
	char s[32];
	lltext(s, sizeof s, id);
	const char *p[] = { s };
	return db_query(db,
		"SELECT key, value, 'f' FROM liasse.connecteur, jsonb_each_text(config) "
		"WHERE id = $1::bigint UNION ALL "
		"SELECT k, '', 't' FROM unnest(liasse.connecteur_secrets_set($1::bigint)) k",
		1, p, err);
}

/* The test run here, by a caller who reads the secrets. */
static bool
test_here(struct db *db, long long id, bool *ok, struct strbuf *answer, struct err *err)
{
	struct err terr = { 0 };
	struct connector_config *cfg = connector_config_load(db, id, err);
	if (!cfg)
		return false;
	const struct connector_type *t = connector_find(cfg->type);
	struct strbuf m = STRBUF_INIT;
	if (!t)
		*ok = err_set(&terr, ERR_INPUT, _("Type de connecteur inconnu : « %s »."), cfg->type);
	else if (!t->test)
		*ok = (sb_add(&m, _("Rien à tester pour ce type de connecteur.")), true);
	else
		*ok = t->test(cfg, &m, &terr);
	connector_config_free(&cfg);
	if (*ok) {
		sb_add(answer, sb_str(&m));
	} else {
		sb_add(answer, terr.msg);
		if (terr.detail[0])
			sb_printf(answer, " (%s)", terr.detail);
	}
	sb_free(&m);
	char s[32];
	lltext(s, sizeof s, id);
	const char *q[] = { s, *ok ? "t" : "f", sb_str(answer) };
	return db_exec(db, "SELECT liasse.connecteur_log($1::bigint, 'test-connexion', $2::boolean, $3)",
		       3, q, err);
}

bool
connecteur_test(struct db *db, long long id, int timeout_ms, bool *ok, struct strbuf *answer,
		struct err *err)
{
	*ok = false;
	PGresult *r = db_query(db, "SELECT liasse.is_owner()", 0, NULL, err);
	if (!r)
		return false;
	bool owner = strcmp(PQgetvalue(r, 0, 0), "t") == 0;
	PQclear(r);
	if (owner)
		return test_here(db, id, ok, answer, err);
	char s[32], last[32];
	lltext(s, sizeof s, id);
	const char *p[] = { s };
	r = db_query(db, "SELECT coalesce(max(id), 0) FROM liasse.connecteur_action "
		     "WHERE connecteur_id = $1::bigint", 1, p, err);
	if (!r)
		return false;
	str_copy(last, sizeof last, PQgetvalue(r, 0, 0));
	PQclear(r);
	if (!db_exec(db, "SELECT liasse.connecteur_test_demande($1::bigint)", 1, p, err))
		return false;
	const char *q[] = { s, last };
	for (int waited = 0; waited <= timeout_ms; waited += 100) {
		r = db_query(db, "SELECT ok, message FROM liasse.connecteur_action "
			     "WHERE connecteur_id = $1::bigint AND id > $2::bigint "
			     "AND action = 'test-connexion' ORDER BY id DESC LIMIT 1", 2, q, err);
		if (!r)
			return false;
		if (PQntuples(r)) {
			*ok = strcmp(PQgetvalue(r, 0, 0), "t") == 0;
			sb_add(answer, PQgetvalue(r, 0, 1));
			PQclear(r);
			return true;
		}
		PQclear(r);
		nanosleep(&(struct timespec){ 0, 100000000 }, NULL);
	}
	return err_set(err, ERR_IO, _("Pas de réponse du démon en %d s : est-il lancé (liasse daemon) ?"),
		       timeout_ms / 1000);
}

bool
connecteur_associate(struct db *db, long long entite, const char *type_dossier, const char *famille,
		     long long connecteur, int num, struct err *err)
{
	char e[32], c[32], n[16];
	lltext(e, sizeof e, entite);
	lltext(c, sizeof c, connecteur);
	snprintf(n, sizeof n, "%d", num);
	const char *p[] = { e, type_dossier, famille, connecteur > 0 ? c : NULL, n };
	return db_exec(db, "SELECT liasse.connecteur_associate($1::bigint, $2, $3, $4::bigint, $5::integer)",
		       5, p, err);
}

bool
connecteur_heriter(struct db *db, long long entite, const char *type_dossier, bool on,
		   struct err *err)
{
	char e[32];
	lltext(e, sizeof e, entite);
	const char *p[] = { e, type_dossier, on ? "t" : "f" };
	return db_exec(db, "SELECT liasse.connecteur_heriter($1::bigint, $2, $3::boolean)", 3, p, err);
}

PGresult *
connecteur_associations(struct db *db, long long entite, struct err *err)
{
	char e[32];
	lltext(e, sizeof e, entite);
	const char *p[] = { e };
	return db_query(db, "SELECT entite_id, entite, type_dossier, famille, num, connecteur_id, libelle, "
			"connecteur_type, niveau, effective FROM liasse.connecteur_associations($1::bigint)",
			1, p, err);
}

PGresult *
job_list(struct db *db, long long entite, struct err *err)
{
	char e[32];
	lltext(e, sizeof e, entite);
	const char *p[] = { e };
	return db_query(db, "SELECT id, entite, coalesce(dossier_id::text, ''), titre, type, action, "
			"to_char(run_at, 'DD/MM/YYYY HH24:MI:SS'), nb_try, etat, locked, locked_by, "
			"last_message, connecteur FROM liasse.job_liste($1::bigint)",
			1, p, err);
}

bool
job_admin(struct db *db, long long id, const char *what, struct err *err)
{
	char s[32];
	lltext(s, sizeof s, id);
	const char *p[] = { s, what };
	return db_exec(db, "SELECT liasse.job_admin($1::bigint, $2)", 2, p, err);
}
