# Mail sécurisé avec réponse, end to end: a real SMTP server on loopback
# captures the messages sent by the daemon's SMTP connector; the links are
# read from the captured mails and opened with curl on `liasse serve`;
# reading, replying with a file, validating; states and counters; bcc
# privacy; refused recipient; password and rate limit; resend; non reçu;
# empty group; SMTP server down.
. tests/lib/tap.sh
. tests/lib/dossier.sh

command -v curl >/dev/null || { skip "mail sécurisé" "curl absent"; exit 0; }
dossier_setup ms || { fail "préparation"; exit 1; }
T=$TEST_TMP/ms; mkdir -p "$T/mails"
MR="python3 tests/mailsec/mailread.py"
etat() { sql -c "SELECT etat FROM liasse.dossier WHERE id = $1"; }
val() { sql -c "SELECT coalesce(liasse.dossier_values_text($1, '$2'), '')"; }
mails() { ls "$T/mails" | grep -c '\.eml$'; }
mail_for() { grep -l "^X-Sink-Rcpt: $1" "$T"/mails/*.eml | tail -n 1; }

# The SMTP server and the recipients' web server.
python3 tests/mailsec/smtpsink.py "$T/mails" "$T/smtp.port" & SINK=$!
SERVE=
trap 'kill $SINK $SERVE 2>/dev/null' EXIT
for _ in $(seq 50); do [ -s "$T/smtp.port" ] && break; sleep 0.1; done
SMTP_PORT=$(cat "$T/smtp.port")
WEB_PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
"$LIASSE" --db "dbname=$DB" serve --listen "127.0.0.1:$WEB_PORT" 2>"$T/serve.log" & SERVE=$!
for _ in $(seq 50); do curl -fs "http://127.0.0.1:$WEB_PORT/sante" >/dev/null && break; sleep 0.1; done
like "$(curl -s "http://127.0.0.1:$WEB_PORT/sante")" '^ok' "liasse serve écoute et joint la base"
out=$(PGUSER=$UA "$LIASSE" --db "dbname=$DB" serve --listen 127.0.0.1:1 2>&1)
like "$out" 'liasse_owner' "liasse serve refuse un compte d'agent"

# Address book of commune A and the SMTP connector (family mailsec).
L postgres annuaire groupe-create --entite "$ENT_A" "Conseil municipal" >/dev/null
L postgres annuaire groupe-create --entite "$ENT_A" "Vide" >/dev/null
printf 'maire@a.example;Mme la Maire;Conseil municipal\nadjoint@a.example;M. l\x27adjoint;Conseil municipal\nrefuse.elu@a.example;Adresse refusée;Conseil municipal\n' >"$T/elus.csv"
check "import du carnet d'adresses" L postgres annuaire import --entite "$ENT_A" "$T/elus.csv"
c=$(sql -c "SELECT liasse.connecteur_create($ENT_A, 'smtp', 'mailsec', 'SMTP de test')")
for kv in "serveur=smtp://127.0.0.1:$SMTP_PORT" "starttls=off" "expediteur=convocations@syndicat.example" \
	"reply_to=secretariat@a.example" "lien_base=https://convocations.syndicat.example" \
	"sujet=[%ENTITE%] %TITRE%" "delai=10"; do
	sql -c "SELECT liasse.connecteur_set($c, '${kv%%=*}', '${kv#*=}')" >/dev/null
done
sql -c "SELECT liasse.connecteur_associate($ENT_A, 'mailsec-bidir', 'mailsec', $c)" >/dev/null
# The link's public base is the reverse proxy; the tests reach liasse serve directly.
local_url() { sed "s#https://convocations.syndicat.example#http://127.0.0.1:$WEB_PORT#"; }

# The convocation, by the agent of A.
id=$(L "$UA" dossier create --entite "$ENT_A" --type mailsec-bidir --titre "Convocation du conseil du 12 mars") || fail "création"
L "$UA" dossier set "$id" 'to=groupe: "Conseil municipal"' "cc=\"Secrétaire\" <secretaire@a.example>" \
	"bcc=cache.bcc@ext.example" "message=Bonjour,
Veuillez trouver l'ordre du jour ci-joint.
Cordialement" >/dev/null || fail "valeurs"
PDF=core/demo/document.pdf
L "$UA" dossier attach "$id" document_attache "$PDF" >/dev/null || fail "pièce jointe"
out=$(L "$UA" mailsec send "$id")
like "$out" 'Programmé' "mailsec send : envoi programmé pour le démon"
D() { "$LIASSE" --db "dbname=$DB" -v daemon --once >>"$T/daemon.log" 2>&1; }
D
is "$(etat "$id")" "envoi-mail" "après le démon : état envoi-mail"
is "$(mails)" 4 "un message par destinataire accepté (3 + cc + cci - 1 refusé)"
is "$(val "$id" sent_mail_number)" 5 "compteur destinataires : 5"
st=$(L "$UA" mailsec status "$id")
like "$st" 'refuse\.elu@a\.example.*refusée par le serveur SMTP \(550\)' "adresse refusée enregistrée sur le destinataire"
like "$st" 'destinataires : 5' "status : compteurs"

# Privacy: each message names only its own recipient; the bcc appears nowhere else.
priv=ok
for f in "$T"/mails/*.eml; do
	rcpt=$($MR "$f" rcpt); to=$($MR "$f" to)
	to=${to#<}; to=${to%>}
	[ "$to" = "$rcpt" ] || priv="To: $to pour $rcpt"
	if [ "$rcpt" != cache.bcc@ext.example ] && grep -qi 'cache\.bcc' "$f"; then priv="cci visible dans le message de $rcpt"; fi
done
is "$priv" ok "chaque message ne nomme que son destinataire ; la copie cachée n'apparaît dans aucun autre"
f=$(mail_for maire@a.example)
is "$($MR "$f" parts)" 1 "pas de pièce jointe dans le mail (une seule partie texte)"
if grep -q 'document.pdf' "$f"; then fail "le nom de la pièce jointe n'est pas dans le mail"; else ok "le nom de la pièce jointe n'est pas dans le mail"; fi
is "$($MR "$f" subject)" "[Commune A] Convocation du conseil du 12 mars" "objet du mail : modèle %ENTITE% %TITRE%"
like "$(grep -i '^Reply-To' "$f")" 'secretariat@a\.example' "Reply-To"
link=$($MR "$f" link)
like "$link" '^https://convocations\.syndicat\.example/mail/[0-9a-f]{64}$' "lien personnel (clé de 256 bits en hexadécimal)"
key=${link##*/}
other=$($MR "$(mail_for adjoint@a.example)" link)
[ "${other##*/}" != "$key" ] && ok "chaque destinataire a sa propre clé" || fail "chaque destinataire a sa propre clé"
is "$(sql -c "SELECT count(*) FROM liasse.mailsec_lien WHERE hash = sha256('$key'::bytea)")" 1 "la base garde l'empreinte SHA-256 de la clé"
is "$(sql -c "SELECT count(*) FROM liasse.dossier_valeur WHERE valeur LIKE '%$key%'") $(sql -c "SELECT count(*) FROM liasse.journal WHERE message LIKE '%$key%'")" "0 0" "la clé n'est stockée en clair nulle part"

