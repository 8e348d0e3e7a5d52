-- 183_liste_paires: dossier_page_ids() reads an agent's (entity, type)
-- pairs for words and "passé par" straight from 180's table, without
-- dossier_perimetre() and dossier_scope() around it, and without the
-- counters (an empty pair costs "passé par" one look into an index, less
-- than asking the counters). Owners go on through dossier_perimetre().
-- The date opening the window of "passé par" is taken from a few of the
-- newest passages of each entity (an older date only widens the window);
-- its total keeps the plan of the connection. 140's choice of a static
-- query becomes PL/pgSQL (its plans kept by the connection).
-- Runs as liasse_owner inside one transaction (see core/migrate.c).

SET LOCAL search_path = liasse, pg_catalog;

CREATE OR REPLACE FUNCTION dossier_page_ids(p_filtre jsonb, p_mode text, p_apres text, p_limite integer,
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
	IF is_owner() THEN
		SELECT array_agg(p.entite_id), array_agg(p.type) INTO v_e, v_t
		FROM dossier_perimetre(v_ent, def_flag(p_filtre, 'sous_entites'), v_type,
				       NULL, p_mode = 'passe_par') p
		WHERE coalesce(p.n, 1) > 0;
	ELSE
		-- An agent's pairs straight from 180's table (an empty
		-- pair costs "passé par" one look into an index, less than
		-- asking the counters).
		v_ents := CASE WHEN v_ent IS NULL THEN NULL
			       WHEN def_flag(p_filtre, 'sous_entites')
			       THEN ARRAY(SELECT a.entite_id FROM entite_ancetre a WHERE a.ancetre_id = v_ent)
			       ELSE ARRAY[v_ent] END;
		SELECT array_agg(p.entite_id), array_agg(p.type) INTO v_e, v_t
		FROM dossier_portee p
		WHERE p.utilisateur_id = (SELECT u.id FROM utilisateur u WHERE u.login = session_user AND u.actif)
		  AND (v_ents IS NULL OR p.entite_id = ANY (v_ents)) AND (v_type IS NULL OR p.type = v_type);
	END IF;
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
				PERFORM set_config('plan_cache_mode', v_plans, true);
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
	PERFORM set_config('plan_cache_mode', v_plans, true);
END
$$;
-- CREATE OR REPLACE drops the function's settings.
ALTER FUNCTION dossier_page_ids(jsonb, text, text, integer, integer) SET enable_seqscan = off;

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
