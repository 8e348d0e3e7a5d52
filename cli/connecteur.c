/* liasse connecteur types|list|show|create|set|delete|associate|heriter|test|classification */
#include <getopt.h>
#include <openssl/sha.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "core/admin_connecteur.h"
#include "core/connector.h"
#include "core/dossier.h"
#include "core/http.h"

CLI_COMMAND(connecteur, 71, N_("configure les connecteurs (TdT, GED, purge...) et teste la connexion"))

static const char *const kind_names[] = { "texte", "nombre", "case", "choix", "secret", "fichier" };

static int
usage_all(void)
{
	return cli_usage(_("« liasse connecteur » attend : types, list [--entite ID], show ID, "
			   "create --entite ID --type TYPE [--famille F] LIBELLÉ, set ID CLÉ (VALEUR|--fichier F|--vide), "
			   "delete ID, associate --entite ID --type-dossier T --famille F (ID|--aucun) [--num N], "
			   "heriter --entite ID --type-dossier T|'*' oui|non, test ID, classification ID"));
}

static int
cmd_types(void)
{
	size_t n;
	const struct connector_type *const *t = connector_types(&n);
	for (size_t i = 0; i < n; i++) {
		printf("%s\t%s\t%s\n", t[i]->id, t[i]->famille, _(t[i]->label));
		for (const struct connector_field *f = t[i]->fields; f && f->id; f++)
			printf("\t%s\t%s%s\t%s%s%s%s\n", f->id, kind_names[f->kind], f->required ? _(", requis") : "",
			       _(f->label), f->def ? _(" (défaut : ") : "", f->def ? f->def : "", f->def ? ")" : "");
	}
	return EXIT_OK;
}

static int
print_rows(struct cli *cli, struct db *db, const char *sql, int np, const char *const *p)
{
	struct err err = { 0 };
	PGresult *r = db_query(db, sql, np, p, &err);
	if (!r)
		return cli_fail(cli, &err);
	for (int i = 0; i < PQntuples(r); i++) {
		for (int c = 0; c < PQnfields(r); c++)
			printf("%s%s", c ? "\t" : "", PQgetvalue(r, i, c));
		printf("\n");
	}
	PQclear(r);
	return EXIT_OK;
}

static int
cmd_set(struct cli *cli, struct db *db, int argc, char **argv)
{
	if (argc != 5)
		return usage_all();
	const char *id = argv[2], *key = argv[3], *val = argv[4];
	char *owned = NULL;
	struct err err = { 0 };
	if (strcmp(val, "--vide") == 0) {
		val = NULL;
	} else if (strncmp(val, "--fichier=", 10) == 0) {
		owned = connecteur_read_file(val + 10, &err);
		if (!owned)
			return cli_fail(cli, &err);
		val = owned;
	}
	bool ok = connecteur_set_value(db, strtoll(id, NULL, 10), key, val, &err);
	if (owned) {
		volatile char *v = owned;
		for (size_t i = 0; v[i]; i++)
			v[i] = 0;
		free(owned);
	}
	if (!ok && err.code == ERR_INPUT) {
		/* An unknown or invalid key: a usage error. */
		fprintf(stderr, _("liasse: %s (voir « liasse connecteur types »)\n"), err.msg);
		return EXIT_USAGE;
	}
	return ok ? EXIT_OK : cli_fail(cli, &err);
}

/* Tester la connexion: directly when we may read the secrets (owner),
 * otherwise through the daemon (up to 30 s). */
static int
cmd_test(struct cli *cli, struct db *db, const char *id)
{
	struct err err = { 0 };
	struct strbuf answer = STRBUF_INIT;
	bool ok;
	if (!connecteur_test(db, strtoll(id, NULL, 10), 30000, &ok, &answer, &err)) {
		sb_free(&answer);
		return cli_fail(cli, &err);
	}
	fprintf(ok ? stdout : stderr, ok ? "%s\n" : "liasse: %s\n", sb_str(&answer));
	sb_free(&answer);
	return ok ? EXIT_OK : EXIT_FAIL;
}

/* Fetches the current classification from S2LOW, loads its typology codes
 * for the connector's entity (and its sub-entities) and stores its
 * SHA-256: sending is refused once S2LOW's differs. */
