/* Connector registry, configuration and the run context (see connector.h). */
#include "core/connector.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/dossier.h"
#include "core/i18n.h"

/* Every connector type, one line each. */
static const struct connector_type *const registry[] = {
	&connector_null,
	&connector_s2low,
	&connector_depot_local,
	&connector_depot_sftp,
	&connector_purge,
	&connector_smtp,
};

const struct connector_type *const *
connector_types(size_t *n)
{
	*n = sizeof registry / sizeof registry[0];
	return registry;
}

const struct connector_type *
connector_find(const char *id)
{
	for (size_t i = 0; id && i < sizeof registry / sizeof registry[0]; i++)
		if (strcmp(registry[i]->id, id) == 0)
			return registry[i];
	return NULL;
}

const struct connector_field *
connector_field_find(const struct connector_type *type, const char *id)
{
	for (const struct connector_field *f = type ? type->fields : NULL; f && f->id; f++)
		if (strcmp(f->id, id) == 0)
			return f;
	return NULL;
}

const char *
connector_config_get(const struct connector_config *cfg, const char *key)
{
	for (size_t i = 0; i < cfg->n; i++)
		if (strcmp(cfg->keys[i], key) == 0 && cfg->values[i][0])
			return cfg->values[i];
	const struct connector_field *f = connector_field_find(connector_find(cfg->type), key);
	return f && f->def && f->def[0] ? f->def : NULL;
}

long
connector_config_long(const struct connector_config *cfg, const char *key, long def)
{
	const char *v = connector_config_get(cfg, key);
	char *end;
	if (!v)
		return def;
	long l = strtol(v, &end, 10);
	return end != v && *end == '\0' ? l : def;
}

struct connector_config *
connector_config_load(struct db *db, int64_t id, struct err *err)
{
	char ids[32];
	snprintf(ids, sizeof ids, "%lld", (long long)id);
	const char *p[] = { ids };
	PGresult *r = db_query(db,
		"SELECT c.entite_id, c.type, c.famille, c.libelle FROM liasse.connecteur c WHERE c.id = $1",
		1, p, err);
	if (!r)
		return NULL;
	if (PQntuples(r) != 1) {
		PQclear(r);
		err_set(err, ERR_NOT_FOUND, _("Connecteur %lld introuvable."), (long long)id);
		return NULL;
	}
	struct connector_config *cfg = xcalloc(1, sizeof *cfg);
	cfg->id = id;
	cfg->entite_id = strtoll(PQgetvalue(r, 0, 0), NULL, 10);
	cfg->type = xstrdup(PQgetvalue(r, 0, 1));
	cfg->famille = xstrdup(PQgetvalue(r, 0, 2));
	cfg->libelle = xstrdup(PQgetvalue(r, 0, 3));
	PQclear(r);
	r = db_query(db,
		"SELECT k, v FROM liasse.connecteur c LEFT JOIN liasse.connecteur_secret s"
		" ON s.connecteur_id = c.id,"
		" jsonb_each_text(c.config || coalesce(s.valeurs, '{}')) AS x(k, v)"
		" WHERE c.id = $1 ORDER BY k", 1, p, err);
	if (!r) {
		connector_config_free(&cfg);
		return NULL;
	}
	cfg->n = (size_t)PQntuples(r);
	cfg->keys = xcalloc(cfg->n + 1, sizeof(char *));
	cfg->values = xcalloc(cfg->n + 1, sizeof(char *));
	for (size_t i = 0; i < cfg->n; i++) {
		cfg->keys[i] = xstrdup(PQgetvalue(r, (int)i, 0));
		cfg->values[i] = xstrdup(PQgetvalue(r, (int)i, 1));
	}
	PQclear(r);
	return cfg;
}

void
connector_config_free(struct connector_config **pcfg)
{
	struct connector_config *cfg = *pcfg;
	if (!cfg)
		return;
	for (size_t i = 0; i < cfg->n; i++) {
		/* Secrets do not linger in freed memory. */
		volatile char *v = cfg->values[i];
		for (size_t k = 0; v[k]; k++)
			v[k] = 0;
		free(cfg->keys[i]);
		free(cfg->values[i]);
	}
	free(cfg->keys);
	free(cfg->values);
	free((char *)cfg->type);
	free((char *)cfg->famille);
	free((char *)cfg->libelle);
	free(cfg);
	*pcfg = NULL;
}

static void
id_text(char *buf, size_t n, int64_t v)
{
	snprintf(buf, n, "%lld", (long long)v);
}

