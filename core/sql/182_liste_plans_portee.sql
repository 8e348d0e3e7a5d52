-- 182_liste_plans_portee: 181's ways of finding a page of words or of
-- "passé par" in dossier_page_ids(): words under the caller's entities
-- inside the search index; "passé par" from a window of the newest
-- dossiers, its total from the history's index alone. The pairs of a
-- "passé par" are those holding dossiers (the counters), as for a state.
-- Runs as liasse_owner inside one transaction (see core/migrate.c).

SET LOCAL search_path = liasse, pg_catalog;

-- A state filter goes on through 143's function.
ALTER FUNCTION dossier_page_ids(jsonb, text, text, integer, integer) RENAME TO dossier_page_ids_143;
CREATE FUNCTION dossier_page_ids(p_filtre jsonb, p_mode text, p_apres text, p_limite integer,
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
	v_plans text := current_setting('plan_cache_mode');
	v_pp text;
	v_racines bigint[];
	v_n integer;
	v_c integer;
	v_bas timestamptz;
	v_essai integer;
BEGIN
	IF p_mode = 'etat' THEN
		SELECT x.ids, x.cles INTO ids, cles FROM dossier_page_ids_143(p_filtre, p_mode, p_apres, p_limite, p_compter) x;
		RETURN;
	END IF;
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
		PERFORM set_config('plan_cache_mode', 'force_custom_plan', true);
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
			PERFORM set_config('plan_cache_mode', v_plans, true);
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
						  ORDER BY h.at DESC LIMIT v_n) y
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
				PERFORM set_config('plan_cache_mode', v_plans, true);
				RETURN;
			END IF;
		END LOOP;
		-- The dossiers that passed through the state in the period
		-- (index of the history), their sort key from the covering
		-- index of the dossiers.
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
	PERFORM set_config('plan_cache_mode', v_plans, true);
END
$$;
ALTER FUNCTION dossier_page_ids(jsonb, text, text, integer, integer) SET enable_seqscan = off;
REVOKE EXECUTE ON FUNCTION dossier_page_ids(jsonb, text, text, integer, integer) FROM PUBLIC, liasse_agent;
