-- 060_admin: what the Administration screens read that agents cannot
-- read directly: the associations an entity takes from its ancestors, the
-- daemon's jobs of the connectors (RLS on job only shows dossier jobs),
-- and a NOTIFY when the daemon puts a job back (tries, last error), so
-- the "Travaux en attente" screen follows it live.
-- Runs as liasse_owner inside one transaction (see core/migrate.c).

SET LOCAL search_path = liasse, pg_catalog;

-- Associations seen from P_ENTITE: its own, those of its ancestors and
-- the global ones. EFFECTIVE tells whether the row is the one
-- connecteur_resolve() picks for the entity (own, or inherited while the
-- entity inherits for the type).
CREATE FUNCTION connecteur_associations(p_entite bigint)
RETURNS TABLE (entite_id bigint, entite text, type_dossier text, famille text, num integer,
	       connecteur_id bigint, libelle text, connecteur_type text, niveau integer,
	       effective boolean)
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = liasse, pg_catalog AS $$
BEGIN
	PERFORM entite_require(p_entite);
	PERFORM require_right(p_entite, 'connecteur:lecture');
	RETURN QUERY
	SELECT a.entite_id, e.denomination, a.type_dossier, a.famille, a.num, a.connecteur_id,
	       c.libelle, c.type, x.niveau,
	       connecteur_resolve(p_entite, a.type_dossier, a.famille, a.num) = a.connecteur_id
	FROM connecteur_association a
	JOIN entite e ON e.id = a.entite_id
	JOIN connecteur c ON c.id = a.connecteur_id
	JOIN entite_ancetre x ON x.ancetre_id = a.entite_id AND x.entite_id = p_entite
	ORDER BY x.niveau, a.type_dossier, a.famille, a.num;
END
$$;

-- The daemon's jobs on P_ENTITE and its sub-entities where the caller
-- holds connecteur:lecture, dossier jobs and connector jobs alike.
CREATE FUNCTION job_liste(p_entite bigint)
RETURNS TABLE (id bigint, entite text, dossier_id bigint, titre text, type text, action text,
	       run_at timestamptz, nb_try integer, etat text, locked boolean, locked_by text,
	       last_message text, connecteur text)
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = liasse, pg_catalog AS $$
BEGIN
	PERFORM entite_require(p_entite);
	PERFORM require_right(p_entite, 'connecteur:lecture');
	RETURN QUERY
	SELECT j.id, e.denomination, j.dossier_id, coalesce(d.titre, ''), j.type, j.action, j.run_at,
	       j.nb_try, j.etat, coalesce(j.locked_until > now(), false), coalesce(j.locked_by, ''),
	       coalesce(j.last_message, ''), coalesce(c.libelle, '')
	FROM job j
	JOIN entite_ancetre x ON x.entite_id = j.entite_id AND x.ancetre_id = p_entite
	JOIN entite e ON e.id = j.entite_id
	LEFT JOIN dossier d ON d.id = j.dossier_id
	LEFT JOIN connecteur c ON c.id = j.connecteur_id
	WHERE has_right(j.entite_id, 'connecteur:lecture')
	ORDER BY j.run_at, j.id
	LIMIT 5000;
END
$$;

-- A job put back by the daemon (job_release: a try failed or there was
-- nothing yet) or whose state changed: wake the screens that show jobs.
-- Claims do not notify (the daemon's own channel liasse_job does not
-- change either): only what a person would want to see.
CREATE FUNCTION job_notifier() RETURNS trigger
LANGUAGE plpgsql SET search_path = liasse, pg_catalog AS $$
BEGIN
	PERFORM pg_notify('liasse_job_etat', NEW.entite_id::text);
	RETURN NULL;
END
$$;
CREATE TRIGGER job_notifier AFTER UPDATE ON job FOR EACH ROW
	WHEN ((OLD.locked_by IS NOT NULL AND NEW.locked_by IS NULL) OR OLD.etat IS DISTINCT FROM NEW.etat)
	EXECUTE FUNCTION job_notifier();

GRANT EXECUTE ON FUNCTION connecteur_associations(bigint), job_liste(bigint) TO liasse_agent;
REVOKE EXECUTE ON FUNCTION job_notifier() FROM liasse_agent;
