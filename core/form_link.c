/* Cross-reference checks of a parsed definition: every id used exists,
 * options fit the field type, every state is reachable. */
#include <string.h>

#include "core/form_impl.h"
#include "core/i18n.h"

static const char *const connectors[] = { "signature", "TdT",	 "GED",		 "SAE",
					  "SEDA",      "mailsec", "pdf-relance", "transformation" };

static bool
has_field(const struct form_def *f, const char *id)
{
	return form_field_find(f, id) != NULL;
}

static bool
has_state(const struct form_def *f, const char *id)
{
	return form_state_find(f, id) != NULL;
}

static bool
text_like(enum form_field_type t)
{
	return t == FORM_TEXT || t == FORM_TEXTAREA || t == FORM_PASSWORD || t == FORM_EMAIL_LIST;
}

/* A condition "field:value": the field exists and may hold the value. */
static void
check_cond(struct form_parser *p, int line, const struct form_cond *c)
{
	if (!c->field)
		return;
	const struct form_field *fd = form_field_find(p->f, c->field);
	if (!fd) {
		form_error(p, line, _("condition sur un champ inconnu « %s »"), c->field);
		return;
	}
	if (fd->type == FORM_CHECKBOX && *c->value && strcmp(c->value, "on") != 0)
		form_error(p, line, _("la case à cocher « %s » vaut « on » ou rien, pas « %s »"),
			   c->field, c->value);
	if (fd->type == FORM_SELECT && *c->value) {
		bool found = false;
		for (size_t i = 0; i < fd->noptions; i++)
			found |= strcmp(fd->options[i].value, c->value) == 0;
		if (!found)
			form_error(p, line, _("« %s » n'est pas une valeur du champ « %s »"), c->value,
				   c->field);
	}
}

static void
check_states(struct form_parser *p, int line, const struct form_list *l, bool star_ok,
	     const char *opt)
{
	for (size_t i = 0; i < l->n; i++) {
		if (star_ok && strcmp(l->v[i], "*") == 0) {
			if (l->n > 1)
				form_error(p, line, _("%s=* ne se combine pas avec d'autres états"), opt);
			continue;
		}
		if (!has_state(p->f, l->v[i]))
			form_error(p, line, _("%s= : état inconnu « %s »"), opt, l->v[i]);
	}
}

static void
check_rule(struct form_parser *p, int line, const struct form_rule *r)
{
	if (r->initial && r->from.n)
		form_error(p, line, _("« initial » et from= s'excluent"));
	if (!r->initial && !r->from.n)
		form_error(p, line, _("état de départ manquant : from=... ou initial"));
	check_states(p, line, &r->from, true, "from");
	check_states(p, line, &r->has, false, "has");
	check_states(p, line, &r->not_has, false, "not-has");
	for (size_t i = 0; i < r->nfields; i++)
		check_cond(p, line, &r->fields[i]);
}

static void
check_fields_list(struct form_parser *p, int line, const struct form_list *l, const char *opt)
{
	for (size_t i = 0; i < l->n; i++)
		if (!has_field(p->f, l->v[i]))
			form_error(p, line, _("%s : champ inconnu « %s »"), opt, l->v[i]);
}

static void
link_ids(struct form_parser *p)
{
	const struct form_def *f = p->f;
#define UNIQUE(arr, n, what)                                                                   \
	for (size_t i = 0; i < (n); i++) {                                                     \
		if (!form_valid_id((arr)[i].id))                                               \
			form_error(p, (arr)[i].line,                                           \
				   _("identifiant invalide « %s » (minuscules, chiffres, - et _)"), \
				   (arr)[i].id);                                               \
		for (size_t j = 0; j < i; j++)                                                 \
			if (strcmp((arr)[i].id, (arr)[j].id) == 0) {                           \
				form_error(p, (arr)[i].line, _("%s « %s » déjà déclaré ligne %d"), \
					   what, (arr)[i].id, (arr)[j].line);                  \
				break;                                                         \
			}                                                                      \
	}
	UNIQUE(f->tabs, f->ntabs, _("onglet"));
	UNIQUE(f->fields, f->nfields, _("champ"));
	UNIQUE(f->states, f->nstates, _("état"));
	UNIQUE(f->actions, f->nactions, _("action"));
	UNIQUE(f->steps, f->nsteps, _("étape"));
#undef UNIQUE
}

static void
link_field(struct form_parser *p, struct form_field *fd, int *title_line)
{
	const struct form_def *f = p->f;
	int line = fd->line;
	if (!fd->tab) {
		form_error(p, line, _("champ « %s » hors de tout onglet : déclarez un « tab » avant"), fd->id);
	} else {
		bool found = false;
		for (size_t i = 0; i < f->ntabs; i++)
			found |= strcmp(f->tabs[i].id, fd->tab) == 0;
		if (!found)
			form_error(p, line, _("onglet inconnu « %s »"), fd->tab);
	}
	if (fd->type == FORM_SELECT && !fd->noptions)
		form_error(p, line, _("le champ select « %s » n'a aucune « option »"), fd->id);
	if (fd->type != FORM_FILE && (fd->content_types.n || fd->max_size >= 0 || fd->multiple))
		form_error(p, line, _("types=, max-size= et multiple ne valent que pour un champ file"));
	if (!text_like(fd->type) && fd->type != FORM_NUMBER && fd->max >= 0)
		form_error(p, line, _("max= ne vaut pas pour un champ %s"), form_field_type_name(fd->type));
	if (!text_like(fd->type) && (fd->latin1 || fd->forbid || fd->regex))
		form_error(p, line, _("latin1, forbid= et regex= ne valent que pour un champ texte"));
	if (fd->not_future && fd->type != FORM_DATE)
		form_error(p, line, _("not-future ne vaut que pour un champ date"));
	if (fd->regex_error && !fd->regex)
		form_error(p, line, _("regex-error= sans regex="));
	if (fd->title) {
		if (*title_line)
			form_error(p, line, _("un seul champ « title » par type (déjà ligne %d)"), *title_line);
		*title_line = line;
		if (fd->type != FORM_TEXT && fd->type != FORM_TEXTAREA)
			form_error(p, line, _("le champ « title » doit être de type text ou textarea"));
	}
	if (fd->default_value && !(fd->type == FORM_DATE && strcmp(fd->default_value, "today") == 0)) {
		struct err e = { 0 };
		if (!form_validate_field(f, fd->id, fd->default_value, &e))
			form_error(p, line, _("valeur par défaut refusée : %s"), e.msg);
	}
}

