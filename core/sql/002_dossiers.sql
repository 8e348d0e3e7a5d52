-- 002_dossiers: the dossier engine (issue 3).
-- Dossier types are versioned JSON definitions (loaded from forms/ by
-- core/forms_sync.c); dossiers, their values, files (streamed in 1 MiB
-- blocks), state history, consultations, jobs for the daemon, per-entity
-- counters for the menus. Every write goes through a SECURITY DEFINER
-- function that checks rights, state, conditions and the dossier's version
-- in one transaction; agents only SELECT, restricted by Row Level Security
-- to the (entity, type) pairs where they hold <type>:lecture.
-- Runs as liasse_owner inside one transaction (see core/migrate.c).

SET LOCAL search_path = liasse, pg_catalog;

-- French full-text search, accent-insensitive (unaccent comes from init.sql).
CREATE TEXT SEARCH CONFIGURATION fr (COPY = pg_catalog.french);
ALTER TEXT SEARCH CONFIGURATION fr
	ALTER MAPPING FOR hword, hword_part, word WITH liasse_ext.unaccent, french_stem;

------------------------------------------------------------------------
-- Type definitions, versioned
------------------------------------------------------------------------

CREATE TABLE dossier_type_version (
	type       text NOT NULL CHECK (type ~ '^[a-z0-9][a-z0-9_-]*$'),
	version    integer NOT NULL CHECK (version > 0),
	sha256     text NOT NULL,
	definition jsonb NOT NULL,
	created_at timestamptz NOT NULL DEFAULT now(),
	PRIMARY KEY (type, version)
);

-- State labels of each version (filled by type_register): list pages
-- read them without opening the definition's JSON.
CREATE TABLE dossier_type_etat (
	type    text NOT NULL,
	version integer NOT NULL,
	etat    text NOT NULL,
	label   text NOT NULL,
	PRIMARY KEY (type, version, etat),
	FOREIGN KEY (type, version) REFERENCES dossier_type_version (type, version)
);

-- The latest version of each type.
CREATE VIEW dossier_type AS
	SELECT DISTINCT ON (type) type, version, definition->>'name' AS nom,
	       definition->>'family' AS famille, sha256, definition
	FROM dossier_type_version ORDER BY type, version DESC;

CREATE FUNCTION type_latest(p_type text) RETURNS integer
LANGUAGE sql STABLE SET search_path = liasse, pg_catalog
RETURN (SELECT max(version) FROM dossier_type_version WHERE type = p_type);

CREATE FUNCTION type_def(p_type text, p_version integer) RETURNS jsonb
LANGUAGE sql STABLE SET search_path = liasse, pg_catalog
RETURN (SELECT definition FROM dossier_type_version WHERE type = p_type AND version = p_version);

-- Stores a definition as a new version when its SHA-256 changed; adds the
-- rights <type>:lecture and <type>:edition. Returns the new version, or 0
-- when the latest version already has this SHA-256. Owner only.
CREATE FUNCTION type_register(p_type text, p_sha256 text, p_definition jsonb) RETURNS integer
LANGUAGE plpgsql SET search_path = liasse, pg_catalog AS $$
DECLARE
	v_sha text;
	v_version integer;
	v_nom text := coalesce(p_definition->>'name', p_type);
BEGIN
	PERFORM pg_advisory_xact_lock(hashtextextended('liasse.type:' || p_type, 0));
	INSERT INTO droit (droit, libelle) VALUES
		(p_type || ':lecture', format('%s : lecture', v_nom)),
		(p_type || ':edition', format('%s : édition', v_nom))
	ON CONFLICT (droit) DO NOTHING;
	SELECT sha256, version INTO v_sha, v_version FROM dossier_type_version
	WHERE type = p_type ORDER BY version DESC LIMIT 1;
	IF v_sha = p_sha256 THEN
		RETURN 0;
	END IF;
	v_version := coalesce(v_version, 0) + 1;
	INSERT INTO dossier_type_version (type, version, sha256, definition)
	VALUES (p_type, v_version, p_sha256, p_definition);
	INSERT INTO dossier_type_etat (type, version, etat, label)
	SELECT p_type, v_version, e, def_state_label(p_definition, e) FROM (
		SELECT s->>'id' FROM jsonb_array_elements(p_definition->'states') s
		UNION SELECT coalesce(nullif(a->>'state', ''), a->>'id')
		FROM jsonb_array_elements(p_definition->'actions') a
		UNION SELECT unnest(ARRAY['creation', 'modification', 'supression', 'fatal-error'])) x(e)
	WHERE e IS NOT NULL;
	RETURN v_version;
END
$$;
REVOKE EXECUTE ON FUNCTION type_register(text, text, jsonb) FROM liasse_agent;

------------------------------------------------------------------------
-- Reading definitions (pure functions over the JSON of form_to_json)
------------------------------------------------------------------------

CREATE FUNCTION def_field(p_def jsonb, p_champ text) RETURNS jsonb
LANGUAGE sql IMMUTABLE SET search_path = liasse, pg_catalog
RETURN (SELECT f FROM jsonb_array_elements(p_def->'fields') f WHERE f->>'id' = p_champ LIMIT 1);

CREATE FUNCTION def_label(p_field jsonb) RETURNS text
LANGUAGE sql IMMUTABLE SET search_path = liasse, pg_catalog
RETURN coalesce(nullif(p_field->>'label', ''), p_field->>'id');

CREATE FUNCTION def_flag(p_obj jsonb, p_key text) RETURNS boolean
LANGUAGE sql IMMUTABLE SET search_path = liasse, pg_catalog
RETURN coalesce(jsonb_typeof(p_obj->p_key) = 'boolean' AND (p_obj->>p_key)::boolean, false);

CREATE FUNCTION def_state_label(p_def jsonb, p_etat text) RETURNS text
LANGUAGE sql IMMUTABLE SET search_path = liasse, pg_catalog
RETURN coalesce(
	(SELECT s->>'label' FROM jsonb_array_elements(p_def->'states') s
	 WHERE s->>'id' = p_etat LIMIT 1),
	(SELECT a->>'state_label' FROM jsonb_array_elements(p_def->'actions') a
	 WHERE a->>'state' = p_etat AND a->>'state_label' IS NOT NULL LIMIT 1),
	CASE p_etat WHEN 'creation' THEN 'Créé' WHEN 'modification' THEN 'En cours de rédaction'
		    WHEN 'supression' THEN 'Supprimé' WHEN 'fatal-error' THEN 'Erreur fatale' END,
	p_etat);

CREATE FUNCTION dossier_etat_label(p_type text, p_version integer, p_etat text) RETURNS text
LANGUAGE sql STABLE SET search_path = liasse, pg_catalog
RETURN coalesce((SELECT label FROM dossier_type_etat WHERE type = p_type AND version = p_version
		 AND etat = p_etat), def_state_label(type_def(p_type, p_version), p_etat));

-- The entries of action P_ACTION (several entries = alternative rules),
-- with PASTELL's implicit actions when the definition does not declare them.
CREATE FUNCTION def_action_entries(p_def jsonb, p_action text) RETURNS SETOF jsonb
LANGUAGE sql IMMUTABLE SET search_path = liasse, pg_catalog AS $$
	SELECT e FROM (
		SELECT a AS e, 0 AS k FROM jsonb_array_elements(p_def->'actions') a
		WHERE a->>'id' = p_action
		UNION ALL
		SELECT (a - 'or') || alt, o FROM jsonb_array_elements(p_def->'actions') a,
			jsonb_array_elements(a->'or') WITH ORDINALITY x(alt, o)
		WHERE a->>'id' = p_action AND jsonb_typeof(a->'or') = 'array') s
	UNION ALL
	SELECT i FROM (VALUES
		('{"id":"creation","label":"Créer","state":"creation","state_label":"Créé","from":[],"right":"edition","batch":false}'::jsonb),
		('{"id":"modification","label":"Modifier","state":"modification","state_label":"En cours de rédaction","from":["creation","modification"],"right":"edition","batch":false}'),
		('{"id":"supression","label":"Supprimer","state":"supression","state_label":"Supprimé","from":["*"],"right":"edition","batch":true,"warning":"Le dossier sera supprimé définitivement."}'),
		('{"id":"fatal-error","label":"Erreur fatale","state":"fatal-error","state_label":"Erreur fatale","from":["*"],"right":"edition","batch":false}')) v(i)
	WHERE i->>'id' = p_action
	  AND NOT EXISTS (SELECT FROM jsonb_array_elements(p_def->'actions') a
			  WHERE a->>'id' = p_action)
$$;

CREATE FUNCTION value_truthy(p text) RETURNS boolean
LANGUAGE sql IMMUTABLE SET search_path = liasse, pg_catalog
RETURN lower(coalesce(p, '')) IN ('on', '1', 'true', 't', 'oui', 'yes', 'y');

CREATE FUNCTION taille_fr(p bigint) RETURNS text
LANGUAGE sql IMMUTABLE SET search_path = liasse, pg_catalog
RETURN CASE WHEN p >= 1048576 THEN replace(round(p / 1048576.0, 1)::text, '.', ',') || ' Mo'
	    WHEN p >= 1024 THEN replace(round(p / 1024.0, 1)::text, '.', ',') || ' Ko'
	    ELSE p::text || ' octets' END;

-- Why VALUE is not acceptable for FIELD (French), or NULL when it is.
-- "Required" is checked elsewhere: an empty value is always accepted here.
CREATE FUNCTION field_value_error(p_field jsonb, p_value text) RETURNS text
LANGUAGE plpgsql IMMUTABLE SET search_path = liasse, pg_catalog AS $$
DECLARE
	v_label text := def_label(p_field);
	v_type text := coalesce(p_field->>'type', 'text');
	v_c text;
	v_item text;
	v_re text;
BEGIN
	IF p_value IS NULL OR p_value = '' THEN
		RETURN NULL;
	END IF;
	IF p_value ~ '[\u0001-\u0008\u000b\u000c\u000e-\u001f\u007f]' THEN
		RETURN format('Le champ « %s » contient un caractère de contrôle.', v_label);
	END IF;
	IF v_type <> 'textarea' AND p_value ~ '[\r\n]' THEN
		RETURN format('Le champ « %s » ne doit pas contenir de retour à la ligne.', v_label);
	END IF;
	IF jsonb_typeof(p_field->'max') = 'number' AND (p_field->>'max')::numeric >= 0
	   AND char_length(p_value) > (p_field->>'max')::numeric THEN
		RETURN format('Le champ « %s » est limité à %s caractères (%s saisis).', v_label,
			      p_field->>'max', char_length(p_value));
	END IF;
	IF coalesce(p_field->>'forbid', '') <> '' THEN
		FOREACH v_c IN ARRAY regexp_split_to_array(p_field->>'forbid', '') LOOP
			IF strpos(p_value, v_c) > 0 THEN
				RETURN format('Le champ « %s » contient un caractère interdit : « %s ».',
					      v_label, v_c);
			END IF;
		END LOOP;
	END IF;
	IF def_flag(p_field, 'latin1') THEN
		v_c := substring(p_value FROM '[^\u0001-\u00ff]');
		IF v_c IS NOT NULL THEN
			RETURN format('Le champ « %s » contient « %s », un caractère que la norme ISO-8859-1 ne permet pas.',
				      v_label, v_c);
		END IF;
	END IF;
	v_re := nullif(p_field->>'regex', '');
	IF v_re IS NOT NULL THEN
		BEGIN
			IF p_value !~ v_re THEN
				RETURN coalesce(nullif(p_field->>'regex_error', ''),
					format('Le champ « %s » n''a pas le format attendu.', v_label));
			END IF;
		EXCEPTION WHEN invalid_regular_expression THEN
			RETURN format('Le champ « %s » a une expression de contrôle invalide.', v_label);
		END;
	END IF;
	CASE v_type
	WHEN 'date' THEN
		IF p_value !~ '^\d{4}-\d{2}-\d{2}$' THEN
			RETURN format('Le champ « %s » attend une date AAAA-MM-JJ (« %s »).', v_label, p_value);
		END IF;
		BEGIN
			PERFORM p_value::date;
		EXCEPTION WHEN others THEN
			RETURN format('Le champ « %s » : la date « %s » n''existe pas.', v_label, p_value);
		END;
		IF def_flag(p_field, 'not_future') AND p_value::date > current_date THEN
			RETURN format('Le champ « %s » ne peut pas être dans le futur (%s).', v_label,
				      to_char(p_value::date, 'DD/MM/YYYY'));
		END IF;
	WHEN 'number' THEN
		IF p_value !~ '^-?[0-9]+([.,][0-9]+)?$' THEN
			RETURN format('Le champ « %s » attend un nombre (« %s »).', v_label, p_value);
		END IF;
		IF jsonb_typeof(p_field->'min_value') = 'number'
		   AND replace(p_value, ',', '.')::numeric < (p_field->>'min_value')::numeric THEN
			RETURN format('Le champ « %s » doit valoir au moins %s.', v_label, p_field->>'min_value');
		END IF;
		IF jsonb_typeof(p_field->'max_value') = 'number'
		   AND replace(p_value, ',', '.')::numeric > (p_field->>'max_value')::numeric THEN
			RETURN format('Le champ « %s » doit valoir au plus %s.', v_label, p_field->>'max_value');
		END IF;
	WHEN 'select' THEN
		IF jsonb_array_length(coalesce(p_field->'options', '[]')) > 0
		   AND NOT EXISTS (SELECT FROM jsonb_array_elements(p_field->'options') o
				   WHERE o->>'value' = p_value) THEN
			RETURN format('Valeur « %s » non autorisée pour le champ « %s ».', p_value, v_label);
		END IF;
	WHEN 'email-list' THEN
		FOREACH v_item IN ARRAY regexp_split_to_array(p_value, '\s*,\s*') LOOP
			v_item := btrim(v_item);
			IF v_item <> '' AND v_item !~ '^[^@[:space:]<>",;]+@[^@[:space:]<>",;]+\.[^@[:space:]<>",;]+$'
			   AND v_item !~ '^(groupe|role)( global| hérité de [^:]+)?: *"[^"]+"$'
			   AND v_item !~ '^"[^"]*" *<[^@[:space:]<>]+@[^@[:space:]<>]+>$' THEN
				RETURN format('Le champ « %s » : « %s » n''est ni une adresse électronique ni un groupe.',
					      v_label, v_item);
			END IF;
		END LOOP;
	ELSE
		NULL;
	END CASE;
	RETURN NULL;
