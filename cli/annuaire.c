/* liasse annuaire import|list|add|edit|delete|groupes|groupe-create|
 * groupe-delete|membre|role-create: the address book of an entity. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "core/annuaire.h"
#include "core/csv_import.h"
#include "core/i18n.h"
#include "core/strbuf.h"

#define USAGE_ANNUAIRE                                                                         \
	N_("usage : liasse annuaire import [--entite ID] [--dry-run] [--creer-groupes] FICHIER.csv\n" \
	   "        liasse annuaire list --entite ID [--recherche TEXTE] [--groupe NOM]\n"         \
	   "        liasse annuaire add --entite ID [--groupe NOM]... ADRESSE [DESCRIPTION]\n"     \
	   "        liasse annuaire edit ID [--email ADRESSE] [--description TEXTE]\n"            \
	   "        liasse annuaire delete ID\n"                                                \
	   "        liasse annuaire groupes --entite ID\n"                                      \
	   "        liasse annuaire groupe-create --entite ID [--partage] NOM\n"               \
	   "        liasse annuaire groupe-delete ID\n"                                         \
	   "        liasse annuaire membre ajouter|retirer GROUPE_ID CONTACT_ID\n"              \
	   "        liasse annuaire role-create --entite ID --role RÔLE [--cible ID] [--partage] NOM")

static bool
read_file(const char *path, char **data, size_t *len, struct err *err)
{
	/* More than the limit is kept as limit + 1 bytes: the import says
	 * the file is too big. */
	struct strbuf sb = STRBUF_INIT;
	if (sb_read_file(&sb, path, CSV_IMPORT_MAX_BYTES) < 0) {
		int e = errno;
		sb_free(&sb);
		return err_set(err, ERR_IO, _("Impossible de lire « %s » : %s."), path, strerror(e));
	}
	*len = sb.len;
	*data = sb_take(&sb);
	return true;
}

static void
print_report(const char *path, const struct csv_import *imp, const struct annuaire_import_totals *t,
	     bool offline, bool dry_run)
{
	printf(_("Fichier : %s (%s, séparateur « %c »)%s\n"), path, imp->encoding, imp->sep,
	       imp->header ? _(", ligne d'en-tête ignorée") : "");
	for (size_t i = 0; i < imp->n; i++) {
		const struct csv_line *l = &imp->lines[i];
		const char *what;
		switch (l->status) {
		case CSV_LINE_IMPORTED: what = dry_run ? _("à créer") : _("importé"); break;
		case CSV_LINE_UPDATED: what = dry_run ? _("à mettre à jour") : _("mis à jour"); break;
		case CSV_LINE_REFUSED: what = _("refusé"); break;
		default: what = _("à importer"); break;
		}
		printf(_("ligne %d : %s"), l->lineno, what);
		if (l->status == CSV_LINE_REFUSED) {
			fputs(" : ", stdout);
			cli_put_clean(l->reason ? l->reason : "");
		} else {
			fputs(" : ", stdout);
			cli_put_clean(l->email);
			if (l->description[0]) {
				fputs(" (", stdout);
				cli_put_clean(l->description);
				putchar(')');
			}
			if (l->ngroupes) {
				fputs(_(" ; groupes : "), stdout);
				for (size_t k = 0; k < l->ngroupes; k++) {
					if (k)
						fputs(", ", stdout);
					cli_put_clean(l->groupes[k]);
				}
			}
			if (l->note) {
				fputs(dry_run ? _(" ; groupes à créer : ") : _(" ; groupes créés : "), stdout);
				cli_put_clean(l->note);
			}
		}
		putchar('\n');
	}
	if (offline)
		printf(_("Bilan (simulation sans base) : %d ligne(s) à importer, %d refusée(s), %d groupe(s) à créer.\n"),
		       t->valid, t->refused, t->groups_created);
	else
		printf(dry_run ? _("Bilan (simulation, rien n'a été enregistré) : %d à créer, %d à mettre à jour, %d refusée(s), %d groupe(s) à créer.\n")
			       : _("Bilan : %d contact(s) créé(s), %d mis à jour, %d ligne(s) refusée(s), %d groupe(s) créé(s).\n"),
		       t->imported, t->updated, t->refused, t->groups_created);
}

