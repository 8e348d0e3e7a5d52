-- 080_mailsec2: a new sending replaces the recipient's older links, and
-- the answers are announced to the sender.
-- Runs as liasse_owner inside one transaction (see core/migrate.c).
--
--   * A recipient's link used to stay valid after a resend: every mail
--     ever sent kept opening the page. Now, once the SMTP server has
--     accepted a new message for a recipient, the links of the earlier
--     messages are marked replaced; the page then says so (statut
--     'remplace' of mailsec_web_lien) instead of opening. A sending that
--     fails keeps the previous link working.
--   * mailsec_web_valider already notifies liasse_mailsec_reponse
--     (entite:dossier:destinataire); mailsec_reponse_notice() gives the
--     TUI what it shows for that notification, under the agent's rights;
--     mailsec_web_notification() gives liasse serve what the e-mail to the
--     author of the mail says (SMTP connector, notifier_reponses = on).

SET LOCAL search_path = liasse, pg_catalog;

-- N orders the links of a recipient (created_at may tie within a second
-- of the same transaction); REMPLACE_AT is set when a later mail made the
-- link obsolete.
ALTER TABLE mailsec_lien ADD COLUMN n bigint GENERATED ALWAYS AS IDENTITY;
ALTER TABLE mailsec_lien ADD COLUMN remplace_at timestamptz;

-- Links already superseded before this migration: every link of a
-- recipient but the most recent one.
UPDATE mailsec_lien l SET remplace_at = now()
WHERE EXISTS (SELECT FROM mailsec_lien o WHERE o.destinataire_id = l.destinataire_id
	      AND o.created_at > l.created_at);

-- For the sender: the outcome for one recipient (P_ERREUR NULL = accepted
-- by the SMTP server). Accepted: the links of earlier sendings stop working.
CREATE OR REPLACE FUNCTION mailsec_envoye(p_destinataire bigint, p_erreur text) RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = liasse, pg_catalog AS $$
DECLARE
	x mailsec_destinataire;
	v_n bigint;
BEGIN
	IF NOT dossier_system_caller() THEN
		RAISE EXCEPTION 'Réservé au traitement automatique.' USING ERRCODE = 'LI403';
	END IF;
	SELECT * INTO x FROM mailsec_destinataire WHERE id = p_destinataire FOR UPDATE;
	IF p_erreur IS NULL THEN
		UPDATE mailsec_destinataire SET envoye_at = coalesce(envoye_at, now()), renvoye_at = now(),
			nb_envois = nb_envois + 1, erreur = NULL, renvoi_demande = false
		WHERE id = x.id;
		SELECT max(l.n) INTO v_n FROM mailsec_lien l WHERE l.destinataire_id = x.id;
		UPDATE mailsec_lien SET remplace_at = now()
		WHERE destinataire_id = x.id AND remplace_at IS NULL AND n < v_n;
		IF FOUND THEN
			PERFORM journal_append(1, x.entite_id, x.dossier_id, 'renvoi',
				format('Lien précédent de %s remplacé par le nouvel envoi', x.email));
		END IF;
	ELSE
		UPDATE mailsec_destinataire SET erreur = p_erreur, renvoi_demande = false WHERE id = x.id;
		PERFORM journal_append(9, x.entite_id, x.dossier_id, 'envoi-mail',
			format('Adresse %s refusée : %s', x.email, p_erreur));
	END IF;
END
$$;

-- The recipient a link's key hash designates. STATUT: 'ok', 'inconnu'
-- (no such link, or the dossier was deleted), 'remplace' (a more recent
-- mail carries another link), 'non-recu' (the mail was declared not
-- received before this recipient read it), 'bloque' (too many wrong
-- passwords: BLOQUE_JUSQU).
CREATE OR REPLACE FUNCTION mailsec_web_lien(p_hash bytea)
RETURNS TABLE (statut text, destinataire_id bigint, dossier_id bigint, email text,
	       password_hash text, bloque_jusqu timestamptz, lu boolean, repondu boolean)
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = liasse, pg_catalog AS $$
DECLARE
	x mailsec_destinataire;
	d dossier;
	v_dest bigint;
	v_remplace boolean;
