#include "core/db.h"

#include <stdlib.h>
#include <string.h>

#include "core/i18n.h"
#include "core/log.h"
#include "core/strbuf.h"
#include "core/validate.h"

/* Server notices (RAISE NOTICE, "already exists, skipping") go to the
 * log, never to the terminal. */
static void
db_notice(void *arg, const char *message)
{
	(void)arg;
	log_debug("server notice: %s", message);
}

/* The connection parameters of every connection we open. */
static void
conn_params(const char *conninfo, const char *keys[4], const char *vals[4])
{
	int n = 0;
	if (conninfo && *conninfo) {
		keys[n] = "dbname";
		vals[n++] = conninfo;
	}
	keys[n] = "application_name";
	vals[n++] = "liasse";
	keys[n] = "client_encoding";
	vals[n++] = "UTF8";
	keys[n] = NULL;
	vals[n] = NULL;
}

struct db *
db_open(const char *conninfo, struct err *err)
{
	const char *keys[4], *vals[4];
	conn_params(conninfo, keys, vals);
	PGconn *conn = PQconnectdbParams(keys, vals, 1);
	if (!conn) {
		err_set(err, ERR_INTERNAL, _("Mémoire insuffisante pour se connecter à la base."));
		return NULL;
	}
	if (PQstatus(conn) != CONNECTION_OK) {
		err_set(err, ERR_DB_CONNECT, _("Impossible de se connecter à la base de données."));
		err_detail(err, "%s", PQerrorMessage(conn));
		PQfinish(conn);
		return NULL;
	}
	return db_adopt(conn);
}

PGconn *
db_connect_start(const char *conninfo)
{
	const char *keys[4], *vals[4];
	conn_params(conninfo, keys, vals);
	return PQconnectStartParams(keys, vals, 1);
}

struct db *
db_adopt(PGconn *conn)
{
	PQsetNoticeProcessor(conn, db_notice, NULL);
	struct db *db = xcalloc(1, sizeof(*db));
	db->conn = conn;
	str_copy(db->user, sizeof(db->user), PQuser(conn));
	/* Notices (RAISE NOTICE) go to the log, never to the terminal. */
	log_debug("connected to %s as %s", PQdb(conn), db->user);
	PGresult *r = PQexec(conn, "SET search_path = liasse, pg_catalog, public; "
				   "SET TIME ZONE '" LIASSE_TZ "'");
	PQclear(r);
	return db;
}

void
db_close(struct db **db)
{
	if (!db || !*db)
		return;
	PQfinish((*db)->conn);
	free(*db);
	*db = NULL;
}

bool
db_err_from_result(struct db *db, const PGresult *r, struct err *err)
{
	if (PQstatus(db->conn) != CONNECTION_OK) {
		err_set(err, ERR_DB_CONNECT, _("La connexion à la base de données a été perdue."));
		return err_detail(err, "%s", PQerrorMessage(db->conn));
	}
	if (!r) {
		err_set(err, ERR_DB, _("Erreur de la base de données."));
		return err_detail(err, "%s", PQerrorMessage(db->conn));
	}
	const char *state = PQresultErrorField(r, PG_DIAG_SQLSTATE);
	const char *primary = PQresultErrorField(r, PG_DIAG_MESSAGE_PRIMARY);
	if (!state)
		state = "";
	if (!primary)
		primary = PQresultErrorMessage(r);
	if (strncmp(state, "08", 2) == 0 || strncmp(state, "57P", 3) == 0)
		err_set(err, ERR_DB_CONNECT, _("La connexion à la base de données a été perdue."));
	else if (strcmp(state, "42501") == 0)
		err_set(err, ERR_DB_RIGHTS, _("Droits insuffisants pour cette opération."));
	else if (strcmp(state, "LI409") == 0 || strcmp(state, "40001") == 0 ||
		 strcmp(state, "40P01") == 0)
		err_set(err, ERR_DB_CONFLICT, "%s", primary);
	else if (strcmp(state, "LI403") == 0)
		err_set(err, ERR_DB_RIGHTS, "%s", primary);
	else if (strcmp(state, "LI404") == 0)
		err_set(err, ERR_NOT_FOUND, "%s", primary);
	else if (strncmp(state, "LI", 2) == 0 || strncmp(state, "23", 2) == 0)
		err_set(err, ERR_INPUT, "%s", primary);
	else if (strcmp(state, "3F000") == 0 || strcmp(state, "42P01") == 0 ||
		 strcmp(state, "42883") == 0)
		err_set(err, ERR_SCHEMA,
			_("Le schéma liasse est absent ou trop ancien : lancez « liasse db migrate »."));
	else
		err_set(err, ERR_DB, _("Erreur de la base de données."));
	return err_detail(err, "SQLSTATE %s: %s", state, PQresultErrorMessage(r));
}

PGresult *
db_query(struct db *db, const char *sql, int nparams, const char *const *params, struct err *err)
{
	PGresult *r = PQexecParams(db->conn, sql, nparams, NULL, params, NULL, NULL, 0);
	ExecStatusType st = r ? PQresultStatus(r) : PGRES_FATAL_ERROR;
	if (st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK)
		return r;
	db_err_from_result(db, r, err);
	log_debug("query failed: %s (%s)", err ? err->detail : "", sql);
	PQclear(r);
	return NULL;
}

bool
db_exec(struct db *db, const char *sql, int nparams, const char *const *params, struct err *err)
{
	PGresult *r = db_query(db, sql, nparams, params, err);
	PQclear(r);
	return r != NULL;
}

bool
db_exec_script(struct db *db, const char *sql, struct err *err)
{
	PGresult *r = PQexec(db->conn, sql);
	ExecStatusType st = r ? PQresultStatus(r) : PGRES_FATAL_ERROR;
	bool ok = st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK || st == PGRES_EMPTY_QUERY;
	if (!ok)
		db_err_from_result(db, r, err);
	PQclear(r);
	return ok;
}

bool
db_begin(struct db *db, struct err *err)
{
	return db_exec(db, "BEGIN", 0, NULL, err);
}

bool
db_commit(struct db *db, struct err *err)
{
	return db_exec(db, "COMMIT", 0, NULL, err);
}

void
db_rollback(struct db *db)
{
	PQclear(PQexec(db->conn, "ROLLBACK"));
}

bool
db_has_schema(struct db *db, struct err *err)
{
	PGresult *r = db_query(db, "SELECT to_regclass('liasse.schema_version') IS NOT NULL", 0, NULL,
			       err);
	if (!r)
		return false;
	bool has = strcmp(PQgetvalue(r, 0, 0), "t") == 0;
	PQclear(r);
	if (!has)
		err_set(err, ERR_SCHEMA,
			_("La base ne contient pas le schéma liasse : lancez « liasse db init »."));
	return has;
}
