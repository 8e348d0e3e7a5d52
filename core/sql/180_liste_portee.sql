-- 180_liste_portee: the caller's scope read from a table kept up to date,
-- no longer computed at each call (issue 3's p95 <= 5 ms goal for a
-- syndicat's page and total).
--
-- dossier_scope() joined the caller's roles, their rights and the entity
-- tree at each call: some 400 (entity, type) pairs for a syndicat's
-- agent, computed once for a page, once again for its total, and once
-- more by Row Level Security on every table an agent reads. The pairs of
-- every user are now kept in dossier_portee by triggers on what they are
-- made of (roles granted, rights of the roles, entity tree), in the
-- transaction that changes them: a role revoked no longer reads anything
-- once the revocation is committed, as before. Whether the user is active
-- (and who she is) is still read at each call.
-- Runs as liasse_owner inside one transaction (see core/migrate.c).

SET LOCAL search_path = liasse, pg_catalog;

-- The (entity, type) pairs where each user holds <type>:lecture, through
-- a role granted on the entity or on one of its ancestors.
CREATE TABLE dossier_portee (
	utilisateur_id bigint NOT NULL REFERENCES utilisateur ON DELETE CASCADE,
	entite_id      bigint NOT NULL,
	type           text NOT NULL,
	PRIMARY KEY (utilisateur_id, type, entite_id)
);
-- An agent reads her own pairs only.
ALTER TABLE dossier_portee ENABLE ROW LEVEL SECURITY;
CREATE POLICY dossier_portee_lecture ON dossier_portee FOR SELECT
	USING (utilisateur_id = (SELECT u.id FROM liasse.utilisateur u WHERE u.login = session_user));
REVOKE ALL ON dossier_portee FROM PUBLIC;
GRANT SELECT ON dossier_portee TO liasse_agent;

-- The pairs of users P_USERS computed again from their roles. Their rows
-- of utilisateur are locked first: two transactions changing the roles of
-- one user compute her pairs one after the other, the second one seeing
-- what the first committed (each statement takes a new snapshot).
CREATE FUNCTION dossier_portee_calculer(p_users bigint[]) RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = liasse, pg_catalog AS $$
BEGIN
	IF cardinality(p_users) IS NULL OR cardinality(p_users) = 0 THEN
		RETURN;
	END IF;
	PERFORM FROM utilisateur u WHERE u.id = ANY (p_users) ORDER BY u.id FOR UPDATE;
	DELETE FROM dossier_portee p WHERE p.utilisateur_id = ANY (p_users);
	INSERT INTO dossier_portee (utilisateur_id, entite_id, type)
	SELECT DISTINCT ur.utilisateur_id, ea.entite_id, left(rd.droit, -8)
	FROM utilisateur_role ur
	JOIN role_droit rd ON rd.role = ur.role AND rd.droit LIKE '%:lecture'
	JOIN entite_ancetre ea ON ea.ancetre_id = ur.entite_id
	WHERE ur.utilisateur_id = ANY (p_users)
	ON CONFLICT DO NOTHING;
END
$$;
REVOKE EXECUTE ON FUNCTION dossier_portee_calculer(bigint[]) FROM PUBLIC, liasse_agent;

-- Roles granted or revoked: the users concerned.
CREATE FUNCTION dossier_portee_roles() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = liasse, pg_catalog AS $$
BEGIN
	IF TG_OP = 'INSERT' THEN
		PERFORM dossier_portee_calculer(ARRAY(SELECT DISTINCT n.utilisateur_id FROM nouveaux n));
	ELSIF TG_OP = 'DELETE' THEN
		PERFORM dossier_portee_calculer(ARRAY(SELECT DISTINCT o.utilisateur_id FROM anciens o));
	ELSE
		PERFORM dossier_portee_calculer(ARRAY(SELECT n.utilisateur_id FROM nouveaux n
						      UNION SELECT o.utilisateur_id FROM anciens o));
	END IF;
	RETURN NULL;
END
$$;
CREATE TRIGGER dossier_portee_roles_i AFTER INSERT ON utilisateur_role
	REFERENCING NEW TABLE AS nouveaux FOR EACH STATEMENT EXECUTE FUNCTION dossier_portee_roles();
CREATE TRIGGER dossier_portee_roles_d AFTER DELETE ON utilisateur_role
	REFERENCING OLD TABLE AS anciens FOR EACH STATEMENT EXECUTE FUNCTION dossier_portee_roles();
CREATE TRIGGER dossier_portee_roles_u AFTER UPDATE ON utilisateur_role
	REFERENCING OLD TABLE AS anciens NEW TABLE AS nouveaux FOR EACH STATEMENT
	EXECUTE FUNCTION dossier_portee_roles();

-- Rights given to or taken from a role: the users holding the role.
CREATE FUNCTION dossier_portee_droits() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = liasse, pg_catalog AS $$
DECLARE
	v_roles text[];
BEGIN
	IF TG_OP = 'INSERT' THEN
		v_roles := ARRAY(SELECT n.role FROM nouveaux n WHERE n.droit LIKE '%:lecture');
	ELSIF TG_OP = 'DELETE' THEN
		v_roles := ARRAY(SELECT o.role FROM anciens o WHERE o.droit LIKE '%:lecture');
	ELSE
		v_roles := ARRAY(SELECT n.role FROM nouveaux n WHERE n.droit LIKE '%:lecture'
				 UNION SELECT o.role FROM anciens o WHERE o.droit LIKE '%:lecture');
	END IF;
	PERFORM dossier_portee_calculer(ARRAY(SELECT DISTINCT ur.utilisateur_id FROM utilisateur_role ur
					      WHERE ur.role = ANY (v_roles)));
	RETURN NULL;
END
$$;
CREATE TRIGGER dossier_portee_droits_i AFTER INSERT ON role_droit
	REFERENCING NEW TABLE AS nouveaux FOR EACH STATEMENT EXECUTE FUNCTION dossier_portee_droits();
CREATE TRIGGER dossier_portee_droits_d AFTER DELETE ON role_droit
	REFERENCING OLD TABLE AS anciens FOR EACH STATEMENT EXECUTE FUNCTION dossier_portee_droits();
CREATE TRIGGER dossier_portee_droits_u AFTER UPDATE ON role_droit
	REFERENCING OLD TABLE AS anciens NEW TABLE AS nouveaux FOR EACH STATEMENT
	EXECUTE FUNCTION dossier_portee_droits();

-- The entity tree: a new entity (or a subtree hung under new ancestors)
-- adds the pairs of the roles granted on its ancestors; a subtree taken
-- from its ancestors has the pairs of the users holding a role on them
-- computed again.
CREATE FUNCTION dossier_portee_arbre() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = liasse, pg_catalog AS $$
BEGIN
	IF TG_OP = 'INSERT' THEN
		PERFORM FROM utilisateur u
		WHERE u.id IN (SELECT ur.utilisateur_id FROM utilisateur_role ur
			       WHERE ur.entite_id IN (SELECT n.ancetre_id FROM nouveaux n))
		ORDER BY u.id FOR UPDATE;
		INSERT INTO dossier_portee (utilisateur_id, entite_id, type)
		SELECT DISTINCT ur.utilisateur_id, n.entite_id, left(rd.droit, -8)
		FROM nouveaux n
		JOIN utilisateur_role ur ON ur.entite_id = n.ancetre_id
		JOIN role_droit rd ON rd.role = ur.role AND rd.droit LIKE '%:lecture'
		ON CONFLICT DO NOTHING;
	ELSE
		PERFORM dossier_portee_calculer(ARRAY(SELECT DISTINCT ur.utilisateur_id FROM utilisateur_role ur
						      WHERE ur.entite_id IN (SELECT o.ancetre_id FROM anciens o)));
	END IF;
	IF TG_OP = 'UPDATE' THEN
		PERFORM dossier_portee_calculer(ARRAY(SELECT DISTINCT ur.utilisateur_id FROM utilisateur_role ur
						      WHERE ur.entite_id IN (SELECT n.ancetre_id FROM nouveaux n)));
	END IF;
	RETURN NULL;
END
$$;
CREATE TRIGGER dossier_portee_arbre_i AFTER INSERT ON entite_ancetre
	REFERENCING NEW TABLE AS nouveaux FOR EACH STATEMENT EXECUTE FUNCTION dossier_portee_arbre();
CREATE TRIGGER dossier_portee_arbre_d AFTER DELETE ON entite_ancetre
	REFERENCING OLD TABLE AS anciens FOR EACH STATEMENT EXECUTE FUNCTION dossier_portee_arbre();
CREATE TRIGGER dossier_portee_arbre_u AFTER UPDATE ON entite_ancetre
	REFERENCING OLD TABLE AS anciens NEW TABLE AS nouveaux FOR EACH STATEMENT EXECUTE FUNCTION dossier_portee_arbre();

SELECT dossier_portee_calculer(ARRAY(SELECT u.id FROM utilisateur u));

-- The same rows as 002's dossier_scope(), read from the table.
CREATE OR REPLACE FUNCTION dossier_scope() RETURNS TABLE (entite_id bigint, type text)
LANGUAGE plpgsql STABLE SECURITY DEFINER ROWS 50 SET search_path = liasse, pg_catalog AS $$
BEGIN
	IF is_owner() THEN
		RETURN QUERY SELECT e.id, t.type FROM entite e,
			(SELECT DISTINCT v.type FROM dossier_type_version v) t;
		RETURN;
	END IF;
	RETURN QUERY SELECT p.entite_id, p.type FROM dossier_portee p
	WHERE p.utilisateur_id = (SELECT u.id FROM utilisateur u WHERE u.login = session_user AND u.actif);
END
$$;
