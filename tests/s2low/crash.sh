# Idempotence under crashes: CRASH_N (default 200) actes sent to the S2LOW
# double by a daemon killed with SIGKILL at random instants while sends
# are pending, until at least CRASH_KILLS (default 50) kills happened with
# sends pending and most actes are transmitted; then left to finish. Every
# dossier must end acknowledged, through one transmission each, and the
# double must hold exactly one transaction per acte (duplicates refused
# and adopted).
. tests/lib/tap.sh
. tests/lib/dossier.sh
. tests/s2low/lib.sh

command -v python3 >/dev/null || { skip "s2low crash" "python3 absent"; exit 0; }
N=${CRASH_N:-200}
KILLS=${CRASH_KILLS:-50}
PKI=$TEST_TMP/pki
s2low_certs "$PKI" && s2low_start "$PKI" --auto --auto-fast || { fail "double S2LOW"; exit 1; }
trap s2low_stop EXIT
dossier_setup s2k || { fail "préparation"; exit 1; }
diag() { echo "# $*"; }
C() { "$LIASSE" --db "dbname=$DB" connecteur "$@"; }
c=$(C create --entite "$ENT_A" --type s2low "S2LOW")
C set "$c" url "$S2LOW_URL" && C set "$c" ca --fichier "$PKI/ca.pem" &&
C set "$c" certificat --fichier "$PKI/client.pem" && C set "$c" cle --fichier "$PKI/client.key" &&
C associate --entite "$ENT_A" --type-dossier actes-generique --famille TdT "$c" || fail "connecteur"
sql -c "INSERT INTO liasse.frequence (connecteur_id, expression) VALUES ($c, '1s')" >/dev/null

# N actes ready to go (values by SQL, the PDF through the CLI).
printf '%%PDF-1.4\n%% acte\n%%%%EOF\n' >"$TEST_TMP/acte.pdf"
ids=$(for i in $(seq 1 "$N"); do
	echo "SELECT liasse.dossier_create($ENT_A, 'actes-generique', 'Acte $i');"
done | sql_as "$UA")
for id in $ids; do
	echo "SELECT liasse.dossier_set($id, NULL, jsonb_build_object('acte_nature', '1', 'numero_de_lacte', 'K$id',
		'classification', '1.1', 'type_acte', '99_DE')) \\g /dev/null"
done | sql_as "$UA" >/dev/null
pdf='%PDF-1.4\n% acte\n%%EOF\n'
for id in $ids; do
	echo "BEGIN;"
	echo "SELECT liasse.fichier_begin($id, NULL, 'arrete', 'acte.pdf') AS f \\gset"
	echo "SELECT liasse.fichier_bloc_add(:f, 0, convert_to(E'$pdf', 'UTF8')) \\g /dev/null"
	echo "SELECT liasse.fichier_finish(:f, encode(sha256(convert_to(E'$pdf', 'UTF8')), 'hex')) \\g /dev/null"
	echo "COMMIT;"
done | sql_as "$UA" >/dev/null || fail "pièces jointes"
for id in $ids; do echo "SELECT liasse.dossier_action($id, 'orientation') \\g /dev/null"; done | sql_as "$UA" >/dev/null
is "$(sql -c "SELECT count(*) FROM liasse.job WHERE action = 'send-tdt'")" "$N" "$N envois programmés"

diag "préparé en $SECONDS s"
# The daemon, killed at random instants while sends are pending: a kill
# counts when send jobs remain after it (they were there when it struck).
# The pause before a kill is random below a ceiling that adapts to the
# machine's pace: when a run sent more than its share of what is pending
# for the kills still wanted, the ceiling shrinks, so that the kills spread
# over the whole run however fast the daemon goes.
pending() { sql -c "SELECT count(*) FROM liasse.job WHERE action = 'send-tdt'"; }
kills=0 busy=0 p=$N ceil=900
while [ "$p" -gt 0 ]; do
	[ "$busy" -ge "$KILLS" ] && [ "$p" -le $((N / 10)) ] && break
	[ "$kills" -ge $((KILLS * 6)) ] && break
	need=$((KILLS - busy)); [ "$need" -lt 1 ] && need=1
	share=$((p / need)); [ "$share" -lt 1 ] && share=1
	if [ "$p" -le "$need" ]; then ms=$((RANDOM % 20 + 5))
	else ms=$((RANDOM % ceil + 10)); fi
	"$LIASSE" --db "dbname=$DB" -v daemon --bail 1 --veille 1 >>"$TEST_TMP/daemon.log" 2>&1 & dp=$!
	sleep "$((ms / 1000)).$(printf '%03d' $((ms % 1000)))"
	kill -KILL $dp 2>/dev/null; wait $dp 2>/dev/null
	kills=$((kills + 1))
	was=$p p=$(pending)
	[ "$p" -gt 0 ] && busy=$((busy + 1))
	if [ $((was - p)) -gt "$share" ]; then ceil=$((ceil * 2 / 3)); [ "$ceil" -lt 20 ] && ceil=20
	elif [ $((2 * (was - p))) -lt "$share" ] && [ "$ceil" -lt 900 ]; then ceil=$((ceil * 3 / 2)); fi
