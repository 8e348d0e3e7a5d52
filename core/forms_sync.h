/* Loading the dossier type definitions (forms/) into the database,
 * called by db_migrate after the SQL migrations. */
#ifndef LIASSE_FORMS_SYNC_H
#define LIASSE_FORMS_SYNC_H
#include "core/db.h"

bool forms_sync(struct db *db, struct err *err);

#endif
