/* Demo data for `liasse demo`: a syndicat with three communes and a
 * service, an administrator and two secrétaires, dossiers of every type. */
#ifndef LIASSE_DEMO_H
#define LIASSE_DEMO_H
#include "core/db.h"

/* The login the demo shell and TUI use unless --user says otherwise. */
#define DEMO_DEFAULT_USER "mdupont"

/* Loads core/sql/demo.sql once (skipped when the demo data is there);
 * must run as a superuser on a migrated database. */
bool demo_data_load(struct db *db, struct err *err);

#endif
