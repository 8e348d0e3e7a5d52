# User configuration: a keys file with errors (reported as file:line,
# the good lines still apply), themes chosen with --theme or the config
# file, monochrome without colours, `liasse keys`.
. tests/tui/lib.sh
tui_db tuiconfig || { fail "base de test"; exit 1; }
dossier_new helios-generique "Un PES" >/dev/null

cat >"$XDG_CONFIG_HOME/liasse/keys" <<'KEYS'
# keys of the test
bind menu <F6> journal
bind menu <Nope> quit
bind nulle q quit
bind menu z voler
KEYS
out=$("$LIASSE" keys 2>&1 >/dev/null); rc=$?
is "$rc" "1" "liasse keys : code 1 quand le fichier a des erreurs"
like "$out" "liasse/keys:3: touche inconnue « <Nope> »" "liasse keys : erreur fichier:ligne (touche)"
like "$out" "liasse/keys:4: vue inconnue « nulle »" "liasse keys : erreur fichier:ligne (vue)"
like "$out" "liasse/keys:5: action inconnue « voler »" "liasse keys : erreur fichier:ligne (action)"
like "$("$LIASSE" keys 2>/dev/null)" $'menu\t<F6>\tjournal' "liasse keys : la bonne ligne s'applique"
is "$("$LIASSE" keys --defaults | grep -c $'^menu\t<F6>')" "0" "liasse keys --defaults : sans le fichier de l'utilisateur"

run_liasse
wait_for "Types de dossiers" 5
assert_has "erreur du fichier de touches affichée au démarrage" "keys:3: touche inconnue « <Nope> »"
assert_has "nombre d'erreurs annoncé" "3 erreur(s)"
keys F6
assert_has "la touche de l'utilisateur marche (F6 → journal)" "Journal des événements"
keys q
wait_for "fin=0" 5
rm "$XDG_CONFIG_HOME/liasse/keys"

# Themes: an unknown one stops with a message; shipped ones start.
out=$("$LIASSE" --theme nulle --db "dbname=$DB user=$TUI_USER" 2>&1); rc=$?
is "$rc" "2" "--theme inconnu : code 2"
like "$out" "thème inconnu : « nulle »" "--theme inconnu : message"
# Colour attributes seen through capture-pane -e.
run_liasse --theme dark
wait_for "Types de dossiers" 5
like "$(screen -e | head -n 1)" $'\033\\[' "--theme dark : des couleurs à l'écran"
keys q
wait_for "fin=0" 5

# Monochrome: NO_COLOR, or a terminal without colours.
for how in "NO_COLOR=1" "TERM=xterm-mono"; do
	start_shell
	tm send-keys -t t "clear; $how $LIASSE --db 'dbname=$DB user=$TUI_USER'; echo fin=\$?" Enter
	settle
	wait_for "Types de dossiers" 5
	raw=$(screen -e)
	if printf '%s' "$raw" | grep -qE $'\033\\[[0-9;]*(3[0-7]|4[0-7]|38;|48;|9[0-7])'; then
		fail "$how : aucune couleur"; printf '%s\n' "$raw" | head -n 3 | cat -v | sed 's/^/#   /'
	else ok "$how : aucune couleur"; fi
	like "$raw" $'\033\\[(7|1;7|7;1)m|\033\\[[0-9;]*7[;m]' "$how : la vidéo inverse marque les lignes"
	assert_has "$how : l'écran est lisible" "Helios (générique)"
	keys q
	wait_for "fin=0" 5
done

# The theme line of the config file.
echo "theme monochrome" >"$XDG_CONFIG_HOME/liasse/config"
run_liasse
wait_for "Types de dossiers" 5
raw=$(screen -e)
if printf '%s' "$raw" | grep -qE $'\033\\[[0-9;]*(3[0-7]|4[0-7]|38;|48;)'; then
	fail "config theme monochrome : aucune couleur"
else ok "config theme monochrome : aucune couleur"; fi
keys q
