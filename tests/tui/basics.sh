# The TUI starts on the menu of dossier types, navigates to a list and a
# dossier, shows the help, survives resizes and always gives the terminal
# back (normal exit, SIGTERM, SIGINT).
. tests/tui/lib.sh
tui_db tuibasics || { fail "base de test"; exit 1; }
for i in 1 2 3 4 5; do dossier_new helios-generique "PES janvier $i" >/dev/null; done
dossier_new helios-generique "PES février" >/dev/null

run_liasse
if ! wait_for "Types de dossiers" 5; then
	fail "le menu s'affiche au démarrage"; screen | sed 's/^/#   |/'; exit 0
fi
assert_has "ligne du haut : chemin de l'entité" "liasse · Entité racine / Commune A"
assert_has "menu : famille et type avec son nombre de dossiers" "Helios (générique)"
like "$(screen | grep 'Helios (générique)')" ' 6$' "le compteur du type vaut 6"
assert_has "ligne d'état : base et utilisateur" "Base : tuibasics │ $TUI_USER"
assert_has "barre des touches" "F1 Aide"
is "$(screen | wc -l)" "24" "l'écran fait 24 lignes"

# Help screen, generated from the action table.
keys F1
assert_has "F1 ouvre l'aide" "Aide : Types de dossiers"
assert_has "l'aide liste les actions avec leurs touches" "Quitter liasse"
assert_has "l'aide donne les touches" "q, F10, ^C"
keys Escape
assert_has "Échap referme l'aide" "Types de dossiers"
keys '?'
assert_has "? ouvre aussi l'aide" "Aide : Types de dossiers"
keys q
assert_has "q referme l'aide" "Helios (générique)"

# Dossier list of the type.
keys / H e l i o s Enter
keys Enter
wait_for "Position 1 à 6 sur 6" 5
assert_has "la liste affiche la position" "Position 1 à 6 sur 6"
assert_has "en-têtes de colonnes" "Titre"
assert_has "colonne Dernier état" "Dernier état"
assert_has "un dossier de la liste" "PES février"
first=$(screen | sed -n 3p)
like "$first" 'PES février' "le plus récent d'abord"
keys Down
keys Down
keys Enter
wait_for "États du dossier" 5
assert_has "Entrée ouvre le dossier (onglets)" "États du dossier"
assert_has "titre du dossier en haut" "PES janvier 4"
assert_has "actions possibles affichées" "Actions possibles"
keys h
assert_has "h : états du dossier" "Utilisateur"
assert_has "état de création dans l'historique" "$TUI_USER"
keys Escape
assert_has "Échap revient à la liste" "Position 1 à 6 sur 6"

# End and Home (as tmux sends them) move to the last and first dossier.
keys End
keys Enter
wait_for "États du dossier" 5
assert_has "Fin : dernier dossier de la liste" "PES janvier 1"
keys Escape
keys Home
keys Enter
wait_for "États du dossier" 5
assert_has "Début : premier dossier de la liste" "PES février"
keys Escape
wait_for "Position 1 à 6 sur 6" 5

# Resize: 200x50 then back to 80x24; the screen follows.
tm resize-window -t t -x 200 -y 50; settle
is "$(screen | wc -l)" "50" "agrandi à 200x50 : 50 lignes"
like "$(screen | sed -n 50p)" "q Quitter" "agrandi : la barre des touches est en bas"
like "$(screen | sed -n 1p)" '^liasse · Entité racine / Commune A +Helios' "agrandi : ligne du haut redessinée"
tm resize-window -t t -x 80 -y 24; settle
is "$(screen | wc -l)" "24" "revenu à 80x24"
like "$(screen | sed -n 24p)" 'Entrée Ouvrir' "80x24 : la barre des touches est en bas"
like "$(screen | sed -n 23p)" 'Position 1 à 6 sur 6' "80x24 : la position est visible"

# Normal exit gives the shell back with a sane terminal.
keys q
wait_for "fin=0" 5
assert_has "q quitte avec le code 0" "fin=0"
keys "stty -a | tr ' ' '\n' | grep -xE 'icanon|echo' | tr '\n' ' '; echo" Enter
assert_has "terminal rendu : icanon et echo" "icanon echo"

# SIGTERM and SIGINT restore the terminal too.
for sig in TERM INT HUP; do
	keys "clear; $LIASSE --db 'dbname=$DB user=$TUI_USER' & sleep 0.2; fg" Enter
	wait_for "Types de dossiers" 5
	pid=$(pgrep -n -f "^$LIASSE --db dbname=$DB user=$TUI_USER")
	kill -s "$sig" "$pid"
	settle
	assert_lacks "SIG$sig : l'écran plein est quitté" "Types de dossiers"
	keys "stty -a | tr ' ' '\n' | grep -xE 'icanon|echo' | tr '\n' ' '; echo" Enter
	assert_has "SIG$sig : terminal rendu (icanon, echo)" "icanon echo"
done
