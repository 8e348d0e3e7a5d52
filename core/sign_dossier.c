/* Signing a dossier at the desk (see sign_dossier.h). */
#include "core/sign_dossier.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "core/cades.h"
#include "core/cert.h"
#include "core/dossier.h"
#include "core/i18n.h"
#include "core/log.h"
#include "core/sign_profil.h"
#include "core/strbuf.h"

/* The private folder holding "in" (the file to sign) and "out". */
static void
tmp_file(const struct sign_dossier_plan *plan, const char *leaf, char *out, size_t n)
{
	snprintf(out, n, "%s/%s", plan->path, leaf);
}

/* signature_lock(ID, VERSION): checks and row lock (inside a transaction). */
static bool
lock_dossier(struct db *db, int64_t id, int version, struct sign_dossier_plan *plan,
	     struct err *err)
{
	char i[24], v[16];
	snprintf(i, sizeof i, "%" PRId64, id);
	snprintf(v, sizeof v, "%d", version);
	const char *p[] = { i, version < 0 ? NULL : v };
	PGresult *r = db_query(db, "SELECT source, champ, action_label FROM "
				   "liasse.signature_lock($1::bigint, $2::integer)",
			       2, p, err);
	if (!r)
		return false;
	if (plan) {
		str_copy(plan->source, sizeof plan->source, PQgetvalue(r, 0, 0));
		str_copy(plan->champ, sizeof plan->champ, PQgetvalue(r, 0, 1));
		str_copy(plan->action_label, sizeof plan->action_label, PQgetvalue(r, 0, 2));
	}
	PQclear(r);
	return true;
}

static bool
read_dossier(struct db *db, struct sign_dossier_plan *plan, struct err *err)
{
	char i[24];
	snprintf(i, sizeof i, "%" PRId64, plan->id);
	const char *p[] = { i, plan->source };
	PGresult *r = db_query(db,
			       "SELECT d.version, d.type, d.titre, "
			       "liasse.dossier_etat_label(d.type, d.type_version, d.etat), f.nom, "
			       "f.taille FROM liasse.dossier d JOIN liasse.fichier f ON "
			       "f.dossier_id = d.id AND f.champ = $2 AND f.n = 0 AND f.complet "
			       "WHERE d.id = $1",
			       2, p, err);
	if (!r)
		return false;
	if (PQntuples(r) != 1) {
		PQclear(r);
		return err_set(err, ERR_NOT_FOUND, _("Dossier %" PRId64 " : fichier à signer introuvable."),
			       plan->id);
	}
	plan->version = atoi(PQgetvalue(r, 0, 0));
	str_copy(plan->type, sizeof plan->type, PQgetvalue(r, 0, 1));
	str_copy(plan->titre, sizeof plan->titre, PQgetvalue(r, 0, 2));
	str_copy(plan->etat_label, sizeof plan->etat_label, PQgetvalue(r, 0, 3));
	str_copy(plan->nom, sizeof plan->nom, PQgetvalue(r, 0, 4));
	plan->taille = strtoll(PQgetvalue(r, 0, 5), NULL, 10);
	PQclear(r);
	plan->pes = strcmp(plan->source, "fichier_pes") == 0;
	return true;
}

/* Place and role from the base (signature_profil, migration 100). */
static bool
read_profil(struct db *db, struct sign_dossier_plan *plan, struct err *err)
{
	char i[24];
	snprintf(i, sizeof i, "%" PRId64, plan->id);
	const char *p[] = { i };
	PGresult *r = db_query(db, "SELECT coalesce(ville, ''), coalesce(code_postal, ''), "
				   "coalesce(qualite, '') FROM liasse.signature_profil($1::bigint)",
			       1, p, err);
	if (!r)
		return false;
	if (PQntuples(r) == 1) {
		str_copy(plan->city, sizeof plan->city, PQgetvalue(r, 0, 0));
		str_copy(plan->postal_code, sizeof plan->postal_code, PQgetvalue(r, 0, 1));
		str_copy(plan->role, sizeof plan->role, PQgetvalue(r, 0, 2));
	}
	PQclear(r);
	return true;
}