BEGIN
	PERFORM mailsec_web_require();
	SELECT l.destinataire_id, l.remplace_at IS NOT NULL INTO v_dest, v_remplace
	FROM mailsec_lien l WHERE l.hash = p_hash;
	SELECT * INTO x FROM mailsec_destinataire m WHERE m.id = v_dest;
	IF x.id IS NULL THEN
		RETURN QUERY SELECT 'inconnu'::text, NULL::bigint, NULL::bigint, NULL::text, NULL::text,
			NULL::timestamptz, false, false;
		RETURN;
	END IF;
	SELECT * INTO d FROM dossier WHERE id = x.dossier_id;
	RETURN QUERY SELECT
		CASE WHEN v_remplace THEN 'remplace'
		     WHEN d.etat = 'non-recu' AND x.lu_at IS NULL THEN 'non-recu'
		     WHEN x.bloque_jusqu > now() THEN 'bloque' ELSE 'ok' END,
		x.id, x.dossier_id, x.email,
		(SELECT v.valeur FROM dossier_valeur v WHERE v.dossier_id = d.id AND v.champ = 'password'),
		x.bloque_jusqu, x.lu_at IS NOT NULL, x.repondu_at IS NOT NULL;
END
$$;

-- For agents: what a liasse_mailsec_reponse notification announces, when
-- the agent may read that dossier (no row otherwise, never an error: the
-- notification reaches every session).
CREATE FUNCTION mailsec_reponse_notice(p_destinataire bigint)
RETURNS TABLE (dossier_id bigint, email text, description text, objet text)
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = liasse, pg_catalog AS $$
DECLARE
	x mailsec_destinataire;
BEGIN
	SELECT * INTO x FROM mailsec_destinataire WHERE id = p_destinataire;
	IF x.id IS NULL OR x.repondu_at IS NULL
	   OR NOT has_right(x.entite_id, 'mailsec-bidir:lecture') THEN
		RETURN;
	END IF;
	RETURN QUERY SELECT x.dossier_id, x.email, x.description,
		coalesce(nullif(dossier_values_text(x.dossier_id, 'objet'), ''),
			 (SELECT d.titre FROM dossier d WHERE d.id = x.dossier_id));
END
$$;

-- For liasse serve: the e-mail telling the author of a mail sécurisé that
-- recipient P_DESTINATAIRE answered. CONNECTEUR_ID is the SMTP connector
-- of the dossier (NULL: none); EMAIL the author's address (NULL: none).
CREATE FUNCTION mailsec_web_notification(p_destinataire bigint)
RETURNS TABLE (connecteur_id bigint, email text, entite text, objet text, destinataire text,
	       reponse text, nb_fichiers bigint, dossier_id bigint)
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = liasse, pg_catalog AS $$
DECLARE
	x mailsec_destinataire;
	d dossier;
BEGIN
	PERFORM mailsec_web_require();
	SELECT * INTO x FROM mailsec_destinataire WHERE id = p_destinataire;
	SELECT * INTO d FROM dossier WHERE id = x.dossier_id;
	IF x.repondu_at IS NULL OR d.id IS NULL THEN
		RETURN;
	END IF;
	RETURN QUERY SELECT connecteur_resolve(d.entite_id, d.type, 'mailsec'),
		(SELECT u.email FROM utilisateur u WHERE u.login = d.created_by AND u.actif),
		(SELECT e.denomination FROM entite e WHERE e.id = d.entite_id),
		coalesce(nullif(dossier_values_text(d.id, 'objet'), ''), d.titre),
		CASE WHEN x.description <> '' THEN format('%s <%s>', x.description, x.email) ELSE x.email END,
		coalesce(x.reponse, ''),
		(SELECT count(*) FROM mailsec_reponse_fichier f WHERE f.destinataire_id = x.id),
		d.id;
END
$$;
REVOKE EXECUTE ON FUNCTION mailsec_web_notification(bigint) FROM liasse_agent;
