#include "core/demo.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/dossier.h"
#include "core/embedded.h"
#include "core/i18n.h"
#include "core/strbuf.h"

/* One demo dossier: created by USER on the entity named ENTITE, filled
 * with VALUES (JSON), FILE attached to FIELD, then ACTIONS run by the
 * agent, then SYSTEM actions run as "Action automatique" (what the daemon
 * and the TdT would do). */
struct demo_dossier {
	const char *user, *entite, *type, *titre, *values;
	const char *field, *file;
	const char *actions[4], *system[6];
};

static const struct demo_dossier demo_dossiers[] = {
	{ "mdupont", "Saint-Martin-les-Vignes", "helios-generique", "PES dépenses janvier 2026",
	  "{\"envoi_tdt\": \"on\"}", "fichier_pes", "core/demo/pes-depenses.xml",
	  { "orientation" }, { "send-tdt", "verif-tdt", "info-tdt" } },
	{ "mdupont", "Saint-Martin-les-Vignes", "helios-generique", "PES dépenses février 2026",
	  "{\"envoi_tdt\": \"on\"}", "fichier_pes", "core/demo/pes-depenses.xml",
	  { "orientation" }, { NULL } }, /* sent by the demo's daemon to its S2LOW */
	{ "mdupont", "Saint-Martin-les-Vignes", "helios-generique", "PES dépenses mars 2026", NULL,
	  "fichier_pes", "core/demo/pes-depenses.xml", { NULL }, { NULL } },
	{ "mdupont", "Saint-Martin-les-Vignes", "actes-generique", "Budget primitif 2026",
	  "{\"acte_nature\": \"1\", \"numero_de_lacte\": \"DEL2026_004\", "
	  "\"classification\": \"7.1\", \"type_acte\": \"99_DE\", \"vote_effectif\": \"15\", "
	  "\"vote_reel\": \"14\", \"vote_pour\": \"12\", \"vote_contre\": \"1\", "
	  "\"vote_abstention\": \"1\"}",
	  "arrete", "core/demo/document.pdf", { NULL }, { NULL } },
	{ "mdupont", "Saint-Martin-les-Vignes", "actes-generique", "Arrêté de circulation rue des Écoles",
	  NULL, NULL, NULL, { NULL }, { NULL } },
	{ "mdupont", "Saint-Martin-les-Vignes", "document-a-signer",
	  "Convention de mise à disposition de la salle des fêtes", NULL, NULL, NULL, { NULL }, { NULL } },
	{ "mdupont", "Saint-Martin-les-Vignes", "mailsec-bidir",
	  "Convocation au conseil municipal du 15 décembre", NULL, NULL, NULL, { NULL }, { NULL } },
	{ "mdupont", "Beaulieu-sur-Loue", "helios-generique", "PES recettes cantine décembre", NULL,
	  "fichier_pes", "core/demo/pes-depenses.xml", { NULL }, { NULL } },
	{ "mdupont", "Beaulieu-sur-Loue", "pdf-generique", "Compte rendu du conseil du 3 novembre",
	  NULL, NULL, NULL, { NULL }, { NULL } },
	{ "pmartin", "Montagnac", "actes-generique", "Délibération tarifs de l'eau 2027", NULL, NULL,
	  NULL, { NULL }, { NULL } },
	{ "pmartin", "Montagnac", "mailsec-bidir", "Convocation commission des travaux", NULL, NULL,
	  NULL, { NULL }, { NULL } },
};

/* Writes embedded file NAME to a temporary file; PATH receives its name. */
static bool
demo_temp_file(const char *name, char *path, size_t n, struct err *err)
{
	const struct embedded_file *f = embedded_find(name);
	if (!f)
		return err_set(err, ERR_INTERNAL, _("Fichier de démonstration %s absent."), name);
	const char *tmp = getenv("TMPDIR");
	const char *base = strrchr(name, '/');
	snprintf(path, n, "%s/liasse-demo-XXXXXX", tmp && *tmp ? tmp : "/tmp");
	int fd = mkstemp(path);
	if (fd < 0)
		return err_set(err, ERR_IO, _("Impossible de créer un fichier temporaire."));
	bool ok = write(fd, f->data, f->len) == (ssize_t)f->len;
	close(fd);
	(void)base;
	return ok || err_set(err, ERR_IO, _("Impossible d'écrire un fichier temporaire."));
}

