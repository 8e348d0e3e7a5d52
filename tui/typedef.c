/* Dossier type definitions for the views (see typedef.h). */
#include "tui/typedef.h"

#include <stdio.h>
#include <string.h>

#include "core/i18n.h"
#include "tui/tui.h"

struct json_object *
typedef_load(const char *type, int version, struct err *err)
{
	char v[16];
	snprintf(v, sizeof(v), "%d", version);
	const char *p[] = { type, v };
	PGresult *r = tui_query("SELECT liasse.type_def($1, CASE WHEN $2::int > 0 THEN $2::int "
				"ELSE liasse.type_latest($1) END)::text",
				2, p, err);
	if (!r)
		return NULL;
	struct json_object *o = NULL;
	if (PQntuples(r) == 1 && !PQgetisnull(r, 0, 0))
		o = json_tokener_parse(PQgetvalue(r, 0, 0));
	PQclear(r);
	if (!o)
		err_set(err, ERR_NOT_FOUND, _("Type de dossier inconnu : « %s »."), type);
	return o;
}

struct json_object *
js_get(struct json_object *o, const char *key)
{
	struct json_object *v = NULL;
	if (o && json_object_object_get_ex(o, key, &v))
		return v;
	return NULL;
}

const char *
js_str(struct json_object *o, const char *key)
{
	struct json_object *v = js_get(o, key);
	if (!v || json_object_is_type(v, json_type_null))
		return "";
	return json_object_get_string(v);
}

bool
js_bool(struct json_object *o, const char *key)
{
	struct json_object *v = js_get(o, key);
	return v && json_object_get_boolean(v);
}

size_t
js_len(struct json_object *a)
{
	return a && json_object_is_type(a, json_type_array) ? json_object_array_length(a) : 0;
}

struct json_object *
js_at(struct json_object *a, size_t i)
{
	return i < js_len(a) ? json_object_array_get_idx(a, i) : NULL;
}

const char *
typedef_state_label(struct json_object *def, const char *id)
{
	struct json_object *st = js_get(def, "states");
	for (size_t i = 0; i < js_len(st); i++)
		if (strcmp(js_str(js_at(st, i), "id"), id) == 0)
			return js_str(js_at(st, i), "label");
	return id;
}

/* vim: set ts=8 sw=8 noexpandtab: */