void
sign_dossier_fallback(struct sign_dossier_plan *plan, const char *city, const char *postal_code,
		      const char *role)
{
	if (!plan->city[0] && !plan->postal_code[0]) {
		str_copy(plan->city, sizeof plan->city, city ? city : "");
		str_copy(plan->postal_code, sizeof plan->postal_code, postal_code ? postal_code : "");
	}
	if (!plan->role[0] && role)
		str_copy(plan->role, sizeof plan->role, role);
}

void
sign_dossier_opts(const struct sign_dossier_plan *plan, const struct xades_sign_opts *explicit,
		  struct xades_sign_opts *out)
{
	struct xades_sign_opts none = { 0 };
	if (!explicit)
		explicit = &none;
	*out = *explicit;
	if (!out->city && plan->city[0])
		out->city = plan->city;
	if (!out->postal_code && plan->postal_code[0])
		out->postal_code = plan->postal_code;
	if (!out->role)
		out->role = plan->role[0] ? plan->role : SIGN_ROLE_DEFAULT;
}

static bool
download(struct db *db, struct sign_dossier_plan *plan, struct err *err)
{
	const char *base = getenv("TMPDIR");
	snprintf(plan->path, sizeof plan->path, "%s/liasse-sign-XXXXXX",
		 base && *base ? base : P_tmpdir);
	if (!mkdtemp(plan->path)) {
		plan->path[0] = '\0';
		return err_set(err, ERR_IO, _("Impossible de créer un dossier temporaire : %s"),
			       strerror(errno));
	}
	char in[600];
	tmp_file(plan, "in", in, sizeof in);
	FILE *fp = fopen(in, "wb");
	if (!fp)
		return err_set(err, ERR_IO, _("Impossible de créer un fichier temporaire : %s"),
			       strerror(errno));
	bool ok = dossier_download(db, plan->id, plan->source, 0, fp, NULL, NULL, 0, err);
	if (fclose(fp) != 0 && ok)
		ok = err_set(err, ERR_IO, _("Écriture d'un fichier temporaire impossible : %s"),
			     strerror(errno));
	return ok;
}

bool
sign_dossier_prepare(struct db *db, int64_t id, struct sign_dossier_plan *plan, struct err *err)
{
	memset(plan, 0, sizeof *plan);
	plan->id = id;
	/* The lock is only a check here: rolled back at once. */
	bool ok = db_begin(db, err) && lock_dossier(db, id, -1, plan, err) &&
		  read_dossier(db, plan, err) && read_profil(db, plan, err) &&
		  download(db, plan, err);
	db_rollback(db);
	if (ok && plan->pes) {
		char in[600];
		tmp_file(plan, "in", in, sizeof in);
		ok = xades_plan_file(in, &plan->xplan, err);
	}
	if (!ok)
		sign_dossier_plan_free(plan);
	return ok;
}

void
sign_dossier_plan_free(struct sign_dossier_plan *plan)
{
	if (!plan->path[0])
		return;
	char f[600];
	tmp_file(plan, "in", f, sizeof f);
	unlink(f);
	tmp_file(plan, "out", f, sizeof f);
	unlink(f);
	rmdir(plan->path);
	plan->path[0] = '\0';
}

/* Signs "in" into "out" and verifies "out"; fills the signer part of RES. */
static bool
sign_file(const struct sign_dossier_plan *plan, struct signer *signer,
	  const struct xades_sign_opts *opts, struct sign_dossier_result *res, struct err *err)
{
	char in[600], out[600];
	tmp_file(plan, "in", in, sizeof in);
	tmp_file(plan, "out", out, sizeof out);
	if (!plan->pes) {
		struct cades_result cr;
		if (!cades_sign_file(in, out, signer, err) ||
		    !cades_verify_file(in, out, NULL, &cr, err))
			return false;
		if (!cr.valid)
			return err_set(err, ERR_INPUT, _("La signature produite ne se vérifie pas : %s"),
				       cr.problem);
		res->n_signatures = 1;
		res->verified = true;
		str_copy(res->signer, sizeof res->signer, cr.signer);
		str_copy(res->signing_time, sizeof res->signing_time, cr.signing_time);
		snprintf(res->stored_name, sizeof res->stored_name, "%s.p7s", plan->nom);
		return true;
	}
	struct xades_sign_opts xo;
	sign_dossier_opts(plan, opts, &xo);
	/* The warning about InfoDematerialisee was shown before the PIN. */
	xo.allow_not_dematerialised = true;
	if (!xades_sign_file(in, out, signer, &xo, &res->n_signatures, err))
		return false;
	struct xades_report rep;
	if (!xades_verify_file(out, NULL, &rep, err))
		return false;
	bool ok = rep.all_valid && rep.n_unsigned == 0 && rep.n_sigs == res->n_signatures;
	if (!ok) {
		err_set(err, ERR_INPUT, _("Le PES signé ne se vérifie pas : %s"),
			rep.n_sigs && rep.sigs[0].problem[0] ? rep.sigs[0].problem
							    : _("signature absente ou incomplète"));
	} else {
		str_copy(res->signer, sizeof res->signer, rep.sigs[0].signer);
		str_copy(res->signing_time, sizeof res->signing_time, rep.sigs[0].signing_time);
		str_copy(res->stored_name, sizeof res->stored_name, plan->nom);
		res->verified = true;
	}
	xades_report_free(&rep);
	return ok;
}

