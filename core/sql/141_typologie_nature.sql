-- 141_typologie_nature: actes typology codes without a classification.
-- The generic codes of the national nomenclature belong to one nature
-- each (99_DE délibérations,
-- 99_AR actes réglementaires, 99_AI actes individuels, 99_DC contrats,
-- conventions et avenants, 99_BU documents budgétaires et financiers,
-- 99_AU autres; 99_SE, the signature file, to all). 030 let a generic
-- code of another nature through when no classification was loaded; it is
-- now refused, naming the code, the nature and the codes allowed. Codes of
-- a matière (21_RP...) are still accepted for any nature without a
-- classification: only the classification says which nature they go with.
-- Runs as liasse_owner inside one transaction (see core/migrate.c).

SET LOCAL search_path = liasse, pg_catalog;

-- The label of nature P_NATURE (1..6) as the classification file names it.
CREATE FUNCTION actes_nature_libelle(p_nature integer) RETURNS text
LANGUAGE sql IMMUTABLE SET search_path = liasse, pg_catalog
RETURN (ARRAY['Délibérations', 'Actes réglementaires', 'Actes individuels',
	      'Contrats, conventions et avenants', 'Documents budgétaires et financiers',
	      'Autres'])[p_nature];

-- The check of 030, the nature's label added to its message, and the
-- generic codes held to their nature without a classification too.
ALTER FUNCTION actes_typologie_erreur(bigint, text, text, text) RENAME TO actes_typologie_erreur_030;
CREATE FUNCTION actes_typologie_erreur(p_entite bigint, p_nature text, p_code text, p_champ text)
RETURNS text
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = liasse, pg_catalog AS $$
DECLARE
	v_err text := actes_typologie_erreur_030(p_entite, p_nature, p_code, p_champ);
	v_nat integer := CASE WHEN p_nature ~ '^[1-9]$' THEN p_nature::integer END;
BEGIN
	IF v_nat IS NULL THEN
		RETURN v_err;
	END IF;
	IF v_err IS NULL AND actes_typologie_source(p_entite) IS NULL
	   AND EXISTS (SELECT FROM actes_typologie t WHERE t.entite_id IS NULL AND t.code = p_code)
	   AND NOT EXISTS (SELECT FROM actes_typologie t
			   WHERE t.entite_id IS NULL AND t.code = p_code AND t.nature = v_nat) THEN
		v_err := format('%s : le code de typologie « %s » n''est pas admis pour la nature %s ; codes admis : %s.',
				p_champ, p_code, v_nat,
				(SELECT string_agg(x.code, ', ') FROM actes_typologies(p_entite, v_nat) x));
	END IF;
	RETURN replace(v_err, format(' pour la nature %s ;', v_nat),
		       format(' pour la nature %s (%s) ;', v_nat, coalesce(actes_nature_libelle(v_nat), '?')));
END
$$;
