/* Subcommands of the liasse binary (git style). Each lives in its own
 * cli/<name>.c and is listed once in CLI_COMMANDS. */
#ifndef LIASSE_CLI_H
#define LIASSE_CLI_H
#include "core/db.h"
#include "core/err.h"

struct cli {
	const char *conninfo; /* --db, NULL = libpq environment/service file */
	int verbose;
};

/* Exit codes shared by every subcommand. */
enum { EXIT_OK = 0, EXIT_FAIL = 1, EXIT_USAGE = 2 };

/* X-macro: C name, command word, French one-line summary. */
#define CLI_COMMANDS(_)                                                                          \
	_(help, "help", N_("affiche l'aide générale ou celle d'une sous-commande"))              \
	_(db, "db", N_("initialise, migre ou décrit le schéma de la base (init|migrate|status)")) \
	_(demo, "demo", N_("lance la démonstration sur une base privée"))

#define CLI_DECLARE(c, word, summary) int cli_##c(struct cli *cli, int argc, char **argv);
CLI_COMMANDS(CLI_DECLARE)
#undef CLI_DECLARE

/* Prints ERR for the user ("liasse: msg", the detail with -v) and logs
 * it; returns EXIT_FAIL, or EXIT_USAGE for ERR_USAGE. */
int cli_fail(struct cli *cli, const struct err *err);
/* Prints a usage error (French) and returns EXIT_USAGE. */
int cli_usage(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Opens the database chosen by --db or the environment; NULL after
 * printing the error. */
struct db *cli_db_open(struct cli *cli);
/* Prints the list of subcommands. */
void cli_print_commands(void);

#endif
