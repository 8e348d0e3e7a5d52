/* form_to_json: the definition as the dossier engine stores it (jsonb).
 * Key names are part of the interface, see liasse-forms(5). */
#include <json-c/json.h>
#include <stdlib.h>
#include <string.h>

#include "core/form_impl.h"

static json_object *
jstr(const char *s)
{
	return s ? json_object_new_string(s) : NULL;
}

static json_object *
jlist(const struct form_list *l)
{
	json_object *a = json_object_new_array();
	for (size_t i = 0; i < l->n; i++)
		json_object_array_add(a, json_object_new_string(l->v[i]));
	return a;
}

static json_object *
jcond(const struct form_cond *c)
{
	if (!c->field)
		return NULL;
	json_object *o = json_object_new_object();
	json_object_object_add(o, "field", jstr(c->field));
	json_object_object_add(o, "value", jstr(c->value));
	return o;
}

static void
add(json_object *o, const char *k, json_object *v)
{
	json_object_object_add(o, k, v);
}

static json_object *
field_json(const struct form_field *fd)
{
	static const char *const vis[] = { "normal", "read-only", "edit-only", "no-show" };
	json_object *o = json_object_new_object();
	add(o, "id", jstr(fd->id));
	add(o, "label", jstr(fd->label));
	add(o, "type", jstr(form_field_type_name(fd->type)));
	add(o, "tab", jstr(fd->tab));
	add(o, "multiple", json_object_new_boolean(fd->multiple));
	add(o, "required", json_object_new_boolean(fd->required));
	add(o, "max", fd->max >= 0 ? json_object_new_int64(fd->max) : NULL);
	add(o, "min_value", fd->has_min ? json_object_new_int64(fd->min_value) : NULL);
	add(o, "max_value", fd->has_max_value ? json_object_new_int64(fd->max_value) : NULL);
	add(o, "regex", jstr(fd->regex));
	add(o, "regex_error", jstr(fd->regex_error));
	add(o, "forbid", jstr(fd->forbid));
	add(o, "latin1", json_object_new_boolean(fd->latin1));
	add(o, "not_future", json_object_new_boolean(fd->not_future));
	add(o, "multiline", json_object_new_boolean(fd->type == FORM_TEXTAREA));
	add(o, "default", jstr(fd->default_value));
	add(o, "visibility", jstr(vis[fd->visibility]));
	add(o, "title", json_object_new_boolean(fd->title));
	add(o, "index", json_object_new_boolean(fd->index));
	add(o, "list", json_object_new_boolean(fd->list));
	add(o, "search", json_object_new_boolean(fd->search));
	json_object *opts = json_object_new_array();
	for (size_t i = 0; i < fd->noptions; i++) {
		json_object *op = json_object_new_object();
		add(op, "value", jstr(fd->options[i].value));
		add(op, "label", jstr(fd->options[i].label));
		json_object_array_add(opts, op);
	}
	add(o, "options", opts);
	add(o, "content_types", jlist(&fd->content_types));
	add(o, "max_size", fd->max_size >= 0 ? json_object_new_int64(fd->max_size) : NULL);
	add(o, "help", jstr(fd->help));
	return o;
}

static void
rule_json(json_object *o, const struct form_rule *r)
{
	add(o, "from", jlist(&r->from));
	add(o, "has", jlist(&r->has));
	add(o, "not_has", jlist(&r->not_has));
	json_object *fields = json_object_new_object();
	for (size_t i = 0; i < r->nfields; i++)
		add(fields, r->fields[i].field, jstr(r->fields[i].value));
	add(o, "fields", fields);
	add(o, "valid", json_object_new_boolean(r->valid));
}

