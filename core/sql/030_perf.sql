-- 030_perf: list, count and search speed on large platforms (issue 3's
-- p95 <= 5 ms goals for a list page on 1,000,000 dossiers).
--
-- What was slow: the rights scope (dossier_scope(), a join over roles,
-- rights and the entity tree) was computed three to six times per page
-- through Row Level Security on every table read; a syndicat's page read
-- every dossier of every commune (one heap page each) before sorting;
-- totals and menu counts summed the counters with a generic plan that
-- scanned them all.
--
-- Now a page is found by a SECURITY DEFINER function that computes the
-- scope once, reduces it to the (entity, type) pairs of the filter that
-- hold dossiers (from the counters), and either walks each pair's index
-- in sort order, at most one page from each (index-only, no heap read),
-- or, for full-text and "has passed through" searches, starts from the
-- matching index entries. The rows of the page are then read by the
-- caller, under Row Level Security as before.
-- Runs as liasse_owner inside one transaction (see core/migrate.c).

SET LOCAL search_path = liasse, pg_catalog;

-- Pages without a type filter walk (entity, type) pairs too; "jamais"
-- probes this index per candidate.
-- (dossier_liste_date, dossier_liste_etat, dossier_liste_titre,
-- dossier_index_tri, dossier_search and dossier_etat_recherche of 002
-- are the indexes the pages walk.)

-- Dossiers per (entity, type), kept by the trigger of dossier_compte:
-- menu counts and totals without a state read one row per pair, where the
-- counters per state spread a syndicat over the whole table.
CREATE TABLE dossier_compte_type (
	entite_id bigint NOT NULL,
	type      text NOT NULL,
	n         bigint NOT NULL,
	PRIMARY KEY (entite_id, type)
);
INSERT INTO dossier_compte_type SELECT c.entite_id, c.type, sum(c.n) FROM dossier_compte c
	GROUP BY c.entite_id, c.type;
ALTER TABLE dossier_compte_type ENABLE ROW LEVEL SECURITY;
CREATE POLICY dossier_compte_type_lecture ON dossier_compte_type FOR SELECT USING ((entite_id, type) IN
	(SELECT s.entite_id, s.type FROM liasse.dossier_scope() s));
REVOKE ALL ON dossier_compte_type FROM PUBLIC;
GRANT SELECT ON dossier_compte_type TO liasse_agent;

CREATE OR REPLACE FUNCTION dossier_compter() RETURNS trigger
LANGUAGE plpgsql SET search_path = liasse, pg_catalog AS $$
BEGIN
	IF TG_OP IN ('UPDATE', 'DELETE') THEN
		UPDATE dossier_compte SET n = n - 1
		WHERE entite_id = OLD.entite_id AND type = OLD.type AND etat = OLD.etat;
	END IF;
	IF TG_OP IN ('UPDATE', 'INSERT') THEN
		INSERT INTO dossier_compte AS c (entite_id, type, etat, n)
		VALUES (NEW.entite_id, NEW.type, NEW.etat, 1)
		ON CONFLICT (entite_id, type, etat) DO UPDATE SET n = c.n + 1;
	END IF;
	-- A state change leaves the per-type counter as it is.
	IF TG_OP = 'DELETE' OR (TG_OP = 'UPDATE' AND NEW.entite_id <> OLD.entite_id) THEN
		UPDATE dossier_compte_type SET n = n - 1 WHERE entite_id = OLD.entite_id AND type = OLD.type;
	END IF;
	IF TG_OP = 'INSERT' OR (TG_OP = 'UPDATE' AND NEW.entite_id <> OLD.entite_id) THEN
		INSERT INTO dossier_compte_type AS c (entite_id, type, n) VALUES (NEW.entite_id, NEW.type, 1)
		ON CONFLICT (entite_id, type) DO UPDATE SET n = c.n + 1;
	END IF;
	RETURN NULL;
END
$$;

CREATE OR REPLACE FUNCTION dossier_compte_rebuild() RETURNS void
LANGUAGE sql SET search_path = liasse, pg_catalog AS $$
	DELETE FROM dossier_compte;
	INSERT INTO dossier_compte SELECT entite_id, type, etat, count(*) FROM dossier
		GROUP BY entite_id, type, etat;
	DELETE FROM dossier_compte_type;
	INSERT INTO dossier_compte_type SELECT entite_id, type, count(*) FROM dossier
		GROUP BY entite_id, type;
$$;

-- The (entity, type) pairs of a filter the caller reads dossiers of: the
-- entity (NULL = all), with its sub-entities when P_SOUS, of type P_TYPE
-- (NULL = all), with their number of dossiers (in state P_ETAT when not
-- NULL) from the counters (NULL without P_COMPTER). One computation of
-- the scope.
CREATE FUNCTION dossier_perimetre(p_entite bigint, p_sous boolean, p_type text, p_etat text,
				  p_compter boolean DEFAULT true)
