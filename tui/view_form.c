/* The edit form of a dossier, generated from its type's definition: one
 * field per line under its tab's heading, required fields marked, select
 * lists and checkboxes chosen from the keyboard, dates and multi-line
 * text typed in place, files picked on this machine. Each value is
 * checked when the cursor leaves the field (form_validate_field) and
 * again by the database on save; messages go next to the field. What was
 * typed stays when the save fails or the connection drops. */
#include <curses.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/dossier.h"
#include "core/form.h"
#include "core/i18n.h"
#include "core/mailsec.h"
#include "tui/edit.h"
#include "tui/text.h"
#include "tui/typedef.h"
#include "tui/tui.h"
#include "tui/ui.h"

bool tui_upload_file(long long dossier, int version, const char *field, const char *path,
		     struct dossier_attach_result *res, struct err *err);
char *tui_pick_file(void);

struct fline {
	struct json_object *field; /* NULL: a tab heading */
	const char *tab_label;
	char *value, *orig, *error;
	bool editable;
};

struct form_view {
	long long id;
	int version;
	struct json_object *detail, *def;
	const struct form_def *fdef; /* client-side validation, may be NULL */
	struct fline *f;
	size_t n;
	size_t *row_line; /* screen row -> line; error rows have the high bit */
	size_t nrows;
	bool editing;
	struct lineedit edit;
};

static struct form_set *forms;

static const char *
first_value(struct json_object *detail, const char *id)
{
	struct json_object *vals = js_get(js_get(detail, "valeurs"), id);
	return js_len(vals) ? json_object_get_string(js_at(vals, 0)) : "";
}

static const char *
fv_get(void *ctx, const char *field)
{
	struct form_view *fv = ctx;
	for (size_t i = 0; i < fv->n; i++)
		if (fv->f[i].field && strcmp(js_str(fv->f[i].field, "id"), field) == 0)
			return fv->f[i].value;
	return "";
}

static void
build_rows(struct form_view *fv)
{
	free(fv->row_line);
	fv->row_line = xcalloc(2 * fv->n + 1, sizeof(size_t));
	fv->nrows = 0;
	for (size_t i = 0; i < fv->n; i++) {
		fv->row_line[fv->nrows++] = i;
		if (fv->f[i].error)
			fv->row_line[fv->nrows++] = i | ((size_t)1 << 62);
	}
}

static void
lines_free(struct form_view *fv)
{
	for (size_t i = 0; i < fv->n; i++)
		free(fv->f[i].value), free(fv->f[i].orig), free(fv->f[i].error);
	free(fv->f);
	fv->f = NULL;
	fv->n = 0;
}

static void
file_names(struct form_view *fv, const char *id, struct strbuf *out)
{
	struct json_object *files = js_get(fv->detail, "fichiers");
	for (size_t i = 0; i < js_len(files); i++) {
		struct json_object *x = js_at(files, i);
		if (strcmp(js_str(x, "champ"), id) == 0)
			sb_printf(out, "%s%s", out->len ? ", " : "", js_str(x, "nom"));
	}
}

