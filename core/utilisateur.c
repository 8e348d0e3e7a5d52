#include "core/utilisateur.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/i18n.h"
#include "core/strbuf.h"

#define UTILISATEUR_COLUMNS "id, login, entite_id, actif, nom, prenom, coalesce(email, '')"

static void
fill(PGresult *r, int i, struct utilisateur *u)
{
	u->id = strtoll(PQgetvalue(r, i, 0), NULL, 10);
	str_copy(u->login, sizeof(u->login), PQgetvalue(r, i, 1));
	u->entite_id = strtoll(PQgetvalue(r, i, 2), NULL, 10);
	u->actif = strcmp(PQgetvalue(r, i, 3), "t") == 0;
	u->nom = xstrdup(PQgetvalue(r, i, 4));
	u->prenom = xstrdup(PQgetvalue(r, i, 5));
	u->email = xstrdup(PQgetvalue(r, i, 6));
}

void
utilisateur_clear(struct utilisateur *u)
{
	free(u->nom);
	free(u->prenom);
	free(u->email);
	u->nom = u->prenom = u->email = NULL;
}

bool
utilisateur_list_load(struct db *db, long long entite, struct utilisateur_list *out,
		      struct err *err)
{
	char e[32];
	snprintf(e, sizeof(e), "%lld", entite);
	const char *p[] = { entite > 0 ? e : NULL };
	out->v = NULL;
	out->n = 0;
	PGresult *r = db_query(db,
			       "SELECT " UTILISATEUR_COLUMNS " FROM liasse.utilisateur u "
			       "WHERE $1::bigint IS NULL OR u.entite_id IN (SELECT entite_id FROM "
			       "liasse.entite_ancetre WHERE ancetre_id = $1::bigint) ORDER BY login",
			       1, p, err);
	if (!r)
		return false;
	int n = PQntuples(r);
	out->v = xcalloc((size_t)n + 1, sizeof(*out->v));
	for (int i = 0; i < n; i++)
		fill(r, i, &out->v[i]);
	out->n = (size_t)n;
	PQclear(r);
	return true;
}

void
utilisateur_list_free(struct utilisateur_list *list)
{
	if (!list)
		return;
	for (size_t i = 0; i < list->n; i++)
		utilisateur_clear(&list->v[i]);
	free(list->v);
	list->v = NULL;
	list->n = 0;
}

bool
utilisateur_load(struct db *db, const char *login, struct utilisateur *out, struct err *err)
{
	const char *p[] = { login };
	memset(out, 0, sizeof(*out));
	PGresult *r = db_query(db,
			       "SELECT " UTILISATEUR_COLUMNS " FROM liasse.utilisateur WHERE login = $1",
			       1, p, err);
	if (!r)
		return false;
	bool found = PQntuples(r) == 1;
	if (found)
		fill(r, 0, out);
	else
		err_set(err, ERR_NOT_FOUND, _("Utilisateur « %s » introuvable."), login);
	PQclear(r);
	return found;
}

bool
utilisateur_create(struct db *db, const char *login, const char *password, const char *nom,
		   const char *prenom, const char *email, long long entite, long long *id,
		   struct err *err)
{
	char *verifier = NULL;
	if (password && *password) {
		verifier = PQencryptPasswordConn(db->conn, password, login, "scram-sha-256");
		if (!verifier) {
			err_set(err, ERR_DB, _("Impossible de chiffrer le mot de passe."));
			return err_detail(err, "%s", PQerrorMessage(db->conn));
		}
	}
	char e[32];
	snprintf(e, sizeof(e), "%lld", entite);
	const char *p[] = { login, verifier, nom, prenom, email, e };
	PGresult *r = db_query(db, "SELECT liasse.create_user($1, $2, $3, $4, $5, $6)", 6, p, err);
	if (verifier)
		PQfreemem(verifier);
	if (!r)
		return false;
	*id = strtoll(PQgetvalue(r, 0, 0), NULL, 10);
	PQclear(r);
	return true;
}

