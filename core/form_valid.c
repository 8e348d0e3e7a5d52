/* Validation of dossier values against a definition. */
#include <stdlib.h>
#include <string.h>

#include "core/form_impl.h"
#include "core/i18n.h"
#include "core/validate.h"

const struct form_field *
form_field_find(const struct form_def *f, const char *id)
{
	for (size_t i = 0; i < f->nfields; i++)
		if (strcmp(f->fields[i].id, id) == 0)
			return &f->fields[i];
	return NULL;
}

const struct form_action *
form_action_find(const struct form_def *f, const char *id)
{
	for (size_t i = 0; i < f->nactions; i++)
		if (strcmp(f->actions[i].id, id) == 0)
			return &f->actions[i];
	return NULL;
}

const struct form_state *
form_state_find(const struct form_def *f, const char *id)
{
	for (size_t i = 0; i < f->nstates; i++)
		if (strcmp(f->states[i].id, id) == 0)
			return &f->states[i];
	return NULL;
}

static bool
validate_text_field(const struct form_field *fd, const char *v, struct err *err)
{
	const char *label = fd->label;
	return validate_text(label, v, fd->type == FORM_TEXTAREA || fd->type == FORM_EMAIL_LIST, err) &&
	       validate_max_length(label, v, fd->max, err) &&
	       validate_forbidden(label, v, fd->forbid, err) &&
	       (!fd->latin1 || validate_latin1(label, v, err)) &&
	       (!fd->regex || validate_regex(label, &fd->re, v, fd->regex_error, err));
}

bool
form_validate_field(const struct form_def *f, const char *field_id, const char *value,
		    struct err *err)
{
	const struct form_field *fd = form_field_find(f, field_id);
	if (!fd)
		return err_set(err, ERR_INPUT, _("champ inconnu « %s » pour le type « %s »"), field_id,
			       f->id);
	if (!value || !*value)
		return true;
	const char *label = fd->label;
	switch (fd->type) {
	case FORM_TEXT:
	case FORM_TEXTAREA:
	case FORM_PASSWORD:
		return validate_text_field(fd, value, err);
	case FORM_EMAIL_LIST:
		return validate_text_field(fd, value, err) && validate_email_list(label, value, err);
	case FORM_DATE:
		return validate_date(label, value, fd->not_future, NULL, err);
	case FORM_NUMBER:
		return validate_number(label, value, fd->has_min, fd->min_value, fd->has_max_value,
				       fd->max_value, err);
	case FORM_CHECKBOX:
		return validate_checkbox(label, value, err);
	case FORM_SELECT:
		for (size_t i = 0; i < fd->noptions; i++)
			if (strcmp(fd->options[i].value, value) == 0)
				return true;
		return err_set(err, ERR_INPUT, _("« %s » : « %s » n'est pas une valeur proposée"), label,
			       value);
	case FORM_FILE:
		/* The value is a file name; its content is checked by form_validate_file. */
		return validate_text(label, value, false, err);
	}
	return true;
}

static const char *
value_of(form_value_fn get, void *ctx, const char *id)
{
	const char *v = get ? get(ctx, id) : NULL;
	return v ? v : "";
}

/* Condition values ending in '*' match a prefix. */
static bool
cond_holds(const struct form_cond *c, form_value_fn get, void *ctx)
{
	const char *v = value_of(get, ctx, c->field);
	size_t n = strlen(c->value);
	if (n && c->value[n - 1] == '*')
		return strncmp(v, c->value, n - 1) == 0;
	return strcmp(v, c->value) == 0;
}