static json_object *
action_json(const struct form_def *f, const struct form_action *a)
{
	json_object *o = json_object_new_object();
	const struct form_state *st = form_state_find(f, a->state);
	add(o, "id", jstr(a->id));
	add(o, "label", jstr(a->label));
	add(o, "state", jstr(a->state));
	add(o, "state_label", jstr(st ? st->label : a->state));
	add(o, "initial", json_object_new_boolean(a->rule.initial));
	rule_json(o, &a->rule);
	json_object *alt = json_object_new_array();
	for (size_t i = 0; i < a->nalt; i++) {
		json_object *r = json_object_new_object();
		add(r, "initial", json_object_new_boolean(a->alt[i].initial));
		rule_json(r, &a->alt[i]);
		json_object_array_add(alt, r);
	}
	add(o, "or", alt);
	add(o, "right", jstr(a->right == FORM_RIGHT_LECTURE ? "lecture" : "edition"));
	add(o, "system", json_object_new_boolean(a->system));
	add(o, "auto", jstr(a->auto_action));
	add(o, "auto_if", jcond(&a->auto_if));
	add(o, "orientation", json_object_new_boolean(a->orientation));
	add(o, "connector", jstr(a->connector));
	add(o, "batch", json_object_new_boolean(a->batch));
	add(o, "editable", jlist(&a->editable));
	add(o, "keep_state", json_object_new_boolean(a->keep_state));
	add(o, "outcomes", jlist(&a->outcomes));
	add(o, "warning", jstr(a->warning));
	return o;
}

static json_object *
check_json(const struct form_check *c)
{
	static const char *const kinds[] = { "same", "le", "one-of", "type-if" };
	json_object *o = json_object_new_object();
	add(o, "kind", jstr(kinds[c->kind]));
	add(o, "left", jlist(&c->left));
	add(o, "right", jlist(&c->right));
	add(o, "content_type", jstr(c->content_type));
	json_object *conds = json_object_new_array();
	for (size_t i = 0; i < c->nconds; i++)
		json_object_array_add(conds, jcond(&c->conds[i]));
	add(o, "if", conds);
	add(o, "message", jstr(c->message));
	return o;
}

char *
form_to_json(const struct form_def *f)
{
	json_object *o = json_object_new_object();
	add(o, "id", jstr(f->id));
	add(o, "name", jstr(f->name));
	add(o, "family", jstr(f->family));
	add(o, "description", jstr(f->description));
	add(o, "sha256", jstr(f->sha256));
	json_object *a = json_object_new_array();
	for (size_t i = 0; i < f->ntabs; i++) {
		json_object *t = json_object_new_object();
		add(t, "id", jstr(f->tabs[i].id));
		add(t, "label", jstr(f->tabs[i].label));
		add(t, "condition", jcond(&f->tabs[i].cond));
		json_object_array_add(a, t);
	}
	add(o, "tabs", a);
	a = json_object_new_array();
	for (size_t i = 0; i < f->nfields; i++)
		json_object_array_add(a, field_json(&f->fields[i]));
	add(o, "fields", a);
	if (f->threshold_size >= 0) {
		json_object *t = json_object_new_object();
		add(t, "max_size", json_object_new_int64(f->threshold_size));
		add(t, "fields", jlist(&f->threshold_fields));
		add(o, "threshold", t);
	} else {
		add(o, "threshold", NULL);
	}
	a = json_object_new_array();
	for (size_t i = 0; i < f->nstates; i++) {
		json_object *t = json_object_new_object();
		add(t, "id", jstr(f->states[i].id));
		add(t, "label", jstr(f->states[i].label));
		json_object_array_add(a, t);
	}
	add(o, "states", a);
	a = json_object_new_array();
	for (size_t i = 0; i < f->nactions; i++)
		json_object_array_add(a, action_json(f, &f->actions[i]));
	add(o, "actions", a);
	a = json_object_new_array();
	for (size_t i = 0; i < f->nsteps; i++) {
		const struct form_step *s = &f->steps[i];
		json_object *t = json_object_new_object();
		add(t, "id", jstr(s->id));
		add(t, "condition", jcond(&s->cond));
		add(t, "action", jstr(s->action));
		add(t, "done", jlist(&s->done));
		json_object_array_add(a, t);
	}
	add(o, "steps", a);
	a = json_object_new_array();
	for (size_t i = 0; i < f->nchecks; i++)
		json_object_array_add(a, check_json(&f->checks[i]));
	add(o, "checks", a);
	char *s = xstrdup(json_object_to_json_string_ext(
		o, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE));
	json_object_put(o);
	return s;
}
