-- 191_transition: fewer statements per state change (issue 6 §10).
-- Runs as liasse_owner inside one transaction (see core/migrate.c).
--
-- * journal_append took the journal's head in two statements (a read
--   with FOR UPDATE, then an update) on a one-row table whose row every
--   event rewrites: one UPDATE now moves the head and returns the
--   previous hash, kept in prev_hash for that purpose. The canonical
--   bytes and the chain are those of 001_base.sql (core/journal.c checks
--   them the same way), written out rather than built with
--   journal_field(), so that no SQL helper is called per column.
-- * dossier_action read its type's definition through type_def(), an SQL
--   function that is not inlined there and was parsed and planned again
--   at every call; the definition is now read by a statement whose plan
--   PL/pgSQL keeps.

SET LOCAL search_path = liasse, pg_catalog;

ALTER TABLE journal_head ADD COLUMN prev_hash bytea;

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

CREATE OR REPLACE FUNCTION dossier_action(p_dossier bigint, p_action text, p_version integer DEFAULT NULL,
					  p_message text DEFAULT NULL)
RETURNS TABLE(etat text, etat_label text, version integer, programme boolean)
LANGUAGE plpgsql SECURITY DEFINER SET search_path = liasse, pg_catalog AS $$
DECLARE
	d dossier := dossier_fetch(p_dossier, 'lecture', true);
	v_def jsonb;
	v_sys boolean := dossier_system_caller();
	p record;
BEGIN
	IF p_action IN ('creation', 'modification') THEN
		RAISE EXCEPTION 'L''action « % » ne se lance pas directement (création ou modification des champs).',
			p_action USING ERRCODE = 'LI400';
	END IF;
	SELECT t.definition INTO v_def FROM dossier_type_version t
	WHERE t.type = d.type AND t.version = d.type_version;
	PERFORM dossier_check_version(d, p_version);
	p := dossier_action_pick(d, v_def, p_action, v_sys);
	IF p.entry IS NULL THEN
		RAISE EXCEPTION '%', p.reason USING ERRCODE = p.code;
	END IF;
	IF nullif(p.entry->>'connector', '') IS NOT NULL AND NOT v_sys THEN
		IF EXISTS (SELECT FROM job j WHERE j.dossier_id = d.id AND j.action = p_action) THEN
			RAISE EXCEPTION 'L''action « % » est déjà programmée pour ce dossier.',
				coalesce(p.entry->>'label', p_action) USING ERRCODE = 'LI409';
		END IF;
		INSERT INTO job (entite_id, type, dossier_id, action, etat_source, created_by)
		VALUES (d.entite_id, d.type, d.id, p_action, d.etat, dossier_who());
		PERFORM journal_append(1, d.entite_id, d.id, p_action,
			concat_ws(' : ', format('Action « %s » programmée', coalesce(p.entry->>'label', p_action)),
				  p_message));
		PERFORM pg_notify('liasse_job', d.id::text);
		RETURN QUERY SELECT d.etat, def_state_label(v_def, d.etat), d.version, true;
		RETURN;
	END IF;
	RETURN QUERY SELECT * FROM dossier_apply(d, v_def, p.entry, p_message);
END
$$;