static void
link_action(struct form_parser *p, const struct form_action *a)
{
	const struct form_def *f = p->f;
	int line = a->line;
	if (!has_state(f, a->state))
		form_error(p, line, _("l'action « %s » mène à un état non déclaré « %s »"), a->id, a->state);
	check_rule(p, line, &a->rule);
	for (size_t i = 0; i < a->nalt; i++)
		check_rule(p, line, &a->alt[i]);
	if (a->auto_action && !form_action_find(f, a->auto_action))
		form_error(p, line, _("auto= : action inconnue « %s »"), a->auto_action);
	if (a->auto_if.field && !a->auto_action)
		form_error(p, line, _("auto-if= sans auto="));
	check_cond(p, line, &a->auto_if);
	for (size_t i = 0; i < a->outcomes.n; i++)
		if (!form_action_find(f, a->outcomes.v[i]))
			form_error(p, line, _("outcomes= : action inconnue « %s »"), a->outcomes.v[i]);
	check_fields_list(p, line, &a->editable, "editable=");
	if (a->connector) {
		bool ok = false;
		for (size_t i = 0; i < sizeof(connectors) / sizeof(connectors[0]); i++)
			ok |= strcmp(a->connector, connectors[i]) == 0;
		if (!ok)
			form_error(p, line,
				   _("connector= : famille inconnue « %s » (signature, TdT, GED, SAE, "
				     "SEDA, mailsec, pdf-relance, transformation)"),
				   a->connector);
	}
	if (a->orientation && !f->nsteps)
		form_error(p, line, _("action « orientation » sans aucune déclaration « step »"));
}

static void
link_check(struct form_parser *p, const struct form_check *c)
{
	const struct form_def *f = p->f;
	check_fields_list(p, c->line, &c->left, "check");
	if (c->kind != FORM_CHECK_TYPE_IF)
		check_fields_list(p, c->line, &c->right, "check");
	for (size_t i = 0; i < c->nconds; i++)
		check_cond(p, c->line, &c->conds[i]);
	const struct form_list *sides[] = { &c->left, &c->right };
	for (int s = 0; c->kind == FORM_CHECK_LE && s < 2; s++)
		for (size_t i = 0; i < sides[s]->n; i++) {
			const struct form_field *fd = form_field_find(f, sides[s]->v[i]);
			if (fd && fd->type != FORM_NUMBER)
				form_error(p, c->line, _("check le : « %s » n'est pas un champ number"), fd->id);
		}
	if (c->kind == FORM_CHECK_TYPE_IF) {
		const struct form_field *fd = c->left.n ? form_field_find(f, c->left.v[0]) : NULL;
		if (c->left.n != 1 || (fd && fd->type != FORM_FILE))
			form_error(p, c->line, _("check type-if : un seul champ file attendu"));
	}
}

void
form_link(struct form_parser *p)
{
	struct form_def *f = p->f;
	link_ids(p);
	for (size_t i = 0; i < f->ntabs; i++)
		check_cond(p, f->tabs[i].line, &f->tabs[i].cond);
	int title_line = 0;
	for (size_t i = 0; i < f->nfields; i++)
		link_field(p, &f->fields[i], &title_line);
	bool initial = false;
	for (size_t i = 0; i < f->nactions; i++) {
		link_action(p, &f->actions[i]);
		initial |= f->actions[i].rule.initial;
	}
	if (p->type_line && !initial)
		form_error(p, p->type_line, _("aucune action « initial » (création du dossier)"));
	for (size_t i = 0; i < f->nstates; i++) {
		bool reached = false;
		for (size_t k = 0; k < f->nactions; k++)
			reached |= strcmp(f->actions[k].state, f->states[i].id) == 0;
		if (!reached)
			form_error(p, f->states[i].line, _("aucune action ne mène à l'état « %s »"),
				   f->states[i].id);
	}
	bool orientation = false;
	for (size_t i = 0; i < f->nactions; i++)
		orientation |= f->actions[i].orientation;
	for (size_t i = 0; i < f->nsteps; i++) {
		const struct form_step *s = &f->steps[i];
		if (s->action && !form_action_find(f, s->action))
			form_error(p, s->line, _("step : action inconnue « %s »"), s->action);
		check_states(p, s->line, &s->done, false, "done");
		check_cond(p, s->line, &s->cond);
		if (!orientation && i == 0)
			form_error(p, s->line, _("« step » sans action marquée « orientation »"));
	}
	for (size_t i = 0; i < f->nchecks; i++)
		link_check(p, &f->checks[i]);
	for (size_t i = 0; i < f->threshold_fields.n; i++) {
		const struct form_field *fd = form_field_find(f, f->threshold_fields.v[i]);
		if (!fd || fd->type != FORM_FILE)
			form_error(p, p->threshold_line,
				   _("threshold : « %s » n'est pas un champ file"), f->threshold_fields.v[i]);
	}
}
