-- 170_pes_bordereaux: the bordereaux of a PES attached to a helios dossier
-- (IdBord, Exer, TypBord, DteBordEm, NbrPce, montant as in the file),
-- read by the client while it streams the file in (core/pes.c) and stored
-- in the same transaction as the file; gone with the file (replaced or
-- removed) or the dossier. At most the first PES_MAX_BORDEREAUX of a file;
-- nb_bordereaux keeps the total.
-- Runs as liasse_owner inside one transaction (see core/migrate.c).

SET LOCAL search_path = liasse, pg_catalog;

CREATE TABLE pes_bordereau (
	fichier_id    bigint NOT NULL REFERENCES fichier ON DELETE CASCADE,
	n             integer NOT NULL CHECK (n >= 0),
	dossier_id    bigint NOT NULL REFERENCES dossier ON DELETE CASCADE,
	id_bord       text NOT NULL DEFAULT '',
	exer          text NOT NULL DEFAULT '',
	typ_bord      text NOT NULL DEFAULT '',
	dte_bord_em   text NOT NULL DEFAULT '',
	nbr_pce       text NOT NULL DEFAULT '',
	montant       text NOT NULL DEFAULT '',
	champ_montant text NOT NULL DEFAULT '',
	PRIMARY KEY (fichier_id, n)
);
CREATE INDEX pes_bordereau_dossier ON pes_bordereau (dossier_id);
-- Read and written through the functions below only.
ALTER TABLE pes_bordereau ENABLE ROW LEVEL SECURITY;
REVOKE ALL ON pes_bordereau FROM PUBLIC;

-- Stores the bordereaux P_ROWS (a JSON array of objects with the column
-- names as keys) of file P_FICHIER, joined in this transaction by a user
-- who may edit its dossier. Returns how many were stored.
CREATE FUNCTION pes_bordereaux_set(p_fichier bigint, p_rows jsonb) RETURNS integer
LANGUAGE plpgsql SECURITY DEFINER SET search_path = liasse, pg_catalog AS $$
DECLARE
	fi fichier;
	d dossier;
	v_n integer;
BEGIN
	SELECT * INTO fi FROM fichier WHERE id = p_fichier;
	IF fi.id IS NULL OR NOT fi.complet OR fi.txid <> txid_current() THEN
		RAISE EXCEPTION 'Extraction refusée : le fichier % n''a pas été joint dans cette transaction.',
			p_fichier USING ERRCODE = 'LI400';
	END IF;
	d := dossier_fetch(fi.dossier_id, 'edition', true);
	IF jsonb_typeof(p_rows) IS DISTINCT FROM 'array' THEN
		RAISE EXCEPTION 'Bordereaux : tableau JSON attendu.' USING ERRCODE = 'LI400';
	END IF;
	DELETE FROM pes_bordereau WHERE fichier_id = fi.id;
	INSERT INTO pes_bordereau (fichier_id, n, dossier_id, id_bord, exer, typ_bord, dte_bord_em,
				   nbr_pce, montant, champ_montant)
	SELECT fi.id, (k - 1)::integer, d.id, coalesce(r->>'id_bord', ''), coalesce(r->>'exer', ''),
	       coalesce(r->>'typ_bord', ''), coalesce(r->>'dte_bord_em', ''),
	       coalesce(r->>'nbr_pce', ''), coalesce(r->>'montant', ''),
	       coalesce(r->>'champ_montant', '')
	FROM jsonb_array_elements(p_rows) WITH ORDINALITY x(r, k);
	GET DIAGNOSTICS v_n = ROW_COUNT;
	RETURN v_n;
END
$$;

-- The bordereaux of the dossier's complete files, in file order, for a
-- user who may read the dossier.
CREATE FUNCTION dossier_bordereaux(p_dossier bigint)
RETURNS TABLE (champ text, n integer, id_bord text, exer text, typ_bord text, dte_bord_em text,
	       nbr_pce text, montant text, champ_montant text)
LANGUAGE plpgsql SECURITY DEFINER STABLE SET search_path = liasse, pg_catalog AS $$
DECLARE
	d dossier := dossier_fetch(p_dossier, 'lecture', false);
BEGIN
	RETURN QUERY
	SELECT f.champ, b.n, b.id_bord, b.exer, b.typ_bord, b.dte_bord_em, b.nbr_pce, b.montant,
	       b.champ_montant
	FROM pes_bordereau b JOIN fichier f ON f.id = b.fichier_id AND f.complet
	WHERE b.dossier_id = d.id
	ORDER BY f.champ, f.n, b.n;
END
$$;
