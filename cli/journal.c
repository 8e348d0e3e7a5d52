/* liasse journal verify [--from ID] | list [--entite ID] [--dossier ID] [--limit N] */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "core/i18n.h"
#include "core/journal.h"

/* Prints S with control characters (tabs, newlines, escapes) shown as
 * spaces: a message must not drive the terminal nor break the columns. */
static int
journal_cmd_verify(struct cli *cli, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "from", required_argument, NULL, 'f' },
		{ NULL, 0, NULL, 0 },
	};
	long long from = 0;
	int c;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (c != 'f' || !cli_parse_id(optarg, &from))
			return cli_usage(_("usage : liasse journal verify [--from ID]"));
	}
	if (optind < argc)
		return cli_usage(_("argument en trop : « %s »"), argv[optind]);
	struct db *db = cli_db_open(cli);
	if (!db)
		return EXIT_FAIL;
	struct err err = { 0 };
	struct journal_verify_result res;
	int rc = EXIT_OK;
	if (!journal_verify(db, from, &res, &err)) {
		rc = cli_fail(cli, &err);
	} else if (res.intact) {
		if (res.checked)
			printf(_("Journal intact : %lld ligne(s) vérifiée(s), de %lld à %lld.\n"),
			       res.checked, res.first_id, res.last_id);
		else
			printf(_("Journal intact : 0 ligne vérifiée.\n"));
		printf(_("Empreinte de la dernière ligne : %s\n"), res.head_hex);
	} else {
		printf(_("Journal altéré : ligne %lld : %s.\n"), res.bad_id, res.reason);
		printf(_("%lld ligne(s) vérifiée(s) avant la rupture.\n"), res.checked);
		rc = EXIT_FAIL;
	}
	db_close(&db);
	return rc;
}

static int
journal_cmd_list(struct cli *cli, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "entite", required_argument, NULL, 'e' },
		{ "dossier", required_argument, NULL, 'd' },
		{ "limit", required_argument, NULL, 'l' },
		{ NULL, 0, NULL, 0 },
	};
	long long entite = 0, dossier = 0, limit = 50;
	int c;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		bool ok = false;
		if (c == 'e')
			ok = cli_parse_id(optarg, &entite);
		else if (c == 'd')
			ok = cli_parse_id(optarg, &dossier);
		else if (c == 'l')
			ok = cli_parse_id(optarg, &limit) && limit <= 100000;
		if (!ok)
			return cli_usage(_("usage : liasse journal list [--entite ID] [--dossier ID] "
					   "[--limit N]"));
	}
	if (optind < argc)
		return cli_usage(_("argument en trop : « %s »"), argv[optind]);
	struct db *db = cli_db_open(cli);
	if (!db)
		return EXIT_FAIL;
	struct err err = { 0 };
	struct journal_list list;
	int rc = EXIT_OK;
	if (!journal_list_load(db, entite, dossier, (int)limit, &list, &err)) {
		rc = cli_fail(cli, &err);
	} else {
		for (size_t i = 0; i < list.n; i++) {
			const struct journal_event *e = &list.v[i];
			printf("%lld\t%s\t%d\t", e->id, e->ts, e->type);
			if (e->entite_id)
				printf("%lld", e->entite_id);
			putchar('\t');
			if (e->dossier_id)
				printf("%lld", e->dossier_id);
			putchar('\t');
			cli_put_clean(e->utilisateur);
			putchar('\t');
			cli_put_clean(e->action);
			putchar('\t');
			cli_put_clean(e->message);
			putchar('\n');
		}
		journal_list_free(&list);
	}
	db_close(&db);
	return rc;
}

CLI_COMMAND(journal, 30, N_("journal des événements : vérification de la chaîne, consultation "
			    "(verify|list)"))

int
cli_journal(struct cli *cli, int argc, char **argv)
{
	if (argc < 2)
		return cli_usage(_("« liasse journal » attend verify ou list"));
	if (strcmp(argv[1], "verify") == 0)
		return journal_cmd_verify(cli, argc - 1, argv + 1);
	if (strcmp(argv[1], "list") == 0)
		return journal_cmd_list(cli, argc - 1, argv + 1);
	return cli_usage(_("sous-commande inconnue : « journal %s » (verify, list)"), argv[1]);
}
