# Administration screens (F9), keyboard only in an 80x24 pane: the entity
# tree (SIREN refused then accepted, edit, deactivation, move), users and
# roles, a S2LOW connector configured and tested against the test double
# then against a closed port, its association with a dossier type and the
# inherited one, the daemon's jobs followed live (relancer, supprimer),
# and the refusals an agent without rights gets from the database.
. tests/tui/lib.sh
. tests/s2low/lib.sh
command -v python3 >/dev/null || { skip "admin" "python3 absent"; exit 0; }
PKI="$TEST_TMP/pki"
s2low_certs "$PKI" || { fail "PKI de test"; exit 1; }
s2low_start "$PKI" || { fail "démarrage du double S2LOW"; exit 1; }
trap 's2low_stop; tui_cleanup' EXIT

tui_db admintui || { fail "base de test"; exit 1; }
AGENT=$TUI_USER
dump() { screen | sed 's/^/#   |/'; }
bs() { local i; for i in $(seq 1 "$1"); do tm send-keys -t t BSpace; done; settle; }
line() { screen | sed -n "${1}p"; }

# The administrator of the database (owner: reads the connector secrets).
TUI_USER=postgres
run_liasse
wait_for "Types de dossiers" 5 || { fail "le menu s'affiche"; dump; exit 0; }
keys F9
wait_for "Dénomination" 5 || { fail "F9 ouvre l'administration"; dump; exit 0; }
assert_has "onglets de l'administration" " Entités   Utilisateurs   Connecteurs   Associations   Travaux"
like "$(line 5)" '^  Commune A +Collectivité +oui$' "arbre : Commune A indentée sous la racine"
assert_has "barre des touches de l'onglet Entités" "c Créer  m Modifier  a Activer  D Déplacer"

# A sub-entity of Commune A: a wrong SIREN, its message, then a right one.
keys Down c
assert_has "choix du type de la sous-entité" "Nouvelle sous-entité de Commune A : type"
keys Down Down Enter
assert_has "dénomination demandée" "Dénomination :"
keys -l "Service des eaux"; keys Enter
keys -l "123456789"; keys Enter
assert_has "SIREN faux : message de la clé de Luhn" "SIREN « 123456789 » invalide : 9 chiffres dont le dernier est une clé de"
like "$(line 24)" 'SIREN \(9 chiffres, facultatif\) : 123456789' "SIREN faux : la saisie est gardée pour être corrigée"
is "$(sql -c "SELECT count(*) FROM liasse.entite WHERE denomination = 'Service des eaux'")" 0 "SIREN faux : rien n'est créé"
bs 9
keys -l "732829320"; keys Enter
keys Enter
wait_for "créée sous Commune A" 5
assert_has "sous-entité créée : message" "Entité « Service des eaux » créée sous Commune A."
like "$(line 6)" '^    Service des eaux +Service +732829320 +oui$' "la sous-entité apparaît indentée sous Commune A"
SVC=$(sql -c "SELECT id FROM liasse.entite WHERE denomination = 'Service des eaux' AND siren = '732829320' AND parent_id = $ENT_A AND type = 'service'")
[ -n "$SVC" ] && ok "sous-entité en base (type, SIREN, entité mère)" || fail "sous-entité en base"

# Edit: the name, keeping the SIREN.
keys Down m
keys End; keys -l " potables"; keys Enter Enter Enter Enter Enter
assert_has "modification : message" "Entité modifiée."
is "$(sql -c "SELECT denomination || ' ' || siren FROM liasse.entite WHERE id = $SVC")" "Service des eaux potables 732829320" "modification enregistrée"

# Deactivate (refused confirmation first), then reactivate.
keys a
assert_has "confirmation demandée" "Désactiver l'entité « Service des eaux potables » ? (o/n)"
keys n
is "$(sql -c "SELECT actif FROM liasse.entite WHERE id = $SVC")" t "n : l'entité reste active"
keys a o
assert_has "désactivation : message" "Entité désactivée."
like "$(line 6)" 'non$' "l'arbre montre l'entité inactive"
is "$(sql -c "SELECT actif FROM liasse.entite WHERE id = $SVC")" f "désactivation enregistrée"
keys a o
is "$(sql -c "SELECT actif FROM liasse.entite WHERE id = $SVC")" t "réactivation enregistrée"

# Move under Commune B (the last entity of the picker).
keys D
assert_has "choix de la nouvelle entité mère" "Déplacer « Service des eaux potables » sous :"
keys End Enter
assert_has "déplacement : message" "Entité déplacée."
is "$(sql -c "SELECT parent_id FROM liasse.entite WHERE id = $SVC")" "$ENT_B" "déplacée sous Commune B"
assert_screen "80x24 : l'arbre des entités" <<EOF
liasse · Entité racine                                            Administration
 Entités   Utilisateurs   Connecteurs   Associations   Travaux