END
$$;

-- MIME type from the first bytes of a file (what we need: PDF, XML, PNG,
-- JPEG, ZIP; else text/plain for valid UTF-8 text, else octet-stream).
CREATE FUNCTION fichier_sniff(p_head bytea) RETURNS text
LANGUAGE plpgsql IMMUTABLE SET search_path = liasse, pg_catalog AS $$
DECLARE
	v bytea := coalesce(p_head, '');
	v_txt text;
BEGIN
	IF substring(v FROM 1 FOR 5) = '\x255044462d'::bytea THEN
		RETURN 'application/pdf';
	ELSIF substring(v FROM 1 FOR 8) = '\x89504e470d0a1a0a'::bytea THEN
		RETURN 'image/png';
	ELSIF substring(v FROM 1 FOR 3) = '\xffd8ff'::bytea THEN
		RETURN 'image/jpeg';
	ELSIF substring(v FROM 1 FOR 4) IN ('\x504b0304'::bytea, '\x504b0506'::bytea) THEN
		RETURN 'application/zip';
	END IF;
	IF substring(v FROM 1 FOR 3) = '\xefbbbf'::bytea THEN
		v := substring(v FROM 4);
	END IF;
	-- XML: optional whitespace then "<?xml" or "<" and a name start.
	v_txt := encode(substring(v FROM 1 FOR 64), 'escape');
	IF v_txt ~ '^\s*<(\?xml|[A-Za-z_])' THEN
		RETURN 'application/xml';
	END IF;
	IF position('\x00'::bytea IN v) > 0 THEN
		RETURN 'application/octet-stream';
	END IF;
	-- Valid UTF-8 (the head may end inside a character).
	FOR i IN 0..3 LOOP
		BEGIN
			PERFORM convert_from(substring(v FROM 1 FOR length(v) - i), 'UTF8');
			RETURN 'text/plain';
		EXCEPTION WHEN others THEN
			NULL;
		END;
	END LOOP;
	RETURN 'application/octet-stream';
END
$$;

CREATE FUNCTION mime_allowed(p_mime text, p_types jsonb) RETURNS boolean
LANGUAGE sql IMMUTABLE SET search_path = liasse, pg_catalog
RETURN jsonb_array_length(coalesce(p_types, '[]')) = 0
	OR EXISTS (SELECT FROM jsonb_array_elements_text(p_types) t
		   WHERE t = p_mime OR t = '*/*'
		      OR (t IN ('text/xml', 'application/xml') AND p_mime = 'application/xml')
		      OR (right(t, 2) = '/*' AND left(p_mime, length(t) - 1) = left(t, length(t) - 1)));

------------------------------------------------------------------------
-- Tables
------------------------------------------------------------------------

CREATE TABLE dossier (
	id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	entite_id    bigint NOT NULL REFERENCES entite,
	type         text NOT NULL,
	type_version integer NOT NULL,
	titre        text NOT NULL DEFAULT '',
	etat         text NOT NULL,
	etat_at      timestamptz NOT NULL DEFAULT now(),
	version      integer NOT NULL DEFAULT 1,
	index_text   text NOT NULL DEFAULT '',
	search       tsvector GENERATED ALWAYS AS
			(to_tsvector('liasse.fr'::regconfig, titre || ' ' || index_text)) STORED,
	created_at   timestamptz NOT NULL DEFAULT now(),
	created_by   text NOT NULL,
	modified_at  timestamptz NOT NULL DEFAULT now(),
	modified_by  text NOT NULL,
	FOREIGN KEY (type, type_version) REFERENCES dossier_type_version (type, version)
);
CREATE INDEX dossier_liste_date ON dossier (entite_id, type, etat_at DESC, id DESC);
CREATE INDEX dossier_liste_etat ON dossier (entite_id, type, etat, etat_at DESC, id DESC);
CREATE INDEX dossier_liste_titre ON dossier (entite_id, type, titre, id);
CREATE INDEX dossier_type_date ON dossier (type, etat_at DESC, id DESC);
CREATE INDEX dossier_entite_date ON dossier (entite_id, etat_at DESC, id DESC);
CREATE INDEX dossier_search ON dossier USING gin (search);

-- Field values (several rows for a multiple field).
CREATE TABLE dossier_valeur (
	dossier_id bigint NOT NULL REFERENCES dossier ON DELETE CASCADE,
	entite_id  bigint NOT NULL,
	type       text NOT NULL,
	champ      text NOT NULL,
	n          integer NOT NULL DEFAULT 0,
	valeur     text NOT NULL,
	PRIMARY KEY (dossier_id, champ, n)
);
CREATE INDEX dossier_valeur_numero_acte ON dossier_valeur (entite_id, valeur)
	WHERE champ = 'numero_de_lacte';

-- One row per indexed field (fields marked "index"), '' when empty: sortable
-- and filterable with an index.
CREATE TABLE dossier_index (
	dossier_id bigint NOT NULL REFERENCES dossier ON DELETE CASCADE,
	entite_id  bigint NOT NULL,
	type       text NOT NULL,
	champ      text NOT NULL,
	valeur     text NOT NULL,
	PRIMARY KEY (dossier_id, champ)
);
CREATE INDEX dossier_index_tri ON dossier_index (entite_id, type, champ, valeur, dossier_id);

-- State history ("États du dossier").
CREATE TABLE dossier_etat (
	id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	dossier_id  bigint NOT NULL REFERENCES dossier ON DELETE CASCADE,
	entite_id   bigint NOT NULL,
	type        text NOT NULL,
	etat        text NOT NULL,
	action      text NOT NULL,
	at          timestamptz NOT NULL DEFAULT now(),
	utilisateur text NOT NULL,
	message     text
);
CREATE INDEX dossier_etat_dossier ON dossier_etat (dossier_id, id);
CREATE INDEX dossier_etat_passage ON dossier_etat (dossier_id, etat, at);
-- "Has passed through state X (between dates)" searches start here.
CREATE INDEX dossier_etat_recherche ON dossier_etat (etat, entite_id, at) INCLUDE (dossier_id, type);

CREATE TABLE fichier (
	id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	dossier_id bigint NOT NULL REFERENCES dossier ON DELETE CASCADE,
	entite_id  bigint NOT NULL,
	type       text NOT NULL,
	champ      text NOT NULL,
	n          integer NOT NULL DEFAULT 0,
	nom        text NOT NULL,
	mime       text,
	taille     bigint NOT NULL DEFAULT 0,
	sha256     text,
	complet    boolean NOT NULL DEFAULT false,
	txid       bigint NOT NULL DEFAULT txid_current(),
	created_at timestamptz NOT NULL DEFAULT now(),
	created_by text NOT NULL
);
CREATE UNIQUE INDEX fichier_champ ON fichier (dossier_id, champ, n) WHERE complet;
CREATE INDEX fichier_dossier ON fichier (dossier_id);

CREATE TABLE fichier_bloc (
	fichier_id bigint NOT NULL REFERENCES fichier ON DELETE CASCADE,
	n          integer NOT NULL,
	entite_id  bigint NOT NULL,
	type       text NOT NULL,
	data       bytea NOT NULL,
	PRIMARY KEY (fichier_id, n)
);
ALTER TABLE fichier_bloc ALTER COLUMN data SET STORAGE EXTERNAL;

-- First consultation of a dossier by a user (journal type 7 once).
CREATE TABLE dossier_consultation (
	dossier_id     bigint NOT NULL REFERENCES dossier ON DELETE CASCADE,
	utilisateur_id bigint NOT NULL REFERENCES utilisateur ON DELETE CASCADE,
	entite_id      bigint NOT NULL,
	type           text NOT NULL,
	at             timestamptz NOT NULL DEFAULT now(),
	PRIMARY KEY (dossier_id, utilisateur_id)
);

-- Work for the daemon: automatic next actions, connector actions asked by
-- a user, batch actions. The daemon claims rows FOR UPDATE SKIP LOCKED.
CREATE TABLE job (
	id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	entite_id    bigint NOT NULL,
	type         text NOT NULL,
	dossier_id   bigint REFERENCES dossier ON DELETE CASCADE,
	action       text NOT NULL,
	etat_source  text,
	lot          boolean NOT NULL DEFAULT false,
	run_at       timestamptz NOT NULL DEFAULT now(),
	created_at   timestamptz NOT NULL DEFAULT now(),
	created_by   text NOT NULL,
	nb_try       integer NOT NULL DEFAULT 0,
	last_message text,
	locked_until timestamptz,
	locked_by    text
);
CREATE INDEX job_run ON job (run_at) WHERE locked_until IS NULL;
CREATE INDEX job_dossier ON job (dossier_id);

-- Dossiers per (entity, type, state), kept by a trigger: menu counts and
-- exact list totals without counting rows.
CREATE TABLE dossier_compte (
	entite_id bigint NOT NULL,
	type      text NOT NULL,
	etat      text NOT NULL,
	n         bigint NOT NULL,
	PRIMARY KEY (entite_id, type, etat)
);

CREATE FUNCTION dossier_compter() RETURNS trigger
LANGUAGE plpgsql SET search_path = liasse, pg_catalog AS $$
BEGIN
	IF TG_OP IN ('UPDATE', 'DELETE') THEN
		UPDATE dossier_compte SET n = n - 1
		WHERE entite_id = OLD.entite_id AND type = OLD.type AND etat = OLD.etat;
	END IF;
	IF TG_OP IN ('UPDATE', 'INSERT') THEN
		INSERT INTO dossier_compte AS c (entite_id, type, etat, n)
		VALUES (NEW.entite_id, NEW.type, NEW.etat, 1)
		ON CONFLICT (entite_id, type, etat) DO UPDATE SET n = c.n + 1;
	END IF;
	RETURN NULL;
END
$$;
CREATE TRIGGER dossier_compter AFTER INSERT OR DELETE OR UPDATE OF etat, entite_id ON dossier
	FOR EACH ROW EXECUTE FUNCTION dossier_compter();