RETURNS TABLE (entite_id bigint, type text, n bigint)
LANGUAGE plpgsql STABLE SECURITY DEFINER ROWS 50 SET search_path = liasse, pg_catalog AS $$
DECLARE
	v_ents bigint[];
BEGIN
	IF p_entite IS NOT NULL THEN
		v_ents := CASE WHEN p_sous
			THEN ARRAY(SELECT a.entite_id FROM entite_ancetre a WHERE a.ancetre_id = p_entite)
			ELSE ARRAY[p_entite] END;
	END IF;
	IF NOT p_compter THEN
		RETURN QUERY SELECT s.entite_id, s.type, NULL::bigint FROM dossier_scope() s
		WHERE (v_ents IS NULL OR s.entite_id = ANY (v_ents)) AND (p_type IS NULL OR s.type = p_type);
		RETURN;
	END IF;
	-- Without a state, the per-type counters: one row per pair.
	IF p_etat IS NULL THEN
		RETURN QUERY
		WITH s AS (SELECT s.entite_id, s.type FROM dossier_scope() s
			   WHERE (v_ents IS NULL OR s.entite_id = ANY (v_ents))
			     AND (p_type IS NULL OR s.type = p_type))
		SELECT s.entite_id, s.type, coalesce(c.n, 0)::bigint
		FROM s LEFT JOIN (SELECT c.entite_id, c.type, c.n FROM dossier_compte_type c
				  WHERE c.entite_id = ANY (ARRAY(SELECT DISTINCT s.entite_id FROM s))) c
			ON c.entite_id = s.entite_id AND c.type = s.type;
		RETURN;
	END IF;
	RETURN QUERY
	WITH s AS (SELECT s.entite_id, s.type FROM dossier_scope() s
		   WHERE (v_ents IS NULL OR s.entite_id = ANY (v_ents))
		     AND (p_type IS NULL OR s.type = p_type))
	SELECT s.entite_id, s.type, coalesce(c.n, 0)::bigint
	FROM s LEFT JOIN (SELECT c.entite_id, c.type, c.n FROM dossier_compte c
			  WHERE c.entite_id = ANY (ARRAY(SELECT DISTINCT s.entite_id FROM s)) AND c.etat = p_etat) c
		ON c.entite_id = s.entite_id AND c.type = s.type;
END
$$;

-- A page's cursor "<id>:<sort key>" as its parts; LI400 when it is not
-- one (P_DATE: the key must be a date and time).
CREATE FUNCTION dossier_curseur(p_apres text, p_date boolean, OUT c_id bigint, OUT c_cle text)
LANGUAGE plpgsql STABLE SET search_path = liasse, pg_catalog AS $$
BEGIN
	c_id := split_part(p_apres, ':', 1)::bigint;
	c_cle := substr(p_apres, strpos(p_apres, ':') + 1);
	IF p_date THEN
		PERFORM c_cle::timestamptz;
	END IF;
EXCEPTION WHEN others THEN
	RAISE EXCEPTION 'Curseur de pagination invalide : « % ».', p_apres USING ERRCODE = 'LI400';
END
$$;

-- The query of a page of ids (columns id, cle = the sort key as text),
-- or with P_COUNT the query of the matching rows (LIMIT 10001) for a
-- total. Validates the filter (LI400 with a French message). The
-- readable (entity, type) pairs holding dossiers are written into the
-- query as constants: it runs as written for the caller (EXPLAIN in the
-- tests, under Row Level Security) or inside dossier_page().
CREATE FUNCTION dossier_list_build(p_filtre jsonb, p_apres text, p_limite integer, p_count boolean)
RETURNS text
LANGUAGE plpgsql STABLE SET search_path = liasse, pg_catalog AS $$
DECLARE
	v_ent bigint;
	v_sous boolean := def_flag(p_filtre, 'sous_entites');
	v_type text := nullif(p_filtre->>'type', '');
	v_etat text := nullif(p_filtre->>'etat', '');
	v_tri text := coalesce(nullif(p_filtre->>'tri', ''), 'date');
	v_lim integer := least(greatest(coalesce(p_limite, 20), 1), 1000);
	v_e bigint[];
	v_t text[];
	v_pairs text;
	v_ents text;
	v_key text;
	v_cast text;
	v_order text;
	v_cmp text;
	v_join text := '';
	w text[] := ARRAY['true'];
	v_h text;
	v_id bigint;
	v_k text;
