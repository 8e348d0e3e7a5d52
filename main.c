/* liasse: entry point and subcommand dispatch. */
#include <getopt.h>
#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "core/i18n.h"
#include "core/log.h"

#ifndef LIASSE_VERSION
#define LIASSE_VERSION "0.1.0"
#endif

struct command {
	const char *word;
	int (*run)(struct cli *, int, char **);
	const char *summary;
};

#define CLI_ENTRY(c, word, summary) { word, cli_##c, summary },
static const struct command commands[] = { CLI_COMMANDS(CLI_ENTRY) };
#undef CLI_ENTRY

void
cli_print_commands(void)
{
	printf(_("Usage : liasse [--db CONNINFO] [-v] COMMANDE [ARGUMENTS]\n\n"
		 "Options générales :\n"
		 "  --db CONNINFO   base de données (chaîne de connexion ou URI libpq) ;\n"
		 "                  sinon l'environnement (PGHOST, PGSERVICE...) et\n"
		 "                  ~/.pg_service.conf\n"
		 "  -v, --verbose   messages détaillés (répéter pour plus)\n"
		 "  --version       affiche la version\n\n"
		 "Commandes :\n"));
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		printf("  %-12s %s\n", commands[i].word, _(commands[i].summary));
	printf(_("\nVoir aussi man liasse.\n"));
}

int
cli_help(struct cli *cli, int argc, char **argv)
{
	(void)cli;
	if (argc > 1) {
		for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
			if (strcmp(argv[1], commands[i].word) == 0) {
				printf("liasse %s : %s\n", commands[i].word, _(commands[i].summary));
				printf(_("Détails : man liasse, section %s.\n"), commands[i].word);
				return EXIT_OK;
			}
		return cli_usage(_("commande inconnue : « %s »"), argv[1]);
	}
	cli_print_commands();
	return EXIT_OK;
}

int
main(int argc, char **argv)
{
	setlocale(LC_ALL, "");
	struct cli cli = { 0 };
	static const struct option opts[] = {
		{ "db", required_argument, NULL, 'd' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "version", no_argument, NULL, 'V' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int c;
	/* "+" stops at the first non-option: the subcommand owns the rest. */
	while ((c = getopt_long(argc, argv, "+vh", opts, NULL)) != -1) {
		switch (c) {
		case 'd':
			cli.conninfo = optarg;
			break;
		case 'v':
			cli.verbose++;
			break;
		case 'V':
			printf("liasse %s\n", LIASSE_VERSION);
			return EXIT_OK;
		case 'h':
			cli_print_commands();
			return EXIT_OK;
		default:
			return cli_usage(_("option inconnue"));
		}
	}
	log_set_level(cli.verbose >= 2 ? LOG_DEBUG : cli.verbose ? LOG_INFO : LOG_WARN);
	if (optind >= argc) {
		cli_print_commands();
		return EXIT_USAGE;
	}
	const char *word = argv[optind];
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		if (strcmp(word, commands[i].word) == 0) {
			/* Subcommands see their own argv with getopt reset. */
			int sub_argc = argc - optind;
			char **sub_argv = argv + optind;
			optind = 0;
			int rc = commands[i].run(&cli, sub_argc, sub_argv);
			log_close();
			return rc;
		}
	return cli_usage(_("commande inconnue : « %s »"), word);
}
