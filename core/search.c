#include "core/search.h"

#include <inttypes.h>
#include <json-c/json.h>
#include <stdlib.h>
#include <string.h>

#include "core/strbuf.h"

static void
add_str(json_object *o, const char *key, const char *v)
{
	if (v && *v)
		json_object_object_add(o, key, json_object_new_string(v));
}

char *
search_filter_json(const struct dossier_filter *f)
{
	json_object *o = json_object_new_object();
	if (f->entite > 0)
		json_object_object_add(o, "entite", json_object_new_int64(f->entite));
	if (f->sous_entites)
		json_object_object_add(o, "sous_entites", json_object_new_boolean(1));
	add_str(o, "type", f->type);
	add_str(o, "etat", f->etat);
	add_str(o, "passe_par", f->passe_par);
	add_str(o, "depuis", f->depuis);
	add_str(o, "jusqu_a", f->jusqu_a);
	add_str(o, "jamais", f->jamais);
	add_str(o, "recherche", f->recherche);
	add_str(o, "tri", f->tri);
	char *s = xstrdup(json_object_to_json_string(o));
	json_object_put(o);
	return s;
}

PGresult *
search_page(struct db *db, const struct dossier_filter *f, const char *after, int limit,
	    struct err *err)
{
	char *js = search_filter_json(f);
	char lim[16];
	snprintf(lim, sizeof(lim), "%d", limit > 0 ? limit : 20);
	const char *p[] = { js, after, lim };
	PGresult *r = db_query(db,
			       "SELECT id, entite_id, coalesce(entite, ''), type, titre, etat, "
			       "etat_label, to_char(etat_at, 'YYYY-MM-DD HH24:MI:SS'), version, "
			       "coalesce(valeurs::text, '{}'), curseur "
			       "FROM liasse.dossier_list($1::jsonb, $2, $3::int)",
			       3, p, err);
	free(js);
	return r;
}

bool
search_total(struct db *db, const struct dossier_filter *f, long long *total, bool *estimated,
	     struct err *err)
{
	char *js = search_filter_json(f);
	const char *p[] = { js };
	PGresult *r = db_query(db, "SELECT total, estime FROM liasse.dossier_list_total($1::jsonb)",
			       1, p, err);
	free(js);
	if (!r)
		return false;
	*total = strtoll(PQgetvalue(r, 0, 0), NULL, 10);
	*estimated = strcmp(PQgetvalue(r, 0, 1), "t") == 0;
	PQclear(r);
	return true;
}

PGresult *
search_counts(struct db *db, int64_t entite, bool sous_entites, struct err *err)
{
	char e[24];
	snprintf(e, sizeof(e), "%" PRId64, entite);
	const char *p[] = { e, sous_entites ? "t" : "f" };
	return db_query(db,
			"SELECT type, coalesce(nom, type), coalesce(famille, ''), n "
			"FROM liasse.dossier_compteurs($1, $2::boolean)",
			2, p, err);
}
