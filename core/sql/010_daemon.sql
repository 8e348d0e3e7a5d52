-- 010_daemon: connector instances per entity, their secrets, associations
-- with dossier types (inherited from the parent entity), connector data of
-- dossiers (remote ids, intents), frequency rules, verrous and the job
-- columns the daemon needs (lease, verrou, suspension).
-- Runs as liasse_owner inside one transaction (see core/migrate.c).
--
-- Who reads what:
--   connecteur             agents holding connecteur:lecture on the entity
--                          (RLS); no secret is stored there;
--   connecteur_secret      passwords, keys, certificates: no entite_id, no
--                          grant to liasse_agent; only members of
--                          liasse_owner (the daemon's role, the database
--                          administrators) read it. Agents holding
--                          connecteur:edition write it through
--                          connecteur_set(..., secret => true) and only
--                          ever see whether a value is set.

SET LOCAL search_path = liasse, pg_catalog;

INSERT INTO droit (droit, libelle) VALUES
	('connecteur:lecture', 'Voir les connecteurs et les travaux du démon'),
	('connecteur:edition', 'Configurer les connecteurs, agir sur les travaux du démon')
ON CONFLICT DO NOTHING;

------------------------------------------------------------------------
-- Connector instances
------------------------------------------------------------------------

-- A global connector belongs to the root entity.
CREATE TABLE connecteur (
	id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	entite_id   bigint NOT NULL REFERENCES entite,
	libelle     text NOT NULL CHECK (libelle <> ''),
	type        text NOT NULL CHECK (type ~ '^[a-z0-9][a-z0-9_-]*$'),
	famille     text NOT NULL CHECK (famille <> ''),
	config      jsonb NOT NULL DEFAULT '{}' CHECK (jsonb_typeof(config) = 'object'),
	created_at  timestamptz NOT NULL DEFAULT now(),
	modified_at timestamptz NOT NULL DEFAULT now(),
	modified_by text NOT NULL DEFAULT session_user
);
CREATE INDEX connecteur_entite ON connecteur (entite_id);

CREATE TABLE connecteur_secret (
	connecteur_id bigint PRIMARY KEY REFERENCES connecteur ON DELETE CASCADE,
	valeurs       jsonb NOT NULL DEFAULT '{}'
);
REVOKE ALL ON connecteur_secret FROM PUBLIC;

-- For entity E and dossier type T (or 'global'), slot FAMILLE number NUM
-- uses instance CONNECTEUR_ID.
CREATE TABLE connecteur_association (
	id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	entite_id     bigint NOT NULL REFERENCES entite,
	type_dossier  text NOT NULL,
	famille       text NOT NULL,
	num           integer NOT NULL DEFAULT 0 CHECK (num >= 0),
	connecteur_id bigint NOT NULL REFERENCES connecteur ON DELETE CASCADE,
	UNIQUE (entite_id, type_dossier, famille, num)
);

-- Entity E takes its parent's associations for type T ('*' = every type).
CREATE TABLE connecteur_heritage (
	entite_id    bigint NOT NULL REFERENCES entite,
	type_dossier text NOT NULL,
	PRIMARY KEY (entite_id, type_dossier)
);

-- Durable data of a connector about a dossier: remote transaction ids,
-- the intent recorded before a request (idempotence).
CREATE TABLE connecteur_donnee (
	dossier_id bigint NOT NULL REFERENCES dossier ON DELETE CASCADE,
	entite_id  bigint NOT NULL,
	type       text NOT NULL,
	cle        text NOT NULL,
	valeur     text,
	at         timestamptz NOT NULL DEFAULT now(),
	PRIMARY KEY (dossier_id, cle)
);

-- Connector actions journal (Tester la connexion, purge runs...).
CREATE TABLE connecteur_action (
	id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	entite_id     bigint NOT NULL,
	connecteur_id bigint REFERENCES connecteur ON DELETE SET NULL,
	action        text NOT NULL,
	ok            boolean NOT NULL,
	message       text,
	at            timestamptz NOT NULL DEFAULT now(),
	par           text NOT NULL DEFAULT session_user
);

DO $$
DECLARE
	t text;
