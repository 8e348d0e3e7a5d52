# Decision 9: text from users cannot drive the terminal. A dossier title
# and an entity name carrying ESC [ 2 J (clear screen), an OSC title
# sequence, C1 controls and a bidi override show as inert text.
. tests/tui/lib.sh
tui_db tuihostile || { fail "base de test"; exit 1; }
dossier_new helios-generique "Dossier sage" >/dev/null
title=$(printf 'AVANT\033[2J\033]2;PIRATE\007\302\233\342\200\256APRES')
id=$(sql_as "$TUI_USER" -v t="$title" <<<"SELECT liasse.dossier_create($ENT_A, 'helios-generique', :'t')" 2>&1)
if ! [[ $id =~ ^[0-9]+$ ]]; then
	# The engine may refuse control characters in titles: put it in the row directly.
	id=$(sql -c "SELECT liasse.dossier_create($ENT_A, 'helios-generique', 'x')")
	sql -v t="$title" <<<"UPDATE liasse.dossier SET titre = :'t' WHERE id = $id" >/dev/null
fi
stored=$(sql -c "SELECT titre FROM liasse.dossier WHERE id = $id")
is "$stored" "$title" "le titre hostile est bien en base (ESC, OSC, C1, bidi)"
sql -v t="$(printf 'Commune\033[31m rouge\033]0;X\007')" \
	<<<"UPDATE liasse.entite SET denomination = :'t' WHERE id = $ENT_A" >/dev/null

# Values of fields (a list column, a form field) and a file name carry
# the same sequences.
sql -v t="$(printf 'SIRET\033[2J\033]2;PIRATE\007')" \
	<<<"INSERT INTO liasse.dossier_index VALUES ($id, $ENT_A, 'helios-generique', 'id_coll', :'t')
	    ON CONFLICT (dossier_id, champ) DO UPDATE SET valeur = excluded.valeur" >/dev/null
sql -v t="$(printf 'COL\033[31m\033]2;PIRATE\007')" \
	<<<"INSERT INTO liasse.dossier_valeur VALUES ($id, $ENT_A, 'helios-generique', 'cod_col', 0, :'t')" >/dev/null
sql -v t="$title" \
	<<<"UPDATE liasse.dossier_valeur SET valeur = :'t' WHERE dossier_id = $id AND champ = 'objet'" >/dev/null
files="$TEST_TMP/fichiers"
mkdir -p "$files"
cp "$SHARED/samples/pes/aller/depense_creation_document.xml" "$files/$(printf 'pes\033]2;PIRATE\007\033[2J.xml')"

cd "$files" && run_liasse && cd - >/dev/null
wait_for "Types de dossiers" 5
tm select-pane -t t -T "titre-initial"
keys / H e l i o s Enter
keys Enter
wait_for "Dossier sage" 5
assert_has "le titre s'affiche en texte inerte" "AVANT^[[2J^[]2;PIRATE^G"
assert_has "l'écran n'a pas été effacé (autre dossier visible)" "Dossier sage"
assert_has "l'écran n'a pas été effacé (en-têtes)" "Dernier état"
is "$(tm display-message -p -t t '#{pane_title}')" "titre-initial" "le titre du terminal n'a pas changé"
keys Enter
wait_for "États du dossier" 5
assert_has "vue du dossier : titre inerte en haut" "AVANT^[[2J"
is "$(tm display-message -p -t t '#{pane_title}')" "titre-initial" "vue du dossier : titre du terminal intact"
# The edit form: a field's value, shown and being edited, and a file name
# in the picker and once attached.
keys m
wait_for "Modification" 5
assert_has "formulaire : valeur d'un champ inerte" "COL^[[31m^[]2;PIRATE^G"
assert_has "formulaire : objet inerte (C1 et bidi compris)" "AVANT^[[2J^[]2;PIRATE^G??APRES"
keys Enter
assert_has "formulaire : objet en cours de modification inerte" "AVANT^[[2J^[]2;PIRATE^G"
keys Escape
keys Down Enter
assert_has "sélecteur de fichiers : nom inerte" "pes^[]2;PIRATE^G^[[2J.xml"
keys 2
wait_for "Fichier ajouté" 5
assert_has "fichier joint : nom inerte dans le formulaire" "pes^[]2;PIRATE^G^[[2J.xml"
is "$(tm display-message -p -t t '#{pane_title}')" "titre-initial" "formulaire : titre du terminal intact"
keys Escape
keys Escape
wait_for "Dossier sage" 5
assert_has "liste : colonne lue du PES inerte" "SIRET^[[2J"
# Colours escape: the raw screen (with attributes) has no red from the name.
keys Escape
assert_has "chemin d'entité : nom inerte" "Commune^[[31m rouge^[]0;X^G"
keys e
assert_has "sélecteur d'entités : nom inerte" "Commune^[[31m rouge^[]0;X^G"
keys Escape
is "$(tm display-message -p -t t '#{pane_title}')" "titre-initial" "entité : titre du terminal intact"
keys q
wait_for "fin=0" 5
assert_has "fin normale" "fin=0"
