/* Sub-commands of `liasse pes ...`. Each lives in its own file and
 * registers itself, like CLI_COMMAND does for top-level commands:
 *   PES_SUBCOMMAND(sign, N_("signe un PES Aller (XAdES)"))
 * registers `int cli_pes_sign(struct cli *, int argc, char **argv)` under
 * the word "sign" (underscores become hyphens). argv[0] is the sub-command
 * word ("sign"), so getopt can be used on (argc, argv) directly.
 * `liasse pes` lists them in registration-independent alphabetical order. */
#ifndef LIASSE_CLI_PES_H
#define LIASSE_CLI_PES_H
#include "cli/cli.h"

void cli_pes_register(const char *word, cli_fn fn, const char *summary);
#define PES_SUBCOMMAND(name, summary)                                            \
	int cli_pes_##name(struct cli *cli, int argc, char **argv);              \
	__attribute__((constructor)) static void cli_pes_register_##name(void)   \
	{                                                                        \
		cli_pes_register(#name, cli_pes_##name, summary);                \
	}

#endif
