/* The dépôt (GED) connectors: "depot-local" (a local folder; a mounted
 * share does the rest) and "depot-sftp" (core/depot_sftp.c), with
 * PASTELL's shared options (pastell.md §2.1), one code path for both
 * through a target (core/depot.h):
 *   depot_type_depot            1 a directory per dossier, 2 a zip per
 *                               dossier, 3 files at the root
 *   depot_titre_repertoire      1 dossier title, 2 expression, 3 dossier id
 *   depot_titre_expression      e.g. "%objet%-%acte_nature%", "%id%"
 *   depot_metadonnees           1 none, 2 XML, 3 JSON (metadata.xml/.json;
 *                               metadata_<id>.* at the root)
 *   depot_pastell_file_filename 1 original names, 2 internal names (champ_n.ext)
 *   depot_file_restriction      comma list of the file fields deposited
 *   depot_creation_fichier_termine, depot_nom_fichier_termine  done marker:
 *                               in the directory; beside the zip as
 *                               <name>_<marker>; <marker stem>_<id>.<ext>
 *                               at the root
 *   depot_existe_deja           1 error, 2 rename with _<YmdHis>_<random>,
 *                               3 overwrite
 * Every file is written under a temporary name and renamed; a directory
 * is built as ".<name>.part" and renamed at the end: a reader never sees
 * a half-written dépôt. "/", "\" and control characters in names become
 * "-"; two files of one name in a dépôt get _2, _3... The names a job
 * chose are recorded first (connector data), so that its next run after a
 * crash finishes the same dépôt. */
#include <errno.h>
#include <json-c/json.h>
#include <openssl/rand.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <zip.h>

#include "core/depot.h"
#include "core/i18n.h"

struct depot_file {
	char champ[128];
	int n;
	char name[512]; /* as deposited */
};

struct depot_run {
	struct connector_ctx *ctx;
	struct connector_result *res;
	struct depot_target *t;
	char id[32];
	long mode, meta, policy;
	struct depot_file *files;
	size_t nfiles;
	char key[48];  /* connector data of this job: the names it chose */
	char *planned; /* as recorded by an earlier run of this job, or NULL */
};

/* ---- naming ---- */

static void
clean_name(char *s)
{
	for (; *s; s++)
		if (*s == '/' || *s == '\\' || (unsigned char)*s < 0x20 || *s == 0x7f)
			*s = '-';
}

/* %champ% replaced by the dossier's first value of champ (a file field:
 * its name without extension; %id%: the dossier id). */
static char *
expand(struct depot_run *d, const char *expr)
{
	struct strbuf sb = STRBUF_INIT;
	sb_add(&sb, "");
	for (const char *p = expr; *p;) {
		const char *e = *p == '%' ? strchr(p + 1, '%') : NULL;
		if (e && e > p + 1) {
			char champ[128];
			size_t n = (size_t)(e - p - 1) < sizeof champ - 1 ? (size_t)(e - p - 1) : sizeof champ - 1;
			memcpy(champ, p + 1, n);
			champ[n] = 0;
			struct err err = { 0 };
			char *v = connector_value(d->ctx, champ, 0, &err);
			if (!v) {
				v = connector_file_name(d->ctx, champ, 0, &err);
				char *dot = v ? strrchr(v, '.') : NULL;
				if (dot)
					*dot = 0;
			}
			if (!v && strcmp(champ, "id") == 0)
				v = xstrdup(d->id);
			sb_add(&sb, v ? v : "");
			free(v);
			p = e + 1;
		} else {
			sb_addc(&sb, *p++);
		}
	}
	return sb_take(&sb);
}

/* The dépôt's name (directory or zip stem); caller frees. */
static char *
depot_name(struct depot_run *d, struct err *err)
{
	const struct connector_config *cfg = d->ctx->config;
	long titre = connector_config_long(cfg, "depot_titre_repertoire", 1);
	char *name;
	if (titre == 3) {
		name = xstrdup(d->id);
	} else if (titre == 2 && connector_config_get(cfg, "depot_titre_expression")) {
		name = expand(d, connector_config_get(cfg, "depot_titre_expression"));
	} else {
		const char *p[] = { d->id };
		PGresult *r = db_query(d->ctx->db, "SELECT coalesce(titre, '') FROM liasse.dossier WHERE id = $1", 1,
				       p, err);
		if (!r)
			return NULL;
		name = xstrdup(PQntuples(r) ? PQgetvalue(r, 0, 0) : "");
		PQclear(r);
	}
	clean_name(name);
	if (!name[0] || name[0] == '.') {
		free(name);
		name = xstrdup(d->id);
	}
	return name;
}

