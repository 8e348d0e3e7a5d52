-- 143_liste_plans_custom: 140 planned every query of dossier_page_ids()
-- for its values (plan_cache_mode on the function), the ones of the
-- functions it calls too: the caller's scope and the pairs were planned
-- again at each page, and a page filtered on the state, whose generic plan
-- is right, cost more than before 140. Only the queries of "passé par" and
-- of words are now planned for their values.
-- Runs as liasse_owner inside one transaction (see core/migrate.c).

SET LOCAL search_path = liasse, pg_catalog;

ALTER FUNCTION dossier_page_ids(jsonb, text, text, integer, integer) RESET plan_cache_mode;
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
		PERFORM set_config('plan_cache_mode', 'force_custom_plan', true);
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
		PERFORM set_config('plan_cache_mode', 'force_custom_plan', true);
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
	PERFORM set_config('plan_cache_mode', v_plans, true);
END
$$;
