/* core/db.c against the test cluster (tests/run exports PGHOST). */
#include <stdlib.h>

#include "core/db.h"
#include "tests/unit/unit.h"

static struct db *
connect_or_skip(void)
{
	if (!getenv("PGHOST"))
		return NULL;
	struct err err = { 0 };
	struct db *db = db_open("dbname=postgres", &err);
	CHECK(db != NULL);
	return db;
}

TEST(db_lost_connection_is_reported_in_french)
{
	struct db *db = connect_or_skip();
	if (!db)
		return;
	struct db *killer = db_open("dbname=postgres", NULL);
	CHECK(killer != NULL);
	char pid[16];
	snprintf(pid, sizeof(pid), "%d", PQbackendPID(db->conn));
	const char *p[] = { pid };
	CHECK(db_exec(killer, "SELECT pg_terminate_backend($1::int)", 1, p, NULL));
	struct err err = { 0 };
	PGresult *r = db_query(db, "SELECT 1", 0, NULL, &err);
	CHECK(r == NULL);
	CHECK(err.code == ERR_DB_CONNECT);
	CHECK_STR(err.msg, "La connexion à la base de données a été perdue.");
	CHECK(strstr(err.detail, "terminat") != NULL || strstr(err.detail, "closed") != NULL);
	db_close(&db);
	db_close(&killer);
	CHECK(db == NULL);
}

TEST(db_errors_map_to_codes)
{
	struct db *db = connect_or_skip();
	if (!db)
		return;
	struct err err = { 0 };
	CHECK(!db_exec(db, "DO $$BEGIN RAISE EXCEPTION 'Objet trop long' USING ERRCODE = 'LI400'; END$$",
		       0, NULL, &err));
	CHECK(err.code == ERR_INPUT);
	CHECK_STR(err.msg, "Objet trop long");
	CHECK(!db_exec(db, "DO $$BEGIN RAISE EXCEPTION 'Modifié par x' USING ERRCODE = 'LI409'; END$$",
		       0, NULL, &err));
	CHECK(err.code == ERR_DB_CONFLICT);
	CHECK(!db_exec(db, "SELECT * FROM liasse.nothing_here", 0, NULL, &err));
	CHECK(err.code == ERR_SCHEMA);
	CHECK(strstr(err.detail, "42P01") != NULL);
	db_close(&db);
}

TEST(db_open_unreachable_server)
{
	struct err err = { 0 };
	struct db *db = db_open("host=/nonexistent-liasse-dir connect_timeout=2", &err);
	CHECK(db == NULL);
	CHECK(err.code == ERR_DB_CONNECT);
	CHECK_STR(err.msg, "Impossible de se connecter à la base de données.");
	CHECK(err.detail[0] != '\0');
}
