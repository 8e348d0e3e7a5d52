/* The dépôt (GED) connector on a local folder (a mounted share does the
 * rest), with PASTELL's shared options (pastell.md §2.1):
 *   depot_type_depot            1 a directory per dossier, 3 files at the root
 *   depot_titre_repertoire      1 dossier title, 2 expression, 3 dossier id
 *   depot_titre_expression      e.g. "%objet%-%acte_nature%"
 *   depot_metadonnees           1 none, 2 XML, 3 JSON (metadata.xml/.json)
 *   depot_pastell_file_filename 1 original names, 2 internal names (champ_n.ext)
 *   depot_file_restriction      comma list of the file fields deposited
 *   depot_creation_fichier_termine, depot_nom_fichier_termine  done marker
 *   depot_existe_deja           1 error, 2 rename with _<YmdHis>_<random>
 * Every file is written under a temporary name and renamed (a directory is
 * built as ".<name>.part" and renamed at the end): a reader never sees a
 * half-written dépôt. "/" and "\" in names become "-". */
#include <errno.h>
#include <json-c/json.h>
#include <openssl/rand.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "core/connector.h"
#include "core/i18n.h"

static const struct connector_field depot_fields[] = {
	{ "depot_local_directory", N_("Dossier de dépôt (chemin absolu)"), CF_TEXT, true, NULL, NULL },
	{ "depot_type_depot", N_("Type de dépôt"), CF_SELECT, false, "1",
	  "1=Un répertoire par dossier|3=Les fichiers à la racine" },
	{ "depot_titre_repertoire", N_("Nom du répertoire"), CF_SELECT, false, "1",
	  "1=Titre du dossier|2=Expression|3=Identifiant du dossier" },
	{ "depot_titre_expression", N_("Expression du nom (%champ%)"), CF_TEXT, false, NULL, NULL },
	{ "depot_metadonnees", N_("Fichier de métadonnées"), CF_SELECT, false, "1", "1=Aucun|2=XML|3=JSON" },
	{ "depot_pastell_file_filename", N_("Noms des fichiers"), CF_SELECT, false, "1",
	  "1=Noms d'origine|2=Noms internes (champ_n)" },
	{ "depot_file_restriction", N_("Champs fichiers déposés (liste, vide : tous)"), CF_TEXT, false, NULL, NULL },
	{ "depot_creation_fichier_termine", N_("Créer un fichier de fin de transfert"), CF_BOOL, false, NULL, NULL },
	{ "depot_nom_fichier_termine", N_("Nom du fichier de fin de transfert"), CF_TEXT, false,
	  "fichier_termine.txt", NULL },
	{ "depot_existe_deja", N_("Si le nom existe déjà"), CF_SELECT, false, "1", "1=Erreur|2=Renommer" },
	{ NULL, NULL, CF_TEXT, false, NULL, NULL },
};

static void
clean_name(char *s)
{
	for (; *s; s++)
		if (*s == '/' || *s == '\\')
			*s = '-';
}

static bool
exists(const char *p)
{
	struct stat st;
	return lstat(p, &st) == 0;
}

/* %champ% replaced by the dossier's first value of champ. */
static char *
expand(struct connector_ctx *ctx, const char *expr)
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
			char *v = connector_value(ctx, champ, 0, &err);
			if (!v) { /* a file field: its name without extension */
				v = connector_file_name(ctx, champ, 0, &err);
				char *dot = v ? strrchr(v, '.') : NULL;
				if (dot)
					*dot = 0;
			}
			sb_add(&sb, v ? v : "");
			free(v);
			p = e + 1;
		} else {
			sb_addc(&sb, *p++);
		}
	}
	return sb_take(&sb);
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

static bool
write_text(const char *path, const char *text, struct err *err)
{
	char tmp[4200];
	snprintf(tmp, sizeof tmp, "%s.part", path);
	FILE *fp = fopen(tmp, "wb");
	if (!fp)
		return err_set(err, ERR_IO, _("Écriture impossible dans le dépôt : %s (%s)."), tmp, strerror(errno));
	bool ok = fputs(text, fp) >= 0;
	ok = fclose(fp) == 0 && ok;
	if (!ok || rename(tmp, path) != 0)
		return err_set(err, ERR_IO, _("Écriture impossible dans le dépôt : %s (%s)."), path, strerror(errno));
	return true;
}