done
diag "$kills arrêts brutaux, dont $busy avec des envois en attente ; $p envois restaient"
check "au moins $KILLS arrêts brutaux (kill -9) pendant des envois ($busy)" [ "$busy" -ge "$KILLS" ]
check "la plupart des actes transmis pendant les arrêts ($((N - p)) sur $N)" [ "$p" -le $((N / 10)) ]

diag "arrêts brutaux finis à $SECONDS s"
# Let it finish (leases of the killed daemons expire within a second).
for i in $(seq 1 180); do
	"$LIASSE" --db "dbname=$DB" daemon --once >/dev/null 2>&1
	left=$(sql -c "SELECT count(*) FROM liasse.job")
	[ "$left" = 0 ] && break
	sleep 0.3
done
diag "fini à $SECONDS s"
is "$left" 0 "tous les travaux terminés"
is "$(sql -c "SELECT count(*) FROM liasse.dossier WHERE type = 'actes-generique' AND etat = 'termine'")" "$N" \
	"les $N actes acquittés et terminés"
once() { # STATE: the dossiers of the run with STATE exactly once in their history
	sql -c "SELECT count(*) FROM liasse.dossier d WHERE d.id = ANY('{$(echo $ids | tr ' ' ,)}')
		AND (SELECT count(*) FROM liasse.dossier_etat h WHERE h.dossier_id = d.id AND h.etat = '$1') = 1"
}
is "$(once send-tdt)" "$N" "une seule transmission par dossier dans l'historique"
is "$(once acquiter-tdt)" "$N" "un seul acquittement par dossier dans l'historique"
stats=$(s2low_ctl "$PKI" /_test/stats)
n_crees=$(printf '%s' "$stats" | python3 -c "import json,sys; print(json.load(sys.stdin)['actes_crees'])")
n_num=$(printf '%s' "$stats" | python3 -c "import json,sys; d=json.load(sys.stdin)['actes']; print(len({v['number'] for v in d.values() if v['type'] == 1}))")
is "$n_crees" "$N" "le double compte $N transactions, aucune en double"
is "$n_num" "$N" "$N numéros distincts côté S2LOW"
is "$(sql -c "SELECT count(DISTINCT valeur) FROM liasse.dossier_valeur WHERE champ = 'tedetis_transaction_id'")" "$N" \
	"chaque dossier a sa transaction"
# Each dossier holds the transaction the double created for its number
# (an adopted duplicate points to the first transaction, not a new one).
printf '%s' "$stats" | python3 -c "import json,sys
for k, v in json.load(sys.stdin)['actes'].items():
    if v['type'] == 1: print(v['number'] + '|' + k)" | sort >"$TEST_TMP/double.txt"
sql -c "SELECT 'K' || d.id || '|' || v.valeur FROM liasse.dossier d JOIN liasse.dossier_valeur v
	ON v.dossier_id = d.id AND v.champ = 'tedetis_transaction_id' WHERE d.id = ANY('{$(echo $ids | tr ' ' ,)}')" |
	sort >"$TEST_TMP/liasse.txt"
check "chaque dossier porte la transaction créée pour son numéro" cmp "$TEST_TMP/double.txt" "$TEST_TMP/liasse.txt"
refused=$(printf '%s' "$stats" | python3 -c "import json,sys; print(json.load(sys.stdin)['actes_doublons_refuses'])")
adopted=$(grep -c 'déjà créée, reprise' "$TEST_TMP/daemon.log")
diag "doublons refusés par le double : $refused ; reprises journalisées par le démon : $adopted"
check "chaque reprise d'une transaction fait suite à un doublon refusé" [ "$adopted" -le "$refused" ]
