#include "tui/tui.h"
#include "tui/ui.h"
void tui_open_list(const char *type, const char *type_name) { (void)type; (void)type_name; ui_message(true, "todo"); }
void tui_open_dossier(int64_t id) { (void)id; }
void tui_open_form(int64_t id) { (void)id; }
void ui_open_journal(void);
void ui_open_journal(void) {}
void ui_open_admin(void);
void ui_open_admin(void) {}