BEGIN
	FOREACH t IN ARRAY ARRAY['connecteur', 'connecteur_association', 'connecteur_heritage',
				 'connecteur_action'] LOOP
		EXECUTE format('ALTER TABLE %I ENABLE ROW LEVEL SECURITY', t);
		EXECUTE format('CREATE POLICY %I ON %I FOR SELECT USING (entite_id = ANY '
			       '((SELECT liasse.entites_with_right(''connecteur:lecture''))::bigint[]))',
			       t || '_lecture', t);
		EXECUTE format('REVOKE ALL ON %I FROM PUBLIC', t);
		EXECUTE format('GRANT SELECT ON %I TO liasse_agent', t);
	END LOOP;
END
$$;
ALTER TABLE connecteur_donnee ENABLE ROW LEVEL SECURITY;
CREATE POLICY connecteur_donnee_lecture ON connecteur_donnee FOR SELECT USING
	((entite_id, type) IN (SELECT s.entite_id, s.type FROM liasse.dossier_scope() s));
REVOKE ALL ON connecteur_donnee FROM PUBLIC;
GRANT SELECT ON connecteur_donnee TO liasse_agent;

------------------------------------------------------------------------
-- Frequencies and verrous (global, no entity data)
------------------------------------------------------------------------

-- Selectors ('' = any): connector scope ('global' | 'entite'), family,
-- connector type, instance, action kind ('connecteur' | 'document'),
-- dossier type, action. The most specific matching rule wins: a
-- narrower criterion outweighs all broader ones together (instance >
-- connector type > family > scope; then action > dossier type > action
-- kind); ties go to the lowest id. No rule: every minute, no verrou.
CREATE TABLE frequence (
	id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	type_connecteur text NOT NULL DEFAULT '' CHECK (type_connecteur IN ('', 'global', 'entite')),
	famille         text NOT NULL DEFAULT '',
	connecteur_type text NOT NULL DEFAULT '',
	connecteur_id   bigint REFERENCES connecteur ON DELETE CASCADE,
	action_type     text NOT NULL DEFAULT '' CHECK (action_type IN ('', 'connecteur', 'document')),
	type_dossier    text NOT NULL DEFAULT '',
	action          text NOT NULL DEFAULT '',
	expression      text NOT NULL DEFAULT '1',
	verrou          text NOT NULL DEFAULT ''
);
GRANT SELECT ON frequence TO liasse_agent;

-- How many jobs of a verrou may run at once across all daemons (no row: 1).
CREATE TABLE verrou (
	nom text PRIMARY KEY CHECK (nom <> ''),
	max integer NOT NULL DEFAULT 1 CHECK (max > 0)
);
GRANT SELECT ON verrou TO liasse_agent;

INSERT INTO frequence (connecteur_type, expression, verrou) VALUES
	('s2low', '1', 'S2LOW'),
	('purge', '1440', 'PURGE');

------------------------------------------------------------------------
-- Jobs: what the daemon adds to the dossier engine's table
------------------------------------------------------------------------

ALTER TABLE job
	ADD COLUMN connecteur_id bigint REFERENCES connecteur ON DELETE SET NULL,
	ADD COLUMN famille text,
	ADD COLUMN verrou text NOT NULL DEFAULT '',
	ADD COLUMN etat text NOT NULL DEFAULT 'attente' CHECK (etat IN ('attente', 'suspendu', 'erreur')),
	ADD COLUMN first_try timestamptz,
	ADD COLUMN last_try timestamptz;
CREATE INDEX job_due ON job (run_at, id) WHERE etat = 'attente';
CREATE INDEX job_verrou ON job (verrou) WHERE locked_until IS NOT NULL;

-- The instance serving slot FAMILLE/NUM of type P_TYPE on P_ENTITE: the
-- entity's own association, else its parent's while it inherits (for the
-- type or for '*'), else a global association (type 'global').
CREATE FUNCTION connecteur_resolve(p_entite bigint, p_type text, p_famille text, p_num integer DEFAULT 0)
RETURNS bigint
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = liasse, pg_catalog AS $$
DECLARE
	v_e bigint := p_entite;
	v_c bigint;
	v_depth integer := 0;
BEGIN
	WHILE v_e IS NOT NULL AND v_depth < 64 LOOP
		SELECT connecteur_id INTO v_c FROM connecteur_association
		WHERE entite_id = v_e AND type_dossier = p_type AND famille = p_famille AND num = p_num;
		IF v_c IS NOT NULL THEN
			RETURN v_c;
		END IF;
		EXIT WHEN NOT EXISTS (SELECT FROM connecteur_heritage h WHERE h.entite_id = v_e
				      AND h.type_dossier IN (p_type, '*'));
		SELECT parent_id INTO v_e FROM entite WHERE id = v_e;
		v_depth := v_depth + 1;
	END LOOP;
	RETURN (SELECT connecteur_id FROM connecteur_association
		WHERE type_dossier = 'global' AND famille = p_famille AND num = p_num
		ORDER BY id LIMIT 1);
