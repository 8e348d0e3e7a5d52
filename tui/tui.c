/* tui_main: logging, key bindings, theme, database, terminal, first view. */
#include "tui/tui.h"

#include <curses.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "core/i18n.h"
#include "core/log.h"
#include "tui/ui.h"
#include "tui/view_sign.h"

bool ui_start_terminal(void);
void ui_loop(void);
void ui_listen(void);
struct view *menu_view_new(void);

static const char *theme_choice;

void
tui_set_theme(const char *name)
{
	theme_choice = name;
}

PGresult *
tui_query(const char *sql, int n, const char *const *params, struct err *err)
{
	if (ui.db_lost || !ui.db) {
		err_set(err, ERR_DB_CONNECT, _("Connexion à la base perdue."));
		return NULL;
	}
	PGresult *r = db_query(ui.db, sql, n, params, err);
	if (!r && (err->code == ERR_DB_CONNECT || PQstatus(ui.db->conn) != CONNECTION_OK)) {
		err->code = ERR_DB_CONNECT;
		ui_db_lost();
	}
	return r;
}

bool
tui_exec(const char *sql, int n, const char *const *params, struct err *err)
{
	PGresult *r = tui_query(sql, n, params, err);
	PQclear(r);
	return r != NULL;
}

static void
open_log(void)
{
	char path[4096];
	const char *x = getenv("XDG_STATE_HOME"), *h = getenv("HOME");
	bool ok = false;
	if (x && *x)
		ok = (size_t)snprintf(path, sizeof(path), "%s/liasse/liasse.log", x) < sizeof(path);
	else if (h && *h)
		ok = (size_t)snprintf(path, sizeof(path), "%s/.local/state/liasse/liasse.log", h) <
		     sizeof(path);
	if (ok && log_open_file(path))
		return;
	/* Never the terminal: drop the messages. */
	FILE *null = fopen("/dev/null", "w");
	if (null)
		log_set_stream(null);
}

/* `theme NAME` in $XDG_CONFIG_HOME/liasse/config. */
static char *
config_theme(void)
{
	char path[4096], line[512];
	if (!ui_config_path("config", path, sizeof(path)))
		return NULL;
	FILE *f = fopen(path, "r");
	if (!f)
		return NULL;
	char *found = NULL;
	while (fgets(line, sizeof(line), f)) {
		char name[128];
		if (sscanf(line, " theme %127s", name) == 1) {
			free(found);
			found = xstrdup(name);
		}
	}
	fclose(f);
	return found;
}

void
ui_listen(void)
{
	struct err err = { 0 };
	if (!tui_exec("LISTEN liasse_dossier", 0, NULL, &err))
		log_warn("LISTEN: %s", err.detail);
}

void
tui_load_entity(void)
{
	struct err err = { 0 };
	char id[32];
	snprintf(id, sizeof(id), "%lld", (long long)ui.entite_id);
	const char *p[] = { id };
	PGresult *r = tui_query(
		"SELECT coalesce(string_agg(e.denomination, ' / ' ORDER BY a.niveau DESC), '') "
		"FROM liasse.entite_ancetre a JOIN liasse.entite e ON e.id = a.ancetre_id "
		"WHERE a.entite_id = $1",
		1, p, &err);
	if (r && PQntuples(r) == 1)
		str_copy(ui.entite_path, sizeof(ui.entite_path), PQgetvalue(r, 0, 0));
	PQclear(r);
}

/* The user's home entity, else the root. */
static bool
load_session(struct err *err)
{
	PGresult *r = tui_query(
		"SELECT current_database(), session_user, coalesce((SELECT u.entite_id FROM "
		"liasse.utilisateur u WHERE u.id = liasse.current_utilisateur_id()), "
		"liasse.entite_racine(), 0)",
		0, NULL, err);
	if (!r)
		return false;
	str_copy(ui.dbname, sizeof(ui.dbname), PQgetvalue(r, 0, 0));
	str_copy(ui.user, sizeof(ui.user), PQgetvalue(r, 0, 1));
	ui.entite_id = strtoll(PQgetvalue(r, 0, 2), NULL, 10);
	PQclear(r);
	tui_load_entity();
	return true;
}

int
tui_main(struct cli *cli)
{
	open_log();
	log_info("liasse TUI starting");
	struct strbuf errs = STRBUF_INIT;
	int nerr = keys_load_all(&ui.keys, &errs);
	char *cfg_theme = theme_choice ? NULL : config_theme();
	const char *tname = theme_choice ? theme_choice : cfg_theme;
	struct strbuf terrs = STRBUF_INIT;
	if (!theme_load(&ui.theme, tname, &terrs)) {
		fprintf(stderr, "liasse: %s", sb_str(&terrs));
		sb_free(&terrs);
		sb_free(&errs);
		free(cfg_theme);
		return EXIT_USAGE;
	}
	free(cfg_theme);
	struct err err = { 0 };
	ui.conninfo = cli->conninfo;
	ui.db = db_open(cli->conninfo, &err);
	if (!ui.db) {
		sb_free(&errs);
		sb_free(&terrs);
		return cli_fail(cli, &err);
	}
	if (!db_has_schema(ui.db, &err) || !load_session(&err)) {
		if (!err.msg[0])
			err_set(&err, ERR_SCHEMA, _("La base ne contient pas le schéma de liasse "
						   "(liasse db init)."));
		db_close(&ui.db);
		sb_free(&errs);
		sb_free(&terrs);
		return cli_fail(cli, &err);
	}
	ui_listen();
	if (!ui_start_terminal()) {
		fprintf(stderr, _("liasse: impossible d'initialiser le terminal\n"));
		db_close(&ui.db);
		sb_free(&errs);
		sb_free(&terrs);
		return EXIT_FAIL;
	}
	ui.mono = theme_want_mono();
	if (ui.mono && (!tname || strcmp(tname, "monochrome") != 0))
		theme_load(&ui.theme, "monochrome", &terrs);
	theme_install(&ui.theme, ui.mono);
	sign_card_watch_start();
	ui_push(menu_view_new());
	if (nerr > 0) {
		const char *s = sb_str(&errs), *home = getenv("HOME");
		const char *nl = strchr(s, '\n');
		size_t hl = home ? strlen(home) : 0;
		bool tilde = hl > 1 && strncmp(s, home, hl) == 0 && s[hl] == '/';
		ui_message(true, _("%d erreur(s) de touches : %s%.*s"), nerr, tilde ? "~" : "",
			   (int)((nl ? nl - s : (long)strlen(s)) - (tilde ? (long)hl : 0)),
			   s + (tilde ? hl : 0));
		log_warn("%s", s);
	}
	if (terrs.len)
		log_warn("%s", sb_str(&terrs));
	ui_loop();
	sign_card_watch_stop();
	ui_shutdown();
	while (ui.depth > 0)
		view_free(&ui.stack[--ui.depth]);
	db_close(&ui.db);
	keys_free(&ui.keys);
	sb_free(&errs);
	sb_free(&terrs);
	log_info("liasse TUI stopped");
	log_close();
	return EXIT_OK;
}

/* vim: set ts=8 sw=8 noexpandtab: */
