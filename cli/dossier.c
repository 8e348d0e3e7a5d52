/* liasse dossier create|show|set|attach|detach|get|action|list|counts|
 * history|journal|batch|migrate|signer|typologies|classification: dossiers
 * from scripts and tests.
 * Output is stable: "clé: valeur" lines for one object, tab-separated
 * rows for lists (meta lines start with "# "); --json where useful. */
#include <getopt.h>
#include <inttypes.h>
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/signing.h"
#include "core/dossier.h"
#include "core/i18n.h"
#include "core/search.h"
#include "core/strbuf.h"

CLI_COMMAND(dossier, 45,
	    N_("crée, modifie, fait avancer, liste et cherche les dossiers (dossier help)"))

struct opts {
	int64_t entite;
	const char *type, *titre, *message, *etat, *passe_par, *depuis, *jusqu_a, *jamais;
	const char *recherche, *tri, *apres, *nom;
	int version, limite;
	bool sous_entites, json, actions;
};

static bool
parse_id(const char *s, int64_t *out)
{
	char *end;
	if (!s || !*s)
		return false;
	long long v = strtoll(s, &end, 10);
	if (*end || v <= 0)
		return false;
	*out = v;
	return true;
}

static int
bad_id(const char *s)
{
	return cli_usage(_("identifiant de dossier invalide : « %s »"), s ? s : "");
}

/* Parses options; leaves the positional arguments in argv[optind..]. */
static int
parse_opts(int argc, char **argv, struct opts *o)
{
	static const struct option lo[] = {
		{ "entite", required_argument, NULL, 'e' },
		{ "type", required_argument, NULL, 't' },
		{ "titre", required_argument, NULL, 'T' },
		{ "message", required_argument, NULL, 'm' },
		{ "version", required_argument, NULL, 'V' },
		{ "sous-entites", no_argument, NULL, 's' },
		{ "etat", required_argument, NULL, 'E' },
		{ "passe-par", required_argument, NULL, 'p' },
		{ "depuis", required_argument, NULL, 'd' },
		{ "jusqu-a", required_argument, NULL, 'j' },
		{ "jamais", required_argument, NULL, 'J' },
		{ "recherche", required_argument, NULL, 'r' },
		{ "tri", required_argument, NULL, 'o' },
		{ "apres", required_argument, NULL, 'a' },
		{ "limite", required_argument, NULL, 'l' },
		{ "nom", required_argument, NULL, 'n' },
		{ "json", no_argument, NULL, 'J' + 256 },
		{ "actions", no_argument, NULL, 'A' },
		{ NULL, 0, NULL, 0 },
	};
	memset(o, 0, sizeof(*o));
	o->version = -1;
	o->limite = 20;
	optind = 0;
	opterr = 0;
	int c;
	while ((c = getopt_long(argc, argv, "", lo, NULL)) != -1) {
		switch (c) {
		case 'e':
			if (!parse_id(optarg, &o->entite))
				return cli_usage(_("entité invalide : « %s »"), optarg);
			break;
		case 't': o->type = optarg; break;
		case 'T': o->titre = optarg; break;
		case 'm': o->message = optarg; break;
		case 'V':
			o->version = atoi(optarg);
			if (o->version <= 0)
				return cli_usage(_("version invalide : « %s »"), optarg);
			break;
		case 's': o->sous_entites = true; break;
		case 'E': o->etat = optarg; break;
		case 'p': o->passe_par = optarg; break;
		case 'd': o->depuis = optarg; break;
		case 'j': o->jusqu_a = optarg; break;
		case 'J': o->jamais = optarg; break;
		case 'r': o->recherche = optarg; break;
		case 'o': o->tri = optarg; break;
		case 'a': o->apres = optarg; break;
		case 'n': o->nom = optarg; break;
		case 'l':
			o->limite = atoi(optarg);
			if (o->limite <= 0 || o->limite > 1000)
				return cli_usage(_("limite invalide : « %s » (1 à 1000)"), optarg);
			break;
		case 'J' + 256: o->json = true; break;
		case 'A': o->actions = true; break;
		default:
			return cli_usage(_("option inconnue ou incomplète : « %s »"), argv[optind - 1]);
		}
	}
	return EXIT_OK;
}

