/* Subcommands of the liasse binary (git style). Each lives in its own
 * cli/<name>.c and is listed once in CLI_COMMANDS. */
#ifndef LIASSE_CLI_H
#define LIASSE_CLI_H
#include "core/db.h"
#include "core/err.h"
#include "core/i18n.h"

struct cli {
	const char *conninfo; /* --db, NULL = libpq environment/service file */
	int verbose;
};

/* Exit codes shared by every subcommand. */
enum { EXIT_OK = 0, EXIT_FAIL = 1, EXIT_USAGE = 2 };

/* A subcommand registers itself from its own file:
 *   CLI_COMMAND(db, 10, N_("initialise, migre ou décrit le schéma de la base"))
 * defines the registration of `int cli_db(struct cli *, int argc, char **argv)`
 * under the word "db" (underscores become hyphens); ORDER sorts `liasse help`.
 * argv[0] is the subcommand word. */
typedef int (*cli_fn)(struct cli *cli, int argc, char **argv);
void cli_register(const char *word, int order, cli_fn fn, const char *summary);
#define CLI_COMMAND(name, order, summary)                                        \
	int cli_##name(struct cli *cli, int argc, char **argv);                  \
	__attribute__((constructor)) static void cli_register_##name(void)       \
	{                                                                        \
		cli_register(#name, order, cli_##name, summary);                 \
	}

/* Prints ERR for the user ("liasse: msg", the detail with -v) and logs
 * it; returns EXIT_FAIL, or EXIT_USAGE for ERR_USAGE. */
int cli_fail(struct cli *cli, const struct err *err);
/* Prints a usage error (French) and returns EXIT_USAGE. */
int cli_usage(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Opens the database chosen by --db or the environment; NULL after
 * printing the error. */
struct db *cli_db_open(struct cli *cli);
/* Parses a positive decimal id (the whole of S); false otherwise. */
bool cli_parse_id(const char *s, long long *out);
/* Prints S with control characters replaced by spaces (values from the
 * database must not move the user's terminal). */
void cli_put_clean(const char *s);
/* Prints the list of subcommands. */
void cli_print_commands(void);
/* Runs the subcommand argv[0]; EXIT_USAGE when unknown. */
int cli_dispatch(struct cli *cli, int argc, char **argv);

#endif
