/* liasse entite list|show|create|modifier|move|activer|desactiver */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "core/entite.h"
#include "core/i18n.h"
#include "core/sign_profil.h"

#define USAGE_ENTITE                                                                       \
	N_("usage : liasse entite list [--sous ID] [--arbre]\n"                            \
	   "        liasse entite show ID\n"                                               \
	   "        liasse entite create --parent ID --type TYPE [--siren N] [--siret N] "  \
	   "DÉNOMINATION\n"                                                                \
	   "        liasse entite modifier ID [--denomination D] [--siren N] [--siret N]\n" \
	   "                 [--ville V --code-postal CP]\n"                               \
	   "        liasse entite move ID NOUVELLE_MÈRE\n"                                 \
	   "        liasse entite activer|desactiver ID")

static int
cmd_list(struct cli *cli, struct db *db, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "sous", required_argument, NULL, 's' },
		{ "arbre", no_argument, NULL, 'a' },
		{ NULL, 0, NULL, 0 },
	};
	long long under = 0;
	bool tree = false;
	int c;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (c == 'a')
			tree = true;
		else if (c != 's' || !cli_parse_id(optarg, &under))
			return cli_usage("%s", _(USAGE_ENTITE));
	}
	if (optind < argc)
		return cli_usage(_("argument en trop : « %s »"), argv[optind]);
	struct err err = { 0 };
	struct entite_list list;
	if (!entite_list_load(db, under, &list, &err))
		return cli_fail(cli, &err);
	int base = list.n ? list.v[0].niveau : 0;
	for (size_t i = 0; i < list.n; i++) {
		const struct entite *e = &list.v[i];
		if (tree) {
			for (int k = base; k < e->niveau; k++)
				fputs("  ", stdout);
			cli_put_clean(e->denomination);
			printf(" [%lld, %s%s%s]%s\n", e->id, e->type, e->siren[0] ? ", " : "",
			       e->siren, e->actif ? "" : _(" (désactivée)"));
			continue;
		}
		printf("%lld\t", e->id);
		if (e->parent_id)
			printf("%lld", e->parent_id);
		printf("\t%s\t%s\t%s\t%s\t", e->type, e->actif ? _("oui") : _("non"), e->siren,
		       e->siret);
		cli_put_clean(e->denomination);
		putchar('\n');
	}
	entite_list_free(&list);
	return EXIT_OK;
}

static int
cmd_show(struct cli *cli, struct db *db, long long id)
{
	struct err err = { 0 };
	struct entite e;
	struct entite_history h;
	if (!entite_load(db, id, &e, &err))
		return cli_fail(cli, &err);
	printf(_("id : %lld\n"), e.id);
	fputs(_("dénomination : "), stdout);
	cli_put_clean(e.denomination);
	putchar('\n');
	printf(_("type : %s\n"), e.type);
	if (e.parent_id)
		printf(_("entité mère : %lld\n"), e.parent_id);
	printf(_("siren : %s\n"), e.siren);
	printf(_("siret : %s\n"), e.siret);
	printf(_("active : %s\n"), e.actif ? _("oui") : _("non"));
	entite_clear(&e);
	struct sign_place pl;
	if (!sign_place_load(db, id, &pl, &err))
		return cli_fail(cli, &err);
	fputs(_("lieu de signature : "), stdout);
	if (!pl.source) {
		fputs(_("(aucun)"), stdout);
	} else {
		cli_put_clean(pl.postal_code);
		putchar(' ');
		cli_put_clean(pl.city);
		if (!pl.own)
			printf(_(" (hérité de l'entité %lld)"), pl.source);
	}
	putchar('\n');
	if (!entite_history_load(db, id, &h, &err))
		return cli_fail(cli, &err);
	printf(_("historique :\n"));
	for (size_t i = 0; i < h.n; i++) {
		printf("  %s\t", h.v[i].ts);
		cli_put_clean(h.v[i].utilisateur);
		putchar('\t');
		cli_put_clean(h.v[i].description);
		putchar('\n');
	}
	entite_history_free(&h);
	return EXIT_OK;
}

static const char *
normalise_type(const char *t)
{
	if (strcmp(t, "collectivite") == 0 || strcmp(t, "collectivité") == 0)
		return "collectivite";
	if (strcmp(t, "centre_de_gestion") == 0 || strcmp(t, "cdg") == 0 ||
	    strcmp(t, "centre-de-gestion") == 0)
		return "centre_de_gestion";
	if (strcmp(t, "service") == 0)
		return "service";
	return NULL;
}