static void
print_kv_json(json_object *d, const char *key, const char *label)
{
	json_object *v;
	if (json_object_object_get_ex(d, key, &v))
		printf("%s: %s\n", label, json_object_is_type(v, json_type_null) ? ""
							 : json_object_get_string(v));
}

static int
cmd_show(struct cli *cli, struct db *db, int64_t id, bool as_json)
{
	struct err err = { 0 };
	char *js = dossier_detail_json(db, id, &err);
	if (!js)
		return cli_fail(cli, &err);
	PGresult *bords = dossier_bordereaux(db, id, &err);
	int nb = bords ? PQntuples(bords) : 0;
	if (as_json && nb == 0) {
		printf("%s\n", js);
		free(js);
		PQclear(bords);
		return EXIT_OK;
	}
	json_object *d = json_tokener_parse(js);
	free(js);
	if (!d) {
		PQclear(bords);
		return EXIT_FAIL;
	}
	if (as_json) {
		static const char *const bk[] = { "champ", "n", "id_bord", "exer", "typ_bord",
						  "dte_bord_em", "nbr_pce", "montant", "champ_montant" };
		json_object *arr = json_object_new_array();
		for (int k = 0; k < nb; k++) {
			json_object *o = json_object_new_object();
			for (int j = 0; j < 9; j++)
				json_object_object_add(o, bk[j], j == 1
					? json_object_new_int(atoi(PQgetvalue(bords, k, j)))
					: json_object_new_string(PQgetvalue(bords, k, j)));
			json_object_array_add(arr, o);
		}
		json_object_object_add(d, "bordereaux", arr);
		printf("%s\n", json_object_to_json_string_ext(d, JSON_C_TO_STRING_PLAIN));
		json_object_put(d);
		PQclear(bords);
		return EXIT_OK;
	}
	static const char *const keys[][2] = {
		{ "id", "id" }, { "entite_id", "entite_id" }, { "entite", "entite" },
		{ "type", "type" }, { "type_version", "type_version" },
		{ "type_version_courante", "type_version_courante" }, { "titre", "titre" },
		{ "etat", "etat" }, { "etat_label", "etat_libelle" }, { "etat_at", "etat_date" },
		{ "version", "version" }, { "created_by", "cree_par" }, { "created_at", "cree_le" },
		{ "modified_by", "modifie_par" }, { "modified_at", "modifie_le" },
	};
	for (size_t k = 0; k < sizeof(keys) / sizeof(keys[0]); k++)
		print_kv_json(d, keys[k][0], keys[k][1]);
	json_object *vals, *files, *acts, *jobs;
	if (json_object_object_get_ex(d, "valeurs", &vals)) {
		json_object_object_foreach(vals, champ, arr)
		{
			for (size_t k = 0; k < json_object_array_length(arr); k++)
				printf("valeur: %s=%s\n", champ,
				       json_object_get_string(json_object_array_get_idx(arr, k)));
		}
	}
	if (json_object_object_get_ex(d, "fichiers", &files)) {
		for (size_t k = 0; k < json_object_array_length(files); k++) {
			json_object *f = json_object_array_get_idx(files, k), *x;
			const char *fk[] = { "champ", "n", "nom", "mime", "taille", "sha256" };
			fputs("fichier:", stdout);
			for (size_t j = 0; j < 6; j++) {
				json_object_object_get_ex(f, fk[j], &x);
				printf("%s%s", j ? "\t" : " ", x ? json_object_get_string(x) : "");
			}
			putchar('\n');
		}
	}
	for (int k = 0; k < nb; k++)
		printf("bordereau: IdBord=%s Exer=%s TypBord=%s DteBordEm=%s NbrPce=%s Montant=%s "
		       "ChampMontant=%s\n",
		       PQgetvalue(bords, k, 2), PQgetvalue(bords, k, 3), PQgetvalue(bords, k, 4),
		       PQgetvalue(bords, k, 5), PQgetvalue(bords, k, 6), PQgetvalue(bords, k, 7),
		       PQgetvalue(bords, k, 8));
	PQclear(bords);
	if (json_object_object_get_ex(d, "actions", &acts)) {
		for (size_t k = 0; k < json_object_array_length(acts); k++) {
			json_object *a = json_object_array_get_idx(acts, k), *i, *l;
			json_object_object_get_ex(a, "id", &i);
			json_object_object_get_ex(a, "label", &l);
			printf("action: %s\t%s\n", json_object_get_string(i), json_object_get_string(l));
		}
	}
	if (json_object_object_get_ex(d, "jobs", &jobs)) {
		for (size_t k = 0; k < json_object_array_length(jobs); k++) {
			json_object *a = json_object_array_get_idx(jobs, k), *i;
			json_object_object_get_ex(a, "action", &i);
			printf("programme: %s\n", json_object_get_string(i));
		}
	}
	json_object_put(d);
	return EXIT_OK;
}

