#include "core/dossier.h"

#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <json-c/json.h>
#include <openssl/evp.h>
#include <stdlib.h>
#include <string.h>

#include "core/i18n.h"
#include "core/log.h"
#include "core/pes.h"
#include "core/strbuf.h"
#include "core/validate.h"

/* Fields of helios-generique filled from the PES (pes_info_foreach keys). */
static const char *const pes_fields[] = {
	"nom_fic", "id_coll", "cod_col", "cod_bud", "libelle_col_bud", "dte_str", "id_post",
	"exercice", "type_pes", "pes_signe", "info_dematerialisee", "nb_bordereaux", "etat_ack",
};

static void
fmt_id(char buf[24], int64_t v)
{
	snprintf(buf, 24, "%" PRId64, v);
}

/* VERSION < 0 = no check (SQL NULL). */
static const char *
fmt_version(char buf[16], int version)
{
	if (version < 0)
		return NULL;
	snprintf(buf, 16, "%d", version);
	return buf;
}

static bool
query_int(struct db *db, const char *sql, int n, const char *const *p, int *out, struct err *err)
{
	PGresult *r = db_query(db, sql, n, p, err);
	if (!r)
		return false;
	if (out)
		*out = PQntuples(r) > 0 ? atoi(PQgetvalue(r, 0, 0)) : 0;
	PQclear(r);
	return true;
}

bool
dossier_create(struct db *db, int64_t entite, const char *type, const char *titre, int64_t *id,
	       struct err *err)
{
	char e[24];
	fmt_id(e, entite);
	const char *p[] = { e, type, titre };
	PGresult *r = db_query(db, "SELECT liasse.dossier_create($1, $2, $3)", 3, p, err);
	if (!r)
		return false;
	*id = strtoll(PQgetvalue(r, 0, 0), NULL, 10);
	PQclear(r);
	return true;
}

bool
dossier_set_json(struct db *db, int64_t id, int version, const char *values_json, int *new_version,
		 struct err *err)
{
	char i[24], v[16];
	fmt_id(i, id);
	const char *p[] = { i, fmt_version(v, version), values_json };
	return query_int(db, "SELECT liasse.dossier_set($1, $2, $3::jsonb)", 3, p, new_version, err);
}

bool
dossier_set(struct db *db, int64_t id, int version, size_t n, const char *const *champs,
	    const char *const *valeurs, int *new_version, struct err *err)
{
	json_object *o = json_object_new_object();
	for (size_t k = 0; k < n; k++) {
		json_object *prev = NULL;
		json_object *val = json_object_new_string(valeurs[k] ? valeurs[k] : "");
		if (json_object_object_get_ex(o, champs[k], &prev)) {
			if (!json_object_is_type(prev, json_type_array)) {
				json_object *arr = json_object_new_array();
				json_object_array_add(arr, json_object_get(prev));
				json_object_object_add(o, champs[k], arr);
				prev = arr;
			}
			json_object_array_add(prev, val);
		} else {
			json_object_object_add(o, champs[k], val);
		}
	}
	bool ok = dossier_set_json(db, id, version, json_object_to_json_string(o), new_version, err);
	json_object_put(o);
	return ok;
}

struct pes_ctx {
	json_object *o;
	int n;
};

static void
pes_collect(const char *key, const char *value, void *arg)
{
	struct pes_ctx *c = arg;
	for (size_t i = 0; i < sizeof(pes_fields) / sizeof(pes_fields[0]); i++) {
		if (strcmp(key, pes_fields[i]) != 0 || !value)
			continue;
		json_object_object_add(c->o, key, json_object_new_string(value));
		c->n++;
	}
}

/* Sends one block as a binary parameter (no escaping, no copy). */
static bool
send_block(struct db *db, const char *fid, int n, const char *data, size_t len, struct err *err)
{
	char nb[16];
	snprintf(nb, sizeof(nb), "%d", n);
	const char *vals[] = { fid, nb, data };
	int lens[] = { 0, 0, (int)len };
	int fmts[] = { 0, 0, 1 };
	PGresult *r = PQexecParams(db->conn, "SELECT liasse.fichier_bloc_add($1, $2, $3::bytea)", 3,
				   NULL, vals, lens, fmts, 0);
	bool ok = r && PQresultStatus(r) == PGRES_TUPLES_OK;
	if (!ok)
		db_err_from_result(db, r, err);
	PQclear(r);
	return ok;
}