/* The profile id of LOGIN as a decimal string in BUF; false + err. */
static bool
user_id(struct db *db, const char *login, char *buf, size_t n, struct err *err)
{
	const char *p[] = { login };
	PGresult *r = db_query(db, "SELECT liasse.utilisateur_id($1)", 1, p, err);
	if (!r)
		return false;
	bool found = !PQgetisnull(r, 0, 0);
	if (found)
		str_copy(buf, n, PQgetvalue(r, 0, 0));
	else
		err_set(err, ERR_NOT_FOUND, _("Utilisateur « %s » introuvable."), login);
	PQclear(r);
	return found;
}

bool
utilisateur_set_active(struct db *db, const char *login, bool actif, struct err *err)
{
	char id[32];
	if (!user_id(db, login, id, sizeof(id), err))
		return false;
	const char *p[] = { id, actif ? "true" : "false" };
	return db_exec(db, "SELECT liasse.set_utilisateur_active($1, $2)", 2, p, err);
}

static bool
grant_or_revoke(struct db *db, const char *fn, const char *login, const char *role,
		long long entite, struct err *err)
{
	char id[32], e[32], sql[96];
	if (!user_id(db, login, id, sizeof(id), err))
		return false;
	snprintf(e, sizeof(e), "%lld", entite);
	snprintf(sql, sizeof(sql), "SELECT liasse.%s($1, $2, $3)", fn);
	const char *p[] = { id, role, e };
	return db_exec(db, sql, 3, p, err);
}

bool
utilisateur_grant(struct db *db, const char *login, const char *role, long long entite,
		  struct err *err)
{
	return grant_or_revoke(db, "grant_role", login, role, entite, err);
}

bool
utilisateur_revoke(struct db *db, const char *login, const char *role, long long entite,
		   struct err *err)
{
	return grant_or_revoke(db, "revoke_role", login, role, entite, err);
}

static bool
load_pairs(struct db *db, const char *sql, int np, const char *const *p, struct role_pairs *out,
	   struct err *err)
{
	out->v = NULL;
	out->n = 0;
	PGresult *r = db_query(db, sql, np, p, err);
	if (!r)
		return false;
	int n = PQntuples(r);
	out->v = xcalloc((size_t)n + 1, sizeof(*out->v));
	for (int i = 0; i < n; i++) {
		out->v[i].a = xstrdup(PQgetvalue(r, i, 0));
		out->v[i].b = xstrdup(PQgetvalue(r, i, 1));
		out->v[i].entite_id = strtoll(PQgetvalue(r, i, 2), NULL, 10);
	}
	out->n = (size_t)n;
	PQclear(r);
	return true;
}

bool
utilisateur_roles_load(struct db *db, const char *login, struct role_pairs *out, struct err *err)
{
	const char *p[] = { login };
	return load_pairs(db,
			  "SELECT ur.role, coalesce(e.denomination, ''), ur.entite_id "
			  "FROM liasse.utilisateur_role ur "
			  "JOIN liasse.utilisateur u ON u.id = ur.utilisateur_id "
			  "LEFT JOIN liasse.entite e ON e.id = ur.entite_id "
			  "WHERE u.login = $1 ORDER BY ur.entite_id, ur.role",
			  1, p, out, err);
}

bool
role_list_load(struct db *db, bool with_rights, struct role_pairs *out, struct err *err)
{
	return load_pairs(db,
			  with_rights ? "SELECT role, droit, 0 FROM liasse.role_droit "
					"ORDER BY role, droit"
				      : "SELECT role, libelle, 0 FROM liasse.role ORDER BY role",
			  0, NULL, out, err);
}

void
role_pairs_free(struct role_pairs *p)
{
	if (!p)
		return;
	for (size_t i = 0; i < p->n; i++) {
		free(p->v[i].a);
		free(p->v[i].b);
	}
	free(p->v);
	p->v = NULL;
	p->n = 0;
}