END
$$;

-- The rule for a job (expression and verrou).
CREATE FUNCTION job_frequence(j job, OUT expression text, OUT verrou text, OUT regle bigint)
LANGUAGE sql STABLE SET search_path = liasse, pg_catalog AS $$
	SELECT coalesce(f.expression, '1'), coalesce(f.verrou, ''), f.id
	FROM (SELECT 1) one LEFT JOIN LATERAL (
		SELECT fr.* FROM frequence fr
		LEFT JOIN connecteur c ON c.id = j.connecteur_id
		WHERE (fr.type_connecteur = '' OR (c.id IS NOT NULL AND fr.type_connecteur =
			CASE WHEN c.entite_id = entite_racine() THEN 'global' ELSE 'entite' END))
		  AND (fr.famille = '' OR fr.famille = coalesce(j.famille, c.famille))
		  AND (fr.connecteur_type = '' OR fr.connecteur_type = c.type)
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
		LIMIT 1) f ON true
$$;

-- Before a job is stored: the connector family of its action, the
-- instance that serves it, the verrou of its rule.
CREATE FUNCTION job_prepare() RETURNS trigger
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
	IF NEW.verrou = '' AND (NEW.connecteur_id IS NOT NULL OR EXISTS (SELECT FROM frequence)) THEN
		v_f := job_frequence(NEW);
		NEW.verrou := v_f.verrou;
	END IF;
	RETURN NEW;
END
$$;
CREATE TRIGGER job_prepare BEFORE INSERT ON job FOR EACH ROW EXECUTE FUNCTION job_prepare();

-- Claims up to P_LIMIT due jobs for daemon P_DAEMON with a lease of
-- P_LEASE seconds: rows taken FOR UPDATE SKIP LOCKED (any number of
-- daemons at once), a job whose lease expired is taken again (its daemon
-- died), a verrou admits at most verrou.max running jobs (claims of one
-- verrou are serialised by an advisory lock), and one dossier runs one
-- job at a time.
CREATE FUNCTION job_claim(p_daemon text, p_lease integer, p_limit integer DEFAULT 1)
RETURNS SETOF job
LANGUAGE plpgsql SET search_path = liasse, pg_catalog AS $$
DECLARE
	j job;
	n integer := 0;
	v_max integer;
BEGIN
	IF NOT is_owner() THEN
		RAISE EXCEPTION 'Réservé au démon (rôle liasse_owner).' USING ERRCODE = 'LI403';
	END IF;
	FOR j IN SELECT * FROM job x WHERE x.etat = 'attente' AND x.run_at <= now()
		   AND (x.locked_until IS NULL OR x.locked_until < now())
		 ORDER BY x.run_at, x.id LIMIT greatest(p_limit * 4, 16) FOR UPDATE SKIP LOCKED LOOP
		CONTINUE WHEN j.dossier_id IS NOT NULL AND EXISTS (SELECT FROM job k
			WHERE k.dossier_id = j.dossier_id AND k.id <> j.id AND k.locked_until > now());
		-- Associated after the job was created: resolve now.
		IF j.famille IS NOT NULL AND j.connecteur_id IS NULL AND j.dossier_id IS NOT NULL THEN
			j.connecteur_id := connecteur_resolve(j.entite_id, j.type, j.famille, 0);
			IF j.connecteur_id IS NOT NULL THEN
				j.verrou := (job_frequence(j)).verrou;
				UPDATE job SET connecteur_id = j.connecteur_id, verrou = j.verrou WHERE id = j.id;
			END IF;
		END IF;
		IF j.verrou <> '' THEN
			PERFORM pg_advisory_xact_lock(hashtext('liasse.verrou:' || j.verrou));
			v_max := coalesce((SELECT v.max FROM verrou v WHERE v.nom = j.verrou), 1);
			CONTINUE WHEN (SELECT count(*) FROM job k WHERE k.verrou = j.verrou
				       AND k.locked_until > now() AND k.id <> j.id) >= v_max;
		END IF;
		UPDATE job SET locked_until = now() + make_interval(secs => p_lease), locked_by = p_daemon,
			last_try = now(), first_try = coalesce(first_try, now())
		WHERE id = j.id RETURNING * INTO j;
		RETURN NEXT j;
		n := n + 1;
		EXIT WHEN n >= p_limit;
	END LOOP;