/* Loads the dossier; KEEP_TYPED keeps the values being edited. */
static bool
form_load(struct view *v, bool keep_typed, struct err *err)
{
	struct form_view *fv = v->data;
	char id[32];
	snprintf(id, sizeof(id), "%lld", fv->id);
	const char *p[] = { id };
	PGresult *r = tui_query("SELECT liasse.dossier_detail($1::bigint)::text", 1, p, err);
	if (!r)
		return false;
	struct json_object *detail = json_tokener_parse(PQgetvalue(r, 0, 0));
	PQclear(r);
	if (!detail)
		return err_set(err, ERR_INTERNAL, _("Réponse illisible de la base."));
	json_object_put(fv->detail);
	fv->detail = detail;
	fv->version = json_object_get_int(js_get(detail, "version"));
	if (!fv->def) {
		fv->def = typedef_load(js_str(detail, "type"),
				       json_object_get_int(js_get(detail, "type_version")), err);
		if (!fv->def)
			return false;
		if (!forms) {
			struct err e2 = { 0 };
			form_set_load(NULL, &forms, &e2);
		}
		const struct form_def *fd = forms ? form_set_find(forms, js_str(detail, "type"))
						  : NULL;
		if (fd && strcmp(form_sha256(fd), js_str(fv->def, "sha256")) == 0)
			fv->fdef = fd;
	}
	if (keep_typed && fv->n) {
		/* Only refresh values nobody is typing (files, extracted fields). */
		for (size_t i = 0; i < fv->n; i++) {
			struct fline *l = &fv->f[i];
			if (!l->field || strcmp(l->value, l->orig) != 0)
				continue;
			const char *fid = js_str(l->field, "id");
			struct strbuf sb = STRBUF_INIT;
			if (strcmp(js_str(l->field, "type"), "file") == 0)
				file_names(fv, fid, &sb);
			else
				sb_add(&sb, first_value(detail, fid));
			free(l->value), free(l->orig);
			l->value = xstrdup(sb_str(&sb));
			l->orig = sb_take(&sb);
		}
		return true;
	}
	lines_free(fv);
	struct json_object *tabs = js_get(fv->def, "tabs"), *fields = js_get(fv->def, "fields");
	fv->f = xcalloc(js_len(tabs) + js_len(fields) + 1, sizeof(*fv->f));
	for (size_t t = 0; t < js_len(tabs); t++) {
		const char *tid = js_str(js_at(tabs, t), "id");
		size_t heading = fv->n;
		fv->f[fv->n++] = (struct fline){ NULL, js_str(js_at(tabs, t), "label"), xstrdup(""),
						 xstrdup(""), NULL, false };
		for (size_t i = 0; i < js_len(fields); i++) {
			struct json_object *f = js_at(fields, i);
			const char *ft = js_str(f, "tab");
			if (strcmp(ft[0] ? ft : js_str(js_at(tabs, 0), "id"), tid) != 0)
				continue;
			const char *vis = js_str(f, "visibility");
			if (strcmp(vis, "no-show") == 0)
				continue;
			struct strbuf sb = STRBUF_INIT;
			if (strcmp(js_str(f, "type"), "file") == 0)
				file_names(fv, js_str(f, "id"), &sb);
			else
				sb_add(&sb, first_value(detail, js_str(f, "id")));
			struct fline *l = &fv->f[fv->n++];
			l->field = f;
			l->value = xstrdup(sb_str(&sb));
			l->orig = sb_take(&sb);
			l->editable = strcmp(vis, "read-only") != 0;
		}
		if (fv->n == heading + 1)
			fv->n--, free(fv->f[heading].value), free(fv->f[heading].orig);
	}
	build_rows(fv);
	return true;
}

static bool
form_open(struct view *v, struct err *err)
{
	struct form_view *fv = v->data;
	bool ok = form_load(v, fv->n > 0, err);
	if (ok && v->cursor == 0 && fv->nrows > 1)
		v->cursor = 1;
	return ok;
}

static void
form_close(struct view *v)
{
	struct form_view *fv = v->data;
	lines_free(fv);
	free(fv->row_line);
	lineedit_free(&fv->edit);
	json_object_put(fv->detail);
	json_object_put(fv->def);
	free(fv);
}

static size_t
form_rows(struct view *v)
{
	return ((struct form_view *)v->data)->nrows;
}

static struct fline *
line_at(struct form_view *fv, size_t row, bool *is_error)
{
	if (row >= fv->nrows)
		return NULL;
	size_t k = fv->row_line[row];
	*is_error = (k >> 62) != 0;
	return &fv->f[k & (((size_t)1 << 62) - 1)];
}

static bool
tab_hidden(struct form_view *fv, const char *tab_label)
{
	struct json_object *tabs = js_get(fv->def, "tabs");
	for (size_t t = 0; t < js_len(tabs); t++) {
		struct json_object *tab = js_at(tabs, t);
		if (strcmp(js_str(tab, "label"), tab_label) != 0)
			continue;
		struct json_object *c = js_get(tab, "condition");
		if (!c || json_object_is_type(c, json_type_null))
			return false;
		return strcmp(fv_get(fv, js_str(c, "field")), js_str(c, "value")) != 0;
	}
	return false;
}

