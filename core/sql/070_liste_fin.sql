-- 070_liste_fin: the page of a dossier list that ends just before a
-- cursor, or the last page of the list, in one query (End in a list of
-- 200,000 dossiers, and Up from there): the same filter, sort and
-- cursors as dossier_list(), walked backwards.
-- Runs as liasse_owner inside one transaction (see core/migrate.c).

SET LOCAL search_path = liasse, pg_catalog;

-- Rows of the list (filter P_FILTRE as for dossier_list) that come before
-- the row of cursor P_AVANT (NULL: the last rows), at most P_LIMITE, in
-- the list's own order. Same columns and cursors as dossier_list(), read
-- under Row Level Security like it. With only entity, type and state
-- filters, each readable (entity, type) pair's index is walked backwards
-- for one page (dossier_perimetre, as dossier_list does forwards), so the
-- last page of 200,000 dossiers costs what the first one does.
CREATE FUNCTION dossier_list_avant(p_filtre jsonb, p_avant text DEFAULT NULL, p_limite integer DEFAULT 20)
RETURNS TABLE (id bigint, entite_id bigint, entite text, type text, titre text, etat text,
	       etat_label text, etat_at timestamptz, version integer, valeurs jsonb, curseur text)
LANGUAGE plpgsql STABLE SET search_path = liasse, pg_catalog AS $$
DECLARE
	v_tri text := coalesce(nullif(p_filtre->>'tri', ''), 'date');
	v_key text;
	v_cast text := 'text';
	v_list text := 'ASC';  -- the list's order
	v_back text := 'DESC'; -- walking it backwards
	v_cmp text := '<';
	v_join text := '';
	v_where text := dossier_list_where(p_filtre);
	v_id bigint;
	v_k text;
	v_lim integer := least(greatest(coalesce(p_limite, 20), 1), 1000);
	v_from text := 'liasse.dossier d';
	v_e bigint[];
	v_t text[];
BEGIN
	IF v_tri = 'date' THEN
		v_key := 'd.etat_at'; v_cast := 'timestamptz';
		v_list := 'DESC'; v_back := 'ASC'; v_cmp := '>';
	ELSIF v_tri = 'titre' THEN
		v_key := 'd.titre';
	ELSE
		IF nullif(p_filtre->>'type', '') IS NULL THEN
			RAISE EXCEPTION 'Le tri sur le champ « % » demande un type de dossier.', v_tri
				USING ERRCODE = 'LI400';
		END IF;
		v_join := format(' JOIN liasse.dossier_index x ON x.dossier_id = d.id AND x.champ = %L'
				 ' AND x.type = %L AND x.entite_id = d.entite_id', v_tri, p_filtre->>'type');
		v_key := 'x.valeur';
	END IF;
	IF nullif(p_avant, '') IS NOT NULL THEN
		BEGIN
			v_id := split_part(p_avant, ':', 1)::bigint;
			v_k := substr(p_avant, strpos(p_avant, ':') + 1);
			IF v_cast = 'timestamptz' THEN
				PERFORM v_k::timestamptz;
			END IF;
		EXCEPTION WHEN others THEN
			RAISE EXCEPTION 'Curseur de pagination invalide : « % ».', p_avant USING ERRCODE = 'LI400';
		END;
		v_where := v_where || format(' AND (%s, d.id) %s (%L::%s, %s)', v_key, v_cmp, v_k, v_cast, v_id);
	END IF;
	IF v_join = '' AND nullif(p_filtre->>'passe_par', '') IS NULL
	   AND nullif(btrim(p_filtre->>'recherche'), '') IS NULL THEN
		SELECT array_agg(p.entite_id ORDER BY p.entite_id, p.type), array_agg(p.type ORDER BY p.entite_id, p.type)
		INTO v_e, v_t
		FROM dossier_perimetre((p_filtre->>'entite')::bigint, def_flag(p_filtre, 'sous_entites'),
				       nullif(p_filtre->>'type', ''), nullif(p_filtre->>'etat', '')) p
		WHERE p.n > 0;
		IF v_e IS NULL THEN
			RETURN;
		END IF;
		IF cardinality(v_e) <= 400 THEN
			-- One page from each pair, backwards; the outer ORDER BY
			-- and LIMIT keep the last ones.
			v_from := format('unnest(%L::bigint[], %L::text[]) p(e, t) CROSS JOIN LATERAL '
					 '(SELECT d.* FROM liasse.dossier d WHERE d.entite_id = p.e AND d.type = p.t '
					 'AND %s ORDER BY %s %s, d.id %s LIMIT %s) d',
					 v_e, v_t, v_where, v_key, v_back, v_back, v_lim);
			v_where := 'true';
		END IF;
	END IF;
	RETURN QUERY EXECUTE format(
		'WITH s AS (SELECT d.id, d.entite_id, d.type, d.type_version, d.titre, d.etat, d.etat_at, '
		'd.version, %1$s AS k, %1$s::text AS cle FROM %7$s%2$s WHERE %3$s '
		'ORDER BY %1$s %4$s, d.id %4$s LIMIT %5$s), '
		'n AS (SELECT * FROM liasse.dossier_entite_noms((SELECT array_agg(DISTINCT s.entite_id) FROM s))) '
		'SELECT s.id, s.entite_id, n.nom, s.type, s.titre, s.etat, coalesce(l.label, s.etat), s.etat_at, '
		's.version, (SELECT jsonb_object_agg(i.champ, i.valeur) FROM liasse.dossier_index i '
		'WHERE i.dossier_id = s.id AND i.entite_id = s.entite_id AND i.type = s.type), s.id || '':'' || s.cle '
		'FROM s LEFT JOIN n ON n.id = s.entite_id '
		'LEFT JOIN liasse.dossier_type_etat l ON l.type = s.type AND l.version = s.type_version AND l.etat = s.etat '
		'ORDER BY s.k %6$s, s.id %6$s',
		v_key, v_join, v_where, v_back, v_lim, v_list, v_from);
END
$$;