# The recipient opens the page.
url=$(echo "$link" | local_url)
page=$(curl -s -w '\n%{http_code}' "$url")
like "$page" '200$' "page du message : 200"
like "$page" 'Convocation du conseil du 12 mars' "page : objet"
like "$page" 'groupe: &quot;Conseil municipal&quot;' "page : destinataires tels que saisis"
like "$page" 'Veuillez trouver l&#39;ordre du jour' "page : message échappé"
if printf '%s' "$page" | grep -q 'cache.bcc'; then fail "page : la copie cachée n'est pas montrée"; else ok "page : la copie cachée n'est pas montrée"; fi
if printf '%s' "$page" | grep -qi '<script'; then fail "page sans JavaScript"; else ok "page sans JavaScript"; fi
is "$(etat "$id")" "reception-partielle" "lecture : état reception-partielle"
is "$(val "$id" sent_mail_read)" 1 "compteur lus : 1"
is "$(sql -c "SELECT count(*) FROM liasse.journal WHERE dossier_id = $id AND message = 'maire@a.example a consulté le message'")" 1 "lecture journalisée"
curl -s "$url" >/dev/null
is "$(val "$id" sent_mail_read)" 1 "une deuxième lecture ne compte pas deux fois"
doc=$(printf '%s' "$page" | grep -o "$key/document/0" | head -n 1)
is "$doc" "$key/document/0" "lien du document"
curl -s -D "$T/h" -o "$T/doc.pdf" "http://127.0.0.1:$WEB_PORT/mail/$key/document/0"
is "$(sha256sum <"$T/doc.pdf")" "$(sha256sum <"$PDF")" "document téléchargé identique"
like "$(cat "$T/h")" 'Content-Disposition: attachment; filename="document.pdf"' "document : nom du fichier"
like "$(cat "$T/h")" 'Referrer-Policy: no-referrer' "en-tête Referrer-Policy (la clé ne fuit pas)"
is "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$WEB_PORT/mail/$(printf '%064d' 0)")" 404 "clé inconnue : 404"
is "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$WEB_PORT/mail/abc")" 404 "clé mal formée : 404"

