/* Where the dépôt (GED) connectors put the files: a "target". The naming,
 * the metadata, the zip and the name-exists policies live once in
 * core/conn_depot.c; a target only tests a name, makes a directory,
 * receives a file under a temporary name and renames. Two targets: a
 * local (or mounted) folder (core/depot_local.c) and an SFTP server
 * through libcurl (core/depot_sftp.c).
 *
 * Paths given to a target are relative to its root directory,
 * '/'-separated, never starting with '/'. Failures fill ERR (French msg,
 * technical detail); the caller retries them later. */
#ifndef LIASSE_DEPOT_H
#define LIASSE_DEPOT_H
#include <stdbool.h>

#include "core/connector.h"
#include "core/err.h"
#include "core/strbuf.h"

struct depot_target;

struct depot_target_ops {
	/* *EXISTS: something named REL is there (file or directory). */
	bool (*exists)(struct depot_target *t, const char *rel, bool *exists, struct err *err);
	/* Creates directory REL; one already there is no error. */
	bool (*mkdir)(struct depot_target *t, const char *rel, struct err *err);
	/* A local path where the caller writes the content meant for REL,
	 * then hands it to commit (caller frees the string). */
	char *(*staging)(struct depot_target *t, const char *rel);
	/* Makes the content written at STAGING appear as REL, atomically:
	 * written as "REL.part" then renamed. REPLACE: an existing REL is
	 * replaced; otherwise an existing REL is refused (ERR_DB_CONFLICT). */
	bool (*commit)(struct depot_target *t, const char *staging, const char *rel, bool replace,
		       struct err *err);
	/* Renames FROM to TO; an existing TO is refused (ERR_DB_CONFLICT). */
	bool (*rename)(struct depot_target *t, const char *from, const char *to, struct err *err);
	void (*close)(struct depot_target *t);
};

struct depot_target {
	const struct depot_target_ops *ops;
	char where[1024]; /* the root, for messages: "/srv/ged", "sftp://hôte:22/srv/ged" */
	const char *tmpdir; /* private local folder of the run (the caller's) */
};

/* Opens the target of CFG ("depot-local" or "depot-sftp"); TMPDIR is a
 * private local folder that outlives the target. NULL + err when the
 * root is unreachable (missing folder, server down, host key refused,
 * login refused...). */
struct depot_target *depot_local_open(const struct connector_config *cfg, const char *tmpdir,
				      struct err *err);
struct depot_target *depot_sftp_open(const struct connector_config *cfg, const char *tmpdir,
				     struct err *err);
/* A private local folder for a run (mode 0700, under $TMPDIR or /tmp);
 * caller removes it with depot_tmpdir_remove (its files too). NULL + err. */
char *depot_tmpdir(struct err *err);
void depot_tmpdir_remove(char **dir);
/* Tester la connexion for a local folder: it exists and is writable. */
bool depot_local_test(const struct connector_config *cfg, struct strbuf *message, struct err *err);
/* Tester la connexion for SFTP: connects, lists the directory and says
 * so in MESSAGE (French, with the number of entries). */
bool depot_sftp_test(const struct connector_config *cfg, struct strbuf *message, struct err *err);

/* The fields shared by every dépôt type (PASTELL's GED options), to end
 * a type's field table. */
#define DEPOT_COMMON_FIELDS \
	{ "depot_type_depot", N_("Type de dépôt"), CF_SELECT, false, "1", \
	  N_("1=Un répertoire par dossier|2=Une archive zip par dossier|3=Les fichiers à la racine") }, \
	{ "depot_titre_repertoire", N_("Nom du répertoire ou de l'archive"), CF_SELECT, false, "1", \
	  N_("1=Titre du dossier|2=Expression|3=Identifiant du dossier") }, \
	{ "depot_titre_expression", N_("Expression du nom (%champ%, %id%)"), CF_TEXT, false, NULL, NULL }, \
	{ "depot_metadonnees", N_("Fichier de métadonnées"), CF_SELECT, false, "1", \
	  N_("1=Aucun|2=XML|3=JSON") }, \
	{ "depot_pastell_file_filename", N_("Noms des fichiers"), CF_SELECT, false, "1", \
	  N_("1=Noms d'origine|2=Noms internes (champ_n)") }, \
	{ "depot_file_restriction", N_("Champs fichiers déposés (liste, vide : tous)"), CF_TEXT, false, \
	  NULL, NULL }, \
	{ "depot_creation_fichier_termine", N_("Créer un fichier de fin de transfert"), CF_BOOL, false, \
	  NULL, NULL }, \
	{ "depot_nom_fichier_termine", N_("Nom du fichier de fin de transfert"), CF_TEXT, false, \
	  "fichier_termine.txt", NULL }, \
	{ "depot_existe_deja", N_("Si le nom existe déjà"), CF_SELECT, false, "1", \
	  N_("1=Erreur|2=Renommer (_date_aléa)|3=Écraser") }, \
	{ NULL, NULL, CF_TEXT, false, NULL, NULL }

#endif
