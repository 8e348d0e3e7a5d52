-- 095_signature_actes: an acte can be signed at the desk too (issue of the
-- card signature: helios, actes and document-à-signer). The acte keeps the
-- parapheur's signature in its field « signature »; the card's detached
-- CAdES goes to its own field « signature_locale », and the file signed is
-- the acte itself (« arrete »).
-- Runs as liasse_owner inside one transaction (see core/migrate.c).

SET LOCAL search_path = liasse, pg_catalog;

-- The field a type stores the local signature in (NULL: none).
CREATE OR REPLACE FUNCTION signature_champ(p_def jsonb) RETURNS text
LANGUAGE sql IMMUTABLE SET search_path = liasse, pg_catalog
RETURN (SELECT f->>'id' FROM jsonb_array_elements(p_def->'fields') f
	WHERE f->>'id' IN ('fichier_pes_signe', 'signature_locale', 'signature') AND f->>'type' = 'file'
	ORDER BY array_position(ARRAY['fichier_pes_signe', 'signature_locale', 'signature'], f->>'id')
	LIMIT 1);

-- The field holding the file to sign, for the signature field P_CHAMP.
CREATE OR REPLACE FUNCTION signature_source(p_champ text) RETURNS text
LANGUAGE sql IMMUTABLE SET search_path = liasse, pg_catalog
RETURN CASE p_champ WHEN 'fichier_pes_signe' THEN 'fichier_pes'
		    WHEN 'signature_locale' THEN 'arrete'
		    ELSE 'document' END;
