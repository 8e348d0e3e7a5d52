-- 184_liste_directe: an agent's words and "passé par" pages without the
-- (entity, type) pairs passed as arrays (issue 3's p95 <= 5 ms goal for a
-- syndicat's agent).
--
-- 183 read an agent's pairs from 180's table into two arrays (some 450 for
-- a syndicat) and gave them to queries planned for these values at each
-- call: planning such a query took longer than running it, and "passé
-- par" looked into one index per pair. The queries now read the table of
-- pairs themselves, by the caller's id:
-- - words: the dossiers holding the words under the entities asked for,
--   found inside the search index alone, then kept when the caller reads
--   their (entity, type) pair, sorted (a few hundred at most);
-- - "passé par": the window of the newest dossiers is walked once per
--   entity (its index by date, the readable types as a filter), no longer
--   once per pair; the window's date from the newest passages of each
--   entity as before. The index of an entity's dossiers by date carries
--   their type, so that walk reads the index alone (it read the index of
--   states, every dossier of each entity, five times slower).
-- These queries are the same text at every call and their parameters
-- carry no list: the connection keeps their plans. dossier_list() finds a
-- static filter's ids itself, without 140's dossier_page() between them.
-- Owners and the state filter go on as before.
-- Runs as liasse_owner inside one transaction (see core/migrate.c).

SET LOCAL search_path = liasse, pg_catalog;

DROP INDEX dossier_entite_date;
CREATE INDEX dossier_entite_date ON dossier (entite_id, etat_at DESC, id DESC) INCLUDE (type);

ALTER FUNCTION dossier_page_ids(jsonb, text, text, integer, integer) RENAME TO dossier_page_ids_183;
CREATE FUNCTION dossier_page_ids(p_filtre jsonb, p_mode text, p_apres text, p_limite integer,
				 p_compter integer DEFAULT NULL,
				 OUT ids bigint[], OUT cles timestamptz[])
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = liasse, pg_catalog AS $$
DECLARE
	v_ent bigint;
	v_sous boolean;
	v_type text;
	v_lim integer := least(greatest(coalesce(p_limite, 20), 1), 1000);
	v_uid bigint;
	v_ents bigint[];
	v_k timestamptz := 'infinity';
	v_id bigint := 9223372036854775807;
	v_depuis timestamptz := '-infinity';
	v_jusqu timestamptz := 'infinity';
	v_pp text;
	v_q text;
	v_racines bigint[];
	v_n integer;
	v_m integer;
	v_c integer;
	v_bas timestamptz;
	v_essai integer;
BEGIN
	IF p_mode = 'etat' THEN
		SELECT x.ids, x.cles INTO ids, cles FROM dossier_page_ids_143(p_filtre, p_mode, p_apres, p_limite, p_compter) x;
		RETURN;
	END IF;
	IF is_owner() THEN
		SELECT x.ids, x.cles INTO ids, cles FROM dossier_page_ids_183(p_filtre, p_mode, p_apres, p_limite, p_compter) x;
		RETURN;
	END IF;
	v_uid := (SELECT u.id FROM utilisateur u WHERE u.login = session_user AND u.actif);
	IF v_uid IS NULL THEN
		RETURN;
	END IF;
	IF nullif(p_apres, '') IS NOT NULL AND p_compter IS NULL THEN
		SELECT c.c_id, c.c_cle::timestamptz INTO v_id, v_k FROM dossier_curseur(p_apres, true) c;
	END IF;
	v_ent := (p_filtre->>'entite')::bigint;
	v_sous := def_flag(p_filtre, 'sous_entites');
	v_type := nullif(p_filtre->>'type', '');
	IF p_mode = 'recherche' THEN
		v_q := p_filtre->>'recherche';
		-- The entities under which the words are looked for: the
		-- filter's, or those where the caller holds roles (her pairs
		-- are all under them).
		v_racines := CASE WHEN v_ent IS NOT NULL THEN ARRAY[v_ent]
			     ELSE ARRAY(SELECT DISTINCT ur.entite_id FROM utilisateur_role ur
					WHERE ur.utilisateur_id = v_uid) END;
		-- The words and entities inside the search index (OFFSET 0:
		-- never a walk of the dates filtering on the words), then the
		-- caller's pairs, then the order.
		SELECT array_agg(x.id ORDER BY x.etat_at DESC, x.id DESC), array_agg(x.etat_at ORDER BY x.etat_at DESC, x.id DESC)
		INTO ids, cles
		FROM (SELECT d.id, d.etat_at
		      FROM (SELECT d.id, d.etat_at, d.entite_id, d.type FROM dossier d
			    WHERE d.search @@ plainto_tsquery('liasse.fr', v_q) AND d.entites && v_racines
			    OFFSET 0) d
		      WHERE (v_sous OR v_ent IS NULL OR d.entite_id = v_ent)
			AND (v_type IS NULL OR d.type = v_type)
			AND (d.etat_at, d.id) < (v_k, v_id)
			AND EXISTS (SELECT FROM dossier_portee p
				    WHERE p.utilisateur_id = v_uid AND p.type = d.type AND p.entite_id = d.entite_id)
		      ORDER BY d.etat_at DESC, d.id DESC
		      LIMIT coalesce(p_compter + 1, v_lim)) x;
		RETURN;
	END IF;

	-- "Passé par".
	BEGIN
		v_depuis := coalesce((p_filtre->>'depuis')::date, '-infinity');
		v_jusqu := coalesce((p_filtre->>'jusqu_a')::date + 1, 'infinity');
	EXCEPTION WHEN others THEN
		RAISE EXCEPTION 'Filtre invalide : %.', SQLERRM USING ERRCODE = 'LI400';
	END;
	v_pp := p_filtre->>'passe_par';
	-- The entities of the filter where the caller reads a type.
	v_ents := ARRAY(SELECT DISTINCT p.entite_id FROM dossier_portee p
			WHERE p.utilisateur_id = v_uid AND (v_type IS NULL OR p.type = v_type)
			  AND (v_ent IS NULL OR p.entite_id = v_ent
			       OR (v_sous AND p.entite_id IN (SELECT a.entite_id FROM entite_ancetre a
							       WHERE a.ancetre_id = v_ent))));
	IF cardinality(v_ents) = 0 THEN
		RETURN;
	END IF;
	IF p_compter IS NOT NULL THEN
		-- A total: the dossiers of the passages, from the history's
		-- index alone.
		ids := ARRAY(SELECT DISTINCT h.dossier_id FROM dossier_etat h
			     WHERE h.etat = v_pp AND h.entite_id = ANY (v_ents)
			       AND h.at >= v_depuis AND h.at < v_jusqu
			       AND EXISTS (SELECT FROM dossier_portee p
					   WHERE p.utilisateur_id = v_uid AND p.type = h.type AND p.entite_id = h.entite_id)
			       AND (v_type IS NULL OR h.type = v_type)
			     LIMIT p_compter + 1);
		RETURN;
	END IF;
	-- A page: the caller's dossiers changed since the date of the Nth
	-- newest passage (before the cursor), newest first, each tested
	-- against its history (see 181). Every dossier after the cursor
	-- outside that window changed before all those found: when the
	-- window holds a whole page, that page is the answer; otherwise a
	-- wider one is tried, then the passages themselves.
	FOR v_essai IN 0..2 LOOP
		v_n := v_lim * (4 ^ v_essai)::integer;
		v_m := least(v_n, 4 * v_n / cardinality(v_ents) + 2);
		SELECT min(y.at), count(*) INTO v_bas, v_c
		FROM (SELECT y.at
		      FROM (SELECT p.entite_id AS e, array_agg(p.type) AS ts FROM dossier_portee p
			    WHERE p.utilisateur_id = v_uid AND p.entite_id = ANY (v_ents)
			      AND (v_type IS NULL OR p.type = v_type)
			    GROUP BY p.entite_id) p
		      CROSS JOIN LATERAL (SELECT h.at FROM dossier_etat h
					  WHERE h.etat = v_pp AND h.entite_id = p.e AND h.type = ANY (p.ts)
					    AND h.at >= v_depuis AND h.at < v_jusqu AND h.at <= v_k
					  ORDER BY h.at DESC LIMIT v_m) y
		      ORDER BY y.at DESC LIMIT v_n) y;
		EXIT WHEN v_c < v_n;
		SELECT array_agg(x.id ORDER BY x.etat_at DESC, x.id DESC), array_agg(x.etat_at ORDER BY x.etat_at DESC, x.id DESC)
		INTO ids, cles
		FROM (SELECT x.id, x.etat_at
		      FROM (SELECT p.entite_id AS e, array_agg(p.type) AS ts FROM dossier_portee p
			    WHERE p.utilisateur_id = v_uid AND p.entite_id = ANY (v_ents)
			      AND (v_type IS NULL OR p.type = v_type)
			    GROUP BY p.entite_id) p
		      CROSS JOIN LATERAL (SELECT d.id, d.etat_at FROM dossier d
					  WHERE d.entite_id = p.e AND d.etat_at >= v_bas
					    AND (d.etat_at, d.id) < (v_k, v_id) AND d.type = ANY (p.ts)
					    AND EXISTS (SELECT FROM dossier_etat h
							WHERE h.dossier_id = d.id AND h.etat = v_pp
							  AND h.at >= v_depuis AND h.at < v_jusqu)
					  ORDER BY d.etat_at DESC, d.id DESC LIMIT v_lim) x
		      ORDER BY x.etat_at DESC, x.id DESC LIMIT v_lim) x;
		IF coalesce(cardinality(ids), 0) >= v_lim THEN
			RETURN;
		END IF;
	END LOOP;
	-- The dossiers that passed through the state in the period (index
	-- of the history), their sort key from the covering index of the
	-- dossiers.
	SELECT array_agg(x.id ORDER BY x.etat_at DESC, x.id DESC), array_agg(x.etat_at ORDER BY x.etat_at DESC, x.id DESC)
	INTO ids, cles
	FROM (SELECT d.id, d.etat_at FROM dossier d
	      WHERE d.id IN (SELECT h.dossier_id FROM dossier_etat h
			     WHERE h.etat = v_pp AND h.entite_id = ANY (v_ents)
			       AND h.at >= v_depuis AND h.at < v_jusqu
			       AND (v_type IS NULL OR h.type = v_type)
			       AND EXISTS (SELECT FROM dossier_portee p
					   WHERE p.utilisateur_id = v_uid AND p.type = h.type AND p.entite_id = h.entite_id))
		AND (d.etat_at, d.id) < (v_k, v_id)
	      ORDER BY d.etat_at DESC, d.id DESC
	      LIMIT v_lim) x;
