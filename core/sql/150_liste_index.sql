-- 150_liste_index: the list functions never read the whole dossier
-- tables (issue 3: every list query goes through an index).
--
-- On a platform of modest size the planner may prefer a sequential scan
-- of the dossiers for a word search or a "passé par" count (the table is
-- small, the word frequent); the cost then grows with the platform, and
-- the same query took 30 ms on a million dossiers. These functions only
-- ever want an index (the search index, the history's index by state,
-- the per-pair date indexes), so sequential scans are made a last resort
-- inside them, as they are in every plan of the benchmark data.
-- Runs as liasse_owner inside one transaction (see core/migrate.c).

SET LOCAL search_path = liasse, pg_catalog;

ALTER FUNCTION dossier_page_ids(jsonb, text, text, integer, integer) SET enable_seqscan = off;
ALTER FUNCTION dossier_list_total_030(jsonb) SET enable_seqscan = off;
