/* Where and as whom a PES is signed (XAdES SignatureProductionPlace and
 * ClaimedRole): the place of an entity (inherited from the nearest
 * ancestor that has one), the signing role of a user (NULL in the base:
 * « Ordonnateur »), both set by an administrator through the SQL functions
 * of core/sql/100_signature_profil.sql; and the signer settings of the
 * user's configuration file. */
#ifndef LIASSE_SIGN_PROFIL_H
#define LIASSE_SIGN_PROFIL_H
#include <stdbool.h>
#include <stddef.h>

#include "core/db.h"
#include "core/err.h"

#define SIGN_ROLE_DEFAULT "Ordonnateur"

struct sign_place {
	char city[160];         /* "" when no entity up to the root has a place */
	char postal_code[16];
	long long source;       /* the entity it comes from (0: none) */
	bool own;               /* set on the entity itself, not inherited */
};

/* The place ENTITE's signatures get. */
bool sign_place_load(struct db *db, long long entite, struct sign_place *out, struct err *err);
/* Sets ENTITE's own place; CITY and POSTAL_CODE both "" (or NULL) clear it. */
bool sign_place_set(struct db *db, long long entite, const char *city, const char *postal_code,
		    struct err *err);
/* LOGIN's signing role into OUT ("" when unset: the default applies). */
bool sign_role_load(struct db *db, const char *login, char *out, size_t n, struct err *err);
/* Sets LOGIN's signing role; "" or NULL: back to the default. */
bool sign_role_set(struct db *db, const char *login, const char *role, struct err *err);

/* The value of "KEY value" in the user's configuration file
 * ($XDG_CONFIG_HOME/liasse/config, else ~/.config/liasse/config; the last
 * line wins); false when absent. */
bool sign_conf_get(const char *key, char *out, size_t n);

/* The signature settings of that file: city, postal-code, role, crl, ca
 * (the CA certificates a signer's certificate must chain to: a PEM file
 * or a folder of them) ("" when absent). */
struct sign_conf {
	char city[160], postal_code[16], role[160];
	char crl[1024];
	char ca[1024];
};
void sign_conf_load(struct sign_conf *c);

#endif
