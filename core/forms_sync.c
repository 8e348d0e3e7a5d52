/* Loads the dossier type definitions compiled into the binary (forms/)
 * into the database: each type's JSON becomes a new row of
 * dossier_type_version when its SHA-256 changed (type_register() also
 * adds the rights <type>:lecture and <type>:edition). One transaction,
 * as liasse_owner, like the migrations. */
#include "core/forms_sync.h"

#include <stdlib.h>

#include "core/form.h"
#include "core/i18n.h"
#include "core/log.h"
#include "core/strbuf.h"

bool
forms_sync(struct db *db, struct err *err)
{
	struct form_set *set = NULL;
	if (!form_set_load(NULL, &set, err))
		return false;
	bool ok = db_begin(db, err);
	if (ok)
		ok = db_exec(db, "SET LOCAL ROLE liasse_owner", 0, NULL, err);
	for (size_t i = 0; ok && i < set->n; i++) {
		const struct form_def *f = set->defs[i];
		char *json = form_to_json(f);
		if (!json) {
			ok = err_set(err, ERR_INTERNAL, _("Définition « %s » impossible à convertir."),
				     form_id(f));
			break;
		}
		const char *p[] = { form_id(f), form_sha256(f), json };
		PGresult *r = db_query(db, "SELECT liasse.type_register($1, $2, $3::jsonb)", 3, p,
				       err);
		free(json);
		if (!r) {
			char msg[sizeof(err->msg)];
			str_copy(msg, sizeof(msg), err->msg);
			err_set(err, ERR_SCHEMA, _("Chargement du type « %s » impossible : %s"),
				form_id(f), msg);
			ok = false;
			break;
		}
		int v = atoi(PQgetvalue(r, 0, 0));
		if (v > 0)
			log_info("type %s: version %d loaded", form_id(f), v);
		PQclear(r);
	}
	if (ok)
		ok = db_commit(db, err);
	else
		db_rollback(db);
	form_set_free(&set);
	return ok;
}