char *
connector_value(struct connector_ctx *ctx, const char *champ, int n, struct err *err)
{
	char id[32], ns[16];
	id_text(id, sizeof id, ctx->job->dossier_id);
	snprintf(ns, sizeof ns, "%d", n);
	const char *p[] = { id, champ, ns };
	PGresult *r = db_query(ctx->db, "SELECT valeur FROM liasse.dossier_valeur"
			       " WHERE dossier_id = $1 AND champ = $2 AND n = $3", 3, p, err);
	if (!r)
		return NULL;
	char *v = PQntuples(r) ? xstrdup(PQgetvalue(r, 0, 0)) : NULL;
	PQclear(r);
	if (!v)
		err_set(err, ERR_NOT_FOUND, _("Le champ « %s » est vide."), champ);
	return v;
}

bool
connector_set_value(struct connector_ctx *ctx, const char *champ, const char *value,
		    struct err *err)
{
	char id[32];
	id_text(id, sizeof id, ctx->job->dossier_id);
	const char *p[] = { id, champ, value };
	return db_exec(ctx->db, "SELECT liasse.dossier_set($1, NULL, jsonb_build_object($2::text, $3::text))",
		       3, p, err);
}

int
connector_file_count(struct connector_ctx *ctx, const char *champ, struct err *err)
{
	char id[32];
	id_text(id, sizeof id, ctx->job->dossier_id);
	const char *p[] = { id, champ };
	PGresult *r = db_query(ctx->db, "SELECT count(*) FROM liasse.fichier"
			       " WHERE dossier_id = $1 AND champ = $2 AND complet", 2, p, err);
	if (!r)
		return -1;
	int n = atoi(PQgetvalue(r, 0, 0));
	PQclear(r);
	return n;
}

char *
connector_file_name(struct connector_ctx *ctx, const char *champ, int n, struct err *err)
{
	char id[32], ns[16];
	id_text(id, sizeof id, ctx->job->dossier_id);
	snprintf(ns, sizeof ns, "%d", n);
	const char *p[] = { id, champ, ns };
	PGresult *r = db_query(ctx->db, "SELECT nom FROM liasse.fichier"
			       " WHERE dossier_id = $1 AND champ = $2 AND n = $3 AND complet", 3, p, err);
	if (!r)
		return NULL;
	char *v = PQntuples(r) ? xstrdup(PQgetvalue(r, 0, 0)) : NULL;
	PQclear(r);
	if (!v)
		err_set(err, ERR_NOT_FOUND, _("Aucun fichier dans le champ « %s »."), champ);
	return v;
}

bool
connector_file_save(struct connector_ctx *ctx, const char *champ, int n, const char *path,
		    struct err *err)
{
	FILE *fp = fopen(path, "wb");
	if (!fp)
		return err_set(err, ERR_IO, _("Impossible d'écrire le fichier temporaire %s."), path);
	bool ok = dossier_download(ctx->db, ctx->job->dossier_id, champ, n, fp, NULL, NULL, 0, err);
	if (fclose(fp) != 0 && ok)
		ok = err_set(err, ERR_IO, _("Impossible d'écrire le fichier temporaire %s."), path);
	return ok;
}

bool
connector_file_attach(struct connector_ctx *ctx, const char *champ, const char *path,
		      const char *name, bool replace, struct err *err)
{
	if (replace && connector_file_count(ctx, champ, err) > 0 &&
	    !dossier_detach(ctx->db, ctx->job->dossier_id, -1, champ, 0, NULL, err))
		return false;
	struct dossier_attach_result res;
	return dossier_attach(ctx->db, ctx->job->dossier_id, -1, champ, path, name, &res, err);
}

char *
connector_data_get(struct connector_ctx *ctx, const char *key, struct err *err)
{
	char id[32];
	id_text(id, sizeof id, ctx->job->dossier_id);
	const char *p[] = { id, key };
	PGresult *r = db_query(ctx->db, "SELECT valeur FROM liasse.connecteur_donnee"
			       " WHERE dossier_id = $1 AND cle = $2", 2, p, err);
	if (!r)
		return NULL;
	char *v = PQntuples(r) && !PQgetisnull(r, 0, 0) ? xstrdup(PQgetvalue(r, 0, 0)) : NULL;
	PQclear(r);
	return v;
}

