/* Parser of the forms/NAME.form files (see liasse-forms(5)): one pass over
 * the declarations, then the cross-reference checks (form_link.c).
 * Errors are collected as "name:line: raison" and parsing goes on. */
#include "core/form.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/sha.h>

#include "core/form_impl.h"
#include "core/i18n.h"
#include "core/tokenize.h"
#include "core/validate.h"

void
form_error(struct form_parser *p, int line, const char *fmt, ...)
{
	va_list ap;
	char buf[512];
	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	p->nerr++;
	if (p->errs)
		sb_printf(p->errs, "%s:%d: %s\n", p->name, line, buf);
}

void
form_list_add(struct form_list *l, const char *s)
{
	l->v = xrealloc(l->v, (l->n + 1) * sizeof(*l->v));
	l->v[l->n++] = xstrdup(s);
}

void
form_list_free(struct form_list *l)
{
	for (size_t i = 0; i < l->n; i++)
		free(l->v[i]);
	free(l->v);
	l->v = NULL;
	l->n = 0;
}

bool
form_list_has(const struct form_list *l, const char *s)
{
	for (size_t i = 0; i < l->n; i++)
		if (strcmp(l->v[i], s) == 0)
			return true;
	return false;
}

/* Grows an array of N elements of SIZE by one zeroed element. */
static void *
grow(void *arr, size_t *n, size_t size)
{
	char *a = xrealloc(arr, (*n + 1) * size);
	memset(a + *n * size, 0, size);
	(*n)++;
	return a;
}
#define PUSH(arr, n) ((arr) = grow((arr), &(n), sizeof(*(arr))), &(arr)[(n) - 1])

bool
form_valid_id(const char *s)
{
	size_t n = strlen(s);
	if (n == 0 || n > 64)
		return false;
	for (size_t i = 0; i < n; i++) {
		char c = s[i];
		bool ok = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
			  (i > 0 && (c == '_' || c == '-'));
		if (!ok)
			return false;
	}
	return true;
}

/* Splits "a,b,c" into L; false on an empty item. */
static bool
split_list(const char *s, struct form_list *l)
{
	const char *p = s;
	for (;;) {
		const char *c = strchr(p, ',');
		size_t n = c ? (size_t)(c - p) : strlen(p);
		if (n == 0)
			return false;
		char *item = xstrndup(p, n);
		form_list_add(l, item);
		free(item);
		if (!c)
			return true;
		p = c + 1;
	}
}

/* "field:value" or "field" (= "on") into C. */
static void
parse_cond(const char *s, struct form_cond *c)
{
	const char *colon = strchr(s, ':');
	free(c->field);
	free(c->value);
	if (colon) {
		c->field = xstrndup(s, (size_t)(colon - s));
		c->value = xstrdup(colon + 1);
	} else {
		c->field = xstrdup(s);
		c->value = xstrdup("on");
	}
}

static bool
parse_int(const char *s, long long *out)
{
	char *end;
	if (!*s)
		return false;
	long long v = strtoll(s, &end, 10);
	if (*end)
		return false;
	*out = v;
	return true;
}

/* Sizes: a number of bytes, or with a suffix K, M, G (powers of 1024). */
static bool
parse_size(const char *s, long long *out)
{
	char *end;
	if (!*s || *s == '-')
		return false;
	long long v = strtoll(s, &end, 10);
	long long mul = 1;
	if (*end == 'K' || *end == 'k')
		mul = 1024, end++;
	else if (*end == 'M')
		mul = 1024LL * 1024, end++;
	else if (*end == 'G')
		mul = 1024LL * 1024 * 1024, end++;
	if (*end || v < 0 || v > (1LL << 50) / mul)
		return false;
	*out = v * mul;
	return true;
}

/* Per declaration: options already seen (to refuse repeats). */
struct seen {
	const char *keys[32];
	size_t n;
};

static bool
seen_once(struct form_parser *p, struct seen *s, const struct token *t)
{
	const char *k = t->kind == TOK_OPTION ? t->key : t->value;
	for (size_t i = 0; i < s->n; i++)
		if (strcmp(s->keys[i], k) == 0) {
			form_error(p, t->line, _("option « %s » répétée"), k);
			return false;
		}
	if (s->n < 32)
		s->keys[s->n++] = k;
	return true;
}

/* The positional arguments of a declaration: COUNT words then NSTR
 * strings, checked for kind. Returns the index of the first option. */