static void
hex(const unsigned char *md, unsigned len, char *out)
{
	for (unsigned k = 0; k < len; k++)
		snprintf(out + 2 * k, 3, "%02x", md[k]);
}

bool
dossier_send_blocks(struct db *db, const char *fid, FILE *fp, const char *name, char sha256[65],
		    struct err *err)
{
	EVP_MD_CTX *md = EVP_MD_CTX_new();
	EVP_DigestInit_ex(md, EVP_sha256(), NULL);
	char *buf = xmalloc(DOSSIER_BLOCK_SIZE);
	bool ok = true;
	int n = 0;
	size_t got;
	while (ok && (got = fread(buf, 1, DOSSIER_BLOCK_SIZE, fp)) > 0) {
		EVP_DigestUpdate(md, buf, got);
		ok = send_block(db, fid, n++, buf, got, err);
	}
	if (ok && ferror(fp))
		ok = err_set(err, ERR_IO, _("Lecture du fichier « %s » impossible : %s"), name,
			     strerror(errno));
	free(buf);
	unsigned char d[EVP_MAX_MD_SIZE];
	unsigned dl = 0;
	EVP_DigestFinal_ex(md, d, &dl);
	EVP_MD_CTX_free(md);
	hex(d, dl, sha256);
	return ok;
}

/* Is this a PES to read before storing (fichier_pes of a helios-* type:
 * helios-generique's PES Aller, helios-pes-retour's PES Retour)? */
static bool
wants_pes(struct db *db, int64_t id, const char *champ, bool *yes, struct err *err)
{
	*yes = false;
	if (strcmp(champ, "fichier_pes") != 0)
		return true;
	char i[24];
	fmt_id(i, id);
	const char *p[] = { i };
	PGresult *r = db_query(db, "SELECT type FROM liasse.dossier WHERE id = $1", 1, p, err);
	if (!r)
		return false;
	*yes = PQntuples(r) > 0 && strncmp(PQgetvalue(r, 0, 0), "helios", 6) == 0;
	PQclear(r);
	return true;
}

/* The bordereaux of INFO as a JSON array for pes_bordereaux_set() (170). */
static json_object *
pes_bordereaux_json(const struct pes_info *info)
{
	json_object *arr = json_object_new_array();
	for (size_t k = 0; k < info->n_bordereaux_lus; k++) {
		const struct pes_bordereau *b = &info->bordereaux[k];
		json_object *o = json_object_new_object();
		json_object_object_add(o, "id_bord", json_object_new_string(b->id_bord));
		json_object_object_add(o, "exer", json_object_new_string(b->exer));
		json_object_object_add(o, "typ_bord", json_object_new_string(b->typ_bord));
		json_object_object_add(o, "dte_bord_em", json_object_new_string(b->dte_bord_em));
		json_object_object_add(o, "nbr_pce", json_object_new_string(b->nbr_pce));
		json_object_object_add(o, "montant", json_object_new_string(b->montant));
		json_object_object_add(o, "champ_montant", json_object_new_string(b->montant_champ));
		json_object_array_add(arr, o);
	}
	return arr;
}

static bool
upload(struct db *db, FILE *fp, int64_t id, int version, const char *champ, const char *name,
       long long size, json_object *extracted, json_object *bordereaux,
       struct dossier_attach_result *res, struct err *err)
{
	char i[24], v[16], sz[24];
	fmt_id(i, id);
	snprintf(sz, sizeof(sz), "%lld", size);
	const char *p[] = { i, fmt_version(v, version), champ, name, sz };
	PGresult *r = db_query(db, "SELECT liasse.fichier_begin($1, $2, $3, $4, $5)", 5, p, err);
	if (!r)
		return false;
	char fid[24];
	str_copy(fid, sizeof(fid), PQgetvalue(r, 0, 0));
	PQclear(r);
	res->fichier_id = strtoll(fid, NULL, 10);
	if (!dossier_send_blocks(db, fid, fp, name, res->sha256, err))
		return false;

