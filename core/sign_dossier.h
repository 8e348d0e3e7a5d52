/* Signing a dossier at the desk (action signature-locale): the file to
 * sign is read from the dossier, signed through the signer interface
 * (XAdES for a PES Aller, detached CAdES for a document), verified, and
 * stored in the type's signature field (fichier_pes_signe, signature)
 * together with the state change, in one transaction
 * (core/sql/050_signature.sql). The original file stays in its field;
 * the Hélios connector sends fichier_pes_signe when there is one.
 *
 *   sign_dossier_prepare  reads and checks, changes nothing (before the PIN)
 *   signer_begin          the caller opens the signer with the PIN
 *   sign_dossier_run      locks, signs, verifies, stores, commits
 *   sign_dossier_plan_free
 *
 * A wrong PIN, a pulled card or a failed store leaves the dossier as it
 * was. Another agent signing the same dossier at the same moment gets
 * ERR_DB_CONFLICT with a French message. */
#ifndef LIASSE_SIGN_DOSSIER_H
#define LIASSE_SIGN_DOSSIER_H
#include <stdbool.h>
#include <stdint.h>

#include "core/db.h"
#include "core/err.h"
#include "core/signer.h"
#include "core/xades.h"

struct sign_dossier_plan {
	int64_t id;
	int version;              /* as read by prepare; run fails if it changed */
	char type[64];
	char titre[256];
	char etat_label[256];
	char action_label[128];   /* "Signer avec la carte" */
	char source[64];          /* field signed: fichier_pes, document */
	char champ[64];           /* field receiving the signature */
	char nom[256];            /* name of the file signed */
	long long taille;
	bool pes;                 /* XAdES of a PES Aller, else CAdES .p7s */
	struct xades_plan xplan;  /* PES only */
	/* XAdES place and role from the base (the dossier's entity, the
	 * signing user), then sign_dossier_fallback's; "" when unset. */
	char city[160], postal_code[16], role[160];
	char path[512];           /* private copy of the file (removed by free) */
};

struct sign_dossier_result {
	char etat[64];
	char etat_label[256];
	int version;
	size_t n_signatures;
	char stored_name[272];    /* name of the stored signed file / .p7s */
	char signer[256];         /* certificate holder, as verified */
	char signing_time[40];
	bool verified;            /* every signature checked after signing */
};

/* Reads the dossier ID and its file to sign into a private temporary
 * copy, checks that the caller may sign it now (state, right, a file to
 * sign) and, for a PES, plans the signature. Changes nothing. */
bool sign_dossier_prepare(struct db *db, int64_t id, struct sign_dossier_plan *plan,
			  struct err *err);

/* Fills what the base left unset in PLAN's place (city and postal code
 * together, only when both are unset) and role, from the configuration
 * file's values (NULL or "" allowed). */
void sign_dossier_fallback(struct sign_dossier_plan *plan, const char *city,
			   const char *postal_code, const char *role);
/* The XAdES options a signature of PLAN gets: each of EXPLICIT's city,
 * postal code and role (the command line's, may be NULL) wins over PLAN's;
 * the default role applies last. OUT points into PLAN and EXPLICIT. */
void sign_dossier_opts(const struct sign_dossier_plan *plan, const struct xades_sign_opts *explicit,
		       struct xades_sign_opts *out);

/* Signs PLAN's file with SIGNER (opened with signer_begin; its certificate
 * must pass cert_check_signing), verifies and stores the result and runs
 * signature-locale. OPTS (PES only, may be NULL) carries the explicit
 * place and role (see sign_dossier_opts) and the progress callback. */
bool sign_dossier_run(struct db *db, const struct sign_dossier_plan *plan, struct signer *signer,
		      const struct xades_sign_opts *opts, struct sign_dossier_result *res,
		      struct err *err);

/* Removes the private copy. */
void sign_dossier_plan_free(struct sign_dossier_plan *plan);

#endif