static void
print_rows(PGresult *r)
{
	for (int i = 0; i < PQntuples(r); i++) {
		for (int j = 0; j < PQnfields(r); j++) {
			/* Tabs and newlines would break the columns. */
			const char *s = PQgetvalue(r, i, j);
			if (j)
				putchar('\t');
			for (; *s; s++)
				putchar(*s == '\t' || *s == '\n' || *s == '\r' ? ' ' : *s);
		}
		putchar('\n');
	}
}

/* Rows as a JSON array of objects named KEYS: SQL NULL as null, integer
 * columns (int2, int4, int8) as numbers. */
static json_object *
rows_json(PGresult *r, const char *const *keys)
{
	json_object *a = json_object_new_array();
	for (int i = 0; i < PQntuples(r); i++) {
		json_object *row = json_object_new_object();
		for (int j = 0; j < PQnfields(r); j++) {
			const char *v = PQgetvalue(r, i, j);
			Oid t = PQftype(r, j);
			json_object *jv = PQgetisnull(r, i, j) ? NULL
					  : t == 20 || t == 21 || t == 23
					  ? json_object_new_int64(strtoll(v, NULL, 10))
					  : json_object_new_string(v);
			json_object_object_add(row, keys[j], jv);
		}
		json_object_array_add(a, row);
	}
	return a;
}

/* history --json: {"dossier": ID, "etats": [...], "journal": [...]}. */
static int
cmd_history_json(struct cli *cli, struct db *db, int64_t id)
{
	static const char *const hk[] = { "date", "etat", "etat_libelle", "action",
					  "utilisateur", "message" };
	static const char *const jk[] = { "id", "date", "type", "utilisateur", "action",
					  "message" };
	struct err err = { 0 };
	PGresult *h = dossier_history(db, id, &err);
	if (!h)
		return cli_fail(cli, &err);
	PGresult *j = dossier_journal(db, id, &err);
	if (!j) {
		PQclear(h);
		return cli_fail(cli, &err);
	}
	json_object *top = json_object_new_object();
	json_object_object_add(top, "dossier", json_object_new_int64(id));
	json_object_object_add(top, "etats", rows_json(h, hk));
	json_object_object_add(top, "journal", rows_json(j, jk));
	printf("%s\n", json_object_to_json_string_ext(top, JSON_C_TO_STRING_PLAIN));
	json_object_put(top);
	PQclear(h);
	PQclear(j);
	return EXIT_OK;
}

