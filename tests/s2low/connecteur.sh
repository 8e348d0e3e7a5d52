# The S2LOW connector against the HTTPS test double (real libcurl, mutual
# TLS on loopback, throwaway PKI): Tester la connexion, secrets, actes from
# transmission to the ARActe and the stamped files, Latin-1, refusals,
# cancellation, Helios and etat_ack, outages and retries, resend.
. tests/lib/tap.sh
. tests/lib/dossier.sh
. tests/s2low/lib.sh

command -v python3 >/dev/null || { skip "s2low" "python3 absent"; exit 0; }
PKI=$TEST_TMP/pki
s2low_certs "$PKI" || { fail "PKI de test"; exit 1; }
s2low_start "$PKI" --acquit "$SHARED/samples/pes/retour/acquit_ko_SEN.xml" || { fail "démarrage du double S2LOW"; exit 1; }
trap s2low_stop EXIT
dossier_setup s2c || { fail "préparation"; exit 1; }
C() { "$LIASSE" --db "dbname=$DB" connecteur "$@"; }
D() { "$LIASSE" --db "dbname=$DB" daemon --once >/dev/null; }
etat() { sql -c "SELECT etat FROM liasse.dossier WHERE id = $1"; }
val() { sql -c "SELECT valeur FROM liasse.dossier_valeur WHERE dossier_id = $1 AND champ = '$2'"; }
ctl() { s2low_ctl "$PKI" "$1"; }
unlike() { if printf '%s' "$1" | grep -Eq -- "$2"; then fail "$3"; else ok "$3"; fi; }
stat() { ctl /_test/stats | python3 -c "import json,sys; d=json.load(sys.stdin); print(eval(sys.argv[1]))" "$1"; }

# Configuration by the administrator.
c=$(C create --entite "$ENT_A" --type s2low "S2LOW de test") || fail "création du connecteur"
C set "$c" url "$S2LOW_URL" && C set "$c" ca --fichier "$PKI/ca.pem" &&
C set "$c" certificat --fichier "$PKI/client.pem" && C set "$c" cle --fichier "$PKI/client.key" ||
	fail "configuration du connecteur"
out=$(C set "$c" inconnu x 2>&1); rc=$?
is "$rc" 2 "paramètre inconnu refusé (code 2)"
like "$out" "inconnu pour le type s2low" "paramètre inconnu : message"
C associate --entite "$ENT_A" --type-dossier actes-generique --famille TdT "$c" &&
C associate --entite "$ENT_A" --type-dossier helios-generique --famille TdT "$c" || fail "associations"
sql -c "INSERT INTO liasse.frequence (connecteur_id, expression) VALUES ($c, '1s')" >/dev/null

# Secrets: kept apart, not readable by agents, shown as set only.
is "$(sql -c "SELECT config ? 'cle' FROM liasse.connecteur WHERE id = $c")" f "la clé n'est pas dans la configuration lisible"
out=$(sql_as "$UA" -c "SELECT count(*) FROM liasse.connecteur_secret" 2>&1)
like "$out" "permission denied" "connecteur_secret illisible par un agent"
like "$(C show "$c")" "cle	\(secret enregistré\)" "show : secret signalé, jamais affiché"
unlike "$(C show "$c")" "PRIVATE KEY" "show : aucune clé privée affichée"

# Tester la connexion.
out=$(C test "$c" 2>&1)
like "$out" "Connexion à S²LOW réussie : compte « agent », collectivité « Commune de Test »" "Tester la connexion : réponse du serveur"
c2=$(C create --entite "$ENT_A" --type s2low "S2LOW intrus")
C set "$c2" url "$S2LOW_URL"; C set "$c2" ca --fichier "$PKI/ca.pem"
C set "$c2" certificat --fichier "$PKI/intrus.pem"; C set "$c2" cle --fichier "$PKI/intrus.key"
out=$(C test "$c2" 2>&1); rc=$?
is "$rc" 1 "certificat client d'une autre autorité : échec"
like "$out" "TLS" "certificat client refusé : message TLS en français"
C set "$c2" certificat --fichier "$PKI/inconnu.pem"; C set "$c2" cle --fichier "$PKI/inconnu.key"
like "$(C test "$c2" 2>&1)" "aucun compte trouvé" "certificat sans compte : message de S2LOW"
C set "$c2" certificat --fichier "$PKI/client.pem"; C set "$c2" cle --fichier "$PKI/client.key"
C set "$c2" ca --vide
like "$(C test "$c2" 2>&1)" "certificat du serveur .* n'est pas reconnu" "serveur inconnu des CA système : vérification jamais désactivée"
C set "$c2" ca --fichier "$PKI/ca.pem"
C set "$c2" certificat --vide; C set "$c2" cle --vide
C set "$c2" p12 --fichier "$PKI/client.p12"; C set "$c2" p12_mot_de_passe p12secret
like "$(C test "$c2" 2>&1)" "réussie" "certificat client PKCS#12"
# The client certificate's holder and end of validity; the test PKI's
# certificates last two days: the renewal is due.
out=$(C test "$c" 2>&1)
like "$out" "Certificat client « liasse-client », valable jusqu'au [0-9]{4}-[0-9]{2}-[0-9]{2} " \
	"Tester la connexion : titulaire et fin de validité du certificat client"
