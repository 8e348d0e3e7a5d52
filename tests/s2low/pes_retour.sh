# PES Retour: the unread retours of the S2LOW double become helios-pes-retour
# dossiers (file bytes kept), are marked read once stored, never twice; a KO
# from helios_get_retour.php is shown in French on the job and nothing is
# marked read; a daemon killed between the commit and the mark creates no
# duplicate at its next run.
. tests/lib/tap.sh
. tests/lib/dossier.sh
. tests/s2low/lib.sh

command -v python3 >/dev/null || { skip "s2low pes retour" "python3 absent"; exit 0; }
PKI=$TEST_TMP/pki
R=$TEST_TMP/retours
mkdir -p "$R"
S=tests/s2low/pes_retour_sample.xml
cp "$S" "$R/retour-1.xml"
sed 's/HELIOS_SIMU_RETOUR_1/HELIOS_SIMU_RETOUR_2/' "$S" >"$R/retour-2.xml"
s2low_certs "$PKI" && s2low_start "$PKI" --pes-retour "$R" || { fail "double S2LOW"; exit 1; }
trap s2low_stop EXIT
dossier_setup s2r || { fail "préparation"; exit 1; }
C() { "$LIASSE" --db "dbname=$DB" connecteur "$@"; }
c=$(C create --entite "$ENT_A" --type s2low "S2LOW")
C set "$c" url "$S2LOW_URL" && C set "$c" ca --fichier "$PKI/ca.pem" &&
C set "$c" certificat --fichier "$PKI/client.pem" && C set "$c" cle --fichier "$PKI/client.key" &&
C associate --entite "$ENT_A" --type-dossier helios-pes-retour --famille TdT "$c" || fail "connecteur"
sql -c "INSERT INTO liasse.frequence (connecteur_id, expression) VALUES ($c, '1s')" >/dev/null
is "$(sql -c "SELECT count(*) FROM liasse.job WHERE action = 'recup-pes-retour' AND connecteur_id = $c")" 1 \
	"l'association programme la récupération des PES Retour"
check_fails "un agent ne crée pas de PES Retour à la main" \
	sql_as "$UA" -v ON_ERROR_STOP=1 -c "SELECT liasse.dossier_create($ENT_A, 'helios-pes-retour', 'à la main')"

lus() { s2low_ctl "$PKI" /_test/stats | python3 -c "import json,sys; print(sum(1 for v in json.load(sys.stdin)['retours'].values() if v['lu']))"; }
run() { "$LIASSE" --db "dbname=$DB" daemon --once >/dev/null 2>&1; }
ndos() { sql -c "SELECT count(*) FROM liasse.dossier WHERE type = 'helios-pes-retour'"; }

