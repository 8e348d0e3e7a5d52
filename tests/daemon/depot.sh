# The dépôt (GED) connector on a local folder: directory per dossier named
# by title or expression, a zip per dossier, metadata XML/JSON, done
# marker, name-exists policies (error, rename, overwrite), files at the
# root, atomic writes, missing folder.
. tests/lib/tap.sh
. tests/lib/dossier.sh
. tests/lib/depot.sh

dossier_setup dge || { fail "préparation"; exit 1; }
GED=$TEST_TMP/ged
mkdir -p "$GED"

c=$(C create --entite "$ENT_A" --type depot-local "GED de la commune")
C set "$c" depot_local_directory "$GED" && C set "$c" depot_metadonnees 3 &&
C set "$c" depot_creation_fichier_termine on &&
C associate --entite "$ENT_A" --type-dossier helios-generique --famille GED "$c" || fail "configuration"
like "$(C test "$c")" "accessible en écriture" "Tester la connexion : dossier accessible"

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

# Overwrite: the files of the existing directory are replaced.
C set "$c" depot_type_depot 1; C set "$c" depot_local_directory "$GED"; C set "$c" depot_existe_deja 3
echo ancien >"$GED/12-Mars/fichier_pes_0.xml"
C set "$c" depot_pastell_file_filename 2
d7=$(new_pes "Mars")
D
like "$(sql -c "SELECT string_agg(etat, ',' ORDER BY id) FROM liasse.dossier_etat WHERE dossier_id = $d7")" \
	"orientation,send-ged" "politique « écraser » : déposé"
check "politique « écraser » : fichier remplacé" cmp -s "$PES" "$GED/12-Mars/fichier_pes_0.xml"
is "$(ls -d "$GED"/12-Mars* | wc -l)" 1 "écraser : pas d'autre répertoire"

# A zip per dossier: the files and the metadata inside, the marker beside.
C set "$c" depot_type_depot 2; C set "$c" depot_existe_deja 1; C set "$c" depot_pastell_file_filename 1
C set "$c" depot_titre_repertoire 3
d8=$(new_pes "Zip")
D
z="$GED/$d8.zip"
check "archive <id>.zip" test -f "$z"
is "$(zls "$z")" "depense_accents_latin1.xml metadata.xml" "le zip contient le PES et les métadonnées"
is "$(zcat1 "$z" depense_accents_latin1.xml | sha256sum)" "$(sha256sum <"$PES")" "le PES du zip est intact"
like "$(zcat1 "$z" metadata.xml)" '<data name="objet" value="Zip"/>' "métadonnées XML dans le zip"
is "$(cat "$GED/${d8}_fichier_termine.txt")" "Le transfert est terminé" "fin de transfert à côté du zip"
is "$(find "$GED" -name '*.part' | wc -l)" 0 "zip : aucun fichier temporaire ne reste"
# Same name again: refused, then renamed.
sql -c "UPDATE liasse.connecteur SET config = config || '{\"depot_titre_repertoire\": \"2\", \"depot_titre_expression\": \"lot\"}' WHERE id = $c" >/dev/null
d9=$(new_pes "Lot 1"); D
d10=$(new_pes "Lot 2"); D
check "zip nommé par une expression fixe" test -f "$GED/lot.zip"
is "$(etat "$d10")" "error-ged" "zip déjà présent : erreur"
C set "$c" depot_existe_deja 2
d11=$(new_pes "Lot 3"); D
is "$(ls "$GED"/lot_*.zip | wc -l)" 1 "zip renommé avec _<date>_<aléa>"

# Two files of one name in a dossier: both deposited, the second as _2.
C set "$c" depot_type_depot 1; C set "$c" depot_titre_repertoire 1
d12=$(new_pes "Doublon")
sql -c "WITH f AS (SELECT * FROM liasse.fichier WHERE dossier_id = $d12 AND champ = 'fichier_pes' AND complet),
	c AS (INSERT INTO liasse.fichier (dossier_id, entite_id, type, champ, n, nom, mime, taille, sha256, complet, created_by)
	      SELECT dossier_id, entite_id, type, 'fichier_pes_signe', 0, nom, mime, taille, sha256, true, created_by FROM f
	      RETURNING id)
	INSERT INTO liasse.fichier_bloc (fichier_id, n, entite_id, type, data)
	SELECT c.id, b.n, b.entite_id, b.type, b.data FROM c, f JOIN liasse.fichier_bloc b ON b.fichier_id = f.id" >/dev/null
D
check "premier fichier sous son nom" cmp -s "$PES" "$GED/Doublon/depense_accents_latin1.xml"
check "second fichier du même nom : _2" cmp -s "$PES" "$GED/Doublon/depense_accents_latin1_2.xml"

# The dépôt done but its commit lost (the daemon killed before the dossier
# moved on): the next run of the job finishes that dépôt, without refusing
# its own name nor making a second one.
sql -c "CREATE FUNCTION public.panne_commit() RETURNS trigger LANGUAGE plpgsql AS
	\$\$ BEGIN RAISE EXCEPTION 'panne simulée'; END \$\$" >/dev/null
panne() { sql -c "CREATE TRIGGER panne BEFORE INSERT ON liasse.dossier_etat FOR EACH ROW EXECUTE FUNCTION public.panne_commit()" >/dev/null; }
reprise() { # DOSSIER: the trigger gone, its job run again
	sql -c "DROP TRIGGER panne ON liasse.dossier_etat" >/dev/null
	sql -c "UPDATE liasse.job SET etat = 'attente', run_at = now() WHERE dossier_id = $1" >/dev/null
	D
}
REP=$TEST_TMP/reprise; mkdir -p "$REP"
C set "$c" depot_local_directory "$REP"; C set "$c" depot_existe_deja 1
d13=$(new_pes "Reprise"); panne; D
is "$(etat "$d13")" "orientation" "commit perdu : le dossier n'a pas avancé"
check "commit perdu : le dépôt est fait" test -f "$REP/Reprise/depense_accents_latin1.xml"
reprise "$d13"
like "$(histo "$d13")" "orientation,send-ged" "reprise : « Verser à la GED » sans erreur de nom"
is "$(ls "$REP" | wc -l)" 1 "reprise : un seul répertoire"
C set "$c" depot_type_depot 2; C set "$c" depot_existe_deja 2
touch "$REP/Reprise.zip" # taken: the dépôt gets Reprise_<date>_<aléa>.zip
d14=$(new_pes "Reprise"); panne; D
reprise "$d14"
like "$(histo "$d14")" "orientation,send-ged" "reprise d'un zip renommé : déposé"
is "$(ls "$REP" | grep -c '^Reprise_.*\.zip$')" 1 "reprise : un seul zip renommé, pas deux"

# A missing folder: retried with the reason.
C set "$c" depot_local_directory "$TEST_TMP/absent"
d6=$(new_pes "Juin")
D
like "$(sql -c "SELECT last_message FROM liasse.job WHERE dossier_id = $d6")" "n'existe pas" \
	"dossier de dépôt absent : nouvel essai, raison donnée"
like "$(C test "$c" 2>&1)" "n'existe pas" "Tester la connexion : dossier absent signalé"
