/* Schema migrations: numbered SQL files core/sql/NNN_name.sql compiled
 * into the binary, applied in order, one transaction each, recorded in
 * liasse.schema_version with their SHA-256. */
#ifndef LIASSE_MIGRATE_H
#define LIASSE_MIGRATE_H
#include <stdbool.h>
#include <stddef.h>

#include "core/db.h"

struct migration {
	int version;
	char name[96];   /* "001_base" */
	const char *sql; /* embedded text */
	size_t len;
	char sha256[65]; /* hex */
};

struct migration_status {
	int version;
	char name[96];
	bool applied;
	char applied_at[40];  /* "" when pending */
	bool checksum_changed;/* applied, but the shipped file differs */
};

/* The shipped migrations, sorted by version (static storage). */
size_t migrations_list(const struct migration **out);

/* Creates the roles and the schema (needs a superuser or a role with
 * CREATEROLE and CREATE on the database), then migrates. */
bool db_init(struct db *db, int *applied, struct err *err);
/* Applies pending migrations; *applied receives how many. Idempotent. */
bool db_migrate(struct db *db, int *applied, struct err *err);
/* Fills *out (caller frees) with one entry per shipped or applied migration. */
bool db_status(struct db *db, struct migration_status **out, size_t *n, struct err *err);

#endif
