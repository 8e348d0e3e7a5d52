-- 120_reponse_prefecture: documents of the préfecture about an acte
-- (courrier simple, demande de pièces complémentaires, lettre
-- d'observations, déféré au tribunal administratif) fetched from the TdT
-- become dossiers of type actes-reponse-prefecture
-- (forms/actes-reponse-prefecture.form), created by the daemon only (the
-- creation action is system, see 090), and are attached to the acte's
-- own dossier when liasse sent it.
--   * reponse_prefecture_recue remembers, per connector, which TdT
--     document became which dossier: a document fetched twice (the daemon
--     stopped after the dossier was stored, before the TdT was told it was
--     read) gives no second dossier.
-- Runs as liasse_owner inside one transaction (see core/migrate.c).

SET LOCAL search_path = liasse, pg_catalog;

CREATE TABLE reponse_prefecture_recue (
	connecteur_id bigint NOT NULL REFERENCES connecteur ON DELETE CASCADE,
	id_document   text NOT NULL CHECK (id_document <> ''),
	dossier_id    bigint NOT NULL REFERENCES dossier ON DELETE CASCADE,
	acte_dossier_id bigint REFERENCES dossier ON DELETE SET NULL,
	recu_at       timestamptz NOT NULL DEFAULT now(),
	PRIMARY KEY (connecteur_id, id_document)
);
CREATE INDEX reponse_prefecture_recue_dossier ON reponse_prefecture_recue (dossier_id);
CREATE INDEX reponse_prefecture_recue_acte ON reponse_prefecture_recue (acte_dossier_id);
-- Read and written by the daemon (the owner) only.
ALTER TABLE reponse_prefecture_recue ENABLE ROW LEVEL SECURITY;
REVOKE ALL ON reponse_prefecture_recue FROM PUBLIC;

-- A S2LOW connector associated with a type of fetched dossiers on an
-- entity fetches that entity's unread items: one recurring connector job
-- per association (helios-pes-retour: recup-pes-retour, from 090;
-- actes-reponse-prefecture: recup-reponse-prefecture), at the frequency of
-- the connector's rule; removed with the association or the connector
-- (connecteur_deplanifier). One trigger for both, replacing 090's.
CREATE FUNCTION association_recup_action(p_type text) RETURNS text
LANGUAGE sql IMMUTABLE AS $$
	SELECT CASE p_type WHEN 'helios-pes-retour' THEN 'recup-pes-retour'
			   WHEN 'actes-reponse-prefecture' THEN 'recup-reponse-prefecture' END
$$;

CREATE FUNCTION association_planifier_recup() RETURNS trigger
LANGUAGE plpgsql SET search_path = liasse, pg_catalog AS $$
DECLARE
	v_action text;
BEGIN
	IF TG_OP IN ('DELETE', 'UPDATE') THEN
		v_action := association_recup_action(OLD.type_dossier);
		IF v_action IS NOT NULL THEN
			DELETE FROM job WHERE connecteur_id = OLD.connecteur_id AND entite_id = OLD.entite_id
				AND dossier_id IS NULL AND action = v_action;
		END IF;
	END IF;
	IF TG_OP IN ('INSERT', 'UPDATE') THEN
		v_action := association_recup_action(NEW.type_dossier);
		IF v_action IS NOT NULL
		   AND EXISTS (SELECT FROM connecteur WHERE id = NEW.connecteur_id AND type = 's2low')
		   AND NOT EXISTS (SELECT FROM job WHERE connecteur_id = NEW.connecteur_id
				   AND entite_id = NEW.entite_id AND dossier_id IS NULL AND action = v_action) THEN
			INSERT INTO job (entite_id, type, dossier_id, action, connecteur_id, famille, created_by)
			SELECT NEW.entite_id, '', NULL, v_action, c.id, c.famille, session_user
			FROM connecteur c WHERE c.id = NEW.connecteur_id;
			PERFORM pg_notify('liasse_job', '0');
		END IF;
	END IF;
	RETURN NULL;
END
$$;
DROP TRIGGER association_planifier_pes_retour ON connecteur_association;
DROP FUNCTION association_planifier_pes_retour();
CREATE TRIGGER association_planifier_recup AFTER INSERT OR UPDATE OR DELETE ON connecteur_association
	FOR EACH ROW EXECUTE FUNCTION association_planifier_recup();

-- Agents and administrators read these dossiers (and may end or delete
-- them); consultation reads them. An administrator must hold every right
-- of the roles she delegates.
INSERT INTO droit (droit, libelle) VALUES
	('actes-reponse-prefecture:lecture', 'Réponses de la préfecture : lecture'),
	('actes-reponse-prefecture:edition', 'Réponses de la préfecture : modification')
ON CONFLICT DO NOTHING;
INSERT INTO role_droit (role, droit)
SELECT r, d FROM (VALUES ('agent-collectivite', 'actes-reponse-prefecture:lecture'),
			 ('agent-collectivite', 'actes-reponse-prefecture:edition'),
			 ('administrateur-collectivite', 'actes-reponse-prefecture:lecture'),
			 ('administrateur-collectivite', 'actes-reponse-prefecture:edition'),
			 ('consultation', 'actes-reponse-prefecture:lecture')) x(r, d)
WHERE EXISTS (SELECT FROM role WHERE role = x.r)
ON CONFLICT DO NOTHING;