static size_t
positional(struct form_parser *p, const struct tok_line *l, const char *const *what,
	   const enum tok_kind *kinds, size_t count, const char **out)
{
	size_t i;
	for (i = 0; i < count; i++) {
		const struct token *t = i + 1 < l->n ? &l->tok[i + 1] : NULL;
		if (!t || t->kind == TOK_OPTION || (kinds[i] == TOK_STRING) != t->quoted) {
			form_error(p, t ? t->line : l->line, _("« %s » : %s attendu"), l->tok[0].value,
				   what[i]);
			return 0;
		}
		out[i] = t->value;
	}
	return count + 1;
}

static void
unknown_option(struct form_parser *p, const struct token *t, const char *decl)
{
	if (t->kind == TOK_OPTION)
		form_error(p, t->line, _("option inconnue « %s= » pour « %s »"), t->key, decl);
	else
		form_error(p, t->line, _("mot inattendu « %s » dans « %s »"), t->value, decl);
}

static void
decl_type(struct form_parser *p, const struct tok_line *l)
{
	struct form_def *f = p->f;
	const char *what[] = { _("l'identifiant du type"), _("le nom entre guillemets") };
	const enum tok_kind kinds[] = { TOK_WORD, TOK_STRING };
	const char *a[2];
	size_t i = positional(p, l, what, kinds, 2, a);
	if (!i)
		return;
	if (p->type_line) {
		form_error(p, l->line, _("« type » déjà déclaré ligne %d"), p->type_line);
		return;
	}
	p->type_line = l->line;
	if (!form_valid_id(a[0]))
		form_error(p, l->line, _("identifiant de type invalide « %s » (minuscules, chiffres, - et _)"), a[0]);
	f->id = xstrdup(a[0]);
	f->name = xstrdup(a[1]);
	struct seen seen = { 0 };
	for (; i < l->n; i++) {
		const struct token *t = &l->tok[i];
		if (t->kind == TOK_OPTION && strcmp(t->key, "family") == 0) {
			if (seen_once(p, &seen, t)) {
				free(f->family);
				f->family = xstrdup(t->value);
			}
		} else {
			unknown_option(p, t, "type");
		}
	}
	if (!f->family)
		form_error(p, l->line, _("« type » : family=\"...\" (groupe du menu) manquant"));
}

static void
decl_description(struct form_parser *p, const struct tok_line *l)
{
	if (l->n != 2 || !l->tok[1].quoted) {
		form_error(p, l->line, _("« description » attend une seule chaîne entre guillemets"));
		return;
	}
	if (p->f->description) {
		form_error(p, l->line, _("« description » répétée"));
		return;
	}
	p->f->description = xstrdup(l->tok[1].value);
}

static void
decl_tab(struct form_parser *p, const struct tok_line *l)
{
	const char *what[] = { _("l'identifiant de l'onglet"), _("le libellé entre guillemets") };
	const enum tok_kind kinds[] = { TOK_WORD, TOK_STRING };
	const char *a[2];
	size_t i = positional(p, l, what, kinds, 2, a);
	if (!i)
		return;
	struct form_tab *tab = PUSH(p->f->tabs, p->f->ntabs);
	tab->id = xstrdup(a[0]);
	tab->label = xstrdup(a[1]);
	tab->line = l->line;
	struct seen seen = { 0 };
	for (; i < l->n; i++) {
		const struct token *t = &l->tok[i];
		if (t->kind == TOK_OPTION && strcmp(t->key, "if") == 0) {
			if (seen_once(p, &seen, t))
				parse_cond(t->value, &tab->cond);
		} else {
			unknown_option(p, t, "tab");
		}
	}
}

static bool
field_type_parse(const char *s, enum form_field_type *t)
{
	for (int i = FORM_TEXT; i <= FORM_PASSWORD; i++)
		if (strcmp(s, form_field_type_name(i)) == 0) {
			*t = i;
			return true;
		}
	return false;
}

