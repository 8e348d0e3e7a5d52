/* The purge / "modification en masse" connector (family purge), per entity
 * (its sub-entities included) or global (on the root entity). Each run,
 * at the connector's frequency (default rule: daily, verrou PURGE), takes
 * the dossiers of one type that are in one of the given states (or went
 * through one), are not in the excluded state, and whose last state
 * change is older than the given number of days; optionally rewrites a
 * field; then runs the target action (default "supression"). The journal
 * of a purged dossier stays (and `liasse journal verify` still passes). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/connector.h"
#include "core/i18n.h"
#include "core/log.h"

static const struct connector_field purge_fields[] = {
	{ "type_dossier", N_("Type de dossier"), CF_TEXT, true, NULL, NULL },
	{ "etat", N_("États concernés (liste, vide : tous)"), CF_TEXT, false, NULL, NULL },
	{ "passe_par", N_("Seulement les dossiers passés par cet état"), CF_TEXT, false, NULL, NULL },
	{ "etat_exclu", N_("État exclu"), CF_TEXT, false, NULL, NULL },
	{ "jours", N_("Ancienneté minimale du dernier état (jours)"), CF_NUMBER, false, "60", NULL },
	{ "champ", N_("Champ à modifier (facultatif)"), CF_TEXT, false, NULL, NULL },
	{ "valeur", N_("Nouvelle valeur du champ"), CF_TEXT, false, NULL, NULL },
	{ "action", N_("Action à lancer (« aucune » : modification seule)"), CF_TEXT, false, "supression", NULL },
	{ "max", N_("Dossiers traités par passage au plus"), CF_NUMBER, false, "500", NULL },
	{ NULL, NULL, CF_TEXT, false, NULL, NULL },
};

static bool
purge_run(struct connector_ctx *ctx, struct connector_result *res, struct err *err)
{
	const struct connector_config *cfg = ctx->config;
	const char *type = connector_config_get(cfg, "type_dossier");
	if (!type) {
		connector_result_set(res, CONNECTOR_FAIL, NULL, _("Purge : le type de dossier n'est pas configuré."));
		return true;
	}
	char ent[32], jours[32], max[32];
	snprintf(ent, sizeof ent, "%lld", (long long)cfg->entite_id);
	snprintf(jours, sizeof jours, "%ld", connector_config_long(cfg, "jours", 60));
	snprintf(max, sizeof max, "%ld", connector_config_long(cfg, "max", 500));
	const char *p[] = { ent, type, connector_config_get(cfg, "etat"), connector_config_get(cfg, "passe_par"),
			    connector_config_get(cfg, "etat_exclu"), jours, max };
	PGresult *r = db_query(ctx->db,
		"SELECT d.id FROM liasse.dossier d"
		" WHERE d.entite_id IN (SELECT a.entite_id FROM liasse.entite_ancetre a WHERE a.ancetre_id = $1::bigint)"
		"   AND d.type = $2"
		"   AND ($3::text IS NULL OR d.etat = ANY (string_to_array(replace($3, ' ', ''), ',')))"
		"   AND ($4::text IS NULL OR EXISTS (SELECT FROM liasse.dossier_etat h WHERE h.dossier_id = d.id"
		"        AND h.etat = $4))"
		"   AND ($5::text IS NULL OR d.etat <> $5)"
		"   AND d.etat_at <= now() - make_interval(days => $6::integer)"
		" ORDER BY d.etat_at, d.id LIMIT $7::integer", 7, p, err);
	if (!r)
		return false;
	const char *champ = connector_config_get(cfg, "champ");
	const char *valeur = connector_config_get(cfg, "valeur");
	const char *action = connector_config_get(cfg, "action");
	if (action && strcmp(action, "aucune") == 0) /* modification only */
		action = NULL;
	int n = PQntuples(r), done = 0, refused = 0;
	char first_error[700] = "";
	for (int i = 0; i < n && !(ctx->stop && *ctx->stop); i++) {
		const char *id = PQgetvalue(r, i, 0);
		struct err e = { 0 };
		bool ok = db_begin(ctx->db, &e);
		if (ok && champ) {
			const char *q[] = { id, champ, valeur ? valeur : "" };
			ok = db_exec(ctx->db, "SELECT liasse.dossier_set($1::bigint, NULL, jsonb_build_object($2::text, $3::text))",
				     3, q, &e);
		}
		if (ok && action) {
			const char *q[] = { id, action };
			ok = db_exec(ctx->db, "SELECT liasse.dossier_action($1::bigint, $2, NULL, 'Purge automatique')",
				     2, q, &e);
		}
		if (ok)
			ok = db_commit(ctx->db, &e);
		else
			db_rollback(ctx->db);
		if (e.code == ERR_DB_CONNECT) {
			PQclear(r);
			*err = e;
			return false;
		}
		if (ok) {
			done++;
		} else {
			refused++;
			if (!first_error[0])
				snprintf(first_error, sizeof first_error, "%s : %s", id, e.msg);
		}
	}
	PQclear(r);
	char cid[32], msg[900];
	snprintf(cid, sizeof cid, "%lld", (long long)cfg->id);
	if (refused)
		snprintf(msg, sizeof msg, _("Purge : %d dossier(s) traité(s), %d refusé(s) (dossier %s)."), done,
			 refused, first_error);
	else
		snprintf(msg, sizeof msg, _("Purge : %d dossier(s) traité(s)."), done);
	const char *q[] = { cid, refused ? "f" : "t", msg };
	if (!db_exec(ctx->db, "SELECT liasse.connecteur_log($1::bigint, 'purge', $2::boolean, $3)", 3, q, err))
		return false;
	log_info("%s", msg);
	connector_result_set(res, CONNECTOR_DONE, NULL, "%s", msg);
	return true;
}

static bool
purge_test(const struct connector_config *cfg, struct strbuf *message, struct err *err)
{
	const char *type = connector_config_get(cfg, "type_dossier");
	if (!type)
		return err_set(err, ERR_INPUT, _("Purge : le type de dossier n'est pas configuré."));
	sb_printf(message, _("Purge des dossiers « %s » de plus de %ld jours, action « %s »."), type,
		  connector_config_long(cfg, "jours", 60), connector_config_get(cfg, "action"));
	return true;
}

const struct connector_type connector_purge = {
	.id = "purge",
	.famille = "purge",
	.label = N_("Purge / modification en masse"),
	.fields = purge_fields,
	.test = purge_test,
	.run = purge_run,
};
