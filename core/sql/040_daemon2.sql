-- 040_daemon2: the daemon's hot path made cheap (one round trip per
-- finished job, no SQL function planned again at each call), PES Retour
-- bookkeeping. Runs as liasse_owner inside one transaction (see
-- core/migrate.c).
--
-- Where the time went: a SQL-language function that the planner cannot
-- inline (a SET clause, a SECURITY DEFINER, a set-returning function
-- called with a sub-select as argument) is parsed and planned again at
-- every call; the dossier engine calls dozens of them per state change.
-- Here:
--   * the pure helpers whose body was parsed at creation (RETURN ...)
--     lose their SET search_path: names in such a body are already
--     resolved, so the setting changed nothing but prevented inlining;
--   * the helpers called in loops become PL/pgSQL (plans cached per
--     session): def_action_entries, dossier_who, dossier_system_caller,
--     job_frequence;
--   * journal_append builds the canonical text itself (same bytes as
--     journal_canonical, which core/journal.c checks);
--   * job_finish applies what the daemon did with a job in one call.

SET LOCAL search_path = liasse, pg_catalog;

ALTER FUNCTION type_latest(text) RESET search_path;
ALTER FUNCTION type_def(text, integer) RESET search_path;
ALTER FUNCTION def_field(jsonb, text) RESET search_path;
ALTER FUNCTION def_label(jsonb) RESET search_path;
ALTER FUNCTION def_flag(jsonb, text) RESET search_path;
ALTER FUNCTION def_state_label(jsonb, text) RESET search_path;
ALTER FUNCTION dossier_etat_label(text, integer, text) RESET search_path;
ALTER FUNCTION value_truthy(text) RESET search_path;
ALTER FUNCTION dossier_values_text(bigint, text) RESET search_path;
ALTER FUNCTION dossier_type_if_reason(bigint, jsonb, text, text) RESET search_path;
ALTER FUNCTION dossier_orientation_next(bigint, jsonb) RESET search_path;
ALTER FUNCTION is_owner() RESET search_path;
ALTER FUNCTION journal_field(text) RESET search_path;
ALTER FUNCTION journal_ts_text(timestamptz) RESET search_path;
ALTER FUNCTION journal_canonical(journal) RESET search_path;

-- Same entries as before (002_dossiers.sql); PL/pgSQL keeps the plan.
CREATE OR REPLACE FUNCTION def_action_entries(p_def jsonb, p_action text) RETURNS SETOF jsonb
LANGUAGE plpgsql IMMUTABLE SET search_path = liasse, pg_catalog AS $$
DECLARE
	v_actions jsonb := p_def->'actions';
	a jsonb;
	alt jsonb;
	v_found boolean := false;
BEGIN
	FOR a IN SELECT x FROM jsonb_array_elements(v_actions) x WHERE x->>'id' = p_action LOOP
		v_found := true;
		RETURN NEXT a;
	END LOOP;
	IF v_found THEN
		FOR a IN SELECT x FROM jsonb_array_elements(v_actions) x
			 WHERE x->>'id' = p_action AND jsonb_typeof(x->'or') = 'array' LOOP
			FOR alt IN SELECT y FROM jsonb_array_elements(a->'or') y LOOP
				RETURN NEXT (a - 'or') || alt;
			END LOOP;
		END LOOP;
		RETURN;
	END IF;
	RETURN QUERY SELECT i FROM (VALUES
		('{"id":"creation","label":"Créer","state":"creation","state_label":"Créé","from":[],"right":"edition","batch":false}'::jsonb),
		('{"id":"modification","label":"Modifier","state":"modification","state_label":"En cours de rédaction","from":["creation","modification"],"right":"edition","batch":false}'),
		('{"id":"supression","label":"Supprimer","state":"supression","state_label":"Supprimé","from":["*"],"right":"edition","batch":true,"warning":"Le dossier sera supprimé définitivement."}'),
		('{"id":"fatal-error","label":"Erreur fatale","state":"fatal-error","state_label":"Erreur fatale","from":["*"],"right":"edition","batch":false}')) v(i)
	WHERE i->>'id' = p_action;
END
$$;

-- Who acts: the agent's login, 'Action automatique' for the daemon.
CREATE OR REPLACE FUNCTION dossier_who() RETURNS text
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = liasse, pg_catalog AS $$
DECLARE
	v_login text;
BEGIN
	SELECT login INTO v_login FROM utilisateur WHERE login = session_user;
	RETURN coalesce(v_login, CASE WHEN coalesce(current_setting('liasse.automatique', true), '') = 'on'
				      THEN 'Action automatique' ELSE session_user::text END);
END
$$;

CREATE OR REPLACE FUNCTION dossier_system_caller() RETURNS boolean
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = liasse, pg_catalog AS $$
BEGIN
	RETURN NOT EXISTS (SELECT FROM utilisateur WHERE login = session_user) AND is_owner();
END
$$;