like "$out" "Attention : il expire dans 1 jour\(s\) ; pensez à le renouveler" "expiration proche signalée"
like "$(C test "$c2" 2>&1)" "Certificat client « liasse-client »" "PKCS#12 : titulaire lu aussi"
# An expired client certificate: said as such, before any TLS exchange.
openssl req -utf8 -newkey rsa:2048 -nodes -subj "/CN=Agent Périmé" -keyout "$TEST_TMP/vieux.key" \
	-out "$TEST_TMP/vieux.csr" 2>/dev/null &&
openssl x509 -req -in "$TEST_TMP/vieux.csr" -CA "$PKI/ca.pem" -CAkey "$PKI/ca.key" -CAcreateserial -days -1 \
	-out "$TEST_TMP/vieux.pem" -extfile "$PKI/client.ext" 2>/dev/null || fail "certificat périmé"
C set "$c2" p12 --vide; C set "$c2" p12_mot_de_passe --vide
C set "$c2" certificat --fichier "$TEST_TMP/vieux.pem"; C set "$c2" cle --fichier "$TEST_TMP/vieux.key"
out=$(C test "$c2" 2>&1); rc=$?
is "$rc" 1 "certificat client périmé : échec"
like "$out" "certificat client du connecteur \(« Agent Périmé »\) a expiré le [0-9]{4}-[0-9]{2}-[0-9]{2} .*Enregistrez un certificat" \
	"certificat client périmé : dit tel quel, avec sa date"

# Tester la connexion by an agent administrator: through the daemon.
adm=s2c_adm
sql -c "SELECT liasse.grant_role(liasse.create_user('$adm', NULL, 'Adm', 'In', 'adm@example.org', $ENT_A), 'admin', $ENT_A)" >/dev/null
"$LIASSE" --db "dbname=$DB" daemon --veille 60 >/dev/null 2>&1 & dp=$!
out=$(PGUSER=$adm C test "$c" 2>&1)
like "$out" "réussie" "Tester la connexion par un administrateur (via le démon, qui lit les secrets)"
kill -TERM $dp; wait $dp

# An acte, from the secretary's "Transmettre" to the ARActe.
printf '%%PDF-1.4\n%% acte\n%%%%EOF\n' >"$TEST_TMP/acte.pdf"
printf '%%PDF-1.4\n%% annexe\n%%%%EOF\n' >"$TEST_TMP/Annexe été.pdf"
new_acte() { # NUMBER OBJET
	local id
	id=$(L "$UA" dossier create --entite "$ENT_A" --type actes-generique --titre "$2") || return 1
	L "$UA" dossier set "$id" acte_nature=1 "numero_de_lacte=$1" classification=1.1 \
		type_acte=99_DE type_pj=99_DE >/dev/null || return 1
	L "$UA" dossier attach "$id" arrete "$TEST_TMP/acte.pdf" >/dev/null || return 1
	L "$UA" dossier attach "$id" autre_document_attache "$TEST_TMP/Annexe été.pdf" >/dev/null || return 1
	L "$UA" dossier action "$id" orientation >/dev/null || return 1
	echo "$id"
}
a1=$(new_acte DEL2024_01 "Délibération sur l'été") || fail "dossier acte"
is "$(sql -c "SELECT action FROM liasse.job WHERE dossier_id = $a1")" "send-tdt" "Transmettre : travail send-tdt"
D
is "$(etat "$a1")" "send-tdt" "transmis à S2LOW"
tid=$(val "$a1" tedetis_transaction_id)
like "$tid" '^[0-9]+$' "identifiant de transaction enregistré"
is "$(stat "d['actes']['$tid']['subject']")" "Délibération sur l'été" "objet reçu en ISO-8859-1 et bien décodé par S2LOW"
is "$(stat "d['actes']['$tid']['files']")" "['acte.pdf', 'Annexe été.pdf']" "noms de fichiers en ISO-8859-1"
D
is "$(etat "$a1")" "send-tdt" "statut 1 : on attend (pas d'erreur)"
like "$(sql -c "SELECT last_message FROM liasse.job WHERE dossier_id = $a1")" "statut 1 \(Posté\)" "le statut S2LOW est le dernier message"
ctl "/_test/advance?transaction=$tid&status=4" >/dev/null
sleep 1.1; D
like "$(sql -c "SELECT string_agg(etat, ',' ORDER BY id) FROM liasse.dossier_etat WHERE dossier_id = $a1")" \
	"send-tdt,verif-tdt,acquiter-tdt" "ARActe reçu : Acquittement reçu"
