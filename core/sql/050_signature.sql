-- 050_signature: signing at the desk with the agent's card. The client
-- (core/sign_dossier.c) signs the dossier's file itself (PES: XAdES; other
-- documents: detached CAdES), then stores the result in the type's
-- read-only signature field (fichier_pes_signe for Hélios, signature for
-- documents) and runs the action signature-locale, all in one transaction:
--
--   BEGIN
--   signature_lock(dossier, version)      -- checks, row lock NOWAIT
--   signature_begin(dossier, name, size)  -- file row of the signature field
--   fichier_bloc_add(...) × n             -- as for any file
--   signature_finish(file, sha256, msg)   -- file complete + the action
--   COMMIT
--
-- The read-only field is written only this way: the caller must be allowed
-- to run signature-locale now (state, right, conditions). The original
-- file is kept untouched in its own field.
-- Runs as liasse_owner inside one transaction (see core/migrate.c).

SET LOCAL search_path = liasse, pg_catalog;

-- The field a type stores the local signature in (NULL: none).
CREATE FUNCTION signature_champ(p_def jsonb) RETURNS text
LANGUAGE sql IMMUTABLE SET search_path = liasse, pg_catalog
RETURN (SELECT f->>'id' FROM jsonb_array_elements(p_def->'fields') f
	WHERE f->>'id' IN ('fichier_pes_signe', 'signature') AND f->>'type' = 'file'
	ORDER BY f->>'id' = 'fichier_pes_signe' DESC LIMIT 1);

-- The field holding the file to sign, for the signature field P_CHAMP.
CREATE FUNCTION signature_source(p_champ text) RETURNS text
LANGUAGE sql IMMUTABLE SET search_path = liasse, pg_catalog
RETURN CASE p_champ WHEN 'fichier_pes_signe' THEN 'fichier_pes' ELSE 'document' END;

-- The dossier, locked, once the caller may sign it now.
CREATE FUNCTION signature_check(p_dossier bigint, p_version integer, p_lock_now boolean,
				OUT d dossier, OUT def jsonb, OUT entry jsonb, OUT champ text)
LANGUAGE plpgsql SET search_path = liasse, pg_catalog AS $$
DECLARE
	p record;
	v_src text;
BEGIN
	IF p_lock_now THEN
		BEGIN
			PERFORM FROM dossier x WHERE x.id = p_dossier FOR UPDATE NOWAIT;
		EXCEPTION WHEN lock_not_available THEN
			RAISE EXCEPTION 'Ce dossier est en cours de signature ou de modification par un autre agent : réessayez dans un instant.'
				USING ERRCODE = 'LI409';
		END;
	END IF;
	d := dossier_fetch(p_dossier, 'edition', true);
	PERFORM dossier_check_version(d, p_version);
	def := type_def(d.type, d.type_version);
	champ := signature_champ(def);
	p := dossier_action_pick(d, def, 'signature-locale', false);
	IF champ IS NULL OR (p.entry IS NULL AND p.code = 'LI404') THEN
		RAISE EXCEPTION 'Les dossiers de type « % » ne se signent pas avec la carte.',
			coalesce(def->>'name', d.type) USING ERRCODE = 'LI400';
	END IF;
	IF p.entry IS NULL THEN
		RAISE EXCEPTION '%', p.reason USING ERRCODE = p.code;
	END IF;
	entry := p.entry;
	v_src := signature_source(champ);
	IF NOT EXISTS (SELECT FROM fichier f WHERE f.dossier_id = (d).id
		       AND f.champ = v_src AND f.complet) THEN
		RAISE EXCEPTION 'Rien à signer : le champ « % » du dossier est vide.',
			coalesce(def_label(def_field(def, v_src)), v_src) USING ERRCODE = 'LI400';
	END IF;
END
$$;

-- Step 1: checks and locks. Returns the field to sign and the field the
-- signature goes to. Another agent signing the same dossier at the same
-- time holds the lock: LI409 at once, nothing waits.
CREATE FUNCTION signature_lock(p_dossier bigint, p_version integer DEFAULT NULL)
RETURNS TABLE (source text, champ text, action_label text)
LANGUAGE plpgsql SECURITY DEFINER SET search_path = liasse, pg_catalog AS $$
DECLARE
	c record;
BEGIN
	c := signature_check(p_dossier, p_version, true);
	RETURN QUERY SELECT signature_source(c.champ), c.champ, coalesce(c.entry->>'label', 'signature-locale');
END
$$;

-- Step 2: a new (incomplete) file of the signature field.
CREATE FUNCTION signature_begin(p_dossier bigint, p_nom text, p_taille bigint) RETURNS bigint
LANGUAGE plpgsql SECURITY DEFINER SET search_path = liasse, pg_catalog AS $$
DECLARE
	c record;
	v_f jsonb;
	v_nom text := regexp_replace(coalesce(p_nom, ''), '^.*[/\\]', '');
	v_id bigint;
