#include "core/entite.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/i18n.h"
#include "core/strbuf.h"

bool
luhn_valid(const char *digits)
{
	size_t n = strlen(digits);
	if (n == 0 || strspn(digits, "0123456789") != n)
		return false;
	int sum = 0;
	for (size_t i = 0; i < n; i++) {
		int d = digits[n - 1 - i] - '0';
		if (i % 2 == 1) {
			d *= 2;
			if (d > 9)
				d -= 9;
		}
		sum += d;
	}
	return sum % 10 == 0;
}

static bool
all_digits(const char *s, size_t len)
{
	return strlen(s) == len && strspn(s, "0123456789") == len;
}

bool
siren_valid(const char *siren)
{
	return all_digits(siren, 9) && luhn_valid(siren);
}

bool
siret_valid(const char *siret)
{
	if (!all_digits(siret, 14))
		return false;
	if (luhn_valid(siret))
		return true;
	if (strncmp(siret, "356000000", 9) != 0)
		return false;
	int sum = 0;
	for (const char *p = siret; *p; p++)
		sum += *p - '0';
	return sum % 5 == 0;
}

bool
entite_check_ids(const char *siren, const char *siret, struct err *err)
{
	bool has_siren = siren && *siren, has_siret = siret && *siret;
	if (has_siren && !siren_valid(siren))
		return err_set(err, ERR_INPUT,
			       _("SIREN « %s » invalide : 9 chiffres dont le dernier est une clé de "
				 "contrôle (Luhn)."),
			       siren);
	if (has_siret && !siret_valid(siret))
		return err_set(err, ERR_INPUT,
			       _("SIRET « %s » invalide : 14 chiffres dont le dernier est une clé de "
				 "contrôle (Luhn)."),
			       siret);
	if (has_siren && has_siret && strncmp(siren, siret, 9) != 0)
		return err_set(err, ERR_INPUT, _("Le SIRET « %s » ne commence pas par le SIREN « %s »."),
			       siret, siren);
	return true;
}

#define ENTITE_COLUMNS                                                                   \
	"e.id, coalesce(e.parent_id, 0), e.type, coalesce(e.siren, ''), "                \
	"coalesce(e.siret, ''), e.actif, "                                               \
	"(SELECT count(*) - 1 FROM liasse.entite_ancetre a WHERE a.entite_id = e.id), "  \
	"e.denomination"

static void
fill(PGresult *r, int i, struct entite *e)
{
	e->id = strtoll(PQgetvalue(r, i, 0), NULL, 10);
	e->parent_id = strtoll(PQgetvalue(r, i, 1), NULL, 10);
	str_copy(e->type, sizeof(e->type), PQgetvalue(r, i, 2));
	str_copy(e->siren, sizeof(e->siren), PQgetvalue(r, i, 3));
	str_copy(e->siret, sizeof(e->siret), PQgetvalue(r, i, 4));
	e->actif = strcmp(PQgetvalue(r, i, 5), "t") == 0;
	e->niveau = atoi(PQgetvalue(r, i, 6));
	e->denomination = xstrdup(PQgetvalue(r, i, 7));
}