Dénomination                             Type              SIREN     Active
Entité racine ◂                          Racine                      oui
  Commune A                              Collectivité                oui
  Commune B                              Collectivité                oui
    Service des eaux potables            Service           732829320 oui















Base : admintui │ postgres                                  Position 1 à 4 sur 4
Entité déplacée.
EOF

# Users: a wrong login, then the user with a masked password, and a role.
keys Tab
assert_has "onglet Utilisateurs : l'agent et ses rôles" "agent-collectivite @ Commune A"
keys c
keys -l "Jean Durand"; keys Enter
assert_has "identifiant invalide : message" "Identifiant invalide : de 2 à 63 caractères"
bs 11
keys -l "admintui.jdurand"; keys Enter
keys -l "Durand"; keys Enter
keys -l "Jean"; keys Enter
keys -l "jean.durand@example.org"; keys Enter
keys -l "motdepasse9"
assert_has "mot de passe masqué pendant la saisie" "Mot de passe initial (vide : aucun) : ***********"
assert_lacks "le mot de passe n'est jamais affiché" "motdepasse9"
keys Enter; keys -l "motdepasse9"; keys Enter
wait_for "créé" 5
assert_has "utilisateur créé : message" "Utilisateur « admintui.jdurand » créé"
is "$(sql -c "SELECT count(*) FROM pg_roles WHERE rolname = 'admintui.jdurand' AND rolcanlogin")" 1 "rôle de connexion PostgreSQL créé"
is "$(sql -c "SELECT nom || ',' || prenom || ',' || email FROM liasse.utilisateur WHERE login = 'admintui.jdurand'")" "Durand,Jean,jean.durand@example.org" "profil enregistré"
like "$(sql -c "SELECT rolpassword FROM pg_authid WHERE rolname = 'admintui.jdurand'")" '^SCRAM-SHA-256' "mot de passe enregistré (SCRAM)"
keys Home +
assert_has "choix du rôle" "Rôle à donner à admintui.jdurand"
keys Home Enter
assert_has "choix de l'entité du rôle" "Rôle « admin » sur l'entité :"
keys Enter
assert_has "rôle donné : message" "Rôle « admin » donné à admintui.jdurand."
assert_has "les rôles de l'utilisateur sont affichés" "admin @ Entité racine"
is "$(sql -c "SELECT ur.role || '@' || ur.entite_id FROM liasse.utilisateur_role ur JOIN liasse.utilisateur u ON u.id = ur.utilisateur_id WHERE u.login = 'admintui.jdurand'")" "admin@$(sql -c 'SELECT liasse.entite_racine()')" "rôle enregistré"
keys + 5 Enter
assert_has "second rôle donné" "Rôle « consultation » donné à admintui.jdurand."
keys -
assert_has "choix du rôle à retirer" "consultation @ Entité racine"
keys 2
assert_has "rôle retiré : message" "Rôle « consultation » retiré à admintui.jdurand."
is "$(sql -c "SELECT string_agg(ur.role, ',') FROM liasse.utilisateur_role ur JOIN liasse.utilisateur u ON u.id = ur.utilisateur_id WHERE u.login = 'admintui.jdurand'")" admin "retrait enregistré, l'autre rôle gardé"
keys a o
is "$(sql -c "SELECT actif FROM liasse.utilisateur WHERE login = 'admintui.jdurand'")" f "utilisateur désactivé"
keys a o
is "$(sql -c "SELECT actif FROM liasse.utilisateur WHERE login = 'admintui.jdurand'")" t "utilisateur réactivé"

# Connectors: a S2LOW one, its settings form, Tester la connexion.
keys Tab
keys c
assert_has "choix du type de connecteur" "Type du nouveau connecteur"
assert_has "les types connus du cœur" "depot-local"
keys Home Down Enter
like "$(line 24)" 'Libellé du connecteur : S²LOW' "libellé proposé"
keys Enter
wait_for "renseignez ses paramètres" 5
assert_has "connecteur créé, ses paramètres s'ouvrent" "Adresse de S²LOW (https://...)"
assert_has "champ obligatoire marqué" "* Adresse de S²LOW"
assert_has "valeur par défaut montrée" "(défaut : 60)"
CON=$(sql -c "SELECT id FROM liasse.connecteur WHERE type = 's2low' AND libelle = 'S²LOW (actes et Hélios)'")
[ -n "$CON" ] && ok "connecteur en base" || fail "connecteur en base"
keys Enter; keys -l "$S2LOW_URL"; keys Enter
is "$(sql -c "SELECT config->>'url' FROM liasse.connecteur WHERE id = $CON")" "$S2LOW_URL" "adresse enregistrée"
for k in ca:ca.pem certificat:client.pem cle:client.key; do
	"$LIASSE" --db "dbname=$DB" connecteur set "$CON" "${k%%:*}" --fichier "$PKI/${k#*:}" || fail "fichier ${k%%:*}"