static bool
field_flag(struct form_field *fd, const char *w)
{
	static const struct {
		const char *name;
		size_t off;
	} flags[] = {
		{ "required", offsetof(struct form_field, required) },
		{ "multiple", offsetof(struct form_field, multiple) },
		{ "latin1", offsetof(struct form_field, latin1) },
		{ "title", offsetof(struct form_field, title) },
		{ "index", offsetof(struct form_field, index) },
		{ "list", offsetof(struct form_field, list) },
		{ "search", offsetof(struct form_field, search) },
		{ "not-future", offsetof(struct form_field, not_future) },
	};
	for (size_t k = 0; k < sizeof(flags) / sizeof(flags[0]); k++)
		if (strcmp(w, flags[k].name) == 0) {
			*(bool *)((char *)fd + flags[k].off) = true;
			return true;
		}
	static const char *const vis[] = { "normal", "read-only", "edit-only", "no-show" };
	for (int k = 1; k < 4; k++)
		if (strcmp(w, vis[k]) == 0) {
			fd->visibility = (enum form_visibility)k;
			return true;
		}
	return false;
}

static void
field_option(struct form_parser *p, struct form_field *fd, const struct token *t)
{
	const char *k = t->key, *v = t->value;
	long long n;
	if (strcmp(k, "tab") == 0) {
		free(fd->tab);
		fd->tab = xstrdup(v);
	} else if (strcmp(k, "max") == 0) {
		if (fd->type == FORM_NUMBER) {
			if (!parse_int(v, &n)) {
				form_error(p, t->line, _("max= : nombre entier attendu, pas « %s »"), v);
			} else {
				fd->has_max_value = true;
				fd->max_value = n;
			}
		} else if (!parse_int(v, &n) || n < 1 || n > 1000000) {
			form_error(p, t->line, _("max= : longueur entre 1 et 1000000 attendue, pas « %s »"), v);
		} else {
			fd->max = (long)n;
		}
	} else if (strcmp(k, "min") == 0) {
		if (fd->type != FORM_NUMBER)
			form_error(p, t->line, _("min= ne vaut que pour un champ number"));
		else if (!parse_int(v, &n))
			form_error(p, t->line, _("min= : nombre entier attendu, pas « %s »"), v);
		else
			fd->has_min = true, fd->min_value = n;
	} else if (strcmp(k, "regex") == 0) {
		fd->regex = xstrdup(v);
		struct err e = { 0 };
		if (!validate_regex_compile(&fd->re, v, &e)) {
			form_error(p, t->line, "%s", e.msg);
			free(fd->regex);
			fd->regex = NULL;
		}
	} else if (strcmp(k, "regex-error") == 0) {
		fd->regex_error = xstrdup(v);
	} else if (strcmp(k, "forbid") == 0) {
		fd->forbid = xstrdup(v);
	} else if (strcmp(k, "default") == 0) {
		fd->default_value = xstrdup(v);
	} else if (strcmp(k, "types") == 0) {
		if (!split_list(v, &fd->content_types))
			form_error(p, t->line, _("types= : liste de types MIME séparés par des virgules"));
	} else if (strcmp(k, "max-size") == 0) {
		if (!parse_size(v, &fd->max_size))
			form_error(p, t->line, _("max-size= : taille invalide « %s » (octets, ou suffixe K, M, G)"), v);
	} else if (strcmp(k, "help") == 0) {
		fd->help = xstrdup(v);
	} else {
		unknown_option(p, t, "field");
	}
}

static void
decl_field(struct form_parser *p, const struct tok_line *l)
{
	const char *what[] = { _("l'identifiant du champ"), _("le type du champ"),
			       _("le libellé entre guillemets") };
	const enum tok_kind kinds[] = { TOK_WORD, TOK_WORD, TOK_STRING };
	const char *a[3];
	size_t i = positional(p, l, what, kinds, 3, a);
	if (!i)
		return;
	enum form_field_type type;
	if (!field_type_parse(a[1], &type)) {
		form_error(p, l->tok[2].line,
			   _("type de champ inconnu « %s » (text, textarea, date, select, checkbox, "
			     "file, number, email-list, password)"),
			   a[1]);
		return;
	}
	struct form_field *fd = PUSH(p->f->fields, p->f->nfields);
	fd->id = xstrdup(a[0]);
	fd->type = type;
	fd->label = xstrdup(a[2]);
	fd->max = -1;
	fd->max_size = -1;
	fd->line = l->line;
	if (p->f->ntabs)
		fd->tab = xstrdup(p->f->tabs[p->f->ntabs - 1].id);
	struct seen seen = { 0 };
	for (; i < l->n; i++) {
		const struct token *t = &l->tok[i];
		if (t->kind == TOK_OPTION) {
			if (seen_once(p, &seen, t))
				field_option(p, fd, t);
		} else if (t->quoted || !field_flag(fd, t->value)) {
			unknown_option(p, t, "field");
		} else {
			seen_once(p, &seen, t);
		}
	}
}

