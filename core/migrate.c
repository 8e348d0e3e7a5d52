#include "core/migrate.h"

#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/embedded.h"
#include "core/forms_sync.h"
#include "core/i18n.h"
#include "core/log.h"
#include "core/strbuf.h"

#define MIGRATE_LOCK "7460191245"  /* pg_advisory_xact_lock key for migrations */
#define SQL_PREFIX "core/sql/"

static struct migration migrations[256];
static size_t n_migrations;

static void
sha256_hex(const char *data, size_t len, char out[65])
{
	unsigned char md[32];
	unsigned int mdlen = 0;
	EVP_Digest(data, len, md, &mdlen, EVP_sha256(), NULL);
	for (unsigned i = 0; i < 32; i++)
		snprintf(out + 2 * i, 3, "%02x", md[i]);
}

static int
cmp_migration(const void *a, const void *b)
{
	return ((const struct migration *)a)->version - ((const struct migration *)b)->version;
}

size_t
migrations_list(const struct migration **out)
{
	if (n_migrations == 0) {
		for (const struct embedded_file *f = embedded_files; f->name; f++) {
			const char *base = f->name + strlen(SQL_PREFIX);
			if (strncmp(f->name, SQL_PREFIX, strlen(SQL_PREFIX)) != 0 ||
			    strlen(base) < 9 || base[3] != '_' ||
			    strspn(base, "0123456789") != 3 ||
			    n_migrations == sizeof(migrations) / sizeof(migrations[0]))
				continue;
			struct migration *m = &migrations[n_migrations++];
			m->version = atoi(base);
			size_t nl = strlen(base) - 4; /* drop ".sql" */
			if (nl >= sizeof(m->name))
				nl = sizeof(m->name) - 1;
			memcpy(m->name, base, nl);
			m->name[nl] = '\0';
			m->sql = f->data;
			m->len = f->len;
			sha256_hex(f->data, f->len, m->sha256);
		}
		qsort(migrations, n_migrations, sizeof(migrations[0]), cmp_migration);
	}
	*out = migrations;
	return n_migrations;
}

static bool
is_applied(struct db *db, int version, bool *applied, struct err *err)
{
	char v[16];
	snprintf(v, sizeof(v), "%d", version);
	const char *p[] = { v };
	PGresult *r = db_query(db, "SELECT 1 FROM liasse.schema_version WHERE version = $1", 1, p,
			       err);
	if (!r)
		return false;
	*applied = PQntuples(r) > 0;
	PQclear(r);
	return true;
}

static bool
apply_one(struct db *db, const struct migration *m, bool *done, struct err *err)
{
	*done = false;
	bool applied;
	if (!db_begin(db, err))
		return false;
	if (!db_exec(db, "SELECT pg_advisory_xact_lock(" MIGRATE_LOCK ")", 0, NULL, err) ||
	    !is_applied(db, m->version, &applied, err))
		goto fail;
	if (applied)
		return db_commit(db, err);
	log_info("applying migration %s", m->name);
	if (!db_exec(db, "SET LOCAL ROLE liasse_owner", 0, NULL, err) ||
	    !db_exec_script(db, m->sql, err)) {
		char saved[sizeof(err->detail)];
		str_copy(saved, sizeof(saved), err->detail);
		char msg[sizeof(err->msg)];
		str_copy(msg, sizeof(msg), err->msg);
		err_set(err, ERR_SCHEMA, _("La migration %s a échoué : %s"), m->name, msg);
		err_detail(err, "%s", saved);
		goto fail;
	}
	char v[16];
	snprintf(v, sizeof(v), "%d", m->version);
	const char *p[] = { v, m->name, m->sha256 };
	if (!db_exec(db,
		     "INSERT INTO liasse.schema_version(version, name, sha256) VALUES ($1, $2, $3)",
		     3, p, err))
		goto fail;
	if (!db_commit(db, err))
		return false;
	*done = true;
	return true;
fail:
	db_rollback(db);
	return false;
}

bool
db_migrate(struct db *db, int *applied, struct err *err)
{
	const struct migration *ms;
	size_t n = migrations_list(&ms);
	*applied = 0;
	if (!db_has_schema(db, err))
		return false;
	for (size_t i = 0; i < n; i++) {
		bool done;
		if (!apply_one(db, &ms[i], &done, err))
			return false;
		*applied += done;
	}
	return forms_sync(db, err);
}

bool
db_init(struct db *db, int *applied, struct err *err)
{
	const struct embedded_file *f = embedded_find("core/sql/init.sql");
	*applied = 0;
	if (!f)
		return err_set(err, ERR_INTERNAL, _("Script d'initialisation absent du programme."));
	if (!db_begin(db, err))
		return false;
	if (!db_exec(db, "SELECT pg_advisory_xact_lock(" MIGRATE_LOCK ")", 0, NULL, err) ||
	    !db_exec_script(db, f->data, err)) {
		char msg[sizeof(err->msg)];
		str_copy(msg, sizeof(msg), err->msg);
		char detail[sizeof(err->detail)];
		str_copy(detail, sizeof(detail), err->detail);
		err_set(err, err->code == ERR_DB_RIGHTS ? ERR_DB_RIGHTS : ERR_SCHEMA,
			_("L'initialisation de la base a échoué (il faut un superutilisateur, ou "
			  "un rôle CREATEROLE propriétaire de la base) : %s"),
			msg);
		err_detail(err, "%s", detail);
		db_rollback(db);
		return false;
	}
	if (!db_commit(db, err))
		return false;
	return db_migrate(db, applied, err);
}

bool
db_status(struct db *db, struct migration_status **out, size_t *nout, struct err *err)
{
	const struct migration *ms;
	size_t n = migrations_list(&ms);
	*out = NULL;
	*nout = 0;
	if (!db_has_schema(db, err))
		return false;
	PGresult *r = db_query(db,
			       "SELECT version, name, to_char(applied_at, 'YYYY-MM-DD HH24:MI:SS'), "
			       "sha256 FROM liasse.schema_version ORDER BY version",
			       0, NULL, err);
	if (!r)
		return false;
	size_t rows = (size_t)PQntuples(r);
	struct migration_status *st = xcalloc(n + rows, sizeof(*st));
	size_t k = 0;
	for (size_t i = 0; i < n; i++) {
		st[k].version = ms[i].version;
		str_copy(st[k].name, sizeof(st[k].name), ms[i].name);
		for (size_t j = 0; j < rows; j++) {
			if (atoi(PQgetvalue(r, (int)j, 0)) != ms[i].version)
				continue;
			st[k].applied = true;
			str_copy(st[k].applied_at, sizeof(st[k].applied_at),
				 PQgetvalue(r, (int)j, 2));
			st[k].checksum_changed = strcmp(PQgetvalue(r, (int)j, 3), ms[i].sha256) != 0;
		}
		k++;
	}
	/* Versions in the database that this binary does not know (newer). */
	for (size_t j = 0; j < rows; j++) {
		int v = atoi(PQgetvalue(r, (int)j, 0));
		bool known = false;
		for (size_t i = 0; i < n; i++)
			known |= ms[i].version == v;
		if (known)
			continue;
		st[k].version = v;
		str_copy(st[k].name, sizeof(st[k].name), PQgetvalue(r, (int)j, 1));
		st[k].applied = true;
		str_copy(st[k].applied_at, sizeof(st[k].applied_at), PQgetvalue(r, (int)j, 2));
		k++;
	}
	PQclear(r);
	*out = st;
	*nout = k;
	return true;
}