static bool
demo_entite_id(struct db *db, const char *name, int64_t *id, struct err *err)
{
	const char *p[] = { name };
	PGresult *r = db_query(db, "SELECT id FROM liasse.entite WHERE denomination = $1", 1, p, err);
	if (!r)
		return false;
	bool found = PQntuples(r) == 1;
	if (found)
		*id = strtoll(PQgetvalue(r, 0, 0), NULL, 10);
	PQclear(r);
	return found || err_set(err, ERR_NOT_FOUND, _("Entité de démonstration « %s » absente."), name);
}

static struct db *
demo_connect_as(struct db *admin, const char *user, struct err *err)
{
	char conninfo[1024];
	snprintf(conninfo, sizeof(conninfo), "host='%s' port='%s' dbname='%s' user='%s'",
		 PQhost(admin->conn), PQport(admin->conn), PQdb(admin->conn), user);
	return db_open(conninfo, err);
}

static bool
demo_run_actions(struct db *db, int64_t id, const char *const *actions, size_t n, struct err *err)
{
	for (size_t i = 0; i < n && actions[i]; i++) {
		struct dossier_action_result res;
		if (!dossier_action(db, id, actions[i], -1, NULL, &res, err))
			return false;
	}
	return true;
}

static bool
demo_one(struct db *admin, const struct demo_dossier *d, struct err *err)
{
	int64_t entite = 0, id = 0;
	if (!demo_entite_id(admin, d->entite, &entite, err))
		return false;
	struct db *db = demo_connect_as(admin, d->user, err);
	if (!db)
		return false;
	bool ok = dossier_create(db, entite, d->type, d->titre, &id, err);
	if (ok && d->values)
		ok = dossier_set_json(db, id, -1, d->values, NULL, err);
	if (ok && d->file) {
		char path[512];
		struct dossier_attach_result res;
		ok = demo_temp_file(d->file, path, sizeof(path), err);
		if (ok) {
			const char *base = strrchr(d->file, '/') + 1;
			ok = dossier_attach(db, id, -1, d->field, path, base, &res, err);
			unlink(path);
		}
	}
	if (ok)
		ok = demo_run_actions(db, id, d->actions, 4, err);
	db_close(&db);
	/* The steps the daemon and the TdT would take. */
	if (ok && d->system[0]) {
		ok = db_exec(admin, "SET liasse.automatique = 'on'", 0, NULL, err) &&
		     demo_run_actions(admin, id, d->system, 6, err);
		db_exec(admin, "RESET liasse.automatique", 0, NULL, NULL);
	}
	if (!ok) {
		char msg[sizeof(err->msg)];
		str_copy(msg, sizeof(msg), err->msg);
		err_set(err, err->code, _("Dossier de démonstration « %s » : %s"), d->titre, msg);
	}
	return ok;
}

static const char *const demo_communes[] = {
	"Saint-Martin-les-Vignes", "Beaulieu-sur-Loue", "Montagnac",
};

/* The content of file DIR/NAME (caller frees), NULL when unreadable. */
static char *
demo_read_file(const char *dir, const char *name, struct err *err)
{
	char path[1200];
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	struct strbuf sb = STRBUF_INIT;
	if (sb_read_file(&sb, path, 0) != 0) {
		sb_free(&sb);
		err_set(err, ERR_IO, _("Fichier illisible : %s."), path);
		return NULL;
	}
	return sb_take(&sb);
}