done
keys F5
assert_has "fichier : seulement « enregistré »" "(fichier enregistré)"
assert_lacks "la clé n'est jamais affichée" "PRIVATE"
keys Down Down Down Down Enter
keys -l "clef-secrete"
like "$(line 24)" '^Mot de passe de la clé : \*{12}$' "secret : saisie masquée"
keys Enter
like "$(line 7)" 'Mot de passe de la clé +\(enregistré\)$' "secret : seulement « enregistré »"
assert_lacks "secret jamais réaffiché" "clef-secrete"
is "$(sql -c "SELECT valeurs->>'cle_mot_de_passe' FROM liasse.connecteur_secret WHERE connecteur_id = $CON")" "clef-secrete" "secret rangé à part"
is "$(sql -c "SELECT config ? 'cle_mot_de_passe' FROM liasse.connecteur WHERE id = $CON")" f "secret absent de la configuration lisible"
keys t
wait_for "Tester la connexion « S²LOW (actes et Hélios) » : réussi" 15
assert_has "Tester la connexion : fenêtre de la réponse" "Connexion à S²LOW réussie"
keys Enter
assert_has "Tester la connexion : réponse de S2LOW" "Test réussi : Connexion à S²LOW réussie : compte « agent »"
# A closed port: the French error and its detail.
keys Home Enter
bs 40
keys -l "https://127.0.0.1:1"; keys Enter
keys t
wait_for ": échec" 15
assert_has "port fermé : la réponse entière dans une fenêtre" "Connexion impossible au serveur 127.0.0.1:1 : serveur arrêté"
assert_has "port fermé : le détail technique aussi" "Couldn't connect"
keys Enter
assert_has "port fermé : le message reste en bas" "Échec du test : Connexion impossible au serveur 127.0.0.1:1"
is "$(sql -c "SELECT ok FROM liasse.connecteur_action WHERE connecteur_id = $CON AND action = 'test-connexion' ORDER BY id DESC LIMIT 1")" f "échec du test journalisé"
keys Escape
assert_has "retour à la liste des connecteurs" "S²LOW (actes et Hélios)"

# Associations: actes-generique -> this connector on the root entity.
keys Tab c
assert_has "choix du type de dossier" "Type de dossier à associer"
n=$(sql -c "SELECT n FROM (SELECT type, row_number() OVER (ORDER BY famille, nom) n FROM liasse.dossier_type) x WHERE type = 'actes-generique'")
for i in $(seq 2 "$n"); do tm send-keys -t t Down; done; settle
keys Enter
assert_has "choix du connecteur" "Connecteur pour actes-generique"
keys Enter
assert_has "association : message" "actes-generique : « S²LOW (actes et Hélios) » associé (famille TdT)."
assert_has "association propre à l'entité" "propre à l'entité"
is "$(sql -c "SELECT connecteur_id FROM liasse.connecteur_association WHERE type_dossier = 'actes-generique' AND famille = 'TdT'")" "$CON" "association enregistrée"
# Seen from Commune A: not inherited, then inherited.
keys Tab Tab
keys Down Enter
assert_has "Entrée : Commune A devient l'entité courante" "Entité : Entité racine / Commune A"
keys Tab Tab Tab
assert_has "association de l'entité mère, non héritée" "de Entité racine (non héritée)"
keys DC
assert_has "association de la mère : se retire chez elle" "elle se retire depuis cette entité-là"
keys h Home Enter Enter
assert_has "héritage : message" "L'entité hérite des associations de sa mère."
assert_has "association héritée affichée" "héritée de Entité racine"
is "$(sql -c "SELECT type_dossier FROM liasse.connecteur_heritage WHERE entite_id = $ENT_A")" "*" "héritage enregistré"