static int
cmd_classification(struct cli *cli, struct db *db, const char *id)
{
	struct err err = { 0 };
	struct connector_config *cfg = connector_config_load(db, strtoll(id, NULL, 10), &err);
	if (!cfg)
		return cli_fail(cli, &err);
	if (strcmp(cfg->type, "s2low") != 0) {
		connector_config_free(&cfg);
		return cli_usage(_("« classification » ne concerne que les connecteurs s2low"));
	}
	struct http_opts o = { 0 };
	o.ca_pem = connector_config_get(cfg, "ca");
	o.cert_pem = connector_config_get(cfg, "certificat");
	o.key_pem = connector_config_get(cfg, "cle");
	o.key_password = connector_config_get(cfg, "cle_mot_de_passe");
	o.user = connector_config_get(cfg, "login");
	o.password = connector_config_get(cfg, "mot_de_passe");
	char url[1024];
	snprintf(url, sizeof url, "%s/modules/actes/actes_classification_fetch.php?api=1",
		 connector_config_get(cfg, "url") ? connector_config_get(cfg, "url") : "");
	struct http_response r;
	int64_t entite = cfg->entite_id;
	bool ok = http_request(&o, url, NULL, 0, &r, &err);
	connector_config_free(&cfg);
	if (!ok)
		return cli_fail(cli, &err);
	if (r.status != 200 || strncmp(r.body.data, "KO", 2) == 0 || !strstr(r.body.data, "RetourClassification")) {
		http_response_free(&r);
		err_set(&err, ERR_IO, _("S²LOW n'a pas renvoyé de classification."));
		return cli_fail(cli, &err);
	}
	unsigned char md[SHA256_DIGEST_LENGTH];
	char hex[2 * SHA256_DIGEST_LENGTH + 1];
	SHA256((const unsigned char *)r.body.data, r.body.len, md);
	for (int i = 0; i < SHA256_DIGEST_LENGTH; i++)
		snprintf(hex + 2 * i, 3, "%02x", md[i]);
	/* The codes it lists and its fingerprint, together or not at all. */
	const char *q[] = { id, hex };
	int n = 0;
	ok = db_begin(db, &err) && dossier_classification_load_data(db, entite, r.body.data, r.body.len, &n, &err) &&
	     db_exec(db, "SELECT liasse.connecteur_set($1::bigint, 'classification_sha256', $2)", 2, q, &err) &&
	     db_commit(db, &err);
	http_response_free(&r);
	if (!ok) {
		db_rollback(db);
		return cli_fail(cli, &err);
	}
	printf(_("Classification enregistrée (SHA-256 %s) : %d codes de typologie chargés.\n"), hex, n);
	return EXIT_OK;
}