BEGIN
	c := signature_check(p_dossier, NULL, false);
	v_f := def_field(c.def, c.champ);
	IF v_nom = '' OR char_length(v_nom) > 255 OR v_nom ~ '[\u0001-\u001f\u007f]' THEN
		RAISE EXCEPTION 'Nom de fichier invalide : « % ».', left(v_nom, 255) USING ERRCODE = 'LI400';
	END IF;
	IF jsonb_typeof(v_f->'max_size') = 'number' AND p_taille > (v_f->>'max_size')::bigint THEN
		RAISE EXCEPTION 'Le fichier signé « % » (%) dépasse la taille maximale du champ « % » (%).',
			v_nom, taille_fr(p_taille), def_label(v_f), taille_fr((v_f->>'max_size')::bigint)
			USING ERRCODE = 'LI400';
	END IF;
	DELETE FROM fichier WHERE dossier_id = p_dossier AND NOT complet AND txid <> txid_current();
	INSERT INTO fichier (dossier_id, entite_id, type, champ, n, nom, created_by)
	VALUES (p_dossier, (c.d).entite_id, (c.d).type, c.champ, 0, v_nom, dossier_who())
	RETURNING id INTO v_id;
	RETURN v_id;
END
$$;

-- Step 3: the signature file is complete (its content checked, it replaces
-- an earlier one) and the action signature-locale moves the dossier on.
CREATE FUNCTION signature_finish(p_fichier bigint, p_sha256 text, p_message text DEFAULT NULL)
RETURNS TABLE (etat text, etat_label text, version integer)
LANGUAGE plpgsql SECURITY DEFINER SET search_path = liasse, pg_catalog AS $$
DECLARE
	fi fichier;
	c record;
	v_f jsonb;
	v_mime text;
	v_sha text;
BEGIN
	SELECT * INTO fi FROM fichier WHERE id = p_fichier FOR UPDATE;
	IF fi.id IS NULL OR fi.complet OR fi.txid <> txid_current() THEN
		RAISE EXCEPTION 'Envoi de fichier invalide (fichier %).', p_fichier USING ERRCODE = 'LI400';
	END IF;
	c := signature_check(fi.dossier_id, NULL, false);
	IF fi.champ <> c.champ THEN
		RAISE EXCEPTION 'Envoi de fichier invalide (fichier %).', p_fichier USING ERRCODE = 'LI400';
	END IF;
	v_f := def_field(c.def, fi.champ);
	IF fi.taille = 0 OR fi.taille <> (SELECT coalesce(sum(octet_length(data)), 0)
					  FROM fichier_bloc WHERE fichier_id = fi.id) THEN
		RAISE EXCEPTION 'Envoi du fichier « % » incomplet.', fi.nom USING ERRCODE = 'LI400';
	END IF;
	v_mime := fichier_sniff((SELECT substring(data FROM 1 FOR 512) FROM fichier_bloc
				 WHERE fichier_id = fi.id AND n = 0));
	IF jsonb_array_length(coalesce(v_f->'content_types', '[]')) > 0
	   AND NOT mime_allowed(v_mime, v_f->'content_types') THEN
		RAISE EXCEPTION 'Le fichier « % » est de type % ; le champ « % » accepte : %.', fi.nom, v_mime,
			def_label(v_f), (SELECT string_agg(t, ', ') FROM jsonb_array_elements_text(v_f->'content_types') t)
			USING ERRCODE = 'LI400';
	END IF;
	IF fi.taille <= 33554432 THEN
		SELECT encode(sha256(string_agg(data, ''::bytea ORDER BY n)), 'hex') INTO v_sha
		FROM fichier_bloc WHERE fichier_id = fi.id;
		IF v_sha <> lower(coalesce(p_sha256, '')) THEN
			RAISE EXCEPTION 'Le fichier « % » a été altéré pendant l''envoi (empreinte SHA-256 différente).',
				fi.nom USING ERRCODE = 'LI400';
		END IF;
	END IF;
	DELETE FROM fichier f WHERE f.dossier_id = fi.dossier_id AND f.champ = fi.champ AND f.complet;
	UPDATE fichier f SET complet = true, mime = v_mime, sha256 = lower(p_sha256) WHERE f.id = fi.id;
	PERFORM journal_append(1, fi.entite_id, fi.dossier_id, 'signature-locale',
		format('Fichier « %s » signé et vérifié (%s, %s)', fi.nom, def_label(v_f), taille_fr(fi.taille)));
	RETURN QUERY SELECT a.etat, a.etat_label, a.version
		FROM dossier_apply(c.d, c.def, c.entry, p_message) a;
END
$$;

REVOKE EXECUTE ON FUNCTION signature_check(bigint, integer, boolean) FROM liasse_agent;