	const char *pf[] = { fid, res->sha256 };
	r = db_query(db, "SELECT version, mime, taille, etat FROM liasse.fichier_finish($1, $2)", 2, pf,
		     err);
	if (!r)
		return false;
	res->version = atoi(PQgetvalue(r, 0, 0));
	str_copy(res->mime, sizeof(res->mime), PQgetvalue(r, 0, 1));
	res->taille = strtoll(PQgetvalue(r, 0, 2), NULL, 10);
	str_copy(res->etat, sizeof(res->etat), PQgetvalue(r, 0, 3));
	PQclear(r);
	if (extracted && json_object_object_length(extracted) > 0) {
		const char *pe[] = { fid, json_object_to_json_string(extracted) };
		if (!query_int(db, "SELECT liasse.dossier_set_extracted($1, $2::jsonb)", 2, pe,
			       &res->version, err))
			return false;
	}
	if (bordereaux && json_object_array_length(bordereaux) > 0) {
		const char *pb[] = { fid, json_object_to_json_string_ext(bordereaux,
									 JSON_C_TO_STRING_PLAIN) };
		if (!query_int(db, "SELECT liasse.pes_bordereaux_set($1, $2::jsonb)", 2, pb, NULL, err))
			return false;
	}
	return true;
}

/* Checks the file before sending it: its type from its first bytes, its
 * size against the field's and the type's limits (fichier_verifier(), the
 * messages the database would give after the upload). Leaves FP at its
 * start; *SIZE is its size. */
static bool
precheck(struct db *db, FILE *fp, int64_t id, const char *champ, const char *name,
	 long long *size, struct err *err)
{
	unsigned char head[512];
	size_t n = fread(head, 1, sizeof(head), fp);
	if (ferror(fp))
		return err_set(err, ERR_IO, _("Lecture du fichier « %s » impossible : %s"), name,
			       strerror(errno));
	*size = -1;
	if (fseeko(fp, 0, SEEK_END) == 0)
		*size = (long long)ftello(fp);
	rewind(fp);
	if (*size < 0)
		return true; /* a pipe: the database checks it after the upload */
	char i[24], sz[24];
	fmt_id(i, id);
	snprintf(sz, sizeof(sz), "%lld", *size);
	const char *p[] = { i, champ, name, sz, validate_sniff(head, n) };
	PGresult *r = db_query(db, "SELECT liasse.fichier_verifier($1, $2, $3, $4, $5)", 5, p, err);
	PQclear(r);
	return r != NULL;
}

/* OWN_TX: in a transaction of its own; otherwise inside the caller's. */
static bool
attach(struct db *db, int64_t id, int version, const char *champ, const char *path,
       const char *name, bool own_tx, struct dossier_attach_result *res, struct err *err)
{
	memset(res, 0, sizeof(*res));
	if (!name) {
		const char *slash = strrchr(path, '/');
		name = slash ? slash + 1 : path;
	}
	FILE *fp = fopen(path, "rb");
	if (!fp)
		return err_set(err, ERR_IO, _("Impossible d'ouvrir « %s » : %s"), path,
			       strerror(errno));
	long long size = -1;
	bool pes;
	if (!precheck(db, fp, id, champ, name, &size, err) || !wants_pes(db, id, champ, &pes, err)) {
		fclose(fp);
		return false;
	}
	json_object *extracted = NULL, *bordereaux = NULL;
	if (pes) {
		struct pes_info info;
		if (!pes_info_read(path, &info, err)) {
			fclose(fp);
			return false;
		}
		struct pes_ctx c = { json_object_new_object(), 0 };
		pes_info_foreach(&info, pes_collect, &c);
		bordereaux = pes_bordereaux_json(&info);
		pes_info_free(&info);
		extracted = c.o;
		res->n_extracted = c.n;
	}
	bool ok = !own_tx || db_begin(db, err);
	if (ok)
		ok = upload(db, fp, id, version, champ, name, size, extracted, bordereaux, res, err);
	if (ok && own_tx)
		ok = db_commit(db, err);
	else if (own_tx)
		db_rollback(db);
	fclose(fp);
	json_object_put(extracted);
	json_object_put(bordereaux);
	return ok;
}

