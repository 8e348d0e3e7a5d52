/* Journal des événements: append-only, each row chained to the previous
 * one by SHA-256 (see core/sql/001_base.sql). This module checks the
 * chain on its own, in C, and lists events. Appending is done in SQL by
 * liasse.journal_append(type, entite, dossier, action, message). */
#ifndef LIASSE_JOURNAL_H
#define LIASSE_JOURNAL_H
#include <stdbool.h>
#include <stdint.h>

#include "core/db.h"
#include "core/err.h"
#include "core/strbuf.h"

/* PASTELL's event types. */
enum journal_type {
	JOURNAL_DOSSIER = 1,
	JOURNAL_NOTIFICATION = 2,
	JOURNAL_ENTITE = 3,
	JOURNAL_UTILISATEUR = 4,
	JOURNAL_MAILSEC = 5,
	JOURNAL_CONNEXION = 6,
	JOURNAL_CONSULTATION = 7,
	JOURNAL_ENVOI_MAIL = 8,
	JOURNAL_ERREUR = 9,
	JOURNAL_LOT = 10,
	JOURNAL_TEST = 11,
	JOURNAL_STUDIO = 12,
	JOURNAL_JOURNAL = 13,
	JOURNAL_COMMANDE = 14,
};

/* French label of a type ("Action sur un dossier"); "?" when unknown. */
const char *journal_type_label(int type);

/* The columns of one row, as text (NULL for SQL NULL), in the order of
 * the canonical serialisation; ts is journal_ts_text(ts) (UTC). */
struct journal_fields {
	const char *id, *ts, *type, *entite_id, *utilisateur, *dossier_id, *action, *message;
};

/* Appends to OUT the canonical serialisation of F: "J1" then, per column,
 * "-," for NULL or "<byte length>:<text>,". Same bytes as the SQL
 * function liasse.journal_canonical(). */
void journal_canonical(struct strbuf *out, const struct journal_fields *f);

/* SHA-256(PREV || canonical(F)) into HASH. */
void journal_hash(const unsigned char prev[32], const struct journal_fields *f,
		  unsigned char hash[32]);

struct journal_verify_result {
	bool intact;          /* true when no break was found */
	long long checked;    /* rows whose hash was checked */
	long long first_id;   /* first row checked (0 when none) */
	long long last_id;    /* last row checked (0 when none) */
	long long bad_id;     /* first broken row when !intact */
	char reason[384];     /* French, why BAD_ID is broken */
	char head_hex[65];    /* the head's hash (last row's, hex) */
};

/* Walks the chain in id order from row FROM_ID (0 or 1 = the start), in
 * batches within one read-only snapshot, recomputing every hash and
 * checking the links and the head. Needs journal:lecture on the root
 * entity (or the liasse_owner role). Returns false + ERR only when the
 * check could not run; a broken chain is reported in RES. */
bool journal_verify(struct db *db, long long from_id, struct journal_verify_result *res,
		    struct err *err);

/* One event, for lists. Strings owned by the list. */
struct journal_event {
	long long id;
	char ts[40];          /* local time, "2026-11-23 10:12:01" */
	int type;
	long long entite_id;  /* 0 when none */
	long long dossier_id; /* 0 when none */
	char *utilisateur, *action, *message;
};
struct journal_list {
	struct journal_event *v;
	size_t n;
};

/* The LIMIT most recent events the user may read, newest first;
 * ENTITE/DOSSIER (0 = any) filter (ENTITE includes its descendants).
 * Fills OUT (free with journal_list_free). */
bool journal_list_load(struct db *db, long long entite, long long dossier, int limit,
		       struct journal_list *out, struct err *err);
void journal_list_free(struct journal_list *list);

#endif
