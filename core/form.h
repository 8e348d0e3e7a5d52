/* Dossier type definitions: the forms/NAME.form files (format described in
 * liasse-forms(5)), parsed into a struct form_def.
 *
 * A definition declares the type (id, name, menu family), its tabs, its
 * fields with their validation rules, its states and the actions that
 * move a dossier between them, the orientation steps (signature, TdT,
 * GED, SAE...) and the cross-field checks. The dossier engine stores
 * form_to_json() in the database; the TUI and the CLI read the structs. */
#ifndef LIASSE_FORM_H
#define LIASSE_FORM_H
#include <regex.h>
#include <stdbool.h>
#include <stddef.h>

#include "core/err.h"
#include "core/strbuf.h"

enum form_field_type {
	FORM_TEXT,
	FORM_TEXTAREA,
	FORM_DATE,
	FORM_SELECT,
	FORM_CHECKBOX,
	FORM_FILE,
	FORM_NUMBER,
	FORM_EMAIL_LIST,
	FORM_PASSWORD,
};

enum form_visibility { FORM_NORMAL, FORM_READ_ONLY, FORM_EDIT_ONLY, FORM_NO_SHOW };
enum form_right { FORM_RIGHT_EDITION, FORM_RIGHT_LECTURE };

/* A list of strings (ids, content types...). */
struct form_list {
	char **v;
	size_t n;
};

/* "field equals value" ("" = empty or unchecked). */
struct form_cond {
	char *field;
	char *value;
};

struct form_option {
	char *value;
	char *label;
};

struct form_tab {
	char *id;
	char *label;
	struct form_cond cond; /* cond.field NULL: always shown */
	int line;
};

struct form_field {
	char *id;
	char *label;
	char *tab; /* NULL: first tab */
	enum form_field_type type;
	bool multiple, required, latin1, title, index, list, search;
	bool not_future; /* dates: today or before */
	long max;        /* text: max length in characters, -1 = none */
	bool has_min, has_max_value;
	long long min_value, max_value; /* numbers */
	char *regex, *regex_error;
	regex_t re; /* compiled when regex != NULL */
	char *forbid;
	char *default_value;
	enum form_visibility visibility;
	struct form_option *options;
	size_t noptions;
	struct form_list content_types;
	long long max_size; /* files: bytes per file, -1 = none */
	char *help;
	int line;
};

struct form_state {
	char *id;
	char *label;
	int line;
};

/* One set of conditions; an action is possible when its rule or one of
 * its alternative rules holds. */
struct form_rule {
	bool initial;           /* creates the dossier (no current state) */
	struct form_list from;  /* current state among these; "*" = any */
	struct form_list has;   /* has passed through one of these states */
	struct form_list not_has; /* has passed through none of these */
	struct form_cond *fields; /* every field equals its value */
	size_t nfields;
	bool valid; /* every required field filled, every value valid */
};

struct form_action {
	char *id;
	char *label; /* button */
	char *state; /* resulting state */
	struct form_rule rule;
	struct form_rule *alt;
	size_t nalt;
	enum form_right right;
	bool system;      /* never user-triggerable */
	bool batch;       /* may be used on several dossiers at once */
	bool keep_state;  /* editing in this state keeps the state */
	bool orientation; /* next action = the first pending step */
	char *auto_action; /* run by the daemon once the state is reached */
	struct form_cond auto_if; /* auto only when this holds (field NULL: always) */
	char *connector;
	char *warning;
	struct form_list editable; /* fields editable in this state */
	struct form_list outcomes; /* system actions that may follow (connector results) */
	int line;
};

/* An orientation step: when COND holds (or always) and the dossier has
 * passed through none of DONE, ACTION is the next thing to run. */
struct form_step {
	char *id;
	struct form_cond cond;
	char *action;
	struct form_list done;
	int line;
};

enum form_check_kind {
	FORM_CHECK_SAME,    /* left field equals right field */
	FORM_CHECK_LE,      /* sum of left numbers <= sum of right numbers */
	FORM_CHECK_ONE_OF,  /* at least one of left is filled */
	FORM_CHECK_TYPE_IF, /* left file may have content type TYPE only when CONDS hold */
};

struct form_check {
	enum form_check_kind kind;
	struct form_list left, right;
	char *content_type;
	struct form_cond *conds; /* values ending in '*' match a prefix */
	size_t nconds;
	char *message;
	int line;
};

struct form_def {
	char *id;
	char *name;
	char *family;
	char *description;
	char sha256[65];
	struct form_tab *tabs;
	size_t ntabs;
	struct form_field *fields;
	size_t nfields;
	struct form_state *states;
	size_t nstates;
	struct form_action *actions;
	size_t nactions;
	struct form_step *steps;
	size_t nsteps;
	struct form_check *checks;
	size_t nchecks;
	long long threshold_size; /* -1: none */
	struct form_list threshold_fields;
};

struct form_set {
	struct form_def **defs;
	size_t n;
};

/* Parses one definition; NAME is used in messages ("forms/x.form").
 * Returns NULL when there were errors; each error is appended to ERRS as
 * "name:line: raison\n" (French). The caller frees the result with form_free. */
struct form_def *form_parse(const char *name, const char *data, size_t len, struct strbuf *errs);
void form_free(struct form_def **f);

/* All forms compiled into the binary (embedded files "forms/NAME.form"),
 * or all the .form files of DIR when DIR is not NULL. False + err (msg
 * lists the errors). The caller frees *OUT with form_set_free. */
bool form_set_load(const char *dir, struct form_set **out, struct err *err);
/* Same, appending every error line to ERRS (which may be NULL). */
bool form_set_load_errs(const char *dir, struct form_set **out, struct strbuf *errs,
			struct err *err);
void form_set_free(struct form_set **s);
const struct form_def *form_set_find(const struct form_set *s, const char *type_id);

/* The definition as JSON text (caller frees); see liasse-forms(5). */
char *form_to_json(const struct form_def *f);

/* The type id, and the SHA-256 (hex) of the source text. */
const char *form_id(const struct form_def *f);
const char *form_sha256(const struct form_def *f);

const struct form_field *form_field_find(const struct form_def *f, const char *field_id);
const struct form_action *form_action_find(const struct form_def *f, const char *action_id);
const struct form_state *form_state_find(const struct form_def *f, const char *state_id);
const char *form_field_type_name(enum form_field_type t);

/* Validates one field value (text form of the value; "" = empty, always
 * accepted here: "required" is checked by form_validate_all). French
 * message naming the field's label in err. */
bool form_validate_field(const struct form_def *f, const char *field_id, const char *value,
			 struct err *err);
/* Value of FIELD_ID in a dossier (NULL or "" = empty). */
typedef const char *(*form_value_fn)(void *ctx, const char *field_id);

/* Validates one attached file of a file field: content type and size
 * (per file), and the "check type-if" rules against the other values
 * (skipped when GET is NULL). */
bool form_validate_file(const struct form_def *f, const char *field_id, const char *content_type,
			long long size, form_value_fn get, void *ctx, struct err *err);
/* True when the tab of FIELD is shown for these values. */
bool form_field_shown(const struct form_def *f, const struct form_field *field,
		      form_value_fn get, void *ctx);
/* The whole dossier: required fields of shown tabs filled, every value
 * valid, every check (same, le, one-of) holds. Stops at the first error. */
bool form_validate_all(const struct form_def *f, form_value_fn get, void *ctx, struct err *err);

#endif