bool
form_validate_file(const struct form_def *f, const char *field_id, const char *content_type,
		   long long size, form_value_fn get, void *ctx, struct err *err)
{
	const struct form_field *fd = form_field_find(f, field_id);
	if (!fd || fd->type != FORM_FILE)
		return err_set(err, ERR_INPUT, _("« %s » n'est pas un champ fichier du type « %s »"),
			       field_id, f->id);
	if (fd->content_types.n && !form_list_has(&fd->content_types, content_type)) {
		struct strbuf sb = STRBUF_INIT;
		for (size_t i = 0; i < fd->content_types.n; i++)
			sb_printf(&sb, "%s%s", i ? ", " : "", fd->content_types.v[i]);
		err_set(err, ERR_INPUT, _("« %s » : fichier de type %s refusé (acceptés : %s)"), fd->label,
			content_type, sb_str(&sb));
		sb_free(&sb);
		return false;
	}
	if (fd->max_size >= 0 && size > fd->max_size)
		return err_set(err, ERR_INPUT, _("« %s » : fichier de %lld octets, le maximum est %lld"),
			       fd->label, size, fd->max_size);
	for (size_t i = 0; get && i < f->nchecks; i++) {
		const struct form_check *c = &f->checks[i];
		if (c->kind != FORM_CHECK_TYPE_IF || strcmp(c->left.v[0], field_id) != 0 ||
		    strcmp(c->content_type, content_type) != 0)
			continue;
		for (size_t k = 0; k < c->nconds; k++)
			if (!cond_holds(&c->conds[k], get, ctx))
				return err_set(err, ERR_INPUT, "%s", c->message);
	}
	return true;
}

bool
form_field_shown(const struct form_def *f, const struct form_field *fd, form_value_fn get,
		 void *ctx)
{
	for (size_t i = 0; fd->tab && i < f->ntabs; i++)
		if (strcmp(f->tabs[i].id, fd->tab) == 0)
			return !f->tabs[i].cond.field || cond_holds(&f->tabs[i].cond, get, ctx);
	return true;
}

static bool
sum_of(const struct form_list *l, form_value_fn get, void *ctx, long long *out)
{
	long long s = 0;
	for (size_t i = 0; i < l->n; i++) {
		const char *v = value_of(get, ctx, l->v[i]);
		char *end;
		if (!*v)
			return false;
		s += strtoll(v, &end, 10);
		if (*end)
			return false;
	}
	*out = s;
	return true;
}

/* A check applies only when every field it names is shown. */
static bool
check_applies(const struct form_def *f, const struct form_check *c, form_value_fn get, void *ctx)
{
	const struct form_list *sides[] = { &c->left, &c->right };
	for (int s = 0; s < 2; s++)
		for (size_t i = 0; i < sides[s]->n; i++) {
			const struct form_field *fd = form_field_find(f, sides[s]->v[i]);
			if (fd && !form_field_shown(f, fd, get, ctx))
				return false;
		}
	return true;
}

static bool
run_check(const struct form_check *c, form_value_fn get, void *ctx, struct err *err)
{
	long long a, b;
	switch (c->kind) {
	case FORM_CHECK_SAME:
		if (strcmp(value_of(get, ctx, c->left.v[0]), value_of(get, ctx, c->right.v[0])) != 0)
			return err_set(err, ERR_INPUT, "%s", c->message);
		return true;
	case FORM_CHECK_LE:
		/* Only when every number is given. */
		if (sum_of(&c->left, get, ctx, &a) && sum_of(&c->right, get, ctx, &b) && a > b)
			return err_set(err, ERR_INPUT, "%s", c->message);
		return true;
	case FORM_CHECK_ONE_OF:
		for (size_t i = 0; i < c->left.n; i++)
			if (*value_of(get, ctx, c->left.v[i]))
				return true;
		return err_set(err, ERR_INPUT, "%s", c->message);
	case FORM_CHECK_TYPE_IF:
		return true; /* at attachment time, see form_validate_file */
	}
	return true;
}

bool
form_validate_all(const struct form_def *f, form_value_fn get, void *ctx, struct err *err)
{
	for (size_t i = 0; i < f->nfields; i++) {
		const struct form_field *fd = &f->fields[i];
		if (!form_field_shown(f, fd, get, ctx))
			continue;
		const char *v = value_of(get, ctx, fd->id);
		if (!*v) {
			if (fd->required)
				return err_set(err, ERR_INPUT, _("« %s » est obligatoire"), fd->label);
			continue;
		}
		if (!form_validate_field(f, fd->id, v, err))
			return false;
	}
	for (size_t i = 0; i < f->nchecks; i++)
		if (check_applies(f, &f->checks[i], get, ctx) &&
		    !run_check(&f->checks[i], get, ctx, err))
			return false;
	return true;
}
