#!/usr/bin/env bash
# The daemon's throughput: BENCH_DAEMON_N (default 10,000) helios dossiers
# sent through a null TdT connector (send-tdt, verif-tdt, info-tdt, then
# the automatic orientation, which stops there: these dossiers have no PES),
# with 1, 2 and 4 daemons at once,
# in a throwaway PostgreSQL cluster. Prints the state transitions per
# second, the duplicates (dossiers transmitted twice: must be 0) and the
# processor time spent per transition by the server (its backends, counted
# by the postmaster when they end) and by the daemons: on a shared machine
# the wall time depends on the other load, the processor time much less.
# Figures only; exits 1 only when a duplicate or a lost dossier is found.
# Usage: B=build tests/bench/daemon.sh   (BENCH_DAEMONS="1 2 4", BENCH_LOT=N)
set -eu
cd "$(dirname "$0")/../.."
B=${B:-build}
LIASSE=${LIASSE:-$PWD/$B/liasse}
N=${BENCH_DAEMON_N:-10000}
LOT=${BENCH_LOT:-10}
TMP=$(mktemp -d "${TMPDIR:-/tmp}/liasse-bench-daemon.XXXXXX")
chmod 755 "$TMP"
. tests/lib/pg.sh
trap '[ -n "${BENCH_KEEP:-}" ] || { pg_stop; rm -rf "$TMP"; }' EXIT
pg_start "$TMP/pg" >/dev/null
export TZ=UTC LC_ALL=C.UTF-8
psql() { command psql -X -q -At -v ON_ERROR_STOP=1 "$@"; }
status=0
HZ=$(getconf CLK_TCK)
# Processor time (ticks) of the server's ended backends: cutime + cstime
# of the postmaster.
server_ticks() {
	awk '{ sub(/^.*\) /, ""); print $14 + $15 }' "/proc/$(head -n 1 "$PG_DIR/data/postmaster.pid")/stat"
}
# Processor time (seconds) of this script's ended children, as printed
# by `times` (called in this shell: in $(...) it would see a subshell's).
children_secs() {
	awk 'NR == 2 { for (i = 1; i <= 2; i++) { split($i, t, /[ms]/); s += t[1] * 60 + t[2] } print s }' "$1"
}
echo "Machine : $(nproc) processeur(s), charge $(cut -d ' ' -f 1-3 /proc/loadavg)"
echo "Démon : $N dossiers par passage, connecteur nul, lots de $LOT"
for nd in ${BENCH_DAEMONS:-1 2 4}; do
	db=bench$nd
	createdb "$db"
	"$LIASSE" --db "dbname=$db" db init >/dev/null
	psql -d "$db" -o /dev/null <<SQL
SET search_path = liasse, pg_catalog;
SET liasse.automatique = on;
SELECT create_entite(entite_racine(), 'collectivite', 'Commune', NULL, NULL) AS e \gset
SELECT connecteur_create(:e, 'null', 'TdT', 'TdT nul') AS c \gset
SELECT connecteur_set(:c, 'suite_verif_tdt', 'info-tdt');
SELECT connecteur_associate(:e, 'helios-generique', 'TdT', :c);
-- Dossiers ready to be sent: state orientation, job send-tdt.
CREATE TEMP TABLE ids AS SELECT dossier_create(:e, 'helios-generique', 'PES ' || g) AS id
	FROM generate_series(1, $N) g;
UPDATE dossier SET etat = 'orientation' WHERE id IN (SELECT id FROM ids);
INSERT INTO dossier_valeur (dossier_id, entite_id, type, champ, n, valeur)
	SELECT id, :e, 'helios-generique', 'envoi_tdt', 0, 'on' FROM ids ON CONFLICT DO NOTHING;
DELETE FROM job;
INSERT INTO job (entite_id, type, dossier_id, action, etat_source, created_by)
	SELECT :e, 'helios-generique', id, 'send-tdt', 'orientation', 'bench' FROM ids;
SQL
	before=$(psql -d "$db" -c "SELECT count(*) FROM liasse.dossier_etat")
	times >"$TMP/times"
	c0=$(children_secs "$TMP/times")
	s0=$(server_ticks)
	t0=$(date +%s.%N)
	pids=
	for i in $(seq 1 "$nd"); do
		"$LIASSE" --db "dbname=$db" daemon --once --lot "$LOT" >"$TMP/d$nd.$i" 2>&1 & pids="$pids $!"
	done
	wait $pids
	t1=$(date +%s.%N)
	times >"$TMP/times"
	c1=$(children_secs "$TMP/times")
	# the daemons' backends gone (and reaped), so that their time counts
	while [ "$(psql -c "SELECT count(*) FROM pg_stat_activity WHERE datname = '$db'")" != 0 ]; do sleep 0.05; done
	sleep 0.2
	s1=$(server_ticks)
	after=$(psql -d "$db" -c "SELECT count(*) FROM liasse.dossier_etat")
	dup=$(psql -d "$db" -c "SELECT count(*) FROM (SELECT dossier_id FROM liasse.dossier_etat WHERE etat = 'send-tdt'
		GROUP BY dossier_id HAVING count(*) > 1) x")
	done_=$(psql -d "$db" -c "SELECT count(*) FROM liasse.dossier d WHERE EXISTS (SELECT FROM liasse.dossier_etat h
		WHERE h.dossier_id = d.id AND h.etat = 'info-tdt')")
	left=$(psql -d "$db" -c "SELECT count(*) FROM liasse.job WHERE action <> 'orientation'")
	awk -v n="$nd" -v tr=$((after - before)) -v a="$t0" -v b="$t1" -v dup="$dup" -v d="$done_" -v l="$left" \
		-v srv=$(((s1 - s0) * 1000 / HZ)) -v c0="$c0" -v c1="$c1" -v load="$(cut -d ' ' -f 1 /proc/loadavg)" \
		'BEGIN { s = b - a; printf "  %d démon(s) : %d transitions en %.1f s = %.0f transitions/s ; %d dossiers acquittés ; doublons : %d ; travaux TdT restants : %d\n", n, tr, s, tr / s, d, dup, l
			printf "    processeur par transition : serveur %.2f ms, démons %.2f ms ; charge %s\n", srv / tr, (c1 - c0) * 1000 / tr, load }'
	if [ "$dup" != 0 ] || [ "$done_" != "$N" ] || [ "$left" != 0 ]; then status=1; fi
	dropdb "$db"
done
exit $status