-- Recomputes the counters (after a bulk load with the trigger disabled).
CREATE FUNCTION dossier_compte_rebuild() RETURNS void
LANGUAGE sql SET search_path = liasse, pg_catalog AS $$
	DELETE FROM dossier_compte;
	INSERT INTO dossier_compte SELECT entite_id, type, etat, count(*) FROM dossier
		GROUP BY entite_id, type, etat;
$$;
REVOKE EXECUTE ON FUNCTION dossier_compte_rebuild() FROM liasse_agent;

------------------------------------------------------------------------
-- Row Level Security: an agent reads the rows of the (entity, type)
-- pairs where she holds <type>:lecture (and their sub-entities).
------------------------------------------------------------------------

-- The same rows as my_rights() restricted to <type>:lecture, computed
-- directly: is_owner() is evaluated once (scalar sub-select), not once per
-- (entity, right) pair. PL/pgSQL rather than SQL: its plans are cached
-- for the session, where a SQL function is planned at every call.
CREATE FUNCTION dossier_scope() RETURNS TABLE (entite_id bigint, type text)
LANGUAGE plpgsql STABLE SECURITY DEFINER ROWS 50 SET search_path = liasse, pg_catalog AS $$
BEGIN
	IF is_owner() THEN
		RETURN QUERY SELECT e.id, t.type FROM entite e,
			(SELECT DISTINCT v.type FROM dossier_type_version v) t;
		RETURN;
	END IF;
	RETURN QUERY SELECT DISTINCT ea.entite_id, left(rd.droit, -8)
	FROM utilisateur u
	JOIN utilisateur_role ur ON ur.utilisateur_id = u.id
	JOIN role_droit rd ON rd.role = ur.role AND rd.droit LIKE '%:lecture'
	JOIN entite_ancetre ea ON ea.ancetre_id = ur.entite_id
	WHERE u.login = session_user AND u.actif;
END
$$;

DO $$
DECLARE
	t text;
BEGIN
	FOREACH t IN ARRAY ARRAY['dossier', 'dossier_valeur', 'dossier_index', 'dossier_etat',
				 'fichier', 'fichier_bloc', 'dossier_consultation', 'job',
				 'dossier_compte'] LOOP
		EXECUTE format('ALTER TABLE %I ENABLE ROW LEVEL SECURITY', t);
		EXECUTE format('CREATE POLICY %I ON %I FOR SELECT USING ((entite_id, type) IN '
			       '(SELECT s.entite_id, s.type FROM liasse.dossier_scope() s))',
			       t || '_lecture', t);
		EXECUTE format('REVOKE ALL ON %I FROM PUBLIC', t);
		EXECUTE format('GRANT SELECT ON %I TO liasse_agent', t);
	END LOOP;
END
$$;
GRANT SELECT ON dossier_type_version, dossier_type, dossier_type_etat TO liasse_agent;

-- The entity and those of its sub-entities where the caller reads some
-- dossier type (SECURITY DEFINER: no Row Level Security cost on the tree).
CREATE FUNCTION dossier_entites(p_entite bigint, p_sous_entites boolean) RETURNS SETOF bigint
LANGUAGE plpgsql STABLE SECURITY DEFINER ROWS 20 SET search_path = liasse, pg_catalog AS $$
BEGIN
	RETURN QUERY SELECT DISTINCT s.entite_id FROM dossier_scope() s
	WHERE s.entite_id = p_entite
	   OR (p_sous_entites AND s.entite_id IN (SELECT a.entite_id FROM entite_ancetre a
						  WHERE a.ancetre_id = p_entite));
END
$$;

-- The names of the entities (among P_IDS) where the caller reads dossiers:
-- one call per list page.
CREATE FUNCTION dossier_entite_noms(p_ids bigint[]) RETURNS TABLE (id bigint, nom text)
LANGUAGE plpgsql STABLE SECURITY DEFINER ROWS 20 SET search_path = liasse, pg_catalog AS $$
BEGIN
	RETURN QUERY SELECT e.id, e.denomination FROM entite e
	WHERE e.id = ANY (p_ids) AND e.id IN (SELECT s.entite_id FROM dossier_scope() s);
END
$$;

------------------------------------------------------------------------
-- Helpers used by the functions agents call (SECURITY INVOKER: called
-- directly by an agent they fail on privileges).
------------------------------------------------------------------------

-- Who acts: the agent's login, 'Action automatique' for the daemon.
CREATE FUNCTION dossier_who() RETURNS text
LANGUAGE sql STABLE SET search_path = liasse, pg_catalog
RETURN coalesce((SELECT login::text FROM utilisateur WHERE id = current_utilisateur_id()),
		CASE WHEN coalesce(current_setting('liasse.automatique', true), '') = 'on'
		     THEN 'Action automatique' ELSE session_user::text END);

-- The daemon (a non-agent role that owns the schema) may run system actions.
CREATE FUNCTION dossier_system_caller() RETURNS boolean
LANGUAGE sql STABLE SET search_path = liasse, pg_catalog
RETURN current_utilisateur_id() IS NULL AND is_owner();

-- The dossier, locked when P_LOCK; LI404 when the caller may not read it,
-- LI403 when P_ACCESS is 'edition' and she may not edit it.
CREATE FUNCTION dossier_fetch(p_dossier bigint, p_access text, p_lock boolean) RETURNS dossier
LANGUAGE plpgsql SET search_path = liasse, pg_catalog AS $$
DECLARE
	d dossier;
BEGIN
	IF p_lock THEN
		SELECT * INTO d FROM dossier WHERE id = p_dossier FOR UPDATE;
	ELSE
		SELECT * INTO d FROM dossier WHERE id = p_dossier;
	END IF;
	IF d.id IS NULL OR NOT (has_right(d.entite_id, d.type || ':lecture')
				OR has_right(d.entite_id, d.type || ':edition')) THEN
		RAISE EXCEPTION 'Dossier % introuvable.', coalesce(p_dossier::text, '(vide)')
			USING ERRCODE = 'LI404';
	END IF;
	IF p_access = 'edition' AND NOT has_right(d.entite_id, d.type || ':edition') THEN
		RAISE EXCEPTION 'Droit « %:edition » manquant sur l''entité %.', d.type,
			entite_label(d.entite_id) USING ERRCODE = 'LI403';
	END IF;
	RETURN d;
END
$$;

-- Optimistic locking: P_VERSION NULL skips the check.
CREATE FUNCTION dossier_check_version(d dossier, p_version integer) RETURNS void
LANGUAGE plpgsql SET search_path = liasse, pg_catalog AS $$
BEGIN
	IF p_version IS NOT NULL AND p_version <> d.version THEN
		RAISE EXCEPTION 'Ce dossier a été modifié par % le %.', d.modified_by,
			to_char(d.modified_at, 'DD/MM/YYYY "à" HH24:MI:SS')
			USING ERRCODE = 'LI409',
			      DETAIL = format('version %s attendue, version actuelle %s', p_version, d.version);
	END IF;
END
$$;

CREATE FUNCTION dossier_values_text(p_dossier bigint, p_champ text) RETURNS text
LANGUAGE sql STABLE SET search_path = liasse, pg_catalog
RETURN (SELECT string_agg(valeur, ',' ORDER BY n) FROM dossier_valeur
	WHERE dossier_id = p_dossier AND champ = p_champ);

-- Does the field's value match V (a string, a boolean, or a list = any)?
CREATE FUNCTION dossier_value_matches(p_dossier bigint, p_def jsonb, p_champ text, p_v jsonb)
RETURNS boolean
LANGUAGE plpgsql STABLE SET search_path = liasse, pg_catalog AS $$
DECLARE
	v_cur text;
	v_f jsonb := def_field(p_def, p_champ);
	v_x jsonb;
