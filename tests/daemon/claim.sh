# How the daemon claims jobs (190): through the due-jobs index in its
# order, never sorting every due job; claims and releases are HOT updates
# (no index of the job table names a column a claim changes), so the
# index keeps no trail of versions for the claim to walk over.
. tests/lib/tap.sh

newdb dclaim || { fail "base"; exit 1; }
q() { sql -c "SET search_path = liasse, pg_catalog" -c "$*"; }
E=$(q "SELECT create_entite(entite_racine(), 'collectivite', 'Commune claim', NULL, NULL)")

# No index (columns, expressions, predicate) names what a claim or a
# release writes.
is "$(q "SELECT count(*) FROM pg_index i JOIN pg_class c ON c.oid = i.indrelid
	WHERE c.oid = 'liasse.job'::regclass
	AND pg_get_indexdef(i.indexrelid) ~ '(locked_until|locked_by|last_try|first_try|nb_try)'")" 0 \
	"aucun index des travaux ne porte sur ce qu'une prise ou une libération modifie"

# Statistics of an empty table, then 3,000 due jobs (an outage that
# piled them up): the claim's plan reads job_due in order, with no sort.
q "ANALYZE job" >/dev/null
q "INSERT INTO job (entite_id, type, action, created_by, run_at)
	SELECT $E, 'helios-generique', 'verif-tdt', 'test', now() - g * interval '1 second'
	FROM generate_series(1, 3000) g" >/dev/null
plan=$(psql -X -q -At -d "$DB" 2>&1 >/dev/null <<'SQL'
LOAD 'auto_explain';
SET auto_explain.log_min_duration = 0;
SET auto_explain.log_nested_statements = on;
SET auto_explain.log_level = notice;
SET client_min_messages = notice;
SELECT count(*) FROM liasse.job_claim('claim-test', 60, 10);
SQL
)
claim=$(printf '%s\n' "$plan" | awk '/Query Text: SELECT \* FROM job x/ { p = 1 } p && /Query Text/ && !/FROM job x/ { p = 0 } p')
like "$claim" "Index Scan using job_due on job" "prise : le plan lit l'index des travaux dus dans son ordre"
if printf '%s\n' "$claim" | grep -qE 'Sort|Bitmap'; then
	fail "prise : aucun tri de tous les travaux dus"; printf '%s\n' "$claim" | sed 's/^/#   /' | head -20
else
	ok "prise : aucun tri de tous les travaux dus"
fi
is "$(q "SELECT count(*) FROM job WHERE locked_by = 'claim-test'")" 10 "dix travaux pris, les plus anciens"
is "$(q "SELECT count(*) FROM job WHERE locked_by = 'claim-test' AND run_at > now() - interval '2990 seconds'")" 0 \
	"les travaux pris sont les plus anciens dus"

# The claims were HOT updates (counted once the claiming session's
# statistics are flushed, at its end). Only the first ten: a page full
# of new versions makes the next ones ordinary updates until it is
# pruned.
for i in $(seq 1 50); do
	n=$(q "SELECT n_tup_hot_upd FROM pg_stat_user_tables WHERE relid = 'liasse.job'::regclass")
	[ "${n:-0}" -ge 10 ] && break
	sleep 0.1
done
is "$(q "SELECT (n_tup_hot_upd >= 10)::int FROM pg_stat_user_tables WHERE relid = 'liasse.job'::regclass")" 1 \
	"les prises sont des mises à jour HOT (aucun index touché)"

# The daemon vacuums the job table as it goes (every 100 jobs claimed):
# between autovacuum's visits, the dead versions of thousands of done
# jobs would stay in job_due for every claim to step over. The 2,990
# jobs left (no dossier, no connector) are each claimed once and done.
"$LIASSE" --db "dbname=$DB" daemon --once >"$TEST_TMP/d.out" 2>&1
like "$(cat "$TEST_TMP/d.out")" "2990 travaux" "le démon a pris chacun des 2 990 travaux dus"
for i in $(seq 1 50); do
	n=$(q "SELECT vacuum_count FROM pg_stat_user_tables WHERE relid = 'liasse.job'::regclass")
	[ "${n:-0}" -ge 20 ] && break
	sleep 0.1
done
like "$(q "SELECT vacuum_count FROM pg_stat_user_tables WHERE relid = 'liasse.job'::regclass")" "^([2-9][0-9]|[0-9]{3,})$" \
	"le démon a nettoyé la table des travaux en chemin (VACUUM toutes les 100 prises)"