BEGIN
	BEGIN
		v_ent := (p_filtre->>'entite')::bigint;
		IF p_filtre ? 'depuis' THEN PERFORM (p_filtre->>'depuis')::date; END IF;
		IF p_filtre ? 'jusqu_a' THEN PERFORM (p_filtre->>'jusqu_a')::date; END IF;
	EXCEPTION WHEN others THEN
		RAISE EXCEPTION 'Filtre invalide : %.', SQLERRM USING ERRCODE = 'LI400';
	END;
	IF v_tri = 'date' THEN
		v_key := 'd.etat_at'; v_cast := 'timestamptz'; v_order := 'DESC'; v_cmp := '<';
	ELSIF v_tri = 'titre' THEN
		v_key := 'd.titre'; v_cast := 'text'; v_order := 'ASC'; v_cmp := '>';
	ELSE
		IF v_type IS NULL THEN
			RAISE EXCEPTION 'Le tri sur le champ « % » demande un type de dossier.', v_tri
				USING ERRCODE = 'LI400';
		END IF;
		v_join := format(' JOIN liasse.dossier_index x ON x.dossier_id = d.id AND x.champ = %L'
				 ' AND x.entite_id = d.entite_id AND x.type = d.type', v_tri);
		v_key := 'x.valeur'; v_cast := 'text'; v_order := 'ASC'; v_cmp := '>';
	END IF;
	IF nullif(p_apres, '') IS NOT NULL AND NOT p_count THEN
		SELECT c.c_id, c.c_cle INTO v_id, v_k FROM dossier_curseur(p_apres, v_cast = 'timestamptz') c;
		w := w || format('(%s, d.id) %s (%L::%s, %s)', v_key, v_cmp, v_k, v_cast, v_id);
	END IF;

	-- The pairs holding dossiers (the counters spare the walk of empty
	-- indexes; a search starts from its own index and needs no count).
	SELECT array_agg(p.entite_id ORDER BY p.entite_id, p.type), array_agg(p.type ORDER BY p.entite_id, p.type)
	INTO v_e, v_t
	FROM dossier_perimetre(v_ent, v_sous, v_type, v_etat,
			       nullif(p_filtre->>'passe_par', '') IS NULL
			       AND nullif(btrim(p_filtre->>'recherche'), '') IS NULL) p
	WHERE coalesce(p.n, 1) > 0;
	IF v_e IS NULL THEN
		RETURN 'SELECT NULL::bigint AS id, NULL::text AS cle WHERE false';
	END IF;
	v_pairs := format('(%L::bigint[], %L::text[])', v_e, v_t);
	v_ents := format('%L::bigint[]', ARRAY(SELECT DISTINCT x FROM unnest(v_e) x ORDER BY x));

	IF v_etat IS NOT NULL THEN
		w := w || format('d.etat = %L', v_etat);
	END IF;
	IF nullif(p_filtre->>'jamais', '') IS NOT NULL THEN
		w := w || format('NOT EXISTS (SELECT FROM liasse.dossier_etat h WHERE h.dossier_id = d.id AND h.etat = %L)',
				 p_filtre->>'jamais');
	END IF;

	-- Plain filters on a reasonable number of pairs: one page from each
	-- pair's index, in sort order, then the best page of those.
	IF nullif(p_filtre->>'passe_par', '') IS NULL AND nullif(btrim(p_filtre->>'recherche'), '') IS NULL
	   AND cardinality(v_e) <= 400 AND NOT p_count THEN
		RETURN format('SELECT k.id, k.cle FROM unnest%s p(e, t) CROSS JOIN LATERAL '
			      '(SELECT d.id, %s AS k, %s::text AS cle FROM liasse.dossier d%s '
			      'WHERE d.entite_id = p.e AND d.type = p.t AND %s ORDER BY %s %s, d.id %s LIMIT %s) k '
			      'ORDER BY k.k %s, k.id %s LIMIT %s',
			      v_pairs, v_key, v_key, v_join, array_to_string(w, ' AND '),
			      v_key, v_order, v_order, v_lim, v_order, v_order, v_lim);
	END IF;

	-- Otherwise start from the search indexes, restricted to the pairs.
	IF nullif(p_filtre->>'passe_par', '') IS NOT NULL THEN
		v_h := format('h.etat = %L AND h.entite_id = ANY (%s) AND (h.entite_id, h.type) IN (SELECT * FROM unnest%s)',
			      p_filtre->>'passe_par', v_ents, v_pairs);
		IF p_filtre ? 'depuis' THEN
			v_h := v_h || format(' AND h.at >= %L::date', p_filtre->>'depuis');
		END IF;
		IF p_filtre ? 'jusqu_a' THEN
			v_h := v_h || format(' AND h.at < %L::date + 1', p_filtre->>'jusqu_a');
		END IF;
		w := w || format('d.id IN (SELECT h.dossier_id FROM liasse.dossier_etat h WHERE %s)', v_h);
	END IF;
	IF nullif(btrim(p_filtre->>'recherche'), '') IS NOT NULL THEN
		w := w || format('d.search @@ plainto_tsquery(''liasse.fr'', %L)', p_filtre->>'recherche');
	END IF;
	-- Every pair of every entity (an owner, a wide entity): no need to
	-- list them.
	-- (Without "d.entite_id = ANY": the planner would AND a bitmap of
	-- every dossier of the entities with the few the search finds.)
	IF NOT (v_ent IS NULL AND v_type IS NULL AND is_owner()) THEN
		w := w || format('(d.entite_id, d.type) IN (SELECT * FROM unnest%s)', v_pairs);
		IF nullif(p_filtre->>'passe_par', '') IS NULL AND nullif(btrim(p_filtre->>'recherche'), '') IS NULL THEN
			w := w || format('d.entite_id = ANY (%s)', v_ents);
		END IF;
	END IF;
	IF v_type IS NOT NULL THEN
		w := w || format('d.type = %L', v_type);
	END IF;
	IF p_count THEN
		RETURN format('SELECT 1 FROM liasse.dossier d%s WHERE %s LIMIT 10001',
			      v_join, array_to_string(w, ' AND '));
	END IF;
	RETURN format('SELECT d.id, %s::text AS cle FROM liasse.dossier d%s WHERE %s ORDER BY %s %s, d.id %s LIMIT %s',
		      v_key, v_join, array_to_string(w, ' AND '), v_key, v_order, v_order, v_lim);
