# Database trouble (issue 4 §7): the test cluster is restarted while an
# agent types in the edit form of a dossier. The banner shows, the
# keyboard keeps working, the banner goes when the database is back, and
# what was typed is still there and gets saved. A save tried while the
# database is down keeps the form and says so.
. tests/tui/lib.sh
tui_db tuireconnect || { fail "base de test"; exit 1; }
id=$(dossier_new actes-generique "Acte à compléter")

if [ -z "${PG_DIR:-}" ] || [ -z "${PGBIN:-}" ]; then
	skip "redémarrage du serveur" "pas de serveur de test à redémarrer (tests/run)"
	exit 0
fi
. tests/lib/pg.sh
# pg_cluster ACTION [ARGS...]: the cluster of tests/run, same socket and options.
pg_cluster() { pg_server "$@" >/dev/null 2>&1; }

banner="Connexion à la base perdue — nouvelle tentative…"

run_liasse
wait_for "Types de dossiers" 5
keys / A c t e s Enter
keys Enter
wait_for "Acte à compléter" 5
keys Enter
wait_for "États du dossier" 5
keys m
wait_for "Modification" 5
oline=$(screen | grep -n "^  Objet" | head -n 1 | cut -d: -f1)
cline=$(screen | grep -n "^  Numéro de l'acte" | head -n 1 | cut -d: -f1)
[ -n "$oline" ] && [ -n "$cline" ] || { fail "champs Objet et Numéro à l'écran"; screen | sed 's/^/#   |/'; exit 0; }
# Move to "Numéro de l'acte" and start typing into it.
for _ in $(seq 1 $((cline - 3))); do keys Down; done
keys Enter
keys -l "2026_"

# Restart the cluster while the field is being typed.
pg_cluster restart -m fast
if wait_for "$banner" 5; then ok "bandeau « connexion perdue » affiché"; else
	fail "bandeau « connexion perdue » affiché"; screen | sed 's/^/#   |/'; fi
# The keyboard still answers while the banner is up.
keys -l "042"
assert_has "la frappe continue pendant la coupure" "2026_042"
if wait_for "Connexion à la base rétablie." 15; then ok "reconnexion annoncée"; else
	fail "reconnexion annoncée"; screen | sed 's/^/#   |/'; fi
assert_lacks "le bandeau disparaît" "$banner"
assert_has "le champ en cours de frappe est intact" "2026_042"
keys Enter
keys F2
wait_for "Dossier enregistré." 5
assert_has "enregistrement après la reconnexion" "Dossier enregistré."
is "$(sql -c "SELECT valeur FROM liasse.dossier_valeur WHERE dossier_id = $id AND champ = 'numero_de_lacte'")" \
	"2026_042" "la valeur tapée pendant la coupure est en base"

# A save while the database is down: the form stays, a French message.
# From "Numéro de l'acte", two lines down: "Objet" (the title).
keys Down Down
keys Enter C-u
keys -l "Budget supplémentaire"
keys Enter
pg_cluster stop -m fast
keys F2
wait_for "saisie gardée" 5
assert_has "enregistrement pendant la coupure : message en français" \
	"Connexion à la base perdue : saisie gardée"
assert_has "enregistrement pendant la coupure : bandeau" "$banner"
assert_has "enregistrement pendant la coupure : la saisie reste" "Budget supplémentaire"
sleep 3
assert_has "serveur arrêté : toujours en attente" "$banner"
pg_cluster start
if wait_for "Connexion à la base rétablie." 15; then ok "serveur relancé : reconnexion"; else
	fail "serveur relancé : reconnexion"; screen | sed 's/^/#   |/'; fi
assert_has "après la reconnexion : la saisie reste" "Budget supplémentaire"
keys F2
wait_for "Dossier enregistré." 5
assert_has "enregistrement après le retour de la base" "Dossier enregistré."
is "$(sql -c "SELECT titre FROM liasse.dossier WHERE id = $id")" "Budget supplémentaire" \
	"la saisie gardée pendant la coupure est en base"
is "$(sql -c "SELECT valeur FROM liasse.dossier_valeur WHERE dossier_id = $id AND champ = 'numero_de_lacte'")" \
	"2026_042" "la valeur enregistrée avant reste"

# Back to the list: reloaded on the new connection, live updates again.
keys Escape
keys Escape
wait_for "Position 1 à 1 sur 1" 5
assert_has "la liste est relue après la reconnexion" "Budget supplémentaire"
ver=$(sql -c "SELECT version FROM liasse.dossier WHERE id = $id")
sql_as "$TUI_USER" -c "SELECT liasse.dossier_set($id, $ver, '{\"objet\": \"Modifié ailleurs\"}')" >/dev/null
if wait_for "Modifié ailleurs" 3; then ok "LISTEN refait : mise à jour en direct"; else
	fail "LISTEN refait : mise à jour en direct"; screen | sed 's/^/#   |/'; fi
keys q
wait_for "fin=0" 5
assert_has "fin normale après deux coupures" "fin=0"
