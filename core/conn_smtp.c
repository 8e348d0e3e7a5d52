/* The SMTP connector (family mailsec): sends the mail sécurisé of a
 * mailsec-bidir dossier (actions envoi-mail and renvoi) through
 * mailsec_send(). One instance per entity, or inherited from a parent. */
#include <curl/curl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/connector.h"
#include "core/i18n.h"
#include "core/mailsec.h"

static const struct connector_field smtp_fields[] = {
	{ "serveur", N_("Serveur SMTP (smtp://hôte:587 ou smtps://hôte:465)"), CF_TEXT, true, NULL, NULL },
	{ "starttls", N_("Chiffrement STARTTLS (smtp://)"), CF_SELECT, false, "on",
	  N_("on=Exigé|off=Aucun (serveur local uniquement)") },
	{ "utilisateur", N_("Identifiant SMTP (vide : sans authentification)"), CF_TEXT, false, NULL, NULL },
	{ "mot_de_passe", N_("Mot de passe SMTP"), CF_SECRET, false, NULL, NULL },
	{ "ca_fichier", N_("Fichier des autorités de certification (vide : celles du système)"), CF_TEXT,
	  false, NULL, NULL },
	{ "expediteur", N_("Adresse d'expédition"), CF_TEXT, true, NULL, NULL },
	{ "expediteur_nom", N_("Nom de l'expéditeur (%ENTITE%)"), CF_TEXT, false, "%ENTITE%", NULL },
	{ "reply_to", N_("Adresse de réponse (Reply-To)"), CF_TEXT, false, NULL, NULL },
	{ "sujet", N_("Objet du mail (%ENTITE% %TITRE%)"), CF_TEXT, false, "%TITRE%", NULL },
	{ "contenu", N_("Texte du mail (%ENTITE% %TITRE% %LINK%)"), CF_TEXT, false, NULL, NULL },
	{ "lien_base", N_("Adresse publique des pages destinataires (https://…)"), CF_TEXT, true, NULL, NULL },
	{ "delai", N_("Délai d'attente par message (secondes)"), CF_NUMBER, false, "60", NULL },
	{ "notifier_reponses", N_("Prévenir l'auteur du mail par courriel de chaque réponse"), CF_SELECT, false,
	  "off", N_("on=Oui|off=Non") },
	{ NULL, NULL, 0, false, NULL, NULL },
};

static void
smtp_from_config(const struct connector_config *cfg, struct mailsec_smtp *s)
{
	memset(s, 0, sizeof *s);
	s->url = connector_config_get(cfg, "serveur");
	const char *tls = connector_config_get(cfg, "starttls");
	s->starttls = !(tls && !strcmp(tls, "off")) && s->url && !strncmp(s->url, "smtp://", 7);
	s->user = connector_config_get(cfg, "utilisateur");
	s->password = connector_config_get(cfg, "mot_de_passe");
	s->ca_file = connector_config_get(cfg, "ca_fichier");
	s->from = connector_config_get(cfg, "expediteur");
	s->from_name = connector_config_get(cfg, "expediteur_nom");
	s->reply_to = connector_config_get(cfg, "reply_to");
	s->subject = connector_config_get(cfg, "sujet");
	s->body = connector_config_get(cfg, "contenu");
	s->base_url = connector_config_get(cfg, "lien_base");
	s->timeout = connector_config_long(cfg, "delai", 60);
}

static bool
smtp_test(const struct connector_config *cfg, struct strbuf *message, struct err *err)
{
	struct mailsec_smtp s;
	smtp_from_config(cfg, &s);
	if (!s.url)
		return err_set(err, ERR_INPUT, _("Serveur SMTP non configuré."));
	CURL *c = curl_easy_init();
	if (!c)
		return err_set(err, ERR_INTERNAL, _("libcurl indisponible."));
	char errbuf[CURL_ERROR_SIZE] = "";
	curl_easy_setopt(c, CURLOPT_URL, s.url);
	curl_easy_setopt(c, CURLOPT_CONNECT_ONLY, 1L);
	curl_easy_setopt(c, CURLOPT_ERRORBUFFER, errbuf);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, 20L);
	if (s.ca_file)
		curl_easy_setopt(c, CURLOPT_CAINFO, s.ca_file);
	if (s.starttls)
		curl_easy_setopt(c, CURLOPT_USE_SSL, (long)CURLUSESSL_ALL);
	if (s.user) {
		curl_easy_setopt(c, CURLOPT_USERNAME, s.user);
		curl_easy_setopt(c, CURLOPT_PASSWORD, s.password ? s.password : "");
	}
	CURLcode rc = curl_easy_perform(c);
	curl_easy_cleanup(c);
	if (rc != CURLE_OK)
		return err_set(err, ERR_IO, _("Connexion au serveur SMTP %s impossible : %s"), s.url,
			       errbuf[0] ? errbuf : curl_easy_strerror(rc));
	sb_printf(message, _("Connexion au serveur SMTP %s réussie."), s.url);
	return true;
}