END
$$;

-- The page query (exposed for EXPLAIN in the tests): columns id, cle.
DROP FUNCTION dossier_list_sql(jsonb, text, integer);
CREATE FUNCTION dossier_list_sql(p_filtre jsonb, p_apres text, p_limite integer) RETURNS text
LANGUAGE sql STABLE SET search_path = liasse, pg_catalog
RETURN dossier_list_build(p_filtre, p_apres, p_limite, false);

-- One page, found as the owner (no Row Level Security cost: the scope is
-- applied through the pairs): ids in order with the entity's name, the
-- indexed values and the cursor.
CREATE FUNCTION dossier_page(p_filtre jsonb, p_apres text, p_limite integer)
RETURNS TABLE (rang bigint, id bigint, entite text, valeurs jsonb, curseur text)
LANGUAGE plpgsql STABLE SECURITY DEFINER ROWS 20 SET search_path = liasse, pg_catalog AS $$
DECLARE
	v_ent bigint;
	v_e bigint[];
	v_t text[];
	v_k timestamptz := 'infinity';
	v_id bigint := 9223372036854775807;
BEGIN
	-- The most frequent page (newest first, by entity and type, maybe
	-- after a cursor) as a static query: its plan is kept by the
	-- connection, where a query written for the filter is planned each time.
	IF coalesce(nullif(p_filtre->>'tri', ''), 'date') = 'date'
	   AND NOT EXISTS (SELECT FROM jsonb_each(p_filtre) f
			   WHERE f.key NOT IN ('entite', 'sous_entites', 'type', 'tri')
			     AND f.value NOT IN ('null'::jsonb, '""'::jsonb)) THEN
		BEGIN
			v_ent := (p_filtre->>'entite')::bigint;
		EXCEPTION WHEN others THEN
			RAISE EXCEPTION 'Filtre invalide : %.', SQLERRM USING ERRCODE = 'LI400';
		END;
		IF nullif(p_apres, '') IS NOT NULL THEN
			SELECT c.c_id, c.c_cle::timestamptz INTO v_id, v_k FROM dossier_curseur(p_apres, true) c;
		END IF;
		SELECT array_agg(p.entite_id), array_agg(p.type) INTO v_e, v_t
		FROM dossier_perimetre(v_ent, def_flag(p_filtre, 'sous_entites'), nullif(p_filtre->>'type', ''), NULL) p
		WHERE p.n > 0;
		IF v_e IS NULL THEN
			RETURN;
		END IF;
		IF cardinality(v_e) <= 400 THEN
			RETURN QUERY
			SELECT k.rang, k.id, e.denomination,
			       (SELECT jsonb_object_agg(i.champ, i.valeur) FROM dossier_index i WHERE i.dossier_id = k.id),
			       k.id || ':' || k.etat_at::text
			FROM (SELECT q.id, q.etat_at, q.entite_id, row_number() OVER () AS rang
			      FROM (SELECT x.id, x.etat_at, x.entite_id
				    FROM unnest(v_e, v_t) p(e, t)
				    CROSS JOIN LATERAL (SELECT d.id, d.etat_at, d.entite_id FROM dossier d
							WHERE d.entite_id = p.e AND d.type = p.t
							  AND (d.etat_at, d.id) < (v_k, v_id)
							ORDER BY d.etat_at DESC, d.id DESC LIMIT least(greatest(coalesce(p_limite, 20), 1), 1000)) x
				    ORDER BY x.etat_at DESC, x.id DESC
				    LIMIT least(greatest(coalesce(p_limite, 20), 1), 1000)) q) k
			JOIN entite e ON e.id = k.entite_id;
			RETURN;
		END IF;
	END IF;
	RETURN QUERY EXECUTE format(
		'SELECT k.rang, k.id, e.denomination, '
		'(SELECT jsonb_object_agg(i.champ, i.valeur) FROM liasse.dossier_index i WHERE i.dossier_id = k.id), '
		'k.id || '':'' || k.cle '
		'FROM (SELECT q.id, q.cle, row_number() OVER () AS rang FROM (%s) q) k '
		'JOIN liasse.dossier d ON d.id = k.id JOIN liasse.entite e ON e.id = d.entite_id',
		dossier_list_sql(p_filtre, p_apres, p_limite));
