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

/* The demo's TdT: on each demo commune, a S2LOW connector at URL (the
 * test double, answering within seconds) with the client certificate
 * and key of folder PKI (ca.pem, client.pem, client.key), associated with
 * actes-generique and helios-generique, polled every 2 seconds. Created
 * once; later calls only update the URL (the double's port changes) and,
 * when NEW_PKI, the certificates. Runs as a superuser. */
bool demo_tdt_configure(struct db *db, const char *url, const char *pki, bool new_pki,
			struct err *err);

#endif