static void
decl_option(struct form_parser *p, const struct tok_line *l)
{
	const char *what[] = { _("la valeur"), _("le libellé entre guillemets") };
	const enum tok_kind kinds[] = { TOK_WORD, TOK_STRING };
	const char *a[2];
	size_t i = positional(p, l, what, kinds, 2, a);
	if (!i)
		return;
	if (i < l->n)
		unknown_option(p, &l->tok[i], "option");
	struct form_field *fd = p->f->nfields ? &p->f->fields[p->f->nfields - 1] : NULL;
	if (!fd || fd->type != FORM_SELECT) {
		form_error(p, l->line, _("« option » doit suivre un champ de type select"));
		return;
	}
	for (size_t k = 0; k < fd->noptions; k++)
		if (strcmp(fd->options[k].value, a[0]) == 0) {
			form_error(p, l->line, _("valeur « %s » répétée pour le champ « %s »"), a[0], fd->id);
			return;
		}
	struct form_option *o = PUSH(fd->options, fd->noptions);
	o->value = xstrdup(a[0]);
	o->label = xstrdup(a[1]);
}

static void
decl_state(struct form_parser *p, const struct tok_line *l)
{
	const char *what[] = { _("l'identifiant de l'état"), _("le libellé entre guillemets") };
	const enum tok_kind kinds[] = { TOK_WORD, TOK_STRING };
	const char *a[2];
	size_t i = positional(p, l, what, kinds, 2, a);
	if (!i)
		return;
	if (i < l->n)
		unknown_option(p, &l->tok[i], "state");
	struct form_state *s = PUSH(p->f->states, p->f->nstates);
	s->id = xstrdup(a[0]);
	s->label = xstrdup(a[1]);
	s->line = l->line;
}

/* Rule options shared by action and or; false when K is not one. */
static bool
rule_option(struct form_parser *p, struct form_rule *r, const struct token *t)
{
	const char *k = t->key;
	struct form_list *l = NULL;
	if (strcmp(k, "from") == 0)
		l = &r->from;
	else if (strcmp(k, "has") == 0)
		l = &r->has;
	else if (strcmp(k, "not-has") == 0)
		l = &r->not_has;
	if (l) {
		if (!split_list(t->value, l))
			form_error(p, t->line, _("%s= : liste d'identifiants séparés par des virgules"), k);
		return true;
	}
	if (strcmp(k, "if") == 0) {
		struct form_cond *c = PUSH(r->fields, r->nfields);
		parse_cond(t->value, c);
		return true;
	}
	return false;
}

static bool
rule_flag(struct form_rule *r, const char *w)
{
	if (strcmp(w, "initial") == 0)
		r->initial = true;
	else if (strcmp(w, "valid") == 0)
		r->valid = true;
	else
		return false;
	return true;
}

static void
action_option(struct form_parser *p, struct form_action *a, const struct token *t)
{
	const char *k = t->key, *v = t->value;
	char **dst = NULL;
	if (rule_option(p, &a->rule, t))
		return;
	if (strcmp(k, "state") == 0)
		dst = &a->state;
	else if (strcmp(k, "auto") == 0)
		dst = &a->auto_action;
	else if (strcmp(k, "connector") == 0)
		dst = &a->connector;
	else if (strcmp(k, "warning") == 0)
		dst = &a->warning;
	if (dst) {
		free(*dst);
		*dst = xstrdup(v);
	} else if (strcmp(k, "auto-if") == 0) {
		parse_cond(v, &a->auto_if);
	} else if (strcmp(k, "right") == 0) {
		if (strcmp(v, "edition") == 0)
			a->right = FORM_RIGHT_EDITION;
		else if (strcmp(v, "lecture") == 0)
			a->right = FORM_RIGHT_LECTURE;
		else
			form_error(p, t->line, _("right= : « lecture » ou « edition » attendu, pas « %s »"), v);
	} else if (strcmp(k, "editable") == 0 || strcmp(k, "outcomes") == 0) {
		struct form_list *l = k[0] == 'e' ? &a->editable : &a->outcomes;
		if (!split_list(v, l))
			form_error(p, t->line, _("%s= : liste d'identifiants séparés par des virgules"), k);
	} else {
		unknown_option(p, t, "action");
	}
}