BEGIN
	IF jsonb_typeof(p_v) = 'array' THEN
		FOR v_x IN SELECT jsonb_array_elements(p_v) LOOP
			IF dossier_value_matches(p_dossier, p_def, p_champ, v_x) THEN
				RETURN true;
			END IF;
		END LOOP;
		RETURN false;
	END IF;
	IF v_f->>'type' = 'file' THEN
		v_cur := (SELECT CASE WHEN count(*) > 0 THEN 'on' END FROM fichier
			  WHERE dossier_id = p_dossier AND champ = p_champ AND complet);
	ELSE
		v_cur := dossier_values_text(p_dossier, p_champ);
	END IF;
	IF jsonb_typeof(p_v) = 'boolean' THEN
		RETURN (coalesce(v_cur, '') <> '' AND (coalesce(v_f->>'type', '') <> 'checkbox'
							 OR value_truthy(v_cur))) = (p_v::text)::boolean;
	END IF;
	IF v_f->>'type' IN ('checkbox', 'file') THEN
		RETURN (coalesce(v_cur, '') <> '') = (value_truthy(p_v#>>'{}'));
	END IF;
	RETURN coalesce(v_cur, '') = coalesce(p_v#>>'{}', '');
END
$$;

-- Cross-field checks of the definition ("same", "le", "one-of").
CREATE FUNCTION dossier_checks_reason(p_dossier bigint, p_def jsonb) RETURNS text
LANGUAGE plpgsql STABLE SET search_path = liasse, pg_catalog AS $$
DECLARE
	c jsonb;
	v_l numeric;
	v_r numeric;
	v_missing boolean;
BEGIN
	FOR c IN SELECT jsonb_array_elements(p_def->'checks') LOOP
		CASE c->>'kind'
		WHEN 'same' THEN
			IF EXISTS (SELECT FROM jsonb_array_elements_text(c->'left') l,
					jsonb_array_elements_text(c->'right') r
				   WHERE coalesce(dossier_values_text(p_dossier, l), '')
					 <> coalesce(dossier_values_text(p_dossier, r), '')) THEN
				RETURN c->>'message';
			END IF;
		WHEN 'le' THEN
			SELECT bool_or(coalesce(dossier_values_text(p_dossier, f), '') !~ '^-?[0-9]+([.,][0-9]+)?$')
			INTO v_missing
			FROM (SELECT jsonb_array_elements_text(c->'left') UNION ALL
			      SELECT jsonb_array_elements_text(c->'right')) x(f);
			CONTINUE WHEN v_missing;
			SELECT sum(replace(dossier_values_text(p_dossier, f), ',', '.')::numeric) INTO v_l
			FROM jsonb_array_elements_text(c->'left') f;
			SELECT sum(replace(dossier_values_text(p_dossier, f), ',', '.')::numeric) INTO v_r
			FROM jsonb_array_elements_text(c->'right') f;
			IF v_l > v_r THEN
				RETURN c->>'message';
			END IF;
		WHEN 'one-of' THEN
			IF NOT EXISTS (SELECT FROM jsonb_array_elements_text(c->'left') f
				       WHERE coalesce(dossier_values_text(p_dossier, f), '') <> ''
					  OR EXISTS (SELECT FROM fichier WHERE dossier_id = p_dossier
						     AND champ = f AND complet)) THEN
				RETURN c->>'message';
			END IF;
		ELSE
			NULL;
		END CASE;
	END LOOP;
	RETURN NULL;
END
$$;

-- Does a file of type P_MIME in field P_CHAMP pass the "type-if" checks?
-- Returns the message of the first failing check, or NULL.
CREATE FUNCTION dossier_type_if_reason(p_dossier bigint, p_def jsonb, p_champ text, p_mime text)
RETURNS text
LANGUAGE sql STABLE SET search_path = liasse, pg_catalog
RETURN (SELECT c->>'message' FROM jsonb_array_elements(p_def->'checks') c
	WHERE c->>'kind' = 'type-if' AND c->'left' ? p_champ
	  AND mime_allowed(p_mime, jsonb_build_array(c->>'content_type'))
	  AND EXISTS (SELECT FROM jsonb_array_elements(c->'if') k
		      WHERE NOT (CASE WHEN right(k->>'value', 1) = '*'
				      THEN coalesce(dossier_values_text(p_dossier, k->>'field'), '')
					   LIKE left(k->>'value', -1) || '%'
				      ELSE coalesce(dossier_values_text(p_dossier, k->>'field'), '') = k->>'value' END))
	LIMIT 1);

-- Why the dossier is not valid (required field empty, invalid value), or NULL.
CREATE FUNCTION dossier_invalid_reason(d dossier, p_def jsonb) RETURNS text
LANGUAGE plpgsql STABLE SET search_path = liasse, pg_catalog AS $$
DECLARE
	v_f jsonb;
	v_cond jsonb;
	v_val text;
	v_err text;
BEGIN
	FOR v_f IN SELECT jsonb_array_elements(p_def->'fields') LOOP
		IF v_f->>'tab' IS NOT NULL THEN
			SELECT t->'condition' INTO v_cond FROM jsonb_array_elements(p_def->'tabs') t
			WHERE t->>'id' = v_f->>'tab';
			IF jsonb_typeof(v_cond) = 'object' AND v_cond->>'field' IS NOT NULL
			   AND NOT dossier_value_matches(d.id, p_def, v_cond->>'field', v_cond->'value') THEN
				CONTINUE;
			END IF;
		END IF;
		IF def_flag(v_f, 'required') AND v_f->>'type' <> 'checkbox' THEN
			IF v_f->>'type' = 'file' THEN
				IF NOT EXISTS (SELECT FROM fichier WHERE dossier_id = d.id
					       AND champ = v_f->>'id' AND complet) THEN
					RETURN format('le champ obligatoire « %s » n''a pas de fichier', def_label(v_f));
				END IF;
			ELSIF NOT EXISTS (SELECT FROM dossier_valeur WHERE dossier_id = d.id
					  AND champ = v_f->>'id' AND valeur <> '') THEN
				RETURN format('le champ obligatoire « %s » n''est pas rempli', def_label(v_f));
			END IF;
		END IF;
		FOR v_val IN SELECT valeur FROM dossier_valeur
			     WHERE dossier_id = d.id AND champ = v_f->>'id' LOOP
			v_err := field_value_error(v_f, v_val);
			IF v_err IS NOT NULL THEN
				RETURN v_err;
			END IF;
		END LOOP;
	END LOOP;
	RETURN dossier_checks_reason(d.id, p_def);
END
$$;

-- Why action entry A (one rule) may not run now, or NULL when it may
-- (rights and system flag are checked by the caller).
CREATE FUNCTION dossier_rule_refusal(d dossier, p_def jsonb, a jsonb, p_check_valid boolean)
RETURNS text
LANGUAGE plpgsql STABLE SET search_path = liasse, pg_catalog AS $$
DECLARE
	v_k text;
	v_v jsonb;
	v_r text;
BEGIN
	IF def_flag(a, 'initial') OR jsonb_array_length(coalesce(a->'from', '[]')) = 0 THEN
		RETURN 'c''est l''action de création du dossier';
	END IF;
	IF NOT (a->'from' ? '*' OR a->'from' ? d.etat) THEN
		RETURN format('l''état « %s » ne le permet pas', def_state_label(p_def, d.etat));
	END IF;
	IF jsonb_array_length(coalesce(a->'has', '[]')) > 0 AND NOT EXISTS (
		SELECT FROM dossier_etat h WHERE h.dossier_id = d.id
		AND (a->'has' ? h.etat OR a->'has' ? h.action)) THEN
		RETURN format('le dossier n''est pas passé par l''état « %s »',
			      def_state_label(p_def, a->'has'->>0));
	END IF;
	IF jsonb_array_length(coalesce(a->'not_has', '[]')) > 0 AND EXISTS (
		SELECT FROM dossier_etat h WHERE h.dossier_id = d.id
		AND (a->'not_has' ? h.etat OR a->'not_has' ? h.action)) THEN
		RETURN 'le dossier est déjà passé par cette étape';
	END IF;
	FOR v_k, v_v IN SELECT * FROM jsonb_each(coalesce(a->'fields', '{}')) LOOP
		IF NOT dossier_value_matches(d.id, p_def, v_k, v_v) THEN
			RETURN format('le champ « %s » ne le permet pas',
				      def_label(coalesce(def_field(p_def, v_k), jsonb_build_object('id', v_k))));
		END IF;
	END LOOP;
	IF p_check_valid AND def_flag(a, 'valid') THEN
		v_r := dossier_invalid_reason(d, p_def);
		IF v_r IS NOT NULL THEN
			RETURN v_r;
		END IF;
	END IF;
	RETURN NULL;
END
$$;

-- The first entry of P_ACTION the caller may run now (NULL if none), and
-- otherwise the reason and SQLSTATE of the refusal.
CREATE FUNCTION dossier_action_pick(d dossier, p_def jsonb, p_action text, p_sys boolean,
				    OUT entry jsonb, OUT reason text, OUT code text)
LANGUAGE plpgsql STABLE SET search_path = liasse, pg_catalog AS $$
DECLARE
	a jsonb;
	v_r text;
	v_state_only boolean := true;
BEGIN
	code := 'LI404';
	reason := format('Action « %s » inconnue pour le type %s.', p_action, d.type);
	FOR a IN SELECT * FROM def_action_entries(p_def, p_action) LOOP
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

-- The next step of a Studio-style type ("orientation"): the first step
-- whose condition holds and whose states the dossier never reached.
CREATE FUNCTION dossier_orientation_next(p_dossier bigint, p_def jsonb) RETURNS text
LANGUAGE sql STABLE SET search_path = liasse, pg_catalog
RETURN (SELECT st->>'action' FROM jsonb_array_elements(p_def->'steps') WITH ORDINALITY x(st, o)
	WHERE (jsonb_typeof(st->'condition') IS DISTINCT FROM 'object'
	       OR dossier_value_matches(p_dossier, p_def, st->'condition'->>'field', st->'condition'->'value'))
	  AND NOT EXISTS (SELECT FROM dossier_etat h WHERE h.dossier_id = p_dossier
			  AND (st->'done' ? h.etat OR st->'done' ? h.action))
	ORDER BY o LIMIT 1);

-- Replaces pending jobs after a state change, schedules the automatic next action.
CREATE FUNCTION dossier_jobs_after(d dossier, a jsonb, p_etat text) RETURNS void
LANGUAGE plpgsql SET search_path = liasse, pg_catalog AS $$
DECLARE
	v_def jsonb := type_def(d.type, d.type_version);
	v_next text := nullif(a->>'auto', '');
BEGIN
	DELETE FROM job WHERE dossier_id = d.id AND NOT lot
		AND (locked_until IS NULL OR locked_until < now());
	IF jsonb_typeof(a->'auto_if') = 'object'
	   AND NOT dossier_value_matches(d.id, v_def, a->'auto_if'->>'field', a->'auto_if'->'value') THEN
		v_next := NULL;
	END IF;
	IF def_flag(a, 'orientation') THEN
		v_next := dossier_orientation_next(d.id, v_def);
	END IF;
	IF v_next IS NOT NULL AND p_etat NOT IN ('fatal-error', 'supression') THEN
		INSERT INTO job (entite_id, type, dossier_id, action, etat_source, created_by)
		VALUES (d.entite_id, d.type, d.id, v_next, p_etat, dossier_who());
		PERFORM pg_notify('liasse_job', d.id::text);
	END IF;
END
$$;

CREATE FUNCTION dossier_notify(p_entite bigint, p_dossier bigint, p_etat text) RETURNS void
LANGUAGE sql SET search_path = liasse, pg_catalog AS $$
	SELECT pg_notify('liasse_dossier', format('%s:%s:%s', p_entite, p_dossier, p_etat));
$$;

-- Recomputes title, indexed values and the search text from the values.
CREATE FUNCTION dossier_refresh(p_dossier bigint, p_def jsonb) RETURNS void
LANGUAGE plpgsql SET search_path = liasse, pg_catalog AS $$
DECLARE
	d dossier;
	v_title text;
BEGIN
	SELECT * INTO d FROM dossier WHERE id = p_dossier;
	SELECT f->>'id' INTO v_title FROM jsonb_array_elements(p_def->'fields') f
	WHERE def_flag(f, 'title') LIMIT 1;
	DELETE FROM dossier_index WHERE dossier_id = d.id;
	INSERT INTO dossier_index (dossier_id, entite_id, type, champ, valeur)
	SELECT d.id, d.entite_id, d.type, f->>'id',
	       left(coalesce((SELECT string_agg(valeur, ', ' ORDER BY n) FROM dossier_valeur v
			      WHERE v.dossier_id = d.id AND v.champ = f->>'id'), ''), 200)
	FROM jsonb_array_elements(p_def->'fields') f
	WHERE def_flag(f, 'index') AND f->>'type' NOT IN ('file', 'password');
	UPDATE dossier SET
		titre = CASE WHEN v_title IS NULL THEN titre
			     ELSE coalesce((SELECT valeur FROM dossier_valeur WHERE dossier_id = d.id
					    AND champ = v_title ORDER BY n LIMIT 1), '') END,
		index_text = coalesce((SELECT string_agg(valeur, ' ' ORDER BY champ) FROM dossier_index
				       WHERE dossier_id = d.id AND valeur <> ''), '')
	WHERE id = d.id;
END
$$;

-- May the caller edit P_CHAMPS in the dossier's current state? Raises
-- when not; returns true when the state is kept, false when editing moves
-- the dossier to "modification".
CREATE FUNCTION dossier_edit_mode(d dossier, p_def jsonb, p_champs text[], p_sys boolean)
RETURNS boolean
LANGUAGE plpgsql STABLE SET search_path = liasse, pg_catalog AS $$
DECLARE
	v_last text;
	v_cur jsonb;
	v_editable jsonb;
	m jsonb;
	v_r text;
BEGIN
	IF p_sys THEN
		RETURN true;
	END IF;
	SELECT action INTO v_last FROM dossier_etat WHERE dossier_id = d.id ORDER BY id DESC LIMIT 1;
	SELECT a INTO v_cur FROM def_action_entries(p_def, coalesce(v_last, d.etat)) a LIMIT 1;
	IF v_cur IS NULL THEN
		SELECT a INTO v_cur FROM jsonb_array_elements(p_def->'actions') a
		WHERE a->>'state' = d.etat LIMIT 1;
	END IF;
	v_editable := coalesce(v_cur->'editable', '[]');
	IF jsonb_array_length(v_editable) > 0 AND v_editable ?& p_champs
	   AND def_flag(v_cur, 'keep_state') THEN
		RETURN true;
	END IF;
	IF d.etat = 'modification' AND (jsonb_array_length(v_editable) = 0 OR v_editable ?& p_champs) THEN
		RETURN true;
	END IF;
	FOR m IN SELECT * FROM def_action_entries(p_def, 'modification') LOOP
		v_r := dossier_rule_refusal(d, p_def, m, false);
		IF v_r IS NULL THEN
			IF jsonb_array_length(v_editable) > 0 AND NOT v_editable ?& p_champs THEN
				RAISE EXCEPTION 'Dans l''état « % », seuls ces champs sont modifiables : %.',
					def_state_label(p_def, d.etat),
					(SELECT string_agg(x, ', ') FROM jsonb_array_elements_text(v_editable) x)
					USING ERRCODE = 'LI400';
			END IF;
			RETURN def_flag(v_cur, 'keep_state');
		END IF;
	END LOOP;
	RAISE EXCEPTION 'Le dossier ne peut pas être modifié dans l''état « % ».',
		def_state_label(p_def, d.etat) USING ERRCODE = 'LI400';
END
$$;

-- After an edit: version, maybe the move to "modification", journal, notify.
CREATE FUNCTION dossier_edit_commit(d dossier, p_def jsonb, p_keep boolean, p_message text)
RETURNS integer
LANGUAGE plpgsql SET search_path = liasse, pg_catalog AS $$
DECLARE
	v_version integer;
	m jsonb;
	v_etat text;
BEGIN
	PERFORM dossier_refresh(d.id, p_def);
	IF p_keep OR d.etat = 'modification' THEN
		UPDATE dossier SET version = version + 1, modified_at = now(), modified_by = dossier_who()
		WHERE id = d.id RETURNING version INTO v_version;
		v_etat := d.etat;
	ELSE
		SELECT a INTO m FROM def_action_entries(p_def, 'modification') a LIMIT 1;
		v_etat := coalesce(m->>'state', 'modification');
		INSERT INTO dossier_etat (dossier_id, entite_id, type, etat, action, utilisateur)
		VALUES (d.id, d.entite_id, d.type, v_etat, 'modification', dossier_who());
		UPDATE dossier SET etat = v_etat, etat_at = now(), version = version + 1,
			modified_at = now(), modified_by = dossier_who()
		WHERE id = d.id RETURNING version INTO v_version;
		PERFORM dossier_jobs_after(d, m, v_etat);
	END IF;
	PERFORM journal_append(1, d.entite_id, d.id, 'modification', p_message);
	PERFORM dossier_notify(d.entite_id, d.id, v_etat);
	RETURN v_version;
END
$$;

-- Rules that span more than one value or dossier (the database is the
-- authority for them).
CREATE FUNCTION dossier_rule_check(d dossier, p_field jsonb, p_value text) RETURNS void
LANGUAGE plpgsql SET search_path = liasse, pg_catalog AS $$
DECLARE
	v_other bigint;
BEGIN
	IF p_value = '' THEN
		RETURN;
	END IF;
	IF p_field->>'id' = 'numero_de_lacte' AND d.type LIKE 'actes%' THEN
		PERFORM pg_advisory_xact_lock(hashtextextended(
			format('liasse.numero_de_lacte:%s:%s', d.entite_id, p_value), 0));
		SELECT v.dossier_id INTO v_other FROM dossier_valeur v
		WHERE v.entite_id = d.entite_id AND v.champ = 'numero_de_lacte' AND v.valeur = p_value
		  AND v.type = d.type AND v.dossier_id <> d.id LIMIT 1;
		IF v_other IS NOT NULL THEN
			RAISE EXCEPTION 'Le numéro d''acte « % » est déjà utilisé par le dossier % de cette collectivité.',
				p_value, v_other USING ERRCODE = 'LI400';
		END IF;
	END IF;
	IF p_field->>'id' = 'date_de_lacte' AND p_value ~ '^\d{4}-\d{2}-\d{2}$'
	   AND p_value::date > current_date THEN
		RAISE EXCEPTION 'La date de l''acte (%) ne peut pas être dans le futur.',
			to_char(p_value::date, 'DD/MM/YYYY') USING ERRCODE = 'LI400';
	END IF;
	IF p_field->>'id' = 'objet' AND d.type LIKE 'actes%' AND p_value ~ '[\r\n]' THEN
		RAISE EXCEPTION 'L''objet de l''acte ne doit pas contenir de retour à la ligne.'
			USING ERRCODE = 'LI400';
	END IF;
END
$$;

-- Writes the values of P_VALUES ({"champ": "v" | ["v1","v2"] | null});
-- returns the field ids written.
CREATE FUNCTION dossier_write_values(d dossier, p_def jsonb, p_values jsonb, p_readonly_ok boolean)
RETURNS text[]
LANGUAGE plpgsql SET search_path = liasse, pg_catalog AS $$
DECLARE
	v_k text;
	v_v jsonb;
	v_f jsonb;
	v_vals text[];
	v_val text;
	v_err text;
	v_done text[] := '{}';
	i integer;
BEGIN
	IF jsonb_typeof(p_values) IS DISTINCT FROM 'object' THEN
		RAISE EXCEPTION 'Les valeurs attendues sont un objet JSON {"champ": "valeur"}.'
			USING ERRCODE = 'LI400';
	END IF;
	FOR v_k, v_v IN SELECT * FROM jsonb_each(p_values) ORDER BY 1 LOOP
		v_f := def_field(p_def, v_k);
		IF v_f IS NULL THEN
			RAISE EXCEPTION 'Champ inconnu « % » pour le type %.', v_k, d.type
				USING ERRCODE = 'LI400';
		END IF;
		IF v_f->>'type' = 'file' THEN
			RAISE EXCEPTION 'Le champ « % » est un fichier : joignez-le (liasse dossier attach).',
				def_label(v_f) USING ERRCODE = 'LI400';
		END IF;
		IF v_f->>'visibility' = 'read-only' AND NOT p_readonly_ok THEN
			RAISE EXCEPTION 'Le champ « % » est en lecture seule.', def_label(v_f)
				USING ERRCODE = 'LI400';
		END IF;
		CASE jsonb_typeof(v_v)
		WHEN 'array' THEN
			SELECT coalesce(array_agg(x #>> '{}'), '{}') INTO v_vals
			FROM jsonb_array_elements(v_v) x WHERE jsonb_typeof(x) <> 'null';
		WHEN 'null' THEN
			v_vals := '{}';
		ELSE
			v_vals := ARRAY[v_v #>> '{}'];
		END CASE;
		IF v_f->>'type' = 'checkbox' THEN
			v_vals := CASE WHEN value_truthy(v_vals[1]) THEN ARRAY['on'] ELSE '{}'::text[] END;
		END IF;
		IF cardinality(v_vals) > 1 AND NOT def_flag(v_f, 'multiple') THEN
			RAISE EXCEPTION 'Le champ « % » n''accepte qu''une valeur.', def_label(v_f)
				USING ERRCODE = 'LI400';
		END IF;
		FOREACH v_val IN ARRAY v_vals LOOP
			v_err := field_value_error(v_f, v_val);
			IF v_err IS NOT NULL THEN
				RAISE EXCEPTION '%', v_err USING ERRCODE = 'LI400';
			END IF;
			PERFORM dossier_rule_check(d, v_f, v_val);
		END LOOP;
		DELETE FROM dossier_valeur WHERE dossier_id = d.id AND champ = v_k;
		i := 0;
		FOREACH v_val IN ARRAY v_vals LOOP
			CONTINUE WHEN v_val = '';
			INSERT INTO dossier_valeur (dossier_id, entite_id, type, champ, n, valeur)
			VALUES (d.id, d.entite_id, d.type, v_k, i, v_val);
			i := i + 1;
		END LOOP;
		v_done := v_done || v_k;
	END LOOP;
	RETURN v_done;
END
$$;

-- Records a state change (or deletes the dossier for "supression").
CREATE FUNCTION dossier_apply(d dossier, p_def jsonb, a jsonb, p_message text)
RETURNS TABLE (etat text, etat_label text, version integer, programme boolean)
LANGUAGE plpgsql SET search_path = liasse, pg_catalog AS $$
DECLARE
	v_etat text := coalesce(nullif(a->>'state', ''), a->>'id');
	v_label text := def_state_label(p_def, v_etat);
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
	VALUES (d.id, d.entite_id, d.type, v_etat, a->>'id', dossier_who(), p_message);
	UPDATE dossier SET etat = v_etat, etat_at = now(), version = dossier.version + 1,
		modified_at = now(), modified_by = dossier_who()
	WHERE id = d.id RETURNING dossier.version INTO v_version;
	IF v_etat = 'fatal-error' THEN
		DELETE FROM job WHERE dossier_id = d.id;
	END IF;
	PERFORM dossier_jobs_after(d, a, v_etat);
	PERFORM journal_append(1, d.entite_id, d.id, a->>'id',
			       concat_ws(' : ', format('État « %s »', v_label), p_message));
	PERFORM dossier_notify(d.entite_id, d.id, v_etat);
	RETURN QUERY SELECT v_etat, v_label, v_version, false;
END
$$;

------------------------------------------------------------------------
-- What agents call
------------------------------------------------------------------------

-- Creates a dossier of the latest version of P_TYPE on P_ENTITE (an active
-- collectivité); P_TITRE (may be NULL) fills the field marked "title".
CREATE FUNCTION dossier_create(p_entite bigint, p_type text, p_titre text DEFAULT NULL)
RETURNS bigint
LANGUAGE plpgsql SECURITY DEFINER SET search_path = liasse, pg_catalog AS $$
DECLARE
	v_version integer := type_latest(p_type);
	v_def jsonb;
	v_e entite;
	a jsonb;
	d dossier;
	v_etat text;
	v_f jsonb;
	v_title text;
	v_default text;
BEGIN
	IF v_version IS NULL THEN
		RAISE EXCEPTION 'Type de dossier inconnu : « % ».', p_type USING ERRCODE = 'LI404';
	END IF;
	v_def := type_def(p_type, v_version);
	SELECT * INTO v_e FROM entite WHERE id = p_entite;
	IF v_e.id IS NULL OR NOT (has_right(p_entite, p_type || ':lecture')
				  OR has_right(p_entite, p_type || ':edition')) THEN
		RAISE EXCEPTION 'Entité % introuvable.', coalesce(p_entite::text, '(vide)')
			USING ERRCODE = 'LI404';
	END IF;
	IF NOT has_right(p_entite, p_type || ':edition') THEN
		RAISE EXCEPTION 'Droit « %:edition » manquant sur l''entité %.', p_type,
			entite_label(p_entite) USING ERRCODE = 'LI403';
	END IF;
	IF NOT entite_is_active(p_entite) THEN
		RAISE EXCEPTION 'L''entité % est désactivée : on ne peut pas y créer de dossier.',
			entite_label(p_entite) USING ERRCODE = 'LI400';
	END IF;
	IF v_e.type <> 'collectivite' THEN
		RAISE EXCEPTION 'Un dossier se crée sur une collectivité, pas sur « % » (%).',
			v_e.denomination, v_e.type USING ERRCODE = 'LI400';
	END IF;
	SELECT x INTO a FROM def_action_entries(v_def, 'creation') x LIMIT 1;
	IF a IS NULL THEN
		SELECT x INTO a FROM jsonb_array_elements(v_def->'actions') x
		WHERE def_flag(x, 'initial') LIMIT 1;
	END IF;
	v_etat := coalesce(nullif(a->>'state', ''), a->>'id', 'creation');
	INSERT INTO dossier (entite_id, type, type_version, etat, created_by, modified_by)
	VALUES (p_entite, p_type, v_version, v_etat, dossier_who(), dossier_who())
	RETURNING * INTO d;
	-- Defaults ("now"/"today" for dates).
	FOR v_f IN SELECT jsonb_array_elements(v_def->'fields') LOOP
		v_default := nullif(v_f->>'default', '');
		CONTINUE WHEN v_default IS NULL OR v_f->>'type' IN ('file', 'password')
			OR v_default = 'empty';
		IF v_f->>'type' = 'date' AND v_default IN ('now', 'today', 'aujourd''hui') THEN
			v_default := to_char(current_date, 'YYYY-MM-DD');
		END IF;
		IF v_f->>'type' = 'checkbox' THEN
			CONTINUE WHEN NOT value_truthy(v_default);
			v_default := 'on';
		END IF;
		CONTINUE WHEN field_value_error(v_f, v_default) IS NOT NULL;
		INSERT INTO dossier_valeur (dossier_id, entite_id, type, champ, n, valeur)
		VALUES (d.id, d.entite_id, d.type, v_f->>'id', 0, v_default);
	END LOOP;
	IF coalesce(p_titre, '') <> '' THEN
		SELECT f->>'id' INTO v_title FROM jsonb_array_elements(v_def->'fields') f
		WHERE def_flag(f, 'title') LIMIT 1;
		IF v_title IS NOT NULL THEN
			PERFORM dossier_write_values(d, v_def, jsonb_build_object(v_title, p_titre), true);
		ELSE
			UPDATE dossier SET titre = p_titre WHERE id = d.id;
		END IF;
	END IF;
	PERFORM dossier_refresh(d.id, v_def);
	INSERT INTO dossier_etat (dossier_id, entite_id, type, etat, action, utilisateur)
	VALUES (d.id, d.entite_id, d.type, v_etat, coalesce(a->>'id', 'creation'), dossier_who());
	PERFORM dossier_jobs_after(d, a, v_etat);
	PERFORM journal_append(1, d.entite_id, d.id, 'creation',
			       format('Création du dossier (%s)', coalesce(v_def->>'name', p_type)));
	PERFORM dossier_notify(d.entite_id, d.id, v_etat);
	RETURN d.id;
END
$$;

-- Sets field values; P_VERSION is the version the caller read (NULL: no
-- check). Returns the new version.
CREATE FUNCTION dossier_set(p_dossier bigint, p_version integer, p_values jsonb) RETURNS integer
LANGUAGE plpgsql SECURITY DEFINER SET search_path = liasse, pg_catalog AS $$
DECLARE
	d dossier := dossier_fetch(p_dossier, 'edition', true);
	v_def jsonb := type_def(d.type, d.type_version);
	v_sys boolean := dossier_system_caller();
	v_keep boolean;
	v_champs text[];
BEGIN
	PERFORM dossier_check_version(d, p_version);
	SELECT coalesce(array_agg(k), '{}') INTO v_champs FROM jsonb_object_keys(p_values) k;
	IF cardinality(v_champs) = 0 THEN
		RAISE EXCEPTION 'Aucune valeur à enregistrer.' USING ERRCODE = 'LI400';
	END IF;
	v_keep := dossier_edit_mode(d, v_def, v_champs, v_sys);
	v_champs := dossier_write_values(d, v_def, p_values, v_sys);
	RETURN dossier_edit_commit(d, v_def, v_keep,
		format('Modification : %s', array_to_string(v_champs, ', ')));
END
$$;

-- Values extracted from a file uploaded in this same transaction (the PES
-- information): read-only fields are allowed. Returns the new version.
CREATE FUNCTION dossier_set_extracted(p_fichier bigint, p_values jsonb) RETURNS integer
LANGUAGE plpgsql SECURITY DEFINER SET search_path = liasse, pg_catalog AS $$
DECLARE
	fi fichier;
	d dossier;
	v_def jsonb;
	v_champs text[];
BEGIN
	SELECT * INTO fi FROM fichier WHERE id = p_fichier;
	IF fi.id IS NULL OR NOT fi.complet OR fi.txid <> txid_current() THEN
		RAISE EXCEPTION 'Extraction refusée : le fichier % n''a pas été joint dans cette transaction.',
			p_fichier USING ERRCODE = 'LI400';
	END IF;
	d := dossier_fetch(fi.dossier_id, 'edition', true);
	v_def := type_def(d.type, d.type_version);
	v_champs := dossier_write_values(d, v_def, coalesce((SELECT jsonb_object_agg(k, v)
		FROM jsonb_each(p_values) x(k, v) WHERE def_field(v_def, k) IS NOT NULL), '{}'), true);
	PERFORM dossier_refresh(d.id, v_def);
	UPDATE dossier SET version = version + 1 WHERE id = d.id RETURNING version INTO d.version;
	PERFORM journal_append(1, d.entite_id, d.id, 'modification',
		format('Informations extraites de « %s » : %s', fi.nom, array_to_string(v_champs, ', ')));
	RETURN d.version;
END
$$;

-- Runs action P_ACTION. An action that calls a connector (TdT, GED...) is
-- not run here: a job is scheduled for the daemon (programme = true), which
-- calls this function again as the system once the connector answered.
CREATE FUNCTION dossier_action(p_dossier bigint, p_action text, p_version integer DEFAULT NULL,
			       p_message text DEFAULT NULL)
RETURNS TABLE (etat text, etat_label text, version integer, programme boolean)
LANGUAGE plpgsql SECURITY DEFINER SET search_path = liasse, pg_catalog AS $$
DECLARE
	d dossier := dossier_fetch(p_dossier, 'lecture', true);
	v_def jsonb := type_def(d.type, d.type_version);
	v_sys boolean := dossier_system_caller();
	p record;
BEGIN
	IF p_action IN ('creation', 'modification') THEN
		RAISE EXCEPTION 'L''action « % » ne se lance pas directement (création ou modification des champs).',
			p_action USING ERRCODE = 'LI400';
	END IF;
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

-- The actions the caller may run now on the dossier.
CREATE FUNCTION dossier_actions_possibles(p_dossier bigint)
RETURNS TABLE (action text, label text, warning text, batch boolean, connector text)
LANGUAGE plpgsql SECURITY DEFINER STABLE SET search_path = liasse, pg_catalog AS $$
DECLARE
	d dossier := dossier_fetch(p_dossier, 'lecture', false);
	v_def jsonb := type_def(d.type, d.type_version);
	v_sys boolean := dossier_system_caller();
	v_id text;
	p record;
BEGIN
	FOR v_id IN SELECT DISTINCT x FROM (
			SELECT a->>'id' AS x FROM jsonb_array_elements(v_def->'actions') a
			UNION SELECT unnest(ARRAY['supression', 'fatal-error'])) s
		    WHERE x NOT IN ('creation', 'modification') ORDER BY 1 LOOP
		p := dossier_action_pick(d, v_def, v_id, v_sys);
		CONTINUE WHEN p.entry IS NULL;
		action := v_id;
		label := coalesce(p.entry->>'label', v_id);
		warning := p.entry->>'warning';
		batch := coalesce(jsonb_typeof(p.entry->'batch') <> 'boolean' OR (p.entry->>'batch')::boolean, true);
		connector := p.entry->>'connector';
		RETURN NEXT;
	END LOOP;
END
$$;

-- Everything about one dossier as JSON; records the first consultation
-- of each user (journal type 7). Password values are never returned.
CREATE FUNCTION dossier_detail(p_dossier bigint) RETURNS jsonb
LANGUAGE plpgsql SECURITY DEFINER SET search_path = liasse, pg_catalog AS $$
DECLARE
	d dossier := dossier_fetch(p_dossier, 'lecture', false);
	v_def jsonb := type_def(d.type, d.type_version);
	v_user bigint := current_utilisateur_id();
	n integer;
BEGIN
	IF v_user IS NOT NULL THEN
		INSERT INTO dossier_consultation (dossier_id, utilisateur_id, entite_id, type)
		VALUES (d.id, v_user, d.entite_id, d.type) ON CONFLICT DO NOTHING;
		GET DIAGNOSTICS n = ROW_COUNT;
		IF n > 0 THEN
			PERFORM journal_append(7, d.entite_id, d.id, 'consultation',
					       format('%s a consulté le dossier', dossier_who()));
		END IF;
	END IF;
	RETURN jsonb_build_object(
		'id', d.id, 'entite_id', d.entite_id,
		'entite', (SELECT denomination FROM entite WHERE id = d.entite_id),
		'type', d.type, 'type_nom', v_def->>'name', 'type_version', d.type_version,
		'type_version_courante', type_latest(d.type),
		'titre', d.titre, 'etat', d.etat, 'etat_label', def_state_label(v_def, d.etat),
		'etat_at', d.etat_at, 'version', d.version,
		'created_at', d.created_at, 'created_by', d.created_by,
		'modified_at', d.modified_at, 'modified_by', d.modified_by,
		'valeurs', coalesce((SELECT jsonb_object_agg(champ, vals) FROM (
			SELECT v.champ, jsonb_agg(CASE WHEN def_field(v_def, v.champ)->>'type' = 'password'
						       THEN '********' ELSE v.valeur END ORDER BY v.n) AS vals
			FROM dossier_valeur v WHERE v.dossier_id = d.id GROUP BY v.champ) s), '{}'),
		'fichiers', coalesce((SELECT jsonb_agg(jsonb_build_object('id', f.id, 'champ', f.champ,
			'n', f.n, 'nom', f.nom, 'mime', f.mime, 'taille', f.taille, 'sha256', f.sha256)
			ORDER BY f.champ, f.n) FROM fichier f WHERE f.dossier_id = d.id AND f.complet), '[]'),
		'actions', coalesce((SELECT jsonb_agg(jsonb_build_object('id', x.action, 'label', x.label,
			'warning', x.warning)) FROM dossier_actions_possibles(d.id) x), '[]'),
		'jobs', coalesce((SELECT jsonb_agg(jsonb_build_object('action', j.action, 'run_at', j.run_at)
			ORDER BY j.id) FROM job j WHERE j.dossier_id = d.id), '[]'));
END
$$;

-- State history with labels (empty when the dossier is not visible).
CREATE FUNCTION dossier_historique(p_dossier bigint)
RETURNS TABLE (at timestamptz, etat text, etat_label text, action text, utilisateur text,
	       message text)
LANGUAGE sql STABLE SET search_path = liasse, pg_catalog AS $$
	SELECT h.at, h.etat, def_state_label(v.definition, h.etat), h.action, h.utilisateur, h.message
	FROM dossier_etat h
	JOIN dossier d ON d.id = h.dossier_id
	JOIN dossier_type_version v ON v.type = d.type AND v.version = d.type_version
	WHERE h.dossier_id = p_dossier ORDER BY h.id
$$;

-- Moves a dossier to the latest version of its type's definition.
CREATE FUNCTION dossier_migrate(p_dossier bigint, p_version integer DEFAULT NULL) RETURNS integer
LANGUAGE plpgsql SECURITY DEFINER SET search_path = liasse, pg_catalog AS $$
DECLARE
	d dossier := dossier_fetch(p_dossier, 'edition', true);
	v_latest integer := type_latest(d.type);
	v_def jsonb := type_def(d.type, v_latest);
	v_version integer;
BEGIN
	PERFORM dossier_check_version(d, p_version);
	IF v_latest = d.type_version THEN
		RAISE EXCEPTION 'Le dossier % utilise déjà la dernière version (%) du type %.',
			d.id, v_latest, d.type USING ERRCODE = 'LI400';
	END IF;
	IF d.etat NOT IN ('creation', 'modification', 'fatal-error')
	   AND NOT EXISTS (SELECT FROM jsonb_array_elements(v_def->'states') s WHERE s->>'id' = d.etat)
	   AND NOT EXISTS (SELECT FROM jsonb_array_elements(v_def->'actions') a
			   WHERE coalesce(a->>'state', a->>'id') = d.etat) THEN
		RAISE EXCEPTION 'L''état « % » n''existe plus dans la version % du type % : migration impossible.',
			d.etat, v_latest, d.type USING ERRCODE = 'LI409';
	END IF;
	UPDATE dossier SET type_version = v_latest, version = version + 1, modified_at = now(),
		modified_by = dossier_who() WHERE id = d.id RETURNING version INTO v_version;
	PERFORM dossier_refresh(d.id, v_def);
	PERFORM journal_append(1, d.entite_id, d.id, 'migration',
		format('Définition du type %s : version %s → %s', d.type, d.type_version, v_latest));
	PERFORM dossier_notify(d.entite_id, d.id, d.etat);
	RETURN v_version;
END
$$;

------------------------------------------------------------------------
-- Files, streamed in blocks within one transaction:
--   fichier_begin → fichier_bloc_add (× n, ≤ 1 MiB each) → fichier_finish
------------------------------------------------------------------------

CREATE FUNCTION fichier_begin(p_dossier bigint, p_version integer, p_champ text, p_nom text,
			      p_taille bigint DEFAULT NULL) RETURNS bigint
LANGUAGE plpgsql SECURITY DEFINER SET search_path = liasse, pg_catalog AS $$
DECLARE
	d dossier := dossier_fetch(p_dossier, 'edition', true);
	v_def jsonb := type_def(d.type, d.type_version);
	v_f jsonb := def_field(v_def, p_champ);
	v_sys boolean := dossier_system_caller();
	v_nom text := regexp_replace(coalesce(p_nom, ''), '^.*[/\\]', '');
	v_n integer := 0;
	v_id bigint;
BEGIN
	PERFORM dossier_check_version(d, p_version);
	IF v_f IS NULL OR v_f->>'type' <> 'file' THEN
		RAISE EXCEPTION 'Le type % n''a pas de champ fichier « % ».', d.type, p_champ
			USING ERRCODE = 'LI400';
	END IF;
	IF v_f->>'visibility' = 'read-only' AND NOT v_sys THEN
		RAISE EXCEPTION 'Le champ « % » est en lecture seule.', def_label(v_f) USING ERRCODE = 'LI400';
	END IF;
	IF v_nom = '' OR char_length(v_nom) > 255 OR v_nom ~ '[\u0001-\u001f\u007f]' THEN
		RAISE EXCEPTION 'Nom de fichier invalide : « % ».', left(v_nom, 255) USING ERRCODE = 'LI400';
	END IF;
	IF jsonb_typeof(v_f->'max_size') = 'number' AND p_taille > (v_f->>'max_size')::bigint THEN
		RAISE EXCEPTION 'Le fichier « % » (%) dépasse la taille maximale du champ « % » (%).',
			v_nom, taille_fr(p_taille), def_label(v_f), taille_fr((v_f->>'max_size')::bigint)
			USING ERRCODE = 'LI400';
	END IF;
	PERFORM dossier_edit_mode(d, v_def, ARRAY[p_champ], v_sys);
	DELETE FROM fichier WHERE dossier_id = d.id AND NOT complet AND txid <> txid_current();
	IF def_flag(v_f, 'multiple') THEN
		SELECT coalesce(max(n) + 1, 0) INTO v_n FROM fichier WHERE dossier_id = d.id AND champ = p_champ;
	END IF;
	INSERT INTO fichier (dossier_id, entite_id, type, champ, n, nom, created_by)
	VALUES (d.id, d.entite_id, d.type, p_champ, v_n, v_nom, dossier_who()) RETURNING id INTO v_id;
	RETURN v_id;
END
$$;

-- Appends block P_N (0, 1, 2...); returns the size so far.
CREATE FUNCTION fichier_bloc_add(p_fichier bigint, p_n integer, p_data bytea) RETURNS bigint
LANGUAGE plpgsql SECURITY DEFINER SET search_path = liasse, pg_catalog AS $$
DECLARE
	fi fichier;
	v_max bigint;
BEGIN
	SELECT * INTO fi FROM fichier WHERE id = p_fichier FOR UPDATE;
	IF fi.id IS NULL OR fi.complet OR fi.txid <> txid_current() THEN
		RAISE EXCEPTION 'Envoi de fichier invalide (fichier %).', p_fichier USING ERRCODE = 'LI400';
	END IF;
	IF octet_length(p_data) > 4194304 THEN
		RAISE EXCEPTION 'Bloc de fichier trop grand (% octets, 4 Mo au plus).', octet_length(p_data)
			USING ERRCODE = 'LI400';
	END IF;
	INSERT INTO fichier_bloc (fichier_id, n, entite_id, type, data)
	VALUES (fi.id, p_n, fi.entite_id, fi.type, p_data);
	UPDATE fichier SET taille = taille + octet_length(p_data) WHERE id = fi.id
	RETURNING taille INTO fi.taille;
	v_max := (def_field(type_def(fi.type, (SELECT type_version FROM dossier WHERE id = fi.dossier_id)),
			    fi.champ)->>'max_size')::bigint;
	IF v_max IS NOT NULL AND v_max >= 0 AND fi.taille > v_max THEN
		RAISE EXCEPTION 'Le fichier « % » dépasse la taille maximale du champ (%).', fi.nom,
			taille_fr(v_max) USING ERRCODE = 'LI400';
	END IF;
	RETURN fi.taille;
END
$$;

-- Checks the complete file (type from its content, sizes, per-type rules),
-- replaces the previous file of a single-file field and records the edit.
CREATE FUNCTION fichier_finish(p_fichier bigint, p_sha256 text)
RETURNS TABLE (version integer, mime text, taille bigint, etat text)
LANGUAGE plpgsql SECURITY DEFINER SET search_path = liasse, pg_catalog AS $$
DECLARE
	fi fichier;
	d dossier;
	v_def jsonb;
	v_f jsonb;
	v_mime text;
	v_total bigint;
	v_count integer;
	v_keep boolean;
	v_version integer;
	v_sha text;
BEGIN
	SELECT * INTO fi FROM fichier WHERE id = p_fichier FOR UPDATE;
	IF fi.id IS NULL OR fi.complet OR fi.txid <> txid_current() THEN
		RAISE EXCEPTION 'Envoi de fichier invalide (fichier %).', p_fichier USING ERRCODE = 'LI400';
	END IF;
	d := dossier_fetch(fi.dossier_id, 'edition', true);
	v_def := type_def(d.type, d.type_version);
	v_f := def_field(v_def, fi.champ);
	SELECT count(*), coalesce(sum(octet_length(data)), 0) INTO v_count, v_total
	FROM fichier_bloc WHERE fichier_id = fi.id;
	IF v_total <> fi.taille OR (v_count > 0 AND (SELECT max(n) FROM fichier_bloc WHERE fichier_id = fi.id) <> v_count - 1) THEN
		RAISE EXCEPTION 'Envoi du fichier « % » incomplet.', fi.nom USING ERRCODE = 'LI400';
	END IF;
	IF fi.taille = 0 THEN
		RAISE EXCEPTION 'Le fichier « % » est vide.', fi.nom USING ERRCODE = 'LI400';
	END IF;
	v_mime := fichier_sniff((SELECT substring(data FROM 1 FOR 512) FROM fichier_bloc
				 WHERE fichier_id = fi.id AND n = 0));
	IF NOT mime_allowed(v_mime, v_f->'content_types') THEN
		RAISE EXCEPTION 'Le fichier « % » est de type % ; le champ « % » accepte : %.', fi.nom, v_mime,
			def_label(v_f), (SELECT string_agg(t, ', ') FROM jsonb_array_elements_text(v_f->'content_types') t)
			USING ERRCODE = 'LI400';
	END IF;
	-- e.g. Actes: an XML acte only for budget documents (nature 5) classified 7.1.
	v_sha := dossier_type_if_reason(d.id, v_def, fi.champ, v_mime);
	IF v_sha IS NOT NULL THEN
		RAISE EXCEPTION '%', v_sha USING ERRCODE = 'LI400';
	END IF;
	IF jsonb_typeof(v_def->'threshold') = 'object' AND v_def->'threshold'->'fields' ? fi.champ THEN
		SELECT coalesce(sum(f.taille), 0) + fi.taille INTO v_total FROM fichier f
		WHERE f.dossier_id = d.id AND f.complet AND v_def->'threshold'->'fields' ? f.champ
		  AND NOT (f.champ = fi.champ AND f.n = fi.n);
		IF v_total > (v_def->'threshold'->>'max_size')::bigint THEN
			RAISE EXCEPTION 'La taille totale des fichiers (%) dépasserait le maximum de % pour ce type de dossier.',
				taille_fr(v_total), taille_fr((v_def->'threshold'->>'max_size')::bigint)
				USING ERRCODE = 'LI400';
		END IF;
	END IF;
	IF fi.taille <= 33554432 AND p_sha256 IS NOT NULL THEN
		SELECT encode(sha256(string_agg(data, ''::bytea ORDER BY n)), 'hex') INTO v_sha
		FROM fichier_bloc WHERE fichier_id = fi.id;
		IF v_sha <> lower(p_sha256) THEN
			RAISE EXCEPTION 'Le fichier « % » a été altéré pendant l''envoi (empreinte SHA-256 différente).',
				fi.nom USING ERRCODE = 'LI400';
		END IF;
	END IF;
	v_keep := dossier_edit_mode(d, v_def, ARRAY[fi.champ], dossier_system_caller());
	DELETE FROM fichier f WHERE f.dossier_id = d.id AND f.champ = fi.champ AND f.n = fi.n AND f.complet;
	UPDATE fichier f SET complet = true, mime = v_mime, sha256 = lower(p_sha256) WHERE f.id = fi.id;
	v_version := dossier_edit_commit(d, v_def, v_keep,
		format('Fichier « %s » joint (%s, %s)', fi.nom, def_label(v_f), taille_fr(fi.taille)));
	RETURN QUERY SELECT v_version, v_mime, fi.taille, (SELECT x.etat FROM dossier x WHERE x.id = d.id);
END
$$;

-- Removes file N of a field. Returns the new version.
CREATE FUNCTION fichier_delete(p_dossier bigint, p_version integer, p_champ text, p_n integer DEFAULT 0)
RETURNS integer
LANGUAGE plpgsql SECURITY DEFINER SET search_path = liasse, pg_catalog AS $$
DECLARE
	d dossier := dossier_fetch(p_dossier, 'edition', true);
	v_def jsonb := type_def(d.type, d.type_version);
	v_f jsonb := def_field(v_def, p_champ);
	v_keep boolean;
	v_nom text;
BEGIN
	PERFORM dossier_check_version(d, p_version);
	IF v_f->>'visibility' = 'read-only' AND NOT dossier_system_caller() THEN
		RAISE EXCEPTION 'Le champ « % » est en lecture seule.', def_label(v_f) USING ERRCODE = 'LI400';
	END IF;
	v_keep := dossier_edit_mode(d, v_def, ARRAY[p_champ], dossier_system_caller());
	DELETE FROM fichier WHERE dossier_id = d.id AND champ = p_champ AND n = coalesce(p_n, 0) AND complet
	RETURNING nom INTO v_nom;
	IF v_nom IS NULL THEN
		RAISE EXCEPTION 'Pas de fichier n° % dans le champ « % ».', coalesce(p_n, 0), p_champ
			USING ERRCODE = 'LI404';
	END IF;
	RETURN dossier_edit_commit(d, v_def, v_keep, format('Fichier « %s » retiré', v_nom));
END
$$;

------------------------------------------------------------------------
-- Lists and search. The filter is a JSON object:
--   entite, sous_entites (bool), type, etat, passe_par, depuis, jusqu_a
--   (dates AAAA-MM-JJ), jamais, recherche (free text), tri ('date' =
--   last state change, newest first; 'titre'; or an indexed field).
-- Keyset pagination: the cursor is "<id>:<sort key>" of the last row.
-- The SQL runs as the caller: Row Level Security applies.
------------------------------------------------------------------------

CREATE FUNCTION dossier_tsquery(p text) RETURNS tsquery
LANGUAGE sql IMMUTABLE SET search_path = liasse, pg_catalog
RETURN plainto_tsquery('liasse.fr', coalesce(p, ''));

-- Ids of the readable dossiers matching a full-text search. The match
-- runs here, as the owner, because Row Level Security keeps a
-- non-leakproof operator such as @@ from using the GIN index; the
-- caller's scope is applied explicitly instead.
CREATE FUNCTION dossier_search_ids(p text) RETURNS SETOF bigint
LANGUAGE plpgsql STABLE SECURITY DEFINER ROWS 200 SET search_path = liasse, pg_catalog AS $$
BEGIN
	-- EXECUTE: planned with the actual words each time (a cached generic
	-- plan cannot know how rare they are).
	RETURN QUERY EXECUTE format('SELECT d.id FROM liasse.dossier d '
		'WHERE d.search @@ plainto_tsquery(''liasse.fr'', %L) '
		'AND (d.entite_id, d.type) IN (SELECT s.entite_id, s.type FROM liasse.dossier_scope() s)',
		coalesce(p, ''));
END
$$;

CREATE FUNCTION dossier_list_where(p_filtre jsonb) RETURNS text
LANGUAGE plpgsql IMMUTABLE SET search_path = liasse, pg_catalog AS $$
DECLARE
	w text[] := ARRAY['true'];
	v_ent bigint;
	v_h text;
BEGIN
	BEGIN
		v_ent := (p_filtre->>'entite')::bigint;
		IF p_filtre ? 'depuis' THEN PERFORM (p_filtre->>'depuis')::date; END IF;
		IF p_filtre ? 'jusqu_a' THEN PERFORM (p_filtre->>'jusqu_a')::date; END IF;
	EXCEPTION WHEN others THEN
		RAISE EXCEPTION 'Filtre invalide : %.', SQLERRM USING ERRCODE = 'LI400';
	END;
	IF v_ent IS NOT NULL THEN
		IF def_flag(p_filtre, 'sous_entites') THEN
			-- A scalar sub-select: the set is computed once per query.
			w := w || format('d.entite_id = ANY ((SELECT array_agg(x) FROM liasse.dossier_entites(%s, true) x)::bigint[])', v_ent);
		ELSE
			w := w || format('d.entite_id = %s', v_ent);
		END IF;
	END IF;
	IF nullif(p_filtre->>'type', '') IS NOT NULL THEN
		w := w || format('d.type = %L', p_filtre->>'type');
	END IF;
	IF nullif(p_filtre->>'etat', '') IS NOT NULL THEN
		w := w || format('d.etat = %L', p_filtre->>'etat');
	END IF;
	IF nullif(p_filtre->>'passe_par', '') IS NOT NULL THEN
		v_h := format('h.etat = %L', p_filtre->>'passe_par');
		IF v_ent IS NOT NULL THEN
			v_h := v_h || CASE WHEN def_flag(p_filtre, 'sous_entites')
				THEN format(' AND h.entite_id = ANY ((SELECT array_agg(x) FROM liasse.dossier_entites(%s, true) x)::bigint[])', v_ent)
				ELSE format(' AND h.entite_id = %s', v_ent) END;
		END IF;
		IF p_filtre ? 'depuis' THEN
			v_h := v_h || format(' AND h.at >= %L::date', p_filtre->>'depuis');
		END IF;
		IF p_filtre ? 'jusqu_a' THEN
			v_h := v_h || format(' AND h.at < %L::date + 1', p_filtre->>'jusqu_a');
		END IF;
		w := w || format('d.id IN (SELECT h.dossier_id FROM liasse.dossier_etat h WHERE %s)', v_h);
	END IF;
	IF nullif(p_filtre->>'jamais', '') IS NOT NULL THEN
		w := w || format('NOT EXISTS (SELECT FROM liasse.dossier_etat h WHERE h.dossier_id = d.id AND h.etat = %L)',
				 p_filtre->>'jamais');
	END IF;
	IF nullif(btrim(p_filtre->>'recherche'), '') IS NOT NULL THEN
		w := w || format('d.id IN (SELECT liasse.dossier_search_ids(%L))', p_filtre->>'recherche');
	END IF;
	RETURN array_to_string(w, ' AND ');
END
$$;

-- The page query (exposed for EXPLAIN in the tests).
CREATE FUNCTION dossier_list_sql(p_filtre jsonb, p_apres text, p_limite integer) RETURNS text
LANGUAGE plpgsql IMMUTABLE SET search_path = liasse, pg_catalog AS $$
DECLARE
	v_tri text := coalesce(nullif(p_filtre->>'tri', ''), 'date');
	v_key text;
	v_cast text;
	v_order text;
	v_cmp text;
	v_join text := '';
	v_where text := dossier_list_where(p_filtre);
	v_id bigint;
	v_k text;
BEGIN
	IF v_tri = 'date' THEN
		v_key := 'd.etat_at'; v_cast := 'timestamptz'; v_order := 'DESC'; v_cmp := '<';
	ELSIF v_tri = 'titre' THEN
		v_key := 'd.titre'; v_cast := 'text'; v_order := 'ASC'; v_cmp := '>';
	ELSE
		IF nullif(p_filtre->>'type', '') IS NULL THEN
			RAISE EXCEPTION 'Le tri sur le champ « % » demande un type de dossier.', v_tri
				USING ERRCODE = 'LI400';
		END IF;
		v_join := format(' JOIN liasse.dossier_index x ON x.dossier_id = d.id AND x.champ = %L AND x.type = %L AND x.entite_id = d.entite_id',
				 v_tri, p_filtre->>'type');
		v_key := 'x.valeur'; v_cast := 'text'; v_order := 'ASC'; v_cmp := '>';
	END IF;
	IF nullif(p_apres, '') IS NOT NULL THEN
		BEGIN
			v_id := split_part(p_apres, ':', 1)::bigint;
			v_k := substr(p_apres, strpos(p_apres, ':') + 1);
			IF v_cast = 'timestamptz' THEN
				PERFORM v_k::timestamptz;
			END IF;
		EXCEPTION WHEN others THEN
			RAISE EXCEPTION 'Curseur de pagination invalide : « % ».', p_apres USING ERRCODE = 'LI400';
		END;
		v_where := v_where || format(' AND (%s, d.id) %s (%L::%s, %s)', v_key, v_cmp, v_k, v_cast, v_id);
	END IF;
	RETURN format('SELECT d.id, d.entite_id, d.type, d.type_version, d.titre, d.etat, d.etat_at, d.version, %s AS k, %s::text AS cle FROM liasse.dossier d%s WHERE %s ORDER BY %s %s, d.id %s LIMIT %s',
		      v_key, v_key, v_join, v_where, v_key, v_order, v_order,
		      least(greatest(coalesce(p_limite, 20), 1), 1000));
END
$$;

CREATE FUNCTION dossier_list(p_filtre jsonb, p_apres text DEFAULT NULL, p_limite integer DEFAULT 20)
RETURNS TABLE (id bigint, entite_id bigint, entite text, type text, titre text, etat text,
	       etat_label text, etat_at timestamptz, version integer, valeurs jsonb, curseur text)
LANGUAGE plpgsql STABLE SET search_path = liasse, pg_catalog AS $$
DECLARE
	v_desc boolean := coalesce(nullif(p_filtre->>'tri', ''), 'date') = 'date';
BEGIN
	RETURN QUERY EXECUTE format(
		'WITH s AS (%s), '
		'n AS (SELECT * FROM liasse.dossier_entite_noms((SELECT array_agg(DISTINCT s.entite_id) FROM s))) '
		'SELECT s.id, s.entite_id, n.nom, s.type, s.titre, s.etat, coalesce(l.label, s.etat), s.etat_at, '
		's.version, (SELECT jsonb_object_agg(i.champ, i.valeur) FROM liasse.dossier_index i '
		'WHERE i.dossier_id = s.id AND i.entite_id = s.entite_id AND i.type = s.type), s.id || '':'' || s.cle '
		'FROM s LEFT JOIN n ON n.id = s.entite_id '
		'LEFT JOIN liasse.dossier_type_etat l ON l.type = s.type AND l.version = s.type_version AND l.etat = s.etat '
		'ORDER BY s.k %s, s.id %s',
		dossier_list_sql(p_filtre, p_apres, p_limite),
		CASE WHEN v_desc THEN 'DESC' ELSE 'ASC' END, CASE WHEN v_desc THEN 'DESC' ELSE 'ASC' END);
END
$$;

-- The number of dossiers matching the filter: exact from the counters
-- when only entity/type/state filter, else counted up to 10000 and
-- estimated by the planner beyond (estime = true).
CREATE FUNCTION dossier_list_total(p_filtre jsonb) RETURNS TABLE (total bigint, estime boolean)
LANGUAGE plpgsql STABLE SET search_path = liasse, pg_catalog AS $$
DECLARE
	v_n bigint;
	v_plan json;
	v_ent bigint := (p_filtre->>'entite')::bigint;
	v_q text;
BEGIN
	IF NOT EXISTS (SELECT FROM jsonb_each(p_filtre) k
		       WHERE k.key NOT IN ('entite', 'sous_entites', 'type', 'etat', 'tri')
			 AND k.value NOT IN ('null'::jsonb, '""'::jsonb)) THEN
		RETURN QUERY SELECT coalesce(sum(c.n), 0)::bigint, false FROM dossier_compte c
		WHERE (v_ent IS NULL OR (CASE WHEN def_flag(p_filtre, 'sous_entites')
				THEN c.entite_id IN (SELECT dossier_entites(v_ent, true))
				ELSE c.entite_id = v_ent END))
		  AND (nullif(p_filtre->>'type', '') IS NULL OR c.type = p_filtre->>'type')
		  AND (nullif(p_filtre->>'etat', '') IS NULL OR c.etat = p_filtre->>'etat');
		RETURN;
	END IF;
	v_q := format('SELECT 1 FROM liasse.dossier d WHERE %s', dossier_list_where(p_filtre));
	EXECUTE format('SELECT count(*) FROM (%s LIMIT 10001) s', v_q) INTO v_n;
	IF v_n <= 10000 THEN
		RETURN QUERY SELECT v_n, false;
		RETURN;
	END IF;
	EXECUTE 'EXPLAIN (FORMAT JSON) ' || v_q INTO v_plan;
	RETURN QUERY SELECT greatest((v_plan->0->'Plan'->>'Plan Rows')::numeric::bigint, 10001), true;
END
$$;

-- Dossiers per type for a menu (types the caller may read on the entity).
CREATE FUNCTION dossier_compteurs(p_entite bigint, p_sous_entites boolean DEFAULT false)
RETURNS TABLE (type text, nom text, famille text, n bigint)
LANGUAGE plpgsql STABLE SET search_path = liasse, pg_catalog AS $$
BEGIN
	RETURN QUERY
	WITH e AS (SELECT dossier_entites(p_entite, p_sous_entites) AS id),
	     c AS (SELECT c.type, sum(c.n) AS n FROM dossier_compte c
		   WHERE c.entite_id IN (SELECT id FROM e) GROUP BY c.type)
	SELECT t.type, t.nom, t.famille, coalesce(c.n, 0)::bigint
	FROM dossier_type t LEFT JOIN c ON c.type = t.type
	WHERE t.type IN (SELECT s.type FROM dossier_scope() s WHERE s.entite_id = p_entite)
	ORDER BY t.famille, t.nom;
END
$$;

------------------------------------------------------------------------
-- Batch ("traitement par lot")
------------------------------------------------------------------------

-- The actions possible on every one of the dossiers (batchable only).
CREATE FUNCTION dossier_batch_actions(p_ids bigint[])
RETURNS TABLE (action text, label text, warning text)
LANGUAGE plpgsql STABLE SET search_path = liasse, pg_catalog AS $$
BEGIN
	IF cardinality(p_ids) IS NULL OR cardinality(p_ids) = 0 THEN
		RETURN;
	END IF;
	RETURN QUERY
	SELECT x.action, min(x.label), min(x.warning)
	FROM unnest(p_ids) i, LATERAL dossier_actions_possibles(i) x
	WHERE x.batch
	GROUP BY x.action
	HAVING count(DISTINCT i) = (SELECT count(DISTINCT j) FROM unnest(p_ids) j)
	ORDER BY 1;
END
$$;

-- Runs P_ACTION on each dossier, each in its own savepoint; one result
-- row per dossier (ok, new state or the French reason of the refusal).
CREATE FUNCTION dossier_batch(p_ids bigint[], p_action text, p_message text DEFAULT NULL)
RETURNS TABLE (dossier_id bigint, ok boolean, etat text, message text)
LANGUAGE plpgsql SET search_path = liasse, pg_catalog AS $$
DECLARE
	v_id bigint;
	r record;
	v_batch boolean;
BEGIN
	FOREACH v_id IN ARRAY coalesce(p_ids, '{}') LOOP
		dossier_id := v_id;
		BEGIN
			SELECT coalesce(jsonb_typeof(a->'batch') <> 'boolean' OR (a->>'batch')::boolean, true)
			INTO v_batch
			FROM dossier x, def_action_entries(type_def(x.type, x.type_version), p_action) a
			WHERE x.id = v_id LIMIT 1;
			IF v_batch = false THEN
				RAISE EXCEPTION 'L''action « % » ne peut pas être lancée par lot.', p_action
					USING ERRCODE = 'LI400';
			END IF;
			SELECT * INTO r FROM dossier_action(v_id, p_action, NULL, p_message);
			PERFORM journal_append(10, (SELECT x.entite_id FROM dossier x WHERE x.id = v_id),
					       v_id, p_action, format('Traitement par lot : %s', p_action));
			ok := true;
			etat := r.etat;
			message := CASE WHEN r.programme THEN 'programmée' ELSE r.etat_label END;
		EXCEPTION WHEN sqlstate 'LI400' OR sqlstate 'LI403' OR sqlstate 'LI404' OR sqlstate 'LI409' THEN
			ok := false;
			etat := NULL;
			message := SQLERRM;
		END;
		RETURN NEXT;
	END LOOP;
END
$$;

-- Functions agents must not call directly.
REVOKE EXECUTE ON FUNCTION dossier_apply(dossier, jsonb, jsonb, text),
	dossier_edit_commit(dossier, jsonb, boolean, text),
	dossier_write_values(dossier, jsonb, jsonb, boolean),
	dossier_jobs_after(dossier, jsonb, text), dossier_refresh(bigint, jsonb),
	dossier_compter() FROM liasse_agent;

-- Runs, as the system, the pending jobs of a dossier that call no
-- connector (orientation steps, automatic states), in order, until none
-- is left; returns how many ran. For the daemon and the tests.
CREATE FUNCTION job_run_local(p_dossier bigint) RETURNS integer
LANGUAGE plpgsql SET search_path = liasse, pg_catalog AS $$
DECLARE
	j job;
	n integer := 0;
	d dossier;
	v_conn text;
BEGIN
	IF NOT dossier_system_caller() THEN
		RAISE EXCEPTION 'Réservé au traitement automatique.' USING ERRCODE = 'LI403';
	END IF;
	LOOP
		SELECT * INTO j FROM job WHERE dossier_id = p_dossier AND run_at <= now()
		ORDER BY id LIMIT 1 FOR UPDATE SKIP LOCKED;
		EXIT WHEN j.id IS NULL OR n >= 50;
		SELECT * INTO d FROM dossier WHERE id = p_dossier;
		SELECT e->>'connector' INTO v_conn
		FROM def_action_entries(type_def(d.type, d.type_version), j.action) e LIMIT 1;
		EXIT WHEN nullif(v_conn, '') IS NOT NULL;
		DELETE FROM job WHERE id = j.id;
		PERFORM dossier_action(p_dossier, j.action, NULL, NULL);
		n := n + 1;
	END LOOP;
	RETURN n;
END
$$;
REVOKE EXECUTE ON FUNCTION job_run_local(bigint) FROM liasse_agent;