static const char *
shown_value(struct fline *l, struct strbuf *tmp)
{
	const char *type = js_str(l->field, "type");
	if (strcmp(type, "checkbox") == 0)
		return (strcmp(l->value, "on") == 0 || strcmp(l->value, "1") == 0 ||
			strcmp(l->value, "true") == 0)
			       ? "[x]"
			       : "[ ]";
	if (strcmp(type, "password") == 0)
		return l->value[0] ? "********" : "";
	if (strcmp(type, "select") == 0) {
		struct json_object *opts = js_get(l->field, "options");
		for (size_t k = 0; k < js_len(opts); k++)
			if (strcmp(js_str(js_at(opts, k), "value"), l->value) == 0)
				return js_str(js_at(opts, k), "label");
	}
	if (strcmp(type, "file") == 0 && !l->value[0])
		return _("(aucun fichier : Entrée pour choisir)");
	if (strcmp(type, "textarea") == 0) {
		for (const char *p = l->value; *p; p++)
			if (*p == '\n')
				sb_add(tmp, "↵");
			else
				sb_addc(tmp, *p);
		return sb_str(tmp);
	}
	return l->value;
}

#define LABEL_W 34

/* A password being typed shows as stars, one per character. */
static void
mask_text(struct strbuf *sb)
{
	struct strbuf m = STRBUF_INIT;
	sb_add(&m, "");
	for (const unsigned char *p = (const unsigned char *)sb_str(sb); *p; p++)
		if ((*p & 0xC0) != 0x80)
			sb_addc(&m, '*');
	sb_free(sb);
	*sb = m;
}

static void
form_row(struct view *v, size_t i, struct row *r)
{
	struct form_view *fv = v->data;
	bool is_error;
	struct fline *l = line_at(fv, i, &is_error);
	if (!l->field) {
		r->heading = true;
		row_addf(r, 0, EL_FAMILY, "%s%s", l->tab_label,
			 tab_hidden(fv, l->tab_label) ? _(" (onglet masqué)") : "");
		return;
	}
	if (is_error) {
		r->heading = true;
		row_add(r, "", 3, EL_DEFAULT);
		row_addf(r, 0, EL_FIELD_ERROR, "↳ %s", l->error);
		return;
	}
	bool req = js_bool(l->field, "required");
	row_addf(r, LABEL_W - 2, EL_LABEL, "  %s", js_str(l->field, "label"));
	row_add(r, req ? "*" : " ", 1, EL_REQUIRED);
	if (fv->editing && i == v->cursor) {
		struct strbuf sb = STRBUF_INIT;
		int curx;
		lineedit_view(&fv->edit, ui.cols - LABEL_W - 1, &sb, &curx);
		if (strcmp(js_str(l->field, "type"), "password") == 0)
			mask_text(&sb);
		row_addf(r, 0, EL_FIELD_EDIT, "%s", sb_str(&sb));
		sb_free(&sb);
		return;
	}
	struct strbuf tmp = STRBUF_INIT;
	row_addf(r, 0, l->editable ? EL_FIELD : EL_DEFAULT, "%s", shown_value(l, &tmp));
	sb_free(&tmp);
}

static bool
form_cursor_pos(struct view *v, int *y, int *x)
{
	struct form_view *fv = v->data;
	if (!fv->editing)
		return false;
	struct strbuf sb = STRBUF_INIT;
	int curx;
	lineedit_view(&fv->edit, ui.cols - LABEL_W - 1, &sb, &curx);
	sb_free(&sb);
	*y = v->body_y + (int)(v->cursor - v->top);
	*x = LABEL_W + curx;
	return true;
}

static void
form_title(struct view *v, struct strbuf *sb)
{
	struct form_view *fv = v->data;
	const char *t = js_str(fv->detail, "titre");
	sb_printf(sb, _("Modification · %s"), t[0] ? t : js_str(fv->detail, "type_nom"));
}