END
$$;

-- True while P_DAEMON still holds the job (locks the row until commit).
CREATE FUNCTION job_hold(p_job bigint, p_daemon text) RETURNS boolean
LANGUAGE sql SET search_path = liasse, pg_catalog AS $$
	SELECT EXISTS (SELECT FROM job WHERE id = p_job AND locked_by = p_daemon FOR UPDATE);
$$;

-- Puts a claimed job back: next run at P_RUN_AT (NULL: suspended),
-- P_COUNT adds a try, P_MESSAGE (French) is the last message shown.
CREATE FUNCTION job_release(p_job bigint, p_daemon text, p_run_at timestamptz, p_count boolean,
			    p_message text, p_etat text DEFAULT NULL) RETURNS boolean
LANGUAGE sql SET search_path = liasse, pg_catalog AS $$
	WITH u AS (UPDATE job SET locked_until = NULL, locked_by = NULL,
			run_at = coalesce(p_run_at, run_at),
			etat = coalesce(p_etat, CASE WHEN p_run_at IS NULL THEN 'suspendu' ELSE etat END),
			nb_try = nb_try + CASE WHEN p_count THEN 1 ELSE 0 END,
			last_message = coalesce(p_message, last_message)
		WHERE id = p_job AND locked_by = p_daemon RETURNING 1)
	SELECT EXISTS (SELECT FROM u);
$$;

-- Administrator actions on a job (TUI "Démon" view, liasse daemon jobs).
CREATE FUNCTION job_admin(p_job bigint, p_what text) RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = liasse, pg_catalog AS $$
DECLARE
	j job;
BEGIN
	SELECT * INTO j FROM job WHERE id = p_job;
	IF j.id IS NULL THEN
		RAISE EXCEPTION 'Travail % introuvable.', p_job USING ERRCODE = 'LI404';
	END IF;
	PERFORM require_right(j.entite_id, 'connecteur:edition');
	CASE p_what
	WHEN 'relancer' THEN
		UPDATE job SET etat = 'attente', run_at = now(), nb_try = 0, locked_until = NULL,
			locked_by = NULL WHERE id = p_job;
		PERFORM pg_notify('liasse_job', coalesce(j.dossier_id, 0)::text);
	WHEN 'suspendre' THEN
		UPDATE job SET etat = 'suspendu' WHERE id = p_job;
	WHEN 'supprimer' THEN
		DELETE FROM job WHERE id = p_job;
	ELSE
		RAISE EXCEPTION 'Opération inconnue : « % » (relancer, suspendre ou supprimer).', p_what
			USING ERRCODE = 'LI400';
	END CASE;
	PERFORM journal_append(1, j.entite_id, j.dossier_id, 'job-' || p_what,
			       format('Travail %s (%s) : %s', p_job, j.action, p_what));
END
$$;

------------------------------------------------------------------------
-- Connector administration (agents holding connecteur:edition)
------------------------------------------------------------------------

CREATE FUNCTION connecteur_create(p_entite bigint, p_type text, p_famille text, p_libelle text)
RETURNS bigint
LANGUAGE plpgsql SECURITY DEFINER SET search_path = liasse, pg_catalog AS $$
DECLARE
	v_id bigint;
BEGIN
	PERFORM entite_require(p_entite);
	PERFORM require_right(p_entite, 'connecteur:edition');
	IF coalesce(p_libelle, '') = '' THEN
		RAISE EXCEPTION 'Le libellé du connecteur est obligatoire.' USING ERRCODE = 'LI400';
	END IF;
	INSERT INTO connecteur (entite_id, libelle, type, famille)
	VALUES (p_entite, p_libelle, p_type, p_famille) RETURNING id INTO v_id;
	INSERT INTO connecteur_secret (connecteur_id) VALUES (v_id);
	INSERT INTO connecteur_action (entite_id, connecteur_id, action, ok, message)
	VALUES (p_entite, v_id, 'creation', true, format('Connecteur « %s » (%s) créé', p_libelle, p_type));
	RETURN v_id;
END
$$;

CREATE FUNCTION connecteur_require(p_id bigint, p_droit text) RETURNS connecteur
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = liasse, pg_catalog AS $$
DECLARE
	c connecteur;