bool
dossier_attach(struct db *db, int64_t id, int version, const char *champ, const char *path,
	       const char *name, struct dossier_attach_result *res, struct err *err)
{
	return attach(db, id, version, champ, path, name, true, res, err);
}

bool
dossier_attach_in_tx(struct db *db, int64_t id, int version, const char *champ, const char *path,
		     const char *name, struct dossier_attach_result *res, struct err *err)
{
	return attach(db, id, version, champ, path, name, false, res, err);
}

bool
dossier_detach(struct db *db, int64_t id, int version, const char *champ, int n, int *new_version,
	       struct err *err)
{
	char i[24], v[16], nb[16];
	fmt_id(i, id);
	snprintf(nb, sizeof(nb), "%d", n);
	const char *p[] = { i, fmt_version(v, version), champ, nb };
	return query_int(db, "SELECT liasse.fichier_delete($1, $2, $3, $4)", 4, p, new_version, err);
}

bool
dossier_download(struct db *db, int64_t id, const char *champ, int n, FILE *out, char sha256[65],
		 char *name, size_t namelen, struct err *err)
{
	char i[24], nb[16];
	fmt_id(i, id);
	snprintf(nb, sizeof(nb), "%d", n);
	const char *p[] = { i, champ, nb };
	PGresult *r = db_query(db,
			       "SELECT f.id, f.nom, (SELECT count(*) FROM liasse.fichier_bloc b "
			       "WHERE b.fichier_id = f.id) FROM liasse.fichier f "
			       "WHERE f.dossier_id = $1 AND f.champ = $2 AND f.n = $3 AND f.complet",
			       3, p, err);
	if (!r)
		return false;
	if (PQntuples(r) == 0) {
		PQclear(r);
		return err_set(err, ERR_NOT_FOUND,
			       _("Pas de fichier n° %d dans le champ « %s » du dossier %" PRId64 "."),
			       n, champ, id);
	}
	char fid[24];
	str_copy(fid, sizeof(fid), PQgetvalue(r, 0, 0));
	if (name)
		str_copy(name, namelen, PQgetvalue(r, 0, 1));
	int nblocks = atoi(PQgetvalue(r, 0, 2));
	PQclear(r);

	EVP_MD_CTX *md = EVP_MD_CTX_new();
	EVP_DigestInit_ex(md, EVP_sha256(), NULL);
	bool ok = true;
	for (int k = 0; ok && k < nblocks; k++) {
		char kb[16];
		snprintf(kb, sizeof(kb), "%d", k);
		const char *pb[] = { fid, kb };
		/* Binary result: one block in memory at a time. */
		PGresult *b = PQexecParams(db->conn,
					   "SELECT data FROM liasse.fichier_bloc "
					   "WHERE fichier_id = $1 AND n = $2",
					   2, NULL, pb, NULL, NULL, 1);
		if (!b || PQresultStatus(b) != PGRES_TUPLES_OK) {
			ok = db_err_from_result(db, b, err);
		} else if (PQntuples(b) != 1) {
			ok = err_set(err, ERR_DB, _("Fichier incomplet dans la base (bloc %d)."), k);
		} else {
			size_t len = (size_t)PQgetlength(b, 0, 0);
			EVP_DigestUpdate(md, PQgetvalue(b, 0, 0), len);
			if (fwrite(PQgetvalue(b, 0, 0), 1, len, out) != len)
				ok = err_set(err, ERR_IO, _("Écriture du fichier impossible : %s"),
					     strerror(errno));
		}
		PQclear(b);
	}
	unsigned char d[EVP_MAX_MD_SIZE];
	unsigned dl = 0;
	EVP_DigestFinal_ex(md, d, &dl);
	EVP_MD_CTX_free(md);
	if (sha256)
		hex(d, dl, sha256);
	return ok;
}