END
$$;

-- The page as the caller reads it: Row Level Security applies to the
-- rows (a second, cheap check of what dossier_page() found).
CREATE OR REPLACE FUNCTION dossier_list(p_filtre jsonb, p_apres text DEFAULT NULL, p_limite integer DEFAULT 20)
RETURNS TABLE (id bigint, entite_id bigint, entite text, type text, titre text, etat text,
	       etat_label text, etat_at timestamptz, version integer, valeurs jsonb, curseur text)
LANGUAGE plpgsql STABLE SET search_path = liasse, pg_catalog AS $$
BEGIN
	RETURN QUERY
	SELECT d.id, d.entite_id, p.entite, d.type, d.titre, d.etat, coalesce(l.label, d.etat), d.etat_at,
	       d.version, p.valeurs, p.curseur
	FROM dossier_page(p_filtre, p_apres, p_limite) p
	JOIN dossier d ON d.id = p.id
	LEFT JOIN dossier_type_etat l ON l.type = d.type AND l.version = d.type_version AND l.etat = d.etat
	ORDER BY p.rang;
END
$$;

-- The number of dossiers matching the filter: exact from the counters
-- when only entity/type/state filter, else counted up to 10000 and
-- estimated by the planner beyond (estime = true).
CREATE OR REPLACE FUNCTION dossier_list_total(p_filtre jsonb) RETURNS TABLE (total bigint, estime boolean)
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = liasse, pg_catalog AS $$
DECLARE
	v_n bigint;
	v_plan json;
	v_q text;
	v_ent bigint;
BEGIN
	IF NOT EXISTS (SELECT FROM jsonb_each(p_filtre) k
		       WHERE k.key NOT IN ('entite', 'sous_entites', 'type', 'etat', 'tri')
			 AND k.value NOT IN ('null'::jsonb, '""'::jsonb)) THEN
		BEGIN
			v_ent := (p_filtre->>'entite')::bigint;
		EXCEPTION WHEN others THEN
			RAISE EXCEPTION 'Filtre invalide : %.', SQLERRM USING ERRCODE = 'LI400';
		END;
		RETURN QUERY SELECT coalesce(sum(p.n), 0)::bigint, false
		FROM dossier_perimetre(v_ent, def_flag(p_filtre, 'sous_entites'),
				       nullif(p_filtre->>'type', ''), nullif(p_filtre->>'etat', '')) p;
		RETURN;
	END IF;
	v_q := dossier_list_build(p_filtre, NULL, NULL, true);
	EXECUTE format('SELECT count(*) FROM (%s) s', v_q) INTO v_n;
	IF v_n <= 10000 THEN
		RETURN QUERY SELECT v_n, false;
		RETURN;
	END IF;
	EXECUTE 'EXPLAIN (FORMAT JSON) ' || regexp_replace(v_q, ' LIMIT 10001$', '') INTO v_plan;
	RETURN QUERY SELECT greatest((v_plan->0->'Plan'->>'Plan Rows')::numeric::bigint, 10001), true;
END
$$;

-- Dossiers per type for a menu: the types the caller reads on the
-- entity, counted over the entity (and its sub-entities) where she
-- reads them.
CREATE OR REPLACE FUNCTION dossier_compteurs(p_entite bigint, p_sous_entites boolean DEFAULT false)
RETURNS TABLE (type text, nom text, famille text, n bigint)
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = liasse, pg_catalog AS $$
BEGIN
	RETURN QUERY
	WITH p AS (SELECT * FROM dossier_perimetre(p_entite, p_sous_entites, NULL, NULL))
	SELECT t.type, t.nom, t.famille, (SELECT coalesce(sum(p.n), 0)::bigint FROM p WHERE p.type = t.type)
	FROM dossier_type t
	WHERE t.type IN (SELECT p.type FROM p WHERE p.entite_id = p_entite)
	ORDER BY t.famille, t.nom;
END
$$;

------------------------------------------------------------------------
-- Files: checked before they are sent
------------------------------------------------------------------------

-- Would a file of P_TAILLE bytes whose first bytes the client read as
-- P_MIME (the same rules as fichier_sniff()) be accepted in field P_CHAMP?
-- Raises LI400 with the message fichier_begin() or fichier_finish() would
-- give after the upload; they stay the last line of defence.
CREATE FUNCTION fichier_verifier(p_dossier bigint, p_champ text, p_nom text, p_taille bigint,
				 p_mime text) RETURNS void
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = liasse, pg_catalog AS $$
DECLARE
	d dossier := dossier_fetch(p_dossier, 'edition', false);
	v_def jsonb := type_def(d.type, d.type_version);
	v_f jsonb := def_field(v_def, p_champ);
	v_nom text := regexp_replace(coalesce(p_nom, ''), '^.*[/\\]', '');
	v_total bigint;
	v_reason text;
