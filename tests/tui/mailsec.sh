# Mail sécurisé from the keyboard: the address book from the main menu,
# an Excel CSV (Windows-1252) imported with its report per line and the
# missing group created on request, a convocation typed in the form with a
# password (stored hashed, never shown), sent by the daemon to an SMTP
# server on loopback, then the tracking view: the counters change live
# when a recipient reads and answers on `liasse serve`, the answer is
# announced on the message line, a resend replaces the recipient's link.
. tests/tui/lib.sh
command -v curl >/dev/null || { skip "mail sécurisé dans l'interface" "curl absent"; exit 0; }
tui_db tuims || { fail "base de test"; exit 1; }
uid=$(sql -c "SELECT id FROM liasse.utilisateur WHERE login = '$TUI_USER'")
sql -c "SELECT liasse.grant_role($uid, 'administrateur-collectivite', $ENT_A)" >/dev/null
T=$TEST_TMP/tuims; mkdir -p "$T/mails"
MR="python3 tests/mailsec/mailread.py"
mail_for() { grep -l "^X-Sink-Rcpt: $1" "$T"/mails/*.eml 2>/dev/null | tail -n 1; }
L() { "$LIASSE" --db "dbname=$DB" "$@"; }

python3 tests/mailsec/smtpsink.py "$T/mails" "$T/smtp.port" & SINK=$!
WEB_PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
"$LIASSE" --db "dbname=$DB" serve --listen "127.0.0.1:$WEB_PORT" 2>"$T/serve.log" & SERVE=$!
trap 'kill $SINK $SERVE 2>/dev/null; tui_cleanup' EXIT
for _ in $(seq 50); do [ -s "$T/smtp.port" ] && break; sleep 0.1; done
for _ in $(seq 50); do curl -fs "http://127.0.0.1:$WEB_PORT/sante" >/dev/null && break; sleep 0.1; done
c=$(sql -c "SELECT liasse.connecteur_create($ENT_A, 'smtp', 'mailsec', 'SMTP')")
for kv in "serveur=smtp://127.0.0.1:$(cat "$T/smtp.port")" "starttls=off" \
	"expediteur=convocations@syndicat.example" "lien_base=http://127.0.0.1:$WEB_PORT"; do
	sql -c "SELECT liasse.connecteur_set($c, '${kv%%=*}', '${kv#*=}')" >/dev/null
done
sql -c "SELECT liasse.connecteur_associate($ENT_A, 'mailsec-bidir', 'mailsec', $c)" >/dev/null

# The address book already knows the mayor and the council.
L annuaire groupe-create --entite "$ENT_A" "Conseil municipal" >/dev/null
L annuaire add --entite "$ENT_A" maire@a.example "Ancienne description" >/dev/null
# Excel's "CSV (séparateur : point-virgule)": Windows-1252, CRLF.
printf 'maire@a.example;Mme H\xe9l\xe8ne Lef\xe8vre;Conseil municipal\r\n' >"$T/elus.csv"
printf 'adjoint@a.example;Fran\xe7ois Gar\xe7on;Conseil municipal;Commission travaux\r\n' >>"$T/elus.csv"
printf 'pas-une-adresse;Quelqu\x92un;Conseil municipal\r\n' >>"$T/elus.csv"
printf 'seule.colonne@a.example\r\n' >>"$T/elus.csv"
printf 'elu3@a.example;J\xe9r\xf4me No\xebl;Conseil municipal\r\n' >>"$T/elus.csv"
contacts() { sql -c "SELECT count(*) FROM liasse.annuaire_contact WHERE entite_id = $ENT_A"; }

run_liasse
wait_for "Types de dossiers" 5
assert_has "menu : le carnet d'adresses dans la famille Mail sécurisé" "Carnet d'adresses"
keys / C a r n e t Enter
keys Enter
wait_for "Ancienne description" 5
like "$(screen | head -n 1)" "Commune A +Carnet d'adresses$" "le carnet de l'entité s'ouvre depuis le menu"
assert_has "le carnet liste les contacts" "maire@a.example"
assert_has "le carnet annonce l'import CSV" "i : importer un CSV"

# Import: a missing file first (clear message, nothing lost).
keys i
keys -l "$T/absent.csv"
keys Enter
assert_has "fichier absent : message clair" "Impossible d'ouvrir"
printf '\xff\xfee\x00m\x00' >"$T/unicode.csv"
keys i
keys -l "$T/unicode.csv"
keys Enter
assert_has "fichier UTF-16 : message clair" "Fichier en UTF-16"
assert_has "fichier UTF-16 : le carnet reste affiché" "Ancienne description"
keys i
keys -l "$T/elus.csv"
keys Enter
wait_for "Import CSV" 5
assert_has "aperçu : encodage détecté" "Windows-1252"
assert_has "aperçu : bilan, rien n'est enregistré" "1 à créer, 1 à mettre à jour, 3 refusé(s)"
like "$(screen | grep 'ligne 1')" 'à mettre à jour +maire@a\.example \(Mme Hélène Lefèvre\)' "aperçu ligne 1 : mise à jour, accents convertis"
like "$(screen | grep 'ligne 2')" 'refusé +groupe\(s\) inconnu\(s\) : « Commission travaux »' "aperçu ligne 2 : groupe inconnu"
like "$(screen | grep 'ligne 3')" 'refusé +adresse électronique « pas-une-adresse » invalide' "aperçu ligne 3 : adresse invalide"
like "$(screen | grep 'ligne 4')" 'refusé +trop peu de colonnes' "aperçu ligne 4 : trop peu de colonnes"
like "$(screen | grep 'ligne 5')" 'à créer +elu3@a\.example \(Jérôme Noël\)' "aperçu ligne 5 : à créer"
assert_has "aperçu : proposition de créer le groupe manquant" "g : créer les 1 groupe(s) manquant(s)"
assert_has "aperçu : rien n'est enregistré" "Aperçu, rien n'est enregistré"
is "$(contacts)" 1 "l'aperçu n'enregistre rien"
keys g
assert_has "g : le groupe manquant sera créé" "2 à créer, 1 à mettre à jour, 2 refusé(s)"
like "$(screen | grep 'ligne 2')" 'à créer +adjoint@a\.example' "g : la ligne 2 devient importable"
keys Enter
assert_has "confirmation demandée" "(o/n)"
keys o
wait_for "Importé :" 5
assert_has "rapport final : bilan" "Importé : 2 créé(s), 1 mis à jour, 2 refusé(s), 1 groupe(s) créé(s)"
like "$(screen | grep 'ligne 1')" 'mis à jour +maire@a\.example' "rapport final ligne 1 : mis à jour"
like "$(screen | grep 'ligne 2')" 'importé +adjoint@a\.example' "rapport final ligne 2 : importé"
like "$(screen | grep 'ligne 3')" 'refusé +adresse électronique' "rapport final ligne 3 : refusé avec la raison"
is "$(contacts)" 3 "import : 3 contacts en base"
is "$(sql -c "SELECT description FROM liasse.annuaire_contact WHERE email = 'maire@a.example'")" "Mme Hélène Lefèvre" "import : description mise à jour, en UTF-8"
is "$(sql -c "SELECT count(*) FROM liasse.annuaire_groupe WHERE entite_id = $ENT_A AND nom = 'Commission travaux'")" 1 "import : groupe manquant créé"
keys Escape
wait_for "Jérôme Noël" 5
assert_has "retour au carnet : les contacts importés" "Jérôme Noël"

# A convocation typed in the form, with a password.
keys Escape
wait_for "Types de dossiers" 5
keys / M a i l Space s Enter
keys Enter
wait_for "Mail sécurisé avec réponse" 5
keys c
wait_for "Modification" 5
keys Enter
keys -l 'groupe: "Conseil municipal"'
keys Enter
keys Down Down Down Enter
keys -l 'Secret-42!'
assert_has "mot de passe en cours de saisie : masqué" "**********"
assert_lacks "mot de passe en cours de saisie : jamais en clair" "Secret-42"
keys Enter
keys Down Enter
keys -l 'Autre-99'
keys Enter
keys Down Enter
keys -l 'Conseil du 12 mars'
keys Enter
keys F2
assert_has "mots de passe différents : message clair" "Les deux mots de passe ne sont pas identiques"
assert_lacks "mots de passe différents : rien en clair à l'écran" "Autre-99"
is "$(sql -c "SELECT count(*) FROM liasse.dossier_valeur v JOIN liasse.dossier d ON d.id = v.dossier_id WHERE d.type = 'mailsec-bidir' AND v.champ LIKE 'password%'")" 0 "mots de passe différents : rien d'enregistré"
keys Home Down Down Down Down Enter
keys -l 'Secret-42!'
assert_has "mot de passe corrigé : les étoiles" "**********"
keys Enter
keys F2
wait_for "Dossier enregistré." 5
assert_has "convocation enregistrée" "Dossier enregistré."
assert_lacks "mot de passe jamais affiché en clair" "Secret-42"
assert_lacks "ni son empreinte" "pbkdf2"
id=$(sql -c "SELECT id FROM liasse.dossier WHERE titre = 'Conseil du 12 mars'")
like "$(sql -c "SELECT valeur FROM liasse.dossier_valeur WHERE dossier_id = ${id:-0} AND champ = 'password'")" '^pbkdf2-sha256\$100000\$[0-9a-f]{32}\$[0-9a-f]{64}$' "mot de passe saisi dans le formulaire : empreinte PBKDF2"
is "$(sql -c "SELECT count(DISTINCT valeur) FROM liasse.dossier_valeur WHERE dossier_id = ${id:-0} AND champ IN ('password', 'password2')")" 1 "confirmation : même empreinte (même sel)"
is "$(sql -c "SELECT count(*) FROM liasse.dossier_valeur WHERE valeur LIKE '%Secret-42%'")" 0 "mot de passe jamais en base en clair"

# Send it from the dossier view; the daemon writes the mails.
keys Escape
wait_for "Conseil du 12 mars" 5
keys Enter
wait_for "Suivi des destinataires" 5
assert_has "vue du dossier : la touche du suivi est annoncée" "touche s : envois, lectures, réponses"
keys a
n=$(screen | grep -n "Actions possibles" | head -n 1 | cut -d: -f1)
k=$(screen | grep -n "Envoyer l'email" | head -n 1 | cut -d: -f1)
for _ in $(seq 1 $((k - n - 1))); do keys Down; done
keys Enter
screen | grep -q "(o/n)" && keys o
L daemon --once >>"$T/daemon.log" 2>&1
is "$(ls "$T/mails" | grep -c '\.eml$')" 3 "trois messages envoyés (le groupe développé)"
keys s
wait_for "Destinataires" 5
assert_has "s : suivi des destinataires" "3 destinataire(s), 0 lu(s), 0 réponse(s)"
assert_has "suivi : une ligne par destinataire" "elu3@a.example"
like "$(screen | grep 'elu3@a.example')" '^À +elu3@a\.example +[0-9/]{5} [0-9:]{5} [0-9/]{5} [0-9:]{5}  1 non' "suivi : type, envois, nombre, lecture"

# The mayor reads (with the password typed in the form) and answers.
link=$($MR "$(mail_for maire@a.example)" link)
code=$(curl -s -c "$T/jar" -o /dev/null -w '%{http_code}' --data-urlencode 'mot_de_passe=Secret-42!' "$link/mot-de-passe")
is "$code" 303 "le mot de passe saisi dans l'interface ouvre la page"
curl -s -b "$T/jar" "$link" >/dev/null
if wait_for "1 lu(s)" 3; then ok "lecture : compteur mis à jour en direct"; else
	fail "lecture : compteur mis à jour en direct"; screen | sed 's/^/#   |/'; fi
curl -s -b "$T/jar" -o /dev/null -F 'reponse=Absent, pouvoir à M. Garçon' -F 'fichier=@core/demo/document.pdf' "$link/reponse"
curl -s -b "$T/jar" -o /dev/null -X POST "$link/valider"
if wait_for "1 réponse(s)" 3; then ok "réponse : compteur mis à jour en direct"; else
	fail "réponse : compteur mis à jour en direct"; screen | sed 's/^/#   |/'; fi
assert_has "réponse annoncée sur la ligne de message" "Réponse de Mme Hélène Lefèvre à « Conseil du 12 mars »"
like "$(screen | grep 'maire@a.example')" 'maire@a\.example +([0-9/]{5} [0-9:]{5} ){2} 1 [0-9/]{5} [0-9:]{5} [0-9/]{5} [0-9:]{5}$' "suivi : dates de lecture et de réponse"
keys Tab
assert_has "onglet Réponses : le texte de la réponse" "Absent, pouvoir à M. Garçon"
assert_has "onglet Réponses : le fichier de la réponse" "fichier : document.pdf (application/pdf"
keys End Enter
assert_has "Entrée sur le fichier : où l'enregistrer" "Enregistrer « document.pdf » sous :"
keys C-u
keys -l "$T/copie.pdf"
keys Enter
assert_has "fichier enregistré" "Fichier enregistré"
is "$(sha256sum <"$T/copie.pdf" 2>/dev/null)" "$(sha256sum <core/demo/document.pdf)" "fichier de la réponse enregistré à l'identique"
keys Tab

# Resend to the deputy from the tracking view: his old link is replaced.
old=$($MR "$(mail_for adjoint@a.example)" link)
r=$(screen | grep -n "adjoint@a.example" | head -n 1 | cut -d: -f1)
cur=$(screen | grep -n "^À .*@" | head -n 1 | cut -d: -f1)
for _ in $(seq 1 $((r - cur))); do keys Down; done
keys a
assert_has "a : renvoi à ce destinataire proposé" "Envoyer à nouveau à adjoint@a.example"
keys 3
L daemon --once >>"$T/daemon.log" 2>&1
new=$($MR "$(mail_for adjoint@a.example)" link)
[ -n "$new" ] && [ "$new" != "$old" ] && ok "renvoi : un nouveau lien" || fail "renvoi : un nouveau lien"
is "$(ls "$T/mails" | grep -c '\.eml$')" 4 "renvoi : un seul message de plus"
page=$(curl -s -w '\n%{http_code}' "$old")
like "$page" '410$' "renvoi : l'ancien lien ne fonctionne plus"
like "$page" 'Ce lien a été remplacé par un envoi plus récent' "renvoi : l'ancien lien l'explique"
is "$(curl -s -o /dev/null -w '%{http_code}' "$new")" 401 "renvoi : le nouveau lien mène au mot de passe"
keys q
