/* The one connector interface. A connector type (s2low, depot-local,
 * purge, smtp...) is a `struct connector_type` listed in the registry
 * (core/connector.c); the daemon finds it by the id stored with the
 * instance (table connecteur, core/sql/010_daemon.sql) and knows no
 * connector by name.
 *
 * Instances and their configuration live in PostgreSQL:
 *   connecteur            (id, entite_id, libelle, type, famille, config jsonb)
 *                         ordinary values; readable by agents holding
 *                         connecteur:lecture on the entity (RLS)
 *   connecteur_secret     (connecteur_id, valeurs jsonb): the values of
 *                         fields of kind CF_SECRET and CF_FILE (passwords,
 *                         keys, certificates); no entite_id, no grant to
 *                         liasse_agent: only liasse_owner members (the
 *                         daemon, the database administrators) read them.
 *                         Agents write them through connecteur_set().
 *   connecteur_association (entite_id, type_dossier, famille, num,
 *                         connecteur_id) + connecteur_heritage: which
 *                         instance serves a dossier type's family slot;
 *                         connecteur_resolve() walks up to the parent
 *                         while the entity inherits.
 *
 * A run gets the job, the merged configuration (secrets included) and a
 * context giving access to the dossier as the system; it returns what
 * happened in a struct connector_result. The daemon then applies the
 * job's action and the outcome in one transaction with the job's
 * removal, so a crash never applies half of it. */
#ifndef LIASSE_CONNECTOR_H
#define LIASSE_CONNECTOR_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/db.h"
#include "core/err.h"
#include "core/strbuf.h"

enum connector_field_kind {
	CF_TEXT,   /* free text */
	CF_NUMBER, /* integer */
	CF_BOOL,   /* "on" / "" */
	CF_SELECT, /* one of OPTIONS */
	CF_SECRET, /* password: stored in connecteur_secret, never shown */
	CF_FILE,   /* file content (PEM, P12 as base64...): connecteur_secret */
};

struct connector_field {
	const char *id;      /* configuration key */
	const char *label;   /* French, N_() */
	enum connector_field_kind kind;
	bool required;
	const char *def;     /* default value, NULL = none */
	const char *options; /* CF_SELECT: "1=Un répertoire par dossier|2=Un zip|3=À la racine" */
};

/* The configuration of one instance: ordinary and secret values merged. */
struct connector_config {
	int64_t id;          /* connecteur.id */
	int64_t entite_id;
	const char *type;    /* implementation id, e.g. "s2low" */
	const char *famille; /* "TdT", "GED", "SAE", "mailsec", "purge"... */
	const char *libelle;
	size_t n;
	char **keys;
	char **values;
};
/* Value of KEY, else the field's default, else NULL (never "" for unset). */
const char *connector_config_get(const struct connector_config *cfg, const char *key);
/* Integer value of KEY (DEF when unset or not a number). */
long connector_config_long(const struct connector_config *cfg, const char *key, long def);
/* Loads instance ID (secrets included: needs a liasse_owner role). */
struct connector_config *connector_config_load(struct db *db, int64_t id, struct err *err);
void connector_config_free(struct connector_config **cfg);

/* One job as claimed by the daemon (table job). */
struct connector_job {
	int64_t id;
	int64_t entite_id;
	int64_t dossier_id;    /* 0: a job of the connector itself (purge, PES Retour...) */
	int64_t connecteur_id; /* the resolved instance */
	const char *type;      /* dossier type, or "" */
	const char *action;    /* the action to run, e.g. "send-tdt", "verif-tdt" */
	const char *etat_source;
	int nb_try;            /* tries already made (0 on the first run) */
};

enum connector_status {
	CONNECTOR_DONE,  /* the action succeeded: apply it, then OUTCOME if set */
	CONNECTOR_WAIT,  /* nothing to do yet (no ARActe): try again later, not an error */
	CONNECTOR_RETRY, /* transient failure (network, TLS, 5xx, garbage): retry per the
			  * frequency, nb_try + 1, MESSAGE shown as the last error; after
			  * the configured tries the daemon applies the error action */
	CONNECTOR_FAIL,  /* definitive refusal (KO from S2LOW...): apply OUTCOME (the error
			  * action, e.g. send-tdt-erreur) with MESSAGE in the history */
};