static int
cmd_list(struct cli *cli, struct db *db, const struct opts *o)
{
	struct dossier_filter f = {
		.entite = o->entite, .sous_entites = o->sous_entites, .type = o->type,
		.etat = o->etat, .passe_par = o->passe_par, .depuis = o->depuis,
		.jusqu_a = o->jusqu_a, .jamais = o->jamais, .recherche = o->recherche, .tri = o->tri,
	};
	struct err err = { 0 };
	PGresult *r = search_page(db, &f, o->apres, o->limite, &err);
	if (!r)
		return cli_fail(cli, &err);
	long long total = 0;
	bool est = false;
	if (!search_total(db, &f, &total, &est, &err)) {
		PQclear(r);
		return cli_fail(cli, &err);
	}
	int n = PQntuples(r);
	if (o->json) {
		json_object *a = json_object_new_array();
		for (int i = 0; i < n; i++) {
			json_object *row = json_object_new_object();
			for (int j = 0; j < PQnfields(r); j++)
				json_object_object_add(row, PQfname(r, j),
						       json_object_new_string(PQgetvalue(r, i, j)));
			json_object_array_add(a, row);
		}
		json_object *top = json_object_new_object();
		json_object_object_add(top, "dossiers", a);
		json_object_object_add(top, "total", json_object_new_int64(total));
		json_object_object_add(top, "estime", json_object_new_boolean(est));
		if (n == o->limite)
			json_object_object_add(top, "suivant",
					       json_object_new_string(PQgetvalue(r, n - 1, 10)));
		printf("%s\n", json_object_to_json_string_ext(top, JSON_C_TO_STRING_PLAIN));
		json_object_put(top);
		PQclear(r);
		return EXIT_OK;
	}
	for (int i = 0; i < n; i++) {
		/* id, entite, type, etat, date, titre */
		const char *s = PQgetvalue(r, i, 4);
		printf("%s\t%s\t%s\t%s\t%s\t", PQgetvalue(r, i, 0), PQgetvalue(r, i, 2),
		       PQgetvalue(r, i, 3), PQgetvalue(r, i, 5), PQgetvalue(r, i, 7));
		for (; *s; s++)
			putchar(*s == '\t' || *s == '\n' || *s == '\r' ? ' ' : *s);
		putchar('\n');
	}
	if (n > 0)
		printf(_("# %d dossier(s) sur %s%lld\n"), n, est ? "~" : "", total);
	else
		printf(_("# aucun dossier (sur %s%lld)\n"), est ? "~" : "", total);
	if (n == o->limite)
		printf("# suivant: %s\n", PQgetvalue(r, n - 1, 10));
	PQclear(r);
	return EXIT_OK;
}

static int
cmd_batch(struct cli *cli, struct db *db, const struct opts *o, int argc, char **argv)
{
	/* batch ACTION ID...   or   batch --actions ID... */
	int first = o->actions ? 0 : 1;
	if (argc <= first)
		return cli_usage(_("« dossier batch » attend une action et des identifiants "
				   "(ou --actions et des identifiants)"));
	size_t n = (size_t)(argc - first);
	int64_t *ids = xcalloc(n, sizeof(*ids));
	for (size_t k = 0; k < n; k++) {
		if (!parse_id(argv[first + (int)k], &ids[k])) {
			free(ids);
			return bad_id(argv[first + (int)k]);
		}
	}
	struct err err = { 0 };
	PGresult *r = o->actions ? dossier_batch_actions(db, ids, n, &err)
				 : dossier_batch(db, ids, n, argv[0], o->message, &err);
	free(ids);
	if (!r)
		return cli_fail(cli, &err);
	int rc = EXIT_OK;
	if (o->actions) {
		print_rows(r);
	} else {
		for (int i = 0; i < PQntuples(r); i++) {
			bool ok = strcmp(PQgetvalue(r, i, 1), "t") == 0;
			printf("%s\t%s\t%s\n", PQgetvalue(r, i, 0), ok ? "ok" : _("échec"),
			       ok ? PQgetvalue(r, i, 2) : PQgetvalue(r, i, 3));
			if (!ok)
				rc = EXIT_FAIL;
		}
	}
	PQclear(r);
	return rc;
}

static int
cmd_get(struct cli *cli, struct db *db, int64_t id, int argc, char **argv)
{
	/* get ID CHAMP [N] OUT */
	if (argc < 3 || argc > 4)
		return cli_usage(_("« dossier get » attend ID CHAMP [N] FICHIER_SORTIE"));
	int n = argc == 4 ? atoi(argv[2]) : 0;
	const char *out = argv[argc - 1];
	FILE *fp = strcmp(out, "-") == 0 ? stdout : fopen(out, "wb");
	struct err err = { 0 };
	if (!fp) {
		err_set(&err, ERR_IO, _("Impossible d'écrire « %s »."), out);
		return cli_fail(cli, &err);
	}
	char sha[65], name[256];
	bool ok = dossier_download(db, id, argv[1], n, fp, sha, name, sizeof(name), &err);
	if (fp != stdout && fclose(fp) != 0 && ok)
		ok = err_set(&err, ERR_IO, _("Écriture de « %s » impossible."), out);
	if (!ok) {
		if (fp != stdout)
			remove(out);
		return cli_fail(cli, &err);
	}
	if (fp != stdout)
		printf("nom: %s\nsha256: %s\n", name, sha);
	return EXIT_OK;
}

