/* The TUI: terminal set-up and restoration, the screen layout, the main
 * loop (poll() on the keyboard, the database socket and the card watcher)
 * and the stack of views. */
#ifndef LIASSE_TUI_UI_H
#define LIASSE_TUI_UI_H
#include <stdbool.h>
#include <stdint.h>

#include "core/db.h"
#include "tui/keys.h"
#include "tui/theme.h"
#include "tui/view.h"

#define UI_MAX_VIEWS 16

struct ui {
	struct db *db;
	const char *conninfo;
	struct keys keys;
	struct theme theme;
	bool mono;
	struct view *stack[UI_MAX_VIEWS];
	int depth;
	char message[512];
	bool message_error;
	bool db_lost;
	long long reconnect_at; /* ms clock of the next attempt */
	int64_t entite_id;      /* current entity, 0 = all of mine */
	char entite_path[256];  /* "Entité racine / Syndicat / Commune A" */
	char user[128];
	char dbname[128];
	char card[128];         /* card reader state for the status line, "" = none */
	bool quit;
	bool full_redraw;
	int lines, cols;
};

extern struct ui ui;

/* Entry point of `liasse` without a subcommand (cli/cli.h). */
struct cli;
int tui_main(struct cli *cli);
void tui_set_theme(const char *name);

/* Restores the terminal; safe to call more than once, from die_callback
 * and from signal handlers. */
void ui_shutdown(void);

/* Pushes V (opened first; on failure shows the error and frees V). */
bool ui_push(struct view *v);
void ui_pop(void);
struct view *ui_top(void);
/* Message line (French); ERROR uses the error element. */
void ui_message(bool error, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void ui_error(const struct err *err);
/* Asks for a line of text on the bottom line (INITIAL pre-filled);
 * returns a new string (caller frees) or NULL on Esc. */
char *ui_prompt(const char *label, const char *initial);
/* Same, with ERROR (why the previous answer was refused) shown above. */
char *ui_prompt_error(const char *label, const char *initial, const char *error);
/* Same for a password: every character shows as '*'; no initial text. */
char *ui_prompt_secret(const char *label);
/* Asks yes/no; true for yes. */
bool ui_confirm(const char *question);
/* Lets the user pick one of N labels in a pop-up list; -1 on Esc. */
int ui_pick(const char *title, const char *const *labels, size_t n, size_t initial);
/* Path of a file in the configuration folder; false without a home. */
bool ui_config_path(const char *file, char *buf, size_t n);
/* Milliseconds of a monotonic clock. */
long long ui_now_ms(void);
/* Called by views when the database reported a lost connection. */
void ui_db_lost(void);

#endif