like "$(val "$a1" acte_unique_id)" "^034-000000000-[0-9]{8}-DEL2024_01-DE$" "IDActe lu dans l'ARActe"
is "$(sql -c "SELECT string_agg(champ || ':' || nom, ' ' ORDER BY champ, n) FROM liasse.fichier WHERE dossier_id = $a1 AND champ IN ('aractes','bordereau','acte_tamponne','annexes_tamponnees')")" \
	"acte_tamponne:acte.pdf annexes_tamponnees:Annexe été.pdf aractes:ARActe.xml bordereau:bordereau_acquittement.pdf" \
	"ARActe, bordereau, acte et annexe tamponnés enregistrés"
like "$(L "$UA" dossier get "$a1" acte_tamponne - 2>/dev/null | tail -n 1)" "Recu en prefecture" "l'acte tamponné vient de S2LOW"

# Cancellation of the acquitted acte.
if [ "$(etat "$a1")" != acquiter-tdt ]; then D; fi
cur=$(etat "$a1")
out=$(L "$UA" dossier action "$a1" annulation-tdt 2>&1)
like "$out" "programm" "Annuler l'acte : programmé pour le démon (état $cur)"
D
cid=$(val "$a1" tedetis_annulation_id)
like "$cid" '^[0-9]+$' "annulation transmise (transaction $cid)"
ctl "/_test/advance?transaction=$cid&status=4" >/dev/null
sleep 1.1; D
is "$(etat "$a1")" "annuler-tdt" "annulation acquittée : Acte annulé"
is "$(stat "d['actes']['$tid']['status']")" 0 "côté S2LOW l'acte est au statut 0"

# Refusals: a number already used on S2LOW by another client (genuine
# duplicate: no intent of ours, not adopted), a status -1.
printf '%%PDF-1.4\n%%%%EOF\n' >"$TEST_TMP/autre.pdf"
curl -sS --cacert "$PKI/ca.pem" --cert "$PKI/client.pem" --key "$PKI/client.key" -F api=1 -F nature_code=1 \
	-F classif1=1 -F classif2=1 -F number=DEL2024_02 -F subject=autre -F decision_date=2024-01-02 \
	-F type_acte=99_DE -F "acte_pdf_file=@$TEST_TMP/autre.pdf" "$S2LOW_URL/modules/actes/actes_transac_create.php" >/dev/null
a2=$(new_acte DEL2024_02 "Autre acte")
D
is "$(etat "$a2")" "send-tdt-erreur" "numéro déjà utilisé : Erreur de transmission"
like "$(sql -c "SELECT message FROM liasse.dossier_etat WHERE dossier_id = $a2 AND etat = 'send-tdt-erreur'")" \
	"Un acte portant le même numéro interne existe déjà" "message de S2LOW dans l'historique"
a3=$(new_acte DEL2024_03 "Acte refusé")
D; t3=$(val "$a3" tedetis_transaction_id)
ctl "/_test/advance?transaction=$t3&status=-1&message=Anomalie%20de%20l%27enveloppe" >/dev/null
sleep 1.1; D
is "$(etat "$a3")" "tdt-error" "statut -1 : Erreur sur le TdT"
like "$(sql -c "SELECT message FROM liasse.dossier_etat WHERE dossier_id = $a3 AND etat = 'tdt-error'")" \
	"Anomalie de l'enveloppe" "raison de l'erreur dans l'historique"

# A file name Latin-1 cannot carry: clear refusal, nothing sent.
n0=$(stat "d['actes_crees']")
printf '%%PDF-1.4\n%%%%EOF\n' >"$TEST_TMP/Budget 100€.pdf"
a4=$(L "$UA" dossier create --entite "$ENT_A" --type actes-generique --titre "Acte euro")
L "$UA" dossier set "$a4" acte_nature=1 numero_de_lacte=DEL2024_04 classification=1.1 type_acte=99_DE >/dev/null
L "$UA" dossier attach "$a4" arrete "$TEST_TMP/Budget 100€.pdf" >/dev/null
L "$UA" dossier action "$a4" orientation >/dev/null
D
is "$(etat "$a4")" "send-tdt-erreur" "nom de fichier hors Latin-1 : erreur de transmission"
like "$(sql -c "SELECT message FROM liasse.dossier_etat WHERE dossier_id = $a4 AND etat = 'send-tdt-erreur'")" \
	"contient « € »" "le caractère fautif est nommé"
