-- 182_liste_agent: an agent's pages of words and of "passé par" within
-- issue 3's p95 <= 5 ms goal for a syndicat (2,000 entities, a million
-- dossiers), on top of the scope table (180) and of the entities in the
-- search index (181).
--
-- The pages of words and "passé par" were queries planned for their
-- values at each call, given the caller's (entity, type) pairs as arrays
-- (some 450 for a syndicat's agent): planning them took longer than
-- running them, and "passé par" looked into one index per pair. For an
-- agent they now read her pairs from 180's table themselves, by her id;
-- their text and parameters carry no list, so the connection keeps their
-- plans (plan_cache_mode on the function):
-- - words: the dossiers holding the words under the entities asked for
--   (or those where she holds roles), found inside the search index
--   alone (181), then kept when she reads their (entity, type) pair, then
--   sorted (a few dozen for a syndicat);
-- - "passé par": her dossiers changed since the date of the Nth newest
--   passage through the state, newest first, each tested against its
--   history (a dossier's last change is never older than a state it
--   passed through): the window of the newest dossiers is walked once
--   per entity, from an index of each entity's dossiers by date that
--   carries their type (the walk reads that index alone); her pairs are
--   only looked at when she does not read every one of her types in
--   every one of her entities; when the window holds less than a page it
--   is widened, then the passages themselves are read. A total counts
--   the history's index alone.
-- Owners (the administrator's scope: every entity) go through
-- dossier_page_ids_proprietaire(), the same ways with their pairs as
-- arrays from dossier_perimetre() (words planned for their values); the state
-- filter goes on through 143's function, renamed dossier_page_ids_etat().
-- The choice of a static query (140) becomes PL/pgSQL, whose plans the
-- connection keeps, and dossier_list() finds a static filter's ids
-- itself, without 140's dossier_page() between them.
-- Runs as liasse_owner inside one transaction (see core/migrate.c).

SET LOCAL search_path = liasse, pg_catalog;

DROP INDEX dossier_entite_date;
CREATE INDEX dossier_entite_date ON dossier (entite_id, etat_at DESC, id DESC) INCLUDE (type);

-- The state filter: 143's function, its plans chosen as before.
ALTER FUNCTION dossier_page_ids(jsonb, text, text, integer, integer) RENAME TO dossier_page_ids_etat;
ALTER FUNCTION dossier_page_ids_etat(jsonb, text, text, integer, integer) SET plan_cache_mode = auto;

-- An owner's words and "passé par": her pairs as arrays from
-- dossier_perimetre().
CREATE FUNCTION dossier_page_ids_proprietaire(p_filtre jsonb, p_mode text, p_apres text, p_limite integer,
				 p_compter integer DEFAULT NULL,
				 OUT ids bigint[], OUT cles timestamptz[])
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = liasse, pg_catalog AS $$
DECLARE
	v_ent bigint := (p_filtre->>'entite')::bigint;
	v_type text := nullif(p_filtre->>'type', '');
	v_lim integer := least(greatest(coalesce(p_limite, 20), 1), 1000);
	v_e bigint[];
	v_t text[];
	v_ents bigint[];
	v_k timestamptz := 'infinity';
	v_id bigint := 9223372036854775807;
	v_depuis timestamptz := '-infinity';
	v_jusqu timestamptz := 'infinity';
	v_q text;
	v_pp text;
	v_racines bigint[];
	v_n integer;
	v_c integer;
	v_bas timestamptz;
	v_essai integer;
BEGIN
	IF nullif(p_apres, '') IS NOT NULL AND p_compter IS NULL THEN
		SELECT c.c_id, c.c_cle::timestamptz INTO v_id, v_k FROM dossier_curseur(p_apres, true) c;
	END IF;
	SELECT array_agg(p.entite_id), array_agg(p.type) INTO v_e, v_t
	FROM dossier_perimetre(v_ent, def_flag(p_filtre, 'sous_entites'), v_type,
			       NULL, p_mode = 'passe_par') p
	WHERE coalesce(p.n, 1) > 0;
	IF v_e IS NULL THEN
		RETURN;
	END IF;
	IF p_mode = 'passe_par' THEN
		BEGIN
			v_depuis := coalesce((p_filtre->>'depuis')::date, '-infinity');
			v_jusqu := coalesce((p_filtre->>'jusqu_a')::date + 1, 'infinity');
		EXCEPTION WHEN others THEN
			RAISE EXCEPTION 'Filtre invalide : %.', SQLERRM USING ERRCODE = 'LI400';
		END;
		v_pp := p_filtre->>'passe_par';
		v_ents := ARRAY(SELECT DISTINCT x FROM unnest(v_e) x);
		IF p_compter IS NOT NULL THEN
			-- A total: the dossiers of the passages, from the
			-- history's index alone.
			ids := ARRAY(SELECT DISTINCT h.dossier_id FROM dossier_etat h
				     WHERE h.etat = v_pp AND h.entite_id = ANY (v_ents)
				       AND h.at >= v_depuis AND h.at < v_jusqu
				       AND (h.entite_id, h.type) IN (SELECT * FROM unnest(v_e, v_t))
				     LIMIT p_compter + 1);
			RETURN;
		END IF;
		-- A page: the caller's dossiers changed since the date of the
		-- Nth newest passage (before the cursor), newest first, each
		-- tested against its history. Every dossier after the cursor
		-- outside that window changed before all those found: when the
		-- window holds a whole page, that page is the answer; otherwise
		-- a wider one is tried, then the former query.
		FOR v_essai IN 0..2 LOOP
			v_n := v_lim * (4 ^ v_essai)::integer;
			SELECT min(y.at), count(*) INTO v_bas, v_c
			FROM (SELECT y.at FROM (SELECT p.e, array_agg(p.t) AS ts FROM unnest(v_e, v_t) p(e, t) GROUP BY p.e) p
			      CROSS JOIN LATERAL (SELECT h.at FROM dossier_etat h
						  WHERE h.etat = v_pp AND h.entite_id = p.e AND h.type = ANY (p.ts)
						    AND h.at >= v_depuis AND h.at < v_jusqu AND h.at <= v_k
						  ORDER BY h.at DESC LIMIT least(v_n, 4 * v_n / cardinality(v_ents) + 2)) y
			      ORDER BY y.at DESC LIMIT v_n) y;
			EXIT WHEN v_c < v_n;
			SELECT array_agg(x.id ORDER BY x.etat_at DESC, x.id DESC), array_agg(x.etat_at ORDER BY x.etat_at DESC, x.id DESC)
			INTO ids, cles
			FROM (SELECT x.id, x.etat_at FROM unnest(v_e, v_t) p(e, t)
			      CROSS JOIN LATERAL (SELECT d.id, d.etat_at FROM dossier d
						  WHERE d.entite_id = p.e AND d.type = p.t AND d.etat_at >= v_bas
						    AND (d.etat_at, d.id) < (v_k, v_id)
						    AND EXISTS (SELECT FROM dossier_etat h
								WHERE h.dossier_id = d.id AND h.etat = v_pp
								  AND h.at >= v_depuis AND h.at < v_jusqu)
						  ORDER BY d.etat_at DESC, d.id DESC LIMIT v_lim) x
			      ORDER BY x.etat_at DESC, x.id DESC LIMIT v_lim) x;
			IF coalesce(cardinality(ids), 0) >= v_lim THEN
				RETURN;
			END IF;
		END LOOP;
		-- The dossiers that passed through the state in the period
		-- (index of the history), their sort key from the covering
		-- index of the dossiers. (The queries above have plans kept by
		-- the connection; this one is planned for its values.)
		PERFORM set_config('plan_cache_mode', 'force_custom_plan', true);
		SELECT array_agg(x.id ORDER BY x.etat_at DESC, x.id DESC), array_agg(x.etat_at ORDER BY x.etat_at DESC, x.id DESC)
		INTO ids, cles
		FROM (SELECT d.id, d.etat_at FROM dossier d
		      WHERE d.id IN (SELECT h.dossier_id FROM dossier_etat h
				     WHERE h.etat = v_pp AND h.entite_id = ANY (v_ents)
				       AND h.at >= v_depuis AND h.at < v_jusqu
				       AND (h.entite_id, h.type) IN (SELECT * FROM unnest(v_e, v_t)))
			AND (d.etat_at, d.id) < (v_k, v_id)
		      ORDER BY d.etat_at DESC, d.id DESC
		      LIMIT v_lim) x;
	ELSE
		PERFORM set_config('plan_cache_mode', 'force_custom_plan', true);
		v_q := p_filtre->>'recherche';
		-- The entities under which the caller reads (the filter's,
		-- or the top ones of her scope), found in the search index
		-- with the words.
		v_ents := ARRAY(SELECT DISTINCT x FROM unnest(v_e) x);
		v_racines := CASE WHEN v_ent IS NOT NULL THEN ARRAY[v_ent]
			     ELSE ARRAY(SELECT e.id FROM entite e
					WHERE e.id = ANY (v_ents) AND NOT coalesce(e.parent_id = ANY (v_ents), false)) END;
		SELECT array_agg(x.id ORDER BY x.etat_at DESC, x.id DESC), array_agg(x.etat_at ORDER BY x.etat_at DESC, x.id DESC)
		INTO ids, cles
		FROM (SELECT d.id, d.etat_at FROM dossier d
		      WHERE d.search @@ plainto_tsquery('liasse.fr', v_q) AND d.entites && v_racines
			AND (d.entite_id, d.type) IN (SELECT * FROM unnest(v_e, v_t))
			AND (d.etat_at, d.id) < (v_k, v_id)
		      ORDER BY d.etat_at DESC, d.id DESC
		      LIMIT coalesce(p_compter + 1, v_lim)) x;
	END IF;
END
$$;
ALTER FUNCTION dossier_page_ids_proprietaire(jsonb, text, text, integer, integer) SET enable_seqscan = off;
ALTER FUNCTION dossier_page_ids_proprietaire(jsonb, text, text, integer, integer) SET plan_cache_mode = auto;
REVOKE EXECUTE ON FUNCTION dossier_page_ids_proprietaire(jsonb, text, text, integer, integer) FROM PUBLIC, liasse_agent;

-- An agent's words and "passé par", with the plans the connection keeps;
-- the others through the two functions above.
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
	v_types text[];
	v_produit boolean;
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
		SELECT x.ids, x.cles INTO ids, cles FROM dossier_page_ids_etat(p_filtre, p_mode, p_apres, p_limite, p_compter) x;
		RETURN;
	END IF;
	IF is_owner() THEN
		SELECT x.ids, x.cles INTO ids, cles FROM dossier_page_ids_proprietaire(p_filtre, p_mode, p_apres, p_limite, p_compter) x;
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
	-- The entities of the filter where the caller reads a type, the
	-- types she reads there; when she reads each of these types in each
	-- of these entities (a syndicat's agent), her pairs need no look.
	SELECT array_agg(DISTINCT p.entite_id), array_agg(DISTINCT p.type), count(*)
	INTO v_ents, v_types, v_c
	FROM dossier_portee p
	WHERE p.utilisateur_id = v_uid AND (v_type IS NULL OR p.type = v_type)
	  AND (v_ent IS NULL OR p.entite_id = v_ent
	       OR (v_sous AND p.entite_id IN (SELECT a.entite_id FROM entite_ancetre a WHERE a.ancetre_id = v_ent)));
	IF v_ents IS NULL THEN
		RETURN;
	END IF;
	v_produit := v_c = cardinality(v_ents) * cardinality(v_types);
	IF p_compter IS NOT NULL THEN
		-- A total: the dossiers of the passages, from the history's
		-- index alone.
		ids := ARRAY(SELECT DISTINCT h.dossier_id FROM dossier_etat h
			     WHERE h.etat = v_pp AND h.entite_id = ANY (v_ents)
			       AND h.at >= v_depuis AND h.at < v_jusqu AND h.type = ANY (v_types)
			       AND (v_produit OR EXISTS (SELECT FROM dossier_portee p
							 WHERE p.utilisateur_id = v_uid AND p.type = h.type
							   AND p.entite_id = h.entite_id))
			     LIMIT p_compter + 1);
		RETURN;
	END IF;
	-- A page: the caller's dossiers changed since the date of the Nth
	-- newest passage (before the cursor), newest first, each tested
	-- against its history (see 181). Every dossier after the cursor
	-- outside that window changed before all those found: when the
	-- window holds a whole page, that page is the answer; otherwise a
	-- wider one is tried, then the passages themselves. (The window's
	-- date may come from a type the caller does not read in an entity:
	-- an older date only widens the window.)
	FOR v_essai IN 0..2 LOOP
		v_n := v_lim * (4 ^ v_essai)::integer;
		v_m := least(v_n, 4 * v_n / cardinality(v_ents) + 2);
		SELECT min(y.at), count(*) INTO v_bas, v_c
		FROM (SELECT y.at
		      FROM unnest(v_ents) p(e)
		      CROSS JOIN LATERAL (SELECT h.at FROM dossier_etat h
					  WHERE h.etat = v_pp AND h.entite_id = p.e AND h.type = ANY (v_types)
					    AND h.at >= v_depuis AND h.at < v_jusqu AND h.at <= v_k
					  ORDER BY h.at DESC LIMIT v_m) y
		      ORDER BY y.at DESC LIMIT v_n) y;
		EXIT WHEN v_c < v_n;
		SELECT array_agg(x.id ORDER BY x.etat_at DESC, x.id DESC), array_agg(x.etat_at ORDER BY x.etat_at DESC, x.id DESC)
		INTO ids, cles
		FROM (SELECT x.id, x.etat_at
		      FROM unnest(v_ents) p(e)
		      CROSS JOIN LATERAL (SELECT d.id, d.etat_at FROM dossier d
					  WHERE d.entite_id = p.e AND d.etat_at >= v_bas
					    AND (d.etat_at, d.id) < (v_k, v_id) AND d.type = ANY (v_types)
					    AND (v_produit OR EXISTS (SELECT FROM dossier_portee p
								      WHERE p.utilisateur_id = v_uid AND p.type = d.type
									AND p.entite_id = d.entite_id))
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
			       AND h.at >= v_depuis AND h.at < v_jusqu AND h.type = ANY (v_types)
			       AND (v_produit OR EXISTS (SELECT FROM dossier_portee p
							 WHERE p.utilisateur_id = v_uid AND p.type = h.type
							   AND p.entite_id = h.entite_id)))
		AND (d.etat_at, d.id) < (v_k, v_id)
	      ORDER BY d.etat_at DESC, d.id DESC
	      LIMIT v_lim) x;
END
$$;
ALTER FUNCTION dossier_page_ids(jsonb, text, text, integer, integer) SET enable_seqscan = off;
ALTER FUNCTION dossier_page_ids(jsonb, text, text, integer, integer) SET plan_cache_mode = force_generic_plan;
REVOKE EXECUTE ON FUNCTION dossier_page_ids(jsonb, text, text, integer, integer) FROM PUBLIC, liasse_agent;

-- 140's choice of a static query, in PL/pgSQL: a SQL function's query is
-- planned again at each call (a third of a millisecond, three times for a
-- page and its total), PL/pgSQL keeps its plans for the session.
CREATE OR REPLACE FUNCTION dossier_filtre_statique(p_filtre jsonb) RETURNS text
LANGUAGE plpgsql IMMUTABLE SET search_path = liasse, pg_catalog AS $$
DECLARE
	k text[];
BEGIN
	IF coalesce(nullif(p_filtre->>'tri', ''), 'date') <> 'date'
	   OR coalesce(p_filtre->>'entite', '0') !~ '^[0-9]{1,18}$' THEN
		RETURN NULL;
	END IF;
	SELECT coalesce(array_agg(f.key ORDER BY f.key), '{}') INTO k FROM jsonb_each(p_filtre) f
	WHERE f.key NOT IN ('entite', 'sous_entites', 'type', 'tri')
	  AND f.value NOT IN ('null'::jsonb, '""'::jsonb);
	RETURN CASE
		WHEN k = ARRAY['etat'] THEN 'etat'
		WHEN k = ARRAY['recherche'] AND btrim(p_filtre->>'recherche') <> '' THEN 'recherche'
		WHEN 'passe_par' = ANY (k) AND k <@ ARRAY['passe_par', 'depuis', 'jusqu_a']
		  AND coalesce(p_filtre->>'depuis', '2000-01-01') ~ '^[0-9]{4}-[0-9]{2}-[0-9]{2}$'
		  AND coalesce(p_filtre->>'jusqu_a', '2000-01-01') ~ '^[0-9]{4}-[0-9]{2}-[0-9]{2}$' THEN 'passe_par'
		END;
END
$$;

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