static bool
action_flag(struct form_action *a, const char *w)
{
	if (rule_flag(&a->rule, w))
		return true;
	if (strcmp(w, "system") == 0)
		a->system = true;
	else if (strcmp(w, "no-batch") == 0)
		a->batch = false;
	else if (strcmp(w, "keep-state") == 0)
		a->keep_state = true;
	else if (strcmp(w, "orientation") == 0)
		a->orientation = true;
	else
		return false;
	return true;
}

static void
decl_action(struct form_parser *p, const struct tok_line *l)
{
	const char *what[] = { _("l'identifiant de l'action"), _("le libellé du bouton entre guillemets") };
	const enum tok_kind kinds[] = { TOK_WORD, TOK_STRING };
	const char *a[2];
	size_t i = positional(p, l, what, kinds, 2, a);
	if (!i)
		return;
	struct form_action *ac = PUSH(p->f->actions, p->f->nactions);
	ac->id = xstrdup(a[0]);
	ac->label = xstrdup(a[1]);
	ac->batch = true;
	ac->line = l->line;
	struct seen seen = { 0 };
	for (; i < l->n; i++) {
		const struct token *t = &l->tok[i];
		if (t->kind == TOK_OPTION) {
			if (strcmp(t->key, "if") == 0 || seen_once(p, &seen, t))
				action_option(p, ac, t);
		} else if (t->quoted || !action_flag(ac, t->value)) {
			unknown_option(p, t, "action");
		} else {
			seen_once(p, &seen, t);
		}
	}
	if (!ac->state)
		ac->state = xstrdup(ac->id);
}

/* or ACTION rule...: an alternative rule of an action already declared. */
static void
decl_or(struct form_parser *p, const struct tok_line *l)
{
	if (l->n < 2 || l->tok[1].kind != TOK_WORD || l->tok[1].quoted) {
		form_error(p, l->line, _("« or » : l'identifiant de l'action attendu"));
		return;
	}
	struct form_action *ac = NULL;
	for (size_t k = 0; k < p->f->nactions; k++)
		if (strcmp(p->f->actions[k].id, l->tok[1].value) == 0)
			ac = &p->f->actions[k];
	if (!ac) {
		form_error(p, l->line, _("« or » : action « %s » non déclarée avant"), l->tok[1].value);
		return;
	}
	struct form_rule *r = PUSH(ac->alt, ac->nalt);
	struct seen seen = { 0 };
	for (size_t i = 2; i < l->n; i++) {
		const struct token *t = &l->tok[i];
		if (t->kind == TOK_OPTION) {
			if ((strcmp(t->key, "if") == 0 || seen_once(p, &seen, t)) && !rule_option(p, r, t))
				unknown_option(p, t, "or");
		} else if (t->quoted || !rule_flag(r, t->value)) {
			unknown_option(p, t, "or");
		}
	}
}

static void
decl_step(struct form_parser *p, const struct tok_line *l)
{
	const char *what[] = { _("l'identifiant de l'étape") };
	const enum tok_kind kinds[] = { TOK_WORD };
	const char *a[1];
	size_t i = positional(p, l, what, kinds, 1, a);
	if (!i)
		return;
	struct form_step *s = PUSH(p->f->steps, p->f->nsteps);
	s->id = xstrdup(a[0]);
	s->line = l->line;
	struct seen seen = { 0 };
	for (; i < l->n; i++) {
		const struct token *t = &l->tok[i];
		if (t->kind != TOK_OPTION) {
			unknown_option(p, t, "step");
		} else if (!seen_once(p, &seen, t)) {
			continue;
		} else if (strcmp(t->key, "if") == 0) {
			parse_cond(t->value, &s->cond);
		} else if (strcmp(t->key, "action") == 0) {
			s->action = xstrdup(t->value);
		} else if (strcmp(t->key, "done") == 0) {
			if (!split_list(t->value, &s->done))
				form_error(p, t->line, _("done= : liste d'états séparés par des virgules"));
		} else {
			unknown_option(p, t, "step");
		}
	}
	if (!s->action)
		form_error(p, l->line, _("« step » : action= manquant"));
}