/* NAME with _<YmdHis>_<random> before its extension EXT (may be ""). */
static char *
stamped(const char *name, const char *ext)
{
	unsigned char rnd[3];
	RAND_bytes(rnd, sizeof rnd);
	char stamp[32];
	time_t now = time(NULL);
	struct tm tm;
	localtime_r(&now, &tm);
	strftime(stamp, sizeof stamp, "%Y%m%d%H%M%S", &tm);
	struct strbuf s = STRBUF_INIT;
	sb_printf(&s, "%.*s_%s_%02x%02x%02x%s", (int)(strlen(name) - strlen(ext)), name, stamp, rnd[0], rnd[1],
		  rnd[2], ext);
	return sb_take(&s);
}

static bool
in_list(const char *list, const char *item)
{
	if (!list || !*list)
		return true;
	size_t n = strlen(item);
	for (const char *p = list; *p;) {
		while (*p == ' ' || *p == ',')
			p++;
		size_t k = strcspn(p, ",");
		size_t kk = k;
		while (kk && p[kk - 1] == ' ')
			kk--;
		if (kk == n && strncmp(p, item, n) == 0)
			return true;
		p += k;
	}
	return false;
}

static const char *
ext_of(const char *name)
{
	const char *dot = strrchr(name, '.');
	return dot && dot != name ? dot : name + strlen(name);
}

/* The files deposited and their names (unique within the dépôt). */
static bool
collect_files(struct depot_run *d, struct err *err)
{
	const struct connector_config *cfg = d->ctx->config;
	bool internal = connector_config_long(cfg, "depot_pastell_file_filename", 1) == 2;
	const char *restriction = connector_config_get(cfg, "depot_file_restriction");
	const char *p[] = { d->id };
	PGresult *r = db_query(d->ctx->db, "SELECT champ, n, nom FROM liasse.fichier WHERE dossier_id = $1 AND complet"
			       " ORDER BY champ, n", 1, p, err);
	if (!r)
		return false;
	d->files = xcalloc((size_t)PQntuples(r) + 1, sizeof *d->files);
	for (int i = 0; i < PQntuples(r); i++) {
		const char *champ = PQgetvalue(r, i, 0), *nom = PQgetvalue(r, i, 2);
		if (!in_list(restriction, champ) || strcmp(champ, "ged_document_id_file") == 0)
			continue;
		struct depot_file *f = &d->files[d->nfiles];
		str_copy(f->champ, sizeof f->champ, champ);
		f->n = atoi(PQgetvalue(r, i, 1));
		if (internal)
			snprintf(f->name, sizeof f->name, "%s_%d%s", champ, f->n, ext_of(nom));
		else
			str_copy(f->name, sizeof f->name, nom);
		clean_name(f->name);
		size_t len = strlen(f->name);
		if (!len || f->name[0] == '.' || (len > 5 && strcmp(f->name + len - 5, ".part") == 0))
			snprintf(f->name, sizeof f->name, "%s_%d%s", champ, f->n, ext_of(nom));
		for (int k = 2, again = 1; again; k++) {
			again = 0;
			for (size_t j = 0; j < d->nfiles; j++)
				if (strcmp(d->files[j].name, f->name) == 0)
					again = 1;
			if (again) {
				char base[512];
				str_copy(base, sizeof base, nom);
				clean_name(base);
				const char *ext = ext_of(base);
				snprintf(f->name, sizeof f->name, "%.*s_%d%s", (int)(ext - base), base, k, ext);
			}
		}
		d->nfiles++;
	}
	PQclear(r);
	return true;
}

/* ---- metadata ---- */

static void
xml_attr(struct strbuf *sb, const char *s)
{
	for (; *s; s++) {
		switch (*s) {
		case '<': sb_add(sb, "&lt;"); break;
		case '>': sb_add(sb, "&gt;"); break;
		case '&': sb_add(sb, "&amp;"); break;
		case '"': sb_add(sb, "&quot;"); break;
		default: sb_addc(sb, *s);
		}
	}
}