static int
cmd_create(struct cli *cli, struct db *db, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "parent", required_argument, NULL, 'p' },
		{ "type", required_argument, NULL, 't' },
		{ "siren", required_argument, NULL, 's' },
		{ "siret", required_argument, NULL, 'S' },
		{ NULL, 0, NULL, 0 },
	};
	long long parent = 0;
	const char *type = NULL, *siren = NULL, *siret = NULL;
	int c;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'p':
			if (!cli_parse_id(optarg, &parent))
				return cli_usage(_("identifiant d'entité invalide : « %s »"), optarg);
			break;
		case 't':
			type = normalise_type(optarg);
			if (!type)
				return cli_usage(_("type d'entité inconnu : « %s » (collectivite, "
						   "centre_de_gestion, service)"),
						 optarg);
			break;
		case 's':
			siren = optarg;
			break;
		case 'S':
			siret = optarg;
			break;
		default:
			return cli_usage("%s", _(USAGE_ENTITE));
		}
	}
	if (!parent || !type || optind != argc - 1)
		return cli_usage("%s", _(USAGE_ENTITE));
	struct err err = { 0 };
	long long id;
	if (!entite_check_ids(siren, siret, &err) ||
	    !entite_create(db, parent, type, argv[optind], siren, siret, &id, &err))
		return cli_fail(cli, &err);
	printf("%lld\n", id);
	return EXIT_OK;
}

static int
cmd_update(struct cli *cli, struct db *db, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "denomination", required_argument, NULL, 'd' },
		{ "siren", required_argument, NULL, 's' },
		{ "siret", required_argument, NULL, 'S' },
		{ "ville", required_argument, NULL, 'v' },
		{ "code-postal", required_argument, NULL, 'c' },
		{ NULL, 0, NULL, 0 },
	};
	const char *denom = NULL, *siren = NULL, *siret = NULL, *ville = NULL, *cp = NULL;
	long long id;
	int c;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (c == 'd')
			denom = optarg;
		else if (c == 's')
			siren = optarg;
		else if (c == 'S')
			siret = optarg;
		else if (c == 'v')
			ville = optarg;
		else if (c == 'c')
			cp = optarg;
		else
			return cli_usage("%s", _(USAGE_ENTITE));
	}
	if (optind != argc - 1 || !cli_parse_id(argv[optind], &id))
		return cli_usage("%s", _(USAGE_ENTITE));
	if ((ville != NULL) != (cp != NULL))
		return cli_usage(_("--ville et --code-postal vont ensemble (vides tous deux : lieu "
				   "repris de l'entité mère)"));
	struct err err = { 0 };
	bool identity = denom || siren || siret || !ville;
	if (identity && (!entite_check_ids(siren, siret, &err) ||
			 !entite_update(db, id, denom, siren, siret, &err)))
		return cli_fail(cli, &err);
	if (ville && !sign_place_set(db, id, ville, cp, &err))
		return cli_fail(cli, &err);
	return EXIT_OK;
}

CLI_COMMAND(entite, 20, N_("gère l'arbre des entités (list|show|create|modifier|move|activer|"
			   "desactiver)"))

int
cli_entite(struct cli *cli, int argc, char **argv)
{
	static const char *const subs[] = { "list", "show", "create", "modifier", "move",
					    "activer", "desactiver", NULL };
	if (argc < 2)
		return cli_usage("%s", _(USAGE_ENTITE));
	const char *sub = argv[1];
	size_t k = 0;
	while (subs[k] && strcmp(subs[k], sub) != 0)
		k++;
	if (!subs[k])
		return cli_usage(_("sous-commande inconnue : « entite %s »\n%s"), sub, _(USAGE_ENTITE));
	long long id = 0, parent = 0;
	/* Positional forms: show ID, move ID PARENT, activer|desactiver ID. */
	bool positional = k == 1 || k == 4 || k >= 5;
	if (positional) {
		int want = k == 4 ? 4 : 3;
		if (argc != want || !cli_parse_id(argv[2], &id) ||
		    (k == 4 && !cli_parse_id(argv[3], &parent)))
			return cli_usage("%s", _(USAGE_ENTITE));
	}
	struct db *db = cli_db_open(cli);
	if (!db)
		return EXIT_FAIL;
	struct err err = { 0 };
	int rc = EXIT_OK;
	switch (k) {
	case 0:
		rc = cmd_list(cli, db, argc - 1, argv + 1);
		break;
	case 1:
		rc = cmd_show(cli, db, id);
		break;
	case 2:
		rc = cmd_create(cli, db, argc - 1, argv + 1);
		break;
	case 3:
		rc = cmd_update(cli, db, argc - 1, argv + 1);
		break;
	case 4:
		if (!entite_move(db, id, parent, &err))
			rc = cli_fail(cli, &err);
		break;
	default:
		if (!entite_set_active(db, id, k == 5, &err))
			rc = cli_fail(cli, &err);
		break;
	}
	db_close(&db);
	return rc;
}
