/* Users (one PostgreSQL login role per agent, with a profile row) and
 * roles in PASTELL's sense (sets of rights granted on an entity and its
 * descendants). Changes go through the SQL functions create_user,
 * grant_role, revoke_role and set_utilisateur_active, which check the
 * caller's rights (delegation rule) and write the journal. */
#ifndef LIASSE_UTILISATEUR_H
#define LIASSE_UTILISATEUR_H
#include <stdbool.h>
#include <stddef.h>

#include "core/db.h"
#include "core/err.h"

struct utilisateur {
	long long id;
	char login[64];
	long long entite_id; /* home entity */
	bool actif;
	char *nom, *prenom, *email; /* never NULL ("" when absent) */
};

struct utilisateur_list {
	struct utilisateur *v;
	size_t n;
};

/* The users the caller may see; ENTITE > 0 keeps those whose home entity
 * is ENTITE or one of its descendants. Sorted by login. */
bool utilisateur_list_load(struct db *db, long long entite, struct utilisateur_list *out,
			   struct err *err);
void utilisateur_list_free(struct utilisateur_list *list);
bool utilisateur_load(struct db *db, const char *login, struct utilisateur *out,
		      struct err *err);
void utilisateur_clear(struct utilisateur *u);

/* Creates the login role and the profile. PASSWORD (clear text, may be
 * NULL for peer/certificate authentication) is turned into a SCRAM-SHA-256
 * verifier here, so the clear password never leaves this process. */
bool utilisateur_create(struct db *db, const char *login, const char *password, const char *nom,
			const char *prenom, const char *email, long long entite, long long *id,
			struct err *err);
bool utilisateur_set_active(struct db *db, const char *login, bool actif, struct err *err);

/* Grants or revokes ROLE on ENTITE (delegation rule enforced by the base). */
bool utilisateur_grant(struct db *db, const char *login, const char *role, long long entite,
		       struct err *err);
bool utilisateur_revoke(struct db *db, const char *login, const char *role, long long entite,
			struct err *err);

/* A (role, entity) grant of a user, or a (role, right) pair of a role. */
struct role_pair {
	char *a, *b;
	long long entite_id;
};
struct role_pairs {
	struct role_pair *v;
	size_t n;
};
/* The roles LOGIN holds: a = role, b = entity name, entite_id. */
bool utilisateur_roles_load(struct db *db, const char *login, struct role_pairs *out,
			    struct err *err);
/* Every role: a = role, b = libellé. With WITH_RIGHTS: one pair per
 * (role, right), b = right. */
bool role_list_load(struct db *db, bool with_rights, struct role_pairs *out, struct err *err);
void role_pairs_free(struct role_pairs *p);

#endif
