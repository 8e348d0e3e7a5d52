/* The address book's CSV import against the database. */
#include <stdlib.h>
#include <string.h>

#include "core/annuaire.h"
#include "core/i18n.h"
#include "core/strbuf.h"

void
annuaire_array_elem(struct strbuf *sb, const char *s)
{
	sb_addc(sb, '"');
	for (; *s; s++) {
		if (*s == '"' || *s == '\\')
			sb_addc(sb, '\\');
		sb_addc(sb, *s);
	}
	sb_addc(sb, '"');
}

static bool
name_in(char **v, size_t n, const char *s)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(v[i], s) == 0)
			return true;
	return false;
}

static void
list_groups(struct strbuf *sb, char **g, size_t n)
{
	for (size_t i = 0; i < n; i++)
		sb_printf(sb, "%s« %s »", i ? ", " : "", g[i]);
}

void
annuaire_import_offline(struct csv_import *imp, bool creer_groupes, struct annuaire_import_totals *t)
{
	memset(t, 0, sizeof *t);
	char **seen = NULL;
	size_t nseen = 0;
	for (size_t i = 0; i < imp->n; i++) {
		struct csv_line *l = &imp->lines[i];
		if (l->status == CSV_LINE_VALID && l->ngroupes) {
			struct strbuf sb = STRBUF_INIT;
			list_groups(&sb, l->groupes, l->ngroupes);
			if (!creer_groupes) {
				csv_line_refuse(l, _("groupe(s) inconnu(s) : %s (créez-les, ou relancez avec --creer-groupes)"),
						sb_str(&sb));
			} else {
				free(l->note);
				struct strbuf nb = STRBUF_INIT;
				size_t fresh = 0;
				for (size_t k = 0; k < l->ngroupes; k++)
					if (!name_in(seen, nseen, l->groupes[k])) {
						sb_printf(&nb, "%s« %s »", fresh++ ? ", " : "", l->groupes[k]);
						seen = xrealloc(seen, (nseen + 1) * sizeof *seen);
						seen[nseen++] = l->groupes[k];
						t->groups_created++;
					}
				l->note = fresh ? xstrdup(sb_str(&nb)) : NULL;
				sb_free(&nb);
			}
			sb_free(&sb);
		}
		if (l->status == CSV_LINE_REFUSED)
			t->refused++;
		else
			t->valid++;
	}
	free(seen);
}

bool
annuaire_import(struct db *db, long long entite, struct csv_import *imp, bool creer_groupes,
		bool dry_run, struct annuaire_import_totals *t, struct err *err)
{
	memset(t, 0, sizeof *t);
	char ent[32];
	snprintf(ent, sizeof ent, "%lld", entite);
	const char *p1[] = { ent };
	if (!db_begin(db, err))
		return false;
	PGresult *r = db_query(db, "SELECT liasse.annuaire_require_edition($1)", 1, p1, err);
	if (!r)
		goto fail;
	PQclear(r);
	r = db_query(db, "SELECT nom FROM liasse.annuaire_groupe WHERE entite_id = $1", 1, p1, err);
	if (!r)
		goto fail;
	size_t nknown = (size_t)PQntuples(r);
	char **known = xcalloc(nknown + 1, sizeof *known);
	for (size_t i = 0; i < nknown; i++)
		known[i] = xstrdup(PQgetvalue(r, (int)i, 0));
	PQclear(r);
	bool ok = true;
	for (size_t i = 0; ok && i < imp->n; i++) {
		struct csv_line *l = &imp->lines[i];
		if (l->status != CSV_LINE_VALID) {
			t->refused += l->status == CSV_LINE_REFUSED;
			continue;
		}
		struct strbuf unknown = STRBUF_INIT;
		size_t nunknown = 0;
		for (size_t k = 0; k < l->ngroupes; k++)
			if (!name_in(known, nknown, l->groupes[k]))
				sb_printf(&unknown, "%s« %s »", nunknown++ ? ", " : "", l->groupes[k]);
		if (nunknown && !creer_groupes) {
			csv_line_refuse(l, _("groupe(s) inconnu(s) : %s (créez-les, ou relancez avec --creer-groupes)"),
					sb_str(&unknown));
			sb_free(&unknown);
			t->refused++;
			continue;
		}
		if (nunknown) {
			free(l->note);
			l->note = sb_take(&unknown);
			for (size_t k = 0; k < l->ngroupes; k++)
				if (!name_in(known, nknown, l->groupes[k])) {
					known = xrealloc(known, (nknown + 2) * sizeof *known);
					known[nknown++] = xstrdup(l->groupes[k]);
					t->groups_created++;
				}
		}
		sb_free(&unknown);
		struct strbuf arr = STRBUF_INIT;
		sb_addc(&arr, '{');
		for (size_t k = 0; k < l->ngroupes; k++) {
			if (k)
				sb_addc(&arr, ',');
			annuaire_array_elem(&arr, l->groupes[k]);
		}
		sb_addc(&arr, '}');
		const char *p[] = { ent, l->email, l->description, sb_str(&arr),
				    creer_groupes ? "true" : "false" };
		r = db_query(db, "SELECT cree FROM liasse.annuaire_contact_save($1, $2, $3, $4::text[], $5)",
			     5, p, err);
		sb_free(&arr);
		if (!r) {
			char msg[sizeof err->msg];
			str_copy(msg, sizeof msg, err->msg);
			err_set(err, err->code, _("Ligne %d : %s Rien n'a été importé."), l->lineno, msg);
			ok = false;
			break;
		}
		bool cree = PQgetvalue(r, 0, 0)[0] == 't';
		PQclear(r);
		l->status = cree ? CSV_LINE_IMPORTED : CSV_LINE_UPDATED;
		if (cree)
			t->imported++;
		else
			t->updated++;
	}
	for (size_t i = 0; i < nknown; i++)
		free(known[i]);
	free(known);
	if (!ok)
		goto fail;
	char msg[256];
	snprintf(msg, sizeof msg, "Import CSV : %d contact(s) créé(s), %d mis à jour, %d ligne(s) refusée(s)",
		 t->imported, t->updated, t->refused);
	const char *pj[] = { ent, msg };
	r = db_query(db, "SELECT liasse.journal_append(3, $1, NULL, 'annuaire', $2)", 2, pj, err);
	if (!r)
		goto fail;
	PQclear(r);
	if (dry_run) {
		db_rollback(db);
		return true;
	}
	return db_commit(db, err);
fail:
	db_rollback(db);
	/* Nothing was kept: no line is imported. */
	for (size_t i = 0; i < imp->n; i++)
		if (imp->lines[i].status == CSV_LINE_IMPORTED || imp->lines[i].status == CSV_LINE_UPDATED)
			imp->lines[i].status = CSV_LINE_VALID;
	return false;
}