static void
form_position(struct view *v, struct strbuf *sb)
{
	struct form_view *fv = v->data;
	size_t changed = 0;
	for (size_t i = 0; i < fv->n; i++)
		if (fv->f[i].field && strcmp(fv->f[i].value, fv->f[i].orig) != 0)
			changed++;
	if (changed)
		sb_printf(sb, _("%zu champ(s) modifié(s), non enregistré(s)"), changed);
	else
		sb_add(sb, _("* : champ obligatoire"));
}

/* Checks one value; sets or clears its error. */
static bool
check_line(struct form_view *fv, struct fline *l)
{
	free(l->error);
	l->error = NULL;
	if (fv->fdef && strcmp(js_str(l->field, "type"), "file") != 0) {
		struct err err = { 0 };
		if (!form_validate_field(fv->fdef, js_str(l->field, "id"), l->value, &err))
			l->error = xstrdup(err.msg);
	}
	build_rows(fv);
	return l->error == NULL;
}

static size_t
row_of_line(struct form_view *fv, struct fline *l)
{
	for (size_t r = 0; r < fv->nrows; r++)
		if (&fv->f[fv->row_line[r] & (((size_t)1 << 62) - 1)] == l && !(fv->row_line[r] >> 62))
			return r;
	return 0;
}

static void
finish_edit(struct view *v, bool keep)
{
	struct form_view *fv = v->data;
	bool is_error;
	struct fline *l = line_at(fv, v->cursor, &is_error);
	fv->editing = false;
	/* A password is typed anew; nothing typed keeps the current one. */
	if (!keep || !l || (strcmp(js_str(l->field, "type"), "password") == 0 && !fv->edit.text.len))
		return;
	free(l->value);
	l->value = xstrdup(sb_str(&fv->edit.text));
	check_line(fv, l);
	v->cursor = row_of_line(fv, l);
}

/* The password of a mail sécurisé is stored as a salted hash, never in
 * clear (core/mailsec.h): HASH gets it, or "" for any other value. */
static bool
password_hashed(struct form_view *fv, struct fline *l, char hash[MAILSEC_HASH_MAX])
{
	hash[0] = '\0';
	if (strcmp(js_str(l->field, "type"), "password") != 0 || !l->value[0] ||
	    strcmp(js_str(fv->detail, "type"), "mailsec-bidir") != 0)
		return true;
	/* Compared in clear, before hashing: both are typed anew. */
	const char *id = js_str(l->field, "id");
	if (strcmp(fv_get(fv, strcmp(id, "password") == 0 ? "password2" : "password"), l->value) != 0) {
		free(l->error);
		l->error = xstrdup(_("Les deux mots de passe ne sont pas identiques : tapez-les tous les deux."));
		build_rows(fv);
		ui_message(true, "%s", l->error);
		return false;
	}
	struct err err = { 0 };
	if (mailsec_password_field(ui.db, fv->id, l->value, hash, &err))
		return true;
	ui_error(&err);
	return false;
}

