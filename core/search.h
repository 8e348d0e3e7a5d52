/* Lists and search of dossiers (dossier_list() and friends in
 * core/sql/002_dossiers.sql): filters, sort, keyset pagination, totals,
 * counts per type for a menu. Row Level Security applies: an agent only
 * gets the dossiers she may read. */
#ifndef LIASSE_SEARCH_H
#define LIASSE_SEARCH_H
#include <stdbool.h>
#include <stdint.h>

#include "core/db.h"
#include "core/err.h"

struct dossier_filter {
	int64_t entite;        /* 0 = every visible entity */
	bool sous_entites;     /* with its sub-entities */
	const char *type;      /* NULL = all types */
	const char *etat;      /* current state */
	const char *passe_par; /* has passed through this state... */
	const char *depuis;    /* ...from this date (AAAA-MM-JJ)... */
	const char *jusqu_a;   /* ...to this date included */
	const char *jamais;    /* never passed through this state */
	const char *recherche; /* free text, accent-insensitive (title, indexed fields) */
	const char *tri;       /* "date" (default, newest first), "titre" or an indexed field */
};

/* The filter as the JSON object the SQL functions take (caller frees). */
char *search_filter_json(const struct dossier_filter *f);

/* One page: rows (id, entite_id, entite, type, titre, etat, etat_label,
 * etat_at, version, valeurs (JSON), curseur); AFTER is the previous page's
 * last curseur (NULL = first page). Caller PQclear()s. */
PGresult *search_page(struct db *db, const struct dossier_filter *f, const char *after, int limit,
		      struct err *err);
/* Number of matching dossiers; *ESTIMATED when it is the planner's estimate. */
bool search_total(struct db *db, const struct dossier_filter *f, long long *total, bool *estimated,
		  struct err *err);
/* Rows (type, nom, famille, n) for a menu. Caller PQclear()s. */
PGresult *search_counts(struct db *db, int64_t entite, bool sous_entites, struct err *err);

#endif
