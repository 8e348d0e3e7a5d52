-- 130_throughput: the daemon's transitions made cheaper (issue 6 §10).
-- Runs as liasse_owner inside one transaction (see core/migrate.c).
--
-- Where the time went, per state change applied by the daemon: the
-- type's definition (about 27 kB of JSON, stored compressed) was read
-- and decompressed three times (dossier_action, dossier_jobs_after, the
-- job_prepare trigger of the next job), and searched with
-- jsonb_array_elements four times (the action's entries twice, the new
-- state's label, the connector family of the next action); job_frequence
-- planned entite_racine() again at each call. Here:
--   * dossier_type_action keeps def_action_entries' answer for each
--     version and action (filled when a version is stored), read by
--     dossier_action_pick and job_prepare;
--   * dossier_apply reads the state label from dossier_type_etat, hands
--     its definition to dossier_jobs_after, and updates the rows every
--     transition updates (counters, journal head) last;
--   * job_frequence asks whether the connector is global only when a
--     rule is about that; dossier_notify is inlined;
--   * job_finish_lot applies what the daemon did with several jobs in one
--     round trip, each job in a transaction of its own (a procedure that
--     commits after each job: what was acknowledged stays as durable as
--     before, a refused job rolls back nothing of the others).

SET LOCAL search_path = liasse, pg_catalog;

------------------------------------------------------------------------
-- Action entries of each type version
------------------------------------------------------------------------

-- def_action_entries(definition, action) of every action of the version
-- (those of the definition and the four every type has), in order.
CREATE TABLE dossier_type_action (
	type      text NOT NULL,
	version   integer NOT NULL,
	action    text NOT NULL,
	n         integer NOT NULL,
	entry     jsonb NOT NULL,
	connector text,
	PRIMARY KEY (type, version, action, n),
	FOREIGN KEY (type, version) REFERENCES dossier_type_version (type, version) ON DELETE CASCADE
);
GRANT SELECT ON dossier_type_action TO liasse_agent;

CREATE FUNCTION dossier_type_action_fill(p_type text, p_version integer, p_def jsonb) RETURNS void
LANGUAGE sql SET search_path = liasse, pg_catalog
BEGIN ATOMIC
	DELETE FROM liasse.dossier_type_action WHERE type = p_type AND version = p_version;
	INSERT INTO liasse.dossier_type_action (type, version, action, n, entry, connector)
	SELECT p_type, p_version, x.id, e.n, e.entry, nullif(e.entry->>'connector', '')
	FROM (SELECT a->>'id' FROM jsonb_array_elements(p_def->'actions') a WHERE a->>'id' IS NOT NULL
	      UNION SELECT unnest(ARRAY['creation', 'modification', 'supression', 'fatal-error'])) x(id),
	     liasse.def_action_entries(p_def, x.id) WITH ORDINALITY e(entry, n);
END;

CREATE FUNCTION dossier_type_action_trigger() RETURNS trigger
LANGUAGE plpgsql SET search_path = liasse, pg_catalog AS $$
BEGIN
	PERFORM dossier_type_action_fill(NEW.type, NEW.version, NEW.definition);
	RETURN NULL;
END
$$;
CREATE TRIGGER dossier_type_action_fill AFTER INSERT OR UPDATE OF definition ON dossier_type_version
	FOR EACH ROW EXECUTE FUNCTION dossier_type_action_trigger();

SELECT dossier_type_action_fill(type, version, definition) FROM dossier_type_version;

REVOKE EXECUTE ON FUNCTION dossier_type_action_fill(text, integer, jsonb),
	dossier_type_action_trigger() FROM liasse_agent;

-- Same choice as 002_dossiers.sql; the entries come from
-- dossier_type_action (P_DEF is always the dossier's own version's).
CREATE OR REPLACE FUNCTION dossier_action_pick(d dossier, p_def jsonb, p_action text, p_sys boolean,
					       OUT entry jsonb, OUT reason text, OUT code text)
LANGUAGE plpgsql STABLE SET search_path = liasse, pg_catalog AS $$
DECLARE
	a jsonb;
	v_r text;
	v_state_only boolean := true;
BEGIN
	code := 'LI404';
	reason := format('Action « %s » inconnue pour le type %s.', p_action, d.type);
	FOR a IN SELECT t.entry FROM dossier_type_action t WHERE t.type = d.type
		 AND t.version = d.type_version AND t.action = p_action ORDER BY t.n LOOP
		IF def_flag(a, 'system') AND NOT p_sys THEN
			IF code = 'LI404' THEN
				code := 'LI403';
				reason := format('L''action « %s » est réservée au traitement automatique.',
						 coalesce(a->>'label', p_action));
			END IF;
			CONTINUE;
		END IF;
		IF NOT p_sys AND NOT has_right(d.entite_id, d.type || ':' ||
					       coalesce(a->>'right', 'edition')) THEN
			IF code IN ('LI404', 'LI403') THEN
				code := 'LI403';
				reason := format('Droit « %s:%s » manquant sur l''entité %s.', d.type,
						 coalesce(a->>'right', 'edition'), entite_label(d.entite_id));
			END IF;
			CONTINUE;
		END IF;
		v_r := dossier_rule_refusal(d, p_def, a, true);
		IF v_r IS NULL THEN
			entry := a;
			reason := NULL;
			code := NULL;
			RETURN;
		END IF;
		-- Keep the most telling refusal: a failed condition over "wrong state".
		IF code <> 'LI400' OR v_state_only THEN
			code := 'LI400';
			reason := format('Action « %s » impossible : %s.', coalesce(a->>'label', p_action), v_r);
			v_state_only := v_r LIKE 'l''état %';
		END IF;
	END LOOP;
END
$$;

------------------------------------------------------------------------
-- State changes
------------------------------------------------------------------------

-- dossier_jobs_after (002_dossiers.sql) with the definition the caller
-- already holds.
CREATE FUNCTION dossier_jobs_after(d dossier, a jsonb, p_etat text, p_def jsonb) RETURNS void
LANGUAGE plpgsql SET search_path = liasse, pg_catalog AS $$
DECLARE
	v_next text := nullif(a->>'auto', '');
BEGIN
	DELETE FROM job WHERE dossier_id = d.id AND NOT lot
		AND (locked_until IS NULL OR locked_until < now());
	IF jsonb_typeof(a->'auto_if') = 'object'
	   AND NOT dossier_value_matches(d.id, p_def, a->'auto_if'->>'field', a->'auto_if'->'value') THEN
		v_next := NULL;
	END IF;
	IF def_flag(a, 'orientation') THEN
		v_next := dossier_orientation_next(d.id, p_def);
	END IF;
	IF v_next IS NOT NULL AND p_etat NOT IN ('fatal-error', 'supression') THEN
		INSERT INTO job (entite_id, type, dossier_id, action, etat_source, created_by)
		VALUES (d.entite_id, d.type, d.id, v_next, p_etat, dossier_who());
		PERFORM pg_notify('liasse_job', d.id::text);
	END IF;
END
$$;

CREATE OR REPLACE FUNCTION dossier_jobs_after(d dossier, a jsonb, p_etat text) RETURNS void
LANGUAGE plpgsql SET search_path = liasse, pg_catalog AS $$
BEGIN
	PERFORM dossier_jobs_after(d, a, p_etat, type_def(d.type, d.type_version));
END
$$;

-- Same as 002_dossiers.sql; the label from dossier_type_etat, the
-- definition handed on (P_DEF is always the dossier's own version's), the
-- next job scheduled before the dossier row (and its counters) change.
CREATE OR REPLACE FUNCTION dossier_apply(d dossier, p_def jsonb, a jsonb, p_message text)
RETURNS TABLE (etat text, etat_label text, version integer, programme boolean)
LANGUAGE plpgsql SET search_path = liasse, pg_catalog AS $$
DECLARE
	v_etat text := coalesce(nullif(a->>'state', ''), a->>'id');
	v_label text := coalesce((SELECT l.label FROM dossier_type_etat l WHERE l.type = d.type
				  AND l.version = d.type_version AND l.etat = v_etat),
				 def_state_label(p_def, v_etat));
	v_who text := dossier_who();
	v_version integer;
BEGIN
	IF v_etat = 'supression' THEN
		PERFORM journal_append(1, d.entite_id, d.id, 'supression',
			concat_ws(' : ', format('Dossier « %s » supprimé', d.titre), p_message));
		DELETE FROM dossier WHERE id = d.id;
		PERFORM dossier_notify(d.entite_id, d.id, v_etat);
		RETURN QUERY SELECT v_etat, v_label, d.version + 1, false;
		RETURN;
	END IF;
	INSERT INTO dossier_etat (dossier_id, entite_id, type, etat, action, utilisateur, message)
	VALUES (d.id, d.entite_id, d.type, v_etat, a->>'id', v_who, p_message);
	IF v_etat = 'fatal-error' THEN
		DELETE FROM job WHERE dossier_id = d.id;
	END IF;
	PERFORM dossier_jobs_after(d, a, v_etat, p_def);
	-- Rows every state change updates, locked until the commit: the
	-- counters (trigger dossier_compter) and the journal's head; as late
	-- as possible, so that daemons wait for each other the least.
	UPDATE dossier SET etat = v_etat, etat_at = now(), version = dossier.version + 1,
		modified_at = now(), modified_by = v_who
	WHERE id = d.id RETURNING dossier.version INTO v_version;
	PERFORM journal_append(1, d.entite_id, d.id, a->>'id',
			       concat_ws(' : ', format('État « %s »', v_label), p_message));
	PERFORM dossier_notify(d.entite_id, d.id, v_etat);
	RETURN QUERY SELECT v_etat, v_label, v_version, false;
END
$$;

REVOKE EXECUTE ON FUNCTION dossier_jobs_after(dossier, jsonb, text, jsonb) FROM liasse_agent;

-- Called at each state change: without its SET clause (pg_notify and
-- format are in pg_catalog, searched first whatever the path) the planner
-- inlines it instead of parsing and planning its body at every call.
ALTER FUNCTION dossier_notify(bigint, bigint, text) RESET search_path;

------------------------------------------------------------------------
-- Jobs
------------------------------------------------------------------------

-- Same rule as 040_daemon2.sql; whether the connector is global is asked
-- only when a rule is about the scope.
CREATE OR REPLACE FUNCTION job_frequence(j job, OUT expression text, OUT verrou text, OUT regle bigint)
LANGUAGE plpgsql STABLE SET search_path = liasse, pg_catalog AS $$
DECLARE
	v_scope text;
	v_famille text;
	v_type text;
	v_entite bigint;
BEGIN
	expression := '1';
	verrou := '';
	IF NOT EXISTS (SELECT FROM frequence) THEN
		RETURN;
	END IF;
	IF j.connecteur_id IS NOT NULL THEN
		SELECT c.entite_id, c.famille, c.type INTO v_entite, v_famille, v_type
		FROM connecteur c WHERE c.id = j.connecteur_id;
		IF v_entite IS NOT NULL AND EXISTS (SELECT FROM frequence WHERE type_connecteur <> '') THEN
			v_scope := CASE WHEN v_entite = entite_racine() THEN 'global' ELSE 'entite' END;
		END IF;
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

-- Same as 040_daemon2.sql; the family from dossier_type_action.
CREATE OR REPLACE FUNCTION job_prepare() RETURNS trigger
LANGUAGE plpgsql SET search_path = liasse, pg_catalog AS $$
DECLARE
	v_f record;
BEGIN
	IF NEW.dossier_id IS NOT NULL AND NEW.famille IS NULL THEN
		SELECT t.connector INTO NEW.famille FROM dossier d, dossier_type_action t
		WHERE d.id = NEW.dossier_id AND t.type = d.type AND t.version = d.type_version
		  AND t.action = NEW.action AND t.connector IS NOT NULL ORDER BY t.n LIMIT 1;
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

-- What the daemon did with several jobs (liasse.job_finish for each, in
-- order, a commit after each: one round trip, the same transactions as
-- one call per job). P_JOBS, P_ACTIONS, P_OUTCOMES and P_MESSAGES are
-- parallel arrays; RESULTATS comes back in the same order ('ok', 'perdu',
-- 'erreur': the reason of an error is the job's last_message). No SET
-- clause (a procedure that commits may not have one): names are
-- qualified.
CREATE PROCEDURE job_finish_lot(p_daemon text, p_jobs bigint[], p_actions text[], p_outcomes text[],
				p_messages text[], INOUT resultats text[] DEFAULT NULL)
LANGUAGE plpgsql AS $$
BEGIN
	IF NOT liasse.is_owner() THEN
		RAISE EXCEPTION 'Réservé au démon (rôle liasse_owner).' USING ERRCODE = 'LI403';
	END IF;
	resultats := '{}';
	FOR i IN 1 .. coalesce(cardinality(p_jobs), 0) LOOP
		resultats := resultats || (SELECT f.resultat FROM liasse.job_finish(p_jobs[i], p_daemon,
			p_actions[i], p_outcomes[i], p_messages[i]) f);
		COMMIT;
	END LOOP;
END
$$;
REVOKE EXECUTE ON PROCEDURE job_finish_lot(text, bigint[], text[], text[], text[], text[])
	FROM liasse_agent;
