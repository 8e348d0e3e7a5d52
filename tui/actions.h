/* Every user action of the TUI, once: the enum, the name used by `bind`
 * in keys files, and the French help text shown by the help screen, the
 * key bar and `liasse keys --man` (tig's REQ_INFO). Grouped for the help. */
#ifndef LIASSE_TUI_ACTIONS_H
#define LIASSE_TUI_ACTIONS_H
#include "core/i18n.h"

#define ACTION_LIST(GROUP, ACT)                                                              \
	GROUP(N_("Déplacement"))                                                             \
	ACT(UP, "up", N_("Haut"), N_("Ligne précédente"))                                                \
	ACT(DOWN, "down", N_("Bas"), N_("Ligne suivante"))                                              \
	ACT(PAGE_UP, "page-up", N_("Page préc."), N_("Page précédente"))                                       \
	ACT(PAGE_DOWN, "page-down", N_("Page suiv."), N_("Page suivante"))                                     \
	ACT(HOME, "home", N_("Début"), N_("Première ligne"))                                              \
	ACT(END, "end", N_("Fin"), N_("Dernière ligne"))                                                \
	ACT(NEXT_TAB, "next-tab", N_("Onglet suiv."), N_("Onglet suivant"))                                      \
	ACT(PREV_TAB, "prev-tab", N_("Onglet préc."), N_("Onglet précédent"))                                    \
	GROUP(N_("Écrans"))                                                                  \
	ACT(ENTER, "enter", N_("Ouvrir"), N_("Ouvrir l'élément sélectionné"))                              \
	ACT(BACK, "back", N_("Retour"), N_("Revenir à l'écran précédent"))                                 \
	ACT(HELP, "help", N_("Aide"), N_("Aide : liste des touches"))                                    \
	ACT(MENU, "menu", N_("Menu"), N_("Types de dossiers (menu principal)"))                          \
	ACT(JOURNAL, "journal", N_("Journal"), N_("Journal des événements"))                                \
	ACT(ADMIN, "admin", N_("Admin"), N_("Administration : entités, utilisateurs, droits"))           \
	ACT(ENTITY, "entity", N_("Entité"), N_("Changer d'entité"))                                        \
	ACT(REFRESH, "refresh", N_("Relire"), N_("Relire les données"))                                    \
	ACT(REDRAW, "redraw", N_("Redessiner"), N_("Redessiner l'écran"))                                      \
	ACT(QUIT, "quit", N_("Quitter"), N_("Quitter liasse"))                                              \
	GROUP(N_("Listes de dossiers"))                                                      \
	ACT(SEARCH, "search", N_("Chercher"), N_("Rechercher (titre et champs indexés)"))                    \
	ACT(FILTER_STATE, "filter-state", N_("État"), N_("Filtrer par état"))                            \
	ACT(FILTER_DATE, "filter-date", N_("Dates"), N_("Filtrer par dates de dernier changement"))       \
	ACT(FILTER_CLEAR, "filter-clear", N_("Sans filtre"), N_("Effacer la recherche et les filtres"))         \
	ACT(MARK, "mark", N_("Marquer"), N_("Marquer ou démarquer la ligne"))                               \
	ACT(MARK_ALL, "mark-all", N_("Tout marquer"), N_("Marquer ou démarquer toutes les lignes affichées"))    \
	ACT(BATCH, "batch", N_("Lot"), N_("Action par lot sur les dossiers marqués"))                   \
	ACT(CREATE, "create", N_("Créer"), N_("Créer un dossier"))                                        \
	GROUP(N_("Dossier"))                                                                 \
	ACT(EDIT, "edit", N_("Modifier"), N_("Modifier le dossier"))                                         \
	ACT(ACTION, "action", N_("Actions"), N_("Choisir une action sur le dossier"))                       \
	ACT(HISTORY, "history", N_("États"), N_("États du dossier et journal du dossier"))                \
	ACT(TRACKING, "tracking", N_("Suivi"), N_("Suivi des destinataires (mail sécurisé)"))            \
	ACT(SIGN, "sign", N_("Signer"), N_("Signer le dossier avec la carte (écran de signature)"))      \
	GROUP(N_("Formulaire"))                                                              \
	ACT(SAVE, "save", N_("Enregistrer"), N_("Enregistrer"))                                                 \
	ACT(CLEAR_FIELD, "clear-field", N_("Vider"), N_("Vider le champ"))                                \
	ACT(PICK_FILE, "pick-file", N_("Fichier"), N_("Choisir un fichier sur cette machine"))    \
	GROUP(N_("Administration"))                                                          \
	ACT(ADM_NEW, "admin-new", N_("Créer"), N_("Créer une sous-entité, un utilisateur, un connecteur ou une association")) \
	ACT(ADM_EDIT, "admin-edit", N_("Modifier"), N_("Modifier l'entité ou les paramètres du connecteur"))          \
	ACT(ADM_ACTIVE, "admin-active", N_("Activer"), N_("Désactiver ou réactiver l'entité ou l'utilisateur"))       \
	ACT(ADM_MOVE, "admin-move", N_("Déplacer"), N_("Déplacer l'entité sous une autre entité mère"))               \
	ACT(ADM_GRANT, "admin-grant", N_("Donner rôle"), N_("Donner un rôle à l'utilisateur sur une entité"))               \
	ACT(ADM_REVOKE, "admin-revoke", N_("Retirer rôle"), N_("Retirer un rôle à l'utilisateur"))                           \
	ACT(ADM_TEST, "admin-test", N_("Tester"), N_("Tester la connexion du connecteur"))                            \
	ACT(ADM_INHERIT, "admin-inherit", N_("Hériter"), N_("Hériter ou non des associations de l'entité mère"))    \
	ACT(ADM_DELETE, "admin-delete", N_("Supprimer"), N_("Supprimer le connecteur, l'association ou le travail"))  \
	ACT(ADM_RETRY, "admin-retry", N_("Relancer"), N_("Relancer maintenant le travail en attente"))                \
	ACT(ADM_SUSPEND, "admin-suspend", N_("Suspendre"), N_("Suspendre le travail en attente"))

enum action {
	ACT_NONE = 0,
#define ACTION_GROUP_ENUM(label)
#define ACTION_ENUM(id, name, label, help) ACT_##id,
	ACTION_LIST(ACTION_GROUP_ENUM, ACTION_ENUM)
#undef ACTION_GROUP_ENUM
#undef ACTION_ENUM
	ACT_COUNT
};

/* One entry per action and per group heading (action ACT_NONE), in the
 * order of ACTION_LIST; terminated by an entry with a NULL help. */
struct action_info {
	enum action act;
	const char *name; /* NULL for a group heading */
	const char *label; /* short, for the key bar */
	const char *help; /* untranslated; pass through _() */
};
extern const struct action_info action_table[];

/* The action named NAME ("page-down"), ACT_NONE for "none", -1 when unknown. */
int action_by_name(const char *name);
const char *action_name(enum action a);
const char *action_help(enum action a);
const char *action_label(enum action a);

#endif
