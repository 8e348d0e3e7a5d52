-- 100_signature_profil: what a PES signature says about where and as whom
-- it was made (XAdES SignatureProductionPlace and ClaimedRole) comes from
-- the database: the place (city, postal code; the country is France) from
-- the dossier's entity or, when it has none, from its nearest ancestor that
-- has one; the role from the signing user's profile (NULL: « Ordonnateur »).
-- Both are set by an administrator: entite:edition on the entity for the
-- place, utilisateur:edition on the user's home entity for the role (an
-- agent does not choose her own role).
-- Runs as liasse_owner inside one transaction (see core/migrate.c).

SET LOCAL search_path = liasse, pg_catalog;

ALTER TABLE entite
	ADD COLUMN signature_ville text,
	ADD COLUMN signature_code_postal text,
	ADD CONSTRAINT entite_signature_lieu CHECK (
		(signature_ville IS NULL) = (signature_code_postal IS NULL)
		AND signature_code_postal ~ '^[0-9]{5}$'
		AND length(signature_ville) BETWEEN 1 AND 128);
COMMENT ON COLUMN entite.signature_ville IS 'XAdES SignatureProductionPlace/City; NULL: the parent''s place';

ALTER TABLE utilisateur
	ADD COLUMN signature_qualite text CHECK (length(signature_qualite) BETWEEN 1 AND 128);
COMMENT ON COLUMN utilisateur.signature_qualite IS 'XAdES ClaimedRole; NULL: Ordonnateur';

-- The place of P_ENTITE: its own, else the nearest ancestor's; SOURCE is
-- the entity it comes from (no row when no entity up to the root has one).
CREATE FUNCTION entite_lieu_signature(p_entite bigint)
RETURNS TABLE (ville text, code_postal text, source bigint)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = liasse, pg_catalog AS $$
	SELECT e.signature_ville, e.signature_code_postal, e.id
	FROM entite_ancetre a JOIN entite e ON e.id = a.ancetre_id
	WHERE a.entite_id = p_entite AND e.signature_ville IS NOT NULL
	  AND p_entite = ANY ((SELECT entites_visibles())::bigint[])
	ORDER BY a.niveau LIMIT 1
$$;

-- Sets the place of P_ENTITE; '' (or NULL) for both clears it (inherited
-- again). Postal code: five digits.
CREATE FUNCTION set_entite_lieu_signature(p_entite bigint, p_ville text, p_code_postal text)
RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = liasse, pg_catalog AS $$
DECLARE
	v entite := entite_require(p_entite);
	v_ville text := nullif(btrim(coalesce(p_ville, '')), '');
	v_cp text := nullif(btrim(coalesce(p_code_postal, '')), '');
BEGIN
	PERFORM require_right(p_entite, 'entite:edition');
	IF (v_ville IS NULL) <> (v_cp IS NULL) THEN
		RAISE EXCEPTION 'Le lieu de signature demande la ville et le code postal ensemble (ou aucun des deux, pour reprendre celui de l''entité mère).'
			USING ERRCODE = 'LI400';
	END IF;
	IF v_cp !~ '^[0-9]{5}$' THEN
		RAISE EXCEPTION 'Code postal « % » invalide : cinq chiffres attendus.', v_cp
			USING ERRCODE = 'LI400';
	END IF;
	IF length(v_ville) > 128 OR v_ville ~ '[[:cntrl:]]' THEN
		RAISE EXCEPTION 'Ville « % » invalide (128 caractères au plus, sans caractère de contrôle).', v_ville
			USING ERRCODE = 'LI400';
	END IF;
	IF (v.signature_ville, v.signature_code_postal) IS NOT DISTINCT FROM (v_ville, v_cp) THEN
		RETURN;
	END IF;
	UPDATE entite SET signature_ville = v_ville, signature_code_postal = v_cp WHERE id = p_entite;
	PERFORM journal_append(3, p_entite, NULL, 'lieu de signature',
		CASE WHEN v_ville IS NULL
		THEN format('Lieu de signature de l''entité %s effacé (repris de l''entité mère)', entite_label(p_entite))
		ELSE format('Lieu de signature de l''entité %s : %s (%s)', entite_label(p_entite), v_ville, v_cp) END);
END
$$;

-- Sets the signing role (ClaimedRole) of a user; '' or NULL: the default.
CREATE FUNCTION set_utilisateur_qualite_signature(p_utilisateur bigint, p_qualite text)
RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = liasse, pg_catalog AS $$
DECLARE
	v utilisateur := utilisateur_require(p_utilisateur);
	v_q text := nullif(btrim(coalesce(p_qualite, '')), '');
BEGIN
	PERFORM require_right(v.entite_id, 'utilisateur:edition');
	IF length(v_q) > 128 OR v_q ~ '[[:cntrl:]]' THEN
		RAISE EXCEPTION 'Qualité de signataire « % » invalide (128 caractères au plus, sans caractère de contrôle).', v_q
			USING ERRCODE = 'LI400';
	END IF;
	IF v.signature_qualite IS NOT DISTINCT FROM v_q THEN
		RETURN;
	END IF;
	UPDATE utilisateur SET signature_qualite = v_q WHERE id = p_utilisateur;
	PERFORM journal_append(4, v.entite_id, NULL, 'qualité de signataire',
		format('Qualité de signataire de %s : %s', v.login, coalesce(v_q, 'Ordonnateur (par défaut)')));
END
$$;

-- What a signature of P_DOSSIER by the session's user will carry: the place
-- of the dossier's entity (inherited) and the user's role; NULLs when unset;
-- no row when the caller cannot see the dossier (read through RLS).
CREATE FUNCTION signature_profil(p_dossier bigint)
RETURNS TABLE (ville text, code_postal text, qualite text)
LANGUAGE sql STABLE SET search_path = liasse, pg_catalog AS $$
	SELECT l.ville, l.code_postal,
	       (SELECT u.signature_qualite FROM utilisateur u WHERE u.login = session_user)
	FROM (SELECT d.entite_id FROM dossier d WHERE d.id = p_dossier) d
	LEFT JOIN LATERAL entite_lieu_signature(d.entite_id) l ON true
$$;
