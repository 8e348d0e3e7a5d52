#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "core/i18n.h"

struct command {
	char word[32];
	int order;
	cli_fn run;
	const char *summary;
};
static struct command commands[64];
static size_t ncommands;

void
cli_register(const char *word, int order, cli_fn fn, const char *summary)
{
	if (ncommands == sizeof(commands) / sizeof(commands[0]))
		abort();
	struct command *c = &commands[ncommands++];
	snprintf(c->word, sizeof(c->word), "%s", word);
	for (char *p = c->word; *p; p++)
		if (*p == '_')
			*p = '-';
	c->order = order;
	c->run = fn;
	c->summary = summary;
}

static int
cmp_command(const void *a, const void *b)
{
	const struct command *x = a, *y = b;
	return x->order != y->order ? x->order - y->order : strcmp(x->word, y->word);
}

static const struct command *
find(const char *word)
{
	for (size_t i = 0; i < ncommands; i++)
		if (strcmp(commands[i].word, word) == 0)
			return &commands[i];
	return NULL;
}

void
cli_print_commands(void)
{
	qsort(commands, ncommands, sizeof(commands[0]), cmp_command);
	printf(_("Usage : liasse [--db CONNINFO] [-v] COMMANDE [ARGUMENTS]\n\n"
		 "Options générales :\n"
		 "  --db CONNINFO   base de données (chaîne de connexion ou URI libpq) ;\n"
		 "                  sinon l'environnement (PGHOST, PGSERVICE...) et\n"
		 "                  ~/.pg_service.conf\n"
		 "  -v, --verbose   messages détaillés (répéter pour plus)\n"
		 "  --version       affiche la version\n\n"
		 "Commandes :\n"));
	for (size_t i = 0; i < ncommands; i++)
		printf("  %-12s %s\n", commands[i].word, _(commands[i].summary));
	printf(_("\nVoir aussi man liasse.\n"));
}

int
cli_dispatch(struct cli *cli, int argc, char **argv)
{
	const struct command *c = find(argv[0]);
	if (!c)
		return cli_usage(_("commande inconnue : « %s »"), argv[0]);
	return c->run(cli, argc, argv);
}

CLI_COMMAND(help, 0, N_("affiche l'aide générale ou celle d'une sous-commande"))

int
cli_help(struct cli *cli, int argc, char **argv)
{
	(void)cli;
	if (argc > 1) {
		const struct command *c = find(argv[1]);
		if (!c)
			return cli_usage(_("commande inconnue : « %s »"), argv[1]);
		printf("liasse %s : %s\n", c->word, _(c->summary));
		printf(_("Détails : man liasse, section %s.\n"), c->word);
		return EXIT_OK;
	}
	cli_print_commands();
	return EXIT_OK;
}