static bool
demo_tdt_one(struct db *db, const char *commune, const char *url, char *const pem[3], bool new_pki,
	     struct err *err)
{
	int64_t e;
	if (!demo_entite_id(db, commune, &e, err))
		return false;
	char eid[32], cid[32] = "";
	snprintf(eid, sizeof(eid), "%lld", (long long)e);
	const char *p[] = { eid };
	PGresult *r = db_query(db, "SELECT id FROM liasse.connecteur WHERE entite_id = $1 AND type = 's2low'"
			       " ORDER BY id LIMIT 1", 1, p, err);
	if (!r)
		return false;
	bool created = PQntuples(r) == 0;
	if (!created)
		str_copy(cid, sizeof(cid), PQgetvalue(r, 0, 0));
	PQclear(r);
	if (created) {
		r = db_query(db, "SELECT liasse.connecteur_create($1, 's2low', 'TdT', 'S²LOW de démonstration')",
			     1, p, err);
		if (!r)
			return false;
		str_copy(cid, sizeof(cid), PQgetvalue(r, 0, 0));
		PQclear(r);
	}
	const char *q[] = { cid, url, pem[0], pem[1], pem[2], eid };
	bool ok = db_exec(db, "SELECT liasse.connecteur_set($1, 'url', $2) FROM liasse.connecteur"
			  " WHERE id = $1 AND config->>'url' IS DISTINCT FROM $2", 2, q, err);
	if (ok && (created || new_pki))
		ok = db_exec(db, "SELECT liasse.connecteur_set($1, 'ca', $2, true),"
			     " liasse.connecteur_set($1, 'certificat', $3, true),"
			     " liasse.connecteur_set($1, 'cle', $4, true)", 4,
			     (const char *[]){ cid, pem[0], pem[1], pem[2] }, err);
	if (ok && created)
		ok = db_exec(db, "SELECT liasse.connecteur_associate($2, 'actes-generique', 'TdT', $1),"
			     " liasse.connecteur_associate($2, 'helios-generique', 'TdT', $1)", 2,
			     (const char *[]){ cid, eid }, err) &&
		     db_exec(db, "INSERT INTO liasse.frequence (connecteur_id, expression, verrou)"
			     " VALUES ($1, '2s', 'S2LOW')", 1, q, err);
	return ok;
}

bool
demo_tdt_configure(struct db *db, const char *url, const char *pki, bool new_pki, struct err *err)
{
	static const char *const files[] = { "ca.pem", "client.pem", "client.key" };
	char *pem[3] = { NULL, NULL, NULL };
	bool ok = true;
	for (size_t i = 0; ok && i < 3; i++)
		ok = (pem[i] = demo_read_file(pki, files[i], err)) != NULL;
	ok = ok && db_begin(db, err);
	for (size_t i = 0; ok && i < sizeof(demo_communes) / sizeof(demo_communes[0]); i++)
		ok = demo_tdt_one(db, demo_communes[i], url, pem, new_pki, err);
	if (ok)
		ok = db_commit(db, err);
	else
		db_rollback(db);
	for (size_t i = 0; i < 3; i++) {
		if (pem[i]) {
			volatile char *v = pem[i];
			for (size_t k = 0; v[k]; k++)
				v[k] = 0;
		}
		free(pem[i]);
	}
	return ok;
}

bool
demo_data_load(struct db *db, struct err *err)
{
	const struct embedded_file *f = embedded_find("core/sql/demo.sql");
	if (!f)
		return err_set(err, ERR_INTERNAL, _("Données de démonstration absentes du programme."));
	const size_t n_dossiers = sizeof(demo_dossiers) / sizeof(demo_dossiers[0]);
	PGresult *r = db_query(db,
			       "SELECT EXISTS (SELECT 1 FROM liasse.utilisateur WHERE login = 'mdupont'), "
			       "(SELECT count(*) FROM liasse.dossier)",
			       0, NULL, err);
	if (!r)
		return false;
	bool have_users = strcmp(PQgetvalue(r, 0, 0), "t") == 0;
	size_t have_dossiers = strtoul(PQgetvalue(r, 0, 1), NULL, 10);
	PQclear(r);
	if (have_dossiers >= n_dossiers)
		return true;
	if (have_dossiers > 0)
		return err_set(err, ERR_INPUT,
			       _("Les données de démonstration sont incomplètes (un chargement "
				 "précédent a échoué) : supprimez le dossier de la démonstration "
				 "et relancez."));
	if (!have_users) {
		if (!db_begin(db, err))
			return false;
		if (!db_exec_script(db, f->data, err)) {
			db_rollback(db);
			return false;
		}
		if (!db_commit(db, err))
			return false;
	}
	for (size_t i = 0; i < n_dossiers; i++)
		if (!demo_one(db, &demo_dossiers[i], err))
			return false;
	return true;
}