/* Every value of the dossier and the files deposited, XML or JSON. */
static char *
metadata_text(struct depot_run *d, struct err *err)
{
	const char *p[] = { d->id };
	PGresult *r = db_query(d->ctx->db, "SELECT champ, string_agg(valeur, ',' ORDER BY n) FROM liasse.dossier_valeur"
			       " WHERE dossier_id = $1 GROUP BY champ ORDER BY champ", 1, p, err);
	if (!r)
		return NULL;
	struct strbuf xml = STRBUF_INIT;
	json_object *js = json_object_new_object();
	sb_add(&xml, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<flux>\n");
	for (int i = 0; i < PQntuples(r); i++) {
		sb_add(&xml, "  <data name=\"");
		xml_attr(&xml, PQgetvalue(r, i, 0));
		sb_add(&xml, "\" value=\"");
		xml_attr(&xml, PQgetvalue(r, i, 1));
		sb_add(&xml, "\"/>\n");
		json_object_object_add(js, PQgetvalue(r, i, 0), json_object_new_string(PQgetvalue(r, i, 1)));
	}
	PQclear(r);
	for (size_t i = 0; i < d->nfiles; i++) {
		sb_add(&xml, "  <files name=\"");
		xml_attr(&xml, d->files[i].champ);
		sb_add(&xml, "\"><file content=\"");
		xml_attr(&xml, d->files[i].name);
		sb_add(&xml, "\"/></files>\n");
		json_object *arr;
		if (!json_object_object_get_ex(js, d->files[i].champ, &arr) || !json_object_is_type(arr, json_type_array)) {
			arr = json_object_new_array();
			json_object_object_add(js, d->files[i].champ, arr);
		}
		json_object_array_add(arr, json_object_new_string(d->files[i].name));
	}
	sb_add(&xml, "</flux>\n");
	char *out = d->meta == 2 ? sb_take(&xml)
		: xstrdup(json_object_to_json_string_ext(js, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_NOSLASHESCAPE));
	sb_free(&xml);
	json_object_put(js);
	return out;
}

static bool
write_file(const char *path, const char *text, struct err *err)
{
	FILE *fp = fopen(path, "wb");
	bool ok = fp && fputs(text, fp) >= 0;
	if (fp)
		ok = fclose(fp) == 0 && ok;
	if (!ok)
		return err_set(err, ERR_IO, _("Écriture impossible : %s (%s)."), path, strerror(errno));
	return true;
}

/* ---- putting things on the target ---- */

static bool
put_text(struct depot_run *d, const char *rel, const char *text, bool replace, struct err *err)
{
	char *staging = d->t->ops->staging(d->t, rel);
	bool ok = write_file(staging, text, err) && d->t->ops->commit(d->t, staging, rel, replace, err);
	unlink(staging);
	free(staging);
	return ok;
}

static bool
put_file(struct depot_run *d, const struct depot_file *f, const char *rel, bool replace, struct err *err)
{
	char *staging = d->t->ops->staging(d->t, rel);
	bool ok = connector_file_save(d->ctx, f->champ, f->n, staging, err) &&
		  d->t->ops->commit(d->t, staging, rel, replace, err);
	unlink(staging);
	free(staging);
	return ok;
}

static char *
join(const char *dir, const char *name)
{
	struct strbuf s = STRBUF_INIT;
	sb_printf(&s, "%s%s%s", dir, dir[0] ? "/" : "", name);
	return sb_take(&s);
}

/* The metadata file in DIR ("" = root: metadata_<id>.xml). */
static bool
put_metadata(struct depot_run *d, const char *dir, struct err *err)
{
	if (d->meta != 2 && d->meta != 3)
		return true;
	char *text = metadata_text(d, err);
	if (!text)
		return false;
	char name[64];
	const char *ext = d->meta == 2 ? "xml" : "json";
	if (d->mode == 3)
		snprintf(name, sizeof name, "metadata_%s.%s", d->id, ext);
	else
		snprintf(name, sizeof name, "metadata.%s", ext);
	char *rel = join(dir, name);
	bool ok = put_text(d, rel, text, true, err);
	free(rel);
	free(text);
	return ok;
}

static bool
put_marker(struct depot_run *d, const char *dir, const char *zipstem, struct err *err)
{
	const struct connector_config *cfg = d->ctx->config;
	if (!connector_config_get(cfg, "depot_creation_fichier_termine"))
		return true;
	char marker[512];
	const char *m = connector_config_get(cfg, "depot_nom_fichier_termine");
	str_copy(marker, sizeof marker, m ? m : "fichier_termine.txt");
	clean_name(marker);
	struct strbuf name = STRBUF_INIT;
	if (zipstem)
		sb_printf(&name, "%s_%s", zipstem, marker);
	else if (d->mode == 3)
		sb_printf(&name, "%.*s_%s%s", (int)(ext_of(marker) - marker), marker, d->id, ext_of(marker));
	else
		sb_add(&name, marker);
	char *rel = join(dir, sb_str(&name));
	bool ok = put_text(d, rel, _("Le transfert est terminé\n"), true, err);
	free(rel);
	sb_free(&name);
	return ok;
}

/* NAME (+EXT) free on the target, per the policy; *REPLACE for overwrite.
 * NULL with *TAKEN when the policy is "error" and the name is taken. */
static char *
free_name(struct depot_run *d, const char *name, const char *ext, bool *replace, struct err *err)
{
	struct strbuf s = STRBUF_INIT;
	sb_printf(&s, "%s%s", name, ext);
	char *withext = sb_take(&s);
	bool exists;
	*replace = false;
	if (!d->t->ops->exists(d->t, withext, &exists, err)) {
		free(withext);
		return NULL;
	}
	if (!exists)
		return withext;
	if (d->policy == 3) {
		*replace = true;
		return withext;
	}
	if (d->policy == 2) {
		char *other = stamped(withext, ext);
		free(withext);
		return other;
	}
	err_set(err, ERR_DB_CONFLICT, _("« %s » existe déjà dans le dépôt."), withext);
	free(withext);
	return NULL;
}

/* The names are chosen once per job and recorded (committed at once)
 * before anything is written: a run killed before the end of the job (the
 * dépôt done, the dossier not yet moved on) is followed by one that
 * finishes the same dépôt instead of refusing its own name or making a
 * second one. The value is "N:name" (a new name) or "R:name" (replaced in
 * place); at the root, "R:" and the file names, one a line. */
static bool
plan_put(struct depot_run *d, bool replace, const char *names, struct err *err)
{
	struct strbuf v = STRBUF_INIT;
	sb_printf(&v, "%s:%s", replace ? "R" : "N", names);
	bool ok = connector_data_put(d->ctx, d->key, sb_str(&v), err);
	sb_free(&v);
	return ok;
}

/* The name of the directory or zip NAME+EXT; *DONE when an earlier run
 * of the job already put it there (a new name that now exists). */
static char *
chosen_name(struct depot_run *d, const char *name, const char *ext, bool *replace, bool *done, struct err *err)
{
	*done = false;
	if (d->planned && strlen(d->planned) > 2) {
		*replace = d->planned[0] == 'R';
		char *final = xstrdup(d->planned + 2);
		if (!*replace && !d->t->ops->exists(d->t, final, done, err)) {
			free(final);
			return NULL;
		}
		return final;
	}
	char *final = free_name(d, name, ext, replace, err);
	if (final && !plan_put(d, *replace, final, err)) {
		free(final);
		return NULL;
	}
	return final;
}

static bool
deposit_dir(struct depot_run *d, const char *name, struct strbuf *where, struct err *err)
{
	bool replace, done;
	char *final = chosen_name(d, name, "", &replace, &done, err);
	if (!final)
		return false;
	if (done) { /* renamed at the very end: all of it is there */
		sb_add(where, final);
		free(final);
		return true;
	}
	char *work;
	if (replace) { /* overwrite: the files go into the existing directory */
		work = xstrdup(final);
	} else {
		struct strbuf s = STRBUF_INIT;
		sb_printf(&s, ".%s.part", final);
		work = sb_take(&s);
	}
	bool ok = d->t->ops->mkdir(d->t, work, err);
	for (size_t i = 0; ok && i < d->nfiles; i++) {
		char *rel = join(work, d->files[i].name);
		ok = put_file(d, &d->files[i], rel, true, err);
		free(rel);
	}
	ok = ok && put_metadata(d, work, err) && put_marker(d, work, NULL, err);
	if (ok && !replace)
		ok = d->t->ops->rename(d->t, work, final, err);
	sb_add(where, final);
	free(work);
	free(final);
	return ok;
}

static bool
zip_fail(zip_t *z, const char *zname, struct err *err)
{
	err_set(err, ERR_IO, _("Construction de l'archive « %s » impossible."), zname);
	err_detail(err, "libzip: %s", z ? zip_strerror(z) : "zip_open");
	if (z)
		zip_discard(z);
	return false;
}

static bool
deposit_zip(struct depot_run *d, const char *name, struct strbuf *where, struct err *err)
{
	bool replace, done;
	char *zname = chosen_name(d, name, ".zip", &replace, &done, err);
	if (!zname)
		return false;
	if (done) { /* only the marker may be missing */
		sb_add(where, zname);
		zname[strlen(zname) - 4] = 0;
		bool ok = put_marker(d, "", zname, err);
		free(zname);
		return ok;
	}
	char *staging = d->t->ops->staging(d->t, zname);
	char *meta = d->meta == 2 || d->meta == 3 ? metadata_text(d, err) : xstrdup("");
	int zerr = 0;
	zip_t *z = meta ? zip_open(staging, ZIP_CREATE | ZIP_TRUNCATE, &zerr) : NULL;
	bool ok = z != NULL || (meta && zip_fail(NULL, zname, err));
	for (size_t i = 0; ok && z && i < d->nfiles; i++) {
		char local[4200];
		snprintf(local, sizeof local, "%s/zip-%zu", d->t->tmpdir, i);
		if (!(ok = connector_file_save(d->ctx, d->files[i].champ, d->files[i].n, local, err)))
			break;
		zip_source_t *src = zip_source_file(z, local, 0, -1);
		if (!src || zip_file_add(z, d->files[i].name, src, ZIP_FL_ENC_UTF_8) < 0) {
			zip_source_free(src);
			ok = zip_fail(z, zname, err);
			z = NULL;
		}
	}
	if (ok && z && meta[0]) {
		zip_source_t *src = zip_source_buffer(z, meta, strlen(meta), 0);
		if (!src || zip_file_add(z, d->meta == 2 ? "metadata.xml" : "metadata.json", src, ZIP_FL_ENC_UTF_8) < 0) {
			zip_source_free(src);
			ok = zip_fail(z, zname, err);
			z = NULL;
		}
	}
	if (ok && z && zip_close(z) != 0)
		ok = zip_fail(z, zname, err);
	else if (!ok && z)
		zip_discard(z);
	ok = ok && meta && d->t->ops->commit(d->t, staging, zname, replace, err);
	unlink(staging);
	sb_add(where, zname);
	if (ok) {
		zname[strlen(zname) - 4] = 0; /* the marker is named after the zip's stem */
		ok = put_marker(d, "", zname, err);
	}
	free(meta);
	free(staging);
	free(zname);
	return ok;
}

static bool
deposit_root(struct depot_run *d, struct err *err)
{
	bool *replace = xcalloc(d->nfiles + 1, sizeof *replace), ok = true;
	if (d->planned && d->planned[0] == 'R') { /* an earlier run's names: its files are replaced */
		const char *p = d->planned + 2;
		for (size_t i = 0; i < d->nfiles && *p; i++) {
			size_t n = strcspn(p, "\n");
			snprintf(d->files[i].name, sizeof d->files[i].name, "%.*s", (int)n, p);
			replace[i] = true;
			p += n + (p[n] == '\n');
		}
	} else { /* every name first: a refusal deposits nothing */
		struct strbuf names = STRBUF_INIT;
		for (size_t i = 0; ok && i < d->nfiles; i++) {
			const char *ext = ext_of(d->files[i].name);
			char stem[512];
			snprintf(stem, sizeof stem, "%.*s", (int)(ext - d->files[i].name), d->files[i].name);
			char *fname = free_name(d, stem, ext, &replace[i], err);
			if (!(ok = fname != NULL))
				break;
			str_copy(d->files[i].name, sizeof d->files[i].name, fname);
			sb_printf(&names, "%s%s", i ? "\n" : "", fname);
			free(fname);
		}
		ok = ok && plan_put(d, true, sb_str(&names), err);
		sb_free(&names);
	}
	for (size_t i = 0; ok && i < d->nfiles; i++)
		ok = put_file(d, &d->files[i], d->files[i].name, replace[i], err);
	free(replace);
	return ok && put_metadata(d, "", err) && put_marker(d, "", NULL, err);
}

/* ---- the connectors ---- */

static bool
depot_run(struct connector_ctx *ctx, struct connector_result *res, struct err *err)
{
	if (!ctx->job->dossier_id) {
		connector_result_set(res, CONNECTOR_FAIL, NULL, _("Le dépôt concerne un dossier."));
		return true;
	}
	const struct connector_config *cfg = ctx->config;
	struct depot_run d = { .ctx = ctx, .res = res };
	snprintf(d.id, sizeof d.id, "%lld", (long long)ctx->job->dossier_id);
	snprintf(d.key, sizeof d.key, "depot_job_%lld", (long long)ctx->job->id);
	d.mode = connector_config_long(cfg, "depot_type_depot", 1);
	d.meta = connector_config_long(cfg, "depot_metadonnees", 1);
	d.policy = connector_config_long(cfg, "depot_existe_deja", 1);
	struct err derr = { 0 };
	char *tmpdir = depot_tmpdir(&derr), *name = NULL;
	struct strbuf where = STRBUF_INIT;
	bool ok = false, db_lost = false;
	if (tmpdir && (d.t = strcmp(cfg->type, "depot-sftp") == 0 ? depot_sftp_open(cfg, tmpdir, &derr)
								  : depot_local_open(cfg, tmpdir, &derr))) {
		sb_add(&where, d.t->where);
		d.planned = connector_data_get(ctx, d.key, &derr);
		if (derr.code || !collect_files(&d, &derr) || !(name = depot_name(&d, &derr))) {
			db_lost = true;
		} else {
			sb_addc(&where, '/');
			if (d.mode == 2)
				ok = deposit_zip(&d, name, &where, &derr);
			else if (d.mode == 3)
				ok = deposit_root(&d, &derr);
			else
				ok = deposit_dir(&d, name, &where, &derr);
		}
		if (!ok && (derr.code == ERR_DB_CONNECT || derr.code == ERR_DB))
			db_lost = true;
		d.t->ops->close(d.t);
	}
	free(name);
	free(d.planned);
	free(d.files);
	depot_tmpdir_remove(&tmpdir);
	if (ok)
		connector_result_set(res, CONNECTOR_DONE, NULL, _("Déposé dans %s."), sb_str(&where));
	sb_free(&where);
	if (db_lost) {
		*err = derr;
		return false;
	}
	if (!ok) /* a name taken is for the user to settle; the rest is retried */
		connector_result_set(res, derr.code == ERR_DB_CONFLICT ? CONNECTOR_FAIL : CONNECTOR_RETRY, "error-ged",
				     "%s%s%s%s", derr.msg, derr.detail[0] ? " (" : "", derr.detail,
				     derr.detail[0] ? ")" : "");
	return true;
}

static const struct connector_field depot_local_fields[] = {
	{ "depot_local_directory", N_("Dossier de dépôt (chemin absolu)"), CF_TEXT, true, NULL, NULL },
	DEPOT_COMMON_FIELDS,
};

const struct connector_type connector_depot_local = {
	.id = "depot-local",
	.famille = "GED",
	.label = N_("Dépôt dans un dossier local (ou monté)"),
	.fields = depot_local_fields,
	.test = depot_local_test,
	.run = depot_run,
};

static const struct connector_field depot_sftp_fields[] = {
	{ "depot_sftp_host", N_("Serveur SFTP (nom ou adresse)"), CF_TEXT, true, NULL, NULL },
	{ "depot_sftp_port", N_("Port SSH"), CF_NUMBER, false, "22", NULL },
	{ "depot_sftp_login", N_("Identifiant"), CF_TEXT, true, NULL, NULL },
	{ "depot_sftp_private_key", N_("Clé privée SSH (fichier)"), CF_FILE, false, NULL, NULL },
	{ "depot_sftp_private_key_password", N_("Phrase de passe de la clé"), CF_SECRET, false, NULL, NULL },
	{ "depot_sftp_password", N_("Mot de passe (sans clé)"), CF_SECRET, false, NULL, NULL },
	{ "depot_sftp_fingerprint", N_("Empreinte de la clé du serveur (SHA256:… ou ligne known_hosts)"), CF_TEXT,
	  true, NULL, NULL },
	{ "depot_sftp_directory", N_("Répertoire de dépôt sur le serveur (chemin absolu)"), CF_TEXT, true, NULL,
	  NULL },
	{ "depot_sftp_delai", N_("Délai de connexion (secondes)"), CF_NUMBER, false, "20", NULL },
	DEPOT_COMMON_FIELDS,
};

const struct connector_type connector_depot_sftp = {
	.id = "depot-sftp",
	.famille = "GED",
	.label = N_("Dépôt sur un serveur SFTP"),
	.fields = depot_sftp_fields,
	.test = depot_sftp_test,
	.run = depot_run,
};