static int
usage_dossier(void)
{
	return cli_usage(_("« liasse dossier » attend : create, show, set, attach, detach, get, "
			   "action, signer, list, counts, history, journal, batch, migrate, "
			   "typologies, classification"));
}

/* Subcommands that need a dossier id as first argument. */
static int
with_id(struct cli *cli, struct db *db, const char *sub, const struct opts *o, int argc,
	char **argv)
{
	if (argc < 1)
		return cli_usage(_("« dossier %s » attend un identifiant de dossier"), sub);
	int64_t id;
	if (!parse_id(argv[0], &id))
		return bad_id(argv[0]);
	struct err err = { 0 };
	int version = 0;
	if (strcmp(sub, "show") == 0)
		return cmd_show(cli, db, id, o->json);
	if (strcmp(sub, "get") == 0)
		return cmd_get(cli, db, id, argc, argv);
	if (strcmp(sub, "set") == 0) {
		if (argc < 2)
			return cli_usage(_("« dossier set » attend ID champ=valeur..."));
		size_t n = (size_t)(argc - 1);
		const char **k = xcalloc(n, sizeof(*k));
		const char **v = xcalloc(n, sizeof(*v));
		char **tmp = xcalloc(n, sizeof(*tmp));
		int rc = EXIT_OK;
		for (size_t i = 0; i < n; i++) {
			tmp[i] = xstrdup(argv[i + 1]);
			char *eq = strchr(tmp[i], '=');
			if (!eq || eq == tmp[i]) {
				rc = cli_usage(_("« %s » : attendu champ=valeur"), argv[i + 1]);
				break;
			}
			*eq = '\0';
			k[i] = tmp[i];
			v[i] = eq + 1;
		}
		if (rc == EXIT_OK) {
			if (dossier_set(db, id, o->version, n, k, v, &version, &err))
				printf("version: %d\n", version);
			else
				rc = cli_fail(cli, &err);
		}
		for (size_t i = 0; i < n; i++)
			free(tmp[i]);
		free(tmp);
		free(k);
		free(v);
		return rc;
	}
	if (strcmp(sub, "attach") == 0) {
		if (argc != 3)
			return cli_usage(_("« dossier attach » attend ID CHAMP FICHIER"));
		struct dossier_attach_result res;
		if (!dossier_attach(db, id, o->version, argv[1], argv[2], o->nom, &res, &err))
			return cli_fail(cli, &err);
		printf("fichier: %" PRId64 "\nmime: %s\ntaille: %lld\nsha256: %s\nversion: %d\n"
		       "etat: %s\n",
		       res.fichier_id, res.mime, res.taille, res.sha256, res.version, res.etat);
		if (res.n_extracted)
			printf("extraits: %d\n", res.n_extracted);
		return EXIT_OK;
	}
	if (strcmp(sub, "detach") == 0) {
		if (argc < 2 || argc > 3)
			return cli_usage(_("« dossier detach » attend ID CHAMP [N]"));
		if (!dossier_detach(db, id, o->version, argv[1], argc == 3 ? atoi(argv[2]) : 0,
				    &version, &err))
			return cli_fail(cli, &err);
		printf("version: %d\n", version);
		return EXIT_OK;
	}
	if (strcmp(sub, "action") == 0) {
		if (argc != 2)
			return cli_usage(_("« dossier action » attend ID ACTION"));
		struct dossier_action_result res;
		if (!dossier_action(db, id, argv[1], o->version, o->message, &res, &err))
			return cli_fail(cli, &err);
		printf("etat: %s\netat_libelle: %s\nversion: %d\n", res.etat, res.etat_label,
		       res.version);
		if (res.programme)
			printf(_("programme: %s\n"), argv[1]);
		return EXIT_OK;
	}
	if (strcmp(sub, "migrate") == 0) {
		if (!dossier_migrate(db, id, o->version, &version, &err))
			return cli_fail(cli, &err);
		printf("version: %d\n", version);
		return EXIT_OK;
	}
	if (strcmp(sub, "history") == 0 && o->json)
		return cmd_history_json(cli, db, id);
	PGresult *r = strcmp(sub, "history") == 0 ? dossier_history(db, id, &err)
						   : dossier_journal(db, id, &err);
	if (!r)
		return cli_fail(cli, &err);
	print_rows(r);
	PQclear(r);
	return EXIT_OK;
}