# The reply, with a file; the type comes from the content.
cp "$PDF" "$T/pouvoir.txt"
code=$(curl -s -o /dev/null -w '%{http_code}' -F 'reponse=Absent, pouvoir à Mme Untel' -F "fichier=@$T/pouvoir.txt" "$url/reponse")
is "$code" 303 "réponse enregistrée (redirection)"
page=$(curl -s "$url")
like "$page" 'ne sera pas transmise tant que vous ne l.aurez pas validée' "réponse en attente de validation"
is "$(val "$id" sent_mail_answered)" 0 "pas encore comptée tant qu'elle n'est pas validée"
nsend=$(mails)
sql -c "SELECT liasse.connecteur_set($c, 'notifier_reponses', 'on')" >/dev/null
is "$(curl -s -o /dev/null -w '%{http_code}' -X POST "$url/valider")" 303 "validation"
is "$(( $(mails) - nsend ))" 1 "réponse validée : un courriel à l'auteur du mail (notifier_reponses)"
nf=$(mail_for "$UA@example.org")
is "$($MR "$nf" subject)" "Réponse de Mme la Maire <maire@a.example> à « Convocation du conseil du 12 mars »" "courriel à l'auteur : objet"
like "$($MR "$nf" body)" 'Absent, pouvoir à Mme Untel' "courriel à l'auteur : le texte de la réponse"
like "$($MR "$nf" body)" '1 fichier\(s\) joint' "courriel à l'auteur : les fichiers restent dans liasse"
sql -c "SELECT liasse.connecteur_set($c, 'notifier_reponses', 'off')" >/dev/null
like "$(curl -s "$url")" 'Réponse validée le' "page : réponse validée"
is "$(val "$id" sent_mail_answered)" 1 "compteur répondus : 1"
dest=$(sql -c "SELECT id FROM liasse.mailsec_destinataire WHERE dossier_id = $id AND email = 'maire@a.example'")
out=$(L "$UA" mailsec reponse "$dest")
like "$out" 'Absent, pouvoir à Mme Untel' "la secrétaire lit la réponse"
like "$out" 'pouvoir\.txt \(application/pdf' "type du fichier reconnu d'après son contenu"
fid=$(sql -c "SELECT id FROM liasse.mailsec_reponse_fichier WHERE destinataire_id = $dest")
L "$UA" mailsec reponse "$dest" --fichier "$fid" --sortie "$T/rep.pdf"
is "$(sha256sum <"$T/rep.pdf")" "$(sha256sum <"$PDF")" "fichier de la réponse identique"
is "$(curl -s -o /dev/null -w '%{http_code}' -F 'reponse=Autre' "$url/reponse")" 400 "réponse validée : plus modifiable"
out=$(L "$UB" mailsec reponse "$dest" 2>&1)
like "$out" 'introuvable' "un agent de B ne lit pas la réponse"