BEGIN
	SELECT * INTO c FROM connecteur WHERE id = p_id;
	IF c.id IS NULL OR NOT has_right(c.entite_id, 'connecteur:lecture') THEN
		RAISE EXCEPTION 'Connecteur % introuvable.', p_id USING ERRCODE = 'LI404';
	END IF;
	PERFORM require_right(c.entite_id, p_droit);
	RETURN c;
END
$$;

-- Sets (P_VALEUR NULL: removes) a configuration value; secrets go to
-- connecteur_secret.
CREATE FUNCTION connecteur_set(p_id bigint, p_cle text, p_valeur text, p_secret boolean DEFAULT false)
RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = liasse, pg_catalog AS $$
DECLARE
	c connecteur := connecteur_require(p_id, 'connecteur:edition');
BEGIN
	IF coalesce(p_cle, '') !~ '^[a-z0-9_]+$' THEN
		RAISE EXCEPTION 'Nom de paramètre invalide : « % ».', p_cle USING ERRCODE = 'LI400';
	END IF;
	IF p_secret THEN
		UPDATE connecteur_secret SET valeurs = CASE WHEN p_valeur IS NULL THEN valeurs - p_cle
			ELSE valeurs || jsonb_build_object(p_cle, p_valeur) END WHERE connecteur_id = p_id;
		UPDATE connecteur SET config = config - p_cle WHERE id = p_id;
	ELSE
		UPDATE connecteur SET config = CASE WHEN p_valeur IS NULL THEN config - p_cle
			ELSE config || jsonb_build_object(p_cle, p_valeur) END WHERE id = p_id;
	END IF;
	UPDATE connecteur SET modified_at = now(), modified_by = session_user WHERE id = p_id;
	INSERT INTO connecteur_action (entite_id, connecteur_id, action, ok, message)
	VALUES (c.entite_id, p_id, 'modification', true, format('Paramètre « %s » modifié', p_cle));
END
$$;

-- Which secret keys are set (never their values).
CREATE FUNCTION connecteur_secrets_set(p_id bigint) RETURNS text[]
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = liasse, pg_catalog AS $$
BEGIN
	PERFORM connecteur_require(p_id, 'connecteur:lecture');
	RETURN coalesce((SELECT array_agg(k ORDER BY k) FROM connecteur_secret s, jsonb_object_keys(s.valeurs) k
			 WHERE s.connecteur_id = p_id), '{}');
END
$$;

CREATE FUNCTION connecteur_delete(p_id bigint) RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = liasse, pg_catalog AS $$
DECLARE
	c connecteur := connecteur_require(p_id, 'connecteur:edition');
BEGIN
	IF EXISTS (SELECT FROM job WHERE connecteur_id = p_id AND locked_until > now()) THEN
		RAISE EXCEPTION 'Le connecteur « % » est en cours d''utilisation par le démon.', c.libelle
			USING ERRCODE = 'LI409';
	END IF;
	DELETE FROM connecteur WHERE id = p_id;
	INSERT INTO connecteur_action (entite_id, connecteur_id, action, ok, message)
	VALUES (c.entite_id, NULL, 'supression', true, format('Connecteur « %s » supprimé', c.libelle));
END
$$;

-- Associates instance P_CONNECTEUR (NULL: removes the association) with
-- slot P_FAMILLE/P_NUM of type P_TYPE on P_ENTITE. The instance must
-- belong to the entity, one of its ancestors, or be global.
CREATE FUNCTION connecteur_associate(p_entite bigint, p_type text, p_famille text,
				     p_connecteur bigint, p_num integer DEFAULT 0) RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = liasse, pg_catalog AS $$
DECLARE
	c connecteur;
