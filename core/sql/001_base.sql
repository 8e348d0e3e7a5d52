-- 001_base: entities, users, rights (PASTELL's roles) enforced by
-- PostgreSQL, and the tamper-evident journal.
-- Runs as liasse_owner inside one transaction (see core/migrate.c).
--
-- Conventions for every later migration:
--   * every table holding an entity's data has an `entite_id` column, Row
--     Level Security enabled, and policies written with the helpers below,
--     e.g.  USING (entite_id = ANY ((SELECT entites_with_right('x:lecture'))::bigint[]))
--     (the scalar sub-select makes PostgreSQL evaluate the set once per
--     query, not once per row); tests/db/rls.sh checks them all;
--   * agents get table privileges through liasse_agent; writes that need
--     checks go through SECURITY DEFINER functions owned by liasse_owner
--     with `SET search_path = liasse, pg_catalog`;
--   * user errors: SQLSTATE LI400 invalid input, LI403 right missing,
--     LI404 not found, LI409 conflict, with a French message.

SET LOCAL search_path = liasse, pg_catalog;

------------------------------------------------------------------------
-- Rights catalogue
------------------------------------------------------------------------

CREATE TABLE droit (
	droit   text PRIMARY KEY CHECK (droit ~ '^[a-z0-9][a-z0-9_-]*:[a-z_-]+$'),
	libelle text NOT NULL
);
COMMENT ON TABLE droit IS 'Rights <object>:<access>; the dossier engine adds <type>:lecture and <type>:edition (INSERT ... ON CONFLICT DO NOTHING).';

CREATE TABLE role (
	role    text PRIMARY KEY CHECK (role ~ '^[a-z0-9][a-z0-9 _-]*$'),
	libelle text NOT NULL
);

CREATE TABLE role_droit (
	role  text NOT NULL REFERENCES role ON UPDATE CASCADE ON DELETE CASCADE,
	droit text NOT NULL REFERENCES droit ON UPDATE CASCADE ON DELETE CASCADE,
	PRIMARY KEY (role, droit)
);
CREATE INDEX role_droit_droit ON role_droit (droit);

-- The role `admin` holds every right, including those added later.
CREATE FUNCTION droit_to_admin() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = liasse, pg_catalog AS $$
BEGIN
	INSERT INTO role_droit (role, droit) VALUES ('admin', NEW.droit)
	ON CONFLICT DO NOTHING;
	RETURN NULL;
END
$$;

INSERT INTO role (role, libelle) VALUES
	('admin', 'Administrateur (tous les droits)'),
	('aucun droit', 'Aucun droit (rattachement à l''entité seulement)'),
	('agent-collectivite', 'Agent de collectivité'),
	('consultation', 'Consultation des dossiers'),
	('administrateur-collectivite', 'Administrateur de collectivité');

CREATE TRIGGER droit_to_admin AFTER INSERT ON droit
	FOR EACH ROW EXECUTE FUNCTION droit_to_admin();

INSERT INTO droit (droit, libelle) VALUES
	('entite:lecture', 'Entités : lecture'),
	('entite:edition', 'Entités : modification'),
	('utilisateur:lecture', 'Utilisateurs : lecture'),
	('utilisateur:edition', 'Utilisateurs : modification'),
	('role:lecture', 'Rôles : lecture'),
	('role:edition', 'Rôles : modification'),
	('journal:lecture', 'Journal des événements : lecture'),
	('annuaire:lecture', 'Annuaire : lecture'),
	('annuaire:edition', 'Annuaire : modification'),
	('connecteur:lecture', 'Connecteurs : lecture'),
	('connecteur:edition', 'Connecteurs : modification'),
	('system:lecture', 'Système : lecture'),
	('system:edition', 'Système : modification'),
	-- The shipped dossier types (the dossier engine adds the others).
	('actes-generique:lecture', 'Actes (générique) : lecture'),
	('actes-generique:edition', 'Actes (générique) : modification'),
	('helios-generique:lecture', 'Helios (générique) : lecture'),
	('helios-generique:edition', 'Helios (générique) : modification'),
	('document-a-signer:lecture', 'Document à signer : lecture'),
	('document-a-signer:edition', 'Document à signer : modification'),
	('pdf-generique:lecture', 'PDF (générique) : lecture'),
	('pdf-generique:edition', 'PDF (générique) : modification'),
	('mailsec-bidir:lecture', 'Mail sécurisé bidirectionnel : lecture'),
	('mailsec-bidir:edition', 'Mail sécurisé bidirectionnel : modification');

INSERT INTO role_droit (role, droit)
SELECT 'agent-collectivite', d FROM unnest(ARRAY[
	'actes-generique:lecture', 'actes-generique:edition',
	'helios-generique:lecture', 'helios-generique:edition',
	'document-a-signer:lecture', 'document-a-signer:edition',
	'pdf-generique:lecture', 'pdf-generique:edition',
	'mailsec-bidir:lecture', 'mailsec-bidir:edition',
	'journal:lecture', 'annuaire:lecture']) AS d
UNION ALL
SELECT 'consultation', d FROM unnest(ARRAY[
	'actes-generique:lecture', 'helios-generique:lecture',
	'document-a-signer:lecture', 'pdf-generique:lecture',
	'mailsec-bidir:lecture', 'journal:lecture', 'annuaire:lecture']) AS d
UNION ALL
SELECT 'administrateur-collectivite', d FROM unnest(ARRAY[
	'actes-generique:lecture', 'actes-generique:edition',
	'helios-generique:lecture', 'helios-generique:edition',
	'document-a-signer:lecture', 'document-a-signer:edition',
	'pdf-generique:lecture', 'pdf-generique:edition',
	'mailsec-bidir:lecture', 'mailsec-bidir:edition',
	'journal:lecture', 'annuaire:lecture', 'annuaire:edition',
	'entite:lecture', 'entite:edition',
	'utilisateur:lecture', 'utilisateur:edition', 'role:lecture',
	'connecteur:lecture', 'connecteur:edition']) AS d;

------------------------------------------------------------------------
-- SIREN / SIRET
------------------------------------------------------------------------

-- Luhn checksum over a string of digits (false for anything else).
CREATE FUNCTION luhn_valide(p text) RETURNS boolean
LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE SET search_path = liasse, pg_catalog AS $$
DECLARE
	s int := 0;
	d int;
	n int := length(p);
BEGIN
	IF p !~ '^[0-9]+$' THEN
		RETURN false;
	END IF;
	FOR i IN 1..n LOOP
		d := ascii(substr(p, n - i + 1, 1)) - 48;
		IF i % 2 = 0 THEN
			d := d * 2;
			IF d > 9 THEN
				d := d - 9;
			END IF;
		END IF;
		s := s + d;
	END LOOP;
	RETURN s % 10 = 0;
END
$$;

CREATE FUNCTION siren_valide(p text) RETURNS boolean
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE SET search_path = liasse, pg_catalog
RETURN p ~ '^[0-9]{9}$' AND luhn_valide(p);

-- La Poste's establishments (SIREN 356000000) do not follow Luhn: the sum
-- of the SIRET's digits is a multiple of 5 instead.
CREATE FUNCTION siret_valide(p text) RETURNS boolean
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE SET search_path = liasse, pg_catalog
RETURN p ~ '^[0-9]{14}$' AND (luhn_valide(p) OR (left(p, 9) = '356000000' AND
	(SELECT sum(ascii(c) - 48) FROM regexp_split_to_table(p, '') AS c) % 5 = 0));

------------------------------------------------------------------------
-- Entities
------------------------------------------------------------------------

CREATE TABLE entite (
	id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	parent_id    bigint REFERENCES entite,
	type         text NOT NULL
		CHECK (type IN ('racine', 'collectivite', 'centre_de_gestion', 'service')),
	denomination text NOT NULL CHECK (btrim(denomination) <> ''),
	siren        char(9) CHECK (siren_valide(siren)),
	siret        char(14) CHECK (siret_valide(siret)),
	actif        boolean NOT NULL DEFAULT true,
	created_at   timestamptz NOT NULL DEFAULT now(),
	updated_at   timestamptz NOT NULL DEFAULT now(),
	CHECK ((type = 'racine') = (parent_id IS NULL)),
	CHECK (siren IS NULL OR siret IS NULL OR left(siret, 9) = siren)
);
CREATE INDEX entite_parent ON entite (parent_id);
CREATE UNIQUE INDEX entite_une_racine ON entite ((true)) WHERE type = 'racine';

-- Closure table: the entity itself (niveau 0) and every ancestor (niveau =
-- distance). Kept by triggers on entite.
CREATE TABLE entite_ancetre (
	entite_id  bigint NOT NULL REFERENCES entite,
	ancetre_id bigint NOT NULL REFERENCES entite,
	niveau     integer NOT NULL CHECK (niveau >= 0),
	PRIMARY KEY (entite_id, ancetre_id)
);
CREATE INDEX entite_ancetre_ancetre ON entite_ancetre (ancetre_id, entite_id);

CREATE TABLE entite_historique (
	id                      bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	entite_id               bigint NOT NULL REFERENCES entite,
	ts                      timestamptz NOT NULL DEFAULT clock_timestamp(),
	utilisateur             text NOT NULL,
	operation               text NOT NULL CHECK (operation IN ('creation', 'modification')),
	ancien_parent_id        bigint,
	nouveau_parent_id       bigint,
	ancien_actif            boolean,
	nouveau_actif           boolean,
	ancienne_denomination   text,
	nouvelle_denomination   text,
	ancien_siren            text,
	nouveau_siren           text,
	ancien_siret            text,
	nouveau_siret           text
);
CREATE INDEX entite_historique_entite ON entite_historique (entite_id, ts);

-- Raises LI400 with a French message unless the optional SIREN/SIRET
-- (NULL or '' = absent) are valid and agree.
CREATE FUNCTION entite_check_ids(p_siren text, p_siret text) RETURNS void
LANGUAGE plpgsql IMMUTABLE SET search_path = liasse, pg_catalog AS $$
DECLARE
	v_siren text := nullif(btrim(p_siren), '');
	v_siret text := nullif(btrim(p_siret), '');
BEGIN
	IF v_siren IS NOT NULL AND NOT siren_valide(v_siren) THEN
		RAISE EXCEPTION 'SIREN « % » invalide : 9 chiffres dont le dernier est une clé de contrôle (Luhn).',
			v_siren USING ERRCODE = 'LI400';
	END IF;
	IF v_siret IS NOT NULL AND NOT siret_valide(v_siret) THEN
		RAISE EXCEPTION 'SIRET « % » invalide : 14 chiffres dont le dernier est une clé de contrôle (Luhn).',
			v_siret USING ERRCODE = 'LI400';
	END IF;
	IF v_siren IS NOT NULL AND v_siret IS NOT NULL AND left(v_siret, 9) <> v_siren THEN
		RAISE EXCEPTION 'Le SIRET « % » ne commence pas par le SIREN « % ».', v_siret, v_siren
			USING ERRCODE = 'LI400';
	END IF;
END
$$;

-- French messages for what the CHECK constraints only refuse.
CREATE FUNCTION entite_valider() RETURNS trigger
LANGUAGE plpgsql SET search_path = liasse, pg_catalog AS $$
BEGIN
	IF TG_OP = 'DELETE' THEN
		RAISE EXCEPTION 'Une entité n''est jamais supprimée : désactivez-la.'
			USING ERRCODE = 'LI409';
	END IF;
	NEW.denomination := btrim(NEW.denomination);
	IF NEW.denomination = '' THEN
		RAISE EXCEPTION 'La dénomination de l''entité est obligatoire.' USING ERRCODE = 'LI400';
	END IF;
	NEW.siren := nullif(btrim(NEW.siren), '');
	NEW.siret := nullif(btrim(NEW.siret), '');
	PERFORM entite_check_ids(NEW.siren::text, NEW.siret::text);
	IF NEW.type = 'racine' AND NEW.parent_id IS NOT NULL OR
	   NEW.type <> 'racine' AND NEW.parent_id IS NULL THEN
		RAISE EXCEPTION 'Seule l''entité racine n''a pas d''entité mère.' USING ERRCODE = 'LI400';
	END IF;
	IF NEW.type NOT IN ('racine', 'collectivite', 'centre_de_gestion', 'service') THEN
		RAISE EXCEPTION 'Type d''entité « % » inconnu (collectivite, centre_de_gestion, service).',
			NEW.type USING ERRCODE = 'LI400';
	END IF;
	IF TG_OP = 'UPDATE' THEN
		IF NEW.type = 'racine' AND NOT NEW.actif THEN
			RAISE EXCEPTION 'L''entité racine ne peut pas être désactivée.' USING ERRCODE = 'LI400';
		END IF;
		IF NEW.parent_id IS DISTINCT FROM OLD.parent_id AND EXISTS (
			SELECT FROM entite_ancetre
			WHERE entite_id = NEW.parent_id AND ancetre_id = NEW.id) THEN
			RAISE EXCEPTION 'Déplacement impossible : l''entité % serait sa propre ancêtre.', NEW.id
				USING ERRCODE = 'LI409';
		END IF;
		NEW.updated_at := now();
	END IF;
	RETURN NEW;
END
$$;
CREATE TRIGGER entite_valider BEFORE INSERT OR UPDATE OR DELETE ON entite
	FOR EACH ROW EXECUTE FUNCTION entite_valider();

-- Closure table and history, after every change.
CREATE FUNCTION entite_suivre() RETURNS trigger
LANGUAGE plpgsql SET search_path = liasse, pg_catalog AS $$
BEGIN
	IF TG_OP = 'INSERT' THEN
		INSERT INTO entite_ancetre (entite_id, ancetre_id, niveau)
		SELECT NEW.id, NEW.id, 0
		UNION ALL
		SELECT NEW.id, a.ancetre_id, a.niveau + 1
		FROM entite_ancetre a WHERE a.entite_id = NEW.parent_id;
		INSERT INTO entite_historique (entite_id, utilisateur, operation,
			nouveau_parent_id, nouveau_actif, nouvelle_denomination,
			nouveau_siren, nouveau_siret)
		VALUES (NEW.id, session_user, 'creation', NEW.parent_id, NEW.actif,
			NEW.denomination, NEW.siren, NEW.siret);
		RETURN NULL;
	END IF;
	IF NEW.parent_id IS DISTINCT FROM OLD.parent_id THEN
		-- Detach the subtree from its old ancestors, hang it under the new.
		DELETE FROM entite_ancetre
		WHERE entite_id IN (SELECT entite_id FROM entite_ancetre WHERE ancetre_id = NEW.id)
		  AND ancetre_id NOT IN (SELECT entite_id FROM entite_ancetre WHERE ancetre_id = NEW.id);
		INSERT INTO entite_ancetre (entite_id, ancetre_id, niveau)
		SELECT s.entite_id, a.ancetre_id, s.niveau + a.niveau + 1
		FROM entite_ancetre s, entite_ancetre a
		WHERE s.ancetre_id = NEW.id AND a.entite_id = NEW.parent_id;
	END IF;
	IF (NEW.parent_id, NEW.actif, NEW.denomination, NEW.siren, NEW.siret) IS DISTINCT FROM
	   (OLD.parent_id, OLD.actif, OLD.denomination, OLD.siren, OLD.siret) THEN
		INSERT INTO entite_historique (entite_id, utilisateur, operation,
			ancien_parent_id, nouveau_parent_id, ancien_actif, nouveau_actif,
			ancienne_denomination, nouvelle_denomination,
			ancien_siren, nouveau_siren, ancien_siret, nouveau_siret)
		VALUES (NEW.id, session_user, 'modification',
			OLD.parent_id, NEW.parent_id, OLD.actif, NEW.actif,
			OLD.denomination, NEW.denomination,
			OLD.siren, NEW.siren, OLD.siret, NEW.siret);
	END IF;
	RETURN NULL;
END
$$;
CREATE TRIGGER entite_suivre AFTER INSERT OR UPDATE ON entite
	FOR EACH ROW EXECUTE FUNCTION entite_suivre();

CREATE FUNCTION entite_refuser_truncate() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
	RAISE EXCEPTION 'Les entités et leur historique ne sont jamais supprimés.'
		USING ERRCODE = 'LI409';
END
$$;
CREATE TRIGGER entite_truncate BEFORE TRUNCATE ON entite
	FOR EACH STATEMENT EXECUTE FUNCTION entite_refuser_truncate();
CREATE TRIGGER entite_historique_truncate BEFORE TRUNCATE ON entite_historique
	FOR EACH STATEMENT EXECUTE FUNCTION entite_refuser_truncate();

INSERT INTO entite (type, denomination) VALUES ('racine', 'Entité racine');

CREATE FUNCTION entite_racine() RETURNS bigint
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = liasse, pg_catalog
RETURN (SELECT id FROM entite WHERE type = 'racine');

-- True when the entity and all its ancestors are active (a dossier may be
-- created on it). NULL entity or unknown id: false.
CREATE FUNCTION entite_is_active(p_id bigint) RETURNS boolean
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = liasse, pg_catalog
RETURN coalesce((SELECT bool_and(e.actif) FROM entite_ancetre a JOIN entite e ON e.id = a.ancetre_id
	WHERE a.entite_id = p_id), false);

------------------------------------------------------------------------
-- Users
------------------------------------------------------------------------

CREATE TABLE utilisateur (
	id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	login      name NOT NULL UNIQUE,
	nom        text NOT NULL DEFAULT '',
	prenom     text NOT NULL DEFAULT '',
	email      text,
	certificat text,
	entite_id  bigint NOT NULL REFERENCES entite,
	actif      boolean NOT NULL DEFAULT true,
	created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX utilisateur_entite ON utilisateur (entite_id);

CREATE TABLE utilisateur_role (
	utilisateur_id bigint NOT NULL REFERENCES utilisateur ON DELETE CASCADE,
	role           text NOT NULL REFERENCES role ON UPDATE CASCADE,
	entite_id      bigint NOT NULL REFERENCES entite,
	created_at     timestamptz NOT NULL DEFAULT now(),
	PRIMARY KEY (utilisateur_id, role, entite_id)
);
CREATE INDEX utilisateur_role_entite ON utilisateur_role (entite_id);
CREATE INDEX utilisateur_role_role ON utilisateur_role (role);

-- True for superusers and members of liasse_owner (the administrators of
-- the database itself): they hold every right.
CREATE FUNCTION is_owner() RETURNS boolean
LANGUAGE sql STABLE SET search_path = liasse, pg_catalog
RETURN pg_has_role(session_user, 'liasse_owner', 'MEMBER');

CREATE FUNCTION current_utilisateur_id() RETURNS bigint
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = liasse, pg_catalog
RETURN (SELECT id FROM utilisateur WHERE login = session_user);

-- Every (entity, right) the session's user holds: roles granted on an
-- entity apply to it and to all its descendants. Owners hold everything.
CREATE FUNCTION my_rights() RETURNS TABLE (entite_id bigint, droit text)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = liasse, pg_catalog AS $$
	SELECT e.id, d.droit FROM entite e, droit d WHERE (SELECT is_owner())
	UNION
	SELECT ea.entite_id, rd.droit
	FROM utilisateur u
	JOIN utilisateur_role ur ON ur.utilisateur_id = u.id
	JOIN role_droit rd ON rd.role = ur.role
	JOIN entite_ancetre ea ON ea.ancetre_id = ur.entite_id
	WHERE u.login = session_user AND u.actif AND NOT (SELECT is_owner())
$$;

CREATE FUNCTION has_right(p_entite bigint, p_droit text) RETURNS boolean
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = liasse, pg_catalog
RETURN is_owner() OR EXISTS (
	SELECT FROM utilisateur u
	JOIN utilisateur_role ur ON ur.utilisateur_id = u.id
	JOIN role_droit rd ON rd.role = ur.role AND rd.droit = p_droit
	JOIN entite_ancetre ea ON ea.ancetre_id = ur.entite_id AND ea.entite_id = p_entite
	WHERE u.login = session_user AND u.actif);

CREATE FUNCTION entites_with_right(p_droit text) RETURNS bigint[]
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = liasse, pg_catalog
RETURN coalesce((SELECT array_agg(DISTINCT entite_id ORDER BY entite_id) FROM my_rights()
	WHERE droit = p_droit), '{}');

-- Entities the user may see in lists and paths: where she holds any right,
-- their ancestors (for the path shown on screen) and her home entity.
CREATE FUNCTION entites_visibles() RETURNS bigint[]
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = liasse, pg_catalog
RETURN coalesce((SELECT array_agg(DISTINCT a.ancetre_id ORDER BY a.ancetre_id)
	FROM entite_ancetre a
	WHERE a.entite_id IN (SELECT entite_id FROM my_rights()
			      UNION SELECT entite_id FROM utilisateur
				    WHERE login = session_user AND actif)), '{}');

-- Raises LI403 unless the user holds P_DROIT on P_ENTITE.
CREATE FUNCTION require_right(p_entite bigint, p_droit text) RETURNS void
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = liasse, pg_catalog AS $$
BEGIN
	IF NOT has_right(p_entite, p_droit) THEN
		RAISE EXCEPTION 'Droit « % » manquant sur l''entité %.', p_droit, p_entite
			USING ERRCODE = 'LI403';
	END IF;
END
$$;

------------------------------------------------------------------------
-- Journal des événements: append-only, hash-chained.
--   hash = sha256(prev_hash || convert_to(journal_canonical(row), 'UTF8'))
-- The first row's prev_hash is 32 zero bytes. Ids are assigned under the
-- lock of journal_head, so chain order = id order, without gaps.
------------------------------------------------------------------------

CREATE TABLE journal (
	id          bigint PRIMARY KEY,
	ts          timestamptz NOT NULL,
	type        smallint NOT NULL CHECK (type BETWEEN 1 AND 14),
	entite_id   bigint,
	utilisateur text NOT NULL,
	dossier_id  bigint,
	action      text NOT NULL,
	message     text NOT NULL,
	prev_hash   bytea NOT NULL CHECK (length(prev_hash) = 32),
	hash        bytea NOT NULL CHECK (length(hash) = 32)
);
CREATE INDEX journal_entite ON journal (entite_id, id);
CREATE INDEX journal_dossier ON journal (dossier_id, id) WHERE dossier_id IS NOT NULL;
CREATE INDEX journal_utilisateur ON journal (utilisateur, id);
CREATE INDEX journal_ts ON journal (ts);

CREATE TABLE journal_head (
	singleton boolean PRIMARY KEY DEFAULT true CHECK (singleton),
	last_id   bigint NOT NULL,
	last_hash bytea NOT NULL CHECK (length(last_hash) = 32)
);
INSERT INTO journal_head (last_id, last_hash) VALUES (0, '\x'::bytea || decode(repeat('00', 32), 'hex'));

-- The canonical serialisation: "J1", then for each column in order
-- (id, ts, type, entite_id, utilisateur, dossier_id, action, message)
-- "-," for NULL or "<byte length>:<text>,"; ts in UTC with microseconds.
-- core/journal.c builds the same bytes on its own to verify the chain.
CREATE FUNCTION journal_field(p text) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE SET search_path = liasse, pg_catalog
RETURN CASE WHEN p IS NULL THEN '-,' ELSE octet_length(p)::text || ':' || p || ',' END;

CREATE FUNCTION journal_ts_text(p timestamptz) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE SET search_path = liasse, pg_catalog
RETURN to_char(p AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"');

CREATE FUNCTION journal_canonical(j journal) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE SET search_path = liasse, pg_catalog
RETURN 'J1' || journal_field(j.id::text) || journal_field(journal_ts_text(j.ts))
	|| journal_field(j.type::text) || journal_field(j.entite_id::text)
	|| journal_field(j.utilisateur) || journal_field(j.dossier_id::text)
	|| journal_field(j.action) || journal_field(j.message);

-- Appends one event; returns its id. Types are PASTELL's codes (1 action
-- sur un dossier, 3 entités, 4 utilisateurs, 7 consultation, 9 erreur,
-- 13 journal, 14 console...). The author is the session's login; a
-- session of a non-agent role (the daemon) that sets liasse.automatique
-- = on is recorded as 'Action automatique'.
CREATE FUNCTION journal_append(p_type int, p_entite bigint, p_dossier bigint, p_action text,
			       p_message text) RETURNS bigint
LANGUAGE plpgsql SECURITY DEFINER SET search_path = liasse, pg_catalog AS $$
DECLARE
	v_id bigint;
	v_prev bytea;
	v_row journal;
	v_user text := session_user;
BEGIN
	IF p_type IS NULL OR p_type NOT BETWEEN 1 AND 14 THEN
		RAISE EXCEPTION 'Type d''événement du journal invalide : % (1 à 14).', p_type
			USING ERRCODE = 'LI400';
	END IF;
	IF coalesce(btrim(p_action), '') = '' THEN
		RAISE EXCEPTION 'Événement du journal sans action.' USING ERRCODE = 'LI400';
	END IF;
	IF current_utilisateur_id() IS NULL THEN
		IF coalesce(current_setting('liasse.automatique', true), '') = 'on' THEN
			v_user := 'Action automatique';
		END IF;
	ELSIF p_entite IS NOT NULL AND NOT EXISTS (
		SELECT FROM my_rights() r WHERE r.entite_id = p_entite) THEN
		RAISE EXCEPTION 'Aucun droit sur l''entité % : événement refusé.', p_entite
			USING ERRCODE = 'LI403';
	END IF;
	UPDATE journal_head SET last_id = last_id + 1
	RETURNING last_id, last_hash INTO v_id, v_prev;
	v_row := ROW(v_id, clock_timestamp(), p_type, p_entite, v_user, p_dossier, p_action,
		     coalesce(p_message, ''), v_prev, NULL)::journal;
	v_row.hash := sha256(v_prev || convert_to(journal_canonical(v_row), 'UTF8'));
	INSERT INTO journal SELECT v_row.*;
	UPDATE journal_head SET last_hash = v_row.hash;
	RETURN v_id;
END
$$;

CREATE FUNCTION journal_refuser() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
	RAISE EXCEPTION 'Le journal des événements n''accepte que des ajouts.'
		USING ERRCODE = 'LI409';
END
$$;
CREATE TRIGGER journal_ajout_seul BEFORE UPDATE OR DELETE ON journal
	FOR EACH ROW EXECUTE FUNCTION journal_refuser();
CREATE TRIGGER journal_truncate BEFORE TRUNCATE ON journal
	FOR EACH STATEMENT EXECUTE FUNCTION journal_refuser();
CREATE TRIGGER journal_head_truncate BEFORE TRUNCATE OR DELETE ON journal_head
	FOR EACH STATEMENT EXECUTE FUNCTION journal_refuser();

-- The whole chain, for `liasse journal verify`: rows with id > P_AFTER in
-- id order. Needs journal:lecture on the root entity.
CREATE FUNCTION journal_chain(p_after bigint, p_limit int)
RETURNS TABLE (id bigint, ts text, type smallint, entite_id bigint, utilisateur text,
	       dossier_id bigint, action text, message text, prev_hash bytea, hash bytea)
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = liasse, pg_catalog AS $$
BEGIN
	PERFORM require_right(entite_racine(), 'journal:lecture');
	RETURN QUERY SELECT j.id, journal_ts_text(j.ts), j.type, j.entite_id, j.utilisateur,
		j.dossier_id, j.action, j.message, j.prev_hash, j.hash
	FROM journal j WHERE j.id > p_after ORDER BY j.id LIMIT p_limit;
END
$$;

CREATE FUNCTION journal_head_get() RETURNS TABLE (last_id bigint, last_hash bytea)
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = liasse, pg_catalog AS $$
BEGIN
	PERFORM require_right(entite_racine(), 'journal:lecture');
	RETURN QUERY SELECT h.last_id, h.last_hash FROM journal_head h;
END
$$;

-- The stored hash of the row just before P_ID (zero hash when none).
CREATE FUNCTION journal_hash_before(p_id bigint) RETURNS TABLE (id bigint, hash bytea)
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = liasse, pg_catalog AS $$
BEGIN
	PERFORM require_right(entite_racine(), 'journal:lecture');
	RETURN QUERY SELECT j.id, j.hash FROM journal j WHERE j.id < p_id ORDER BY j.id DESC LIMIT 1;
END
$$;

------------------------------------------------------------------------
-- Administration functions (the only way agents change these tables)
------------------------------------------------------------------------

CREATE FUNCTION entite_label(p_id bigint) RETURNS text
LANGUAGE sql STABLE SET search_path = liasse, pg_catalog
RETURN (SELECT format('%s (%s)', denomination, id) FROM entite WHERE id = p_id);

CREATE FUNCTION entite_require(p_id bigint) RETURNS entite
LANGUAGE plpgsql STABLE SET search_path = liasse, pg_catalog AS $$
DECLARE
	v entite;
BEGIN
	SELECT * INTO v FROM entite WHERE id = p_id;
	IF NOT FOUND THEN
		RAISE EXCEPTION 'Entité % introuvable.', coalesce(p_id::text, '(vide)')
			USING ERRCODE = 'LI404';
	END IF;
	RETURN v;
END
$$;

CREATE FUNCTION create_entite(p_parent bigint, p_type text, p_denomination text, p_siren text,
			      p_siret text) RETURNS bigint
LANGUAGE plpgsql SECURITY DEFINER SET search_path = liasse, pg_catalog AS $$
DECLARE
	v_parent entite := entite_require(p_parent);
	v_id bigint;
BEGIN
	PERFORM require_right(p_parent, 'entite:edition');
	IF p_type IS NULL OR p_type NOT IN ('collectivite', 'centre_de_gestion', 'service') THEN
		RAISE EXCEPTION 'Type d''entité « % » invalide (collectivite, centre_de_gestion, service).',
			coalesce(p_type, '') USING ERRCODE = 'LI400';
	END IF;
	IF NOT entite_is_active(p_parent) THEN
		RAISE EXCEPTION 'L''entité mère % est désactivée.', entite_label(p_parent)
			USING ERRCODE = 'LI400';
	END IF;
	PERFORM entite_check_ids(p_siren, p_siret);
	INSERT INTO entite (parent_id, type, denomination, siren, siret)
	VALUES (v_parent.id, p_type, coalesce(p_denomination, ''), p_siren, p_siret)
	RETURNING id INTO v_id;
	PERFORM journal_append(3, v_id, NULL, 'création',
		format('Création de l''entité %s (%s) sous %s', entite_label(v_id), p_type,
		       entite_label(p_parent)));
	RETURN v_id;
END
$$;

CREATE FUNCTION update_entite(p_id bigint, p_denomination text, p_siren text, p_siret text)
RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = liasse, pg_catalog AS $$
DECLARE
	v entite := entite_require(p_id);
BEGIN
	PERFORM require_right(p_id, 'entite:edition');
	PERFORM entite_check_ids(coalesce(p_siren, v.siren), coalesce(p_siret, v.siret));
	-- NULL keeps the current value, '' clears it.
	UPDATE entite SET denomination = coalesce(p_denomination, denomination),
		siren = CASE WHEN p_siren IS NULL THEN siren ELSE nullif(btrim(p_siren), '') END,
		siret = CASE WHEN p_siret IS NULL THEN siret ELSE nullif(btrim(p_siret), '') END
	WHERE id = p_id;
	PERFORM journal_append(3, p_id, NULL, 'modification',
		format('Modification de l''entité %s (ancienne dénomination : %s)',
		       entite_label(p_id), v.denomination));
END
$$;

CREATE FUNCTION move_entite(p_id bigint, p_new_parent bigint) RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = liasse, pg_catalog AS $$
DECLARE
	v entite := entite_require(p_id);
	v_new entite := entite_require(p_new_parent);
BEGIN
	IF v.type = 'racine' THEN
		RAISE EXCEPTION 'L''entité racine ne peut pas être déplacée.' USING ERRCODE = 'LI400';
	END IF;
	PERFORM require_right(p_id, 'entite:edition');
	PERFORM require_right(v.parent_id, 'entite:edition');
	PERFORM require_right(p_new_parent, 'entite:edition');
	IF v.parent_id = p_new_parent THEN
		RETURN;
	END IF;
	IF EXISTS (SELECT FROM entite_ancetre WHERE entite_id = p_new_parent AND ancetre_id = p_id) THEN
		RAISE EXCEPTION 'Déplacement impossible (cycle) : la nouvelle entité mère % est l''entité % elle-même ou l''une de ses sous-entités.',
			entite_label(p_new_parent), entite_label(p_id) USING ERRCODE = 'LI409';
	END IF;
	UPDATE entite SET parent_id = p_new_parent WHERE id = p_id;
	PERFORM journal_append(3, p_id, NULL, 'déplacement',
		format('Entité %s déplacée de %s vers %s', entite_label(p_id),
		       entite_label(v.parent_id), entite_label(v_new.id)));
END
$$;

CREATE FUNCTION set_entite_active(p_id bigint, p_actif boolean) RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = liasse, pg_catalog AS $$
DECLARE
	v entite := entite_require(p_id);
BEGIN
	PERFORM require_right(p_id, 'entite:edition');
	IF p_actif IS NULL THEN
		RAISE EXCEPTION 'État actif/inactif manquant.' USING ERRCODE = 'LI400';
	END IF;
	IF v.actif = p_actif THEN
		RETURN;
	END IF;
	UPDATE entite SET actif = p_actif WHERE id = p_id;
	PERFORM journal_append(3, p_id, NULL, CASE WHEN p_actif THEN 'activation' ELSE 'désactivation' END,
		format(CASE WHEN p_actif THEN 'Entité %s activée' ELSE 'Entité %s désactivée' END,
		       entite_label(p_id)));
END
$$;

-- Login names: lowercase, start with a letter, 2 to 63 characters among
-- a-z 0-9 . _ -; not reserved by PostgreSQL or liasse.
CREATE FUNCTION login_valide(p text) RETURNS boolean
LANGUAGE sql IMMUTABLE SET search_path = liasse, pg_catalog
RETURN p ~ '^[a-z][a-z0-9._-]{1,62}$' AND p !~ '^(pg_|liasse_)'
	AND p NOT IN ('public', 'postgres', 'liasse', 'none', 'current_user', 'session_user',
		      'current_role', 'all');

-- Creates the agent's PostgreSQL login role (member of liasse_agent) and
-- her profile. P_PASSWORD may be NULL (peer or certificate authentication)
-- or, better, a SCRAM-SHA-256 verifier computed by the client so that the
-- clear password never reaches the server's logs.
CREATE FUNCTION create_user(p_login text, p_password text, p_nom text, p_prenom text,
			    p_email text, p_entite bigint) RETURNS bigint
LANGUAGE plpgsql SECURITY DEFINER SET search_path = liasse, pg_catalog AS $$
DECLARE
	v_id bigint;
BEGIN
	PERFORM entite_require(p_entite);
	PERFORM require_right(p_entite, 'utilisateur:edition');
	IF p_login IS NULL OR NOT login_valide(p_login) THEN
		RAISE EXCEPTION 'Identifiant « % » invalide : de 2 à 63 caractères parmi a-z, 0-9, « . », « _ » et « - », commençant par une lettre minuscule.',
			coalesce(p_login, '') USING ERRCODE = 'LI400';
	END IF;
	IF EXISTS (SELECT FROM pg_roles WHERE rolname = p_login) THEN
		RAISE EXCEPTION 'Le rôle PostgreSQL « % » existe déjà.', p_login USING ERRCODE = 'LI409';
	END IF;
	IF p_email IS NOT NULL AND p_email <> '' AND p_email !~ '^[^@\s]+@[^@\s]+\.[^@\s]+$' THEN
		RAISE EXCEPTION 'Adresse électronique « % » invalide.', p_email USING ERRCODE = 'LI400';
	END IF;
	IF NOT entite_is_active(p_entite) THEN
		RAISE EXCEPTION 'L''entité % est désactivée.', entite_label(p_entite)
			USING ERRCODE = 'LI400';
	END IF;
	IF p_password IS NULL OR p_password = '' THEN
		EXECUTE format('CREATE ROLE %I LOGIN IN ROLE liasse_agent', p_login);
	ELSE
		EXECUTE format('CREATE ROLE %I LOGIN PASSWORD %L IN ROLE liasse_agent',
			       p_login, p_password);
	END IF;
	INSERT INTO utilisateur (login, nom, prenom, email, entite_id)
	VALUES (p_login, coalesce(p_nom, ''), coalesce(p_prenom, ''), nullif(p_email, ''), p_entite)
	RETURNING id INTO v_id;
	PERFORM journal_append(4, p_entite, NULL, 'création',
		format('Création de l''utilisateur %s (%s %s)', p_login, p_prenom, p_nom));
	RETURN v_id;
END
$$;

CREATE FUNCTION utilisateur_require(p_id bigint) RETURNS utilisateur
LANGUAGE plpgsql STABLE SET search_path = liasse, pg_catalog AS $$
DECLARE
	v utilisateur;
BEGIN
	SELECT * INTO v FROM utilisateur WHERE id = p_id;
	IF NOT FOUND THEN
		RAISE EXCEPTION 'Utilisateur % introuvable.', coalesce(p_id::text, '(vide)')
			USING ERRCODE = 'LI404';
	END IF;
	RETURN v;
END
$$;

-- Delegation rule: the caller needs utilisateur:edition on the entity and
-- every right of the role there.
CREATE FUNCTION require_delegation(p_role text, p_entite bigint) RETURNS void
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = liasse, pg_catalog AS $$
DECLARE
	v_missing text;
BEGIN
	IF NOT EXISTS (SELECT FROM role WHERE role = p_role) THEN
		RAISE EXCEPTION 'Rôle « % » introuvable.', coalesce(p_role, '') USING ERRCODE = 'LI404';
	END IF;
	PERFORM entite_require(p_entite);
	PERFORM require_right(p_entite, 'utilisateur:edition');
	SELECT string_agg(droit, ', ' ORDER BY droit) INTO v_missing
	FROM role_droit WHERE role = p_role AND NOT has_right(p_entite, droit);
	IF v_missing IS NOT NULL THEN
		RAISE EXCEPTION 'Délégation refusée : vous ne détenez pas sur l''entité % tous les droits du rôle « % » (manquants : %).',
			p_entite, p_role, v_missing USING ERRCODE = 'LI403';
	END IF;
END
$$;

CREATE FUNCTION grant_role(p_utilisateur bigint, p_role text, p_entite bigint) RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = liasse, pg_catalog AS $$
DECLARE
	v utilisateur := utilisateur_require(p_utilisateur);
BEGIN
	PERFORM require_delegation(p_role, p_entite);
	INSERT INTO utilisateur_role (utilisateur_id, role, entite_id)
	VALUES (p_utilisateur, p_role, p_entite) ON CONFLICT DO NOTHING;
	IF FOUND THEN
		PERFORM journal_append(4, p_entite, NULL, 'attribution de rôle',
			format('Rôle « %s » attribué à %s sur %s', p_role, v.login, entite_label(p_entite)));
	END IF;
END
$$;

CREATE FUNCTION revoke_role(p_utilisateur bigint, p_role text, p_entite bigint) RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = liasse, pg_catalog AS $$
DECLARE
	v utilisateur := utilisateur_require(p_utilisateur);
BEGIN
	PERFORM require_delegation(p_role, p_entite);
	DELETE FROM utilisateur_role
	WHERE utilisateur_id = p_utilisateur AND role = p_role AND entite_id = p_entite;
	IF NOT FOUND THEN
		RAISE EXCEPTION '% n''a pas le rôle « % » sur l''entité %.', v.login, p_role, p_entite
			USING ERRCODE = 'LI404';
	END IF;
	PERFORM journal_append(4, p_entite, NULL, 'retrait de rôle',
		format('Rôle « %s » retiré à %s sur %s', p_role, v.login, entite_label(p_entite)));
END
$$;

-- Deactivating a user also forbids her login (NOLOGIN); nothing is deleted.
CREATE FUNCTION set_utilisateur_active(p_utilisateur bigint, p_actif boolean) RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = liasse, pg_catalog AS $$
DECLARE
	v utilisateur := utilisateur_require(p_utilisateur);
BEGIN
	PERFORM require_right(v.entite_id, 'utilisateur:edition');
	IF p_actif IS NULL THEN
		RAISE EXCEPTION 'État actif/inactif manquant.' USING ERRCODE = 'LI400';
	END IF;
	IF v.login = session_user AND NOT p_actif THEN
		RAISE EXCEPTION 'Vous ne pouvez pas désactiver votre propre compte.' USING ERRCODE = 'LI400';
	END IF;
	IF v.actif = p_actif THEN
		RETURN;
	END IF;
	UPDATE utilisateur SET actif = p_actif WHERE id = p_utilisateur;
	IF EXISTS (SELECT FROM pg_roles WHERE rolname = v.login) THEN
		EXECUTE format('ALTER ROLE %I %s', v.login, CASE WHEN p_actif THEN 'LOGIN' ELSE 'NOLOGIN' END);
	END IF;
	PERFORM journal_append(4, v.entite_id, NULL,
		CASE WHEN p_actif THEN 'activation' ELSE 'désactivation' END,
		format(CASE WHEN p_actif THEN 'Utilisateur %s activé' ELSE 'Utilisateur %s désactivé' END,
		       v.login));
END
$$;

-- The profile id of a login, for the CLI (NULL when unknown or not visible).
CREATE FUNCTION utilisateur_id(p_login text) RETURNS bigint
LANGUAGE sql STABLE SET search_path = liasse, pg_catalog
RETURN (SELECT id FROM utilisateur WHERE login = p_login);

------------------------------------------------------------------------
-- Privileges and Row Level Security
------------------------------------------------------------------------

REVOKE ALL ON ALL TABLES IN SCHEMA liasse FROM PUBLIC;
REVOKE ALL ON ALL FUNCTIONS IN SCHEMA liasse FROM PUBLIC;
-- Functions created later by liasse_owner: not for PUBLIC, callable by
-- agents (each checks the rights it needs).
ALTER DEFAULT PRIVILEGES IN SCHEMA liasse REVOKE EXECUTE ON FUNCTIONS FROM PUBLIC;
ALTER DEFAULT PRIVILEGES IN SCHEMA liasse GRANT EXECUTE ON FUNCTIONS TO liasse_agent;

GRANT SELECT ON droit, role, role_droit TO liasse_agent;
GRANT SELECT ON entite, entite_ancetre, entite_historique, utilisateur, utilisateur_role, journal
	TO liasse_agent;

GRANT EXECUTE ON FUNCTION
	luhn_valide(text), siren_valide(text), siret_valide(text), login_valide(text),
	entite_check_ids(text, text),
	entite_racine(), entite_is_active(bigint), entite_label(bigint),
	is_owner(), current_utilisateur_id(), my_rights(), has_right(bigint, text),
	entites_with_right(text), entites_visibles(), require_right(bigint, text),
	journal_field(text), journal_ts_text(timestamptz), journal_canonical(journal),
	journal_append(int, bigint, bigint, text, text),
	journal_chain(bigint, int), journal_head_get(), journal_hash_before(bigint),
	create_entite(bigint, text, text, text, text), update_entite(bigint, text, text, text),
	move_entite(bigint, bigint), set_entite_active(bigint, boolean),
	create_user(text, text, text, text, text, bigint), require_delegation(text, bigint),
	grant_role(bigint, text, bigint), revoke_role(bigint, text, bigint),
	set_utilisateur_active(bigint, boolean), utilisateur_id(text)
	TO liasse_agent;

ALTER TABLE entite ENABLE ROW LEVEL SECURITY;
CREATE POLICY entite_lecture ON entite FOR SELECT
	USING (id = ANY ((SELECT entites_visibles())::bigint[]));

ALTER TABLE entite_ancetre ENABLE ROW LEVEL SECURITY;
CREATE POLICY entite_ancetre_lecture ON entite_ancetre FOR SELECT
	USING (entite_id = ANY ((SELECT entites_visibles())::bigint[]));

ALTER TABLE entite_historique ENABLE ROW LEVEL SECURITY;
CREATE POLICY entite_historique_lecture ON entite_historique FOR SELECT
	USING (entite_id = ANY ((SELECT entites_with_right('entite:lecture'))::bigint[]));

ALTER TABLE utilisateur ENABLE ROW LEVEL SECURITY;
CREATE POLICY utilisateur_lecture ON utilisateur FOR SELECT
	USING (login = session_user
	       OR entite_id = ANY ((SELECT entites_with_right('utilisateur:lecture'))::bigint[]));

ALTER TABLE utilisateur_role ENABLE ROW LEVEL SECURITY;
CREATE POLICY utilisateur_role_lecture ON utilisateur_role FOR SELECT
	USING (utilisateur_id = (SELECT current_utilisateur_id())
	       OR entite_id = ANY ((SELECT entites_with_right('utilisateur:lecture'))::bigint[]));

ALTER TABLE journal ENABLE ROW LEVEL SECURITY;
CREATE POLICY journal_lecture ON journal FOR SELECT
	USING (utilisateur = session_user
	       OR entite_id = ANY ((SELECT entites_with_right('journal:lecture'))::bigint[]));

ALTER TABLE journal_head ENABLE ROW LEVEL SECURITY;
