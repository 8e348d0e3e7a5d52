/* Entities: the tree (entité racine, centres de gestion, collectivités,
 * services). Changes go through the SQL functions create_entite,
 * update_entite, move_entite and set_entite_active, which check the
 * caller's rights, keep the history and write the journal. */
#ifndef LIASSE_ENTITE_H
#define LIASSE_ENTITE_H
#include <stdbool.h>
#include <stddef.h>

#include "core/db.h"
#include "core/err.h"

/* Luhn checksum over a string of decimal digits (false otherwise). */
bool luhn_valid(const char *digits);
/* 9 digits, Luhn. */
bool siren_valid(const char *siren);
/* 14 digits, Luhn (La Poste's SIREN 356000000: digit sum multiple of 5). */
bool siret_valid(const char *siret);
/* Checks the optional SIREN/SIRET pair (NULL or "" = absent) as the
 * database will, with the same French messages; false + err. */
bool entite_check_ids(const char *siren, const char *siret, struct err *err);

struct entite {
	long long id;
	long long parent_id; /* 0 for the root */
	char type[24];       /* racine, collectivite, centre_de_gestion, service */
	char siren[10];      /* "" when absent */
	char siret[15];
	bool actif;
	int niveau;          /* depth: 0 for the root */
	char *denomination;
};

struct entite_list {
	struct entite *v;
	size_t n;
};

/* The entities the user may see, in tree order (each after its parent,
 * siblings by name); UNDER > 0 keeps only that entity and its
 * descendants. Free with entite_list_free. */
bool entite_list_load(struct db *db, long long under, struct entite_list *out, struct err *err);
void entite_list_free(struct entite_list *list);

/* One entity; false + ERR_NOT_FOUND when unknown or not visible.
 * Free OUT's strings with entite_clear. */
bool entite_load(struct db *db, long long id, struct entite *out, struct err *err);
void entite_clear(struct entite *e);

/* Returns the new id in *ID. SIREN/SIRET may be NULL. */
bool entite_create(struct db *db, long long parent, const char *type, const char *denomination,
		   const char *siren, const char *siret, long long *id, struct err *err);
/* NULL keeps a value, "" clears SIREN/SIRET. */
bool entite_update(struct db *db, long long id, const char *denomination, const char *siren,
		   const char *siret, struct err *err);
bool entite_move(struct db *db, long long id, long long new_parent, struct err *err);
bool entite_set_active(struct db *db, long long id, bool actif, struct err *err);

/* One history row: what changed, when, by whom. */
struct entite_event {
	char ts[40];
	char *utilisateur;
	char *description; /* French, e.g. "déplacée de 2 vers 5" */
};
struct entite_history {
	struct entite_event *v;
	size_t n;
};
bool entite_history_load(struct db *db, long long id, struct entite_history *out,
			 struct err *err);
void entite_history_free(struct entite_history *h);

#endif