-- The owner holds every right: no need to ask has_right() twice.
CREATE OR REPLACE FUNCTION dossier_fetch(p_dossier bigint, p_access text, p_lock boolean) RETURNS dossier
LANGUAGE plpgsql SET search_path = liasse, pg_catalog AS $$
DECLARE
	d dossier;
	v_owner boolean := is_owner();
BEGIN
	IF p_lock THEN
		SELECT * INTO d FROM dossier WHERE id = p_dossier FOR UPDATE;
	ELSE
		SELECT * INTO d FROM dossier WHERE id = p_dossier;
	END IF;
	IF d.id IS NULL OR NOT (v_owner OR has_right(d.entite_id, d.type || ':lecture')
				OR has_right(d.entite_id, d.type || ':edition')) THEN
		RAISE EXCEPTION 'Dossier % introuvable.', coalesce(p_dossier::text, '(vide)')
			USING ERRCODE = 'LI404';
	END IF;
	IF p_access = 'edition' AND NOT v_owner AND NOT has_right(d.entite_id, d.type || ':edition') THEN
		RAISE EXCEPTION 'Droit « %:edition » manquant sur l''entité %.', d.type,
			entite_label(d.entite_id) USING ERRCODE = 'LI403';
	END IF;
	RETURN d;
END
$$;

-- The rule for a job (same choice as 010_daemon.sql), plan kept.
CREATE OR REPLACE FUNCTION job_frequence(j job, OUT expression text, OUT verrou text, OUT regle bigint)
LANGUAGE plpgsql STABLE SET search_path = liasse, pg_catalog AS $$
DECLARE
	v_scope text;
	v_famille text;
	v_type text;
BEGIN
	expression := '1';
	verrou := '';
	IF NOT EXISTS (SELECT FROM frequence) THEN
		RETURN;
	END IF;
	IF j.connecteur_id IS NOT NULL THEN
		SELECT CASE WHEN c.entite_id = entite_racine() THEN 'global' ELSE 'entite' END, c.famille, c.type
		INTO v_scope, v_famille, v_type FROM connecteur c WHERE c.id = j.connecteur_id;
	END IF;
	SELECT fr.expression, fr.verrou, fr.id INTO expression, verrou, regle FROM frequence fr
	WHERE (fr.type_connecteur = '' OR fr.type_connecteur = v_scope)
	  AND (fr.famille = '' OR fr.famille = coalesce(j.famille, v_famille))
	  AND (fr.connecteur_type = '' OR fr.connecteur_type = v_type)
	  AND (fr.connecteur_id IS NULL OR fr.connecteur_id = j.connecteur_id)
	  AND (fr.action_type = '' OR fr.action_type =
		CASE WHEN j.dossier_id IS NULL THEN 'connecteur' ELSE 'document' END)
	  AND (fr.type_dossier = '' OR fr.type_dossier = j.type)
	  AND (fr.action = '' OR fr.action = j.action)
	ORDER BY (CASE WHEN fr.connecteur_id IS NOT NULL THEN 64 ELSE 0 END
		+ CASE WHEN fr.connecteur_type <> '' THEN 32 ELSE 0 END
		+ CASE WHEN fr.famille <> '' THEN 16 ELSE 0 END
		+ CASE WHEN fr.type_connecteur <> '' THEN 8 ELSE 0 END
		+ CASE WHEN fr.action <> '' THEN 4 ELSE 0 END
		+ CASE WHEN fr.type_dossier <> '' THEN 2 ELSE 0 END
		+ CASE WHEN fr.action_type <> '' THEN 1 ELSE 0 END) DESC, fr.id
	LIMIT 1;
	IF NOT FOUND THEN
		expression := '1';
		verrou := '';
		regle := NULL;
	END IF;
END
$$;

