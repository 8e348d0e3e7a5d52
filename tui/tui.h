/* The full-screen interface: `liasse` without a subcommand. */
#ifndef LIASSE_TUI_TUI_H
#define LIASSE_TUI_TUI_H
#include <libpq-fe.h>
#include <stdint.h>

#include "core/err.h"

struct cli;

/* Runs the TUI until the user quits; returns the exit code. */
int tui_main(struct cli *cli);
/* The theme chosen by --theme (NULL: the config file, else default). */
void tui_set_theme(const char *name);

/* A query on the TUI's connection (db_query); marks the connection lost
 * when it is. Caller PQclear()s. */
PGresult *tui_query(const char *sql, int n, const char *const *params, struct err *err);
bool tui_exec(const char *sql, int n, const char *const *params, struct err *err);

/* Views opened from anywhere. */
void tui_open_list(const char *type, const char *type_name);
void tui_open_dossier(int64_t id);
void tui_open_form(int64_t dossier_id);
/* Reads the entity path of ui.entite_id into ui.entite_path. */
void tui_load_entity(void);

#endif