bool
dossier_action(struct db *db, int64_t id, const char *action, int version, const char *message,
	       struct dossier_action_result *res, struct err *err)
{
	char i[24], v[16];
	fmt_id(i, id);
	const char *p[] = { i, action, fmt_version(v, version), message };
	PGresult *r = db_query(db,
			       "SELECT etat, etat_label, version, programme "
			       "FROM liasse.dossier_action($1, $2, $3, $4)",
			       4, p, err);
	if (!r)
		return false;
	memset(res, 0, sizeof(*res));
	str_copy(res->etat, sizeof(res->etat), PQgetvalue(r, 0, 0));
	str_copy(res->etat_label, sizeof(res->etat_label), PQgetvalue(r, 0, 1));
	res->version = atoi(PQgetvalue(r, 0, 2));
	res->programme = strcmp(PQgetvalue(r, 0, 3), "t") == 0;
	PQclear(r);
	return true;
}

bool
dossier_migrate(struct db *db, int64_t id, int version, int *new_version, struct err *err)
{
	char i[24], v[16];
	fmt_id(i, id);
	const char *p[] = { i, fmt_version(v, version) };
	return query_int(db, "SELECT liasse.dossier_migrate($1, $2)", 2, p, new_version, err);
}

char *
dossier_detail_json(struct db *db, int64_t id, struct err *err)
{
	char i[24];
	fmt_id(i, id);
	const char *p[] = { i };
	PGresult *r = db_query(db, "SELECT liasse.dossier_detail($1)", 1, p, err);
	if (!r)
		return NULL;
	char *s = xstrdup(PQgetvalue(r, 0, 0));
	PQclear(r);
	return s;
}

PGresult *
dossier_bordereaux(struct db *db, int64_t id, struct err *err)
{
	char i[24];
	fmt_id(i, id);
	const char *p[] = { i };
	return db_query(db, "SELECT champ, n, id_bord, exer, typ_bord, dte_bord_em, nbr_pce, montant, "
			    "champ_montant FROM liasse.dossier_bordereaux($1)", 1, p, err);
}

PGresult *
dossier_history(struct db *db, int64_t id, struct err *err)
{
	char i[24];
	fmt_id(i, id);
	const char *p[] = { i };
	PGresult *r = db_query(db,
			       "SELECT to_char(at, 'YYYY-MM-DD HH24:MI:SS'), etat, etat_label, action, "
			       "utilisateur, coalesce(message, '') FROM liasse.dossier_historique($1)",
			       1, p, err);
	if (r && PQntuples(r) == 0) {
		PQclear(r);
		err_set(err, ERR_NOT_FOUND, _("Dossier %" PRId64 " introuvable."), id);
		return NULL;
	}
	return r;
}

PGresult *
dossier_journal(struct db *db, int64_t id, struct err *err)
{
	char i[24];
	fmt_id(i, id);
	const char *p[] = { i };
	return db_query(db,
			"SELECT id, to_char(ts, 'YYYY-MM-DD HH24:MI:SS'), type, utilisateur, action, "
			"message FROM liasse.journal WHERE dossier_id = $1 ORDER BY id",
			1, p, err);
}

static char *
ids_array(const int64_t *ids, size_t n)
{
	struct strbuf sb = STRBUF_INIT;
	sb_addc(&sb, '{');
	for (size_t k = 0; k < n; k++)
		sb_printf(&sb, "%s%" PRId64, k ? "," : "", ids[k]);
	sb_addc(&sb, '}');
	return sb_take(&sb);
}

PGresult *
dossier_batch_actions(struct db *db, const int64_t *ids, size_t n, struct err *err)
{
	char *a = ids_array(ids, n);
	const char *p[] = { a };
	PGresult *r = db_query(db,
			       "SELECT action, label, coalesce(warning, '') "
			       "FROM liasse.dossier_batch_actions($1::bigint[])",
			       1, p, err);
	free(a);
	return r;
}