bool
entite_list_load(struct db *db, long long under, struct entite_list *out, struct err *err)
{
	char u[32];
	snprintf(u, sizeof(u), "%lld", under);
	const char *p[] = { under > 0 ? u : NULL };
	out->v = NULL;
	out->n = 0;
	/* Tree order: the path of (name, id) pairs from the root. Ancestors
	 * the user cannot see sort by id only. */
	PGresult *r = db_query(
		db,
		"SELECT " ENTITE_COLUMNS " FROM liasse.entite e "
		"WHERE $1::bigint IS NULL OR e.id IN (SELECT entite_id FROM liasse.entite_ancetre "
		"WHERE ancetre_id = $1::bigint) "
		"ORDER BY ARRAY(SELECT coalesce(lower(x.denomination), '') || chr(1) || "
		"lpad(a.ancetre_id::text, 19, '0') FROM liasse.entite_ancetre a "
		"LEFT JOIN liasse.entite x ON x.id = a.ancetre_id WHERE a.entite_id = e.id "
		"ORDER BY a.niveau DESC)",
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
entite_clear(struct entite *e)
{
	free(e->denomination);
	e->denomination = NULL;
}

void
entite_list_free(struct entite_list *list)
{
	if (!list)
		return;
	for (size_t i = 0; i < list->n; i++)
		entite_clear(&list->v[i]);
	free(list->v);
	list->v = NULL;
	list->n = 0;
}

bool
entite_load(struct db *db, long long id, struct entite *out, struct err *err)
{
	char s[32];
	snprintf(s, sizeof(s), "%lld", id);
	const char *p[] = { s };
	memset(out, 0, sizeof(*out));
	PGresult *r = db_query(db, "SELECT " ENTITE_COLUMNS " FROM liasse.entite e WHERE e.id = $1",
			       1, p, err);
	if (!r)
		return false;
	bool found = PQntuples(r) == 1;
	if (found)
		fill(r, 0, out);
	else
		err_set(err, ERR_NOT_FOUND, _("Entité %lld introuvable."), id);
	PQclear(r);
	return found;
}

bool
entite_create(struct db *db, long long parent, const char *type, const char *denomination,
	      const char *siren, const char *siret, long long *id, struct err *err)
{
	char ps[32];
	snprintf(ps, sizeof(ps), "%lld", parent);
	const char *p[] = { ps, type, denomination, siren && *siren ? siren : NULL,
			    siret && *siret ? siret : NULL };
	PGresult *r = db_query(db, "SELECT liasse.create_entite($1, $2, $3, $4, $5)", 5, p, err);
	if (!r)
		return false;
	*id = strtoll(PQgetvalue(r, 0, 0), NULL, 10);
	PQclear(r);
	return true;
}

bool
entite_update(struct db *db, long long id, const char *denomination, const char *siren,
	      const char *siret, struct err *err)
{
	char is[32];
	snprintf(is, sizeof(is), "%lld", id);
	const char *p[] = { is, denomination, siren, siret };
	return db_exec(db, "SELECT liasse.update_entite($1, $2, $3, $4)", 4, p, err);
}

bool
entite_move(struct db *db, long long id, long long new_parent, struct err *err)
{
	char is[32], ps[32];
	snprintf(is, sizeof(is), "%lld", id);
	snprintf(ps, sizeof(ps), "%lld", new_parent);
	const char *p[] = { is, ps };
	return db_exec(db, "SELECT liasse.move_entite($1, $2)", 2, p, err);
}

bool
entite_set_active(struct db *db, long long id, bool actif, struct err *err)
{
	char is[32];
	snprintf(is, sizeof(is), "%lld", id);
	const char *p[] = { is, actif ? "true" : "false" };
	return db_exec(db, "SELECT liasse.set_entite_active($1, $2)", 2, p, err);
}

/* Describes one history row in French. Columns: 0 ts, 1 user, 2 operation,
 * 3/4 parent, 5/6 actif, 7/8 denomination, 9/10 siren, 11/12 siret. */
static char *
describe(PGresult *r, int i)
{
	struct strbuf sb = STRBUF_INIT;
	if (strcmp(PQgetvalue(r, i, 2), "creation") == 0) {
		sb_printf(&sb, _("création sous l'entité %s"),
			  PQgetisnull(r, i, 4) ? "-" : PQgetvalue(r, i, 4));
		return sb_take(&sb);
	}
	const char *sep = "";
	if (strcmp(PQgetvalue(r, i, 3), PQgetvalue(r, i, 4)) != 0) {
		sb_printf(&sb, _("déplacée de l'entité %s vers l'entité %s"), PQgetvalue(r, i, 3),
			  PQgetvalue(r, i, 4));
		sep = " ; ";
	}
	if (strcmp(PQgetvalue(r, i, 5), PQgetvalue(r, i, 6)) != 0) {
		sb_add(&sb, sep);
		sb_add(&sb, strcmp(PQgetvalue(r, i, 6), "t") == 0 ? _("activée") : _("désactivée"));
		sep = " ; ";
	}
	if (strcmp(PQgetvalue(r, i, 7), PQgetvalue(r, i, 8)) != 0) {
		sb_add(&sb, sep);
		sb_printf(&sb, _("dénomination « %s » devenue « %s »"), PQgetvalue(r, i, 7),
			  PQgetvalue(r, i, 8));
		sep = " ; ";
	}
	if (strcmp(PQgetvalue(r, i, 9), PQgetvalue(r, i, 10)) != 0 ||
	    strcmp(PQgetvalue(r, i, 11), PQgetvalue(r, i, 12)) != 0) {
		sb_add(&sb, sep);
		sb_printf(&sb, _("SIREN/SIRET « %s/%s » devenus « %s/%s »"), PQgetvalue(r, i, 9),
			  PQgetvalue(r, i, 11), PQgetvalue(r, i, 10), PQgetvalue(r, i, 12));
	}
	return sb_take(&sb);
}

bool
entite_history_load(struct db *db, long long id, struct entite_history *out, struct err *err)
{
	char is[32];
	snprintf(is, sizeof(is), "%lld", id);
	const char *p[] = { is };
	out->v = NULL;
	out->n = 0;
	PGresult *r = db_query(
		db,
		"SELECT to_char(ts, 'YYYY-MM-DD HH24:MI:SS'), utilisateur, operation, "
		"coalesce(ancien_parent_id::text, ''), coalesce(nouveau_parent_id::text, ''), "
		"coalesce(ancien_actif::text, ''), coalesce(nouveau_actif::text, ''), "
		"coalesce(ancienne_denomination, ''), coalesce(nouvelle_denomination, ''), "
		"coalesce(ancien_siren, ''), coalesce(nouveau_siren, ''), "
		"coalesce(ancien_siret, ''), coalesce(nouveau_siret, '') "
		"FROM liasse.entite_historique WHERE entite_id = $1 ORDER BY id",
		1, p, err);
	if (!r)
		return false;
	int n = PQntuples(r);
	out->v = xcalloc((size_t)n + 1, sizeof(*out->v));
	for (int i = 0; i < n; i++) {
		str_copy(out->v[i].ts, sizeof(out->v[i].ts), PQgetvalue(r, i, 0));
		out->v[i].utilisateur = xstrdup(PQgetvalue(r, i, 1));
		out->v[i].description = describe(r, i);
	}
	out->n = (size_t)n;
	PQclear(r);
	return true;
}

void
entite_history_free(struct entite_history *h)
{
	if (!h)
		return;
	for (size_t i = 0; i < h->n; i++) {
		free(h->v[i].utilisateur);
		free(h->v[i].description);
	}
	free(h->v);
	h->v = NULL;
	h->n = 0;
}