bool
connector_data_put(struct connector_ctx *ctx, const char *key, const char *value, struct err *err)
{
	char id[32];
	id_text(id, sizeof id, ctx->job->dossier_id);
	const char *p[] = { id, key, value };
	return db_exec(ctx->db,
		"INSERT INTO liasse.connecteur_donnee (dossier_id, entite_id, type, cle, valeur)"
		" SELECT d.id, d.entite_id, d.type, $2, $3 FROM liasse.dossier d WHERE d.id = $1"
		" ON CONFLICT (dossier_id, cle) DO UPDATE SET valeur = EXCLUDED.valeur, at = now()",
		3, p, err);
}

void
connector_result_init(struct connector_result *r)
{
	memset(r, 0, sizeof *r);
	r->status = CONNECTOR_DONE;
}

void
connector_result_free(struct connector_result *r)
{
	sb_free(&r->message);
}

void
connector_result_set(struct connector_result *r, enum connector_status status, const char *outcome,
		     const char *fmt, ...)
{
	r->status = status;
	str_copy(r->outcome, sizeof r->outcome, outcome ? outcome : "");
	sb_reset(&r->message);
	if (fmt) {
		va_list ap;
		va_start(ap, fmt);
		char buf[2048];
		vsnprintf(buf, sizeof buf, fmt, ap);
		va_end(ap);
		sb_add(&r->message, buf);
	}
}

/* The null connector: no remote side (benchmarks, tests). Options:
 * "resultat" ok (default) | attente (WAIT) | erreur (RETRY) | ko (FAIL);
 * "suite_<action>" (hyphens as underscores) the outcome after ACTION;
 * "action_erreur" the error action; "duree" milliseconds each run takes
 * (its start and end are recorded as connector data null_debut/null_fin,
 * so tests can see which runs overlapped). */
static const struct connector_field null_fields[] = {
	{ "resultat", N_("Résultat simulé (ok, attente, erreur, ko)"), CF_SELECT, false, "ok",
	  "ok=Succès|attente=Attente|erreur=Erreur temporaire|ko=Refus" },
	{ "action_erreur", N_("Action d'erreur"), CF_TEXT, false, NULL, NULL },
	{ "duree", N_("Durée de chaque exécution (millisecondes)"), CF_NUMBER, false, "0", NULL },
	{ NULL, NULL, CF_TEXT, false, NULL, NULL },
};

static bool
null_test(const struct connector_config *cfg, struct strbuf *message, struct err *err)
{
	(void)cfg;
	(void)err;
	sb_add(message, _("Connecteur de test : rien à joindre."));
	return true;
}

static bool
null_stamp(struct connector_ctx *ctx, const char *key, struct err *err)
{
	struct timespec ts;
	char buf[64];
	clock_gettime(CLOCK_REALTIME, &ts);
	snprintf(buf, sizeof buf, "%lld.%06ld", (long long)ts.tv_sec, ts.tv_nsec / 1000);
	return !ctx->job->dossier_id || connector_data_put(ctx, key, buf, err);
}

static bool
null_run(struct connector_ctx *ctx, struct connector_result *res, struct err *err)
{
	const char *r = connector_config_get(ctx->config, "resultat");
	const char *fail = connector_config_get(ctx->config, "action_erreur");
	long ms = connector_config_long(ctx->config, "duree", 0);
	if (ms > 0) {
		if (!null_stamp(ctx, "null_debut", err))
			return false;
		struct timespec d = { ms / 1000, (ms % 1000) * 1000000L };
		while (nanosleep(&d, &d) != 0)
			;
		if (!null_stamp(ctx, "null_fin", err))
			return false;
	}
	char key[160];
	snprintf(key, sizeof key, "suite_%s", ctx->job->action);
	for (char *c = key; *c; c++)
		if (*c == '-')
			*c = '_';
	if (!r || strcmp(r, "ok") == 0)
		connector_result_set(res, CONNECTOR_DONE, connector_config_get(ctx->config, key), NULL);
	else if (strcmp(r, "attente") == 0)
		connector_result_set(res, CONNECTOR_WAIT, NULL, _("En attente."));
	else if (strcmp(r, "ko") == 0)
		connector_result_set(res, CONNECTOR_FAIL, fail, _("Refus simulé par le connecteur de test."));
	else
		connector_result_set(res, CONNECTOR_RETRY, fail, _("Erreur simulée par le connecteur de test."));
	return true;
}

const struct connector_type connector_null = {
	.id = "null",
	.famille = "*",
	.label = N_("Connecteur de test (sans effet)"),
	.fields = null_fields,
	.test = null_test,
	.run = null_run,
};
