/* The address book (annuaire) of an entity: contacts, groups, role-based
 * groups (core/sql/020_mailsec.sql). Reads and simple changes are single
 * calls of the SQL functions, usable as is by the TUI and the CLI:
 *   annuaire_contacts(entite, q, groupe)      -> id, email, description, groupes
 *   annuaire_groupes(entite)                  -> id, kind (groupe|role), entite_id,
 *                                                nom, partage, libelle, membres
 *   annuaire_contact_save(entite, email, description, groupes[], creer_groupes)
 *   annuaire_contact_update(id, email, description)   NULL keeps a value
 *   annuaire_contact_delete(id)
 *   annuaire_groupe_create(entite, nom, partage) / _update(id, nom, partage) / _delete(id)
 *   annuaire_membre(groupe, contact, true|false)
 *   annuaire_role_create(entite, nom, role, cible, partage) / annuaire_role_delete(id)
 *   annuaire_expand(entite, 'groupe: "X", a@b.fr')  -> email, description
 * This module adds what needs more than one call: the CSV import. */
#ifndef LIASSE_ANNUAIRE_H
#define LIASSE_ANNUAIRE_H
#include <stdbool.h>

#include "core/csv_import.h"
#include "core/db.h"
#include "core/err.h"
#include "core/strbuf.h"

struct annuaire_import_totals {
	int imported;
	int updated;
	int refused;
	int valid;        /* offline: lines that would be imported or updated */
	int groups_created;
};

/* Imports IMP's valid lines into ENTITE's address book in one transaction:
 * each line becomes IMPORTED or UPDATED (its groups replaced, PASTELL's
 * rule) or REFUSED (unknown group unless CREER_GROUPES, which creates
 * them). DRY_RUN does everything and rolls back, so the report is exact
 * and nothing is kept. A database error rolls everything back: false +
 * err naming the line. */
bool annuaire_import(struct db *db, long long entite, struct csv_import *imp, bool creer_groupes,
		     bool dry_run, struct annuaire_import_totals *t, struct err *err);

/* Without a database (liasse annuaire import --dry-run alone): every group
 * is unknown, so a line with groups is refused unless CREER_GROUPES. */
void annuaire_import_offline(struct csv_import *imp, bool creer_groupes,
			     struct annuaire_import_totals *t);

/* Appends S to SB as an element of a PostgreSQL array literal. */
void annuaire_array_elem(struct strbuf *sb, const char *s);

#endif
