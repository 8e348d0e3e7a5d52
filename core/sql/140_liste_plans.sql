-- 140_liste_plans: list pages and totals of the frequent filters with
-- plans kept by the connection (issue 3's p95 <= 5 ms goal).
--
-- What 030 left slow: a page filtered on the state, on a state passed
-- through ("passé par") or on words, and the totals of the last two, were
-- queries written for the filter as text (the readable (entity, type)
-- pairs as constants), built and planned at every call; the rows of every
-- page were read again under Row Level Security, computing the caller's
-- scope once more. These filters now run as static queries of PL/pgSQL,
-- the pairs passed as arrays (the state filter walks each pair's index of
-- states, as the plain page does); the other filters (never passed
-- through, sort on a field, several of these filters together) go on
-- through 030's functions, renamed *_030. "Passé par" reads its matches'
-- sort key from a covering index of the dossiers (index-only, no dossier
-- read), menus and totals the per-type counters from a covering index.
-- Runs as liasse_owner inside one transaction (see core/migrate.c).

SET LOCAL search_path = liasse, pg_catalog;

CREATE INDEX dossier_id_tri ON dossier (id) INCLUDE (entite_id, type, etat_at);
CREATE UNIQUE INDEX dossier_compte_type_n ON dossier_compte_type (entite_id, type) INCLUDE (n);

-- Which static query answers P_FILTRE, sorted by date: 'etat',
-- 'passe_par', 'recherche', or NULL (030's queries). Values that are not
-- valid go to 030's functions, which say why.
CREATE FUNCTION dossier_filtre_statique(p_filtre jsonb) RETURNS text
LANGUAGE sql IMMUTABLE SET search_path = liasse, pg_catalog
RETURN (SELECT CASE
	WHEN coalesce(nullif(p_filtre->>'tri', ''), 'date') <> 'date'
	  OR coalesce(p_filtre->>'entite', '0') !~ '^[0-9]{1,18}$' THEN NULL
	WHEN k = ARRAY['etat'] THEN 'etat'
	WHEN k = ARRAY['recherche'] AND btrim(p_filtre->>'recherche') <> '' THEN 'recherche'
	WHEN 'passe_par' = ANY (k) AND k <@ ARRAY['passe_par', 'depuis', 'jusqu_a']
	  AND coalesce(p_filtre->>'depuis', '2000-01-01') ~ '^[0-9]{4}-[0-9]{2}-[0-9]{2}$'
	  AND coalesce(p_filtre->>'jusqu_a', '2000-01-01') ~ '^[0-9]{4}-[0-9]{2}-[0-9]{2}$' THEN 'passe_par'
	END
	FROM (SELECT coalesce(array_agg(f.key ORDER BY f.key), '{}') AS k FROM jsonb_each(p_filtre) f
	      WHERE f.key NOT IN ('entite', 'sous_entites', 'type', 'tri')
		AND f.value NOT IN ('null'::jsonb, '""'::jsonb)) x);

-- The ids and sort keys of a page (P_MODE: dossier_filtre_statique()),
-- at most P_COMPTER + 1 ids without P_APRES' bound when P_COMPTER is not
-- NULL (the rows of a total, not a page). Found as the owner, restricted
-- to the readable pairs. The plans are made for the values (a generic
-- plan would, for words, AND the whole word index with each pair's), but
-- without writing a query each time.
CREATE FUNCTION dossier_page_ids(p_filtre jsonb, p_mode text, p_apres text, p_limite integer,
				 p_compter integer DEFAULT NULL,
				 OUT ids bigint[], OUT cles timestamptz[])
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = liasse, pg_catalog
SET plan_cache_mode = force_custom_plan AS $$
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
BEGIN
	IF nullif(p_apres, '') IS NOT NULL AND p_compter IS NULL THEN
		SELECT c.c_id, c.c_cle::timestamptz INTO v_id, v_k FROM dossier_curseur(p_apres, true) c;
	END IF;
	SELECT array_agg(p.entite_id), array_agg(p.type) INTO v_e, v_t
	FROM dossier_perimetre(v_ent, def_flag(p_filtre, 'sous_entites'), v_type,
			       CASE WHEN p_mode = 'etat' THEN p_filtre->>'etat' END, p_mode = 'etat') p
	WHERE coalesce(p.n, 1) > 0;
	IF v_e IS NULL THEN
		RETURN;
	END IF;
	IF p_mode = 'etat' AND cardinality(v_e) > 400 THEN
		SELECT array_agg(x.id ORDER BY x.etat_at DESC, x.id DESC), array_agg(x.etat_at ORDER BY x.etat_at DESC, x.id DESC)
		INTO ids, cles
		FROM (SELECT d.id, d.etat_at FROM dossier d
		      WHERE d.etat = p_filtre->>'etat' AND (d.entite_id, d.type) IN (SELECT * FROM unnest(v_e, v_t))
			AND (d.etat_at, d.id) < (v_k, v_id)
		      ORDER BY d.etat_at DESC, d.id DESC LIMIT v_lim) x;
	ELSIF p_mode = 'etat' THEN
		-- One page from each pair's index of states, then the best.
		SELECT array_agg(x.id ORDER BY x.etat_at DESC, x.id DESC), array_agg(x.etat_at ORDER BY x.etat_at DESC, x.id DESC)
		INTO ids, cles
		FROM (SELECT x.id, x.etat_at FROM unnest(v_e, v_t) p(e, t)
		      CROSS JOIN LATERAL (SELECT d.id, d.etat_at FROM dossier d
					  WHERE d.entite_id = p.e AND d.type = p.t AND d.etat = p_filtre->>'etat'
					    AND (d.etat_at, d.id) < (v_k, v_id)
					  ORDER BY d.etat_at DESC, d.id DESC LIMIT v_lim) x
		      ORDER BY x.etat_at DESC, x.id DESC LIMIT v_lim) x;
	ELSIF p_mode = 'passe_par' THEN
		BEGIN
			v_depuis := coalesce((p_filtre->>'depuis')::date, '-infinity');
			v_jusqu := coalesce((p_filtre->>'jusqu_a')::date + 1, 'infinity');
		EXCEPTION WHEN others THEN
			RAISE EXCEPTION 'Filtre invalide : %.', SQLERRM USING ERRCODE = 'LI400';
		END;
		v_ents := ARRAY(SELECT DISTINCT x FROM unnest(v_e) x);
		-- The dossiers that passed through the state in the period
		-- (index of the history), their sort key from the covering
		-- index of the dossiers.
		SELECT array_agg(x.id ORDER BY x.etat_at DESC, x.id DESC), array_agg(x.etat_at ORDER BY x.etat_at DESC, x.id DESC)
		INTO ids, cles
		FROM (SELECT d.id, d.etat_at FROM dossier d
		      WHERE d.id IN (SELECT h.dossier_id FROM dossier_etat h
				     WHERE h.etat = p_filtre->>'passe_par' AND h.entite_id = ANY (v_ents)
				       AND h.at >= v_depuis AND h.at < v_jusqu
				       AND (h.entite_id, h.type) IN (SELECT * FROM unnest(v_e, v_t)))
			AND (d.etat_at, d.id) < (v_k, v_id)
		      ORDER BY d.etat_at DESC, d.id DESC
		      LIMIT coalesce(p_compter + 1, v_lim)) x;
	ELSE
		v_q := p_filtre->>'recherche';
		SELECT array_agg(x.id ORDER BY x.etat_at DESC, x.id DESC), array_agg(x.etat_at ORDER BY x.etat_at DESC, x.id DESC)
		INTO ids, cles
		FROM (SELECT d.id, d.etat_at FROM dossier d
		      WHERE d.search @@ plainto_tsquery('liasse.fr', v_q)
			AND (d.entite_id, d.type) IN (SELECT * FROM unnest(v_e, v_t))
			AND (d.etat_at, d.id) < (v_k, v_id)
		      ORDER BY d.etat_at DESC, d.id DESC
		      LIMIT coalesce(p_compter + 1, v_lim)) x;
	END IF;
END
$$;

ALTER FUNCTION dossier_page(jsonb, text, integer) RENAME TO dossier_page_030;
CREATE FUNCTION dossier_page(p_filtre jsonb, p_apres text, p_limite integer)
RETURNS TABLE (rang bigint, id bigint, entite text, valeurs jsonb, curseur text)
LANGUAGE plpgsql STABLE SECURITY DEFINER ROWS 20 SET search_path = liasse, pg_catalog AS $$
DECLARE
	v_mode text := dossier_filtre_statique(p_filtre);
	v_ids bigint[];
	v_cles timestamptz[];
BEGIN
	-- The owner over every entity: 030's query needs no pairs.
	IF v_mode IS NULL OR (nullif(p_filtre->>'entite', '') IS NULL AND is_owner()) THEN
		RETURN QUERY SELECT * FROM dossier_page_030(p_filtre, p_apres, p_limite);
		RETURN;
	END IF;
	SELECT x.ids, x.cles INTO v_ids, v_cles FROM dossier_page_ids(p_filtre, v_mode, p_apres, p_limite) x;
	RETURN QUERY
	SELECT k.rang, k.id, e.denomination,
	       (SELECT jsonb_object_agg(i.champ, i.valeur) FROM dossier_index i WHERE i.dossier_id = k.id),
	       k.id || ':' || k.cle::text
	FROM unnest(v_ids, v_cles) WITH ORDINALITY k(id, cle, rang)
	JOIN dossier d ON d.id = k.id JOIN entite e ON e.id = d.entite_id
	ORDER BY k.rang;
END
$$;

-- The page's rows are read as the owner too: dossier_page() only returns
-- dossiers of the pairs the caller reads, and Row Level Security on them
-- computed the caller's scope once more (a third of a syndicat's page).
ALTER FUNCTION dossier_list(jsonb, text, integer) SECURITY DEFINER;

-- Totals: the state filter is counted by 030 from the counters; the
-- other static filters count their rows up to 10000 with a kept plan,
-- 030 estimating beyond.
ALTER FUNCTION dossier_list_total(jsonb) RENAME TO dossier_list_total_030;
CREATE FUNCTION dossier_list_total(p_filtre jsonb) RETURNS TABLE (total bigint, estime boolean)
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = liasse, pg_catalog AS $$
DECLARE
	v_mode text := dossier_filtre_statique(p_filtre);
	v_n bigint;
BEGIN
	IF v_mode IN ('passe_par', 'recherche') AND NOT (nullif(p_filtre->>'entite', '') IS NULL AND is_owner()) THEN
		SELECT coalesce(cardinality(x.ids), 0) INTO v_n FROM dossier_page_ids(p_filtre, v_mode, NULL, NULL, 10000) x;
		IF v_n <= 10000 THEN
			RETURN QUERY SELECT v_n, false;
			RETURN;
		END IF;
	END IF;
	RETURN QUERY SELECT * FROM dossier_list_total_030(p_filtre);
END
$$;
REVOKE EXECUTE ON FUNCTION dossier_page_ids(jsonb, text, text, integer, integer) FROM PUBLIC, liasse_agent;
