/* What the views need of a dossier type's definition, read from the
 * database (type_def(), the JSON of form_to_json()) with json-c. */
#ifndef LIASSE_TUI_TYPEDEF_H
#define LIASSE_TUI_TYPEDEF_H
#include <json-c/json.h>
#include <stdbool.h>

#include "core/err.h"

/* The definition of TYPE (VERSION <= 0: the latest); caller json_object_put()s. */
struct json_object *typedef_load(const char *type, int version, struct err *err);
/* Small accessors that never return NULL for strings ("" instead). */
const char *js_str(struct json_object *o, const char *key);
bool js_bool(struct json_object *o, const char *key);
struct json_object *js_get(struct json_object *o, const char *key);
size_t js_len(struct json_object *array);
struct json_object *js_at(struct json_object *array, size_t i);
/* The label of state ID in DEF, ID itself when unknown. */
const char *typedef_state_label(struct json_object *def, const char *id);

#endif
