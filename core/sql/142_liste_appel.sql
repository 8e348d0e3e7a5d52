-- 142_liste_appel: dossier_list() calls the page function of the filter
-- itself: 030's for the plain filters (the most frequent pages: no
-- filter, a syndicat's type), 140's for the static ones, one PL/pgSQL
-- call and one copy of the page less than through 140's dossier_page().
-- Runs as liasse_owner inside one transaction (see core/migrate.c).

SET LOCAL search_path = liasse, pg_catalog;

CREATE OR REPLACE FUNCTION dossier_list(p_filtre jsonb, p_apres text DEFAULT NULL, p_limite integer DEFAULT 20)
RETURNS TABLE (id bigint, entite_id bigint, entite text, type text, titre text, etat text,
	       etat_label text, etat_at timestamptz, version integer, valeurs jsonb, curseur text)
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = liasse, pg_catalog AS $$
DECLARE
	v_030 boolean := dossier_filtre_statique(p_filtre) IS NULL
			 OR (nullif(p_filtre->>'entite', '') IS NULL AND is_owner());
BEGIN
	RETURN QUERY
	SELECT d.id, d.entite_id, p.entite, d.type, d.titre, d.etat, coalesce(l.label, d.etat), d.etat_at,
	       d.version, p.valeurs, p.curseur
	FROM (SELECT * FROM dossier_page_030(p_filtre, p_apres, p_limite) WHERE v_030
	      UNION ALL
	      SELECT * FROM dossier_page(p_filtre, p_apres, p_limite) WHERE NOT v_030) p
	JOIN dossier d ON d.id = p.id
	LEFT JOIN dossier_type_etat l ON l.type = d.type AND l.version = d.type_version AND l.etat = d.etat
	ORDER BY p.rang;
END
$$;
