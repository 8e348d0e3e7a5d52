-- liasse: one-time initialisation (liasse db init).
-- Run by a superuser, or by a role with CREATEROLE that owns the database.
-- Creates the cluster-wide roles liasse relies on and the schema; the
-- numbered migrations then create everything inside the schema.
--
--   liasse_owner   NOLOGIN CREATEROLE: owns the schema and every object;
--                  SECURITY DEFINER functions (user creation) run as it.
--   liasse_agent   NOLOGIN: every agent's login role is a member; holds
--                  the table privileges, Row Level Security does the rest.
DO $$
BEGIN
	IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'liasse_owner') THEN
		CREATE ROLE liasse_owner NOLOGIN CREATEROLE;
	END IF;
	IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'liasse_agent') THEN
		CREATE ROLE liasse_agent NOLOGIN;
	END IF;
	-- The administrator running init may then run migrate.
	IF NOT pg_has_role(current_user, 'liasse_owner', 'MEMBER') THEN
		EXECUTE format('GRANT liasse_owner TO %I', current_user);
	END IF;
END
$$;

CREATE SCHEMA IF NOT EXISTS liasse AUTHORIZATION liasse_owner;
REVOKE ALL ON SCHEMA liasse FROM PUBLIC;
GRANT USAGE ON SCHEMA liasse TO liasse_agent;
-- Accent-insensitive full-text search of dossiers (002_dossiers); in a
-- schema of its own so that the grants of schema liasse do not touch it.
CREATE SCHEMA IF NOT EXISTS liasse_ext;
GRANT USAGE ON SCHEMA liasse_ext TO liasse_owner, liasse_agent;
CREATE EXTENSION IF NOT EXISTS unaccent WITH SCHEMA liasse_ext;

SET LOCAL ROLE liasse_owner;
CREATE TABLE IF NOT EXISTS liasse.schema_version (
	version    integer PRIMARY KEY,
	name       text NOT NULL,
	sha256     text NOT NULL,
	applied_at timestamptz NOT NULL DEFAULT now()
);
GRANT SELECT ON liasse.schema_version TO liasse_agent;
RESET ROLE;