static int
cmd_import(struct cli *cli, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "entite", required_argument, NULL, 'e' },
		{ "dry-run", no_argument, NULL, 'n' },
		{ "creer-groupes", no_argument, NULL, 'g' },
		{ NULL, 0, NULL, 0 },
	};
	long long entite = 0;
	bool dry = false, creer = false;
	int c;
	optind = 0;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (c == 'n')
			dry = true;
		else if (c == 'g')
			creer = true;
		else if (c != 'e' || !cli_parse_id(optarg, &entite))
			return cli_usage("%s", _(USAGE_ANNUAIRE));
	}
	if (optind != argc - 1)
		return cli_usage(_("« liasse annuaire import » attend un fichier CSV\n%s"), _(USAGE_ANNUAIRE));
	if (!entite && !dry)
		return cli_usage(_("--entite ID est obligatoire (sauf avec --dry-run)"));
	const char *path = argv[optind];
	struct err err = { 0 };
	char *data = NULL;
	size_t len = 0;
	if (!read_file(path, &data, &len, &err))
		return cli_fail(cli, &err);
	struct csv_import *imp = csv_import_parse(data, len, &err);
	free(data);
	if (!imp)
		return cli_fail(cli, &err);
	struct annuaire_import_totals t;
	struct db *db = NULL;
	if (entite) {
		db = dry ? db_open(cli->conninfo, &err) : cli_db_open(cli);
		if (!db && !dry) {
			csv_import_free(&imp);
			return EXIT_FAIL;
		}
		if (!db)
			fprintf(stderr, _("liasse: base inaccessible (%s) : simulation sans base, tous les groupes sont considérés inconnus.\n"),
				err.msg);
	}
	int rc = EXIT_OK;
	if (db) {
		if (!annuaire_import(db, entite, imp, creer, dry, &t, &err))
			rc = cli_fail(cli, &err);
		else
			print_report(path, imp, &t, false, dry);
		db_close(&db);
	} else {
		annuaire_import_offline(imp, creer, &t);
		print_report(path, imp, &t, true, true);
	}
	if (rc == EXIT_OK && t.refused)
		rc = EXIT_FAIL;
	csv_import_free(&imp);
	return rc;
}

/* Runs SQL and prints rows tab-separated. */
static int
print_query(struct cli *cli, struct db *db, const char *sql, int n, const char *const *p)
{
	struct err err = { 0 };
	PGresult *r = db_query(db, sql, n, p, &err);
	if (!r)
		return cli_fail(cli, &err);
	for (int i = 0; i < PQntuples(r); i++) {
		for (int j = 0; j < PQnfields(r); j++) {
			if (j)
				putchar('\t');
			cli_put_clean(PQgetvalue(r, i, j));
		}
		putchar('\n');
	}
	PQclear(r);
	return EXIT_OK;
}

static int
run_sql(struct cli *cli, struct db *db, const char *sql, int n, const char *const *p, bool print)
{
	if (print)
		return print_query(cli, db, sql, n, p);
	struct err err = { 0 };
	if (!db_exec(db, sql, n, p, &err))
		return cli_fail(cli, &err);
	return EXIT_OK;
}

CLI_COMMAND(annuaire, 55, N_("carnet d'adresses du mail sécurisé : contacts, groupes, import CSV"))

