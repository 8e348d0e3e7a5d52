# The dépôt (GED) connector on a local folder: directory per dossier named
# by title or expression, metadata XML/JSON, done marker, name-exists
# policies, files at the root, atomic writes, missing folder.
. tests/lib/tap.sh
. tests/lib/dossier.sh

dossier_setup dge || { fail "préparation"; exit 1; }
PES=$SHARED/samples/pes/aller/depense_accents_latin1.xml
C() { "$LIASSE" --db "dbname=$DB" connecteur "$@"; }
D() { "$LIASSE" --db "dbname=$DB" daemon --once >/dev/null; }
etat() { sql -c "SELECT etat FROM liasse.dossier WHERE id = $1"; }
GED=$TEST_TMP/ged
mkdir -p "$GED"

c=$(C create --entite "$ENT_A" --type depot-local "GED de la commune")
C set "$c" depot_local_directory "$GED" && C set "$c" depot_metadonnees 3 &&
C set "$c" depot_creation_fichier_termine on &&
C associate --entite "$ENT_A" --type-dossier helios-generique --famille GED "$c" || fail "configuration"
like "$(C test "$c")" "accessible en écriture" "Tester la connexion : dossier accessible"

new_pes() { # TITRE
	local id
	id=$(L "$UA" dossier create --entite "$ENT_A" --type helios-generique --titre "$1") || return 1
	L "$UA" dossier attach "$id" fichier_pes "$PES" >/dev/null || return 1
	L "$UA" dossier set "$id" envoi_tdt= envoi_ged=on >/dev/null || return 1
	L "$UA" dossier action "$id" orientation >/dev/null || return 1
	echo "$id"
}
d1=$(new_pes "PES de janvier/février") || fail "dossier"
is "$(sql -c "SELECT action FROM liasse.job WHERE dossier_id = $d1")" "send-ged" "Verser à la GED : travail programmé"
D
like "$(sql -c "SELECT string_agg(etat, ',' ORDER BY id) FROM liasse.dossier_etat WHERE dossier_id = $d1")" \
	"orientation,send-ged" "dépôt fait, état « Verser à la GED »"
dir="$GED/PES de janvier-février"
check "répertoire nommé d'après le titre (/ remplacé par -)" test -d "$dir"
check "le PES est déposé sous son nom d'origine" cmp -s "$PES" "$dir/depense_accents_latin1.xml"
like "$(cat "$dir/metadata.json")" '"objet":"PES de janvier/février"' "métadonnées JSON : les valeurs du dossier"
like "$(tr -d ' \n' <"$dir/metadata.json")" '"fichier_pes":\["depense_accents_latin1.xml"\]' "métadonnées JSON : les fichiers"
is "$(cat "$dir/fichier_termine.txt")" "Le transfert est terminé" "fichier de fin de transfert"
is "$(find "$GED" -name '*.part' | wc -l)" 0 "aucun fichier temporaire ne reste"

# Same title again: refused (policy 1), then renamed (policy 2).
d2=$(new_pes "PES de janvier/février")
D
is "$(etat "$d2")" "error-ged" "nom déjà pris : Erreur de dépôt GED"
like "$(sql -c "SELECT message FROM liasse.dossier_etat WHERE dossier_id = $d2 AND etat = 'error-ged'")" \
	"existe déjà" "message : le répertoire existe déjà"
C set "$c" depot_existe_deja 2
d2b=$(new_pes "PES de janvier/février")
D
like "$(sql -c "SELECT string_agg(etat, ',' ORDER BY id) FROM liasse.dossier_etat WHERE dossier_id = $d2b")" \
	"orientation,send-ged" "politique « renommer » : déposé"
is "$(ls -d "$GED"/PES\ de\ janvier-février_* | wc -l)" 1 "répertoire renommé avec _<date>_<aléa>"

# Expression naming, XML metadata, internal names, files at the root.
C set "$c" depot_titre_repertoire 2; C set "$c" depot_titre_expression "%cod_bud%-%objet%"
C set "$c" depot_metadonnees 2; C set "$c" depot_pastell_file_filename 2
d3=$(new_pes "Mars")
D
check "nom par expression %champ%" test -d "$GED/12-Mars"
check "noms internes champ_n.ext" test -f "$GED/12-Mars/fichier_pes_0.xml"
like "$(cat "$GED/12-Mars/metadata.xml")" '<data name="objet" value="Mars"/>' "métadonnées XML"
like "$(cat "$GED/12-Mars/metadata.xml")" '<files name="fichier_pes"><file content="fichier_pes_0.xml"/></files>' \
	"métadonnées XML : fichiers"
C set "$c" depot_type_depot 3; C set "$c" depot_pastell_file_filename 1; C set "$c" depot_existe_deja 1
ROOT=$TEST_TMP/racine; mkdir -p "$ROOT"; C set "$c" depot_local_directory "$ROOT"
d4=$(new_pes "Avril")
D
check "fichiers à la racine" test -f "$ROOT/depense_accents_latin1.xml"
check "métadonnées à la racine, par dossier" test -f "$ROOT/metadata_$d4.xml"
d5=$(new_pes "Mai")
D
is "$(etat "$d5")" "error-ged" "fichier déjà présent à la racine : erreur"

# A missing folder: retried with the reason.
C set "$c" depot_local_directory "$TEST_TMP/absent"
d6=$(new_pes "Juin")
D
like "$(sql -c "SELECT last_message FROM liasse.job WHERE dossier_id = $d6")" "n'existe pas" \
	"dossier de dépôt absent : nouvel essai, raison donnée"
like "$(C test "$c" 2>&1)" "n'existe pas" "Tester la connexion : dossier absent signalé"