static bool
form_save(struct view *v)
{
	struct form_view *fv = v->data;
	struct json_object *vals = json_object_new_object();
	size_t n = 0;
	bool bad = false;
	for (size_t i = 0; i < fv->n; i++) {
		struct fline *l = &fv->f[i];
		if (!l->field || !l->editable || strcmp(js_str(l->field, "type"), "file") == 0)
			continue;
		if (!check_line(fv, l))
			bad = true;
		if (strcmp(l->value, l->orig) == 0)
			continue;
		char hash[MAILSEC_HASH_MAX];
		if (!password_hashed(fv, l, hash)) {
			json_object_put(vals);
			return false;
		}
		json_object_object_add(vals, js_str(l->field, "id"),
				       json_object_new_string(hash[0] ? hash : l->value));
		n++;
	}
	if (bad) {
		json_object_put(vals);
		ui_message(true, _("Corrigez les champs signalés avant d'enregistrer."));
		return false;
	}
	if (n == 0) {
		json_object_put(vals);
		ui_message(false, _("Rien à enregistrer."));
		return true;
	}
	char id[32], ver[16];
	snprintf(id, sizeof(id), "%lld", fv->id);
	snprintf(ver, sizeof(ver), "%d", fv->version);
	const char *p[] = { id, ver, json_object_to_json_string_ext(vals, JSON_C_TO_STRING_PLAIN) };
	struct err err = { 0 };
	PGresult *r = tui_query("SELECT liasse.dossier_set($1::bigint, $2::int, $3::jsonb)", 3, p,
				&err);
	json_object_put(vals);
	if (!r && err.code == ERR_DB_CONNECT) {
		ui_db_lost();
		ui_message(true, _("Connexion à la base perdue : saisie gardée, réessayez à son "
				   "retour."));
		return false;
	}
	if (!r) {
		/* Attach the server's message to the field it names. */
		for (size_t i = 0; i < fv->n && err.code == ERR_INPUT; i++) {
			struct fline *l = &fv->f[i];
			if (l->field && strstr(err.msg, js_str(l->field, "label"))) {
				free(l->error);
				l->error = xstrdup(err.msg);
				build_rows(fv);
				v->cursor = row_of_line(fv, l);
				break;
			}
		}
		ui_error(&err);
		return false;
	}
	PQclear(r);
	for (size_t i = 0; i < fv->n; i++) {
		free(fv->f[i].orig);
		fv->f[i].orig = xstrdup(fv->f[i].value);
	}
	if (!form_load(v, true, &err))
		ui_error(&err);
	ui_message(false, _("Dossier enregistré."));
	return true;
}

static void
choose_select(struct form_view *fv, struct fline *l)
{
	struct json_object *opts = js_get(l->field, "options");
	size_t n = js_len(opts), cur = 0;
	const char **labels = xcalloc(n + 1, sizeof(*labels));
	for (size_t k = 0; k < n; k++) {
		labels[k] = js_str(js_at(opts, k), "label");
		if (strcmp(js_str(js_at(opts, k), "value"), l->value) == 0)
			cur = k;
	}
	int k = ui_pick(js_str(l->field, "label"), labels, n, cur);
	free(labels);
	if (k >= 0) {
		free(l->value);
		l->value = xstrdup(js_str(js_at(opts, (size_t)k), "value"));
		check_line(fv, l);
	}
}

static void
choose_file(struct view *v, struct fline *l)
{
	struct form_view *fv = v->data;
	char *path = tui_pick_file();
	if (!path)
		return;
	struct err err = { 0 };
	struct dossier_attach_result res;
	if (tui_upload_file(fv->id, fv->version, js_str(l->field, "id"), path, &res, &err)) {
		free(l->error);
		l->error = NULL;
		if (!form_load(v, true, &err))
			ui_error(&err);
		else if (res.n_extracted)
			ui_message(false, _("Fichier ajouté : %d information(s) lue(s) dans le PES."),
				   res.n_extracted);
		else
			ui_message(false, _("Fichier ajouté."));
	} else {
		free(l->error);
		l->error = xstrdup(err.msg);
		ui_error(&err);
	}
	build_rows(fv);
	v->cursor = row_of_line(fv, l);
	free(path);
}

static void
start_edit(struct view *v, struct fline *l)
{
	struct form_view *fv = v->data;
	const char *type = js_str(l->field, "type");
	if (!l->editable) {
		ui_message(true, _("Ce champ n'est pas modifiable."));
		return;
	}
	if (strcmp(type, "select") == 0) {
		choose_select(fv, l);
	} else if (strcmp(type, "checkbox") == 0) {
		bool on = strcmp(l->value, "on") == 0 || strcmp(l->value, "1") == 0 ||
			  strcmp(l->value, "true") == 0;
		free(l->value);
		l->value = xstrdup(on ? "" : "on");
	} else if (strcmp(type, "file") == 0) {
		choose_file(v, l);
	} else {
		fv->editing = true;
		lineedit_set(&fv->edit, strcmp(type, "password") == 0 ? "" : l->value);
		fv->edit.multiline = strcmp(type, "textarea") == 0;
		if (strcmp(type, "date") == 0 && !l->value[0])
			ui_message(false, _("Date au format AAAA-MM-JJ"));
	}
}

