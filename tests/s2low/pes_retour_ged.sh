# PES Retour deposited in the GED: a dépôt connector associated with
# helios-pes-retour deposits each retour fetched from S2LOW (state « Versé à
# la GED », then « Traitement terminé »); without one the retour stays
# « Récupéré »; a dépôt that fails goes to « Erreur lors du dépôt dans la
# GED » per the frequency.
. tests/lib/tap.sh
. tests/lib/dossier.sh
. tests/s2low/lib.sh

command -v python3 >/dev/null || { skip "s2low pes retour ged" "python3 absent"; exit 0; }
PKI=$TEST_TMP/pki
R=$TEST_TMP/retours
GED=$TEST_TMP/ged
mkdir -p "$R" "$GED"
S=tests/s2low/pes_retour_sample.xml
cp "$S" "$R/retour-1.xml"
s2low_certs "$PKI" && s2low_start "$PKI" --pes-retour "$R" || { fail "double S2LOW"; exit 1; }
trap s2low_stop EXIT
dossier_setup s2g || { fail "préparation"; exit 1; }
C() { "$LIASSE" --db "dbname=$DB" connecteur "$@"; }
run() { "$LIASSE" --db "dbname=$DB" daemon --once >/dev/null 2>&1; }
retour() { # NOM: the dossier id of retour NOM
	sql -c "SELECT d.id FROM liasse.dossier d JOIN liasse.dossier_valeur v ON v.dossier_id = d.id
		WHERE d.type = 'helios-pes-retour' AND v.champ = 'objet' AND v.valeur = '$1'"
}
histo() { sql -c "SELECT string_agg(etat, ',' ORDER BY id) FROM liasse.dossier_etat WHERE dossier_id = $1"; }
c=$(C create --entite "$ENT_A" --type s2low "S2LOW")
C set "$c" url "$S2LOW_URL" && C set "$c" ca --fichier "$PKI/ca.pem" &&
C set "$c" certificat --fichier "$PKI/client.pem" && C set "$c" cle --fichier "$PKI/client.key" &&
C associate --entite "$ENT_A" --type-dossier helios-pes-retour --famille TdT "$c" || fail "connecteur S2LOW"
sql -c "INSERT INTO liasse.frequence (connecteur_id, expression) VALUES ($c, '1s')" >/dev/null

# No GED connector: the retour stays « Récupéré », no dépôt scheduled.
run
d1=$(retour retour-1.xml)
is "$(sql -c "SELECT etat FROM liasse.dossier WHERE id = $d1")" "creation" "sans connecteur GED : « Récupéré »"
is "$(sql -c "SELECT count(*) FROM liasse.job WHERE dossier_id = $d1")" 0 "sans connecteur GED : aucun dépôt programmé"

# A dépôt connector on the syndicat, inherited by A for the PES Retour.
g=$(C create --entite "$ENT_S" --type depot-local "GED du syndicat")
C set "$g" depot_local_directory "$GED" && C set "$g" depot_titre_repertoire 2 &&
C set "$g" depot_titre_expression "%nom_fic%" && C set "$g" depot_metadonnees 3 &&
C associate --entite "$ENT_S" --type-dossier helios-pes-retour --famille GED "$g" &&
C heriter --entite "$ENT_A" --type-dossier helios-pes-retour oui || fail "connecteur GED"
nouveau() { # N: retour-N.xml arrives on the double
	sed "s/HELIOS_SIMU_RETOUR_1/HELIOS_SIMU_RETOUR_$1/" "$S" >"$R/retour-$1.xml"
	s2low_ctl "$PKI" "/_test/retour?nom=retour-$1.xml&fichier=$R/retour-$1.xml" >/dev/null
}
nouveau 2
sql -c "UPDATE liasse.job SET run_at = now() WHERE action = 'recup-pes-retour'" >/dev/null
run
d2=$(retour retour-2.xml)
[ -n "$d2" ] || fail "retour-2.xml récupéré"
run # (the pass that fetched it may have deposited it already)
like "$(histo "$d2")" "^creation,send-ged,termine$" "déposé : « Versé à la GED » puis « Traitement terminé »"
dir=$GED/HELIOS_SIMU_RETOUR_2565181244_184723364.xml
check "répertoire nommé par l'expression %nom_fic%" test -d "$dir"
check "le PES Retour est déposé à l'identique" cmp -s "$R/retour-2.xml" "$dir/retour-2.xml"
like "$(tr -d ' \n' <"$dir/metadata.json")" '"id_retour":"[^"]+".*"nom_fic":"HELIOS_SIMU_RETOUR_2' \
	"métadonnées JSON du retour"
is "$(sql -c "SELECT etat FROM liasse.dossier WHERE id = $d1")" "creation" "le retour antérieur n'est pas repris"

# The dépôt fails (folder gone): retried, then « Erreur lors du dépôt dans la GED ».
sql -c "INSERT INTO liasse.frequence (connecteur_id, expression) VALUES ($g, '1 X 1')" >/dev/null
C set "$g" depot_local_directory "$TEST_TMP/absent"
nouveau 3
sql -c "UPDATE liasse.job SET run_at = now() WHERE action = 'recup-pes-retour'" >/dev/null
run
d3=$(retour retour-3.xml)
run
like "$(sql -c "SELECT last_message FROM liasse.job WHERE dossier_id = $d3")" "n'existe pas" \
	"dépôt impossible : nouvel essai, raison donnée"
sql -c "UPDATE liasse.job SET run_at = now() WHERE dossier_id = $d3" >/dev/null
run
is "$(sql -c "SELECT etat FROM liasse.dossier WHERE id = $d3")" "error-ged" \
	"essais épuisés : « Erreur lors du dépôt dans la GED »"
