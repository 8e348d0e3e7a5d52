# The database lost under a running daemon (the cluster restarted, then
# stopped for a while): the daemon keeps running, says so in its log,
# tries again more and more slowly, takes up its work once the database
# answers, and gives back at once the jobs it held when the connection
# went (not at the end of their lease). SIGTERM during the wait stops it
# cleanly. `liasse daemon status` says whether a daemon is connected.
. tests/lib/tap.sh
. tests/lib/dossier.sh

if [ -z "${PG_DIR:-}" ] || [ -z "${PGBIN:-}" ]; then
	skip "démon et base perdue" "pas de serveur de test à redémarrer (tests/run)"
	exit 0
fi
. tests/lib/pg.sh
pg_cluster() { pg_server "$@" >/dev/null 2>&1; }
dossier_setup drc || { fail "préparation"; exit 1; }
c=$(sys "SELECT liasse.connecteur_create($ENT_A, 'null', 'TdT', 'TdT nul')")
sys "SELECT liasse.connecteur_set($c, 'suite_verif_tdt', 'info-tdt');
	SELECT liasse.connecteur_associate($ENT_A, 'helios-generique', 'TdT', $c)" >/dev/null || fail "connecteur"
etat() { sql -c "SELECT etat FROM liasse.dossier WHERE id = $1"; }
# ready DOSSIER...: orientation done, a send-tdt job waiting for each.
ready() {
	local id
	for id in "$@"; do
		sys "UPDATE liasse.dossier SET etat = 'orientation' WHERE id = $id;
			INSERT INTO liasse.dossier_valeur (dossier_id, entite_id, type, champ, n, valeur)
			VALUES ($id, $ENT_A, 'helios-generique', 'envoi_tdt', 0, 'on') ON CONFLICT DO NOTHING;
			INSERT INTO liasse.job (entite_id, type, dossier_id, action, etat_source, created_by)
			VALUES ($ENT_A, 'helios-generique', $id, 'send-tdt', 'orientation', 'test')" >/dev/null
	done
}
new() { sql_as "$UA" -c "SELECT liasse.dossier_create($ENT_A, 'helios-generique', '$1')"; }
# until N CMD...: CMD succeeds within N tenths of a second.
until_ok() {
	local n=$1 i; shift
	for i in $(seq 1 "$n"); do "$@" && return 0; sleep 0.1; done
	return 1
}
at() { [ "$(etat "$1")" = "$2" ]; }
LOG=$TEST_TMP/daemon.log; rm -f "$LOG"

out=$("$LIASSE" --db "dbname=$DB" daemon status 2>&1); rc=$?
is "$rc:$out" "1:Aucun démon connecté à la base : les travaux attendent." "daemon status sans démon : code 1"
d1=$(new "PES avant la coupure")
ready "$d1"
"$LIASSE" --db "dbname=$DB" -v daemon --veille 1 >"$LOG" 2>&1 & dp=$!
trap 'kill -KILL $dp 2>/dev/null' EXIT
up() { "$LIASSE" --db "dbname=$DB" daemon status >/dev/null 2>&1; }
until_ok 50 up || fail "démon connecté"
out=$(PGUSER=$UA "$LIASSE" --db "dbname=$DB" daemon status 2>&1); rc=$?
is "$rc:$out" "0:1 démon connecté à la base." "daemon status par un agent, démon lancé : code 0"
until_ok 100 at "$d1" info-tdt || fail "premier dossier traité avant la coupure ($(etat "$d1"))"

# A job the daemon holds when the connection goes: leased to it for an
# hour, as if it was running it.
d2=$(new "PES tenu pendant la coupure")
ready "$d2"
# The daemon's id, as its log gives it ("démon HOST:PID:NONCE démarré").
id=$(sed -n 's/.* démon \([^ ]*\) démarré.*/\1/p' "$LOG" | head -n 1)
like "$id" "^$(hostname):$dp:[0-9a-f]{4}\$" "identifiant du démon : hôte, pid et nonce"
sys "UPDATE liasse.job SET locked_by = '$id', locked_until = now() + interval '1 hour' WHERE dossier_id = $d2" >/dev/null
pg_cluster restart -m fast
until_ok 50 grep -q "connexion à la base perdue" "$LOG" && ok "coupure dite dans le journal du démon" ||
	fail "coupure dite dans le journal du démon"
until_ok 300 grep -q "connexion à la base rétablie" "$LOG" && ok "reconnexion dite dans le journal" ||
	fail "reconnexion dite dans le journal"
check "le démon tourne toujours après le redémarrage de la base" kill -0 $dp
until_ok 100 at "$d2" info-tdt && ok "travail tenu pendant la coupure rendu et fait sans attendre son bail" ||
	fail "travail tenu pendant la coupure rendu et fait sans attendre son bail ($(etat "$d2"))"
d3=$(new "PES après la coupure")
ready "$d3"
until_ok 100 at "$d3" info-tdt && ok "nouveau travail fait après la reconnexion (NOTIFY écouté de nouveau)" ||
	fail "nouveau travail fait après la reconnexion ($(etat "$d3"))"

# The database stopped for a while: the daemon tries again, more slowly.
pg_cluster stop -m fast
until_ok 100 grep -q "base toujours injoignable" "$LOG" && ok "base arrêtée : nouvel essai, dit dans le journal" ||
	fail "base arrêtée : nouvel essai, dit dans le journal"
like "$(grep "toujours injoignable" "$LOG" | head -n 1)" "nouvel essai dans 2 s" "l'attente s'allonge (2 s après 1 s)"
check "le démon attend la base sans s'arrêter" kill -0 $dp
pg_cluster start
reconnected() { [ "$(grep -c "connexion à la base rétablie" "$LOG")" -ge "$1" ]; }
until_ok 300 reconnected 2 && ok "base revenue : reconnecté" ||
	{ fail "base revenue : reconnecté"; sed "s/^/#   /" "$LOG"; }
d4=$(new "PES après arrêt")
ready "$d4"
until_ok 100 at "$d4" info-tdt && ok "travail fait après le retour de la base" ||
	fail "travail fait après le retour de la base ($(etat "$d4"))"

# SIGTERM while the database is away: a clean stop.
pg_cluster stop -m fast
lost() { [ "$(grep -c "connexion à la base perdue" "$LOG")" -ge "$1" ]; }
until_ok 50 lost 3 || fail "troisième coupure vue par le démon"
kill -TERM $dp
wait $dp; rc=$?
is "$rc" 0 "SIGTERM pendant l'attente de la base : arrêt propre (code 0)"
pg_cluster start
until_ok 100 sql -c "SELECT 1" >/dev/null 2>&1 || fail "base redémarrée"
out=$("$LIASSE" --db "dbname=$DB" daemon status 2>&1); rc=$?
is "$rc" 1 "daemon status après l'arrêt du démon : code 1"
is "$(sql -c "SELECT count(*) FROM liasse.job WHERE locked_by IS NOT NULL")" 0 "aucun travail ne reste verrouillé"
