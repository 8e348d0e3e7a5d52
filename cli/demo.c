/* liasse demo: a private PostgreSQL cluster with demo data. */
#include <stdio.h>

#include "cli/cli.h"
#include "core/i18n.h"

CLI_COMMAND(demo, 90, N_("lance la démonstration sur une base privée"))

int
cli_demo(struct cli *cli, int argc, char **argv)
{
	(void)cli;
	(void)argc;
	(void)argv;
	fprintf(stderr, "liasse: %s\n", _("démonstration pas encore disponible"));
	return EXIT_FAIL;
}
