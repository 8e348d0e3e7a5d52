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

run_liasse
wait_for "Types de dossiers" 5
tm select-pane -t t -T "titre-initial"
keys / H e l i o s Enter
keys Enter
wait_for "Dossier sage" 5
assert_has "le titre s'affiche en texte inerte" "AVANT^[[2J^[]2;PIRATE^G??A"
assert_has "l'écran n'a pas été effacé (autre dossier visible)" "Dossier sage"
assert_has "l'écran n'a pas été effacé (en-têtes)" "Dernier état"
is "$(tm display-message -p -t t '#{pane_title}')" "titre-initial" "le titre du terminal n'a pas changé"
keys Enter
wait_for "États du dossier" 5
assert_has "vue du dossier : titre inerte en haut" "AVANT^[[2J"
is "$(tm display-message -p -t t '#{pane_title}')" "titre-initial" "vue du dossier : titre du terminal intact"
# Colours escape: the raw screen (with attributes) has no red from the name.
keys Escape
keys Escape
assert_has "chemin d'entité : nom inerte" "Commune^[[31m rouge^[]0;X^G"
keys e
assert_has "sélecteur d'entités : nom inerte" "Commune^[[31m rouge^[]0;X^G"
keys Escape
is "$(tm display-message -p -t t '#{pane_title}')" "titre-initial" "entité : titre du terminal intact"
keys q
wait_for "fin=0" 5
assert_has "fin normale" "fin=0"
