-- 090_pes_retour: PES Retour files fetched from the TdT become dossiers of
-- type helios-pes-retour (forms/helios-pes-retour.form).
--   * a type whose creation action is "system" (helios-pes-retour) is
--     created by liasse and its daemon only, never by an agent;
--   * pes_retour_recu remembers, per connector, which TdT retour became
--     which dossier: a retour fetched twice (the daemon stopped after the
--     dossier was stored, before the TdT was told it was read) gives no
--     second dossier.
-- Runs as liasse_owner inside one transaction (see core/migrate.c).

SET LOCAL search_path = liasse, pg_catalog;

CREATE FUNCTION dossier_creation_check() RETURNS trigger
LANGUAGE plpgsql SET search_path = liasse, pg_catalog AS $$
DECLARE
	v_def jsonb := type_def(NEW.type, NEW.type_version);
	a jsonb;
BEGIN
	SELECT x INTO a FROM def_action_entries(v_def, 'creation') x LIMIT 1;
	IF a IS NULL THEN
		SELECT x INTO a FROM jsonb_array_elements(v_def->'actions') x
		WHERE def_flag(x, 'initial') LIMIT 1;
	END IF;
	IF a IS NOT NULL AND def_flag(a, 'system') AND NOT dossier_system_caller() THEN
		RAISE EXCEPTION 'Les dossiers « % » sont créés automatiquement par liasse : on ne peut pas en créer à la main.',
			coalesce(v_def->>'name', NEW.type) USING ERRCODE = 'LI403';
	END IF;
	RETURN NEW;
END
$$;

CREATE TRIGGER dossier_creation_check BEFORE INSERT ON dossier
	FOR EACH ROW EXECUTE FUNCTION dossier_creation_check();

CREATE TABLE pes_retour_recu (
	connecteur_id bigint NOT NULL REFERENCES connecteur ON DELETE CASCADE,
	id_retour     text NOT NULL CHECK (id_retour <> ''),
	dossier_id    bigint NOT NULL REFERENCES dossier ON DELETE CASCADE,
	recu_at       timestamptz NOT NULL DEFAULT now(),
	PRIMARY KEY (connecteur_id, id_retour)
);
CREATE INDEX pes_retour_recu_dossier ON pes_retour_recu (dossier_id);
-- Read and written by the daemon (the owner) only.
ALTER TABLE pes_retour_recu ENABLE ROW LEVEL SECURITY;
REVOKE ALL ON pes_retour_recu FROM PUBLIC;

-- A S2LOW connector associated with helios-pes-retour on an entity
-- fetches that entity's unread PES Retour: one recurring connector job
-- (recup-pes-retour, like the purge's) per association, at the frequency
-- of the connector's rule; removed with the association or the connector
-- (connecteur_deplanifier).
CREATE FUNCTION association_planifier_pes_retour() RETURNS trigger
LANGUAGE plpgsql SET search_path = liasse, pg_catalog AS $$
BEGIN
	IF TG_OP IN ('DELETE', 'UPDATE') AND OLD.type_dossier = 'helios-pes-retour' THEN
		DELETE FROM job WHERE connecteur_id = OLD.connecteur_id AND entite_id = OLD.entite_id
			AND dossier_id IS NULL AND action = 'recup-pes-retour';
	END IF;
	IF TG_OP IN ('INSERT', 'UPDATE') AND NEW.type_dossier = 'helios-pes-retour'
	   AND EXISTS (SELECT FROM connecteur WHERE id = NEW.connecteur_id AND type = 's2low')
	   AND NOT EXISTS (SELECT FROM job WHERE connecteur_id = NEW.connecteur_id AND entite_id = NEW.entite_id
			   AND dossier_id IS NULL AND action = 'recup-pes-retour') THEN
		INSERT INTO job (entite_id, type, dossier_id, action, connecteur_id, famille, created_by)
		SELECT NEW.entite_id, '', NULL, 'recup-pes-retour', c.id, c.famille, session_user
		FROM connecteur c WHERE c.id = NEW.connecteur_id;
		PERFORM pg_notify('liasse_job', '0');
	END IF;
	RETURN NULL;
END
$$;
CREATE TRIGGER association_planifier_pes_retour AFTER INSERT OR UPDATE OR DELETE ON connecteur_association
	FOR EACH ROW EXECUTE FUNCTION association_planifier_pes_retour();

-- Agents and administrators read their PES Retour (and may end or delete
-- them: edition; the creation stays the daemon's, above); consultation reads
-- them. An administrator must hold every right of the roles she delegates.
INSERT INTO droit (droit, libelle) VALUES
	('helios-pes-retour:lecture', 'PES Retour (Helios) : lecture'),
	('helios-pes-retour:edition', 'PES Retour (Helios) : modification')
ON CONFLICT DO NOTHING;
INSERT INTO role_droit (role, droit)
SELECT r, d FROM (VALUES ('agent-collectivite', 'helios-pes-retour:lecture'),
			 ('agent-collectivite', 'helios-pes-retour:edition'),
			 ('administrateur-collectivite', 'helios-pes-retour:lecture'),
			 ('administrateur-collectivite', 'helios-pes-retour:edition'),
			 ('consultation', 'helios-pes-retour:lecture')) x(r, d)
WHERE EXISTS (SELECT FROM role WHERE role = x.r)
ON CONFLICT DO NOTHING;