# Resend to one recipient, then everyone reads: state reception.
adj=$(sql -c "SELECT id FROM liasse.mailsec_destinataire WHERE dossier_id = $id AND email = 'adjoint@a.example'")
n0=$(mails)
L "$UA" mailsec resend "$id" "$adj" >/dev/null
D
is "$(( $(mails) - n0 ))" 1 "renvoi à un destinataire : un message"
is "$(sql -c "SELECT nb_envois FROM liasse.mailsec_destinataire WHERE id = $adj")" 2 "renvoi : nombre d'envois 2"
is "$(etat "$id")" "renvoi" "renvoi : état renvoi"
page=$(curl -s -w '\n%{http_code}' "$(echo "$other" | local_url)")
like "$page" '410$' "renvoi : l'ancien lien ne fonctionne plus (410)"
like "$page" 'Ce lien a été remplacé par un envoi plus récent' "renvoi : l'ancien lien l'explique"
if printf '%s' "$page" | grep -q 'Convocation du conseil'; then fail "renvoi : l'ancien lien ne montre rien du message"; else ok "renvoi : l'ancien lien ne montre rien du message"; fi
is "$(sql -c "SELECT lu_at IS NULL FROM liasse.mailsec_destinataire WHERE id = $adj")" t "l'ancien lien ne compte pas comme lecture"
newl=$($MR "$(mail_for adjoint@a.example)" link | local_url)
[ "$newl" != "$(echo "$other" | local_url)" ] && ok "renvoi : un nouveau lien" || fail "renvoi : un nouveau lien"
is "$(curl -s -o /dev/null -w '%{http_code}' "$newl")" 200 "le nouveau lien fonctionne"
like "$(sql -c "SELECT string_agg(message, '|') FROM liasse.journal WHERE dossier_id = $id AND action = 'renvoi'")" 'Lien précédent de adjoint@a\.example remplacé' "remplacement du lien journalisé"
is "$(curl -s -o /dev/null -w '%{http_code}' "$(echo "$link" | local_url)")" 200 "le lien d'un destinataire à qui rien n'a été renvoyé reste valide"
for r in secretaire@a.example cache.bcc@ext.example; do curl -s "$($MR "$(mail_for $r)" link | local_url)" >/dev/null; done
is "$(etat "$id")" "reception-partielle" "l'adresse refusée n'a pas lu : reçu partiellement"

# Non reçu: the unread recipient's link is disabled, the others still work.
id2=$(L "$UA" dossier create --entite "$ENT_A" --type mailsec-bidir --titre "Commission des travaux")
L "$UA" dossier set "$id2" 'to=a1@a.example, a2@a.example' >/dev/null
L "$UA" mailsec send "$id2" >/dev/null; D
l1=$($MR "$(mail_for a1@a.example)" link | local_url); l2=$($MR "$(mail_for a2@a.example)" link | local_url)
curl -s "$l1" >/dev/null
L "$UA" mailsec non-recu "$id2" >/dev/null
is "$(etat "$id2")" "non-recu" "état non-recu"
is "$(curl -s -o /dev/null -w '%{http_code}' "$l2")" 410 "non reçu : lien du destinataire qui n'a pas lu désactivé"
is "$(curl -s -o /dev/null -w '%{http_code}' "$l1")" 200 "non reçu : celui qui a lu garde l'accès"
like "$(L "$UA" mailsec status "$id2")" 'a2@a\.example.*inactif' "status : lien inactif"

# All read: reception.
id3=$(L "$UA" dossier create --entite "$ENT_A" --type mailsec-bidir --titre "Bureau")
L "$UA" dossier set "$id3" 'to=b1@a.example' >/dev/null
printf 'Ordre du jour : budget.\n' >"$T/odj.txt"
L "$UA" dossier attach "$id3" document_attache "$PDF" >/dev/null
L "$UA" dossier attach "$id3" document_attache "$T/odj.txt" >/dev/null
L "$UA" mailsec send "$id3" >/dev/null; D
l3=$($MR "$(mail_for b1@a.example)" link | local_url)
like "$(curl -s "$l3")" 'documents\.zip' "plusieurs documents : lien « tous les documents »"
curl -s -o "$T/all.zip" "$l3/documents.zip"
out=$(python3 - "$T/all.zip" "$PDF" "$T/odj.txt" <<'PY'
import hashlib, sys, zipfile
z = zipfile.ZipFile(sys.argv[1])
assert z.testzip() is None
names = z.namelist()
want = [open(p, "rb").read() for p in sys.argv[2:]]
print(",".join(names), all(z.read(n) == w for n, w in zip(names, want)))
PY
)
is "$out" "document.pdf,odj.txt True" "zip de tous les documents : noms et contenus exacts"
is "$(etat "$id3")" "reception" "tous ont lu : état reception"

