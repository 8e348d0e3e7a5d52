/* Internals shared by the form_*.c files; not for other modules. */
#ifndef LIASSE_FORM_IMPL_H
#define LIASSE_FORM_IMPL_H
#include "core/form.h"

struct form_parser {
	const char *name;
	struct strbuf *errs;
	int nerr;
	int type_line;
	bool any_decl;
	int threshold_line;
	struct form_def *f;
};

void form_error(struct form_parser *p, int line, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
void form_list_add(struct form_list *l, const char *s);
void form_list_free(struct form_list *l);
bool form_list_has(const struct form_list *l, const char *s);
bool form_valid_id(const char *s);
/* Cross-reference checks once every declaration is read. */
void form_link(struct form_parser *p);

#endif
