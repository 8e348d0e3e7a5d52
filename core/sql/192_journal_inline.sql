-- 192_journal_inline: journal_append of 191 with its canonical form
-- written out (issue 6 §10).
-- Runs as liasse_owner inside one transaction (see core/migrate.c).
--
-- 191 built the canonical bytes with journal_field() and
-- journal_ts_text(), SQL functions that carry a search_path and are
-- therefore never inlined: each of the eight calls of an event was
-- parsed and planned again. The bytes are the same (journal_canonical in
-- 001_base.sql; core/journal.c checks them on its own).

SET LOCAL search_path = liasse, pg_catalog;

CREATE OR REPLACE FUNCTION journal_append(p_type integer, p_entite bigint, p_dossier bigint,
					  p_action text, p_message text) RETURNS bigint
LANGUAGE plpgsql SECURITY DEFINER SET search_path = liasse, pg_catalog AS $$
DECLARE
	v_id bigint;
	v_prev bytea;
	v_hash bytea;
	v_ts timestamptz;
	v_ts_text text;
	v_user text := session_user;
	v_msg text := coalesce(p_message, '');
	v_rest text;
BEGIN
	IF p_type IS NULL OR p_type NOT BETWEEN 1 AND 14 THEN
		RAISE EXCEPTION 'Type d''événement du journal invalide : % (1 à 14).', p_type
			USING ERRCODE = 'LI400';
	END IF;
	IF coalesce(btrim(p_action), '') = '' THEN
		RAISE EXCEPTION 'Événement du journal sans action.' USING ERRCODE = 'LI400';
	END IF;
	IF NOT EXISTS (SELECT FROM utilisateur WHERE login = session_user) THEN
		IF coalesce(current_setting('liasse.automatique', true), '') = 'on' THEN
			v_user := 'Action automatique';
		END IF;
	ELSIF p_entite IS NOT NULL AND NOT EXISTS (
		SELECT FROM my_rights() r WHERE r.entite_id = p_entite) THEN
		RAISE EXCEPTION 'Aucun droit sur l''entité % : événement refusé.', p_entite
			USING ERRCODE = 'LI403';
	END IF;
	v_ts := clock_timestamp();
	v_ts_text := to_char(v_ts AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"');
	-- The canonical form after the id: "<byte length>:<text>," a column,
	-- "-," for NULL.
	v_rest := octet_length(v_ts_text) || ':' || v_ts_text || ','
		|| octet_length(p_type::text) || ':' || p_type::text || ','
		|| CASE WHEN p_entite IS NULL THEN '-,'
			ELSE octet_length(p_entite::text) || ':' || p_entite::text || ',' END
		|| octet_length(v_user) || ':' || v_user || ','
		|| CASE WHEN p_dossier IS NULL THEN '-,'
			ELSE octet_length(p_dossier::text) || ':' || p_dossier::text || ',' END
		|| octet_length(p_action) || ':' || p_action || ','
		|| octet_length(v_msg) || ':' || v_msg || ',';
	-- The head is locked from here to the commit.
	UPDATE journal_head SET last_id = last_id + 1, prev_hash = last_hash,
		last_hash = sha256(last_hash || convert_to('J1' || octet_length((last_id + 1)::text) || ':'
							    || (last_id + 1)::text || ',' || v_rest, 'UTF8'))
	RETURNING last_id, prev_hash, last_hash INTO v_id, v_prev, v_hash;
	INSERT INTO journal (id, ts, type, entite_id, utilisateur, dossier_id, action, message, prev_hash, hash)
	VALUES (v_id, v_ts, p_type, p_entite, v_user, p_dossier, p_action, v_msg, v_prev, v_hash);
	RETURN v_id;
END
$$;
