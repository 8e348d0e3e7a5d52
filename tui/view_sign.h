/* Signing at the desk: the signature screen of a dossier (action
 * signature-locale) and the card state of the status line. */
#ifndef LIASSE_TUI_VIEW_SIGN_H
#define LIASSE_TUI_VIEW_SIGN_H
#include <stdint.h>

/* The action that opens the signature screen instead of running directly. */
#define SIGN_ACTION "signature-locale"

/* Opens the signature screen of dossier ID (stays on the current view
 * with a French message when the dossier cannot be signed now). */
void tui_open_sign(int64_t id);

/* The PC/SC watcher feeding ui.card through the main loop's extra fd
 * (no polling); nothing is shown when the machine has no PC/SC service. */
void sign_card_watch_start(void);
void sign_card_watch_stop(void);

#endif
