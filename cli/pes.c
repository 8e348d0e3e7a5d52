/* liasse pes info|sign|verify: the PES sub-commands. `info` is defined
 * here; the others register themselves from their own files through
 * PES_SUBCOMMAND (cli/pes.h), so this file never names them. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/pes.h"
#include "core/i18n.h"

struct pes_subcommand {
	char word[32];
	cli_fn run;
	const char *summary;
};
static struct pes_subcommand subcommands[16];
static size_t nsubcommands;

void
cli_pes_register(const char *word, cli_fn fn, const char *summary)
{
	if (nsubcommands == sizeof(subcommands) / sizeof(subcommands[0]))
		abort();
	struct pes_subcommand *s = &subcommands[nsubcommands++];
	snprintf(s->word, sizeof(s->word), "%s", word);
	for (char *p = s->word; *p; p++)
		if (*p == '_')
			*p = '-';
	s->run = fn;
	s->summary = summary;
}

static int
cmp_subcommand(const void *a, const void *b)
{
	const struct pes_subcommand *x = a, *y = b;
	return strcmp(x->word, y->word);
}

static void
print_subcommands(FILE *out)
{
	qsort(subcommands, nsubcommands, sizeof(subcommands[0]), cmp_subcommand);
	fprintf(out, _("Usage : liasse pes SOUS-COMMANDE [ARGUMENTS]\n\nSous-commandes :\n"));
	for (size_t i = 0; i < nsubcommands; i++)
		fprintf(out, "  %-8s %s\n", subcommands[i].word, _(subcommands[i].summary));
}

CLI_COMMAND(pes, 50, N_("lit un fichier PES (Hélios) : informations, signature"))

int
cli_pes(struct cli *cli, int argc, char **argv)
{
	if (argc < 2) {
		print_subcommands(stderr);
		return EXIT_USAGE;
	}
	if (strcmp(argv[1], "help") == 0 || strcmp(argv[1], "--help") == 0) {
		print_subcommands(stdout);
		return EXIT_OK;
	}
	for (size_t i = 0; i < nsubcommands; i++)
		if (strcmp(subcommands[i].word, argv[1]) == 0)
			return subcommands[i].run(cli, argc - 1, argv + 1);
	return cli_usage(_("sous-commande inconnue : « pes %s » (liasse pes help)"), argv[1]);
}