-- Same rows, same chain as 001_base.sql: the canonical text is built here
-- (journal_canonical's bytes) rather than through nine function calls.
CREATE OR REPLACE FUNCTION journal_append(p_type int, p_entite bigint, p_dossier bigint, p_action text,
					  p_message text) RETURNS bigint
LANGUAGE plpgsql SECURITY DEFINER SET search_path = liasse, pg_catalog AS $$
DECLARE
	v_id bigint;
	v_prev bytea;
	v_ts timestamptz;
	v_user text := session_user;
	v_msg text := coalesce(p_message, '');
	v_hash bytea;
	v_ts_text text;
	v_canon text;
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
	-- The head is locked from here to the commit: the less after, the
	-- better; one update of the head row per event (each update leaves a
	-- dead version behind on that hot row).
	SELECT last_id + 1, last_hash INTO v_id, v_prev FROM journal_head FOR UPDATE;
	v_ts := clock_timestamp();
	v_ts_text := to_char(v_ts AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"');
	v_canon := 'J1'
		|| octet_length(v_id::text) || ':' || v_id::text || ','
		|| octet_length(v_ts_text) || ':' || v_ts_text || ','
		|| octet_length(p_type::text) || ':' || p_type::text || ','
		|| CASE WHEN p_entite IS NULL THEN '-,'
			ELSE octet_length(p_entite::text) || ':' || p_entite::text || ',' END
		|| octet_length(v_user) || ':' || v_user || ','
		|| CASE WHEN p_dossier IS NULL THEN '-,'
			ELSE octet_length(p_dossier::text) || ':' || p_dossier::text || ',' END
		|| octet_length(p_action) || ':' || p_action || ','
		|| octet_length(v_msg) || ':' || v_msg || ',';
	v_hash := sha256(v_prev || convert_to(v_canon, 'UTF8'));
	INSERT INTO journal (id, ts, type, entite_id, utilisateur, dossier_id, action, message, prev_hash, hash)
	VALUES (v_id, v_ts, p_type, p_entite, v_user, p_dossier, p_action, v_msg, v_prev, v_hash);
	UPDATE journal_head SET last_id = v_id, last_hash = v_hash;
	RETURN v_id;
END
$$;

-- Before a job is stored (010_daemon.sql): the rule is looked up only
-- when one could match (a job without connector matches no rule naming a
-- connector, a family or a scope).
CREATE OR REPLACE FUNCTION job_prepare() RETURNS trigger
LANGUAGE plpgsql SET search_path = liasse, pg_catalog AS $$
DECLARE
	v_f record;
BEGIN
	IF NEW.dossier_id IS NOT NULL AND NEW.famille IS NULL THEN
		SELECT nullif(e->>'connector', '') INTO NEW.famille
		FROM dossier d, def_action_entries(type_def(d.type, d.type_version), NEW.action) e
		WHERE d.id = NEW.dossier_id AND nullif(e->>'connector', '') IS NOT NULL LIMIT 1;
	END IF;
	IF NEW.famille IS NOT NULL AND NEW.connecteur_id IS NULL AND NEW.dossier_id IS NOT NULL THEN
		NEW.connecteur_id := connecteur_resolve(NEW.entite_id, NEW.type, NEW.famille, 0);
	END IF;
	IF NEW.verrou = '' AND (NEW.connecteur_id IS NOT NULL OR NEW.famille IS NOT NULL
				OR EXISTS (SELECT FROM frequence WHERE verrou <> '' AND connecteur_id IS NULL
					   AND connecteur_type = '' AND famille = '' AND type_connecteur = '')) THEN
		v_f := job_frequence(NEW);
		NEW.verrou := v_f.verrou;
	END IF;
	RETURN NEW;
END
$$;

-- What the daemon did with job P_JOB, applied in the caller's transaction
-- (one round trip): the job's removal, P_ACTION (NULL: none) then
-- P_OUTCOME (NULL or '': none) on the dossier. Without P_ACTION the
-- outcome is an error action: tried from the current state, else after
-- the job's own action (tdt-error after verif-tdt). Returns 'ok';
-- 'perdu' when the lease was lost (another daemon took the job: nothing
-- done); 'erreur' when the dossier engine refused (the dossier moved
-- meanwhile...): nothing applied, the job put in error with the reason.
CREATE FUNCTION job_finish(p_job bigint, p_daemon text, p_action text, p_outcome text,
			   p_message text, OUT resultat text, OUT message text)
LANGUAGE plpgsql SET search_path = liasse, pg_catalog AS $$
DECLARE
	j job;
	v_msg text := nullif(p_message, '');
	v_out text := nullif(p_outcome, '');
BEGIN
	IF NOT is_owner() THEN
		RAISE EXCEPTION 'Réservé au démon (rôle liasse_owner).' USING ERRCODE = 'LI403';
	END IF;
	SELECT * INTO j FROM job WHERE id = p_job AND locked_by = p_daemon FOR UPDATE;
	IF NOT FOUND THEN
		resultat := 'perdu';
		RETURN;
	END IF;
	BEGIN
		DELETE FROM job WHERE id = p_job;
		IF j.dossier_id IS NOT NULL AND p_action IS NOT NULL THEN
			PERFORM dossier_action(j.dossier_id, p_action, NULL, v_msg);
			IF v_out IS NOT NULL THEN
				PERFORM dossier_action(j.dossier_id, v_out, NULL, NULL);
			END IF;
		ELSIF j.dossier_id IS NOT NULL AND v_out IS NOT NULL THEN
			BEGIN
				PERFORM dossier_action(j.dossier_id, v_out, NULL, v_msg);
			EXCEPTION WHEN SQLSTATE 'LI400' OR SQLSTATE 'LI403' OR SQLSTATE 'LI404' THEN
				PERFORM dossier_action(j.dossier_id, j.action, NULL, NULL);
				PERFORM dossier_action(j.dossier_id, v_out, NULL, v_msg);
			END;
		END IF;
	EXCEPTION WHEN OTHERS THEN
		message := SQLERRM;
		UPDATE job SET locked_until = NULL, locked_by = NULL, etat = 'erreur', nb_try = nb_try + 1,
			last_message = message WHERE id = p_job;
		resultat := 'erreur';
		RETURN;
	END;
	resultat := 'ok';
END
$$;
REVOKE EXECUTE ON FUNCTION job_finish(bigint, text, text, text, text) FROM liasse_agent;