run
is "$(ndos)" 2 "deux PES Retour, deux dossiers"
is "$(lus)" 2 "les deux marqués lus sur le double"
for f in retour-1.xml retour-2.xml; do
	id=$(sql -c "SELECT d.id FROM liasse.dossier d JOIN liasse.dossier_valeur v ON v.dossier_id = d.id
		WHERE d.type = 'helios-pes-retour' AND v.champ = 'objet' AND v.valeur = '$f'")
	rm -f "$TEST_TMP/out.xml"
	"$LIASSE" --db "dbname=$DB" dossier get "$id" fichier_pes "$TEST_TMP/out.xml" >/dev/null 2>&1
	check "$f : mêmes octets dans le dossier" cmp "$R/$f" "$TEST_TMP/out.xml"
done
# The PES information is read from the retour into indexed fields.
val() { sql -c "SELECT string_agg(v.valeur, ',' ORDER BY d.id) FROM liasse.dossier d
	JOIN liasse.dossier_valeur v ON v.dossier_id = d.id WHERE d.type = 'helios-pes-retour' AND v.champ = '$1'"; }
is "$(val id_coll)" "12345678900012,12345678900012" "id_coll extrait du PES Retour"
is "$(val dte_str)" "2008-02-15,2008-02-15" "dte_str extrait"
is "$(val cod_bud)" "00,00" "cod_bud extrait"
is "$(val cod_col)" "221,221" "cod_col extrait (CodColl)"
is "$(val id_post)" "082008,082008" "id_post extrait"
is "$(val nom_fic)" "HELIOS_SIMU_RETOUR_1565181244_184723364.xml,HELIOS_SIMU_RETOUR_2565181244_184723364.xml" \
	"nom_fic extrait"
is "$(sql -c "SELECT count(*) FROM liasse.dossier_index i JOIN liasse.dossier d ON d.id = i.dossier_id
	WHERE d.type = 'helios-pes-retour' AND i.champ = 'id_coll'")" 2 "id_coll indexé pour les listes"
sleep 1.2
run
is "$(ndos)" 2 "une deuxième passe : aucun doublon"

# KO from helios_get_retour.php: the message in French, nothing marked read.
rid=$(s2low_ctl "$PKI" "/_test/retour?nom=retour-3.xml&fichier=$R/retour-1.xml")
s2low_ctl "$PKI" "/_test/retour_ko?id=$rid&message=Fichier%20indisponible" >/dev/null
sleep 1.2
run
like "$(sql -c "SELECT last_message FROM liasse.job WHERE action = 'recup-pes-retour'")" \
	"Récupération du PES Retour $rid impossible : Fichier indisponible" "erreur en français sur le travail"
is "$(lus)" 2 "rien de plus marqué lu"
is "$(ndos)" 2 "aucun dossier pour le retour en erreur"

# A crash between the commit and the mark: the dossier is stored, the
# double still lists the retour as unread (exactly what a daemon killed
# there leaves behind).
s2low_ctl "$PKI" "/_test/retour_ko?id=$rid&message=" >/dev/null
first=$(s2low_ctl "$PKI" /_test/stats | python3 -c "import json,sys; print(min(json.load(sys.stdin)['retours']))")
s2low_ctl "$PKI" "/_test/unread?id=$first" >/dev/null
is "$(lus)" 1 "un retour stocké mais pas marqué lu"
sql -c "UPDATE liasse.job SET run_at = now() WHERE action = 'recup-pes-retour'" >/dev/null
run
is "$(ndos)" 3 "le retour réparé donne un dossier, le retour déjà stocké aucun"
is "$(lus)" 3 "tous marqués lus"
is "$(sql -c "SELECT count(*) FROM liasse.pes_retour_recu WHERE connecteur_id = $c")" 3 "un identifiant par retour"

# A real crash: the daemon killed (SIGKILL) while it waits for
# helios_change_status, after the dossier was committed.
s2low_ctl "$PKI" "/_test/mark_slow?on=1" >/dev/null
rid=$(s2low_ctl "$PKI" "/_test/retour?nom=retour-5.xml&fichier=$R/retour-1.xml")
sql -c "UPDATE liasse.job SET run_at = now() WHERE action = 'recup-pes-retour'" >/dev/null
"$LIASSE" --db "dbname=$DB" daemon --once >/dev/null 2>&1 & dp=$!
for i in $(seq 1 100); do
	[ "$(sql -c "SELECT count(*) FROM liasse.pes_retour_recu WHERE id_retour = '$rid'")" = 1 ] && break
	sleep 0.05
done
kill -KILL $dp 2>/dev/null; wait $dp 2>/dev/null
s2low_ctl "$PKI" "/_test/mark_slow?on=0" >/dev/null
is "$(ndos)" 4 "tué entre l'enregistrement et le marquage : le dossier est là"
is "$(lus)" 3 "le retour n'est pas marqué lu"
sleep 1.5
sql -c "UPDATE liasse.job SET run_at = now(), locked_until = NULL WHERE action = 'recup-pes-retour'" >/dev/null
run
is "$(ndos)" 4 "à la reprise : aucun doublon"
is "$(lus)" 4 "et le retour est marqué lu"