int
cli_annuaire(struct cli *cli, int argc, char **argv)
{
	if (argc < 2)
		return cli_usage("%s", _(USAGE_ANNUAIRE));
	const char *sub = argv[1];
	if (strcmp(sub, "import") == 0)
		return cmd_import(cli, argc - 1, argv + 1);
	static const struct option opts[] = {
		{ "entite", required_argument, NULL, 'e' },
		{ "recherche", required_argument, NULL, 'q' },
		{ "groupe", required_argument, NULL, 'g' },
		{ "email", required_argument, NULL, 'm' },
		{ "description", required_argument, NULL, 'd' },
		{ "partage", no_argument, NULL, 'p' },
		{ "role", required_argument, NULL, 'r' },
		{ "cible", required_argument, NULL, 'c' },
		{ NULL, 0, NULL, 0 },
	};
	long long entite = 0, cible = 0;
	const char *q = NULL, *email = NULL, *desc = NULL, *role = NULL;
	struct strbuf groupes = STRBUF_INIT;
	const char *groupe = NULL;
	bool partage = false;
	int c;
	optind = 0;
	int sargc = argc - 1;
	char **sargv = argv + 1;
	while ((c = getopt_long(sargc, sargv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'e':
			if (!cli_parse_id(optarg, &entite))
				return cli_usage(_("identifiant d'entité invalide : « %s »"), optarg);
			break;
		case 'c':
			if (!cli_parse_id(optarg, &cible))
				return cli_usage(_("identifiant d'entité invalide : « %s »"), optarg);
			break;
		case 'q': q = optarg; break;
		case 'g':
			groupe = optarg;
			sb_addc(&groupes, groupes.len ? ',' : '{');
			annuaire_array_elem(&groupes, optarg);
			break;
		case 'm': email = optarg; break;
		case 'd': desc = optarg; break;
		case 'p': partage = true; break;
		case 'r': role = optarg; break;
		default:
			sb_free(&groupes);
			return cli_usage("%s", _(USAGE_ANNUAIRE));
		}
	}
	sb_add(&groupes, groupes.len ? "}" : "{}");
	int npos = sargc - optind;
	char **pos = sargv + optind;
	char ent[32], cib[32];
	snprintf(ent, sizeof ent, "%lld", entite);
	snprintf(cib, sizeof cib, "%lld", cible ? cible : entite);
	long long id = 0, id2 = 0;
	const char *sql = NULL;
	const char *p[5] = { NULL };
	int n = 0;
	bool print = false, need_entite = false;
	if (!strcmp(sub, "list") && npos == 0) {
		need_entite = print = true;
		sql = "SELECT id, email, description, groupes FROM liasse.annuaire_contacts($1, $2, $3)";
		p[0] = ent, p[1] = q, p[2] = groupe, n = 3;
	} else if (!strcmp(sub, "add") && (npos == 1 || npos == 2)) {
		need_entite = print = true;
		sql = "SELECT id FROM liasse.annuaire_contact_save($1, $2, $3, $4::text[], false)";
		p[0] = ent, p[1] = pos[0], p[2] = npos == 2 ? pos[1] : "", p[3] = sb_str(&groupes), n = 4;
	} else if (!strcmp(sub, "edit") && npos == 1 && cli_parse_id(pos[0], &id) && (email || desc)) {
		sql = "SELECT liasse.annuaire_contact_update($1, $2, $3)";
		p[0] = pos[0], p[1] = email, p[2] = desc, n = 3;
	} else if (!strcmp(sub, "delete") && npos == 1 && cli_parse_id(pos[0], &id)) {
		sql = "SELECT liasse.annuaire_contact_delete($1)";
		p[0] = pos[0], n = 1;
	} else if (!strcmp(sub, "groupes") && npos == 0) {
		need_entite = print = true;
		sql = "SELECT id, kind, libelle, membres, CASE WHEN partage THEN 'partagé' ELSE '' END "
		      "FROM liasse.annuaire_groupes($1)";
		p[0] = ent, n = 1;
	} else if (!strcmp(sub, "groupe-create") && npos == 1) {
		need_entite = print = true;
		sql = "SELECT liasse.annuaire_groupe_create($1, $2, $3)";
		p[0] = ent, p[1] = pos[0], p[2] = partage ? "true" : "false", n = 3;
	} else if (!strcmp(sub, "groupe-delete") && npos == 1 && cli_parse_id(pos[0], &id)) {
		sql = "SELECT liasse.annuaire_groupe_delete($1)";
		p[0] = pos[0], n = 1;
	} else if (!strcmp(sub, "membre") && npos == 3 && cli_parse_id(pos[1], &id) &&
		   cli_parse_id(pos[2], &id2) && (!strcmp(pos[0], "ajouter") || !strcmp(pos[0], "retirer"))) {
		sql = "SELECT liasse.annuaire_membre($1, $2, $3)";
		p[0] = pos[1], p[1] = pos[2], p[2] = strcmp(pos[0], "ajouter") ? "false" : "true", n = 3;
	} else if (!strcmp(sub, "role-create") && npos == 1 && role) {
		need_entite = print = true;
		sql = "SELECT liasse.annuaire_role_create($1, $2, $3, $4, $5)";
		p[0] = ent, p[1] = pos[0], p[2] = role, p[3] = cib, p[4] = partage ? "true" : "false", n = 5;
	} else {
		sb_free(&groupes);
		return cli_usage(_("« liasse annuaire %s » : arguments invalides\n%s"), sub, _(USAGE_ANNUAIRE));
	}
	if (need_entite && !entite) {
		sb_free(&groupes);
		return cli_usage(_("--entite ID est obligatoire pour « annuaire %s »"), sub);
	}
	struct db *db = cli_db_open(cli);
	int rc = EXIT_FAIL;
	if (db) {
		rc = run_sql(cli, db, sql, n, p, print);
		db_close(&db);
	}
	sb_free(&groupes);
	return rc;
}
