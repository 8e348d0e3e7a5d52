-- 110_depot: a dépôt (GED) connector associated with helios-pes-retour on
-- an entity (or inherited from a parent) deposits each PES Retour as it
-- arrives. When the S2LOW connector records a retour (pes_retour_recu,
-- in the transaction that stores its dossier), the dossier's send-ged job
-- is scheduled if a GED connector resolves for it; the job then follows
-- the usual rules (frequency, retries, error-ged, then termine). Without
-- a GED connector nothing is scheduled.
-- Runs as liasse_owner inside one transaction (see core/migrate.c).

SET LOCAL search_path = liasse, pg_catalog;

CREATE FUNCTION pes_retour_planifier_ged() RETURNS trigger
LANGUAGE plpgsql SET search_path = liasse, pg_catalog AS $$
BEGIN
	INSERT INTO job (entite_id, type, dossier_id, action, etat_source, created_by)
	SELECT d.entite_id, d.type, d.id, 'send-ged', d.etat, session_user
	FROM dossier d
	WHERE d.id = NEW.dossier_id
	  AND connecteur_resolve(d.entite_id, d.type, 'GED') IS NOT NULL
	  AND NOT EXISTS (SELECT FROM job j WHERE j.dossier_id = d.id AND j.action = 'send-ged');
	IF FOUND THEN
		PERFORM pg_notify('liasse_job', NEW.dossier_id::text);
	END IF;
	RETURN NULL;
END
$$;
CREATE TRIGGER pes_retour_planifier_ged AFTER INSERT ON pes_retour_recu
	FOR EACH ROW EXECUTE FUNCTION pes_retour_planifier_ged();