BEGIN
	IF v_f IS NULL OR v_f->>'type' <> 'file' THEN
		RAISE EXCEPTION 'Le type % n''a pas de champ fichier « % ».', d.type, p_champ
			USING ERRCODE = 'LI400';
	END IF;
	IF p_taille = 0 THEN
		RAISE EXCEPTION 'Le fichier « % » est vide.', v_nom USING ERRCODE = 'LI400';
	END IF;
	IF jsonb_typeof(v_f->'max_size') = 'number' AND p_taille > (v_f->>'max_size')::bigint THEN
		RAISE EXCEPTION 'Le fichier « % » (%) dépasse la taille maximale du champ « % » (%).',
			v_nom, taille_fr(p_taille), def_label(v_f), taille_fr((v_f->>'max_size')::bigint)
			USING ERRCODE = 'LI400';
	END IF;
	IF NOT mime_allowed(p_mime, v_f->'content_types') THEN
		RAISE EXCEPTION 'Le fichier « % » est de type % ; le champ « % » accepte : %.', v_nom, p_mime,
			def_label(v_f), (SELECT string_agg(t, ', ') FROM jsonb_array_elements_text(v_f->'content_types') t)
			USING ERRCODE = 'LI400';
	END IF;
	v_reason := dossier_type_if_reason(d.id, v_def, p_champ, p_mime);
	IF v_reason IS NOT NULL THEN
		RAISE EXCEPTION '%', v_reason USING ERRCODE = 'LI400';
	END IF;
	-- The total of the type's files, the one this file replaces left out.
	IF jsonb_typeof(v_def->'threshold') = 'object' AND v_def->'threshold'->'fields' ? p_champ THEN
		SELECT coalesce(sum(f.taille), 0) + p_taille INTO v_total FROM fichier f
		WHERE f.dossier_id = d.id AND f.complet AND v_def->'threshold'->'fields' ? f.champ
		  AND NOT (f.champ = p_champ AND NOT def_flag(v_f, 'multiple'));
		IF v_total > (v_def->'threshold'->>'max_size')::bigint THEN
			RAISE EXCEPTION 'La taille totale des fichiers (%) dépasserait le maximum de % pour ce type de dossier.',
				taille_fr(v_total), taille_fr((v_def->'threshold'->>'max_size')::bigint)
				USING ERRCODE = 'LI400';
		END IF;
	END IF;
END
$$;

------------------------------------------------------------------------
-- Actes: typology codes ("typologie des pièces")
------------------------------------------------------------------------

-- The typology codes valid for each nature of acte. Rows with an entity
-- come from that entity's classification file (the ministry's
-- RetourClassification, as S2LOW serves it: TypePJNatureActe of each
-- NatureActe), loaded by actes_classification_charger(); they apply to
-- the entity and its sub-entities. Rows without an entity are the
-- generic codes of the national nomenclature, used when no
-- classification was loaded.
CREATE TABLE actes_typologie (
	entite_id bigint REFERENCES entite ON DELETE CASCADE,
	nature    smallint NOT NULL CHECK (nature BETWEEN 1 AND 9),
	code      text NOT NULL CHECK (code ~ '^[A-Z0-9_]{5}$'),
	libelle   text NOT NULL,
	charge_le date
);
CREATE UNIQUE INDEX actes_typologie_code ON actes_typologie (coalesce(entite_id, 0), nature, code);
ALTER TABLE actes_typologie ENABLE ROW LEVEL SECURITY;
CREATE POLICY actes_typologie_lecture ON actes_typologie FOR SELECT
	USING (entite_id IS NULL OR entite_id = ANY ((SELECT entites_visibles())::bigint[]));
REVOKE ALL ON actes_typologie FROM PUBLIC;
GRANT SELECT ON actes_typologie TO liasse_agent;