# Password: stored as a PBKDF2 hash, asked before anything is shown, rate-limited.
id4=$(L "$UA" dossier create --entite "$ENT_A" --type mailsec-bidir --titre "Huis clos")
L "$UA" dossier set "$id4" 'to=p1@a.example' 'message=Texte confidentiel' >/dev/null
echo 'Secret-42!' | L "$UA" mailsec password "$id4" >/dev/null
like "$(val "$id4" password)" '^pbkdf2-sha256\$100000\$[0-9a-f]{32}\$[0-9a-f]{64}$' "mot de passe : empreinte PBKDF2 salée"
is "$(sql -c "SELECT count(*) FROM liasse.dossier_valeur WHERE valeur LIKE '%Secret-42%'")" 0 "mot de passe jamais en clair"
out=$(L "$UA" dossier set "$id4" 'password=enclair' 2>&1)
like "$out" 'jamais enregistré en clair' "un mot de passe en clair est refusé"
L "$UA" mailsec send "$id4" >/dev/null; D
pl=$($MR "$(mail_for p1@a.example)" link | local_url)
page=$(curl -s -w '\n%{http_code}' "$pl")
like "$page" '401$' "page protégée : 401"
if printf '%s' "$page" | grep -q 'Huis clos\|confidentiel'; then fail "rien n'est montré avant le mot de passe"; else ok "rien n'est montré avant le mot de passe"; fi
is "$(etat "$id4")" "envoi-mail" "la page du mot de passe ne compte pas comme lecture"
for i in 1 2 3 4; do code=$(curl -s -o /dev/null -w '%{http_code}' --data-urlencode 'mot_de_passe=faux' "$pl/mot-de-passe"); done
is "$code" 403 "mauvais mot de passe : 403"
code=$(curl -s -o "$T/p" -w '%{http_code}' --data-urlencode 'mot_de_passe=faux' "$pl/mot-de-passe")
is "$code" 429 "cinquième erreur : lien bloqué (429)"
like "$(cat "$T/p")" 'réessayez après le' "message : heure de déblocage"
code=$(curl -s -o /dev/null -w '%{http_code}' --data-urlencode 'mot_de_passe=Secret-42!' "$pl/mot-de-passe")
is "$code" 429 "bloqué : même le bon mot de passe attend"
sql -c "UPDATE liasse.mailsec_destinataire SET bloque_jusqu = now() - interval '1 second' WHERE dossier_id = $id4" >/dev/null
code=$(curl -s -c "$T/jar" -o /dev/null -w '%{http_code}' --data-urlencode 'mot_de_passe=Secret-42!' "$pl/mot-de-passe")
is "$code" 303 "bon mot de passe : accès"
like "$(grep liasse_ms "$T/jar")" 'liasse_ms' "cookie de session posé"
like "$(curl -s -b "$T/jar" "$pl")" 'Texte confidentiel' "avec la session : le message"
is "$(curl -s -o /dev/null -w '%{http_code}' "$pl")" 401 "sans la session : mot de passe demandé"
is "$(sql -c "SELECT echecs FROM liasse.mailsec_destinataire WHERE dossier_id = $id4")" 0 "compteur d'échecs remis à zéro"

# An empty group is refused at sending: error state, message kept.
id5=$(L "$UA" dossier create --entite "$ENT_A" --type mailsec-bidir --titre "Groupe vide")
L "$UA" dossier set "$id5" 'to=groupe: "Vide"' >/dev/null
L "$UA" mailsec send "$id5" >/dev/null; D
is "$(etat "$id5")" "send-mailsec-error" "groupe vide : état d'erreur d'envoi"
like "$(sql -c "SELECT message FROM liasse.dossier_etat WHERE dossier_id = $id5 ORDER BY id DESC LIMIT 1")" 'groupe « Vide » est vide' "groupe vide : message clair"

# SMTP server down: the job waits and retries, nothing changes.
sql -c "SELECT liasse.connecteur_set($c, 'serveur', 'smtp://127.0.0.1:1')" >/dev/null
id6=$(L "$UA" dossier create --entite "$ENT_A" --type mailsec-bidir --titre "Serveur en panne")
L "$UA" dossier set "$id6" 'to=c1@a.example' >/dev/null
L "$UA" mailsec send "$id6" >/dev/null; D
is "$(etat "$id6")" "modification" "serveur SMTP injoignable : état inchangé"
like "$(sql -c "SELECT last_message FROM liasse.job WHERE dossier_id = $id6")" 'injoignable' "serveur SMTP injoignable : travail à réessayer, message clair"
