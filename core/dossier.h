/* Dossiers: the C side of the dossier engine (core/sql/002_dossiers.sql).
 * Every change is one call of a SQL function that checks rights, state,
 * conditions and the dossier's version in one transaction; this module
 * only builds the calls, streams files in and out, and hands results back.
 *
 * Optimistic locking: functions taking a VERSION pass the version the
 * caller read (-1 = no check). A stale version fails with ERR_DB_CONFLICT
 * and the French message « Ce dossier a été modifié par X le ... »; the
 * caller's input is untouched (these functions never free or change what
 * they are given), so a screen can keep what was typed. */
#ifndef LIASSE_DOSSIER_H
#define LIASSE_DOSSIER_H
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "core/db.h"
#include "core/err.h"

/* Block size of file transfers (one bytea row per block). */
#define DOSSIER_BLOCK_SIZE (1024 * 1024)

/* Creates a dossier of TYPE on ENTITE; TITRE (may be NULL) fills the
 * title field. *ID receives the new id. */
bool dossier_create(struct db *db, int64_t entite, const char *type, const char *titre,
		    int64_t *id, struct err *err);

/* Sets field values from a JSON object {"champ": "v" | ["v1", "v2"] | null}.
 * *NEW_VERSION (may be NULL) receives the dossier's new version. */
bool dossier_set_json(struct db *db, int64_t id, int version, const char *values_json,
		      int *new_version, struct err *err);
/* Same with N "champ" / "valeur" pairs (a field repeated = several values). */
bool dossier_set(struct db *db, int64_t id, int version, size_t n, const char *const *champs,
		 const char *const *valeurs, int *new_version, struct err *err);

struct dossier_attach_result {
	int64_t fichier_id;
	int version;
	char mime[64];
	long long taille;
	char sha256[65];
	char etat[64];
	int n_extracted; /* values extracted from a PES (helios-generique fichier_pes) */
};
/* Attaches the file at PATH to field CHAMP (NAME: the name to keep, NULL =
 * PATH's base name). Streamed in DOSSIER_BLOCK_SIZE blocks inside one
 * transaction; the database checks the type (from the content), sizes and
 * rules. A PES attached to the fichier_pes field of a helios-* dossier
 * (helios-generique, helios-pes-retour) is read first (a file that is not a
 * PES is refused and nothing is stored) and its information (id_coll,
 * dte_str, cod_bud...) fills the read-only indexed fields of the type. */
bool dossier_attach(struct db *db, int64_t id, int version, const char *champ, const char *path,
		    const char *name, struct dossier_attach_result *res, struct err *err);
/* The same inside the caller's transaction (begun with db_begin): neither
 * begins nor commits; on failure the caller rolls back. */
bool dossier_attach_in_tx(struct db *db, int64_t id, int version, const char *champ,
			  const char *path, const char *name, struct dossier_attach_result *res,
			  struct err *err);
/* Streams FP into the file FID opened by fichier_begin (or another
 * *_begin function) in DOSSIER_BLOCK_SIZE blocks; SHA256 receives the hex
 * SHA-256 of what was sent. NAME is for messages. Inside the caller's
 * transaction. */
bool dossier_send_blocks(struct db *db, const char *fid, FILE *fp, const char *name,
			 char sha256[65], struct err *err);
/* Removes file N of CHAMP. */
bool dossier_detach(struct db *db, int64_t id, int version, const char *champ, int n,
		    int *new_version, struct err *err);

/* Writes file N of CHAMP to OUT block by block; SHA256 (may be NULL)
 * receives the hex SHA-256 of what was written, NAME (may be NULL, size
 * NAMELEN) the stored file name. */
bool dossier_download(struct db *db, int64_t id, const char *champ, int n, FILE *out,
		      char sha256[65], char *name, size_t namelen, struct err *err);

struct dossier_action_result {
	char etat[64];
	char etat_label[256];
	int version;
	bool programme; /* a job was scheduled for the daemon (connector action) */
};
bool dossier_action(struct db *db, int64_t id, const char *action, int version,
		    const char *message, struct dossier_action_result *res, struct err *err);

/* Moves the dossier to the latest version of its type; *NEW_VERSION. */
bool dossier_migrate(struct db *db, int64_t id, int version, int *new_version, struct err *err);

/* Everything about the dossier as JSON text (caller frees); records the
 * user's first consultation in the journal. */
char *dossier_detail_json(struct db *db, int64_t id, struct err *err);

/* The bordereaux of the PES files of dossier ID (champ, n, id_bord, exer,
 * typ_bord, dte_bord_em, nbr_pce, montant, champ_montant); PQclear it. */
PGresult *dossier_bordereaux(struct db *db, int64_t id, struct err *err);

/* Rows (at, etat, etat_label, action, utilisateur, message), oldest first;
 * caller PQclear()s. ERR_NOT_FOUND when the dossier is not visible. */
PGresult *dossier_history(struct db *db, int64_t id, struct err *err);
/* Journal rows of the dossier (id, ts, type, utilisateur, action, message). */
PGresult *dossier_journal(struct db *db, int64_t id, struct err *err);

/* Actes typology: loads the codes of a classification file (the
 * RetourClassification XML S2LOW serves, ISO-8859-1 or UTF-8, at most
 * 8 MiB) for ENTITE and its sub-entities, replacing those loaded before;
 * *N codes. */
bool dossier_classification_load(struct db *db, int64_t entite, const char *path, int *n,
				 struct err *err);
/* The same from the bytes of the file (DATA, LEN), e.g. as fetched from
 * S2LOW. */
bool dossier_classification_load_data(struct db *db, int64_t entite, const char *data, size_t len,
				      int *n, struct err *err);
/* Rows (code, libelle) of the typology codes valid for NATURE (1..6) on
 * ENTITE, generic codes first. Caller PQclear()s. */
PGresult *dossier_typologies(struct db *db, int64_t entite, int nature, struct err *err);

/* Batch: actions possible on all of IDS (action, label, warning), and the
 * run (dossier_id, ok, etat, message per dossier). Caller PQclear()s. */
PGresult *dossier_batch_actions(struct db *db, const int64_t *ids, size_t n, struct err *err);
PGresult *dossier_batch(struct db *db, const int64_t *ids, size_t n, const char *action,
			const char *message, struct err *err);

#endif