static bool
form_key(struct view *v, int key)
{
	struct form_view *fv = v->data;
	if (!fv->editing)
		return false;
	/* While typing, a printable character is text, never a shortcut
	 * (j and k move the cursor elsewhere). */
	bool printable = !KEY_IS_FN(key) && key >= 0x20 && key != 0x7f;
	enum action a = printable ? ACT_NONE : keys_lookup(&ui.keys, KEYMAP_FORM, key);
	if (key == 27) {
		finish_edit(v, false);
		return true;
	}
	if (fv->edit.multiline && key == (KEY_FN | KEY_ENTER)) {
		lineedit_key(&fv->edit, 10);
		return true;
	}
	if (a == ACT_ENTER || a == ACT_UP || a == ACT_DOWN || a == ACT_SAVE ||
	    a == ACT_PAGE_UP || a == ACT_PAGE_DOWN) {
		finish_edit(v, true);
		if (a == ACT_SAVE)
			form_save(v);
		else if (a != ACT_ENTER)
			view_move(v, a);
		return true;
	}
	if (lineedit_key(&fv->edit, key))
		return true;
	return true; /* swallow everything else while typing */
}

static bool
form_request(struct view *v, enum action a)
{
	struct form_view *fv = v->data;
	bool is_error;
	struct fline *l = line_at(fv, v->cursor, &is_error);
	switch (a) {
	case ACT_ENTER:
	case ACT_PICK_FILE:
		if (l && l->field)
			start_edit(v, l);
		return true;
	case ACT_SAVE:
		form_save(v);
		return true;
	case ACT_CLEAR_FIELD:
		if (l && l->field && l->editable && strcmp(js_str(l->field, "type"), "file") != 0) {
			free(l->value);
			l->value = xstrdup("");
			check_line(fv, l);
		}
		return true;
	case ACT_BACK:
	case ACT_QUIT:
		for (size_t i = 0; i < fv->n; i++) {
			if (fv->f[i].field && strcmp(fv->f[i].value, fv->f[i].orig) != 0) {
				if (!ui_confirm(_("Des modifications ne sont pas enregistrées. Les "
						  "abandonner ?")))
					return true;
				break;
			}
		}
		if (a == ACT_QUIT)
			ui.quit = true;
		else
			ui_pop();
		return true;
	case ACT_REFRESH: {
		struct err err = { 0 };
		if (!form_load(v, false, &err))
			ui_error(&err);
		return true;
	}
	default:
		return false;
	}
}

static void
form_notify(struct view *v, const char *channel, const char *payload)
{
	struct form_view *fv = v->data;
	const char *c = strchr(payload, ':');
	if (c && strtoll(c + 1, NULL, 10) != fv->id && strcmp(channel, "reconnect") != 0)
		return;
	/* Keep everything typed; refresh what nobody touched. */
	struct err err = { 0 };
	if (!form_load(v, true, &err))
		ui_error(&err);
}

static const enum action form_keys[] = { ACT_ENTER, ACT_SAVE, ACT_CLEAR_FIELD, ACT_NONE };

static const struct view_ops form_ops = {
	.name = "form",
	.keymap = KEYMAP_FORM,
	.open = form_open,
	.close = form_close,
	.rows = form_rows,
	.row = form_row,
	.title = form_title,
	.position = form_position,
	.request = form_request,
	.key = form_key,
	.notify = form_notify,
	.cursor_pos = form_cursor_pos,
	.keybar = form_keys,
};

void
tui_open_form(int64_t id)
{
	struct form_view *fv = xcalloc(1, sizeof(*fv));
	fv->id = id;
	ui_push(view_new(&form_ops, fv));
}

/* vim: set ts=8 sw=8 noexpandtab: */