int
cli_dossier(struct cli *cli, int argc, char **argv)
{
	if (argc < 2 || strcmp(argv[1], "help") == 0)
		return usage_dossier();
	const char *sub = argv[1];
	if (strcmp(sub, "signer") == 0)
		return cli_dossier_signer(cli, argc - 1, argv + 1);
	static const char *const subs[] = { "create", "show",   "set",     "attach", "detach",
					    "get",    "action", "list",    "counts", "history",
					    "journal", "batch", "migrate", "typologies",
					    "classification" };
	bool known = false;
	for (size_t k = 0; k < sizeof(subs) / sizeof(subs[0]); k++)
		known |= strcmp(sub, subs[k]) == 0;
	if (!known)
		return cli_usage(_("sous-commande inconnue : « dossier %s »"), sub);
	struct opts o;
	int rc = parse_opts(argc - 1, argv + 1, &o);
	if (rc != EXIT_OK)
		return rc;
	int pargc = argc - 1 - optind;
	char **pargv = argv + 1 + optind;
	if (strcmp(sub, "create") == 0 && (!o.entite || !o.type))
		return cli_usage(_("« dossier create » attend --entite ID et --type TYPE"));
	if ((strcmp(sub, "counts") == 0 || strcmp(sub, "typologies") == 0 ||
	     strcmp(sub, "classification") == 0) && !o.entite)
		return cli_usage(_("« dossier %s » attend --entite ID"), sub);
	if (strcmp(sub, "typologies") == 0 && (pargc != 1 || !strchr("123456", pargv[0][0]) ||
					       pargv[0][1]))
		return cli_usage(_("« dossier typologies » attend la nature de l'acte (1 à 6)"));
	if (strcmp(sub, "classification") == 0 && pargc != 1)
		return cli_usage(_("« dossier classification » attend le fichier de classification"));
	struct db *db = cli_db_open(cli);
	if (!db)
		return EXIT_FAIL;
	struct err err = { 0 };
	if (strcmp(sub, "create") == 0) {
		int64_t id;
		if (dossier_create(db, o.entite, o.type, o.titre, &id, &err))
			printf("%" PRId64 "\n", id);
		else
			rc = cli_fail(cli, &err);
	} else if (strcmp(sub, "list") == 0) {
		rc = cmd_list(cli, db, &o);
	} else if (strcmp(sub, "counts") == 0) {
		PGresult *r = search_counts(db, o.entite, o.sous_entites, &err);
		if (r)
			print_rows(r);
		else
			rc = cli_fail(cli, &err);
		PQclear(r);
	} else if (strcmp(sub, "typologies") == 0) {
		PGresult *r = dossier_typologies(db, o.entite, atoi(pargv[0]), &err);
		if (r)
			print_rows(r);
		else
			rc = cli_fail(cli, &err);
		PQclear(r);
	} else if (strcmp(sub, "classification") == 0) {
		int n = 0;
		if (dossier_classification_load(db, o.entite, pargv[0], &n, &err))
			printf("codes: %d\n", n);
		else
			rc = cli_fail(cli, &err);
	} else if (strcmp(sub, "batch") == 0) {
		rc = cmd_batch(cli, db, &o, pargc, pargv);
	} else {
		rc = with_id(cli, db, sub, &o, pargc, pargv);
	}
	db_close(&db);
	return rc;
}
