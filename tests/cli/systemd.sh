# The systemd unit given in liasse(1) is valid and does what it says: its
# command line starts the daemon with the unit's environment (PGSERVICE),
# and the unit's stop signal ends the daemon cleanly, well within
# TimeoutStopSec.
. tests/lib/tap.sh
. tests/lib/dossier.sh

unit=$TEST_TMP/liasse-daemon.service
# The example as an administrator would copy it from the rendered page.
sed -n '/^\[Unit\]$/,/^WantedBy=/p' man/liasse.1 | sed 's/\\-/-/g' >"$unit"
like "$(cat "$unit")" 'ExecStart=/usr/bin/liasse daemon' "la page liasse(1) contient une unité systemd"

field() { sed -n "s/^$1=//p" "$unit" | head -n 1; }
if command -v systemd-analyze >/dev/null; then
	# Checked with the built binary in place of the installed one.
	mkdir -p "$TEST_TMP/v"
	sed "s#^ExecStart=/usr/bin/liasse#ExecStart=$LIASSE#" "$unit" >"$TEST_TMP/v/liasse-daemon.service"
	out=$(cd "$TEST_TMP/v" && systemd-analyze verify ./liasse-daemon.service 2>&1); rc=$?
	is "$rc" 0 "systemd-analyze verify accepte l'unité"
	is "$out" "" "systemd-analyze verify ne signale rien"
else
	skip "systemd-analyze verify" "systemd-analyze absent"
fi

dossier_setup sd || { fail "préparation"; exit 1; }
# The service the unit names, as in the page, pointing at the test cluster.
svc=$(field Environment | sed -n 's/^PGSERVICE=//p')
is "$svc" "liasse" "l'unité nomme le service PostgreSQL liasse"
printf '[%s]\nhost=%s\nport=%s\ndbname=%s\nuser=%s\n' "$svc" "$PGHOST" "$PGPORT" "$DB" "$PGUSER" \
	>"$TEST_TMP/pg_service.conf"
read -r -a cmd <<<"$(field ExecStart | sed "s#^/usr/bin/liasse#$LIASSE#")"
sig=$(field KillSignal)
stop=$(field TimeoutStopSec)

env -u PGDATABASE -u PGHOST -u PGPORT -u PGUSER \
	PGSERVICEFILE="$TEST_TMP/pg_service.conf" PGSERVICE="$svc" \
	"${cmd[@]}" >"$TEST_TMP/daemon.out" 2>&1 &
pid=$!
up=""
for _ in $(seq 1 100); do
	n=$(sql -c "SELECT count(*) FROM pg_stat_activity WHERE application_name = 'liasse daemon' AND datname = '$DB'")
	[ "$n" -ge 1 ] && { up=1; break; }
	kill -0 $pid 2>/dev/null || break
	sleep 0.1
done
is "$up" 1 "la commande de l'unité démarre le démon sur la base du service"

kill -s "${sig#SIG}" $pid
t0=$(date +%s)
rc=""
for _ in $(seq 1 $((stop * 10))); do
	kill -0 $pid 2>/dev/null || { wait $pid; rc=$?; break; }
	sleep 0.1
done
t1=$(date +%s)
is "$rc" 0 "$sig arrête le démon avec le code 0"
[ -n "$rc" ] && [ $((t1 - t0)) -lt "$stop" ] && ok "arrêt avant TimeoutStopSec ($stop s)" ||
	{ fail "arrêt avant TimeoutStopSec ($stop s)"; kill -KILL $pid 2>/dev/null; }
n=$(sql -c "SELECT count(*) FROM pg_stat_activity WHERE application_name = 'liasse daemon' AND datname = '$DB'")
is "$n" 0 "plus aucune connexion du démon après l'arrêt"