static bool
depot_run(struct connector_ctx *ctx, struct connector_result *res, struct err *err)
{
	const struct connector_config *cfg = ctx->config;
	const char *root = connector_config_get(cfg, "depot_local_directory");
	struct stat st;
	if (!root || root[0] != '/' || stat(root, &st) != 0 || !S_ISDIR(st.st_mode)) {
		connector_result_set(res, CONNECTOR_RETRY, "error-ged",
				     _("Le dossier de dépôt « %s » n'existe pas ou n'est pas un répertoire."),
				     root ? root : "");
		return true;
	}
	if (!ctx->job->dossier_id) {
		connector_result_set(res, CONNECTOR_FAIL, NULL, _("Le dépôt concerne un dossier."));
		return true;
	}
	bool per_dir = connector_config_long(cfg, "depot_type_depot", 1) != 3;
	long titre = connector_config_long(cfg, "depot_titre_repertoire", 1);
	long meta = connector_config_long(cfg, "depot_metadonnees", 1);
	bool internal = connector_config_long(cfg, "depot_pastell_file_filename", 1) == 2;
	bool rename_existing = connector_config_long(cfg, "depot_existe_deja", 1) == 2;
	const char *restriction = connector_config_get(cfg, "depot_file_restriction");
	char id[32];
	snprintf(id, sizeof id, "%lld", (long long)ctx->job->dossier_id);
	const char *p[] = { id };

	/* The dépôt name. */
	char *name;
	if (titre == 3) {
		name = xstrdup(id);
	} else if (titre == 2 && connector_config_get(cfg, "depot_titre_expression")) {
		name = expand(ctx, connector_config_get(cfg, "depot_titre_expression"));
	} else {
		PGresult *r = db_query(ctx->db, "SELECT coalesce(titre, '') FROM liasse.dossier WHERE id = $1", 1, p, err);
		if (!r)
			return false;
		name = xstrdup(PQntuples(r) ? PQgetvalue(r, 0, 0) : "");
		PQclear(r);
	}
	clean_name(name);
	if (!name[0] || strcmp(name, ".") == 0 || strcmp(name, "..") == 0) {
		free(name);
		name = xstrdup(id);
	}
	char target[4096], work[4096];
	snprintf(target, sizeof target, "%s/%s", root, name);
	if (per_dir && exists(target)) {
		if (!rename_existing) {
			connector_result_set(res, CONNECTOR_FAIL, "error-ged",
					     _("Le répertoire « %s » existe déjà dans le dépôt."), name);
			free(name);
			return true;
		}
		unsigned char rnd[3];
		RAND_bytes(rnd, sizeof rnd);
		char stamp[32];
		time_t now = time(NULL);
		struct tm tm;
		localtime_r(&now, &tm);
		strftime(stamp, sizeof stamp, "%Y%m%d%H%M%S", &tm);
		snprintf(target, sizeof target, "%s/%s_%s_%02x%02x%02x", root, name, stamp, rnd[0], rnd[1], rnd[2]);
	}
	free(name);
	if (per_dir) {
		const char *base = strrchr(target, '/') + 1;
		snprintf(work, sizeof work, "%s/.%s.part", root, base);
		if (mkdir(work, 0750) != 0 && errno != EEXIST) {
			connector_result_set(res, CONNECTOR_RETRY, "error-ged",
					     _("Création du répertoire impossible dans le dépôt : %s."), strerror(errno));
			return true;
		}
	} else {
		str_copy(work, sizeof work, root);
	}

	/* The files. */
	struct strbuf listing = STRBUF_INIT, xml = STRBUF_INIT;
	json_object *js = json_object_new_object();
	PGresult *r = db_query(ctx->db, "SELECT champ, n, nom FROM liasse.fichier WHERE dossier_id = $1 AND complet"
			       " ORDER BY champ, n", 1, p, err);
	bool ok = r != NULL;
	sb_add(&xml, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<flux>\n");
	for (int i = 0; ok && i < PQntuples(r); i++) {
		const char *champ = PQgetvalue(r, i, 0), *nom = PQgetvalue(r, i, 2);
		int n = atoi(PQgetvalue(r, i, 1));
		if (!in_list(restriction, champ) || strcmp(champ, "ged_document_id_file") == 0)
			continue;
		char fname[1024];
		if (internal) {
			const char *ext = strrchr(nom, '.');
			snprintf(fname, sizeof fname, "%s_%d%s", champ, n, ext ? ext : "");
		} else {
			str_copy(fname, sizeof fname, nom);
		}
		clean_name(fname);
		char dest[5200], part[5300];
		snprintf(dest, sizeof dest, "%s/%s", work, fname);
		if (!per_dir && exists(dest)) {
			if (!rename_existing) {
				connector_result_set(res, CONNECTOR_FAIL, "error-ged",
						     _("Le fichier « %s » existe déjà dans le dépôt."), fname);
				goto out;
			}
			char *dot = strrchr(fname, '.');
			char stamp[32];
			time_t now = time(NULL);
			struct tm tm;
			localtime_r(&now, &tm);
			strftime(stamp, sizeof stamp, "%Y%m%d%H%M%S", &tm);
			unsigned char rnd[3];
			RAND_bytes(rnd, sizeof rnd);
			snprintf(dest, sizeof dest, "%s/%.*s_%s_%02x%02x%02x%s", work,
				 dot ? (int)(dot - fname) : (int)strlen(fname), fname, stamp, rnd[0], rnd[1], rnd[2],
				 dot ? dot : "");
		}
		snprintf(part, sizeof part, "%s.part", dest);
		if (!connector_file_save(ctx, champ, n, part, err)) {
			ok = false;
			break;
		}
		if (rename(part, dest) != 0) {
			connector_result_set(res, CONNECTOR_RETRY, "error-ged", _("Écriture impossible dans le dépôt : %s."),
					     strerror(errno));
			goto out;
		}
		sb_printf(&listing, "%s\n", per_dir ? strrchr(dest, '/') + 1 : dest);
		sb_add(&xml, "  <files name=\"");
		xml_attr(&xml, champ);
		sb_add(&xml, "\"><file content=\"");
		xml_attr(&xml, strrchr(dest, '/') + 1);
		sb_add(&xml, "\"/></files>\n");
		json_object *arr;
		if (!json_object_object_get_ex(js, champ, &arr)) {
			arr = json_object_new_array();
			json_object_object_add(js, champ, arr);
		}
		json_object_array_add(arr, json_object_new_string(strrchr(dest, '/') + 1));
	}
	PQclear(r);
	r = NULL;
	if (!ok)
		goto out;
	/* Metadata: every value of the dossier. */
	if (meta == 2 || meta == 3) {
		r = db_query(ctx->db, "SELECT champ, string_agg(valeur, ',' ORDER BY n) FROM liasse.dossier_valeur"
			     " WHERE dossier_id = $1 GROUP BY champ ORDER BY champ", 1, p, err);
		if (!(ok = r != NULL))
			goto out;
		struct strbuf data = STRBUF_INIT;
		for (int i = 0; i < PQntuples(r); i++) {
			sb_add(&data, "  <data name=\"");
			xml_attr(&data, PQgetvalue(r, i, 0));
			sb_add(&data, "\" value=\"");
			xml_attr(&data, PQgetvalue(r, i, 1));
			sb_add(&data, "\"/>\n");
			if (!json_object_object_get_ex(js, PQgetvalue(r, i, 0), NULL))
				json_object_object_add(js, PQgetvalue(r, i, 0),
						       json_object_new_string(PQgetvalue(r, i, 1)));
		}
		struct strbuf whole = STRBUF_INIT;
		sb_add(&whole, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<flux>\n");
		sb_add(&whole, sb_str(&data));
		sb_add(&whole, sb_str(&xml) + strlen("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<flux>\n"));
		sb_add(&whole, "</flux>\n");
		char mpath[4200];
		snprintf(mpath, sizeof mpath, "%s/metadata.%s", work, meta == 2 ? "xml" : "json");
		if (!per_dir)
			snprintf(mpath, sizeof mpath, "%s/metadata_%s.%s", work, id, meta == 2 ? "xml" : "json");
		ok = write_text(mpath, meta == 2 ? sb_str(&whole)
						 : json_object_to_json_string_ext(js, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_NOSLASHESCAPE), err);
		sb_free(&data);
		sb_free(&whole);
		if (!ok)
			goto out;
	}
	if (per_dir && connector_config_get(cfg, "depot_creation_fichier_termine")) {
		char mark[4200];
		const char *mname = connector_config_get(cfg, "depot_nom_fichier_termine");
		snprintf(mark, sizeof mark, "%s/%s", work, mname ? mname : "fichier_termine.txt");
		if (!(ok = write_text(mark, _("Le transfert est terminé\n"), err)))
			goto out;
	}
	if (per_dir && rename(work, target) != 0) {
		connector_result_set(res, CONNECTOR_RETRY, "error-ged", _("Renommage final impossible dans le dépôt : %s."),
				     strerror(errno));
		goto out;
	}
	connector_result_set(res, CONNECTOR_DONE, NULL, _("Déposé dans %s."), per_dir ? target : root);
out:
	if (r)
		PQclear(r);
	json_object_put(js);
	sb_free(&listing);
	sb_free(&xml);
	return ok;
}

static bool
depot_test(const struct connector_config *cfg, struct strbuf *message, struct err *err)
{
	const char *root = connector_config_get(cfg, "depot_local_directory");
	struct stat st;
	if (!root || stat(root, &st) != 0 || !S_ISDIR(st.st_mode))
		return err_set(err, ERR_IO, _("Le dossier de dépôt « %s » n'existe pas."), root ? root : "");
	if (access(root, W_OK | X_OK) != 0)
		return err_set(err, ERR_IO, _("Le dossier de dépôt « %s » n'est pas accessible en écriture."), root);
	sb_printf(message, _("Le dossier de dépôt « %s » est accessible en écriture."), root);
	return true;
}

const struct connector_type connector_depot_local = {
	.id = "depot-local",
	.famille = "GED",
	.label = N_("Dépôt dans un dossier local (ou monté)"),
	.fields = depot_fields,
	.test = depot_test,
	.run = depot_run,
};