is "$(stat "d['actes_crees']")" "$n0" "rien n'a été envoyé à S2LOW"

# Outages: 500, garbage, server down: retried with the reason, then the
# error state after the tries of the rule; the user resends.
sql -c "UPDATE liasse.frequence SET expression = '1s X 3' WHERE connecteur_id = $c" >/dev/null
ctl "/_test/panne?mode=500&n=1" >/dev/null
a5=$(new_acte DEL2024_05 "Acte en panne")
D
like "$(sql -c "SELECT last_message FROM liasse.job WHERE dossier_id = $a5")" "erreur HTTP 500" "HTTP 500 : nouvel essai prévu, message en français"
ctl "/_test/panne?mode=garbage&n=1" >/dev/null
sleep 1.1; D
like "$(sql -c "SELECT last_message FROM liasse.job WHERE dossier_id = $a5")" "Réponse inattendue de S²LOW" "réponse illisible : nouvel essai"
s2low_stop
sleep 1.1; D
like "$(sql -c "SELECT nb_try || ' ' || last_message FROM liasse.job WHERE dossier_id = $a5")" \
	"^3 Connexion impossible au serveur localhost" "serveur arrêté : troisième essai, message clair"
sleep 1.1; D
is "$(etat "$a5")" "send-tdt-erreur" "essais épuisés : Erreur de transmission"
s2low_start "$PKI" --acquit "$SHARED/samples/pes/retour/acquit_ko_SEN.xml"
C set "$c" url "$S2LOW_URL" >/dev/null
out=$(L "$UA" dossier action "$a5" orientation 2>&1)
like "$out" "orientation" "l'agent relance depuis l'erreur"
D
is "$(etat "$a5")" "send-tdt" "renvoi réussi"
is "$(stat "d['actes_crees']")" 1 "une seule transaction côté S2LOW (nouveau double)"

# Helios: PES, acquit KO with the DGFiP's text, acquit missing quirk.
PES=$SHARED/samples/pes/aller/depense_accents_latin1.xml
h1=$(L "$UA" dossier create --entite "$ENT_A" --type helios-generique --titre "PES janvier")
L "$UA" dossier attach "$h1" fichier_pes "$PES" >/dev/null
L "$UA" dossier action "$h1" orientation >/dev/null
D
is "$(etat "$h1")" "send-tdt" "PES transmis"
ht=$(val "$h1" tedetis_transaction_id)
ctl "/_test/advance?transaction=$ht&status=4&acquit_absent=1" >/dev/null
sleep 1.1; D
is "$(etat "$h1")" "send-tdt" "statut 4 sans fichier d'acquit : S2LOW dit 3, on attend"
ctl "/_test/advance?transaction=$ht&status=4&acquit_absent=0" >/dev/null
sleep 1.1; D
like "$(sql -c "SELECT string_agg(etat, ',' ORDER BY id) FROM liasse.dossier_etat WHERE dossier_id = $h1")" \
	"send-tdt,verif-tdt,info-tdt" "PES_ACQUIT reçu : Un fichier de réponse PES est disponible"
is "$(val "$h1" etat_ack)" 2 "etat_ack 2 (acquittement KO)"
like "$(sql -c "SELECT message FROM liasse.dossier_etat WHERE dossier_id = $h1 AND etat = 'verif-tdt'")" \
	"L'identifiant unique de la PJ a déjà été intégré dans HELIOS" "texte d'erreur de la DGFiP dans l'historique"
is "$(sql -c "SELECT nom FROM liasse.fichier WHERE dossier_id = $h1 AND champ = 'fichier_reponse'")" \
	"depense_accents_latin1_ACK.xml" "PES_ACQUIT enregistré sous <PES>_ACK.xml"
h2=$(L "$UA" dossier create --entite "$ENT_A" --type helios-generique --titre "PES doublon")
L "$UA" dossier attach "$h2" fichier_pes "$PES" >/dev/null
L "$UA" dossier action "$h2" orientation >/dev/null
D
is "$(etat "$h2")" "tdt-error" "même PES une seconde fois : refusé"
like "$(sql -c "SELECT message FROM liasse.dossier_etat WHERE dossier_id = $h2 AND etat = 'tdt-error'")" \
	"doublon détecté" "message doublon de S2LOW"