END
$$;
ALTER FUNCTION dossier_page_ids(jsonb, text, text, integer, integer) SET enable_seqscan = off;
REVOKE EXECUTE ON FUNCTION dossier_page_ids(jsonb, text, text, integer, integer) FROM PUBLIC, liasse_agent;

-- A static filter's page read by dossier_list() itself from the ids
-- (the same rows as through 140's dossier_page(), one PL/pgSQL call and
-- one copy of the page less).
CREATE OR REPLACE FUNCTION dossier_list(p_filtre jsonb, p_apres text DEFAULT NULL, p_limite integer DEFAULT 20)
RETURNS TABLE (id bigint, entite_id bigint, entite text, type text, titre text, etat text,
	       etat_label text, etat_at timestamptz, version integer, valeurs jsonb, curseur text)
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = liasse, pg_catalog AS $$
DECLARE
	v_mode text := dossier_filtre_statique(p_filtre);
	v_ids bigint[];
	v_cles timestamptz[];
BEGIN
	IF v_mode IS NULL OR (nullif(p_filtre->>'entite', '') IS NULL AND is_owner()) THEN
		RETURN QUERY
		SELECT d.id, d.entite_id, p.entite, d.type, d.titre, d.etat, coalesce(l.label, d.etat), d.etat_at,
		       d.version, p.valeurs, p.curseur
		FROM dossier_page_030(p_filtre, p_apres, p_limite) p
		JOIN dossier d ON d.id = p.id
		LEFT JOIN dossier_type_etat l ON l.type = d.type AND l.version = d.type_version AND l.etat = d.etat
		ORDER BY p.rang;
		RETURN;
	END IF;
	SELECT x.ids, x.cles INTO v_ids, v_cles FROM dossier_page_ids(p_filtre, v_mode, p_apres, p_limite) x;
	RETURN QUERY
	SELECT d.id, d.entite_id, e.denomination, d.type, d.titre, d.etat, coalesce(l.label, d.etat), d.etat_at,
	       d.version, (SELECT jsonb_object_agg(i.champ, i.valeur) FROM dossier_index i WHERE i.dossier_id = k.id),
	       k.id || ':' || k.cle::text
	FROM unnest(v_ids, v_cles) WITH ORDINALITY k(id, cle, rang)
	JOIN dossier d ON d.id = k.id JOIN entite e ON e.id = d.entite_id
	LEFT JOIN dossier_type_etat l ON l.type = d.type AND l.version = d.type_version AND l.etat = d.etat
	ORDER BY k.rang;
END
$$;