# Jobs, live: a job appears, a try put back shows its error, relancer, supprimer.
keys Tab Tab
keys Home Enter
keys Tab Tab Tab Tab
assert_has "onglet Travaux" "Prochain essai"
assert_has "onglet Travaux : aucun démon connecté, dit sur la ligne de position" "sur 0 · aucun démon"
J1=$(sql -c "SELECT liasse.connecteur_test_demande($CON)")
wait_for "test-connexion" 5
assert_has "nouveau travail affiché sans toucher au clavier (NOTIFY)" "[S²LOW (actes"
sql -c "UPDATE liasse.job SET locked_by = 'd:1', locked_until = now() + interval '1 min' WHERE id = $J1" >/dev/null
sql -c "SELECT liasse.job_release($J1, 'd:1', now() + interval '1 hour', true, 'Serveur injoignable (essai)')" >/dev/null
wait_for "Serveur injoign" 5
assert_has "erreur du dernier essai affichée en direct" "Serveur injoign"
keys Enter
assert_has "Entrée : le travail en détail, l'erreur entière" "Dernière erreur : Serveur injoignable (essai)"
keys Enter
like "$(screen | grep test-connex)" ' 1 +attente' "nombre d'essais affiché"
keys s
assert_has "suspendre : message" "Travail $J1 suspendu."
like "$(screen | grep test-connex)" 'suspendu' "travail suspendu affiché"
is "$(sql -c "SELECT etat FROM liasse.job WHERE id = $J1")" suspendu "travail suspendu en base"
keys r
assert_has "relancer : message" "Travail $J1 relancé."
is "$(sql -c "SELECT etat FROM liasse.job WHERE id = $J1")" attente "relancé : de nouveau en attente"
is "$(sql -c "SELECT nb_try || ' ' || (run_at <= now()) FROM liasse.job WHERE id = $J1")" "0 true" "relancé : essais remis à zéro, dû maintenant"
keys DC
assert_has "suppression : confirmation" "Supprimer le travail $J1 (test-connexion, dossier -) ? (o/n)"
keys o
assert_has "suppression : message" "Travail $J1 supprimé."
is "$(sql -c "SELECT count(*) FROM liasse.job WHERE id = $J1")" 0 "travail supprimé"
is "$(screen | wc -l)" 24 "80x24 : 24 lignes"
keys q
wait_for "fin=0" 5 && ok "sortie normale" || fail "sortie normale"

# An administrator who is an agent (role admin, no access to the secrets):
# Tester la connexion goes through the daemon, which answers in the TUI.
"$LIASSE" --db "dbname=$DB" connecteur set "$CON" url "$S2LOW_URL" || fail "adresse remise"
"$LIASSE" --db "dbname=$DB" daemon --veille 600 >"$TEST_TMP/daemon.out" 2>&1 & dp=$!
TUI_USER=admintui.jdurand
run_liasse
wait_for "Types de dossiers" 5
keys F9
wait_for "Dénomination" 5
keys Tab Tab
assert_has "administrateur agent : les connecteurs de l'entité" "S²LOW (actes et Hélios)"
keys t
wait_for "Tester la connexion « S²LOW (actes et Hélios) » : réussi" 20
assert_has "test demandé au démon : réponse de S2LOW" "Connexion à S²LOW réussie"
keys Enter
keys Tab Tab
wait_for "Prochain essai" 5
assert_has "administrateur agent, onglet Travaux : le démon connecté est compté" "sur 0 · 1 démon"
keys Tab Tab Tab
wait_for "S²LOW (actes et Hélios)" 5
keys Enter
keys Down Down Down Down Enter
keys -l "autre-secret"; keys Enter
is "$(sql -c "SELECT valeurs->>'cle_mot_de_passe' FROM liasse.connecteur_secret WHERE connecteur_id = $CON")" "autre-secret" "administrateur agent : secret écrit"
assert_lacks "administrateur agent : secret jamais affiché" "autre-secret"
keys q
wait_for "fin=0" 5 && ok "administrateur agent : sortie normale" || fail "administrateur agent : sortie normale"
kill "$dp" 2>/dev/null; wait "$dp" 2>/dev/null

# An agent without administration rights: the database's refusals.
TUI_USER=$AGENT
run_liasse
wait_for "Types de dossiers" 5
keys F9
wait_for "Dénomination" 5
keys End c Enter
keys -l "Annexe"; keys Enter Enter Enter
assert_has "agent : création d'entité refusée par la base" "Droit « entite:edition » manquant sur l'entité $ENT_A."
is "$(sql -c "SELECT count(*) FROM liasse.entite WHERE denomination = 'Annexe'")" 0 "refus : rien n'est créé"
keys c Enter
like "$(line 24)" '^Dénomination : Annexe$' "refus : ce qui a été tapé est proposé de nouveau"
keys Escape
keys Tab Tab c Home Enter Enter
assert_has "agent : création de connecteur refusée" "Droit « connecteur:edition » manquant sur l'entité $ENT_A."
keys Tab Tab
assert_has "agent : travaux refusés" "Droit « connecteur:lecture » manquant sur l'entité $ENT_A."
keys Tab Tab c
keys -l "agent.nouveau"; keys Enter Enter Enter Enter Enter
assert_has "agent : création d'utilisateur refusée" "Droit « utilisateur:edition » manquant sur l'entité $ENT_A."
is "$(sql -c "SELECT count(*) FROM pg_roles WHERE rolname = 'agent.nouveau'")" 0 "refus : aucun rôle PostgreSQL créé"
keys q
wait_for "fin=0" 5 && ok "agent : sortie normale" || fail "agent : sortie normale"