BEGIN
	PERFORM entite_require(p_entite);
	PERFORM require_right(p_entite, 'connecteur:edition');
	IF p_type <> 'global' AND type_latest(p_type) IS NULL THEN
		RAISE EXCEPTION 'Type de dossier inconnu : « % ».', p_type USING ERRCODE = 'LI404';
	END IF;
	IF p_connecteur IS NULL THEN
		DELETE FROM connecteur_association WHERE entite_id = p_entite AND type_dossier = p_type
			AND famille = p_famille AND num = p_num;
		RETURN;
	END IF;
	SELECT * INTO c FROM connecteur WHERE id = p_connecteur;
	IF c.id IS NULL OR NOT has_right(c.entite_id, 'connecteur:lecture') AND c.entite_id <> entite_racine() THEN
		RAISE EXCEPTION 'Connecteur % introuvable.', p_connecteur USING ERRCODE = 'LI404';
	END IF;
	IF c.famille <> p_famille THEN
		RAISE EXCEPTION 'Le connecteur « % » est de la famille %, pas %.', c.libelle, c.famille, p_famille
			USING ERRCODE = 'LI400';
	END IF;
	IF NOT EXISTS (SELECT FROM entite_ancetre a WHERE a.entite_id = p_entite AND a.ancetre_id = c.entite_id)
	   AND c.entite_id <> entite_racine() THEN
		RAISE EXCEPTION 'Le connecteur « % » appartient à une autre entité.', c.libelle
			USING ERRCODE = 'LI400';
	END IF;
	INSERT INTO connecteur_association (entite_id, type_dossier, famille, num, connecteur_id)
	VALUES (p_entite, p_type, p_famille, p_num, p_connecteur)
	ON CONFLICT (entite_id, type_dossier, famille, num) DO UPDATE SET connecteur_id = p_connecteur;
END
$$;

CREATE FUNCTION connecteur_heriter(p_entite bigint, p_type text, p_on boolean) RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = liasse, pg_catalog AS $$
BEGIN
	PERFORM entite_require(p_entite);
	PERFORM require_right(p_entite, 'connecteur:edition');
	IF p_on THEN
		INSERT INTO connecteur_heritage VALUES (p_entite, p_type) ON CONFLICT DO NOTHING;
	ELSE
		DELETE FROM connecteur_heritage WHERE entite_id = p_entite AND type_dossier = p_type;
	END IF;
END
$$;

-- Records a connector action (Tester la connexion...).
CREATE FUNCTION connecteur_log(p_id bigint, p_action text, p_ok boolean, p_message text) RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = liasse, pg_catalog AS $$
DECLARE
	c connecteur := connecteur_require(p_id, 'connecteur:lecture');
BEGIN
	INSERT INTO connecteur_action (entite_id, connecteur_id, action, ok, message)
	VALUES (c.entite_id, p_id, p_action, p_ok, p_message);
END
$$;

REVOKE EXECUTE ON FUNCTION job_claim(text, integer, integer), job_hold(bigint, text),
	job_release(bigint, text, timestamptz, boolean, text, text), job_prepare(),
	job_frequence(job) FROM liasse_agent;

-- "Tester la connexion" asked by an agent: the daemon (which reads the
-- secrets) runs the test and records the answer in connecteur_action.
CREATE FUNCTION connecteur_test_demande(p_id bigint) RETURNS bigint
LANGUAGE plpgsql SECURITY DEFINER SET search_path = liasse, pg_catalog AS $$
DECLARE
	c connecteur := connecteur_require(p_id, 'connecteur:edition');
	v_job bigint;
BEGIN
	INSERT INTO job (entite_id, type, dossier_id, action, connecteur_id, famille, created_by)
	VALUES (c.entite_id, '', NULL, 'test-connexion', p_id, c.famille, session_user)
	RETURNING id INTO v_job;
	PERFORM pg_notify('liasse_job', '0');
	RETURN v_job;
END
$$;

-- Connectors that run on their own (purge): one recurring job each, at
-- the frequency of their rule; removed with the connector.
CREATE FUNCTION connecteur_planifier() RETURNS trigger
LANGUAGE plpgsql SET search_path = liasse, pg_catalog AS $$
BEGIN
	IF NEW.famille = 'purge' THEN
		INSERT INTO job (entite_id, type, dossier_id, action, connecteur_id, famille, created_by)
		VALUES (NEW.entite_id, '', NULL, 'purge', NEW.id, NEW.famille, session_user);
	END IF;
	RETURN NULL;
END
$$;
CREATE TRIGGER connecteur_planifier AFTER INSERT ON connecteur
	FOR EACH ROW EXECUTE FUNCTION connecteur_planifier();

CREATE FUNCTION connecteur_deplanifier() RETURNS trigger
LANGUAGE plpgsql SET search_path = liasse, pg_catalog AS $$
BEGIN
	DELETE FROM job WHERE connecteur_id = OLD.id AND dossier_id IS NULL;
	RETURN OLD;
END
$$;
CREATE TRIGGER connecteur_deplanifier BEFORE DELETE ON connecteur
	FOR EACH ROW EXECUTE FUNCTION connecteur_deplanifier();
