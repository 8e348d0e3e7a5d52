/* Administration (F9): one view, five tabs, each in its own file:
 *   Entités          view_admin.c            tree, create, edit, (dés)activate, move
 *   Utilisateurs     view_admin_users.c      users of the entity, create, roles
 *   Connecteurs      view_connecteur.c       instances, create, settings, test
 *   Associations     view_connecteur.c       dossier type -> connector, inherited ones
 *   Travaux          view_jobs.c             the daemon's jobs: relancer, suspendre, supprimer
 * The database checks every right and its French refusal goes to the
 * message line; nothing here decides who may do what. */
#ifndef LIASSE_TUI_VIEW_ADMIN_H
#define LIASSE_TUI_VIEW_ADMIN_H
#include <libpq-fe.h>
#include <stdbool.h>

#include "core/entite.h"
#include "core/utilisateur.h"
#include "tui/view.h"

struct admin;

struct admin_tab {
	const char *label; /* N_() */
	/* (Re)loads the tab's data into A. */
	bool (*load)(struct admin *a, struct err *err);
	/* Raw rows, and whether raw row I matches the search text. */
	size_t (*count)(struct admin *a);
	bool (*match)(struct admin *a, size_t i, const char *filter);
	void (*header)(struct row *r);
	void (*row)(struct admin *a, size_t i, struct row *r);
	/* Handles ACT on raw row I (SIZE_MAX when the tab is empty);
	 * false when the action is not the tab's. */
	bool (*request)(struct admin *a, size_t i, enum action act);
	const enum action *keybar;
	/* Optional: appended to the position line. */
	void (*status)(struct admin *a, struct strbuf *sb);
};

struct admin {
	size_t tab;
	char *filter;
	size_t *idx, nidx; /* shown rows -> raw rows */
	struct entite_list ents;
	struct utilisateur_list users;
	char **roles;      /* per user: "rôle @ entité, ..." */
	PGresult *res;     /* connectors, associations or jobs */
	long daemons;      /* jobs: daemons connected, -1 when unknown */
	struct view *view;
	struct view_ops ops; /* a copy: the key bar follows the tab */
};

extern const struct admin_tab admin_tab_entites, admin_tab_utilisateurs, admin_tab_connecteurs,
	admin_tab_associations, admin_tab_travaux;

/* The entity the tabs work on: the current one, else the first the user
 * sees (the root for an administrator). */
long long admin_entite(struct admin *a);
/* Lets the user pick an entity of the tree (INITIAL preselected); 0 on Esc. */
long long admin_pick_entite(struct admin *a, const char *title, long long initial);
/* Shows ERR (false) or the French DONE (true); returns OK. */
bool admin_result(bool ok, const struct err *err, const char *done);
/* Asks for a line of text again and again while CHECK refuses it (its
 * message on the message line, what was typed kept); NULL on Esc. */
char *admin_ask(const char *label, const char *initial,
		bool (*check)(const char *value, struct err *err));

/* Shows TEXT (lines wrapped at spaces) in a window until Entrée or Échap. */
void admin_show(const char *title, const char *text);
/* Count and search of tabs whose rows are A->res (any column matches). */
size_t admin_res_count(struct admin *a);
bool admin_res_match(struct admin *a, size_t i, const char *filter);
/* Tester la connexion of instance ID, the answer on the message line. */
void admin_test_connecteur(long long id, const char *libelle);

/* The connector settings view (view_connecteur_config.c). */
void admin_open_connecteur(long long id);

#endif