int
cli_connecteur(struct cli *cli, int argc, char **argv)
{
	if (argc < 2)
		return usage_all();
	const char *sub = argv[1];
	if (strcmp(sub, "types") == 0)
		return cmd_types();
	static const char *const subs[] = { "list", "show", "create", "set", "delete", "associate",
					    "heriter", "test", "classification", NULL };
	bool known = false;
	for (int i = 0; subs[i]; i++)
		known |= strcmp(sub, subs[i]) == 0;
	if (!known)
		return usage_all();
	static const struct option lo[] = {
		{ "entite", required_argument, NULL, 'e' },
		{ "type", required_argument, NULL, 't' },
		{ "famille", required_argument, NULL, 'f' },
		{ "type-dossier", required_argument, NULL, 'd' },
		{ "num", required_argument, NULL, 'n' },
		{ "aucun", no_argument, NULL, 'a' },
		{ NULL, 0, NULL, 0 },
	};
	const char *entite = NULL, *type = NULL, *famille = NULL, *tdos = NULL, *num = "0";
	bool aucun = false;
	int c;
	/* "set ID KEY --fichier PATH" / "--vide" are values, not options. */
	if (strcmp(sub, "set") == 0) {
		if (argc == 6 && strcmp(argv[4], "--fichier") == 0) {
			static char buf[4096];
			snprintf(buf, sizeof buf, "--fichier=%s", argv[5]);
			argv[4] = buf;
			argc = 5;
		}
		struct db *db = cli_db_open(cli);
		if (!db)
			return EXIT_FAIL;
		int rc = cmd_set(cli, db, argc, argv);
		db_close(&db);
		return rc;
	}
	argc--; /* getopt sees the subcommand as argv[0] */
	argv++;
	optind = 0;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "", lo, NULL)) != -1) {
		switch (c) {
		case 'e': entite = optarg; break;
		case 't': type = optarg; break;
		case 'f': famille = optarg; break;
		case 'd': tdos = optarg; break;
		case 'n': num = optarg; break;
		case 'a': aucun = true; break;
		default: return cli_usage(_("option inconnue : « %s »"), argv[optind - 1]);
		}
	}
	int nargs = argc - optind;
	char **args = argv + optind;
	struct db *db = cli_db_open(cli);
	if (!db)
		return EXIT_FAIL;
	struct err err = { 0 };
	int rc = EXIT_OK;
	if (strcmp(sub, "list") == 0) {
		const char *p[] = { entite };
		rc = print_rows(cli, db,
			"SELECT c.id, c.entite_id, c.type, c.famille, c.libelle FROM liasse.connecteur c"
			" WHERE $1::bigint IS NULL OR c.entite_id = $1::bigint ORDER BY c.id", 1, p);
	} else if (strcmp(sub, "show") == 0 && nargs == 1) {
		const char *p[] = { args[0] };
		rc = print_rows(cli, db,
			"SELECT k, v FROM (SELECT 'id' k, id::text v, 0 o FROM liasse.connecteur WHERE id = $1::bigint"
			" UNION ALL SELECT 'type', type, 1 FROM liasse.connecteur WHERE id = $1::bigint"
			" UNION ALL SELECT 'famille', famille, 2 FROM liasse.connecteur WHERE id = $1::bigint"
			" UNION ALL SELECT 'libelle', libelle, 3 FROM liasse.connecteur WHERE id = $1::bigint"
			" UNION ALL SELECT key, value, 4 FROM liasse.connecteur, jsonb_each_text(config) WHERE id = $1::bigint"
			" UNION ALL SELECT s, '(secret enregistré)', 5 FROM unnest(liasse.connecteur_secrets_set($1::bigint)) s"
			" UNION ALL SELECT 'association', entite_id || ' ' || type_dossier || ' ' || famille || ' ' || num, 6"
			"  FROM liasse.connecteur_association WHERE connecteur_id = $1::bigint) x ORDER BY o, k", 1, p);
	} else if (strcmp(sub, "create") == 0 && nargs == 1 && entite && type) {
		const struct connector_type *t = connector_find(type);
		if (!t) {
			db_close(&db);
			return cli_usage(_("type de connecteur inconnu : « %s » (voir « liasse connecteur types »)"), type);
		}
		if (!famille)
			famille = t->famille;
		const char *p[] = { entite, type, famille, args[0] };
		rc = print_rows(cli, db, "SELECT liasse.connecteur_create($1::bigint, $2, $3, $4)", 4, p);
	} else if (strcmp(sub, "delete") == 0 && nargs == 1) {
		const char *p[] = { args[0] };
		if (!db_exec(db, "SELECT liasse.connecteur_delete($1::bigint)", 1, p, &err))
			rc = cli_fail(cli, &err);
	} else if (strcmp(sub, "associate") == 0 && entite && tdos && famille && (nargs == 1) != aucun) {
		const char *p[] = { entite, tdos, famille, aucun ? NULL : args[0], num };
		if (!db_exec(db, "SELECT liasse.connecteur_associate($1::bigint, $2, $3, $4::bigint, $5::integer)",
			     5, p, &err))
			rc = cli_fail(cli, &err);
	} else if (strcmp(sub, "heriter") == 0 && entite && tdos && nargs == 1 &&
		   (strcmp(args[0], "oui") == 0 || strcmp(args[0], "non") == 0)) {
		const char *p[] = { entite, tdos, strcmp(args[0], "oui") == 0 ? "t" : "f" };
		if (!db_exec(db, "SELECT liasse.connecteur_heriter($1::bigint, $2, $3::boolean)", 3, p, &err))
			rc = cli_fail(cli, &err);
	} else if (strcmp(sub, "test") == 0 && nargs == 1) {
		rc = cmd_test(cli, db, args[0]);
	} else if (strcmp(sub, "classification") == 0 && nargs == 1) {
		rc = cmd_classification(cli, db, args[0]);
	} else {
		rc = usage_all();
	}
	db_close(&db);
	return rc;
}