static bool
smtp_run(struct connector_ctx *ctx, struct connector_result *result, struct err *err)
{
	struct mailsec_smtp s;
	smtp_from_config(ctx->config, &s);
	struct mailsec_send_report rep;
	bool envoi = strcmp(ctx->job->action, "renvoi") != 0;
	struct err e = { 0 };
	if (!mailsec_send(ctx->db, ctx->job->dossier_id, envoi ? "envoi-mail" : "renvoi", &s, &rep, &e)) {
		if (e.code == ERR_DB_CONNECT || e.code == ERR_INTERNAL) {
			*err = e;
			return false;
		}
		connector_result_set(result, CONNECTOR_FAIL, envoi ? "send-mailsec-error" : NULL, "%s",
				     e.msg);
		return true;
	}
	/* Transient: retried per the frequency; when the tries are used up the
	 * daemon applies send-mailsec-error, from which the user resends. The
	 * recipients already written to keep their sending (committed one by
	 * one) and are not written to again. */
	if (rep.transient)
		connector_result_set(result, CONNECTOR_RETRY, envoi ? "send-mailsec-error" : NULL, "%s",
				     rep.message);
	else if (envoi && rep.sent == 0)
		connector_result_set(result, CONNECTOR_FAIL, "send-mailsec-error", "%s", rep.message);
	else
		connector_result_set(result, CONNECTOR_DONE, NULL, "%s", rep.message);
	return true;
}

bool
mailsec_notify_sender(struct db *db, const char *dest, struct err *err)
{
	const char *p[] = { dest };
	PGresult *r = db_query(db, "SELECT connecteur_id, email, entite, objet, destinataire, reponse, "
				   "nb_fichiers::text, dossier_id::text FROM liasse.mailsec_web_notification($1)",
			       1, p, err);
	if (!r)
		return false;
	if (PQntuples(r) != 1 || PQgetisnull(r, 0, 0) || PQgetisnull(r, 0, 1)) {
		PQclear(r);
		return true;
	}
	struct connector_config *cfg = connector_config_load(db, strtoll(PQgetvalue(r, 0, 0), NULL, 10), err);
	if (!cfg) {
		PQclear(r);
		return false;
	}
	const char *on = connector_config_get(cfg, "notifier_reponses");
	bool ok = true;
	if (on && !strcmp(on, "on")) {
		struct mailsec_smtp s;
		smtp_from_config(cfg, &s);
		char subject[600];
		snprintf(subject, sizeof subject, _("Réponse de %s à « %s »"), PQgetvalue(r, 0, 4),
			 PQgetvalue(r, 0, 3));
		struct strbuf body = STRBUF_INIT;
		sb_printf(&body, _("Bonjour,\n\n%s a répondu au mail sécurisé « %s » (dossier %s) :\n\n"),
			  PQgetvalue(r, 0, 4), PQgetvalue(r, 0, 3), PQgetvalue(r, 0, 7));
		sb_add(&body, PQgetvalue(r, 0, 5));
		sb_printf(&body, _("\n\n%s fichier(s) joint(s) à la réponse, à lire dans liasse (suivi des destinataires).\n"),
			  PQgetvalue(r, 0, 6));
		char *name = mailsec_template(s.from_name && *s.from_name ? s.from_name : "%ENTITE%",
					      PQgetvalue(r, 0, 2), PQgetvalue(r, 0, 3), "");
		ok = mailsec_mail(&s, name, PQgetvalue(r, 0, 1), subject, sb_str(&body), err);
		free(name);
		sb_free(&body);
	}
	connector_config_free(&cfg);
	PQclear(r);
	return ok;
}

const struct connector_type connector_smtp = {
	.id = "smtp",
	.famille = "mailsec",
	.label = N_("Mail sécurisé par SMTP"),
	.fields = smtp_fields,
	.test = smtp_test,
	.run = smtp_run,
};