-- The generic codes (S2LOW's defaults per nature, and the signature file).
INSERT INTO actes_typologie (nature, code, libelle)
SELECT n, c, l FROM (VALUES
	(1, '99_DE', 'Délibération'),
	(2, '99_AR', 'Acte réglementaire'),
	(3, '99_AI', 'Acte individuel'),
	(4, '99_DC', 'Contrat, convention et avenant'),
	(5, '99_BU', 'Document budgétaire et financier'),
	(6, '99_AU', 'Autre document')) v(n, c, l)
UNION ALL
SELECT n, '99_SE', 'Fichier de signature électronique' FROM generate_series(1, 6) n;

-- The entity whose classification applies to P_ENTITE: itself or its
-- nearest ancestor with one loaded (NULL: none, the national list).
CREATE FUNCTION actes_typologie_source(p_entite bigint) RETURNS bigint
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = liasse, pg_catalog
RETURN (SELECT a.ancetre_id FROM entite_ancetre a
	WHERE a.entite_id = p_entite
	  AND EXISTS (SELECT FROM actes_typologie t WHERE t.entite_id = a.ancetre_id)
	ORDER BY a.niveau LIMIT 1);

-- The codes valid for nature P_NATURE on P_ENTITE (generic codes first,
-- as PASTELL shows them).
CREATE FUNCTION actes_typologies(p_entite bigint, p_nature integer)
RETURNS TABLE (code text, libelle text)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = liasse, pg_catalog AS $$
	SELECT t.code, t.libelle FROM actes_typologie t
	WHERE t.nature = p_nature
	  AND t.entite_id IS NOT DISTINCT FROM actes_typologie_source(p_entite)
	ORDER BY t.code NOT LIKE '99\_%', t.code
$$;

-- Why typology code P_CODE is not valid for nature P_NATURE ('' = not
-- chosen yet) on P_ENTITE, in French (P_CHAMP: the field's label), or
-- NULL. With a classification loaded, the code must be one of the
-- nature's; without one, a generic code (99_) must be one of the national
-- list's, and other codes need the shape of the nomenclature (two digits
-- of the matière, _, two letters).
CREATE FUNCTION actes_typologie_erreur(p_entite bigint, p_nature text, p_code text, p_champ text)
RETURNS text
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = liasse, pg_catalog AS $$
DECLARE
	v_src bigint := actes_typologie_source(p_entite);
	v_nat integer := CASE WHEN p_nature ~ '^[1-9]$' THEN p_nature::integer END;
BEGIN
	-- Without a classification, which nature a code belongs to is not
	-- known for sure: a code of the national list is accepted for any.
	IF EXISTS (SELECT FROM actes_typologie t WHERE t.entite_id IS NOT DISTINCT FROM v_src
		   AND t.code = p_code AND (v_nat IS NULL OR v_src IS NULL OR t.nature = v_nat)) THEN
		RETURN NULL;
	END IF;
	IF v_src IS NULL AND p_code !~ '^99_' AND p_code ~ '^[1-9][0-9]_[A-Z]{2}$' THEN
		RETURN NULL;
	END IF;
	IF v_nat IS NOT NULL AND EXISTS (SELECT FROM actes_typologie t
					 WHERE t.entite_id IS NOT DISTINCT FROM v_src AND t.code = p_code) THEN
		RETURN format('%s : le code de typologie « %s » n''est pas admis pour la nature %s ; codes admis : %s.',
			      p_champ, p_code, v_nat,
			      (SELECT string_agg(x.code, ', ') FROM actes_typologies(p_entite, v_nat) x));
	END IF;
	RETURN format('%s : le code de typologie « %s » n''existe pas dans %s.', p_champ, p_code,
		      CASE WHEN v_src IS NULL THEN 'la nomenclature nationale (codes génériques 99_DE, 99_AR, 99_AI, 99_DC, 99_BU, 99_AU, 99_SE, ou code de la matière comme 21_RP)'
			   ELSE 'la classification de la collectivité' END);
END
$$;

-- The typology rules join the rules of 002 on each value written...
ALTER FUNCTION dossier_rule_check(dossier, jsonb, text) RENAME TO dossier_rule_check_002;
CREATE FUNCTION dossier_rule_check(d dossier, p_field jsonb, p_value text) RETURNS void
LANGUAGE plpgsql SET search_path = liasse, pg_catalog AS $$
DECLARE
	v_code text;
	v_err text;
BEGIN
	PERFORM dossier_rule_check_002(d, p_field, p_value);
	IF d.type LIKE 'actes%' AND p_field->>'id' IN ('type_acte', 'type_pj') AND p_value <> '' THEN
		FOREACH v_code IN ARRAY string_to_array(p_value, ',') LOOP
			v_err := actes_typologie_erreur(d.entite_id, coalesce(dossier_values_text(d.id, 'acte_nature'), ''),
							btrim(v_code), def_label(p_field));
			IF v_err IS NOT NULL THEN
				RAISE EXCEPTION '%', v_err USING ERRCODE = 'LI400';
			END IF;
		END LOOP;
	END IF;
END
$$;

-- ...and the validity of the dossier (the nature may change after the
-- codes were chosen).
ALTER FUNCTION dossier_invalid_reason(dossier, jsonb) RENAME TO dossier_invalid_reason_002;
CREATE FUNCTION dossier_invalid_reason(d dossier, p_def jsonb) RETURNS text
LANGUAGE plpgsql STABLE SET search_path = liasse, pg_catalog AS $$
DECLARE
	v_r text := dossier_invalid_reason_002(d, p_def);
BEGIN
	IF v_r IS NOT NULL OR d.type NOT LIKE 'actes%' THEN
		RETURN v_r;
	END IF;
	SELECT actes_typologie_erreur(d.entite_id, coalesce(dossier_values_text(d.id, 'acte_nature'), ''),
				      btrim(c), def_label(def_field(p_def, v.champ)))
	INTO v_r
	FROM dossier_valeur v, unnest(string_to_array(v.valeur, ',')) c
	WHERE v.dossier_id = d.id AND v.champ IN ('type_acte', 'type_pj')
	  AND actes_typologie_erreur(d.entite_id, coalesce(dossier_values_text(d.id, 'acte_nature'), ''),
				     btrim(c), '') IS NOT NULL
	LIMIT 1;
	RETURN v_r;
END
$$;

-- XPath helpers on a classification file (namespace prefix a = ACTES).
CREATE FUNCTION actes_xpath_count(p_path text, p_doc xml) RETURNS integer
LANGUAGE sql IMMUTABLE SET search_path = liasse, pg_catalog
RETURN (xpath('count(' || p_path || ')', p_doc,
	      ARRAY[ARRAY['a', 'http://www.interieur.gouv.fr/ACTES#v1.1-20040216']]))[1]::text::numeric::integer;
-- The text of the first node of P_PATH (attribute values unescaped), or NULL.
CREATE FUNCTION actes_xpath_text(p_path text, p_doc xml) RETURNS text
LANGUAGE sql IMMUTABLE SET search_path = liasse, pg_catalog
RETURN (SELECT (xpath('/x/text()', ('<x>' || v::text || '</x>')::xml))[1]::text
	FROM unnest(xpath(p_path, p_doc,
			  ARRAY[ARRAY['a', 'http://www.interieur.gouv.fr/ACTES#v1.1-20040216']])) v LIMIT 1);

-- Loads the typology codes of a classification file (RetourClassification
-- XML, as received from S2LOW) for P_ENTITE, replacing those loaded
-- before. Needs connecteur:edition on the entity. Returns the number of
-- codes.
CREATE FUNCTION actes_classification_charger(p_entite bigint, p_xml text) RETURNS integer
LANGUAGE plpgsql SECURITY DEFINER SET search_path = liasse, pg_catalog AS $$
DECLARE
	v_doc xml;
	v_ns text[][] := ARRAY[ARRAY['a', 'http://www.interieur.gouv.fr/ACTES#v1.1-20040216']];
	v_date date;
	v_n integer;
BEGIN
	PERFORM require_right(p_entite, 'connecteur:edition');
	BEGIN
		v_doc := xmlparse(DOCUMENT regexp_replace(p_xml, '^\s*<\?xml[^>]*\?>', ''));
	EXCEPTION WHEN others THEN
		RAISE EXCEPTION 'Le fichier de classification n''est pas un XML valide : %.', SQLERRM
			USING ERRCODE = 'LI400';
	END;
	IF NOT xpath_exists('/a:RetourClassification', v_doc, v_ns) THEN
		RAISE EXCEPTION 'Ce fichier n''est pas une classification ACTES (élément RetourClassification attendu).'
			USING ERRCODE = 'LI400';
	END IF;
	v_date := (xpath('/a:RetourClassification/a:DateClassification/text()', v_doc, v_ns))[1]::text::date;
	DELETE FROM actes_typologie WHERE entite_id = p_entite;
	INSERT INTO actes_typologie (entite_id, nature, code, libelle, charge_le)
	SELECT DISTINCT ON (n.nature, c.code) p_entite, n.nature, c.code, coalesce(c.libelle, ''), v_date
	FROM generate_series(1, actes_xpath_count('/a:RetourClassification/a:NaturesActes/a:NatureActe', v_doc)) i,
	     LATERAL (SELECT format('/a:RetourClassification/a:NaturesActes/a:NatureActe[%s]', i) AS p) x,
	     LATERAL (SELECT actes_xpath_text(x.p || '/@a:CodeNatureActe', v_doc) AS nature_txt) nt,
	     LATERAL (SELECT CASE WHEN nt.nature_txt ~ '^[1-9]$' THEN nt.nature_txt::smallint END AS nature) n,
	     generate_series(1, actes_xpath_count(x.p || '/a:TypePJNatureActe', v_doc)) j,
	     LATERAL (SELECT actes_xpath_text(format('%s/a:TypePJNatureActe[%s]/@a:CodeTypePJ', x.p, j), v_doc) AS code,
			     actes_xpath_text(format('%s/a:TypePJNatureActe[%s]/@a:Libelle', x.p, j), v_doc) AS libelle) c
	WHERE c.code ~ '^[A-Z0-9_]{5}$' AND n.nature IS NOT NULL;
	GET DIAGNOSTICS v_n = ROW_COUNT;
	IF v_n = 0 THEN
		RAISE EXCEPTION 'La classification ne contient aucun code de typologie (TypePJNatureActe).'
			USING ERRCODE = 'LI400';
	END IF;
	RETURN v_n;
END
$$;