PGresult *
dossier_batch(struct db *db, const int64_t *ids, size_t n, const char *action, const char *message,
	      struct err *err)
{
	char *a = ids_array(ids, n);
	const char *p[] = { a, action, message };
	PGresult *r = db_query(db,
			       "SELECT dossier_id, ok, coalesce(etat, ''), message "
			       "FROM liasse.dossier_batch($1::bigint[], $2, $3)",
			       3, p, err);
	free(a);
	return r;
}

#define CLASSIFICATION_MAX (8 << 20)

bool
dossier_classification_load(struct db *db, int64_t entite, const char *path, int *n,
			    struct err *err)
{
	FILE *fp = fopen(path, "rb");
	if (!fp)
		return err_set(err, ERR_IO, _("Impossible d'ouvrir « %s » : %s"), path,
			       strerror(errno));
	struct strbuf sb = STRBUF_INIT;
	char buf[65536];
	size_t got;
	while ((got = fread(buf, 1, sizeof(buf), fp)) > 0 && sb.len <= CLASSIFICATION_MAX)
		sb_addn(&sb, buf, got);
	bool bad = ferror(fp);
	fclose(fp);
	bool ok = true;
	if (bad)
		ok = err_set(err, ERR_IO, _("Lecture du fichier « %s » impossible : %s"), path,
			     strerror(errno));
	else if (sb.len > CLASSIFICATION_MAX)
		ok = err_set(err, ERR_INPUT, _("Le fichier « %s » est trop gros pour une classification "
					       "(8 Mio au plus)."), path);
	else if (sb.len == 0 || memchr(sb.data, '\0', sb.len))
		ok = err_set(err, ERR_INPUT, _("Le fichier « %s » n'est pas un fichier XML de "
					       "classification."), path);
	if (ok)
		ok = dossier_classification_load_data(db, entite, sb.data, sb.len, n, err);
	sb_free(&sb);
	return ok;
}

bool
dossier_classification_load_data(struct db *db, int64_t entite, const char *data, size_t len, int *n,
				 struct err *err)
{
	if (len > CLASSIFICATION_MAX)
		return err_set(err, ERR_INPUT, _("La classification est trop grosse (8 Mio au plus)."));
	if (len == 0 || memchr(data, '\0', len))
		return err_set(err, ERR_INPUT, _("Ce n'est pas un fichier XML de classification."));
	struct strbuf sb = STRBUF_INIT;
	sb_addn(&sb, data, len);
	bool ok;
	/* S2LOW serves it in ISO-8859-1: to UTF-8 for the database. */
	char head[128];
	str_copy(head, sizeof(head), sb.data);
	for (char *h = head; *h; h++)
		*h = (char)toupper((unsigned char)*h);
	char *text;
	if (strstr(head, "ISO-8859-1") || !utf8_valid(sb.data, sb.len)) {
		struct strbuf u = STRBUF_INIT;
		for (size_t i = 0; i < sb.len; i++) {
			unsigned char c = (unsigned char)sb.data[i];
			if (c < 0x80) {
				sb_addc(&u, (char)c);
			} else {
				sb_addc(&u, (char)(0xc0 | (c >> 6)));
				sb_addc(&u, (char)(0x80 | (c & 0x3f)));
			}
		}
		text = sb_take(&u);
	} else {
		text = sb_take(&sb);
	}
	sb_free(&sb);
	char e[24];
	fmt_id(e, entite);
	const char *p[] = { e, text };
	ok = query_int(db, "SELECT liasse.actes_classification_charger($1, $2)", 2, p, n, err);
	free(text);
	return ok;
}

PGresult *
dossier_typologies(struct db *db, int64_t entite, int nature, struct err *err)
{
	char e[24], na[16];
	fmt_id(e, entite);
	snprintf(na, sizeof(na), "%d", nature);
	const char *p[] = { e, na };
	return db_query(db, "SELECT code, libelle FROM liasse.actes_typologies($1, $2)", 2, p, err);
}
