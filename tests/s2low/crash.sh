# Idempotence under crashes: CRASH_N (default 200) actes sent to the S2LOW
# double by a daemon killed with SIGKILL at random instants CRASH_KILLS
# times (default 60), then left to finish. Every dossier must end
# acknowledged, through one transmission each, and the double must hold
# exactly one transaction per acte (duplicates refused and adopted).
. tests/lib/tap.sh
. tests/lib/dossier.sh
. tests/s2low/lib.sh

command -v python3 >/dev/null || { skip "s2low crash" "python3 absent"; exit 0; }
N=${CRASH_N:-200}
KILLS=${CRASH_KILLS:-60}
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
# The daemon, killed at random instants.
for k in $(seq 1 "$KILLS"); do
	"$LIASSE" --db "dbname=$DB" daemon --bail 1 --veille 1 >/dev/null 2>&1 & dp=$!
	sleep "0.$(printf '%03d' $((RANDOM % 350 + 50)))"
	kill -KILL $dp 2>/dev/null; wait $dp 2>/dev/null
done
ok "$KILLS arrêts brutaux (kill -9) du démon"
sent=$(sql -c "SELECT count(*) FROM liasse.dossier WHERE id = ANY('{$(echo $ids | tr ' ' ,)}') AND etat <> 'orientation'")
diag "après les arrêts : $sent dossiers transmis ou plus loin"

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
is "$(sql -c "SELECT count(*) FROM (SELECT dossier_id FROM liasse.dossier_etat WHERE etat = 'send-tdt'
	GROUP BY dossier_id HAVING count(*) <> 1) x")" 0 "une seule transmission par dossier dans l'historique"
is "$(sql -c "SELECT count(*) FROM (SELECT dossier_id FROM liasse.dossier_etat WHERE etat = 'acquiter-tdt'
	GROUP BY dossier_id HAVING count(*) <> 1) x")" 0 "un seul acquittement par dossier"
stats=$(s2low_ctl "$PKI" /_test/stats)
n_crees=$(printf '%s' "$stats" | python3 -c "import json,sys; print(json.load(sys.stdin)['actes_crees'])")
n_num=$(printf '%s' "$stats" | python3 -c "import json,sys; d=json.load(sys.stdin)['actes']; print(len({v['number'] for v in d.values() if v['type'] == 1}))")
is "$n_crees" "$N" "le double compte $N transactions, aucune en double"
is "$n_num" "$N" "$N numéros distincts côté S2LOW"
is "$(sql -c "SELECT count(DISTINCT valeur) FROM liasse.dossier_valeur WHERE champ = 'tedetis_transaction_id'")" "$N" \
	"chaque dossier a sa transaction"
diag "doublons refusés puis adoptés : $(printf '%s' "$stats" | python3 -c "import json,sys; print(json.load(sys.stdin)['actes_doublons_refuses'])")"
