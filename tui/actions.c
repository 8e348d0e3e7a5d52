/* The action table (see actions.h). */
#include "tui/actions.h"

#include <stddef.h>
#include <string.h>

const struct action_info action_table[] = {
#define ACTION_GROUP_ROW(label) { ACT_NONE, NULL, NULL, label },
#define ACTION_ROW(id, name, label, help) { ACT_##id, name, label, help },
	ACTION_LIST(ACTION_GROUP_ROW, ACTION_ROW)
#undef ACTION_GROUP_ROW
#undef ACTION_ROW
	{ ACT_NONE, NULL, NULL, NULL },
};

int
action_by_name(const char *name)
{
	if (strcmp(name, "none") == 0)
		return ACT_NONE;
	for (const struct action_info *a = action_table; a->help; a++)
		if (a->name && strcmp(a->name, name) == 0)
			return (int)a->act;
	return -1;
}

const char *
action_name(enum action a)
{
	for (const struct action_info *i = action_table; i->help; i++)
		if (i->name && i->act == a)
			return i->name;
	return "none";
}

const char *
action_help(enum action a)
{
	for (const struct action_info *i = action_table; i->help; i++)
		if (i->name && i->act == a)
			return _(i->help);
	return "";
}

const char *
action_label(enum action a)
{
	for (const struct action_info *i = action_table; i->help; i++)
		if (i->name && i->act == a)
			return _(i->label);
	return "";
}

/* vim: set ts=8 sw=8 noexpandtab: */
