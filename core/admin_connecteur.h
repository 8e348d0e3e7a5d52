/* Administration of connector instances, their associations with dossier
 * types and the daemon's jobs, over the SQL functions of
 * core/sql/010_daemon.sql and 060_admin.sql (which check the caller's
 * rights and raise French messages). Used by the Administration screens;
 * core/connector.h is the interface connectors implement.
 *
 * Functions returning a PGresult document its columns; the caller
 * PQclear()s it. */
#ifndef LIASSE_ADMIN_CONNECTEUR_H
#define LIASSE_ADMIN_CONNECTEUR_H
#include <stdbool.h>

#include "core/db.h"
#include "core/err.h"
#include "core/strbuf.h"

/* Connectors of ENTITE (with ANCESTORS: also those of its ancestors and
 * the global ones, which it may associate), by entity depth then id.
 * Columns: 0 id, 1 type, 2 famille, 3 libelle, 4 entite_id, 5 entity name. */
PGresult *connecteur_list(struct db *db, long long entite, bool ancestors, struct err *err);

/* Creates an instance of connector TYPE (an id of connector_types());
 * FAMILLE NULL or "" takes the type's. Returns the new id in *ID. */
bool connecteur_create(struct db *db, long long entite, const char *type, const char *famille,
		       const char *libelle, long long *id, struct err *err);
bool connecteur_delete(struct db *db, long long id, struct err *err);

/* Sets setting KEY of instance ID (VALUE NULL: removes it). Fields of
 * kind CF_SECRET and CF_FILE of the instance's type go to the secrets
 * table; an unknown key is refused (ERR_INPUT, French message). */
bool connecteur_set_value(struct db *db, long long id, const char *key, const char *value,
			  struct err *err);

/* Reads the file at PATH as the value of a CF_FILE setting: text (PEM)
 * as is, binary content (PKCS#12) as base64; at most 16 MiB. Caller
 * frees (and should clear it: it may hold a key). NULL + err. */
char *connecteur_read_file(const char *path, struct err *err);

/* The settings of instance ID: 0 key, 1 value ("" for a secret: never
 * read back), 2 "t" when the key is a secret that is set.
 * And the instance itself: 0 type, 1 famille, 2 libelle, 3 entite_id. */
PGresult *connecteur_settings(struct db *db, long long id, struct err *err);
PGresult *connecteur_instance(struct db *db, long long id, struct err *err);

/* Tester la connexion. A caller who may read the secrets (liasse_owner)
 * runs the test here; anyone else asks the daemon and waits for its
 * answer up to TIMEOUT_MS. The answer is recorded in connecteur_action
 * either way. Returns false on a database error or when the daemon did
 * not answer in time; otherwise *OK tells the outcome and ANSWER holds
 * the French answer (the error and its detail on failure). */
bool connecteur_test(struct db *db, long long id, int timeout_ms, bool *ok, struct strbuf *answer,
		     struct err *err);

/* Associates instance CONNECTEUR (0: removes the association) with slot
 * FAMILLE/NUM of dossier type TYPE_DOSSIER ("global" for every type) on
 * ENTITE. */
bool connecteur_associate(struct db *db, long long entite, const char *type_dossier,
			  const char *famille, long long connecteur, int num, struct err *err);
/* ENTITE takes (or stops taking) its parent's associations for TYPE ("*": all). */
bool connecteur_heriter(struct db *db, long long entite, const char *type_dossier, bool on,
			struct err *err);
/* Associations seen from ENTITE: its own, its ancestors', the global
 * ones. Columns: 0 entite_id, 1 entity name, 2 type_dossier, 3 famille,
 * 4 num, 5 connecteur_id, 6 libelle, 7 connector type, 8 niveau (0 =
 * ENTITE itself), 9 "t" when it is the one that applies. */
PGresult *connecteur_associations(struct db *db, long long entite, struct err *err);

/* Jobs of the daemon on ENTITE and its sub-entities. Columns: 0 id,
 * 1 entity name, 2 dossier_id ("" for a connector job), 3 dossier title,
 * 4 dossier type, 5 action, 6 next try "JJ/MM/AAAA HH:MM:SS", 7 tries,
 * 8 etat (attente, suspendu, erreur), 9 "t" when a daemon holds it,
 * 10 daemon, 11 last message, 12 connector libellé. */
PGresult *job_list(struct db *db, long long entite, struct err *err);
/* WHAT: "relancer" (run now, tries reset), "suspendre" or "supprimer". */
bool job_admin(struct db *db, long long id, const char *what, struct err *err);

#endif