static void
decl_check(struct form_parser *p, const struct tok_line *l)
{
	static const char *const kinds[] = { "same", "le", "one-of", "type-if" };
	if (l->n < 2 || l->tok[1].quoted || l->tok[1].kind != TOK_WORD) {
		form_error(p, l->line, _("« check » : same, le, one-of ou type-if attendu"));
		return;
	}
	int kind = -1;
	for (int k = 0; k < 4; k++)
		if (strcmp(l->tok[1].value, kinds[k]) == 0)
			kind = k;
	if (kind < 0) {
		form_error(p, l->tok[1].line, _("« check » : sorte inconnue « %s » (same, le, one-of, type-if)"),
			   l->tok[1].value);
		return;
	}
	struct form_check *c = PUSH(p->f->checks, p->f->nchecks);
	c->kind = (enum form_check_kind)kind;
	c->line = l->line;
	size_t nwords = 0;
	for (size_t i = 2; i < l->n; i++) {
		const struct token *t = &l->tok[i];
		if (t->kind == TOK_STRING) {
			if (c->message)
				form_error(p, t->line, _("« check » : un seul message entre guillemets"));
			else
				c->message = xstrdup(t->value);
		} else if (t->kind == TOK_OPTION && strcmp(t->key, "if") == 0 && kind == FORM_CHECK_TYPE_IF) {
			parse_cond(t->value, PUSH(c->conds, c->nconds));
		} else if (t->kind == TOK_WORD && nwords < 2) {
			/* left and right: '+'-separated for le, ','-separated lists otherwise */
			struct form_list *dst = nwords == 0 ? &c->left : &c->right;
			if (kind == FORM_CHECK_TYPE_IF && nwords == 1) {
				c->content_type = xstrdup(t->value);
			} else {
				char *s = xstrdup(t->value);
				for (char *q = s; *q; q++)
					if (*q == '+')
						*q = ',';
				if (!split_list(s, dst))
					form_error(p, t->line, _("« check » : liste de champs invalide « %s »"), t->value);
				free(s);
			}
			nwords++;
		} else {
			unknown_option(p, t, "check");
		}
	}
	size_t want = kind == FORM_CHECK_ONE_OF ? 1 : 2;
	if (nwords != want)
		form_error(p, l->line, _("« check %s » attend %zu argument(s) avant le message"),
			   kinds[kind], want);
	if (!c->message)
		form_error(p, l->line, _("« check » : message d'erreur entre guillemets manquant"));
}

static void
decl_threshold(struct form_parser *p, const struct tok_line *l)
{
	if (l->n != 3 || l->tok[1].kind != TOK_WORD || l->tok[2].kind != TOK_WORD) {
		form_error(p, l->line, _("« threshold » attend une taille puis une liste de champs fichier"));
		return;
	}
	if (p->f->threshold_size >= 0) {
		form_error(p, l->line, _("« threshold » répété"));
		return;
	}
	p->threshold_line = l->line;
	if (!parse_size(l->tok[1].value, &p->f->threshold_size)) {
		form_error(p, l->line, _("« threshold » : taille invalide « %s »"), l->tok[1].value);
		p->f->threshold_size = -1;
	}
	if (!split_list(l->tok[2].value, &p->f->threshold_fields))
		form_error(p, l->line, _("« threshold » : liste de champs séparés par des virgules"));
}

static const struct {
	const char *keyword;
	void (*parse)(struct form_parser *, const struct tok_line *);
} decls[] = {
	{ "type", decl_type },     { "description", decl_description },
	{ "tab", decl_tab },       { "field", decl_field },
	{ "option", decl_option }, { "state", decl_state },
	{ "action", decl_action }, { "or", decl_or },
	{ "step", decl_step },     { "check", decl_check },
	{ "threshold", decl_threshold },
};