struct connector_result {
	enum connector_status status;
	char outcome[64];      /* action applied after (DONE) or instead (FAIL) the job's action */
	struct strbuf message; /* French, for the history / the job's last error */
};

/* What a run can do with the dossier, as the system. All writes are made
 * in the daemon's own transaction, committed with the state change. */
struct connector_ctx {
	struct db *db;
	const struct connector_job *job;
	const struct connector_config *config;
	const char *daemon_id;     /* host:pid of the daemon */
	volatile const int *stop;  /* non-zero when SIGTERM asks to finish soon */
};

/* Dossier value of CHAMP (number N), caller frees; NULL when absent. */
char *connector_value(struct connector_ctx *ctx, const char *champ, int n, struct err *err);
/* Sets a value (read-only fields allowed: the system writes). */
bool connector_set_value(struct connector_ctx *ctx, const char *champ, const char *value,
			 struct err *err);
/* Number of files of CHAMP and the name of file N (caller frees). */
int connector_file_count(struct connector_ctx *ctx, const char *champ, struct err *err);
char *connector_file_name(struct connector_ctx *ctx, const char *champ, int n, struct err *err);
/* Writes file N of CHAMP to PATH. */
bool connector_file_save(struct connector_ctx *ctx, const char *champ, int n, const char *path,
			 struct err *err);
/* Attaches the file at PATH to CHAMP under NAME (replacing file 0 when
 * REPLACE). */
bool connector_file_attach(struct connector_ctx *ctx, const char *champ, const char *path,
			   const char *name, bool replace, struct err *err);

/* Durable connector data of the dossier (table connecteur_donnee): the
 * remote transaction id, the intent recorded before a request. PUT
 * commits at once, outside the daemon's transaction: that is what makes
 * an intent survive a crash. GET returns NULL when unset (caller frees). */
char *connector_data_get(struct connector_ctx *ctx, const char *key, struct err *err);
bool connector_data_put(struct connector_ctx *ctx, const char *key, const char *value,
			struct err *err);

struct connector_type {
	const char *id;          /* "s2low", "depot-local", "purge", "smtp", "null" */
	const char *famille;     /* "TdT", "GED", "SAE", "mailsec", "purge", ... */
	const char *label;       /* French, N_() */
	const struct connector_field *fields; /* terminated by a {NULL} entry */
	/* Tester la connexion: fills MESSAGE (French) with what the server
	 * answered; false + err on failure. May be NULL (nothing to test). */
	bool (*test)(const struct connector_config *cfg, struct strbuf *message, struct err *err);
	/* Runs JOB. Returns false only on a bug or a lost database connection
	 * (the job is retried after its lease); remote failures are results. */
	bool (*run)(struct connector_ctx *ctx, struct connector_result *result, struct err *err);
};

/* The registry: core/connector.c lists every type in one table (an object
 * of libcore.a with only a constructor would not be linked in). A new
 * connector defines `const struct connector_type connector_<name>` in its
 * own core/conn_<name>.c and adds one line to that table. */
extern const struct connector_type connector_null, connector_s2low, connector_depot_local,
	connector_purge;
extern const struct connector_type connector_smtp; /* core/conn_smtp.c */
extern const struct connector_type connector_depot_sftp; /* core/conn_depot.c */
/* NULL when no type has this id. */
const struct connector_type *connector_find(const char *id);
/* Registered types, in table order; *N receives the count. */
const struct connector_type *const *connector_types(size_t *n);
const struct connector_field *connector_field_find(const struct connector_type *type,
						   const char *id);

void connector_result_init(struct connector_result *r);
void connector_result_free(struct connector_result *r);
/* Sets status, outcome (may be NULL) and the message (printf-style). */
void connector_result_set(struct connector_result *r, enum connector_status status,
			  const char *outcome, const char *fmt, ...) __attribute__((format(printf, 4, 5)));

#endif
