/* The connection to the central PostgreSQL database.
 * Chosen the libpq way: a conninfo string or URI (--db), else libpq's
 * environment (PGHOST, PGSERVICE...) and service file. */
#ifndef LIASSE_DB_H
#define LIASSE_DB_H
#include <libpq-fe.h>
#include <stdbool.h>

#include "core/err.h"

struct db {
	PGconn *conn;
	char user[128]; /* the PostgreSQL role we are logged in as */
};

/* Opens a connection; CONNINFO may be NULL (environment/service file).
 * Returns a new struct db (caller frees with db_close) or NULL + err. */
struct db *db_open(const char *conninfo, struct err *err);
void db_close(struct db **db);
/* A non-blocking connection attempt with db_open's parameters, to drive
 * with PQconnectPoll (NULL when out of memory); db_adopt turns the
 * established connection into a struct db (session settings of db_open). */
PGconn *db_connect_start(const char *conninfo);
struct db *db_adopt(PGconn *conn);

/* Runs SQL with text parameters (NULL entries are SQL NULL). Returns the
 * result (caller PQclear()s it) for PGRES_COMMAND_OK / TUPLES_OK, else
 * NULL with err filled: ERR_DB_CONNECT when the connection is lost,
 * ERR_DB_RIGHTS on a permission error, ERR_DB_CONFLICT on our conflict
 * code, ERR_INPUT/ERR_NOT_FOUND on our own validation codes (the server's
 * French message is then the user message), ERR_DB otherwise. */
PGresult *db_query(struct db *db, const char *sql, int nparams, const char *const *params,
		   struct err *err);
/* Same, for statements whose result is not needed. */
bool db_exec(struct db *db, const char *sql, int nparams, const char *const *params,
	     struct err *err);
/* Runs a script of several statements (simple query protocol). */
bool db_exec_script(struct db *db, const char *sql, struct err *err);

bool db_begin(struct db *db, struct err *err);
bool db_commit(struct db *db, struct err *err);
void db_rollback(struct db *db);

/* Fills ERR from a failed result R (or from the connection when R is NULL). */
bool db_err_from_result(struct db *db, const PGresult *r, struct err *err);

/* True when the liasse schema exists in the database. */
bool db_has_schema(struct db *db, struct err *err);

#endif