struct form_def *
form_parse(const char *name, const char *data, size_t len, struct strbuf *errs)
{
	struct form_parser p = { .name = name, .errs = errs };
	struct form_def *f = xcalloc(1, sizeof(*f));
	f->threshold_size = -1;
	p.f = f;
	struct tok_reader r;
	struct tok_line l = { 0 };
	char msg[256];
	int errline = 0;
	enum tok_status st;
	tok_reader_init(&r, data, len);
	while ((st = tok_next(&r, &l, msg, sizeof(msg), &errline)) != TOK_END) {
		if (st == TOK_ERROR) {
			form_error(&p, errline, "%s", msg);
			continue;
		}
		const struct token *k = &l.tok[0];
		size_t d;
		for (d = 0; d < sizeof(decls) / sizeof(decls[0]); d++)
			if (k->kind == TOK_WORD && strcmp(k->value, decls[d].keyword) == 0)
				break;
		if (d == sizeof(decls) / sizeof(decls[0])) {
			form_error(&p, l.line,
				   _("déclaration inconnue « %s » (type, description, tab, field, option, "
				     "state, action, or, step, check, threshold)"),
				   k->kind == TOK_OPTION ? k->key : k->value);
			continue;
		}
		if (!p.any_decl && d != 0)
			form_error(&p, l.line, _("la première déclaration doit être « type »"));
		p.any_decl = true;
		decls[d].parse(&p, &l);
	}
	tok_line_free(&l);
	if (!p.type_line)
		form_error(&p, 1, _("déclaration « type » manquante"));
	form_link(&p);
	if (!f->id)
		f->id = xstrdup("");
	unsigned char md[SHA256_DIGEST_LENGTH];
	SHA256((const unsigned char *)data, len, md);
	for (int i = 0; i < SHA256_DIGEST_LENGTH; i++)
		snprintf(f->sha256 + 2 * i, 3, "%02x", md[i]);
	if (p.nerr) {
		form_free(&f);
		return NULL;
	}
	return f;
}

static void
cond_free(struct form_cond *c)
{
	free(c->field);
	free(c->value);
}

static void
rule_free(struct form_rule *r)
{
	form_list_free(&r->from);
	form_list_free(&r->has);
	form_list_free(&r->not_has);
	for (size_t i = 0; i < r->nfields; i++)
		cond_free(&r->fields[i]);
	free(r->fields);
}

static void
field_free(struct form_field *fd)
{
	free(fd->id);
	free(fd->label);
	free(fd->tab);
	if (fd->regex)
		regfree(&fd->re);
	free(fd->regex);
	free(fd->regex_error);
	free(fd->forbid);
	free(fd->default_value);
	free(fd->help);
	for (size_t i = 0; i < fd->noptions; i++) {
		free(fd->options[i].value);
		free(fd->options[i].label);
	}
	free(fd->options);
	form_list_free(&fd->content_types);
}

static void
action_free(struct form_action *a)
{
	free(a->id);
	free(a->label);
	free(a->state);
	rule_free(&a->rule);
	for (size_t i = 0; i < a->nalt; i++)
		rule_free(&a->alt[i]);
	free(a->alt);
	free(a->auto_action);
	cond_free(&a->auto_if);
	free(a->connector);
	free(a->warning);
	form_list_free(&a->editable);
	form_list_free(&a->outcomes);
}

void
form_free(struct form_def **fp)
{
	struct form_def *f = *fp;
	if (!f)
		return;
	free(f->id);
	free(f->name);
	free(f->family);
	free(f->description);
	for (size_t i = 0; i < f->ntabs; i++) {
		free(f->tabs[i].id);
		free(f->tabs[i].label);
		cond_free(&f->tabs[i].cond);
	}
	free(f->tabs);
	for (size_t i = 0; i < f->nfields; i++)
		field_free(&f->fields[i]);
	free(f->fields);
	for (size_t i = 0; i < f->nstates; i++) {
		free(f->states[i].id);
		free(f->states[i].label);
	}
	free(f->states);
	for (size_t i = 0; i < f->nactions; i++)
		action_free(&f->actions[i]);
	free(f->actions);
	for (size_t i = 0; i < f->nsteps; i++) {
		free(f->steps[i].id);
		free(f->steps[i].action);
		cond_free(&f->steps[i].cond);
		form_list_free(&f->steps[i].done);
	}
	free(f->steps);
	for (size_t i = 0; i < f->nchecks; i++) {
		struct form_check *c = &f->checks[i];
		form_list_free(&c->left);
		form_list_free(&c->right);
		free(c->content_type);
		for (size_t k = 0; k < c->nconds; k++)
			cond_free(&c->conds[k]);
		free(c->conds);
		free(c->message);
	}
	free(f->checks);
	form_list_free(&f->threshold_fields);
	free(f);
	*fp = NULL;
}

const char *
form_id(const struct form_def *f)
{
	return f->id;
}

const char *
form_sha256(const struct form_def *f)
{
	return f->sha256;
}

const char *
form_field_type_name(enum form_field_type t)
{
	static const char *const names[] = { "text",	 "textarea", "date",	   "select",  "checkbox",
					     "file",	 "number",   "email-list", "password" };
	return (unsigned)t < sizeof(names) / sizeof(names[0]) ? names[t] : "?";
}
