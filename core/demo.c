#include "core/demo.h"

#include <string.h>

#include "core/embedded.h"
#include "core/i18n.h"

bool
demo_data_load(struct db *db, struct err *err)
{
	const struct embedded_file *f = embedded_find("core/sql/demo.sql");
	if (!f)
		return err_set(err, ERR_INTERNAL, _("Données de démonstration absentes du programme."));
	PGresult *r = db_query(db, "SELECT 1 FROM liasse.utilisateur WHERE login = 'mdupont'", 0,
			       NULL, err);
	if (!r)
		return false;
	bool loaded = PQntuples(r) > 0;
	PQclear(r);
	if (loaded)
		return true;
	if (!db_begin(db, err))
		return false;
	if (!db_exec_script(db, f->data, err)) {
		db_rollback(db);
		return false;
	}
	return db_commit(db, err);
}
