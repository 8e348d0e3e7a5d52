-- "Today" for a dossier is the date in the collectivités' time zone
-- (Europe/Paris), whatever the time zone of the session that asks: liasse
-- sets it on its own connections, but a daemon, a script or psql may run in
-- UTC, and between 22:00 and midnight UTC the two dates differ. A date set
-- to "today" by one session was then "in the future" for another.
--
-- field_value_error compares with current_date, so it is STABLE, not
-- IMMUTABLE: its answer changes at midnight.
ALTER FUNCTION field_value_error(jsonb, text) STABLE SET timezone = 'Europe/Paris';
ALTER FUNCTION dossier_rule_check_002(dossier, jsonb, text) SET timezone = 'Europe/Paris';
ALTER FUNCTION dossier_create(bigint, text, text) SET timezone = 'Europe/Paris';
