-- 190_job_claim: jobs are claimed through the due-jobs index, in order
-- (issue 6 §10).
--
-- The job table swings from empty to thousands of rows within minutes
-- (a batch of 10,000 sends, an outage that piles up polls), faster than
-- its statistics follow. With statistics from an empty table the
-- planner took the due jobs by a bitmap scan and sorted all of them to
-- keep the first few: 10,000 rows read and sorted to claim 10, at every
-- claim (7 ms a claim at 6,000 jobs, the most expensive statement of a
-- transition). The claim only ever wants the partial index job_due read
-- in its order, whatever the table's size.
-- Runs as liasse_owner inside one transaction (see core/migrate.c).

SET LOCAL search_path = liasse, pg_catalog;

ALTER FUNCTION job_claim(text, integer, integer) SET enable_bitmapscan = off;
ALTER FUNCTION job_claim(text, integer, integer) SET enable_sort = off;
ALTER FUNCTION job_claim(text, integer, integer) SET enable_seqscan = off;

-- Claiming a job (locked_until, locked_by, last_try) and releasing it
-- changed a column in the predicate of two partial indexes, so every
-- claim wrote a new version of the row into every index of the table,
-- job_due included, on the very page the claim was reading: the index
-- scan could then not mark the dead entries it had walked over (the page
-- had changed under it), and each claim walked over all the jobs done
-- since the last vacuum (6.5 ms a claim after 9,000 jobs, 4.6 ms on
-- average over 10,000 dossiers). The two indexes now name columns a
-- claim does not change: claims and releases are HOT updates, the
-- indexes untouched, and the dead entries of done jobs are marked once
-- and skipped afterwards.
-- job_run (run_at) duplicated job_due (run_at, id), which answers the
-- daemon's "when is the next job due" as well.
DROP INDEX job_run;
DROP INDEX job_verrou;
CREATE INDEX job_verrou ON job (verrou) WHERE verrou <> '';
-- Room on each page for the new versions of claimed rows.
ALTER TABLE job SET (fillfactor = 70);