/* signature_begin, blocks, signature_finish (inside the transaction). */
static bool
store(struct db *db, const struct sign_dossier_plan *plan, struct sign_dossier_result *res,
      struct err *err)
{
	char out[600];
	tmp_file(plan, "out", out, sizeof out);
	FILE *fp = fopen(out, "rb");
	if (!fp)
		return err_set(err, ERR_IO, _("Fichier signé illisible : %s"), strerror(errno));
	struct stat st;
	long long size = fstat(fileno(fp), &st) == 0 ? (long long)st.st_size : -1;
	char i[24], sz[24];
	snprintf(i, sizeof i, "%" PRId64, plan->id);
	snprintf(sz, sizeof sz, "%lld", size);
	const char *p[] = { i, res->stored_name, sz };
	PGresult *r = db_query(db, "SELECT liasse.signature_begin($1::bigint, $2, $3::bigint)", 3,
			       p, err);
	if (!r) {
		fclose(fp);
		return false;
	}
	char fid[24], sha[65];
	str_copy(fid, sizeof fid, PQgetvalue(r, 0, 0));
	PQclear(r);
	bool ok = dossier_send_blocks(db, fid, fp, res->stored_name, sha, err);
	fclose(fp);
	if (!ok)
		return false;
	char msg[512];
	snprintf(msg, sizeof msg,
		 res->n_signatures > 1 ? _("Signé par %s (%zu signatures vérifiées)")
				       : _("Signé par %s (signature vérifiée)"),
		 res->signer[0] ? res->signer : _("(inconnu)"), res->n_signatures);
	const char *pf[] = { fid, sha, msg };
	r = db_query(db, "SELECT etat, etat_label, version FROM "
			 "liasse.signature_finish($1::bigint, $2, $3)",
		     3, pf, err);
	if (!r)
		return false;
	str_copy(res->etat, sizeof res->etat, PQgetvalue(r, 0, 0));
	str_copy(res->etat_label, sizeof res->etat_label, PQgetvalue(r, 0, 1));
	res->version = atoi(PQgetvalue(r, 0, 2));
	PQclear(r);
	return true;
}

bool
sign_dossier_run(struct db *db, const struct sign_dossier_plan *plan, struct signer *signer,
		 const struct xades_sign_opts *opts, struct sign_dossier_result *res,
		 struct err *err)
{
	memset(res, 0, sizeof *res);
	if (!plan->path[0])
		return err_set(err, ERR_INTERNAL, _("Signature non préparée."));
	if (!cert_check_signing(signer_cert(signer), time(NULL), err))
		return false;
	/* The row stays locked while the card signs: a second agent gets a
	 * conflict at once instead of signing for nothing. */
	if (!db_begin(db, err))
		return false;
	bool ok = lock_dossier(db, plan->id, plan->version, NULL, err) &&
		  sign_file(plan, signer, opts, res, err) && store(db, plan, res, err) &&
		  db_commit(db, err);
	if (!ok) {
		db_rollback(db);
		log_info("dossier %" PRId64 ": signature abandoned: %s", plan->id, err->msg);
	} else {
		log_info("dossier %" PRId64 ": signed (%zu signatures), state %s", plan->id,
			 res->n_signatures, res->etat);
	}
	return ok;
}
