-- 185_liste_generique: 184's queries for an agent's words and "passé
-- par" run with the plans the connection keeps (no planning at each
-- call: on a million dossiers, a syndicat's "passé par" page took 3.7 ms
-- with a plan made for the values, 2.9 ms with the kept one; words
-- already used kept plans). Their shape does not depend on the values:
-- words are always found in the search index first (184), "passé par"
-- walks each entity's index by date. "Passé par" no longer groups the
-- caller's pairs by entity at each query: it reads the entities and types
-- once, and looks at the pairs only when she does not read every one of
-- these types in every one of these entities. The owner's pages (183)
-- and the state filter (143) keep the plans they had.
-- Runs as liasse_owner inside one transaction (see core/migrate.c).

SET LOCAL search_path = liasse, pg_catalog;

CREATE OR REPLACE FUNCTION dossier_page_ids(p_filtre jsonb, p_mode text, p_apres text, p_limite integer,
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
-- CREATE OR REPLACE drops the function's settings.
ALTER FUNCTION dossier_page_ids(jsonb, text, text, integer, integer) SET enable_seqscan = off;
ALTER FUNCTION dossier_page_ids(jsonb, text, text, integer, integer) SET plan_cache_mode = force_generic_plan;
ALTER FUNCTION dossier_page_ids_143(jsonb, text, text, integer, integer) SET plan_cache_mode = auto;
ALTER FUNCTION dossier_page_ids_183(jsonb, text, text, integer, integer) SET plan_cache_mode = auto;
