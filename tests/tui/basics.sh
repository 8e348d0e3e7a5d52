# The TUI starts on the menu of dossier types, navigates to a list and a
# dossier, shows the help, survives resizes and always gives the terminal
# back (normal exit, SIGTERM, SIGINT).
. tests/tui/lib.sh
tui_db tuibasics || { fail "base de test"; exit 1; }
for i in 1 2 3 4 5; do dossier_new helios-generique "PES janvier $i" >/dev/null; done
dossier_new helios-generique "PES février" >/dev/null
# The agent's statements go to the test server's log (queries counted below).
server_log=
if [ -n "${PG_DIR:-}" ] && [ -f "$PG_DIR/server.log" ]; then
	sql -c "ALTER ROLE $TUI_USER SET log_statement = 'all'" >/dev/null && server_log=$PG_DIR/server.log
fi

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

# A longer list: End loads the last page with one backward keyset query,
# the position stays right when going up from there, Home comes back.
sql_as "$TUI_USER" -o /dev/null -c "SELECT liasse.dossier_create($ENT_A, 'pdf-generique', 'Lot ' || g) FROM generate_series(1, 150) g"
# first_row: the title of the first dossier shown; first_pos: its position.
first_row() { screen | sed -n 3p | awk '{print $1, $2}'; }
first_pos() { screen | sed -n 23p | grep -oE 'Position [0-9]+' | grep -oE '[0-9]+'; }
keys F2
keys / D o c u m e n t ' ' P D F Enter
keys Enter
wait_for "Position 1 à 20 sur 150" 5
assert_has "longue liste : première page" "Position 1 à 20 sur 150"
log_at=0
[ -n "$server_log" ] && log_at=$(stat -c %s "$server_log")
keys End
wait_for "Position 131 à 150 sur 150" 5
assert_has "Fin : position de la dernière page" "Position 131 à 150 sur 150"
like "$(screen | sed -n 22p)" '^ *Lot 1 ' "Fin : le dernier dossier en bas"
if [ "$log_at" != 0 ]; then
	q=$(tail -c +"$((log_at + 1))" "$server_log" | grep -oE 'liasse\.dossier_list[a-z_]*\(' | sort | uniq -c | tr -s ' ' | sed 's/^ //')
	is "$q" "1 liasse.dossier_list_avant(" "Fin : une seule requête (keyset à rebours), aucune page avant"
else
	skip "Fin : une seule requête" "journal du serveur de test absent"
fi
for _ in 1 2 3 4 5; do keys PPage; done
pos=$(first_pos)
like "$pos" '^[0-9]+$' "remontée depuis la fin : position affichée"
is "$(first_row)" "Lot $((151 - ${pos:-0}))" "remontée depuis la fin : la position correspond au dossier"
keys Up
is "$(first_row)" "Lot $((151 - $(first_pos)))" "une ligne plus haut : toujours juste"
keys Home
wait_for "Position 1 à 20 sur 150" 5
is "$(first_row)" "Lot 150" "Début : le premier dossier en haut"
keys End
keys Up Up Up
tm resize-window -t t -x 200 -y 50; settle
like "$(screen | sed -n 49p)" 'Position [0-9]+ à 150 sur 150' "fin de liste agrandie à 200x50 : position juste"
is "$(screen | sed -n 3p | awk '{print $1, $2}')" "Lot $((151 - $(screen | sed -n 49p | grep -oE 'Position [0-9]+' | grep -oE '[0-9]+')))" \
	"fin de liste agrandie : premier dossier affiché à sa position"
tm resize-window -t t -x 80 -y 24; settle
like "$(screen | sed -n 23p)" 'Position [0-9]+ à [0-9]+ sur 150' "revenu à 80x24 : position visible"
is "$(first_row)" "Lot $((151 - $(first_pos)))" "revenu à 80x24 : premier dossier à sa position"

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
