/* liasse: entry point and subcommand dispatch. */
#include <getopt.h>
#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "core/i18n.h"
#include "core/log.h"
#include "tui/tui.h"

#ifndef LIASSE_VERSION
#define LIASSE_VERSION "0.1.0"
#endif

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
		{ "theme", required_argument, NULL, 't' },
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
		case 't':
			tui_set_theme(optarg);
			break;
		default:
			return cli_usage(_("option inconnue"));
		}
	}
	log_set_level(cli.verbose >= 2 ? LOG_DEBUG : cli.verbose ? LOG_INFO : LOG_WARN);
	if (optind >= argc)
		return tui_main(&cli); /* no subcommand: the full-screen interface */
	int first = optind;
	optind = 0; /* subcommands parse their own options with getopt */
	int rc = cli_dispatch(&cli, argc - first, argv + first);
	log_close();
	return rc;
}
